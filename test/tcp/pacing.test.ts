/**
 * Pacing (`pacing`): data segments leave spread over the round trip rather than in window-sized
 * bursts; transfers stay intact under loss and reordering. Seeds fixed; a failure names its seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateTransfer, type SimTransferSpec } from '../../src/workloads/scenario.js';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.js';

/** The largest number of data segments the client put on the link at one instant after the first 100 ms. */
function largestBurst(spec: SimTransferSpec): { burst: number; ok: boolean; reason: string | undefined } {
  const times: number[] = [];
  const run = simulateTransfer(spec, (link) =>
    link.tap((p, t, from) => {
      if (from.name === 'client' && p.length > 200) times.push(t);
    }),
  );
  let burst = 0;
  let run1 = 1;
  for (let i = 1; i < times.length; i++) {
    run1 = times[i] === times[i - 1] ? run1 + 1 : 1;
    if (times[i] > 100) burst = Math.max(burst, run1);
  }
  return { burst, ok: run.report.ok, reason: run.report.reason };
}

const link = { rateBps: 100e6, delayMs: 10, queueBytes: 30_000 };

test('off by default: a window leaves in bursts; on: one data segment at a time', () => {
  assert.equal(DEFAULT_TCP_CONFIG.pacing, false);
  const spec: SimTransferSpec = { seed: 5, bytes: 5_000_000, direction: 'up', link };
  const burst = largestBurst(spec);
  const paced = largestBurst({ ...spec, tcp: { pacing: true } });
  assert.ok(burst.ok && paced.ok, `seed 5: ${burst.reason} / ${paced.reason}`);
  assert.ok(burst.burst >= 10, `seed 5: unpaced burst ${burst.burst}`);
  assert.equal(paced.burst, 1, 'seed 5: paced');
});

test('paced transfers are intact under loss, reordering and duplication, with CUBIC and NewReno', () => {
  for (const seed of [1, 2, 3, 4]) {
    for (const congestionControl of ['cubic', 'newreno'] as const) {
      const spec: SimTransferSpec = {
        seed,
        bytes: 1_000_000,
        direction: 'both',
        link: { loss: 0.02, reorder: 0.02, duplicate: 0.01, delayMs: 10, jitterMs: 2, rateBps: 50e6 },
        tcp: { pacing: true, congestionControl },
      };
      const r = simulateTransfer(spec).report;
      assert.equal(r.ok, true, `seed ${seed}, ${congestionControl}: ${r.reason}`);
    }
  }
});
