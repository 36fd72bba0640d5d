/**
 * One timer structure for every connection of a stack (DESIGN.md): the KeyedTimerHeap against a reference
 * model (fast-check), and a stack with 10,000 connections whose TIME-WAIT timers (2*MSL, RFC 9293
 * §3.10.7.4) all fire at their own deadlines, none early, none late, with one wake-up per deadline.
 * Also: the heap holds a bounded number of entries per connection however often deadlines move.
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type HeapItem, KeyedTimerHeap } from '../../src/stack/timer-heap.js';
import { A4, B4, bytesOf, clientServerWire, establish, newStack, Wire } from './helpers.js';
import type { Connection } from '../../src/stack/connection.js';
import type { Stack } from '../../src/stack/stack.js';

describe('KeyedTimerHeap (the stack\'s)', () => {
  type Op = { kind: 'schedule'; item: number; deadline: number } | { kind: 'remove'; item: number } | { kind: 'pop'; now: number } | { kind: 'peek' };
  const deadline = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
  const item = fc.integer({ min: 0, max: 15 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('schedule' as const), item, deadline }),
    fc.record({ kind: fc.constant('remove' as const), item }),
    fc.record({ kind: fc.constant('pop' as const), now: deadline }),
    fc.record({ kind: fc.constant('peek' as const) }),
  );

  test('matches a reference: one entry per item at the earliest deadline asked, removable, earliest first', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        // Items are objects, the heap keeping each one's position on it (HeapItem.heapIndex).
        const items = Array.from({ length: 16 }, () => ({ heapIndex: -1 }));
        const heap = new KeyedTimerHeap<HeapItem>();
        const model = new Map<HeapItem, number>();
        const min = () => (model.size ? Math.min(...model.values()) : undefined);
        for (const o of ops) {
          if (o.kind === 'schedule') {
            const it = items[o.item];
            heap.schedule(o.deadline, it);
            const had = model.get(it);
            model.set(it, had === undefined ? o.deadline : Math.min(had, o.deadline));
          } else if (o.kind === 'remove') {
            assert.equal(heap.remove(items[o.item]), model.delete(items[o.item]));
          } else if (o.kind === 'peek') {
            assert.equal(heap.peekDeadline(), min());
          } else {
            for (;;) {
              const m = min();
              const got = heap.popDue(o.now);
              if (m === undefined || m > o.now) {
                assert.equal(got, undefined);
                break;
              }
              assert.ok(got !== undefined && model.get(got) === m, 'an item at the earliest deadline');
              model.delete(got);
            }
          }
          assert.equal(heap.size, model.size);
          for (const it of items) assert.equal(heap.deadlineOf(it), model.get(it));
        }
      }),
      { seed: 9293, numRuns: 400 },
    );
  });
});

/** The stack's private heaps (connections', TIME-WAIT entries'), for counting their entries. */
function heapSize(s: Stack): number {
  const heaps = s as unknown as { timers: KeyedTimerHeap<Connection>; timeWaitTimers: KeyedTimerHeap<HeapItem> };
  return heaps.timers.size + heaps.timeWaitTimers.size;
}

test('10,000 connections in TIME-WAIT each close at exactly 2*MSL, from one timer structure', () => {
  const a = newStack([A4], 1, { limits: { maxConnections: 50_000 } });
  const b = newStack([B4], 2, { limits: { maxConnections: 50_000 } });
  const wire = new Wire([a, b]);
  wire.keepLog = false;
  wire.latency = 1;
  const l = b.listen(80, { backlog: 20_000 });
  const BATCHES = 100;
  const PER = 100;
  const client: Connection[] = [];
  // Open in batches, 10 ms apart.
  for (let i = 0; i < BATCHES; i++) {
    wire.run(i * 10);
    for (let j = 0; j < PER; j++) client.push(a.connect({ address: B4, port: 80 }, wire.now));
  }
  wire.run(BATCHES * 10 + 100);
  const server: Connection[] = [];
  for (let s = l.accept(); s; s = l.accept()) server.push(s);
  assert.equal(server.length, BATCHES * PER);
  assert.ok(client.every((c) => c.state === 'ESTABLISHED'));
  const byPort = new Map(server.map((s) => [s.remote.port, s]));
  // Close in batches, 37 ms apart: the client closes first (so it is the one in TIME-WAIT), the server
  // as soon as the FIN arrives.
  const t0 = wire.now;
  for (let i = 0; i < BATCHES; i++) {
    wire.run(t0 + i * 37);
    const batch = client.slice(i * PER, (i + 1) * PER);
    for (const c of batch) c.close(wire.now);
    wire.run(wire.now + 2);
    for (const c of batch) byPort.get(c.local.port)!.close(wire.now);
  }
  wire.run(wire.now + 100);
  assert.ok(client.every((c) => c.state === 'TIME-WAIT'), 'every client connection in TIME-WAIT');
  assert.equal([...b.connections()].length, 0, 'the server side is gone (LAST-ACK -> CLOSED)');
  const msl2 = 2 * a.config.mslMs;
  for (const c of client) assert.equal(c.tcb.timerAt(Timer.Close), c.tcb.stateSince + msl2, '2*MSL from entering TIME-WAIT');
  // One entry per connection: one structure, not a timer each.
  assert.equal(heapSize(a), client.length);

  const remaining = new Set(client);
  const deadlines = new Set(client.map((c) => c.tcb.timerAt(Timer.Close)!));
  let wakeups = 0;
  let early = 0;
  for (;;) {
    const t = a.pollTimeout();
    if (t === undefined) break;
    let min = Infinity;
    for (const c of remaining) if (c.tcb.timerAt(Timer.Close)! < min) min = c.tcb.timerAt(Timer.Close)!;
    assert.ok(t <= min, 'never later than the earliest TIME-WAIT deadline');
    if (t < min) {
      // A lazy entry from a deadline that moved later (the FIN's retransmission timer, stopped by the
      // ACK): it wakes, finds nothing due and files the connection at its real deadline.
      a.handleTimeout(t);
      early++;
      assert.equal(a.timeWaitCount, remaining.size);
      continue;
    }
    // Not a moment early.
    a.handleTimeout(t - 0.5);
    assert.equal(a.timeWaitCount, remaining.size);
    a.handleTimeout(t);
    wakeups++;
    for (const c of [...remaining]) {
      if (c.tcb.timerAt(Timer.Close) === undefined || c.state === 'CLOSED') {
        assert.equal(c.tcb.stateSince, t, 'closed exactly at its deadline');
        remaining.delete(c);
      }
    }
    for (const c of remaining) assert.ok(c.tcb.timerAt(Timer.Close)! > t, 'nothing left behind that was due');
    assert.equal(a.pollTransmit(t), undefined, 'TIME-WAIT ends silently');
    assert.equal(a.timeWaitCount, remaining.size, 'ended TIME-WAIT entries are forgotten');
    assert.equal([...a.connections()].length, 0, 'TIME-WAIT is held by compact entries, not connections');
  }
  assert.equal(remaining.size, 0);
  assert.equal(wakeups, deadlines.size, 'one wake-up per distinct deadline');
  assert.ok(early <= BATCHES, `${early} early wake-ups`);
  assert.equal([...a.connections()].length, 0);
  assert.equal(heapSize(a), 0);
});

test('the heap stays bounded while a long-lived connection\'s deadline keeps moving earlier and later', () => {
  // Keep-alive keeps a far deadline armed; every request arms the 40 ms delayed-ACK timer in front of it.
  const a = newStack([A4], 3);
  const b = newStack([B4], 4, { tcp: { keepAlive: true, ackDelayMs: 40 } });
  const wire = new Wire([a, b]);
  wire.keepLog = false;
  wire.latency = 1;
  b.listen(80);
  const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
  let wakeups = 0;
  const orig = b.handleTimeout.bind(b);
  b.handleTimeout = (now: number) => {
    wakeups++;
    orig(now);
  };
  const ROUNDS = 2000;
  for (let i = 0; i < ROUNDS; i++) {
    c.send(bytesOf('ping'), wire.now);
    wire.run(wire.now + 100);
    s.read(undefined, wire.now);
  }
  assert.equal(s.state, 'ESTABLISHED');
  assert.equal(heapSize(b), 1, `heap entries for one connection after ${ROUNDS} rounds`);
  // One wake-up per delayed ACK, give or take: not one per stale entry.
  assert.ok(wakeups <= ROUNDS + 10, `${wakeups} wake-ups for ${ROUNDS} delayed ACKs`);
});

test('a connection that goes away takes its timer entry with it (no far keep-alive entry left behind)', () => {
  const { a, b, wire } = clientServerWire([5, 6], { client: { tcp: { keepAlive: true } } });
  const { c } = establish(wire, a, b, { address: B4, port: 80 });
  assert.equal(heapSize(a), 1);
  assert.ok(c.tcb.timerAt(Timer.KeepAlive)! >= wire.now + a.config.keepAliveIdleMs - 10, 'a keep-alive deadline two hours out');
  c.abort(wire.now);
  wire.run(wire.now + 10);
  assert.equal([...a.connections()].length, 0);
  assert.equal(heapSize(a), 0);
  assert.equal(a.pollTimeout(), undefined, 'nothing to wake for');
});
