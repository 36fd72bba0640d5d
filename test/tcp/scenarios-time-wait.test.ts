/**
 * TIME-WAIT (RFC 9293 §3.10.7.4, RFC 1337, RFC 5961). Reached from FIN-WAIT-2 at t = 0:
 *   SND.UNA = SND.NXT = 1002, RCV.NXT = 5002, RCV.WND = 4095, MAX.SND.WND = 8192,
 *   the 2*MSL timer due at 2*MSL.
 * Fifth step: "The only thing that can arrive in this state is a retransmission of the remote FIN.
 * Acknowledge it, and restart the 2 MSL timeout." Eighth: "Remain in the TIME-WAIT state. Restart
 * the 2 MSL time-wait timeout."
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, edgeTests, inState, s, T } from './scenario-helpers.js';

const stay = { state: 'TIME-WAIT', events: [] } as const;
const tw = () => inState('TIME-WAIT');
const ACK = '<SEQ=1002><ACK=5002><CTL=ACK>';

describe('TIME-WAIT', () => {
  test('the peer\'s FIN retransmitted: re-acknowledged, and the 2*MSL timer restarts', () => {
    const c = tw();
    const msl2 = 2 * c.t.config.mslMs;
    assert.equal(c.t.pollTimeout(), msl2);
    const at = msl2 / 2;
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=FIN,ACK>', { at }), { out: [ACK], ...stay });
    assert.equal(c.t.pollTimeout(), at + msl2);
    // The old deadline passes without effect; the new one closes.
    c.t.handleTimeout(msl2);
    assert.equal(c.t.state, 'TIME-WAIT');
    c.t.handleTimeout(at + msl2);
    assert.equal(c.t.state, 'CLOSED');
  });

  test('the FIN retransmitted without ACK: ACK again, timer restarted', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [ACK], ...stay });
    assert.equal(c.t.pollTimeout(), T + 2 * c.t.config.mslMs);
  });

  test('2*MSL passes: CLOSED', () => {
    const c = tw();
    c.t.handleTimeout(2 * c.t.config.mslMs);
    assert.equal(c.t.state, 'CLOSED');
  });

  test('a bare ACK at RCV.NXT: nothing sent, the timer is not restarted', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=ACK>'), { out: [], ...stay });
    assert.equal(c.t.pollTimeout(), 2 * c.t.config.mslMs);
  });

  test('ACK with SEG.ACK = SND.NXT + 1: challenge ACK', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1003><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('empty ACK at RCV.NXT - 1: not acceptable: ACK', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('data at RCV.NXT: text ignored, acknowledged (§3.10.7.4: "Acknowledge it")', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=ACK><DATA=10>'), { out: [ACK], ...stay });
  });

  test('the peer\'s last ACK again: nothing to answer', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=ACK>'), { out: [], ...stay });
  });

  test('an old ACK at RCV.NXT: ignored (Linux), or acknowledged with timeWaitAckOldAcks (FreeBSD)', () => {
    assert.deepEqual(tw().feed('<SEQ=5002><ACK=1001><CTL=ACK>'), { out: [], ...stay });
    const bsd = inState('TIME-WAIT', { config: { timeWaitAckOldAcks: true } });
    assert.deepEqual(bsd.feed('<SEQ=5002><ACK=1001><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('old data: not acceptable: ACK', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=4990><ACK=1002><CTL=ACK><DATA=10>'), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT: ignored (RFC 1337 TIME-WAIT assassination; FreeBSD rcv-rst-ack-time-wait)', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: [], ...stay });
    assert.equal(c.t.pollTimeout(), 2 * c.t.config.mslMs);
  });

  test('RST,ACK at RCV.NXT: ignored', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=RST>'), { out: [], ...stay });
  });

  test('rfc5961 off: RST at RCV.NXT + 1: still ignored (RFC 1337)', () => {
    const c = inState('TIME-WAIT', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5003><ACK=1002><CTL=RST>'), { out: [], ...stay });
  });

  test('RST in the window but not at RCV.NXT: challenge ACK (RFC 5961 §3.2 check 3), state kept', () => {
    // RFC 5961's three checks come before the per-state RST rule, so the challenge ACK MUST be sent
    // here too. (FreeBSD's and Linux's TIME-WAIT code drops such a RST silently instead.)
    const c = tw();
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1002><CTL=RST>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT + RCV.WND: dropped', () => {
    const c = tw();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1002><CTL=RST>`), { out: [], ...stay });
  });

  test('RST at RCV.NXT - 1: dropped', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=RST>'), { out: [], ...stay });
  });

  test('SYN at RCV.NXT (no timestamps, so no RFC 6191 reuse): challenge ACK', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: [ACK], ...stay });
  });

  test('SYN far beyond the window (a new incarnation): ACK from the sequence check', () => {
    const c = tw();
    assert.deepEqual(c.feed(`<SEQ=${s(5002, 100000)}><CTL=SYN>`), { out: [ACK], ...stay });
  });

  test('SYN,FIN at RCV.NXT: challenge ACK', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN,FIN>'), { out: [ACK], ...stay });
  });

  test('SYN,ACK at RCV.NXT: challenge ACK', () => {
    const c = tw();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=SYN,ACK>'), { out: [ACK], ...stay });
  });

  test('rfc5961 off: SYN in the window is an error (RFC 793): <SEQ=1002><ACK=5002><CTL=RST,ACK>, CLOSED', () => {
    const c = inState('TIME-WAIT', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5002><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  edgeTests('TIME-WAIT');

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('TIME-WAIT');
  });
});
