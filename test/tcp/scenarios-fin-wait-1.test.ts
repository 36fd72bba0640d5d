/**
 * FIN-WAIT-1 (RFC 9293 §3.10.7.4). From ESTABLISHED the application shut down (or closed) and our
 * FIN went out as <SEQ=1001><ACK=5001><CTL=FIN,ACK>:
 *   SND.UNA = 1001, SND.NXT = 1002 (the FIN is 1001), RCV.NXT = 5001, RCV.WND = 4096, MAX.SND.WND = 8192.
 * Fifth step: "In addition to the processing for the ESTABLISHED state, if the FIN segment is now
 * acknowledged, then enter FIN-WAIT-2". Eighth step: "If our FIN has been ACKed (perhaps in this
 * segment), then enter TIME-WAIT, start the time-wait timer, turn off the other timers; otherwise,
 * enter the CLOSING state."
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, edgeTests, inState, s, T } from './scenario-helpers.js';

const stay = { state: 'FIN-WAIT-1', events: [] } as const;
const fw1 = () => inState('FIN-WAIT-1');
const ACK = '<SEQ=1002><ACK=5001><CTL=ACK>';

describe('FIN-WAIT-1', () => {
  test('ACK of our FIN (SEG.ACK = SND.NXT): FIN-WAIT-2, nothing sent', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK>'), { out: [], state: 'FIN-WAIT-2', events: [] });
    assert.equal(c.t.timerAt(Timer.Retransmission), undefined); // nothing left outstanding
  });

  test('ACK with SEG.ACK = SND.UNA: duplicate, ignored, state kept', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK>'), { out: [], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT + 1: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1003><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('ACK with SEG.ACK = SND.UNA - MAX.SND.WND - 1: challenge ACK', () => {
    const c = fw1();
    assert.deepEqual(c.feed(`<SEQ=5001><ACK=${s(1001, -8192 - 1)}><CTL=ACK>`), { out: [ACK], ...stay });
  });

  test('data in flight before the FIN: an ACK of the data only keeps FIN-WAIT-1', () => {
    const c = inState('FIN-WAIT-1', { inFlight: 100 }); // data 1001..1100, FIN 1101, SND.NXT 1102
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1101><CTL=ACK>'), { out: [], ...stay });
    assert.equal(c.t.sndUna, 1101);
  });

  test('data in flight before the FIN: an ACK of data and FIN moves to FIN-WAIT-2', () => {
    const c = inState('FIN-WAIT-1', { inFlight: 100 });
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1102><CTL=ACK>'), { out: [], state: 'FIN-WAIT-2', events: [] });
  });

  test('FIN,ACK acknowledging our FIN: TIME-WAIT, <SEQ=1002><ACK=5002><CTL=ACK>, 2*MSL timer', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK>'), { out: ['<SEQ=1002><ACK=5002><CTL=ACK>'], state: 'TIME-WAIT', events: ['end'] });
    assert.equal(c.t.pollTimeout(), T + 2 * c.t.config.mslMs);
    assert.equal(c.t.timerAt(Timer.Retransmission), undefined);
  });

  test('FIN,ACK not acknowledging our FIN (simultaneous close, Figure 13): CLOSING', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), { out: ['<SEQ=1002><ACK=5002><CTL=ACK>'], state: 'CLOSING', events: ['end'] });
  });

  test('FIN,ACK with SEG.ACK = SND.NXT + 1: challenge ACK, the segment dropped before its FIN is seen', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1003><CTL=FIN,ACK>'), { out: [ACK], ...stay });
    assert.equal(c.t.rcvNxt, 5001);
  });

  test('FIN without ACK: dropped at the fifth step', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [], ...stay });
  });

  test('FIN,ACK at RCV.NXT - 1: not acceptable, ACK', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1002><CTL=FIN,ACK>'), { out: [ACK], ...stay });
  });

  test('data after shutdown(): still received and acknowledged (half-close)', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>'), { out: ['<SEQ=1002><ACK=5011><CTL=ACK>'], ...stay });
    assert.equal(c.t.readableLength, 10);
  });

  test('data after close(): nobody will read it: <SEQ=SND.NXT><CTL=RST>, CLOSED (§3.6 SHLD-3)', () => {
    const c = inState('FIN-WAIT-1', { closed: true });
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>'), { out: ['<SEQ=1002><CTL=RST>'], state: 'CLOSED', events: ['closed'] });
  });

  test('data and FIN after close(): RST as well (the data is lost)', () => {
    const c = inState('FIN-WAIT-1', { closed: true });
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK><DATA=10>'), { out: ['<SEQ=1002><CTL=RST>'], state: 'CLOSED', events: ['closed'] });
  });

  test('a bare FIN after close(): no data lost, the normal close: TIME-WAIT', () => {
    const c = inState('FIN-WAIT-1', { closed: true });
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK>'), { out: ['<SEQ=1002><ACK=5002><CTL=ACK>'], state: 'TIME-WAIT', events: ['end'] });
  });

  test('data at RCV.NXT + RCV.WND: not acceptable, ACK', () => {
    const c = fw1();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1002><CTL=ACK><DATA=1>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT: "connection reset", CLOSED', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('RST,ACK in the window but not at RCV.NXT: challenge ACK', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=RST>'), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT + RCV.WND: silently dropped', () => {
    const c = fw1();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=RST>`), { out: [], ...stay });
  });

  test('SYN in the window: challenge ACK', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [ACK], ...stay });
  });

  test('SYN,ACK in the window: challenge ACK, its ACK of our FIN not taken', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=SYN,ACK>'), { out: [ACK], ...stay });
  });

  test('SYN,FIN in the window: challenge ACK', () => {
    const c = fw1();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=SYN,FIN>'), { out: [ACK], ...stay });
  });

  test('rfc5961 off: SYN in the window: <SEQ=1002><ACK=5001><CTL=RST,ACK>, "connection reset", CLOSED', () => {
    const c = inState('FIN-WAIT-1', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5001><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  edgeTests('FIN-WAIT-1');

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('FIN-WAIT-1');
    assertNeverRstForRst('FIN-WAIT-1', { closed: true });
  });
});
