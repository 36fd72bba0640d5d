/**
 * Views of a decoded TCP packet for people and programs: the JSON object `synack decode --json`
 * prints, and a tcpdump-like line.
 */
import { ipToString } from './address.js';
import { toHex } from './bytes.js';
import { isUnknownSlot, optionKinds, TcpFlag, type TcpHeaderFields, type TcpOptions } from './tcp.js';
import { tcpChecksumValid, type TcpPacket } from './packet.js';
import { cutText, type CapturedTcpPacket } from './captured.js';

export interface TcpOptionsJson {
  mss?: number;
  wscale?: number;
  sackPermitted?: true;
  sack?: [number, number][];
  timestamp?: { value: number; echo: number };
  fastOpenCookie?: string;
  unknown?: { kind: number; data: string }[];
}

/** A packet as `synack decode --json` prints it: the TCP header's fields as decoded, and the rest. */
export interface TcpPacketJson extends Pick<TcpHeaderFields, 'srcPort' | 'dstPort' | 'seq' | 'ack' | 'flags' | 'window'> {
  frame: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  ttl: number;
  ecn: number;
  payloadLength: number;
  checksum: number;
  /** null when the capture cut the packet (its data is not all there to check). */
  checksumValid: boolean | null;
  urgentPointer: number;
  options: TcpOptionsJson;
  /** Only on a packet the capture cut (snap length): the frame's bytes captured and on the wire. */
  capturedLength?: number;
  originalLength?: number;
  /** The capture cut the TCP options: `options` is empty, not a statement that there were none. */
  optionsCut?: true;
}

export function tcpOptionsToJson(o: TcpOptions): TcpOptionsJson {
  const out: TcpOptionsJson = {};
  if (o.mss !== undefined) out.mss = o.mss;
  if (o.wscale !== undefined) out.wscale = o.wscale;
  if (o.sackPermitted) out.sackPermitted = true;
  if (o.sack) out.sack = o.sack.map(([l, r]) => [l, r]);
  if (o.timestamp) out.timestamp = { value: o.timestamp.value, echo: o.timestamp.echo };
  if (o.fastOpenCookie) out.fastOpenCookie = toHex(o.fastOpenCookie);
  if (o.unknown) out.unknown = o.unknown.map((u) => ({ kind: u.kind, data: toHex(u.data) }));
  return out;
}

export function tcpPacketToJson(frame: number, p: CapturedTcpPacket): TcpPacketJson {
  const { ip, tcp } = p;
  const json: TcpPacketJson = {
    frame,
    ipVersion: ip.version,
    src: ipToString(ip.src),
    dst: ipToString(ip.dst),
    ttl: ip.version === 4 ? ip.ttl : ip.hopLimit,
    ecn: ip.ecn,
    srcPort: tcp.srcPort,
    dstPort: tcp.dstPort,
    seq: tcp.seq,
    ack: tcp.ack,
    flags: tcp.flags,
    window: tcp.window,
    payloadLength: p.payloadLength,
    checksum: tcp.checksum,
    checksumValid: p.snapped ? null : tcpChecksumValid(p),
    urgentPointer: tcp.urgentPointer,
    options: tcpOptionsToJson(tcp.options),
  };
  if (p.snapped) {
    json.capturedLength = p.snapped.capturedLength;
    json.originalLength = p.snapped.originalLength;
    if (p.snapped.optionsCut) json.optionsCut = true;
  }
  return json;
}

/** tcpdump's flag letters: S F R P U E W, '.' for ACK, 'e' for AE. */
export function tcpFlagLetters(flags: number): string {
  let s = '';
  if (flags & TcpFlag.SYN) s += 'S';
  if (flags & TcpFlag.FIN) s += 'F';
  if (flags & TcpFlag.RST) s += 'R';
  if (flags & TcpFlag.PSH) s += 'P';
  if (flags & TcpFlag.URG) s += 'U';
  if (flags & TcpFlag.ECE) s += 'E';
  if (flags & TcpFlag.CWR) s += 'W';
  if (flags & TcpFlag.AE) s += 'e';
  if (flags & TcpFlag.ACK) s += '.';
  return s || 'none';
}

/** tcpdump's rendering of the options: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7". */
export function tcpOptionsText(o: TcpOptions): string {
  const parts: string[] = [];
  let unknown = 0;
  const kinds = optionKinds(o);
  for (const kind of kinds) {
    if (kind === 0) {
      // Whatever follows an EOL is padding (decoded headers list whole padding words as more EOLs).
      parts.push('eol');
      break;
    }
    if (kind > 1 && isUnknownSlot(o, kind, unknown)) {
      parts.push(unknownText(o, unknown++));
      continue;
    }
    switch (kind) {
      case 1: parts.push('nop'); break;
      case 2: if (o.mss !== undefined) { parts.push(`mss ${o.mss}`); break; } parts.push(unknownText(o, unknown++)); break;
      case 3: if (o.wscale !== undefined) { parts.push(`wscale ${o.wscale}`); break; } parts.push(unknownText(o, unknown++)); break;
      case 4: if (o.sackPermitted) { parts.push('sackOK'); break; } parts.push(unknownText(o, unknown++)); break;
      case 5: if (o.sack) { parts.push(`sack ${o.sack.length} ${o.sack.map(([l, r]) => `{${l}:${r}}`).join('')}`); break; } parts.push(unknownText(o, unknown++)); break;
      case 8: if (o.timestamp) { parts.push(`TS val ${o.timestamp.value} ecr ${o.timestamp.echo}`); break; } parts.push(unknownText(o, unknown++)); break;
      case 254: if (o.fastOpenCookie && o.fastOpenExp) { parts.push(o.fastOpenCookie.length ? `tfo exp cookie ${toHex(o.fastOpenCookie)}` : 'tfo exp cookiereq'); break; } parts.push(unknownText(o, unknown++)); break;
      case 34: if (o.fastOpenCookie) { parts.push(o.fastOpenCookie.length ? `tfo cookie ${toHex(o.fastOpenCookie)}` : 'tfo cookiereq'); break; } parts.push(unknownText(o, unknown++)); break;
      default: parts.push(unknownText(o, unknown++));
    }
  }
  return parts.join(',');
}

function unknownText(o: TcpOptions, i: number): string {
  const u = o.unknown?.[i];
  return u ? `opt-${u.kind}:${toHex(u.data)}` : 'opt-?';
}

/**
 * One tcpdump-like line (absolute sequence numbers, as `tcpdump -S`). A packet the capture cut ends
 * in "[captured 96 of 1514 bytes]" and its checksum, which cannot be checked, is not judged.
 */
export function tcpPacketLine(p: CapturedTcpPacket): string {
  const { ip, tcp } = p;
  const fam = ip.version === 4 ? 'IP' : 'IP6';
  let s = `${fam} ${ipToString(ip.src)}.${tcp.srcPort} > ${ipToString(ip.dst)}.${tcp.dstPort}: Flags [${tcpFlagLetters(tcp.flags)}]`;
  if (p.payloadLength > 0 || tcp.flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) {
    s += p.payloadLength > 0 ? `, seq ${tcp.seq}:${(tcp.seq + p.payloadLength) >>> 0}` : `, seq ${tcp.seq}`;
  }
  if (tcp.flags & TcpFlag.ACK) s += `, ack ${tcp.ack}`;
  s += `, win ${tcp.window}`;
  if (tcp.flags & TcpFlag.URG) s += `, urg ${tcp.urgentPointer}`;
  const opts = p.snapped?.optionsCut ? '|tcp' : tcpOptionsText(tcp.options);
  if (opts) s += `, options [${opts}]`;
  s += `, length ${p.payloadLength}`;
  if (p.snapped) s += ` [${cutText(p.snapped)}]`;
  else if (!tcpChecksumValid(p)) s += ` [bad tcp cksum 0x${tcp.checksum.toString(16).padStart(4, '0')}]`;
  return s;
}
