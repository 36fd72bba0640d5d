/**
 * A packetdrill script as values: the header options and the events, each with the line it came
 * from. The grammar is packetdrill's (github.com/google/packetdrill, Syntax.md and parser.y).
 */

/** When an event happens, as written. Times are microseconds. */
export type EventTime =
  /** `0.1`: seconds since the script's start. */
  | { kind: 'absolute'; us: number }
  /** `+0.1`: after the previous event (see the runner for what "previous" means). */
  | { kind: 'relative'; us: number }
  /** `*`: whenever it happens. */
  | { kind: 'any' }
  /** `0.1~0.2`: any time in the range. */
  | { kind: 'absolute-range'; us: number; endUs: number }
  /** `+0~+0.1`: any time in the range, after the previous event. */
  | { kind: 'relative-range'; us: number; endUs: number };

/** The IP-level marking of a packet: `[noecn]`, `[ect0]`, `[ect1]`, `[ect01]` (either), `[ce]`. */
export type EcnMark = 'noecn' | 'ect0' | 'ect1' | 'ect01' | 'ce';

/** One TCP option of a script packet, in the order written. */
export type ScriptOption =
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; value: number }
  | { kind: 'sackOK' }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'TS'; val: number; ecr: number }
  | { kind: 'FO'; cookie: string | undefined };

export interface PacketSpec {
  direction: 'in' | 'out';
  ecn: EcnMark | undefined;
  /** The flags as written (`S.`, `F.`, `-`, `SEW`, ...). */
  flagsText: string;
  /** The TCP flags field those letters make. */
  flags: number;
  start: number;
  end: number;
  length: number;
  ack: number | undefined;
  /** undefined: not checked (outbound only; inbound packets must give it). */
  window: number | undefined;
  urgentPointer: number;
  /** undefined for `<...>`: options are not checked. An empty list: there must be none. */
  options: ScriptOption[] | undefined;
}

/** An expression in a system call's arguments or result. */
export type Expr =
  | { kind: 'ellipsis' }
  | { kind: 'int'; value: number; text: string }
  | { kind: 'word'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'struct'; items: Expr[] }
  | { kind: 'binary'; op: '|' | '='; left: Expr; right: Expr }
  | { kind: 'call'; name: string; args: Expr[] };

export interface SyscallSpec {
  name: string;
  args: Expr[];
  result: Expr;
  /** The errno name after the result (`-1 EINPROGRESS`). */
  errno: string | undefined;
  /** The parenthesized note after it, as text. */
  note: string | undefined;
  /** `start...end`: the call blocks until `end` (microseconds, in the same base as the start). */
  endUs: number | undefined;
}

interface EventBase {
  line: number;
  time: EventTime;
  /** The event's source text (first line), for messages. */
  text: string;
}

export type ScriptEvent =
  | (EventBase & { type: 'packet'; packet: PacketSpec })
  | (EventBase & { type: 'syscall'; call: SyscallSpec })
  | (EventBase & { type: 'command'; command: string })
  | (EventBase & { type: 'code'; code: string });

export interface ScriptOptionLine {
  line: number;
  name: string;
  value: string;
}

export interface Script {
  options: ScriptOptionLine[];
  /** A backtick command before the first event (packetdrill's init command). */
  initCommand: { line: number; command: string } | undefined;
  events: ScriptEvent[];
  /** The source, split into lines (for messages and mutation tests). */
  lines: string[];
}

export interface ParseError {
  line: number;
  message: string;
}
