/**
 * RACK (RFC 8985 §6): time-based loss detection. One record per segment sent (sequence range, when
 * it was last sent, whether it was retransmitted, SACKed or marked lost), kept in sequence order with
 * a moving head in one flat array, four numbers a record (no object per segment, and one array per
 * connection rather than one per field: a short connection makes one small array). A segment is lost
 * when a segment sent after it has been delivered and RACK.rtt + RACK.reo_wnd has passed since it
 * was sent.
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/index.js';
import type { DeliveryRateSampler } from './rate-sample.js';

const SACKED = 1;
const RETRANS = 2;
const LOST = 4;
/** Marked lost at some time, and not SACKed or found not lost since (Linux's TCPCB_LOST, which a retransmission keeps). */
const WAS_LOST = 8;

/** RFC 8985 §6.2 step 4: the reordering window multiplier is reset after this many recoveries. */
const REO_WND_PERSIST = 16;

/** A record's fields in Rack.recs: record i is recs[i * REC + START] to recs[i * REC + FLAGS]. */
const REC = 4;
const START = 0;
const END = 1;
const XMIT = 2;
const FLAGS = 3;

export class Rack {
  /** The records, REC numbers each: start and end sequence numbers, send time, flag bits. */
  private recs: number[] = [];
  /** The first live record (those before it are acknowledged). */
  private head = 0;
  /**
   * Records held, the acknowledged ones before `head` included: the live ones are [head, records).
   * `recs` keeps its room past them (a connection at full speed retires and adds thousands of records
   * a round trip, and regrowing the array each time the live ones moved to the front was most of
   * what it allocated).
   */
  private records = 0;
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
    rate.pad(this.records);
    this.rate = rate;
  }

  get count(): number {
    return this.records - this.head;
  }

  clear(): void {
    this.recs.length = 0;
    this.rate?.clear();
    this.head = 0;
    this.records = 0;
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
    this.append(start, end, this.stamp(now), 0);
  }

  /**
   * New data [start, end) sent at `now` as segments of `size` octets, the last perhaps shorter (an
   * offloaded segment, cut into its wire segments by the device): a record for each, as onSendNew
   * would make one call at a time.
   */
  onSendNewSegments(start: number, end: number, size: number, now: number): void {
    let from = start;
    for (let next = seqAdd(from, size); seqLt(next, end); next = seqAdd(next, size)) {
      this.append(from, next, this.stamp(now), 0);
      from = next;
    }
    this.append(from, end, this.stamp(now), 0);
  }

  /** A record after the last, in the room `recs` kept if it has some. */
  private append(start: number, end: number, xmit: number, flags: number): void {
    if (this.rate !== undefined) this.rate.record(this.records, seqDiff(end, start));
    const at = this.records++ * REC;
    if (at < this.recs.length) {
      const recs = this.recs;
      recs[at + START] = start;
      recs[at + END] = end;
      recs[at + XMIT] = xmit;
      recs[at + FLAGS] = flags;
    } else {
      this.recs.push(start, end, xmit, flags);
    }
  }

  /** [start, end) sent again at `now`: each record it covers is now a retransmission, no longer lost. */
  onRetransmit(start: number, end: number, now: number): void {
    const t = this.stamp(now);
    if (this.records === this.head || seqGe(start, this.endOf(this.records - 1))) {
      // Beyond every record: data first sent on a SYN (Fast Open, RFC 7413 §4.2), which has no record
      // of its own, sent again after the SYN-ACK acknowledged part of it. It is outstanding, sent again.
      this.append(start, end, t, RETRANS);
      this.retransRecords++;
      return;
    }
    for (let i = this.firstEndingAfter(start); i < this.records; i++) {
      if (seqGe(this.startOf(i), end)) break;
      // A retransmission that covers only the front of a record (a smaller segment: SACK blocks or a
      // lower MTU took room) splits it: the rest keeps its own send time and marks.
      if (seqLt(end, this.endOf(i))) this.split(i, end);
      this.recs[i * REC + XMIT] = t;
      if (this.rate !== undefined) this.rate.resent(i, seqDiff(this.endOf(i), this.startOf(i)));
      if (this.flagsOf(i) & LOST) this.lost -= seqDiff(this.endOf(i), this.startOf(i));
      if (!(this.flagsOf(i) & RETRANS)) this.retransRecords++;
      this.recs[i * REC + FLAGS] = (this.flagsOf(i) | RETRANS) & ~LOST;
    }
  }

  /** Split record i at `at` (inside it) into two. */
  private split(i: number, at: number): void {
    this.recs.splice((i + 1) * REC, 0, at, this.endOf(i), this.xmitOf(i), this.flagsOf(i));
    this.records++;
    if (this.rate !== undefined) this.rate.split(i);
    if (this.flagsOf(i) & RETRANS) this.retransRecords++;
    this.recs[i * REC + END] = at;
  }

  /**
   * RFC 8985 §6.2 steps 1-3 for one delivered segment: update RACK.rtt, RACK.xmit_ts, RACK.end_seq
   * and detect reordering. `tsEchoBefore`: the ACK's TSecr is older than this transmission (it
   * answers an earlier one), or undefined without timestamps.
   */
  private delivered(i: number, now: number, minRtt: number | undefined): void {
    const end = this.endOf(i);
    const xmit = this.xmitOf(i);
    const f = this.flagsOf(i);
    const rtt = now - xmit;
    if (this.rate !== undefined) this.rate.onDelivered(i, seqDiff(end, this.startOf(i)), xmit, now);
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
      const distance = seqDiff(this.priorFack, this.startOf(i));
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
    while (this.head < this.records && seqLe(this.endOf(this.head), una)) {
      const i = this.head;
      if (this.flagsOf(i) & SACKED) this.segsSacked--;
      else this.delivered(i, now, minRtt);
      if (this.flagsOf(i) & LOST) this.lost -= seqDiff(this.endOf(i), this.startOf(i));
      if (this.flagsOf(i) & RETRANS) this.retransRecords--;
      this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.records) this.compact();
  }

  /**
   * Move the live records to the front (the room after them stays). By a loop: `recs` is a plain
   * array, and Array.prototype.copyWithin takes V8's generic path (each element looked up as a
   * property), about 40 ns an element against 1 for the loop, which made this 7% of a transfer's CPU.
   */
  private compact(): void {
    moveToFront(this.recs, this.head * REC, this.records * REC);
    if (this.rate !== undefined) this.rate.compact(this.head, this.records);
    this.records -= this.head;
    this.head = 0;
  }

  /**
   * The index of the first live record whose end lies after `seq` (binary search: records are in
   * sequence order and disjoint), or the record count past the last.
   */
  private firstEndingAfter(seq: number): number {
    let lo = this.head;
    let hi = this.records;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqLe(this.endOf(mid), seq)) lo = mid + 1;
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
    for (let i = this.firstEndingAfter(l); i < this.records; i++) {
      if (seqGe(this.startOf(i), r)) break;
      if (this.flagsOf(i) & SACKED) continue;
      if (seqGe(this.startOf(i), rangeLeft) && seqLe(this.endOf(i), rangeRight)) {
        if (this.flagsOf(i) & LOST) this.lost -= seqDiff(this.endOf(i), this.startOf(i));
        this.recs[i * REC + FLAGS] = (this.flagsOf(i) | SACKED) & ~(LOST | WAS_LOST);
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
    for (let i = this.head; i < this.records; i++) {
      const f = this.flagsOf(i);
      if (f & RETRANS) retransSeen++;
      if (f & (SACKED | LOST)) continue;
      const xmit = this.xmitOf(i);
      // RACK_sent_after(RACK.xmit_ts, RACK.end_seq, Segment.xmit_ts, Segment.end_seq)
      if (!(this.xmitTs > xmit || (this.xmitTs === xmit && seqGt(this.endSeq, this.endOf(i))))) {
        // Records never resent were sent in sequence order: when one was not sent before RACK.xmit_ts,
        // no later one was either, and only a retransmission further on could still qualify.
        if (!(f & RETRANS) && retransSeen === this.retransRecords) break;
        continue;
      }
      const remaining = xmit + this.rtt + reoWnd - now;
      if (remaining <= 0) {
        this.recs[i * REC + FLAGS] = f | LOST | WAS_LOST;
        lost += seqDiff(this.endOf(i), this.startOf(i));
        if (this.rate !== undefined) this.rate.onLost(seqDiff(this.endOf(i), this.startOf(i)));
        this.lost += seqDiff(this.endOf(i), this.startOf(i));
      } else if (remaining > this.reorderTimeout) {
        this.reorderTimeout = remaining;
      }
    }
    return lost;
  }

  reorderTimeout = 0;

  /** Forget the lost marks (a timeout resends everything; an undo found nothing lost). */
  clearLost(): void {
    for (let i = this.head; i < this.records; i++) this.recs[i * REC + FLAGS] &= ~(LOST | WAS_LOST);
    this.lost = 0;
  }

  /**
   * Forget what was SACKed (the peer reneged, RFC 2018 §8: it may discard data it SACKed): those
   * segments count as outstanding again.
   */
  clearSacked(): void {
    for (let i = this.head; i < this.records; i++) this.recs[i * REC + FLAGS] &= ~SACKED;
    this.segsSacked = 0;
  }

  /**
   * The first record marked lost (and not retransmitted since): its index, or -1. Use `startOf`,
   * `endOf` to read it.
   */
  firstLost(): number {
    if (this.lost === 0) return -1;
    for (let i = this.head; i < this.records; i++) if (this.flagsOf(i) & LOST) return i;
    return -1;
  }
  /**
   * [l, r) trimmed to the whole sent segments inside it (each as sent, or as split): the first
   * segment starting at or after l to the last ending at or before r; undefined when none lies
   * wholly inside. For SACK at segment granularity (Linux's tcp_match_skb_to_sack).
   */
  wholeSegments(l: number, r: number): [number, number] | undefined {
    let i = this.firstEndingAfter(l);
    if (i < this.records && seqLt(this.startOf(i), l)) i++;
    if (i >= this.records || seqGt(this.endOf(i), r)) return undefined;
    let j = i;
    while (j + 1 < this.records && seqLe(this.endOf(j + 1), r)) j++;
    return [this.startOf(i), this.endOf(j)];
  }
  startOf(i: number): number {
    return this.recs[i * REC + START];
  }
  endOf(i: number): number {
    return this.recs[i * REC + END];
  }
  private xmitOf(i: number): number {
    return this.recs[i * REC + XMIT];
  }
  private flagsOf(i: number): number {
    return this.recs[i * REC + FLAGS];
  }
  wasRetransmitted(i: number): boolean {
    return (this.flagsOf(i) & RETRANS) !== 0;
  }

  /** The ranges [start, end) of the records marked lost now, adjacent ones merged (for a view of the sequence space). */
  lostRanges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (this.lost === 0) return out;
    for (let i = this.head; i < this.records; i++) {
      if (!(this.flagsOf(i) & LOST)) continue;
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === this.startOf(i)) last[1] = this.endOf(i);
      else out.push([this.startOf(i), this.endOf(i)]);
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
    for (let i = this.head; i < this.records; i++) {
      const f = this.flagsOf(i);
      if (f & SACKED) sacked++;
      else {
        if (f & (LOST | WAS_LOST)) lost++;
        if (f & RETRANS && (retransBelow === undefined || seqLe(this.endOf(i), retransBelow))) retrans++;
      }
    }
    return { unacked: this.count, sacked, lost, retrans };
  }

  /** The last record (the tail segment, for a loss probe): its index, or -1. */
  last(): number {
    return this.records > this.head ? this.records - 1 : -1;
  }
}

/**
 * Elements [from, end) of a plain array moved to its front (as `copyWithin(0, from, end)`), the room
 * after them kept. A loop, because Array.prototype.copyWithin on a plain array takes V8's generic
 * path, about 40 times slower per element.
 */
export function moveToFront<T>(a: T[], from: number, end: number): void {
  for (let i = from, to = 0; i < end; i++, to++) a[to] = a[i];
}
