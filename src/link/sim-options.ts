/**
 * The simulator's option checks. A link profile with a misspelt key, a loss of 2, an MTU of 10, a NaN
 * delay or a rate of 0 used to make a silent black hole (or, for a negative delay, packets that arrive
 * before they are sent); two hosts with one name or one address, or a host linked to itself, made a
 * network whose routes and traces nobody could read. Each is refused at the call with a TypeError (not
 * the right type, an unknown key) or a RangeError (out of range, taken), naming the field, what is
 * allowed and the value.
 */
import { parseIp, type IpAddress } from '../wire/index.js';
import { showValue as show } from '../wire/checks.js';
import type { LinkProfile, SimHostOptions } from './sim.js';

/** What each profile field allows, as the message says it, and the check. */
const PROFILE_FIELDS: Record<keyof LinkProfile, { allowed: string; ok: (v: number) => boolean }> = {
  delayMs: { allowed: 'a finite number of milliseconds >= 0', ok: (v) => Number.isFinite(v) && v >= 0 },
  jitterMs: { allowed: 'a finite number of milliseconds >= 0', ok: (v) => Number.isFinite(v) && v >= 0 },
  rateBps: { allowed: 'a number of bits per second > 0 (Infinity for no bottleneck)', ok: (v) => v > 0 },
  queueBytes: { allowed: 'an integer number of bytes >= 1 (Infinity for no limit)', ok: (v) => v === Infinity || (Number.isInteger(v) && v >= 1) },
  // RFC 791 §3.2: every IPv4 module forwards 68 octets unfragmented; an IP packet is at most 65535.
  mtu: { allowed: 'an integer number of bytes in [68, 65535]', ok: (v) => Number.isInteger(v) && v >= 68 && v <= 65535 },
  loss: { allowed: 'a fraction in [0, 1] (0.01 = 1%)', ok: (v) => v >= 0 && v <= 1 },
  duplicate: { allowed: 'a fraction in [0, 1] (0.01 = 1%)', ok: (v) => v >= 0 && v <= 1 },
  reorder: { allowed: 'a fraction in [0, 1] (0.01 = 1%)', ok: (v) => v >= 0 && v <= 1 },
  corrupt: { allowed: 'a fraction in [0, 1] (0.01 = 1%)', ok: (v) => v >= 0 && v <= 1 },
  burstEnter: { allowed: 'a fraction in [0, 1] (0.01 = 1%)', ok: (v) => v >= 0 && v <= 1 },
  burstExit: { allowed: 'a fraction in (0, 1] (a bad state must be able to end)', ok: (v) => v > 0 && v <= 1 },
  burstLoss: { allowed: 'a fraction in [0, 1] (0.01 = 1%)', ok: (v) => v >= 0 && v <= 1 },
  goodLoss: { allowed: 'a fraction in [0, 1] (0.01 = 1%)', ok: (v) => v >= 0 && v <= 1 },
};

const PROFILE_KEYS = Object.keys(PROFILE_FIELDS);

const HOST_KEYS: ReadonlyArray<keyof SimHostOptions> = ['addresses', 'tcp', 'limits', 'trustChecksums', 'checksumOffload', 'synCookies', 'gsoMaxSize', 'gro'];

/** Throws unless `profile` holds only known keys, each a number in its range (undefined: the default). */
export function checkLinkProfile(profile: unknown, where: string, name: string): void {
  if (profile === undefined) return;
  if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
    throw new TypeError(`${where}: ${name} must be an object of link settings (${PROFILE_KEYS.join(', ')}), got ${show(profile)}`);
  }
  for (const [key, value] of Object.entries(profile)) {
    const field = PROFILE_FIELDS[key as keyof LinkProfile];
    if (field === undefined) throw unknownKey(where, name, key, PROFILE_KEYS);
    if (value === undefined) continue;
    const label = name === 'profile' ? key : `${name}.${key}`;
    if (typeof value !== 'number') throw new TypeError(`${where}: ${label} must be ${field.allowed}, got ${show(value)}`);
    if (!field.ok(value)) throw new RangeError(`${where}: ${label} must be ${field.allowed}, got ${value}`);
  }
}

/** Throws unless `opts` holds only known keys and its addresses are addresses. */
export function checkHostOptions(name: unknown, opts: SimHostOptions, where: string): IpAddress[] {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: name must be a non-empty string, got ${show(name)}`);
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${where}: options must be an object ({ addresses, ... }), got ${show(opts)}`);
  for (const key of Object.keys(opts)) {
    if (!HOST_KEYS.includes(key as keyof SimHostOptions)) throw unknownKey(where, 'options', key, HOST_KEYS);
  }
  if (!Array.isArray(opts.addresses)) throw new TypeError(`${where}: addresses must be an array of IP addresses (text, or numbers / 16-byte arrays), got ${show(opts.addresses)}`);
  const out: IpAddress[] = [];
  opts.addresses.forEach((a, i) => {
    const parsed = typeof a === 'string' ? parseIp(a) : a;
    if (typeof a === 'string' && parsed === undefined) throw new RangeError(`${where}: addresses[${i}] is not an IP address: ${JSON.stringify(a)}`);
    if (typeof parsed === 'number' ? parsed >>> 0 !== parsed : !(parsed instanceof Uint8Array && parsed.length === 16)) {
      throw new (typeof a === 'number' || a instanceof Uint8Array ? RangeError : TypeError)(`${where}: addresses[${i}] must be an IP address (text, a number in [0, 4294967295] or 16 bytes), got ${show(a)}`);
    }
    out.push(parsed as IpAddress);
  });
  return out;
}

/** The key's error, with the nearest known key when it looks like a slip of the fingers. */
function unknownKey(where: string, name: string, key: string, known: ReadonlyArray<string>): TypeError {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const guess = best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${best}'?)` : '';
  return new TypeError(`${where}: unknown ${name} key '${key}'${guess}; known keys: ${known.join(', ')}`);
}

/** Levenshtein distance with adjacent transpositions counted as one edit (dealyMs is one from delayMs). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
