/**
 * Linux's `struct tcp_info` (include/uapi/linux/tcp.h; filled by tcp_get_info) from a synack
 * connection, for the `%{ }%` blocks of the linux personality. Every field here is a synack
 * quantity that means what Linux's does; a field synack cannot know is left out, so a block that
 * names it is UNSUPPORTED (code.ts says which field). Units are Linux's: times in microseconds
 * unless the name says ms, cwnd and ssthresh in segments of tcpi_snd_mss.
 *
 * | Linux field              | synack quantity                                                                 |
 * |--------------------------|---------------------------------------------------------------------------------|
 * | tcpi_state               | tcb.state as Linux numbers it (include/net/tcp_states.h)                        |
 * | tcpi_ca_state            | Recovery (3) in fast recovery; Loss (4) after an RTO until SND.UNA passes the    |
 * |                          | `recover` point; CWR (2) after an ECN reduction until its SND.MAX is acked;      |
 * |                          | Disorder (1) with SACKed segments or duplicate ACKs outside recovery; else Open  |
 * | tcpi_retransmits         | consecutive retransmission timeouts (tcb.retransmits)                           |
 * | tcpi_probes              | unanswered zero-window probes plus keep-alive probes                            |
 * | tcpi_backoff             | RTO backoffs since the last RTT sample, plus zero-window probes unanswered by an |
 * |                          | opening window (each backs the probe timer off, as Linux's icsk_backoff)        |
 * | tcpi_options             | TIMESTAMPS, SACK, WSCALE, ECN as negotiated; ECN_SEEN once a segment came ECT    |
 * |                          | or CE-marked; SYN_DATA when Fast Open's SYN data got through (a client's SYN-ACK |
 * |                          | acknowledged all of it; a server's child took some)                             |
 * | tcpi_snd/rcv_wscale      | the shifts, when window scaling was negotiated (else 0)                         |
 * | tcpi_rto                 | the RTO with backoff, us                                                        |
 * | tcpi_ato                 | the delayed-ACK timeout (ackDelayMs), us                                        |
 * | tcpi_snd_mss             | tcb.sendMss (the peer's MSS less our option bytes, RFC 6691)                    |
 * | tcpi_rcv_mss             | the largest data segment received, at most our MSS (before data: the MSS        |
 * |                          | guess Linux makes, min(advmss, snd_mss))                                        |
 * | tcpi_unacked             | segments sent and not cumulatively acknowledged (packets_out)                   |
 * | tcpi_sacked              | of those, SACKed (with SACK) or counted by duplicate ACKs (without)             |
 * | tcpi_lost                | of those, marked lost by RACK and not SACKed since (retransmitted or not)       |
 * | tcpi_retrans             | of those, retransmitted and neither SACKed nor acknowledged                     |
 * | tcpi_fackets             | 0 (Linux has reported 0 since FACK's removal)                                   |
 * | tcpi_last_data_sent      | ms since data was last sent (or the connection was established)                 |
 * | tcpi_last_data_recv      | ms since data last arrived (or the connection was established)                  |
 * | tcpi_last_ack_recv       | ms since the peer's last segment arrived                                        |
 * | tcpi_pmtu                | the path MTU                                                                    |
 * | tcpi_rtt, tcpi_rttvar    | SRTT and RTTVAR (RFC 6298), us; 0 and 250000 before the first sample, as Linux  |
 * | tcpi_snd_ssthresh        | ssthresh / snd_mss; TCP_INFINITE_SSTHRESH before the first reduction            |
 * | tcpi_snd_cwnd            | cwnd / snd_mss (whole segments)                                                 |
 * | tcpi_advmss              | the MSS option we sent, less our option bytes                                   |
 * | tcpi_reordering          | 3 (Linux's net.ipv4.tcp_reordering), raised to the distance in segments of the   |
 * |                          | furthest reordering seen                                                        |
 * | tcpi_rcv_rtt             | the receiver's RTT estimate (auto-tuning's), us; 0 before one                   |
 * | tcpi_total_retrans       | segments retransmitted over the connection's life                               |
 * | tcpi_bytes_acked         | SND.UNA - ISS (the SYN counts, as in Linux)                                     |
 * | tcpi_bytes_received      | RCV.NXT - IRS - 1 (the FIN counts, as in Linux)                                 |
 * |                          | (both from sequence numbers: modulo 4 GiB, where Linux's count on in 64 bits)   |
 * | tcpi_bytes_sent          | data octets sent, retransmissions included                                      |
 * | tcpi_bytes_retrans       | data octets retransmitted                                                       |
 * | tcpi_segs_in/out         | segments received / sent, pure ACKs and retransmissions included                |
 * | tcpi_data_segs_in/out    | segments carrying data received / sent (retransmissions included)               |
 * | tcpi_notsent_bytes       | bytes in the send buffer never sent                                             |
 * | tcpi_min_rtt             | the smallest RTT sample, us (0xffffffff before one, as Linux's ~0U)              |
 * | tcpi_delivered           | segments delivered (acknowledged or SACKed), the SYN included                   |
 * | tcpi_busy_time           | us with data outstanding or queued (the three chronographs' sum)                |
 * | tcpi_rwnd_limited        | us of that when the peer's window held new data back                            |
 * | tcpi_sndbuf_limited      | us of that when a write waited for send-buffer room                             |
 * | tcpi_reord_seen          | reorderings seen (RACK)                                                         |
 * | tcpi_snd_wnd             | SND.WND, bytes                                                                  |
 * | tcpi_rcv_wnd             | the receive window last advertised, bytes                                       |
 * | tcpi_delivered_ce        | of the delivered segments, those acknowledged by an ACK with ECE                |
 * | tcpi_dsack_dups          | segments the peer reported twice received by D-SACK (RFC 2883)                  |
 * | tcpi_rcv_ooopack         | data segments that arrived out of order and were held                           |
 * | tcpi_rcv_space           | with buffer auto-tuning: the most bytes the application read in one round trip  |
 * | tcpi_pacing_rate         | bytes/s: cwnd per SRTT times 2 in slow start below ssthresh/2, else 1.2, as      |
 * |                          | pacing works it out (once there is an SRTT)                                     |
 *
 * Not reported (synack keeps no such quantity): tcpi_rcv_ssthresh, tcpi_max_pacing_rate,
 * tcpi_delivery_rate; tcpi_rcv_space without auto-tuning,
 * tcpi_pacing_rate before the first RTT sample.
 */
import type { Connection } from '../stack/connection.js';
import type { Listener } from '../stack/listener.js';
import type { Tcb } from '../tcp/tcb.js';
import { seqDiff, seqLt } from '../wire/index.js';
import type { TcpInfo } from './code.js';
import { LINUX_CA_STATES, LINUX_STATE_NUMBER, LINUX_TCP_INFINITE_SSTHRESH, LINUX_TCPI_OPTIONS } from './symbols.js';

/** net.ipv4.tcp_reordering's default: the reordering degree Linux assumes before it sees any. */
const LINUX_DEFAULT_REORDERING = 3;
/** tcp_init_sock: mdev_us starts at TCP_TIMEOUT_INIT (1 s), and tcpi_rttvar is mdev_us / 4. */
const LINUX_INITIAL_RTTVAR_US = 250_000;
/** tcpi_min_rtt before any sample (minmax of ~0U). */
const LINUX_NO_MIN_RTT = 0xffffffff;

/** tcp_info of a listening socket: its state, and (as Linux reports) the accept queue and its limit. */
export function linuxListenerInfo(l: Listener): TcpInfo {
  return { tcpi_state: LINUX_STATE_NUMBER.LISTEN, tcpi_options: 0, tcpi_unacked: l.acceptQueue.length, tcpi_sacked: l.backlog };
}

/** tcp_info of a socket with no connection (never connected, or its connection gone). */
/** Linux's TCPI_OPT_SYN_DATA: a client's SYN data all acknowledged by the SYN-ACK, or a Fast Open child that took data. */
function synData(t: Tcb): boolean {
  const fo = t.rare.fastOpen;
  return fo !== undefined && (fo.synDataAcked || (fo.child && fo.synData > 0));
}

export function linuxClosedInfo(): TcpInfo {
  return { tcpi_state: LINUX_STATE_NUMBER.CLOSED, tcpi_options: 0 };
}

/** Linux's congestion-avoidance state of a connection (see the table above). */
export function linuxCaState(t: Tcb): number {
  const rec = t.recovery;
  if (rec.inRecovery) return LINUX_CA_STATES.TCP_CA_Recovery;
  if (rec.totalRetransmits > 0 && rec.recover !== undefined && seqLt(t.sndUna, rec.recover)) return LINUX_CA_STATES.TCP_CA_Loss;
  const ecnRecover = t.ecn.recover;
  if (ecnRecover !== undefined && seqLt(t.sndUna, ecnRecover)) return LINUX_CA_STATES.TCP_CA_CWR;
  if (segmentCounts(t).sacked > 0 || t.dupAckCount > 0) return LINUX_CA_STATES.TCP_CA_Disorder;
  return LINUX_CA_STATES.TCP_CA_Open;
}

interface SegmentCounts {
  unacked: number;
  sacked: number;
  lost: number;
  retrans: number;
}

/**
 * Segments outstanding and what is known of them. With SACK, RACK's per-segment records say it all;
 * without, the flight in segments of snd_mss, the duplicate ACKs as SACKed segments (Linux's reno
 * sacked_out) and the head marked lost and retransmitted during a NewReno recovery.
 */
function segmentCounts(t: Tcb, afterTimeout = false): SegmentCounts {
  const rack = t.rackState;
  // After a timeout Linux forgets earlier retransmissions (tcp_enter_loss): only the go-back-N ones count.
  if (t.sackPermitted && rack !== undefined) return rack.segmentCounts(afterTimeout ? t.sndNxt : undefined);
  const flight = Math.max(0, seqDiff(t.sndMax, t.sndUna));
  const mss = t.sendMss;
  const unacked = Math.ceil(flight / mss);
  const sacked = Math.min(unacked, Math.round(t.recovery.renoSacked / mss));
  const inRecovery = t.recovery.inRecovery;
  return { unacked, sacked, lost: inRecovery && unacked > sacked ? 1 : 0, retrans: inRecovery && !t.recovery.fastRetransmitPending && unacked > sacked ? 1 : 0 };
}

/** tcp_info of a connection at `now` (ms). */
export function linuxTcpInfo(conn: Connection, now: number): TcpInfo {
  const t = conn.tcb;
  const mss = t.sendMss;
  const caState = linuxCaState(t);
  const counts = segmentCounts(t, caState === LINUX_CA_STATES.TCP_CA_Loss);
  // After a timeout Linux marks every segment not SACKed lost (tcp_enter_loss).
  if (caState === LINUX_CA_STATES.TCP_CA_Loss) counts.lost = counts.unacked - counts.sacked;
  const cc = t.congestion;
  const srtt = t.rtt.srtt;
  const info = t.info;
  const optionBytes = t.timestamps ? 12 : 0;
  const rcvMss = info?.rcvMss ?? t.initialRcvMss();
  const established = t.state !== 'SYN-SENT' && t.state !== 'SYN-RECEIVED' && t.state !== 'CLOSED' && t.state !== 'LISTEN';
  const options =
    (t.timestamps ? LINUX_TCPI_OPTIONS.TCPI_OPT_TIMESTAMPS : 0) |
    (t.sackPermitted ? LINUX_TCPI_OPTIONS.TCPI_OPT_SACK : 0) |
    (t.windowScaling ? LINUX_TCPI_OPTIONS.TCPI_OPT_WSCALE : 0) |
    (t.ecnEnabled ? LINUX_TCPI_OPTIONS.TCPI_OPT_ECN : 0) |
    (t.ecnSeen ? LINUX_TCPI_OPTIONS.TCPI_OPT_ECN_SEEN : 0) |
    (synData(t) ? LINUX_TCPI_OPTIONS.TCPI_OPT_SYN_DATA : 0);
  const chrono = info?.chronoTotals(now) ?? NO_CHRONO;
  const ms = (at: number) => Math.max(0, Math.floor(now - at));
  const since = t.state === 'ESTABLISHED' ? t.stateSince : conn.createdAt;
  const out: TcpInfo = {
    tcpi_state: LINUX_STATE_NUMBER[t.state],
    tcpi_ca_state: caState,
    tcpi_retransmits: t.retransmits,
    tcpi_probes: t.probes.persistBackoff + t.probes.keepAliveProbesSent,
    // Linux's icsk_backoff doubles for zero-window probes as for retransmission timeouts.
    tcpi_backoff: t.rtt.backoffs + t.probes.persistBackoff,
    tcpi_options: options,
    tcpi_snd_wscale: t.windowScaling ? t.sndShift : 0,
    tcpi_rcv_wscale: t.windowScaling ? t.rcvShift : 0,
    tcpi_rto: Math.round(t.rtt.rto * 1000),
    tcpi_ato: Math.round(t.config.ackDelayMs * 1000),
    tcpi_snd_mss: mss,
    tcpi_rcv_mss: rcvMss,
    tcpi_unacked: counts.unacked,
    tcpi_sacked: counts.sacked,
    tcpi_lost: counts.lost,
    tcpi_retrans: counts.retrans,
    tcpi_fackets: 0,
    // Before any data, both count from establishment (Linux's tcp_finish_connect sets lsndtime and
    // lrcvtime), which stateSince gives while the connection is still ESTABLISHED.
    tcpi_last_data_sent: ms(info?.lastDataSentAt ?? since),
    tcpi_last_data_recv: ms(info?.lastDataRecvAt ?? since),
    tcpi_last_ack_recv: ms(t.lastHeardAt),
    tcpi_pmtu: t.pathMtu,
    tcpi_rtt: srtt === undefined ? 0 : Math.round(srtt * 1000),
    tcpi_rttvar: srtt === undefined ? LINUX_INITIAL_RTTVAR_US : Math.round(t.rtt.rttvar * 1000),
    tcpi_snd_ssthresh: Number.isFinite(cc.ssthresh) ? Math.min(LINUX_TCP_INFINITE_SSTHRESH, Math.floor(cc.ssthresh / mss)) : LINUX_TCP_INFINITE_SSTHRESH,
    tcpi_snd_cwnd: Math.floor(cc.cwnd / mss),
    tcpi_advmss: t.advertisedMss - optionBytes,
    tcpi_reordering: Math.max(LINUX_DEFAULT_REORDERING, Math.ceil((t.rackState?.reorderDistance ?? 0) / mss)),
    tcpi_rcv_rtt: t.rcvTuner?.rcvRttMs === undefined ? 0 : Math.round(t.rcvTuner.rcvRttMs * 1000),
    tcpi_total_retrans: info?.totalRetrans ?? 0,
    tcpi_bytes_acked: Math.max(0, seqDiff(t.sndUna, t.iss)),
    tcpi_bytes_received: established ? Math.max(0, seqDiff(t.rcvNxt, t.irs) - 1) : 0,
    tcpi_bytes_sent: info?.bytesSent ?? 0,
    tcpi_bytes_retrans: info?.bytesRetrans ?? 0,
    tcpi_segs_in: t.segsIn,
    tcpi_segs_out: t.segsOut,
    tcpi_data_segs_in: info?.dataSegsIn ?? 0,
    tcpi_data_segs_out: info?.dataSegsOut ?? 0,
    tcpi_notsent_bytes: unsent(t),
    tcpi_min_rtt: t.minRtt === undefined ? LINUX_NO_MIN_RTT : Math.round(t.minRtt * 1000),
    tcpi_delivered: (established ? 1 : 0) + (info?.delivered ?? 0),
    tcpi_busy_time: chrono.busy + chrono.rwndLimited + chrono.sndbufLimited,
    tcpi_rwnd_limited: chrono.rwndLimited,
    tcpi_sndbuf_limited: chrono.sndbufLimited,
    tcpi_reord_seen: info?.reordSeen ?? 0,
    tcpi_snd_wnd: t.sndWnd,
    tcpi_rcv_wnd: established ? Math.max(0, seqDiff(t.rcvAdv, t.rcvNxt)) : 0,
    tcpi_delivered_ce: info?.deliveredCe ?? 0,
    tcpi_dsack_dups: info?.dsackDups ?? 0,
    tcpi_rcv_ooopack: info?.rcvOooPackets ?? 0,
  };
  // Receive-buffer auto-tuning's measure of what the application reads per round trip.
  if (t.config.bufferAutoTuning) out.tcpi_rcv_space = Math.floor(t.rcvTuner?.receiveSpace ?? t.receiveBufferSize / 2);
  // The pacing rate (bytes/s) as pacing works it out (output.ts pace()), once there is an SRTT.
  if (srtt !== undefined) out.tcpi_pacing_rate = Math.floor(((cc.cwnd < cc.ssthresh / 2 ? 2 : 1.2) * cc.cwnd * 1000) / Math.max(srtt, 0.001));
  return out;
}

const NO_CHRONO = Object.freeze({ busy: 0, rwndLimited: 0, sndbufLimited: 0 });

/** Bytes in the send buffer not yet sent (write_seq - snd_nxt in Linux's terms, SND.MAX here). */
function unsent(t: Tcb): number {
  const sent = Math.max(0, seqDiff(t.sndMax, t.sndUna) - (t.closing.finSeq !== undefined && seqLt(t.closing.finSeq, t.sndMax) ? 1 : 0));
  return Math.max(0, t.sendBuffer.length - sent);
}
