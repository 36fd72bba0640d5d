/**
 * tcbView and its siblings: a connection's RFC 9293 variables, RTT estimator (RFC 6298), timers and
 * sequence space read from a real run, each checked against what the RFCs say they must be. The link
 * is 10 ms each way, so the first RTT sample R is 20 ms: SRTT = R, RTTVAR = R/2 = 10, and
 * RTO = max(minRto 200 ms, SRTT + max(G, 4*RTTVAR) = 60 ms) = 200 ms (RFC 6298 §2.2, §2.4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/index.js';
import { countersView, stackViews, tcbView } from '../../src/trace/index.js';

const SEED = 5;

function pair() {
  const net = new SimNetwork(SEED);
  const a = net.addHost('client', { addresses: ['198.18.0.1'], tcp: { ackDelayMs: 0 } });
  const b = net.addHost('server', { addresses: ['198.18.0.2'], tcp: { ackDelayMs: 0 } });
  const link = net.link(a, b, { delayMs: 10 });
  const l = b.stack.listen(80, { backlog: 7 });
  const c = a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  a.kick();
  return { net, a, b, link, l, c };
}

test(`after the handshake: SND.UNA = ISS + 1, RCV.NXT = IRS + 1, the first RTT sample as RFC 6298 says (seed ${SEED})`, () => {
  const { net, a, b, l, c } = pair();
  net.runFor(0); // the SYN goes out
  const synSent = tcbView('client', c, net.now);
  assert.equal(synSent.state, 'SYN-SENT');
  assert.equal(synSent.irs, 0, 'no IRS before the SYN+ACK');
  assert.equal(synSent.srtt, null);
  assert.equal(synSent.rto, 1000, 'RFC 6298 §2.1: 1 s before any sample');
  assert.deepEqual(synSent.timers.map((t) => t.kind), ['retransmission']);
  assert.equal(synSent.timers[0].deadline, 1000);
  net.runUntil(() => c.state === 'ESTABLISHED');
  net.runFor(15);
  const v = tcbView('client', c, net.now);
  const s = l.acceptQueue[0];
  assert.ok(s, 'the server connection waits in the accept queue');
  const w = tcbView('server', s, net.now);
  assert.equal(v.conn, `198.18.0.1:${c.local.port}>198.18.0.2:80`);
  assert.equal(v.sndUna, (v.iss + 1) >>> 0);
  assert.equal(v.sndNxt, (v.iss + 1) >>> 0);
  assert.equal(v.rcvNxt, (v.irs + 1) >>> 0);
  assert.equal(v.irs, w.iss);
  assert.equal(w.irs, v.iss);
  assert.equal(v.srtt, 20);
  assert.equal(v.rttvar, 10);
  assert.equal(v.rto, 200);
  assert.equal(v.flight, 0);
  assert.deepEqual(v.timers, [], 'nothing outstanding: no timer');
  // Nothing sent yet: the window the sender will start from, RFC 6928's ten segments (not 0).
  assert.equal(v.cwnd, 10 * v.mss);
  assert.equal(w.cwnd, 10 * w.mss);
  assert.deepEqual(v.space, { acked: 0, sent: 0, unsent: 0, sacked: [], lost: [] });
  // 3000 bytes sent: in flight, and the retransmission timer armed at now + RTO (RFC 6298 §5.1).
  c.send(new Uint8Array(3000), net.now);
  a.kick();
  net.runFor(0);
  const sending = tcbView('client', c, net.now);
  assert.equal(sending.space.acked, 0);
  assert.equal(sending.space.sent + sending.space.unsent, 3000);
  assert.equal(sending.flight, sending.space.sent);
  assert.equal(sending.sndMax, (sending.iss + 1 + sending.space.sent) >>> 0);
  // RFC 8985 §7.2: a tail loss probe armed at 2*SRTT (several segments in flight: no delayed-ACK
  // allowance), before the retransmission timer (RTO, RFC 6298 §5.1); listed earliest first.
  assert.deepEqual(sending.timers.map((t) => [t.kind, t.deadline]), [['loss-probe', net.now + 40], ['retransmission', net.now + 200]]);
  net.runFor(100);
  const received = tcbView('server', s, net.now);
  assert.equal(received.readable, 3000, 'not read by the application');
  assert.equal(received.rcvNxt, (received.irs + 1 + 3000) >>> 0);
  const views = stackViews('server', b.stack, net.now);
  assert.deepEqual(views.listeners, [{ host: 'server', local: '*:80', backlog: 7, synQueue: 0, acceptQueue: 1, synCookies: 'on-overflow' }]);
  assert.equal(views.tcbs.length, 1);
  assert.equal(views.counters['tcp.PassiveOpens'], 1);
  for (const n of Object.values(countersView(a.stack))) assert.notEqual(n, 0, 'only counters that are not zero');
  assert.equal(countersView(a.stack)['tcp.ActiveOpens'], 1);
});

test(`a connection in TIME-WAIT is listed with its 2*MSL timer (seed ${SEED})`, () => {
  const { net, a, b, l, c } = pair();
  net.runUntil(() => c.state === 'ESTABLISHED' && l.acceptQueue.length === 1);
  const s = l.acceptQueue.shift()!;
  c.close(net.now);
  a.kick();
  net.runUntil(() => s.state === 'CLOSE-WAIT');
  s.close(net.now);
  b.kick();
  net.runUntil(() => c.state === 'TIME-WAIT');
  const at = net.now;
  net.runFor(50);
  const tw = stackViews('client', a.stack, net.now).tcbs;
  assert.equal(tw.length, 1);
  assert.equal(tw[0].state, 'TIME-WAIT');
  const timer = tw[0].timers.find((t) => t.kind === 'time-wait');
  assert.ok(timer, 'the 2*MSL timer');
  // RFC 9293 §3.10.7.4: TIME-WAIT lasts 2*MSL from the moment it was entered (MSL here 30 s).
  assert.ok(Math.abs(timer.deadline - (at + 60_000)) <= 10, `deadline ${timer.deadline}, entered ${at}`);
});
