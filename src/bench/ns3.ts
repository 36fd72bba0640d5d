/**
 * ns-3 beside synack's simulator: the standard discrete-event network simulator a user would pick
 * to simulate TCP over bad networks. The same four scenarios run in a C++ program built against
 * Debian's libns3-dev 3.37 (native/ns3/scenarios.cc, compiled by this suite with g++ and
 * pkg-config's ns-3 flags into build/ns3/, as a child process bounded in time) and in synack's
 * SimNetwork, in the same bench run:
 *
 *   a  one bulk flow, 100 Mbit/s, 50 ms RTT, 1 MiB drop-tail queue, 1% random loss on the data
 *      direction, 60 s of virtual time
 *   b  the same at 0.01% loss
 *   c  100 bulk flows sharing a 1 Gbit/s bottleneck (25 ms one-way, 1 MiB queue), flow i starting
 *      at i * 10 ms, 30 s, through the same dumbbell on both: 100 senders and 100 receivers, each
 *      on its own 10 Gbit/s, 1 us access link, two routers forwarding by their routes, the
 *      bottleneck between them (in synack, SimNetwork nodes: buildDumbbell). Both report where the
 *      drops happened (the bottleneck's by time and flow, loss episodes) and what each router forwarded
 *   d  10,000 short request/response connections from 1,000 client hosts: a star of 100 Mbit/s,
 *      10 ms links around the server (the same topology on both); client i starts at i ms and opens
 *      10 connections one after the other: connect, 100-byte request, 10,000-byte response, the
 *      server closes, the client closes
 *
 * Both TCPs: CUBIC with SACK, timestamps and window scaling, MSS 1448 + 12 bytes of timestamp on a
 * 1500-byte MTU, initial window 10, delayed ACK 40 ms, minimum RTO 200 ms. Where they cannot match:
 * synack's CUBIC is RFC 9438's (HyStart++, the Reno-friendly region), ns-3's is the 2008 paper's
 * (HyStart, no Reno-friendly region); synack recovers with RACK-TLP (RFC 8985), ns-3 with PRR over
 * RFC 6675's scoreboard; synack auto-tunes its buffers (receive to 6 MiB, send to 4 MiB), ns-3's
 * are fixed (6 MiB each). synack's data is real bytes (made, copied, and compared by the receiver
 * with the stream made again; hashed after the clock stops); ns-3's packets carry sizes, not bytes.
 *
 * Rows: how fast each simulates (virtual seconds per wall second, or connections per wall second
 * for d: the ratio is synack / ns-3, above 1 when synack is faster), events per wall second (ns-3's
 * scheduler events, synack's simulator steps: a step delivers a packet, fires a timer or services a
 * host, coarser than ns-3's events, which split a packet's trip into several), heap per host at the
 * end of the run (ns-3: malloc's bytes in use; synack: V8's heap after a forced GC; a ratio below 1
 * means synack uses less), and what the TCPs did: goodput, retransmitted segments, for c Jain's
 * fairness index, the drops at the bottleneck and elsewhere, the loss episodes and the flows each
 * one hit (lossEpisodes), for d connections completed and the virtual time they took.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimNetwork, type LinkProfile, type SimLink } from '../link/sim.js';
import type { Host } from '../link/host.js';
import type { Connection } from '../stack/connection.js';
import type { StackEvent } from '../stack/stack.js';
import type { TcpConfig } from '../tcp/config.js';
import { TransferSession } from '../workloads/transfer.js';
import { forcedGc, type BenchCase, type BenchSuite, type Row } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCE = path.join(ROOT, 'native', 'ns3', 'scenarios.cc');
const BUILD = path.join(ROOT, 'build', 'ns3');
const PROGRAM = path.join(BUILD, 'scenarios');
const PKG_MODULES = ['ns3-core', 'ns3-network', 'ns3-internet', 'ns3-point-to-point', 'ns3-point-to-point-layout', 'ns3-applications', 'ns3-traffic-control'];

/** Why the ns-3 rows cannot be measured here, or undefined when they can. */
export function ns3SkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'the ns-3 rows are built for Linux';
  const gxx = spawnSync('g++', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  if (gxx.error || gxx.status !== 0) return 'no C++ compiler (g++) is installed';
  const pc = spawnSync('pkg-config', ['--exists', ...PKG_MODULES], { stdio: 'ignore', timeout: 10_000 });
  if (pc.error) return 'pkg-config is not installed';
  if (pc.status !== 0 || !existsSync('/usr/include/ns3/core-module.h')) return 'libns3-dev is not installed';
  return undefined;
}

/**
 * pkg-config's flags for the ns-3 modules, less what Debian's .pc files get wrong: an include
 * directory written "/usr;" and libgsl.so named by absolute path though only its runtime library is
 * installed (libns3-core links it itself).
 */
function ns3Flags(): string[] {
  const r = spawnSync('pkg-config', ['--cflags', '--libs', ...PKG_MODULES], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) throw new Error(`ns3: pkg-config failed: ${r.stderr ?? r.error?.message}`);
  const seen = new Set<string>();
  return r.stdout
    .trim()
    .split(/\s+/)
    .filter((f) => {
      if (seen.has(f) || f.includes(';')) return false;
      seen.add(f);
      if (f.startsWith('/')) return existsSync(f);
      if (f.startsWith('-I') || f.startsWith('-L')) return existsSync(f.slice(2).replace(/^"|"$/g, ''));
      return true;
    });
}

/** Compile the ns-3 program unless build/ns3/scenarios is newer than its source; throws with g++'s output on failure. */
export function buildNs3(): string {
  mkdirSync(BUILD, { recursive: true });
  if (existsSync(PROGRAM) && statSync(PROGRAM).mtimeMs >= statSync(SOURCE).mtimeMs) return PROGRAM;
  const r = spawnSync('g++', ['-O2', '-std=c++17', '-w', SOURCE, '-o', PROGRAM, ...ns3Flags()], { encoding: 'utf8', timeout: 600_000, killSignal: 'SIGKILL' });
  if (r.error) throw new Error(`ns3: compiling ${SOURCE}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ns3: compiling ${SOURCE} failed:\n${r.stderr}`);
  return PROGRAM;
}

/** What one simulator did in one scenario (both sides report the same fields). */
export interface SimResult {
  /** Wall-clock seconds building the network, and running it. */
  setupSeconds: number;
  runSeconds: number;
  /** CPU seconds of the run (user and system): steadier than the wall clock on a shared machine. */
  cpuSeconds: number;
  /** ns-3's executed events; synack's simulator steps. */
  events: number;
  hosts: number;
  /** Heap in use at the end of the run beyond what there was before the network was built. */
  heapBytes: number;
  /** Virtual seconds simulated (d: until the last connection completed). */
  virtualSeconds: number;
  retransmits: number;
  /** d: request/response connections completed. */
  completed: number;
  /** Bytes each flow's receiver read (a, b, c). */
  received: number[];
  /** c: the bottleneck queue's drops (r1's egress) as [virtual ms, flow], and every other queue's, counted. */
  drops?: { atBottleneck: Array<[number, number]>; elsewhere: number };
  /** c: the packets each router forwarded (left, right). */
  forwarded?: number[];
}

/** Parse the ns-3 program's JSON line; throws on anything else. */
export function parseNs3Line(line: string): SimResult {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line.trim()) as Record<string, unknown>;
  } catch {
    throw new Error(`ns3: unexpected output ${JSON.stringify(line.slice(0, 200))}`);
  }
  const num = (k: string): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`ns3: field ${k} is not a non-negative number in ${JSON.stringify(line.slice(0, 200))}`);
    return v;
  };
  const r = {
    setupSeconds: num('setupSeconds'),
    runSeconds: num('runSeconds'),
    cpuSeconds: num('cpuSeconds'),
    events: num('events'),
    hosts: num('hosts'),
    heapBytes: num('heapBytes'),
    virtualSeconds: num('virtualSeconds'),
    retransmits: num('retransmits'),
    completed: num('completed'),
  };
  const received = o.received;
  if (!Array.isArray(received) || !received.every((x) => typeof x === 'number')) throw new Error('ns3: field received is not a list of numbers');
  const out: SimResult = { ...r, received: received as number[] };
  if (o.drops !== undefined) {
    const d = o.drops as { atBottleneck?: unknown; elsewhere?: unknown };
    const pairs = d.atBottleneck;
    if (!Array.isArray(pairs) || !pairs.every((x) => Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === 'number')) || typeof d.elsewhere !== 'number') {
      throw new Error('ns3: field drops is not {atBottleneck: [[ms, flow], ...], elsewhere: n}');
    }
    out.drops = { atBottleneck: pairs as Array<[number, number]>, elsewhere: d.elsewhere };
  }
  if (o.forwarded !== undefined) {
    if (!Array.isArray(o.forwarded) || !o.forwarded.every((x) => typeof x === 'number')) throw new Error('ns3: field forwarded is not a list of numbers');
    out.forwarded = o.forwarded as number[];
  }
  return out;
}

export type Scenario =
  | { kind: 'bulk'; rateBps: number; delayMs: number; queueBytes: number; loss: number; seconds: number }
  | { kind: 'dumbbell'; flows: number; rateBps: number; delayMs: number; queueBytes: number; seconds: number; staggerMs: number }
  | { kind: 'rr'; clients: number; perClient: number; rateBps: number; delayMs: number; queueBytes: number; request: number; response: number; staggerMs: number; maxSeconds: number };

export const SCENARIOS: Record<'a' | 'b' | 'c' | 'd', Scenario> = {
  a: { kind: 'bulk', rateBps: 100e6, delayMs: 25, queueBytes: 2 ** 20, loss: 0.01, seconds: 60 },
  b: { kind: 'bulk', rateBps: 100e6, delayMs: 25, queueBytes: 2 ** 20, loss: 0.0001, seconds: 60 },
  c: { kind: 'dumbbell', flows: 100, rateBps: 1e9, delayMs: 25, queueBytes: 2 ** 20, seconds: 30, staggerMs: 10 },
  d: { kind: 'rr', clients: 1000, perClient: 10, rateBps: 100e6, delayMs: 10, queueBytes: 2 ** 20, request: 100, response: 10_000, staggerMs: 1, maxSeconds: 120 },
};

/** The ns-3 program's arguments for a scenario. */
export function ns3Args(s: Scenario, seed = 1): string[] {
  const common = [`--rate=${s.rateBps}bps`, `--delayMs=${s.delayMs}`, `--queue=${s.queueBytes}`, `--seed=${seed}`];
  switch (s.kind) {
    case 'bulk':
      return ['--scenario=bulk', ...common, `--loss=${s.loss}`, `--seconds=${s.seconds}`];
    case 'dumbbell':
      return ['--scenario=dumbbell', ...common, `--flows=${s.flows}`, `--seconds=${s.seconds}`, `--staggerMs=${s.staggerMs}`];
    case 'rr':
      return ['--scenario=rr', ...common, `--clients=${s.clients}`, `--perClient=${s.perClient}`, `--request=${s.request}`, `--response=${s.response}`, `--staggerMs=${s.staggerMs}`, `--seconds=${s.maxSeconds}`];
  }
}

/** Run one scenario in ns-3, bounded by `timeoutS` seconds of wall clock. */
export function runNs3(program: string, s: Scenario, timeoutS = 1800, seed = 1): SimResult {
  const r = spawnSync(program, ns3Args(s, seed), { encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`ns3 ${s.kind}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ns3 ${s.kind}: exit ${r.status ?? r.signal}: ${r.stderr.trim().slice(0, 500)}`);
  return parseNs3Line(r.stdout);
}

// synack's side --------------------------------------------------------------------------------

/** The TCP settings matched to the ns-3 program's (the rest are synack's defaults, which match). */
const TCP: Partial<TcpConfig> = { congestionControl: 'cubic', sack: true, timestamps: true, windowScaling: true, mtu: 1500, ackDelayMs: 40, minRtoMs: 200 };

function cpuSince(start: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1e6;
}

function heapNow(): number {
  forcedGc()?.();
  return process.memoryUsage().heapUsed;
}

function retransmitsOf(hosts: Host[]): number {
  let n = 0;
  for (const h of hosts) n += h.stack.counters.tcp.RetransSegs;
  return n;
}

/**
 * Step the network until `untilMs` (or `done`), timed: the setup since `t0` (performance.now()),
 * then the run's wall-clock and CPU seconds and its steps (the rows' events).
 */
function timedRun(net: SimNetwork, t0: number, untilMs: number, done: () => boolean = () => false): { setupSeconds: number; runSeconds: number; cpuSeconds: number; events: number } {
  const setupSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  let events = 0;
  while (!done() && net.step({ untilMs })) events++;
  const cpuSeconds = cpuSince(c1);
  return { setupSeconds, runSeconds: (performance.now() - t1) / 1000, cpuSeconds, events };
}

const link = (s: { rateBps: number; delayMs: number; queueBytes: number }, loss = 0): Partial<LinkProfile> => ({ rateBps: s.rateBps, delayMs: s.delayMs, queueBytes: s.queueBytes, loss });

function bulk(s: Extract<Scenario, { kind: 'bulk' }>, seed: number): SimResult {
  const heap0 = heapNow();
  const t0 = performance.now();
  const net = new SimNetwork(seed);
  const sender = net.addHost('sender', { addresses: ['198.18.0.1'], tcp: TCP });
  const receiver = net.addHost('receiver', { addresses: ['198.18.0.2'], tcp: TCP });
  // Loss on the data direction only, as ns-3's error model on the receiver's device.
  net.link(sender, receiver, link(s, s.loss), link(s));
  const session = new TransferSession(net, { client: sender, server: receiver, port: 5001, up: Infinity, down: 0, dataSeed: seed * 1000 });
  const { setupSeconds, runSeconds, cpuSeconds, events } = timedRun(net, t0, s.seconds * 1000);
  const heapBytes = Math.max(0, heapNow() - heap0);
  const received = [checkedBytes(session, s, 0, seed)];
  return { setupSeconds, runSeconds, cpuSeconds, events, hosts: 2, heapBytes, virtualSeconds: s.seconds, retransmits: retransmitsOf([sender, receiver]), completed: 0, received };
}

/** Checked after the clock stops: every byte read is its stream's own (made again, as much as arrived). */
function checkedBytes(session: TransferSession, s: Scenario, flow: number, seed: number): number {
  const r = session.report(0, undefined, true);
  if (!r.ok) throw new Error(`ns3 ${s.kind}: synack flow ${flow}: ${r.reason} (seed ${seed})`);
  return r.up.receivedBytes;
}

/** The dumbbell's nodes and links (buildDumbbell). */
export interface Dumbbell {
  senders: Host[];
  receivers: Host[];
  /** The left router (the senders' side) and the right one. */
  routers: [Host, Host];
  /** r1 to r2 (the data direction is the link's direction 0). */
  bottleneck: SimLink;
  /** Sender i's link to r1, then receiver i's link to r2. */
  access: SimLink[];
}

/**
 * ns-3's PointToPointDumbbellHelper as SimNetwork nodes: sender i (198.18.i.1/24) on its own
 * point-to-point link to the left router (198.18.i.2), receiver i (198.19.i.1/24) on its own to the
 * right router (198.19.i.2), the routers joined by the bottleneck (198.18.255.1 and .2/24) and
 * forwarding by static routes (each other's side's /16 via the other router), addressed as ns-3's
 * AssignIpv4Addresses does. Access links: 10 Gbit/s, 1 us, the same queue as the bottleneck's.
 */
export function buildDumbbell(net: SimNetwork, s: Extract<Scenario, { kind: 'dumbbell' }>, tcp: Partial<TcpConfig> = TCP): Dumbbell {
  if (!Number.isSafeInteger(s.flows) || s.flows < 1 || s.flows > 254) throw new RangeError(`buildDumbbell: flows must be an integer in [1, 254], got ${s.flows}`);
  const leaves = (side: 'left' | 'right'): Host[] =>
    Array.from({ length: s.flows }, (_, i) =>
      net.addNode(`${side === 'left' ? 'sender' : 'receiver'}${i}`, {
        interfaces: [{ kind: 'ip', name: 'ppp0', addresses: [`${side === 'left' ? '198.18' : '198.19'}.${i}.1/24`] }],
        routes: [{ to: 'default', via: `${side === 'left' ? '198.18' : '198.19'}.${i}.2` }],
        tcp,
      }),
    );
  const senders = leaves('left');
  const receivers = leaves('right');
  const router = (name: string, side: string, bottleneck: string, far: string, via: string): Host =>
    net.addNode(name, {
      forwarding: true,
      interfaces: [
        { kind: 'ip', name: 'ppp0', addresses: [`198.18.255.${bottleneck}/24`] },
        ...senders.map((_, i) => ({ kind: 'ip' as const, name: `ppp${i + 1}`, addresses: [`${side}.${i}.2/24`] })),
      ],
      routes: [{ to: far, via }],
    });
  const r1 = router('r1', '198.18', '1', '198.19.0.0/16', '198.18.255.2');
  const r2 = router('r2', '198.19', '2', '198.18.0.0/16', '198.18.255.1');
  const fast = { rateBps: 10e9, delayMs: 0.001, queueBytes: s.queueBytes };
  const access = [...senders.map((h, i) => net.connect(h, 'ppp0', r1, `ppp${i + 1}`, fast)), ...receivers.map((h, i) => net.connect(h, 'ppp0', r2, `ppp${i + 1}`, fast))];
  const bottleneck = net.connect(r1, 'ppp0', r2, 'ppp0', link(s));
  return { senders, receivers, routers: [r1, r2], bottleneck, access };
}

function dumbbell(s: Extract<Scenario, { kind: 'dumbbell' }>, seed: number): SimResult {
  const heap0 = heapNow();
  const t0 = performance.now();
  const net = new SimNetwork(seed);
  const d = buildDumbbell(net, s);
  // Where the queues drop: the bottleneck's (r1's egress) by flow and time, every other one counted.
  const atBottleneck: Array<[number, number]> = [];
  d.bottleneck.tapDrops((packet, t, from, reason) => {
    if (reason === 'queue' && from === d.routers[0]) atBottleneck.push([t, packet[18]]);
  });
  const sessions: TransferSession[] = [];
  for (let i = 0; i < s.flows; i++) {
    const start = () => sessions.push(new TransferSession(net, { client: d.senders[i], server: d.receivers[i], port: 5001, up: Infinity, down: 0, dataSeed: seed * 1000 + i }));
    if (i === 0) start();
    else net.at(i * s.staggerMs, start);
  }
  const { setupSeconds, runSeconds, cpuSeconds, events } = timedRun(net, t0, s.seconds * 1000);
  const heapBytes = Math.max(0, heapNow() - heap0);
  const received = sessions.map((x, i) => checkedBytes(x, s, i, seed));
  let elsewhere = d.bottleneck.stats.queueDrops - atBottleneck.length;
  for (const l of d.access) elsewhere += l.stats.queueDrops;
  const hosts = [...d.senders, ...d.receivers];
  return {
    setupSeconds,
    runSeconds,
    cpuSeconds,
    events,
    hosts: net.hosts.length,
    heapBytes,
    virtualSeconds: s.seconds,
    retransmits: retransmitsOf(hosts),
    completed: 0,
    received,
    drops: { atBottleneck, elsewhere },
    forwarded: d.routers.map((r) => r.net!.counters.ForwDatagrams),
  };
}

function requestResponse(s: Extract<Scenario, { kind: 'rr' }>, seed: number): SimResult {
  const heap0 = heapNow();
  const t0 = performance.now();
  const net = new SimNetwork(seed);
  const server = net.addHost('server', { addresses: ['10.255.255.254'], tcp: TCP });
  const clients: Host[] = [];
  for (let i = 0; i < s.clients; i++) {
    const c = net.addHost(`client${i}`, { addresses: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`], tcp: TCP });
    net.link(c, server, link(s));
    clients.push(c);
  }
  const PORT = 80;
  const request = new Uint8Array(s.request);
  const response = new Uint8Array(s.response);
  const listener = server.stack.listen(PORT, { backlog: 4096 });
  const got = new Map<Connection, number>();
  const serverRead = (c: Connection, now: number) => {
    let n = got.get(c) ?? 0;
    if (n < 0) return;
    for (let d = c.read(undefined, now); d; d = c.read(undefined, now)) n += d.length;
    if (n >= s.request) {
      got.delete(c);
      c.send(response, now);
      c.close(now);
      return;
    }
    got.set(c, n);
  };
  server.onEvent((e: StackEvent) => {
    const now = net.currentTime();
    if (e.type === 'connection') {
      if (e.listener === listener) for (let c = listener.accept(); c; c = listener.accept()) serverRead(c, now);
    } else if (e.event.type === 'readable') serverRead(e.connection, now);
  });
  let completed = 0;
  let lastDone = 0;
  clients.forEach((host, i) => {
    let left = s.perClient;
    let conn: Connection | undefined;
    let read = 0;
    const open = () => {
      read = 0;
      conn = host.stack.connect({ address: '10.255.255.254', port: PORT }, net.currentTime());
      host.kick();
    };
    host.onEvent((e: StackEvent) => {
      if (e.type !== 'event' || e.connection !== conn) return;
      const now = net.currentTime();
      const c = e.connection;
      switch (e.event.type) {
        case 'connected':
          c.send(request, now);
          break;
        case 'readable':
        case 'end':
          for (let d = c.read(undefined, now); d; d = c.read(undefined, now)) read += d.length;
          if (e.event.type === 'end') {
            if (read === s.response) {
              completed++;
              lastDone = now;
            }
            c.close(now);
            conn = undefined;
            if (--left > 0) open();
          }
          break;
        default:
          break;
      }
    });
    net.at(i * s.staggerMs, open);
  });
  const target = s.clients * s.perClient;
  const { setupSeconds, runSeconds, cpuSeconds, events } = timedRun(net, t0, s.maxSeconds * 1000, () => completed >= target);
  const heapBytes = Math.max(0, heapNow() - heap0);
  return { setupSeconds, runSeconds, cpuSeconds, events, hosts: s.clients + 1, heapBytes, virtualSeconds: lastDone / 1000, retransmits: retransmitsOf([server, ...clients]), completed, received: [] };
}

/** Run one scenario in synack's simulator. */
export function runSynack(s: Scenario, seed = 1): SimResult {
  return s.kind === 'rr' ? requestResponse(s, seed) : s.kind === 'bulk' ? bulk(s, seed) : dumbbell(s, seed);
}

// Rows ---------------------------------------------------------------------------------------

/** Jain's fairness index of the flows' throughputs: 1 when equal, 1/n when one flow has it all. */
export function jainIndex(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 0 : (sum * sum) / (xs.length * squares);
}

/**
 * How the bottleneck's drops fall on the flows: grouped into loss episodes (a drop more than `gapMs`
 * after the one before starts a new episode), each with the distinct flows that lost a packet in it.
 * Flows that synchronize lose together: many flows per episode, few episodes.
 */
export function lossEpisodes(drops: ReadonlyArray<readonly [number, number]>, gapMs: number): { episodes: number; flowsPerEpisode: number } {
  const sorted = [...drops].sort((x, y) => x[0] - y[0]);
  let episodes = 0;
  let flowsHit = 0;
  let flows = new Set<number>();
  let last = -Infinity;
  for (const [t, flow] of sorted) {
    if (t - last > gapMs) {
      flowsHit += flows.size;
      flows = new Set();
      episodes++;
    }
    flows.add(flow);
    last = t;
  }
  flowsHit += flows.size;
  return { episodes, flowsPerEpisode: episodes === 0 ? 0 : flowsHit / episodes };
}

interface Pair {
  synack: SimResult;
  ns3: SimResult | string;
}

function row(name: string, unit: string, p: Pair, f: (r: SimResult) => number, reference = 'ns-3 3.37'): Row {
  const value = f(p.synack);
  if (typeof p.ns3 === 'string') return { name, value, unit, reference: `skipped: ${p.ns3}`, referenceValue: NaN, ratio: NaN };
  const referenceValue = f(p.ns3);
  return { name, value, unit, reference, referenceValue, ratio: value / referenceValue };
}

const goodputMbps = (r: SimResult) => (r.received.reduce((a, b) => a + b, 0) * 8) / r.virtualSeconds / 1e6;

/** The suite over `scenarios` (the test runs one small); `ns3Suite` is it over SCENARIOS. */
export function makeNs3Suite(scenarios: Partial<Record<string, Scenario>> = SCENARIOS, seed = 1): BenchSuite {
  const cache = new Map<string, Pair>();
  let program: string | undefined;
  const measure = (key: string): Pair => {
    const hit = cache.get(key);
    if (hit) return hit;
    const s = scenarios[key]!;
    let ns3: SimResult | string;
    const why = ns3SkipReason();
    if (why) ns3 = why;
    else {
      program ??= buildNs3();
      ns3 = runNs3(program, s, 1800, seed);
    }
    const p = { synack: runSynack(s, seed), ns3 };
    cache.set(key, p);
    return p;
  };
  const cases: BenchCase[] = [];
  for (const [key, s] of Object.entries(scenarios)) {
    if (!s) continue;
    const n = `ns3-${key}-${s.kind}`;
    const add = (what: string, unit: string, f: (r: SimResult) => number) => cases.push({ name: `${n}-${what}`, run: () => row(`${n}-${what}`, unit, measure(key), f) });
    if (s.kind === 'rr') add('speed', 'conns/wall s', (r) => r.completed / r.runSeconds);
    else add('speed', 'virtual s/wall s', (r) => r.virtualSeconds / r.runSeconds);
    if (s.kind === 'rr') add('cpu-speed', 'conns/CPU s', (r) => r.completed / r.cpuSeconds);
    else add('cpu-speed', 'virtual s/CPU s', (r) => r.virtualSeconds / r.cpuSeconds);
    add('setup', 'ms', (r) => r.setupSeconds * 1000);
    add('events', 'events/s', (r) => r.events / r.runSeconds);
    add('memory', 'KiB/host', (r) => r.heapBytes / r.hosts / 1024);
    add('retransmits', 'segments', (r) => r.retransmits);
    if (s.kind === 'rr') {
      add('completed', 'conns', (r) => r.completed);
      add('virtual-time', 's', (r) => r.virtualSeconds);
    } else add('goodput', 'Mbit/s', goodputMbps);
    if (s.kind === 'dumbbell') {
      add('fairness', 'Jain index', (r) => jainIndex(r.received));
      const gap = 2 * s.delayMs;
      add('bottleneck-drops', 'packets', (r) => r.drops?.atBottleneck.length ?? NaN);
      add('other-drops', 'packets', (r) => r.drops?.elsewhere ?? NaN);
      add('loss-episodes', 'episodes', (r) => lossEpisodes(r.drops?.atBottleneck ?? [], gap).episodes);
      add('flows-per-loss-episode', 'flows', (r) => lossEpisodes(r.drops?.atBottleneck ?? [], gap).flowsPerEpisode);
    }
  }
  return { name: 'ns3', cases };
}

export const ns3Suite: BenchSuite = makeNs3Suite();
