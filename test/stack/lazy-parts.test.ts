/**
 * Parts of the TCB made when first needed: a connection whose ACKs carry no SACK blocks never makes
 * a SACK scoreboard (an ACK advancing an empty one has nothing to do), and the first SACK block
 * makes it and is used (RFC 6675: the hole is retransmitted and the stream arrives whole).
 *
 * Numbers: MSS 1460 (MTU 1500 less 40, no timestamps' 12 taken off the MSS option itself); the client
 * sends 3 * 1460 bytes and the wire drops the second segment once: the server's ACKs for the third
 * carry the SACK block [ISS + 1 + 2920, ISS + 1 + 4380).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { B4, clientServerWire, establish, FLAGS, tcpOut } from './helpers.js';

const SEGMENTS = 3;

test('no SACK scoreboard while no SACK block arrives; the first one makes it, and the hole is repaired', () => {
  const { a, b, wire } = clientServerWire([21, 22], { latency: 1 });
  const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
  assert.ok(c.tcb.sackPermitted);
  const mss = c.tcb.sendMss;
  const first = new Uint8Array(mss).fill(1);
  c.send(first, wire.now);
  wire.run(wire.now + 50);
  assert.equal(s.read(undefined, wire.now)?.length, mss);
  assert.equal(c.tcb.sndUna, c.tcb.sndMax, 'everything acknowledged');
  assert.equal(c.tcb.sacksState, undefined, 'no scoreboard made for ACKs without SACK blocks');

  const data = new Uint8Array(SEGMENTS * mss).map((_, i) => i & 0xff);
  const start = c.tcb.sndNxt;
  let dropped = 0;
  wire.drop = (from, bytes) => {
    if (from !== a || dropped > 0) return false;
    const p = tcpOut(bytes);
    if (p.tcp.seq !== ((start + mss) >>> 0) || p.payloadLength === 0) return false;
    dropped++;
    return true;
  };
  c.send(data, wire.now);
  let sawSack = false;
  for (let t = 0; t < 20 && !sawSack; t++) {
    wire.run(wire.now + 1);
    sawSack = c.tcb.sacksState !== undefined;
  }
  assert.equal(dropped, 1);
  assert.ok(sawSack, 'the scoreboard is made by the first SACK block');
  assert.ok(wire.tcpFrom(b).some((p) => p.tcp.options.sack !== undefined && (p.tcp.flags & FLAGS.ACK) !== 0));
  wire.run(wire.now + 2000);
  const got: number[] = [];
  for (let d = s.read(undefined, wire.now); d; d = s.read(undefined, wire.now)) got.push(...d);
  assert.deepEqual(Uint8Array.from(got), data, 'the stream arrives whole');
});

test('a handshake makes no TcbRare: the SYN and SYN-ACK send times are the TCB own field, and the RTT sample still comes from them', () => {
  const { a, b, wire } = clientServerWire([23, 24], { latency: 3 });
  wire.run(5);
  const c = a.connect({ address: B4, port: 80 }, wire.now);
  wire.run(wire.now + 4); // the SYN went at 5 and arrived at 8; the SYN-ACK arrives at 11
  const s = [...b.connections()][0];
  assert.ok(s !== undefined && s.state === 'SYN-RECEIVED');
  assert.equal(c.tcb.rareState, undefined, 'nothing rare made by the SYN');
  assert.equal(s.tcb.rareState, undefined, 'nothing rare made by the SYN-ACK');
  assert.equal(c.tcb.synSentAt, 5);
  assert.equal(s.tcb.synSentAt, 8, 'the SYN-ACK went when the SYN arrived');
  wire.run(wire.now + 20);
  assert.equal(c.state, 'ESTABLISHED');
  assert.equal(s.state, 'ESTABLISHED');
  // The handshake's RTT sample: 6 ms each way round (RFC 6298 §2.2: SRTT = R on the first sample).
  assert.equal(c.tcb.rtt.srtt, 6);
  assert.equal(s.tcb.rtt.srtt, 6);
  assert.equal(c.tcb.synSentAt, 0, 'cleared after the handshake');
  assert.equal(c.tcb.rareState, undefined);
  assert.equal(s.tcb.rareState, undefined);
});

test("connections read their stack's one shared config until a setting changes for one of them, which keeps it to itself", () => {
  const { a, b, wire } = clientServerWire([23, 24], { latency: 1 });
  const first = establish(wire, a, b, { address: B4, port: 80 }, { localPort: 40100 });
  const second = establish(wire, a, b, { address: B4, port: 80 }, { localPort: 40101 });
  assert.equal(first.c.tcb.config, second.c.tcb.config, 'one config object for both clients: no view made per connection');
  assert.equal(first.s.tcb.config, second.s.tcb.config, 'the same for the accepted ones');
  const before = second.c.tcb.config.noDelay;
  first.c.setNoDelay(!before, wire.now);
  assert.equal(first.c.tcb.config.noDelay, !before, 'the change holds on its connection');
  assert.equal(second.c.tcb.config.noDelay, before, 'and only there');
  assert.notEqual(first.c.tcb.config, second.c.tcb.config);
  first.c.tcb.setSendBufferSize(12_345);
  assert.equal(first.c.tcb.config.sendBufferSize, 12_345);
  assert.notEqual(second.c.tcb.config.sendBufferSize, 12_345, 'a buffer size set for one connection stays its own');
  const third = establish(wire, a, b, { address: B4, port: 80 }, { localPort: 40102 });
  assert.equal(third.c.tcb.config, second.c.tcb.config, 'a new connection reads the shared config, unchanged');
  assert.equal(third.c.tcb.config.noDelay, before);
  // Enough for slow start to take cwnd past half the 128 KiB send buffer, which auto-tuning then grows.
  const total = 512 * 1024;
  let sent = 0;
  let got = 0;
  for (let step = 0; step < 400 && got < total; step++) {
    if (sent < total) sent += third.c.send(new Uint8Array(total - sent), wire.now);
    wire.run(wire.now + 1);
    for (let d = third.s.read(undefined, wire.now); d; d = third.s.read(undefined, wire.now)) got += d.length;
  }
  assert.equal(got, total);
  assert.ok(third.c.tcb.sndBufGrown > 0, 'the ACKs grew the send buffer (auto-tuning)');
  assert.equal(third.c.tcb.config, second.c.tcb.config, 'which changed no setting: still the shared config');
});
