/**
 * ICMP errors during the handshake, by `handshakeIcmpAbort`:
 * - 'hard' (synack's default; RFC 1122 §4.2.3.9 and RFC 5461 §4): only protocol and port
 *   unreachable end a connection that is not yet synchronized; network or host unreachable and
 *   time exceeded are soft, remembered;
 * - 'linux' (tcp_v4_err, tcp_req_err): any unreachable or time exceeded ends SYN-SENT (soft ones
 *   with EHOSTUNREACH); a listener's half-open connection is dropped for the soft ones only (a
 *   SYN-ACK toward a forged address draws host unreachable) and stays on port unreachable, so the
 *   peer's ACK then completes it, where a dropped one draws a RST (RFC 9293 §3.10.7.1).
 * As RFC 5927 §4.1 asks, only an error quoting a sequence number in flight counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, drainOut, FLAGS, icmpErrorFor, newStack, stackEvents, tcpOut, tcpPacket } from './helpers.js';

const { SYN, ACK, RST } = FLAGS;

function errorsOf(events: ReturnType<typeof stackEvents>): string[] {
  return events.flatMap((e) => (e.type === 'event' && e.event.type === 'error' ? [e.event.code] : []));
}

function synSent(mode: 'hard' | 'linux') {
  const a = newStack([A4], 10, { tcp: { handshakeIcmpAbort: mode } });
  const conn = a.connect({ address: B4, port: 80 }, 0);
  const [syn] = drainOut(a, 0);
  return { a, conn, syn };
}

test("'linux': host unreachable and time exceeded end SYN-SENT with EHOSTUNREACH", () => {
  for (const [type, code] of [[3, 1], [3, 0], [11, 0]]) {
    const { a, conn, syn } = synSent('linux');
    a.handlePacket(icmpErrorFor(syn, '198.18.9.1', type, code), 5);
    assert.equal(conn.state, 'CLOSED', `ICMP ${type}/${code}`);
    assert.deepEqual(errorsOf(stackEvents(a)), ['EHOSTUNREACH']);
  }
});

test("'hard': host unreachable leaves SYN-SENT going", () => {
  const { a, conn, syn } = synSent('hard');
  a.handlePacket(icmpErrorFor(syn, '198.18.9.1', 3, 1), 5);
  assert.equal(conn.state, 'SYN-SENT');
});

/** A listener at B4:80 that answered a SYN from A4:40000 (ISN 1000): its SYN-ACK in hand. */
function halfOpen(mode: 'hard' | 'linux') {
  const b = newStack([B4], 11, { tcp: { handshakeIcmpAbort: mode } });
  const l = b.listen(80);
  b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 1000, flags: SYN, options: { mss: 1460 } }), 0);
  const [synAck] = drainOut(b, 0);
  assert.equal(tcpOut(synAck).tcp.flags, SYN | ACK);
  const ackOf = (now: number) => {
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 1001, ack: tcpOut(synAck).tcp.seq + 1, flags: ACK }), now);
    return drainOut(b, now);
  };
  return { b, l, synAck, ackOf };
}

test("'linux': host unreachable drops a half-open connection; the peer's ACK then draws a RST", () => {
  const { b, l, synAck, ackOf } = halfOpen('linux');
  b.handlePacket(icmpErrorFor(synAck, '198.18.9.1', 3, 1), 5);
  assert.deepEqual(drainOut(b, 5), [], 'dropped silently');
  assert.equal(l.synQueue.size, 0);
  const out = ackOf(10);
  assert.equal(out.length, 1);
  assert.equal(tcpOut(out[0]).tcp.flags & RST, RST);
  assert.equal(l.acceptQueue.length, 0);
});

test("'linux': port unreachable leaves a half-open connection, which the peer's ACK completes", () => {
  const { b, l, synAck, ackOf } = halfOpen('linux');
  b.handlePacket(icmpErrorFor(synAck, A4, 3, 3), 5);
  assert.equal(l.synQueue.size, 1);
  assert.deepEqual(ackOf(10), []);
  assert.equal(l.acceptQueue.length, 1);
});

test("'hard': host unreachable leaves a half-open connection; port unreachable drops it", () => {
  const soft = halfOpen('hard');
  soft.b.handlePacket(icmpErrorFor(soft.synAck, '198.18.9.1', 3, 1), 5);
  assert.equal(soft.l.synQueue.size, 1);
  const hard = halfOpen('hard');
  hard.b.handlePacket(icmpErrorFor(hard.synAck, A4, 3, 3), 5);
  drainOut(hard.b, 5);
  assert.equal(hard.l.synQueue.size, 0);
});
