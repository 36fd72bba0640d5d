/**
 * RST for segments that reach no connection, RFC 9293 §3.10.7.1 (the CLOSED state):
 *
 *   "If the ACK bit is off, sequence number zero is used, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 *    If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>"
 *   "An incoming segment containing a RST is discarded."
 *
 * SEG.LEN counts the data plus one for SYN and one for FIN (§3.4). And for a port with a listener,
 * §3.10.7.2 (LISTEN): a RST is ignored, an ACK is answered <SEQ=SEG.ACK><CTL=RST>, and a segment
 * with neither SYN nor RST (nor ACK) is dropped. Every emitted packet is decoded and its checksums
 * verified by the helpers, independently of the stack's own checksum code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, A6, addr, B4, B6, drainOut, FLAGS, newStack, tcpOut, tcpPacket, stackEvents } from './helpers.js';
import { ipToString } from '../../src/wire/index.js';

const { SYN, ACK, RST, FIN, PSH } = FLAGS;
const data = (n: number) => new Uint8Array(n).fill(0x61);

interface Case {
  name: string;
  flags: number;
  seq: number;
  ack?: number;
  len: number;
  /** What §3.10.7.1 says comes back, or undefined for nothing. */
  want: { seq: number; ack: number; flags: number } | undefined;
}

const M = 2 ** 32;
const cases: Case[] = [
  { name: 'SYN', flags: SYN, seq: 1000, len: 0, want: { seq: 0, ack: 1001, flags: RST | ACK } },
  { name: 'SYN with data', flags: SYN, seq: 1000, len: 10, want: { seq: 0, ack: 1011, flags: RST | ACK } },
  { name: 'SYN+FIN with data', flags: SYN | FIN, seq: 1000, len: 10, want: { seq: 0, ack: 1012, flags: RST | ACK } },
  { name: 'FIN with data', flags: FIN | PSH, seq: 5000, len: 3, want: { seq: 0, ack: 5004, flags: RST | ACK } },
  { name: 'FIN alone', flags: FIN, seq: 77, len: 0, want: { seq: 0, ack: 78, flags: RST | ACK } },
  { name: 'no flags, data', flags: 0, seq: 7, len: 5, want: { seq: 0, ack: 12, flags: RST | ACK } },
  { name: 'no flags, no data', flags: 0, seq: 42, len: 0, want: { seq: 0, ack: 42, flags: RST | ACK } },
  { name: 'SYN with data across the wrap', flags: SYN, seq: 0xfffffff0, len: 20, want: { seq: 0, ack: (0xfffffff0 + 21) % M, flags: RST | ACK } },
  { name: 'ACK', flags: ACK, seq: 1, ack: 123456, len: 0, want: { seq: 123456, ack: 0, flags: RST } },
  { name: 'ACK with data', flags: ACK | PSH, seq: 1, ack: 9, len: 100, want: { seq: 9, ack: 0, flags: RST } },
  { name: 'SYN+ACK', flags: SYN | ACK, seq: 500, ack: 77, len: 0, want: { seq: 77, ack: 0, flags: RST } },
  { name: 'FIN+ACK', flags: FIN | ACK, seq: 500, ack: 0xffffffff, len: 4, want: { seq: 0xffffffff, ack: 0, flags: RST } },
  { name: 'RST', flags: RST, seq: 1, len: 0, want: undefined },
  { name: 'RST+ACK', flags: RST | ACK, seq: 1, ack: 2, len: 0, want: undefined },
  { name: 'RST+SYN', flags: RST | SYN, seq: 1, len: 0, want: undefined },
  { name: 'RST with data', flags: RST, seq: 1, len: 8, want: undefined },
  { name: 'RST+ACK+FIN', flags: RST | ACK | FIN, seq: 1, ack: 3, len: 0, want: undefined },
];

for (const v of [4, 6] as const) {
  const me = v === 4 ? B4 : B6;
  const peer = v === 4 ? A4 : A6;
  describe(`IPv${v}: a segment for no connection (RFC 9293 §3.10.7.1)`, () => {
    for (const c of cases) {
      test(`${c.name} -> ${c.want ? (c.want.flags & ACK ? `<SEQ=0><ACK=${c.want.ack}><CTL=RST,ACK>` : `<SEQ=${c.want.seq}><CTL=RST>`) : 'nothing'}`, () => {
        const stack = newStack([me], 11);
        const p = tcpPacket({ src: peer, dst: me, sport: 40001, dport: 9999, seq: c.seq, ack: c.ack, flags: c.flags, payload: data(c.len) });
        stack.handlePacket(p, 0);
        const out = drainOut(stack, 0);
        assert.equal([...stack.connections()].length, 0, 'no connection is made');
        if (!c.want) {
          assert.equal(out.length, 0, 'never a RST in answer to a RST');
          assert.equal(stack.counters.tcp.OutRsts, 0);
          return;
        }
        assert.equal(out.length, 1);
        const r = tcpOut(out[0]);
        assert.equal(r.ip.version, v);
        assert.equal(ipToString(r.ip.src), ipToString(addr(me)));
        assert.equal(ipToString(r.ip.dst), ipToString(addr(peer)));
        assert.equal(r.tcp.srcPort, 9999);
        assert.equal(r.tcp.dstPort, 40001);
        assert.equal(r.tcp.flags, c.want.flags, 'exactly these control bits');
        assert.equal(r.tcp.seq, c.want.seq);
        if (c.want.flags & ACK) assert.equal(r.tcp.ack, c.want.ack);
        assert.equal(r.payloadLength, 0, 'a RST carries no data');
        assert.equal(stack.counters.tcp.OutRsts, 1);
        assert.equal(stack.counters.tcp.OutSegs, 1);
        assert.equal(stack.counters.tcp.NoConnection, 1);
        assert.equal(stack.counters.tcp.InSegs, 1, 'RFC 4022 tcpInSegs counts every segment received');
      });
    }
  });

  describe(`IPv${v}: a segment for a listening port without SYN (RFC 9293 §3.10.7.2)`, () => {
    const run = (flags: number, seq: number, ack: number, len = 0) => {
      const stack = newStack([me], 12);
      stack.listen(80);
      stack.handlePacket(tcpPacket({ src: peer, dst: me, sport: 40002, dport: 80, seq, ack, flags, payload: data(len) }), 0);
      const out = drainOut(stack, 0);
      assert.equal([...stack.connections()].length, 0, 'the listener makes no connection');
      assert.equal(stackEvents(stack).length, 0);
      return out.map(tcpOut);
    };
    test('an ACK is answered <SEQ=SEG.ACK><CTL=RST>', () => {
      const out = run(ACK, 100, 4242);
      assert.equal(out.length, 1);
      assert.equal(out[0].tcp.flags, RST);
      assert.equal(out[0].tcp.seq, 4242);
      assert.equal(out[0].tcp.srcPort, 80);
      assert.equal(out[0].tcp.dstPort, 40002);
    });
    test('a SYN+ACK is answered <SEQ=SEG.ACK><CTL=RST>', () => {
      const out = run(SYN | ACK, 100, 31337);
      assert.equal(out.length, 1);
      assert.equal(out[0].tcp.flags, RST);
      assert.equal(out[0].tcp.seq, 31337);
    });
    test('a RST (with or without ACK) is ignored', () => {
      assert.equal(run(RST, 1, 0).length, 0);
      assert.equal(run(RST | ACK, 1, 5).length, 0);
    });
    test('a FIN or a bare data segment (no SYN, RST or ACK) is dropped, not reset', () => {
      assert.equal(run(FIN, 1, 0).length, 0);
      assert.equal(run(0, 1, 0, 10).length, 0);
      assert.equal(run(PSH, 1, 0, 10).length, 0);
    });
  });
}

test('a connection reset by a stranger RST never answers it; its own RST answers a later segment', () => {
  // After the connection is gone, a retransmitted segment for it is a segment for no connection.
  const stack = newStack([B4], 13);
  stack.listen(80);
  stack.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40003, dport: 80, seq: 1000, flags: SYN }), 0);
  const synAck = tcpOut(drainOut(stack, 0)[0]);
  assert.equal(synAck.tcp.flags, SYN | ACK);
  // RST at RCV.NXT in SYN-RECEIVED: the attempt ends (§3.10.7.4), and no RST goes back.
  stack.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40003, dport: 80, seq: 1001, flags: RST }), 1);
  assert.equal(drainOut(stack, 1).length, 0);
  assert.equal([...stack.connections()].length, 0);
  // The peer's ACK of the old SYN-ACK now reaches no connection: <SEQ=SEG.ACK><CTL=RST>.
  stack.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40003, dport: 80, seq: 1001, ack: synAck.tcp.seq + 1, flags: ACK }), 2);
  const out = drainOut(stack, 2).map(tcpOut);
  assert.equal(out.length, 1);
  assert.equal(out[0].tcp.flags, RST);
  assert.equal(out[0].tcp.seq, (synAck.tcp.seq + 1) >>> 0);
});
