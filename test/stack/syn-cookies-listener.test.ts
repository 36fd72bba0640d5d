/**
 * SYN cookies at the listener (RFC 4987 §3.6, Linux's behaviour): a SYN queue full of spoofed
 * half-open connections no longer keeps a legitimate client out ('on-overflow', the default), a
 * cookie SYN-ACK keeps no state, the final ACK is validated and becomes an ESTABLISHED connection
 * with the MSS, window scale, SACK and timestamps the SYN asked for (the last three only when
 * timestamps carried them), and anything else is counted as SyncookiesFailed and reset. In virtual
 * time over the test wire.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, addr, bytesOf, drainOut, FLAGS, newStack, tcpOut, tcpPacket, textOf, Wire } from './helpers.js';
import type { Stack } from '../../src/stack/stack.js';
import type { Connection } from '../../src/stack/connection.js';
import type { Listener } from '../../src/stack/listener.js';
import { applySysctl, defaultHostSettings } from '../../src/packetdrill/sysctl.js';

const { SYN, ACK, RST, FIN, ECE, CWR } = FLAGS;

/** `n` SYNs from spoofed addresses (10.0.x.y, routed nowhere): they fill the SYN queue and stay. */
function flood(wire: Wire, server: Stack, port: number, n: number, first = 0): void {
  for (let i = first; i < first + n; i++) {
    wire.inject(tcpPacket({ src: addr(`10.0.${i >> 8}.${i & 255}`), dst: B4, sport: 1024 + (i % 60000), dport: port, seq: i * 7919, flags: SYN, options: { mss: 1460 } }), server);
  }
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Send `up` from the client and `down` from the server; return what each side read. */
function transfer(wire: Wire, c: Connection, s: Connection, up: Uint8Array, down: Uint8Array): { gotUp: Uint8Array; gotDown: Uint8Array } {
  const gotUp: number[] = [];
  const gotDown: number[] = [];
  let sentUp = 0;
  let sentDown = 0;
  for (let i = 0; i < 10_000 && (gotUp.length < up.length || gotDown.length < down.length); i++) {
    if (sentUp < up.length) sentUp += c.send(up.subarray(sentUp), wire.now);
    if (sentDown < down.length) sentDown += s.send(down.subarray(sentDown), wire.now);
    for (let d = s.read(undefined, wire.now); d; d = s.read(undefined, wire.now)) gotUp.push(...d);
    for (let d = c.read(undefined, wire.now); d; d = c.read(undefined, wire.now)) gotDown.push(...d);
    wire.run(wire.now + 10);
  }
  return { gotUp: Uint8Array.from(gotUp), gotDown: Uint8Array.from(gotDown) };
}

/** The SYN-ACKs the server sent to `client`. */
function synAcksTo(wire: Wire, server: Stack, clientPort: number) {
  return wire.tcpFrom(server).filter((p) => p.tcp.dstPort === clientPort && (p.tcp.flags & (SYN | ACK)) === (SYN | ACK));
}

function setup(seed: number, serverOpts: Parameters<typeof newStack>[2], clientTcp: Record<string, unknown> = {}) {
  const a = newStack([A4], seed, { tcp: clientTcp });
  const b = newStack([B4], seed + 1000, serverOpts);
  const wire = new Wire([a, b]);
  wire.latency = 5;
  return { a, b, wire };
}

describe("'on-overflow' (the default): a full SYN queue does not keep a legitimate client out", () => {
  test('with timestamps: connects through a cookie, with the MSS, window scale, SACK and timestamps it asked for; data byte-exact', () => {
    const { a, b, wire } = setup(1, { limits: { synQueueSize: 4 } });
    assert.equal(b.synCookies, 'on-overflow');
    const l = b.listen(80);
    flood(wire, b, 80, 50);
    wire.run(wire.now + wire.latency);
    assert.equal(l.synQueue.size, 4, 'spoofed SYNs fill the SYN queue');
    const sent0 = b.counters.tcp.SyncookiesSent;
    assert.equal(sent0, 46, 'the rest were answered with cookies');
    const connsBefore = [...b.connections()].length;

    const c = a.connect({ address: B4, port: 80 }, wire.now);
    wire.run(wire.now + 100);
    assert.equal(c.state, 'ESTABLISHED');
    const s = l.accept();
    assert.ok(s, 'accepted through a cookie');
    assert.equal(s.state, 'ESTABLISHED');
    assert.equal(b.counters.tcp.SyncookiesSent, sent0 + 1);
    assert.equal(b.counters.tcp.SyncookiesRecv, 1);
    assert.equal(b.counters.tcp.SyncookiesFailed, 0);
    assert.equal(l.synQueue.size, 4, 'the cookie handshake took no SYN-queue slot');
    assert.equal([...b.connections()].length, connsBefore + 1);

    // The SYN-ACK: ISN is the cookie, our MSS, window scale and SACK offered, TSval carrying the client's options.
    const [sa] = synAcksTo(wire, b, c.local.port);
    assert.equal(sa.tcp.options.mss, 1460);
    assert.equal(sa.tcp.options.wscale, s.tcb.rcvShift);
    assert.equal(sa.tcp.options.sackPermitted, true);
    assert.ok(sa.tcp.options.timestamp);
    assert.equal(sa.tcp.options.timestamp.value & 0x0f, c.tcb.rcvShift, "TSval's low bits: the client's shift");
    assert.equal(sa.tcp.options.timestamp.value & 0x10, 0x10, 'SACK-permitted bit');
    assert.equal(s.tcb.iss, sa.tcp.seq);
    assert.equal(s.tcb.irs, c.tcb.iss);

    // What the server's connection negotiated.
    assert.equal(s.tcb.peerMss, 1460, 'the MSS the cookie granted');
    assert.equal(s.tcb.windowScaling, true);
    assert.equal(s.tcb.sndShift, c.tcb.rcvShift);
    assert.equal(s.tcb.sackPermitted, true);
    assert.equal(s.tcb.timestamps, true);
    assert.equal(c.tcb.windowScaling && c.tcb.sackPermitted && c.tcb.timestamps, true);

    const up = pattern(300_000, 1);
    const down = pattern(200_000, 2);
    const got = transfer(wire, c, s, up, down);
    assert.deepEqual(got.gotUp, up);
    assert.deepEqual(got.gotDown, down);
  });

  test('without timestamps: no window scaling and no SACK (nothing could carry them back); the MSS from the table', () => {
    // Client MTU 1400: MSS 1360, granted 1300 (the largest table entry not above it).
    const { a, b, wire } = setup(2, { limits: { synQueueSize: 2 } }, { timestamps: false, mtu: 1400 });
    const l = b.listen(80);
    flood(wire, b, 80, 5);
    wire.run(wire.now + wire.latency);
    const c = a.connect({ address: B4, port: 80 }, wire.now);
    wire.run(wire.now + 100);
    assert.equal(c.state, 'ESTABLISHED');
    const s = l.accept();
    assert.ok(s);
    assert.equal(b.counters.tcp.SyncookiesRecv, 1);
    const [sa] = synAcksTo(wire, b, c.local.port);
    assert.equal(sa.tcp.options.wscale, undefined);
    assert.equal(sa.tcp.options.sackPermitted, undefined);
    assert.equal(sa.tcp.options.timestamp, undefined);
    assert.equal(sa.tcp.options.mss, 1460);
    assert.equal(s.tcb.peerMss, 1300);
    assert.equal(s.tcb.windowScaling, false);
    assert.equal(s.tcb.sackPermitted, false);
    assert.equal(s.tcb.timestamps, false);
    assert.equal(c.tcb.windowScaling, false);
    assert.equal(c.tcb.sackPermitted, false);
    const up = pattern(100_000, 3);
    const down = pattern(50_000, 4);
    const got = transfer(wire, c, s, up, down);
    assert.deepEqual(got.gotUp, up);
    assert.deepEqual(got.gotDown, down);
    // Segments from the server never exceed the granted MSS.
    for (const p of wire.tcpFrom(b)) if (p.tcp.dstPort === c.local.port) assert.ok(p.payloadLength <= 1300);
  });

  test('a queue with room: normal handshakes, no cookies', () => {
    const { a, b, wire } = setup(3, {});
    const l = b.listen(80);
    const c = a.connect({ address: B4, port: 80 }, 0);
    wire.run(100);
    assert.equal(c.state, 'ESTABLISHED');
    assert.ok(l.accept());
    assert.equal(b.counters.tcp.SyncookiesSent, 0);
    assert.equal(b.counters.tcp.SyncookiesRecv, 0);
  });
});

describe("'off': the notes' point", () => {
  test('the legitimate client fails to connect (ETIMEDOUT after its SYN retries) while spoofed SYNs hold the SYN queue', () => {
    const { a, b, wire } = setup(4, { limits: { synQueueSize: 4 }, synCookies: 'off' }, { synRetries: 2 });
    const l = b.listen(80);
    flood(wire, b, 80, 50);
    wire.run(wire.now + wire.latency);
    assert.equal(l.synQueue.size, 4);
    const c = a.connect({ address: B4, port: 80 }, wire.now);
    // Its SYN and both retransmissions (at 1 s and 3 s; it gives up at 7 s) meet the full queue; the SYN-ACK retries of the
    // spoofed entries (1 s, 2 s, 4 s, ...) keep them there all the while.
    wire.run(wire.now + 8000);
    assert.equal(c.state, 'CLOSED');
    assert.equal(l.accept(), undefined);
    assert.equal(b.counters.tcp.SyncookiesSent, 0);
    assert.equal(b.counters.tcp.SyncookiesRecv, 0);
    assert.ok(b.counters.tcp.ListenDrops >= 46 + 3);
    assert.equal(synAcksTo(wire, b, c.local.port).length, 0);
  });
});

describe("'always'", () => {
  test('every connection goes through a cookie: no SYN-queue entry is ever made', () => {
    const { a, b, wire } = setup(5, { synCookies: 'always' });
    const l = b.listen(80);
    const clients = Array.from({ length: 8 }, (_, i) => a.connect({ address: B4, port: 80 }, i));
    let maxSynQueue = 0;
    let sawSynReceived = false;
    for (let t = 0; t < 200; t++) {
      wire.run(t);
      maxSynQueue = Math.max(maxSynQueue, l.synQueue.size);
      for (const x of b.connections()) if (x.state === 'SYN-RECEIVED') sawSynReceived = true;
    }
    assert.equal(maxSynQueue, 0);
    assert.equal(sawSynReceived, false);
    assert.ok(clients.every((c) => c.state === 'ESTABLISHED'));
    assert.equal(b.counters.tcp.SyncookiesSent, 8);
    assert.equal(b.counters.tcp.SyncookiesRecv, 8);
    assert.equal(b.counters.tcp.PassiveOpens, 8);
    const accepted: Connection[] = [];
    for (let s = l.accept(); s; s = l.accept()) accepted.push(s);
    assert.equal(accepted.length, 8);
    const got = transfer(wire, clients[3], accepted.find((s) => s.remote.port === clients[3].local.port)!, bytesOf('through a cookie'), bytesOf('and back'));
    assert.equal(textOf(got.gotUp), 'through a cookie');
    assert.equal(textOf(got.gotDown), 'and back');
  });
});

/** A scripted client: a SYN to an 'always' listener, and the cookie SYN-ACK's fields. */
function cookieSyn(b: Stack, now: number, sport = 40000, seq = 1000, withTs = true) {
  b.handlePacket(tcpPacket({ src: A4, dst: B4, sport, dport: 80, seq, flags: SYN, options: withTs ? { mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 5000, echo: 0 } } : { mss: 1460 } }), now);
  const out = drainOut(b, now).map(tcpOut);
  assert.equal(out.length, 1);
  assert.equal(out[0].tcp.flags, SYN | ACK);
  return out[0].tcp;
}

describe('the final ACK', () => {
  const ackFor = (sport: number, seq: number, ack: number, tsecr: number | undefined, extra: { flags?: number; payload?: Uint8Array } = {}) =>
    tcpPacket({
      src: A4, dst: B4, sport, dport: 80, seq, ack, flags: ACK | (extra.flags ?? 0), window: 1000, payload: extra.payload,
      options: tsecr === undefined ? {} : { timestamp: { value: 5001, echo: tsecr } },
    });

  test('forged, wrong 4-tuple, expired: SyncookiesFailed and a RST <SEQ=SEG.ACK>; a genuine one connects with its data and FIN', () => {
    const b = newStack([B4], 6, { synCookies: 'always' });
    const l = b.listen(80);
    const sa = cookieSyn(b, 0);
    assert.equal([...b.connections()].length, 0, 'no state for the SYN');
    assert.equal(b.pollTimeout(), undefined, 'no timer either');
    const tsecr = sa.options.timestamp!.value;
    const expectRst = (bytes: Uint8Array, now: number, failed: number) => {
      b.handlePacket(bytes, now);
      const out = drainOut(b, now).map(tcpOut);
      assert.equal(out.length, 1);
      assert.equal(out[0].tcp.flags, RST);
      assert.equal(out[0].tcp.seq, tcpOut(bytes).tcp.ack);
      assert.equal(b.counters.tcp.SyncookiesFailed, failed);
      assert.equal(l.acceptQueue.length, 0);
    };
    expectRst(ackFor(40000, 1001, (sa.seq + 1 + 0x12345) >>> 0, tsecr), 10, 1); // forged
    expectRst(ackFor(40001, 1001, (sa.seq + 1) >>> 0, tsecr), 10, 2); // another source port
    expectRst(ackFor(40000, 1002, (sa.seq + 1) >>> 0, tsecr), 10, 3); // another client ISN
    expectRst(ackFor(40000, 1001, (sa.seq + 1) >>> 0, tsecr), 3 * 64_000, 4); // expired
    assert.equal(b.counters.tcp.SyncookiesRecv, 0);

    // A fresh cookie, and its ACK carrying data and FIN.
    const sa2 = cookieSyn(b, 3 * 64_000 + 1, 40000, 7000);
    b.handlePacket(ackFor(40000, 7001, (sa2.seq + 1) >>> 0, sa2.options.timestamp!.value, { flags: FIN, payload: bytesOf('hello') }), 3 * 64_000 + 2);
    assert.equal(b.counters.tcp.SyncookiesRecv, 1);
    const s = l.accept();
    assert.ok(s);
    assert.equal(s.state, 'CLOSE-WAIT', 'its FIN was processed');
    assert.equal(textOf(s.read(undefined, 3 * 64_000 + 2)), 'hello');
    assert.equal(s.tcb.peerMss, 1460);
    assert.equal(s.tcb.sndShift, 7);
    assert.equal(s.tcb.sndWnd, 1000 << 7, "SND.WND from the ACK's window, scaled");
    assert.equal(s.tcb.sackPermitted, true);
    assert.equal(s.tcb.timestamps, true);
    const out = drainOut(b, 3 * 64_000 + 2).map(tcpOut);
    assert.ok(out.some((p) => p.tcp.flags & ACK && p.tcp.ack === 7001 + 5 + 1), 'data and FIN acknowledged');
  });

  test('an ACK without TSopt: timestamps, window scaling and SACK off, whatever the SYN offered', () => {
    const b = newStack([B4], 7, { synCookies: 'always' });
    const l = b.listen(80);
    const sa = cookieSyn(b, 0);
    b.handlePacket(ackFor(40000, 1001, (sa.seq + 1) >>> 0, undefined), 5);
    const s = l.accept();
    assert.ok(s);
    assert.equal(s.tcb.timestamps, false);
    assert.equal(s.tcb.windowScaling, false);
    assert.equal(s.tcb.sackPermitted, false);
  });

  test('a TSecr claiming an option we do not offer fails', () => {
    const b = newStack([B4], 8, { synCookies: 'always', tcp: { sack: false } });
    b.listen(80);
    const sa = cookieSyn(b, 0);
    assert.equal(sa.options.sackPermitted, undefined);
    b.handlePacket(ackFor(40000, 1001, (sa.seq + 1) >>> 0, (sa.options.timestamp!.value | 0x10) >>> 0), 5);
    assert.equal(b.counters.tcp.SyncookiesFailed, 1);
    assert.equal(drainOut(b, 5).map(tcpOut)[0].tcp.flags, RST);
  });

  test("'on-overflow' with no cookie sent lately: a stray ACK is reset without a cookie check", () => {
    const b = newStack([B4], 9);
    b.listen(80);
    b.handlePacket(ackFor(40000, 1, 12345, undefined), 0);
    assert.equal(b.counters.tcp.SyncookiesFailed, 0);
    assert.equal(drainOut(b, 0).map(tcpOut)[0].tcp.flags, RST);
  });

  test('ECN: an ECN-setup SYN gets an ECN-setup SYN-ACK, and ECN comes back through the timestamp', () => {
    const b = newStack([B4], 10, { synCookies: 'always', tcp: { ecn: 'passive' } });
    const l = b.listen(80);
    b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 1000, flags: SYN | ECE | CWR, options: { mss: 1460, timestamp: { value: 1, echo: 0 } } }), 0);
    const [sa] = drainOut(b, 0).map(tcpOut);
    assert.equal(sa.tcp.flags, SYN | ACK | ECE);
    b.handlePacket(ackFor(40000, 1001, (sa.tcp.seq + 1) >>> 0, sa.tcp.options.timestamp!.value), 1);
    assert.equal(l.accept()!.tcb.ecnEnabled, true);
  });

  test('secrets rotate from `now`: a cookie made just before a rotation still validates after it', () => {
    const b = newStack([B4], 11, { synCookies: 'always' });
    const l = b.listen(80);
    cookieSyn(b, 0, 40010, 1); // first use: secrets drawn at t = 0
    const sa = cookieSyn(b, 127_999, 40000, 1000);
    // The ACK at t = 128 s rotates (2 periods of 64 s since t = 0) before it is checked.
    b.handlePacket(ackFor(40000, 1001, (sa.seq + 1) >>> 0, sa.options.timestamp!.value), 128_001);
    assert.equal(b.counters.tcp.SyncookiesRecv, 1);
    assert.ok(l.accept());
  });
});

describe('accept-queue overflow with a cookie', () => {
  test('the final ACK is dropped (ListenOverflows); the retransmission connects once the application accepts', () => {
    const b = newStack([B4], 12, { synCookies: 'always' });
    const l: Listener = b.listen(80, { backlog: 1 });
    const ack = (sport: number, sa: ReturnType<typeof cookieSyn>, seq: number) =>
      tcpPacket({ src: A4, dst: B4, sport, dport: 80, seq: seq + 1, ack: (sa.seq + 1) >>> 0, flags: ACK, options: { timestamp: { value: 5001, echo: sa.options.timestamp!.value } } });
    const first = cookieSyn(b, 0, 40000, 1000);
    b.handlePacket(ack(40000, first, 1000), 1);
    assert.equal(l.acceptQueue.length, 1);

    const second = cookieSyn(b, 2, 40001, 5000);
    const final = ack(40001, second, 5000);
    b.handlePacket(final, 3);
    assert.equal(b.counters.tcp.ListenOverflows, 1);
    assert.equal(b.counters.tcp.ListenDrops, 1);
    assert.equal(l.acceptQueue.length, 1);
    assert.equal([...b.connections()].length, 1, 'nothing kept for the dropped ACK');
    assert.deepEqual(drainOut(b, 3), [], 'dropped silently, no RST');
    b.handlePacket(final, 500);
    assert.equal(b.counters.tcp.ListenOverflows, 2);

    assert.ok(l.accept());
    b.handlePacket(final, 1000);
    const s = l.accept();
    assert.ok(s, 'the retransmitted ACK connects');
    assert.equal(s.remote.port, 40001);
    assert.equal(s.state, 'ESTABLISHED');
    assert.equal(b.counters.tcp.SyncookiesRecv, 4);
    assert.equal(b.counters.tcp.ListenOverflows, 2);
  });

  test('end to end: the client\'s data, retransmitted until the application accepts, arrives intact', () => {
    const { a, b, wire } = setup(13, { synCookies: 'always' });
    const l = b.listen(80, { backlog: 1 });
    const c1 = a.connect({ address: B4, port: 80 }, 0);
    wire.run(50);
    assert.equal(c1.state, 'ESTABLISHED');
    const c2 = a.connect({ address: B4, port: 80 }, wire.now);
    wire.run(wire.now + 50);
    assert.equal(c2.state, 'ESTABLISHED', 'the client thinks it is connected');
    assert.equal(b.counters.tcp.ListenOverflows, 1);
    c2.send(bytesOf('hello after an overflow'), wire.now);
    wire.run(wire.now + 1500);
    assert.ok(b.counters.tcp.ListenOverflows >= 2, 'the data met the full queue too');
    assert.ok(l.accept());
    wire.run(wire.now + 5000);
    const s2 = l.accept();
    assert.ok(s2);
    assert.equal(textOf(s2.read(undefined, wire.now)), 'hello after an overflow');
  });
});

describe('packetdrill sysctls', () => {
  test('syncookies / syncookies_only map onto the synCookies option', () => {
    const mode = (pairs: Array<[string, string]>) => {
      const h = defaultHostSettings();
      for (const [k, v] of pairs) assert.equal(applySysctl(`net.inet.tcp.${k}`, v, h), undefined);
      return h.stack.synCookies;
    };
    assert.equal(mode([['syncookies_only', '0'], ['syncookies', '1']]), 'on-overflow');
    assert.equal(mode([['syncookies', '0']]), 'off');
    assert.equal(mode([['syncookies', '1'], ['syncookies_only', '1']]), 'always');
    assert.equal(mode([['syncookies_only', '1'], ['syncookies', '0']]), 'always');
  });
});
