/**
 * Capture files on disk, as streams: `PcapFile` writes a pcap as packets pass (a PacketTap for
 * DeviceDriver, or any caller's packets), and `readCaptureFile` reads a pcap or pcapng file (or
 * standard input) in chunks. Neither holds the file in memory, so neither has a size limit.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { concatBytes, CaptureReader, encodePcapHeader, encodePcapRecord, LinkType, type CaptureRecord, type DecodeFailure } from '../wire/index.js';
import type { PacketTap } from './device.js';

export interface PcapFileOptions {
  /**
   * Stop writing once the file would grow past this many bytes: the records before stay, whole, and
   * `error` says why the rest is missing (default: no limit).
   */
  maxBytes?: number;
  /** Bytes buffered before a write (default 1 MiB). */
  bufferBytes?: number;
}

/**
 * A pcap file written as packets pass: the header at once, records buffered and written in large
 * synchronous chunks, the rest on close. A write that fails (disk full, a size limit) never throws
 * into the packet path: the file is cut back to its last whole record, `error` keeps the reason, and
 * later packets are counted in `lost`, so what was written stays a valid capture.
 */
export class PcapFile {
  private fd: number | undefined;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Bytes in the file, all of them whole records (after the header). */
  private written = 0;
  private readonly maxBytes: number;
  private readonly bufferBytes: number;
  /** Records written (or buffered). */
  packets = 0;
  /** Packets not written because of `error`. */
  lost = 0;
  /** Why writing stopped, if it did. */
  error: Error | undefined;

  constructor(
    readonly path: string,
    /** Driver time 0 in epoch ms (default: now). */
    private readonly epochAtZero = Date.now(),
    opts: PcapFileOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? Infinity;
    this.bufferBytes = opts.bufferBytes ?? 1 << 20;
    this.fd = openSync(path, 'w');
    const header = encodePcapHeader(LinkType.RAW);
    this.written = this.writeAll(header, [header.length]);
    if (this.error) this.closeFd();
  }

  /** The tap to give a DeviceDriver (its time origin is this file's epochAtZero). */
  readonly tap: PacketTap = (packet, _direction, timeMs) => this.write(packet, this.epochAtZero + timeMs);

  /** Bytes written to the file so far (whole records only). */
  get bytesWritten(): number {
    return this.written;
  }

  write(packet: Uint8Array, epochMs: number): void {
    if (this.fd === undefined) {
      this.lost++;
      return;
    }
    const r = encodePcapRecord(packet, epochMs);
    if (this.written + this.buffered + r.length > this.maxBytes) {
      this.flush();
      this.stop(new Error(`capture limit of ${this.maxBytes} bytes reached after ${this.packets} packets`));
      this.lost++;
      return;
    }
    this.chunks.push(r);
    this.buffered += r.length;
    this.packets++;
    if (this.buffered >= this.bufferBytes) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.chunks.length === 0) return;
    const lengths = this.chunks.map((c) => c.length);
    const all = this.chunks.length === 1 ? this.chunks[0] : concatBytes(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    const whole = this.writeAll(all, lengths);
    this.written += whole;
    if (this.error) {
      // Records that did not reach the file whole are cut off and counted as lost.
      let kept = 0;
      let n = 0;
      for (const len of lengths) {
        if (kept + len > whole) break;
        kept += len;
        n++;
      }
      this.packets -= lengths.length - n;
      this.lost += lengths.length - n;
      this.closeFd();
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    this.closeFd();
  }

  /**
   * Write `bytes` (records of `lengths`) at the end of the file. Returns how many bytes of whole
   * records reached it; on a failure sets `error` and truncates the file to that boundary.
   */
  private writeAll(bytes: Uint8Array, lengths: number[]): number {
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done);
      return done;
    } catch (e) {
      this.error = e as Error;
      let whole = 0;
      for (const len of lengths) {
        if (whole + len > done) break;
        whole += len;
      }
      try {
        ftruncateSync(this.fd!, this.written + whole);
      } catch {
        // A device (/dev/full) or a pipe cannot be truncated: what was written stays.
      }
      return whole;
    }
  }

  private stop(error: Error): void {
    this.error ??= error;
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch (e) {
      this.error ??= e as Error;
    }
    this.fd = undefined;
  }
}


export interface ReadCaptureFileOptions {
  /** Bytes asked of each read (default 1 MiB). */
  chunkSize?: number;
  /** Called after each read with the bytes read so far and the file's size (undefined for a pipe). */
  onRead?: (bytesRead: number, totalBytes: number | undefined) => void;
}

export interface CaptureFileResult {
  /** The reader, with its format, frame count and any damage or failure. */
  reader: CaptureReader;
  /** The stream is not a capture at all (nothing was read), else undefined. */
  failure: DecodeFailure | undefined;
  /** The capture ends damaged or cut off after `reader.frames` records. */
  damage: DecodeFailure | undefined;
}

/**
 * Read a capture file (a path, or '-' for standard input) in chunks, calling `each` for every record
 * in file order. A record's `data` is a view into its chunk: keep a copy, not the view, to let the
 * chunk go. Throws the system's error (ENOENT, EISDIR, ...) when the file cannot be opened or read.
 */
export function readCaptureFile(file: string, each: (record: CaptureRecord) => void, opts: ReadCaptureFileOptions = {}): CaptureFileResult {
  const chunkSize = opts.chunkSize ?? 1 << 20;
  if (!(Number.isInteger(chunkSize) && chunkSize > 0)) throw new RangeError(`chunkSize must be a positive whole number, not ${chunkSize}`);
  const stdin = file === '-';
  const fd = stdin ? 0 : openSync(file, 'r');
  const reader = new CaptureReader();
  try {
    const st = fstatSync(fd);
    const total = st.isFile() ? st.size : undefined;
    let read = 0;
    for (;;) {
      // A fresh buffer each time: records handed out are views into it.
      const chunk = new Uint8Array(chunkSize);
      const n = readChunk(fd, chunk);
      if (n === 0) break;
      read += n;
      for (const r of reader.push(n === chunkSize ? chunk : chunk.subarray(0, n))) each(r);
      opts.onRead?.(read, total);
      if (reader.failure || reader.damage) break;
    }
  } finally {
    if (!stdin) closeSync(fd);
  }
  reader.end();
  return { reader, failure: reader.failure, damage: reader.damage };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** One read; waits briefly and retries when a non-blocking descriptor (stdin) has nothing yet. */
function readChunk(fd: number, into: Uint8Array): number {
  for (;;) {
    try {
      return readSync(fd, into, 0, into.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (code === 'EOF') return 0;
      throw e;
    }
  }
}
