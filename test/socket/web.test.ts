/**
 * The browser-native API (socket/web.ts): TcpStream and TcpListener over simulated hosts, in virtual
 * time. WHATWG streams, EventTarget and Event are globals in Node 20, so these run here as in a page.
 * Each test names its seed; a failure says it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, TcpError, TcpListener, TcpStream, type Socket, type TcpConnectionEvent, type TcpErrorEvent } from '../../src/index.js';
import { decodeTcpPacket, TcpFlag } from '../../src/wire/index.js';
import { SeededRandom } from '../../src/tcp/random.js';
import type { SimNetwork } from '../../src/link/sim.js';
import type { Host } from '../../src/link/host.js';
import { SERVER_IP, CLIENT_IP, pair, sha256 } from './helpers.js';

/** Run `body` with `seed`; a failure names the seed, so the run can be replayed. */
function seeded(name: string, seed: number, body: (seed: number) => Promise<void>): void {
  test(`${name} (seed ${seed})`, async () => {
    try {
      await body(seed);
    } catch (e) {
      if (e instanceof Error) e.message = `[seed ${seed}] ${e.message}`;
      throw e;
    }
  });
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Everything a readable yields, until it ends. */
async function readAll(r: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const reader = r.getReader(); ; ) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Wait `ms` of the network's virtual time. */
function later(net: SimNetwork, ms: number): Promise<void> {
  return new Promise((resolve) => net.at(net.now + ms, resolve));
}

/** The outcome of a promise, as a value the test can assert on once the network has run. */
function outcome<T>(p: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const o: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then(
    (v) => Object.assign(o, { settled: true, value: v }),
    (e) => Object.assign(o, { settled: true, error: e }),
  );
  return o;
}

/** The flags of every TCP segment `from` sends on the pair's link. */
function flagsSentBy(link: ReturnType<SimNetwork['link']>, from: Host): number[] {
  const out: number[] = [];
  link.tap((packet, _t, h) => {
    if (h !== from) return;
    const p = decodeTcpPacket(packet);
    if (p.ok) out.push(p.tcp.flags);
  });
  return out;
}

seeded('echo: a listener accepts on read, the client writes, closes its side, and reads the echo to its end', 3, async (seed) => {
  const { net, client, server } = pair(seed, { delayMs: 10 });
  const listener = new TcpListener(server, { localPort: 7 });
  const events: string[] = [];
  listener.addEventListener('connection', () => events.push('connection'));
  const { readable: incoming, localPort } = await listener.opened;
  assert.equal(localPort, 7);

  const serving = (async () => {
    const { value: conn } = await incoming.getReader().read();
    const { readable, writable } = await conn!.opened;
    await readable.pipeTo(writable); // echo until the client's FIN, then FIN back
    await conn!.closed;
  })();

  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 7 });
  for (const type of ['open', 'end', 'close']) s.addEventListener(type, () => events.push(type));
  const talking = (async () => {
    const info = await s.opened;
    assert.equal(info.remoteAddress, SERVER_IP);
    assert.equal(info.remotePort, 7);
    assert.equal(info.localAddress, CLIENT_IP);
    assert.ok(info.localPort >= 49152, `an ephemeral port: ${info.localPort}`);
    const w = info.writable.getWriter();
    await w.write(enc.encode('hello, '));
    await w.write(enc.encode('world'));
    await w.close();
    return dec.decode(await readAll(info.readable));
  })();
  const got = outcome(talking);
  const served = outcome(serving);
  const closed = outcome(s.closed);
  await net.runAsync(() => got.settled && served.settled && closed.settled);
  assert.equal(got.error, undefined);
  assert.equal(served.error, undefined);
  assert.equal(got.value, 'hello, world');
  assert.equal(closed.error, undefined);
  assert.deepEqual(events, ['open', 'connection', 'end', 'close']);
  // The client sent the first FIN: TIME-WAIT; the server's last ACK came back: CLOSED.
  assert.equal(s.tcpState, 'TIME-WAIT');
});

seeded('a large transfer to a slow reader: everything arrives byte-exact, and what is held in between stays bounded', 11, async (seed) => {
  // Fixed buffers (no auto-tuning): the bound below is stated in their sizes.
  const fixed = { tcp: { bufferAutoTuning: false, receiveBufferSize: 65536, sendBufferSize: 65536 } };
  const { net, client, server, link } = pair(seed, { delayMs: 5, rateBps: 50e6 }, { client: fixed, server: fixed });
  const total = 1_000_000;
  const data = new SeededRandom(seed).bytes(total);
  const hwm = 8192;
  const listener = new TcpListener(server, { localPort: 80, autoAccept: true, readableHighWaterMark: hwm });
  let written = 0;
  let read = 0;
  let maxHeld = 0;
  let readerStalls = 0;
  let paused = false;
  let writerBlocked = false;
  let writerWaiting = false;
  const zeroWindows = { n: 0 };
  link.tap((packet, _t, from) => {
    const p = decodeTcpPacket(packet);
    if (from === server && p.ok && p.tcp.window === 0) zeroWindows.n++;
  });
  const received: Uint8Array[] = [];
  const reading = new Promise<void>((resolve, reject) => {
    listener.addEventListener('connection', (ev) => {
      const conn = (ev as TcpConnectionEvent).stream;
      (async () => {
        const { readable } = await conn.opened;
        const reader = readable.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          received.push(value);
          read += value.length;
          // A slow reader: 2 ms of virtual time per chunk, far below the link's rate; and once, a
          // reader that stops reading for a second.
          readerStalls++;
          if (read >= 200_000 && !paused) {
            paused = true;
            await later(net, 1000);
            writerWaiting = writerBlocked;
          } else await later(net, 2);
        }
      })().then(resolve, reject);
    });
  });
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80, writableHighWaterMark: hwm });
  const writing = (async () => {
    const { writable } = await s.opened;
    const w = writable.getWriter();
    for (let o = 0; o < total; o += 4096) {
      writerBlocked = true;
      await w.ready;
      writerBlocked = false;
      void w.write(data.subarray(o, o + 4096));
      written = o + 4096;
      maxHeld = Math.max(maxHeld, written - read);
    }
    await w.close();
  })();
  const done = outcome(Promise.all([reading, writing]));
  await net.runAsync(() => done.settled, { maxMs: 600_000 });
  assert.equal(done.error, undefined);
  const all = new Uint8Array(total);
  let o = 0;
  for (const c of received) {
    all.set(c, o);
    o += c.length;
  }
  assert.equal(o, total);
  assert.equal(sha256(all), sha256(data));
  // Written but not yet read: at most the writable's queue and the send buffer, the receive buffer
  // and the readable's queue (each chunk at most one write of 4 KiB over its mark).
  const bound = hwm + 4096 + 65536 + 65536 + hwm + 4096;
  assert.ok(maxHeld <= bound, `held ${maxHeld} bytes between writer and reader, bound ${bound}`);
  assert.ok(maxHeld > 65536, `the writer ran ahead of the reader (${maxHeld} bytes), so the bound was tested`);
  assert.ok(zeroWindows.n > 0, 'the reader that stopped closed the receive window');
  assert.ok(writerWaiting, 'the writer was waiting on writer.ready when the reader resumed');
  assert.ok(readerStalls > 10);
});

seeded('half-close, client first: the server reads to the end, then writes on, and the client reads it', 5, async (seed) => {
  const { net, client, server } = pair(seed, { delayMs: 3 });
  const listener = new TcpListener(server, { localPort: 80 });
  const serving = (async () => {
    const { readable: incoming } = await listener.opened;
    const { value: conn } = await incoming.getReader().read();
    const { readable, writable } = await conn!.opened;
    const request = dec.decode(await readAll(readable)); // ends at the client's FIN
    assert.equal(conn!.tcpState, 'CLOSE-WAIT');
    const w = writable.getWriter();
    await w.write(enc.encode(`you said ${request.length} bytes`));
    await w.close();
    await conn!.closed;
    return conn!.tcpState;
  })();
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80 });
  const talking = (async () => {
    const { readable, writable } = await s.opened;
    const w = writable.getWriter();
    await w.write(enc.encode('0123456789'));
    await w.close();
    return dec.decode(await readAll(readable));
  })();
  const got = outcome(talking);
  const served = outcome(serving);
  await net.runAsync(() => got.settled && served.settled);
  assert.equal(got.error, undefined);
  assert.equal(served.error, undefined);
  assert.equal(got.value, 'you said 10 bytes');
  // The server closed second: LAST-ACK until our ACK of its FIN, then CLOSED; we wait in TIME-WAIT.
  await net.runAsync(() => s.tcpState === 'TIME-WAIT' && served.value !== undefined);
  assert.ok(['LAST-ACK', 'CLOSED'].includes(String(served.value)), String(served.value));
});

seeded('half-close, server first: the client reads the reply to its end and still sends', 6, async (seed) => {
  const { net, client, server } = pair(seed, { delayMs: 3 });
  const listener = new TcpListener(server, { localPort: 80 });
  const serving = (async () => {
    const { readable: incoming } = await listener.opened;
    const { value: conn } = await incoming.getReader().read();
    const { readable, writable } = await conn!.opened;
    const w = writable.getWriter();
    await w.write(enc.encode('banner'));
    await w.close(); // FIN first
    return dec.decode(await readAll(readable));
  })();
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80 });
  let ended = false;
  s.addEventListener('end', () => (ended = true));
  const talking = (async () => {
    const { readable, writable } = await s.opened;
    const banner = dec.decode(await readAll(readable));
    assert.ok(ended, "'end' came with the server's FIN");
    assert.equal(s.tcpState, 'CLOSE-WAIT');
    const w = writable.getWriter();
    await w.write(enc.encode('after your FIN'));
    await w.close();
    await s.closed;
    return banner;
  })();
  const got = outcome(talking);
  const served = outcome(serving);
  await net.runAsync(() => got.settled && served.settled);
  assert.equal(got.error, undefined);
  assert.equal(served.error, undefined);
  assert.equal(got.value, 'banner');
  assert.equal(served.value, 'after your FIN');
});

seeded('a connect to a closed port is refused: opened and closed reject with ECONNREFUSED, and error then close are emitted', 7, async (seed) => {
  const { net, client } = pair(seed, { delayMs: 2 });
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 9 });
  const events: string[] = [];
  let errorCode: string | undefined;
  s.addEventListener('error', (e) => {
    events.push('error');
    errorCode = (e as TcpErrorEvent).error.code;
  });
  s.addEventListener('close', () => events.push('close'));
  s.addEventListener('open', () => events.push('open'));
  const opened = outcome(s.opened);
  const closed = outcome(s.closed);
  await net.runAsync(() => opened.settled && closed.settled);
  assert.ok(opened.error instanceof TcpError, String(opened.error));
  assert.equal((opened.error as TcpError).code, 'ECONNREFUSED');
  assert.equal((closed.error as TcpError).code, 'ECONNREFUSED');
  assert.deepEqual(events, ['error', 'close']);
  assert.equal(errorCode, 'ECONNREFUSED');
});

seeded('an unreachable peer times out: ETIMEDOUT after the SYN retries', 8, async (seed) => {
  const { net, client } = pair(seed, { loss: 1 });
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80 });
  const opened = outcome(s.opened);
  await net.runAsync(() => opened.settled, { maxMs: 600_000 });
  assert.equal((opened.error as TcpError).code, 'ETIMEDOUT');
});

seeded("the peer's reset errors both streams with ECONNRESET; the one who aborted sends a RST and closes cleanly", 9, async (seed) => {
  const { net, client, server, link } = pair(seed, { delayMs: 4 });
  const serverFlags = flagsSentBy(link, server);
  const listener = new TcpListener(server, { localPort: 80, autoAccept: true });
  let accepted: TcpStream | undefined;
  listener.addEventListener('connection', (e) => (accepted = (e as TcpConnectionEvent).stream));
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80 });
  const info = outcome(s.opened);
  await net.runAsync(() => info.settled && accepted !== undefined);
  const { readable, writable } = info.value!;
  const read = outcome(readable.getReader().read());
  let errorCode: string | undefined;
  s.addEventListener('error', (e) => (errorCode = (e as TcpErrorEvent).error.code));
  const closed = outcome(s.closed);
  const serverClosed = outcome(accepted!.abort());
  await net.runAsync(() => read.settled && closed.settled && serverClosed.settled);
  assert.ok(serverFlags.some((f) => f & TcpFlag.RST), 'the server sent a RST');
  assert.equal(serverClosed.error, undefined, 'abort() resolves: the application asked for it');
  assert.equal((read.error as TcpError).code, 'ECONNRESET');
  assert.equal((closed.error as TcpError).code, 'ECONNRESET');
  assert.equal(errorCode, 'ECONNRESET');
  const write = outcome(writable.getWriter().write(enc.encode('too late')));
  await net.runAsync(() => write.settled);
  assert.equal((write.error as TcpError).code, 'ECONNRESET');
  assert.equal(s.tcpState, 'CLOSED');
});

seeded('close() with unread data: the FIN is replaced by a RST, as close(2) does; closed resolves', 10, async (seed) => {
  const { net, client, server, link } = pair(seed, { delayMs: 4 });
  const clientFlags = flagsSentBy(link, client);
  const listener = new TcpListener(server, { localPort: 80, autoAccept: true });
  let accepted: TcpStream | undefined;
  listener.addEventListener('connection', (e) => (accepted = (e as TcpConnectionEvent).stream));
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80, readableHighWaterMark: 0 });
  await net.runAsync(() => accepted !== undefined);
  const { writable } = await accepted!.opened;
  const sent = outcome(writable.getWriter().write(enc.encode('nobody will read this')));
  await net.runAsync(() => sent.settled && s.connection!.tcb.readableLength > 0);
  const closed = outcome(s.close());
  await net.runAsync(() => closed.settled && clientFlags.some((f) => f & TcpFlag.RST));
  assert.equal(closed.error, undefined);
});

seeded('a listener that is not read leaves connections in its accept queue, bounded by the backlog; reading accepts them all', 12, async (seed) => {
  const { net, client, server } = pair(seed, { delayMs: 2 });
  const listener = new TcpListener(server, { localPort: 80, backlog: 2 });
  const { readable: incoming } = await listener.opened;
  const clients = [0, 1, 2, 3].map(() => new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80 }));
  const opens = clients.map((c) => outcome(c.opened));
  await net.runAsync(() => listener.stackListener!.acceptQueue.length === 2 && server.stack.counters.tcp.ListenOverflows > 0);
  await net.runFor(100);
  assert.equal(listener.stackListener!.acceptQueue.length, 2, 'the accept queue holds the backlog, no more');
  // Now accept: each read takes one, and the connections the full queue turned away complete later.
  const reader = incoming.getReader();
  const accepted: TcpStream[] = [];
  const accepting = (async () => {
    while (accepted.length < 4) accepted.push((await reader.read()).value!);
  })();
  const done = outcome(accepting);
  await net.runAsync(() => done.settled && opens.every((o) => o.settled), { maxMs: 120_000 });
  assert.equal(done.error, undefined);
  assert.ok(opens.every((o) => o.error === undefined));
  const ports = new Set(accepted.map((a) => a.connection!.remote.port));
  assert.deepEqual(ports, new Set(opens.map((o) => o.value!.localPort)), 'every client was accepted once');
});

seeded('web streams and Node-style sockets share one host (one dispatcher)', 13, async (seed) => {
  const { net, client, server } = pair(seed, { delayMs: 2 });
  // A Node-style server and a TcpListener on the same host; each kind of client talks to the other kind.
  let nodeServerGot = '';
  createServer(server, (sock: Socket) => {
    sock.on('data', (d: Buffer) => (nodeServerGot += d.toString()));
    sock.on('end', () => sock.end('bye from node'));
  }).listen(81);
  const listener = new TcpListener(server, { localPort: 82, autoAccept: true });
  listener.addEventListener('connection', (e) => {
    const conn = (e as TcpConnectionEvent).stream;
    void conn.opened.then(({ readable, writable }) => readable.pipeTo(writable));
  });
  const web = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 81 });
  const webTalk = (async () => {
    const { readable, writable } = await web.opened;
    const w = writable.getWriter();
    await w.write(enc.encode('hi from web'));
    await w.close();
    return dec.decode(await readAll(readable));
  })();
  let nodeClientGot = '';
  let nodeEnded = false;
  const sock = connect(client, 82, SERVER_IP);
  sock.on('data', (d: Buffer) => (nodeClientGot += d.toString()));
  sock.on('end', () => (nodeEnded = true));
  sock.end('echo me');
  const w = outcome(webTalk);
  await net.runAsync(() => w.settled && nodeEnded);
  assert.equal(w.error, undefined);
  assert.equal(w.value, 'bye from node');
  assert.equal(nodeServerGot, 'hi from web');
  assert.equal(nodeClientGot, 'echo me');
});

seeded('bad options are typed errors at once; a taken port is EADDRINUSE through the promises', 14, async (seed) => {
  const { net, server } = pair(seed);
  assert.throws(() => new TcpStream(server, { remoteAddress: 'not an address', remotePort: 80 }), TypeError);
  assert.throws(() => new TcpStream(server, { remoteAddress: CLIENT_IP, remotePort: 0 }), RangeError);
  assert.throws(() => new TcpListener(server, { localPort: 70000 }), RangeError);
  const a = new TcpListener(server, { localPort: 80 });
  const b = new TcpListener(server, { localPort: 80 });
  const bOpened = outcome(b.opened);
  const aOpened = outcome(a.opened);
  await net.runAsync(() => bOpened.settled && aOpened.settled);
  assert.equal(aOpened.error, undefined);
  assert.equal((bOpened.error as TcpError).code, 'EADDRINUSE');
  await a.close();
  assert.equal(a.stackListener, undefined);
});

seeded('a readable with high-water mark 0 takes data from the TCB only when read', 15, async (seed) => {
  const { net, client, server } = pair(seed, { delayMs: 2 });
  const listener = new TcpListener(server, { localPort: 80, autoAccept: true, readableHighWaterMark: 0 });
  let accepted: TcpStream | undefined;
  listener.addEventListener('connection', (e) => (accepted = (e as TcpConnectionEvent).stream));
  const s = new TcpStream(client, { remoteAddress: SERVER_IP, remotePort: 80 });
  const info = outcome(s.opened);
  await net.runAsync(() => info.settled && accepted !== undefined);
  const sent = outcome(info.value!.writable.getWriter().write(enc.encode('on demand')));
  await net.runAsync(() => sent.settled && accepted!.connection!.tcb.readableLength === 9);
  await net.runFor(50);
  assert.equal(accepted!.connection!.tcb.readableLength, 9, 'nothing was read ahead of the reader');
  const { readable } = await accepted!.opened;
  const read = outcome(readable.getReader().read());
  await net.runAsync(() => read.settled);
  assert.equal(dec.decode(read.value!.value), 'on demand');
  assert.equal(accepted!.connection!.tcb.readableLength, 0);
});
