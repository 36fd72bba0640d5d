/**
 * BBR under the integrity matrix: for every link profile of test/link/integrity.test.ts (loss,
 * reordering, duplication, corruption, long RTT with jitter, a slow bottleneck, small and jumbo MTUs,
 * PMTUD, partitions, everything at once, slow readers, no timestamps), transfers with both hosts
 * running BBR must deliver every byte in order (sha256 at both ends) and close properly: pacing,
 * the rate samples kept beside RACK's records and BBR's recovery must not lose, reorder or stall data.
 *
 * A property test (fast-check, with a fixed seed so the run is the same every time): per profile,
 * runs with a seed, a size and a direction drawn by fast-check. A failure prints the fast-check seed
 * and path to replay it, and the transfer's own seed with the `synack sim` line that replays it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { simCommand, simulateTransfer, type SimTransferSpec } from '../../src/workloads/scenario.js';
import { DIRECTIONS, PROFILES, profileSpec, transferVerdict } from './integrity-profiles.js';

const RUNS = 8;
/** Sizes above this are left to the plain matrix (time); the partition profiles keep theirs. */
const MAX_BYTES = 1_000_000;

PROFILES.forEach((profile, index) => {
  test(`BBR under ${profile.name}: ${RUNS} transfers, byte-exact`, () => {
    const sizes = profile.partition ? profile.sizes : profile.sizes.filter((n) => n <= MAX_BYTES);
    const dirs = profile.directions ?? DIRECTIONS;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(...sizes), fc.constantFrom(...dirs), (seed, bytes, direction) => {
        const spec: SimTransferSpec = { ...profileSpec(profile, 700_000 + index * 1_000_000 + seed, bytes, direction, seed), congestionControl: 'bbr' };
        const { report } = simulateTransfer(spec);
        const bad = transferVerdict(profile, report);
        assert.equal(bad, undefined, `[${profile.name}] seed ${spec.seed}, ${bytes} bytes ${direction}, BBR: ${bad}\n    replay: ${simCommand(spec) ?? '(no synack sim equivalent)'}`);
      }),
      { numRuns: RUNS, seed: 2021 + index },
    );
  });
});
