/**
 * LISTEN (RFC 9293 §3.10.7.2): first RST (ignored), second ACK (<SEQ=SEG.ACK><CTL=RST>), third SYN
 * (<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, SYN-RECEIVED, "any other control or text should be queued for
 * processing later"), fourth anything else: drop.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { B_PORT } from './harness.js';
import { assertNeverRstForRst, inState, T } from './scenario-helpers.js';

const stay = { state: 'LISTEN', events: [] } as const;

describe('LISTEN', () => {
  test('SYN: <SEQ=ISS><ACK=SEG.SEQ+1><CTL=SYN,ACK>, SYN-RECEIVED', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN>'), { out: ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], state: 'SYN-RECEIVED', events: [] });
    // "If the listen was not fully specified ... the unspecified fields should be filled in now."
    assert.equal(c.t.remotePort, B_PORT);
    assert.equal(c.lastFed[0].dstPort, B_PORT);
    // SND.NXT = ISS+1, SND.UNA = ISS; IRS = SEG.SEQ.
    assert.deepEqual([c.t.sndUna, c.t.sndNxt, c.t.irs, c.t.rcvNxt], [1000, 1001, 5000, 5001]);
    // A SYN's window is never scaled: the SYN-ACK offers the whole receive buffer.
    assert.equal(c.lastFed[0].window, 4096);
  });

  test('SYN with data: the data is queued, not acknowledged, until ESTABLISHED', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN><DATA=10>'), { out: ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], state: 'SYN-RECEIVED', events: [] });
    assert.equal(c.t.readableLength, 0);
    // Then the handshake completes and the queued text is processed (§3.10.7.4 seventh step).
    assert.deepEqual(c.feed('<SEQ=5011><ACK=1001><CTL=ACK>', { at: T + 1 }), {
      out: ['<SEQ=1001><ACK=5011><CTL=ACK>'],
      state: 'ESTABLISHED',
      events: ['connected'],
    });
    assert.equal(c.t.readableLength, 10);
  });

  test('SYN,FIN: dropped unanswered by default (dropSynFin: listen, as Linux)', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN,FIN>'), { out: [], ...stay });
  });

  test('SYN,FIN with dropSynFin off: SYN-RECEIVED (the FIN is queued); the ACK of our SYN then takes it to CLOSE-WAIT', () => {
    const c = inState('LISTEN', { config: { dropSynFin: false } });
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN,FIN>'), { out: ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], state: 'SYN-RECEIVED', events: [] });
    assert.deepEqual(c.feed('<SEQ=5002><ACK=1001><CTL=ACK>', { at: T + 1 }), {
      out: ['<SEQ=1001><ACK=5002><CTL=ACK>'],
      state: 'CLOSE-WAIT',
      events: ['connected', 'end'],
    });
  });

  test('SYN,ACK: any acknowledgment is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), { out: ['<SEQ=1001><CTL=RST>'], ...stay });
    assert.equal(c.lastFed[0].dstPort, B_PORT);
  });

  test('ACK: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=4242><CTL=ACK>'), { out: ['<SEQ=4242><CTL=RST>'], ...stay });
  });

  test('ACK with data: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=4242><CTL=ACK><DATA=20>'), { out: ['<SEQ=4242><CTL=RST>'], ...stay });
  });

  test('FIN,ACK: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=99><CTL=FIN,ACK>'), { out: ['<SEQ=99><CTL=RST>'], ...stay });
  });

  test('FIN without ACK: dropped (fourth step)', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [], ...stay });
  });

  test('data without ACK: dropped', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5001><DATA=10>'), { out: [], ...stay });
  });

  test('RST: ignored', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], ...stay });
  });

  test('RST,ACK: ignored (RST is checked before ACK)', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=RST>'), { out: [], ...stay });
  });

  test('SYN,RST: ignored (RST is checked before SYN)', () => {
    const c = inState('LISTEN');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN,RST>'), { out: [], ...stay });
  });

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('LISTEN');
  });
});
