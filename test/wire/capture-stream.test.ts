/**
 * CaptureReader, the incremental pcap/pcapng reader: fed in chunks of any size (1 byte, a prime
 * that cuts every record header and body at a different place, a few KiB), it returns exactly the
 * records and the damage that reading the whole file at once returns, and it never holds more than
 * the one record a chunk's end cuts. The expected records come from the whole-file read, which the
 * tshark comparison (captures.test.ts) checks against an independent decoder.
 */
import { describe, test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CaptureReader, MAX_CAPTURE_RECORD, readCapture, type CaptureRecord, type DecodeFailure } from '../../src/wire/index.js';
import { sharedDir } from '../checkout.js';

const capturesDir = path.join(sharedDir, 'captures');
const pcaps = existsSync(capturesDir) ? readdirSync(capturesDir).filter((f) => f.endsWith('.pcap')).sort() : [];
const missing = pcaps.length === 0 ? `no captures in ${capturesDir}` : undefined;

/** A pcapng file (little-endian SHB, one IDB of the pcap's link type, an EPB per record) of the same packets. */
export function toPcapng(pcap: Uint8Array): Uint8Array {
  const cap = readCapture(pcap);
  assert.ok(cap.ok);
  const parts: Uint8Array[] = [];
  const block = (type: number, body: Uint8Array): void => {
    const len = 12 + ((body.length + 3) & ~3);
    const b = new Uint8Array(len);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, len, true);
    b.set(body, 8);
    v.setUint32(len - 4, len, true);
    parts.push(b);
  };
  const shb = new Uint8Array(16);
  new DataView(shb.buffer).setUint32(0, 0x1a2b3c4d, true);
  new DataView(shb.buffer).setUint16(4, 1, true);
  new DataView(shb.buffer).setBigInt64(8, -1n, true);
  block(0x0a0d0d0a, shb);
  const idb = new Uint8Array(8);
  new DataView(idb.buffer).setUint16(0, cap.records[0]?.linkType ?? 1, true);
  block(1, idb);
  for (const r of cap.records) {
    const body = new Uint8Array(20 + r.data.length);
    const v = new DataView(body.buffer);
    const us = BigInt(r.seconds) * 1_000_000n + BigInt(Math.floor(r.nanoseconds / 1000));
    v.setUint32(4, Number(us >> 32n), true);
    v.setUint32(8, Number(us & 0xffffffffn), true);
    v.setUint32(12, r.data.length, true);
    v.setUint32(16, r.originalLength, true);
    body.set(r.data, 20);
    block(6, body);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const plain = (r: CaptureRecord) => ({ ...r, data: Array.from(r.data) });

/** Feed `file` to a CaptureReader in `size`-byte chunks; also the most bytes it ever held back. */
function readInChunks(file: Uint8Array, size: number) {
  const reader = new CaptureReader();
  const records: CaptureRecord[] = [];
  let heldMax = 0;
  for (let at = 0; at < file.length; at += size) {
    // Each chunk is its own copy, overwritten after the push, as a reused read buffer would be.
    const chunk = file.slice(at, at + size);
    for (const r of reader.push(chunk)) records.push({ ...r, data: r.data.slice() });
    chunk.fill(0xee);
    heldMax = Math.max(heldMax, reader.bytesHeld);
  }
  const damage = reader.end();
  return { reader, records, damage, heldMax };
}

/** Every size on the small files; on the 2 MB one, sizes that still cut most records. */
const sizesFor = (file: Uint8Array): number[] => (file.length < 100_000 ? [1, 7, 97, 4096] : [97, 1000, 4096, 65536]);

describe('CaptureReader: chunked reading equals whole-file reading', { skip: missing }, () => {
  for (const name of pcaps) {
    const pcap = new Uint8Array(readFileSync(path.join(capturesDir, name)));
    for (const [format, file] of [
      ['pcap', pcap],
      ['pcapng', toPcapng(pcap)],
    ] as const) {
      test(`${name} as ${format}: every chunk size gives the same records, none held longer than needed`, () => {
        const whole = readCapture(file);
        assert.ok(whole.ok && whole.damage === undefined && whole.records.length > 0);
        const biggest = Math.max(...whole.records.map((r) => r.data.length)) + 16 + 32;
        for (const size of sizesFor(file)) {
          const r = readInChunks(file, size);
          assert.equal(r.damage, undefined, `chunk ${size}`);
          assert.equal(r.reader.format, format);
          assert.equal(r.records.length, whole.records.length, `chunk ${size}`);
          r.records.forEach((got, i) => {
            const want = whole.records[i];
            const { data: gd, ...gm } = got;
            const { data: wd, ...wm } = want;
            assert.deepEqual(gm, wm, `chunk ${size}, record ${i + 1}`);
            assert.ok(Buffer.from(gd.buffer, gd.byteOffset, gd.length).equals(wd), `chunk ${size}, record ${i + 1}: data`);
          });
          // Held back: at most one unfinished record (or block).
          assert.ok(r.heldMax <= biggest, `chunk ${size}: held ${r.heldMax} bytes, one record is at most ${biggest}`);
        }
      });
    }
  }
});

describe('CaptureReader: damage and cut-off files', { skip: missing }, () => {
  test('every cut point of a pcap and a pcapng file: the same records and the same reason as a whole-file read', () => {
    const pcap = new Uint8Array(readFileSync(path.join(capturesDir, 'v4-http.pcap')));
    for (const file of [pcap, toPcapng(pcap)]) {
      for (let cut = 0; cut < 1200; cut += 13) {
        const part = file.subarray(0, cut);
        const whole = readCapture(part);
        const r = readInChunks(part, 61);
        if (!whole.ok) {
          assert.ok(r.reader.failure, `cut ${cut}`);
          assert.deepEqual(r.reader.failure, whole, `cut ${cut}`);
          continue;
        }
        assert.deepEqual(r.records.map(plain), whole.records.map(plain), `cut ${cut}`);
        assert.deepEqual(r.damage, whole.damage, `cut ${cut}`);
      }
    }
  });
});

describe('CaptureReader: a length field beyond any record', () => {
  test('is damage at once, not a reason to keep reading the rest of the file into memory', () => {
    const header = new Uint8Array(24);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, 0xa1b2c3d4, true);
    hv.setUint32(20, 1, true);
    const rec = new Uint8Array(16);
    new DataView(rec.buffer).setUint32(8, MAX_CAPTURE_RECORD + 1, true);
    const reader = new CaptureReader();
    reader.push(header);
    reader.push(rec);
    assert.equal(reader.damage?.reason, 'bad-capture');
    assert.match(reader.damage!.detail, /record 1 claims/);
    // Later chunks are not kept.
    reader.push(new Uint8Array(1 << 20));
    assert.equal(reader.bytesHeld, 0, 'nothing kept after the damage');
    assert.deepEqual(reader.end(), reader.damage);
  });

  test('a file that is not a capture fails on its first 4 bytes, however it is cut', () => {
    const reader = new CaptureReader();
    assert.deepEqual(reader.push(Uint8Array.of(1, 2)), []);
    assert.equal(reader.failure, undefined);
    reader.push(Uint8Array.of(3, 4, 5));
    const failure = reader.failure as DecodeFailure | undefined;
    assert.equal(failure?.reason, 'bad-capture');
    assert.match(failure!.detail, /unknown magic number 0x01020304/);
  });
});

describe('CaptureReader: any bytes, any chunking (property)', () => {
  // Random files behind each magic number, cut into random chunks: the chunked read always equals
  // the whole-file read (records, damage, failure). Fixed seed; a failure prints its counterexample.
  const magic = fc.constantFrom(
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0x0a, 0x0d, 0x0d, 0x0a],
  );
  const small = fc.integer({ min: 0, max: 40 });
  // Mostly small lengths in the length fields, so that records often complete.
  const body = fc.array(fc.oneof(small, fc.integer({ min: 0, max: 255 })), { maxLength: 400 });
  test('chunked equals whole', () => {
    fc.assert(
      fc.property(magic, body, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (m, b, cuts) => {
        const file = Uint8Array.from([...m, ...b]);
        const whole = readCapture(file);
        const reader = new CaptureReader();
        const records: unknown[] = [];
        let at = 0;
        for (let i = 0; at < file.length; i++) {
          const n = cuts[i % cuts.length];
          for (const r of reader.push(file.slice(at, at + n))) records.push(plain({ ...r, data: r.data.slice() }));
          at += n;
        }
        const end = reader.end();
        if (!whole.ok) {
          assert.deepEqual(reader.failure, whole);
          return;
        }
        assert.deepEqual(records, whole.records.map(plain));
        assert.deepEqual(end, whole.damage);
      }),
      { seed: 1401, numRuns: 3000 },
    );
  });

  test('pcap files of well-formed records and a random tail: chunked equals whole', () => {
    const record = fc.record({ ts: fc.integer({ min: 0, max: 2 ** 32 - 1 }), data: fc.uint8Array({ maxLength: 90 }), extra: fc.integer({ min: 0, max: 1500 }) });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), fc.uint8Array({ maxLength: 30 }), fc.integer({ min: 1, max: 50 }), (recs, tail, chunk) => {
        const parts: number[] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0];
        const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
        for (const r of recs) parts.push(...le32(r.ts), ...le32(0), ...le32(r.data.length), ...le32(r.data.length + r.extra), ...r.data);
        const file = Uint8Array.from([...parts, ...tail]);
        const whole = readCapture(file);
        assert.ok(whole.ok);
        assert.ok(whole.records.length >= recs.length);
        const reader = new CaptureReader();
        const records: unknown[] = [];
        for (let at = 0; at < file.length; at += chunk) for (const r of reader.push(file.slice(at, at + chunk))) records.push(plain({ ...r, data: r.data.slice() }));
        assert.deepEqual(records, whole.records.map(plain));
        assert.deepEqual(reader.end(), whole.damage);
      }),
      { seed: 1402, numRuns: 2000 },
    );
  });
});
