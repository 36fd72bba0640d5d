/**
 * The browser-native connection API: a TCP connection as a pair of WHATWG streams and an EventTarget,
 * shaped like the Direct Sockets API's TCPSocket and TCPServerSocket, so code in a page (or in Node,
 * where the same globals exist) uses synack without a `node:stream` polyfill.
 *
 *   const s = new TcpStream(host, { remoteAddress: '198.18.0.2', remotePort: 80 });
 *   const { readable, writable } = await s.opened;
 *
 * Reading: the readable's pull reads from the connection, at most its high-water mark (bytes, plus
 * one received chunk) ahead of the reader. A reader that stops reading stops the pulls; data then stays in the TCB's receive
 * buffer and the window it advertises closes, as with a kernel socket nobody reads. The readable ends
 * once the peer's FIN has arrived and every byte before it was read; an RST errors it.
 *
 * Writing: a write resolves only once the send buffer took every byte of the chunk (copied, so the
 * caller may reuse its buffer), and the writable queues at most its high-water mark (bytes) above
 * that: `writer.ready` waits while the network is slower than the writer. Closing the writable is a
 * half-close (shutdown(SHUT_WR)): a FIN after the queued data, while reading goes on.
 *
 * Closing: `close()` is RFC 9293's CLOSE (§3.10.4) for both directions at once, as close(2): the FIN
 * follows what the send buffer holds, a pending write fails, and unread data (or data arriving
 * afterwards) is answered with a RST by the stack. `abort()` is ABORT (§3.10.5): a RST. `closed`
 * settles once both streams are done (the readable ended or was cancelled, the writable closed) or
 * the connection failed; it rejects with the failure.
 *
 * Events: `open` (connected), `end` (the peer's FIN arrived: what is left to read ends the readable),
 * `error` (a TcpErrorEvent; ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE as tcp/'s TcpError codes),
 * `close` (after `closed` settles). A TcpListener emits `connection` (a TcpConnectionEvent) for each
 * connection it accepts.
 *
 * Web streams and Node-style sockets share one host: both take the stack's events through the
 * host's dispatcher (dispatcher.ts), each connection to the object that holds it.
 */
import type { Host } from '../link/host.js';
import type { Connection } from '../stack/connection.js';
import type { Listener } from '../stack/listener.js';
import type { TcpConfig } from '../tcp/config.js';
import type { TcpEvent } from '../tcp/events.js';
import type { TcpState } from '../tcp/state.js';
import { TcpError } from '../tcp/tcb.js';
import { ipToString, parseIp, type IpAddress } from '../wire/index.js';
import { kAcceptable, kTcpEvent, socketHost, type AcceptSink, type TcpEventSink } from './dispatcher.js';
import { LoopHold } from './loop-hold.js';

/** Bytes the readable reads ahead of its reader, and the writable queues above the send buffer. */
const DEFAULT_HIGH_WATER_MARK = 16 * 1024;

export interface TcpStreamOptions {
  /** The peer: an IP address (synack resolves no names). */
  remoteAddress: string;
  remotePort: number;
  /** One of the host's addresses (default: its first of the peer's family). */
  localAddress?: string;
  /** Default: an ephemeral port (RFC 6056). */
  localPort?: number;
  /** Disable Nagle's algorithm (TCP_NODELAY). */
  noDelay?: boolean;
  /** Send keep-alive probes after this many ms idle (RFC 9293 §3.8.4); none unless given. */
  keepAliveDelay?: number;
  /** The send and receive buffers (SO_SNDBUF, SO_RCVBUF), bytes. */
  sendBufferSize?: number;
  receiveBufferSize?: number;
  /** Bytes the readable reads ahead of its reader (default 16 KiB). */
  readableHighWaterMark?: number;
  /** Bytes the writable queues above the send buffer before `writer.ready` waits (default 16 KiB). */
  writableHighWaterMark?: number;
  /** Any other TCP setting of this connection. */
  tcp?: Partial<TcpConfig>;
}

/** What `opened` resolves to: the streams and the endpoints. */
export interface TcpStreamOpenInfo {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

/** An `error` event: `error` is a TcpError (its `code`: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...). */
export class TcpErrorEvent extends Event {
  constructor(readonly error: TcpError) {
    super('error');
  }
}

/** A listener's `connection` event: `stream` is the accepted connection, already open. */
export class TcpConnectionEvent extends Event {
  constructor(readonly stream: TcpStream) {
    super('connection');
  }
}

/** States in which the peer's FIN has been received. */
function finReceived(s: TcpState): boolean {
  return s === 'CLOSE-WAIT' || s === 'LAST-ACK' || s === 'CLOSING' || s === 'TIME-WAIT';
}

function byteLength(chunk: unknown): number {
  return (chunk as { byteLength?: number } | null)?.byteLength ?? 0;
}

function asBytes(chunk: unknown): Uint8Array | undefined {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  return undefined;
}

function highWaterMark(v: number | undefined, what: string): number {
  if (v === undefined) return DEFAULT_HIGH_WATER_MARK;
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${what} must be a whole number of bytes >= 0, got ${String(v)}`);
  return v;
}

function checkPort(port: unknown, what: string, zero: boolean): number {
  const p = Number(port);
  if (!Number.isInteger(p) || p < (zero ? 0 : 1) || p > 65535) throw new RangeError(`${what} must be a port (${zero ? 0 : 1}-65535), got ${String(port)}`);
  return p;
}

function address(text: string, what: string): IpAddress {
  const a = parseIp(text);
  if (a === undefined) throw new TypeError(`${what} must be an IP address, got ${JSON.stringify(text)}`);
  return a;
}

/** A promise whose rejection, if nobody awaits it, is not reported as unhandled. */
function settleable<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface PendingWrite {
  chunk: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Wrap a Connection the application already holds (one a TcpListener accepted, or the stack's). */
export interface TcpStreamWrapOptions {
  connection: Connection;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
}

/**
 * One TCP connection as a ReadableStream and a WritableStream of bytes (see the module comment).
 * `new TcpStream(host, { remoteAddress, remotePort })` opens one; a TcpListener hands out accepted ones.
 */
export class TcpStream extends EventTarget implements TcpEventSink {
  readonly host: Host;
  /** Resolves once connected, with the streams; rejects if the connection could not be made. */
  readonly opened: Promise<TcpStreamOpenInfo>;
  /** Resolves once both streams are done; rejects with the error that ended the connection. */
  readonly closed: Promise<void>;

  private conn: Connection | undefined;
  private readonly openSettle: ReturnType<typeof settleable<TcpStreamOpenInfo>>;
  private readonly closeSettle: ReturnType<typeof settleable<void>>;
  private readonly readHwm: number;
  private readonly writeHwm: number;
  private readonly loop = new LoopHold();
  private readCtl: ReadableStreamDefaultController<Uint8Array> | undefined;
  private writeCtl: WritableStreamDefaultController | undefined;
  /** The readable's pull waiting for data. */
  private pullWaiter: (() => void) | undefined;
  private pulling = false;
  private pendingWrite: PendingWrite | undefined;
  private isOpen = false;
  /** The peer's FIN arrived (or had arrived before an accepted connection was wrapped). */
  private peerEnded = false;
  /** The readable ended (EOF read) or was cancelled; a cancelled one reads on and discards. */
  private readDone = false;
  private readCancelled = false;
  /** The writable closed (FIN queued) or failed. */
  private writeDone = false;
  private finished = false;
  private lastState: TcpState = 'CLOSED';

  constructor(host: Host, options: TcpStreamOptions);
  constructor(host: Host, options: TcpStreamWrapOptions);
  constructor(host: Host, options: TcpStreamOptions | TcpStreamWrapOptions) {
    super();
    this.host = host;
    socketHost(host);
    this.openSettle = settleable<TcpStreamOpenInfo>();
    this.closeSettle = settleable<void>();
    this.opened = this.openSettle.promise;
    this.closed = this.closeSettle.promise;
    this.readHwm = highWaterMark(options.readableHighWaterMark, 'readableHighWaterMark');
    this.writeHwm = highWaterMark(options.writableHighWaterMark, 'writableHighWaterMark');
    if ('connection' in options) {
      this.attach(options.connection);
      if (finReceived(options.connection.state)) this.peerEnded = true;
      this.loop.hold(host.driver);
      this.open();
      return;
    }
    const remotePort = checkPort(options.remotePort, 'remotePort', false);
    const remote = address(options.remoteAddress, 'remoteAddress');
    const local = options.localAddress === undefined ? undefined : address(options.localAddress, 'localAddress');
    const localPort = options.localPort === undefined ? undefined : checkPort(options.localPort, 'localPort', true);
    const tcp: Partial<TcpConfig> = { ...options.tcp };
    if (options.noDelay !== undefined) tcp.noDelay = options.noDelay;
    if (options.keepAliveDelay !== undefined) {
      tcp.keepAlive = true;
      tcp.keepAliveIdleMs = options.keepAliveDelay;
    }
    if (options.sendBufferSize !== undefined) tcp.sendBufferSize = options.sendBufferSize;
    if (options.receiveBufferSize !== undefined) tcp.receiveBufferSize = options.receiveBufferSize;
    let conn: Connection;
    try {
      conn = host.stack.connect({ address: remote, port: remotePort }, host.now(), { localAddress: local, localPort, tcp });
    } catch (e) {
      if (!(e instanceof TcpError)) throw e;
      // As a connect that fails at once still reports through its promise, never by throwing.
      queueMicrotask(() => this.fail(e));
      return;
    }
    this.attach(conn);
    this.loop.hold(host.driver);
    host.kick();
  }

  private attach(conn: Connection): void {
    this.conn = conn;
    conn.user = this;
    this.lastState = conn.state;
  }

  /** The synack Connection underneath (its TCB), once there is one. */
  get connection(): Connection | undefined {
    return this.conn;
  }

  /** The connection's RFC 9293 state ('CLOSED' before it exists). */
  get tcpState(): TcpState {
    return this.conn ? this.conn.state : 'CLOSED';
  }

  // ---------------------------------------------------------------------------------------------
  // Events from the stack

  [kTcpEvent](e: TcpEvent): void {
    if (this.finished) return;
    switch (e.type) {
      case 'state':
        this.lastState = e.to;
        break;
      case 'connected':
        if (!this.isOpen) this.open();
        break;
      case 'readable':
        this.drain();
        break;
      case 'writable':
        this.trySend();
        break;
      case 'end':
        this.peerEnded = true;
        this.dispatchEvent(new Event('end'));
        this.drain();
        break;
      case 'error':
        this.fail(new TcpError(this.errorCode(e.code), e.message));
        break;
      case 'closed':
        // Closed without an error: both FINs done, or a RST after ours (LAST-ACK, CLOSING).
        if (!this.isOpen) {
          this.fail(new TcpError('ECONNABORTED', 'the connection closed before it opened'));
          break;
        }
        if (!this.writeDone) {
          const err = new TcpError('EPIPE', 'the connection closed');
          this.rejectWrite(err);
          this.writeDone = true;
          this.writeCtl?.error(err);
        }
        this.peerEnded = true;
        this.drain();
        this.maybeFinish();
        break;
      default:
        break;
    }
  }

  /** After the peer's FIN a reset can only matter to a writer: EPIPE (as Linux's tcp_reset() says). */
  private errorCode(code: TcpError['code']): TcpError['code'] {
    return code === 'ECONNRESET' && this.lastState === 'CLOSE-WAIT' ? 'EPIPE' : code;
  }

  /** Connected: make the streams, resolve `opened`, emit `open`. */
  private open(): void {
    const conn = this.conn!;
    this.isOpen = true;
    const readable = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.readCtl = c;
        },
        pull: () =>
          new Promise<void>((resolve) => {
            this.pullWaiter = resolve;
            this.drain();
          }),
        cancel: () => {
          this.readCancelled = true;
          this.readDone = true;
          this.wakePull();
          this.drain();
          this.maybeFinish();
        },
      },
      { highWaterMark: this.readHwm, size: byteLength },
    );
    const writable = new WritableStream<Uint8Array>(
      {
        start: (c) => {
          this.writeCtl = c;
        },
        write: (chunk) =>
          new Promise<void>((resolve, reject) => {
            const bytes = asBytes(chunk);
            if (!bytes) {
              reject(new TypeError('a TcpStream writes bytes: a Uint8Array, another ArrayBufferView or an ArrayBuffer'));
              return;
            }
            this.pendingWrite = { chunk: bytes, offset: 0, resolve, reject };
            this.trySend();
          }),
        close: () => this.shutdown(),
        abort: () => {
          // The writer gave up: what the send buffer holds still goes, then our FIN.
          this.pendingWrite = undefined;
          this.shutdown();
        },
      },
      { highWaterMark: this.writeHwm, size: byteLength },
    );
    const info: TcpStreamOpenInfo = {
      readable,
      writable,
      localAddress: ipToString(conn.local.address),
      localPort: conn.local.port,
      remoteAddress: ipToString(conn.remote.address),
      remotePort: conn.remote.port,
    };
    this.openSettle.resolve(info);
    this.dispatchEvent(new Event('open'));
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  private wakePull(): void {
    const w = this.pullWaiter;
    this.pullWaiter = undefined;
    w?.();
  }

  /** Move data from the TCB's receive buffer into the readable while it wants more; end it at EOF. */
  private drain(): void {
    const conn = this.conn;
    const ctl = this.readCtl;
    if (!conn || !ctl || this.pulling || (this.readDone && !this.readCancelled)) return;
    this.pulling = true;
    const now = this.host.now();
    let got = 0;
    try {
      if (this.readCancelled) {
        // Nobody reads any more: take what arrives so the peer is not held up by a closed window.
        for (let d = conn.read(undefined, now); d; d = conn.read(undefined, now)) got += d.length;
      } else {
        // Whole chunks while the queue is below its mark (it may pass it by one chunk): reading
        // only what the mark leaves would cut the data into slivers. A pull still pending means a
        // reader waits (with a mark of 0, the only time the stream asks): one chunk at least.
        while ((ctl.desiredSize ?? 0) > 0 || (got === 0 && this.pullWaiter !== undefined)) {
          const d = conn.read(undefined, now);
          if (!d) break;
          got += d.length;
          ctl.enqueue(d);
        }
      }
    } finally {
      this.pulling = false;
    }
    if (got > 0) this.host.kick(); // reading may open the window: a window update may be due
    if (!this.readDone && this.peerEnded && conn.tcb.readableLength === 0) {
      this.readDone = true;
      ctl.close();
      this.wakePull();
      this.maybeFinish();
      return;
    }
    if (got > 0) this.wakePull();
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /** Offer the pending write to the send buffer; resolve it once every byte is taken. */
  private trySend(): void {
    const p = this.pendingWrite;
    const conn = this.conn;
    if (!p || !conn || this.finished) return;
    const now = this.host.now();
    let took = 0;
    try {
      const left = p.chunk.length - p.offset;
      // Copy what fits, plus one byte when it does not all fit, so the TCB records the refusal and
      // emits 'writable' when room frees up.
      const room = conn.tcb.writableLength;
      const offer = left <= room ? left : room + 1;
      took = conn.send(p.chunk.slice(p.offset, p.offset + offer), now);
      p.offset += took;
    } catch (e) {
      if (!(e instanceof TcpError)) throw e;
      this.rejectWrite(new TcpError('EPIPE', e.message));
      return;
    } finally {
      if (took > 0) this.host.kick();
    }
    if (p.offset < p.chunk.length) return; // wait for 'writable'
    this.pendingWrite = undefined;
    p.resolve();
  }

  private rejectWrite(err: TcpError): void {
    const p = this.pendingWrite;
    this.pendingWrite = undefined;
    p?.reject(err);
  }

  /** The writable closed: FIN after the queued data (half-close). */
  private shutdown(): void {
    if (this.writeDone) return;
    this.writeDone = true;
    const conn = this.conn;
    if (conn && !this.finished && conn.state !== 'CLOSED') {
      conn.shutdown(this.host.now());
      this.host.kick();
    }
    this.maybeFinish();
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  /** Both streams done: let the connection go (RFC 9293 CLOSE; its FINs are already on their way). */
  private maybeFinish(): void {
    if (!this.readDone || !this.writeDone || this.finished) return;
    this.release('close');
    this.closeSettle.resolve();
    this.dispatchEvent(new Event('close'));
  }

  /** Detach from the connection, after a CLOSE or an ABORT of it if it still lives. */
  private release(how: 'close' | 'abort'): void {
    this.finished = true;
    const conn = this.conn;
    if (conn) {
      if (conn.user === this) conn.user = undefined;
      if (conn.state !== 'CLOSED') {
        if (how === 'abort') conn.abort(this.host.now());
        else conn.close(this.host.now());
        this.host.kick();
      }
    }
    this.loop.drop();
  }

  /** End both streams with `err` (unless done already). */
  private endStreams(err: unknown, readable: 'close' | 'error'): void {
    this.rejectWrite(err as TcpError);
    if (!this.writeDone) {
      this.writeDone = true;
      this.writeCtl?.error(err);
    }
    if (!this.readDone) {
      this.readDone = true;
      if (readable === 'error') this.readCtl?.error(err);
      else
        try {
          this.readCtl?.close();
        } catch {
          // already closing
        }
      this.wakePull();
    }
  }

  /** The connection failed (or could not be made): error everything, emit `error` then `close`. */
  private fail(err: TcpError): void {
    if (this.finished) return;
    if (!this.isOpen) this.openSettle.reject(err);
    this.endStreams(err, 'error');
    this.release('close');
    this.dispatchEvent(new TcpErrorEvent(err));
    this.closeSettle.reject(err);
    this.dispatchEvent(new Event('close'));
  }

  /**
   * CLOSE (RFC 9293 §3.10.4) both ways now, as close(2): the readable ends (what it queued can still
   * be read), a pending write fails, the FIN follows what the send buffer holds. Resolves as `closed`.
   */
  close(): Promise<void> {
    if (this.finished) return this.closed;
    const err = new TcpError('EPIPE', 'the stream was closed');
    if (!this.isOpen) this.openSettle.reject(new TcpError('ECONNABORTED', 'closed before the connection opened'));
    this.endStreams(err, 'close');
    this.release('close');
    this.closeSettle.resolve();
    this.dispatchEvent(new Event('close'));
    return this.closed;
  }

  /** ABORT (RFC 9293 §3.10.5): a RST to the peer, both streams errored (ECONNABORTED). */
  abort(): Promise<void> {
    if (this.finished) return this.closed;
    const err = new TcpError('ECONNABORTED', 'the stream was aborted');
    if (!this.isOpen) this.openSettle.reject(err);
    this.endStreams(err, 'error');
    this.release('abort');
    this.closeSettle.resolve();
    this.dispatchEvent(new Event('close'));
    return this.closed;
  }
}

export interface TcpListenerOptions {
  /** Default: an ephemeral port. */
  localPort?: number;
  /** One of the host's addresses; default: all of them. */
  localAddress?: string;
  /** The accept queue's bound (listen(2)'s backlog; default the stack's). */
  backlog?: number;
  /**
   * Accept every connection as its handshake completes and announce it with a `connection` event
   * (the readable is then not used). Default false: a connection is accepted when the readable is
   * read, and until then waits in the accept queue, as with a server that does not call accept(2).
   */
  autoAccept?: boolean;
  /** Disable Nagle's algorithm on accepted connections. */
  noDelay?: boolean;
  /** High-water marks of the accepted connections' streams (bytes). */
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
}

export interface TcpListenerOpenInfo {
  /** The accepted connections, one per read; each is open (its `opened` resolves at once). */
  readable: ReadableStream<TcpStream>;
  localAddress: string;
  localPort: number;
}

/** A listening port: connections as a ReadableStream of TcpStreams, and `connection` events. */
export class TcpListener extends EventTarget implements AcceptSink {
  readonly host: Host;
  readonly opened: Promise<TcpListenerOpenInfo>;
  readonly closed: Promise<void>;
  private listener: Listener | undefined;
  private readonly options: TcpListenerOptions;
  private readonly openSettle = settleable<TcpListenerOpenInfo>();
  private readonly closeSettle = settleable<void>();
  private readCtl: ReadableStreamDefaultController<TcpStream> | undefined;
  private pullWaiter: (() => void) | undefined;
  private readonly loop = new LoopHold();

  constructor(host: Host, options: TcpListenerOptions = {}) {
    super();
    this.host = host;
    this.options = { ...options };
    this.opened = this.openSettle.promise;
    this.closed = this.closeSettle.promise;
    socketHost(host);
    const port = checkPort(options.localPort ?? 0, 'localPort', true);
    const local = options.localAddress === undefined ? undefined : address(options.localAddress, 'localAddress');
    highWaterMark(options.readableHighWaterMark, 'readableHighWaterMark');
    highWaterMark(options.writableHighWaterMark, 'writableHighWaterMark');
    let l: Listener;
    try {
      l = host.stack.listen(port, { address: local, backlog: options.backlog, tcp: options.noDelay === undefined ? undefined : { noDelay: options.noDelay } });
    } catch (e) {
      if (!(e instanceof TcpError)) throw e;
      queueMicrotask(() => {
        this.openSettle.reject(e);
        this.dispatchEvent(new TcpErrorEvent(e));
        this.closeSettle.reject(e);
        this.dispatchEvent(new Event('close'));
      });
      return;
    }
    this.listener = l;
    l.user = this;
    this.loop.hold(host.driver);
    const readable = new ReadableStream<TcpStream>(
      {
        start: (c) => {
          this.readCtl = c;
        },
        // One accept per read: the queue's high-water mark is 0, so pull runs only for a waiting reader.
        pull: () =>
          new Promise<void>((resolve) => {
            this.pullWaiter = resolve;
            this[kAcceptable]();
          }),
        cancel: () => void this.close(),
      },
      { highWaterMark: 0 },
    );
    const addr = l.address === undefined ? host.stack.addresses[0] : l.address;
    this.openSettle.resolve({ readable, localAddress: ipToString(addr), localPort: l.port });
  }

  /** The stack's listener (its SYN and accept queues), while listening. */
  get stackListener(): Listener | undefined {
    return this.listener;
  }

  [kAcceptable](): void {
    const l = this.listener;
    if (!l) return;
    if (this.options.autoAccept) {
      for (let c = l.accept(); c; c = l.accept()) this.accepted(c);
      return;
    }
    if (!this.pullWaiter) return;
    const c = l.accept();
    if (!c) return;
    const s = this.accepted(c);
    const w = this.pullWaiter;
    this.pullWaiter = undefined;
    this.readCtl!.enqueue(s);
    w();
  }

  private accepted(c: Connection): TcpStream {
    const o = this.options;
    if (o.noDelay !== undefined) c.tcb.ownConfig().noDelay = o.noDelay;
    const s = new TcpStream(this.host, { connection: c, readableHighWaterMark: o.readableHighWaterMark, writableHighWaterMark: o.writableHighWaterMark });
    this.dispatchEvent(new TcpConnectionEvent(s));
    return s;
  }

  /**
   * Stop listening: connections not yet accepted are reset (as closing a listening socket does), the
   * readable ends; accepted connections go on.
   */
  close(): Promise<void> {
    const l = this.listener;
    if (!l) return this.closed;
    this.listener = undefined;
    l.user = undefined;
    this.host.stack.closeListener(l, this.host.now());
    this.host.kick();
    this.loop.drop();
    try {
      this.readCtl?.close();
    } catch {
      // already closing
    }
    const w = this.pullWaiter;
    this.pullWaiter = undefined;
    w?.();
    this.closeSettle.resolve();
    this.dispatchEvent(new Event('close'));
    return this.closed;
  }
}
