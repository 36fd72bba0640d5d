/**
 * TIME-WAIT kept compact: once a connection enters TIME-WAIT the stack keeps only what that state needs
 * to answer the peer (RFC 9293 §3.10.7.4), as Linux's inet_timewait_sock and FreeBSD's tcptw do: the
 * 4-tuple, SND.NXT, RCV.NXT, the window, TS.Recent and our timestamp clock, and the 2*MSL deadline. No
 * buffers, no timers but one. The answers are those the TCB gives in TIME-WAIT (src/tcp/tcb.ts), step
 * by step in the same order: PAWS, the sequence check, RST (RFC 1337, RFC 5961 §3.2), SYN (RFC 5961
 * §4.2), the ACK check (RFC 5961 §5.2) and the FIN.
 */
import { seqAdd, seqDiff, seqDistance, seqGe, seqLe, seqLt, TcpFlag } from '../wire/index.js';
import { Timer } from '../tcp/timers.js';
import type { ChallengeAckLimiter } from '../tcp/challenge-ack.js';
import { rfc5961RstChecks, rfc5961SynChecks, type TcpConfig } from '../tcp/config.js';
import { makeSegment, type Segment } from '../tcp/segment.js';
import type { TcpStats } from '../tcp/stats.js';
import type { Tcb } from '../tcp/tcb.js';
import type { Connection } from './connection.js';
import type { Endpoint } from './endpoint.js';

/** RFC 7323 §5.5: TS.Recent is not trusted after 24 days of idleness (as the TCB's PAWS_IDLE_MS). */
const PAWS_IDLE_MS = 24 * 24 * 60 * 60 * 1000;
const CE = 3;
const NO_OPTIONS = Object.freeze({});
const EMPTY = new Uint8Array(0);

/** What the stack does after a segment reached a TIME-WAIT entry. */
export const enum TimeWaitAnswer {
  /** Nothing to send. */
  None = 0,
  /** Send `ackSegment()`. */
  Ack = 1,
  /** Send `resetSegment()` and end the entry (RFC 793's answer to an in-window SYN, rfc5961Syn off). */
  ResetAndClose = 2,
}

export class TimeWait {
  readonly sndNxt: number;
  readonly rcvNxt: number;
  /** RCV.WND in bytes, what the TCB tested segments against (what remains of the window advertised). */
  readonly rcvWnd: number;
  /** The window field of our ACKs (scaled). */
  readonly windowField: number;
  /** RFC 5961 §5.2's MAX.SND.WND, for the ACK check. */
  readonly maxSndWnd: number;
  readonly timestamps: boolean;
  tsRecent: number;
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
  readonly config: TcpConfig;
  /**
   * The application's handle, held weakly: when the entry ends, a connection the application still
   * holds goes to CLOSED (its 'closed' event) as it did when the TCB itself timed out; one nobody holds
   * costs nothing. Nothing sent on the wire depends on it.
   */
  owner: WeakRef<Connection> | undefined;

  constructor(
    readonly local: Endpoint,
    readonly remote: Endpoint,
    tcb: Tcb,
    tsOffset: number,
    ecnEcho: boolean,
  ) {
    this.sndNxt = tcb.sndMax;
    this.rcvNxt = tcb.rcvNxt;
    const wnd = seqDiff(tcb.rcvAdv, tcb.rcvNxt);
    this.rcvWnd = wnd > 0 ? wnd : 0;
    // The TCB's windowToAdvertise() in TIME-WAIT: the right edge stays where it is.
    this.windowField = Math.min(0xffff, Math.ceil(this.rcvWnd / 2 ** tcb.rcvShift));
    this.maxSndWnd = tcb.maxSndWnd;
    this.timestamps = tcb.timestamps;
    this.tsRecent = tcb.tsRecent;
    this.tsRecentTime = tcb.tsRecentTime;
    this.tsOffset = tsOffset;
    this.ecnEnabled = tcb.ecnEnabled;
    this.ecnEcho = ecnEcho;
    this.since = tcb.stateSince;
    this.expiresAt = tcb.timerAt(Timer.Close) ?? tcb.stateSince + 2 * tcb.config.mslMs;
    this.config = tcb.config;
  }

  /** A segment for this 4-tuple (a new incarnation's SYN has been dealt with by the stack). */
  input(seg: Segment, now: number, stats: TcpStats, challengeAcks: ChallengeAckLimiter): TimeWaitAnswer {
    stats.InSegs++;
    const f = seg.flags;
    const rst = (f & TcpFlag.RST) !== 0;
    const ts = seg.options.timestamp;
    // RFC 7323 §3.2, §5.3 (R1): PAWS before the sequence check.
    if (this.timestamps && !rst) {
      if (!ts) {
        if (this.config.requireTimestamps) {
          stats.TCPMissingTimestampDrops++;
          return TimeWaitAnswer.None;
        }
      } else if (now - this.tsRecentTime <= PAWS_IDLE_MS && seqLt(ts.value, this.tsRecent)) {
        stats.PAWSEstab++;
        return TimeWaitAnswer.Ack;
      }
    }
    // §3.10.7.4 first: the sequence number.
    const dataLen = seg.payload.length;
    const len = dataLen + (f & TcpFlag.SYN ? 1 : 0) + (f & TcpFlag.FIN ? 1 : 0);
    const wnd = this.rcvWnd;
    let ack = false;
    let fin = (f & TcpFlag.FIN) !== 0;
    let syn = (f & TcpFlag.SYN) !== 0;
    if (!this.acceptable(seg.seq, len)) {
      if (!(wnd === 0 && seg.seq === this.rcvNxt)) {
        if (rst) return TimeWaitAnswer.None;
        stats.TCPOutOfWindowAcks++;
        if (dataLen > 0 && seqLe(seqAdd(seg.seq, dataLen), this.rcvNxt)) stats.TCPDupData++;
        // The peer's FIN again: ACK it and restart 2*MSL (§3.10.7.4).
        if (fin && seqAdd(seg.seq, dataLen + 1) === this.rcvNxt) this.expiresAt = now + 2 * this.config.mslMs;
        return TimeWaitAnswer.Ack;
      }
      // Zero window: only the control bits of a segment at RCV.NXT.
      fin = false;
      ack = true;
    }
    // Trimming to the window (§3.10.7.4, the TCB's trimToWindow): a SYN before RCV.NXT is cut off, and
    // a FIN that is old, or that would lie at or beyond the window's edge, is not accepted.
    let start = seg.seq;
    let rest = dataLen;
    if (seqLt(start, this.rcvNxt)) {
      let cut = seqDiff(this.rcvNxt, start);
      if (syn) {
        syn = false;
        cut--;
      }
      if (cut >= rest) {
        if (cut > rest) fin = false;
        cut = rest;
      }
      rest -= cut;
      start = this.rcvNxt;
    }
    if (rest >= wnd - seqDiff(start, this.rcvNxt)) fin = false;
    // RFC 7323 §4.3: TS.Recent follows the segment that covers Last.ACK.sent (= RCV.NXT here).
    if (this.timestamps && ts && seqGe(ts.value, this.tsRecent) && seqLe(seg.seq, this.rcvNxt)) {
      this.tsRecent = ts.value;
      this.tsRecentTime = now;
    }
    // second: RST. RFC 1337: it must not end TIME-WAIT; RFC 5961 §3.2: one not at RCV.NXT is challenged.
    if (rst) {
      if (rfc5961RstChecks(this.config) && start !== this.rcvNxt) return this.challenge(now, stats, challengeAcks, ack);
      return ack ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
    }
    // fourth: SYN (RFC 5961 §4.2: a challenge ACK; without it, RFC 793's reset).
    if (syn) {
      if (rfc5961SynChecks(this.config)) return this.challenge(now, stats, challengeAcks, ack);
      if (wnd > 0) return TimeWaitAnswer.ResetAndClose;
      return TimeWaitAnswer.Ack;
    }
    if (this.ecnEnabled) {
      if (f & TcpFlag.CWR) this.ecnEcho = false;
      if (seg.ipEcn === CE) this.ecnEcho = true;
    }
    // fifth: ACK (RFC 5961 §5.2: SEG.ACK within [SND.UNA - MAX.SND.WND, SND.NXT]; SND.UNA = SND.NXT here).
    if (!(f & TcpFlag.ACK)) return ack ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
    if (this.config.rfc5961 && !(seqGe(seg.ack, seqAdd(this.sndNxt, -this.maxSndWnd)) && seqLe(seg.ack, this.sndNxt))) {
      return this.challenge(now, stats, challengeAcks, ack);
    }
    if (seqLt(this.sndNxt, seg.ack)) return TimeWaitAnswer.Ack;
    // eighth: the peer's FIN again: ACK, and 2*MSL starts over.
    if (fin) {
      this.expiresAt = now + 2 * this.config.mslMs;
      return TimeWaitAnswer.Ack;
    }
    return ack ? TimeWaitAnswer.Ack : TimeWaitAnswer.None;
  }

  /** §3.10.7.4's acceptability table, against RCV.WND. */
  private acceptable(seq: number, len: number): boolean {
    const nxt = this.rcvNxt;
    const wnd = this.rcvWnd;
    if (len === 0) return wnd === 0 ? seq === nxt : seqDistance(nxt, seq) < wnd;
    if (wnd === 0) return false;
    return seqDistance(nxt, seq) < wnd || seqDistance(nxt, seqAdd(seq, len - 1)) < wnd;
  }

  private challenge(now: number, stats: TcpStats, limiter: ChallengeAckLimiter, ack: boolean): TimeWaitAnswer {
    if (limiter.allow(now)) {
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
      payload: EMPTY,
    });
  }

  /** RFC 793's reset of a SYN in the window (FreeBSD's tcp_drop: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>). */
  resetSegment(): Segment {
    return makeSegment({ srcPort: this.local.port, dstPort: this.remote.port, seq: this.sndNxt, ack: this.rcvNxt, flags: TcpFlag.RST | TcpFlag.ACK });
  }
}
