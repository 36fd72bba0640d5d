/**
 * Ethernet II (IEEE 802.3 with the DIX type field, 802.1Q tags) and ARP (RFC 826), from their
 * layouts. ARP for IPv4 over Ethernet:
 *
 *   hrd 0001 | pro 0800 | hln 06 | pln 04 | op 0001 (request) or 0002 (reply)
 *   sha (6) | spa (4) | tha (6) | tpa (4)                          28 bytes
 *
 * 198.18.0.1 = c6 12 00 01, 198.18.0.2 = c6 12 00 02.
 * An 802.1Q tag: TPID 8100, TCI = PCP(3) DEI(1) VID(12): PCP 5, DEI 1, VID 100 -> 101 1 000001100100 = b064.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BROADCAST_MAC, decodeEthernet, encodeEthernet, EtherType, isMulticastMac, macToString, parseMac } from '../../src/wire/ethernet.js';
import { arpReplyFor, arpRequest, decodeArp, encodeArp, gratuitousArp } from '../../src/wire/arp.js';
import { hexBytes, toHexString } from './l2-helpers.js';

const MAC1 = hexBytes('020000000001');
const MAC2 = hexBytes('020000000002');
const IP1 = 0xc6120001;
const IP2 = 0xc6120002;

const ARP_REQUEST = '0001 0800 06 04 0001 020000000001 c6120001 000000000000 c6120002';
const ARP_REPLY = '0001 0800 06 04 0002 020000000002 c6120002 020000000001 c6120001';

describe('MAC addresses', () => {
  test('text <-> bytes', () => {
    assert.deepEqual(parseMac('02:00:5e:10:00:0A'), hexBytes('02005e10000a'));
    assert.deepEqual(parseMac('02-00-5E-10-00-0a'), hexBytes('02005e10000a'));
    assert.equal(macToString(hexBytes('02005e10000a')), '02:00:5e:10:00:0a');
    for (const bad of ['02:00:5e:10:00', '02:00:5e:10:00:0a:01', '02:00-5e:10:00:0a', 'zz:00:5e:10:00:0a', '', 42 as unknown as string]) {
      assert.equal(parseMac(bad), undefined, String(bad));
    }
  });
  test('the group bit marks broadcast and multicast', () => {
    assert.equal(isMulticastMac(BROADCAST_MAC), true);
    assert.equal(isMulticastMac(hexBytes('333300000001')), true);
    assert.equal(isMulticastMac(MAC1), false);
  });
});

describe('Ethernet II', () => {
  test('a frame carrying ARP, by hand', () => {
    const frame = hexBytes(`ffffffffffff 020000000001 0806 ${ARP_REQUEST}`);
    const f = decodeEthernet(frame);
    assert.ok(f.ok);
    assert.equal(macToString(f.dst), 'ff:ff:ff:ff:ff:ff');
    assert.equal(macToString(f.src), '02:00:00:00:00:01');
    assert.equal(f.etherType, EtherType.ARP);
    assert.deepEqual(f.vlans, []);
    assert.equal(f.payloadOffset, 14);
    assert.equal(f.payloadLength, 28);
    assert.equal(toHexString(encodeEthernet({ dst: BROADCAST_MAC, src: MAC1, etherType: 0x0806, payload: hexBytes(ARP_REQUEST) })), toHexString(frame));
  });

  test('802.1Q and QinQ tags are read and written, outermost first', () => {
    const frame = hexBytes('020000000002 020000000001 88a8 0007 8100 b064 0800 45');
    const f = decodeEthernet(frame);
    assert.ok(f.ok);
    assert.deepEqual(f.vlans, [
      { tpid: 0x88a8, pcp: 0, dei: false, vid: 7 },
      { tpid: 0x8100, pcp: 5, dei: true, vid: 100 },
    ]);
    assert.equal(f.etherType, 0x0800);
    assert.equal(f.payloadOffset, 22);
    const again = encodeEthernet({ dst: MAC2, src: MAC1, etherType: 0x0800, vlans: [{ tpid: 0x88a8, vid: 7 }, { pcp: 5, dei: true, vid: 100 }], payload: hexBytes('45') });
    assert.equal(toHexString(again), toHexString(frame));
  });

  test('bad frames are typed failures', () => {
    assert.equal((decodeEthernet(hexBytes('ffffffffffff0200000000010800').subarray(0, 13)) as { reason: string }).reason, 'truncated');
    // A type field below 0x0600 is an 802.3 length (an LLC frame), not Ethernet II.
    assert.equal((decodeEthernet(hexBytes('ffffffffffff020000000001 002e 4242')) as { reason: string }).reason, 'bad-field');
    assert.equal((decodeEthernet(hexBytes('ffffffffffff020000000001 8100 00')) as { reason: string }).reason, 'truncated');
    const manyTags = hexBytes('ffffffffffff020000000001' + '81000001'.repeat(9) + '0800');
    assert.equal((decodeEthernet(manyTags) as { reason: string }).reason, 'bad-field');
  });

  test('encode checks its fields', () => {
    assert.throws(() => encodeEthernet({ dst: MAC1.subarray(0, 5), src: MAC1, etherType: 0x800, payload: new Uint8Array(0) }), /dst must be a MAC address .* 5 bytes/);
    assert.throws(() => encodeEthernet({ dst: '02:00:00:00:00:01' as unknown as Uint8Array, src: MAC1, etherType: 0x800, payload: new Uint8Array(0) }), /parseMac/);
    assert.throws(() => encodeEthernet({ dst: MAC1, src: MAC1, etherType: 0x05ff, payload: new Uint8Array(0) }), RangeError);
    assert.throws(() => encodeEthernet({ dst: MAC1, src: MAC1, etherType: 0x800, vlans: [{ vid: 4096 }], payload: new Uint8Array(0) }), /vlans\[0\]\.vid/);
  });

  test('round trip: any frame decodes to what was encoded', () => {
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(mac, mac, fc.integer({ min: 0x0600, max: 0xffff }).filter((t) => ![0x8100, 0x88a8, 0x9100].includes(t)),
        fc.array(fc.record({ pcp: fc.integer({ min: 0, max: 7 }), dei: fc.boolean(), vid: fc.integer({ min: 0, max: 4095 }) }), { maxLength: 3 }),
        fc.uint8Array({ maxLength: 100 }),
        (dst, src, etherType, vlans, payload) => {
          const bytes = encodeEthernet({ dst, src, etherType, vlans, payload });
          const f = decodeEthernet(bytes);
          assert.ok(f.ok);
          assert.deepEqual([f.dst, f.src, f.etherType], [dst, src, etherType]);
          assert.deepEqual(f.vlans, vlans.map((v) => ({ tpid: 0x8100, ...v })));
          assert.deepEqual(bytes.subarray(f.payloadOffset, f.payloadOffset + f.payloadLength), payload);
        }),
    );
  });
});

describe('ARP (RFC 826)', () => {
  test('a request, by hand: who has 198.18.0.2? tell 198.18.0.1', () => {
    assert.equal(toHexString(arpRequest(MAC1, IP1, IP2)), toHexString(hexBytes(ARP_REQUEST)));
    const a = decodeArp(hexBytes(ARP_REQUEST));
    assert.ok(a.ok);
    assert.equal(a.operation, 1);
    assert.deepEqual([macToString(a.senderMac), a.senderIp, macToString(a.targetMac), a.targetIp, a.gratuitous], ['02:00:00:00:00:01', IP1, '00:00:00:00:00:00', IP2, false]);
  });

  test('the reply swaps sender and target and fills in our hardware address', () => {
    const req = decodeArp(hexBytes(ARP_REQUEST));
    assert.ok(req.ok);
    assert.equal(toHexString(arpReplyFor(req, MAC2)), toHexString(hexBytes(ARP_REPLY)));
  });

  test('gratuitous ARP: a request with sender and target protocol address both ours (RFC 5227 announcement)', () => {
    const g = gratuitousArp(MAC1, IP1);
    assert.equal(toHexString(g), toHexString(hexBytes('0001 0800 06 04 0001 020000000001 c6120001 000000000000 c6120001')));
    const a = decodeArp(g);
    assert.ok(a.ok && a.gratuitous);
  });

  test('padding after the 28 bytes (a 60-byte minimum frame) is ignored', () => {
    const a = decodeArp(hexBytes(ARP_REPLY + '00'.repeat(18)));
    assert.ok(a.ok && a.operation === 2);
  });

  test('what synack does not resolve, or cut short, is a typed failure', () => {
    const cases: [string, string][] = [
      ['0006 0800 06 04 0001' + '00'.repeat(20), 'bad-field'], // IEEE 802 hardware type
      ['0001 86dd 06 04 0001' + '00'.repeat(20), 'bad-field'], // not IPv4
      ['0001 0800 06 10 0001' + '00'.repeat(20), 'bad-field'], // protocol address length 16
      [ARP_REQUEST.replace(/ /g, '').slice(0, 54), 'truncated'],
      ['0001', 'truncated'],
    ];
    for (const [hex, reason] of cases) {
      const r = decodeArp(hexBytes(hex));
      assert.ok(!r.ok, hex);
      assert.equal(r.reason, reason, hex);
    }
  });

  test('encode checks its fields', () => {
    assert.throws(() => encodeArp({ operation: 70000, senderMac: MAC1, senderIp: IP1, targetIp: IP2 }), /operation/);
    assert.throws(() => encodeArp({ operation: 1, senderMac: MAC1, senderIp: '198.18.0.1' as unknown as number, targetIp: IP2 }), /senderIp .*parseIp/);
    assert.throws(() => encodeArp({ operation: 1, senderMac: new Uint8Array(4), senderIp: IP1, targetIp: IP2 }), /senderMac/);
  });

  test('round trip', () => {
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
    const ip = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), mac, ip, mac, ip, (operation, senderMac, senderIp, targetMac, targetIp) => {
        const a = decodeArp(encodeArp({ operation, senderMac, senderIp, targetMac, targetIp }));
        assert.ok(a.ok);
        assert.deepEqual({ ...a }, { ok: true, operation, senderMac, senderIp, targetMac, targetIp, gratuitous: senderIp === targetIp });
      }),
    );
  });
});
