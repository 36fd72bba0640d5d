/**
 * Addresses with a prefix length ("198.18.0.1/24", "2001:db8::1/64") and the bit tests a routing
 * table and an interface need: is an address inside a prefix, what is a subnet's broadcast address,
 * which IPv6 addresses are link-local or multicast (RFC 4291 §2.4), and IPv6 interface identifiers
 * from a MAC address (modified EUI-64, RFC 4291 Appendix A).
 */
import { ipToString, parseIp, type IpAddress } from '../wire/address.js';

export interface Prefix {
  address: IpAddress;
  length: number;
}

/** Parse "a.b.c.d/n" or "x::y/n"; an address without "/n" is a host prefix (/32, /128). Undefined if not one. */
export function parsePrefix(text: string): Prefix | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.lastIndexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const max = typeof address === 'number' ? 32 : 128;
  if (slash < 0) return { address, length: max };
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const length = Number(lenText);
  if (length > max) return undefined;
  return { address, length };
}

export function prefixToString(p: Prefix): string {
  return `${ipToString(p.address)}/${p.length}`;
}

/** The IPv4 netmask of a prefix length, as an unsigned number (0 for /0). */
export function maskV4(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** Whether `addr` lies in `prefix/length` (families must agree; different families never match). */
export function inPrefix(addr: IpAddress, prefix: IpAddress, length: number): boolean {
  if (typeof addr === 'number') {
    if (typeof prefix !== 'number') return false;
    const m = maskV4(length);
    return ((addr & m) >>> 0) === ((prefix & m) >>> 0);
  }
  if (typeof prefix === 'number') return false;
  const whole = length >>> 3;
  for (let i = 0; i < whole; i++) if (addr[i] !== prefix[i]) return false;
  const bits = length & 7;
  if (bits === 0) return true;
  const m = (0xff << (8 - bits)) & 0xff;
  return (addr[whole] & m) === (prefix[whole] & m);
}

/** The prefix's first address (host bits cleared). */
export function networkOf(addr: IpAddress, length: number): IpAddress {
  if (typeof addr === 'number') return (addr & maskV4(length)) >>> 0;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, length - 8 * i));
    out[i] = addr[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** The directed broadcast address of an IPv4 subnet (RFC 919; none for /31 and /32, RFC 3021). */
export function broadcastOf(addr: number, length: number): number | undefined {
  if (length >= 31) return undefined;
  return (addr | ~maskV4(length)) >>> 0;
}

export const LIMITED_BROADCAST = 0xffffffff;

/** fe80::/10 (RFC 4291 §2.5.6). */
export function isLinkLocal6(a: Uint8Array): boolean {
  return a[0] === 0xfe && (a[1] & 0xc0) === 0x80;
}

export function isMulticast6(a: Uint8Array): boolean {
  return a[0] === 0xff;
}

export function isUnspecified6(a: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== 0) return false;
  return true;
}

/** 224.0.0.0/4 (RFC 5771). */
export function isMulticast4(a: number): boolean {
  return a >>> 28 === 0xe;
}

/**
 * The modified EUI-64 interface identifier of a 48-bit MAC (RFC 4291 Appendix A): ff:fe in the
 * middle, the universal/local bit inverted. synack forms SLAAC and link-local addresses with it: it
 * is what a reader can check by eye against the MAC, and synack's MACs are its own to choose.
 */
export function eui64InterfaceId(mac: Uint8Array): Uint8Array {
  return Uint8Array.of(mac[0] ^ 0x02, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]);
}

/** The first 64 bits of `prefix` and the 64-bit interface identifier `iid`. */
export function withInterfaceId(prefix: Uint8Array, iid: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(prefix.subarray(0, 8), 0);
  out.set(iid, 8);
  return out;
}

/** fe80::/64 with the MAC's EUI-64 identifier (RFC 4862 §5.3). */
export function linkLocalFor(mac: Uint8Array): Uint8Array {
  return withInterfaceId(Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0), eui64InterfaceId(mac));
}

/** A map key for an address (numbers and byte arrays alike). */
export function addrKey(a: IpAddress): string {
  return typeof a === 'number' ? `4:${a}` : `6:${ipToString(a)}`;
}
