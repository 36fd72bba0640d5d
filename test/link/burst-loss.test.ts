/**
 * Burst loss by the Gilbert-Elliott model (LinkProfile.burstEnter/burstExit/burstLoss/goodLoss, as
 * netem's `loss gemodel p r 1-h 1-k`). The expectations come from the two-state Markov chain, not from
 * the code: the bad state's share of packets is pi_B = p/(p+r), the loss rate pi_G*(1-k) + pi_B*(1-h),
 * and with 1-h = 1, 1-k = 0 a run of losses is a stay in the bad state, geometric with mean 1/r
 * (and a run of deliveries has mean 1/p). Seeded; the seed is in every message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork, type LinkProfile } from '../../src/link/sim.js';

/** Send `n` packets one way and return, per packet, whether the link lost it. */
function lossPattern(seed: number, n: number, profile: Partial<LinkProfile>): boolean[] {
  const net = new SimNetwork(seed);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  const link = net.link(a, b, profile);
  const lost: boolean[] = [];
  let current = false;
  link.tapDrops((_p, _t, _f, reason) => {
    if (reason === 'loss') current = true;
  });
  // A bare IPv4 header to 198.18.0.2: the receiver drops it, the link counts it like any packet.
  const packet = new Uint8Array(20);
  packet[0] = 0x45;
  packet.set([198, 18, 0, 2], 16);
  for (let i = 0; i < n; i++) {
    current = false;
    link.send(a, packet);
    lost.push(current);
  }
  return lost;
}

function runs(pattern: boolean[], value: boolean): number[] {
  const out: number[] = [];
  let len = 0;
  for (const x of pattern) {
    if (x === value) len++;
    else if (len > 0) {
      out.push(len);
      len = 0;
    }
  }
  if (len > 0) out.push(len);
  return out;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

test('simple Gilbert (1-h = 1, 1-k = 0): loss rate p/(p+r), bursts of mean 1/r, gaps of mean 1/p', () => {
  const seed = 19;
  const p = 0.01;
  const r = 0.25;
  const pattern = lossPattern(seed, 400_000, { burstEnter: p, burstExit: r });
  const rate = pattern.filter(Boolean).length / pattern.length;
  const expected = p / (p + r); // 3.85%
  assert.ok(Math.abs(rate - expected) / expected < 0.06, `seed ${seed}: loss rate ${rate}, model ${expected}`);
  const bursts = mean(runs(pattern, true));
  assert.ok(Math.abs(bursts - 1 / r) / (1 / r) < 0.06, `seed ${seed}: mean burst ${bursts}, model ${1 / r}`);
  const gaps = mean(runs(pattern, false));
  assert.ok(Math.abs(gaps - 1 / p) / (1 / p) < 0.08, `seed ${seed}: mean gap ${gaps}, model ${1 / p}`);
});

test('full Gilbert-Elliott (1-h = 0.5, 1-k = 0.005): loss rate (r(1-k) + p(1-h))/(p+r)', () => {
  const seed = 7;
  const [p, r, lossBad, lossGood] = [0.02, 0.1, 0.5, 0.005];
  const pattern = lossPattern(seed, 400_000, { burstEnter: p, burstExit: r, burstLoss: lossBad, goodLoss: lossGood });
  const rate = pattern.filter(Boolean).length / pattern.length;
  const expected = (r * lossGood + p * lossBad) / (p + r); // 8.75%
  assert.ok(Math.abs(rate - expected) / expected < 0.06, `seed ${seed}: loss rate ${rate}, model ${expected}`);
});

test('burst loss is reproducible from the seed and off by default', () => {
  const a = lossPattern(3, 5_000, { burstEnter: 0.05, burstExit: 0.3 });
  const b = lossPattern(3, 5_000, { burstEnter: 0.05, burstExit: 0.3 });
  assert.deepEqual(a, b);
  assert.equal(lossPattern(3, 5_000, {}).filter(Boolean).length, 0);
});

test('burst settings are checked like the others', () => {
  const net = new SimNetwork(1);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  assert.throws(() => net.link(a, b, { burstEnter: 1.5 }), RangeError);
  assert.throws(() => net.link(a, b, { burstExit: 0 }), /bad state must be able to end/);
});

test('setProfile changes one direction from now on', () => {
  const net = new SimNetwork(1);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  const link = net.link(a, b, { delayMs: 5 });
  link.setProfile(1, { delayMs: 50, loss: 0.5 });
  assert.equal(link.profiles[0].delayMs, 5);
  assert.equal(link.profiles[1].delayMs, 50);
  assert.equal(link.profiles[1].loss, 0.5);
  assert.throws(() => link.setProfile(0, { loss: 2 }), RangeError);
});
