/**
 * The proxy on loopback: real Node sockets at both ends, synack's TCP across the simulated path.
 * Every wait is on an event (data, 'end', 'close', an error) with a bound of wall time; the seed of
 * the path is in each failure's message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { createProxy } from '../../src/workloads/proxy/index.js';
import { bytes, closeServer, collect, connectTo, loopbackServer, sha256, within } from './proxy-helpers.js';

/** An upstream that reads everything, answers with `reply` and half-closes; reports what it read. */
async function sinkAndReply(reply: Buffer) {
  const received: Array<Promise<Buffer>> = [];
  const { server, port } = await loopbackServer((s) => {
    received.push(
      collect(s).then((r) => {
        return r.data;
      }),
    );
    s.end(reply);
  });
  return { server, port, received };
}

for (const [label, link, seed] of [
  ['no impairment', {}, 1],
  ['2% loss each way', { delayMs: 5, loss: 0.02 }, 2],
  ['10% reordering with jitter', { delayMs: 5, jitterMs: 3, reorder: 0.1 }, 3],
  ['1% duplication and 1% corruption', { delayMs: 2, duplicate: 0.01, corrupt: 0.01 }, 4],
  ['burst loss', { delayMs: 3, burstEnter: 0.005, burstExit: 0.3 }, 5],
] as const) {
  test(`bytes cross byte-exact both ways, with half-closes: ${label}`, async () => {
    const up = bytes(300_000, seed);
    const down = bytes(500_000, seed + 100);
    const upstream = await sinkAndReply(down);
    const proxy = await createProxy({ upstream: `127.0.0.1:${upstream.port}`, seed, link });
    try {
      const c = await connectTo(proxy.address!.port);
      const got = collect(c);
      c.end(up);
      const r = await within(got, 30_000, `seed ${seed}: the client's read`);
      assert.ok(r.ended, `seed ${seed}: the client saw 'end' (the upstream's FIN)`);
      assert.equal(sha256(r.data), sha256(down), `seed ${seed}: ${r.data.length} of ${down.length} bytes down`);
      const atUpstream = await within(upstream.received[0], 30_000, `seed ${seed}: the upstream's read`);
      assert.equal(sha256(atUpstream), sha256(up), `seed ${seed}: ${atUpstream.length} of ${up.length} bytes up`);
      const s = proxy.stats()[0];
      assert.ok(s.bytesUp === up.length && s.bytesDown === down.length, `seed ${seed}: stats ${JSON.stringify(s)}`);
    } finally {
      await proxy.close();
      await closeServer(upstream.server);
    }
  });
}
