/** Big-endian (network order) reads and writes on Uint8Array. */

export function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

export function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

export function put16(out: Uint8Array, i: number, v: number): void {
  out[i] = v >>> 8;
  out[i + 1] = v;
}

export function put32(out: Uint8Array, i: number, v: number): void {
  out[i] = v >>> 24;
  out[i + 1] = v >>> 16;
  out[i + 2] = v >>> 8;
  out[i + 3] = v;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** The bytes of `parts`, one after another, in one new array. */
export function concatBytes(parts: ReadonlyArray<Uint8Array>): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
