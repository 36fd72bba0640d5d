/**
 * TIME-WAIT kept compact: once a connection enters TIME-WAIT the stack keeps only what that state needs
 * to answer the peer (RFC 9293 §3.10.7.4), as Linux's inet_timewait_sock and FreeBSD's tcptw do: the
 * 4-tuple, SND.NXT, RCV.NXT, the window, TS.Recent and our timestamp clock, and the 2*MSL deadline. No
 * buffers, no timers but one. Its answers are the TCB's in TIME-WAIT: the same acceptance logic
 * (acceptance.ts) in the same order: PAWS, the sequence check, RST (RFC 1337, RFC 5961 §3.2), SYN
 * (RFC 5961 §4.2), the ACK check (RFC 5961 §5.2) and the FIN.
 */
import { seqAdd, seqLe, seqLt, TcpFlag } from '../wire/index.js';
import { acceptable, ackInRange, pawsReject, timeWaitAnswersAck, trimToWindow, updatesTsRecent } from './acceptance.js';
import { type ChallengeAckBudget, ChallengeAckLimiter } from './challenge-ack.js';
import { rfc5961RstChecks, rfc5961SynChecks, type TcpConfig } from './config.js';
import { CE } from './ecn.js';
import { EMPTY_PAYLOAD, makeSegment, type Segment } from './segment.js';
import type { TcpStats } from './stats.js';
import type { Tcb } from './tcb.js';
import { Timer } from './timers.js';
import { receiveWindow } from './window.js';

const NO_OPTIONS = Object.freeze({});

/** What the stack does after a segment reached a TIME-WAIT entry. */
export const TimeWaitAnswer = {
  /** Nothing to send. */
  None: 0,
  /** Send `ackSegment()`. */
  Ack: 1,
  /** Send `resetSegment()` and end the entry (RFC 793's answer to an in-window SYN, rfc5961Syn off). */
  ResetAndClose: 2,
} as const;
export type TimeWaitAnswer = (typeof TimeWaitAnswer)[keyof typeof TimeWaitAnswer];

/**
 * The TIME-WAIT record of one connection, built from its TCB in TIME-WAIT. `E` is the caller's
 * endpoint type (the stack's address and port) and `O` what the record's owner is.
 */
export class TimeWait<E extends { readonly port: number } = { readonly port: number }, O extends object = object> {
  /**
   * SND.NXT, RCV.NXT and TS.Recent kept as signed 32-bit integers (read unsigned through the getters
   * below): a record lives for 2*MSL, so it outlives a scavenge, and an unsigned value above 2^31 in
   * a field would be a boxed number (a separate heap object) for the collector to copy with it.
   */
  private readonly sndNxt32: number;
  private readonly rcvNxt32: number;
  private tsRecent32: number;
  get sndNxt(): number {
    return this.sndNxt32 >>> 0;
  }
  get rcvNxt(): number {
    return this.rcvNxt32 >>> 0;
  }
  get tsRecent(): number {
    return this.tsRecent32 >>> 0;
  }
  set tsRecent(v: number) {
    this.tsRecent32 = v | 0;
  }
  /** RCV.WND in bytes, what the TCB tested segments against (what remains of the window advertised). */
  readonly rcvWnd: number;
  /** The window field of our ACKs (scaled). */
  readonly windowField: number;
  /** RFC 5961 §5.2's MAX.SND.WND, for the ACK check. */
  readonly maxSndWnd: number;
  readonly timestamps: boolean;
  tsRecentTime: number;
  /** Our TSval is floor(now) + tsOffset (RFC 7323 §5.4), as the TCB's. */
  readonly tsOffset: number;
  readonly ecnEnabled: boolean;
  /** RFC 3168 §6.1.3: ECE on our ACKs until the peer's CWR. */
  ecnEcho: boolean;
  /** When the connection entered TIME-WAIT (for the listing's age). */
  readonly since: number;
  /** The 2*MSL deadline; a retransmitted FIN moves it. */
  expiresAt: number;
  /** Its position in the stack's heap of TIME-WAIT deadlines (stack/timer-heap.ts), -1 when not filed. */
  heapIndex = -1;
  readonly config: TcpConfig;
  /**
   * The application's handle: when the entry ends it goes to CLOSED (its 'closed' event), as it did
   * when the TCB itself timed out. Held strongly, not by a WeakRef: V8 keeps a WeakRef's target alive
   * until the current job ends and clears it only in a major collection, so weakly held connections
   * survived scavenges and cost the collector more than holding them (README, Performance notes), and
   * the 'closed' of a connection the application had let go of was lost to a major collection. What
   * it keeps is small (the stack has the TCB release its transfer state: Tcb.releaseForTimeWait).
   * Nothing sent on the wire depends on it.
   */
  owner: O | undefined;
  /**
   * The record's own challenge-ACK limit (RFC 5961 §7), as Linux keeps tw_last_oow_ack_time per
   * record: a budget shared with connections would let a connection spend what answers this 4-tuple
   * (challenge-ack.ts). Made at its first challenge ACK.
   */
  private challengeAcks: ChallengeAckLimiter | undefined;

  /**
   * The record of a TCB in TIME-WAIT: SND.MAX (the FIN's sequence number plus one), RCV.NXT, what
   * remains of the window last advertised (TIME-WAIT's right edge stays where it is), TS.Recent, our
   * timestamp clock, the ECE still owed (RFC 3168 §6.1.3) and the 2*MSL deadline.
   */
  constructor(
    readonly local: E,
    readonly remote: E,
    tcb: Tcb,
  ) {
    this.sndNxt32 = tcb.sndMax | 0;
    this.rcvNxt32 = tcb.rcvNxt | 0;
    const wnd = receiveWindow(tcb);
    this.rcvWnd = wnd;
    this.windowField = Math.min(0xffff, Math.ceil(wnd / 2 ** tcb.rcvShift));
    this.maxSndWnd = tcb.maxSndWnd;
    this.timestamps = tcb.timestamps;
    this.tsRecent32 = tcb.tsRecent | 0;
    this.tsRecentTime = tcb.tsRecentTime;
    this.tsOffset = tcb.tsOffset32;
    this.ecnEnabled = tcb.ecnEnabled;
    this.ecnEcho = tcb.ecn.echo;
    this.since = tcb.stateSince;
    this.expiresAt = tcb.timerAt(Timer.Close) ?? tcb.stateSince + 2 * tcb.config.mslMs;
    this.config = tcb.config;
  }

  /**
   * A segment for this 4-tuple (a new incarnation's SYN has been dealt with by the stack), checked
   * with the TCB's own acceptance logic (acceptance.ts) in §3.10.7.4's order: PAWS, the sequence
   * number, RST (RFC 1337, RFC 5961 §3.2), SYN (RFC 5961 §4.2), ECN, the ACK (RFC 5961 §5.2), the FIN.
   */
  input(seg: Segment, now: number, stats: TcpStats, challengeAcks?: ChallengeAckBudget): TimeWaitAnswer {
    stats.InSegs++;
    const f = seg.flags;
    const rst = (f & TcpFlag.RST) !== 0;
    const ts = seg.options.timestamp;
    if (this.timestamps && !rst) {
      const reject = pawsReject(ts, this.tsRecent, this.tsRecentTime, now, this.config.requireTimestamps, stats);
      if (reject !== undefined) return reject === 'old' ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
    }
    // first: the sequence number.
    const dataLen = seg.payload.length;
    const len = dataLen + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0);
    const wnd = this.rcvWnd;
    let ack = false;
    if (!acceptable(seg.seq, len, this.rcvNxt, wnd)) {
      if (!(wnd === 0 && seg.seq === this.rcvNxt)) {
        if (rst) return TimeWaitAnswer.None;
        stats.TCPOutOfWindowAcks++;
        if (dataLen > 0 && seqLe(seqAdd(seg.seq, dataLen), this.rcvNxt)) stats.TCPDupData++;
        // The peer's FIN again: ACK it and restart 2*MSL (§3.10.7.4).
        if (f & TcpFlag.FIN && seqAdd(seg.seq, dataLen + 1) === this.rcvNxt) this.expiresAt = now + 2 * this.config.mslMs;
        return TimeWaitAnswer.Ack;
      }
      // Zero window: only the control bits of a segment at RCV.NXT (§3.10.7.4).
      seg = { ...seg, payload: EMPTY_PAYLOAD, flags: f & ~TcpFlag.FIN };
      ack = true;
    }
    seg = trimToWindow(seg, this.rcvNxt, wnd);
    // RCV.NXT is Last.ACK.sent in TIME-WAIT.
    if (this.timestamps && updatesTsRecent(ts, this.tsRecent, seg.seq, this.rcvNxt)) {
      this.tsRecent = ts.value;
      this.tsRecentTime = now;
    }
    // second: RST. RFC 1337: it must not end TIME-WAIT; RFC 5961 §3.2: one not at RCV.NXT is challenged.
    if (rst) {
      if (rfc5961RstChecks(this.config) && seg.seq !== this.rcvNxt) return this.challenge(now, stats, challengeAcks, ack);
      return ack ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
    }
    // fourth: SYN (RFC 5961 §4.2: a challenge ACK; without it, RFC 793's reset).
    if (seg.flags & TcpFlag.SYN) {
      if (rfc5961SynChecks(this.config)) return this.challenge(now, stats, challengeAcks, ack);
      if (wnd > 0) return TimeWaitAnswer.ResetAndClose;
      return TimeWaitAnswer.Ack;
    }
    if (this.ecnEnabled) {
      if (f & TcpFlag.CWR) this.ecnEcho = false;
      if (seg.ipEcn === CE) this.ecnEcho = true;
    }
    // fifth: ACK (SND.UNA = SND.NXT here).
    if (!(f & TcpFlag.ACK)) return ack ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
    if (this.config.rfc5961 && !ackInRange(seg.ack, this.sndNxt, this.sndNxt, this.maxSndWnd)) {
      return this.challenge(now, stats, challengeAcks, ack);
    }
    if (seqLt(this.sndNxt, seg.ack)) return TimeWaitAnswer.Ack;
    // eighth: the peer's FIN again: ACK, and 2*MSL starts over.
    if (seg.flags & TcpFlag.FIN) {
      this.expiresAt = now + 2 * this.config.mslMs;
      return TimeWaitAnswer.Ack;
    }
    return ack || timeWaitAnswersAck(seg, this.rcvNxt, this.sndNxt, this.config.timeWaitAckOldAcks) ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
  }

  private challenge(now: number, stats: TcpStats, budget: ChallengeAckBudget | undefined, ack: boolean): TimeWaitAnswer {
    const own = (this.challengeAcks ??= new ChallengeAckLimiter(this.config.challengeAckLimit, this.config.challengeAckWindowMs));
    if (own.allow(now) && (budget === undefined || budget.take(now))) {
      stats.TCPChallengeACK++;
      return TimeWaitAnswer.Ack;
    }
    stats.TCPChallengeACKSuppressed++;
    return ack ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
  }

  /** <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with our timestamp and TS.Recent. */
  ackSegment(now: number): Segment {
    return makeSegment({
      srcPort: this.local.port,
      dstPort: this.remote.port,
      seq: this.sndNxt,
      ack: this.rcvNxt,
      flags: TcpFlag.ACK | (this.ecnEcho ? TcpFlag.ECE : 0),
      window: this.windowField,
      options: this.timestamps ? { timestamp: { value: (Math.floor(now) + this.tsOffset) >>> 0, echo: this.tsRecent } } : NO_OPTIONS,
      payload: EMPTY_PAYLOAD,
    });
  }

  /** RFC 793's reset of a SYN in the window (FreeBSD's tcp_drop: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>). */
  resetSegment(): Segment {
    return makeSegment({ srcPort: this.local.port, dstPort: this.remote.port, seq: this.sndNxt, ack: this.rcvNxt, flags: TcpFlag.RST | TcpFlag.ACK });
  }
}
