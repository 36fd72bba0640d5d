/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4, serial-number arithmetic as in RFC 1982).
 *
 * Sequence numbers are plain `number`s in [0, 2^32). Every comparison of two sequence numbers in
 * synack goes through these helpers: a raw `<` between sequence numbers is wrong across the wrap.
 * `a` is "less than" `b` when the forward distance from `a` to `b` is in (0, 2^31).
 */

const MOD = 0x1_0000_0000;

/** Reduce any integer (possibly negative or >= 2^32) to a sequence number. */
export function seq(n: number): number {
  return n >>> 0;
}

/** a + n modulo 2^32; n may be negative. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * Signed distance from `a` to `b`: the n in [-2^31, 2^31) with a + n == b (mod 2^32).
 * Positive when b is after a.
 */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}

/** Forward distance from `a` to `b` in [0, 2^32): how far b is ahead of a, going forward. */
export function seqDistance(a: number, b: number): number {
  return (b - a) >>> 0;
}

// Lt/Le are written as "the forward distance from a to b is in (0, 2^31)" (resp. [0, 2^31)), the
// mirror of Gt/Ge, so that seqLt(a, b) === seqGt(b, a) everywhere. Two numbers exactly 2^31 apart are
// neither less nor greater (RFC 1982 §3.2 leaves them undefined); `((a - b) | 0) < 0` would call
// each of them less than the other.
export function seqLt(a: number, b: number): boolean {
  return ((b - a) | 0) > 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((b - a) | 0) >= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export function seqMax(a: number, b: number): number {
  return seqGe(a, b) ? a : b;
}

export function seqMin(a: number, b: number): number {
  return seqLe(a, b) ? a : b;
}

/** lo <= x < hi, in sequence space (the window [lo, hi)); false for an empty window. */
export function seqInRange(x: number, lo: number, hi: number): boolean {
  return seqDistance(lo, x) < seqDistance(lo, hi);
}

/** lo <= x <= hi, in sequence space. */
export function seqInRangeInclusive(x: number, lo: number, hi: number): boolean {
  return seqDistance(lo, x) <= seqDistance(lo, hi);
}

export const SEQ_MODULUS = MOD;
