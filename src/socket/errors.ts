/**
 * Errors as Node's net module makes them: plain Error objects with `code`, a negative `errno` (libuv's
 * numbering, which on Linux is -errno), `syscall`, and `address`/`port` where Node gives them, with
 * the same message shapes ("connect ECONNREFUSED 198.18.0.2:80", "read ECONNRESET",
 * "listen EADDRINUSE: address already in use 0.0.0.0:80"). Code that handles node:net errors by
 * `err.code` handles these unchanged.
 */
import { constants } from 'node:os';

export type SocketErrorCode =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'EPIPE'
  | 'ECONNABORTED'
  | 'EHOSTUNREACH'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EINVAL'
  | 'EISCONN'
  | 'ENOBUFS'
  | 'ENOTFOUND';

export type Syscall = 'connect' | 'read' | 'write' | 'listen' | 'bind' | 'getaddrinfo' | 'shutdown';

export interface SocketError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** libuv's messages for the codes synack produces (uv_strerror). */
const MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'broken pipe',
  ECONNABORTED: 'software caused connection abort',
  EHOSTUNREACH: 'host is unreachable',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EINVAL: 'invalid argument',
  EISCONN: 'socket is already connected',
  ENOBUFS: 'no buffer space available',
};

/** Node's errno: libuv's negative code (-errno on Unix; getaddrinfo's ENOTFOUND is UV_EAI_NONAME). */
export function errnoOf(code: string): number | undefined {
  if (code === 'ENOTFOUND') return -3008;
  const n = (constants.errno as Record<string, number | undefined>)[code];
  return n === undefined ? undefined : -n;
}

export function uvMessage(code: string): string {
  return MESSAGES[code] ?? code;
}

/**
 * An error shaped like Node's `errnoException` / `exceptionWithHostPort`: "syscall CODE", plus
 * " address:port" when the peer is known, plus " - Local (addr:port)" when a local endpoint matters.
 */
export function socketError(
  code: SocketErrorCode,
  syscall: Syscall,
  where: { address?: string; port?: number; local?: { address: string; port: number } } = {},
): SocketError {
  let message = `${syscall} ${code}`;
  if (where.address !== undefined) message += where.port !== undefined && where.port > 0 ? ` ${where.address}:${where.port}` : ` ${where.address}`;
  if (where.local) message += ` - Local (${where.local.address}:${where.local.port})`;
  const err = new Error(message) as SocketError;
  err.errno = errnoOf(code);
  err.code = code;
  err.syscall = syscall;
  if (where.address !== undefined) err.address = where.address;
  if (where.port !== undefined && where.port > 0) err.port = where.port;
  return err;
}

/** "listen EADDRINUSE: address already in use 0.0.0.0:80", as Node's uvExceptionWithHostPort says it. */
export function listenError(code: SocketErrorCode, address: string, port: number): SocketError {
  const err = new Error(`listen ${code}: ${uvMessage(code)} ${address}:${port}`) as SocketError;
  err.errno = errnoOf(code);
  err.code = code;
  err.syscall = 'listen';
  err.address = address;
  err.port = port;
  return err;
}

/** A failed name lookup ("getaddrinfo ENOTFOUND example.test"): synack resolves no names by itself. */
export function notFoundError(hostname: string): SocketError {
  const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as SocketError;
  err.errno = errnoOf('ENOTFOUND');
  err.code = 'ENOTFOUND';
  err.syscall = 'getaddrinfo';
  err.hostname = hostname;
  return err;
}

/** Errors Node raises without a syscall (ERR_SOCKET_CLOSED, ERR_SERVER_NOT_RUNNING, ...). */
export function nodeError(code: string, message: string): SocketError {
  const err = new Error(message) as SocketError;
  err.code = code;
  return err;
}
