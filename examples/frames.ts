/**
 * The link-layer and UDP-borne codecs: a DHCP DISCOVER in UDP in an Ethernet frame, built and read
 * back; an ARP request; a DNS answer with its name compressed; a DNS pointer loop refused.
 * Run: `node dist/examples/frames.js`; test/readme/readme.test.ts checks that the README shows
 * this file and what it prints.
 */
import {
  BROADCAST_MAC, decodeArp, dnsDataText, decodeDhcp, decodeDns, decodeEthernet, decodeUdpPacket, encodeDhcp, encodeDns,
  encodeEthernet, encodeUdpPacket, arpRequest, EtherType, frameLine, LinkType, parseIp, parseMac,
} from '../src/wire/index.js';

const mac = parseMac('02:00:00:00:00:01')!;
const discover = encodeDhcp({ op: 1, xid: 0x3903f326, chaddr: mac, options: { messageType: 1, parameterRequestList: [1, 3, 6] } });
const frame = encodeEthernet({
  dst: BROADCAST_MAC, src: mac, etherType: EtherType.IPV4,
  payload: encodeUdpPacket({ ip: { version: 4, src: 0, dst: 0xffffffff }, udp: { srcPort: 68, dstPort: 67 }, payload: discover }),
});
const eth = decodeEthernet(frame);
const udp = eth.ok ? decodeUdpPacket(frame, eth.payloadOffset, eth.payloadLength) : eth;
const dhcp = udp.ok ? decodeDhcp(udp.bytes, udp.payloadOffset, udp.payloadLength) : udp;
if (dhcp.ok) console.log(dhcp.options.messageType, udp.ok && udp.checksumStatus); // 1 good
console.log(frameLine(LinkType.ETHERNET, frame));

const arp = decodeArp(arpRequest(mac, parseIp('198.18.0.1') as number, parseIp('198.18.0.2') as number));
if (arp.ok) console.log(arp.operation, arp.gratuitous);                            // 1 false

const answer = encodeDns({
  id: 7, response: true, questions: [{ name: 'host.test', type: 1, class: 1 }],
  answers: [{ name: 'host.test', type: 1, class: 1, ttl: 60, data: { kind: 'A', address: parseIp('198.18.0.5') as number } }],
});
const dns = decodeDns(answer);
if (dns.ok) console.log(answer.length, dnsDataText(dns.answers[0].data));          // 43 198.18.0.5: the answer's name is a pointer
const loop = decodeDns(Uint8Array.of(0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1));
if (!loop.ok) console.log(loop.reason);                                            // bad-name, never a hang
