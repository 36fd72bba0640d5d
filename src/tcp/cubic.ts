/**
 * CUBIC congestion control (RFC 9438) with HyStart++ (RFC 9406) in the initial slow start.
 *
 * Units: `cwnd` and `ssthresh` are bytes, as the connection uses them (fractional bytes are kept, so
 * per-ACK growth of a fraction of a segment is not lost to rounding). RFC 9438's window variables
 * (W_max, cwnd_epoch, W_est, cwnd_prior) are kept in segments of `mss`, time in seconds, as the RFC's
 * formulas are written; `now` and RTTs arrive in milliseconds.
 *
 * Reduction: ssthresh = max(cwnd * beta_cubic, 2 segments) from cwnd, not from the flight size
 * (RFC 9438 §4.6 allows either); an implementation using cwnd MUST keep cwnd from growing while the
 * flight is smaller than it, which `AckSample.cwndLimited` does here (§4.6, §5.8). While app-limited
 * in congestion avoidance the epoch clock is held too (t_epoch moves forward by the time that passed),
 * so cwnd does not leap along the curve when the application catches up.
 *
 * Reno-friendly region: alpha_cubic becomes 1 once W_est >= cwnd_prior (RFC 9438 §4.3's final text;
 * the same as W_max unless fast convergence lowered W_max).
 *
 * RTT in W_cubic(t + RTT): a smoothed RTT (RFC 6298's 1/8 gain) over the samples onAck sees, else the
 * connection's minimum RTT, else 0.
 *
 * One reduction per window: a retransmission timeout during recovery, or a repeated one with nothing
 * acknowledged in between (RFC 5681 §3.1), keeps ssthresh and W_max and only sets cwnd to 1 SMSS.
 *
 * HyStart++ runs only while ssthresh is still infinite (RFC 9406 §4.3: the initial slow start). The
 * ACK that ends a round has its RTT sample counted in the round it ends; CSS_ROUNDS counts the round
 * in which CSS began.
 */
import { seqGe, seqGt } from '../wire/seq.js';
import { INITIAL_WINDOW_SEGMENTS, MaxFlight, slowStartCwndLimited, type AckSample, type CongestionController, type ControllerOptions } from './congestion.js';

/** RFC 9438 §5.1: C = 0.4. */
const CUBIC_C = 0.4;
/** RFC 9438 §4.6: beta_cubic = 0.7. */
const BETA_CUBIC = 0.7;
/** RFC 9438 §4.3: alpha_cubic = 3 * (1 - beta_cubic) / (1 + beta_cubic) while below cwnd_prior. */
const ALPHA_CUBIC = (3 * (1 - BETA_CUBIC)) / (1 + BETA_CUBIC);

// RFC 9406 §4.3 constants (times in ms).
const MIN_RTT_THRESH = 4;
const MAX_RTT_THRESH = 16;
const MIN_RTT_DIVISOR = 8;
const N_RTT_SAMPLE = 8;
const CSS_GROWTH_DIVISOR = 4;
const CSS_ROUNDS = 5;
/** Linux's hystart_detect bits: the ACK train test, the delay test. */
const HYSTART_ACK_TRAIN = 1;
const HYSTART_DELAY = 2;
/** RFC 9406 §4.3: L = 8 for a sender that does not pace (synack does not). */
const L = 8;

/** Where the controller is: slow start, HyStart++'s conservative slow start, congestion avoidance. */
export type CubicPhase = 'slow-start' | 'css' | 'congestion-avoidance';

/** A copy of the controller's state, for `undo` and for tests. */
export interface CubicState {
  cwnd: number;
  ssthresh: number;
  wMax: number | undefined;
  k: number;
  cwndPrior: number;
  cwndEpoch: number;
  wEst: number;
  alphaCubic: number;
  epochStartMs: number | undefined;
  lastAckMs: number;
  resetWMaxAtEpoch: boolean;
}

export class CubicController implements CongestionController {
  readonly name = 'cubic';
  cwnd: number;
  ssthresh = Infinity;
  private mss: number;
  private readonly initialWindowSegments: number;

  // RFC 9438 state, windows in segments.
  /** W_max: cwnd just before the last reduction (after fast convergence, §4.7); undefined before any. */
  wMax: number | undefined = undefined;
  /** K (seconds): when W_cubic reaches W_max again (§4.2). */
  k = 0;
  /** cwnd_prior: cwnd at the most recent congestion event (§4.6), where alpha_cubic becomes 1 (§4.3). */
  cwndPrior = 0;
  /** cwnd_epoch: cwnd when the current congestion avoidance stage began (§4.2). */
  cwndEpoch = 0;
  /** W_est: the Reno-friendly estimate (§4.3). */
  wEst = 0;
  alphaCubic = ALPHA_CUBIC;
  /** t_epoch (ms): start of the current congestion avoidance stage; undefined until its first ACK. */
  epochStartMs: number | undefined = undefined;
  /** Time of the last ACK in congestion avoidance, to hold the epoch clock while app-limited. */
  private lastAckMs = 0;
  /**
   * The next epoch sets W_max = cwnd_epoch and K = 0: after a timeout (RFC 9438 §4.8); likewise
   * when W_max is still undefined, slow start having ended without a loss (HyStart++, §4.10).
   */
  private resetWMaxAtEpoch = false;
  /** Smoothed RTT (ms) from the samples, for W_cubic(t + RTT) (§4.2 uses the smoothed RTT). */
  srttMs: number | undefined = undefined;
  /** `cubicUpdateIntervalMs`: segments acknowledged not yet in W_est; cwnd (whole) and time when W_est last took them. */
  private estAcked = 0;
  private estCwnd = -1;
  private estAt = 0;
  private readonly updateIntervalMs: number;

  // Recovery and timeout bookkeeping.
  private inRecovery = false;
  /** A timeout reduced ssthresh and no ACK of new data came since (RFC 5681 §3.1: hold ssthresh). */
  private inTimeout = false;
  /** State before the last reduction, for `undo` (§4.9); made at the first reduction, then reused. */
  private saved: CubicState | undefined;
  private hasSaved = false;

  // RFC 9406 HyStart++ state (ms).
  hystart = true;
  lastRoundMinRTT = Infinity;
  currentRoundMinRTT = Infinity;
  rttSampleCount = 0;
  /** windowEnd: SND.NXT at the start of the round; undefined before the first ACK. */
  windowEnd: number | undefined = undefined;
  cssBaselineMinRtt = Infinity;
  /** Rounds ended while in CSS, the round CSS began in included. */
  cssRounds = 0;

  // Linux's HyStart (slowStartExit 'hystart'): ms, except the window in segments.
  private readonly linuxHystart: { detect: number; lowWindow: number; ackDeltaMs: number } | undefined;
  /** delay_min: the smallest per-ACK RTT sample (ms); undefined before the first. */
  delayMinMs: number | undefined = undefined;
  /** round_start and last_ack: when the current round began, when its last closely spaced ACK came. */
  private roundStartMs = 0;
  private lastTrainAckMs = 0;
  /** end_seq: SND.NXT when the round began (a round ends when SND.UNA passes it); undefined before one. */
  private roundEnd: number | undefined = undefined;
  /** curr_rtt and sample_cnt: the round's smallest RTT sample and how many samples it has seen. */
  private roundMinRttMs = Infinity;
  private roundSamples = 0;
  /** found: slow start was ended by HyStart. */
  hystartFound = false;

  /** Slow start's per-ACK bound in segments: RFC 9406's L unless `slowStartMaxIncrease` says otherwise. */
  private readonly ssCap: number;
  /** The last round's most bytes in flight, with `slowStartToTwiceFlight` (Linux's max_packets_out). */
  private readonly maxFlight: MaxFlight | undefined;

  constructor(mss: number, initialWindowSegments = INITIAL_WINDOW_SEGMENTS, options: Readonly<ControllerOptions> = {}) {
    this.mss = mss;
    this.initialWindowSegments = initialWindowSegments;
    this.ssCap = options.slowStartMaxIncrease ?? L;
    this.updateIntervalMs = options.cubicUpdateIntervalMs ?? 0;
    this.maxFlight = options.slowStartToTwiceFlight === true ? new MaxFlight() : undefined;
    const exit = options.slowStartExit ?? 'hystart++';
    this.hystart = exit === 'hystart++';
    this.linuxHystart =
      exit === 'hystart' ? { detect: options.hystartDetect ?? HYSTART_ACK_TRAIN | HYSTART_DELAY, lowWindow: options.hystartLowWindow ?? 16, ackDeltaMs: options.hystartAckDeltaMs ?? 2 } : undefined;
    // RFC 6928: an initial window of 10 segments.
    this.cwnd = initialWindowSegments * mss;
  }

  get phase(): CubicPhase {
    if (this.cwnd >= this.ssthresh) return 'congestion-avoidance';
    return this.cssBaselineMinRtt !== Infinity ? 'css' : 'slow-start';
  }

  setMss(mss: number): void {
    if (this.cwnd === this.initialWindowSegments * this.mss) this.cwnd = this.initialWindowSegments * mss;
    this.mss = mss;
  }

  onAck(s: Readonly<AckSample>): void {
    this.inTimeout = false;
    if (s.rttMs !== undefined) this.srttMs = this.srttMs === undefined ? s.rttMs : this.srttMs + (s.rttMs - this.srttMs) / 8;
    // Linux's HyStart looks at the ACK before slow start grows cwnd for it (pkts_acked, then cong_avoid).
    if (this.linuxHystart !== undefined) this.linuxHystartAck(s, this.linuxHystart);
    if (this.cwnd < this.ssthresh) {
      this.slowStart(s);
      // §4.2: the congestion avoidance stage that follows begins a new epoch.
      this.epochStartMs = undefined;
      return;
    }
    this.congestionAvoidance(s);
  }

  /** RFC 5681 §3.1 slow start, with HyStart++ (RFC 9406 §4.2) while ssthresh is still its initial value. */
  private slowStart(s: Readonly<AckSample>): void {
    if (slowStartCwndLimited(s, this.cwnd, this.maxFlight)) {
      // RFC 9406 §4.2: cwnd += min(N, L * SMSS), divided by CSS_GROWTH_DIVISOR in CSS (L: `ssCap`).
      let inc = Math.min(s.delivered, this.ssCap * this.mss);
      if (this.cssBaselineMinRtt !== Infinity) inc /= CSS_GROWTH_DIVISOR;
      this.cwnd = Math.min(this.cwnd + inc, this.ssthresh);
    }
    if (this.hystart && this.ssthresh === Infinity) this.hystartAck(s);
  }

  /** RFC 9406 §4.2: per-round minimum RTT, the delay-increase exit to CSS, and CSS's end. */
  private hystartAck(s: Readonly<AckSample>): void {
    if (this.windowEnd === undefined) this.startRound(s.sndNxt);
    if (s.rttMs !== undefined) {
      this.currentRoundMinRTT = Math.min(this.currentRoundMinRTT, s.rttMs);
      this.rttSampleCount++;
      if (this.rttSampleCount >= N_RTT_SAMPLE) {
        if (this.cssBaselineMinRtt === Infinity) {
          if (this.lastRoundMinRTT !== Infinity && this.currentRoundMinRTT !== Infinity) {
            const rttThresh = Math.max(MIN_RTT_THRESH, Math.min(this.lastRoundMinRTT / MIN_RTT_DIVISOR, MAX_RTT_THRESH));
            if (this.currentRoundMinRTT >= this.lastRoundMinRTT + rttThresh) {
              // Delay increase: leave slow start for Conservative Slow Start.
              this.cssBaselineMinRtt = this.currentRoundMinRTT;
              this.cssRounds = 0;
            }
          }
        } else if (this.currentRoundMinRTT < this.cssBaselineMinRtt) {
          // The RTT fell back below the baseline: the increase was spurious, resume slow start.
          this.cssBaselineMinRtt = Infinity;
        }
      }
    }
    if (seqGe(s.ack, this.windowEnd!)) {
      if (this.cssBaselineMinRtt !== Infinity && ++this.cssRounds >= CSS_ROUNDS) {
        // CSS_ROUNDS rounds of CSS: enter congestion avoidance with ssthresh = cwnd.
        this.ssthresh = this.cwnd;
        this.cssBaselineMinRtt = Infinity;
        return;
      }
      this.startRound(s.sndNxt);
    }
  }

  /**
   * Linux's HyStart (tcp_cubic.c: bictcp_acked, hystart_update; Ha and Rhee, "Taming the elephants",
   * 2011), in the initial slow start once cwnd reaches `lowWindow` segments. Rounds begin when
   * SND.UNA passes the SND.NXT noted at the last one. The delay test: after 8 samples in a round, the
   * round's smallest RTT sample above delay_min + clamp(delay_min / 8, 4 ms, 16 ms) ends slow start.
   * The ACK-train test: while ACKs come within `ackDeltaMs` of each other, a train lasting longer than
   * half of delay_min (plus the ACK delay allowed for segmentation offload, at most 1 ms) ends it.
   * Ending slow start sets ssthresh to cwnd.
   */
  private linuxHystartAck(s: Readonly<AckSample>, p: { detect: number; lowWindow: number; ackDeltaMs: number }): void {
    if (this.roundEnd === undefined || seqGt(s.ack, this.roundEnd)) this.linuxRound(s);
    const rtt = s.deliveredRttMs;
    if (rtt === undefined) return;
    const delay = Math.max(rtt, 0.001);
    if (this.delayMinMs === undefined || delay < this.delayMinMs) this.delayMinMs = delay;
    if (this.hystartFound || this.ssthresh !== Infinity || this.cwnd >= this.ssthresh || this.cwnd < p.lowWindow * this.mss) return;
    const now = s.now;
    if (p.detect & HYSTART_ACK_TRAIN && now - this.lastTrainAckMs <= p.ackDeltaMs) {
      this.lastTrainAckMs = now;
      // The ACK delay offload may add: 4 maximal GSO packets at the pacing rate (cwnd per SRTT,
      // doubled in slow start), at most 1 ms; halved with the RTT, as nothing paces here.
      const srtt = this.srttMs ?? this.delayMinMs;
      const rate = srtt > 0 ? (2 * this.cwnd) / srtt : Infinity;
      const ackDelay = Math.min(1, (4 * 65536) / rate);
      if (now - this.roundStartMs > (this.delayMinMs + ackDelay) / 2) this.hystartExit();
    }
    if (!this.hystartFound && p.detect & HYSTART_DELAY) {
      if (delay < this.roundMinRttMs) this.roundMinRttMs = delay;
      if (this.roundSamples < N_RTT_SAMPLE) this.roundSamples++;
      else if (this.roundMinRttMs > this.delayMinMs + Math.max(MIN_RTT_THRESH, Math.min(this.delayMinMs / MIN_RTT_DIVISOR, MAX_RTT_THRESH))) this.hystartExit();
    }
  }

  private linuxRound(s: Readonly<AckSample>): void {
    this.roundStartMs = s.now;
    this.lastTrainAckMs = s.now;
    this.roundEnd = s.sndNxt;
    this.roundMinRttMs = Infinity;
    this.roundSamples = 0;
  }

  private hystartExit(): void {
    this.hystartFound = true;
    this.ssthresh = this.cwnd;
  }

  private startRound(sndNxt: number): void {
    this.lastRoundMinRTT = this.currentRoundMinRTT;
    this.currentRoundMinRTT = Infinity;
    this.rttSampleCount = 0;
    this.windowEnd = sndNxt;
  }

  /** RFC 9438 §4.2 - §4.5 on an ACK in congestion avoidance. */
  private congestionAvoidance(s: Readonly<AckSample>): void {
    if (this.epochStartMs === undefined) this.startEpoch(s.now);
    else if (!s.cwndLimited) {
      // §5.8: no growth while app-limited, and the epoch clock does not run either, so the window
      // does not jump along the curve once the application catches up.
      this.epochStartMs += s.now - this.lastAckMs;
    }
    this.lastAckMs = s.now;
    if (!s.cwndLimited) return;
    const mss = this.mss;
    const cwnd = this.cwnd / mss;
    const segmentsAcked = s.delivered / mss;
    const t = (s.now - this.epochStartMs!) / 1000;
    // §4.3: W_est grows like Reno's window with alpha_cubic, which becomes 1 once W_est reaches cwnd_prior.
    this.estAcked += segmentsAcked;
    const whole = Math.floor(cwnd);
    if (this.updateIntervalMs === 0 || whole !== this.estCwnd || s.now - this.estAt > this.updateIntervalMs) {
      this.wEst += (this.alphaCubic * this.estAcked) / cwnd;
      this.estAcked = 0;
      this.estCwnd = whole;
      this.estAt = s.now;
    }
    if (this.wEst >= this.cwndPrior) this.alphaCubic = 1;
    if (this.wCubic(t) < this.wEst) {
      // §4.3: the Reno-friendly region: cwnd SHOULD be W_est.
      this.cwnd = this.wEst * mss;
      return;
    }
    // §4.4, §4.5: target = W_cubic(t + RTT) bounded to [cwnd, 1.5 cwnd]; cwnd += (target - cwnd) / cwnd per segment.
    const rtt = (this.srttMs ?? s.minRttMs ?? 0) / 1000;
    const target = Math.min(Math.max(this.wCubic(t + rtt), cwnd), 1.5 * cwnd);
    const inc = Math.min(((target - cwnd) / cwnd) * segmentsAcked, target - cwnd);
    this.cwnd = (cwnd + inc) * mss;
  }

  /** §4.2: the congestion avoidance stage begins: t_epoch, cwnd_epoch, K; §4.3: W_est = cwnd_epoch. */
  private startEpoch(now: number): void {
    this.epochStartMs = now;
    this.lastAckMs = now;
    this.cwndEpoch = this.cwnd / this.mss;
    this.wEst = this.cwndEpoch;
    this.estAcked = 0;
    this.estCwnd = -1;
    if (this.wMax === undefined || this.resetWMaxAtEpoch) {
      // §4.8 (after a timeout) and §4.10 (slow start left without a loss, where cwnd_prior = cwnd
      // as well): W_max = cwnd_epoch and K = 0.
      if (this.wMax === undefined) this.cwndPrior = this.cwndEpoch;
      this.wMax = this.cwndEpoch;
      this.resetWMaxAtEpoch = false;
      this.k = 0;
    } else {
      // §4.2 eq. 2; in the special case of cwnd_epoch above W_max, K = 0.
      this.k = this.wMax > this.cwndEpoch ? Math.cbrt((this.wMax - this.cwndEpoch) / CUBIC_C) : 0;
    }
    if (this.wEst >= this.cwndPrior) this.alphaCubic = 1;
  }

  /** §4.2 eq. 1: W_cubic(t) = C * (t - K)^3 + W_max, in segments. */
  wCubic(t: number): number {
    const d = t - this.k;
    return CUBIC_C * d * d * d + (this.wMax ?? this.cwndEpoch);
  }

  onCongestionEvent(_inFlight: number, _now: number): void {
    if (this.inRecovery) return; // Once per window: the connection should not call twice, but be safe.
    this.save();
    this.reduce();
    this.inRecovery = true;
  }

  onRecoveryEnd(_now: number): void {
    this.inRecovery = false;
  }

  onRetransmitTimeout(_inFlight: number, _now: number): void {
    // RFC 5681 §3.1: ssthresh is held on a timeout of an already retransmitted segment; and a loss
    // already being recovered from has had its reduction this window (§4.6: once per window).
    if (!this.inTimeout && !this.inRecovery) {
      this.save();
      this.reduce();
    }
    // §4.8: cwnd as Reno (RFC 5681: the loss window, one segment); the next epoch restarts with K = 0.
    this.cwnd = this.mss;
    this.inTimeout = true;
    this.inRecovery = false;
    this.resetWMaxAtEpoch = true;
    this.epochStartMs = undefined;
  }

  /** §4.6 multiplicative decrease and §4.7 fast convergence, from the current cwnd. */
  private reduce(): void {
    const cwnd = this.cwnd / this.mss;
    // §4.7: a flow whose W_max keeps falling releases bandwidth: W_max = cwnd * (1 + beta_cubic) / 2.
    this.wMax = this.wMax !== undefined && cwnd < this.wMax ? (cwnd * (1 + BETA_CUBIC)) / 2 : cwnd;
    this.cwndPrior = cwnd;
    // §4.6: ssthresh = max(cwnd * beta_cubic, 2 segments).
    this.ssthresh = Math.max(cwnd * BETA_CUBIC, 2) * this.mss;
    this.alphaCubic = ALPHA_CUBIC;
    this.epochStartMs = undefined;
    this.cssBaselineMinRtt = Infinity;
  }

  undo(_now: number): void {
    // §4.9: a spurious congestion event: restore what was saved at it.
    const v = this.saved;
    if (!this.hasSaved || v === undefined) return;
    this.cwnd = v.cwnd;
    this.ssthresh = v.ssthresh;
    this.wMax = v.wMax;
    this.k = v.k;
    this.cwndPrior = v.cwndPrior;
    this.cwndEpoch = v.cwndEpoch;
    this.wEst = v.wEst;
    this.alphaCubic = v.alphaCubic;
    this.epochStartMs = v.epochStartMs;
    this.lastAckMs = v.lastAckMs;
    this.resetWMaxAtEpoch = v.resetWMaxAtEpoch;
    this.inRecovery = false;
    this.inTimeout = false;
    this.hasSaved = false;
  }

  private save(): void {
    const v = (this.saved ??= this.snapshot());
    v.cwnd = this.cwnd;
    v.ssthresh = this.ssthresh;
    v.wMax = this.wMax;
    v.k = this.k;
    v.cwndPrior = this.cwndPrior;
    v.cwndEpoch = this.cwndEpoch;
    v.wEst = this.wEst;
    v.alphaCubic = this.alphaCubic;
    v.epochStartMs = this.epochStartMs;
    v.lastAckMs = this.lastAckMs;
    v.resetWMaxAtEpoch = this.resetWMaxAtEpoch;
    this.hasSaved = true;
  }

  /** A copy of the state `undo` restores (allocates: for tests and listings, not per ACK). */
  snapshot(): CubicState {
    return {
      cwnd: this.cwnd,
      ssthresh: this.ssthresh,
      wMax: this.wMax,
      k: this.k,
      cwndPrior: this.cwndPrior,
      cwndEpoch: this.cwndEpoch,
      wEst: this.wEst,
      alphaCubic: this.alphaCubic,
      epochStartMs: this.epochStartMs,
      lastAckMs: this.lastAckMs,
      resetWMaxAtEpoch: this.resetWMaxAtEpoch,
    };
  }
}
