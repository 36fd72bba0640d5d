/**
 * IPv6 neighbour discovery (RFC 4861 §4), from the message layouts. Every message is ICMPv6
 * (next header 58 = 3a), hop limit 255, checksummed over the RFC 8200 pseudo-header.
 *
 * Neighbour solicitation (§4.3): 87 00 cksum | reserved(4) | target(16) | options
 * Router advertisement (§4.2):    86 00 cksum | cur hop limit | M O ... | router lifetime(2) |
 *                                 reachable time(4) | retrans timer(4) | options
 * Options (§4.6): type, length in units of 8 bytes; source link-layer address (1), prefix
 * information (3: prefix length, L A flags, valid and preferred lifetimes, reserved, prefix), MTU (5).
 *
 * Lifetimes: 2592000 s (30 days) = 00278d00, 604800 s (7 days) = 00093a80; MTU 1500 = 05dc;
 * router lifetime 1800 = 0708.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeNdpPacket, encodeNdpPacket, ipv6MulticastMac, solicitedNodeAddress, type NdpMessage } from '../../src/wire/ndp.js';
import { ipv6ToString, parseIpv6 } from '../../src/wire/address.js';
import { macToString } from '../../src/wire/ethernet.js';
import { hexBytes, pseudoV6, refOnesSum, toHexString } from './l2-helpers.js';

const SRC = parseIpv6('2001:db8::1')!;
const TARGET = parseIpv6('2001:db8::2')!;
const SNMA = parseIpv6('ff02::1:ff00:2')!;
const MAC = hexBytes('020000000001');
const LINK_LOCAL = parseIpv6('fe80::1')!;
const ALL_NODES = parseIpv6('ff02::1')!;

function checksumOk(packet: Uint8Array): boolean {
  const len = packet.length - 40;
  return refOnesSum([pseudoV6(packet.subarray(8, 24), packet.subarray(24, 40), 58, len), packet.subarray(40)]) === 0xffff;
}

describe('neighbour discovery (RFC 4861)', () => {
  test('solicited-node multicast address (RFC 4291 §2.7.1) and its Ethernet address (RFC 2464 §7)', () => {
    const a = parseIpv6('2001:db8::1234:5678')!;
    assert.equal(ipv6ToString(solicitedNodeAddress(a)), 'ff02::1:ff34:5678');
    assert.equal(macToString(ipv6MulticastMac(solicitedNodeAddress(a))), '33:33:ff:34:56:78');
    assert.equal(macToString(ipv6MulticastMac(ALL_NODES)), '33:33:00:00:00:01');
  });

  test('a neighbour solicitation, by hand', () => {
    const p = encodeNdpPacket({ src: SRC, dst: SNMA, message: { type: 135, target: TARGET, options: { sourceLinkLayer: MAC } } });
    const icmp = toHexString(p.subarray(40));
    assert.equal(icmp.slice(0, 4), '8700');
    assert.equal(icmp.slice(8), '00000000' + '20010db8000000000000000000000002' + '0101020000000001');
    assert.equal(toHexString(p.subarray(0, 8)), '6000000000203aff', 'payload length 32, next header 58, hop limit 255');
    assert.ok(checksumOk(p), 'the reference sum over pseudo-header and message is all ones');
    const d = decodeNdpPacket(p);
    assert.ok(d.ok && d.checksumValid && d.length === 32);
    assert.equal(d.message.type, 135);
    assert.equal(d.ip.hopLimit, 255);
    if (d.message.type === 135) assert.equal(ipv6ToString(d.message.target), '2001:db8::2');
    assert.deepEqual(d.message.options, { sourceLinkLayer: MAC });
  });

  test('a router advertisement with prefix information and MTU, by hand (what SLAAC needs)', () => {
    const hand = hexBytes(`
      86 00 0000 | 40 | c0 | 0708 | 00000000 | 00000000
      01 01 020000000001
      03 04 40 c0 00278d00 00093a80 00000000 20010db8001600000000000000000000
      05 01 0000 000005dc`);
    const p = encodeNdpPacket({
      src: LINK_LOCAL,
      dst: ALL_NODES,
      message: {
        type: 134, curHopLimit: 64, managed: true, other: true, routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
        options: {
          sourceLinkLayer: MAC,
          prefixes: [{ prefixLength: 64, onLink: true, autonomous: true, validLifetime: 2592000, preferredLifetime: 604800, prefix: parseIpv6('2001:db8:16::')! }],
          mtu: 1500,
        },
      },
    });
    const body = p.slice(40);
    body[2] = body[3] = 0; // compare all but the checksum, which the reference sum checks
    assert.equal(toHexString(body), toHexString(hand));
    assert.ok(checksumOk(p));
    const d = decodeNdpPacket(p);
    assert.ok(d.ok && d.message.type === 134);
    const m = d.message;
    assert.deepEqual([m.curHopLimit, m.managed, m.other, m.routerLifetime, m.options.mtu], [64, true, true, 1800, 1500]);
    assert.equal(ipv6ToString(m.options.prefixes![0].prefix), '2001:db8:16::');
    assert.deepEqual({ ...m.options.prefixes![0], prefix: undefined }, { prefixLength: 64, onLink: true, autonomous: true, validLifetime: 2592000, preferredLifetime: 604800, prefix: undefined });
  });

  test('neighbour advertisement flags R S O; router solicitation; redirect', () => {
    const na = decodeNdpPacket(encodeNdpPacket({ src: TARGET, dst: SRC, message: { type: 136, router: false, solicited: true, override: true, target: TARGET, options: { targetLinkLayer: MAC } } }));
    assert.ok(na.ok && na.message.type === 136);
    assert.deepEqual([na.message.router, na.message.solicited, na.message.override], [false, true, true]);
    const raw = encodeNdpPacket({ src: TARGET, dst: SRC, message: { type: 136, router: true, solicited: false, override: false, target: TARGET } });
    assert.equal(raw[44], 0x80, 'R is the top bit of the flags byte');
    const rs = decodeNdpPacket(encodeNdpPacket({ src: LINK_LOCAL, dst: parseIpv6('ff02::2')!, message: { type: 133 } }));
    assert.ok(rs.ok && rs.message.type === 133 && rs.length === 8);
    const rd = decodeNdpPacket(encodeNdpPacket({ src: LINK_LOCAL, dst: SRC, message: { type: 137, target: LINK_LOCAL, destination: TARGET, options: { redirectedHeader: hexBytes('6000000000000000') } } }));
    assert.ok(rd.ok && rd.message.type === 137);
    assert.equal(ipv6ToString(rd.message.destination), '2001:db8::2');
    assert.deepEqual(rd.message.options.redirectedHeader, hexBytes('6000000000000000'));
  });

  test('malformed messages are typed failures (§4.6: an option of length 0 is discarded)', () => {
    const ns = encodeNdpPacket({ src: SRC, dst: SNMA, message: { type: 135, target: TARGET, options: { sourceLinkLayer: MAC } } });
    const zero = ns.slice();
    zero[40 + 24 + 1] = 0;
    assert.equal((decodeNdpPacket(zero) as { reason: string }).reason, 'bad-length');
    const over = ns.slice();
    over[40 + 24 + 1] = 2;
    assert.equal((decodeNdpPacket(over) as { reason: string }).reason, 'option-overrun');
    const cut = ns.slice(0, 40 + 20);
    cut[5] = 20;
    assert.equal((decodeNdpPacket(cut) as { reason: string }).reason, 'truncated');
    const echo = ns.slice();
    echo[40] = 128;
    assert.equal((decodeNdpPacket(echo) as { reason: string }).reason, 'other-protocol');
    const corrupt = ns.slice();
    corrupt[50] ^= 0x10;
    const c = decodeNdpPacket(corrupt);
    assert.ok(c.ok && !c.checksumValid);
  });

  test('encode checks its fields', () => {
    assert.throws(() => encodeNdpPacket({ src: SRC, dst: SNMA, message: { type: 135, target: new Uint8Array(4) } }), /message\.target/);
    assert.throws(() => encodeNdpPacket({ src: SRC, dst: SNMA, message: { type: 140 } as unknown as NdpMessage }), /message\.type/);
    assert.throws(() => encodeNdpPacket({ src: SRC, dst: SNMA, message: { type: 133, options: { unknown: [{ type: 9, data: new Uint8Array(3) }] } } }), /6, 14, 22/);
  });

  test('round trip: RA with any prefixes and options', () => {
    const addr = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const prefix = fc.record({ prefixLength: fc.integer({ min: 0, max: 128 }), onLink: fc.boolean(), autonomous: fc.boolean(), validLifetime: u32, preferredLifetime: u32, prefix: addr });
    fc.assert(
      fc.property(addr, addr, fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 0xffff }), u32, u32, fc.array(prefix, { maxLength: 3 }), fc.option(u32, { nil: undefined }),
        (src, dst, curHopLimit, managed, other, routerLifetime, reachableTime, retransTimer, prefixes, mtu) => {
          const options = { sourceLinkLayer: MAC, ...(prefixes.length ? { prefixes: prefixes.map((p) => ({ ...p })) } : {}), ...(mtu !== undefined ? { mtu } : {}) };
          const message = { type: 134 as const, code: 0, curHopLimit, managed, other, routerLifetime, reachableTime, retransTimer, options };
          const d = decodeNdpPacket(encodeNdpPacket({ src, dst, message }));
          assert.ok(d.ok && d.checksumValid);
          assert.deepEqual(d.message, message);
        }),
    );
  });
});
