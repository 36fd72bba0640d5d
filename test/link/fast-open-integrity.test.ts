/**
 * Fast Open under the integrity matrix: for every link profile of test/link/integrity.test.ts (loss,
 * reordering, duplication, corruption, long RTT, a slow bottleneck, small and jumbo MTUs, PMTUD,
 * partitions, everything at once, slow readers, no timestamps), transfers whose client holds a cookie
 * for the server, so its first data rides on the SYN, must deliver every byte in order (sha256 at
 * both ends) and close properly, whatever happens to the SYN, its data, the SYN-ACK or the data the
 * server sends before the handshake completes.
 *
 * A property test (fast-check, with a fixed seed so the run is the same every time): per profile,
 * runs with a seed, a size and a direction drawn by fast-check. A failure prints the fast-check seed
 * and path to replay it, and the transfer's own seed, size and direction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { simCommand, simulateTransfer, type SimTransferSpec } from '../../src/workloads/scenario.js';
import { DIRECTIONS, PROFILES, profileSpec, transferVerdict } from './integrity-profiles.js';

const RUNS = 16;
/** Sizes above this are left to the plain matrix (time); the partition profiles keep theirs (they need data in flight). */
const MAX_BYTES = 300_000;

PROFILES.forEach((profile, index) => {
  test(`Fast Open under ${profile.name}: ${RUNS} transfers with data on the SYN, byte-exact`, () => {
    const sizes = profile.partition ? profile.sizes : profile.sizes.filter((n) => n <= MAX_BYTES);
    const dirs = profile.directions ?? DIRECTIONS;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(...sizes), fc.constantFrom(...dirs), (seed, bytes, direction) => {
        const spec: SimTransferSpec = { ...profileSpec(profile, 500_000 + index * 1_000_000 + seed, bytes, direction, seed), fastOpen: true };
        const { report, net } = simulateTransfer(spec);
        const bad = transferVerdict(profile, report);
        assert.equal(bad, undefined, `[${profile.name}] seed ${spec.seed}, ${bytes} bytes ${direction}, Fast Open: ${bad}\n    replay: ${simCommand(spec) ?? '(no synack sim equivalent)'}`);
        // The client did try: its SYN carried the cookie (and data, when it had some to send first).
        const client = net.hosts.find((h) => h.name === 'client')!.stack.counters.tcp;
        const server = net.hosts.find((h) => h.name === 'server')!.stack.counters.tcp;
        assert.equal(server.TCPFastOpenPassiveFail, 0, 'the cached cookie is valid');
        if (direction !== 'down' && bytes > 0 && profile.name === 'clean') {
          assert.equal(client.TCPFastOpenActive, 1, 'on a clean link the SYN data is acknowledged by the SYN-ACK');
          assert.equal(server.TCPFastOpenPassive, 1);
        }
      }),
      { numRuns: RUNS, seed: 7413 + index },
    );
  });
});
