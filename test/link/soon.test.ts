/**
 * soon() off Node: without setImmediate (a browser), the next turn comes from a MessageChannel, not
 * a zero timeout, since browsers clamp nested zero timeouts to 4 ms and runAsync takes a turn per
 * step. The test hides setImmediate to stand in for a page (Node has MessageChannel as a global) and
 * watches setTimeout for the callbacks it hands to soon().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soon, turn } from '../../src/link/soon.js';

type Global = { setImmediate?: unknown; setTimeout: typeof setTimeout };

async function withoutSetImmediate(body: (timeouts: Set<unknown>) => Promise<void>): Promise<void> {
  const g = globalThis as unknown as Global;
  const immediate = g.setImmediate;
  const timeout = g.setTimeout;
  const timeouts = new Set<unknown>();
  g.setImmediate = undefined;
  g.setTimeout = ((fn: unknown, ...rest: unknown[]) => {
    timeouts.add(fn);
    return (timeout as (...a: unknown[]) => unknown)(fn, ...rest);
  }) as typeof setTimeout;
  try {
    await body(timeouts);
  } finally {
    g.setImmediate = immediate;
    g.setTimeout = timeout;
  }
}

test('without setImmediate, soon() runs callbacks in order on a MessageChannel, never a zero timeout', async () => {
  await withoutSetImmediate(async (timeouts) => {
    const ran: number[] = [];
    const fns = [0, 1, 2, 3, 4].map((i) => () => ran.push(i));
    const cancels = fns.map((fn) => soon(fn));
    cancels[2](); // a cancelled callback never runs
    for (let i = 0; i < 5 && ran.length < 4; i++) await new Promise<void>((resolve) => soon(resolve));
    assert.deepEqual(ran, [0, 1, 3, 4]);
    for (const fn of fns) assert.ok(!timeouts.has(fn), 'soon() used a zero timeout');
  });
});

test('without setImmediate, a thousand turns in a row complete', async () => {
  await withoutSetImmediate(async () => {
    let n = 0;
    for (; n < 1000; n++) await turn();
    assert.equal(n, 1000);
  });
});
