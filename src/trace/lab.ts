/**
 * The bench the demo scenarios run on: a seeded simulated network (198.18.0.0/15, RFC 2544's
 * benchmarking range) with a client and a server joined by a link, optionally an attacker on a link
 * of its own to the server, a trace collector attached, and small helpers for the application's
 * calls at given virtual times.
 */
import { concatBytes, encodeTcpPacket, parseIp, TcpFlag, type TcpOptions } from '../wire/index.js';
import type { TcpConfig } from '../tcp/config.js';
import type { TcpState } from '../tcp/state.js';
import type { Connection } from '../stack/connection.js';
import type { Listener } from '../stack/listener.js';
import type { Host } from '../link/host.js';
import { SimNetwork, type LinkProfile, type SimHostOptions, type SimLink } from '../link/sim.js';
import type { SimSegment } from '../link/segment.js';
import { TraceCollector, type CollectorOptions } from './collector.js';
import type { Trace } from './model.js';

export const CLIENT_ADDRESS = '198.18.0.1';
export const SERVER_ADDRESS = '198.18.0.2';
export const ATTACKER_ADDRESS = '198.18.0.66';
export const SERVER_PORT = 80;

export type Lang = 'en' | 'ko';
export interface Text {
  en: string;
  ko: string;
}

export interface LabOptions extends CollectorOptions {
  seed: number;
  lang: Lang;
  client?: Partial<SimHostOptions>;
  server?: Partial<SimHostOptions>;
  link?: Partial<LinkProfile>;
  /** Add a third host, "attacker", linked to the server. */
  attacker?: boolean;
  /** States the hosts start in at the top of the diagram. */
  initial?: Record<string, TcpState>;
}

/** Settings that keep a diagram short and readable: no delayed ACKs. Everything else is the default. */
export const DEMO_TCP: Partial<TcpConfig> = { ackDelayMs: 0 };

export class Lab {
  readonly net: SimNetwork;
  readonly client: Host;
  readonly server: Host;
  readonly attacker: Host | undefined;
  readonly link: SimLink;
  readonly attackLink: SimLink | undefined;
  readonly trace: TraceCollector;

  constructor(readonly opts: LabOptions) {
    this.net = new SimNetwork(opts.seed);
    this.client = this.net.addHost('client', { addresses: [CLIENT_ADDRESS], tcp: DEMO_TCP, ...opts.client });
    this.server = this.net.addHost('server', { addresses: [SERVER_ADDRESS], tcp: DEMO_TCP, ...opts.server });
    this.link = this.net.link(this.client, this.server, { delayMs: 1, ...opts.link });
    if (opts.attacker) {
      this.attacker = this.net.addHost('attacker', { addresses: [ATTACKER_ADDRESS] });
      this.attackLink = this.net.link(this.attacker, this.server, { delayMs: 1 });
    }
    this.trace = new TraceCollector(this.net, opts);
    this.trace.attach(opts.initial ?? {});
  }

  get now(): number {
    return this.net.now;
  }

  say(t: Text, host?: string): void {
    this.trace.note(t[this.opts.lang], host);
  }

  listen(port = SERVER_PORT, backlog?: number): Listener {
    return this.server.stack.listen(port, backlog === undefined ? {} : { backlog });
  }

  connect(port = SERVER_PORT, opts: { localPort?: number; tcp?: Partial<TcpConfig>; from?: Host; to?: string } = {}): Connection {
    const from = opts.from ?? this.client;
    const c = from.stack.connect({ address: opts.to ?? SERVER_ADDRESS, port }, this.now, { localPort: opts.localPort, tcp: opts.tcp });
    from.kick();
    return c;
  }

  send(host: Host, c: Connection, text: string | Uint8Array): void {
    c.send(typeof text === 'string' ? new TextEncoder().encode(text) : text, this.now);
    host.kick();
  }

  /** Read everything readable; the bytes as text. */
  read(host: Host, c: Connection): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let d = c.read(undefined, this.now); d && d.length; d = c.read(undefined, this.now)) parts.push(d.slice());
    if (parts.length) host.kick(); // a window update may be due
    return concatBytes(parts);
  }

  close(host: Host, c: Connection): void {
    c.close(this.now);
    host.kick();
  }

  shutdown(host: Host, c: Connection): void {
    c.shutdown(this.now);
    host.kick();
  }

  /** Run `fn` at virtual time `t`. */
  at(t: number, fn: () => void): void {
    this.net.at(t, fn);
  }

  runFor(ms: number): void {
    this.net.runFor(ms);
  }

  /** Run until `done()` holds, then finish what is due at that moment (the hosts' service). */
  runUntil(done: () => boolean, maxMs = 600_000): void {
    this.net.runUntil(done, maxMs);
    this.net.runFor(0);
  }

  /**
   * Have the client-server link lose the packets `pick` chooses (as its random loss would): the
   * trace shows them as dropped for 'loss'.
   */
  loseWhere(pick: (packet: Uint8Array, from: Host) => boolean): void {
    const link = this.link;
    let saved: { dir: number; loss: number } | undefined;
    link.tap((packet, _t, from) => {
      if (!pick(packet, from)) return;
      const dir = from === link.a ? 0 : 1;
      saved = { dir, loss: link.profiles[dir].loss };
      link.profiles[dir].loss = 1;
    });
    link.tapDrops(() => {
      if (saved) link.profiles[saved.dir].loss = saved.loss;
      saved = undefined;
    });
  }

  /** Take the client-server link down from now for `ms` (both directions): what is sent meanwhile is lost. */
  linkDown(ms: number): void {
    this.link.up = false;
    this.net.at(this.now + ms, () => (this.link.up = true));
  }

  /**
   * Put a crafted segment on a link as if `from` had sent it (an old duplicate surfacing, an
   * attacker's guess): it goes through the link and the taps like any other packet.
   */
  inject(from: Host, spec: CraftedSegment, label: string): void {
    const link = from === this.attacker ? this.attackLink! : this.link;
    const src = parseIp(spec.src);
    const dst = parseIp(spec.dst);
    if (src === undefined) throw new RangeError(`Lab.inject: src is not an IP address: ${JSON.stringify(spec.src)}`);
    if (dst === undefined) throw new RangeError(`Lab.inject: dst is not an IP address: ${JSON.stringify(spec.dst)}`);
    if (typeof src !== 'number' || typeof dst !== 'number') throw new RangeError(`Lab.inject: IPv4 addresses only, got ${spec.src} > ${spec.dst}`);
    const packet = encodeTcpPacket({
      ip: { version: 4, src, dst, ttl: 64, identification: 0 },
      tcp: {
        srcPort: spec.srcPort,
        dstPort: spec.dstPort,
        seq: spec.seq >>> 0,
        ack: (spec.ack ?? 0) >>> 0,
        flags: spec.flags,
        window: spec.window ?? 64240,
        urgentPointer: 0,
        options: spec.options ?? {},
      },
      payload: spec.payload,
    });
    this.trace.label(label);
    link.send(from, packet);
  }

  result(): Trace {
    return this.trace.trace();
  }
}

export interface CraftedSegment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  options?: TcpOptions;
  payload?: Uint8Array;
}

export { TcpFlag };

/**
 * The lab's variant on Ethernet: client and server are nodes (a network layer each: ARP, routes)
 * with one interface on a segment "lan" (a learning switch, 1 ms each way), so what crosses the
 * segment (ARP as well as IP) is traced. The client has 198.18.0.1/24 unless `dhcpClient` says it
 * starts with none (a lease gives it one); the server 198.18.0.2/24.
 */
export class EthernetLab {
  readonly net: SimNetwork;
  readonly client: Host;
  readonly server: Host;
  readonly segment: SimSegment;
  readonly trace: TraceCollector;

  constructor(readonly opts: LabOptions & { dhcpClient?: boolean }) {
    this.net = new SimNetwork(opts.seed);
    this.segment = this.net.addSegment('lan', { delayMs: 1 });
    const clientIf = opts.dhcpClient ? { segment: this.segment, linkLocal: true, slaac: false } : { segment: this.segment, addresses: [`${CLIENT_ADDRESS}/24`], linkLocal: false, slaac: false };
    this.client = this.net.addNode('client', { interfaces: [clientIf], tcp: DEMO_TCP });
    this.server = this.net.addNode('server', { interfaces: [{ segment: this.segment, addresses: [`${SERVER_ADDRESS}/24`], linkLocal: false, slaac: false }], tcp: DEMO_TCP });
    this.trace = new TraceCollector(this.net, opts);
    this.trace.attach(opts.initial ?? {});
    // A client waiting for DHCP has no IPv4 address yet: its datagrams come from 0.0.0.0.
    if (opts.dhcpClient) this.trace.traceHosts[0].addresses = ['0.0.0.0'];
  }

  get now(): number {
    return this.net.now;
  }

  say(t: Text, host?: string): void {
    this.trace.note(t[this.opts.lang], host);
  }

  connect(port = SERVER_PORT, from: Host = this.client): Connection {
    const c = from.stack.connect({ address: SERVER_ADDRESS, port }, this.now);
    from.kick();
    return c;
  }

  send(host: Host, c: Connection, text: string): void {
    c.send(new TextEncoder().encode(text), this.now);
    host.kick();
  }

  read(host: Host, c: Connection): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let d = c.read(undefined, this.now); d && d.length; d = c.read(undefined, this.now)) parts.push(d.slice());
    if (parts.length) host.kick();
    return concatBytes(parts);
  }

  close(host: Host, c: Connection): void {
    c.close(this.now);
    host.kick();
  }

  runFor(ms: number): void {
    this.net.runFor(ms);
  }

  runUntil(done: () => boolean, maxMs = 600_000): void {
    this.net.runUntil(done, maxMs);
    this.net.runFor(0);
  }

  result(): Trace {
    return this.trace.trace();
  }
}

/** Either lab: what a scenario hands `onLab` (the explorer uses the network, the clock and the collector). */
export type ScenarioLab = Lab | EthernetLab;
