/**
 * A connection's own TTL / hop limit and TOS / traffic class (IP_TTL, IPV6_UNICAST_HOPS, IP_TOS,
 * IPV6_TCLASS): RFC 1122 §4.2.4.2 lets the application set them for its connection. Every packet
 * the connection sends carries them; the TOS byte's two low bits are ECN's, which TCP sets (RFC 3168
 * §6.1.1), so only its DSCP bits are taken. Other connections keep the stack's TTL (64) and DSCP 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTcpPacket } from '../../src/wire/index.js';
import { A4, A6, B4, B6, drainOut, newStack } from './helpers.js';

for (const [v, a, b] of [[4, A4, B4], [6, A6, B6]] as const) {
  test(`IPv${v}: a connection's ipTtl and ipTos reach its packets; another connection's do not`, () => {
    const s = newStack([a], 1);
    s.connect({ address: b, port: 80 }, 0, { tcp: { ipTtl: 9, ipTos: 0xb9 } }); // DSCP 46 (EF), ECN bits 01 ignored
    s.connect({ address: b, port: 81 }, 0);
    const ips = drainOut(s, 0).map((p) => {
      const d = decodeTcpPacket(p);
      assert.ok(d.ok);
      return [d.tcp.dstPort, d.ip.version === 4 ? d.ip.ttl : d.ip.hopLimit, d.ip.dscp, d.ip.ecn];
    });
    assert.deepEqual(ips, [
      [80, 9, 46, 0],
      [81, 64, 0, 0],
    ]);
  });
}

test('ipTtl and ipTos outside a byte are refused when the config is made, not wrapped on the wire', () => {
  const s = newStack([A4], 1);
  for (const tcp of [{ ipTtl: 256 }, { ipTtl: -1 }, { ipTtl: 1.5 }, { ipTos: 300 }]) {
    assert.throws(() => s.connect({ address: B4, port: 80 }, 0, { tcp }), RangeError, JSON.stringify(tcp));
  }
});

test("IPv4's Don't Fragment bit: set by default (RFC 1191's path MTU discovery), cleared with ipDontFragment: false (IP_PMTUDISC_DONT)", () => {
  const s = newStack([A4], 1);
  s.connect({ address: B4, port: 80 }, 0, { tcp: { ipDontFragment: false } });
  s.connect({ address: B4, port: 81 }, 0);
  const df = drainOut(s, 0).map((p) => {
    const d = decodeTcpPacket(p);
    assert.ok(d.ok && d.ip.version === 4);
    return [d.tcp.dstPort, d.ip.dontFragment];
  });
  assert.deepEqual(df, [
    [80, false],
    [81, true],
  ]);
});
