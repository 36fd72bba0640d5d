/**
 * The TCB's state grouped by concern. Each group is made on the first change from its defaults and
 * dropped when all of it is back to them (Tcb.releaseIdleState: at establishment and when everything
 * sent is acknowledged), so that a million idle connections do not each carry the fifty-odd fields
 * they never touch. A Tcb reads a group through a getter that gives the shared defaults while it has
 * none (`tcb.recovery.inRecovery`), and writes through `tcb.ownRecovery()`, which makes it; a write of
 * a default value to a group the Tcb does not hold is skipped (`if (tcb.recoveryState) ...`).
 */
import type { FastOpenState } from './fast-open.js';
import type { RecordBoundaries } from './records.js';
import type { MtuProbeState } from './mtu-probe.js';
import type { Segment } from './segment.js';
import type { TcbTracer } from './trace.js';

/** Loss recovery and retransmission bookkeeping (RFC 6675, RFC 6582, RFC 8985, RFC 3522, RFC 3708; Karn's rule of RFC 6298). */
export class RecoveryState {
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
  /** Retransmission timeouts on this connection (the name is older than fast retransmit). */
  totalRetransmits = 0;
  /** RTT timing of one segment when timestamps are off (Karn: cleared on retransmission). */
  rttSeq: number | undefined;
  rttStart = 0;
  /**
   * With timestamps: the TSval of our latest retransmission, until SND.UNA passes `retransmitHigh`
   * (SND.MAX when it was sent). Karn's rule applied to timestamps (see newAck).
   */
  retransmitTsval: number | undefined;
  retransmitHigh = 0;

  /** Every field at its default (rttStart, retransmitHigh mean nothing while the value they go with is at its default). */
  isIdle(): boolean {
    return (
      this.fastRetransmitPending === false &&
      this.inRecovery === false &&
      this.recover === undefined &&
      this.renoSacked === 0 &&
      this.partialAcks === 0 &&
      this.lossTimerKind === 'probe' &&
      this.tlpHighSeq === undefined &&
      this.tlpRetrans === false &&
      this.tlpPending === false &&
      this.undoTsval === undefined &&
      this.undoArmed === false &&
      this.undoRetrans === -1 &&
      this.undoAfterRto === false &&
      this.totalRetransmits === 0 &&
      this.rttSeq === undefined &&
      this.retransmitTsval === undefined
    );
  }
}

/** What a Tcb without its own RecoveryState reads (never written). */
export const RECOVERY_IDLE: Readonly<RecoveryState> = new RecoveryState();

/** ECN (RFC 3168): negotiation, echoing CE marks, and announcing window reductions. */
export class EcnState {
  /** One of our SYNs was an ECN-setup SYN (ECE and CWR), so an ECN-setup SYN-ACK may enable ECN. */
  requested = false;
  /** A CE mark arrived: our ACKs carry ECE until a segment with CWR does (RFC 3168 §6.1.3). */
  echo = false;
  /** We reduced the window: the next new data segment carries CWR (RFC 3168 §6.1.2). */
  cwrPending = false;
  /** SND.MAX when we last answered an ECE: no second reduction until it is acknowledged (§6.1.2). */
  recover: number | undefined;
  /**
   * With `ecnReduction: 'prr'`: the reduction for an ECE is being spread by PRR (Linux's CWR state)
   * until SND.UNA reaches `recover`.
   */
  cwr = false;

  /** Every field at its default. */
  isIdle(): boolean {
    return (
      this.cwr === false &&
      this.requested === false &&
      this.echo === false &&
      this.cwrPending === false &&
      this.recover === undefined
    );
  }
}

/** What a Tcb without its own EcnState reads (never written). */
export const ECN_IDLE: Readonly<EcnState> = new EcnState();

/** Zero-window probing (RFC 9293 §3.8.6.1) and keep-alive (§3.8.4). */
export class ProbeState {
  persistBackoff = 0;
  /** When the first probe of this zero window went (meaningful while persistBackoff > 0). */
  persistSince = 0;
  keepAliveProbesSent = 0;
  /** Send one byte into a zero window at the next pollTransmit (a window probe). */
  forceProbe = false;

  /** Every field at its default. */
  isIdle(): boolean {
    return (
      this.persistBackoff === 0 &&
      this.keepAliveProbesSent === 0 &&
      this.forceProbe === false
    );
  }
}

/** What a Tcb without its own ProbeState reads (never written). */
export const PROBES_IDLE: Readonly<ProbeState> = new ProbeState();

/** The close (RFC 9293 §3.6): the FINs each way and what the user asked for. */
export class CloseState {
  /** The user asked for a FIN (shutdown or close). */
  finRequested: boolean = false;
  /** Sequence number our FIN occupies, once it has been sent. */
  finSeq: number | undefined;
  /** Sequence number of the peer's FIN, once seen (possibly ahead of RCV.NXT). */
  peerFinSeq: number | undefined;
  /** The user called close(): nothing will read any more (RFC 9293 §3.6 half-duplex close). */
  userClosed: boolean = false;
  endSignalled = false;

  /** Every field at its default. */
  isIdle(): boolean {
    return (
      this.finRequested === false &&
      this.finSeq === undefined &&
      this.peerFinSeq === undefined &&
      this.userClosed === false &&
      this.endSignalled === false
    );
  }
}

/** What a Tcb without its own CloseState reads (never written). */
export const CLOSING_IDLE: Readonly<CloseState> = new CloseState();

/** The rest of what an idle ESTABLISHED connection does not use: handshake details, urgent data, D-SACK and SACK-block reporting, control segments, pacing, soft errors, tracing. */
export class TcbRare {
  /** The last soft ICMP error accepted for this connection (RFC 5461), told with a later timeout. */
  softError: string | undefined;
  /** Our SYNs carry only the MSS option from now on (`synRetransmitDropOptions`). */
  synOptionsDropped = false;
  /** A LISTEN TCB (not a child made by a stack's listener) goes back to LISTEN when its attempt fails. */
  returnsToListen = false;
  /** Established from a SYN cookie: when our SYN-ACK went is unknown, so the handshake gives no RTT sample. */
  handshakeUntimed = false;
  sendRefused = false;
  urgentPending = false;
  sndUp = 0;
  rcvUp = 0;
  /** When we last answered a bare ACK that failed the sequence check (see synchronizedInput). */
  behindAckReplyAt = -Infinity;
  /** A D-SACK block to report first on the next ACK (RFC 2883 §4), or undefined. */
  dsackLeft: number | undefined;
  dsackRight = 0;
  /** Left edges of out-of-order blocks, most recently changed first (RFC 2018 §4's block order). */
  sackRecent: number[] | undefined;
  /** Control segments (RSTs) waiting for pollTransmit; undefined when none (no array per idle connection). */
  control: Segment[] | undefined;
  /** Pacing: when the next data segment may go, and the timer set for it (Tcb.pace). */
  pacingNextAt: number | undefined;
  /** Trace hooks (trace.ts), only while tracing: a traced TCB keeps its TcbRare. */
  tracer: TcbTracer | undefined;
  /** Corked (Tcb.setCork, Linux's TCP_CORK): a short segment at the tail of the queue waits. */
  corked = false;
  /** The latest SEND said more is coming (Tcb.send's `more`, Linux's MSG_MORE): the queue's tail is not pushed (no PSH). */
  moreToCome = false;
  /** ...and until the next SEND or acknowledgment, a short segment at the tail waits for it. */
  moreHeld = false;
  /** An explicit flush (Tcb.push): queued data up to this sequence number goes even in short segments. */
  pushUpTo: number | undefined;
  /** nagle 'minshall': the end of the last short segment of new data sent (Linux's snd_sml). */
  shortSentEnd: number | undefined;
  /** TCP Fast Open (fast-open.ts), on a connection that used it: a Fast Open connection keeps its TcbRare. */
  fastOpen: FastOpenState | undefined;
  /** Record boundaries in the send queue (Tcb.endRecord, Linux's MSG_EOR; records.ts), while any is unacknowledged. */
  records: RecordBoundaries | undefined;
  /** Packetization-layer path MTU discovery (mtu-probe.ts), on a connection that probes. */
  mtuProbe: MtuProbeState | undefined;
  /** A new route MTU, taken once the connection has sent (mtu-probe.ts routeMtuChanged). */
  routeMtuPending: number | undefined;
  /** Something was sent since routeMtuPending was set. */
  routeMtuSent = false;

  /** Every field at its default (dsackRight means nothing while the value they go with is at its default). */
  isIdle(): boolean {
    return (
      this.softError === undefined &&
      this.synOptionsDropped === false &&
      this.returnsToListen === false &&
      this.handshakeUntimed === false &&
      this.sendRefused === false &&
      this.urgentPending === false &&
      this.sndUp === 0 &&
      this.rcvUp === 0 &&
      this.behindAckReplyAt === -Infinity &&
      this.dsackLeft === undefined &&
      this.sackRecent === undefined &&
      this.control === undefined &&
      this.pacingNextAt === undefined &&
      this.tracer === undefined &&
      this.corked === false &&
      this.moreToCome === false &&
      this.moreHeld === false &&
      this.pushUpTo === undefined &&
      this.shortSentEnd === undefined &&
      this.fastOpen === undefined &&
      this.records === undefined &&
      this.mtuProbe === undefined &&
      this.routeMtuPending === undefined
    );
  }
}

/** What a Tcb without its own TcbRare reads (never written). */
export const RARE_IDLE: Readonly<TcbRare> = new TcbRare();

/** Which of TcbInfo's chronographs runs (Linux's enum tcp_chrono: a higher one takes precedence). */
export const enum Chrono {
  /** Nothing queued or outstanding. */
  Idle = 0,
  /** Data queued or outstanding, sent as fast as cwnd allows. */
  Busy = 1,
  /** New data waits for the peer's window. */
  RwndLimited = 2,
  /** A write waits for room in the send buffer while everything in it has been sent. */
  SndbufLimited = 3,
}

/**
 * What a connection has done, for tcp_info (RFC 4898's per-connection statistics, as Linux's
 * tcp_get_info reports them). Made with the first data sent or received, and kept: a connection
 * that only shook hands holds none (the first data's time stands in for what came before).
 */
export class TcbInfo {
  /** When data last went out (new or again), and last arrived (in or out of order). */
  lastDataSentAt: number;
  lastDataRecvAt: number;
  /** The largest data segment received so far, at most our MSS (Linux's rcv_mss estimate). */
  rcvMss: number;
  /** Segments and data octets sent again (Linux's total_retrans, bytes_retrans). */
  totalRetrans = 0;
  bytesRetrans = 0;
  /** Data octets sent, retransmissions included (bytes_sent). */
  bytesSent = 0;
  /** Segments received and sent, pure ACKs and retransmissions included (segs_in, segs_out). */
  segsIn = 0;
  segsOut = 0;
  /** Segments with data received and sent, retransmissions included (data_segs_in, data_segs_out). */
  dataSegsIn = 0;
  dataSegsOut = 0;
  /** Segments the peer acknowledged or SACKed (delivered; the SYN is added by the reader). */
  delivered = 0;
  /** ACKs that showed reordering (reord_seen). */
  reordSeen = 0;
  /** Of the delivered segments, those acknowledged by an ACK with ECE (delivered_ce). */
  deliveredCe = 0;
  /** Segments the peer reported by D-SACK as received twice (dsack_dups). */
  dsackDups = 0;
  /** Data segments that arrived out of order and were held (rcv_ooopack). */
  rcvOooPackets = 0;
  /** The running chronograph, since when, and each one's total so far (ms). */
  chrono: Chrono = Chrono.Idle;
  chronoSince = 0;
  busyMs = 0;
  rwndLimitedMs = 0;
  sndbufLimitedMs = 0;

  // Times are kept in whole ms (as Linux's jiffies; and a small integer is no boxed number).
  constructor(now: number, lastDataRecvAt: number, rcvMss: number) {
    this.lastDataSentAt = Math.floor(now);
    this.lastDataRecvAt = Math.floor(lastDataRecvAt);
    this.rcvMss = rcvMss;
  }

  /** Switch the chronograph to `to` at `now`, adding the time of the one that ran. */
  setChrono(to: Chrono, now: number): void {
    if (to === this.chrono) return;
    const ms = Math.floor(now);
    this.stopChrono(ms);
    this.chrono = to;
    this.chronoSince = ms;
  }

  private stopChrono(now: number): void {
    const ran = Math.max(0, now - this.chronoSince);
    if (this.chrono === Chrono.Busy) this.busyMs += ran;
    else if (this.chrono === Chrono.RwndLimited) this.rwndLimitedMs += ran;
    else if (this.chrono === Chrono.SndbufLimited) this.sndbufLimitedMs += ran;
  }

  /** The three totals at `now` in microseconds, of whole milliseconds (Linux counts jiffies). */
  chronoTotals(now: number): { busy: number; rwndLimited: number; sndbufLimited: number } {
    const ran = Math.max(0, Math.floor(now) - this.chronoSince);
    const us = (ms: number) => ms * 1000;
    return {
      busy: us(this.busyMs + (this.chrono === Chrono.Busy ? ran : 0)),
      rwndLimited: us(this.rwndLimitedMs + (this.chrono === Chrono.RwndLimited ? ran : 0)),
      sndbufLimited: us(this.sndbufLimitedMs + (this.chrono === Chrono.SndbufLimited ? ran : 0)),
    };
  }
}
