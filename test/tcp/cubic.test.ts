/**
 * CubicController (RFC 9438) and its HyStart++ (RFC 9406), driven directly with AckSample objects in
 * virtual time. Expected values are worked out by hand from the RFC formulas (C = 0.4, beta = 0.7):
 *   W_cubic(t) = C (t - K)^3 + W_max,  K = cbrt((W_max - cwnd_epoch) / C)            (RFC 9438 §4.2)
 *   W_est += alpha_cubic * segments_acked / cwnd, alpha_cubic = 3 (1 - beta) / (1 + beta) = 0.9 / 1.7
 *   until W_est >= cwnd_prior, then 1                                                  (§4.3)
 *   ssthresh = max(beta cwnd, 2), W_max = cwnd or cwnd (1 + beta) / 2 if below the old W_max (§4.6, §4.7)
 *   HyStart++: RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms); CSS grows by N / 4; 5 CSS rounds.
 * MSS is 1000 bytes so windows read as segments * 1000.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CubicController } from '../../src/tcp/cubic.js';
import { createCongestionController } from '../../src/tcp/cc-factory.js';
import { DEFAULT_TCP_CONFIG, resolveConfig, type TcpConfig } from '../../src/tcp/config.js';
import type { AckSample } from '../../src/tcp/congestion.js';

const MSS = 1000;
const ALPHA = 0.9 / 1.7;

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

/**
 * A cwnd-limited sender under the controller: every ACK delivers `delivered` bytes, and after it the
 * sender fills cwnd (SND.NXT = SND.UNA + whole segments of cwnd). Rounds follow RFC 9406's rule,
 * computed here independently: a round starts at the first ACK with windowEnd = SND.NXT, and ends at
 * the ACK that reaches windowEnd, whose SND.NXT is the next round's windowEnd.
 */
class Flow {
  una = 0;
  nxt: number;
  now = 0;
  roundEnd: number | undefined;
  roundsEnded = 0;
  readonly sample: AckSample = {
    delivered: MSS,
    inFlight: 0,
    ack: 0,
    sndNxt: 0,
    rttMs: undefined,
    minRttMs: undefined,
    cwndLimited: true,
    now: 0,
  };

  constructor(readonly c: CubicController) {
    this.nxt = c.cwnd;
  }

  /** One ACK `gapMs` after the last, with an RTT sample `rttMs`. */
  ack(rttMs: number | undefined, gapMs = 1, delivered = MSS, cwndLimited = true): void {
    const s = this.sample;
    this.now += gapMs;
    s.now = this.now;
    s.inFlight = this.nxt - this.una;
    this.una += delivered;
    s.delivered = delivered;
    s.ack = this.una;
    s.sndNxt = this.nxt;
    s.rttMs = rttMs;
    if (rttMs !== undefined) s.minRttMs = Math.min(s.minRttMs ?? Infinity, rttMs);
    s.cwndLimited = cwndLimited;
    this.c.onAck(s);
    if (this.roundEnd === undefined) this.roundEnd = s.sndNxt;
    if (this.una >= this.roundEnd) {
      this.roundEnd = s.sndNxt;
      this.roundsEnded++;
    }
    this.nxt = Math.max(this.nxt, this.una + Math.floor(this.c.cwnd / MSS) * MSS);
  }

  /** ACKs until the round ends (see above), all with RTT `rttMs`; returns how many. */
  round(rttMs: number): number {
    const ended = this.roundsEnded;
    let n = 0;
    while (this.roundsEnded === ended) {
      this.ack(rttMs);
      n++;
    }
    return n;
  }

  /** ACK clocking at RTT `rttMs`: one segment every rtt / cwnd, until `untilMs`. */
  clocked(rttMs: number, untilMs: number, cwndLimited = true): void {
    while (this.now < untilMs) this.ack(rttMs, (rttMs * MSS) / this.c.cwnd, MSS, cwndLimited);
  }
}

/** A controller in congestion avoidance after a loss at cwnd = `atLoss` segments, cwnd now at ssthresh. */
function afterLoss(atLoss: number): { c: CubicController; f: Flow } {
  const c = new CubicController(MSS);
  c.cwnd = atLoss * MSS;
  c.onCongestionEvent(c.cwnd, 0);
  c.cwnd = c.ssthresh; // what PRR leaves
  c.onRecoveryEnd(0);
  return { c, f: new Flow(c) };
}

describe('CUBIC (RFC 9438)', () => {
  test('name, initial window of 10 segments (RFC 6928) and setMss rescaling it', () => {
    const c = new CubicController(536);
    assert.equal(c.name, 'cubic');
    assert.equal(c.cwnd, 5360);
    assert.equal(c.ssthresh, Infinity);
    c.setMss(1460);
    assert.equal(c.cwnd, 14600);
    c.cwnd = 20000;
    c.setMss(1000);
    assert.equal(c.cwnd, 20000);
  });

  test('slow start doubles cwnd per round while the RTT is flat (HyStart++ stays in slow start)', () => {
    const c = new CubicController(MSS);
    const f = new Flow(c);
    for (const expected of [20, 40, 80, 160]) {
      const n = c.cwnd / MSS;
      for (let i = 0; i < n; i++) f.ack(50);
      assert.equal(c.cwnd, expected * MSS);
      assert.equal(c.phase, 'slow-start');
      assert.equal(c.ssthresh, Infinity);
    }
  });

  test('slow start grows by at most L = 8 segments per ACK (RFC 9406 §4.2, non-paced)', () => {
    const c = new CubicController(MSS);
    new Flow(c).ack(50, 1, 20 * MSS);
    assert.equal(c.cwnd, 18 * MSS);
  });

  test('multiplicative decrease: ssthresh = 0.7 cwnd, W_max = cwnd, at least 2 segments (§4.6)', () => {
    const c = new CubicController(MSS);
    c.cwnd = 100 * MSS;
    c.onCongestionEvent(100 * MSS, 0);
    near(c.ssthresh, 70 * MSS, 1e-6, 'ssthresh');
    assert.equal(c.wMax, 100);
    assert.equal(c.cwndPrior, 100);
    const small = new CubicController(MSS);
    small.cwnd = 2 * MSS;
    small.onCongestionEvent(2 * MSS, 0);
    assert.equal(small.ssthresh, 2 * MSS);
  });

  test('fast convergence: a loss below W_max sets W_max = cwnd (1 + beta) / 2 (§4.7)', () => {
    const c = new CubicController(MSS);
    c.cwnd = 100 * MSS;
    c.onCongestionEvent(c.cwnd, 0);
    c.onRecoveryEnd(0);
    c.cwnd = 90 * MSS;
    c.onCongestionEvent(c.cwnd, 1000);
    near(c.wMax!, 76.5, 1e-9, 'W_max = 90 * 1.7 / 2');
    near(c.ssthresh, 63 * MSS, 1e-6, 'ssthresh = 0.7 * 90');
    c.onRecoveryEnd(1000);
    c.cwnd = 120 * MSS; // above W_max: plain W_max = cwnd
    c.onCongestionEvent(c.cwnd, 2000);
    assert.equal(c.wMax, 120);
  });

  test('K = cbrt(30 / 0.4) = 4.2172 s for W_max = 100, cwnd_epoch = 70; cwnd follows W_cubic at K/2, K, 2K', () => {
    // RTT 200 ms: W_est (alpha_cubic per RTT, 1 once past 100) stays below W_cubic up to 2K.
    const { c, f } = afterLoss(100);
    const RTT = 200;
    f.ack(RTT); // the first ACK in congestion avoidance starts the epoch
    const epoch = f.now;
    const K = Math.cbrt(30 / 0.4);
    near(K, 4.2172, 1e-4, 'K by hand');
    near(c.k, K, 1e-9, 'controller K');
    // W_cubic(K/2) = 100 - 0.4 (K/2)^3 = 100 - 30/8 = 96.25; W_cubic(K) = 100; W_cubic(2K) = 100 + 30 = 130.
    for (const [t, w] of [[K / 2, 96.25], [K, 100], [2 * K, 130]] as const) {
      f.clocked(RTT, epoch + t * 1000);
      near(c.cwnd / MSS, w, 0.3, `cwnd at t = ${t.toFixed(3)} s`);
    }
  });

  test('K = 0 when the epoch begins above W_max (§4.2 special case)', () => {
    const { c, f } = afterLoss(100);
    c.cwnd = 110 * MSS; // the connection may leave cwnd above ssthresh after recovery
    f.ack(100);
    assert.equal(c.k, 0);
    assert.equal(c.cwndEpoch, 110);
  });

  test('growth is concave before K and convex after it (§4.4, §4.5)', () => {
    const { c, f } = afterLoss(100);
    const RTT = 200;
    f.ack(RTT);
    const epoch = f.now;
    const K = Math.cbrt(30 / 0.4);
    const w: number[] = [];
    for (let i = 0; i <= 16; i++) {
      f.clocked(RTT, epoch + i * 500);
      w.push(c.cwnd / MSS);
    }
    const growth = w.slice(1).map((x, i) => x - w[i]!);
    // Intervals [0.5 i, 0.5 (i + 1)] s: wholly before K for i + 1 <= 8 (4 s), wholly after for i >= 9.
    for (let i = 1; i < 7; i++) assert.ok(growth[i]! < growth[i - 1]!, `concave: growth ${growth[i]} < ${growth[i - 1]} (interval ${i})`);
    for (let i = 10; i < 16; i++) assert.ok(growth[i]! > growth[i - 1]!, `convex: growth ${growth[i]} > ${growth[i - 1]} (interval ${i})`);
    assert.ok(w[8]! < 100 && w[9]! > 99, `plateau near W_max around K = ${K}: ${w[8]}, ${w[9]}`);
  });

  test('Reno-friendly region: at a short RTT cwnd = W_est (§4.3), byte-counted', () => {
    const { c, f } = afterLoss(100);
    // First ACK delivers 5 segments: W_est = 70 + alpha * 5 / 70, and W_cubic(0) = 100 - 30 = 70 < W_est.
    f.ack(1, 1, 5 * MSS);
    near(c.cwnd / MSS, 70 + (ALPHA * 5) / 70, 1e-9, 'cwnd after the first ACK');
    near(70 + (ALPHA * 5) / 70, 70.037815, 1e-6, 'by hand');
    // Then 1 ms RTT ACK clocking: W_est grows alpha per RTT until it reaches cwnd_prior = 100, then 1.
    let west = 70 + (ALPHA * 5) / 70;
    let alpha = ALPHA;
    const epoch = f.now;
    for (let i = 0; i < 8000; i++) {
      f.ack(1, MSS / c.cwnd);
      west += alpha / west;
      if (west >= 100) alpha = 1;
      const t = (f.now - epoch) / 1000;
      const wcubic = 0.4 * (t - Math.cbrt(75)) ** 3 + 100;
      assert.ok(wcubic < west, `still Reno-friendly at ack ${i}`);
    }
    near(c.cwnd / MSS, west, 1e-6, 'cwnd = W_est after 8000 ACKs');
    assert.ok(west > 100, `alpha became 1 on the way: ${west}`);
    assert.equal(c.alphaCubic, 1);
  });

  test('alpha_cubic stays 3(1 - beta)/(1 + beta) until W_est reaches cwnd_prior, not W_max (§4.3 with §4.7)', () => {
    const c = new CubicController(MSS);
    c.cwnd = 100 * MSS;
    c.onCongestionEvent(c.cwnd, 0);
    c.onRecoveryEnd(0);
    c.cwnd = 90 * MSS;
    c.onCongestionEvent(c.cwnd, 0); // fast convergence: W_max = 76.5, cwnd_prior = 90, ssthresh = 63
    c.cwnd = c.ssthresh;
    c.onRecoveryEnd(0);
    const f = new Flow(c);
    let west = 63;
    let alpha = ALPHA;
    for (let i = 0; i < 3200; i++) {
      f.ack(1, MSS / c.cwnd);
      west += alpha / west;
      if (west >= 90) alpha = 1;
    }
    assert.ok(west > 80 && west < 90, `W_est ${west} between W_max and cwnd_prior`);
    near(c.cwnd / MSS, west, 1e-6, 'cwnd = W_est');
    near(c.alphaCubic, ALPHA, 1e-12, 'alpha_cubic');
  });

  test('target is bounded by 1.5 cwnd (§4.2): one ACK 20 s into the epoch adds half a segment', () => {
    const { c, f } = afterLoss(100);
    f.ack(100); // Reno-friendly: cwnd = W_est = 70 + alpha / 70, since W_cubic(0) = 70
    const c1 = 70 + ALPHA / 70;
    near(c.cwnd / MSS, c1, 1e-9, 'first ACK');
    f.ack(100, 20_000); // W_cubic(20.1) = 100 + 0.4 (20.1 - 4.2172)^3 = 1703 > 1.5 cwnd
    near(c.cwnd / MSS, c1 + 0.5, 1e-9, 'cwnd + (1.5 cwnd - cwnd) / cwnd');
  });

  test('retransmission timeout: ssthresh as for a loss, cwnd 1 segment, held on a repeat; next epoch K = 0, W_max = cwnd_epoch (§4.8)', () => {
    const c = new CubicController(MSS);
    c.cwnd = 100 * MSS;
    c.onRetransmitTimeout(100 * MSS, 0);
    near(c.ssthresh, 70 * MSS, 1e-6, 'ssthresh');
    assert.equal(c.cwnd, MSS);
    c.onRetransmitTimeout(MSS, 1000); // backed-off timer, nothing acknowledged since
    near(c.ssthresh, 70 * MSS, 1e-6, 'ssthresh held (RFC 5681 §3.1)');
    assert.equal(c.cwnd, MSS);
    const f = new Flow(c);
    f.nxt = MSS;
    while (c.cwnd < c.ssthresh) f.ack(100);
    near(c.cwnd, 70 * MSS, 1e-6, 'slow start up to ssthresh');
    assert.equal(c.phase, 'congestion-avoidance');
    f.ack(100);
    assert.equal(c.k, 0);
    near(c.wMax!, 70, 1e-9, 'W_max = cwnd_epoch');
    near(c.cwndEpoch, 70, 1e-9, 'cwnd_epoch');
    assert.equal(c.epochStartMs, f.now);
  });

  test('undo restores cwnd, ssthresh, W_max, K and the epoch exactly (§4.9)', () => {
    const { c, f } = afterLoss(100);
    f.clocked(100, 2000);
    const before = c.snapshot();
    c.onCongestionEvent(c.cwnd, f.now);
    c.cwnd = c.ssthresh;
    assert.notDeepEqual(c.snapshot(), before);
    c.undo(f.now + 10);
    assert.deepEqual(c.snapshot(), before);
    // Undone after recovery ended and a new epoch (new K, W_est, t_epoch) began.
    c.onCongestionEvent(c.cwnd, f.now);
    c.cwnd = c.ssthresh;
    c.onRecoveryEnd(f.now);
    f.clocked(100, f.now + 500);
    assert.notEqual(c.k, before.k);
    c.undo(f.now);
    assert.deepEqual(c.snapshot(), before);
    // And after a timeout.
    c.onRetransmitTimeout(c.cwnd, f.now + 20);
    c.undo(f.now + 30);
    assert.deepEqual(c.snapshot(), before);
  });

  test('a controller that never reduced holds no saved state; the first reduction makes it, and undo uses it (§4.9)', () => {
    const c = new CubicController(MSS);
    assert.equal(c['saved'], undefined, 'nothing saved before a congestion event');
    c.undo(0);
    assert.equal(c.cwnd, 10 * MSS, 'undo with nothing saved changes nothing');
    const before = c.snapshot();
    c.onCongestionEvent(c.cwnd, 0);
    assert.ok(c['saved'] !== undefined, 'saved at the reduction');
    c.undo(1);
    assert.deepEqual(c.snapshot(), before);
  });

  test('app-limited: no growth in slow start or congestion avoidance, and the epoch clock is held (§5.8)', () => {
    const ss = new CubicController(MSS);
    const fs = new Flow(ss);
    for (let i = 0; i < 10; i++) fs.ack(50, 1, MSS, false);
    assert.equal(ss.cwnd, 10 * MSS);

    const { c, f } = afterLoss(100);
    f.ack(100); // epoch starts at cwnd 70
    const w = c.cwnd;
    for (let i = 0; i < 10_000; i++) f.ack(100, 1, MSS, false); // 10 s app-limited
    assert.equal(c.cwnd, w);
    // Without the held clock, t = 10 s gives W_cubic(10 + 0.1) = 100 + 0.4 (10.1 - 4.2172)^3 = 181 and the
    // target would be 1.5 cwnd: cwnd would grow by 0.5 segment on this ACK. With it, t is 1 ms.
    f.ack(100);
    assert.ok(c.cwnd / MSS < 70.05, `cwnd ${c.cwnd / MSS} did not jump along the curve`);
  });
});

describe('HyStart++ (RFC 9406) in CUBIC', () => {
  /** A flow whose first round had RTT `firstRtt`, and which then ACKs at `rtt`. */
  function twoRounds(firstRtt: number): { c: CubicController; f: Flow } {
    const c = new CubicController(MSS);
    const f = new Flow(c);
    assert.equal(f.round(firstRtt), 10);
    assert.equal(c.phase, 'slow-start');
    return { c, f };
  }

  const cases: [number, number, string][] = [
    // lastRoundMinRTT, currentRoundMinRTT, phase: RttThresh = clamp(last / 8, 4, 16)
    [100, 112.4, 'slow-start'], // 12.5
    [100, 112.5, 'css'],
    [20, 23.9, 'slow-start'], // 2.5 -> 4
    [20, 24, 'css'],
    [200, 215.9, 'slow-start'], // 25 -> 16
    [200, 216, 'css'],
  ];
  for (const [last, current, phase] of cases) {
    test(`last round ${last} ms, this round ${current} ms: ${phase} after ${8} samples`, () => {
      const { c, f } = twoRounds(last);
      for (let i = 1; i <= 7; i++) {
        f.ack(current);
        assert.equal(c.phase, 'slow-start', `sample ${i} of N_RTT_SAMPLE = 8`);
      }
      f.ack(current);
      assert.equal(c.phase, phase);
      assert.equal(c.ssthresh, Infinity);
    });
  }

  test('CSS grows by a quarter, lasts 5 rounds, then congestion avoidance with ssthresh = cwnd', () => {
    const { c, f } = twoRounds(100);
    for (let i = 0; i < 8; i++) f.ack(112.5);
    assert.equal(c.phase, 'css');
    const w = c.cwnd;
    f.ack(112.5);
    assert.equal(c.cwnd, w + MSS / 4);
    f.round(112.5); // ends the round CSS began in: 1
    for (let r = 2; r <= 4; r++) {
      f.round(112.5);
      assert.equal(c.phase, 'css', `after CSS round ${r}`);
      assert.equal(c.ssthresh, Infinity);
    }
    f.round(112.5); // 5
    assert.equal(c.phase, 'congestion-avoidance');
    assert.equal(c.ssthresh, c.cwnd);
    // §4.10 of RFC 9438: W_max undefined, so the epoch starts with K = 0, W_max = cwnd_prior = cwnd.
    const at = c.cwnd / MSS;
    f.ack(112.5);
    assert.equal(c.k, 0);
    assert.equal(c.wMax, at);
    assert.equal(c.cwndPrior, at);
  });

  test('CSS returns to slow start when the RTT falls below cssBaselineMinRtt', () => {
    const { c, f } = twoRounds(100);
    f.round(112.5);
    assert.equal(c.phase, 'css');
    for (let i = 1; i <= 7; i++) {
      f.ack(105);
      assert.equal(c.phase, 'css', `sample ${i}`);
    }
    f.ack(105);
    assert.equal(c.phase, 'slow-start');
    const w = c.cwnd;
    f.ack(105);
    assert.equal(c.cwnd, w + MSS);
  });

  test('a loss in CSS ends it: ssthresh from the multiplicative decrease', () => {
    const { c, f } = twoRounds(100);
    f.round(112.5);
    assert.equal(c.phase, 'css');
    const w = c.cwnd;
    c.onCongestionEvent(w, f.now);
    near(c.ssthresh, 0.7 * w, 1e-6, 'ssthresh');
    c.cwnd = c.ssthresh;
    c.onRecoveryEnd(f.now);
    assert.equal(c.phase, 'congestion-avoidance');
  });
});

describe('congestionControl knob and factory', () => {
  test("default 'cubic'; 'newreno' accepted; anything else a RangeError", () => {
    assert.equal(DEFAULT_TCP_CONFIG.congestionControl, 'cubic');
    assert.equal(resolveConfig({ congestionControl: 'newreno' }).congestionControl, 'newreno');
    assert.throws(() => resolveConfig({ congestionControl: 'vegas' as TcpConfig['congestionControl'] }), RangeError);
  });

  test('createCongestionController', () => {
    const c = createCongestionController('cubic', 1460);
    assert.equal(c.name, 'cubic');
    assert.equal(c.cwnd, 14600);
    assert.throws(() => createCongestionController('vegas' as 'cubic', 1460), RangeError);
  });
});

describe("CUBIC's Reno-friendly estimate taken at most once per interval (cubicUpdateIntervalMs, Linux's HZ/32)", () => {
  function afterLossWith(interval: number): { c: CubicController; f: Flow } {
    const c = new CubicController(MSS, 10, { cubicUpdateIntervalMs: interval });
    c.cwnd = 10 * MSS;
    c.onCongestionEvent(c.cwnd, 0);
    c.cwnd = c.ssthresh; // 7 segments
    c.onRecoveryEnd(0);
    return { c, f: new Flow(c) };
  }

  test('ACKs within 31 ms of the last update, cwnd unchanged, wait; the next one past it takes them all', () => {
    const { c, f } = afterLossWith(31);
    f.ack(100, 100); // the epoch's first ACK: W_est = 7 + alpha / 7
    const first = c.wEst;
    near(first, 7 + ALPHA / 7, 1e-9, 'W_est after the first ACK');
    for (let i = 0; i < 5; i++) f.ack(100, 2);
    assert.equal(Math.floor(c.cwnd / MSS), 7, 'setup: cwnd stays 7 segments');
    assert.equal(c.wEst, first, 'five ACKs 2 ms apart leave W_est alone');
    const cwnd = c.cwnd / MSS;
    f.ack(100, 100);
    // The five waiting and this one: 6 segments, divided by the cwnd of this update.
    near(c.wEst, first + (ALPHA * 6) / cwnd, 0.01, 'W_est takes all six');
  });

  test('0 (RFC 9438 §4.3): every ACK moves W_est', () => {
    const { c, f } = afterLossWith(0);
    f.ack(100, 100);
    const first = c.wEst;
    f.ack(100, 2);
    assert.ok(c.wEst > first);
  });
});
