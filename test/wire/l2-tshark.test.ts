/**
 * tshark reads the frames synack's link-layer and UDP-borne encoders write: a pcap of LinkType
 * ETHERNET frames (ARP, VLAN tags, UDP over IPv4 and IPv6, DHCP, DNS, neighbour discovery) opens with
 * no malformed packet and every checksum good (`-o udp.check_checksum:TRUE`, ICMPv6's always checked),
 * and tshark's dissection of each field equals the value encoded. The expected values are written
 * here from the specs (not from synack's decoders). With checksum checking on, tshark prints
 * `*.checksum.status` as 1 for Good. A negative control shows the checks can fail.
 *
 * Skips with the reason when tshark is missing; in CI (CI set) a missing tshark fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodePcap, LinkType } from '../../src/wire/pcap.js';
import { BROADCAST_MAC, encodeEthernet, EtherType } from '../../src/wire/ethernet.js';
import { arpRequest, encodeArp, gratuitousArp } from '../../src/wire/arp.js';
import { encodeUdpPacket } from '../../src/wire/udp.js';
import { encodeDhcp } from '../../src/wire/dhcp.js';
import { encodeDns } from '../../src/wire/dns.js';
import { encodeNdpPacket, ipv6MulticastMac, solicitedNodeAddress } from '../../src/wire/ndp.js';
import { parseIpv6 } from '../../src/wire/address.js';
import { hexBytes } from './l2-helpers.js';
import { requireTshark, TSHARK, tsharkSkip } from './tshark.js';

const skip = tsharkSkip;

const MAC_G = hexBytes('020000001001'); // the gateway, 02:00:00:00:10:01
const MAC_H = hexBytes('020000001032'); // a guest, 02:00:00:00:10:32
const GW = 0xc6121001; // 198.18.16.1
const GUEST = 0xc6121032; // 198.18.16.50
const GW6 = parseIpv6('2001:db8:16::1')!;
const GUEST6 = parseIpv6('2001:db8:16::32')!;
const LL = parseIpv6('fe80::1')!;
const ALL_NODES = parseIpv6('ff02::1')!;

const ipv4 = (payload: Uint8Array, dst = MAC_H, src = MAC_G) => encodeEthernet({ dst, src, etherType: EtherType.IPV4, payload });
const ipv6 = (payload: Uint8Array, dst = MAC_H, src = MAC_G) => encodeEthernet({ dst, src, etherType: EtherType.IPV6, payload });
const udp4 = (src: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array) => encodeUdpPacket({ ip: { version: 4, src, dst }, udp: { srcPort, dstPort }, payload });

interface Case {
  name: string;
  frame: Uint8Array;
  /** tshark field -> value as tshark prints it (several occurrences joined by ','). */
  expect: Record<string, string>;
}

const CASES: Case[] = [
  {
    name: 'ARP request',
    frame: encodeEthernet({ dst: BROADCAST_MAC, src: MAC_H, etherType: EtherType.ARP, payload: arpRequest(MAC_H, GUEST, GW) }),
    expect: { 'arp.opcode': '1', 'arp.src.hw_mac': '02:00:00:00:10:32', 'arp.src.proto_ipv4': '198.18.16.50', 'arp.dst.hw_mac': '00:00:00:00:00:00', 'arp.dst.proto_ipv4': '198.18.16.1', 'eth.dst': 'ff:ff:ff:ff:ff:ff' },
  },
  {
    name: 'ARP reply',
    frame: encodeEthernet({ dst: MAC_H, src: MAC_G, etherType: EtherType.ARP, payload: encodeArp({ operation: 2, senderMac: MAC_G, senderIp: GW, targetMac: MAC_H, targetIp: GUEST }) }),
    expect: { 'arp.opcode': '2', 'arp.src.hw_mac': '02:00:00:00:10:01', 'arp.src.proto_ipv4': '198.18.16.1', 'arp.dst.hw_mac': '02:00:00:00:10:32', 'arp.dst.proto_ipv4': '198.18.16.50' },
  },
  {
    name: 'gratuitous ARP in an 802.1Q tag (VID 100, PCP 5)',
    frame: encodeEthernet({ dst: BROADCAST_MAC, src: MAC_G, etherType: EtherType.ARP, vlans: [{ vid: 100, pcp: 5 }], payload: gratuitousArp(MAC_G, GW) }),
    expect: { 'arp.opcode': '1', 'arp.isgratuitous': '1', 'vlan.id': '100', 'vlan.priority': '5', 'arp.src.proto_ipv4': '198.18.16.1' },
  },
  {
    name: 'UDP over IPv4',
    frame: ipv4(udp4(GUEST, GW, 40000, 7, hexBytes('68656c6c6f'))),
    expect: { 'udp.srcport': '40000', 'udp.dstport': '7', 'udp.length': '13', 'udp.checksum.status': '1', 'ip.checksum.status': '1' },
  },
  {
    name: 'UDP over IPv6',
    frame: ipv6(encodeUdpPacket({ ip: { version: 6, src: GUEST6, dst: GW6 }, udp: { srcPort: 40000, dstPort: 7 }, payload: hexBytes('68656c6c6f21') })),
    expect: { 'udp.srcport': '40000', 'udp.dstport': '7', 'udp.length': '14', 'udp.checksum.status': '1' },
  },
  {
    name: 'DHCP DISCOVER',
    frame: ipv4(udp4(0, 0xffffffff, 68, 67, encodeDhcp({ op: 1, xid: 0x3903f326, flags: 0x8000, chaddr: MAC_H, options: { messageType: 1, parameterRequestList: [1, 3, 6, 15, 26], hostname: 'guest' } })), BROADCAST_MAC, MAC_H),
    expect: { 'dhcp.option.dhcp': '1', 'dhcp.id': '0x3903f326', 'dhcp.hw.mac_addr': '02:00:00:00:10:32', 'dhcp.option.request_list_item': '1,3,6,15,26', 'dhcp.option.hostname': 'guest', 'udp.checksum.status': '1' },
  },
  {
    name: 'DHCP ACK with router, DNS server, domain, MTU, lease',
    frame: ipv4(udp4(GW, GUEST, 67, 68, encodeDhcp({
      op: 2, xid: 0x3903f326, yiaddr: GUEST, siaddr: GW, chaddr: MAC_H,
      options: { messageType: 5, serverId: GW, leaseTime: 86400, renewalTime: 43200, rebindingTime: 75600, subnetMask: 0xffffff00, routers: [GW], dnsServers: [GW, 0xc6121002], domainName: 'test', mtu: 1500 },
    }))),
    expect: {
      'dhcp.option.dhcp': '5', 'dhcp.ip.your': '198.18.16.50', 'dhcp.option.dhcp_server_id': '198.18.16.1', 'dhcp.option.ip_address_lease_time': '86400',
      'dhcp.option.subnet_mask': '255.255.255.0', 'dhcp.option.router': '198.18.16.1', 'dhcp.option.domain_name_server': '198.18.16.1,198.18.16.2',
      'dhcp.option.domain_name': 'test', 'dhcp.option.interface_mtu': '1500',
    },
  },
  {
    name: 'DHCP NAK',
    frame: ipv4(udp4(GW, 0xffffffff, 67, 68, encodeDhcp({ op: 2, xid: 7, chaddr: MAC_H, options: { messageType: 6, serverId: GW, message: 'address not on this link' } }))),
    expect: { 'dhcp.option.dhcp': '6', 'dhcp.id': '0x00000007', 'dhcp.option.dhcp_server_id': '198.18.16.1' },
  },
  {
    name: 'DNS query',
    frame: ipv4(udp4(GUEST, GW, 40001, 53, encodeDns({ id: 0xbeef, recursionDesired: true, questions: [{ name: 'host.test', type: 28, class: 1 }] }))),
    expect: { 'dns.id': '0xbeef', 'dns.flags.response': '0', 'dns.qry.name': 'host.test', 'dns.qry.type': '28' },
  },
  {
    name: 'DNS answer: A, AAAA, CNAME, MX, TXT, compressed',
    frame: ipv4(udp4(GW, GUEST, 53, 40001, encodeDns({
      id: 0xbeef, response: true, authoritative: true, recursionDesired: true,
      questions: [{ name: 'www.host.test', type: 255, class: 1 }],
      answers: [
        { name: 'www.host.test', type: 5, class: 1, ttl: 60, data: { kind: 'CNAME', name: 'host.test' } },
        { name: 'host.test', type: 1, class: 1, ttl: 60, data: { kind: 'A', address: 0xc6121005 } },
        { name: 'host.test', type: 28, class: 1, ttl: 60, data: { kind: 'AAAA', address: GW6 } },
        { name: 'host.test', type: 15, class: 1, ttl: 60, data: { kind: 'MX', preference: 10, exchange: 'mail.host.test' } },
        { name: 'host.test', type: 16, class: 1, ttl: 60, data: { kind: 'TXT', strings: ['hello'] } },
      ],
    }))),
    expect: {
      'dns.flags.response': '1', 'dns.flags.authoritative': '1', 'dns.count.answers': '5', 'dns.cname': 'host.test', 'dns.a': '198.18.16.5',
      'dns.aaaa': '2001:db8:16::1', 'dns.mx.mail_exchange': 'mail.host.test', 'dns.txt': 'hello', 'dns.flags.rcode': '0',
    },
  },
  {
    name: 'DNS NXDOMAIN with SOA; PTR answer',
    frame: ipv4(udp4(GW, GUEST, 53, 40002, encodeDns({
      id: 2, response: true, rcode: 3, questions: [{ name: 'nothing.test', type: 1, class: 1 }],
      authorities: [{ name: 'test', type: 6, class: 1, ttl: 60, data: { kind: 'SOA', mname: 'ns.test', rname: 'hostmaster.test', serial: 2026, refresh: 3600, retry: 600, expire: 86400, minimum: 60 } }],
    }))),
    expect: { 'dns.flags.rcode': '3', 'dns.soa.mname': 'ns.test', 'dns.soa.rname': 'hostmaster.test', 'dns.soa.serial_number': '2026' },
  },
  {
    name: 'DNS PTR',
    frame: ipv4(udp4(GW, GUEST, 53, 40003, encodeDns({
      id: 3, response: true, questions: [{ name: '5.16.18.198.in-addr.arpa', type: 12, class: 1 }],
      answers: [{ name: '5.16.18.198.in-addr.arpa', type: 12, class: 1, ttl: 60, data: { kind: 'PTR', name: 'host.test' } }],
    }))),
    expect: { 'dns.ptr.domain_name': 'host.test', 'dns.qry.name': '5.16.18.198.in-addr.arpa' },
  },
  {
    name: 'neighbour solicitation',
    frame: ipv6(encodeNdpPacket({ src: GUEST6, dst: solicitedNodeAddress(GW6), message: { type: 135, target: GW6, options: { sourceLinkLayer: MAC_H } } }), ipv6MulticastMac(solicitedNodeAddress(GW6)), MAC_H),
    expect: { 'icmpv6.type': '135', 'icmpv6.nd.ns.target_address': '2001:db8:16::1', 'icmpv6.opt.linkaddr': '02:00:00:00:10:32', 'icmpv6.checksum.status': '1', 'eth.dst': '33:33:ff:00:00:01', 'ipv6.dst': 'ff02::1:ff00:1' },
  },
  {
    name: 'neighbour advertisement',
    frame: ipv6(encodeNdpPacket({ src: GW6, dst: GUEST6, message: { type: 136, router: true, solicited: true, override: true, target: GW6, options: { targetLinkLayer: MAC_G } } })),
    expect: { 'icmpv6.type': '136', 'icmpv6.nd.na.target_address': '2001:db8:16::1', 'icmpv6.nd.na.flag.r': '1', 'icmpv6.nd.na.flag.s': '1', 'icmpv6.nd.na.flag.o': '1', 'icmpv6.opt.linkaddr': '02:00:00:00:10:01', 'icmpv6.checksum.status': '1' },
  },
  {
    name: 'router advertisement with a /64 for SLAAC and the MTU',
    frame: ipv6(encodeNdpPacket({
      src: LL, dst: ALL_NODES,
      message: {
        type: 134, curHopLimit: 64, managed: false, other: false, routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
        options: { sourceLinkLayer: MAC_G, mtu: 1500, prefixes: [{ prefixLength: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400, prefix: parseIpv6('2001:db8:16::')! }] },
      },
    }), ipv6MulticastMac(ALL_NODES)),
    expect: {
      'icmpv6.type': '134', 'icmpv6.nd.ra.cur_hop_limit': '64', 'icmpv6.nd.ra.router_lifetime': '1800', 'icmpv6.opt.prefix': '2001:db8:16::', 'icmpv6.opt.prefix.length': '64',
      'icmpv6.opt.prefix.flag.a': '1', 'icmpv6.opt.prefix.flag.l': '1', 'icmpv6.opt.prefix.valid_lifetime': '86400', 'icmpv6.opt.prefix.preferred_lifetime': '14400',
      'icmpv6.opt.mtu': '1500', 'icmpv6.checksum.status': '1', 'ipv6.hlim': '255', 'eth.dst': '33:33:00:00:00:01',
    },
  },
];

function dissect(frames: Uint8Array[], fields: string[]): Record<string, string>[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-l2-tshark-'));
  try {
    const file = path.join(dir, 'frames.pcap');
    writeFileSync(file, encodePcap(frames.map((data, i) => ({ data, timeMs: i })), LinkType.ETHERNET));
    const args = ['-n', '-r', file, '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
    for (const f of fields) args.push('-e', f);
    const r = spawnSync(TSHARK, args, { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
    return r.stdout.trimEnd().split('\n').map((line) => {
      const values = line.split('\t');
      return Object.fromEntries(fields.map((f, i) => [f, values[i] ?? '']));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('tshark dissects each encoded frame to the values encoded, none malformed, every checksum good', { skip }, () => {
  requireTshark();
  const fields = ['_ws.malformed', '_ws.expert.severity', ...new Set(CASES.flatMap((c) => Object.keys(c.expect)))];
  const rows = dissect(CASES.map((c) => c.frame), fields);
  assert.equal(rows.length, CASES.length);
  CASES.forEach((c, i) => {
    const row = rows[i];
    assert.equal(row['_ws.malformed'], '', `${c.name}: tshark says malformed`);
    for (const [field, want] of Object.entries(c.expect)) assert.equal(row[field], want, `${c.name}: ${field}`);
  });
});

test('negative control: a corrupted UDP checksum, an ND option cut short and a DNS message with a question missing are flagged by tshark', { skip }, () => {
  requireTshark();
  const badSum = ipv4(encodeUdpPacket({ ip: { version: 4, src: GUEST, dst: GW }, udp: { srcPort: 1, dstPort: 7 }, payload: hexBytes('00'), udpChecksum: 0x1234 }));
  const ns = encodeNdpPacket({ src: GUEST6, dst: GW6, message: { type: 135, target: GW6, options: { sourceLinkLayer: MAC_H } } });
  ns[40 + 25] = 0; // option length 0
  const short = ipv4(udp4(GW, GUEST, 53, 40000, Uint8Array.of(0, 1, 0x81, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1))); // qdcount 2, one question
  const rows = dissect([badSum, ipv6(ns), short], ['udp.checksum.status', '_ws.expert.severity', '_ws.malformed', 'icmpv6.checksum.status']);
  assert.equal(rows[0]['udp.checksum.status'], '0', 'bad checksum seen as Bad');
  assert.notEqual(rows[1]['_ws.expert.severity'], '', 'a zero-length ND option draws an expert error');
  assert.notEqual(rows[2]['_ws.expert.severity'] + rows[2]['_ws.malformed'], '', 'the missing question draws an error');
});
