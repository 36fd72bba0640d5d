/**
 * UDP on a simulated pair (RFC 768, RFC 1122 §4.1): datagrams both ways on IPv4 and IPv6 with their
 * pseudo-header checksums, a zero IPv4 checksum (none) accepted and a zero IPv6 one refused, bad
 * checksums counted, ICMP port unreachable for a closed port (rate-limited) reaching the connected
 * sender as ECONNREFUSED, broadcast, binds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import type { Host } from '../../src/link/host.js';
import { parseIp, type IpAddress } from '../../src/wire/address.js';
import { decodeUdpPacket, encodeUdpPacket } from '../../src/wire/udp.js';
import { decodeIp } from '../../src/wire/ip.js';
import { decodeIcmp } from '../../src/wire/icmp.js';
import { Udp, UdpError, type UdpEvent } from '../../src/net/udp.js';
import { SeededRandom } from '../../src/tcp/random.js';

const SEED = 20;
const te = new TextEncoder();
const td = new TextDecoder();
const A4 = parseIp('198.18.0.1')!;
const B4 = parseIp('198.18.0.2')!;
const A6 = parseIp('2001:db8::1')!;
const B6 = parseIp('2001:db8::2')!;

function pair() {
  const net = new SimNetwork(SEED);
  const a = net.addHost('a', { addresses: ['198.18.0.1', '2001:db8::1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2', '2001:db8::2'] });
  const link = net.link(a, b, { delayMs: 1 });
  const wire: Uint8Array[] = [];
  link.tap((p) => wire.push(p));
  const events = new Map<Host, UdpEvent[]>([[a, []], [b, []]]);
  for (const h of [a, b]) {
    h.enableUdp();
    h.onUdpEvent((e) => events.get(h)!.push(e));
  }
  return { net, a, b, ua: a.udp!, ub: b.udp!, wire, ev: (h: Host) => events.get(h)!, seed: SEED };
}

for (const [family, local, remote] of [[4, A4, B4], [6, A6, B6]] as const) {
  test(`IPv${family}: a datagram each way, checksummed over the pseudo-header (seed ${SEED})`, () => {
    const { net, a, b, ua, ub, wire, ev } = pair();
    const server = ub.bind({ family, port: 7 });
    const client = ua.bind({ family });
    assert.ok(client.port >= 49152 && client.port <= 65535, `ephemeral port ${client.port}`);
    ua.send(client, te.encode('ping'), { address: remote, port: 7 });
    a.kick();
    net.runUntilIdle();
    const got = ev(b);
    assert.equal(got.length, 1);
    const m = got[0];
    assert.equal(m.type, 'message');
    if (m.type !== 'message') return;
    assert.equal(m.endpoint, server);
    assert.equal(td.decode(m.data), 'ping');
    assert.deepEqual(m.from, { address: local, port: client.port });
    // The echo goes back to where it came from.
    ub.send(server, m.data, m.from);
    b.kick();
    net.runUntilIdle();
    assert.equal(ev(a).length, 1);
    assert.equal(td.decode((ev(a)[0] as { data: Uint8Array }).data), 'ping');
    // On the wire: both datagrams carry a checksum that verifies (RFC 1122 §4.1.3.4: on by default).
    assert.equal(wire.length, 2);
    for (const p of wire) {
      const d = decodeUdpPacket(p);
      assert.ok(d.ok);
      assert.notEqual(d.udp.checksum, 0);
      assert.equal(d.checksumStatus, 'good');
    }
    assert.equal(ub.counters.InDatagrams, 1);
    assert.equal(ua.counters.OutDatagrams, 1);
  });
}

test('a bad checksum is a counted drop; IPv4 without a checksum is accepted, IPv6 without one is not', () => {
  const { net, b, ub, ev } = pair();
  ub.bind({ family: 4, port: 9 });
  ub.bind({ family: 6, port: 9 });
  const good4 = encodeUdpPacket({ ip: { version: 4, src: A4 as number, dst: B4 as number }, udp: { srcPort: 1000, dstPort: 9 }, payload: te.encode('x') });
  const corrupt = good4.slice();
  corrupt[corrupt.length - 1] ^= 0x40;
  const none4 = encodeUdpPacket({ ip: { version: 4, src: A4 as number, dst: B4 as number }, udp: { srcPort: 1000, dstPort: 9 }, payload: te.encode('y'), udpChecksum: 0 });
  const none6 = encodeUdpPacket({ ip: { version: 6, src: A6 as Uint8Array, dst: B6 as Uint8Array }, udp: { srcPort: 1000, dstPort: 9 }, payload: te.encode('z'), udpChecksum: 0 });
  for (const p of [corrupt, none4, none6]) b.ip.handlePacket(p, net.now);
  b.dispatchEvents();
  assert.deepEqual(ev(b).map((e) => (e.type === 'message' ? td.decode(e.data) : e.type)), ['y']);
  assert.equal(ub.counters.InCsumErrors, 2);
  assert.equal(ub.counters.InErrors, 2);
  assert.equal(ub.counters.InDatagrams, 1);
});

for (const [family, remote] of [[4, B4], [6, B6]] as const) {
  test(`IPv${family}: a closed port answers port unreachable, and the connected sender sees ECONNREFUSED`, () => {
    const { net, a, ua, ub, wire, ev } = pair();
    const c = ua.bind({ family });
    ua.connect(c, { address: remote, port: 4444 });
    ua.send(c, te.encode('anyone?'));
    a.kick();
    net.runUntilIdle();
    assert.equal(ub.counters.NoPorts, 1);
    assert.equal(ub.counters.OutPortUnreachs, 1);
    // The ICMP: destination unreachable, port (RFC 792 type 3 code 3; RFC 4443 type 1 code 4), quoting our datagram.
    const icmp = wire[1];
    const ipp = decodeIp(icmp);
    assert.ok(ipp.ok);
    const m = decodeIcmp(icmp, ipp);
    assert.ok(m.ok);
    assert.deepEqual([m.type, m.code], family === 4 ? [3, 3] : [1, 4]);
    assert.equal(m.checksumValid, true);
    assert.equal(m.quoted?.srcPort, c.port);
    assert.equal(m.quoted?.dstPort, 4444);
    const errors = ev(a).filter((e) => e.type === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].type === 'error' && errors[0].code, 'ECONNREFUSED');
    assert.equal(errors[0].endpoint, c);
  });
}

test('an unconnected sender hears nothing of the port unreachable (Linux without IP_RECVERR)', () => {
  const { net, a, ua, ev } = pair();
  const c = ua.bind({ family: 4 });
  ua.send(c, te.encode('x'), { address: B4, port: 4444 });
  a.kick();
  net.runUntilIdle();
  assert.equal(ev(a).length, 0);
  assert.equal(ua.counters.InIcmpErrorsIgnored, 1);
});

test('port unreachables are rate-limited: a burst of 50, then 1000 a second', () => {
  const udp = new Udp({ addresses: [B4], random: new SeededRandom(SEED) });
  const probe = encodeUdpPacket({ ip: { version: 4, src: A4 as number, dst: B4 as number }, udp: { srcPort: 1, dstPort: 2 }, payload: new Uint8Array(4) });
  for (let i = 0; i < 200; i++) udp.handlePacket(probe, 0);
  assert.equal(udp.counters.NoPorts, 200);
  assert.equal(udp.counters.OutPortUnreachs, 50);
  assert.equal(udp.counters.PortUnreachsLimited, 150);
  // 10 ms later, 10 more tokens.
  for (let i = 0; i < 20; i++) udp.handlePacket(probe, 10);
  assert.equal(udp.counters.OutPortUnreachs, 60);
});

test('no port unreachable for a broadcast, nor toward a source that is not one host (RFC 1122 §3.2.2)', () => {
  const udp = new Udp({ addresses: [B4], random: new SeededRandom(SEED) });
  udp.handlePacket(encodeUdpPacket({ ip: { version: 4, src: A4 as number, dst: 0xffffffff }, udp: { srcPort: 1, dstPort: 2 } }), 0);
  udp.handlePacket(encodeUdpPacket({ ip: { version: 4, src: 0, dst: B4 as number }, udp: { srcPort: 1, dstPort: 2 } }), 0);
  assert.equal(udp.counters.NoPorts, 2);
  assert.equal(udp.pollTransmit(0), undefined);
});

test('broadcast: sending needs the flag (EACCES); every wildcard endpoint on the port receives one', () => {
  const udp = new Udp({ addresses: [B4], random: new SeededRandom(SEED) });
  const s = udp.bind({ family: 4, port: 68 });
  assert.throws(() => udp.send(s, new Uint8Array(1), { address: 0xffffffff, port: 67 }), (e: unknown) => e instanceof UdpError && e.code === 'EACCES');
  s.broadcast = true;
  udp.send(s, new Uint8Array(1), { address: 0xffffffff, port: 67 });
  const p = decodeUdpPacket(udp.pollTransmit(0)!);
  assert.ok(p.ok);
  assert.equal(p.ip.dst, 0xffffffff);
  const r1 = udp.bind({ family: 4, port: 67, reuseAddr: true });
  const r2 = udp.bind({ family: 4, port: 67, reuseAddr: true });
  udp.handlePacket(encodeUdpPacket({ ip: { version: 4, src: 0, dst: 0xffffffff }, udp: { srcPort: 68, dstPort: 67 }, payload: new Uint8Array(3) }), 0);
  const got: unknown[] = [];
  for (let e = udp.pollEvent(); e; e = udp.pollEvent()) got.push(e.endpoint);
  assert.deepEqual(got, [r1, r2]);
});

test('a host with no IPv4 address yet sends from 0.0.0.0 (a DHCP client in INIT)', () => {
  const addresses: IpAddress[] = [];
  const udp = new Udp({ addresses, random: new SeededRandom(SEED) });
  const s = udp.bind({ family: 4, port: 68 });
  s.broadcast = true;
  udp.send(s, new Uint8Array(1), { address: 0xffffffff, port: 67 });
  const p = decodeUdpPacket(udp.pollTransmit(0)!);
  assert.ok(p.ok && p.ip.src === 0);
});

test('binds: port in use (EADDRINUSE), not our address (EADDRNOTAVAIL), most specific endpoint wins', () => {
  const udp = new Udp({ addresses: [B4, B6], random: new SeededRandom(SEED) });
  const any = udp.bind({ family: 4, port: 53 });
  assert.throws(() => udp.bind({ family: 4, port: 53 }), (e: unknown) => e instanceof UdpError && e.code === 'EADDRINUSE');
  assert.throws(() => udp.bind({ family: 4, address: '198.18.0.2', port: 53 }), (e: unknown) => e instanceof UdpError && e.code === 'EADDRINUSE');
  assert.throws(() => udp.bind({ family: 4, address: '198.18.9.9', port: 1 }), (e: unknown) => e instanceof UdpError && e.code === 'EADDRNOTAVAIL');
  // Another family on the same port is another port.
  udp.bind({ family: 6, port: 53 });
  udp.close(any);
  const specific = udp.bind({ family: 4, address: '198.18.0.2', port: 53 });
  udp.handlePacket(encodeUdpPacket({ ip: { version: 4, src: A4 as number, dst: B4 as number }, udp: { srcPort: 5, dstPort: 53 } }), 0);
  assert.equal(udp.pollEvent()?.endpoint, specific);
  // A connected endpoint takes only its peer's datagrams.
  const c = udp.bind({ family: 4, port: 600 });
  udp.connect(c, { address: A4, port: 5 });
  udp.handlePacket(encodeUdpPacket({ ip: { version: 4, src: A4 as number, dst: B4 as number }, udp: { srcPort: 6, dstPort: 600 } }), 0);
  assert.equal(udp.counters.NoPorts, 1);
});
