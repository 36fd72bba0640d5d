/**
 * decodeTcpHeaderInto (wire/tcp.ts), the stack's receive path: one header decoded into again and
 * again. It must decode exactly what decodeTcpHeader decodes (every field, the options deeply, the
 * same failures), for headers of every option layout and for mutated ones (seeded); the header
 * object is the same each time, and so is the options object of the timestamps-only layout, refilled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTcpHeader, decodeTcpHeaderInto, encodeTcpHeader, reusableTcpHeader, TcpFlag, type TcpHeaderFields } from '../../src/wire/index.js';
import { SeededRandom } from '../../src/tcp/random.js';

const HEADERS: TcpHeaderFields[] = [
  { srcPort: 1, dstPort: 2, seq: 0xfffffff0, ack: 3, flags: TcpFlag.ACK, window: 100, urgentPointer: 0 },
  { srcPort: 80, dstPort: 49152, seq: 7, ack: 0x80000000, flags: TcpFlag.ACK | TcpFlag.PSH, window: 65535, urgentPointer: 0, options: { timestamp: { value: 0xdeadbeef, echo: 12 } } },
  { srcPort: 49152, dstPort: 80, seq: 1, ack: 0, flags: TcpFlag.SYN, window: 65535, urgentPointer: 0, options: { mss: 1460, sackPermitted: true, timestamp: { value: 5, echo: 0 }, wscale: 7 } },
  { srcPort: 5, dstPort: 6, seq: 9, ack: 10, flags: TcpFlag.ACK, window: 1, urgentPointer: 0, options: { timestamp: { value: 1, echo: 2 }, sack: [[100, 200], [300, 400]] } },
  { srcPort: 5, dstPort: 6, seq: 9, ack: 10, flags: TcpFlag.ACK, window: 1, urgentPointer: 0, options: { sack: [[1, 2]] } },
];

function packet(h: TcpHeaderFields, payload: number): Uint8Array {
  const out = new Uint8Array(60 + payload);
  const n = encodeTcpHeader(h, out, 0);
  for (let i = 0; i < payload; i++) out[n + i] = i + 1;
  return out.subarray(0, n + payload);
}

function same(bytes: Uint8Array, r: ReturnType<typeof reusableTcpHeader>, what: string): void {
  const fresh = decodeTcpHeader(bytes, 0, bytes.length);
  const into = decodeTcpHeaderInto(bytes, 0, bytes.length, r);
  if (!fresh.ok || !into.ok) {
    assert.equal(into.ok, fresh.ok, what);
    if (!fresh.ok && !into.ok) assert.equal(into.reason, fresh.reason, what);
    return;
  }
  assert.equal(into, r.header, `${what}: the reusable header itself`);
  for (const k of ['srcPort', 'dstPort', 'seq', 'ack', 'headerLength', 'flags', 'window', 'checksum', 'urgentPointer'] as const) assert.equal(into[k], fresh[k], `${what}: ${k}`);
  assert.deepEqual({ ...into.options }, { ...fresh.options }, `${what}: options`);
  assert.deepEqual(into.payload, fresh.payload, `${what}: payload`);
}

test('each layout decodes as decodeTcpHeader does, into the same objects', () => {
  const r = reusableTcpHeader();
  for (const [i, h] of HEADERS.entries()) for (const payload of [0, 3]) same(packet(h, payload), r, `header ${i}, ${payload} octets`);
  const a = decodeTcpHeaderInto(packet(HEADERS[1], 0), 0, packet(HEADERS[1], 0).length, r);
  assert.ok(a.ok);
  const optionsA = a.options;
  assert.equal(optionsA, r.timestampOptions, 'timestamps alone: the reusable options');
  const b = decodeTcpHeaderInto(packet({ ...HEADERS[1], options: { timestamp: { value: 77, echo: 88 } } }, 1), 0, packet(HEADERS[1], 1).length, r);
  assert.ok(b.ok);
  assert.equal(b, a, 'one header');
  assert.equal(b.options, optionsA, 'one options object');
  assert.deepEqual(b.options.timestamp, { value: 77, echo: 88 }, 'refilled');
  assert.equal(b.seq, 7);
});

test('mutated headers decode, or fail, as decodeTcpHeader does (seed 9)', () => {
  const rnd = new SeededRandom(9);
  const r = reusableTcpHeader();
  for (let k = 0; k < 5000; k++) {
    const base = packet(HEADERS[rnd.int(HEADERS.length)], rnd.int(4));
    const bytes = base.slice();
    for (let m = rnd.int(4); m > 0; m--) bytes[rnd.int(bytes.length)] = rnd.int(256);
    const len = rnd.int(3) === 0 ? rnd.int(bytes.length + 1) : bytes.length;
    same(bytes.subarray(0, len), r, `case ${k} (seed 9)`);
  }
});
