/**
 * inspectPacket against a packet written byte by byte from the RFCs' header diagrams (RFC 791 §3.1,
 * RFC 9293 §3.1), so that every offset checked here comes from the diagrams, not from the code:
 *
 *   IPv4, 20 bytes: 45 00 | total length 62 | id 0x1234 | 40 00 (DF) | ttl 64 | proto 6 | checksum |
 *                   198.18.0.1 | 198.18.0.2
 *   TCP at 20, 40 bytes: port 50000 | port 80 | seq 0x01020304 | ack 0x0a0b0c0d | a0 (offset 10) |
 *                   12 (SYN+ACK) | window 64240 | checksum | urgent 0 |
 *                   options at 40: MSS 1460 (4) | SACK-permitted (2) | timestamps 7, 9 (10) | NOP | wscale 7 (3)
 *   data at 60: "hi"
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectPacket, type PacketField } from '../../src/trace/index.js';

/** RFC 1071: the ones' complement of the ones' complement sum of 16-bit words. */
function checksum(b: number[], initial = 0): number {
  let sum = initial;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function handMade(): Uint8Array {
  const ip = [0x45, 0x00, 0, 62, 0x12, 0x34, 0x40, 0x00, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2];
  const ipSum = checksum(ip);
  ip[10] = ipSum >>> 8;
  ip[11] = ipSum & 0xff;
  const tcp = [
    0xc3, 0x50, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0xa0, 0x12, 0xfa, 0xf0, 0, 0, 0, 0,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 7, 0, 0, 0, 9, 0x01, 0x03, 0x03, 0x07,
    0x68, 0x69,
  ];
  // The pseudo-header (RFC 9293 §3.1): addresses, zero, protocol 6, TCP length 42.
  const pseudo = [198, 18, 0, 1, 198, 18, 0, 2, 0, 6, 0, tcp.length];
  const sum = checksum([...pseudo, ...tcp]);
  tcp[16] = sum >>> 8;
  tcp[17] = sum & 0xff;
  return new Uint8Array([...ip, ...tcp]);
}

function field(fields: PacketField[], key: string): PacketField {
  const f = fields.find((x) => x.key === key);
  assert.ok(f, `no field ${key}`);
  return f;
}

test('every IPv4 and TCP header field at the offset the RFC diagrams give', () => {
  const r = inspectPacket(handMade());
  assert.ok(r.ok, JSON.stringify(r));
  const at = (key: string): [number, number, number | undefined, number | undefined, unknown] => {
    const f = field(r.fields, key);
    return [f.offset, f.length, f.bit, f.bits, f.value];
  };
  assert.deepEqual(at('ip.version'), [0, 1, 0, 4, 4]);
  assert.deepEqual(at('ip.ihl'), [0, 1, 4, 4, 5]);
  assert.deepEqual(at('ip.totalLength'), [2, 2, undefined, undefined, 62]);
  assert.deepEqual(at('ip.identification'), [4, 2, undefined, undefined, 0x1234]);
  assert.deepEqual(at('ip.flag.DF'), [6, 1, 1, 1, true]);
  assert.deepEqual(at('ip.fragmentOffset'), [6, 2, 3, 13, 0]);
  assert.deepEqual(at('ip.ttl'), [8, 1, undefined, undefined, 64]);
  assert.deepEqual(at('ip.protocol'), [9, 1, undefined, undefined, 6]);
  assert.equal(field(r.fields, 'ip.checksum').offset, 10);
  assert.match(field(r.fields, 'ip.checksum').text, /\(valid\)/);
  assert.deepEqual(at('ip.src'), [12, 4, undefined, undefined, '198.18.0.1']);
  assert.deepEqual(at('ip.dst'), [16, 4, undefined, undefined, '198.18.0.2']);
  assert.deepEqual(at('tcp.srcPort'), [20, 2, undefined, undefined, 50000]);
  assert.deepEqual(at('tcp.dstPort'), [22, 2, undefined, undefined, 80]);
  assert.deepEqual(at('tcp.seq'), [24, 4, undefined, undefined, 0x01020304]);
  assert.deepEqual(at('tcp.ack'), [28, 4, undefined, undefined, 0x0a0b0c0d]);
  assert.deepEqual(at('tcp.dataOffset'), [32, 1, 0, 4, 10]);
  assert.equal(field(r.fields, 'tcp.flags').text, 'SYN+ACK');
  assert.deepEqual(at('tcp.flag.SYN'), [33, 1, 6, 1, true]);
  assert.deepEqual(at('tcp.flag.ACK'), [33, 1, 3, 1, true]);
  assert.deepEqual(at('tcp.flag.FIN'), [33, 1, 7, 1, false]);
  assert.deepEqual(at('tcp.flag.CWR'), [33, 1, 0, 1, false]);
  assert.deepEqual(at('tcp.window'), [34, 2, undefined, undefined, 64240]);
  assert.equal(field(r.fields, 'tcp.checksum').offset, 36);
  assert.match(field(r.fields, 'tcp.checksum').text, /\(valid\)/);
  assert.deepEqual(at('tcp.urgentPointer'), [38, 2, undefined, undefined, 0]);
  assert.deepEqual(at('tcp.option.mss'), [40, 4, undefined, undefined, 1460]);
  assert.deepEqual(at('tcp.option.sackPermitted'), [44, 2, undefined, undefined, true]);
  assert.deepEqual(at('tcp.option.timestamp'), [46, 10, undefined, undefined, '7 9']);
  assert.deepEqual(at('tcp.option.timestamp.val'), [48, 4, undefined, undefined, 7]);
  assert.deepEqual(at('tcp.option.timestamp.ecr'), [52, 4, undefined, undefined, 9]);
  assert.deepEqual(at('tcp.option.nop'), [56, 1, undefined, undefined, 1]);
  assert.deepEqual(at('tcp.option.wscale'), [57, 3, undefined, undefined, 7]);
  assert.deepEqual(at('data'), [60, 2, undefined, undefined, 2]);
  // Every byte of the packet lies in some field.
  const covered = new Set<number>();
  for (const f of r.fields) for (let i = f.offset; i < f.offset + f.length; i++) covered.add(i);
  assert.equal(covered.size, 62);
});

test('a corrupted checksum is shown as invalid, and bytes that are no TCP/IP packet are a typed failure', () => {
  const p = handMade();
  p[36] ^= 0xff;
  const r = inspectPacket(p);
  assert.ok(r.ok);
  assert.match(field(r.fields, 'tcp.checksum').text, /\(invalid\)/);
  const bad = inspectPacket(new Uint8Array([0x45, 0, 0]));
  assert.equal(bad.ok, false);
  assert.equal(bad.ok === false && bad.reason, 'truncated');
  const none = inspectPacket(new Uint8Array(0));
  assert.equal(none.ok === false && none.reason, 'empty');
});
