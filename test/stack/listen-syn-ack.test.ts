/**
 * A SYN+ACK that reaches a listener. RFC 9293 §3.10.7.2 (LISTEN, second check): "any acknowledgment
 * is bad if it arrives on a connection still in the LISTEN state. An acceptable reset segment should
 * be formed for any arriving ACK-bearing segment", <SEQ=SEG.ACK><CTL=RST>. FreeBSD's syncache drops a
 * SYN+ACK at a listener without an answer; `listenSynAckReset: false` (the freebsd personality) does
 * the same, for the stack's listeners and for a Tcb in LISTEN alike. A bare ACK is reset either way.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpFlag } from '../../src/wire/index.js';
import { A4, B4, drainOut, newStack, tcpOut, tcpPacket } from './helpers.js';
import { drain, fmt, seg, tcb } from '../tcp/harness.js';

const SYN_ACK = TcpFlag.SYN | TcpFlag.ACK;

describe('a SYN+ACK at a listener', () => {
  for (const reset of [true, false]) {
    test(`the stack's listener, listenSynAckReset ${reset}: ${reset ? '<SEQ=SEG.ACK><CTL=RST>' : 'dropped, counted'}`, () => {
      const b = newStack([B4], 1, { tcp: { listenSynAckReset: reset } });
      b.listen(80);
      b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 300, ack: 7777, flags: SYN_ACK }), 0);
      const out = drainOut(b, 0).map((p) => tcpOut(p).tcp);
      if (reset) {
        assert.equal(out.length, 1);
        assert.deepEqual([out[0].seq, out[0].flags], [7777, TcpFlag.RST]);
      } else {
        assert.deepEqual(out, []);
        assert.equal(b.counters.tcp.InSegs, 1);
      }
      assert.equal([...b.connections()].filter((c) => c.state !== 'LISTEN').length, 0);
    });

    test(`a bare ACK at the listener is reset whatever listenSynAckReset says (${reset})`, () => {
      const b = newStack([B4], 1, { tcp: { listenSynAckReset: reset } });
      b.listen(80);
      b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 300, ack: 7777, flags: TcpFlag.ACK }), 0);
      const out = drainOut(b, 0).map((p) => tcpOut(p).tcp);
      assert.deepEqual(out.map((t) => [t.seq, t.flags]), [[7777, TcpFlag.RST]]);
    });

    test(`a Tcb in LISTEN, listenSynAckReset ${reset}`, () => {
      const t = tcb({ localPort: 80, iss: 1000, config: { listenSynAckReset: reset } });
      t.listen(0);
      t.handleSegment(seg('<SEQ=300><ACK=7777><CTL=SYN,ACK>', { dstPort: 80 }), 1);
      assert.deepEqual(drain(t, 1).map(fmt), reset ? ['<SEQ=7777><CTL=RST>'] : []);
      assert.equal(t.state, 'LISTEN');
    });
  }
});
