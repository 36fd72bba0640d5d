/**
 * SYN cookies (RFC 4987 §3.6) in the manner of Linux's net/ipv4/syncookies.c: the codec alone, on
 * seeded secrets and explicit times. Expected MSS values come from Linux's tables and the rule
 * "largest entry <= the client's MSS"; acceptance rates of forgeries from the bit counts of the layout.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SynCookies,
  SYN_COOKIE_LAYOUT,
  SYN_COOKIE_MSS_V4,
  SYN_COOKIE_MSS_V6,
  encodeCookieTimestamp,
  decodeCookieTimestamp,
  type SynCookieCheck,
  type SynCookieFailure,
} from '../../src/stack/syn-cookies.js';
import { SeededRandom } from '../../src/tcp/random.js';
import type { IpAddress } from '../../src/wire/index.js';

const PERIOD = 64_000;
const TWO32 = 0x1_0000_0000;
const A4 = 0x0a000001; // 10.0.0.1 (us)
const B4 = 0xc0a80102; // 192.168.1.2 (client)
const A6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const B6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
/** An arbitrary time in the middle of a period. */
const T0 = 1000 * PERIOD + 12_345;

const MAC_BITS_MASK = ((2 ** SYN_COOKIE_LAYOUT.mac.bits - 1) << SYN_COOKIE_LAYOUT.mac.shift) >>> 0;
const INDEX_BIT = (i: number): number => 1 << (SYN_COOKIE_LAYOUT.mssIndex.shift + i);
const GEN_BIT = 1 << SYN_COOKIE_LAYOUT.generation.shift;

interface Tuple {
  local: IpAddress;
  localPort: number;
  remote: IpAddress;
  remotePort: number;
}

const families = [
  { name: 'IPv4', table: SYN_COOKIE_MSS_V4, defaultMss: 536, tuple: { local: A4, localPort: 80, remote: B4, remotePort: 40000 } as Tuple },
  { name: 'IPv6', table: SYN_COOKIE_MSS_V6, defaultMss: 1220, tuple: { local: A6, localPort: 443, remote: B6, remotePort: 51515 } as Tuple },
];

function enc(c: SynCookies, t: Tuple, clientIsn: number, clientMss: number | undefined, now: number) {
  return c.encode(t.local, t.localPort, t.remote, t.remotePort, clientIsn, clientMss, now);
}

function val(c: SynCookies, t: Tuple, clientIsn: number, ourIsn: number, now: number): SynCookieCheck {
  return c.validate(t.local, t.localPort, t.remote, t.remotePort, clientIsn, ourIsn, now);
}

function randomTuple(r: SeededRandom, v6: boolean): Tuple {
  const addr = (): IpAddress => (v6 ? r.bytes(16) : r.nextUint32());
  return { local: addr(), localPort: r.int(65536), remote: addr(), remotePort: r.int(65536) };
}

function reasons(results: SynCookieCheck[]): Record<SynCookieFailure | 'ok', number> {
  const n = { ok: 0, 'bad-hash': 0, expired: 0, 'bad-mss-index': 0 };
  for (const r of results) n[r.ok ? 'ok' : r.reason]++;
  return n;
}

describe('SYN cookies: MSS', () => {
  for (const f of families) {
    const t = f.tuple;
    test(`${f.name}: Linux's table ${f.table.join(', ')}; each entry, between entries, below, above and absent`, () => {
      const c = new SynCookies(new SeededRandom(1));
      const cases: [number | undefined, number][] = [];
      for (let i = 0; i < f.table.length; i++) {
        const entry = f.table[i];
        const next = f.table[i + 1];
        cases.push([entry, entry]);
        if (next !== undefined) cases.push([entry + 1, entry], [next - 1, entry], [Math.floor((entry + next) / 2), entry]);
      }
      // Below the smallest entry Linux grants the smallest (see encode's comment); above, the largest.
      cases.push([1, f.table[0]], [f.table[0] - 1, f.table[0]], [65535, f.table[f.table.length - 1]]);
      cases.push([undefined, f.defaultMss]); // RFC 9293 §3.7.1 MUST-15: no MSS option

      const isn0 = 0x12345678;
      for (const [clientMss, expected] of cases) {
        const cookie = enc(c, t, isn0, clientMss, T0);
        assert.equal(cookie.mss, expected, `granted MSS for client MSS ${clientMss}`);
        assert.deepEqual(val(c, t, isn0, cookie.isn, T0), { ok: true, mss: expected }, `validate, client MSS ${clientMss}`);
        // And a little later in the accepted window (next period).
        assert.deepEqual(val(c, t, isn0, cookie.isn, T0 + PERIOD), { ok: true, mss: expected });
      }
    });
  }

  test('the layout: index and counter sit under one mask per (4-tuple, client ISN); G is the generation parity', () => {
    const c = new SynCookies(new SeededRandom(2));
    const t = families[0].tuple;
    const low8 = (clientMss: number, now: number): number => enc(c, t, 777, clientMss, now).isn & 0xff;
    const base = low8(536, T0);
    // Same period, index 0 -> i: the low byte differs by exactly i << 5.
    for (let i = 1; i < 4; i++) assert.equal(base ^ low8(SYN_COOKIE_MSS_V4[i], T0), i << 5);
    // Same index, counter k -> k + d: the low five bits differ by k ^ (k + d).
    const k = Math.floor(T0 / PERIOD);
    for (const d of [1, 2, 7, 31]) assert.equal(base ^ low8(536, T0 + d * PERIOD), (k ^ (k + d)) & 31);
    assert.equal(enc(c, t, 777, 536, T0).isn & GEN_BIT, 0);
    c.rotate();
    assert.equal(enc(c, t, 777, 536, T0).isn & GEN_BIT, GEN_BIT);
    c.rotate();
    assert.equal(enc(c, t, 777, 536, T0).isn & GEN_BIT, 0);
  });

  test('a SYN retransmitted within the period gets the same cookie; a new client ISN a different one', () => {
    const c = new SynCookies(new SeededRandom(3));
    const t = families[0].tuple;
    const a = enc(c, t, 1000, 1460, T0);
    assert.deepEqual(enc(c, t, 1000, 1460, T0 + 1000), a);
    assert.notEqual(enc(c, t, 1001, 1460, T0).isn, a.isn);
  });
});

describe('SYN cookies: options in the timestamp', () => {
  const nows = [0, 1, 5, 63, 64, 65, 127, 12345, 0x7fffffff, 0x80000000, TWO32 - 64, TWO32 - 1];
  const wscales = [undefined, ...Array.from({ length: 15 }, (_, i) => i)];

  test('every wscale 0..14 (and none) × SACK × ECN round-trips at every clock value, never ahead of the clock', () => {
    let n = 0;
    for (const wscale of wscales) {
      for (const sackPermitted of [false, true]) {
        for (const ecn of [false, true]) {
          for (const now of nows) {
            const ts = encodeCookieTimestamp(now, { wscale, sackPermitted, ecn });
            assert.deepEqual(decodeCookieTimestamp(ts), { wscale, sackPermitted, ecn });
            // The bits where Linux puts them: wscale (0xf: none) in 0-3, SACK in 4, ECN in 5.
            assert.equal(ts & 0x3f, (wscale ?? 15) | (sackPermitted ? 16 : 0) | (ecn ? 32 : 0));
            // Not after the clock and less than one 64-tick block behind it (mod 2^32).
            const behind = (now - ts) >>> 0;
            assert.ok(behind < 64, `TSval ${ts} is ${behind} behind ${now}`);
            n++;
          }
        }
      }
    }
    assert.equal(n, 16 * 2 * 2 * nows.length);
  });

  test('the SynCookies methods are the same codec', () => {
    const c = new SynCookies(new SeededRandom(4));
    const ts = c.encodeTimestamp(1_000_000, { wscale: 7, sackPermitted: true, ecn: false });
    assert.equal(ts, encodeCookieTimestamp(1_000_000, { wscale: 7, sackPermitted: true, ecn: false }));
    assert.deepEqual(c.decodeTimestamp(ts), { wscale: 7, sackPermitted: true, ecn: false });
  });

  test('a shift above 14 is encoded as 14 (RFC 7323 §2.3); a negative or fractional one is a programmer error', () => {
    for (const w of [15, 16, 255]) assert.equal(decodeCookieTimestamp(encodeCookieTimestamp(5000, { wscale: w }))!.wscale, 14);
    assert.throws(() => encodeCookieTimestamp(5000, { wscale: -1 }), RangeError);
    assert.throws(() => encodeCookieTimestamp(5000, { wscale: 1.5 }), RangeError);
  });

  test('an echo claiming an option this host does not offer is impossible: undefined', () => {
    const sack = encodeCookieTimestamp(9999, { sackPermitted: true });
    const ws = encodeCookieTimestamp(9999, { wscale: 3 });
    const ecn = encodeCookieTimestamp(9999, { ecn: true });
    const none = encodeCookieTimestamp(9999, {});
    assert.equal(decodeCookieTimestamp(sack, { sack: false }), undefined);
    assert.equal(decodeCookieTimestamp(ws, { windowScaling: false }), undefined);
    assert.equal(decodeCookieTimestamp(ecn, { ecn: false }), undefined);
    const off = { sack: false, windowScaling: false, ecn: false };
    assert.deepEqual(decodeCookieTimestamp(none, off), { wscale: undefined, sackPermitted: false, ecn: false });
    assert.deepEqual(decodeCookieTimestamp(sack, { windowScaling: false, ecn: false }), { wscale: undefined, sackPermitted: true, ecn: false });
  });
});

describe('SYN cookies: rejection', () => {
  test('100,000 random ISNs: accepted at the rate the bits allow (2^-28), reasons in the layout\'s proportions', (t) => {
    const r = new SeededRandom(10);
    const c = new SynCookies(r);
    c.rotate(); // both generations live: the forger's best case
    const tu = families[0].tuple;
    const N = 100_000;
    const results: SynCookieCheck[] = [];
    for (let i = 0; i < N; i++) results.push(val(c, tu, 0x5eed, r.nextUint32(), T0));
    const n = reasons(results);
    t.diagnostic(`random ISNs: ${JSON.stringify(n)} (expected accepted ${(N / 2 ** 28).toExponential(1)})`);
    assert.ok(n.ok <= 1, `${n.ok} forgeries accepted`);
    // Age outside the window: 30/32. Then index 4..7: 2/32 × 1/2. Then MAC: the other 2/32 × 1/2.
    const near = (count: number, p: number) => Math.abs(count / N - p) < 0.005;
    assert.ok(near(n.expired, 30 / 32), `expired ${n.expired}`);
    assert.ok(near(n['bad-mss-index'], 1 / 32), `bad-mss-index ${n['bad-mss-index']}`);
    assert.ok(near(n['bad-hash'], 1 / 32), `bad-hash ${n['bad-hash']}`);
  });

  test('100,000 forgeries that keep a real cookie\'s low 9 bits (counter, index and G right): only the 23 MAC bits stand', (t) => {
    const r = new SeededRandom(11);
    const c = new SynCookies(r);
    const tu = families[0].tuple;
    const real = enc(c, tu, 0xabcdef, 1460, T0).isn;
    const N = 100_000;
    const results: SynCookieCheck[] = [];
    for (let i = 0; i < N; i++) {
      const forged = ((r.nextUint32() & MAC_BITS_MASK) | (real & ~MAC_BITS_MASK)) >>> 0;
      if (forged !== real) results.push(val(c, tu, 0xabcdef, forged, T0));
    }
    const n = reasons(results);
    t.diagnostic(`MAC-only forgeries: ${JSON.stringify(n)} (expected accepted ${(N / 2 ** 23).toExponential(1)})`);
    assert.ok(n.ok <= 1, `${n.ok} forgeries accepted`);
    assert.equal(n['bad-hash'], results.length - n.ok);
  });

  test('before the first rotation a cookie naming the other generation is bad-hash', () => {
    const c = new SynCookies(new SeededRandom(12));
    const tu = families[0].tuple;
    const real = enc(c, tu, 42, 1460, T0).isn;
    assert.deepEqual(val(c, tu, 42, (real ^ GEN_BIT) >>> 0, T0), { ok: false, reason: 'bad-hash' });
  });

  for (const f of families) {
    test(`${f.name}: expired once the accepted window (this period and the last) has passed; from the future too`, () => {
      const c = new SynCookies(new SeededRandom(13));
      const tu = f.tuple;
      const made = T0; // period k = 1000, 12.3 s in
      const k = Math.floor(made / PERIOD);
      const { isn, mss } = enc(c, tu, 99, 1460, made);
      const at = (now: number) => val(c, tu, 99, isn, now);
      const ok = { ok: true, mss };
      assert.deepEqual(at(made), ok);
      assert.deepEqual(at((k + 1) * PERIOD - 0.001), ok); // end of its own period
      assert.deepEqual(at((k + 1) * PERIOD), ok); // the next period
      assert.deepEqual(at((k + 2) * PERIOD - 0.001), ok); // its last moment
      assert.deepEqual(at((k + 2) * PERIOD), { ok: false, reason: 'expired' });
      for (let d = 2; d < 32; d++) assert.deepEqual(at((k + d) * PERIOD + 5000), { ok: false, reason: 'expired' }, `age ${d}`);
      // 32 periods on, the 5-bit counter has wrapped: the MAC over the full counter still says no.
      assert.deepEqual(at((k + 32) * PERIOD), { ok: false, reason: 'bad-hash' });
      assert.deepEqual(at((k + 33) * PERIOD), { ok: false, reason: 'bad-hash' });
      assert.deepEqual(at((k + 34) * PERIOD), { ok: false, reason: 'expired' });
      // A cookie from a period that has not begun yet.
      assert.deepEqual(at(k * PERIOD - 1), { ok: false, reason: 'expired' });
    });
  }

  test('maxAgePeriods widens the window; periodMs sets its unit', () => {
    const c = new SynCookies(new SeededRandom(14), { maxAgePeriods: 4, periodMs: 1000 });
    const tu = families[0].tuple;
    const { isn } = enc(c, tu, 5, 1460, 10_500);
    assert.equal(val(c, tu, 5, isn, 13_999).ok, true);
    assert.deepEqual(val(c, tu, 5, isn, 14_000), { ok: false, reason: 'expired' });
  });

  for (const f of families) {
    test(`${f.name}: a wrong 4-tuple (each field, and the tuple reversed) or a wrong client ISN never validates`, (t) => {
      const r = new SeededRandom(15);
      const c = new SynCookies(r);
      const v6 = f.name === 'IPv6';
      const other = (a: IpAddress): IpAddress => {
        if (typeof a === 'number') return (a ^ (1 << r.int(32))) >>> 0;
        const b = a.slice();
        b[r.int(16)] ^= 1 << r.int(8);
        return b;
      };
      const otherPort = (p: number): number => p ^ (1 << r.int(16));
      const results: SynCookieCheck[] = [];
      const COOKIES = 2000;
      for (let i = 0; i < COOKIES; i++) {
        const tu = randomTuple(r, v6);
        const cisn = r.nextUint32();
        const { isn } = enc(c, tu, cisn, r.range(500, 9000), T0);
        assert.equal(val(c, tu, cisn, isn, T0).ok, true);
        const wrong: Tuple[] = [
          { ...tu, local: other(tu.local) },
          { ...tu, localPort: otherPort(tu.localPort) },
          { ...tu, remote: other(tu.remote) },
          { ...tu, remotePort: otherPort(tu.remotePort) },
          { local: tu.remote, localPort: tu.remotePort, remote: tu.local, remotePort: tu.localPort },
        ];
        for (const w of wrong) results.push(val(c, w, cisn, isn, T0));
        for (const wrongIsn of [cisn + 1, cisn - 1, cisn ^ 0x80000000, r.nextUint32()]) {
          if (wrongIsn >>> 0 !== cisn) results.push(val(c, tu, wrongIsn >>> 0, isn, T0));
        }
      }
      const n = reasons(results);
      t.diagnostic(`${results.length} wrong tuples / client ISNs: ${JSON.stringify(n)}`);
      assert.equal(n.ok, 0);
      assert.ok(results.length >= COOKIES * 8);
    });
  }

  for (const f of families) {
    test(`${f.name}: a tampered MSS index is bad-mss-index (out of the table) or bad-hash (another entry); any MAC bit flipped is bad-hash`, () => {
      const c = new SynCookies(new SeededRandom(16));
      const tu = f.tuple;
      for (let i = 0; i < f.table.length; i++) {
        const { isn } = enc(c, tu, 1234, f.table[i], T0);
        // Index bit 2 set: 4..7, past the end of the 4-entry table.
        assert.deepEqual(val(c, tu, 1234, (isn ^ INDEX_BIT(2)) >>> 0, T0), { ok: false, reason: 'bad-mss-index' });
        // Another real entry: the MAC covers the index.
        for (const flip of [INDEX_BIT(0), INDEX_BIT(1), INDEX_BIT(0) | INDEX_BIT(1)]) {
          assert.deepEqual(val(c, tu, 1234, (isn ^ flip) >>> 0, T0), { ok: false, reason: 'bad-hash' });
        }
        for (let b = SYN_COOKIE_LAYOUT.mac.shift; b < 32; b++) {
          assert.deepEqual(val(c, tu, 1234, (isn ^ (1 << b)) >>> 0, T0), { ok: false, reason: 'bad-hash' }, `MAC bit ${b}`);
        }
      }
    });
  }

  test('a custom 8-entry table leaves no index out of range', () => {
    const table = [100, 200, 300, 400, 500, 600, 700, 800];
    const c = new SynCookies(new SeededRandom(17), { mssTableV4: table });
    const tu = families[0].tuple;
    for (const mss of table) {
      const cookie = enc(c, tu, 1, mss + 50, T0);
      assert.equal(cookie.mss, mss);
      assert.deepEqual(val(c, tu, 1, cookie.isn, T0), { ok: true, mss });
    }
  });
});

describe('SYN cookies: secrets', () => {
  test('a cookie from the previous secret still validates after one rotation, not after two', (t) => {
    const r = new SeededRandom(20);
    const c = new SynCookies(r);
    const made: { tu: Tuple; cisn: number; isn: number; mss: number }[] = [];
    const COOKIES = 1000;
    for (let i = 0; i < COOKIES; i++) {
      const tu = randomTuple(r, i % 2 === 1);
      const cisn = r.nextUint32();
      const { isn, mss } = enc(c, tu, cisn, 1460, T0);
      made.push({ tu, cisn, isn, mss });
    }
    const check = () => made.map((m) => val(c, m.tu, m.cisn, m.isn, T0 + 1000));
    assert.ok(check().every((x, i) => x.ok && x.mss === made[i].mss));
    c.rotate(new SeededRandom(21)); // an explicit source
    assert.ok(check().every((x, i) => x.ok && x.mss === made[i].mss), 'previous secret still accepted');
    // A cookie from the new secret, made now, survives the next rotation.
    const tu = families[0].tuple;
    const fresh = enc(c, tu, 7, 1460, T0 + 1000).isn;
    c.rotate(); // the constructor's source
    const n = reasons(check());
    t.diagnostic(`after two rotations: ${JSON.stringify(n)}`);
    assert.equal(n.ok, 0, 'two secrets ago: rejected');
    assert.equal(val(c, tu, 7, fresh, T0 + 2000).ok, true);
  });

  test('cookies for one 4-tuple look unpredictable over time: no increment, no fixed difference', (t) => {
    const c = new SynCookies(new SeededRandom(22));
    const tu = families[0].tuple;
    const PERIODS = 512;
    const isns: number[] = [];
    for (let k = 0; k < PERIODS; k++) isns.push(enc(c, tu, 0x01020304, 1460, k * PERIOD + 1).isn);
    assert.equal(new Set(isns).size, PERIODS, 'all distinct');
    const diffs = isns.slice(1).map((x, i) => (x - isns[i]) >>> 0);
    const distinctDiffs = new Set(diffs).size;
    assert.ok(distinctDiffs >= PERIODS - 4, `only ${distinctDiffs} distinct differences`);
    // Each MAC bit flips between consecutive periods about half the time.
    let minFlips = 1;
    let maxFlips = 0;
    for (let b = SYN_COOKIE_LAYOUT.mac.shift; b < 32; b++) {
      let flips = 0;
      for (let i = 1; i < PERIODS; i++) flips += ((isns[i] ^ isns[i - 1]) >>> b) & 1;
      const p = flips / (PERIODS - 1);
      minFlips = Math.min(minFlips, p);
      maxFlips = Math.max(maxFlips, p);
    }
    t.diagnostic(`${distinctDiffs} distinct differences of ${PERIODS - 1}; MAC bits flip in ${(minFlips * 100).toFixed(1)}%..${(maxFlips * 100).toFixed(1)}% of steps`);
    assert.ok(minFlips > 0.38 && maxFlips < 0.62);
    // Across client ISNs at one moment, cookie - client ISN is not a constant (Linux's would be).
    const offsets = new Set<number>();
    for (let i = 0; i < 256; i++) offsets.add((enc(c, tu, 1000 + i, 1460, T0).isn - (1000 + i)) >>> 0);
    assert.ok(offsets.size >= 250);
  });

  test('same seed, same cookies; another seed, other cookies', () => {
    const tu = families[1].tuple;
    const run = (seed: number) => {
      const c = new SynCookies(new SeededRandom(seed));
      return Array.from({ length: 20 }, (_, i) => enc(c, tu, i * 7919, 1440, T0 + i * PERIOD).isn);
    };
    assert.deepEqual(run(30), run(30));
    const a = run(30);
    const b = run(31);
    assert.ok(a.filter((x, i) => x === b[i]).length <= 1);
  });
});

describe('SYN cookies: misuse and speed', () => {
  test('programmer errors throw: mixed families, bad options', () => {
    const c = new SynCookies(new SeededRandom(40));
    assert.throws(() => c.encode(A4, 80, B6, 1, 0, 1460, 0), TypeError);
    assert.throws(() => c.validate(A6, 80, B4, 1, 0, 0, 0), TypeError);
    const r = new SeededRandom(41);
    assert.throws(() => new SynCookies(r, { periodMs: 0 }), RangeError);
    assert.throws(() => new SynCookies(r, { maxAgePeriods: 0 }), RangeError);
    assert.throws(() => new SynCookies(r, { maxAgePeriods: 32 }), RangeError);
    assert.throws(() => new SynCookies(r, { mssTableV4: [1460, 536] }), RangeError);
    assert.throws(() => new SynCookies(r, { mssTableV6: [] }), RangeError);
    assert.throws(() => new SynCookies(r, { mssTableV6: Array.from({ length: 9 }, (_, i) => 1000 + i) }), RangeError);
  });

  test('throughput of encode and validate (information only; the SYN-flood target is 500,000 SYNs/s per core)', (t) => {
    const r = new SeededRandom(50);
    const c = new SynCookies(r);
    const N = 200_000;
    const remotes = Array.from({ length: 1024 }, () => r.nextUint32());
    const cisns = Array.from({ length: 1024 }, () => r.nextUint32());
    const isns = new Uint32Array(N);
    const rate = (ms: number) => `${Math.round(N / (ms / 1000)).toLocaleString('en')}/s`;
    // Warm up, then time.
    for (let i = 0; i < 20_000; i++) c.encode(A4, 80, remotes[i & 1023], i & 0xffff, cisns[i & 1023], 1460, T0);
    let t0 = performance.now();
    for (let i = 0; i < N; i++) isns[i] = c.encode(A4, 80, remotes[i & 1023], i & 0xffff, cisns[i & 1023], 1460, T0).isn;
    const encodeMs = performance.now() - t0;
    let accepted = 0;
    t0 = performance.now();
    for (let i = 0; i < N; i++) if (c.validate(A4, 80, remotes[i & 1023], i & 0xffff, cisns[i & 1023], isns[i], T0).ok) accepted++;
    const validateMs = performance.now() - t0;
    let rejected = 0;
    t0 = performance.now();
    for (let i = 0; i < N; i++) if (!c.validate(A4, 80, remotes[i & 1023], i & 0xffff, cisns[i & 1023], r.nextUint32(), T0).ok) rejected++;
    const forgedMs = performance.now() - t0;
    t.diagnostic(`encode ${rate(encodeMs)}, validate (genuine) ${rate(validateMs)}, validate (random) ${rate(forgedMs)}, encode+validate ${rate(encodeMs + validateMs)}`);
    assert.equal(accepted, N);
    assert.ok(rejected >= N - 1);
  });
});
