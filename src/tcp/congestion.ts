/**
 * Congestion control behind one small interface, so that NewReno, CUBIC and friends can replace one
 * another without touching the state machine or loss recovery.
 */

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
}
