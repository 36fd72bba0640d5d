/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) headers: decoding down to the upper-layer protocol, encoding.
 */
import { internetChecksum } from './checksum.js';
import { put16, put32, u16, u32 } from './bytes.js';
import { fail, type DecodeFailure } from './errors.js';
import { checkBytes, checkIpv4Address, checkIpv6Address, checkObject, checkRoom, fieldError, U16, U8 } from './checks.js';

export const IpProtocol = {
  HOPOPT: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  IPV6_ROUTING: 43,
  IPV6_FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  IPV6_NONXT: 59,
  IPV6_DSTOPTS: 60,
} as const;

export interface Ipv4Header {
  readonly ok: true;
  version: 4;
  /** Header length in bytes (IHL * 4). */
  headerLength: number;
  dscp: number;
  ecn: number;
  totalLength: number;
  identification: number;
  /** The reserved flag bit (RFC 791; RFC 3514 in jest), kept as it arrived. */
  reservedFlag: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In 8-byte units, as in the header. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  /** Whether the header checksum verified; the stack drops the packet when it did not. */
  checksumValid: boolean;
  src: number;
  dst: number;
  /** Option bytes (IHL > 5), skipped but kept so the header re-encodes as it was. */
  options: Uint8Array;
}

export interface Ipv6Header {
  readonly ok: true;
  version: 6;
  trafficClass: number;
  dscp: number;
  ecn: number;
  flowLabel: number;
  payloadLength: number;
  /** The Next Header field of the fixed header (the first extension header, or the protocol). */
  nextHeader: number;
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** The extension headers' bytes between the fixed header and the upper layer, kept as they arrived. */
  extensionHeaders: Uint8Array;
}

export type IpHeader = Ipv4Header | Ipv6Header;

/** An IP packet decoded down to its upper-layer protocol. */
export interface IpPacket {
  readonly ok: true;
  ip: IpHeader;
  /** The upper-layer protocol (after any IPv6 extension headers). */
  protocol: number;
  /** Where the upper-layer data starts in the buffer, and how long it is per the IP lengths. */
  payloadOffset: number;
  payloadLength: number;
  /** True for an IPv4 fragment or an IPv6 packet with a non-atomic Fragment header. */
  fragment: boolean;
}

const EMPTY = new Uint8Array(0);
export const IPV4_MIN_HEADER = 20;
export const IPV6_HEADER = 40;



/**
 * Decode the IP packet in bytes[offset, offset + length). Bytes past the IP length (Ethernet
 * padding) are ignored. Fragments are decoded as far as the IP header and flagged.
 */
export function decodeIp(bytes: Uint8Array, offset = 0, length = bytes.length - offset, reuse?: IpPacketScratch): IpPacket | DecodeFailure {
  if (length < 1 || offset + length > bytes.length) return fail('truncated', 'empty packet');
  const version = bytes[offset] >>> 4;
  if (version === 4) return decodeIpv4(bytes, offset, length, reuse);
  if (version === 6) return decodeIpv6(bytes, offset, length);
  return fail('bad-version', `IP version ${version}`);
}

/**
 * A decoded IPv4 packet to be overwritten by the next decode (decodeIp's `reuse`): a receive path that
 * keeps no reference to the result past one packet decodes without allocating.
 */
export interface IpPacketScratch {
  packet: IpPacket;
  ip: Ipv4Header;
}

export function newIpPacketScratch(): IpPacketScratch {
  const ip: Ipv4Header = {
    ok: true,
    version: 4,
    headerLength: 0,
    dscp: 0,
    ecn: 0,
    totalLength: 0,
    identification: 0,
    reservedFlag: false,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 0,
    protocol: 0,
    checksum: 0,
    checksumValid: false,
    src: 0,
    dst: 0,
    options: EMPTY,
  };
  return { ip, packet: { ok: true, ip, protocol: 0, payloadOffset: 0, payloadLength: 0, fragment: false } };
}

function decodeIpv4(bytes: Uint8Array, offset: number, length: number, reuse?: IpPacketScratch): IpPacket | DecodeFailure {
  if (length < IPV4_MIN_HEADER) return fail('truncated', `IPv4 packet of ${length} bytes, header needs 20`);
  const headerLength = (bytes[offset] & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER) return fail('bad-ihl', `IHL ${headerLength / 4} is below 5`);
  if (headerLength > length) return fail('truncated', `IHL says ${headerLength} header bytes, packet has ${length}`);
  const totalLength = u16(bytes, offset + 2);
  if (totalLength < headerLength) return fail('bad-total-length', `total length ${totalLength} < header length ${headerLength}`);
  if (totalLength > length) return fail('truncated', `total length ${totalLength}, ${length} bytes captured`);
  const flagsFrag = u16(bytes, offset + 6);
  if (reuse !== undefined) return decodeIpv4Into(bytes, offset, headerLength, totalLength, flagsFrag, reuse);
  const ip: Ipv4Header = {
    ok: true,
    version: 4,
    headerLength,
    dscp: bytes[offset + 1] >>> 2,
    ecn: bytes[offset + 1] & 3,
    totalLength,
    identification: u16(bytes, offset + 4),
    reservedFlag: (flagsFrag & 0x8000) !== 0,
    dontFragment: (flagsFrag & 0x4000) !== 0,
    moreFragments: (flagsFrag & 0x2000) !== 0,
    fragmentOffset: flagsFrag & 0x1fff,
    ttl: bytes[offset + 8],
    protocol: bytes[offset + 9],
    checksum: u16(bytes, offset + 10),
    // A header that sums (checksum included) to 0xffff is intact (RFC 1071): its complement is 0.
    checksumValid: internetChecksum(bytes, offset, offset + headerLength) === 0,
    src: u32(bytes, offset + 12),
    dst: u32(bytes, offset + 16),
    options: headerLength > IPV4_MIN_HEADER ? bytes.subarray(offset + IPV4_MIN_HEADER, offset + headerLength) : EMPTY,
  };
  return {
    ok: true,
    ip,
    protocol: ip.protocol,
    payloadOffset: offset + headerLength,
    payloadLength: totalLength - headerLength,
    fragment: ip.moreFragments || ip.fragmentOffset !== 0,
  };
}

/** decodeIpv4's fields written into `s` (the checks above already passed). */
function decodeIpv4Into(bytes: Uint8Array, offset: number, headerLength: number, totalLength: number, flagsFrag: number, s: IpPacketScratch): IpPacket {
  const ip = s.ip;
  ip.headerLength = headerLength;
  ip.dscp = bytes[offset + 1] >>> 2;
  ip.ecn = bytes[offset + 1] & 3;
  ip.totalLength = totalLength;
  ip.identification = u16(bytes, offset + 4);
  ip.reservedFlag = (flagsFrag & 0x8000) !== 0;
  ip.dontFragment = (flagsFrag & 0x4000) !== 0;
  ip.moreFragments = (flagsFrag & 0x2000) !== 0;
  ip.fragmentOffset = flagsFrag & 0x1fff;
  ip.ttl = bytes[offset + 8];
  ip.protocol = bytes[offset + 9];
  ip.checksum = u16(bytes, offset + 10);
  ip.checksumValid = internetChecksum(bytes, offset, offset + headerLength) === 0;
  ip.src = u32(bytes, offset + 12);
  ip.dst = u32(bytes, offset + 16);
  ip.options = headerLength > IPV4_MIN_HEADER ? bytes.subarray(offset + IPV4_MIN_HEADER, offset + headerLength) : EMPTY;
  const p = s.packet;
  p.ip = ip;
  p.protocol = ip.protocol;
  p.payloadOffset = offset + headerLength;
  p.payloadLength = totalLength - headerLength;
  p.fragment = ip.moreFragments || ip.fragmentOffset !== 0;
  return p;
}

function decodeIpv6(bytes: Uint8Array, offset: number, length: number): IpPacket | DecodeFailure {
  if (length < IPV6_HEADER) return fail('truncated', `IPv6 packet of ${length} bytes, header needs 40`);
  const payloadLength = u16(bytes, offset + 4);
  if (payloadLength === 0 && bytes[offset + 6] === IpProtocol.HOPOPT) {
    return fail('unsupported-extension', 'payload length 0 with a Hop-by-Hop header: a jumbogram (RFC 2675)');
  }
  if (IPV6_HEADER + payloadLength > length) {
    return fail('truncated', `payload length ${payloadLength}, ${length - IPV6_HEADER} bytes captured`);
  }
  const end = offset + IPV6_HEADER + payloadLength;
  const nextHeader = bytes[offset + 6];
  let protocol = nextHeader;
  let at = offset + IPV6_HEADER;
  let fragment = false;
  // Walk the extension-header chain (RFC 8200 §4). Each header advances at least 8 bytes, so the walk ends.
  for (;;) {
    if (
      protocol === IpProtocol.HOPOPT ||
      protocol === IpProtocol.IPV6_ROUTING ||
      protocol === IpProtocol.IPV6_DSTOPTS ||
      protocol === 135 /* Mobility */ ||
      protocol === 139 /* HIP */ ||
      protocol === 140 /* Shim6 */
    ) {
      if (at + 2 > end) return fail('truncated', `extension header ${protocol} runs past the payload`);
      const extLen = (bytes[at + 1] + 1) * 8;
      if (at + extLen > end) return fail('truncated', `extension header ${protocol} of ${extLen} bytes runs past the payload`);
      protocol = bytes[at];
      at += extLen;
    } else if (protocol === IpProtocol.IPV6_FRAGMENT) {
      if (at + 8 > end) return fail('truncated', 'Fragment header runs past the payload');
      const offsetFlags = u16(bytes, at + 2);
      // An atomic fragment (offset 0, M clear) is a whole packet (RFC 6946).
      if ((offsetFlags & 0xfff9) !== 0) fragment = true;
      protocol = bytes[at];
      at += 8;
    } else if (protocol === IpProtocol.AH) {
      if (at + 2 > end) return fail('truncated', 'AH header runs past the payload');
      const extLen = (bytes[at + 1] + 2) * 4; // RFC 4302 §2.2: in 4-byte units, minus 2
      if (at + extLen > end) return fail('truncated', 'AH header runs past the payload');
      protocol = bytes[at];
      at += extLen;
    } else if (protocol === IpProtocol.ESP) {
      return fail('unsupported-extension', 'ESP: the upper layer is encrypted');
    } else {
      break;
    }
    if (fragment) break;
  }
  const vtf = u32(bytes, offset);
  const trafficClass = (vtf >>> 20) & 0xff;
  const ip: Ipv6Header = {
    ok: true,
    version: 6,
    trafficClass,
    dscp: trafficClass >>> 2,
    ecn: trafficClass & 3,
    flowLabel: vtf & 0xfffff,
    payloadLength,
    nextHeader,
    hopLimit: bytes[offset + 7],
    src: bytes.subarray(offset + 8, offset + 24),
    dst: bytes.subarray(offset + 24, offset + 40),
    extensionHeaders: at > offset + IPV6_HEADER ? bytes.subarray(offset + IPV6_HEADER, at) : EMPTY,
  };
  return { ok: true, ip, protocol, payloadOffset: at, payloadLength: end - at, fragment };
}



export interface Ipv4Fields {
  src: number;
  dst: number;
  protocol: number;
  ttl?: number;
  dscp?: number;
  ecn?: number;
  identification?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  reservedFlag?: boolean;
  fragmentOffset?: number;
  options?: Uint8Array;
}

export interface Ipv6Fields {
  src: Uint8Array;
  dst: Uint8Array;
  /** The upper-layer protocol. */
  protocol: number;
  hopLimit?: number;
  dscp?: number;
  ecn?: number;
  flowLabel?: number;
  /** Extension header bytes to place before the upper layer; `nextHeader` then names the first. */
  extensionHeaders?: Uint8Array;
  nextHeader?: number;
}

export const DEFAULT_TTL = 64;

export function ipv4HeaderLength(f: Pick<Ipv4Fields, 'options'>): number {
  const optLen = f.options?.length ?? 0;
  if (optLen % 4 !== 0 || optLen > 40) throw new RangeError(`IPv4 options must be a multiple of 4 up to 40 bytes, got ${optLen}`);
  return IPV4_MIN_HEADER + optLen;
}

/**
 * Write an IPv4 header (checksum computed) for `payloadLength` bytes of upper-layer data. Returns its
 * length. `protocol` overrides `f.protocol` (so callers need not copy the fields to set it). A field
 * that does not fit its bits throws a TypeError or RangeError naming it (see checkIpv4Fields).
 */
export function encodeIpv4Header(
  f: Omit<Ipv4Fields, 'protocol'> & { protocol?: number },
  payloadLength: number,
  out: Uint8Array,
  offset = 0,
  protocol = f.protocol ?? IpProtocol.TCP,
): number {
  checkIpv4Fields(f, 'encodeIpv4Header', '');
  checkIpArguments(protocol, payloadLength, out, offset, 'encodeIpv4Header');
  checkRoom(out, offset, ipv4HeaderLength(f), 'encodeIpv4Header', 'the header');
  return writeIpv4Header(f, payloadLength, out, offset, protocol);
}

/** encodeIpv4Header without the checks, for callers that made them. */
export function writeIpv4Header(f: Omit<Ipv4Fields, 'protocol'>, payloadLength: number, out: Uint8Array, offset: number, protocol: number): number {
  const headerLength = ipv4HeaderLength(f);
  const totalLength = headerLength + payloadLength;
  if (totalLength > 0xffff) throw new RangeError(`IPv4 total length ${totalLength} exceeds 65535`);
  out[offset] = 0x40 | (headerLength >>> 2);
  out[offset + 1] = ((f.dscp ?? 0) << 2) | ((f.ecn ?? 0) & 3);
  put16(out, offset + 2, totalLength);
  put16(out, offset + 4, f.identification ?? 0);
  put16(
    out,
    offset + 6,
    (f.reservedFlag ? 0x8000 : 0) |
      ((f.dontFragment ?? true) ? 0x4000 : 0) |
      (f.moreFragments ? 0x2000 : 0) |
      ((f.fragmentOffset ?? 0) & 0x1fff),
  );
  out[offset + 8] = f.ttl ?? DEFAULT_TTL;
  out[offset + 9] = protocol;
  put16(out, offset + 10, 0);
  put32(out, offset + 12, f.src);
  put32(out, offset + 16, f.dst);
  if (f.options && f.options.length) out.set(f.options, offset + IPV4_MIN_HEADER);
  put16(out, offset + 10, internetChecksum(out, offset, offset + headerLength));
  return headerLength;
}

export function ipv6HeaderLength(f: Pick<Ipv6Fields, 'extensionHeaders'>): number {
  return IPV6_HEADER + (f.extensionHeaders?.length ?? 0);
}

/**
 * Write an IPv6 header (and any extension headers) for `upperLength` bytes of upper-layer data.
 * Returns its length. `protocol` overrides `f.protocol`. A field that does not fit its bits throws a
 * TypeError or RangeError naming it (see checkIpv6Fields).
 */
export function encodeIpv6Header(
  f: Omit<Ipv6Fields, 'protocol'> & { protocol?: number },
  upperLength: number,
  out: Uint8Array,
  offset = 0,
  protocol = f.protocol ?? IpProtocol.TCP,
): number {
  checkIpv6Fields(f, 'encodeIpv6Header', '');
  checkIpArguments(protocol, upperLength, out, offset, 'encodeIpv6Header');
  checkRoom(out, offset, ipv6HeaderLength(f), 'encodeIpv6Header', 'the header');
  return writeIpv6Header(f, upperLength, out, offset, protocol);
}

/** encodeIpv6Header without the checks, for callers that made them. */
export function writeIpv6Header(f: Omit<Ipv6Fields, 'protocol'>, upperLength: number, out: Uint8Array, offset: number, protocol: number): number {
  const ext = f.extensionHeaders;
  const extLen = ext?.length ?? 0;
  const payloadLength = extLen + upperLength;
  if (payloadLength > 0xffff) throw new RangeError(`IPv6 payload length ${payloadLength} exceeds 65535 (jumbograms unsupported)`);
  const tc = ((f.dscp ?? 0) << 2) | ((f.ecn ?? 0) & 3);
  put32(out, offset, ((6 << 28) | (tc << 20) | ((f.flowLabel ?? 0) & 0xfffff)) >>> 0);
  put16(out, offset + 4, payloadLength);
  out[offset + 6] = extLen ? (f.nextHeader ?? protocol) : protocol;
  out[offset + 7] = f.hopLimit ?? DEFAULT_TTL;
  out.set(f.src, offset + 8);
  out.set(f.dst, offset + 24);
  if (ext && extLen) out.set(ext, offset + IPV6_HEADER);
  return IPV6_HEADER + extLen;
}

function checkIpArguments(protocol: number, length: number, out: Uint8Array, offset: number, where: string): void {
  if ((protocol & 0xff) !== protocol) throw fieldError(where, 'protocol', protocol, U8);
  if (!Number.isInteger(length) || length < 0) throw fieldError(where, 'payload length', length, 'a non-negative integer');
  checkBytes(out, where, 'out');
  if (!Number.isInteger(offset) || offset < 0) throw fieldError(where, 'offset', offset, 'a non-negative integer');
}

/**
 * Throws a TypeError or RangeError naming the field (`path` + its name) unless each fits its bits
 * (RFC 791 §3.1, RFC 2474 for DSCP, RFC 3168 for ECN): addresses as numbers in [0, 2^32), TTL and
 * protocol 8 bits, DSCP 6, ECN 2, identification 16, fragment offset 13, options as bytes.
 */
export function checkIpv4Fields(f: Omit<Ipv4Fields, 'protocol'> & { protocol?: number }, where: string, path: string): void {
  if (typeof f !== 'object' || f === null) checkObject(f, where, path === '' ? 'fields' : path.slice(0, -1));
  if (typeof f.src !== 'number' || f.src >>> 0 !== f.src) checkIpv4Address(f.src, where, path + 'src');
  if (typeof f.dst !== 'number' || f.dst >>> 0 !== f.dst) checkIpv4Address(f.dst, where, path + 'dst');
  if (f.ttl !== undefined && (f.ttl & 0xff) !== f.ttl) throw fieldError(where, path + 'ttl', f.ttl, U8);
  if (f.dscp !== undefined && (f.dscp & 0x3f) !== f.dscp) throw fieldError(where, path + 'dscp', f.dscp, 'an integer in [0, 63]');
  if (f.ecn !== undefined && (f.ecn & 3) !== f.ecn) throw fieldError(where, path + 'ecn', f.ecn, 'an integer in [0, 3]');
  if (f.identification !== undefined && (f.identification & 0xffff) !== f.identification) {
    throw fieldError(where, path + 'identification', f.identification, U16);
  }
  if (f.fragmentOffset !== undefined && (f.fragmentOffset & 0x1fff) !== f.fragmentOffset) {
    throw fieldError(where, path + 'fragmentOffset', f.fragmentOffset, 'an integer in [0, 8191] (8-byte units)');
  }
  if (f.protocol !== undefined && (f.protocol & 0xff) !== f.protocol) throw fieldError(where, path + 'protocol', f.protocol, U8);
  if (f.options !== undefined && !(f.options instanceof Uint8Array)) checkBytes(f.options, where, path + 'options');
}

/**
 * Throws a TypeError or RangeError naming the field unless each fits its bits (RFC 8200 §3):
 * addresses as 16 bytes, hop limit and next header 8 bits, DSCP 6, ECN 2, flow label 20, extension
 * headers as bytes.
 */
export function checkIpv6Fields(f: Omit<Ipv6Fields, 'protocol'> & { protocol?: number }, where: string, path: string): void {
  if (typeof f !== 'object' || f === null) checkObject(f, where, path === '' ? 'fields' : path.slice(0, -1));
  if (!(f.src instanceof Uint8Array) || f.src.length !== 16) checkIpv6Address(f.src, where, path + 'src');
  if (!(f.dst instanceof Uint8Array) || f.dst.length !== 16) checkIpv6Address(f.dst, where, path + 'dst');
  if (f.hopLimit !== undefined && (f.hopLimit & 0xff) !== f.hopLimit) throw fieldError(where, path + 'hopLimit', f.hopLimit, U8);
  if (f.dscp !== undefined && (f.dscp & 0x3f) !== f.dscp) throw fieldError(where, path + 'dscp', f.dscp, 'an integer in [0, 63]');
  if (f.ecn !== undefined && (f.ecn & 3) !== f.ecn) throw fieldError(where, path + 'ecn', f.ecn, 'an integer in [0, 3]');
  if (f.flowLabel !== undefined && (f.flowLabel & 0xfffff) !== f.flowLabel) throw fieldError(where, path + 'flowLabel', f.flowLabel, 'an integer in [0, 1048575]');
  if (f.nextHeader !== undefined && (f.nextHeader & 0xff) !== f.nextHeader) throw fieldError(where, path + 'nextHeader', f.nextHeader, U8);
  if (f.protocol !== undefined && (f.protocol & 0xff) !== f.protocol) throw fieldError(where, path + 'protocol', f.protocol, U8);
  if (f.extensionHeaders !== undefined && !(f.extensionHeaders instanceof Uint8Array)) checkBytes(f.extensionHeaders, where, path + 'extensionHeaders');
}
