/**
 * Bytes the application has handed over and the peer has not yet acknowledged: sent-but-unacked
 * first, then not-yet-sent. Chunks are kept by reference (no copy on `push`), as Node's streams do.
 */
export class SendBuffer {
  private chunks: Uint8Array[] = [];
  /** Index of the first live chunk, and the offset of the first live byte in it. */
  private head = 0;
  private headOffset = 0;
  /** Bytes held. */
  length = 0;

  constructor(public capacity: number) {}

  get free(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Take as much of `data` as fits; returns how many bytes were taken. */
  push(data: Uint8Array): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    this.chunks.push(n === data.length ? data : data.subarray(0, n));
    this.length += n;
    return n;
  }

  /** Drop `n` bytes from the front (they were acknowledged). */
  consume(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[this.head];
      const left = c.length - this.headOffset;
      if (n < left) {
        this.headOffset += n;
        return;
      }
      n -= left;
      this.chunks[this.head++] = EMPTY;
      this.headOffset = 0;
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** `len` bytes starting `offset` bytes from the front: a view when they lie in one chunk, else a copy. */
  slice(offset: number, len: number): Uint8Array {
    if (offset < 0 || len < 0 || offset + len > this.length) throw new RangeError(`slice ${offset}+${len} of ${this.length}`);
    if (len === 0) return EMPTY;
    let i = this.head;
    let at = offset + this.headOffset;
    while (at >= this.chunks[i].length) at -= this.chunks[i++].length;
    const first = this.chunks[i];
    if (at + len <= first.length) return first.subarray(at, at + len);
    const out = new Uint8Array(len);
    let filled = 0;
    while (filled < len) {
      const c = this.chunks[i++];
      const take = Math.min(c.length - at, len - filled);
      out.set(c.subarray(at, at + take), filled);
      filled += take;
      at = 0;
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.length = 0;
  }
}

const EMPTY = new Uint8Array(0);
