/**
 * IP fragments (the FragmentSmack pattern, CVE-2018-5391: a stream of small, overlapping or
 * never-completed fragments that make a reassembler spend time and memory). synack does not
 * reassemble: every IPv4 fragment (MF set or a non-zero offset, RFC 791) and every IPv6 packet with a
 * non-atomic Fragment header (RFC 8200 §4.5) is dropped on arrival and counted in ReasmFails, and
 * nothing of it is kept, so there is nothing to fill and nothing to time out. TCP does not need
 * fragments: it sizes segments to the path (MSS, path MTU discovery).
 *
 * The fragments here are a real SYN cut in two, so a reassembler would have had a whole segment to
 * answer; and a flood of never-completed fragments, after which the stack has no timer armed and no
 * connection, and still answers a whole SYN.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, A6, B4, B6, drainOut, FLAGS, newStack, tcpOut, tcpPacket } from './helpers.js';
import { SeededRandom } from '../../src/tcp/random.js';

const { SYN, ACK } = FLAGS;

function ipv4HeaderChecksum(h: Uint8Array): void {
  h[10] = h[11] = 0;
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (h[i] << 8) | h[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  h[10] = c >>> 8;
  h[11] = c & 0xff;
}

/** An IPv4 fragment of `whole`'s payload: bytes [from, to) at offset `from` (a multiple of 8). */
function fragment4(whole: Uint8Array, from: number, to: number, more: boolean, id = 0x1234): Uint8Array {
  const tcp = whole.subarray(20);
  const piece = tcp.subarray(from, Math.min(to, tcp.length));
  const p = new Uint8Array(20 + piece.length);
  p.set(whole.subarray(0, 20));
  p.set(piece, 20);
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[4] = id >> 8;
  p[5] = id & 0xff;
  const word = (more ? 0x2000 : 0) | (from / 8);
  p[6] = word >> 8;
  p[7] = word & 0xff;
  ipv4HeaderChecksum(p);
  return p;
}

/** An IPv6 fragment of `whole`'s payload behind a Fragment header (next header 44). */
function fragment6(whole: Uint8Array, from: number, to: number, more: boolean, id = 0x1234): Uint8Array {
  const tcp = whole.subarray(40);
  const piece = tcp.subarray(from, Math.min(to, tcp.length));
  const p = new Uint8Array(40 + 8 + piece.length);
  p.set(whole.subarray(0, 40));
  p[4] = (8 + piece.length) >> 8;
  p[5] = (8 + piece.length) & 0xff;
  p[6] = 44;
  const f = 40;
  p[f] = 6; // next header: TCP
  const word = (from / 8) << 3 | (more ? 1 : 0);
  p[f + 2] = word >> 8;
  p[f + 3] = word & 0xff;
  p[f + 4] = (id >>> 24) & 0xff;
  p[f + 5] = (id >>> 16) & 0xff;
  p[f + 6] = (id >>> 8) & 0xff;
  p[f + 7] = id & 0xff;
  p.set(piece, 48);
  return p;
}

const syn = (v: 4 | 6) => tcpPacket({ src: v === 4 ? A4 : A6, dst: v === 4 ? B4 : B6, sport: 40000, dport: 80, seq: 1000, flags: SYN, options: { mss: 1460, sackPermitted: true, timestamp: { value: 1, echo: 0 }, wscale: 7 } });
const cut = (v: 4 | 6) => (v === 4 ? fragment4 : fragment6);

for (const v of [4, 6] as const) {
  describe(`IPv${v} fragments are dropped, counted and leave no state`, () => {
    test('a SYN cut in two: neither part is answered, both are counted, nothing is begun', () => {
      const b = newStack([B4, B6], 1);
      const l = b.listen(80);
      const whole = syn(v);
      const parts = [cut(v)(whole, 0, 16, true), cut(v)(whole, 16, 1000, false)];
      for (const p of parts) b.handlePacket(p, 0);
      assert.deepEqual(drainOut(b, 0), [], 'no SYN-ACK: nothing was reassembled');
      assert.equal(b.counters.ip.ReasmFails, 2);
      assert.equal(b.counters.tcp.InSegs, 0, 'TCP never saw them');
      assert.equal(l.synQueue.size, 0);
      assert.equal(b.pollTimeout(), undefined, 'no reassembly timer');
      // The same SYN whole is answered.
      b.handlePacket(whole, 1);
      assert.equal(tcpOut(drainOut(b, 1)[0]).tcp.flags, SYN | ACK);
    });

    test('a flood of 20,000 never-completed, overlapping fragments: all counted, no timer, no connection, the listener still answers', () => {
      const seed = 42;
      const r = new SeededRandom(seed);
      const b = newStack([B4, B6], 2);
      const l = b.listen(80);
      const whole = syn(v);
      for (let i = 0; i < 20_000; i++) {
        const from = 8 * r.int(4);
        // Offset 0 with MF clear would be a whole packet, not a fragment: the first piece always has MF.
        const more = from === 0 || r.chance(0.7);
        b.handlePacket(cut(v)(whole, from, from + 8 * (1 + r.int(3)), more, r.nextUint32() & 0xffff), i * 0.01);
      }
      assert.deepEqual(drainOut(b, 200), [], `seed ${seed}`);
      assert.equal(b.counters.ip.ReasmFails, 20_000, `seed ${seed}`);
      assert.equal(b.pollTimeout(), undefined, `seed ${seed}: nothing held, nothing to expire`);
      assert.equal([...b.connections()].length, 0);
      assert.equal(l.synQueue.size, 0);
      b.handlePacket(whole, 300);
      assert.equal(tcpOut(drainOut(b, 300)[0]).tcp.flags, SYN | ACK);
    });

    test('a data fragment for an established connection is dropped; the connection is untouched', () => {
      const b = newStack([B4, B6], 3);
      const l = b.listen(80);
      const src = v === 4 ? A4 : A6;
      const dst = v === 4 ? B4 : B6;
      b.handlePacket(tcpPacket({ src, dst, sport: 40000, dport: 80, seq: 1000, flags: SYN }), 0);
      const synAck = tcpOut(drainOut(b, 0)[0]);
      b.handlePacket(tcpPacket({ src, dst, sport: 40000, dport: 80, seq: 1001, ack: synAck.tcp.seq + 1, flags: ACK }), 0);
      const conn = l.accept()!;
      const data = tcpPacket({ src, dst, sport: 40000, dport: 80, seq: 1001, ack: synAck.tcp.seq + 1, flags: ACK, payload: new Uint8Array(64).fill(0x78) });
      b.handlePacket(cut(v)(data, 0, 40, true), 1);
      b.handlePacket(cut(v)(data, 40, 1000, false), 1);
      assert.equal(conn.tcb.rcvNxt, 1001);
      assert.equal(conn.read(undefined, 1), undefined);
      assert.equal(b.counters.ip.ReasmFails, 2);
    });
  });
}
