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
import { decodeIp, IpProtocol } from './ip.js';
import { decodeTcpPacket, type TcpPacket } from './packet.js';
import type { CaptureRecord } from './pcap.js';
import { TCP_MIN_HEADER, type TcpOptions } from './tcp.js';

const NO_OPTIONS: TcpOptions = Object.freeze({}) as TcpOptions;

/** How much of a frame the capture kept. */
export interface Snapped {
  /** Bytes of the frame captured (the record's caplen), and the frame's length on the wire. */
  capturedLength: number;
  originalLength: number;
  /** The TCP options were not all captured: `tcp.options` is left empty. */
  optionsCut?: boolean;
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
  const ipp = decodeIp(packet);
  if (!ipp.ok) return fail(ipp.reason, `${ipp.detail} (${cutText(snapped)})`);
  if (ipp.protocol === IpProtocol.TCP && !ipp.fragment && ipp.payloadOffset + TCP_MIN_HEADER > captured) {
    // The TCP header itself was cut (tcpdump's "[|tcp]"): only the addresses (and ports) are known.
    const ports = ipp.payloadOffset + 4 <= captured;
    const fam = ipp.ip.version === 4 ? 'IP' : 'IP6';
    const end = (addr: Uint8Array | number, at: number) => `${ipToString(addr)}${ports ? `.${u16(packet, at)}` : ''}`;
    return fail('truncated', `${fam} ${end(ipp.ip.src, ipp.payloadOffset)} > ${end(ipp.ip.dst, ipp.payloadOffset + 2)}: [|tcp] (${cutText(snapped)})`);
  }
  const p = decodeTcpPacket(packet);
  if (!p.ok) return fail(p.reason, `${p.detail} (${cutText(snapped)})`);
  if (p.payloadOffset > captured) {
    // The fixed header is all there, the options are not (-s 54 on Ethernet): the segment is known
    // but for its options, which are left out rather than read from bytes that were not captured.
    return { ...p, tcp: { ...p.tcp, options: NO_OPTIONS }, snapped: { ...snapped, optionsCut: true } };
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
