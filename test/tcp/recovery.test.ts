/**
 * Loss recovery without SACK: fast retransmit and fast recovery as NewReno (RFC 5681 §3.2 with
 * RFC 6582) and limited transmit (RFC 3042). Segments are in RFC 9293's notation; MSS 1000 so that
 * cwnd and ssthresh read in segments. A is the sender (ISS 100), its peer is written by hand (IRS 300).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientServer, drain, fmt, seg, tcb } from './harness.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import type { Segment } from '../../src/tcp/segment.js';

const MSS = 1000;

/** A connection opened at t = 0 (SYN) / 100 (SYN-ACK): one RTT sample of 100 ms. */
function open(bytes: number, window = 65535): Tcb {
  const t = tcb({ iss: 100 });
  t.connect(0);
  drain(t, 0);
  t.handleSegment(seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options: { mss: MSS }, window }), 100);
  drain(t, 100);
  assert.equal(t.state, 'ESTABLISHED');
  t.send(new Uint8Array(bytes), 100);
  return t;
}

/** The peer's acknowledgment of everything below `n`, and what A sends in answer. */
function ack(t: Tcb, n: number, now: number, window = 65535): string[] {
  t.handleSegment(seg(`<SEQ=301><ACK=${n}>`, { window }), now);
  return drain(t, now).map(fmt);
}

function data(seq: number, flags = 'ACK'): string {
  return `<SEQ=${seq}><ACK=301><CTL=${flags}><DATA=${MSS}>`;
}

const cc = (t: Tcb) => ({ cwnd: t.congestion.cwnd, ssthresh: t.congestion.ssthresh, inRecovery: t.congestion.recovery?.inRecovery });

describe('fast retransmit and fast recovery (RFC 5681 §3.2, RFC 6582 NewReno)', () => {
  test('a single loss: retransmitted on the third duplicate ACK, cwnd and ssthresh per RFC 5681 at each step', () => {
    const t = open(30 * MSS);
    // Initial window: 10 segments (RFC 6928), 101..10101.
    const first = drain(t, 100).map(fmt);
    assert.equal(first.length, 10);
    assert.equal(first[1], data(1101));
    assert.deepEqual(cc(t), { cwnd: 10 * MSS, ssthresh: Infinity, inRecovery: false });
    // 1101 is lost. The ACK of 101..1101 grows cwnd by one SMSS (slow start) and sends two segments.
    assert.deepEqual(ack(t, 1101, 200), [data(10101), data(11101)]);
    assert.equal(t.congestion.cwnd, 11 * MSS);
    // Dup ACKs 1 and 2 (segments 2101 and 3101 arrived): limited transmit, one new segment each, cwnd unchanged.
    assert.deepEqual(ack(t, 1101, 201), [data(12101)]);
    assert.deepEqual(ack(t, 1101, 202), [data(13101)]);
    assert.deepEqual(cc(t), { cwnd: 11 * MSS, ssthresh: Infinity, inRecovery: false });
    // Dup ACK 3: fast retransmit of the segment at SND.UNA, alone; ssthresh = FlightSize / 2 =
    // (14101 - 1101) / 2; cwnd = ssthresh + 3*SMSS.
    assert.deepEqual(ack(t, 1101, 203), [data(1101)]);
    assert.deepEqual(cc(t), { cwnd: 6500 + 3 * MSS, ssthresh: 6500, inRecovery: true });
    assert.equal(t.stats.RetransSegs, 1);
    assert.equal(t.stats.TCPFastRetrans, 1);
    assert.equal(t.stats.DupAcks, 3);
    // Each further duplicate ACK inflates cwnd by one SMSS; new data goes once cwnd exceeds FlightSize (13000).
    const sent: string[][] = [];
    for (let i = 4; i <= 12; i++) sent.push(ack(t, 1101, 200 + i));
    assert.equal(t.congestion.cwnd, 6500 + 12 * MSS);
    // Dup ACKs 4..7 bring cwnd to 13500: nothing; 8 (14500) allows 14101, 9 allows 15101, and so on.
    assert.deepEqual(sent.map((s) => s.length), [0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.equal(sent[4][0], data(14101));
    assert.equal(sent[8][0], data(18101));
    // The retransmission arrived at ~303: the full ACK (everything up to `recover` = 14101) ends recovery:
    // cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) = min(6500, 5000 + 1000).
    const after = ack(t, 14101, 303);
    assert.deepEqual(cc(t), { cwnd: 6000, ssthresh: 6500, inRecovery: false });
    assert.deepEqual(after, [data(19101)]); // FlightSize 5000 < cwnd 6000: one more
    // Back in congestion avoidance (cwnd < ssthresh: slow start first, RFC 5681 §3.1).
    ack(t, 15101, 304);
    assert.equal(t.congestion.cwnd, 7000);
    ack(t, 16101, 305);
    assert.equal(t.congestion.cwnd, 7000); // cwnd >= ssthresh: one SMSS per window (byte counting)
    assert.equal(t.totalRetransmits, 0, 'no retransmission timeout');
    assert.equal(t.stats.RetransSegs, 1);
  });

  test('the retransmission goes one RTT after the loss, far below the RTO (two stacks, 100 ms RTT)', () => {
    const p = clientServer(100, 300, { sendBufferSize: 65536, receiveBufferSize: 262144 }); // window stays 65535: dup ACKs are duplicates
    p.latency = 50;
    p.serialization = 0.1; // about 100 Mbit/s: each segment arrives on its own and is acknowledged on its own
    p.a.connect(0);
    p.run(150);
    assert.equal(p.a.state, 'ESTABLISHED');
    const start = p.now;
    p.a.send(new Uint8Array(40_000), p.now);
    let dropped = false;
    let lossAt = -1;
    p.filter = (from, s: Segment) => {
      if (from === 'a' && s.seq === 101 + 3 * 1460 && !dropped && s.payload.length > 0) {
        dropped = true;
        lossAt = p.now;
        return undefined;
      }
      return s;
    };
    p.run(start + 5000);
    assert.ok(dropped);
    const rto = p.a.rtt.rto;
    const resent = p.log.filter((l) => l.from === 'a' && l.seg.seq === 101 + 3 * 1460 && l.seg.payload.length > 0);
    assert.equal(resent.length, 2);
    const delay = resent[1].t - lossAt;
    assert.ok(delay >= 100 && delay < 110, `retransmitted ${delay} ms after the loss (RTT 100 ms)`);
    assert.ok(delay < rto, `RTO ${rto} ms`);
    assert.equal(p.a.totalRetransmits, 0, 'no retransmission timeout');
    assert.equal(p.a.stats.RetransSegs, 1);
    assert.equal(p.a.stats.TCPFastRetrans, 1);
    assert.equal(p.b.readableLength, 40_000);
  });

  test('two losses in one window: the partial ACK retransmits the second hole, without an RTO (RFC 6582 §3.2 step 5)', () => {
    const t = open(20 * MSS);
    drain(t, 100); // 101..10101; 1101 and 4101 are lost
    assert.deepEqual(ack(t, 1101, 200), [data(10101), data(11101)]);
    const rtoBefore = t.retransmitAt;
    ack(t, 1101, 201); // 2101 arrived (limited transmit: 12101)
    ack(t, 1101, 202); // 3101
    assert.deepEqual(ack(t, 1101, 203), [data(1101)]); // 5101: third duplicate
    assert.deepEqual(cc(t), { cwnd: 6500 + 3 * MSS, ssthresh: 6500, inRecovery: true });
    for (let i = 4; i <= 10; i++) ack(t, 1101, 200 + i); // 6101..13101 (two of them limited-transmit ones)
    const cwndBefore = t.congestion.cwnd;
    assert.equal(cwndBefore, 6500 + 10 * MSS);
    assert.equal(t.retransmitAt, rtoBefore, 'duplicate ACKs do not restart the timer');
    // The retransmitted 1101 arrives: the ACK stops at the second hole, 4101, below recover (14101 or more).
    const partial = ack(t, 4101, 303);
    assert.equal(partial[0], data(4101), 'the next unacknowledged segment at once');
    assert.equal(t.stats.RetransSegs, 2);
    // Deflated by the 3000 acknowledged, plus one SMSS back for the retransmission.
    assert.equal(t.congestion.cwnd, cwndBefore - 3000 + MSS);
    assert.equal(t.congestion.recovery?.inRecovery, true);
    assert.equal(t.retransmitAt, 303 + t.rtt.rto, 'the first partial ACK restarts the retransmission timer');
    // The second retransmission arrives: the full ACK.
    const sndMax = t.sndMax;
    ack(t, sndMax, 403);
    assert.equal(t.congestion.recovery?.inRecovery, false);
    // FlightSize after it is 0: cwnd = min(ssthresh, max(0, SMSS) + SMSS) = 2*SMSS, no burst.
    assert.equal(t.congestion.cwnd, 2 * MSS);
    assert.equal(t.congestion.ssthresh, 6500, 'one reduction for both losses');
    assert.equal(t.totalRetransmits, 0);
    assert.equal(t.stats.TCPFastRetrans, 1);
  });

  test('a later partial ACK leaves the timer alone (RFC 6582 "Impatient")', () => {
    const t = open(20 * MSS);
    drain(t, 100); // 1101, 3101 and 5101 lost
    ack(t, 1101, 200);
    for (let i = 1; i <= 3; i++) ack(t, 1101, 200 + i);
    assert.equal(t.congestion.recovery?.inRecovery, true);
    assert.equal(ack(t, 3101, 300)[0], data(3101));
    const timer = t.retransmitAt;
    assert.equal(timer, 300 + t.rtt.rto);
    assert.equal(ack(t, 5101, 400)[0], data(5101));
    assert.equal(t.retransmitAt, timer);
  });

  test('no fast retransmit for reordering of fewer than three segments', () => {
    const t = open(20 * MSS);
    drain(t, 100);
    ack(t, 1101, 200); // 1101 late: 2101 and 3101 overtake it
    assert.deepEqual(ack(t, 1101, 201), [data(12101)]);
    assert.deepEqual(ack(t, 1101, 202), [data(13101)]);
    const out = ack(t, 4101, 203); // 1101 arrives after all
    assert.ok(!out.includes(data(1101)), 'nothing retransmitted');
    assert.equal(t.stats.RetransSegs, 0);
    assert.deepEqual(cc(t), { cwnd: 12 * MSS, ssthresh: Infinity, inRecovery: false });
    // The count starts over: two more duplicates do not make a third.
    ack(t, 4101, 204);
    ack(t, 4101, 205);
    assert.equal(t.stats.RetransSegs, 0);
    assert.equal(t.dupAckCount, 2);
  });

  test('limited transmit: new data on duplicate ACKs 1 and 2 only within the receive window, cwnd unchanged (RFC 3042)', () => {
    // The peer's window holds exactly the 10 segments in flight plus one.
    const t = open(20 * MSS, 11 * MSS);
    assert.equal(drain(t, 100).length, 10);
    assert.deepEqual(ack(t, 101, 201, 11 * MSS), [data(10101)], 'duplicate 1: one segment, which the window allows');
    assert.deepEqual(ack(t, 101, 202, 11 * MSS), [], 'duplicate 2: the window is full');
    assert.equal(t.stats.DupAcks, 2);
    assert.equal(t.congestion.cwnd, 10 * MSS);
    // A duplicate ACK with a different window is no duplicate (RFC 5681 §2): nothing.
    assert.deepEqual(ack(t, 101, 203, 12 * MSS), [data(11101)], 'a window update sends by the window, not by limited transmit');
    assert.equal(t.stats.DupAcks, 2);
  });

  test('an RTO during recovery ends it; go-back-N duplicates start no fast retransmit until SND.UNA passes recover', () => {
    const t = open(20 * MSS);
    drain(t, 100);
    ack(t, 1101, 200);
    for (let i = 1; i <= 3; i++) ack(t, 1101, 200 + i);
    assert.equal(t.congestion.recovery?.inRecovery, true);
    const sndMax = t.sndMax;
    // The retransmission is lost as well: the timer fires.
    const at = t.pollTimeout()!;
    t.handleTimeout(at);
    assert.equal(t.totalRetransmits, 1);
    assert.deepEqual(cc(t), { cwnd: MSS, ssthresh: Math.max((sndMax - 1101) / 2, 2 * MSS), inRecovery: false });
    assert.deepEqual(drain(t, at).map(fmt), [data(1101)], 'go-back-N from SND.UNA, one segment (cwnd 1)');
    // Three duplicate ACKs now (from data the peer held already) do not fast-retransmit.
    ack(t, 2101, at + 100);
    const before = t.stats.RetransSegs;
    for (let i = 1; i <= 3; i++) ack(t, 2101, at + 100 + i);
    assert.equal(t.stats.TCPFastRetrans, 1);
    assert.equal(t.congestion.recovery?.inRecovery, false);
    assert.ok(t.stats.RetransSegs >= before);
  });
});
