/**
 * The TCB's state grouped by concern. Each group is made on the first change from its defaults and
 * dropped when all of it is back to them (Tcb.releaseIdleState: at establishment and when everything
 * sent is acknowledged), so that a million idle connections do not each carry the fifty-odd fields
 * they never touch. A Tcb reads a group through a getter that gives the shared defaults while it has
 * none (`tcb.recovery.inRecovery`), and writes through `tcb.ownRecovery()`, which makes it; a write of
 * a default value to a group the Tcb does not hold is skipped (`if (tcb.recoveryState) ...`).
 */
import type { FastOpenState } from './fast-open.js';
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

  /** Every field at its default. */
  isIdle(): boolean {
    return (
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
  synSentAt = 0;
  /** Established from a SYN cookie: when our SYN-ACK went is unknown, so the handshake gives no RTT sample. */
  handshakeUntimed = false;
  sendRefused = false;
  urgentPending = false;
  sndUp = 0;
  rcvUp = 0;
  /** When we last answered a bare ACK one octet behind RCV.NXT (see synchronizedInput). */
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
  /** TCP Fast Open (fast-open.ts), on a connection that used it: a Fast Open connection keeps its TcbRare. */
  fastOpen: FastOpenState | undefined;

  /** Every field at its default (synSentAt, dsackRight mean nothing while the value they go with is at its default). */
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
      this.fastOpen === undefined
    );
  }
}

/** What a Tcb without its own TcbRare reads (never written). */
export const RARE_IDLE: Readonly<TcbRare> = new TcbRare();
