/**
 * The part of a TCB an idle ESTABLISHED connection does not use: loss recovery, urgent data, ECN,
 * keep-alive and persist state, timers that seldom run, handshake details. A Tcb makes one on the
 * first change from these defaults and drops it when it is all back to them (see Tcb), so that a
 * million idle connections do not each carry some forty fields they never touch.
 */
import type { Segment } from './segment.js';
import type { TcbTracer } from './trace.js';

export class TcbRare {
  /** The last soft ICMP error accepted for this connection (RFC 5461), told with a later timeout. */
  softError: string | undefined;
  /** One of our SYNs was an ECN-setup SYN (ECE and CWR), so an ECN-setup SYN-ACK may enable ECN. */
  ecnRequested = false;
  /** A CE mark arrived: our ACKs carry ECE until a segment with CWR does (RFC 3168 §6.1.3). */
  ecnEcho = false;
  /** We reduced the window: the next new data segment carries CWR (RFC 3168 §6.1.2). */
  ecnCwrPending = false;
  /** SND.MAX when we last answered an ECE: no second reduction until it is acknowledged (§6.1.2). */
  ecnRecover: number | undefined;
  /** Our SYNs carry only the MSS option from now on (`synRetransmitDropOptions`). */
  synOptionsDropped = false;
  /** A LISTEN TCB (not a child made by a stack's listener) goes back to LISTEN when its attempt fails. */
  returnsToListen = false;
  persistAt: number | undefined;
  keepAliveAt: number | undefined;
  /** TIME-WAIT's 2*MSL, or the FIN-WAIT-2 timeout of a closed connection. */
  closeAt: number | undefined;
  userTimeoutAt: number | undefined;
  /** The connection-establishment timer (`connectTimeoutMs`, FreeBSD's keepinit): SYN-SENT and SYN-RECEIVED only. */
  connectTimeoutAt: number | undefined;
  /** Send the segment at SND.UNA again at the next pollTransmit (NewReno's fast retransmit, or a partial ACK's). */
  fastRetransmitPending = false;
  /** In fast recovery (RFC 6675 §5 / RFC 6582): between the loss detected and `recover` acknowledged. */
  inRecovery = false;
  /** RecoveryPoint (RFC 6675) / `recover` (RFC 6582), kept as SND.MAX at the start (one past the RFC's). */
  recover: number | undefined;
  /** Without SACK: octets the duplicate ACKs say reached the peer above SND.UNA (one SMSS each, Linux's reno sacked_out). */
  renoSacked = 0;
  /** Partial ACKs in this NewReno recovery (the first restarts the timer, RFC 6582 §3.2 step 5). */
  partialAcks = 0;
  /** What lossTimerAt is for. */
  lossTimerKind: 'reorder' | 'probe' = 'probe';
  /** TLPRxtOut / TLPHighRxt (RFC 8985 §7): a probe is out, until SEG.ACK passes this SND.MAX. */
  tlpHighSeq: number | undefined;
  /** The probe was a retransmission (so a D-SACK of it shows there was no loss). */
  tlpRetrans = false;
  /** Send a loss probe at the next pollTransmit. */
  tlpPending = false;
  /** Spurious-retransmission detection for the latest reduction (RFC 3522 Eifel, RFC 3708 D-SACK). */
  undoTsval: number | undefined;
  /** The first retransmission of the episode is still to go (its TSval becomes undoTsval). */
  undoArmed = false;
  /** Retransmissions of this episode not yet shown spurious by a D-SACK (Linux's undo_retrans); -1 when undo is off. */
  undoRetrans = -1;
  /** The reduction being undone came from a timeout. */
  undoAfterRto = false;
  /** A D-SACK block to report first on the next ACK (RFC 2883 §4), or undefined. */
  dsackLeft: number | undefined;
  /** Retransmission timeouts on this connection (the name is older than fast retransmit). */
  totalRetransmits = 0;
  persistBackoff = 0;
  keepAliveProbesSent = 0;
  /** When we last answered a bare ACK one octet behind RCV.NXT (see synchronizedInput). */
  behindAckReplyAt = -Infinity;
  /** RTT timing of one segment when timestamps are off (Karn: cleared on retransmission). */
  rttSeq: number | undefined;
  rttStart = 0;
  /**
   * With timestamps: the TSval of our latest retransmission, until SND.UNA passes `retransmitHigh`
   * (SND.MAX when it was sent). Karn's rule applied to timestamps (see newAck).
   */
  retransmitTsval: number | undefined;
  synSentAt = 0;
  /** Established from a SYN cookie: when our SYN-ACK went is unknown, so the handshake gives no RTT sample. */
  handshakeUntimed = false;
  sendRefused = false;
  endSignalled = false;
  urgentPending = false;
  /** Send one byte into a zero window at the next pollTransmit (a window probe). */
  forceProbe = false;

  /** The user asked for a FIN (shutdown or close). */
  finRequested: boolean = false;
  /** Sequence number our FIN occupies, once it has been sent. */
  finSeq: number | undefined;
  /** Sequence number of the peer's FIN, once seen (possibly ahead of RCV.NXT). */
  peerFinSeq: number | undefined;
  /** The user called close(): nothing will read any more (RFC 9293 §3.6 half-duplex close). */
  userClosed: boolean = false;
  /** RACK's reorder timer, or TLP's probe timeout (RFC 8985 §6.3, §7.2): a deadline or undefined. */
  lossTimerAt: number | undefined;
  /** Pacing: when the next data segment may go, and the timer set for it (Tcb.pace). */
  pacingNextAt: number | undefined;
  pacingAt: number | undefined;
  /** Left edges of out-of-order blocks, most recently changed first (RFC 2018 §4's block order). */
  sackRecent: number[] | undefined;
  /** Control segments (RSTs) waiting for pollTransmit; undefined when none (no array per idle connection). */
  control: Segment[] | undefined;
  sndUp = 0;
  rcvUp = 0;
  dsackRight = 0;
  retransmitHigh = 0;
  /** Trace hooks (trace.ts), only while tracing: a traced TCB keeps its TcbRare. */
  tracer: TcbTracer | undefined;

  /**
   * Everything at its default, except values that mean nothing while another is at its default: the
   * SYN's send time (the handshake is over), rttStart (no rttSeq), dsackRight (no dsackLeft),
   * retransmitHigh (no retransmitTsval).
   */
  isIdle(): boolean {
    return (
      this.softError === RARE_DEFAULTS.softError &&
      this.ecnRequested === RARE_DEFAULTS.ecnRequested &&
      this.ecnEcho === RARE_DEFAULTS.ecnEcho &&
      this.ecnCwrPending === RARE_DEFAULTS.ecnCwrPending &&
      this.ecnRecover === RARE_DEFAULTS.ecnRecover &&
      this.synOptionsDropped === RARE_DEFAULTS.synOptionsDropped &&
      this.returnsToListen === RARE_DEFAULTS.returnsToListen &&
      this.persistAt === RARE_DEFAULTS.persistAt &&
      this.keepAliveAt === RARE_DEFAULTS.keepAliveAt &&
      this.closeAt === RARE_DEFAULTS.closeAt &&
      this.userTimeoutAt === RARE_DEFAULTS.userTimeoutAt &&
      this.connectTimeoutAt === RARE_DEFAULTS.connectTimeoutAt &&
      this.fastRetransmitPending === RARE_DEFAULTS.fastRetransmitPending &&
      this.inRecovery === RARE_DEFAULTS.inRecovery &&
      this.recover === RARE_DEFAULTS.recover &&
      this.renoSacked === RARE_DEFAULTS.renoSacked &&
      this.partialAcks === RARE_DEFAULTS.partialAcks &&
      this.lossTimerKind === RARE_DEFAULTS.lossTimerKind &&
      this.tlpHighSeq === RARE_DEFAULTS.tlpHighSeq &&
      this.tlpRetrans === RARE_DEFAULTS.tlpRetrans &&
      this.tlpPending === RARE_DEFAULTS.tlpPending &&
      this.undoTsval === RARE_DEFAULTS.undoTsval &&
      this.undoArmed === RARE_DEFAULTS.undoArmed &&
      this.undoRetrans === RARE_DEFAULTS.undoRetrans &&
      this.undoAfterRto === RARE_DEFAULTS.undoAfterRto &&
      this.dsackLeft === RARE_DEFAULTS.dsackLeft &&
      this.totalRetransmits === RARE_DEFAULTS.totalRetransmits &&
      this.persistBackoff === RARE_DEFAULTS.persistBackoff &&
      this.keepAliveProbesSent === RARE_DEFAULTS.keepAliveProbesSent &&
      this.behindAckReplyAt === RARE_DEFAULTS.behindAckReplyAt &&
      this.rttSeq === RARE_DEFAULTS.rttSeq &&
      this.retransmitTsval === RARE_DEFAULTS.retransmitTsval &&
      this.handshakeUntimed === RARE_DEFAULTS.handshakeUntimed &&
      this.sendRefused === RARE_DEFAULTS.sendRefused &&
      this.endSignalled === RARE_DEFAULTS.endSignalled &&
      this.urgentPending === RARE_DEFAULTS.urgentPending &&
      this.forceProbe === RARE_DEFAULTS.forceProbe &&
      this.finRequested === RARE_DEFAULTS.finRequested &&
      this.finSeq === RARE_DEFAULTS.finSeq &&
      this.peerFinSeq === RARE_DEFAULTS.peerFinSeq &&
      this.userClosed === RARE_DEFAULTS.userClosed &&
      this.lossTimerAt === RARE_DEFAULTS.lossTimerAt &&
      this.pacingNextAt === RARE_DEFAULTS.pacingNextAt &&
      this.pacingAt === RARE_DEFAULTS.pacingAt &&
      this.sackRecent === RARE_DEFAULTS.sackRecent &&
      this.control === RARE_DEFAULTS.control &&
      this.tracer === undefined &&
      this.sndUp === RARE_DEFAULTS.sndUp &&
      this.rcvUp === RARE_DEFAULTS.rcvUp
    );
  }
}

/**
 * The defaults, read while a Tcb has no TcbRare of its own. Never written (Tcb's setters make the
 * connection its own first); not frozen, so that it has the same shape as every TcbRare.
 */
export const RARE_DEFAULTS: Readonly<TcbRare> = new TcbRare();
