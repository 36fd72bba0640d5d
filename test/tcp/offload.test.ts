/**
 * Segmentation offload seen from one connection (Segment.gsoSize, Tcb.gsoMaxSize), on the scenario
 * harness's numbers: ISS 1000, IRS 5000, the peer's window 8192, no options, so the send MSS is
 * RFC 9293's default of 536 (the peer's SYN-ACK carries no MSS option) and the initial window 10
 * segments (RFC 6928: 5360 octets).
 *
 * Sending 5000 octets: 5000 = 9 * 536 + 176. Without offload, nine segments of 536, and the last 176
 * held by Nagle's algorithm (RFC 9293 §3.7.4: data is in flight). With offload, one segment of
 * 9 * 536 = 4824 octets marked to be cut every 536 (the same nine wire segments), the 176 held the
 * same way. Nothing else differs: SND.NXT and the segment count (OutSegs counts wire segments).
 *
 * Receiving (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2: an ACK at least every second full-sized segment):
 * with ACKs delayed 40 ms and quick ACKs off, one 536-octet segment waits for the delayed-ACK timer;
 * a merged segment of 1072 octets with gsoSize 536 is two wire segments, so it is acknowledged at once,
 * and it counts 2 in InSegs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inState, peerSeg, T, IRS } from './scenario-helpers.js';
import { drain, fmt } from './harness.js';

function sendFiveThousand(gsoMaxSize: number): { out: ReturnType<typeof drain>; outSegs: number; sndNxt: number } {
  const c = inState('ESTABLISHED');
  c.t.gsoMaxSize = gsoMaxSize;
  const before = c.t.stats.OutSegs;
  assert.equal(c.t.send(new Uint8Array(5000).fill(7), T), 5000);
  const out = drain(c.t, T);
  return { out, outSegs: c.t.stats.OutSegs - before, sndNxt: c.t.sndNxt };
}

test('a sender with offload hands over nine full segments as one, to be cut every MSS', () => {
  const plain = sendFiveThousand(0);
  assert.equal(plain.out.length, 9, plain.out.map(fmt).join(' '));
  const on = sendFiveThousand(65535);
  assert.deepEqual(on.out.map(fmt), ['<SEQ=1001><ACK=5001><CTL=ACK><DATA=4824>']);
  assert.equal(on.out[0].gsoSize, 536);
  // The same octets as the nine segments without offload, and the same counts.
  const joined = (segs: typeof on.out): number[] => segs.flatMap((s) => [...s.payload]);
  assert.deepEqual(joined(on.out), joined(plain.out));
  assert.equal(on.outSegs, plain.outSegs, 'OutSegs counts wire segments');
  assert.equal(on.sndNxt, plain.sndNxt);
});

test('a merged segment of two full-sized ones is acknowledged at once (an ACK every second segment); one alone waits', () => {
  const c = inState('ESTABLISHED', { config: { ackDelayMs: 40, quickAckSegments: 0 } });
  c.t.handleSegment(peerSeg(`<SEQ=${IRS + 1}><ACK=1001><CTL=ACK><DATA=536>`), T);
  assert.deepEqual(drain(c.t, T).map(fmt), [], 'one segment: the ACK is delayed');
  const c2 = inState('ESTABLISHED', { config: { ackDelayMs: 40, quickAckSegments: 0 } });
  const before = c2.t.stats.InSegs;
  const merged = peerSeg(`<SEQ=${IRS + 1}><ACK=1001><CTL=ACK><DATA=1072>`);
  merged.gsoSize = 536;
  c2.t.handleSegment(merged, T);
  assert.deepEqual(drain(c2.t, T).map(fmt), [`<SEQ=1001><ACK=${IRS + 1 + 1072}><CTL=ACK>`], 'two segments merged: ACK now');
  assert.equal(c2.t.stats.InSegs - before, 2, 'InSegs counts the wire segments');
});
