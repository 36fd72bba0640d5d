/**
 * SYN-RECEIVED (RFC 9293 §3.10.7.4 with RFC 5961), reached two ways:
 *   passive: LISTEN, <SEQ=5000><CTL=SYN> in, <SEQ=1000><ACK=5001><CTL=SYN,ACK> out;
 *   active (simultaneous open, Figure 7): SYN-SENT, the peer's SYN crosses ours, SYN,ACK out.
 * Either way ISS = SND.UNA = 1000, SND.NXT = 1001, RCV.NXT = 5001, RCV.WND = 4096 (the SYN-ACK's
 * window), MAX.SND.WND = 8192.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, inState, s, T } from './scenario-helpers.js';

const stay = { state: 'SYN-RECEIVED', events: [] } as const;

describe('SYN-RECEIVED (passive open)', () => {
  test('ACK of our SYN (SND.UNA < SEG.ACK =< SND.NXT): ESTABLISHED, nothing to send', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK>'), { out: [], state: 'ESTABLISHED', events: ['connected'] });
    // SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK
    assert.deepEqual([c.t.sndUna, c.t.sndWnd, c.t.sndWl1, c.t.sndWl2], [1001, 8192, 5001, 1001]);
  });

  test('ACK with SEG.ACK = SND.UNA (= ISS): not acceptable, <SEQ=SEG.ACK><CTL=RST>, state kept', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1000><CTL=ACK>'), { out: ['<SEQ=1000><CTL=RST>'], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT + 1: <SEQ=1002><CTL=RST> (§3.5.2 group 2: non-synchronized state)', () => {
    // With RFC 5961 on, §3.10.7.4's ACK-range check would ask for an ACK instead; the code keeps the
    // SYN-RECEIVED reset of §3.5.2 group 2 and the per-state rule, as Linux and FreeBSD do (a stray ACK
    // for a half-open connection must be reset, Figure 11 line 4).
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK>'), { out: ['<SEQ=1002><CTL=RST>'], ...stay });
  });

  test('ACK with SEG.ACK = SND.UNA - MAX.SND.WND - 1: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('SYN-RECEIVED');
    const ack = s(1000, -8192 - 1);
    assert.deepEqual(c.feed(`<SEQ=5001><ACK=${ack}><CTL=ACK>`), { out: [`<SEQ=${ack}><CTL=RST>`], ...stay });
  });

  test('ACK with SEG.SEQ = RCV.NXT - 1: not acceptable, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=ACK>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('ACK with SEG.SEQ = RCV.NXT + RCV.WND: not acceptable, <SEQ=1001><ACK=5001><CTL=ACK>', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1001><CTL=ACK>`), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('ACK with SEG.SEQ = RCV.NXT + RCV.WND - 1: acceptable, ESTABLISHED', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1001><CTL=ACK>`), { out: [], state: 'ESTABLISHED', events: ['connected'] });
  });

  test('ACK with data: ESTABLISHED and the data acknowledged', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>'), {
      out: ['<SEQ=1001><ACK=5011><CTL=ACK>'],
      state: 'ESTABLISHED',
      events: ['connected'],
    });
    assert.equal(c.t.readableLength, 10);
  });

  test('data without ACK: dropped at the fifth step', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><DATA=10>'), { out: [], ...stay });
    assert.equal(c.t.rcvNxt, 5001);
  });

  test('FIN without ACK: dropped at the fifth step', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [], ...stay });
  });

  test('FIN,ACK acknowledging our SYN: ESTABLISHED then CLOSE-WAIT, <SEQ=1001><ACK=5002><CTL=ACK>', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), {
      out: ['<SEQ=1001><ACK=5002><CTL=ACK>'],
      state: 'CLOSE-WAIT',
      events: ['connected', 'end'],
    });
  });

  test('retransmitted SYN (SEG.SEQ = IRS): our SYN-ACK is sent again', () => {
    // The SYN is outside the window (RCV.NXT = IRS + 1); our SYN-ACK must have been lost, so the
    // answer is the SYN-ACK again (as Linux's tcp_check_req and FreeBSD's syncache do) rather than a
    // bare ACK the peer in SYN-SENT could not use.
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN>'), { out: ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], ...stay });
    assert.equal(c.t.sndNxt, 1001);
  });

  test('SYN in the window (SEG.SEQ = RCV.NXT): back to LISTEN, nothing sent, user not informed', () => {
    // Fourth step: "If the connection was initiated with a passive OPEN, then return this connection
    // to the LISTEN state and return."
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [], state: 'LISTEN', events: [] });
  });

  test('SYN,FIN in the window: back to LISTEN', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN,FIN>'), { out: [], state: 'LISTEN', events: [] });
  });

  test('SYN,ACK with SEG.SEQ = IRS: outside the window, <SEQ=1001><ACK=5001><CTL=ACK>', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('SYN outside the window (SEG.SEQ = RCV.NXT + RCV.WND): <SEQ=1001><ACK=5001><CTL=ACK>', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=SYN>`), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('RST with SEG.SEQ = RCV.NXT: back to LISTEN, user not informed', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], state: 'LISTEN', events: [] });
    // "the retransmission queue should be flushed": no SYN-ACK retransmission pending.
    assert.equal(c.t.pollTimeout(), undefined);
  });

  test('RST,ACK with SEG.SEQ = RCV.NXT: back to LISTEN (the ACK is not looked at)', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=RST>'), { out: [], state: 'LISTEN', events: [] });
  });

  test('RST in the window but not at RCV.NXT: challenge ACK <SEQ=1001><ACK=5001><CTL=ACK>', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('RST at RCV.NXT + RCV.WND - 1: challenge ACK', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=RST>`), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('RST at RCV.NXT + RCV.WND: silently dropped', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=RST>`), { out: [], ...stay });
  });

  test('RST at RCV.NXT - 1: silently dropped', () => {
    const c = inState('SYN-RECEIVED');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=RST>'), { out: [], ...stay });
  });

  test('rfc5961 off: RST in the window but not at RCV.NXT resets (RFC 793): back to LISTEN', () => {
    const c = inState('SYN-RECEIVED', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: [], state: 'LISTEN', events: [] });
  });

  test("a stack's child TCB (Tcb.accept): RST at RCV.NXT closes it (there is no LISTEN to return to)", () => {
    const c = inState('SYN-RECEIVED', { child: true });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['closed'] });
  });

  test("a stack's child TCB: SYN in the window closes it", () => {
    const c = inState('SYN-RECEIVED', { child: true });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [], state: 'CLOSED', events: ['closed'] });
  });

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('SYN-RECEIVED');
  });
});

describe('SYN-RECEIVED (simultaneous open)', () => {
  test("the peer's SYN,ACK (Figure 7 line 6): ESTABLISHED, nothing more to send", () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), { out: [], state: 'ESTABLISHED', events: ['connected'] });
    assert.equal(c.t.sndUna, 1001);
  });

  test('ACK of our SYN: ESTABLISHED', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK>'), { out: [], state: 'ESTABLISHED', events: ['connected'] });
  });

  test('ACK with SEG.ACK = SND.NXT + 1: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK>'), { out: ['<SEQ=1002><CTL=RST>'], ...stay });
  });

  test('FIN,ACK: ESTABLISHED then CLOSE-WAIT', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), {
      out: ['<SEQ=1001><ACK=5002><CTL=ACK>'],
      state: 'CLOSE-WAIT',
      events: ['connected', 'end'],
    });
  });

  test('RST at RCV.NXT: "connection refused", CLOSED (active OPEN)', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNREFUSED', 'closed'] });
  });

  test('RST in the window but not at RCV.NXT: challenge ACK', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5003><CTL=RST>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('retransmission of the peer\'s SYN: our SYN,ACK again', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN>'), { out: ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], ...stay });
  });

  test('a new SYN in the window: handled as in the synchronized states: challenge ACK (RFC 5961 §4.2)', () => {
    // Fourth step: "Otherwise [active OPEN], handle per the directions for synchronized states below."
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('rfc5961 off: a new SYN in the window is an error (RFC 793): reset, CLOSED', () => {
    const c = inState('SYN-RECEIVED*', { config: { rfc5961: false } });
    const r = c.feed('<SEQ=5001><CTL=SYN>');
    assert.deepEqual(r, { out: ['<SEQ=1001><ACK=5001><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('data with ACK: ESTABLISHED and acknowledged', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=7>', { at: T }), {
      out: ['<SEQ=1001><ACK=5008><CTL=ACK>'],
      state: 'ESTABLISHED',
      events: ['connected'],
    });
  });

  test('FIN without ACK: dropped at the fifth step', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [], ...stay });
  });

  test('RST,ACK at RCV.NXT: "connection refused", CLOSED', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNREFUSED', 'closed'] });
  });

  test('RST at RCV.NXT + RCV.WND: silently dropped', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=RST>`), { out: [], ...stay });
  });

  test('SYN,FIN in the window: challenge ACK (synchronized-state rule for an active open)', () => {
    const c = inState('SYN-RECEIVED*');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN,FIN>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
  });

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('SYN-RECEIVED*');
  });
});
