/** Addresses and ports, and the keys that index connections by them. */
import { ipToString, parseIp, toHex, type IpAddress } from '../wire/index.js';

export interface Endpoint {
  address: IpAddress;
  port: number;
}

/** A map key for an address: IPv4 as its number, IPv6 as hex. */
export function addressKey(a: IpAddress): string {
  return typeof a === 'number' ? String(a) : toHex(a);
}

export function sameAddress(a: IpAddress, b: IpAddress): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The demultiplexing key of a connection: its 4-tuple. */
export function connectionKey(local: Endpoint, remote: Endpoint): string {
  return `${addressKey(remote.address)}:${remote.port}>${addressKey(local.address)}:${local.port}`;
}

/** "198.18.0.1:80" or "[2001:db8::1]:80". */
export function endpointToString(e: Endpoint): string {
  const a = ipToString(e.address);
  return typeof e.address === 'number' ? `${a}:${e.port}` : `[${a}]:${e.port}`;
}

/** Parse an address given as text or as a value; throws a RangeError naming the text when it is neither. */
export function toAddress(a: string | IpAddress): IpAddress {
  if (typeof a !== 'string') return a;
  const parsed = parseIp(a);
  if (parsed === undefined) throw new RangeError(`not an IP address: ${a}`);
  return parsed;
}
