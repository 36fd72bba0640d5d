/**
 * Option parsing under attack, played against a stack with hand-made segments (198.18.0.1 -> the
 * listener at 198.18.0.2:80). What synack does with each, and where the rule comes from:
 *
 * - an option whose length byte is 0 or 1 (RFC 9293 §3.2: the length counts the kind and length
 *   octets, so at least 2; a parser that trusts 0 loops forever) or that runs past the header: the
 *   segment is dropped unanswered, counted in InErrs and TCPBadOptionDrops, and leaves no state;
 * - a known option repeated: the last well-formed one is believed (as Linux's tcp_parse_options);
 * - a window scale above 14: taken as 14 (RFC 7323 §2.3) and counted (TCPWscaleClamped);
 * - SACK-permitted on a segment that is not a SYN: ignored (RFC 2018 §2: only on SYNs), the segment
 *   processed as if it were absent;
 * - timestamps on some segments only (RFC 7323 §3.2): once negotiated, a segment without them is
 *   dropped and counted (TCPMissingTimestampDrops), a RST excepted; if not negotiated, a segment with
 *   them is processed and the option ignored;
 * - SYN+FIN: dropped unanswered at a listener and counted (TCPSynFinDrops), as Linux does by default.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, drainOut, FLAGS, fixChecksums, newStack, tcpOut, tcpPacket, type SegSpec } from './helpers.js';
import type { StackOptions } from '../../src/stack/stack.js';
import type { TcpOptions } from '../../src/wire/index.js';

const { SYN, ACK, FIN, RST, PSH } = FLAGS;
const IP_HEADER = 20;
const TCP_HEADER = 20;

function server(extra: Partial<StackOptions> = {}) {
  const b = newStack([B4], 3, extra);
  const l = b.listen(80);
  return { b, l };
}

const from = (s: Omit<SegSpec, 'src' | 'dst' | 'sport' | 'dport'>): Uint8Array => tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, ...s });

/** A SYN whose option bytes (after the fixed header) are replaced by `options`, checksums fixed. */
function synWithOptionBytes(options: number[]): Uint8Array {
  const padded = [...options];
  while (padded.length % 4 !== 0) padded.push(0);
  // Room for the bytes: a timestamp option's 12 octets (NOP NOP TS) and then some, rewritten below.
  const p = from({ seq: 100, flags: SYN, options: { timestamp: { value: 1, echo: 0 }, mss: 1460, wscale: 7, sackPermitted: true } });
  const headerLength = TCP_HEADER + padded.length;
  const out = new Uint8Array(IP_HEADER + headerLength);
  out.set(p.subarray(0, IP_HEADER + TCP_HEADER));
  out.set(padded, IP_HEADER + TCP_HEADER);
  out[2] = out.length >> 8;
  out[3] = out.length & 0xff;
  out[IP_HEADER + 12] = (headerLength / 4) << 4;
  fixChecksums(out);
  return out;
}

/** Handshake with the options given; the server's side of the connection. */
function established(options: TcpOptions, extra: Partial<StackOptions> = {}) {
  const { b, l } = server(extra);
  b.handlePacket(from({ seq: 100, flags: SYN, options }), 0);
  const synAck = tcpOut(drainOut(b, 0)[0]);
  assert.equal(synAck.tcp.flags, SYN | ACK);
  const ts = options.timestamp ? { timestamp: { value: 2, echo: synAck.tcp.options.timestamp!.value } } : {};
  const sndNxt = (synAck.tcp.seq + 1) >>> 0;
  b.handlePacket(from({ seq: 101, ack: sndNxt, flags: ACK, options: ts }), 0);
  const conn = l.accept();
  assert.ok(conn);
  return { b, conn, sndNxt, tsEcho: synAck.tcp.options.timestamp?.value ?? 0 };
}

describe('malformed option lists: dropped, counted, no state', () => {
  const cases: Array<[string, number[]]> = [
    ['an option of length 0 (MSS)', [2, 0, 5, 180]],
    ['an option of length 1 (window scale)', [1, 3, 1, 7]],
    ['an unknown option of length 0', [1, 1, 99, 0]],
    ['an option running past the header (timestamps, length 40)', [8, 40, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]],
    ['a kind with no length byte at the end of the header', [1, 1, 1, 2]],
  ];
  for (const [name, bytes] of cases) {
    test(`${name}: no answer, InErrs and TCPBadOptionDrops counted, no half-open connection`, () => {
      const { b, l } = server();
      for (let i = 0; i < 100; i++) b.handlePacket(synWithOptionBytes(bytes), i);
      assert.deepEqual(drainOut(b, 100), []);
      assert.equal(b.counters.tcp.InErrs, 100);
      assert.equal(b.counters.tcp.TCPBadOptionDrops, 100);
      assert.equal(l.synQueue.size, 0);
      // The listener still serves: a good SYN is answered.
      b.handlePacket(from({ seq: 100, flags: SYN, options: { mss: 1460 } }), 200);
      assert.equal(tcpOut(drainOut(b, 200)[0]).tcp.flags, SYN | ACK);
    });
  }
});

describe('options that parse but are hostile', () => {
  test('a repeated MSS: the last one is believed (as Linux), bounded by minSendMss', () => {
    // Wire order MSS 1460, MSS 536: the first occurrence travels in `unknown`, the typed field last.
    const { conn } = established({ order: [2, 2], unknown: [{ kind: 2, data: new Uint8Array([0x05, 0xb4]) }], mss: 536 });
    assert.equal(conn.tcb.peerMss, 536);
  });

  test('a repeated window scale: the last is taken', () => {
    const { conn } = established({ order: [3, 1, 3, 1], unknown: [{ kind: 3, data: new Uint8Array([2]) }], wscale: 9 });
    assert.equal(conn.tcb.sndShift, 9);
  });

  for (const shift of [15, 255]) {
    test(`window scale ${shift}: taken as 14 (RFC 7323 §2.3) and counted`, () => {
      const { b, conn } = established({ mss: 1460, wscale: shift });
      assert.equal(conn.tcb.sndShift, 14);
      assert.equal(b.counters.tcp.TCPWscaleClamped, 1);
    });
  }

  test('a window scale of 14 is not counted', () => {
    const { b, conn } = established({ mss: 1460, wscale: 14 });
    assert.equal(conn.tcb.sndShift, 14);
    assert.equal(b.counters.tcp.TCPWscaleClamped, 0);
  });

  test('SACK-permitted on a data segment of a connection without SACK: ignored, the data taken', () => {
    const { b, conn, sndNxt } = established({ mss: 1460 });
    assert.equal(conn.tcb.sackPermitted, false);
    b.handlePacket(from({ seq: 101, ack: sndNxt, flags: ACK | PSH, options: { sackPermitted: true }, payload: new TextEncoder().encode('hi') }), 1);
    assert.equal(new TextDecoder().decode(conn.read(undefined, 1)), 'hi');
    assert.equal(conn.tcb.sackPermitted, false);
    assert.equal(conn.state, 'ESTABLISHED');
  });

  test('timestamps negotiated, then a data segment without them: dropped and counted (RFC 7323 §3.2)', () => {
    const { b, conn, sndNxt } = established({ mss: 1460, timestamp: { value: 1, echo: 0 } });
    assert.equal(conn.tcb.timestamps, true);
    b.handlePacket(from({ seq: 101, ack: sndNxt, flags: ACK | PSH, payload: new TextEncoder().encode('hi') }), 1);
    assert.equal(conn.read(undefined, 1), undefined);
    assert.equal(b.counters.tcp.TCPMissingTimestampDrops, 1);
    assert.equal(conn.tcb.rcvNxt, 101);
  });

  test('timestamps negotiated, a RST without them at RCV.NXT still resets (RFC 7323 §3.2 exempts RSTs)', () => {
    const { b, conn } = established({ mss: 1460, timestamp: { value: 1, echo: 0 } });
    b.handlePacket(from({ seq: 101, flags: RST }), 1);
    assert.equal(conn.state, 'CLOSED');
  });

  test('timestamps not negotiated, a segment with them: processed, the option ignored, no TSopt in our ACK', () => {
    const { b, conn, sndNxt } = established({ mss: 1460 });
    assert.equal(conn.tcb.timestamps, false);
    b.handlePacket(from({ seq: 101, ack: sndNxt, flags: ACK | PSH, options: { timestamp: { value: 9, echo: 9 } }, payload: new TextEncoder().encode('hi') }), 1);
    assert.equal(new TextDecoder().decode(conn.read(undefined, 1)), 'hi');
    b.handleTimeout(1000);
    const acks = drainOut(b, 1000).map(tcpOut);
    assert.ok(acks.length > 0 && acks.every((p) => p.tcp.options.timestamp === undefined));
  });
});

describe('SYN+FIN', () => {
  test('at a listener: dropped unanswered and counted, no half-open connection (default, as Linux)', () => {
    const { b, l } = server();
    b.handlePacket(from({ seq: 100, flags: SYN | FIN, options: { mss: 1460 } }), 0);
    assert.deepEqual(drainOut(b, 0), []);
    assert.equal(b.counters.tcp.TCPSynFinDrops, 1);
    assert.equal(l.synQueue.size, 0);
  });

  test('at a listener answering with SYN cookies: dropped and counted too', () => {
    const { b } = server({ synCookies: 'always' });
    b.handlePacket(from({ seq: 100, flags: SYN | FIN, options: { mss: 1460 } }), 0);
    assert.deepEqual(drainOut(b, 0), []);
    assert.equal(b.counters.tcp.TCPSynFinDrops, 1);
    assert.equal(b.counters.tcp.SyncookiesSent, 0);
  });

  test('dropSynFin off: RFC 9293 takes the SYN (SYN-ACK), the FIN waits for ESTABLISHED', () => {
    const { b } = server({ tcp: { dropSynFin: false } });
    b.handlePacket(from({ seq: 100, flags: SYN | FIN, options: { mss: 1460 } }), 0);
    const out = drainOut(b, 0).map(tcpOut);
    assert.equal(out.length, 1);
    assert.equal(out[0].tcp.flags, SYN | ACK);
    assert.equal(b.counters.tcp.TCPSynFinDrops, 0);
  });
});
