/**
 * Back-pressure both ways: write() returns false once synack's send buffer (and the stream's own
 * buffer above it) is full, with 'drain' after; a reader that stops reading closes the receive window,
 * the sender's writes stall, and resuming delivers every byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/tcp/random.js';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.js';
import { connect, createServer, type Socket } from '../../src/socket/index.js';
import { SERVER_IP, collect, pair, sha256, untilConnected } from './helpers.js';

test('write() returns false when the send buffer is full, and drain follows', async () => {
  const { net, client, server } = pair(41, { delayMs: 10 });
  createServer(server, (s) => s.resume()).listen(80);
  const c = connect(client, 80, SERVER_IP);
  await untilConnected(net, c);
  const chunk = Buffer.alloc(1024, 7);
  let accepted = 0;
  while (c.write(chunk)) accepted += chunk.length;
  accepted += chunk.length; // the write that returned false was taken too
  const tcb = c.connection!.tcb;
  // Nothing has been acknowledged yet (no virtual time passed): the send buffer is full, and the
  // stream holds its highWaterMark on top of it.
  assert.equal(tcb.writableLength, 0);
  assert.equal(tcb.sendBuffer.length, DEFAULT_TCP_CONFIG.sendBufferSize);
  assert.equal(accepted, DEFAULT_TCP_CONFIG.sendBufferSize + c.writableHighWaterMark);
  assert.equal(c.writableLength, c.writableHighWaterMark);
  assert.equal(c.writableNeedDrain, true);
  let drained = false;
  c.once('drain', () => (drained = true));
  await net.runAsync(() => drained);
  assert.equal(c.writableLength, 0);
  assert.equal(c.bytesWritten, accepted);
  c.destroy();
});

test('a paused reader closes the window; the sender stalls; resuming delivers everything byte-exact', async () => {
  // Fixed buffers (no auto-tuning): the bounds below are stated in the default sizes.
  const fixed = { tcp: { bufferAutoTuning: false } };
  const { net, client, server } = pair(42, { delayMs: 5, rateBps: 100e6 }, { client: fixed, server: fixed });
  let serverSocket: Socket | undefined;
  createServer(server, { pauseOnConnect: true }, (s) => (serverSocket = s)).listen(80);
  const total = 2_000_000;
  const data = Buffer.from(new SeededRandom(8).bytes(total));
  const c = connect(client, 80, SERVER_IP);

  // A well-behaved producer: write until false, wait for 'drain'.
  let offered = 0;
  let stalled = false;
  let falseReturns = 0;
  const produce = (): void => {
    while (offered < total) {
      const n = Math.min(8192, total - offered);
      const ok = c.write(data.subarray(offered, offered + n));
      offered += n;
      if (!ok) {
        falseReturns++;
        stalled = true;
        c.once('drain', () => {
          stalled = false;
          produce();
        });
        return;
      }
    }
    c.end();
  };
  c.on('connect', produce);

  // Run until the sender sees a zero window.
  await net.runAsync(() => serverSocket !== undefined && c.connection!.tcb.sndWnd === 0 && stalled);
  // Let what was in flight be acknowledged; from then on nothing moves but window probes.
  const settle = net.now;
  await net.runAsync(() => net.now >= settle + 1_000);
  const t0 = net.now;
  const offeredAtStall = offered;
  await net.runAsync(() => net.now >= t0 + 10_000);
  const serverTcb = serverSocket!.connection!.tcb;
  assert.equal(serverSocket!.bytesRead, 0, 'the paused reader read nothing');
  assert.equal(serverTcb.readableLength, DEFAULT_TCP_CONFIG.receiveBufferSize, 'the receive buffer is full');
  assert.equal(c.connection!.tcb.sndWnd, 0, 'the window is closed');
  assert.ok(stalled, 'the producer waits for drain');
  assert.equal(offered, offeredAtStall, 'no write got through while the window was closed');
  assert.ok(offered < total);
  assert.ok(client.stack.counters.tcp.TCPWindowProbes > 0, 'the sender probed the zero window');
  // What the sender has been allowed to queue: the peer's receive buffer, its own send buffer, the
  // stream's highWaterMark (and the write that crossed it).
  assert.ok(
    offered <= DEFAULT_TCP_CONFIG.receiveBufferSize + DEFAULT_TCP_CONFIG.sendBufferSize + c.writableHighWaterMark + 8192,
    `offered ${offered}`,
  );

  // Resume: everything arrives.
  const got = collect(serverSocket!);
  serverSocket!.resume();
  await net.runAsync(() => got.done, { maxMs: 600_000 });
  assert.equal(got.bytes().length, total);
  assert.equal(sha256(got.bytes()), sha256(data));
  assert.ok(falseReturns > 1);
  assert.equal(serverSocket!.bytesRead, total);
});

test('a slow reader (reads a little at a time) gets every byte, window opening and closing as it goes', async () => {
  const { net, client, server } = pair(43, { delayMs: 2 });
  const total = 600_000;
  const data = Buffer.from(new SeededRandom(12).bytes(total));
  const parts: Buffer[] = [];
  let ended = false;
  let minWnd = Infinity;
  let c: Socket | undefined;
  createServer(server, (s) => {
    // readable mode: read 4 KB per 10 ms of virtual time.
    const tick = (): void => {
      for (let i = 0; i < 4; i++) {
        const b = s.read(1024) as Buffer | null;
        if (b) parts.push(b);
      }
      minWnd = Math.min(minWnd, c?.connection?.tcb.sndWnd ?? Infinity);
      if (!ended) net.at(net.now + 10, tick);
    };
    s.on('end', () => (ended = true));
    s.on('readable', () => undefined);
    tick();
  }).listen(80);
  c = connect(client, 80, SERVER_IP);
  c.end(data);
  await net.runAsync(() => ended, { maxMs: 3_600_000 });
  assert.equal(sha256(Buffer.concat(parts)), sha256(data));
  // The reader is slower than the network: the window it advertises shrinks below one segment.
  assert.ok(minWnd < c.connection!.tcb.sendMss, `smallest window seen ${minWnd}`);
  // 600 KB at 4 KB per 10 ms takes about 1.5 s of virtual time.
  assert.ok(net.now >= 1_400, `took ${net.now} ms`);
});
