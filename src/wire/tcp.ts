/**
 * The TCP header (RFC 9293 §3.1) and its options: decoding from bytes, encoding into bytes.
 */
import { put16, put32, u16, u32 } from './bytes.js';
import { fail, type DecodeFailure } from './errors.js';
import { checkBuffer, checkBytes, checkObject, checkRoom, fieldError, typeError, U16, U32, U8 } from './checks.js';

/** The 12-bit flags field (RFC 9293 §3.1, RFC 3168 for CWR/ECE, RFC 9768 for AE). */
export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  /** Accurate ECN (RFC 9768); formerly the NS bit. */
  AE: 0x100,
  /** The three reserved bits; kept as they arrive, never interpreted. */
  RESERVED: 0xe00,
} as const;

export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WSCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMP: 8,
  FAST_OPEN: 34,
  /** RFC 6994 experimental option; with magic 0xF989 it is Fast Open's pre-RFC form (RFC 7413 §4.1.1). */
  EXPERIMENTAL: 254,
} as const;

/** The RFC 6994 ExID of Fast Open in the experimental option (kind 254), as older stacks send it. */
export const FAST_OPEN_MAGIC = 0xf989;

export const TCP_MIN_HEADER = 20;
export const TCP_MAX_OPTIONS = 40;

/** A SACK block (RFC 2018): [left edge, right edge), sequence numbers. */
export type SackBlock = [left: number, right: number];

export interface TcpTimestamp {
  /** TSval */
  value: number;
  /** TSecr */
  echo: number;
}

export interface UnknownOption {
  kind: number;
  data: Uint8Array;
}

/**
 * The options present in a header. Absent fields were not present. A known kind whose length is
 * wrong for it (an MSS of length 3, say) is kept in `unknown` as it arrived, so that nothing is lost
 * and nothing malformed is believed. A known kind that appears more than once is believed from its
 * last well-formed occurrence (as Linux's tcp_parse_options does), and every occurrence of it is
 * also kept in `unknown`, in wire order, so that the header re-encodes as it arrived.
 */
export interface TcpOptions {
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  sack?: SackBlock[];
  timestamp?: TcpTimestamp;
  /** TCP Fast Open (RFC 7413, kind 34); an empty cookie is a cookie request. */
  fastOpenCookie?: Uint8Array;
  /** The Fast Open option is (or is to be) the experimental form: kind 254, magic 0xF989, cookie. */
  fastOpenExp?: boolean;
  unknown?: UnknownOption[];
  /**
   * Option kinds in wire order, NOP (1) and EOL (0) included, as decoded. When present the encoder
   * follows it, which reproduces a decoded header byte for byte (bytes after an EOL are written as
   * zeros); when absent it uses its own layout. A kind > 1 takes the next entry of `unknown` when
   * that entry has the same kind, else the typed field. After an EOL only EOLs follow: the decoder
   * adds one for each byte of padding beyond the last partial word, so the header keeps its length.
   */
  order?: number[];
}

/** What the encoder needs: the header without derived fields. */
export interface TcpHeaderFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** The 12-bit flags field: `TcpFlag` bits, reserved bits included. */
  flags: number;
  /** The raw 16-bit window field (before any window scaling). */
  window: number;
  /** Written as given by `encodeTcpHeader`; the packet builder computes it. */
  checksum?: number;
  urgentPointer: number;
  options?: TcpOptions;
}

export interface TcpHeader extends TcpHeaderFields {
  readonly ok: true;
  checksum: number;
  /** Header length in bytes (data offset * 4). */
  headerLength: number;
  options: TcpOptions;
  /** The segment's data: a view of the decoded bytes after the header (empty when there is none). */
  payload: Uint8Array;
  /** The ECN field of the IP header that carried it (RFC 3168 §5), for the layer that knows it. */
  ipEcn?: number;
}

/** The header length of the TCP segment in bytes[offset, offset + length), checked against the segment (both decoders'). */
function checkedHeaderLength(bytes: Uint8Array, offset: number, length: number): number | DecodeFailure {
  if (length < TCP_MIN_HEADER || offset + length > bytes.length) {
    return fail('truncated', `TCP segment of ${length} bytes, header needs ${TCP_MIN_HEADER}`);
  }
  const headerLength = (bytes[offset + 12] >>> 4) * 4;
  if (headerLength < TCP_MIN_HEADER) return fail('bad-data-offset', `data offset ${headerLength / 4} words is below 5`);
  if (headerLength > length) {
    return fail('bad-data-offset', `data offset ${headerLength / 4} words runs past the ${length}-byte segment`);
  }
  return headerLength;
}

/**
 * Decode the TCP header in bytes[offset, offset + length). `length` is the whole segment (header
 * and data), from the IP layer; the header may not extend past it.
 */
export function decodeTcpHeader(bytes: Uint8Array, offset = 0, length = bytes.length - offset): TcpHeader | DecodeFailure {
  const headerLength = checkedHeaderLength(bytes, offset, length);
  if (typeof headerLength !== 'number') return headerLength;
  const b12 = bytes[offset + 12];
  let options: TcpOptions | DecodeFailure = EMPTY_OPTIONS;
  if (headerLength > TCP_MIN_HEADER) {
    options = decodeTcpOptions(bytes, offset + TCP_MIN_HEADER, offset + headerLength);
    if ((options as DecodeFailure).ok === false) return options as DecodeFailure;
  }
  return {
    ok: true,
    srcPort: u16(bytes, offset),
    dstPort: u16(bytes, offset + 2),
    seq: u32(bytes, offset + 4),
    ack: u32(bytes, offset + 8),
    headerLength,
    flags: ((b12 & 0x0f) << 8) | bytes[offset + 13],
    window: u16(bytes, offset + 14),
    checksum: u16(bytes, offset + 16),
    urgentPointer: u16(bytes, offset + 18),
    options: options as TcpOptions,
    payload: headerLength < length ? bytes.subarray(offset + headerLength, offset + length) : NO_DATA,
  };
}

/**
 * What decodeTcpHeaderInto fills: a header made once and decoded into again and again, by a receive
 * path that keeps nothing of a header past its segment's processing (a stack's: the connection keeps
 * only the payload, a view of the packet). Its fields are all there from the start, so decoding into
 * it allocates nothing for the header; `timestampOptions` is the options object it takes for the
 * layout of nearly every segment after the handshake (NOP, NOP, timestamps), refilled in place.
 */
export interface ReusableTcpHeader {
  header: TcpHeader;
  timestampOptions: TcpOptions & { timestamp: TcpTimestamp };
}

export function reusableTcpHeader(): ReusableTcpHeader {
  return {
    header: { ok: true, srcPort: 0, dstPort: 0, seq: 0, ack: 0, headerLength: 0, flags: 0, window: 0, checksum: 0, urgentPointer: 0, options: EMPTY_OPTIONS, payload: NO_DATA, ipEcn: 0 },
    timestampOptions: { timestamp: { value: 0, echo: 0 }, order: NOP_NOP_TIMESTAMP },
  };
}

/**
 * decodeTcpHeader into `r.header` (see ReusableTcpHeader), which is returned: the same header is
 * filled again by the next call, so a caller that must keep a header copies it. Its options are
 * `r.timestampOptions` (refilled) when they are timestamps alone in the usual layout, else a fresh
 * object as decodeTcpHeader gives; its payload is a fresh view. `ipEcn` is left for the caller.
 */
export function decodeTcpHeaderInto(bytes: Uint8Array, offset: number, length: number, r: ReusableTcpHeader): TcpHeader | DecodeFailure {
  const headerLength = checkedHeaderLength(bytes, offset, length);
  if (typeof headerLength !== 'number') return headerLength;
  const b12 = bytes[offset + 12];
  let options: TcpOptions | DecodeFailure = EMPTY_OPTIONS;
  const start = offset + TCP_MIN_HEADER;
  if (headerLength === TCP_MIN_HEADER + 12 && bytes[start] === 1 && bytes[start + 1] === 1 && bytes[start + 2] === 8 && bytes[start + 3] === 10) {
    options = r.timestampOptions;
    options.timestamp!.value = u32(bytes, start + 4);
    options.timestamp!.echo = u32(bytes, start + 8);
  } else if (headerLength > TCP_MIN_HEADER) {
    options = decodeTcpOptions(bytes, start, offset + headerLength);
    if ((options as DecodeFailure).ok === false) return options as DecodeFailure;
  }
  const h = r.header;
  h.srcPort = u16(bytes, offset);
  h.dstPort = u16(bytes, offset + 2);
  h.seq = u32(bytes, offset + 4);
  h.ack = u32(bytes, offset + 8);
  h.headerLength = headerLength;
  h.flags = ((b12 & 0x0f) << 8) | bytes[offset + 13];
  h.window = u16(bytes, offset + 14);
  h.checksum = u16(bytes, offset + 16);
  h.urgentPointer = u16(bytes, offset + 18);
  h.options = options as TcpOptions;
  h.payload = headerLength < length ? bytes.subarray(offset + headerLength, offset + length) : NO_DATA;
  return h;
}

/** The data of every segment that carries none; never written. */
const NO_DATA = new Uint8Array(0);

/** Shared by every header without options; never mutated. */
const EMPTY_OPTIONS: TcpOptions = Object.freeze({}) as TcpOptions;

function addUnknown(opts: TcpOptions, kind: number, data: Uint8Array): void {
  (opts.unknown ??= []).push({ kind, data });
}

/** A bit per kind with a typed field, to notice a kind that appears twice. */
function typedKindBit(kind: number): number {
  switch (kind) {
    case TcpOptionKind.MSS:
      return 1;
    case TcpOptionKind.WSCALE:
      return 2;
    case TcpOptionKind.SACK_PERMITTED:
      return 4;
    case TcpOptionKind.SACK:
      return 8;
    case TcpOptionKind.TIMESTAMP:
      return 16;
    case TcpOptionKind.FAST_OPEN:
      return 32;
    default:
      return 0;
  }
}

/** Whether an option of this kind and total length (kind and length bytes included) fills its typed field. */
function wellFormed(kind: number, len: number): boolean {
  switch (kind) {
    case TcpOptionKind.MSS:
      return len === 4;
    case TcpOptionKind.WSCALE:
      return len === 3;
    case TcpOptionKind.SACK_PERMITTED:
      return len === 2;
    case TcpOptionKind.SACK:
      return len >= 10 && len <= 34 && (len - 2) % 8 === 0;
    case TcpOptionKind.TIMESTAMP:
      return len === 10;
    case TcpOptionKind.FAST_OPEN:
      // RFC 7413 §4.1.1: length 2 (request) or a 4- to 16-byte cookie.
      return len === 2 || (len >= 6 && len <= 18);
    default:
      return false;
  }
}

/** Kind 254 at bytes[i] of total length `len` is Fast Open's experimental form (magic, 0 or 4..16 bytes of cookie). */
function fastOpenExpWellFormed(bytes: Uint8Array, i: number, len: number): boolean {
  return len >= 4 && u16(bytes, i + 2) === FAST_OPEN_MAGIC && (len === 4 || (len >= 8 && len <= 20));
}

/**
 * Decode options in bytes[start, end). Parsing follows RFC 9293 §3.2: EOL ends the list, NOP is
 * one byte, every other kind has a length byte that counts itself and the kind. Unknown kinds are
 * kept (§3.1: "MUST ignore without error any TCP option it does not implement").
 */
export function decodeTcpOptions(bytes: Uint8Array, start: number, end: number): TcpOptions | DecodeFailure {
  // The layout of nearly every segment after the handshake (RFC 7323 Appendix A): NOP, NOP, timestamps.
  if (end - start === 12 && bytes[start] === 1 && bytes[start + 1] === 1 && bytes[start + 2] === 8 && bytes[start + 3] === 10) {
    return { timestamp: { value: u32(bytes, start + 4), echo: u32(bytes, start + 8) }, order: NOP_NOP_TIMESTAMP };
  }
  const opts: TcpOptions = {};
  const order = ORDER_SCRATCH;
  order.length = 0;
  let seen = 0;
  let repeated = 0;
  let i = start;
  while (i < end) {
    const kind = bytes[i];
    order.push(kind);
    if (kind === TcpOptionKind.EOL) {
      // The rest is padding (RFC 9293 §3.2). Whole words of it are kept as EOLs in `order` so that
      // the header re-encodes at its own length; the encoder pads the last partial word itself.
      for (let pad = end - i - 1; pad >= 4; pad -= 4) order.push(0, 0, 0, 0);
      break;
    }
    if (kind === TcpOptionKind.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return fail('option-overrun', `option kind ${kind} at byte ${i - start} has no length byte`);
    const len = bytes[i + 1];
    if (len < 2) return fail('bad-option-length', `option kind ${kind} has length ${len}`);
    if (i + len > end) {
      return fail('option-overrun', `option kind ${kind} of length ${len} runs ${i + len - end} bytes past the header`);
    }
    const bit = typedKindBit(kind);
    if (seen & bit) repeated |= bit;
    seen |= bit;
    switch (kind) {
      case TcpOptionKind.MSS:
        if (wellFormed(kind, len)) opts.mss = u16(bytes, i + 2);
        else addUnknown(opts, kind, bytes.slice(i + 2, i + len));
        break;
      case TcpOptionKind.WSCALE:
        if (wellFormed(kind, len)) opts.wscale = bytes[i + 2];
        else addUnknown(opts, kind, bytes.slice(i + 2, i + len));
        break;
      case TcpOptionKind.SACK_PERMITTED:
        if (wellFormed(kind, len)) opts.sackPermitted = true;
        else addUnknown(opts, kind, bytes.slice(i + 2, i + len));
        break;
      case TcpOptionKind.SACK:
        if (wellFormed(kind, len)) {
          const blocks: SackBlock[] = [];
          for (let j = i + 2; j < i + len; j += 8) blocks.push([u32(bytes, j), u32(bytes, j + 4)]);
          opts.sack = blocks;
        } else addUnknown(opts, kind, bytes.slice(i + 2, i + len));
        break;
      case TcpOptionKind.TIMESTAMP:
        if (wellFormed(kind, len)) opts.timestamp = { value: u32(bytes, i + 2), echo: u32(bytes, i + 6) };
        else addUnknown(opts, kind, bytes.slice(i + 2, i + len));
        break;
      case TcpOptionKind.FAST_OPEN:
        if (wellFormed(kind, len)) opts.fastOpenCookie = bytes.slice(i + 2, i + len);
        else addUnknown(opts, kind, bytes.slice(i + 2, i + len));
        break;
      case TcpOptionKind.EXPERIMENTAL:
        // Fast Open's experimental form when its ExID is 0xF989 and the cookie's length is one kind 34
        // allows; the first such option only (any other stays in `unknown`, as every other ExID does).
        if (fastOpenExpWellFormed(bytes, i, len) && opts.fastOpenCookie === undefined) {
          opts.fastOpenCookie = bytes.slice(i + 4, i + len);
          opts.fastOpenExp = true;
        } else addUnknown(opts, kind, bytes.slice(i + 2, i + len));
        break;
      default:
        addUnknown(opts, kind, bytes.slice(i + 2, i + len));
    }
    i += len;
  }
  if (repeated) opts.unknown = repeatedAsUnknown(bytes, start, end, repeated);
  opts.order = sharedOrder(order, opts);
  return opts;
}

/** The kinds of the header being decoded (decoding calls out to nothing, so one array serves). */
const ORDER_SCRATCH: number[] = [];

/** Layouts decoded before, beyond Linux's (FreeBSD's SYNs, SACK blocks after timestamps, ...); at most 64. */
const SEEN_ORDERS: number[][] = [];
const MAX_SEEN_ORDERS = 64;

/**
 * A decoded header's `order`: a shared frozen array when its layout is one seen before (as nearly
 * every segment's is), else a copy of the scratch array, kept for later headers while there is room.
 */
function sharedOrder(kinds: number[], o: TcpOptions): number[] {
  if (!o.sack && !o.fastOpenCookie && !o.unknown) {
    const linux = COMMON_LAYOUTS[commonLayoutIndex(o)];
    if (sameKinds(linux, kinds)) return linux;
  }
  for (const seen of SEEN_ORDERS) if (sameKinds(seen, kinds)) return seen;
  const copy = kinds.slice();
  if (SEEN_ORDERS.length < MAX_SEEN_ORDERS) SEEN_ORDERS.push(Object.freeze(copy) as number[]);
  return copy;
}

function sameKinds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The `unknown` list again (the options are known to parse), now also holding every occurrence of
 * the kinds in `repeated`, so each entry of `order` maps to exactly one typed field or entry.
 */
function repeatedAsUnknown(bytes: Uint8Array, start: number, end: number, repeated: number): UnknownOption[] {
  const unknown: UnknownOption[] = [];
  let foExpTaken = false;
  let i = start;
  while (i < end) {
    const kind = bytes[i];
    if (kind === TcpOptionKind.EOL) break;
    if (kind === TcpOptionKind.NOP) {
      i++;
      continue;
    }
    const len = bytes[i + 1];
    if (kind === TcpOptionKind.EXPERIMENTAL && fastOpenExpWellFormed(bytes, i, len) && !foExpTaken) foExpTaken = true;
    else if (typedKindBit(kind) & repeated || !wellFormed(kind, len)) unknown.push({ kind, data: bytes.slice(i + 2, i + len) });
    i += len;
  }
  return unknown;
}

/** Kinds of the NOP, NOP, timestamps layout; shared by every header that has it, so never mutated. */
const NOP_NOP_TIMESTAMP = Object.freeze([TcpOptionKind.NOP, TcpOptionKind.NOP, TcpOptionKind.TIMESTAMP]) as number[];

/** Options that are timestamps alone in the default layout (NOP, NOP, timestamps: 12 octets). */
function timestampOnly(o: TcpOptions): boolean {
  return (
    o.timestamp !== undefined &&
    (o.order === undefined || o.order === NOP_NOP_TIMESTAMP) &&
    o.mss === undefined &&
    o.wscale === undefined &&
    !o.sackPermitted &&
    !o.sack &&
    !o.fastOpenCookie &&
    (!o.unknown || o.unknown.length === 0)
  );
}

/**
 * The option kinds in wire order: `options.order` when set, else Linux's layout (tcp_options_write):
 * MSS; SACK-permitted and timestamps together (NOP NOP before either alone); NOP, window scale; NOP
 * NOP, SACK; Fast Open; then unknown kinds in their order.
 */
export function optionKinds(o: TcpOptions): number[] {
  if (o.order) return o.order;
  if (!o.sack && !o.fastOpenCookie && (!o.unknown || o.unknown.length === 0)) return COMMON_LAYOUTS[commonLayoutIndex(o)];
  return linuxOptionKinds(o);
}

function linuxOptionKinds(o: TcpOptions): number[] {
  const k: number[] = [];
  if (o.mss !== undefined) k.push(TcpOptionKind.MSS);
  if (o.timestamp) {
    if (o.sackPermitted) k.push(TcpOptionKind.SACK_PERMITTED);
    else k.push(TcpOptionKind.NOP, TcpOptionKind.NOP);
    k.push(TcpOptionKind.TIMESTAMP);
  } else if (o.sackPermitted) k.push(TcpOptionKind.NOP, TcpOptionKind.NOP, TcpOptionKind.SACK_PERMITTED);
  if (o.wscale !== undefined) k.push(TcpOptionKind.NOP, TcpOptionKind.WSCALE);
  if (o.sack) k.push(TcpOptionKind.NOP, TcpOptionKind.NOP, TcpOptionKind.SACK);
  if (o.fastOpenCookie) {
    // Linux's tcp_options_write pads a Fast Open option of length 2 mod 4 with two NOPs.
    k.push(o.fastOpenExp ? TcpOptionKind.EXPERIMENTAL : TcpOptionKind.FAST_OPEN);
    if ((fastOpenLength(o) & 3) === 2) k.push(TcpOptionKind.NOP, TcpOptionKind.NOP);
  }
  if (o.unknown) for (const u of o.unknown) k.push(u.kind);
  return k;
}

/** Which of MSS, timestamps, SACK-permitted and window scale the options hold, as an index into COMMON_LAYOUTS. */
function commonLayoutIndex(o: TcpOptions): number {
  return (o.mss !== undefined ? 1 : 0) | (o.timestamp ? 2 : 0) | (o.sackPermitted ? 4 : 0) | (o.wscale !== undefined ? 8 : 0);
}

/**
 * Linux's layout of every combination of MSS, timestamps, SACK-permitted and window scale: what every
 * SYN, SYN-ACK and ACK carries, so it is worked out once rather than per segment. Shared, so frozen.
 */
const COMMON_LAYOUTS: number[][] = Array.from({ length: 16 }, (_, i) => {
  const o: TcpOptions = {};
  if (i & 1) o.mss = 0;
  if (i & 2) o.timestamp = { value: 0, echo: 0 };
  if (i & 4) o.sackPermitted = true;
  if (i & 8) o.wscale = 0;
  return i === 2 ? NOP_NOP_TIMESTAMP : (Object.freeze(linuxOptionKinds(o)) as number[]);
});

/**
 * The option kinds of a SYN or SYN-ACK laid out as FreeBSD's tcp_addoptions() does: MSS; NOP until
 * odd, window scale; NOP until even, SACK-permitted; NOP until 2 mod 4, timestamps (so the TSopt's
 * values fall on 32-bit words); then the rest in Linux's order. Set it as `options.order`.
 */
export function bsdSynOptionKinds(o: TcpOptions): number[] {
  const k: number[] = [];
  let len = 0;
  const padTo = (ok: (n: number) => boolean): void => {
    while (!ok(len)) {
      k.push(TcpOptionKind.NOP);
      len++;
    }
  };
  if (o.mss !== undefined) {
    k.push(TcpOptionKind.MSS);
    len += 4;
  }
  if (o.wscale !== undefined) {
    padTo((n) => n % 2 === 1);
    k.push(TcpOptionKind.WSCALE);
    len += 3;
  }
  if (o.sackPermitted) {
    padTo((n) => n % 2 === 0);
    k.push(TcpOptionKind.SACK_PERMITTED);
    len += 2;
  }
  if (o.timestamp) {
    padTo((n) => n % 4 === 2);
    k.push(TcpOptionKind.TIMESTAMP);
    len += 10;
  }
  const rest = optionKinds({ ...o, mss: undefined, wscale: undefined, sackPermitted: undefined, timestamp: undefined, order: undefined });
  return k.concat(rest);
}

/** Bytes the options take on the wire, padded to a multiple of 4. */
export function tcpOptionsLength(options: TcpOptions | undefined): number {
  if (!options) return 0;
  if (timestampOnly(options)) return 12;
  return (optionBytes(options, optionKinds(options)) + 3) & ~3;
}

function fastOpenLength(o: TcpOptions): number {
  return (o.fastOpenExp ? 4 : 2) + o.fastOpenCookie!.length;
}

function kindLength(options: TcpOptions, kind: number, unknownIndex: number): number {
  switch (kind) {
    case TcpOptionKind.EOL:
    case TcpOptionKind.NOP:
      return 1;
    case TcpOptionKind.MSS:
      if (options.mss !== undefined) return 4;
      break;
    case TcpOptionKind.WSCALE:
      if (options.wscale !== undefined) return 3;
      break;
    case TcpOptionKind.SACK_PERMITTED:
      if (options.sackPermitted) return 2;
      break;
    case TcpOptionKind.SACK:
      if (options.sack) return 2 + 8 * options.sack.length;
      break;
    case TcpOptionKind.TIMESTAMP:
      if (options.timestamp) return 10;
      break;
    case TcpOptionKind.FAST_OPEN:
      if (options.fastOpenCookie && !options.fastOpenExp) return fastOpenLength(options);
      break;
    case TcpOptionKind.EXPERIMENTAL:
      if (options.fastOpenCookie && options.fastOpenExp) return fastOpenLength(options);
      break;
  }
  const u = options.unknown?.[unknownIndex];
  if (!u || u.kind !== kind) throw new Error(`options.order names kind ${kind}, which the options do not hold`);
  return 2 + u.data.length;
}

/**
 * True when a kind in `order` is represented by `options.unknown` rather than a typed field: the
 * next unknown entry has this kind. (A decoded kind is in `unknown` when malformed or repeated, and
 * then every occurrence of it is; otherwise no entry of its kind is there.)
 */
export function isUnknownSlot(options: TcpOptions, kind: number, unknownIndex: number): boolean {
  return options.unknown?.[unknownIndex]?.kind === kind;
}

function optionBytes(options: TcpOptions, kinds: number[]): number {
  let n = 0;
  let u = 0;
  let afterEol = false;
  // Indexed loops here and below: the layouts are frozen arrays, which V8 iterates with for-of
  // through a real iterator (an object per step).
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k];
    if (afterEol && kind !== TcpOptionKind.EOL) break;
    const slotUnknown = kind > 1 && isUnknownSlot(options, kind, u);
    n += slotUnknown ? 2 + options.unknown![u].data.length : kindLength(options, kind, u);
    if (slotUnknown) u++;
    if (kind === TcpOptionKind.EOL) afterEol = true;
  }
  return n;
}

function writeKind(out: Uint8Array, i: number, o: TcpOptions, kind: number): number {
  switch (kind) {
    case TcpOptionKind.EOL:
      out[i] = 0;
      return i + 1;
    case TcpOptionKind.NOP:
      out[i] = 1;
      return i + 1;
    case TcpOptionKind.MSS:
      out[i] = 2;
      out[i + 1] = 4;
      put16(out, i + 2, o.mss!);
      return i + 4;
    case TcpOptionKind.WSCALE:
      out[i] = 3;
      out[i + 1] = 3;
      out[i + 2] = o.wscale!;
      return i + 3;
    case TcpOptionKind.SACK_PERMITTED:
      out[i] = 4;
      out[i + 1] = 2;
      return i + 2;
    case TcpOptionKind.SACK: {
      const blocks = o.sack!;
      out[i] = 5;
      out[i + 1] = 2 + 8 * blocks.length;
      let j = i + 2;
      for (const [left, right] of blocks) {
        put32(out, j, left);
        put32(out, j + 4, right);
        j += 8;
      }
      return j;
    }
    case TcpOptionKind.TIMESTAMP:
      out[i] = 8;
      out[i + 1] = 10;
      put32(out, i + 2, o.timestamp!.value);
      put32(out, i + 6, o.timestamp!.echo);
      return i + 10;
    case TcpOptionKind.FAST_OPEN: {
      const cookie = o.fastOpenCookie!;
      out[i] = 34;
      out[i + 1] = 2 + cookie.length;
      out.set(cookie, i + 2);
      return i + 2 + cookie.length;
    }
    case TcpOptionKind.EXPERIMENTAL: {
      const cookie = o.fastOpenCookie!;
      out[i] = 254;
      out[i + 1] = 4 + cookie.length;
      put16(out, i + 2, FAST_OPEN_MAGIC);
      out.set(cookie, i + 4);
      return i + 4 + cookie.length;
    }
  }
  throw new Error(`no typed field for option kind ${kind}`);
}

function writeUnknown(out: Uint8Array, i: number, u: UnknownOption): number {
  if (u.data.length > 38) throw new RangeError(`option kind ${u.kind} has ${u.data.length} bytes of data`);
  out[i] = u.kind;
  out[i + 1] = 2 + u.data.length;
  out.set(u.data, i + 2);
  return i + 2 + u.data.length;
}

/**
 * Write the options at out[offset...], padded with zero (EOL) bytes to a multiple of 4. Returns the
 * number of bytes written. Throws RangeError for more than 40 bytes (RFC 9293 §3.1: data offset is
 * at most 15 words), and a TypeError or RangeError naming the option for a value that does not fit
 * its field (see checkTcpOptions).
 */
export function encodeTcpOptions(options: TcpOptions | undefined, out: Uint8Array, offset: number): number {
  if (options !== undefined) checkTcpOptions(options, 'encodeTcpOptions', '');
  checkBuffer(out, offset, 'encodeTcpOptions');
  checkRoom(out, offset, tcpOptionsLength(options), 'encodeTcpOptions', 'the options');
  return writeTcpOptions(options, out, offset);
}

/** encodeTcpOptions without the checks, for callers that made them. */
function writeTcpOptions(options: TcpOptions | undefined, out: Uint8Array, offset: number): number {
  if (!options) return 0;
  if (timestampOnly(options)) {
    // The common case, written directly.
    out[offset] = TcpOptionKind.NOP;
    out[offset + 1] = TcpOptionKind.NOP;
    writeKind(out, offset + 2, options, TcpOptionKind.TIMESTAMP);
    return 12;
  }
  const total = tcpOptionsLength(options);
  if (total > TCP_MAX_OPTIONS) throw new RangeError(`TCP options need ${total} bytes; at most ${TCP_MAX_OPTIONS} fit`);
  let i = offset;
  let u = 0;
  let afterEol = false;
  const kinds = optionKinds(options);
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k];
    if (afterEol && kind !== TcpOptionKind.EOL) break;
    if (kind > 1 && isUnknownSlot(options, kind, u)) i = writeUnknown(out, i, options.unknown![u++]);
    else i = writeKind(out, i, options, kind);
    if (kind === TcpOptionKind.EOL) afterEol = true;
  }
  while (i < offset + total) out[i++] = 0;
  return total;
}

/** Header length in bytes for these fields (20 plus padded options). */
export function tcpHeaderLength(fields: TcpHeaderFields): number {
  return TCP_MIN_HEADER + tcpOptionsLength(fields.options);
}

/**
 * Write the header at out[offset...]; returns its length. The checksum field is written as given (0
 * if absent). A field that does not fit its bits throws (see checkTcpHeaderFields): nothing is wrapped.
 */
export function encodeTcpHeader(fields: TcpHeaderFields, out: Uint8Array, offset = 0): number {
  checkTcpHeaderFields(fields, 'encodeTcpHeader', '');
  checkBuffer(out, offset, 'encodeTcpHeader');
  checkRoom(out, offset, tcpHeaderLength(fields), 'encodeTcpHeader', 'the header');
  return writeTcpHeader(fields, out, offset);
}

/** encodeTcpHeader without the checks, for callers that made them (encodeTcpPacket). */
export function writeTcpHeader(fields: TcpHeaderFields, out: Uint8Array, offset: number): number {
  const optLen = writeTcpOptions(fields.options, out, offset + TCP_MIN_HEADER);
  const headerLength = TCP_MIN_HEADER + optLen;
  put16(out, offset, fields.srcPort);
  put16(out, offset + 2, fields.dstPort);
  put32(out, offset + 4, fields.seq);
  put32(out, offset + 8, fields.ack);
  out[offset + 12] = ((headerLength / 4) << 4) | ((fields.flags >>> 8) & 0x0f);
  out[offset + 13] = fields.flags & 0xff;
  put16(out, offset + 14, fields.window);
  put16(out, offset + 16, fields.checksum ?? 0);
  put16(out, offset + 18, fields.urgentPointer);
  return headerLength;
}

/**
 * Throws a TypeError or RangeError naming the field (`path` + its name) unless every header field
 * fits its bits (RFC 9293 §3.1): ports, window, urgent pointer and checksum 16 bits, sequence and
 * acknowledgment numbers 32, flags 12; and the options (checkTcpOptions). `where` names the caller.
 * This runs for every packet the stack sends: strings for a message are built only on the throw.
 */
export function checkTcpHeaderFields(f: TcpHeaderFields, where: string, path: string): void {
  if (typeof f !== 'object' || f === null) throw typeError(where, path === '' ? 'fields' : path.slice(0, -1), f, 'an object of TCP header fields');
  if ((f.srcPort & 0xffff) !== f.srcPort) throw fieldError(where, path + 'srcPort', f.srcPort, U16);
  if ((f.dstPort & 0xffff) !== f.dstPort) throw fieldError(where, path + 'dstPort', f.dstPort, U16);
  if (f.seq >>> 0 !== f.seq) throw fieldError(where, path + 'seq', f.seq, U32);
  if (f.ack >>> 0 !== f.ack) throw fieldError(where, path + 'ack', f.ack, U32);
  if ((f.flags & 0xfff) !== f.flags) throw fieldError(where, path + 'flags', f.flags, 'a 12-bit integer in [0, 4095] (TcpFlag bits)');
  if ((f.window & 0xffff) !== f.window) {
    throw fieldError(where, path + 'window', f.window, U16, typeof f.window === 'number' && f.window > 0xffff ? ' (the raw field, before window scaling)' : '');
  }
  if ((f.urgentPointer & 0xffff) !== f.urgentPointer) throw fieldError(where, path + 'urgentPointer', f.urgentPointer, U16);
  if (f.checksum !== undefined && (f.checksum & 0xffff) !== f.checksum) throw fieldError(where, path + 'checksum', f.checksum, U16);
  if (f.options !== undefined) checkTcpOptions(f.options, where, path);
}

/**
 * Throws a TypeError or RangeError naming the option (`path` + `options.` + its name) unless each
 * present value fits its field: MSS 16 bits, window scale 8 (RFC 7323 §2.3 caps the shift at 14 where
 * it is used, not on the wire), timestamps and SACK edges 32, at most 4 SACK blocks, a Fast Open
 * cookie and unknown options' data as bytes, unknown kinds in [2, 255], `order` entries in [0, 255].
 */
export function checkTcpOptions(o: TcpOptions, where: string, path: string): void {
  if (typeof o !== 'object' || o === null) throw typeError(where, path + 'options', o, 'an object');
  const ts = o.timestamp;
  if (ts !== undefined) {
    if (typeof ts !== 'object' || ts === null) throw typeError(where, path + 'options.timestamp', ts, 'a { value, echo } object');
    if (ts.value >>> 0 !== ts.value) throw fieldError(where, path + 'options.timestamp.value', ts.value, U32);
    if (ts.echo >>> 0 !== ts.echo) throw fieldError(where, path + 'options.timestamp.echo', ts.echo, U32);
  }
  if (o.order === NOP_NOP_TIMESTAMP) return; // as decoded: timestamps alone, nothing else to check
  if (o.mss !== undefined && (o.mss & 0xffff) !== o.mss) throw fieldError(where, path + 'options.mss', o.mss, U16);
  if (o.wscale !== undefined && (o.wscale & 0xff) !== o.wscale) throw fieldError(where, path + 'options.wscale', o.wscale, U8);
  if (o.sack !== undefined) checkSack(o.sack, where, path);
  if (o.fastOpenCookie !== undefined && !(o.fastOpenCookie instanceof Uint8Array)) {
    throw typeError(where, path + 'options.fastOpenCookie', o.fastOpenCookie, 'a Uint8Array');
  }
  if (o.unknown !== undefined) checkUnknownOptions(o.unknown, where, path);
  if (o.order !== undefined) {
    if (!Array.isArray(o.order)) throw typeError(where, path + 'options.order', o.order, 'an array of option kinds');
    for (let i = 0; i < o.order.length; i++) {
      if ((o.order[i] & 0xff) !== o.order[i]) throw fieldError(where, `${path}options.order[${i}]`, o.order[i], U8);
    }
  }
}

function checkSack(sack: SackBlock[], where: string, path: string): void {
  if (!Array.isArray(sack)) throw typeError(where, path + 'options.sack', sack, 'an array of [left, right] blocks');
  // 4 blocks fill 34 of the 40 option bytes (RFC 2018 §3); more cannot be sent.
  if (sack.length > 4) throw new RangeError(`${where}: ${path}options.sack must hold at most 4 blocks, got ${sack.length}`);
  for (let i = 0; i < sack.length; i++) {
    const b = sack[i];
    if (!Array.isArray(b) || b.length !== 2) throw typeError(where, `${path}options.sack[${i}]`, b, 'a [left, right] pair of sequence numbers');
    if (b[0] >>> 0 !== b[0]) throw fieldError(where, `${path}options.sack[${i}][0]`, b[0], U32);
    if (b[1] >>> 0 !== b[1]) throw fieldError(where, `${path}options.sack[${i}][1]`, b[1], U32);
  }
}

function checkUnknownOptions(unknown: UnknownOption[], where: string, path: string): void {
  if (!Array.isArray(unknown)) throw typeError(where, path + 'options.unknown', unknown, 'an array of { kind, data }');
  for (let i = 0; i < unknown.length; i++) {
    const u = unknown[i];
    const at = `${path}options.unknown[${i}]`;
    checkObject(u, where, at);
    if ((u.kind & 0xff) !== u.kind || u.kind < 2) throw fieldError(where, at + '.kind', u.kind, 'an integer in [2, 255] (0 and 1 carry no data)');
    checkBytes(u.data, where, at + '.data');
  }
}
