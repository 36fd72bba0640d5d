/**
 * Packetization-layer path MTU discovery (RFC 4821) in one connection, segments in RFC notation.
 * Our ISS = 1000, the peer's 5000; no options (no timestamps, no SACK); ACKs not delayed; Nagle off.
 * Our MTU toward the peer is 640 and the peer's MSS 1460; mtuProbing 2 (always), a base MSS of 512
 * and an initial window of 11 segments (probing needs 11), as in Linux's tcp_mtu_probe.
 *
 * Worked out by hand (sizes are IPv4 packets: data + 20 TCP + 20 IP):
 * - MSS = min(1460, 640 - 40) = 600. The search range (§7.2): search_low = 512 + 40 = 552 (the base
 *   MSS), search_high = 1460 + 40 = 1500 (the peer's MSS).
 * - The route toward the peer is raised to MTU 1500; the connection takes it once it has sent again.
 * - 4000 octets queued: the probe (§7.3) is a packet of (1500 + 552) / 2 = 1026, data 986, sent only
 *   when (§7.4) the probe and 4 MSS-sized segments after it are queued and allowed: 986 + 4 * 600 =
 *   3386 =< 4000, cwnd 11 * 600 = 6600. So: <SEQ=1001><DATA=986>, then 600 five times from 1987
 *   (1987, 2587, 3187, 3787, 4387) and 14 from 4987; 1001 + 4000 = 5001.
 * - <ACK=5001> acknowledges the probe (§7.6.1): search_low = 1026, and the MSS becomes
 *   min(1500 - 40, 1026 - 40) = 986. 2000 more: 986, 986, 28; no probe, since the next one,
 *   (1500 + 1026) / 2 = 1263 (data 1223), needs 1223 + 4 * 986 > 2000 queued.
 * - A lost probe (§7.6.2): three duplicate ACKs <ACK=1001> start recovery; search_high = 1026 - 1 =
 *   1025, and the probe's data goes again at the MSS of 600.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tcb } from '../../src/tcp/tcb.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { drain, fmt, seg, tcb } from './harness.js';

const PROBING: Partial<TcpConfig> = { mtu: 640, mtuProbing: 2, mtuProbeBaseMss: 512, initialWindow: 11, noDelay: true };

function established(config: Partial<TcpConfig> = {}): Tcb {
  const t = tcb({ iss: 1000, config: { ...PROBING, ...config } });
  t.connect(0);
  drain(t, 0);
  t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1460 }, window: 50000 }), 10);
  drain(t, 10);
  assert.equal(t.state, 'ESTABLISHED');
  assert.equal(t.sendMss, 600);
  return t;
}

const send = (t: Tcb, n: number, now: number) => {
  t.send(new Uint8Array(n).fill(0x70), now);
  return drain(t, now).map(fmt);
};

const PROBE_FLIGHT = [
  '<SEQ=1001><ACK=5001><CTL=ACK><DATA=986>',
  '<SEQ=1987><ACK=5001><CTL=ACK><DATA=600>',
  '<SEQ=2587><ACK=5001><CTL=ACK><DATA=600>',
  '<SEQ=3187><ACK=5001><CTL=ACK><DATA=600>',
  '<SEQ=3787><ACK=5001><CTL=ACK><DATA=600>',
  '<SEQ=4387><ACK=5001><CTL=ACK><DATA=600>',
  '<SEQ=4987><ACK=5001><CTL=PSH,ACK><DATA=14>',
];

test('RFC 4821: a probe of the search range midpoint goes first; its ACK raises the MSS to its size', () => {
  const t = established();
  t.setRouteMtu(1500);
  assert.deepEqual(send(t, 4000, 100), PROBE_FLIGHT);
  t.handleSegment(seg('<SEQ=5001><ACK=5001><CTL=ACK>', { window: 50000 }), 110);
  assert.equal(t.stats.TCPMTUPSuccess, 1);
  assert.equal(t.sendMss, 986);
  assert.deepEqual(send(t, 2000, 200), ['<SEQ=5001><ACK=5001><CTL=ACK><DATA=986>', '<SEQ=5987><ACK=5001><CTL=ACK><DATA=986>', '<SEQ=6973><ACK=5001><CTL=PSH,ACK><DATA=28>']);
});

test('no probe without enough data after it (§7.4): 3000 < 986 + 4 * 600 goes at the MSS', () => {
  const t = established();
  const sent = send(t, 3000, 100);
  assert.deepEqual(sent.map((s) => /DATA=(\d+)/.exec(s)![1]), ['600', '600', '600', '600', '600']);
});

test("no probe with a congestion window under Linux's 11 segments, nor with probing off", () => {
  assert.ok(send(established({ initialWindow: 10 }), 4000, 100).every((s) => !s.includes('DATA=986')));
  const off = established({ mtuProbing: 0 });
  assert.ok(send(off, 4000, 100).every((s) => !s.includes('DATA=986')));
  assert.equal(off.rare.mtuProbe, undefined);
});

test('a lost probe (§7.6.2): the range top comes below it, the MSS stays, its data goes again at the MSS', () => {
  const t = established();
  assert.deepEqual(send(t, 4000, 100), PROBE_FLIGHT);
  for (let i = 0; i < 3; i++) t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK>', { window: 50000 }), 110 + i);
  assert.equal(t.stats.TCPMTUPFail, 1);
  assert.equal(t.rare.mtuProbe?.searchHigh, 1025);
  assert.equal(t.sendMss, 600);
  assert.deepEqual(drain(t, 112).map(fmt)[0], '<SEQ=1001><ACK=5001><CTL=ACK><DATA=600>');
  // The next search midpoint: (1025 + 552) / 2 = 788, data 748.
  assert.equal(t.rare.mtuProbe?.probeMtu, 0);
});

test('a probe unacknowledged when the retransmission timer fires failed too', () => {
  const t = established();
  send(t, 4000, 100);
  const due = t.pollTimeout()!;
  t.handleTimeout(due);
  assert.equal(t.stats.TCPMTUPFail, 1);
  assert.deepEqual(drain(t, due).map(fmt), ['<SEQ=1001><ACK=5001><CTL=ACK><DATA=600>']);
});

test('mtuProbing 1: no probe until r1 consecutive timeouts suggest a black hole (§7.7), then probing is on', () => {
  const t = established({ mtuProbing: 1, r1: 2 });
  assert.ok(send(t, 4000, 100).every((s) => !s.includes('DATA=986')));
  assert.equal(t.rare.mtuProbe?.enabled, false);
  for (let i = 0; i < 2; i++) {
    const due = t.pollTimeout()!;
    t.handleTimeout(due);
    drain(t, due);
  }
  assert.equal(t.rare.mtuProbe?.enabled, true);
});

test('a range narrower than the threshold ends the search: no probe', () => {
  const t = established({ mtuProbeThreshold: 2000 });
  assert.ok(send(t, 4000, 100).every((s) => !s.includes('DATA=986')));
});
