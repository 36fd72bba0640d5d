/**
 * The receive buffer as it was before the SegmentSmack defence (a sorted array of pieces, a linear
 * walk and a splice per out-of-order segment, a shift per piece drained), kept only so that the
 * attack suite can say what that attack cost before (bench/attack.ts). Not used by the stack.
 */
import { seqAdd, seqDiff } from '../wire/index.js';

interface Piece {
  seq: number;
  data: Uint8Array;
}

export class LegacyReceiveBuffer {
  /** NO_DATA until the first push, NO_PIECES while nothing is held out of order (never written). */
  private ready: Uint8Array[] = NO_DATA;
  private readyHead = 0;
  /** In-order bytes not yet read by the application. */
  readable = 0;
  /** Out-of-order pieces, sorted by sequence number, never overlapping. */
  private ooo: Piece[] = NO_PIECES;
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

  /**
   * Hold `data` at `seq`, which lies after RCV.NXT. Parts already held are kept as they are and
   * only the new bytes are added. Returns the number of new bytes held.
   */
  insertOutOfOrder(seq: number, data: Uint8Array, _maxRanges = Infinity): number {
    this.duplicateLeft = this.duplicateRight = seq;
    let added = 0;
    let cur = seq;
    let rest = data;
    let i = 0;
    const out: Piece[] = [];
    for (; i < this.ooo.length && rest.length > 0; i++) {
      const p = this.ooo[i];
      const pEnd = seqAdd(p.seq, p.data.length);
      if (seqDiff(pEnd, cur) <= 0) continue; // p entirely before
      if (seqDiff(p.seq, seqAdd(cur, rest.length)) >= 0) break; // p entirely after
      const gap = seqDiff(p.seq, cur);
      if (gap > 0) out.push({ seq: cur, data: rest.subarray(0, gap) });
      const end = seqAdd(cur, rest.length);
      this.noteDuplicate(gap > 0 ? p.seq : cur, seqDiff(pEnd, end) < 0 ? pEnd : end);
      const skip = seqDiff(pEnd, cur);
      rest = skip >= rest.length ? EMPTY : rest.subarray(skip);
      cur = pEnd;
    }
    if (rest.length > 0) out.push({ seq: cur, data: rest });
    for (const piece of out) {
      added += piece.data.length;
      this.insertSorted(piece);
    }
    this.outOfOrderBytes += added;
    return added;
  }

  private insertSorted(piece: Piece): void {
    let lo = 0;
    let hi = this.ooo.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqDiff(this.ooo[mid].seq, piece.seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (this.ooo === NO_PIECES) this.ooo = [];
    this.ooo.splice(lo, 0, piece);
  }

  /**
   * Move held pieces that now begin at or before `rcvNxt` into the in-order queue; returns the new
   * RCV.NXT.
   */
  drainInOrder(rcvNxt: number): number {
    this.duplicateLeft = this.duplicateRight = rcvNxt;
    while (this.ooo.length > 0) {
      const p = this.ooo[0];
      const behind = seqDiff(rcvNxt, p.seq);
      if (behind < 0) break;
      // Octets of this piece below RCV.NXT arrived again in order.
      if (behind > 0) this.noteDuplicate(p.seq, behind < p.data.length ? rcvNxt : seqAdd(p.seq, p.data.length));
      this.ooo.shift();
      this.outOfOrderBytes -= p.data.length;
      if (this.ooo.length === 0) this.ooo = NO_PIECES;
      if (behind < p.data.length) {
        const fresh = p.data.subarray(behind);
        this.pushInOrder(fresh);
        rcvNxt = seqAdd(rcvNxt, fresh.length);
      }
    }
    return rcvNxt;
  }

  /** The out-of-order block found by `blockContaining` (adjacent pieces merged). */
  blockLeft = 0;
  blockRight = 0;

  /**
   * Find the out-of-order block (maximal run of held octets) that contains `seq`; false if none.
   * The block is left in blockLeft/blockRight (no allocation: this runs for every SACK sent).
   */
  blockContaining(seq: number): boolean {
    let found = false;
    for (let i = 0; i < this.ooo.length; i++) {
      const p = this.ooo[i];
      const end = seqAdd(p.seq, p.data.length);
      if (found) {
        if (p.seq !== this.blockRight) return true;
        this.blockRight = end;
        continue;
      }
      if (i === 0 || p.seq !== this.blockRight) this.blockLeft = p.seq;
      this.blockRight = end;
      if (seqDiff(seq, this.blockLeft) >= 0 && seqDiff(end, seq) > 0) found = true;
    }
    return found;
  }

  /** Out-of-order blocks (maximal runs of held octets). */
  blockCount(): number {
    let n = 0;
    let right = 0;
    for (let i = 0; i < this.ooo.length; i++) {
      const p = this.ooo[i];
      if (i === 0 || p.seq !== right) n++;
      right = seqAdd(p.seq, p.data.length);
    }
    return n;
  }

  /** The `n`th out-of-order block's edges through blockLeft/blockRight. */
  blockAt(n: number): boolean {
    let k = -1;
    for (let i = 0; i < this.ooo.length; i++) {
      const p = this.ooo[i];
      const end = seqAdd(p.seq, p.data.length);
      if (i === 0 || p.seq !== this.blockRight) {
        if (k === n) return true;
        k++;
        this.blockLeft = p.seq;
      }
      this.blockRight = end;
    }
    return k === n;
  }

  /** Out-of-order ranges [left, right) in sequence order: the raw material of SACK blocks. */
  outOfOrderRanges(): Array<[number, number]> {
    const ranges: Array<[number, number]> = [];
    for (const p of this.ooo) {
      const end = seqAdd(p.seq, p.data.length);
      const last = ranges[ranges.length - 1];
      if (last && last[1] === p.seq) last[1] = end;
      else ranges.push([p.seq, end]);
    }
    return ranges;
  }

  clear(): void {
    this.ready = NO_DATA;
    this.readyHead = 0;
    this.readable = 0;
    this.ooo = NO_PIECES;
    this.outOfOrderBytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
const NO_DATA: Uint8Array[] = [];
const NO_PIECES: Piece[] = [];
