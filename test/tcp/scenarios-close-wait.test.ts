/**
 * CLOSE-WAIT (RFC 9293 §3.10.7.4). The peer's FIN (5001) arrived and was acknowledged; we have not
 * closed:
 *   SND.UNA = SND.NXT = 1001, RCV.NXT = 5002, RCV.WND = 4095 (the right edge stays at 9097),
 *   MAX.SND.WND = 8192.
 * Seventh step: text "should not occur since a FIN has been received from the remote side. Ignore
 * the segment text." Fifth step: "Do the same processing as for the ESTABLISHED state."
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, edgeTests, inState, s } from './scenario-helpers.js';

const stay = { state: 'CLOSE-WAIT', events: [] } as const;
const cw = () => inState('CLOSE-WAIT');
const ACK = '<SEQ=1001><ACK=5002><CTL=ACK>';

describe('CLOSE-WAIT', () => {
  test('the FIN retransmitted (SEG.SEQ = RCV.NXT - 1): not acceptable, ACK again; no second "end"', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), { out: [ACK], ...stay });
  });

  test('the FIN retransmitted without ACK: the sequence check comes first: ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [ACK], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT: nothing to do', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=ACK>'), { out: [], ...stay });
  });

  test('ACK of data we still send in CLOSE-WAIT', () => {
    const c = inState('CLOSE-WAIT', { inFlight: 100 });
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1101><CTL=ACK>'), { out: [], ...stay });
    assert.equal(c.t.sndUna, 1101);
  });

  test('ACK with SEG.ACK = SND.NXT + 1: challenge ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('ACK with SEG.ACK = SND.UNA - MAX.SND.WND - 1: challenge ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed(`<SEQ=5002><ACK=${s(1001, -8192 - 1)}><CTL=ACK>`), { out: [ACK], ...stay });
  });

  test('data at RCV.NXT: its text is ignored, nothing sent', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=ACK><DATA=10>'), { out: [], ...stay });
    assert.equal(c.t.readableLength, 0);
    assert.equal(c.t.rcvNxt, 5002);
  });

  test('old data (ending at RCV.NXT - 1): not acceptable, ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=4991><ACK=1001><CTL=ACK><DATA=10>'), { out: [ACK], ...stay });
  });

  test('empty ACK at RCV.NXT + RCV.WND: not acceptable, ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1001><CTL=ACK>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT: "connection reset", CLOSED', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('RST,ACK at RCV.NXT + 1: challenge ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5003><ACK=1001><CTL=RST>'), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT + RCV.WND - 1: challenge ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=RST>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT - 1 (the FIN\'s number): outside the window, dropped', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], ...stay });
  });

  test('RST at RCV.NXT + RCV.WND: dropped', () => {
    const c = cw();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=RST>`), { out: [], ...stay });
  });

  test('SYN at RCV.NXT: challenge ACK (FreeBSD rcv-syn-close-wait-left-edge-secure)', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: [ACK], ...stay });
  });

  test('SYN at RCV.NXT - 1: ACK (outside-left-secure)', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [ACK], ...stay });
  });

  test('SYN,ACK in the window: challenge ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=SYN,ACK>'), { out: [ACK], ...stay });
  });

  test('SYN,FIN in the window: challenge ACK', () => {
    const c = cw();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN,FIN>'), { out: [ACK], ...stay });
  });

  test('rfc5961 off: SYN at RCV.NXT resets (left-edge-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1001><ACK=5002><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('rfc5961 off: SYN at RCV.NXT + RCV.WND - 1 resets (right-edge-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: { rfc5961: false } });
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=SYN>`), { out: ['<SEQ=1001><ACK=5002><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('rfc5961 off: SYN at RCV.NXT + RCV.WND: ACK (outside-right-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: { rfc5961: false } });
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=SYN>`), { out: [ACK], ...stay });
  });

  test('rfc5961 off: SYN at RCV.NXT - 1: ACK (outside-left-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [ACK], ...stay });
  });

  edgeTests('CLOSE-WAIT');

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('CLOSE-WAIT');
  });
});
