/**
 * UDP (RFC 768): an 8-byte header (source port, destination port, length, checksum) and whole
 * UDP/IP packets, in the shape of packet.ts's TCP ones.
 *
 * The checksum covers the IPv4 or IPv6 pseudo-header, the header and the data. On IPv4 a zero
 * checksum means the sender computed none (RFC 768), so a computed zero is sent as 0xffff; on IPv6
 * the checksum is required and a zero one is invalid (RFC 8200 §8.1).
 */
import { u16, put16 } from './bytes.js';
import { checkBytes, checkObject, fieldError, U16 } from './checks.js';
import { checksumFinish, foldSum, onesSum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from './checksum.js';
import { fail, type DecodeFailure } from './errors.js';
import { checkIpv4Fields, checkIpv6Fields, decodeIp, IpProtocol, ipv4HeaderLength, ipv6HeaderLength, writeIpv4Header, writeIpv6Header, type IpHeader } from './ip.js';
import type { IpFieldsForTcp } from './packet.js';

export const UDP_HEADER = 8;

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  /** The length field: header and data. */
  length: number;
  checksum: number;
}

/** 'none': an IPv4 datagram sent without a checksum (field zero). */
export type UdpChecksumStatus = 'good' | 'bad' | 'none';

export interface UdpPacket {
  readonly ok: true;
  ip: IpHeader;
  udp: UdpHeader;
  checksumStatus: UdpChecksumStatus;
  /** The buffer the packet was decoded from; the offsets below index into it. */
  bytes: Uint8Array;
  /** The datagram (header and data) as the UDP length field gives it. */
  datagramOffset: number;
  datagramLength: number;
  payloadOffset: number;
  payloadLength: number;
}

/**
 * Decode an IPv4 or IPv6 packet carrying a UDP datagram, and check its checksum. The UDP length must
 * be at least 8 and no more than the IP payload (RFC 768); bytes of the IP payload past it are ignored.
 */
export function decodeUdpPacket(bytes: Uint8Array, offset = 0, length = bytes.length - offset): UdpPacket | DecodeFailure {
  if (offset < 0 || length < 0 || offset + length > bytes.length) return fail('truncated', `packet of ${length} bytes at ${offset} in a buffer of ${bytes.length}`);
  const ipp = decodeIp(bytes, offset, length);
  if (!ipp.ok) return ipp;
  if (ipp.fragment) return fail('fragment', `IPv${ipp.ip.version} fragment (not reassembled)`);
  if (ipp.protocol !== IpProtocol.UDP) return fail('other-protocol', `IP protocol ${ipp.protocol} is not UDP`);
  const at = ipp.payloadOffset;
  if (ipp.payloadLength < UDP_HEADER) return fail('truncated', `UDP datagram of ${ipp.payloadLength} bytes`);
  const udp: UdpHeader = { srcPort: u16(bytes, at), dstPort: u16(bytes, at + 2), length: u16(bytes, at + 4), checksum: u16(bytes, at + 6) };
  if (udp.length < UDP_HEADER || udp.length > ipp.payloadLength) {
    return fail('bad-length', `UDP length ${udp.length} with ${ipp.payloadLength} bytes of IP payload`);
  }
  let checksumStatus: UdpChecksumStatus;
  if (udp.checksum === 0) checksumStatus = ipp.ip.version === 4 ? 'none' : 'bad';
  else {
    const ip = ipp.ip;
    const pseudo = ip.version === 4 ? pseudoHeaderSumV4(ip.src, ip.dst, IpProtocol.UDP, udp.length) : pseudoHeaderSumV6(ip.src, ip.dst, IpProtocol.UDP, udp.length);
    checksumStatus = foldSum(onesSum(bytes, at, at + udp.length, pseudo)) === 0xffff ? 'good' : 'bad';
  }
  return {
    ok: true,
    ip: ipp.ip,
    udp,
    checksumStatus,
    bytes,
    datagramOffset: at,
    datagramLength: udp.length,
    payloadOffset: at + UDP_HEADER,
    payloadLength: udp.length - UDP_HEADER,
  };
}

/** The data as a view (no copy) into the packet's buffer. */
export function udpPayload(p: UdpPacket): Uint8Array {
  return p.bytes.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength);
}

export type IpFieldsForUdp = IpFieldsForTcp;

export interface UdpPacketSpec {
  ip: IpFieldsForUdp;
  udp: { srcPort: number; dstPort: number };
  payload?: Uint8Array;
  /**
   * Write this checksum instead of computing one: 0 on IPv4 sends the datagram without a checksum
   * (RFC 768); any other value makes a corrupt packet on purpose.
   */
  udpChecksum?: number;
}

/**
 * Build a whole IP packet carrying a UDP datagram, lengths and checksums computed. Every field is
 * checked first: one that does not fit throws a TypeError or RangeError naming it.
 */
export function encodeUdpPacket(spec: UdpPacketSpec): Uint8Array {
  const where = 'encodeUdpPacket';
  checkObject(spec, where, 'spec');
  const ip = spec.ip;
  checkObject(ip, where, 'ip');
  if (ip.version === 4) checkIpv4Fields(ip, where, 'ip.');
  else if (ip.version === 6) checkIpv6Fields(ip, where, 'ip.');
  else throw fieldError(where, 'ip.version', (ip as { version: unknown }).version, '4 or 6');
  checkObject(spec.udp, where, 'udp');
  if ((spec.udp.srcPort & 0xffff) !== spec.udp.srcPort) throw fieldError(where, 'udp.srcPort', spec.udp.srcPort, U16);
  if ((spec.udp.dstPort & 0xffff) !== spec.udp.dstPort) throw fieldError(where, 'udp.dstPort', spec.udp.dstPort, U16);
  if (spec.payload !== undefined) checkBytes(spec.payload, where, 'payload');
  if (spec.udpChecksum !== undefined && (spec.udpChecksum & 0xffff) !== spec.udpChecksum) throw fieldError(where, 'udpChecksum', spec.udpChecksum, U16);
  const payload = spec.payload ?? new Uint8Array(0);
  const udpLength = UDP_HEADER + payload.length;
  const ipHeader = ip.version === 4 ? ipv4HeaderLength(ip) : ipv6HeaderLength(ip);
  if (udpLength > 0xffff || ipHeader + udpLength > (ip.version === 4 ? 0xffff : 0xffff + 40)) {
    throw new RangeError(`${where}: payload of ${payload.length} bytes does not fit one UDP datagram (UDP length and IP length are 16 bits)`);
  }
  const out = new Uint8Array(ipHeader + udpLength);
  if (ip.version === 4) writeIpv4Header(ip, udpLength, out, 0, IpProtocol.UDP);
  else writeIpv6Header(ip, udpLength, out, 0, IpProtocol.UDP);
  put16(out, ipHeader, spec.udp.srcPort);
  put16(out, ipHeader + 2, spec.udp.dstPort);
  put16(out, ipHeader + 4, udpLength);
  out.set(payload, ipHeader + UDP_HEADER);
  let checksum = spec.udpChecksum;
  if (checksum === undefined) {
    const pseudo = ip.version === 4 ? pseudoHeaderSumV4(ip.src, ip.dst, IpProtocol.UDP, udpLength) : pseudoHeaderSumV6(ip.src, ip.dst, IpProtocol.UDP, udpLength);
    checksum = checksumFinish(onesSum(out, ipHeader, ipHeader + udpLength, pseudo));
    // RFC 768: a computed zero is sent as all ones (zero would mean "no checksum").
    if (checksum === 0) checksum = 0xffff;
  }
  put16(out, ipHeader + 6, checksum);
  return out;
}
