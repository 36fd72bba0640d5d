/**
 * tcpdump-like lines for what is not TCP in a capture: ARP, UDP and what rides on it (DHCP on ports
 * 67/68, DNS on 53), and IPv6 neighbour discovery. summary.ts has the TCP line.
 */
import { ipToString } from './address.js';
import { decodeArp, ArpOperation } from './arp.js';
import { decodeDhcp, DHCP_CLIENT_PORT, DHCP_MESSAGE_TYPE_NAMES, DHCP_SERVER_PORT } from './dhcp.js';
import { decodeDns, dnsDataText, DNS_PORT, DNS_RCODE_NAMES, DNS_TYPE_NAMES, type DnsMessage } from './dns.js';
import { decodeEthernet, EtherType, macToString } from './ethernet.js';
import { decodeIp, IpProtocol } from './ip.js';
import { locateIp } from './linklayer.js';
import { decodeNdpPacket, type NdpPacket } from './ndp.js';
import { LinkType } from './pcap.js';
import { decodeUdpPacket, type UdpPacket } from './udp.js';

/**
 * The line for a captured frame carrying ARP, UDP (with DHCP or DNS) or neighbour discovery;
 * undefined for anything else (TCP among it: see tcpPacketLine).
 */
export function frameLine(linkType: number, data: Uint8Array): string | undefined {
  if (linkType === LinkType.ETHERNET) {
    const eth = decodeEthernet(data);
    if (eth.ok && eth.etherType === EtherType.ARP) return arpLine(data, eth.payloadOffset, eth.payloadLength);
  }
  const at = locateIp(linkType, data);
  if (!at.ok) return undefined;
  const ipp = decodeIp(data, at.offset, at.length);
  if (!ipp.ok || ipp.fragment) return undefined;
  if (ipp.protocol === IpProtocol.UDP) {
    const u = decodeUdpPacket(data, at.offset, at.length);
    const fam = ipp.ip.version === 4 ? 'IP' : 'IP6';
    if (!u.ok) return `${fam} ${ipToString(ipp.ip.src)} > ${ipToString(ipp.ip.dst)}: UDP [${u.reason}: ${u.detail}]`;
    return udpLine(u);
  }
  if (ipp.protocol === IpProtocol.ICMPV6) {
    const n = decodeNdpPacket(data, at.offset, at.length);
    if (n.ok) return ndpLine(n);
  }
  return undefined;
}

/** "ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 28" / "ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02, length 28". */
export function arpLine(bytes: Uint8Array, offset: number, length: number): string {
  const a = decodeArp(bytes, offset, length);
  if (!a.ok) return `ARP, [${a.reason}: ${a.detail}], length ${length}`;
  const len = `length ${length}`;
  if (a.operation === ArpOperation.REQUEST) return `ARP, Request who-has ${ipToString(a.targetIp)} tell ${ipToString(a.senderIp)}, ${len}`;
  if (a.operation === ArpOperation.REPLY) return `ARP, Reply ${ipToString(a.senderIp)} is-at ${macToString(a.senderMac)}, ${len}`;
  return `ARP, op ${a.operation}, ${len}`;
}

/** tcpdump's line for a UDP datagram (DHCP and DNS read into words). */
export function udpLine(u: UdpPacket): string {
  const fam = u.ip.version === 4 ? 'IP' : 'IP6';
  const { srcPort, dstPort } = u.udp;
  const head = `${fam} ${ipToString(u.ip.src)}.${srcPort} > ${ipToString(u.ip.dst)}.${dstPort}: `;
  const cksum = u.checksumStatus === 'bad' ? ` [bad udp cksum 0x${u.udp.checksum.toString(16).padStart(4, '0')}]` : '';
  const ports = [srcPort, dstPort];
  if (ports.includes(DHCP_SERVER_PORT) && ports.includes(DHCP_CLIENT_PORT)) {
    const d = decodeDhcp(u.bytes, u.payloadOffset, u.payloadLength);
    if (!d.ok) return `${head}BOOTP/DHCP [${d.reason}: ${d.detail}], length ${u.payloadLength}${cksum}`;
    const type = d.options.messageType;
    const what = type === undefined ? (d.op === 1 ? 'Request' : 'Reply') : `DHCP ${DHCP_MESSAGE_TYPE_NAMES[type] ?? `type ${type}`}`;
    let s = `${head}BOOTP/DHCP, ${what} from ${d.hlen === 6 ? macToString(d.chaddr) : 'hardware ' + d.chaddr.length}, xid 0x${d.xid.toString(16).padStart(8, '0')}`;
    if (d.yiaddr) s += `, your-ip ${ipToString(d.yiaddr)}`;
    if (d.options.requestedIp !== undefined) s += `, requested-ip ${ipToString(d.options.requestedIp)}`;
    return `${s}, length ${u.payloadLength}${cksum}`;
  }
  if (ports.includes(DNS_PORT)) {
    const d = decodeDns(u.bytes, u.payloadOffset, u.payloadLength);
    if (!d.ok) return `${head}DNS [${d.reason}: ${d.detail}] (${u.payloadLength})${cksum}`;
    return `${head}${dnsText(d)} (${u.payloadLength})${cksum}`;
  }
  return `${head}UDP, length ${u.payloadLength}${cksum}`;
}

/** tcpdump's DNS rendering: "4660+ A? example.com." for a query; "4660* 1/0/0 A 198.18.0.5" for an answer. */
export function dnsText(d: DnsMessage): string {
  const q = d.questions[0];
  const question = q ? ` ${DNS_TYPE_NAMES[q.type] ?? `TYPE${q.type}`}? ${q.name}.` : '';
  if (!d.response) return `${d.id}${d.recursionDesired ? '+' : ''}${question}`;
  let s = `${d.id}${d.authoritative ? '*' : ''}${d.recursionAvailable ? '' : '-'}`;
  if (d.rcode !== 0) s += ` ${DNS_RCODE_NAMES[d.rcode] ?? `rcode ${d.rcode}`}`;
  s += `${question} ${d.answers.length}/${d.authorities.length}/${d.additionals.length}`;
  for (const a of d.answers) s += ` ${DNS_TYPE_NAMES[a.type] ?? `TYPE${a.type}`} ${dnsDataText(a.data)}`;
  return s;
}

function ndpLine(n: NdpPacket): string {
  const m = n.message;
  const head = `IP6 ${ipToString(n.ip.src)} > ${ipToString(n.ip.dst)}: ICMP6, `;
  const len = `length ${n.length}`;
  const bad = n.checksumValid ? '' : ' [bad icmp6 cksum]';
  switch (m.type) {
    case 133:
      return `${head}router solicitation, ${len}${bad}`;
    case 134: {
      const parts = [`lifetime ${m.routerLifetime}s`, ...(m.options.prefixes ?? []).map((p) => `prefix ${ipToString(p.prefix)}/${p.prefixLength}`)];
      if (m.options.mtu !== undefined) parts.push(`mtu ${m.options.mtu}`);
      return `${head}router advertisement, ${parts.join(', ')}, ${len}${bad}`;
    }
    case 135:
      return `${head}neighbor solicitation, who has ${ipToString(m.target)}, ${len}${bad}`;
    case 136:
      return `${head}neighbor advertisement, tgt is ${ipToString(m.target)}, ${len}${bad}`;
    case 137:
      return `${head}redirect, ${ipToString(m.destination)} to ${ipToString(m.target)}, ${len}${bad}`;
  }
}
