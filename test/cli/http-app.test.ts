/**
 * `synack serve --app http` (src/cli/apps.ts) on two simulated hosts: Node's http client on one,
 * the app on the other, in virtual time (seed 1). Routes as the README lists them, a query string
 * ignored (RFC 3986 §3.4), HEAD as GET without a body (RFC 9110 §9.3.2), 405 with Allow for a known
 * path and the wrong method (RFC 9110 §15.5.6), 404 otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { httpApp } from '../../src/cli/apps.js';
import { SimNetwork } from '../../src/link/sim.js';
import { createConnection, createServer } from '../../src/socket/index.js';

const SEED = 1;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request from a fresh client to a fresh server running the app; the whole exchange in virtual time. */
async function request(method: string, path: string, body?: Buffer): Promise<Answer> {
  const net = new SimNetwork(SEED);
  const client = net.addHost('client', { addresses: ['198.18.0.1'] });
  const server = net.addHost('server', { addresses: ['198.18.0.2'] });
  net.link(client, server, { delayMs: 1 });
  const app = httpApp();
  createServer(server, (s) => app.emit('connection', s)).listen(80);
  let answer: Answer | undefined;
  let failed: Error | undefined;
  const req = http.request(
    { method, path, host: '198.18.0.2', port: 80, createConnection: () => createConnection(client, { host: '198.18.0.2', port: 80 }) as never },
    (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => (answer = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    },
  );
  req.on('error', (e) => (failed = e));
  req.end(body);
  try {
    await net.runAsync(() => answer !== undefined || failed !== undefined, { maxMs: 60_000 });
  } catch (e) {
    throw new Error(`${method} ${path}: ${(e as Error).message} (seed ${SEED})`);
  }
  app.close();
  if (failed) throw new Error(`${method} ${path}: ${failed.message} (seed ${SEED})`);
  return answer!;
}

const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));

test('GET /bytes/N: N bytes, byte i = i % 251', async () => {
  const a = await request('GET', '/bytes/1000');
  assert.equal(a.status, 200);
  assert.deepEqual(a.body, pattern(1000));
});

test('GET /bytes/10?x=1: the query string is ignored, the path decides', async () => {
  const a = await request('GET', '/bytes/10?x=1');
  assert.equal(a.status, 200);
  assert.deepEqual(a.body, pattern(10));
});

test('HEAD /bytes/10: the headers GET would send (content-length 10), no body', async () => {
  const a = await request('HEAD', '/bytes/10');
  assert.equal(a.status, 200);
  assert.equal(a.headers['content-length'], '10');
  assert.equal(a.body.length, 0);
});

test('HEAD / and HEAD /bytes/N with a huge N answer at once, with no body', async () => {
  const a = await request('HEAD', '/');
  assert.equal(a.status, 200);
  assert.equal(a.body.length, 0);
  const b = await request('HEAD', '/bytes/999999999999999');
  assert.equal(b.headers['content-length'], '999999999999999');
  assert.equal(b.body.length, 0);
});

test('POST /sha256: the hex digest of the body and a newline (so `curl ...; sha256sum` prints two lines)', async () => {
  const body = Buffer.from('hello synack\n'.repeat(1000));
  const a = await request('POST', '/sha256', body);
  assert.equal(a.status, 200);
  assert.equal(a.body.toString(), createHash('sha256').update(body).digest('hex') + '\n');
});

test('POST /discard: the body length and a newline; POST /sha256?x=1 ignores the query', async () => {
  const a = await request('POST', '/discard', Buffer.alloc(5000));
  assert.equal(a.body.toString(), '5000\n');
  const b = await request('POST', '/sha256?x=1', Buffer.from('abc'));
  assert.equal(b.body.toString(), createHash('sha256').update('abc').digest('hex') + '\n');
});

test('GET /: the connection as synack sees it', async () => {
  const a = await request('GET', '/?verbose');
  assert.equal(a.status, 200);
  assert.match(a.body.toString(), /^local {8}198\.18\.0\.2:80\nremote {7}198\.18\.0\.1:\d+\nstate {8}ESTABLISHED\n/);
});

test('a known path with the wrong method: 405 with Allow; an unknown path: 404 listing the routes', async () => {
  const a = await request('POST', '/bytes/10');
  assert.equal(a.status, 405);
  assert.equal(a.headers.allow, 'GET, HEAD');
  const b = await request('GET', '/sha256');
  assert.equal(b.status, 405);
  assert.equal(b.headers.allow, 'POST');
  const c = await request('GET', '/nothing');
  assert.equal(c.status, 404);
  assert.match(c.body.toString(), /^not found: GET \/, GET \/bytes\/N, POST \/sha256, POST \/discard/);
});
