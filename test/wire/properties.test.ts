/**
 * Property tests for wire/: sequence arithmetic, the Internet checksum, the TCP header and its
 * options, IPv4/IPv6 headers, whole packets, and address text forms.
 *
 * Every property is checked against an oracle written here and independent of the code under test:
 * a BigInt model of serial arithmetic, a byte-at-a-time ones'-complement sum, headers and options
 * assembled byte by byte, the option values that went in. fast-check runs with fixed seeds (and
 * prints the seed and the counterexample path when a property fails), so a run is reproducible.
 */
import { toHex as hex } from '../../src/wire/bytes.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SEQ_MODULUS,
  seq,
  seqAdd,
  seqDiff,
  seqDistance,
  seqGe,
  seqGt,
  seqInRange,
  seqInRangeInclusive,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
} from '../../src/wire/seq.js';
import { checksumAdjust16, checksumAdjust32, checksumFinish, foldSum, internetChecksum, onesSum } from '../../src/wire/checksum.js';
import {
  decodeTcpHeader,
  encodeTcpHeader,
  TCP_MAX_OPTIONS,
  tcpOptionsLength,
  type TcpHeader,
  type TcpHeaderFields,
  type TcpOptions,
  type UnknownOption,
} from '../../src/wire/tcp.js';
import { decodeIp, type Ipv4Header, type Ipv6Header } from '../../src/wire/ip.js';
import { decodeTcpPacket, encodeTcpPacket, tcpChecksumValid, type IpFieldsForTcp, type TcpPacket, type TcpPacketSpec } from '../../src/wire/packet.js';
import { tcpPacketSpec } from '../../src/wire/packet.js';
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../src/wire/address.js';

const RUNS = 300;
/** Options for fc.assert: a fixed seed per property (so adding one does not reshuffle the others). */
const cfg = (seed: number, numRuns = RUNS) => ({ seed, numRuns, endOnFailure: false });



// ---------------------------------------------------------------------------------------------
// Sequence numbers against a BigInt model of RFC 1982 serial arithmetic with SERIAL_BITS = 32.
// ---------------------------------------------------------------------------------------------

const M = 1n << 32n;
const HALF = 1n << 31n;
const big = (n: number) => BigInt(n);
const mod = (x: bigint) => ((x % M) + M) % M;
/** Forward distance from a to b. */
const mDist = (a: number, b: number) => mod(big(b) - big(a));
const mLt = (a: number, b: number) => {
  const d = mDist(a, b);
  return d > 0n && d < HALF;
};
const mGt = (a: number, b: number) => mLt(b, a);
const mLe = (a: number, b: number) => a === b || mLt(a, b);
const mGe = (a: number, b: number) => a === b || mGt(a, b);
const mDiff = (b: number, a: number) => {
  const d = mDist(a, b);
  return Number(d >= HALF ? d - M : d);
};

/** Values clustered where serial arithmetic breaks: 0, 2^31 - 1, 2^31, 2^32 - 1; and anywhere. */
const near = (c: number, r = 8) => fc.integer({ min: -r, max: r }).map((d) => Number(mod(big(c) + big(d))));
const seqArb = fc.oneof(near(0), near(2 ** 31), near(2 ** 32 - 1), near(2 ** 30), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
/** Distances clustered at 0 and at +-2^31 (the undefined point and its neighbours), plus any. */
const deltaArb = fc.oneof(
  fc.integer({ min: -8, max: 8 }),
  fc.integer({ min: 2 ** 31 - 8, max: 2 ** 31 + 8 }),
  fc.integer({ min: -(2 ** 31) - 8, max: -(2 ** 31) + 8 }),
  fc.integer({ min: -(2 ** 32), max: 2 ** 32 }),
);
const pairArb = fc.oneof(
  fc.tuple(seqArb, seqArb),
  fc.tuple(seqArb, deltaArb).map(([a, d]): [number, number] => [a, Number(mod(big(a) + big(d)))]),
);

describe('sequence arithmetic (seq.ts) against a BigInt model', () => {
  test('seqLt/Le/Gt/Ge, seqDiff, seqDistance agree with the model', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        assert.equal(seqLt(a, b), mLt(a, b), `seqLt(${a}, ${b})`);
        assert.equal(seqLe(a, b), mLe(a, b), `seqLe(${a}, ${b})`);
        assert.equal(seqGt(a, b), mGt(a, b), `seqGt(${a}, ${b})`);
        assert.equal(seqGe(a, b), mGe(a, b), `seqGe(${a}, ${b})`);
        assert.equal(seqDiff(b, a), mDiff(b, a), `seqDiff(${b}, ${a})`);
        assert.equal(seqDistance(a, b), Number(mDist(a, b)), `seqDistance(${a}, ${b})`);
      }),
      cfg(101, 10000),
    );
  });

  test('the order is antisymmetric and dual (Lt(a,b) == Gt(b,a)); 2^31 apart is incomparable', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        assert.equal(seqLt(a, b), seqGt(b, a));
        assert.equal(seqLe(a, b), seqGe(b, a));
        assert.ok(!(seqLt(a, b) && seqLt(b, a)), 'a < b and b < a');
        if (seqLe(a, b) && seqLe(b, a)) assert.equal(a, b);
        assert.equal(seqLe(a, b), seqLt(a, b) || a === b);
        const lt = seqLt(a, b);
        const gt = seqGt(a, b);
        const eq = a === b;
        if (mDist(a, b) === HALF) {
          assert.ok(!lt && !gt && !eq, `${a} and ${b} are 2^31 apart: neither less nor greater`);
        } else {
          assert.equal(Number(lt) + Number(gt) + Number(eq), 1, `trichotomy for ${a}, ${b}`);
        }
      }),
      cfg(102, 10000),
    );
  });

  test('seq/seqAdd reduce modulo 2^32; a + n - n == a; seqDiff(a + n, a) == n', () => {
    const nArb = fc.oneof(deltaArb, fc.integer({ min: -(2 ** 40), max: 2 ** 40 }));
    fc.assert(
      fc.property(seqArb, nArb, (a, n) => {
        const s = seqAdd(a, n);
        assert.equal(s, Number(mod(big(a) + big(n))));
        assert.ok(Number.isInteger(s) && s >= 0 && s < SEQ_MODULUS);
        assert.equal(seqAdd(s, -n), a);
        assert.equal(seq(n), Number(mod(big(n))));
        assert.equal(seqDistance(a, s), Number(mod(big(n))));
        if (n >= -(2 ** 31) && n < 2 ** 31) assert.equal(seqDiff(s, a), n);
        if (n > 0 && n < 2 ** 31) assert.ok(seqLt(a, s) && seqGt(s, a));
      }),
      cfg(103, 10000),
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => assert.equal(seq(n), Number(mod(big(n))))),
      cfg(104, 1000),
    );
  });

  test('seqInRange / seqInRangeInclusive agree with the model, across the wrap', () => {
    const triple = fc.oneof(
      fc.tuple(seqArb, seqArb, seqArb),
      fc.tuple(seqArb, deltaArb, deltaArb).map(([lo, dx, dh]): [number, number, number] => [
        lo,
        Number(mod(big(lo) + big(dx))),
        Number(mod(big(lo) + big(dh))),
      ]),
    );
    fc.assert(
      fc.property(triple, ([lo, x, hi]) => {
        assert.equal(seqInRange(x, lo, hi), mDist(lo, x) < mDist(lo, hi), `seqInRange(${x}, ${lo}, ${hi})`);
        assert.equal(seqInRangeInclusive(x, lo, hi), mDist(lo, x) <= mDist(lo, hi), `seqInRangeInclusive(${x}, ${lo}, ${hi})`);
        assert.equal(seqInRange(x, lo, lo), false, 'an empty window holds nothing');
        assert.equal(seqInRangeInclusive(hi, lo, hi), true);
        assert.equal(seqInRangeInclusive(lo, lo, hi), true);
        assert.equal(seqInRange(hi, lo, hi), false);
      }),
      cfg(105, 10000),
    );
  });

  test('seqMax / seqMin pick the later / earlier of two comparable numbers, commutatively', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const mx = seqMax(a, b);
        const mn = seqMin(a, b);
        assert.ok(mx === a || mx === b);
        assert.ok(mn === a || mn === b);
        if (mDist(a, b) === HALF) return; // incomparable: either answer is allowed
        const later = mLt(a, b) ? b : a;
        const earlier = mLt(a, b) ? a : b;
        assert.equal(mx, later);
        assert.equal(mn, earlier);
        assert.equal(seqMax(b, a), mx);
        assert.equal(seqMin(b, a), mn);
      }),
      cfg(106, 10000),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The Internet checksum against a byte-at-a-time reference.
// ---------------------------------------------------------------------------------------------

/** Ones'-complement reduction of a non-negative integer to 16 bits, by modular arithmetic (not a fold loop). */
function refReduce(x: number): number {
  return x === 0 ? 0 : ((x - 1) % 0xffff) + 1;
}

/** RFC 1071 the slow way: big-endian 16-bit words, odd last byte padded with zero, end-around carry per word. */
function refSum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  let s = refReduce(initial);
  for (let i = start; i < end; i += 2) {
    s += (bytes[i] << 8) | (i + 1 < end ? bytes[i + 1] : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

/**
 * `data` copied into a fresh ArrayBuffer at byte offset `pre`, with `post` bytes after it. The bytes
 * around it are 0xa5, so a sum that strays outside the view comes out wrong.
 */
function placed(data: Uint8Array, pre: number, post: number): Uint8Array {
  const ab = new ArrayBuffer(pre + data.length + post);
  new Uint8Array(ab).fill(0xa5);
  const view = new Uint8Array(ab, pre, data.length);
  view.set(data);
  return view;
}

const bufferArb = fc.record({
  data: fc.oneof(
    fc.uint8Array({ maxLength: 80, size: 'max' }),
    fc.uint8Array({ maxLength: 4000, size: 'max' }),
    // Runs of 0xff are the worst case for carries.
    fc.integer({ min: 0, max: 4000 }).map((n) => new Uint8Array(n).fill(0xff)),
  ),
  pre: fc.integer({ min: 0, max: 7 }),
  post: fc.integer({ min: 0, max: 7 }),
  a: fc.nat(),
  b: fc.nat(),
  initial: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 2 ** 45 })),
});

describe('Internet checksum (checksum.ts) against a naive reference', () => {
  test('onesSum / internetChecksum equal the reference at every alignment, subrange and initial value', () => {
    fc.assert(
      fc.property(bufferArb, ({ data, pre, post, a, b, initial }) => {
        const view = placed(data, pre, post);
        const n = view.length;
        const start = a % (n + 1);
        const end = start + (b % (n - start + 1));
        const where = `len ${n} at byte offset ${pre}, [${start}, ${end}), initial ${initial}`;
        assert.equal(foldSum(onesSum(view)), refSum(view), `whole buffer, ${where}`);
        assert.equal(internetChecksum(view), ~refSum(view) & 0xffff, `internetChecksum, ${where}`);
        const sub = onesSum(view, start, end, initial);
        assert.ok(Number.isSafeInteger(sub) && sub >= 0, `unfolded sum ${sub} is a non-negative safe integer`);
        assert.equal(foldSum(sub), refSum(view, start, end, initial), `subrange, ${where}`);
        assert.equal(internetChecksum(view, start, end), ~refSum(view, start, end) & 0xffff, `internetChecksum subrange, ${where}`);
        assert.equal(checksumFinish(sub), ~refSum(view, start, end, initial) & 0xffff);
      }),
      cfg(201, 1000),
    );
  });

  test('partial sums concatenate: sum(a) + sum(b) == sum(a || b) when a has even length', () => {
    fc.assert(
      fc.property(bufferArb, ({ data, pre, post, a, b }) => {
        const view = placed(data, pre, post);
        const n = view.length;
        let mid = a % (n + 1);
        if (mid & 1) mid--;
        const end = mid + (b % (n - mid + 1));
        const joined = foldSum(onesSum(view, 0, mid) + onesSum(view, mid, end));
        assert.equal(joined, foldSum(onesSum(view, 0, end)), `split at ${mid} of [0, ${end}), offset ${pre}`);
        assert.equal(joined, refSum(view, 0, end));
        // And as separate arrays: the sum of a piece does not depend on where its buffer is.
        const left = placed(view.slice(0, mid), post, 0);
        const right = placed(view.slice(mid, end), (pre + 1) & 7, 3);
        assert.equal(foldSum(onesSum(left) + onesSum(right)), refSum(view, 0, end));
      }),
      cfg(202, 500),
    );
  });

  test('checksumAdjust16 / checksumAdjust32 equal a full recomputation', () => {
    const arb = fc.record({
      data: fc.uint8Array({ minLength: 4, maxLength: 300, size: 'max' }),
      pre: fc.integer({ min: 0, max: 3 }),
      at: fc.nat(),
      word: fc.integer({ min: 0, max: 0xffff }),
      dword: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      // A pseudo-header always contributes (protocol 6 at least), so the covered sum is never zero.
      initial: fc.integer({ min: 1, max: 2 ** 20 }),
      zero: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, ({ data, pre, at, word, dword, initial, zero }) => {
        const len = data.length & ~1;
        const buf = placed(zero ? new Uint8Array(len) : data.subarray(0, len), pre, 1);
        const full = () => checksumFinish(onesSum(buf, 0, len, initial));
        const expectFull = () => ~refSum(buf, 0, len, initial) & 0xffff;
        // 16-bit word at an even offset.
        const k = (at % (len / 2)) * 2;
        const before = full();
        assert.equal(before, expectFull());
        const old16 = (buf[k] << 8) | buf[k + 1];
        buf[k] = word >>> 8;
        buf[k + 1] = word & 0xff;
        assert.equal(checksumAdjust16(before, old16, word), full(), `16-bit word at ${k}: ${old16} -> ${word}`);
        assert.equal(full(), expectFull());
        // 32-bit field at an even offset.
        const k4 = (at % ((len - 2) / 2)) * 2;
        const before32 = full();
        const old32 = ((buf[k4] << 24) | (buf[k4 + 1] << 16) | (buf[k4 + 2] << 8) | buf[k4 + 3]) >>> 0;
        buf[k4] = dword >>> 24;
        buf[k4 + 1] = (dword >>> 16) & 0xff;
        buf[k4 + 2] = (dword >>> 8) & 0xff;
        buf[k4 + 3] = dword & 0xff;
        assert.equal(checksumAdjust32(before32, old32, dword), full(), `32-bit field at ${k4}: ${old32} -> ${dword}`);
        assert.equal(full(), expectFull());
      }),
      cfg(203, 2000),
    );
  });

  test('RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2, at every alignment and repeated', () => {
    const example = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    for (let pre = 0; pre < 8; pre++) {
      const v = placed(example, pre, 3);
      assert.equal(foldSum(onesSum(v)), 0xddf2, `offset ${pre}`);
      assert.equal(internetChecksum(v), 0x220d, `offset ${pre}`);
      // Long enough for the word-at-a-time path: n copies sum to n * 0x2ddf0 before folding.
      for (const n of [6, 7, 8, 100, 513]) {
        const rep = new Uint8Array(8 * n);
        for (let i = 0; i < n; i++) rep.set(example, 8 * i);
        const rv = placed(rep, pre, 1);
        assert.equal(foldSum(onesSum(rv)), refReduce(n * 0x2ddf0), `${n} copies at offset ${pre}`);
      }
    }
  });

  test('more than one block of 2^20 words (4 MiB) of 0xff sums exactly, at odd and even offsets', () => {
    const n = (1 << 22) + 4 * 1000 + 3;
    for (const pre of [0, 1, 2, 3]) {
      const v = placed(new Uint8Array(n).fill(0xff), pre, 0);
      assert.equal(foldSum(onesSum(v)), refSum(v), `offset ${pre}`);
      assert.equal(foldSum(onesSum(v, 1, n - 1, 12345)), refSum(v, 1, n - 1, 12345), `offset ${pre}, inner`);
    }
    const noisy = new Uint8Array(n);
    for (let i = 0; i < n; i++) noisy[i] = (i * 2654435761) >>> 24;
    const v = placed(noisy, 1, 0);
    assert.equal(foldSum(onesSum(v)), refSum(v));
  });
});

// ---------------------------------------------------------------------------------------------
// TCP header and options.
// ---------------------------------------------------------------------------------------------

const u16Arb = fc.integer({ min: 0, max: 0xffff });
const u32Arb = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), near(0, 2), near(2 ** 32 - 1, 2), near(2 ** 31, 2));
/** Option kinds with no typed field. */
const unknownKindArb = fc.integer({ min: 6, max: 255 }).filter((k) => k !== 8 && k !== 34);

const fieldsArb = fc.record({
  srcPort: u16Arb,
  dstPort: u16Arb,
  seq: u32Arb,
  ack: u32Arb,
  flags: fc.integer({ min: 0, max: 0xfff }),
  window: u16Arb,
  urgentPointer: u16Arb,
  checksum: u16Arb,
});

const cookieArb = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 4, maxLength: 16 }));
const sackArb = fc.array(fc.tuple(u32Arb, u32Arb), { minLength: 1, maxLength: 4 });
const optionsArb = fc.record({
  mss: fc.option(u16Arb, { nil: undefined }),
  wscale: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  sackPermitted: fc.option(fc.constant(true as const), { nil: undefined }),
  sack: fc.option(sackArb, { nil: undefined }),
  timestamp: fc.option(fc.record({ value: u32Arb, echo: u32Arb }), { nil: undefined }),
  fastOpenCookie: fc.option(cookieArb, { nil: undefined }),
  unknown: fc.option(fc.array(fc.record({ kind: unknownKindArb, data: fc.uint8Array({ maxLength: 12 }) }), { minLength: 1, maxLength: 3 }), {
    nil: undefined,
  }),
});

function clean(o: TcpOptions): TcpOptions {
  const out: TcpOptions = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Bytes the options take without any NOP or padding: a lower bound on their encoded length. */
function rawOptionBytes(o: TcpOptions): number {
  return (
    (o.mss !== undefined ? 4 : 0) +
    (o.wscale !== undefined ? 3 : 0) +
    (o.sackPermitted ? 2 : 0) +
    (o.sack ? 2 + 8 * o.sack.length : 0) +
    (o.timestamp ? 10 : 0) +
    (o.fastOpenCookie ? 2 + o.fastOpenCookie.length : 0) +
    (o.unknown ?? []).reduce((n, u) => n + 2 + u.data.length, 0)
  );
}

/** Drop options until they fit in 40 bytes. */
function fit(o: TcpOptions): TcpOptions {
  const x = clean({ ...o, sack: o.sack?.slice(), unknown: o.unknown?.slice() });
  while (tcpOptionsLength(x) > TCP_MAX_OPTIONS) {
    if (x.unknown?.length) {
      x.unknown.pop();
      if (!x.unknown.length) delete x.unknown;
    } else if (x.sack && x.sack.length > 1) x.sack.pop();
    else if (x.fastOpenCookie) delete x.fastOpenCookie;
    else if (x.sack) delete x.sack;
    else delete x.timestamp;
  }
  return x;
}

/** The typed view of options, for comparing what went in with what came out. */
function typedView(o: TcpOptions) {
  return {
    mss: o.mss,
    wscale: o.wscale,
    sackPermitted: o.sackPermitted ?? undefined,
    sack: o.sack?.map(([l, r]) => [l, r]),
    timestamp: o.timestamp ? { value: o.timestamp.value, echo: o.timestamp.echo } : undefined,
    fastOpenCookie: o.fastOpenCookie ? [...o.fastOpenCookie] : undefined,
    unknown: o.unknown?.map((u) => ({ kind: u.kind, data: [...u.data] })),
  };
}

describe('TCP header and options (tcp.ts)', () => {
  test('encode then decode gives back every field and option', () => {
    fc.assert(
      fc.property(fieldsArb, optionsArb.map(clean).map(fit), fc.uint8Array({ maxLength: 20 }), (f, options, payload) => {
        const fields: TcpHeaderFields = { ...f, options };
        const buf = new Uint8Array(60 + payload.length);
        const n = encodeTcpHeader(fields, buf);
        buf.set(payload, n);
        const seg = buf.subarray(0, n + payload.length);
        // Independent checks on the bytes themselves.
        assert.equal(n % 4, 0);
        assert.ok(n >= 20 + rawOptionBytes(options) && n <= 60, `header length ${n} for ${rawOptionBytes(options)} option bytes`);
        assert.equal(seg[12] >>> 4, n / 4, 'data offset');
        assert.equal(((seg[12] & 0x0f) << 8) | seg[13], f.flags, 'flags incl. reserved and AE');
        assert.equal((seg[0] << 8) | seg[1], f.srcPort);
        assert.equal(((seg[4] << 24) | (seg[5] << 16) | (seg[6] << 8) | seg[7]) >>> 0, f.seq);
        const d = decodeTcpHeader(seg);
        assert.ok(d.ok, `decode failed: ${!d.ok && d.reason} ${hex(seg)}`);
        assert.equal(d.headerLength, n);
        for (const k of ['srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'urgentPointer', 'checksum'] as const) {
          assert.equal(d[k], f[k], k);
        }
        assert.deepEqual(typedView(d.options), typedView(options), hex(seg));
      }),
      cfg(301, 3000),
    );
  });

  test('more than 40 bytes of options is refused with a RangeError', () => {
    const big = optionsArb.map(clean).filter((o) => rawOptionBytes(o) > TCP_MAX_OPTIONS);
    fc.assert(
      fc.property(fieldsArb, big, (f, options) => {
        assert.throws(() => encodeTcpHeader({ ...f, options }, new Uint8Array(200)), RangeError);
      }),
      cfg(302, 300),
    );
    // The boundary by hand: 4 SACK blocks (34) + NOP NOP (2) + MSS (4) = 40 fits; one more byte does not.
    const sack: [number, number][] = [[1, 2], [3, 4], [5, 6], [7, 8]];
    const base = { srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: 0x10, window: 5, urgentPointer: 0 };
    assert.equal(encodeTcpHeader({ ...base, options: { mss: 1460, sack } }, new Uint8Array(60)), 60);
    assert.throws(() => encodeTcpHeader({ ...base, options: { mss: 1460, sack, sackPermitted: true } }, new Uint8Array(80)), RangeError);
    assert.throws(() => encodeTcpHeader({ ...base, options: { unknown: [{ kind: 99, data: new Uint8Array(39) }] } }, new Uint8Array(80)), RangeError);
  });

  test('decode then encode reproduces hand-assembled headers byte for byte (each known kind at most once)', () => {
    fc.assert(
      fc.property(fieldsArb, optionListArb(false), fc.uint8Array({ maxLength: 16 }), (f, list, payload) => {
        checkHandAssembled(f, list, payload);
      }),
      cfg(303, 5000),
    );
  });

  test('decode then encode reproduces hand-assembled headers with repeated known kinds', () => {
    fc.assert(
      fc.property(fieldsArb, optionListArb(true), fc.uint8Array({ maxLength: 16 }), (f, list, payload) => {
        checkHandAssembled(f, list, payload);
      }),
      cfg(304, 5000),
    );
  });
});

/** One option as the test assembles it. */
type Item =
  | { t: 'nop' }
  | { t: 'mss'; v: number }
  | { t: 'ws'; v: number }
  | { t: 'sackp' }
  | { t: 'sack'; blocks: [number, number][] }
  | { t: 'ts'; value: number; echo: number }
  | { t: 'tfo'; cookie: Uint8Array }
  /** Any kind with raw data: an unknown kind, or a known kind with a wrong length. */
  | { t: 'raw'; kind: number; data: Uint8Array };

const KNOWN_LENGTHS: Record<number, (len: number) => boolean> = {
  2: (l) => l === 4,
  3: (l) => l === 3,
  4: (l) => l === 2,
  5: (l) => l >= 10 && l <= 34 && (l - 2) % 8 === 0,
  8: (l) => l === 10,
  34: (l) => l === 2 || (l >= 6 && l <= 18),
};

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  fc.constant<Item>({ t: 'nop' }),
  u16Arb.map((v): Item => ({ t: 'mss', v })),
  fc.integer({ min: 0, max: 255 }).map((v): Item => ({ t: 'ws', v })),
  fc.constant<Item>({ t: 'sackp' }),
  sackArb.map((blocks): Item => ({ t: 'sack', blocks })),
  fc.record({ value: u32Arb, echo: u32Arb }).map(({ value, echo }): Item => ({ t: 'ts', value, echo })),
  cookieArb.map((cookie): Item => ({ t: 'tfo', cookie })),
  fc.record({ kind: unknownKindArb, data: fc.uint8Array({ maxLength: 10 }) }).map(({ kind, data }): Item => ({ t: 'raw', kind, data })),
  // A known kind with a length that is wrong for it: kept raw, never believed.
  fc
    .record({ kind: fc.constantFrom(2, 3, 4, 5, 8, 34), data: fc.uint8Array({ maxLength: 12 }) })
    .filter(({ kind, data }) => !KNOWN_LENGTHS[kind](data.length + 2))
    .map(({ kind, data }): Item => ({ t: 'raw', kind, data })),
);

function itemKind(it: Item): number {
  switch (it.t) {
    case 'nop': return 1;
    case 'mss': return 2;
    case 'ws': return 3;
    case 'sackp': return 4;
    case 'sack': return 5;
    case 'ts': return 8;
    case 'tfo': return 34;
    case 'raw': return it.kind;
  }
}

function itemBytes(it: Item): number[] {
  const be32 = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  switch (it.t) {
    case 'nop': return [1];
    case 'mss': return [2, 4, it.v >>> 8, it.v & 0xff];
    case 'ws': return [3, 3, it.v];
    case 'sackp': return [4, 2];
    case 'sack': return [5, 2 + 8 * it.blocks.length, ...it.blocks.flatMap(([l, r]) => [...be32(l), ...be32(r)])];
    case 'ts': return [8, 10, ...be32(it.value), ...be32(it.echo)];
    case 'tfo': return [34, 2 + it.cookie.length, ...it.cookie];
    case 'raw': return [it.kind, 2 + it.data.length, ...it.data];
  }
}

interface OptionList {
  items: Item[];
  /** End with EOL, then zero padding to a multiple of 4 plus this many more zero words. */
  eol: boolean;
  extraPadWords: number;
}

/** An ordered list of options that fits in 40 bytes; with `repeats`, known kinds may appear more than once. */
function optionListArb(repeats: boolean): fc.Arbitrary<OptionList> {
  return fc.record({ items: fc.array(itemArb, { maxLength: 12 }), eol: fc.boolean(), extraPadWords: fc.integer({ min: 0, max: 3 }) }).map(
    ({ items, eol, extraPadWords }) => {
      const seen = new Set<number>();
      const kept: Item[] = [];
      let n = 0;
      for (const it of items) {
        const k = itemKind(it);
        if (!repeats && k !== 1 && seen.has(k)) continue;
        const len = itemBytes(it).length;
        if (n + len + (eol ? 1 : 0) > TCP_MAX_OPTIONS) continue;
        seen.add(k);
        kept.push(it);
        n += len;
      }
      return { items: kept, eol, extraPadWords };
    },
  );
}

function assembleOptions(list: OptionList): Uint8Array {
  const bytes = list.items.flatMap(itemBytes);
  if (list.eol) bytes.push(0);
  let padded = (bytes.length + 3) & ~3;
  if (list.eol) padded = Math.min(TCP_MAX_OPTIONS, padded + 4 * list.extraPadWords);
  while (bytes.length < padded) bytes.push(0);
  return Uint8Array.from(bytes);
}

/** What a decoder should make of the list: last well-formed occurrence believed; malformed or repeated kinds kept raw. */
function expectedOptions(list: OptionList) {
  const counts = new Map<number, number>();
  for (const it of list.items) counts.set(itemKind(it), (counts.get(itemKind(it)) ?? 0) + 1);
  const o: TcpOptions = {};
  const unknown: UnknownOption[] = [];
  for (const it of list.items) {
    const k = itemKind(it);
    const repeated = k in KNOWN_LENGTHS && (counts.get(k) ?? 0) > 1;
    if (it.t === 'nop') continue;
    if (it.t === 'raw') {
      unknown.push({ kind: it.kind, data: it.data });
      continue;
    }
    if (repeated) unknown.push({ kind: k, data: Uint8Array.from(itemBytes(it).slice(2)) });
    if (it.t === 'mss') o.mss = it.v;
    if (it.t === 'ws') o.wscale = it.v;
    if (it.t === 'sackp') o.sackPermitted = true;
    if (it.t === 'sack') o.sack = it.blocks;
    if (it.t === 'ts') o.timestamp = { value: it.value, echo: it.echo };
    if (it.t === 'tfo') o.fastOpenCookie = it.cookie;
  }
  if (unknown.length) o.unknown = unknown;
  return typedView(o);
}

function checkHandAssembled(f: TcpHeaderFields & { checksum: number }, list: OptionList, payload: Uint8Array): void {
  const opts = assembleOptions(list);
  const hl = 20 + opts.length;
  const seg = new Uint8Array(hl + payload.length);
  seg[0] = f.srcPort >>> 8;
  seg[1] = f.srcPort & 0xff;
  seg[2] = f.dstPort >>> 8;
  seg[3] = f.dstPort & 0xff;
  for (let i = 0; i < 4; i++) {
    seg[4 + i] = (f.seq >>> (24 - 8 * i)) & 0xff;
    seg[8 + i] = (f.ack >>> (24 - 8 * i)) & 0xff;
  }
  seg[12] = ((hl / 4) << 4) | (f.flags >>> 8);
  seg[13] = f.flags & 0xff;
  seg[14] = f.window >>> 8;
  seg[15] = f.window & 0xff;
  seg[16] = f.checksum >>> 8;
  seg[17] = f.checksum & 0xff;
  seg[18] = f.urgentPointer >>> 8;
  seg[19] = f.urgentPointer & 0xff;
  seg.set(opts, 20);
  seg.set(payload, hl);
  const d = decodeTcpHeader(seg);
  assert.ok(d.ok, `decode failed (${!d.ok && d.reason}: ${!d.ok && d.detail}) for ${hex(seg)}`);
  assert.equal(d.headerLength, hl);
  for (const k of ['srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'urgentPointer', 'checksum'] as const) assert.equal(d[k], f[k], k);
  assert.deepEqual(typedView(d.options), expectedOptions(list), `options of ${hex(seg)}`);
  // The decoded order starts with the assembled kinds.
  assert.deepEqual(d.options.order?.slice(0, list.items.length) ?? [], list.items.map(itemKind));
  assert.equal(tcpOptionsLength(d.options), opts.length, `options length for ${hex(seg)}`);
  const out = new Uint8Array(hl + 8).fill(0xee);
  const n = encodeTcpHeader(d, out);
  assert.equal(n, hl);
  assert.equal(hex(out.subarray(0, n)), hex(seg.subarray(0, hl)), 'decode then encode changed the header');
}

// ---------------------------------------------------------------------------------------------
// Whole packets, IPv4 and IPv6.
// ---------------------------------------------------------------------------------------------

const v6AddrArb = fc.uint8Array({ minLength: 16, maxLength: 16 });

/** An IPv6 extension header of (len + 1) * 8 bytes whose Next Header is `next`. */
function extHeader(next: number, body: Uint8Array): Uint8Array {
  const len = (body.length + 2 + 7) & ~7;
  const h = new Uint8Array(len);
  h[0] = next;
  h[1] = len / 8 - 1;
  h.set(body, 2);
  return h;
}

/** The IPv4 header fields that take any value of their width. */
const ipv4FreeFields = {
  src: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  dst: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  ttl: fc.integer({ min: 0, max: 255 }),
  dscp: fc.integer({ min: 0, max: 63 }),
  ecn: fc.integer({ min: 0, max: 3 }),
  identification: u16Arb,
  dontFragment: fc.boolean(),
  reservedFlag: fc.boolean(),
};

const ipv4Arb = fc.record({
  version: fc.constant(4 as const),
  ...ipv4FreeFields,
  moreFragments: fc.constant(false),
  fragmentOffset: fc.constant(0),
  options: fc.oneof(fc.constant(new Uint8Array(0)), fc.integer({ min: 1, max: 10 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w }))),
});

/** The IPv6 header fields that take any value of their width. */
const ipv6FreeFields = {
  src: v6AddrArb,
  dst: v6AddrArb,
  hopLimit: fc.integer({ min: 0, max: 255 }),
  dscp: fc.integer({ min: 0, max: 63 }),
  ecn: fc.integer({ min: 0, max: 3 }),
  flowLabel: fc.integer({ min: 0, max: 0xfffff }),
};

/** IPv6 with no extension header, a Hop-by-Hop or Destination Options header, or both. */
const ipv6Arb = fc
  .record({
    ...ipv6FreeFields,
    ext: fc.constantFrom('none', 'hbh', 'dst', 'both', 'atomic-frag'),
    body1: fc.uint8Array({ maxLength: 30 }),
    body2: fc.uint8Array({ maxLength: 14 }),
  })
  .map(({ ext, body1, body2, ...f }): IpFieldsForTcp => {
    if (ext === 'none') return { version: 6, ...f };
    if (ext === 'hbh') return { version: 6, ...f, nextHeader: 0, extensionHeaders: extHeader(6, body1) };
    if (ext === 'dst') return { version: 6, ...f, nextHeader: 60, extensionHeaders: extHeader(6, body1) };
    if (ext === 'atomic-frag') {
      // RFC 6946: a Fragment header with offset 0 and M clear is a whole packet.
      const frag = Uint8Array.of(6, 0, 0, 0, body2[0] ?? 0, body2[1] ?? 0, body2[2] ?? 0, body2[3] ?? 0);
      return { version: 6, ...f, nextHeader: 44, extensionHeaders: frag };
    }
    const a = extHeader(60, body1);
    const b = extHeader(6, body2);
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    return { version: 6, ...f, nextHeader: 0, extensionHeaders: both };
  });

const packetArb = fc.record({
  ip: fc.oneof(ipv4Arb, ipv6Arb),
  tcp: fc.tuple(fieldsArb, optionsArb.map(clean).map(fit)).map(([f, options]) => ({ ...f, options })),
  payload: fc.uint8Array({ maxLength: 64 }),
});


/** The TCP checksum over a pseudo-header assembled here byte by byte, verified with the reference sum. */
function refTcpChecksumOk(pkt: Uint8Array, ipHeaderLen: number, ip: IpFieldsForTcp): boolean {
  const segLen = pkt.length - ipHeaderLen;
  const pseudo: number[] = [];
  if (ip.version === 4) {
    for (const a of [ip.src, ip.dst]) pseudo.push(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
    pseudo.push(0, 6, segLen >>> 8, segLen & 0xff);
  } else {
    pseudo.push(...ip.src, ...ip.dst, 0, 0, segLen >>> 8, segLen & 0xff, 0, 0, 0, 6);
  }
  const all = new Uint8Array(pseudo.length + segLen);
  all.set(pseudo);
  all.set(pkt.subarray(ipHeaderLen), pseudo.length);
  return refSum(all) === 0xffff;
}

describe('whole packets (packet.ts, ip.ts)', () => {
  test('encode, decode, re-encode from the decoded fields: same bytes, checksums verify, every bit flip is caught', () => {
    fc.assert(
      fc.property(packetArb, fc.integer({ min: 0, max: 7 }), ({ ip, tcp, payload }, pre) => {
        const spec: TcpPacketSpec = { ip, tcp, payload };
        const pkt = placed(encodeTcpPacket(spec), pre, 2);
        // Check the IP header by hand.
        let ipHeaderLen: number;
        if (ip.version === 4) {
          ipHeaderLen = 20 + (ip.options?.length ?? 0);
          assert.equal(pkt[0], 0x40 | (ipHeaderLen / 4));
          assert.equal((pkt[2] << 8) | pkt[3], pkt.length, 'total length');
          assert.equal(pkt[9], 6);
          assert.equal(refSum(pkt, 0, ipHeaderLen), 0xffff, 'IPv4 header checksum');
        } else {
          ipHeaderLen = 40 + (ip.extensionHeaders?.length ?? 0);
          assert.equal(pkt[0] >>> 4, 6);
          assert.equal((pkt[4] << 8) | pkt[5], pkt.length - 40, 'payload length');
          assert.equal(pkt[6], ip.extensionHeaders ? ip.nextHeader : 6);
        }
        assert.ok(refTcpChecksumOk(pkt, ipHeaderLen, ip), 'TCP checksum by the reference');
        assert.equal(pkt.length, ipHeaderLen + 20 + tcpOptionsLength(tcp.options) + payload.length);

        const d = decodeTcpPacket(pkt);
        assert.ok(d.ok, `decode failed: ${!d.ok && d.reason} ${hex(pkt)}`);
        assert.equal(d.segmentOffset, ipHeaderLen);
        assert.equal(d.payloadLength, payload.length);
        assert.equal(hex(pkt.subarray(d.payloadOffset, d.payloadOffset + d.payloadLength)), hex(payload));
        assert.ok(tcpChecksumValid(d));
        for (const k of ['srcPort', 'dstPort', 'seq', 'ack', 'flags', 'window', 'urgentPointer'] as const) assert.equal(d.tcp[k], tcp[k], k);
        assert.deepEqual(typedView(d.tcp.options), typedView(tcp.options));
        const again = encodeTcpPacket(tcpPacketSpec(d));
        assert.equal(hex(again), hex(pkt), 're-encoding the decoded packet changed it');

        // Any single bit flipped in the TCP segment: the decoder refuses it or the checksum fails.
        const copy = placed(pkt, pre, 0);
        for (let i = ipHeaderLen; i < pkt.length; i++) {
          for (let bit = 0; bit < 8; bit++) {
            copy[i] ^= 1 << bit;
            const c = decodeTcpPacket(copy);
            assert.ok(!c.ok || !tcpChecksumValid(c), `flip of bit ${bit} of byte ${i} went unnoticed in ${hex(copy)}`);
            copy[i] ^= 1 << bit;
          }
        }
      }),
      cfg(401, 400),
    );
  });

  test('IPv4 header fields round trip; fragments are flagged and not decoded as TCP', () => {
    const arb = fc.record({
      ...ipv4FreeFields,
      moreFragments: fc.boolean(),
      fragmentOffset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x1fff })),
      options: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 8, maxLength: 8 })),
    });
    fc.assert(
      fc.property(arb, (f) => {
        const pkt = encodeTcpPacket({ ip: { version: 4, ...f }, tcp: { srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: 2, window: 5, urgentPointer: 0 } });
        // Bytes by hand (RFC 791 §3.1).
        assert.equal(pkt[1], (f.dscp << 2) | f.ecn);
        assert.equal((pkt[4] << 8) | pkt[5], f.identification);
        const ff = (pkt[6] << 8) | pkt[7];
        assert.equal(ff >>> 15, Number(f.reservedFlag));
        assert.equal((ff >>> 14) & 1, Number(f.dontFragment));
        assert.equal((ff >>> 13) & 1, Number(f.moreFragments));
        assert.equal(ff & 0x1fff, f.fragmentOffset);
        assert.equal(pkt[8], f.ttl);
        const ipp = decodeIp(pkt);
        assert.ok(ipp.ok);
        const h = ipp.ip as Ipv4Header;
        assert.equal(h.version, 4);
        assert.ok(h.checksumValid);
        for (const k of ['src', 'dst', 'ttl', 'dscp', 'ecn', 'identification', 'dontFragment', 'moreFragments', 'reservedFlag', 'fragmentOffset'] as const) {
          assert.equal(h[k], f[k], k);
        }
        assert.equal(hex(h.options), hex(f.options));
        const isFragment = f.moreFragments || f.fragmentOffset !== 0;
        assert.equal(ipp.fragment, isFragment);
        const t = decodeTcpPacket(pkt);
        if (isFragment) assert.ok(!t.ok && t.reason === 'fragment', 'a fragment must not decode as TCP');
        else assert.ok(t.ok);
        // A flipped header bit is caught by the IPv4 header checksum.
        const bad = pkt.slice();
        bad[8] ^= 0x10;
        const b = decodeIp(bad);
        assert.ok(b.ok && b.ip.version === 4 && !b.ip.checksumValid);
      }),
      cfg(402, 2000),
    );
  });

  test('IPv6 header fields round trip; a non-atomic Fragment header makes a fragment', () => {
    const arb = fc.record({
      ...ipv6FreeFields,
      frag: fc.option(fc.record({ offset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x1fff })), more: fc.boolean(), id: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }), {
        nil: undefined,
      }),
    });
    fc.assert(
      fc.property(arb, ({ frag, ...f }) => {
        const ext = frag
          ? Uint8Array.of(6, 0, frag.offset >>> 5, ((frag.offset << 3) & 0xf8) | Number(frag.more), frag.id >>> 24, (frag.id >>> 16) & 0xff, (frag.id >>> 8) & 0xff, frag.id & 0xff)
          : undefined;
        const ip: IpFieldsForTcp = ext ? { version: 6, ...f, nextHeader: 44, extensionHeaders: ext } : { version: 6, ...f };
        const pkt = encodeTcpPacket({ ip, tcp: { srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: 2, window: 5, urgentPointer: 0 } });
        // Bytes by hand (RFC 8200 §3).
        const tc = (f.dscp << 2) | f.ecn;
        assert.equal(pkt[0], 0x60 | (tc >>> 4));
        assert.equal(pkt[1], ((tc & 0x0f) << 4) | (f.flowLabel >>> 16));
        assert.equal((pkt[2] << 8) | pkt[3], f.flowLabel & 0xffff);
        assert.equal(pkt[7], f.hopLimit);
        const ipp = decodeIp(pkt);
        assert.ok(ipp.ok);
        const h = ipp.ip as Ipv6Header;
        assert.equal(h.version, 6);
        assert.equal(h.trafficClass, tc);
        for (const k of ['hopLimit', 'dscp', 'ecn', 'flowLabel'] as const) assert.equal(h[k], f[k], k);
        assert.equal(hex(h.src), hex(f.src));
        assert.equal(hex(h.dst), hex(f.dst));
        const isFragment = !!frag && (frag.offset !== 0 || frag.more);
        assert.equal(ipp.fragment, isFragment);
        const t = decodeTcpPacket(pkt);
        if (isFragment) assert.ok(!t.ok && t.reason === 'fragment');
        else {
          assert.ok(t.ok);
          assert.equal(t.segmentOffset, 40 + (ext?.length ?? 0));
          assert.ok(tcpChecksumValid(t));
        }
      }),
      cfg(403, 2000),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Addresses.
// ---------------------------------------------------------------------------------------------

function v6(...groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >>> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

/** Groups concentrated on zero so zero runs of every length and position occur. */
const v6GroupsArb = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), {
  minLength: 8,
  maxLength: 8,
});

describe('addresses (address.ts)', () => {
  test('ipv6ToString follows RFC 5952 on the cases it spells out', () => {
    const cases: [Uint8Array, string][] = [
      [v6(0x2001, 0x0db8, 0, 0, 0, 0, 0, 1), '2001:db8::1'], // §4.1 leading zeros dropped, §4.2.1 longest run
      [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), '2001:db8:0:1:1:1:1:1'], // §4.2.2 no "::" for one group
      [v6(0x2001, 0, 0, 1, 0, 0, 0, 1), '2001:0:0:1::1'], // §4.2.3 the longest run
      [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), '2001:db8::1:0:0:1'], // §4.2.3 the first run on a tie
      [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0xabcd, 0xef01), '2001:db8::abcd:ef01'], // §4.3 lower case
      [v6(0, 0, 0, 0, 0, 0, 0, 0), '::'],
      [v6(0, 0, 0, 0, 0, 0, 0, 1), '::1'],
      [v6(1, 0, 0, 0, 0, 0, 0, 0), '1::'],
      [v6(0xfe80, 0, 0, 0, 0x0202, 0xb3ff, 0xfe1e, 0x8329), 'fe80::202:b3ff:fe1e:8329'],
      [v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201), '::ffff:192.0.2.1'], // §5 IPv4-mapped
      [v6(0, 0, 0, 0, 0, 0xffff, 0, 0), '::ffff:0.0.0.0'],
      [v6(1, 2, 3, 4, 5, 6, 7, 8), '1:2:3:4:5:6:7:8'],
      [v6(0, 1, 2, 3, 4, 5, 6, 7), '0:1:2:3:4:5:6:7'],
      [v6(1, 0, 2, 0, 3, 0, 4, 0), '1:0:2:0:3:0:4:0'],
      [v6(0, 0, 1, 0, 0, 0, 1, 0), '0:0:1::1:0'],
      [v6(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ];
    for (const [addr, text] of cases) {
      assert.equal(ipv6ToString(addr), text);
      assert.equal(hex(parseIpv6(text)!), hex(addr), `parse ${text}`);
    }
    // Non-canonical forms parse to the same address.
    assert.equal(hex(parseIpv6('2001:0DB8:0000:0000:0000:0000:0000:0001')!), hex(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)));
    assert.equal(hex(parseIpv6('2001:db8:0::1')!), hex(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)));
    assert.equal(hex(parseIpv6('2001:db8::0:1')!), hex(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)));
    assert.equal(hex(parseIpv6('1:2:3:4:5:6:7::')!), hex(v6(1, 2, 3, 4, 5, 6, 7, 0)));
    assert.equal(hex(parseIpv6('::2:3:4:5:6:7:8')!), hex(v6(0, 2, 3, 4, 5, 6, 7, 8)));
    assert.equal(hex(parseIpv6('1:2:3:4:5:6:1.2.3.4')!), hex(v6(1, 2, 3, 4, 5, 6, 0x102, 0x304)));
    assert.equal(hex(parseIpv6('::FFFF:10.0.0.1')!), hex(v6(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001)));
  });

  test('ipv6ToString is canonical and parseIpv6 inverts it, for random addresses', () => {
    fc.assert(
      fc.property(v6GroupsArb, (groups) => {
        const addr = v6(...groups);
        const text = ipv6ToString(addr);
        assert.equal(hex(parseIpv6(text)!), hex(addr), text);
        assert.equal(text, text.toLowerCase());
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        if (mapped) {
          assert.equal(text, `::ffff:${groups[6] >>> 8}.${groups[6] & 0xff}.${groups[7] >>> 8}.${groups[7] & 0xff}`);
          return;
        }
        // The longest run of >= 2 zero groups (the first on a tie) is the one "::" replaces.
        let best = -1;
        let bestLen = 1;
        for (let i = 0; i < 8; i++) {
          let j = i;
          while (j < 8 && groups[j] === 0) j++;
          if (j - i > bestLen) [best, bestLen] = [i, j - i];
        }
        const hexes = groups.map((g) => g.toString(16));
        const expected = best < 0 ? hexes.join(':') : `${hexes.slice(0, best).join(':')}::${hexes.slice(best + bestLen).join(':')}`;
        assert.equal(text, expected);
        assert.ok(!/(^|:)0[0-9a-f]/.test(text), `no leading zeros in ${text}`);
        assert.ok(text.split('::').length <= 2);
      }),
      cfg(501, 3000),
    );
  });

  test('parseIpv4 / ipv4ToString round trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (a) => {
        const text = ipv4ToString(a);
        assert.equal(text, [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff].join('.'));
        assert.equal(parseIpv4(text), a);
      }),
      cfg(502, 3000),
    );
    fc.assert(
      fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), (o) => {
        assert.equal(parseIpv4(o.join('.')), ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0);
      }),
      cfg(503, 1000),
    );
  });

  test('invalid address texts are undefined', () => {
    for (const t of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.-1', 'a.b.c.d', ' 1.2.3.4', '1.2.3.4 ', '1..2.3', '1.2.3.4.', '0x1.2.3.4', '1e2.1.1.1']) {
      assert.equal(parseIpv4(t), undefined, JSON.stringify(t));
    }
    for (const t of [
      '',
      ':',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '12345::',
      'g::',
      ':1::',
      '1::2:',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '1::2:3:4:5:6:7:8',
      '::ffff:1.2.3',
      '::ffff:256.1.1.1',
      '::ffff:1.2.3.4.5',
      '1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::1.2.3.4:5',
      '1 ::',
      '[::1]',
    ]) {
      assert.equal(parseIpv6(t), undefined, JSON.stringify(t));
    }
    // Random text never throws, and whatever parses prints and parses back to itself.
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.x '.split('')), maxLength: 45 }), (t) => {
        const a = parseIpv6(t);
        if (a) assert.equal(hex(parseIpv6(ipv6ToString(a))!), hex(a));
        const b = parseIpv4(t);
        if (b !== undefined) assert.equal(ipv4ToString(b), t);
      }),
      cfg(504, 3000),
    );
  });
});
