/**
 * Demultiplexing by the 4-tuple (RFC 9293 §2.7: a pair of sockets identifies each connection),
 * packets for other hosts (RFC 1122 §3.2.1.3: a host discards datagrams not addressed to it; RFC 4293
 * ipSystemStatsInAddrErrors), and malformed, fragmented or unknown packets: each counted under its
 * MIB name and dropped, never answered and never thrown on. Ends with a fuzz of mutated packets.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  A4,
  A6,
  B4,
  B6,
  bytesOf,
  C4,
  clientServerWire,
  counterSnapshot,
  drainOut,
  establish,
  fixChecksums,
  FLAGS,
  icmpErrorFor,
  newStack,
  stackEvents,
  tcpOut,
  tcpPacket,
  textOf,
  Wire,
} from './helpers.js';
import { decodeIp, decodeTcpPacket, encodeIcmpPacket, encodeTcpPacket, ipToString, parseIp, TcpFlag } from '../../src/wire/index.js';
import { endpointToString } from '../../src/stack/endpoint.js';
import { SeededRandom } from '../../src/tcp/random.js';
import type { Stack } from '../../src/stack/stack.js';

const { SYN, ACK, RST } = FLAGS;

describe('demultiplexing by 4-tuple', () => {
  test('connections from different ports and different addresses to one listener stay separate', () => {
    const a = newStack([A4], 1);
    const b = newStack([B4], 2);
    const c = newStack([C4], 3);
    const wire = new Wire([a, b, c]);
    wire.latency = 1;
    b.listen(80);
    const x = establish(wire, a, b, { address: B4, port: 80 });
    const y = establish(wire, a, b, { address: B4, port: 80 });
    // Same local port as x, from another address: only the remote address tells them apart.
    const z = establish(wire, c, b, { address: B4, port: 80 }, { localPort: x.c.local.port });
    assert.notEqual(x.c.local.port, y.c.local.port);
    assert.equal(z.c.local.port, x.c.local.port);
    const clients = [x, y, z];
    for (const [i, p] of clients.entries()) p.c.send(bytesOf(`from client ${i}`), wire.now);
    wire.run(wire.now + 50);
    for (const [i, p] of clients.entries()) {
      assert.equal(textOf(p.s.read(undefined, wire.now)), `from client ${i}`);
      assert.equal(ipToString(p.s.remote.address), ipToString(p.c.local.address));
      assert.equal(p.s.remote.port, p.c.local.port);
      p.s.send(bytesOf(`to client ${i}`), wire.now);
    }
    wire.run(wire.now + 50);
    for (const [i, p] of clients.entries()) assert.equal(textOf(p.c.read(undefined, wire.now)), `to client ${i}`);
    assert.equal([...b.connections()].length, 3);
    // Resetting one leaves the others.
    x.c.abort(wire.now);
    wire.run(wire.now + 50);
    assert.equal(x.s.state, 'CLOSED');
    assert.equal(y.s.state, 'ESTABLISHED');
    assert.equal(z.s.state, 'ESTABLISHED');
    assert.equal(b.counters.tcp.EstabResets, 1);
  });

  test('a SYN to a port nobody listens on is reset, and the connect fails with ECONNREFUSED (IPv6)', () => {
    const a = newStack([A6], 4);
    const b = newStack([B6], 5);
    const wire = new Wire([a, b]);
    b.listen(80);
    const conn = a.connect({ address: B6, port: 81 }, 0);
    wire.run(10);
    assert.equal(conn.state, 'CLOSED');
    const errs = stackEvents(a).flatMap((e) => (e.type === 'event' && e.event.type === 'error' ? [e.event.code] : []));
    assert.deepEqual(errs, ['ECONNREFUSED']);
    assert.equal(b.counters.tcp.OutRsts, 1);
    assert.equal([...b.connections()].length, 0);
  });

  test('packets to an address that is not ours are dropped and counted (InAddrErrors), never answered', () => {
    const b = newStack([B4, B6], 6);
    b.listen(80);
    const before = counterSnapshot(b);
    b.handlePacket(tcpPacket({ src: A4, dst: '198.18.0.99', sport: 1234, dport: 80, seq: 1, flags: SYN }), 0);
    b.handlePacket(tcpPacket({ src: A6, dst: '2001:db8::99', sport: 1234, dport: 80, seq: 1, flags: SYN }), 0);
    b.handlePacket(tcpPacket({ src: A4, dst: '198.18.0.99', sport: 1234, dport: 9, seq: 1, flags: ACK, ack: 5 }), 0);
    b.handlePacket(encodeIcmpPacket({ src: parseIp(A4)!, dst: parseIp('198.18.0.99')!, type: 8, code: 0, rest: 0x00010001, body: new Uint8Array(8) }), 0);
    assert.equal(drainOut(b, 0).length, 0);
    assert.equal(b.counters.ip.InReceives, 4);
    assert.equal(b.counters.ip.InAddrErrors, 4);
    assert.equal([...b.connections()].length, 0);
    const after = counterSnapshot(b);
    for (const [k, v] of after) if (k !== 'ip.InReceives' && k !== 'ip.InAddrErrors') assert.equal(v, before.get(k), k);
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed packets: each one counted where RFC 4293 / RFC 4022 put it, dropped, never answered.

type Mangle = (p: Uint8Array) => Uint8Array;
interface BadCase {
  name: string;
  v: 4 | 6;
  mangle: Mangle;
  counter: string;
}

const syn4 = () => tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 1000, flags: SYN });
const syn6 = () => tcpPacket({ src: A6, dst: B6, sport: 40000, dport: 80, seq: 1000, flags: SYN });
const withFix = (f: Mangle): Mangle => (p) => {
  const q = f(p);
  fixChecksums(q);
  return q;
};
const v6ext = (ext: number[], nextHeader: number) =>
  encodeTcpPacket({
    ip: { version: 6, src: parseIp(A6) as Uint8Array, dst: parseIp(B6) as Uint8Array, extensionHeaders: Uint8Array.from(ext), nextHeader },
    tcp: { srcPort: 40000, dstPort: 80, seq: 1000, ack: 0, flags: SYN, window: 65535, urgentPointer: 0 },
  });

const badCases: BadCase[] = [
  { name: 'empty packet', v: 4, mangle: () => new Uint8Array(0), counter: 'ip.InHdrErrors' },
  { name: 'IP version 5', v: 4, mangle: (p) => ((p[0] = 0x55), p), counter: 'ip.InHdrErrors' },
  { name: 'IPv4 header checksum wrong', v: 4, mangle: (p) => ((p[10] ^= 0x5a), p), counter: 'ip.InHdrErrors' },
  { name: 'IPv4 shorter than 20 bytes', v: 4, mangle: (p) => p.slice(0, 19), counter: 'ip.InHdrErrors' },
  { name: 'IPv4 total length beyond the bytes', v: 4, mangle: (p) => p.slice(0, p.length - 1), counter: 'ip.InHdrErrors' },
  { name: 'IPv4 total length below the header', v: 4, mangle: withFix((p) => ((p[2] = 0), (p[3] = 19), p)), counter: 'ip.InHdrErrors' },
  { name: 'IPv4 IHL 4', v: 4, mangle: withFix((p) => ((p[0] = 0x44), p)), counter: 'ip.InHdrErrors' },
  { name: 'IPv4 IHL 15, past the packet', v: 4, mangle: withFix((p) => ((p[0] = 0x4f), p)), counter: 'ip.InHdrErrors' },
  { name: 'IPv4 more-fragments', v: 4, mangle: withFix((p) => ((p[6] |= 0x20), p)), counter: 'ip.ReasmFails' },
  { name: 'IPv4 fragment offset', v: 4, mangle: withFix((p) => ((p[7] = 1), p)), counter: 'ip.ReasmFails' },
  { name: 'IPv4 unknown protocol (UDP)', v: 4, mangle: withFix((p) => ((p[9] = 17), p)), counter: 'ip.InUnknownProtos' },
  { name: 'IPv4 unknown protocol (253)', v: 4, mangle: withFix((p) => ((p[9] = 253), p)), counter: 'ip.InUnknownProtos' },
  { name: 'TCP checksum wrong (IPv4)', v: 4, mangle: (p) => ((p[36] ^= 1), p), counter: 'tcp.InCsumErrors' },
  { name: 'TCP checksum wrong (IPv6)', v: 6, mangle: (p) => ((p[56] ^= 1), p), counter: 'tcp.InCsumErrors' },
  { name: 'TCP data offset 4', v: 4, mangle: withFix((p) => ((p[32] = 0x40), p)), counter: 'tcp.InErrs' },
  { name: 'TCP data offset past the segment', v: 4, mangle: withFix((p) => ((p[32] = 0xf0), p)), counter: 'tcp.InErrs' },
  { name: 'TCP header cut short (IPv4)', v: 4, mangle: withFix((p) => ((p[3] = 39), p.slice(0, 39))), counter: 'tcp.InErrs' },
  { name: 'TCP header cut short (IPv6)', v: 6, mangle: withFix((p) => ((p[5] = 19), p.slice(0, 59))), counter: 'tcp.InErrs' },
  {
    name: 'TCP option with length 1',
    v: 4,
    mangle: withFix(() => {
      // Data offset 6: an MSS option whose length byte says 1 (RFC 9293 §3.2: the length counts kind and itself).
      const p = tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 1000, flags: SYN, payload: Uint8Array.from([2, 1, 5, 0xb4]) });
      p[32] = 0x60;
      return p;
    }),
    counter: 'tcp.InErrs',
  },
  { name: 'IPv6 payload length beyond the bytes', v: 6, mangle: (p) => p.slice(0, p.length - 1), counter: 'ip.InHdrErrors' },
  { name: 'IPv6 shorter than 40 bytes', v: 6, mangle: (p) => p.slice(0, 39), counter: 'ip.InHdrErrors' },
  { name: 'IPv6 fragment (offset 1)', v: 6, mangle: () => v6ext([6, 0, 0, 8, 0, 0, 0, 1], 44), counter: 'ip.ReasmFails' },
  { name: 'IPv6 first fragment (M set)', v: 6, mangle: () => v6ext([6, 0, 0, 1, 0, 0, 0, 1], 44), counter: 'ip.ReasmFails' },
  { name: 'IPv6 No Next Header', v: 6, mangle: withFix((p) => ((p[6] = 59), p)), counter: 'ip.InUnknownProtos' },
  { name: 'IPv6 UDP', v: 6, mangle: withFix((p) => ((p[6] = 17), p)), counter: 'ip.InUnknownProtos' },
  { name: 'IPv6 ESP', v: 6, mangle: withFix((p) => ((p[6] = 50), p)), counter: 'ip.InHdrErrors' },
];

describe('malformed, fragmented and unknown packets are counted and dropped', () => {
  for (const c of badCases) {
    test(`${c.name}: ${c.counter}`, () => {
      const b = newStack([B4, B6], 7);
      const l = b.listen(80);
      const before = counterSnapshot(b);
      assert.doesNotThrow(() => b.handlePacket(c.mangle(c.v === 4 ? syn4() : syn6()), 0));
      assert.equal(drainOut(b, 0).length, 0, 'no answer: not even a RST');
      assert.equal(l.synQueue.size, 0, 'no connection begun');
      assert.equal([...b.connections()].length, 0);
      const after = counterSnapshot(b);
      assert.equal(after.get(c.counter), before.get(c.counter)! + 1, c.counter);
      assert.equal(after.get('ip.InReceives'), 1);
      assert.equal(after.get('tcp.PassiveOpens'), 0);
      assert.equal(after.get('tcp.OutSegs'), 0);
      if (c.counter.startsWith('tcp.')) {
        assert.equal(after.get('tcp.InErrs'), 1, 'tcpInErrs counts every segment received in error (RFC 4022)');
        assert.equal(after.get('tcp.InSegs'), 1, 'tcpInSegs includes those received in error (RFC 4022)');
      }
    });
  }

  test('an IPv6 atomic fragment (offset 0, M clear) is a whole packet (RFC 6946) and is answered', () => {
    const b = newStack([B6], 8);
    b.listen(80);
    b.handlePacket(v6ext([6, 0, 0, 0, 0, 0, 0, 9], 44), 0);
    const out = drainOut(b, 0).map(tcpOut);
    assert.equal(out.length, 1);
    assert.equal(out[0].tcp.flags, SYN | ACK);
    assert.equal(b.counters.ip.ReasmFails, 0);
  });

  test('a packet through IPv6 extension headers (Hop-by-Hop, Destination Options) reaches TCP', () => {
    const b = newStack([B6], 9);
    b.listen(80);
    // Hop-by-Hop (next: Destination Options), 8 bytes of PadN; Destination Options (next: TCP), 8 bytes.
    b.handlePacket(v6ext([60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0], 0), 0);
    const out = drainOut(b, 0).map(tcpOut);
    assert.equal(out.length, 1);
    assert.equal(out[0].tcp.flags, SYN | ACK);
  });

  test('corrupted packets on a live connection leave it undisturbed', () => {
    const { a, b, wire } = clientServerWire([10, 11]);
    const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
    // A RST for the connection, at exactly RCV.NXT, but with a bad checksum: it must not reset anything.
    const rst = tcpPacket({ src: A4, dst: B4, sport: c.local.port, dport: 80, seq: s.tcb.rcvNxt, flags: RST });
    rst[36] ^= 0xff;
    b.handlePacket(rst, wire.now);
    assert.equal(drainOut(b, wire.now).length, 0);
    assert.equal(s.state, 'ESTABLISHED');
    assert.equal(b.counters.tcp.InCsumErrors, 1);
    c.send(bytesOf('still here'), wire.now);
    wire.run(wire.now + 50);
    assert.equal(textOf(s.read(undefined, wire.now)), 'still here');
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: thousands of mutated valid packets. Invariants: nothing throws; counters only grow; each
// packet is counted once on arrival and once by where it went (RFC 4293's receive path); everything
// emitted decodes with valid checksums; a RST is never answered with a RST; every TCB stays sound.

function ipDisposition(s: Stack): number {
  const ip = s.counters.ip;
  return ip.InHdrErrors + ip.InAddrErrors + ip.ReasmFails + ip.InUnknownProtos + ip.InDelivers;
}

test('fuzz: mutated packets never throw, counters only grow, outputs stay valid', () => {
  const SEED = 20240611;
  const rnd = new SeededRandom(SEED);
  const a = newStack([A4, A6], 12);
  const b = newStack([B4, B6], 13);
  const wire = new Wire([a, b]);
  wire.latency = 1;
  b.listen(80);
  b.listen(443, { backlog: 4 });
  // Real traffic to draw seed packets from, over IPv4 and IPv6.
  const p4 = establish(wire, a, b, { address: B4, port: 80 });
  const p6 = establish(wire, a, b, { address: B6, port: 443 });
  p4.c.send(new Uint8Array(3000).fill(1), wire.now);
  p6.s.send(new Uint8Array(3000).fill(2), wire.now);
  wire.run(wire.now + 100);
  p4.c.shutdown(wire.now);
  wire.run(wire.now + 100);
  const seeds: Uint8Array[] = wire.log.filter((l) => l.from === a).map((l) => l.bytes.slice());
  // Packets from b, turned around as if a sent them (addresses swapped): more shapes to mutate.
  for (const l of wire.log.filter((x) => x.from === b)) {
    const q = l.bytes.slice();
    if (q[0] >>> 4 === 4) {
      q.set(l.bytes.subarray(16, 20), 12);
      q.set(l.bytes.subarray(12, 16), 16);
    } else {
      q.set(l.bytes.subarray(24, 40), 8);
      q.set(l.bytes.subarray(8, 24), 24);
    }
    fixChecksums(q);
    seeds.push(q);
  }
  seeds.push(encodeIcmpPacket({ src: parseIp(A4)!, dst: parseIp(B4)!, type: 8, code: 0, rest: 0x12340001, body: bytesOf('ping ping') }));
  seeds.push(encodeIcmpPacket({ src: parseIp(A6)!, dst: parseIp(B6)!, type: 128, code: 0, rest: 0x12340001, body: bytesOf('ping6') }));
  const fromB = wire.log.filter((l) => l.from === b).map((l) => l.bytes);
  const last4 = fromB.filter((x) => x[0] >>> 4 === 4).pop()!;
  const last6 = fromB.filter((x) => x[0] >>> 4 === 6).pop()!;
  seeds.push(icmpErrorFor(last4, A4, 3, 3), icmpErrorFor(last4, A4, 3, 4, 600), icmpErrorFor(last4, A4, 11, 0));
  seeds.push(icmpErrorFor(last6, A6, 2, 0, 1280), icmpErrorFor(last6, A6, 1, 4));
  seeds.push(tcpPacket({ src: A4, dst: B4, sport: 5555, dport: 80, seq: 1, flags: SYN, options: { mss: 1460, wscale: 7, sackPermitted: true, timestamp: { value: 1, echo: 0 } } }));
  assert.ok(seeds.length > 20);

  let now = wire.now;
  let snapshot = counterSnapshot(b);
  const N = 6000;
  for (let i = 0; i < N; i++) {
    const base = rnd.pick(seeds);
    let p = base.slice();
    const edits = 1 + rnd.int(3);
    for (let e = 0; e < edits; e++) {
      switch (rnd.int(8)) {
        case 0: // flip a bit
          if (p.length) p[rnd.int(p.length)] ^= 1 << rnd.int(8);
          break;
        case 1: // a random byte
          if (p.length) p[rnd.int(p.length)] = rnd.int(256);
          break;
        case 2: // truncate
          p = p.slice(0, rnd.int(p.length + 1));
          break;
        case 3: // junk appended
          p = Uint8Array.from([...p, ...rnd.bytes(1 + rnd.int(40))]);
          break;
        case 4: // a header field that matters: IHL / data offset / flags / lengths / protocol
          if (p.length > 40) {
            const at = rnd.pick(p[0] >>> 4 === 4 ? [0, 2, 3, 6, 7, 9, 32, 33] : [4, 5, 6, 52, 53]);
            p[at] = rnd.int(256);
          }
          break;
        case 5: // TCP flags to a random combination
          if (p.length > 53) p[p[0] >>> 4 === 4 ? 33 : 53] = rnd.int(64);
          break;
        case 6: // sequence or acknowledgment number near the live one, or anywhere
          if (p.length > 60) {
            const at = (p[0] >>> 4 === 4 ? 24 : 44) + rnd.int(8);
            p[at] = rnd.int(256);
          }
          break;
        default: // leave it
          break;
      }
    }
    if (rnd.chance(0.6)) fixChecksums(p);
    const inDecoded = decodeTcpPacket(p);
    const inWasRst = inDecoded.ok && (inDecoded.tcp.flags & TcpFlag.RST) !== 0;
    const receivedBefore = b.counters.ip.InReceives;
    assert.doesNotThrow(() => b.handlePacket(p, now), `packet ${i} (seed ${SEED})`);
    assert.equal(b.counters.ip.InReceives, receivedBefore + 1);
    assert.equal(ipDisposition(b), b.counters.ip.InReceives, `each packet has one fate (packet ${i}, seed ${SEED})`);
    const out = drainOut(b, now);
    for (const o of out) {
      const ipp = decodeIp(o);
      assert.ok(ipp.ok);
      if (ipp.protocol === 6) {
        const t = tcpOut(o);
        if (inWasRst && t.tcp.flags & TcpFlag.RST) assert.fail(`a RST answered a RST (packet ${i}, seed ${SEED})`);
      }
    }
    for (const conn of b.connections()) {
      const bad = conn.tcb.checkInvariants();
      assert.equal(bad, undefined, `connection ${endpointToString(conn.remote)} after packet ${i} (seed ${SEED})`);
    }
    if (i % 97 === 0) {
      // Let time pass now and then: timers fire, half-open connections give up.
      now += rnd.int(3000);
      const t = b.pollTimeout();
      if (t !== undefined && t <= now) b.handleTimeout(now);
      drainOut(b, now);
    }
    now += 0.5;
    const next = counterSnapshot(b);
    for (const [k, v] of next) assert.ok(v >= snapshot.get(k)!, `counter ${k} went down (packet ${i}, seed ${SEED})`);
    snapshot = next;
  }
  const c = b.counters;
  if (process.env.FUZZ_DEBUG) console.log(JSON.stringify(c));
  // The mutations reached every layer.
  assert.ok(c.ip.InHdrErrors > 0 && c.ip.InDelivers > 0 && c.tcp.InCsumErrors > 0 && c.tcp.InErrs > 0 && c.icmp.InMsgs > 0, JSON.stringify(c));
});
