/**
 * The tcpdump-like lines for ARP, UDP, DHCP, DNS and neighbour discovery (frameLine), and
 * `synack decode` printing them for a capture of Ethernet frames where it printed "not-ip" or
 * "not-tcp" before. The expected lines are written here in tcpdump's forms; the lengths are the
 * DHCP and DNS messages' own: DHCP 236 fixed + 4 cookie + options + end (request: 6 + 3 + 1 = 250;
 * ACK: 3 + 1 = 244), DNS 12 header + name + 4 per question (+ 2 + 10 + 4 for the compressed answer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { frameLine } from '../../src/wire/frame-summary.js';
import { encodePcap, LinkType } from '../../src/wire/pcap.js';
import { BROADCAST_MAC, encodeEthernet, EtherType } from '../../src/wire/ethernet.js';
import { arpRequest, encodeArp } from '../../src/wire/arp.js';
import { encodeUdpPacket } from '../../src/wire/udp.js';
import { encodeDhcp } from '../../src/wire/dhcp.js';
import { encodeDns } from '../../src/wire/dns.js';
import { encodeNdpPacket } from '../../src/wire/ndp.js';
import { parseIpv6 } from '../../src/wire/address.js';
import { decodeFile } from '../../src/cli/decode.js';
import { hexBytes } from './l2-helpers.js';

const M1 = hexBytes('020000000001');
const M2 = hexBytes('020000000002');
const A = 0xc6120001; // 198.18.0.1
const B = 0xc6120002; // 198.18.0.2
const eth = (etherType: number, payload: Uint8Array) => encodeEthernet({ dst: M2, src: M1, etherType, payload });
const udp = (src: number, dst: number, sp: number, dp: number, payload: Uint8Array, udpChecksum?: number) =>
  eth(EtherType.IPV4, encodeUdpPacket({ ip: { version: 4, src, dst }, udp: { srcPort: sp, dstPort: dp }, payload, udpChecksum }));

const FRAMES: [Uint8Array, string][] = [
  [encodeEthernet({ dst: BROADCAST_MAC, src: M1, etherType: EtherType.ARP, payload: arpRequest(M1, A, B) }), 'ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 28'],
  [eth(EtherType.ARP, encodeArp({ operation: 2, senderMac: M2, senderIp: B, targetMac: M1, targetIp: A })), 'ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02, length 28'],
  [udp(A, B, 40000, 7, hexBytes('6869')), 'IP 198.18.0.1.40000 > 198.18.0.2.7: UDP, length 2'],
  [udp(A, B, 40000, 7, hexBytes('6869'), 0x1234), 'IP 198.18.0.1.40000 > 198.18.0.2.7: UDP, length 2 [bad udp cksum 0x1234]'],
  [
    udp(0, 0xffffffff, 68, 67, encodeDhcp({ op: 1, xid: 0x1234, chaddr: M1, options: { messageType: 3, requestedIp: 0xc6120032 } })),
    'IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, DHCP Request from 02:00:00:00:00:01, xid 0x00001234, requested-ip 198.18.0.50, length 250',
  ],
  [
    udp(B, 0xffffffff, 67, 68, encodeDhcp({ op: 2, xid: 0x1234, yiaddr: 0xc6120032, chaddr: M1, options: { messageType: 5 } })),
    'IP 198.18.0.2.67 > 255.255.255.255.68: BOOTP/DHCP, DHCP ACK from 02:00:00:00:00:01, xid 0x00001234, your-ip 198.18.0.50, length 244',
  ],
  [udp(A, B, 40000, 53, encodeDns({ id: 4660, recursionDesired: true, questions: [{ name: 'host.test', type: 1, class: 1 }] })), 'IP 198.18.0.1.40000 > 198.18.0.2.53: 4660+ A? host.test. (27)'],
  [
    udp(B, A, 53, 40000, encodeDns({ id: 4660, response: true, authoritative: true, recursionAvailable: true, questions: [{ name: 'host.test', type: 1, class: 1 }], answers: [{ name: 'host.test', type: 1, class: 1, ttl: 5, data: { kind: 'A', address: 0xc6120005 } }] })),
    'IP 198.18.0.2.53 > 198.18.0.1.40000: 4660* A? host.test. 1/0/0 A 198.18.0.5 (43)',
  ],
  [udp(B, A, 53, 40000, encodeDns({ id: 9, response: true, rcode: 3, questions: [{ name: 'x.test', type: 28, class: 1 }] })), 'IP 198.18.0.2.53 > 198.18.0.1.40000: 9- NXDOMAIN AAAA? x.test. 0/0/0 (24)'],
  [
    eth(EtherType.IPV6, encodeNdpPacket({ src: parseIpv6('2001:db8::1')!, dst: parseIpv6('ff02::1:ff00:2')!, message: { type: 135, target: parseIpv6('2001:db8::2')!, options: { sourceLinkLayer: M1 } } })),
    'IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2, length 32',
  ],
  [
    eth(EtherType.IPV6, encodeNdpPacket({ src: parseIpv6('2001:db8::2')!, dst: parseIpv6('2001:db8::1')!, message: { type: 136, router: false, solicited: true, override: true, target: parseIpv6('2001:db8::2')! } })),
    'IP6 2001:db8::2 > 2001:db8::1: ICMP6, neighbor advertisement, tgt is 2001:db8::2, length 24',
  ],
  [
    eth(EtherType.IPV6, encodeNdpPacket({ src: parseIpv6('fe80::1')!, dst: parseIpv6('ff02::1')!, message: { type: 134, curHopLimit: 64, managed: false, other: false, routerLifetime: 1800, reachableTime: 0, retransTimer: 0, options: { mtu: 1500, prefixes: [{ prefixLength: 64, onLink: true, autonomous: true, validLifetime: 1, preferredLifetime: 1, prefix: parseIpv6('2001:db8:16::')! }] } } })),
    'IP6 fe80::1 > ff02::1: ICMP6, router advertisement, lifetime 1800s, prefix 2001:db8:16::/64, mtu 1500, length 56',
  ],
];

test('frameLine: tcpdump-like lines for ARP, UDP, DHCP, DNS and neighbour discovery', () => {
  for (const [frame, line] of FRAMES) assert.equal(frameLine(LinkType.ETHERNET, frame), line);
  // The same UDP packet without the Ethernet header (LINKTYPE_RAW) reads the same.
  assert.equal(frameLine(LinkType.RAW, FRAMES[2][0].subarray(14)), FRAMES[2][1]);
  assert.equal(frameLine(LinkType.ETHERNET, eth(0x88cc, new Uint8Array(20))), undefined, 'LLDP: not read');
});

test('synack decode prints those lines for a capture of Ethernet frames', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-decode-l2-'));
  try {
    const file = path.join(dir, 'l2.pcap');
    writeFileSync(file, encodePcap(FRAMES.map(([data], i) => ({ data, timeMs: i })), LinkType.ETHERNET));
    const out: string[] = [];
    const err: string[] = [];
    assert.equal(decodeFile(file, false, { out: (l) => out.push(l), err: (l) => err.push(l) }), 0);
    assert.deepEqual(err, []);
    assert.deepEqual(out.map((l) => l.replace(/^ *\d+ \d+\.\d{6} /, '')), FRAMES.map(([, line]) => line));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
