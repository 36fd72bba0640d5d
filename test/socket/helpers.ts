/** Shared set-up for the socket tests: two simulated hosts on one link, and small stream helpers. */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { createConnection, type Socket } from '../../src/socket/index.js';
import { SimNetwork, type LinkProfile, type SimHostOptions } from '../../src/link/sim.js';
import type { Host } from '../../src/link/host.js';

export const CLIENT_IP = '198.18.0.1';
export const SERVER_IP = '198.18.0.2';

export interface Pair {
  net: SimNetwork;
  client: Host;
  server: Host;
  link: ReturnType<SimNetwork['link']>;
}

export function pair(seed = 1, link: Partial<LinkProfile> = {}, opts: { client?: Partial<SimHostOptions>; server?: Partial<SimHostOptions> } = {}): Pair {
  const net = new SimNetwork(seed);
  const client = net.addHost('client', { addresses: [CLIENT_IP], ...opts.client });
  const server = net.addHost('server', { addresses: [SERVER_IP], ...opts.server });
  const l = net.link(client, server, link);
  return { net, client, server, link: l };
}

export function sha256(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Run the network (virtual time) until `s` emits 'connect'. */
export async function untilConnected(net: SimNetwork, s: Socket): Promise<void> {
  let connected = false;
  s.on('connect', () => (connected = true));
  await net.runAsync(() => connected);
}

/** The sha256 and the length of everything `r` emits, handed to `done` at 'end'. */
export function hashAtEnd(r: Readable, done: (sha256: string, length: number) => void): void {
  const h = createHash('sha256');
  let n = 0;
  r.on('data', (d: Buffer) => {
    h.update(d);
    n += d.length;
  });
  r.on('end', () => done(h.digest('hex'), n));
}

/** Collect everything a readable emits; `done` is set at 'end'. */
export function collect(r: Readable): { chunks: Buffer[]; done: boolean; bytes(): Buffer } {
  const out = {
    chunks: [] as Buffer[],
    done: false,
    bytes: () => Buffer.concat(out.chunks),
  };
  r.on('data', (d: Buffer) => out.chunks.push(d));
  r.on('end', () => (out.done = true));
  return out;
}

/** An http.Agent whose connections are synack sockets on `host` (Node's documented extension point). */
export class SynackAgent extends http.Agent {
  constructor(
    private readonly host: Host,
    opts: http.AgentOptions = {},
  ) {
    super(opts);
  }

  override createConnection(options: { port?: number | string; host?: string }): Duplex {
    return createConnection(this.host, { port: Number(options.port), host: options.host });
  }
}
