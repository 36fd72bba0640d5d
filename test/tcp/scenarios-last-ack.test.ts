/**
 * LAST-ACK (RFC 9293 §3.10.7.4). The peer's FIN (5001) came first; then we closed and our FIN went
 * out as <SEQ=1001><ACK=5002><CTL=FIN,ACK>:
 *   SND.UNA = 1001, SND.NXT = 1002, RCV.NXT = 5002, RCV.WND = 4095, MAX.SND.WND = 8192.
 * Fifth step: "The only thing that can arrive in this state is an acknowledgment of our FIN. If our
 * FIN is now acknowledged, delete the TCB, enter the CLOSED state, and return."
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNeverRstForRst, edgeTests, inState, s } from './scenario-helpers.js';

const stay = { state: 'LAST-ACK', events: [] } as const;
const la = () => inState('LAST-ACK');
const ACK = '<SEQ=1002><ACK=5002><CTL=ACK>';

describe('LAST-ACK', () => {
  test('ACK of our FIN: CLOSED, nothing sent', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=ACK>'), { out: [], state: 'CLOSED', events: ['closed'] });
    assert.equal(c.t.pollTimeout(), undefined);
  });

  test('ACK with SEG.ACK = SND.UNA: our FIN not yet acknowledged: stay', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=ACK>'), { out: [], ...stay });
  });

  test('ACK with SEG.ACK = SND.NXT + 1: challenge ACK', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1003><CTL=ACK>'), { out: [ACK], ...stay });
  });

  test('ACK with SEG.ACK = SND.UNA - MAX.SND.WND - 1: challenge ACK', () => {
    const c = la();
    assert.deepEqual(c.feed(`<SEQ=5002><ACK=${s(1001, -8192 - 1)}><CTL=ACK>`), { out: [ACK], ...stay });
  });

  test('data in flight before our FIN: an ACK of the data alone keeps LAST-ACK', () => {
    const c = inState('LAST-ACK', { inFlight: 100 }); // data 1001..1100, FIN 1101, SND.NXT 1102
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1101><CTL=ACK>'), { out: [], ...stay });
  });

  test('data in flight before our FIN: the ACK of the FIN closes', () => {
    const c = inState('LAST-ACK', { inFlight: 100 });
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1102><CTL=ACK>'), { out: [], state: 'CLOSED', events: ['closed'] });
  });

  test('the peer\'s FIN retransmitted: not acceptable: ACK', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), { out: [ACK], ...stay });
  });

  test('data at RCV.NXT: text ignored; without an ACK of our FIN, nothing happens', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=ACK><DATA=10>'), { out: [], ...stay });
  });

  test('empty ACK at RCV.NXT + RCV.WND: not acceptable, ACK; our FIN\'s ACK in it not taken', () => {
    const c = la();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1002><CTL=ACK>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT: CLOSED, nothing sent; ECONNRESET for the application that still holds the socket (BSD, Linux)', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('RST in the window but not at RCV.NXT: challenge ACK', () => {
    const c = la();
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=RST>`), { out: [ACK], ...stay });
  });

  test('RST at RCV.NXT - 1: dropped', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], ...stay });
  });

  test('SYN in the window: challenge ACK', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: [ACK], ...stay });
  });

  test('SYN,FIN in the window: challenge ACK', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=SYN,FIN>'), { out: [ACK], ...stay });
  });

  test('SYN,ACK in the window acknowledging our FIN: challenge ACK, the ACK not taken', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=SYN,ACK>'), { out: [ACK], ...stay });
  });

  test('the peer\'s FIN retransmitted without ACK: ACK', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [ACK], ...stay });
  });

  test('RST,ACK at RCV.NXT: CLOSED', () => {
    const c = la();
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1002><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  test('RST,ACK at RCV.NXT + RCV.WND: dropped', () => {
    const c = la();
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1002><CTL=RST>`), { out: [], ...stay });
  });

  test('rfc5961 off: SYN in the window: <SEQ=1002><ACK=5002><CTL=RST,ACK>, CLOSED', () => {
    const c = inState('LAST-ACK', { config: { rfc5961: false } });
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5002><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
  });

  edgeTests('LAST-ACK');

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('LAST-ACK');
  });
});
