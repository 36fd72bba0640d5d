/**
 * TCP Fast Open (RFC 7413) in one connection, segments in RFC notation. Our ISS = 1000, the peer's
 * 5000; no options but the ones each test names; ACKs not delayed (PLAIN).
 *
 * Worked out by hand:
 * - Client with a cookie and 100 bytes queued: the SYN is <SEQ=1000><CTL=SYN><DATA=100> (§4.1.2:
 *   data on the SYN occupies 1001..1100). A SYN-ACK acknowledging all of it has <ACK=1101>; one
 *   acknowledging only the SYN has <ACK=1001>, and the 100 bytes go again at once from 1001 (§4.2.1).
 * - Without a cookie the SYN asks for one (an empty Fast Open option) and carries no data (§4.1.1).
 * - The SYN with data is retransmitted after the initial RTO (1 s, RFC 6298) without data and without
 *   the option (§4.1.3: a middlebox may drop it).
 * - Server child: a SYN <SEQ=5000><CTL=SYN><DATA=5> with a valid cookie is answered
 *   <SEQ=1000><ACK=5006><CTL=SYN,ACK> and its 5 bytes are readable at once in SYN-RECEIVED (§4.2.2);
 *   the child's own data goes from 1001 before the client's ACK arrives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tcb } from '../../src/tcp/tcb.js';
import { setFastOpenClient, setFastOpenServer } from '../../src/tcp/fast-open.js';
import { A_PORT, B_PORT, PLAIN, drain, events, fmt, seg, tcb } from './harness.js';

const COOKIE = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const bytes = (n: number) => new Uint8Array(n).fill(0x61);

function client(cookie: Uint8Array, queued: number): Tcb {
  const t = tcb({ iss: 1000 });
  setFastOpenClient(t, cookie, false, 1460);
  t.connect(0);
  if (queued > 0) t.send(bytes(queued), 0);
  return t;
}

test('client without a cookie: the SYN asks for one and carries no data', () => {
  const t = client(new Uint8Array(0), 100);
  const [syn] = drain(t, 0);
  assert.equal(fmt(syn), '<SEQ=1000><CTL=SYN>');
  assert.equal(syn.options.fastOpenCookie?.length, 0);
});

test('client with a cookie: the data rides on the SYN; a SYN-ACK acknowledging it all leaves nothing to send again', () => {
  const t = client(COOKIE, 100);
  const [syn] = drain(t, 0);
  assert.equal(fmt(syn), '<SEQ=1000><CTL=SYN><DATA=100>');
  assert.deepEqual([...syn.options.fastOpenCookie!], [...COOKIE]);
  t.handleSegment(seg('<SEQ=5000><ACK=1101><CTL=SYN,ACK>'), 10);
  assert.equal(t.state, 'ESTABLISHED');
  assert.deepEqual(drain(t, 10).map(fmt), ['<SEQ=1101><ACK=5001><CTL=ACK>']);
  assert.equal(t.sendBuffer.length, 0);
  assert.equal(t.stats.TCPFastOpenActive, 1);
});

test('client: a SYN-ACK acknowledging only the SYN makes the data go again at once, from 1001', () => {
  const t = client(COOKIE, 100);
  drain(t, 0);
  t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 10);
  assert.deepEqual(drain(t, 10).map(fmt), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=100>']);
  assert.equal(t.stats.TCPFastOpenActiveFail, 1);
  // The cookie report for the stack: none in this SYN-ACK, its MSS not given either.
  assert.ok(events(t).some((e) => e.type === 'fast-open' && e.cookie === undefined));
});

test('client: a SYN-ACK acknowledging part of the data: the rest goes again', () => {
  const t = client(COOKIE, 100);
  drain(t, 0);
  t.handleSegment(seg('<SEQ=5000><ACK=1051><CTL=SYN,ACK>'), 10);
  assert.deepEqual(drain(t, 10).map(fmt), ['<SEQ=1051><ACK=5001><CTL=PSH,ACK><DATA=50>']);
});

test('client: the SYN with data times out; the SYN goes again bare, and the data after the handshake', () => {
  const t = client(COOKIE, 100);
  drain(t, 0);
  assert.equal(t.pollTimeout(), 1000);
  t.handleTimeout(1000);
  const [again] = drain(t, 1000);
  assert.equal(fmt(again), '<SEQ=1000><CTL=SYN>');
  assert.equal(again.options.fastOpenCookie, undefined);
  assert.ok(events(t).some((e) => e.type === 'fast-open' && e.synDataLost === true), 'the stack is told to mark the path');
  t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 1010);
  assert.deepEqual(drain(t, 1010).map(fmt), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=100>']);
  assert.equal(t.stats.TCPFastOpenActiveFail, 1, 'counted once');
});

test('server child: the SYN data is readable in SYN-RECEIVED, acknowledged by the SYN-ACK, and answered before the ACK', () => {
  const t = Tcb.accept({ localPort: B_PORT, iss: 1000, config: PLAIN }, seg('<SEQ=5000><CTL=SYN><DATA="hello">', { srcPort: A_PORT, dstPort: B_PORT }), 0, (c) =>
    setFastOpenServer(c, true, undefined, false),
  );
  assert.equal(t.state, 'SYN-RECEIVED');
  assert.equal(new TextDecoder().decode(t.read()), 'hello');
  assert.deepEqual(drain(t, 0).map(fmt), ['<SEQ=1000><ACK=5006><CTL=SYN,ACK>']);
  t.send(new TextEncoder().encode('world'), 1);
  assert.deepEqual(drain(t, 1).map(fmt), ['<SEQ=1001><ACK=5006><CTL=PSH,ACK><DATA=5>']);
  t.handleSegment(seg('<SEQ=5006><ACK=1006><CTL=ACK>', { srcPort: A_PORT, dstPort: B_PORT }), 20);
  assert.equal(t.state, 'ESTABLISHED');
  assert.equal(t.sendBuffer.length, 0);
  assert.equal(t.pollTimeout(), undefined, 'nothing outstanding: no timer');
});

test('server child: the client ACKs only the SYN-ACK; the answer sent before stays outstanding, its timer running', () => {
  const t = Tcb.accept({ localPort: B_PORT, iss: 1000, config: PLAIN }, seg('<SEQ=5000><CTL=SYN><DATA="hello">', { srcPort: A_PORT, dstPort: B_PORT }), 0, (c) =>
    setFastOpenServer(c, true, undefined, false),
  );
  drain(t, 0);
  t.send(new TextEncoder().encode('world'), 1);
  drain(t, 1);
  t.handleSegment(seg('<SEQ=5006><ACK=1001><CTL=ACK>', { srcPort: A_PORT, dstPort: B_PORT }), 20);
  assert.equal(t.state, 'ESTABLISHED');
  assert.equal(t.sendBuffer.length, 5);
  assert.ok(t.pollTimeout() !== undefined, 'the retransmission timer guards the answer');
});

test('server, not a child: a plain SYN-ACK carrying the cookie the SYN asked for', () => {
  const t = Tcb.accept({ localPort: B_PORT, iss: 1000, config: PLAIN }, seg('<SEQ=5000><CTL=SYN>', { srcPort: A_PORT, dstPort: B_PORT, options: { fastOpenCookie: new Uint8Array(0) } }), 0, (c) =>
    setFastOpenServer(c, false, COOKIE, false),
  );
  const [synAck] = drain(t, 0);
  assert.equal(fmt(synAck), '<SEQ=1000><ACK=5001><CTL=SYN,ACK>');
  assert.deepEqual([...synAck.options.fastOpenCookie!], [...COOKIE]);
});

test('client with deferSyn (TCP_FASTOPEN_CONNECT): with a cookie the SYN waits for the first send; without one it goes at once', () => {
  const t = tcb({ iss: 1000 });
  setFastOpenClient(t, COOKIE, false, 1460, true);
  t.connect(0);
  assert.deepEqual(drain(t, 0).map(fmt), [], 'nothing before the first send');
  assert.equal(t.pollTimeout(), undefined, 'no timer either');
  t.send(bytes(10), 5);
  assert.deepEqual(drain(t, 5).map(fmt), ['<SEQ=1000><CTL=SYN><DATA=10>']);
  const u = tcb({ iss: 1000 });
  setFastOpenClient(u, new Uint8Array(0), false, undefined, true);
  u.connect(0);
  assert.deepEqual(drain(u, 0).map(fmt), ['<SEQ=1000><CTL=SYN>'], 'a cookie request cannot wait');
});

test('queueSynData off (Linux): data on a plain SYN is discarded, the SYN-ACK acknowledges the SYN alone; on (RFC 9293): held for ESTABLISHED', () => {
  for (const queueSynData of [false, true]) {
    const t = Tcb.accept({ localPort: B_PORT, iss: 1000, config: { ...PLAIN, queueSynData } }, seg('<SEQ=5000><CTL=SYN><DATA="early">', { srcPort: A_PORT, dstPort: B_PORT }), 0);
    assert.deepEqual(drain(t, 0).map(fmt), ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>']);
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK>', { srcPort: A_PORT, dstPort: B_PORT }), 10);
    assert.equal(t.state, 'ESTABLISHED');
    assert.equal(t.readableLength, queueSynData ? 5 : 0, `queueSynData ${queueSynData}`);
  }
});

test('server child: a RST in SYN-RECEIVED is ECONNRESET to the application, which still reads the SYN data', () => {
  const t = Tcb.accept({ localPort: B_PORT, iss: 1000, config: PLAIN }, seg('<SEQ=5000><CTL=SYN><DATA=10>', { srcPort: A_PORT, dstPort: B_PORT }), 0, (c) =>
    setFastOpenServer(c, true, undefined, false),
  );
  drain(t, 0);
  events(t);
  t.handleSegment(seg('<SEQ=5011><ACK=1001><CTL=RST,ACK>', { srcPort: A_PORT, dstPort: B_PORT }), 10);
  assert.equal(t.state, 'CLOSED');
  assert.ok(events(t).some((e) => e.type === 'error' && e.code === 'ECONNRESET'));
  assert.equal(t.read()?.length, 10);
});

test('client with SACK: SYN data the SYN-ACK leaves unacknowledged and that goes again is outstanding, a retransmission (RFC 7413 §4.2.1)', () => {
  const t = tcb({ iss: 1000, config: { sack: true } });
  setFastOpenClient(t, COOKIE, false, 1460);
  t.connect(0);
  t.send(bytes(100), 0);
  drain(t, 0);
  // Half the data acknowledged: 1051..1100 goes again at once.
  t.handleSegment(seg('<SEQ=5000><ACK=1051><CTL=SYN,ACK>', { options: { sackPermitted: true } }), 10);
  assert.deepEqual(drain(t, 10).map(fmt), ['<SEQ=1051><ACK=5001><CTL=PSH,ACK><DATA=50>']);
  // The scoreboard (RACK's records, RFC 8985 §6.1) holds it: one segment outstanding, sent again.
  const counts = t.rack.segmentCounts();
  assert.equal(counts.unacked, 1);
  assert.equal(counts.retrans, 1);
  // Its acknowledgment empties it.
  t.handleSegment(seg('<SEQ=5001><ACK=1101><CTL=ACK>'), 20);
  assert.equal(t.rack.segmentCounts().unacked, 0);
});
