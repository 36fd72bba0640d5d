/**
 * The ICMP errors a network layer sends about packets it cannot deliver or forward, and the rules
 * for when it must stay silent.
 *
 * Never an error about (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7, RFC 4443 §2.4(e)): an ICMP error message;
 * a packet sent to a broadcast or multicast address, or as a link-layer broadcast (IPv6's packet too
 * big and parameter problem code 2 excepted); an IPv4 fragment other than the first; a packet whose
 * source does not name one host (unspecified, broadcast, multicast). Errors are rate-limited (RFC
 * 1812 §4.3.2.8, RFC 4443 §2.4(f) MUST) by a token bucket: Linux's icmp_msgs_per_sec (1000) and
 * icmp_msgs_burst (50).
 */
import { encodeIcmpPacket, ICMP4_FRAG_NEEDED, Icmp4Type, Icmp6Type } from '../wire/icmp.js';
import { IpProtocol, type IpPacket } from '../wire/ip.js';
import type { IpAddress } from '../wire/address.js';
import { isMulticast4, isMulticast6, isUnspecified6, LIMITED_BROADCAST } from './prefix.js';

/** ICMPv4 destination unreachable codes (RFC 792, RFC 1812 §5.2.7.1). */
export const Unreach4 = { NET: 0, HOST: 1, PROTOCOL: 2, PORT: 3, FRAG_NEEDED: ICMP4_FRAG_NEEDED } as const;
/** ICMPv6 destination unreachable codes (RFC 4443 §3.1). */
export const Unreach6 = { NO_ROUTE: 0, ADDRESS: 3, PORT: 4 } as const;
/** ICMPv6 parameter problem (RFC 4443 §3.4): type 4, code 1 "unrecognized Next Header type". */
export const ICMP6_PARAM_PROBLEM = 4;
export const PARAM_PROBLEM_NEXT_HEADER = 1;

export type IcmpErrorKind = 'time-exceeded' | 'too-big' | 'net-unreachable' | 'host-unreachable' | 'protocol-unreachable';

/** RFC 1812 §4.3.2.3: at most 576 bytes in all for IPv4; RFC 4443 §2.4(c): at most the IPv6 minimum MTU, 1280. */
const MAX_ICMP4 = 576;
const MAX_ICMP6 = 1280;

export class IcmpRateLimit {
  private tokens: number;
  private last: number | undefined;

  constructor(
    readonly perSecond = 1000,
    readonly burst = 50,
  ) {
    this.tokens = burst;
  }

  take(now: number): boolean {
    if (this.last !== undefined) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Whether an error about this packet may be sent at all (the rules above, rate limit aside).
 * `broadcast`: it came as a link-layer broadcast, or to a broadcast address of ours.
 */
export function mayAnswerWithError(bytes: Uint8Array, ipp: IpPacket, kind: IcmpErrorKind, broadcast: boolean): boolean {
  const ip = ipp.ip;
  if (ip.version === 4) {
    if (broadcast || ip.dst === LIMITED_BROADCAST || isMulticast4(ip.dst)) return false;
    if (ip.src === 0 || ip.src === LIMITED_BROADCAST || isMulticast4(ip.src)) return false;
    if (ip.fragmentOffset !== 0) return false;
    if (ipp.protocol === IpProtocol.ICMP) {
      // Errors are answered to queries only: echo (8), echo reply (0), timestamp (13, 14), ...
      const t = ipp.payloadLength > 0 ? bytes[ipp.payloadOffset] : 3;
      if (t === 3 || t === 4 || t === 5 || t === 11 || t === 12) return false;
    }
    return true;
  }
  if (isUnspecified6(ip.src) || isMulticast6(ip.src)) return false;
  if ((broadcast || isMulticast6(ip.dst)) && kind !== 'too-big') return false;
  if (ipp.protocol === IpProtocol.ICMPV6) {
    const t = ipp.payloadLength > 0 ? bytes[ipp.payloadOffset] : 1;
    if (t < 128) return false;
  }
  return true;
}

/**
 * The error packet about `bytes` (a whole IP packet, as received), from `src` (our address on the
 * interface it came in by). `mtu` for 'too-big'.
 */
export function icmpErrorFor(bytes: Uint8Array, ipp: IpPacket, kind: IcmpErrorKind, src: IpAddress, mtu = 0): Uint8Array {
  const v4 = ipp.ip.version === 4;
  const dst = ipp.ip.src;
  const end = ipp.ip.version === 4 ? ipp.ip.totalLength : 40 + ipp.ip.payloadLength;
  const room = (v4 ? MAX_ICMP4 - 28 : MAX_ICMP6 - 48);
  const body = bytes.subarray(0, Math.min(end, room, bytes.length));
  let type: number;
  let code = 0;
  let rest = 0;
  switch (kind) {
    case 'time-exceeded':
      type = v4 ? Icmp4Type.TIME_EXCEEDED : Icmp6Type.TIME_EXCEEDED;
      break;
    case 'too-big':
      type = v4 ? Icmp4Type.DEST_UNREACHABLE : Icmp6Type.PACKET_TOO_BIG;
      code = v4 ? Unreach4.FRAG_NEEDED : 0;
      rest = v4 ? mtu & 0xffff : mtu >>> 0;
      break;
    case 'net-unreachable':
      type = v4 ? Icmp4Type.DEST_UNREACHABLE : Icmp6Type.DEST_UNREACHABLE;
      code = v4 ? Unreach4.NET : Unreach6.NO_ROUTE;
      break;
    case 'host-unreachable':
      type = v4 ? Icmp4Type.DEST_UNREACHABLE : Icmp6Type.DEST_UNREACHABLE;
      code = v4 ? Unreach4.HOST : Unreach6.ADDRESS;
      break;
    case 'protocol-unreachable':
      if (v4) {
        type = Icmp4Type.DEST_UNREACHABLE;
        code = Unreach4.PROTOCOL;
      } else {
        // RFC 4443 §3.4 / RFC 8200 §4: parameter problem code 1, the pointer at the Next Header byte
        // that named the protocol (the fixed header's, offset 6, when there are no extension headers).
        type = ICMP6_PARAM_PROBLEM;
        code = PARAM_PROBLEM_NEXT_HEADER;
        rest = nextHeaderPointer(bytes, ipp);
      }
      break;
  }
  return encodeIcmpPacket({ src: src as never, dst: dst as never, type, code, rest, body, ttl: 64 });
}

/** The offset of the Next Header field that holds the upper-layer protocol number (RFC 8200 §4). */
function nextHeaderPointer(bytes: Uint8Array, ipp: IpPacket): number {
  let ptr = 6;
  let type = bytes[6];
  let at = 40;
  // Walk the chain as decodeIp did: it ends at payloadOffset, and the last field walked names the protocol.
  while (at < ipp.payloadOffset) {
    const len = type === IpProtocol.IPV6_FRAGMENT ? 8 : type === IpProtocol.AH ? (bytes[at + 1] + 2) * 4 : (bytes[at + 1] + 1) * 8;
    ptr = at;
    type = bytes[at];
    at += len;
  }
  return ptr;
}
