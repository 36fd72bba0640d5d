/**
 * The delayed-ACK timeout as an estimate of the gap between the peer's data segments
 * (`ackTimeout: 'ato'`, Linux's icsk_ack.ato), within RFC 9293 §3.8.6.3 ("the delay MUST be less
 * than 0.5 seconds") and RFC 1122 §4.2.3.2; and what makes an exchange interactive, so that its
 * data is not quick-ACKed (the answer will carry the ACK).
 *
 * Numbers: our ISS 1000, the peer's 5000, no options, MSS 536; `ackDelayMs` 40 (TCP_ATO_MIN). The
 * SYN leaves at 0 and the SYN-ACK arrives at 100: one RTT sample of 100 ms, so SRTT = 100 and
 * RTTVAR = 50 (RFC 6298 §2.2), RTO = 100 + 4 * 50 = 300 ms.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TcpConfig } from '../../src/tcp/config.js';
import { activeOpen, drain, fmt, seg, tcb } from './harness.js';

const ATO: Partial<TcpConfig> = { ackDelayMs: 40, ackTimeout: 'ato', quickAckSegments: 16 };
const bytes = (n: number) => new Uint8Array(n).fill(0x61);

function open(config: Partial<TcpConfig>, queued = 0) {
  const t = tcb({ iss: 1000, config: { ...ATO, ...config } });
  if (queued > 0) {
    t.connect(0);
    drain(t, 0);
    assert.equal(t.send(bytes(queued), 0), queued, 'setup: queued before the connection is established');
    t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 100);
    return { t, out: drain(t, 100).map(fmt) };
  }
  const { out } = activeOpen(t, seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>'), 100);
  return { t, out: out.map(fmt) };
}

/** When the ACK of data that arrived at `at` leaves: at once, or when the delayed-ACK timer fires. */
function ackTime(t: ReturnType<typeof tcb>, at: number): number {
  if (drain(t, at).length > 0) return at;
  const due = t.pollTimeout();
  assert.ok(due !== undefined, 'a timer is armed');
  t.handleTimeout(due);
  assert.equal(drain(t, due).length, 1, 'the delayed ACK');
  return due;
}

describe("the delayed-ACK timeout as an estimate (ackTimeout 'ato')", () => {
  test("data we send right after connecting, before the peer's first data, is not an answer: that data is quick-ACKed", () => {
    const { t } = open({});
    t.send(bytes(100), 100);
    assert.deepEqual(drain(t, 100).map(fmt), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=100>']);
    t.handleSegment(seg('<SEQ=5001><ACK=1101><CTL=PSH,ACK><DATA=50>'), 200);
    assert.equal(ackTime(t, 200), 200);
  });

  test("'fixed': the same send, within ackDelayMs of hearing the SYN-ACK, makes the exchange interactive", () => {
    const { t } = open({ ackTimeout: 'fixed' });
    t.send(bytes(100), 100);
    drain(t, 100);
    t.handleSegment(seg('<SEQ=5001><ACK=1101><CTL=PSH,ACK><DATA=50>'), 200);
    assert.equal(ackTime(t, 200), 240);
  });

  test("an answer within the estimate (40 ms) of the peer's data makes the exchange interactive: its next data waits", () => {
    const { t } = open({});
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=PSH,ACK><DATA=50>'), 200);
    assert.equal(ackTime(t, 200), 200, 'the first data: quick ACK');
    t.send(bytes(100), 230);
    drain(t, 230);
    assert.equal(t.pingpong, true);
    t.handleSegment(seg('<SEQ=5051><ACK=1101><CTL=PSH,ACK><DATA=50>'), 400);
    assert.equal(ackTime(t, 400), 440, 'no quick ACK in an interactive exchange; the estimate is still 40');
  });

  test('connecting with our data waiting starts the estimate: sending it makes the exchange interactive', () => {
    const { t, out } = open({}, 100);
    assert.deepEqual(out, ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=100>'], 'the data carries the ACK');
    t.handleSegment(seg('<SEQ=5001><ACK=1101><CTL=PSH,ACK><DATA=50>'), 120);
    assert.equal(ackTime(t, 120), 160);
  });

  test('a delayed ACK that fires outside an interactive exchange doubles the estimate; the wait is bounded by SRTT', () => {
    const { t } = open({ quickAckSegments: 0 });
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=PSH,ACK><DATA=50>'), 200);
    assert.equal(ackTime(t, 200), 240, 'the estimate starts at 40');
    assert.equal(t.ato, 80, 'doubled when the timer fired');
    // A gap of 300 ms is not above the RTO (300): the estimate stays 80; min(80, SRTT 100) = 80.
    t.handleSegment(seg('<SEQ=5051><ACK=1001><CTL=PSH,ACK><DATA=50>'), 500);
    assert.equal(ackTime(t, 500), 580);
    assert.equal(t.ato, 160);
    // min(160, SRTT 100): 100.
    t.handleSegment(seg('<SEQ=5101><ACK=1001><CTL=PSH,ACK><DATA=50>'), 800);
    assert.equal(ackTime(t, 800), 900);
  });

  test('a gap shorter than the estimate pulls it toward the gap, one of 20 ms or less toward 40 ms', () => {
    const { t } = open({ quickAckSegments: 0 });
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=PSH,ACK><DATA=50>'), 200);
    ackTime(t, 200);
    assert.equal(t.ato, 80);
    // A gap of 50 ms, below 80: 80 / 2 + 50 = 90. Then one of 10 ms: 90 / 2 + 40 / 2 = 65.
    t.handleSegment(seg('<SEQ=5051><ACK=1001><CTL=PSH,ACK><DATA=50>'), 250);
    assert.equal(t.ato, 90);
    t.handleSegment(seg('<SEQ=5101><ACK=1001><CTL=PSH,ACK><DATA=50>'), 260);
    assert.equal(t.ato, 65);
  });

  test('an interactive exchange whose answer is late leaves interactive mode and starts the estimate again', () => {
    const { t } = open({});
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=PSH,ACK><DATA=50>'), 200);
    ackTime(t, 200);
    t.send(bytes(100), 210);
    drain(t, 210);
    // A gap of 40 ms: not below the estimate, which stays 40.
    t.handleSegment(seg('<SEQ=5051><ACK=1101><CTL=PSH,ACK><DATA=50>'), 240);
    assert.equal(ackTime(t, 240), 280);
    assert.equal(t.pingpong, false);
    assert.equal(t.ato, 40);
  });
});
