/**
 * IPv6 neighbour discovery (RFC 4861), duplicate address detection and SLAAC (RFC 4862), on virtual
 * time.
 *
 *   A: 02:00:00:00:00:0a, link-local fe80::ff:fe00:a (EUI-64: 02 -> 00, ff:fe in the middle)
 *   B: 02:00:00:00:00:0b, fe80::ff:fe00:b, and 2001:db8::b
 *
 * Numbers: DAD sends DupAddrDetectTransmits (1) NS and waits RetransTimer (1 s) (RFC 4862 §5.4.2);
 * the link-local address's first NS waits a random delay in [0, 1 s) (MAX_RTR_SOLICITATION_DELAY).
 * A router's RAs: the first once its link-local address is preferred, then the next ones at most
 * 16 s apart (MAX_INITIAL_RTR_ADVERT_INTERVAL) for the first three (§6.2.4); an RS is answered
 * within MAX_RA_DELAY_TIME (0.5 s), never sooner than MIN_DELAY_BETWEEN_RAS (3 s) after the last.
 * Hosts send up to 3 RSs 4 s apart (§6.3.7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEthernet, EtherType } from '../../src/wire/ethernet.js';
import { ALL_NODES, encodeNdpPacket, ipv6MulticastMac, solicitedNodeAddress, type NdpMessage } from '../../src/wire/ndp.js';
import { ipv6ToString } from '../../src/wire/address.js';
import { decodeFrame, drain, ethHost, hex, ip6, mac, newNet, runTimers } from './helpers.js';

const MAC_A = mac('02:00:00:00:00:0a');
const MAC_B = mac('02:00:00:00:00:0b');
const LL_A = ip6('fe80::ff:fe00:a');
const LL_B = ip6('fe80::ff:fe00:b');
const GA = ip6('2001:db8::a');
const GB = ip6('2001:db8::b');
const UNSPEC = new Uint8Array(16);

function ndFrame(dstMac: Uint8Array, srcMac: Uint8Array, src: Uint8Array, dst: Uint8Array, message: NdpMessage, hopLimit = 255): Uint8Array {
  return encodeEthernet({ dst: dstMac, src: srcMac, etherType: EtherType.IPV6, payload: encodeNdpPacket({ src, dst, message, hopLimit }) });
}

/** A with 2001:db8::a/64 (DAD off, no link-local), ready. */
function hostA() {
  const h = ethHost(2, '02:00:00:00:00:0a', ['2001:db8::a/64']);
  drain(h.net, 0);
  while (h.net.pollEvent());
  return h;
}

test('the link-local address is fe80:: with the MAC\'s modified EUI-64 identifier (RFC 4291 App. A, RFC 4862 §5.3)', () => {
  const net = newNet(3);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, slaac: false }, 0);
  assert.equal(ipv6ToString(iface.addresses[0].address as Uint8Array), 'fe80::ff:fe00:a');
  assert.equal(iface.addresses[0].state, 'tentative');
});

test('DAD: one NS from :: to the solicited-node group, no source link-layer option; preferred 1 s later (RFC 4862 §5.4)', () => {
  const net = newNet(3);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, slaac: false }, 0);
  const frames = runTimers(net, 0, 5000);
  assert.equal(frames.length, 1);
  const t0 = frames[0].t;
  assert.ok(t0 >= 0 && t0 < 1000, `first NS after a random delay in [0, 1 s): ${t0}`);
  const d = decodeFrame(frames[0].frame);
  const sn = solicitedNodeAddress(LL_A);
  assert.equal(hex(d.eth.dst), hex(ipv6MulticastMac(sn)), '33:33:ff:00:00:0a');
  assert.equal(hex(d.eth.dst), '3333ff00000a');
  assert.equal(d.nd!.message.type, 135);
  assert.equal(hex(d.nd!.ip.src), hex(UNSPEC));
  assert.equal(hex(d.nd!.ip.dst), hex(sn));
  assert.equal(d.nd!.ip.hopLimit, 255);
  assert.equal(hex((d.nd!.message as { target: Uint8Array }).target), hex(LL_A));
  assert.equal(d.nd!.message.options.sourceLinkLayer, undefined);
  assert.equal(iface.addresses[0].state, 'preferred');
  const ev = net.pollEvent();
  assert.deepEqual(ev && ev.type === 'address' ? [ipv6ToString(ev.address as Uint8Array), ev.state] : ev, ['fe80::ff:fe00:a', 'preferred']);
});

test('DAD: an NA for the tentative address makes it a duplicate, never used (RFC 4862 §5.4.4)', () => {
  const net = newNet(3);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, slaac: false, linkLocal: false, addresses: ['2001:db8::a/64'] }, 0);
  const ns = drain(net, 0);
  assert.equal(ns.length, 1, 'the DAD NS at once (an address added later has no start-up delay)');
  net.handleFrame(iface.index, ndFrame(ipv6MulticastMac(ALL_NODES), MAC_B, GA, ALL_NODES, { type: 136, router: false, solicited: false, override: true, target: GA, options: { targetLinkLayer: MAC_B } }), 300);
  assert.equal(iface.addresses[0].state, 'duplicate');
  assert.equal(net.counters.DadFailures, 1);
  const ev = net.pollEvent();
  assert.ok(ev && ev.type === 'address' && ev.state === 'duplicate');
  net.handleTimeout(2000);
  assert.equal(iface.addresses[0].state, 'duplicate', 'stays so');
  assert.equal(net.isOurs(GA), false);
});

test('DAD: another node\'s DAD NS (from ::) for the same tentative address is a duplicate too (§5.4.3)', () => {
  const net = newNet(3);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, slaac: false, linkLocal: false, addresses: ['2001:db8::a/64'] }, 0);
  drain(net, 0);
  const sn = solicitedNodeAddress(GA);
  net.handleFrame(iface.index, ndFrame(ipv6MulticastMac(sn), MAC_B, UNSPEC, sn, { type: 135, target: GA }), 100);
  assert.equal(iface.addresses[0].state, 'duplicate');
});

test('packets to a tentative address are discarded (RFC 4862 §5.4)', () => {
  const net = newNet(3);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, slaac: false, linkLocal: false, addresses: ['2001:db8::a/64'] }, 0);
  drain(net, 0);
  const sn = solicitedNodeAddress(GA);
  // An NS from a node with an address (not DAD): not answered while tentative.
  net.handleFrame(iface.index, ndFrame(ipv6MulticastMac(sn), MAC_B, GB, sn, { type: 135, target: GA, options: { sourceLinkLayer: MAC_B } }), 100);
  assert.equal(drain(net, 100).length, 0);
  assert.equal(iface.addresses[0].state, 'tentative');
});

test('NS for our address: a solicited NA (S, O set) with our MAC, unicast back; the soliciter is learnt STALE (§7.2.3-7.2.4)', () => {
  const { net, ifIndex } = hostA();
  const sn = solicitedNodeAddress(GA);
  net.handleFrame(ifIndex, ndFrame(ipv6MulticastMac(sn), MAC_B, GB, sn, { type: 135, target: GA, options: { sourceLinkLayer: MAC_B } }), 1000);
  const out = drain(net, 1000);
  assert.equal(out.length, 1);
  const d = decodeFrame(out[0].frame);
  assert.equal(hex(d.eth.dst), hex(MAC_B));
  const m = d.nd!.message;
  assert.equal(m.type, 136);
  if (m.type !== 136) return;
  assert.equal(m.solicited, true);
  assert.equal(m.override, true);
  assert.equal(m.router, false);
  assert.equal(hex(m.target), hex(GA));
  assert.equal(hex(m.options.targetLinkLayer!), hex(MAC_A));
  assert.equal(hex(d.nd!.ip.src), hex(GA));
  assert.equal(hex(d.nd!.ip.dst), hex(GB));
  assert.ok(d.nd!.checksumValid);
  // Learnt STALE (§7.2.3), and the NA just sent to it starts DELAY (§7.3.3).
  assert.equal(net.interface(ifIndex).nd!.get(GB)!.state, 'DELAY');
});

test('an ND message with hop limit below 255 is dropped (RFC 4861 §7.1.1)', () => {
  const { net, ifIndex } = hostA();
  const sn = solicitedNodeAddress(GA);
  net.handleFrame(ifIndex, ndFrame(ipv6MulticastMac(sn), MAC_B, GB, sn, { type: 135, target: GA, options: { sourceLinkLayer: MAC_B } }, 254), 1000);
  assert.equal(drain(net, 1000).length, 0);
  assert.equal(net.counters.InNdInvalid, 1);
});

test('resolution: NS to the solicited-node group; a solicited NA -> REACHABLE, the waiting packet goes; NUD through STALE, DELAY, PROBE', () => {
  const { net, ifIndex } = hostA();
  const cache = net.interface(ifIndex).nd!;
  net.ping('2001:db8::b', { sequence: 1 }, 1000);
  const out = drain(net, 1000);
  assert.equal(out.length, 1);
  const ns = decodeFrame(out[0].frame);
  assert.equal(hex(ns.eth.dst), hex(ipv6MulticastMac(solicitedNodeAddress(GB))));
  assert.equal(ns.nd!.message.type, 135);
  assert.equal(hex(ns.nd!.message.options.sourceLinkLayer!), hex(MAC_A));
  assert.equal(hex(ns.nd!.ip.src), hex(GA));
  assert.equal(cache.get(GB)!.state, 'INCOMPLETE');
  net.handleFrame(ifIndex, ndFrame(MAC_A, MAC_B, GB, GA, { type: 136, router: false, solicited: true, override: true, target: GB, options: { targetLinkLayer: MAC_B } }), 1005);
  const sent = drain(net, 1005);
  assert.equal(sent.length, 1);
  assert.equal(hex(decodeFrame(sent[0].frame).eth.dst), hex(MAC_B));
  assert.equal(cache.get(GB)!.state, 'REACHABLE');
  net.handleTimeout(1005 + cache.reachableTime);
  assert.equal(cache.get(GB)!.state, 'STALE');
  net.ping('2001:db8::b', { sequence: 2 }, 60_000);
  drain(net, 60_000);
  assert.equal(cache.get(GB)!.state, 'DELAY');
  const probes = runTimers(net, 60_000, 70_000);
  assert.equal(probes[0].t, 65_000);
  const p = decodeFrame(probes[0].frame);
  assert.equal(hex(p.eth.dst), hex(MAC_B), 'the probe is unicast');
  assert.equal(hex(p.nd!.ip.dst), hex(GB));
  assert.equal(probes.length, 3);
  assert.equal(cache.get(GB), undefined);
});

test('an unsolicited NA with O clear and a new MAC only makes a REACHABLE entry STALE, keeping the old MAC (§7.2.5)', () => {
  const { net, ifIndex } = hostA();
  const cache = net.interface(ifIndex).nd!;
  net.ping('2001:db8::b', {}, 1000);
  drain(net, 1000);
  net.handleFrame(ifIndex, ndFrame(MAC_A, MAC_B, GB, GA, { type: 136, router: false, solicited: true, override: true, target: GB, options: { targetLinkLayer: MAC_B } }), 1001);
  drain(net, 1001);
  const other = mac('02:00:00:00:00:0c');
  net.handleFrame(ifIndex, ndFrame(ipv6MulticastMac(ALL_NODES), other, GB, ALL_NODES, { type: 136, router: false, solicited: false, override: false, target: GB, options: { targetLinkLayer: other } }), 1002);
  assert.equal(cache.get(GB)!.state, 'STALE');
  assert.equal(hex(cache.get(GB)!.mac!), hex(MAC_B));
  // With O set the new address is taken (still STALE: not solicited).
  net.handleFrame(ifIndex, ndFrame(ipv6MulticastMac(ALL_NODES), other, GB, ALL_NODES, { type: 136, router: false, solicited: false, override: true, target: GB, options: { targetLinkLayer: other } }), 1003);
  assert.equal(hex(cache.get(GB)!.mac!), hex(other));
});

test('an NA for an address we have no entry for is ignored (§7.2.5)', () => {
  const { net, ifIndex } = hostA();
  net.handleFrame(ifIndex, ndFrame(ipv6MulticastMac(ALL_NODES), MAC_B, GB, ALL_NODES, { type: 136, router: false, solicited: false, override: true, target: GB, options: { targetLinkLayer: MAC_B } }), 1000);
  assert.equal(net.interface(ifIndex).nd!.get(GB), undefined);
});

/** A router on fe80::ff:fe00:b advertising 2001:db8:1::/64, DAD done. */
function router(seed = 5) {
  const net = newNet(seed);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_B, addresses: ['2001:db8:1::1/64'], router: { mtu: 1400 } }, 0);
  return { net, iface };
}

test('router mode: the first RA once the link-local address is preferred: from it, to ff02::1, with the prefix (L, A), MTU and source link-layer options', () => {
  const { net, iface } = router();
  const frames = runTimers(net, 0, 2500);
  const ras = frames.map((f) => ({ t: f.t, d: decodeFrame(f.frame) })).filter((x) => x.d.nd?.message.type === 134);
  assert.equal(ras.length, 1);
  const ll = iface.addresses.find((a) => a.origin === 'link-local')!;
  assert.equal(ll.state, 'preferred');
  const d = ras[0].d;
  assert.equal(hex(d.nd!.ip.src), hex(LL_B));
  assert.equal(hex(d.nd!.ip.dst), hex(ALL_NODES));
  assert.equal(hex(d.eth.dst), '333300000001');
  const m = d.nd!.message;
  if (m.type !== 134) return assert.fail('not an RA');
  assert.equal(m.routerLifetime, 1800, '3 * MaxRtrAdvInterval');
  assert.equal(m.curHopLimit, 64);
  assert.equal(m.options.mtu, 1400);
  assert.equal(hex(m.options.sourceLinkLayer!), hex(MAC_B));
  assert.equal(m.options.prefixes!.length, 1);
  const p = m.options.prefixes![0];
  assert.equal(ipv6ToString(p.prefix), '2001:db8:1::');
  assert.equal(p.prefixLength, 64);
  assert.equal(p.onLink, true);
  assert.equal(p.autonomous, true);
  assert.equal(p.validLifetime, 2_592_000);
  assert.equal(p.preferredLifetime, 604_800);
});

test('router mode: unsolicited RAs at most 16 s apart for the first three, then in [MinRtrAdvInterval, MaxRtrAdvInterval]', () => {
  const { net } = router();
  const frames = runTimers(net, 0, 2_000_000);
  const times = frames.filter((f) => decodeFrame(f.frame).nd?.message.type === 134).map((f) => f.t);
  assert.ok(times.length >= 5, `${times.length} RAs`);
  for (let i = 1; i < 3; i++) assert.ok(times[i] - times[i - 1] <= 16_000, `gap ${i}: ${times[i] - times[i - 1]}`);
  for (let i = 3; i < times.length; i++) {
    const gap = times[i] - times[i - 1];
    assert.ok(gap >= 200_000 && gap <= 600_000, `gap ${i}: ${gap}`);
  }
});

test('router mode: an RS is answered within 0.5 s, but not within 3 s of the last RA (§6.2.6)', () => {
  const { net, iface } = router();
  const first = runTimers(net, 0, 2500).filter((f) => decodeFrame(f.frame).nd?.message.type === 134)[0].t;
  const rs = ndFrame(ipv6MulticastMac(ip6('ff02::2')), MAC_A, LL_A, ip6('ff02::2'), { type: 133, options: { sourceLinkLayer: MAC_A } });
  // Right after the first RA: held until MIN_DELAY_BETWEEN_RAS has passed.
  net.handleFrame(iface.index, rs, first + 100);
  assert.equal(net.pollTimeout(), first + 3000);
  // The soliciter was learnt from its source link-layer option.
  assert.equal(iface.nd!.get(LL_A)!.state, 'STALE');
  const later = runTimers(net, first + 100, first + 3000).filter((f) => decodeFrame(f.frame).nd?.message.type === 134);
  assert.equal(later.length, 1);
  assert.equal(later[0].t, first + 3000);
  // Long after: within MAX_RA_DELAY_TIME.
  const t = first + 10_000;
  net.handleFrame(iface.index, rs, t);
  const due = net.pollTimeout()!;
  assert.ok(due >= t && due <= t + 500, `answer due at ${due - t} ms`);
});

test('host mode: RSs at start (3, 4 s apart, the first from :: while the link-local is tentative)', () => {
  const net = newNet(7);
  net.addInterface({ kind: 'frames', mac: MAC_A }, 0);
  const rss = runTimers(net, 0, 20_000)
    .map((f) => ({ t: f.t, d: decodeFrame(f.frame) }))
    .filter((x) => x.d.nd?.message.type === 133);
  assert.equal(rss.length, 3);
  assert.equal(rss[1].t - rss[0].t, 4000);
  assert.equal(rss[2].t - rss[1].t, 4000);
  for (const r of rss) assert.equal(hex(r.d.nd!.ip.dst), hex(ip6('ff02::2')));
  const last = rss[2].d.nd!;
  assert.equal(hex(last.ip.src), hex(LL_A), 'once the link-local address is preferred, from it');
  assert.equal(hex(last.message.options.sourceLinkLayer!), hex(MAC_A));
});

test('SLAAC: an RA\'s /64 with A set gives prefix + EUI-64, tentative, preferred after DAD; a default route via the router; the MTU option sets the MTU', () => {
  const net = newNet(8);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, dadTransmits: 1 }, 0);
  runTimers(net, 0, 1500);
  while (net.pollEvent());
  const ra = ndFrame(ipv6MulticastMac(ALL_NODES), MAC_B, LL_B, ALL_NODES, {
    type: 134,
    curHopLimit: 64,
    managed: false,
    other: false,
    routerLifetime: 1800,
    reachableTime: 0,
    retransTimer: 0,
    options: { sourceLinkLayer: MAC_B, mtu: 1400, prefixes: [{ prefix: ip6('2001:db8:1::'), prefixLength: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 }] },
  });
  net.handleFrame(iface.index, ra, 2000);
  const slaac = iface.addresses.find((a) => a.origin === 'slaac')!;
  assert.equal(ipv6ToString(slaac.address as Uint8Array), '2001:db8:1::ff:fe00:a');
  assert.equal(slaac.state, 'tentative');
  assert.equal(iface.mtu, 1400);
  const dad = drain(net, 2000).map((f) => decodeFrame(f.frame));
  assert.equal(dad.length, 1);
  assert.equal(hex(dad[0].nd!.ip.src), hex(UNSPEC));
  net.handleTimeout(3000);
  assert.equal(slaac.state, 'preferred');
  assert.equal(slaac.validUntil, 2000 + 86_400_000);
  assert.equal(slaac.preferredUntil, 2000 + 14_400_000);
  const def = net.routes.lookup(ip6('2001:db8:99::1'))!;
  assert.equal(def.length, 0);
  assert.equal(hex(def.via as Uint8Array), hex(LL_B));
  assert.equal(def.expires, 2000 + 1_800_000);
  assert.equal(net.routes.lookup(ip6('2001:db8:1::5'))!.length, 64, 'the on-link prefix');
  assert.equal(iface.nd!.get(LL_B)!.isRouter, true);
  // Lifetimes: preferred runs out -> deprecated; valid runs out -> removed.
  net.handleTimeout(2000 + 14_400_000);
  assert.equal(slaac.state, 'deprecated');
  net.handleTimeout(2000 + 86_400_000);
  assert.equal(iface.addresses.includes(slaac), false);
});

test('SLAAC: the two-hour rule: an RA cannot cut a valid lifetime below 2 hours (RFC 4862 §5.5.3 e)', () => {
  const net = newNet(8);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, dadTransmits: 0 }, 0);
  const ra = (valid: number) =>
    ndFrame(ipv6MulticastMac(ALL_NODES), MAC_B, LL_B, ALL_NODES, {
      type: 134,
      curHopLimit: 64,
      managed: false,
      other: false,
      routerLifetime: 0,
      reachableTime: 0,
      retransTimer: 0,
      options: { prefixes: [{ prefix: ip6('2001:db8:1::'), prefixLength: 64, onLink: true, autonomous: true, validLifetime: valid, preferredLifetime: 0 }] },
    });
  net.handleFrame(iface.index, ra(86400), 0);
  const a = iface.addresses.find((x) => x.origin === 'slaac')!;
  assert.equal(a.validUntil, 86_400_000);
  net.handleFrame(iface.index, ra(60), 1000);
  assert.equal(a.validUntil, 1000 + 7_200_000, 'two hours, not one minute');
  net.handleFrame(iface.index, ra(100_000), 2000);
  assert.equal(a.validUntil, 2000 + 100_000_000, 'longer lifetimes are taken');
  assert.equal(net.routes.lookup(ip6('2001:db8:99::1')), undefined, 'router lifetime 0: not a default router');
});

test('SLAAC ignores an RA from a non-link-local source and prefixes that are not /64 or lack A', () => {
  const net = newNet(8);
  const iface = net.addInterface({ kind: 'frames', mac: MAC_A, dadTransmits: 0 }, 0);
  const base = { type: 134 as const, curHopLimit: 64, managed: false, other: false, routerLifetime: 1800, reachableTime: 0, retransTimer: 0 };
  net.handleFrame(iface.index, ndFrame(ipv6MulticastMac(ALL_NODES), MAC_B, GB, ALL_NODES, { ...base, options: { prefixes: [{ prefix: ip6('2001:db8:1::'), prefixLength: 64, onLink: true, autonomous: true, validLifetime: 100, preferredLifetime: 50 }] } }), 0);
  assert.equal(net.counters.InNdInvalid, 1);
  net.handleFrame(iface.index, ndFrame(ipv6MulticastMac(ALL_NODES), MAC_B, LL_B, ALL_NODES, { ...base, options: { prefixes: [
    { prefix: ip6('2001:db8:2::'), prefixLength: 48, onLink: true, autonomous: true, validLifetime: 100, preferredLifetime: 50 },
    { prefix: ip6('2001:db8:3::'), prefixLength: 64, onLink: true, autonomous: false, validLifetime: 100, preferredLifetime: 50 },
    { prefix: ip6('2001:db8:4::'), prefixLength: 64, onLink: true, autonomous: true, validLifetime: 100, preferredLifetime: 200 },
  ] } }), 0);
  assert.deepEqual(iface.addresses.filter((a) => a.origin === 'slaac'), []);
});

test('a router and a host on one link: the host configures itself from the router\'s RAs and they ping each other by their global addresses', () => {
  const r = router(11);
  const h = newNet(12);
  const hi = h.addInterface({ kind: 'frames', mac: MAC_A }, 0);
  // A two-port hub, frames delivered at once.
  let now = 0;
  for (let step = 0; step < 10_000 && now <= 30_000; step++) {
    let moved = false;
    for (let f = r.net.pollFrame(now); f; f = r.net.pollFrame(now)) {
      moved = true;
      h.handleFrame(hi.index, f.frame, now);
    }
    for (let f = h.pollFrame(now); f; f = h.pollFrame(now)) {
      moved = true;
      r.net.handleFrame(r.iface.index, f.frame, now);
    }
    if (moved) continue;
    const due = Math.min(r.net.pollTimeout() ?? Infinity, h.pollTimeout() ?? Infinity);
    if (due === Infinity) break;
    now = Math.max(now, due);
    r.net.handleTimeout(now);
    h.handleTimeout(now);
  }
  const slaac = hi.addresses.find((a) => a.origin === 'slaac');
  assert.ok(slaac, 'SLAAC formed an address');
  assert.equal(ipv6ToString(slaac.address as Uint8Array), '2001:db8:1::ff:fe00:a');
  assert.equal(slaac.state, 'preferred');
  assert.equal(hi.mtu, 1400);
  while (r.net.pollEvent());
  r.net.ping(slaac.address, { identifier: 1, sequence: 9 }, now);
  for (let i = 0; i < 10; i++) {
    for (let f = r.net.pollFrame(now); f; f = r.net.pollFrame(now)) h.handleFrame(hi.index, f.frame, now);
    for (let f = h.pollFrame(now); f; f = h.pollFrame(now)) r.net.handleFrame(r.iface.index, f.frame, now);
  }
  let ev = r.net.pollEvent();
  while (ev && ev.type !== 'echo-reply') ev = r.net.pollEvent();
  assert.ok(ev && ev.type === 'echo-reply' && ev.sequence === 9, 'echo reply from the host');
  assert.equal(ipv6ToString(ev.from as Uint8Array), '2001:db8:1::ff:fe00:a');
  assert.deepEqual(r.net.neighbors().filter((l) => l.includes('2001:db8:1::ff:fe00:a')).length, 1);
});
