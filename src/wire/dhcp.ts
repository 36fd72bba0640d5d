/**
 * DHCPv4 messages (RFC 2131 §2, options from RFC 2132): the BOOTP fixed part, the magic cookie and
 * the options, carried in UDP between ports 67 (server) and 68 (client).
 *
 *   op(1) htype(1) hlen(1) hops(1) xid(4) secs(2) flags(2) ciaddr(4) yiaddr(4) siaddr(4) giaddr(4)
 *   chaddr(16) sname(64) file(128) | 99.130.83.99 | options ... end(255)
 *
 * An option that appears more than once has its pieces joined in order before it is read (RFC 3396);
 * a fixed-size option of the wrong length, or an option running past the message, is refused. Option
 * overload (52: options in sname/file) is kept as a raw option and not followed.
 */
import { concatBytes, u16, u32, put16, put32 } from './bytes.js';
import { checkBytes, checkIpv4Address, checkObject, fieldError, typeError, U16, U32, U8 } from './checks.js';
import { fail, type DecodeFailure } from './errors.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const BootpOp = { REQUEST: 1, REPLY: 2 } as const;
export const DhcpMessageType = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;
export const DHCP_MESSAGE_TYPE_NAMES: Record<number, string> = { 1: 'Discover', 2: 'Offer', 3: 'Request', 4: 'Decline', 5: 'ACK', 6: 'NAK', 7: 'Release', 8: 'Inform' };
/** The codes this module reads into named fields (RFC 2132 sections in the comments). */
export const DhcpOption = {
  PAD: 0,
  SUBNET_MASK: 1, // §3.3
  ROUTER: 3, // §3.5
  DNS_SERVER: 6, // §3.8
  HOSTNAME: 12, // §3.14
  DOMAIN_NAME: 15, // §3.17
  INTERFACE_MTU: 26, // §5.1
  REQUESTED_IP: 50, // §9.1
  LEASE_TIME: 51, // §9.2
  MESSAGE_TYPE: 53, // §9.6
  SERVER_ID: 54, // §9.7
  PARAMETER_REQUEST_LIST: 55, // §9.8
  MESSAGE: 56, // §9.9
  MAX_MESSAGE_SIZE: 57, // §9.10
  RENEWAL_TIME: 58, // §9.11
  REBINDING_TIME: 59, // §9.12
  CLIENT_ID: 61, // §9.14
  END: 255,
} as const;

/** RFC 2131 §3: 99.130.83.99. */
export const DHCP_MAGIC_COOKIE = 0x63825363;
const FIXED = 236;
/** The broadcast bit of `flags` (RFC 2131 §2, figure 2). */
export const DHCP_BROADCAST_FLAG = 0x8000;

export interface DhcpOptions {
  messageType?: number;
  subnetMask?: number;
  routers?: number[];
  dnsServers?: number[];
  hostname?: string;
  domainName?: string;
  mtu?: number;
  requestedIp?: number;
  /** Seconds. */
  leaseTime?: number;
  serverId?: number;
  parameterRequestList?: number[];
  /** An error message (option 56), e.g. why a NAK. */
  message?: string;
  maxMessageSize?: number;
  renewalTime?: number;
  rebindingTime?: number;
  clientId?: Uint8Array;
  /** Every other option, as its (joined) data. */
  unknown?: { code: number; data: Uint8Array }[];
}

export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: number;
  yiaddr: number;
  siaddr: number;
  giaddr: number;
  /** The client hardware address: the first `hlen` bytes of the 16-byte chaddr field. */
  chaddr: Uint8Array;
  /** Server host name and boot file name, up to their first zero byte. */
  sname: string;
  file: string;
  options: DhcpOptions;
}

export type DecodedDhcp = DhcpMessage & { readonly ok: true };

/** Options read as named fields, by code: the size each must have (or its unit), and how to read it. */
type OptionReader = (d: Uint8Array, o: DhcpOptions) => string | undefined;
const sizeIs = (n: number) => (d: Uint8Array) => (d.length === n ? undefined : `of ${d.length} bytes (it has ${n})`);
const listOf4 = (d: Uint8Array) => (d.length >= 4 && d.length % 4 === 0 ? undefined : `of ${d.length} bytes (a list of 4-byte addresses)`);
const nonEmpty = (d: Uint8Array) => (d.length >= 1 ? undefined : 'of 0 bytes');
function addresses(d: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.length; i += 4) out.push(u32(d, i));
  return out;
}
function text(d: Uint8Array): string {
  let s = '';
  for (const b of d) s += String.fromCharCode(b);
  return s;
}
const READERS: Record<number, OptionReader> = {
  1: (d, o) => sizeIs(4)(d) ?? void (o.subnetMask = u32(d, 0)),
  3: (d, o) => listOf4(d) ?? void (o.routers = addresses(d)),
  6: (d, o) => listOf4(d) ?? void (o.dnsServers = addresses(d)),
  12: (d, o) => nonEmpty(d) ?? void (o.hostname = text(d)),
  15: (d, o) => nonEmpty(d) ?? void (o.domainName = text(d)),
  26: (d, o) => sizeIs(2)(d) ?? (u16(d, 0) < 68 ? `MTU ${u16(d, 0)} below 68` : void (o.mtu = u16(d, 0))),
  50: (d, o) => sizeIs(4)(d) ?? void (o.requestedIp = u32(d, 0)),
  51: (d, o) => sizeIs(4)(d) ?? void (o.leaseTime = u32(d, 0)),
  53: (d, o) => sizeIs(1)(d) ?? void (o.messageType = d[0]),
  54: (d, o) => sizeIs(4)(d) ?? void (o.serverId = u32(d, 0)),
  55: (d, o) => nonEmpty(d) ?? void (o.parameterRequestList = Array.from(d)),
  56: (d, o) => nonEmpty(d) ?? void (o.message = text(d)),
  57: (d, o) => sizeIs(2)(d) ?? (u16(d, 0) < 576 ? `maximum message size ${u16(d, 0)} below 576` : void (o.maxMessageSize = u16(d, 0))),
  58: (d, o) => sizeIs(4)(d) ?? void (o.renewalTime = u32(d, 0)),
  59: (d, o) => sizeIs(4)(d) ?? void (o.rebindingTime = u32(d, 0)),
  61: (d, o) => (d.length >= 2 ? void (o.clientId = d.slice()) : `of ${d.length} bytes (at least 2)`),
};

function zeroTerminated(b: Uint8Array, start: number, size: number): string {
  let end = start;
  while (end < start + size && b[end] !== 0) end++;
  return text(b.subarray(start, end));
}

/** Decode a DHCP message (a UDP datagram's data). */
export function decodeDhcp(bytes: Uint8Array, offset = 0, length = bytes.length - offset): DecodedDhcp | DecodeFailure {
  if (offset < 0 || length < 0 || offset + length > bytes.length) return fail('truncated', `message of ${length} bytes at ${offset} in a buffer of ${bytes.length}`);
  if (length < FIXED + 4) return fail('truncated', `DHCP message of ${length} bytes (the fixed part and cookie are ${FIXED + 4})`);
  const b = bytes.subarray(offset, offset + length);
  const op = b[0];
  if (op !== BootpOp.REQUEST && op !== BootpOp.REPLY) return fail('bad-field', `BOOTP op ${op} (1 request, 2 reply)`);
  const hlen = b[2];
  if (hlen > 16) return fail('bad-field', `hardware address length ${hlen} (chaddr holds 16)`);
  const cookie = u32(b, FIXED);
  if (cookie !== DHCP_MAGIC_COOKIE) return fail('bad-field', `magic cookie 0x${cookie.toString(16).padStart(8, '0')} (DHCP's is 0x63825363)`);
  // Gather each option's pieces in order (RFC 3396), then read them.
  const pieces = new Map<number, Uint8Array[]>();
  let i = FIXED + 4;
  let ended = false;
  while (i < length) {
    const code = b[i];
    if (code === DhcpOption.PAD) {
      i++;
      continue;
    }
    if (code === DhcpOption.END) {
      ended = true;
      break;
    }
    if (i + 2 > length) return fail('option-overrun', `option ${code}'s length byte cut off`);
    const n = b[i + 1];
    if (i + 2 + n > length) return fail('option-overrun', `option ${code} of ${n} bytes runs past the message (${length - i - 2} left)`);
    let list = pieces.get(code);
    if (!list) pieces.set(code, (list = []));
    list.push(b.subarray(i + 2, i + 2 + n));
    i += 2 + n;
  }
  // RFC 2131 §4.1 makes "end" the last option; a message without one is cut short.
  if (!ended) return fail('truncated', 'no end option (255)');
  const options: DhcpOptions = {};
  for (const [code, list] of pieces) {
    const data = list.length === 1 ? list[0] : concatBytes(list);
    const read = READERS[code];
    if (read) {
      const wrong = read(data, options);
      if (wrong !== undefined) return fail('bad-length', `option ${code} ${wrong}`);
    } else (options.unknown ??= []).push({ code, data: data.slice() });
  }
  // In code order, as the encoder writes them.
  options.unknown?.sort((x, y) => x.code - y.code);
  return {
    ok: true,
    op,
    htype: b[1],
    hlen,
    hops: b[3],
    xid: u32(b, 4),
    secs: u16(b, 8),
    flags: u16(b, 10),
    ciaddr: u32(b, 12),
    yiaddr: u32(b, 16),
    siaddr: u32(b, 20),
    giaddr: u32(b, 24),
    chaddr: b.slice(28, 28 + hlen),
    sname: zeroTerminated(b, 44, 64),
    file: zeroTerminated(b, 108, 128),
    options,
  };
}

export type DhcpSpec = Partial<Omit<DhcpMessage, 'options' | 'chaddr' | 'op' | 'xid'>> & Pick<DhcpMessage, 'op' | 'xid' | 'chaddr'> & { options: DhcpOptions };

/**
 * Encode a DHCP message: the fixed part, the cookie, the options in code order (each longer than 255
 * bytes split in pieces, RFC 3396), the end option. `htype` defaults to 1 (Ethernet), `hlen` to
 * chaddr's length. No padding to BOOTP's 300 bytes: clients and servers read shorter messages (RFC
 * 2131 §2 makes the options field variable). Every field is checked first (a TypeError or RangeError naming it).
 */
export function encodeDhcp(spec: DhcpSpec): Uint8Array {
  const where = 'encodeDhcp';
  checkObject(spec, where, 'spec');
  const u8 = (name: 'op' | 'htype' | 'hops', v: number | undefined) => {
    if (v !== undefined && (v & 0xff) !== v) throw fieldError(where, name, v, U8);
  };
  u8('op', spec.op);
  u8('htype', spec.htype);
  u8('hops', spec.hops);
  if (spec.xid >>> 0 !== spec.xid) throw fieldError(where, 'xid', spec.xid, U32);
  for (const f of ['secs', 'flags'] as const) if (spec[f] !== undefined && (spec[f]! & 0xffff) !== spec[f]) throw fieldError(where, f, spec[f], U16);
  for (const f of ['ciaddr', 'yiaddr', 'siaddr', 'giaddr'] as const) if (spec[f] !== undefined) checkIpv4Address(spec[f], where, f);
  checkBytes(spec.chaddr, where, 'chaddr');
  if (spec.chaddr.length > 16) throw new RangeError(`${where}: chaddr must be at most 16 bytes, got ${spec.chaddr.length}`);
  if (spec.hlen !== undefined && (!Number.isInteger(spec.hlen) || spec.hlen < 0 || spec.hlen > 16)) throw fieldError(where, 'hlen', spec.hlen, 'an integer in [0, 16]');
  // A name that fills its whole field has no terminating zero (and reads back whole).
  const sname = latin1(spec.sname ?? '', 64, where, 'sname', false);
  const file = latin1(spec.file ?? '', 128, where, 'file', false);
  const options = encodeDhcpOptions(spec.options, where);
  const out = new Uint8Array(FIXED + 4 + options.length);
  out[0] = spec.op;
  out[1] = spec.htype ?? 1;
  out[2] = spec.hlen ?? spec.chaddr.length;
  out[3] = spec.hops ?? 0;
  put32(out, 4, spec.xid);
  put16(out, 8, spec.secs ?? 0);
  put16(out, 10, spec.flags ?? 0);
  put32(out, 12, spec.ciaddr ?? 0);
  put32(out, 16, spec.yiaddr ?? 0);
  put32(out, 20, spec.siaddr ?? 0);
  put32(out, 24, spec.giaddr ?? 0);
  out.set(spec.chaddr, 28);
  out.set(sname, 44);
  out.set(file, 108);
  put32(out, FIXED, DHCP_MAGIC_COOKIE);
  out.set(options, FIXED + 4);
  return out;
}

/** The bytes of a string of characters in [0, 255]; `zeroAllowed` false for the zero-terminated sname and file. */
function latin1(s: string, max: number, where: string, field: string, zeroAllowed = true): Uint8Array {
  if (typeof s !== 'string') throw typeError(where, field, s, 'a string');
  if (s.length > max) throw new RangeError(`${where}: ${field} must be at most ${max} characters, got ${s.length}`);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || (c === 0 && !zeroAllowed)) throw new RangeError(`${where}: ${field} must be characters in [${zeroAllowed ? 0 : 1}, 255], got code ${c} at ${i}`);
    out[i] = c;
  }
  return out;
}

/** The options field: each option in code order, then end (255). */
export function encodeDhcpOptions(o: DhcpOptions, where = 'encodeDhcpOptions'): Uint8Array {
  checkObject(o, where, 'options');
  const items: { code: number; data: Uint8Array }[] = [];
  const u8 = (code: number, name: keyof DhcpOptions, v: number | undefined) => {
    if (v === undefined) return;
    if ((v & 0xff) !== v) throw fieldError(where, `options.${name}`, v, U8);
    items.push({ code, data: Uint8Array.of(v) });
  };
  const u16o = (code: number, name: keyof DhcpOptions, v: number | undefined, min: number) => {
    if (v === undefined) return;
    if ((v & 0xffff) !== v || v < min) throw fieldError(where, `options.${name}`, v, `an integer in [${min}, 65535]`);
    const d = new Uint8Array(2);
    put16(d, 0, v);
    items.push({ code, data: d });
  };
  const u32o = (code: number, name: keyof DhcpOptions, v: number | undefined) => {
    if (v === undefined) return;
    if (v >>> 0 !== v) throw fieldError(where, `options.${name}`, v, U32);
    const d = new Uint8Array(4);
    put32(d, 0, v);
    items.push({ code, data: d });
  };
  const addr = (code: number, name: keyof DhcpOptions, v: number | undefined) => {
    if (v === undefined) return;
    checkIpv4Address(v, where, `options.${name}`);
    u32o(code, name, v);
  };
  const addrs = (code: number, name: keyof DhcpOptions, v: number[] | undefined) => {
    if (v === undefined) return;
    if (!Array.isArray(v) || v.length === 0) throw typeError(where, `options.${name}`, v, 'a non-empty array of IPv4 addresses');
    const d = new Uint8Array(4 * v.length);
    v.forEach((a, i) => {
      checkIpv4Address(a, where, `options.${name}[${i}]`);
      put32(d, 4 * i, a);
    });
    items.push({ code, data: d });
  };
  const str = (code: number, name: keyof DhcpOptions, v: string | undefined) => {
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0) throw typeError(where, `options.${name}`, v, 'a non-empty string');
    items.push({ code, data: latin1(v, 0xffff, where, `options.${name}`) });
  };
  addr(DhcpOption.SUBNET_MASK, 'subnetMask', o.subnetMask);
  addrs(DhcpOption.ROUTER, 'routers', o.routers);
  addrs(DhcpOption.DNS_SERVER, 'dnsServers', o.dnsServers);
  str(DhcpOption.HOSTNAME, 'hostname', o.hostname);
  str(DhcpOption.DOMAIN_NAME, 'domainName', o.domainName);
  u16o(DhcpOption.INTERFACE_MTU, 'mtu', o.mtu, 68);
  addr(DhcpOption.REQUESTED_IP, 'requestedIp', o.requestedIp);
  u32o(DhcpOption.LEASE_TIME, 'leaseTime', o.leaseTime);
  u8(DhcpOption.MESSAGE_TYPE, 'messageType', o.messageType);
  addr(DhcpOption.SERVER_ID, 'serverId', o.serverId);
  if (o.parameterRequestList !== undefined) {
    const l = o.parameterRequestList;
    if (!Array.isArray(l) || l.length === 0) throw typeError(where, 'options.parameterRequestList', l, 'a non-empty array of option codes');
    l.forEach((c, i) => {
      if ((c & 0xff) !== c) throw fieldError(where, `options.parameterRequestList[${i}]`, c, U8);
    });
    items.push({ code: DhcpOption.PARAMETER_REQUEST_LIST, data: Uint8Array.from(l) });
  }
  str(DhcpOption.MESSAGE, 'message', o.message);
  u16o(DhcpOption.MAX_MESSAGE_SIZE, 'maxMessageSize', o.maxMessageSize, 576);
  u32o(DhcpOption.RENEWAL_TIME, 'renewalTime', o.renewalTime);
  u32o(DhcpOption.REBINDING_TIME, 'rebindingTime', o.rebindingTime);
  if (o.clientId !== undefined) {
    checkBytes(o.clientId, where, 'options.clientId');
    if (o.clientId.length < 2) throw new RangeError(`${where}: options.clientId must be at least 2 bytes (type and identifier), got ${o.clientId.length}`);
    items.push({ code: DhcpOption.CLIENT_ID, data: o.clientId });
  }
  const unknown = o.unknown ?? [];
  if (!Array.isArray(unknown)) throw typeError(where, 'options.unknown', unknown, 'an array');
  unknown.forEach((u, i) => {
    if ((u.code & 0xff) !== u.code || u.code === 0 || u.code === 255 || READERS[u.code]) {
      throw fieldError(where, `options.unknown[${i}].code`, u.code, 'an option code in [1, 254] that has no named field');
    }
    checkBytes(u.data, where, `options.unknown[${i}].data`);
    items.push({ code: u.code, data: u.data });
  });
  items.sort((a, b) => a.code - b.code);
  let n = 1;
  for (const it of items) n += it.data.length + 2 * Math.max(1, Math.ceil(it.data.length / 255));
  const out = new Uint8Array(n);
  let at = 0;
  for (const it of items) {
    // RFC 3396: longer than 255 bytes, an option goes out as several of the same code.
    let k = 0;
    do {
      const piece = it.data.subarray(k, k + 255);
      out[at] = it.code;
      out[at + 1] = piece.length;
      out.set(piece, at + 2);
      at += 2 + piece.length;
      k += 255;
    } while (k < it.data.length);
  }
  out[at] = DhcpOption.END;
  return out;
}
