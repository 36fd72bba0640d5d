/**
 * The DHCP server and the DNS server fed malformed and mutated messages: every input is answered
 * within the rules or counted as a drop, never a throw. DNS: a reply decodes, keeps the query's ID,
 * and a query that does not decode gets FORMERR; DHCP: every input is counted in `received`, and a
 * reply decodes. Each iteration's input comes from (seed, iteration), printed on failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsServer } from '../../src/services/dns-server.js';
import { DhcpServer } from '../../src/services/dhcp-server.js';
import { decodeDns, DnsRcode, DnsType, encodeDns } from '../../src/wire/dns.js';
import { BootpOp, decodeDhcp, DhcpMessageType, encodeDhcp } from '../../src/wire/dhcp.js';
import { SeededRandom } from '../../src/tcp/random.js';

const SEED = 0x5e_2026;
const ITERATIONS = 5_000;

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A valid message, then 0-8 random byte flips, a random cut, or pure noise. */
function mutate(r: SeededRandom, valid: Uint8Array): Uint8Array {
  const kind = r.nextUint32() % 4;
  if (kind === 0) return r.bytes(r.nextUint32() % 600);
  const b = valid.slice();
  const flips = r.nextUint32() % 9;
  for (let i = 0; i < flips && b.length > 0; i++) b[r.nextUint32() % b.length] = r.nextUint32() & 0xff;
  if (kind === 2) return b.subarray(0, r.nextUint32() % (b.length + 1));
  return b;
}

test(`DNS server: ${ITERATIONS} malformed queries, each answered by the rules or dropped (seed ${SEED})`, async () => {
  const s = new DnsServer({ zones: ['synack.test'], hosts: { 'www.synack.test': ['198.18.0.2', '2001:db8::2'] } });
  const valid = [
    encodeDns({ id: 1, questions: [{ name: 'www.synack.test', type: DnsType.A, class: 1 }] }),
    encodeDns({ id: 2, questions: [{ name: '2.0.18.198.in-addr.arpa', type: DnsType.PTR, class: 1 }], additionals: [{ name: '', type: DnsType.OPT, class: 1232, ttl: 0, data: { kind: 'raw', data: new Uint8Array(0) } }] }),
  ];
  let formerr = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const r = new SeededRandom(SEED, i);
    const input = mutate(r, valid[i % valid.length]);
    const where = `seed ${SEED} iteration ${i} input ${hex(input)}`;
    let reply: Uint8Array | undefined;
    try {
      reply = await s.respond(input, i % 2 ? 'tcp' : 'udp');
    } catch (e) {
      assert.fail(`threw ${String(e)}: ${where}`);
    }
    if (input.length < 12 || input[2] & 0x80) {
      assert.equal(reply, undefined, where);
      continue;
    }
    assert.ok(reply, where);
    const m = decodeDns(reply);
    assert.ok(m.ok, `the reply decodes: ${where}`);
    assert.equal(m.id, (input[0] << 8) | input[1], where);
    assert.equal(m.response, true, where);
    if (!decodeDns(input).ok) {
      assert.equal(m.rcode, DnsRcode.FORMERR, where);
      formerr++;
    }
  }
  assert.equal(s.counters.queries, ITERATIONS);
  assert.ok(formerr > ITERATIONS / 10, `only ${formerr} FORMERRs`);
  assert.ok(s.counters.dropped > 0 && s.counters.answered > 0);
});

test(`DHCP server: ${ITERATIONS} malformed messages, counted, never a throw (seed ${SEED})`, () => {
  const s = new DhcpServer({ serverAddress: '198.18.0.1', first: '198.18.0.10', last: '198.18.0.20', subnetMask: 24, routers: ['198.18.0.1'] });
  const chaddr = new Uint8Array([2, 0, 0, 0, 0, 1]);
  const valid = [DhcpMessageType.DISCOVER, DhcpMessageType.REQUEST, DhcpMessageType.RELEASE, DhcpMessageType.INFORM, DhcpMessageType.DECLINE].map((t, k) =>
    encodeDhcp({ op: BootpOp.REQUEST, xid: k, chaddr, ciaddr: k === 3 ? 0xc6120005 : 0, options: { messageType: t, serverId: k === 1 ? 0xc6120001 : undefined, requestedIp: k === 1 ? 0xc612000a : undefined } }),
  );
  for (let i = 0; i < ITERATIONS; i++) {
    const r = new SeededRandom(SEED, i);
    const input = mutate(r, valid[i % valid.length]);
    const where = `seed ${SEED} iteration ${i} input ${hex(input)}`;
    let reply;
    try {
      reply = s.handleMessage(input, i * 1000);
    } catch (e) {
      assert.fail(`threw ${String(e)}: ${where}`);
    }
    if (reply) assert.ok(decodeDhcp(reply.bytes).ok, `the reply decodes: ${where}`);
  }
  assert.equal(s.counters.received, ITERATIONS);
  assert.ok(s.counters.dropped > ITERATIONS / 4, `dropped ${s.counters.dropped}`);
  assert.ok(s.counters.offers > 0 && s.counters.acks + s.counters.naks > 0, JSON.stringify(s.counters));
});
