/**
 * How far the receive window opens, and when a read announces it (RFC 9293 §3.8.6.2 lets a receiver
 * offer less than its buffer holds, and §3.8.6.2.2 leaves the window update to it), as Linux does:
 *
 * - `receiveWindowGrowth: 'ramp'` (Linux's rcv_ssthresh): tcp_select_initial_window offers the buffer
 *   rounded down to the MSS, at most 65535 bytes; tcp_grow_window lets each in-order data segment of
 *   128 bytes or more raise the offer by twice its length (at least two MSS), up to the free space.
 * - `windowUpdateOnRead: 'doubled'` (tcp_cleanup_rbuf): a read sends an ACK only when what remains
 *   open to the peer is half the buffer or less and the window it can now offer is at least twice that.
 *
 * Numbers: our ISS 1000, the peer's 5000; MSS 1000; receive buffer 200000 bytes; our window shift 2
 * (so a window field counts 4-byte units); the peer offers window scaling with shift 0. ACKs are not
 * delayed. The initial offer is min(65535, 200000 rounded down to 1000) = 65535: field 65535 >> 2 =
 * 16383, 65532 bytes. A 10000-byte segment raises it by max(2 * 1000, 2 * 10000) = 20000 to 85535:
 * field 21383, 85532 bytes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TcpConfig } from '../../src/tcp/config.js';
import { PERSONALITIES } from '../../src/packetdrill/personality.js';
import { activeOpen, drain, fmt, seg, tcb } from './harness.js';

const RAMP: Partial<TcpConfig> = {
  windowScaling: true,
  windowScale: 2,
  mss: 1000,
  receiveBufferSize: 200_000,
  bufferAutoTuning: false,
  receiveWindowGrowth: 'ramp',
  windowUpdateOnRead: 'doubled',
};

function open(config: Partial<TcpConfig>) {
  const t = tcb({ iss: 1000, config });
  const { syn, out } = activeOpen(t, seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { wscale: 0, mss: 1000 } }), 10);
  return { t, syn, ack: out[0] };
}

describe("the receive window's ramp (Linux's rcv_ssthresh)", () => {
  test('a new connection offers 64 KiB at most, whatever the buffer', () => {
    const { syn, ack } = open(RAMP);
    assert.equal(syn.window, 65535, 'the SYN: the offer, unscaled');
    // The SYN's right edge, RCV.NXT + 65535, never moves left (§3.8.6.2.2): 16384 units.
    assert.equal(ack.window, 16384, 'the handshake ACK: 65536 bytes, not the 200000 the buffer holds');
  });

  test("'buffer' offers the whole free buffer", () => {
    const { ack } = open({ ...RAMP, receiveWindowGrowth: 'buffer' });
    assert.equal(ack.window, 50000);
  });

  test('in-order data raises the offer by twice its length', () => {
    const { t } = open(RAMP);
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10000>'), 20);
    const [a] = drain(t, 20);
    assert.equal(fmt(a), '<SEQ=1001><ACK=15001><CTL=ACK>');
    assert.equal(a.window, 21383, '85532 bytes: the offer grew by 20000 to 85535');
  });

  test('segments below 128 bytes do not raise it', () => {
    const { t } = open(RAMP);
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK><DATA=127>'), 20);
    const [a] = drain(t, 20);
    // The right edge never moves left (§3.8.6.2.2): 65536 - 127 still open, rounded up to the unit.
    assert.equal(a.window, Math.ceil((65536 - 127) / 4));
  });

  test('the offer never passes the free space: a long run of data read as it comes opens the window to 199000 (the space free as each segment arrives)', () => {
    const { t } = open(RAMP);
    let seq = 5001;
    let last = 0;
    for (let i = 0; i < 80; i++) {
      t.handleSegment(seg(`<SEQ=${seq}><ACK=1001><CTL=ACK><DATA=1000>`), 20 + i);
      seq += 1000;
      for (const s of drain(t, 20 + i)) last = s.window;
      t.read();
    }
    assert.equal(t.rcvSsthresh, 199_000);
    assert.equal(last, 49750);
  });
});

describe('the window update after a read (tcp_cleanup_rbuf)', () => {
  test('reading what arrived sends nothing while the window still open is more than half the buffer', () => {
    const { t } = open(RAMP);
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10000>'), 20);
    drain(t, 20);
    assert.equal(t.read()?.length, 10000);
    assert.deepEqual(drain(t, 20).map(fmt), [], '85532 bytes still open, and the offer (85535) does not double it');
  });

  test('a read that at least doubles a window fallen to half the buffer or less is announced at once', () => {
    const { t } = open(RAMP);
    // 150000 bytes, 1000 at a time, reading nothing: the offer grows by 2000 a segment while the free
    // space falls by 1000, until they meet near 155000; then 50000 bytes of buffer remain free.
    let seq = 5001;
    let lastWindow = 0;
    for (let i = 0; i < 150; i++) {
      t.handleSegment(seg(`<SEQ=${seq}><ACK=1001><CTL=ACK><DATA=1000>`), 20);
      seq += 1000;
      for (const a of drain(t, 20)) lastWindow = a.window * 4;
    }
    assert.equal(t.readableLength, 150_000, 'setup: every segment was in the window');
    assert.ok(2 * lastWindow <= 200_000, `setup: the window still open (${lastWindow}) is half the buffer or less`);
    // The reads take a segment at a time; the update goes with the one that frees 100000 bytes.
    while (t.read() !== undefined);
    const [update] = drain(t, 21);
    assert.ok(update !== undefined, 'a window update');
    assert.equal(fmt(update), `<SEQ=1001><ACK=${seq}><CTL=ACK>`);
    assert.ok(update.window * 4 >= 2 * lastWindow, 'at least twice the window that was open');
  });

  test("under the linux personality, the read of inq/client.pkt's 10000 bytes sends no ACK (buffer 540000, shift 8)", () => {
    const { t } = open({ ...PERSONALITIES.linux.tcp, windowScaling: true, receiveBufferSize: 540_000, windowScale: 8, mss: 1000 });
    t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK><DATA=10000>'), 20);
    assert.equal(drain(t, 20).length, 1, 'the data is acknowledged (quick ACK)');
    assert.equal(t.read()?.length, 10000);
    assert.deepEqual(drain(t, 20).map(fmt), []);
  });
});
