/**
 * Ethernet II framing (IEEE 802.3 §3.2 with the DIX type field) and IEEE 802.1Q VLAN tags; MAC
 * addresses as 6 bytes and as the colon-separated hex text people read.
 *
 * A frame here is what a TAP device, a pcap of LinkType ETHERNET or v86's network device carries:
 * destination, source, any VLAN tags, the EtherType, the payload; no preamble and no FCS. Frames are
 * not padded to the 60-byte minimum: the device that puts them on a wire does that, and a receiver
 * must ignore padding anyway (the IP length says where the packet ends).
 */
import { u16, put16 } from './bytes.js';
import { checkBytes, checkObject, fieldError, typeError, U16 } from './checks.js';
import { fail, type DecodeFailure } from './errors.js';

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** IEEE 802.1Q customer VLAN tag. */
  VLAN: 0x8100,
  IPV6: 0x86dd,
  /** IEEE 802.1ad service VLAN tag (QinQ, the outer tag). */
  QINQ: 0x88a8,
} as const;

/** Below this a type/length field is an IEEE 802.3 length, not an EtherType (IEEE 802.3 §3.2.6). */
const MIN_ETHERTYPE = 0x0600;
const VLAN_TPIDS = new Set<number>([EtherType.VLAN, EtherType.QINQ, 0x9100]);
export const ETHERNET_HEADER = 14;
/** More tags than any real network stacks (QinQ is two); a frame of nothing but tags is refused. */
const MAX_VLAN_TAGS = 8;

export const BROADCAST_MAC: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** "02:00:5e:10:00:01" (lower case, colons). */
export function macToString(mac: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + (mac[i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

/** Parse six hex octets separated by ':' or '-' ("02:00:5e:10:00:01", "02-00-5E-10-00-01"); undefined if not one. */
export function parseMac(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([0-9a-fA-F]{1,2})([:-])([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})$/.exec(text);
  if (!m) return undefined;
  return Uint8Array.from([m[1], m[3], m[4], m[5], m[6], m[7]].map((h) => parseInt(h, 16)));
}

/** The group bit (IEEE 802 §8.2): the first octet's least significant bit, set for multicast and broadcast. */
export function isMulticastMac(mac: Uint8Array): boolean {
  return (mac[0] & 1) === 1;
}

export interface VlanTag {
  /** The tag protocol identifier: 0x8100 (802.1Q), 0x88a8 (802.1ad), 0x9100. */
  tpid: number;
  /** Priority code point (3 bits), drop eligible indicator, VLAN identifier (12 bits). */
  pcp: number;
  dei: boolean;
  vid: number;
}

export interface EthernetFrame {
  readonly ok: true;
  dst: Uint8Array;
  src: Uint8Array;
  /** Outermost first. */
  vlans: VlanTag[];
  etherType: number;
  /** Where the payload starts in the buffer and how many bytes of the frame follow (padding included). */
  payloadOffset: number;
  payloadLength: number;
}

/** Decode the Ethernet II frame in bytes[offset, offset + length). */
export function decodeEthernet(bytes: Uint8Array, offset = 0, length = bytes.length - offset): EthernetFrame | DecodeFailure {
  if (offset < 0 || length < 0 || offset + length > bytes.length) return fail('truncated', `frame of ${length} bytes at ${offset} in a buffer of ${bytes.length}`);
  if (length < ETHERNET_HEADER) return fail('truncated', `Ethernet frame of ${length} bytes`);
  const end = offset + length;
  let at = offset + 12;
  let type = u16(bytes, at);
  const vlans: VlanTag[] = [];
  while (VLAN_TPIDS.has(type)) {
    if (vlans.length === MAX_VLAN_TAGS) return fail('bad-field', `more than ${MAX_VLAN_TAGS} VLAN tags`);
    if (at + 6 > end) return fail('truncated', 'VLAN tag cut off');
    const tci = u16(bytes, at + 2);
    vlans.push({ tpid: type, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0xfff });
    at += 4;
    type = u16(bytes, at);
  }
  if (type < MIN_ETHERTYPE) return fail('bad-field', `type field ${type} is an IEEE 802.3 length, not an Ethernet II EtherType`);
  return {
    ok: true,
    dst: bytes.slice(offset, offset + 6),
    src: bytes.slice(offset + 6, offset + 12),
    vlans,
    etherType: type,
    payloadOffset: at + 2,
    payloadLength: end - at - 2,
  };
}

/** The payload as a view (no copy). */
export function ethernetPayload(bytes: Uint8Array, f: EthernetFrame): Uint8Array {
  return bytes.subarray(f.payloadOffset, f.payloadOffset + f.payloadLength);
}

export interface EthernetSpec {
  dst: Uint8Array;
  src: Uint8Array;
  etherType: number;
  /** Outermost first; `tpid` defaults to 0x8100, `pcp` to 0, `dei` to false. */
  vlans?: ReadonlyArray<Partial<VlanTag> & { vid: number }>;
  payload: Uint8Array;
}

/** A new frame: header, tags, payload. Every field is checked first (a TypeError or RangeError naming it). */
export function encodeEthernet(spec: EthernetSpec): Uint8Array {
  const where = 'encodeEthernet';
  checkObject(spec, where, 'spec');
  checkMac(spec.dst, where, 'dst');
  checkMac(spec.src, where, 'src');
  if ((spec.etherType & 0xffff) !== spec.etherType || spec.etherType < MIN_ETHERTYPE) {
    throw fieldError(where, 'etherType', spec.etherType, 'an integer in [1536, 65535] (below is an 802.3 length)');
  }
  const vlans = spec.vlans ?? [];
  if (!Array.isArray(vlans)) throw typeError(where, 'vlans', vlans, 'an array of VLAN tags');
  vlans.forEach((v, i) => {
    checkObject(v, where, `vlans[${i}]`);
    if ((v.vid & 0xfff) !== v.vid) throw fieldError(where, `vlans[${i}].vid`, v.vid, 'an integer in [0, 4095]');
    if (v.pcp !== undefined && (v.pcp & 7) !== v.pcp) throw fieldError(where, `vlans[${i}].pcp`, v.pcp, 'an integer in [0, 7]');
    if (v.tpid !== undefined && (v.tpid & 0xffff) !== v.tpid) throw fieldError(where, `vlans[${i}].tpid`, v.tpid, U16);
  });
  checkBytes(spec.payload, where, 'payload');
  const out = new Uint8Array(ETHERNET_HEADER + 4 * vlans.length + spec.payload.length);
  out.set(spec.dst, 0);
  out.set(spec.src, 6);
  let at = 12;
  for (const v of vlans) {
    put16(out, at, v.tpid ?? EtherType.VLAN);
    put16(out, at + 2, ((v.pcp ?? 0) << 13) | (v.dei ? 0x1000 : 0) | v.vid);
    at += 4;
  }
  put16(out, at, spec.etherType);
  out.set(spec.payload, at + 2);
  return out;
}

/** Throws unless `v` is a MAC address: 6 bytes. */
export function checkMac(v: unknown, where: string, field: string): void {
  if (v instanceof Uint8Array && v.length === 6) return;
  if (v instanceof Uint8Array) throw new RangeError(`${where}: ${field} must be a MAC address as a Uint8Array of 6 bytes, got ${v.length} bytes`);
  throw typeError(where, field, v, 'a MAC address as a Uint8Array of 6 bytes' + (typeof v === 'string' ? ' (turn text into one with parseMac)' : ''));
}
