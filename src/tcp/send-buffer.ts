/**
 * Bytes the application has handed over and the peer has not yet acknowledged: sent-but-unacked
 * first, then not-yet-sent. Chunks are kept by reference (no copy on `push`), as Node's streams do.
 */
export class SendBuffer {
  /** NO_CHUNKS until the first push (and after clear): a buffer never written holds no array. */
  private chunks: Uint8Array[] = NO_CHUNKS;
  /** Index of the first live chunk, and the offset of the first live byte in it. */
  private head = 0;
  private headOffset = 0;
  /** Bytes held. */
  length = 0;
  /** Bytes consumed since the start: absolute positions make the cursor below survive `consume`. */
  private consumed = 0;
  /**
   * Where the last slice began: chunk index and the absolute position of that chunk's first byte.
   * Segments are cut in order, so the next slice starts at or after it, and finding it costs no walk
   * over the chunks before it (a writer that fills the buffer an ACK's worth at a time leaves
   * thousands of small chunks).
   */
  private cursor = 0;
  private cursorStart = 0;

  constructor(public capacity: number) {}

  get free(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Take as much of `data` as fits (or `max` bytes of it); returns how many bytes were taken. */
  push(data: Uint8Array, max = this.free): number {
    const n = Math.min(data.length, max);
    if (n === 0) return 0;
    if (this.chunks === NO_CHUNKS) this.chunks = [];
    const chunks = this.chunks;
    const last = chunks.length - 1;
    const prev = last >= this.head ? chunks[last] : EMPTY;
    if (prev.length > 0 && prev.buffer === data.buffer && prev.byteOffset + prev.length === data.byteOffset) {
      // The next bytes of the same memory (a writer offering one large buffer piece by piece, as much
      // as fits each time): one longer view of it, so no segment straddles the two and needs a copy.
      // The chunk keeps its start, so the cursor and head offsets stay valid.
      chunks[last] = new Uint8Array(prev.buffer, prev.byteOffset, prev.length + n);
    } else {
      chunks.push(n === data.length ? data : data.subarray(0, n));
    }
    this.length += n;
    return n;
  }

  /** Drop `n` bytes from the front (they were acknowledged). */
  consume(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    this.consumed += n;
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
      this.cursor -= this.head;
      this.head = 0;
    }
  }

  /** `len` bytes starting `offset` bytes from the front: a view when they lie in one chunk, else a copy. */
  slice(offset: number, len: number): Uint8Array {
    if (offset < 0 || len < 0 || offset + len > this.length) throw new RangeError(`slice ${offset}+${len} of ${this.length}`);
    if (len === 0) return EMPTY;
    const target = this.consumed + offset;
    let i = this.cursor;
    let start = this.cursorStart;
    if (i < this.head || start > target) {
      i = this.head;
      start = this.consumed - this.headOffset;
    }
    while (start + this.chunks[i].length <= target) start += this.chunks[i++].length;
    this.cursor = i;
    this.cursorStart = start;
    let at = target - start;
    const first = this.chunks[i];
    if (at + len <= first.length) return first.subarray(at, at + len);
    const out = this.copySpace(len);
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

  /**
   * Room for a copied segment, cut from the shared slab (a segment's payload may be kept by whoever
   * holds the segment, so a region is never reused), instead of an ArrayBuffer per copy.
   */
  private copySpace(len: number): Uint8Array {
    if (copySlabUsed + len > copySlab.length) {
      copySlab = new Uint8Array(Math.max(COPY_SLAB_BYTES, len));
      copySlabUsed = 0;
    }
    const out = copySlab.subarray(copySlabUsed, copySlabUsed + len);
    copySlabUsed += (len + 7) & ~7;
    return out;
  }

  clear(): void {
    this.chunks = NO_CHUNKS;
    this.head = 0;
    this.headOffset = 0;
    this.length = 0;
    this.cursor = 0;
    this.cursorStart = this.consumed;
  }
}

const EMPTY = new Uint8Array(0);
/** The chunk list of every empty buffer: never written (push replaces it first). */
const NO_CHUNKS: Uint8Array[] = [];
/**
 * The slab copies are cut from, shared by every send buffer: a region is handed out once and never
 * written again, so sharing leaks nothing between connections and costs an idle one no memory.
 */
const COPY_SLAB_BYTES = 64 * 1024;
let copySlab = EMPTY;
let copySlabUsed = 0;
