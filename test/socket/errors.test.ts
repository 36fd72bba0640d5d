/**
 * Node's error codes from synack sockets, each provoked the way it happens on a real network, and a
 * listener whose accept queue is full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { connect, createServer, type Socket } from '../../src/socket/index.js';
import { CLIENT_IP, SERVER_IP, pair, untilConnected } from './helpers.js';

type ErrnoError = NodeJS.ErrnoException & { address?: string; port?: number };

/** Record a socket's error and its close(hadError). */
function watch(s: Socket): { error?: ErrnoError; hadError?: boolean } {
  const r: { error?: ErrnoError; hadError?: boolean } = {};
  s.on('error', (e: ErrnoError) => (r.error = e));
  s.on('close', (h: boolean) => (r.hadError = h));
  return r;
}

test('ECONNREFUSED: a RST answers our SYN', async () => {
  const { net, client } = pair(31);
  const c = connect(client, 81, SERVER_IP);
  const w = watch(c);
  let connected = false;
  c.on('connect', () => (connected = true));
  await net.runAsync(() => w.hadError !== undefined);
  assert.equal(connected, false);
  assert.equal(w.hadError, true);
  const e = w.error!;
  assert.equal(e.code, 'ECONNREFUSED');
  assert.equal(e.errno, -constants.errno.ECONNREFUSED);
  assert.equal(e.syscall, 'connect');
  assert.equal(e.address, SERVER_IP);
  assert.equal(e.port, 81);
  assert.equal(e.message, `connect ECONNREFUSED ${SERVER_IP}:81`);
  assert.equal(c.destroyed, true);
  assert.equal(c.readyState, 'closed');
});

test('ECONNRESET: the peer aborts an established connection (resetAndDestroy sends a RST)', async () => {
  const { net, client, server } = pair(32);
  const resetsBefore = server.stack.counters.tcp.OutRsts;
  createServer(server, (s) => {
    s.once('data', () => s.resetAndDestroy()); // ABORT while ESTABLISHED: RST (RFC 9293 §3.10.5)
  }).listen(80);
  const c = connect(client, 80, SERVER_IP);
  const w = watch(c);
  c.write('hello');
  c.resume();
  await net.runAsync(() => w.hadError !== undefined);
  assert.equal(w.error!.code, 'ECONNRESET');
  assert.equal(w.error!.errno, -constants.errno.ECONNRESET);
  assert.equal(w.error!.syscall, 'read');
  assert.equal(w.error!.message, 'read ECONNRESET');
  assert.equal(w.hadError, true);
  assert.ok(server.stack.counters.tcp.OutRsts > resetsBefore);
  assert.equal(client.stack.counters.tcp.EstabResets, 1);
});

test('ETIMEDOUT: connect with the link down gives up after the SYN retries', async () => {
  const { net, client, link } = pair(33, {}, { client: { tcp: { synRetries: 2 } } });
  link.up = false;
  const t0 = net.now;
  const c = connect(client, 80, SERVER_IP);
  const w = watch(c);
  await net.runAsync(() => w.hadError !== undefined);
  assert.equal(w.error!.code, 'ETIMEDOUT');
  assert.equal(w.error!.errno, -constants.errno.ETIMEDOUT);
  assert.equal(w.error!.syscall, 'connect');
  assert.equal(w.error!.message, `connect ETIMEDOUT ${SERVER_IP}:80`);
  // 1 s + 2 s + 4 s of RFC 6298 backoff, in virtual time.
  assert.equal(net.now - t0, 7000);
});

test('ETIMEDOUT: data unacknowledged past the socket\'s user timeout (RFC 5482), link partitioned', async () => {
  const { net, client, server, link } = pair(34);
  createServer(server, (s) => s.resume()).listen(80);
  const c = connect(client, { port: 80, host: SERVER_IP, tcp: { userTimeoutMs: 5_000 } });
  const w = watch(c);
  await untilConnected(net, c);
  link.up = false;
  const t0 = net.now;
  c.write(Buffer.alloc(10_000));
  await net.runAsync(() => w.hadError !== undefined);
  assert.equal(w.error!.code, 'ETIMEDOUT');
  assert.equal(w.error!.syscall, 'read');
  assert.ok(net.now - t0 >= 5_000 && net.now - t0 < 6_000, `timed out after ${net.now - t0} ms`);
});

test('ETIMEDOUT: keep-alive probes unanswered', async () => {
  const { net, client, server, link } = pair(35, {}, { client: { tcp: { keepAliveIntervalMs: 1_000, keepAliveProbes: 3 } } });
  createServer(server, (s) => s.resume()).listen(80);
  const c = connect(client, 80, SERVER_IP);
  c.setKeepAlive(true, 5_000);
  const w = watch(c);
  await untilConnected(net, c);
  link.up = false;
  const t0 = net.now;
  await net.runAsync(() => w.hadError !== undefined);
  assert.equal(w.error!.code, 'ETIMEDOUT');
  assert.equal(client.stack.counters.tcp.TCPKeepAliveProbes, 3);
  assert.equal(net.now - t0, 5_000 + 3 * 1_000);
});

test('EPIPE: a RST after the peer\'s FIN (CLOSE-WAIT), as Linux reports it', async () => {
  const { net, client, server } = pair(36);
  let serverSocket: Socket | undefined;
  createServer(server, (s) => {
    serverSocket = s;
    s.end(); // FIN first...
  }).listen(80);
  const c = connect(client, { port: 80, host: SERVER_IP, allowHalfOpen: true });
  const w = watch(c);
  let ended = false;
  c.on('end', () => (ended = true));
  c.resume();
  await net.runAsync(() => ended);
  assert.equal(c.connection!.state, 'CLOSE-WAIT');
  serverSocket!.resetAndDestroy(); // ...then a RST (FIN-WAIT-2: RFC 9293 §3.10.5)
  await net.runAsync(() => w.hadError !== undefined);
  assert.equal(w.error!.code, 'EPIPE');
  assert.equal(w.error!.errno, -constants.errno.EPIPE);
  assert.equal(w.error!.syscall, 'write');
  assert.equal(w.error!.message, 'write EPIPE');
});

test('EPIPE: writing after the peer ended the connection (allowHalfOpen off)', async () => {
  const { net, client, server } = pair(37);
  createServer(server, (s) => s.end('bye')).listen(80);
  const c = connect(client, 80, SERVER_IP);
  const w = watch(c);
  let cbError: ErrnoError | undefined;
  let ok: boolean | undefined;
  // The peer's FIN ended the readable side, so the socket ends its writable side in turn (Node's
  // allowHalfOpen: false); an application that writes after that is told EPIPE.
  c.on('finish', () => {
    ok = c.write('too late', (e?: Error | null) => (cbError = e as ErrnoError));
  });
  c.resume();
  await net.runAsync(() => w.hadError !== undefined && cbError !== undefined);
  assert.equal(ok, false);
  assert.equal(w.error!.code, 'EPIPE');
  assert.equal(w.error!.message, 'This socket has been ended by the other party');
  assert.equal(cbError, w.error);
  // Later, on the closed socket, the write's callback still says why.
  let later: ErrnoError | undefined;
  assert.equal(c.write('later', (e?: Error | null) => (later = e as ErrnoError)), false);
  await net.runAsync(() => later !== undefined);
  assert.equal(later!.code, 'EPIPE');
});

test('EADDRINUSE: listen on a port in use; connect from an explicit local port whose 4-tuple is taken', async () => {
  const { net, client, server } = pair(38);
  const first = createServer(server, (s) => s.resume());
  first.listen(80);
  const second = createServer(server);
  let listenError: ErrnoError | undefined;
  second.on('error', (e: ErrnoError) => (listenError = e));
  second.listen(80);
  await net.runAsync(() => listenError !== undefined);
  assert.equal(listenError!.code, 'EADDRINUSE');
  assert.equal(listenError!.errno, -constants.errno.EADDRINUSE);
  assert.equal(listenError!.syscall, 'listen');
  assert.equal(listenError!.port, 80);
  assert.equal(listenError!.message, 'listen EADDRINUSE: address already in use 0.0.0.0:80');
  assert.equal(second.listening, false);

  const a = connect(client, { port: 80, host: SERVER_IP, localPort: 5000 });
  const b = connect(client, { port: 80, host: SERVER_IP, localPort: 5000 });
  const wa = watch(a);
  const wb = watch(b);
  let connected = false;
  a.on('connect', () => (connected = true));
  await net.runAsync(() => wb.hadError !== undefined && connected);
  assert.equal(wa.error, undefined);
  assert.equal(a.localPort, 5000);
  assert.equal(wb.error!.code, 'EADDRINUSE');
  assert.equal(wb.error!.syscall, 'connect');
  assert.equal(wb.error!.message, `connect EADDRINUSE ${SERVER_IP}:80 - Local (${CLIENT_IP}:5000)`);
  a.destroy();
});

test('a full accept queue: handshakes beyond the backlog wait (ListenOverflows) and complete once the server accepts', async () => {
  const { net, client, server } = pair(39);
  const accepted: Socket[] = [];
  const srv = createServer(server, (s) => {
    accepted.push(s);
    s.pipe(s);
  });
  srv.listen(80, SERVER_IP, 2);
  srv.pauseAccepting();
  const clients = Array.from({ length: 5 }, (_, i) => {
    const c = connect(client, 80, SERVER_IP);
    const r = { echoed: '' };
    c.setEncoding('utf8');
    c.on('data', (d: string) => (r.echoed += d));
    c.write(`client ${i}`);
    return { c, r };
  });
  const l = srv.stackListener!;
  const t0 = net.now;
  await net.runAsync(() => net.now >= t0 + 3_000);
  assert.equal(l.acceptQueue.length, 2, 'two connections wait in the accept queue');
  assert.equal(l.synQueue.size, 3, 'three wait, half-open, in the SYN queue');
  assert.ok(server.stack.counters.tcp.ListenOverflows > 0, 'completing ACKs were dropped');
  assert.equal(accepted.length, 0);
  srv.resumeAccepting();
  await net.runAsync(() => clients.every(({ r }, i) => r.echoed === `client ${i}`), { maxMs: 120_000 });
  assert.equal(accepted.length, 5);
  assert.equal(l.acceptQueue.length, 0);
  assert.equal(l.synQueue.size, 0);
  clients.forEach(({ c }) => c.destroy());
});

test('destroy(err): the error is emitted, close(hadError); the peer sees a clean end (close(2) semantics)', async () => {
  const { net, client, server } = pair(40);
  let peer: ReturnType<typeof watch> | undefined;
  createServer(server, (s) => {
    peer = watch(s);
    s.resume();
  }).listen(80);
  const c = connect(client, 80, SERVER_IP);
  const w = watch(c);
  c.write('x');
  await net.runAsync(() => peer !== undefined);
  const boom = new Error('boom');
  c.destroy(boom);
  await net.runAsync(() => w.hadError !== undefined && peer!.hadError !== undefined);
  assert.equal(w.error, boom);
  assert.equal(w.hadError, true);
  // Nothing was left unread, so the close is a FIN (RFC 9293 §3.10.4), not a RST.
  assert.equal(peer!.error, undefined);
  assert.equal(peer!.hadError, false);
});

test('destroy() with unread data resets the peer: ECONNRESET (RFC 9293 §3.6, RFC 2525 §2.17)', async () => {
  const { net, client, server } = pair(42);
  let accepted: ReturnType<typeof connect> | undefined;
  createServer(server, (s) => {
    s.pause(); // never reads: data stays in the TCB
    accepted = s;
  }).listen(80);
  const c = connect(client, 80, SERVER_IP);
  const w = watch(c);
  c.resume();
  c.write(Buffer.alloc(100_000, 7));
  await net.runAsync(() => accepted !== undefined && accepted.connection!.tcb.readableLength > 0);
  accepted!.destroy();
  await net.runAsync(() => w.hadError !== undefined);
  assert.equal(w.error!.code, 'ECONNRESET');
});

test('resetAndDestroy() resets even after a graceful end()', async () => {
  const { net, client, server } = pair(41);
  let peer: ReturnType<typeof watch> | undefined;
  createServer(server, { allowHalfOpen: true }, (s) => {
    peer = watch(s);
    s.resume();
  }).listen(80);
  const c = connect(client, 80, SERVER_IP);
  c.end('bye');
  await net.runAsync(() => peer !== undefined && c.connection!.state === 'FIN-WAIT-2');
  assert.equal(c.writableFinished, true);
  c.resetAndDestroy();
  await net.runAsync(() => peer!.hadError !== undefined);
  // The peer had our FIN (CLOSE-WAIT), so the reset reaches it as EPIPE, as on Linux.
  assert.equal(peer!.error!.code, 'EPIPE');
});
