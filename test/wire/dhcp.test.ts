/**
 * DHCPv4 (RFC 2131 §2 figure 1; options RFC 2132), from the layout:
 *
 *   op 01 | htype 01 | hlen 06 | hops 00 | xid (4) | secs (2) | flags (2: 8000 = broadcast)
 *   ciaddr | yiaddr | siaddr | giaddr (4 each) | chaddr (16) | sname (64) | file (128)
 *   magic cookie 63 82 53 63 (99.130.83.99, RFC 2131 §3) | options | ff (end)
 *
 * Options are code, length, data (RFC 2132 §2); pad (0) and end (255) are one byte. Message type is
 * option 53 (35): DISCOVER 1; parameter request list 55 (37); subnet mask 1; router 3; DNS server 6;
 * domain name 15 (0f); MTU 26 (1a); lease time 51 (33); server identifier 54 (36).
 * 198.18.16.1 = c6121001, 198.18.16.50 = c6121032, 255.255.255.0 = ffffff00, 86400 s = 00015180.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeDhcp, encodeDhcp, type DhcpOptions } from '../../src/wire/dhcp.js';
import { asciiHex, hexBytes, toHexString } from './l2-helpers.js';

const MAC = hexBytes('020000000001');
const FIXED_DISCOVER = `01 01 06 00 | 3903f326 | 0000 | 8000 | 00000000 00000000 00000000 00000000 | 020000000001 ${'00'.repeat(10)} | ${'00'.repeat(64)} | ${'00'.repeat(128)} | 63825363`;

function reason(r: { ok: boolean }): string | undefined {
  return (r as { reason?: string }).reason;
}

describe('DHCPv4 (RFC 2131, RFC 2132)', () => {
  test('a DISCOVER, by hand', () => {
    const hand = hexBytes(`${FIXED_DISCOVER} | 35 01 01 | 37 04 01 03 06 0f | ff`);
    const enc = encodeDhcp({ op: 1, xid: 0x3903f326, flags: 0x8000, chaddr: MAC, options: { messageType: 1, parameterRequestList: [1, 3, 6, 15] } });
    assert.equal(toHexString(enc), toHexString(hand));
    const d = decodeDhcp(hand);
    assert.ok(d.ok);
    assert.deepEqual([d.op, d.htype, d.hlen, d.xid, d.flags, d.chaddr, d.sname, d.file], [1, 1, 6, 0x3903f326, 0x8000, MAC, '', '']);
    assert.deepEqual(d.options, { messageType: 1, parameterRequestList: [1, 3, 6, 15] });
  });

  test('an ACK with the options a guest configures itself from, by hand', () => {
    const fixed = FIXED_DISCOVER.replace('01 01 06 00', '02 01 06 00').replace('00000000 00000000 00000000 00000000', '00000000 c6121032 00000000 00000000');
    const hand = hexBytes(`${fixed} | 01 04 ffffff00 | 03 04 c6121001 | 06 08 c6121001 08080808 | 0f 04 ${asciiHex('test')} | 1a 02 05dc | 33 04 00015180 | 35 01 05 | 36 04 c6121001 | ff`);
    const d = decodeDhcp(hand);
    assert.ok(d.ok);
    assert.equal(d.op, 2);
    assert.equal(d.yiaddr, 0xc6121032);
    assert.deepEqual(d.options, { subnetMask: 0xffffff00, routers: [0xc6121001], dnsServers: [0xc6121001, 0x08080808], domainName: 'test', mtu: 1500, leaseTime: 86400, messageType: 5, serverId: 0xc6121001 });
    const again = encodeDhcp({ op: 2, xid: 0x3903f326, flags: 0x8000, yiaddr: 0xc6121032, chaddr: MAC, options: d.options });
    assert.equal(toHexString(again), toHexString(hand));
  });

  test('pads are skipped; a repeated option is joined (RFC 3396); unknown options are kept raw', () => {
    const d = decodeDhcp(hexBytes(`${FIXED_DISCOVER} | 00 00 | 0c 02 ${asciiHex('ab')} | 35 01 03 | 0c 01 ${asciiHex('c')} | 52 03 010203 | ff | 00 00 00`));
    assert.ok(d.ok);
    assert.equal(d.options.hostname, 'abc');
    assert.equal(d.options.messageType, 3);
    assert.deepEqual(d.options.unknown, [{ code: 82, data: hexBytes('010203') }]);
  });

  test('unknown options come back in code order, as the encoder writes them (found by the fuzzer)', () => {
    const d = decodeDhcp(hexBytes(`${FIXED_DISCOVER} | 8f 01 aa | 52 01 bb | ff`));
    assert.ok(d.ok);
    assert.deepEqual(d.options.unknown, [{ code: 82, data: hexBytes('bb') }, { code: 143, data: hexBytes('aa') }]);
    const again = decodeDhcp(encodeDhcp({ op: 1, xid: 0x3903f326, flags: 0x8000, chaddr: MAC, options: d.options }));
    assert.ok(again.ok);
    assert.deepEqual(again.options, d.options);
  });

  test('malformed lengths, a wrong cookie or op, a missing end: typed failures', () => {
    const cases: [string, string][] = [
      [`${FIXED_DISCOVER} | 33 03 000151 | ff`, 'bad-length'], // lease time of 3 bytes
      [`${FIXED_DISCOVER} | 35 00 | ff`, 'bad-length'], // message type of 0 bytes
      [`${FIXED_DISCOVER} | 03 05 c612100100 | ff`, 'bad-length'], // router list not a multiple of 4
      [`${FIXED_DISCOVER} | 1a 02 0020 | ff`, 'bad-length'], // MTU 32, below 68
      [`${FIXED_DISCOVER} | 35 04 01`, 'option-overrun'],
      [`${FIXED_DISCOVER} | 35`, 'option-overrun'],
      [`${FIXED_DISCOVER} | 35 01 01`, 'truncated'], // no end option
      [FIXED_DISCOVER.replace('63825363', '63825364') + ' ff', 'bad-field'],
      [FIXED_DISCOVER.replace('01 01 06 00', '03 01 06 00') + ' ff', 'bad-field'],
      [FIXED_DISCOVER.replace('01 01 06 00', '01 01 11 00') + ' ff', 'bad-field'], // hlen 17
      [FIXED_DISCOVER.replace(/[ |]/g, '').slice(0, 400), 'truncated'],
    ];
    for (const [hex, want] of cases) assert.equal(reason(decodeDhcp(hexBytes(hex))), want, hex.slice(-40));
  });

  test('options over 255 bytes go out in pieces and read back whole', () => {
    const dns = Array.from({ length: 70 }, (_, i) => 0xc6120000 + i);
    const bytes = encodeDhcp({ op: 2, xid: 1, chaddr: MAC, options: { dnsServers: dns } });
    assert.equal(bytes[240], 6);
    assert.equal(bytes[241], 255, 'the first piece is 255 bytes');
    const d = decodeDhcp(bytes);
    assert.ok(d.ok);
    assert.deepEqual(d.options.dnsServers, dns);
  });

  test('encode checks its fields', () => {
    assert.throws(() => encodeDhcp({ op: 1, xid: -1, chaddr: MAC, options: {} }), /xid/);
    assert.throws(() => encodeDhcp({ op: 1, xid: 1, chaddr: new Uint8Array(17), options: {} }), /chaddr/);
    assert.throws(() => encodeDhcp({ op: 1, xid: 1, chaddr: MAC, options: { routers: ['198.18.0.1' as unknown as number] } }), /options\.routers\[0\]/);
    assert.throws(() => encodeDhcp({ op: 1, xid: 1, chaddr: MAC, options: { mtu: 40 } }), /options\.mtu/);
    assert.throws(() => encodeDhcp({ op: 1, xid: 1, chaddr: MAC, options: { unknown: [{ code: 53, data: Uint8Array.of(1) }] } }), /named field/);
  });

  test('round trip', () => {
    const ip = fc.integer({ min: 0, max: 0xffffffff });
    const str = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0'));
    const options: fc.Arbitrary<DhcpOptions> = fc.record(
      {
        messageType: fc.integer({ min: 1, max: 8 }),
        subnetMask: ip,
        routers: fc.array(ip, { minLength: 1, maxLength: 3 }),
        dnsServers: fc.array(ip, { minLength: 1, maxLength: 3 }),
        hostname: str,
        domainName: str,
        mtu: fc.integer({ min: 68, max: 0xffff }),
        requestedIp: ip,
        leaseTime: ip,
        serverId: ip,
        parameterRequestList: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 10 }),
        renewalTime: ip,
        rebindingTime: ip,
        clientId: fc.uint8Array({ minLength: 2, maxLength: 20 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), ip, fc.uint8Array({ maxLength: 16 }), ip, options, (op, xid, chaddr, yiaddr, opts) => {
        const plain = { ...opts };
        const d = decodeDhcp(encodeDhcp({ op, xid, chaddr, yiaddr, options: plain }));
        assert.ok(d.ok);
        assert.deepEqual([d.op, d.xid, d.chaddr, d.yiaddr], [op, xid, chaddr, yiaddr]);
        assert.deepEqual(d.options, plain);
      }),
    );
  });
});
