/**
 * NewReno's congestion control as a pure controller (RFC 5681 §3.1): slow start and congestion
 * avoidance with byte counting, ssthresh = max(FlightSize / 2, 2*SMSS) on a congestion event, one
 * segment after a retransmission timeout. Loss detection and recovery (RFC 6582's partial ACKs, the
 * SACK scoreboard, RACK-TLP, PRR) are the connection's (recovery.ts); this file only does arithmetic.
 * Initial window: 10 segments (RFC 6928).
 */
import { INITIAL_WINDOW_SEGMENTS, MaxFlight, slowStartCwndLimited, type AckSample, type CongestionController, type ControllerOptions } from './congestion.js';

export class NewRenoController implements CongestionController {
  readonly name = 'newreno';
  cwnd: number;
  ssthresh = Infinity;
  private mss: number;
  /** Bytes acknowledged toward the next cwnd increase in congestion avoidance (RFC 5681 eq. 3, byte counting). */
  private acc = 0;
  /** cwnd and ssthresh before the last reduction, for `undo` (RFC 3708 / RFC 4015). */
  private priorCwnd: number | undefined;
  private priorSsthresh = Infinity;

  /** Slow start's per-ACK bound in segments: 1 (RFC 5681 eq. 2) unless `slowStartMaxIncrease` says otherwise. */
  private readonly ssCap: number;
  /** The last round's most bytes in flight, with `slowStartToTwiceFlight` (Linux's max_packets_out). */
  private readonly maxFlight: MaxFlight | undefined;

  constructor(mss: number, private readonly initialWindowSegments = INITIAL_WINDOW_SEGMENTS, options: Readonly<ControllerOptions> = {}) {
    this.mss = mss;
    this.ssCap = options.slowStartMaxIncrease ?? 1;
    this.maxFlight = options.slowStartToTwiceFlight === true ? new MaxFlight() : undefined;
    this.cwnd = initialWindowSegments * mss;
  }

  setMss(mss: number): void {
    if (this.cwnd === this.initialWindowSegments * this.mss) this.cwnd = this.initialWindowSegments * mss;
    this.mss = mss;
  }

  onAck(sample: Readonly<AckSample>): void {
    const acked = sample.delivered;
    if (acked <= 0) return;
    if (this.cwnd < this.ssthresh) {
      // Slow start (RFC 5681 eq. 2, with L = 1 SMSS as RFC 3465 suggests); with
      // `slowStartToTwiceFlight`, only while cwnd-limited as Linux's tcp_reno_cong_avoid asks.
      if (this.maxFlight === undefined || slowStartCwndLimited(sample, this.cwnd, this.maxFlight)) this.cwnd += Math.min(acked, this.ssCap * this.mss);
    } else {
      // Congestion avoidance: one SMSS per window of data acknowledged (RFC 5681 §3.1, byte counting).
      this.acc += acked;
      if (this.acc >= this.cwnd) {
        this.acc -= this.cwnd;
        this.cwnd += this.mss;
      }
    }
  }

  private saveForUndo(): void {
    this.priorCwnd = this.cwnd;
    this.priorSsthresh = this.ssthresh;
  }

  onCongestionEvent(inFlight: number, _now: number): void {
    this.saveForUndo();
    // RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). cwnd comes down to it by PRR.
    this.ssthresh = Math.max(inFlight / 2, 2 * this.mss);
    this.acc = 0;
  }

  onRecoveryEnd(_now: number): void {
    this.acc = 0;
  }

  onRetransmitTimeout(inFlight: number, _now: number): void {
    // A second timeout in a row keeps the first one's saved state (the window before any reduction).
    if (this.cwnd > this.mss || this.priorCwnd === undefined) this.saveForUndo();
    // RFC 5681 eq. 4 and §3.1: ssthresh = max(FlightSize / 2, 2*SMSS); cwnd = 1 SMSS (the loss window).
    this.ssthresh = Math.max(inFlight / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.acc = 0;
  }

  undo(_now: number): void {
    if (this.priorCwnd === undefined) return;
    // RFC 4015 §3.2 / Linux's tcp_undo_cwnd_reduction: cwnd back to at least what it was, ssthresh too.
    this.cwnd = Math.max(this.cwnd, this.priorCwnd);
    this.ssthresh = Math.max(this.ssthresh, this.priorSsthresh);
    this.priorCwnd = undefined;
    this.acc = 0;
  }
}
