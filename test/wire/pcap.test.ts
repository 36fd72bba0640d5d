/**
 * readCapture and locateIp against capture files and frames built byte by byte here, following the
 * pcap and pcapng specifications (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng) and the link-layer
 * header types registry (tcpdump.org/linktypes.html); independent of synack's own writer, except in
 * the round-trip tests at the end.
 */
import { SeededRandom } from '../../src/tcp/random.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePcap, readCapture, type Capture, type CaptureRecord } from '../../src/wire/pcap.js';
import { concatBytes as concat } from '../../src/wire/bytes.js';
import { locateIp } from '../../src/wire/linklayer.js';
import type { DecodeFailure } from '../../src/wire/errors.js';

// ---- builders --------------------------------------------------------------------------------

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

/** n bytes of a recognisable pattern. */
function pattern(n: number, seed: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (seed * 31 + i * 7) & 0xff;
  return p;
}

interface PcapRecordSpec {
  seconds: number;
  /** Microseconds or nanoseconds, as the magic says. */
  fraction: number;
  data: Uint8Array;
  originalLength?: number;
}

/** A classic pcap file: 24-byte header, then 16-byte record headers each followed by the data. */
function pcapFile(o: { le: boolean; nanos: boolean; network: number; records: PcapRecordSpec[] }): Uint8Array {
  const header = new Uint8Array(24);
  const h = new DataView(header.buffer);
  h.setUint32(0, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, o.le);
  h.setUint16(4, 2, o.le);
  h.setUint16(6, 4, o.le);
  h.setInt32(8, 0, o.le); // thiszone
  h.setUint32(12, 0, o.le); // sigfigs
  h.setUint32(16, 65535, o.le);
  h.setUint32(20, o.network >>> 0, o.le);
  const recs = o.records.map((r) => {
    const rec = new Uint8Array(16 + r.data.length);
    const v = new DataView(rec.buffer);
    v.setUint32(0, r.seconds, o.le);
    v.setUint32(4, r.fraction, o.le);
    v.setUint32(8, r.data.length, o.le);
    v.setUint32(12, r.originalLength ?? r.data.length, o.le);
    rec.set(r.data, 16);
    return rec;
  });
  return concat([header, ...recs]);
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** A pcapng block: type, total length, body (padded to 4 bytes), total length again. */
function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type >>> 0, le);
  v.setUint32(4, total, le);
  out.set(body, 8);
  v.setUint32(total - 4, total, le);
  return out;
}

/** Options: code, length, value padded to 4; then opt_endofopt. */
function options(le: boolean, opts: { code: number; value: Uint8Array }[]): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const parts = opts.map(({ code, value }) => {
    const o = new Uint8Array(4 + pad4(value.length));
    const v = new DataView(o.buffer);
    v.setUint16(0, code, le);
    v.setUint16(2, value.length, le);
    o.set(value, 4);
    return o;
  });
  return concat([...parts, new Uint8Array(4)]);
}

function shb(le: boolean): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  v.setUint32(0, 0x1a2b3c4d, le);
  v.setUint16(4, 1, le);
  v.setUint16(6, 0, le);
  v.setBigInt64(8, -1n, le); // section length unknown
  return block(le, 0x0a0d0d0a, body);
}

function idb(le: boolean, linkType: number, o: { snaplen?: number; tsresol?: number; tsoffset?: bigint } = {}): Uint8Array {
  const opts: { code: number; value: Uint8Array }[] = [];
  if (o.tsresol !== undefined) opts.push({ code: 9, value: bytes(o.tsresol) });
  if (o.tsoffset !== undefined) {
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigInt64(0, o.tsoffset, le);
    opts.push({ code: 14, value });
  }
  const optBytes = options(le, opts);
  const body = new Uint8Array(8 + optBytes.length);
  const v = new DataView(body.buffer);
  v.setUint16(0, linkType, le);
  v.setUint32(4, o.snaplen ?? 0, le);
  body.set(optBytes, 8);
  return block(le, 1, body);
}

function epb(le: boolean, ifIndex: number, ts: bigint, data: Uint8Array, originalLength = data.length): Uint8Array {
  const body = new Uint8Array(20 + pad4(data.length));
  const v = new DataView(body.buffer);
  v.setUint32(0, ifIndex, le);
  v.setUint32(4, Number(ts >> 32n), le);
  v.setUint32(8, Number(ts & 0xffffffffn), le);
  v.setUint32(12, data.length, le);
  v.setUint32(16, originalLength, le);
  body.set(data, 20);
  return block(le, 6, body);
}

function spb(le: boolean, data: Uint8Array, originalLength = data.length): Uint8Array {
  const body = new Uint8Array(4 + pad4(data.length));
  new DataView(body.buffer).setUint32(0, originalLength, le);
  body.set(data, 4);
  return block(le, 3, body);
}

/** The obsolete Packet Block (type 2): 16-bit interface id and drops count. */
function pb(le: boolean, ifIndex: number, ts: bigint, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(20 + pad4(data.length));
  const v = new DataView(body.buffer);
  v.setUint16(0, ifIndex, le);
  v.setUint16(2, 0, le);
  v.setUint32(4, Number(ts >> 32n), le);
  v.setUint32(8, Number(ts & 0xffffffffn), le);
  v.setUint32(12, data.length, le);
  v.setUint32(16, data.length, le);
  body.set(data, 20);
  return block(le, 2, body);
}

function expectCapture(r: Capture | DecodeFailure): Capture {
  assert.equal(r.ok, true, r.ok ? '' : `expected a capture, got ${r.reason}: ${r.detail}`);
  return r as Capture;
}

function expectFailure(r: Capture | DecodeFailure): DecodeFailure {
  assert.equal(r.ok, false, 'expected a failure');
  return r as DecodeFailure;
}

/** The fields of a record that a test states, with the data as a plain array for readable diffs. */
function plain(r: CaptureRecord) {
  return { frame: r.frame, seconds: r.seconds, nanoseconds: r.nanoseconds, linkType: r.linkType, data: [...r.data], originalLength: r.originalLength };
}

// ---- pcap ------------------------------------------------------------------------------------

describe('readCapture: pcap', () => {
  const data1 = pattern(60, 1);
  const data2 = pattern(1, 2);
  const data3 = new Uint8Array(0);

  for (const le of [true, false]) {
    const order = le ? 'little-endian' : 'big-endian';
    test(`${order}, microsecond magic: timestamps scaled to nanoseconds`, () => {
      const file = pcapFile({
        le,
        nanos: false,
        network: 1,
        records: [
          { seconds: 1_700_000_000, fraction: 123_456, data: data1, originalLength: 1514 },
          { seconds: 0xffffffff, fraction: 999_999, data: data2 },
          { seconds: 0, fraction: 0, data: data3 },
        ],
      });
      const c = expectCapture(readCapture(file));
      assert.equal(c.format, 'pcap');
      assert.equal(c.damage, undefined);
      assert.deepEqual(c.records.map(plain), [
        { frame: 1, seconds: 1_700_000_000, nanoseconds: 123_456_000, linkType: 1, data: [...data1], originalLength: 1514 },
        { frame: 2, seconds: 4294967295, nanoseconds: 999_999_000, linkType: 1, data: [...data2], originalLength: 1 },
        { frame: 3, seconds: 0, nanoseconds: 0, linkType: 1, data: [], originalLength: 0 },
      ]);
    });

    test(`${order}, nanosecond magic: timestamps kept`, () => {
      const file = pcapFile({ le, nanos: true, network: 101, records: [{ seconds: 86_400, fraction: 999_999_999, data: data1 }] });
      const c = expectCapture(readCapture(file));
      assert.deepEqual(c.records.map(plain), [{ frame: 1, seconds: 86_400, nanoseconds: 999_999_999, linkType: 101, data: [...data1], originalLength: 60 }]);
    });
  }

  test('the link-type field carries FCS information in its upper bits; the link type is the low bits', () => {
    // FCS length 4 (bits 28-31) with the FCS-present bit (0x04000000) set, on Ethernet.
    for (const le of [true, false]) {
      const file = pcapFile({ le, nanos: false, network: (4 << 28) | 0x04000000 | 1, records: [{ seconds: 1, fraction: 2, data: data1 }] });
      assert.equal(expectCapture(readCapture(file)).records[0].linkType, 1);
    }
  });

  test('an empty pcap (header only) has no records and no damage', () => {
    const c = expectCapture(readCapture(pcapFile({ le: true, nanos: false, network: 1, records: [] })));
    assert.deepEqual(c.records, []);
    assert.equal(c.damage, undefined);
  });

  test('a record cut off in its data: the records before it, and damage', () => {
    const whole = pcapFile({ le: true, nanos: false, network: 1, records: [{ seconds: 1, fraction: 0, data: data1 }, { seconds: 2, fraction: 0, data: pattern(40, 3) }] });
    const c = expectCapture(readCapture(whole.subarray(0, whole.length - 1)));
    assert.deepEqual(c.records.map((r) => [...r.data]), [[...data1]]);
    assert.ok(c.damage, 'damage is reported');
    assert.equal(c.damage.reason, 'truncated');
  });

  test('a record header cut off: the records before it, and damage', () => {
    const whole = pcapFile({ le: false, nanos: true, network: 1, records: [{ seconds: 1, fraction: 0, data: data1 }] });
    const c = expectCapture(readCapture(concat([whole, new Uint8Array(10)])));
    assert.equal(c.records.length, 1);
    assert.equal(c.damage?.reason, 'truncated');
  });

  test('a pcap file header cut off is not a capture', () => {
    const whole = pcapFile({ le: true, nanos: false, network: 1, records: [] });
    for (const n of [4, 8, 23]) assert.equal(expectFailure(readCapture(whole.subarray(0, n))).reason, 'bad-capture', `${n} bytes`);
  });
});

// ---- pcapng ----------------------------------------------------------------------------------

describe('readCapture: pcapng', () => {
  const eth = pattern(64, 10);
  const raw = pattern(41, 11);
  const spbData = pattern(5, 12);
  const pbData = pattern(20, 13);

  /**
   * Section 1, big-endian: interface 0 Ethernet at the default microseconds, interface 1 raw IP at
   * nanoseconds (if_tsresol 9) with if_tsoffset 1000 s; unknown and non-packet blocks between.
   * Section 2, little-endian: interfaces start afresh; interface 0 is LINKTYPE_IPV4 at 2^-10 s
   * (if_tsresol 0x8a), with a Simple Packet Block and an obsolete Packet Block.
   */
  function twoSections(): Uint8Array {
    return concat([
      shb(false),
      idb(false, 1),
      block(false, 4, bytes(0, 0, 0, 0)), // Name Resolution Block with only nrb_record_end
      idb(false, 101, { tsresol: 9, tsoffset: 1000n }),
      epb(false, 0, 1_700_000_000_123_456n, eth, 1514),
      block(false, 0x00000bad, pattern(13, 14)), // a block type nobody knows
      epb(false, 1, 1_600_000_000_987_654_321n, raw),
      block(false, 5, new Uint8Array(12)), // Interface Statistics Block
      shb(true),
      idb(true, 228, { tsresol: 0x80 | 10 }),
      spb(true, spbData),
      pb(true, 0, 5n * 1024n + 768n, pbData),
      epb(true, 0, 3n * 1024n, raw),
    ]);
  }

  test('two sections in different byte orders, interfaces with their own link types, resolutions and offsets', () => {
    const c = expectCapture(readCapture(twoSections()));
    assert.equal(c.format, 'pcapng');
    assert.equal(c.damage, undefined);
    assert.deepEqual(c.records.map(plain), [
      { frame: 1, seconds: 1_700_000_000, nanoseconds: 123_456_000, linkType: 1, data: [...eth], originalLength: 1514 },
      { frame: 2, seconds: 1_600_001_000, nanoseconds: 987_654_321, linkType: 101, data: [...raw], originalLength: 41 },
      // A Simple Packet Block has no timestamp.
      { frame: 3, seconds: 0, nanoseconds: 0, linkType: 228, data: [...spbData], originalLength: 5 },
      // 5 s + 768/1024 s.
      { frame: 4, seconds: 5, nanoseconds: 750_000_000, linkType: 228, data: [...pbData], originalLength: 20 },
      { frame: 5, seconds: 3, nanoseconds: 0, linkType: 228, data: [...raw], originalLength: 41 },
    ]);
  });

  test('a Simple Packet Block is cut to the interface snaplen; a negative if_tsoffset subtracts', () => {
    const c = expectCapture(
      readCapture(concat([shb(true), idb(true, 101, { snaplen: 4, tsresol: 3, tsoffset: -10n }), spb(true, pattern(6, 1)), epb(true, 0, 12_345n, pattern(4, 2))])),
    );
    assert.equal(c.records.length, 2);
    const [simple, enhanced] = c.records;
    assert.deepEqual([simple.frame, simple.linkType, [...simple.data], simple.originalLength], [1, 101, [...pattern(4, 1)], 6]);
    // 12345 ms - 10 s.
    assert.deepEqual(plain(enhanced), { frame: 2, seconds: 2, nanoseconds: 345_000_000, linkType: 101, data: [...pattern(4, 2)], originalLength: 4 });
  });

  test('a file cut inside a block: the records before it, and damage', () => {
    const whole = twoSections();
    const c = expectCapture(readCapture(whole.subarray(0, whole.length - 6)));
    assert.equal(c.records.length, 4);
    assert.ok(c.damage, 'damage is reported');
    assert.equal(c.damage.reason, 'bad-capture');
  });

  test('a block whose trailing length differs: the records before it, and damage', () => {
    const bad = epb(true, 0, 1n, pattern(8, 1));
    bad[bad.length - 4] ^= 0x04;
    const c = expectCapture(readCapture(concat([shb(true), idb(true, 1), epb(true, 0, 1n, pattern(8, 2)), bad, epb(true, 0, 2n, pattern(8, 3))])));
    assert.deepEqual(c.records.map((r) => [...r.data]), [[...pattern(8, 2)]]);
    assert.ok(c.damage);
  });

  test('a block length that is not a multiple of 4, or below 12: damage', () => {
    for (const len of [13, 8]) {
      const bad = epb(true, 0, 1n, pattern(8, 1));
      new DataView(bad.buffer).setUint32(4, len, true);
      const c = expectCapture(readCapture(concat([shb(true), idb(true, 1), epb(true, 0, 1n, pattern(8, 2)), bad])));
      assert.equal(c.records.length, 1, `length ${len}`);
      assert.ok(c.damage, `length ${len}`);
    }
  });

  test('a packet block naming an interface not described: damage', () => {
    const c = expectCapture(readCapture(concat([shb(true), idb(true, 1), epb(true, 0, 1n, eth), epb(true, 1, 1n, eth)])));
    assert.equal(c.records.length, 1);
    assert.ok(c.damage);
    // Interfaces belong to their section: a new section forgets them.
    const d = expectCapture(readCapture(concat([shb(true), idb(true, 1), shb(false), epb(false, 0, 1n, eth)])));
    assert.equal(d.records.length, 0);
    assert.ok(d.damage);
  });

  test('an enhanced packet block whose captured length runs past the block: damage', () => {
    const bad = epb(true, 0, 1n, pattern(8, 1));
    new DataView(bad.buffer).setUint32(8 + 12, 9, true);
    const c = expectCapture(readCapture(concat([shb(true), idb(true, 1), bad])));
    assert.equal(c.records.length, 0);
    assert.ok(c.damage);
  });

  test('a section header without the byte-order magic: damage, nothing read', () => {
    const s = shb(true);
    s[8] = 0;
    const c = expectCapture(readCapture(concat([s, idb(true, 1), epb(true, 0, 1n, eth)])));
    assert.equal(c.records.length, 0);
    assert.ok(c.damage);
  });
});

// ---- bad input never throws ------------------------------------------------------------------

describe('readCapture: garbage', () => {
  test('too short, unknown magic, text: a bad-capture failure', () => {
    for (const input of [new Uint8Array(0), bytes(0xd4), bytes(0xd4, 0xc3, 0xb2), new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), new Uint8Array(100)]) {
      const f = expectFailure(readCapture(input));
      assert.equal(f.reason, 'bad-capture');
      assert.equal(typeof f.detail, 'string');
    }
  });

  test('a view into a larger buffer at an odd offset is read in place', () => {
    const file = pcapFile({ le: true, nanos: true, network: 1, records: [{ seconds: 7, fraction: 8, data: pattern(9, 9) }] });
    const big = new Uint8Array(file.length + 7);
    big.fill(0xee);
    big.set(file, 3);
    const c = expectCapture(readCapture(big.subarray(3, 3 + file.length)));
    assert.deepEqual(c.records.map(plain), [{ frame: 1, seconds: 7, nanoseconds: 8, linkType: 1, data: [...pattern(9, 9)], originalLength: 9 }]);
  });

  test('every prefix of a pcap and a pcapng file: never throws, and reads a prefix of the records', () => {
    const files = [
      pcapFile({ le: false, nanos: false, network: 1, records: [1, 2, 3].map((i) => ({ seconds: i, fraction: i, data: pattern(i * 5, i) })) }),
      concat([shb(false), idb(false, 1, { tsresol: 9 }), epb(false, 0, 5n, pattern(7, 1)), shb(true), idb(true, 101), spb(true, pattern(3, 2)), pb(true, 0, 9n, pattern(4, 3))]),
    ];
    for (const file of files) {
      const full = expectCapture(readCapture(file)).records.map(plain);
      assert.ok(full.length === 3);
      for (let n = 0; n <= file.length; n++) {
        const r = readCapture(file.slice(0, n));
        if (!r.ok) continue;
        const got = r.records.map(plain);
        assert.deepEqual(got, full.slice(0, got.length), `prefix of ${n} bytes`);
      }
    }
  });

  test('seeded random corruption: never throws', () => {
    const file = concat([shb(true), idb(true, 1, { tsresol: 0x8a, tsoffset: 5n }), epb(true, 0, 77n, pattern(30, 1)), spb(true, pattern(9, 2)), pb(true, 0, 1n, pattern(3, 3))]);
    // Seeded, so a failure reproduces.
    const random = new SeededRandom(0x2545f491);
    const rand = (): number => random.next();
    for (let i = 0; i < 3000; i++) {
      const f = file.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      const r = readCapture(f);
      if (r.ok) for (const rec of r.records) assert.ok(rec.data.length <= f.length);
    }
  });
});

// ---- round trip through synack's writer -------------------------------------------------------

describe('encodePcap then readCapture', () => {
  test('gives back the data, the link type and the timestamps to the nanosecond', () => {
    const packets = [
      { data: pattern(40, 1), timeMs: 0 },
      { data: pattern(1, 2), timeMs: 1.000001 }, // 1 ms + 1 ns
      { data: new Uint8Array(0), timeMs: 12_345.678901 },
      { data: pattern(1500, 3), timeMs: 999.9999999 }, // rounds to the next second
      { data: pattern(3, 4), timeMs: 1_700_000_000_123.25 }, // epoch-scale milliseconds, exact in binary
      { data: pattern(3, 5), timeMs: 1_000_000_000_000.5 },
    ];
    const c = expectCapture(readCapture(encodePcap(packets, 101)));
    assert.equal(c.format, 'pcap');
    assert.equal(c.damage, undefined);
    assert.deepEqual(
      c.records.map((r) => [r.frame, r.seconds, r.nanoseconds, r.linkType, r.originalLength]),
      [
        [1, 0, 0, 101, 40],
        [2, 0, 1_000_001, 101, 1],
        [3, 12, 345_678_901, 101, 0],
        [4, 1, 0, 101, 1500],
        [5, 1_700_000_000, 123_250_000, 101, 3],
        [6, 1_000_000_000, 500_000, 101, 3],
      ],
    );
    c.records.forEach((r, i) => assert.deepEqual([...r.data], [...packets[i].data], `record ${i + 1} data`));
  });

  test('the default link type is raw IP; the file is little-endian with the nanosecond magic', () => {
    const file = encodePcap([{ data: pattern(20, 1), timeMs: 2.5 }]);
    const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
    assert.equal(v.getUint32(0, true), 0xa1b23c4d);
    assert.equal(v.getUint32(20, true), 101);
    assert.deepEqual(plain(expectCapture(readCapture(file)).records[0]), { frame: 1, seconds: 0, nanoseconds: 2_500_000, linkType: 101, data: [...pattern(20, 1)], originalLength: 20 });
  });
});

// ---- locateIp --------------------------------------------------------------------------------

describe('locateIp', () => {
  const ipv4 = concat([bytes(0x45, 0, 0, 20), new Uint8Array(16)]);
  const ipv6 = concat([bytes(0x60), new Uint8Array(39)]);
  const macs = concat([pattern(6, 1), pattern(6, 2)]);
  const ether = (type: number, payload: Uint8Array): Uint8Array => concat([macs, bytes(type >> 8, type & 0xff), payload]);
  const tag = (tpid: number, vid: number): Uint8Array => bytes(tpid >> 8, tpid & 0xff, vid >> 8, vid & 0xff);

  function at(linkType: number, frame: Uint8Array, offset: number): void {
    assert.deepEqual(locateIp(linkType, frame), { ok: true, offset, length: frame.length - offset }, `link type ${linkType}`);
  }
  function fails(linkType: number, frame: Uint8Array, reason: string): void {
    const r = locateIp(linkType, frame);
    assert.equal(r.ok, false, `link type ${linkType}: expected ${reason}`);
    assert.equal((r as DecodeFailure).reason, reason);
  }

  test('Ethernet: IPv4 and IPv6 after 14 bytes; trailing padding stays in the length', () => {
    at(1, ether(0x0800, ipv4), 14);
    at(1, ether(0x86dd, ipv6), 14);
    at(1, ether(0x0800, concat([ipv4, new Uint8Array(26)])), 14);
  });

  test('Ethernet with one 802.1Q tag, and a QinQ pair (802.1ad outer, 802.1Q inner)', () => {
    at(1, concat([macs, tag(0x8100, 100), bytes(0x08, 0x00), ipv4]), 18);
    at(1, concat([macs, tag(0x8100, 7), bytes(0x86, 0xdd), ipv6]), 18);
    at(1, concat([macs, tag(0x88a8, 200), tag(0x8100, 100), bytes(0x08, 0x00), ipv4]), 22);
    fails(1, concat([macs, tag(0x88a8, 200), tag(0x8100, 100), bytes(0x08, 0x06), new Uint8Array(28)]), 'not-ip');
  });

  test('Ethernet carrying ARP, LLDP or an 802.3 length field: not-ip', () => {
    fails(1, ether(0x0806, new Uint8Array(28)), 'not-ip');
    fails(1, ether(0x88cc, new Uint8Array(20)), 'not-ip');
    fails(1, ether(46, new Uint8Array(46)), 'not-ip');
  });

  test('Ethernet cut short, or cut inside a VLAN tag: truncated', () => {
    fails(1, new Uint8Array(0), 'truncated');
    fails(1, ether(0x0800, ipv4).subarray(0, 13), 'truncated');
    fails(1, concat([macs, tag(0x8100, 100)]), 'truncated');
    fails(1, concat([macs, tag(0x8100, 100), bytes(0x08)]), 'truncated');
  });

  test('Linux cooked capture v1 (113): 16-byte header, protocol last', () => {
    // packet type, ARPHRD_ETHER, address length, 8 address bytes, protocol
    const sll = (proto: number): Uint8Array => concat([bytes(0, 0, 0, 1, 0, 6), pattern(6, 3), bytes(0, 0), bytes(proto >> 8, proto & 0xff)]);
    at(113, concat([sll(0x0800), ipv4]), 16);
    at(113, concat([sll(0x86dd), ipv6]), 16);
    fails(113, concat([sll(0x0806), new Uint8Array(28)]), 'not-ip');
    fails(113, sll(0x0800).subarray(0, 15), 'truncated');
  });

  test('Linux cooked capture v2 (276): 20-byte header, protocol first', () => {
    // protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, 8 address bytes
    const sll2 = (proto: number): Uint8Array => concat([bytes(proto >> 8, proto & 0xff, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6), pattern(6, 4), bytes(0, 0)]);
    at(276, concat([sll2(0x0800), ipv4]), 20);
    at(276, concat([sll2(0x86dd), ipv6]), 20);
    fails(276, concat([sll2(0x0806), new Uint8Array(28)]), 'not-ip');
    fails(276, sll2(0x86dd).subarray(0, 19), 'truncated');
  });

  test('BSD loopback (NULL, 0): the address family in either byte order, AF_INET and every AF_INET6', () => {
    for (const family of [2, 10, 24, 28, 30]) {
      const payload = family === 2 ? ipv4 : ipv6;
      at(0, concat([bytes(family, 0, 0, 0), payload]), 4); // little-endian host
      at(0, concat([bytes(0, 0, 0, family), payload]), 4); // big-endian host
    }
    fails(0, concat([bytes(7, 0, 0, 0), ipv4]), 'not-ip');
    fails(0, concat([bytes(0, 0, 0, 23), ipv4]), 'not-ip');
    fails(0, bytes(2, 0, 0), 'truncated');
  });

  test('OpenBSD loopback (LOOP, 108): the family in network byte order only', () => {
    at(108, concat([bytes(0, 0, 0, 2), ipv4]), 4);
    at(108, concat([bytes(0, 0, 0, 24), ipv6]), 4);
    fails(108, concat([bytes(2, 0, 0, 0), ipv4]), 'not-ip');
    fails(108, bytes(0, 0, 0), 'truncated');
  });

  test('raw IP (101, and the BSD values 12 and 14), IPv4-only (228) and IPv6-only (229): at offset 0', () => {
    for (const lt of [101, 12, 14, 228]) at(lt, ipv4, 0);
    for (const lt of [101, 229]) at(lt, ipv6, 0);
    at(101, new Uint8Array(0), 0);
  });

  test('a link type synack does not read: unsupported-link-type', () => {
    for (const lt of [105 /* 802.11 */, 127 /* radiotap */, 147 /* USER0 */, 0xffff]) fails(lt, ether(0x0800, ipv4), 'unsupported-link-type');
  });
});
