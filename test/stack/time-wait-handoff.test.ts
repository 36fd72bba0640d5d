/**
 * The hand-off from a connection to its compact TIME-WAIT record (time-wait.ts). The record answers the
 * peer alone; the application's connection stays in TIME-WAIT and gets 'closed' when the record ends
 * at 2*MSL (RFC 9293 §3.10.7.4: "When the time-wait timeout expires, delete the TCB"), whether or not
 * the application still holds it, and whatever the garbage collector did in between. What the TCB
 * kept only for sending and receiving goes at the hand-off.
 *
 * Numbers: mslMs is 30,000 (config.ts), so 2*MSL is 60,000 ms from the moment the server entered
 * TIME-WAIT, and a retransmitted FIN restarts it from its arrival (§3.10.7.4, TIME-WAIT: "Acknowledge
 * it, and restart the 2 MSL timeout").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { B4, bytesOf, clientServerWire, drainOut, establish, FLAGS, serverClosesFirst, stackEvents, tcpOut, textOf } from './helpers.js';
import { SettledCongestion } from '../../src/tcp/congestion.js';
import { Timer } from '../../src/tcp/timers.js';
import { listConnections } from '../../src/stack/listing.js';
import type { StackEvent } from '../../src/stack/stack.js';

const { ACK, FIN } = FLAGS;
const PORT = 40010;
const TWO_MSL = 60_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A server in TIME-WAIT whose application dropped its connection: only the stacks and the wire are returned. */
function serverDropsItsConnection() {
  const { a, b, wire } = serverClosesFirst({ seeds: [11, 12], latency: 1, stepMs: 10, localPort: PORT, request: 'q', response: 'r' });
  stackEvents(b); // the events so far, and with them every reference to the connection outside the stack
  stackEvents(a);
  const row = listConnections(b, wire.now).find((r) => r.state === 'TIME-WAIT');
  assert.ok(row && row.expiresInMs !== undefined);
  const clientFin = wire.log.find((l) => l.from === a && tcpOut(l.bytes).tcp.flags & FIN);
  assert.ok(clientFin);
  return { a, b, wire, deadline: wire.now + row.expiresInMs, clientFin: clientFin.bytes };
}

const closedEvents = (evs: StackEvent[]) => evs.filter((e) => e.type === 'event' && e.event.type === 'closed');

test("a connection the application no longer holds still gets 'closed' at 2*MSL, after a garbage collection", async () => {
  const { b, wire, deadline } = serverDropsItsConnection();
  await new Promise<void>((resolve) => setImmediate(resolve)); // a new job: nothing of the old one is kept alive for it
  gc();
  wire.run(deadline - 1);
  assert.deepEqual(closedEvents(stackEvents(b)), [], 'not before 2*MSL');
  assert.equal(b.timeWaitCount, 1);
  wire.run(deadline);
  const closed = closedEvents(stackEvents(b));
  assert.equal(closed.length, 1, "one 'closed', at 2*MSL");
  assert.equal(closed[0].type === 'event' && closed[0].connection.state, 'CLOSED');
  assert.equal(b.timeWaitCount, 0);
});

test('after the connection was dropped and collected, the record ACKs a retransmitted FIN and restarts 2*MSL', async () => {
  const { b, wire, deadline, clientFin } = serverDropsItsConnection();
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc();
  const at = wire.now + 5_000;
  wire.run(at);
  b.handlePacket(clientFin, at);
  const out = drainOut(b, at).map(tcpOut);
  assert.equal(out.length, 1, 'one answer');
  assert.equal(out[0].tcp.flags, ACK);
  assert.equal((tcpOut(clientFin).tcp.seq + 1) >>> 0, out[0].tcp.ack, 'ACK = the FIN + 1 (RCV.NXT)');
  wire.run(deadline);
  assert.deepEqual(closedEvents(stackEvents(b)), [], 'the first deadline has moved');
  wire.run(at + TWO_MSL);
  assert.equal(closedEvents(stackEvents(b)).length, 1, "'closed' 2*MSL after the retransmitted FIN");
  assert.equal(b.timeWaitCount, 0);
});

test('a connection handed to its TIME-WAIT record keeps no sending state (RACK, SACK scoreboard, PRR, send buffer)', () => {
  const { b, s } = serverClosesFirst({ seeds: [13, 14], latency: 1, stepMs: 10, localPort: PORT, request: 'q', response: 'r' });
  assert.equal(b.timeWaitCount, 1);
  assert.equal(s.state, 'TIME-WAIT');
  assert.ok(s.tcb.sackPermitted, 'SACK was negotiated, so RACK recorded the response');
  assert.equal(s.tcb.rackState, undefined);
  assert.equal(s.tcb.sacksState, undefined);
  assert.equal(s.tcb.prrState, undefined);
  assert.equal(s.tcb.sndBuf, undefined);
});

test('at the hand-off the congestion state settles to its name, cwnd and ssthresh, and the receive-space tuner goes; unread bytes stay readable', () => {
  const { a, b, wire } = clientServerWire([15, 16], { latency: 1 });
  const { c, s } = establish(wire, a, b, { address: B4, port: 80 }, { localPort: PORT });
  s.send(bytesOf('response'), wire.now); // CUBIC grows from the ACK of it
  wire.run(wire.now + 10);
  const tcb = s.tcb;
  let before: { name: string; cwnd: number; ssthresh: number } | undefined;
  let hadTuner: boolean | undefined;
  const release = tcb.releaseForTimeWait;
  tcb.releaseForTimeWait = function (this: typeof tcb, ...args: Parameters<typeof release>) {
    const cc = this.congestion;
    before = { name: cc.name, cwnd: cc.cwnd, ssthresh: cc.ssthresh };
    hadTuner = this.rcvTuner !== undefined;
    release.call(this, ...args);
  };
  s.shutdown(wire.now); // a half close: data after a full close would be answered by a reset
  wire.run(wire.now + 10);
  assert.equal(s.state, 'FIN-WAIT-2');
  assert.equal(textOf(c.read(undefined, wire.now)), 'response');
  c.send(bytesOf('unread'), wire.now); // the server's application reads it only in TIME-WAIT
  c.close(wire.now);
  wire.run(wire.now + 10);
  assert.equal(s.state, 'TIME-WAIT');
  assert.equal(b.timeWaitCount, 1, 'handed to its record');
  assert.ok(before, 'the hand-off happened');
  assert.equal(hadTuner, true, 'data arrived, so the tuner was made');
  assert.ok(tcb.cc instanceof SettledCongestion, 'CUBIC let go');
  assert.deepEqual({ name: tcb.congestion.name, cwnd: tcb.congestion.cwnd, ssthresh: tcb.congestion.ssthresh }, before);
  assert.equal(tcb.rcvTuner, undefined);
  assert.equal(textOf(s.read(undefined, wire.now)), 'unread');
  assert.equal(s.state, 'TIME-WAIT');
});

test("a connection handed to its record keeps no timer table; its 2*MSL deadline is the record's, moved by a retransmitted FIN, and gone at CLOSED", () => {
  const { a, b, wire, s } = serverClosesFirst({ seeds: [17, 18], latency: 1, stepMs: 10, localPort: PORT, request: 'q', response: 'r' });
  stackEvents(a);
  const clientFin = wire.log.find((l) => l.from === a && tcpOut(l.bytes).tcp.flags & FIN);
  assert.ok(clientFin);
  assert.equal(b.timeWaitCount, 1);
  assert.equal(s.tcb.deadlines, undefined, 'no timer table after the hand-off');
  const row = listConnections(b, wire.now).find((r) => r.state === 'TIME-WAIT');
  assert.ok(row && row.expiresInMs !== undefined);
  assert.equal(s.tcb.timerAt(Timer.Close), wire.now + row.expiresInMs, 'the listing and the connection tell one deadline');
  const at = wire.now + 5_000;
  wire.run(at);
  b.handlePacket(clientFin.bytes, at);
  drainOut(b, at);
  assert.equal(s.tcb.timerAt(Timer.Close), at + TWO_MSL, 'restarted by the FIN, as the record answers it');
  wire.run(at + TWO_MSL);
  assert.equal(s.state, 'CLOSED');
  assert.equal(s.tcb.timerAt(Timer.Close), undefined);
  assert.equal(b.timeWaitCount, 0);
});
