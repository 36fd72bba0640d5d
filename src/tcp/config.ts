/**
 * Every protocol default in one place, each with where it comes from. Override per stack or per
 * connection with a partial object (`resolveConfig`).
 */
export interface TcpConfig {
  /** Our MTU toward the peer; the MSS we advertise is derived from it (RFC 9293 §3.7.1, RFC 6691). */
  mtu: number;
  /**
   * The TTL (IPv4) or hop limit (IPv6) of this connection's packets (IP_TTL, IPV6_UNICAST_HOPS; RFC
   * 1122 §4.2.4.2 lets the application set it); undefined: the stack's `ttl`.
   */
  ipTtl: number | undefined;
  /**
   * The TOS byte (IPv4) or traffic class (IPv6) of this connection's packets (IP_TOS, IPV6_TCLASS):
   * its DSCP bits are written as given; its two ECN bits are TCP's to set (RFC 3168 §6.1.1), as
   * Linux and FreeBSD mask them.
   */
  ipTos: number;
  /**
   * IPv4's Don't Fragment bit on this connection's packets (RFC 791). On by default: TCP discovers
   * the path MTU with it (RFC 1191). Off is Linux's IP_MTU_DISCOVER = IP_PMTUDISC_DONT (man 7 ip):
   * routers may fragment them. IPv6 has no such bit (RFC 8200 §4.5: only the source fragments).
   */
  ipDontFragment: boolean;
  /** Overrides the derived MSS option value when set (TCP_MAXSEG): it also bounds the segments we send. */
  mss: number | undefined;
  /**
   * The MSS option value a route gives (Linux's `ip route ... advmss`), instead of the one its MTU
   * gives; unlike `mss` it does not bound what we send. Undefined (the default): from the MTU.
   */
  advmss: number | undefined;
  /**
   * The smallest MSS taken from a peer's MSS option: a smaller one is raised to this. A peer that
   * announces an MSS of 1 would otherwise make every byte we send cost a segment, 40 or more bytes of
   * headers, a retransmission-queue entry and an interrupt at each end (CVE-2019-11479, "SACK
   * Slowness" / excess resource use). Linux's tcp_min_snd_mss: 48 (the IPv4 minimum MTU 68 less 20
   * octets of IP header); FreeBSD's net.inet.tcp.minmss: 216. It bounds the peer's option only: our
   * own MTU and path MTU (RFC 1191's floor of 68) still lower it. Like Linux's, it counts the octets
   * of TCP options too (RFC 6691), so with timestamps a segment's data is 12 octets less.
   */
  minSendMss: number;
  /** Receive buffer (bytes): bounds the window we advertise. Linux's initial tcp_rmem is 128 KiB. */
  receiveBufferSize: number;
  /** Send buffer (bytes): how much unacknowledged plus unsent data `send` accepts. */
  sendBufferSize: number;
  /**
   * Buffer auto-tuning, as Linux's tcp_moderate_rcvbuf and send-buffer expansion: the receive buffer
   * grows toward `receiveBufferMax` as the data the application reads per round trip grows (twice
   * that, so the window stays ahead of the sender's slow start), and the send buffer toward
   * `sendBufferMax` as twice cwnd. Neither shrinks. With 'auto' window scaling the shift is chosen for
   * the maximum, as Linux chooses it from tcp_rmem[2]. Giving `receiveBufferSize` or
   * `sendBufferSize` turns it off unless it is given as well (Linux: SO_RCVBUF / SO_SNDBUF).
   */
  bufferAutoTuning: boolean;
  /** Linux's tcp_rmem[2]: 6 MiB. */
  receiveBufferMax: number;
  /** Linux's tcp_wmem[2]: 4 MiB. */
  sendBufferMax: number;
  /** Offer window scaling (RFC 7323 §2). */
  windowScaling: boolean;
  /** Our shift count; 'auto' picks the smallest that lets receiveBufferSize be advertised (max 14). */
  windowScale: number | 'auto';
  /** Offer timestamps (RFC 7323 §3). */
  timestamps: boolean;
  /** Offer SACK (RFC 2018). */
  sack: boolean;
  /** Tail loss probes when SACK is in use (RFC 8985 §7; Linux's tcp_early_retrans = 3): on. */
  tailLossProbe: boolean;
  /** RFC 7323 §3.2: once timestamps are in use, drop non-RST segments that lack them (a SHOULD). */
  requireTimestamps: boolean;
  /** RFC 6298 §2.1: 1 s. */
  initialRtoMs: number;
  /** RFC 6298 §2.4 says 1 s; Linux uses 200 ms (TCP_RTO_MIN) and so do we, as RFC 6298 allows. */
  minRtoMs: number;
  /** RFC 6298 §2.5 allows a maximum of at least 60 s; Linux uses 120 s (TCP_RTO_MAX). */
  maxRtoMs: number;
  /** RFC 6298's clock granularity G (ms). */
  clockGranularityMs: number;
  /**
   * Where minRtoMs applies: false, RFC 6298 §2.4's RTO = max(minRtoMs, SRTT + max(G, 4*RTTVAR));
   * true, Linux's RTO = SRTT + max(G, 4*RTTVAR, minRtoMs) (tcp_set_rto: the variance term is at
   * least tcp_rto_min, so a 10 ms path has a 210 ms RTO, not 200 ms).
   */
  rtoMinOnVariance: boolean;
  /**
   * SYN retransmissions before connect fails with ETIMEDOUT. RFC 9293 §3.8.3: R2 for a SYN MUST cover
   * at least 3 minutes; 7 retries from a 1 s RTO give up after 247 s (1+2+...+64 s, then the eighth
   * wait is capped at maxRtoMs, 120 s); Linux's 6 give up at 127 s.
   */
  synRetries: number;
  /** SYN-ACK retransmissions in SYN-RECEIVED (Linux tcp_synack_retries: 5). */
  synAckRetries: number;
  /** RFC 9293 §3.8.3: R1, retransmissions after which the IP layer is advised (at least 3). */
  r1: number;
  /** R2 as a count of retransmissions before the connection is aborted (Linux tcp_retries2: 15, ~15 min). */
  r2: number;
  /** RFC 5482 / RFC 9293 §3.8.3 user timeout (ms): abort when sent data stays unacknowledged this long. */
  userTimeoutMs: number | undefined;
  /** Maximum segment lifetime. TIME-WAIT lasts 2*MSL: 60 s like Linux (RFC 9293's MSL of 2 min is a historical upper bound). */
  mslMs: number;
  /** How long a connection the application has closed may wait in FIN-WAIT-2 (Linux tcp_fin_timeout: 60 s). */
  finWait2TimeoutMs: number;
  /** RFC 9293 §3.8.4: keep-alives MUST default to off. */
  keepAlive: boolean;
  /** Idle time before the first keep-alive probe: MUST be no less than 2 hours by default. */
  keepAliveIdleMs: number;
  /** Between unanswered probes (Linux tcp_keepalive_intvl: 75 s). */
  keepAliveIntervalMs: number;
  /** Unanswered probes before the connection is aborted (Linux tcp_keepalive_probes: 9). */
  keepAliveProbes: number;
  /** Maximum ACK delay (RFC 9293 §3.8.6.3: under 0.5 s; Linux's minimum delayed-ACK is 40 ms). 0 acks at once. */
  ackDelayMs: number;
  /**
   * Quick ACKs: the first this many in-order data segments of a connection are each acknowledged at
   * once rather than every second one, so the peer's slow start is not slowed by delayed ACKs
   * (Linux's quickack mode, TCP_MAX_QUICKACKS = 16). 0 delays from the first segment.
   */
  quickAckSegments: number;
  /**
   * The delayed-ACK timeout's source. 'fixed': `ackDelayMs` every time, and an interactive exchange
   * (no quick ACKs) is data we send within `ackDelayMs` of hearing from the peer. 'ato' (Linux's
   * icsk_ack.ato, tcp_event_data_recv, tcp_send_delayed_ack, tcp_delack_timer_handler): the timeout
   * is estimated from the gaps between arriving data segments, starting at `ackDelayMs` with the
   * first data (before it there is none, so nothing we send before the peer's first data makes the
   * exchange interactive), doubled when a delayed ACK fires outside an interactive exchange, bounded
   * by the smoothed RTT (at least `ackDelayMs`) and by 200 ms in an interactive exchange or 500 ms
   * otherwise (RFC 9293 §3.8.6.3: under 0.5 s); a gap longer than the RTO re-enters quick ACKs.
   */
  ackTimeout: 'fixed' | 'ato';
  /**
   * CUBIC's Reno-friendly estimate (RFC 9438 §4.3) takes the ACKs since it last did at most once per
   * this many ms while cwnd in whole segments is unchanged, as Linux's bictcp_update (HZ/32: 31 ms
   * at HZ=1000) does; 0 (the RFC): on every ACK.
   */
  cubicUpdateIntervalMs: number;
  /**
   * How much a SEND takes (RFC 9293 §3.9.1.2 leaves it open). 'bytes': what fits in the send buffer,
   * and no more. 'units' (Linux's tcp_sendmsg_locked, write-units.ts): data is queued in units of the
   * size goal (64 KiB of segmentation offload, at most half the peer's largest window), and room is
   * asked for (queue below the buffer's size; with `notSentLowat`, unsent bytes below it) only before
   * a unit is started, so a write may carry the queue past the buffer's size by less than a unit.
   */
  writeAccounting: 'bytes' | 'units';
  /**
   * Pace data segments over the round trip instead of sending a window in a burst: at twice cwnd per
   * SRTT in slow start and 1.2 times after (Linux's internal pacing, tcp_pacing_ss_ratio and
   * tcp_pacing_ca_ratio; Linux paces when the fq qdisc or the congestion control asks). Off by default.
   */
  pacing: boolean;
  /** Disable Nagle's algorithm (RFC 9293 §3.7.4); like TCP_NODELAY. */
  noDelay: boolean;
  /**
   * Which test Nagle's algorithm holds a short segment by. 'rfc1122' (RFC 9293 §3.7.4, RFC 1122
   * §4.2.3.4): while any data is unacknowledged. 'minshall' (Minshall's refinement,
   * draft-minshall-nagle; Linux's tcp_nagle_check with tcp_minshall_check): only while an earlier
   * short segment is unacknowledged, so the short tail of a write that fills full segments goes
   * with them instead of waiting a round trip.
   */
  nagle: 'rfc1122' | 'minshall';
  /**
   * Linux's TCP_NOTSENT_LOWAT and net.ipv4.tcp_notsent_lowat (ip-sysctl.rst): a writer waiting for
   * room (Tcb.sendWakeup, poll's POLLOUT) is woken only when fewer than half this many octets are
   * queued and not yet sent, so the queue holds little more than the network does. undefined: no
   * limit (Linux's default, UINT_MAX).
   */
  notSentLowat: number | undefined;
  /**
   * RFC 5961 checks for RST, SYN and ACK. Off is like FreeBSD's insecure_rst=1, insecure_syn=1 and
   * insecure_ack=1 together; `rfc5961Rst` and `rfc5961Syn` override it for RST and SYN.
   */
  rfc5961: boolean;
  /**
   * RFC 5961 §3.2 for RST alone; undefined follows `rfc5961`. Off (FreeBSD net.inet.tcp.insecure_rst=1):
   * any RST inside the window resets the connection, as RFC 793 had it; on: only a RST at exactly
   * RCV.NXT does, one elsewhere in the window gets a challenge ACK. A RST outside the window is
   * dropped either way.
   */
  rfc5961Rst: boolean | undefined;
  /**
   * RFC 5961 §4.2 for SYN alone; undefined follows `rfc5961`. On: a SYN in a synchronized state gets a
   * challenge ACK wherever it lies. Off (FreeBSD net.inet.tcp.insecure_syn=1): a SYN inside the window
   * (RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND) is an error that resets the connection (RFC 793 p. 71), and
   * the reset goes out in FreeBSD's form, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> with window 0
   * (tcp_drop() sending from CLOSED); a SYN outside the window gets an ACK.
   */
  rfc5961Syn: boolean | undefined;
  /**
   * The reset ABORT sends (§3.10.5; also SO_LINGER 0, a close with unread data, a drop): false,
   * RFC 9293's <SEQ=SND.NXT><CTL=RST>; true, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> as both FreeBSD
   * (tcp_drop() sending from CLOSED, tcp_outflags[TCPS_CLOSED]) and Linux (tcp_send_active_reset)
   * send it.
   */
  abortRstAck: boolean;
  /**
   * The zero-window probe (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): 'data', one octet beyond the
   * closed window (synack's default, and FreeBSD's); 'ack', an empty segment at SND.UNA-1 that the
   * peer must answer with its window (Linux's tcp_xmit_probe_skb), which sends no data it may drop.
   */
  zeroWindowProbe: 'data' | 'ack';
  /**
   * Explicit Congestion Notification (RFC 3168), FreeBSD's net.inet.tcp.ecn.enable 0/1/2 and Linux's
   * tcp_ecn 0/1/2: 'off' never negotiates it; 'on' asks for it on our SYNs (ECE and CWR, §6.1.1) and
   * accepts it from a peer's SYN; 'passive' only answers a peer's ECN-setup SYN with an ECN-setup
   * SYN-ACK (ECE without CWR). Once negotiated, new data goes out ECT(0) (never SYNs, pure ACKs,
   * retransmissions or window probes: §6.1.1, §6.1.4, §6.1.5), CE marks are echoed with ECE until the
   * peer's CWR (§6.1.3), and an ECE makes the sender reduce its window once per window of data and set
   * CWR (§6.1.2). FreeBSD and Linux default to passive; synack defaults to off, so nothing changes on
   * the wire unless asked.
   */
  ecn: 'off' | 'on' | 'passive';
  /**
   * With `ecn: 'on'`, how many SYN retransmissions still ask for ECN; later ones go without ECE and CWR,
   * in case a middlebox drops ECN-setup SYNs (RFC 3168 §6.1.1.1). FreeBSD net.inet.tcp.ecn.maxretries: 1.
   */
  ecnMaxSynRetries: number;
  /**
   * 0: never. N > 0: the Nth retransmission of our SYN and every later one carry only the MSS option,
   * for the middleboxes that drop SYNs with options they do not know; a SYN-ACK then negotiates none of
   * window scaling, timestamps and SACK (RFC 7323 §2.2, §3.2: only if our SYN offered them). FreeBSD's
   * net.inet.tcp.rexmit_drop_options=1 is N = 3 (tcp_timer_rexmt: at t_rxtshift == 3; the MSS stays).
   */
  synRetransmitDropOptions: number;
  /**
   * Connection-establishment timer (ms): an attempt still in SYN-SENT or SYN-RECEIVED this long after it
   * began fails with ETIMEDOUT, however many SYN retransmissions are left (FreeBSD net.inet.tcp.keepinit,
   * 75 s there, and TCP_KEEPINIT). From SYN-SENT nothing is sent (the peer holds no state); from a
   * SYN-RECEIVED reached by simultaneous open a RST goes, as FreeBSD's tcp_drop(); a passive attempt
   * is dropped quietly like one whose SYN-ACK retries ran out. undefined: only `synRetries` /
   * `synAckRetries` bound the attempt.
   */
  connectTimeoutMs: number | undefined;
  /**
   * Drop a segment with both SYN and FIN unanswered and counted (TCPSynFinDrops). No client opens
   * with SYN+FIN; scanners send it to get past filters that look for a bare SYN, and to fingerprint
   * stacks. 'listen' (the default): at a listener, as Linux does (tcp_rcv_state_process, since 3.6).
   * true: in LISTEN and SYN-SENT, as FreeBSD's net.inet.tcp.drop_synfin=1 (0 there by default). false:
   * RFC 9293 processes the SYN and holds the FIN like data (§3.10.7.2, §3.10.7.3).
   */
  dropSynFin: boolean | 'listen';
  /**
   * A segment with SYN and ACK reaching LISTEN is answered with <SEQ=SEG.ACK><CTL=RST>, as RFC 9293
   * §3.10.7.2 answers any ACK-bearing segment there (on, as Linux). Off: dropped without an answer, as
   * FreeBSD's syncache does. A bare ACK is reset either way.
   */
  listenSynAckReset: boolean;
  /**
   * A connection that ends (a RST, a timeout) while it waits in its listener's accept queue stays in
   * the queue, to be accepted closed with its data still readable and its error pending, as Linux's
   * inet_csk_accept hands over a child whatever its state. Off: it leaves the queue unseen. (FreeBSD
   * keeps it too, but its accept() then fails with ECONNABORTED.) RFC 9293 has no accept queue.
   */
  acceptQueueKeepsClosed: boolean;
  /**
   * Which ICMP errors end a connection still in its handshake. 'hard' (RFC 1122 §4.2.3.9, RFC 5461
   * §4): protocol and port unreachable end SYN-SENT and SYN-RECEIVED; the others (net or host
   * unreachable, time exceeded) are soft, only remembered. 'linux' (tcp_v4_err, tcp_req_err): every
   * unreachable and time exceeded ends SYN-SENT and a Fast Open or simultaneous-open SYN-RECEIVED
   * (soft ones with EHOSTUNREACH), while a listener's half-open connection is dropped only for the
   * soft ones, which a SYN-ACK to a forged address draws, and keeps going on port or protocol
   * unreachable.
   */
  handshakeIcmpAbort: 'hard' | 'linux';
  /**
   * RCV.WND is the free space of the receive buffer, the buffer being rounded up to a multiple of the
   * MSS once the MSS is known (FreeBSD: tcp_mss() -> sbreserve(), so 65536 becomes 65700 with an MSS
   * of 1460, 66240 with 1440; tcp_input takes rcv_wnd = max(sbspace, rcv_adv - rcv_nxt)). Segments are
   * accepted and trimmed against that window even where the 16-bit window field (without window
   * scaling) could only advertise 65535 of it. RFC 9293 §3.10.7.4 tests against RCV.WND, and §3.8.6.2.2
   * lets the receiver hold a window larger than it advertises (it only forbids shrinking the right
   * edge, which this never does). As in FreeBSD, a passive open rounds its buffer when the handshake
   * completes (syncache_socket()), and until then, as in TIME-WAIT, RCV.WND is what was advertised.
   * Off: RCV.WND is what was last advertised (RCV.NXT to the right edge), and the buffer keeps its
   * configured size.
   */
  receiveWindowFromBuffer: boolean;
  /**
   * While our FIN is sent and not acknowledged (FIN-WAIT-1, CLOSING, LAST-ACK), an ACK goes as a
   * retransmission of the FIN: <SEQ=FIN's sequence number><CTL=FIN,ACK> rather than RFC 9293 Figure
   * 13's <SEQ=SND.NXT><CTL=ACK> (FreeBSD's tcp_output: the state's tcp_outflags carry FIN, and "if
   * resending a FIN, be sure not to use a new sequence number"). Both are valid: a duplicate FIN is
   * acknowledged and otherwise ignored by the peer (§3.10.7.4). Challenge ACKs (RFC 5961) and the
   * answers to SYNs stay bare ACKs, as FreeBSD sends them through tcp_respond(). With this on, the ACK
   * field of a segment that is exactly the peer's FIN again is also taken (BSD keeps processing the ACK
   * of an old segment, Stevens vol. 2 p. 960), so two such peers closing at once do not trade FINs
   * forever.
   */
  finWithAck: boolean;
  /**
   * TIME-WAIT's answer to an acceptable ACK at RCV.NXT with no data that acknowledges less than
   * SND.NXT (an old ACK). RFC 9293 §3.10.7.4 expects only the peer's FIN there and is silent on it;
   * every other acceptable segment but a copy of the peer's last ACK is answered with an ACK either
   * way. `false`: ignore it (Linux's tcp_timewait_state_process: an in-window segment at rcv_nxt
   * without data is "only reset or bare ack"); `true`: ACK it (FreeBSD's tcp_twcheck ACKs anything
   * that is not exactly th_seq == rcv_nxt, th_ack == snd_nxt, no data).
   */
  timeWaitAckOldAcks: boolean;
  /**
   * Our SYN and SYN-ACK carry no options at all, not even MSS (FreeBSD's TCP_NOOPT socket option).
   * RFC 9293 §3.7.1 lets the MSS option be omitted (the peer then assumes 536 for IPv4, 1220 for IPv6);
   * window scaling, timestamps and SACK are then not negotiated (RFC 7323 §2.2, §3.2; RFC 2018 §2:
   * only when both SYNs carry them). The peer's MSS option is still honoured.
   */
  noOptions: boolean;
  /**
   * How our SYN and SYN-ACK lay their options out (the bytes differ, the meaning does not): 'linux'
   * as tcp_options_write (MSS, SACK-permitted, timestamps, NOP, window scale) or 'freebsd' as
   * tcp_addoptions (MSS, NOP, window scale, SACK-permitted, timestamps). Packetdrill's strict mode
   * compares the bytes.
   */
  synOptionOrder: 'linux' | 'freebsd';
  /**
   * Receiver-side SWS avoidance in the window field of every segment (RFC 9293 §3.8.6.2.2: keep
   * RCV.NXT + RCV.WND fixed until the buffer space that opened reaches min(RCV.BUFF/2, Eff.snd.MSS)),
   * as Linux's __tcp_select_window does. Off (FreeBSD's tcp_output): a segment sent for any reason
   * advertises all the free space (never less than before, 0 below a quarter of the buffer and one
   * MSS); only window updates wait for a worthwhile opening.
   */
  receiverSwsAvoidance: boolean;
  /**
   * When reading makes room, whether a window update goes at once (RFC 9293 §3.8.6.2.2 leaves it to
   * the receiver; without one the new window rides on the next segment). 'segments': when the window
   * grows by two segments or half the buffer, or from below one segment. 'doubled' (Linux's
   * tcp_cleanup_rbuf): only when what remains open of the advertised window has fallen to half the
   * buffer or less and the new window is at least twice it.
   */
  windowUpdateOnRead: 'segments' | 'doubled';
  /**
   * How far the advertised window may open. 'buffer': to the free buffer space. 'ramp' (Linux's
   * rcv_ssthresh, tcp_select_initial_window and tcp_grow_window): a new connection offers at most
   * the buffer rounded down to the MSS and never more than 65535 bytes, and each in-order data
   * segment of 128 bytes or more lets the offer grow by twice its length (at least two MSS) up to
   * the free space, so the window opens as the peer's flight grows instead of all at once. RFC 9293
   * §3.8.6.2 lets a receiver offer less than its buffer holds.
   */
  receiveWindowGrowth: 'buffer' | 'ramp';
  /**
   * Data that came on a SYN and waited for ESTABLISHED (§3.10.7.2, §3.10.7.3) is acknowledged like any
   * in-order data, with a delayed ACK (§3.8.6.3, RFC 5681 §4.2), so the ACK can ride on the next
   * segment we send. Off: it is acknowledged at once, as data that fills a hole. FreeBSD passes such
   * data to the socket without an immediate ACK (tcp_input's SYN-RECEIVED -> ESTABLISHED path calls
   * tcp_reass(tp, NULL, ...)), and its ACK goes with the next segment.
   */
  synDataDelayedAck: boolean;
  /**
   * Data on a SYN that reaches LISTEN (without TCP Fast Open taking it) is queued and delivered once
   * the connection is established, as RFC 9293 §3.10.7.2 has it ("queued for processing later"). Off:
   * it is discarded and the SYN-ACK acknowledges only the SYN, so the client sends it again (Linux's
   * tcp_conn_request keeps nothing of a SYN's data unless Fast Open accepts it).
   */
  queueSynData: boolean;
  /**
   * RFC 5961 §7 challenge-ACK rate limit, per connection and per TIME-WAIT record: at most this many
   * in `challengeAckWindowMs` (Linux's per-socket tcp_invalid_ratelimit: one per 500 ms; FreeBSD's
   * ack_war_cnt per ack_war_timewindow: 5 per second). Never a budget shared by connections, which
   * would tell an off-path attacker which connections exist (CVE-2016-5696; challenge-ack.ts).
   */
  challengeAckLimit: number;
  challengeAckWindowMs: number;
  /**
   * An optional host-wide bound on challenge ACKs per second on top of the per-connection limit,
   * its budget drawn at random each second from [limit/2, 3*limit/2) (Linux's tcp_challenge_ack_limit
   * since 2016). undefined (the default): none, as Linux since 6.0.
   */
  challengeAckGlobalLimit: number | undefined;
  /**
   * The congestion controller: 'cubic' (RFC 9438, with HyStart++ (RFC 9406) in the initial slow start;
   * Linux's default, and synack's), 'newreno' (RFC 5681, RFC 6582) or 'bbr' (draft-ietf-ccwg-bbr,
   * BBRv3: model-based, paced; it needs SACK for its delivery-rate samples, and a connection whose
   * peer does not do SACK runs CUBIC instead).
   */
  congestionControl: 'cubic' | 'newreno' | 'bbr';
  /**
   * When slow start counts as cwnd-limited (and so grows cwnd). false: when the flight before the ACK
   * was within one segment of cwnd (RFC 9438 §5.8, RFC 2861: a window not used is not grown). true,
   * Linux's tcp_is_cwnd_limited: also while cwnd is below twice the most data in flight in the last
   * round trip (tp->max_packets_out), so a flight of 10 segments grows cwnd to 20 when it is ACKed
   * (RFC 7661 §4.3 likewise lets a window at least half used grow).
   */
  slowStartToTwiceFlight: boolean;
  /**
   * Slow start's bound on the increase per ACK, in segments (RFC 5681 eq. 2's SMSS, RFC 3465's L).
   * undefined: the controller's RFC value (NewReno: 1, RFC 5681; CUBIC: 8, RFC 9406 §4.2's L for a
   * sender that does not pace). Linux's tcp_slow_start adds every segment an ACK delivers: Infinity.
   */
  slowStartMaxIncrease: number | undefined;
  /**
   * Restart after idle (RFC 5681 §4.1, RFC 2861 §3; Linux's net.ipv4.tcp_slow_start_after_idle):
   * data sent after more than an RTO with nothing sent and nothing in flight starts from a smaller
   * window: ssthresh = max(ssthresh, 3/4 cwnd), then cwnd halves for each RTO of the idle time, not
   * below the restart window min(IW, cwnd) (Linux's tcp_cwnd_restart). false (the default): cwnd is
   * kept across idle periods, as RFC 7661 (which obsoletes RFC 2861) allows a validated window to be;
   * Linux's default is true.
   */
  slowStartAfterIdle: boolean;
  /**
   * How the window comes down on an ECN echo (RFC 3168 §6.1.2). 'immediate' (the default): cwnd =
   * ssthresh at once, as RFC 3168 writes it ("halves the congestion window"). 'prr': spread over the
   * round trip by Proportional Rate Reduction (RFC 6937 applies it to any reduction, ECN's too), as
   * Linux's CWR state does (tcp_enter_cwr, tcp_cwnd_reduction), until what was in flight at the echo
   * is acknowledged; then cwnd = ssthresh. Nothing is retransmitted in it, so PRR's slow-start bound
   * gets no extra segment (Linux takes it only when retransmitted data is acknowledged): below
   * ssthresh, cwnd = pipe + max(prr_delivered - prr_out, DeliveredData).
   */
  ecnReduction: 'immediate' | 'prr';
  /**
   * Whether an ACK that only SACKs new data (SND.UNA unchanged) grows cwnd. false (the default): no,
   * cwnd grows on ACKs that cumulatively acknowledge new data (RFC 5681 §3.1), by all they deliver
   * (RFC 6937's DeliveredData, the newly SACKed included). true, Linux's tcp_may_raise_cwnd: once
   * reordering of more than 3 segments (net.ipv4.tcp_reordering, the duplicate-ACK threshold) has been
   * seen, any ACK that delivers data grows it, since a SACK is then more likely reordering than loss.
   */
  sackGrowsCwndAfterReordering: boolean;
  /**
   * What a SACK block marks in the sender's scoreboard. 'octet' (the default): the octets it names
   * (RFC 2018 §3, RFC 6675's octet scoreboard), so a block for the last octet of a segment leaves one
   * octet fewer to retransmit. 'segment': only the segments, as sent, that the block covers whole, as
   * Linux's tcp_match_skb_to_sack, which never splits a segment below the MSS for a SACK: a
   * retransmission then resends the whole segment.
   */
  sackGranularity: 'octet' | 'segment';
  /**
   * The MSS option of a SYN (or SYN-ACK) sent after the path MTU fell is the new path MTU less the
   * fixed IP and TCP headers, as Linux's is: its tcp_advertise_mss reads the route's advmss metric,
   * which ipv4_default_advmss / ip6_default_advmss work out from the route's MTU, the learned path
   * MTU included. Off (the default): the option says what we can receive, from our own MTU (RFC 1191
   * §3.1, RFC 9293 §3.7.1: MMS_R, not the path's MTU), as FreeBSD's tcp_mssopt does.
   */
  synMssFollowsPathMtu: boolean;
  /**
   * A retransmission carries only octets sent before: going back from SND.NXT < SND.MAX, a segment
   * stops at SND.MAX, and data never sent starts there in segments of its own. On: Linux's choice,
   * whose retransmissions are segments of its retransmission queue (tcp_retransmit_skb) while unsent
   * data waits in the write queue; so the data of a Fast Open SYN the SYN-ACK did not acknowledge
   * goes again as the segment it was (1420 octets beside an MSS of 1460), then new data from SND.MAX
   * at the full MSS. (Linux also keeps the boundaries between sent segments, joining them up to the
   * MSS, tcp_retrans_try_collapse; synack keeps only SND.MAX's.) Off (the default, FreeBSD's
   * tcp_output from snd_nxt = snd_una): a retransmitted segment takes new data after the old up to
   * the MSS. RFC 9293 §3.8.1 allows either (a retransmission may be repackaged).
   */
  retransmitStopsAtSndMax: boolean;
  /**
   * Packetization-layer path MTU discovery (RFC 4821, src/tcp/mtu-probe.ts), as Linux's
   * net.ipv4.tcp_mtu_probing: 0 off (the default, as Linux's), 1 only once consecutive timeouts
   * (`r1` of them) suggest a black hole for large packets, 2 always: a larger segment built from
   * queued data probes whether the path carries it, and its ACK raises the MSS.
   */
  mtuProbing: 0 | 1 | 2;
  /** The bottom of a new search, as data octets per segment (Linux's tcp_base_mss, 1024). */
  mtuProbeBaseMss: number;
  /** The search stops when its range is narrower than this many octets (Linux's tcp_probe_threshold, 8). */
  mtuProbeThreshold: number;
  /** A finished search starts again after this long (ms; Linux's tcp_probe_interval, 600 s). */
  mtuProbeIntervalMs: number;
  /** Black-hole detection never takes the search below this MSS (Linux's tcp_mtu_probe_floor, 48). */
  mtuProbeFloorMss: number;
  /**
   * The initial congestion window in segments (RFC 6928's 10, Linux's TCP_INIT_CWND; a route's
   * `initcwnd` sets it on Linux).
   */
  initialWindow: number;
  /**
   * How CUBIC leaves its initial slow start (src/tcp/cubic.ts): 'hystart++' (RFC 9406, the
   * default), 'hystart' (Linux's tcp_cubic HyStart: the ACK train and delay tests of Ha and Rhee),
   * or 'off' (at the first loss). Linux's module parameters map onto the three after it:
   * hystart_detect (1 the ACK train, 2 the delay, 3 both), hystart_low_window (16 segments: no test
   * below it) and hystart_ack_delta_us (2000: ACKs closer than this make a train).
   */
  slowStartExit: 'hystart++' | 'hystart' | 'off';
  hystartDetect: number;
  hystartLowWindow: number;
  hystartAckDeltaMs: number;
  /** Zero-window probe interval bounds (persist timer), backing off exponentially (RFC 9293 §3.8.6.1). */
  persistMinMs: number;
  persistMaxMs: number;
  /**
   * A zero window that lasts this long (ms, from the first probe) ends the connection with ETIMEDOUT
   * even while the peer answers the probes (RFC 6429 lets a sender reclaim a connection held in the
   * persist condition; sockstress pins send buffers so). Unset (the default): probes go on for as long
   * as they are answered, as RFC 9293 §3.8.6.1 (MUST-38) asks.
   */
  zeroWindowTimeoutMs: number | undefined;
  /**
   * Zero-window probes an orphan (closed by the application, its FIN still queued behind a zero
   * window) sends before it is reset, answered or not (Linux's tcp_orphan_retries, whose 0 means 8).
   */
  orphanRetries: number;
  /**
   * Out-of-order ranges (maximal runs of held octets) a connection keeps; a segment that would start
   * one more is dropped and counted (TCPOFODropRanges), as FreeBSD bounds its reassembly queue
   * (net.inet.tcp.reass.maxqueuelen). Against SegmentSmack (CVE-2018-5390).
   */
  maxOutOfOrderRanges: number;
  /**
   * Disjoint SACKed ranges the sender's scoreboard keeps; a SACK block that would make one more is
   * ignored and counted (TCPSACKDiscardRanges): SACK only guides retransmission (RFC 2018 §8), so an
   * ignored block costs a needless retransmission at worst. Against SACK Slowness (CVE-2019-11478).
   */
  maxSackRanges: number;
  /**
   * At most one ACK per this many ms in answer to pure ACKs that fail the sequence check
   * (§3.10.7.4), per connection (Linux's tcp_invalid_ratelimit, 500 ms); 0 answers every one. Two
   * desynchronised endpoints would otherwise answer each other's answers forever (the ACK storm of
   * RFC 5961 §5). Counted as TCPACKSkippedSeq.
   */
  invalidAckRateLimitMs: number;
}

export const DEFAULT_TCP_CONFIG: Readonly<TcpConfig> = Object.freeze({
  mtu: 1500,
  ipTtl: undefined,
  ipTos: 0,
  ipDontFragment: true,
  mss: undefined,
  advmss: undefined,
  minSendMss: 48,
  receiveBufferSize: 131072,
  sendBufferSize: 131072,
  bufferAutoTuning: true,
  receiveBufferMax: 6 * 1024 * 1024,
  sendBufferMax: 4 * 1024 * 1024,
  windowScaling: true,
  windowScale: 'auto',
  timestamps: true,
  sack: true,
  tailLossProbe: true,
  requireTimestamps: true,
  initialRtoMs: 1000,
  minRtoMs: 200,
  rtoMinOnVariance: false,
  abortRstAck: false,
  zeroWindowProbe: 'data',
  maxRtoMs: 120_000,
  clockGranularityMs: 1,
  synRetries: 7,
  synAckRetries: 5,
  r1: 3,
  r2: 15,
  userTimeoutMs: undefined,
  mslMs: 30_000,
  finWait2TimeoutMs: 60_000,
  keepAlive: false,
  keepAliveIdleMs: 7_200_000,
  keepAliveIntervalMs: 75_000,
  keepAliveProbes: 9,
  ackDelayMs: 40,
  quickAckSegments: 16,
  ackTimeout: 'fixed',
  cubicUpdateIntervalMs: 0,
  writeAccounting: 'bytes',
  pacing: false,
  noDelay: false,
  nagle: 'rfc1122',
  notSentLowat: undefined,
  rfc5961: true,
  rfc5961Rst: undefined,
  rfc5961Syn: undefined,
  ecn: 'off',
  ecnMaxSynRetries: 1,
  synRetransmitDropOptions: 0,
  connectTimeoutMs: undefined,
  dropSynFin: 'listen',
  listenSynAckReset: true,
  acceptQueueKeepsClosed: false,
  handshakeIcmpAbort: 'hard',
  receiveWindowFromBuffer: false,
  finWithAck: false,
  timeWaitAckOldAcks: false,
  noOptions: false,
  synOptionOrder: 'linux',
  receiverSwsAvoidance: true,
  windowUpdateOnRead: 'segments',
  receiveWindowGrowth: 'buffer',
  synDataDelayedAck: false,
  queueSynData: true,
  challengeAckLimit: 1,
  challengeAckWindowMs: 500,
  challengeAckGlobalLimit: undefined,
  persistMinMs: 200,
  persistMaxMs: 60_000,
  zeroWindowTimeoutMs: undefined,
  orphanRetries: 8,
  maxOutOfOrderRanges: 1024,
  maxSackRanges: 1024,
  invalidAckRateLimitMs: 500,
  congestionControl: 'cubic',
  slowStartToTwiceFlight: false,
  slowStartMaxIncrease: undefined,
  slowStartAfterIdle: false,
  ecnReduction: 'immediate',
  sackGrowsCwndAfterReordering: false,
  sackGranularity: 'octet',
  synMssFollowsPathMtu: false,
  retransmitStopsAtSndMax: false,
  mtuProbing: 0,
  mtuProbeBaseMss: 1024,
  mtuProbeThreshold: 8,
  mtuProbeIntervalMs: 600_000,
  mtuProbeFloorMss: 48,
  initialWindow: 10,
  slowStartExit: 'hystart++',
  hystartDetect: 3,
  hystartLowWindow: 16,
  hystartAckDeltaMs: 2,
});

/** Configs made by shareConfig: complete and checked. */
const shared = new WeakSet<object>();

/**
 * A complete, checked config that many connections may share (a stack's, for its connections): a
 * Tcb reads it as it is until a setting changes for that connection alone (Tcb.ownConfig), and then
 * resolveConfig of it gives the connection a view that reads the shared fields through its
 * prototype and keeps its own changes (a socket's setNoDelay) to itself, instead of a copy of every
 * field per connection. The shared object must not change afterwards: make a new one instead.
 */
export function shareConfig(c: TcpConfig): TcpConfig {
  const copy = resolveConfig(c);
  shared.add(copy);
  return copy;
}

/**
 * Overrides as the user gave them, with Linux's rule for buffer sizes: setting either buffer size
 * (like SO_RCVBUF / SO_SNDBUF) fixes the buffers and ends auto-tuning, unless `bufferAutoTuning` is
 * given too. Apply it where user overrides meet other settings (`{ ...base, ...userBuffers(o) }`).
 */
export function userBuffers(overrides: Partial<TcpConfig>): Partial<TcpConfig> {
  if ('bufferAutoTuning' in overrides || !('receiveBufferSize' in overrides || 'sendBufferSize' in overrides)) return overrides;
  return { ...overrides, bufferAutoTuning: false };
}

export function resolveConfig(overrides?: Partial<TcpConfig>): TcpConfig {
  if (overrides !== undefined && shared.has(overrides)) return Object.create(overrides) as TcpConfig;
  const c = { ...DEFAULT_TCP_CONFIG, ...(overrides && userBuffers(overrides)) };
  if (c.minRtoMs > c.maxRtoMs) throw new RangeError('minRtoMs exceeds maxRtoMs');
  if (c.receiveBufferSize < 1 || c.sendBufferSize < 1) throw new RangeError('buffer sizes must be positive');
  if (typeof c.windowScale === 'number' && (c.windowScale < 0 || c.windowScale > 14)) {
    throw new RangeError('windowScale must be 0..14 (RFC 7323 §2.3)');
  }
  if (c.ecn !== 'off' && c.ecn !== 'on' && c.ecn !== 'passive') throw new RangeError(`ecn must be 'off', 'on' or 'passive'`);
  if (!(Number.isInteger(c.ecnMaxSynRetries) && c.ecnMaxSynRetries >= 0)) throw new RangeError('ecnMaxSynRetries must be a whole number >= 0');
  if (!(Number.isInteger(c.synRetransmitDropOptions) && c.synRetransmitDropOptions >= 0)) {
    throw new RangeError('synRetransmitDropOptions must be a whole number >= 0');
  }
  if (c.congestionControl !== 'cubic' && c.congestionControl !== 'newreno' && c.congestionControl !== 'bbr') {
    throw new RangeError(`congestionControl must be 'cubic', 'newreno' or 'bbr'`);
  }
  if (c.slowStartMaxIncrease !== undefined && !(c.slowStartMaxIncrease >= 1 && (Number.isInteger(c.slowStartMaxIncrease) || c.slowStartMaxIncrease === Infinity))) {
    throw new RangeError(`slowStartMaxIncrease must be a whole number >= 1, Infinity or undefined, got ${c.slowStartMaxIncrease}`);
  }
  if (c.sackGranularity !== 'octet' && c.sackGranularity !== 'segment') throw new RangeError(`sackGranularity must be 'octet' or 'segment'`);
  if (c.ecnReduction !== 'immediate' && c.ecnReduction !== 'prr') throw new RangeError(`ecnReduction must be 'immediate' or 'prr'`);
  if (c.connectTimeoutMs !== undefined && !(c.connectTimeoutMs > 0)) throw new RangeError('connectTimeoutMs must be positive');
  if (c.ipTtl !== undefined && !(Number.isInteger(c.ipTtl) && c.ipTtl >= 0 && c.ipTtl <= 255)) throw new RangeError(`ipTtl must be a whole number in [0, 255], got ${c.ipTtl}`);
  if (!(Number.isInteger(c.ipTos) && c.ipTos >= 0 && c.ipTos <= 255)) throw new RangeError(`ipTos must be a whole number in [0, 255], got ${c.ipTos}`);
  if (!(Number.isInteger(c.challengeAckLimit) && c.challengeAckLimit >= 0) && c.challengeAckLimit !== Infinity) {
    throw new RangeError(`challengeAckLimit must be a whole number >= 0, got ${c.challengeAckLimit}`);
  }
  if (!(c.challengeAckWindowMs > 0)) throw new RangeError(`challengeAckWindowMs must be positive, got ${c.challengeAckWindowMs}`);
  if (c.challengeAckGlobalLimit !== undefined && !(Number.isInteger(c.challengeAckGlobalLimit) && c.challengeAckGlobalLimit >= 1)) {
    throw new RangeError(`challengeAckGlobalLimit must be a whole number >= 1 or undefined, got ${c.challengeAckGlobalLimit}`);
  }
  if (!(Number.isInteger(c.minSendMss) && c.minSendMss >= 1 && c.minSendMss <= 65535)) {
    throw new RangeError(`minSendMss must be a whole number in [1, 65535], got ${c.minSendMss}`);
  }
  if (c.dropSynFin !== true && c.dropSynFin !== false && c.dropSynFin !== 'listen') throw new RangeError(`dropSynFin must be true, false or 'listen'`);
  if (c.notSentLowat !== undefined && !(c.notSentLowat >= 0)) throw new RangeError(`notSentLowat must be >= 0, got ${c.notSentLowat}`);
  if (c.windowUpdateOnRead !== 'segments' && c.windowUpdateOnRead !== 'doubled') throw new RangeError(`windowUpdateOnRead must be 'segments' or 'doubled'`);
  if (c.writeAccounting !== 'bytes' && c.writeAccounting !== 'units') throw new RangeError(`writeAccounting must be 'bytes' or 'units'`);
  if (!(c.cubicUpdateIntervalMs >= 0)) throw new RangeError(`cubicUpdateIntervalMs must be >= 0`);
  if (c.ackTimeout !== 'fixed' && c.ackTimeout !== 'ato') throw new RangeError(`ackTimeout must be 'fixed' or 'ato'`);
  if (c.receiveWindowGrowth !== 'buffer' && c.receiveWindowGrowth !== 'ramp') throw new RangeError(`receiveWindowGrowth must be 'buffer' or 'ramp'`);
  if (c.zeroWindowProbe !== 'data' && c.zeroWindowProbe !== 'ack') throw new RangeError(`zeroWindowProbe must be 'data' or 'ack'`);
  if (c.synOptionOrder !== 'linux' && c.synOptionOrder !== 'freebsd') throw new RangeError(`synOptionOrder must be 'linux' or 'freebsd'`);
  if (c.zeroWindowTimeoutMs !== undefined && !(c.zeroWindowTimeoutMs > 0)) throw new RangeError('zeroWindowTimeoutMs must be positive');
  for (const k of ['orphanRetries', 'maxOutOfOrderRanges', 'maxSackRanges'] as const) {
    if (!((Number.isInteger(c[k]) || c[k] === Infinity) && c[k] >= (k === 'orphanRetries' ? 0 : 1))) throw new RangeError(`${k} must be a whole number >= ${k === 'orphanRetries' ? 0 : 1} (or Infinity)`);
  }
  if (!(c.invalidAckRateLimitMs >= 0)) throw new RangeError('invalidAckRateLimitMs must be >= 0');
  return c;
}

/** Whether RFC 5961 §3.2 applies to RST (`rfc5961Rst`, else `rfc5961`). */
export function rfc5961RstChecks(c: TcpConfig): boolean {
  return c.rfc5961Rst ?? c.rfc5961;
}

/** Whether RFC 5961 §4.2 applies to SYN (`rfc5961Syn`, else `rfc5961`). */
export function rfc5961SynChecks(c: TcpConfig): boolean {
  return c.rfc5961Syn ?? c.rfc5961;
}

/**
 * The MSS option value for an MTU: MTU minus fixed IP and TCP headers (RFC 9293 §3.7.1, RFC 6691), so
 * 1460 for 1500 over IPv4 and 1220 for IPv6's minimum 1280. No floor above that: an MTU of 72 gives 32
 * (FreeBSD's snd-syn-mss-inherited-from-mtu-72 expects exactly that), and IPv4's minimum MTU of 68
 * (RFC 791) gives 28, where a larger MSS would make datagrams the link cannot carry. At least 1.
 */
export function mssForMtu(mtu: number, ipVersion: 4 | 6): number {
  return Math.max(mtu - (ipVersion === 4 ? 40 : 60), 1);
}

/** RFC 9293 §3.7.1: without an MSS option, assume 536 (IPv4) or 1220 (IPv6). */
export function defaultSendMss(ipVersion: 4 | 6): number {
  return ipVersion === 4 ? 536 : 1220;
}

/** The smallest shift that lets `bytes` be advertised in the 16-bit window field, at most 14 (RFC 7323 §2.3). */
export function windowScaleFor(bytes: number): number {
  let shift = 0;
  while (shift < 14 && bytes >>> shift > 0xffff) shift++;
  return shift;
}

/**
 * The shift count our SYN or SYN-ACK offers (RFC 7323 §2.2). 'auto': the smallest that lets the
 * largest buffer the connection may have be advertised (with auto-tuning, `receiveBufferMax`, as
 * Linux chooses from tcp_rmem[2]), but never so large that the initial buffer spans fewer than 16
 * units of the scaled window: a tiny buffer under a large shift would advertise nothing at all.
 */
export function offeredWindowScale(c: TcpConfig): number {
  // A shared config never changes (shareConfig), so its answer is worked out once, not per connection.
  if (shared.has(c)) {
    let shift = sharedShift.get(c);
    if (shift === undefined) sharedShift.set(c, (shift = computeOfferedWindowScale(c)));
    return shift;
  }
  return computeOfferedWindowScale(c);
}

/** Whether `c` was made by shareConfig (so resolveConfig of it is a view with no fields of its own). */
export function isSharedConfig(c: Partial<TcpConfig> | undefined): c is TcpConfig {
  return c !== undefined && shared.has(c);
}

/** offeredWindowScale of configs made by shareConfig. */
const sharedShift = new WeakMap<object, number>();

function computeOfferedWindowScale(c: TcpConfig): number {
  const scale = c.windowScale;
  if (scale !== 'auto') return scale;
  // Each field read once: `c` is often a connection's view of a shared config (a prototype lookup).
  const size = c.receiveBufferSize;
  const largest = c.bufferAutoTuning ? Math.max(size, c.receiveBufferMax) : size;
  let fine = 0;
  while (fine < 14 && 32 << fine <= size) fine++; // 2^(fine+1) * 16 <= size
  return Math.min(windowScaleFor(largest), Math.max(windowScaleFor(size), fine));
}
