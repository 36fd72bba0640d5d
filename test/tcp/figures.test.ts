/**
 * RFC 9293 §3.5 and §3.6, Figures 6 to 13 (../shared/rfc/rfc9293-figures-6-13.txt), segment by
 * segment and state by state, with the figures' initial sequence numbers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tcb } from '../../src/tcp/tcb.js';
import { TcpFlag } from '../../src/wire/index.js';
import type { Segment } from '../../src/tcp/segment.js';
import { A_PORT, B_PORT, drain, events, fmt, seg, stateTrail, tcb } from './harness.js';

/** Figures leave PSH out; our data segments carry it. Compare as the figures print. */
function fig(s: Segment): string {
  return fmt({ ...s, flags: s.flags & ~TcpFlag.PSH });
}

function sendOne(from: Tcb, now: number): Segment {
  const out = drain(from, now);
  assert.equal(out.length, 1, `expected one segment, got ${out.map(fmt).join(' ')}`);
  return out[0];
}

function expectNothing(from: Tcb, now: number): void {
  assert.deepEqual(drain(from, now).map(fmt), []);
}

/** A connection pair already ESTABLISHED with A at SND.NXT=aNxt and B at SND.NXT=bNxt. */
function established(aNxt: number, bNxt: number): { a: Tcb; b: Tcb } {
  const a = tcb({ iss: aNxt - 1, localPort: A_PORT, remotePort: B_PORT });
  const b = tcb({ iss: bNxt - 1, localPort: B_PORT, remotePort: A_PORT });
  b.listen(0);
  a.connect(0);
  b.handleSegment(sendOne(a, 0), 0);
  a.handleSegment(sendOne(b, 0), 0);
  b.handleSegment(sendOne(a, 0), 0);
  assert.equal(a.state, 'ESTABLISHED');
  assert.equal(b.state, 'ESTABLISHED');
  events(a);
  events(b);
  return { a, b };
}

describe('RFC 9293 figures', () => {
  test('Figure 6: basic three-way handshake, then data', () => {
    const a = tcb({ iss: 100, localPort: A_PORT, remotePort: B_PORT });
    const b = tcb({ iss: 300, localPort: B_PORT });
    assert.equal(a.state, 'CLOSED'); // line 1
    b.listen(0);
    assert.equal(b.state, 'LISTEN');
    a.connect(0);
    const syn = sendOne(a, 0);
    assert.equal(fig(syn), '<SEQ=100><CTL=SYN>'); // line 2
    assert.equal(a.state, 'SYN-SENT');
    b.handleSegment(syn, 1);
    assert.equal(b.state, 'SYN-RECEIVED');
    const synAck = sendOne(b, 1);
    assert.equal(fig(synAck), '<SEQ=300><ACK=101><CTL=SYN,ACK>'); // line 3
    a.handleSegment(synAck, 2);
    assert.equal(a.state, 'ESTABLISHED');
    const ack = sendOne(a, 2);
    assert.equal(fig(ack), '<SEQ=101><ACK=301><CTL=ACK>'); // line 4
    b.handleSegment(ack, 3);
    assert.equal(b.state, 'ESTABLISHED');
    assert.equal(a.send(new TextEncoder().encode('hello'), 3), 5);
    const data = sendOne(a, 3);
    assert.equal(fig(data), '<SEQ=101><ACK=301><CTL=ACK><DATA=5>'); // line 5
    b.handleSegment(data, 4);
    assert.equal(new TextDecoder().decode(b.read()), 'hello');
    assert.deepEqual(stateTrail(events(a)), ['SYN-SENT', 'ESTABLISHED']);
    assert.deepEqual(stateTrail(events(b)), ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED']);
  });

  test('Figure 6 with data on the third segment', () => {
    const a = tcb({ iss: 100, localPort: A_PORT, remotePort: B_PORT });
    const b = tcb({ iss: 300, localPort: B_PORT });
    b.listen(0);
    a.connect(0);
    a.send(new TextEncoder().encode('GET /'), 0); // queued in SYN-SENT
    b.handleSegment(sendOne(a, 0), 1);
    a.handleSegment(sendOne(b, 1), 2);
    const third = sendOne(a, 2);
    assert.equal(fig(third), '<SEQ=101><ACK=301><CTL=ACK><DATA=5>');
    b.handleSegment(third, 3);
    assert.equal(b.state, 'ESTABLISHED');
    assert.equal(new TextDecoder().decode(b.read()), 'GET /');
  });

  test('Figure 7: simultaneous connection synchronization', () => {
    const a = tcb({ iss: 100, localPort: A_PORT, remotePort: B_PORT });
    const b = tcb({ iss: 300, localPort: B_PORT, remotePort: A_PORT });
    a.connect(0);
    const synA = sendOne(a, 0);
    assert.equal(fig(synA), '<SEQ=100><CTL=SYN>'); // line 2 (delayed)
    b.connect(0);
    const synB = sendOne(b, 0);
    assert.equal(fig(synB), '<SEQ=300><CTL=SYN>'); // line 3
    a.handleSegment(synB, 1);
    assert.equal(a.state, 'SYN-RECEIVED');
    b.handleSegment(synA, 1); // line 4
    assert.equal(b.state, 'SYN-RECEIVED');
    const synAckA = sendOne(a, 1);
    assert.equal(fig(synAckA), '<SEQ=100><ACK=301><CTL=SYN,ACK>'); // line 5 (delayed)
    const synAckB = sendOne(b, 1);
    assert.equal(fig(synAckB), '<SEQ=300><ACK=101><CTL=SYN,ACK>'); // line 6
    a.handleSegment(synAckB, 2);
    assert.equal(a.state, 'ESTABLISHED');
    b.handleSegment(synAckA, 2); // line 7
    assert.equal(b.state, 'ESTABLISHED');
    expectNothing(a, 2);
    expectNothing(b, 2);
    assert.deepEqual(stateTrail(events(a)), ['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
    assert.deepEqual(stateTrail(events(b)), ['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
  });

  test('Figure 8: recovery from an old duplicate SYN', () => {
    const a = tcb({ iss: 100, localPort: A_PORT, remotePort: B_PORT });
    const isns = [300, 400];
    const b = tcb({ iss: () => isns.shift()!, localPort: B_PORT });
    b.listen(0);
    a.connect(0);
    const synA = sendOne(a, 0);
    assert.equal(fig(synA), '<SEQ=100><CTL=SYN>'); // line 2, delayed in the network
    b.handleSegment(seg('<SEQ=90><CTL=SYN>', { srcPort: A_PORT, dstPort: B_PORT }), 1); // line 3: old duplicate
    assert.equal(b.state, 'SYN-RECEIVED');
    const synAck1 = sendOne(b, 1);
    assert.equal(fig(synAck1), '<SEQ=300><ACK=91><CTL=SYN,ACK>'); // line 4
    a.handleSegment(synAck1, 2);
    assert.equal(a.state, 'SYN-SENT');
    const rst = sendOne(a, 2);
    assert.equal(fig(rst), '<SEQ=91><CTL=RST>'); // line 5
    b.handleSegment(rst, 3);
    assert.equal(b.state, 'LISTEN');
    b.handleSegment(synA, 4); // line 6
    assert.equal(b.state, 'SYN-RECEIVED');
    const synAck2 = sendOne(b, 4);
    assert.equal(fig(synAck2), '<SEQ=400><ACK=101><CTL=SYN,ACK>'); // line 7
    a.handleSegment(synAck2, 5);
    assert.equal(a.state, 'ESTABLISHED');
    const ack = sendOne(a, 5);
    assert.equal(fig(ack), '<SEQ=101><ACK=401><CTL=ACK>'); // line 8
    b.handleSegment(ack, 6);
    assert.equal(b.state, 'ESTABLISHED');
    assert.deepEqual(stateTrail(events(b)), ['LISTEN', 'SYN-RECEIVED', 'LISTEN', 'SYN-RECEIVED', 'ESTABLISHED']);
  });

  test('Figure 9: half-open connection discovery', () => {
    const { b } = established(100, 300); // B: send 300, receive 100
    const a = tcb({ iss: 400, localPort: A_PORT, remotePort: B_PORT }); // A after its crash
    a.connect(10);
    const syn = sendOne(a, 10);
    assert.equal(fig(syn), '<SEQ=400><CTL=SYN>'); // line 3
    b.handleSegment(syn, 11);
    const ack = sendOne(b, 11);
    assert.equal(fig(ack), '<SEQ=300><ACK=100><CTL=ACK>'); // line 4
    assert.equal(b.state, 'ESTABLISHED');
    a.handleSegment(ack, 12);
    const rst = sendOne(a, 12);
    assert.equal(fig(rst), '<SEQ=100><CTL=RST>'); // line 5
    assert.equal(a.state, 'SYN-SENT');
    b.handleSegment(rst, 13);
    assert.equal(b.state, 'CLOSED'); // line 6: Abort
    assert.ok(events(b).some((e) => e.type === 'error' && e.code === 'ECONNRESET'));
    // line 7: A's SYN goes again when its retransmission timer fires.
    const t = a.pollTimeout();
    assert.ok(t !== undefined);
    a.handleTimeout(t);
    assert.equal(fig(sendOne(a, t)), '<SEQ=400><CTL=SYN>');
  });

  test('Figure 10: active side causes half-open connection discovery', () => {
    const { a: b } = established(300, 100); // the live side: send 300, receive 100
    b.send(new Uint8Array(10), 20);
    const data = sendOne(b, 20);
    assert.equal(fig(data), '<SEQ=300><ACK=100><CTL=ACK><DATA=10>'); // line 2
    // The crashed side holds no connection: a CLOSED TCB answers as §3.10.7.1 says.
    const crashed = tcb({ iss: 0, localPort: B_PORT, remotePort: A_PORT });
    crashed.handleSegment(data, 21);
    const rst = sendOne(crashed, 21);
    assert.equal(fig(rst), '<SEQ=100><CTL=RST>'); // line 3
    b.handleSegment(rst, 22);
    assert.equal(b.state, 'CLOSED');
    assert.ok(events(b).some((e) => e.type === 'error' && e.code === 'ECONNRESET'));
  });

  test('Figure 11: an old duplicate SYN initiates a reset on two passive sockets', () => {
    const Z = 5000;
    const a = tcb({ iss: 7000, localPort: A_PORT });
    const b = tcb({ iss: 9000, localPort: B_PORT });
    a.listen(0);
    b.listen(0);
    b.handleSegment(seg(`<SEQ=${Z}><CTL=SYN>`, { srcPort: A_PORT, dstPort: B_PORT }), 1); // line 2
    assert.equal(b.state, 'SYN-RECEIVED');
    const synAck = sendOne(b, 1);
    assert.equal(fig(synAck), `<SEQ=9000><ACK=${Z + 1}><CTL=SYN,ACK>`); // line 3
    a.handleSegment(synAck, 2);
    assert.equal(a.state, 'LISTEN');
    const rst = sendOne(a, 2);
    assert.equal(fig(rst), `<SEQ=${Z + 1}><CTL=RST>`); // line 4
    b.handleSegment(rst, 3);
    assert.equal(b.state, 'LISTEN'); // line 5
    assert.equal(a.state, 'LISTEN');
  });

  test('Figure 12: normal close sequence', () => {
    const { a, b } = established(100, 300);
    a.close(10);
    assert.equal(a.state, 'FIN-WAIT-1');
    const fin = sendOne(a, 10);
    assert.equal(fig(fin), '<SEQ=100><ACK=300><CTL=FIN,ACK>'); // line 2
    b.handleSegment(fin, 11);
    assert.equal(b.state, 'CLOSE-WAIT');
    const ack = sendOne(b, 11);
    assert.equal(fig(ack), '<SEQ=300><ACK=101><CTL=ACK>'); // line 3
    a.handleSegment(ack, 12);
    assert.equal(a.state, 'FIN-WAIT-2');
    b.close(13); // line 4
    assert.equal(b.state, 'LAST-ACK');
    const finB = sendOne(b, 13);
    assert.equal(fig(finB), '<SEQ=300><ACK=101><CTL=FIN,ACK>');
    a.handleSegment(finB, 14);
    assert.equal(a.state, 'TIME-WAIT');
    const last = sendOne(a, 14);
    assert.equal(fig(last), '<SEQ=101><ACK=301><CTL=ACK>'); // line 5
    b.handleSegment(last, 15);
    assert.equal(b.state, 'CLOSED');
    // line 6: 2 MSL later A is CLOSED.
    assert.equal(a.pollTimeout(), 14 + 2 * a.config.mslMs);
    a.handleTimeout(14 + 2 * a.config.mslMs - 1);
    assert.equal(a.state, 'TIME-WAIT');
    a.handleTimeout(14 + 2 * a.config.mslMs);
    assert.equal(a.state, 'CLOSED');
    assert.deepEqual(stateTrail(events(a)), ['FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
    assert.deepEqual(stateTrail(events(b)), ['CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  });

  test('Figure 13: simultaneous close sequence', () => {
    const { a, b } = established(100, 300);
    a.close(10);
    b.close(10);
    const finA = sendOne(a, 10);
    const finB = sendOne(b, 10);
    assert.equal(fig(finA), '<SEQ=100><ACK=300><CTL=FIN,ACK>'); // line 2
    assert.equal(fig(finB), '<SEQ=300><ACK=100><CTL=FIN,ACK>');
    assert.equal(a.state, 'FIN-WAIT-1');
    assert.equal(b.state, 'FIN-WAIT-1');
    a.handleSegment(finB, 11);
    b.handleSegment(finA, 11);
    assert.equal(a.state, 'CLOSING'); // line 3
    assert.equal(b.state, 'CLOSING');
    const ackA = sendOne(a, 11);
    const ackB = sendOne(b, 11);
    assert.equal(fig(ackA), '<SEQ=101><ACK=301><CTL=ACK>');
    assert.equal(fig(ackB), '<SEQ=301><ACK=101><CTL=ACK>');
    a.handleSegment(ackB, 12);
    b.handleSegment(ackA, 12);
    assert.equal(a.state, 'TIME-WAIT'); // line 4
    assert.equal(b.state, 'TIME-WAIT');
    a.handleTimeout(12 + 2 * a.config.mslMs);
    b.handleTimeout(12 + 2 * b.config.mslMs);
    assert.equal(a.state, 'CLOSED');
    assert.equal(b.state, 'CLOSED');
    assert.deepEqual(stateTrail(events(a)), ['FIN-WAIT-1', 'CLOSING', 'TIME-WAIT', 'CLOSED']);
  });
});
