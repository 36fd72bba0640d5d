/**
 * The whole lifecycle across the sequence-number wrap (DESIGN.md: "Test across the wrap"):
 * handshake, more than 1 MB each way in random chunk sizes, a half-close each way, TIME-WAIT, CLOSED,
 * with ISNs at 2^32-1, 2^32-2, just below 2^31 and random values, on both sides; with options on
 * (timestamps near their own wrap, window scaling, SACK) and with ~5% loss both ways so that
 * retransmissions cross the wrap too. Bytes are compared exactly. Seeds are fixed; a failure prints
 * the case.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom, type RandomSource } from '../../src/tcp/random.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import { A_PORT, B_PORT, fmt, Pair, stateTrail, tcb } from './harness.js';
import type { TcpEvent } from '../../src/tcp/events.js';

const TWO32 = 0x1_0000_0000;

/** A RandomSource whose first draw (the TCB's timestamp offset) is fixed. */
function fixedTsOffset(offset: number, seed: number): RandomSource {
  const r = new SeededRandom(seed);
  let first = true;
  return {
    nextUint32: () => {
      if (first) {
        first = false;
        return offset >>> 0;
      }
      return r.nextUint32();
    },
    fill: (out) => r.fill(out),
  };
}

interface Case {
  issA: number;
  issB: number;
  config?: Partial<TcpConfig>;
  loss?: number;
  seed: number;
  /** Who shuts down first: its peer keeps sending (a half-close) until it has seen the end. */
  first: 'a' | 'b';
  /** TSval offsets (RFC 7323 §5.4's random offset), to put the timestamp clocks near their wrap. */
  tsOffset?: number;
  latency?: number;
}

function describeCase(c: Case): string {
  return `issA=${c.issA} issB=${c.issB} first=${c.first} loss=${c.loss ?? 0} seed=${c.seed} config=${JSON.stringify(c.config ?? {})}`;
}

function payload(n: number, seed: number): Uint8Array {
  const r = new SeededRandom(seed);
  const out = new Uint8Array(n);
  r.fill(out);
  return out;
}

interface Side {
  t: Tcb;
  name: 'a' | 'b';
  out: Uint8Array;
  sent: number;
  got: Uint8Array;
  gotLen: number;
  shut: boolean;
  ended: boolean;
  evs: TcpEvent[];
  readAfterFinWait2: number;
}

function lifecycle(c: Case): void {
  let pair: Pair | undefined;
  try {
    lifecycleIn(c, (p) => (pair = p));
  } catch (e) {
    // The end of the segment log, to make a failing seed a bug report.
    if (pair && e instanceof Error) {
      const at = pair.log.length;
      const tail = pair.log.slice(Math.max(0, at - 40)).map((l) => `  ${l.t} ${l.from}> ${fmt(l.seg)} wnd=${l.seg.window}`);
      throw new Error(`${e.message}\nlast segments:\n${tail.join('\n')}`, { cause: e });
    }
    throw e;
  }
}

function lifecycleIn(c: Case, expose: (p: Pair) => void): void {
  const info = describeCase(c);
  const rnd = new SeededRandom(c.seed);
  const config = c.config ?? {};
  const a = tcb({ iss: c.issA, localPort: A_PORT, remotePort: B_PORT, config, random: fixedTsOffset(c.tsOffset ?? rnd.nextUint32(), c.seed + 1) });
  const b = tcb({ iss: c.issB, localPort: B_PORT, remotePort: 0, config, random: fixedTsOffset(c.tsOffset ?? rnd.nextUint32(), c.seed + 2) });
  b.listen(0);
  const p = new Pair(a, b);
  expose(p);
  p.latency = c.latency ?? 5;
  const loss = c.loss ?? 0;
  let dropped = 0;
  p.filter = (_from, s) => {
    if (loss > 0 && rnd.next() < loss) {
      dropped++;
      return undefined;
    }
    return s;
  };
  // The first closer sends 1 MB + a bit, its peer half as much again, so the peer is still sending
  // after the first FIN (the half-close).
  const big = 1_048_576 + 12_345;
  const sizes = c.first === 'a' ? [big, big + 524_288] : [big + 524_288, big];
  const mk = (t: Tcb, name: 'a' | 'b', n: number, s: number): Side => ({
    t,
    name,
    out: payload(n, s),
    sent: 0,
    got: new Uint8Array(4_000_000),
    gotLen: 0,
    shut: false,
    ended: false,
    evs: [],
    readAfterFinWait2: 0,
  });
  const A = mk(a, 'a', sizes[0], c.seed * 7 + 1);
  const B = mk(b, 'b', sizes[1], c.seed * 7 + 2);
  A.got = new Uint8Array(B.out.length);
  B.got = new Uint8Array(A.out.length);
  const sides = [A, B];
  const first = c.first === 'a' ? A : B;
  const second = first === A ? B : A;

  a.connect(0);
  let steps = 0;
  const check = (where: string): void => {
    for (const s of sides) {
      const bad = s.t.checkInvariants();
      assert.equal(bad, undefined, `${info}: ${s.name} at t=${p.now} (${where}): ${bad}`);
    }
  };
  const pump = (s: Side): void => {
    for (let e = s.t.pollEvent(); e; e = s.t.pollEvent()) {
      s.evs.push(e);
      if (e.type === 'end') s.ended = true;
      if (e.type === 'error') assert.fail(`${info}: ${s.name} error ${e.code} at t=${p.now}: ${e.message}`);
    }
    const max = 1 + Math.floor(rnd.next() * 70_000);
    for (let d = s.t.read(max); d; d = s.t.read(max)) {
      assert.ok(s.gotLen + d.length <= s.got.length, `${info}: ${s.name} received more than was sent`);
      s.got.set(d, s.gotLen);
      s.gotLen += d.length;
      if (s.t.state === 'FIN-WAIT-2') s.readAfterFinWait2 += d.length;
    }
  };
  while (a.state !== 'ESTABLISHED' || b.state !== 'ESTABLISHED') {
    assert.ok(++steps < 10_000 && p.now < 600_000, `${info}: handshake did not complete (${a.state}/${b.state})`);
    p.run(p.now + 1);
    check('handshake');
  }
  while (!(A.ended && B.ended && A.gotLen === B.out.length && B.gotLen === A.out.length)) {
    assert.ok(++steps < 2_000_000, `${info}: transfer stalled at t=${p.now}: a got ${A.gotLen}/${B.out.length}, b got ${B.gotLen}/${A.out.length}`);
    for (const s of sides) {
      // The second closer keeps its last kilobyte until the first closer's FIN has arrived, so the first
      // closer always has data to read while half-closed (in FIN-WAIT-2), whatever the schedule.
      const limit = s === first || s.ended ? s.out.length : Math.max(0, s.out.length - 1024);
      if (s.sent < limit && s.t.state !== 'CLOSED') {
        const n = Math.min(limit - s.sent, 1 + Math.floor(rnd.next() ** 3 * 40_000));
        s.sent += s.t.send(s.out.subarray(s.sent, s.sent + n), p.now);
      }
      // Half-close: the first closer as soon as its data is queued; the other only after the end.
      // The second closer also waits for its data to be acknowledged, so its FIN comes a round trip later.
      const mayShut = s === first ? s.sent === s.out.length : s.sent === s.out.length && s.ended && s.t.sndUna === s.t.sndMax;
      if (!s.shut && mayShut) {
        s.t.shutdown(p.now);
        s.shut = true;
      }
    }
    p.run(p.now + 1 + Math.floor(rnd.next() * 3));
    for (const s of sides) pump(s);
    check('transfer');
  }
  // Both FINs are out; wait for TIME-WAIT to pass.
  p.run();
  for (const s of sides) pump(s);
  check('end');
  assert.equal(a.state, 'CLOSED', info);
  assert.equal(b.state, 'CLOSED', info);
  assert.ok(Buffer.from(A.got).equals(Buffer.from(B.out)), `${info}: b->a bytes differ`);
  assert.ok(Buffer.from(B.got).equals(Buffer.from(A.out)), `${info}: a->b bytes differ`);
  // Sequence numbers went around: SYN + data + FIN from each ISN, modulo 2^32.
  assert.equal(a.sndNxt, (c.issA + 1 + A.out.length + 1) % TWO32, info);
  assert.equal(a.sndUna, a.sndNxt, info);
  assert.equal(b.sndNxt, (c.issB + 1 + B.out.length + 1) % TWO32, info);
  assert.equal(a.rcvNxt, b.sndNxt, info);
  assert.equal(b.rcvNxt, a.sndNxt, info);
  // The first closer half-closed, kept reading in FIN-WAIT-2, waited in TIME-WAIT; its peer went
  // through CLOSE-WAIT and LAST-ACK.
  const trailFirst = stateTrail(first.evs);
  const trailSecond = stateTrail(second.evs);
  assert.deepEqual(trailFirst.slice(-2), ['TIME-WAIT', 'CLOSED'], `${info}: ${trailFirst}`);
  assert.ok(trailFirst.includes('FIN-WAIT-1'), `${info}: ${trailFirst}`);
  assert.deepEqual(trailSecond.slice(-3), ['CLOSE-WAIT', 'LAST-ACK', 'CLOSED'], `${info}: ${trailSecond}`);
  if (loss === 0) assert.ok(first.readAfterFinWait2 > 0, `${info}: the first closer read nothing while half-closed`);
  for (const s of sides) assert.deepEqual(s.evs.filter((e) => e.type === 'end').length, 1, `${info}: one end for ${s.name}`);
  if (loss > 0) {
    // Where a side's data crosses 2^32 well inside the transfer, retransmissions happened on both
    // sides of the wrap.
    for (const [s, iss] of [
      [A, c.issA],
      [B, c.issB],
    ] as const) {
      const wrapAt = TWO32 - iss; // offset from the ISN of sequence number 0
      if (wrapAt < 100_000 || wrapAt > s.out.length - 100_000) continue;
      const seen = new Set<number>();
      const offsets: number[] = [];
      for (const l of p.log) {
        if (l.from !== s.name || l.seg.payload.length === 0) continue;
        if (seen.has(l.seg.seq)) offsets.push((l.seg.seq - iss + TWO32) % TWO32);
        seen.add(l.seg.seq);
      }
      assert.ok(offsets.some((o) => o < wrapAt) && offsets.some((o) => o >= wrapAt), `${info}: ${s.name} retransmitted on both sides of the wrap`);
    }
    assert.ok(dropped > 50, `${info}: only ${dropped} segments dropped`);
    assert.ok(a.recovery.totalRetransmits + b.recovery.totalRetransmits + a.stats.RetransSegs + b.stats.RetransSegs > 0, info);
  }
}

const EDGE_ISNS = [TWO32 - 1, TWO32 - 2, 2 ** 31 - 1, 2 ** 31 - 2, TWO32 - 600_000, 0];

describe('lifecycle across the sequence wrap', () => {
  const cases: Case[] = [];
  let seed = 1;
  // Edge ISNs on each side, the other side random; each closes first once.
  for (const isn of EDGE_ISNS) {
    const r = new SeededRandom(seed * 1000);
    cases.push({ issA: isn, issB: r.nextUint32(), first: 'a', seed: seed++ });
    cases.push({ issA: r.nextUint32(), issB: isn, first: 'b', seed: seed++ });
  }
  cases.push({ issA: TWO32 - 1, issB: TWO32 - 2, first: 'a', seed: seed++ });
  cases.push({ issA: 2 ** 31 - 1, issB: TWO32 - 1, first: 'b', seed: seed++ });
  for (let i = 0; i < 4; i++) {
    const r = new SeededRandom(0xc0ffee + i);
    cases.push({ issA: r.nextUint32(), issB: r.nextUint32(), first: i % 2 ? 'a' : 'b', seed: seed++ });
  }
  for (const c of cases) {
    test(`plain: ${describeCase(c)}`, () => lifecycle(c));
  }

  const OPTIONS: Partial<TcpConfig> = { timestamps: true, windowScaling: true, sack: true, ackDelayMs: 40 };
  for (const [issA, issB, first] of [
    [TWO32 - 1, TWO32 - 2, 'a'],
    [TWO32 - 2, 2 ** 31 - 1, 'b'],
    [2 ** 31 - 2, TWO32 - 1, 'a'],
  ] as const) {
    const c: Case = { issA, issB, first, config: OPTIONS, seed: seed++, tsOffset: TWO32 - 1500 };
    test(`options on, TSval wrapping 1.5 s in: ${describeCase(c)}`, () => lifecycle(c));
  }
  for (let i = 0; i < 2; i++) {
    const r = new SeededRandom(0xbeef + i);
    const c: Case = { issA: r.nextUint32(), issB: r.nextUint32(), first: i ? 'a' : 'b', config: OPTIONS, seed: seed++ };
    test(`options on, random ISNs: ${describeCase(c)}`, () => lifecycle(c));
  }

  // A seeded loop: random ISNs (half of them within 2 MB below the wrap), options and loss.
  for (let i = 0; i < 8; i++) {
    const r = new SeededRandom(0x5a5a + i);
    const near = (): number => (r.next() < 0.5 ? TWO32 - 1 - Math.floor(r.next() * 2_000_000) : r.nextUint32());
    const c: Case = {
      issA: near(),
      issB: near(),
      first: r.next() < 0.5 ? 'a' : 'b',
      config: r.next() < 0.5 ? OPTIONS : {},
      loss: r.next() < 0.5 ? 0.05 : 0,
      seed: seed++,
      tsOffset: r.next() < 0.5 ? TWO32 - Math.floor(r.next() * 30_000) : r.nextUint32(),
      latency: 1 + Math.floor(r.next() * 30),
    };
    test(`random: ${describeCase(c)} latency=${c.latency}`, () => lifecycle(c));
  }

  for (const [issA, issB, first, config] of [
    [TWO32 - 1, TWO32 - 2, 'a', {}],
    [TWO32 - 600_000, 2 ** 31 - 1, 'b', {}],
    [TWO32 - 2, TWO32 - 300_000, 'a', OPTIONS],
    [2 ** 31 - 2, TWO32 - 1, 'b', OPTIONS],
  ] as const) {
    const c: Case = { issA, issB, first, config, loss: 0.05, seed: seed++, tsOffset: TWO32 - 20_000 };
    test(`5% loss both ways: ${describeCase(c)}`, () => lifecycle(c));
  }
});
