/**
 * The Internet checksum (RFC 1071), its pseudo-headers (RFC 9293 §3.1, RFC 8200 §8.1) and
 * incremental update (RFC 1624).
 *
 * `onesSum` returns an *unfolded* partial sum: a non-negative integer below 2^53 whose 16-bit fold
 * is the ones'-complement sum of the bytes read as big-endian 16-bit words. Partial sums add with
 * `+` as long as they started on an even byte, so a pseudo-header, a header and a payload can be
 * summed separately. `checksumFinish` folds and complements.
 *
 * Speed: the bulk of the data is read through a Uint32Array over the same memory and summed in a
 * float64 (exact up to 2^53, so no carry handling per word). RFC 1071 §2(B): the sum is independent
 * of byte order up to a final byte swap, so native little-endian words are fine.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Words summed between folds: 2^20 words of at most 2^32 each stay far below 2^53. */
const BLOCK_WORDS = 1 << 20;
/** Below this many bytes the byte loop is faster than setting up the word view. */
const SMALL = 48;

let cachedBuffer: ArrayBufferLike | undefined;
let cachedWords: Uint32Array = new Uint32Array(0);

/** A Uint32Array over the whole of `buffer`, cached for the last buffer seen (packets usually share one). */
function wordsOf(buffer: ArrayBufferLike): Uint32Array {
  if (buffer !== cachedBuffer || cachedWords.length !== buffer.byteLength >>> 2) {
    cachedBuffer = buffer;
    cachedWords = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return cachedWords;
}

/** Fold an unfolded sum (< 2^53) to 16 bits with end-around carry. */
export function foldSum(sum: number): number {
  // Not `sum % 0x10000`: on a double V8 compiles `%` to a call into C (fmod), too slow for a
  // per-packet path. For integers below 2^53 this subtraction is exact.
  // `>= 0x10000`, not `> 0xffff`: a (mistaken) fractional input between the two must not loop forever.
  while (sum >= 0x10000) {
    const high = Math.floor(sum / 0x10000);
    sum = sum - high * 0x10000 + high;
  }
  return sum;
}

function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/** Byte-at-a-time sum of bytes[start, end); `parityBase` is the index whose byte is a high byte. */
function sumBytesSlow(bytes: Uint8Array, start: number, end: number, parityBase: number): number {
  let sum = 0;
  let i = start;
  if ((i - parityBase) & 1) sum += bytes[i++];
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  return sum;
}

/**
 * Unfolded ones'-complement sum of bytes[start, end) read as big-endian 16-bit words starting at
 * `start`, plus `initial`. An odd final byte is padded with a zero byte (RFC 1071).
 */
export function onesSum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  if (end - start < SMALL) return initial + sumBytesSlow(bytes, start, end, start);
  const base = bytes.byteOffset;
  let i = start;
  let sum = initial;
  // Bytes before the first 4-byte-aligned address.
  const lead = (4 - ((base + i) & 3)) & 3;
  if (lead) {
    sum += sumBytesSlow(bytes, i, i + lead, start);
    i += lead;
  }
  const wordCount = (end - i) >>> 2;
  const words = wordsOf(bytes.buffer);
  let w = (base + i) >>> 2;
  const wEnd = w + wordCount;
  let native = 0;
  while (w < wEnd) {
    const blockEnd = Math.min(wEnd, w + BLOCK_WORDS);
    let s0 = 0;
    let s1 = 0;
    for (; w + 8 <= blockEnd; w += 8) {
      s0 += words[w] + words[w + 1] + words[w + 2] + words[w + 3];
      s1 += words[w + 4] + words[w + 5] + words[w + 6] + words[w + 7];
    }
    for (; w < blockEnd; w++) s0 += words[w];
    native = foldSum(native + foldSum(s0 + s1));
  }
  // `native` sums 16-bit words in host order at even addresses. Seen from `start`, those words begin
  // on an even offset (first byte is a high byte) or an odd one (first byte is a low byte).
  const startsEven = ((i - start) & 1) === 0;
  sum += startsEven === LITTLE_ENDIAN ? swap16(native) : native;
  i += wordCount << 2;
  if (i < end) sum += sumBytesSlow(bytes, i, end, start);
  return sum;
}

/** Fold and complement a partial sum into the 16-bit checksum field value. */
export function checksumFinish(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** The checksum of bytes[start, end) alone (e.g. an IPv4 header with its checksum field zeroed). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return checksumFinish(onesSum(bytes, start, end));
}

/** Unfolded sum of the IPv4 pseudo-header (RFC 9293 §3.1): addresses as uint32, protocol, length. */
export function pseudoHeaderSumV4(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** Unfolded sum of the IPv6 pseudo-header (RFC 8200 §8.1): 16-byte addresses, upper-layer length, next header. */
export function pseudoHeaderSumV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  let sum = nextHeader + (length >>> 16) + (length & 0xffff);
  for (let i = 0; i < 16; i += 2) sum += ((src[i] << 8) | src[i + 1]) + ((dst[i] << 8) | dst[i + 1]);
  return sum;
}

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changed from
 * `oldWord` to `newWord`, without summing the data again: HC' = ~(~HC + ~m + m').
 */
export function checksumAdjust16(checksum: number, oldWord: number, newWord: number): number {
  return ~foldSum((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/** As `checksumAdjust16` for a 32-bit field (an address, a sequence number) at an even offset. */
export function checksumAdjust32(checksum: number, oldValue: number, newValue: number): number {
  const sum =
    (~checksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) +
    (newValue & 0xffff);
  return ~foldSum(sum) & 0xffff;
}
