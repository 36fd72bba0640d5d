/**
 * Loss recovery without SACK: fast retransmit and fast recovery as NewReno (RFC 5681 §3.2 with
 * RFC 6582), limited transmit (RFC 3042), and the window brought down by PRR (RFC 6937, PRR-SSRB)
 * rather than RFC 5681's inflation. Without SACK each duplicate ACK stands for one SMSS delivered
 * (RFC 6937 §3), so pipe = FlightSize - SMSS * (duplicate ACKs) (less the segment at SND.UNA while
 * its retransmission waits). The expected numbers below are worked out by hand from those RFCs. Segments are in RFC 9293's notation; MSS 1000 so that
 * cwnd and ssthresh read in segments. A is the sender (ISS 100), its peer is written by hand (IRS 300).
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { activeOpen, clientServer, drain, fmt, seg, tcb } from './harness.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import type { Segment } from '../../src/tcp/segment.js';

const MSS = 1000;

/** A connection opened at t = 0 (SYN) / 100 (SYN-ACK): one RTT sample of 100 ms. */
function open(bytes: number, window = 65535): Tcb {
  const t = tcb({ iss: 100, config: { congestionControl: 'newreno' } }); // NewReno's arithmetic (RFC 5681, 6582, 6937)
  activeOpen(t, seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options: { mss: MSS }, window }), 100);
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

const cc = (t: Tcb) => ({ cwnd: t.congestion.cwnd, ssthresh: t.congestion.ssthresh, inRecovery: t.recovery.inRecovery });

describe('fast retransmit and fast recovery (RFC 5681 §3.2, RFC 6582 NewReno)', () => {
  test('a single loss: retransmitted on the third duplicate ACK, then PRR brings cwnd to ssthresh (RFC 6937)', () => {
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
    // Dup ACK 3: fast retransmit of the segment at SND.UNA, alone. ssthresh = FlightSize / 2 =
    // (14101 - 1101) / 2 = 6500; RecoverFS = 13000. PRR: prr_delivered = 1000, pipe = 13000 - 3000
    // - 1000 (the lost head) = 9000 > ssthresh, sndcnt = ceil(1000 * 6500 / 13000) - 0 = 500, raised
    // to one segment for the fast retransmit; cwnd = pipe + sndcnt = 10000.
    assert.deepEqual(ack(t, 1101, 203), [data(1101)]);
    assert.deepEqual(cc(t), { cwnd: 10000, ssthresh: 6500, inRecovery: true });
    assert.equal(t.stats.RetransSegs, 1);
    assert.equal(t.stats.TCPFastRetrans, 1);
    assert.equal(t.stats.DupAcks, 3);
    // Dup ACKs 4..12, prr_out = 1000 to start with:
    //  4: delivered 2000, pipe 13000-4000 = 9000: sndcnt = ceil(2000*6500/13000) - 1000 = 0
    //  5: 3000, pipe 8000: 1500 - 1000 = 500 > 0: one segment (14101), prr_out 2000, FlightSize 14000
    //  6: 4000, pipe 14000-6000 = 8000: 2000 - 2000 = 0
    //  7: 5000, pipe 7000: 2500 - 2000 = 500: 15101, prr_out 3000, FlightSize 15000
    //  8: 6000, pipe 7000: 3000 - 3000 = 0
    //  9: 7000, pipe 6000 <= ssthresh: PRR-SSRB, min(ssthresh - pipe, max(7000-3000, 1000) + 1000) = 500: 16101
    // 10..12: pipe stays 6000 (one more delivered, one more sent): 500 each: 17101, 18101, 19101.
    const sent: string[][] = [];
    for (let i = 4; i <= 12; i++) sent.push(ack(t, 1101, 200 + i));
    assert.deepEqual(sent.map((s) => s.length), [0, 1, 0, 1, 0, 1, 1, 1, 1]);
    assert.equal(sent[1][0], data(14101));
    assert.equal(sent[8][0], data(19101));
    assert.equal(t.congestion.cwnd, 6000 + 500, 'cwnd = pipe + sndcnt');
    // The retransmission arrived at ~303: the full ACK (everything up to `recover` = 14101) ends
    // recovery with cwnd = ssthresh (RFC 6937). FlightSize 6000: 500 free, too little for a segment.
    const after = ack(t, 14101, 303);
    assert.deepEqual(cc(t), { cwnd: 6500, ssthresh: 6500, inRecovery: false });
    assert.deepEqual(after, []);
    // Congestion avoidance (cwnd >= ssthresh): one SMSS per cwnd of data acknowledged (byte counting).
    assert.deepEqual(ack(t, 15101, 304), [data(20101)]);
    assert.equal(t.congestion.cwnd, 6500);
    for (let i = 0; i < 5; i++) ack(t, 16101 + i * MSS, 305 + i); // 1000 + 5 * 1000 = 6000 < 6500
    assert.equal(t.congestion.cwnd, 6500);
    ack(t, 21101, 310); // 7000 >= 6500
    assert.equal(t.congestion.cwnd, 7500);
    assert.equal(t.recovery.totalRetransmits, 0, 'no retransmission timeout');
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
    assert.equal(p.a.recovery.totalRetransmits, 0, 'no retransmission timeout');
    assert.equal(p.a.stats.RetransSegs, 1);
    assert.equal(p.a.stats.TCPFastRetrans, 1);
    assert.equal(p.b.readableLength, 40_000);
  });

  test('two losses in one window: the partial ACK retransmits the second hole, without an RTO (RFC 6582 §3.2 step 5)', () => {
    const t = open(20 * MSS);
    drain(t, 100); // 101..10101; 1101 and 4101 are lost
    assert.deepEqual(ack(t, 1101, 200), [data(10101), data(11101)]);
    const rtoBefore = t.timerAt(Timer.Retransmission);
    ack(t, 1101, 201); // 2101 arrived (limited transmit: 12101)
    ack(t, 1101, 202); // 3101
    assert.deepEqual(ack(t, 1101, 203), [data(1101)]); // 5101: third duplicate
    assert.deepEqual(cc(t), { cwnd: 10000, ssthresh: 6500, inRecovery: true });
    // Dup ACKs 4..10 as in the single-loss test: new data on 5, 7, 9 and 10 (14101..17101).
    const sent = [];
    for (let i = 4; i <= 10; i++) sent.push(...ack(t, 1101, 200 + i));
    assert.deepEqual(sent, [data(14101), data(15101), data(16101), data(17101)]);
    assert.equal(t.congestion.cwnd, 6500);
    assert.equal(t.timerAt(Timer.Retransmission), rtoBefore, 'duplicate ACKs do not restart the timer');
    // The retransmitted 1101 arrives: the ACK stops at the second hole, 4101, below recover (14101).
    // 3000 acknowledged, of which the duplicate ACKs had counted 2000 (Linux's reno sacked_out):
    // delivered 1000, prr_delivered 9000, prr_out 5000. pipe = FlightSize (18101 - 4101 = 14000)
    // - 8000 (duplicate ACKs still standing for segments above 4101) - 1000 (the head, lost) = 5000:
    // PRR-SSRB, sndcnt = min(6500 - 5000, max(9000 - 5000, 1000) + 1000) = 1500: the retransmission
    // of 4101 and one new segment.
    const partial = ack(t, 4101, 303);
    assert.deepEqual(partial, [data(4101), data(18101)], 'the next unacknowledged segment at once');
    assert.equal(t.stats.RetransSegs, 2);
    assert.equal(t.congestion.cwnd, 5000 + 1500);
    assert.equal(t.recovery.inRecovery, true);
    assert.equal(t.timerAt(Timer.Retransmission), 303 + t.rtt.rto, 'the first partial ACK restarts the retransmission timer');
    // The second retransmission arrives: the full ACK ends recovery with cwnd = ssthresh.
    const sndMax = t.sndMax;
    ack(t, sndMax, 403);
    assert.equal(t.recovery.inRecovery, false);
    assert.deepEqual(cc(t), { cwnd: 6500, ssthresh: 6500, inRecovery: false }, 'one reduction for both losses');
    assert.equal(t.recovery.totalRetransmits, 0);
    assert.equal(t.stats.TCPFastRetrans, 1);
  });

  test('a later partial ACK leaves the timer alone (RFC 6582 "Impatient"); PRR paces the retransmissions', () => {
    const t = open(20 * MSS);
    drain(t, 100); // 1101, 3101 and 5101 lost
    ack(t, 1101, 200);
    for (let i = 1; i <= 3; i++) ack(t, 1101, 200 + i);
    assert.equal(t.recovery.inRecovery, true);
    // Partial ACK of 3101: 2000 acknowledged, 1000 of it counted before: delivered 1000, prr_delivered
    // 2000, pipe = 11000 - 2000 - 1000 = 8000 > 6500: sndcnt = ceil(2000 * 6500 / 13000) - 1000 = 0.
    assert.deepEqual(ack(t, 3101, 300), [], 'PRR holds the retransmission back');
    const timer = t.timerAt(Timer.Retransmission);
    assert.equal(timer, 300 + t.rtt.rto);
    // A duplicate ACK of 3101: prr_delivered 3000, pipe 7000: sndcnt = 1500 - 1000 = 500 > 0.
    assert.deepEqual(ack(t, 3101, 301), [data(3101)]);
    // Partial ACK of 5101: delivered 1000, prr_delivered 4000, prr_out 2000, pipe = 9000 - 2000 -
    // 1000 = 6000 <= 6500: sndcnt = min(500, max(2000, 1000) + 1000) = 500: 5101 goes.
    assert.deepEqual(ack(t, 5101, 400), [data(5101)]);
    assert.equal(t.timerAt(Timer.Retransmission), timer);
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
    // Slow start on the ACK of 3000, of which the two duplicate ACKs had counted 2000: +1000.
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
    assert.equal(t.recovery.inRecovery, true);
    const sndMax = t.sndMax;
    // The retransmission is lost as well: the timer fires.
    const at = t.pollTimeout()!;
    t.handleTimeout(at);
    assert.equal(t.recovery.totalRetransmits, 1);
    assert.deepEqual(cc(t), { cwnd: MSS, ssthresh: Math.max((sndMax - 1101) / 2, 2 * MSS), inRecovery: false });
    assert.deepEqual(drain(t, at).map(fmt), [data(1101)], 'go-back-N from SND.UNA, one segment (cwnd 1)');
    // Three duplicate ACKs now (from data the peer held already) do not fast-retransmit.
    ack(t, 2101, at + 100);
    const before = t.stats.RetransSegs;
    for (let i = 1; i <= 3; i++) ack(t, 2101, at + 100 + i);
    assert.equal(t.stats.TCPFastRetrans, 1);
    assert.equal(t.recovery.inRecovery, false);
    assert.ok(t.stats.RetransSegs >= before);
  });
});
