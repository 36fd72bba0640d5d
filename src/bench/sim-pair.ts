/**
 * Lean drivers for the throughput, goodput, connection-rate and memory benchmarks: two simulated
 * hosts on one link, a bulk sender that sends the same preallocated buffer over and over (TCP's send buffer keeps it by reference, so nothing is
 * copied or generated per byte), a receiver that reads and discards while checking the byte count
 * and a few sampled bytes of every read, and request/response cycles for the connection rate. No
 * hashing: these measure the stack, not sha256 (the integrity matrix in test/link checks data).
 */
import { SimNetwork, type LinkProfile, type SimLink } from '../link/sim.js';
import type { Host } from '../link/host.js';
import type { Connection } from '../stack/connection.js';
import type { StackEvent } from '../stack/stack.js';
import type { TcpConfig } from '../tcp/config.js';
import { SeededRandom } from '../tcp/random.js';

/**
 * The loopback-like rows' receive batch (SimNetwork.receiveBatch): a host takes up to 64 packets that
 * arrived at the same instant before it acts, as a Linux driver's NAPI poll (weight 64) hands the
 * stack a batch and synack's own TUN driver a read batch; the receiver acknowledges each batch once.
 */
export const LOOPBACK_RECEIVE_BATCH = 64;

export const CLIENT_ADDRESS = '198.18.0.1';
export const SERVER_ADDRESS = '198.18.0.2';
const PORT = 5001;

export interface PairOptions {
  seed: number;
  link: Partial<LinkProfile>;
  tcp: Partial<TcpConfig>;
  /** Checksums offloaded on both hosts (SimHostOptions.checksumOffload), as on the kernel's loopback. */
  checksumOffload?: boolean;
  /** Ephemeral port range of the client (more ports for many connections). */
  ephemeralMin?: number;
  /** Extra client addresses (for more than 64k connections to one server port). */
  clientAddresses?: string[];
  /** SimNetwork.receiveBatch: packets arriving at one instant that a host takes before it acts (default 1). */
  receiveBatch?: number;
}

export interface Pair {
  net: SimNetwork;
  client: Host;
  server: Host;
  link: SimLink;
}

export function makePair(o: PairOptions): Pair {
  const net = new SimNetwork(o.seed);
  if (o.receiveBatch !== undefined) net.receiveBatch = o.receiveBatch;
  const offload = o.checksumOffload ?? false;
  const client = net.addHost('client', {
    addresses: o.clientAddresses ?? [CLIENT_ADDRESS],
    tcp: o.tcp,
    checksumOffload: offload,
    limits: o.ephemeralMin !== undefined ? { ephemeralMin: o.ephemeralMin } : undefined,
  });
  const server = net.addHost('server', { addresses: [SERVER_ADDRESS], tcp: o.tcp, checksumOffload: offload });
  const link = net.link(client, server, o.link);
  return { net, client, server, link };
}

/** A buffer of seeded bytes whose period (its length) is not a multiple of any segment size used. */
export function patternBuffer(length: number, seed = 7): Uint8Array {
  return new SeededRandom(seed, 3).bytes(length);
}

export interface BulkResult {
  /** Virtual ms from connect to the last byte read. */
  virtualMs: number;
  bytes: number;
  /** Sampled bytes that differed from what was sent (0 when intact). */
  mismatches: number;
  retransmits: number;
  /** Data bytes per full segment of the sending connection (its send MSS, options taken off). */
  mss: number;
}

/**
 * Send `bytes` from client to server over a fresh connection and run the simulator until the server
 * has read them all (bounded by `maxMs` of virtual time). The sender offers `pattern` again and again;
 * the receiver checks the first, middle and last byte of every read against the pattern.
 */
export function bulkTransfer(p: Pair, bytes: number, pattern: Uint8Array, maxMs = 600_000): BulkResult {
  const { net, client, server } = p;
  const period = pattern.length;
  const listener = server.stack.listen(PORT);
  let sent = 0;
  let received = 0;
  let mismatches = 0;
  let conn: Connection | undefined;
  let peer: Connection | undefined;
  const start = net.currentTime();
  let doneAt = start;

  const pump = (now: number): void => {
    const c = conn!;
    while (sent < bytes) {
      const off = sent % period;
      const n = c.send(pattern.subarray(off, Math.min(period, off + bytes - sent)), now);
      sent += n;
      if (n === 0) return;
    }
  };
  const check = (d: Uint8Array, at: number): void => {
    const last = d.length - 1;
    const mid = last >>> 1;
    if (d[0] !== pattern[at % period]) mismatches++;
    if (d[mid] !== pattern[(at + mid) % period]) mismatches++;
    if (d[last] !== pattern[(at + last) % period]) mismatches++;
  };
  const drain = (now: number): void => {
    const c = peer!;
    for (let d = c.read(undefined, now); d; d = c.read(undefined, now)) {
      check(d, received);
      received += d.length;
    }
    if (received >= bytes) doneAt = net.currentTime();
  };
  server.onEvent((e: StackEvent) => {
    const now = net.currentTime();
    if (e.type === 'connection') {
      peer = e.listener.accept();
      if (peer) drain(now);
    } else if (e.connection === peer && (e.event.type === 'readable' || e.event.type === 'end')) drain(now);
  });
  client.onEvent((e: StackEvent) => {
    if (e.type !== 'event' || e.connection !== conn) return;
    const t = e.event.type;
    if (t === 'connected' || t === 'writable') pump(net.currentTime());
  });
  const before = client.stack.counters.tcp.RetransSegs;
  conn = client.stack.connect({ address: SERVER_ADDRESS, port: PORT }, start);
  client.kick();
  net.runUntil(() => received >= bytes, maxMs);
  const mss = conn.tcb.sendMss;
  server.stack.closeListener(listener, net.currentTime());
  conn.abort(net.currentTime());
  peer?.abort(net.currentTime());
  client.kick();
  server.kick();
  return { virtualMs: doneAt - start, bytes: received, mismatches, retransmits: client.stack.counters.tcp.RetransSegs - before, mss };
}

/**
 * Request/response cycles with `inFlight` at a time: connect, a 1-byte request, a 1-byte response,
 * the server closes after responding (as HTTP/1.0 does, so TIME-WAIT stays at the server), the client
 * closes on the end of stream. A cycle counts when the client's connection is CLOSED. Returns the
 * cycles completed (exactly `cycles` unless the virtual-time bound hits).
 */
export function connectionCycles(p: Pair, cycles: number, inFlight: number, maxMs = 3_600_000): number {
  const run = startCycles(p, cycles, inFlight);
  run.runTo(cycles, maxMs);
  return run.finish();
}

/**
 * connectionCycles, returning to the event loop every `chunk` cycles, as a server's event loop turns
 * between its I/O callbacks.
 */
export async function connectionCyclesYielding(p: Pair, cycles: number, inFlight: number, chunk = 64, maxMs = 3_600_000): Promise<number> {
  const run = startCycles(p, cycles, inFlight);
  const until = p.net.currentTime() + maxMs;
  for (let target = Math.min(chunk, cycles); ; target = Math.min(target + chunk, cycles)) {
    run.runTo(target, until - p.net.currentTime());
    if (target >= cycles) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return run.finish();
}

interface CycleRun {
  /** Run the simulator until `target` cycles have completed (bounded by `maxMs` of virtual time). */
  runTo(target: number, maxMs: number): void;
  /** Close the listener; returns the cycles completed (throws if a request or response was wrong). */
  finish(): number;
}

function startCycles(p: Pair, cycles: number, inFlight: number): CycleRun {
  const { net, client, server } = p;
  const listener = server.stack.listen(PORT, { backlog: 4096 });
  const request = new Uint8Array([0x51]);
  const response = new Uint8Array([0x52]);
  let started = 0;
  let completed = 0;
  let bad = 0;

  const open = (now: number): void => {
    started++;
    client.stack.connect({ address: SERVER_ADDRESS, port: PORT }, now);
  };
  server.onEvent((e: StackEvent) => {
    const now = net.currentTime();
    if (e.type === 'connection') {
      for (let c = e.listener.accept(); c; c = e.listener.accept()) serverRead(c, now);
      return;
    }
    if (e.event.type === 'readable') serverRead(e.connection, now);
  });
  const serverRead = (c: Connection, now: number): void => {
    const d = c.read(undefined, now);
    if (!d) return;
    if (d.length !== 1 || d[0] !== request[0]) bad++;
    c.send(response, now);
    c.close(now);
  };
  client.onEvent((e: StackEvent) => {
    if (e.type !== 'event') return;
    const now = net.currentTime();
    const c = e.connection;
    switch (e.event.type) {
      case 'connected':
        c.send(request, now);
        break;
      case 'readable': {
        const d = c.read(undefined, now);
        if (d && (d.length !== 1 || d[0] !== response[0])) bad++;
        break;
      }
      case 'end':
        c.close(now);
        break;
      case 'closed':
        completed++;
        if (started < cycles) open(now);
        break;
      default:
        break;
    }
  });
  const now = net.currentTime();
  for (let k = 0; k < inFlight && started < cycles; k++) open(now);
  client.kick();
  return {
    runTo(target: number, maxMs: number): void {
      net.runUntil(() => completed >= target, maxMs);
    },
    finish(): number {
      server.stack.closeListener(listener, net.currentTime());
      if (bad > 0) throw new Error(`connection cycles: ${bad} requests or responses arrived wrong`);
      return completed;
    },
  };
}
