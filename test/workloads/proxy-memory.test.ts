/**
 * Back-pressure end to end: an upstream writes 1 GB as fast as the proxy lets it, to a client that
 * reads slowly (it stops for a second after every 256 MB). The bytes the whole chain holds (written by
 * the upstream, not yet read by the client: the kernel's loopback buffers at both ends, the Node
 * sockets', the synack send and receive buffers, the link's queue) must stay bounded by those buffers
 * and windows, and so must the process's memory, however much flows. A proxy that read without
 * waiting for the other side to drain would hold the difference between the two rates: hundreds of MB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import { createProxy } from '../../src/workloads/proxy/index.js';
import { closeServer, loopbackServer, within } from './proxy-helpers.js';

const TOTAL = 1 << 30;
/** The most the kernel's loopback buffers may hold: the client's receive buffer and the upstream's send buffer at their largest. */
function kernelBufferMax(): number {
  const max = (f: string) => Number(readFileSync(`/proc/sys/net/ipv4/${f}`, 'utf8').trim().split(/\s+/)[2]);
  try {
    return max('tcp_rmem') + max('tcp_wmem');
  } catch {
    return 64 << 20;
  }
}
/**
 * What the proxy may hold: synack's receive buffer (auto-tuned up to 6 MiB) and send buffer (up to
 * 4 MiB), the streams' high-water marks, and a chunk or two in passing: 16 MiB is generous.
 */
const PROXY_BOUND = 16 << 20;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
/** The reader stops after every this many bytes... */
const PAUSE_EVERY = 256 << 20;
/** ...for this long (the slow reader is the workload, not a wait on the stack): long enough for the
 * upstream to write tens of MB at the proxy's rate if nothing held it back. */
const PAUSE_MS = 1_000;

test('a slow reader holds the proxy to bounded memory while 1 GB flows', { timeout: 300_000 }, async () => {
  let written = 0;
  let blocked = 0;
  const { server, port } = await loopbackServer((s) => {
    s.on('error', () => undefined);
    const pump = () => {
      while (written < TOTAL) {
        written += CHUNK.length;
        if (!s.write(CHUNK)) {
          blocked++;
          s.once('drain', pump);
          return;
        }
      }
      s.end();
    };
    pump();
  });
  const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed: 21, link: { delayMs: 1 } });
  const memory = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = memory();
  let maxMemory = 0;
  let maxHeld = 0;
  let maxProxyHeld = 0;
  let read = 0;
  try {
    const c = net.connect({ host: '127.0.0.1', port: proxy.address!.port });
    const done = new Promise<void>((resolve, reject) => {
      let sincePause = 0;
      c.on('data', (d: Buffer) => {
        read += d.length;
        sincePause += d.length;
        maxHeld = Math.max(maxHeld, written - read);
        maxProxyHeld = Math.max(maxProxyHeld, proxy.stats()[0].heldDown);
        if (sincePause >= PAUSE_EVERY) {
          sincePause = 0;
          c.pause();
          setTimeout(() => {
            maxHeld = Math.max(maxHeld, written - read);
            maxProxyHeld = Math.max(maxProxyHeld, proxy.stats()[0].heldDown);
            maxMemory = Math.max(maxMemory, memory() - base);
            c.resume();
          }, PAUSE_MS);
        }
      });
      c.on('end', () => resolve());
      c.on('error', reject);
    });
    await within(done, 280_000, `1 GB through the proxy (${read} bytes read so far)`);
    console.log(`held at most ${maxHeld} bytes, the proxy ${maxProxyHeld}; memory grew by up to ${maxMemory} bytes`);
    assert.equal(read, TOTAL);
    assert.ok(blocked > 0, 'the upstream was held back at least once');
    assert.ok(maxProxyHeld < PROXY_BOUND, `the proxy held up to ${maxProxyHeld} bytes`);
    const chain = kernelBufferMax() + PROXY_BOUND;
    assert.ok(maxHeld < chain, `at most ${maxHeld} bytes were between the upstream's writes and the client's reads (bound ${chain})`);
    assert.ok(maxMemory < 128 << 20, `the process grew by up to ${(maxMemory / 2 ** 20).toFixed(1)} MiB while 1 GiB flowed`);
  } finally {
    await proxy.close();
    await closeServer(server);
  }
});
