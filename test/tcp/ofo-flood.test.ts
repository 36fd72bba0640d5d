/**
 * Out-of-order queue abuse (SegmentSmack, CVE-2018-5390): a peer sends many tiny segments ahead of
 * RCV.NXT, in an order chosen to make each one as costly as it can. The receiver keeps its held data
 * as ranges (maximal runs of octets) and holds at most `maxOutOfOrderRanges` of them; a segment that
 * would start one more is dropped and counted (TCPOFODropRanges), the ACK still goes. Whatever the
 * order, overlap or drops, the bytes the application reads are exactly the stream the peer sent.
 *
 * The receiver is A (ISS 100) with SACK; its peer's ISS is 300, so RCV.NXT = 301 after the handshake.
 * No window scaling: RCV.WND = 65535, so held octets lie in [301, 65836).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { activeOpen, drain, seg, tcb } from './harness.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { makeSegment } from '../../src/tcp/segment.js';
import { TcpFlag } from '../../src/wire/index.js';

const IRS = 300;
const NXT = IRS + 1;

function receiver(config: Partial<TcpConfig> = {}): Tcb {
  const t = tcb({ iss: 100, config: { sack: true, ackDelayMs: 0, ...config } });
  activeOpen(t, seg(`<SEQ=${IRS}><ACK=101><CTL=SYN,ACK>`, { options: { mss: 1000, sackPermitted: true } }), 10);
  return t;
}

/** The stream's byte at offset `off` from RCV.NXT (what the peer sends there, every time). */
const byteAt = (off: number): number => (off * 7 + 3) & 0xff;

function data(at: number, seq: number, len: number, t: Tcb): void {
  const off = seq - NXT;
  const payload = Uint8Array.from({ length: len }, (_, i) => byteAt(off + i));
  t.handleSegment(makeSegment({ srcPort: 80, dstPort: 40000, seq: seq >>> 0, ack: 101, flags: TcpFlag.ACK, window: 65535, payload }), at);
  drain(t, at);
}

function readAll(t: Tcb): number[] {
  const out: number[] = [];
  for (let d = t.read(); d; d = t.read()) for (const b of d) out.push(b);
  return out;
}

/** A seeded shuffle (Fisher-Yates). */
function shuffle<T>(xs: T[], seed: number): T[] {
  const r = new SeededRandom(seed);
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

describe('out-of-order queue abuse (SegmentSmack)', () => {
  test('30,000 one-byte segments at every other octet, in random order: held ranges stay within maxOutOfOrderRanges, the rest is dropped and counted, the stream arrives exact', () => {
    const seed = 5390;
    const t = receiver();
    const max = DEFAULT_TCP_CONFIG.maxOutOfOrderRanges;
    // Offsets 2, 4, ..., 60000 from RCV.NXT: each a range of its own (its neighbours are holes).
    const offsets = shuffle(Array.from({ length: 30_000 }, (_, i) => 2 + 2 * i), seed);
    let now = 20;
    for (const off of offsets) data(now++, NXT + off, 1, t);
    const rb = t.receiveBuffer;
    assert.ok(rb.blockCount() <= max, `seed ${seed}: ${rb.blockCount()} ranges held, at most ${max}`);
    assert.equal(rb.blockCount(), max, `seed ${seed}: the first ${max} are kept`);
    assert.equal(t.stats.TCPOFODropRanges, offsets.length - max, `seed ${seed}: every other one dropped and counted`);
    assert.equal(t.stats.TCPOFOQueue, max);
    assert.equal(rb.outOfOrderBytes, max);
    // The peer now sends the stream in order, 1000 octets at a time: exactly the stream comes out.
    for (let off = 0; off < 60_002; off += 1000) data(now++, NXT + off, Math.min(1000, 60_002 - off), t);
    const got = readAll(t);
    assert.equal(got.length, 60_002);
    assert.ok(got.every((b, i) => b === byteAt(i)), `seed ${seed}: bytes differ from the stream`);
    assert.equal(rb.blockCount(), 0);
  });

  test('65,000 one-byte segments in descending order coalesce into one range', () => {
    const t = receiver();
    let now = 20;
    for (let off = 65_000; off >= 1; off--) data(now++, NXT + off, 1, t);
    assert.equal(t.receiveBuffer.blockCount(), 1);
    assert.equal(t.receiveBuffer.outOfOrderBytes, 65_000);
    assert.equal(t.stats.TCPOFODropRanges, 0);
    data(now, NXT, 1, t);
    const got = readAll(t);
    assert.equal(got.length, 65_001);
    assert.ok(got.every((b, i) => b === byteAt(i)));
  });

  test('a segment that extends or bridges held ranges is taken at the limit; one that would start a new range is not', () => {
    const t = receiver({ maxOutOfOrderRanges: 2 });
    data(20, NXT + 10, 5, t); // [311, 316)
    data(21, NXT + 30, 5, t); // [331, 336)
    data(22, NXT + 50, 5, t); // a third range: dropped
    assert.deepEqual(t.receiveBuffer.outOfOrderRanges(), [[NXT + 10, NXT + 15], [NXT + 30, NXT + 35]]);
    assert.equal(t.stats.TCPOFODropRanges, 1);
    data(23, NXT + 15, 5, t); // extends the first
    data(24, NXT + 18, 14, t); // bridges the two
    assert.deepEqual(t.receiveBuffer.outOfOrderRanges(), [[NXT + 10, NXT + 35]]);
    data(25, NXT + 50, 5, t); // room again
    assert.deepEqual(t.receiveBuffer.outOfOrderRanges(), [[NXT + 10, NXT + 35], [NXT + 50, NXT + 55]]);
    assert.equal(t.stats.TCPOFODropRanges, 1);
  });

  test('property: any arrival order, overlap and range limit deliver the same bytes as in-order delivery', () => {
    const piece = fc.record({ off: fc.integer({ min: 0, max: 3000 }), len: fc.integer({ min: 1, max: 400 }) });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 150 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), (pieces, maxRanges, sack) => {
        const t = receiver({ maxOutOfOrderRanges: maxRanges, sack });
        let now = 20;
        for (const p of pieces) data(now++, NXT + p.off, p.len, t);
        const held = t.receiveBuffer.blockCount();
        assert.ok(held <= maxRanges, `${held} ranges held, limit ${maxRanges}`);
        // Then the whole stream in order (the peer's retransmissions): whatever was kept or dropped, the
        // application reads exactly the stream.
        const total = 3400;
        for (let off = 0; off < total; off += 500) data(now++, NXT + off, Math.min(500, total - off), t);
        const got = readAll(t);
        assert.equal(got.length, total);
        for (let i = 0; i < total; i++) if (got[i] !== byteAt(i)) assert.fail(`byte ${i}: ${got[i]} != ${byteAt(i)}`);
        assert.equal(t.receiveBuffer.outOfOrderBytes, 0);
      }),
      { seed: 2018_5390, numRuns: 300 },
    );
  });
});
