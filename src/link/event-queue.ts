/** A min-heap of timed events with a stable order for equal times (insertion order): determinism. */
export class EventQueue<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    const seq = this.counter++;
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
