/**
 * The paths the proxy benchmark compares (src/bench/proxy.ts, kernel-path.ts), run small: the same
 * client and server through createProxy with 10 ms each way (a round trip takes at least 20 ms),
 * and, as root, through the kernel's path between two namespaces: 10 ms each way again, loss drawn
 * by the delay line's seeded generator, a 10 Mbit/s queue in the line that holds an upload to the
 * rate, and the namespaces gone afterwards, also when making the path fails half way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { client, throughKernel, throughProxy, type Bulk } from '../../src/bench/proxy.js';
import { kernelPathUnavailableReason, makeKernelPath, removeStaleNamespaces } from '../../src/bench/kernel-path.js';
import { percentile } from '../../src/bench/proxy-peer.js';
import { tunUnavailableReason } from '../../src/link/tun.js';
import { ALL_SUITES } from '../../src/bench/index.js';

const skipKernel = kernelPathUnavailableReason() ?? tunUnavailableReason() ?? false;

function benchNamespaces(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`synack-pb${process.pid}-`));
}

test('npm run bench has the proxy rows: overhead beside loopback, and each impaired path beside the kernel', () => {
  const names = ALL_SUITES.flatMap((s) => s.cases.map((c) => c.name));
  for (const n of [
    'proxy-overhead-bulk-256MiB',
    'proxy-overhead-rr-p50',
    'proxy-overhead-rr-p99',
    'proxy-overhead-connect-rr-p50',
    'proxy-overhead-connect-rr-p99',
    'proxy-vs-kernel-rtt50ms-loss1pct-goodput',
    'proxy-vs-kernel-rtt50ms-loss1pct-rr-p99',
    'proxy-vs-kernel-10mbit-q100ms-goodput',
    'proxy-vs-kernel-10mbit-q100ms-loaded-rr-p50',
    'proxy-vs-kernel-10mbit-q100ms-pathqueue-loaded-rr-p99',
  ]) {
    assert.ok(names.includes(n), `${n} is not a bench row`);
  }
});

test('through the proxy with 10 ms each way: bytes arrive counted, and no round trip is shorter than 20 ms', async () => {
  await throughProxy(1, { delayMs: 10 }, async (e) => {
    const b = await client<Bulk>(e, 'bulk', 1_000_000, 20);
    assert.equal(b.bytes, 1_000_000);
    const { ms } = await client<{ ms: number[] }>(e, 'rr', 10);
    assert.equal(ms.length, 10);
    assert.ok(Math.min(...ms) >= 20, `a round trip took ${Math.min(...ms)} ms`);
  });
});

test('the kernel path: 10 ms each way through the delay line, and its namespaces removed after', { skip: skipKernel }, async () => {
  await throughKernel({ delayMs: 10, loss: 0, seed: 1 }, async (e, path) => {
    assert.ok(path.describe.includes('10'), path.describe);
    assert.equal(benchNamespaces().length, 2);
    const { ms } = await client<{ ms: number[] }>(e, 'rr', 10);
    assert.equal(ms.length, 10);
    // 20 ms of delay each round trip (the line's timers fire at or after their time).
    assert.ok(percentile(ms, 0.5) >= 19.5, `p50 ${percentile(ms, 0.5)} ms`);
  });
  assert.deepEqual(benchNamespaces(), []);
});

test('the kernel path: a queue in the line holds an upload to 10 Mbit/s; loss is drawn and counted', { skip: skipKernel }, async () => {
  await throughKernel({ delayMs: 1, loss: 0.02, rateBps: 10e6, queueBytes: 125_000, queueAt: 'path', seed: 7 }, async (e, path) => {
    const bytes = 1_250_000; // 1 s at 10 Mbit/s
    const b = await client<Bulk>(e, 'bulk', bytes, 30);
    assert.equal(b.bytes, bytes);
    assert.ok(b.seconds >= 1, `${bytes} bytes took ${b.seconds} s, faster than 10 Mbit/s`);
    const st = path.stats();
    assert.ok(st.dropped > 0 && st.dropped < st.carried / 10, JSON.stringify(st));
  });
});

test('the kernel path: when making it fails half way, nothing is left behind', { skip: skipKernel }, () => {
  // tbf refuses a zero rate, after both namespaces and devices exist.
  assert.throws(() => makeKernelPath({ delayMs: 1, loss: 0, rateBps: 0, queueBytes: 1000, seed: 1 }, { preferNetem: false }), /tbf/);
  assert.deepEqual(benchNamespaces(), []);
});

test("stale namespaces: a dead run's are removed by name, a live one's kept", { skip: skipKernel }, () => {
  // A pid above the kernel's pid_max (4,194,304 at most) belongs to no process.
  const dead = 'synack-pb4999999-1-c';
  const mine = `synack-pb${process.pid}-x-c`;
  assert.equal(spawnSync('ip', ['netns', 'add', dead]).status, 0);
  assert.equal(spawnSync('ip', ['netns', 'add', mine]).status, 0);
  try {
    const removed = removeStaleNamespaces();
    assert.ok(removed.includes(dead));
    assert.ok(!removed.includes(mine));
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    assert.ok(!left.includes(dead));
    assert.ok(left.includes(mine));
  } finally {
    spawnSync('ip', ['netns', 'del', dead]);
    spawnSync('ip', ['netns', 'del', mine]);
  }
});
