/**
 * Server: a node:net-style listening socket over a synack Listener.
 *
 * `listen` opens a Listener on the host's stack (its SYN queue and accept queue, bounded by the
 * backlog); each time the stack reports a connection in the accept queue, the server accepts it,
 * wraps it in a Socket and emits 'connection', as net.Server does. Like Node it emits 'listening'
 * and 'error' (EADDRINUSE) asynchronously, destroys connections beyond `maxConnections` (with a
 * 'drop' event), and after `close()` emits 'close' once every accepted connection has closed.
 *
 * One addition to Node's API: `pauseAccepting()` / `resumeAccepting()` stop and restart accepting,
 * as a busy application that does not call accept(2) would. Connections then wait in the accept
 * queue; once it holds `backlog` of them the stack drops handshake-completing ACKs (Linux's
 * behaviour, counted as ListenOverflows) until the application accepts again.
 */
import { EventEmitter } from 'node:events';
import type { Host } from '../link/host.js';
import type { Listener } from '../stack/listener.js';
import { TcpError } from '../tcp/tcb.js';
import { ipToString, parseIp, type IpAddress } from '../wire/index.js';
import { kAcceptable, socketHost, type AcceptSink } from './dispatcher.js';
import { listenError, nodeError, notFoundError } from './errors.js';
import { Socket, type AddressInfo } from './socket.js';
import { LoopHold } from './loop-hold.js';

export interface ServerOptions {
  /** Accepted sockets keep their writable side open after the peer's FIN (default false). */
  allowHalfOpen?: boolean;
  /** Accepted sockets start paused. */
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

export interface ListenOptions {
  port?: number | string;
  /** An IP address of the host; '0.0.0.0', '::' or none: every address. */
  host?: string;
  backlog?: number;
  /**
   * TCP Fast Open (RFC 7413): how many connections may have given their SYN's data to this server
   * before their handshake completes (Linux's TCP_FASTOPEN queue length, `max_qlen`). Such a
   * connection arrives at once, its request readable, and may answer before the client's ACK. 0 or
   * none: SYN data is taken only after the handshake, as usual.
   */
  fastOpen?: number;
}

export class Server extends EventEmitter implements AcceptSink {
  readonly host: Host;
  /** Connections beyond this many are destroyed as they arrive (Node's maxConnections). */
  maxConnections: number | undefined;
  private readonly options: ServerOptions;
  private listener: Listener | undefined;
  private readonly sockets = new Set<Socket>();
  private accepting = true;
  /** ref() (default) or unref(): whether this server, while listening, keeps a real-time process alive. */
  /** The hold this handle keeps on a real-time driven host's event loop while open (as node:net's handles). */
  private readonly loop = new LoopHold();

  constructor(host: Host, options?: ServerOptions, connectionListener?: (socket: Socket) => void);
  constructor(host: Host, connectionListener?: (socket: Socket) => void);
  constructor(host: Host, a?: ServerOptions | ((socket: Socket) => void), b?: (socket: Socket) => void) {
    super();
    this.host = host;
    socketHost(host);
    this.options = typeof a === 'object' && a !== null ? { ...a } : {};
    const listener = typeof a === 'function' ? a : b;
    if (listener) this.on('connection', listener);
  }

  /**
   * `listen(port, [host], [backlog], [callback])` or `listen({ port, host, backlog }, [callback])`.
   * Port 0 (or none) picks an ephemeral port.
   */
  listen(options: ListenOptions, callback?: () => void): this;
  listen(port?: number | string, host?: string, backlog?: number, callback?: () => void): this;
  listen(port: number | string, host: string, callback?: () => void): this;
  listen(port: number | string, backlog: number, callback?: () => void): this;
  listen(port: number | string, callback?: () => void): this;
  listen(callback?: () => void): this;
  listen(...args: unknown[]): this {
    const opts = normalizeListenArgs(args);
    if (this.listener) throw nodeError('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
    if (opts.callback) this.once('listening', opts.callback);
    const port = opts.port === undefined ? 0 : Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      const e = new RangeError(`options.port should be >= 0 and < 65536. Received ${String(opts.port)}.`) as RangeError & { code: string };
      e.code = 'ERR_SOCKET_BAD_PORT';
      throw e;
    }
    let address: IpAddress | undefined;
    if (opts.host !== undefined && opts.host !== '0.0.0.0' && opts.host !== '::') {
      address = parseIp(opts.host);
      if (address === undefined) {
        const err = notFoundError(opts.host);
        process.nextTick(() => this.emit('error', err));
        return this;
      }
    }
    try {
      this.listener = this.host.stack.listen(port, { address, backlog: opts.backlog, fastOpen: opts.fastOpen });
    } catch (e) {
      if (!(e instanceof TcpError)) throw e;
      const err = listenError(e.code === 'EADDRINUSE' ? 'EADDRINUSE' : 'EADDRNOTAVAIL', opts.host ?? this.wildcard().address, port);
      process.nextTick(() => this.emit('error', err));
      return this;
    }
    this.listener.user = this;
    this.holdLoop();
    process.nextTick(() => {
      if (this.listener) this.emit('listening');
    });
    return this;
  }

  /** Stop accepting; 'close' (and `callback`) once every accepted connection has closed. */
  close(callback?: (err?: Error) => void): this {
    if (callback) {
      if (!this.listener) this.once('close', () => callback(nodeError('ERR_SERVER_NOT_RUNNING', 'Server is not running.')));
      else this.once('close', callback);
    }
    if (this.listener) {
      this.host.stack.closeListener(this.listener, this.host.now());
      this.listener.user = undefined;
      this.listener = undefined;
      this.host.kick();
    }
    this.loop.drop();
    this.emitCloseIfDrained();
    return this;
  }

  private emitCloseIfDrained(): void {
    if (this.listener || this.sockets.size > 0) return;
    process.nextTick(() => this.emit('close'));
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** { address, family, port } of the listening socket, or null when not listening. */
  address(): AddressInfo | null {
    const l = this.listener;
    if (!l) return null;
    if (l.address === undefined) return { ...this.wildcard(), port: l.port };
    return { address: ipToString(l.address), family: typeof l.address === 'number' ? 'IPv4' : 'IPv6', port: l.port };
  }

  /** The unspecified address, reported as Node does: '::' when the host has IPv6, else '0.0.0.0'. */
  private wildcard(): { address: string; family: 'IPv4' | 'IPv6' } {
    const v6 = this.host.stack.addresses.some((a) => typeof a !== 'number');
    return v6 ? { address: '::', family: 'IPv6' } : { address: '0.0.0.0', family: 'IPv4' };
  }

  getConnections(callback: (err: Error | null, count: number) => void): this {
    const n = this.sockets.size;
    process.nextTick(() => callback(null, n));
    return this;
  }

  /** The listener underneath (its queues, backlog), while listening. */
  get stackListener(): Listener | undefined {
    return this.listener;
  }

  /**
   * As in Node: a listening server keeps a process alive while its host is driven in real time
   * (RealtimeDriver); `unref()` lets the process exit while it listens. Accepted sockets hold on
   * their own. No effect on virtual time.
   */
  ref(): this {
    this.loop.ref();
    if (this.listener) this.holdLoop();
    return this;
  }

  unref(): this {
    this.loop.unref();
    return this;
  }

  private holdLoop(): void {
    this.loop.hold(this.host.driver);
  }

  /** Stop accepting connections: they wait in the listener's accept queue (synack's addition to Node's API). */
  pauseAccepting(): this {
    this.accepting = false;
    return this;
  }

  /** Accept again, starting with the connections that waited. */
  resumeAccepting(): this {
    this.accepting = true;
    this[kAcceptable]();
    return this;
  }

  [kAcceptable](): void {
    const l = this.listener;
    if (!l || !this.accepting) return;
    for (let c = l.accept(); c; c = l.accept()) {
      if (typeof this.maxConnections === 'number' && this.sockets.size >= this.maxConnections) {
        const v6 = typeof c.local.address !== 'number';
        const family = v6 ? 'IPv6' : 'IPv4';
        c.close(this.host.now());
        this.host.kick();
        this.emit('drop', {
          localAddress: ipToString(c.local.address),
          localPort: c.local.port,
          localFamily: family,
          remoteAddress: ipToString(c.remote.address),
          remotePort: c.remote.port,
          remoteFamily: family,
        });
        continue;
      }
      const o = this.options;
      const s = new Socket(this.host, {
        connection: c,
        allowHalfOpen: o.allowHalfOpen,
        noDelay: o.noDelay,
        keepAlive: o.keepAlive,
        keepAliveInitialDelay: o.keepAliveInitialDelay,
        highWaterMark: o.highWaterMark,
        pauseOnCreate: o.pauseOnConnect,
      });
      if (o.keepAlive !== undefined) s.setKeepAlive(o.keepAlive, o.keepAliveInitialDelay ?? 0);
      s.server = this;
      this.sockets.add(s);
      s.once('close', () => {
        this.sockets.delete(s);
        this.emitCloseIfDrained();
      });
      this.emit('connection', s);
    }
  }
}

function normalizeListenArgs(args: unknown[]): ListenOptions & { callback?: () => void } {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as () => void) : undefined;
  const rest = callback ? args.slice(0, -1) : args;
  const a0 = rest[0];
  if (a0 !== null && typeof a0 === 'object') return { ...(a0 as ListenOptions), callback };
  const out: ListenOptions & { callback?: () => void } = { callback };
  if (a0 !== undefined) out.port = a0 as number | string;
  if (typeof rest[1] === 'string') {
    out.host = rest[1];
    if (typeof rest[2] === 'number') out.backlog = rest[2];
  } else if (typeof rest[1] === 'number') {
    out.backlog = rest[1];
  }
  return out;
}
