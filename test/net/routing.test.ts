/**
 * The routing table (longest prefix match, RFC 1812 §5.2.4.3), forwarding (RFC 1812 §5.2-5.3, RFC
 * 8200 §3: TTL / hop limit, time exceeded, fragmentation needed / packet too big, fragmentation by
 * RFC 791 §3.2 when DF is clear), and the ICMP a network layer owes (RFC 792, RFC 4443, RFC 1122
 * §3.2.2): echo replies, protocol unreachable (v4) / parameter problem code 1 (v6), silence toward
 * broadcasts and about ICMP errors.
 *
 * The router R used below has two ip-kind (point-to-point) interfaces, so packets are fed and taken
 * as bare IP:
 *   tun0 (index 2): 198.18.1.1/24, 2001:db8:1::1/64     tun1 (index 3): 198.18.2.1/24, 2001:db8:2::1/64, MTU 1280
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoutingTable } from '../../src/net/routes.js';
import { fragmentIpv4 } from '../../src/net/net-stack.js';
import { decodeIcmp, encodeIcmpPacket } from '../../src/wire/icmp.js';
import { decodeIp, encodeIpv4Header, encodeIpv6Header, IpProtocol } from '../../src/wire/ip.js';
import { ipToString } from '../../src/wire/address.js';
import { drainPackets, FakeHandler, ip4, ip6, newNet } from './helpers.js';

test('longest prefix wins; then the lower metric; default routes catch the rest; families never mix', () => {
  const t = new RoutingTable();
  t.add({ prefix: ip4('0.0.0.0'), length: 0, ifIndex: 1, via: ip4('198.18.0.254'), metric: 0, origin: 'static' });
  t.add({ prefix: ip4('198.18.0.0'), length: 16, ifIndex: 2, metric: 0, origin: 'static' });
  t.add({ prefix: ip4('198.18.5.0'), length: 24, ifIndex: 3, metric: 10, origin: 'static' });
  t.add({ prefix: ip4('198.18.5.0'), length: 24, ifIndex: 4, metric: 5, origin: 'static' });
  t.add({ prefix: ip4('198.18.5.77'), length: 24, ifIndex: 5, metric: 5, origin: 'static' }); // host bits cleared on add: a tie, added later
  t.add({ prefix: ip6('2001:db8::'), length: 32, ifIndex: 6, metric: 0, origin: 'static' });
  assert.equal(t.lookup(ip4('198.18.5.9'))!.ifIndex, 4);
  assert.equal(t.lookup(ip4('198.18.6.9'))!.ifIndex, 2);
  assert.equal(t.lookup(ip4('192.0.2.1'))!.ifIndex, 1);
  assert.equal(t.lookup(ip6('2001:db8:7::1'))!.ifIndex, 6);
  assert.equal(t.lookup(ip6('2001:db9::1')), undefined, 'no IPv6 default route');
  assert.equal(ipToString(t.list()[4].prefix), '198.18.5.0');
  // A /25 inside the /24: bit by bit, not by bytes.
  t.add({ prefix: ip4('198.18.5.128'), length: 25, ifIndex: 7, metric: 0, origin: 'static' });
  assert.equal(t.lookup(ip4('198.18.5.200'))!.ifIndex, 7);
  assert.equal(t.lookup(ip4('198.18.5.100'))!.ifIndex, 4);
  t.add({ prefix: ip6('2001:db8:ff80::'), length: 41, ifIndex: 8, metric: 0, origin: 'static' });
  assert.equal(t.lookup(ip6('2001:db8:ffc0::1'))!.ifIndex, 8);
  assert.equal(t.lookup(ip6('2001:db8:ff00::1'))!.ifIndex, 6);
});

test('a stack\'s table: connected routes come and go with addresses; a static route finds its interface by its gateway', () => {
  const net = newNet(1);
  const a = net.addInterface({ kind: 'ip', addresses: ['198.18.1.1/24'] });
  net.addRoute({ to: 'default', via: '198.18.1.254' });
  assert.deepEqual(net.routes.format((i) => net.interface(i).name), ['127.0.0.0/8 dev lo proto kernel', '198.18.1.0/24 dev tun1 proto kernel', 'default via 198.18.1.254 dev tun1 proto static']);
  assert.throws(() => net.addRoute({ to: '198.18.9.0/24', via: '192.0.2.1' }), /no interface is on the link of 192.0.2.1/);
  assert.throws(() => net.addRoute({ to: 'nonsense' }), RangeError);
  net.removeAddress(a.index, '198.18.1.1/24');
  assert.equal(net.routes.lookup(ip4('198.18.1.7'))!.length, 0, 'only the default route is left for it');
});

test('a router looks each destination up once: later lookups ask about one route, until the table changes', () => {
  const t = new RoutingTable();
  for (let i = 0; i < 100; i++) t.add({ prefix: ip4(`198.18.${i}.0`), length: 24, ifIndex: i + 2, metric: 0, origin: 'connected' });
  t.add({ prefix: ip4('198.19.0.0'), length: 16, ifIndex: 1, via: ip4('198.18.0.2'), metric: 0, origin: 'static' });
  let asked = 0;
  const up = new Set<number>([1, 60]);
  const usable = (r: { ifIndex: number }) => (asked++, up.has(r.ifIndex));
  assert.equal(t.lookup(ip4('198.19.7.1'), usable)!.ifIndex, 1);
  asked = 0;
  assert.equal(t.lookup(ip4('198.19.7.1'), usable)!.ifIndex, 1);
  assert.equal(asked, 1, 'the remembered winner is asked about, no other route');
  // A better route: the table changed, so it is found.
  t.add({ prefix: ip4('198.19.7.0'), length: 24, ifIndex: 60, metric: 0, origin: 'static' });
  assert.equal(t.lookup(ip4('198.19.7.1'), usable)!.ifIndex, 60);
  // Its interface goes down: the next best that is usable, though the remembered winner is not.
  up.delete(60);
  assert.equal(t.lookup(ip4('198.19.7.1'), usable)!.ifIndex, 1);
  up.add(60);
  assert.equal(t.lookup(ip4('198.19.7.1'), usable)!.ifIndex, 60, 'and back when it comes up');
  t.remove((r) => r.ifIndex === 60);
  assert.equal(t.lookup(ip4('198.19.7.1'))!.ifIndex, 1);
  assert.equal(t.nextExpiry(), undefined);
  t.add({ prefix: ip6('::'), length: 0, ifIndex: 1, via: ip6('fe80::1'), metric: 1024, origin: 'ra', expires: 5000 });
  t.add({ prefix: ip6('2001:db8::'), length: 64, ifIndex: 1, metric: 256, origin: 'ra', expires: 3000 });
  assert.equal(t.nextExpiry(), 3000);
  t.remove((r) => r.expires === 3000);
  assert.equal(t.nextExpiry(), 5000);
});

test('our IPv4 addresses as they come and go: a packet to one added later is ours, to one removed is forwarded', () => {
  const { net, i0, i1 } = routerR();
  const h = new FakeHandler();
  net.addProtocol(17, h);
  net.handlePacket(i0, udp4('198.18.1.2', '198.18.2.9', 64), 0);
  assert.equal(h.got.length, 0);
  assert.equal(net.counters.ForwDatagrams, 1);
  net.addAddress(i1, '198.18.2.9/24');
  net.handlePacket(i0, udp4('198.18.1.2', '198.18.2.9', 64), 0);
  assert.equal(h.got.length, 1, 'ours once added');
  net.removeAddress(i1, '198.18.2.9/24');
  net.handlePacket(i0, udp4('198.18.1.2', '198.18.2.9', 64), 0);
  assert.equal(h.got.length, 1);
  assert.equal(net.counters.ForwDatagrams, 2, 'forwarded again once removed');
  net.handlePacket(i0, udp4('198.18.1.2', '198.18.1.255', 64), 0);
  assert.equal(h.got.length, 2, 'the broadcast of the link it came by');
});

function routerR(forwarding = true) {
  const net = newNet(2, { forwarding });
  const i0 = net.addInterface({ kind: 'ip', addresses: ['198.18.1.1/24', '2001:db8:1::1/64'] });
  const i1 = net.addInterface({ kind: 'ip', addresses: ['198.18.2.1/24', '2001:db8:2::1/64'], mtu: 1280 });
  return { net, i0: i0.index, i1: i1.index };
}

function udp4(src: string, dst: string, ttl: number, size = 28, dontFragment = true): Uint8Array {
  const p = new Uint8Array(size);
  encodeIpv4Header({ src: ip4(src), dst: ip4(dst), ttl, dontFragment, identification: 0x1234 }, size - 20, p, 0, IpProtocol.UDP);
  for (let i = 20; i < size; i++) p[i] = i & 0xff;
  return p;
}

function udp6(src: string, dst: string, hopLimit: number, size = 48): Uint8Array {
  const p = new Uint8Array(size);
  encodeIpv6Header({ src: ip6(src), dst: ip6(dst), hopLimit }, size - 40, p, 0, IpProtocol.UDP);
  return p;
}

test('forwarding: TTL and hop limit go down by one, the IPv4 checksum is made again, the packet leaves by its route', () => {
  const { net, i0, i1 } = routerR();
  net.handlePacket(i0, udp4('198.18.1.2', '198.18.2.2', 64), 0);
  net.handlePacket(i0, udp6('2001:db8:1::2', '2001:db8:2::2', 9), 0);
  const out = drainPackets(net, 0);
  assert.deepEqual(out.map((o) => o.ifIndex), [i1, i1]);
  const v4 = decodeIp(out[0].packet);
  assert.ok(v4.ok && v4.ip.version === 4);
  assert.equal(v4.ip.ttl, 63);
  assert.ok(v4.ip.checksumValid);
  const v6 = decodeIp(out[1].packet);
  assert.ok(v6.ok && v6.ip.version === 6);
  assert.equal(v6.ip.hopLimit, 8);
  assert.equal(net.counters.ForwDatagrams, 2);
});

test('forwarding copies each packet without an ArrayBuffer of its own (a shared slab), and every copy stays intact', () => {
  // A router pays for an allocation per forwarded packet; the copies are cut from one slab instead.
  const { net, i0, i1 } = routerR();
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) {
    const p = udp4('198.18.1.2', '198.18.2.2', 64, 1000);
    p[999] = i;
    sent.push(p);
    net.handlePacket(i0, p, 0);
  }
  const out = drainPackets(net, 0);
  assert.equal(out.length, 20);
  assert.ok(out.every((o) => o.ifIndex === i1));
  const buffers = new Set(out.map((o) => o.packet.buffer));
  assert.ok(buffers.size <= 2, `20 forwarded packets in ${buffers.size} ArrayBuffers: one each is an allocation per packet`);
  out.forEach((o, i) => {
    assert.equal(o.packet.length, 1000);
    assert.equal(o.packet[8], 63, `packet ${i}: TTL down by one`);
    assert.equal(o.packet[999], i, `packet ${i}: its own bytes, not a later packet's`);
    assert.notEqual(o.packet.buffer, sent[i].buffer, 'a copy: the caller keeps the packet it handed in');
    assert.equal(sent[i][8], 64, 'the packet handed in is not changed');
  });
});

test('a router with many interfaces and nothing to send answers a poll with nothing', () => {
  const net = newNet(3, { forwarding: true });
  for (let i = 0; i < 200; i++) net.addInterface({ kind: 'ip', addresses: [`198.18.${i}.1/24`] });
  assert.equal(net.pollPacket(0), undefined);
  assert.equal(net.pollFrame(0), undefined);
  net.handlePacket(2, udp4('198.18.0.2', '198.18.199.2', 64), 0);
  const out = drainPackets(net, 0);
  assert.deepEqual(out.map((o) => o.ifIndex), [201]);
  assert.equal(net.pollPacket(0), undefined);
});

test('TTL 1 / hop limit 1: discarded, ICMP time exceeded (11/0, v6 3/0) back to the source from our address on its side, quoting the packet', () => {
  const { net, i0 } = routerR();
  const p4 = udp4('198.18.1.2', '198.18.2.2', 1);
  net.handlePacket(i0, p4, 0);
  net.handlePacket(i0, udp6('2001:db8:1::2', '2001:db8:2::2', 1), 0);
  const out = drainPackets(net, 0);
  assert.equal(out.length, 2);
  assert.deepEqual(out.map((o) => o.ifIndex), [i0, i0]);
  const e4 = decodeIp(out[0].packet);
  assert.ok(e4.ok);
  assert.equal(ipToString(e4.ip.src), '198.18.1.1');
  assert.equal(ipToString(e4.ip.dst), '198.18.1.2');
  const m4 = decodeIcmp(out[0].packet, e4);
  assert.ok(m4.ok);
  assert.deepEqual([m4.type, m4.code, m4.checksumValid], [11, 0, true]);
  assert.deepEqual(out[0].packet.subarray(28), p4, 'the whole (short) packet quoted');
  const e6 = decodeIp(out[1].packet);
  assert.ok(e6.ok);
  assert.equal(ipToString(e6.ip.src), '2001:db8:1::1');
  const m6 = decodeIcmp(out[1].packet, e6);
  assert.ok(m6.ok);
  assert.deepEqual([m6.type, m6.code, m6.checksumValid], [3, 0, true]);
  assert.equal(net.counters.OutTimeExcds, 2);
  assert.equal(net.counters.ForwDatagrams, 0);
});

test('too big for the next link: DF set -> fragmentation needed (3/4) with the next-hop MTU; IPv6 -> packet too big (2/0) with it', () => {
  const { net, i0 } = routerR();
  net.handlePacket(i0, udp4('198.18.1.2', '198.18.2.2', 64, 1400, true), 0);
  net.handlePacket(i0, udp6('2001:db8:1::2', '2001:db8:2::2', 64, 1400), 0);
  const out = drainPackets(net, 0);
  assert.equal(out.length, 2);
  const e4 = decodeIp(out[0].packet);
  assert.ok(e4.ok);
  const m4 = decodeIcmp(out[0].packet, e4);
  assert.ok(m4.ok);
  assert.deepEqual([m4.type, m4.code, m4.mtu], [3, 4, 1280]);
  assert.equal(out[0].packet.length, 20 + 8 + 548, 'RFC 1812 §4.3.2.3: 576 bytes at most');
  const e6 = decodeIp(out[1].packet);
  assert.ok(e6.ok);
  const m6 = decodeIcmp(out[1].packet, e6);
  assert.ok(m6.ok);
  assert.deepEqual([m6.type, m6.code, m6.mtu], [2, 0, 1280]);
  assert.equal(out[1].packet.length, 1280, 'RFC 4443 §2.4(c): as much as fits in the minimum MTU');
  assert.equal(net.counters.OutPktTooBigs, 1);
});

test('too big with DF clear: fragmented (RFC 791): 8-byte multiples, MF on all but the last, offsets add up, data intact', () => {
  const { net, i0, i1 } = routerR();
  const p = udp4('198.18.1.2', '198.18.2.2', 64, 3000, false);
  net.handlePacket(i0, p, 0);
  const out = drainPackets(net, 0);
  assert.equal(out.length, 3);
  const data: number[] = [];
  let expectOffset = 0;
  out.forEach((o, i) => {
    assert.equal(o.ifIndex, i1);
    assert.ok(o.packet.length <= 1280);
    const d = decodeIp(o.packet);
    assert.ok(d.ok && d.ip.version === 4);
    assert.ok(d.ip.checksumValid);
    assert.equal(d.ip.identification, 0x1234);
    assert.equal(d.ip.moreFragments, i < 2);
    assert.equal(d.ip.fragmentOffset * 8, expectOffset);
    assert.equal(d.ip.ttl, 63);
    if (i < 2) assert.equal((d.ip.totalLength - 20) % 8, 0);
    expectOffset += d.ip.totalLength - 20;
    data.push(...o.packet.subarray(20));
  });
  assert.deepEqual(Uint8Array.from(data), p.subarray(20));
  assert.equal(net.counters.FragCreates, 3);
});

test('fragmentIpv4 copies only options with the copy flag into later fragments', () => {
  const opts = Uint8Array.of(0x94, 4, 0, 0, /* router alert: copied */ 0x07, 3, 4, /* record route: not copied */ 0);
  const p = new Uint8Array(28 + 100);
  encodeIpv4Header({ src: ip4('198.18.1.2'), dst: ip4('198.18.2.2'), dontFragment: false, options: opts }, 100, p, 0, IpProtocol.UDP);
  const pieces = fragmentIpv4(p, 28, 68)!;
  assert.equal(pieces[0][0] & 0xf, 7, 'the first keeps every option');
  assert.equal(pieces[1][0] & 0xf, 6, 'the later ones only the router alert');
  assert.deepEqual([...pieces[1].subarray(20, 24)], [0x94, 4, 0, 0]);
});

test('no route: ICMP net unreachable (3/0; v6 1/0), counted OutNoRoutes', () => {
  const { net, i0 } = routerR();
  net.handlePacket(i0, udp4('198.18.1.2', '192.0.2.1', 64), 0);
  net.handlePacket(i0, udp6('2001:db8:1::2', '2001:db9::1', 64), 0);
  const out = drainPackets(net, 0);
  const types = out.map((o) => {
    const d = decodeIp(o.packet);
    assert.ok(d.ok);
    const m = decodeIcmp(o.packet, d);
    assert.ok(m.ok);
    return [m.type, m.code];
  });
  assert.deepEqual(types, [[3, 0], [1, 0]]);
  assert.equal(net.counters.OutNoRoutes, 2);
});

test('forwarding off (a host): packets for others are dropped and counted, nothing is sent', () => {
  const { net, i0 } = routerR(false);
  net.handlePacket(i0, udp4('198.18.1.2', '198.18.2.2', 64), 0);
  net.handlePacket(i0, udp6('2001:db8:1::2', '2001:db8:2::2', 1), 0);
  assert.equal(drainPackets(net, 0).length, 0);
  assert.equal(net.counters.InAddrErrors, 2);
  assert.equal(net.counters.ForwDatagrams, 0);
});

test('never forwarded: link-local IPv6 source or destination (RFC 4291 §2.5.6)', () => {
  const { net, i0 } = routerR();
  net.handlePacket(i0, udp6('fe80::2', '2001:db8:2::2', 64), 0);
  net.handlePacket(i0, udp6('2001:db8:1::2', 'fe80::9', 64), 0);
  assert.equal(drainPackets(net, 0).length, 0);
});

test('ICMP echo: a request to our address (v4, v6) gets a reply with the same identifier, sequence and data', () => {
  const { net, i0 } = routerR(false);
  const data = Uint8Array.of(1, 2, 3, 4, 5);
  net.handlePacket(i0, encodeIcmpPacket({ src: ip4('198.18.1.2'), dst: ip4('198.18.1.1'), type: 8, code: 0, rest: (0x77 << 16) | 3, body: data }), 0);
  net.handlePacket(i0, encodeIcmpPacket({ src: ip6('2001:db8:1::2'), dst: ip6('2001:db8:2::1'), type: 128, code: 0, rest: (0x78 << 16) | 4, body: data }), 0);
  const out = drainPackets(net, 0);
  assert.equal(out.length, 2);
  const rows = out.map((o) => {
    const d = decodeIp(o.packet);
    assert.ok(d.ok);
    const m = decodeIcmp(o.packet, d);
    assert.ok(m.ok && m.checksumValid);
    return [ipToString(d.ip.src), ipToString(d.ip.dst), m.type, m.identifier, m.sequence, [...o.packet.subarray(m.offset + 8)]];
  });
  assert.deepEqual(rows, [
    ['198.18.1.1', '198.18.1.2', 0, 0x77, 3, [1, 2, 3, 4, 5]],
    ['2001:db8:2::1', '2001:db8:1::2', 129, 0x78, 4, [1, 2, 3, 4, 5]],
  ]);
  assert.equal(net.counters.InEchos, 2);
});

test('a protocol nobody handles: v4 protocol unreachable (3/2); v6 parameter problem code 1 pointing at the Next Header (RFC 4443 §3.4)', () => {
  const { net, i0 } = routerR(false);
  const p4 = new Uint8Array(28);
  encodeIpv4Header({ src: ip4('198.18.1.2'), dst: ip4('198.18.1.1') }, 8, p4, 0, 200);
  const p6 = new Uint8Array(48);
  encodeIpv6Header({ src: ip6('2001:db8:1::2'), dst: ip6('2001:db8:1::1') }, 8, p6, 0, 200);
  net.handlePacket(i0, p4, 0);
  net.handlePacket(i0, p6, 0);
  const out = drainPackets(net, 0);
  const rows = out.map((o) => {
    const d = decodeIp(o.packet);
    assert.ok(d.ok);
    const m = decodeIcmp(o.packet, d);
    assert.ok(m.ok);
    return [m.type, m.code, (o.packet[d.payloadOffset + 4] << 24) | (o.packet[d.payloadOffset + 5] << 16) | (o.packet[d.payloadOffset + 6] << 8) | o.packet[d.payloadOffset + 7]];
  });
  assert.deepEqual(rows, [[3, 2, 0], [4, 1, 6]]);
  assert.equal(net.counters.InUnknownProtos, 2);
});

test('a registered handler gets its protocol\'s packets with the interface, sends through the stack, and hears ICMP errors quoting its packets', () => {
  const { net, i0, i1 } = routerR(false);
  const udp = new FakeHandler();
  net.addProtocol(17, udp);
  assert.deepEqual(udp.addresses.map(ipToString).sort(), ['127.0.0.1', '198.18.1.1', '198.18.2.1', '2001:db8:1::1', '2001:db8:2::1', '::1'].sort(), 'its address list is kept');
  net.handlePacket(i1, udp4('198.18.2.9', '198.18.1.1', 64), 0);
  assert.equal(udp.got.length, 1);
  assert.equal(udp.got[0].ifIndex, i1);
  const sent = udp4('198.18.1.1', '198.18.2.9', 64);
  udp.toSend.push(sent);
  const out = drainPackets(net, 0);
  assert.deepEqual(out.map((o) => o.ifIndex), [i1]);
  // A port unreachable quoting our datagram comes back: to the handler's handleIcmpError.
  const err = encodeIcmpPacket({ src: ip4('198.18.2.9'), dst: ip4('198.18.1.1'), type: 3, code: 3, rest: 0, body: sent });
  net.handlePacket(i1, err, 0);
  assert.equal(udp.icmp.length, 1);
  assert.equal(net.counters.InUnknownProtos, 0);
  assert.throws(() => net.addProtocol(17, new FakeHandler()), /already/);
  assert.throws(() => net.addProtocol(1, new FakeHandler()), /ICMP/);
});

test('no ICMP error about an ICMP error, a broadcast, or a packet from 0.0.0.0 (RFC 1122 §3.2.2)', () => {
  const { net, i0 } = routerR();
  // An ICMP error with TTL 1 to forward: no time exceeded about it.
  net.handlePacket(i0, encodeIcmpPacket({ src: ip4('198.18.1.2'), dst: ip4('198.18.2.2'), type: 3, code: 1, rest: 0, body: new Uint8Array(28), ttl: 1 }), 0);
  // Unknown protocol to our subnet's broadcast address.
  const b = new Uint8Array(28);
  encodeIpv4Header({ src: ip4('198.18.1.2'), dst: ip4('198.18.1.255') }, 8, b, 0, 200);
  net.handlePacket(i0, b, 0);
  const z = new Uint8Array(28);
  encodeIpv4Header({ src: 0, dst: ip4('198.18.1.1') }, 8, z, 0, 200);
  net.handlePacket(i0, z, 0);
  assert.equal(drainPackets(net, 0).length, 0);
});

test('ICMP errors are rate-limited (a token bucket: burst, then the rate)', () => {
  const net = newNet(2, { forwarding: true, icmpRate: { perSecond: 10, burst: 3 } });
  const i0 = net.addInterface({ kind: 'ip', addresses: ['198.18.1.1/24'] }).index;
  for (let i = 0; i < 10; i++) net.handlePacket(i0, udp4('198.18.1.2', '192.0.2.1', 64), 0);
  assert.equal(drainPackets(net, 0).length, 3);
  assert.equal(net.counters.OutIcmpRateLimited, 7);
  for (let i = 0; i < 10; i++) net.handlePacket(i0, udp4('198.18.1.2', '192.0.2.1', 64), 1000);
  assert.equal(drainPackets(net, 1000).length, 3, '10 tokens came back in 1 s, capped at the burst');
});

test('a packet we send to our own address comes back through the loopback; 127/8 from outside is a martian', () => {
  const { net, i0 } = routerR(false);
  net.ping('198.18.2.1', { identifier: 5, sequence: 6 }, 0);
  assert.equal(drainPackets(net, 0).length, 0);
  const ev = net.pollEvent();
  while (ev && ev.type !== 'echo-reply') break;
  const evs: string[] = [];
  for (let e = ev; e; e = net.pollEvent()) evs.push(e.type);
  assert.ok(evs.includes('echo-reply'), evs.join());
  const m = new Uint8Array(28);
  encodeIpv4Header({ src: ip4('127.0.0.1'), dst: ip4('198.18.1.1') }, 8, m, 0, 17);
  net.handlePacket(i0, m, 0);
  assert.equal(net.counters.InAddrErrors, 1);
});

test('TCP never sees a broadcast or multicast destination (RFC 1122 §4.2.3.10); UDP does', () => {
  const { net, i0 } = routerR(false);
  const tcp = new FakeHandler();
  const udp = new FakeHandler();
  net.addProtocol(6, tcp);
  net.addProtocol(17, udp);
  for (const proto of [6, 17]) {
    const p = new Uint8Array(40);
    encodeIpv4Header({ src: ip4('198.18.1.2'), dst: ip4('198.18.1.255') }, 20, p, 0, proto);
    net.handlePacket(i0, p, 0);
  }
  assert.equal(tcp.got.length, 0);
  assert.equal(udp.got.length, 1);
});
