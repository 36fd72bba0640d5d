/**
 * Socket: a node:net-style stream.Duplex over one synack Connection.
 *
 * Writing: `_write` offers the bytes to `Connection.send`, which takes what the send buffer has room
 * for; the rest waits for the TCB's 'writable' event, and the write's callback runs only once every
 * byte is in the send buffer. So a sender faster than the network fills the send buffer, then the
 * stream's own buffer (highWaterMark), and `write()` returns false until 'drain': the back-pressure
 * of a kernel socket. Bytes are copied into the send buffer (as a kernel copies them), so a caller may
 * reuse its buffer once the write's callback has run.
 *
 * Reading: `_read` (the stream wants data) pulls from `Connection.read` until `push` says the stream
 * is full. A reader that stops reading stops the pulls; data then stays in the TCB's receive buffer,
 * and the window it advertises shrinks to zero. Chunks are handed up as Buffer views of the received
 * packets, without a copy. As net.Socket does, a socket starts reading (`read(0)`) as it is accepted or
 * connected, so the peer's FIN is learnt with nobody reading once nothing is left unread: 'end', and
 * with allowHalfOpen off our FIN and 'close'. A Server's pauseOnConnect socket starts when resumed.
 *
 * Liveness: an open socket holds the event loop of a real-time driven host (holdEventLoop) until it
 * is destroyed or unref'd, as a node:net handle does.
 *
 * Closing: `end()` is a half-close (FIN after the queued data; reading goes on). `destroy()` (with or
 * without an error) is what close(2) is for a kernel socket under node:net: RFC 9293's CLOSE
 * (§3.10.4), which sends a FIN, except that unread data, or data arriving afterwards, is answered with
 * a RST so the peer learns it was lost (§3.6, RFC 2525 §2.17). `resetAndDestroy()` is ABORT (§3.10.5:
 * a RST wherever the peer holds state for us), as in Node.
 *
 * Errors from the TCB become Node's (errors.ts): ECONNREFUSED (RST answering our SYN), ECONNRESET (RST
 * on an established connection), EPIPE (a RST after the peer's FIN, as Linux's tcp_reset() reports it;
 * or writing after the peer ended with allowHalfOpen off), ETIMEDOUT (SYN retries, R2, keep-alive,
 * user timeout), EADDRINUSE (a local port whose 4-tuple is taken).
 *
 * `setTimeout` is Node's idle timeout on the host's clock (see timers.ts): it emits 'timeout' after
 * that long without reads or writes, once, until activity re-arms it; it never closes the socket.
 */
import { Duplex } from 'node:stream';
import type { Host } from '../link/host.js';
import type { Connection } from '../stack/connection.js';
import type { TcpConfig } from '../tcp/config.js';
import type { TcpEvent } from '../tcp/events.js';
import type { TcpState } from '../tcp/state.js';
import { TcpError } from '../tcp/tcb.js';
import { ipToString, parseIp, type IpAddress } from '../wire/index.js';
import { kTcpEvent, socketHost, type SocketHost, type TcpEventSink } from './dispatcher.js';
import { nodeError, notFoundError, socketError, type SocketError, type SocketErrorCode } from './errors.js';
import type { TimerTarget } from './timers.js';
import { LoopHold } from './loop-hold.js';

export type LookupFunction = (
  hostname: string,
  options: { family?: number; all?: boolean },
  callback: (err: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void,
) => void;

export interface SocketOptions {
  /** Keep the writable side open after the peer's FIN (default false: end it too, as Node does). */
  allowHalfOpen?: boolean;
  /** Disable Nagle's algorithm (TCP_NODELAY). */
  noDelay?: boolean;
  keepAlive?: boolean;
  /** Idle time before the first keep-alive probe (ms); 0 keeps the stack's default. */
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  /** TCP settings for this socket's connection (synack's, beyond Node's options). */
  tcp?: Partial<TcpConfig>;
  /** Wrap an existing synack Connection (an accepted one), as Node's `handle` option wraps a handle. */
  connection?: Connection;
  /** With `connection`: do not start reading (a Server's pauseOnConnect; Node's pauseOnCreate). */
  pauseOnCreate?: boolean;
}

export interface SocketConnectOptions {
  port: number | string;
  /** An IP address (or a name `lookup` resolves). Default: the host's first address. */
  host?: string;
  localAddress?: string;
  localPort?: number;
  family?: number;
  /** Resolves `host` when it is not an IP literal (dns.lookup's signature). */
  lookup?: LookupFunction;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  /** Idle timeout (ms), as setTimeout(). */
  timeout?: number;
  tcp?: Partial<TcpConfig>;
  /**
   * TCP Fast Open (RFC 7413), as Linux's TCP_FASTOPEN_CONNECT: data written before 'connect' (in the
   * same tick as the connect) rides on the SYN when the host has a cookie for the server, and the SYN
   * asks for one otherwise.
   */
  fastOpen?: boolean;
}

export interface AddressInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

const EMPTY = new Uint8Array(0);

/** States in which the peer's FIN has been received. */
function finReceived(s: TcpState): boolean {
  return s === 'CLOSE-WAIT' || s === 'LAST-ACK' || s === 'CLOSING' || s === 'TIME-WAIT';
}

function familyOf(a: IpAddress): 'IPv4' | 'IPv6' {
  return typeof a === 'number' ? 'IPv4' : 'IPv6';
}

interface PendingWrite {
  chunks: Uint8Array[];
  index: number;
  offset: number;
  /** Bytes of this batch the send buffer has taken. */
  accepted: number;
  callback: (error?: Error | null) => void;
}

export class Socket extends Duplex implements TcpEventSink, TimerTarget {
  readonly host: Host;
  /** True from connect() until the handshake completes or fails. */
  connecting = false;
  /** Bytes read from the connection so far. */
  bytesRead = 0;
  /** The idle timeout set by setTimeout (ms), undefined until one is set (as in Node). */
  timeout: number | undefined;
  /** The Server that accepted this socket, if any. */
  server: unknown;

  private readonly sh: SocketHost;
  private conn: Connection | undefined;
  /** connect({ fastOpen: true }): writes go to the connection while it connects (onto the SYN). */
  private fastOpen = false;
  private tcpState: TcpState = 'CLOSED';
  private tcpConfig: Partial<TcpConfig>;
  /** The stream asked for data and push() has not yet said stop. */
  private wantRead = false;
  private pulling = false;
  /** The TCB reported the peer's FIN (or it had arrived before the socket was made). */
  private peerEnded = false;
  private eofPushed = false;
  private inFlight: PendingWrite | undefined;
  /** _final arrived while connecting: it runs once connected. */
  private pendingFinal: ((error?: Error | null) => void) | undefined;
  private abortRequested = false;
  private sentBytes = 0;
  /** The peer ended and allowHalfOpen was off: further writes are EPIPE (Node's writeAfterFIN). */
  private endedByPeer = false;
  private readonly halfOpen: boolean;
  private timeoutMs = 0;
  private lastActive = 0;
  private timerFiledAt: number | undefined;
  /** Its position in the host's timer heap (TimerTarget). */
  heapIndex = -1;
  /** ref() (default) or unref(): whether this socket, while open, keeps a real-time process alive. */
  /** The hold this handle keeps on a real-time driven host's event loop while open (as node:net's handles). */
  private readonly loop = new LoopHold();

  constructor(host: Host, options: SocketOptions = {}) {
    const halfOpen = options.allowHalfOpen === true;
    super({
      allowHalfOpen: halfOpen,
      emitClose: false, // 'close' is emitted by _destroy, with hadError, as net.Socket does
      autoDestroy: true,
      decodeStrings: true,
      highWaterMark: options.highWaterMark,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    this.host = host;
    this.halfOpen = halfOpen;
    this.sh = socketHost(host);
    this.tcpConfig = { ...options.tcp };
    if (options.noDelay !== undefined) this.tcpConfig.noDelay = options.noDelay;
    if (options.keepAlive !== undefined) this.keepAliveConfig(this.tcpConfig, options.keepAlive, options.keepAliveInitialDelay ?? 0);
    this.on('end', () => {
      if (!this.halfOpen) this.endedByPeer = true;
    });
    if (options.connection) {
      this.attach(options.connection);
      this.holdLoop();
      // As net.Socket with a handle: start reading at once, so EOF is learnt even if nobody reads.
      if (options.pauseOnCreate) this.pause();
      else this.read(0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting

  /**
   * Open a connection: `connect(port, [host], [listener])` or `connect(options, [listener])`. The
   * host must be an IP address unless `options.lookup` resolves names; errors ('error' event) come
   * asynchronously, as in Node.
   */
  connect(options: SocketConnectOptions, connectListener?: () => void): this;
  connect(port: number | string, host?: string, connectListener?: () => void): this;
  connect(port: number | string, connectListener?: () => void): this;
  connect(...args: unknown[]): this {
    const { options, listener } = normalizeConnectArgs(args);
    if (this.destroyed) this.reset();
    else if (this.conn || this.connecting) throw nodeError('ERR_SOCKET_CONNECTING', 'Socket is already connected or connecting');
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      const e = new RangeError(`Port should be > 0 and < 65536. Received ${String(options.port)}.`) as RangeError & { code: string };
      e.code = 'ERR_SOCKET_BAD_PORT';
      throw e;
    }
    if (listener) this.once('connect', listener);
    if (options.noDelay !== undefined) this.tcpConfig.noDelay = options.noDelay;
    if (options.keepAlive !== undefined) this.keepAliveConfig(this.tcpConfig, options.keepAlive, options.keepAliveInitialDelay ?? 0);
    if (options.tcp) Object.assign(this.tcpConfig, options.tcp);
    if (options.timeout !== undefined) this.setTimeout(options.timeout);
    this.fastOpen = options.fastOpen === true;
    this.connecting = true;
    this.holdLoop();
    this.touch();
    const name = options.host ?? this.defaultRemote();
    const literal = parseIp(name);
    if (literal !== undefined) {
      this.open(literal, port, options);
    } else if (options.lookup) {
      options.lookup(name, { family: options.family }, (err, address) => {
        if (this.destroyed) return;
        const first = typeof address === 'string' ? address : address?.[0]?.address;
        const resolved = !err && first !== undefined ? parseIp(first) : undefined;
        if (resolved === undefined) this.destroy(err ?? notFoundError(name));
        else this.open(resolved, port, options);
      });
    } else {
      process.nextTick(() => this.destroy(notFoundError(name)));
    }
    return this;
  }

  /**
   * A destroyed socket connecting again starts afresh, as net.Socket does (it drops its handle and
   * undestroys its streams): no connection, nothing pending, the stream states reset.
   */
  private reset(): void {
    this.conn = undefined;
    this.tcpState = 'CLOSED';
    this.wantRead = false;
    this.peerEnded = false;
    this.eofPushed = false;
    this.inFlight = undefined;
    this.pendingFinal = undefined;
    this.abortRequested = false;
    this.endedByPeer = false;
    this.bytesRead = 0;
    this.sentBytes = 0;
    // stream.Duplex's own reset, which net.Socket.connect uses for the same purpose.
    (this as unknown as { _undestroy(): void })._undestroy();
  }

  private defaultRemote(): string {
    return ipToString(this.host.stack.addresses[0]);
  }

  private open(address: IpAddress, port: number, options: SocketConnectOptions): void {
    if (this.destroyed) return;
    let conn: Connection;
    try {
      conn = this.host.stack.connect({ address, port }, this.host.now(), {
        localAddress: options.localAddress,
        localPort: options.localPort,
        tcp: this.tcpConfig,
        fastOpen: this.fastOpen,
      });
    } catch (e) {
      if (!(e instanceof TcpError)) throw e;
      const where = { address: ipToString(address), port };
      const err =
        e.code === 'EADDRINUSE' && options.localPort
          ? socketError('EADDRINUSE', 'connect', { ...where, local: { address: options.localAddress ?? ipToString(this.host.stack.addresses[0]), port: options.localPort } })
          : socketError(e.code === 'EISCONN' || e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'ENOBUFS' ? e.code : 'EINVAL', 'connect', where);
      process.nextTick(() => this.destroy(err));
      return;
    }
    this.attach(conn);
    if (this.fastOpen) this.trySend(); // written while the name resolved: onto the SYN
    this.host.kick();
  }

  private attach(conn: Connection): void {
    this.conn = conn;
    conn.user = this;
    this.tcpState = conn.state;
    const t = conn.tcb.ownConfig();
    if (this.tcpConfig.noDelay !== undefined) t.noDelay = this.tcpConfig.noDelay;
    if (this.tcpConfig.keepAlive !== undefined) {
      t.keepAlive = this.tcpConfig.keepAlive;
      if (this.tcpConfig.keepAliveIdleMs !== undefined) t.keepAliveIdleMs = this.tcpConfig.keepAliveIdleMs;
    }
    // A connection that waited in an accept queue may already hold data, or the peer's FIN.
    if (finReceived(conn.state)) this.peerEnded = true;
  }

  /** The synack Connection under this socket (undefined before connect). */
  get connection(): Connection | undefined {
    return this.conn;
  }

  // ---------------------------------------------------------------------------------------------
  // Events from the stack

  [kTcpEvent](e: TcpEvent): void {
    if (this.destroyed) return;
    switch (e.type) {
      case 'state':
        this.tcpState = e.to;
        break;
      case 'connected':
        if (this.connecting) {
          this.connecting = false;
          this.touch();
          this.emit('connect');
          this.emit('ready');
          // As net.Socket's afterConnect: start reading unless paused, so EOF is learnt without a reader.
          if (!this.isPaused()) this.read(0);
          // Writes and end() made while connecting go out now, as net.Socket sends them after connect.
          this.trySend();
          if (this.pendingFinal && !this.inFlight) {
            const cb = this.pendingFinal;
            this.pendingFinal = undefined;
            this._final(cb);
          }
        }
        this.pull();
        break;
      case 'readable':
        this.pull();
        break;
      case 'writable':
        this.trySend();
        break;
      case 'end':
        this.peerEnded = true;
        this.pull();
        break;
      case 'error':
        this.destroy(this.errorFromTcp(e.code));
        break;
      case 'closed':
        // Closed without an error (our FIN and theirs both done, or a RST in LAST-ACK/CLOSING).
        if (this.inFlight) this.failPending(socketError('EPIPE', 'write'));
        if (!this.eofPushed && this.conn && this.conn.tcb.readableLength === 0) {
          this.peerEnded = true;
          this.pull();
        }
        break;
      default:
        break;
    }
  }

  private errorFromTcp(code: string): SocketError {
    const remote = { address: this.remoteAddress, port: this.remotePort };
    switch (code) {
      case 'ECONNREFUSED':
        return socketError('ECONNREFUSED', 'connect', remote);
      case 'ETIMEDOUT':
        return this.connecting ? socketError('ETIMEDOUT', 'connect', remote) : socketError('ETIMEDOUT', 'read');
      case 'ECONNRESET':
        // Linux's tcp_reset(): after the peer's FIN (CLOSE-WAIT) a reset can only matter to a writer: EPIPE.
        return this.tcpState === 'CLOSE-WAIT' ? socketError('EPIPE', 'write') : socketError('ECONNRESET', 'read');
      default:
        return socketError(code as SocketErrorCode, 'read');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  override _read(): void {
    this.wantRead = true;
    this.pull();
  }

  /** Move data from the TCB's receive buffer into the stream while the stream wants it. */
  private pull(): void {
    const conn = this.conn;
    if (!conn || this.pulling || this.destroyed || this.connecting) return;
    this.pulling = true;
    let got = 0;
    try {
      while (this.wantRead) {
        const d = conn.read(undefined, this.host.now());
        if (!d) break;
        got += d.length;
        this.bytesRead += d.length;
        this.wantRead = this.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
        if (this.destroyed) return;
      }
    } finally {
      this.pulling = false;
    }
    if (got > 0) {
      this.touch();
      this.host.kick(); // reading may open the window: a window update may be due
    }
    // EOF is learnt only while reading, as a handle's read stops while the stream is full or before
    // it was started (pauseOnConnect): the end follows the data the application has not taken yet.
    if (this.peerEnded && this.wantRead && !this.eofPushed && conn.tcb.readableLength === 0) {
      this.eofPushed = true;
      this.push(null);
      // As net.Socket on EOF: with nothing buffered, 'end' is emitted even when nobody reads or the
      // stream is paused (and then, allowHalfOpen off, our side ends and the socket closes).
      this.read(0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  override write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (this.endedByPeer && this.writableEnded) {
      // Node's writeAfterFIN: the peer ended, we ended in turn (allowHalfOpen off), and the app wrote anyway.
      const callback = typeof encoding === 'function' ? encoding : cb;
      const er = nodeError('EPIPE', 'This socket has been ended by the other party');
      if (typeof callback === 'function') process.nextTick(callback as (e: Error) => void, er);
      this.destroy(er);
      return false;
    }
    return super.write(chunk, encoding as BufferEncoding, cb as (error: Error | null | undefined) => void);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.startWrite([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    this.startWrite(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  private startWrite(chunks: Uint8Array[], callback: (error?: Error | null) => void): void {
    this.inFlight = { chunks, index: 0, offset: 0, accepted: 0, callback };
    this.touch();
    if (this.connecting && !(this.fastOpen && this.conn)) return; // sent once connected (or, with Fast Open, once there is a connection)
    if (!this.conn) {
      this.inFlight = undefined;
      callback(nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
      return;
    }
    this.trySend();
  }

  /** Offer the pending write to the send buffer; complete it when every byte is taken. */
  private trySend(): void {
    const p = this.inFlight;
    const conn = this.conn;
    if (!p || !conn || this.destroyed || (this.connecting && !this.fastOpen)) return;
    const now = this.host.now();
    let took = 0;
    try {
      while (p.index < p.chunks.length) {
        const c = p.chunks[p.index];
        const left = c.length - p.offset;
        if (left === 0) {
          p.index++;
          p.offset = 0;
          continue;
        }
        // Copy what fits (plus one byte when it does not all fit, so the TCB records the refusal and
        // emits 'writable' when room frees up).
        const room = conn.tcb.writableLength;
        const offer = left <= room ? left : room + 1;
        const copy = new Uint8Array(offer);
        copy.set(c.subarray(p.offset, p.offset + offer));
        const n = conn.send(copy, now);
        p.offset += n;
        p.accepted += n;
        took += n;
        if (n < left) break;
      }
    } catch (e) {
      if (!(e instanceof TcpError)) throw e;
      this.failPending(socketError('EPIPE', 'write'));
      return;
    } finally {
      this.sentBytes += took;
      if (took > 0) {
        this.touch();
        this.host.kick();
      }
    }
    if (p.index < p.chunks.length) return; // wait for 'writable'
    this.inFlight = undefined;
    p.callback();
  }

  private failPending(err: Error): void {
    const p = this.inFlight;
    if (!p) return;
    this.inFlight = undefined;
    p.callback(err);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const conn = this.conn;
    if (this.connecting) {
      this.pendingFinal = callback;
      return;
    }
    if (!conn) {
      callback();
      return;
    }
    conn.shutdown(this.host.now());
    this.host.kick();
    callback();
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.connecting = false;
    this.pendingFinal = undefined;
    const conn = this.conn;
    // The connection's later events (its FIN handshake) are no longer this socket's, which may connect again.
    if (conn && conn.user === this) conn.user = undefined;
    if (conn && conn.state !== 'CLOSED') {
      const now = this.host.now();
      // CLOSE, as close(2) does under node:net; ABORT only for resetAndDestroy (see the module comment).
      if (this.abortRequested) conn.abort(now);
      else conn.close(now);
      this.host.kick();
    }
    if (this.inFlight) this.failPending(error ?? nodeError('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed'));
    this.loop.drop();
    const hadError = !!error;
    callback(error);
    process.nextTick(() => this.emit('close', hadError));
  }

  /** End the writable side, then destroy once it has finished (Node's destroySoon). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Abort with a RST (where RFC 9293 §3.10.5 sends one) whatever the socket's state. */
  resetAndDestroy(): this {
    this.abortRequested = true;
    this.destroy();
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Options

  setNoDelay(noDelay = true): this {
    this.tcpConfig.noDelay = noDelay;
    if (this.conn) {
      this.conn.tcb.ownConfig().noDelay = noDelay;
      if (noDelay) this.nudge(); // data Nagle held back may go now (as TCP_NODELAY pushes it on Linux)
    }
    return this;
  }

  /** Keep-alive probes (RFC 9293 §3.8.4) after `initialDelay` ms idle (0: the stack's default). */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.keepAliveConfig(this.tcpConfig, enable, initialDelay);
    const conn = this.conn;
    if (conn) {
      this.keepAliveConfig(conn.tcb.ownConfig(), enable, initialDelay);
      this.nudge(); // the TCB (re)arms its keep-alive timer
    }
    return this;
  }

  /**
   * Have the TCB look at its changed settings now: an empty send re-arms its timers and marks the
   * connection for output, without sending anything itself.
   */
  private nudge(): void {
    const conn = this.conn;
    if (!conn || this.connecting || this.destroyed) return;
    if ((conn.state === 'ESTABLISHED' || conn.state === 'CLOSE-WAIT') && !conn.tcb.closing.finRequested) {
      conn.send(EMPTY, this.host.now());
      this.host.kick();
    }
  }

  private keepAliveConfig(c: Partial<TcpConfig>, enable: boolean, initialDelay: number): void {
    c.keepAlive = enable;
    if (enable && initialDelay > 0) c.keepAliveIdleMs = initialDelay;
  }

  /**
   * Emit 'timeout' after `ms` of inactivity (no reads, no writes) on the host's clock; 0 disables.
   * Like Node's, it only emits: closing is the listener's business.
   */
  setTimeout(ms: number, callback?: () => void): this {
    const t = Number(ms);
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`The value of "msecs" is out of range. Received ${String(ms)}`);
    this.timeout = t;
    this.timeoutMs = t;
    if (callback) {
      if (t === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    if (t > 0) {
      this.lastActive = this.host.now();
      this.fileTimer();
    }
    return this;
  }

  /** Activity: the idle timeout starts again. */
  private touch(): void {
    if (this.timeoutMs === 0) return;
    this.lastActive = this.host.now();
    if (this.timerFiledAt === undefined) this.fileTimer();
  }

  private fileTimer(): void {
    const deadline = this.lastActive + this.timeoutMs;
    if (this.timerFiledAt === undefined || deadline < this.timerFiledAt) {
      this.timerFiledAt = deadline;
      this.sh.timers.file(deadline, this);
    }
  }

  onTimer(now: number): void {
    this.timerFiledAt = undefined;
    if (this.destroyed || this.timeoutMs === 0) return;
    if (now >= this.lastActive + this.timeoutMs) {
      this.emit('timeout'); // not re-armed until the next activity, as in Node
      return;
    }
    this.fileTimer();
  }

  /**
   * As in Node: an open socket keeps a process alive while its host is driven in real time
   * (RealtimeDriver); `unref()` lets the process exit while it is still open. No effect on virtual time.
   */
  ref(): this {
    this.loop.ref();
    if ((this.conn || this.connecting) && !this.destroyed) this.holdLoop();
    return this;
  }

  unref(): this {
    this.loop.unref();
    return this;
  }

  private holdLoop(): void {
    this.loop.hold(this.host.driver);
  }

  // ---------------------------------------------------------------------------------------------
  // Addresses and state

  /** The open connection's endpoints come from; none before connect or once destroyed (as in Node). */
  private get live(): Connection | undefined {
    return this.destroyed ? undefined : this.conn;
  }

  /** The local endpoint, like net.Socket.address(); {} before connect and after destroy. */
  address(): AddressInfo | Record<string, never> {
    const c = this.live;
    if (!c) return {};
    return { address: ipToString(c.local.address), family: familyOf(c.local.address), port: c.local.port };
  }

  get remoteAddress(): string | undefined {
    return this.live ? ipToString(this.live.remote.address) : undefined;
  }

  get remotePort(): number | undefined {
    return this.live?.remote.port;
  }

  get remoteFamily(): 'IPv4' | 'IPv6' | undefined {
    return this.live ? familyOf(this.live.remote.address) : undefined;
  }

  get localAddress(): string | undefined {
    return this.live ? ipToString(this.live.local.address) : undefined;
  }

  get localPort(): number | undefined {
    return this.live?.local.port;
  }

  get localFamily(): 'IPv4' | 'IPv6' | undefined {
    return this.live ? familyOf(this.live.local.address) : undefined;
  }

  /** Bytes written: those in the send buffer already plus those still queued in the stream (as Node counts). */
  get bytesWritten(): number {
    return this.sentBytes + this.writableLength - (this.inFlight?.accepted ?? 0);
  }

  /**
   * Bytes waiting to be written, as Node's (deprecated) `bufferSize`: `writableLength` while the socket
   * has a connection or is making one, undefined before and after.
   */
  get bufferSize(): number | undefined {
    return (this.conn || this.connecting) && !this.destroyed ? this.writableLength : undefined;
  }

  /** True before the connection exists, while it is being made, and once destroyed (Node's `pending`). */
  get pending(): boolean {
    return !this.live || this.connecting;
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  /** The TCP state of the connection (RFC 9293 names), 'CLOSED' before connect. */
  get tcpStateName(): TcpState {
    return this.conn ? this.conn.state : 'CLOSED';
  }
}

function normalizeConnectArgs(args: unknown[]): { options: SocketConnectOptions; listener: (() => void) | undefined } {
  const last = args[args.length - 1];
  const listener = typeof last === 'function' ? (last as () => void) : undefined;
  const a0 = args[0];
  if (a0 !== null && typeof a0 === 'object') return { options: a0 as SocketConnectOptions, listener };
  const options: SocketConnectOptions = { port: a0 as number | string };
  if (typeof args[1] === 'string') options.host = args[1];
  return { options, listener };
}
