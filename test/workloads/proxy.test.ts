/**
 * The proxy on loopback: real Node sockets at both ends, synack's TCP across the simulated path.
 * Every wait is on an event (data, 'end', 'close', an error) with a bound of wall time; the seed of
 * the path is in each failure's message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { createProxy } from '../../src/workloads/proxy/index.js';
import { bytes, closeServer, collect, connectTo, loopbackServer, sha256, within } from './proxy-helpers.js';

/** An upstream that reads everything, answers with `reply` and half-closes; reports what it read. */
async function sinkAndReply(reply: Buffer) {
  const received: Array<Promise<Buffer>> = [];
  const { server, port } = await loopbackServer((s) => {
    received.push(
      collect(s).then((r) => {
        return r.data;
      }),
    );
    s.end(reply);
  });
  return { server, port, received };
}

for (const [label, link, seed] of [
  ['no impairment', {}, 1],
  ['2% loss each way', { delayMs: 5, loss: 0.02 }, 2],
  ['10% reordering with jitter', { delayMs: 5, jitterMs: 3, reorder: 0.1 }, 3],
  ['1% duplication and 1% corruption', { delayMs: 2, duplicate: 0.01, corrupt: 0.01 }, 4],
  ['burst loss', { delayMs: 3, burstEnter: 0.005, burstExit: 0.3 }, 5],
  ['MTU 1000, a 20 Mbit/s bottleneck with a 30 KB drop-tail queue', { delayMs: 2, mtu: 1000, rateBps: 20e6, queueBytes: 30_000 }, 6],
] as const) {
  test(`bytes cross byte-exact both ways, with half-closes: ${label}`, async () => {
    const up = bytes(300_000, seed);
    const down = bytes(500_000, seed + 100);
    const upstream = await sinkAndReply(down);
    const proxy = await createProxy({ upstream: `127.0.0.1:${upstream.port}`, seed, link });
    try {
      const c = await connectTo(proxy.address!.port);
      const got = collect(c);
      c.end(up);
      const r = await within(got, 30_000, `seed ${seed}: the client's read`);
      assert.ok(r.ended, `seed ${seed}: the client saw 'end' (the upstream's FIN)`);
      assert.equal(sha256(r.data), sha256(down), `seed ${seed}: ${r.data.length} of ${down.length} bytes down`);
      const atUpstream = await within(upstream.received[0], 30_000, `seed ${seed}: the upstream's read`);
      assert.equal(sha256(atUpstream), sha256(up), `seed ${seed}: ${atUpstream.length} of ${up.length} bytes up`);
      const s = proxy.stats()[0];
      assert.ok(s.bytesUp === up.length && s.bytesDown === down.length, `seed ${seed}: stats ${JSON.stringify(s)}`);
      // Every retransmitted segment counts, those of fast retransmit and SACK recovery as well as
      // the timer's: at 2% loss each way, some data was lost and sent again.
      if ('loss' in link) assert.ok(s.retransmissions > 0, `seed ${seed}: ${proxy.link.stats.lost} packets lost, stats ${JSON.stringify(s)}`);
      // Full-size packets met the small MTU (path MTU discovery took over) and the queue overflowed.
      if ('mtu' in link) assert.ok(proxy.link.stats.tooBig > 0 && proxy.link.stats.queueDrops > 0, `seed ${seed}: ${JSON.stringify(proxy.link.stats)}`);
    } finally {
      await proxy.close();
      await closeServer(upstream.server);
    }
  });
}

/** One echo round trip through the proxy: resolves with the wall ms from connect to the answer. */
async function echoRoundTrip(port: number): Promise<number> {
  const c = net.connect({ host: '127.0.0.1', port });
  const t0 = performance.now();
  await within(
    new Promise<void>((resolve, reject) => {
      c.on('connect', () => c.write('x'));
      c.once('data', () => resolve());
      c.on('error', reject);
    }),
    10_000,
    'echo',
  );
  c.destroy();
  return performance.now() - t0;
}

test('a profile sets each direction, the options go over it, and a schedule step applies at its time', async () => {
  const { server, port } = await loopbackServer((s) => s.on('error', () => undefined).pipe(s));
  const proxy = await createProxy({
    upstream: `127.0.0.1:${port}`,
    profile: 'satellite',
    downstreamLink: { loss: 0.001 },
    schedule: [{ atMs: 0, link: { delayMs: 40, rateBps: Infinity } }],
  });
  try {
    // Before the step: RFC 2488's 279 ms each way, 1 Mbit/s up and 10 Mbit/s down, and the option's loss.
    const up0 = proxy.link.profiles[0];
    assert.ok(up0.delayMs === 279 && up0.rateBps === 1e6, JSON.stringify(up0));
    assert.equal(proxy.link.profiles[1].loss, 0.001);
    // The step at 0 ms runs as the path starts: 40 ms each way from then on (a connect and an echo: 2 RTTs).
    const ms = await echoRoundTrip(proxy.address!.port);
    assert.ok(ms >= 160 && ms < 1_000, `two round trips of 80 ms took ${ms} ms`);
    assert.equal(proxy.linkProfiles().upstream.delayMs, 40);
    assert.equal(proxy.linkProfiles().downstream.loss, 0.001, 'a step changes only what it names');
  } finally {
    await proxy.close();
    await closeServer(server);
  }
});

test('trace: a connection\'s ladder, as text and as the explorer\'s JSON', async () => {
  const { server, port } = await loopbackServer((s) => s.on('error', () => undefined).pipe(s));
  const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, link: { delayMs: 2 }, trace: true });
  try {
    await echoRoundTrip(proxy.address!.port);
    const text = proxy.ladder(1, 'text')!;
    assert.match(text, /SYN/);
    assert.match(text, /198\.18\.0\.1/);
    const json = JSON.parse(proxy.ladder(1, 'json')!) as { events: Array<{ kind: string }> };
    assert.ok(json.events.some((e) => e.kind === 'segment'), 'segments in the JSON');
    assert.equal(proxy.ladder(99), undefined, 'no such connection');
  } finally {
    await proxy.close();
    await closeServer(server);
  }
});

test('enabled: false makes a proxy that does not listen until listen()', async () => {
  const { server, port } = await loopbackServer((s) => s.on('error', () => undefined).pipe(s));
  const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, enabled: false });
  try {
    assert.equal(proxy.enabled, false);
    assert.equal(proxy.address, undefined);
    await proxy.listen();
    assert.ok((await echoRoundTrip(proxy.address!.port)) >= 0);
  } finally {
    await proxy.close();
    await closeServer(server);
  }
});

test('the proxy\'s stacks relay at once (Nagle off, PROXY_TCP) unless tcp says otherwise', async () => {
  const { server, port } = await loopbackServer((s) => s.on('error', () => undefined).pipe(s));
  const relay = await createProxy({ upstream: `127.0.0.1:${port}`, enabled: false });
  const nagle = await createProxy({ upstream: `127.0.0.1:${port}`, enabled: false, tcp: { noDelay: false, userTimeoutMs: 5000 } });
  try {
    for (const h of [relay.near, relay.far]) assert.equal(h.stack.config.noDelay, true, `${h.name}: noDelay by default`);
    for (const h of [nagle.near, nagle.far]) {
      assert.equal(h.stack.config.noDelay, false, `${h.name}: tcp.noDelay false is kept`);
      assert.equal(h.stack.config.userTimeoutMs, 5000, `${h.name}: other tcp settings apply too`);
    }
  } finally {
    await relay.close();
    await nagle.close();
    await closeServer(server);
  }
});

test('bad options are refused with a clear error', async () => {
  await assert.rejects(createProxy({ upstream: 'no-port' }), /upstream must be HOST:PORT/);
  await assert.rejects(createProxy({ upstream: '127.0.0.1:1', profile: 'moon' }), /unknown profile 'moon'; known profiles: slow-3g/);
  await assert.rejects(createProxy({ upstream: '127.0.0.1:1', link: { loss: 2 } }), RangeError);
  await assert.rejects(createProxy({ upstream: '127.0.0.1:1', link: { dealyMs: 5 } as never }), /did you mean 'delayMs'/);
  await assert.rejects(createProxy({ upstream: '127.0.0.1:1', schedule: [{ atMs: -1 }] }), /atMs/);
});

/**
 * The fates (delivered '.', lost 'x') of the first `n` packets on the path while one upload crosses
 * it. Each packet meets one draw of the seeded generator (loss alone is set), so the pattern depends
 * on the seed only, not on how the wall clock times the packets.
 */
async function lossPattern(seed: number, n: number): Promise<string> {
  const { server, port } = await loopbackServer((s) => {
    s.on('error', () => undefined);
    s.resume();
    s.on('end', () => s.end());
  });
  const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed, link: { delayMs: 1, loss: 0.1 } });
  const fates: string[] = [];
  const lost = new Set<number>();
  proxy.link.tap(() => fates.push('.'));
  proxy.link.tapDrops((_p, _t, _f, reason) => {
    if (reason === 'loss') lost.add(fates.length - 1);
  });
  try {
    const c = await connectTo(proxy.address!.port);
    const done = collect(c);
    c.end(bytes(400_000, seed));
    await within(done, 30_000, `seed ${seed}: the upload crosses 10% loss`);
  } finally {
    await proxy.close();
    await closeServer(server);
  }
  assert.ok(fates.length >= n, `seed ${seed}: only ${fates.length} packets on the path`);
  return fates.slice(0, n).map((f, i) => (lost.has(i) ? 'x' : f)).join('');
}

test('--seed: the same seed loses the same packets; another seed, others', async () => {
  const a = await lossPattern(7, 150);
  const b = await lossPattern(7, 150);
  const c = await lossPattern(8, 150);
  assert.equal(a, b, 'seed 7 twice');
  assert.ok(a.includes('x'), `seed 7 lost nothing in 150 packets at 10%: ${a}`);
  assert.notEqual(a, c, 'seeds 7 and 8');
});

test('a schedule step applies at its time, not before', async () => {
  const { server, port } = await loopbackServer((s) => s.on('error', () => undefined).pipe(s));
  const stepAt = 400;
  const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, link: { delayMs: 1 }, schedule: [{ atMs: stepAt, link: { delayMs: 60 } }] });
  const started = performance.now();
  try {
    // Round trips until the step has applied (each waits on its answer; at most 100 of them).
    const before: number[] = [];
    for (let i = 0; i < 100 && proxy.linkProfiles().upstream.delayMs === 1; i++) {
      const ms = await echoRoundTrip(proxy.address!.port);
      if (proxy.linkProfiles().upstream.delayMs === 1) before.push(ms);
    }
    const appliedBy = performance.now() - started;
    assert.equal(proxy.linkProfiles().upstream.delayMs, 60, 'the step applied within 100 round trips');
    assert.ok(appliedBy >= stepAt - 5, `applied ${appliedBy.toFixed(0)} ms after the start, before its ${stepAt} ms`);
    assert.ok(before.length > 0 && Math.min(...before) < 60, `round trips before the step (1 ms each way): ${before.map((m) => m.toFixed(1)).join(', ')}`);
    const after = await echoRoundTrip(proxy.address!.port);
    assert.ok(after >= 240, `a connect and an echo at 60 ms each way took ${after.toFixed(0)} ms`);
    assert.equal(proxy.linkProfiles().downstream.delayMs, 60, '`link` is both directions');
  } finally {
    await proxy.close();
    await closeServer(server);
  }
});
