/**
 * Personalities: named sets of synack settings a packetdrill run starts from, before the script's own
 * sysctl lines and socket options. A script written for one operating system states that system's
 * choices wherever RFC 9293 leaves one open; a personality makes synack take the same choices through
 * its documented knobs (never by bending the comparison), and the run prints which personality it
 * used, so a PASS always says under which settings synack passed.
 *
 * - `freebsd` (the default): FreeBSD's choices, for the FreeBSD TCP test suite.
 * - `linux`: Linux's choices, for Linux's own packetdrill tests (google/packetdrill gtests/net/tcp):
 *   net.ipv4.* sysctls and `common/defaults.sh`, Linux's tcp_info and state numbers, and TSO bursts
 *   (an expected segment longer than the MSS matches the run of segments synack sends at once).
 * - `none`: synack's own defaults (`DEFAULT_TCP_CONFIG`), which follow RFC 9293's figures and Linux.
 */
import type { TcpConfig } from '../tcp/config.js';
import { linuxWindowScale } from './sysctl.js';

export type PersonalityName = 'none' | 'freebsd' | 'linux';

export const PERSONALITY_NAMES: readonly PersonalityName[] = ['freebsd', 'linux', 'none'];

export interface Personality {
  name: PersonalityName;
  /** One line for the run's output. */
  summary: string;
  /** TcpConfig overrides applied to every stack the run makes (sysctls and socket options go on top). */
  tcp: Readonly<Partial<TcpConfig>>;
  /**
   * The symbol a script's `#ifdef` sees defined, as nplab's packetdrill defines its host's name
   * (`FreeBSD` on FreeBSD, `Linux` on Linux); undefined: none.
   */
  platformSymbol: string | undefined;
  /**
   * Whose system interface the socket table and TCP_INFO imitate: state numbers (tcpi_state),
   * tcp_info's layout and fields, and which sysctl names exist (net.inet.* or net.ipv4.*).
   */
  os: 'freebsd' | 'linux';
  /**
   * Linux's TSO as a tun device sees it: an expected outbound segment longer than the MSS matches a
   * run of consecutive segments synack sent at the same instant whose bytes and flags add up to it
   * (`ethtool -K tun0 tso off` turns it off). Lenient mode then also takes the PSH bit as the
   * stack's choice (RFC 1122 §4.2.2.2 fixes it only on the segment that empties the send queue;
   * Linux places it by its TSO and forced-push logic).
   */
  tso: boolean;
  /**
   * Google's packetdrill compares an outbound line only with the socket under test's packets: its
   * sniffer (sniff_outbound_live_packet) reads past packets of any other 4-tuple, and past every
   * packet between socket() and the new socket's connect() or listen(). Linux's scripts rely on it
   * (they do not list the FIN of a socket closed before the next is opened); FreeBSD's suite lists
   * every packet its host sends, and synack holds it to that.
   */
  otherSocketsSkipped: boolean;
}

/**
 * FreeBSD's choices where RFC 9293 (and RFC 6298) leave one, with where FreeBSD makes them. Each is a
 * documented TcpConfig knob; see its comment in src/tcp/config.ts for the RFC latitude.
 */
const FREEBSD_TCP: Readonly<Partial<TcpConfig>> = Object.freeze({
  // RCV.WND is the socket buffer's free space, the buffer rounded up to a multiple of the MSS
  // (tcp_mss() -> sbreserve(); tcp_input: rcv_wnd = imax(sbspace, rcv_adv - rcv_nxt)).
  receiveWindowFromBuffer: true,
  // An ACK while our FIN is unacknowledged is the FIN again (tcp_output: tcp_outflags[] of FIN-WAIT-1,
  // CLOSING and LAST-ACK carry TH_FIN; "if resending a FIN, be sure not to use a new sequence number").
  finWithAck: true,
  // TIME-WAIT ACKs anything but an exact copy of the peer's last ACK (tcp_twcheck: "Acknowledge the
  // segment if it has data or is not a duplicate ACK").
  timeWaitAckOldAcks: true,
  // tcp_addoptions: MSS, NOP, window scale, SACK-permitted, timestamps.
  synOptionOrder: 'freebsd',
  // tcp_output advertises recwin = sbspace in every segment (no receiver-side SWS hold-back).
  receiverSwsAvoidance: false,
  // A SYN+ACK at a listener is dropped by the syncache without a RST.
  listenSynAckReset: false,
  // tcp_drop() resets from CLOSED: tcp_outflags[TCPS_CLOSED] is TH_RST|TH_ACK.
  abortRstAck: true,
  // Data that came on a SYN is passed up without an immediate ACK (tcp_input, SYN-RECEIVED ->
  // ESTABLISHED: tcp_reass(tp, NULL, ...)).
  synDataDelayedAck: true,
  // TCP_MAXRXTSHIFT (tcp_timer.h): 12 retransmissions, of a SYN as of data, before ETIMEDOUT.
  synRetries: 12,
  r2: 12,
  // TCPTV_REXMTMAX (tcp_timer.h): the retransmission timeout never exceeds 64 s.
  maxRtoMs: 64_000,
  // net.inet.tcp.keepinit, TCPTV_KEEP_INIT (tcp_timer.h): 75 s to establish a connection.
  connectTimeoutMs: 75_000,
  // net.inet.tcp.syncache.rexmtlimit, SYNCACHE_MAXREXMTS (tcp_syncache.h): 3 SYN-ACK retransmissions.
  synAckRetries: 3,
  // net.inet.tcp.keepcnt, TCPTV_KEEPCNT (tcp_timer.h): 8 unanswered keep-alive probes.
  keepAliveProbes: 8,
  // The host's defaults, which the suite's scripts also set with sysctl: net.inet.tcp.recvspace 65536,
  // sendspace 32768, ecn.enable 2 (answer ECN, never ask), and the window scale that covers
  // kern.ipc.maxsockbuf's 2 MiB (tcp_connect / syncache_add ask for that shift whatever the buffer).
  receiveBufferSize: 65_536,
  sendBufferSize: 32_768,
  ecn: 'passive',
  windowScale: 6,
  // The scripts pin exact windows: FreeBSD's buffer auto-tuning (net.inet.tcp.recvbuf_auto) grows in
  // steps of its own that no script here exercises, so the buffers stay as set. FreeBSD has no
  // quickack mode: it delays the ACK of the first data segment like any other.
  bufferAutoTuning: false,
  quickAckSegments: 0,
  // net.inet.tcp.drop_synfin is 0 by default: a SYN+FIN is processed as RFC 9293 says.
  dropSynFin: false,
  // net.inet.tcp.minmss: a peer's MSS option below 216 is raised to it (tcp_mss_update()).
  minSendMss: 216,
  // Challenge ACKs are limited per connection: net.inet.tcp.ack_war_cnt (5) per ack_war_timewindow
  // (1000 ms), tcp_send_challenge_ack().
  challengeAckLimit: 5,
  challengeAckWindowMs: 1000,
});

/**
 * Linux's choices where the RFCs leave one, with where Linux makes them. synack's own defaults already
 * follow Linux for most (RTO 1 s initial and 200 ms minimum, TCP_RTO_MIN/TCP_TIMEOUT_INIT; 40 ms
 * delayed ACK, TCP_DELACK_MIN; quick-ack of up to 16 segments, TCP_MAX_QUICKACKS; an initial window of
 * 10 segments, TCP_INIT_CWND; CUBIC with HyStart; RACK and TLP; timestamps in ms; TIME-WAIT 60 s,
 * TCP_TIMEWAIT_LEN; the window scale from tcp_rmem[2]); these are the ones that differ.
 */
const LINUX_TCP: Readonly<Partial<TcpConfig>> = Object.freeze({
  // net.ipv4.tcp_syn_retries (6) and tcp_synack_retries (5), Documentation/networking/ip-sysctl.rst.
  synRetries: 6,
  synAckRetries: 5,
  // net.ipv4.tcp_ecn = 2: answer ECN when the peer asks, never ask.
  ecn: 'passive',
  // net.ipv4.tcp_rmem = 4096 131072 6291456, tcp_wmem = 4096 16384 4194304.
  receiveBufferSize: 131_072,
  receiveBufferMax: 6_291_456,
  sendBufferSize: 16_384,
  sendBufferMax: 4_194_304,
  // tcp_select_initial_window: ilog2(max(tcp_rmem[2], rmem_max)) - 15 (7 for 6 MiB).
  windowScale: linuxWindowScale(6_291_456),
  // tcp_options_write: MSS, SACK-permitted (or NOP,NOP), timestamps, NOP, window scale.
  synOptionOrder: 'linux',
  // net.ipv4.tcp_moderate_rcvbuf = 1 and tcp_sndbuf_expand: the buffers grow (naming their sizes above
  // would otherwise fix them).
  bufferAutoTuning: true,
  // tcp_validate_incoming does not drop a segment without timestamps once they were negotiated (RFC
  // 7323 §3.2 says it MUST); Linux only checks PAWS on the segments that carry them.
  requireTimestamps: false,
  // tcp_conn_request keeps nothing of a SYN's data unless Fast Open takes it.
  queueSynData: false,
  // tcp_cleanup_rbuf: a read sends a window update only when the window still open to the peer is
  // half the buffer or less and the new one at least doubles it; tcp_select_initial_window and
  // tcp_grow_window (rcv_ssthresh): the offer starts at 64 KiB at most and grows with the data.
  windowUpdateOnRead: 'doubled',
  receiveWindowGrowth: 'ramp',
  // icsk_ack.ato (tcp_event_data_recv, tcp_send_delayed_ack, tcp_delack_timer_handler): the
  // delayed-ACK timeout follows the gaps between the peer's data, and pingpong mode needs an answer
  // within it of the peer's last data.
  ackTimeout: 'ato',
  // bictcp_update: "if (ca->last_cwnd == cwnd && (s32)(tcp_jiffies32 - ca->last_time) <= HZ / 32) return"
  // after counting the ACKs (ack_cnt); the Reno-friendly tcp_cwnd runs only past it.
  cubicUpdateIntervalMs: 31,
  // tcp_sendmsg_locked: a write fills units of tcp_xmit_size_goal and asks sk_stream_memory_free for
  // room (sk_wmem_queued below sk_sndbuf; unsent below TCP_NOTSENT_LOWAT) only before starting one.
  writeAccounting: 'units',
  // tcp_set_rto: RTO = SRTT + max(4*RTTVAR, tcp_rto_min) ("make sure rto = 3*rtt" on the first sample).
  rtoMinOnVariance: true,
  // tcp_send_active_reset: TCPHDR_ACK | TCPHDR_RST.
  abortRstAck: true,
  // tcp_write_wakeup -> tcp_xmit_probe_skb: a zero window is probed with an empty segment at SND.UNA-1.
  zeroWindowProbe: 'ack',
  // tcp_is_cwnd_limited: "If in slow start, ensure cwnd grows to twice what was ACKed" (max_packets_out).
  slowStartToTwiceFlight: true,
  // tcp_slow_start: cwnd = min(cwnd + acked, ssthresh), every acknowledged segment counted.
  slowStartMaxIncrease: Infinity,
  // net.ipv4.tcp_slow_start_after_idle = 1 (ip-sysctl.rst); tcp_cwnd_restart halves cwnd per RTO idle.
  slowStartAfterIdle: true,
  // tcp_enter_cwr, tcp_cwnd_reduction: an ECE is answered by PRR in the CWR state (since Linux 3.7).
  ecnReduction: 'prr',
  // tcp_may_raise_cwnd: with tp->reordering > tcp_reordering, FLAG_FORWARD_PROGRESS (SACKs too) grows cwnd.
  sackGrowsCwndAfterReordering: true,
  // tcp_match_skb_to_sack: a SACK marks whole segments; a part below the MSS is not split off.
  sackGranularity: 'segment',
  // inet_csk_accept takes the accept queue's head whatever its state: a child reset before accept()
  // is accepted in TCP_CLOSE with its data and ECONNRESET pending.
  acceptQueueKeepsClosed: true,
  // tcp_v4_err ends SYN_SENT and SYN_RECV sockets on any unreachable or time exceeded; tcp_req_err
  // drops a request socket for net or host unreachable and time exceeded only.
  handshakeIcmpAbort: 'linux',
  // tcp_advertise_mss: a SYN's MSS option is the route's advmss, ipv4_default_advmss /
  // ip6_default_advmss of the route's MTU, which a learned path MTU lowers.
  synMssFollowsPathMtu: true,
  // tcp_retransmit_skb resends the retransmission queue's segments (tcp_retrans_try_collapse joins sent
  // ones up to the MSS); unsent data waits in the write queue, sent from SND.MAX on.
  retransmitStopsAtSndMax: true,
  // tcp_cubic.c: CUBIC leaves slow start by Ha and Rhee's HyStart (hystart=1, hystart_detect=3), not
  // RFC 9406's HyStart++.
  slowStartExit: 'hystart',
  // tcp_nagle_check with tcp_minshall_check: a short segment waits only for an earlier short one.
  nagle: 'minshall',
});

/** "name=value, ..." for the output. */
function describe(tcp: Readonly<Partial<TcpConfig>>): string {
  return Object.entries(tcp)
    .map(([k, v]) => (v === true ? k : `${k}=${String(v)}`))
    .join(', ');
}

export const PERSONALITIES: Readonly<Record<PersonalityName, Personality>> = Object.freeze({
  freebsd: {
    name: 'freebsd',
    summary: `FreeBSD's choices where the RFCs leave one: ${describe(FREEBSD_TCP)}`,
    tcp: FREEBSD_TCP,
    platformSymbol: 'FreeBSD',
    os: 'freebsd',
    tso: false,
    otherSocketsSkipped: false,
  },
  linux: {
    name: 'linux',
    summary: `Linux's choices where the RFCs leave one: ${describe(LINUX_TCP)}; net.ipv4.* sysctls, TSO bursts`,
    tcp: LINUX_TCP,
    platformSymbol: 'Linux',
    os: 'linux',
    tso: true,
    otherSocketsSkipped: true,
  },
  none: {
    name: 'none',
    summary: "synack's own defaults",
    tcp: Object.freeze({}),
    platformSymbol: undefined,
    os: 'freebsd',
    tso: false,
    otherSocketsSkipped: false,
  },
});

export function isPersonalityName(name: string): name is PersonalityName {
  return Object.prototype.hasOwnProperty.call(PERSONALITIES, name);
}
