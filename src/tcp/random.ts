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

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): fast, seedable, not cryptographic. */
export class SeededRandom implements RandomSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
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

  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      let v = this.nextUint32();
      for (let j = i; j < Math.min(i + 4, out.length); j++, v >>>= 8) out[j] = v & 0xff;
    }
  }
}

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
