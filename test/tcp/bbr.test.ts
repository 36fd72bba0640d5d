/**
 * BBR's filters and state machine (draft-ietf-ccwg-bbr §4), driven by rate samples from a model
 * path: a bottleneck of `bw` bytes/ms and a round trip of `rtt` ms, one ACK of two 1000-octet
 * segments at a time. A sample's prior_delivered is C.delivered one round trip before its ACK (the
 * segment it acknowledges was sent then), so a round ends once per round trip, as on a real path.
 * Expectations come from the draft's rules, each named where it is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BbrController, DRAIN_PACING_GAIN, MaxBwFilter, PROBE_RTT_DURATION_MS, PROBE_UP_PACING_GAIN, RoundMaxFilter, STARTUP_PACING_GAIN } from '../../src/tcp/bbr.js';
import type { RateSample } from '../../src/tcp/rate-sample.js';
import { createCongestionController } from '../../src/tcp/cc-factory.js';
import { resolveConfig, type TcpConfig } from '../../src/tcp/config.js';

const MSS = 1000;
const ACK = 2 * MSS;

interface Conditions {
  /** The delivery rate the ACKs show (bytes/ms). */
  rate: number;
  rtt?: number;
  /** Bytes in flight after each ACK; default: what the rate fills in a round trip. */
  inFlight?: number;
  appLimited?: boolean;
  /** Bytes each ACK marks lost, and rs.lost / rs.tx_in_flight for the sample. */
  newlyLost?: number;
  lost?: number;
  txInFlight?: number;
  cwndLimited?: boolean;
}

class ModelPath {
  now = 0;
  private log: Array<[number, number]> = [[0, 0]];
  constructor(readonly bbr: BbrController) {}

  /** One ACK under these conditions, `dt` ms after the last. */
  ack(c: Conditions, dt: number, inRecovery = false): RateSample {
    const rtt = c.rtt ?? 50;
    this.now += dt;
    const rates = this.bbr.rates;
    rates.delivered += ACK;
    // C.delivered when the acknowledged segment was sent, one round trip ago.
    let prior = 0;
    for (const [t, d] of this.log) if (t <= this.now - rtt) prior = d;
    this.log.push([this.now, rates.delivered]);
    if (this.log.length > 4096) this.log.splice(0, 2048);
    const rs: RateSample = {
      deliveryRate: c.rate,
      valid: true,
      delivered: c.rate * rtt,
      interval: rtt,
      priorDelivered: prior,
      isAppLimited: c.appLimited ?? false,
      txInFlight: c.txInFlight ?? c.rate * rtt,
      lost: c.lost ?? 0,
      newlyAcked: ACK,
      newlyLost: c.newlyLost ?? 0,
      rtt,
      totalDelivered: rates.delivered,
      inFlight: c.inFlight ?? c.rate * rtt,
      cwndLimited: c.cwndLimited ?? false,
      now: this.now,
    };
    this.bbr.onRateSample(rs, inRecovery);
    return rs;
  }

  /** ACKs spread evenly over `ms` (as a path of this rate spaces them). */
  run(c: Conditions, ms: number): void {
    const n = Math.max(1, Math.round((c.rate * ms) / ACK));
    for (let i = 0; i < n; i++) this.ack(c, ms / n);
  }

  /** Round trips at `rate`, one after another. */
  rounds(c: Conditions, count: number): void {
    for (let i = 0; i < count; i++) this.run(c, c.rtt ?? 50);
  }
}

/** A flow out of Startup and Drain, cruising at `rate` on a 50 ms path. */
function cruising(rate: number, seed = 1): { bbr: BbrController; path: ModelPath } {
  const bbr = new BbrController(MSS, 10, seed, 50);
  const path = new ModelPath(bbr);
  // Startup's queue: two BDPs in flight.
  path.rounds({ rate, inFlight: 2 * rate * 50 }, 6);
  assert.equal(bbr.state, 'Drain');
  path.run({ rate, inFlight: rate * 50 }, 1);
  assert.ok(['ProbeBW_DOWN', 'ProbeBW_CRUISE'].includes(bbr.state), bbr.state);
  path.run({ rate }, 100);
  assert.equal(bbr.state, 'ProbeBW_CRUISE');
  return { bbr, path };
}

test('MaxBwFilter: the largest rate of the last two ProbeBW cycles', () => {
  const f = new MaxBwFilter();
  f.update(10);
  f.update(7);
  assert.equal(f.value, 10);
  f.advance();
  f.update(8);
  assert.equal(f.value, 10, 'the previous cycle still counts');
  f.advance();
  assert.equal(f.value, 8, "two cycles on, the first cycle's maximum is gone");
  f.advance();
  assert.equal(f.value, 0);
});

test('RoundMaxFilter: a maximum is kept for at least half its window of rounds and at most all of it', () => {
  const f = new RoundMaxFilter(10);
  f.update(100, 0);
  f.update(50, 4);
  assert.equal(f.value, 100);
  f.update(60, 5);
  assert.equal(f.value, 100, 'rounds 5 to 9 have their own slot; rounds 0 to 4 are still in the window');
  f.update(10, 10);
  assert.equal(f.value, 60, 'round 10 reuses the slot of rounds 0 to 4');
  f.update(5, 30);
  assert.equal(f.value, 5, 'after more than a window of rounds, nothing older remains');
});

test('initial pacing rate: the initial window per smoothed RTT, times 4 ln 2 (BBRInitPacingRate)', () => {
  const bbr = new BbrController(MSS, 10, 1, 50);
  assert.equal(bbr.state, 'Startup');
  assert.equal(bbr.pacingGain, STARTUP_PACING_GAIN);
  assert.ok(Math.abs(bbr.pacingRate - (STARTUP_PACING_GAIN * 10 * MSS) / 50) < 1e-9);
  assert.equal(bbr.cwnd, 10 * MSS);
});

test('Startup ends after three rounds without 25% more bandwidth (BBRCheckStartupFullBandwidth), then Drain paces at its gain', () => {
  const bbr = new BbrController(MSS, 10, 1, 50);
  const path = new ModelPath(bbr);
  for (const rate of [50, 100, 200, 400]) path.rounds({ rate, inFlight: 2 * rate * 50 }, 1);
  assert.equal(bbr.state, 'Startup');
  // 440 is only 10% above 400: three such rounds in a row end Startup.
  path.rounds({ rate: 440, inFlight: 2 * 440 * 50 }, 2);
  assert.equal(bbr.state, 'Startup');
  assert.equal(bbr.fullBwReached, false);
  path.rounds({ rate: 440, inFlight: 2 * 440 * 50 }, 2);
  assert.equal(bbr.fullBwReached, true);
  assert.equal(bbr.state, 'Drain');
  assert.equal(bbr.pacingGain, DRAIN_PACING_GAIN);
  assert.equal(bbr.maxBw, 440);
  // Pacing: gain * bw * (1 - 1%) once the pipe is full.
  assert.ok(Math.abs(bbr.pacingRate - DRAIN_PACING_GAIN * 440 * 0.99) < 1e-9);
});

test('Drain ends when the flight is down to the BDP (BBRCheckDrainDone)', () => {
  const bbr = new BbrController(MSS, 10, 1, 50);
  const path = new ModelPath(bbr);
  path.rounds({ rate: 400, inFlight: 800 * 50 }, 5);
  assert.equal(bbr.state, 'Drain');
  const bdp = 400 * 50;
  path.run({ rate: 400, inFlight: 2 * bdp }, 50);
  assert.equal(bbr.state, 'Drain', 'two BDPs in flight: the queue is still there');
  path.ack({ rate: 400, inFlight: bdp }, 1);
  assert.ok(['ProbeBW_DOWN', 'ProbeBW_CRUISE'].includes(bbr.state), bbr.state);
});

test('ProbeBW: CRUISE until 2 to 3 s have passed, REFILL for a round, UP at 1.25 until bandwidth plateaus, then DOWN', () => {
  // A BDP of 100 segments: Reno would take more than 63 rounds (3.15 s) to refill it, so the
  // random wait (BBRPickProbeWait, 2 to 3 s) decides when to probe.
  const rate = 2000;
  const { bbr, path } = cruising(rate);
  assert.equal(bbr.cwndGain, 2);
  assert.equal(bbr.pacingGain, 1);
  let t = 0;
  while (bbr.state === 'ProbeBW_CRUISE' && t < 4000) {
    path.run({ rate }, 10);
    t += 10;
  }
  assert.equal(bbr.state, 'ProbeBW_REFILL');
  // Counted from the cycle's start, when DOWN began (~100 ms before cruising() returned).
  assert.ok(t >= 1850 && t <= 2950, `REFILL after ${t} ms`);
  assert.equal(bbr.pacingGain, 1);
  path.rounds({ rate }, 1);
  assert.equal(bbr.state, 'ProbeBW_UP');
  assert.equal(bbr.pacingGain, PROBE_UP_PACING_GAIN);
  assert.equal(bbr.cwndGain, 2.25);
  // No more bandwidth found: three rounds at the same rate and UP is over.
  path.rounds({ rate, inFlight: 1.25 * rate * 50 }, 5);
  assert.equal(bbr.state, 'ProbeBW_DOWN');
  assert.equal(bbr.pacingGain, 0.9);
});

test('ProbeBW probes at least as often as Reno would refill the BDP: after min(BDP in segments, 63) rounds', () => {
  // A BDP of 20 segments: REFILL after 20 rounds (1 s), before the 2 to 3 s wait is up.
  const { bbr, path } = cruising(400);
  let rounds = 0;
  const start = bbr.roundCount;
  while (bbr.state === 'ProbeBW_CRUISE' && rounds < 100) {
    path.run({ rate: 400 }, 10);
    rounds = bbr.roundCount - start;
  }
  assert.equal(bbr.state, 'ProbeBW_REFILL');
  assert.ok(rounds >= 17 && rounds <= 21, `REFILL after ${rounds} rounds`);
});

test('max_bw holds the largest rate of two ProbeBW cycles, not of the last round (BBRAdvanceMaxBwFilter once a cycle)', () => {
  const { bbr, path } = cruising(400);
  // Twelve rounds, all in the cycle that began with DOWN (the next probe is 20 rounds on).
  path.run({ rate: 380 }, 600);
  assert.equal(bbr.state, 'ProbeBW_CRUISE');
  assert.equal(bbr.maxBw, 400);
});

test('an app-limited sample below max_bw is ignored; one above it counts (BBRUpdateMaxBw)', () => {
  const { bbr, path } = cruising(400);
  path.run({ rate: 100, appLimited: true }, 200);
  assert.equal(bbr.maxBw, 400);
  path.ack({ rate: 500, appLimited: true }, 1);
  assert.equal(bbr.maxBw, 500);
});

test('a round with loss outside a probe cuts the short-term bounds: bw_lo = max(bw_latest, 0.7 bw_lo) (BBRLossLowerBounds)', () => {
  const { bbr, path } = cruising(400);
  assert.equal(bbr.bwLo, Infinity);
  // A round at 300 with a loss, then the next round starts: bw_lo = max(300, 0.7 * 400).
  path.run({ rate: 300 }, 25);
  path.ack({ rate: 300, newlyLost: MSS, lost: MSS, txInFlight: 20_000 }, 1);
  path.rounds({ rate: 300 }, 2);
  assert.equal(bbr.bwLo, 300);
  assert.equal(bbr.bw, 300, 'bw = min(max_bw, bw_lo)');
  assert.ok(bbr.inflightLo < Infinity);
  // Pacing follows bw.
  assert.ok(Math.abs(bbr.pacingRate - 300 * 0.99) < 1e-9);
});

test('loss above 2% of the flight while probing up sets inflight_hi and ends the probe (BBRHandleInflightTooHigh)', () => {
  const { bbr, path } = cruising(400);
  while (bbr.state !== 'ProbeBW_UP') path.run({ rate: 400 }, 10);
  assert.equal(bbr.inflightHi, Infinity);
  const bdp = 400 * 50;
  // 3% of a 25000-octet flight lost: too high.
  path.ack({ rate: 400, lost: 750, newlyLost: 750, txInFlight: 25_000, inFlight: 25_000 }, 1);
  assert.equal(bbr.state, 'ProbeBW_DOWN');
  // inflight_hi = max(tx_in_flight, BBRBeta * target inflight): max(25000, 0.7 * min(BDP, cwnd)).
  assert.equal(bbr.inflightHi, Math.max(25_000, 0.7 * Math.min(bdp, bbr.cwnd)));
});

test('loss below 2% of the flight does not touch inflight_hi (BBRLossThresh)', () => {
  const { bbr, path } = cruising(400);
  while (bbr.state !== 'ProbeBW_UP') path.run({ rate: 400 }, 10);
  path.ack({ rate: 400, lost: 250, newlyLost: 250, txInFlight: 25_000, inFlight: 25_000 }, 1);
  assert.equal(bbr.state, 'ProbeBW_UP');
  assert.equal(bbr.inflightHi, Infinity);
});

test('Startup ends on loss: six loss events in a round and more than 2% lost (BBRCheckStartupHighLoss)', () => {
  const bbr = new BbrController(MSS, 10, 1, 50);
  const path = new ModelPath(bbr);
  for (const rate of [50, 100, 200]) path.rounds({ rate }, 1);
  assert.equal(bbr.state, 'Startup');
  // A round at a growing rate, with eight ACKs that each mark a segment lost: 5% of the flight.
  for (let i = 0; i < 8; i++) path.ack({ rate: 400, newlyLost: MSS, lost: 1000 * (i + 1), txInFlight: 20_000 }, 5);
  path.rounds({ rate: 400, lost: 8000, txInFlight: 20_000 }, 1);
  assert.equal(bbr.fullBwReached, true, 'the bandwidth still grew: only the loss ended Startup');
  assert.notEqual(bbr.state, 'Startup');
  assert.ok(bbr.inflightHi < Infinity);
});

test('ProbeRTT: 5 s without a lower RTT, cwnd down to half the BDP for 200 ms and a round, then back (BBRCheckProbeRTT)', () => {
  const { bbr, path } = cruising(400);
  const cwndBefore = bbr.cwnd;
  const enteredAt = () => {
    while (bbr.state !== 'ProbeRTT' && path.now < 20_000) path.run({ rate: 400 }, 10);
    return path.now;
  };
  const first = enteredAt();
  // The minimum (50 ms) was last seen on the first ACK, at about 0.
  assert.ok(first > 5000 && first < 5100, `ProbeRTT at ${first}`);
  assert.equal(bbr.probeRttCount, 1);
  assert.equal(bbr.pacingGain, 1);
  const bdp = 400 * 50;
  // The flight drains to the ProbeRTT window; its 200 ms start then.
  path.run({ rate: 400, inFlight: bdp / 2 }, 1);
  assert.ok(bbr.cwnd <= Math.max(bdp / 2, 4 * MSS), `cwnd ${bbr.cwnd}`);
  path.run({ rate: 400, inFlight: bdp / 2 }, PROBE_RTT_DURATION_MS - 20);
  assert.equal(bbr.state, 'ProbeRTT', 'not before 200 ms');
  path.run({ rate: 400, inFlight: bdp / 2 }, 80);
  assert.equal(bbr.state, 'ProbeBW_CRUISE', 'with the pipe full, ProbeRTT returns to ProbeBW (CRUISE)');
  assert.ok(bbr.cwnd >= cwndBefore, 'cwnd restored (BBRRestoreCwnd)');
  const second = enteredAt();
  // The next: 5 s after the last one ended (it counts as seeing the minimum).
  assert.ok(second - first > 5200 && second - first < 5400, `next ProbeRTT ${second - first} ms later`);
});

test('a lower RTT sample postpones ProbeRTT: the interval runs from the last time the minimum fell', () => {
  const { bbr, path } = cruising(400);
  path.run({ rate: 400 }, 3000);
  path.ack({ rate: 400, rtt: 49 }, 1);
  assert.equal(bbr.minRtt, 49);
  while (bbr.state !== 'ProbeRTT' && path.now < 20_000) path.run({ rate: 400, rtt: 50 }, 10);
  assert.ok(path.now > 8000, `ProbeRTT at ${path.now}`);
});

test('recovery: no reduction of its own; ssthresh is the model cwnd for PRR, and cwnd comes back after it', () => {
  const { bbr, path } = cruising(400);
  const cwnd = bbr.cwnd;
  bbr.onCongestionEvent();
  assert.equal(bbr.ssthresh, cwnd, 'the model window, bounded (no bound yet)');
  // The connection runs PRR on cwnd meanwhile; BBR's model goes on, as ssthresh.
  bbr.cwnd = cwnd / 2;
  path.ack({ rate: 400, newlyLost: MSS, lost: MSS }, 1, true);
  assert.equal(bbr.cwnd, cwnd / 2, "cwnd is PRR's during the recovery");
  assert.ok(bbr.ssthresh >= cwnd);
  bbr.cwnd = bbr.ssthresh;
  bbr.onRecoveryEnd();
  assert.ok(bbr.cwnd >= cwnd, 'BBRRestoreCwnd: at least the cwnd before the recovery');
  assert.equal(bbr.ssthresh, Infinity);
  // A timeout: one segment, grown by what is delivered.
  bbr.onRetransmitTimeout();
  assert.equal(bbr.cwnd, MSS);
});

// --- Checked against draft-ietf-ccwg-bbr-06 (the rules below were missing or different before) ---

test('draft -06 §5.3.2: Drain paces at 0.5 (BBR.DrainPacingGain)', () => {
  assert.equal(DRAIN_PACING_GAIN, 0.5);
  const bbr = new BbrController(MSS, 10, 1, 50);
  new ModelPath(bbr).rounds({ rate: 400, inFlight: 800 * 50 }, 5);
  assert.equal(bbr.state, 'Drain');
  assert.equal(bbr.pacingGain, 0.5);
});

test('draft -06 §5.3.2: Drain ends after three rounds even with the flight above the BDP (BBRCheckDrainDone)', () => {
  const bbr = new BbrController(MSS, 10, 1, 50);
  const path = new ModelPath(bbr);
  path.rounds({ rate: 400, inFlight: 800 * 50 }, 5);
  assert.equal(bbr.state, 'Drain');
  const start = bbr.roundCount;
  // The queue never drains (bandwidth overestimated): two BDPs stay in flight.
  for (let i = 0; i < 100 && bbr.state === 'Drain'; i++) path.run({ rate: 400, inFlight: 2 * 400 * 50 }, 10);
  assert.ok(bbr.state.startsWith('ProbeBW_'), `${bbr.state} after ${bbr.roundCount - start} rounds of Drain`);
  assert.ok(bbr.roundCount - start <= 4, 'by the first round more than three after Drain began');
});

/** UP, then a loss of 3% of a 25000-octet flight: DOWN, with inflight_hi at 25000. */
function probeTooHigh(): { bbr: BbrController; path: ModelPath } {
  const { bbr, path } = cruising(400);
  for (let i = 0; i < 1000 && bbr.state !== 'ProbeBW_UP'; i++) path.run({ rate: 400 }, 10);
  assert.equal(bbr.state, 'ProbeBW_UP');
  path.ack({ rate: 400, lost: 750, newlyLost: 750, txInFlight: 25_000, inFlight: 25_000 }, 1);
  assert.equal(bbr.state, 'ProbeBW_DOWN');
  assert.equal(bbr.inflightHi, 25_000);
  return { bbr, path };
}

test('draft -06 §5.3.3.9: a round after a probe ends, its samples are over; later loss in CRUISE leaves inflight_hi alone', () => {
  const { bbr, path } = cruising(400);
  for (let i = 0; i < 1000 && bbr.state !== 'ProbeBW_UP'; i++) path.run({ rate: 400 }, 10);
  path.rounds({ rate: 400, inFlight: 1.25 * 400 * 50 }, 5);
  assert.equal(bbr.state, 'ProbeBW_DOWN', 'the probe found no more bandwidth');
  // Two rounds on: the ACKs of the probe (ACKS_PROBE_STOPPING) are all in; cruising again.
  path.rounds({ rate: 400 }, 2);
  assert.equal(bbr.state, 'ProbeBW_CRUISE');
  path.ack({ rate: 400, lost: 750, newlyLost: 750, txInFlight: 25_000 }, 1);
  assert.equal(bbr.inflightHi, Infinity, 'loss outside a probe is for the short-term bounds only');
});

test('draft -06 §5.3.3.6: after a probe that lost too much, the next one stops at inflight_hi, and a clean one probes again at once', () => {
  const { bbr, path } = probeTooHigh();
  assert.equal(bbr.prevProbeTooHigh, true);
  for (let i = 0; i < 1000 && bbr.state !== 'ProbeBW_UP'; i++) path.run({ rate: 400 }, 10);
  assert.equal(bbr.state, 'ProbeBW_UP');
  // Precautionary deceleration: the flight reaches inflight_hi; DOWN at once, not after a plateau.
  path.ack({ rate: 400, inFlight: 25_000 }, 1);
  assert.equal(bbr.state, 'ProbeBW_DOWN');
  assert.equal(bbr.prevProbePrecautionary, true);
  assert.equal(bbr.prevProbeTooHigh, false);
  // Precautionary acceleration: a round of the probe's ACKs without too much loss, REFILL again.
  path.rounds({ rate: 400 }, 2);
  assert.ok(['ProbeBW_REFILL', 'ProbeBW_UP'].includes(bbr.state), bbr.state);
});

test('draft -06 §5.5.10.2: the first loss of a round starts the round the short-term bounds wait for (BBRNoteLoss)', () => {
  const { bbr, path } = cruising(400);
  path.run({ rate: 300 }, 25);
  path.ack({ rate: 300, newlyLost: MSS, lost: MSS, txInFlight: 20_000 }, 1);
  path.run({ rate: 300 }, 40);
  assert.equal(bbr.bwLo, Infinity, 'less than a round since the loss');
  path.run({ rate: 300 }, 20);
  assert.equal(bbr.bwLo, 300);
});

test('draft -06 §5.5.11: a spurious recovery puts back the bounds saved at its start, not none', () => {
  const { bbr, path } = cruising(400);
  path.rounds({ rate: 300 }, 2);
  path.ack({ rate: 300, newlyLost: MSS, lost: MSS, txInFlight: 20_000 }, 1);
  path.rounds({ rate: 300 }, 2);
  assert.equal(bbr.bwLo, 300);
  bbr.onCongestionEvent();
  path.rounds({ rate: 100 }, 2);
  path.ack({ rate: 100, newlyLost: MSS, lost: MSS, txInFlight: 20_000 }, 1, true);
  path.rounds({ rate: 100 }, 2);
  assert.equal(bbr.bwLo, 0.7 * 300);
  bbr.undo();
  assert.equal(bbr.bwLo, 300, 'max(now, saved)');
  assert.equal(bbr.bw, 300);
});

test('draft -06 §5.5.11: a spurious loss that ended a probe resumes it by way of REFILL, inflight_hi as before', () => {
  const { bbr } = probeTooHigh();
  bbr.undo();
  assert.equal(bbr.state, 'ProbeBW_REFILL');
  assert.equal(bbr.inflightHi, Infinity);
});

test('draft -06 §5.5.9: in Startup extra_acked remembers the last round (it was zero there)', () => {
  const bbr = new BbrController(MSS, 10, 1, 50);
  const path = new ModelPath(bbr);
  path.rounds({ rate: 100 }, 2);
  assert.equal(bbr.state, 'Startup');
  // Twenty ACKs in 0.2 ms: 40000 octets where the bandwidth explains 20.
  for (let i = 0; i < 20; i++) path.ack({ rate: 100 }, 0.01);
  assert.ok(bbr.extraAcked > 30_000, `extra_acked ${bbr.extraAcked}`);
});

test("congestionControl 'bbr': accepted by the config, made by the factory; the error names the three", () => {
  assert.equal(resolveConfig({ congestionControl: 'bbr' }).congestionControl, 'bbr');
  assert.throws(() => resolveConfig({ congestionControl: 'vegas' as TcpConfig['congestionControl'] }), /congestionControl must be 'cubic', 'newreno' or 'bbr'/);
  const c = createCongestionController('bbr', 1460, {}, { seed: 1, srttMs: 20 });
  assert.ok(c instanceof BbrController);
  assert.equal(c.name, 'bbr');
  assert.equal(c.cwnd, 14_600);
  assert.ok(c.rates !== undefined, 'BBR asks for rate samples');
  assert.equal(createCongestionController('cubic', 1460).rates, undefined, 'CUBIC does not');
  assert.equal(createCongestionController('cubic', 1460).pacingRate, undefined);
});
