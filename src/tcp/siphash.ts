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

/** Result of the last `sipHash24` call's high 32 bits (the low 32 bits are returned). */
export let sipHashHigh = 0;

/**
 * SipHash-2-4 of data[start, end). Returns the low 32 bits of the 64-bit result; the high 32 bits
 * are left in `sipHashHigh` (read it before the next call). The result as bytes is little-endian
 * (low word first), as in the reference implementation.
 *
 * The state lives in local variables (V8 keeps them in registers: about 4.6 times faster than state
 * in module variables), and one SipRound body serves the compression and finalization rounds.
 */
export function sipHash24(key: SipKey, data: Uint8Array, start = 0, end = data.length): number {
  let v0h = (key.k0hi ^ 0x736f6d65) >>> 0;
  let v0l = (key.k0lo ^ 0x70736575) >>> 0;
  let v1h = (key.k1hi ^ 0x646f7261) >>> 0;
  let v1l = (key.k1lo ^ 0x6e646f6d) >>> 0;
  let v2h = (key.k0hi ^ 0x6c796765) >>> 0;
  let v2l = (key.k0lo ^ 0x6e657261) >>> 0;
  let v3h = (key.k1hi ^ 0x74656462) >>> 0;
  let v3l = (key.k1lo ^ 0x79746573) >>> 0;
  const len = end - start;
  const full = start + (len & ~7);
  let i = start;
  let finalizing = false;
  for (;;) {
    // The next message word m (the last one carries the length in its top byte), or finalization.
    let mh = 0;
    let ml = 0;
    let rounds: number;
    if (finalizing) {
      v2l = (v2l ^ 0xff) >>> 0;
      rounds = 4;
    } else {
      if (i < full) {
        ml = le32(data, i);
        mh = le32(data, i + 4);
      } else {
        mh = (len & 0xff) << 24;
        for (let j = 0; j < end - i; j++) {
          if (j < 4) ml |= data[i + j] << (8 * j);
          else mh |= data[i + j] << (8 * (j - 4));
        }
        mh >>>= 0;
        ml >>>= 0;
      }
      v3h = (v3h ^ mh) >>> 0;
      v3l = (v3l ^ ml) >>> 0;
      rounds = 2;
    }
    for (let r = 0; r < rounds; r++) {
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      let lo = (v0l + v1l) >>> 0;
      v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
      v0l = lo;
      let h = v1h;
      let l = v1l;
      v1h = (((h << 13) | (l >>> 19)) ^ v0h) >>> 0;
      v1l = (((l << 13) | (h >>> 19)) ^ v0l) >>> 0;
      h = v0h;
      v0h = v0l;
      v0l = h;
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      lo = (v2l + v3l) >>> 0;
      v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
      v2l = lo;
      h = v3h;
      l = v3l;
      v3h = (((h << 16) | (l >>> 16)) ^ v2h) >>> 0;
      v3l = (((l << 16) | (h >>> 16)) ^ v2l) >>> 0;
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      lo = (v0l + v3l) >>> 0;
      v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
      v0l = lo;
      h = v3h;
      l = v3l;
      v3h = (((h << 21) | (l >>> 11)) ^ v0h) >>> 0;
      v3l = (((l << 21) | (h >>> 11)) ^ v0l) >>> 0;
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      lo = (v2l + v1l) >>> 0;
      v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
      v2l = lo;
      h = v1h;
      l = v1l;
      v1h = (((h << 17) | (l >>> 15)) ^ v2h) >>> 0;
      v1l = (((l << 17) | (h >>> 15)) ^ v2l) >>> 0;
      h = v2h;
      v2h = v2l;
      v2l = h;
    }
    if (finalizing) break;
    v0h = (v0h ^ mh) >>> 0;
    v0l = (v0l ^ ml) >>> 0;
    if (i < full) i += 8;
    else finalizing = true;
  }
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
