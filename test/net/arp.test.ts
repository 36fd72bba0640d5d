/**
 * ARP (RFC 826) and its cache (RFC 1122 §2.3.2.1; the NUD machine of RFC 4861 §7.3 as Linux runs it
 * for ARP), address announcement and conflict (RFC 5227), on virtual time.
 *
 *   A = 198.18.0.1 at 02:00:00:00:00:0a (the stack under test), B = 198.18.0.2 at 02:00:00:00:00:0b
 *
 * Numbers: one request per second while INCOMPLETE (RETRANS_TIMER 1 s, RFC 1122's "no more than one
 * per second"), MAX_MULTICAST_SOLICIT 3 requests, so resolution fails at t = 3 s; three packets wait
 * at most. ReachableTime is drawn in [15 s, 45 s] (0.5 to 1.5 times 30 s, RFC 4861 §6.3.2); DELAY is
 * 5 s (DELAY_FIRST_PROBE_TIME). RFC 5227: two announcements 2 s apart; defend once per 10 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arpRequest, encodeArp, ArpOperation, gratuitousArp } from '../../src/wire/arp.js';
import { BROADCAST_MAC, encodeEthernet, EtherType } from '../../src/wire/ethernet.js';
import { decodeFrame, drain, ethHost, hex, ip4, mac, runTimers } from './helpers.js';

const MAC_A = mac('02:00:00:00:00:0a');
const MAC_B = mac('02:00:00:00:00:0b');
const MAC_C = mac('02:00:00:00:00:0c');
const A = ip4('198.18.0.1');
const B = ip4('198.18.0.2');

function arpFrame(dst: Uint8Array, src: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeEthernet({ dst, src, etherType: EtherType.ARP, payload });
}

/** Host A with its two announcements already taken off the wire. */
function hostA() {
  const h = ethHost(1, '02:00:00:00:00:0a', ['198.18.0.1/24']);
  drain(h.net, 0);
  h.net.handleTimeout(2000);
  drain(h.net, 2000);
  while (h.net.pollEvent());
  return h;
}

test('a request for our address is answered: op 2, sender = our MAC and IP, target = the requester (RFC 826)', () => {
  const { net, ifIndex } = hostA();
  net.handleFrame(ifIndex, arpFrame(BROADCAST_MAC, MAC_B, arpRequest(MAC_B, B, A)), 10_000);
  const out = drain(net, 10_000);
  assert.equal(out.length, 1);
  const d = decodeFrame(out[0].frame);
  assert.equal(hex(d.eth.dst), hex(MAC_B), 'unicast back to the requester');
  assert.equal(d.arp!.operation, ArpOperation.REPLY);
  assert.equal(hex(d.arp!.senderMac), hex(MAC_A));
  assert.equal(d.arp!.senderIp, A);
  assert.equal(hex(d.arp!.targetMac), hex(MAC_B));
  assert.equal(d.arp!.targetIp, B);
  // RFC 826: the requester is learnt (we are its target): STALE until confirmed (RFC 4861 §7.2.3).
  const e = net.interface(ifIndex).arp!.get(B)!;
  assert.equal(e.state, 'STALE');
  assert.equal(hex(e.mac!), hex(MAC_B));
});

test('a request for another address is not answered and its sender not added (RFC 826: merge only)', () => {
  const { net, ifIndex } = hostA();
  net.handleFrame(ifIndex, arpFrame(BROADCAST_MAC, MAC_B, arpRequest(MAC_B, B, ip4('198.18.0.3'))), 10_000);
  assert.equal(drain(net, 10_000).length, 0);
  assert.equal(net.interface(ifIndex).arp!.get(B), undefined);
});

test('resolution: a broadcast request, the packet waits, the reply sends it and makes the entry REACHABLE', () => {
  const { net, ifIndex } = hostA();
  assert.ok(net.ping('198.18.0.2', { identifier: 7, sequence: 1 }, 10_000));
  const out = drain(net, 10_000);
  assert.equal(out.length, 1, 'only the ARP request: the echo waits');
  const req = decodeFrame(out[0].frame);
  assert.equal(hex(req.eth.dst), hex(BROADCAST_MAC));
  assert.equal(req.arp!.operation, ArpOperation.REQUEST);
  assert.equal(req.arp!.senderIp, A);
  assert.equal(req.arp!.targetIp, B);
  assert.equal(net.interface(ifIndex).arp!.get(B)!.state, 'INCOMPLETE');
  const reply = encodeArp({ operation: ArpOperation.REPLY, senderMac: MAC_B, senderIp: B, targetMac: MAC_A, targetIp: A });
  net.handleFrame(ifIndex, arpFrame(MAC_A, MAC_B, reply), 10_010);
  const sent = drain(net, 10_010);
  assert.equal(sent.length, 1);
  const echo = decodeFrame(sent[0].frame);
  assert.equal(hex(echo.eth.dst), hex(MAC_B));
  assert.equal(echo.eth.etherType, EtherType.IPV4);
  assert.equal(echo.payload[20], 8, 'the ICMP echo request');
  assert.equal(net.interface(ifIndex).arp!.get(B)!.state, 'REACHABLE');
});

test('no reply: requests at 0, 1 and 2 s, then the entry and its packets go at 3 s (counted)', () => {
  const { net, ifIndex } = hostA();
  net.ping('198.18.0.2', {}, 10_000);
  const frames = runTimers(net, 10_000, 20_000);
  assert.deepEqual(
    frames.map((f) => f.t),
    [10_000, 11_000, 12_000],
  );
  for (const f of frames) assert.equal(decodeFrame(f.frame).arp!.targetIp, B);
  const cache = net.interface(ifIndex).arp!;
  assert.equal(cache.get(B), undefined);
  assert.equal(cache.counters.failures, 1);
  assert.equal(cache.counters.unresolvedDrops, 1);
});

test('at most three packets wait for resolution: the oldest are dropped and counted', () => {
  const { net, ifIndex } = hostA();
  for (let i = 0; i < 5; i++) net.ping('198.18.0.2', { sequence: i }, 10_000);
  assert.equal(drain(net, 10_000).length, 1, 'one request for all five');
  const cache = net.interface(ifIndex).arp!;
  assert.equal(cache.counters.queueDrops, 2);
  net.handleFrame(ifIndex, arpFrame(MAC_A, MAC_B, encodeArp({ operation: 2, senderMac: MAC_B, senderIp: B, targetMac: MAC_A, targetIp: A })), 10_001);
  const sent = drain(net, 10_001).map((f) => decodeFrame(f.frame).payload[27]);
  assert.deepEqual(sent, [2, 3, 4], 'the three newest, in order (sequence numbers)');
});

test('REACHABLE -> STALE after ReachableTime; a packet -> DELAY; 5 s later PROBE by unicast request; unanswered, the entry goes', () => {
  const { net, ifIndex } = hostA();
  const cache = net.interface(ifIndex).arp!;
  net.ping('198.18.0.2', {}, 10_000);
  drain(net, 10_000);
  net.handleFrame(ifIndex, arpFrame(MAC_A, MAC_B, encodeArp({ operation: 2, senderMac: MAC_B, senderIp: B, targetMac: MAC_A, targetIp: A })), 10_000);
  drain(net, 10_000);
  const e = cache.get(B)!;
  assert.equal(e.state, 'REACHABLE');
  assert.ok(cache.reachableTime >= 15_000 && cache.reachableTime <= 45_000, `ReachableTime ${cache.reachableTime}`);
  net.handleTimeout(10_000 + cache.reachableTime);
  assert.equal(cache.get(B)!.state, 'STALE');
  // No traffic in STALE (RFC 4861 §7.3.3): nothing is sent until a packet is.
  assert.equal(cache.pollTimeout(), undefined, 'no timer runs in STALE');
  const t1 = 100_000;
  net.ping('198.18.0.2', {}, t1);
  const now = drain(net, t1);
  assert.equal(now.length, 1, 'sent at once to the STALE address');
  assert.equal(hex(decodeFrame(now[0].frame).eth.dst), hex(MAC_B));
  assert.equal(cache.get(B)!.state, 'DELAY');
  const probes = runTimers(net, t1, t1 + 20_000);
  assert.deepEqual(
    probes.map((p) => p.t),
    [t1 + 5000, t1 + 6000, t1 + 7000],
    'three unicast probes, 1 s apart, from DELAY_FIRST_PROBE_TIME on',
  );
  for (const p of probes) {
    const d = decodeFrame(p.frame);
    assert.equal(hex(d.eth.dst), hex(MAC_B), 'unicast');
    assert.equal(d.arp!.operation, ArpOperation.REQUEST);
  }
  assert.equal(cache.get(B), undefined, 'gone after MAX_UNICAST_SOLICIT probes');
});

test('a probe answered puts the entry back to REACHABLE', () => {
  const { net, ifIndex } = hostA();
  const cache = net.interface(ifIndex).arp!;
  net.handleFrame(ifIndex, arpFrame(BROADCAST_MAC, MAC_B, arpRequest(MAC_B, B, A)), 10_000);
  drain(net, 10_000);
  assert.equal(cache.get(B)!.state, 'STALE');
  net.ping('198.18.0.2', {}, 20_000);
  drain(net, 20_000);
  net.handleTimeout(25_000);
  assert.equal(cache.get(B)!.state, 'PROBE');
  drain(net, 25_000);
  net.handleFrame(ifIndex, arpFrame(MAC_A, MAC_B, encodeArp({ operation: 2, senderMac: MAC_B, senderIp: B, targetMac: MAC_A, targetIp: A })), 25_100);
  assert.equal(cache.get(B)!.state, 'REACHABLE');
});

test('a new address is announced by gratuitous ARP twice, 2 s apart (RFC 5227 §2.3)', () => {
  const { net } = ethHost(1, '02:00:00:00:00:0a', ['198.18.0.1/24']);
  const frames = runTimers(net, 0, 10_000);
  assert.deepEqual(
    frames.map((f) => f.t),
    [0, 2000],
  );
  for (const f of frames) {
    const d = decodeFrame(f.frame);
    assert.equal(hex(d.eth.dst), hex(BROADCAST_MAC));
    assert.equal(hex(f.frame.subarray(14)), hex(gratuitousArp(MAC_A, A)));
    assert.ok(d.arp!.gratuitous);
  }
});

test('another MAC claiming our address is a conflict: reported, and defended once per 10 s (RFC 5227 §2.4)', () => {
  const { net, ifIndex } = hostA();
  const claim = arpFrame(BROADCAST_MAC, MAC_C, gratuitousArp(MAC_C, A));
  net.handleFrame(ifIndex, claim, 10_000);
  const ev = net.pollEvent();
  assert.equal(ev?.type, 'conflict');
  const defend = drain(net, 10_000);
  assert.equal(defend.length, 1);
  assert.equal(hex(defend[0].frame.subarray(14)), hex(gratuitousArp(MAC_A, A)));
  net.handleFrame(ifIndex, claim, 15_000);
  assert.equal(drain(net, 15_000).length, 0, 'not again within DEFEND_INTERVAL');
  net.handleFrame(ifIndex, claim, 20_000);
  assert.equal(drain(net, 20_000).length, 1);
  assert.equal(net.counters.AddressConflicts, 3);
  assert.equal(net.interface(ifIndex).arp!.get(A), undefined, 'our own address never enters the cache');
});

test('a gratuitous ARP updates an entry we hold to the new MAC (STALE)', () => {
  const { net, ifIndex } = hostA();
  net.handleFrame(ifIndex, arpFrame(BROADCAST_MAC, MAC_B, arpRequest(MAC_B, B, A)), 10_000);
  drain(net, 10_000);
  net.handleFrame(ifIndex, arpFrame(BROADCAST_MAC, MAC_C, gratuitousArp(MAC_C, B)), 11_000);
  const e = net.interface(ifIndex).arp!.get(B)!;
  assert.equal(hex(e.mac!), hex(MAC_C));
  assert.equal(e.state, 'STALE');
});
