/**
 * D-SACK for segments that are partly duplicates, and the order of the blocks after it (RFC 2883 §4,
 * RFC 2018 §4), and the immediate ACK for a segment that fills all or part of a hole or arrives out
 * of order (RFC 5681 §4.2, RFC 9293 §3.8.6.3), with delayed ACKs on (ackDelayMs 200, as FreeBSD's
 * delack and Linux's ato ceiling are in that order).
 *
 * The receiver is A (ISS 100); its peer's ISS is 300, so RCV.NXT = 301 after the handshake, MSS 1000,
 * no timestamps. Every expectation is worked out from the RFC text:
 * - RFC 2883 §4 (1): "A D-SACK block is only used to report a duplicate contiguous sequence of data
 *   received by the receiver in the most recent packet."
 * - RFC 2883 §4 (3): "The first SACK block (i.e., the one immediately following the kind and length
 *   fields in the option) MUST specify the contiguous sequence space of the duplicate segment" ...
 *   "(4) If the D-SACK block reports a duplicate contiguous sequence from a (possibly larger) block of
 *   data in the receiver's data queue above the cumulative acknowledgement, then the second SACK block
 *   in that SACK option should specify that (possibly larger) block of data."
 * - RFC 2018 §4: the first SACK block "MUST specify the contiguous block of data containing the
 *   segment which triggered this ACK", then the most recently reported blocks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { activeOpen, drain, seg, tcb } from './harness.js';
import type { Tcb } from '../../src/tcp/tcb.js';

function receiver(ackDelayMs = 0): Tcb {
  const t = tcb({ iss: 100, config: { timestamps: false, sack: true, ackDelayMs, quickAckSegments: 0 } });
  activeOpen(t, seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options: { mss: 1000, sackPermitted: true } }), 10);
  return t;
}

/** `len` bytes at `seq` arrive at `now`; the ACKs A sends at once, as [ack, blocks]. */
function arrive(t: Tcb, seq: number, now: number, len = 1000): Array<[number, Array<[number, number]> | undefined]> {
  t.handleSegment(seg(`<SEQ=${seq}><ACK=101><DATA=${len}>`), now);
  return drain(t, now).map((s) => [s.ack, s.options.sack?.map(([l, r]) => [l, r] as [number, number])]);
}

describe('D-SACK for a partly duplicate segment (RFC 2883 §4)', () => {
  test('a segment that repeats held out-of-order data and adds new data: the repeated part first, then its block', () => {
    const t = receiver();
    assert.deepEqual(arrive(t, 1301, 20), [[301, [[1301, 2301]]]]);
    // [1801, 2801): [1801, 2301) is held already, [2301, 2801) is new. The block containing it is [1301, 2801).
    assert.deepEqual(arrive(t, 1801, 21), [[301, [[1801, 2301], [1301, 2801]]]]);
    assert.equal(t.stats.TCPDSACKOfoSent, 1);
  });

  test('a segment below held data that overlaps its start: the overlap is the D-SACK', () => {
    const t = receiver();
    arrive(t, 2301, 20);
    // [1801, 2801): [1801, 2301) is new, [2301, 2801) was held.
    assert.deepEqual(arrive(t, 1801, 21), [[301, [[2301, 2801], [1801, 3301]]]]);
  });

  test('an in-order segment whose end repeats held data: the ACK moves and reports the repeated part (below the new cumulative ACK)', () => {
    const t = receiver();
    arrive(t, 1301, 20); // held [1301, 2301)
    // [301, 1801): [301, 1301) fills the hole, [1301, 1801) repeats held data. RCV.NXT becomes 2301.
    assert.deepEqual(arrive(t, 301, 21, 1500), [[2301, [[1301, 1801]]]]);
    assert.equal(t.stats.TCPDSACKOldSent, 1);
  });

  test('a segment partly below RCV.NXT: the old part first, then the most recently reported blocks', () => {
    const t = receiver();
    arrive(t, 301, 20); // RCV.NXT 1301
    arrive(t, 3301, 21); // held [3301, 4301)
    // [801, 1801): [801, 1301) old, [1301, 1801) new in order.
    assert.deepEqual(arrive(t, 801, 22), [[1801, [[801, 1301], [3301, 4301]]]]);
  });

  test('one D-SACK block per ACK: the duplicate of the most recent segment, reported once', () => {
    const t = receiver();
    arrive(t, 1301, 20);
    arrive(t, 1801, 21);
    assert.deepEqual(arrive(t, 5301, 22), [[301, [[5301, 6301], [1301, 2801]]]], 'no D-SACK again');
  });
});

describe('ACK at once for out-of-order data and for data that fills a hole (RFC 5681 §4.2)', () => {
  test('out of order: a duplicate ACK at once, with delayed ACKs on', () => {
    const t = receiver(200);
    assert.deepEqual(arrive(t, 1301, 20), [[301, [[1301, 2301]]]]);
  });

  test('a segment that fills the whole hole: ACK at once', () => {
    const t = receiver(200);
    arrive(t, 1301, 20);
    assert.deepEqual(arrive(t, 301, 21), [[2301, undefined]]);
  });

  test('a segment that fills part of a hole at RCV.NXT: ACK at once', () => {
    const t = receiver(200);
    arrive(t, 2301, 20);
    assert.deepEqual(arrive(t, 301, 21), [[1301, [[2301, 3301]]]]);
  });

  test('a segment that fills part of a hole in its middle: ACK at once', () => {
    const t = receiver(200);
    arrive(t, 3301, 20);
    assert.deepEqual(arrive(t, 1301, 21), [[301, [[1301, 2301], [3301, 4301]]]]);
  });

  test('a segment partly below RCV.NXT: its new part is in order, yet the D-SACK goes at once', () => {
    const t = receiver(200);
    assert.deepEqual(arrive(t, 301, 20, 500), [], 'one in-order segment: the ACK is delayed');
    t.handleTimeout(220);
    assert.equal(drain(t, 220)[0].ack, 801, 'the delayed ACK');
    // [301, 1301): [301, 801) is old, [801, 1301) new and in order.
    assert.deepEqual(arrive(t, 301, 300), [[1301, [[301, 801]]]]);
  });

  test('in-order data with no hole waits for the delayed ACK (one segment)', () => {
    const t = receiver(200);
    assert.deepEqual(arrive(t, 301, 20), []);
  });
});
