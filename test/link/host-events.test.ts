/**
 * Host.onEvent is an emitter: every listener hears every stack event in the order it was added, a
 * listener can be removed (by offEvent or the function onEvent returns), and two applications on
 * one host (a socket server and a transfer that drives the stack directly) each see their events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import type { StackEvent } from '../../src/stack/stack.js';
import { createConnection, createServer } from '../../src/socket/index.js';
import { runTransfer } from '../../src/workloads/transfer.js';

function pair(seed = 1) {
  const net = new SimNetwork(seed);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  net.link(a, b, { delayMs: 5 });
  return { net, a, b };
}

const kinds = (log: StackEvent[]) => log.map((e) => (e.type === 'event' ? e.event.type : e.type));

test('two listeners on one host both hear every event, in the order they were added', () => {
  const { net, a, b } = pair();
  const first: StackEvent[] = [];
  const second: StackEvent[] = [];
  const order: string[] = [];
  a.onEvent((e) => {
    first.push(e);
    order.push('first');
  });
  a.onEvent((e) => {
    second.push(e);
    order.push('second');
  });
  b.stack.listen(80);
  a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  a.kick();
  net.runFor(100);
  assert.ok(kinds(first).includes('connected'), `first heard ${kinds(first)}`);
  assert.deepEqual(second, first);
  assert.equal(a.eventListenerCount, 2);
  for (let i = 0; i < order.length; i += 2) assert.deepEqual(order.slice(i, i + 2), ['first', 'second']);
});

test('a removed listener hears nothing more; the other goes on; adding one function twice adds it once', () => {
  const { net, a, b } = pair();
  const kept: StackEvent[] = [];
  const dropped: StackEvent[] = [];
  const keep = (e: StackEvent) => kept.push(e);
  a.onEvent(keep);
  a.onEvent(keep);
  const remove = a.onEvent((e) => dropped.push(e));
  assert.equal(a.eventListenerCount, 2);
  b.stack.listen(80);
  const c = a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  a.kick();
  net.runFor(100);
  const heardBefore = dropped.length;
  assert.ok(heardBefore > 0);
  remove();
  assert.equal(a.eventListenerCount, 1);
  c.close(net.now);
  a.kick();
  net.runFor(100);
  assert.equal(dropped.length, heardBefore, 'the removed listener heard the close');
  assert.ok(kinds(kept).includes('state'));
  assert.equal(kept.length > heardBefore, true);
  a.offEvent(keep);
  a.offEvent(keep); // not listening: nothing happens
  assert.equal(a.eventListenerCount, 0);
});

test('a listener removing itself during a dispatch does not make the next listener miss that event', () => {
  const { net, a, b } = pair();
  const seen: string[] = [];
  const once = (e: StackEvent) => {
    seen.push(`once:${e.type}`);
    a.offEvent(once);
  };
  a.onEvent(once);
  a.onEvent((e) => seen.push(`always:${e.type}`));
  b.stack.listen(80);
  a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  a.kick();
  net.runFor(100);
  assert.deepEqual(seen.slice(0, 2), ['once:event', 'always:event']);
  assert.equal(seen.filter((s) => s.startsWith('once')).length, 1);
  assert.ok(seen.filter((s) => s.startsWith('always')).length > 1);
});

test('a socket server and a stack-level transfer share the server host, each seeing its own events', async () => {
  const { net, a, b } = pair(3);
  let accepted = 0;
  // The socket layer's listener on b, port 7: it must keep hearing b's events after the transfer adds its own.
  createServer(b, (s) => {
    accepted++;
    s.end();
  }).listen(7);
  await net.runAsync(() => true);
  const r = runTransfer(net, { client: a, server: b, port: 5001, up: 100_000, down: 0, dataSeed: 3 });
  assert.equal(r.ok, true, r.reason);
  const c = createConnection(a, { host: '198.18.0.2', port: 7 });
  let closed = false;
  c.on('close', () => (closed = true));
  c.resume();
  await net.runAsync(() => closed, { maxMs: 10_000 });
  assert.equal(accepted, 1);
  // The socket layer's listener stays; the transfer's went when it closed.
  assert.equal(b.eventListenerCount, 1);
});

test('transfers one after another between the same hosts leave no listener behind', () => {
  const { net, a, b } = pair(5);
  for (let i = 0; i < 3; i++) {
    const r = runTransfer(net, { client: a, server: b, port: 6000 + i, up: 10_000, down: 10_000, dataSeed: i });
    assert.equal(r.ok, true, `transfer ${i} (seed 5): ${r.reason}`);
    assert.equal(a.eventListenerCount, 0, `after transfer ${i}`);
    assert.equal(b.eventListenerCount, 0, `after transfer ${i}`);
  }
});
