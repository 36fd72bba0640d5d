/**
 * The toxiproxy-compatible API, driven by toxiproxy-node-client (an independent client from the npm
 * registry) for proxies and toxics, including its error cases; then raw requests that are wrong in
 * every way we could think of, each answered with toxiproxy's error shape, the proxy serving on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Toxiproxy, ToxiproxyError, type ICreateToxicBody } from 'toxiproxy-node-client';
import { startApi, type ToxiproxyApi } from '../../src/workloads/proxy/index.js';
import { closeServer, collect, loopbackServer, within } from './proxy-helpers.js';

async function echoServer() {
  return loopbackServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

/** One round trip through an echo at `port`: resolves with the wall ms it took. */
async function echoOnce(port: number, text = 'ping'): Promise<number> {
  const c = net.connect({ host: '127.0.0.1', port });
  const t0 = performance.now();
  await once(c, 'connect');
  c.write(text);
  let got = '';
  await within(
    new Promise<void>((resolve, reject) => {
      c.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.length >= text.length) resolve();
      });
      c.on('error', reject);
    }),
    10_000,
    'echo',
  );
  const ms = performance.now() - t0;
  assert.equal(got, text);
  c.destroy();
  return ms;
}

async function rejectsWith(p: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof ToxiproxyError && e.message === `Request failed with status code ${status}`);
}

async function withApi(fn: (api: ToxiproxyApi, client: Toxiproxy, upstreamPort: number) => Promise<void>): Promise<void> {
  const { server, port } = await echoServer();
  const api = await startApi({ listen: '127.0.0.1:0', version: 'synack-test', defaults: { seed: 41, link: { delayMs: 1 } } });
  try {
    await fn(api, new Toxiproxy(`http://127.0.0.1:${api.address!.port}`), port);
  } finally {
    await api.close();
    await closeServer(server);
  }
}

test('toxiproxy-node-client: proxies are created, listed, read, disabled, enabled, populated and removed', () =>
  withApi(async (_api, client, upstreamPort) => {
    const proxy = await client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
    assert.equal(proxy.name, 'echo');
    assert.equal(proxy.enabled, true);
    assert.equal(proxy.upstream, `127.0.0.1:${upstreamPort}`);
    const port = portOf(proxy.listen);
    assert.ok(port > 0, proxy.listen);
    await echoOnce(port);

    assert.deepEqual(Object.keys(await client.getAll()), ['echo']);
    assert.equal((await client.get('echo')).listen, proxy.listen);
    assert.match(await client.getVersion(), /synack-test/);

    // enabled=false cuts the proxy: nothing listens; enabled=true brings it back.
    const off = await proxy.update({ listen: proxy.listen, upstream: proxy.upstream, enabled: false });
    assert.equal(off.enabled, false);
    const refused = net.connect({ host: '127.0.0.1', port });
    const r = await within(collect(refused), 5_000, 'connect to a disabled proxy');
    assert.equal(r.error?.code, 'ECONNREFUSED');
    const on = await proxy.update({ listen: proxy.listen, upstream: proxy.upstream, enabled: true });
    assert.equal(on.enabled, true);
    await echoOnce(portOf(on.listen));

    const populated = await client.populate([
      { name: 'echo', listen: proxy.listen, upstream: proxy.upstream },
      { name: 'second', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` },
    ]);
    assert.deepEqual(Object.keys(populated).sort(), ['echo', 'second']);
    await echoOnce(portOf(populated.second.listen));

    await populated.second.remove();
    await rejectsWith(client.get('second'), 404);
    await rejectsWith(client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` }), 409);
    await rejectsWith(client.get('nothing-here'), 404);
  }));

test('toxiproxy-node-client: toxics are added, read, updated and removed, and act on the traffic', () =>
  withApi(async (_api, client, upstreamPort) => {
    const proxy = await client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
    const port = portOf(proxy.listen);
    const latency = await proxy.addToxic({ type: 'latency', attributes: { latency: 150, jitter: 0 } } as ICreateToxicBody<unknown>);
    assert.equal(latency.name, 'latency_downstream');
    assert.equal(latency.stream, 'downstream');
    assert.equal(latency.toxicity, 1);
    assert.deepEqual(latency.attributes, { latency: 150, jitter: 0 });
    // One direction only: downstream (upstream to client) gains the 150 ms, upstream keeps its 1 ms.
    const paths = _api.proxies.get('echo')!.linkProfiles();
    assert.equal(paths.downstream.delayMs, 150);
    assert.equal(paths.upstream.delayMs, 1);
    // The handshake's SYN-ACK and the echo each cross downstream once: two 150 ms delays at least.
    const slow = await echoOnce(port);
    assert.ok(slow >= 300, `round trip with the latency toxic: ${slow} ms`);
    const read = await proxy.getToxic('latency_downstream');
    assert.deepEqual(read.toJson(), latency.toJson());
    const updated = await read.update({ attributes: { latency: 0 }, toxicity: 1 } as unknown as ICreateToxicBody<unknown>);
    assert.equal((updated.attributes as { latency: number }).latency, 0);
    const fast = await echoOnce(port);
    assert.ok(fast < 250, `round trip after the update: ${fast} ms`);
    await updated.remove();
    await rejectsWith(proxy.getToxic('latency_downstream'), 404);

    await proxy.addToxic({ type: 'bandwidth', stream: 'upstream', attributes: { rate: 100 } } as ICreateToxicBody<unknown>);
    await rejectsWith(proxy.addToxic({ type: 'bandwidth', stream: 'upstream', attributes: { rate: 5 } } as ICreateToxicBody<unknown>), 409);
    await rejectsWith(proxy.addToxic({ type: 'no_such_toxic', attributes: {} } as unknown as ICreateToxicBody<unknown>), 400);
    await rejectsWith(proxy.addToxic({ type: 'latency', stream: 'sideways', attributes: {} } as unknown as ICreateToxicBody<unknown>), 400);
    await client.reset();
    assert.deepEqual((await client.get('echo')).toJson().enabled, true);
    const after = await fetch(`http://127.0.0.1:${_api.address!.port}/proxies/echo/toxics`).then((r) => r.json());
    assert.deepEqual(after, [], 'reset removed every toxic');
  }));

test('stream toxics: limit_data, reset_peer, timeout, slicer and slow_close act where toxiproxy says', () =>
  withApi(async (api, client, upstreamPort) => {
    const proxy = await client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
    const port = portOf(proxy.listen);
    const through = async (send: string) => {
      const c = net.connect({ host: '127.0.0.1', port });
      await once(c, 'connect');
      const r = collect(c);
      c.write(send);
      return within(r, 10_000, 'the connection ends');
    };
    // limit_data: the connection closes once 10 bytes have come back.
    const limit = await proxy.addToxic({ type: 'limit_data', attributes: { bytes: 10 } } as ICreateToxicBody<unknown>);
    const limited = await through('0123456789abcdefghij');
    assert.equal(limited.data.toString(), '0123456789');
    await limit.remove();
    // reset_peer: the connection is reset (here at once).
    const reset = await proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 0 } } as ICreateToxicBody<unknown>);
    const wasReset = await through('hello');
    assert.equal(wasReset.error?.code, 'ECONNRESET');
    await reset.remove();
    // timeout: nothing comes back, then the connection closes after 200 ms.
    const timeout = await proxy.addToxic({ type: 'timeout', attributes: { timeout: 200 } } as ICreateToxicBody<unknown>);
    const t0 = performance.now();
    const timedOut = await through('hello');
    assert.equal(timedOut.data.length, 0);
    assert.ok(performance.now() - t0 >= 190, `closed after ${performance.now() - t0} ms`);
    await timeout.remove();
    // slow_close: the end comes 300 ms after the upstream's.
    const slow = await proxy.addToxic({ type: 'slow_close', attributes: { delay: 300 } } as ICreateToxicBody<unknown>);
    {
      const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      await once(c, 'connect');
      const r = collect(c);
      const t1 = performance.now();
      c.end('bye');
      const ended = await within(r, 10_000, 'slow close');
      assert.ok(ended.ended && ended.data.toString() === 'bye', JSON.stringify(ended));
      assert.ok(performance.now() - t1 >= 290, `the end came after ${performance.now() - t1} ms`);
      c.destroy();
    }
    await slow.remove();
    // slicer: the bytes arrive whole, in pieces.
    await proxy.addToxic({ type: 'slicer', attributes: { average_size: 3, size_variation: 1, delay: 100 } } as ICreateToxicBody<unknown>);
    assert.equal(await echoOnce(port, 'the quick brown fox').then(() => 'ok'), 'ok');
    await client.reset();
    // A toxicity of 0: no connection gets the toxic.
    await proxy.addToxic({ type: 'reset_peer', toxicity: 0, attributes: { timeout: 0 } } as ICreateToxicBody<unknown>);
    await echoOnce(port);
    assert.equal(api.proxies.get('echo')!.toxics().length, 1);
  }));

test('bad requests get toxiproxy-shaped errors and the proxy serves on', () =>
  withApi(async (api, client, upstreamPort) => {
    const proxy = await client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
    const base = `http://127.0.0.1:${api.address!.port}`;
    // A port someone else holds: a proxy cannot listen there.
    const { server: holder, port: busy } = await loopbackServer(() => undefined);
    try {
      await badRequests(api, base, proxy, busy, upstreamPort, client);
    } finally {
      await closeServer(holder);
    }
  }));

async function badRequests(api: ToxiproxyApi, base: string, proxy: { listen: string }, busy: number, upstreamPort: number, client: Toxiproxy): Promise<void> {
  const cases: Array<[string, string, string | undefined, number, RegExp]> = [
    ['GET', '/proxies/%E0%A4%A', undefined, 400, /not valid percent-encoding/],
    ['POST', '/proxies', `{"name":"x","listen":"127.0.0.1:${busy}","upstream":"127.0.0.1:1"}`, 500, /EADDRINUSE/],
    ['POST', '/proxies/echo', `{"listen":"127.0.0.1:${busy}"}`, 500, new RegExp(`EADDRINUSE.*the proxy stays on ${proxy.listen}`)],
    ['POST', '/proxies/echo/toxics', 'x'.repeat(2 << 20), 413, /larger than/],
    ['POST', '/proxies', '{not json', 400, /^bad request body/],
    ['POST', '/proxies', '[]', 400, /^bad request body/],
    ['POST', '/proxies', '{"upstream":"127.0.0.1:1"}', 400, /^missing required field: name$/],
    ['POST', '/proxies', '{"name":"x"}', 400, /^missing required field: upstream$/],
    ['POST', '/proxies', '{"name":"x","upstream":"nowhere"}', 400, /HOST:PORT/],
    ['POST', '/proxies', '{"name":"x","upstream":"127.0.0.1:1","enabled":"yes"}', 400, /enabled/],
    ['POST', '/proxies', `{"name":"echo","upstream":"127.0.0.1:1"}`, 409, /^proxy already exists$/],
    ['GET', '/proxies/missing', undefined, 404, /^proxy not found$/],
    ['DELETE', '/proxies/missing', undefined, 404, /^proxy not found$/],
    ['POST', '/proxies/echo', '{"enabled":1}', 400, /enabled/],
    ['POST', '/proxies/echo', '{"listen":"no port"}', 400, /HOST:PORT/],
    ['POST', '/proxies/echo/toxics', '{"type":"latency","stream":"both"}', 400, /^stream was invalid/],
    ['POST', '/proxies/echo/toxics', '{"type":"warp"}', 400, /^invalid toxic type/],
    ['POST', '/proxies/echo/toxics', '{"type":"latency","attributes":{"latency":-5}}', 400, /latency/],
    ['POST', '/proxies/echo/toxics', '{"type":"latency","attributes":{"lag":5}}', 400, /no attribute 'lag'/],
    ['POST', '/proxies/echo/toxics', '{"type":"latency","toxicity":0.5}', 400, /toxicity must be 1/],
    ['POST', '/proxies/echo/toxics', '{"type":"slicer","toxicity":7}', 400, /toxicity must be a number from 0 to 1/],
    ['POST', '/proxies/echo/toxics', '{"type":"loss","attributes":{"probability":3}}', 400, /loss/],
    ['POST', '/proxies/echo/toxics', '{"type":"mtu","attributes":{"bytes":10}}', 400, /mtu/],
    ['GET', '/proxies/echo/toxics/missing', undefined, 404, /^toxic not found$/],
    ['POST', '/proxies/echo/toxics/missing', '{}', 404, /^toxic not found$/],
    ['DELETE', '/proxies/echo/toxics/missing', undefined, 404, /^toxic not found$/],
    ['GET', '/proxies/missing/toxics', undefined, 404, /^proxy not found$/],
    ['POST', '/populate', '{"name":"x"}', 400, /array/],
    ['POST', '/populate', '[{"name":"y"}]', 400, /^missing required field: upstream$/],
    ['GET', '/nowhere', undefined, 404, /no route/],
    ['PUT', '/proxies', '{}', 404, /no route/],
    ['GET', '/proxies/echo/connections/1/ladder?format=svg', undefined, 400, /format/],
  ];
  for (const [method, url, body, status, message] of cases) {
    const res = await fetch(base + url, { method, body });
    const json = (await res.json()) as { error: string; status: number };
    assert.equal(res.status, status, `${method} ${url} ${body ?? ''}: ${JSON.stringify(json)}`);
    assert.equal(json.status, status, `${method} ${url}: the body's status`);
    assert.match(json.error, message, `${method} ${url}`);
  }
  // The same name created twice at once: one is made, the other is told it exists.
  const twice = await Promise.all(
    [0, 1].map(() => fetch(`${base}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'twin', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` }) })),
  );
  assert.deepEqual(twice.map((r) => r.status).sort(), [201, 409]);
  await Promise.all(twice.map((r) => r.arrayBuffer()));
  assert.equal(api.badRequests, cases.length + 1);
  assert.deepEqual([...api.proxies.keys()].sort(), ['echo', 'twin'], 'no proxy was made by a bad request');
  await client.get('twin').then((t) => t.remove());
  // The proxy whose move failed is where it was, enabled, and serving.
  const now = await client.get('echo');
  assert.equal(now.listen, proxy.listen);
  assert.equal(now.enabled, true);
  await echoOnce(portOf(proxy.listen));
}

test('per connection through the API: live stats, and the ladder as text and as JSON', async () => {
  const { server, port } = await echoServer();
  const api = await startApi({ listen: '127.0.0.1:0', defaults: { seed: 42, link: { delayMs: 2 }, trace: true } });
  try {
    const base = `http://127.0.0.1:${api.address!.port}`;
    const client = new Toxiproxy(base);
    const proxy = await client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${port}` });
    await echoOnce(portOf(proxy.listen), 'stats, please');
    const stats = (await fetch(`${base}/proxies/echo/connections`).then((r) => r.json())) as Array<Record<string, unknown>>;
    assert.equal(stats.length, 1);
    const [c] = stats;
    assert.equal(c.id, 1);
    assert.equal(c.bytesUp, 13);
    assert.equal(c.bytesDown, 13);
    assert.ok(typeof c.rttMs === 'number' && c.rttMs >= 4, `rtt ${c.rttMs} over 2 ms each way`);
    assert.ok(typeof c.cwnd === 'number' && c.cwnd > 0 && typeof c.retransmissions === 'number' && typeof c.state === 'string', JSON.stringify(c));
    const text = await fetch(`${base}/proxies/echo/connections/1/ladder?format=text`);
    assert.equal(text.status, 200);
    assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
    const ladder = await text.text();
    assert.match(ladder, /SYN/);
    assert.match(ladder, /198\.18\.0\.1/);
    const json = await fetch(`${base}/proxies/echo/connections/1/ladder?format=json`);
    assert.equal(json.status, 200);
    const events = ((await json.json()) as { events: Array<{ kind: string }> }).events;
    assert.ok(events.filter((e) => e.kind === 'segment').length >= 6, 'the handshake, the data each way, their ACKs');
    const missing = await fetch(`${base}/proxies/echo/connections/99/ladder`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'connection not found', status: 404 });
  } finally {
    await api.close();
    await closeServer(server);
  }
});

test('-config: the proxies of a toxiproxy config file are created at start', async () => {
  const { server, port } = await echoServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-proxy-'));
  const file = path.join(dir, 'toxiproxy.json');
  writeFileSync(file, JSON.stringify([{ name: 'from_config', listen: '127.0.0.1:0', upstream: `127.0.0.1:${port}`, enabled: true }]));
  const api = await startApi({ listen: '127.0.0.1:0', config: file });
  try {
    const p = api.proxies.get('from_config');
    assert.ok(p?.address, 'the config file proxy listens');
    await echoOnce(p.address.port);
    writeFileSync(file, '[{"name": 3}]');
    await assert.rejects(startApi({ listen: '127.0.0.1:0', config: file }), /config .*missing required field: name/);
  } finally {
    await api.close();
    await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});
