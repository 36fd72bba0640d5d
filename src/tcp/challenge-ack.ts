/**
 * RFC 5961 §7: challenge ACKs are rate-limited so that an attacker cannot make us flood. One limiter
 * is meant to be shared by every connection of a stack (the RFC's limit is system-wide); a TCB made
 * on its own gets one of its own.
 */
export class ChallengeAckLimiter {
  private windowStart = -Infinity;
  private sent = 0;
  suppressed = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** True if a challenge ACK may be sent now; counts it. */
  allow(now: number): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.sent = 0;
    }
    if (this.sent < this.limit) {
      this.sent++;
      return true;
    }
    this.suppressed++;
    return false;
  }
}
