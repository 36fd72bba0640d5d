/**
 * The acceptance tests of RFC 9293 §3.10.7.4 that every synchronized state applies to an arriving
 * segment, with RFC 7323's PAWS and TS.Recent rules and RFC 5961's ACK range: one logic for the TCB
 * (input.ts) and for the compact TIME-WAIT record (time-wait.ts), which answers exactly as the TCB
 * would in TIME-WAIT. Pure functions of the segment and the receive variables they are given.
 */
import { seqAdd, seqDiff, seqDistance, seqGe, seqLe, seqLt, TcpFlag, type TcpTimestamp } from '../wire/index.js';
import type { Segment } from './segment.js';
import type { TcpStats } from './stats.js';

/** RFC 7323 §5.5: TS.Recent older than 24 days is no longer valid for PAWS. */
export const PAWS_IDLE_MS = 24 * 24 * 3600 * 1000;

/**
 * RFC 7323 §5.3 R1 (PAWS), before the sequence check, for a connection that negotiated timestamps (a
 * RST is never tested: the caller skips it). Undefined: go on. 'missing': no TSopt and
 * `requireTimestamps` (§3.2 otherwise accepts it): drop it. 'old': SEG.TSval is older than a
 * TS.Recent still valid: drop it and send an ACK. Counts each drop in `stats`.
 */
export function pawsReject(ts: TcpTimestamp | undefined, tsRecent: number, tsRecentTime: number, now: number, requireTimestamps: boolean, stats: TcpStats): 'missing' | 'old' | undefined {
  if (!ts) {
    if (!requireTimestamps) return undefined;
    stats.TCPMissingTimestampDrops++;
    return 'missing';
  }
  if (now - tsRecentTime > PAWS_IDLE_MS || !seqLt(ts.value, tsRecent)) return undefined;
  stats.PAWSEstab++;
  return 'old';
}

/** The four cases of §3.10.7.4's acceptability table, for a segment of SEG.LEN `len` at `seq`. */
export function acceptable(seq: number, len: number, rcvNxt: number, wnd: number): boolean {
  if (len === 0) {
    return wnd === 0 ? seq === rcvNxt : seqDistance(rcvNxt, seq) < wnd;
  }
  if (wnd === 0) return false;
  const last = seqAdd(seq, len - 1);
  return seqDistance(rcvNxt, seq) < wnd || seqDistance(rcvNxt, last) < wnd;
}

/**
 * Keep only the part of the segment inside [RCV.NXT, RCV.NXT + RCV.WND) (§3.10.7.4: "only the new
 * parts are processed"): a SYN before RCV.NXT is cut off, and a FIN that is old, or that would lie
 * at or beyond the window's right edge, is not accepted. Returns `seg` itself when nothing is cut.
 */
export function trimToWindow(seg: Segment, rcvNxt: number, wnd: number): Segment {
  let { seq, payload, flags } = seg;
  let changed = false;
  if (seqLt(seq, rcvNxt)) {
    let cut = seqDiff(rcvNxt, seq);
    if (flags & TcpFlag.SYN) {
      flags &= ~TcpFlag.SYN;
      cut--;
    }
    if (cut >= payload.length) {
      if (cut > payload.length) flags &= ~TcpFlag.FIN; // the FIN was old too
      cut = payload.length;
    }
    payload = payload.subarray(cut);
    seq = rcvNxt;
    changed = true;
  }
  const room = wnd - seqDiff(seq, rcvNxt);
  if (payload.length > room) {
    payload = payload.subarray(0, Math.max(0, room));
    flags &= ~TcpFlag.FIN; // a FIN beyond the window is not accepted
    changed = true;
  } else if (payload.length === room && flags & TcpFlag.FIN) {
    // The FIN would sit at RCV.NXT + RCV.WND, just outside the window.
    flags &= ~TcpFlag.FIN;
    changed = true;
  }
  return changed ? { ...seg, seq, payload, flags } : seg;
}

/** RFC 7323 §4.3: TS.Recent follows a segment whose TSval is not older and that covers Last.ACK.sent. */
export function updatesTsRecent(ts: TcpTimestamp | undefined, tsRecent: number, seq: number, lastAckSent: number): ts is TcpTimestamp {
  return ts !== undefined && seqGe(ts.value, tsRecent) && seqLe(seq, lastAckSent);
}

/** RFC 5961 §5.2: an ACK is acceptable when SEG.ACK lies in [SND.UNA - MAX.SND.WND, SND.NXT]. */
export function ackInRange(ack: number, sndUna: number, sndNxt: number, maxSndWnd: number): boolean {
  return seqGe(ack, seqAdd(sndUna, -maxSndWnd)) && seqLe(ack, sndNxt);
}

/**
 * TIME-WAIT's answer to an acceptable segment with ACK and no FIN (RFC 9293 §3.10.7.4, fifth step:
 * "The only thing that can arrive in this state is a retransmission of the remote FIN. Acknowledge
 * it"): an ACK for data or a segment beyond RCV.NXT (as FreeBSD's tcp_twcheck and Linux's
 * tcp_timewait_state_process both do); none for a bare ACK at RCV.NXT, the peer's last ACK again,
 * unless it acknowledges less than SND.NXT and `ackOldAcks` (config.timeWaitAckOldAcks) says so.
 */
export function timeWaitAnswersAck(seg: Segment, rcvNxt: number, sndNxt: number, ackOldAcks: boolean): boolean {
  return seg.payload.length > 0 || seg.seq !== rcvNxt || (ackOldAcks && seg.ack !== sndNxt);
}
