/**
 * RFC 5961 §7's rate limit, per connection (challenge-ack.ts). The defaults are Linux's per-socket
 * limit (tcp_invalid_ratelimit: one challenge ACK per 500 ms); the optional host-wide bound draws its
 * budget at random each second from [ceil(L/2), L + ceil(L/2)), as Linux has since 2016, so that an
 * attacker who counts answers cannot tell what other connections spent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChallengeAckBudget, ChallengeAckLimiter } from '../../src/tcp/challenge-ack.js';
import { resolveConfig } from '../../src/tcp/config.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { Tcb } from '../../src/tcp/tcb.js';
import { fmt, PLAIN, seg, tcb } from './harness.js';

/** An ESTABLISHED TCB (ISS 1000, IRS 5000: RCV.NXT 5001, SND.NXT 1001) and what it sent. */
function established(config = {}, budget?: ChallengeAckBudget): Tcb {
  const t = tcb({ iss: 1000, config: { ...PLAIN, ...config }, challengeAckBudget: budget });
  t.connect(0);
  while (t.pollTransmit(0));
  t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 1);
  while (t.pollTransmit(1));
  return t;
}

/** A RST in the window but not at RCV.NXT (RFC 5961 §3.2), and what answers it. */
function blindRst(t: Tcb, now: number): string[] {
  t.handleSegment(seg('<SEQ=5002><CTL=RST>'), now);
  const out: string[] = [];
  for (let s = t.pollTransmit(now); s; s = t.pollTransmit(now)) out.push(fmt(s));
  return out;
}

describe('challenge-ACK limit per connection (RFC 5961 §7)', () => {
  test("defaults: one per 500 ms per connection (Linux's tcp_invalid_ratelimit), no host-wide bound (Linux since 6.0)", () => {
    const c = resolveConfig();
    assert.equal(c.challengeAckLimit, 1);
    assert.equal(c.challengeAckWindowMs, 500);
    assert.equal(c.challengeAckGlobalLimit, undefined);
  });

  test('the first RST is challenged, a second within 500 ms is not (counted), one 500 ms later is', () => {
    const t = established();
    assert.deepEqual(blindRst(t, 100), ['<SEQ=1001><ACK=5001><CTL=ACK>']);
    assert.deepEqual(blindRst(t, 599), []);
    assert.equal(t.stats.TCPChallengeACKSuppressed, 1);
    assert.deepEqual(blindRst(t, 600), ['<SEQ=1001><ACK=5001><CTL=ACK>']);
    assert.equal(t.stats.TCPChallengeACK, 2);
    assert.equal(t.state, 'ESTABLISHED');
  });

  test('a host-wide bound is spent only by what the connection itself allowed', () => {
    const budget = new ChallengeAckBudget(10, new SeededRandom(1));
    const t = established({}, budget);
    blindRst(t, 100);
    const left = budget.remaining;
    for (let i = 0; i < 50; i++) blindRst(t, 100); // all refused by the connection's own limit
    assert.equal(budget.remaining, left, 'nothing more taken from the host-wide budget');
  });

  test('the host-wide budget is drawn at random each second, in [L/2, 3L/2)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const budget = new ChallengeAckBudget(100, new SeededRandom(seed));
      let n = 0;
      while (budget.take(0)) {
        n++;
        if (n > 1000) assert.fail(`seed ${seed}: budget does not end`);
      }
      assert.ok(n >= 50 && n < 150, `seed ${seed}: budget ${n}`);
      seen.add(n);
      assert.ok(budget.take(1000), `seed ${seed}: a new second, a new budget`);
    }
    assert.ok(seen.size > 10, `budgets vary: ${[...seen].join(',')}`);
  });

  test('a limiter counts a window from its first challenge ACK', () => {
    const l = new ChallengeAckLimiter(2, 1000);
    assert.deepEqual([l.allow(0), l.allow(10), l.allow(999), l.allow(1000), l.allow(1000)], [true, true, false, true, true]);
  });

  test('bad settings are refused', () => {
    assert.throws(() => resolveConfig({ challengeAckLimit: -1 }), RangeError);
    assert.throws(() => resolveConfig({ challengeAckWindowMs: 0 }), RangeError);
    assert.throws(() => resolveConfig({ challengeAckGlobalLimit: 0 }), RangeError);
  });
});
