/**
 * The integrity matrix: many seeded transfers across link profiles (clean, loss, reordering,
 * duplication, corruption, long RTT with jitter, a 64 kbit/s bottleneck, small and jumbo MTUs, path
 * MTU discovery, partitions, everything at once), from 0 bytes to 10 MB, in both directions, each
 * side half-closing when it has sent its bytes. Every run must deliver every byte in order (sha256
 * at both ends) and end with both connections CLOSED without an error, except the runs that
 * partition the network for longer than the user timeout: those must end with ETIMEDOUT on both
 * sides. Three profiles go beyond the link: slow readers with small buffers (zero windows, the
 * persist timer, FINs waiting for window), hosts without timestamps or window scaling with a 200 ms
 * delayed ACK, and a 296-byte path found by PMTUD with 1000-byte buffers under loss (the focused
 * tests of what they exercise are in test/tcp/regressions.test.ts). No run may hang: each is
 * bounded in virtual time and in simulator steps.
 *
 * A failure names the profile, seed, size and direction, and the `synack sim` line that replays it.
 * SYNACK_MATRIX_SCALE=N runs N times as many seeds per profile (a soak: N=20 is several thousand
 * runs); SYNACK_MATRIX_SEED_BASE=B shifts every seed by B, to explore fresh ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LinkProfile } from '../../src/link/sim.js';
import { simCommand, simulateTransfer, type SimTransferSpec } from '../../src/workloads/scenario.js';
import type { Direction, TransferReport } from '../../src/workloads/transfer.js';

const SCALE = Math.max(1, Number(process.env.SYNACK_MATRIX_SCALE ?? 1));
const SEED_BASE = Number(process.env.SYNACK_MATRIX_SEED_BASE ?? 0);

const K = 1000;
const M = 1_000_000;
const DIRECTIONS: Direction[] = ['up', 'down', 'both'];

interface Profile {
  name: string;
  link: Partial<LinkProfile>;
  hostMtu?: number;
  /** Host and application settings (buffers, options, a paced reader). */
  hosts?: Pick<SimTransferSpec, 'receiveBufferSize' | 'sendBufferSize' | 'timestamps' | 'windowScaling' | 'ackDelayMs' | 'readRateBps'>;
  /** Runs per profile (times SYNACK_MATRIX_SCALE). */
  runs: number;
  /** Sizes, cycled through (with the directions) run by run. */
  sizes: number[];
  /** Sizes given to exactly one run each (the large ones). */
  once?: Array<[number, Direction]>;
  directions?: Direction[];
  /** A per-run partition and user timeout. */
  partition?: (seed: number) => { userTimeoutMs: number; partition: { fromMs: number; toMs: number } };
  /** 'timeout': the partition outlasts the user timeout; both sides must end with ETIMEDOUT. */
  expect?: 'ok' | 'timeout';
  maxMs?: number;
}

const SMALL = [0, 1, 100, 1460, 4 * K, 10 * K, 65_536, 100 * K];
const MEDIUM = [...SMALL, 300 * K, 1 * M];

const PROFILES: Profile[] = [
  { name: 'clean', link: {}, runs: 48, sizes: MEDIUM, once: [[10 * M, 'up'], [10 * M, 'down'], [5 * M, 'both']] },
  { name: '1% loss', link: { loss: 0.01, delayMs: 5 }, runs: 48, sizes: MEDIUM, once: [[10 * M, 'both']] },
  { name: '5% loss', link: { loss: 0.05, delayMs: 5 }, runs: 40, sizes: MEDIUM },
  { name: '20% loss', link: { loss: 0.2, delayMs: 5 }, runs: 40, sizes: SMALL, once: [[300 * K, 'both']] },
  { name: 'reordering', link: { reorder: 0.05, delayMs: 10 }, runs: 40, sizes: MEDIUM, once: [[10 * M, 'up']] },
  { name: 'duplication', link: { duplicate: 0.05, jitterMs: 1 }, runs: 40, sizes: MEDIUM },
  { name: '1% corruption', link: { corrupt: 0.01, delayMs: 5 }, runs: 40, sizes: MEDIUM },
  { name: '200 ms RTT, jitter', link: { delayMs: 100, jitterMs: 30 }, runs: 36, sizes: MEDIUM },
  { name: '64 kbit/s', link: { rateBps: 64_000, queueBytes: 16_000, delayMs: 20 }, runs: 24, sizes: [0, 1, 100, 1460, 4 * K, 10 * K, 30 * K] },
  { name: 'MTU 576', link: { mtu: 576 }, runs: 30, sizes: MEDIUM },
  { name: 'MTU 9000', link: { mtu: 9000, rateBps: 1e9 }, runs: 30, sizes: MEDIUM, once: [[10 * M, 'both']] },
  { name: 'PMTUD: hosts 1500, link 576', link: { mtu: 576, delayMs: 2 }, hostMtu: 1500, runs: 30, sizes: MEDIUM },
  {
    name: 'everything at once',
    link: { loss: 0.02, duplicate: 0.02, reorder: 0.03, corrupt: 0.01, delayMs: 15, jitterMs: 10, rateBps: 20e6, queueBytes: 200_000 },
    runs: 32,
    sizes: MEDIUM,
  },
  {
    // Windows that close: the persist timer, window updates, SWS avoidance, FINs waiting for room.
    name: 'slow readers, small buffers',
    link: { loss: 0.01, delayMs: 10, jitterMs: 2, duplicate: 0.01 },
    hosts: { receiveBufferSize: 4096, sendBufferSize: 8192, readRateBps: 800_000 },
    runs: 30,
    sizes: [0, 1, 1460, 4 * K, 10 * K, 65_536, 100 * K],
  },
  {
    name: 'no timestamps or window scaling, 200 ms delayed ACK',
    link: { loss: 0.02, reorder: 0.02, delayMs: 20 },
    hosts: { timestamps: false, windowScaling: false, ackDelayMs: 200 },
    runs: 30,
    sizes: MEDIUM,
  },
  {
    name: 'MTU 296 with PMTUD, 1000-byte buffers, 5% loss',
    link: { mtu: 296, loss: 0.05, delayMs: 5, jitterMs: 5 },
    hostMtu: 1500,
    hosts: { receiveBufferSize: 1000, sendBufferSize: 1000, ackDelayMs: 0 },
    runs: 30,
    sizes: SMALL,
  },
  {
    name: 'partition shorter than the user timeout',
    link: { rateBps: 10e6, delayMs: 10, queueBytes: 100_000 },
    runs: 16,
    sizes: [1 * M],
    directions: ['both', 'up', 'down'],
    partition: (seed) => ({ userTimeoutMs: 10_000, partition: { fromMs: 100 + (seed % 5) * 100, toMs: 100 + (seed % 5) * 100 + 4_000 } }),
  },
  {
    name: 'partition longer than the user timeout',
    link: { rateBps: 10e6, delayMs: 10, queueBytes: 100_000 },
    runs: 16,
    // Both sides have data in flight when the link goes down, so both have something to time out on.
    sizes: [1 * M],
    directions: ['both'],
    partition: (seed) => ({ userTimeoutMs: 5_000, partition: { fromMs: 100 + (seed % 5) * 80, toMs: 100 + (seed % 5) * 80 + 30_000 } }),
    expect: 'timeout',
  },
];

interface Run {
  profile: Profile;
  spec: SimTransferSpec;
}

function runsOf(p: Profile, index: number): Run[] {
  const runs: Run[] = [];
  const dirs = p.directions ?? DIRECTIONS;
  const total = p.runs * SCALE;
  const seedAt = (i: number) => SEED_BASE + (index + 1) * 10_000 + i + 1;
  const spec = (seed: number, bytes: number, direction: Direction): SimTransferSpec => ({
    seed,
    bytes,
    direction,
    link: p.link,
    hostMtu: p.hostMtu,
    ...p.hosts,
    maxMs: p.maxMs ?? 3_600_000,
    ...p.partition?.(seed),
  });
  for (let i = 0; i < total; i++) {
    // Sizes and directions advance together; offsetting the direction each lap covers every pair.
    const bytes = p.sizes[i % p.sizes.length];
    const direction = dirs[(i + Math.floor(i / p.sizes.length)) % dirs.length];
    runs.push({ profile: p, spec: spec(seedAt(i), bytes, direction) });
  }
  (p.once ?? []).forEach(([bytes, direction], j) => runs.push({ profile: p, spec: spec(seedAt(total + j), bytes, direction) }));
  return runs;
}

/** What is wrong with a run, or undefined. */
function verdict(run: Run, r: TransferReport): string | undefined {
  if (run.profile.expect === 'timeout') {
    if (r.client.error?.code !== 'ETIMEDOUT' || r.server.error?.code !== 'ETIMEDOUT') {
      return `expected ETIMEDOUT on both sides, got client ${r.client.error?.code ?? 'no error'}, server ${r.server.error?.code ?? 'no error'} (${r.reason ?? 'ok'})`;
    }
    if (r.client.finalState !== 'CLOSED' || r.server.finalState !== 'CLOSED') return `ended in ${r.client.finalState}/${r.server.finalState}`;
    return undefined;
  }
  if (!r.ok) return r.reason;
  // Belt and braces over `ok`: the digests themselves, and a proper close.
  for (const s of [r.up, r.down]) {
    if (s.receivedSha256 !== s.sentSha256 || s.receivedBytes !== s.bytes) return `sha256 or length mismatch (${s.receivedBytes}/${s.bytes})`;
  }
  if (!r.client.states.includes('TIME-WAIT') && !r.server.states.includes('TIME-WAIT')) return 'closed without either side in TIME-WAIT';
  return undefined;
}

const MATRIX = PROFILES.map((p, i) => runsOf(p, i));

/**
 * Each profile runs under each loss-recovery and congestion-control combination: CUBIC with SACK
 * (the default: RACK-TLP), NewReno with SACK, and NewReno without SACK (RFC 6582 partial ACKs).
 */
const CONTROLLERS: Array<{ name: string; spec: Pick<SimTransferSpec, 'congestionControl' | 'sack'> }> = [
  { name: 'cubic', spec: { congestionControl: 'cubic' } },
  { name: 'newreno', spec: { congestionControl: 'newreno' } },
  { name: 'newreno, no SACK', spec: { congestionControl: 'newreno', sack: false } },
];

for (const controller of CONTROLLERS) {
  PROFILES.forEach((profile, index) => {
    const runs = MATRIX[index];
    test(`${profile.name} [${controller.name}]: ${runs.length} seeded transfers`, () => {
      const failures: string[] = [];
      for (const run of runs) {
        const spec: SimTransferSpec = { ...run.spec, ...controller.spec };
        let report: TransferReport;
        try {
          report = simulateTransfer(spec).report;
        } catch (e) {
          failures.push(describe({ ...run, spec }, `threw ${(e as Error).stack}`));
          continue;
        }
        const bad = verdict(run, report);
        if (bad) failures.push(describe({ ...run, spec }, bad));
      }
      assert.equal(failures.length, 0, `${failures.length} of ${runs.length} runs failed:\n${failures.join('\n')}`);
    });
  });
}

function describe(run: Run, what: string): string {
  const s = run.spec;
  return `  [${run.profile.name}] seed ${s.seed}, ${s.bytes} bytes ${s.direction}: ${what}\n    replay: ${simCommand(s) ?? '(no synack sim equivalent)'}`;
}

test('the matrix has at least 200 runs, from 0 bytes to 10 MB, each way', () => {
  const all = MATRIX.flat();
  assert.ok(all.length >= 200, `${all.length} runs`);
  for (const direction of DIRECTIONS) {
    const sizes = new Set(all.filter((r) => r.spec.direction === direction).map((r) => r.spec.bytes));
    assert.ok(sizes.has(0) && sizes.has(10 * M), `${direction}: 0 bytes and 10 MB`);
  }
  // 64 kbit/s only with small sizes (a megabyte would take minutes of virtual time).
  assert.ok(all.filter((r) => r.spec.link?.rateBps === 64_000).every((r) => r.spec.bytes <= 30 * K));
});
