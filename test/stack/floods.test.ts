/**
 * Floods at a listener, played against a stack in virtual time: spoofed ACKs and SYN-ACKs (RFC 9293
 * §3.10.7.2: a listener answers an ACK with <SEQ=SEG.ACK><CTL=RST>, and a SYN-ACK too unless
 * `listenSynAckReset` is off) and ACKs to a closed port (§3.10.7.1). No state is kept for any of
 * them, and the RSTs are bounded by `limits.rstPerSecond` (1000 by default, each second's budget
 * drawn from [875, 1000]); the rest are counted (OutRstsRateLimited).
 *
 * And Slowloris-style peers that open connections and trickle a byte every ten seconds: what bounds
 * them in the stack is the listener's backlog (connections not yet accepted; the handshake's last
 * ACK is dropped beyond it, ListenOverflows) and `limits.maxConnections` (TCPConnectionLimitDrops).
 * What an accepted connection may hold is the application's to decide (socket timeouts, a server's
 * maxConnections).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { B4, FLAGS, newStack, runStacks, tcpOut, tcpPacket } from './helpers.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { DEFAULT_STACK_LIMITS } from '../../src/stack/stack.js';
import type { Stack } from '../../src/stack/stack.js';

const { SYN, ACK, RST } = FLAGS;

/** `perMs` spoofed segments with `flags` each virtual ms for `ms` ms, from random sources in 198.19.0.0/16. RSTs out, per second. */
function flood(server: Stack, flags: number, dport: number, ms: number, perMs: number, seed: number): number[] {
  const r = new SeededRandom(seed);
  const rstsPerSecond: number[] = [];
  for (let t = 0; t < ms; t++) {
    for (let k = 0; k < perMs; k++) {
      const src = `198.19.${r.int(256)}.${r.int(256)}`;
      server.handlePacket(tcpPacket({ src, dst: B4, sport: 1024 + r.int(60000), dport, seq: r.int(2 ** 32), ack: r.int(2 ** 32), flags }), t);
    }
    for (let p = server.pollTransmit(t); p; p = server.pollTransmit(t)) {
      const out = tcpOut(p);
      assert.ok(out.tcp.flags & RST, 'only RSTs go out');
      rstsPerSecond[Math.floor(t / 1000)] = (rstsPerSecond[Math.floor(t / 1000)] ?? 0) + 1;
    }
  }
  return rstsPerSecond;
}

describe('ACK and SYN-ACK floods: no state, RSTs bounded', () => {
  const cases: Array<[string, number, boolean]> = [
    ['ACK flood at a listener', ACK, true],
    ['SYN-ACK flood at a listener', SYN | ACK, true],
    ['ACK flood at a closed port', ACK, false],
  ];
  for (const [name, flags, listening] of cases) {
    test(`${name}: 5,000 a second for 3 s, at most rstPerSecond RSTs each second`, () => {
      const seed = 5961;
      const server = newStack([B4], seed);
      if (listening) server.listen(80);
      const rsts = flood(server, flags, 80, 3000, 5, seed);
      const limit = DEFAULT_STACK_LIMITS.rstPerSecond;
      for (const [s, n] of rsts.entries()) {
        assert.ok(n <= limit && n >= limit - (limit >> 3), `seed ${seed}: second ${s}: ${n} RSTs`);
      }
      const sent = rsts.reduce((a, b) => a + b, 0);
      assert.equal(server.counters.tcp.OutRstsRateLimited, 15_000 - sent);
      assert.equal([...server.connections()].length, 0, 'no connection made');
      for (const l of server.listenersList()) assert.equal(l.synQueue.size + l.acceptQueue.length, 0);
      assert.equal(server.counters.tcp.OutRsts, sent);
    });
  }

  test('rstPerSecond: 0 answers every one', () => {
    const server = newStack([B4], 1, { limits: { rstPerSecond: 0 } });
    server.listen(80);
    const rsts = flood(server, ACK, 80, 1000, 5, 1);
    assert.equal(rsts[0], 5000);
    assert.equal(server.counters.tcp.OutRstsRateLimited, 0);
  });
});

describe('Slowloris: connections opened and trickled', () => {
  /** `n` clients connect to port 80 and each sends a byte every 10 s for a minute; the server accepts as `accept` says. */
  function slowloris(n: number, serverLimits: Partial<typeof DEFAULT_STACK_LIMITS>, backlog: number, accept: boolean) {
    const server = newStack([B4], 7, { limits: serverLimits, synCookies: 'off' });
    const client = newStack(['198.18.0.1'], 8);
    const listener = server.listen(80, { backlog });
    const conns = Array.from({ length: n }, () => client.connect({ address: B4, port: 80 }, 0));
    let now = 0;
    for (let round = 0; round < 6; round++) {
      now = runStacks(client, server, now, now + 10_000);
      if (accept) while (listener.accept()) {}
      for (const c of conns) if (c.state === 'ESTABLISHED') c.send(new Uint8Array([0x47]), now);
      now += 10_000;
    }
    runStacks(client, server, now, now + 1000);
    return { server, listener };
  }

  test('an application that never accepts holds at most its backlog (and its SYN queue) however many come', () => {
    const { server, listener } = slowloris(300, { synQueueSize: 64 }, 16, false);
    const held = [...server.connections()].length;
    assert.ok(held <= 16 + 64, `${held} connections held`);
    assert.equal(listener.acceptQueue.length, 16);
    assert.ok(server.counters.tcp.ListenOverflows > 0);
  });

  test('an application that accepts all is bounded by limits.maxConnections', () => {
    const { server } = slowloris(300, { maxConnections: 100 }, 511, true);
    assert.ok([...server.connections()].length <= 100);
    assert.ok(server.counters.tcp.TCPConnectionLimitDrops > 0);
  });
});
