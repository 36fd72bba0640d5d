/**
 * Buffer auto-tuning. The receive side is Linux's "dynamic right-sizing" (tcp_rcv_space_adjust, after
 * Fisk and Feng's DRS): once per round trip as the receiver measures it, the bytes delivered to the
 * application in that round (read, not merely arrived) are compared with the most seen in any round; when they grew, the buffer
 * (and so the window) becomes twice the round's bytes plus room for 16 segments, plus twice the
 * growth again (the sender is probably in slow start, doubling each round). The send side is
 * Linux's tcp_sndbuf_expand: room for twice cwnd. Neither ever shrinks, and both stop at their
 * configured maximum.
 */
export class ReceiveSpaceTuner {
  /** Bytes the application read during the current round, and when the round began. */
  private copied = 0;
  private roundStart: number;
  /** The most bytes delivered in one round so far (Linux's rcvq_space.space). */
  private space: number;

  get receiveSpace(): number {
    return this.space;
  }
  /** The receiver's RTT estimate (ms): Linux's rcv_rtt_est, from the timestamps the sender echoes. */
  rcvRttMs: number | undefined;

  constructor(initialSpace: number, now: number) {
    this.space = Math.max(1, initialSpace);
    this.roundStart = now;
  }

  /** An RTT sample (ms) from the echo of one of our timestamps on arriving data. */
  rttSample(ms: number): void {
    const m = Math.max(1, ms);
    // A smaller sample is taken at once (queueing only adds delay); a larger one moves it by 1/8.
    this.rcvRttMs = this.rcvRttMs === undefined || m < this.rcvRttMs ? m : this.rcvRttMs + (m - this.rcvRttMs) / 8;
  }

  /** `n` bytes read by the application (Linux counts what recvmsg copied, not what arrived). */
  read(n: number): void {
    this.copied += n;
  }

  /**
   * Data arrived at `now`; `rttMs` is the round trip to measure over. Once a round has passed, returns
   * the receive buffer size to use: `current`, or more when the application read more this round than
   * in any before (never above `max`).
   */
  adjust(now: number, rttMs: number | undefined, mss: number, current: number, max: number): number {
    if (rttMs === undefined || now - this.roundStart < rttMs) return current;
    const copied = this.copied;
    this.copied = 0;
    this.roundStart = now;
    if (copied <= this.space) return current;
    let rcvwin = 2 * copied + 16 * mss;
    rcvwin += 2 * ((rcvwin * (copied - this.space)) / this.space);
    this.space = copied;
    return Math.min(max, Math.max(current, Math.ceil(rcvwin)));
  }
}
