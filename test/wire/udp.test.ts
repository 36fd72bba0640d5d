/**
 * UDP (RFC 768): header source port, destination port, length (header and data), checksum over the
 * pseudo-header, header and data. On IPv4 a zero checksum means none was computed, so a computed
 * zero goes out as ffff; on IPv6 (RFC 8200 §8.1) the checksum is required and zero is invalid.
 *
 * The packet by hand: IPv4 198.18.0.1 -> 198.18.0.2, ports 5000 (1388) -> 53 (0035), data "hi"
 * (6869): UDP length 8 + 2 = 10 (000a). Checksum: the words of the pseudo-header c612 0001 c612 0002
 * 0011 000a, the header 1388 0035 000a 0000 and the data 6869 sum to
 * c612+0001+c612+0002+0011+000a+1388+0035+000a+6869 = 0x20872 -> fold 0x0874 -> complement 0xf78b.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeUdpPacket, encodeUdpPacket, udpPayload } from '../../src/wire/udp.js';
import { hexBytes, pseudoV4, pseudoV6, refOnesSum, toHexString } from './l2-helpers.js';

const A = 0xc6120001;
const B = 0xc6120002;
const A6 = hexBytes('20010db8000000000000000000000001');
const B6 = hexBytes('20010db8000000000000000000000002');

describe('UDP (RFC 768)', () => {
  test('a datagram by hand: the checksum worked out in the header comment', () => {
    const p = encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 5000, dstPort: 53 }, payload: hexBytes('6869') });
    assert.equal(toHexString(p.subarray(20)), '1388 0035 000a f78b 6869'.replace(/ /g, ''));
    const d = decodeUdpPacket(p);
    assert.ok(d.ok);
    assert.deepEqual(d.udp, { srcPort: 5000, dstPort: 53, length: 10, checksum: 0xf78b });
    assert.equal(d.checksumStatus, 'good');
    assert.equal(toHexString(udpPayload(d)), '6869');
    assert.equal(d.ip.version === 4 && d.ip.protocol, 17);
  });

  test('IPv4: a zero checksum field means none (not checked); a computed zero is sent as ffff', () => {
    const none = encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 1, dstPort: 2 }, payload: hexBytes('0102'), udpChecksum: 0 });
    const d = decodeUdpPacket(none);
    assert.ok(d.ok && d.checksumStatus === 'none' && d.udp.checksum === 0);
    // Choose the data word X so the sum folds to ffff: X = ffff - fold(everything else).
    const rest = refOnesSum([pseudoV4(hexBytes('c6120001'), hexBytes('c6120002'), 17, 10), hexBytes('0001 0002 000a 0000')]);
    const x = 0xffff - rest;
    const zero = encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 1, dstPort: 2 }, payload: Uint8Array.of(x >>> 8, x & 0xff) });
    assert.equal(toHexString(zero.subarray(26, 28)), 'ffff');
    const z = decodeUdpPacket(zero);
    assert.ok(z.ok && z.checksumStatus === 'good');
  });

  test('IPv6: the checksum over RFC 8200 pseudo-header; zero is invalid', () => {
    const p = encodeUdpPacket({ ip: { version: 6, src: A6, dst: B6 }, udp: { srcPort: 40000, dstPort: 53 }, payload: hexBytes('abcdef') });
    const sum = refOnesSum([pseudoV6(A6, B6, 17, 11), p.subarray(40)]);
    assert.equal(sum, 0xffff, 'the reference sum over pseudo-header and datagram is all ones');
    const d = decodeUdpPacket(p);
    assert.ok(d.ok && d.checksumStatus === 'good' && d.ip.version === 6);
    const zero = encodeUdpPacket({ ip: { version: 6, src: A6, dst: B6 }, udp: { srcPort: 40000, dstPort: 53 }, payload: hexBytes('abcdef'), udpChecksum: 0 });
    const z = decodeUdpPacket(zero);
    assert.ok(z.ok && z.checksumStatus === 'bad');
  });

  test('a corrupted byte makes the checksum bad', () => {
    const p = encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 5000, dstPort: 53 }, payload: hexBytes('6869') });
    p[29] ^= 1;
    const d = decodeUdpPacket(p);
    assert.ok(d.ok && d.checksumStatus === 'bad');
  });

  test('bad lengths and other protocols are typed failures', () => {
    const p = encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 5000, dstPort: 53 }, payload: hexBytes('6869') });
    const long = p.slice();
    long[25] = 11; // UDP length past the IP payload
    assert.equal((decodeUdpPacket(long) as { reason: string }).reason, 'bad-length');
    const short = p.slice();
    short[25] = 7; // below the header's own 8
    assert.equal((decodeUdpPacket(short) as { reason: string }).reason, 'bad-length');
    const tcp = p.slice();
    tcp[9] = 6;
    assert.equal((decodeUdpPacket(tcp) as { reason: string }).reason, 'other-protocol');
    assert.equal((decodeUdpPacket(p.subarray(0, 24)) as { reason: string }).reason, 'truncated');
  });

  test('bytes past the UDP length (inside the IP payload) are not data', () => {
    const p = encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 5000, dstPort: 53 }, payload: hexBytes('686900') });
    p[25] = 10; // claim 2 bytes of data: the checksum then covers 10 bytes
    p[26] = p[27] = 0;
    const sum = refOnesSum([pseudoV4(hexBytes('c6120001'), hexBytes('c6120002'), 17, 10), p.subarray(20, 30)]);
    p[26] = (~sum >>> 8) & 0xff;
    p[27] = ~sum & 0xff;
    const d = decodeUdpPacket(p);
    assert.ok(d.ok && d.payloadLength === 2 && d.checksumStatus === 'good');
  });

  test('encode checks its fields', () => {
    assert.throws(() => encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 70000, dstPort: 53 } }), /udp\.srcPort must be an integer in \[0, 65535\], got 70000/);
    assert.throws(() => encodeUdpPacket({ ip: { version: 4, src: A, dst: B }, udp: { srcPort: 1, dstPort: 53 }, payload: new Uint8Array(65528) }), RangeError);
    assert.throws(() => encodeUdpPacket({ ip: { version: 6, src: A as unknown as Uint8Array, dst: B6 }, udp: { srcPort: 1, dstPort: 53 } }), TypeError);
  });

  test('round trip, both families', () => {
    const ip = fc.oneof(
      fc.record({ version: fc.constant(4 as const), src: fc.integer({ min: 0, max: 0xffffffff }), dst: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ version: fc.constant(6 as const), src: fc.uint8Array({ minLength: 16, maxLength: 16 }), dst: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    );
    fc.assert(
      fc.property(ip, fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 300 }), (ipf, srcPort, dstPort, payload) => {
        const d = decodeUdpPacket(encodeUdpPacket({ ip: ipf, udp: { srcPort, dstPort }, payload }));
        assert.ok(d.ok);
        assert.equal(d.checksumStatus, 'good');
        assert.deepEqual([d.ip.src, d.ip.dst, d.udp.srcPort, d.udp.dstPort, d.udp.length], [ipf.src, ipf.dst, srcPort, dstPort, 8 + payload.length]);
        assert.deepEqual(udpPayload(d), payload);
      }),
    );
  });
});
