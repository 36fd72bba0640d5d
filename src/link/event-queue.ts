/** A min-heap of timed events with a stable order for equal times (insertion order): determinism. */
export class EventQueue<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  /**
   * The insertion number the next push would get. An item held back outside the heap (see
   * DeliveryFifo) takes one now and is pushed later with it, keeping its place among equal times.
   */
  takeSeq(): number {
    return this.counter++;
  }

  /** The insertion number taken last (takeSeq or push). */
  get lastSeq(): number {
    return this.counter - 1;
  }

  push(time: number, item: T, seq = this.counter++): void {
    let i = this.items.length;
    this.times.push(time);
    this.seqs.push(seq);
    this.items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(p, time, seq)) break;
      this.move(p, i);
      i = p;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.items[i] = item;
  }

  /** The earliest item, left in the queue. */
  peek(): T | undefined {
    return this.items[0];
  }

  peekTime(): number | undefined {
    return this.items.length ? this.times[0] : undefined;
  }

  pop(): T | undefined {
    const n = this.items.length;
    if (!n) return undefined;
    const top = this.items[0];
    const t = this.times.pop()!;
    const s = this.seqs.pop()!;
    const it = this.items.pop()!;
    const m = n - 1;
    if (m > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= m) break;
        const r = l + 1;
        const c = r < m && this.lessIdx(r, l) ? r : l;
        if (!this.less(c, t, s)) break;
        this.move(c, i);
        i = c;
      }
      this.times[i] = t;
      this.seqs[i] = s;
      this.items[i] = it;
    }
    return top;
  }

  /** Whether entry `i` comes before (time, seq). */
  private less(i: number, time: number, seq: number): boolean {
    return this.times[i] < time || (this.times[i] === time && this.seqs[i] < seq);
  }

  private lessIdx(a: number, b: number): boolean {
    return this.less(a, this.times[b], this.seqs[b]);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
    this.items[to] = this.items[from];
  }
}

/**
 * Entries due in rising time order (packets on one direction of a link with a fixed delay): only the
 * head need be in the EventQueue, the rest wait here, so the heap holds a packet per link rather than
 * every packet in flight. Each entry keeps the insertion number it took, so the pop order is the
 * one a heap holding them all would give. Entries are [head, tail) of arrays that keep their room
 * when the queue empties (a link's bursts refill it at once), so a steady flow allocates nothing.
 */
export class DeliveryFifo<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  /** The time of the last entry (entries may be appended at this time or later only). */
  get lastTime(): number {
    return this.times[this.tail - 1];
  }

  append(time: number, seq: number, item: T): void {
    const i = this.tail++;
    if (i < this.items.length) {
      this.times[i] = time;
      this.seqs[i] = seq;
      this.items[i] = item;
    } else {
      this.times.push(time);
      this.seqs.push(seq);
      this.items.push(item);
    }
  }

  /** Drop the head (it was handed to the EventQueue and has been popped from it). */
  shift(): void {
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      // Move the live entries to the front (the room behind them stays). By a loop: on a plain array
      // Array.prototype.copyWithin takes V8's generic path, about 40 times slower per element.
      const { times, seqs, items } = this;
      const n = this.tail - this.head;
      for (let to = 0, from = this.head; to < n; to++, from++) {
        times[to] = times[from];
        seqs[to] = seqs[from];
        items[to] = items[from];
      }
      for (let i = n; i < this.tail; i++) items[i] = undefined;
      this.head = 0;
      this.tail = n;
    }
  }

  headTime(): number {
    return this.times[this.head];
  }
  headSeq(): number {
    return this.seqs[this.head];
  }
  headItem(): T {
    return this.items[this.head] as T;
  }
  /** The last entry's item (there must be one). */
  tailItem(): T {
    return this.items[this.tail - 1] as T;
  }
}
