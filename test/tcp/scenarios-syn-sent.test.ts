/**
 * SYN-SENT (RFC 9293 §3.10.7.3). Our SYN is <SEQ=1000><CTL=SYN>: ISS = SND.UNA = 1000, SND.NXT = 1001.
 *   first, ACK: SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable: <SEQ=SEG.ACK><CTL=RST> unless
 *     the segment is a RST; drop. SND.UNA < SEG.ACK =< SND.NXT is acceptable.
 *   second, RST: with an acceptable ACK, "connection reset" (refused), CLOSED; without an ACK, drop.
 *   fourth, SYN: RCV.NXT = SEG.SEQ+1; if our SYN is acknowledged, ESTABLISHED and
 *     <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, else SYN-RECEIVED and <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
 *   fifth: neither SYN nor RST: drop.
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, inState, T } from './scenario-helpers.js';

const stay = { state: 'SYN-SENT', events: [] } as const;

describe('SYN-SENT', () => {
  test('SYN,ACK acknowledging our SYN: ESTABLISHED, <SEQ=1001><ACK=5001><CTL=ACK>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), {
      out: ['<SEQ=1001><ACK=5001><CTL=ACK>'],
      state: 'ESTABLISHED',
      events: ['connected'],
    });
    // §3.10.7.3: SND.UNA advanced to SEG.ACK, IRS = SEG.SEQ; SND.WND from the SYN (never scaled).
    assert.deepEqual([c.t.sndUna, c.t.irs, c.t.rcvNxt, c.t.sndWnd], [1001, 5000, 5001, 8192]);
    // The retransmission timer for the SYN stops: nothing is outstanding.
    assert.equal(c.t.timerAt(Timer.Retransmission), undefined);
  });

  test('SYN,ACK with data: ESTABLISHED, and the text is processed at the sixth step', () => {
    const c = inState('SYN-SENT');
    // One ACK covers both the SYN and the data (MUST-58: aggregate ACKs).
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,ACK><DATA=10>'), {
      out: ['<SEQ=1001><ACK=5011><CTL=ACK>'],
      state: 'ESTABLISHED',
      events: ['connected'],
    });
    assert.equal(c.t.readableLength, 10);
  });

  test('SYN,FIN,ACK acknowledging our SYN: ESTABLISHED, then the FIN: CLOSE-WAIT', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,FIN,ACK>'), {
      out: ['<SEQ=1001><ACK=5002><CTL=ACK>'],
      state: 'CLOSE-WAIT',
      events: ['connected', 'end'],
    });
  });

  test('SYN,ACK with more data than our SYN\'s window (4096): only the window\'s worth is accepted', () => {
    // §3.10.7.3 continues "at the sixth step under Section 3.10.7.4", which assumes "the idealized
    // segment that begins at RCV.NXT and does not exceed the window": the rest is trimmed off.
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,ACK><DATA=5000>'), {
      out: ['<SEQ=1001><ACK=9097><CTL=ACK>'],
      state: 'ESTABLISHED',
      events: ['connected'],
    });
    assert.equal(c.t.readableLength, 4096);
    assert.equal(c.lastFed[0].window, 0);
  });

  test('SYN,FIN,ACK whose data fills the window: the FIN lies outside it and is trimmed off', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,FIN,ACK><DATA=4096>'), {
      out: ['<SEQ=1001><ACK=9097><CTL=ACK>'],
      state: 'ESTABLISHED',
      events: ['connected'],
    });
  });

  test('SYN,ACK with SEG.ACK = ISS: unacceptable, <SEQ=SEG.ACK><CTL=RST>, state kept', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1000><CTL=SYN,ACK>'), { out: ['<SEQ=1000><CTL=RST>'], ...stay });
  });

  test('SYN,ACK with SEG.ACK = SND.NXT+1: unacceptable, <SEQ=1002><CTL=RST>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1002><CTL=SYN,ACK>'), { out: ['<SEQ=1002><CTL=RST>'], ...stay });
  });

  test('SYN,ACK for an old connection (Figure 8 line 4 seen from A): <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=300><ACK=91><CTL=SYN,ACK>'), { out: ['<SEQ=91><CTL=RST>'], ...stay });
    // The SYN is still outstanding: its retransmission timer runs on.
    assert.ok(c.t.timerAt(Timer.Retransmission) !== undefined);
  });

  test('ACK with SEG.ACK = SND.NXT and no SYN: acceptable, then dropped at the fifth step', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK>'), { out: [], ...stay });
    assert.equal(c.t.sndUna, 1000);
  });

  test('ACK with SEG.ACK = ISS - 1: <SEQ=999><CTL=RST>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=999><CTL=ACK>'), { out: ['<SEQ=999><CTL=RST>'], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT + 1: <SEQ=1002><CTL=RST>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK>'), { out: ['<SEQ=1002><CTL=RST>'], ...stay });
  });

  test('ACK with data and SEG.ACK = ISS: <SEQ=1000><CTL=RST>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1000><CTL=ACK><DATA=5>'), { out: ['<SEQ=1000><CTL=RST>'], ...stay });
  });

  test('SYN alone (simultaneous open, Figure 7): SYN-RECEIVED, <SEQ=ISS><ACK=5001><CTL=SYN,ACK>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN>'), { out: ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], state: 'SYN-RECEIVED', events: [] });
    assert.deepEqual([c.t.sndUna, c.t.sndNxt, c.t.rcvNxt], [1000, 1001, 5001]);
  });

  test('SYN,FIN alone: SYN-RECEIVED with the FIN queued (FreeBSD rcv-syn-fin-syn-sent)', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN,FIN>'), { out: ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], state: 'SYN-RECEIVED', events: [] });
    // "queue them for processing after the ESTABLISHED state has been reached"
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=ACK>', { at: T + 1 }), {
      out: ['<SEQ=1001><ACK=5002><CTL=ACK>'],
      state: 'CLOSE-WAIT',
      events: ['connected', 'end'],
    });
  });

  test('RST,ACK acknowledging our SYN: connection refused, CLOSED', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=0><ACK=1001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNREFUSED', 'closed'] });
    assert.equal(c.t.pollTimeout(), undefined);
  });

  test('RST,ACK with SEG.ACK = ISS: unacceptable, dropped without a RST', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=0><ACK=1000><CTL=RST>'), { out: [], ...stay });
  });

  test('RST,ACK with SEG.ACK = SND.NXT + 1: dropped without a RST', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=0><ACK=1002><CTL=RST>'), { out: [], ...stay });
  });

  test('RST without ACK: dropped', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], ...stay });
  });

  test('SYN,ACK,RST acknowledging our SYN: the RST is checked before the SYN: refused', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNREFUSED', 'closed'] });
  });

  test('FIN without ACK: dropped (fifth step; §3.10.7.4 eighth: FIN not processed in SYN-SENT)', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [], ...stay });
  });

  test('FIN,ACK with an acceptable ACK: dropped', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), { out: [], ...stay });
  });

  test('FIN,ACK with SEG.ACK = SND.NXT + 1: <SEQ=1002><CTL=RST>', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK>'), { out: ['<SEQ=1002><CTL=RST>'], ...stay });
  });

  test('data without ACK: dropped', () => {
    const c = inState('SYN-SENT');
    assert.deepEqual(c.feed('<SEQ=5001><DATA=10>'), { out: [], ...stay });
  });

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('SYN-SENT');
  });
});
