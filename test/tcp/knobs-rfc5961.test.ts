/**
 * `rfc5961Rst` and `rfc5961Syn`: RFC 5961's RST and SYN checks one at a time, as FreeBSD's
 * net.inet.tcp.insecure_rst and insecure_syn switch them (undefined follows `rfc5961`).
 *
 * The expectations are the FreeBSD test suite's (state-event-engine/rcv-syn-*, rcv-rst-*), in this
 * file's numbers: our ISS 1000, the peer's 5000, RCV.WND 4096 (the right edge at 9097 after the
 * handshake), PLAIN config. FreeBSD's scripts, relative to the ISNs:
 *   rcv-syn-close-wait-left-edge-insecure:   < S 2:2(0)           > R. 1:1(0) ack 2 win 0, ECONNRESET
 *   rcv-syn-close-wait-right-edge-insecure:  < S 65701:65701(0)   > R. 1:1(0) ack 2 win 0
 *   rcv-syn-close-wait-outside-*-insecure:   < S 1:1(0), < S 65702  > . 1:1(0) ack 2 (no reset)
 *   rcv-syn-fin-wait-1-left-edge-insecure:   < S 1:1(0)           > R. 2:2(0) ack 1 win 0
 *   rcv-syn-last-ack / rcv-syn-closing:      > R. 2:2(0) ack 2 win 0
 *   rcv-rst-established-*-edge-insecure:     < R at RCV.NXT or RCV.NXT+RCV.WND-1: ECONNRESET
 *   rcv-rst-established-outside-*-insecure:  < R at RCV.NXT-1 or RCV.NXT+RCV.WND: nothing happens
 *   rcv-rst-ack-syn-rcvd-*-insecure:         any RST in the window ends SYN-RECEIVED whatever its ACK
 *   rcv-rst-ack-time-wait-*-insecure:        TIME-WAIT stays (RFC 1337)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inState, s, type Scenario } from './scenario-helpers.js';
import { TcpFlag } from '../../src/wire/index.js';
import { resolveConfig, rfc5961RstChecks, rfc5961SynChecks } from '../../src/tcp/config.js';

const insecureSyn = { rfc5961Syn: false } as const;
const insecureRst = { rfc5961Rst: false } as const;
const reset = { state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] } as const;

/** The one segment the last feed emitted. */
function only(c: Scenario) {
  assert.equal(c.lastFed.length, 1);
  return c.lastFed[0];
}

describe('config: rfc5961Rst / rfc5961Syn follow rfc5961 unless set', () => {
  test('defaults: both checks on, as RFC 5961 and FreeBSD (insecure_rst=0, insecure_syn=0)', () => {
    const c = resolveConfig();
    assert.equal(c.rfc5961Rst, undefined);
    assert.equal(c.rfc5961Syn, undefined);
    assert.equal(rfc5961RstChecks(c), true);
    assert.equal(rfc5961SynChecks(c), true);
  });

  test('rfc5961: false turns both off; each can be set on its own either way', () => {
    assert.equal(rfc5961RstChecks(resolveConfig({ rfc5961: false })), false);
    assert.equal(rfc5961SynChecks(resolveConfig({ rfc5961: false })), false);
    assert.equal(rfc5961RstChecks(resolveConfig({ rfc5961: false, rfc5961Rst: true })), true);
    assert.equal(rfc5961SynChecks(resolveConfig({ rfc5961: false, rfc5961Rst: true })), false);
    assert.equal(rfc5961SynChecks(resolveConfig({ rfc5961Syn: false })), false);
    assert.equal(rfc5961RstChecks(resolveConfig({ rfc5961Syn: false })), true);
  });
});

describe('rfc5961Syn: false (FreeBSD insecure_syn=1): a SYN in the window resets, in FreeBSD\'s form', () => {
  test('CLOSE-WAIT, SYN at RCV.NXT: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, window 0 (left-edge-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: insecureSyn });
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1001><ACK=5002><CTL=RST,ACK>'], ...reset });
    const r = only(c);
    assert.equal(r.window, 0, 'win 0, as tcp_drop() sends it');
    assert.equal(r.payload.length, 0);
    assert.deepEqual(r.options, {});
  });

  test('CLOSE-WAIT, SYN at RCV.NXT + RCV.WND - 1: reset (right-edge-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: insecureSyn });
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=SYN>`), { out: ['<SEQ=1001><ACK=5002><CTL=RST,ACK>'], ...reset });
  });

  test('CLOSE-WAIT, SYN at RCV.NXT + RCV.WND: outside, an ACK and nothing else (outside-right-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: insecureSyn });
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=SYN>`), { out: ['<SEQ=1001><ACK=5002><CTL=ACK>'], state: 'CLOSE-WAIT', events: [] });
  });

  test('CLOSE-WAIT, SYN at RCV.NXT - 1: outside, an ACK (outside-left-insecure)', () => {
    const c = inState('CLOSE-WAIT', { config: insecureSyn });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: ['<SEQ=1001><ACK=5002><CTL=ACK>'], state: 'CLOSE-WAIT', events: [] });
  });

  test('FIN-WAIT-1: the reset carries SEQ = SND.NXT after our FIN (> R. 2:2(0) ack 1 win 0)', () => {
    const c = inState('FIN-WAIT-1', { config: insecureSyn });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5001><CTL=RST,ACK>'], ...reset });
    assert.equal(only(c).window, 0);
  });

  test('FIN-WAIT-1, right edge: reset; RCV.NXT - 1: ACK', () => {
    const a = inState('FIN-WAIT-1', { config: insecureSyn });
    assert.deepEqual(a.feed(`<SEQ=${s(a.RCV_END, -1)}><CTL=SYN>`).out, ['<SEQ=1002><ACK=5001><CTL=RST,ACK>']);
    const b = inState('FIN-WAIT-1', { config: insecureSyn });
    assert.deepEqual(b.feed('<SEQ=5000><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5001><CTL=ACK>'], state: 'FIN-WAIT-1', events: [] });
  });

  test('LAST-ACK and CLOSING: <SEQ=1002><ACK=5002><CTL=RST,ACK>, CLOSED', () => {
    for (const state of ['LAST-ACK', 'CLOSING'] as const) {
      const c = inState(state, { config: insecureSyn });
      assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1002><ACK=5002><CTL=RST,ACK>'], ...reset }, state);
      const o = inState(state, { config: insecureSyn });
      assert.deepEqual(o.feed(`<SEQ=${o.RCV_END}><CTL=SYN>`), { out: ['<SEQ=1002><ACK=5002><CTL=ACK>'], state, events: [] }, state);
    }
  });

  test('ESTABLISHED with data in flight: SEQ is SND.NXT (the next new octet), not SND.UNA', () => {
    const c = inState('ESTABLISHED', { inFlight: 100, config: insecureSyn });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: ['<SEQ=1101><ACK=5001><CTL=RST,ACK>'], ...reset });
  });

  test('a SYN carrying data and an ACK in the window resets the same way', () => {
    const c = inState('ESTABLISHED', { config: insecureSyn });
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=SYN,ACK><DATA=10>'), { out: ['<SEQ=1001><ACK=5001><CTL=RST,ACK>'], ...reset });
  });

  test('zero window: a SYN at RCV.NXT is not inside an empty window: ACK, no reset', () => {
    const c = inState('ESTABLISHED', { zeroWindow: true, config: insecureSyn });
    const r = c.feed(`<SEQ=${c.RCV_NXT}><CTL=SYN>`);
    assert.equal(r.state, 'ESTABLISHED');
    assert.deepEqual(r.out, [c.ACK]);
  });

  test('RST checks stay on (only insecure_syn): a RST in the window but not at RCV.NXT gets a challenge ACK', () => {
    const c = inState('ESTABLISHED', { config: insecureSyn });
    assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], state: 'ESTABLISHED', events: [] });
  });

  test('ACK checks stay with rfc5961: SEG.ACK beyond SND.NXT gets a challenge ACK', () => {
    const c = inState('ESTABLISHED', { config: { rfc5961Syn: false, rfc5961Rst: false } });
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1002><CTL=ACK>'), { out: [c.ACK], state: 'ESTABLISHED', events: [] });
  });

  test('rfc5961: false with rfc5961Syn: true keeps the challenge ACK for SYN (secure), RST resets (insecure)', () => {
    const a = inState('CLOSE-WAIT', { config: { rfc5961: false, rfc5961Syn: true } });
    assert.deepEqual(a.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1001><ACK=5002><CTL=ACK>'], state: 'CLOSE-WAIT', events: [] });
    const b = inState('CLOSE-WAIT', { config: { rfc5961: false, rfc5961Syn: true } });
    assert.deepEqual(b.feed('<SEQ=5003><CTL=RST>'), { out: [], ...reset });
  });

  test('default (secure, rcv-syn-close-wait-left-edge-secure): challenge ACK, the connection stays', () => {
    const c = inState('CLOSE-WAIT');
    assert.deepEqual(c.feed('<SEQ=5002><CTL=SYN>'), { out: ['<SEQ=1001><ACK=5002><CTL=ACK>'], state: 'CLOSE-WAIT', events: [] });
  });
});

describe('rfc5961Rst: false (FreeBSD insecure_rst=1): any RST in the window resets (RFC 793)', () => {
  test('ESTABLISHED: RST at RCV.NXT resets (left-edge-insecure)', () => {
    const c = inState('ESTABLISHED', { config: insecureRst });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], ...reset });
  });

  test('ESTABLISHED: RST at RCV.NXT + RCV.WND - 1 resets (right-edge-insecure; secure would challenge)', () => {
    const c = inState('ESTABLISHED', { config: insecureRst });
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=RST>`), { out: [], ...reset });
    const secure = inState('ESTABLISHED');
    assert.deepEqual(secure.feed(`<SEQ=${s(secure.RCV_END, -1)}><CTL=RST>`), { out: [secure.ACK], state: 'ESTABLISHED', events: [] });
  });

  test('ESTABLISHED: RST at RCV.NXT - 1 or RCV.NXT + RCV.WND: outside, dropped, never answered (outside-*-insecure)', () => {
    for (const q of [5000, 5001 + 4096]) {
      const c = inState('ESTABLISHED', { config: insecureRst });
      assert.deepEqual(c.feed(`<SEQ=${q}><CTL=RST>`), { out: [], state: 'ESTABLISHED', events: [] }, `SEQ=${q}`);
    }
  });

  test('FIN-WAIT-2: RST at the right edge resets (rcv-rst-fin-wait-2-right-edge-insecure)', () => {
    const c = inState('FIN-WAIT-2', { config: insecureRst });
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=RST>`), { out: [], ...reset });
  });

  test('SYN-RECEIVED (passive): RST,ACK at the right edge ends the attempt whatever its ACK: back to LISTEN', () => {
    for (const ack of [1000, 1001, 1002, 999]) {
      const c = inState('SYN-RECEIVED', { config: insecureRst });
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=${ack}><CTL=RST>`), { out: [], state: 'LISTEN', events: [] }, `ACK=${ack}`);
    }
  });

  test('SYN-RECEIVED by simultaneous open: RST,ACK in the window: ECONNREFUSED (rcv-rst-ack-syn-rcvd-via-syn-sent-*-insecure)', () => {
    const c = inState('SYN-RECEIVED*', { config: insecureRst });
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1000><CTL=RST>`), { out: [], state: 'CLOSED', events: ['error:ECONNREFUSED', 'closed'] });
  });

  test('SYN-RECEIVED: RST,ACK outside the window leaves the attempt alone', () => {
    const c = inState('SYN-RECEIVED*', { config: insecureRst });
    assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1001><CTL=RST>`), { out: [], state: 'SYN-RECEIVED', events: [] });
  });

  test('TIME-WAIT: a RST in the window does not end it (RFC 1337; rcv-rst-ack-time-wait-*-insecure)', () => {
    const c = inState('TIME-WAIT', { config: insecureRst });
    assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1002><CTL=RST>`), { out: [], state: 'TIME-WAIT', events: [] });
  });

  test('SYN checks stay on (only insecure_rst): a SYN in the window gets a challenge ACK', () => {
    const c = inState('ESTABLISHED', { config: insecureRst });
    assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [c.ACK], state: 'ESTABLISHED', events: [] });
  });

  test('never a RST in answer to a RST', () => {
    const c = inState('ESTABLISHED', { config: insecureRst });
    c.feed(`<SEQ=${c.RCV_END}><ACK=1001><CTL=RST>`);
    assert.ok(!c.lastFed.some((x) => x.flags & TcpFlag.RST));
  });
});
