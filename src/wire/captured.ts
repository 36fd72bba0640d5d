/**
 * A captured frame decoded down to TCP, including frames a capture cut short with a snap length
 * (`tcpdump -s 96`): the record keeps the first bytes and the original length. Such a frame is
 * decoded as tcpdump and tshark decode it: every header that was captured, and the segment's real
 * length from the IP header's length field, with the data that was not captured marked as such
 * rather than the whole packet reported "truncated".
 */
import { ipToString } from './address.js';
import { u16 } from './bytes.js';
import { fail, type DecodeFailure } from './errors.js';
import { locateIp } from './linklayer.js';
import { decodeTcpPacket, type TcpPacket } from './packet.js';
import type { CaptureRecord } from './pcap.js';

/** How much of a frame the capture kept. */
export interface Snapped {
  /** Bytes of the frame captured (the record's caplen), and the frame's length on the wire. */
  capturedLength: number;
  originalLength: number;
}

/**
 * A TCP packet from a capture. With `snapped` set, the capture cut it: the headers are as captured,
 * the lengths (IP and TCP payload) are the real ones, the data past the cut reads as zeros, and the
 * TCP checksum cannot be verified.
 */
export type CapturedTcpPacket = TcpPacket & { snapped?: Snapped };

/** Decode a capture record to its TCP segment, reading through a snap-length cut. */
export function decodeCapturedTcp(record: CaptureRecord): CapturedTcpPacket | DecodeFailure {
  const data = record.data;
  const at = locateIp(record.linkType, data);
  if (!at.ok) return at;
  const whole = decodeTcpPacket(data, at.offset, at.length);
  if (whole.ok || whole.reason !== 'truncated' || data.length >= record.originalLength) return whole;
  const snapped: Snapped = { capturedLength: data.length, originalLength: record.originalLength };
  const captured = at.length;
  const ipLength = ipLengthField(data, at.offset, captured);
  if (ipLength === undefined || ipLength <= captured) return whole;
  // Lay the captured bytes over a packet of the real length: the headers decode as they are, and the
  // lengths follow the IP header, as they did on the wire.
  const packet = new Uint8Array(ipLength);
  packet.set(data.subarray(at.offset, at.offset + captured));
  const p = decodeTcpPacket(packet);
  if (!p.ok) return fail(p.reason, `${p.detail} (${cutText(snapped)})`);
  if (p.payloadOffset > captured) {
    // The TCP header itself was cut (tcpdump's "[|tcp]"): only the addresses (and ports) are known.
    const ports = p.segmentOffset + 4 <= captured;
    const fam = p.ip.version === 4 ? 'IP' : 'IP6';
    const end = (addr: Uint8Array | number, port: number) => `${ipToString(addr)}${ports ? `.${port}` : ''}`;
    return fail('truncated', `${fam} ${end(p.ip.src, p.tcp.srcPort)} > ${end(p.ip.dst, p.tcp.dstPort)}: [|tcp] (${cutText(snapped)})`);
  }
  return { ...p, snapped };
}

/** "captured 96 of 1514 bytes". */
export function cutText(s: Snapped): string {
  return `captured ${s.capturedLength} of ${s.originalLength} bytes`;
}

/** The IP packet's length per its header (IPv4 total length, IPv6 40 + payload length). */
function ipLengthField(data: Uint8Array, offset: number, captured: number): number | undefined {
  if (captured < 1) return undefined;
  const version = data[offset] >>> 4;
  if (version === 4 && captured >= 4) return u16(data, offset + 2);
  if (version === 6 && captured >= 6) return 40 + u16(data, offset + 4);
  return undefined;
}
