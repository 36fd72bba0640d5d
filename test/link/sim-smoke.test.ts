import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimNetwork } from '../../src/link/sim.js';
import { SeededRandom } from '../../src/tcp/random.js';

test('a lossy, jittery simulated link carries 1 MB byte-exact, reproducibly', () => {
  const once = (seed: number) => {
    const net = new SimNetwork(seed);
    const a = net.addHost('a', { addresses: ['198.18.0.1'] });
    const b = net.addHost('b', { addresses: ['198.18.0.2'] });
    const link = net.link(a, b, { delayMs: 10, jitterMs: 5, loss: 0.05, rateBps: 50e6, queueBytes: 200_000 });
    const l = b.stack.listen(80);
    const data = new SeededRandom(seed).bytes(1_000_000);
    const c = a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
    a.kick();
    let sent = 0;
    const got: Uint8Array[] = [];
    let server: ReturnType<typeof l.accept>;
    net.runUntil(() => {
      if (c.state === 'ESTABLISHED' || c.state === 'CLOSE-WAIT') {
        if (sent < data.length) {
          const n = c.send(data.subarray(sent), net.now);
          sent += n;
          if (sent === data.length) c.shutdown(net.now);
          if (n > 0) a.kick(); // kick only after real activity, or time never advances
        }
      }
      server ??= l.accept();
      if (server) {
        let read = false;
        for (let d = server.read(undefined, net.now); d; d = server.read(undefined, net.now)) {
          got.push(d);
          read = true;
        }
        if (read) b.kick();
      }
      return server?.state === 'CLOSE-WAIT' && server.tcb.readableLength === 0 && sent === data.length;
    }, 600_000);
    const h = createHash('sha256');
    for (const g of got) h.update(g);
    return { digest: h.digest('hex'), t: net.now, lost: link.stats.lost, sentPackets: link.stats.sent };
  };
  const r1 = once(7);
  const expected = createHash('sha256').update(new SeededRandom(7).bytes(1_000_000)).digest('hex');
  assert.equal(r1.digest, expected, 'seed 7');
  assert.ok(r1.lost > 0, 'some packets were lost');
  const r2 = once(7);
  assert.deepEqual(r2, r1, 'same seed, same run');
});
