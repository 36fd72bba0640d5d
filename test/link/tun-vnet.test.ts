/**
 * The virtio_net_hdr of an offloading TUN device (src/link/tun.ts; include/uapi/linux/virtio_net.h),
 * without a device: the reads are made here, as the kernel would write them and as it never would,
 * and TunDevice runs over a stand-in for the addon that hands them over and records the writes.
 *
 * What must hold:
 *   - Reading: a header that is short or makes no sense (flags not negotiated, a GSO type other than
 *     TCPV4/TCPV6, a GSO type that does not match the packet, gso_size 0, checksum offsets outside the
 *     packet, a super-packet whose checksum nobody vouches for) is a counted drop with its reason,
 *     never a throw; NEEDS_CSUM at the TCP checksum field vouches for the packet; NEEDS_CSUM elsewhere
 *     (UDP) is completed in place to the checksum RFC 768 defines.
 *   - Writing: a plain packet goes with a zeroed header (GSO_NONE); a super-packet with gso_type by IP
 *     version, gso_size, hdr_len the IP and TCP headers, NEEDS_CSUM at the TCP checksum (csum_start
 *     the TCP header, csum_offset 16), and that field holding the folded pseudo-header sum over the
 *     whole TCP length (what the kernel's tcp_gso_segment adjusts per segment).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeVnetRead, TunDevice, VNET_HDR_LEN, type TunAddon } from '../../src/link/tun.js';
import { encodeTcpPacket, TcpFlag } from '../../src/wire/index.js';
import { parseIpv4, parseIpv6 } from '../../src/wire/address.js';
import { foldSum, onesSum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from '../../src/wire/checksum.js';

const SRC = parseIpv4('198.18.0.1')!;
const DST = parseIpv4('198.18.0.2')!;

/** An IPv4 TCP packet (timestamps: a 32-octet TCP header) with `n` octets of data. */
function tcp4(n: number, flags: number = TcpFlag.ACK): Uint8Array {
  return encodeTcpPacket({
    ip: { version: 4, src: SRC, dst: DST, ttl: 64, identification: 7, dscp: 0, ecn: 0 },
    tcp: { srcPort: 1000, dstPort: 80, seq: 1, ack: 1, flags, window: 1000, urgentPointer: 0, options: { timestamp: { value: 1, echo: 2 } } },
    payload: new Uint8Array(n).map((_, i) => i % 251),
  });
}

function tcp6(n: number): Uint8Array {
  return encodeTcpPacket({
    ip: { version: 6, src: parseIpv6('2001:db8::1')!, dst: parseIpv6('2001:db8::2')!, hopLimit: 64, dscp: 0, ecn: 0, flowLabel: 0 },
    tcp: { srcPort: 1000, dstPort: 80, seq: 1, ack: 1, flags: TcpFlag.ACK, window: 1000, urgentPointer: 0 },
    payload: new Uint8Array(n),
  });
}

/** A read: the header's fields (little-endian, as the kernel writes them on this host) before `packet`. */
function read(packet: Uint8Array, h: { flags?: number; gsoType?: number; hdrLen?: number; gsoSize?: number; csumStart?: number; csumOffset?: number } = {}): Uint8Array {
  const b = new Uint8Array(VNET_HDR_LEN + packet.length);
  const le16 = (at: number, v: number): void => {
    b[at] = v & 0xff;
    b[at + 1] = v >>> 8;
  };
  b[0] = h.flags ?? 0;
  b[1] = h.gsoType ?? 0;
  le16(2, h.hdrLen ?? 0);
  le16(4, h.gsoSize ?? 0);
  le16(6, h.csumStart ?? 0);
  le16(8, h.csumOffset ?? 0);
  b.set(packet, VNET_HDR_LEN);
  return b;
}

const NEEDS_CSUM = { flags: 1, csumStart: 20, csumOffset: 16 };

test('decodeVnetRead: plain, partial-checksum and super-packet reads are taken as the kernel meant them', () => {
  const p = tcp4(100);
  const plain = decodeVnetRead(read(p));
  assert.ok(typeof plain !== 'string');
  assert.deepEqual([plain.gsoSize, plain.checksumVouched, plain.packet], [0, false, p]);
  const partial = decodeVnetRead(read(p, NEEDS_CSUM));
  assert.ok(typeof partial !== 'string');
  assert.deepEqual([partial.gsoSize, partial.checksumVouched], [0, true]);
  const valid = decodeVnetRead(read(p, { flags: 2 }));
  assert.ok(typeof valid !== 'string' && valid.checksumVouched, 'DATA_VALID vouches for a TCP packet');
  const big = tcp4(4 * 1448);
  const gso = decodeVnetRead(read(big, { ...NEEDS_CSUM, gsoType: 1, gsoSize: 1448, hdrLen: 52 }));
  assert.ok(typeof gso !== 'string');
  assert.deepEqual([gso.gsoSize, gso.checksumVouched, gso.packet.length], [1448, true, big.length]);
  const ecn = decodeVnetRead(read(big, { ...NEEDS_CSUM, gsoType: 0x81, gsoSize: 1448 }));
  assert.ok(typeof ecn !== 'string' && ecn.gsoSize === 1448, 'GSO_ECN with TCPV4');
  const six = tcp6(3 * 1440);
  const gso6 = decodeVnetRead(read(six, { flags: 1, csumStart: 40, csumOffset: 16, gsoType: 4, gsoSize: 1440 }));
  assert.ok(typeof gso6 !== 'string' && gso6.gsoSize === 1440 && gso6.checksumVouched);
});

test('decodeVnetRead: a header that makes no sense is a typed reason, never a throw', () => {
  const p = tcp4(3000);
  const cases: Array<[Uint8Array, string]> = [
    [new Uint8Array(0), 'truncated'],
    [read(p).subarray(0, VNET_HDR_LEN - 1), 'truncated'],
    [read(p, { flags: 4 }), 'unknown-flags'],
    [read(p, { flags: 0x81 }), 'unknown-flags'],
    [read(p, { gsoType: 3, gsoSize: 1000, ...NEEDS_CSUM }), 'bad-gso-type'],
    [read(p, { gsoType: 5, gsoSize: 1000, ...NEEDS_CSUM }), 'bad-gso-type'],
    [read(p, { flags: 1, csumStart: p.length - 1, csumOffset: 0 }), 'bad-checksum-offsets'],
    [read(p, { flags: 1, csumStart: 20, csumOffset: 0xffff }), 'bad-checksum-offsets'],
    [read(p, { ...NEEDS_CSUM, gsoType: 4, gsoSize: 1000 }), 'gso-not-tcp'],
    [read(new Uint8Array(0), { gsoType: 1, gsoSize: 1000 }), 'gso-not-tcp'],
    [read(p.subarray(0, 30), { gsoType: 1, gsoSize: 1000 }), 'gso-not-tcp'],
    [read(p, { ...NEEDS_CSUM, gsoType: 1, gsoSize: 0 }), 'gso-size-zero'],
    [read(p, { gsoType: 1, gsoSize: 1000 }), 'gso-checksum-unvouched'],
  ];
  for (const [bytes, reason] of cases) assert.equal(decodeVnetRead(bytes), reason, `${reason}: ${Array.from(bytes.subarray(0, 10)).join(',')}`);
  // A header with no packet after it is no header error: the stack counts an empty IP packet itself.
  const empty = decodeVnetRead(new Uint8Array(VNET_HDR_LEN));
  assert.ok(typeof empty !== 'string' && empty.packet.length === 0);
});

test('decodeVnetRead: NEEDS_CSUM on a UDP datagram is completed in place (RFC 768), for the stack to verify', () => {
  // IPv4 + UDP 198.18.0.1:53 -> 198.18.0.2:4000, 11 data octets, the checksum field holding the
  // folded pseudo-header sum (what the kernel leaves for a device with TUN_F_CSUM).
  const data = new TextEncoder().encode('hello there');
  const len = 8 + data.length;
  const p = new Uint8Array(20 + len);
  p.set([0x45, 0, 0, 20 + len, 0, 0, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2]);
  p.set([0, 53, 0x0f, 0xa0, 0, len, 0, 0], 20);
  p.set(data, 28);
  const partial = foldSum(pseudoHeaderSumV4(SRC, DST, 17, len));
  p[26] = partial >>> 8;
  p[27] = partial & 0xff;
  const r = decodeVnetRead(read(p, { flags: 1, csumStart: 20, csumOffset: 6 }));
  assert.ok(typeof r !== 'string');
  assert.equal(r.checksumVouched, false);
  assert.equal(foldSum(onesSum(r.packet, 20, r.packet.length, pseudoHeaderSumV4(SRC, DST, 17, len))), 0xffff, 'the completed UDP checksum verifies');
  assert.notDeepEqual([r.packet[26], r.packet[27]], [0, 0]);
});

/** A stand-in for the addon: reads handed over from `reads`, writes recorded. */
function fakeAddon(reads: Uint8Array[]) {
  const writes: Array<{ header: Uint8Array | undefined; packet: Uint8Array }> = [];
  let onReadable: (() => void) | undefined;
  const lib: TunAddon = {
    open: () => ({ fd: 3, name: 'fake0', vnetHdrLen: VNET_HDR_LEN }),
    readBatch(_fd, buf, offset, maxLength, lengths) {
      let n = 0;
      let at = offset;
      while (reads.length > 0 && n < lengths.length && at + maxLength <= buf.length) {
        const r = reads.shift()!;
        buf.set(r, at);
        lengths[n++] = r.length;
        at += (r.length + 7) & ~7;
      }
      return n;
    },
    write(_fd, buf, offset, length, header) {
      writes.push({ header: header?.slice(), packet: buf.slice(offset, offset + length) });
      return length + (header?.length ?? 0);
    },
    watch(_fd, cb) {
      onReadable = () => cb(0);
      return {};
    },
    unwatch() {},
    close() {},
  };
  return { lib, writes, readable: () => onReadable!() };
}

test('TunDevice with offload: bad headers are counted drops between good reads, which arrive in order', () => {
  const big = tcp4(4 * 1448);
  const small = tcp4(10);
  const f = fakeAddon([
    new Uint8Array(3),
    read(big, { ...NEEDS_CSUM, gsoType: 1, gsoSize: 1448 }),
    read(big, { gsoType: 3, gsoSize: 1448, ...NEEDS_CSUM }),
    read(small, NEEDS_CSUM),
    read(small),
  ]);
  const dev = TunDevice.withAddon(f.lib, 'fake0', 3, { mtu: 1500 }, VNET_HDR_LEN);
  const got: Array<[number, number, boolean]> = [];
  let batches = 0;
  dev.start((p, gso, vouched) => got.push([p.length, gso, vouched]), () => batches++);
  f.readable();
  assert.deepEqual(got, [
    [big.length, 1448, true],
    [small.length, 0, true],
    [small.length, 0, false],
  ]);
  assert.equal(dev.badVnetHeaders, 2);
  assert.equal(dev.lastBadVnetHeader, 'bad-gso-type');
  assert.equal(dev.gsoPacketsIn, 1);
  assert.equal(batches, 1);
  dev.close();
});

test('TunDevice with offload: writes carry a zeroed header, or the GSO header and the pseudo-header sum', () => {
  const f = fakeAddon([]);
  const dev = TunDevice.withAddon(f.lib, 'fake0', 3, { mtu: 1500 }, VNET_HDR_LEN);
  const small = tcp4(10);
  assert.equal(dev.send(small), true);
  const big = tcp4(5 * 1448 - 3, TcpFlag.ACK | TcpFlag.PSH);
  assert.equal(dev.sendOffloaded(big, 1448), true);
  const big6 = tcp6(3 * 1440);
  assert.equal(dev.sendOffloaded(big6, 1440), true);
  assert.equal(f.writes.length, 3);
  assert.deepEqual(Array.from(f.writes[0].header!), new Array(VNET_HDR_LEN).fill(0));
  assert.deepEqual(f.writes[0].packet, small);
  const tcpLen = big.length - 20;
  const expect = foldSum(pseudoHeaderSumV4(SRC, DST, 6, tcpLen));
  // flags NEEDS_CSUM, gso_type TCPV4, hdr_len 52 (20 + 32), gso_size 1448, csum_start 20, csum_offset 16
  assert.deepEqual(Array.from(f.writes[1].header!), [1, 1, 52, 0, 1448 & 0xff, 1448 >>> 8, 20, 0, 16, 0]);
  const w = f.writes[1].packet;
  assert.equal((w[36] << 8) | w[37], expect, 'the TCP checksum field holds the folded pseudo-header sum');
  assert.deepEqual(w.subarray(38), big.subarray(38), 'nothing after the checksum changes');
  const six = f.writes[2];
  assert.deepEqual(Array.from(six.header!), [1, 4, 60, 0, 1440 & 0xff, 1440 >>> 8, 40, 0, 16, 0]);
  const expect6 = foldSum(pseudoHeaderSumV6(big6.subarray(8, 24), big6.subarray(24, 40), 6, big6.length - 40));
  assert.equal((six.packet[56] << 8) | six.packet[57], expect6);
  assert.equal(dev.gsoPacketsOut, 2);
  dev.close();
});

test('TunDevice without offload: plain writes without a header; a super-packet is refused, for the driver to cut', () => {
  const f = fakeAddon([read(tcp4(10))]);
  const dev = TunDevice.withAddon(f.lib, 'fake0', 3, { mtu: 1500 }, 0);
  assert.equal(dev.offload, false);
  const small = tcp4(10);
  assert.equal(dev.send(small), true);
  assert.equal(f.writes[0].header, undefined);
  assert.throws(() => dev.sendOffloaded(tcp4(3 * 1448), 1448), /opened without offload/);
  assert.equal(f.writes.length, 1);
  // Reads are bare packets: the ten octets a header would take are the packet's.
  const got: number[] = [];
  dev.start((p, gso, vouched) => got.push(p.length, gso, vouched ? 1 : 0), () => {});
  f.readable();
  assert.deepEqual(got, [VNET_HDR_LEN + small.length, 0, 0]);
  dev.close();
});
