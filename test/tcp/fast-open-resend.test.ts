/**
 * The data of a Fast Open SYN that the SYN-ACK did not acknowledge, sent again after the handshake.
 * Our ISS = 1000, the peer's 5000; MSS 1460 both ways, no timestamps (no option space taken from
 * segments), the cookie learnt with an MSS of 1460; ACKs not delayed.
 *
 * Worked out by hand:
 * - The SYN's data is the cached MSS less the 40 octets of option space a SYN may need (RFC 7413
 *   §4.1.2 leaves the size to the client; Linux's tcp_send_syn_data): 1460 - 40 = 1420, so with 6000
 *   queued the SYN is <SEQ=1000><CTL=SYN><DATA=1420> and occupies 1001..2420; SND.MAX = 2421.
 * - The SYN-ACK <SEQ=5000><ACK=1001><CTL=SYN,ACK> acknowledges the SYN only: SND.UNA = 1001, and the
 *   1420 octets go again (RFC 7413 §4.1.3 / §4.2.1), then the 4580 never sent. The initial window
 *   (10 segments, RFC 6928) lets all of it go at once.
 * - retransmitStopsAtSndMax on (Linux: a retransmission is the segment that was sent): 1420 from
 *   1001, then new data from SND.MAX = 2421 in MSS-sized segments: 1460, 1460, 1460 and 200 (2421 +
 *   4380 = 6801, 6801 + 200 = 7001 = 1001 + 6000).
 * - Off (the default; FreeBSD resegments, RFC 9293 §3.8.1 allows either): 1460 from 1001, and on
 *   (2461, 3921, 5381) then the 160 left: 1001 + 4*1460 = 6841, + 160 = 7001.
 * - With SACK, the 1420 octets are outstanding data like any other: one segment before it goes
 *   again, and once sent again a retransmitted one (Linux's tcp_info: unacked and retrans).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tcb } from '../../src/tcp/tcb.js';
import { setFastOpenClient } from '../../src/tcp/fast-open.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { drain, fmt, seg, tcb } from './harness.js';

const COOKIE = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function client(config: Partial<TcpConfig>): Tcb {
  const t = tcb({ iss: 1000, config: { noDelay: true, ...config } });
  setFastOpenClient(t, COOKIE, false, 1460);
  t.connect(0);
  t.send(new Uint8Array(6000).fill(0x61), 0);
  const [syn] = drain(t, 0);
  assert.equal(fmt(syn), '<SEQ=1000><CTL=SYN><DATA=1420>');
  return t;
}

const synAck = (sack = false) => seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1460, ...(sack ? { sackPermitted: true } : {}) } });

test('retransmitStopsAtSndMax: the SYN data goes again as the 1420-octet segment it was, new data after it at the full MSS', () => {
  const t = client({ retransmitStopsAtSndMax: true });
  t.handleSegment(synAck(), 20);
  assert.deepEqual(drain(t, 20).map(fmt), [
    '<SEQ=1001><ACK=5001><CTL=ACK><DATA=1420>',
    '<SEQ=2421><ACK=5001><CTL=ACK><DATA=1460>',
    '<SEQ=3881><ACK=5001><CTL=ACK><DATA=1460>',
    '<SEQ=5341><ACK=5001><CTL=ACK><DATA=1460>',
    '<SEQ=6801><ACK=5001><CTL=PSH,ACK><DATA=200>',
  ]);
  assert.equal(t.stats.RetransSegs, 1, 'only the first is a retransmission');
});

test('by default the data is segmented afresh from SND.UNA at the full MSS', () => {
  const t = client({});
  t.handleSegment(synAck(), 20);
  assert.deepEqual(drain(t, 20).map(fmt), [
    '<SEQ=1001><ACK=5001><CTL=ACK><DATA=1460>',
    '<SEQ=2461><ACK=5001><CTL=ACK><DATA=1460>',
    '<SEQ=3921><ACK=5001><CTL=ACK><DATA=1460>',
    '<SEQ=5381><ACK=5001><CTL=ACK><DATA=1460>',
    '<SEQ=6841><ACK=5001><CTL=PSH,ACK><DATA=160>'
  ]);
});

test('retransmitStopsAtSndMax after a timeout: octets sent before go again without new data joined to them', () => {
  // ESTABLISHED; 500 octets sent, all that was queued. The retransmission timer fires, and before
  // anything goes the application queues 3000 more. Going back N from 1001 (RFC 6298 §5.4) with a
  // loss window of one segment (RFC 5681 §3.1): on, the 500 alone (new data starts at SND.MAX =
  // 1501); off, a full 1460 from 1001.
  for (const on of [true, false]) {
    const t = tcb({ iss: 1000, config: { noDelay: true, retransmitStopsAtSndMax: on } });
    t.connect(0);
    drain(t, 0);
    t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1460 } }), 10);
    drain(t, 10);
    t.send(new Uint8Array(500).fill(0x62), 10);
    assert.deepEqual(drain(t, 10).map(fmt), ['<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=500>']);
    const due = t.pollTimeout()!;
    t.handleTimeout(due);
    t.send(new Uint8Array(3000).fill(0x63), due);
    assert.deepEqual(drain(t, due).map(fmt), [on ? '<SEQ=1001><ACK=5001><CTL=ACK><DATA=500>' : '<SEQ=1001><ACK=5001><CTL=ACK><DATA=1460>'], `retransmitStopsAtSndMax ${on}`);
  }
});

test('with SACK the unacknowledged SYN data is one outstanding segment, then a retransmitted one (tcp_info unacked, retrans)', () => {
  const t = client({ retransmitStopsAtSndMax: true, sack: true });
  t.handleSegment(synAck(true), 20);
  const sent = drain(t, 20);
  assert.equal(sent.length, 5);
  assert.deepEqual(t.rack.segmentCounts(), { unacked: 5, sacked: 0, lost: 0, retrans: 1 });
  // The peer SACKs everything after the first segment: that segment (sent again at 20) is what is missing.
  t.handleSegment(seg('<SEQ=5001><ACK=1001><CTL=ACK>', { options: { sack: [[2421, 7001]] } }), 40);
  assert.equal(t.rack.segmentCounts().sacked, 4);
});
