/**
 * The proxy: real TCP connections in, real TCP connections out, and genuine TCP across a simulated
 * impaired path in between.
 *
 *   client --net--> [near stack] ==== simulated link ==== [far stack] --net--> upstream
 *
 * One SimNetwork per proxy holds two synack hosts, the near one (the client's side) and the far one
 * (the upstream's side), on one link, run on the wall clock by a RealtimeDriver. Every connection
 * accepted on the listening Node socket becomes a synack connection from the near host to a listener
 * on the far host; the far host's accepted socket is joined to a Node connection to the upstream.
 * All of a proxy's connections share the one link, so they share its bottleneck, as flows on one
 * real path do. Loss, reordering or a partition on the link are met by synack's TCP (retransmission,
 * slow start, RTO backoff, head-of-line blocking), which is what the application then feels.
 *
 * Edges (each joint is a pipe in each direction, every socket with allowHalfOpen):
 * - bytes: pipe() carries them, with its back-pressure: a slow reader at one end fills that end's
 *   socket, the pipe pauses the synack socket, its receive window closes, the sender's send buffer
 *   fills, the pipe pauses the other end's Node socket, and the kernel's window closes to the writer.
 *   Memory is bounded by the sockets' buffers and the TCP windows, never by the transfer.
 * - half-close: a Node 'end' ends the synack socket (FIN across the path); the synack socket's 'end'
 *   ends the Node socket on the other side.
 * - reset: ECONNRESET on a Node socket aborts the synack one (RST across the path); a RST arriving on
 *   a synack socket (ECONNRESET, EPIPE) or its timing out (ETIMEDOUT: the user timeout across a long
 *   partition) becomes resetAndDestroy() on the Node socket.
 * - an upstream that refuses the connection, or does not answer within `upstreamTimeoutMs`: the far
 *   socket is aborted, so the client's connection, accepted already by the kernel, is reset; one
 *   line is logged. (A kernel accepts before the proxy can ask the upstream, as toxiproxy's does.)
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { DEFAULT_LINK, SimNetwork, type Host, type LinkProfile, type SimLink } from '../../link/index.js';
import { RealtimeDriver } from '../../link/realtime.js';
import { PcapFile } from '../../link/pcap-file.js';
import { Socket as SynSocket, Server as SynServer } from '../../socket/index.js';
import type { TcpConfig } from '../../tcp/config.js';
import type { TcpState } from '../../tcp/state.js';
import { renderJson, renderText, TraceCollector, type TraceEvent } from '../../trace/index.js';
import { formatHostPort, parseHostPort, type HostPort } from './address.js';
import { findProfile } from './profiles.js';
import { checkSchedule, type ScheduleStep } from './schedule.js';
import { applyUpdate, hasPartition, linkFromToxics, toxicFromJson, ToxicError, ToxicStage, type Toxic } from './toxics.js';

/** The simulated path's addresses (benchmarking space, RFC 2544; they never leave the process). */
export const NEAR_ADDRESS = '198.18.0.1';
export const FAR_ADDRESS = '198.18.0.2';
export const FAR_PORT = 80;

/** Link settings: any LinkProfile field (src/link/sim.ts), including the Gilbert-Elliott burst loss. */
export type LinkSettings = Partial<LinkProfile>;

/**
 * What the proxy's link is when nothing is said: no delay (the bench's "overhead without impairment"
 * compares it with loopback), no bottleneck, MTU 1500.
 */
export const PROXY_BASE_LINK: Readonly<LinkProfile> = Object.freeze({ ...DEFAULT_LINK, delayMs: 0 });

/**
 * The proxy's stacks' TCP settings unless told otherwise. Nagle's algorithm is off: what reaches the
 * proxy was already written, segmented and sent by the application's own kernel socket, so holding
 * the last short segment of a response until the previous one is acknowledged would add a delayed
 * ACK's 40 ms to responses that on a direct path pay nothing (a keep-alive series of 300 KB GETs
 * through an unimpaired proxy took 44 to 72 ms each with Nagle on, 8 to 21 ms with it off).
 */
export const PROXY_TCP: Readonly<Partial<TcpConfig>> = Object.freeze({ noDelay: true });

export interface ProxyOptions {
  /** HOST:PORT to listen on (port 0 picks one). Default 127.0.0.1:0. */
  listen?: string;
  /** HOST:PORT of the upstream server. */
  upstream: string;
  /** A name (toxiproxy's proxies have one). Default "synack". */
  name?: string;
  /** Seeds the simulated network: its impairments' random choices, and the stacks' ISNs. Default 1. */
  seed?: number;
  /** Both directions of the link. Applied over the profile's settings. */
  link?: LinkSettings;
  /** Client to upstream (toxiproxy's "upstream" stream), over `link`. */
  upstreamLink?: LinkSettings;
  /** Upstream to client (toxiproxy's "downstream" stream), over `link`. */
  downstreamLink?: LinkSettings;
  /** A named profile (see PROFILES; `synack proxy --list-profiles`), the base of the settings. */
  profile?: string;
  /** Settings over time, from the proxy's start (see schedule.ts). */
  schedule?: ScheduleStep[];
  /** Write every packet on the simulated link to this pcap file as it goes. */
  pcap?: string;
  /** How long to wait for the upstream to accept (ms, default 10 s) before resetting the client. */
  upstreamTimeoutMs?: number;
  /**
   * TCP settings of both synack stacks (e.g. { userTimeoutMs }), over PROXY_TCP: the stacks relay
   * bytes the application's own socket has already segmented, so they send what they get at once
   * (noDelay) rather than hold a short segment for a delayed ACK.
   */
  tcp?: Partial<TcpConfig>;
  /** Where the proxy's log lines go (one per notable event: an upstream refusing). Default: nowhere. */
  log?: (line: string) => void;
  /** Start listening now (default true); false for a proxy created disabled. */
  enabled?: boolean;
  /**
   * Record what TCP does on the path for ladder diagrams (proxy.ladder(id)): true for the first 20
   * connections, or how many. Recording stops after 200,000 segments in all (a ladder is for reading,
   * not for a bulk transfer). Default false.
   */
  trace?: boolean | number;
}

/** Segments recorded at most, over all traced connections. */
const TRACE_SEGMENTS = 200_000;

/** One side's TCP as the simulated path sees it. */
export interface TcpSideStats {
  state: TcpState;
  /** Smoothed RTT (ms), once measured. */
  rttMs?: number;
  rtoMs?: number;
  /** Congestion window, in bytes. */
  cwnd: number;
  /** Segments retransmitted. */
  retransmissions: number;
}

export interface ConnectionStats {
  id: number;
  /** The client's address, as the proxy's listening socket saw it. */
  client: string;
  /** The near side's TCP state (the client's connection across the path). */
  state: TcpState;
  rttMs?: number;
  /** The near side's congestion window (bytes), which paces the upload. */
  cwnd: number;
  /** Both sides' retransmitted segments. */
  retransmissions: number;
  /** Bytes that crossed the path client to upstream, and upstream to client. */
  bytesUp: number;
  bytesDown: number;
  /**
   * Bytes the proxy holds, read from one end and not yet handed to the other's kernel: up (read from
   * the client, not yet flushed to the upstream) and down. Bounded by the synack sockets' buffers and
   * windows and the streams' high-water marks, whatever the transfer's size.
   */
  heldUp: number;
  heldDown: number;
  /** Wall milliseconds since the proxy started, when the client connected. */
  openedAtMs: number;
  closed: boolean;
  near: TcpSideStats;
  far?: TcpSideStats;
}

/** A session: one client connection and everything made for it. */
class ProxyConnection {
  far: SynSocket | undefined;
  upstream: net.Socket | undefined;
  /** The stream-level toxics of each direction (toxics.ts). */
  upStage: ToxicStage | undefined;
  downStage: ToxicStage | undefined;
  closed = false;
  /** Last counts, kept once the sockets are gone. */
  private final: ConnectionStats | undefined;

  constructor(
    readonly id: number,
    readonly client: net.Socket,
    readonly near: SynSocket,
    readonly clientName: string,
    readonly openedAtMs: number,
  ) {}

  stats(): ConnectionStats {
    if (this.final) return this.final;
    const near = sideStats(this.near);
    const far = this.far ? sideStats(this.far) : undefined;
    const s: ConnectionStats = {
      id: this.id,
      client: this.clientName,
      state: near.state,
      rttMs: near.rttMs ?? far?.rttMs,
      cwnd: near.cwnd,
      retransmissions: near.retransmissions + (far?.retransmissions ?? 0),
      bytesUp: this.far?.bytesRead ?? 0,
      bytesDown: this.near.bytesRead,
      heldUp: held(this.client, this.upstream),
      heldDown: held(this.upstream, this.client),
      openedAtMs: this.openedAtMs,
      closed: this.closed,
      near,
    };
    if (far) s.far = far;
    return s;
  }

  /** Every socket of the session is gone: keep its last figures. */
  settle(): void {
    if (this.closed) return;
    const s = this.stats();
    this.closed = true;
    this.final = { ...s, closed: true };
  }

  /** Cut the connection: both Node sockets reset, the synack ones aborted. */
  cut(): void {
    for (const s of [this.client, this.upstream]) if (s && !s.destroyed) resetNode(s);
    for (const s of [this.near, this.far]) if (s && !s.destroyed) s.resetAndDestroy();
    this.upStage?.destroy();
    this.downStage?.destroy();
  }

  /** Close the connection as a process closing its sockets would (FIN, or RST for unread data). */
  shut(): void {
    for (const s of [this.client, this.upstream, this.near, this.far]) if (s && !s.destroyed) s.destroy();
    this.upStage?.destroy();
    this.downStage?.destroy();
  }
}

/** Bytes read from `from` and not yet flushed to `to`'s kernel (net.Socket's bytesWritten counts its buffer). */
function held(from: net.Socket | undefined, to: net.Socket | undefined): number {
  const read = from?.bytesRead ?? 0;
  const flushed = to ? to.bytesWritten - to.writableLength : 0;
  return Math.max(0, read - flushed);
}

function sideStats(s: SynSocket): TcpSideStats {
  const c = s.connection;
  if (!c) return { state: 'CLOSED', cwnd: 0, retransmissions: 0 };
  const t = c.tcb;
  const out: TcpSideStats = { state: t.state, cwnd: Math.round(t.congestion.cwnd), retransmissions: t.stats.RetransSegs, rtoMs: t.rtt.rto };
  if (t.rtt.srtt !== undefined) out.rttMs = t.rtt.srtt;
  return out;
}

/** A Node socket's reset (RST), whatever its state; a socket still connecting is destroyed. */
function resetNode(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.connecting) {
    s.destroy();
    return;
  }
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
}

/** How many closed connections stats() keeps showing. */
const CLOSED_KEPT = 100;

export class Proxy {
  readonly name: string;
  readonly net: SimNetwork;
  readonly near: Host;
  readonly far: Host;
  readonly link: SimLink;
  readonly driver: RealtimeDriver;
  upstream: HostPort;
  listenAt: HostPort;
  /** Where the proxy listens, once listening. */
  address: HostPort | undefined;
  /** Connections refused or timed out by the upstream, and clients reset for it. */
  upstreamFailures = 0;
  private server: net.Server | undefined;
  private readonly farServer: SynServer;
  private readonly byNearPort = new Map<number, ProxyConnection>();
  private readonly open = new Set<ProxyConnection>();
  private readonly closedList: ProxyConnection[] = [];
  private nextId = 1;
  private readonly startedAt = performance.now();
  private readonly pcapFile: PcapFile | undefined;
  private readonly log: (line: string) => void;
  private readonly upstreamTimeoutMs: number;
  private closing = false;
  /** Each direction's settings before toxics (the options, then configure()). */
  private base: { up: LinkProfile; down: LinkProfile };
  private readonly toxicList = new Map<string, Toxic>();
  private readonly stageRandom: () => number;
  private readonly collector: TraceCollector | undefined;
  /** Traced connections: id to the near end's endpoint text. */
  private readonly traced = new Map<number, string>();
  private readonly tracedEnds = new Set<string>();
  private readonly traceLimit: number;
  private tracedSegments = 0;

  constructor(opts: ProxyOptions) {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('createProxy: options must be an object ({ listen, upstream, ... })');
    this.name = opts.name ?? 'synack';
    this.listenAt = parseHostPort(opts.listen ?? '127.0.0.1:0', 'createProxy: listen', true);
    this.upstream = parseHostPort(opts.upstream, 'createProxy: upstream');
    this.log = opts.log ?? (() => undefined);
    this.upstreamTimeoutMs = opts.upstreamTimeoutMs ?? 10_000;
    const seed = opts.seed ?? 1;
    const { up, down } = linkSettings(opts);
    this.base = { up, down };
    this.net = new SimNetwork(seed);
    // Toxicity rolls come from the seed too (a generator of their own, so they leave the link's draws alone).
    let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.stageRandom = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    const tcp = { ...PROXY_TCP, ...opts.tcp };
    this.near = this.net.addHost('near', { addresses: [NEAR_ADDRESS], tcp });
    this.far = this.net.addHost('far', { addresses: [FAR_ADDRESS], tcp });
    this.link = this.net.link(this.near, this.far, up, down);
    if (opts.schedule) {
      for (const step of checkSchedule(opts.schedule, 'createProxy: schedule')) this.applyAt(step);
    }
    if (opts.pcap !== undefined) {
      const epoch = Date.now();
      const file = (this.pcapFile = new PcapFile(opts.pcap, epoch));
      this.link.tap((packet, timeMs) => file.write(packet, epoch + timeMs));
    }
    this.traceLimit = opts.trace === true ? 20 : typeof opts.trace === 'number' ? opts.trace : 0;
    if (this.traceLimit > 0) {
      const watch = (src: string, dst: string): boolean => {
        if (!this.tracedEnds.has(src) && !this.tracedEnds.has(dst)) return false;
        if (++this.tracedSegments > TRACE_SEGMENTS && this.collector) this.collector.muted = true;
        return true;
      };
      this.collector = new TraceCollector(this.net, { watch }).attach({ far: 'LISTEN' });
    }
    this.driver = new RealtimeDriver(this.net);
    this.farServer = new SynServer(this.far, { allowHalfOpen: true }, (s) => this.farAccepted(s));
    this.farServer.listen(FAR_PORT, FAR_ADDRESS);
    this.farServer.unref();
    this.driver.start();
  }

  /** Start listening (again): resolves once the socket is bound. */
  async listen(): Promise<HostPort> {
    if (this.server) return this.address!;
    const server = net.createServer({ allowHalfOpen: true }, (c) => this.accepted(c));
    this.server = server;
    server.listen(this.listenAt.port, this.listenAt.host);
    try {
      await once(server, 'listening');
    } catch (e) {
      this.server = undefined;
      throw e;
    }
    const a = server.address() as net.AddressInfo;
    this.address = { host: a.address, port: a.port };
    return this.address;
  }

  /** toxiproxy's enabled=false: stop listening and cut every connection. Enable with listen(). */
  async disable(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.open]) c.cut();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get enabled(): boolean {
    return this.server !== undefined;
  }

  /** Per connection: open ones, then the last closed ones. */
  stats(): ConnectionStats[] {
    return [...this.closedList, ...this.open].sort((a, b) => a.id - b.id).map((c) => c.stats());
  }

  get tracing(): boolean {
    return this.collector !== undefined;
  }

  /** Connection `id`'s ladder diagram (text, as `synack ladder` draws it, or the explorer's JSON); undefined if not traced. */
  ladder(id: number, format: 'text' | 'json' = 'text'): string | undefined {
    const end = this.traced.get(id);
    if (!this.collector || end === undefined) return undefined;
    const trace = this.collector.trace();
    const mine = (e: TraceEvent): boolean => {
      if (e.kind === 'segment') return e.src === end || e.dst === end;
      const conn = (e as { conn?: string | null }).conn;
      return typeof conn === 'string' && conn.split('>').includes(end);
    };
    const t = { ...trace, events: trace.events.filter(mine) };
    return format === 'json' ? renderJson(t) : renderText(t);
  }

  /** Change the link's settings from now on: `link` both ways, then per direction (toxics still apply over them). */
  configure(settings: { link?: LinkSettings; upstreamLink?: LinkSettings; downstreamLink?: LinkSettings }): void {
    const up = { ...this.base.up, ...defined(settings.link), ...defined(settings.upstreamLink) };
    const down = { ...this.base.down, ...defined(settings.link), ...defined(settings.downstreamLink) };
    // Checked whole before either direction changes.
    this.link.setProfile(0, { ...up, ...linkFromToxics(this.toxicList.values(), 'upstream') });
    this.link.setProfile(1, { ...down, ...linkFromToxics(this.toxicList.values(), 'downstream') });
    this.base = { up, down };
  }

  /** The link's settings now, each direction (base settings with the toxics over them). */
  linkProfiles(): { upstream: LinkProfile; downstream: LinkProfile } {
    return { upstream: { ...this.link.profiles[0] }, downstream: { ...this.link.profiles[1] } };
  }

  // -------------------------------------------------------------------------------------------
  // Toxics (toxics.ts): throw ToxicError with toxiproxy's message and status.

  toxics(): Toxic[] {
    return [...this.toxicList.values()].map((t) => ({ ...t, attributes: { ...t.attributes } }));
  }

  getToxic(name: string): Toxic {
    const t = this.toxicList.get(name);
    if (!t) throw new ToxicError('toxic not found', 404);
    return { ...t, attributes: { ...t.attributes } };
  }

  addToxic(body: unknown): Toxic {
    const t = toxicFromJson(body);
    if (this.toxicList.has(t.name)) throw new ToxicError('toxic already exists', 409);
    this.toxicList.set(t.name, t);
    this.toxicsChanged();
    return this.getToxic(t.name);
  }

  updateToxic(name: string, body: unknown): Toxic {
    const t = this.toxicList.get(name);
    if (!t) throw new ToxicError('toxic not found', 404);
    applyUpdate(t, body);
    this.toxicsChanged();
    return this.getToxic(name);
  }

  removeToxic(name: string): void {
    if (!this.toxicList.delete(name)) throw new ToxicError('toxic not found', 404);
    this.toxicsChanged();
  }

  resetToxics(): void {
    this.toxicList.clear();
    this.toxicsChanged();
  }

  private toxicsChanged(): void {
    this.configure({});
    this.link.up = !hasPartition(this.toxicList.values());
    for (const c of this.open) {
      c.upStage?.arm();
      c.downStage?.arm();
    }
  }

  /** Point new connections at another upstream (toxiproxy's update of `upstream`). */
  setUpstream(upstream: string): void {
    this.upstream = parseHostPort(upstream, 'upstream');
  }

  /**
   * Listen somewhere else (toxiproxy's update of `listen`): open connections are cut. If the new
   * address cannot be had (in use, not this host's), the proxy goes back to listening where it was,
   * and the error is thrown.
   */
  async setListen(listen: string): Promise<void> {
    const at = parseHostPort(listen, 'listen', true);
    const wasEnabled = this.enabled;
    const was = this.listenAt;
    const wasAddress = this.address;
    await this.disable();
    this.listenAt = at;
    if (!wasEnabled) return;
    try {
      await this.listen();
    } catch (e) {
      // The port it had (a port 0 was given one), so clients that knew it find it again.
      this.listenAt = wasAddress ?? was;
      try {
        await this.listen();
      } finally {
        this.listenAt = was;
      }
      throw e;
    }
  }

  /** Take the link down for `ms` from now (a partition: every packet is lost, both ways). */
  partition(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`partition: ms must be a finite number >= 0, got ${ms}`);
    const now = this.driver.virtualNow();
    this.link.partition(now, now + ms);
  }

  private applyAt(step: ScheduleStep): void {
    this.net.at(step.atMs, () => {
      if (step.link || step.upstreamLink || step.downstreamLink) this.configure(step);
      if (step.partitionMs !== undefined) this.partition(step.partitionMs);
    });
  }

  private accepted(client: net.Socket): void {
    if (this.closing || !this.server) {
      client.destroy();
      return;
    }
    const near = new SynSocket(this.near, { allowHalfOpen: true });
    const id = this.nextId++;
    const session = new ProxyConnection(id, client, near, `${client.remoteAddress}:${client.remotePort}`, performance.now() - this.startedAt);
    this.open.add(session);
    client.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') near.resetAndDestroy();
      else near.destroy();
    });
    near.on('error', () => resetNode(client));
    // A socket that closes without having passed its end on leaves the other with nowhere to send or
    // nothing more to read: close that one too (an error on either has reset it already). One that
    // ended normally lets the pipes finish the rest (data still draining through a toxic stage).
    client.on('close', () => {
      if (!near.destroyed && !(near.readableEnded && client.readableEnded)) near.destroy();
      this.maybeSettled(session);
    });
    near.on('close', () => {
      if (!client.destroyed && !near.readableEnded) client.destroy();
      this.maybeSettled(session);
    });
    near.connect({ port: FAR_PORT, host: FAR_ADDRESS });
    const port = near.localPort;
    if (port !== undefined) this.byNearPort.set(port, session);
    if (this.collector && port !== undefined && this.traced.size < this.traceLimit) {
      const end = `${NEAR_ADDRESS}:${port}`;
      this.traced.set(id, end);
      this.tracedEnds.add(end);
    }
    const down = (session.downStage = this.stage('downstream', session));
    client.pipe(near);
    near.pipe(down).pipe(client);
  }

  private farAccepted(far: SynSocket): void {
    const session = far.remotePort === undefined ? undefined : this.byNearPort.get(far.remotePort);
    if (!session || session.far) {
      far.resetAndDestroy();
      return;
    }
    this.byNearPort.delete(far.remotePort!);
    session.far = far;
    const up = net.connect({ host: this.upstream.host, port: this.upstream.port, allowHalfOpen: true });
    session.upstream = up;
    const timer = setTimeout(() => {
      if (!up.connecting) return;
      this.upstreamFailed(session, `did not answer within ${this.upstreamTimeoutMs} ms`);
      up.destroy();
      far.resetAndDestroy();
    }, this.upstreamTimeoutMs);
    up.once('connect', () => clearTimeout(timer));
    up.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' || e.code === 'ETIMEDOUT') this.upstreamFailed(session, `refused the connection (${e.code})`);
      if (!far.destroyed) far.resetAndDestroy();
    });
    far.on('error', () => resetNode(up));
    up.on('close', () => {
      clearTimeout(timer);
      if (!far.destroyed && !(far.readableEnded && up.readableEnded)) far.destroy();
      this.maybeSettled(session);
    });
    far.on('close', () => {
      if (!up.destroyed && !far.readableEnded) up.destroy();
      this.maybeSettled(session);
    });
    const upStage = (session.upStage = this.stage('upstream', session));
    far.pipe(upStage).pipe(up);
    up.pipe(far);
  }

  private stage(stream: 'upstream' | 'downstream', session: ProxyConnection): ToxicStage {
    const stage = new ToxicStage(stream, { toxics: () => this.toxicList.values(), close: () => session.shut(), reset: () => session.cut() }, this.stageRandom);
    stage.arm();
    return stage;
  }

  private upstreamFailed(session: ProxyConnection, what: string): void {
    this.upstreamFailures++;
    this.log(`synack proxy ${this.name}: upstream ${formatHostPort(this.upstream)} ${what}; client ${session.clientName} (connection ${session.id}) reset`);
  }

  private maybeSettled(s: ProxyConnection): void {
    const gone = (x: { destroyed: boolean } | undefined) => x === undefined || x.destroyed;
    if (s.closed || !gone(s.client) || !gone(s.near) || !gone(s.far) || !gone(s.upstream)) return;
    s.settle();
    this.open.delete(s);
    for (const [port, x] of this.byNearPort) if (x === s) this.byNearPort.delete(port);
    this.closedList.push(s);
    if (this.closedList.length > CLOSED_KEPT) this.closedList.shift();
  }

  /** Stop listening, reset every connection, stop the simulated path and close the pcap. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.disable();
    this.farServer.close();
    this.driver.stop();
    this.pcapFile?.close();
  }
}

/** Each direction's settings: the proxy's base, then the profile's, then `link`, then the direction's own. */
export function linkSettings(opts: Pick<ProxyOptions, 'profile' | 'link' | 'upstreamLink' | 'downstreamLink'>): { up: LinkProfile; down: LinkProfile } {
  const profile = opts.profile === undefined ? undefined : findProfile(opts.profile);
  const up = { ...PROXY_BASE_LINK, ...profile?.upstream, ...defined(opts.link), ...defined(opts.upstreamLink) };
  const down = { ...PROXY_BASE_LINK, ...profile?.downstream, ...defined(opts.link), ...defined(opts.downstreamLink) };
  return { up, down };
}

function defined(s: LinkSettings | undefined): LinkSettings {
  const out: LinkSettings = {};
  if (s === undefined) return out;
  if (typeof s !== 'object' || s === null) throw new TypeError(`createProxy: link settings must be an object of LinkProfile fields, got ${String(s)}`);
  for (const [k, v] of Object.entries(s)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Make a proxy and start listening; `proxy.address` is where. */
export async function createProxy(opts: ProxyOptions): Promise<Proxy> {
  const proxy = new Proxy(opts);
  if (opts.enabled === false) return proxy;
  try {
    await proxy.listen();
  } catch (e) {
    await proxy.close();
    throw e;
  }
  return proxy;
}
