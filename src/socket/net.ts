/**
 * node:net's factory functions, bound to a synack Host: `createServer(host, ...)`,
 * `connect(host, ...)` / `createConnection(host, ...)`, and `synackNet(host)`, an object shaped like
 * the node:net module (connect, createConnection, createServer, Socket, Server, isIP...) so code
 * written against node:net can be handed a synack host instead, e.g. as http.request's
 * `createConnection` or inside an http.Agent subclass.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { Host } from '../link/host.js';
import { Server, type ServerOptions } from './server.js';
import { Socket, type SocketConnectOptions, type SocketOptions } from './socket.js';

/** A new Server on `host`, as net.createServer. */
export function createServer(host: Host, options?: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
export function createServer(host: Host, connectionListener?: (socket: Socket) => void): Server;
export function createServer(host: Host, a?: ServerOptions | ((socket: Socket) => void), b?: (socket: Socket) => void): Server {
  return typeof a === 'function' ? new Server(host, a) : new Server(host, a, b);
}

export type ConnectOptions = SocketConnectOptions & Omit<SocketOptions, 'connection'>;

/** A new Socket on `host`, connecting, as net.createConnection: (options | port, [address]), [connectListener]. */
export function createConnection(host: Host, options: ConnectOptions, connectListener?: () => void): Socket;
export function createConnection(host: Host, port: number | string, address?: string, connectListener?: () => void): Socket;
export function createConnection(host: Host, port: number | string, connectListener?: () => void): Socket;
export function createConnection(host: Host, ...args: unknown[]): Socket {
  const last = args[args.length - 1];
  const listener = typeof last === 'function' ? (last as () => void) : undefined;
  const a0 = args[0];
  let options: ConnectOptions;
  if (a0 !== null && typeof a0 === 'object') options = a0 as ConnectOptions;
  else options = { port: a0 as number | string, host: typeof args[1] === 'string' ? args[1] : undefined };
  const socket = new Socket(host, {
    allowHalfOpen: options.allowHalfOpen,
    highWaterMark: options.highWaterMark,
    readableHighWaterMark: options.readableHighWaterMark,
    writableHighWaterMark: options.writableHighWaterMark,
  });
  return socket.connect(options, listener);
}

export const connect = createConnection;

/** The parts of node:net that a synack host can stand in for. */
export interface SynackNet {
  readonly host: Host;
  Socket: new (options?: SocketOptions) => Socket;
  Server: new (options?: ServerOptions, connectionListener?: (socket: Socket) => void) => Server;
  createServer(options?: ServerOptions | ((socket: Socket) => void), connectionListener?: (socket: Socket) => void): Server;
  createConnection(options: ConnectOptions | number | string, ...rest: unknown[]): Socket;
  connect(options: ConnectOptions | number | string, ...rest: unknown[]): Socket;
  isIP: typeof isIP;
  isIPv4: typeof isIPv4;
  isIPv6: typeof isIPv6;
}

/** A node:net look-alike whose sockets and servers live on `host`. */
export function synackNet(host: Host): SynackNet {
  class BoundSocket extends Socket {
    constructor(options?: SocketOptions) {
      super(host, options);
    }
  }
  class BoundServer extends Server {
    constructor(options?: ServerOptions, connectionListener?: (socket: Socket) => void) {
      super(host, options, connectionListener);
    }
  }
  const cc = (options: ConnectOptions | number | string, ...rest: unknown[]): Socket =>
    (createConnection as (h: Host, ...a: unknown[]) => Socket)(host, options, ...rest);
  return {
    host,
    Socket: BoundSocket,
    Server: BoundServer,
    createServer: (a, b) => (typeof a === 'function' ? new Server(host, a) : new Server(host, a, b)),
    createConnection: cc,
    connect: cc,
    isIP,
    isIPv4,
    isIPv6,
  };
}
