/**
 * Received data: the in-order bytes waiting for the application, and the out-of-order data waiting
 * for the hole before it to fill (RFC 9293 §3.10.7.4: "segments with higher beginning sequence
 * numbers SHOULD be held for later processing").
 *
 * Out-of-order data is kept as ranges: maximal runs of held octets, sorted by sequence number,
 * disjoint and never adjacent (two that touch are merged), so that a peer cannot make the queue's
 * cost grow by sending many tiny segments (SegmentSmack, CVE-2018-5390, cost Linux a linear walk of
 * its queue per segment). A segment finds its place by binary search; it only ever extends a range,
 * bridges neighbours (merging them) or starts a new range, so the work per segment is O(log n) plus
 * the ranges it merges away, and moving the array's tail when a range is inserted or removed, which
 * `maxRanges` bounds (as FreeBSD bounds its reassembly queue, net.inet.tcp.reass.maxqueuelen).
 *
 * Inside a range the data is a chain of chunks. Large payloads are kept as views (no copy); small
 * ones are copied into a chunk of their own and coalesced with their neighbour up to COALESCE_MAX
 * octets (as Linux's tcp_try_coalesce and tcp_collapse do), so that a one-byte segment does not pin
 * its packet's buffer and an object per byte: the memory held stays within a small factor of the
 * octets held, which the window bounds.
 */
import { seqAdd, seqDiff } from '../wire/index.js';

/** A run of held octets [seq, seq + data.length) inside a range. */
interface Chunk {
  seq: number;
  data: Uint8Array;
  next: Chunk | undefined;
  /** Spare octets after `data` in a buffer this chunk owns (0 for a view of a received packet). */
  room: number;
}

/** A maximal run of held octets [left, right): its chunks, in order, from `first` to `last`. */
interface Range {
  left: number;
  right: number;
  first: Chunk;
  last: Chunk;
}

/** Payloads shorter than this are copied (they would pin a packet buffer many times their size). */
const COPY_BELOW = 512;
/** Small payloads are coalesced into chunks of up to this many octets. */
const COALESCE_MAX = 4096;

export class ReceiveBuffer {
  /** NO_DATA until the first push (never written). */
  private ready: Uint8Array[] = NO_DATA;
  private readyHead = 0;
  /** In-order bytes not yet read by the application. */
  readable = 0;
  /** Out-of-order ranges, sorted by sequence number, disjoint and non-adjacent. NO_RANGES when none (never written). */
  private ranges: Range[] = NO_RANGES;
  /** Bytes held out of order. */
  outOfOrderBytes = 0;
  /**
   * The first contiguous range of octets that the last insertOutOfOrder or drainInOrder found held
   * already (the duplicate an ACK reports with D-SACK, RFC 2883 §4), as [duplicateLeft,
   * duplicateRight); equal edges when there was none.
   */
  duplicateLeft = 0;
  duplicateRight = 0;

  /** Note octets [l, r) as received twice: the first range, extended while the next one adjoins it. */
  private noteDuplicate(l: number, r: number): void {
    if (this.duplicateLeft === this.duplicateRight) {
      this.duplicateLeft = l;
      this.duplicateRight = r;
    } else if (this.duplicateRight === l) {
      this.duplicateRight = r;
    }
  }

  /** Append in-order data. */
  pushInOrder(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.ready === NO_DATA) this.ready = [];
    this.ready.push(data);
    this.readable += data.length;
  }

  /** Up to `max` bytes of in-order data (a view of one received chunk, or part of it); undefined if none. */
  read(max = Infinity): Uint8Array | undefined {
    if (this.readable === 0 || max <= 0) return undefined;
    const c = this.ready[this.readyHead];
    if (c.length <= max) {
      this.ready[this.readyHead++] = EMPTY;
      if (this.readyHead > 64 && this.readyHead * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      this.readable -= c.length;
      return c;
    }
    this.ready[this.readyHead] = c.subarray(max);
    this.readable -= max;
    return c.subarray(0, max);
  }

  /** Out-of-order ranges held (SACK blocks' raw material; at most the `maxRanges` given to insertOutOfOrder). */
  get rangeCount(): number {
    return this.ranges.length;
  }

  /** The index of the first range whose right edge is at or after `seq` (ranges.length if none). */
  private firstReaching(seq: number): number {
    const ranges = this.ranges;
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqDiff(ranges[mid].right, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Hold `data` at `seq`, which lies after RCV.NXT. Parts already held are kept as they are and
   * only the new bytes are added. Returns the number of new bytes held, or -1 when the data would
   * have started a new range while `maxRanges` are held: it is dropped (the peer sends it again).
   */
  insertOutOfOrder(seq: number, data: Uint8Array, maxRanges = Infinity): number {
    this.duplicateLeft = this.duplicateRight = seq;
    if (data.length === 0) return 0;
    const end = seqAdd(seq, data.length);
    const i = this.firstReaching(seq);
    const ranges = this.ranges;
    // Ranges i..j-1 overlap [seq, end) or touch it.
    let j = i;
    while (j < ranges.length && seqDiff(ranges[j].left, end) <= 0) j++;
    if (j === i) {
      if (ranges.length >= maxRanges) return -1;
      const c = chunkOf(seq, data);
      if (this.ranges === NO_RANGES) this.ranges = [];
      const r: Range = { left: seq, right: end, first: c, last: c };
      if (i === this.ranges.length) this.ranges.push(r);
      else this.ranges.splice(i, 0, r);
      this.outOfOrderBytes += data.length;
      return data.length;
    }
    const into = ranges[i];
    let added = 0;
    for (let k = i; k < j; k++) {
      const r = ranges[k];
      // Octets of [seq, end) inside r were held already.
      const l = seqDiff(r.left, seq) > 0 ? r.left : seq;
      const rr = seqDiff(r.right, end) < 0 ? r.right : end;
      if (seqDiff(rr, l) > 0) this.noteDuplicate(l, rr);
      if (k > i) {
        // The hole between the merged range and r: filled from data, then r's chain follows.
        const gap = seqDiff(r.left, into.right);
        if (gap > 0) {
          const from = seqDiff(into.right, seq);
          into.last = append(into.last, into.right, data.subarray(from, from + gap));
          added += gap;
        }
        into.last.next = r.first;
        into.last = r.last;
        into.right = r.right;
      }
    }
    // New octets after the last range.
    const tail = seqDiff(end, into.right);
    if (tail > 0) {
      into.last = append(into.last, into.right, data.subarray(data.length - tail));
      into.right = end;
      added += tail;
    }
    // New octets before the first range: prepended to its chain.
    const lead = seqDiff(into.left, seq);
    if (lead > 0) {
      into.first = prepend(seq, data.subarray(0, lead), into.first);
      into.left = seq;
      added += lead;
    }
    if (j - i > 1) ranges.splice(i + 1, j - i - 1);
    this.outOfOrderBytes += added;
    return added;
  }

  /**
   * Move held data that now begins at or before `rcvNxt` into the in-order queue; returns the new
   * RCV.NXT.
   */
  drainInOrder(rcvNxt: number): number {
    this.duplicateLeft = this.duplicateRight = rcvNxt;
    const ranges = this.ranges;
    let n = 0;
    for (; n < ranges.length; n++) {
      const r = ranges[n];
      if (seqDiff(rcvNxt, r.left) < 0) break;
      // Octets of this range below RCV.NXT arrived again in order.
      if (seqDiff(rcvNxt, r.left) > 0) this.noteDuplicate(r.left, seqDiff(r.right, rcvNxt) > 0 ? rcvNxt : r.right);
      this.outOfOrderBytes -= seqDiff(r.right, r.left);
      for (let c: Chunk | undefined = r.first; c !== undefined; c = c.next) {
        const behind = seqDiff(rcvNxt, c.seq);
        if (behind >= c.data.length) continue;
        const fresh = behind > 0 ? c.data.subarray(behind) : c.data;
        this.pushInOrder(fresh);
        rcvNxt = seqAdd(rcvNxt, fresh.length);
      }
    }
    if (n > 0) {
      if (n === ranges.length) this.ranges = NO_RANGES;
      else ranges.splice(0, n);
    }
    return rcvNxt;
  }

  /** The out-of-order block found by `blockContaining` or `blockAt`. */
  blockLeft = 0;
  blockRight = 0;

  /**
   * Find the out-of-order block (maximal run of held octets) that contains `seq`; false if none.
   * The block is left in blockLeft/blockRight (no allocation: this runs for every SACK sent).
   */
  blockContaining(seq: number): boolean {
    const i = this.firstReaching(seq);
    if (i === this.ranges.length) return false;
    const r = this.ranges[i];
    if (seqDiff(seq, r.left) < 0 || seqDiff(r.right, seq) <= 0) return false;
    this.blockLeft = r.left;
    this.blockRight = r.right;
    return true;
  }

  /** Out-of-order blocks (maximal runs of held octets). */
  blockCount(): number {
    return this.ranges.length;
  }

  /** The `n`th out-of-order block's edges through blockLeft/blockRight. */
  blockAt(n: number): boolean {
    if (n < 0 || n >= this.ranges.length) return false;
    this.blockLeft = this.ranges[n].left;
    this.blockRight = this.ranges[n].right;
    return true;
  }

  /** Out-of-order ranges [left, right) in sequence order: the raw material of SACK blocks. */
  outOfOrderRanges(): Array<[number, number]> {
    return this.ranges.map((r) => [r.left, r.right]);
  }

  clear(): void {
    this.ready = NO_DATA;
    this.readyHead = 0;
    this.readable = 0;
    this.ranges = NO_RANGES;
    this.outOfOrderBytes = 0;
  }
}

/** A chunk for `data` at `seq`: a view when large, a copy when small. */
function chunkOf(seq: number, data: Uint8Array): Chunk {
  return { seq, data: data.length < COPY_BELOW ? data.slice() : data, next: undefined, room: 0 };
}

/** `data` at `seq`, which ends where `first` begins: the new first chunk of the chain. */
function prepend(seq: number, data: Uint8Array, first: Chunk): Chunk {
  const total = data.length + first.data.length;
  if (data.length < COPY_BELOW && total <= COALESCE_MAX) {
    const buf = new Uint8Array(total);
    buf.set(data, 0);
    buf.set(first.data, data.length);
    first.seq = seq;
    first.data = buf;
    first.room = 0;
    return first;
  }
  const c = chunkOf(seq, data);
  c.next = first;
  return c;
}

/** `data` at `seq`, which starts where `last` ends: the new last chunk of the chain (its `next` kept). */
function append(last: Chunk, seq: number, data: Uint8Array): Chunk {
  const len = last.data.length;
  const total = len + data.length;
  if (data.length < COPY_BELOW && total <= COALESCE_MAX && (last.room > 0 || len < COPY_BELOW)) {
    if (last.room >= data.length) {
      const view = new Uint8Array(last.data.buffer, last.data.byteOffset, total);
      view.set(data, len);
      last.data = view;
      last.room -= data.length;
      return last;
    }
    // Grow geometrically, so that a run of tiny segments costs amortised O(1) octets copied each.
    const cap = Math.min(COALESCE_MAX, Math.max(2 * total, 64));
    const buf = new Uint8Array(cap);
    buf.set(last.data, 0);
    buf.set(data, len);
    last.data = buf.subarray(0, total);
    last.room = cap - total;
    return last;
  }
  const c = chunkOf(seq, data);
  c.next = last.next;
  last.next = c;
  return c;
}

const EMPTY = new Uint8Array(0);
const NO_DATA: Uint8Array[] = [];
const NO_RANGES: Range[] = [];
