/** The Socket and Server basics: echo, pipeline, half-close, idle timeout, options, server life cycle. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SeededRandom } from '../../src/tcp/random.js';
import { SimNetwork } from '../../src/link/sim.js';
import { connect, createServer, synackNet, type Socket } from '../../src/socket/index.js';
import { HostTimers } from '../../src/socket/timers.js';
import { CLIENT_IP, SERVER_IP, SynackAgent, collect, pair, sha256, untilConnected } from './helpers.js';

test('echo: connect, write, end, data, end, close; addresses and counters', async () => {
  const { net, client, server } = pair(1);
  let serverSocket: Socket | undefined;
  let serverSeen: unknown[] = [];
  const srv = createServer(server, (s) => {
    serverSocket = s;
    serverSeen = [s.remoteAddress, s.remotePort];
    s.pipe(s);
  });
  let listening = false;
  srv.listen(7, () => (listening = true));
  const data = new SeededRandom(3).bytes(300_000);
  const events: string[] = [];
  // The addresses as seen while connected (once destroyed they are undefined, as in Node).
  let seen: { remote: unknown[]; local: unknown[]; address: unknown } | undefined;
  const c = connect(client, { port: 7, host: SERVER_IP }, () => {
    events.push('connect');
    seen = { remote: [c.remoteAddress, c.remotePort, c.remoteFamily], local: [c.localAddress, c.localPort], address: c.address() };
  });
  c.on('ready', () => events.push('ready'));
  let closed: boolean | undefined;
  c.on('close', (hadError: boolean) => (closed = hadError));
  assert.equal(c.connecting, true);
  assert.equal(c.pending, true);
  assert.equal(c.readyState, 'opening');
  const got = collect(c);
  c.end(data);
  await net.runAsync(() => got.done && closed !== undefined);
  assert.ok(listening);
  assert.deepEqual(events, ['connect', 'ready']);
  assert.equal(sha256(got.bytes()), sha256(data));
  assert.equal(closed, false);
  assert.equal(c.bytesRead, data.length);
  assert.equal(c.bytesWritten, data.length);
  assert.deepEqual(seen!.remote, [SERVER_IP, 7, 'IPv4']);
  const localPort = seen!.local[1] as number;
  assert.equal(seen!.local[0], CLIENT_IP);
  assert.ok(localPort >= 49152);
  assert.deepEqual(seen!.address, { address: CLIENT_IP, family: 'IPv4', port: localPort });
  assert.deepEqual(serverSeen, [CLIENT_IP, localPort]);
  assert.ok(serverSocket);
  assert.equal(c.remoteAddress, undefined, 'destroyed: no addresses');
  assert.deepEqual(c.address(), {});
  assert.deepEqual(srv.address(), { address: '0.0.0.0', family: 'IPv4', port: 7 });
  assert.equal(c.readyState, 'closed');
  let serverClosed = false;
  srv.close(() => (serverClosed = true));
  await net.runAsync(() => serverClosed);
});

test('stream.pipeline: a generator into a client socket, the server socket into a hash', async () => {
  const { net, client, server } = pair(2, { delayMs: 3, loss: 0.02, jitterMs: 1 });
  const chunks = Array.from({ length: 200 }, (_, i) => Buffer.from(new SeededRandom(40 + i).bytes(1 + ((i * 7919) % 9000))));
  const expected = sha256(...chunks);
  let digest: string | undefined;
  let received = 0;
  createServer(server, (s) => {
    const h = createHash('sha256');
    pipeline(
      s,
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          h.update(chunk);
          received += chunk.length;
          cb();
        },
      }),
    ).then(() => (digest = h.digest('hex')));
  }).listen(9000);
  const c = connect(client, { port: 9000, host: SERVER_IP });
  let sent = false;
  pipeline(Readable.from(chunks), c).then(() => (sent = true));
  await net.runAsync(() => digest !== undefined && sent);
  assert.equal(digest, expected);
  assert.equal(received, chunks.reduce((n, b) => n + b.length, 0));
});

test('end() is a half-close: the client keeps reading after its FIN', async () => {
  const { net, client, server } = pair(3);
  const reply = Buffer.from(new SeededRandom(9).bytes(50_000));
  let serverGot = 0;
  createServer(server, { allowHalfOpen: true }, (s) => {
    s.on('data', (d: Buffer) => (serverGot += d.length));
    s.on('end', () => {
      // The client's FIN arrived; this side may still send.
      assert.equal(s.readyState, 'writeOnly');
      s.end(reply);
    });
  }).listen(80);
  const c = connect(client, { port: 80, host: SERVER_IP, allowHalfOpen: true });
  const got = collect(c);
  c.end('request');
  let finished = false;
  c.on('finish', () => {
    finished = true;
    assert.equal(c.readyState, 'readOnly');
  });
  await net.runAsync(() => got.done);
  assert.ok(finished);
  assert.equal(serverGot, 7);
  assert.equal(sha256(got.bytes()), sha256(reply));
});

test('setTimeout: an idle timeout on the host clock that only emits, re-armed by activity', async () => {
  const { net, client, server } = pair(4);
  let serverSocket: Socket | undefined;
  createServer(server, (s) => {
    serverSocket = s;
    s.resume();
  }).listen(80);
  const c = connect(client, { port: 80, host: SERVER_IP });
  await net.runAsync(() => serverSocket !== undefined);
  const fired: number[] = [];
  const t0 = net.now;
  c.setTimeout(1000, () => fired.push(net.now));
  c.on('timeout', () => fired.push(-1));
  assert.equal(c.timeout, 1000);
  // Activity at +600 ms pushes the timeout to +1600 ms.
  net.at(t0 + 600, () => c.write('x'));
  await net.runAsync(() => fired.length >= 2);
  assert.equal(fired[0], t0 + 1600);
  assert.equal(fired[1], -1);
  assert.equal(c.destroyed, false, 'a timeout does not close the socket');
  // Not again without activity: run 5 s more.
  net.at(t0 + 7000, () => undefined);
  await net.runAsync(() => net.now >= t0 + 7000);
  assert.equal(fired.length, 2);
  // Activity re-arms it (the once-listener is gone; the 'timeout' listener stays).
  c.write('y');
  const t1 = net.now;
  await net.runAsync(() => fired.length >= 3);
  assert.equal(net.now, t1 + 1000);
  // 0 disables.
  c.setTimeout(0);
  c.write('z');
  net.at(net.now + 5000, () => undefined);
  const t2 = net.now;
  await net.runAsync(() => net.now >= t2 + 5000);
  assert.equal(fired.length, 3);
  c.destroy();
});

test('socket options and properties: setNoDelay, setKeepAlive, pending, readyState, ref/unref', async () => {
  const { net, client, server } = pair(5);
  createServer(server, { noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 }, (s) => {
    const cfg = s.connection!.tcb.config;
    assert.equal(cfg.noDelay, true);
    assert.equal(cfg.keepAlive, true);
    assert.equal(cfg.keepAliveIdleMs, 30_000);
    s.resume();
  }).listen(80);
  const c = new (synackNet(client).Socket)();
  assert.equal(c.pending, true);
  assert.deepEqual(c.address(), {});
  assert.equal(c.remoteAddress, undefined);
  c.setNoDelay(true);
  c.setKeepAlive(true, 10_000);
  assert.equal(c.ref(), c);
  assert.equal(c.unref(), c);
  c.connect(80, SERVER_IP);
  await untilConnected(net, c);
  assert.equal(c.pending, false);
  assert.equal(c.readyState, 'open');
  const cfg = c.connection!.tcb.config;
  assert.equal(cfg.noDelay, true);
  assert.equal(cfg.keepAlive, true);
  assert.equal(cfg.keepAliveIdleMs, 10_000);
  // Keep-alive probes go out after 10 s idle and are answered: the connection stays up.
  const probes = client.stack.counters.tcp.TCPKeepAliveProbes;
  const t0 = net.now;
  await net.runAsync(() => net.now >= t0 + 100_000);
  assert.ok(client.stack.counters.tcp.TCPKeepAliveProbes > probes, 'keep-alive probes were sent');
  assert.equal(c.connection!.state, 'ESTABLISHED');
  c.setNoDelay(false);
  assert.equal(cfg.noDelay, false);
  c.setKeepAlive(false);
  assert.equal(cfg.keepAlive, false);
  c.destroy();
});

test('Server: listen forms, address, getConnections, maxConnections (drop), close after connections end', async () => {
  const { net, client, server } = pair(6);
  const srv = createServer(server);
  assert.equal(srv.address(), null);
  assert.equal(srv.listening, false);
  const accepted: Socket[] = [];
  srv.on('connection', (s: Socket) => accepted.push(s));
  let listening = 0;
  srv.listen({ port: 8080, host: SERVER_IP, backlog: 10 }, () => listening++);
  assert.equal(srv.listening, true);
  assert.deepEqual(srv.address(), { address: SERVER_IP, family: 'IPv4', port: 8080 });
  assert.equal(srv.stackListener!.backlog, 10);
  srv.maxConnections = 2;
  const drops: unknown[] = [];
  srv.on('drop', (d) => drops.push(d));
  const clients = [0, 1, 2].map(() => connect(client, 8080, SERVER_IP));
  const ended = clients.map((c) => {
    const r = { ended: false };
    c.on('end', () => (r.ended = true));
    c.resume();
    return r;
  });
  await net.runAsync(() => accepted.length === 2 && drops.length === 1 && ended[2].ended);
  assert.equal(listening, 1);
  let count = -1;
  srv.getConnections((_e, n) => (count = n));
  await net.runAsync(() => count >= 0);
  assert.equal(count, 2);
  assert.deepEqual(Object.keys(drops[0] as object).sort(), ['localAddress', 'localFamily', 'localPort', 'remoteAddress', 'remoteFamily', 'remotePort']);
  // close(): no new connections; 'close' waits for the two accepted ones.
  let closed = false;
  srv.close(() => (closed = true));
  assert.equal(srv.listening, false);
  const late = connect(client, 8080, SERVER_IP);
  let lateError: NodeJS.ErrnoException | undefined;
  late.on('error', (e) => (lateError = e));
  await net.runAsync(() => lateError !== undefined);
  assert.equal(lateError!.code, 'ECONNREFUSED');
  assert.equal(closed, false);
  clients[0].end();
  clients[1].end();
  accepted.forEach((s) => s.resume());
  await net.runAsync(() => closed);
  let notRunning: Error | undefined;
  srv.close((e) => (notRunning = e));
  await net.runAsync(() => notRunning !== undefined);
  assert.equal((notRunning as NodeJS.ErrnoException).code, 'ERR_SERVER_NOT_RUNNING');
});

test('IPv6, localAddress, and names through a lookup function (ENOTFOUND without one)', async () => {
  const net = new SimNetwork(7);
  const a = net.addHost('a', { addresses: ['2001:db8::1', '2001:db8::11'] });
  const b = net.addHost('b', { addresses: ['2001:db8::2'] });
  net.link(a, b);
  const srv = createServer(b, (s) => s.pipe(s)).listen(443);
  assert.deepEqual(srv.address(), { address: '::', family: 'IPv6', port: 443 });
  const lookups: string[] = [];
  const c = connect(a, {
    port: 443,
    host: 'b.test',
    localAddress: '2001:db8::11',
    lookup: (name, _opts, cb) => {
      lookups.push(name);
      cb(null, '2001:db8::2', 6);
    },
  });
  const got = collect(c);
  let seen: unknown[] = [];
  c.on('connect', () => (seen = [c.remoteAddress, c.remoteFamily, c.localAddress, c.address().family]));
  c.end('over IPv6');
  await net.runAsync(() => got.done);
  assert.deepEqual(lookups, ['b.test']);
  assert.equal(got.bytes().toString(), 'over IPv6');
  assert.deepEqual(seen, ['2001:db8::2', 'IPv6', '2001:db8::11', 'IPv6']);

  const d = connect(a, 443, 'nowhere.test');
  let err: NodeJS.ErrnoException | undefined;
  d.on('error', (e) => (err = e));
  await net.runAsync(() => err !== undefined);
  assert.equal(err!.code, 'ENOTFOUND');
  assert.equal(err!.syscall, 'getaddrinfo');
});

test("Node's http keep-alive timeout runs on virtual time: the idle connection closes keepAliveTimeout after the response", async () => {
  const { net, client, server } = pair(8);
  const httpServer = http.createServer((_req, res) => res.end('ok'));
  httpServer.keepAliveTimeout = 5_000;
  let serverSocket: Socket | undefined;
  let closedAt: number | undefined;
  createServer(server, (s) => {
    serverSocket = s;
    s.on('close', () => (closedAt = net.now));
    httpServer.emit('connection', s);
  }).listen(80);
  const agent = new SynackAgent(client, { keepAlive: true });
  let answeredAt: number | undefined;
  http
    .get({ host: SERVER_IP, port: 80, agent }, (res) => {
      res.resume();
      res.on('end', () => (answeredAt = net.now));
    })
    .end();
  await net.runAsync(() => closedAt !== undefined, { maxMs: 60_000 });
  assert.ok(answeredAt !== undefined);
  assert.ok(serverSocket!.destroyed);
  // http armed the socket's idle timeout (keepAliveTimeout plus the margin Node adds); it fired on
  // virtual time, counted from the server's last activity (its response, a link delay before the
  // client saw it).
  const idle = serverSocket!.timeout!;
  assert.ok(idle >= 5_000);
  const gap = closedAt! - answeredAt!;
  assert.ok(gap >= idle - 10 && gap <= idle + 10, `closed ${gap} ms after the answer, timeout ${idle} ms`);
  agent.destroy();
});

test('HostTimers: one wake-up for the earliest deadline; lazy entries; stale wake-ups are harmless', () => {
  const net = new SimNetwork(9);
  const h = net.addHost('h', { addresses: ['10.0.0.1'] });
  const asked: number[] = [];
  const timers = new HostTimers(h, {
    at: (t, fn) => {
      asked.push(t);
      net.at(t, fn);
    },
  });
  const woken: Array<[string, number]> = [];
  const target = (name: string) => ({ heapIndex: -1, onTimer: (now: number) => woken.push([name, now]) });
  timers.file(300, target('c'));
  timers.file(100, target('a'));
  timers.file(200, target('b'));
  timers.file(100, target('a2'));
  assert.deepEqual(asked, [300, 100]);
  net.runUntilIdle();
  assert.deepEqual(woken, [
    ['a', 100],
    ['a2', 100],
    ['b', 200],
    ['c', 300],
  ]);
  assert.equal(timers.size, 0);
});
