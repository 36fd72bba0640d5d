/**
 * The simulator's Ethernet segments (a learning switch) and routed topologies: nodes whose network
 * layer (src/net) resolves neighbours by ARP and NDP and forwards by its routes, on virtual time with
 * a seed (printed in every failure message).
 *
 *   line:     a (198.18.1.2) --seg1-- r (198.18.1.1 | 198.18.2.1) --seg2-- b (198.18.2.2)
 *   dumbbell: s1, s2 --left-- r1 ==ppp (10 Mb/s, 20 ms)== r2 --right-- d1, d2
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimNetwork } from '../../src/link/sim.js';
import type { Host } from '../../src/link/host.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { readCapture } from '../../src/wire/pcap.js';
import { decodeEthernet } from '../../src/wire/ethernet.js';
import { decodeArp } from '../../src/wire/arp.js';
import { decodeIp } from '../../src/wire/ip.js';
import { decodeIcmp } from '../../src/wire/icmp.js';
import { ipToString } from '../../src/wire/address.js';
import { encodeUdpPacket } from '../../src/wire/udp.js';

/** Send `bytes` from client to server over TCP; returns the sha256 of what arrived and when it finished. */
function transfer(net: SimNetwork, client: Host, server: Host, address: string, port: number, bytes: Uint8Array, maxMs = 600_000) {
  const l = server.stack.listen(port);
  const c = client.stack.connect({ address, port }, net.now);
  client.kick();
  let sent = 0;
  const got: Uint8Array[] = [];
  let s: ReturnType<typeof l.accept>;
  net.runUntil(() => {
    if ((c.state === 'ESTABLISHED' || c.state === 'CLOSE-WAIT') && sent < bytes.length) {
      const n = c.send(bytes.subarray(sent), net.now);
      sent += n;
      if (sent === bytes.length) c.shutdown(net.now);
      if (n > 0) client.kick();
    }
    s ??= l.accept();
    if (s) {
      let read = false;
      for (let d = s.read(undefined, net.now); d; d = s.read(undefined, net.now)) {
        got.push(d);
        read = true;
      }
      if (read) server.kick();
    }
    return s?.state === 'CLOSE-WAIT' && s.tcb.readableLength === 0 && sent === bytes.length;
  }, maxMs);
  const h = createHash('sha256');
  for (const g of got) h.update(g);
  return h.digest('hex');
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function frames(pcap: Uint8Array) {
  const c = readCapture(pcap);
  if (!c.ok) throw new Error(`capture: ${c.reason}`);
  assert.ok(c.records.every((r) => r.linkType === 1), 'LinkType ETHERNET');
  return c.records.map((r) => r.data);
}

test('two nodes on a segment: ARP request (broadcast) and reply, then the TCP handshake and 200 kB byte-exact', () => {
  const seed = 20;
  const net = new SimNetwork(seed);
  const lan = net.addSegment('lan', { delayMs: 0.1, rateBps: 1e9 });
  const cap = lan.capture();
  const a = net.addNode('a', { interfaces: [{ segment: lan, addresses: ['198.18.0.1/24'] }] });
  const b = net.addNode('b', { interfaces: [{ segment: lan, addresses: ['198.18.0.2/24'] }] });
  net.runFor(5000); // announcements
  const data = new SeededRandom(seed).bytes(200_000);
  assert.equal(transfer(net, a, b, '198.18.0.2', 80, data), sha(data), `seed ${seed}`);
  const fs = frames(cap()).map((f) => {
    const e = decodeEthernet(f);
    assert.ok(e.ok);
    return { e, f };
  });
  const arps = fs.filter((x) => x.e.etherType === 0x0806).map((x) => decodeArp(x.f.subarray(14)));
  const nonGratuitous = arps.filter((p) => p.ok && !p.gratuitous);
  assert.deepEqual(
    nonGratuitous.map((p) => (p.ok ? [p.operation, ipToString(p.senderIp), ipToString(p.targetIp)] : [])),
    [
      [1, '198.18.0.1', '198.18.0.2'],
      [2, '198.18.0.2', '198.18.0.1'],
    ],
    `seed ${seed}: one request, one reply (b learnt a from the request)`,
  );
  // The first IPv4 frame (the SYN) comes after the reply.
  const firstIp = fs.findIndex((x) => x.e.etherType === 0x0800);
  const replyAt = fs.findIndex((x) => x.e.etherType === 0x0806 && x.f[21] === 2);
  assert.ok(replyAt < firstIp);
  assert.deepEqual(
    lan.fdb().map((r) => [r.mac, r.host]).sort(),
    [
      ['02:00:00:00:01:01', 'a'],
      ['02:00:00:00:02:01', 'b'],
    ],
  );
  assert.ok(a.net!.neighbors().some((l) => l.startsWith('198.18.0.2 dev eth1 lladdr 02:00:00:00:02:01')), a.net!.neighbors().join('\n'));
});

test('the switch floods unknown and broadcast destinations and, once it has learnt, sends unicast to one port only', () => {
  const net = new SimNetwork(21);
  const lan = net.addSegment('lan');
  // IPv4 only (no link-local address, no router solicitations), so every frame is counted below.
  const v4 = { linkLocal: false, slaac: false };
  const a = net.addNode('a', { interfaces: [{ segment: lan, addresses: ['198.18.0.1/24'], ...v4 }] });
  net.addNode('b', { interfaces: [{ segment: lan, addresses: ['198.18.0.2/24'], ...v4 }] });
  net.addNode('c', { interfaces: [{ segment: lan, addresses: ['198.18.0.3/24'], ...v4 }] });
  net.runFor(5000);
  const [pa, pb, pc] = lan.ports;
  const before = [pa.stats.sent, pb.stats.sent, pc.stats.sent];
  // The gratuitous ARPs were broadcasts: each port got the other two nodes' (2 each).
  assert.deepEqual(before, [4, 4, 4]);
  a.net!.ping('198.18.0.2', { sequence: 1 }, net.now);
  a.kick();
  net.runFor(1000);
  // ARP request: broadcast (to b and c); reply to a only (a learnt); echo to b only; reply to a only.
  assert.deepEqual([pa.stats.sent - before[0], pb.stats.sent - before[1], pc.stats.sent - before[2]], [2, 2, 1]);
});

function line(seed: number) {
  const net = new SimNetwork(seed);
  const s1 = net.addSegment('seg1', { delayMs: 1 });
  const s2 = net.addSegment('seg2', { delayMs: 1 });
  const a = net.addNode('a', { interfaces: [{ segment: s1, addresses: ['198.18.1.2/24', '2001:db8:1::2/64'] }], routes: [{ to: 'default', via: '198.18.1.1' }, { to: 'default6', via: '2001:db8:1::1' }] });
  const r = net.addNode('r', { forwarding: true, interfaces: [{ segment: s1, addresses: ['198.18.1.1/24', '2001:db8:1::1/64'] }, { segment: s2, addresses: ['198.18.2.1/24', '2001:db8:2::1/64'] }] });
  const b = net.addNode('b', { interfaces: [{ segment: s2, addresses: ['198.18.2.2/24', '2001:db8:2::2/64'] }], routes: [{ to: 'default', via: '198.18.2.1' }, { to: 'default6', via: '2001:db8:2::1' }] });
  net.runFor(5000); // DAD, announcements
  return { net, s1, s2, a, r, b };
}

test('a routed line of three nodes: TCP from a to b through r over IPv4 and IPv6; r decrements the TTL', () => {
  const seed = 22;
  const { net, s2, a, r, b } = line(seed);
  const cap2 = s2.capture();
  const data = new SeededRandom(seed).bytes(100_000);
  assert.equal(transfer(net, a, b, '198.18.2.2', 80, data), sha(data), `seed ${seed}`);
  assert.equal(transfer(net, a, b, '2001:db8:2::2', 81, data), sha(data), `seed ${seed} (IPv6)`);
  assert.ok(r.net!.counters.ForwDatagrams > 100);
  const ttls = new Set<number>();
  for (const f of frames(cap2())) {
    const e = decodeEthernet(f);
    if (!e.ok || e.etherType !== 0x0800) continue;
    const p = decodeIp(f.subarray(14));
    if (p.ok && p.ip.version === 4 && ipToString(p.ip.src) === '198.18.1.2') ttls.add(p.ip.ttl);
  }
  assert.deepEqual([...ttls], [63], `seed ${seed}: a's packets cross r with TTL 64 - 1`);
});

test('a routed line: TTL 1 through r draws time exceeded from r (traceroute\'s first hop); ping b answers across', () => {
  const seed = 23;
  const { net, a, r } = line(seed);
  // A UDP datagram with TTL 1 to b, from a stand-in UDP handler that also hears the ICMP errors about it.
  const got: Uint8Array[] = [];
  const queue = [encodeUdpPacket({ ip: { version: 4, src: 0xc6120102, dst: 0xc6120202, ttl: 1 }, udp: { srcPort: 33434, dstPort: 33435 }, payload: new Uint8Array(8) })];
  a.net!.addProtocol(17, {
    handlePacket: (bytes: Uint8Array) => void got.push(bytes.slice()),
    handleIcmpError: (bytes: Uint8Array) => void got.push(bytes.slice()),
    pollTransmit: () => queue.shift(),
    pollTimeout: () => undefined,
    handleTimeout: () => {},
  });
  a.kick();
  net.runFor(1000);
  assert.equal(got.length, 1, `seed ${seed}: the time exceeded came back to the UDP handler`);
  const p = decodeIp(got[0]);
  assert.ok(p.ok);
  assert.equal(ipToString(p.ip.src), '198.18.1.1');
  const m = decodeIcmp(got[0], p);
  assert.ok(m.ok && m.type === 11);
  assert.equal(r.net!.counters.OutTimeExcds, 1);
  a.net!.ping('198.18.2.2', { identifier: 1, sequence: 2 }, net.now);
  a.net!.ping('2001:db8:2::2', { identifier: 1, sequence: 3 }, net.now);
  a.kick();
  net.runFor(1000);
  const replies: string[] = [];
  for (let e = a.net!.pollEvent(); e; e = a.net!.pollEvent()) if (e.type === 'echo-reply') replies.push(`${ipToString(e.from)} ${e.sequence}`);
  assert.deepEqual(replies, ['198.18.2.2 2', '2001:db8:2::2 3']);
});

test('a dumbbell: two senders, two routers joined by a 10 Mb/s point-to-point link, two receivers; both transfers complete byte-exact', () => {
  const seed = 24;
  const net = new SimNetwork(seed);
  const left = net.addSegment('left', { delayMs: 0.5, rateBps: 1e9 });
  const right = net.addSegment('right', { delayMs: 0.5, rateBps: 1e9 });
  const s1 = net.addNode('s1', { interfaces: [{ segment: left, addresses: ['198.18.1.11/24'] }], routes: [{ to: 'default', via: '198.18.1.1' }] });
  const s2 = net.addNode('s2', { interfaces: [{ segment: left, addresses: ['198.18.1.12/24'] }], routes: [{ to: 'default', via: '198.18.1.1' }] });
  const r1 = net.addNode('r1', { forwarding: true, interfaces: [{ segment: left, addresses: ['198.18.1.1/24'] }, { kind: 'ip', name: 'ppp0', addresses: ['198.18.0.1/30'] }], routes: [{ to: '198.18.2.0/24', via: '198.18.0.2' }] });
  const r2 = net.addNode('r2', { forwarding: true, interfaces: [{ segment: right, addresses: ['198.18.2.1/24'] }, { kind: 'ip', name: 'ppp0', addresses: ['198.18.0.2/30'] }], routes: [{ to: '198.18.1.0/24', via: '198.18.0.1' }] });
  const d1 = net.addNode('d1', { interfaces: [{ segment: right, addresses: ['198.18.2.21/24'] }], routes: [{ to: 'default', via: '198.18.2.1' }] });
  const d2 = net.addNode('d2', { interfaces: [{ segment: right, addresses: ['198.18.2.22/24'] }], routes: [{ to: 'default', via: '198.18.2.1' }] });
  const ppp = net.connect(r1, 'ppp0', r2, 'ppp0', { delayMs: 20, rateBps: 10e6, queueBytes: 100_000 });
  net.runFor(5000);
  const data = new SeededRandom(seed).bytes(300_000);
  assert.equal(transfer(net, s1, d1, '198.18.2.21', 80, data), sha(data), `seed ${seed}`);
  assert.equal(transfer(net, s2, d2, '198.18.2.22', 80, data), sha(data), `seed ${seed}`);
  assert.ok(ppp.stats.sent > 400, `${ppp.stats.sent} packets crossed the bottleneck`);
  assert.ok(r1.net!.counters.ForwDatagrams > 0 && r2.net!.counters.ForwDatagrams > 0);
});

test('IPv6 by SLAAC in the simulator: a router node advertises 2001:db8:5::/64, a host configures itself and connects to the router', () => {
  const seed = 25;
  const net = new SimNetwork(seed);
  const lan = net.addSegment('lan');
  const r = net.addNode('r', { interfaces: [{ segment: lan, addresses: ['2001:db8:5::1/64'], router: true }] });
  const h = net.addNode('h', { interfaces: [{ segment: lan }] });
  net.runFor(20_000);
  const addrs = h.stack.addresses.map(ipToString);
  assert.ok(addrs.includes('2001:db8:5::ff:fe00:201'), `seed ${seed}: ${addrs.join(', ')}`);
  const data = new SeededRandom(seed).bytes(50_000);
  assert.equal(transfer(net, h, r, '2001:db8:5::1', 80, data), sha(data), `seed ${seed}`);
});

test('same seed, same run: a routed transfer\'s capture is byte-identical', () => {
  const run = () => {
    const { net, s1, a, b } = line(26);
    const cap = s1.capture();
    transfer(net, a, b, '198.18.2.2', 80, new SeededRandom(26).bytes(30_000));
    return sha(cap());
  };
  assert.equal(run(), run());
});
