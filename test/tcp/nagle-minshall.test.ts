/**
 * Nagle's algorithm, by the `nagle` knob. ISS 100, the peer's ISN 300, MSS 1000, a 65535-octet window
 * (so the sender-side SWS test, half the largest window, never lets a short segment go by itself).
 * - 'rfc1122' (RFC 9293 §3.7.4, RFC 1122 §4.2.3.4): a short segment waits while any data is
 *   unacknowledged, so a 2500-octet write sends 101:1101 and 1101:2101 and holds 2101:2601 until
 *   their ACK;
 * - 'minshall' (draft-minshall-nagle; Linux's tcp_nagle_check / tcp_minshall_check): a short segment
 *   waits only while an earlier short segment is unacknowledged, so 2101:2601 goes with the full
 *   ones, and a later 300-octet write waits for the ACK of 2601.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeOpen, drain, seg, tcb } from './harness.js';

function open(nagle: 'rfc1122' | 'minshall') {
  const t = tcb({ iss: 100, config: { nagle, ackDelayMs: 0 } });
  activeOpen(t, seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options: { mss: 1000 }, window: 65535 }), 10);
  return t;
}

const spans = (segs: ReturnType<typeof drain>) => segs.filter((s) => s.payload.length > 0).map((s) => `${s.seq}:${s.seq + s.payload.length}`);

test("'rfc1122': the short tail of a write waits while the full segments are unacknowledged", () => {
  const t = open('rfc1122');
  t.send(new Uint8Array(2500), 20);
  assert.deepEqual(spans(drain(t, 20)), ['101:1101', '1101:2101']);
  t.handleSegment(seg('<SEQ=301><ACK=2101><CTL=ACK>', { window: 65535 }), 30);
  assert.deepEqual(spans(drain(t, 30)), ['2101:2601']);
});

test("'minshall': the short tail goes with the full segments; the next short segment waits for its ACK", () => {
  const t = open('minshall');
  t.send(new Uint8Array(2500), 20);
  assert.deepEqual(spans(drain(t, 20)), ['101:1101', '1101:2101', '2101:2601']);
  t.send(new Uint8Array(300), 21);
  assert.deepEqual(spans(drain(t, 21)), [], 'an earlier short segment (2101:2601) is unacknowledged');
  t.handleSegment(seg('<SEQ=301><ACK=2101><CTL=ACK>', { window: 65535 }), 30);
  assert.deepEqual(spans(drain(t, 30)), [], 'still unacknowledged');
  t.handleSegment(seg('<SEQ=301><ACK=2601><CTL=ACK>', { window: 65535 }), 40);
  assert.deepEqual(spans(drain(t, 40)), ['2601:2901']);
});
