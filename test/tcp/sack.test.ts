/**
 * SACK on both sides: the blocks a receiver sends (RFC 2018 §4, D-SACK RFC 2883 §4), the sender's
 * scoreboard (RFC 6675 §3), RACK's loss detection (RFC 8985 §6) and PRR's arithmetic (RFC 6937).
 * Expected values are worked out by hand from the RFCs. Segments in RFC 9293 notation, MSS 1000.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { activeOpen, drain, seg, tcb } from './harness.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import { SackBlockKind, SackScoreboard } from '../../src/tcp/scoreboard.js';
import { Rack } from '../../src/tcp/rack.js';
import { Prr } from '../../src/tcp/prr.js';

/** A receiver (A, ISS 100) whose peer (ISS 300) negotiated SACK, with or without timestamps. */
function receiver(timestamps: boolean): Tcb {
  const t = tcb({ iss: 100, config: { timestamps, sack: true, ackDelayMs: 0 } });
  const options = timestamps ? { mss: 1000, sackPermitted: true, timestamp: { value: 1, echo: 1 } } : { mss: 1000, sackPermitted: true };
  activeOpen(t, seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options }), 10);
  assert.equal(t.sackPermitted, true);
  return t;
}

/** Deliver 1000 bytes at `seq` from the peer; the SACK blocks of A's answer, as [left, right] pairs. */
function deliver(t: Tcb, seq: number, now: number, len = 1000): Array<[number, number]> | undefined {
  const options = t.timestamps ? { timestamp: { value: now, echo: 1 } } : {};
  t.handleSegment(seg(`<SEQ=${seq}><ACK=101><DATA=${len}>`, { options }), now);
  const out = drain(t, now);
  assert.equal(out.length, 1, 'one ACK at once');
  return out[0].options.sack?.map(([l, r]) => [l, r]);
}

describe('SACK blocks a receiver sends (RFC 2018 §4)', () => {
  test('the first block holds the newest segment; then the most recently reported others; merged as holes fill', () => {
    const t = receiver(false);
    // RCV.NXT = 301. 1301 lost, then 2301..; 4301 lost too, then 5301.
    assert.equal(deliver(t, 301, 20), undefined, 'in order: no SACK');
    assert.deepEqual(deliver(t, 2301, 21), [[2301, 3301]]);
    assert.deepEqual(deliver(t, 3301, 22), [[2301, 4301]]);
    assert.deepEqual(deliver(t, 5301, 23), [[5301, 6301], [2301, 4301]]);
    assert.deepEqual(deliver(t, 7301, 24), [[7301, 8301], [5301, 6301], [2301, 4301]]);
    // 4301 fills the hole between the first two blocks: one block now, reported first.
    assert.deepEqual(deliver(t, 4301, 25), [[2301, 6301], [7301, 8301]]);
    // 1301 fills the first hole: the ACK moves to 6301, one block left.
    t.handleSegment(seg('<SEQ=1301><ACK=101><DATA=1000>'), 26);
    const [a] = drain(t, 26);
    assert.equal(a.ack, 6301);
    assert.deepEqual(a.options.sack, [[7301, 8301]]);
  });

  test('at most 4 blocks without timestamps, 3 with them (40 octets of options)', () => {
    for (const [ts, max] of [[false, 4], [true, 3]] as const) {
      const t = receiver(ts);
      let blocks: Array<[number, number]> | undefined;
      for (let i = 0; i < 6; i++) blocks = deliver(t, 1301 + 2000 * i, 20 + i);
      assert.equal(blocks!.length, max, `timestamps ${ts}`);
      // The newest first, then in the order they were last reported.
      assert.deepEqual(blocks![0], [11301, 12301]);
      assert.deepEqual(blocks![1], [9301, 10301]);
      assert.equal(t.stats.TCPSackBlocksSent, [1, 2, 3, 4, 5, 6].reduce((s, n) => s + Math.min(n, max), 0));
    }
  });

  test('D-SACK: a duplicate below RCV.NXT is reported first, once (RFC 2883 §4.1.1)', () => {
    const t = receiver(false);
    deliver(t, 301, 20);
    assert.deepEqual(deliver(t, 301, 21), [[301, 1301]], 'the duplicate, alone');
    assert.equal(t.stats.TCPDSACKOldSent, 1);
    assert.equal(deliver(t, 1301, 22), undefined, 'reported once only');
  });

  test('D-SACK of out-of-order data held already: the duplicate first, then the block containing it (RFC 2883 §4.2)', () => {
    const t = receiver(false);
    deliver(t, 1301, 20);
    deliver(t, 2301, 21);
    assert.deepEqual(deliver(t, 2301, 22), [[2301, 3301], [1301, 3301]]);
    assert.equal(t.stats.TCPDSACKOfoSent, 1);
  });

  test('D-SACK with other blocks: the duplicate, then the newest block, then the others', () => {
    const t = receiver(false);
    deliver(t, 1301, 20);
    deliver(t, 3301, 21);
    assert.deepEqual(deliver(t, 1301, 22), [[1301, 2301], [1301, 2301], [3301, 4301]]);
  });

  test('a data segment leaves room for its SACK blocks (the packet still fits the MTU)', () => {
    const t = receiver(false);
    deliver(t, 1301, 20); // one block to report: 12 octets of options
    t.send(new Uint8Array(5000), 21);
    const out = drain(t, 21);
    assert.ok(out.length > 0);
    assert.equal(out[0].payload.length, 1000 - 12);
    assert.deepEqual(out[0].options.sack, [[1301, 2301]]);
  });
});

describe('the sender\'s scoreboard (RFC 6675 §3, RFC 2883 §4)', () => {
  test('ranges merge, count newly SACKed octets, and fall away below SND.UNA', () => {
    const sb = new SackScoreboard();
    assert.equal(sb.add(2000, 3000), 1000);
    assert.equal(sb.add(5000, 6000), 1000);
    assert.equal(sb.add(2500, 3500), 500, 'overlap counted once');
    assert.equal(sb.add(3500, 5000), 1500, 'fills the gap: one range');
    assert.equal(sb.rangeCount, 1);
    assert.equal(sb.sackedBytes, 4000);
    assert.equal(sb.add(8000, 9000), 1000);
    assert.equal(sb.sackedAbove(5500), 500 + 1000);
    assert.equal(sb.holeEnd(6000, 10_000), 8000);
    assert.equal(sb.skipSacked(2000), 6000);
    assert.equal(sb.isSacked(7000), false);
    assert.equal(sb.advance(4000), 2000);
    assert.equal(sb.sackedBytes, 3000);
    assert.equal(sb.left(0), 4000);
  });

  test('across the sequence-number wrap', () => {
    const sb = new SackScoreboard();
    const base = 0xffff_fc00;
    assert.equal(sb.add(base, (base + 2000) >>> 0), 2000);
    assert.equal(sb.isSacked(500), true);
    assert.equal(sb.advance(0), 1024);
    assert.equal(sb.sackedBytes, 976);
  });

  test('block classification: D-SACK below the ACK or inside the second block; blocks outside SND.UNA..SND.MAX ignored', () => {
    const una = 1000;
    const max = 9000;
    assert.equal(SackScoreboard.classify([[500, 1000]], 0, una, una, max), SackBlockKind.Duplicate);
    assert.equal(SackScoreboard.classify([[3000, 4000], [2000, 5000]], 0, una, una, max), SackBlockKind.Duplicate);
    assert.equal(SackScoreboard.classify([[3000, 4000], [2000, 5000]], 1, una, una, max), SackBlockKind.Sack);
    assert.equal(SackScoreboard.classify([[8000, 9500]], 0, una, una, max), SackBlockKind.Invalid, 'beyond SND.MAX');
    assert.equal(SackScoreboard.classify([[4000, 4000]], 0, una, una, max), SackBlockKind.Invalid, 'empty');
    assert.equal(SackScoreboard.classify([[2000, 3000], [3000, 4000]], 1, una, una, max), SackBlockKind.Sack);
  });
});

describe('RACK loss detection (RFC 8985 §6.2)', () => {
  /** Ten segments of 1000 octets from 0, sent 1 ms apart from t = 0. */
  function sent(): Rack {
    const r = new Rack();
    for (let i = 0; i < 10; i++) r.onSendNew(i * 1000, (i + 1) * 1000, i);
    return r;
  }

  test('a segment sent before a delivered one is lost once RACK.rtt + reo_wnd has passed since it was sent', () => {
    const r = sent();
    r.beginAck();
    r.onSack(2000, 3000, 2000, 3000, 52, 50); // segment 2 (sent at 2) delivered at 52: RACK.rtt = 50
    assert.equal(r.rtt, 50);
    // reo_wnd: no reordering seen, not in recovery, one segment SACKed: min_RTT / 4 = 12.5.
    const w = r.reoWnd(false, 50, 50);
    assert.equal(w, 12.5);
    // Segment 0: sent at 0, lost when 0 + 50 + 12.5 <= now; at 52 it has 10.5 ms left, segment 1 11.5.
    assert.equal(r.detectLoss(52, w), 0);
    assert.equal(r.reorderTimeout, 11.5, 'the reorder timer waits for the later of them');
    assert.equal(r.detectLoss(62.5, w), 1000, 'segment 0');
    assert.equal(r.detectLoss(63.5, w), 1000, 'segment 1');
    assert.equal(r.lostBytes(), 2000);
    assert.equal(r.startOf(r.firstLost()), 0);
  });

  test('three segments SACKed and no reordering seen: no reordering window (RFC 8985 §6.2 step 4)', () => {
    const r = sent();
    r.beginAck();
    r.onSack(1000, 4000, 1000, 4000, 54, 50);
    assert.equal(r.segsSacked, 3);
    assert.equal(r.reoWnd(false, 50, 50), 0);
    assert.equal(r.detectLoss(54, 0), 1000, 'segment 0 at once');
  });

  test('a segment delivered below one delivered by an earlier ACK, never retransmitted, is reordering', () => {
    const r = sent();
    r.beginAck();
    r.onSack(3000, 4000, 3000, 4000, 53, 50);
    assert.equal(r.reorderingSeen, false);
    r.beginAck();
    r.onCumulativeAck(3000, 54, 50); // 0..2 arrive after 3: reordering
    assert.equal(r.reorderingSeen, true);
    assert.equal(r.reoWnd(true, 50, 50), 12.5, 'the window stays open even in recovery once reordering was seen');
  });

  test('a retransmission is timed again: lost again when a later segment is delivered (lost retransmission)', () => {
    const r = sent();
    r.beginAck();
    r.onSack(1000, 2000, 1000, 2000, 51, 50);
    assert.equal(r.detectLoss(70, 0), 1000);
    r.onRetransmit(0, 1000, 70);
    assert.equal(r.firstLost(), -1, 'sent again: no longer marked');
    assert.ok(r.wasRetransmitted(0));
    // Segment 9 (sent at 9) delivered at 59... no: something sent after the retransmission must be delivered.
    r.onSendNew(10_000, 11_000, 71);
    r.beginAck();
    r.onSack(10_000, 11_000, 10_000, 11_000, 121, 50);
    assert.equal(r.detectLoss(121, 0), 8000 + 1000, 'segments 2..9 and the retransmitted 0');
  });

  test('D-SACK widens the window once per round trip, for 16 recoveries', () => {
    const r = sent();
    r.onDsack(0, 10_000);
    r.onDsack(5000, 10_000); // same round
    assert.equal(r.reoWndMult, 2);
    r.onDsack(10_000, 20_000);
    assert.equal(r.reoWndMult, 3);
    for (let i = 0; i < 15; i++) r.onRecoveryEnd();
    assert.equal(r.reoWndMult, 3);
    r.onRecoveryEnd();
    assert.equal(r.reoWndMult, 1);
  });
});

describe('PRR (RFC 6937 §3)', () => {
  test('proportional while pipe > ssthresh, then PRR-SSRB', () => {
    const p = new Prr();
    p.start(20_000); // RecoverFS 20 segments, ssthresh 10
    // pipe 18000 > 10000: sndcnt = ceil(1000 * 10000 / 20000) - 0 = 500, raised to a segment for the fast retransmit.
    assert.equal(p.onAck(1000, 18_000, 10_000, 1000), 18_000 + 1000);
    p.onSend(1000);
    // prr_delivered 3000: ceil(1500) - 1000 = 500.
    assert.equal(p.onAck(2000, 17_000, 10_000, 1000), 17_500);
    p.onSend(1000);
    // pipe 8000 <= ssthresh: limit = max(prr_delivered - prr_out, DeliveredData) + MSS = max(8000 - 2000, 5000) + 1000.
    assert.equal(p.onAck(5000, 8000, 10_000, 1000), 8000 + Math.min(2000, 7000));
  });

  test('PRR-SSRB adds its extra segment only on a safe ACK (SND.UNA advanced, no new loss), per RFC 6937\'s revision', () => {
    const safe = new Prr();
    const unsafe = new Prr();
    for (const p of [safe, unsafe]) {
      p.start(10_000);
      p.onAck(1000, 9000, 7000, 1000); // the fast retransmit
      p.onSend(1000);
    }
    // pipe 2000 <= ssthresh 7000: limit = max(prr_delivered - prr_out, DeliveredData) = max(2000 - 1000, 1000),
    // plus one MSS only when the ACK is safe.
    assert.equal(safe.onAck(1000, 2000, 7000, 1000, true), 2000 + 2000);
    assert.equal(unsafe.onAck(1000, 2000, 7000, 1000, false), 2000 + 1000);
  });
});
