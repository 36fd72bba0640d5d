/**
 * Whole TCP/IP packets: decode an IP packet down to its TCP header and payload, verify the TCP
 * checksum, and build packets with every length and checksum filled in.
 */
import { checksumFinish, foldSum, onesSum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from './checksum.js';
import { fail, type DecodeFailure } from './errors.js';
import {
  checkIpv4Fields,
  checkIpv6Fields,
  decodeIp,
  IpProtocol,
  ipv4HeaderLength,
  ipv6HeaderLength,
  type IpHeader,
  type Ipv4Fields,
  type Ipv6Fields,
  writeIpv4Header,
  writeIpv6Header,
} from './ip.js';
import { checkTcpHeaderFields, decodeTcpHeader, tcpHeaderLength, writeTcpHeader, type TcpHeader, type TcpHeaderFields } from './tcp.js';
import { checkBuffer, checkBytes, checkObject, fieldError, U16 } from './checks.js';

export interface TcpPacket {
  readonly ok: true;
  ip: IpHeader;
  tcp: TcpHeader;
  /** The buffer the packet was decoded from; the offsets below index into it. */
  bytes: Uint8Array;
  /** The TCP segment (header and data). */
  segmentOffset: number;
  segmentLength: number;
  /** The TCP data. */
  payloadOffset: number;
  payloadLength: number;
}

/** Decode an IPv4 or IPv6 packet carrying a TCP segment. The TCP checksum is not verified here: see `tcpChecksumValid`. */
export function decodeTcpPacket(bytes: Uint8Array, offset = 0, length = bytes.length - offset): TcpPacket | DecodeFailure {
  const ipp = decodeIp(bytes, offset, length);
  if (!ipp.ok) return ipp;
  if (ipp.fragment) return fail('fragment', `IPv${ipp.ip.version} fragment (not reassembled)`);
  if (ipp.protocol !== IpProtocol.TCP) return fail('not-tcp', `IP protocol ${ipp.protocol}`);
  const tcp = decodeTcpHeader(bytes, ipp.payloadOffset, ipp.payloadLength);
  if (!tcp.ok) return tcp;
  return {
    ok: true,
    ip: ipp.ip,
    tcp,
    bytes,
    segmentOffset: ipp.payloadOffset,
    segmentLength: ipp.payloadLength,
    payloadOffset: ipp.payloadOffset + tcp.headerLength,
    payloadLength: ipp.payloadLength - tcp.headerLength,
  };
}

/** Unfolded sum of the pseudo-header for a TCP segment of `length` bytes between the packet's addresses. */
export function tcpPseudoHeaderSum(ip: IpHeader, length: number): number {
  return ip.version === 4
    ? pseudoHeaderSumV4(ip.src, ip.dst, IpProtocol.TCP, length)
    : pseudoHeaderSumV6(ip.src, ip.dst, IpProtocol.TCP, length);
}

/** True when the TCP checksum over pseudo-header, header and data verifies (RFC 9293 §3.1). */
export function tcpChecksumValid(p: TcpPacket): boolean {
  const sum = onesSum(p.bytes, p.segmentOffset, p.segmentOffset + p.segmentLength, tcpPseudoHeaderSum(p.ip, p.segmentLength));
  return foldSum(sum) === 0xffff;
}

/**
 * A copy of a TCP/IP packet with its TCP checksum computed (RFC 9293 §3.1): what a capture shows for
 * a packet sent by a stack that offloads checksums. A packet that is not TCP over IP, or does not
 * decode, comes back as it is (a copy).
 */
export function withTcpChecksum(packet: Uint8Array): Uint8Array {
  const out = packet.slice();
  const p = decodeTcpPacket(out);
  if (!p.ok) return out;
  out[p.segmentOffset + 16] = 0;
  out[p.segmentOffset + 17] = 0;
  const sum = checksumFinish(onesSum(out, p.segmentOffset, p.segmentOffset + p.segmentLength, tcpPseudoHeaderSum(p.ip, p.segmentLength)));
  out[p.segmentOffset + 16] = sum >>> 8;
  out[p.segmentOffset + 17] = sum & 0xff;
  return out;
}

/** The payload as a view (no copy) into the packet's buffer. */
export function tcpPayload(p: TcpPacket): Uint8Array {
  return p.bytes.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength);
}

export type IpFieldsForTcp = ({ version: 4 } & Omit<Ipv4Fields, 'protocol'>) | ({ version: 6 } & Omit<Ipv6Fields, 'protocol'>);

export interface TcpPacketSpec {
  ip: IpFieldsForTcp;
  tcp: TcpHeaderFields;
  payload?: Uint8Array;
  /** Write this TCP checksum instead of computing it (to make a corrupt packet on purpose). */
  tcpChecksum?: number;
}

function ipHeaderLength(ip: IpFieldsForTcp): number {
  return ip.version === 4 ? ipv4HeaderLength(ip) : ipv6HeaderLength(ip);
}

export function tcpPacketLength(spec: TcpPacketSpec): number {
  return ipHeaderLength(spec.ip) + tcpHeaderLength(spec.tcp) + (spec.payload?.length ?? 0);
}

/**
 * Build a complete IP packet carrying a TCP segment, with lengths and both checksums computed.
 * Writes into `out` at `offset` when given (it must have room), else into a new buffer; returns
 * the view of the packet. Every field is checked first (checkTcpPacketSpec): one that does not fit
 * its bits throws a TypeError or RangeError naming it (`tcp.srcPort`, `ip.src`), never wraps.
 */
export function encodeTcpPacket(spec: TcpPacketSpec, out?: Uint8Array, offset = 0): Uint8Array {
  checkTcpPacketSpec(spec, 'encodeTcpPacket');
  if (out !== undefined) checkBuffer(out, offset, 'encodeTcpPacket');
  return writeTcpPacket(spec, out, offset);
}

/**
 * encodeTcpPacket without the checks: the stack's per-segment encoder. Its segments come from its
 * own state, every field already in range, and checking them again would cost a fifth of the time
 * it takes to encode an ACK; everything else (and every test of the stack's packets) goes through
 * encodeTcpPacket. Not exported from wire/index.
 */
export function writeTcpPacket(spec: TcpPacketSpec, out?: Uint8Array, offset = 0): Uint8Array {
  const total = tcpPacketLength(spec);
  const buf = out ?? new Uint8Array(total);
  if (offset + total > buf.length) throw new RangeError(`packet needs ${total} bytes at offset ${offset}, buffer has ${buf.length}`);
  const payloadLength = spec.payload?.length ?? 0;
  const ip = spec.ip;
  const tcpStart = offset + ipHeaderLength(ip);
  const tcpHeaderLen = writeHeaders(spec, payloadLength, buf, offset, tcpStart);
  const segmentLength = tcpHeaderLen + payloadLength;
  if (spec.payload) buf.set(spec.payload, tcpStart + tcpHeaderLen);
  let checksum = spec.tcpChecksum;
  if (checksum === undefined) {
    const pseudo =
      ip.version === 4
        ? pseudoHeaderSumV4(ip.src, ip.dst, IpProtocol.TCP, segmentLength)
        : pseudoHeaderSumV6(ip.src, ip.dst, IpProtocol.TCP, segmentLength);
    checksum = checksumFinish(onesSum(buf, tcpStart, tcpStart + segmentLength, pseudo));
  }
  buf[tcpStart + 16] = checksum >>> 8;
  buf[tcpStart + 17] = checksum & 0xff;
  return buf.subarray(offset, offset + total);
}

/** The IP and TCP headers of a segment of `payloadLength` octets (the TCP checksum field zero); returns the TCP header's length. */
function writeHeaders(spec: TcpPacketSpec, payloadLength: number, buf: Uint8Array, offset: number, tcpStart: number): number {
  // No copies of the caller's objects on this path (it runs once per segment sent).
  const tcpHeaderLen = writeTcpHeader(spec.tcp, buf, tcpStart);
  buf[tcpStart + 16] = 0; // the checksum field is summed as zero
  buf[tcpStart + 17] = 0;
  const segmentLength = tcpHeaderLen + payloadLength;
  if (spec.ip.version === 4) writeIpv4Header(spec.ip, segmentLength, buf, offset, IpProtocol.TCP);
  else writeIpv6Header(spec.ip, segmentLength, buf, offset, IpProtocol.TCP);
  return tcpHeaderLen;
}

/**
 * Only the headers of writeTcpPacket's packet, their lengths counting `spec.payload`, which is not
 * written, and the TCP checksum field left zero: what a stack hands a device that gathers the payload
 * itself (segmentation offload, link/offload.ts). Returns the view of the headers. Unchecked, as
 * writeTcpPacket.
 */
export function writeTcpPacketHeaders(spec: TcpPacketSpec, out: Uint8Array, offset = 0): Uint8Array {
  const payloadLength = spec.payload?.length ?? 0;
  const headers = tcpPacketLength(spec) - payloadLength;
  if (offset + headers > out.length) throw new RangeError(`headers need ${headers} bytes at offset ${offset}, buffer has ${out.length}`);
  writeHeaders(spec, payloadLength, out, offset, offset + ipHeaderLength(spec.ip));
  return out.subarray(offset, offset + headers);
}

/**
 * Throws a TypeError or RangeError naming the field unless the spec can be encoded as it is: IP
 * version 4 or 6 and its fields (checkIpv4Fields, checkIpv6Fields), the TCP header's fields
 * (checkTcpHeaderFields), the payload as bytes, a TCP checksum override of 16 bits.
 */
export function checkTcpPacketSpec(spec: TcpPacketSpec, where: string): void {
  if (typeof spec !== 'object' || spec === null) checkObject(spec, where, 'spec');
  const ip = spec.ip;
  if (typeof ip !== 'object' || ip === null) checkObject(ip, where, 'ip');
  if (ip.version === 4) checkIpv4Fields(ip, where, 'ip.');
  else if (ip.version === 6) checkIpv6Fields(ip, where, 'ip.');
  else throw fieldError(where, 'ip.version', (ip as { version: unknown }).version, '4 or 6');
  checkTcpHeaderFields(spec.tcp, where, 'tcp.');
  if (spec.payload !== undefined && !(spec.payload instanceof Uint8Array)) checkBytes(spec.payload, where, 'payload');
  if (spec.tcpChecksum !== undefined && (spec.tcpChecksum & 0xffff) !== spec.tcpChecksum) {
    throw fieldError(where, 'tcpChecksum', spec.tcpChecksum, U16);
  }
}

/**
 * The spec that rebuilds a decoded packet with `encodeTcpPacket`: every IP and TCP field as it arrived
 * (options in their wire order), the payload as a view. With `keepChecksum` the TCP checksum is written
 * as it arrived, so even a corrupt packet comes back byte for byte.
 */
export function tcpPacketSpec(p: TcpPacket, keepChecksum = false): TcpPacketSpec {
  const ip = p.ip;
  const ipSpec: IpFieldsForTcp =
    ip.version === 4
      ? {
          version: 4,
          src: ip.src,
          dst: ip.dst,
          ttl: ip.ttl,
          dscp: ip.dscp,
          ecn: ip.ecn,
          identification: ip.identification,
          dontFragment: ip.dontFragment,
          moreFragments: ip.moreFragments,
          reservedFlag: ip.reservedFlag,
          fragmentOffset: ip.fragmentOffset,
          options: ip.options,
        }
      : {
          version: 6,
          src: ip.src,
          dst: ip.dst,
          hopLimit: ip.hopLimit,
          dscp: ip.dscp,
          ecn: ip.ecn,
          flowLabel: ip.flowLabel,
          nextHeader: ip.nextHeader,
          extensionHeaders: ip.extensionHeaders,
        };
  const spec: TcpPacketSpec = { ip: ipSpec, tcp: p.tcp, payload: tcpPayload(p) };
  if (keepChecksum) spec.tcpChecksum = p.tcp.checksum;
  return spec;
}
