/** Helpers for the proxy's tests: loopback servers, and waiting on events with a bound (never a sleep). */
import * as net from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic bytes (a xorshift stream), so a failure's data can be made again. */
export function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A loopback server; resolves with it and its port. */
export async function loopbackServer(onConnection: (s: net.Socket) => void, opts: net.ServerOpts = { allowHalfOpen: true }): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer(opts, onConnection);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Reject if `p` does not settle within `ms` of wall time (a bound on a test's wait, not a sleep). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Everything a socket reads until 'end', and how it ended. */
export function collect(s: net.Socket | NodeJS.ReadableStream): Promise<{ data: Buffer; ended: boolean; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (ended: boolean, error?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      resolve({ data: Buffer.concat(chunks), ended, error });
    };
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => done(true));
    s.on('error', (e: NodeJS.ErrnoException) => done(false, e));
    s.on('close', () => done(false));
  });
}

/** Connect to a loopback port with allowHalfOpen; resolves once connected. */
export async function connectTo(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(s, 'connect');
  return s;
}
