/**
 * Counters named after the TCP MIB (RFC 4022) and Linux's `netstat -s` / nstat names. One object is
 * shared by every connection of a stack; a TCB made on its own gets one of its own.
 */
export class TcpStats {
  /** Connections that went SYN-SENT from CLOSED. */
  ActiveOpens = 0;
  /** Connections that went SYN-RECEIVED from LISTEN. */
  PassiveOpens = 0;
  /** SYN-SENT/SYN-RECEIVED to CLOSED, or SYN-RECEIVED back to LISTEN. */
  AttemptFails = 0;
  /** ESTABLISHED/CLOSE-WAIT to CLOSED by a RST. */
  EstabResets = 0;
  InSegs = 0;
  OutSegs = 0;
  RetransSegs = 0;
  /** Segments received in error (bad checksum, malformed). */
  InErrs = 0;
  OutRsts = 0;
  /** RFC 5961 challenge ACKs sent, and those the rate limit suppressed. */
  TCPChallengeACK = 0;
  TCPChallengeACKSuppressed = 0;
  /** Peer MSS options below `minSendMss`, raised to it (synack's own counter; Linux has none). */
  TCPMssFloored = 0;
  /** Window scale options above 14 taken as 14 (RFC 7323 §2.3; Linux logs "Illegal window scaling value"). */
  TCPWscaleClamped = 0;
  /** Segments with SYN and FIN dropped unanswered in LISTEN or SYN-SENT (`dropSynFin`). */
  TCPSynFinDrops = 0;
  /** Segments dropped for a malformed option list: a length below 2, or one running past the header. */
  TCPBadOptionDrops = 0;
  /** RFC 7323 PAWS rejections. */
  PAWSEstab = 0;
  /** Segments dropped for lacking a timestamp once timestamps were negotiated (RFC 7323 §3.2). */
  TCPMissingTimestampDrops = 0;
  /** Unacceptable segments answered with an ACK (RFC 9293 §3.10.7.4). */
  TCPOutOfWindowAcks = 0;
  /** Connections aborted by R2, keep-alive or user timeout. */
  TCPTimeouts = 0;
  TCPKeepAliveProbes = 0;
  TCPWindowProbes = 0;
  /** Data segments that arrived ahead of RCV.NXT and were queued. */
  TCPOFOQueue = 0;
  /** Out-of-order segments dropped because `maxOutOfOrderRanges` ranges were held (synack's own). */
  TCPOFODropRanges = 0;
  /** Times receive-buffer auto-tuning raised the buffer (synack's own counter; Linux has none). */
  TCPRcvBufGrown = 0;
  /** Duplicate data (entirely before RCV.NXT). */
  TCPDupData = 0;
  DelayedACKs = 0;
  /**
   * Duplicate acknowledgments received, as RFC 5681 §2 defines them: data outstanding, no data, no
   * SYN or FIN, SEG.ACK = SND.UNA and the same window as before (FreeBSD's "duplicate acks").
   */
  DupAcks = 0;
  /** Fast retransmits: recoveries entered on the third duplicate ACK (RFC 5681 §3.2; Linux's TCPFastRetrans counts their segments). */
  TCPFastRetrans = 0;
  /** Fast recoveries entered with SACK (RACK-detected loss) and without (NewReno's three duplicate ACKs). */
  TCPSackRecovery = 0;
  TCPRenoRecovery = 0;
  /** ACKs that showed reordering: a segment never retransmitted delivered below one delivered before (RFC 8985 §6.2 step 3). */
  TCPSACKReorder = 0;
  /** SACK blocks ignored: malformed, or outside SND.UNA..SND.MAX (RFC 2883 §4). */
  TCPSACKDiscard = 0;
  /** SACK blocks ignored because the scoreboard held `maxSackRanges` ranges (synack's own). */
  TCPSACKDiscardRanges = 0;
  /** Answers to out-of-window pure ACKs left unsent by `invalidAckRateLimitMs` (Linux: TCPACKSkippedSeq). */
  TCPACKSkippedSeq = 0;
  /** Orphans reset after `orphanRetries` zero-window probes, or connections after `zeroWindowTimeoutMs` (Linux counts both in TCPAbortOnTimeout). */
  TCPAbortOnPersist = 0;
  /** D-SACK blocks received (RFC 2883). */
  TCPDSACKRecv = 0;
  /** D-SACK blocks sent: for data below RCV.NXT, and for out-of-order data already held. */
  TCPDSACKOldSent = 0;
  TCPDSACKOfoSent = 0;
  /** SACK blocks sent (D-SACK blocks included). */
  TCPSackBlocksSent = 0;
  /** Tail loss probes sent (RFC 8985 §7), and those that repaired a loss. */
  TCPLossProbes = 0;
  TCPLossProbeRecovery = 0;
  /** Window reductions undone: all retransmissions D-SACKed (RFC 3708), or timestamps (RFC 3522) in fast recovery. */
  TCPDSACKUndo = 0;
  TCPFullUndo = 0;
  /** Retransmission timeouts found spurious by timestamps (RFC 3522), and every undo of a reduction. */
  TCPSpuriousRTOs = 0;
  TCPLossUndo = 0;
  // TCP Fast Open (RFC 7413), as Linux names them.
  /** SYN data acknowledged by the SYN-ACK (the client's Fast Open worked). */
  TCPFastOpenActive = 0;
  /** SYN data not acknowledged by the SYN-ACK, or its SYN timed out (sent again after the handshake, or on a plain SYN). */
  TCPFastOpenActiveFail = 0;
  /** SYNs whose data was accepted by a Fast Open listener (valid cookie, or none required). */
  TCPFastOpenPassive = 0;
  /** SYNs with a Fast Open cookie that did not validate: the data was ignored, a fresh cookie sent. */
  TCPFastOpenPassiveFail = 0;
  /** Fast Open SYNs a listener handled as plain SYNs because its pending Fast Open queue was full (max_qlen). */
  TCPFastOpenListenOverflow = 0;
  /** SYNs that asked for a cookie (a Fast Open option without one). */
  TCPFastOpenCookieReqd = 0;
  /** Paths marked after a SYN with data timed out: Fast Open is off toward them for a while (RFC 7413 §4.1.3). */
  TCPFastOpenBlackhole = 0;
  /** ICMP errors quoting a sequence number outside SND.UNA..SND.NXT, ignored (RFC 5927 §4.1; Linux's OutOfWindowIcmps). */
  OutOfWindowIcmps = 0;
  /** Path MTU probes acknowledged: the MSS grew (RFC 4821 §7.6.1; Linux's TCPMTUPSuccess). */
  TCPMTUPSuccess = 0;
  /** Path MTU probes lost: the search range's top came below them (RFC 4821 §7.6.2; Linux's TCPMTUPFail). */
  TCPMTUPFail = 0;
}
