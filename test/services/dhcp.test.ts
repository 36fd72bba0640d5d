/**
 * DHCPv4 from RFC 2131, server and client in virtual time. The numbers: a pool 198.18.0.100-102 in
 * 198.18.0.0/24, server 198.18.0.1, lease 3600 s, so T1 = 1800 s and T2 = 3150 s (§4.4.5: 0.5 and
 * 0.875 of the lease) counted from when the winning REQUEST was sent (§4.4.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpServer, type DhcpReply } from '../../src/services/dhcp-server.js';
import { DhcpClient, type DhcpClientEvent } from '../../src/services/dhcp-client.js';
import { BootpOp, decodeDhcp, DHCP_BROADCAST_FLAG, DhcpMessageType, encodeDhcp, type DecodedDhcp, type DhcpOptions } from '../../src/wire/dhcp.js';
import { parseIp, ipToString } from '../../src/wire/address.js';
import { SeededRandom } from '../../src/tcp/random.js';

const SEED = 2131;
const ip = (s: string) => parseIp(s) as number;
const MAC_A = new Uint8Array([2, 0, 0, 0, 0, 0xa]);
const MAC_B = new Uint8Array([2, 0, 0, 0, 0, 0xb]);

const makeServer = () =>
  new DhcpServer({ serverAddress: '198.18.0.1', first: '198.18.0.100', last: '198.18.0.102', subnetMask: 24, routers: ['198.18.0.1'], dnsServers: ['198.18.0.1'], domainName: 'synack.test', mtu: 1400, leaseTime: 3600 });

function msg(type: number, chaddr: Uint8Array, f: { xid?: number; ciaddr?: number; flags?: number; giaddr?: number; options?: DhcpOptions } = {}): Uint8Array {
  return encodeDhcp({ op: BootpOp.REQUEST, xid: f.xid ?? 42, chaddr, ciaddr: f.ciaddr ?? 0, flags: f.flags ?? 0, giaddr: f.giaddr ?? 0, options: { messageType: type, ...f.options } });
}

function decoded(r: DhcpReply | undefined): DecodedDhcp {
  assert.ok(r, 'a reply');
  const m = decodeDhcp(r.bytes);
  assert.ok(m.ok);
  return m;
}

test('DISCOVER → OFFER → REQUEST → ACK with the options; B bit → broadcast, ciaddr → unicast, giaddr → relay', () => {
  const s = makeServer();
  const offer = s.handleMessage(msg(DhcpMessageType.DISCOVER, MAC_A, { flags: DHCP_BROADCAST_FLAG }), 0);
  const o = decoded(offer);
  assert.equal(o.options.messageType, DhcpMessageType.OFFER);
  assert.equal(ipToString(o.yiaddr), '198.18.0.100');
  assert.equal(o.xid, 42);
  assert.deepEqual([offer!.address, offer!.port, offer!.broadcast], [0xffffffff, 68, true]);
  assert.equal(o.options.serverId, ip('198.18.0.1'));
  const ack = s.handleMessage(msg(DhcpMessageType.REQUEST, MAC_A, { options: { serverId: ip('198.18.0.1'), requestedIp: o.yiaddr } }), 10);
  const a = decoded(ack);
  assert.equal(a.options.messageType, DhcpMessageType.ACK);
  assert.equal(ipToString(a.yiaddr), '198.18.0.100');
  assert.deepEqual(
    [a.options.subnetMask, a.options.routers, a.options.dnsServers, a.options.domainName, a.options.mtu, a.options.leaseTime, a.options.renewalTime, a.options.rebindingTime],
    [ip('255.255.255.0'), [ip('198.18.0.1')], [ip('198.18.0.1')], 'synack.test', 1400, 3600, 1800, 3150],
  );
  // No B bit, no ciaddr: to yiaddr at the client's hardware address.
  assert.deepEqual([ack!.address, ack!.broadcast, ack!.linkUnicast], [o.yiaddr, false, MAC_A]);
  // Renewing (ciaddr set): unicast to ciaddr.
  const renew = s.handleMessage(msg(DhcpMessageType.REQUEST, MAC_A, { ciaddr: o.yiaddr }), 1_800_000);
  assert.equal(decoded(renew).options.messageType, DhcpMessageType.ACK);
  assert.deepEqual([renew!.address, renew!.port, renew!.broadcast], [o.yiaddr, 68, false]);
  // Through a relay: to giaddr, port 67.
  const relayed = s.handleMessage(msg(DhcpMessageType.DISCOVER, MAC_B, { giaddr: ip('198.18.0.254') }), 0);
  assert.deepEqual([relayed!.address, relayed!.port], [ip('198.18.0.254'), 67]);
  assert.deepEqual(s.leases(10).map((l) => [l.address, l.state]), [['198.18.0.100', 'bound'], ['198.18.0.101', 'offered']]);
});

test('NAK: a requested address that was not offered, INIT-REBOOT off the subnet, a renewal of a lease we do not hold; broadcast, no parameters', () => {
  const s = makeServer();
  const offer = decoded(s.handleMessage(msg(DhcpMessageType.DISCOVER, MAC_A), 0));
  const wrong = s.handleMessage(msg(DhcpMessageType.REQUEST, MAC_A, { options: { serverId: ip('198.18.0.1'), requestedIp: ip('198.18.0.102') } }), 0);
  const n = decoded(wrong);
  assert.equal(n.options.messageType, DhcpMessageType.NAK);
  assert.equal(n.yiaddr, 0);
  assert.equal(n.options.leaseTime, undefined);
  assert.equal(n.options.subnetMask, undefined);
  assert.deepEqual([wrong!.address, wrong!.broadcast], [0xffffffff, true]);
  const reboot = s.handleMessage(msg(DhcpMessageType.REQUEST, MAC_A, { options: { requestedIp: ip('10.1.2.3') } }), 0);
  assert.equal(decoded(reboot).options.messageType, DhcpMessageType.NAK);
  const renewOther = s.handleMessage(msg(DhcpMessageType.REQUEST, MAC_B, { ciaddr: offer.yiaddr }), 0);
  assert.equal(decoded(renewOther).options.messageType, DhcpMessageType.NAK);
  assert.equal(s.counters.naks, 3);
  // Another server chosen (its identifier in the REQUEST): silence, and our offer is let go (§4.3.2).
  assert.equal(s.handleMessage(msg(DhcpMessageType.REQUEST, MAC_A, { options: { serverId: ip('198.18.0.9'), requestedIp: ip('198.18.0.50') } }), 0), undefined);
  assert.deepEqual(s.leases(0), []);
  // INIT-REBOOT from a client we have no record of, on our subnet: silence (§4.3.2 "MUST remain silent").
  assert.equal(s.handleMessage(msg(DhcpMessageType.REQUEST, MAC_B, { options: { requestedIp: ip('198.18.0.77') } }), 0), undefined);
});

test('an expired lease returns to the pool; RELEASE frees at once; DECLINE takes the address out; the pool runs dry', () => {
  const s = makeServer();
  const bind = (mac: Uint8Array, now: number) => {
    const o = decoded(s.handleMessage(msg(DhcpMessageType.DISCOVER, mac), now));
    return decoded(s.handleMessage(msg(DhcpMessageType.REQUEST, mac, { options: { serverId: ip('198.18.0.1'), requestedIp: o.yiaddr } }), now)).yiaddr;
  };
  const macs = [1, 2, 3, 4].map((i) => new Uint8Array([2, 0, 0, 0, 1, i]));
  assert.deepEqual([bind(macs[0], 0), bind(macs[1], 0), bind(macs[2], 0)].map(ipToString), ['198.18.0.100', '198.18.0.101', '198.18.0.102']);
  assert.equal(s.handleMessage(msg(DhcpMessageType.DISCOVER, macs[3]), 1000), undefined);
  assert.equal(s.counters.exhausted, 1);
  // One millisecond before the end of the lease it is still held; at 3600 s it is gone.
  assert.equal(s.leases(3_599_999).length, 3);
  assert.equal(s.leases(3_600_000).length, 0);
  assert.equal(ipToString(bind(macs[3], 3_600_000)), '198.18.0.100');
  // RELEASE (ciaddr, our server id).
  s.handleMessage(msg(DhcpMessageType.RELEASE, macs[3], { ciaddr: ip('198.18.0.100'), options: { serverId: ip('198.18.0.1') } }), 3_600_001);
  assert.equal(s.leases(3_600_001).length, 0);
  // DECLINE: the address is someone else's; it is not offered again for a lease time.
  const a = bind(macs[0], 3_700_000);
  s.handleMessage(msg(DhcpMessageType.DECLINE, macs[0], { options: { serverId: ip('198.18.0.1'), requestedIp: a } }), 3_700_000);
  const next = decoded(s.handleMessage(msg(DhcpMessageType.DISCOVER, macs[0]), 3_700_001)).yiaddr;
  assert.notEqual(next, a);
  assert.equal(s.counters.declines, 1);
});

test('INFORM: the parameters without an address or a lease time, to ciaddr', () => {
  const s = makeServer();
  const r = s.handleMessage(msg(DhcpMessageType.INFORM, MAC_A, { ciaddr: ip('198.18.0.50') }), 0);
  const m = decoded(r);
  assert.deepEqual([m.options.messageType, m.yiaddr, m.options.leaseTime, m.options.dnsServers], [DhcpMessageType.ACK, 0, undefined, [ip('198.18.0.1')]]);
  assert.deepEqual([r!.address, r!.broadcast], [ip('198.18.0.50'), false]);
});

/** The client and the server joined directly; `lose` drops the client's sends whose index it names. */
function exchange(seed = SEED) {
  const server = makeServer();
  const client = new DhcpClient({ chaddr: MAC_A, random: new SeededRandom(seed) });
  const events: DhcpClientEvent[] = [];
  const sent: Array<{ type: number; at: number; to: number; ciaddr: number }> = [];
  let drop = (_i: number) => false;
  let deaf = false;
  const pump = (now: number) => {
    for (let p = client.pollTransmit(now); p; p = client.pollTransmit(now)) {
      const m = decodeDhcp(p.bytes);
      assert.ok(m.ok);
      sent.push({ type: m.options.messageType!, at: now, to: p.address, ciaddr: m.ciaddr });
      if (drop(sent.length - 1) || deaf) continue;
      const reply = server.handleMessage(p.bytes, now);
      if (reply) client.handleMessage(reply.bytes, now);
    }
    for (let e = client.pollEvent(); e; e = client.pollEvent()) events.push(e);
  };
  /** Run the client's timers up to `until` (virtual time), exchanging at each. */
  const runTo = (until: number) => {
    for (let t = client.pollTimeout(); t !== undefined && t <= until; t = client.pollTimeout()) {
      client.handleTimeout(t);
      pump(t);
    }
  };
  return { server, client, events, sent, pump, runTo, setDrop: (f: (i: number) => boolean) => (drop = f), setDeaf: (d: boolean) => (deaf = d), seed };
}

test(`client: INIT → SELECTING → REQUESTING → BOUND, the lease as an event (seed ${SEED})`, () => {
  const x = exchange();
  x.client.start(0);
  x.pump(0);
  assert.equal(x.client.state, 'BOUND');
  const states = x.events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.to : ''));
  assert.deepEqual(states, ['SELECTING', 'REQUESTING', 'BOUND']);
  const bound = x.events.find((e) => e.type === 'bound');
  assert.ok(bound && bound.type === 'bound');
  assert.deepEqual(
    { ...bound.lease },
    { address: '198.18.0.100', subnetMask: '255.255.255.0', routers: ['198.18.0.1'], dnsServers: ['198.18.0.1'], domainName: 'synack.test', mtu: 1400, server: '198.18.0.1', leaseTime: 3600, t1: 1_800_000, t2: 3_150_000, expires: 3_600_000 },
  );
  assert.deepEqual(x.sent.map((s) => [s.type, s.to]), [[DhcpMessageType.DISCOVER, 0xffffffff], [DhcpMessageType.REQUEST, 0xffffffff]]);
});

test('client: a lost DISCOVER is sent again after 4 s ± 1, then 8 ± 1 (§4.1)', () => {
  const x = exchange();
  x.setDrop((i) => i < 2);
  x.client.start(0);
  x.pump(0);
  x.runTo(20_000);
  const discovers = x.sent.filter((s) => s.type === DhcpMessageType.DISCOVER).map((s) => s.at);
  assert.equal(discovers.length, 3);
  assert.ok(discovers[1] >= 3000 && discovers[1] <= 5000, `second DISCOVER at ${discovers[1]}`);
  const gap = discovers[2] - discovers[1];
  assert.ok(gap >= 7000 && gap <= 9000, `third DISCOVER ${gap} ms later`);
  assert.equal(x.client.state, 'BOUND');
});

test('client: RENEWING at T1 (unicast to the server), REBINDING at T2 (broadcast), back to INIT when the lease expires', () => {
  const x = exchange();
  x.client.start(0);
  x.pump(0);
  // The server goes quiet: renewals at T1 = 1800 s, then half the time to T2 (675 s), then 60 s minimum...
  x.setDeaf(true);
  x.runTo(1_800_000);
  assert.equal(x.client.state, 'RENEWING');
  const renew = x.sent[x.sent.length - 1];
  assert.deepEqual([renew.type, renew.at, renew.to, ipToString(renew.ciaddr)], [DhcpMessageType.REQUEST, 1_800_000, ip('198.18.0.1'), '198.18.0.100']);
  x.runTo(1_800_000 + 675_000);
  assert.equal(x.sent[x.sent.length - 1].at, 2_475_000);
  x.runTo(3_150_000);
  assert.equal(x.client.state, 'REBINDING');
  assert.equal(x.sent[x.sent.length - 1].to, 0xffffffff);
  x.runTo(3_600_000);
  assert.ok(x.events.some((e) => e.type === 'expired'));
  assert.equal(x.client.state, 'SELECTING');
  assert.equal(x.client.lease, undefined);
  // The server hears again: the client is bound anew, to the address the server kept for it.
  x.setDeaf(false);
  x.runTo(3_700_000);
  assert.equal(x.client.state as string, 'BOUND');
  assert.equal((x.client as { lease?: { address: string } }).lease?.address, '198.18.0.100');
});

test('client: a renewal answered by ACK extends the lease from the renewal\'s send time', () => {
  const x = exchange();
  x.client.start(0);
  x.pump(0);
  x.runTo(1_800_000);
  assert.equal(x.client.state, 'BOUND');
  assert.equal(x.client.lease?.expires, 1_800_000 + 3_600_000);
});

test('client: a NAK sends it back to INIT and a DISCOVER follows at once', () => {
  const x = exchange();
  x.client.start(0);
  x.pump(0);
  // The server restarts and has forgotten its leases: the renewal of an address in its pool it holds no lease for is NAKed.
  const other = makeServer();
  Object.assign(x.server, { handleMessage: other.handleMessage.bind(other) });
  x.runTo(1_800_000);
  const lost = x.events.findIndex((e) => e.type === 'lost');
  assert.ok(lost >= 0);
  const after = x.sent.filter((s) => s.at === 1_800_000).map((s) => s.type);
  assert.deepEqual(after, [DhcpMessageType.REQUEST, DhcpMessageType.DISCOVER, DhcpMessageType.REQUEST]);
  assert.equal(x.client.state, 'BOUND');
  assert.equal(x.client.lease?.expires, 1_800_000 + 3_600_000);
});

test('client: a REQUEST never answered is sent 4 more times (4, 8, 16, 32 s), then INIT after 64 s', () => {
  const x = exchange();
  x.setDrop((i) => x.sent[i].type === DhcpMessageType.REQUEST);
  x.client.start(0);
  x.pump(0);
  x.runTo(130_000);
  const reqs = x.sent.filter((s) => s.type === DhcpMessageType.REQUEST).map((s) => s.at);
  assert.ok(reqs.length >= 5);
  const firstFive = reqs.slice(0, 5);
  const gaps = firstFive.slice(1).map((t, i) => t - firstFive[i]);
  gaps.forEach((g, i) => assert.ok(Math.abs(g - 4000 * 2 ** i) <= 1000, `gap ${i}: ${g} ms`));
  const backToDiscover = x.sent.filter((s, i) => i > 1 && s.type === DhcpMessageType.DISCOVER).map((s) => s.at);
  assert.ok(backToDiscover.length > 0 && backToDiscover[0] - firstFive[4] >= 63_000, `DISCOVER again at ${backToDiscover[0]}`);
});

test('client: replies with another xid or hardware address are ignored', () => {
  const x = exchange();
  x.setDeaf(true);
  x.client.start(0);
  x.pump(0);
  const offer = encodeDhcp({ op: BootpOp.REPLY, xid: 1, chaddr: MAC_A, yiaddr: ip('198.18.0.100'), options: { messageType: DhcpMessageType.OFFER, serverId: ip('198.18.0.1') } });
  x.client.handleMessage(offer, 1);
  x.client.handleMessage(new Uint8Array(10), 1);
  assert.equal(x.client.state, 'SELECTING');
});
