/**
 * Fast Open through the Node-style API: `createConnection({ ..., fastOpen: true })` (data written
 * before 'connect' rides on the SYN, as Linux's TCP_FASTOPEN_CONNECT) and `server.listen({ port,
 * fastOpen: queueLength })`. Two simulated hosts, 25 ms each way (an RTT of 50 ms): the first
 * connection gets the cookie; on the second the server's 'connection' and 'data' come 25 ms after
 * the connect, with the request, and the client has the answer at 50 ms: one RTT where a plain
 * connection needs two (SYN, SYN-ACK, then the request and its answer: 100 ms).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type Socket } from '../../src/socket/index.js';
import { SERVER_IP, pair } from './helpers.js';

async function request(p: ReturnType<typeof pair>, fastOpen: boolean): Promise<{ answeredAt: number; serverSawAt: number; startedAt: number }> {
  const startedAt = p.net.currentTime();
  const s: Socket = createConnection(p.client, { host: SERVER_IP, port: 80, fastOpen });
  s.write('GET /\r\n');
  let answeredAt = -1;
  s.on('data', () => {
    if (answeredAt < 0) answeredAt = p.net.currentTime();
    s.end();
  });
  let closed = false;
  s.on('close', () => (closed = true));
  await p.net.runAsync(() => closed, { maxMs: 10_000 });
  return { answeredAt, serverSawAt: lastServerData, startedAt };
}

let lastServerData = -1;

test('createConnection({ fastOpen }) and listen({ fastOpen }): the second request rides on the SYN and is answered in one RTT', async () => {
  const p = pair(3, { delayMs: 25 });
  const server = createServer(p.server, (sock) => {
    sock.on('data', () => {
      lastServerData = p.net.currentTime();
      sock.end('HTTP/1.0 200 OK\r\n\r\n');
    });
  });
  server.listen({ port: 80, fastOpen: 8 });
  await p.net.runAsync(() => server.listening);
  const first = await request(p, true);
  assert.equal(first.answeredAt - first.startedAt, 100, 'the first connection: two round trips (it only asks for a cookie)');
  assert.ok(p.client.stack.fastOpenCache.get(p.server.stack.addresses[0])?.cookie, 'the client cached a cookie');
  const second = await request(p, true);
  assert.equal(second.serverSawAt - second.startedAt, 25, 'the server read the request when the SYN arrived');
  assert.equal(second.answeredAt - second.startedAt, 50, 'one round trip to the answer');
  assert.equal(p.server.stack.counters.tcp.TCPFastOpenPassive, 1);
  assert.equal(p.client.stack.counters.tcp.TCPFastOpenActive, 1);
  // Without fastOpen on the socket, a plain handshake even with a cookie cached.
  const plain = await request(p, false);
  assert.equal(plain.answeredAt - plain.startedAt, 100);
  server.close();
});
