/**
 * RFC 6528 initial sequence numbers: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * M a 4-microsecond timer (250 ticks per ms), F a keyed hash. Expected values come from the RFC's
 * arithmetic, not from running the generator.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IsnGenerator, fourTupleBytes } from '../../src/tcp/isn.js';
import { SeededRandom } from '../../src/tcp/random.js';

const TWO32 = 0x1_0000_0000;
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const A4 = 0x0a000001; // 10.0.0.1
const B4 = 0xc0a80102; // 192.168.1.2
const A6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const B6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);

/** (b - a) mod 2^32 */
const fwd = (a: number, b: number): number => (b - a) >>> 0;

describe('RFC 6528 ISNs', () => {
  test('fourTupleBytes: local address, remote address, local port, remote port, big-endian', () => {
    const out = new Uint8Array(36);
    assert.equal(fourTupleBytes(out, A4, 40000, B4, 80), 12);
    assert.deepEqual(Array.from(out.subarray(0, 12)), [10, 0, 0, 1, 192, 168, 1, 2, 0x9c, 0x40, 0, 80]);
    assert.equal(fourTupleBytes(out, A6, 1, B6, 0xffff), 36);
    assert.deepEqual(Array.from(out.subarray(0, 16)), Array.from(A6));
    assert.deepEqual(Array.from(out.subarray(16, 32)), Array.from(B6));
    assert.deepEqual(Array.from(out.subarray(32, 36)), [0, 1, 0xff, 0xff]);
  });

  test('at time 0 the ISN is F() alone (M = 0)', () => {
    const g = new IsnGenerator(KEY);
    assert.equal(g.isn(A4, 40000, B4, 80, 0), g.offset(A4, 40000, B4, 80));
  });

  for (const [name, la, ra] of [
    ['IPv4', A4, B4],
    ['IPv6', A6, B6],
  ] as const) {
    test(`${name}: the same 4-tuple later gets ISN + 250 per ms (the 4 us clock), modulo 2^32`, () => {
      const g = new IsnGenerator(KEY);
      const f = g.offset(la, 40000, ra, 443);
      const base = g.isn(la, 40000, ra, 443, 0);
      for (const ms of [1, 2, 10, 1000, 60_000, 3_600_000, 17_179_869, 17_179_870, 17_179_869.184, 10 * 17_179_869.184 + 3]) {
        const expected = (Math.floor(ms * 250) + f) % TWO32; // M = floor(t / 4 us)
        assert.equal(g.isn(la, 40000, ra, 443, ms), expected, `t=${ms} ms`);
        assert.equal(fwd(base, g.isn(la, 40000, ra, 443, ms)), Math.floor(ms * 250) % TWO32);
      }
      // Sub-millisecond times: M ticks every 4 us.
      assert.equal(fwd(base, g.isn(la, 40000, ra, 443, 0.004)), 1);
      assert.equal(fwd(base, g.isn(la, 40000, ra, 443, 0.0039)), 0);
      assert.equal(fwd(base, g.isn(la, 40000, ra, 443, 0.5)), 125);
    });

    test(`${name}: ISNs of one 4-tuple increase monotonically in sequence space over short spans`, () => {
      const g = new IsnGenerator(KEY);
      let prev = g.isn(la, 1234, ra, 80, 0);
      // 2^32 ticks take 4.77 hours: this walks across several wraps of M in steps of ~1000 s.
      for (let t = 999_983; t < 60_000_000; t += 999_983) {
        const cur = g.isn(la, 1234, ra, 80, t);
        const d = fwd(prev, cur);
        assert.equal(d, 999_983 * 250, `t=${t}`);
        assert.ok(d > 0 && d < 2 ** 31, `t=${t}: ISN moved forward by ${d}`);
        prev = cur;
      }
    });
  }

  test('deterministic for a fixed key; a RandomSource with a fixed seed gives a fixed key', () => {
    const g1 = new IsnGenerator(KEY);
    const g2 = new IsnGenerator(Uint8Array.from(KEY));
    const r1 = new IsnGenerator(new SeededRandom(7));
    const r2 = new IsnGenerator(new SeededRandom(7));
    const r3 = new IsnGenerator(new SeededRandom(8));
    let differ = 0;
    for (let port = 1000; port < 1100; port++) {
      assert.equal(g1.isn(A4, port, B4, 80, 12345.6), g2.isn(A4, port, B4, 80, 12345.6));
      assert.equal(r1.isn(A6, port, B6, 80, 99), r2.isn(A6, port, B6, 80, 99));
      if (r1.isn(A6, port, B6, 80, 99) !== r3.isn(A6, port, B6, 80, 99)) differ++;
    }
    assert.ok(differ >= 99, `other seed, other key: ${differ}/100 differ`);
  });

  test('the key changes F(): the same tuple under two keys gives unrelated offsets', () => {
    const other = Uint8Array.from(KEY);
    other[15] ^= 1; // one bit
    const g1 = new IsnGenerator(KEY);
    const g2 = new IsnGenerator(other);
    let same = 0;
    const bitsFlipped: number[] = [];
    for (let port = 1; port <= 2000; port++) {
      const a = g1.offset(A4, port, B4, 80);
      const b = g2.offset(A4, port, B4, 80);
      if (a === b) same++;
      bitsFlipped.push(popcount(a ^ b));
    }
    assert.equal(same, 0);
    const mean = bitsFlipped.reduce((s, x) => s + x, 0) / bitsFlipped.length;
    assert.ok(mean > 15 && mean < 17, `avalanche: mean ${mean} of 32 bits differ`);
  });

  test('every field of the 4-tuple changes F(), including swapping the ends', () => {
    const g = new IsnGenerator(KEY);
    const f = g.offset(A4, 40000, B4, 80);
    assert.notEqual(g.offset(A4 + 1, 40000, B4, 80), f);
    assert.notEqual(g.offset(A4, 40001, B4, 80), f);
    assert.notEqual(g.offset(A4, 40000, B4 + 1, 80), f);
    assert.notEqual(g.offset(A4, 40000, B4, 81), f);
    assert.notEqual(g.offset(B4, 80, A4, 40000), f);
    assert.notEqual(g.offset(A4, 80, B4, 40000), f);
    const f6 = g.offset(A6, 40000, B6, 80);
    assert.notEqual(g.offset(B6, 80, A6, 40000), f6);
    // IPv4-mapped IPv6 (::ffff:10.0.0.1) is a different tuple from its IPv4 form.
    const mapped = (v4: number): Uint8Array => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, v4 >>> 24, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff]);
    assert.notEqual(g.offset(mapped(A4), 40000, mapped(B4), 80), f);
  });

  for (const [name, tuple] of [
    ['IPv4, consecutive local ports', (i: number) => [A4, 49152 + (i % 16384), B4 + Math.floor(i / 16384), 443] as const],
    ['IPv4, consecutive remote addresses', (i: number) => [A4, 40000, (B4 + i) >>> 0, 80] as const],
    [
      'IPv6, consecutive remote addresses',
      (i: number) => {
        const r = Uint8Array.from(B6);
        r[14] = i >>> 8;
        r[15] = i & 0xff;
        return [A6, 40000, r, 80] as const;
      },
    ],
  ] as const) {
    test(`${name}: 10,000 offsets spread over the 32-bit space`, () => {
      const g = new IsnGenerator(KEY);
      const offsets: number[] = [];
      for (let i = 0; i < 10_000; i++) {
        const [la, lp, ra, rp] = tuple(i);
        offsets.push(g.offset(la, lp, ra, rp));
      }
      // 16 equal buckets by the top 4 bits: 625 expected in each. Chi-square with 15 degrees of freedom
      // exceeds 50 with probability about 1e-5.
      const buckets = new Array<number>(16).fill(0);
      for (const o of offsets) buckets[o >>> 28]++;
      const chi = buckets.reduce((s, n) => s + (n - 625) ** 2 / 625, 0);
      assert.ok(chi < 50, `top-nibble buckets ${buckets.join(',')}: chi-square ${chi.toFixed(1)}`);
      // The low bits too (a weak hash often fails here): 16 buckets by the low 4 bits.
      const low = new Array<number>(16).fill(0);
      for (const o of offsets) low[o & 15]++;
      const chiLow = low.reduce((s, n) => s + (n - 625) ** 2 / 625, 0);
      assert.ok(chiLow < 50, `low-nibble buckets ${low.join(',')}: chi-square ${chiLow.toFixed(1)}`);
      // Neighbouring tuples are unrelated: the step between consecutive offsets is not small.
      let nearSteps = 0;
      for (let i = 1; i < offsets.length; i++) {
        const d = fwd(offsets[i - 1], offsets[i]);
        if (d < 2 ** 24 || d > TWO32 - 2 ** 24) nearSteps++;
      }
      // Each step is within +-2^24 with probability 2^-7: about 78 of 9,999.
      assert.ok(nearSteps < 160, `${nearSteps} consecutive offsets within 2^24 of each other`);
      // Few collisions: 10,000 values in 2^32 collide with probability ~1%.
      assert.ok(new Set(offsets).size >= 9_998);
      // Mean near 2^31.
      const mean = offsets.reduce((s, x) => s + x, 0) / offsets.length;
      assert.ok(Math.abs(mean - 2 ** 31) < 0.03 * 2 ** 32, `mean offset ${mean}`);
    });
  }
});

function popcount(x: number): number {
  x >>>= 0;
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}
