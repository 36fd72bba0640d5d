/**
 * A bound on the RSTs the stack sends for segments that reach no connection (RFC 9293 §3.10.7.1's
 * answer to strangers, and to a listener's stray ACKs and SYN-ACKs): an ACK or SYN-ACK flood with
 * spoofed sources would otherwise be reflected one for one. At most about `perSecond` per second
 * (FreeBSD bounds the same answers by net.inet.icmp.icmplim, 200/s; Linux bounds ICMP errors by
 * icmp_msgs_per_sec, 1000/s); 0 sends every one.
 *
 * One budget for the whole stack is a shared resource an off-path attacker can measure (the
 * CVE-2016-5696 pattern: spend it, and see whether a probe used some of it). So each second's budget
 * is drawn at random from [7/8, 1] of `perSecond` once the second's RSTs reach 7/8 of it (FreeBSD's
 * icmplim_jitter does the same); seconds that stay below draw nothing, so a quiet stack's random
 * sequence (its ISNs and ports in a seeded simulation) is not changed by this.
 */
import type { RandomSource } from '../tcp/random.js';

export class RstRateLimit {
  private windowStart = -Infinity;
  private sent = 0;
  private budget = 0;

  constructor(
    private readonly perSecond: number,
    private readonly random: RandomSource,
  ) {}

  /** True if a RST may go now (and counts it). */
  allow(now: number): boolean {
    if (this.perSecond === 0) return true;
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.sent = 0;
      this.budget = 0;
    }
    const floor = this.perSecond - (this.perSecond >> 3);
    if (this.sent >= floor && this.budget === 0) this.budget = floor + (this.random.nextUint32() % ((this.perSecond >> 3) + 1));
    if (this.sent >= floor && this.sent >= this.budget) return false;
    this.sent++;
    return true;
  }
}
