/**
 * The bytes of a SYN-cookie SYN-ACK, written straight into a new packet: no Segment, no options
 * object, checksums summed from the field values rather than read back from the bytes. A SYN flood
 * answered with cookies spends its time here (one per spoofed SYN), so this is the stack's one
 * hand-written encoder; it writes exactly what encodeTcpPacket writes for the same segment (the
 * options in Linux's layout: MSS; SACK-permitted or NOP NOP, timestamps; NOP, window scale), which
 * a test checks byte for byte.
 */
import { IpProtocol, type IpAddress } from '../wire/index.js';

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const TCP_HEADER = 20;
const TCPOPT_MSS = 0x0204;
const TCPOPT_SACK_PERMITTED = 0x0402;
const TCPOPT_NOP_NOP = 0x0101;
const TCPOPT_TIMESTAMP = 0x080a;
const TCPOPT_NOP_WSCALE = 0x0103; // NOP, kind 3, then length 3 and the shift
const IPV4_DONT_FRAGMENT = 0x4000;

/** What a cookie SYN-ACK carries besides its 4-tuple. */
export interface CookieSynAckShape {
  /** MSS option, or -1 for no options at all (`noOptions`). */
  mss: number;
  /** Whether the timestamps option goes (then SACK-permitted and window scale may too). */
  timestamps: boolean;
  sackPermitted: boolean;
  /** Window scale shift, or -1 for none. */
  wscale: number;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Sum of a 32-bit value's two 16-bit halves. */
function words32(v: number): number {
  return (v >>> 16) + (v & 0xffff);
}

/**
 * A SYN-ACK <SEQ=isn><ACK=ack><CTL=SYN,ACK(,ECE)> from local:localPort to remote:remotePort. `tsval` and
 * `tsecr` are used only with `shape.timestamps`; `ipId` only for IPv4 (DF set, as encodeIpv4Header).
 */
export function writeCookieSynAck(
  local: IpAddress,
  localPort: number,
  remote: IpAddress,
  remotePort: number,
  ttl: number,
  ipId: number,
  isn: number,
  ack: number,
  flags: number,
  window: number,
  shape: CookieSynAckShape,
  tsval: number,
  tsecr: number,
  /** Where to write (zeroed bytes from `offset` on, room for the packet); default a new buffer. */
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  const v4 = typeof local === 'number';
  let optLen = 0;
  if (shape.mss >= 0) {
    optLen = 4;
    if (shape.timestamps) optLen += 12;
    if (shape.wscale >= 0) optLen += 4;
  }
  const tcpLen = TCP_HEADER + optLen;
  const ipLen = v4 ? IPV4_HEADER : IPV6_HEADER;
  const b = out === undefined ? new Uint8Array(ipLen + tcpLen) : out.subarray(offset, offset + ipLen + tcpLen);
  const t = ipLen;
  let sum = 0; // the TCP checksum's sum, from the values written

  // TCP header.
  b[t] = localPort >>> 8;
  b[t + 1] = localPort;
  b[t + 2] = remotePort >>> 8;
  b[t + 3] = remotePort;
  put32(b, t + 4, isn);
  put32(b, t + 8, ack);
  const offFlags = ((tcpLen >>> 2) << 12) | (flags & 0xfff);
  b[t + 12] = offFlags >>> 8;
  b[t + 13] = offFlags;
  b[t + 14] = window >>> 8;
  b[t + 15] = window;
  // checksum (16, 17) below; urgent pointer (18, 19) stays 0.
  sum += localPort + remotePort + words32(isn) + words32(ack) + offFlags + window;

  // Options.
  let o = t + TCP_HEADER;
  if (shape.mss >= 0) {
    b[o] = 2;
    b[o + 1] = 4;
    b[o + 2] = shape.mss >>> 8;
    b[o + 3] = shape.mss;
    sum += TCPOPT_MSS + shape.mss;
    o += 4;
    if (shape.timestamps) {
      const first = shape.sackPermitted ? TCPOPT_SACK_PERMITTED : TCPOPT_NOP_NOP;
      b[o] = first >>> 8;
      b[o + 1] = first;
      b[o + 2] = 8;
      b[o + 3] = 10;
      put32(b, o + 4, tsval);
      put32(b, o + 8, tsecr);
      sum += first + TCPOPT_TIMESTAMP + words32(tsval) + words32(tsecr);
      o += 12;
    }
    if (shape.wscale >= 0) {
      b[o] = 1;
      b[o + 1] = 3;
      b[o + 2] = 3;
      b[o + 3] = shape.wscale;
      sum += TCPOPT_NOP_WSCALE + ((3 << 8) | shape.wscale);
      o += 4;
    }
  }

  // IP header and the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1).
  if (v4) {
    const src = local as number;
    const dst = remote as number;
    const total = ipLen + tcpLen;
    b[0] = 0x45;
    b[2] = total >>> 8;
    b[3] = total;
    b[4] = ipId >>> 8;
    b[5] = ipId;
    b[6] = IPV4_DONT_FRAGMENT >>> 8;
    b[8] = ttl;
    b[9] = IpProtocol.TCP;
    put32(b, 12, src);
    put32(b, 16, dst);
    const ipSum = ~fold(0x4500 + total + ipId + IPV4_DONT_FRAGMENT + ((ttl << 8) | IpProtocol.TCP) + words32(src) + words32(dst)) & 0xffff;
    b[10] = ipSum >>> 8;
    b[11] = ipSum;
    sum += words32(src) + words32(dst) + IpProtocol.TCP + tcpLen;
  } else {
    const src = local as Uint8Array;
    const dst = remote as Uint8Array;
    b[0] = 0x60;
    b[4] = tcpLen >>> 8;
    b[5] = tcpLen;
    b[6] = IpProtocol.TCP;
    b[7] = ttl;
    b.set(src, 8);
    b.set(dst, 24);
    for (let i = 0; i < 16; i += 2) sum += ((src[i] << 8) | src[i + 1]) + ((dst[i] << 8) | dst[i + 1]);
    sum += IpProtocol.TCP + tcpLen;
  }
  const check = ~fold(sum) & 0xffff;
  b[t + 16] = check >>> 8;
  b[t + 17] = check;
  return b;
}

function put32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}
