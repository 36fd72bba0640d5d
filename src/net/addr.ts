/** Address helpers the network layer shares: the wire's text forms, and comparisons across families. */
import { ipToString, parseIp, type IpAddress } from '../wire/address.js';

export { ipToString, parseIp, type IpAddress };

export function sameFamily(a: IpAddress, b: IpAddress): boolean {
  return (typeof a === 'number') === (typeof b === 'number');
}

export function sameAddr(a: IpAddress, b: IpAddress): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function familyOf(a: IpAddress): 4 | 6 {
  return typeof a === 'number' ? 4 : 6;
}

export function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}
