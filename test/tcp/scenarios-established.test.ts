/**
 * ESTABLISHED (RFC 9293 §3.10.7.4 with RFC 5961). Built by an active open (our SYN 1000, the peer's
 * SYN-ACK 5000) and, unless said otherwise, 100 bytes of ours in flight:
 *   SND.UNA = 1001, SND.NXT = 1101, RCV.NXT = 5001, RCV.WND = 4096 (right edge 9097),
 *   MAX.SND.WND = 8192.
 * An unacceptable segment is answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> = <SEQ=1101><ACK=5001><CTL=ACK>.
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { drain, fmt } from './harness.js';
import { assertNeverRstForRst, inState, PEER_TSVAL, s, T } from './scenario-helpers.js';

const stay = { state: 'ESTABLISHED', events: [] } as const;
const est = () => inState('ESTABLISHED', { inFlight: 100 });
const DUPACK = '<SEQ=1101><ACK=5001><CTL=ACK>';

describe('ESTABLISHED', () => {
  describe('sequence number check (first step, Table 6)', () => {
    test('empty ACK at RCV.NXT: acceptable; a duplicate ACK (SEG.ACK = SND.UNA) is ignored', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK>'), { out: [], ...stay });
    });

    test('empty ACK at RCV.NXT - 1 (a keep-alive): not acceptable, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=ACK>'), { out: [DUPACK], ...stay });
    });

    test('empty ACK at RCV.NXT + RCV.WND - 1: acceptable, its ACK processed, nothing sent', () => {
      // §3.10.7.4 lets segments beyond RCV.NXT be "held for later processing"; the ACK field of an
      // acceptable segment is taken at once, as BSD and Linux do (an empty segment has nothing to hold).
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1101><CTL=ACK>`), { out: [], ...stay });
      assert.equal(c.t.sndUna, 1101);
    });

    test('empty ACK at RCV.NXT + RCV.WND: not acceptable, ACK sent, its ACK not processed', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1101><CTL=ACK>`), { out: [DUPACK], ...stay });
      assert.equal(c.t.sndUna, 1001);
    });

    test('empty ACK far outside the window (RCV.NXT + 2^30): ACK sent', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${s(5001, 2 ** 30)}><ACK=1101><CTL=ACK>`), { out: [DUPACK], ...stay });
    });

    test('data at RCV.NXT: accepted, <SEQ=SND.NXT><ACK=RCV.NXT+10><CTL=ACK>', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>'), { out: ['<SEQ=1101><ACK=5011><CTL=ACK>'], ...stay });
      assert.equal(c.t.readableLength, 10);
    });

    test('data straddling the left edge (SEG.SEQ = RCV.NXT - 1): only the new part is processed', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=ACK><DATA=10>'), { out: ['<SEQ=1101><ACK=5010><CTL=ACK>'], ...stay });
      assert.equal(c.t.readableLength, 9);
    });

    test('data wholly before RCV.NXT (last byte RCV.NXT - 1): duplicate, ACK sent, nothing delivered', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=4991><ACK=1001><CTL=ACK><DATA=10>'), { out: [DUPACK], ...stay });
      assert.equal(c.t.readableLength, 0);
    });

    test('one byte at RCV.NXT + RCV.WND - 1: acceptable, held out of order, duplicate ACK at once (RFC 5681 §4.2)', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1001><CTL=ACK><DATA=1>`), { out: [DUPACK], ...stay });
      assert.equal(c.t.readableLength, 0);
      assert.equal(c.t.receiveBuffer.outOfOrderBytes, 1);
    });

    test('ten bytes at RCV.NXT + RCV.WND - 1: acceptable, trimmed to the one byte inside the window', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1001><CTL=ACK><DATA=10>`), { out: [DUPACK], ...stay });
      assert.equal(c.t.receiveBuffer.outOfOrderBytes, 1);
    });

    test('one byte at RCV.NXT + RCV.WND: not acceptable, ACK, dropped', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><ACK=1001><CTL=ACK><DATA=1>`), { out: [DUPACK], ...stay });
      assert.equal(c.t.receiveBuffer.outOfOrderBytes, 0);
    });

    test('more data than the window at RCV.NXT: the window-full part accepted, the rest trimmed', () => {
      const c = est();
      const r = c.feed(`<SEQ=5001><ACK=1001><CTL=ACK><DATA=${c.RCV_WND + 10}>`);
      assert.deepEqual(r, { out: [`<SEQ=1101><ACK=${c.RCV_END}><CTL=ACK>`], ...stay });
      assert.equal(c.lastFed[0].window, 0); // the buffer is full
      assert.equal(c.t.readableLength, c.RCV_WND);
    });

    test('an out-of-order segment then the one that fills the hole: both delivered, one cumulative ACK', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5011><ACK=1001><CTL=ACK><DATA=10>'), { out: [DUPACK], ...stay });
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { at: T + 1 }), { out: ['<SEQ=1101><ACK=5021><CTL=ACK>'], ...stay });
      assert.equal(c.t.readableLength, 20);
    });
  });

  describe('ACK field (fifth step, RFC 5961 §5.2: SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT)', () => {
    test('SEG.ACK = SND.NXT: everything acknowledged, nothing sent, retransmission timer stopped', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1101><CTL=ACK>'), { out: [], ...stay });
      assert.equal(c.t.sndUna, 1101);
      assert.equal(c.t.sendBuffer.length, 0);
      assert.equal(c.t.timerAt(Timer.Retransmission), undefined); // RFC 6298 §5.2
    });

    test('SND.UNA < SEG.ACK < SND.NXT: partial acknowledgment', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1051><CTL=ACK>'), { out: [], ...stay });
      assert.equal(c.t.sndUna, 1051);
      assert.equal(c.t.sendBuffer.length, 50);
      assert.ok(c.t.timerAt(Timer.Retransmission) !== undefined); // RFC 6298 §5.3: restarted, still data outstanding
    });

    test('SEG.ACK = SND.NXT + 1: acknowledges something not yet sent: ACK, drop', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1102><CTL=ACK>'), { out: [DUPACK], ...stay });
      assert.equal(c.t.sndUna, 1001);
    });

    test('SEG.ACK = SND.NXT + 1 with data: the data is dropped too', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1102><CTL=ACK><DATA=10>'), { out: [DUPACK], ...stay });
      assert.equal(c.t.readableLength, 0);
    });

    test('SEG.ACK = SND.UNA - 1: an old duplicate inside the RFC 5961 range: ignored, the data accepted', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1000><CTL=ACK><DATA=10>'), { out: ['<SEQ=1101><ACK=5011><CTL=ACK>'], ...stay });
      assert.equal(c.t.sndUna, 1001);
    });

    test('SEG.ACK = SND.UNA - MAX.SND.WND: the lowest acceptable value, data accepted', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=5001><ACK=${s(1001, -8192)}><CTL=ACK><DATA=10>`), { out: ['<SEQ=1101><ACK=5011><CTL=ACK>'], ...stay });
    });

    test('SEG.ACK = SND.UNA - MAX.SND.WND - 1: challenge ACK, segment (and its data) dropped', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=5001><ACK=${s(1001, -8192 - 1)}><CTL=ACK><DATA=10>`), { out: [DUPACK], ...stay });
      assert.equal(c.t.readableLength, 0);
      assert.equal(c.t.stats.TCPChallengeACK, 1);
    });

    test('rfc5961 off: SEG.ACK = SND.UNA - MAX.SND.WND - 1 is a duplicate, ignored (RFC 793), data accepted', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { rfc5961: false } });
      assert.deepEqual(c.feed(`<SEQ=5001><ACK=${s(1001, -8192 - 1)}><CTL=ACK><DATA=10>`), { out: ['<SEQ=1101><ACK=5011><CTL=ACK>'], ...stay });
    });

    test('rfc5961 off: SEG.ACK = SND.NXT + 1: ACK, drop (RFC 793)', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { rfc5961: false } });
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1102><CTL=ACK>'), { out: [DUPACK], ...stay });
    });

    test('data without the ACK bit: dropped at the fifth step, nothing sent', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><DATA=10>'), { out: [], ...stay });
      assert.equal(c.t.readableLength, 0);
      assert.equal(c.t.rcvNxt, 5001);
    });

    test('window update: SND.WL1 < SEG.SEQ takes the new window', () => {
      const c = est();
      c.feed('<SEQ=5001><ACK=1001><CTL=ACK><WND=100><DATA=1>');
      assert.equal(c.t.sndWnd, 100);
    });

    test('window update: an older segment (SEG.SEQ < SND.WL1) does not change SND.WND', () => {
      const c = est();
      c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>'); // SND.WL1 = 5001
      c.feed('<SEQ=5011><ACK=1001><CTL=ACK><WND=3000>', { at: T + 1 }); // SND.WL1 = 5011
      assert.equal(c.t.sndWnd, 3000);
      c.feed('<SEQ=5005><ACK=1001><CTL=ACK><WND=10><DATA=6>', { at: T + 2 }); // old: SEG.SEQ < SND.WL1
      assert.equal(c.t.sndWnd, 3000);
    });
  });

  describe('FIN', () => {
    test('FIN,ACK at RCV.NXT: CLOSE-WAIT, <SEQ=SND.NXT><ACK=RCV.NXT+1><CTL=ACK>, end of stream', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1101><CTL=FIN,ACK>'), { out: ['<SEQ=1101><ACK=5002><CTL=ACK>'], state: 'CLOSE-WAIT', events: ['end'] });
    });

    test('FIN,ACK with data: CLOSE-WAIT, the ACK covers data and FIN', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK><DATA=10>'), {
        out: ['<SEQ=1101><ACK=5012><CTL=ACK>'],
        state: 'CLOSE-WAIT',
        events: ['end'],
      });
      assert.equal(c.t.readableLength, 10);
    });

    test('FIN,ACK with SEG.ACK = SND.NXT + 1: challenge ACK, FIN not processed (RFC 5961 §5.2)', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1102><CTL=FIN,ACK>'), { out: [DUPACK], ...stay });
    });

    test('FIN without ACK: dropped at the fifth step', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=FIN>'), { out: [], ...stay });
    });

    test('FIN,ACK at RCV.NXT - 1 (an old FIN): not acceptable, ACK', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=FIN,ACK>'), { out: [DUPACK], ...stay });
    });

    test('FIN,ACK with data ahead of RCV.NXT: held; the hole filled later completes it', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5011><ACK=1001><CTL=FIN,ACK><DATA=5>'), { out: [DUPACK], ...stay });
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { at: T + 1 }), {
        out: ['<SEQ=1101><ACK=5017><CTL=ACK>'],
        state: 'CLOSE-WAIT',
        events: ['end'],
      });
    });

    test('a held FIN that in-order data then overruns is an old segment; the real FIN later is taken', () => {
      // §3.10.7.4: the held FIN,ACK <SEQ=5011> is processed "later"; by then RCV.NXT = 5021, so it is
      // wholly old (SEG.SEQ + SEG.LEN - 1 = 5011 < RCV.NXT) and dropped. The FIN at 5021 is the one.
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5011><ACK=1001><CTL=FIN,ACK>').out, [DUPACK]);
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=20>', { at: T + 1 }), { out: ['<SEQ=1101><ACK=5021><CTL=ACK>'], ...stay });
      assert.deepEqual(c.feed('<SEQ=5021><ACK=1001><CTL=FIN,ACK>', { at: T + 2 }), {
        out: ['<SEQ=1101><ACK=5022><CTL=ACK>'],
        state: 'CLOSE-WAIT',
        events: ['end'],
      });
    });

    test('FIN,ACK whose FIN lies just beyond the window (data fills it): data accepted, FIN not', () => {
      const c = est();
      const r = c.feed(`<SEQ=5001><ACK=1001><CTL=FIN,ACK><DATA=${c.RCV_WND}>`);
      assert.deepEqual(r, { out: [`<SEQ=1101><ACK=${c.RCV_END}><CTL=ACK>`], ...stay });
    });
  });

  describe('SYN (fourth step, RFC 5961 §4)', () => {
    test('SYN at RCV.NXT: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, state kept', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: [DUPACK], ...stay });
      assert.equal(c.t.stats.TCPChallengeACK, 1);
    });

    test('SYN at RCV.NXT + RCV.WND - 1: challenge ACK', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=SYN>`), { out: [DUPACK], ...stay });
    });

    test('SYN at RCV.NXT - 1: not acceptable, ACK', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5000><CTL=SYN>'), { out: [DUPACK], ...stay });
    });

    test('SYN at RCV.NXT + RCV.WND: not acceptable, ACK', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=SYN>`), { out: [DUPACK], ...stay });
    });

    test('SYN,ACK in the window: challenge ACK, its ACK not processed', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1101><CTL=SYN,ACK>'), { out: [DUPACK], ...stay });
      assert.equal(c.t.sndUna, 1001);
    });

    test('SYN,FIN in the window: challenge ACK, the FIN not processed', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=SYN,FIN>'), { out: [DUPACK], ...stay });
    });

    test('SYN with data in the window: challenge ACK, data dropped', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN><DATA=10>'), { out: [DUPACK], ...stay });
      assert.equal(c.t.readableLength, 0);
    });

    test('rfc5961 off: SYN in the window is an error: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, "connection reset", CLOSED', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { rfc5961: false } });
      assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>'), { out: ['<SEQ=1101><ACK=5001><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('rfc5961 off: SYN at RCV.NXT + RCV.WND - 1 is in the window: reset', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { rfc5961: false } });
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=SYN>`), { out: ['<SEQ=1101><ACK=5001><CTL=RST,ACK>'], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('rfc5961 off: SYN outside the window: the first step sends an ACK, nothing else', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { rfc5961: false } });
      assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=SYN>`), { out: [DUPACK], ...stay });
    });

    test('Figure 9: a SYN for a new incarnation (far outside the window): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=400><CTL=SYN>'), { out: [DUPACK], ...stay });
    });
  });

  describe('RST (second step, RFC 5961 §3.2)', () => {
    test('RST at RCV.NXT: "connection reset", CLOSED, nothing sent', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
      assert.equal(c.t.pollTimeout(), undefined);
    });

    test('RST,ACK at RCV.NXT: reset (the ACK field is not looked at: RST comes first)', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('RST with data at RCV.NXT: reset (SHLD-2: a RST may carry data)', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=RST><DATA="diagnostic">'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('RST at RCV.NXT + 1: challenge ACK, state kept', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: [DUPACK], ...stay });
    });

    test('RST,ACK at RCV.NXT + RCV.WND - 1: challenge ACK', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><ACK=1101><CTL=RST>`), { out: [DUPACK], ...stay });
    });

    test('RST at RCV.NXT + RCV.WND: outside the window, silently dropped', () => {
      const c = est();
      assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=RST>`), { out: [], ...stay });
    });

    test('RST at RCV.NXT - 1: outside the window, silently dropped', () => {
      const c = est();
      assert.deepEqual(c.feed('<SEQ=5000><CTL=RST>'), { out: [], ...stay });
    });

    test('rfc5961 off: RST anywhere in the window resets (RFC 793)', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { rfc5961: false } });
      assert.deepEqual(c.feed(`<SEQ=${s(c.RCV_END, -1)}><CTL=RST>`), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('rfc5961 off: RST outside the window: dropped, no ACK (never answer a RST)', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { rfc5961: false } });
      assert.deepEqual(c.feed(`<SEQ=${c.RCV_END}><CTL=RST>`), { out: [], ...stay });
    });

    test('never a RST in answer to a RST', () => {
      assertNeverRstForRst('ESTABLISHED', { inFlight: 100 });
    });
  });

  describe('zero receive window (RCV.WND = 0, RCV.NXT = 9097)', () => {
    const zero = () => inState('ESTABLISHED', { inFlight: 100, zeroWindow: true });
    const ZACK = '<SEQ=1101><ACK=9097><CTL=ACK>';

    test('empty ACK at RCV.NXT: acceptable (SEG.SEQ = RCV.NXT), its ACK processed', () => {
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9097><ACK=1101><CTL=ACK>'), { out: [], ...stay });
      assert.equal(c.t.sndUna, 1101);
    });

    test('empty ACK at RCV.NXT + 1: not acceptable, ACK', () => {
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9098><ACK=1101><CTL=ACK>'), { out: [ZACK], ...stay });
      assert.equal(c.t.sndUna, 1001);
    });

    test('data at RCV.NXT: not accepted, but its ACK is (special allowance), and an ACK goes back', () => {
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9097><ACK=1101><CTL=ACK><DATA=10>'), { out: [ZACK], ...stay });
      assert.equal(c.lastFed[0].window, 0);
      assert.equal(c.t.sndUna, 1101);
      assert.equal(c.t.rcvNxt, 9097);
      assert.equal(c.t.readableLength, 4096);
    });

    test('FIN at RCV.NXT: not accepted (SEG.LEN > 0), its ACK processed, ACK sent', () => {
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9097><ACK=1101><CTL=FIN,ACK>'), { out: [ZACK], ...stay });
      assert.equal(c.t.sndUna, 1101);
    });

    test('data at RCV.NXT + 1: not acceptable, ACK, its ACK not processed', () => {
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9098><ACK=1101><CTL=ACK><DATA=10>'), { out: [ZACK], ...stay });
      assert.equal(c.t.sndUna, 1001);
    });

    test('RST at RCV.NXT: reset (special allowance for RSTs)', () => {
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9097><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('RST at RCV.NXT + 1: outside a zero window, silently dropped', () => {
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9098><CTL=RST>'), { out: [], ...stay });
    });

    test('SYN,ACK at RCV.NXT: challenge ACK, and the segment is dropped: its ACK is not processed', () => {
      // RFC 5961 §4.2: a SYN in a synchronized state, "irrespective of the sequence number", gets a
      // challenge ACK and "TCP MUST drop the unacceptable segment and stop processing further".
      const c = zero();
      assert.deepEqual(c.feed('<SEQ=9097><ACK=1101><CTL=SYN,ACK>'), { out: [ZACK], ...stay });
      assert.equal(c.t.sndUna, 1001);
    });

    test('reading opens the window and an ACK announces it (window update, §3.8.6.2.2)', () => {
      const c = zero();
      c.t.read();
      const out = c.feed('<SEQ=9097><ACK=1001><CTL=ACK>');
      assert.deepEqual(out, { out: [ZACK], ...stay });
      assert.equal(c.lastFed[0].window, 4096);
    });
  });

  describe('challenge ACK rate limit (RFC 5961 §7, config challengeAckLimit)', () => {
    const limited = () => inState('ESTABLISHED', { inFlight: 100, config: { challengeAckLimit: 2, challengeAckWindowMs: 1000 } });

    test('in-window RSTs beyond the limit get no challenge ACK until the window of time passes', () => {
      const c = limited();
      assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>', { at: T }).out, [DUPACK]);
      assert.deepEqual(c.feed('<SEQ=5003><CTL=RST>', { at: T + 1 }).out, [DUPACK]);
      assert.deepEqual(c.feed('<SEQ=5004><CTL=RST>', { at: T + 2 }), { out: [], ...stay });
      assert.equal(c.t.stats.TCPChallengeACKSuppressed, 1);
      assert.deepEqual(c.feed('<SEQ=5005><CTL=RST>', { at: T + 1000 }).out, [DUPACK]);
    });

    test('SYNs and out-of-range ACKs draw on the same budget', () => {
      const c = limited();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>', { at: T }).out, [DUPACK]);
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1102><CTL=ACK>', { at: T }).out, [DUPACK]);
      assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>', { at: T }).out, []);
      assert.deepEqual(c.feed('<SEQ=5001><CTL=SYN>', { at: T }).out, []);
      assert.equal(c.t.state, 'ESTABLISHED');
    });

    test('a suppressed challenge does not let the RST through: the connection survives', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { challengeAckLimit: 0 } });
      assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: [], ...stay });
    });

    test('the ACK for an out-of-window segment (first step) is not a challenge ACK and is not limited', () => {
      const c = inState('ESTABLISHED', { inFlight: 100, config: { challengeAckLimit: 0 } });
      assert.deepEqual(c.feed('<SEQ=5000><ACK=1001><CTL=ACK>'), { out: [DUPACK], ...stay });
    });
  });

  describe('close() and data the application will not read (§3.6 SHLD-3)', () => {
    test('close() with unread data: <SEQ=SND.NXT><CTL=RST> at once, CLOSED (no FIN)', () => {
      const c = est();
      c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>');
      c.t.close(T + 1);
      assert.deepEqual(drain(c.t, T + 1).map(fmt), ['<SEQ=1101><CTL=RST>']);
      assert.equal(c.t.state, 'CLOSED');
    });

    test('close() with everything read: FIN, FIN-WAIT-1', () => {
      const c = est();
      c.feed('<SEQ=5001><ACK=1101><CTL=ACK><DATA=10>');
      c.t.read();
      c.t.close(T + 1);
      assert.deepEqual(drain(c.t, T + 1).map(fmt), ['<SEQ=1101><ACK=5011><CTL=FIN,ACK>']);
      assert.equal(c.t.state, 'FIN-WAIT-1');
    });
  });

  describe('timestamps and PAWS (RFC 7323; TS.Recent = 700 from the SYN-ACK)', () => {
    const ts = () => inState('ESTABLISHED', { timestamps: true });
    const ACK0 = '<SEQ=1001><ACK=5001><CTL=ACK>';
    const tsopt = (value: number) => ({ timestamp: { value, echo: 0 } });

    test('SEG.TSval < TS.Recent: not acceptable (§5.3 R1): ACK, data dropped', () => {
      const c = ts();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { options: tsopt(PEER_TSVAL - 1) }), { out: [ACK0], ...stay });
      assert.equal(c.t.readableLength, 0);
      // Every segment after the handshake carries TSopt, echoing TS.Recent (§3.2, §4.3).
      assert.equal(c.lastFed[0].options.timestamp?.echo, PEER_TSVAL);
    });

    test('SEG.TSval = TS.Recent: acceptable (only "less than" is rejected)', () => {
      const c = ts();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { options: tsopt(PEER_TSVAL) }), { out: ['<SEQ=1001><ACK=5011><CTL=ACK>'], ...stay });
    });

    test('SEG.TSval > TS.Recent at Last.ACK.sent: accepted and TS.Recent updated (§4.3)', () => {
      const c = ts();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { options: tsopt(PEER_TSVAL + 1) }), { out: ['<SEQ=1001><ACK=5011><CTL=ACK>'], ...stay });
      assert.equal(c.lastFed[0].options.timestamp?.echo, PEER_TSVAL + 1);
    });

    test('SEG.TSval = TS.Recent + 2^31 - 1: still "greater" in modular arithmetic: accepted', () => {
      const c = ts();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { options: tsopt(s(PEER_TSVAL, 2 ** 31 - 1)) }).out, ['<SEQ=1001><ACK=5011><CTL=ACK>']);
    });

    test('a non-RST segment without TSopt: silently dropped (§3.2 SHOULD)', () => {
      const c = ts();
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>'), { out: [], ...stay });
      assert.equal(c.t.readableLength, 0);
    });

    test('a segment without TSopt: dropped but the connection is not aborted (§3.2 MUST NOT)', () => {
      const c = ts();
      c.feed('<SEQ=5001><ACK=1001><CTL=FIN,ACK>');
      assert.equal(c.t.state, 'ESTABLISHED');
    });

    test('RST at RCV.NXT with an old TSval: not subject to PAWS (§5.3 R1 "the RST bit is not set"): reset', () => {
      const c = ts();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>', { options: tsopt(1) }), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('RST at RCV.NXT without TSopt: reset', () => {
      const c = ts();
      assert.deepEqual(c.feed('<SEQ=5001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });

    test('after 24 days idle TS.Recent is no longer valid (§5.5): an old TSval is accepted', () => {
      const c = ts();
      const at = 24 * 24 * 3600 * 1000 + 1;
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', { at, options: tsopt(PEER_TSVAL - 1) }).out, ['<SEQ=1001><ACK=5011><CTL=ACK>']);
    });
  });

  describe('passive open', () => {
    test('the same rules hold on a passively opened connection: RST in window, challenge ACK', () => {
      const c = inState('ESTABLISHED', { passive: true });
      assert.deepEqual(c.feed('<SEQ=5002><CTL=RST>'), { out: ['<SEQ=1001><ACK=5001><CTL=ACK>'], ...stay });
    });

    test('RST at RCV.NXT: ECONNRESET', () => {
      const c = inState('ESTABLISHED', { passive: true });
      assert.deepEqual(c.feed('<SEQ=5001><ACK=1001><CTL=RST>'), { out: [], state: 'CLOSED', events: ['error:ECONNRESET', 'closed'] });
    });
  });
});
