/**
 * Knobs that live in the stack: `blackhole` (FreeBSD net.inet.tcp.blackhole) for segments to closed
 * ports, and the IP header's ECN field, which the stack reads into `Segment.ipEcn` and writes from it
 * (RFC 3168 §5; snippets/syn-rcvd-via-syn-sent-ipv4-ecn01/11 expect data sent as [ect0]).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, A6, B4, B6, drainOut, newStack, tcpOut, tcpPacket } from './helpers.js';
import { encodeTcpPacket, parseIp, TcpFlag } from '../../src/wire/index.js';
import type { Stack } from '../../src/stack/stack.js';

const { SYN, ACK, RST, FIN, PSH, ECE, CWR } = TcpFlag;

function toClosed(stack: Stack, me: string, peer: string, flags: number, opts: { seq?: number; ack?: number; port?: number } = {}) {
  stack.handlePacket(tcpPacket({ src: peer, dst: me, sport: 40001, dport: opts.port ?? 9999, seq: opts.seq ?? 100, ack: opts.ack, flags }), 0);
  return drainOut(stack, 0).map(tcpOut);
}

for (const [v, me, peer] of [
  [4, B4, A4],
  [6, B6, A6],
] as const) {
  describe(`IPv${v}: blackhole (FreeBSD net.inet.tcp.blackhole)`, () => {
    test('0 (default): RFC 9293 §3.10.7.1, a RST for every non-RST segment to a closed port', () => {
      const stack = newStack([me], 1);
      assert.equal(stack.blackhole, 0);
      assert.equal(toClosed(stack, me, peer, SYN)[0].tcp.flags, RST | ACK);
      assert.equal(toClosed(stack, me, peer, ACK, { ack: 5 })[0].tcp.flags, RST);
    });

    test('1: no answer to any segment with SYN set (SYN, SYN+ACK, SYN+FIN); other segments still get their RST', () => {
      const stack = newStack([me], 1, { blackhole: 1 });
      for (const f of [SYN, SYN | ACK, SYN | FIN]) assert.deepEqual(toClosed(stack, me, peer, f, { ack: 7 }), [], `flags ${f}`);
      const a = toClosed(stack, me, peer, ACK, { ack: 5 });
      assert.equal(a.length, 1);
      assert.equal(a[0].tcp.flags, RST);
      assert.equal(a[0].tcp.seq, 5);
      const f = toClosed(stack, me, peer, FIN, { seq: 77 });
      assert.equal(f[0].tcp.flags, RST | ACK);
      assert.equal(f[0].tcp.ack, 78);
      assert.equal(stack.counters.tcp.OutRsts, 2);
      assert.equal(stack.counters.tcp.NoConnection, 5, 'still counted as segments for no connection');
    });

    test('2: no answer to anything sent to a closed port', () => {
      const stack = newStack([me], 1, { blackhole: 2 });
      for (const f of [SYN, ACK, FIN, SYN | ACK, PSH | ACK, 0]) assert.deepEqual(toClosed(stack, me, peer, f, { ack: 9 }), [], `flags ${f}`);
      assert.equal(stack.counters.tcp.OutRsts, 0);
    });

    test('a port with a listener is not closed: SYN gets its SYN,ACK and a stray ACK its RST (§3.10.7.2)', () => {
      const stack = newStack([me], 1, { blackhole: 2 });
      stack.listen(80);
      const synAck = toClosed(stack, me, peer, SYN, { port: 80 });
      assert.equal(synAck.length, 1);
      assert.equal(synAck[0].tcp.flags, SYN | ACK);
      const rst = toClosed(stack, me, peer, ACK, { port: 80, seq: 500, ack: 12345 });
      assert.equal(rst.length, 1);
      assert.equal(rst[0].tcp.flags, RST);
    });
  });
}

test('blackhole: other values are refused', () => {
  assert.throws(() => newStack([B4], 1, { blackhole: 3 as unknown as 2 }), RangeError);
});

describe('the IP ECN field (RFC 3168 §5) through the stack', () => {
  function packet(flags: number, seq: number, ack: number, ecn: number, payload?: Uint8Array): Uint8Array {
    return encodeTcpPacket({
      ip: { version: 4, src: parseIp(A4) as number, dst: parseIp(B4) as number, ttl: 64, ecn },
      tcp: { srcPort: 40000, dstPort: 80, seq, ack, flags, window: 65535, urgentPointer: 0, options: {} },
      payload,
    });
  }

  test("passive server: SYN-ACK with ECE and Not-ECT, data ECT(0), a CE mark echoed with ECE", () => {
    const stack = newStack([B4], 5, { tcp: { ecn: 'passive', ackDelayMs: 0 } });
    const l = stack.listen(80);
    stack.handlePacket(packet(SYN | ECE | CWR, 100, 0, 0), 0);
    const [synAck] = drainOut(stack, 0).map(tcpOut);
    assert.equal(synAck.tcp.flags, SYN | ACK | ECE);
    assert.equal(synAck.ip.ecn, 0, 'a SYN-ACK is never ECT (§6.1.1)');
    const iss = synAck.tcp.seq;
    stack.handlePacket(packet(ACK, 101, iss + 1, 0), 1);
    drainOut(stack, 1);
    const conn = l.accept();
    assert.ok(conn);
    assert.equal(conn.tcb.ecnEnabled, true);
    conn.send(new Uint8Array(10).fill(7), 2);
    const [data] = drainOut(stack, 2).map(tcpOut);
    assert.equal(data.payloadLength, 10);
    assert.equal(data.ip.ecn, 2, 'ECT(0) in the IP header');
    stack.handlePacket(packet(ACK | PSH, 101, iss + 11, 3, new Uint8Array(5)), 3);
    const [ackOut] = drainOut(stack, 3).map(tcpOut);
    assert.equal(ackOut.tcp.flags, ACK | ECE, 'CE arrived: ECE on the ACK');
    assert.equal(ackOut.ip.ecn, 0, 'a pure ACK is Not-ECT (§6.1.4)');
  });

  test("default ('off'): an ECN-setup SYN gets a plain SYN-ACK and data stays Not-ECT", () => {
    const stack = newStack([B4], 5);
    const l = stack.listen(80);
    stack.handlePacket(packet(SYN | ECE | CWR, 100, 0, 0), 0);
    const [synAck] = drainOut(stack, 0).map(tcpOut);
    assert.equal(synAck.tcp.flags, SYN | ACK);
    stack.handlePacket(packet(ACK, 101, synAck.tcp.seq + 1, 0), 1);
    drainOut(stack, 1);
    const conn = l.accept()!;
    conn.send(new Uint8Array(10), 2);
    const [data] = drainOut(stack, 2).map(tcpOut);
    assert.equal(data.ip.ecn, 0);
  });
});
