/**
 * A dumbbell in the simulator: two senders on one Ethernet segment, two routers joined by a 10 Mb/s
 * point-to-point link with 20 ms of delay, two receivers on another segment; two bulk transfers share
 * the bottleneck. The README's example of SimNetwork's segments and nodes. Run:
 * `node dist/examples/sim-dumbbell.js`; test/readme/readme.test.ts checks the README shows it.
 */
import { SimNetwork, createConnection, createServer } from '../src/index.js';

const net = new SimNetwork(7);
const left = net.addSegment('left', { delayMs: 0.1, rateBps: 1e9 });    // a learning switch; a port profile per node
const right = net.addSegment('right', { delayMs: 0.1, rateBps: 1e9 });
const senders = [1, 2].map((i) =>
  net.addNode(`s${i}`, { interfaces: [{ segment: left, addresses: [`198.18.1.${10 + i}/24`] }], routes: [{ to: 'default', via: '198.18.1.1' }] }),
);
const receivers = [1, 2].map((i) =>
  net.addNode(`d${i}`, { interfaces: [{ segment: right, addresses: [`198.18.2.${10 + i}/24`] }], routes: [{ to: 'default', via: '198.18.2.1' }] }),
);
const r1 = net.addNode('r1', {
  forwarding: true,
  interfaces: [{ segment: left, addresses: ['198.18.1.1/24'] }, { kind: 'ip', name: 'ppp0', addresses: ['198.18.0.1/30'] }],
  routes: [{ to: '198.18.2.0/24', via: '198.18.0.2' }],
});
const r2 = net.addNode('r2', {
  forwarding: true,
  interfaces: [{ segment: right, addresses: ['198.18.2.1/24'] }, { kind: 'ip', name: 'ppp0', addresses: ['198.18.0.2/30'] }],
  routes: [{ to: '198.18.1.0/24', via: '198.18.0.1' }],
});
const bottleneck = net.connect(r1, 'ppp0', r2, 'ppp0', { delayMs: 20, rateBps: 10e6, queueBytes: 64_000 });

const got = [0, 0];
receivers.forEach((d, i) => createServer(d, (s) => s.on('data', (b: Uint8Array) => (got[i] += b.length))).listen(5001));
senders.forEach((s, i) => createConnection(s, { host: `198.18.2.${11 + i}`, port: 5001 }).end(new Uint8Array(2_000_000)));
await net.runAsync(() => got[0] === 2_000_000 && got[1] === 2_000_000);
console.log(`4 MB through the bottleneck in ${(net.now / 1000).toFixed(2)} s of virtual time`);
console.log(`bottleneck: ${bottleneck.stats.sent} packets sent, ${bottleneck.stats.queueDrops} dropped by its queue`);
console.log(`r1 forwarded ${r1.net!.counters.ForwDatagrams} packets; its neighbours:`);
console.log(r1.net!.neighbors().join('\n'));
