/** Addresses and ports, and the keys that index connections by them. */
import { ipToString, parseIp, toHex, type IpAddress } from '../wire/index.js';

export interface Endpoint {
  address: IpAddress;
  port: number;
}

/** Node's util.inspect hook, by its registered name (no node:util import: this layer runs in browsers). */
export const inspectCustom: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * What endpoints the user sees print as: the address as text in console.log / util.inspect
 * (`{ address: '198.18.0.2', port: 80 }`), JSON (the same) and strings ("198.18.0.2:80",
 * "[2001:db8::2]:80"). The fields stay the values the stack computes with (a number, 16 bytes).
 */
class PrintableEndpoint implements Endpoint {
  constructor(
    public address: IpAddress,
    public port: number,
  ) {}

  toString(): string {
    return endpointToString(this);
  }

  toJSON(): { address: string; port: number } {
    return { address: ipToString(this.address), port: this.port };
  }

  [inspectCustom](): { address: string; port: number } {
    return this.toJSON();
  }
}

/**
 * An endpoint that prints its address as text (see PrintableEndpoint): the same two fields as a
 * literal, and no larger (a class's instances are sized to their fields).
 */
export function printableEndpoint(address: IpAddress, port: number): Endpoint {
  return new PrintableEndpoint(address, port);
}

/** `e` itself when it prints as text already (the stack makes connections' endpoints so), else a printable copy. */
export function asPrintable(e: Endpoint): Endpoint {
  return e instanceof PrintableEndpoint ? e : new PrintableEndpoint(e.address, e.port);
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

/** The demultiplexing key of a connection: its 4-tuple (compact, for maps; users see Connection.key). */
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
