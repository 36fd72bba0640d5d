/**
 * Randomness is injected (DESIGN.md): a seeded generator for the simulator and tests, the platform's
 * cryptographic generator for real use. Both are pure computation, so the core stays sans-I/O.
 */
export interface RandomSource {
  /** A uniformly random integer in [0, 2^32). */
  nextUint32(): number;
  /** Fill `out` with random bytes. */
  fill(out: Uint8Array): void;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): fast, seedable, not cryptographic.
 * A (seed, stream) pair names one sequence, so a fuzzer or simulator can replay any part of a run.
 */
export class SeededRandom implements RandomSource {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed = 0, stream = 0) {
    this.reseed(seed, stream);
  }

  /** Start the sequence for (seed, stream); the same pair always gives the same numbers. */
  reseed(seed: number, stream = 0): void {
    this.a = seed >>> 0;
    this.b = stream >>> 0;
    this.c = (Math.floor(seed / 0x1_0000_0000) ^ 0x9e3779b9) >>> 0;
    this.d = (Math.floor(stream / 0x1_0000_0000) ^ 0x6a09e667) >>> 0;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.nextUint32() < p * 0x1_0000_0000;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** n fresh random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    this.fill(out);
    return out;
  }

  fill(out: Uint8Array): void {
    let i = 0;
    if (LITTLE_ENDIAN && (out.byteOffset & 3) === 0 && out.length >= 64) {
      // Whole words at once: on a little-endian machine a word's bytes land in the order below. The
      // state lives in locals for the loop (nextUint32's step, written out): several times faster
      // than a call and four field writes per word.
      const words = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
      let a = this.a;
      let b = this.b;
      let c = this.c;
      let d = this.d;
      for (let w = 0; w < words.length; w++) {
        const t = (((a + b) | 0) + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + t) | 0;
        words[w] = t;
      }
      this.a = a;
      this.b = b;
      this.c = c;
      this.d = d;
      i = words.length << 2;
    }
    for (; i < out.length; i += 4) {
      const v = this.nextUint32();
      out[i] = v;
      if (i + 1 < out.length) out[i + 1] = v >>> 8;
      if (i + 2 < out.length) out[i + 2] = v >>> 16;
      if (i + 3 < out.length) out[i + 3] = v >>> 24;
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The Web Crypto generator (globalThis.crypto, present in Node 20 and browsers). */
export class CryptoRandom implements RandomSource {
  private readonly word = new Uint32Array(1);

  nextUint32(): number {
    globalThis.crypto.getRandomValues(this.word);
    return this.word[0];
  }

  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65536));
  }
}
