/**
 * Argument checks for the encoders. A header field that does not fit its bits is a programmer error
 * (DESIGN.md: programmer errors throw): writing it would wrap (a port of 70000 goes out as 4464) or
 * zero it (a string address becomes 0.0.0.0), and the packet would be wrong in a way nobody sees.
 * The checks run on every packet the stack sends, so each is an integer comparison
 * (`(v & 0xffff) === v` holds only for an integer number in [0, 65535]; `undefined`, NaN, a string or
 * a fraction all fail it), and the message is built only when one fails.
 *
 * Errors name the function, the field (as a path: `tcp.srcPort`), the allowed range and the value:
 * a TypeError when the value is not of the field's type, a RangeError when it is out of range.
 */

/** The value as a message shows it: strings quoted, byte arrays by length, objects by kind. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v) + (typeof v === 'bigint' ? 'n' : '');
  if (v === undefined || v === null) return String(v);
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'function') return 'a function';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * The error for a field that fails its check: TypeError when `value` is not a number (or what the
 * field holds), RangeError when it is a number outside `allowed`.
 */
export function fieldError(where: string, field: string, value: unknown, allowed: string, hint = ''): TypeError | RangeError {
  const message = `${where}: ${field} must be ${allowed}, got ${showValue(value)}${hint}`;
  return typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

/** The error for a value that is not of the field's type (an object, an array, bytes): always a TypeError. */
export function typeError(where: string, field: string, value: unknown, allowed: string): TypeError {
  return new TypeError(`${where}: ${field} must be ${allowed}, got ${showValue(value)}`);
}

export const U8 = 'an integer in [0, 255]';
export const U16 = 'an integer in [0, 65535]';
export const U32 = 'an integer in [0, 4294967295]';

export function checkBytes(v: unknown, where: string, field: string): void {
  if (!(v instanceof Uint8Array)) throw typeError(where, field, v, 'a Uint8Array');
}

export function checkObject(v: unknown, where: string, field: string): void {
  if (typeof v !== 'object' || v === null) throw typeError(where, field, v, 'an object');
}

const PARSE_HINT = ' (turn text into an address with parseIp, and check it for undefined)';

/** Throws unless `v` is an IPv4 address as the encoders take it: a number in [0, 2^32). */
export function checkIpv4Address(v: unknown, where: string, field: string): void {
  if (typeof v === 'number' && v >>> 0 === v) return;
  const what = 'an IPv4 address as a number in [0, 4294967295]';
  if (v instanceof Uint8Array) throw new TypeError(`${where}: ${field} must be ${what}, got an IPv6 address (16 bytes) in an IPv4 header`);
  throw fieldError(where, field, v, what, typeof v === 'string' || v === undefined ? PARSE_HINT : '');
}

/** Throws unless `v` is an IPv6 address as the encoders take it: 16 bytes. */
export function checkIpv6Address(v: unknown, where: string, field: string): void {
  if (v instanceof Uint8Array && v.length === 16) return;
  const what = 'an IPv6 address as a Uint8Array of 16 bytes';
  if (typeof v === 'number') throw new TypeError(`${where}: ${field} must be ${what}, got the IPv4 address ${v} in an IPv6 header`);
  if (v instanceof Uint8Array) throw new RangeError(`${where}: ${field} must be ${what}, got ${showValue(v)}`);
  throw fieldError(where, field, v, what, typeof v === 'string' || v === undefined ? PARSE_HINT : '');
}

/**
 * Throws a RangeError unless out[offset, offset + length) exists: a typed array drops writes past
 * its end without a word, so a short buffer would otherwise hold a cut header and no error.
 */
export function checkRoom(out: Uint8Array, offset: number, length: number, where: string, what: string): void {
  if (offset + length > out.length) throw new RangeError(`${where}: out has ${out.length} bytes, too few for ${length} bytes of ${what} at offset ${offset}`);
}

/** Throws unless `out` is a Uint8Array and `offset` an index into it. */
export function checkBuffer(out: Uint8Array, offset: number, where: string): void {
  checkBytes(out, where, 'out');
  if (!Number.isInteger(offset) || offset < 0) throw fieldError(where, 'offset', offset, 'a non-negative integer');
}
