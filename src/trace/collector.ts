/**
 * The trace collector: attached to a simulated network, it records what happened from observation
 * alone. Segments come from the links' taps (every packet a host put on a link) and drop taps (the
 * link's reason); state changes from the stacks' events, and, for connections the stack does not
 * report yet (a listener's SYN queue), from comparing each connection's state after the host was
 * serviced. Timers (set, fired, cancelled), congestion-window changes and segments a host discards
 * come from the trace hooks inside each stack and TCB (StackTraceSink, TcbTraceSink), which the
 * collector attaches to every host it watches. Nothing is recorded, and nothing costs anything,
 * unless a collector is attached.
 */
import { decodeTcpPacket, encodePcap, ipToString } from '../wire/index.js';
import { decodeUdpPacket } from '../wire/udp.js';
import type { Connection } from '../stack/connection.js';
import type { StackEvent, StackTraceSink } from '../stack/stack.js';
import type { Endpoint } from '../stack/endpoint.js';
import type { TcbTraceSink } from '../tcp/trace.js';
import type { TcpState } from '../tcp/state.js';
import type { Host } from '../link/host.js';
import type { LinkDropReason, SimLink, SimNetwork } from '../link/sim.js';
import { markRetransmissions } from './analyze.js';
import { endpointText, roundMs, segmentEvent, datagramEvent, type SegmentEvent, type Trace, type TraceEvent, type TraceHost } from './model.js';

export interface CollectorOptions {
  /** Record only segments and connections for which this holds (endpoints "addr:port"). */
  watch?: (src: string, dst: string) => boolean;
  /** Keep the packets for a pcap (`pcap()`). */
  keepPackets?: boolean;
  /** Names what a segment's data is (TLS records: tls-records.ts), shown on its arrow. */
  describePayload?: (src: string, dst: string, payload: Uint8Array) => string | undefined;
  /**
   * Record when each segment arrives (or, dropped by the link, would have), and follow the packets
   * in flight: `arrival(i)`, `inFlight()`. A packet taken off its link (SimLink.cancel) is marked
   * dropped with reason 'removed'.
   */
  arrivals?: boolean;
}

export class TraceCollector {
  private readonly events: TraceEvent[] = [];
  private readonly hosts: TraceHost[] = [];
  private readonly hostByName = new Map<string, Host>();
  /** The last state seen of each connection, per host (to catch changes the stack did not report). */
  private readonly known = new Map<Host, Map<Connection, TcpState>>();
  /** Connections that came from a listener (a passive OPEN). */
  private readonly passive = new WeakSet<Connection>();
  private readonly kept: Array<{ data: Uint8Array; timeMs: number }> = [];
  private lastSent: { packet: Uint8Array; event: SegmentEvent | undefined; index: number } | undefined;
  /** With `arrivals`: per segment event index, its arrival time; per delivery id and packet, the event index. */
  private readonly arrivalAt = new Map<number, number>();
  private readonly deliveryEvent = new Map<number, number>();
  private readonly packetEvent = new WeakMap<Uint8Array, number>();
  private nextLabel: string | undefined;
  /** While muted, segments are counted, not recorded, and state changes are not recorded (a flood). */
  muted = false;
  /** While quiet, only segments are left out (what a crashed host would have sent). */
  quiet = false;
  mutedSegments = 0;

  constructor(
    readonly net: SimNetwork,
    private readonly opts: CollectorOptions = {},
  ) {}

  /** Watch every host and link of the network as it is now; `initial` gives hosts' starting states. */
  attach(initial: Record<string, TcpState> = {}): this {
    for (const h of this.net.hosts) this.addHost(h, initial[h.name]);
    for (const l of this.net.links) this.addLink(l);
    return this;
  }

  addHost(h: Host, initial?: TcpState): void {
    if (this.hostByName.has(h.name)) return;
    this.hostByName.set(h.name, h);
    const th: TraceHost = { name: h.name, addresses: h.stack.addresses.map(ipToString) };
    if (initial) th.initial = initial;
    this.hosts.push(th);
    this.known.set(h, new Map());
    const sink = this.stackSink(h);
    h.stack.trace = sink;
    for (const c of h.stack.connections()) c.tcb.setTrace(sink.connection(c));
    h.observe({ event: (e, host) => this.onStackEvent(e, host), serviced: (host) => this.scan(host) });
  }

  addLink(l: SimLink): void {
    l.tap((packet, timeMs, from) => this.onSent(l, packet, timeMs, from));
    l.tapDrops((packet, t, from, reason) => this.onDropped(l, packet, t, from, reason));
    if (this.opts.arrivals) l.tapDeliveries((packet, _sent, arrives, _from, id) => this.onScheduled(packet, arrives, id));
  }

  /** The hosts watched so far. */
  get traceHosts(): readonly TraceHost[] {
    return this.hosts;
  }

  /** Every event recorded so far, as recorded (live: retransmissions not marked; see trace()). */
  get recorded(): readonly TraceEvent[] {
    return this.events;
  }

  /** When the segment of event `index` arrives, or would have (needs `arrivals`). */
  arrival(index: number): number | undefined {
    return this.arrivalAt.get(index);
  }

  /** The event index of a delivery in flight (needs `arrivals`); undefined for a packet not recorded (muted). */
  deliveryIndex(id: number): number | undefined {
    return this.deliveryEvent.get(id);
  }

  private onScheduled(packet: Uint8Array, arrives: number, id: number): void {
    const last = this.lastSent;
    if (!last || !last.event) return;
    if (!this.arrivalAt.has(last.index)) this.arrivalAt.set(last.index, roundMs(arrives));
    this.deliveryEvent.set(id, last.index);
    this.packetEvent.set(packet, last.index);
  }

  /** The next segment sent carries this label (an injected or crafted segment). */
  label(text: string): void {
    this.nextLabel = text;
  }

  note(text: string, host?: string): void {
    const e: TraceEvent = host === undefined ? { t: roundMs(this.net.now), kind: 'note', text } : { t: roundMs(this.net.now), kind: 'note', host, text };
    this.events.push(e);
  }

  /** The trace so far, with retransmissions marked. */
  trace(): Trace {
    const events = this.events.map((e) => ({ ...e }));
    const t: Trace = { hosts: this.hosts.map((h) => ({ ...h })), events };
    markRetransmissions(t.events);
    return t;
  }

  /** The hooks for one host: its stack's drops and TIME-WAIT entries, and a sink per connection. */
  private stackSink(h: Host): StackTraceSink {
    return {
      connection: (c) => this.tcbSink(h, c),
      drop: (local, remote, seq, len, why, now) => {
        if (this.muted) return;
        const conn = local && remote ? this.pairText(local, remote) : null;
        if (conn !== null && this.opts.watch && !this.opts.watch(this.endText(local!), this.endText(remote!)) && !this.opts.watch(this.endText(remote!), this.endText(local!))) return;
        this.events.push({ t: roundMs(now), kind: 'drop', host: h.name, conn, seq, len, reason: why });
      },
      timer: (local, remote, kind, action, deadline, now) => {
        if (this.muted) return;
        this.events.push({ t: roundMs(now), kind: 'timer', host: h.name, conn: this.pairText(local, remote), timer: kind, action, deadline: roundMs(deadline) });
      },
    };
  }

  private tcbSink(h: Host, c: Connection): TcbTraceSink | undefined {
    // Connections made while muted (a flood) stay untraced, as their states are not recorded.
    if (!this.watched(c) || this.muted) return undefined;
    const host = h.name;
    const conn = this.connText(c);
    return {
      timer: (timer, action, deadline, now) => {
        // A compact TIME-WAIT entry took the 4-tuple over: its end is the stack's to report, not this TCB's abort.
        if (this.muted || (timer === 'time-wait' && action === 'cancelled' && c.timeWait)) return;
        this.events.push({ t: roundMs(now), kind: 'timer', host, conn, timer, action, deadline: deadline === undefined ? null : roundMs(deadline) });
      },
      cwnd: (cwnd, ssthresh, why, now) => {
        if (!this.muted) this.events.push({ t: roundMs(now), kind: 'cwnd', host, conn, cwnd: Math.round(cwnd), ssthresh: Number.isFinite(ssthresh) ? Math.round(ssthresh) : null, why });
      },
      drop: (seq, len, why, now) => {
        if (!this.muted) this.events.push({ t: roundMs(now), kind: 'drop', host, conn, seq, len, reason: why });
      },
    };
  }

  private endText(e: Endpoint): string {
    return endpointText(ipToString(e.address), e.port);
  }

  private pairText(local: Endpoint, remote: Endpoint): string {
    return `${this.endText(local)}>${this.endText(remote)}`;
  }

  /** The packets kept (needs keepPackets). */
  packets(): ReadonlyArray<{ data: Uint8Array; timeMs: number }> {
    return this.kept;
  }

  /** A pcap of every packet put on any link (needs keepPackets). */
  pcap(): Uint8Array {
    return encodePcap(this.kept);
  }

  private onSent(l: SimLink, packet: Uint8Array, timeMs: number, from: Host): void {
    const label = this.nextLabel;
    this.nextLabel = undefined;
    this.lastSent = { packet, event: undefined, index: -1 };
    const p = decodeTcpPacket(packet);
    if (!p.ok) {
      if (p.reason === 'not-tcp') this.onDatagram(l, packet, timeMs, from);
      return;
    }
    const src = endpointText(ipToString(p.ip.src), p.tcp.srcPort);
    const dst = endpointText(ipToString(p.ip.dst), p.tcp.dstPort);
    if (this.opts.watch && !this.opts.watch(src, dst)) return;
    if (this.muted || this.quiet) {
      this.mutedSegments++;
      return;
    }
    if (this.opts.keepPackets) this.kept.push({ data: packet.slice(), timeMs });
    const e = segmentEvent(p, from.name, l.other(from).name, src, dst);
    e.t = roundMs(timeMs);
    if (label !== undefined) e.label = label;
    if (this.opts.describePayload !== undefined && p.payloadLength > 0) {
      const what = this.opts.describePayload(src, dst, p.bytes.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength));
      if (what !== undefined) e.payload = what;
    }
    this.lastSent.event = e;
    this.lastSent.index = this.events.length;
    this.events.push(e);
  }

  /** A UDP datagram put on a link: an arrow like a segment's (SegmentEvent.protocol 'udp'). */
  private onDatagram(l: SimLink, packet: Uint8Array, timeMs: number, from: Host): void {
    const u = decodeUdpPacket(packet);
    if (!u.ok) return;
    const src = endpointText(ipToString(u.ip.src), u.udp.srcPort);
    const dst = endpointText(ipToString(u.ip.dst), u.udp.dstPort);
    if (this.opts.watch && !this.opts.watch(src, dst)) return;
    if (this.muted || this.quiet) return;
    if (this.opts.keepPackets) this.kept.push({ data: packet.slice(), timeMs });
    const e = datagramEvent(u, from.name, l.other(from).name, src, dst);
    e.t = roundMs(timeMs);
    this.lastSent = { packet, event: e, index: this.events.length };
    this.events.push(e);
  }

  /** A drop tap runs right after the tap for the same packet. */
  private onDropped(l: SimLink, packet: Uint8Array, t: number, from: Host, reason: LinkDropReason): void {
    if (reason === 'removed') {
      // Taken off the link while in flight, after other packets were sent: found by its packet.
      const index = this.packetEvent.get(packet);
      const e = index === undefined ? undefined : this.events[index];
      if (e === undefined || e.kind !== 'segment') return;
      e.dropped = true;
      e.reason = reason;
      return;
    }
    const last = this.lastSent;
    if (!last || last.packet !== packet || !last.event) return;
    last.event.dropped = true;
    last.event.reason = reason;
    if (this.opts.arrivals && reason !== 'corrupt') this.arrivalAt.set(last.index, roundMs(t + l.profiles[from === l.a ? 0 : 1].delayMs));
  }

  private connText(c: Connection): string {
    return `${endpointText(ipToString(c.local.address), c.local.port)}>${endpointText(ipToString(c.remote.address), c.remote.port)}`;
  }

  private watched(c: Connection): boolean {
    if (!this.opts.watch) return true;
    const local = endpointText(ipToString(c.local.address), c.local.port);
    const remote = endpointText(ipToString(c.remote.address), c.remote.port);
    return this.opts.watch(local, remote) || this.opts.watch(remote, local);
  }

  private onStackEvent(e: StackEvent, host: Host): void {
    if (e.type !== 'event' || e.event.type !== 'state') return;
    this.record(host, e.connection, e.event.from, e.event.to);
  }

  private record(host: Host, c: Connection, from: TcpState, to: TcpState): void {
    this.known.get(host)!.set(c, to);
    // RFC 9293 §3.10.7.4: a half-open connection from a passive OPEN that is reset returns to LISTEN.
    if (this.passive.has(c) && from === 'SYN-RECEIVED' && to === 'CLOSED') to = 'LISTEN';
    if (!this.watched(c) || this.muted) return;
    this.events.push({ t: roundMs(this.net.now), kind: 'state', host: host.name, conn: this.connText(c), from, to });
  }

  /**
   * After a host was serviced: a connection whose state differs from the last one seen changed
   * without an event reaching us (a listener's half-open connection, which the stack reports only
   * once accepted); one that is gone reached CLOSED.
   */
  private scan(host: Host): void {
    const known = this.known.get(host)!;
    const seen = new Set<Connection>();
    for (const c of host.stack.connections()) {
      seen.add(c);
      const before = known.get(c);
      const now = c.state;
      if (before === now) continue;
      // A connection first seen here came from a listener (an active open reports SYN-SENT itself).
      if (before === undefined) this.passive.add(c);
      this.record(host, c, before ?? 'LISTEN', now);
    }
    for (const [c, state] of known) {
      // A compact TIME-WAIT entry is not listed among connections, yet the connection is not CLOSED:
      // its own state event says when it is.
      if (seen.has(c) || (c.timeWait && c.state === 'TIME-WAIT')) continue;
      known.delete(c);
      if (state !== 'CLOSED') this.record(host, c, state, 'CLOSED');
      known.delete(c);
    }
  }
}
