/**
 * Record boundaries in the send queue (Tcb.endRecord, Linux's MSG_EOR). man 2 send: MSG_EOR
 * "terminates a record"; on a TCP socket Linux keeps the bytes of a record's end out of any buffer
 * that holds later bytes (tcp_sendmsg_locked marks the buffer eor; tcp_skb_can_collapse_to refuses
 * to append to it, and retransmission never collapses across it). So no segment, new or sent again,
 * carries octets from both sides of a boundary; and a segment that ends at one with data behind it
 * is complete: only the queue's tail is subject to Nagle's algorithm or a cork (Linux applies
 * tcp_nagle_test with TCP_NAGLE_PUSH to every buffer but the last).
 *
 * The numbers (see scenario-helpers.ts): our ISS 1000, the peer's 5000, no options, so the send MSS
 * is 536 (the peer's SYN had no MSS option, RFC 9293 §3.7.1); the peer's window is 8192; the
 * initial window is 4 * 536 = 2144 octets (RFC 3390 for an MSS of 536). The handshake takes no
 * time, so the RTO is its 200 ms floor.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, drain } from './harness.js';
import { inState, T } from './scenario-helpers.js';

const data = (n: number) => new Uint8Array(n).fill(0x61);
/** Nagle's algorithm off (TCP_NODELAY), where a test is not about it: a short tail goes at once. */
const NODELAY = { config: { noDelay: true } };
const out = (c: ReturnType<typeof inState>, at = T) => drain(c.t, at).map(fmt);
const seg = (seq: number, len: number, psh = false) => `<SEQ=${seq}><ACK=5001><CTL=${psh ? 'PSH,' : ''}ACK><DATA=${len}>`;

describe('record boundaries (MSG_EOR)', () => {
  test('a segment stops at a record end: 700 + 700 go as 536, 164, 536, 164, where one stream would be 536, 536, 328', () => {
    const plain = inState('ESTABLISHED', NODELAY);
    plain.t.send(data(700), T);
    plain.t.send(data(700), T);
    assert.deepEqual(out(plain), [seg(1001, 536), seg(1537, 536), seg(2073, 328, true)], 'without a record end the stream is cut by the MSS alone');

    const c = inState('ESTABLISHED', NODELAY);
    c.t.send(data(700), T);
    c.t.endRecord();
    c.t.send(data(700), T);
    // 1001 + 700 = 1701 ends the first record; the segment that reaches it carries PSH (its SEND was pushed).
    assert.deepEqual(out(c), [seg(1001, 536), seg(1537, 164, true), seg(1701, 536), seg(2237, 164, true)]);
  });

  test("a short record end with data behind it is not held by Nagle's algorithm; the tail still is", () => {
    const c = inState('ESTABLISHED', { inFlight: 100 });
    c.t.send(data(200), T);
    c.t.endRecord();
    c.t.send(data(600), T);
    // 1101..1301 is a whole record: it goes though 100 octets are in flight; then a full segment;
    // the last 64 octets are the tail, held while data is unacknowledged (RFC 9293 §3.7.4).
    assert.deepEqual(out(c), [seg(1101, 200, true), seg(1301, 536)]);
    assert.equal(c.t.notSentBytes, 64);
  });

  test('a cork holds only the tail, not a record that ends before it', () => {
    const c = inState('ESTABLISHED');
    c.t.setCork(true, T);
    c.t.send(data(100), T);
    c.t.endRecord();
    c.t.send(data(100), T);
    assert.deepEqual(out(c), [seg(1001, 100, true)]);
    assert.equal(c.t.notSentBytes, 100);
  });

  test('a retransmission after a timeout does not join two records', () => {
    const c = inState('ESTABLISHED', NODELAY);
    c.t.send(data(300), T);
    c.t.endRecord();
    c.t.send(data(300), T);
    c.t.endRecord();
    assert.deepEqual(out(c), [seg(1001, 300, true), seg(1301, 300, true)]);
    c.t.handleTimeout(T + 200);
    // Go-back-N from SND.UNA with cwnd at one MSS, 536 octets (RFC 5681 §3.1): one stream would go
    // as one 536-octet segment; the first record goes on its own, and what cwnd leaves (236 octets)
    // of the second in a segment of its own.
    assert.deepEqual(out(c, T + 200), [seg(1001, 300, true), seg(1301, 236)]);
  });

  test('a fast retransmission does not join two records', () => {
    const c = inState('ESTABLISHED', NODELAY);
    for (let i = 0; i < 4; i++) {
      c.t.send(data(200), T);
      c.t.endRecord();
    }
    assert.deepEqual(out(c), [seg(1001, 200, true), seg(1201, 200, true), seg(1401, 200, true), seg(1601, 200, true)]);
    // Three duplicate ACKs (RFC 5681 §3.2): the segment at SND.UNA goes again, one record of it.
    const dup = '<SEQ=5001><ACK=1001><CTL=ACK>';
    c.feed(dup, { at: T + 10 });
    c.feed(dup, { at: T + 11 });
    const r = c.feed(dup, { at: T + 12 });
    assert.deepEqual(r.out.filter((s) => s.startsWith('<SEQ=1001>')), [seg(1001, 200, true)]);
  });

  test('boundaries go once acknowledged; a record end on an empty queue marks nothing', () => {
    const c = inState('ESTABLISHED', NODELAY);
    c.t.endRecord();
    assert.equal(c.t.rare.records, undefined);
    c.t.send(data(300), T);
    c.t.endRecord();
    out(c);
    assert.equal((c.t.rare.records as { size: number } | undefined)?.size, 1);
    c.feed('<SEQ=5001><ACK=1301><CTL=ACK>', { at: T + 10 });
    c.t.send(data(600), T + 20);
    assert.deepEqual(out(c, T + 20), [seg(1301, 536), seg(1837, 64, true)]);
    assert.equal(c.t.rare.records, undefined);
  });
  test('segmentation offload never carries a segment across a record end: with it on, the same segments go as without it', () => {
    // Offload (Tcb.gsoMaxSize) sends new data worth two full segments or more as one segment for the
    // device to cut; across a record end that one segment would join two records. Without a record
    // end, offload does make larger segments here, so the comparison below can tell.
    const offloaded = inState('ESTABLISHED', NODELAY);
    offloaded.t.gsoMaxSize = 65535;
    offloaded.t.send(data(1200), T);
    offloaded.t.send(data(1200), T);
    assert.ok(drain(offloaded.t, T).some((s) => s.payload.length > 536), 'without a record end, offload sends a segment larger than the MSS');

    const run = (gso: number) => {
      const c = inState('ESTABLISHED', NODELAY);
      c.t.gsoMaxSize = gso;
      c.t.send(data(1200), T);
      c.t.endRecord();
      c.t.send(data(1200), T);
      return out(c);
    };
    const plain = run(0);
    assert.ok(plain.includes(seg(2073, 128, true)), `the first record (1001..2201) ends a segment: ${plain.join(' ')}`);
    assert.deepEqual(run(65535), plain);
  });
});
