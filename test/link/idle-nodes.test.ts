/**
 * The simulator's cost follows the work, not the setup: hosts that do nothing are serviced once,
 * when they are added, and never again, so a transfer takes the same steps among 400 idle nodes
 * as alone; building a routed network of a few hundred nodes takes no step at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import type { Host } from '../../src/link/host.js';
import { TransferSession } from '../../src/workloads/transfer.js';

function transferAmong(idle: number, seed: number): { steps: number; idleServiced: number; ok: boolean } {
  const net = new SimNetwork(seed);
  const node = (name: string, addr: string) => net.addNode(name, { interfaces: [{ kind: 'ip', name: 'ppp0', addresses: [addr] }] });
  const a = node('a', '198.18.0.1/30');
  const b = node('b', '198.18.0.2/30');
  net.connect(a, 'ppp0', b, 'ppp0', { delayMs: 5, rateBps: 50e6, queueBytes: 100_000, loss: 0.01 });
  const idleHosts: Host[] = [];
  for (let i = 0; i < idle; i += 2) {
    const x = node(`x${i}`, `198.19.${i >> 7}.${(i & 127) * 2 + 1}/31`);
    const y = node(`y${i}`, `198.19.${i >> 7}.${(i & 127) * 2}/31`);
    net.connect(x, 'ppp0', y, 'ppp0');
    idleHosts.push(x, y);
  }
  let idleServiced = 0;
  // Each node is serviced once when it is added (its first round); count the rounds after that.
  net.step();
  for (const h of idleHosts) h.observe({ serviced: () => idleServiced++ });
  const t = new TransferSession(net, { client: a, server: b, up: 200_000, down: 50_000, dataSeed: seed });
  let steps = 0;
  while (t.dataDoneAt === undefined && net.step({ untilMs: 60_000 })) steps++;
  return { steps, idleServiced, ok: t.report(0, undefined, true).ok };
}

test('idle nodes cost nothing per step: a transfer among 400 of them takes the steps it takes alone, and they are never serviced', () => {
  const seed = 11;
  const alone = transferAmong(0, seed);
  const crowd = transferAmong(400, seed);
  assert.ok(alone.ok && crowd.ok, `seed ${seed}`);
  assert.ok(alone.steps > 100, `seed ${seed}`);
  assert.equal(crowd.steps, alone.steps, `seed ${seed}: the idle nodes added steps`);
  assert.equal(crowd.idleServiced, 0, `seed ${seed}: idle nodes were serviced`);
});
