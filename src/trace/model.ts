/**
 * What a trace is: the hosts that took part and a time-ordered list of events (segments sent,
 * received or dropped; state changes; timers; notes), in the JSON shape `synack demo --format json`
 * prints: `{"hosts": [...], "events": [...]}`, each event with `t` (ms) and `kind`.
 */
import { TcpFlag, type TcpPacketJson } from '../wire/index.js';
import type { TcpState } from '../tcp/state.js';

export type TcpOptionsJson = TcpPacketJson['options'];

export interface TraceHost {
  name: string;
  /** The host's addresses (text). */
  addresses: string[];
  /** The state its first connection starts from at the top of the diagram (LISTEN for a server). */
  initial?: TcpState;
}

export interface SegmentEvent {
  t: number;
  kind: 'segment';
  /** Host names. */
  from: string;
  to: string;
  /** Endpoints, "address:port" ("[v6]:port" for IPv6). */
  src: string;
  dst: string;
  /** The 12-bit flags field, as `synack decode` prints it. */
  flags: number;
  flagNames: string[];
  /** Absolute sequence and acknowledgment numbers, as on the wire. */
  seq: number;
  ack: number;
  /** Payload length. */
  len: number;
  /** The raw 16-bit window field. */
  window: number;
  options: TcpOptionsJson;
  dropped: boolean;
  /** Why it was dropped (loss, queue, corrupt, partition, too-big), else null. */
  reason: string | null;
  /** It carries sequence space this sender had already sent on this connection. */
  retransmission: boolean;
  /** Set for a segment a scenario crafted (an old duplicate, an attacker's guess): what it is. */
  label?: string;
}

export interface StateEvent {
  t: number;
  kind: 'state';
  host: string;
  /** The connection, "local>remote". */
  conn: string;
  from: TcpState;
  to: TcpState;
}

export interface TimerEvent {
  t: number;
  kind: 'timer';
  host: string;
  /** Which timer: retransmission (RTO), time-wait (2*MSL), and so on. */
  timer: 'retransmission' | 'time-wait' | 'user-timeout';
  /** Inferred from what was observed (a retransmission after silence, TIME-WAIT ending). */
  inferred: true;
}

export interface NoteEvent {
  t: number;
  kind: 'note';
  /** The host the note is about, if any. */
  host?: string;
  text: string;
}

export type TraceEvent = SegmentEvent | StateEvent | TimerEvent | NoteEvent;

export interface Trace {
  hosts: TraceHost[];
  events: TraceEvent[];
}

const FLAG_NAMES: Array<[number, string]> = [
  [TcpFlag.FIN, 'FIN'],
  [TcpFlag.SYN, 'SYN'],
  [TcpFlag.RST, 'RST'],
  [TcpFlag.PSH, 'PSH'],
  [TcpFlag.ACK, 'ACK'],
  [TcpFlag.URG, 'URG'],
  [TcpFlag.ECE, 'ECE'],
  [TcpFlag.CWR, 'CWR'],
  [TcpFlag.AE, 'AE'],
];

/** The names of the flags set, in bit order (["SYN","ACK"]). */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) out.push(name);
  return out;
}

/** Sequence space a segment occupies: its data, plus one each for SYN and FIN (RFC 9293 §3.4). */
export function segmentLength(e: Pick<SegmentEvent, 'flags' | 'len'>): number {
  return e.len + (e.flags & TcpFlag.SYN ? 1 : 0) + (e.flags & TcpFlag.FIN ? 1 : 0);
}

export function isSegment(e: TraceEvent): e is SegmentEvent {
  return e.kind === 'segment';
}

export function isState(e: TraceEvent): e is StateEvent {
  return e.kind === 'state';
}

export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Round a time for display and JSON (microseconds). */
export function roundMs(t: number): number {
  return Math.round(t * 1000) / 1000;
}
