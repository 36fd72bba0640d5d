/**
 * Capture files: reading pcap (both byte orders, micro- and nanosecond) and pcapng (sections,
 * interfaces with their own link types and time resolutions, enhanced/simple/obsolete packet
 * blocks), and writing pcap. Reading never throws: a damaged file yields the records read before
 * the damage and a reason.
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
  /** The captured bytes (a view into the file's buffer). */
  data: Uint8Array;
  /** Length of the packet on the wire (may exceed `data.length` when the capture was cut). */
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

/** Read a pcap or pcapng file held in memory. */
export function readCapture(file: Uint8Array): Capture | DecodeFailure {
  if (file.length < 4) return fail('bad-capture', `file of ${file.length} bytes is too short to be a capture`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicBE = view.getUint32(0, false);
  if (magicBE === PCAPNG_SHB) return readPcapng(file, view);
  const magicLE = view.getUint32(0, true);
  for (const [magic, littleEndian] of [
    [magicBE, false],
    [magicLE, true],
  ] as const) {
    if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) return readPcap(file, view, littleEndian, magic === PCAP_MAGIC_NS);
  }
  return fail('bad-capture', `unknown magic number 0x${magicBE.toString(16).padStart(8, '0')}: neither pcap nor pcapng`);
}

function readPcap(file: Uint8Array, view: DataView, le: boolean, nanos: boolean): Capture | DecodeFailure {
  if (file.length < 24) return fail('bad-capture', 'pcap file header is cut off');
  // The link-type field's upper bits may carry FCS information (pcap draft §4); the type is the low 16 bits.
  const linkType = view.getUint32(20, le) & 0xffff;
  const records: CaptureRecord[] = [];
  let at = 24;
  while (at < file.length) {
    if (at + 16 > file.length) return capture('pcap', records, fail('truncated', `record ${records.length + 1} header is cut off`));
    const seconds = view.getUint32(at, le);
    const frac = view.getUint32(at + 4, le);
    const caplen = view.getUint32(at + 8, le);
    const origlen = view.getUint32(at + 12, le);
    if (at + 16 + caplen > file.length) {
      return capture('pcap', records, fail('truncated', `record ${records.length + 1} claims ${caplen} bytes, ${file.length - at - 16} remain`));
    }
    records.push({
      frame: records.length + 1,
      seconds,
      nanoseconds: nanos ? frac : frac * 1000,
      linkType,
      data: file.subarray(at + 16, at + 16 + caplen),
      originalLength: origlen,
    });
    at += 16 + caplen;
  }
  return capture('pcap', records);
}

function capture(format: Capture['format'], records: CaptureRecord[], damage?: DecodeFailure): Capture {
  return damage ? { ok: true, format, records, damage } : { ok: true, format, records };
}

interface PcapngInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetSeconds: number;
}

function readPcapng(file: Uint8Array, view: DataView): Capture | DecodeFailure {
  const records: CaptureRecord[] = [];
  let interfaces: PcapngInterface[] = [];
  let le = true;
  let at = 0;
  const damaged = (detail: string): Capture => capture('pcapng', records, fail('bad-capture', detail));
  while (at < file.length) {
    if (at + 12 > file.length) return damaged(`block at byte ${at} is cut off`);
    let type = view.getUint32(at, le);
    if (view.getUint32(at, false) === PCAPNG_SHB) {
      // A Section Header Block sets the byte order of everything up to the next one.
      if (at + 28 > file.length) return damaged(`section header at byte ${at} is cut off`);
      const bom = view.getUint32(at + 8, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (view.getUint32(at + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else return damaged(`section header at byte ${at} has no byte-order magic`);
      type = PCAPNG_SHB;
      interfaces = [];
    }
    const blockLength = view.getUint32(at + 4, le);
    if (blockLength < 12 || blockLength % 4 !== 0 || at + blockLength > file.length) {
      return damaged(`block at byte ${at} has length ${blockLength}, ${file.length - at} bytes remain`);
    }
    if (view.getUint32(at + blockLength - 4, le) !== blockLength) return damaged(`block at byte ${at}: trailing length differs`);
    const body = at + 8;
    const bodyEnd = at + blockLength - 4;
    if (type === 1) {
      // Interface Description Block.
      if (bodyEnd - body < 8) return damaged(`interface block at byte ${at} is too short`);
      const iface: PcapngInterface = {
        linkType: view.getUint16(body, le),
        snaplen: view.getUint32(body + 4, le),
        unitsPerSecond: 1e6,
        offsetSeconds: 0,
      };
      readOptions(view, body + 8, bodyEnd, le, (code, start, len) => {
        if (code === 9 && len >= 1) {
          const r = file[start];
          iface.unitsPerSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** (r & 0x7f);
        } else if (code === 14 && len >= 8) {
          iface.offsetSeconds = Number(view.getBigInt64(start, le));
        }
      });
      interfaces.push(iface);
    } else if (type === 6 || type === 2) {
      // Enhanced Packet Block (6), or the obsolete Packet Block (2).
      if (bodyEnd - body < 20) return damaged(`packet block at byte ${at} is too short`);
      const ifIndex = type === 6 ? view.getUint32(body, le) : view.getUint16(body, le);
      const iface = interfaces[ifIndex];
      if (!iface) return damaged(`packet block at byte ${at} names interface ${ifIndex}, which is not described`);
      const high = view.getUint32(body + 4, le);
      const low = view.getUint32(body + 8, le);
      const caplen = view.getUint32(body + 12, le);
      const origlen = view.getUint32(body + 16, le);
      if (body + 20 + caplen > bodyEnd) return damaged(`packet block at byte ${at} claims ${caplen} bytes of data`);
      records.push(makeRecord(records.length + 1, iface, high, low, file.subarray(body + 20, body + 20 + caplen), origlen));
    } else if (type === 3) {
      // Simple Packet Block: interface 0, no timestamp.
      const iface = interfaces[0];
      if (!iface) return damaged(`simple packet block at byte ${at} before any interface`);
      if (bodyEnd - body < 4) return damaged(`simple packet block at byte ${at} is too short`);
      const origlen = view.getUint32(body, le);
      let caplen = Math.min(origlen, bodyEnd - body - 4);
      if (iface.snaplen) caplen = Math.min(caplen, iface.snaplen);
      records.push(makeRecord(records.length + 1, iface, 0, 0, file.subarray(body + 4, body + 4 + caplen), origlen));
    }
    // Every other block (name resolution, statistics, custom, ...) carries no packets: skipped.
    at += blockLength;
  }
  return capture('pcapng', records);
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
