/**
 * BBR congestion control (draft-ietf-ccwg-bbr, "BBRv3"): a model of the path (the bottleneck
 * bandwidth, from delivery-rate samples, and the round-trip propagation time, from RTT samples) sets
 * the pacing rate and the most that may be in flight; loss and its rate bound the model from above
 * (inflight_hi, the "long-term" bound) and, for a round after a loss, from below (bw_lo, inflight_lo:
 * the "short-term" bounds).
 *
 * States (draft §4.3): Startup (pacing gain 4 ln 2 until the bandwidth stops growing by 25% for three
 * rounds, or loss is too high), Drain (pace at 0.5 until the queue Startup made is gone, or three
 * rounds), ProbeBW's
 * cycle of DOWN (0.9), CRUISE (1.0), REFILL (1.0, one round at the model's bandwidth) and UP (1.25,
 * raising inflight_hi faster each round, until bandwidth plateaus or loss exceeds 2%), and ProbeRTT
 * (cwnd at half the BDP for 200 ms and a round) when the minimum RTT has not been seen again for 5 s.
 *
 * Checked against draft-ietf-ccwg-bbr-06; README's BBR entry lists where synack differs and why.
 *
 * Fitted to synack's controller interface (congestion.ts):
 * - Rate samples come from the connection (rate-sample.ts) by `onRateSample`, on every ACK that
 *   delivers or marks lost anything, in recovery too; `onAck` (growth outside recovery) does nothing.
 * - Recovery: synack's PRR (RFC 6937) sets cwnd during a recovery toward `ssthresh`. BBR does not
 *   reduce on entering it: ssthresh is the model's cwnd (updated on every ACK of the recovery), so
 *   PRR's slow-start reduction bound gives the draft's packet conservation (what is delivered is
 *   sent, plus one segment per ACK) up to the model's window; a cut of inflight_hi or inflight_lo
 *   lowers ssthresh and PRR brings the flight down in proportion. At its end cwnd is the larger of the
 *   model's and the cwnd before the recovery (the draft's BBRRestoreCwnd).
 * - Loss: inflight_hi reacts to a round's loss rate measured on the ACK's rate sample (bytes marked
 *   lost since the delivered segment was sent, against the flight it joined), where the draft looks
 *   at each lost packet's own send state (BBRHandleLostPacket); Startup's loss exit counts ACKs that
 *   marked losses as its "loss events".
 * - Not done: the offload budget (no TSO autosizing; the send quantum caps segmentation offload
 *   bursts instead, output.ts), ECN (the draft's use of it is for L4S), and the idle restart's pacing
 *   at the model's bandwidth (synack has no send-side hook when a flight starts from idle; the first
 *   ACK after it sets the rate again).
 *
 * Units: bytes, ms; bandwidth in bytes per ms.
 */
import { INITIAL_WINDOW_SEGMENTS, type AckSample, type CongestionController } from './congestion.js';
import { DeliveryRateSampler, type RateSample } from './rate-sample.js';
import { SeededRandom } from './random.js';

export type BbrState = 'Startup' | 'Drain' | 'ProbeBW_DOWN' | 'ProbeBW_CRUISE' | 'ProbeBW_REFILL' | 'ProbeBW_UP' | 'ProbeRTT';

// draft-ietf-ccwg-bbr §2.7 onwards: the constants.
/** BBRStartupPacingGain: 4 ln 2, which doubles the sending rate each round. */
export const STARTUP_PACING_GAIN = 4 * Math.LN2;
/** BBRStartupCwndGain and BBRDefaultCwndGain. */
const STARTUP_CWND_GAIN = 2;
const DEFAULT_CWND_GAIN = 2;
/** BBR.DrainPacingGain (draft -06 §5.3.2): 0.5, to drain Startup's queue in about one round. */
export const DRAIN_PACING_GAIN = 0.5;
/** Drain ends after this many rounds even with the flight above the BDP (bandwidth overestimated). */
const DRAIN_MAX_ROUNDS = 3;
/** ProbeBW's pacing gains: DOWN, CRUISE and REFILL, UP; UP's cwnd gain. */
export const PROBE_DOWN_PACING_GAIN = 0.9;
export const PROBE_UP_PACING_GAIN = 1.25;
const PROBE_UP_CWND_GAIN = 2.25;
/** BBRPacingMarginPercent: pace 1% below the estimated bandwidth. */
const PACING_MARGIN = 0.01;
/** BBRLossThresh: the highest loss rate (of the flight) a probe tolerates. */
export const LOSS_THRESH = 0.02;
/** BBRBeta: the multiplicative cut of the bounds on loss. */
export const BETA = 0.7;
/** BBRHeadroom: the share of inflight_hi left free in CRUISE for other flows. */
const HEADROOM = 0.15;
/** BBRMinPipeCwnd in segments. */
const MIN_PIPE_SEGMENTS = 4;
/** Startup ends when the bandwidth grew by less than 25% in three rounds. */
const FULL_BW_GROWTH = 1.25;
const FULL_BW_ROUNDS = 3;
/** BBRStartupFullLossCnt: loss events in a round that, with too much loss, end Startup. */
const STARTUP_FULL_LOSS_COUNT = 6;
/** BBRExtraAckedFilterLen (rounds). */
const EXTRA_ACKED_FILTER_ROUNDS = 10;
/** BBRMinRTTFilterLen, ProbeRTTInterval, ProbeRTTDuration (ms); BBRProbeRTTCwndGain. */
export const MIN_RTT_FILTER_MS = 10_000;
export const PROBE_RTT_INTERVAL_MS = 5_000;
export const PROBE_RTT_DURATION_MS = 200;
const PROBE_RTT_CWND_GAIN = 0.5;
/** The most rounds between probes for Reno coexistence (BBRIsRenoCoexistenceProbeTime). */
const MAX_RENO_ROUNDS = 63;

/** ProbeBW's ACK phases (draft §4.3.3.6: which round's feedback an ACK carries). */
const enum AckPhase {
  Init,
  ProbeStarting,
  ProbeFeedback,
  ProbeStopping,
  Refilling,
}

/**
 * BBR.max_bw's filter (draft §4.5.2.4): the largest delivery rate over the last two ProbeBW cycles,
 * one slot per cycle, the older forgotten when a new cycle starts (`advance`).
 */
export class MaxBwFilter {
  private slots = [0, 0];
  private cycle = 0;

  get value(): number {
    return Math.max(this.slots[0], this.slots[1]);
  }

  update(rate: number): void {
    const i = this.cycle & 1;
    if (rate > this.slots[i]) this.slots[i] = rate;
  }

  /** A new ProbeBW cycle (BBRAdvanceMaxBwFilter): its slot starts empty. */
  advance(): void {
    this.cycle++;
    this.slots[this.cycle & 1] = 0;
  }
}

/**
 * A windowed maximum over rounds, for BBR.extra_acked (draft §4.5.5: over BBRExtraAckedFilterLen
 * rounds): two slots of half the window each, so a value is kept for between half the window and
 * all of it.
 */
export class RoundMaxFilter {
  private slots = [0, 0];
  private epoch = 0;

  constructor(private readonly rounds: number) {}

  get value(): number {
    return Math.max(this.slots[0], this.slots[1]);
  }

  update(value: number, roundCount: number): void {
    const epoch = Math.floor(roundCount / Math.max(1, Math.floor(this.rounds / 2)));
    if (epoch !== this.epoch) {
      // Each epoch has its slot; one or more epochs passed: the slots they leave behind are stale.
      if (epoch - this.epoch >= 2) this.slots[0] = this.slots[1] = 0;
      else this.slots[epoch & 1] = 0;
      this.epoch = epoch;
    }
    const i = epoch & 1;
    if (value > this.slots[i]) this.slots[i] = value;
  }
}

export class BbrController implements CongestionController {
  readonly name = 'bbr';
  cwnd: number;
  ssthresh = Infinity;
  readonly rates = new DeliveryRateSampler();
  /** The pacing rate (bytes/ms): BBR.pacing_rate. */
  pacingRate: number;

  state: BbrState = 'Startup';
  pacingGain = STARTUP_PACING_GAIN;
  cwndGain = STARTUP_CWND_GAIN;
  private mss: number;
  private readonly initialWindowSegments: number;
  private readonly random: SeededRandom;

  // The model.
  readonly maxBwFilter = new MaxBwFilter();
  /** BBR.max_bw, BBR.bw (max_bw bounded by bw_lo). */
  maxBw = 0;
  bw = 0;
  /** BBR.min_rtt (ms) and when it was seen; BBR.probe_rtt_min_delay and its stamp. */
  minRtt = Infinity;
  minRttStamp = 0;
  probeRttMinDelay = Infinity;
  probeRttMinStamp = 0;
  /** BBR.extra_acked: ACK aggregation beyond what the bandwidth explains (bytes). */
  private readonly extraAckedFilter = new RoundMaxFilter(EXTRA_ACKED_FILTER_ROUNDS);
  /** The same over one round (draft -06 §5.5.9: Startup remembers one round only). */
  private readonly extraAckedStartupFilter = new RoundMaxFilter(2);
  private extraAckedIntervalStart = 0;
  private extraAckedDelivered = 0;
  /** Long-term bound (inflight_hi), short-term bounds (bw_lo, inflight_lo); Infinity: none. */
  inflightHi = Infinity;
  bwLo = Infinity;
  inflightLo = Infinity;
  /** The latest round's delivery signals (bw_latest, inflight_latest). */
  private bwLatest = 0;
  private inflightLatest = 0;

  // Rounds.
  roundCount = 0;
  roundStart = false;
  private nextRoundDelivered = 0;
  private lossRoundDelivered = 0;
  private lossRoundStart = false;
  private lossInRound = false;
  private lossEventsInRound = 0;

  // Startup.
  fullBwReached = false;
  private fullBwNow = false;
  private fullBw = 0;
  private fullBwCount = 0;
  /** BBR.drain_start_round: the round Drain began in. */
  private drainStartRound = 0;

  // ProbeBW.
  private cycleStamp = 0;
  private ackPhase = AckPhase.Init;
  private bwProbeWaitMs = 0;
  private roundsSinceBwProbe = 0;
  private bwProbeSamples = false;
  private bwProbeUpRounds = 0;
  private bwProbeUpAcks = 0;
  private probeUpCnt = Infinity;
  /** BBR.prev_probe_too_high, BBR.prev_probe_precautionary (draft -06 §5.3.3.6). */
  prevProbeTooHigh = false;
  prevProbePrecautionary = false;

  // ProbeRTT.
  private probeRttDoneStamp = 0;
  private probeRttRoundDone = false;
  /** How many times ProbeRTT was entered (for tests and views). */
  probeRttCount = 0;

  /** cwnd before a recovery, a timeout or ProbeRTT (BBR.prior_cwnd), restored after it. */
  private priorCwnd = 0;
  /** The model's cwnd during a recovery (the connection's PRR owns `cwnd` then). */
  private modelCwnd = 0;
  private inRecovery = false;
  /** The undo state (draft -06 §5.5.11): what a loss changed, to put back if it was spurious. */
  private undoState: 'Startup' | 'ProbeBW_UP' | undefined = undefined;
  private undoBwLo = Infinity;
  private undoInflightLo = Infinity;
  private undoInflightHi = Infinity;

  /** `srttMs`: the handshake's smoothed RTT, if any, for the initial pacing rate. */
  constructor(mss: number, initialWindowSegments = INITIAL_WINDOW_SEGMENTS, seed = 0, private readonly srttMs?: number) {
    this.mss = mss;
    this.initialWindowSegments = initialWindowSegments;
    this.cwnd = initialWindowSegments * mss;
    this.random = new SeededRandom(seed, 0xbb5);
    this.pacingRate = this.initialPacingRate();
  }

  /** BBRInitPacingRate: the initial window over the smoothed RTT (1 ms without one), times Startup's gain. */
  private initialPacingRate(): number {
    return (STARTUP_PACING_GAIN * this.cwnd) / Math.max(this.srttMs ?? 1, 0.001);
  }

  setMss(mss: number): void {
    if (this.cwnd === this.initialWindowSegments * this.mss) {
      this.cwnd = this.initialWindowSegments * mss;
      this.pacingRate = this.initialPacingRate();
    }
    this.mss = mss;
  }

  /** Growth is the model's (onRateSample). */
  onAck(_s: Readonly<AckSample>): void {}

  /**
   * A loss starts a recovery: no reduction of its own (the bounds react to the loss rate); PRR
   * brings the flight to the model's cwnd. The cwnd now is restored at the end.
   */
  onCongestionEvent(): void {
    this.saveStateUponLoss();
    this.modelCwnd = this.cwnd;
    this.inRecovery = true;
    this.ssthresh = Math.max(this.boundedCwnd(this.cwnd), this.minPipeCwnd);
  }

  onRecoveryEnd(): void {
    if (!this.inRecovery) return;
    this.inRecovery = false;
    this.cwnd = Math.max(this.boundedCwnd(this.modelCwnd), this.priorCwnd, this.minPipeCwnd);
    this.ssthresh = Infinity;
  }

  /** A timeout: one segment in flight, regrowing by what is delivered (the draft's cwnd = inflight + 1). */
  onRetransmitTimeout(): void {
    this.saveStateUponLoss();
    this.inRecovery = false;
    this.cwnd = this.mss;
    this.ssthresh = Infinity;
  }

  /**
   * BBRHandleSpuriousLossDetection: the cwnd before the loss, the bounds at least as they were before
   * it, and the probe the loss ended (Startup, or ProbeBW_UP by way of REFILL) resumed.
   */
  undo(): void {
    this.cwnd = Math.max(this.cwnd, this.inRecovery ? this.modelCwnd : 0, this.priorCwnd);
    this.inRecovery = false;
    this.ssthresh = Infinity;
    this.lossInRound = false;
    this.resetFullBw();
    this.bwLo = Math.max(this.bwLo, this.undoBwLo);
    this.inflightLo = Math.max(this.inflightLo, this.undoInflightLo);
    this.inflightHi = Math.max(this.inflightHi, this.undoInflightHi);
    this.bw = Math.min(this.maxBw, this.bwLo);
    if (this.undoState === 'Startup' && this.state !== 'Startup') {
      this.fullBwReached = false;
      if (this.state !== 'ProbeRTT') this.enterStartup();
    } else if (this.undoState === 'ProbeBW_UP' && this.state !== 'ProbeBW_UP') {
      if (this.state !== 'ProbeRTT') this.startProbeBwRefill();
    }
    this.undoState = undefined;
  }

  /** BBRSaveStateUponLoss: the cwnd and the bounds as they were before a loss episode. */
  private saveStateUponLoss(): void {
    this.priorCwnd = this.saveCwnd();
    this.undoState = undefined;
    this.undoBwLo = this.bwLo;
    this.undoInflightLo = this.inflightLo;
    this.undoInflightHi = this.inflightHi;
  }

  /** draft §4.2: BBRUpdateOnACK, the model and state, then the control parameters. */
  onRateSample(rs: Readonly<RateSample>, inRecovery: boolean): void {
    this.now = rs.now;
    if (this.inRecovery && !inRecovery) this.onRecoveryEnd();
    this.updateModelAndState(rs);
    this.setPacingRate(this.pacingGain);
    this.setCwnd(rs, inRecovery);
  }

  get minPipeCwnd(): number {
    return MIN_PIPE_SEGMENTS * this.mss;
  }

  // --- The model and the state machine (draft §4.3, §4.5) ---

  private updateModelAndState(rs: Readonly<RateSample>): void {
    if (rs.newlyLost > 0) this.noteLoss();
    this.updateLatestDeliverySignals(rs);
    this.updateCongestionSignals(rs);
    this.updateAckAggregation(rs);
    this.checkFullBwReached(rs);
    this.checkStartupDone();
    this.checkDrainDone(rs);
    this.updateProbeBwCyclePhase(rs);
    this.updateMinRtt(rs);
    this.checkProbeRtt(rs);
    this.advanceLatestDeliverySignals(rs);
    this.bw = Math.min(this.maxBw, this.bwLo);
  }

  private startRound(): void {
    this.nextRoundDelivered = this.rates.delivered;
  }

  /** BBRUpdateRound: a round ends when a segment sent after the last round began is delivered. */
  private updateRound(rs: Readonly<RateSample>): void {
    if (rs.priorDelivered >= 0 && rs.priorDelivered >= this.nextRoundDelivered) {
      this.startRound();
      this.roundCount++;
      this.roundsSinceBwProbe++;
      this.roundStart = true;
    } else {
      this.roundStart = false;
    }
  }

  private updateLatestDeliverySignals(rs: Readonly<RateSample>): void {
    this.lossRoundStart = false;
    this.bwLatest = Math.max(this.bwLatest, rs.deliveryRate);
    this.inflightLatest = Math.max(this.inflightLatest, rs.delivered);
    if (rs.priorDelivered >= 0 && rs.priorDelivered >= this.lossRoundDelivered) {
      this.lossRoundDelivered = this.rates.delivered;
      this.lossRoundStart = true;
    }
  }

  private advanceLatestDeliverySignals(rs: Readonly<RateSample>): void {
    if (this.lossRoundStart) {
      this.bwLatest = rs.deliveryRate;
      this.inflightLatest = rs.delivered;
    }
  }

  private updateMaxBw(rs: Readonly<RateSample>): void {
    this.updateRound(rs);
    // An app-limited sample counts only when it shows more than the model has (it is a lower bound).
    if (rs.valid && (rs.deliveryRate >= this.maxBw || !rs.isAppLimited)) {
      this.maxBwFilter.update(rs.deliveryRate);
      this.maxBw = this.maxBwFilter.value;
    }
  }

  private updateCongestionSignals(rs: Readonly<RateSample>): void {
    this.updateMaxBw(rs);
    if (!this.lossRoundStart) return;
    if (this.state === 'Startup') this.checkStartupHighLoss(rs);
    this.adaptLowerBoundsFromCongestion();
    this.lossInRound = false;
    this.lossEventsInRound = 0;
  }

  /**
   * BBRNoteLoss (draft -06 §5.5.10.2): the first loss of a round starts the round the response to it
   * waits for (a round from now, so that bw_latest and inflight_latest measure the path after it).
   */
  private noteLoss(): void {
    if (!this.lossInRound) {
      this.lossRoundDelivered = this.rates.delivered;
      this.saveStateUponLoss();
    }
    this.lossInRound = true;
    this.lossEventsInRound++;
  }

  /** BBRAdaptLowerBoundsFromCongestion: after a round with loss, outside probing, cut the short-term bounds. */
  private adaptLowerBoundsFromCongestion(): void {
    if (this.isProbingBw()) return;
    if (!this.lossInRound) return;
    if (this.bwLo === Infinity) this.bwLo = this.maxBw;
    if (this.inflightLo === Infinity) this.inflightLo = this.inRecovery ? this.modelCwnd : this.cwnd;
    this.bwLo = Math.max(this.bwLatest, BETA * this.bwLo);
    this.inflightLo = Math.max(this.inflightLatest, BETA * this.inflightLo);
  }

  private isProbingBw(): boolean {
    return this.state === 'Startup' || this.state === 'ProbeBW_REFILL' || this.state === 'ProbeBW_UP';
  }

  private resetShortTermModel(): void {
    this.bwLo = Infinity;
    this.inflightLo = Infinity;
  }

  private resetCongestionSignals(): void {
    this.lossInRound = false;
    this.lossEventsInRound = 0;
    this.bwLatest = 0;
    this.inflightLatest = 0;
  }

  /** BBRUpdateACKAggregation: how far deliveries ran ahead of the bandwidth (draft §4.5.5). */
  private updateAckAggregation(rs: Readonly<RateSample>): void {
    const interval = rs.now - this.extraAckedIntervalStart;
    let expected = this.bw * interval;
    if (this.extraAckedDelivered <= expected) {
      this.extraAckedDelivered = 0;
      this.extraAckedIntervalStart = rs.now;
      expected = 0;
    }
    this.extraAckedDelivered += rs.newlyAcked;
    const extra = Math.min(this.extraAckedDelivered - expected, this.cwnd);
    this.extraAckedFilter.update(extra, this.roundCount);
    this.extraAckedStartupFilter.update(extra, this.roundCount);
  }

  /** BBR.extra_acked: over 10 rounds once the pipe was full, over the last round before. */
  get extraAcked(): number {
    return this.fullBwReached ? this.extraAckedFilter.value : this.extraAckedStartupFilter.value;
  }

  /** BBRCheckFullBWReached: three rounds without 25% more bandwidth (Startup's exit, and UP's). */
  private checkFullBwReached(rs: Readonly<RateSample>): void {
    if (this.fullBwNow || !this.roundStart || rs.isAppLimited || !rs.valid) return;
    if (rs.deliveryRate >= this.fullBw * FULL_BW_GROWTH) {
      this.resetFullBw();
      this.fullBw = rs.deliveryRate;
      return;
    }
    this.fullBwCount++;
    this.fullBwNow = this.fullBwCount >= FULL_BW_ROUNDS;
    if (this.fullBwNow) this.fullBwReached = true;
  }

  private resetFullBw(): void {
    this.fullBw = 0;
    this.fullBwCount = 0;
    this.fullBwNow = false;
  }

  /** BBRCheckStartupHighLoss: a round with too much loss, in enough separate events, ends Startup. */
  private checkStartupHighLoss(rs: Readonly<RateSample>): void {
    if (this.fullBwReached) return;
    if (this.lossInRound && this.lossEventsInRound >= STARTUP_FULL_LOSS_COUNT && this.isInflightTooHigh(rs)) {
      this.undoState = 'Startup';
      this.fullBwReached = true;
      this.inflightHi = Math.max(this.bdpMultiple(1), this.inflightLatest);
    }
  }

  private checkStartupDone(): void {
    if (this.state === 'Startup' && this.fullBwReached) this.enterDrain();
  }

  private enterDrain(): void {
    this.state = 'Drain';
    this.pacingGain = DRAIN_PACING_GAIN;
    this.cwndGain = STARTUP_CWND_GAIN;
    this.drainStartRound = this.roundCount;
  }

  private checkDrainDone(rs: Readonly<RateSample>): void {
    if (this.state !== 'Drain') return;
    if (rs.inFlight <= this.inflight(this.bw, 1) || this.roundCount > this.drainStartRound + DRAIN_MAX_ROUNDS) this.startProbeBwDown();
  }

  private enterStartup(): void {
    this.state = 'Startup';
    this.pacingGain = STARTUP_PACING_GAIN;
    this.cwndGain = STARTUP_CWND_GAIN;
  }

  // --- ProbeBW (draft §4.3.3) ---

  private isInProbeBwState(): boolean {
    return this.state === 'ProbeBW_DOWN' || this.state === 'ProbeBW_CRUISE' || this.state === 'ProbeBW_REFILL' || this.state === 'ProbeBW_UP';
  }

  private startProbeBwDown(): void {
    this.resetCongestionSignals();
    this.probeUpCnt = Infinity;
    // BBRPickProbeWait: 0 or 1 rounds, and 2 to 3 s, at random (flows sharing a bottleneck desynchronise).
    this.roundsSinceBwProbe = this.random.int(2);
    this.bwProbeWaitMs = 2000 + this.random.next() * 1000;
    this.cycleStamp = this.now;
    this.ackPhase = AckPhase.ProbeStopping;
    this.startRound();
    this.state = 'ProbeBW_DOWN';
    this.pacingGain = PROBE_DOWN_PACING_GAIN;
    this.cwndGain = DEFAULT_CWND_GAIN;
  }

  private startProbeBwCruise(): void {
    this.state = 'ProbeBW_CRUISE';
    this.pacingGain = 1;
    this.cwndGain = DEFAULT_CWND_GAIN;
  }

  private startProbeBwRefill(): void {
    this.resetShortTermModel();
    this.bwProbeUpRounds = 0;
    this.bwProbeUpAcks = 0;
    this.prevProbePrecautionary = false;
    this.ackPhase = AckPhase.Refilling;
    this.startRound();
    this.state = 'ProbeBW_REFILL';
    this.pacingGain = 1;
    this.cwndGain = DEFAULT_CWND_GAIN;
  }

  private startProbeBwUp(rs: Readonly<RateSample>): void {
    this.ackPhase = AckPhase.ProbeStarting;
    this.startRound();
    this.resetFullBw();
    this.fullBw = rs.deliveryRate;
    this.cycleStamp = this.now;
    this.state = 'ProbeBW_UP';
    this.pacingGain = PROBE_UP_PACING_GAIN;
    this.cwndGain = PROBE_UP_CWND_GAIN;
    this.raiseInflightHiSlope();
  }

  /** The time of the ACK being processed. */
  private now = 0;

  private updateProbeBwCyclePhase(rs: Readonly<RateSample>): void {
    if (!this.fullBwReached) return;
    if (this.adaptUpperBounds(rs)) return;
    if (!this.isInProbeBwState()) return;
    switch (this.state) {
      case 'ProbeBW_DOWN':
        if (this.isTimeToProbeBw()) return;
        if (this.isTimeToCruise(rs)) this.startProbeBwCruise();
        break;
      case 'ProbeBW_CRUISE':
        this.isTimeToProbeBw();
        break;
      case 'ProbeBW_REFILL':
        // After one round at the model's bandwidth, probe above it.
        if (this.roundStart) {
          this.bwProbeSamples = true;
          this.startProbeBwUp(rs);
        }
        break;
      case 'ProbeBW_UP':
        if (this.isTimeToGoDown(rs)) {
          this.prevProbeTooHigh = false;
          this.startProbeBwDown();
        }
        break;
    }
  }

  private isTimeToProbeBw(): boolean {
    if (this.now - this.cycleStamp > this.bwProbeWaitMs || this.isRenoCoexistenceProbeTime()) {
      this.startProbeBwRefill();
      return true;
    }
    return false;
  }

  /** As often as Reno would fill a window of the model's size: every min(BDP in segments, 63) rounds. */
  private isRenoCoexistenceProbeTime(): boolean {
    const renoRounds = Math.min(Math.floor(this.targetInflight() / this.mss), MAX_RENO_ROUNDS);
    return this.roundsSinceBwProbe >= renoRounds;
  }

  private isTimeToCruise(rs: Readonly<RateSample>): boolean {
    if (rs.inFlight > this.inflightWithHeadroom()) return false;
    return rs.inFlight <= this.inflight(this.maxBw, 1);
  }

  private isTimeToGoDown(rs: Readonly<RateSample>): boolean {
    // Precautionary probing, deceleration: the last probe lost too much at inflight_hi; stop there.
    if (this.prevProbeTooHigh && rs.inFlight >= this.inflightHi) {
      this.prevProbePrecautionary = true;
      return true;
    }
    if (rs.cwndLimited && this.cwnd >= this.inflightHi) {
      // Limited by inflight_hi, not by the path: bandwidth cannot be seen to plateau; measure again.
      this.resetFullBw();
      this.fullBw = rs.deliveryRate;
    } else if (this.fullBwNow) {
      return true;
    }
    return false;
  }

  /**
   * BBRAdaptLongTermModel (BBRAdaptUpperBounds before -05): feedback on a probe raises inflight_hi,
   * or loss beyond the threshold lowers it. True when it changed the state.
   */
  private adaptUpperBounds(rs: Readonly<RateSample>): boolean {
    if (this.ackPhase === AckPhase.ProbeStarting && this.roundStart) this.ackPhase = AckPhase.ProbeFeedback;
    if (this.ackPhase === AckPhase.ProbeStopping && this.roundStart) {
      // A round after a probe ended: its samples are over, and a new ProbeBW cycle of the max_bw filter.
      this.bwProbeSamples = false;
      this.ackPhase = AckPhase.Init;
      if (this.isInProbeBwState() && !rs.isAppLimited) {
        this.maxBwFilter.advance();
        this.maxBw = this.maxBwFilter.value;
      }
      // Precautionary probing, acceleration: the cautious probe lost nothing too high; probe again, fully.
      if (this.isInProbeBwState() && this.prevProbePrecautionary && !this.prevProbeTooHigh) {
        this.startProbeBwRefill();
        return true;
      }
    }
    if (this.isInflightTooHigh(rs)) {
      if (this.bwProbeSamples) this.handleInflightTooHigh(rs);
      return false;
    }
    if (this.inflightHi === Infinity) return false;
    if (rs.txInFlight > this.inflightHi) this.inflightHi = rs.txInFlight;
    if (this.state === 'ProbeBW_UP') this.probeInflightHiUpward(rs);
    return false;
  }

  /** BBRIsInflightTooHigh: more than BBRLossThresh of the flight was lost. */
  isInflightTooHigh(rs: Readonly<RateSample>): boolean {
    return rs.lost > rs.txInFlight * LOSS_THRESH;
  }

  private handleInflightTooHigh(rs: Readonly<RateSample>): void {
    this.prevProbeTooHigh = true;
    this.bwProbeSamples = false;
    if (!rs.isAppLimited) this.inflightHi = Math.max(rs.txInFlight, BETA * this.targetInflight());
    if (this.state === 'ProbeBW_UP') {
      this.undoState = 'ProbeBW_UP';
      this.startProbeBwDown();
    }
  }

  /** BBRProbeInflightHiUpward: while cwnd-limited at inflight_hi, raise it, faster each round. */
  private probeInflightHiUpward(rs: Readonly<RateSample>): void {
    if (!rs.cwndLimited || this.cwnd < this.inflightHi) return;
    this.bwProbeUpAcks += rs.newlyAcked;
    if (this.bwProbeUpAcks >= this.probeUpCnt) {
      const delta = Math.floor(this.bwProbeUpAcks / this.probeUpCnt);
      this.bwProbeUpAcks -= delta * this.probeUpCnt;
      this.inflightHi += delta * this.mss;
    }
    if (this.roundStart) this.raiseInflightHiSlope();
  }

  /** BBRRaiseInflightHiSlope: 1, 2, 4, ... segments more per round (bytes acknowledged per segment of growth). */
  private raiseInflightHiSlope(): void {
    const growthThisRound = 2 ** this.bwProbeUpRounds;
    this.bwProbeUpRounds = Math.min(this.bwProbeUpRounds + 1, 30);
    this.probeUpCnt = Math.max(this.cwnd / growthThisRound, this.mss);
  }

  // --- min_rtt and ProbeRTT (draft §4.3.4, §4.5.3) ---

  /** BBR.probe_rtt_expired: probe_rtt_min_delay was older than ProbeRTTInterval when this ACK came. */
  private probeRttExpired = false;

  private updateMinRtt(rs: Readonly<RateSample>): void {
    this.probeRttExpired = this.now > this.probeRttMinStamp + PROBE_RTT_INTERVAL_MS;
    if (rs.rtt >= 0 && (rs.rtt < this.probeRttMinDelay || this.probeRttExpired)) {
      this.probeRttMinDelay = rs.rtt;
      this.probeRttMinStamp = this.now;
    }
    const minRttExpired = this.now > this.minRttStamp + MIN_RTT_FILTER_MS;
    if (this.probeRttMinDelay < this.minRtt || minRttExpired) {
      this.minRtt = this.probeRttMinDelay;
      this.minRttStamp = this.probeRttMinStamp;
    }
  }

  private checkProbeRtt(rs: Readonly<RateSample>): void {
    if (this.state !== 'ProbeRTT' && this.probeRttExpired) {
      this.priorCwnd = this.saveCwnd();
      this.enterProbeRtt();
      this.probeRttDoneStamp = 0;
      this.ackPhase = AckPhase.ProbeStopping;
      this.startRound();
    }
    if (this.state === 'ProbeRTT') this.handleProbeRtt(rs);
  }

  private enterProbeRtt(): void {
    this.state = 'ProbeRTT';
    this.pacingGain = 1;
    this.cwndGain = PROBE_RTT_CWND_GAIN;
    this.probeRttCount++;
  }

  private handleProbeRtt(rs: Readonly<RateSample>): void {
    // What is sent in ProbeRTT is limited by the window, not the path: no bandwidth sample from it.
    this.rates.markAppLimited(rs.inFlight);
    if (this.probeRttDoneStamp === 0 && rs.inFlight <= this.probeRttCwnd()) {
      this.probeRttDoneStamp = this.now + PROBE_RTT_DURATION_MS;
      this.probeRttRoundDone = false;
      this.startRound();
    } else if (this.probeRttDoneStamp !== 0) {
      if (this.roundStart) this.probeRttRoundDone = true;
      if (this.probeRttRoundDone) this.checkProbeRttDone();
    }
  }

  private checkProbeRttDone(): void {
    if (this.probeRttDoneStamp !== 0 && this.now > this.probeRttDoneStamp) {
      // The RTT seen now is the path's: the next ProbeRTT is due an interval from here.
      this.probeRttMinStamp = this.now;
      this.restoreCwnd();
      this.exitProbeRtt();
    }
  }

  private exitProbeRtt(): void {
    this.resetShortTermModel();
    if (this.fullBwReached) {
      this.startProbeBwDown();
      this.startProbeBwCruise();
    } else {
      this.enterStartup();
    }
  }

  private probeRttCwnd(): number {
    return Math.max(this.bdpMultiple(PROBE_RTT_CWND_GAIN), this.minPipeCwnd);
  }

  // --- The control parameters (draft §4.6) ---

  /** BBRSetPacingRateWithGain: never lowered before the pipe was found full. */
  private setPacingRate(gain: number): void {
    if (this.bw === 0) return;
    const rate = gain * this.bw * (1 - PACING_MARGIN);
    if (this.fullBwReached || rate > this.pacingRate) this.pacingRate = rate;
  }

  /** BBRBDPMultiple: gain times the model's BDP; the initial window before an RTT is known. */
  private bdpMultiple(gain: number): number {
    if (this.minRtt === Infinity) return this.initialWindowSegments * this.mss;
    return gain * this.bw * this.minRtt;
  }

  /** BBRInflight: the BDP multiple plus the quantization budget (three send quanta; two segments more in UP). */
  private inflight(bw: number, gain: number): number {
    const bdp = this.minRtt === Infinity ? this.initialWindowSegments * this.mss : gain * bw * this.minRtt;
    return this.quantizationBudget(bdp);
  }

  private quantizationBudget(inflight: number): number {
    let v = Math.max(inflight, 3 * this.sendQuantum());
    if (this.state === 'ProbeBW_UP') v += 2 * this.mss;
    return v;
  }

  /** BBRSetSendQuantum: 1 ms of pacing, between two segments and 64 KB. */
  private sendQuantum(): number {
    return Math.min(Math.max(this.pacingRate * 1, 2 * this.mss), 65536);
  }

  private targetInflight(): number {
    return Math.min(this.bdpMultiple(1), this.inRecovery ? this.modelCwnd : this.cwnd);
  }

  private inflightWithHeadroom(): number {
    if (this.inflightHi === Infinity) return Infinity;
    const headroom = Math.max(this.mss, HEADROOM * this.inflightHi);
    return Math.max(this.inflightHi - headroom, this.minPipeCwnd);
  }

  private maxInflight(): number {
    return this.quantizationBudget(this.bdpMultiple(this.cwndGain) + this.extraAcked);
  }

  /** BBRSetCwnd: grow toward the model's window by what is delivered, then bound it. */
  private setCwnd(rs: Readonly<RateSample>, inRecovery: boolean): void {
    let cwnd = inRecovery ? this.modelCwnd : this.cwnd;
    const max = this.maxInflight();
    if (this.fullBwReached) cwnd = Math.min(cwnd + rs.newlyAcked, max);
    else if (cwnd < max || this.rates.delivered < this.initialWindowSegments * this.mss) cwnd += rs.newlyAcked;
    cwnd = Math.max(cwnd, this.minPipeCwnd);
    cwnd = this.boundedCwnd(cwnd);
    if (inRecovery) {
      this.modelCwnd = cwnd;
      this.ssthresh = cwnd;
    } else {
      this.cwnd = cwnd;
    }
  }

  /** BBRBoundCwndForProbeRTT and BBRBoundCwndForModel. */
  private boundedCwnd(cwnd: number): number {
    if (this.state === 'ProbeRTT') cwnd = Math.min(cwnd, this.probeRttCwnd());
    let cap = Infinity;
    if (this.isInProbeBwState() && this.state !== 'ProbeBW_CRUISE') cap = this.inflightHi;
    else if (this.state === 'ProbeRTT' || this.state === 'ProbeBW_CRUISE') cap = this.inflightWithHeadroom();
    cap = Math.min(cap, this.inflightLo);
    cap = Math.max(cap, this.minPipeCwnd);
    return Math.min(cwnd, cap);
  }

  /** BBRSaveCwnd: the cwnd to come back to (the larger of now's and the last saved, in a recovery or ProbeRTT). */
  private saveCwnd(): number {
    const cwnd = this.inRecovery ? this.modelCwnd : this.cwnd;
    return this.inRecovery || this.state === 'ProbeRTT' ? Math.max(this.priorCwnd, cwnd) : cwnd;
  }

  private restoreCwnd(): void {
    if (this.inRecovery) this.modelCwnd = Math.max(this.modelCwnd, this.priorCwnd);
    else this.cwnd = Math.max(this.cwnd, this.priorCwnd);
  }
}
