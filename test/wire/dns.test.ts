/**
 * DNS messages (RFC 1035 §4.1, AAAA RFC 3596), from the layout:
 *
 *   id (2) | QR opcode(4) AA TC RD | RA Z AD CD rcode(4) | qdcount ancount nscount arcount (2 each)
 *   question: name, type (2), class (2); record: name, type, class, ttl (4), rdlength (2), rdata
 *   a name: length-prefixed labels ending in 00, or ending in a pointer 11xxxxxx xxxxxxxx (§4.1.4)
 *
 * Flags worked out: a query with RD = 0100; an authoritative answer with RD and RA = 8000|0400|0100|0080
 * = 8580; the same with rcode 3 (NXDOMAIN) = 8583. "example.com" = 07 6578616d706c65 03 636f6d 00 at
 * offset 12, so a pointer to it is c00c and to "com" (offset 20) c014. 198.18.0.5 = c6120005.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeDns, encodeDns, reverseName, DnsRcode, DNS_RCODE_NAMES, type DnsMessageSpec, type DnsRecord } from '../../src/wire/dns.js';
import { parseIpv6 } from '../../src/wire/address.js';
import { asciiHex, hexBytes, toHexString } from './l2-helpers.js';

const EXAMPLE = `07 ${asciiHex('example')} 03 ${asciiHex('com')} 00`;
const QUERY = `1234 0100 0001 0000 0000 0000 | ${EXAMPLE} 0001 0001`;

function reason(r: { ok: boolean }): string | undefined {
  return (r as { reason?: string }).reason;
}

describe('DNS (RFC 1035)', () => {
  test('a query for example.com A, by hand', () => {
    const d = decodeDns(hexBytes(QUERY));
    assert.ok(d.ok);
    assert.deepEqual([d.id, d.response, d.opcode, d.recursionDesired, d.rcode], [0x1234, false, 0, true, 0]);
    assert.deepEqual(d.questions, [{ name: 'example.com', type: 1, class: 1 }]);
    assert.equal(toHexString(encodeDns({ id: 0x1234, recursionDesired: true, questions: [{ name: 'example.com', type: 1, class: 1 }] })), toHexString(hexBytes(QUERY)));
  });

  test('its answer, the name compressed to a pointer to the question (c00c)', () => {
    const hand = hexBytes(`1234 8580 0001 0001 0000 0000 | ${EXAMPLE} 0001 0001 | c00c 0001 0001 0000012c 0004 c6120005`);
    const spec: DnsMessageSpec = {
      id: 0x1234, response: true, authoritative: true, recursionDesired: true, recursionAvailable: true,
      questions: [{ name: 'example.com', type: 1, class: 1 }],
      answers: [{ name: 'example.com', type: 1, class: 1, ttl: 300, data: { kind: 'A', address: 0xc6120005 } }],
    };
    assert.equal(toHexString(encodeDns(spec)), toHexString(hand));
    const d = decodeDns(hand);
    assert.ok(d.ok && d.response && d.authoritative && d.recursionAvailable);
    assert.deepEqual(d.answers, spec.answers);
  });

  test('NXDOMAIN with the zone SOA in authority: names inside RDATA compress too', () => {
    const soa = `02 ${asciiHex('ns')} c00c | 0a ${asciiHex('hostmaster')} c00c | 00000001 00000e10 00000384 00093a80 0000003c`;
    const hand = hexBytes(`1234 8583 0001 0000 0001 0000 | ${EXAMPLE} 0001 0001 | c00c 0006 0001 00000e10 0026 ${soa}`);
    const authority: DnsRecord = {
      name: 'example.com', type: 6, class: 1, ttl: 3600,
      data: { kind: 'SOA', mname: 'ns.example.com', rname: 'hostmaster.example.com', serial: 1, refresh: 3600, retry: 900, expire: 604800, minimum: 60 },
    };
    const enc = encodeDns({ id: 0x1234, response: true, authoritative: true, recursionDesired: true, recursionAvailable: true, rcode: DnsRcode.NXDOMAIN, questions: [{ name: 'example.com', type: 1, class: 1 }], authorities: [authority] });
    assert.equal(toHexString(enc), toHexString(hand));
    const d = decodeDns(hand);
    assert.ok(d.ok && d.rcode === 3);
    assert.deepEqual(d.authorities, [authority]);
  });

  test('the response codes', () => {
    assert.deepEqual(DnsRcode, { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 });
    for (const rcode of [0, 1, 2, 3, 4, 5]) {
      const bytes = encodeDns({ id: 7, response: true, rcode });
      assert.equal(bytes[3] & 0xf, rcode);
      const d = decodeDns(bytes);
      assert.ok(d.ok && d.rcode === rcode && DNS_RCODE_NAMES[rcode]);
    }
  });

  test('AAAA, PTR, CNAME, NS, MX, TXT and an unknown type', () => {
    const six = parseIpv6('2001:db8:16::1')!;
    const answers: DnsRecord[] = [
      { name: 'host.test', type: 28, class: 1, ttl: 60, data: { kind: 'AAAA', address: six } },
      { name: reverseName(0xc6120005), type: 12, class: 1, ttl: 60, data: { kind: 'PTR', name: 'host.test' } },
      { name: 'www.test', type: 5, class: 1, ttl: 60, data: { kind: 'CNAME', name: 'host.test' } },
      { name: 'test', type: 2, class: 1, ttl: 60, data: { kind: 'NS', name: 'ns.test' } },
      { name: 'test', type: 15, class: 1, ttl: 60, data: { kind: 'MX', preference: 10, exchange: 'mail.test' } },
      { name: 'test', type: 16, class: 1, ttl: 60, data: { kind: 'TXT', strings: ['v=spf1 -all', ''] } },
      { name: 'test', type: 99, class: 1, ttl: 60, data: { kind: 'raw', data: hexBytes('0102') } },
    ];
    const d = decodeDns(encodeDns({ id: 1, response: true, answers }));
    assert.ok(d.ok);
    assert.deepEqual(d.answers, answers);
    assert.equal(reverseName(0xc6120005), '5.0.18.198.in-addr.arpa');
    assert.equal(reverseName(six), '1' + '.0'.repeat(19) + '.6.1.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });

  test('label bytes that are not printable, "." and "\\" are escaped (RFC 1035 §5.1) and read back', () => {
    const name = 'a\\.b\\\\c\\000.test';
    const bytes = encodeDns({ id: 1, questions: [{ name, type: 1, class: 1 }] });
    assert.equal(toHexString(bytes.subarray(12, 12 + 13)), '06612e625c6300' + '04' + asciiHex('test') + '00');
    const d = decodeDns(bytes);
    assert.ok(d.ok);
    assert.equal(d.questions[0].name, name);
  });

  test('a pointer loop, a forward pointer, too many pointers, a name over 255 bytes, a reserved label type: bad-name', () => {
    const header = (qd: number) => `0001 0000 ${qd.toString(16).padStart(4, '0')} 0000 0000 0000`;
    // A pointer to itself; a label then a pointer back to that label (a loop of one label).
    assert.equal(reason(decodeDns(hexBytes(`${header(1)} c00c 0001 0001`))), 'bad-name');
    assert.equal(reason(decodeDns(hexBytes(`${header(1)} 0161 c00c 0001 0001`))), 'bad-name');
    // A forward pointer (to the name of the second question).
    assert.equal(reason(decodeDns(hexBytes(`${header(2)} c011 0001 0001 | 00 0001 0001`))), 'bad-name');
    // Each question's name a pointer to the previous one: question k follows k-1 pointers; the 129th, 128.
    const chain = (n: number) => {
      let s = '00 0001 0001';
      for (let k = 2; k <= n; k++) {
        const prev = k === 2 ? 12 : 17 + (k - 3) * 6;
        s += ` ${(0xc000 | prev).toString(16)} 0001 0001`;
      }
      return hexBytes(`${header(n)} ${s}`);
    };
    assert.ok(decodeDns(chain(128)).ok, '127 pointers is the limit, allowed');
    assert.equal(reason(decodeDns(chain(129))), 'bad-name');
    // 4 labels of 63 bytes: 4 * 64 + 1 = 257 bytes.
    assert.equal(reason(decodeDns(hexBytes(`${header(1)} ${('3f' + '61'.repeat(63)).repeat(4)} 00 0001 0001`))), 'bad-name');
    // The same length reached through a pointer: 2 labels of 63 here, and a pointer to 2 more before.
    const two = ('3f' + '61'.repeat(63)).repeat(2);
    assert.equal(reason(decodeDns(hexBytes(`${header(2)} ${two} 00 0001 0001 | ${two} c00c 0001 0001`))), 'bad-name');
    assert.ok(decodeDns(hexBytes(`${header(2)} ${two} 00 0001 0001 | 3f${'61'.repeat(63)} c00c 0001 0001`)).ok, 'a 255-byte name is allowed');
    assert.equal(reason(decodeDns(hexBytes(`${header(1)} 4161 00 0001 0001`))), 'bad-name');
  });

  test('cut short or lengths that disagree: truncated, bad-length', () => {
    assert.equal(reason(decodeDns(hexBytes('1234 0100 0001 0000 0000'))), 'truncated');
    assert.equal(reason(decodeDns(hexBytes(QUERY).subarray(0, 28))), 'truncated');
    assert.equal(reason(decodeDns(hexBytes(`1234 0100 0002 0000 0000 0000 | ${EXAMPLE} 0001 0001`))), 'truncated');
    const a3 = `1234 8580 0000 0001 0000 0000 | ${EXAMPLE} 0001 0001 0000012c 0003 c61200`;
    assert.equal(reason(decodeDns(hexBytes(a3))), 'bad-length');
    const ptrPast = `1234 8580 0000 0001 0000 0000 | ${EXAMPLE} 000c 0001 0000012c 0002 ${EXAMPLE}`;
    assert.equal(reason(decodeDns(hexBytes(ptrPast))), 'bad-length');
  });

  test('compression reuses only an exact match: a name differing in case keeps its case (found by the fuzzer)', () => {
    const bytes = encodeDns({ id: 1, questions: [{ name: 'test', type: 1, class: 1 }, { name: 'Test', type: 1, class: 1 }, { name: 'www.test', type: 1, class: 1 }] });
    const d = decodeDns(bytes);
    assert.ok(d.ok);
    assert.deepEqual(d.questions.map((q) => q.name), ['test', 'Test', 'www.test']);
    assert.equal(toHexString(bytes.subarray(12 + 10 + 10)), `03${asciiHex('www')}c00c00010001`, 'www.test still points at test');
  });

  test('encode checks its fields', () => {
    assert.throws(() => encodeDns({ id: 1, questions: [{ name: 'a'.repeat(64) + '.test', type: 1, class: 1 }] }), /label of 64 bytes/);
    assert.throws(() => encodeDns({ id: 1, questions: [{ name: ('a'.repeat(63) + '.').repeat(4) + 'b', type: 1, class: 1 }] }), /at most 255/);
    assert.throws(() => encodeDns({ id: 1, questions: [{ name: 'a..b', type: 1, class: 1 }] }), /empty label/);
    assert.throws(() => encodeDns({ id: 1, answers: [{ name: 'a', type: 28, class: 1, ttl: 1, data: { kind: 'A', address: 1 } }] }), /type is 28 but its data is A/);
    assert.throws(() => encodeDns({ id: 70000 }), /id must be an integer in \[0, 65535\]/);
    assert.throws(() => encodeDns({ id: 1, rcode: 16 }), /rcode/);
  });

  test('round trip, with and without compression; compression never makes a message longer', () => {
    const label = fc.constantFrom('a', 'b', 'www', 'example', 'test', 'x-1');
    const name = fc.array(label, { minLength: 0, maxLength: 4 }).map((l) => l.join('.'));
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const data = fc.oneof(
      fc.record({ kind: fc.constant('A' as const), address: u32 }),
      fc.record({ kind: fc.constant('AAAA' as const), address: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
      fc.record({ kind: fc.constantFrom('NS' as const, 'CNAME' as const, 'PTR' as const), name }),
      fc.record({ kind: fc.constant('MX' as const), preference: fc.integer({ min: 0, max: 0xffff }), exchange: name }),
      fc.record({ kind: fc.constant('TXT' as const), strings: fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('raw' as const), data: fc.uint8Array({ maxLength: 10 }) }),
    );
    const TYPES: Record<string, number> = { A: 1, AAAA: 28, NS: 2, CNAME: 5, PTR: 12, MX: 15, TXT: 16, raw: 65280 };
    const record = fc.record({ name, ttl: u32, data }).map((r) => ({ name: r.name, type: TYPES[r.data.kind], class: 1, ttl: r.ttl, data: { ...r.data } as DnsRecord['data'] }));
    const question = fc.record({ name, type: fc.integer({ min: 0, max: 0xffff }), class: fc.integer({ min: 0, max: 0xffff }) }).map((q) => ({ ...q }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.array(question, { maxLength: 3 }), fc.array(record, { maxLength: 5 }), fc.array(record, { maxLength: 2 }),
        (id, response, rcode, questions, answers, additionals) => {
          const spec = { id, response, rcode, questions, answers, additionals };
          const packed = encodeDns(spec);
          const plain = encodeDns(spec, false);
          assert.ok(packed.length <= plain.length);
          for (const bytes of [packed, plain]) {
            const d = decodeDns(bytes);
            assert.ok(d.ok, (d as { detail?: string }).detail);
            assert.deepEqual([d.id, d.response, d.rcode, d.questions, d.answers, d.authorities, d.additionals], [id, response, rcode, questions, answers, [], additionals]);
          }
        }),
    );
  });
});
