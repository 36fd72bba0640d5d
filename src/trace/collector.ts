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
import type { SimSegment } from '../link/segment.js';
import { decodeEthernet, EtherType, macToString, ETHERNET_HEADER } from '../wire/ethernet.js';
import { decodeArp } from '../wire/arp.js';
import { LinkType } from '../wire/pcap.js';
import { markRetransmissions } from './analyze.js';
import { arpEvent, endpointText, roundMs, segmentEvent, datagramEvent, type SegmentEvent, type Trace, type TraceEvent, type TraceHost } from './model.js';

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
  /** Per arrow: its IP packet (an ARP arrow: its frame) and, from a segment, the Ethernet frame. */
  private readonly kept: Array<{ data: Uint8Array; timeMs: number; frame?: Uint8Array }> = [];
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
    for (const seg of this.net.segments) this.addSegment(seg);
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

  /**
   * Watch an Ethernet segment: every frame a host sends into it (its tap) becomes arrows, ARP
   * (protocol 'arp') as well as the IP packets it carries (as on a link). A frame to a unicast MAC
   * is drawn to the host that owns it; a broadcast (or unknown) one to every other host on the
   * segment, one arrow each. With keepPackets the frames are kept too: pcap() is then Ethernet.
   */
  addSegment(seg: SimSegment): void {
    seg.tap((frame, timeMs, from) => this.onFrame(seg, frame, timeMs, from));
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

  /**
   * The packets kept (needs keepPackets), one per arrow: the IP packet, or for an ARP arrow its
   * Ethernet frame; `frame` is the whole frame of what crossed a segment.
   */
  packets(): ReadonlyArray<{ data: Uint8Array; timeMs: number; frame?: Uint8Array }> {
    return this.kept;
  }

  /**
   * A pcap of every packet put on any link (needs keepPackets): raw IP, or Ethernet once a segment's
   * frame was kept (a packet from a point-to-point link then gets a header of zero MACs). A
   * broadcast drawn to several hosts is in it once.
   */
  pcap(): Uint8Array {
    if (!this.kept.some((k) => k.frame !== undefined)) return encodePcap(this.kept);
    const out: Array<{ data: Uint8Array; timeMs: number }> = [];
    let last: Uint8Array | undefined;
    for (const k of this.kept) {
      if (k.frame !== undefined) {
        if (k.frame !== last) out.push({ data: k.frame, timeMs: k.timeMs });
        last = k.frame;
        continue;
      }
      const f = new Uint8Array(ETHERNET_HEADER + k.data.length);
      const type = k.data[0] >> 4 === 6 ? EtherType.IPV6 : EtherType.IPV4;
      f[12] = type >> 8;
      f[13] = type & 0xff;
      f.set(k.data, ETHERNET_HEADER);
      out.push({ data: f, timeMs: k.timeMs });
    }
    return encodePcap(out, LinkType.ETHERNET);
  }

  /** A frame sent into a segment: an arrow to each host it is for (see addSegment). */
  private onFrame(seg: SimSegment, sent: Uint8Array, timeMs: number, from: Host): void {
    // Kept frames are copies (one per frame, however many arrows it makes).
    const frame = this.opts.keepPackets ? sent.slice() : sent;
    const eth = decodeEthernet(frame);
    if (!eth.ok) return;
    const dst = macToString(eth.dst);
    const tos: Host[] = [];
    for (const p of seg.ports) {
      if (p.host === from) continue;
      const mac = p.host.net?.interface(p.ifIndex)?.mac;
      if (mac !== undefined && macToString(mac) === dst) {
        tos.length = 0;
        tos.push(p.host);
        break;
      }
      if (!tos.includes(p.host)) tos.push(p.host);
    }
    const body = frame.subarray(eth.payloadOffset, eth.payloadOffset + eth.payloadLength);
    if (eth.etherType === EtherType.ARP) {
      const a = decodeArp(body);
      if (!a.ok || this.muted || this.quiet) return;
      for (const to of tos) {
        if (this.opts.keepPackets) this.kept.push({ data: frame, timeMs, frame });
        const e = arpEvent(a, 28, from.name, to.name, macToString(eth.src), dst);
        e.t = roundMs(timeMs);
        this.events.push(e);
      }
      return;
    }
    if (eth.etherType !== EtherType.IPV4 && eth.etherType !== EtherType.IPV6) return;
    for (const to of tos) this.onIp(body, timeMs, from, to, frame);
  }

  private onSent(l: SimLink, packet: Uint8Array, timeMs: number, from: Host): void {
    this.onIp(packet, timeMs, from, l.other(from));
  }

  /** An IP packet from one host to another, over a link or (`frame`) a segment. */
  private onIp(packet: Uint8Array, timeMs: number, from: Host, to: Host, frame?: Uint8Array): void {
    const label = this.nextLabel;
    this.nextLabel = undefined;
    this.lastSent = { packet, event: undefined, index: -1 };
    const p = decodeTcpPacket(packet);
    if (!p.ok) {
      if (p.reason === 'not-tcp') this.onDatagram(packet, timeMs, from, to, frame);
      return;
    }
    const src = endpointText(ipToString(p.ip.src), p.tcp.srcPort);
    const dst = endpointText(ipToString(p.ip.dst), p.tcp.dstPort);
    if (this.opts.watch && !this.opts.watch(src, dst)) return;
    if (this.muted || this.quiet) {
      this.mutedSegments++;
      return;
    }
    if (this.opts.keepPackets) this.kept.push(keep(packet, timeMs, frame));
    const e = segmentEvent(p, from.name, to.name, src, dst);
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
  private onDatagram(packet: Uint8Array, timeMs: number, from: Host, to: Host, frame?: Uint8Array): void {
    const u = decodeUdpPacket(packet);
    if (!u.ok) return;
    const src = endpointText(ipToString(u.ip.src), u.udp.srcPort);
    const dst = endpointText(ipToString(u.ip.dst), u.udp.dstPort);
    if (this.opts.watch && !this.opts.watch(src, dst)) return;
    if (this.muted || this.quiet) return;
    if (this.opts.keepPackets) this.kept.push(keep(packet, timeMs, frame));
    const e = datagramEvent(u, from.name, to.name, src, dst);
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

function keep(packet: Uint8Array, timeMs: number, frame: Uint8Array | undefined): { data: Uint8Array; timeMs: number; frame?: Uint8Array } {
  return frame === undefined ? { data: packet.slice(), timeMs } : { data: packet.slice(), timeMs, frame };
}
