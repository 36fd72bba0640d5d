/**
 * CLOSED (RFC 9293 §3.10.7.1, §3.5.2 group 1): "all data in the incoming segment is discarded. An
 * incoming segment containing a RST is discarded. An incoming segment not containing a RST causes a
 * RST to be sent in response":
 *   ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 *   ACK on:  <SEQ=SEG.ACK><CTL=RST>
 * and "The connection remains in the CLOSED state". SEG.LEN counts SYN and FIN (§3.4).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A_PORT, B_PORT } from './harness.js';
import { assertNeverRstForRst, inState, T } from './scenario-helpers.js';

const stay = { state: 'CLOSED', events: [] } as const;

describe('CLOSED', () => {
  test('SYN: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN>'), { out: ['<SEQ=0><ACK=5001><CTL=RST,ACK>'], ...stay });
  });

  test('SYN with 10 bytes of data: SEG.LEN = 11', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN><DATA=10>'), { out: ['<SEQ=0><ACK=5011><CTL=RST,ACK>'], ...stay });
  });

  test('SYN,ACK: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), { out: ['<SEQ=1001><CTL=RST>'], ...stay });
  });

  test('ACK: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1234><CTL=ACK>'), { out: ['<SEQ=1234><CTL=RST>'], ...stay });
  });

  test('ACK with data (Figure 10): <SEQ=SEG.ACK><CTL=RST>, data discarded', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1234><CTL=ACK><DATA=10>'), { out: ['<SEQ=1234><CTL=RST>'], ...stay });
    assert.equal(c.t.readableLength, 0);
  });

  test('FIN without ACK: SEG.LEN = 1', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: ['<SEQ=0><ACK=5002><CTL=RST,ACK>'], ...stay });
  });

  test('FIN,ACK: <SEQ=SEG.ACK><CTL=RST>', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=777><CTL=FIN,ACK>'), { out: ['<SEQ=777><CTL=RST>'], ...stay });
  });

  test('SYN,FIN: SEG.LEN = 2', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN,FIN>'), { out: ['<SEQ=0><ACK=5002><CTL=RST,ACK>'], ...stay });
  });

  test('data without ACK: <ACK=SEG.SEQ+SEG.LEN>', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><DATA=10>'), { out: ['<SEQ=0><ACK=5011><CTL=RST,ACK>'], ...stay });
  });

  test('data and FIN without ACK across the wrap: SEG.SEQ+SEG.LEN modulo 2^32', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed(`<SEQ=${2 ** 32 - 2}><CTL=FIN><DATA=3>`), { out: ['<SEQ=0><ACK=2><CTL=RST,ACK>'], ...stay });
  });

  test('RST: discarded, no answer', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], ...stay });
  });

  test('RST,ACK: discarded, no answer', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=RST>'), { out: [], ...stay });
  });

  test('SYN,RST: the RST wins, no answer', () => {
    const c = inState('CLOSED');
    assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN,RST>'), { out: [], ...stay });
  });

  test('the reset goes back to where the segment came from', () => {
    const c = inState('CLOSED');
    c.feed('<SEQ=5000><CTL=SYN>');
    assert.equal(c.lastFed[0].srcPort, A_PORT);
    assert.equal(c.lastFed[0].dstPort, B_PORT);
  });

  test('a connection that was reset is CLOSED and answers like one (Figure 10)', () => {
    const c = inState('ESTABLISHED');
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>').state, 'CLOSED');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { at: T + 1 }), { out: ['<SEQ=1001><CTL=RST>'], ...stay });
  });

  test('never a RST in answer to a RST', () => {
    assertNeverRstForRst('CLOSED');
  });
});
