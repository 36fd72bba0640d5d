/**
 * One timer structure for every connection of a stack (DESIGN.md): a binary min-heap of deadlines.
 * Entries are lazy: a connection whose deadline moves later keeps its earlier entry, is woken early,
 * finds nothing due and is put back at its real deadline. That keeps a reschedule (every ACK moves
 * the retransmission timer) O(1) instead of a heap update.
 */
export class TimerHeap<T> {
  private deadlines: number[] = [];
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(deadline: number, item: T): void {
    const d = this.deadlines;
    const it = this.items;
    let i = d.length;
    d.push(deadline);
    it.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (d[parent] <= deadline) break;
      d[i] = d[parent];
      it[i] = it[parent];
      i = parent;
    }
    d[i] = deadline;
    it[i] = item;
  }

  peekDeadline(): number | undefined {
    return this.deadlines.length ? this.deadlines[0] : undefined;
  }

  /** Remove and return the earliest item whose deadline is at or before `now`. */
  popDue(now: number): T | undefined {
    if (!this.deadlines.length || this.deadlines[0] > now) return undefined;
    const top = this.items[0];
    const lastD = this.deadlines.pop()!;
    const lastI = this.items.pop()!;
    const n = this.deadlines.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.deadlines[r] < this.deadlines[l] ? r : l;
        if (this.deadlines[c] >= lastD) break;
        this.deadlines[i] = this.deadlines[c];
        this.items[i] = this.items[c];
        i = c;
      }
      this.deadlines[i] = lastD;
      this.items[i] = lastI;
    }
    return top;
  }
}
