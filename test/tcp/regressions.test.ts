/**
 * Regressions for the TCP bugs the simulator found, each twice: the run that found it (a seeded
 * transfer that failed, replayable with the `synack sim` line beside it) and a focused test on one
 * TCB fed by hand that shows the rule. Also the counters the transfer report relies on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateTransfer, simCommand, type SimTransferSpec } from '../../src/workloads/scenario.js';
import { SimNetwork } from '../../src/link/sim.js';
import { TransferSession } from '../../src/workloads/transfer.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { makeSegment, type Segment } from '../../src/tcp/segment.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import { TcpFlag, type TcpOptions } from '../../src/wire/index.js';
import { A_PORT, activeOpen, B_PORT, drain, PLAIN, tcb } from './harness.js';

const ISS = 1000;
const IRS = 5000;

/** A segment from the peer (B_PORT) to us (A_PORT), its fields by name. */
function peer(fields: { seq: number; ack?: number; flags?: number; window?: number; data?: number; options?: TcpOptions }): Segment {
  return makeSegment({
    srcPort: B_PORT,
    dstPort: A_PORT,
    seq: fields.seq >>> 0,
    ack: (fields.ack ?? 0) >>> 0,
    flags: fields.flags ?? TcpFlag.ACK,
    window: fields.window ?? 8192,
    ...(fields.options ? { options: fields.options } : {}),
    payload: new Uint8Array(fields.data ?? 0),
  });
}

/** An active open completed at t = 1 against a peer that offers `window` (unscaled) and MSS 1460. */
function established(config: Partial<TcpConfig>, window: number, peerTs?: number): { t: Tcb; synTsval: number | undefined } {
  const t = tcb({ iss: ISS, config });
  let synTsval: number | undefined;
  activeOpen(
    t,
    (syn) => {
      synTsval = syn.options.timestamp?.value;
      const options: TcpOptions = { mss: 1460 };
      if (peerTs !== undefined && synTsval !== undefined) options.timestamp = { value: peerTs, echo: synTsval };
      return peer({ seq: IRS, ack: ISS + 1, flags: TcpFlag.SYN | TcpFlag.ACK, window, options });
    },
    1,
  );
  return { t, synTsval };
}

function mustComplete(spec: SimTransferSpec): void {
  const { report } = simulateTransfer(spec);
  assert.ok(report.ok, `${report.reason}\n  replay: ${simCommand(spec)}`);
}

describe("Karn's rule with timestamps (RFC 6298 §3, RFC 7323 §5.3)", () => {
  /** One segment sent at t=1, retransmitted at t=201 (RTO 200 ms), then an ACK echoing `echoOf`. */
  function scenario(echoOf: 'original' | 'retransmission') {
    const { t } = established({ ...PLAIN, timestamps: true }, 8192, 700);
    t.send(new Uint8Array(100), 1);
    const [original] = drain(t, 1);
    assert.equal(t.rtt.samples, 1);
    const rto = t.rtt.rto;
    t.handleTimeout(1 + rto);
    const [retransmission] = drain(t, 1 + rto);
    assert.equal(retransmission.seq, original.seq);
    assert.equal(t.rtt.rto, 2 * rto, 'backed off');
    const echo = (echoOf === 'original' ? original : retransmission).options.timestamp!.value;
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 101, options: { timestamp: { value: 701, echo } } }), 2 + rto);
    return { t, rto };
  }

  test('an ACK echoing the original (its ACK was lost; the retransmission was a duplicate) gives no RTT sample', () => {
    const { t, rto } = scenario('original');
    assert.equal(t.sndUna, ISS + 101);
    assert.equal(t.rtt.samples, 1, 'no sample: it would count our own backed-off timeout as round-trip time');
    assert.equal(t.rtt.rto, 2 * rto, 'the backed-off RTO stays until a valid sample (Karn)');
  });

  test('an ACK echoing the retransmission measures one round trip', () => {
    const { t } = scenario('retransmission');
    assert.equal(t.rtt.samples, 2);
    assert.ok(t.rtt.srtt! < 5, `srtt ${t.rtt.srtt}`);
  });

  test("20% loss: the RTO stays near the path's (it climbed to the 120 s maximum on a 2 ms path)", () => {
    const net = new SimNetwork(1);
    const c = net.addHost('client', { addresses: ['198.18.0.1'] });
    const s = net.addHost('server', { addresses: ['198.18.0.2'] });
    net.link(c, s, { loss: 0.2 });
    const session = new TransferSession(net, { client: c, server: s, up: 1_000_000, down: 0, dataSeed: 1 });
    let maxSrtt = 0;
    for (let steps = 0; !session.finished && steps < 1_000_000 && net.step(); steps++) {
      const srtt = session.client.conn?.tcb.rtt.srtt;
      if (srtt !== undefined && srtt > maxSrtt) maxSrtt = srtt;
    }
    const r = session.report();
    assert.ok(r.ok, r.reason);
    assert.ok(maxSrtt < 100, `SRTT reached ${maxSrtt} ms on a 2 ms path`);
    assert.ok(r.virtualMs < 600_000, `${r.virtualMs} ms (it took 11,380 s before the fix)`);
  });
});

describe('a short segment already sent is retransmitted (RFC 6298 §5.4): SWS avoidance and Nagle hold back new data only', () => {
  test('the SWS override sends 300 bytes into a small window; lost, the RTO sends them again', () => {
    const { t } = established(PLAIN, 4000);
    t.send(new Uint8Array(10_000), 1);
    drain(t, 1);
    // Everything acknowledged, and the window shrinks to 300 (< MSS, < half the largest window).
    t.handleSegment(peer({ seq: IRS + 1, ack: t.sndMax, window: 300 }), 2);
    assert.deepEqual(drain(t, 2), [], 'sender SWS avoidance holds the 300 bytes back (§3.8.6.2.1)');
    const override = t.pollTimeout()!;
    t.handleTimeout(override);
    const [short] = drain(t, override);
    assert.equal(short.payload.length, 300, 'the override timeout sends what fits');
    // That segment is lost: the retransmission timer fires.
    const rto = t.pollTimeout()!;
    t.handleTimeout(rto);
    const again = drain(t, rto);
    assert.equal(again.length, 1, 'the RTO retransmits (it sent nothing, 15 times, then R2 aborted)');
    assert.equal(again[0].seq, short.seq);
    assert.equal(again[0].payload.length, 300);
  });

  test('the run that found it (a lost short segment never sent again until R2 aborted) completes', () => {
    mustComplete({ seed: 31, bytes: 100_000, direction: 'up', link: { delayMs: 0.1, queueBytes: 5000, mtu: 576, loss: 0.1, corrupt: 0.01 }, receiveBufferSize: 4096, sendBufferSize: 4096, readRateBps: 100_000, timestamps: false, maxMs: 3_600_000 });
  });
});

describe('the FIN must fit in the send window (RFC 9293 §3.8.6), unless it is the zero-window probe', () => {
  test('data that fills the window goes without the FIN; the FIN waits for room, probing a zero window', () => {
    const { t } = established(PLAIN, 1000);
    t.send(new Uint8Array(1000), 1);
    t.shutdown(1);
    const [data] = drain(t, 1);
    assert.equal(data.payload.length, 1000);
    assert.equal(data.flags & TcpFlag.FIN, 0, 'a FIN at SND.UNA + SND.WND would be trimmed by the receiver');
    // All acknowledged, window 0: nothing may go but a probe.
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1001, window: 0 }), 2);
    assert.deepEqual(drain(t, 2), []);
    const probeAt = t.pollTimeout();
    assert.ok(probeAt !== undefined, 'the persist timer runs for a FIN waiting on a zero window');
    t.handleTimeout(probeAt);
    const [probe] = drain(t, probeAt);
    assert.equal(probe.flags & TcpFlag.FIN, TcpFlag.FIN, 'the FIN is the probe');
    assert.equal(probe.seq, ISS + 1001);
    // Data from the peer meanwhile: our ACK carries SEQ = the FIN's own number (the probe may have
    // been dropped), the peer's RCV.NXT, so a zero-window peer can take it.
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1001, window: 0, data: 10 }), probeAt + 1);
    const [ack] = drain(t, probeAt + 1);
    assert.equal(ack.seq, ISS + 1001);
    // The window opens: the FIN goes, is acknowledged: FIN-WAIT-2.
    t.handleSegment(peer({ seq: IRS + 11, ack: ISS + 1001, window: 1000 }), probeAt + 2);
    const fin = drain(t, probeAt + 2).find((s) => s.flags & TcpFlag.FIN);
    assert.ok(fin && fin.seq === ISS + 1001);
    t.handleSegment(peer({ seq: IRS + 11, ack: ISS + 1002, window: 1000 }), probeAt + 3);
    assert.equal(t.state, 'FIN-WAIT-2');
  });

  test('the run that found it (two slow readers close simultaneously: an ACK war) completes in bounded steps', () => {
    const spec: SimTransferSpec = { seed: 23503, bytes: 100_000, direction: 'both', link: { delayMs: 0.1, queueBytes: 5000, mtu: 1280, duplicate: 0.02 }, receiveBufferSize: 1000, readRateBps: 8000, maxMs: 3_600_000, maxSteps: 300_000 };
    mustComplete(spec);
  });
});

describe('a bare ACK one octet behind RCV.NXT is a probing peer: its ACK is taken (RFC 9293 Appendix A.2)', () => {
  test('its acknowledgment and window are processed, and an ACK still goes back', () => {
    const { t } = established(PLAIN, 8192);
    t.send(new Uint8Array(100), 1);
    drain(t, 1);
    // The peer's zero-window probe octet (at IRS+1) reached us and was accepted...
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, window: 0, data: 1 }), 2);
    drain(t, 2);
    assert.equal(t.rcvNxt, IRS + 2);
    // ...and its ACKs carry SEQ = its SND.NXT, the probe's octet: one behind our RCV.NXT.
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 101, window: 8192 }), 3);
    assert.equal(t.sndUna, ISS + 101, 'the acknowledgment is taken');
    assert.equal(t.sndWnd, 8192, 'and the window');
    assert.equal(drain(t, 3).length, 1, 'the ACK that resynchronizes still goes back');
  });

  test("the answers to such ACKs are limited to one per 500 ms, so two peers cannot answer each other's answers forever", () => {
    const { t } = established(PLAIN, 8192);
    t.send(new Uint8Array(100), 1);
    drain(t, 1);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, data: 1 }), 2);
    drain(t, 2);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 51 }), 3);
    assert.equal(drain(t, 3).length, 1);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 101 }), 4);
    assert.equal(t.sndUna, ISS + 101, 'taken');
    assert.equal(drain(t, 4).length, 0, 'not answered again within 500 ms');
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 101 }), 503);
    assert.equal(drain(t, 503).length, 1);
  });

  test('the runs that found the answer storm (tiny windows, both ways, duplication) complete', () => {
    mustComplete({ seed: 41148, bytes: 30_000, direction: 'both', link: { queueBytes: 30_000, duplicate: 0.02 }, receiveBufferSize: 100, ackDelayMs: 200, maxMs: 3_600_000, maxSteps: 200_000 });
    mustComplete({ seed: 46197, bytes: 20_000, direction: 'both', link: { delayMs: 100, queueBytes: 30_000, mtu: 296, duplicate: 0.02 }, receiveBufferSize: 100, sendBufferSize: 20_000, ackDelayMs: 200, readRateBps: 8000, maxMs: 3_600_000, maxSteps: 200_000 });
  });

  test('further behind, or carrying data, the segment is dropped whole as §3.10.7.4 says', () => {
    const { t } = established(PLAIN, 8192);
    t.send(new Uint8Array(100), 1);
    drain(t, 1);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, data: 10 }), 2);
    drain(t, 2);
    t.handleSegment(peer({ seq: IRS + 9, ack: ISS + 101 }), 3);
    assert.equal(t.sndUna, ISS + 1);
    t.handleSegment(peer({ seq: IRS + 10, ack: ISS + 101, data: 1 }), 4);
    assert.equal(t.sndUna, ISS + 1);
  });

  test('the run that found it (zero-window probes crossed, both accepted) completes', () => {
    mustComplete({ seed: 23785, bytes: 300_000, direction: 'both', link: { delayMs: 20, jitterMs: 1, queueBytes: 30_000, mtu: 576, duplicate: 0.02, reorder: 0.05, corrupt: 0.01 }, hostMtu: 1500, receiveBufferSize: 70_000, ackDelayMs: 200, readRateBps: 8000, timestamps: false, windowScaling: false, maxMs: 3_600_000, maxSteps: 1_000_000 });
  });
});

describe("a bare ACK stays inside the peer's window when we have sent to its edge (Table 6, RFC 9293 Appendix A.2)", () => {
  test('SEQ = SND.MAX - 1 while SND.MAX = SND.UNA + SND.WND with data outstanding', () => {
    const { t } = established(PLAIN, 1000);
    t.send(new Uint8Array(1000), 1);
    drain(t, 1);
    assert.equal(t.sndMax, ISS + 1001);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, window: 1000, data: 10 }), 2);
    const [ack] = drain(t, 2);
    assert.equal(ack.seq, ISS + 1000, 'SND.MAX would be RCV.NXT + RCV.WND at a peer missing our data: unacceptable');
    assert.equal(ack.ack, IRS + 11);
    // Once acknowledged, the usual SEQ = SND.MAX.
    t.handleSegment(peer({ seq: IRS + 11, ack: ISS + 1001, window: 1000, data: 10 }), 3);
    assert.equal(drain(t, 3)[0].seq, ISS + 1001);
  });

  test('the runs that found it (both windows filled, losses both ways: R2 aborts) complete', () => {
    mustComplete({ seed: 25612, bytes: 100_000, direction: 'both', link: { delayMs: 5, jitterMs: 10, queueBytes: 30_000, mtu: 296, loss: 0.05, duplicate: 0.02, corrupt: 0.01 }, hostMtu: 1500, receiveBufferSize: 1000, sendBufferSize: 1000, ackDelayMs: 0, maxMs: 3_600_000 });
    mustComplete({ seed: 23288, bytes: 100_000, direction: 'both', link: { delayMs: 20, jitterMs: 1, rateBps: 1e6, queueBytes: 30_000, mtu: 128, loss: 0.05, reorder: 0.05 }, hostMtu: 1500, receiveBufferSize: 1000, sendBufferSize: 4096, ackDelayMs: 200, readRateBps: 1e6, maxMs: 3_600_000 });
  });
});

describe('counters', () => {
  test('DupAcks counts RFC 5681 §2 duplicate ACKs only', () => {
    const { t } = established(PLAIN, 8192);
    t.send(new Uint8Array(100), 1);
    drain(t, 1);
    for (let i = 0; i < 3; i++) t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, window: 8192 }), 2 + i);
    assert.equal(t.stats.DupAcks, 3);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, window: 4096 }), 6); // a window update
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, window: 4096, data: 5 }), 7); // carries data
    assert.equal(t.stats.DupAcks, 3);
    t.handleSegment(peer({ seq: IRS + 6, ack: ISS + 101, window: 4096 }), 8);
    t.handleSegment(peer({ seq: IRS + 6, ack: ISS + 101, window: 4096 }), 9); // nothing outstanding
    assert.equal(t.stats.DupAcks, 3);
  });

  test('TCPDupData counts data wholly before RCV.NXT', () => {
    const { t } = established(PLAIN, 8192);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, data: 10 }), 2);
    t.handleSegment(peer({ seq: IRS + 1, ack: ISS + 1, data: 10 }), 3);
    assert.equal(t.stats.TCPDupData, 1);
  });
});
