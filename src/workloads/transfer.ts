/**
 * A bulk transfer between two simulated hosts, at the stack level: the client connects, each side
 * sends its bytes (from a seeded generator, hashed as they are made), half-closes when it has sent
 * them all, reads everything the other side sends until its FIN, and the run ends when both
 * connections are CLOSED. The report says whether every byte arrived intact and in order (sha256 at
 * both ends), how long it took in virtual time, and what TCP had to do (retransmissions, timeouts,
 * duplicate ACKs, checksum errors), and how each side ended.
 *
 * A TransferSession is the application: it reacts to stack events and needs a driver. `runTransfer`
 * drives it on virtual time, bounded in time and steps so that no run can hang; a RealtimeDriver
 * can drive the same session on the wall clock (`await driver.until(() => session.finished)`).
 *
 * The cost follows the work, not the byte count asked for: the sender makes its bytes 16 KiB at a
 * time as the send buffer takes them, the receiver compares what it reads with the stream made
 * again alongside, byte for byte, and the report hashes the stream once, made again as far as the
 * sender made it (the sha256 of what was sent, and of the receiver's prefix on the way). So a run
 * for a fixed virtual time (`timeMs`) with an endless stream (`Infinity` bytes) costs what it
 * carries, and the run itself hashes nothing (comparing and making bytes cost a third of hashing
 * them) unless a byte read differs from the stream: from there on the receiver hashes what it reads.
 */
import { Buffer } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import type { TcpConfig } from '../tcp/config.js';
import type { TcpErrorCode, TcpEvent } from '../tcp/events.js';
import { SeededRandom } from '../tcp/random.js';
import type { TcpState } from '../tcp/state.js';
import type { Connection } from '../stack/connection.js';
import type { Listener } from '../stack/listener.js';
import type { StackEvent } from '../stack/stack.js';
import type { IpAddress } from '../wire/index.js';
import type { Host } from '../link/host.js';
import type { SimNetwork } from '../link/sim.js';

export type Direction = 'up' | 'down' | 'both';

/** Bytes each way for `bytes` in a direction: up is client to server. */
export function bytesEachWay(direction: Direction, bytes: number): { up: number; down: number } {
  return { up: direction === 'down' ? 0 : bytes, down: direction === 'up' ? 0 : bytes };
}

export interface TransferOptions {
  client: Host;
  server: Host;
  /** The address the client connects to (default: the server stack's first address). */
  serverAddress?: string | IpAddress;
  /** The server's port (default 5001, iperf's). */
  port?: number;
  /** Bytes from client to server, and from server to client (Infinity: the sender never runs out, for a timed run). */
  up: number;
  down: number;
  /** Seeds the data generator (the two streams use streams 1 and 2 of it). */
  dataSeed: number;
  /** TCP settings of the client's connection only (the server's come from its stack). */
  clientTcp?: Partial<TcpConfig>;
  /**
   * How fast the receiving applications read, in bits per second (every 10 ms, that much): a slow
   * reader fills the receive buffer and closes the window, which brings zero-window probes (the
   * persist timer) and window updates into play. Default: everything, as soon as it arrives.
   */
  readRateBps?: number;
  /** The receiving applications read nothing from `fromMs` until `toMs` (virtual time), then go on. */
  readPause?: { fromMs: number; toMs: number };
  /**
   * TCP Fast Open (RFC 7413): the server listens with a Fast Open queue and the client connects with
   * `fastOpen`, writing its first data before the SYN goes (it rides on the SYN when the client has
   * a cookie for the server).
   */
  fastOpen?: boolean;
}

/** A paced reader reads every this many ms. */
export const READ_INTERVAL_MS = 10;

export interface StreamReport {
  /** Bytes the sender was to send (Infinity: no end, a timed run). */
  bytes: number;
  /** Bytes the sender handed to TCP, and bytes the receiver read. */
  sentBytes: number;
  receivedBytes: number;
  /** sha256 of the bytes the sender handed to TCP: the whole stream when it sent it all. */
  sentSha256: string;
  receivedSha256: string;
  /** The bytes read are the stream's first receivedBytes bytes, exactly (none missing, none changed). */
  prefixIntact: boolean;
  /** The receiver read the sender's FIN (end of stream). */
  endSeen: boolean;
  /** Every byte arrived, in order, and the end of stream with it. */
  intact: boolean;
}

export interface SideReport {
  /** The states the connection went through, as the application saw them. */
  states: TcpState[];
  /** The state at the end of the run (CLOSED for a clean end), or NONE if there never was a connection. */
  finalState: TcpState | 'NONE';
  /** The error that ended the connection, if one did. */
  error: { code: TcpErrorCode; message: string } | undefined;
  /** Retransmission timeouts on this connection (SYN timeouts included). */
  timeouts: number;
  /** The connection's path MTU at the end (lowered by ICMP "too big"), if there was a connection. */
  pathMtu: number | undefined;
}

export interface TransferReport {
  /** Both streams intact and both connections CLOSED without an error. */
  ok: boolean;
  /** Why not ok (the first reason found). */
  reason: string | undefined;
  up: StreamReport;
  down: StreamReport;
  /** Virtual ms from connect until both streams were complete (to the end of the run if they never were). */
  virtualMs: number;
  /** Virtual ms from connect until both connections were CLOSED (TIME-WAIT included). */
  closedMs: number | undefined;
  /** Bytes read intact by both receivers, in bits per second of virtualMs. */
  goodputBps: number;
  /** Both stacks' counters over the run: segments retransmitted (RetransSegs), RTO expirations, duplicate ACKs (RFC 5681), TCP checksum errors (InCsumErrors). */
  retransmits: number;
  timeouts: number;
  dupAcks: number;
  checksumErrors: number;
  client: SideReport;
  server: SideReport;
  /** Simulator steps taken (for runTransfer). */
  steps: number;
  /** The run was for a fixed virtual time (runTransfer's timeMs): ok means each receiver holds an intact prefix. */
  timed: boolean;
  /**
   * Data bytes generated for the run: what the senders made, what the receivers made again to compare
   * what they read, and what the report made again to hash. It follows what was carried, never the
   * byte count asked for.
   */
  generatedBytes: number;
}

const CHUNK = 16 * 1024; // a multiple of 4: the chunks concatenate to SeededRandom.bytes(total)

/** The bytes of one direction, made on demand from a seeded generator. */
class ByteSource {
  private readonly random: SeededRandom;
  made = 0;

  constructor(
    seed: number,
    stream: number,
    readonly total: number,
  ) {
    this.random = new SeededRandom(seed, stream);
  }

  next(): Uint8Array | undefined {
    const n = Math.min(CHUNK, this.total - this.made);
    if (n <= 0) return undefined;
    const chunk = this.random.bytes(n);
    this.made += n;
    return chunk;
  }
}

/** A hash fed the first `length` bytes of a stream, made again (16 KiB at a time, nothing kept). */
function streamHash(seed: number, stream: number, length: number): Hash {
  return streamHashes(seed, stream, [length])[0];
}

/** Hashes of a stream's first `lengths[i]` bytes each, the stream made again once for all of them. */
function streamHashes(seed: number, stream: number, lengths: readonly number[]): Hash[] {
  const random = new SeededRandom(seed, stream);
  const chunk = new Uint8Array(CHUNK);
  const hash = createHash('sha256');
  const out: Hash[] = [];
  let made = 0; // the stream's bytes made: `chunk` holds the last CHUNK of them
  let hashed = 0;
  for (const i of lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b])) {
    while (hashed < lengths[i]) {
      if (hashed === made) {
        random.fill(chunk);
        made += CHUNK;
      }
      const end = Math.min(lengths[i], made);
      hash.update(chunk.subarray(hashed - (made - CHUNK), end - (made - CHUNK)));
      hashed = end;
    }
    out[i] = hash.copy();
  }
  return out;
}

/** The expected sha256 of a stream (or of its first `total` bytes), made again without keeping it. */
export function streamSha256(seed: number, stream: number, total: number): string {
  return streamHash(seed, stream, total).digest('hex');
}

/**
 * What a receiver reads, checked as it arrives against its stream made again alongside, byte for
 * byte. From the first piece that differs on, it hashes what it reads instead (beginning with the
 * intact bytes before that piece, made again), so a report can give the sha256 of the bytes as they
 * were read; while every byte matched, that is the stream's own, which the report hashes.
 */
class ReadCheck {
  private readonly expected: SeededRandom;
  /** The stream's next bytes, made again: `chunk` from `at` on. */
  private readonly chunk = new Uint8Array(CHUNK);
  private at = CHUNK;
  /** Bytes read. */
  length = 0;
  /** Bytes made again to compare with (and to hash the intact prefix, when one differed). */
  regenerated = 0;
  /** From the first piece that differed: the hash of everything read. */
  private corrupted: Hash | undefined;

  constructor(
    private readonly seed: number,
    private readonly stream: number,
  ) {
    this.expected = new SeededRandom(seed, stream);
  }

  /** Every byte read so far is the stream's own. */
  get intact(): boolean {
    return this.corrupted === undefined;
  }

  take(d: Uint8Array): void {
    if (this.corrupted !== undefined) this.corrupted.update(d);
    else {
      for (let off = 0; off < d.length; ) {
        if (this.at === CHUNK) {
          this.expected.fill(this.chunk);
          this.regenerated += CHUNK;
          this.at = 0;
        }
        const n = Math.min(CHUNK - this.at, d.length - off);
        if (Buffer.compare(d.subarray(off, off + n), this.chunk.subarray(this.at, this.at + n)) !== 0) {
          this.corrupted = streamHash(this.seed, this.stream, this.length + off);
          this.regenerated += this.length + off;
          this.corrupted.update(d.subarray(off));
          break;
        }
        off += n;
        this.at += n;
      }
    }
    this.length += d.length;
  }

  /** The sha256 of the bytes read, when one differed from the stream (else undefined). */
  corruptedSha256(): string | undefined {
    return this.corrupted?.copy().digest('hex');
  }
}

class Side {
  conn: Connection | undefined;
  readonly states: TcpState[] = [];
  error: SideReport['error'];
  private pending: Uint8Array | undefined;
  private shutDown = false;
  receivedBytes = 0;
  endSeen = false;
  closed = false;
  /** A paced reader's next read is scheduled. */
  tickPending = false;
  /** Data may be queued in SYN-SENT (a Fast Open client's goes on its SYN). */
  sendsInSynSent = false;

  constructor(
    readonly name: string,
    readonly source: ByteSource,
    /** What this side reads, checked against the other side's stream. */
    readonly check: ReadCheck,
  ) {}

  /** Offer the send buffer everything it takes; half-close once every byte is in. */
  pump(now: number): void {
    const c = this.conn;
    if (!c || this.shutDown || this.closed) return;
    const s = c.state;
    if (s !== 'SYN-SENT' && s !== 'SYN-RECEIVED' && s !== 'ESTABLISHED' && s !== 'CLOSE-WAIT') return;
    for (;;) {
      this.pending ??= this.source.next();
      if (!this.pending) break;
      if (s === 'SYN-SENT' && !this.sendsInSynSent) return; // data waits for the handshake (a plain SYN carries none)
      const n = c.send(this.pending, now);
      if (n < this.pending.length) {
        this.pending = this.pending.subarray(n);
        return; // the rest goes on 'writable'
      }
      this.pending = undefined;
    }
    this.shutDown = true;
    c.shutdown(now);
  }

  /** Read what the application reads now: everything, or (paced) up to `budget` bytes. Returns bytes read. */
  drain(now: number, budget = Infinity): number {
    const c = this.conn;
    if (!c) return 0;
    let n = 0;
    for (let d = c.read(budget - n, now); d; d = n < budget ? c.read(budget - n, now) : undefined) {
      this.check.take(d);
      this.receivedBytes += d.length;
      n += d.length;
    }
    return n;
  }
}

export class TransferSession {
  readonly client: Side;
  readonly server: Side;
  private readonly listener: Listener;
  readonly startedAt: number;
  /** When both streams were complete, and when both connections were CLOSED. */
  dataDoneAt: number | undefined;
  closedAt: number | undefined;
  private readonly start: { retrans: number; dupAcks: number; csum: number };
  /** Remove this session's listeners from the hosts' events (close calls them). */
  private readonly stopListening: Array<() => void>;

  constructor(
    readonly net: SimNetwork,
    readonly opts: TransferOptions,
  ) {
    const { client, server } = opts;
    if (client === server) throw new RangeError('a transfer needs two hosts');
    const count = (n: number) => n === Infinity || (Number.isSafeInteger(n) && n >= 0);
    if (!count(opts.up) || !count(opts.down)) throw new RangeError('byte counts must be non-negative integers (or Infinity)');
    this.client = new Side('client', new ByteSource(opts.dataSeed, 1, opts.up), new ReadCheck(opts.dataSeed, 2));
    this.server = new Side('server', new ByteSource(opts.dataSeed, 2, opts.down), new ReadCheck(opts.dataSeed, 1));
    this.start = this.counters();
    const now = net.currentTime();
    this.startedAt = now;
    const port = opts.port ?? 5001;
    this.listener = server.stack.listen(port, opts.fastOpen ? { fastOpen: 16 } : {});
    this.stopListening = [server.onEvent((e) => this.serverEvent(e)), client.onEvent((e) => this.clientEvent(e))];
    const addr = opts.serverAddress ?? server.stack.addresses[0];
    this.client.conn = client.stack.connect({ address: addr, port }, now, { tcp: opts.clientTcp, fastOpen: opts.fastOpen });
    this.client.sendsInSynSent = opts.fastOpen === true;
    this.client.pump(now); // nothing goes before the handshake (but on a Fast Open SYN); a 0-byte client shuts down (queued in SYN-SENT)
    client.kick();
  }

  /** Both connections are CLOSED (or the client's attempt failed and no server connection exists). */
  get finished(): boolean {
    if (!this.client.closed) return false;
    return this.server.conn === undefined ? !this.hasServerAttempt() : this.server.closed;
  }

  private hasServerAttempt(): boolean {
    return this.listener.synQueue.size > 0 || this.listener.acceptQueue.length > 0;
  }

  private counters() {
    const a = this.opts.client.stack.counters.tcp;
    const b = this.opts.server.stack.counters.tcp;
    return { retrans: a.RetransSegs + b.RetransSegs, dupAcks: a.DupAcks + b.DupAcks, csum: a.InCsumErrors + b.InCsumErrors };
  }

  private clientEvent(e: StackEvent): void {
    if (e.type === 'event' && e.connection === this.client.conn) this.sideEvent(this.client, e.event);
  }

  private serverEvent(e: StackEvent): void {
    const now = this.net.currentTime();
    if (e.type === 'connection') {
      if (e.listener !== this.listener || this.server.conn) return;
      const c = e.listener.accept();
      if (!c) return;
      this.server.conn = c;
      // The listener's work is done; later SYNs for this 4-tuple reach the connection itself.
      this.opts.server.stack.closeListener(this.listener, now);
      // Events of the SYN queue are not told; the accept queue holds established connections, and
      // Fast Open children still in SYN-RECEIVED (whose later states are told).
      this.server.states.push('SYN-RECEIVED');
      if (c.state !== 'SYN-RECEIVED') this.server.states.push('ESTABLISHED');
      this.server.pump(now);
      this.read(this.server, now);
      this.check(now);
      return;
    }
    if (e.connection === this.server.conn) this.sideEvent(this.server, e.event);
  }

  private readonly resumePending = new Set<Side>();

  /** The application reads: at once, or on its own schedule when paced (readRateBps). */
  private read(side: Side, now: number): void {
    const pause = this.opts.readPause;
    if (pause && now >= pause.fromMs && now < pause.toMs) {
      // The application is not reading: look again when the pause ends.
      if (this.resumePending.has(side)) return;
      this.resumePending.add(side);
      const host = side === this.client ? this.opts.client : this.opts.server;
      this.net.at(pause.toMs, () => {
        this.resumePending.delete(side);
        const t = this.net.currentTime();
        this.read(side, t);
        host.kick();
        this.check(t);
      });
      return;
    }
    if (this.opts.readRateBps === undefined) {
      side.drain(now);
      return;
    }
    if (side.tickPending || side.closed) return;
    side.tickPending = true;
    const host = side === this.client ? this.opts.client : this.opts.server;
    const chunk = Math.max(1, Math.floor((this.opts.readRateBps * READ_INTERVAL_MS) / 8000));
    this.net.at(now + READ_INTERVAL_MS, () => {
      side.tickPending = false;
      const t = this.net.currentTime();
      if (pause && t >= pause.fromMs && t < pause.toMs) {
        this.read(side, t);
        return;
      }
      if (side.drain(t, chunk) > 0) host.kick(); // reading may open the window: a window update to send
      this.check(t);
      if (side.conn && side.conn.tcb.readableLength > 0) this.read(side, t);
    });
  }

  private sideEvent(side: Side, ev: TcpEvent): void {
    const now = this.net.currentTime();
    switch (ev.type) {
      case 'state':
        side.states.push(ev.to);
        if (ev.to === 'CLOSE-WAIT' || ev.to === 'ESTABLISHED') side.pump(now);
        break;
      case 'connected':
      case 'writable':
        side.pump(now);
        break;
      case 'readable':
        this.read(side, now);
        break;
      case 'end':
        this.read(side, now);
        side.endSeen = true;
        break;
      case 'error':
        side.error ??= { code: ev.code, message: ev.message };
        break;
      case 'closed':
        side.drain(now); // what is left in the buffer, the application reads at the end
        side.closed = true;
        break;
      default:
        break;
    }
    this.check(now);
  }

  private check(now: number): void {
    if (this.dataDoneAt === undefined && this.streamComplete(this.client, this.server) && this.streamComplete(this.server, this.client)) this.dataDoneAt = now;
    if (this.closedAt === undefined && this.finished) this.closedAt = now;
  }

  private streamComplete(from: Side, to: Side): boolean {
    return to.endSeen && to.receivedBytes === from.source.total;
  }

  /** Bytes regenerated to check receivers' prefixes (see generatedBytes). */
  private regenerated = 0;

  private stream(from: Side, to: Side): StreamReport {
    const bytes = from.source.total;
    const prefixIntact = to.check.intact;
    // The stream made again once, as far as needed: the sha256 of what the sender made and, when
    // every byte read matched, of what the receiver read (else the receiver hashed what it read).
    const lengths = prefixIntact ? [from.source.made, to.check.length] : [from.source.made];
    const digests = streamHashes(this.opts.dataSeed, from === this.client ? 1 : 2, lengths).map((h) => h.digest('hex'));
    this.regenerated += Math.max(...lengths);
    const sentSha256 = digests[0];
    const receivedSha256 = prefixIntact ? digests[1] : to.check.corruptedSha256()!;
    return {
      bytes,
      sentBytes: from.source.made,
      receivedBytes: to.receivedBytes,
      sentSha256,
      receivedSha256,
      prefixIntact,
      endSeen: to.endSeen,
      intact: to.endSeen && to.receivedBytes === bytes && prefixIntact,
    };
  }

  private side(s: Side): SideReport {
    return {
      states: s.states.slice(),
      finalState: s.conn ? s.conn.state : 'NONE',
      error: s.error,
      timeouts: s.conn ? s.conn.tcb.recovery.totalRetransmits : 0,
      pathMtu: s.conn?.tcb.pathMtu,
    };
  }

  /**
   * The session is over: stop listening on the port (if the handshake never completed; the accepted
   * connection closed the listener otherwise) and stop hearing the hosts' events, so hosts that run
   * one transfer after another do not collect listeners. The report can still be taken.
   */
  close(): void {
    this.opts.server.stack.closeListener(this.listener, this.net.currentTime());
    for (const stop of this.stopListening) stop();
  }

  /**
   * The report as things stand (call when finished, or after giving up). `timed`: the run was for a
   * fixed virtual time and stopped there, so unfinished streams and open connections are expected;
   * it is ok when every byte read is the stream's own (an intact prefix) and no connection failed.
   */
  report(steps = 0, limitReason?: string, timed = false): TransferReport {
    const now = this.net.now;
    this.regenerated = 0;
    const up = this.stream(this.client, this.server);
    const down = this.stream(this.server, this.client);
    const client = this.side(this.client);
    const server = this.side(this.server);
    const end = this.counters();
    const virtualMs = (this.dataDoneAt ?? now) - this.startedAt;
    const counted = (s: StreamReport) => (timed ? (s.prefixIntact ? s.receivedBytes : 0) : s.intact ? s.bytes : 0);
    const delivered = counted(up) + counted(down);
    let reason: string | undefined;
    if (limitReason) reason = limitReason;
    else if (client.error) reason = `client: ${client.error.code}: ${client.error.message}`;
    else if (server.error) reason = `server: ${server.error.code}: ${server.error.message}`;
    else if (timed && this.dataDoneAt === undefined) {
      if (!up.prefixIntact) reason = 'client-to-server stream: bytes arrived corrupted (sha256 of the bytes read differs from the stream\'s first bytes)';
      else if (!down.prefixIntact) reason = 'server-to-client stream: bytes arrived corrupted (sha256 of the bytes read differs from the stream\'s first bytes)';
    } else if (!up.intact) reason = `client-to-server stream: ${describe(up)}`;
    else if (!down.intact) reason = `server-to-client stream: ${describe(down)}`;
    else if (!timed && client.finalState !== 'CLOSED') reason = `client ended in ${client.finalState}`;
    else if (!timed && server.finalState !== 'CLOSED') reason = `server ended in ${server.finalState}`;
    return {
      ok: reason === undefined,
      reason,
      up,
      down,
      virtualMs,
      closedMs: this.closedAt === undefined ? undefined : this.closedAt - this.startedAt,
      goodputBps: virtualMs > 0 ? (delivered * 8 * 1000) / virtualMs : 0,
      retransmits: end.retrans - this.start.retrans,
      timeouts: client.timeouts + server.timeouts,
      dupAcks: end.dupAcks - this.start.dupAcks,
      checksumErrors: end.csum - this.start.csum,
      client,
      server,
      steps,
      timed,
      generatedBytes: this.client.source.made + this.server.source.made + this.client.check.regenerated + this.server.check.regenerated + this.regenerated,
    };
  }
}

function describe(s: StreamReport): string {
  if (!s.prefixIntact) return 'bytes arrived corrupted (sha256 differs)';
  if (s.receivedBytes !== s.bytes) return `${s.receivedBytes} of ${s.bytes} bytes arrived${s.endSeen ? '' : ', no FIN'}`;
  if (s.receivedSha256 !== s.sentSha256) return 'bytes arrived corrupted (sha256 differs)';
  return 'no end of stream';
}

export interface TransferLimits {
  /** Give up after this much virtual time from the start (default 24 h). */
  maxMs?: number;
  /**
   * Run this much virtual time from the start and stop there (iperf's -t): not a failure, the report
   * is `timed` and counts the intact bytes read by then. With Infinity bytes the senders never run out.
   */
  timeMs?: number;
  /** Give up after this many simulator steps (default: generous for the byte count). */
  maxSteps?: number;
}

/**
 * Run a transfer on virtual time until both connections are CLOSED, or a limit: the report is then
 * not ok and says which limit (or that nothing was left to happen: a stall).
 */
export function runTransfer(net: SimNetwork, opts: TransferOptions, limits: TransferLimits = {}): TransferReport {
  const session = new TransferSession(net, opts);
  const timed = limits.timeMs !== undefined;
  const maxMs = Math.min(limits.maxMs ?? 86_400_000, limits.timeMs ?? Infinity);
  const until = session.startedAt + maxMs;
  // Steps scale with the work: bytes asked for, or for a timed run (whose bytes may be endless) none.
  const asked = (opts.up === Infinity ? 0 : opts.up) + (opts.down === Infinity ? 0 : opts.down);
  const maxSteps = limits.maxSteps ?? (timed ? Infinity : 2_000_000 + Math.ceil(asked / 100));
  let steps = 0;
  let limit: string | undefined;
  while (!session.finished) {
    if (++steps > maxSteps) {
      limit = `gave up after ${maxSteps} simulator steps at t=${net.now.toFixed(3)} ms`;
      break;
    }
    if (!net.step({ untilMs: until })) {
      if (net.nextEventTime() === undefined) limit = `stalled: nothing left to happen at t=${net.now.toFixed(3)} ms`;
      else if (!timed || (limits.maxMs !== undefined && limits.maxMs < limits.timeMs!)) limit = `gave up at the virtual time limit (${maxMs} ms)`;
      else net.advanceTo(until);
      break;
    }
  }
  session.close();
  return session.report(steps, limit, timed && limit === undefined);
}
