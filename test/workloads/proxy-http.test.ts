/**
 * Real HTTP through the proxy: Node's http client and curl against a Node http server, byte-exact
 * under loss, reordering and a short partition. Bodies are deterministic bytes; each response's
 * sha256 is checked against the one the server sent. Seeds are in the messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { createProxy } from '../../src/workloads/proxy/index.js';
import { bytes, sha256, within } from './proxy-helpers.js';

/**
 * A server answering GET /N with N deterministic bytes and POST with the sha256 of the body;
 * `beforeAnswer` runs as a GET's answer is about to be written.
 */
async function httpServer(beforeAnswer?: () => void) {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(sha256(Buffer.concat(chunks))));
      return;
    }
    const n = Number(req.url!.slice(1));
    res.setHeader('content-type', 'application/octet-stream');
    beforeAnswer?.();
    res.end(bytes(n, n));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

function get(port: number, path: string, agent: http.Agent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function post(port: number, body: Buffer, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', method: 'POST', agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const IMPAIRED = [
  ['3% loss', { delayMs: 5, loss: 0.03 }, 31],
  ['20% reordering', { delayMs: 5, jitterMs: 2, reorder: 0.2 }, 32],
] as const;

for (const [label, link, seed] of IMPAIRED) {
  test(`Node's http through the proxy, byte-exact: ${label}`, async () => {
    const { server, port } = await httpServer();
    const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed, link });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const sizes = [0, 1, 1460, 65_536, 300_000, 1_000_000];
      const bodies = await within(Promise.all(sizes.map((n) => get(proxy.address!.port, `/${n}`, agent))), 60_000, `seed ${seed}: GETs`);
      sizes.forEach((n, i) => assert.equal(sha256(bodies[i]), sha256(bytes(n, n)), `seed ${seed}: GET /${n} gave ${bodies[i].length} bytes`));
      const upload = bytes(500_000, seed);
      assert.equal(await within(post(proxy.address!.port, upload, agent), 30_000, `seed ${seed}: POST`), sha256(upload), `seed ${seed}: POST body`);
      assert.ok(proxy.link.stats.lost + proxy.link.stats.reordered > 0, `seed ${seed}: the path did impair`);
    } finally {
      agent.destroy();
      await proxy.close();
      server.close();
    }
  });
}

test("Node's http through the proxy across a partition shorter than the user timeout", async () => {
  const seed = 33;
  const { server, port } = await httpServer();
  const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed, link: { delayMs: 5, rateBps: 20e6 }, tcp: { userTimeoutMs: 10_000 } });
  const agent = new http.Agent({ keepAlive: true });
  try {
    // The path is cut for a second as the response's first bytes arrive.
    const pending = new Promise<Buffer>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: proxy.address!.port, path: '/2000000', agent }, (res) => {
          const chunks: Buffer[] = [];
          res.once('data', () => proxy.partition(1_000));
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    const body = await within(pending, 30_000, `seed ${seed}: GET across the partition`);
    assert.equal(sha256(body), sha256(bytes(2_000_000, 2_000_000)), `seed ${seed}: ${body.length} bytes`);
    assert.ok(proxy.link.stats.downDrops > 0, `seed ${seed}: the partition dropped packets`);
  } finally {
    agent.destroy();
    await proxy.close();
    server.close();
  }
});

/** curl GET /n through the proxy: resolves with the body once curl exits 0. */
async function curlGet(port: number, n: number, seed: number): Promise<Buffer> {
  const curl = spawn('curl', ['-sS', '--max-time', '60', `http://127.0.0.1:${port}/${n}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  curl.stdout.on('data', (c: Buffer) => out.push(c));
  curl.stderr.on('data', (c: Buffer) => (err += c));
  const [code] = (await within(once(curl, 'close'), 70_000, `seed ${seed}: curl`)) as [number];
  assert.equal(code, 0, `seed ${seed}: curl exited ${code}: ${err}`);
  return Buffer.concat(out);
}

for (const [label, link, seed] of [
  ['2% loss', { delayMs: 5, loss: 0.02 }, 34],
  ['10% reordering', { delayMs: 5, jitterMs: 2, reorder: 0.1 }, 35],
  ['loss and reordering', { delayMs: 5, loss: 0.02, reorder: 0.05, jitterMs: 2 }, 36],
] as const) {
  test(`curl through the proxy, byte-exact: ${label}`, async () => {
    const { server, port } = await httpServer();
    const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed, link });
    try {
      const n = 1_500_000;
      const body = await curlGet(proxy.address!.port, n, seed);
      assert.equal(sha256(body), sha256(bytes(n, n)), `seed ${seed}: ${body.length} bytes`);
      assert.ok(proxy.link.stats.lost + proxy.link.stats.reordered > 0, `seed ${seed}: the path did impair`);
    } finally {
      await proxy.close();
      server.close();
    }
  });
}

test('curl through the proxy across a partition shorter than the user timeout', async () => {
  const seed = 37;
  let cut = () => undefined as void;
  const { server, port } = await httpServer(() => cut());
  const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed, link: { delayMs: 5, rateBps: 20e6 }, tcp: { userTimeoutMs: 10_000 } });
  // The path is down for 1.5 s from the moment the server starts its answer.
  cut = () => proxy.partition(1_500);
  try {
    const n = 2_000_000;
    const started = performance.now();
    const body = await curlGet(proxy.address!.port, n, seed);
    assert.equal(sha256(body), sha256(bytes(n, n)), `seed ${seed}: ${body.length} bytes`);
    assert.ok(proxy.link.stats.downDrops > 0, `seed ${seed}: the partition dropped packets`);
    assert.ok(proxy.stats()[0].retransmissions > 0, `seed ${seed}: TCP retransmitted across the partition`);
    assert.ok(performance.now() - started >= 1_500, 'the answer waited out the partition');
  } finally {
    await proxy.close();
    server.close();
  }
});
