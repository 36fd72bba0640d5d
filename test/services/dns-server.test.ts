/**
 * The DNS server's answers, from RFC 1035 §4.1 and RFC 2308: A, AAAA and PTR from its table (names
 * compressed: the answer's owner name is a pointer to the question at offset 12, 0xc00c), NXDOMAIN
 * with the zone's SOA, NODATA, REFUSED outside its zones, FORMERR, NOTIMP, TC beyond 512 bytes and
 * EDNS0's size, case kept as asked, an async callback, the TCP framing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsServer, DnsTcpFramer, dnsRecord } from '../../src/services/dns-server.js';
import { decodeDns, DnsClass, DnsOpcode, DnsRcode, DnsType, encodeDns, type DecodedDns, type DnsQuestion } from '../../src/wire/dns.js';
import { ipToString } from '../../src/wire/address.js';

const server = () => new DnsServer({ zones: ['synack.test'], hosts: { 'www.synack.test': ['198.18.0.2', '2001:db8::2'], 'mail.synack.test': ['198.18.0.3'] } });

function ask(q: Partial<DnsQuestion> & { name: string }, extra: Partial<Parameters<typeof encodeDns>[0]> = {}): Uint8Array {
  return encodeDns({ id: 0x1234, recursionDesired: true, questions: [{ type: DnsType.A, class: DnsClass.IN, ...q }], ...extra });
}

async function answer(s: DnsServer, query: Uint8Array, transport: 'udp' | 'tcp' = 'udp'): Promise<{ bytes: Uint8Array; m: DecodedDns }> {
  const bytes = await s.respond(query, transport);
  assert.ok(bytes, 'an answer');
  const m = decodeDns(bytes);
  assert.ok(m.ok, 'the answer decodes');
  return { bytes, m };
}

test('A: the address, authoritative, ID and RD echoed, the answer name compressed to the question (0xc00c)', async () => {
  const { bytes, m } = await answer(server(), ask({ name: 'www.synack.test' }));
  assert.equal(m.id, 0x1234);
  assert.equal(m.response, true);
  assert.equal(m.authoritative, true);
  assert.equal(m.recursionDesired, true);
  assert.equal(m.recursionAvailable, false);
  assert.equal(m.rcode, DnsRcode.NOERROR);
  assert.deepEqual(m.answers.map((r) => [r.name, r.type, r.data.kind === 'A' && ipToString(r.data.address)]), [['www.synack.test', DnsType.A, '198.18.0.2']]);
  // Header 12 bytes, question "www.synack.test" (17 bytes) + type + class = 21: the answer starts at 33 with a pointer.
  assert.deepEqual([bytes[33], bytes[34]], [0xc0, 0x0c]);
});

test('AAAA, and PTR for both families from the same table (RFC 3596 §2.5 nibbles)', async () => {
  const s = server();
  const aaaa = (await answer(s, ask({ name: 'www.synack.test', type: DnsType.AAAA }))).m;
  assert.equal(aaaa.answers[0].data.kind === 'AAAA' && ipToString(aaaa.answers[0].data.address), '2001:db8::2');
  const ptr4 = (await answer(s, ask({ name: '3.0.18.198.in-addr.arpa', type: DnsType.PTR }))).m;
  assert.deepEqual(ptr4.answers.map((r) => r.data.kind === 'PTR' && r.data.name), ['mail.synack.test']);
  const nibbles = '2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
  const ptr6 = (await answer(s, ask({ name: nibbles, type: DnsType.PTR }))).m;
  assert.deepEqual(ptr6.answers.map((r) => r.data.kind === 'PTR' && r.data.name), ['www.synack.test']);
});

test('names compare without regard to case (RFC 4343), the question comes back as asked', async () => {
  const { m } = await answer(server(), ask({ name: 'WwW.Synack.TEST' }));
  assert.equal(m.questions[0].name, 'WwW.Synack.TEST');
  assert.equal(m.answers[0].name, 'WwW.Synack.TEST');
});

test('NXDOMAIN for a name in the zone it lacks, with the SOA (RFC 2308 §3); NODATA for a type it lacks', async () => {
  const s = server();
  const nx = (await answer(s, ask({ name: 'nope.synack.test' }))).m;
  assert.equal(nx.rcode, DnsRcode.NXDOMAIN);
  assert.equal(nx.authoritative, true);
  assert.equal(nx.answers.length, 0);
  assert.deepEqual(nx.authorities.map((r) => [r.name, r.type]), [['synack.test', DnsType.SOA]]);
  const nodata = (await answer(s, ask({ name: 'mail.synack.test', type: DnsType.AAAA }))).m;
  assert.equal(nodata.rcode, DnsRcode.NOERROR);
  assert.equal(nodata.answers.length, 0);
  assert.equal(nodata.authorities[0].type, DnsType.SOA);
  assert.equal(s.counters.nxdomain, 1);
});

test('REFUSED outside its zones, and for everything when told', async () => {
  const s = server();
  assert.equal((await answer(s, ask({ name: 'example.com' }))).m.rcode, DnsRcode.REFUSED);
  s.refuseAll = true;
  assert.equal((await answer(s, ask({ name: 'www.synack.test' }))).m.rcode, DnsRcode.REFUSED);
  assert.equal(s.counters.refused, 2);
});

test('FORMERR for what does not decode or has no question; NOTIMP for another opcode; nothing for a response or a stub', async () => {
  const s = server();
  const cut = ask({ name: 'www.synack.test' }).subarray(0, 20);
  const f1 = (await answer(s, cut)).m;
  assert.deepEqual([f1.id, f1.rcode, f1.response], [0x1234, DnsRcode.FORMERR, true]);
  const none = encodeDns({ id: 7 });
  assert.equal((await answer(s, none)).m.rcode, DnsRcode.FORMERR);
  const two = encodeDns({ id: 8, questions: [{ name: 'a.synack.test', type: 1, class: 1 }, { name: 'b.synack.test', type: 1, class: 1 }] });
  assert.equal((await answer(s, two)).m.rcode, DnsRcode.FORMERR);
  const status = ask({ name: 'www.synack.test' }, { opcode: DnsOpcode.STATUS });
  const n = (await answer(s, status)).m;
  assert.deepEqual([n.rcode, n.opcode], [DnsRcode.NOTIMP, DnsOpcode.STATUS]);
  assert.equal(await s.respond(ask({ name: 'www.synack.test' }, { response: true })), undefined);
  assert.equal(await s.respond(new Uint8Array(11)), undefined);
  assert.deepEqual([s.counters.formerr, s.counters.notimp, s.counters.dropped], [3, 1, 2]);
});

test('TC over UDP past 512 bytes; the whole answer over TCP, or within the EDNS0 size (RFC 6891 §6.2.5)', async () => {
  const many: Record<string, string[]> = { 'big.synack.test': [] };
  for (let i = 1; i <= 40; i++) many['big.synack.test'].push(`198.18.1.${i}`);
  const s = new DnsServer({ zones: ['synack.test'], hosts: many });
  // 40 A records: 12 + 21 + 40 * 16 = 673 bytes, past 512.
  const udp = await answer(s, ask({ name: 'big.synack.test' }));
  assert.equal(udp.m.truncated, true);
  assert.equal(udp.m.answers.length, 0);
  assert.ok(udp.bytes.length <= 512);
  const tcp = await answer(s, ask({ name: 'big.synack.test' }), 'tcp');
  assert.equal(tcp.m.truncated, false);
  assert.equal(tcp.m.answers.length, 40);
  const opt = { name: '', type: DnsType.OPT, class: 1232, ttl: 0, data: { kind: 'raw' as const, data: new Uint8Array(0) } };
  const edns = await answer(s, ask({ name: 'big.synack.test' }, { additionals: [opt] }));
  assert.equal(edns.m.truncated, false);
  assert.equal(edns.m.answers.length, 40);
  assert.equal(edns.m.additionals[0].type, DnsType.OPT);
  assert.equal(s.counters.truncated, 1);
});

test('an async callback answers first; undefined falls back to the table; a throw is SERVFAIL', async () => {
  const s = new DnsServer({
    zones: ['synack.test'],
    hosts: { 'www.synack.test': ['198.18.0.2'] },
    callback: async (q) => {
      await new Promise((r) => setImmediate(r));
      if (q.name === 'doh.synack.test') return [dnsRecord(q.name, '198.18.5.5')];
      if (q.name === 'boom.synack.test') throw new Error('upstream down');
      return undefined;
    },
  });
  const doh = (await answer(s, ask({ name: 'doh.synack.test' }))).m;
  assert.equal(doh.answers[0].data.kind === 'A' && ipToString(doh.answers[0].data.address), '198.18.5.5');
  assert.equal((await answer(s, ask({ name: 'www.synack.test' }))).m.answers.length, 1);
  assert.equal((await answer(s, ask({ name: 'boom.synack.test' }))).m.rcode, DnsRcode.SERVFAIL);
});

test('TCP framing: a two-byte length before each message, whole messages out of any split', () => {
  const a = ask({ name: 'www.synack.test' });
  const b = ask({ name: 'mail.synack.test' });
  const stream = new Uint8Array([...DnsTcpFramer.frame(a), ...DnsTcpFramer.frame(b)]);
  assert.deepEqual([stream[0], stream[1]], [a.length >>> 8, a.length & 0xff]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new DnsTcpFramer();
    const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
    assert.deepEqual(got, [a, b], `split at ${cut}`);
    assert.equal(f.pending, 0);
  }
});
