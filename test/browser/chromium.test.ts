/**
 * The browser build in a real browser: Debian's headless Chromium, driven by playwright-core, loads
 * dist/browser/synack.js as a module (served by request interception: nothing goes on a network)
 * and runs TcpStream and TcpListener there, with the page's own WHATWG streams, EventTarget and event
 * loop (no setImmediate: the simulator's runAsync takes its turns from a MessageChannel).
 *
 * Skipped, with the reason, where Chromium is not installed; under CI (which installs it) that fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inPage, skip } from './page.js';

test('in Chromium, a TcpStream echoes 200 kB through a TcpListener byte-exact, with back-pressure and half-close', { skip, timeout: 120_000 }, async () => {
  const r = await inPage(async () => {
    // In the page: nothing of Node's is there.
    const g = globalThis as { process?: unknown; Buffer?: unknown; setImmediate?: unknown };
    const nodeGlobals = [g.process, g.Buffer, g.setImmediate].filter((x) => x !== undefined).length;
    const { SimNetwork, TcpListener, TcpStream } = await import(`${'http://synack.invalid'}/synack.js`);
    const net = new SimNetwork(21);
    const client = net.addHost('client', { addresses: ['198.18.0.1'] });
    const server = net.addHost('server', { addresses: ['198.18.0.2'] });
    net.link(client, server, { delayMs: 5, rateBps: 20e6 });
    const listener = new TcpListener(server, { localPort: 7, autoAccept: true });
    listener.addEventListener('connection', async (e: Event & { stream: { opened: Promise<{ readable: ReadableStream; writable: WritableStream }> } }) => {
      const { readable, writable } = await e.stream.opened;
      await readable.pipeTo(writable);
    });
    const s = new TcpStream(client, { remoteAddress: '198.18.0.2', remotePort: 7, writableHighWaterMark: 4096 });
    const events: string[] = [];
    for (const t of ['open', 'end', 'close']) s.addEventListener(t, () => events.push(t));
    const total = 200_000;
    const data = new Uint8Array(total);
    for (let i = 0; i < total; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    let got = 0;
    let wrong = 0;
    let waitedOnReady = 0;
    let done = false;
    void (async () => {
      const { readable, writable } = await s.opened;
      const w = writable.getWriter();
      const writing = (async () => {
        for (let o = 0; o < total; o += 1000) {
          if ((w.desiredSize ?? 0) <= 0) waitedOnReady++;
          await w.ready;
          void w.write(data.subarray(o, o + 1000));
        }
        await w.close();
      })();
      const reader = readable.getReader();
      for (let x = await reader.read(); !x.done; x = await reader.read()) {
        for (const b of x.value as Uint8Array) if (b !== data[got++]) wrong++;
      }
      await writing;
      await s.closed;
      done = true;
    })();
    await net.runAsync(() => done, { maxMs: 600_000 });
    return { nodeGlobals, got, wrong, waitedOnReady, events, state: s.tcpState as string };
  });
  assert.equal(r.nodeGlobals, 0, 'the page has no Node globals');
  assert.equal(r.got, 200_000);
  assert.equal(r.wrong, 0);
  assert.ok(r.waitedOnReady > 0, 'the writer waited on writer.ready: back-pressure reached it');
  assert.deepEqual(r.events, ['open', 'end', 'close']);
  assert.equal(r.state, 'TIME-WAIT');
});

test('in Chromium, a connect to a closed port rejects with a TcpError ECONNREFUSED and emits error then close', { skip, timeout: 120_000 }, async () => {
  const r = await inPage(async () => {
    const { SimNetwork, TcpStream, TcpError } = await import(`${'http://synack.invalid'}/synack.js`);
    const net = new SimNetwork(22);
    const client = net.addHost('client', { addresses: ['198.18.0.1'] });
    const server = net.addHost('server', { addresses: ['198.18.0.2'] });
    net.link(client, server, { delayMs: 2 });
    void server;
    const s = new TcpStream(client, { remoteAddress: '198.18.0.2', remotePort: 9 });
    const events: string[] = [];
    s.addEventListener('error', (e: Event & { error: { code: string } }) => events.push(`error ${e.error.code}`));
    s.addEventListener('close', () => events.push('close'));
    let error: unknown;
    let settled = false;
    s.opened.then(
      () => (settled = true),
      (e: unknown) => {
        error = e;
        settled = true;
      },
    );
    await net.runAsync(() => settled);
    return { events, isTcpError: error instanceof TcpError, code: (error as { code?: string }).code };
  });
  assert.deepEqual(r.events, ['error ECONNREFUSED', 'close']);
  assert.equal(r.isTcpError, true);
  assert.equal(r.code, 'ECONNREFUSED');
});
