/**
 * node:dgram over a synack host: `createSocket(host, 'udp4' | 'udp6' | options, [onMessage])` gives a
 * socket with Node's surface (bind, send, connect, disconnect, close, address, remoteAddress,
 * setBroadcast, ref, unref) and events ('listening', 'connect', 'message' with its rinfo, 'error',
 * 'close'), so code written for node:dgram runs on synack's UDP (net/udp.ts) unchanged.
 *
 * As in Node: `send` on an unbound socket binds it to an ephemeral port first; 'listening' and
 * 'connect' come on a later tick; a send error goes to the callback when there is one, else to
 * 'error'; a connected socket learns of an ICMP port unreachable as an 'error' ECONNREFUSED
 * (syscall recvmsg), an unconnected one does not. Names (not IP literals) are resolved with the
 * `lookup` option (dns.lookup's signature, e.g. synack's stub resolver), else fail with ENOTFOUND.
 */
import { EventEmitter } from 'node:events';
import { Buffer } from 'node:buffer';
import type { Host } from '../link/host.js';
import { UdpError, type Udp, type UdpEndpoint, type UdpEvent } from '../net/udp.js';
import { ipToString, parseIp, type IpAddress } from '../wire/address.js';
import { kUdpEvent, socketHost, type UdpEventSink } from './dispatcher.js';
import { errnoOf, nodeError, notFoundError, type SocketError } from './errors.js';
import { LoopHold } from './loop-hold.js';
import type { LookupFunction } from './socket.js';

export type DgramType = 'udp4' | 'udp6';

export interface DgramOptions {
  type: DgramType;
  reuseAddr?: boolean;
  /** Resolves names given to send/connect (dns.lookup's signature). */
  lookup?: LookupFunction;
}

export interface RemoteInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
  size: number;
}

export interface DgramAddressInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

type SendCallback = (error: Error | null, bytes: number) => void;
type Message = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

function udpErrorToNode(e: unknown, syscall: string, address?: string, port?: number): Error {
  if (!(e instanceof UdpError)) return e as Error;
  if (e.code.startsWith('ERR_')) return nodeError(e.code, 'Not running');
  const where = address === undefined ? '' : port === undefined ? ` ${address}` : ` ${address}:${port}`;
  const err = new Error(`${syscall} ${e.code}${where}`) as SocketError;
  err.code = e.code;
  err.errno = errnoOf(e.code);
  err.syscall = syscall;
  if (address !== undefined) err.address = address;
  if (port !== undefined) err.port = port;
  return err;
}

export class DgramSocket extends EventEmitter implements UdpEventSink {
  readonly type: DgramType;
  private readonly udp: Udp;
  private endpoint: UdpEndpoint | undefined;
  private readonly reuseAddr: boolean;
  private readonly lookup: LookupFunction | undefined;
  private broadcast = false;
  private connecting = false;
  private closed = false;
  private readonly hold = new LoopHold();

  constructor(
    readonly host: Host,
    options: DgramType | DgramOptions,
  ) {
    super();
    const o = typeof options === 'string' ? { type: options } : options;
    if (o === null || typeof o !== 'object' || (o.type !== 'udp4' && o.type !== 'udp6')) {
      throw nodeError('ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6');
    }
    this.type = o.type;
    this.reuseAddr = o.reuseAddr ?? false;
    this.lookup = o.lookup;
    this.udp = host.enableUdp();
    socketHost(host);
  }

  private get family(): 4 | 6 {
    return this.type === 'udp4' ? 4 : 6;
  }

  /** bind([port][, address][, callback]) or bind({ port, address }[, callback]). */
  bind(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    let port: number | undefined;
    let address: string | undefined;
    if (args[0] !== null && typeof args[0] === 'object') ({ port, address } = args[0] as { port?: number; address?: string });
    else [port, address] = args as [number | undefined, string | undefined];
    if (this.closed) throw nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    if (this.endpoint) throw nodeError('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
    if (cb) this.once('listening', cb);
    const shown = address ?? (this.family === 4 ? '0.0.0.0' : '::');
    try {
      this.bindNow(port ?? 0, address);
    } catch (e) {
      const err = udpErrorToNode(e, 'bind', shown, port);
      process.nextTick(() => this.emit('error', err));
      return this;
    }
    process.nextTick(() => this.emit('listening'));
    return this;
  }

  private bindNow(port: number, address?: string): UdpEndpoint {
    const ep = this.udp.bind({ family: this.family, address, port, reuseAddr: this.reuseAddr });
    ep.user = this;
    ep.broadcast = this.broadcast;
    this.endpoint = ep;
    this.hold.hold(this.host.driver);
    return ep;
  }

  /** send or connect on an unbound socket: an ephemeral port on the wildcard, and 'listening' as in Node. */
  private implicitBind(): UdpEndpoint {
    const ep = this.bindNow(0);
    process.nextTick(() => this.emit('listening'));
    return ep;
  }

  /** connect(port[, address][, callback]): only this peer's datagrams, and send without a destination. */
  connect(port: number, address?: string | (() => void), cb?: () => void): void {
    if (typeof address === 'function') {
      cb = address;
      address = undefined;
    }
    if (this.endpoint?.remote || this.connecting) throw nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw nodeError('ERR_SOCKET_BAD_PORT', `Port should be > 0 and < 65536. Received ${String(port)}.`);
    if (cb) this.once('connect', cb);
    this.connecting = true;
    this.resolve(address, (err, addr) => {
      this.connecting = false;
      if (err) return this.emit('error', err);
      try {
        const ep = this.endpoint ?? this.implicitBind();
        this.udp.connect(ep, { address: addr!, port });
      } catch (e) {
        return this.emit('error', udpErrorToNode(e, 'connect', address as string | undefined, port));
      }
      this.emit('connect');
    });
  }

  disconnect(): void {
    if (!this.endpoint?.remote) throw nodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
    this.udp.disconnect(this.endpoint);
  }

  /** send(msg[, offset, length][, port][, address][, callback]); a connected socket leaves out port and address. */
  send(msg: Message, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown): void {
    // Node's own reading of the optional arguments (lib/dgram.js).
    let data = toBytes(msg);
    let port: unknown;
    let address: unknown;
    let callback: unknown;
    const connected = this.endpoint?.remote !== undefined;
    if (!connected) {
      if (a4 || (a3 && typeof a3 !== 'function')) {
        data = slice(data, a1, a2);
        [port, address, callback] = [a3, a4, a5];
      } else [port, address, callback] = [a1, a2, a3];
    } else {
      if (typeof a2 === 'number') {
        data = slice(data, a1, a2);
        if (typeof a3 === 'function') [callback, port] = [a3, undefined];
        else [port, address, callback] = [a3, a4, a5];
      } else callback = a1;
      if (port || address) throw nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
    }
    if (typeof address === 'function') [callback, address] = [address, undefined];
    const cb = typeof callback === 'function' ? (callback as SendCallback) : undefined;
    const fail = (err: Error) => {
      if (cb) process.nextTick(cb, err, 0);
      else process.nextTick(() => this.emit('error', err));
    };
    if (this.closed) return fail(nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running'));
    if (!connected && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
      throw nodeError('ERR_SOCKET_BAD_PORT', `Port should be > 0 and < 65536. Received ${String(port)}.`);
    }
    const copy = data.slice();
    const go = (to: IpAddress | undefined) => {
      try {
        const ep = this.endpoint ?? this.implicitBind();
        this.udp.send(ep, copy, to === undefined ? undefined : { address: to, port: port as number });
        this.host.kick();
      } catch (e) {
        return fail(udpErrorToNode(e, 'send', address as string | undefined, port as number | undefined));
      }
      if (cb) process.nextTick(cb, null, copy.length);
    };
    if (connected) return go(undefined);
    this.resolve(address as string | undefined, (err, addr) => (err ? fail(err) : go(addr)));
  }

  close(cb?: () => void): this {
    if (this.closed) throw nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    this.closed = true;
    if (cb) this.once('close', cb);
    if (this.endpoint) this.udp.close(this.endpoint);
    this.hold.drop();
    process.nextTick(() => this.emit('close'));
    return this;
  }

  address(): DgramAddressInfo {
    const ep = this.endpoint;
    if (!ep || this.closed) throw nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    return { address: ep.address === undefined ? (this.family === 4 ? '0.0.0.0' : '::') : ipToString(ep.address), family: this.family === 4 ? 'IPv4' : 'IPv6', port: ep.port };
  }

  remoteAddress(): DgramAddressInfo {
    const r = this.endpoint?.remote;
    if (!r) throw nodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
    return { address: ipToString(r.address), family: this.family === 4 ? 'IPv4' : 'IPv6', port: r.port };
  }

  setBroadcast(flag: boolean): void {
    this.broadcast = !!flag;
    if (this.endpoint) this.endpoint.broadcast = this.broadcast;
  }

  ref(): this {
    this.hold.ref();
    if (this.endpoint && !this.closed) this.hold.hold(this.host.driver);
    return this;
  }

  unref(): this {
    this.hold.unref();
    return this;
  }

  [kUdpEvent](e: UdpEvent): void {
    if (this.closed) return;
    const family = this.family === 4 ? 'IPv4' : 'IPv6';
    if (e.type === 'message') {
      const msg = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
      this.emit('message', msg, { address: ipToString(e.from.address), family, port: e.from.port, size: msg.length } satisfies RemoteInfo);
    } else {
      const err = new Error(`recvmsg ${e.code}`) as SocketError;
      err.code = e.code;
      err.errno = errnoOf(e.code);
      err.syscall = 'recvmsg';
      this.emit('error', err);
    }
  }

  /** An IP literal at once; a name through `lookup`; no address: the host's own (Node's localhost). */
  private resolve(address: string | undefined, done: (err: Error | null, addr?: IpAddress) => void): void {
    if (address === undefined || address === '') {
      const own = this.host.stack.addressOf(this.family);
      return process.nextTick(() => (own === undefined ? done(nodeError('EADDRNOTAVAIL', 'no address of the family')) : done(null, own)));
    }
    const literal = parseIp(address);
    if (literal !== undefined) {
      if ((typeof literal === 'number') !== (this.family === 4)) return process.nextTick(() => done(udpErrorToNode(new UdpError('EINVAL', ''), 'send', address)));
      return done(null, literal);
    }
    if (!this.lookup) return process.nextTick(() => done(notFoundError(address)));
    this.lookup(address, { family: this.family }, (err, addr) => {
      if (err) return done(err);
      const a = parseIp(String(addr));
      if (a === undefined) return done(notFoundError(address));
      done(null, a);
    });
  }
}

function slice(data: Uint8Array, offset: unknown, length: unknown): Uint8Array {
  const o = Number(offset ?? 0);
  return data.subarray(o, length === undefined ? undefined : o + Number(length));
}

function toBytes(msg: Message): Uint8Array {
  if (typeof msg === 'string') return new TextEncoder().encode(msg);
  if (msg instanceof Uint8Array) return msg;
  if (Array.isArray(msg)) {
    const parts = msg.map((m: string | Uint8Array) => (typeof m === 'string' ? new TextEncoder().encode(m) : m));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  throw nodeError('ERR_INVALID_ARG_TYPE', 'The "msg" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
}

/** A dgram socket on `host`, as dgram.createSocket. */
export function createSocket(host: Host, type: DgramType | DgramOptions, onMessage?: (msg: Buffer, rinfo: RemoteInfo) => void): DgramSocket {
  const s = new DgramSocket(host, type);
  if (onMessage) s.on('message', onMessage);
  return s;
}
