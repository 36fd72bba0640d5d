/**
 * Helpers for the link-layer and UDP-borne codec tests: packets are written as annotated hex, field
 * by field from the RFCs' layouts, and checksums are checked with a byte-at-a-time RFC 1071 sum
 * written here (not the codecs' own).
 */

/** The bytes of a hex string; whitespace and `|` (field separators in the tests) are ignored. */
export function hexBytes(s: string): Uint8Array {
  const clean = s.replace(/[\s|]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex: ${s}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHexString(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The ASCII bytes of a string, as hex. */
export function asciiHex(s: string): string {
  return Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

/** RFC 1071, one 16-bit word at a time with the carry folded each step. */
export function refOnesSum(parts: Uint8Array[]): number {
  let s = 0;
  for (const b of parts) {
    for (let i = 0; i < b.length; i += 2) {
      s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
      s = (s & 0xffff) + (s >>> 16);
    }
  }
  return s;
}

/** The pseudo-header of RFC 768 (IPv4) as bytes. */
export function pseudoV4(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): Uint8Array {
  return Uint8Array.from([...src, ...dst, 0, protocol, length >>> 8, length & 0xff]);
}

/** The pseudo-header of RFC 8200 §8.1 as bytes. */
export function pseudoV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): Uint8Array {
  return Uint8Array.from([...src, ...dst, 0, 0, length >>> 8, length & 0xff, 0, 0, 0, nextHeader]);
}
