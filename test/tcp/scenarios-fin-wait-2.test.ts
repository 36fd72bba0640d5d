/**
 * FIN-WAIT-2 (RFC 9293 §3.10.7.4). Our FIN (1001) has been acknowledged:
 *   SND.UNA = SND.NXT = 1002, RCV.NXT = 5001, RCV.WND = 4096, MAX.SND.WND = 8192.
 * We may still receive data; the peer's FIN takes us to TIME-WAIT ("Start the time-wait timer, turn
 * off the other timers").
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, edgeTests, inState, s, T } from './scenario-helpers.js';

const stay = { state: 'FIN-WAIT-2', events: [] } as const;
const fw2 = () => inState('FIN-WAIT-2');
const ACK = '<SEQ=1002><ACK=5001><CTL=ACK>';

describe('FIN-WAIT-2', () => {
  test('FIN,ACK: TIME-WAIT, <SEQ=1002><ACK=5002><CTL=ACK>, 2*MSL timer started', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK>'), { out: ['<SEQ=1002><ACK=5002><CTL=ACK>'], state: 'TIME-WAIT', events: ['end'] });
    assert.equal(c.t.pollTimeout(), T + 2 * c.t.config.mslMs);
  });

  test('FIN,ACK with data: TIME-WAIT, the ACK covers the data and the FIN', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK><DATA=10>'), { out: ['<SEQ=1002><ACK=5012><CTL=ACK>'], state: 'TIME-WAIT', events: ['end'] });
    assert.equal(c.t.readableLength, 10);
  });

  test('FIN without ACK: dropped at the fifth step', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [], ...stay });
  });

  test('FIN,ACK with data ahead of RCV.NXT: held, duplicate ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5011><ACK=1002><CTL=FIN,ACK><DATA=5>'), { out: [ACK], ...stay });
  });

  test('a bare FIN,ACK ahead of RCV.NXT: held, duplicate ACK at once (RFC 5681 §4.2), like out-of-order data', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5011><ACK=1002><CTL=FIN,ACK>'), { out: [ACK], ...stay });
    // The hole is filled: data then the held FIN, TIME-WAIT.
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK><DATA=10>', { at: T + 1 }), {
      out: ['<SEQ=1002><ACK=5012><CTL=ACK>'],
      state: 'TIME-WAIT',
      events: ['end'],
    });
  });

  test('FIN,ACK at RCV.NXT + RCV.WND - 1: in the window, held, duplicate ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1002><CTL=FIN,ACK>`), { out: [ACK], ...stay });
  });

  test('FIN,ACK at RCV.NXT + RCV.WND: not acceptable, ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1002><CTL=FIN,ACK>`), { out: [ACK], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT: nothing to do', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK>'), { out: [], ...stay });
  });

  test('ACK with SEG.ACK = SND.UNA - 1: duplicate, ignored', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK>'), { out: [], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT + 1: challenge ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1003><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('data after shutdown(): received and acknowledged', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK><DATA=10>'), { out: ['<SEQ=1002><ACK=5011><CTL=ACK>'], ...stay });
  });

  test('data after close(): <SEQ=SND.NXT><CTL=RST>, CLOSED (§3.6 SHLD-3)', () => {
    const c = inState('FIN-WAIT-2', { closed: true });
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK><DATA=10>'), { out: ['<SEQ=1002><CTL=RST>'], state: 'CLOSED', events: ['closed'] });
  });

  test('after close(): the FIN-WAIT-2 timer runs; a bare FIN still ends in TIME-WAIT', () => {
    const c = inState('FIN-WAIT-2', { closed: true });
    assert.equal(c.t.pollTimeout(), c.t.config.finWait2TimeoutMs);
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK>'), { out: ['<SEQ=1002><ACK=5002><CTL=ACK>'], state: 'TIME-WAIT', events: ['end'] });
    assert.equal(c.t.pollTimeout(), T + 2 * c.t.config.mslMs);
  });

  test('data at RCV.NXT - 1 (old, one byte): not acceptable, ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1002><CTL=ACK><DATA=1>'), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT: "connection reset", CLOSED', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('RST in the window but not at RCV.NXT: challenge ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=RST>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT - 1: silently dropped', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1002><CTL=RST>'), { out: [], ...stay });
  });

  test('SYN in the window: challenge ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [ACK], ...stay });
  });

  test('SYN,FIN in the window: challenge ACK, no TIME-WAIT', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=SYN,FIN>'), { out: [ACK], ...stay });
  });

  test('SYN,ACK in the window: challenge ACK', () => {
    const c = fw2();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=SYN,ACK>'), { out: [ACK], ...stay });
  });

  test('rfc5961 off: SYN in the window: <SEQ=1002><ACK=5001><CTL=RST,ACK>, CLOSED', () => {
    const c = inState('FIN-WAIT-2', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5001><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  edgeTests('FIN-WAIT-2');

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('FIN-WAIT-2');
    assertNeverRstForRst('FIN-WAIT-2', { closed: true });
  });
});
