/**
 * Traces from a real capture (pcap or pcapng; Ethernet, Linux cooked v1/v2, raw IP, loopback):
 * one trace per connection (per 4-tuple; a new SYN after both sides closed starts another), with
 * each side's state inferred from what it sent and received, per RFC 9293's state diagram, as
 * seen at the capture point.
 */
import { decodeCapturedTcp, ipToString, locateIp, readCapture, TcpFlag, seqGe, type CaptureRecord, type DecodeFailure } from '../wire/index.js';
import type { TcpState } from '../tcp/state.js';
import { inferTimers, markRetransmissions } from './analyze.js';
import { datagramEvent, endpointText, roundMs, segmentEvent, type SegmentEvent, type Trace, type TraceEvent } from './model.js';
import { decodeUdpPacket } from '../wire/udp.js';

export interface CaptureTraces {
  readonly ok: true;
  traces: Trace[];
  /** Frames that held neither a TCP segment nor a UDP datagram (ARP, fragments, damage), counted. */
  skipped: number;
  damage?: DecodeFailure;
  /** With `keepPackets`: per trace, per event index, the packet's bytes (IP header first) for a segment. */
  packets?: Array<Array<Uint8Array | undefined>>;
}

export interface CaptureTracerOptions {
  /** Keep each segment's packet (IP header first), for an inspector: `CaptureTraces.packets`. */
  keepPackets?: boolean;
}

interface Conn {
  /** The endpoint that opened (sent the first SYN), else the first sender. */
  a: string;
  b: string;
  segments: SegmentEvent[];
  closed: boolean;
  /** A UDP flow (datagrams between two endpoints): drawn without states. */
  udp?: boolean;
}

/**
 * Builds one trace per connection from capture records given one at a time (a file read as a
 * stream): it keeps each segment's decoded header, never the packet bytes.
 */
export class CaptureTracer {
  private readonly conns: Conn[] = [];
  private readonly open = new Map<string, Conn>();
  private t0: number | undefined;
  /** Frames that held neither a TCP segment nor a UDP datagram (ARP, fragments, damage), counted. */
  skipped = 0;
  private readonly bytes: WeakMap<SegmentEvent, Uint8Array> | undefined;

  constructor(opts: CaptureTracerOptions = {}) {
    if (opts.keepPackets) this.bytes = new WeakMap();
  }

  add(r: CaptureRecord): void {
    const seg = segmentOf(r, this.bytes) ?? datagramOf(r, this.bytes);
    if (!seg) {
      this.skipped++;
      return;
    }
    const t = r.seconds * 1000 + r.nanoseconds / 1e6;
    this.t0 ??= t;
    seg.t = roundMs(t - this.t0);
    const key = (seg.protocol === 'udp' ? 'udp ' : '') + [seg.src, seg.dst].sort().join(' ');
    let c = this.open.get(key);
    const pureSyn = (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    if (c && c.closed && pureSyn) c = undefined; // a new incarnation of the same 4-tuple
    if (!c) {
      c = { a: seg.src, b: seg.dst, segments: [], closed: false, udp: seg.protocol === 'udp' };
      this.open.set(key, c);
      this.conns.push(c);
    }
    c.segments.push(seg);
    if (seg.flags & TcpFlag.RST) c.closed = true;
  }

  /** The traces of every connection seen so far. */
  finish(damage?: DecodeFailure): CaptureTraces {
    const bytes = this.bytes;
    const copies = new Map<TraceEvent, SegmentEvent>();
    const out: CaptureTraces = { ok: true, traces: this.conns.map((c) => traceOf(c, bytes ? (copy, seg) => copies.set(copy, seg) : undefined)), skipped: this.skipped };
    if (bytes) out.packets = out.traces.map((t) => t.events.map((e) => (copies.has(e) ? bytes.get(copies.get(e)!) : undefined)));
    if (damage) out.damage = damage;
    return out;
  }
}

/** Read a capture file's bytes into one trace per connection. */
export function tracesFromCapture(file: Uint8Array, opts: CaptureTracerOptions = {}): CaptureTraces | DecodeFailure {
  const cap = readCapture(file);
  if (!cap.ok) return cap;
  const tracer = new CaptureTracer(opts);
  for (const r of cap.records) tracer.add(r);
  return tracer.finish(cap.damage);
}

/** A segment as the ladder draws it; one the capture cut (snap length) keeps its real length. */
function segmentOf(r: CaptureRecord, keep: WeakMap<SegmentEvent, Uint8Array> | undefined): SegmentEvent | undefined {
  const p = decodeCapturedTcp(r);
  if (!p.ok) return undefined;
  const src = endpointText(ipToString(p.ip.src), p.tcp.srcPort);
  const dst = endpointText(ipToString(p.ip.dst), p.tcp.dstPort);
  const e = segmentEvent(p, src, dst, src, dst);
  if (keep) {
    // A packet cut by the snap length was laid over one of its real length (the missing bytes zero).
    const at = locateIp(r.linkType, r.data);
    keep.set(e, p.snapped || !at.ok ? p.bytes.slice() : r.data.slice(at.offset, at.offset + at.length));
  }
  return e;
}

/** A UDP datagram as the ladder draws it (a broadcast's destination is its own endpoint). */
function datagramOf(r: CaptureRecord, keep: WeakMap<SegmentEvent, Uint8Array> | undefined): SegmentEvent | undefined {
  const at = locateIp(r.linkType, r.data);
  if (!at.ok) return undefined;
  const u = decodeUdpPacket(r.data, at.offset, at.length);
  if (!u.ok) return undefined;
  const src = endpointText(ipToString(u.ip.src), u.udp.srcPort);
  const dst = endpointText(ipToString(u.ip.dst), u.udp.dstPort);
  const e = datagramEvent(u, src, dst, src, dst);
  if (keep) keep.set(e, r.data.slice(at.offset, at.offset + at.length));
  return e;
}

/** One UDP flow: the first sender on the left, datagrams as arrows, no states or timers. */
function datagramTrace(c: Conn, copied?: (copy: SegmentEvent, seg: SegmentEvent) => void): Trace {
  const name = (ep: string): string => (ep === c.a ? 'client' : 'server');
  const events: TraceEvent[] = c.segments.map((seg) => {
    const e: SegmentEvent = { ...seg, from: name(seg.src), to: name(seg.dst) };
    copied?.(e, seg);
    return e;
  });
  return { hosts: [{ name: 'client', addresses: [c.a] }, { name: 'server', addresses: [c.b] }], events };
}

/** What one side has shown so far. */
interface Side {
  state: TcpState;
  iss: number | undefined;
  /** Sequence number of its FIN, once sent. */
  fin: number | undefined;
  passive: boolean;
}

function traceOf(c: Conn, copied?: (copy: SegmentEvent, seg: SegmentEvent) => void): Trace {
  if (c.udp) return datagramTrace(c, copied);
  const first = c.segments[0];
  const opened = (first.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
  // The opener is the client; the other side listened if it ever answered with SYN+ACK.
  const client = opened ? first.src : c.a;
  const server = client === c.a ? c.b : c.a;
  const answered = c.segments.some((s) => s.src === server && (s.flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK));
  const sides = new Map<string, Side>([
    [client, { state: opened ? 'CLOSED' : 'ESTABLISHED', iss: undefined, fin: undefined, passive: false }],
    [server, { state: opened ? (answered ? 'LISTEN' : 'CLOSED') : 'ESTABLISHED', iss: undefined, fin: undefined, passive: true }],
  ]);
  const name = (ep: string): string => (ep === client ? 'client' : 'server');
  const hosts = [
    { name: 'client', addresses: [client], initial: sides.get(client)!.state },
    { name: 'server', addresses: [server], initial: sides.get(server)!.state },
  ];
  const events: TraceEvent[] = [];
  const move = (ep: string, to: TcpState, t: number): void => {
    const s = sides.get(ep)!;
    if (s.state === to) return;
    events.push({ t, kind: 'state', host: name(ep), conn: `${ep}>${ep === client ? server : client}`, from: s.state, to });
    s.state = to;
  };
  for (const seg of c.segments) {
    const e: SegmentEvent = { ...seg, from: name(seg.src), to: name(seg.dst) };
    copied?.(e, seg);
    sent(e, seg.src, sides.get(seg.src)!, move);
    events.push(e);
    received(e, seg.dst, sides.get(seg.dst)!, sides.get(seg.src)!, move);
  }
  const trace: Trace = { hosts, events };
  markRetransmissions(trace.events);
  inferTimers(trace);
  return trace;
}

type Move = (ep: string, to: TcpState, t: number) => void;

/** State changes a side makes by sending (RFC 9293 §3.3.2's diagram: the "snd" half of each arc). */
function sent(e: SegmentEvent, ep: string, s: Side, move: Move): void {
  const f = e.flags;
  if (f & TcpFlag.RST) {
    if (s.state !== 'LISTEN' && s.state !== 'CLOSED') move(ep, 'CLOSED', e.t);
    return;
  }
  if (f & TcpFlag.SYN) {
    s.iss ??= e.seq;
    if (!(f & TcpFlag.ACK) && s.state === 'CLOSED') move(ep, 'SYN-SENT', e.t);
    else if (f & TcpFlag.ACK && (s.state === 'LISTEN' || s.state === 'SYN-SENT')) move(ep, 'SYN-RECEIVED', e.t);
  }
  if (f & TcpFlag.FIN) {
    s.fin ??= (e.seq + e.len + (f & TcpFlag.SYN ? 1 : 0)) >>> 0;
    if (s.state === 'ESTABLISHED' || s.state === 'SYN-RECEIVED') move(ep, 'FIN-WAIT-1', e.t);
    else if (s.state === 'CLOSE-WAIT') move(ep, 'LAST-ACK', e.t);
  }
}

/** State changes a side makes on receiving (the "rcv" half), ACK processing before FIN (§3.10.7.4). */
function received(e: SegmentEvent, ep: string, s: Side, peer: Side, move: Move): void {
  const f = e.flags;
  if (f & TcpFlag.RST) {
    if (s.state === 'SYN-RECEIVED' && s.passive) move(ep, 'LISTEN', e.t);
    else if (s.state !== 'LISTEN' && s.state !== 'CLOSED' && s.state !== 'TIME-WAIT') move(ep, 'CLOSED', e.t);
    return;
  }
  if (f & TcpFlag.SYN && !(f & TcpFlag.ACK) && s.state === 'SYN-SENT') {
    move(ep, 'SYN-RECEIVED', e.t); // simultaneous open
    return;
  }
  if (f & TcpFlag.ACK && s.iss !== undefined) {
    const acksSyn = seqGe(e.ack, (s.iss + 1) >>> 0);
    if ((s.state === 'SYN-SENT' && f & TcpFlag.SYN && acksSyn) || (s.state === 'SYN-RECEIVED' && acksSyn)) move(ep, 'ESTABLISHED', e.t);
    if (s.fin !== undefined && seqGe(e.ack, (s.fin + 1) >>> 0)) {
      if (s.state === 'FIN-WAIT-1') move(ep, 'FIN-WAIT-2', e.t);
      else if (s.state === 'CLOSING') move(ep, 'TIME-WAIT', e.t);
      else if (s.state === 'LAST-ACK') move(ep, 'CLOSED', e.t);
    }
  }
  if (f & TcpFlag.FIN && peer.fin !== undefined) {
    if (s.state === 'ESTABLISHED') move(ep, 'CLOSE-WAIT', e.t);
    else if (s.state === 'FIN-WAIT-1') move(ep, 'CLOSING', e.t);
    else if (s.state === 'FIN-WAIT-2') move(ep, 'TIME-WAIT', e.t);
  }
}
