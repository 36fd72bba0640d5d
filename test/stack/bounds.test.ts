/**
 * The stack's resource bounds at their limits (StackLimits): TIME-WAIT entries, orphans and the
 * FIN-WAIT-2 timeout, out-of-order reassembly bytes per connection and per stack, connections.
 * Virtual time, seeded stacks; expected values come from the scenario, not from the stack's state.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, bytesOf, C4, clientServerWire, closeInTurn, drainOut, establish, FLAGS, newStack, tcpOut, tcpPacket, Wire } from './helpers.js';
import { listConnections } from '../../src/stack/listing.js';
import type { Connection } from '../../src/stack/connection.js';
import type { Stack } from '../../src/stack/stack.js';
import { TcpError } from '../../src/tcp/tcb.js';

const { SYN, ACK, RST } = FLAGS;

function states(s: Stack, now: number, state: string) {
  return listConnections(s, now).filter((r) => r.state === state);
}

describe('limits.timeWaitMax', () => {
  test('beyond it the oldest TIME-WAIT entry is recycled and counted; the newest stay', () => {
    const { a, b, wire } = clientServerWire([21, 22], { client: { limits: { timeWaitMax: 3 } }, latency: 1 });
    const clients: Connection[] = [];
    for (let i = 0; i < 5; i++) {
      const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
      closeInTurn(wire, c, s, 5); // the client closes first: it ends in TIME-WAIT
      clients.push(c);
      assert.equal(a.timeWaitCount, Math.min(i + 1, 3));
    }
    assert.equal(a.counters.tcp.TCPTimeWaitOverflow, 2);
    const listed = states(a, wire.now, 'TIME-WAIT').map((r) => r.local);
    assert.deepEqual(listed.sort(), clients.slice(2).map((c) => `${A4}:${c.local.port}`).sort(), 'the three newest are kept');
    assert.deepEqual(clients.map((c) => c.state), ['CLOSED', 'CLOSED', 'TIME-WAIT', 'TIME-WAIT', 'TIME-WAIT']);
    // A recycled 4-tuple is a stranger now: a segment for it gets a RST; a kept one gets TIME-WAIT's ACK.
    for (const [i, expect] of [[0, RST], [4, ACK]] as const) {
      const c = clients[i];
      a.handlePacket(tcpPacket({ src: B4, dst: A4, sport: 80, dport: c.local.port, seq: (c.tcb.rcvNxt - 1) >>> 0, ack: c.tcb.sndNxt, flags: ACK | FLAGS.FIN, options: { timestamp: { value: c.tcb.tsRecent, echo: 0 } } }), wire.now);
      const out = drainOut(a, wire.now).map(tcpOut);
      assert.equal(out.length, 1);
      assert.equal(out[0].tcp.flags & (RST | ACK), expect);
    }
  });

  test('timeWaitMax 0: no TIME-WAIT is kept at all', () => {
    const { a, b, wire } = clientServerWire([23, 24], { client: { limits: { timeWaitMax: 0 } } });
    const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
    closeInTurn(wire, c, s, 5);
    assert.equal(a.timeWaitCount, 0);
    assert.equal(c.state, 'CLOSED');
    assert.equal(a.counters.tcp.TCPTimeWaitOverflow, 1);
  });
});

describe('limits.maxOrphans', () => {
  test('a close() beyond it resets the connection (TCPAbortOnMemory); orphans below it finish normally', () => {
    const { a, b, wire } = clientServerWire([25, 26], { server: { limits: { maxOrphans: 2 } }, latency: 1 });
    const pairs = [0, 1, 2].map(() => establish(wire, a, b, { address: B4, port: 80 }));
    // The peer hears nothing more: every FIN of b stays unacknowledged, so b's closed connections stay orphans.
    let cut = true;
    wire.drop = (from) => cut && from === b;
    const t0 = wire.now;
    for (const p of pairs) p.s.close(wire.now);
    assert.equal(b.orphanCount, 2);
    assert.equal(b.counters.tcp.TCPAbortOnMemory, 1);
    assert.deepEqual(pairs.map((p) => p.s.state), ['FIN-WAIT-1', 'FIN-WAIT-1', 'CLOSED']);
    wire.run(t0 + 1);
    const rsts = wire.tcpFrom(b, t0).filter((p) => p.tcp.flags & RST);
    assert.equal(rsts.length, 1, 'the third is reset');
    assert.equal(rsts[0].tcp.dstPort, pairs[2].c.local.port);
    // The network comes back: the two orphans finish (the peer closes too) and the count drops to 0.
    cut = false;
    for (const p of pairs.slice(0, 2)) p.c.close(wire.now);
    wire.run(wire.now + 5000);
    assert.ok(pairs.slice(0, 2).every((p) => p.s.state === 'TIME-WAIT' || p.s.state === 'CLOSED'));
    assert.equal(b.orphanCount, 0);
    // Below the limit again: a close() is an ordinary close.
    const q = establish(wire, a, b, { address: B4, port: 80 });
    q.s.close(wire.now);
    assert.equal(q.s.state, 'FIN-WAIT-1');
    assert.equal(b.counters.tcp.TCPAbortOnMemory, 1);
  });

  test('an orphan in FIN-WAIT-2 is given up after finWait2TimeoutMs, not a moment before', () => {
    const { a, b, wire } = clientServerWire([27, 28], { server: { tcp: { finWait2TimeoutMs: 30_000 } }, latency: 1 });
    const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
    s.close(wire.now); // the peer acknowledges the FIN but its application never closes
    wire.run(wire.now + 10);
    assert.equal(s.state, 'FIN-WAIT-2');
    assert.equal(c.state, 'CLOSE-WAIT');
    assert.equal(b.orphanCount, 1);
    const enteredAt = wire.log.filter((l) => l.from === a).at(-1)!.t + wire.latency; // the ACK of the FIN arrived
    wire.run(enteredAt + 30_000 - 1);
    assert.equal(s.state, 'FIN-WAIT-2');
    assert.equal(states(b, wire.now, 'FIN-WAIT-2').length, 1);
    wire.run(enteredAt + 30_000);
    assert.equal(s.state, 'CLOSED');
    assert.deepEqual([...b.connections()], []);
    assert.equal(b.orphanCount, 0);
    assert.equal(b.timeWaitCount, 0);
  });

  test('a connection the application has only shut down is not an orphan', () => {
    const { a, b, wire } = clientServerWire([29, 30], { server: { limits: { maxOrphans: 0 } } });
    const { s } = establish(wire, a, b, { address: B4, port: 80 });
    s.shutdown(wire.now);
    wire.run(wire.now + 10);
    assert.equal(s.state, 'FIN-WAIT-2');
    assert.equal(b.orphanCount, 0);
    assert.equal(b.counters.tcp.TCPAbortOnMemory, 0);
  });
});

/** Client a's connection to b, and a way to inject segments from a's side by hand. */
function scripted(seed: number, limits: Parameters<typeof newStack>[2] = {}) {
  const a = newStack([A4, C4], seed);
  const b = newStack([B4], seed + 1, limits);
  const wire = new Wire([a, b]);
  wire.latency = 1;
  b.listen(80);
  const open = (local = A4) => {
    const { c, s } = establish(wire, a, b, { address: B4, port: 80 }, { localAddress: local });
    const seg = (offset: number, len: number) => {
      b.handlePacket(
        tcpPacket({ src: local, dst: B4, sport: c.local.port, dport: 80, seq: (c.tcb.sndNxt + offset) >>> 0, ack: c.tcb.rcvNxt, flags: ACK, options: { timestamp: { value: s.tcb.tsRecent, echo: 0 } }, payload: new Uint8Array(len).fill(7) }),
        wire.now,
      );
      drainOut(b, wire.now);
    };
    return { c, s, seg };
  };
  return { a, b, wire, open };
}

describe('reassembly memory', () => {
  test('per connection: the out-of-order queue never holds more than the receive window', () => {
    const { b, open } = scripted(31, { tcp: { receiveBufferSize: 8192 } });
    const { s, seg } = open();
    const wnd = (s.tcb.rcvAdv - s.tcb.rcvNxt) >>> 0;
    assert.ok(wnd > 0 && wnd <= 8192 + 1460, `window ${wnd}`);
    seg(wnd + 100, 1000); // wholly beyond the window: not held
    assert.equal(s.tcb.receiveBuffer.outOfOrderBytes, 0);
    seg(wnd - 300, 1000); // across the right edge: only what lies inside
    assert.equal(s.tcb.receiveBuffer.outOfOrderBytes, 300);
    for (let off = 1; off < wnd; off += 1000) seg(off, 1000); // everything else after a one-byte hole
    assert.equal(s.tcb.receiveBuffer.outOfOrderBytes, wnd - 1);
    assert.equal(b.reassemblyBytes, wnd - 1, 'the stack counts what the connection holds');
  });

  test('per stack: out-of-order data beyond reassemblyBytes is dropped and counted (TCPOFODrop), in-order data never', () => {
    const { b, wire, open } = scripted(33, { limits: { reassemblyBytes: 3000 } });
    const one = open(A4);
    const two = open(C4);
    one.seg(1, 2000); // held: 2000 of 3000
    assert.equal(b.reassemblyBytes, 2000);
    two.seg(1, 1500); // would make 3500: dropped
    assert.equal(two.s.tcb.receiveBuffer.outOfOrderBytes, 0);
    assert.equal(b.counters.tcp.TCPOFODrop, 1);
    two.seg(0, 1500); // in order: taken whatever the total
    assert.equal(two.s.tcb.readableLength, 1500);
    two.seg(1500 + 1, 1000); // 2000 + 1000 = 3000: at the bound, held
    assert.equal(b.reassemblyBytes, 3000);
    assert.equal(b.counters.tcp.TCPOFODrop, 1);
    // Connection one's hole fills: its out-of-order bytes move in order and the stack's total drops.
    one.seg(0, 1);
    assert.equal(one.s.tcb.readableLength, 2001);
    assert.equal(b.reassemblyBytes, 1000);
    // A connection that goes away gives its share back.
    two.s.abort(wire.now);
    drainOut(b, wire.now);
    assert.equal(b.reassemblyBytes, 0);
  });
});

describe('limits.maxConnections', () => {
  test('at the limit connect() throws ENOBUFS and new SYNs are dropped and counted; below it again, both work', () => {
    const { a, b, wire } = clientServerWire([35, 36], { server: { limits: { maxConnections: 2 }, synCookies: 'off' }, latency: 1 });
    a.listen(81);
    const first = establish(wire, a, b, { address: B4, port: 80 });
    const out = b.connect({ address: A4, port: 81 }, wire.now);
    wire.run(wire.now + 10);
    assert.equal(out.state, 'ESTABLISHED');
    assert.throws(
      () => b.connect({ address: A4, port: 81 }, wire.now),
      (e: unknown) => e instanceof TcpError && e.code === 'ENOBUFS',
    );
    const t0 = wire.now;
    const third = a.connect({ address: B4, port: 80 }, wire.now);
    wire.run(t0 + 10);
    assert.equal(third.state, 'SYN-SENT');
    assert.equal(b.counters.tcp.TCPConnectionLimitDrops, 1);
    assert.equal(b.counters.tcp.ListenDrops, 1);
    assert.equal(wire.tcpFrom(b, t0).filter((p) => p.tcp.flags & SYN).length, 0, 'no SYN-ACK');
    // One connection ends (a RST: gone at once); the client's SYN retransmission gets in.
    first.s.abort(wire.now);
    wire.run(t0 + 5000);
    assert.equal(third.state, 'ESTABLISHED');
  });

  test("with cookies ('always') the SYN is answered statelessly and the completing ACK waits for room", () => {
    const { a, b, wire } = clientServerWire([37, 38], { server: { limits: { maxConnections: 1 }, synCookies: 'always' }, latency: 1 });
    const first = establish(wire, a, b, { address: B4, port: 80 });
    const t0 = wire.now;
    const second = a.connect({ address: B4, port: 80 }, wire.now);
    wire.run(t0 + 10);
    assert.equal(second.state, 'ESTABLISHED', 'the client has its cookie SYN-ACK');
    assert.equal([...b.connections()].length, 1, 'the server holds no state for it');
    assert.equal(b.counters.tcp.TCPConnectionLimitDrops, 1);
    second.send(bytesOf('hi'), wire.now);
    first.s.abort(wire.now);
    wire.run(t0 + 5000);
    const l = [...b.listenersList()][0];
    const s2 = l.accept();
    assert.ok(s2, 'the retransmitted data completed the cookie handshake once there was room');
    assert.equal(new TextDecoder().decode(s2.read(undefined, wire.now)), 'hi');
  });
});
