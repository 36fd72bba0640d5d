/**
 * Congestion control behind one small interface, so that NewReno, CUBIC and friends can replace the
 * basic algorithm without touching the state machine. The connection asks `cwnd` before sending and
 * reports acknowledgments and timeouts.
 */
export interface CongestionControl {
  /** Bytes that may be in flight. */
  readonly cwnd: number;
  readonly ssthresh: number;
  /** `acked` bytes newly acknowledged, with `inFlight` bytes outstanding before the ACK. */
  onAck(acked: number, inFlight: number, now: number): void;
  /** The retransmission timer expired with `inFlight` bytes outstanding; `sndMax` is SND.MAX. */
  onRetransmitTimeout(inFlight: number, now: number, sndMax?: number): void;
  /**
   * Loss recovery from duplicate ACKs (fast retransmit and fast recovery). Optional: a controller
   * without it leaves loss to the retransmission timer.
   */
  readonly recovery?: FastRecovery;
  /**
   * An ACK echoed a congestion mark (RFC 3168 §6.1.2: ECE), at most once per window; the response is
   * that to a single lost segment (§5). Optional: without it the connection uses onRetransmitTimeout.
   */
  onEcnEcho?(inFlight: number, now: number): void;
  /** The MSS changed (it is known once the handshake completes). */
  setMss(mss: number): void;
}

/**
 * Fast retransmit and fast recovery (RFC 5681 §3.2, RFC 6582). The connection detects duplicate ACKs
 * (RFC 5681 §2) and does the sending; the controller decides when and adjusts cwnd and ssthresh.
 * When a call returns 'retransmit', the connection sends the first unacknowledged segment (one segment
 * at SND.UNA, not go-back-N) at once.
 */
export interface FastRecovery {
  /** Between a fast retransmit and the ACK of everything that was outstanding at it. */
  readonly inRecovery: boolean;
  /** The `count`th consecutive duplicate ACK of SND.UNA = `sndUna`, `inFlight` = SND.MAX - SND.UNA. */
  onDupAck(count: number, inFlight: number, sndUna: number, sndMax: number, now: number): 'retransmit' | undefined;
  /**
   * An ACK of new data while in recovery, in place of onAck: `acked` bytes up to `ack`, `inFlight`
   * outstanding before it. 'retransmit' for a partial ACK (RFC 6582 §3.2 step 5), 'retransmit-restart'
   * for the first one (whose retransmission timer is restarted as well), undefined for the full ACK.
   */
  onRecoveryAck(acked: number, inFlight: number, ack: number, now: number): 'retransmit' | 'retransmit-restart' | undefined;
}

/**
 * RFC 5681 §3.1: slow start and congestion avoidance, and the collapse to one segment on a
 * retransmission timeout. Fast retransmit and recovery are in NewReno (newreno.ts), which extends this.
 * Initial window: 10 segments (RFC 6928).
 */
export class BasicCongestionControl implements CongestionControl {
  cwnd: number;
  ssthresh = Infinity;
  protected mss: number;
  /** Bytes acknowledged toward the next cwnd increase in congestion avoidance (RFC 5681 eq. 3's byte counting). */
  protected acc = 0;

  constructor(mss: number, private readonly initialWindowSegments = 10) {
    this.mss = mss;
    this.cwnd = initialWindowSegments * mss;
  }

  setMss(mss: number): void {
    if (this.cwnd === this.initialWindowSegments * this.mss) this.cwnd = this.initialWindowSegments * mss;
    this.mss = mss;
  }

  onAck(acked: number, _inFlight: number, _now: number): void {
    if (this.cwnd < this.ssthresh) {
      // Slow start (RFC 5681 eq. 2, with L = 1 SMSS as RFC 3465 suggests).
      this.cwnd += Math.min(acked, this.mss);
    } else {
      // Congestion avoidance: one SMSS per window of data acknowledged.
      this.acc += acked;
      if (this.acc >= this.cwnd) {
        this.acc -= this.cwnd;
        this.cwnd += this.mss;
      }
    }
  }

  onEcnEcho(inFlight: number, _now: number): void {
    // RFC 3168 §6.1.2: halve the window as for a loss (RFC 5681 eq. 4), with no retransmission.
    this.ssthresh = Math.max(inFlight / 2, 2 * this.mss);
    this.cwnd = this.ssthresh;
    this.acc = 0;
  }

  onRetransmitTimeout(inFlight: number, _now: number, _sndMax?: number): void {
    // RFC 5681 eq. 4 and §3.1: ssthresh = max(FlightSize / 2, 2*SMSS); cwnd = 1 SMSS (the loss window).
    this.ssthresh = Math.max(inFlight / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.acc = 0;
  }
}

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
}
