/**
 * Slow start's two choices as TcpConfig knobs, driven through the controllers with AckSample objects:
 *  - slowStartToTwiceFlight: when slow start counts as cwnd-limited. RFC 9438 §5.8 / RFC 2861: only a
 *    window the sender fills grows; Linux's tcp_is_cwnd_limited also grows cwnd while it is below
 *    twice the most that was in flight in the last round trip (tp->max_packets_out).
 *  - slowStartMaxIncrease: the per-ACK bound. RFC 5681 eq. 2 (NewReno): one SMSS; RFC 9406 §4.2
 *    (CUBIC with HyStart++): L = 8 SMSS; Linux's tcp_slow_start: every segment acknowledged.
 * MSS is 1000 bytes, so windows read as segments * 1000.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCongestionController, type CongestionControlName } from '../../src/tcp/cc-factory.js';
import { DEFAULT_TCP_CONFIG, resolveConfig } from '../../src/tcp/config.js';
import type { AckSample, CongestionController } from '../../src/tcp/congestion.js';
import { activeOpen, clientServer, drain, seg, tcb } from './harness.js';

const MSS = 1000;

/**
 * An application-limited sender: it wrote `segments` segments at once (fewer than or as many as the
 * initial window), sends nothing more, and each ACK covers `perAck` of them. Returns cwnd after each ACK.
 */
function appLimitedFlight(c: CongestionController, segments: number, perAck: number): number[] {
  const nxt = segments * MSS;
  let una = 0;
  const out: number[] = [];
  const s: AckSample = { delivered: 0, inFlight: 0, ack: 0, sndNxt: nxt, rttMs: undefined, minRttMs: undefined, cwndLimited: true, now: 0 };
  while (una < nxt) {
    const delivered = Math.min(perAck * MSS, nxt - una);
    s.inFlight = nxt - una;
    // The flight is within one segment of cwnd (RFC 9438 §5.8's test, as the connection computes it).
    s.cwndLimited = s.inFlight + MSS >= c.cwnd;
    una += delivered;
    s.delivered = delivered;
    s.ack = una;
    s.now += 5;
    c.onAck(s);
    out.push(c.cwnd / MSS);
  }
  return out;
}

const controllers: CongestionControlName[] = ['cubic', 'newreno'];

describe('slowStartToTwiceFlight (Linux tcp_is_cwnd_limited)', () => {
  test('default off: a flight of the whole initial window grows cwnd only while the flight fills it', () => {
    assert.equal(DEFAULT_TCP_CONFIG.slowStartToTwiceFlight, false);
    // CUBIC (RFC 9438 §5.8): the first ACK (flight 10 of cwnd 10) grows cwnd; after it the flight is
    // 8 of 12 and does not.
    assert.deepEqual(appLimitedFlight(createCongestionController('cubic', MSS, resolveConfig({})), 10, 2), [12, 12, 12, 12, 12]);
  });

  for (const name of controllers) {
    test(`${name}: a flight of 10 segments grows cwnd to 20, a flight of 6 to 12`, () => {
      const config = resolveConfig({ slowStartToTwiceFlight: true, slowStartMaxIncrease: Infinity });
      assert.deepEqual(appLimitedFlight(createCongestionController(name, MSS, config), 10, 2), [12, 14, 16, 18, 20]);
      // cwnd stops at twice the flight: 2 * 6.
      assert.deepEqual(appLimitedFlight(createCongestionController(name, MSS, config), 6, 2), [12, 12, 12]);
      // 9 segments: 18, reached on the fourth ACK; the last ACK (one segment) finds cwnd = 2 * 9.
      assert.deepEqual(appLimitedFlight(createCongestionController(name, MSS, config), 9, 2), [12, 14, 16, 18, 18]);
    });
  }

  test('the bound holds across rounds: a new round measures its own flight', () => {
    const c = createCongestionController('cubic', MSS, resolveConfig({ slowStartToTwiceFlight: true, slowStartMaxIncrease: Infinity }));
    appLimitedFlight(c, 6, 2); // cwnd 12
    // A second, smaller flight (3 segments, starting where the first ended): twice it is 6 < 12, and
    // it does not fill cwnd either, so no growth.
    const s: AckSample = { delivered: 1000, inFlight: 3000, ack: 7000, sndNxt: 9000, rttMs: undefined, minRttMs: undefined, cwndLimited: false, now: 100 };
    c.onAck(s);
    assert.equal(c.cwnd, 12 * MSS);
  });
});

describe('slowStartMaxIncrease (RFC 5681 eq. 2, RFC 9406 §4.2 L, Linux tcp_slow_start)', () => {
  /** cwnd after one ACK of `segments` segments at the start of slow start (cwnd 10, flight 10). */
  function oneBigAck(name: CongestionControlName, segments: number, overrides: Parameters<typeof resolveConfig>[0]): number {
    const c = createCongestionController(name, MSS, resolveConfig(overrides));
    c.onAck({ delivered: segments * MSS, inFlight: 10 * MSS, ack: segments * MSS, sndNxt: 10 * MSS, rttMs: undefined, minRttMs: undefined, cwndLimited: true, now: 1 });
    return c.cwnd / MSS;
  }

  test('defaults: CUBIC adds at most L = 8 segments per ACK, NewReno one', () => {
    assert.equal(DEFAULT_TCP_CONFIG.slowStartMaxIncrease, undefined);
    assert.equal(oneBigAck('cubic', 10, {}), 18);
    assert.equal(oneBigAck('newreno', 10, {}), 11);
  });

  test('Infinity (Linux): every segment the ACK delivered', () => {
    assert.equal(oneBigAck('cubic', 10, { slowStartMaxIncrease: Infinity }), 20);
    assert.equal(oneBigAck('newreno', 10, { slowStartMaxIncrease: Infinity }), 20);
  });

  test('a number: that many segments', () => {
    assert.equal(oneBigAck('cubic', 10, { slowStartMaxIncrease: 2 }), 12);
    assert.equal(oneBigAck('newreno', 10, { slowStartMaxIncrease: 4 }), 14);
  });

  test('a bound below one segment or not whole is a RangeError', () => {
    assert.throws(() => resolveConfig({ slowStartMaxIncrease: 0 }), RangeError);
    assert.throws(() => resolveConfig({ slowStartMaxIncrease: 1.5 }), RangeError);
  });
});

describe('slowStartAfterIdle (RFC 5681 §4.1, RFC 2861 §3; Linux tcp_cwnd_restart)', () => {
  /**
   * A client that sent 60,000 bytes over a 100 ms RTT path (all acknowledged), then stays idle for
   * `idleRtos` of its RTOs from its last data segment and writes again. Returns cwnd and ssthresh before, the RTO, and cwnd,
   * ssthresh and the bytes sent at the moment of the write.
   */
  function idleThenWrite(idleRtos: number, slowStartAfterIdle: boolean | undefined) {
    const config = slowStartAfterIdle === undefined ? {} : { slowStartAfterIdle };
    const p = clientServer(1000, 5000, config);
    p.latency = 50;
    p.a.connect(0);
    p.run(1000);
    assert.equal(p.a.state, 'ESTABLISHED');
    assert.equal(p.a.send(new Uint8Array(60_000), p.now), 60_000);
    p.run();
    assert.equal(p.a.sndUna, p.a.sndMax, 'all acknowledged');
    // RFC 5681 §4.1 measures the idle time from the last data sent.
    const lastSent = p.log.filter((l) => l.from === 'a' && l.seg.payload.length > 0).at(-1)!.t;
    const cwnd = p.a.congestion.cwnd;
    const ssthresh = p.a.congestion.ssthresh;
    const rto = p.a.rtt.rto;
    const at = lastSent + idleRtos * rto;
    p.a.send(new Uint8Array(100_000), at);
    const sent = drain(p.a, at).reduce((n, s) => n + s.payload.length, 0);
    return { cwnd, ssthresh, rto, after: p.a.congestion.cwnd, ssthreshAfter: p.a.congestion.ssthresh, sent, mss: p.a.sendMss };
  }

  test('default off: cwnd is kept across an idle period (RFC 7661 allows it)', () => {
    assert.equal(DEFAULT_TCP_CONFIG.slowStartAfterIdle, false);
    const r = idleThenWrite(5.5, undefined);
    assert.equal(r.after, r.cwnd);
  });

  test('idle for less than an RTO: nothing changes', () => {
    const r = idleThenWrite(0.9, true);
    assert.ok(r.cwnd > 20 * r.mss, `cwnd ${r.cwnd / r.mss} segments before the idle period`);
    assert.equal(r.after, r.cwnd);
  });

  test('idle for 1.5 RTOs: ssthresh = max(ssthresh, 3/4 cwnd), cwnd halved once', () => {
    const r = idleThenWrite(1.5, true);
    assert.ok(r.cwnd / 2 > 10 * r.mss, `cwnd ${r.cwnd / r.mss} segments: one halving stays above IW`);
    assert.equal(r.after, r.cwnd / 2);
    assert.equal(r.ssthreshAfter, Math.max(r.ssthresh, 0.75 * r.cwnd));
    assert.ok(r.sent <= r.after, `sent ${r.sent} bytes with cwnd ${r.after}`);
  });

  test('idle for many RTOs: cwnd comes down to the restart window, min(IW, cwnd), not below', () => {
    const r = idleThenWrite(10.5, true);
    assert.equal(r.after, 10 * r.mss);
    assert.equal(r.sent, 10 * r.mss);
  });

  test('a zero window that holds data back: window probes are no start of transmission; the restart comes when data can go again', () => {
    // RFC 5681 §4.1: "before beginning transmission if the TCP has not sent data in an interval
    // exceeding the retransmission timeout". Probing a zero window (RFC 9293 §3.8.6.1) sends no new
    // data, so it neither restarts the window nor counts as sending; the window update does.
    const p = clientServer(1000, 5000, { slowStartAfterIdle: true });
    p.latency = 50;
    p.a.connect(0);
    p.run(1000);
    assert.equal(p.a.send(new Uint8Array(60_000), p.now), 60_000);
    p.run();
    assert.equal(p.a.sndUna, p.a.sndMax, 'all acknowledged');
    const cwnd = p.a.congestion.cwnd;
    const rto = p.a.rtt.rto;
    assert.ok(cwnd > 20 * p.a.sendMss, `cwnd ${cwnd / p.a.sendMss} segments`);
    let t = p.now + 1;
    p.a.handleSegment(seg(`<SEQ=${p.a.rcvNxt}><ACK=${p.a.sndMax}><CTL=ACK>`, { window: 0 }), t);
    assert.equal(p.a.send(new Uint8Array(20_000), t), 20_000);
    assert.equal(drain(p.a, t).reduce((n, x) => n + x.payload.length, 0), 0, 'the zero window holds it');
    // Persist probes for several RTOs: cwnd stays.
    const until = t + 6 * rto;
    for (let d = p.a.pollTimeout(); d !== undefined && d <= until; d = p.a.pollTimeout()) {
      p.a.handleTimeout(d);
      drain(p.a, d);
      assert.equal(p.a.congestion.cwnd, cwnd, `cwnd at the probe at ${d} ms`);
    }
    t = until;
    p.a.handleSegment(seg(`<SEQ=${p.a.rcvNxt}><ACK=${p.a.sndMax}><CTL=ACK>`, { window: 65535 }), t);
    const sent = drain(p.a, t).reduce((n, x) => n + x.payload.length, 0);
    assert.equal(p.a.congestion.cwnd, 10 * p.a.sendMss, 'restarted from the restart window');
    assert.equal(sent, 10 * p.a.sendMss);
  });
});

describe('sackGrowsCwndAfterReordering (RFC 5681 §3.1; Linux tcp_may_raise_cwnd)', () => {
  /**
   * A sender (ISS 100, SACK, MSS 1000) with 10 segments out, then the given ACKs from its peer, each
   * [SEG.ACK, SACK blocks]. Returns cwnd in segments after each.
   */
  function run(sackGrowsCwndAfterReordering: boolean | undefined, acks: Array<[number, Array<[number, number]>]>): number[] {
    const config = { sack: true, ackDelayMs: 0, ...(sackGrowsCwndAfterReordering === undefined ? {} : { sackGrowsCwndAfterReordering }) };
    const t = tcb({ iss: 100, config });
    activeOpen(t, seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options: { mss: 1000, sackPermitted: true } }), 10);
    assert.equal(t.send(new Uint8Array(10_000), 20), 10_000);
    assert.equal(drain(t, 20).length, 10);
    const out: number[] = [];
    let now = 40;
    for (const [ack, sack] of acks) {
      t.handleSegment(seg(`<SEQ=301><ACK=${ack}><CTL=ACK>`, { options: sack.length > 0 ? { sack } : {} }), now++);
      drain(t, now);
      assert.equal(t.recovery.inRecovery, false, 'no loss recovery in these cases');
      out.push(t.congestion.cwnd / 1000);
    }
    return out;
  }
  // The last segment arrives first, then the fourth: reordering of 6 segments (> 3), then everything.
  const reordered: Array<[number, Array<[number, number]>]> = [
    [101, [[9101, 10101]]],
    [101, [[3101, 4101], [9101, 10101]]],
    [10101, []],
  ];

  test('default: only ACKs that advance SND.UNA grow cwnd, by all they deliver', () => {
    assert.equal(DEFAULT_TCP_CONFIG.sackGrowsCwndAfterReordering, false);
    // The last ACK delivers the 8 segments not SACKed before (CUBIC's slow start adds up to 8).
    assert.deepEqual(run(undefined, reordered), [10, 10, 18]);
  });

  test('on: once reordering beyond 3 segments is seen, a SACK that delivers grows cwnd too', () => {
    // The first SACK shows no reordering yet; the second (the fourth segment, 6 below the highest
    // SACKed) does, and grows cwnd by the segment it delivered.
    assert.deepEqual(run(true, reordered), [10, 11, 19]);
  });

  test('on, without reordering: SACKs in order grow nothing', () => {
    assert.deepEqual(run(true, [[101, [[2101, 3101]]], [101, [[2101, 4101]]]]), [10, 10]);
  });
});

describe('sackGranularity (RFC 2018 §3 octets; Linux tcp_match_skb_to_sack segments)', () => {
  /**
   * A sender (ISS 100, SACK, MSS 1000) with 4 segments out (101..4101); the peer SACKs only the last
   * octet, [4100, 4101). Returns the octets the scoreboard holds as SACKed and the first
   * retransmission of the last segment (by the loss probe or the RTO), as [seq, length].
   */
  function lastOctetSacked(sackGranularity: 'octet' | 'segment' | undefined): { sacked: number; resent: [number, number] } {
    const config = { sack: true, ackDelayMs: 0, ...(sackGranularity === undefined ? {} : { sackGranularity }) };
    const t = tcb({ iss: 100, config });
    activeOpen(t, seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options: { mss: 1000, sackPermitted: true } }), 10);
    assert.equal(t.send(new Uint8Array(4000), 20), 4000);
    assert.equal(drain(t, 20).length, 4);
    t.handleSegment(seg('<SEQ=301><ACK=101><CTL=ACK>', { options: { sack: [[4100, 4101]] } }), 120);
    drain(t, 120);
    const sacked = t.sacksState?.sackedBytes ?? 0;
    // Timers (the loss probe, then the RTO) until the first segment goes again.
    let now = 120;
    for (let i = 0; i < 10 && !drainSaw(t, (now = t.pollTimeout() ?? assert.fail('a timer runs')), 101); i++);
    // The peer has the first three segments now and still only the last octet of the fourth.
    t.handleSegment(seg('<SEQ=301><ACK=3101><CTL=ACK>', { options: { sack: [[4100, 4101]] } }), now + 100);
    const last = drain(t, now + 100).find((x) => x.seq === 3101);
    assert.ok(last !== undefined, 'the fourth segment goes again');
    return { sacked, resent: [last.seq, last.payload.length] };
  }
  /** Fire the timer due at `at`; whether a segment starting at `seq` went. */
  function drainSaw(t: ReturnType<typeof tcb>, at: number, seq: number): boolean {
    t.handleTimeout(at);
    return drain(t, at).some((x) => x.seq === seq);
  }

  test("default 'octet': the octet is SACKed; the retransmission leaves it out", () => {
    assert.equal(DEFAULT_TCP_CONFIG.sackGranularity, 'octet');
    assert.deepEqual(lastOctetSacked(undefined), { sacked: 1, resent: [3101, 999] });
  });

  test("'segment': a block that covers no segment whole marks nothing; the whole segment goes again", () => {
    assert.deepEqual(lastOctetSacked('segment'), { sacked: 0, resent: [3101, 1000] });
    assert.throws(() => resolveConfig({ sackGranularity: 'byte' as 'octet' }), RangeError);
  });
});
