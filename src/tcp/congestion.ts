/**
 * Congestion control behind one small interface, so that NewReno, CUBIC and friends can replace one
 * another without touching the state machine or loss recovery.
 */
import { seqGe } from '../wire/seq.js';
import type { DeliveryRateSampler, RateSample } from './rate-sample.js';

/**
 * What one acknowledgment reports to a congestion controller. The connection reuses one object for
 * every ACK (no allocation per segment), so a controller must copy what it wants to keep.
 */
export interface AckSample {
  /** Bytes newly delivered by this ACK: cumulatively acknowledged plus newly SACKed. */
  delivered: number;
  /** Bytes in flight before this ACK (RFC 6675's pipe when SACK is in use, else SND.MAX - SND.UNA). */
  inFlight: number;
  /** SEG.ACK and SND.NXT when the ACK arrived (HyStart++ rounds end when SEG.ACK passes a saved SND.NXT). */
  ack: number;
  sndNxt: number;
  /** An RTT sample this ACK gave (ms), or undefined (Karn's rule, no timestamp echo). */
  rttMs: number | undefined;
  /**
   * The RTT (ms) of the most recently sent segment this ACK newly delivered, never retransmitted
   * (with SACK, from RACK's records: Linux's ca_rtt_us), or undefined.
   */
  deliveredRttMs?: number | undefined;
  /** The smallest RTT seen on the connection (ms), or undefined before the first sample. */
  minRttMs: number | undefined;
  /** The sender was limited by cwnd (not by the application or the peer's window) when it last sent. */
  cwndLimited: boolean;
  now: number;
}

/**
 * Congestion control in the manner of Linux's tcp_congestion_ops: the controller decides cwnd growth
 * and the reduction on a congestion event; loss detection and recovery (SACK scoreboard, RACK-TLP,
 * NewReno's partial ACKs, PRR) are the connection's. During recovery the connection sets `cwnd`
 * itself (RFC 6937 PRR, from the cwnd at the loss down to `ssthresh`), and calls no `onAck`.
 */
/** RFC 6928's initial window in segments (Linux's TCP_INIT_CWND), which the controllers start from. */
export const INITIAL_WINDOW_SEGMENTS = 10;

export interface CongestionController {
  /** 'newreno', 'cubic', ... (for listings and tests). */
  readonly name: string;
  /** Bytes that may be in flight. The connection writes it during recovery (PRR) and at its end. */
  cwnd: number;
  ssthresh: number;
  /** The MSS changed (it is known once the handshake completes); the initial window follows it. */
  setMss(mss: number): void;
  /** New data delivered outside recovery: grow cwnd (slow start, congestion avoidance). */
  onAck(sample: Readonly<AckSample>): void;
  /**
   * A congestion event: loss detected by duplicate ACKs, SACK or RACK, or an ECN echo; at most once per
   * window. Sets ssthresh (the multiplicative decrease) and whatever the controller keeps (CUBIC's
   * W_max, epoch); the connection then brings cwnd down to ssthresh by PRR.
   */
  onCongestionEvent(inFlight: number, now: number): void;
  /** Recovery ended (everything outstanding at its start acknowledged); cwnd is ssthresh by now. */
  onRecoveryEnd(now: number): void;
  /** The retransmission timer expired: ssthresh as for a loss, cwnd one segment (RFC 5681 §3.1). */
  onRetransmitTimeout(inFlight: number, now: number): void;
  /**
   * The last reduction (congestion event or timeout) was spurious, as D-SACK or timestamps showed
   * (RFC 3708, RFC 4015): restore cwnd, ssthresh and the controller's own state to what they were
   * before it.
   */
  undo(now: number): void;
  /**
   * A model-based controller (BBR) asks for delivery-rate samples by having a sampler: the
   * connection then keeps per-segment send state for it (with RACK's records, so only with SACK)
   * and calls `onRateSample` on every ACK that delivers or marks lost anything, in recovery too.
   * Absent for the loss-based controllers, which pay nothing for it.
   */
  readonly rates?: DeliveryRateSampler;
  onRateSample?(rs: Readonly<RateSample>, inRecovery: boolean): void;
  /**
   * The rate (bytes per ms) at which the controller wants data paced, or undefined: the connection
   * paces to it whatever TcpConfig.pacing says (a controller that sets it always paces).
   */
  readonly pacingRate?: number | undefined;
}

/** The TcpConfig knobs a controller reads (given when it is made). */
export interface ControllerOptions {
  /**
   * Slow start also counts as cwnd-limited while cwnd < 2 * the most bytes in flight in the last
   * round trip (Linux's tcp_is_cwnd_limited with tp->max_packets_out), not only when the flight
   * fills cwnd.
   */
  slowStartToTwiceFlight?: boolean;
  /** Slow start's per-ACK increase bound in segments (L); undefined: the controller's RFC value. */
  slowStartMaxIncrease?: number | undefined;
  /**
   * CUBIC: the Reno-friendly estimate W_est takes the ACKs that arrived since it last did at most
   * once per this many ms while cwnd (in whole segments) is unchanged (Linux's bictcp_update returns
   * early within HZ/32 of its last run, counting the ACKs in ack_cnt). 0: on every ACK.
   */
  cubicUpdateIntervalMs?: number;
  /** The initial window in segments (RFC 6928's 10 when absent). */
  initialWindow?: number;
  /**
   * How CUBIC leaves its initial slow start: 'hystart++' (RFC 9406, the default) or 'hystart',
   * Linux's tcp_cubic HyStart (Ha and Rhee's ACK train and delay detection), with its module
   * parameters: `hystartDetect` (bit 1 the ACK train, bit 2 the delay; 3), `hystartLowWindow` (16
   * segments) and `hystartAckDeltaMs` (2).
   */
  slowStartExit?: 'hystart++' | 'hystart' | 'off';
  hystartDetect?: number;
  hystartLowWindow?: number;
  hystartAckDeltaMs?: number;
}

/**
 * The most bytes in flight over the last round trip, as Linux's tp->max_packets_out: a round ends
 * when SND.UNA reaches the SND.NXT noted at its start. Flight is at its largest just before an ACK
 * (sending only adds to it), so the ACK samples' `inFlight` see its maxima.
 */
export class MaxFlight {
  max = 0;
  private until: number | undefined = undefined;

  /** Note one ACK's sample; returns the round's maximum so far. */
  note(s: Readonly<AckSample>): number {
    const unaBefore = (s.sndNxt - s.inFlight) >>> 0;
    if (this.until === undefined || seqGe(unaBefore, this.until)) {
      this.max = s.inFlight;
      this.until = s.sndNxt;
    } else if (s.inFlight > this.max) this.max = s.inFlight;
    return this.max;
  }
}

/**
 * Whether slow start may grow cwnd on this ACK: the sample's own test (the flight filled cwnd), or,
 * with `twice`, cwnd below twice the most that was in flight in the last round (Linux: "If in slow
 * start, ensure cwnd grows to twice what was ACKed"; RFC 7661 §4.3 likewise lets a sender that used
 * half of cwnd or more grow it).
 */
export function slowStartCwndLimited(s: Readonly<AckSample>, cwnd: number, flight: MaxFlight | undefined): boolean {
  if (flight === undefined) return s.cwndLimited;
  const max = flight.note(s);
  return s.cwndLimited || cwnd < 2 * max;
}

/**
 * What remains of a controller once its connection has handed its TIME-WAIT to a compact record
 * (Tcb.releaseForTimeWait): the name, cwnd and ssthresh it ended with, which the application may
 * still read (tcp_info), and nothing of its own state (CUBIC's W_max, epoch, HyStart++ rounds). No
 * segment reaches that connection any more, so nothing calls the methods; they leave it as it is.
 */
export class SettledCongestion implements CongestionController {
  readonly name: string;
  cwnd: number;
  ssthresh: number;

  constructor(from: CongestionController) {
    this.name = from.name;
    this.cwnd = from.cwnd;
    this.ssthresh = from.ssthresh;
  }

  setMss(): void {}
  onAck(): void {}
  onCongestionEvent(): void {}
  onRecoveryEnd(): void {}
  onRetransmitTimeout(): void {}
  undo(): void {}
}
