/**
 * What the proxy carries at its edges, each way: a half-close (end -> FIN -> end, the other direction
 * still flowing), a reset (resetAndDestroy -> RST -> ECONNRESET), an upstream that refuses or never
 * answers (the client is reset, one log line), and a partition shorter than the user timeout (the
 * bytes arrive, late). Waits are on events, each with a bound of wall time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createProxy } from '../../src/workloads/proxy/index.js';
import { bytes, closeServer, collect, connectTo, loopbackServer, sha256, within } from './proxy-helpers.js';

/** The upstream's sockets, as they are accepted. */
async function upstreamServer() {
  const accepted: net.Socket[] = [];
  const waiters: Array<(s: net.Socket) => void> = [];
  const { server, port } = await loopbackServer((s) => {
    const w = waiters.shift();
    if (w) w(s);
    else accepted.push(s);
  });
  const next = () => (accepted.length > 0 ? Promise.resolve(accepted.shift()!) : new Promise<net.Socket>((resolve) => waiters.push(resolve)));
  return { server, port, next };
}

test('client half-close: the upstream sees end, then its answer still reaches the client', async () => {
  const up = await upstreamServer();
  const proxy = await createProxy({ upstream: `127.0.0.1:${up.port}`, seed: 11, link: { delayMs: 5 } });
  try {
    const c = await connectTo(proxy.address!.port);
    const s = await within(up.next(), 5_000, 'upstream accept');
    const atUpstream = collect(s);
    c.end('question');
    const r = await within(atUpstream, 5_000, 'the upstream reads to end');
    assert.ok(r.ended);
    assert.equal(r.data.toString(), 'question');
    // Half-closed: the upstream still writes, the client still reads.
    const atClient = collect(c);
    s.end('answer after your FIN');
    const back = await within(atClient, 5_000, 'the client reads to end');
    assert.ok(back.ended);
    assert.equal(back.data.toString(), 'answer after your FIN');
  } finally {
    await proxy.close();
    await closeServer(up.server);
  }
});

test('upstream half-close: the client sees end, then its data still reaches the upstream', async () => {
  const up = await upstreamServer();
  const proxy = await createProxy({ upstream: `127.0.0.1:${up.port}`, seed: 12, link: { delayMs: 5 } });
  try {
    const c = await connectTo(proxy.address!.port);
    const s = await within(up.next(), 5_000, 'upstream accept');
    const atClient = collect(c);
    s.end('banner');
    const r = await within(atClient, 5_000, 'the client reads to end');
    assert.ok(r.ended);
    assert.equal(r.data.toString(), 'banner');
    const atUpstream = collect(s);
    c.end('late upload');
    const back = await within(atUpstream, 5_000, 'the upstream reads to end');
    assert.ok(back.ended);
    assert.equal(back.data.toString(), 'late upload');
  } finally {
    await proxy.close();
    await closeServer(up.server);
  }
});

test('client reset: the upstream gets ECONNRESET', async () => {
  const up = await upstreamServer();
  const proxy = await createProxy({ upstream: `127.0.0.1:${up.port}`, seed: 13, link: { delayMs: 5 } });
  try {
    const c = await connectTo(proxy.address!.port);
    const s = await within(up.next(), 5_000, 'upstream accept');
    c.write('x');
    await within(once(s, 'data'), 5_000, 'first byte at the upstream');
    const end = collect(s);
    c.resetAndDestroy();
    const r = await within(end, 5_000, 'the upstream sees the reset');
    assert.equal(r.error?.code, 'ECONNRESET', `the upstream's socket ended with ${r.error?.code ?? (r.ended ? 'end' : 'close')}`);
  } finally {
    await proxy.close();
    await closeServer(up.server);
  }
});

test('upstream reset: the client gets ECONNRESET', async () => {
  const up = await upstreamServer();
  const proxy = await createProxy({ upstream: `127.0.0.1:${up.port}`, seed: 14, link: { delayMs: 5 } });
  try {
    const c = await connectTo(proxy.address!.port);
    const s = await within(up.next(), 5_000, 'upstream accept');
    s.write('y');
    await within(once(c, 'data'), 5_000, 'first byte at the client');
    const end = collect(c);
    s.resetAndDestroy();
    const r = await within(end, 5_000, 'the client sees the reset');
    assert.equal(r.error?.code, 'ECONNRESET', `the client's socket ended with ${r.error?.code ?? (r.ended ? 'end' : 'close')}`);
  } finally {
    await proxy.close();
    await closeServer(up.server);
  }
});

test('an upstream that refuses: the client is reset, with one log line, and the proxy serves on', async () => {
  // A port nobody listens on: bind one, then close it.
  const { server: gone, port: deadPort } = await loopbackServer(() => undefined);
  await closeServer(gone);
  const lines: string[] = [];
  const proxy = await createProxy({ upstream: `127.0.0.1:${deadPort}`, seed: 15, link: { delayMs: 2 }, log: (l) => lines.push(l) });
  try {
    for (let i = 0; i < 2; i++) {
      const c = await connectTo(proxy.address!.port);
      const r = await within(collect(c), 5_000, 'the client sees the refusal');
      assert.equal(r.error?.code, 'ECONNRESET', `connection ${i}: ended with ${r.error?.code ?? (r.ended ? 'end' : 'close')}`);
    }
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], new RegExp(`upstream 127\\.0\\.0\\.1:${deadPort} refused the connection \\(ECONNREFUSED\\); client 127\\.0\\.0\\.1:\\d+ \\(connection 1\\) reset`));
    assert.equal(proxy.upstreamFailures, 2);
  } finally {
    await proxy.close();
  }
});

test('an upstream that never answers: the client is reset after upstreamTimeoutMs, with one log line', async () => {
  // A listener that never accepts (python's listen(0), nobody calling accept): once its accept
  // queue is full, the kernel drops further SYNs and a connect waits.
  const child = spawn('python3', ['-c', 'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const fillers: net.Socket[] = [];
  const lines: string[] = [];
  try {
    const [line] = (await within(once(createInterface({ input: child.stdout! }), 'line'), 10_000, 'python listener')) as [string];
    const port = Number(line);
    // Fill the accept queue: connections complete until it is full, then a SYN goes unanswered.
    let full = false;
    for (let i = 0; i < 8 && !full; i++) {
      const f = net.connect({ host: '127.0.0.1', port });
      f.on('error', () => undefined);
      fillers.push(f);
      full = !(await Promise.race([once(f, 'connect').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 300))]));
    }
    assert.ok(full, 'the accept queue of a listener nobody accepts from filled up within 8 connections');
    const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed: 16, link: { delayMs: 2 }, upstreamTimeoutMs: 300, log: (l) => lines.push(l) });
    try {
      const c = await connectTo(proxy.address!.port);
      const r = await within(collect(c), 5_000, 'the client sees the timeout');
      assert.equal(r.error?.code, 'ECONNRESET', `ended with ${r.error?.code ?? (r.ended ? 'end' : 'close')}`);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], /did not answer within 300 ms; client .* reset/);
    } finally {
      await proxy.close();
    }
  } finally {
    for (const f of fillers) f.destroy();
    child.stdin!.end();
    child.kill();
  }
});

test('a partition shorter than the user timeout: every byte arrives, after it', async () => {
  const seed = 17;
  const data = bytes(2_000_000, seed);
  const up = await upstreamServer();
  const proxy = await createProxy({ upstream: `127.0.0.1:${up.port}`, seed, link: { delayMs: 5, rateBps: 50e6 }, tcp: { userTimeoutMs: 10_000 } });
  try {
    const c = await connectTo(proxy.address!.port);
    const closed = collect(c);
    const s = await within(up.next(), 5_000, 'upstream accept');
    const got = collect(s);
    c.end(data);
    // The partition starts once the first bytes are through.
    await within(once(s, 'data'), 5_000, 'first bytes');
    proxy.partition(1_500);
    const r = await within(got, 30_000, `seed ${seed}: the upstream reads to end`);
    assert.ok(r.ended, `seed ${seed}`);
    assert.equal(sha256(r.data), sha256(data), `seed ${seed}: ${r.data.length} of ${data.length} bytes`);
    assert.ok(proxy.link.stats.downDrops > 0, `seed ${seed}: the partition dropped packets`);
    assert.ok(proxy.stats()[0].retransmissions > 0, `seed ${seed}: TCP retransmitted across the partition`);
    s.end();
    assert.ok((await within(closed, 5_000, 'the client reads to end')).ended);
  } finally {
    await proxy.close();
    await closeServer(up.server);
  }
});
