/**
 * The challenge-ACK side channel (the CVE-2016-5696 pattern), played against a stack. An off-path
 * attacker (198.18.0.1) holds one connection of its own to the server (198.18.0.2:80) and wants to
 * know whether a victim (198.18.0.3) has a connection from a guessed port to the same service:
 *
 *   1. it spoofs one SYN from the guessed 4-tuple. If a connection has that 4-tuple, the server
 *      answers with a challenge ACK (RFC 5961 §4.2) that goes to the victim, not to the attacker; if
 *      none has, the listener answers with a SYN-ACK, also to the victim. (synack answers a SYN
 *      outside the window with the sequence check's ACK, which spends no budget, so the probe here is
 *      a SYN inside the window: the attacker's luck, or its second guess, is given to it. For a
 *      TIME-WAIT record the probe is a RST inside its window, RFC 5961 §3.2);
 *   2. at the same instant it sends in-window RSTs on its own connection (SEG.SEQ = RCV.NXT + 1, each
 *      worth a challenge ACK, RFC 5961 §3.2), as many as it takes to spend what remains of a budget,
 *      and counts the challenge ACKs that come back to it.
 *
 * With one budget for the whole stack the count is one lower exactly when the guess was right: the
 * guess is told. With a budget per connection (RFC 5961 §7, Linux's per-socket limit since 4.0 and
 * the only one by default since 6.0) and per TIME-WAIT record, the attacker's count is the same
 * either way. Segments carry no timestamps (none negotiated), so nothing but the budget can differ.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, C4, drainOut, FLAGS, newStack, serverClosesFirst, tcpOut, tcpPacket } from './helpers.js';
import { decodeIp } from '../../src/wire/index.js';
import type { Stack } from '../../src/stack/stack.js';
import type { TcpConfig } from '../../src/tcp/config.js';

const { SYN, ACK, RST } = FLAGS;
const ATTACKER_PORT = 50000;
const VICTIM_PORT = 40000;
/** More RSTs than the stack-wide budget synack had (1000 per second), so any such budget is spent. */
const PROBES = 1001;
/** The server's RCV.NXT on the victim's connection (its ISN 7000 plus the SYN). */
const VICTIM_RCV_NXT = 7001;

/** A hand-made handshake from `src`:`sport`; returns RCV.NXT and SND.NXT of the server's side. */
function handshake(b: Stack, src: string, sport: number, now: number): { rcvNxt: number; sndNxt: number } {
  const iss = 7000;
  b.handlePacket(tcpPacket({ src, dst: B4, sport, dport: 80, seq: iss, flags: SYN }), now);
  const synAck = drainOut(b, now).map(tcpOut).find((p) => p.tcp.dstPort === sport && p.tcp.flags === (SYN | ACK));
  assert.ok(synAck, `SYN-ACK to ${src}:${sport}`);
  const sndNxt = (synAck.tcp.seq + 1) >>> 0;
  b.handlePacket(tcpPacket({ src, dst: B4, sport, dport: 80, seq: iss + 1, ack: sndNxt, flags: ACK }), now);
  assert.equal(drainOut(b, now).length, 0);
  return { rcvNxt: iss + 1, sndNxt };
}

/** Step 2: in-window RSTs on the attacker's own connection, each answered (or not) before the next. */
function spend(b: Stack, src: string, own: { rcvNxt: number; sndNxt: number }, now: number): number {
  let back = 0;
  for (let i = 0; i < PROBES; i++) {
    b.handlePacket(tcpPacket({ src, dst: B4, sport: ATTACKER_PORT, dport: 80, seq: own.rcvNxt + 1, ack: own.sndNxt, flags: RST }), now);
    for (const p of drainOut(b, now).map(tcpOut)) {
      assert.equal(p.tcp.dstPort, ATTACKER_PORT);
      assert.equal(p.tcp.flags, ACK, 'a challenge ACK');
      back++;
    }
  }
  return back;
}

/** Steps 1 and 2 at `now`: how many challenge ACKs reach the attacker's own connection. */
function attack(b: Stack, guessedPort: number, own: { rcvNxt: number; sndNxt: number }, now: number): { seen: number; victimGot: number[] } {
  b.handlePacket(tcpPacket({ src: C4, dst: B4, sport: guessedPort, dport: 80, seq: VICTIM_RCV_NXT, flags: SYN }), now);
  // Whatever answers the spoofed SYN goes to the victim; the attacker sees none of it.
  const victimGot = drainOut(b, now).map((p) => tcpOut(p).tcp.flags);
  return { seen: spend(b, A4, own, now), victimGot };
}

/** A server with the attacker's connection and the victim's (ESTABLISHED), one second into its life. */
function established(seed: number, tcp: Partial<TcpConfig> = {}) {
  const b = newStack([B4], seed, { tcp });
  b.listen(80, { backlog: 16 });
  const own = handshake(b, A4, ATTACKER_PORT, 0);
  handshake(b, C4, VICTIM_PORT, 0);
  return { b, own };
}

describe('the challenge-ACK side channel (CVE-2016-5696 pattern)', () => {
  test('an established connection: the attacker counts the same challenge ACKs whether its guess is right or wrong', () => {
    for (const seed of [1, 2, 3]) {
      const right = established(seed);
      const wrong = established(seed);
      const whenRight = attack(right.b, VICTIM_PORT, right.own, 1000);
      const whenWrong = attack(wrong.b, VICTIM_PORT + 1, wrong.own, 1000);
      // The spoofed SYN is challenged on the victim's connection (RFC 5961 §4.2 holds) or, for no
      // connection, answered by the listener.
      assert.deepEqual(whenRight.victimGot, [ACK], `seed ${seed}: the victim's challenge ACK`);
      assert.deepEqual(whenWrong.victimGot, [SYN | ACK], `seed ${seed}: the listener's SYN-ACK`);
      assert.ok(whenRight.seen > 0, `seed ${seed}: the attacker's own connection is still answered`);
      assert.equal(whenRight.seen, whenWrong.seen, `seed ${seed}: right guess ${whenRight.seen} challenge ACKs, wrong guess ${whenWrong.seen}: the guess is told`);
    }
  });

  test("a TIME-WAIT record: the same, with the victim's 4-tuple in TIME-WAIT", () => {
    const run = (guessRight: boolean) => {
      // The client (198.18.0.1) closes second, so the server holds TIME-WAIT for 198.18.0.1:40002.
      const { b, wire, s } = serverClosesFirst({ seeds: [11, 12], latency: 1, stepMs: 10, localPort: 40002, request: 'x' });
      assert.equal(b.timeWaitCount, 1);
      const now = wire.now + 1;
      const attacker = C4;
      const own = handshake(b, attacker, ATTACKER_PORT, now);
      // The probe: a RST inside TIME-WAIT's window but not at RCV.NXT (RFC 5961 §3.2 challenges it);
      // for no connection it is dropped unanswered (never a RST for a RST).
      const sport = guessRight ? 40002 : 40003;
      b.handlePacket(tcpPacket({ src: A4, dst: B4, sport, dport: 80, seq: s.tcb.rcvNxt + 1, flags: RST }), now);
      drainOut(b, now);
      return spend(b, attacker, own, now);
    };
    const whenRight = run(true);
    const whenWrong = run(false);
    assert.ok(whenRight > 0);
    assert.equal(whenRight, whenWrong, `right guess ${whenRight} challenge ACKs, wrong guess ${whenWrong}: the guess is told`);
  });

  test("one connection's challenge ACKs never spend another's: the victim is still answered after the attacker spends", () => {
    const { b, own } = established(4);
    spend(b, A4, own, 1000);
    b.handlePacket(tcpPacket({ src: C4, dst: B4, sport: VICTIM_PORT, dport: 80, seq: VICTIM_RCV_NXT, flags: SYN }), 1000);
    const toVictim = drainOut(b, 1000).map(tcpOut).filter((p) => p.tcp.dstPort === VICTIM_PORT);
    assert.deepEqual(toVictim.map((p) => p.tcp.flags), [ACK], "the victim's challenge ACK");
  });

  test('challengeAckGlobalLimit: a host-wide bound drawn at random each second caps what many connections send together', () => {
    const limit = 4; // each second's budget lies in [2, 6)
    const b = newStack([B4], 5, { tcp: { challengeAckGlobalLimit: limit } });
    b.listen(80, { backlog: 64 });
    const conns = Array.from({ length: 20 }, (_, i) => ({ port: 41000 + i, ...handshake(b, A4, 41000 + i, 0) }));
    const budgets: number[] = [];
    for (const now of [1000, 2000, 3000, 4000, 5000, 6000]) {
      let answered = 0;
      for (const c of conns) {
        b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: c.port, dport: 80, seq: c.rcvNxt + 1, ack: c.sndNxt, flags: RST }), now);
        answered += drainOut(b, now).length;
      }
      assert.ok(answered >= 2 && answered < 6, `at ${now} ms: ${answered} challenge ACKs`);
      budgets.push(answered);
    }
    assert.ok(new Set(budgets).size > 1, `the budget varies from second to second: ${budgets.join(',')}`);
  });

  test("the IPv4 ID is no counter shared by connections: the attacker's IDs do not move when another connection sends", () => {
    // The same guess through the ID field (the "mixed IPID" pattern): the attacker reads the ID of an
    // answer on its own connection (an out-of-window segment draws an ACK, RFC 9293 §3.10.7.4), spoofs
    // the probe, and reads the next ID. With one counter for the stack, the step is 2 when the
    // victim's connection answered the probe and 1 when it did not. (Every segment synack sends has
    // DF set: an atomic datagram, whose ID RFC 6864 §4.1 lets the source choose freely.)
    const idOfAnswer = (b: Stack, own: { rcvNxt: number; sndNxt: number }, now: number): number => {
      b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: ATTACKER_PORT, dport: 80, seq: own.rcvNxt + 100_000, ack: own.sndNxt, flags: ACK }), now);
      const out = drainOut(b, now);
      assert.equal(out.length, 1);
      const ipp = decodeIp(out[0]);
      assert.ok(ipp.ok && ipp.ip.version === 4);
      return ipp.ip.identification;
    };
    const steps = (guessedPort: number) => {
      const { b, own } = established(6);
      const before = idOfAnswer(b, own, 1000);
      // The probe: a RST in the victim's window. A connection challenges it (to the victim); for no
      // connection it is dropped unanswered (never a RST for a RST).
      b.handlePacket(tcpPacket({ src: C4, dst: B4, sport: guessedPort, dport: 80, seq: VICTIM_RCV_NXT + 1, flags: RST }), 1000);
      assert.equal(drainOut(b, 1000).length, guessedPort === VICTIM_PORT ? 1 : 0);
      // 600 ms on: the out-of-window answers are rate-limited per connection (invalidAckRateLimitMs, 500 ms).
      return (idOfAnswer(b, own, 1600) - before) & 0xffff;
    };
    const right = steps(VICTIM_PORT);
    const wrong = steps(VICTIM_PORT + 1);
    assert.equal(right, wrong, `the ID stepped ${right} after a right guess and ${wrong} after a wrong one: the guess is told`);
  });
});
