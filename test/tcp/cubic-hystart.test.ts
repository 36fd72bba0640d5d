/**
 * Linux's HyStart in CUBIC's initial slow start (slowStartExit 'hystart'; Ha and Rhee, "Taming the
 * elephants: new TCP slow start", 2011; the parameters of Linux's tcp_cubic module), driven with ACK
 * samples, numbers worked out by hand. MSS 1000; ACKs deliver one or two segments each; the RTT
 * sample of an ACK is that of the most recently sent segment it delivered.
 *
 * - The delay test: delay_min is the smallest sample seen. From hystart_low_window (16) segments of
 *   cwnd on, in each round (a round ends when SND.UNA passes the SND.NXT noted at its start) the
 *   first 8 samples are only collected; at the 9th and after, if the round's smallest sample is above
 *   delay_min + clamp(delay_min / 8, 4 ms, 16 ms), slow start ends with ssthresh = cwnd. With
 *   delay_min 200 ms the bound is 200 + 16 = 216 ms: samples of 240 ms and up end it at the 9th ACK
 *   of the round; the cwnd then is what the 8 ACKs before made it (each delivering 2 segments).
 * - A round whose samples stay below the bound, or whose 9th sample is a new minimum (29 ms: the
 *   bound becomes 29 + 4), does not end it.
 * - The ACK-train test: while ACKs come within hystart_ack_delta_us (2 ms) of each other, a train
 *   lasting more than half of delay_min (plus an ACK delay of at most 1 ms) ends slow start: with
 *   delay_min 20 ms, ACKs 1 ms apart end it once more than (20 + 1) / 2 = 10.5 ms have passed since
 *   the round began, i.e. at the 11th ACK after the first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CubicController } from '../../src/tcp/cubic.js';
import type { AckSample } from '../../src/tcp/congestion.js';
import type { ControllerOptions } from '../../src/tcp/congestion.js';

const MSS = 1000;

class Sender {
  una = 0;
  nxt: number;
  now = 0;
  constructor(readonly c: CubicController) {
    this.nxt = c.cwnd;
  }
  /** An ACK at `at` ms delivering `segments`, whose newest segment had RTT `rtt`; then cwnd is filled. */
  ack(at: number, segments: number, rtt: number | undefined): void {
    this.now = at;
    const inFlight = this.nxt - this.una;
    this.una += segments * MSS;
    const s: AckSample = { delivered: segments * MSS, inFlight, ack: this.una, sndNxt: this.nxt, rttMs: undefined, deliveredRttMs: rtt, minRttMs: undefined, cwndLimited: true, now: at };
    this.c.onAck(s);
    this.nxt = Math.max(this.nxt, this.una + Math.floor(this.c.cwnd / MSS) * MSS);
  }
}

const linux = (o: Partial<ControllerOptions> = {}) => new CubicController(MSS, 10, { slowStartExit: 'hystart', slowStartMaxIncrease: Infinity, ...o });

/** Initial window 10 acknowledged in one ACK at 200 ms (delay_min 200): cwnd 20, 20 segments out. */
function atTwenty(o: Partial<ControllerOptions> = {}): Sender {
  const f = new Sender(linux(o));
  f.ack(200, 10, 200);
  assert.equal(f.c.cwnd, 20 * MSS);
  assert.equal(f.c.delayMinMs, 200);
  return f;
}

test('delay test: a round whose smallest RTT passes delay_min + 16 ms ends slow start at its 9th sample, ssthresh = cwnd', () => {
  const f = atTwenty();
  for (let i = 0; i < 8; i++) {
    f.ack(440 + i, 2, 240 + i);
    assert.equal(f.c.ssthresh, Infinity, `sample ${i + 1}`);
  }
  assert.equal(f.c.cwnd, 36 * MSS);
  f.ack(448, 2, 248);
  assert.equal(f.c.ssthresh, 36 * MSS);
  // No slow-start growth from the ACK that ended it (congestion avoidance's first step is a fraction).
  assert.equal(Math.floor(f.c.cwnd / MSS), 36);
  assert.equal(f.c.hystartFound, true);
});

test('delay test: samples under the bound (215 ms), or a 9th sample that is a new minimum, leave slow start running', () => {
  const f = atTwenty();
  for (let i = 0; i < 12; i++) f.ack(420 + i, 1, 215);
  assert.equal(f.c.ssthresh, Infinity);
  const g = atTwenty();
  for (let i = 0; i < 8; i++) g.ack(420 + i, 1, 200 + i);
  g.ack(429, 1, 29);
  assert.equal(g.c.delayMinMs, 29);
  assert.equal(g.c.ssthresh, Infinity);
});

test('below hystart_low_window segments of cwnd nothing is tested', () => {
  const f = atTwenty({ hystartLowWindow: 64 });
  for (let i = 0; i < 12; i++) f.ack(440 + i, 1, 300);
  assert.equal(f.c.ssthresh, Infinity);
});

test('ACK-train test: ACKs 1 ms apart for more than (delay_min + 1 ms) / 2 end slow start; not with hystart_detect 2', () => {
  for (const detect of [1, 2]) {
    const f = new Sender(linux({ hystartDetect: detect }));
    f.ack(20, 10, 20); // delay_min 20 ms, cwnd 20, a round from here
    f.ack(40, 1, 20); // round start
    for (let i = 1; i <= 10; i++) f.ack(40 + i, 1, 20);
    assert.equal(f.c.ssthresh, Infinity, `10.0 ms of train, hystart_detect ${detect}`);
    f.ack(51, 1, 20);
    assert.equal(f.c.ssthresh === Infinity, detect === 2, `11 ms of train, hystart_detect ${detect}`);
  }
});

test("by default CUBIC uses RFC 9406's HyStart++, for which these samples end no slow start at the 9th", () => {
  const f = new Sender(new CubicController(MSS, 10, { slowStartMaxIncrease: Infinity }));
  f.ack(200, 10, 200);
  for (let i = 0; i < 9; i++) f.ack(440 + i, 2, 240 + i);
  assert.equal(f.c.ssthresh, Infinity);
});
