/**
 * `dropSynFin` (FreeBSD net.inet.tcp.drop_synfin), against state-event-engine/rcv-syn-fin-syn-sent:
 *   dropping-disabled:  > S 0:0(0), < SF 0:0(0), > S. 0:0(0) ack 1 (SYN-RECEIVED), < F. 1:1(0) ack 1,
 *                       > . 1:1(0) ack 2 (CLOSE-WAIT)
 *   dropping-enabled:   > S at 1.0 s, < SF at 1.1 s (dropped, nothing sent), > S again at 2.0 s (the
 *                       RTO), < S. ack 1, > . ack 1 (ESTABLISHED)
 * and for LISTEN, where FreeBSD's tcp_input drops SYN+FIN before the syncache when it is set.
 * A port with no socket answers SYN+FIN with RST either way (rcv-syn-fin-closed: > R. 0:0(0) ack 5
 * for SF 0:3(3)): see the stack test below.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/tcp/config.js';
import { Tcb } from '../../src/tcp/tcb.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { TcpFlag } from '../../src/wire/index.js';
import { A_PORT, drain, fmt, PLAIN, seg, tcb } from './harness.js';
import { Alone } from './timer-helpers.js';
import { A4, B4, drainOut, newStack, tcpOut, tcpPacket } from '../stack/helpers.js';

const { SYN, FIN, ACK, RST } = TcpFlag;

describe('dropSynFin', () => {
  test("default 'listen': dropped at a listener as Linux does, processed in SYN-SENT as Linux does", () => {
    assert.equal(resolveConfig().dropSynFin, 'listen');
    const l = tcb({ iss: 1000, remotePort: 0 });
    l.listen(0);
    l.handleSegment(seg('<SEQ=5000><CTL=SYN,FIN>'), 0);
    assert.deepEqual(drain(l, 0), []);
    assert.equal(l.state, 'LISTEN');
    assert.equal(l.stats.TCPSynFinDrops, 1);
    const s = tcb({ iss: 1000 });
    s.connect(0);
    drain(s, 0);
    s.handleSegment(seg('<SEQ=5000><CTL=SYN,FIN>'), 100);
    assert.deepEqual(drain(s, 100).map(fmt), ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>']);
  });

  test('off, SYN-SENT: SYN+FIN is a simultaneous open: SYN,ACK acknowledging the SYN only; the FIN follows ESTABLISHED (dropping-disabled)', () => {
    const a = new Alone(tcb({ iss: 1000, config: { dropSynFin: false } }));
    a.t.connect(0);
    a.deliver(seg('<SEQ=5000><CTL=SYN,FIN>'), 100);
    assert.deepEqual(a.sentAt(), [
      [0, '<SEQ=1000><CTL=SYN>'],
      [100, '<SEQ=1000><ACK=5001><CTL=SYN,ACK>'],
    ]);
    assert.equal(a.t.state, 'SYN-RECEIVED');
    a.deliver(seg('<SEQ=5001><ACK=1001><CTL=FIN,ACK>'), 100);
    assert.deepEqual(a.sentAt().slice(2), [[100, '<SEQ=1001><ACK=5002><CTL=ACK>']]);
    assert.equal(a.t.state, 'CLOSE-WAIT');
  });

  test('on, SYN-SENT: SYN+FIN dropped unanswered; the SYN goes again at the RTO and a SYN,ACK completes (dropping-enabled)', () => {
    const a = new Alone(tcb({ iss: 1000, config: { dropSynFin: true } }));
    a.now = 1000;
    a.t.connect(1000);
    a.deliver(seg('<SEQ=5000><CTL=SYN,FIN>'), 1100);
    assert.equal(a.t.state, 'SYN-SENT');
    assert.deepEqual(a.sentAt(), [[1000, '<SEQ=1000><CTL=SYN>']]);
    a.runUntil(2000);
    assert.deepEqual(a.sentAt().slice(1), [[2000, '<SEQ=1000><CTL=SYN>']]);
    a.deliver(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 2000);
    assert.equal(a.t.state, 'ESTABLISHED');
    assert.deepEqual(a.sentAt().slice(2), [[2000, '<SEQ=1001><ACK=5001><CTL=ACK>']]);
  });

  test('on, SYN-SENT: with data too (SF 0:3(3)), and a SYN,FIN,ACK that acknowledges our SYN', () => {
    for (const text of ['<SEQ=5000><CTL=SYN,FIN><DATA=3>', '<SEQ=5000><ACK=1001><CTL=SYN,FIN,ACK>']) {
      const t = tcb({ iss: 1000, config: { dropSynFin: true } });
      t.connect(0);
      drain(t, 0);
      t.handleSegment(seg(text), 100);
      assert.deepEqual(drain(t, 100), [], text);
      assert.equal(t.state, 'SYN-SENT', text);
      assert.equal(t.readableLength, 0);
    }
  });

  test('on, SYN-SENT: the unacceptable-ACK check comes first (<SEQ=SEG.ACK><CTL=RST>)', () => {
    const t = tcb({ iss: 1000, config: { dropSynFin: true } });
    t.connect(0);
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5000><ACK=7><CTL=SYN,FIN,ACK>'), 100);
    assert.deepEqual(drain(t, 100).map(fmt), ['<SEQ=7><CTL=RST>']);
  });

  test('on, LISTEN: SYN+FIN dropped, still listening; a plain SYN is answered', () => {
    const t = tcb({ iss: 1000, remotePort: 0, config: { dropSynFin: true } });
    t.listen(0);
    t.handleSegment(seg('<SEQ=5000><CTL=SYN,FIN>'), 0);
    assert.deepEqual(drain(t, 0), []);
    assert.equal(t.state, 'LISTEN');
    t.handleSegment(seg('<SEQ=6000><CTL=SYN>'), 1);
    assert.deepEqual(drain(t, 1).map(fmt), ['<SEQ=1000><ACK=6001><CTL=SYN,ACK>']);
  });

  test("on, a stack's Tcb.accept: no TCB comes of a SYN+FIN", () => {
    const t = Tcb.accept({ localPort: A_PORT, iss: 1000, config: { ...PLAIN, dropSynFin: true }, random: new SeededRandom(1) }, seg('<SEQ=5000><CTL=SYN,FIN>'), 0);
    assert.equal(t.state, 'CLOSED');
    assert.deepEqual(drain(t, 0), []);
  });

  test('off, LISTEN: SYN+FIN opens as RFC 9293 says (the FIN waits for ESTABLISHED)', () => {
    const t = tcb({ iss: 1000, remotePort: 0, config: { dropSynFin: false } });
    t.listen(0);
    t.handleSegment(seg('<SEQ=5000><CTL=SYN,FIN>'), 0);
    assert.deepEqual(drain(t, 0).map(fmt), ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>']);
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK>'), 1);
    assert.equal(t.state, 'CLOSE-WAIT');
  });

  test('on, synchronized states are unaffected: SYN+FIN in ESTABLISHED gets the challenge ACK', () => {
    const t = tcb({ iss: 1000, config: { dropSynFin: true } });
    t.connect(0);
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 1);
    drain(t, 1);
    t.handleSegment(seg('<SEQ=5001><CTL=SYN,FIN>'), 2);
    assert.deepEqual(drain(t, 2).map(fmt), ['<SEQ=1001><ACK=5001><CTL=ACK>']);
    assert.equal(t.state, 'ESTABLISHED');
  });

  test('stack: a listener drops SYN+FIN (no SYN,ACK, no connection); a closed port still answers RST (rcv-syn-fin-closed)', () => {
    const stack = newStack([B4], 3, { tcp: { dropSynFin: true } });
    stack.listen(80);
    stack.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 0, flags: SYN | FIN }), 0);
    assert.deepEqual(drainOut(stack, 0), []);
    assert.equal([...stack.connections()].length, 0);
    stack.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 81, seq: 0, flags: SYN | FIN, payload: new Uint8Array(3) }), 0);
    const out = drainOut(stack, 0).map(tcpOut);
    assert.equal(out.length, 1);
    assert.equal(out[0].tcp.flags, RST | ACK);
    assert.equal(out[0].tcp.seq, 0);
    assert.equal(out[0].tcp.ack, 5, 'SEG.SEQ + SEG.LEN: 0 + 1 (SYN) + 3 + 1 (FIN)');
  });
});
