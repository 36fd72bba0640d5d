/**
 * RACK (RFC 8985 §6): time-based loss detection. One record per segment sent (sequence range, when
 * it was last sent, whether it was retransmitted, SACKed or marked lost), kept in flat arrays in
 * sequence order with a moving head (no object per segment). A segment is lost when a segment sent
 * after it has been delivered and RACK.rtt + RACK.reo_wnd has passed since it was sent.
 */
import { seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/index.js';
import type { DeliveryRateSampler } from './rate-sample.js';

const SACKED = 1;
const RETRANS = 2;
const LOST = 4;
/** Marked lost at some time, and not SACKed or found not lost since (Linux's TCPCB_LOST, which a retransmission keeps). */
const WAS_LOST = 8;

/** RFC 8985 §6.2 step 4: the reordering window multiplier is reset after this many recoveries. */
const REO_WND_PERSIST = 16;

export class Rack {
  private starts: number[] = [];
  private ends: number[] = [];
  private xmits: number[] = [];
  private flags: number[] = [];
  private head = 0;
  /** Live records (from head) with RETRANS set: with none, send times rise with sequence (detectLoss stops early). */
  private retransRecords = 0;

  /** RACK.xmit_ts and RACK.end_seq: the most recently sent segment known delivered. */
  xmitTs = -Infinity;
  endSeq = 0;
  /** RACK.rtt: the RTT of that segment (ms); undefined before the first. */
  rtt: number | undefined;
  /** RACK.fack: the highest sequence number delivered (cumulatively or SACKed). */
  fack: number | undefined;
  /** RACK.reordering_seen. */
  reorderingSeen = false;
  /** Segments found delivered out of order (the connection counts and resets this). */
  reorderedSegments = 0;
  /** RACK.reo_wnd_mult and the recoveries it persists for (RFC 8985 §6.2 step 4, D-SACK adaptation). */
  reoWndMult = 1;
  private reoWndPersist = 0;
  /** RACK.dsack_round: SND.MAX when the multiplier last grew (once per round trip). */
  private dsackRound: number | undefined;
  /** RACK.segs_sacked (segments SACKed above SND.UNA). */
  segsSacked = 0;
  /**
   * Delivery-rate sampling, when the congestion controller asks for it (rate-sample.ts): it keeps its
   * per-segment state index for index with these records. undefined for CUBIC and NewReno.
   */
  private rate: DeliveryRateSampler | undefined;

  /** Keep `rate`'s per-segment state with these records from now on (the records so far get none). */
  attachRate(rate: DeliveryRateSampler): void {
    if (this.rate !== undefined) return;
    rate.pad(this.starts.length);
    this.rate = rate;
  }

  get count(): number {
    return this.starts.length - this.head;
  }

  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.xmits.length = 0;
    this.flags.length = 0;
    this.rate?.clear();
    this.head = 0;
    this.retransRecords = 0;
    this.segsSacked = 0;
    this.lost = 0;
    this.fack = undefined;
    this.xmitTs = -Infinity;
  }

  /** The last send time given out (see stamp). */
  private lastXmit = -Infinity;

  /**
   * The send time to record for a segment sent at `now`: `now`, or a nanosecond after the previous
   * one when several go at the same instant (virtual time stands still while a burst goes out). The
   * send order must be told by the times: RACK_sent_after's tie-break on sequence numbers (RFC 8985
   * §6.2) assumes a higher sequence was sent later, which a retransmission sent just after new data
   * in the same instant contradicts, and RACK then thought that retransmission lost one RTT later.
   */
  private stamp(now: number): number {
    const t = now > this.lastXmit ? now : this.lastXmit + 1e-6;
    this.lastXmit = t;
    return t;
  }

  /** New data [start, end) sent at `now` (after every segment recorded so far). */
  onSendNew(start: number, end: number, now: number): void {
    this.starts.push(start);
    this.ends.push(end);
    this.xmits.push(this.stamp(now));
    this.flags.push(0);
    if (this.rate !== undefined) this.rate.push(seqDiff(end, start));
  }

  /** [start, end) sent again at `now`: each record it covers is now a retransmission, no longer lost. */
  onRetransmit(start: number, end: number, now: number): void {
    const t = this.stamp(now);
    if (this.starts.length === this.head || seqGe(start, this.ends[this.ends.length - 1])) {
      // Beyond every record: data first sent on a SYN (Fast Open, RFC 7413 §4.2), which has no record
      // of its own, sent again after the SYN-ACK acknowledged part of it. It is outstanding, sent again.
      this.starts.push(start);
      this.ends.push(end);
      this.xmits.push(t);
      this.flags.push(RETRANS);
      this.retransRecords++;
      if (this.rate !== undefined) this.rate.push(seqDiff(end, start));
      return;
    }
    for (let i = this.firstEndingAfter(start); i < this.starts.length; i++) {
      if (seqGe(this.starts[i], end)) break;
      // A retransmission that covers only the front of a record (a smaller segment: SACK blocks or a
      // lower MTU took room) splits it: the rest keeps its own send time and marks.
      if (seqLt(end, this.ends[i])) this.split(i, end);
      this.xmits[i] = t;
      if (this.rate !== undefined) this.rate.resent(i, seqDiff(this.ends[i], this.starts[i]));
      if (this.flags[i] & LOST) this.lost -= seqDiff(this.ends[i], this.starts[i]);
      if (!(this.flags[i] & RETRANS)) this.retransRecords++;
      this.flags[i] = (this.flags[i] | RETRANS) & ~LOST;
    }
  }

  /** Split record i at `at` (inside it) into two. */
  private split(i: number, at: number): void {
    this.starts.splice(i + 1, 0, at);
    this.ends.splice(i + 1, 0, this.ends[i]);
    this.xmits.splice(i + 1, 0, this.xmits[i]);
    this.flags.splice(i + 1, 0, this.flags[i]);
    if (this.rate !== undefined) this.rate.split(i);
    if (this.flags[i] & RETRANS) this.retransRecords++;
    this.ends[i] = at;
  }

  /**
   * RFC 8985 §6.2 steps 1-3 for one delivered segment: update RACK.rtt, RACK.xmit_ts, RACK.end_seq
   * and detect reordering. `tsEchoBefore`: the ACK's TSecr is older than this transmission (it
   * answers an earlier one), or undefined without timestamps.
   */
  private delivered(i: number, now: number, minRtt: number | undefined): void {
    const end = this.ends[i];
    const xmit = this.xmits[i];
    const f = this.flags[i];
    const rtt = now - xmit;
    if (this.rate !== undefined) this.rate.onDelivered(i, seqDiff(end, this.starts[i]), xmit, now);
    // Step 2: a retransmitted segment's ACK may answer the original; without timestamps to tell, an
    // RTT below the minimum says so (RFC 8985 §6.2 step 2).
    if (f & RETRANS && minRtt !== undefined && rtt < minRtt) return;
    if (!(f & RETRANS) && xmit > this.ackXmit) {
      this.ackXmit = xmit;
      this.ackRtt = rtt;
    }
    this.rtt = rtt;
    if (xmit > this.xmitTs || (xmit === this.xmitTs && seqGt(end, this.endSeq))) {
      this.xmitTs = xmit;
      this.endSeq = end;
    }
    // Step 3: delivered below the highest delivered before this ACK, never retransmitted: reordering.
    if (this.priorFack !== undefined && seqLt(end, this.priorFack) && !(f & RETRANS)) {
      this.reorderingSeen = true;
      this.reorderedSegments++;
      const distance = seqDiff(this.priorFack, this.starts[i]);
      if (distance > this.reorderDistance) this.reorderDistance = distance;
    }
    if (this.fack === undefined || seqGt(end, this.fack)) this.fack = end;
  }

  /** RACK.fack before the ACK being processed (what one ACK delivers is not reordered among itself). */
  private priorFack: number | undefined;

  /**
   * The RTT of the most recently sent segment, never retransmitted, that the ACK being processed
   * delivered (Linux's ca_rtt_us, from last_ackt), or undefined: an RTT sample per ACK.
   */
  ackRtt: number | undefined;
  private ackXmit = -Infinity;

  /** An ACK is about to be processed. */
  beginAck(): void {
    this.priorFack = this.fack;
    this.ackRtt = undefined;
    this.ackXmit = -Infinity;
  }

  /** SND.UNA moved to `una`: records below it were delivered (those not SACKed before, newly). */
  onCumulativeAck(una: number, now: number, minRtt: number | undefined): void {
    while (this.head < this.starts.length && seqLe(this.ends[this.head], una)) {
      const i = this.head;
      if (this.flags[i] & SACKED) this.segsSacked--;
      else this.delivered(i, now, minRtt);
      if (this.flags[i] & LOST) this.lost -= seqDiff(this.ends[i], this.starts[i]);
      if (this.flags[i] & RETRANS) this.retransRecords--;
      this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.starts.length) this.compact();
  }

  private compact(): void {
    this.starts = this.starts.slice(this.head);
    this.ends = this.ends.slice(this.head);
    this.xmits = this.xmits.slice(this.head);
    this.flags = this.flags.slice(this.head);
    if (this.rate !== undefined) this.rate.compact(this.head);
    this.head = 0;
  }

  /**
   * The index of the first live record whose end lies after `seq` (binary search: records are in
   * sequence order and disjoint), or the record count past the last.
   */
  private firstEndingAfter(seq: number): number {
    let lo = this.head;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqLe(this.ends[mid], seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Octets [l, r) were newly SACKed, inside the SACKed range [rangeLeft, rangeRight): every record
   * that overlaps them and lies inside the range is delivered. Only records that touch new octets are
   * visited, so a block repeated in every ACK costs nothing more (SACK Slowness, CVE-2019-11478).
   */
  onSack(l: number, r: number, rangeLeft: number, rangeRight: number, now: number, minRtt: number | undefined): void {
    for (let i = this.firstEndingAfter(l); i < this.starts.length; i++) {
      if (seqGe(this.starts[i], r)) break;
      if (this.flags[i] & SACKED) continue;
      if (seqGe(this.starts[i], rangeLeft) && seqLe(this.ends[i], rangeRight)) {
        if (this.flags[i] & LOST) this.lost -= seqDiff(this.ends[i], this.starts[i]);
        this.flags[i] = (this.flags[i] | SACKED) & ~(LOST | WAS_LOST);
        this.segsSacked++;
        this.delivered(i, now, minRtt);
      }
    }
  }

  /** RFC 8985 §6.2 step 4: the reordering window (ms). */
  reoWnd(inRecovery: boolean, minRtt: number | undefined, srtt: number | undefined): number {
    if (!this.reorderingSeen && (inRecovery || this.segsSacked >= 3)) return 0;
    if (minRtt === undefined) return 0;
    const w = (this.reoWndMult * minRtt) / 4;
    return srtt === undefined ? w : Math.min(w, srtt);
  }

  /** A D-SACK arrived (RFC 8985 §6.2 step 4): widen the window, once per round trip. */
  onDsack(sndUna: number, sndMax: number): void {
    if (this.dsackRound !== undefined && seqLt(sndUna, this.dsackRound)) return;
    this.dsackRound = sndMax;
    this.reoWndMult++;
    this.reoWndPersist = REO_WND_PERSIST;
  }

  /** A recovery ended: the widened window lasts REO_WND_PERSIST of them. */
  onRecoveryEnd(): void {
    if (this.reoWndPersist > 0 && --this.reoWndPersist === 0) this.reoWndMult = 1;
  }

  /**
   * RFC 8985 §6.2 step 5 (RACK_detect_loss): mark lost every segment sent before RACK.xmit_ts whose
   * time is up. Returns the bytes newly marked lost; `reorderTimeout` is then the time (ms) until the
   * next one would be, or 0 (the reorder timer, §6.3).
   */
  detectLoss(now: number, reoWnd: number): number {
    this.reorderTimeout = 0;
    if (this.rtt === undefined) return 0;
    let lost = 0;
    let retransSeen = 0;
    for (let i = this.head; i < this.starts.length; i++) {
      const f = this.flags[i];
      if (f & RETRANS) retransSeen++;
      if (f & (SACKED | LOST)) continue;
      const xmit = this.xmits[i];
      // RACK_sent_after(RACK.xmit_ts, RACK.end_seq, Segment.xmit_ts, Segment.end_seq)
      if (!(this.xmitTs > xmit || (this.xmitTs === xmit && seqGt(this.endSeq, this.ends[i])))) {
        // Records never resent were sent in sequence order: when one was not sent before RACK.xmit_ts,
        // no later one was either, and only a retransmission further on could still qualify.
        if (!(f & RETRANS) && retransSeen === this.retransRecords) break;
        continue;
      }
      const remaining = xmit + this.rtt + reoWnd - now;
      if (remaining <= 0) {
        this.flags[i] = f | LOST | WAS_LOST;
        lost += seqDiff(this.ends[i], this.starts[i]);
        if (this.rate !== undefined) this.rate.onLost(seqDiff(this.ends[i], this.starts[i]));
        this.lost += seqDiff(this.ends[i], this.starts[i]);
      } else if (remaining > this.reorderTimeout) {
        this.reorderTimeout = remaining;
      }
    }
    return lost;
  }

  reorderTimeout = 0;

  /** Forget the lost marks (a timeout resends everything; an undo found nothing lost). */
  clearLost(): void {
    for (let i = this.head; i < this.starts.length; i++) this.flags[i] &= ~(LOST | WAS_LOST);
    this.lost = 0;
  }

  /**
   * Forget what was SACKed (the peer reneged, RFC 2018 §8: it may discard data it SACKed): those
   * segments count as outstanding again.
   */
  clearSacked(): void {
    for (let i = this.head; i < this.starts.length; i++) this.flags[i] &= ~SACKED;
    this.segsSacked = 0;
  }

  /**
   * The first record marked lost (and not retransmitted since): its index, or -1. Use `startOf`,
   * `endOf` to read it.
   */
  firstLost(): number {
    if (this.lost === 0) return -1;
    for (let i = this.head; i < this.starts.length; i++) if (this.flags[i] & LOST) return i;
    return -1;
  }
  /**
   * [l, r) trimmed to the whole sent segments inside it (each as sent, or as split): the first
   * segment starting at or after l to the last ending at or before r; undefined when none lies
   * wholly inside. For SACK at segment granularity (Linux's tcp_match_skb_to_sack).
   */
  wholeSegments(l: number, r: number): [number, number] | undefined {
    let i = this.firstEndingAfter(l);
    if (i < this.starts.length && seqLt(this.starts[i], l)) i++;
    if (i >= this.starts.length || seqGt(this.ends[i], r)) return undefined;
    let j = i;
    while (j + 1 < this.starts.length && seqLe(this.ends[j + 1], r)) j++;
    return [this.starts[i], this.ends[j]];
  }
  startOf(i: number): number {
    return this.starts[i];
  }
  endOf(i: number): number {
    return this.ends[i];
  }
  wasRetransmitted(i: number): boolean {
    return (this.flags[i] & RETRANS) !== 0;
  }

  /** The ranges [start, end) of the records marked lost now, adjacent ones merged (for a view of the sequence space). */
  lostRanges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (this.lost === 0) return out;
    for (let i = this.head; i < this.starts.length; i++) {
      if (!(this.flags[i] & LOST)) continue;
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === this.starts[i]) last[1] = this.ends[i];
      else out.push([this.starts[i], this.ends[i]]);
    }
    return out;
  }

  /** Bytes marked lost and not yet sent again (RFC 6675's pipe leaves them out). */
  lostBytes(): number {
    return this.lost;
  }

  /** Octets in records marked lost (kept as the marks change: pipe asks for it on every send). */
  private lost = 0;

  /** The furthest reordering seen: octets from a segment delivered late to the highest delivered before it. */
  reorderDistance = 0;

  /**
   * The outstanding segments as tcp_info counts them: all of them, the SACKed, those marked lost
   * (retransmitted or not) and not SACKed since, and those retransmitted and not SACKed, ending at
   * or below `retransBelow` when given (after a timeout, what went again since: the go-back-N
   * retransmissions below SND.NXT).
   */
  segmentCounts(retransBelow?: number): { unacked: number; sacked: number; lost: number; retrans: number } {
    let sacked = 0;
    let lost = 0;
    let retrans = 0;
    for (let i = this.head; i < this.starts.length; i++) {
      const f = this.flags[i];
      if (f & SACKED) sacked++;
      else {
        if (f & (LOST | WAS_LOST)) lost++;
        if (f & RETRANS && (retransBelow === undefined || seqLe(this.ends[i], retransBelow))) retrans++;
      }
    }
    return { unacked: this.count, sacked, lost, retrans };
  }

  /** The last record (the tail segment, for a loss probe): its index, or -1. */
  last(): number {
    return this.starts.length > this.head ? this.starts.length - 1 : -1;
  }
}
