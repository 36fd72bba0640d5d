/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): the messages a TCP/IP host needs: echo, destination
 * unreachable, packet too big (and IPv4's "fragmentation needed"), time exceeded, with the quoted
 * header of the packet that caused an error.
 */
import { onesSum, checksumFinish, pseudoHeaderSumV6 } from './checksum.js';
import { u16, u32, put16, put32 } from './bytes.js';
import { fail, type DecodeFailure } from './errors.js';
import { IpProtocol, writeIpv4Header, writeIpv6Header, type IpPacket } from './ip.js';
import { checkBytes, checkIpv4Address, checkIpv6Address, checkObject, fieldError, U32, U8 } from './checks.js';

export const Icmp4Type = { ECHO_REPLY: 0, DEST_UNREACHABLE: 3, ECHO_REQUEST: 8, TIME_EXCEEDED: 11 } as const;
export const Icmp6Type = { DEST_UNREACHABLE: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, ECHO_REQUEST: 128, ECHO_REPLY: 129 } as const;
/** ICMPv4 destination-unreachable code 4: fragmentation needed and DF set (RFC 1191's PTB). */
export const ICMP4_FRAG_NEEDED = 4;

/** What an ICMP error means for a transport connection. */
export type IcmpErrorKind =
  /** The peer's host or port says no (port/protocol unreachable): hard in SYN-SENT (RFC 5461). */
  | 'unreachable-hard'
  /** Network/host unreachable, prohibited, time exceeded: worth reporting, not fatal (RFC 5461). */
  | 'unreachable-soft'
  /** The path MTU is smaller than what we sent (RFC 1191, RFC 8201). */
  | 'packet-too-big';

/** What an ICMP error quotes of the packet that caused it. */
export interface IcmpQuoted {
  version: 4 | 6;
  protocol: number;
  src: number | Uint8Array;
  dst: number | Uint8Array;
  srcPort: number;
  dstPort: number;
  seq: number;
}

export interface IcmpMessage {
  readonly ok: true;
  version: 4 | 6;
  type: number;
  code: number;
  checksumValid: boolean;
  /** Echo: identifier and sequence number. */
  identifier: number;
  sequence: number;
  /** Packet too big / fragmentation needed: the next-hop MTU (0 if the sender gave none). */
  mtu: number;
  /** For errors: what it means for TCP, and the quoted packet (its IP header and first bytes). */
  error?: IcmpErrorKind;
  quoted?: IcmpQuoted;
  /** Where the ICMP message starts and its length (to echo the body back). */
  offset: number;
  length: number;
}

/** Classify an error by type and code (RFC 5461 for which errors are hard). */
function classify(version: 4 | 6, type: number, code: number): IcmpErrorKind | undefined {
  if (version === 4) {
    if (type === Icmp4Type.DEST_UNREACHABLE) {
      if (code === ICMP4_FRAG_NEEDED) return 'packet-too-big';
      return code === 2 || code === 3 ? 'unreachable-hard' : 'unreachable-soft';
    }
    if (type === Icmp4Type.TIME_EXCEEDED) return 'unreachable-soft';
    return undefined;
  }
  if (type === Icmp6Type.PACKET_TOO_BIG) return 'packet-too-big';
  if (type === Icmp6Type.DEST_UNREACHABLE) return code === 4 ? 'unreachable-hard' : 'unreachable-soft';
  if (type === Icmp6Type.TIME_EXCEEDED) return 'unreachable-soft';
  return undefined;
}

/** Decode the ICMP or ICMPv6 message carried by an IP packet already decoded by `decodeIp`. */
export function decodeIcmp(bytes: Uint8Array, ipp: IpPacket): IcmpMessage | DecodeFailure {
  const version = ipp.ip.version;
  const want = version === 4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
  if (ipp.protocol !== want) return fail('not-tcp', `IP protocol ${ipp.protocol} is not ICMP`);
  if (ipp.fragment) return fail('fragment', 'ICMP fragment');
  const at = ipp.payloadOffset;
  const len = ipp.payloadLength;
  if (len < 8) return fail('truncated', `ICMP message of ${len} bytes`);
  const pseudo = ipp.ip.version === 6 ? pseudoHeaderSumV6(ipp.ip.src, ipp.ip.dst, IpProtocol.ICMPV6, len) : 0;
  const type = bytes[at];
  const code = bytes[at + 1];
  const msg: IcmpMessage = {
    ok: true,
    version,
    type,
    code,
    checksumValid: checksumFinish(onesSum(bytes, at, at + len, pseudo)) === 0,
    identifier: u16(bytes, at + 4),
    sequence: u16(bytes, at + 6),
    mtu: version === 4 ? u16(bytes, at + 6) : u32(bytes, at + 4),
    offset: at,
    length: len,
  };
  const error = classify(version, type, code);
  if (error) {
    msg.error = error;
    // The quoted packet: its IP header and at least the first 8 bytes of TCP (ports and sequence number).
    const inner = decodeIpQuoted(bytes, at + 8, len - 8);
    if (inner) msg.quoted = inner;
  }
  return msg;
}

/** The quoted packet's addresses, protocol, ports and sequence number (it is usually cut short, so read by hand). */
function decodeIpQuoted(bytes: Uint8Array, at: number, len: number): IcmpQuoted | undefined {
  if (len < 1) return undefined;
  const version = bytes[at] >>> 4;
  let t: number;
  let quoted: Omit<IcmpQuoted, 'srcPort' | 'dstPort' | 'seq'>;
  if (version === 4) {
    const ihl = (bytes[at] & 0x0f) * 4;
    if (ihl < 20 || len < ihl + 8) return undefined;
    quoted = { version: 4, protocol: bytes[at + 9], src: u32(bytes, at + 12), dst: u32(bytes, at + 16) };
    t = at + ihl;
  } else if (version === 6) {
    if (len < 48) return undefined;
    quoted = { version: 6, protocol: bytes[at + 6], src: bytes.slice(at + 8, at + 24), dst: bytes.slice(at + 24, at + 40) };
    t = at + 40;
  } else {
    return undefined;
  }
  return { ...quoted, srcPort: u16(bytes, t), dstPort: u16(bytes, t + 2), seq: u32(bytes, t + 4) };
}

export interface IcmpBuildSpec {
  src: number | Uint8Array;
  dst: number | Uint8Array;
  type: number;
  code: number;
  /** Bytes 4..7 of the ICMP header (identifier/sequence, MTU, or unused). */
  rest: number;
  body: Uint8Array;
  ttl?: number;
}

/** Build a whole IP packet carrying an ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses) message. */
export function encodeIcmpPacket(spec: IcmpBuildSpec): Uint8Array {
  checkIcmpSpec(spec, 'encodeIcmpPacket');
  const v6 = typeof spec.src !== 'number';
  const icmpLen = 8 + spec.body.length;
  const ipLen = v6 ? 40 : 20;
  const out = new Uint8Array(ipLen + icmpLen);
  if (v6) {
    writeIpv6Header({ src: spec.src as Uint8Array, dst: spec.dst as Uint8Array, hopLimit: spec.ttl ?? 64 }, icmpLen, out, 0, IpProtocol.ICMPV6);
  } else {
    writeIpv4Header({ src: spec.src as number, dst: spec.dst as number, ttl: spec.ttl ?? 64 }, icmpLen, out, 0, IpProtocol.ICMP);
  }
  out[ipLen] = spec.type;
  out[ipLen + 1] = spec.code;
  put32(out, ipLen + 4, spec.rest);
  out.set(spec.body, ipLen + 8);
  const pseudo = v6 ? pseudoHeaderSumV6(spec.src as Uint8Array, spec.dst as Uint8Array, IpProtocol.ICMPV6, icmpLen) : 0;
  put16(out, ipLen + 2, checksumFinish(onesSum(out, ipLen, ipLen + icmpLen, pseudo)));
  return out;
}

/**
 * Throws a TypeError or RangeError naming the field unless the spec can be encoded: both addresses of
 * one family (numbers in [0, 2^32) or 16 bytes), type, code and TTL 8 bits, `rest` 32, body as bytes.
 */
function checkIcmpSpec(spec: IcmpBuildSpec, where: string): void {
  checkObject(spec, where, 'spec');
  if (typeof spec.src === 'number') {
    checkIpv4Address(spec.src, where, 'src');
    checkIpv4Address(spec.dst, where, 'dst');
  } else {
    checkIpv6Address(spec.src, where, 'src');
    checkIpv6Address(spec.dst, where, 'dst');
  }
  if ((spec.type & 0xff) !== spec.type) throw fieldError(where, 'type', spec.type, U8);
  if ((spec.code & 0xff) !== spec.code) throw fieldError(where, 'code', spec.code, U8);
  if (spec.rest >>> 0 !== spec.rest) throw fieldError(where, 'rest', spec.rest, U32);
  if (spec.ttl !== undefined && (spec.ttl & 0xff) !== spec.ttl) throw fieldError(where, 'ttl', spec.ttl, U8);
  checkBytes(spec.body, where, 'body');
}

/** The echo reply for an echo request (RFC 792; RFC 4443 §4.2): same identifier, sequence and data. */
export function echoReplyFor(bytes: Uint8Array, ipp: IpPacket, msg: IcmpMessage): Uint8Array {
  const ip = ipp.ip;
  return encodeIcmpPacket({
    src: ip.dst,
    dst: ip.src,
    type: msg.version === 4 ? Icmp4Type.ECHO_REPLY : Icmp6Type.ECHO_REPLY,
    code: 0,
    rest: ((msg.identifier << 16) | msg.sequence) >>> 0,
    body: bytes.subarray(msg.offset + 8, msg.offset + msg.length),
  });
}
