/**
 * Linux's struct tcp_info under the linux personality (tcp-info.ts), on hand-written scripts whose
 * numbers are worked out here from the RFCs and Linux's documented units:
 *
 * Script LOSS (client; the peer's SYN-ACK at 0.1 s gives MSS 1000, SACK, window scale; no timestamps):
 * - after the handshake: TCP_ESTABLISHED (1); snd_mss 1000; cwnd 10 segments (RFC 6928's IW10, Linux's
 *   TCP_INIT_CWND); ssthresh TCP_INFINITE_SSTHRESH before any reduction; options SACK | WSCALE (2 | 4);
 *   rtt 100000 us (the SYN's RTT, RFC 6298 §2.2 SRTT = R); bytes_acked 1 and delivered 1 (the SYN);
 *   segs_out 2 (SYN, ACK), segs_in 1 (SYN-ACK).
 * - at 0.6 s, 0.5 s after establishment with no data: last_data_recv and last_data_sent 500 (ms).
 * - three 1000-byte segments at 0.6 s: unacked 3, bytes_sent 3000, data_segs_out 3, notsent 0.
 * - RFC 8985 §7.2: PTO = 2 * SRTT = 200 ms, the tail goes again at 0.8 s (a TLP): still CA_Open,
 *   total_retrans 1, retrans 1 (the probe is out), no timeout yet.
 * - RTO = SRTT + 4 * RTTVAR = 100 + 4 * 50 = 300 ms from the probe (RFC 6298 §2.2, §5.1 restarted):
 *   1.1 s, the head again: CA_Loss, retransmits 1, backoff 1, total_retrans 2, every segment lost
 *   (3), retrans 1 (only what went since the timeout), cwnd 1 (RFC 5681 §3.1), rto 600000 us (§5.5).
 * - ACK of 1001 at 1.2 s: cwnd 2, the two others go again; ACK of 3001 at 1.3 s: CA_Open, nothing
 *   unacknowledged, total_retrans 4 and bytes_retrans 4000, bytes_sent 7000, bytes_acked 3001,
 *   delivered 4 (the SYN and three segments); segs_out 9 (SYN, ACK, three, the probe, three again),
 *   data_segs_out 7, segs_in 3 (SYN-ACK and two ACKs).
 *
 * Script WINDOW (client, the peer offers a zero window): 500 bytes written at 0.15 s wait for the
 * window: at 0.25 s rwnd_limited 100000 us and busy_time the same (busy_time is the sum of the
 * busy, window-limited and buffer-limited times); the window opens at 0.3 s, the segment goes and is
 * acknowledged at 0.34 s: rwnd_limited 150000, busy_time 190000; a second later nothing has moved:
 * busy_time 190000 still, last_data_sent 1040 ms, last_ack_recv 1000 ms.
 *
 * Script PEER (server; the SYN asks for ECN, RFC 3168 §6.1.1, which Linux's tcp_ecn=2 answers):
 * 1001:2001 arrives before 1:1001, which is ECT(0) (so TCPI_OPT_ECN_SEEN from then on, Linux's
 * TCP_ECN_SEEN): one segment held out of order (rcv_ooopack 1), two data segments
 * in, 2000 bytes received, rcv_mss 1000. Our two segments are acknowledged by an ACK with ECE and a
 * D-SACK of the first (RFC 2883 §4: a block below SEG.ACK): dsack_dups 1, delivered 3 (the SYN-ACK
 * and two), delivered_ce 2. Pacing rate: cwnd per SRTT times 1.2 outside early slow start
 * (cwnd >= ssthresh / 2): 1.2 * cwnd * mss bytes / (rtt / 10^6) s.
 *
 * Script PROBES (client, zero window): the persist timer probes one RTO after the write (Linux's
 * SRTT + max(4 * RTTVAR, 200 ms) = 50 + 200 ms: 0.3 s) and, backed off (RFC 9293 §3.8.6.1; RFC 6298
 * §5.5's doubling), 500 ms later; each probe counts in tcpi_probes and, as Linux's icsk_backoff, in
 * tcpi_backoff; the window opening clears both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText } from '../../src/packetdrill/index.js';

const LOSS = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0 %{ assert tcpi_state == TCP_SYN_SENT, tcpi_state }%
+.1 < S. 0:0(0) ack 1 win 20000 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > . 1:1(0) ack 1
+0 %{
assert tcpi_state == TCP_ESTABLISHED, tcpi_state
assert tcpi_snd_mss == 1000, tcpi_snd_mss
assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd
assert tcpi_snd_ssthresh == TCP_INFINITE_SSTHRESH, tcpi_snd_ssthresh
assert tcpi_options == TCPI_OPT_SACK | TCPI_OPT_WSCALE, tcpi_options
assert tcpi_rtt == 100000, tcpi_rtt
assert tcpi_bytes_acked == 1, tcpi_bytes_acked
assert tcpi_delivered == 1, tcpi_delivered
assert tcpi_unacked == 0, tcpi_unacked
assert tcpi_ca_state == TCP_CA_Open, tcpi_ca_state
assert tcpi_segs_out == 2 and tcpi_segs_in == 1, (tcpi_segs_out, tcpi_segs_in)
}%
+.5 %{ assert tcpi_last_data_recv == 500, tcpi_last_data_recv; assert tcpi_last_data_sent == 500, tcpi_last_data_sent }%
+0 write(3, ..., 3000) = 3000
+0 > . 1:1001(1000) ack 1
+0 > . 1001:2001(1000) ack 1
+0 > P. 2001:3001(1000) ack 1
+0 %{ assert tcpi_unacked == 3; assert tcpi_bytes_sent == 3000; assert tcpi_data_segs_out == 3; assert tcpi_notsent_bytes == 0 }%
+.2 > P. 2001:3001(1000) ack 1
+0 %{
assert tcpi_ca_state == TCP_CA_Open, tcpi_ca_state
assert tcpi_total_retrans == 1, tcpi_total_retrans
assert tcpi_retrans == 1, tcpi_retrans
assert tcpi_retransmits == 0, tcpi_retransmits
}%
+.3 > . 1:1001(1000) ack 1
+0 %{
assert tcpi_ca_state == TCP_CA_Loss, tcpi_ca_state
assert tcpi_retransmits == 1, tcpi_retransmits
assert tcpi_backoff == 1, tcpi_backoff
assert tcpi_total_retrans == 2, tcpi_total_retrans
assert tcpi_lost == 3, tcpi_lost
assert tcpi_retrans == 1, tcpi_retrans
assert tcpi_snd_cwnd == 1, tcpi_snd_cwnd
assert tcpi_rto == 600000, tcpi_rto
}%
+.1 < . 1:1(0) ack 1001 win 200
+0 > . 1001:2001(1000) ack 1
+0 > P. 2001:3001(1000) ack 1
+.1 < . 1:1(0) ack 3001 win 200
+0 %{
assert tcpi_ca_state == TCP_CA_Open, tcpi_ca_state
assert tcpi_unacked == 0, tcpi_unacked
assert tcpi_total_retrans == 4, tcpi_total_retrans
assert tcpi_bytes_retrans == 4000, tcpi_bytes_retrans
assert tcpi_bytes_sent == 7000, tcpi_bytes_sent
assert tcpi_bytes_acked == 3001, tcpi_bytes_acked
assert tcpi_delivered == 4, tcpi_delivered
assert tcpi_segs_out == 9 and tcpi_data_segs_out == 7 and tcpi_segs_in == 3, (tcpi_segs_out, tcpi_data_segs_out, tcpi_segs_in)
}%
`;

const WINDOW = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+.05 < S. 0:0(0) ack 1 win 0 <mss 1000>
+0 > . 1:1(0) ack 1
+0 %{ assert tcpi_busy_time == 0 and tcpi_rwnd_limited == 0 and tcpi_sndbuf_limited == 0 }%
+.1 write(3, ..., 500) = 500
+.1 %{ assert tcpi_rwnd_limited == 100000, tcpi_rwnd_limited; assert tcpi_busy_time == 100000, tcpi_busy_time }%
+.05 < . 1:1(0) ack 1 win 4000
+0 > P. 1:501(500) ack 1
+.04 < . 1:1(0) ack 501 win 4000
+0 %{ assert tcpi_rwnd_limited == 150000, tcpi_rwnd_limited; assert tcpi_busy_time == 190000, tcpi_busy_time }%
+1 %{ assert tcpi_busy_time == 190000, tcpi_busy_time; assert tcpi_last_data_sent == 1040, tcpi_last_data_sent; assert tcpi_last_ack_recv == 1000, tcpi_last_ack_recv }%
+0 %{ assert tcpi_bytes_acked == 501 and tcpi_delivered == 2 and tcpi_data_segs_out == 1 and tcpi_snd_wnd == 4000 }%
`;

const PEER = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < SEW 0:0(0) win 20000 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > SE. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 200
+0 accept(3, ..., ...) = 4
+0 %{ assert tcpi_options == TCPI_OPT_SACK | TCPI_OPT_WSCALE | TCPI_OPT_ECN, tcpi_options }%
+0 < . 1001:2001(1000) ack 1 win 200
+0 > . 1:1(0) ack 1 <nop,nop,sack 1001:2001>
+0 %{ assert (tcpi_options & TCPI_OPT_ECN_SEEN) == 0, tcpi_options }%
+0 < [ect0] . 1:1001(1000) ack 1 win 200
+0 > . 1:1(0) ack 2001
+0 %{ assert tcpi_options == TCPI_OPT_SACK | TCPI_OPT_WSCALE | TCPI_OPT_ECN | TCPI_OPT_ECN_SEEN, tcpi_options }%
+0 %{ assert tcpi_rcv_ooopack == 1; assert tcpi_data_segs_in == 2; assert tcpi_bytes_received == 2000; assert tcpi_rcv_mss == 1000 }%
+0 write(4, ..., 2000) = 2000
+0 > . 1:1001(1000) ack 2001
+0 > P. 1001:2001(1000) ack 2001
+.1 < E. 2001:2001(0) ack 2001 win 200 <nop,nop,sack 1:1001>
+0 %{ assert tcpi_snd_cwnd >= tcpi_snd_ssthresh // 2 and tcpi_pacing_rate == 12 * tcpi_snd_cwnd * tcpi_snd_mss * 100000 // tcpi_rtt, tcpi_pacing_rate }%
+0 %{ assert tcpi_dsack_dups == 1; assert tcpi_delivered == 3; assert tcpi_delivered_ce == 2 }%
`;

test('linux: out-of-order data held, a D-SACK and an ECN echo in tcp_info; the pacing rate', () => {
  const r = runScriptText(PEER, { personality: 'linux' });
  assert.equal(r.result, 'PASS', r.detail);
});

const PROBES = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+.05 < S. 0:0(0) ack 1 win 0 <mss 1000>
+0 > . 1:1(0) ack 1
+0 write(3, ..., 500) = 500
+.25 > . 0:0(0) ack 1
+0 < . 1:1(0) ack 1 win 0
+0 %{ assert tcpi_probes == 1 and tcpi_backoff == 1, (tcpi_probes, tcpi_backoff) }%
+.5 > . 0:0(0) ack 1
+0 < . 1:1(0) ack 1 win 0
+0 %{ assert tcpi_probes == 2 and tcpi_backoff == 2, (tcpi_probes, tcpi_backoff) }%
+.1 < . 1:1(0) ack 1 win 4000
+0 > P. 1:501(500) ack 1
+0 %{ assert tcpi_probes == 0 and tcpi_backoff == 0, (tcpi_probes, tcpi_backoff) }%
`;

test('linux: zero-window probes in tcpi_probes and tcpi_backoff, cleared when the window opens', () => {
  const r = runScriptText(PROBES, { personality: 'linux' });
  assert.equal(r.result, 'PASS', r.detail);
});

test('linux: tcp_info through a tail loss probe, a timeout and the recovery after it', () => {
  const r = runScriptText(LOSS, { personality: 'linux' });
  assert.equal(r.result, 'PASS', r.detail);
});

test('linux: busy, window-limited time and the last_* times in tcp_info', () => {
  const r = runScriptText(WINDOW, { personality: 'linux' });
  assert.equal(r.result, 'PASS', r.detail);
});

test("linux: Linux's state numbers; freebsd keeps FreeBSD's (TCPI_ESTABLISHED 4) and has no Linux names", () => {
  const src = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 %{ assert tcpi_state == STATE, tcpi_state }%
+0 < S 0:0(0) win 20000 <mss 1000>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 20000
+0 accept(3, ..., ...) = 4
+0 %{ assert tcpi_state == ESTABLISHED, tcpi_state }%
+0 shutdown(4, SHUT_WR) = 0
+0 > F. 1:1(0) ack 1
+0 %{ assert tcpi_state == FINWAIT, tcpi_state }%
`;
  const linux = src.replace('STATE', 'TCP_LISTEN').replace('ESTABLISHED,', 'TCP_ESTABLISHED,').replace('FINWAIT,', 'TCP_FIN_WAIT1,');
  assert.equal(runScriptText(linux, { personality: 'linux' }).result, 'PASS', runScriptText(linux, { personality: 'linux' }).detail);
  const freebsd = src.replace('STATE', 'TCPI_LISTEN').replace('ESTABLISHED,', 'TCPI_ESTABLISHED,').replace('FINWAIT,', 'TCPI_FIN_WAIT_1,');
  assert.equal(runScriptText(freebsd, { personality: 'freebsd' }).result, 'PASS', runScriptText(freebsd, { personality: 'freebsd' }).detail);
  const wrong = runScriptText(linux, { personality: 'freebsd' });
  assert.equal(wrong.result, 'UNSUPPORTED');
  assert.match(wrong.detail, /the name TCP_LISTEN/);
  // The numbers differ: Linux's LISTEN is 10, ESTABLISHED 1, FIN_WAIT1 4; FreeBSD's 1, 4, 6.
  const numbers = runScriptText(src.replace('STATE', '10').replace('ESTABLISHED,', '1,').replace('FINWAIT,', '4,'), { personality: 'linux' });
  assert.equal(numbers.result, 'PASS', numbers.detail);
});

test('linux: a field synack does not keep makes the block unsupported, naming it', () => {
  const src = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 %{ assert tcpi_pacing_rate > 0 }%
`;
  const r = runScriptText(src, { personality: 'linux' });
  assert.equal(r.result, 'UNSUPPORTED');
  assert.match(r.detail, /tcpi_pacing_rate is not available/);
});
