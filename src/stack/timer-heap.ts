/**
 * One timer structure for every connection of a stack (DESIGN.md), and for the socket layer's timers:
 * a binary min-heap holding at most one entry per item, its position kept on the item itself
 * (`heapIndex`, so an item is in at most one heap at a time). An entry moves earlier in place when the
 * item's deadline does; when the deadline moves later the entry stays (lazy: it wakes early, finds
 * nothing due and is filed again, so the common reschedule, every ACK pushing the retransmission timer
 * back, stays O(1)). One entry per item bounds the heap by the number of items, and `remove` takes an
 * item's entry with it, so a stale far deadline (a keep-alive two hours out) neither grows the heap
 * nor keeps a closed connection alive. The position is a field, not a `Map` from item to position:
 * every move of an entry wrote the map, and a map entry per TIME-WAIT record outlived scavenges.
 */
export interface HeapItem {
  /** The item's position in the heap that holds it; -1 when it is in none. Only the heap writes it. */
  heapIndex: number;
}

export class KeyedTimerHeap<T extends HeapItem> {
  private readonly deadlines: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The deadline `item` is filed under, or undefined. */
  deadlineOf(item: T): number | undefined {
    const i = this.positionOf(item);
    return i < 0 ? undefined : this.deadlines[i];
  }

  /** Wake `item` no later than `deadline`: file it, or move its entry earlier (never later). */
  schedule(deadline: number, item: T): void {
    const i = this.positionOf(item);
    if (i < 0) {
      this.deadlines.push(deadline);
      this.items.push(item);
      this.siftUp(this.items.length - 1);
    } else if (deadline < this.deadlines[i]) {
      this.deadlines[i] = deadline;
      this.siftUp(i);
    }
  }

  /** Take `item`'s entry out; returns whether it had one. */
  remove(item: T): boolean {
    const i = this.positionOf(item);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** The item with the earliest deadline, left in the heap. */
  peek(): T | undefined {
    return this.items[0];
  }

  peekDeadline(): number | undefined {
    return this.deadlines.length ? this.deadlines[0] : undefined;
  }

  /** Remove and return the earliest item whose deadline is at or before `now`. */
  popDue(now: number): T | undefined {
    if (!this.deadlines.length || this.deadlines[0] > now) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  /** `item`'s position in this heap, -1 when it is not here (an index is only trusted where it holds the item). */
  private positionOf(item: T): number {
    const i = item.heapIndex;
    return i >= 0 && this.items[i] === item ? i : -1;
  }

  private removeAt(i: number): void {
    this.items[i].heapIndex = -1;
    const lastD = this.deadlines.pop()!;
    const lastI = this.items.pop()!;
    if (i === this.items.length) return;
    this.deadlines[i] = lastD;
    this.items[i] = lastI;
    lastI.heapIndex = i;
    this.siftDown(i);
    this.siftUp(i);
  }

  private siftUp(i: number): void {
    const d = this.deadlines;
    const it = this.items;
    const deadline = d[i];
    const item = it[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (d[parent] <= deadline) break;
      d[i] = d[parent];
      it[i] = it[parent];
      it[i].heapIndex = i;
      i = parent;
    }
    d[i] = deadline;
    it[i] = item;
    item.heapIndex = i;
  }

  private siftDown(i: number): void {
    const d = this.deadlines;
    const it = this.items;
    const n = d.length;
    const deadline = d[i];
    const item = it[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && d[r] < d[l] ? r : l;
      if (d[c] >= deadline) break;
      d[i] = d[c];
      it[i] = it[c];
      it[i].heapIndex = i;
      i = c;
    }
    d[i] = deadline;
    it[i] = item;
    item.heapIndex = i;
  }
}
