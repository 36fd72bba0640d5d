/**
 * SACK abuse (SACK Panic, CVE-2019-11477, and SACK Slowness, CVE-2019-11478): a receiver whose SACK
 * blocks fragment the sender's view of its flight into one-octet pieces, blocks outside the window,
 * overlapping and reordered blocks, many blocks in one ACK. The sender's scoreboard keeps at most
 * `maxSackRanges` ranges (a block that would make one more is ignored and counted,
 * TCPSACKDiscardRanges); its lookups are binary searches; RACK's records (one per segment sent) are
 * never split by a SACK block; sequence arithmetic wraps, so no count overflows.
 *
 * The sender is A (ISS 100, so its data starts at 101); the peer's ISS is 300, MSS 1000, window 65535,
 * no timestamps. A sends 10,000 octets: the initial window (RFC 6928's 10 segments) is all in flight,
 * [101, 10101).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { activeOpen, drain, seg, tcb } from './harness.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.js';
import { SackScoreboard } from '../../src/tcp/scoreboard.js';
import { makeSegment } from '../../src/tcp/segment.js';
import { TcpFlag } from '../../src/wire/index.js';

const UNA = 101;
const FLIGHT = 10_000;

function sender(config: Partial<TcpConfig> = {}, iss = 100): Tcb {
  const t = tcb({ iss, config: { sack: true, ackDelayMs: 0, ...config } });
  activeOpen(t, seg(`<SEQ=300><ACK=${(iss + 1) >>> 0}><CTL=SYN,ACK>`, { options: { mss: 1000, sackPermitted: true } }), 10);
  t.send(new Uint8Array(FLIGHT), 10);
  const out = drain(t, 10);
  assert.equal(out.reduce((n, s) => n + s.payload.length, 0), FLIGHT, 'the whole flight is out');
  return t;
}

/** A duplicate ACK (SEG.ACK = `ack`) carrying `blocks`. */
function sackAck(t: Tcb, ack: number, blocks: Array<[number, number]>, now: number): void {
  t.handleSegment(makeSegment({ srcPort: 80, dstPort: 40000, seq: 301, ack: ack >>> 0, flags: TcpFlag.ACK, window: 65535, options: { sack: blocks } }), now);
  drain(t, now);
}

describe('SACK abuse (SACK Panic, SACK Slowness)', () => {
  test('one-octet blocks at every other octet of the flight: the scoreboard stops at maxSackRanges, the rest is counted, RACK keeps one record per segment', () => {
    const t = sender();
    const max = DEFAULT_TCP_CONFIG.maxSackRanges;
    const records = t.rack.count;
    assert.equal(records, 10);
    let now = 20;
    // 5,000 one-octet blocks [101 + 2k + 1, 101 + 2k + 2), four per ACK, from the top down (each
    // insertion at the front of the arrays, the worst place for them).
    const blocks: Array<[number, number]> = [];
    for (let k = FLIGHT / 2 - 1; k >= 0; k--) blocks.push([UNA + 2 * k + 1, UNA + 2 * k + 2]);
    for (let i = 0; i < blocks.length; i += 4) sackAck(t, UNA, blocks.slice(i, i + 4), now++);
    assert.ok(t.sacks.rangeCount <= max, `${t.sacks.rangeCount} ranges, at most ${max}`);
    assert.equal(t.sacks.rangeCount, max);
    assert.equal(t.stats.TCPSACKDiscardRanges, blocks.length - max);
    assert.equal(t.sacks.sackedBytes, max);
    assert.equal(t.rack.count, records, 'no record split by a SACK block');
    // The data is all acknowledged at last: nothing is left held.
    sackAck(t, UNA + FLIGHT, [], now++);
    assert.equal(t.sndUna, UNA + FLIGHT);
    assert.equal(t.sacks.rangeCount, 0);
    assert.equal(t.sacks.sackedBytes, 0);
    assert.equal(t.rack.count, 0);
  });

  test('the same large block repeated in every ACK adds nothing after the first', () => {
    const t = sender();
    sackAck(t, UNA, [[UNA + 1000, UNA + 9000]], 20);
    const sacked = t.rack.segsSacked;
    assert.equal(sacked, 8);
    for (let i = 0; i < 1000; i++) sackAck(t, UNA, [[UNA + 1000, UNA + 9000], [UNA + 2000, UNA + 8000], [UNA + 1000, UNA + 9000]], 21 + i);
    assert.equal(t.rack.segsSacked, sacked);
    assert.equal(t.sacks.rangeCount, 1);
    assert.equal(t.sacks.sackedBytes, 8000);
  });

  test('blocks outside SND.UNA..SND.MAX, empty or inverted are ignored and counted; the scoreboard is untouched', () => {
    const t = sender();
    const bad: Array<[number, number]> = [
      [UNA - 1000, UNA - 500], // below SND.UNA and not a D-SACK (not first)
      [UNA + FLIGHT, UNA + FLIGHT + 1], // beyond SND.MAX
      [UNA + 500, UNA + 500], // empty
      [UNA + 600, UNA + 400], // inverted
      [(UNA + 0x8000_0000) >>> 0, (UNA + 0x8000_1000) >>> 0], // half the sequence space away
      [0xffff_fff0, 0x10], // across the wrap, far from the window
    ];
    let now = 20;
    for (const b of bad) sackAck(t, UNA, [[UNA + 5000, UNA + 6000], b], now++);
    assert.equal(t.stats.TCPSACKDiscard, bad.length);
    assert.equal(t.sacks.rangeCount, 1);
    assert.equal(t.sacks.sackedBytes, 1000);
    assert.ok(t.checkInvariants() === undefined, t.checkInvariants());
  });

  test('more than four blocks in one ACK (more than 40 octets of options could hold): only the first four are used', () => {
    const t = sender();
    const blocks: Array<[number, number]> = [];
    for (let k = 0; k < 100; k++) blocks.push([UNA + 50 * k + 10, UNA + 50 * k + 20]);
    sackAck(t, UNA, blocks, 20);
    assert.equal(t.sacks.rangeCount, 4);
    assert.equal(t.stats.TCPSACKDiscard, 96);
  });

  test('property: overlapping, reordered and repeated blocks, across the wrap, agree with a byte-set model', () => {
    const block = fc.record({ l: fc.integer({ min: 0, max: 2000 }), len: fc.integer({ min: -5, max: 300 }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.array(fc.array(block, { minLength: 1, maxLength: 4 }), { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (rawBase, acks, maxRanges) => {
        const base = rawBase % 2 === 0 ? (0xffff_ffff - (rawBase % 3000)) >>> 0 : rawBase;
        const sb = new SackScoreboard();
        const held = new Set<number>();
        for (const blocks of acks) {
          for (const { l, len } of blocks) {
            if (len <= 0) continue; // classify() keeps these out: add is never given one
            const r = l + len;
            const before = sb.rangeCount;
            const added = sb.add((base + l) >>> 0, (base + r) >>> 0, maxRanges);
            if (added < 0) {
              assert.equal(sb.rangeCount, before);
              assert.equal(before, maxRanges);
              continue;
            }
            let fresh = 0;
            for (let x = l; x < r; x++) if (!held.has(x)) (held.add(x), fresh++);
            assert.equal(added, fresh);
          }
          assert.ok(sb.rangeCount <= maxRanges);
          assert.equal(sb.sackedBytes, held.size);
          // Lookups (binary searches) against the model.
          for (let x = 0; x < 2400; x += 37) {
            const seq = (base + x) >>> 0;
            assert.equal(sb.isSacked(seq), held.has(x), `isSacked(${x})`);
            let skip = x;
            while (held.has(skip)) skip++;
            assert.equal(sb.skipSacked(seq), (base + skip) >>> 0, `skipSacked(${x})`);
            const expectHole = firstStartAfter(held, x, 2400);
            assert.equal(sb.holeEnd(seq, (base + 2400) >>> 0), (base + expectHole) >>> 0, `holeEnd(${x})`);
          }
        }
      }),
      { seed: 2019_11477, numRuns: 300 },
    );
  });
});

/** The first left edge of a SACKed run that starts after `x` (the old linear holeEnd's answer), or `limit`. */
function firstStartAfter(held: Set<number>, x: number, limit: number): number {
  for (let y = x + 1; y < limit; y++) if (held.has(y) && !held.has(y - 1)) return y;
  return limit;
}
