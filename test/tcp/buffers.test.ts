/**
 * SendBuffer and ReceiveBuffer against simple reference models (a byte array; a map from absolute
 * stream offset to byte), with fast-check generating the operations. Sequence numbers are
 * absolute offsets plus a base that sits near 2^32 so that the wrap is crossed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SendBuffer } from '../../src/tcp/send-buffer.js';
import { ReceiveBuffer } from '../../src/tcp/receive-buffer.js';

const bytes = (n: number, start: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

describe('SendBuffer', () => {
  test('push takes what fits and returns the count; a full buffer takes 0', () => {
    const b = new SendBuffer(10);
    assert.equal(b.push(bytes(4, 0)), 4);
    assert.equal(b.free, 6);
    assert.equal(b.push(bytes(8, 4)), 6); // partial
    assert.equal(b.length, 10);
    assert.equal(b.free, 0);
    assert.equal(b.push(bytes(1, 99)), 0);
    assert.equal(b.push(new Uint8Array(0)), 0);
    assert.deepEqual(Array.from(b.slice(0, 10)), Array.from(bytes(10, 0)));
    b.consume(3);
    assert.equal(b.free, 3);
    assert.deepEqual(Array.from(b.slice(0, 7)), Array.from(bytes(7, 3)));
  });

  test('slice across chunks copies; inside one chunk it is a view', () => {
    const b = new SendBuffer(100);
    const c1 = bytes(5, 0);
    const c2 = bytes(5, 5);
    const c3 = bytes(5, 10);
    b.push(c1);
    b.push(c2);
    b.push(c3);
    assert.deepEqual(Array.from(b.slice(3, 9)), [3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const v = b.slice(5, 5);
    assert.equal(v.buffer, c2.buffer); // a view, no copy
    b.consume(7);
    assert.deepEqual(Array.from(b.slice(0, 8)), [7, 8, 9, 10, 11, 12, 13, 14]);
    assert.deepEqual(Array.from(b.slice(1, 0)), []);
    assert.throws(() => b.slice(0, 9), RangeError);
    assert.throws(() => b.slice(-1, 1), RangeError);
  });

  test('pieces pushed from consecutive bytes of one buffer become one view: a slice across them is not a copy', () => {
    const big = bytes(100, 0);
    const b = new SendBuffer(30);
    assert.equal(b.push(big.subarray(0, 10)), 10);
    assert.equal(b.push(big.subarray(10, 20)), 10);
    assert.equal(b.push(big.subarray(20, 50)), 10); // only 10 fit
    const v = b.slice(5, 20);
    assert.equal(v.buffer, big.buffer); // a view of the caller's memory
    assert.equal(v.byteOffset, 5);
    assert.deepEqual(Array.from(v), Array.from(big.subarray(5, 25)));
    b.consume(12);
    assert.equal(b.push(big.subarray(30, 40)), 10);
    const w = b.slice(0, 28);
    assert.equal(w.buffer, big.buffer);
    assert.deepEqual(Array.from(w), Array.from(big.subarray(12, 40)));
    // Bytes not next to the last piece (a gap, or another buffer) stay a chunk of their own.
    b.consume(28);
    b.push(big.subarray(41, 45));
    b.push(big.subarray(60, 62));
    assert.deepEqual(Array.from(b.slice(0, 6)), [41, 42, 43, 44, 60, 61]);
    assert.notEqual(b.slice(0, 6).buffer, big.buffer);
  });

  test('property: pieces of one shared buffer (adjacent or not) with consume and slice agree with a byte-array model', () => {
    type Op = { k: 'push'; n: number; gap: number } | { k: 'consume'; n: number } | { k: 'slice'; a: number; b: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: -3, max: 3 })).map(([n, g]) => ({ k: 'push' as const, n, gap: Math.max(0, g) })) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => ({ k: 'consume' as const, n })) },
      { weight: 4, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({ k: 'slice' as const, a, b })) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.array(op, { maxLength: 200 }), (cap, ops) => {
        const big = bytes(200 * 200 + 4 * 200, 0);
        const b = new SendBuffer(cap);
        let model: number[] = [];
        let at = 0;
        for (const o of ops) {
          if (o.k === 'push') {
            at += o.gap;
            const took = b.push(big.subarray(at, at + o.n));
            assert.equal(took, Math.min(o.n, Math.max(0, cap - model.length)));
            model.push(...big.subarray(at, at + took));
            at += took;
          } else if (o.k === 'consume') {
            b.consume(o.n);
            model = model.slice(Math.min(o.n, model.length));
          } else {
            const a = o.a % (model.length + 1);
            const len = o.b % (model.length - a + 1);
            assert.deepEqual(Array.from(b.slice(a, len)), model.slice(a, a + len));
          }
          assert.equal(b.length, model.length);
        }
        if (model.length) assert.deepEqual(Array.from(b.slice(0, model.length)), model);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  test('consume more than held empties it', () => {
    const b = new SendBuffer(10);
    b.push(bytes(5, 0));
    b.consume(50);
    assert.equal(b.length, 0);
    assert.equal(b.push(bytes(10, 0)), 10);
    assert.deepEqual(Array.from(b.slice(0, 10)), Array.from(bytes(10, 0)));
  });

  test('property: push/consume/slice/capacity changes agree with a byte-array model', () => {
    type Op = { k: 'push'; n: number } | { k: 'consume'; n: number } | { k: 'slice'; a: number; b: number } | { k: 'cap'; n: number } | { k: 'clear' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => ({ k: 'push' as const, n })) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => ({ k: 'consume' as const, n })) },
      { weight: 4, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({ k: 'slice' as const, a, b })) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map((n) => ({ k: 'cap' as const, n })) },
      { weight: 1, arbitrary: fc.constant({ k: 'clear' as const }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(op, { maxLength: 300 }), (cap, ops) => {
        const b = new SendBuffer(cap);
        let model: number[] = [];
        let counter = 0;
        for (const o of ops) {
          switch (o.k) {
            case 'push': {
              const data = bytes(o.n, counter);
              const took = b.push(data);
              const expect = Math.min(o.n, Math.max(0, b.capacity - model.length));
              assert.equal(took, expect);
              model.push(...data.subarray(0, took));
              counter += took;
              break;
            }
            case 'consume':
              b.consume(o.n);
              model = model.slice(Math.min(o.n, model.length));
              break;
            case 'slice': {
              if (model.length === 0) {
                assert.equal(b.slice(0, 0).length, 0);
                break;
              }
              const a = o.a % (model.length + 1);
              const len = o.b % (model.length - a + 1);
              assert.deepEqual(Array.from(b.slice(a, len)), model.slice(a, a + len));
              break;
            }
            case 'cap':
              b.capacity = o.n;
              break;
            case 'clear':
              b.clear();
              model = [];
              break;
          }
          assert.equal(b.length, model.length);
          assert.equal(b.free, Math.max(0, b.capacity - model.length));
        }
        if (model.length) assert.deepEqual(Array.from(b.slice(0, model.length)), model);
      }),
      { seed: 793, numRuns: 400 },
    );
  });

  test('many small chunks consumed one by one (the compaction path)', () => {
    const b = new SendBuffer(1 << 20);
    for (let i = 0; i < 1000; i++) b.push(bytes(3, i * 3));
    let at = 0;
    for (let i = 0; i < 900; i++) {
      b.consume(i % 2 ? 4 : 2);
      at += i % 2 ? 4 : 2;
      if (i % 50 === 0) assert.deepEqual(Array.from(b.slice(0, 10)), Array.from(bytes(10, at)));
    }
    assert.equal(b.length, 3000 - at);
    assert.deepEqual(Array.from(b.slice(0, b.length)), Array.from(bytes(3000 - at, at)));
  });
});

/**
 * The model of a ReceiveBuffer as the TCB drives it: RCV.NXT is an absolute offset `nxt` (sequence
 * number base + nxt mod 2^32); out-of-order bytes are kept first-come (later copies of a byte already
 * held are not stored); in-order data goes to `stream`.
 */
class RxModel {
  nxt = 0;
  held = new Map<number, number>();
  stream: number[] = [];

  insert(off: number, data: Uint8Array): number {
    let added = 0;
    for (let i = 0; i < data.length; i++) {
      if (!this.held.has(off + i)) {
        this.held.set(off + i, data[i]);
        added++;
      }
    }
    return added;
  }

  pushInOrder(data: Uint8Array): void {
    this.stream.push(...data);
    this.nxt += data.length;
  }

  drain(): void {
    for (const k of [...this.held.keys()]) if (k < this.nxt) this.held.delete(k);
    while (this.held.has(this.nxt)) {
      this.stream.push(this.held.get(this.nxt)!);
      this.held.delete(this.nxt);
      this.nxt++;
    }
  }

  ranges(): Array<[number, number]> {
    const keys = [...this.held.keys()].sort((a, b) => a - b);
    const out: Array<[number, number]> = [];
    for (const k of keys) {
      const last = out[out.length - 1];
      if (last && last[1] === k) last[1]++;
      else out.push([k, k + 1]);
    }
    return out;
  }
}

/** Read everything readable from `rb`, in chunks of at most `max`. */
function readAll(rb: ReceiveBuffer, max = Infinity): number[] {
  const out: number[] = [];
  for (let d = rb.read(max); d; d = rb.read(max)) {
    assert.ok(d.length > 0 && d.length <= max);
    out.push(...d);
  }
  assert.equal(rb.readable, 0);
  return out;
}

describe('ReceiveBuffer', () => {
  const BASE = 0xffff_fff0; // the wrap comes 16 bytes in

  /** Insert pieces [off, len] with distinct fill bytes, then check held bytes and ranges. */
  function scenario(pieces: Array<[number, number]>, expectRanges: Array<[number, number]>, expectAdded: number[]): void {
    const rb = new ReceiveBuffer();
    const m = new RxModel();
    m.nxt = 0;
    pieces.forEach(([off, len], i) => {
      const data = new Uint8Array(len).fill(i + 1);
      const added = rb.insertOutOfOrder((BASE + off) >>> 0, data);
      assert.equal(added, m.insert(off, data), `piece ${i}`);
      assert.equal(added, expectAdded[i], `piece ${i} added`);
    });
    assert.deepEqual(rb.outOfOrderRanges(), expectRanges.map(([l, r]) => [(BASE + l) >>> 0, (BASE + r) >>> 0]));
    assert.deepEqual(m.ranges(), expectRanges);
    const held = [...m.held.values()].length;
    assert.equal(rb.outOfOrderBytes, held);
    // Fill the hole at RCV.NXT: everything becomes readable in order, first-come bytes kept.
    const first = Math.min(...pieces.map(([o]) => o));
    const gap = new Uint8Array(first).fill(0xee);
    rb.pushInOrder(gap);
    m.pushInOrder(gap);
    const nxt = rb.drainInOrder((BASE + first) >>> 0);
    m.drain();
    assert.equal(nxt, (BASE + m.nxt) >>> 0);
    assert.deepEqual(readAll(rb), m.stream);
  }

  // Every way a new piece [s, e) can meet a held one [10, 20): before, touching, overlapping the left
  // edge, equal, inside, covering, overlapping the right edge, touching after, after; at offsets
  // that put the wrap inside (BASE + 16 = 0).
  const cases: Array<[string, number, number, Array<[number, number]>, number]> = [
    ['entirely before', 2, 5, [[2, 7], [10, 20]], 5],
    ['ends where it starts', 5, 5, [[5, 20]], 5],
    ['overlaps its left edge', 5, 10, [[5, 20]], 5],
    ['starts with it, shorter', 10, 5, [[10, 20]], 0],
    ['equal', 10, 10, [[10, 20]], 0],
    ['inside', 12, 4, [[10, 20]], 0],
    ['ends with it, shorter', 15, 5, [[10, 20]], 0],
    ['covers it', 5, 20, [[5, 25]], 10],
    ['starts with it, longer', 10, 15, [[10, 25]], 5],
    ['overlaps its right edge', 15, 10, [[10, 25]], 5],
    ['starts where it ends', 20, 5, [[10, 25]], 5],
    ['entirely after', 22, 3, [[10, 20], [22, 25]], 3],
    ['empty', 14, 0, [[10, 20]], 0],
  ];
  for (const [name, s, len, ranges, added] of cases) {
    test(`new piece [${s}, ${s + len}) vs held [10, 20): ${name}`, () => scenario([[10, 10], [s, len]], ranges, [10, added]));
  }

  test('a piece spanning several held pieces fills only the holes', () => {
    scenario(
      [
        [10, 5],
        [20, 5],
        [30, 5],
        [8, 30],
      ],
      [[8, 38]],
      [5, 5, 5, 15],
    );
    scenario(
      [
        [30, 5],
        [10, 5],
        [20, 5],
        [12, 20],
      ],
      [[10, 35]],
      [5, 5, 5, 10],
    );
  });

  test('drainInOrder: pieces wholly or partly behind RCV.NXT are dropped or trimmed', () => {
    const rb = new ReceiveBuffer();
    rb.insertOutOfOrder((BASE + 5) >>> 0, bytes(10, 5)); // [5, 15)
    rb.insertOutOfOrder((BASE + 20) >>> 0, bytes(5, 20)); // [20, 25)
    rb.insertOutOfOrder((BASE + 26) >>> 0, bytes(4, 26)); // [26, 30)
    // In-order data [0, 22) arrives in one piece (say after a retransmission that merged segments).
    rb.pushInOrder(bytes(22, 0));
    assert.equal(rb.drainInOrder((BASE + 22) >>> 0), (BASE + 25) >>> 0);
    assert.deepEqual(rb.outOfOrderRanges(), [[(BASE + 26) >>> 0, (BASE + 30) >>> 0]]);
    assert.equal(rb.outOfOrderBytes, 4);
    assert.deepEqual(readAll(rb), Array.from(bytes(25, 0)));
    // Draining where nothing is due changes nothing.
    assert.equal(rb.drainInOrder((BASE + 25) >>> 0), (BASE + 25) >>> 0);
    assert.equal(rb.outOfOrderBytes, 4);
  });

  test('an out-of-order piece at exactly RCV.NXT (data on a SYN) drains at once', () => {
    const rb = new ReceiveBuffer();
    rb.insertOutOfOrder(0xffff_ffff, bytes(4, 0));
    assert.equal(rb.drainInOrder(0xffff_ffff), 3);
    assert.deepEqual(readAll(rb), [0, 1, 2, 3]);
  });

  test('read(max) splits chunks and keeps order', () => {
    const rb = new ReceiveBuffer();
    rb.pushInOrder(bytes(10, 0));
    rb.pushInOrder(bytes(7, 10));
    rb.pushInOrder(new Uint8Array(0));
    assert.equal(rb.readable, 17);
    assert.equal(rb.read(0), undefined);
    assert.deepEqual(readAll(rb, 3), Array.from(bytes(17, 0)));
    assert.equal(rb.read(), undefined);
  });

  test('property: random insertions, in-order arrivals, drains and reads agree with the model, across the wrap', () => {
    type Op = { k: 'ooo'; off: number; len: number } | { k: 'inorder'; len: number } | { k: 'read'; max: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ k: fc.constant('ooo' as const), off: fc.integer({ min: 0, max: 60 }), len: fc.integer({ min: 0, max: 25 }) }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('inorder' as const), len: fc.integer({ min: 0, max: 25 }) }) },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('read' as const), max: fc.integer({ min: 1, max: 40 }) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.boolean(), fc.array(op, { maxLength: 120 }), (rawBase, nearWrap, ops) => {
        const base = nearWrap ? (0xffff_ffff - (rawBase % 200)) >>> 0 : rawBase;
        const rb = new ReceiveBuffer();
        const m = new RxModel();
        const read: number[] = [];
        let tag = 1;
        // Bytes are tagged with the offset and the arrival, so that "first copy kept" is checked.
        const mk = (off: number, len: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (off + i + 37 * tag) & 0xff);
        for (const o of ops) {
          tag++;
          if (o.k === 'ooo') {
            // Held pieces lie at or after RCV.NXT (the TCB trims to the window first).
            const off = m.nxt + o.off;
            const data = mk(off, o.len);
            assert.equal(rb.insertOutOfOrder((base + off) >>> 0, data), m.insert(off, data));
            if (o.off === 0 && o.len > 0) {
              // At RCV.NXT (data that came on a SYN): the TCB drains at once.
              const before = m.nxt;
              m.drain();
              assert.equal(rb.drainInOrder((base + before) >>> 0), (base + m.nxt) >>> 0);
            }
          } else if (o.k === 'inorder') {
            const data = mk(m.nxt, o.len);
            rb.pushInOrder(data);
            const before = m.nxt;
            m.pushInOrder(data);
            m.drain();
            assert.equal(rb.drainInOrder((base + before + o.len) >>> 0), (base + m.nxt) >>> 0);
          } else {
            for (let d = rb.read(o.max); d; d = rb.read(o.max)) read.push(...d);
          }
          assert.deepEqual(
            rb.outOfOrderRanges(),
            m.ranges().map(([l, r]) => [(base + l) >>> 0, (base + r) >>> 0]),
          );
          assert.equal(rb.outOfOrderBytes, m.held.size);
          assert.equal(rb.readable, m.stream.length - read.length);
        }
        read.push(...readAll(rb));
        assert.deepEqual(read, m.stream);
      }),
      { seed: 9293, numRuns: 500 },
    );
  });
});
