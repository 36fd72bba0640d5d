/**
 * RACK's per-segment records (tcp/rack.ts) live in one flat array per connection, four numbers a
 * record: a short connection makes one small array, not one per field. The records behave as before
 * through what changes their layout: a retransmission that splits a record, SACKs, losses, and the
 * compaction of acknowledged records once more than 256 lie before the head.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rack } from '../../src/tcp/rack.js';
import { moveToFront } from '../../src/tcp/rack.js';

const MSS = 100;

test('one array holds every record', () => {
  const r = new Rack();
  for (let k = 0; k < 5; k++) r.onSendNew(k * MSS, (k + 1) * MSS, k);
  const arrays = Object.values(r).filter((v) => Array.isArray(v));
  assert.equal(arrays.length, 1, 'one array for the records');
  assert.equal(arrays[0].length, 5 * 4);
  assert.equal(r.count, 5);
});

test('split, SACK, loss and compaction keep each record whole', () => {
  const r = new Rack();
  const n = 600;
  for (let k = 0; k < n; k++) r.onSendNew(k * MSS, (k + 1) * MSS, k);
  // The first 300 are acknowledged: more than 256 before the head, but not over half of the 600
  // held, so not yet compacted (the test below compacts).
  r.beginAck();
  r.onCumulativeAck(300 * MSS, 1000, undefined);
  assert.equal(r.count, n - 300);
  assert.equal(r.startOf(r.last()), (n - 1) * MSS);
  assert.equal(r.endOf(r.last()), n * MSS);
  // A retransmission of the front half of record 300 splits it.
  r.onRetransmit(300 * MSS, 300 * MSS + MSS / 2, 1001);
  assert.equal(r.count, n - 300 + 1);
  assert.deepEqual(r.wholeSegments(300 * MSS, 302 * MSS), [300 * MSS, 302 * MSS]);
  // Records 310 to 319 SACKed: the ones sent before 310 (not retransmitted) are lost once their time is up.
  r.beginAck();
  r.onSack(310 * MSS, 320 * MSS, 310 * MSS, 320 * MSS, 1002, undefined);
  const lost = r.detectLoss(5000, 0);
  assert.ok(lost > 0);
  const ranges = r.lostRanges();
  assert.deepEqual(ranges, [[300 * MSS + MSS / 2, 310 * MSS]], 'all but the retransmitted front half');
  const counts = r.segmentCounts();
  assert.equal(counts.sacked, 10);
  assert.equal(counts.retrans, 1);
  const first = r.firstLost();
  assert.equal(r.startOf(first), 300 * MSS + MSS / 2);
  assert.equal(r.wasRetransmitted(first), false);
});

test('moving the live records to the front keeps their order when the ranges overlap', () => {
  // 3 dead then 5 live: the live ones land on the dead ones and on themselves (a copy that went
  // from the end would write element 3's slot before reading it).
  const a = [0, 1, 2, 3, 4, 5, 6, 7];
  moveToFront(a, 3, 8);
  assert.deepEqual(a.slice(0, 5), [3, 4, 5, 6, 7]);
  assert.equal(a.length, 8, 'the room after them stays');
  const b = [9, 8];
  moveToFront(b, 2, 2);
  assert.deepEqual(b, [9, 8]);
});

test('after the compaction (301 of 600 acknowledged) the live records are the ones at the front', () => {
  const r = new Rack();
  const n = 600;
  for (let k = 0; k < n; k++) r.onSendNew(k * MSS, (k + 1) * MSS, k);
  r.beginAck();
  // 301 before the head: more than 256 and more than half of the 600 held, so compacted.
  r.onCumulativeAck(301 * MSS, 1000, undefined);
  assert.equal(r.count, n - 301);
  assert.deepEqual(r.wholeSegments(301 * MSS, 303 * MSS), [301 * MSS, 303 * MSS]);
  assert.equal(r.startOf(r.last()), (n - 1) * MSS);
  // Records 400 to 409 SACKed: every record from 301 to 399, sent before them, is lost once its
  // time is up (RFC 8985 §6.2), and nothing else.
  r.beginAck();
  r.onSack(400 * MSS, 410 * MSS, 400 * MSS, 410 * MSS, 1001, undefined);
  r.detectLoss(5000, 0);
  assert.deepEqual(r.lostRanges(), [[301 * MSS, 400 * MSS]]);
});
