/**
 * Taking a packet off a simulated link while it is in flight (SimLink.cancel), and the delivery taps
 * that say when each packet will arrive. The client's SYN is taken off: it never reaches the server
 * (no IP packet received), the drop taps see it as 'removed', and the client sends the SYN again when
 * its retransmission timer fires, the initial RTO of 1 s later (RFC 6298 §2.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork, type LinkDropReason } from '../../src/link/index.js';
import { decodeTcpPacket, TcpFlag } from '../../src/wire/index.js';

const SEED = 11;

function twoHosts(delayMs: number) {
  const net = new SimNetwork(SEED);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  const link = net.link(a, b, { delayMs });
  return { net, a, b, link };
}

test(`a SYN taken off the link is not delivered, is seen as 'removed', and is retransmitted 1 s later (seed ${SEED})`, () => {
  const { net, a, b, link } = twoHosts(10);
  const scheduled: Array<{ id: number; sentAt: number; arrivesAt: number; flags: number }> = [];
  link.tapDeliveries((packet, sentAt, arrivesAt, _from, id) => {
    const p = decodeTcpPacket(packet);
    scheduled.push({ id, sentAt, arrivesAt, flags: p.ok ? p.tcp.flags : -1 });
  });
  const drops: LinkDropReason[] = [];
  link.tapDrops((_p, _t, _from, why) => drops.push(why));
  b.stack.listen(80);
  const c = a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  a.kick();
  net.runFor(1);
  assert.equal(scheduled.length, 1);
  assert.equal(scheduled[0].flags, TcpFlag.SYN);
  assert.equal(scheduled[0].arrivesAt, scheduled[0].sentAt + 10, 'arrival = departure + the link delay');
  assert.deepEqual(link.inFlightPackets().map((p) => p.id), [scheduled[0].id]);
  assert.equal(link.inFlightPackets()[0].to, b);
  assert.equal(link.cancel(scheduled[0].id), true);
  assert.equal(link.cancel(scheduled[0].id), false, 'only once');
  assert.deepEqual(link.inFlightPackets(), []);
  assert.deepEqual(drops, ['removed']);
  net.runFor(100);
  assert.equal(b.stack.counters.ip.InReceives, 0, 'the server received nothing');
  assert.equal(c.state, 'SYN-SENT');
  net.runFor(1000);
  assert.equal(scheduled.length >= 2, true);
  assert.equal(scheduled[1].flags, TcpFlag.SYN);
  assert.equal(scheduled[1].sentAt, scheduled[0].sentAt + 1000, 'the SYN again after the initial RTO');
  net.runFor(100);
  assert.equal(c.state, 'ESTABLISHED');
  assert.equal(link.stats.lost, 1);
  assert.equal(link.cancel(scheduled[1].id), false, 'delivered already');
});

test(`cancelling one packet in a queue of several leaves the others to arrive in order (seed ${SEED})`, () => {
  const { net, a, b, link } = twoHosts(20);
  const ids: number[] = [];
  link.tapDeliveries((_p, _s, _a, _f, id) => ids.push(id));
  const l = b.stack.listen(80);
  const c = a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  a.kick();
  net.runUntil(() => c.state === 'ESTABLISHED');
  net.runFor(30);
  const s = l.acceptQueue[0] ?? l.synQueue.values().next().value;
  assert.ok(s, 'accepted');
  const before = ids.length;
  for (let i = 0; i < 3; i++) c.send(new Uint8Array(100).fill(i), net.now);
  a.kick();
  net.runFor(1);
  const data = ids.slice(before);
  assert.ok(data.length >= 1);
  const first = data[0];
  assert.equal(link.cancel(first), true);
  net.runFor(5000);
  // The hole is filled by a retransmission: every byte arrives.
  let got = 0;
  for (let d = s!.read(undefined, net.now); d && d.length; d = s!.read(undefined, net.now)) got += d.length;
  assert.equal(got, 300);
});
