/**
 * DeadlineTimer's wait is bounded by what a Node timer takes: setTimeout treats a delay above
 * 2^31 - 1 ms (about 24.8 days) as 1 ms, so a far deadline (a proxy's 1e12 ms latency toxic, a
 * --delay of years) would fire every millisecond and spin. The delays handed to setTimeout are
 * captured here, with no wall-clock wait.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineTimer } from '../../src/link/deadline-timer.js';

function capturedDelays(fn: () => void): number[] {
  const delays: number[] = [];
  const real = globalThis.setTimeout;
  globalThis.setTimeout = ((cb: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return real(() => undefined, 0);
  }) as typeof setTimeout;
  try {
    fn();
  } finally {
    globalThis.setTimeout = real;
  }
  return delays;
}

test('a deadline beyond a Node timer\'s reach waits the longest a timer can, not 1 ms', () => {
  const t = new DeadlineTimer(() => assert.fail('fired'));
  const delays = capturedDelays(() => t.set(1e12, 1e12));
  t.cancel();
  assert.deepEqual(delays, [2 ** 31 - 1]);
});

test('ordinary and past deadlines wait as asked (a negative wait is 0)', () => {
  const t = new DeadlineTimer(() => undefined);
  const delays = capturedDelays(() => {
    t.set(10, 10);
    t.set(5, -3);
  });
  t.cancel();
  assert.deepEqual(delays, [10, 0]);
});
