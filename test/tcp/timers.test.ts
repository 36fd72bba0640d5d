/**
 * Timers in virtual time. Expected values come from the RFCs and from the documented defaults in
 * config.ts (each asserted first), never from the code's output:
 *   RFC 6298 (RTO: 1 s initial, SRTT + max(G, 4*RTTVAR) bounded below by minRtoMs, doubling per
 *   expiry, capped at maxRtoMs, 3 s after a retransmitted SYN); RFC 9293 §3.8.3 (R1, R2, SYN
 *   retries), §3.8.4 (keep-alives), §3.8.6.1 (zero-window probing), §3.8.6.3 (delayed ACKs),
 *   §3.10.7.4 (TIME-WAIT 2*MSL and its restart); RFC 5482 (user timeout).
 * A dead peer is a Pair whose filter drops everything.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TCP_CONFIG } from '../../src/tcp/config.js';
import { Tcb } from '../../src/tcp/tcb.js';
import { SeededRandom } from '../../src/tcp/random.js';
import type { TcpEvent } from '../../src/tcp/events.js';
import { A_PORT, B_PORT, fmt, Pair, PLAIN, seg, tcb } from './harness.js';
import { Alone, connectedPair, cutCable, eventsOf, expiryTimes, sent } from './timer-helpers.js';

const D = DEFAULT_TCP_CONFIG;
const enc = (n: number, start = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) % 251);
const errors = (evs: TcpEvent[]): string[] => evs.flatMap((e) => (e.type === 'error' ? [e.code] : []));
const has = (evs: TcpEvent[], type: TcpEvent['type']): boolean => evs.some((e) => e.type === type);

describe('documented defaults (config.ts)', () => {
  test('the values these tests derive their expectations from', () => {
    assert.equal(D.initialRtoMs, 1000); // RFC 6298 (2.1)
    assert.equal(D.minRtoMs, 200);
    assert.equal(D.maxRtoMs, 120_000);
    assert.equal(D.clockGranularityMs, 1);
    assert.equal(D.synRetries, 7);
    assert.equal(D.synAckRetries, 5);
    assert.equal(D.r1, 3);
    assert.equal(D.r2, 15);
    assert.equal(D.userTimeoutMs, undefined);
    assert.equal(2 * D.mslMs, 60_000); // TIME-WAIT
    assert.equal(D.finWait2TimeoutMs, 60_000);
    assert.equal(D.keepAlive, false); // RFC 9293 §3.8.4: MUST default to off
    assert.ok(D.keepAliveIdleMs >= 2 * 3600 * 1000); // ... and MUST NOT be under two hours
    assert.equal(D.keepAliveIntervalMs, 75_000);
    assert.equal(D.keepAliveProbes, 9);
    assert.ok(D.ackDelayMs > 0 && D.ackDelayMs < 500); // RFC 9293 §3.8.6.3: under 0.5 s
    assert.equal(D.persistMinMs, 200);
    assert.equal(D.persistMaxMs, 60_000);
  });
});

describe('retransmission timer (RFC 6298, RFC 9293 §3.8.3)', () => {
  /**
   * One data segment into a dead peer. `rto0` is the RTO from the handshake's RTT sample, computed
   * by the caller from RFC 6298 (2.2) and (2.4).
   */
  function deadPeer(latency: number, rto0: number, config: Partial<typeof D> = {}): void {
    const p = connectedPair({ latency, a: config, b: config });
    eventsOf(p, 'a');
    const T = 1000;
    p.run(T);
    cutCable(p);
    const sndNxt = p.a.sndNxt;
    assert.equal(p.a.send(enc(100), T), 100);
    const r1 = config.r1 ?? D.r1;
    const r2 = config.r2 ?? D.r2;
    const times = expiryTimes(T, rto0, config.maxRtoMs ?? D.maxRtoMs, r2 + 1);
    // Step to just before each expiry, then to it.
    for (let k = 0; k < r2 + 1; k++) {
      p.run(times[k] - 0.5);
      const evs = eventsOf(p, 'a');
      assert.equal(has(evs, 'retransmit-threshold'), false, `no threshold event before expiry ${k + 1}`);
      assert.equal(p.a.state, 'ESTABLISHED', `alive before expiry ${k + 1}`);
      p.run(times[k]);
      const at = eventsOf(p, 'a');
      if (k + 1 === r1) {
        assert.deepEqual(
          at.filter((e) => e.type === 'retransmit-threshold'),
          [{ type: 'retransmit-threshold', retransmissions: r1 }],
          `R1: advice to the IP layer at the ${r1}th retransmission`,
        );
      } else {
        assert.equal(has(at, 'retransmit-threshold'), false);
      }
      if (k < r2) {
        assert.equal(p.a.state, 'ESTABLISHED');
      } else {
        // R2 exhausted: abort with ETIMEDOUT and a RST.
        assert.deepEqual(errors(at), ['ETIMEDOUT']);
        assert.equal(p.a.state, 'CLOSED');
        assert.ok(has(at, 'closed'));
      }
    }
    const out = sent(p, 'a', T);
    const data = `<SEQ=${sndNxt}><ACK=${p.b.sndNxt}><CTL=PSH,ACK><DATA=100>`;
    const expected: Array<[number, string]> = [[T, data], ...times.slice(0, r2).map((t) => [t, data] as [number, string])];
    expected.push([times[r2], `<SEQ=${(sndNxt + 100) >>> 0}><CTL=RST>`]);
    assert.deepEqual(out, expected);
    assert.equal(p.a.recovery.totalRetransmits, r2);
    assert.equal(p.a.pollTimeout(), undefined);
    assert.equal(p.a.checkInvariants(), undefined);
  }

  test('dead peer, RTT 100 ms: RTO 300 ms, doubling to the 120 s cap, R1 advice at 3, abort after 15', () => {
    // Handshake RTT = 2 * 50 ms: SRTT 100, RTTVAR 50, RTO = 100 + max(1, 200) = 300 ms.
    deadPeer(50, 300);
    // 300 * (2^9 - 1) + 7 * 120000: the connection gives up 993.3 s after the data was sent.
    assert.equal(expiryTimes(0, 300, 120_000, 16)[15], 993_300);
  });

  test('dead peer, RTT 20 ms: RTO bounded below by minRtoMs (200 ms)', () => {
    // SRTT 20, RTTVAR 10: 20 + 40 = 60 ms, raised to 200 ms (2.4).
    deadPeer(10, 200);
  });

  test("rtoMinOnVariance: Linux's RTO = SRTT + max(4*RTTVAR, minRtoMs), against RFC 6298's max(minRtoMs, SRTT + 4*RTTVAR)", () => {
    // RTT 10 ms: SRTT 10, RTTVAR 5. RFC 6298: max(200, 10 + 20) = 200. Linux: 10 + max(20, 200) = 210.
    const rfc = connectedPair({ latency: 5 });
    rfc.run(1000);
    assert.equal(rfc.a.rtt.rto, 200);
    const linux = connectedPair({ latency: 5, a: { rtoMinOnVariance: true }, b: { rtoMinOnVariance: true } });
    linux.run(1000);
    assert.equal(linux.a.rtt.srtt, 10);
    assert.equal(linux.a.rtt.rto, 210);
    // A long path: the variance term beyond the minimum counts alike (RTT 400: 400 + 800 either way).
    const far = connectedPair({ latency: 200, a: { rtoMinOnVariance: true }, b: { rtoMinOnVariance: true } });
    far.run(3000);
    assert.equal(far.a.rtt.rto, 1200);
  });

  test('dead peer with minRtoMs 1000 (RFC 6298 2.4 as written) and maxRtoMs 60 s', () => {
    deadPeer(10, 1000, { minRtoMs: 1000, maxRtoMs: 60_000 });
  });

  test('dead peer with R1 = 2 and R2 = 5', () => {
    deadPeer(50, 300, { r1: 2, r2: 5 });
  });

  test('dead peer with timestamps and window scaling on', () => {
    // With SACK, the first timeout would be a loss probe (next test): the RTO schedule alone here.
    deadPeer(50, 300, { timestamps: true, windowScaling: true, sack: true, tailLossProbe: false });
  });

  test('with SACK and TLP, a lone segment\'s first timeout is a loss probe in the RTO\'s place, and the RTO is re-armed from it (RFC 8985 §7.2, §7.3)', () => {
    // SRTT 100 ms: PTO = 2*SRTT + WCDelAckT (one segment in flight) = 400 ms, later than the RTO's
    // 300 ms, so PTO = min(PTO, RTO): the probe goes at 300 ms, and the RTO runs 300 ms from it.
    const p = connectedPair({ latency: 50, a: { sack: true }, b: { sack: true } });
    const T = 1000;
    p.run(T);
    cutCable(p);
    const sndNxt = p.a.sndNxt;
    assert.equal(p.a.send(enc(100), T), 100);
    p.run(T + 2000);
    const data = `<SEQ=${sndNxt}><ACK=${p.b.sndNxt}><CTL=PSH,ACK><DATA=100>`;
    const times = sent(p, 'a', T).filter(([, s]) => s === data).map(([t]) => t - T);
    // The probe at 300, then RTOs at 300 + 300 and 600 + 600 (backing off), nothing else.
    assert.deepEqual(times.slice(0, 4), [0, 300, 600, 1200]);
    assert.equal(p.a.stats.TCPLossProbes, 1);
    assert.equal(p.a.recovery.totalRetransmits, 2);
  });

  for (const side of ['FIN-WAIT-1', 'LAST-ACK'] as const) {
    test(`a FIN to a dead peer (${side}) is retransmitted on the same schedule and R2 ends it`, () => {
      const cfg = { r2: 4 };
      const p = connectedPair({ latency: 50, a: cfg, b: cfg });
      p.run(1000);
      if (side === 'LAST-ACK') {
        p.b.shutdown(1000);
        p.run(2000);
        assert.equal(p.a.state, 'CLOSE-WAIT');
      }
      p.run(2000);
      cutCable(p);
      const fin = `<SEQ=${p.a.sndNxt}><ACK=${p.a.rcvNxt}><CTL=FIN,ACK>`;
      p.a.shutdown(2000);
      assert.equal(p.a.state, side);
      p.run(100_000);
      const times = expiryTimes(2000, 300, D.maxRtoMs, 5);
      assert.deepEqual(sent(p, 'a', 2000), [
        [2000, fin],
        ...times.slice(0, 4).map((t) => [t, fin] as [number, string]),
        [times[4], `<SEQ=${(p.a.iss + 2) >>> 0}><CTL=RST>`],
      ]);
      assert.equal(p.a.state, 'CLOSED');
      assert.deepEqual(errors(eventsOf(p, 'a')), ['ETIMEDOUT']);
    });
  }

  test("Karn: the backed-off RTO is kept until a new RTT sample collapses it (RFC 6298 §5)", () => {
    const p = connectedPair({ latency: 50 }); // RTO 300 ms
    // Lose the first transmission of the next two sends.
    let loseNext = true;
    p.filter = (from, s) => {
      if (from === 'a' && s.payload.length > 0 && loseNext) {
        loseNext = false;
        return undefined;
      }
      return s;
    };
    p.run(1000);
    p.a.send(enc(100), 1000);
    p.run(5000);
    // Retransmitted at 1300 (RTO now 600), ACKed at 1400 with no RTT sample (Karn).
    assert.deepEqual(sent(p, 'a', 1000).map(([t]) => t), [1000, 1300]);
    loseNext = true;
    p.a.send(enc(100), 5000);
    p.run(9000);
    assert.deepEqual(sent(p, 'a', 5000).map(([t]) => t), [5000, 5600], 'still the backed-off 600 ms');
    // An unambiguous sample of 100 ms: RTTVAR = 3/4 * 50 = 37.5, SRTT 100: RTO = 100 + 150 = 250 ms.
    p.run(10_000);
    p.a.send(enc(100), 10_000);
    p.run(20_000);
    loseNext = true;
    p.a.send(enc(100), 20_000);
    p.run(30_000);
    assert.deepEqual(sent(p, 'a', 20_000).map(([t]) => t), [20_000, 20_250]);
  });
});

describe('retransmission both ways', () => {
  test('after RTOs on both sides with every ACK lost, the ACKs that follow are acceptable (<SEQ=SND.MAX>), no ACK war', () => {
    // Both send three segments at once; all arrive, all pure ACKs are lost. After the RTO each side
    // resends only its first segment (a window of one segment, RFC 5681 §3.1), so its rewound SND.NXT is
    // behind what the peer has. The duplicate is answered with an ACK that must carry the next new
    // octet (the RFC's SND.NXT: §3.10.7.4), or the peer, which already has the octets, drops it as
    // unacceptable and answers in turn, forever.
    const p = connectedPair({ latency: 10 });
    p.run(1000);
    p.filter = (_from, s) => (p.now < 1100 && s.payload.length === 0 ? undefined : s);
    p.a.send(enc(3000), 1000);
    p.b.send(enc(3000), 1000);
    p.run(1100);
    assert.equal(p.a.rcvNxt, p.b.sndMax);
    assert.equal(p.b.rcvNxt, p.a.sndMax);
    const before = p.log.length;
    p.run(5000);
    assert.equal(p.a.sndUna, p.a.sndMax, 'a\'s data acknowledged');
    assert.equal(p.b.sndUna, p.b.sndMax, 'b\'s data acknowledged');
    assert.ok(p.log.length - before < 12, `${p.log.length - before} segments after the RTO:\n${p.trace().slice(before).join('\n')}`);
    assert.equal(p.a.state, 'ESTABLISHED');
    assert.equal(p.b.state, 'ESTABLISHED');
  });
});

describe('SYN retransmission (RFC 9293 §3.8.3, RFC 6298)', () => {
  test('connect to a dead host: SYNs at 0, 1, 3, 7, 15, 31, 63, 127 s; ETIMEDOUT at 247 s, no RST', () => {
    const a = new Alone(tcb({ iss: 777, localPort: A_PORT, remotePort: B_PORT }));
    a.t.connect(0);
    a.runUntil(Infinity);
    const syn = '<SEQ=777><CTL=SYN>';
    const times = [0, ...expiryTimes(0, 1000, D.maxRtoMs, D.synRetries + 1)];
    // 1 + 2 + 4 + ... + 64 s, then the eighth wait (128 s) is capped at maxRtoMs (120 s, RFC 6298 2.5).
    assert.deepEqual(times, [0, 1000, 3000, 7000, 15_000, 31_000, 63_000, 127_000, 247_000]);
    assert.deepEqual(a.sentAt(), times.slice(0, -1).map((t) => [t, syn]));
    const errs = a.evs.filter((x) => x.e.type === 'error');
    assert.deepEqual(errs.map((x) => [x.t, x.e.type === 'error' && x.e.code]), [[247_000, 'ETIMEDOUT']]);
    assert.equal(a.t.state, 'CLOSED');
    assert.equal(a.t.stats.AttemptFails, 1);
    // RFC 9293 §3.8.3: R2 for a SYN at least 3 minutes.
    assert.ok(247_000 >= 180_000);
  });

  test('synRetries 2: gives up at 1 + 2 + 4 = 7 s', () => {
    const a = new Alone(tcb({ iss: 1, localPort: A_PORT, remotePort: B_PORT, config: { synRetries: 2 } }));
    a.t.connect(0);
    a.runUntil(6999);
    assert.equal(a.t.state, 'SYN-SENT');
    a.runUntil(7000);
    assert.equal(a.t.state, 'CLOSED');
    assert.deepEqual(a.sentAt().map(([t]) => t), [0, 1000, 3000]);
    assert.deepEqual(a.evs.filter((x) => x.e.type === 'error').map((x) => x.t), [7000]);
  });

  test('RFC 6298 5.7: after a retransmitted SYN, data starts with RTO 3 s (no RTT sample: Karn)', () => {
    const a = tcb({ iss: 100, localPort: A_PORT, remotePort: B_PORT });
    const b = tcb({ iss: 300, localPort: B_PORT });
    b.listen(0);
    const p = new Pair(a, b);
    p.latency = 10;
    let synDropped = false;
    p.filter = (from, s) => {
      if (from === 'a' && fmt(s) === '<SEQ=100><CTL=SYN>' && !synDropped) {
        synDropped = true;
        return undefined;
      }
      return s;
    };
    a.connect(0);
    p.run(1100);
    assert.equal(a.state, 'ESTABLISHED'); // SYN again at 1000, SYN-ACK back at 1020
    assert.equal(a.rtt.srtt, undefined);
    p.run(2000);
    cutCable(p);
    a.send(enc(10), 2000);
    p.run(30_000);
    assert.deepEqual(sent(p, 'a', 2000).map(([t]) => t), [2000, 5000, 11_000, 23_000]);
  });

  test('RFC 6298 5.7 on the passive side: a retransmitted SYN-ACK gives data RTO 3 s', () => {
    const b = new Alone(tcb({ iss: 300, localPort: B_PORT }));
    b.t.listen(0);
    b.deliver(seg('<SEQ=100><CTL=SYN>'), 0);
    b.runUntil(1500); // SYN-ACK at 0 (lost) and 1000
    assert.deepEqual(b.sentAt(), [
      [0, '<SEQ=300><ACK=101><CTL=SYN,ACK>'],
      [1000, '<SEQ=300><ACK=101><CTL=SYN,ACK>'],
    ]);
    b.deliver(seg('<SEQ=101><ACK=301>'), 1500);
    assert.equal(b.t.state, 'ESTABLISHED');
    b.t.send(enc(10), 2000);
    b.now = 2000;
    b.runUntil(2000 + 3000 + 6000);
    assert.deepEqual(b.sentAt().slice(2).map(([t]) => t), [2000, 5000, 11_000]);
  });

  test('SYN-ACK retries in SYN-RECEIVED: 5 retransmissions, then the attempt is dropped (back to LISTEN)', () => {
    const b = new Alone(tcb({ iss: 300, localPort: B_PORT }));
    b.t.listen(0);
    b.deliver(seg('<SEQ=100><CTL=SYN>'), 0);
    b.runUntil(Infinity);
    const times = [0, ...expiryTimes(0, 1000, D.maxRtoMs, D.synAckRetries + 1)];
    assert.deepEqual(times, [0, 1000, 3000, 7000, 15_000, 31_000, 63_000]);
    assert.deepEqual(b.sentAt(), times.slice(0, -1).map((t) => [t, '<SEQ=300><ACK=101><CTL=SYN,ACK>']));
    assert.equal(b.t.state, 'LISTEN');
    assert.equal(b.t.stats.AttemptFails, 1);
    const trail = b.evs.flatMap((x) => (x.e.type === 'state' ? [[x.t, x.e.to]] : []));
    assert.deepEqual(trail, [
      [0, 'LISTEN'],
      [0, 'SYN-RECEIVED'],
      [63_000, 'LISTEN'],
    ]);
    assert.equal(b.t.pollTimeout(), undefined);
  });

  test('SYN-ACK retries for a stack-made child (Tcb.accept): CLOSED after synAckRetries = 2', () => {
    const child = Tcb.accept(
      { localPort: B_PORT, iss: 300, random: new SeededRandom(3), config: { ...PLAIN, synAckRetries: 2 } },
      seg('<SEQ=100><CTL=SYN>'),
      0,
    );
    const b = new Alone(child);
    b.runUntil(Infinity);
    assert.deepEqual(b.sentAt().map(([t]) => t), [0, 1000, 3000]);
    assert.equal(child.state, 'CLOSED');
    assert.deepEqual(b.evs.filter((x) => x.e.type === 'closed').map((x) => x.t), [7000]);
  });
});

describe('TIME-WAIT and FIN-WAIT-2', () => {
  /** a closes first; returns the pair with a in TIME-WAIT and the time it entered it. */
  function toTimeWait(config: Partial<typeof D> = {}, latency = 10): { p: Pair; tw: number } {
    const p = connectedPair({ latency, a: config, b: config });
    eventsOf(p, 'a');
    p.run(1000);
    p.a.close(1000);
    p.run(1100);
    assert.equal(p.a.state, 'FIN-WAIT-2');
    assert.equal(p.b.state, 'CLOSE-WAIT');
    p.run(2000);
    p.b.close(2000);
    p.run(2000 + latency - 1);
    assert.equal(p.a.state, 'FIN-WAIT-2');
    p.run(2000 + latency);
    assert.equal(p.a.state, 'TIME-WAIT');
    return { p, tw: 2000 + latency };
  }

  test('TIME-WAIT lasts 2*MSL = 60 s by default', () => {
    const { p, tw } = toTimeWait();
    assert.equal(p.a.pollTimeout(), tw + 60_000);
    p.run(tw + 60_000 - 0.001);
    assert.equal(p.a.state, 'TIME-WAIT');
    p.run(tw + 60_000);
    assert.equal(p.a.state, 'CLOSED');
    assert.equal(p.b.state, 'CLOSED');
    assert.equal(p.a.pollTimeout(), undefined);
  });

  test('TIME-WAIT with mslMs 1000 lasts 2 s', () => {
    const { p, tw } = toTimeWait({ mslMs: 1000 });
    p.run(tw + 1999);
    assert.equal(p.a.state, 'TIME-WAIT');
    p.run(tw + 2000);
    assert.equal(p.a.state, 'CLOSED');
  });

  test('a retransmitted FIN in TIME-WAIT is ACKed again and restarts the 2*MSL timer', () => {
    const latency = 10;
    const p = connectedPair({ latency });
    p.run(1000);
    p.a.close(1000);
    p.run(2000);
    // Lose a's ACK of b's FIN, once: b retransmits its FIN after its RTO.
    let lost = 0;
    p.filter = (from, s) => (from === 'a' && p.a.state === 'TIME-WAIT' && lost++ === 0 ? undefined : s);
    p.b.close(2000);
    const bRto = p.b.rtt.rto; // SRTT 20 ms, RTTVAR 10 ms -> 200 ms
    assert.equal(bRto, 200);
    p.run(2000 + latency);
    assert.equal(p.a.state, 'TIME-WAIT');
    const finAgainAtA = 2000 + bRto + latency;
    p.run(finAgainAtA - 1);
    assert.equal(p.a.pollTimeout(), 2000 + latency + 60_000);
    p.run(finAgainAtA);
    assert.equal(p.a.pollTimeout(), finAgainAtA + 60_000, 'restarted on the retransmitted FIN');
    const aOut = sent(p, 'a', 2000);
    assert.deepEqual(aOut.map(([t]) => t), [2000 + latency, finAgainAtA]);
    assert.equal(aOut[0][1], aOut[1][1], 'the same ACK twice');
    p.run(finAgainAtA + latency);
    assert.equal(p.b.state, 'CLOSED');
    p.run(finAgainAtA + 60_000 - 1);
    assert.equal(p.a.state, 'TIME-WAIT');
    p.run(finAgainAtA + 60_000);
    assert.equal(p.a.state, 'CLOSED');
  });

  test('a RST does not end TIME-WAIT early (RFC 1337)', () => {
    const { p, tw } = toTimeWait();
    p.a.handleSegment(seg(`<SEQ=${p.a.rcvNxt}><CTL=RST>`), tw + 5);
    assert.equal(p.a.state, 'TIME-WAIT');
    assert.equal(p.a.pollTimeout(), tw + 60_000);
  });

  test('FIN-WAIT-2 after close(): gives up after finWait2TimeoutMs (60 s), quietly', () => {
    const p = connectedPair({ latency: 10 });
    eventsOf(p, 'a');
    p.run(1000);
    p.a.close(1000);
    p.run(1020);
    assert.equal(p.a.state, 'FIN-WAIT-2'); // FIN at 1000, its ACK back at 1020
    assert.equal(p.a.pollTimeout(), 1020 + 60_000);
    p.run(1020 + 60_000 - 1);
    assert.equal(p.a.state, 'FIN-WAIT-2');
    p.run(1020 + 60_000);
    assert.equal(p.a.state, 'CLOSED');
    const evs = eventsOf(p, 'a');
    assert.deepEqual(errors(evs), [], 'the application has closed: no error to report');
    assert.deepEqual(sent(p, 'a', 1001), [], 'nothing sent when giving up');
    assert.equal(p.b.state, 'CLOSE-WAIT');
  });

  test('FIN-WAIT-2 after shutdown() (half-close, still reading): no timeout; data still flows; then TIME-WAIT', () => {
    const p = connectedPair({ latency: 10 });
    p.run(1000);
    p.a.shutdown(1000);
    p.run(1020);
    assert.equal(p.a.state, 'FIN-WAIT-2');
    assert.equal(p.a.pollTimeout(), undefined);
    p.run(1020 + 3_600_000);
    assert.equal(p.a.state, 'FIN-WAIT-2');
    p.b.send(enc(5000), p.now);
    p.run(p.now + 1000);
    const got: number[] = [];
    for (let d = p.a.read(); d; d = p.a.read()) got.push(...d);
    assert.deepEqual(got, Array.from(enc(5000)));
    p.b.close(p.now);
    const t = p.now;
    p.run(t + 10);
    assert.equal(p.a.state, 'TIME-WAIT');
    p.run(t + 10 + 60_000);
    assert.equal(p.a.state, 'CLOSED');
  });

  test('close() after shutdown() in FIN-WAIT-2 starts the FIN-WAIT-2 timeout', () => {
    const p = connectedPair({ latency: 10 });
    p.run(1000);
    p.a.shutdown(1000);
    p.run(5000);
    assert.equal(p.a.state, 'FIN-WAIT-2');
    p.a.close(5000);
    assert.equal(p.a.pollTimeout(), 65_000);
    p.run(65_000);
    assert.equal(p.a.state, 'CLOSED');
  });
});

describe('keep-alive (RFC 9293 §3.8.4)', () => {
  test('off by default: an idle connection sends nothing for days', () => {
    const p = connectedPair({ latency: 10 });
    const before = p.log.length;
    p.run(3 * 24 * 3_600_000);
    assert.equal(p.log.length, before);
    assert.equal(p.a.pollTimeout(), undefined);
    assert.equal(p.a.state, 'ESTABLISHED');
  });

  test('unanswered: probes <SEQ=SND.NXT-1><ACK=RCV.NXT> at idle, then every interval; abort after keepAliveProbes', () => {
    const latency = 10;
    const p = connectedPair({ latency, a: { keepAlive: true } });
    eventsOf(p, 'a');
    // a became ESTABLISHED when the SYN-ACK arrived, at 2 * latency: idle from then.
    const idleFrom = 2 * latency;
    cutCable(p);
    const probe = `<SEQ=${(p.a.sndNxt - 1) >>> 0}><ACK=${p.a.rcvNxt}><CTL=ACK>`;
    const first = idleFrom + D.keepAliveIdleMs;
    const times = Array.from({ length: D.keepAliveProbes }, (_, k) => first + k * D.keepAliveIntervalMs);
    const abortAt = first + D.keepAliveProbes * D.keepAliveIntervalMs;
    p.run(abortAt - 1);
    assert.equal(p.a.state, 'ESTABLISHED');
    assert.deepEqual(sent(p, 'a', idleFrom + 1), times.map((t) => [t, probe]));
    p.run(abortAt);
    assert.equal(p.a.state, 'CLOSED');
    assert.deepEqual(errors(eventsOf(p, 'a')), ['ETIMEDOUT']);
    assert.deepEqual(sent(p, 'a', abortAt), [[abortAt, `<SEQ=${p.a.sndNxt}><CTL=RST>`]]);
    assert.equal(p.a.stats.TCPKeepAliveProbes, D.keepAliveProbes);
  });

  test('answered probes keep the connection alive indefinitely', () => {
    const latency = 10;
    const p = connectedPair({ latency, a: { keepAlive: true } });
    const days = 3;
    p.run(days * 24 * 3_600_000);
    assert.equal(p.a.state, 'ESTABLISHED');
    assert.equal(p.b.state, 'ESTABLISHED');
    const probes = sent(p, 'a', 2 * latency + 1);
    // Each probe is answered 2 * latency later; the next one follows a full idle period after that.
    const expected: number[] = [];
    for (let t = 2 * latency + D.keepAliveIdleMs; t <= days * 24 * 3_600_000; t += D.keepAliveIdleMs + 2 * latency) expected.push(t);
    assert.deepEqual(probes.map(([t]) => t), expected);
    // The peer answers each with an ACK (an unacceptable segment is ACKed, §3.10.7.4).
    assert.equal(sent(p, 'b', 4 * latency).length, expected.length);
  });

  test('custom timing; probes answered after three losses reset the count', () => {
    const cfg = { keepAlive: true, keepAliveIdleMs: 10_000, keepAliveIntervalMs: 1000, keepAliveProbes: 4 };
    const p = connectedPair({ latency: 0, a: cfg });
    // Lose the first three probes; the fourth is answered.
    let lost = 0;
    p.filter = (from, s) => (from === 'a' && lost++ < 3 ? undefined : s);
    p.run(10_000 + 3000);
    assert.deepEqual(sent(p, 'a', 1).map(([t]) => t), [10_000, 11_000, 12_000, 13_000]);
    assert.equal(p.a.state, 'ESTABLISHED');
    // Answered at 13000: idle again from there. Now the peer dies.
    cutCable(p);
    p.run(13_000 + 10_000 + 4 * 1000 - 1);
    assert.equal(p.a.state, 'ESTABLISHED');
    assert.deepEqual(sent(p, 'a', 13_001).map(([t]) => t), [23_000, 24_000, 25_000, 26_000]);
    p.run(27_000);
    assert.equal(p.a.state, 'CLOSED');
    assert.deepEqual(errors(eventsOf(p, 'a')), ['ETIMEDOUT']);
  });

  test('data from the peer counts as activity and postpones the first probe', () => {
    const cfg = { keepAlive: true, keepAliveIdleMs: 10_000, keepAliveIntervalMs: 1000, keepAliveProbes: 2 };
    const p = connectedPair({ latency: 0, a: cfg });
    p.run(8000);
    p.b.send(enc(10), 8000);
    p.run(8000);
    p.run(17_999);
    assert.deepEqual(sent(p, 'a', 1).map(([t]) => t), [8000], 'only the ACK of the data');
    p.run(18_000);
    assert.deepEqual(sent(p, 'a', 8001).map(([t]) => t), [18_000]);
  });
});

describe('user timeout (RFC 5482, RFC 9293 §3.8.3)', () => {
  test('data unacknowledged for userTimeoutMs aborts with ETIMEDOUT and a RST, before R2', () => {
    const U = 10_000;
    const p = connectedPair({ latency: 50, a: { userTimeoutMs: U } });
    eventsOf(p, 'a');
    p.run(1000);
    cutCable(p);
    const sndNxt = p.a.sndNxt;
    p.a.send(enc(100), 1000);
    p.run(1000 + U - 1);
    assert.equal(p.a.state, 'ESTABLISHED');
    // RTO 300 ms doubling: retransmissions at 1300, 1900, 3100, 5500, 10300.
    assert.deepEqual(sent(p, 'a', 1000).map(([t]) => t), [1000, ...expiryTimes(1000, 300, D.maxRtoMs, 5)]);
    p.run(1000 + U);
    assert.equal(p.a.state, 'CLOSED');
    assert.deepEqual(errors(eventsOf(p, 'a')), ['ETIMEDOUT']);
    assert.deepEqual(sent(p, 'a', 1000 + U), [[1000 + U, `<SEQ=${(sndNxt + 100) >>> 0}><CTL=RST>`]]);
  });

  test('progress restarts it; an idle connection is never timed out', () => {
    const U = 5000;
    const p = connectedPair({ latency: 50, a: { userTimeoutMs: U } });
    // A long, healthy transfer (well over U in total) and a long idle period.
    let off = 0;
    const total = 200_000;
    for (let t = 1000; off < total; t += 100) {
      p.run(t);
      off += p.a.send(enc(Math.min(4000, total - off), off), t);
      for (let d = p.b.read(); d; d = p.b.read());
    }
    p.run(p.now + 3_600_000);
    for (let d = p.b.read(); d; d = p.b.read());
    assert.equal(p.a.state, 'ESTABLISHED');
    assert.equal(p.a.sndUna, p.a.sndMax);
    assert.equal(p.a.pollTimeout(), undefined);
  });
});

describe('zero-window probing (RFC 9293 §3.8.6.1)', () => {
  /** a sends more than b's small buffer holds; b does not read. */
  function zeroWindow(dropProbeAcks = false, a: Partial<typeof D> = {}): { p: Pair; t0: number; total: number } {
    const latency = 10;
    const p = connectedPair({ latency, a, b: { receiveBufferSize: 4000 } });
    const total = 20_000;
    p.run(1000);
    assert.equal(p.a.send(enc(total), 1000), total);
    // Step 1 ms at a time (all event times are whole ms) to the moment the zero window reaches a.
    while (p.a.sndWnd !== 0) {
      assert.ok(p.now < 2000, 'the window never closed');
      p.run(p.now + 1);
    }
    const t0 = p.now;
    assert.equal(p.b.readableLength, 4000);
    assert.equal(p.a.sndUna, p.a.sndMax, 'everything in flight acknowledged');
    assert.equal(p.a.pollTimeout(), t0 + 200, 'persist timer armed for one RTO');
    if (dropProbeAcks) {
      // Lose every other answer to a probe: the probe timer must carry on regardless.
      let n = 0;
      p.filter = (from, s) => (from === 'b' && n++ % 2 === 0 ? undefined : s);
    }
    return { p, t0, total };
  }

  test('probes back off exponentially from the RTO (>= persistMinMs) up to persistMaxMs', () => {
    const { p, t0 } = zeroWindow();
    p.run(t0 + 10 * 60_000);
    assert.equal(p.a.state, 'ESTABLISHED');
    const probes = sent(p, 'a', t0);
    assert.ok(probes.every(([, s]) => s.endsWith('<DATA=1>')), 'each probe carries one byte');
    // RTO: RTT samples of 20 ms give 20 + 4*RTTVAR < 200, so 200 ms; then 400, 800, ... 60 s.
    const base = Math.max(p.a.rtt.rto, D.persistMinMs);
    assert.equal(base, 200);
    const expected: number[] = [];
    let t = t0;
    for (let k = 0; t + Math.min(D.persistMaxMs, base * 2 ** k) <= t0 + 10 * 60_000; k++) {
      t += Math.min(D.persistMaxMs, base * 2 ** k);
      expected.push(t);
    }
    assert.deepEqual(probes.map(([tt]) => tt), expected);
    assert.equal(p.b.readableLength, 4000);
  });

  test("zeroWindowProbe 'ack' (Linux's tcp_xmit_probe_skb): each probe is an empty segment at SND.UNA-1, on the same backed-off schedule, and the transfer completes when the window opens", () => {
    const { p, t0, total } = zeroWindow(false, { zeroWindowProbe: 'ack' });
    p.run(t0 + 60_000);
    const una = p.a.sndUna;
    const probes = sent(p, 'a', t0);
    assert.ok(probes.length >= 6, `${probes.length} probes`);
    for (const [, s] of probes) assert.equal(s, `<SEQ=${(una - 1) >>> 0}><ACK=${p.a.rcvNxt}><CTL=ACK>`);
    // 200 ms, then doubling: the same schedule as the one-octet probes.
    assert.deepEqual(probes.slice(0, 4).map(([t]) => t - t0), [200, 600, 1400, 3000]);
    assert.equal(p.a.state, 'ESTABLISHED');
    const got: number[] = [];
    for (let i = 0; i < 200 && got.length < total; i++) {
      for (let d = p.b.read(); d; d = p.b.read()) got.push(...d);
      p.run(p.now + 500);
    }
    assert.deepEqual(got, Array.from(enc(total)));
  });

  test('the connection is not aborted while the peer keeps ACKing a zero window (hours), and completes when it opens', () => {
    const { p, total } = zeroWindow();
    p.run(p.now + 5 * 3_600_000);
    assert.equal(p.a.state, 'ESTABLISHED');
    assert.equal(p.b.state, 'ESTABLISHED');
    assert.ok(p.a.stats.TCPWindowProbes > 250, `${p.a.stats.TCPWindowProbes} probes`);
    assert.equal(p.a.recovery.totalRetransmits, 0, 'probes are not retransmission timeouts');
    const got: number[] = [];
    const opened = p.now;
    for (let i = 0; i < 200 && got.length < total; i++) {
      for (let d = p.b.read(); d; d = p.b.read()) got.push(...d);
      p.run(p.now + 500);
    }
    assert.deepEqual(got, Array.from(enc(total)));
    // When the window opens, sending resumes at SND.UNA with the byte the probes carried (the
    // receiver dropped it): no hole at the receiver, no retransmission timeout.
    const firstData = p.log.find((l) => l.from === 'a' && l.t > opened && l.seg.payload.length > 1)!;
    assert.equal(firstData.seg.seq, (1001 + 4000) >>> 0);
    assert.equal(p.a.recovery.totalRetransmits, 0);
    assert.equal(p.b.stats.TCPOFOQueue, 0);
  });

  test('lost answers to probes do not stall the probing', () => {
    const { p, total } = zeroWindow(true);
    p.run(p.now + 3_600_000);
    assert.equal(p.a.state, 'ESTABLISHED');
    const probes = sent(p, 'a', 1600);
    assert.ok(probes.length > 55, `${probes.length} probes in an hour`);
    p.filter = (_f, s) => s;
    const got: number[] = [];
    for (let i = 0; i < 400 && got.length < total; i++) {
      for (let d = p.b.read(); d; d = p.b.read()) got.push(...d);
      p.run(p.now + 500);
    }
    assert.deepEqual(got, Array.from(enc(total)));
  });

  test('MUST-38: with a user timeout set, a peer that answers the probes keeps the connection open', () => {
    const p = connectedPair({ latency: 10, a: { userTimeoutMs: 10_000 }, b: { receiveBufferSize: 4000 } });
    p.run(1000);
    p.a.send(enc(20_000), 1000);
    p.run(1000 + 3_600_000);
    assert.equal(p.a.state, 'ESTABLISHED', 'open while the peer answers');
    assert.equal(p.b.readableLength, 4000);
    // Then the peer goes silent: the first unanswered probe stays unacknowledged for the user timeout.
    cutCable(p);
    const cutAt = p.now;
    while (sent(p, 'a', cutAt + 1).length === 0) p.run(p.now + 1);
    const probe = sent(p, 'a', cutAt + 1)[0][0];
    assert.ok(probe <= cutAt + 60_000, 'probes go on at most persistMaxMs apart');
    p.run(probe + 10_000 - 1);
    assert.equal(p.a.state, 'ESTABLISHED');
    p.run(probe + 10_000);
    assert.equal(p.a.state, 'CLOSED');
    assert.deepEqual(errors(eventsOf(p, 'a')), ['ETIMEDOUT']);
  });

  test('a lost window update is recovered by the next probe', () => {
    const { p, total } = zeroWindow();
    p.run(p.now + 2000);
    // b reads everything; its window update is lost.
    let lost = false;
    p.filter = (from, s) => {
      if (from === 'b' && !lost) {
        lost = true;
        return undefined;
      }
      return s;
    };
    const got: number[] = [];
    for (let d = p.b.read(); d; d = p.b.read()) got.push(...d);
    for (let i = 0; i < 400 && got.length < total; i++) {
      p.run(p.now + 500);
      for (let d = p.b.read(); d; d = p.b.read()) got.push(...d);
    }
    assert.deepEqual(got, Array.from(enc(total)));
  });
});

describe('delayed ACK (RFC 9293 §3.8.6.3, RFC 5681 §4.2)', () => {
  /**
   * b ESTABLISHED (rcv.nxt 101, snd.nxt 301) with ackDelayMs 40, fed by hand; past its quick ACKs
   * (`quickAckSegments` 0 here: the quick-ACK tests below give it their own).
   */
  function receiver(quickAckSegments = 0): Alone {
    const b = new Alone(tcb({ iss: 300, localPort: B_PORT, config: { ackDelayMs: 40, quickAckSegments } }));
    b.t.listen(0);
    b.deliver(seg('<SEQ=100><CTL=SYN>'), 0);
    b.deliver(seg('<SEQ=101><ACK=301>'), 10);
    assert.equal(b.t.state, 'ESTABLISHED');
    b.out.length = 0;
    return b;
  }

  test('one segment: ACK after ackDelayMs (40 ms)', () => {
    const b = receiver();
    b.deliver(seg('<SEQ=101><ACK=301><DATA=100>'), 1000);
    assert.deepEqual(b.sentAt(), []);
    assert.equal(b.t.pollTimeout(), 1040);
    b.runUntil(1039);
    assert.deepEqual(b.sentAt(), []);
    b.runUntil(1040);
    assert.deepEqual(b.sentAt(), [[1040, '<SEQ=301><ACK=201><CTL=ACK>']]);
    assert.equal(b.t.pollTimeout(), undefined);
  });

  test('every second full-sized segment is ACKed at once', () => {
    const b = receiver();
    const mss = b.t.advertisedMss; // full-sized: what b's MSS option allows (1460 on a 1500-byte MTU)
    assert.equal(mss, 1460);
    b.deliver(seg(`<SEQ=101><ACK=301><DATA=${mss}>`), 1000);
    b.deliver(seg(`<SEQ=${101 + mss}><ACK=301><DATA=${mss}>`), 1005);
    assert.deepEqual(b.sentAt(), [[1005, `<SEQ=301><ACK=${101 + 2 * mss}><CTL=ACK>`]]);
    assert.equal(b.t.pollTimeout(), undefined, 'the delayed-ACK timer stopped');
    b.deliver(seg(`<SEQ=${101 + 2 * mss}><ACK=301><DATA=${mss}>`), 1010);
    b.deliver(seg(`<SEQ=${101 + 3 * mss}><ACK=301><DATA=${mss}>`), 1020);
    b.deliver(seg(`<SEQ=${101 + 4 * mss}><ACK=301><DATA=${mss}>`), 1030);
    b.runUntil(2000);
    // The fifth waits for the delay (40 ms).
    assert.deepEqual(b.sentAt().map(([t]) => t), [1005, 1020, 1070]);
  });

  test('out-of-order data is ACKed at once (duplicate ACK), and so is the segment that fills the hole', () => {
    const b = receiver();
    b.deliver(seg('<SEQ=201><ACK=301><DATA=100>'), 1000);
    assert.deepEqual(b.sentAt(), [[1000, '<SEQ=301><ACK=101><CTL=ACK>']]);
    b.deliver(seg('<SEQ=101><ACK=301><DATA=100>'), 1010);
    assert.deepEqual(b.sentAt().slice(1), [[1010, '<SEQ=301><ACK=301><CTL=ACK>']]);
  });

  test('a delayed ACK rides on data sent before the timer expires', () => {
    const b = receiver();
    b.deliver(seg('<SEQ=101><ACK=301><DATA=100>'), 1000);
    b.t.send(enc(10), 1020);
    b.now = 1020;
    b.collect();
    assert.deepEqual(b.sentAt(), [[1020, '<SEQ=301><ACK=201><CTL=PSH,ACK><DATA=10>']]);
    assert.notEqual(b.t.pollTimeout(), 1040, 'no separate delayed ACK');
    b.runUntil(1100);
    assert.equal(b.out.length, 1);
  });

  test('quick ACKs: the first quickAckSegments in-order segments are each ACKed at once, then every second', () => {
    const b = receiver(3);
    for (let i = 0; i < 5; i++) b.deliver(seg(`<SEQ=${101 + 100 * i}><ACK=301><DATA=100>`), 1000 + 10 * i);
    // Segments 1-3 at once; the 4th waits (one unacknowledged), the 5th is the second: at once.
    assert.deepEqual(b.sentAt().map(([t]) => t), [1000, 1010, 1020, 1040]);
    assert.equal(b.t.pollTimeout(), undefined);
  });

  test('no quick ACK in an interactive exchange: data sent just after hearing from the peer (pingpong)', () => {
    const b = receiver(16);
    b.deliver(seg('<SEQ=101><ACK=301><DATA=100>'), 1000); // quick: at once
    b.t.send(enc(10), 1010); // the answer, within ackDelayMs of the request
    b.now = 1010;
    b.collect();
    b.deliver(seg('<SEQ=201><ACK=311><DATA=100>'), 1100); // the next request: its ACK waits for the answer
    const sent = b.sentAt();
    assert.deepEqual(sent.map(([t]) => t), [1000, 1010], 'no ACK at 1100');
    b.runUntil(1140);
    assert.deepEqual(b.sentAt().slice(-1), [[1140, '<SEQ=311><ACK=301><CTL=ACK>']], 'the delayed ACK after 40 ms');
  });

  test('ackDelayMs 0 ACKs every segment at once', () => {
    const b = new Alone(tcb({ iss: 300, localPort: B_PORT, config: { ackDelayMs: 0 } }));
    b.t.listen(0);
    b.deliver(seg('<SEQ=100><CTL=SYN>'), 0);
    b.deliver(seg('<SEQ=101><ACK=301>'), 10);
    b.out.length = 0;
    b.deliver(seg('<SEQ=101><ACK=301><DATA=100>'), 1000);
    assert.deepEqual(b.sentAt(), [[1000, '<SEQ=301><ACK=201><CTL=ACK>']]);
  });
});

describe('ABORT (RFC 9293 §3.10.5)', () => {
  for (const rstAck of [false, true]) {
    test(`the reset it sends: ${rstAck ? "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> with abortRstAck (FreeBSD's and Linux's form)" : "<SEQ=SND.NXT><CTL=RST> by default"}`, () => {
      const p = connectedPair({ latency: 5, a: { abortRstAck: rstAck } });
      p.run(100);
      assert.equal(p.b.send(enc(10), 100), 10);
      p.run(200);
      const [seq, ack] = [p.a.sndNxt, p.a.rcvNxt];
      p.a.abort(200);
      p.run(300);
      const rst = sent(p, 'a', 200);
      assert.deepEqual(rst, [[200, rstAck ? `<SEQ=${seq}><ACK=${ack}><CTL=RST,ACK>` : `<SEQ=${seq}><CTL=RST>`]]);
      assert.equal(p.b.state, 'CLOSED', 'the peer took it');
    });
  }
});
