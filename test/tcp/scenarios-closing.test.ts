/**
 * CLOSING (RFC 9293 §3.10.7.4). Simultaneous close (Figure 13): our FIN (1001) and the peer's FIN
 * (5001) crossed; we acknowledged theirs, ours is not yet acknowledged:
 *   SND.UNA = 1001, SND.NXT = 1002, RCV.NXT = 5002, RCV.WND = 4095, MAX.SND.WND = 8192.
 * Fifth step: "if the ACK acknowledges our FIN, then enter the TIME-WAIT state; otherwise, ignore
 * the segment." Second step: "If the RST bit is set, then enter the CLOSED state, delete the TCB,
 * and return."
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, edgeTests, inState, s, T } from './scenario-helpers.js';

const stay = { state: 'CLOSING', events: [] } as const;
const closing = () => inState('CLOSING');
const ACK = '<SEQ=1002><ACK=5002><CTL=ACK>';

describe('CLOSING', () => {
  test('ACK of our FIN: TIME-WAIT, nothing sent, 2*MSL timer', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=ACK>'), { out: [], state: 'TIME-WAIT', events: [] });
    assert.equal(c.t.pollTimeout(), T + 2 * c.t.config.mslMs);
  });

  test('ACK with SEG.ACK = SND.UNA: the FIN not acknowledged: ignored', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=ACK>'), { out: [], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT + 1: challenge ACK', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1003><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('ACK with SEG.ACK = SND.UNA - MAX.SND.WND - 1: challenge ACK', () => {
    const c = closing();
    assert.deepEqual(c.feed(`<SEQ=5002><ACK=${s(1001, -8192 - 1)}><CTL=ACK>`), { out: [ACK], ...stay });
  });

  test('the peer\'s FIN retransmitted: not acceptable (it lies before RCV.NXT): ACK', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), { out: [ACK], ...stay });
  });

  test('the peer\'s FIN retransmitted with an ACK of our FIN: still unacceptable, so its ACK is not taken', () => {
    // Table 6: SEG.LEN = 1, SEG.SEQ = 5001 < RCV.NXT and SEG.SEQ+SEG.LEN-1 = 5001 < RCV.NXT: "After
    // sending the acknowledgment, drop the unacceptable segment and return."
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK>'), { out: [ACK], ...stay });
  });

  test('data at RCV.NXT with the ACK of our FIN: TIME-WAIT, the text ignored', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=ACK><DATA=10>'), { out: [], state: 'TIME-WAIT', events: [] });
    assert.equal(c.t.readableLength, 0);
  });

  test('empty ACK at RCV.NXT + RCV.WND: not acceptable, ACK', () => {
    const c = closing();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1002><CTL=ACK>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT: CLOSED, nothing sent; the application still holding the socket learns ECONNRESET (BSD so_error, Linux tcp_reset)', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('RST in the window but not at RCV.NXT: challenge ACK', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5003><CTL=RST>'), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT + RCV.WND: dropped', () => {
    const c = closing();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1002><CTL=RST>`), { out: [], ...stay });
  });

  test('SYN in the window: challenge ACK', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: [ACK], ...stay });
  });

  test('SYN,ACK in the window acknowledging our FIN: challenge ACK, the ACK not taken', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=SYN,ACK>'), { out: [ACK], ...stay });
  });

  test('SYN,FIN in the window: challenge ACK', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN,FIN>'), { out: [ACK], ...stay });
  });

  test('the peer\'s FIN retransmitted without ACK: ACK (the sequence check comes first)', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [ACK], ...stay });
  });

  test('RST,ACK at RCV.NXT: CLOSED', () => {
    const c = closing();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('rfc5961 off: SYN in the window: <SEQ=1002><ACK=5002><CTL=RST,ACK>, CLOSED', () => {
    const c = inState('CLOSING', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5002><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  edgeTests('CLOSING');

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('CLOSING');
  });
});
