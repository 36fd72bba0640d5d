/**
 * `ecn` and `ecnMaxSynRetries`: RFC 3168 negotiation as FreeBSD's net.inet.tcp.ecn.enable (0 off,
 * 1 on, 2 passive) and ecn.maxretries, against snd-syn/snd-syn-with-ecn*.pkt and
 * snippets/syn-rcvd-via-syn-sent-ipv4-ecn01/10/11.pkt (packetdrill: S SYN, E ECE, W CWR, . ACK):
 *   ecn.enable=1, maxretries=1:  > SEW, +1.0 > SEW, +2.2 > S
 *   ecn.enable=1, maxretries=0:  > SEW, +1.0 > S,   +2.2 > S
 *   ecn01 (enable=2): > S,   < SEW, > SE.   then data >[ect0]
 *   ecn10 (enable=1): > SEW, < S,   > S.    then data >[noecn]
 *   ecn11 (enable=1): > SEW, < SEW, > SE.   then data >[ect0]
 * and the rest of RFC 3168 once ECN is on: ECT(0) on new data only, CE echoed with ECE until CWR, and
 * the sender's reaction to ECE.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type TcpConfig } from '../../src/tcp/config.js';
import type { Segment } from '../../src/tcp/segment.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import { TcpFlag } from '../../src/wire/index.js';
import { drain, fmt, seg, tcb } from './harness.js';
import { Alone } from './timer-helpers.js';

const { SYN, ACK, ECE, CWR } = TcpFlag;
const ECT0 = 2;
const CE = 3;

/** packetdrill's flag letters for the bits these tests care about. */
function pd(s: Segment): string {
  let f = '';
  if (s.flags & SYN) f += 'S';
  if (s.flags & TcpFlag.FIN) f += 'F';
  if (s.flags & TcpFlag.RST) f += 'R';
  if (s.flags & TcpFlag.PSH) f += 'P';
  if (s.flags & ECE) f += 'E';
  if (s.flags & CWR) f += 'W';
  if (s.flags & ACK) f += '.';
  return f;
}

/** A segment from the peer with extra flag bits (ECE, CWR) and an IP ECN field. */
function peer(text: string, extra = 0, ipEcn?: number): Segment {
  const s = seg(text);
  s.flags |= extra;
  if (ipEcn !== undefined) s.ipEcn = ipEcn;
  return s;
}

function active(config: Partial<TcpConfig>): Tcb {
  const t = tcb({ iss: 1000, config: { receiveBufferSize: 65536, ...config } });
  t.connect(0);
  return t;
}

function passive(config: Partial<TcpConfig>): Tcb {
  const t = tcb({ iss: 1000, remotePort: 0, config: { receiveBufferSize: 65536, ...config } });
  t.listen(0);
  return t;
}

/** Send `n` bytes and return what goes out. */
function sendData(t: Tcb, n: number, now: number): Segment[] {
  t.send(new Uint8Array(n).fill(0x61), now);
  return drain(t, now);
}

describe('config', () => {
  test("default 'off', ecnMaxSynRetries 1 (FreeBSD's ecn.maxretries)", () => {
    const c = resolveConfig();
    assert.equal(c.ecn, 'off');
    assert.equal(c.ecnMaxSynRetries, 1);
  });

  test('rejects other values', () => {
    assert.throws(() => resolveConfig({ ecn: 'yes' as unknown as 'on' }), RangeError);
    assert.throws(() => resolveConfig({ ecnMaxSynRetries: -1 }), RangeError);
  });
});

describe("ecn: 'on' (ecn.enable=1): ECN-setup SYNs (RFC 3168 §6.1.1), fewer after retransmissions (§6.1.1.1)", () => {
  test('maxretries 1: SEW, SEW, then S (snd-syn-with-ecn)', () => {
    const a = new Alone(active({ ecn: 'on', ecnMaxSynRetries: 1, synRetries: 3 }));
    a.runUntil(10_000);
    assert.deepEqual(
      a.out.map((o) => [o.t, pd(o.seg)]),
      [
        [0, 'SEW'],
        [1000, 'SEW'],
        [3000, 'S'],
        [7000, 'S'],
      ],
    );
    assert.ok(a.out.every((o) => !o.seg.ipEcn), 'a SYN is never ECT (§6.1.1)');
  });

  test('maxretries 0: only the first SYN asks (snd-syn-with-ecn-alt-maxretries)', () => {
    const a = new Alone(active({ ecn: 'on', ecnMaxSynRetries: 0, synRetries: 2 }));
    a.runUntil(3000);
    assert.deepEqual(a.out.map((o) => pd(o.seg)), ['SEW', 'S', 'S']);
  });

  test('an ECN-setup SYN-ACK (ECE, no CWR) enables ECN; the handshake ACK is not ECT', () => {
    const t = active({ ecn: 'on' });
    drain(t, 0);
    t.handleSegment(peer('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', ECE), 10);
    assert.equal(t.state, 'ESTABLISHED');
    assert.equal(t.ecnEnabled, true);
    const [ack] = drain(t, 10);
    assert.equal(pd(ack), '.');
    assert.ok(!ack.ipEcn, 'a pure ACK is not ECT (§6.1.4)');
    const [data] = sendData(t, 10, 20);
    assert.equal(fmt(data), '<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=10>');
    assert.equal(data.ipEcn, ECT0);
  });

  test('a SYN-ACK with both ECE and CWR is not an ECN-setup SYN-ACK (§6.1.1)', () => {
    const t = active({ ecn: 'on' });
    drain(t, 0);
    t.handleSegment(peer('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', ECE | CWR), 10);
    assert.equal(t.ecnEnabled, false);
  });

  test('a plain SYN-ACK: no ECN, data not ECT', () => {
    const t = active({ ecn: 'on' });
    drain(t, 0);
    t.handleSegment(peer('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 10);
    assert.equal(t.ecnEnabled, false);
    drain(t, 10);
    const [data] = sendData(t, 10, 20);
    assert.ok(!data.ipEcn);
  });

  test('LISTEN answers an ECN-setup SYN with SE. and a plain SYN with S.', () => {
    const a = passive({ ecn: 'on' });
    a.handleSegment(peer('<SEQ=5000><CTL=SYN>', ECE | CWR), 0);
    assert.deepEqual(drain(a, 0).map(pd), ['SE.']);
    const b = passive({ ecn: 'on' });
    b.handleSegment(peer('<SEQ=5000><CTL=SYN>'), 0);
    assert.deepEqual(drain(b, 0).map(pd), ['S.']);
    assert.equal(b.ecnEnabled, false);
  });
});

describe("ecn: 'passive' (ecn.enable=2): answer, never ask", () => {
  test('our SYN is plain', () => {
    const t = active({ ecn: 'passive' });
    assert.deepEqual(drain(t, 0).map(pd), ['S']);
  });

  test('an ECN-setup SYN in LISTEN: SE. (ECE without CWR), and ECN is on once established', () => {
    const t = passive({ ecn: 'passive' });
    t.handleSegment(peer('<SEQ=5000><CTL=SYN>', ECE | CWR), 0);
    const [synAck] = drain(t, 0);
    assert.equal(fmt(synAck), '<SEQ=1000><ACK=5001><CTL=SYN,ACK>');
    assert.equal(pd(synAck), 'SE.');
    assert.ok(!synAck.ipEcn, 'a SYN-ACK is never ECT (§6.1.1)');
    t.handleSegment(peer('<SEQ=5001><ACK=1001><CTL=ACK>'), 10);
    assert.equal(t.state, 'ESTABLISHED');
    assert.equal(t.ecnEnabled, true);
    const [data] = sendData(t, 10, 20);
    assert.equal(data.ipEcn, ECT0);
  });

  test('a SYN with ECE alone is not an ECN-setup SYN: plain S.', () => {
    const t = passive({ ecn: 'passive' });
    t.handleSegment(peer('<SEQ=5000><CTL=SYN>', ECE), 0);
    assert.deepEqual(drain(t, 0).map(pd), ['S.']);
    assert.equal(t.ecnEnabled, false);
  });

  test('the SYN-ACK keeps ECE when retransmitted', () => {
    const t = passive({ ecn: 'passive' });
    const a = new Alone(t);
    a.deliver(peer('<SEQ=5000><CTL=SYN>', ECE | CWR), 0);
    a.runUntil(1000);
    assert.deepEqual(a.out.map((o) => [o.t, pd(o.seg)]), [
      [0, 'SE.'],
      [1000, 'SE.'],
    ]);
  });
});

describe("ecn: 'off' (ecn.enable=0, synack's default)", () => {
  test('plain SYN; an ECN-setup SYN gets a plain SYN-ACK; no ECT', () => {
    assert.deepEqual(drain(active({}), 0).map(pd), ['S']);
    const t = passive({});
    t.handleSegment(peer('<SEQ=5000><CTL=SYN>', ECE | CWR), 0);
    assert.deepEqual(drain(t, 0).map(pd), ['S.']);
    t.handleSegment(peer('<SEQ=5001><ACK=1001><CTL=ACK>'), 10);
    assert.equal(t.ecnEnabled, false);
    const [data] = sendData(t, 10, 20);
    assert.ok(!data.ipEcn);
  });
});

describe('simultaneous open (snippets/syn-rcvd-via-syn-sent-ipv4-ecn*)', () => {
  /** Our SYN crosses the peer's; then the peer's ACK completes it and we send 10 bytes. */
  function crossing(config: Partial<TcpConfig>, peerSynFlags: number) {
    const t = active(config);
    const ours = drain(t, 0).map(pd);
    t.handleSegment(peer('<SEQ=5000><CTL=SYN>', peerSynFlags), 100);
    const synAck = drain(t, 100);
    assert.equal(t.state, 'SYN-RECEIVED');
    t.handleSegment(peer('<SEQ=5001><ACK=1001><CTL=ACK>', 0, 0), 210);
    assert.equal(t.state, 'ESTABLISHED');
    drain(t, 210);
    const [data] = sendData(t, 10, 210);
    return { ours, synAck: synAck.map(pd), data };
  }

  test("ecn01: passive, the peer's SEW: > S, < SEW, > SE., data ECT(0)", () => {
    const r = crossing({ ecn: 'passive' }, ECE | CWR);
    assert.deepEqual([r.ours, r.synAck], [['S'], ['SE.']]);
    assert.equal(r.data.ipEcn, ECT0);
  });

  test("ecn10: on, the peer's plain S: > SEW, < S, > S., data Not-ECT", () => {
    const r = crossing({ ecn: 'on' }, 0);
    assert.deepEqual([r.ours, r.synAck], [['SEW'], ['S.']]);
    assert.ok(!r.data.ipEcn);
  });

  test("ecn11: on, the peer's SEW: > SEW, < SEW, > SE., data ECT(0)", () => {
    const r = crossing({ ecn: 'on' }, ECE | CWR);
    assert.deepEqual([r.ours, r.synAck], [['SEW'], ['SE.']]);
    assert.equal(r.data.ipEcn, ECT0);
  });

  test("the peer's own ECN-setup SYN-ACK in SYN-RECEIVED completes the handshake; its ECE is no congestion echo", () => {
    const t = active({ ecn: 'on' });
    drain(t, 0);
    t.handleSegment(peer('<SEQ=5000><CTL=SYN>', ECE | CWR), 100);
    drain(t, 100);
    const cwnd = t.congestion.cwnd;
    t.handleSegment(peer('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', ECE), 200);
    assert.equal(t.state, 'ESTABLISHED');
    assert.equal(t.congestion.cwnd, cwnd);
    const [data] = sendData(t, 10, 210);
    assert.equal(data.flags & CWR, 0, 'no CWR: there was nothing to answer');
  });
});

/** An ESTABLISHED connection with ECN negotiated (we asked, the peer agreed). */
function ecnEstablished(config: Partial<TcpConfig> = {}): Tcb {
  const t = active({ ecn: 'on', ackDelayMs: 0, ...config });
  drain(t, 0);
  t.handleSegment(peer('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', ECE), 10);
  drain(t, 10);
  assert.equal(t.ecnEnabled, true);
  return t;
}

describe('once negotiated: which segments are ECT(0) (RFC 3168 §6.1.2, §6.1.4, §6.1.5)', () => {
  test('new data yes; its retransmission no; a bare FIN no', () => {
    const t = ecnEstablished();
    const [d] = sendData(t, 100, 20);
    assert.equal(d.ipEcn, ECT0);
    t.handleTimeout(t.pollTimeout()!);
    const [rtx] = drain(t, t.pollTimeout() ?? 2000);
    assert.equal(fmt(rtx), '<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=100>');
    assert.ok(!rtx.ipEcn, 'no ECT on a retransmission (§6.1.5)');
    t.handleSegment(peer('<SEQ=5001><ACK=1101><CTL=ACK>'), 3000);
    t.shutdown(3000);
    const [fin] = drain(t, 3000);
    assert.equal(fmt(fin), '<SEQ=1101><ACK=5001><CTL=FIN,ACK>');
    assert.ok(!fin.ipEcn);
  });

  test('a zero-window probe is not ECT', () => {
    const t = ecnEstablished();
    t.handleSegment(peer('<SEQ=5001><ACK=1001><CTL=ACK><WND=0>'), 20);
    t.send(new Uint8Array(10).fill(1), 20);
    assert.deepEqual(drain(t, 20), []);
    const at = t.pollTimeout()!;
    t.handleTimeout(at);
    const [probe] = drain(t, at);
    assert.equal(probe.payload.length, 1);
    assert.ok(!probe.ipEcn);
  });
});

describe('CE echo (RFC 3168 §6.1.3)', () => {
  test('a CE-marked segment is answered with ECE, and every ACK carries it until the peer sends CWR', () => {
    const t = ecnEstablished();
    t.handleSegment(peer('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', 0, CE), 20);
    const [a1] = drain(t, 20);
    assert.equal(fmt(a1), '<SEQ=1001><ACK=5011><CTL=ACK>');
    assert.equal(pd(a1), 'E.');
    t.handleSegment(peer('<SEQ=5011><ACK=1001><CTL=ACK><DATA=10>', 0, ECT0), 30);
    assert.equal(pd(drain(t, 30)[0]), 'E.', 'still echoing: no CWR yet');
    const [d] = sendData(t, 5, 35);
    assert.ok(d.flags & ECE, 'data segments carry the echo too');
    t.handleSegment(peer('<SEQ=5021><ACK=1006><CTL=ACK><DATA=10>', CWR, ECT0), 40);
    assert.equal(pd(drain(t, 40)[0]), '.', 'CWR received: echo stops');
  });

  test('CE and CWR on the same segment: the echo goes on (the CE is new congestion)', () => {
    const t = ecnEstablished();
    t.handleSegment(peer('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', CWR, CE), 20);
    assert.equal(pd(drain(t, 20)[0]), 'E.');
  });

  test('without ECN negotiated a CE mark is ignored', () => {
    const t = active({ ackDelayMs: 0 });
    drain(t, 0);
    t.handleSegment(peer('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 10);
    drain(t, 10);
    t.handleSegment(peer('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10>', 0, CE), 20);
    assert.equal(pd(drain(t, 20)[0]), '.');
  });

  test('a CE mark on a segment outside the window is not echoed', () => {
    const t = ecnEstablished();
    t.handleSegment(peer('<SEQ=4991><ACK=1001><CTL=ACK><DATA=10>', 0, CE), 20);
    assert.equal(pd(drain(t, 20)[0]), '.');
  });
});

describe('the sender\'s reaction to ECE (RFC 3168 §6.1.2)', () => {
  /** Count the congestion controller's ECN responses. */
  function countResponses(t: Tcb): { n: number } {
    const c = { n: 0 };
    const cc = t.congestion;
    const original = cc.onCongestionEvent.bind(cc);
    cc.onCongestionEvent = (inFlight, now) => {
      c.n++;
      original(inFlight, now);
    };
    return c;
  }

  test('halve the window as for a loss, once per window of data, and send CWR on the next new data', () => {
    const t = ecnEstablished({ congestionControl: 'newreno' }); // NewReno's halving (RFC 5681 eq. 4)
    const responses = countResponses(t);
    const mss = t.sendMss;
    const out = sendData(t, 8 * mss, 20);
    assert.equal(out.length, 8);
    assert.ok(out.every((s) => s.ipEcn === ECT0 && !(s.flags & CWR)));
    const before = t.congestion.cwnd;
    t.handleSegment(peer(`<SEQ=5001><ACK=${1001 + mss}><CTL=ACK>`, ECE), 30);
    assert.equal(responses.n, 1);
    assert.equal(t.congestion.ssthresh, (8 * mss) / 2, 'ssthresh = FlightSize / 2 (RFC 5681 eq. 4)');
    assert.equal(t.congestion.cwnd, (8 * mss) / 2, 'cwnd halved, not collapsed to one segment');
    assert.ok(t.congestion.cwnd < before);
    // More ECE for the same window of data: no second reduction.
    t.handleSegment(peer(`<SEQ=5001><ACK=${1001 + 2 * mss}><CTL=ACK>`, ECE), 31);
    t.handleSegment(peer(`<SEQ=5001><ACK=${1001 + 8 * mss}><CTL=ACK>`, ECE), 32);
    assert.equal(responses.n, 1, 'not reduced twice in one window');
    const [next] = sendData(t, 10, 33);
    assert.equal(next.ipEcn, ECT0);
    assert.ok(next.flags & CWR, 'CWR on the first new data after the reduction');
    const [later] = sendData(t, mss, 34);
    assert.equal(later.flags & CWR, 0, 'and only on that one');
  });

  test('after the window passes, a new ECE reduces again', () => {
    const t = ecnEstablished();
    const responses = countResponses(t);
    const mss = t.sendMss;
    sendData(t, 4 * mss, 20);
    t.handleSegment(peer(`<SEQ=5001><ACK=${1001 + mss}><CTL=ACK>`, ECE), 30);
    t.handleSegment(peer(`<SEQ=5001><ACK=${1001 + 4 * mss}><CTL=ACK>`), 31);
    assert.equal(responses.n, 1);
    const more = sendData(t, mss, 32);
    assert.equal(more.length, 1);
    t.handleSegment(peer(`<SEQ=5001><ACK=${1001 + 5 * mss}><CTL=ACK>`, ECE), 40);
    assert.equal(responses.n, 2);
  });

  test('a retransmission timeout also announces its reduction with CWR on the next new data', () => {
    const t = ecnEstablished();
    sendData(t, 100, 20);
    const at = t.pollTimeout()!;
    t.handleTimeout(at);
    drain(t, at);
    t.handleSegment(peer('<SEQ=5001><ACK=1101><CTL=ACK>'), at + 10);
    const [next] = sendData(t, 10, at + 20);
    assert.ok(next.flags & CWR);
  });

  test('without ECN an ECE bit on an ACK changes nothing', () => {
    const t = active({ ackDelayMs: 0 });
    drain(t, 0);
    t.handleSegment(peer('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 10);
    drain(t, 10);
    sendData(t, 1000, 20);
    const ss = t.congestion.ssthresh;
    t.handleSegment(peer('<SEQ=5001><ACK=1501><CTL=ACK>', ECE), 30);
    assert.equal(t.congestion.ssthresh, ss);
  });
});

describe('ecnReduction: an ECN echo answered at once or by PRR (RFC 3168 §6.1.2, RFC 6937; Linux CWR)', () => {
  /** Established with ECN, `queued` segments written, the first `cwnd` (10) of them sent at 20 ms. */
  function flight(ecnReduction: TcpConfig['ecnReduction'] | undefined, queued: number): { t: Tcb; mss: number; sent: number } {
    const t = ecnEstablished(ecnReduction === undefined ? {} : { ecnReduction });
    const mss = t.sendMss;
    const sent = sendData(t, queued * mss, 20).length;
    return { t, mss, sent };
  }
  /** An ACK of segment `n` (cumulative) from the peer, with ECE when `ece`; returns what we send then. */
  function ackTo(t: Tcb, mss: number, n: number, ece: boolean, now: number): Segment[] {
    t.handleSegment(peer(`<SEQ=5001><ACK=${1001 + n * mss}><CTL=ACK>`, ece ? ECE : 0), now);
    return drain(t, now);
  }

  test("default 'immediate': cwnd = ssthresh on the echo, nothing sent while the flight exceeds it", () => {
    assert.equal(resolveConfig({}).ecnReduction, 'immediate');
    const { t, mss, sent } = flight(undefined, 20);
    assert.equal(sent, 10);
    const out = ackTo(t, mss, 1, true, 30);
    // cwnd = ssthresh, then this ACK's own growth in congestion avoidance (less than a segment).
    assert.ok(t.congestion.cwnd >= t.congestion.ssthresh && t.congestion.cwnd < t.congestion.ssthresh + mss, `cwnd ${t.congestion.cwnd}`);
    assert.equal(out.filter((s) => s.payload.length > 0).length, 0, 'flight 9 segments > cwnd 7');
  });

  test("'prr' above ssthresh: new data in proportion ssthresh / RecoverFS to what is delivered", () => {
    const { t, mss, sent } = flight('prr', 20);
    assert.equal(sent, 10);
    const data = (segs: Segment[]) => segs.filter((s) => s.payload.length > 0);
    // RecoverFS = 10 segments, ssthresh = 7 (CUBIC's beta 0.7): sndcnt = ceil(prr_delivered * 7 / 10) - prr_out.
    const first = data(ackTo(t, mss, 1, true, 30));
    const ssthresh = t.congestion.ssthresh;
    assert.equal(ssthresh, 0.7 * 10 * mss);
    assert.equal(first.length, 1, 'ceil(1 * 0.7) - 0 = 1 segment');
    assert.ok(first[0].flags & CWR, 'the first new data after the reduction says CWR');
    assert.equal(data(ackTo(t, mss, 2, false, 31)).length, 1, 'ceil(2 * 0.7) - 1 = 1');
    assert.equal(data(ackTo(t, mss, 3, false, 32)).length, 1, 'ceil(3 * 0.7) - 2 = 1');
    assert.equal(data(ackTo(t, mss, 4, false, 33)).length, 0, 'ceil(4 * 0.7) - 3 = 0');
    // Everything in flight at the echo acknowledged: the reduction ends at cwnd = ssthresh.
    ackTo(t, mss, 10, false, 40);
    assert.equal(t.congestion.cwnd, ssthresh);
  });

  test("'prr' below ssthresh: cwnd = pipe + what was delivered (no slow-start bonus: nothing retransmitted)", () => {
    const { t, mss, sent } = flight('prr', 4);
    assert.equal(sent, 4);
    ackTo(t, mss, 1, true, 30);
    // pipe 3 segments <= ssthresh 7: sndcnt = min(ssthresh - pipe, max(prr_delivered - prr_out, DeliveredData)) = 1.
    assert.equal(t.congestion.cwnd, 4 * mss);
    assert.throws(() => resolveConfig({ ecnReduction: 'halve' as TcpConfig['ecnReduction'] }), RangeError);
  });
});
