/**
 * SYN cookies (RFC 4987 §3.6): a listener under a SYN flood answers a SYN without keeping any state,
 * choosing as its ISN a value from which the final ACK's acknowledgment number (ACK's ack - 1) proves,
 * statelessly, that the peer received our SYN-ACK and when, and recovers the MSS the SYN asked for.
 * Built in the manner of Linux's net/ipv4/syncookies.c: a coarse time counter, an index into a small
 * MSS table and a keyed hash (SipHash-2-4) of the 4-tuple, the client's ISN and the counter. Window
 * scale, SACK-permitted and ECN do not fit; when the client sends timestamps they ride in the low six
 * bits of our TSval, which the client echoes in its TSecr (Linux's cookie_init_timestamp).
 *
 * A pure codec: time is the `now` parameter (ms), secrets come from an injected RandomSource, and the
 * counters (SyncookiesSent/Recv/Failed) are the caller's, fed from the typed results.
 *
 * The ISN, bit 31 on the left:
 *
 *   31                                     9   8   7   5 4       0
 *  +----------------------------------------+---+-------+---------+
 *  |        MAC (23 bits, clear)            | G | MSS   | counter |
 *  |                                        |   | index | mod 32  |
 *  +----------------------------------------+---+-------+---------+
 *                                                 \_______________/
 *                                                  XOR mask (8 bits)
 *
 * - counter: floor(now / periodMs) mod 32 (64-second periods by default).
 * - MSS index: 3 bits into the family's table; only 0..3 exist, so 4..7 are 'bad-mss-index'.
 * - mask: the low 8 bits of SipHash(maskKey, tuple ‖ clientIsn), which hides the counter and index
 *   from anyone who has not seen a SYN-ACK for this very 4-tuple and client ISN. Linux hides its
 *   counter the same way, by adding a keyed hash of the 4-tuple and the client's ISN.
 * - G: the parity of the secret generation that made the cookie (in clear: it picks the key).
 * - MAC: the top 23 bits of the low word of SipHash(macKey, tuple ‖ clientIsn ‖ counter ‖ index), with
 *   the full 32-bit counter, so a counter that has wrapped its 5 bits still fails.
 *
 * A random 32-bit value is accepted with probability 2/32 (counter age) × 4/8 (index) × 2^-23 (MAC)
 * = 2^-28 whatever its G bit, once two generations are live (2^-29 before the first rotation). An
 * attacker who knows the layout and the time but has not seen this 4-tuple's SYN-ACK cannot aim at the
 * masked fields, so 2^-28 is his chance too (Linux's encoding: 2^-29); one who has seen it still faces
 * the 23 MAC bits, afresh each period.
 */
import type { IpAddress } from '../wire/index.js';
import { defaultSendMss } from '../tcp/config.js';
import { fourTupleBytes } from '../tcp/isn.js';
import type { RandomSource } from '../tcp/random.js';
import { sipHash24, SipKey } from '../tcp/siphash.js';

/** Bit positions of the fields in a cookie ISN (see the figure above). */
export const SYN_COOKIE_LAYOUT = {
  counter: { shift: 0, bits: 5 },
  mssIndex: { shift: 5, bits: 3 },
  generation: { shift: 8, bits: 1 },
  mac: { shift: 9, bits: 23 },
} as const;

const COUNTER_MASK = (1 << SYN_COOKIE_LAYOUT.counter.bits) - 1; // 31
const INDEX_SHIFT = SYN_COOKIE_LAYOUT.mssIndex.shift;
const MAX_TABLE = 1 << SYN_COOKIE_LAYOUT.mssIndex.bits; // 8
const GEN_SHIFT = SYN_COOKIE_LAYOUT.generation.shift;
const MASKED_BITS = 0xff; // counter and index
const MAC_MASK = 0xfffffe00; // bits 9..31

/**
 * Linux's IPv4 msstab (net/ipv4/syncookies.c, after Alcock and Nelson's 2011 survey of announced MSS
 * values): 536, 1300, the PPPoE-ish 1440 and Ethernet's 1460.
 */
export const SYN_COOKIE_MSS_V4: readonly number[] = Object.freeze([536, 1300, 1440, 1460]);
/** Linux's IPv6 msstab (net/ipv6/syncookies.c): MTUs 1280 (IPv6's minimum), 1480, 1500, 9000 minus 60. */
export const SYN_COOKIE_MSS_V6: readonly number[] = Object.freeze([1220, 1420, 1440, 8940]);

export type SynCookieFailure = 'bad-hash' | 'expired' | 'bad-mss-index';

export type SynCookieCheck =
  | { readonly ok: true; readonly mss: number }
  | { readonly ok: false; readonly reason: SynCookieFailure };

export interface SynCookie {
  /** Our ISN for the SYN-ACK. */
  isn: number;
  /** The MSS the cookie carries: the largest table entry <= the client's MSS (see `encode`). */
  mss: number;
}

/** What the low six bits of a cookie SYN-ACK's TSval carry. */
export interface CookieTimestampOptions {
  /** The client's window scale shift (0..14), or undefined when its SYN had no Window Scale option. */
  wscale: number | undefined;
  sackPermitted: boolean;
  ecn: boolean;
}

export interface SynCookiesOptions {
  /** Length of one counter period, ms. Default 64 s (Linux: 60 s). */
  periodMs?: number;
  /**
   * Periods a cookie is accepted for, counting the one it was made in: 2 (Linux's MAX_SYNCOOKIE_AGE)
   * accepts the current and the previous period, so a cookie lives between one and two periods.
   */
  maxAgePeriods?: number;
  /** Sorted MSS tables, at most 8 entries. Defaults: Linux's. */
  mssTableV4?: readonly number[];
  mssTableV6?: readonly number[];
}

interface Secret {
  readonly maskKey: SipKey;
  readonly macKey: SipKey;
}

const BAD_HASH: SynCookieCheck = Object.freeze({ ok: false, reason: 'bad-hash' });
const EXPIRED: SynCookieCheck = Object.freeze({ ok: false, reason: 'expired' });
const BAD_MSS_INDEX: SynCookieCheck = Object.freeze({ ok: false, reason: 'bad-mss-index' });

export class SynCookies {
  readonly periodMs: number;
  readonly maxAgePeriods: number;
  readonly mssTableV4: readonly number[];
  readonly mssTableV6: readonly number[];
  private readonly random: RandomSource;
  private current: Secret;
  private previous: Secret | undefined;
  private generation = 0;
  private readonly scratch = new Uint8Array(48);
  // Preallocated results: validate never allocates, so an ACK flood costs no garbage.
  private readonly okV4: readonly SynCookieCheck[];
  private readonly okV6: readonly SynCookieCheck[];

  constructor(random: RandomSource, options: SynCookiesOptions = {}) {
    this.random = random;
    this.periodMs = options.periodMs ?? 64_000;
    this.maxAgePeriods = options.maxAgePeriods ?? 2;
    if (!(this.periodMs > 0)) throw new RangeError(`periodMs must be > 0, got ${this.periodMs}`);
    // At least one age must be 'expired' before the 5-bit counter wraps.
    if (!Number.isInteger(this.maxAgePeriods) || this.maxAgePeriods < 1 || this.maxAgePeriods > COUNTER_MASK) {
      throw new RangeError(`maxAgePeriods must be an integer in [1, ${COUNTER_MASK}], got ${this.maxAgePeriods}`);
    }
    this.mssTableV4 = checkTable(options.mssTableV4 ?? SYN_COOKIE_MSS_V4);
    this.mssTableV6 = checkTable(options.mssTableV6 ?? SYN_COOKIE_MSS_V6);
    this.okV4 = this.mssTableV4.map((mss) => Object.freeze({ ok: true, mss }) as SynCookieCheck);
    this.okV6 = this.mssTableV6.map((mss) => Object.freeze({ ok: true, mss }) as SynCookieCheck);
    this.current = drawSecret(random);
  }

  /**
   * New secrets; the current ones become the previous ones and those before are forgotten, so a
   * cookie made before this call still validates and one made before the call before does not.
   * Rotating at most once every maxAgePeriods × periodMs keeps every unexpired cookie valid.
   */
  rotate(random: RandomSource = this.random): void {
    this.previous = this.current;
    this.current = drawSecret(random);
    this.generation = (this.generation + 1) >>> 0;
  }

  /**
   * The cookie ISN for a SYN from remote:remotePort to local:localPort with sequence number
   * `clientIsn` and MSS option `clientMss` (undefined: none, so RFC 9293 §3.7.1's default applies:
   * MUST-15, 536 for IPv4 and 1220 for IPv6).
   *
   * The MSS granted is the largest table entry <= clientMss, or, below the smallest entry, the
   * smallest entry (as Linux does): then `mss` exceeds what the client asked for, and a caller that
   * will not send larger segments than the client's MSS (RFC 9293 §3.7.1) should drop such a SYN
   * rather than answer it with a cookie.
   */
  encode(
    local: IpAddress, localPort: number, remote: IpAddress, remotePort: number,
    clientIsn: number, clientMss: number | undefined, now: number,
  ): SynCookie {
    const isn = this.encodeIsn(local, localPort, remote, remotePort, clientIsn, clientMss, now);
    return { isn, mss: this.lastMss };
  }

  /** The MSS granted by the last `encodeIsn` call. */
  lastMss = 0;

  /** As `encode`, allocating nothing: returns the ISN and leaves the MSS in `lastMss` (the SYN-flood path). */
  encodeIsn(
    local: IpAddress, localPort: number, remote: IpAddress, remotePort: number,
    clientIsn: number, clientMss: number | undefined, now: number,
  ): number {
    const v4 = familyOf(local, remote);
    const table = v4 ? this.mssTableV4 : this.mssTableV6;
    const mss = clientMss ?? defaultSendMss(v4 ? 4 : 6);
    let index = table.length - 1;
    while (index > 0 && mss < table[index]) index--;

    const counter = Math.floor(now / this.periodMs);
    const n = this.prepare(local, localPort, remote, remotePort, clientIsn);
    const s = this.current;
    const mask = sipHash24(s.maskKey, this.scratch, 0, n + 4);
    const mac = this.mac(s, n, counter, index);
    const fields = (counter & COUNTER_MASK) | (index << INDEX_SHIFT);
    this.lastMss = table[index];
    return ((mac & MAC_MASK) | ((this.generation & 1) << GEN_SHIFT) | ((fields ^ mask) & MASKED_BITS)) >>> 0;
  }

  /**
   * Check the final ACK of a handshake answered with a cookie: `clientIsn` is the ACK's seq - 1 and
   * `ourIsn` its ack - 1 (mod 2^32). The reason is the first check that failed: generation, then age,
   * then index, then MAC. For a genuine cookie that is too old it is 'expired'; for anything else
   * (another 4-tuple, another client ISN, a forged value) the masked fields decode to noise and any of
   * the three reasons can come out.
   */
  validate(
    local: IpAddress, localPort: number, remote: IpAddress, remotePort: number,
    clientIsn: number, ourIsn: number, now: number,
  ): SynCookieCheck {
    const v4 = familyOf(local, remote);
    const s = ((ourIsn >>> GEN_SHIFT) & 1) === (this.generation & 1) ? this.current : this.previous;
    if (s === undefined) return BAD_HASH;

    const n = this.prepare(local, localPort, remote, remotePort, clientIsn);
    const fields = (ourIsn ^ sipHash24(s.maskKey, this.scratch, 0, n + 4)) & MASKED_BITS;
    const nowCounter = Math.floor(now / this.periodMs);
    const age = (nowCounter - (fields & COUNTER_MASK)) & COUNTER_MASK;
    if (age >= this.maxAgePeriods) return EXPIRED;
    const index = fields >>> INDEX_SHIFT;
    const ok = v4 ? this.okV4 : this.okV6;
    if (index >= ok.length) return BAD_MSS_INDEX;
    if (((this.mac(s, n, nowCounter - age, index) ^ ourIsn) & MAC_MASK) !== 0) return BAD_HASH;
    return ok[index];
  }

  /** See `encodeCookieTimestamp`. */
  encodeTimestamp(nowTsval: number, options: Partial<CookieTimestampOptions>): number {
    return encodeCookieTimestamp(nowTsval, options);
  }

  /** See `decodeCookieTimestamp`. */
  decodeTimestamp(tsecr: number, offered?: CookieTimestampOffer): CookieTimestampOptions | undefined {
    return decodeCookieTimestamp(tsecr, offered);
  }

  /** Write tuple ‖ clientIsn into the scratch buffer; returns the tuple's length. */
  private prepare(local: IpAddress, localPort: number, remote: IpAddress, remotePort: number, clientIsn: number): number {
    const b = this.scratch;
    const n = fourTupleBytes(b, local, localPort, remote, remotePort);
    b[n] = clientIsn >>> 24; b[n + 1] = clientIsn >>> 16; b[n + 2] = clientIsn >>> 8; b[n + 3] = clientIsn;
    return n;
  }

  /** SipHash(macKey, tuple ‖ clientIsn ‖ counter (32 bits) ‖ index); the scratch holds the prefix. */
  private mac(s: Secret, n: number, counter: number, index: number): number {
    const b = this.scratch;
    const c = counter >>> 0;
    b[n + 4] = c >>> 24; b[n + 5] = c >>> 16; b[n + 6] = c >>> 8; b[n + 7] = c;
    b[n + 8] = index;
    return sipHash24(s.macKey, b, 0, n + 9);
  }
}

function drawSecret(random: RandomSource): Secret {
  const k = new Uint8Array(32);
  random.fill(k);
  return { maskKey: new SipKey(k.subarray(0, 16)), macKey: new SipKey(k.subarray(16, 32)) };
}

function familyOf(local: IpAddress, remote: IpAddress): boolean {
  const v4 = typeof local === 'number';
  if (v4 !== (typeof remote === 'number')) throw new TypeError('local and remote addresses are of different families');
  return v4;
}

function checkTable(table: readonly number[]): readonly number[] {
  if (table.length < 1 || table.length > MAX_TABLE) throw new RangeError(`an MSS table has 1 to ${MAX_TABLE} entries`);
  for (let i = 0; i < table.length; i++) {
    const v = table[i];
    if (!Number.isInteger(v) || v < 1 || v > 0xffff || (i > 0 && v <= table[i - 1])) {
      throw new RangeError(`an MSS table must be strictly increasing integers in [1, 65535]: ${table.join(', ')}`);
    }
  }
  return Object.freeze(table.slice());
}

// ---- Options in the timestamp (Linux's cookie_init_timestamp / cookie_timestamp_decode) ----------
//
//   31                                   6   5     4     3       0
//  +---------------------------------------+-----+------+---------+
//  |          TSval (clock)                | ECN | SACK | WScale  |
//  +---------------------------------------+-----+------+---------+
//
// WScale 0xf (not a valid shift) means the SYN had no Window Scale option. With that, all 64
// patterns are meaningful; what makes an echo impossible is claiming an option we never offer.

const TS_WSCALE_MASK = 0x0f;
const TS_SACK = 0x10;
const TS_ECN = 0x20;
const TS_BITS = 6;
const TS_MASK = (1 << TS_BITS) - 1;
/** RFC 7323 §2.3: shifts above 14 MUST be treated as 14. */
const MAX_WSCALE = 14;

/** What this host would put in a cookie timestamp: an echo claiming more is not ours. */
export interface CookieTimestampOffer {
  windowScaling?: boolean;
  sack?: boolean;
  ecn?: boolean;
}

const DECODED: readonly CookieTimestampOptions[] = Array.from({ length: 1 << TS_BITS }, (_, bits) => {
  const w = bits & TS_WSCALE_MASK;
  return Object.freeze({
    wscale: w === TS_WSCALE_MASK ? undefined : w,
    sackPermitted: (bits & TS_SACK) !== 0,
    ecn: (bits & TS_ECN) !== 0,
  });
});

/**
 * Our TSval for a cookie SYN-ACK: `nowTsval` (the value we would send, any per-connection offset
 * included) with its low six bits replaced by the options, moved back one 64-tick block if that would
 * put it after `nowTsval`, so that our later TSvals never fall behind it (the peer's PAWS test, RFC
 * 7323 §5, would drop them). `wscale` is the client's shift, clamped to 14 as RFC 7323 §2.3 requires;
 * undefined when it sent none.
 */
export function encodeCookieTimestamp(nowTsval: number, options: Partial<CookieTimestampOptions>): number {
  return encodeCookieTimestampBits(nowTsval, options.wscale, options.sackPermitted === true, options.ecn === true);
}

/** `encodeCookieTimestamp` with the options as arguments (no object: the SYN-flood path). */
export function encodeCookieTimestampBits(nowTsval: number, wscale: number | undefined, sackPermitted: boolean, ecn: boolean): number {
  let bits: number;
  const w = wscale;
  if (w === undefined) bits = TS_WSCALE_MASK;
  else if (Number.isInteger(w) && w >= 0) bits = Math.min(w, MAX_WSCALE);
  else throw new RangeError(`window scale must be a non-negative integer, got ${w}`);
  if (sackPermitted) bits |= TS_SACK;
  if (ecn) bits |= TS_ECN;
  const now = nowTsval >>> 0;
  let ts = ((now & ~TS_MASK) | bits) >>> 0;
  if (ts > now) ts = (ts - (1 << TS_BITS)) >>> 0;
  return ts;
}

/**
 * The options a cookie-validated ACK's TSecr carries, or undefined when it claims an option that
 * `offered` says this host does not offer (Linux's cookie_timestamp_decode returning false): such an
 * echo cannot have come from our SYN-ACK. Omitted fields of `offered` count as offered.
 */
export function decodeCookieTimestamp(tsecr: number, offered?: CookieTimestampOffer): CookieTimestampOptions | undefined {
  const bits = tsecr & TS_MASK;
  if (offered !== undefined) {
    if (offered.windowScaling === false && (bits & TS_WSCALE_MASK) !== TS_WSCALE_MASK) return undefined;
    if (offered.sack === false && (bits & TS_SACK) !== 0) return undefined;
    if (offered.ecn === false && (bits & TS_ECN) !== 0) return undefined;
  }
  return DECODED[bits];
}
