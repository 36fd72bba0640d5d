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
  | { kind: 'FO'; cookie: string | undefined }
  /** The experimental Fast Open option (kind 254, magic 0xF989: RFC 7413 §4.1.1, RFC 6994). */
  | { kind: 'FOEXP'; cookie: string | undefined }
  /** TCP MD5 signature (RFC 2385, kind 19): read, and UNSUPPORTED when run. */
  | { kind: 'md5'; digest: string };

/**
 * IP header fields a packet line states, in `( )` or `[ ]` after the direction (nplab's ip_info):
 * `(tos 0x10, ttl 64)`, `(hlim 1, class 0x20, flowlabel 0x12345)`, `(dscp ef, ecn ect0)`. The ECN
 * part (`[ect0]`, `ecn ce`) is PacketSpec.ecn. What is stated is set on an inbound packet and
 * compared on an outbound one; what is not stated is neither.
 */
export interface IpAttributes {
  /** The whole TOS (IPv4) or traffic class (IPv6) byte: `tos 0x..` or `class 0x..`. */
  tos?: number;
  /** The six DSCP bits alone: `dscp 0x..` or a name (`ef`, `af11`, `cs1`, ...). */
  dscp?: number;
  /** The TTL (`ttl`, IPv4) or hop limit (`hlim`, IPv6); packetdrill keeps both in one field. */
  ttl?: number;
  /** The IPv6 flow label: `flowlabel 0x..`. */
  flowLabel?: number;
}

/**
 * An ICMP line: `< icmp unreachable port_unreachable [1:1001(1000)]`, `< icmp unreachable frag_needed
 * mtu 1200`, `< icmp packet_too_big mtu 1280 [0:1440(1440)]`, `< icmp time_exceeded`. The bracket
 * names the TCP segment the error quotes, in the script's numbers for what synack sent (no bracket:
 * sequence number 0, no data); its ports are the connection's.
 */
export interface IcmpSpec {
  direction: 'in' | 'out';
  ecn: EcnMark | undefined;
  ip: IpAttributes;
  typeName: string;
  codeName: string | undefined;
  /** The wire values for the script's IP version (ICMP for IPv4, ICMPv6 for IPv6). */
  type: number;
  code: number;
  /** Next-hop MTU: IPv4 unreachable/frag_needed, IPv6 packet_too_big. */
  mtu: number | undefined;
  /** `id N`: the echo identifier. */
  echoId: number | undefined;
  /** The quoted segment; `protocol` other than tcp is kept to be reported as unsupported. */
  echoed: { protocol: 'tcp'; start: number; length: number } | { protocol: 'udp' | 'udplite' | 'sctp' | 'raw'; text: string };
}

export interface PacketSpec {
  direction: 'in' | 'out';
  ecn: EcnMark | undefined;
  ip: IpAttributes;
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
  | (EventBase & { type: 'icmp'; icmp: IcmpSpec })
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
  /** A backtick command after the last event, with no time (packetdrill's cleanup command). */
  cleanupCommand?: { line: number; command: string };
  events: ScriptEvent[];
  /** The source, split into lines (for messages and mutation tests). */
  lines: string[];
}

export interface ParseError {
  line: number;
  message: string;
}
