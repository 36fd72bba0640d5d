/**
 * The sender's SACK scoreboard (RFC 2018 §5, RFC 6675 §3): which octets above SND.UNA the peer has
 * reported holding, as sorted, disjoint, non-adjacent ranges [left, right). RFC 2018 §8: SACKed data
 * is not discarded before the cumulative ACK covers it (the peer may renege), so the scoreboard only
 * guides retransmission; the send buffer keeps everything until SND.UNA passes it.
 *
 * Ranges live in two flat number arrays (no object per range, none per ACK).
 */
import { seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/index.js';

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

  get rangeCount(): number {
    return this.lefts.length;
  }
  left(i: number): number {
    return this.lefts[i];
  }
  right(i: number): number {
    return this.rights[i];
  }

  clear(): void {
    this.lefts.length = 0;
    this.rights.length = 0;
    this.sackedBytes = 0;
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

  /** Mark [l, r) SACKed; returns the octets newly SACKed. */
  add(l: number, r: number): number {
    const lefts = this.lefts;
    const rights = this.rights;
    // First range whose right edge reaches l (ranges are sorted).
    let i = 0;
    while (i < lefts.length && seqLt(rights[i], l)) i++;
    let newBytes = seqDiff(r, l);
    let nl = l;
    let nr = r;
    let j = i;
    while (j < lefts.length && seqLe(lefts[j], r)) {
      // Overlapping or adjacent: merge, and do not count its octets as new.
      const ol = seqGt(lefts[j], l) ? lefts[j] : l;
      const or = seqLt(rights[j], r) ? rights[j] : r;
      if (seqLt(ol, or)) newBytes -= seqDiff(or, ol);
      if (seqLt(lefts[j], nl)) nl = lefts[j];
      if (seqGt(rights[j], nr)) nr = rights[j];
      j++;
    }
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
    this.sackedBytes += newBytes;
    return newBytes;
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
    for (let i = 0; i < this.lefts.length; i++) {
      if (seqLt(seq, this.lefts[i])) return false;
      if (seqLt(seq, this.rights[i])) return true;
    }
    return false;
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
    for (let i = 0; i < this.lefts.length; i++) {
      if (seqGt(this.lefts[i], seq)) return seqLt(this.lefts[i], limit) ? this.lefts[i] : limit;
    }
    return limit;
  }

  /** The first octet at or after `seq` that is not SACKed. */
  skipSacked(seq: number): number {
    for (let i = 0; i < this.lefts.length; i++) {
      if (seqLt(seq, this.lefts[i])) return seq;
      if (seqLt(seq, this.rights[i])) return this.rights[i];
    }
    return seq;
  }
}
