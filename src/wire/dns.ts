/**
 * DNS messages (RFC 1035 §4.1; AAAA from RFC 3596): the header, questions, and the answer,
 * authority and additional records, with A, AAAA, NS, CNAME, SOA, PTR, MX and TXT data read into
 * fields and every other type kept as raw bytes.
 *
 * Names are text in presentation form, without the final dot ("www.example.com"; the root is "").
 * A label byte that is not a printable character, and "." or "\" inside a label, are written as
 * RFC 1035 §5.1 escapes (\DDD, \.), and the encoder reads the same escapes back.
 *
 * Compression (§4.1.4) is read, and written by the encoder for every name it has already written.
 * Reading a name is bounded: a pointer must point before the labels it continues ("a prior
 * occurrence"), so each jump lands further back than the last and no chain can loop; at most 127 pointers are followed per name; and a
 * name longer than 255 bytes (§2.3.4) is refused. Each failure is a typed `bad-name`, never a hang.
 */
import { ipToString } from './address.js';
import { u16, u32, put16, put32 } from './bytes.js';
import { checkBytes, checkIpv4Address, checkIpv6Address, checkObject, fieldError, typeError, U16, U32 } from './checks.js';
import { fail, type DecodeFailure } from './errors.js';

export const DNS_PORT = 53;
export const DnsType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const DNS_TYPE_NAMES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 41: 'OPT', 255: 'ANY' };
export const DnsClass = { IN: 1, ANY: 255 } as const;
export const DnsRcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const DNS_RCODE_NAMES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };
export const DnsOpcode = { QUERY: 0, IQUERY: 1, STATUS: 2 } as const;
export const DNS_HEADER = 12;
/** §2.3.4: a name is at most 255 bytes on the wire, a label at most 63. */
export const MAX_NAME = 255;
const MAX_LABEL = 63;
/** A 255-byte name has at most 127 labels; legitimate compression never needs more pointers than that. */
const MAX_POINTERS = 127;

export type DnsData =
  | { kind: 'A'; address: number }
  | { kind: 'AAAA'; address: Uint8Array }
  | { kind: 'NS' | 'CNAME' | 'PTR'; name: string }
  | { kind: 'MX'; preference: number; exchange: string }
  | { kind: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'TXT'; strings: string[] }
  | { kind: 'raw'; data: Uint8Array };

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  /** Seconds. */
  ttl: number;
  data: DnsData;
}

export interface DnsMessage {
  id: number;
  /** QR: a response. */
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  /** The Z bit (must be zero, RFC 1035), and RFC 4035's AD and CD. */
  zero: boolean;
  authenticData: boolean;
  checkingDisabled: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

export type DecodedDns = DnsMessage & { readonly ok: true };

const KIND_TYPE: Record<Exclude<DnsData['kind'], 'raw'>, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28 };

// ---- decoding -------------------------------------------------------------------------------

interface NameRead {
  name: string;
  /** Where the bytes after the name (in place, not after a pointer) begin. */
  next: number;
}

function escapeLabel(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 0x2e || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\' + String(c).padStart(3, '0');
  }
  return s;
}

/** Read the name at `at` of message `b` (length `end`), following compression pointers. */
function readName(b: Uint8Array, at: number, end: number): NameRead | DecodeFailure {
  const labels: string[] = [];
  let wire = 0;
  let pointers = 0;
  let next = -1;
  let i = at;
  // Where the labels being read began: a pointer must point before it, so each jump goes further
  // back than the last and no chain can come round again.
  let segment = at;
  for (;;) {
    if (i >= end) return fail('truncated', `name at ${at} runs past the message`);
    const len = b[i];
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (i + 2 > end) return fail('truncated', `compression pointer at ${i} cut off`);
      const target = ((len & 0x3f) << 8) | b[i + 1];
      if (next < 0) next = i + 2;
      if (target >= segment) return fail('bad-name', `compression pointer at ${i} to ${target} does not point before the name it continues (a loop or a forward pointer)`);
      if (++pointers > MAX_POINTERS) return fail('bad-name', `more than ${MAX_POINTERS} compression pointers in one name`);
      i = segment = target;
      continue;
    }
    if (kind !== 0) return fail('bad-name', `label type 0x${kind.toString(16)} at ${i} (only plain labels and pointers exist)`);
    wire += len + 1;
    if (wire > MAX_NAME) return fail('bad-name', `name at ${at} is longer than ${MAX_NAME} bytes`);
    if (len === 0) {
      if (next < 0) next = i + 1;
      return { name: labels.join('.'), next };
    }
    if (i + 1 + len > end) return fail('truncated', `label at ${i} runs past the message`);
    labels.push(escapeLabel(b, i + 1, i + 1 + len));
    i += 1 + len;
  }
}

function characterStrings(b: Uint8Array, start: number, end: number): string[] | undefined {
  const out: string[] = [];
  let i = start;
  while (i < end) {
    const n = b[i];
    if (i + 1 + n > end) return undefined;
    let s = '';
    for (let k = i + 1; k < i + 1 + n; k++) s += String.fromCharCode(b[k]);
    out.push(s);
    i += 1 + n;
  }
  return out;
}

/** The record data at b[start, end) for `type`; names may point anywhere before them in the message. */
function readData(b: Uint8Array, type: number, cls: number, start: number, end: number, msgEnd: number): DnsData | DecodeFailure {
  const len = end - start;
  const wrong = (what: string) => fail('bad-length', `${DNS_TYPE_NAMES[type]} record data of ${len} bytes ${what}`);
  // Only class IN gives A and AAAA their meaning (RFC 1035 §3.4.1, RFC 3596 §2.1); names read in any class.
  if (type === DnsType.A && cls === DnsClass.IN) return len === 4 ? { kind: 'A', address: u32(b, start) } : wrong('(it has 4)');
  if (type === DnsType.AAAA && cls === DnsClass.IN) return len === 16 ? { kind: 'AAAA', address: b.slice(start, end) } : wrong('(it has 16)');
  const nameIn = (at: number): NameRead | DecodeFailure => {
    const r = readName(b, at, msgEnd);
    if ('ok' in r) return r;
    if (r.next > end) return fail('bad-length', `a name runs past its ${DNS_TYPE_NAMES[type]} record data`);
    return r;
  };
  switch (type) {
    case DnsType.NS:
    case DnsType.CNAME:
    case DnsType.PTR: {
      const r = nameIn(start);
      if ('ok' in r) return r;
      if (r.next !== end) return wrong('(bytes after the name)');
      return { kind: DNS_TYPE_NAMES[type] as 'NS' | 'CNAME' | 'PTR', name: r.name };
    }
    case DnsType.MX: {
      if (len < 3) return wrong('(too short)');
      const r = nameIn(start + 2);
      if ('ok' in r) return r;
      if (r.next !== end) return wrong('(bytes after the name)');
      return { kind: 'MX', preference: u16(b, start), exchange: r.name };
    }
    case DnsType.SOA: {
      const m = nameIn(start);
      if ('ok' in m) return m;
      const r = nameIn(m.next);
      if ('ok' in r) return r;
      if (end - r.next !== 20) return wrong('(five 32-bit numbers follow the names)');
      const n = r.next;
      return { kind: 'SOA', mname: m.name, rname: r.name, serial: u32(b, n), refresh: u32(b, n + 4), retry: u32(b, n + 8), expire: u32(b, n + 12), minimum: u32(b, n + 16) };
    }
    case DnsType.TXT: {
      const strings = characterStrings(b, start, end);
      if (!strings || strings.length === 0) return wrong('(not a sequence of character strings)');
      return { kind: 'TXT', strings };
    }
    default:
      return { kind: 'raw', data: b.slice(start, end) };
  }
}

/** Decode a DNS message (a UDP datagram's data, or a TCP message without its 2-byte length). */
export function decodeDns(bytes: Uint8Array, offset = 0, length = bytes.length - offset): DecodedDns | DecodeFailure {
  if (offset < 0 || length < 0 || offset + length > bytes.length) return fail('truncated', `message of ${length} bytes at ${offset} in a buffer of ${bytes.length}`);
  if (length < DNS_HEADER) return fail('truncated', `DNS message of ${length} bytes`);
  // Offsets inside a message (pointers) count from its first byte: read a view of it alone.
  const b = bytes.subarray(offset, offset + length);
  const flags = u16(b, 2);
  const counts = [u16(b, 4), u16(b, 6), u16(b, 8), u16(b, 10)];
  let i = DNS_HEADER;
  const questions: DnsQuestion[] = [];
  for (let q = 0; q < counts[0]; q++) {
    const n = readName(b, i, length);
    if ('ok' in n) return n;
    if (n.next + 4 > length) return fail('truncated', `question ${q + 1} cut off`);
    questions.push({ name: n.name, type: u16(b, n.next), class: u16(b, n.next + 2) });
    i = n.next + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let r = 0; r < counts[s + 1]; r++) {
      const n = readName(b, i, length);
      if ('ok' in n) return n;
      const at = n.next;
      if (at + 10 > length) return fail('truncated', `record ${r + 1} of section ${s + 1} cut off`);
      const type = u16(b, at);
      const cls = u16(b, at + 2);
      const rdlength = u16(b, at + 8);
      if (at + 10 + rdlength > length) return fail('truncated', `record data of ${rdlength} bytes runs past the message`);
      const data = readData(b, type, cls, at + 10, at + 10 + rdlength, length);
      if ('ok' in data) return data;
      sections[s].push({ name: n.name, type, class: cls, ttl: u32(b, at + 4), data });
      i = at + 10 + rdlength;
    }
  }
  return {
    ok: true,
    id: u16(b, 0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    zero: (flags & 0x0040) !== 0,
    authenticData: (flags & 0x0020) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0],
    authorities: sections[1],
    additionals: sections[2],
  };
}

// ---- encoding -------------------------------------------------------------------------------

/** The labels of a presentation-form name, escapes undone; throws a RangeError for an empty label or one over 63 bytes. */
export function nameLabels(name: string, where = 'nameLabels', field = 'name'): Uint8Array[] {
  if (typeof name !== 'string') throw typeError(where, field, name, 'a domain name as a string');
  if (name === '' || name === '.') return [];
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  const end = name.endsWith('.') && !name.endsWith('\\.') ? name.length - 1 : name.length;
  for (let i = 0; i < end; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      labels.push(Uint8Array.from(cur));
      cur = [];
    } else if (c === 0x5c) {
      const d = /^[0-9]{3}/.exec(name.slice(i + 1, i + 4));
      if (d && Number(d[0]) <= 255) {
        cur.push(Number(d[0]));
        i += 3;
      } else if (i + 1 < end) {
        cur.push(name.charCodeAt(++i));
      } else throw new RangeError(`${where}: ${field} ${JSON.stringify(name)} ends in a lone backslash`);
    } else if (c > 255) {
      throw new RangeError(`${where}: ${field} ${JSON.stringify(name)} has a character past 255 (code ${c}); write non-ASCII names in their IDNA (xn--) form`);
    } else cur.push(c);
  }
  labels.push(Uint8Array.from(cur));
  let wire = 1;
  for (const l of labels) {
    if (l.length === 0) throw new RangeError(`${where}: ${field} ${JSON.stringify(name)} has an empty label`);
    if (l.length > MAX_LABEL) throw new RangeError(`${where}: ${field} ${JSON.stringify(name)} has a label of ${l.length} bytes (at most ${MAX_LABEL})`);
    wire += 1 + l.length;
  }
  if (wire > MAX_NAME) throw new RangeError(`${where}: ${field} ${JSON.stringify(name)} is ${wire} bytes on the wire (at most ${MAX_NAME})`);
  return labels;
}

/** A growing message buffer with the compression table (lower-cased name suffix -> offset). */
class Writer {
  buf = new Uint8Array(512);
  at = 0;
  private suffixes = new Map<string, number>();
  constructor(private readonly compress: boolean) {}
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.at));
    this.buf = b;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }
  u16(v: number): void {
    this.room(2);
    put16(this.buf, this.at, v);
    this.at += 2;
  }
  u32(v: number): void {
    this.room(4);
    put32(this.buf, this.at, v);
    this.at += 4;
  }
  bytes(v: Uint8Array): void {
    this.room(v.length);
    this.buf.set(v, this.at);
    this.at += v.length;
  }
  name(name: string, where: string, field: string): void {
    const labels = nameLabels(name, where, field);
    for (let k = 0; k < labels.length; k++) {
      // Only an exact match is reused: names compare case-insensitively (RFC 1035 §2.3.3), but a
      // pointer to "test" for "Test" would change what the reader sees (and resolvers that randomise
      // case, draft-vixie-dnsext-dns0x20, check it is echoed).
      const key = labels.slice(k).map((l) => l.join(',')).join('.');
      const prior = this.compress ? this.suffixes.get(key) : undefined;
      if (prior !== undefined) {
        this.u16(0xc000 | prior);
        return;
      }
      // A pointer holds 14 bits of offset: suffixes written later than that are not reusable.
      if (this.compress && this.at < 0x4000) this.suffixes.set(key, this.at);
      this.u8(labels[k].length);
      this.bytes(labels[k]);
    }
    this.u8(0);
  }
}

export type DnsMessageSpec = Partial<Omit<DnsMessage, 'id' | 'questions' | 'answers' | 'authorities' | 'additionals'>> & {
  id: number;
  questions?: DnsQuestion[];
  answers?: DnsRecord[];
  authorities?: DnsRecord[];
  additionals?: DnsRecord[];
};

/**
 * Encode a DNS message, compressing every name that repeats a suffix already written (unless
 * `compress` is false). Every field is checked first: a TypeError or RangeError names it.
 */
export function encodeDns(spec: DnsMessageSpec, compress = true): Uint8Array {
  const where = 'encodeDns';
  checkObject(spec, where, 'spec');
  if ((spec.id & 0xffff) !== spec.id) throw fieldError(where, 'id', spec.id, U16);
  const opcode = spec.opcode ?? 0;
  const rcode = spec.rcode ?? 0;
  if ((opcode & 0xf) !== opcode) throw fieldError(where, 'opcode', opcode, 'an integer in [0, 15]');
  if ((rcode & 0xf) !== rcode) throw fieldError(where, 'rcode', rcode, 'an integer in [0, 15] (extended codes need EDNS)');
  const sections = [spec.questions ?? [], spec.answers ?? [], spec.authorities ?? [], spec.additionals ?? []];
  const names = ['questions', 'answers', 'authorities', 'additionals'];
  sections.forEach((s, k) => {
    if (!Array.isArray(s)) throw typeError(where, names[k], s, 'an array');
    if (s.length > 0xffff) throw new RangeError(`${where}: ${names[k]} has ${s.length} entries (at most 65535)`);
  });
  const w = new Writer(compress);
  w.u16(spec.id);
  w.u16(
    (spec.response ? 0x8000 : 0) |
      (opcode << 11) |
      (spec.authoritative ? 0x0400 : 0) |
      (spec.truncated ? 0x0200 : 0) |
      (spec.recursionDesired ? 0x0100 : 0) |
      (spec.recursionAvailable ? 0x0080 : 0) |
      (spec.zero ? 0x0040 : 0) |
      (spec.authenticData ? 0x0020 : 0) |
      (spec.checkingDisabled ? 0x0010 : 0) |
      rcode,
  );
  for (const s of sections) w.u16(s.length);
  (sections[0] as DnsQuestion[]).forEach((q, i) => {
    const path = `questions[${i}]`;
    checkObject(q, where, path);
    if ((q.type & 0xffff) !== q.type) throw fieldError(where, `${path}.type`, q.type, U16);
    if ((q.class & 0xffff) !== q.class) throw fieldError(where, `${path}.class`, q.class, U16);
    w.name(q.name, where, `${path}.name`);
    w.u16(q.type);
    w.u16(q.class);
  });
  for (let k = 1; k < 4; k++) (sections[k] as DnsRecord[]).forEach((r, i) => writeRecord(w, r, where, `${names[k]}[${i}]`));
  return w.buf.slice(0, w.at);
}

function writeRecord(w: Writer, r: DnsRecord, where: string, path: string): void {
  checkObject(r, where, path);
  if ((r.type & 0xffff) !== r.type) throw fieldError(where, `${path}.type`, r.type, U16);
  if ((r.class & 0xffff) !== r.class) throw fieldError(where, `${path}.class`, r.class, U16);
  if (r.ttl >>> 0 !== r.ttl) throw fieldError(where, `${path}.ttl`, r.ttl, U32);
  const d = r.data;
  checkObject(d, where, `${path}.data`);
  if (d.kind !== 'raw') {
    const t = KIND_TYPE[d.kind];
    if (t === undefined) throw typeError(where, `${path}.data.kind`, d.kind, "one of 'A', 'AAAA', 'NS', 'CNAME', 'PTR', 'MX', 'SOA', 'TXT', 'raw'");
    if (t !== r.type) throw new RangeError(`${where}: ${path}.type is ${r.type} but its data is ${d.kind} (type ${t})`);
  }
  w.name(r.name, where, `${path}.name`);
  w.u16(r.type);
  w.u16(r.class);
  w.u32(r.ttl);
  const lengthAt = w.at;
  w.u16(0);
  const start = w.at;
  switch (d.kind) {
    case 'A':
      checkIpv4Address(d.address, where, `${path}.data.address`);
      w.u32(d.address);
      break;
    case 'AAAA':
      checkIpv6Address(d.address, where, `${path}.data.address`);
      w.bytes(d.address);
      break;
    case 'NS':
    case 'CNAME':
    case 'PTR':
      w.name(d.name, where, `${path}.data.name`);
      break;
    case 'MX':
      if ((d.preference & 0xffff) !== d.preference) throw fieldError(where, `${path}.data.preference`, d.preference, U16);
      w.u16(d.preference);
      w.name(d.exchange, where, `${path}.data.exchange`);
      break;
    case 'SOA':
      w.name(d.mname, where, `${path}.data.mname`);
      w.name(d.rname, where, `${path}.data.rname`);
      for (const f of ['serial', 'refresh', 'retry', 'expire', 'minimum'] as const) {
        if (d[f] >>> 0 !== d[f]) throw fieldError(where, `${path}.data.${f}`, d[f], U32);
        w.u32(d[f]);
      }
      break;
    case 'TXT':
      if (!Array.isArray(d.strings) || d.strings.length === 0) throw typeError(where, `${path}.data.strings`, d.strings, 'a non-empty array of strings');
      d.strings.forEach((s, i) => {
        if (typeof s !== 'string') throw typeError(where, `${path}.data.strings[${i}]`, s, 'a string');
        if (s.length > 255) throw new RangeError(`${where}: ${path}.data.strings[${i}] must be at most 255 characters, got ${s.length}`);
        w.u8(s.length);
        for (let k = 0; k < s.length; k++) {
          const c = s.charCodeAt(k);
          if (c > 255) throw new RangeError(`${where}: ${path}.data.strings[${i}] has a character past 255 (code ${c}); encode it as bytes first`);
          w.u8(c);
        }
      });
      break;
    case 'raw':
      checkBytes(d.data, where, `${path}.data.data`);
      w.bytes(d.data);
      break;
  }
  const rdlength = w.at - start;
  if (rdlength > 0xffff) throw new RangeError(`${where}: ${path}'s data is ${rdlength} bytes (at most 65535)`);
  put16(w.buf, lengthAt, rdlength);
}

/** The name PTR queries use for an address (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa). */
export function reverseName(addr: number | Uint8Array): string {
  if (typeof addr === 'number') return `${ipToString(addr).split('.').reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((addr[i] & 0xf).toString(16), (addr[i] >>> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

/** How a record's data reads in a line: "198.18.0.5", "mail.example.com" (MX: "10 mail.example.com"). */
export function dnsDataText(d: DnsData): string {
  switch (d.kind) {
    case 'A':
    case 'AAAA':
      return ipToString(d.address);
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return d.name;
    case 'MX':
      return `${d.preference} ${d.exchange}`;
    case 'SOA':
      return `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case 'TXT':
      return d.strings.map((s) => JSON.stringify(s)).join(' ');
    case 'raw':
      return `${d.data.length} bytes`;
  }
}
