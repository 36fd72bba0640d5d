/**
 * What node:net does, asserted of synack's sockets. Each expectation was first seen with node:net
 * itself on loopback (a server `createServer(s => s.on('close', ...))`, clients that connect then
 * `end()`), and follows node:net's documentation:
 *
 * - A socket that is never read still learns of the peer's FIN when nothing is pending: net.Socket
 *   starts reading its handle (`read(0)`) as it is made or connected, and on EOF it pushes the end
 *   and calls `read(0)` again, so 'end' is emitted with an empty buffer even without a 'data'
 *   listener or while paused. With allowHalfOpen false it then ends its side and closes; with
 *   allowHalfOpen true it stays open (CLOSE-WAIT) until the application ends it.
 * - `pauseOnConnect` does not start reading: the FIN is learnt once the application resumes.
 * - `bufferSize` is `writableLength` while the socket has a handle, undefined otherwise.
 * - After `destroy()` the addresses are undefined ("may be undefined if the socket is destroyed"),
 *   `address()` is {} and `pending` is true (no handle).
 * - A destroyed socket may `connect()` again (net.Socket undestroys itself).
 * - No ephemeral port left: connect fails with EADDRNOTAVAIL, as Linux's connect(2).
 *
 * Every run is on virtual time with a fixed seed, printed in the assertion messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, Socket, type Server } from '../../src/socket/index.js';
import { TcpError } from '../../src/tcp/tcb.js';
import { SERVER_IP, collect, pair } from './helpers.js';

/** A server whose sockets are never read, and `n` clients that connect then end(). */
function neverReadServer(seed: number, opts: { allowHalfOpen?: boolean; pauseOnConnect?: boolean; pause?: boolean } = {}) {
  const p = pair(seed);
  const serverSockets: Socket[] = [];
  const seen = { end: 0, close: 0 };
  const srv = createServer(p.server, { allowHalfOpen: opts.allowHalfOpen, pauseOnConnect: opts.pauseOnConnect }, (s) => {
    serverSockets.push(s);
    if (opts.pause) s.pause();
    s.on('end', () => seen.end++);
    s.on('close', () => seen.close++);
  });
  srv.listen(80);
  return { ...p, srv, serverSockets, seen };
}

function clients(p: ReturnType<typeof neverReadServer>, n: number, timeout?: number) {
  const out = { closed: 0, timeouts: 0, sockets: [] as Socket[] };
  for (let i = 0; i < n; i++) {
    const c = connect(p.client, { port: 80, host: SERVER_IP, timeout }, () => c.end());
    c.on('timeout', () => out.timeouts++);
    c.on('close', () => out.closed++);
    out.sockets.push(c);
  }
  return out;
}

function serverStates(p: { server: { stack: { connections(): Iterable<{ state: string }> } } }): string[] {
  return [...p.server.stack.connections()].map((c) => c.state);
}

function connections(srv: Server): Promise<number> {
  return new Promise((resolve) => srv.getConnections((_e, n) => resolve(n)));
}

test('a server socket never read sees the FIN of five clients: end, close, getConnections 0, close(cb) calls back', async () => {
  const seed = 11;
  const p = neverReadServer(seed);
  const c = clients(p, 5, 5_000);
  await p.net.runAsync(() => p.seen.close === 5 && c.closed === 5, { maxMs: 60_000 }).catch((e: Error) => {
    assert.fail(`seed ${seed}: ${e.message}; server ends ${p.seen.end}, closes ${p.seen.close}, states ${serverStates(p)}`);
  });
  assert.equal(p.seen.end, 5, `seed ${seed}`);
  assert.equal(await connections(p.srv), 0, `seed ${seed}`);
  // The sockets are closed; their connections finish LAST-ACK on their own.
  await p.net.runAsync(() => serverStates(p).length === 0, { maxMs: 10_000 }).catch(() => undefined);
  assert.deepEqual(serverStates(p), [], `seed ${seed}: no connection left (none in CLOSE-WAIT)`);
  let closedCb = false;
  p.srv.close(() => (closedCb = true));
  await p.net.runAsync(() => closedCb, { maxMs: 1_000 });
  // The clients' idle timeout (5 s) never fires: their connections closed long before.
  await p.net.runAsync(() => false, { maxMs: 10_000 }).catch(() => undefined);
  assert.equal(c.timeouts, 0, `seed ${seed}: a closed socket's connect timeout must not fire`);
});

test('a paused server socket with nothing pending still learns of EOF, ends and closes (allowHalfOpen false)', async () => {
  const seed = 12;
  const p = neverReadServer(seed, { pause: true });
  const c = clients(p, 3);
  await p.net.runAsync(() => p.seen.close === 3 && c.closed === 3, { maxMs: 60_000 }).catch((e: Error) => {
    assert.fail(`seed ${seed}: ${e.message}; server ends ${p.seen.end}, closes ${p.seen.close}, states ${serverStates(p)}`);
  });
  assert.equal(p.seen.end, 3, `seed ${seed}`);
  assert.ok(p.serverSockets.every((s) => s.isPaused()), `seed ${seed}: still paused`);
});

test('allowHalfOpen true: the never-read socket emits end and stays open (CLOSE-WAIT) until the application ends it', async () => {
  const seed = 13;
  const p = neverReadServer(seed, { allowHalfOpen: true });
  clients(p, 2);
  await p.net.runAsync(() => p.seen.end === 2, { maxMs: 60_000 }).catch((e: Error) => {
    assert.fail(`seed ${seed}: ${e.message}; server ends ${p.seen.end}, states ${serverStates(p)}`);
  });
  await p.net.runAsync(() => false, { maxMs: 5_000 }).catch(() => undefined);
  assert.equal(p.seen.close, 0, `seed ${seed}: half-open sockets stay open`);
  assert.deepEqual(serverStates(p), ['CLOSE-WAIT', 'CLOSE-WAIT'], `seed ${seed}`);
  assert.ok(p.serverSockets.every((s) => s.writable), `seed ${seed}`);
  for (const s of p.serverSockets) s.end('bye');
  await p.net.runAsync(() => p.seen.close === 2, { maxMs: 60_000 });
});

test('pauseOnConnect: the FIN is learnt when the application resumes the socket', async () => {
  const seed = 14;
  const p = neverReadServer(seed, { pauseOnConnect: true });
  clients(p, 2);
  await p.net.runAsync(() => serverStates(p).filter((s) => s === 'CLOSE-WAIT').length === 2 && p.serverSockets.length === 2, { maxMs: 60_000 });
  await p.net.runAsync(() => false, { maxMs: 2_000 }).catch(() => undefined);
  assert.equal(p.seen.end, 0, `seed ${seed}: not reading yet`);
  for (const s of p.serverSockets) s.resume();
  await p.net.runAsync(() => p.seen.close === 2, { maxMs: 60_000 }).catch((e: Error) => {
    assert.fail(`seed ${seed}: ${e.message}; server ends ${p.seen.end}, states ${serverStates(p)}`);
  });
  assert.equal(p.seen.end, 2, `seed ${seed}`);
});

test('a client that never reads sees the server end: end, then close', async () => {
  const seed = 15;
  const { net, client, server } = pair(seed);
  createServer(server, (s) => s.end()).listen(80);
  const events: string[] = [];
  const c = connect(client, { port: 80, host: SERVER_IP });
  c.on('end', () => events.push('end'));
  c.on('close', () => events.push('close'));
  await net.runAsync(() => events.includes('close'), { maxMs: 60_000 }).catch((e: Error) => {
    assert.fail(`seed ${seed}: ${e.message}; events ${events}, client state ${c.tcpStateName}`);
  });
  assert.deepEqual(events, ['end', 'close'], `seed ${seed}`);
});

test('maxConnections 1: a second client, arriving after the first ended, is accepted (no drop)', async () => {
  const seed = 16;
  const p = neverReadServer(seed);
  p.srv.maxConnections = 1;
  let drops = 0;
  p.srv.on('drop', () => drops++);
  const first = clients(p, 1);
  await p.net.runAsync(() => p.seen.close === 1 && first.closed === 1, { maxMs: 60_000 }).catch((e: Error) => {
    assert.fail(`seed ${seed}: ${e.message}; server closes ${p.seen.close}, states ${serverStates(p)}`);
  });
  const second = clients(p, 1);
  await p.net.runAsync(() => p.seen.close === 2 && second.closed === 1, { maxMs: 60_000 }).catch((e: Error) => {
    assert.fail(`seed ${seed}: ${e.message}; drops ${drops}`);
  });
  assert.equal(drops, 0, `seed ${seed}`);
});

test('bufferSize: undefined before connect and after destroy, writableLength while connected', async () => {
  const seed = 17;
  const { net, client, server } = pair(seed);
  createServer(server, (s) => s.pause()).listen(80);
  const c = new Socket(client);
  assert.equal(c.bufferSize, undefined, 'before connect');
  let connected = false;
  c.connect(80, SERVER_IP, () => (connected = true));
  assert.equal(c.bufferSize, c.writableLength, 'while connecting: the handle exists');
  await net.runAsync(() => connected, { maxMs: 10_000 });
  assert.equal(c.bufferSize, 0, `seed ${seed}`);
  // More than the send buffer and the stream's high-water mark hold while the peer does not read.
  c.write(Buffer.alloc(4 << 20));
  await net.runAsync(() => false, { maxMs: 2_000 }).catch(() => undefined);
  assert.ok(c.bufferSize! > 0, `seed ${seed}: ${c.bufferSize}`);
  assert.equal(c.bufferSize, c.writableLength, `seed ${seed}`);
  c.destroy();
  assert.equal(c.bufferSize, undefined, 'after destroy');
});

test('after destroy() the addresses are undefined and address() is {}', async () => {
  const seed = 18;
  const { net, client, server } = pair(seed);
  createServer(server, () => undefined).listen(80);
  const c = connect(client, { port: 80, host: SERVER_IP });
  await net.runAsync(() => !c.connecting, { maxMs: 10_000 });
  assert.equal(c.remoteAddress, SERVER_IP);
  c.destroy();
  assert.deepEqual(
    [c.remoteAddress, c.remotePort, c.remoteFamily, c.localAddress, c.localPort, c.localFamily],
    [undefined, undefined, undefined, undefined, undefined, undefined],
  );
  assert.deepEqual(c.address(), {});
  assert.equal(c.pending, true, 'no handle: pending, as in Node');
});

test('a destroyed socket connects again, as net.Socket does', async () => {
  const seed = 19;
  const { net, client, server } = pair(seed);
  createServer(server, (s) => s.pipe(s)).listen(7);
  const c = new Socket(client);
  let connects = 0;
  const ports: Array<number | undefined> = [];
  c.on('connect', () => {
    connects++;
    ports.push(c.localPort);
  });
  let closes = 0;
  c.on('close', () => closes++);
  c.connect(7, SERVER_IP);
  await net.runAsync(() => connects === 1, { maxMs: 10_000 });
  c.destroy();
  await net.runAsync(() => closes === 1, { maxMs: 10_000 });
  assert.equal(c.destroyed, true);
  c.connect(7, SERVER_IP);
  assert.equal(c.destroyed, false);
  assert.equal(c.connecting, true);
  const got = collect(c);
  c.end('again');
  await net.runAsync(() => got.done && closes === 2, { maxMs: 60_000 }).catch((e: Error) => assert.fail(`seed ${seed}: ${e.message}`));
  assert.equal(connects, 2, `seed ${seed}`);
  assert.equal(got.bytes().toString(), 'again', `seed ${seed}`);
  assert.equal(ports.length, 2);
  assert.ok(ports.every((p) => p !== undefined && p >= 49152), `seed ${seed}: ${ports}`);
});

test('no ephemeral port left: EADDRNOTAVAIL (as Linux and Node), from the stack and from a socket', async () => {
  const seed = 20;
  const { net, client, server } = pair(seed, {}, { client: { limits: { ephemeralMin: 50000, ephemeralMax: 50000 } } });
  createServer(server, () => undefined).listen(80);
  const first = connect(client, { port: 80, host: SERVER_IP });
  await net.runAsync(() => !first.connecting, { maxMs: 10_000 });
  assert.equal(first.localPort, 50000);
  assert.throws(
    () => client.stack.connect({ address: SERVER_IP, port: 80 }, client.now()),
    (e: unknown) => e instanceof TcpError && e.code === 'EADDRNOTAVAIL',
  );
  const second = connect(client, { port: 80, host: SERVER_IP });
  let err: (Error & { code?: string; syscall?: string }) | undefined;
  second.on('error', (e) => (err = e));
  await net.runAsync(() => err !== undefined, { maxMs: 10_000 });
  assert.equal(err!.code, 'EADDRNOTAVAIL', `seed ${seed}: ${err!.message}`);
  assert.equal(err!.syscall, 'connect');
  assert.match(err!.message, /EADDRNOTAVAIL/);
});
