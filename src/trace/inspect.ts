/**
 * A packet taken apart for a reader: every field of the IP header (RFC 791 for IPv4, RFC 8200 for
 * IPv6) and of the TCP header (RFC 9293 §3.1), each option (RFC 9293 §3.2, RFC 7323, RFC 2018,
 * RFC 7413), and the data, each with where it lies in the packet (byte offset and length; a field
 * smaller than a byte also gives its bits), so that a hex view can mark the bytes of the field a
 * reader points at. The packet is first checked by the wire decoder; the fields are then read from
 * the bytes at the positions the RFCs' header diagrams give.
 */
import { decodeTcpPacket, ipToString, tcpChecksumValid, TcpFlag, type DecodeReason } from '../wire/index.js';

export interface PacketField {
  /** A stable name ("ip.ttl", "tcp.seq", "tcp.flag.SYN", "tcp.option.mss", "tcp.option.timestamp.val", "data"). */
  key: string;
  /** The name a reader knows (the RFC's). */
  name: string;
  value: number | string | boolean;
  /** The value as shown ("SYN+ACK", "198.18.0.1", "0x1c46 (valid)"). */
  text: string;
  /** Bytes of the packet the field lies in. */
  offset: number;
  length: number;
  /** For a field smaller than its bytes: its first bit (0 = the most significant bit of `offset`) and width. */
  bit?: number;
  bits?: number;
}

export type PacketInspection =
  | { ok: true; version: 4 | 6; fields: PacketField[]; length: number }
  | { ok: false; reason: DecodeReason | 'empty'; detail: string; fields: PacketField[]; length: number };

const FLAG_BITS: Array<[number, string, number]> = [
  // [flag, name, bit within byte 13]: CWR is the most significant bit (RFC 9293 §3.1, RFC 3168 §23.2).
  [TcpFlag.CWR, 'CWR', 0],
  [TcpFlag.ECE, 'ECE', 1],
  [TcpFlag.URG, 'URG', 2],
  [TcpFlag.ACK, 'ACK', 3],
  [TcpFlag.PSH, 'PSH', 4],
  [TcpFlag.RST, 'RST', 5],
  [TcpFlag.SYN, 'SYN', 6],
  [TcpFlag.FIN, 'FIN', 7],
];

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}

function bytesHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/** Every field of a TCP/IP packet (IP header first), with its place in the bytes. */
export function inspectPacket(bytes: Uint8Array): PacketInspection {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return { ok: false, reason: 'empty', detail: 'no bytes', fields: [], length: 0 };
  const p = decodeTcpPacket(bytes);
  if (!p.ok) return { ok: false, reason: p.reason, detail: p.detail, fields: [], length: bytes.length };
  const f: PacketField[] = [];
  const add = (key: string, name: string, value: number | string | boolean, text: string, offset: number, length: number, bit?: number, bits?: number): void => {
    const field: PacketField = { key, name, value, text, offset, length };
    if (bit !== undefined) {
      field.bit = bit;
      field.bits = bits;
    }
    f.push(field);
  };
  const num = (key: string, name: string, value: number, offset: number, length: number, bit?: number, bits?: number): void => add(key, name, value, String(value), offset, length, bit, bits);
  const ip = p.ip;
  if (ip.version === 4) {
    // RFC 791 §3.1's header diagram.
    num('ip.version', 'Version', 4, 0, 1, 0, 4);
    add('ip.ihl', 'IHL', ip.headerLength / 4, `${ip.headerLength / 4} (${ip.headerLength} bytes)`, 0, 1, 4, 4);
    num('ip.dscp', 'DSCP', ip.dscp, 1, 1, 0, 6);
    add('ip.ecn', 'ECN', ip.ecn, ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'][ip.ecn], 1, 1, 6, 2);
    num('ip.totalLength', 'Total Length', ip.totalLength, 2, 2);
    add('ip.identification', 'Identification', ip.identification, `${ip.identification} (${hex(ip.identification, 4)})`, 4, 2);
    add('ip.flag.reserved', 'Reserved flag', ip.reservedFlag, ip.reservedFlag ? '1' : '0', 6, 1, 0, 1);
    add('ip.flag.DF', "Don't Fragment", ip.dontFragment, ip.dontFragment ? '1' : '0', 6, 1, 1, 1);
    add('ip.flag.MF', 'More Fragments', ip.moreFragments, ip.moreFragments ? '1' : '0', 6, 1, 2, 1);
    num('ip.fragmentOffset', 'Fragment Offset', ip.fragmentOffset, 6, 2, 3, 13);
    num('ip.ttl', 'Time to Live', ip.ttl, 8, 1);
    add('ip.protocol', 'Protocol', ip.protocol, ip.protocol === 6 ? '6 (TCP)' : String(ip.protocol), 9, 1);
    add('ip.checksum', 'Header Checksum', ip.checksum, `${hex(ip.checksum, 4)} (${ip.checksumValid ? 'valid' : 'invalid'})`, 10, 2);
    add('ip.src', 'Source Address', ipToString(ip.src), ipToString(ip.src), 12, 4);
    add('ip.dst', 'Destination Address', ipToString(ip.dst), ipToString(ip.dst), 16, 4);
    if (ip.headerLength > 20) add('ip.options', 'Options', bytesHex(bytes.subarray(20, ip.headerLength)), `${ip.headerLength - 20} bytes`, 20, ip.headerLength - 20);
  } else {
    // RFC 8200 §3's header diagram.
    num('ip.version', 'Version', 6, 0, 1, 0, 4);
    add('ip.trafficClass', 'Traffic Class', ip.trafficClass, `${hex(ip.trafficClass, 2)} (DSCP ${ip.dscp}, ECN ${ip.ecn})`, 0, 2, 4, 8);
    add('ip.flowLabel', 'Flow Label', ip.flowLabel, hex(ip.flowLabel, 5), 1, 3, 4, 20);
    num('ip.payloadLength', 'Payload Length', ip.payloadLength, 4, 2);
    add('ip.nextHeader', 'Next Header', ip.nextHeader, ip.nextHeader === 6 ? '6 (TCP)' : String(ip.nextHeader), 6, 1);
    num('ip.hopLimit', 'Hop Limit', ip.hopLimit, 7, 1);
    add('ip.src', 'Source Address', ipToString(ip.src), ipToString(ip.src), 8, 16);
    add('ip.dst', 'Destination Address', ipToString(ip.dst), ipToString(ip.dst), 24, 16);
    const ext = ip.extensionHeaders.length;
    if (ext > 0) add('ip.extensionHeaders', 'Extension Headers', bytesHex(ip.extensionHeaders), `${ext} bytes`, 40, ext);
  }
  // RFC 9293 §3.1's header diagram, from the segment's first byte.
  const o = p.segmentOffset;
  const t = p.tcp;
  num('tcp.srcPort', 'Source Port', t.srcPort, o, 2);
  num('tcp.dstPort', 'Destination Port', t.dstPort, o + 2, 2);
  num('tcp.seq', 'Sequence Number', t.seq, o + 4, 4);
  num('tcp.ack', 'Acknowledgment Number', t.ack, o + 8, 4);
  add('tcp.dataOffset', 'Data Offset', t.headerLength / 4, `${t.headerLength / 4} (${t.headerLength} bytes)`, o + 12, 1, 0, 4);
  // Rsrvd: 4 bits in RFC 9293; its last one is AccECN's AE flag where that is in use.
  num('tcp.reserved', 'Reserved', bytes[o + 12] & 0x0f, o + 12, 1, 4, 4);
  const names = FLAG_BITS.filter(([bit]) => t.flags & bit).map(([, n]) => n).reverse();
  add('tcp.flags', 'Control Bits', t.flags & 0xff, names.join('+') || 'none', o + 13, 1);
  for (const [bit, name, at] of FLAG_BITS) add(`tcp.flag.${name}`, name, (t.flags & bit) !== 0, t.flags & bit ? '1' : '0', o + 13, 1, at, 1);
  num('tcp.window', 'Window', t.window, o + 14, 2);
  add('tcp.checksum', 'Checksum', t.checksum, `${hex(t.checksum, 4)} (${tcpChecksumValid(p) ? 'valid' : 'invalid'})`, o + 16, 2);
  num('tcp.urgentPointer', 'Urgent Pointer', t.urgentPointer, o + 18, 2);
  inspectOptions(bytes, o + 20, o + t.headerLength, add);
  if (p.payloadLength > 0) add('data', 'Data', p.payloadLength, `${p.payloadLength} bytes`, p.payloadOffset, p.payloadLength);
  return { ok: true, version: ip.version, fields: f, length: bytes.length };
}

type Add = (key: string, name: string, value: number | string | boolean, text: string, offset: number, length: number) => void;

const OPTION_NAMES: Record<number, string> = {
  0: 'End of Option List',
  1: 'No-Operation',
  2: 'Maximum Segment Size',
  3: 'Window Scale',
  4: 'SACK Permitted',
  5: 'SACK',
  8: 'Timestamps',
  19: 'MD5 Signature',
  29: 'TCP Authentication Option',
  30: 'Multipath TCP',
  34: 'Fast Open Cookie',
  254: 'Experimental',
};

/** The options between `start` and `end` (the decoder has checked their lengths), each and its parts. */
function inspectOptions(b: Uint8Array, start: number, end: number, add: Add): void {
  let i = start;
  while (i < end) {
    const kind = b[i];
    if (kind === 0) {
      add('tcp.option.eol', OPTION_NAMES[0], 0, end - i > 1 ? `and ${end - i - 1} bytes of padding` : '', i, end - i);
      return;
    }
    if (kind === 1) {
      add('tcp.option.nop', OPTION_NAMES[1], 1, '', i, 1);
      i++;
      continue;
    }
    const len = i + 1 < end ? b[i + 1] : 0;
    if (len < 2 || i + len > end) {
      add('tcp.option.malformed', 'Malformed option', kind, `kind ${kind}, length ${len}`, i, end - i);
      return;
    }
    const name = OPTION_NAMES[kind] ?? `Option ${kind}`;
    switch (kind) {
      case 2:
        add('tcp.option.mss', name, u16(b, i + 2), `${u16(b, i + 2)} bytes`, i, len);
        break;
      case 3:
        add('tcp.option.wscale', name, b[i + 2], `shift ${b[i + 2]} (x${2 ** Math.min(b[i + 2], 14)})`, i, len);
        break;
      case 4:
        add('tcp.option.sackPermitted', name, true, '', i, len);
        break;
      case 5: {
        const n = Math.floor((len - 2) / 8);
        add('tcp.option.sack', name, n, `${n} block${n === 1 ? '' : 's'}`, i, len);
        for (let k = 0; k < n; k++) {
          const at = i + 2 + 8 * k;
          add(`tcp.option.sack.${k}.left`, `Block ${k + 1} left edge`, u32(b, at), String(u32(b, at)), at, 4);
          add(`tcp.option.sack.${k}.right`, `Block ${k + 1} right edge`, u32(b, at + 4), String(u32(b, at + 4)), at + 4, 4);
        }
        break;
      }
      case 8:
        add('tcp.option.timestamp', name, `${u32(b, i + 2)} ${u32(b, i + 6)}`, `TSval ${u32(b, i + 2)}, TSecr ${u32(b, i + 6)}`, i, len);
        add('tcp.option.timestamp.val', 'TSval', u32(b, i + 2), String(u32(b, i + 2)), i + 2, 4);
        add('tcp.option.timestamp.ecr', 'TSecr', u32(b, i + 6), String(u32(b, i + 6)), i + 6, 4);
        break;
      case 34: {
        const cookie = bytesHex(b.subarray(i + 2, i + len));
        add('tcp.option.fastOpen', name, cookie, cookie === '' ? 'cookie request' : `cookie ${cookie}`, i, len);
        break;
      }
      default:
        add(`tcp.option.${kind}`, name, bytesHex(b.subarray(i + 2, i + len)), `kind ${kind}, ${len} bytes`, i, len);
    }
    i += len;
  }
}
