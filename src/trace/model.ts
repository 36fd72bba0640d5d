/**
 * What a trace is: the hosts that took part and a time-ordered list of events (segments sent,
 * received or dropped; state changes; timers set, fired and cancelled; cwnd changes; drops inside a
 * host; notes), in the JSON shape `synack demo --format json`
 * prints: `{"hosts": [...], "events": [...]}`, each event with `t` (ms) and `kind`.
 */
import { TcpFlag, tcpOptionsToJson, type TcpPacket, type TcpPacketJson } from '../wire/index.js';
import { udpLine } from '../wire/frame-summary.js';
import type { UdpPacket } from '../wire/udp.js';
import { ArpOperation, type ArpPacket } from '../wire/arp.js';
import { macToString } from '../wire/ethernet.js';
import { ipToString } from '../wire/address.js';
import type { TcpState } from '../tcp/state.js';
import type { CwndReason, TcbTimerAction, TcbTimerKind } from '../tcp/trace.js';

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
  /** What the data is, when the trace was told (TLS records: "ClientHello", "encrypted x2"). */
  payload?: string;
  /**
   * 'udp': a UDP datagram drawn as an arrow (flags, numbers and window zero; `len` its data; `payload`
   * what it carries, "DNS 4660+ A? www.synack.test." or "DHCP Discover ..."). 'arp': an ARP packet on
   * an Ethernet segment (RFC 826), numbers zero, `len` 28, `payload` "who-has 198.18.0.2 tell
   * 198.18.0.1" or "198.18.0.2 is-at 02:00:00:00:02:01"; `src` and `dst` are MAC addresses.
   * Absent: a TCP segment.
   */
  protocol?: 'udp' | 'arp';
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
  /** The connection, "local>remote" (absent for a timer inferred from a capture). */
  conn?: string;
  /** Which timer: retransmission (RTO), time-wait (2*MSL), persist, keepalive, and so on. */
  timer: TcbTimerKind;
  /** Set (or restarted), fired, or cancelled before it fired. */
  action: TcbTimerAction;
  /** The deadline set, or the one that fired or was cancelled (ms); null when unknown (inferred). */
  deadline: number | null;
  /** Inferred from what was observed (a capture: a retransmission after silence, TIME-WAIT ending). */
  inferred?: true;
}

/** A congestion-window change the sender's TCB reported (every congestion event; ACK growth sampled). */
export interface CwndEvent {
  t: number;
  kind: 'cwnd';
  host: string;
  conn: string;
  /** Bytes (rounded). */
  cwnd: number;
  /** Bytes (rounded); null while unbounded (before the first congestion event). */
  ssthresh: number | null;
  why: CwndReason;
}

/** A segment a host discarded (its TCB, or its stack before any TCB), with the reason. */
export interface DropEvent {
  t: number;
  kind: 'drop';
  host: string;
  /** The connection, "local>remote"; null when the header did not decode. */
  conn: string | null;
  /** As on the wire; the payload length. */
  seq: number;
  len: number;
  reason: string;
}

export interface NoteEvent {
  t: number;
  kind: 'note';
  /** The host the note is about, if any. */
  host?: string;
  text: string;
}

export type TraceEvent = SegmentEvent | StateEvent | TimerEvent | CwndEvent | DropEvent | NoteEvent;

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

/** Words for a fired timer, a drop or a congestion event beside a host's lane; undefined: not drawn. */
export function markText(e: TimerEvent | CwndEvent | DropEvent): string | undefined {
  if (e.kind === 'drop') return `drop: ${e.reason}`;
  if (e.kind === 'cwnd') return e.why === 'ack' ? undefined : `cwnd ${e.cwnd}${e.ssthresh === null ? '' : ` ssthresh ${e.ssthresh}`} (${e.why})`;
  if (e.action !== 'fired') return undefined;
  return FIRED[e.timer];
}

const FIRED: Record<TcbTimerKind, string> = {
  retransmission: 'RTO fired',
  persist: 'persist timer fired',
  keepalive: 'keep-alive timer fired',
  'delayed-ack': 'delayed ACK timer fired',
  'time-wait': 'TIME-WAIT ends (2MSL)',
  'fin-wait-2': 'FIN-WAIT-2 timeout',
  'user-timeout': 'user timeout fired',
  'loss-probe': 'loss probe timer fired',
  reorder: 'RACK reorder timer fired',
  connect: 'connect timeout',
};

/** A UDP datagram as an arrow of the ladder (see SegmentEvent.protocol). */
export function datagramEvent(u: UdpPacket, from: string, to: string, src: string, dst: string): SegmentEvent {
  return {
    t: 0,
    kind: 'segment',
    from,
    to,
    src,
    dst,
    flags: 0,
    flagNames: [],
    seq: 0,
    ack: 0,
    len: u.payloadLength,
    window: 0,
    options: {},
    dropped: false,
    reason: null,
    retransmission: false,
    protocol: 'udp',
    payload: udpPayloadText(u),
  };
}

/** An ARP packet as an arrow of the ladder (see SegmentEvent.protocol). */
export function arpEvent(a: ArpPacket, length: number, from: string, to: string, srcMac: string, dstMac: string): SegmentEvent {
  return {
    t: 0,
    kind: 'segment',
    from,
    to,
    src: srcMac,
    dst: dstMac,
    flags: 0,
    flagNames: [],
    seq: 0,
    ack: 0,
    len: length,
    window: 0,
    options: {},
    dropped: false,
    reason: null,
    retransmission: false,
    protocol: 'arp',
    payload: arpPayloadText(a),
  };
}

/** What an ARP packet says, as `synack decode` prints it after "ARP, Request"/"ARP, Reply". */
export function arpPayloadText(a: ArpPacket): string {
  if (a.operation === ArpOperation.REQUEST) return `who-has ${ipToString(a.targetIp)} tell ${ipToString(a.senderIp)}`;
  if (a.operation === ArpOperation.REPLY) return `${ipToString(a.senderIp)} is-at ${macToString(a.senderMac)}`;
  return `op ${a.operation}`;
}

/** What a datagram carries, as `synack decode` says it after the addresses. */
export function udpPayloadText(u: UdpPacket): string {
  const line = udpLine(u);
  return line.slice(line.indexOf(': ') + 2);
}

/** The segment event of a decoded packet between two hosts (`from`, `to`: their names or endpoints), at time 0. */
export function segmentEvent(p: TcpPacket, from: string, to: string, src: string, dst: string): SegmentEvent {
  return {
    t: 0,
    kind: 'segment',
    from,
    to,
    src,
    dst,
    flags: p.tcp.flags,
    flagNames: flagNames(p.tcp.flags),
    seq: p.tcp.seq,
    ack: p.tcp.ack,
    len: p.payloadLength,
    window: p.tcp.window,
    options: tcpOptionsToJson(p.tcp.options),
    dropped: false,
    reason: null,
    retransmission: false,
  };
}
