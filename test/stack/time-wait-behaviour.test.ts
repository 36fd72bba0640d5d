/**
 * What a stack answers for a 4-tuple in TIME-WAIT (RFC 9293 §3.10.7.4 with RFC 5961, RFC 7323 PAWS and
 * RFC 1337), seen from the wire only: the expected segments are built from what the TIME-WAIT side
 * sent last (its ACK of the peer's FIN), not read from the stack's state. Written against the stack
 * that kept a full TCB in TIME-WAIT, so that the compact record that replaced it answers the same.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, bytesOf, drainOut, FLAGS, serverClosesFirst, tcpOut, tcpPacket } from './helpers.js';
import { formatConnections, listConnections } from '../../src/stack/listing.js';
import type { Stack } from '../../src/stack/stack.js';
import type { TcpOptions } from '../../src/wire/index.js';

const { SYN, ACK, RST, FIN } = FLAGS;
const PORT = 40001;
const MSL2 = 60_000;

/** Run a stack's timers up to `until` (no packets arrive meanwhile). */
function advance(s: Stack, until: number): void {
  for (let t = s.pollTimeout(); t !== undefined && t <= until; t = s.pollTimeout()) s.handleTimeout(t);
}

function timeWaitRows(s: Stack, now: number) {
  return listConnections(s, now).filter((r) => r.state === 'TIME-WAIT');
}

/**
 * Server b closes first and ends in TIME-WAIT. Returns b and what it sent last (its ACK of the
 * client's FIN: seq, ack, window, TSval, at time t0), and the client's FIN (its TSval).
 */
function serverInTimeWait(timestamps: boolean) {
  const { a, b, wire } = serverClosesFirst({ seeds: [11, 12], client: { tcp: { timestamps } }, latency: 2, stepMs: 20, localPort: PORT, request: 'hello' });
  const fromB = wire.tcpFrom(b);
  const last = fromB[fromB.length - 1];
  const t0 = wire.log.filter((l) => l.from === b).at(-1)!.t;
  const clientFin = wire.tcpFrom(a).filter((p) => p.tcp.flags & FIN).at(-1)!;
  assert.equal(last.tcp.flags, ACK, "the server's last segment acknowledges the client's FIN");
  assert.equal(last.tcp.ack, (clientFin.tcp.seq + 1) >>> 0);
  assert.equal(timeWaitRows(b, wire.now).length, 1);
  return {
    b,
    now: wire.now,
    t0,
    seq: last.tcp.seq,
    ack: last.tcp.ack,
    window: last.tcp.window,
    tsval: last.tcp.options.timestamp?.value,
    peerTsval: clientFin.tcp.options.timestamp?.value,
  };
}

type Tw = ReturnType<typeof serverInTimeWait>;

function send(tw: Tw, now: number, seq: number, ack: number, flags: number, options: TcpOptions = {}, payload?: Uint8Array) {
  tw.b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: PORT, dport: 80, seq, ack, flags, options, payload }), now);
  return drainOut(tw.b, now).map(tcpOut);
}

/** The TIME-WAIT ACK: <SEQ=SND.NXT><ACK=RCV.NXT>, the same window, TSval moving with the clock, TSecr = TS.Recent. */
function assertTimeWaitAck(tw: Tw, out: ReturnType<typeof send>, now: number, tsecr?: number) {
  assert.equal(out.length, 1, 'one ACK');
  const p = out[0].tcp;
  assert.equal(p.flags, ACK);
  assert.equal(p.seq, tw.seq);
  assert.equal(p.ack, tw.ack);
  assert.equal(p.window, tw.window);
  if (tw.tsval === undefined) assert.equal(p.options.timestamp, undefined);
  else assert.deepEqual(p.options.timestamp, { value: (tw.tsval + Math.floor(now) - Math.floor(tw.t0)) >>> 0, echo: tsecr ?? tw.peerTsval });
}

for (const timestamps of [true, false]) {
  const ts = (tw: Tw, delta = 0): TcpOptions => (timestamps ? { timestamp: { value: (tw.peerTsval! + delta) >>> 0, echo: tw.tsval! } } : {});
  describe(`TIME-WAIT answers (timestamps ${timestamps ? 'on' : 'off'})`, () => {
    test('it ends silently at exactly 2*MSL after entering it; then the 4-tuple is a stranger (RST)', () => {
      const tw = serverInTimeWait(timestamps);
      advance(tw.b, tw.t0 + MSL2 - 1);
      assert.equal(timeWaitRows(tw.b, tw.t0 + MSL2 - 1).length, 1);
      assert.equal(timeWaitRows(tw.b, tw.t0 + MSL2 - 1)[0].stateAgeMs, MSL2 - 1, 'listed with its age');
      const text = formatConnections(listConnections(tw.b, tw.t0 + 1500)).split('\n').find((l) => l.startsWith('TIME-WAIT'));
      assert.ok(text && text.includes(`${A4}:${PORT}`) && text.includes('age:1.5s'), text);
      advance(tw.b, tw.t0 + MSL2);
      assert.deepEqual(drainOut(tw.b, tw.t0 + MSL2), [], 'no segment when TIME-WAIT ends');
      assert.equal(timeWaitRows(tw.b, tw.t0 + MSL2).length, 0);
      const out = send(tw, tw.t0 + MSL2 + 1, tw.ack, tw.seq, ACK);
      assert.equal(out.length, 1);
      assert.equal(out[0].tcp.flags, RST);
    });

    test("the peer's FIN again: ACK, and 2*MSL starts over", () => {
      const tw = serverInTimeWait(timestamps);
      const t1 = tw.t0 + 10_000;
      const out = send(tw, t1, (tw.ack - 1) >>> 0, tw.seq, FIN | ACK, ts(tw));
      assertTimeWaitAck(tw, out, t1);
      advance(tw.b, t1 + MSL2 - 1);
      assert.equal(timeWaitRows(tw.b, t1 + MSL2 - 1).length, 1, 'still there after the first 2*MSL');
      advance(tw.b, t1 + MSL2);
      assert.equal(timeWaitRows(tw.b, t1 + MSL2).length, 0);
    });

    test('an old segment (data before RCV.NXT): ACK, counted out of window, 2*MSL unchanged', () => {
      const tw = serverInTimeWait(timestamps);
      const before = tw.b.counters.tcp.TCPOutOfWindowAcks;
      const t1 = tw.t0 + 5000.7;
      const out = send(tw, t1, (tw.ack - 6) >>> 0, tw.seq, ACK, ts(tw), bytesOf('hello'));
      assertTimeWaitAck(tw, out, t1);
      assert.equal(tw.b.counters.tcp.TCPOutOfWindowAcks, before + 1);
      advance(tw.b, tw.t0 + MSL2);
      assert.equal(timeWaitRows(tw.b, tw.t0 + MSL2).length, 0);
    });

    test('a segment beyond the window: ACK', () => {
      const tw = serverInTimeWait(timestamps);
      const t1 = tw.t0 + 100;
      const out = send(tw, t1, (tw.ack + 10_000_000) >>> 0, tw.seq, ACK, ts(tw, 1), bytesOf('x'));
      assertTimeWaitAck(tw, out, t1);
    });

    test('new data at RCV.NXT (in the window): text ignored, acknowledged (RFC 9293 §3.10.7.4)', () => {
      const tw = serverInTimeWait(timestamps);
      const t1 = tw.t0 + 100;
      const out = send(tw, t1, tw.ack, tw.seq, ACK, ts(tw, 1), bytesOf('late'));
      // At RCV.NXT, its newer TSval becomes TS.Recent (RFC 7323 §4.3): the ACK echoes it.
      assertTimeWaitAck(tw, out, t1, timestamps ? (tw.peerTsval! + 1) >>> 0 : undefined);
      assert.equal(timeWaitRows(tw.b, t1).length, 1);
    });

    test('a RST at RCV.NXT does not end TIME-WAIT (RFC 1337)', () => {
      const tw = serverInTimeWait(timestamps);
      const out = send(tw, tw.t0 + 100, tw.ack, 0, RST);
      assert.deepEqual(out, []);
      advance(tw.b, tw.t0 + MSL2 - 1);
      assert.equal(timeWaitRows(tw.b, tw.t0 + MSL2 - 1).length, 1);
    });

    test('a RST elsewhere in the window: a challenge ACK (RFC 5961 §3.2)', () => {
      const tw = serverInTimeWait(timestamps);
      const before = tw.b.counters.tcp.TCPChallengeACK;
      const t1 = tw.t0 + 200;
      const out = send(tw, t1, (tw.ack + 100) >>> 0, 0, RST);
      assertTimeWaitAck(tw, out, t1);
      assert.equal(tw.b.counters.tcp.TCPChallengeACK, before + 1);
      assert.equal(timeWaitRows(tw.b, t1).length, 1);
    });

    test('a RST outside the window: dropped silently', () => {
      const tw = serverInTimeWait(timestamps);
      assert.deepEqual(send(tw, tw.t0 + 100, (tw.ack - 1000) >>> 0, 0, RST), []);
      assert.equal(timeWaitRows(tw.b, tw.t0 + 100).length, 1);
    });

    test('an ACK for something never sent: a challenge ACK (RFC 5961 §5.2)', () => {
      const tw = serverInTimeWait(timestamps);
      const before = tw.b.counters.tcp.TCPChallengeACK;
      const t1 = tw.t0 + 300;
      const out = send(tw, t1, tw.ack, (tw.seq + 5000) >>> 0, ACK, ts(tw, 1));
      assertTimeWaitAck(tw, out, t1, timestamps ? (tw.peerTsval! + 1) >>> 0 : undefined);
      assert.equal(tw.b.counters.tcp.TCPChallengeACK, before + 1);
    });

    test('a segment without ACK at RCV.NXT: no answer', () => {
      const tw = serverInTimeWait(timestamps);
      assert.deepEqual(send(tw, tw.t0 + 100, tw.ack, 0, 0, ts(tw, 1)), []);
    });

    if (timestamps) {
      test('PAWS: a TSval older than TS.Recent is answered with an ACK and counted (RFC 7323 §5.3)', () => {
        const tw = serverInTimeWait(timestamps);
        const before = tw.b.counters.tcp.PAWSEstab;
        const t1 = tw.t0 + 400;
        const out = send(tw, t1, tw.ack, tw.seq, ACK, ts(tw, -1));
        assertTimeWaitAck(tw, out, t1);
        assert.equal(tw.b.counters.tcp.PAWSEstab, before + 1);
      });

      test('TS.Recent follows an acceptable segment: the next ACK echoes the newer TSval', () => {
        const tw = serverInTimeWait(timestamps);
        send(tw, tw.t0 + 100, tw.ack, tw.seq, ACK, ts(tw, 7));
        const t2 = tw.t0 + 200;
        const out = send(tw, t2, (tw.ack - 1) >>> 0, tw.seq, FIN | ACK, ts(tw, 8));
        assertTimeWaitAck(tw, out, t2, (tw.peerTsval! + 7) >>> 0);
      });
    }

    test('an old SYN (not a new incarnation) gets an ACK and leaves TIME-WAIT as it was', () => {
      const tw = serverInTimeWait(timestamps);
      const t1 = tw.t0 + 500;
      const out = send(tw, t1, (tw.ack - 3000) >>> 0, 0, SYN, timestamps ? { timestamp: { value: (tw.peerTsval! - 5) >>> 0, echo: 0 } } : {});
      assertTimeWaitAck(tw, out, t1);
      assert.equal(tw.b.counters.tcp.TimeWaitReused, 0);
      advance(tw.b, tw.t0 + MSL2);
      assert.equal(timeWaitRows(tw.b, tw.t0 + MSL2).length, 0, '2*MSL not restarted');
    });
  });
}
