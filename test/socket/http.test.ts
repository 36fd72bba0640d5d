/**
 * Node's own http module over synack sockets: http.createServer fed by a synack Server
 * (emit('connection')), http.request over synack connections, 1,000 requests each with and without
 * keep-alive, random bodies both ways checked by sha256.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { SeededRandom } from '../../src/tcp/random.js';
import { createConnection, createServer } from '../../src/socket/index.js';
import { SERVER_IP, SynackAgent, hashAtEnd, pair, sha256 } from './helpers.js';

const REQUESTS = 1000;
const CONCURRENCY = 16;

/** Body sizes from empty to ~100 KB, most of them small, as real traffic is. */
function sizeFor(r: SeededRandom): number {
  const pick = r.int(10);
  if (pick === 0) return 0;
  if (pick === 1) return 1 + r.int(100);
  if (pick < 5) return r.int(4_000);
  if (pick < 8) return r.int(20_000);
  return 50_000 + r.int(50_001);
}

function body(seed: number, size: number): Buffer {
  return Buffer.from(new SeededRandom(seed).bytes(size));
}

async function run(keepAlive: boolean, seed: number): Promise<void> {
  // A lossy, jittery link: handshakes, FINs and data are retransmitted now and then.
  const { net, client, server } = pair(seed, { delayMs: 2, jitterMs: 1, loss: 0.01 });
  const httpServer = http.createServer((req, res) => {
    hashAtEnd(req, (sha, n) => {
      const ok = sha === req.headers['x-body-sha256'] && n === Number(req.headers['x-body-length']);
      const out = body(Number(req.headers['x-response-seed']), Number(req.headers['x-response-size']));
      res.writeHead(200, { 'x-request-ok': String(ok), 'x-sha256': sha256(out), 'content-length': out.length });
      res.end(out);
    });
  });
  let serverErrors = 0;
  httpServer.on('clientError', () => serverErrors++);
  const synServer = createServer(server, (s) => httpServer.emit('connection', s));
  synServer.listen(80, SERVER_IP);

  const agent = keepAlive ? new SynackAgent(client, { keepAlive: true, maxSockets: CONCURRENCY }) : undefined;
  const rand = new SeededRandom(seed, 7);
  const failures: string[] = [];
  let completed = 0;
  let started = 0;
  const connectionsSeen = new Set<string>();

  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const reqSize = sizeFor(rand);
      const resSize = sizeFor(rand);
      const reqBody = body(seed * 100_000 + i, reqSize);
      const opts: http.RequestOptions = {
        method: 'POST',
        host: SERVER_IP,
        port: 80,
        path: `/r/${i}`,
        headers: {
          'x-body-sha256': sha256(reqBody),
          'x-body-length': String(reqSize),
          'x-response-seed': String(seed * 100_000 + REQUESTS + i),
          'x-response-size': String(resSize),
          'content-length': String(reqSize),
        },
      };
      if (agent) opts.agent = agent;
      else opts.createConnection = () => createConnection(client, { port: 80, host: SERVER_IP });
      const req = http.request(opts, (res) => {
        hashAtEnd(res, (sha, n) => {
          if (res.headers['x-request-ok'] !== 'true') failures.push(`${i}: request body mismatch on the server (${reqSize} bytes)`);
          if (sha !== res.headers['x-sha256'] || n !== resSize) failures.push(`${i}: response body mismatch (${n}/${resSize} bytes)`);
          completed++;
          resolve();
        });
      });
      req.on('socket', (s: Duplex & { localPort?: number; connecting?: boolean }) => {
        if (s.connecting) s.once('connect', () => connectionsSeen.add(String(s.localPort)));
        else connectionsSeen.add(String(s.localPort));
      });
      req.on('error', (e) => {
        failures.push(`${i}: ${e.message}`);
        completed++;
        resolve();
      });
      req.end(reqBody);
    });

  const worker = async (): Promise<void> => {
    while (started < REQUESTS) await one(started++);
  };
  for (let w = 0; w < CONCURRENCY; w++) void worker();
  const t0 = net.now;
  await net.runAsync(() => completed === REQUESTS, { maxMs: 24 * 3_600_000 });
  assert.deepEqual(failures, [], `seed ${seed}`);
  assert.equal(serverErrors, 0);
  if (keepAlive) assert.ok(connectionsSeen.size <= CONCURRENCY, `keep-alive reused connections (${connectionsSeen.size} used)`);
  else assert.equal(connectionsSeen.size, REQUESTS, 'one connection per request');
  const tcp = client.stack.counters.tcp;
  // Every connection ended gracefully: nobody reset one (a client RST may answer the server's
  // TIME-WAIT re-ACK of a reordered segment once the client is CLOSED; that is not a reset of a live connection).
  assert.equal(tcp.EstabResets, 0);
  assert.equal(server.stack.counters.tcp.EstabResets, 0);
  assert.equal(server.stack.counters.tcp.OutRsts, 0);
  console.log(
    `keepAlive=${keepAlive}: ${REQUESTS} requests in ${(net.now - t0).toFixed(0)} virtual ms over ${connectionsSeen.size} connections (ActiveOpens ${tcp.ActiveOpens})`,
  );

  agent?.destroy();
  let closed = false;
  synServer.close(() => (closed = true));
  await net.runAsync(() => closed, { maxMs: 3_600_000 });
}

test('http: 1,000 POSTs with keep-alive, bodies byte-exact both ways', { timeout: 600_000 }, async () => {
  await run(true, 11);
});

test('http: 1,000 POSTs without keep-alive (a connection each), bodies byte-exact both ways', { timeout: 600_000 }, async () => {
  await run(false, 12);
});
