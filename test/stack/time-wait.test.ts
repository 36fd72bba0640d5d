/**
 * A new SYN for a 4-tuple whose old connection is in TIME-WAIT (the server closed first). RFC 6191 §2
 * says when the new incarnation may be opened at once:
 *
 *   old connection used timestamps:
 *     - new SYN with TSval > TS.Recent: honor it;
 *     - TSval == TS.Recent and SEG.SEQ > the last sequence number seen (RCV.NXT): honor it;
 *     - no timestamps on the new SYN and SEG.SEQ > RCV.NXT: honor it;
 *     - otherwise: drop it, leaving TIME-WAIT as it was.
 *   old connection did not use timestamps:
 *     - the new SYN carries timestamps (so the new incarnation uses them): honor it;
 *     - SEG.SEQ > RCV.NXT: honor it (RFC 1122 §4.2.2.13 too);
 *     - otherwise: drop it.
 *
 * A SYN that is not honored meets TIME-WAIT's own processing (RFC 9293 §3.10.7.4 with RFC 5961 §4 and
 * RFC 7323 PAWS): at most an ACK <SEQ=SND.NXT><ACK=RCV.NXT>, never a SYN-ACK or a RST, and the
 * connection stays in TIME-WAIT with its 2*MSL deadline.
 */
import { describe, test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { A4, B4, bytesOf, clientServerWire, closeInTurn, drainOut, establish, FLAGS, serverClosesFirst, tcpOut, tcpPacket, textOf } from './helpers.js';
import type { Connection } from '../../src/stack/connection.js';
import { listConnections } from '../../src/stack/listing.js';
import type { Stack } from '../../src/stack/stack.js';
import type { TcpOptions } from '../../src/wire/index.js';

const { SYN, ACK, RST } = FLAGS;
const PORT = 40000;

/** A server connection in TIME-WAIT after an exchange in which the server closed first. */
function serverInTimeWait(clientTimestamps: boolean, serverListens = true) {
  const { a, b, wire, listener: l, c, s } = serverClosesFirst({
    seeds: [1, 2],
    client: { tcp: { timestamps: clientTimestamps } },
    latency: 2,
    stepMs: 20,
    localPort: PORT,
    request: 'request',
    response: 'response',
  });
  assert.equal(c.state, 'CLOSED');
  assert.equal(s.tcb.timestamps, clientTimestamps);
  if (!serverListens) b.closeListener(l, wire.now);
  return { a, b, wire, tw: s, now: wire.now + 1000 };
}

function synFromClient(b: Stack, now: number, seq: number, options: TcpOptions = {}) {
  b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: PORT, dport: 80, seq, flags: SYN, options }), now);
  return drainOut(b, now).map(tcpOut);
}

function assertHonored(b: Stack, tw: Connection, out: ReturnType<typeof synFromClient>, seq: number) {
  assert.equal(out.length, 1, 'one answer');
  assert.equal(out[0].tcp.flags, SYN | ACK, 'a SYN-ACK: the new incarnation');
  assert.equal(out[0].tcp.ack, (seq + 1) >>> 0);
  assert.equal(b.counters.tcp.TimeWaitReused, 1);
  const conns = [...b.connections()];
  assert.equal(conns.length, 1);
  assert.notEqual(conns[0], tw, 'a new connection, not the old one');
  assert.equal(conns[0].state, 'SYN-RECEIVED');
  assert.equal(b.timeWaitCount, 0, 'the TIME-WAIT entry is gone');
  assert.equal(tw.state, 'CLOSED', "the old connection's handle sees it end");
}

function assertKeptTimeWait(b: Stack, tw: Connection, out: ReturnType<typeof synFromClient>, now: number) {
  const closeAt = tw.tcb.timerAt(Timer.Close);
  assert.ok(out.length <= 1);
  for (const p of out) {
    assert.equal(p.tcp.flags, ACK, 'at most an ACK (challenge ACK / PAWS / out-of-window ACK)');
    assert.equal(p.tcp.seq, tw.tcb.sndNxt);
    assert.equal(p.tcp.ack, tw.tcb.rcvNxt);
  }
  assert.equal(b.counters.tcp.TimeWaitReused, 0);
  // The stack holds the 4-tuple as a compact TIME-WAIT entry; the application's handle stays in TIME-WAIT.
  assert.deepEqual([...b.connections()], []);
  const rows = listConnections(b, now).filter((r) => r.state === 'TIME-WAIT');
  assert.equal(rows.length, 1);
  assert.equal(now + rows[0].expiresInMs!, closeAt, '2*MSL not restarted by a SYN');
  assert.equal(tw.state, 'TIME-WAIT');
  assert.equal(b.counters.tcp.PassiveOpens, 1, 'no new passive open');
}

describe('TIME-WAIT reuse: the old connection used timestamps (RFC 6191)', () => {
  test('TSval newer than TS.Recent: honored even with an old sequence number', () => {
    const { b, tw, now } = serverInTimeWait(true);
    const seq = (tw.tcb.rcvNxt - 100000) >>> 0;
    const out = synFromClient(b, now, seq, { timestamp: { value: (tw.tcb.tsRecent + 1) >>> 0, echo: 0 } });
    assertHonored(b, tw, out, seq);
    assert.ok(out[0].tcp.options.timestamp, 'the new incarnation uses timestamps');
  });

  test('TSval equal to TS.Recent and SEG.SEQ > RCV.NXT: honored', () => {
    const { b, tw, now } = serverInTimeWait(true);
    const seq = (tw.tcb.rcvNxt + 100000) >>> 0;
    assertHonored(b, tw, synFromClient(b, now, seq, { timestamp: { value: tw.tcb.tsRecent, echo: 0 } }), seq);
  });

  test('TSval equal to TS.Recent and SEG.SEQ not beyond RCV.NXT: kept in TIME-WAIT', () => {
    const { b, tw, now } = serverInTimeWait(true);
    assertKeptTimeWait(b, tw, synFromClient(b, now, (tw.tcb.rcvNxt - 1) >>> 0, { timestamp: { value: tw.tcb.tsRecent, echo: 0 } }), now);
  });

  test('TSval older than TS.Recent: kept in TIME-WAIT, even with a newer sequence number', () => {
    const { b, tw, now } = serverInTimeWait(true);
    assertKeptTimeWait(b, tw, synFromClient(b, now, (tw.tcb.rcvNxt + 100000) >>> 0, { timestamp: { value: (tw.tcb.tsRecent - 1) >>> 0, echo: 0 } }), now);
  });

  test('no timestamps on the new SYN and SEG.SEQ > RCV.NXT: honored', () => {
    const { b, tw, now } = serverInTimeWait(true);
    const seq = (tw.tcb.rcvNxt + 1) >>> 0;
    const out = synFromClient(b, now, seq);
    assertHonored(b, tw, out, seq);
    assert.equal(out[0].tcp.options.timestamp, undefined, 'the new incarnation does without');
  });

  test('no timestamps on the new SYN and SEG.SEQ = RCV.NXT: kept in TIME-WAIT', () => {
    const { b, tw, now } = serverInTimeWait(true);
    assertKeptTimeWait(b, tw, synFromClient(b, now, tw.tcb.rcvNxt), now);
  });
});

describe('TIME-WAIT reuse: the old connection did not use timestamps', () => {
  test('SEG.SEQ > RCV.NXT: honored', () => {
    const { b, tw, now } = serverInTimeWait(false);
    const seq = (tw.tcb.rcvNxt + 1) >>> 0;
    assertHonored(b, tw, synFromClient(b, now, seq), seq);
  });

  test('SEG.SEQ = RCV.NXT (in the window): a challenge ACK, kept in TIME-WAIT', () => {
    const { b, tw, now } = serverInTimeWait(false);
    const out = synFromClient(b, now, tw.tcb.rcvNxt);
    assert.equal(out.length, 1, 'RFC 5961 §4.2: an in-window SYN gets a challenge ACK');
    assertKeptTimeWait(b, tw, out, now);
  });

  test('SEG.SEQ < RCV.NXT (an old SYN): an ACK, kept in TIME-WAIT', () => {
    const { b, tw, now } = serverInTimeWait(false);
    const out = synFromClient(b, now, (tw.tcb.rcvNxt - 5000) >>> 0);
    assert.equal(out.length, 1, 'RFC 9293 §3.10.7.4: an unacceptable segment is answered with an ACK');
    assertKeptTimeWait(b, tw, out, now);
  });

  test('a new SYN with timestamps (the new incarnation will use them): honored whatever its sequence number', () => {
    const { b, tw, now } = serverInTimeWait(false);
    const seq = (tw.tcb.rcvNxt - 5000) >>> 0;
    assertHonored(b, tw, synFromClient(b, now, seq, { timestamp: { value: 12345, echo: 0 } }), seq);
  });

  test('honored SYN and no listener any more: TIME-WAIT is kept, no RST', () => {
    const { b, tw, now } = serverInTimeWait(false, false);
    const out = synFromClient(b, now, (tw.tcb.rcvNxt + 1) >>> 0);
    assert.ok(out.every((p) => !(p.tcp.flags & (RST | SYN))));
    assertKeptTimeWait(b, tw, out, now);
  });
});

test('end to end: the client reopens the same 4-tuple a second later and the server takes it from TIME-WAIT', () => {
  // Without timestamps the reopening rests on the client's ISN having moved past the old connection
  // (RFC 6528 ISNs grow with a 4 µs clock: 1 s is 250,000 sequence numbers).
  const { a, b, wire, tw } = serverInTimeWait(false);
  wire.run(wire.now + 1000);
  const l = [...b.listenersList()][0];
  const again = a.connect({ address: B4, port: 80 }, wire.now, { localPort: PORT });
  wire.run(wire.now + 20);
  assert.equal(again.state, 'ESTABLISHED');
  assert.equal(b.counters.tcp.TimeWaitReused, 1);
  const s = l.accept();
  assert.ok(s && s !== tw);
  again.send(bytesOf('second life'), wire.now);
  wire.run(wire.now + 20);
  assert.equal(textOf(s.read(undefined, wire.now)), 'second life');
});

test('a SYN for the client side\'s TIME-WAIT (no listener on its port) is answered as TIME-WAIT answers', () => {
  const { a, b, wire } = clientServerWire([3, 4]);
  const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
  closeInTurn(wire, c, s, 10);
  assert.equal(c.state, 'TIME-WAIT');
  a.handlePacket(tcpPacket({ src: B4, dst: A4, sport: 80, dport: c.local.port, seq: (c.tcb.rcvNxt + 10) >>> 0, flags: SYN, options: { timestamp: { value: (c.tcb.tsRecent + 10) >>> 0, echo: 0 } } }), wire.now);
  const out = drainOut(a, wire.now).map(tcpOut);
  assert.ok(out.every((p) => p.tcp.flags === ACK));
  assert.equal(c.state, 'TIME-WAIT');
  assert.equal(a.counters.tcp.TimeWaitReused, 0);
});
