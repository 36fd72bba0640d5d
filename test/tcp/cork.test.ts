/**
 * Holding short segments back on the application's word, and pushing them out on its word:
 *
 * - a cork (Linux's TCP_CORK, man 7 tcp): "If set, don't send out partial frames. All queued partial
 *   frames are sent when the option is cleared again ... there is a 200 millisecond ceiling on the
 *   time for which output is corked";
 * - a SEND that says more is coming (Linux's MSG_MORE, man 2 send: "The caller has more data to
 *   send"): RFC 9293 §3.9.1.2's SEND without the PUSH flag, so its data carries no PSH and a short
 *   last segment waits for the rest;
 * - a push (man 7 tcp, TCP_NODELAY: "setting this option forces an explicit flush of pending output,
 *   even if TCP_CORK is currently set").
 *
 * The numbers (see scenario-helpers.ts): our ISS 1000, the peer's 5000, no options, so the send MSS
 * is 536 (the peer's SYN had no MSS option, RFC 9293 §3.7.1); the peer's window is 8192.
 * The handshake happens at t = 0 with no delay, so the RTT sample is 0 and the RTO is its 200 ms
 * floor (minRtoMs): the persist timer, which bounds a cork when nothing is in flight, runs 200 ms.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, drain } from './harness.js';
import { inState, T } from './scenario-helpers.js';

const data = (n: number) => new Uint8Array(n).fill(0x61);
const out = (c: ReturnType<typeof inState>, at = T) => drain(c.t, at).map(fmt);

describe('cork (TCP_CORK)', () => {
  test('short writes wait while corked; uncorking sends them as one pushed segment', () => {
    const c = inState('ESTABLISHED');
    c.t.setCork(true, T);
    assert.equal(c.t.send(data(40), T), 40);
    assert.deepEqual(out(c), [], 'a partial frame is not sent while corked');
    assert.equal(c.t.send(data(40), T + 50), 40);
    assert.deepEqual(out(c, T + 50), []);
    c.t.setCork(false, T + 60);
    assert.deepEqual(out(c, T + 60), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=80>']);
  });

  test('full-sized segments go while corked; only the short tail waits', () => {
    const c = inState('ESTABLISHED');
    c.t.setCork(true, T);
    c.t.send(data(3000), T);
    // 3000 = 5 * 536 + 320.
    assert.deepEqual(out(c), [1001, 1537, 2073, 2609, 3145].map((seq) => `<SEQ=${seq}><ACK=5001><CTL=ACK><DATA=536>`));
    assert.equal(c.t.notSentBytes, 320);
  });

  test('with nothing in flight, the persist timer (one RTO, 200 ms here) ends the wait', () => {
    const c = inState('ESTABLISHED');
    c.t.setCork(true, T);
    c.t.send(data(40), T);
    assert.deepEqual(out(c), []);
    assert.equal(c.t.pollTimeout(), T + 200, 'the ceiling is armed');
    c.t.handleTimeout(T + 200);
    assert.deepEqual(out(c, T + 200), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=40>']);
    assert.equal(c.t.corked, true, 'the cork stays on');
  });

  test('with data in flight the tail waits for the acknowledgment, then for the cork still', () => {
    const c = inState('ESTABLISHED', { inFlight: 100 });
    c.t.setCork(true, T);
    c.t.send(data(40), T);
    assert.deepEqual(out(c), []);
    assert.equal(c.t.pollTimeout(), 200, 'only the retransmission timer of the 100 octets in flight (sent at 0) runs');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1101><CTL=ACK>').out, [], 'the ACK does not uncork');
  });

  test('a push sends what is queued even while corked, and the cork holds what comes after', () => {
    const c = inState('ESTABLISHED');
    c.t.setCork(true, T);
    c.t.send(data(40), T);
    c.t.send(data(40), T + 50);
    c.t.push(T + 50);
    assert.deepEqual(out(c, T + 50), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=80>']);
    c.feed('<SEQ=5001><ACK=1081><CTL=ACK>', { at: T + 60 });
    c.t.send(data(40), T + 70);
    assert.deepEqual(out(c, T + 70), [], 'still corked');
  });

  test('uncorking with Nagle on: what is queued goes by Nagle\'s rule (held while data is in flight)', () => {
    const c = inState('ESTABLISHED', { inFlight: 100 });
    c.t.setCork(true, T);
    c.t.send(data(40), T);
    c.t.setCork(false, T);
    assert.deepEqual(out(c), [], 'Nagle (RFC 9293 §3.7.4): a short segment waits for the outstanding data to be acknowledged');
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1101><CTL=ACK>').out, ['<SEQ=1101><ACK=5001><CTL=PSH,ACK><DATA=40>']);
  });

  test('uncorking with Nagle off pushes at once', () => {
    const c = inState('ESTABLISHED', { inFlight: 100, config: { noDelay: true } });
    c.t.setCork(true, T);
    c.t.send(data(40), T);
    assert.deepEqual(out(c), [], 'the cork overrides noDelay');
    c.t.setCork(false, T);
    assert.deepEqual(out(c), ['<SEQ=1101><ACK=5001><CTL=PSH,ACK><DATA=40>']);
  });
});

describe('a SEND that says more is coming (MSG_MORE)', () => {
  test('its data waits and carries no PSH; the next SEND without it sends everything pushed', () => {
    const c = inState('ESTABLISHED', { config: { noDelay: true } });
    c.t.send(data(100), T, true);
    c.t.send(data(160), T + 5, true);
    assert.deepEqual(out(c, T + 5), [], 'more overrides noDelay');
    c.t.send(data(5), T + 10);
    assert.deepEqual(out(c, T + 10), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=265>']);
  });

  test('full segments go at once without PSH; an acknowledgment releases the tail, still without PSH', () => {
    const c = inState('ESTABLISHED', { config: { noDelay: true } });
    c.t.send(data(3000), T, true);
    assert.deepEqual(out(c), [1001, 1537, 2073, 2609, 3145].map((seq) => `<SEQ=${seq}><ACK=5001><CTL=ACK><DATA=536>`));
    assert.deepEqual(c.feed('<SEQ=5001><ACK=1537><CTL=ACK>', { at: T + 10 }).out, ['<SEQ=3681><ACK=5001><CTL=ACK><DATA=320>']);
  });

  test('with nothing in flight the persist timer sends the held data, pushed', () => {
    const c = inState('ESTABLISHED', { config: { noDelay: true } });
    c.t.send(data(40), T, true);
    assert.deepEqual(out(c), []);
    assert.equal(c.t.pollTimeout(), T + 200);
    c.t.handleTimeout(T + 200);
    assert.deepEqual(out(c, T + 200), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=40>']);
  });

  test('a push sends it without PSH (the application still said more is coming)', () => {
    const c = inState('ESTABLISHED', { config: { noDelay: true } });
    c.t.send(data(40), T, true);
    c.t.send(data(40), T + 50, true);
    c.t.push(T + 60);
    assert.deepEqual(out(c, T + 60), ['<SEQ=1001><ACK=5001><CTL=ACK><DATA=80>']);
  });

  test('a FIN is not held: shutdown after a SEND with more sends data and FIN', () => {
    const c = inState('ESTABLISHED');
    c.t.send(data(40), T, true);
    c.t.shutdown(T);
    assert.deepEqual(out(c), ['<SEQ=1001><ACK=5001><CTL=FIN,ACK><DATA=40>']);
  });
});

describe('unsent octets and the writer\'s wake-up (TCP_NOTSENT_LOWAT)', () => {
  test('notSentBytes counts what was never sent; sendWakeup needs fewer than half notSentLowat of them', () => {
    // A window of 8 segments (4288): of 20 segments queued (10720), 8 go, 12 (6432) wait.
    const c = inState('ESTABLISHED', { config: { notSentLowat: 5000, sendBufferSize: 65536 } });
    c.feed('<SEQ=5001><ACK=1001><CTL=ACK><WND=4288>');
    c.t.send(data(10_720), T);
    drain(c.t, T);
    assert.equal(c.t.notSentBytes, 6432);
    assert.equal(c.t.sendWakeup, false);
    // 6 segments acknowledged, the window moves on: 14 sent, 6 (3216) wait: fewer than 5000, not fewer than 2500.
    c.feed('<SEQ=5001><ACK=4217><CTL=ACK><WND=4288>', { at: T + 10 });
    assert.equal(c.t.notSentBytes, 3216);
    assert.equal(c.t.sendWakeup, false);
    // 2 more: 16 sent, 4 (2144) wait: 2 * 2144 < 5000.
    c.feed('<SEQ=5001><ACK=5289><CTL=ACK><WND=4288>', { at: T + 20 });
    assert.equal(c.t.notSentBytes, 2144);
    assert.equal(c.t.sendWakeup, true);
  });

  test('without notSentLowat, the wake-up needs free space of at least half what is queued', () => {
    const c = inState('ESTABLISHED', { config: { sendBufferSize: 3000 } });
    c.feed('<SEQ=5001><ACK=1001><CTL=ACK><WND=0>');
    c.t.send(data(2100), T);
    assert.equal(c.t.sendWakeup, false, '900 free < 2100 / 2');
    const d = inState('ESTABLISHED', { config: { sendBufferSize: 3000 } });
    d.feed('<SEQ=5001><ACK=1001><CTL=ACK><WND=0>');
    d.t.send(data(2000), T);
    assert.equal(d.t.sendWakeup, true, '1000 free >= 2000 / 2');
  });
});

describe('window updates after a read (windowUpdateOnRead; RFC 9293 §3.8.6.2.2 leaves when to the receiver)', () => {
  // Our buffer is 4096; `mss: 536` makes our own MSS 536 (the data ACKs are immediate: ackDelayMs 0).
  test("'segments': reading 1500 (at least two 536-octet segments) announces the window at once", () => {
    const c = inState('ESTABLISHED', { config: { mss: 536 } });
    c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=1500>');
    c.t.read();
    assert.deepEqual(out(c), ['<SEQ=1001><ACK=6501><CTL=ACK>']);
  });
  test("'doubled' (Linux): no update while more than half the buffer is still open; one once the open window is doubled", () => {
    const c = inState('ESTABLISHED', { config: { mss: 536, windowUpdateOnRead: 'doubled' } });
    c.feed('<SEQ=5001><ACK=1001><CTL=ACK><DATA=1500>');
    c.t.read();
    assert.deepEqual(out(c), [], '2596 octets still open: 2 * 2596 > 4096');
    c.feed('<SEQ=6501><ACK=1001><CTL=ACK><DATA=1500>', { at: T + 1 });
    c.feed('<SEQ=8001><ACK=1001><CTL=ACK><DATA=1000>', { at: T + 2 });
    // That ACK advertised the free space, 1596: 2 * 1596 <= 4096, and reading frees all 4096.
    while (c.t.read());
    assert.deepEqual(drain(c.t, T + 2).map(fmt), ['<SEQ=1001><ACK=9001><CTL=ACK>']);
  });
});
