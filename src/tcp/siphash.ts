/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) with a 128-bit key, on 32-bit halves so that it needs
 * no BigInt on the hot path. Used for RFC 6528 initial sequence numbers and RFC 6056 port choice.
 */

/** A prepared key: the four 64-bit words of the initial state as (hi, lo) 32-bit pairs. */
export class SipKey {
  readonly k0hi: number;
  readonly k0lo: number;
  readonly k1hi: number;
  readonly k1lo: number;

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError(`SipHash key must be 16 bytes, got ${key.length}`);
    this.k0lo = le32(key, 0);
    this.k0hi = le32(key, 4);
    this.k1lo = le32(key, 8);
    this.k1hi = le32(key, 12);
  }
}

function le32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

// State: v0..v3 as hi/lo pairs, module-level scratch (no allocation per hash).
let v0h = 0, v0l = 0, v1h = 0, v1l = 0, v2h = 0, v2l = 0, v3h = 0, v3l = 0;

function sipRound(): void {
  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  let lo = (v0l + v1l) >>> 0;
  v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  let h = v1h, l = v1l;
  v1h = ((h << 13) | (l >>> 19)) >>> 0;
  v1l = ((l << 13) | (h >>> 19)) >>> 0;
  v1h ^= v0h; v1l ^= v0l;
  h = v0h; v0h = v0l; v0l = h;
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  lo = (v2l + v3l) >>> 0;
  v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  h = v3h; l = v3l;
  v3h = ((h << 16) | (l >>> 16)) >>> 0;
  v3l = ((l << 16) | (h >>> 16)) >>> 0;
  v3h ^= v2h; v3l ^= v2l;
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  lo = (v0l + v3l) >>> 0;
  v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  h = v3h; l = v3l;
  v3h = ((h << 21) | (l >>> 11)) >>> 0;
  v3l = ((l << 21) | (h >>> 11)) >>> 0;
  v3h ^= v0h; v3l ^= v0l;
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  lo = (v2l + v1l) >>> 0;
  v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  h = v1h; l = v1l;
  v1h = ((h << 17) | (l >>> 15)) >>> 0;
  v1l = ((l << 17) | (h >>> 15)) >>> 0;
  v1h ^= v2h; v1l ^= v2l;
  h = v2h; v2h = v2l; v2l = h;
}

function compress(mh: number, ml: number): void {
  v3h ^= mh; v3l ^= ml;
  sipRound();
  sipRound();
  // >>> 0: sipRound's carry test (lo < v0l) needs v0 unsigned; a bare ^ would leave it signed.
  v0h = (v0h ^ mh) >>> 0; v0l = (v0l ^ ml) >>> 0;
}

/** Result of the last `sipHash24` call's high 32 bits (the low 32 bits are returned). */
export let sipHashHigh = 0;

/**
 * SipHash-2-4 of data[start, end). Returns the low 32 bits of the 64-bit result; the high 32 bits
 * are left in `sipHashHigh` (read it before the next call). The result as bytes is little-endian
 * (low word first), as in the reference implementation.
 */
export function sipHash24(key: SipKey, data: Uint8Array, start = 0, end = data.length): number {
  v0h = (key.k0hi ^ 0x736f6d65) >>> 0; v0l = (key.k0lo ^ 0x70736575) >>> 0;
  v1h = (key.k1hi ^ 0x646f7261) >>> 0; v1l = (key.k1lo ^ 0x6e646f6d) >>> 0;
  v2h = (key.k0hi ^ 0x6c796765) >>> 0; v2l = (key.k0lo ^ 0x6e657261) >>> 0;
  v3h = (key.k1hi ^ 0x74656462) >>> 0; v3l = (key.k1lo ^ 0x79746573) >>> 0;
  const len = end - start;
  const full = start + (len & ~7);
  let i = start;
  for (; i < full; i += 8) compress(le32(data, i + 4), le32(data, i));
  // Last block: remaining bytes, with the length's low byte in the top byte.
  let lastHi = ((len & 0xff) << 24) >>> 0;
  let lastLo = 0;
  const rem = end - i;
  for (let j = 0; j < rem; j++) {
    if (j < 4) lastLo |= data[i + j] << (8 * j);
    else lastHi |= data[i + j] << (8 * (j - 4));
  }
  compress(lastHi >>> 0, lastLo >>> 0);
  v2l = (v2l ^ 0xff) >>> 0;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  sipHashHigh = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

/** The 8-byte SipHash-2-4 output, little-endian as the reference implementation writes it. */
export function sipHash24Bytes(key: SipKey, data: Uint8Array): Uint8Array {
  const lo = sipHash24(key, data);
  const hi = sipHashHigh;
  const out = new Uint8Array(8);
  for (let j = 0; j < 4; j++) {
    out[j] = (lo >>> (8 * j)) & 0xff;
    out[4 + j] = (hi >>> (8 * j)) & 0xff;
  }
  return out;
}
