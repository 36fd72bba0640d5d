/**
 * The knobs for choices RFC 9293 leaves open where FreeBSD chose differently from synack's defaults
 * (the packetdrill runner's FreeBSD personality turns them on), against the FreeBSD suite's scripts:
 *
 *   receiveWindowFromBuffer  rcv-rst-established/*right-edge*: > S, < S. <mss 1460>, > . ack 1
 *                            win 65535; SO_RCVBUF is now 65700; < R 65700:65700(0) resets (insecure)
 *                            or is challenged (secure): RCV.WND is 65700, not the 65535 advertised.
 *   finWithAck               snippets/closing: > F. 1:1(0) ack 1, < F. 1:1(0) ack 1, > F. 1:1(0) ack 2
 *                            (the ACK of the peer's FIN is our FIN again), < . 2:2(0) ack 2: TIME-WAIT.
 *   noOptions                snd-syn-without-options (TCP_NOOPT): > S 0:0(0) with no options at all.
 *   synDataDelayedAck        rcv-syn-syn-sent/rcv-syn-with-data: < S 0:3(3) in SYN-SENT, > S. ack 1,
 *                            < . 4:4(0) ack 1, read() = 3, close(): > F. 1:1(0) ack 4 (no ACK before).
 *
 * Our ISS is 1000 and the peer's 5000, so relative sequence number n is 1000+n ours, 5000+n theirs.
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { resolveConfig, type TcpConfig } from '../../src/tcp/config.js';
import { Tcb } from '../../src/tcp/tcb.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { TcpFlag } from '../../src/wire/index.js';
import { A_PORT, activeOpen, B_PORT, drain, events, fmt, Pair, PLAIN, seg, tcb } from './harness.js';
import { Alone } from './timer-helpers.js';

const BSD_BUFFER: Partial<TcpConfig> = { receiveBufferSize: 65536 };

/** An active open to ESTABLISHED at t = 100: our SYN, the peer's <SEQ=5000><ACK=1001><CTL=SYN,ACK> with MSS `mss`. */
function established(config: Partial<TcpConfig>, mss = 1460, ipVersion: 4 | 6 = 4): Tcb {
  const t = tcb({ iss: 1000, ipVersion, config: { ...BSD_BUFFER, ...config } });
  const { out } = activeOpen(t, seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss }, window: 32767 }), 100);
  assert.deepEqual(out.map(fmt), ['<SEQ=1001><ACK=5001><CTL=ACK>']);
  events(t);
  return t;
}

const codes = (t: Tcb) => events(t).flatMap((e) => (e.type === 'error' ? [e.code] : []));

describe('receiveWindowFromBuffer (FreeBSD: RCV.WND is the socket buffer, rounded up to the MSS)', () => {
  test('default off: the buffer keeps its size and RCV.WND is the 65535 advertised; RCV.NXT+65699 lies outside', () => {
    assert.equal(resolveConfig().receiveWindowFromBuffer, false);
    const t = established({ rfc5961Rst: false });
    assert.equal(t.receiveBufferSize, 65536);
    t.handleSegment(seg('<SEQ=70700><CTL=RST>'), 200); // 5001 + 65699
    assert.equal(t.state, 'ESTABLISHED');
    assert.deepEqual(drain(t, 200), []);
  });

  test('on: 65536 becomes 65700 (45 x 1460) when the SYN,ACK brings the MSS; the window field still says 65535', () => {
    const t = tcb({ iss: 1000, config: { ...BSD_BUFFER, receiveWindowFromBuffer: true } });
    t.connect(0);
    const [syn] = drain(t, 0);
    assert.equal(syn.window, 65535);
    assert.equal(t.receiveBufferSize, 65536, 'the MSS is not known yet');
    t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1460 } }), 100);
    assert.equal(t.receiveBufferSize, 65700);
    const [ack] = drain(t, 100);
    assert.equal(fmt(ack), '<SEQ=1001><ACK=5001><CTL=ACK>');
    assert.equal(ack.window, 65535, 'without window scaling the field caps what is advertised');
  });

  test('on, IPv6: 66240 (46 x 1440)', () => {
    assert.equal(established({ receiveWindowFromBuffer: true }, 1440, 6).receiveBufferSize, 66240);
  });

  test('on: a buffer no larger than the MSS is left alone', () => {
    const t = established({ receiveWindowFromBuffer: true, receiveBufferSize: 1000 });
    assert.equal(t.receiveBufferSize, 1000);
  });

  test('on, RFC 793 RST (insecure_rst): <SEQ=RCV.NXT+RCV.WND-1><CTL=RST> resets; one octet further is outside', () => {
    const t = established({ receiveWindowFromBuffer: true, rfc5961Rst: false });
    t.handleSegment(seg('<SEQ=70701><CTL=RST>'), 200); // 5001 + 65700: outside
    assert.equal(t.state, 'ESTABLISHED');
    assert.deepEqual(drain(t, 200), []);
    t.handleSegment(seg('<SEQ=70700><CTL=RST>'), 300); // 5001 + 65699: the last octet of RCV.WND
    assert.equal(t.state, 'CLOSED');
    assert.deepEqual(codes(t), ['ECONNRESET']);
  });

  test('on, RFC 5961 RST: the same RST gets the challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>', () => {
    const t = established({ receiveWindowFromBuffer: true });
    t.handleSegment(seg('<SEQ=70700><CTL=RST>'), 200);
    assert.equal(t.state, 'ESTABLISHED');
    assert.deepEqual(drain(t, 200).map(fmt), ['<SEQ=1001><ACK=5001><CTL=ACK>']);
  });

  test('on: data past the advertised edge but inside the buffer is accepted (held out of order), not trimmed', () => {
    const off = established({});
    off.handleSegment(seg('<SEQ=70536><ACK=1001><CTL=ACK><DATA=165>'), 200); // 5001 + 65535
    assert.equal(off.receiveBuffer.outOfOrderBytes, 0, 'off: outside RCV.WND, dropped');
    const on = established({ receiveWindowFromBuffer: true });
    on.handleSegment(seg('<SEQ=70536><ACK=1001><CTL=ACK><DATA=165>'), 200);
    assert.equal(on.receiveBuffer.outOfOrderBytes, 165);
    const [ack] = drain(on, 200);
    assert.equal(fmt(ack), '<SEQ=1001><ACK=5001><CTL=ACK>', 'out of order: a duplicate ACK at once');
    assert.equal(ack.window, 65535, 'the right edge (RCV.NXT + 65535) does not move left');
  });

  test("on, passive open: SYN-RECEIVED holds the peer to the SYN,ACK's window (FreeBSD's syncache); the buffer grows at ESTABLISHED", () => {
    const t = Tcb.accept(
      { localPort: A_PORT, iss: 1000, config: { ...PLAIN, ...BSD_BUFFER, receiveWindowFromBuffer: true, rfc5961Rst: false }, random: new SeededRandom(1) },
      seg('<SEQ=5000><CTL=SYN>', { options: { mss: 1460 } }),
      0,
    );
    assert.deepEqual(drain(t, 0).map(fmt), ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>']);
    assert.equal(t.receiveBufferSize, 65536);
    t.handleSegment(seg('<SEQ=70536><ACK=1001><CTL=RST,ACK>'), 100); // 5001 + 65535: outside the 65535 offered
    assert.equal(t.state, 'SYN-RECEIVED');
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK>'), 200);
    assert.equal(t.state, 'ESTABLISHED');
    assert.equal(t.receiveBufferSize, 65700);
  });

  test('on, simultaneous open: the buffer grows when the SYN arrives in SYN-SENT, and SYN-RECEIVED accepts RCV.NXT+65699', () => {
    const t = tcb({ iss: 1000, config: { ...BSD_BUFFER, receiveWindowFromBuffer: true, rfc5961Rst: false } });
    t.connect(0);
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5000><CTL=SYN>', { options: { mss: 1460 } }), 100);
    assert.equal(t.state, 'SYN-RECEIVED');
    assert.equal(t.receiveBufferSize, 65700);
    assert.deepEqual(drain(t, 100).map(fmt), ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>']);
    t.handleSegment(seg('<SEQ=70700><ACK=1001><CTL=RST,ACK>'), 200);
    assert.equal(t.state, 'CLOSED');
    assert.deepEqual(codes(t), ['ECONNREFUSED']);
  });

  test('on, TIME-WAIT: RCV.WND stays what was advertised (FreeBSD: tcp_twcheck keeps no buffer); an RST there is ignored either way', () => {
    const t = established({ receiveWindowFromBuffer: true });
    t.shutdown(200);
    assert.deepEqual(drain(t, 200).map(fmt), ['<SEQ=1001><ACK=5001><CTL=FIN,ACK>']);
    t.handleSegment(seg('<SEQ=5001><ACK=1002><CTL=FIN,ACK>'), 300);
    assert.equal(t.state, 'TIME-WAIT');
    drain(t, 300);
    t.handleSegment(seg('<SEQ=70701><ACK=1002><CTL=RST,ACK>'), 400); // 5002 + 65699
    assert.deepEqual(drain(t, 400), [], 'outside the advertised window: dropped unanswered');
    assert.equal(t.state, 'TIME-WAIT');
  });
});

describe('finWithAck (FreeBSD: an ACK while our FIN is unacknowledged is the FIN again)', () => {
  /** FIN-WAIT-1 at t = 200: our FIN <SEQ=1001> sent, not acknowledged. */
  function finWait1(config: Partial<TcpConfig>): Tcb {
    const t = established(config);
    t.shutdown(200);
    assert.deepEqual(drain(t, 200).map(fmt), ['<SEQ=1001><ACK=5001><CTL=FIN,ACK>']);
    assert.equal(t.state, 'FIN-WAIT-1');
    return t;
  }

  test('default off: simultaneous close acknowledges the peer FIN with <SEQ=1002><ACK=5002><CTL=ACK> (Figure 13)', () => {
    assert.equal(resolveConfig().finWithAck, false);
    const t = finWait1({});
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), 300);
    assert.equal(t.state, 'CLOSING');
    assert.deepEqual(drain(t, 300).map(fmt), ['<SEQ=1002><ACK=5002><CTL=ACK>']);
  });

  test('on, CLOSING (snippets/closing): <SEQ=1001><ACK=5002><CTL=FIN,ACK>; the peer ACK of the FIN then leads to TIME-WAIT', () => {
    const t = finWait1({ finWithAck: true });
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), 300);
    assert.equal(t.state, 'CLOSING');
    assert.deepEqual(drain(t, 300).map(fmt), ['<SEQ=1001><ACK=5002><CTL=FIN,ACK>']);
    assert.equal(t.sndNxt, 1002, 'the FIN went again at its own number: SND.NXT is back past it');
    assert.equal(t.sndMax, 1002);
    assert.equal(t.closing.finSeq, 1001);
    t.handleSegment(seg('<SEQ=5002><ACK=1002><CTL=ACK>'), 400);
    assert.equal(t.state, 'TIME-WAIT');
    assert.deepEqual(drain(t, 400), []);
  });

  test('on, FIN-WAIT-1: data from the peer is acknowledged with the FIN again, and an ACK of the FIN reaches FIN-WAIT-2', () => {
    const t = finWait1({ finWithAck: true });
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>'), 300);
    assert.deepEqual(drain(t, 300).map(fmt), ['<SEQ=1001><ACK=5011><CTL=FIN,ACK>']);
    t.handleSegment(seg('<SEQ=5011><ACK=1002><CTL=ACK>'), 400);
    assert.equal(t.state, 'FIN-WAIT-2');
    t.handleSegment(seg('<SEQ=5011><ACK=1002><CTL=ACK><DATA=5>'), 500);
    assert.deepEqual(drain(t, 500).map(fmt), ['<SEQ=1002><ACK=5016><CTL=ACK>'], 'FIN acknowledged: bare ACKs again');
  });

  test('on, LAST-ACK: an unacceptable segment is answered with the FIN again', () => {
    const t = established({ finWithAck: true });
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), 200);
    drain(t, 200);
    assert.equal(t.state, 'CLOSE-WAIT');
    t.shutdown(300);
    assert.deepEqual(drain(t, 300).map(fmt), ['<SEQ=1001><ACK=5002><CTL=FIN,ACK>']);
    assert.equal(t.state, 'LAST-ACK');
    t.handleSegment(seg('<SEQ=4000><ACK=1001><CTL=ACK><DATA=10>'), 400); // old data
    assert.deepEqual(drain(t, 400).map(fmt), ['<SEQ=1001><ACK=5002><CTL=FIN,ACK>']);
    t.handleSegment(seg('<SEQ=5002><ACK=1002><CTL=ACK>'), 500);
    assert.equal(t.state, 'CLOSED');
  });

  test('on: challenge ACKs and answers to SYNs stay bare ACKs (FreeBSD sends them through tcp_respond)', () => {
    for (const syn of ['<SEQ=5002><CTL=SYN>', '<SEQ=5001><CTL=SYN>', '<SEQ=90000><CTL=SYN>']) {
      const t = finWait1({ finWithAck: true });
      t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), 300);
      drain(t, 300);
      t.handleSegment(seg(syn), 400); // left edge (challenged), outside left, outside right
      assert.deepEqual(drain(t, 400).map(fmt), ['<SEQ=1002><ACK=5002><CTL=ACK>'], syn);
      assert.equal(t.state, 'CLOSING');
    }
    const t = finWait1({ finWithAck: true });
    t.handleSegment(seg('<SEQ=5005><CTL=RST>'), 300); // RFC 5961 §3.2: in window, not RCV.NXT
    assert.deepEqual(drain(t, 300).map(fmt), ['<SEQ=1002><ACK=5001><CTL=ACK>']);
  });

  test('on: the retransmission timer still sends the FIN at its own number', () => {
    const a = new Alone(established({ finWithAck: true }));
    a.now = 200;
    a.t.shutdown(200);
    a.runUntil(5000);
    const fins = a.out.filter((o) => o.seg.flags & TcpFlag.FIN).map((o) => fmt(o.seg));
    assert.ok(fins.length >= 3);
    for (const f of fins) assert.equal(f, '<SEQ=1001><ACK=5001><CTL=FIN,ACK>');
  });

  test('on, both ends closing at once: each answers the other FIN with its own, takes the ACK in it, and both finish', () => {
    const config: Partial<TcpConfig> = { finWithAck: true, ackDelayMs: 0 };
    const a = tcb({ iss: 1000, localPort: A_PORT, remotePort: B_PORT, config }, 1);
    const b = tcb({ iss: 5000, localPort: B_PORT, remotePort: 0, config }, 2);
    b.listen(0);
    const p = new Pair(a, b);
    p.latency = 10;
    a.connect(0);
    p.run(100);
    assert.equal(a.state, 'ESTABLISHED');
    assert.equal(b.state, 'ESTABLISHED');
    a.shutdown(p.now);
    b.shutdown(p.now);
    const from = p.log.length;
    p.run(1000);
    assert.equal(a.state, 'TIME-WAIT');
    assert.equal(b.state, 'TIME-WAIT');
    const trace = p.trace().slice(from);
    assert.deepEqual(trace, [
      'a> <SEQ=1001><ACK=5001><CTL=FIN,ACK>',
      'b> <SEQ=5001><ACK=1001><CTL=FIN,ACK>',
      // Each FIN arrives in FIN-WAIT-1 (CLOSING) and is answered with the FIN again, now acking the other's.
      'a> <SEQ=1001><ACK=5002><CTL=FIN,ACK>',
      'b> <SEQ=5001><ACK=1002><CTL=FIN,ACK>',
      // Each is a duplicate FIN whose ACK covers the receiver's FIN: TIME-WAIT, and a bare ACK from there.
      'a> <SEQ=1002><ACK=5002><CTL=ACK>',
      'b> <SEQ=5002><ACK=1002><CTL=ACK>',
    ]);
    p.run(200_000);
    assert.equal(a.state, 'CLOSED');
    assert.equal(b.state, 'CLOSED');
  });
});

describe('noOptions (FreeBSD TCP_NOOPT)', () => {
  const FULL: Partial<TcpConfig> = { timestamps: true, windowScaling: true, sack: true };

  test('default off: the SYN carries the MSS (and what else is on)', () => {
    assert.equal(resolveConfig().noOptions, false);
    const t = tcb({ iss: 1000, config: FULL });
    t.connect(0);
    const [syn] = drain(t, 0);
    assert.equal(syn.options.mss, 1460);
    assert.ok(syn.options.timestamp);
  });

  test('on: <SEQ=1000><CTL=SYN> with no options at all, not even the MSS (snd-syn-without-options)', () => {
    for (const ipVersion of [4, 6] as const) {
      const t = tcb({ iss: 1000, ipVersion, config: { ...FULL, noOptions: true } });
      t.connect(0);
      const [syn] = drain(t, 0);
      assert.equal(fmt(syn), '<SEQ=1000><CTL=SYN>');
      assert.deepEqual(syn.options, {});
    }
  });

  test("on: a SYN,ACK's options are not negotiated (none were offered), but its MSS is the peer's limit", () => {
    const t = tcb({ iss: 1000, config: { ...FULL, noOptions: true } });
    t.connect(0);
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1000, wscale: 7, sackPermitted: true, timestamp: { value: 1, echo: 0 } } }), 100);
    assert.equal(t.state, 'ESTABLISHED');
    assert.equal(t.timestamps, false);
    assert.equal(t.windowScaling, false);
    assert.equal(t.sackPermitted, false);
    assert.equal(t.sendMss, 1000);
    const [ack] = drain(t, 100);
    assert.equal(fmt(ack), '<SEQ=1001><ACK=5001><CTL=ACK>');
    assert.deepEqual(ack.options, {});
  });

  test('on, passive: the SYN,ACK carries no options either', () => {
    const t = Tcb.accept(
      { localPort: A_PORT, iss: 1000, config: { ...FULL, noOptions: true }, random: new SeededRandom(1) },
      seg('<SEQ=5000><CTL=SYN>', { options: { mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 1, echo: 0 } } }),
      0,
    );
    const [synAck] = drain(t, 0);
    assert.equal(fmt(synAck), '<SEQ=1000><ACK=5001><CTL=SYN,ACK>');
    assert.deepEqual(synAck.options, {});
  });
});

describe('synDataDelayedAck (FreeBSD: data held from a SYN is not acknowledged at once)', () => {
  /** rcv-syn-with-data-syn-sent: SYN-SENT, the peer's <SEQ=5000><CTL=SYN><DATA=3> at 100, our SYN,ACK. */
  function synWithData(config: Partial<TcpConfig>): Tcb {
    const t = tcb({ iss: 1000, config: { ackDelayMs: 40, ...config } });
    t.connect(0);
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5000><CTL=SYN><DATA=3>'), 100);
    assert.equal(t.state, 'SYN-RECEIVED');
    assert.deepEqual(drain(t, 100).map(fmt), ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>']);
    assert.equal(t.readableLength, 0, 'held until ESTABLISHED');
    return t;
  }

  test('default off: the ACK completing the handshake makes the data readable and it is acknowledged at once', () => {
    assert.equal(resolveConfig().synDataDelayedAck, false);
    const t = synWithData({});
    t.handleSegment(seg('<SEQ=5004><ACK=1001><CTL=ACK>'), 200);
    assert.equal(t.readableLength, 3);
    assert.deepEqual(drain(t, 200).map(fmt), ['<SEQ=1001><ACK=5004><CTL=ACK>']);
  });

  test('on: no ACK at once; close() then sends <SEQ=1001><ACK=5004><CTL=FIN,ACK> carrying it', () => {
    const t = synWithData({ synDataDelayedAck: true });
    t.handleSegment(seg('<SEQ=5004><ACK=1001><CTL=ACK>'), 200);
    assert.equal(t.state, 'ESTABLISHED');
    assert.equal(t.readableLength, 3);
    assert.deepEqual(drain(t, 200), []);
    assert.equal(t.read()?.length, 3);
    t.close(200);
    assert.deepEqual(drain(t, 200).map(fmt), ['<SEQ=1001><ACK=5004><CTL=FIN,ACK>']);
  });

  test('on: with nothing else to send, the delayed ACK goes after ackDelayMs (RFC 9293 §3.8.6.3)', () => {
    const a = new Alone(synWithData({ synDataDelayedAck: true }));
    a.now = 100;
    a.out.length = 0;
    a.deliver(seg('<SEQ=5004><ACK=1001><CTL=ACK>'), 200);
    a.runUntil(1000);
    assert.deepEqual(
      a.out.map((o): [number, string] => [o.t, fmt(o.seg)]),
      [[240, '<SEQ=1001><ACK=5004><CTL=ACK>']],
    );
  });

  test('on, passive open: the same for data on the SYN a listener took', () => {
    const t = Tcb.accept(
      { localPort: A_PORT, iss: 1000, config: { ...PLAIN, ackDelayMs: 40, synDataDelayedAck: true }, random: new SeededRandom(1) },
      seg('<SEQ=5000><CTL=SYN><DATA=3>', { srcPort: B_PORT }),
      0,
    );
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5004><ACK=1001><CTL=ACK>'), 100);
    assert.equal(t.readableLength, 3);
    assert.deepEqual(drain(t, 100), []);
    const delayedAckAt = t.timerAt(Timer.DelayedAck);
    assert.ok(delayedAckAt !== undefined && delayedAckAt <= 140);
  });
});
