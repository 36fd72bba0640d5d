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
import { simCommand, simulateTransfer, type SimTransferSpec } from '../../src/workloads/scenario.js';
import type { Direction, TransferReport } from '../../src/workloads/transfer.js';

import { DIRECTIONS, K, M, PROFILES, profileSpec, transferVerdict, type Profile } from './integrity-profiles.js';

const SCALE = Math.max(1, Number(process.env.SYNACK_MATRIX_SCALE ?? 1));
const SEED_BASE = Number(process.env.SYNACK_MATRIX_SEED_BASE ?? 0);

interface Run {
  profile: Profile;
  spec: SimTransferSpec;
}

function runsOf(p: Profile, index: number): Run[] {
  const runs: Run[] = [];
  const dirs = p.directions ?? DIRECTIONS;
  const total = p.runs * SCALE;
  const seedAt = (i: number) => SEED_BASE + (index + 1) * 10_000 + i + 1;
  for (let i = 0; i < total; i++) {
    // Sizes and directions advance together; offsetting the direction each lap covers every pair.
    const bytes = p.sizes[i % p.sizes.length];
    const direction = dirs[(i + Math.floor(i / p.sizes.length)) % dirs.length];
    runs.push({ profile: p, spec: profileSpec(p, seedAt(i), bytes, direction) });
  }
  (p.once ?? []).forEach(([bytes, direction], j) => runs.push({ profile: p, spec: profileSpec(p, seedAt(total + j), bytes, direction) }));
  return runs;
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
        const bad = transferVerdict(run.profile, report);
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
