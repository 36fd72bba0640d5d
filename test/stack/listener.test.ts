/**
 * Listeners with the two queues Linux keeps: the SYN queue (half-open, SYN-RECEIVED) bounded by the
 * stack's synQueueSize, and the accept queue (established, not yet accepted) bounded by listen's
 * backlog. A final ACK that finds the accept queue full is dropped and counted (ListenOverflows,
 * ListenDrops, as Linux's tcp_check_req / tcp_v4_syn_recv_sock), and the handshake completes on a later
 * retransmission once the application has accepted. Also: closing a listener resets what it holds,
 * EADDRINUSE for overlapping listens, and port 0.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, B6, C4, bytesOf, connEvents, drainOut, FLAGS, newStack, stackEvents, tcpOut, tcpPacket, textOf, Wire } from './helpers.js';
import { TcpError } from '../../src/tcp/tcb.js';

const { SYN, ACK, RST } = FLAGS;

describe('accept queue bounded by backlog', () => {
  test('a full accept queue drops the final ACK (ListenOverflows); the handshake completes once the application accepts', () => {
    const a = newStack([A4], 1, { tcp: { timestamps: true } });
    const b = newStack([B4], 2);
    const wire = new Wire([a, b]);
    wire.latency = 5;
    const l = b.listen(80, { backlog: 1 });
    const first = a.connect({ address: B4, port: 80 }, 0);
    wire.run(100);
    assert.equal(first.state, 'ESTABLISHED');
    assert.equal(l.acceptQueue.length, 1);
    assert.equal(l.acceptQueueFull, true);

    const second = a.connect({ address: B4, port: 80 }, wire.now);
    const t0 = wire.now;
    wire.run(t0 + 20);
    // The client got the SYN-ACK and considers itself connected; the server dropped its ACK.
    assert.equal(second.state, 'ESTABLISHED');
    assert.equal(b.counters.tcp.ListenOverflows, 1);
    assert.equal(b.counters.tcp.ListenDrops, 1);
    assert.equal(l.synQueue.size, 1);
    const half = [...l.synQueue][0];
    assert.equal(half.state, 'SYN-RECEIVED');
    // Data from the client meets the same full queue: dropped too, so it will be retransmitted.
    second.send(bytesOf('hello from the second'), wire.now);
    wire.run(t0 + 500);
    assert.equal(half.state, 'SYN-RECEIVED');
    assert.ok(b.counters.tcp.ListenOverflows >= 2, 'the retransmitted data met the full queue again');
    // The server's SYN-ACK retransmission (initial RTO 1 s) brings another ACK: still full.
    wire.run(t0 + 1100);
    assert.equal(half.state, 'SYN-RECEIVED');
    const overflowsWhileFull = b.counters.tcp.ListenOverflows;
    assert.ok(overflowsWhileFull >= 3);

    // The application accepts the first: room for one.
    const s1 = l.accept();
    assert.equal(s1, [...b.connections()].find((c) => c.remote.port === first.local.port));
    assert.equal(l.acceptQueueFull, false);
    wire.run(t0 + 10_000);
    assert.equal(half.state, 'ESTABLISHED', 'completed by a retransmission after the accept');
    assert.equal(l.synQueue.size, 0);
    const s2 = l.accept();
    assert.equal(s2, half);
    assert.equal(textOf(s2!.read(undefined, wire.now)), 'hello from the second');
    assert.equal(second.state, 'ESTABLISHED');
    assert.equal(b.counters.tcp.ListenOverflows, overflowsWhileFull, 'no overflow once there was room');
    // 'connection' events: one per arrival in the accept queue.
    assert.equal(stackEvents(b).filter((e) => e.type === 'connection').length, 2);
    // Dropped segments were still received: RFC 4022 tcpInSegs counts every one.
    assert.equal(b.counters.tcp.InSegs, wire.tcpFrom(a).length);
  });

  test('backlog N takes N established connections; the N+1th waits in SYN-RECEIVED', () => {
    const a = newStack([A4], 3);
    const b = newStack([B4], 4);
    const wire = new Wire([a, b]);
    wire.latency = 1;
    const l = b.listen(80, { backlog: 3 });
    const conns = Array.from({ length: 5 }, () => a.connect({ address: B4, port: 80 }, 0));
    wire.run(50);
    assert.equal(l.acceptQueue.length, 3);
    assert.equal(l.synQueue.size, 2);
    assert.ok(conns.every((c) => c.state === 'ESTABLISHED'));
    for (const c of l.acceptQueue) assert.equal(c.state, 'ESTABLISHED');
    for (const c of l.synQueue) assert.equal(c.state, 'SYN-RECEIVED');
    assert.equal(b.counters.tcp.ListenOverflows, 2);
    assert.equal(b.counters.tcp.PassiveOpens, 5);
    // Accept everything as it comes: all five complete on retransmissions.
    const accepted: unknown[] = [];
    for (let t = 50; t < 60_000 && accepted.length < 5; t += 100) {
      for (let c = l.accept(); c; c = l.accept()) accepted.push(c);
      wire.run(t);
    }
    assert.equal(accepted.length, 5);
  });
});

describe('SYN queue bounded', () => {
  test("SYNs beyond synQueueSize are dropped (ListenDrops) and not answered (synCookies 'off')", () => {
    const b = newStack([B4], 5, { limits: { synQueueSize: 2 }, synCookies: 'off' });
    const l = b.listen(80);
    for (let i = 0; i < 3; i++) b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000 + i, dport: 80, seq: 1000 * i, flags: SYN }), 0);
    const out = drainOut(b, 0).map(tcpOut);
    assert.deepEqual(
      out.map((p) => [p.tcp.dstPort, p.tcp.flags]),
      [
        [40000, SYN | ACK],
        [40001, SYN | ACK],
      ],
    );
    assert.equal(l.synQueue.size, 2);
    assert.equal(b.counters.tcp.ListenDrops, 1);
    assert.equal(b.counters.tcp.ListenOverflows, 0);
    assert.equal(b.counters.tcp.PassiveOpens, 2);
    assert.equal(b.counters.tcp.InSegs, 3);
    // The dropped client's retransmitted SYN gets in once a slot frees: complete one handshake.
    const synAck = out[0];
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 1, ack: synAck.tcp.seq + 1, flags: ACK }), 1);
    assert.equal(l.synQueue.size, 1);
    assert.equal(l.acceptQueue.length, 1);
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40002, dport: 80, seq: 2000, flags: SYN }), 2);
    assert.equal(drainOut(b, 2).map(tcpOut)[0].tcp.flags, SYN | ACK);
    assert.equal(l.synQueue.size, 2);
  });

  test('half-open connections that never complete leave the SYN queue after the SYN-ACK retries', () => {
    const b = newStack([B4], 6, { tcp: { synAckRetries: 2 } });
    const l = b.listen(80);
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 1, flags: SYN }), 0);
    let now = 0;
    let synAcks = drainOut(b, now).length;
    while (b.pollTimeout() !== undefined) {
      now = b.pollTimeout()!;
      b.handleTimeout(now);
      synAcks += drainOut(b, now).length;
    }
    assert.equal(synAcks, 3, 'the SYN-ACK and two retransmissions');
    assert.equal(l.synQueue.size, 0);
    assert.equal([...b.connections()].length, 0);
    assert.equal(b.counters.tcp.AttemptFails, 1);
    // 1 s + 2 s + 4 s (RFC 6298 backoff from a 1 s initial RTO).
    assert.equal(now, 7000);
  });
});

describe('closing a listener', () => {
  test('resets the connections it holds, half-open and not yet accepted; accepted ones live on', () => {
    const a = newStack([A4], 7);
    const c = newStack([C4], 8);
    const b = newStack([B4], 9);
    const wire = new Wire([a, b, c]);
    wire.latency = 1;
    const l = b.listen(80, { backlog: 2 });
    const kept = a.connect({ address: B4, port: 80 }, 0);
    wire.run(10);
    const keptServer = l.accept()!;
    const queued = [a.connect({ address: B4, port: 80 }, 10), a.connect({ address: B4, port: 80 }, 10)];
    wire.run(20);
    assert.equal(l.acceptQueue.length, 2);
    // A half-open one: its client's ACK never arrives.
    wire.drop = (from, p) => from === c && tcpOut(p).tcp.flags === ACK;
    const halfOpen = c.connect({ address: B4, port: 80 }, 20);
    wire.run(25);
    assert.equal(l.synQueue.size, 1);
    assert.equal(halfOpen.state, 'ESTABLISHED');
    wire.drop = () => false;

    const since = wire.now;
    b.closeListener(l, wire.now);
    wire.run(wire.now + 10);
    const rsts = wire.tcpFrom(b, since).filter((p) => p.tcp.flags & RST);
    assert.equal(rsts.length, 3);
    for (const x of [...queued, halfOpen]) assert.equal(x.state, 'CLOSED');
    const aEvents = stackEvents(a);
    for (const q of queued) assert.ok(connEvents(aEvents, q).some((e) => e.type === 'error' && e.code === 'ECONNRESET'));
    assert.ok(connEvents(stackEvents(c), halfOpen).some((e) => e.type === 'error' && e.code === 'ECONNRESET'));
    assert.equal(kept.state, 'ESTABLISHED');
    assert.equal(keptServer.state, 'ESTABLISHED');
    assert.equal([...b.connections()].length, 1);
    assert.equal([...b.listenersList()].length, 0);
    // The port is free again; a new SYN to it is reset.
    const late = a.connect({ address: B4, port: 80 }, wire.now);
    wire.run(wire.now + 10);
    assert.equal(late.state, 'CLOSED');
    b.listen(80);
  });
});

describe('listen: addresses and ports', () => {
  const expectInUse = (fn: () => unknown) =>
    assert.throws(fn, (e: unknown) => e instanceof TcpError && e.code === 'EADDRINUSE');

  test('the same port twice: EADDRINUSE (wildcard/wildcard, specific/specific, wildcard/specific both ways)', () => {
    const b = newStack([B4, C4, B6], 10);
    b.listen(80);
    expectInUse(() => b.listen(80));
    expectInUse(() => b.listen(80, { address: B4 }));
    expectInUse(() => b.listen(80, { address: B6 }));
    b.listen(81, { address: B4 });
    expectInUse(() => b.listen(81, { address: B4 }));
    expectInUse(() => b.listen(81));
    // Another specific address on the same port is a different socket.
    const other = b.listen(81, { address: C4 });
    assert.equal(other.port, 81);
  });

  test('a specific-address listener takes only its address; the wildcard takes the rest', () => {
    const b = newStack([B4, C4], 11);
    const specific = b.listen(80, { address: C4 });
    b.handlePacket(tcpPacket({ src: A4, dst: C4, sport: 40000, dport: 80, seq: 1, flags: SYN }), 0);
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40001, dport: 80, seq: 1, flags: SYN }), 0);
    const out = drainOut(b, 0).map(tcpOut);
    const byPort = new Map(out.map((p) => [p.tcp.dstPort, p.tcp.flags]));
    assert.equal(byPort.get(40000), SYN | ACK);
    assert.equal(byPort.get(40001), RST | ACK, 'no listener at 198.18.0.2:80');
    assert.equal(specific.synQueue.size, 1);
  });

  test('listen on an address that is not the stack\'s: EINVAL', () => {
    const b = newStack([B4], 12);
    assert.throws(() => b.listen(80, { address: C4 }), (e: unknown) => e instanceof TcpError && e.code === 'EINVAL');
  });

  test('port 0 gives an ephemeral port, distinct each time, that then answers SYNs', () => {
    const b = newStack([B4], 13);
    const ports = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const l = b.listen(0);
      assert.ok(l.port >= 49152 && l.port <= 65535, `port ${l.port}`);
      ports.add(l.port);
    }
    assert.equal(ports.size, 20);
    const p = [...ports][7];
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: p, seq: 1, flags: SYN }), 0);
    assert.equal(drainOut(b, 0).map(tcpOut)[0].tcp.flags, SYN | ACK);
  });

  test('default backlog is 511 (Node\'s), as the listing shows', () => {
    const b = newStack([B4], 14);
    assert.equal(b.listen(80).backlog, 511);
  });
});

describe("a listener's own settings (Listener.tcp): the connections it makes take them", () => {
  // RFC 9293 §3.7.1: the MSS option says the largest segment we will receive; the send MSS is the
  // smaller of the peer's option and our own (Linux's TCP_MAXSEG on a listening socket clamps both).
  for (const synCookies of ['off', 'always'] as const) {
    test(`mss 1100 on the listener: the SYN-ACK announces 1100, and a peer announcing 1300 gets segments of 1100 (synCookies ${synCookies})`, () => {
      const b = newStack([B4], 7, { synCookies, tcp: { timestamps: false, sack: false, windowScaling: false } });
      const l = b.listen(80);
      l.tcp = { mss: 1100 };
      b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 5000, dport: 80, seq: 100, flags: SYN, options: { mss: 1300 } }), 0);
      const [synAck] = drainOut(b, 0).map(tcpOut);
      assert.equal(synAck.tcp.flags, SYN | ACK);
      assert.equal(synAck.tcp.options.mss, 1100);
      b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 5000, dport: 80, seq: 101, ack: (synAck.tcp.seq + 1) >>> 0, flags: ACK }), 1);
      const conn = l.accept();
      assert.ok(conn, 'established');
      assert.equal(conn.tcb.sendMss, 1100);
      conn.send(new Uint8Array(2200), 2);
      const sizes = drainOut(b, 2).map((p) => tcpOut(p).payloadLength);
      assert.deepEqual(sizes, [1100, 1100]);
    });
  }

  test('without Listener.tcp the stack\'s MSS (1460 for an MTU of 1500) is announced', () => {
    const b = newStack([B4], 8);
    b.listen(80);
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 5000, dport: 80, seq: 100, flags: SYN, options: { mss: 1300 } }), 0);
    assert.equal(drainOut(b, 0).map(tcpOut)[0].tcp.options.mss, 1460);
  });
});
