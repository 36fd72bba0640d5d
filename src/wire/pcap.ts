/**
 * Capture files: reading pcap (both byte orders, micro- and nanosecond) and pcapng (sections,
 * interfaces with their own link types and time resolutions, enhanced/simple/obsolete packet
 * blocks), and writing pcap. Reading never throws: a damaged file yields the records read before
 * the damage and a reason.
 *
 * Reading is incremental (`CaptureReader`): bytes are pushed in chunks of any size, as a file or a
 * pipe delivers them, and each push returns the records it completed. Only the one record cut by a
 * chunk's end is held back (copied), so memory does not grow with the file, and a file of any size
 * (past 2 GiB, past a Uint8Array's length) can be read. `readCapture` is the same reader given the
 * whole file at once.
 */
import { concatBytes } from './bytes.js';
import { fail, type DecodeFailure } from './errors.js';
import { fieldError, typeError } from './checks.js';

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export interface CaptureRecord {
  /** 1-based, in file order. */
  frame: number;
  /** Capture time: whole seconds since the epoch and the nanoseconds within that second. */
  seconds: number;
  nanoseconds: number;
  linkType: number;
  /** The captured bytes (a view into the chunk it was read from). */
  data: Uint8Array;
  /** Length of the packet on the wire (exceeds `data.length` when the capture was cut by a snap length). */
  originalLength: number;
}

export interface Capture {
  readonly ok: true;
  format: 'pcap' | 'pcapng';
  records: CaptureRecord[];
  /** Set when the file ends in a damaged or cut-off record: what was wrong and where. */
  damage?: DecodeFailure;
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/**
 * The largest record or block a reader accepts. A length field beyond it is damage, not a reason to
 * hold the rest of the file in memory waiting for the record to end. libpcap's own bound is its
 * largest snap length (256 KiB); this leaves room for pcapng blocks with large options.
 */
export const MAX_CAPTURE_RECORD = 64 * 1024 * 1024;

interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetSeconds: number;
}

const NO_BYTES = new Uint8Array(0);

/**
 * A pcap or pcapng reader fed in chunks. `push` returns the records each chunk completed; `end`
 * says whether the stream stopped in the middle of something. After damage (or a stream that is no
 * capture at all: see `failure`) further pushes return nothing.
 */
export class CaptureReader {
  /** Known once the first 4 bytes have arrived. */
  format: Capture['format'] | undefined;
  /** The stream is not a capture (unknown magic, cut-off pcap header): nothing can be read. */
  failure: DecodeFailure | undefined;
  /** The capture is damaged at this point: the records before it were returned, none after. */
  damage: DecodeFailure | undefined;
  /** Records returned so far. */
  frames = 0;
  /** Bytes pushed so far, and bytes consumed by complete records and blocks. */
  bytesIn = 0;
  bytesConsumed = 0;

  /** Bytes held back for a record the last chunk cut (all a reader keeps between pushes). */
  get bytesHeld(): number {
    return this.carry.length + this.waitingBytes;
  }

  /** Bytes of an unfinished record, kept from the previous chunk. */
  private carry: Uint8Array = NO_BYTES;
  /** Chunks that arrived since, not yet enough to finish it, and how many bytes the record needs. */
  private waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  private need = 0;
  // pcap
  private le = true;
  private nanos = false;
  private linkType = 0;
  private headerRead = false;
  // pcapng
  private interfaces: PcapngInterface[] = [];

  /** Feed the next bytes of the stream; the records they complete, in order. */
  push(chunk: Uint8Array): CaptureRecord[] {
    this.bytesIn += chunk.length;
    if (this.failure || this.damage || chunk.length === 0) return [];
    let data = chunk;
    if (this.carry.length > 0) {
      // Chunks smaller than the record they continue are gathered (copied) until it is whole, so
      // tiny reads cost no more than big ones.
      this.waiting.push(chunk.slice());
      this.waitingBytes += chunk.length;
      if (this.carry.length + this.waitingBytes < this.need) return [];
      data = concatBytes([this.carry, ...this.waiting]);
      this.waiting = [];
      this.waitingBytes = 0;
    }
    const records: CaptureRecord[] = [];
    if (this.format === undefined) {
      if (data.length < 4) {
        this.keep(data, 0, 4);
        return records;
      }
      this.detect(data);
      if (this.failure) return records;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const at = this.format === 'pcap' ? this.pcapRecords(data, view, records) : this.pcapngBlocks(data, view, records);
    this.bytesConsumed += at;
    if (this.failure || this.damage || at === data.length) this.keep(NO_BYTES, 0, 0);
    else this.keep(data, at, this.needed(data, view, at));
    return records;
  }

  /** Keep data[at..] (copied, so the caller may reuse or drop its chunk) until `need` bytes are there. */
  private keep(data: Uint8Array, at: number, need: number): void {
    this.carry = data.length === at ? NO_BYTES : data.slice(at);
    this.need = need;
  }

  /** How many bytes, from `at`, the next record or block needs before it can be read. */
  private needed(data: Uint8Array, view: DataView, at: number): number {
    const left = data.length - at;
    if (this.format === 'pcap') {
      if (!this.headerRead) return 24;
      return left < 16 ? 16 : 16 + view.getUint32(at + 8, this.le);
    }
    if (left < 12) return 12;
    if (view.getUint32(at, false) === PCAPNG_SHB) {
      if (left < 28) return 28;
      const le = this.shbByteOrder(view, at) ?? this.le;
      return view.getUint32(at + 4, le);
    }
    return view.getUint32(at + 4, this.le);
  }

  /**
   * The stream has ended: undefined when it ended cleanly between records, else what was cut off
   * (also kept in `damage`, or in `failure` when not even a header arrived).
   */
  end(): DecodeFailure | undefined {
    if (this.failure) return this.failure;
    if (this.damage) return this.damage;
    const left = this.waiting.length ? concatBytes([this.carry, ...this.waiting]) : this.carry;
    if (this.format === undefined) {
      this.failure = fail('bad-capture', `file of ${left.length} bytes is too short to be a capture`);
      return this.failure;
    }
    if (this.format === 'pcap') {
      if (!this.headerRead) {
        this.failure = fail('bad-capture', 'pcap file header is cut off');
        return this.failure;
      }
      if (left.length === 0) return undefined;
      const n = this.frames + 1;
      if (left.length < 16) this.damage = fail('truncated', `record ${n} header is cut off`);
      else {
        const caplen = new DataView(left.buffer, left.byteOffset, left.byteLength).getUint32(8, this.le);
        this.damage = fail('truncated', `record ${n} claims ${caplen} bytes, ${left.length - 16} remain`);
      }
      return this.damage;
    }
    if (left.length === 0) return undefined;
    const at = this.bytesConsumed;
    if (left.length < 12) this.damage = fail('bad-capture', `block at byte ${at} is cut off`);
    else {
      const v = new DataView(left.buffer, left.byteOffset, left.byteLength);
      if (v.getUint32(0, false) === PCAPNG_SHB && left.length < 28) this.damage = fail('bad-capture', `section header at byte ${at} is cut off`);
      else {
        const le = v.getUint32(0, false) === PCAPNG_SHB ? this.shbByteOrder(v, 0) ?? this.le : this.le;
        this.damage = fail('bad-capture', `block at byte ${at} has length ${v.getUint32(4, le)}, ${left.length} bytes remain`);
      }
    }
    return this.damage;
  }

  private detect(data: Uint8Array): void {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const magicBE = view.getUint32(0, false);
    if (magicBE === PCAPNG_SHB) {
      this.format = 'pcapng';
      return;
    }
    const magicLE = view.getUint32(0, true);
    for (const [magic, littleEndian] of [
      [magicBE, false],
      [magicLE, true],
    ] as const) {
      if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) {
        this.format = 'pcap';
        this.le = littleEndian;
        this.nanos = magic === PCAP_MAGIC_NS;
        return;
      }
    }
    this.failure = fail('bad-capture', `unknown magic number 0x${magicBE.toString(16).padStart(8, '0')}: neither pcap nor pcapng`);
  }

  /** Reads whole records from data; returns where the first incomplete one starts. */
  private pcapRecords(data: Uint8Array, view: DataView, records: CaptureRecord[]): number {
    let at = 0;
    const le = this.le;
    if (!this.headerRead) {
      if (data.length < 24) return 0;
      // The link-type field's upper bits may carry FCS information (pcap draft §4); the type is the low 16 bits.
      this.linkType = view.getUint32(20, le) & 0xffff;
      this.headerRead = true;
      at = 24;
    }
    while (at + 16 <= data.length) {
      const caplen = view.getUint32(at + 8, le);
      if (caplen > MAX_CAPTURE_RECORD) {
        this.damage = fail('bad-capture', `record ${this.frames + 1} claims ${caplen} bytes, more than any capture record (${MAX_CAPTURE_RECORD})`);
        return at;
      }
      if (at + 16 + caplen > data.length) break;
      const frac = view.getUint32(at + 4, le);
      records.push({
        frame: ++this.frames,
        seconds: view.getUint32(at, le),
        nanoseconds: this.nanos ? frac : frac * 1000,
        linkType: this.linkType,
        data: data.subarray(at + 16, at + 16 + caplen),
        originalLength: view.getUint32(at + 12, le),
      });
      at += 16 + caplen;
    }
    return at;
  }

  private shbByteOrder(view: DataView, at: number): boolean | undefined {
    if (view.getUint32(at + 8, true) === PCAPNG_BYTE_ORDER_MAGIC) return true;
    if (view.getUint32(at + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) return false;
    return undefined;
  }

  private pcapngBlocks(data: Uint8Array, view: DataView, records: CaptureRecord[]): number {
    let at = 0;
    const base = this.bytesConsumed;
    const damaged = (detail: string): number => {
      this.damage = fail('bad-capture', detail);
      return at;
    };
    while (at + 12 <= data.length) {
      let le = this.le;
      let type = view.getUint32(at, le);
      const shb = view.getUint32(at, false) === PCAPNG_SHB;
      if (shb) {
        // A Section Header Block sets the byte order of everything up to the next one.
        if (at + 28 > data.length) break;
        const order = this.shbByteOrder(view, at);
        if (order === undefined) return damaged(`section header at byte ${base + at} has no byte-order magic`);
        le = order;
        type = PCAPNG_SHB;
      }
      const blockLength = view.getUint32(at + 4, le);
      if (blockLength < 12 || blockLength % 4 !== 0 || blockLength > MAX_CAPTURE_RECORD) {
        return damaged(`block at byte ${base + at} has length ${blockLength}`);
      }
      if (at + blockLength > data.length) break;
      if (shb) {
        this.le = le;
        this.interfaces = [];
      }
      if (view.getUint32(at + blockLength - 4, le) !== blockLength) return damaged(`block at byte ${base + at}: trailing length differs`);
      const body = at + 8;
      const bodyEnd = at + blockLength - 4;
      if (type === 1) {
        // Interface Description Block.
        if (bodyEnd - body < 8) return damaged(`interface block at byte ${base + at} is too short`);
        const iface: PcapngInterface = {
          linkType: view.getUint16(body, le),
          snaplen: view.getUint32(body + 4, le),
          unitsPerSecond: 1e6,
          offsetSeconds: 0,
        };
        readOptions(view, body + 8, bodyEnd, le, (code, start, len) => {
          if (code === 9 && len >= 1) {
            const r = data[start];
            iface.unitsPerSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** (r & 0x7f);
          } else if (code === 14 && len >= 8) {
            iface.offsetSeconds = Number(view.getBigInt64(start, le));
          }
        });
        this.interfaces.push(iface);
      } else if (type === 6 || type === 2) {
        // Enhanced Packet Block (6), or the obsolete Packet Block (2).
        if (bodyEnd - body < 20) return damaged(`packet block at byte ${base + at} is too short`);
        const ifIndex = type === 6 ? view.getUint32(body, le) : view.getUint16(body, le);
        const iface = this.interfaces[ifIndex];
        if (!iface) return damaged(`packet block at byte ${base + at} names interface ${ifIndex}, which is not described`);
        const high = view.getUint32(body + 4, le);
        const low = view.getUint32(body + 8, le);
        const caplen = view.getUint32(body + 12, le);
        const origlen = view.getUint32(body + 16, le);
        if (body + 20 + caplen > bodyEnd) return damaged(`packet block at byte ${base + at} claims ${caplen} bytes of data`);
        records.push(makeRecord(++this.frames, iface, high, low, data.subarray(body + 20, body + 20 + caplen), origlen));
      } else if (type === 3) {
        // Simple Packet Block: interface 0, no timestamp.
        const iface = this.interfaces[0];
        if (!iface) return damaged(`simple packet block at byte ${base + at} before any interface`);
        if (bodyEnd - body < 4) return damaged(`simple packet block at byte ${base + at} is too short`);
        const origlen = view.getUint32(body, le);
        let caplen = Math.min(origlen, bodyEnd - body - 4);
        if (iface.snaplen) caplen = Math.min(caplen, iface.snaplen);
        records.push(makeRecord(++this.frames, iface, 0, 0, data.subarray(body + 4, body + 4 + caplen), origlen));
      }
      // Every other block (name resolution, statistics, custom, ...) carries no packets: skipped.
      at += blockLength;
    }
    return at;
  }
}

/** Read a pcap or pcapng file held in memory. */
export function readCapture(file: Uint8Array): Capture | DecodeFailure {
  const reader = new CaptureReader();
  const records = reader.push(file);
  const ended = reader.end();
  if (reader.failure) return reader.failure;
  const format = reader.format!;
  return ended ? { ok: true, format, records, damage: ended } : { ok: true, format, records };
}

function makeRecord(frame: number, iface: PcapngInterface, high: number, low: number, data: Uint8Array, origlen: number): CaptureRecord {
  const units = BigInt(high) * 0x1_0000_0000n + BigInt(low);
  const per = BigInt(Math.round(iface.unitsPerSecond));
  const whole = units / per;
  const rest = units % per;
  return {
    frame,
    seconds: Number(whole) + iface.offsetSeconds,
    nanoseconds: Number((rest * 1_000_000_000n) / per),
    linkType: iface.linkType,
    data,
    originalLength: origlen,
  };
}

function readOptions(view: DataView, start: number, end: number, le: boolean, each: (code: number, start: number, len: number) => void): void {
  let at = start;
  while (at + 4 <= end) {
    const code = view.getUint16(at, le);
    const len = view.getUint16(at + 2, le);
    if (code === 0 || at + 4 + len > end) return;
    each(code, at + 4, len);
    at += 4 + ((len + 3) & ~3);
  }
}

/** The 24-byte pcap file header: nanosecond timestamps, little-endian, snaplen 262144. */
export function encodePcapHeader(linkType: number = LinkType.RAW): Uint8Array {
  checkLinkType(linkType, 'encodePcapHeader');
  const out = new Uint8Array(24);
  const v = new DataView(out.buffer);
  v.setUint32(0, PCAP_MAGIC_NS, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 262144, true);
  v.setUint32(20, linkType, true);
  return out;
}

/** A 16-byte record header followed by the packet, timestamped `timeMs` milliseconds (fractions kept to the nanosecond). */
export function encodePcapRecord(data: Uint8Array, timeMs: number): Uint8Array {
  checkRecordFields(data, timeMs, 'encodePcapRecord', '');
  const out = new Uint8Array(16 + data.length);
  // Split whole seconds off before scaling: epoch-scale times in nanoseconds (~1.7e18) are past 2^53
  // and would lose up to a few hundred ns. The remainder t - s*1000 is exact (Sterbenz).
  const t = Math.max(0, timeMs);
  let seconds = Math.floor(t / 1000);
  if (seconds * 1000 > t) seconds--; // t / 1000 rounded up to an integer
  let nanoseconds = Math.round((t - seconds * 1000) * 1e6);
  if (nanoseconds >= 1e9) {
    seconds++;
    nanoseconds -= 1e9;
  }
  const v = new DataView(out.buffer);
  v.setUint32(0, seconds >>> 0, true);
  v.setUint32(4, nanoseconds, true);
  v.setUint32(8, data.length, true);
  v.setUint32(12, data.length, true);
  out.set(data, 16);
  return out;
}

/**
 * A whole pcap file of the given packets. Each must be a `{ data, timeMs }` record: anything else
 * (a bare Uint8Array, say) throws a TypeError naming its index.
 */
export function encodePcap(packets: ReadonlyArray<{ data: Uint8Array; timeMs: number }>, linkType: number = LinkType.RAW): Uint8Array {
  if (!Array.isArray(packets)) throw typeError('encodePcap', 'packets', packets, 'an array of { data: Uint8Array, timeMs: number } records');
  checkLinkType(linkType, 'encodePcap');
  for (let i = 0; i < packets.length; i++) checkRecord(packets[i], 'encodePcap', `packets[${i}]`);
  return concatBytes([encodePcapHeader(linkType), ...packets.map((p) => encodePcapRecord(p.data, p.timeMs))]);
}

function checkLinkType(linkType: number, where: string): void {
  if ((linkType & 0xffff) !== linkType) throw fieldError(where, 'linkType', linkType, 'an integer in [0, 65535] (a LinkType)');
}

/** Throws unless `p` is a packet record: `data` bytes and a finite `timeMs`. */
function checkRecord(p: { data: Uint8Array; timeMs: number }, where: string, path: string): void {
  if (p instanceof Uint8Array) {
    throw new TypeError(`${where}: ${path} must be a { data: Uint8Array, timeMs: number } record, got a bare Uint8Array of ${p.length} bytes (wrap it: { data, timeMs })`);
  }
  if (typeof p !== 'object' || p === null) throw typeError(where, path, p, 'a { data: Uint8Array, timeMs: number } record');
  checkRecordFields(p.data, p.timeMs, where, path + '.');
}

function checkRecordFields(data: Uint8Array, timeMs: number, where: string, path: string): void {
  if (!(data instanceof Uint8Array)) throw typeError(where, path + 'data', data, 'a Uint8Array');
  // A time before the epoch is written as the epoch (encodePcapRecord); NaN or Infinity has no place in a file.
  if (typeof timeMs !== 'number' || !Number.isFinite(timeMs)) throw fieldError(where, path + 'timeMs', timeMs, 'a finite number of milliseconds');
}
