/**
 * synack/wire: bytes <-> values. Decoders never throw on bad input: they return a DecodeFailure
 * with its reason. The byte-order helpers (u16, put16, ...) and the failure constructor are
 * internal: import them from their modules inside synack.
 */
export { ipToString, ipv4ToString, ipv6ToString, parseIp, parseIpv4, parseIpv6, type IpAddress } from './address.js';
export { ArpOperation, ARP_LENGTH, arpReplyFor, arpRequest, decodeArp, encodeArp, gratuitousArp, type ArpPacket, type ArpSpec } from './arp.js';
export { concatBytes, toHex } from './bytes.js';
export {
  checksumAdjust16,
  checksumAdjust32,
  checksumFinish,
  foldSum,
  internetChecksum,
  onesSum,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
} from './checksum.js';
export {
  BootpOp,
  decodeDhcp,
  DHCP_BROADCAST_FLAG,
  DHCP_CLIENT_PORT,
  DHCP_MAGIC_COOKIE,
  DHCP_MESSAGE_TYPE_NAMES,
  DHCP_SERVER_PORT,
  DhcpMessageType,
  DhcpOption,
  encodeDhcp,
  encodeDhcpOptions,
  type DecodedDhcp,
  type DhcpMessage,
  type DhcpOptions,
  type DhcpSpec,
} from './dhcp.js';
export {
  decodeDns,
  dnsDataText,
  DnsClass,
  DNS_HEADER,
  DnsOpcode,
  DNS_PORT,
  DnsRcode,
  DNS_RCODE_NAMES,
  DnsType,
  DNS_TYPE_NAMES,
  encodeDns,
  nameLabels,
  reverseName,
  type DecodedDns,
  type DnsData,
  type DnsMessage,
  type DnsMessageSpec,
  type DnsQuestion,
  type DnsRecord,
} from './dns.js';
export type { DecodeFailure, DecodeReason } from './errors.js';
export {
  BROADCAST_MAC,
  decodeEthernet,
  encodeEthernet,
  ETHERNET_HEADER,
  ethernetPayload,
  EtherType,
  isMulticastMac,
  macToString,
  parseMac,
  type EthernetFrame,
  type EthernetSpec,
  type VlanTag,
} from './ethernet.js';
export { arpLine, dnsText, frameLine } from './frame-summary.js';
export {
  decodeIcmp,
  echoReplyFor,
  encodeIcmpPacket,
  ICMP4_FRAG_NEEDED,
  Icmp4Type,
  Icmp6Type,
  type IcmpBuildSpec,
  type IcmpErrorKind,
  type IcmpMessage,
  type IcmpQuoted,
} from './icmp.js';
export {
  decodeIp,
  newIpPacketScratch,
  DEFAULT_TTL,
  encodeIpv4Header,
  encodeIpv6Header,
  IpProtocol,
  IPV4_MIN_HEADER,
  IPV6_HEADER,
  ipv4HeaderLength,
  ipv6HeaderLength,
  type IpHeader,
  type IpPacket,
  type IpPacketScratch,
  type Ipv4Fields,
  type Ipv4Header,
  type Ipv6Fields,
  type Ipv6Header,
} from './ip.js';
export { locateIp, type IpLocation } from './linklayer.js';
export {
  ALL_NODES,
  ALL_ROUTERS,
  decodeNdpOptions,
  decodeNdpPacket,
  encodeNdpOptions,
  encodeNdpPacket,
  ipv6MulticastMac,
  NDP_HOP_LIMIT,
  NdpOptionType,
  NdpType,
  solicitedNodeAddress,
  type NdpMessage,
  type NdpOptions,
  type NdpPacket,
  type NdpPacketSpec,
  type NeighborAdvertisement,
  type NeighborSolicitation,
  type PrefixInformation,
  type Redirect,
  type RouterAdvertisement,
  type RouterSolicitation,
} from './ndp.js';
export { cutText, decodeCapturedTcp, type CapturedTcpPacket, type Snapped } from './captured.js';
export {
  decodeTcpPacket,
  encodeTcpPacket,
  tcpChecksumValid,
  tcpPacketLength,
  tcpPacketSpec,
  tcpPayload,
  tcpPseudoHeaderSum,
  withTcpChecksum,
  type IpFieldsForTcp,
  type TcpPacket,
  type TcpPacketSpec,
} from './packet.js';
export { CaptureReader, encodePcap, encodePcapHeader, encodePcapRecord, LinkType, MAX_CAPTURE_RECORD, readCapture, type Capture, type CaptureRecord } from './pcap.js';
export { SEQ_MODULUS, seq, seqAdd, seqDiff, seqDistance, seqGe, seqGt, seqInRange, seqInRangeInclusive, seqLe, seqLt, seqMax, seqMin } from './seq.js';
export {
  tcpFlagLetters,
  tcpOptionsText,
  tcpOptionsToJson,
  tcpPacketLine,
  tcpPacketToJson,
  type TcpOptionsJson,
  type TcpPacketJson,
} from './summary.js';
export {
  decodeTcpHeader,
  decodeTcpOptions,
  encodeTcpHeader,
  FAST_OPEN_MAGIC,
  encodeTcpOptions,
  TCP_MAX_OPTIONS,
  TCP_MIN_HEADER,
  TcpFlag,
  tcpHeaderLength,
  TcpOptionKind,
  tcpOptionsLength,
  type SackBlock,
  type TcpHeader,
  type TcpHeaderFields,
  type TcpOptions,
  type TcpTimestamp,
  type UnknownOption,
} from './tcp.js';
export {
  decodeUdpPacket,
  encodeUdpPacket,
  UDP_HEADER,
  udpPayload,
  type IpFieldsForUdp,
  type UdpChecksumStatus,
  type UdpHeader,
  type UdpPacket,
  type UdpPacketSpec,
} from './udp.js';
