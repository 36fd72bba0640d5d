/**
 * Counters as the TCP MIB (RFC 4022) defines them, checked against what was seen on the wire, and the
 * `ss -tan`-style listing.
 *
 *   tcpActiveOpens   transitions CLOSED -> SYN-SENT
 *   tcpPassiveOpens  transitions LISTEN -> SYN-RCVD
 *   tcpAttemptFails  SYN-SENT/SYN-RCVD -> CLOSED, plus SYN-RCVD -> LISTEN
 *   tcpEstabResets   ESTABLISHED/CLOSE-WAIT -> CLOSED (directly: by a RST either way, or an abort)
 *   tcpInSegs        segments received, including those received in error
 *   tcpOutSegs       segments sent, excluding those containing only retransmitted octets
 *   tcpRetransSegs   segments retransmitted
 *   tcpOutRsts       segments sent containing the RST flag
 *
 * The listing: Recv-Q is data received and not read; Send-Q is data not yet acknowledged (sent or
 * not); for a listener, Recv-Q is its accept queue and Send-Q its backlog (as ss shows them).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, A6, B4, B6, bytesOf, clientServerWire, establish, newStack, seededExchange, simHosts, stackEvents, tcpPacket, Wire } from './helpers.js';
import { decodeTcpPacket, seqAdd, seqGt, seqLt, TcpFlag } from '../../src/wire/index.js';
import { formatConnections, listConnections, staleCloseWait } from '../../src/stack/listing.js';
import type { Stack } from '../../src/stack/stack.js';

/** Count the TCP packets a stack is handed. */
function countInput(stack: Stack): { tcp: number } {
  const n = { tcp: 0 };
  const orig = stack.handlePacket.bind(stack);
  stack.handlePacket = (p: Uint8Array, now: number) => {
    if ((p[0] >>> 4 === 4 ? p[9] : p[6]) === 6) n.tcp++;
    orig(p, now);
  };
  return n;
}

/** What a sender put on the wire: all TCP segments, and those that re-sent sequence space already sent. */
class SentLog {
  segments = 0;
  retransmitted = 0;
  rsts = 0;
  private readonly highest = new Map<string, number>();
  add(p: Uint8Array): void {
    const d = decodeTcpPacket(p);
    if (!d.ok) return;
    this.segments++;
    const t = d.tcp;
    if (t.flags & TcpFlag.RST) this.rsts++;
    const len = d.payloadLength + (t.flags & TcpFlag.SYN ? 1 : 0) + (t.flags & TcpFlag.FIN ? 1 : 0);
    if (len === 0) return;
    const key = `${t.srcPort}>${t.dstPort}`;
    const end = seqAdd(t.seq, len);
    const hi = this.highest.get(key);
    if (hi !== undefined && seqLt(t.seq, hi)) this.retransmitted++;
    if (hi === undefined || seqGt(end, hi)) this.highest.set(key, end);
  }
}

function lossyTransfer(seed: number) {
  const { net, ha, hb, link } = simHosts(seed, [A4], [B4], { delayMs: 5, loss: 0.04 });
  const sentA = new SentLog();
  const sentB = new SentLog();
  link.tap((p, _t, from) => (from === ha ? sentA : sentB).add(p));
  const inA = countInput(ha.stack);
  const inB = countInput(hb.stack);
  const { conn, ...r } = seededExchange(net, ha, hb, { address: B4, port: 80 }, { seed, bytes: 150_000 }, { seed: seed + 1, bytes: 60_000 }, `seed ${seed}`);
  // Both close: the client is the last to receive a FIN here (it half-closed first, after its data).
  r.server.close(net.now);
  conn.close(net.now);
  ha.kick();
  hb.kick();
  net.runFor(5 * 60_000);
  assert.equal([...ha.stack.connections()].length + [...hb.stack.connections()].length, 0, `seed ${seed}: all closed`);
  return { net, ha, hb, sentA, sentB, inA, inB };
}

describe('TCP MIB counters after a lossy transfer', () => {
  const SEED = 1234;

  test('opens, segments in and retransmissions match the wire', () => {
    const { ha, hb, sentA, sentB, inA, inB } = lossyTransfer(SEED);
    const a = ha.stack.counters.tcp;
    const b = hb.stack.counters.tcp;
    assert.deepEqual([a.ActiveOpens, a.PassiveOpens, b.ActiveOpens, b.PassiveOpens], [1, 0, 0, 1], `seed ${SEED}`);
    assert.deepEqual([a.AttemptFails, b.AttemptFails, a.EstabResets, b.EstabResets], [0, 0, 0, 0]);
    assert.ok(sentA.retransmitted > 0, `seed ${SEED}: the loss caused retransmissions`);
    assert.equal(a.RetransSegs, sentA.retransmitted, `seed ${SEED}: client RetransSegs`);
    assert.equal(b.RetransSegs, sentB.retransmitted, `seed ${SEED}: server RetransSegs`);
    assert.equal(a.InSegs, inA.tcp, 'every TCP segment handed to the client');
    assert.equal(b.InSegs, inB.tcp, 'every TCP segment handed to the server');
    assert.equal(a.OutRsts + b.OutRsts, sentA.rsts + sentB.rsts);
    assert.equal(a.OutRsts + b.OutRsts, 0, 'an orderly close sends no RST');
  });

  test('OutSegs excludes segments that only retransmit (RFC 4022 tcpOutSegs)', () => {
    const { ha, hb, sentA, sentB } = lossyTransfer(SEED);
    assert.equal(ha.stack.counters.tcp.OutSegs, sentA.segments - sentA.retransmitted);
    assert.equal(hb.stack.counters.tcp.OutSegs, sentB.segments - sentB.retransmitted);
  });

  test('OutSegs counts every segment of a loss-free exchange, RSTs to strangers included', () => {
    const { a, b, wire } = clientServerWire([1, 2]);
    const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
    c.send(bytesOf('x'.repeat(5000)), wire.now);
    wire.run(wire.now + 100);
    s.read(undefined, wire.now);
    a.connect({ address: B4, port: 81 }, wire.now); // refused: one RST from b's stack itself
    wire.run(wire.now + 100);
    assert.equal(a.counters.tcp.OutSegs, wire.tcpFrom(a).length);
    assert.equal(b.counters.tcp.OutSegs, wire.tcpFrom(b).length);
    assert.equal(a.counters.tcp.InSegs, wire.tcpFrom(b).length);
    assert.equal(b.counters.tcp.InSegs, wire.tcpFrom(a).length);
    assert.equal(b.counters.tcp.OutRsts, 1);
    assert.equal(a.counters.tcp.AttemptFails, 1, 'SYN-SENT -> CLOSED');
    assert.equal(a.counters.tcp.ActiveOpens, 2);
  });
});

describe('resets', () => {
  function pair() {
    const { a, b, wire } = clientServerWire([3, 4]);
    return { a, b, wire, ...establish(wire, a, b, { address: B4, port: 80 }) };
  }

  test('a RST received in ESTABLISHED: EstabResets at the receiver, OutRsts at the sender, ECONNRESET', () => {
    const { a, b, wire, c, s } = pair();
    c.abort(wire.now);
    wire.run(wire.now + 10);
    assert.equal(s.state, 'CLOSED');
    assert.equal(b.counters.tcp.EstabResets, 1);
    assert.equal(a.counters.tcp.OutRsts, 1);
    assert.equal(wire.tcpFrom(a).filter((p) => p.tcp.flags & TcpFlag.RST).length, 1);
    assert.ok(stackEvents(b).some((e) => e.type === 'event' && e.connection === s && e.event.type === 'error' && e.event.code === 'ECONNRESET'));
  });

  test('a RST received in CLOSE-WAIT counts as an EstabReset too', () => {
    const { b, wire, c, s } = pair();
    c.shutdown(wire.now);
    wire.run(wire.now + 10);
    assert.equal(s.state, 'CLOSE-WAIT');
    c.abort(wire.now);
    wire.run(wire.now + 10);
    assert.equal(s.state, 'CLOSED');
    assert.equal(b.counters.tcp.EstabResets, 1);
  });

  test('aborting from ESTABLISHED is a direct transition to CLOSED: EstabResets at the aborting side', () => {
    const { a, wire, c } = pair();
    c.abort(wire.now);
    wire.run(wire.now + 10);
    assert.equal(a.counters.tcp.EstabResets, 1);
  });

  test('a RST that is not at RCV.NXT is challenged, not counted (RFC 5961 §3.2)', () => {
    const { b, wire, c, s } = pair();
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: c.local.port, dport: 80, seq: (s.tcb.rcvNxt + 10) >>> 0, flags: TcpFlag.RST }), wire.now);
    wire.run(wire.now + 10);
    assert.equal(s.state, 'ESTABLISHED');
    assert.equal(b.counters.tcp.EstabResets, 0);
    assert.equal(b.counters.tcp.TCPChallengeACK, 1);
  });
});

describe('listing (ss -tan)', () => {
  test('Recv-Q holds what the application has not read, Send-Q what the peer has not acknowledged; listeners show queue and backlog', () => {
    const a = newStack([A4], 5);
    const b = newStack([B4], 6, { tcp: { receiveBufferSize: 4096 } });
    const wire = new Wire([a, b]);
    wire.latency = 5;
    const l = b.listen(80, { backlog: 7 });
    const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
    // A second connection, left in the accept queue.
    const waiting = a.connect({ address: B4, port: 80 }, wire.now);
    c.send(new Uint8Array(10_000).fill(0x42), wire.now);
    wire.run(wire.now + 5000);
    assert.equal(waiting.state, 'ESTABLISHED');
    const rows = listConnections(b, wire.now);
    const listen = rows.find((r) => r.state === 'LISTEN')!;
    assert.deepEqual([listen.recvQ, listen.sendQ, listen.local, listen.peer], [1, 7, '*:80', '*:*']);
    const srow = rows.find((r) => r.peer === `${A4}:${c.local.port}`)!;
    assert.equal(srow.state, 'ESTABLISHED');
    assert.equal(srow.recvQ, 4096, 'the receive buffer is full and unread');
    assert.equal(srow.sendQ, 0);
    assert.equal(srow.local, `${B4}:80`);
    const crow = listConnections(a, wire.now).find((r) => r.local === `${A4}:${c.local.port}`)!;
    assert.equal(crow.recvQ, 0);
    assert.equal(crow.sendQ, 10_000 - 4096, 'sent and unacknowledged plus not yet sent');
    assert.equal(crow.peer, `${B4}:80`);
    // RTT over a 5 ms each-way wire: 10 ms; RTO is then RTO.min (RFC 6298 §2.4, 200 ms as Linux).
    assert.ok(srow.rttMs! >= 9 && srow.rttMs! <= 12, `rtt ${srow.rttMs}`);
    assert.equal(srow.rtoMs, 200);
    assert.ok(crow.cwnd! >= 1);
    const table = formatConnections(listConnections(b, wire.now));
    const lines = table.split('\n');
    assert.match(lines[0], /^State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port/);
    assert.ok(lines.some((x) => /^LISTEN\s+1\s+7\s+\*:80\s+\*:\*$/.test(x)), table);
    assert.ok(lines.some((x) => new RegExp(`^ESTABLISHED\\s+4096\\s+0\\s+198\\.18\\.0\\.2:80\\s+198\\.18\\.0\\.1:${c.local.port}\\s+rtt:\\d+\\.\\d{3}/\\d+\\.\\d{3} rto:200 cwnd:\\d+ age:`).test(x)), table);
    // Reading empties Recv-Q; the window opens and the rest flows.
    let got = 0;
    for (let i = 0; i < 50 && got < 10_000; i++) {
      for (let d = s.read(undefined, wire.now); d; d = s.read(undefined, wire.now)) got += d.length;
      wire.run(wire.now + 50);
    }
    assert.equal(got, 10_000);
    assert.equal(listConnections(b, wire.now).find((r) => r.peer === `${A4}:${c.local.port}`)!.recvQ, 0);
    assert.equal(listConnections(a, wire.now).find((r) => r.local === `${A4}:${c.local.port}`)!.sendQ, 0);
  });

  test('IPv6 rows are written [address]:port', () => {
    const a = newStack([A6], 7);
    const b = newStack([B6], 8);
    const wire = new Wire([a, b]);
    b.listen(443, { address: B6 });
    const { c } = establish(wire, a, b, { address: B6, port: 443 });
    const table = formatConnections(listConnections(b, wire.now));
    assert.match(table, /LISTEN\s+0\s+511\s+\[2001:db8::2\]:443\s+\*:\*/);
    assert.match(table, new RegExp(`ESTABLISHED\\s+0\\s+0\\s+\\[2001:db8::2\\]:443\\s+\\[2001:db8::1\\]:${c.local.port}`));
  });

  test('staleCloseWait finds the connection whose application never closes after the peer\'s FIN', () => {
    const { a, b, wire } = clientServerWire([9, 10], { latency: 1 });
    const leaky = establish(wire, a, b, { address: B4, port: 80 });
    const tidy = establish(wire, a, b, { address: B4, port: 80 });
    leaky.c.shutdown(wire.now);
    tidy.c.shutdown(wire.now);
    wire.run(wire.now + 10);
    assert.equal(leaky.s.state, 'CLOSE-WAIT');
    const since = wire.now;
    tidy.s.close(wire.now); // the tidy application closes at once
    wire.run(wire.now + 10);
    assert.equal(tidy.s.state, 'CLOSED');
    assert.deepEqual(staleCloseWait(b, wire.now, 60_000), []);
    wire.run(since + 61_000);
    const stale = staleCloseWait(b, wire.now, 60_000);
    assert.equal(stale.length, 1);
    assert.equal(stale[0].peer, `${A4}:${leaky.c.local.port}`);
    assert.ok(stale[0].stateAgeMs >= 61_000 - 1);
    assert.equal(leaky.c.state, 'FIN-WAIT-2', 'the peer waits on it');
    leaky.s.close(wire.now);
    wire.run(wire.now + 10);
    assert.deepEqual(staleCloseWait(b, wire.now, 60_000), []);
  });
});
