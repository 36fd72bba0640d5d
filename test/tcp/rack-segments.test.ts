/**
 * Rack.onSendNewSegments: an offloaded segment is recorded as the wire segments it stands for, the
 * records those one onSendNew call per wire segment make (sequence ranges, across the 2^32 wrap, the
 * last one shorter), so that RACK sees each wire segment's loss on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rack } from '../../src/tcp/rack.js';

function records(r: Rack): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < r.count; i++) out.push([r.startOf(i), r.endOf(i)]);
  return out;
}

test('onSendNewSegments records one segment per wire segment, as onSendNew one at a time does', () => {
  for (const [start, length, size] of [[1000, 3 * 1448 + 100, 1448], [0xffffff00, 5 * 1000, 1000], [7, 1448, 1448], [7, 1449, 1448]]) {
    const batch = new Rack();
    const one = new Rack();
    const end = (start + length) >>> 0;
    batch.onSendNewSegments(start, end, size, 5);
    for (let off = 0; off < length; off += size) one.onSendNew((start + off) >>> 0, (start + Math.min(length, off + size)) >>> 0, 5);
    assert.deepEqual(records(batch), records(one), `start ${start}, ${length} octets in segments of ${size}`);
    assert.equal(batch.count, Math.ceil(length / size));
  }
});

test('records stay in order through thousands retired and added, splits and moves to the front of their arrays', () => {
  const rack = new Rack();
  let model: Array<[number, number]> = [];
  const live = (): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    const last = rack.last();
    for (let i = last - rack.count + 1; i <= last; i++) out.push([rack.startOf(i), rack.endOf(i)]);
    return out;
  };
  let next = 0xfff00000; // across the 2^32 wrap
  let una = next;
  let now = 0;
  for (let round = 0; round < 400; round++) {
    now += 1;
    // An offloaded segment of 45 wire segments, then one plain segment.
    const end = (next + 45 * 1448) >>> 0;
    rack.onSendNewSegments(next, end, 1448, now);
    for (let s = next; s !== end; s = (s + 1448) >>> 0) model.push([s, (s + 1448) >>> 0]);
    next = end;
    rack.onSendNew(next, (next + 700) >>> 0, now);
    model.push([next, (next + 700) >>> 0]);
    next = (next + 700) >>> 0;
    // Every seventh round the first record goes again, only its front (it splits in two).
    if (round % 7 === 3 && model.length > 0) {
      const [s, e] = model[0];
      const mid = (s + 500) >>> 0;
      rack.onRetransmit(s, mid, now);
      model.splice(0, 1, [s, mid], [mid, e]);
    }
    // A cumulative ACK of the first 40 records (or all, now and then).
    const take = round % 50 === 49 ? model.length : Math.min(40, model.length);
    una = model[take - 1][1];
    rack.onCumulativeAck(una, now + 0.5, undefined);
    model = model.slice(take);
    assert.deepEqual(live(), model, `round ${round}`);
    assert.equal(rack.count, model.length, `round ${round}: count`);
  }
});
