/**
 * DeliveryFifo (link/event-queue.ts): a link direction's packets in flight, in arrival order. It keeps
 * its arrays' room when it empties and moves its live entries to the front after many shifts; what
 * must hold through both is the order and the entries themselves (time, insertion number, item).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryFifo } from '../../src/link/event-queue.js';

test('a DeliveryFifo gives its entries back in order across emptying, refilling and moving to the front', () => {
  const q = new DeliveryFifo<string>();
  let seq = 0;
  let next = 0;
  const expect: Array<[number, number, string]> = [];
  const take = (): void => {
    const [t, s, item] = expect.shift()!;
    assert.equal(q.headTime(), t);
    assert.equal(q.headSeq(), s);
    assert.equal(q.headItem(), item);
    q.shift();
  };
  // Bursts that empty it (room kept), then a long run that never empties (entries moved to the front).
  for (let burst = 0; burst < 5; burst++) {
    for (let i = 0; i < 50; i++, next++) {
      q.append(next * 0.5, seq, `p${next}`);
      expect.push([next * 0.5, seq++, `p${next}`]);
    }
    assert.equal(q.lastTime, (next - 1) * 0.5);
    while (expect.length > 0) take();
    assert.equal(q.length, 0);
  }
  for (let i = 0; i < 5000; i++, next++) {
    q.append(next * 0.5, seq, `p${next}`);
    expect.push([next * 0.5, seq++, `p${next}`]);
    if (i % 3 !== 0) take();
    assert.equal(q.length, expect.length);
    assert.equal(q.lastTime, next * 0.5);
  }
  while (expect.length > 0) take();
  assert.equal(q.length, 0);
});
