/**
 * How much a SEND takes (RFC 9293 §3.9.1.2 leaves it to the implementation) under
 * `writeAccounting: 'units'`, Linux's tcp_sendmsg_locked: data is queued in units of the size goal
 * (tcp_xmit_size_goal: 64 KiB of segmentation offload, at most half the peer's largest window, in
 * whole MSS), room is asked for only before a unit is started (sk_stream_memory_free: the queue below
 * the send buffer's size; with TCP_NOTSENT_LOWAT, fewer unsent bytes than it), and a unit that fills
 * while it is the first unsent one is pushed at once as far as the windows allow (tcp_push_one), the
 * rest of it staying the unit being filled.
 *
 * Numbers: our ISS 1000, the peer's 5000; the peer's MSS 1000, no other options, so the send MSS is
 * 1000; the peer offers 65535, so the size goal is 65535 / 2 = 32767, rounded down to 32000; the
 * initial window is 10 segments, 10000 bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TcpConfig } from '../../src/tcp/config.js';
import { sizeGoal } from '../../src/tcp/write-units.js';
import { activeOpen, seg, tcb } from './harness.js';

const bytes = (n: number) => new Uint8Array(n).fill(0x61);

function open(config: Partial<TcpConfig>) {
  const t = tcb({ iss: 1000, config: { writeAccounting: 'units', bufferAutoTuning: false, sendBufferSize: 50_000, ...config } });
  activeOpen(t, seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1000 } }), 10);
  return t;
}

describe("how much a write takes (writeAccounting 'units')", () => {
  test('the size goal is half the peer\'s largest window in whole segments', () => {
    assert.equal(sizeGoal(open({})), 32000);
  });

  test('room is asked for only before a unit starts: the last unit carries the queue past the buffer', () => {
    const t = open({});
    // Unit 1 fills to 32000 and is pushed as far as the window allows (10000); its other 22000 stay
    // the unit being filled, which takes 10000 more without asking (42000 queued); 42000 < 50000,
    // so unit 2 starts and takes 32000: 74000 queued, past 50000; then no room for unit 3.
    assert.equal(t.send(bytes(100_000), 10), 74_000);
    assert.equal(t.send(bytes(1000), 10), 0, 'the queue is past the buffer and no unit is open');
  });

  test("'bytes' takes what fits in the buffer", () => {
    const t = open({ writeAccounting: 'bytes' });
    assert.equal(t.send(bytes(100_000), 10), 50_000);
  });

  test('with notSentLowat, a unit starts only while fewer unsent bytes than it are queued', () => {
    const t = open({ notSentLowat: 4000, sendBufferSize: 1_000_000 });
    // Unit 1: 32000, 10000 pushed, filled again to 32000 unsent: 42000 taken; 32000 unsent >= 4000.
    assert.equal(t.send(bytes(100_000), 10), 42_000);
  });

  test('a unit that is not full stays open: the next write fills it without asking', () => {
    const t = open({ sendBufferSize: 4000 });
    assert.equal(t.send(bytes(5000), 10), 5000, 'the buffer was empty: a unit starts and takes all 5000');
    // The open unit (5000 unsent) takes 27000 to 32000, is pushed (10000), takes 10000 more; then the
    // 42000 queued are past 4000 and no new unit starts.
    assert.equal(t.send(bytes(40_000), 10), 37_000);
  });
});
