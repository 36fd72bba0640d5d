/**
 * Record boundaries in the send queue (Linux's MSG_EOR on a TCP socket, man 2 send: "terminates a
 * record"; the kernel marks the last buffer of such a send, TCP_SKB_CB(skb)->eor, and never adds
 * bytes after it to the same buffer, nor merges it with the next when sending or retransmitting).
 *
 * A boundary is the sequence number just past a record's last octet. No segment carries octets
 * from both sides of one: a segment that would cross it ends there, however short, new data and
 * retransmissions alike; and such a segment is complete, so Nagle's algorithm, a cork or a SEND
 * that said more is coming does not hold it back when data follows it (only the tail of the queue
 * waits for more, as Linux applies Nagle's test to the last buffer alone). Boundaries at or below
 * SND.UNA are forgotten.
 */
import { seqDiff, seqGt, seqLe } from '../wire/seq.js';

export class RecordBoundaries {
  /** Ascending (in sequence space), each above the last. */
  private readonly ends: number[] = [];

  get size(): number {
    return this.ends.length;
  }

  /** A record ends before `end` (the queue's end when the SEND that ended it was queued). */
  add(end: number): void {
    const last = this.ends[this.ends.length - 1];
    if (last === undefined || seqGt(end, last)) this.ends.push(end);
  }

  /** The length of a segment from `seq` of at most `len` octets that crosses no boundary. */
  limit(seq: number, len: number): number {
    for (const b of this.ends) {
      if (seqLe(b, seq)) continue;
      const room = seqDiff(b, seq);
      return room < len ? room : len;
    }
    return len;
  }

  /** Whether a record ends exactly at `seq`. */
  endsAt(seq: number): boolean {
    for (const b of this.ends) {
      if (b === seq) return true;
      if (seqGt(b, seq)) return false;
    }
    return false;
  }

  /** Forget the boundaries the peer has acknowledged everything before. */
  acknowledged(sndUna: number): void {
    let i = 0;
    while (i < this.ends.length && seqLe(this.ends[i], sndUna)) i++;
    if (i > 0) this.ends.splice(0, i);
  }

}
