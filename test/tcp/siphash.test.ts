/**
 * SipHash-2-4 against the reference implementation's test vectors (github.com/veorq/SipHash,
 * vectors.h, `vectors_sip64`): key 00 01 .. 0f, message i bytes 00 01 .. (i-1) for i = 0..63, the
 * 8-byte output as the reference writes it (little-endian). Entry 15 is the SipHash paper's own
 * example (Aumasson and Bernstein, 2012, Appendix A): 15 bytes 00..0e -> 0xa129ca6149be45e5.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as sip from '../../src/tcp/siphash.js';
import { SipKey, sipHash24Bytes } from '../../src/tcp/siphash.js';

const VECTORS_SIP64: readonly string[] = [
  '310e0edd47db6f72', // 0
  'fd67dc93c539f874', // 1
  '5a4fa9d909806c0d', // 2
  '2d7efbd796666785', // 3
  'b7877127e09427cf', // 4
  '8da699cd64557618', // 5
  'cee3fe586e46c9cb', // 6
  '37d1018bf50002ab', // 7
  '6224939a79f5f593', // 8
  'b0e4a90bdf82009e', // 9
  'f3b9dd94c5bb5d7a', // 10
  'a7ad6b22462fb3f4', // 11
  'fbe50e86bc8f1e75', // 12
  '903d84c02756ea14', // 13
  'eef27a8e90ca23f7', // 14
  'e545be4961ca29a1', // 15
  'db9bc2577fcc2a3f', // 16
  '9447be2cf5e99a69', // 17
  '9cd38d96f0b3c14b', // 18
  'bd6179a71dc96dbb', // 19
  '98eea21af25cd6be', // 20
  'c7673b2eb0cbf2d0', // 21
  '883ea3e395675393', // 22
  'c8ce5ccd8c030ca8', // 23
  '94af49f6c650adb8', // 24
  'eab8858ade92e1bc', // 25
  'f315bb5bb835d817', // 26
  'adcf6b0763612e2f', // 27
  'a5c91da7acaa4dde', // 28
  '716595876650a2a6', // 29
  '28ef495c53a387ad', // 30
  '42c341d8fa92d832', // 31
  'ce7cf2722f512771', // 32
  'e37859f94623f3a7', // 33
  '381205bb1ab0e012', // 34
  'ae97a10fd434e015', // 35
  'b4a31508beff4d31', // 36
  '81396229f0907902', // 37
  '4d0cf49ee5d4dcca', // 38
  '5c73336a76d8bf9a', // 39
  'd0a704536ba93e0e', // 40
  '925958fcd6420cad', // 41
  'a915c29bc8067318', // 42
  '952b79f3bc0aa6d4', // 43
  'f21df2e41d4535f9', // 44
  '87577519048f53a9', // 45
  '10a56cf5dfcd9adb', // 46
  'eb75095ccd986cd0', // 47
  '51a9cb9ecba312e6', // 48
  '96afadfc2ce666c7', // 49
  '72fe52975a4364ee', // 50
  '5a1645b276d592a1', // 51
  'b274cb8ebf87870a', // 52
  '6f9bb4203de7b381', // 53
  'eaecb2a30b22a87f', // 54
  '9924a43cc1315724', // 55
  'bd838d3aafbf8db7', // 56
  '0b1a2a3265d51aea', // 57
  '135079a3231ce660', // 58
  '932b2846e4d70666', // 59
  'e1915f5cb1eca46c', // 60
  'f325965ca16d629f', // 61
  '575ff28e60381be5', // 62
  '724506eb4c328a95', // 63
];

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const seqBytes = (n: number, first = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (first + i) & 0xff);
const KEY = new SipKey(seqBytes(16));

/** The little-endian vector bytes as the (low, high) 32-bit words. */
function words(v: string): [number, number] {
  const b = Uint8Array.from(v.match(/../g)!, (h) => parseInt(h, 16));
  const dv = new DataView(b.buffer);
  return [dv.getUint32(0, true), dv.getUint32(4, true)];
}

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;
const le64 = (b: Uint8Array, i: number): bigint => {
  let v = 0n;
  for (let j = 7; j >= 0; j--) v = (v << 8n) | BigInt(b[i + j] ?? 0);
  return v;
};

/** SipHash-2-4 as the paper writes it, on 64-bit BigInts: an independent check, not the unit under test. */
function refSipHash(key: Uint8Array, m: Uint8Array): Uint8Array {
  const k0 = le64(key, 0);
  const k1 = le64(key, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const blocks = Math.floor(m.length / 8);
  const padded = new Uint8Array(blocks * 8 + 8);
  padded.set(m);
  padded[padded.length - 1] = m.length & 0xff;
  for (let i = 0; i <= blocks; i++) {
    const w = le64(padded, 8 * i);
    v3 ^= w; round(); round(); v0 ^= w;
  }
  v2 ^= 0xffn;
  round(); round(); round(); round();
  let h = v0 ^ v1 ^ v2 ^ v3;
  const out = new Uint8Array(8);
  for (let j = 0; j < 8; j++, h >>= 8n) out[j] = Number(h & 0xffn);
  return out;
}

describe('SipHash-2-4 reference vectors', () => {
  test('there are 64 vectors of 8 bytes', () => {
    assert.equal(VECTORS_SIP64.length, 64);
    for (const v of VECTORS_SIP64) assert.match(v, /^[0-9a-f]{16}$/);
  });

  test('the paper\'s example: 15 bytes 00..0e -> a129ca6149be45e5', () => {
    assert.equal(sip.sipHash24(KEY, seqBytes(15)), 0x49be45e5);
    // sipHashHigh is a live ESM binding: read through the namespace it shows the last call's value.
    assert.equal(sip.sipHashHigh, 0xa129ca61);
    assert.equal(hex(sipHash24Bytes(KEY, seqBytes(15))), 'e545be4961ca29a1');
    assert.equal(VECTORS_SIP64[15], 'e545be4961ca29a1');
  });

  test('sipHash24Bytes: all 64 vectors', () => {
    for (let i = 0; i < 64; i++) {
      assert.equal(hex(sipHash24Bytes(KEY, seqBytes(i))), VECTORS_SIP64[i], `message length ${i}`);
    }
  });

  test('sipHash24: low word returned, high word in sipHashHigh', () => {
    const mod = sip;
    for (let i = 0; i < 64; i++) {
      const [lo, hi] = words(VECTORS_SIP64[i]);
      assert.equal(mod.sipHash24(KEY, seqBytes(i)), lo, `low word, length ${i}`);
      assert.equal(mod.sipHashHigh, hi, `high word, length ${i}`);
    }
  });

  test('sipHash24 over a sub-range [start, end) equals the hash of that slice', () => {
    const mod = sip;
    // The vector message of length i placed at offset 5 in a larger buffer of junk.
    for (let i = 0; i < 64; i++) {
      const buf = new Uint8Array(80).fill(0xaa);
      buf.set(seqBytes(i), 5);
      const [lo, hi] = words(VECTORS_SIP64[i]);
      assert.equal(mod.sipHash24(KEY, buf, 5, 5 + i), lo, `length ${i} at offset 5`);
      assert.equal(mod.sipHashHigh, hi);
    }
  });

  test('the key matters: a different key changes the 64 outputs', () => {
    const other = new SipKey(seqBytes(16, 1));
    for (let i = 0; i < 64; i++) assert.notEqual(hex(sipHash24Bytes(other, seqBytes(i))), VECTORS_SIP64[i]);
  });

  test('random keys and messages (lengths 0..200) agree with a plain BigInt SipHash-2-4', () => {
    // The BigInt version is a direct transcription of the paper, checked first against the vectors.
    for (let i = 0; i < 64; i++) assert.equal(hex(refSipHash(seqBytes(16), seqBytes(i))), VECTORS_SIP64[i]);
    const seed = 0x5ec0de;
    let x = seed;
    const rnd = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (let n = 0; n < 2000; n++) {
      const key = Uint8Array.from({ length: 16 }, rnd);
      const msg = Uint8Array.from({ length: n % 201 }, rnd);
      assert.equal(hex(sipHash24Bytes(new SipKey(key), msg)), hex(refSipHash(key, msg)), `seed ${seed} case ${n}`);
    }
  });

  test('keys must be 16 bytes', () => {
    assert.throws(() => new SipKey(new Uint8Array(15)), RangeError);
    assert.throws(() => new SipKey(new Uint8Array(17)), RangeError);
  });
});
