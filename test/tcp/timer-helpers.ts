/**
 * Helpers for timer tests: a connected Pair with separate configs and a latency, a single TCB run
 * against its own timers, and the expected RFC 6298 retransmission schedule.
 */
import assert from 'node:assert/strict';
import type { TcpConfig } from '../../src/tcp/config.js';
import type { TcpEvent } from '../../src/tcp/events.js';
import type { Segment } from '../../src/tcp/segment.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import { A_PORT, B_PORT, drain, fmt, Pair, tcb } from './harness.js';

/** A client (a) that connects to a listening server (b) at time 0, run until both are ESTABLISHED. */
export function connectedPair(opts: {
  a?: Partial<TcpConfig>;
  b?: Partial<TcpConfig>;
  issA?: number;
  issB?: number;
  latency?: number;
}): Pair {
  const a = tcb({ iss: opts.issA ?? 1000, localPort: A_PORT, remotePort: B_PORT, config: opts.a ?? {} }, 1);
  const b = tcb({ iss: opts.issB ?? 5000, localPort: B_PORT, remotePort: 0, config: opts.b ?? {} }, 2);
  b.listen(0);
  const p = new Pair(a, b);
  p.latency = opts.latency ?? 0;
  a.connect(0);
  p.run(4 * p.latency + 1);
  assert.equal(a.state, 'ESTABLISHED');
  assert.equal(b.state, 'ESTABLISHED');
  return p;
}

/** Log entries from one side at or after `from`, as [time, RFC notation]. */
export function sent(p: Pair, side: 'a' | 'b', from = 0): Array<[number, string]> {
  return p.log.filter((l) => l.from === side && l.t >= from).map((l) => [l.t, fmt(l.seg)] as [number, string]);
}

/** Drop everything in both directions from now on: the peer is gone (cable cut, host crashed). */
export function cutCable(p: Pair): void {
  p.filter = () => undefined;
}

/**
 * A lone TCB whose output goes nowhere: fire its timers in order up to `until`, recording what it
 * sends and the events it reports, with their times.
 */
export class Alone {
  readonly out: Array<{ t: number; seg: Segment }> = [];
  readonly evs: Array<{ t: number; e: TcpEvent }> = [];
  now = 0;

  constructor(readonly t: Tcb) {}

  collect(): void {
    for (const s of drain(this.t, this.now)) this.out.push({ t: this.now, seg: s });
    for (let e = this.t.pollEvent(); e; e = this.t.pollEvent()) this.evs.push({ t: this.now, e });
  }

  /** Deliver a segment at `at` (>= now). */
  deliver(seg: Segment, at: number): void {
    this.runUntil(at);
    this.now = at;
    this.t.handleSegment(seg, at);
    this.collect();
  }

  runUntil(until: number): void {
    this.collect();
    for (let i = 0; i < 100_000; i++) {
      const d = this.t.pollTimeout();
      if (d === undefined || d > until) {
        this.now = Math.max(this.now, until === Infinity ? this.now : until);
        return;
      }
      this.now = Math.max(this.now, d);
      this.t.handleTimeout(this.now);
      this.collect();
    }
    throw new Error('timers do not settle');
  }

  sentAt(): Array<[number, string]> {
    return this.out.map((o) => [o.t, fmt(o.seg)] as [number, string]);
  }
}

/**
 * RFC 6298: a segment first sent at `t0` with RTO `rto0` is retransmitted when the timer expires,
 * the RTO doubling each time (5.5) up to `max` (2.5). Returns the times of the first `n` expiries.
 */
export function expiryTimes(t0: number, rto0: number, max: number, n: number): number[] {
  const out: number[] = [];
  let t = t0;
  let rto = rto0;
  for (let i = 0; i < n; i++) {
    t += rto;
    out.push(t);
    rto = Math.min(2 * rto, max);
  }
  return out;
}

export function eventsOf(p: Pair, side: 'a' | 'b'): TcpEvent[] {
  const t = side === 'a' ? p.a : p.b;
  const out: TcpEvent[] = [];
  for (let e = t.pollEvent(); e; e = t.pollEvent()) out.push(e);
  return out;
}
