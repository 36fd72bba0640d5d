/**
 * IPv6 neighbour discovery (RFC 4861 §4): router solicitation and advertisement, neighbour
 * solicitation and advertisement, redirect, and their options (§4.6): source and target link-layer
 * address, prefix information, redirected header, MTU. They are ICMPv6 messages (types 133-137),
 * checksummed over the IPv6 pseudo-header as every ICMPv6 message is (RFC 4443 §2.3).
 *
 * The decoder reads the format; the validity checks that need the stack's context (hop limit 255,
 * source address rules, §6.1 and §7.1) are the receiver's, so the decoded message carries the hop
 * limit and checksum verdict for it to judge. What the format itself forbids is refused here: an
 * option of length zero (§4.6: "MUST silently discard"), an option past the end, a message shorter
 * than its fixed part.
 *
 * Also here: the solicited-node multicast address (RFC 4291 §2.7.1) and the Ethernet multicast
 * address of an IPv6 multicast address (RFC 2464 §7), which neighbour solicitations are sent to.
 */
import { concatBytes, u16, u32, put16, put32 } from './bytes.js';
import { checkBytes, checkIpv6Address, checkObject, fieldError, typeError, U16, U32, U8 } from './checks.js';
import { checksumFinish, foldSum, onesSum, pseudoHeaderSumV6 } from './checksum.js';
import { fail, type DecodeFailure } from './errors.js';
import { checkMac } from './ethernet.js';
import { decodeIp, IpProtocol, writeIpv6Header, type Ipv6Header } from './ip.js';

export const NdpType = {
  ROUTER_SOLICITATION: 133,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
  REDIRECT: 137,
} as const;

export const NdpOptionType = { SOURCE_LINK_LAYER: 1, TARGET_LINK_LAYER: 2, PREFIX_INFORMATION: 3, REDIRECTED_HEADER: 4, MTU: 5 } as const;

/** ff02::1 and ff02::2 (RFC 4291 §2.7.1). */
export const ALL_NODES: Uint8Array = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
export const ALL_ROUTERS: Uint8Array = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2);
/** RFC 4861 §6.1.1, §7.1.1: ND messages are sent, and accepted, only with hop limit 255. */
export const NDP_HOP_LIMIT = 255;

/** ff02::1:ffXX:XXXX: the low 24 bits of `addr` under the solicited-node prefix (RFC 4291 §2.7.1). */
export function solicitedNodeAddress(addr: Uint8Array): Uint8Array {
  checkIpv6Address(addr, 'solicitedNodeAddress', 'addr');
  return Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, addr[13], addr[14], addr[15]);
}

/** 33:33 and the address's last four bytes: where an IPv6 multicast goes on Ethernet (RFC 2464 §7). */
export function ipv6MulticastMac(addr: Uint8Array): Uint8Array {
  checkIpv6Address(addr, 'ipv6MulticastMac', 'addr');
  return Uint8Array.of(0x33, 0x33, addr[12], addr[13], addr[14], addr[15]);
}

export interface PrefixInformation {
  prefixLength: number;
  /** L: the prefix is on-link; A: hosts may form addresses from it by SLAAC (RFC 4862). */
  onLink: boolean;
  autonomous: boolean;
  /** Seconds; 0xffffffff is infinity. */
  validLifetime: number;
  preferredLifetime: number;
  prefix: Uint8Array;
}

export interface NdpOptions {
  sourceLinkLayer?: Uint8Array;
  targetLinkLayer?: Uint8Array;
  prefixes?: PrefixInformation[];
  mtu?: number;
  /** The redirected header option's data (the start of the packet that caused the redirect). */
  redirectedHeader?: Uint8Array;
  /** Options of other types, as they came (`data` is the option after its type and length bytes). */
  unknown?: { type: number; data: Uint8Array }[];
}

interface NdpBase {
  /** The code byte: 0 in every valid ND message. */
  code?: number;
  options?: NdpOptions;
}
export interface RouterSolicitation extends NdpBase {
  type: 133;
}
export interface RouterAdvertisement extends NdpBase {
  type: 134;
  curHopLimit: number;
  managed: boolean;
  other: boolean;
  /** Seconds; 0: not a default router. */
  routerLifetime: number;
  /** Milliseconds; 0: unspecified. */
  reachableTime: number;
  retransTimer: number;
}
export interface NeighborSolicitation extends NdpBase {
  type: 135;
  target: Uint8Array;
}
export interface NeighborAdvertisement extends NdpBase {
  type: 136;
  router: boolean;
  solicited: boolean;
  override: boolean;
  target: Uint8Array;
}
export interface Redirect extends NdpBase {
  type: 137;
  target: Uint8Array;
  destination: Uint8Array;
}
export type NdpMessage = RouterSolicitation | RouterAdvertisement | NeighborSolicitation | NeighborAdvertisement | Redirect;

export interface NdpPacket {
  readonly ok: true;
  ip: Ipv6Header;
  message: NdpMessage & { code: number; options: NdpOptions };
  checksumValid: boolean;
  /** The ICMPv6 message's length (its header, fixed part and options). */
  length: number;
}

/** The fixed part of each message, ICMPv6 header included (RFC 4861 §4.1-4.5). */
const FIXED: Record<number, number> = { 133: 8, 134: 16, 135: 24, 136: 24, 137: 40 };

/** Decode an IPv6 packet carrying a neighbour discovery message. */
export function decodeNdpPacket(bytes: Uint8Array, offset = 0, length = bytes.length - offset): NdpPacket | DecodeFailure {
  if (offset < 0 || length < 0 || offset + length > bytes.length) return fail('truncated', `packet of ${length} bytes at ${offset} in a buffer of ${bytes.length}`);
  const ipp = decodeIp(bytes, offset, length);
  if (!ipp.ok) return ipp;
  if (ipp.ip.version !== 6 || ipp.protocol !== IpProtocol.ICMPV6) return fail('other-protocol', `IPv${ipp.ip.version} protocol ${ipp.protocol} is not ICMPv6`);
  if (ipp.fragment) return fail('fragment', 'ICMPv6 fragment');
  const at = ipp.payloadOffset;
  const len = ipp.payloadLength;
  if (len < 4) return fail('truncated', `ICMPv6 message of ${len} bytes`);
  const type = bytes[at];
  const fixed = FIXED[type];
  if (fixed === undefined) return fail('other-protocol', `ICMPv6 type ${type} is not neighbour discovery`);
  if (len < fixed) return fail('truncated', `ICMPv6 type ${type} of ${len} bytes, needs ${fixed}`);
  const options = decodeNdpOptions(bytes, at + fixed, at + len);
  if ('ok' in options) return options;
  const ip = ipp.ip;
  const checksumValid = foldSum(onesSum(bytes, at, at + len, pseudoHeaderSumV6(ip.src, ip.dst, IpProtocol.ICMPV6, len))) === 0xffff;
  const code = bytes[at + 1];
  const addr = (i: number) => bytes.slice(at + i, at + i + 16);
  let message: NdpPacket['message'];
  switch (type) {
    case 133:
      message = { type, code, options };
      break;
    case 134:
      message = {
        type,
        code,
        curHopLimit: bytes[at + 4],
        managed: (bytes[at + 5] & 0x80) !== 0,
        other: (bytes[at + 5] & 0x40) !== 0,
        routerLifetime: u16(bytes, at + 6),
        reachableTime: u32(bytes, at + 8),
        retransTimer: u32(bytes, at + 12),
        options,
      };
      break;
    case 135:
      message = { type, code, target: addr(8), options };
      break;
    case 136:
      message = {
        type,
        code,
        router: (bytes[at + 4] & 0x80) !== 0,
        solicited: (bytes[at + 4] & 0x40) !== 0,
        override: (bytes[at + 4] & 0x20) !== 0,
        target: addr(8),
        options,
      };
      break;
    default:
      message = { type: 137, code, target: addr(8), destination: addr(24), options };
  }
  return { ok: true, ip, message, checksumValid, length: len };
}

/** The options in bytes[start, end) (RFC 4861 §4.6). */
export function decodeNdpOptions(bytes: Uint8Array, start: number, end: number): NdpOptions | DecodeFailure {
  const o: NdpOptions = {};
  let i = start;
  while (i < end) {
    if (i + 2 > end) return fail('truncated', `ND option header cut off at ${i - start}`);
    const type = bytes[i];
    const size = bytes[i + 1] * 8;
    if (size === 0) return fail('bad-length', `ND option ${type} of length 0`);
    if (i + size > end) return fail('option-overrun', `ND option ${type} of ${size} bytes runs past the message (${end - i} left)`);
    const data = bytes.subarray(i + 2, i + size);
    switch (type) {
      case NdpOptionType.SOURCE_LINK_LAYER:
      case NdpOptionType.TARGET_LINK_LAYER:
        // Over Ethernet the address is 6 bytes and the option 8 (RFC 2464 §6); other links are kept raw.
        if (size === 8) {
          if (type === 1) o.sourceLinkLayer = data.slice(0, 6);
          else o.targetLinkLayer = data.slice(0, 6);
        } else (o.unknown ??= []).push({ type, data: data.slice() });
        break;
      case NdpOptionType.PREFIX_INFORMATION:
        if (size !== 32) return fail('bad-length', `prefix information option of ${size} bytes (it has 32)`);
        if (data[0] > 128) return fail('bad-field', `prefix length ${data[0]}`);
        (o.prefixes ??= []).push({
          prefixLength: data[0],
          onLink: (data[1] & 0x80) !== 0,
          autonomous: (data[1] & 0x40) !== 0,
          validLifetime: u32(data, 2),
          preferredLifetime: u32(data, 6),
          prefix: data.slice(14, 30),
        });
        break;
      case NdpOptionType.MTU:
        if (size !== 8) return fail('bad-length', `MTU option of ${size} bytes (it has 8)`);
        o.mtu = u32(data, 2);
        break;
      case NdpOptionType.REDIRECTED_HEADER:
        o.redirectedHeader = data.slice(6);
        break;
      default:
        (o.unknown ??= []).push({ type, data: data.slice() });
    }
    i += size;
  }
  return o;
}

export interface NdpPacketSpec {
  src: Uint8Array;
  dst: Uint8Array;
  /** 255 unless given (RFC 4861: receivers drop anything else). */
  hopLimit?: number;
  message: NdpMessage;
  /** Write this checksum instead of computing it (to make a corrupt packet on purpose). */
  checksum?: number;
}

/** Build an IPv6 packet carrying a neighbour discovery message, checksum computed. Fields are checked first. */
export function encodeNdpPacket(spec: NdpPacketSpec): Uint8Array {
  const where = 'encodeNdpPacket';
  checkObject(spec, where, 'spec');
  checkIpv6Address(spec.src, where, 'src');
  checkIpv6Address(spec.dst, where, 'dst');
  if (spec.hopLimit !== undefined && (spec.hopLimit & 0xff) !== spec.hopLimit) throw fieldError(where, 'hopLimit', spec.hopLimit, U8);
  if (spec.checksum !== undefined && (spec.checksum & 0xffff) !== spec.checksum) throw fieldError(where, 'checksum', spec.checksum, U16);
  const m = spec.message;
  checkObject(m, where, 'message');
  const fixed = FIXED[m.type];
  if (fixed === undefined) throw fieldError(where, 'message.type', m.type, 'an ND message type in [133, 137]');
  if (m.code !== undefined && (m.code & 0xff) !== m.code) throw fieldError(where, 'message.code', m.code, U8);
  const options = encodeNdpOptions(m.options ?? {}, where);
  const len = fixed + options.length;
  const out = new Uint8Array(40 + len);
  writeIpv6Header({ src: spec.src, dst: spec.dst, hopLimit: spec.hopLimit ?? NDP_HOP_LIMIT }, len, out, 0, IpProtocol.ICMPV6);
  const at = 40;
  out[at] = m.type;
  out[at + 1] = m.code ?? 0;
  switch (m.type) {
    case 133:
      break;
    case 134:
      if ((m.curHopLimit & 0xff) !== m.curHopLimit) throw fieldError(where, 'message.curHopLimit', m.curHopLimit, U8);
      if ((m.routerLifetime & 0xffff) !== m.routerLifetime) throw fieldError(where, 'message.routerLifetime', m.routerLifetime, U16);
      if (m.reachableTime >>> 0 !== m.reachableTime) throw fieldError(where, 'message.reachableTime', m.reachableTime, U32);
      if (m.retransTimer >>> 0 !== m.retransTimer) throw fieldError(where, 'message.retransTimer', m.retransTimer, U32);
      out[at + 4] = m.curHopLimit;
      out[at + 5] = (m.managed ? 0x80 : 0) | (m.other ? 0x40 : 0);
      put16(out, at + 6, m.routerLifetime);
      put32(out, at + 8, m.reachableTime);
      put32(out, at + 12, m.retransTimer);
      break;
    case 135:
      checkIpv6Address(m.target, where, 'message.target');
      out.set(m.target, at + 8);
      break;
    case 136:
      checkIpv6Address(m.target, where, 'message.target');
      out[at + 4] = (m.router ? 0x80 : 0) | (m.solicited ? 0x40 : 0) | (m.override ? 0x20 : 0);
      out.set(m.target, at + 8);
      break;
    case 137:
      checkIpv6Address(m.target, where, 'message.target');
      checkIpv6Address(m.destination, where, 'message.destination');
      out.set(m.target, at + 8);
      out.set(m.destination, at + 24);
      break;
  }
  out.set(options, at + fixed);
  put16(out, at + 2, spec.checksum ?? checksumFinish(onesSum(out, at, at + len, pseudoHeaderSumV6(spec.src, spec.dst, IpProtocol.ICMPV6, len))));
  return out;
}

/** The options' bytes, each padded to a multiple of 8 (RFC 4861 §4.6), in type order. */
export function encodeNdpOptions(o: NdpOptions, where = 'encodeNdpOptions'): Uint8Array {
  checkObject(o, where, 'options');
  const parts: Uint8Array[] = [];
  const lla = (type: number, mac: Uint8Array | undefined, name: string) => {
    if (mac === undefined) return;
    checkMac(mac, where, `options.${name}`);
    const b = new Uint8Array(8);
    b[0] = type;
    b[1] = 1;
    b.set(mac, 2);
    parts.push(b);
  };
  lla(1, o.sourceLinkLayer, 'sourceLinkLayer');
  lla(2, o.targetLinkLayer, 'targetLinkLayer');
  (o.prefixes ?? []).forEach((p, n) => {
    const path = `options.prefixes[${n}]`;
    checkObject(p, where, path);
    if (!Number.isInteger(p.prefixLength) || p.prefixLength < 0 || p.prefixLength > 128) throw fieldError(where, `${path}.prefixLength`, p.prefixLength, 'an integer in [0, 128]');
    if (p.validLifetime >>> 0 !== p.validLifetime) throw fieldError(where, `${path}.validLifetime`, p.validLifetime, U32);
    if (p.preferredLifetime >>> 0 !== p.preferredLifetime) throw fieldError(where, `${path}.preferredLifetime`, p.preferredLifetime, U32);
    checkIpv6Address(p.prefix, where, `${path}.prefix`);
    const b = new Uint8Array(32);
    b[0] = NdpOptionType.PREFIX_INFORMATION;
    b[1] = 4;
    b[2] = p.prefixLength;
    b[3] = (p.onLink ? 0x80 : 0) | (p.autonomous ? 0x40 : 0);
    put32(b, 4, p.validLifetime);
    put32(b, 8, p.preferredLifetime);
    b.set(p.prefix, 16);
    parts.push(b);
  });
  if (o.redirectedHeader !== undefined) {
    checkBytes(o.redirectedHeader, where, 'options.redirectedHeader');
    const size = (8 + o.redirectedHeader.length + 7) & ~7;
    if (size > 255 * 8) throw new RangeError(`${where}: options.redirectedHeader of ${o.redirectedHeader.length} bytes is longer than an option holds (2032)`);
    const b = new Uint8Array(size);
    b[0] = NdpOptionType.REDIRECTED_HEADER;
    b[1] = size / 8;
    b.set(o.redirectedHeader, 8);
    parts.push(b);
  }
  if (o.mtu !== undefined) {
    if (o.mtu >>> 0 !== o.mtu) throw fieldError(where, 'options.mtu', o.mtu, U32);
    const b = new Uint8Array(8);
    b[0] = NdpOptionType.MTU;
    b[1] = 1;
    put32(b, 4, o.mtu);
    parts.push(b);
  }
  const unknown = o.unknown ?? [];
  if (!Array.isArray(unknown)) throw typeError(where, 'options.unknown', unknown, 'an array');
  unknown.forEach((u, n) => {
    if ((u.type & 0xff) !== u.type) throw fieldError(where, `options.unknown[${n}].type`, u.type, U8);
    checkBytes(u.data, where, `options.unknown[${n}].data`);
    if ((u.data.length + 2) % 8 !== 0 || u.data.length + 2 > 255 * 8) {
      throw new RangeError(`${where}: options.unknown[${n}].data must be 6, 14, 22, ... bytes (the option is a multiple of 8 with its 2-byte header), got ${u.data.length}`);
    }
    const b = new Uint8Array(u.data.length + 2);
    b[0] = u.type;
    b[1] = b.length / 8;
    b.set(u.data, 2);
    parts.push(b);
  });
  return concatBytes(parts);
}
