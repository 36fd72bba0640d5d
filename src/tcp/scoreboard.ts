/**
 * The sender's SACK scoreboard (RFC 2018 §5, RFC 6675 §3): which octets above SND.UNA the peer has
 * reported holding, as sorted, disjoint, non-adjacent ranges [left, right). RFC 2018 §8: SACKed data
 * is not discarded before the cumulative ACK covers it (the peer may renege), so the scoreboard only
 * guides retransmission; the send buffer keeps everything until SND.UNA passes it.
 *
 * Ranges live in two flat number arrays (no object per range, none per ACK).
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/index.js';

/** What one SACK block turned out to be. */
export const enum SackBlockKind {
  /** Outside SND.UNA..SND.MAX or malformed: ignored (RFC 2883 §4 keeps a sender from trusting it). */
  Invalid,
  /** A D-SACK (RFC 2883 §4): a duplicate the receiver got, not a new range. */
  Duplicate,
  /** An ordinary SACK block. */
  Sack,
}

export class SackScoreboard {
  private lefts: number[] = [];
  private rights: number[] = [];
  /** Octets SACKed above SND.UNA. */
  sackedBytes = 0;
  /**
   * The octets the last `add` newly marked, as `newCount` runs [newLeft(k), newRight(k)) inside the
   * range it made, [mergedLeft, mergedRight) (kept in reused arrays: no allocation per ACK).
   */
  private newLefts: number[] = [];
  private newRights: number[] = [];
  newCount = 0;
  mergedLeft = 0;
  mergedRight = 0;

  get rangeCount(): number {
    return this.lefts.length;
  }
  left(i: number): number {
    return this.lefts[i];
  }
  right(i: number): number {
    return this.rights[i];
  }
  newLeft(k: number): number {
    return this.newLefts[k];
  }
  newRight(k: number): number {
    return this.newRights[k];
  }

  clear(): void {
    this.lefts.length = 0;
    this.rights.length = 0;
    this.sackedBytes = 0;
    this.newCount = 0;
  }

  /**
   * Classify block `index` of an ACK (RFC 2883 §4): the first block is a D-SACK when it lies below
   * SEG.ACK, or inside the second block. Blocks must lie inside [SND.UNA, SND.MAX] to be used.
   */
  static classify(blocks: ReadonlyArray<readonly [number, number]>, index: number, ack: number, sndUna: number, sndMax: number): SackBlockKind {
    const [l, r] = blocks[index];
    if (!seqLt(l, r)) return SackBlockKind.Invalid;
    if (index === 0) {
      if (seqLe(r, ack)) return SackBlockKind.Duplicate;
      if (blocks.length > 1) {
        const [l2, r2] = blocks[1];
        if (seqLt(l2, r2) && seqGe(l, l2) && seqLe(r, r2)) return SackBlockKind.Duplicate;
      }
    }
    if (seqLt(l, sndUna) || seqGt(r, sndMax)) return SackBlockKind.Invalid;
    return SackBlockKind.Sack;
  }

  /** The index of the first range whose right edge is at or after `seq` (binary search; rangeCount if none). */
  private firstReaching(seq: number): number {
    const rights = this.rights;
    let lo = 0;
    let hi = rights.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqLt(rights[mid], seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Mark [l, r) SACKed; returns the octets newly SACKed (the runs they form are left in newLeft /
   * newRight, the range they joined in mergedLeft / mergedRight), or -1 when [l, r) would have made
   * one range more than `maxRanges`: then nothing changes. The cost is a binary search plus the
   * ranges the block merges away (each range is merged away once), plus moving the arrays' tails
   * when a range comes or goes, which `maxRanges` bounds.
   */
  add(l: number, r: number, maxRanges = Infinity): number {
    const lefts = this.lefts;
    const rights = this.rights;
    this.newCount = 0;
    // First range whose right edge reaches l: it overlaps or adjoins [l, r), or lies after it.
    const i = this.firstReaching(l);
    let j = i;
    while (j < lefts.length && seqLe(lefts[j], r)) j++;
    if (j === i && lefts.length >= maxRanges) return -1;
    let newBytes = 0;
    let cur = l;
    let nl = l;
    let nr = r;
    for (let k = i; k < j; k++) {
      // Overlapping or adjacent: merged; only the octets between the ranges are new.
      if (seqLt(cur, lefts[k])) this.noteNew(cur, lefts[k]);
      if (seqGt(rights[k], cur)) cur = rights[k];
      if (seqLt(lefts[k], nl)) nl = lefts[k];
      if (seqGt(rights[k], nr)) nr = rights[k];
    }
    if (seqLt(cur, r)) this.noteNew(cur, r);
    for (let k = 0; k < this.newCount; k++) newBytes += seqDiff(this.newRights[k], this.newLefts[k]);
    if (j - i === 1) {
      lefts[i] = nl;
      rights[i] = nr;
    } else if (j === i) {
      lefts.splice(i, 0, nl);
      rights.splice(i, 0, nr);
    } else {
      lefts.splice(i, j - i, nl);
      rights.splice(i, j - i, nr);
    }
    this.mergedLeft = nl;
    this.mergedRight = nr;
    this.sackedBytes += newBytes;
    return newBytes;
  }

  private noteNew(l: number, r: number): void {
    this.newLefts[this.newCount] = l;
    this.newRights[this.newCount] = r;
    this.newCount++;
  }

  /** SND.UNA moved to `una`: forget what lies below it. Returns the SACKed octets it covered. */
  advance(una: number): number {
    let removed = 0;
    let n = 0;
    while (n < this.lefts.length && seqLe(this.rights[n], una)) {
      removed += seqDiff(this.rights[n], this.lefts[n]);
      n++;
    }
    if (n > 0) {
      this.lefts.splice(0, n);
      this.rights.splice(0, n);
    }
    if (this.lefts.length > 0 && seqLt(this.lefts[0], una)) {
      removed += seqDiff(una, this.lefts[0]);
      this.lefts[0] = una;
    }
    this.sackedBytes -= removed;
    return removed;
  }

  isSacked(seq: number): boolean {
    const i = this.firstReaching(seqAdd(seq, 1));
    return i < this.lefts.length && seqLe(this.lefts[i], seq);
  }

  /** Octets SACKed above `seq` (at or after it). */
  sackedAbove(seq: number): number {
    let n = 0;
    for (let i = this.lefts.length - 1; i >= 0; i--) {
      if (seqLe(this.rights[i], seq)) break;
      n += seqDiff(this.rights[i], seqGt(this.lefts[i], seq) ? this.lefts[i] : seq);
    }
    return n;
  }

  /** The highest SACKed sequence number + 1, or `fallback` when nothing is SACKed. */
  highestSacked(fallback: number): number {
    return this.lefts.length > 0 ? this.rights[this.rights.length - 1] : fallback;
  }

  /** The end of the un-SACKed run that starts at `seq` (the next SACKed range's left edge, or `limit`). */
  holeEnd(seq: number, limit: number): number {
    // The first range with an octet after seq; if it holds seq itself, the one after it.
    let i = this.firstReaching(seqAdd(seq, 1));
    if (i < this.lefts.length && !seqGt(this.lefts[i], seq)) i++;
    if (i >= this.lefts.length) return limit;
    return seqLt(this.lefts[i], limit) ? this.lefts[i] : limit;
  }

  /** The first octet at or after `seq` that is not SACKed. */
  skipSacked(seq: number): number {
    const i = this.firstReaching(seqAdd(seq, 1));
    if (i < this.lefts.length && seqLe(this.lefts[i], seq)) return this.rights[i];
    return seq;
  }
}
