/**
 * ICMP lines and IP fields of packet lines, read as packetdrill's grammar (nplab's parser.y:
 * icmp_packet_spec, ip_info) and icmp_packet.c's name tables (RFC 792, RFC 1812, RFC 4443) give
 * them, and what the runner does with them: an inbound ICMP error quotes the IP header and first
 * eight TCP bytes of a segment synack sent (RFC 792: "Internet Header + 64 bits of Original Data
 * Datagram"), with the sequence number the script names in synack's own numbering; IP fields a line
 * states are set on inbound packets and compared on outbound ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeIcmp, decodeIp, decodeTcpPacket, parseIp, type IpPacket } from '../../src/wire/index.js';
import { parseScript, runScriptText, wrapperIpVersion, type IcmpSpec, type PacketSpec, type Script } from '../../src/packetdrill/index.js';
import { buildInboundIcmp } from '../../src/packetdrill/icmp.js';
import { buildInbound, newFlow } from '../../src/packetdrill/packets.js';

function parse(src: string): Script {
  const r = parseScript(src);
  if (!r.ok) assert.fail(`line ${r.error.line}: ${r.error.message}`);
  return r.script;
}

function icmp(line: string, header = ''): IcmpSpec {
  const e = parse(header + '0 ' + line).events[0];
  assert.equal(e.type, 'icmp', line);
  return (e as { icmp: IcmpSpec }).icmp;
}

function packet(line: string, header = ''): PacketSpec {
  const e = parse(header + '0 ' + line).events[0];
  assert.equal(e.type, 'packet', line);
  return (e as { packet: PacketSpec }).packet;
}

function parseError(src: string): string {
  const r = parseScript(src);
  assert.equal(r.ok, false, src);
  return (r as { ok: false; error: { message: string } }).error.message;
}

const V6 = '--ip_version=ipv6\n';

test('ICMP lines: type and code names per IP version, mtu, id, and the quoted segment', () => {
  const a = icmp('< icmp unreachable port_unreachable');
  assert.deepEqual([a.direction, a.type, a.code, a.mtu, a.echoed], ['in', 3, 3, undefined, { protocol: 'tcp', start: 0, length: 0 }]);
  const b = icmp('< icmp unreachable frag_needed mtu 800 [1:1001(1000)]');
  assert.deepEqual([b.type, b.code, b.mtu, b.echoed], [3, 4, 800, { protocol: 'tcp', start: 1, length: 1000 }]);
  const c = icmp('< icmp unreachable [5000:6000(1000)]');
  assert.deepEqual([c.type, c.code, c.codeName], [3, 0, undefined]);
  assert.deepEqual([icmp('< icmp time_exceeded ttl_exceeded_in_transit').type, icmp('< icmp time_exceeded frag_reass_exceeded').code], [11, 1]);
  assert.deepEqual([icmp('< icmp unreachable host_unreachable').code, icmp('< icmp unreachable protocol_unreachable').code, icmp('< icmp unreachable net_prohibited').code], [1, 2, 9]);
  assert.deepEqual([icmp('< icmp type_42 code_7').type, icmp('< icmp type_42 code_7').code], [42, 7]);
  assert.equal(icmp('< icmp echo_request id 7').echoId, 7);
  // IPv6: ICMPv6's numbers for the same words, and packet_too_big with a 32-bit MTU.
  assert.deepEqual([icmp('< icmp unreachable port_unreachable', V6).type, icmp('< icmp unreachable port_unreachable', V6).code], [1, 4]);
  const ptb = icmp('< icmp packet_too_big mtu 1400 [0:1440(1440)]', V6);
  assert.deepEqual([ptb.type, ptb.code, ptb.mtu], [2, 0, 1400]);
  assert.deepEqual([icmp('< icmp time_exceeded exceeded_hop_limit', V6).type, icmp('< icmp unreachable admin_prohibited', V6).code], [3, 1]);
  // A quoted UDP datagram is kept to be reported, not misread as TCP.
  assert.equal(icmp('< icmp unreachable port_unreachable [udp (100)]').echoed.protocol, 'udp');
});

test('ICMP lines packetdrill rejects: unknown names, a type of the other IP version, an MTU where none goes', () => {
  assert.match(parseError('0 < icmp bogus'), /bad ICMP type bogus/);
  assert.match(parseError('0 < icmp unreachable bogus_code'), /bad ICMP code bogus_code for unreachable/);
  assert.match(parseError('0 < icmp packet_too_big mtu 1000'), /bad ICMP type packet_too_big/);
  assert.match(parseError(V6 + '0 < icmp unreachable frag_needed'), /bad ICMPv6 code frag_needed/);
  assert.match(parseError('0 < icmp unreachable port_unreachable mtu 1000'), /only valid for unreachable frag_needed/);
  assert.match(parseError(V6 + '0 < icmp unreachable mtu 1000'), /only valid for packet_too_big/);
  assert.match(parseError('0 < icmp unreachable [1:10(10)]'), /inconsistent TCP segment/);
});

test('IP fields after the direction: ECN marks, tos/class, dscp, ttl/hlim, flowlabel, in ( ) or [ ], any order', () => {
  assert.deepEqual(packet('< (tos 0x10, ttl 32) S 0:0(0) win 1000').ip, { tos: 0x10, ttl: 32 });
  assert.deepEqual(packet('< (hlim 1, class 0x20) S 0:0(0) win 1000', V6).ip, { ttl: 1, tos: 0x20 });
  assert.deepEqual(packet('> (class 0x2, flowlabel 0x12345, hlim 64) S. 0:0(0) ack 1', V6).ip, { tos: 2, flowLabel: 0x12345, ttl: 64 });
  const d = packet('> [dscp ef, ecn ect0] . 1:1(0) ack 1');
  assert.deepEqual([d.ip, d.ecn], [{ dscp: 46 }, 'ect0']);
  assert.deepEqual(packet('> (dscp 0x0a) . 1:1(0) ack 1').ip, { dscp: 10 });
  assert.equal(packet('> [ect0] . 1:1(0) ack 1').ecn, 'ect0');
  assert.equal(packet('> (ce, ttl 3) . 1:1(0) ack 1').ecn, 'ce');
  const i = icmp('< (tos 0x8, ttl 5) icmp unreachable port_unreachable');
  assert.deepEqual(i.ip, { tos: 8, ttl: 5 });
  assert.match(parseError('0 > (ttl 1, ttl 2) . 1:1(0) ack 1'), /TTL \/ hop limit is given twice/);
  assert.match(parseError('0 > (tos 0x10, ect0) . 1:1(0) ack 1'), /not together with dscp or an ECN mark/);
  assert.match(parseError('0 > (ttl 256) . 1:1(0) ack 1'), /out of range/);
  assert.match(parseError('0 > (flowlabel 0x1) . 1:1(0) ack 1'), /flowlabel is an IPv6 field/);
  assert.match(parseError('0 > (bogus 1) . 1:1(0) ack 1'), /unknown IP field 'bogus'/);
});

function local(t: string) {
  const a = parseIp(t);
  assert.ok(a !== undefined);
  return a;
}

test('an inbound ICMP error quotes our header and 8 TCP bytes: our ports, the named sequence number in our numbering, the segment\'s length', () => {
  const flow = newFlow(4, local('192.168.0.1'), local('192.0.2.1'), 8080, 40000);
  flow.isnOffset = 1_000_000;
  const bytes = buildInboundIcmp(icmp('< (tos 0x4, ttl 9) icmp unreachable frag_needed mtu 1200 [1:1001(1000)]'), flow, 7);
  const ip = decodeIp(bytes);
  assert.ok(ip.ok);
  const p = ip as IpPacket;
  assert.deepEqual([p.ip.src, p.ip.dst, p.protocol], [flow.remote, flow.local, 1]);
  assert.equal(p.ip.version === 4 ? p.ip.ttl : -1, 9);
  assert.equal(p.ip.version === 4 ? (p.ip.dscp << 2) | p.ip.ecn : -1, 4);
  const m = decodeIcmp(bytes, p);
  assert.ok(m.ok && m.checksumValid);
  if (!m.ok) return;
  assert.deepEqual([m.type, m.code, m.mtu, m.error], [3, 4, 1200, 'packet-too-big']);
  assert.deepEqual(m.quoted, { version: 4, protocol: 6, src: flow.local, dst: flow.remote, srcPort: 8080, dstPort: 40000, seq: 1_000_001 });
  // The quoted IP header's total length is that of the segment synack sent (20 + 20 + 1000).
  assert.equal((bytes[28 + 2] << 8) | bytes[28 + 3], 1040);
});

test('ICMPv6: packet too big with its 32-bit MTU, checksum over the pseudo-header', () => {
  const flow = newFlow(6, local('fd3d:fa7b:d17d::0'), local('2001:db8::1'), 8080, 40000);
  flow.isnOffset = 5;
  const bytes = buildInboundIcmp(icmp('< (hlim 2, class 0x20, flowlabel 0xabcde) icmp packet_too_big mtu 1280 [0:1440(1440)]', V6), flow, 1);
  const ip = decodeIp(bytes) as IpPacket;
  assert.ok(ip.ok);
  assert.ok(ip.ip.version === 6);
  if (ip.ip.version !== 6) return;
  assert.deepEqual([ip.ip.hopLimit, ip.ip.trafficClass, ip.ip.flowLabel], [2, 0x20, 0xabcde]);
  const m = decodeIcmp(bytes, ip);
  assert.ok(m.ok && m.checksumValid);
  if (!m.ok) return;
  assert.deepEqual([m.type, m.mtu, m.quoted?.seq, m.quoted?.srcPort], [2, 1280, 5, 8080]);
});

test('an inbound TCP packet carries the IP fields its line states', () => {
  const flow = newFlow(6, local('fd3d:fa7b:d17d::0'), local('2001:db8::1'), 8080, 40000);
  const p = decodeTcpPacket(buildInbound(packet('< (class 0xb9, hlim 3, flowlabel 0x777) S 0:0(0) win 1000', V6), flow, 1));
  assert.ok(p.ok);
  if (!p.ok || p.ip.version !== 6) return;
  assert.deepEqual([p.ip.trafficClass, p.ip.hopLimit, p.ip.flowLabel], [0xb9, 3, 0x777]);
  const flow4 = newFlow(4, local('192.168.0.1'), local('192.0.2.1'), 8080, 40000);
  const q = decodeTcpPacket(buildInbound(packet('< (dscp af41, ecn ce, ttl 200) S 0:0(0) win 1000'), flow4, 1));
  assert.ok(q.ok);
  if (!q.ok || q.ip.version !== 4) return;
  assert.deepEqual([q.ip.dscp, q.ip.ecn, q.ip.ttl], [34, 3, 200]);
});

const CONNECT = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > (tos 0x0, ttl 64) S 0:0(0) <...>
`;

test('outbound IP fields are compared when the line states them (synack sends TTL 64, TOS 0 by default)', () => {
  const pass = runScriptText(CONNECT + '+0 close(3) = 0\n', { personality: 'none' });
  assert.equal(pass.result, 'PASS', pass.detail);
  const ttl = runScriptText(CONNECT.replace('ttl 64', 'ttl 63') + '+0 close(3) = 0\n', { personality: 'none' });
  assert.match(ttl.detail, /line 5: .*IP TTL expected 63, got 64/);
  const tos = runScriptText(CONNECT.replace('tos 0x0', 'tos 0x10') + '+0 close(3) = 0\n', { personality: 'none' });
  assert.match(tos.detail, /IP TOS expected 0x10, got 0x0/);
  const v6 = runScriptText(V6 + CONNECT.replace('(tos 0x0, ttl 64)', '(class 0x0, hlim 1)') + '+0 close(3) = 0\n', { personality: 'none' });
  assert.match(v6.detail, /IPv6 hop limit expected 1, got 64/);
});

test('an inbound ICMP reaches the connection it quotes: port unreachable in SYN-SENT, frag needed with the right sequence number', () => {
  const refused = runScriptText(CONNECT + '+0.1 < icmp unreachable port_unreachable\n+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n+0 close(3) = 0\n', { personality: 'none' });
  assert.equal(refused.result, 'PASS', refused.detail);
  const data = `${CONNECT}+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
+0 write(3, ..., 1460) = 1460
+0 > P. 1:1461(1460) ack 1
+0.01 < icmp unreachable frag_needed mtu 1000 [1:1461(1460)]
+0 > . 1:961(960) ack 1
+0 > P. 961:1461(500) ack 1
`;
  const mtu = runScriptText(data, { personality: 'none' });
  assert.equal(mtu.result, 'PASS', mtu.detail);
  // Quoting a sequence number synack never sent: the stack ignores the message, nothing is resent.
  const wrong = runScriptText(data.replace('[1:1461(1460)]', '[9001:10461(1460)]'), { personality: 'none' });
  assert.equal(wrong.result, 'FAIL');
  assert.match(wrong.detail, /expected outbound > \. 1:961\(960\) ack 1 .*synack sent nothing/);
});

test('what the runner cannot do with an ICMP line is unsupported, named', () => {
  const out = runScriptText(CONNECT + '+0 > icmp unreachable port_unreachable\n', { personality: 'none' });
  assert.equal(out.result, 'UNSUPPORTED');
  assert.match(out.detail, /outbound ICMP line/);
  const udp = runScriptText(CONNECT + '+0 < icmp unreachable port_unreachable [udp (10)]\n', { personality: 'none' });
  assert.equal(udp.result, 'UNSUPPORTED');
  assert.match(udp.detail, /quoting UDP/);
});

test('IP_TTL / IP_TOS / IPV6_UNICAST_HOPS / IPV6_TCLASS: defaults read back, bad values EINVAL', () => {
  const base = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 getsockopt(3, IPPROTO_IP, IP_TTL, [64], [4]) = 0
+0 getsockopt(3, IPPROTO_IP, IP_TOS, [0], [4]) = 0
+0 setsockopt(3, IPPROTO_IP, IP_TTL, [256], 4) = -1 EINVAL (Invalid argument)
+0 setsockopt(3, IPPROTO_IPV6, IPV6_UNICAST_HOPS, [-2], 4) = -1 EINVAL (Invalid argument)
+0 close(3) = 0
`;
  const r = runScriptText(base, { personality: 'none' });
  assert.equal(r.result, 'PASS', r.detail);
  assert.equal(runScriptText(base.replace('IP_TTL, [64]', 'IP_TTL, [63]'), { personality: 'none' }).result, 'FAIL');
});

test('IP_TTL and IP_TOS set on a socket reach its packets (the TOS byte\'s ECN bits stay TCP\'s)', () => {
  const script = (ttl: number, tos: string) => `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, IPPROTO_IP, IP_TTL, [9], 4) = 0
+0 setsockopt(3, IPPROTO_IP, IP_TOS, [0xb8], 4) = 0
+0 getsockopt(3, IPPROTO_IP, IP_TTL, [9], [4]) = 0
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > (tos ${tos}, ttl ${ttl}) S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>
+0 > (tos ${tos}, ttl ${ttl}) . 1:1(0) ack 1
+0 close(3) = 0
`;
  const ok = runScriptText(script(9, '0xb8'), { personality: 'none' });
  assert.equal(ok.result, 'PASS', ok.detail);
  assert.equal(runScriptText(script(64, '0xb8'), { personality: 'none' }).result, 'FAIL', 'the TTL is compared');
  assert.equal(runScriptText(script(9, '0x0'), { personality: 'none' }).result, 'FAIL', 'the TOS is compared');
});

test('TCP options of the grammar beyond the common ones: FOEXP (kind 254, magic 0xF989), short FO cookies, md5 read and then UNSUPPORTED', () => {
  const p = packet('< S 0:0(0) win 1000 <mss 1460,nop,nop,FOEXP 0102030405060708,nop,nop>');
  assert.deepEqual(p.options?.[3], { kind: 'FOEXP', cookie: '0102030405060708' });
  const flow = newFlow(4, local('192.168.0.1'), local('192.0.2.1'), 8080, 40000);
  const bytes = buildInbound(p, flow, 1);
  const t = decodeTcpPacket(bytes);
  assert.ok(t.ok);
  if (!t.ok) return;
  const raw = [...bytes.subarray(t.segmentOffset + 20, t.segmentOffset + t.tcp.headerLength)];
  assert.deepEqual(raw.slice(6, 18), [254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(packet('< S 0:0(0) win 1000 <FO 0102>').options?.[0], { kind: 'FO', cookie: '0102' });
  assert.match(parseError('0 < S 0:0(0) win 1000 <FO 010>'), /not an even number of hex digits/);
  const md5 = runScriptText(`${CONNECT}+0.1 < S. 0:0(0) ack 1 win 1000 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>\n`, { personality: 'none' });
  assert.equal(md5.result, 'UNSUPPORTED');
  assert.match(md5.detail, /TCP MD5 signature option \(RFC 2385/);
});

test('IPV6_TCLASS and IPV6_UNICAST_HOPS of -1 give the defaults back, for the connection to come', () => {
  const r = runScriptText(`--ip_version=ipv6
--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, IPPROTO_IPV6, IPV6_TCLASS, [0x20], 4) = 0
+0 setsockopt(3, IPPROTO_IPV6, IPV6_TCLASS, [-1], 4) = 0
+0 setsockopt(3, IPPROTO_IPV6, IPV6_UNICAST_HOPS, [-1], 4) = 0
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > (class 0x0, hlim 64) S 0:0(0) <mss 1440,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0 close(3) = 0
`, { personality: 'none' });
  assert.equal(r.result, 'PASS', r.detail);
});

test("Linux's wrapper (run_all.py) runs a script named *v6.pkt under IPv6: ICMPv6 names parse, the addresses are IPv6 ones", () => {
  assert.equal(wrapperIpVersion('fastopen/client/syn-data-icmp-unreach-frag-needed-with-seq-ipv6.pkt', 'linux'), 6);
  assert.equal(wrapperIpVersion('mtu_probe/basic-v6.pkt', 'linux'), 6);
  assert.equal(wrapperIpVersion('mtu_probe/basic-v4.pkt', 'linux'), 4);
  assert.equal(wrapperIpVersion('fastopen/client/syn-data-icmp-unreach-frag-needed.pkt', 'linux'), 4);
  assert.equal(wrapperIpVersion('x-v6.pkt', 'freebsd'), undefined);
  // packet_too_big is ICMPv6's: it parses under the command line's IPv6, not under the default IPv4.
  const line = '0 < icmp packet_too_big mtu 1400 [0:1440(1440)]\n';
  assert.equal(parseScript(line).ok, false);
  const r = parseScript(line, { ipVersion: 6 });
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual([(r.script.events[0] as { icmp: IcmpSpec }).icmp.type, (r.script.events[0] as { icmp: IcmpSpec }).icmp.mtu], [2, 1400]);
  // The script's own header still wins over the command line's version.
  assert.equal(parseScript('--ip_version=ipv4\n' + line, { ipVersion: 6 }).ok, false);
  // packetdrill's ICMPv6 unreachable codes include net_unreachable (0).
  assert.equal(icmp('< icmp unreachable net_unreachable', V6).code, 0);
  // The run's addresses follow: an IPv6 SYN (MSS 1500 - 40 - 20) from the wrapper's fd3d:fa7b:d17d::0.
  const run = runScriptText(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1440,sackOK,TS val 100 ecr 0,nop,wscale 7>
`, { personality: 'none', ipVersion: 6 });
  assert.equal(run.result, 'PASS', run.detail);
});
