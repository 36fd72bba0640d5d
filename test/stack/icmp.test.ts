/**
 * ICMP and ICMPv6 at the stack:
 * - echo (RFC 792; RFC 4443 §4.2): the reply carries the request's identifier, sequence number and
 *   data, from the address the request was sent to; ICMPv6's checksum covers a pseudo-header (§2.3);
 * - destination unreachable for a connection in SYN-SENT: port (and protocol) unreachable are hard
 *   errors (RFC 1122 §4.2.3.9): the connection fails with ECONNREFUSED; but only when the quoted
 *   sequence number is one in flight, SND.UNA <= SEG.SEQ < SND.NXT (RFC 5927 §4.1), else the message
 *   is ignored and counted;
 * - soft errors (network/host unreachable, time exceeded) never kill a connection (RFC 1122
 *   §4.2.3.9), nor do hard errors once it is synchronized (RFC 5927 §5.2);
 * - packet too big (RFC 1191 "fragmentation needed" with the next-hop MTU; RFC 4443 §3.2 / RFC 8201)
 *   lowers the path MTU so later segments fit and the transfer completes; an MTU below the protocol's
 *   minimum (68, RFC 791; 1280, RFC 8200 §5) is clamped to it, and one at or above the current path
 *   MTU is ignored (RFC 8201 §4: never raised by a PTB).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  A4,
  A6,
  B4,
  B6,
  bytesOf,
  drainOut,
  establish,
  icmpErrorFor,
  icmpOut,
  newStack,
  seededExchange,
  simHosts,
  stackEvents,
  tcpOut,
  textOf,
  Wire,
  addr,
} from './helpers.js';
import { encodeIcmpPacket, ipToString } from '../../src/wire/index.js';
import { put32 } from '../../src/wire/bytes.js';
import type { Stack } from '../../src/stack/stack.js';

describe('echo', () => {
  for (const v of [4, 6] as const) {
    test(`IPv${v}: echo request -> echo reply with identifier, sequence and data`, () => {
      const me = v === 4 ? B4 : B6;
      const peer = v === 4 ? A4 : A6;
      const b = newStack([B4, B6], 1);
      const data = bytesOf('an odd number of bytes: 37 of them!!!'); // odd length: the checksum pads
      assert.equal(data.length % 2, 1);
      const req = encodeIcmpPacket({ src: addr(peer), dst: addr(me), type: v === 4 ? 8 : 128, code: 0, rest: ((0xbeef << 16) | 0x0102) >>> 0, body: data });
      b.handlePacket(req, 0);
      const out = drainOut(b, 0);
      assert.equal(out.length, 1);
      const { ipp, m, body } = icmpOut(out[0]);
      assert.equal(ipp.ip.version, v);
      assert.equal(ipToString(ipp.ip.src), ipToString(addr(me)));
      assert.equal(ipToString(ipp.ip.dst), ipToString(addr(peer)));
      assert.equal(m.type, v === 4 ? 0 : 129);
      assert.equal(m.code, 0);
      assert.equal(m.identifier, 0xbeef);
      assert.equal(m.sequence, 0x0102);
      assert.deepEqual(body, data);
      const c = b.counters.icmp;
      assert.deepEqual([c.InMsgs, c.InEchos, c.OutEchoReps, c.OutMsgs, c.InErrors], [1, 1, 1, 1, 0]);
    });
  }

  test('an echo request with a bad checksum is counted (InCsumErrors) and not answered', () => {
    const b = newStack([B4, B6], 2);
    for (const [src, dst, type] of [
      [A4, B4, 8],
      [A6, B6, 128],
    ] as const) {
      const req = encodeIcmpPacket({ src: addr(src), dst: addr(dst), type, code: 0, rest: 1, body: bytesOf('x') });
      req[req.length - 1] ^= 0x40;
      b.handlePacket(req, 0);
    }
    assert.equal(drainOut(b, 0).length, 0);
    assert.equal(b.counters.icmp.InCsumErrors, 2);
    assert.equal(b.counters.icmp.InErrors, 2);
  });

  test('an ICMPv6 echo whose checksum would be right without the pseudo-header is rejected', () => {
    const b = newStack([B6], 3);
    const req = encodeIcmpPacket({ src: addr(A6), dst: addr(B6), type: 128, code: 0, rest: 1, body: bytesOf('ping') });
    // Recompute the checksum the ICMPv4 way (no pseudo-header).
    req[42] = req[43] = 0;
    let s = 0;
    for (let i = 40; i < req.length; i += 2) s += (req[i] << 8) | (req[i + 1] ?? 0);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    const c = ~s & 0xffff;
    req[42] = c >>> 8;
    req[43] = c & 0xff;
    b.handlePacket(req, 0);
    assert.equal(drainOut(b, 0).length, 0);
    assert.equal(b.counters.icmp.InCsumErrors, 1);
  });
});

/** A client in SYN-SENT toward a peer that never answers, with its SYN in hand. */
function synSent(v: 4 | 6) {
  const a = newStack([A4, A6], 10);
  const conn = a.connect({ address: v === 4 ? B4 : B6, port: 80 }, 0);
  const [syn] = drainOut(a, 0);
  assert.equal(tcpOut(syn).tcp.seq, conn.tcb.iss);
  return { a, conn, syn };
}

/** The offending packet with its TCP sequence number replaced (the quote's seq is what RFC 5927 checks). */
function withSeq(p: Uint8Array, seq: number): Uint8Array {
  const q = p.slice();
  put32(q, (q[0] >>> 4 === 4 ? (q[0] & 15) * 4 : 40) + 4, seq >>> 0);
  return q;
}

function errorsOf(a: Stack) {
  return stackEvents(a).flatMap((e) => (e.type === 'event' && e.event.type === 'error' ? [e.event.code] : []));
}

describe('destination unreachable in SYN-SENT', () => {
  const hard: Array<[string, 4 | 6, number, number]> = [
    ['ICMPv4 port unreachable (3/3)', 4, 3, 3],
    ['ICMPv4 protocol unreachable (3/2)', 4, 3, 2],
    ['ICMPv6 port unreachable (1/4)', 6, 1, 4],
  ];
  for (const [name, v, type, code] of hard) {
    test(`${name}: the connection fails with ECONNREFUSED`, () => {
      const { a, conn, syn } = synSent(v);
      a.handlePacket(icmpErrorFor(syn, v === 4 ? B4 : B6, type, code), 5);
      assert.equal(conn.state, 'CLOSED');
      assert.deepEqual(errorsOf(a), ['ECONNREFUSED']);
      assert.equal(a.counters.tcp.AttemptFails, 1);
      assert.equal(a.counters.icmp.InErrorsIgnored, 0);
      assert.equal(drainOut(a, 5).length, 0, 'nothing sent: the peer is not there');
      assert.equal([...a.connections()].length, 0);
    });

    test(`${name} quoting a sequence number outside [SND.UNA, SND.NXT): ignored and counted (RFC 5927 §4.1)`, () => {
      const { a, conn, syn } = synSent(v);
      for (const seq of [conn.tcb.iss + 1, conn.tcb.iss + 1000, conn.tcb.iss - 1, conn.tcb.iss + 2 ** 31]) {
        a.handlePacket(icmpErrorFor(withSeq(syn, seq), v === 4 ? B4 : B6, type, code), 5);
      }
      assert.equal(conn.state, 'SYN-SENT');
      assert.equal(a.counters.icmp.InErrorsIgnored, 4);
      assert.deepEqual(errorsOf(a), []);
      // The SYN is still retransmitted on schedule, and an in-window quote still works.
      a.handleTimeout(1000);
      assert.equal(tcpOut(drainOut(a, 1000)[0]).tcp.seq, conn.tcb.iss);
      a.handlePacket(icmpErrorFor(syn, v === 4 ? B4 : B6, type, code), 1001);
      assert.equal(conn.state, 'CLOSED');
    });
  }

  test('an error quoting a 4-tuple with no connection, or a packet we did not send, is ignored', () => {
    const { a, conn, syn } = synSent(4);
    const otherPort = syn.slice();
    otherPort[20] ^= 0x01; // source port
    a.handlePacket(icmpErrorFor(otherPort, B4, 3, 3), 5);
    const notOurs = syn.slice();
    notOurs.set([198, 18, 0, 77], 12); // the quoted source is not one of our addresses
    a.handlePacket(encodeIcmpPacket({ src: addr(B4), dst: addr(A4), type: 3, code: 3, rest: 0, body: notOurs.subarray(0, 28) }), 5);
    assert.equal(conn.state, 'SYN-SENT');
    assert.equal(a.counters.icmp.InErrorsIgnored, 2);
  });

  test('soft errors (network, host unreachable; time exceeded) do not end SYN-SENT', () => {
    const { a, conn, syn } = synSent(4);
    a.handlePacket(icmpErrorFor(syn, '198.18.9.1', 3, 0), 5);
    a.handlePacket(icmpErrorFor(syn, '198.18.9.1', 3, 1), 5);
    a.handlePacket(icmpErrorFor(syn, '198.18.9.1', 11, 0), 5);
    assert.equal(conn.state, 'SYN-SENT');
    assert.deepEqual(errorsOf(a), []);
    assert.ok(conn.tcb.rare.softError, 'remembered, to be told with a later timeout');
  });
});

describe('errors in ESTABLISHED', () => {
  for (const v of [4, 6] as const) {
    test(`IPv${v}: soft and hard unreachables about data in flight leave the connection up; the data still arrives`, () => {
      const a = newStack([A4, A6], 11);
      const b = newStack([B4, B6], 12);
      const wire = new Wire([a, b]);
      wire.latency = 5;
      b.listen(80);
      const { c, s } = establish(wire, a, b, { address: v === 4 ? B4 : B6, port: 80 });
      // The first data segment is lost; a router reports why.
      wire.drop = (from) => from === a;
      c.send(bytesOf('through the storm'), wire.now);
      wire.collect();
      const lost = wire.log[wire.log.length - 1].bytes;
      assert.equal(tcpOut(lost).payloadLength, 17);
      wire.drop = () => false;
      const router = v === 4 ? '198.18.9.1' : '2001:db8:9::1';
      const msgs =
        v === 4
          ? [icmpErrorFor(lost, router, 3, 0), icmpErrorFor(lost, router, 3, 1), icmpErrorFor(lost, router, 11, 0), icmpErrorFor(lost, B4, 3, 3)]
          : [icmpErrorFor(lost, router, 1, 0), icmpErrorFor(lost, router, 1, 3), icmpErrorFor(lost, router, 3, 0), icmpErrorFor(lost, B6, 1, 4)];
      for (const m of msgs) a.handlePacket(m, wire.now);
      assert.equal(c.state, 'ESTABLISHED');
      assert.equal(a.counters.icmp.InErrorsIgnored, 0, 'each quotes data in flight: believed, and soft');
      assert.deepEqual(errorsOf(a), []);
      wire.run(wire.now + 2000);
      assert.equal(textOf(s.read(undefined, wire.now)), 'through the storm');
      assert.equal(c.state, 'ESTABLISHED');
    });
  }
});

describe('packet too big and path MTU', () => {
  const cases: Array<[4 | 6, number, number]> = [
    [4, 1000, 40],
    [6, 1300, 60],
  ];
  for (const [v, linkMtu, headers] of cases) {
    test(`IPv${v}: a ${linkMtu}-byte link between 1500-byte hosts: ICMP too-big lowers the path MTU and the transfer completes`, () => {
      const SEED = 42 + v;
      const { net, ha, hb, link } = simHosts(SEED, [A4, A6], [B4, B6], { delayMs: 5, mtu: linkMtu });
      const sizes: Array<{ t: number; len: number; from: string }> = [];
      link.tap((p, t, from) => sizes.push({ t, len: p.length, from: from.name }));
      const { conn, ...r } = seededExchange(net, ha, hb, { address: v === 4 ? B4 : B6, port: 80 }, { seed: SEED, bytes: 200_000 }, { seed: SEED + 1, bytes: 120_000 }, `seed ${SEED}`);
      assert.equal(conn.tcb.pathMtu, linkMtu);
      assert.equal(r.server.tcb.pathMtu, linkMtu);
      assert.equal(conn.tcb.sendMss, linkMtu - headers - 12, 'MSS from the path MTU, less the timestamp option');
      // Only packets sent before the news arrived were too big; one flight's worth per direction at most.
      const big = sizes.filter((s) => s.len > linkMtu);
      assert.equal(link.stats.tooBig, big.length);
      assert.ok(big.length >= 2, 'both directions hit the limit');
      const lastBig = Math.max(...big.map((s) => s.t));
      assert.ok(lastBig < 50, `no oversized packet after the first round trip (last at ${lastBig} ms)`);
      assert.ok(sizes.filter((s) => s.t > lastBig).every((s) => s.len <= linkMtu));
      // The segments were re-sent at once, smaller: no retransmission timeout was needed.
      assert.equal(ha.stack.counters.tcp.TCPTimeouts, 0);
      assert.ok(r.t < 2000, `done in ${r.t} ms`);
    });
  }

  /** An established connection with one data segment in flight (dropped), and that segment. */
  function inFlight(v: 4 | 6) {
    const a = newStack([A4, A6], 20);
    const b = newStack([B4, B6], 21);
    const wire = new Wire([a, b]);
    wire.latency = 5;
    b.listen(80);
    const { c } = establish(wire, a, b, { address: v === 4 ? B4 : B6, port: 80 });
    wire.drop = (from) => from === a;
    c.send(new Uint8Array(1400).fill(7), wire.now);
    wire.collect();
    const seg = wire.log[wire.log.length - 1].bytes;
    assert.equal(tcpOut(seg).payloadLength, 1400);
    return { a, c, seg, wire };
  }

  test('ICMPv4 fragmentation needed with MTU 20: clamped to 68 (RFC 791 minimum)', () => {
    const { a, c, seg, wire } = inFlight(4);
    a.handlePacket(icmpErrorFor(seg, '198.18.9.1', 3, 4, 20), wire.now);
    assert.equal(c.tcb.pathMtu, 68);
    const resent = drainOut(a, wire.now).map(tcpOut);
    assert.ok(resent.length > 0, 'sent again at once, smaller');
    // RFC 6691 would give an MSS of 28 at MTU 68; the TCB keeps a floor of 64 (like Linux's
    // tcp_min_snd_mss of 48, against a peer or forger that would shred the stream into tiny segments).
    for (const p of resent) assert.ok(p.payloadLength <= 64, `payload ${p.payloadLength}`);
  });

  test('ICMPv6 packet too big with MTU 500: clamped to 1280 (RFC 8200 §5)', () => {
    const { a, c, seg, wire } = inFlight(6);
    a.handlePacket(icmpErrorFor(seg, '2001:db8:9::1', 2, 0, 500), wire.now);
    assert.equal(c.tcb.pathMtu, 1280);
    const resent = drainOut(a, wire.now);
    assert.ok(resent.length > 0);
    for (const p of resent) assert.ok(p.length <= 1280, `packet of ${p.length} bytes`);
  });

  test('a too-big message that would raise the path MTU, or quotes data not in flight, is ignored', () => {
    const { a, c, seg, wire } = inFlight(4);
    a.handlePacket(icmpErrorFor(seg, '198.18.9.1', 3, 4, 9000), wire.now);
    assert.equal(c.tcb.pathMtu, 1500);
    a.handlePacket(icmpErrorFor(withSeq(seg, c.tcb.sndMax + 10), '198.18.9.1', 3, 4, 600), wire.now);
    assert.equal(c.tcb.pathMtu, 1500);
    assert.equal(a.counters.icmp.InErrorsIgnored, 2);
    a.handlePacket(icmpErrorFor(seg, '198.18.9.1', 3, 4, 600), wire.now);
    assert.equal(c.tcb.pathMtu, 600);
    for (const p of drainOut(a, wire.now)) assert.ok(p.length <= 600);
  });

  test('ICMP messages are counted by type (RFC 4293 icmpMsgStatsInPkts)', () => {
    const { a, seg, wire } = inFlight(4);
    a.handlePacket(icmpErrorFor(seg, '198.18.9.1', 11, 0), wire.now);
    a.handlePacket(icmpErrorFor(seg, '198.18.9.1', 3, 1), wire.now);
    const c = a.counters.icmp;
    assert.equal(c.InMsgs, 2);
    assert.equal(c.InDestUnreachs, 1);
    assert.equal(c.InTimeExcds, 1);
    const six = inFlight(6);
    six.a.handlePacket(icmpErrorFor(six.seg, '2001:db8:9::1', 2, 0, 1400), six.wire.now);
    six.a.handlePacket(icmpErrorFor(six.seg, '2001:db8:9::1', 3, 0), six.wire.now);
    six.a.handlePacket(icmpErrorFor(six.seg, '2001:db8:9::1', 1, 3), six.wire.now);
    const c6 = six.a.counters.icmp;
    assert.deepEqual([c6.InMsgs, c6.InPktTooBigs, c6.InTimeExcds, c6.InDestUnreachs], [3, 1, 1, 1]);
  });
});
