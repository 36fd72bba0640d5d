/**
 * RFC 5961 §7: challenge ACKs are rate-limited so that an attacker cannot make us flood.
 *
 * The limit is per connection (and per TIME-WAIT record), never one budget that every connection
 * spends: a budget shared by all is an off-path side channel (CVE-2016-5696, "Off-Path TCP
 * Exploits", Cao et al. 2016). An attacker with a connection of its own spoofs a segment on a guessed
 * 4-tuple, spends the rest of the budget on its own connection and counts the answers: one fewer
 * means the guessed connection exists (and spent one). With a budget per connection, what the
 * attacker's connection is answered tells nothing about any other. Linux limits each socket since
 * 4.0 (tcp_invalid_ratelimit, one per 500 ms) and turned its host-wide limit off by default in 6.0;
 * FreeBSD limits each connection (ack_war_timewindow, ack_war_cnt: 5 per second).
 *
 * A stack may add a host-wide safety bound (`challengeAckGlobalLimit`), as Linux's
 * tcp_challenge_ack_limit: its budget is drawn at random for every one-second window (Linux's fix of
 * 2016), so that counting answers no longer tells how much another connection spent. It is off by
 * default, as in Linux since 6.0: a random budget still leaks a little to an attacker who averages.
 */
import type { RandomSource } from './random.js';

/** One connection's limit: at most `limit` challenge ACKs in any window of `windowMs` that starts with one. */
export class ChallengeAckLimiter {
  private windowStart = -Infinity;
  private sent = 0;

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
    return false;
  }
}

/**
 * The host-wide bound: per second, a budget drawn uniformly from [ceil(limit/2), limit + ceil(limit/2))
 * (mean `limit`), as Linux draws it since 2016. Consulted only after the connection's own limit
 * allowed the ACK, so one connection can spend at most its own limit of it.
 */
export class ChallengeAckBudget {
  private windowStart = -Infinity;
  private left = 0;
  static readonly WINDOW_MS = 1000;

  constructor(
    private readonly limit: number,
    private readonly random: RandomSource,
  ) {}

  /** True if the host-wide budget has a challenge ACK left now; spends it. */
  take(now: number): boolean {
    if (now - this.windowStart >= ChallengeAckBudget.WINDOW_MS) {
      this.windowStart = now;
      const half = Math.ceil(this.limit / 2);
      this.left = half + (this.random.nextUint32() % this.limit);
    }
    if (this.left > 0) {
      this.left--;
      return true;
    }
    return false;
  }

  /** What is left of this window's budget (for tests and listings). */
  get remaining(): number {
    return this.left;
  }
}
