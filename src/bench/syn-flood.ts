/**
 * The SYN-flood scenario (RFC 4987): an attacker sends spoofed SYNs from random addresses at a set
 * rate of virtual time while legitimate clients keep connecting to the same listener, once for each
 * SYN-cookie mode. `synack bench flood` and `npm run bench` run it.
 *
 * The server and the legitimate client are simulated hosts joined by a link (1 ms each way). The
 * attacker is no host: its SYNs (198.19.x.y, RFC 2544's benchmarking range, random ports, ISNs and
 * timestamps) come from workloads/flood.ts's spoofedSyn in batches of one millisecond of virtual time and
 * handed straight to the server stack's handlePacket, which is what lets a run reach millions of SYNs
 * in wall time. The server's answers to them (SYN-ACKs) have no route and are dropped, as they would
 * be on the Internet. A legitimate client connects, sends 1 byte, reads the server's 1-byte answer and
 * closes; it gives up when the handshake has not completed after CONNECT_DEADLINE_MS, as an
 * application's connect timeout would.
 */
import { decodeTcpPacket } from '../wire/index.js';
import { SeededRandom } from '../tcp/random.js';
import type { SynCookieMode } from '../stack/stack.js';
import type { Connection } from '../stack/connection.js';
import { SimNetwork } from '../link/sim.js';
import { spoofedSyn } from '../workloads/flood.js';
import { forcedGc, type BenchCase, type BenchSuite, type Row, type Target } from './harness.js';

export const FLOOD_MODES: readonly SynCookieMode[] = ['off', 'on-overflow', 'always'];
export const FLOOD_CLIENT_ADDRESS = '198.18.0.1';
export const FLOOD_SERVER_ADDRESS = '198.18.0.2';
export const FLOOD_PORT = 80;
/** A legitimate client's connect deadline (virtual ms): Linux's initial RTO allows one SYN retransmission. */
export const CONNECT_DEADLINE_MS = 3000;
/** The server's SYN queue (DEFAULT_STACK_LIMITS.synQueueSize, Linux's tcp_max_syn_backlog order). */
export const FLOOD_SYN_QUEUE = 1024;

/** What on-overflow must achieve under the flood: every legitimate connection, bounded heap growth, a SYN rate. */
export const FLOOD_TARGETS = { legitSuccessPct: 100, heapGrowthBytes: 16 * 1024 * 1024, synPerSecond: 500_000 } as const;

export interface FloodSpec {
  mode: SynCookieMode;
  /** Spoofed SYNs in all. */
  spoofed: number;
  /** Spoofed SYNs per second of virtual time. */
  rate: number;
  /** Legitimate connections, started evenly over the flood. */
  clients: number;
  seed: number;
}

export interface FloodReport {
  mode: SynCookieMode;
  spoofedSyns: number;
  rate: number;
  /** How long the flood lasted (virtual ms). */
  floodMs: number;
  legitAttempted: number;
  legitSucceeded: number;
  legitSuccessPct: number;
  /** Connect latency of the connections that completed their handshake (virtual ms); null when none did. */
  connectP50Ms: number | null;
  connectP99Ms: number | null;
  /** Spoofed SYNs through handlePacket, and their SYN-ACKs out of pollTransmit, per wall-clock second. */
  synPerSecond: number;
  /** heapUsed at the flood's end minus before it, both after a forced GC; null without a GC to force. */
  heapGrowthBytes: number | null;
  synQueueMax: number;
  /** The SYN queue when the flood ended. */
  synQueueFinal: number;
  synQueueLimit: number;
  syncookiesSent: number;
  syncookiesRecv: number;
  syncookiesFailed: number;
  listenDrops: number;
  seed: number;
}

function heapAfterGc(gc: (() => void) | undefined): number {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

const SERVER_ADDR = ((198 << 24) | (18 << 16) | 2) >>> 0;

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Virtual times are sums of float delays: to the microsecond. */
function round3(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}

interface Attempt {
  startedAt: number;
  connectedAt: number | undefined;
  done: boolean;
  ok: boolean;
}

/** Run one cookie mode's flood to its end (every legitimate attempt finished). */
export function runFlood(spec: FloodSpec): FloodReport {
  const gc = forcedGc();
  const heapBefore = heapAfterGc(gc);
  const net = new SimNetwork(spec.seed);
  const client = net.addHost('client', { addresses: [FLOOD_CLIENT_ADDRESS], tcp: { connectTimeoutMs: CONNECT_DEADLINE_MS } });
  const server = net.addHost('server', { addresses: [FLOOD_SERVER_ADDRESS], synCookies: spec.mode, limits: { synQueueSize: FLOOD_SYN_QUEUE } });
  net.link(client, server, { delayMs: 1 });
  const listener = server.stack.listen(FLOOD_PORT);
  const one = new Uint8Array([0x2a]);

  // The server: accept everything, answer each byte with one byte, close when the client has.
  server.onEvent((e) => {
    const now = net.now;
    if (e.type === 'connection') {
      for (let c = listener.accept(); c; c = listener.accept()) c.user = 'accepted';
      return;
    }
    const c = e.connection;
    if (e.event.type === 'readable') {
      for (let d = c.read(undefined, now); d; d = c.read(undefined, now)) c.send(one, now);
    } else if (e.event.type === 'end') c.close(now);
    server.kick();
  });

  const attempts = new Map<Connection, Attempt>();
  let finished = 0;
  const finish = (a: Attempt, ok: boolean) => {
    if (a.done) return;
    a.done = true;
    a.ok = ok;
    finished++;
  };
  client.onEvent((e) => {
    if (e.type !== 'event') return;
    const now = net.now;
    const c = e.connection;
    const a = attempts.get(c);
    if (!a) return;
    switch (e.event.type) {
      case 'connected':
        a.connectedAt = now;
        c.send(one, now);
        break;
      case 'readable':
        for (let d = c.read(undefined, now); d; d = c.read(undefined, now)) if (d.length > 0) {
          finish(a, true);
          c.close(now);
        }
        break;
      case 'error':
      case 'closed':
        finish(a, false);
        break;
    }
    client.kick();
  });

  const floodMs = spec.spoofed > 0 ? Math.ceil((spec.spoofed / spec.rate) * 1000) : 1000;
  for (let i = 0; i < spec.clients; i++) {
    net.at((i * floodMs) / spec.clients, () => {
      const c = client.stack.connect({ address: FLOOD_SERVER_ADDRESS, port: FLOOD_PORT }, net.now);
      attempts.set(c, { startedAt: net.now, connectedAt: undefined, done: false, ok: false });
      client.kick();
    });
  }

  // The attacker: one batch per virtual millisecond, crafted untimed, then timed through the server.
  const attacker = new SeededRandom(spec.seed, 0x5f100d);
  const stack = server.stack;
  let sent = 0;
  let wallNs = 0n;
  let synQueueMax = 0;
  let owed = 0;
  const perMs = spec.rate / 1000;
  const batch = (): void => {
    owed += perMs;
    const n = Math.min(Math.floor(owed), spec.spoofed - sent);
    owed -= n;
    const packets: Uint8Array[] = new Array(n);
    for (let k = 0; k < n; k++) packets[k] = spoofedSyn(attacker, SERVER_ADDR, FLOOD_PORT);
    const now = net.now;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) stack.handlePacket(packets[k], now);
    // The SYN-ACKs (and anything else due): routed as the simulator's own service would.
    for (let p = stack.pollTransmit(now); p; p = stack.pollTransmit(now)) {
      const l = net.route(server, p);
      if (l) l.send(server, p);
      else net.noRoute++;
    }
    wallNs += process.hrtime.bigint() - t0;
    sent += n;
    if (listener.synQueue.size > synQueueMax) synQueueMax = listener.synQueue.size;
    server.kick(); // re-arm the server's timers
    if (sent < spec.spoofed) net.at(now + 1, batch);
  };
  if (spec.spoofed > 0) net.at(0, batch);

  net.runUntil(() => sent >= spec.spoofed, floodMs + 60_000);
  const synQueueFinal = listener.synQueue.size;
  const heapAfter = heapAfterGc(gc);
  net.runUntil(() => finished >= spec.clients, 10 * CONNECT_DEADLINE_MS + floodMs);

  const all = [...attempts.values()];
  const latencies = all.filter((a) => a.connectedAt !== undefined).map((a) => a.connectedAt! - a.startedAt).sort((x, y) => x - y);
  const succeeded = all.filter((a) => a.ok).length;
  const t = stack.counters.tcp;
  return {
    mode: spec.mode,
    spoofedSyns: sent,
    rate: spec.rate,
    floodMs,
    legitAttempted: all.length,
    legitSucceeded: succeeded,
    legitSuccessPct: all.length ? (100 * succeeded) / all.length : 100,
    connectP50Ms: round3(percentile(latencies, 50)),
    connectP99Ms: round3(percentile(latencies, 99)),
    synPerSecond: wallNs > 0n ? sent / (Number(wallNs) / 1e9) : 0,
    heapGrowthBytes: gc ? heapAfter - heapBefore : null,
    synQueueMax,
    synQueueFinal,
    synQueueLimit: FLOOD_SYN_QUEUE,
    syncookiesSent: t.SyncookiesSent,
    syncookiesRecv: t.SyncookiesRecv,
    syncookiesFailed: t.SyncookiesFailed,
    listenDrops: t.ListenDrops,
    seed: spec.seed,
  };
}

/**
 * The same-run reference for SYNs/s: a plain decodeTcpPacket of spoofed SYNs crafted as the flood's,
 * the least a stack must do with one (wire.ts's decode benchmark, for a SYN). Decodes per second.
 */
export function decodeSynReference(seed: number, count = 200_000): number {
  const r = new SeededRandom(seed, 0xdec0de);
  const ring = Array.from({ length: 1024 }, () => spoofedSyn(r, SERVER_ADDR, FLOOD_PORT));
  let acc = 0;
  const pass = (n: number): void => {
    for (let k = 0; k < n; k++) {
      const p = decodeTcpPacket(ring[k & 1023]);
      if (p.ok) acc ^= p.tcp.seq;
    }
  };
  pass(count); // warm-up
  const rates: number[] = [];
  for (let trial = 0; trial < 5; trial++) {
    const t0 = process.hrtime.bigint();
    pass(count);
    rates.push(count / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  if (acc === 0.5) console.error(acc); // keeps the decodes observable
  return rates.sort((x, y) => x - y)[2]; // the median
}

/** No flood at all: the connect latency and success the flooded runs are compared with. */
export function floodBaseline(clients: number, seed: number): FloodReport {
  return runFlood({ mode: 'on-overflow', spoofed: 0, rate: 1, clients, seed });
}

/*
 * The rows of `npm run bench`: the same flood at a reduced size so the whole run stays short,
 * 200,000 spoofed SYNs per cookie mode. Each mode's flood runs once and feeds several rows;
 * references are from the same run (a run with no flood, and a plain decodeTcpPacket of the same SYNs).
 */
const SPOOFED = 200_000;
const RATE = 100_000;
const CLIENTS = 100;
const SEED = 1;

const runs = new Map<string, FloodReport>();
function report(mode: SynCookieMode | 'baseline'): FloodReport {
  let r = runs.get(mode);
  if (!r) {
    r = mode === 'baseline' ? floodBaseline(CLIENTS, SEED) : runFlood({ mode, spoofed: SPOOFED, rate: RATE, clients: CLIENTS, seed: SEED });
    runs.set(mode, r);
  }
  return r;
}
let decodeRate: number | undefined;

function row(name: string, value: number, unit: string, reference: string, referenceValue: number, target?: Target): Row {
  return { name, value, unit, reference, referenceValue, ratio: value / referenceValue, target };
}

function synRate(mode: SynCookieMode, target?: Target): BenchCase {
  return {
    name: `flood-${mode}-syn-rate`,
    run() {
      decodeRate ??= decodeSynReference(SEED);
      return row(`flood-${mode}-syn-rate`, report(mode).synPerSecond / 1e3, 'kSYN/s', 'decodeTcpPacket SYN', decodeRate / 1e3, target);
    },
  };
}

function success(mode: SynCookieMode, target?: Target): BenchCase {
  return {
    name: `flood-${mode}-legit-success`,
    run: () => row(`flood-${mode}-legit-success`, report(mode).legitSuccessPct, '%', 'no flood', report('baseline').legitSuccessPct, target),
  };
}

export const synFloodSuite: BenchSuite = {
  name: 'syn-flood',
  cases: [
    success('off'),
    success('on-overflow', { atLeast: FLOOD_TARGETS.legitSuccessPct }),
    success('always'),
    synRate('off'),
    synRate('on-overflow', { atLeast: FLOOD_TARGETS.synPerSecond / 1e3 }),
    synRate('always'),
    {
      name: 'flood-on-overflow-heap',
      run() {
        const r = report('on-overflow');
        const b = report('baseline');
        if (r.heapGrowthBytes === null || b.heapGrowthBytes === null) throw new Error('flood-on-overflow-heap needs a forced GC (node --expose-gc)');
        return row('flood-on-overflow-heap', r.heapGrowthBytes / 2 ** 20, 'MiB', 'no flood', b.heapGrowthBytes / 2 ** 20, { atMost: FLOOD_TARGETS.heapGrowthBytes / 2 ** 20 });
      },
    },
  ],
};
