/**
 * A seeded fuzzer for the wire/ decoders. It throws random and mutated byte strings at every
 * decoding entry point and checks, beyond "no exception":
 *
 * - a failure is `{ ok: false, reason, detail }` with a reason from DecodeReason;
 * - a success keeps its offsets and lengths inside the buffer and its fields inside their widths;
 * - a decoded TCP packet's checksum verdict equals a byte-at-a-time reference, its JSON and text
 *   views render, and encoding the decoded fields gives back the same bytes (but for a bad IPv4
 *   header checksum, which the encoder recomputes, and bytes after an EOL option, written as zeros);
 * - decoding does not depend on where in its ArrayBuffer the input sits (checked on a sample).
 *
 * Every iteration draws from its own generator, seeded by (seed, iteration), so any one iteration
 * replays alone: `npm run fuzz -- --seed S --from I --iterations 1`.
 */
import { concatBytes, toHex as hex } from '../../src/wire/bytes.js';
import { decodeIp, encodeIpv4Header, encodeIpv6Header, IpProtocol, type IpPacket } from '../../src/wire/ip.js';
import { decodeTcpPacket, encodeTcpPacket, tcpChecksumValid, type IpFieldsForTcp, type TcpPacket, type TcpPacketSpec } from '../../src/wire/packet.js';
import { tcpPacketSpec } from '../../src/wire/packet.js';
import { decodeTcpHeader, decodeTcpOptions, encodeTcpHeader, tcpOptionsLength, TCP_MAX_OPTIONS, type TcpHeader, type TcpOptions } from '../../src/wire/tcp.js';
import { encodePcap, LinkType, readCapture } from '../../src/wire/pcap.js';
import { locateIp } from '../../src/wire/linklayer.js';
import { tcpPacketLine, tcpPacketToJson } from '../../src/wire/summary.js';
import type { DecodeFailure, DecodeReason } from '../../src/wire/errors.js';

// The PRNG is the project's own seeded sfc32 (src/tcp/random.ts): (seed, iteration) replays one input.
export { SeededRandom as Rng } from '../../src/tcp/random.js';
import { SeededRandom as Rng } from '../../src/tcp/random.js';

// ---------------------------------------------------------------------------------------------
// Invariants.
// ---------------------------------------------------------------------------------------------

/** Every DecodeReason: the compiler insists this stays complete and exact. */
const REASON_TABLE: Record<DecodeReason, true> = {
  truncated: true,
  'bad-version': true,
  'bad-ihl': true,
  'bad-total-length': true,
  fragment: true,
  'not-tcp': true,
  'unsupported-extension': true,
  'bad-data-offset': true,
  'option-overrun': true,
  'bad-option-length': true,
  'bad-capture': true,
  'not-ip': true,
  'unsupported-link-type': true,
  // The link-layer and UDP decoders' reasons (fuzzed by fuzz-l2.ts).
  'other-protocol': true,
  'bad-length': true,
  'bad-field': true,
  'bad-name': true,
};
/** Reasons only the link-layer and UDP-borne decoders give (fuzz-l2.ts checks that each comes up). */
export const L2_REASONS: readonly DecodeReason[] = ['other-protocol', 'bad-length', 'bad-field', 'bad-name'];
/** Every DecodeReason the TCP/IP decoders give, for tests that want to see each one come up. */
export const DECODE_REASONS = (Object.keys(REASON_TABLE) as DecodeReason[]).filter((r) => !L2_REASONS.includes(r));
/** Every DecodeReason. */
export const ALL_DECODE_REASONS = Object.keys(REASON_TABLE) as DecodeReason[];
const REASONS = new Set<string>(DECODE_REASONS);

class Violation extends Error {}

function fail(what: string): never {
  throw new Violation(what);
}

function isUint(x: unknown, bits: number): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 2 ** bits;
}

function checkFailure(r: DecodeFailure, where: string): void {
  if (!(r.ok === false)) fail(`${where}: failure without ok: false`);
  if (!(REASONS.has(r.reason))) fail(`${where}: reason ${JSON.stringify(r.reason)} is not a DecodeReason`);
  if (!(typeof r.detail === 'string' && r.detail.length > 0)) fail(`${where}: failure without detail`);
}

function isResult(r: unknown): r is { ok: boolean } {
  return typeof r === 'object' && r !== null && typeof (r as { ok: unknown }).ok === 'boolean';
}

/** Ones'-complement sum the slow way (RFC 1071), for checking the fast one. */
function refSum(b: Uint8Array, start: number, end: number, initial: number): number {
  let s = initial;
  for (let i = start; i < end; i += 2) {
    s += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function refTcpChecksumValid(p: TcpPacket): boolean {
  const ip = p.ip;
  const len = p.segmentLength;
  let s = 6 + (len >>> 16) + (len & 0xffff);
  if (ip.version === 4) s += (ip.src >>> 16) + (ip.src & 0xffff) + (ip.dst >>> 16) + (ip.dst & 0xffff);
  else for (let i = 0; i < 16; i += 2) s += ((ip.src[i] << 8) | ip.src[i + 1]) + ((ip.dst[i] << 8) | ip.dst[i + 1]);
  s = refSum(new Uint8Array(0), 0, 0, s);
  return refSum(p.bytes, p.segmentOffset, p.segmentOffset + len, s) === 0xffff;
}

/** `maxData`: 38 inside a TCP header (40 bytes of options at most); up to 253 for an arbitrary range. */
function checkOptions(o: TcpOptions, where: string, maxData = 38): void {
  if (o.mss !== undefined) if (!(isUint(o.mss, 16))) fail(`${where}: mss ${o.mss}`);
  if (o.wscale !== undefined) if (!(isUint(o.wscale, 8))) fail(`${where}: wscale ${o.wscale}`);
  if (o.sackPermitted !== undefined) if (!(o.sackPermitted === true)) fail(`${where}: sackPermitted ${o.sackPermitted}`);
  if (o.sack) {
    if (!(o.sack.length >= 1 && o.sack.length <= 4)) fail(`${where}: ${o.sack.length} SACK blocks`);
    for (const [l, r] of o.sack) if (!(isUint(l, 32) && isUint(r, 32))) fail(`${where}: SACK block ${l}-${r}`);
  }
  if (o.timestamp) if (!(isUint(o.timestamp.value, 32) && isUint(o.timestamp.echo, 32))) fail(`${where}: timestamp`);
  if (o.fastOpenCookie) {
    const n = o.fastOpenCookie.length;
    if (!(n === 0 || (n >= 4 && n <= 16))) fail(`${where}: TFO cookie of ${n} bytes`);
  }
  for (const u of o.unknown ?? []) {
    if (!(isUint(u.kind, 8) && u.kind >= 2)) fail(`${where}: unknown option kind ${u.kind}`);
    if (!(u.data instanceof Uint8Array && u.data.length <= maxData)) fail(`${where}: unknown option data of ${u.data.length} bytes`);
  }
  for (const k of o.order ?? []) if (!(isUint(k, 8))) fail(`${where}: order entry ${k}`);
}

function checkTcpFields(t: TcpHeader, where: string): void {
  if (!(t.ok === true)) fail(`${where}: ok`);
  if (!(isUint(t.srcPort, 16) && isUint(t.dstPort, 16))) fail(`${where}: ports ${t.srcPort} ${t.dstPort}`);
  if (!(isUint(t.seq, 32) && isUint(t.ack, 32))) fail(`${where}: seq ${t.seq} ack ${t.ack}`);
  if (!(isUint(t.flags, 12))) fail(`${where}: flags ${t.flags}`);
  if (!(isUint(t.window, 16) && isUint(t.checksum, 16) && isUint(t.urgentPointer, 16))) fail(`${where}: window/checksum/urgent`);
  if (!(t.headerLength >= 20 && t.headerLength <= 60 && t.headerLength % 4 === 0)) fail(`${where}: header length ${t.headerLength}`);
  checkOptions(t.options, where);
  if (!(tcpOptionsLength(t.options) === t.headerLength - 20)) fail(`${where}: options re-encode to ${tcpOptionsLength(t.options)} bytes, not ${t.headerLength - 20}`);
}

/** bytes[start, end) with every option byte after the first EOL set to zero: what the encoder writes. */
function withPaddingZeroed(bytes: Uint8Array, start: number, optStart: number, end: number): Uint8Array {
  const out = bytes.slice(start, end);
  let i = optStart;
  while (i < end) {
    const kind = bytes[i];
    if (kind === 0) {
      out.fill(0, i + 1 - start);
      break;
    }
    i += kind === 1 ? 1 : bytes[i + 1];
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const scratchHeader = new Uint8Array(64);

/** A decoded TCP header at bytes[offset...] re-encodes to the bytes it came from. */
function checkHeaderReencodes(t: TcpHeader, bytes: Uint8Array, offset: number, where: string): void {
  const n = encodeTcpHeader(t, scratchHeader, 0);
  if (!(n === t.headerLength)) fail(`${where}: re-encoded header is ${n} bytes, not ${t.headerLength}`);
  const expected = withPaddingZeroed(bytes, offset, offset + 20, offset + n);
  if (!(sameBytes(scratchHeader.subarray(0, n), expected))) fail(`${where}: re-encoded header differs: ${hex(scratchHeader.subarray(0, n))} vs ${hex(expected)}`);
}


function checkIpPacket(r: IpPacket, bytes: Uint8Array, offset: number, length: number, where: string): void {
  const end = offset + length;
  if (!(r.ip.version === 4 || r.ip.version === 6)) fail(`${where}: version`);
  const minHeader = r.ip.version === 4 ? 20 : 40;
  if (!(r.payloadOffset >= offset + minHeader)) fail(`${where}: payload offset ${r.payloadOffset} inside the IP header`);
  if (!(r.payloadLength >= 0 && r.payloadOffset + r.payloadLength <= end)) fail(`${where}: payload [${r.payloadOffset}, +${r.payloadLength}) past ${end}`);
  if (!(isUint(r.protocol, 8))) fail(`${where}: protocol ${r.protocol}`);
  if (r.ip.version === 4) {
    const h = r.ip;
    if (!(h.headerLength >= 20 && h.headerLength <= 60 && h.headerLength % 4 === 0)) fail(`${where}: IHL ${h.headerLength}`);
    if (!(h.totalLength >= h.headerLength && h.totalLength <= length)) fail(`${where}: total length ${h.totalLength}`);
    if (!(r.payloadOffset === offset + h.headerLength && r.payloadLength === h.totalLength - h.headerLength)) fail(`${where}: IPv4 payload`);
    if (!(h.options.length === h.headerLength - 20)) fail(`${where}: IPv4 options length`);
    if (!(isUint(h.dscp, 6) && isUint(h.ecn, 2) && isUint(h.ttl, 8) && isUint(h.identification, 16))) fail(`${where}: IPv4 fields`);
    if (!(isUint(h.fragmentOffset, 13) && isUint(h.checksum, 16) && isUint(h.src, 32) && isUint(h.dst, 32))) fail(`${where}: IPv4 fields`);
    if (!(r.fragment === (h.moreFragments || h.fragmentOffset !== 0))) fail(`${where}: fragment flag`);
    if (!(h.checksumValid === (refSum(bytes, offset, offset + h.headerLength, 0) === 0xffff))) fail(`${where}: IPv4 header checksum verdict`);
  } else {
    const h = r.ip;
    if (!(isUint(h.trafficClass, 8) && h.dscp === h.trafficClass >>> 2 && h.ecn === (h.trafficClass & 3))) fail(`${where}: traffic class`);
    if (!(isUint(h.flowLabel, 20) && isUint(h.hopLimit, 8) && isUint(h.nextHeader, 8))) fail(`${where}: IPv6 fields`);
    if (!(h.src.length === 16 && h.dst.length === 16)) fail(`${where}: IPv6 addresses`);
    if (!(r.payloadOffset === offset + 40 + h.extensionHeaders.length)) fail(`${where}: extension headers length`);
    if (!(r.payloadOffset + r.payloadLength === offset + 40 + h.payloadLength)) fail(`${where}: IPv6 payload length`);
  }
}

/** Everything done with a successfully decoded TCP packet. */
function checkTcpPacket(p: TcpPacket, bytes: Uint8Array, offset: number, length: number, where: string, stats: FuzzStats, rebuild: boolean): void {
  stats.tcpPackets++;
  if (!(p.bytes === bytes)) fail(`${where}: packet is not a view of its input`);
  checkIpPacket({ ok: true, ip: p.ip, protocol: 6, payloadOffset: p.segmentOffset, payloadLength: p.segmentLength, fragment: false }, bytes, offset, length, where);
  checkTcpFields(p.tcp, where);
  if (!(p.tcp.headerLength <= p.segmentLength)) fail(`${where}: header longer than segment`);
  if (!(p.payloadOffset === p.segmentOffset + p.tcp.headerLength)) fail(`${where}: payload offset`);
  if (!(p.payloadLength === p.segmentLength - p.tcp.headerLength)) fail(`${where}: payload length`);
  const valid = tcpChecksumValid(p);
  if (!(valid === refTcpChecksumValid(p))) fail(`${where}: tcpChecksumValid says ${valid}, the reference disagrees`);
  if (valid) stats.checksumValid++;
  const json = tcpPacketToJson(1, p);
  if (!(JSON.stringify(json).length > 0 && json.checksumValid === valid && json.seq === p.tcp.seq)) fail(`${where}: JSON view`);
  const line = tcpPacketLine(p);
  if (!(typeof line === 'string' && line.length > 0)) fail(`${where}: text line`);

  // Re-encode from the decoded fields: the same bytes but for what the encoder normalizes.
  const spec = tcpPacketSpec(p, true);
  const again = encodeTcpPacket(spec);
  const ipEnd = p.segmentOffset + p.segmentLength;
  const expected = withPaddingZeroed(bytes, offset, p.segmentOffset + 20, p.segmentOffset + p.tcp.headerLength);
  const full = new Uint8Array(ipEnd - offset);
  full.set(bytes.subarray(offset, ipEnd));
  full.set(expected.subarray(p.segmentOffset - offset), p.segmentOffset - offset);
  if (p.ip.version === 4 && !p.ip.checksumValid) {
    if (!(refSum(again, 0, p.ip.headerLength, 0) === 0xffff)) fail(`${where}: re-encoded IPv4 header checksum`);
    full[10] = again[10];
    full[11] = again[11];
  }
  if (!(sameBytes(again, full))) fail(`${where}: re-encoded packet differs:\n  ${hex(again)}\n  ${hex(full)}`);
  if (!rebuild) return;
  // With the checksum computed, the rebuilt packet verifies.
  spec.tcpChecksum = undefined;
  const fresh = decodeTcpPacket(encodeTcpPacket(spec));
  if (!(fresh.ok && tcpChecksumValid(fresh))) fail(`${where}: a packet built from decoded fields does not verify`);
}

// ---------------------------------------------------------------------------------------------
// Seeds: valid packets, frames and capture files to mutate.
// ---------------------------------------------------------------------------------------------

const KNOWN_KINDS = [2, 3, 4, 5, 8, 34];

function randomOptions(r: Rng): TcpOptions {
  const o: TcpOptions = {};
  if (r.chance(0.5)) o.mss = r.pick([536, 1220, 1440, 1460, 8960, 65495, r.int(65536)]);
  if (r.chance(0.4)) o.wscale = r.pick([0, 7, 8, 14, 15, r.int(256)]);
  if (r.chance(0.4)) o.sackPermitted = true;
  if (r.chance(0.5)) o.timestamp = { value: r.nextUint32(), echo: r.chance(0.3) ? 0 : r.nextUint32() };
  if (r.chance(0.25)) o.sack = Array.from({ length: r.range(1, 4) }, (): [number, number] => [r.nextUint32(), r.nextUint32()]);
  if (r.chance(0.1)) o.fastOpenCookie = r.bytes(r.chance(0.3) ? 0 : r.range(4, 16));
  if (r.chance(0.1)) o.unknown = Array.from({ length: r.range(1, 2) }, () => ({ kind: r.pick([6, 7, 19, 28, 29, 30, 253, 254, r.range(9, 255)]), data: r.bytes(r.int(8)) }));
  while (tcpOptionsLength(o) > TCP_MAX_OPTIONS) {
    if (o.unknown) delete o.unknown;
    else if (o.fastOpenCookie) delete o.fastOpenCookie;
    else if (o.sack && o.sack.length > 1) o.sack.pop();
    else if (o.sack) delete o.sack;
    else delete o.timestamp;
  }
  return o;
}

/** Option bytes assembled by hand (NOPs, EOL, repeats, malformed lengths), decoded into options with `order`. */
function rawOptions(r: Rng): TcpOptions {
  const bytes: number[] = [];
  const room = r.pick([4, 8, 12, 20, 40]);
  for (let n = r.range(1, 8); n > 0; n--) {
    let opt: number[];
    const c = r.int(10);
    if (c < 3) opt = [1];
    else if (c < 8) {
      const kind = r.pick(KNOWN_KINDS);
      const len = r.chance(0.8) ? { 2: 4, 3: 3, 4: 2, 5: 10, 8: 10, 34: 2 }[kind]! : r.range(2, 12);
      opt = [kind, len, ...r.bytes(len - 2)];
    } else {
      const len = r.range(2, 8);
      opt = [r.range(6, 255), len, ...r.bytes(len - 2)];
    }
    if (bytes.length + opt.length > room) break;
    bytes.push(...opt);
  }
  if (r.chance(0.3) && bytes.length < room) bytes.push(0);
  while (bytes.length % 4 || (r.chance(0.1) && bytes.length < room)) bytes.push(0);
  const d = decodeTcpOptions(Uint8Array.from(bytes), 0, bytes.length);
  return (d as DecodeFailure).ok === false ? {} : (d as TcpOptions);
}

function extHeader(next: number, type: number, r: Rng): Uint8Array {
  if (type === IpProtocol.IPV6_FRAGMENT) {
    const atomic = r.chance(0.6);
    const off = atomic ? 0 : r.int(0x2000);
    const more = atomic ? 0 : r.int(2);
    return Uint8Array.of(next, 0, off >>> 5, ((off << 3) & 0xf8) | more, ...r.bytes(4));
  }
  if (type === IpProtocol.AH) {
    const words = r.range(1, 4); // payload len + 2 in 4-byte words
    const h = r.bytes((words + 2) * 4);
    h[0] = next;
    h[1] = words;
    return h;
  }
  const len = r.range(0, 2);
  const h = r.bytes((len + 1) * 8);
  h[0] = next;
  h[1] = len;
  return h;
}

function randomIp(r: Rng): IpFieldsForTcp {
  if (r.chance(0.55)) {
    const frag = r.chance(0.05);
    return {
      version: 4,
      src: r.nextUint32(),
      dst: r.nextUint32(),
      ttl: r.int(256),
      dscp: r.int(64),
      ecn: r.int(4),
      identification: r.int(65536),
      dontFragment: r.chance(0.7),
      reservedFlag: r.chance(0.05),
      moreFragments: frag && r.chance(0.5),
      fragmentOffset: frag ? r.int(0x2000) : 0,
      options: r.chance(0.15) ? r.bytes(4 * r.range(1, 10)) : undefined,
    };
  }
  const chain: number[] = [];
  if (r.chance(0.3)) {
    for (let n = r.range(1, 3); n > 0; n--) chain.push(r.pick([0, 60, 43, 44, 51, 135, 60]));
  }
  let ext: Uint8Array | undefined;
  if (chain.length) {
    ext = concatBytes(chain.map((t, i) => extHeader(i + 1 < chain.length ? chain[i + 1] : IpProtocol.TCP, t, r)));
  }
  return {
    version: 6,
    src: r.bytes(16),
    dst: r.bytes(16),
    hopLimit: r.int(256),
    dscp: r.int(64),
    ecn: r.int(4),
    flowLabel: r.int(0x100000),
    nextHeader: chain[0],
    extensionHeaders: ext,
  };
}

function randomPacket(r: Rng): Uint8Array {
  if (r.chance(0.05)) {
    // Not TCP: UDP over IPv4 or ICMPv6 over IPv6.
    const body = r.bytes(r.range(8, 40));
    if (r.chance(0.5)) {
      const out = new Uint8Array(20 + body.length);
      encodeIpv4Header({ src: r.nextUint32(), dst: r.nextUint32(), protocol: IpProtocol.UDP }, body.length, out);
      out.set(body, 20);
      return out;
    }
    const out = new Uint8Array(40 + body.length);
    encodeIpv6Header({ src: r.bytes(16), dst: r.bytes(16), protocol: IpProtocol.ICMPV6 }, body.length, out);
    out.set(body, 40);
    return out;
  }
  const tcp = {
    srcPort: r.pick([80, 443, 22, 49152, r.int(65536)]),
    dstPort: r.int(65536),
    seq: r.chance(0.2) ? 0xffffffff - r.int(4) : r.nextUint32(),
    ack: r.nextUint32(),
    flags: r.chance(0.9) ? r.pick([0x002, 0x012, 0x010, 0x018, 0x011, 0x004, 0x014, 0x0c2, 0x052]) : r.int(0x1000),
    window: r.int(65536),
    urgentPointer: r.chance(0.9) ? 0 : r.int(65536),
    options: r.chance(0.25) ? rawOptions(r) : randomOptions(r),
  };
  const payload = r.bytes(r.pick([0, 0, 0, 1, 2, 3, 10, 100, r.int(300), r.int(1400)]));
  const spec: TcpPacketSpec = { ip: randomIp(r), tcp, payload };
  if (r.chance(0.1)) spec.tcpChecksum = r.int(65536);
  const pkt = encodeTcpPacket(spec);
  if (r.chance(0.05) && pkt[0] >>> 4 === 4) pkt[10] ^= 0x5a; // a bad IPv4 header checksum
  return pkt;
}

/** Every link type `locateIp` knows, plus the BSD raw values. */
const LINK_TYPES = [...Object.values(LinkType), 12, 14];

function frame(linkType: number, pkt: Uint8Array, r: Rng): Uint8Array {
  const v6 = pkt[0] >>> 4 === 6;
  let head: number[];
  switch (linkType) {
    case LinkType.ETHERNET: {
      head = [...r.bytes(12)];
      for (let tags = r.chance(0.2) ? r.range(1, 2) : 0; tags > 0; tags--) {
        const tpid = r.pick([0x8100, 0x88a8, 0x9100]);
        head.push(tpid >>> 8, tpid & 0xff, r.int(256), r.int(256));
      }
      head.push(...(v6 ? [0x86, 0xdd] : [0x08, 0x00]));
      break;
    }
    case LinkType.LINUX_SLL:
      head = [0, r.int(5), 0, 1, 0, 6, ...r.bytes(8), ...(v6 ? [0x86, 0xdd] : [0x08, 0x00])];
      break;
    case LinkType.LINUX_SLL2:
      head = [...(v6 ? [0x86, 0xdd] : [0x08, 0x00]), 0, 0, ...r.bytes(4), 0, 1, r.int(5), 6, ...r.bytes(8)];
      break;
    case LinkType.NULL: {
      const fam = v6 ? r.pick([10, 24, 28, 30]) : 2;
      head = r.chance(0.5) ? [fam, 0, 0, 0] : [0, 0, 0, fam];
      break;
    }
    case LinkType.LOOP:
      head = [0, 0, 0, v6 ? r.pick([10, 24, 28, 30]) : 2];
      break;
    default:
      head = [];
  }
  const out = new Uint8Array(head.length + pkt.length);
  out.set(head);
  out.set(pkt, head.length);
  return out;
}

/** A pcapng file by hand: sections, interfaces (with if_tsresol / if_tsoffset), EPB, SPB, obsolete PB, other blocks. */
function pcapng(r: Rng, frames: { linkType: number; data: Uint8Array }[]): Uint8Array {
  const le = r.chance(0.7);
  const parts: Uint8Array[] = [];
  const block = (type: number, body: number[]): void => {
    const padded = [...body];
    while (padded.length % 4) padded.push(0);
    const total = 12 + padded.length;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, le);
    v.setUint32(4, total, le);
    b.set(padded, 8);
    v.setUint32(total - 4, total, le);
    parts.push(b);
  };
  const u16 = (x: number) => (le ? [x & 0xff, x >>> 8] : [x >>> 8, x & 0xff]);
  const u32 = (x: number) => (le ? [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24] : [x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff]);
  const shb = () => block(0x0a0d0d0a, [...u32(0x1a2b3c4d), ...u16(1), ...u16(0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  shb();
  const linkTypes = [...new Set(frames.map((f) => f.linkType))];
  for (const lt of linkTypes) {
    const opts: number[] = [];
    if (r.chance(0.5)) opts.push(...u16(9), ...u16(1), r.pick([6, 9, 0x80 | 20, 3, 0, 0x80]), 0, 0, 0);
    if (r.chance(0.3)) opts.push(...u16(14), ...u16(8), ...r.bytes(8));
    if (opts.length) opts.push(0, 0, 0, 0);
    block(1, [...u16(lt), 0, 0, ...u32(r.chance(0.2) ? 64 : 262144), ...opts]);
  }
  for (const f of frames) {
    const ifIndex = linkTypes.indexOf(f.linkType);
    const kind = ifIndex === 0 ? r.int(10) : 0;
    if (kind === 8) block(3, [...u32(f.data.length), ...f.data]);
    else if (kind === 9) block(2, [...u16(ifIndex), 0, 0, ...u32(r.nextUint32()), ...u32(r.nextUint32()), ...u32(f.data.length), ...u32(f.data.length), ...f.data]);
    else block(6, [...u32(ifIndex), ...u32(r.int(0x100000)), ...u32(r.nextUint32()), ...u32(f.data.length), ...u32(f.data.length + r.int(3)), ...f.data]);
    if (r.chance(0.1)) block(r.pick([4, 5, 0x0bad, 0x40000bad]), [...r.bytes(r.int(12))]);
  }
  if (r.chance(0.2)) shb();
  return concatBytes(parts);
}

/** A classic pcap, sometimes big-endian or with microsecond timestamps (written by hand: encodePcap writes LE ns). */
function pcap(r: Rng, frames: { linkType: number; data: Uint8Array }[]): Uint8Array {
  const lt = frames[0].linkType;
  const same = frames.filter((f) => f.linkType === lt);
  if (r.chance(0.6)) return encodePcap(same.map((f, i) => ({ data: f.data, timeMs: i * 1.5 + r.int(1000) })), lt);
  const le = r.chance(0.5);
  const magic = r.chance(0.5) ? 0xa1b2c3d4 : 0xa1b23c4d;
  const total = 24 + same.reduce((n, f) => n + 16 + f.data.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, 65535, le);
  v.setUint32(20, lt | (r.chance(0.2) ? 0x10000000 : 0), le);
  let at = 24;
  for (const f of same) {
    v.setUint32(at, r.nextUint32(), le);
    v.setUint32(at + 4, r.int(1000000), le);
    v.setUint32(at + 8, f.data.length, le);
    v.setUint32(at + 12, f.data.length, le);
    out.set(f.data, at + 16);
    at += 16 + f.data.length;
  }
  return out;
}

interface Corpus {
  packets: Uint8Array[];
  frames: { linkType: number; data: Uint8Array }[];
  captures: Uint8Array[];
}

function buildCorpus(seed: number): Corpus {
  const r = new Rng(seed, 0xc0ffee);
  const packets = Array.from({ length: 96 }, () => randomPacket(r));
  const frames = Array.from({ length: 64 }, () => {
    const linkType = r.pick(LINK_TYPES);
    return { linkType, data: frame(linkType, r.pick(packets), r) };
  });
  const captures: Uint8Array[] = [];
  for (let i = 0; i < 24; i++) {
    const some = Array.from({ length: r.range(1, 5) }, () => r.pick(frames));
    captures.push(i % 2 ? pcapng(r, some) : pcap(r, some));
  }
  return { packets, frames, captures };
}

// ---------------------------------------------------------------------------------------------
// Mutation.
// ---------------------------------------------------------------------------------------------

const INTERESTING8 = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x0a, 0x10, 0x22, 0x40, 0x45, 0x4f, 0x50, 0x60, 0xf0];
const INTERESTING16 = [0x0000, 0xffff, 0x7fff, 0x8000, 0x0001, 0x0014, 0x0028, 0x003c, 0x0800, 0x86dd, 0x8100, 0x05dc, 0xfffe];
const INTERESTING32 = [0, 0xffffffff, 0x7fffffff, 0x80000000, 1, 12, 16, 20, 28, 32, 0x0a0d0d0a, 0x1a2b3c4d, 0x4d3c2b1a, 0xa1b2c3d4];

function put16(b: Uint8Array, i: number, v: number): void {
  if (i + 1 < b.length) {
    b[i] = v >>> 8;
    b[i + 1] = v;
  }
}

/** Where the TCP header would start, reading the (possibly damaged) IP header as a decoder would. */
function tcpStartGuess(b: Uint8Array): number {
  if (b.length === 0) return 0;
  if (b[0] >>> 4 === 6) {
    let at = 40;
    let next = b[6];
    for (let n = 0; n < 4 && at + 2 <= b.length; n++) {
      if (next === 0 || next === 60 || next === 43 || next === 135) {
        next = b[at];
        at += (b[at + 1] + 1) * 8;
      } else if (next === 44) {
        next = b[at];
        at += 8;
      } else if (next === 51) {
        next = b[at];
        at += (b[at + 1] + 2) * 4;
      } else break;
    }
    return at;
  }
  return (b[0] & 0x0f) * 4;
}

function mutateOnce(b: Uint8Array, r: Rng, corpus: Corpus, structured: boolean): Uint8Array {
  const n = b.length;
  const pos = n ? r.int(n) : 0;
  switch (r.int(structured ? 14 : 9)) {
    case 0: // bit flip
      if (n) b[pos] ^= 1 << r.int(8);
      return b;
    case 1: // interesting byte
      if (n) b[pos] = r.pick(INTERESTING8);
      return b;
    case 2: // random byte
      if (n) b[pos] = r.int(256);
      return b;
    case 3: // interesting 16-bit value, either byte order
      if (n > 1) {
        const v = r.chance(0.8) ? r.pick(INTERESTING16) : (n + r.range(-8, 8)) & 0xffff;
        put16(b, pos, r.chance(0.8) ? v : ((v & 0xff) << 8) | (v >>> 8));
      }
      return b;
    case 4: // interesting 32-bit value, either byte order, usually 4-aligned
      if (n > 3) {
        const v = r.chance(0.8) ? r.pick(INTERESTING32) : (n + r.range(-16, 16)) >>> 0;
        const at = r.chance(0.7) ? Math.min(pos & ~3, n - 4) : Math.min(pos, n - 4);
        new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v, r.chance(0.5));
      }
      return b;
    case 5: // truncate
      return b.slice(0, r.chance(0.5) ? r.int(n + 1) : Math.max(0, n - r.range(1, 8)));
    case 6: {
      // extend
      const out = new Uint8Array(n + r.range(1, r.chance(0.9) ? 16 : 200));
      out.set(b);
      if (r.chance(0.5)) out.set(r.bytes(out.length - n), n);
      return out;
    }
    case 7: {
      // splice with another seed
      const other = r.pick(corpus.packets);
      const cut = r.int(n + 1);
      const from = r.int(other.length + 1);
      const out = new Uint8Array(cut + other.length - from);
      out.set(b.subarray(0, cut));
      out.set(other.subarray(from), cut);
      return out;
    }
    case 8: {
      // insert or delete a few bytes in the middle
      const k = r.range(1, 8);
      if (r.chance(0.5) || n < k) {
        const out = new Uint8Array(n + k);
        out.set(b.subarray(0, pos));
        out.set(r.bytes(k), pos);
        out.set(b.subarray(pos), pos + k);
        return out;
      }
      const out = new Uint8Array(n - k);
      out.set(b.subarray(0, Math.min(pos, n - k)));
      out.set(b.subarray(Math.min(pos, n - k) + k), Math.min(pos, n - k));
      return out;
    }
    case 9: // IPv4 IHL / version nibble
      if (n) b[0] = r.chance(0.7) ? (b[0] & 0xf0) | r.int(16) : (r.pick([4, 6, 0, 5, 15]) << 4) | (b[0] & 0x0f);
      return b;
    case 10: // IPv4 total length / IPv6 payload length
      if (n > 5) {
        const at = b[0] >>> 4 === 6 ? 4 : 2;
        const cur = (b[at] << 8) | b[at + 1];
        put16(b, at, r.chance(0.5) ? (cur + r.range(-8, 8)) & 0xffff : r.chance(0.5) ? r.pick(INTERESTING16) : r.int(65536));
      }
      return b;
    case 11: {
      // TCP data offset
      const t = tcpStartGuess(b);
      if (t + 12 < n) b[t + 12] = (r.int(16) << 4) | (b[t + 12] & 0x0f);
      return b;
    }
    case 12: {
      // a TCP option's kind or length byte
      const t = tcpStartGuess(b);
      if (t + 13 >= n) return b;
      const end = Math.min(n, t + (b[t + 12] >>> 4) * 4);
      const starts: number[] = [];
      for (let i = t + 20; i < end; ) {
        starts.push(i);
        if (b[i] === 0) break;
        if (b[i] === 1) i++;
        else if (i + 1 < end && b[i + 1] >= 2) i += b[i + 1];
        else break;
      }
      if (!starts.length) return b;
      const at = r.pick(starts);
      if (r.chance(0.6) && at + 1 < n) b[at + 1] = r.pick([0, 1, 2, 3, 4, 5, 8, 10, 18, 34, 40, 41, 255, r.int(256)]);
      else b[at] = r.pick([0, 1, ...KNOWN_KINDS, r.int(256)]);
      return b;
    }
    case 13: {
      // an IPv6 Next Header / extension header length, or the IPv4 protocol / flags
      if (n < 10) return b;
      if (b[0] >>> 4 === 6) {
        const at = n > 42 && r.chance(0.5) ? 40 + r.int(2) : 6;
        b[at] = r.chance(0.5) ? r.pick([0, 6, 17, 43, 44, 50, 51, 59, 60, 135, 139, 140]) : r.int(256);
      } else if (r.chance(0.5)) b[9] = r.pick([6, 17, 1, r.int(256)]);
      else b[6] = (b[6] & 0x1f) | (r.int(8) << 5);
      return b;
    }
  }
  return b;
}

function mutate(seed: Uint8Array, r: Rng, corpus: Corpus, structured: boolean): Uint8Array {
  let b: Uint8Array = seed.slice();
  for (let k = r.chance(0.5) ? 1 : r.range(2, 8); k > 0; k--) b = mutateOnce(b, r, corpus, structured);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------

export interface FuzzFailure {
  seed: number;
  iteration: number;
  /** The entry point being exercised, with its arguments. */
  target: string;
  message: string;
  /** The input as hex (the bytes the target was given, not including where in memory they sat). */
  inputHex: string;
}

export interface FuzzStats {
  iterations: number;
  failures: number;
  elapsedMs: number;
  /** Successful TCP decodes (each fully checked and re-encoded). */
  tcpPackets: number;
  checksumValid: number;
  captures: number;
  captureRecords: number;
  /** How often each failure reason came back, over all targets. */
  reasons: Record<string, number>;
}

export interface FuzzOptions {
  seed: number;
  iterations: number;
  /** First iteration number (to replay one: `from: I, iterations: 1`). */
  from?: number;
  /** Stop after this many milliseconds even if iterations remain. */
  timeLimitMs?: number;
  /** Stop after this many failures (default 10). */
  maxFailures?: number;
  onFailure?: (f: FuzzFailure) => void;
  /** Called about every `progressEvery` iterations. */
  onProgress?: (s: FuzzStats) => void;
  progressEvery?: number;
  /** An extra check on every decoded TCP packet (the engine's own test plants failures with it). */
  extraCheck?: (p: TcpPacket) => void;
}

export { toHex as hex } from '../../src/wire/bytes.js';

/** Where inputs are placed, at a random byte offset, so decoders see every alignment. */
const SCRATCH = new Uint8Array(new ArrayBuffer(1 << 17));

export function runFuzz(opts: FuzzOptions): FuzzStats {
  const seed = opts.seed >>> 0;
  const from = opts.from ?? 0;
  const maxFailures = opts.maxFailures ?? 10;
  const progressEvery = opts.progressEvery ?? 100_000;
  const started = performance.now();
  const deadline = opts.timeLimitMs === undefined ? Infinity : started + opts.timeLimitMs;
  const corpus = buildCorpus(seed);
  const stats: FuzzStats = { iterations: 0, failures: 0, elapsedMs: 0, tcpPackets: 0, checksumValid: 0, captures: 0, captureRecords: 0, reasons: {} };
  const r = new Rng();
  let target = '';
  let input: Uint8Array = new Uint8Array(0);

  const failed = (f: DecodeFailure, where: string): void => {
    checkFailure(f, where);
    stats.reasons[f.reason] = (stats.reasons[f.reason] ?? 0) + 1;
  };

  /** All the packet-level entry points on bytes[offset, offset + length). */
  const packetTargets = (bytes: Uint8Array, offset: number, length: number): void => {
    target = `decodeIp(bytes, ${offset}, ${length})`;
    const ipp = decodeIp(bytes, offset, length);
    if (!(isResult(ipp))) fail(`${target}: not a result`);
    if (ipp.ok) checkIpPacket(ipp, bytes, offset, length, target);
    else failed(ipp, target);

    target = `decodeTcpPacket(bytes, ${offset}, ${length})`;
    const p = decodeTcpPacket(bytes, offset, length);
    if (!(isResult(p))) fail(`${target}: not a result`);
    if (p.ok) {
      if (!(ipp.ok && !ipp.fragment && ipp.protocol === 6)) fail(`${target}: TCP decoded where decodeIp said otherwise`);
      checkTcpPacket(p, bytes, offset, length, target, stats, r.chance(0.125));
      opts.extraCheck?.(p);
    } else {
      failed(p, target);
      if (ipp.ok && ipp.fragment) if (!(p.reason === 'fragment')) fail(`${target}: a fragment failed with ${p.reason}`);
    }
  };

  const headerTargets = (bytes: Uint8Array): void => {
    const n = bytes.length;
    const off = r.chance(0.5) ? 0 : r.int(n + 1);
    const len = r.chance(0.9) ? n - off : r.int(n + 8);
    target = `decodeTcpHeader(bytes, ${off}, ${len})`;
    const t = decodeTcpHeader(bytes, off, len);
    if (!(isResult(t))) fail(`${target}: not a result`);
    if (t.ok) {
      if (!(off + len <= n && t.headerLength <= len)) fail(`${target}: header past the segment`);
      checkTcpFields(t, target);
      checkHeaderReencodes(t, bytes, off, target);
    } else failed(t, target);

    const s = r.int(n + 1);
    const e = s + r.int(Math.min(n - s, r.chance(0.9) ? 40 : 300) + 1);
    target = `decodeTcpOptions(bytes, ${s}, ${e})`;
    const o = decodeTcpOptions(bytes, s, e);
    if (!(isResult(o) || typeof o === 'object')) fail(`${target}: not a result`);
    if ((o as DecodeFailure).ok === false) failed(o as DecodeFailure, target);
    else {
      const opts = o as TcpOptions;
      checkOptions(opts, target, e - s <= TCP_MAX_OPTIONS ? 38 : 253);
      const len = tcpOptionsLength(opts);
      if (!(len <= ((e - s + 3) & ~3))) fail(`${target}: ${len} bytes of options from ${e - s}`);
      if ((e - s) % 4 === 0) if (!(len === e - s)) fail(`${target}: options re-encode to ${len} bytes, not ${e - s}`);
      if (len <= TCP_MAX_OPTIONS) {
        const out = new Uint8Array(len);
        const w = encodeOptionsChecked(opts, out);
        if ((e - s) % 4 === 0) {
          const expected = withPaddingZeroed(bytes, s, s, e);
          if (!(w === len && sameBytes(out, expected))) fail(`${target}: re-encoded options differ: ${hex(out)} vs ${hex(expected)}`);
        }
      } else {
        let threw: unknown;
        try {
          encodeOptionsChecked(opts, new Uint8Array(64));
        } catch (err) {
          threw = err;
        }
        if (!(threw instanceof RangeError)) fail(`${target}: ${len} bytes of options did not throw a RangeError`);
      }
    }
  };

  /** locateIp with the frame's link type and another; `deep`: decode what it finds (else only when it skipped a header). */
  const linkTargets = (bytes: Uint8Array, linkType: number, deep: boolean): void => {
    for (let k = 0; k < 2; k++) {
      const lt = k === 0 ? linkType : r.chance(0.5) ? r.pick(LINK_TYPES) : r.int(300);
      target = `locateIp(${lt}, bytes)`;
      const loc = locateIp(lt, bytes);
      if (!(isResult(loc))) fail(`${target}: not a result`);
      if (loc.ok) {
        if (!(loc.offset >= 0 && loc.offset <= bytes.length && loc.offset + loc.length === bytes.length)) fail(`${target}: location ${loc.offset}+${loc.length}`);
        if (deep || loc.offset > 0) packetTargets(bytes, loc.offset, loc.length);
      } else failed(loc, target);
    }
  };

  const captureTargets = (file: Uint8Array): void => {
    target = 'readCapture(file)';
    const c = readCapture(file);
    if (!(isResult(c))) fail(`${target}: not a result`);
    if (!c.ok) {
      failed(c, target);
      if (!(c.reason === 'bad-capture')) fail(`${target}: reason ${c.reason}`);
      return;
    }
    stats.captures++;
    if (!(c.format === 'pcap' || c.format === 'pcapng')) fail(`${target}: format ${c.format}`);
    if (c.damage) failed(c.damage, `${target} damage`);
    c.records.forEach((rec, i) => {
      const where = `${target} record ${i + 1}`;
      if (!(rec.frame === i + 1)) fail(`${where}: frame number ${rec.frame}`);
      const d = rec.data;
      if (!(d.buffer === file.buffer && d.byteOffset >= file.byteOffset && d.byteOffset + d.length <= file.byteOffset + file.length)) fail(`${where}: data outside the file`);
      if (!(Number.isFinite(rec.seconds) && Number.isFinite(rec.nanoseconds) && rec.nanoseconds >= 0)) fail(`${where}: time ${rec.seconds}.${rec.nanoseconds}`);
      if (!(isUint(rec.linkType, 16) && isUint(rec.originalLength, 32))) fail(`${where}: link type / original length`);
    });
    stats.captureRecords += c.records.length;
    for (const rec of c.records.slice(0, 8)) linkTargets(rec.data, rec.linkType, true);
  };

  const end = from + opts.iterations;
  for (let it = from; it < end; it++) {
    r.reseed(seed, it);
    target = 'generate';
    input = new Uint8Array(0);
    try {
      const kind = r.int(100);
      let linkType = -1;
      let isCapture = false;
      if (kind < 20) {
        input = r.bytes(r.chance(0.9) ? r.int(101) : r.int(1601));
        if (r.chance(0.5) && input.length) input[0] = (r.pick([4, 6]) << 4) | (input[0] & 0x0f);
      } else if (kind < 80) {
        input = mutate(r.pick(corpus.packets), r, corpus, true);
      } else if (kind < 88) {
        const p = r.pick(corpus.packets);
        const seg = p.subarray(tcpStartGuess(p));
        input = r.chance(0.8) ? mutate(seg, r, corpus, false) : r.bytes(r.range(20, 60));
        if (r.chance(0.5) && input.length > 12) input[12] = (r.range(5, 15) << 4) | (input[12] & 0x0f);
      } else if (kind < 95) {
        const f = r.pick(corpus.frames);
        linkType = f.linkType;
        input = r.chance(0.9) ? mutate(f.data, r, corpus, false) : f.data.slice();
      } else {
        isCapture = true;
        input = mutate(r.pick(corpus.captures), r, corpus, false);
      }
      // Copy into the shared scratch buffer at a random byte offset: every alignment, and stale bytes around.
      const at = r.int(8);
      const bytes = input.length + at <= SCRATCH.length ? SCRATCH.subarray(at, at + input.length) : input.slice();
      if (bytes !== input) bytes.set(input);

      if (isCapture) captureTargets(bytes);
      else if (linkType >= 0) linkTargets(bytes, linkType, true);
      else {
        packetTargets(bytes, 0, bytes.length);
        if (r.chance(0.25) && bytes.length) {
          // A sub-range: a packet inside a bigger buffer, or lengths that lie.
          const off = r.int(bytes.length);
          packetTargets(bytes, off, r.chance(0.8) ? bytes.length - off : r.int(bytes.length - off + 1));
        }
        headerTargets(bytes);
        linkTargets(bytes, r.pick(LINK_TYPES), false);
      }

      // On a sample, the same bytes in a buffer of their own must decode the same way.
      if ((it & 15) === 0 && !isCapture) {
        target = 'alignment independence';
        const alone = input.slice();
        const a = summarize(decodeTcpPacket(bytes));
        const b = summarize(decodeTcpPacket(alone));
        if (!(a === b)) fail(`decoding depends on the buffer: ${a} vs ${b}`);
      }
    } catch (err) {
      stats.failures++;
      const message = err instanceof Violation ? err.message : err instanceof Error ? `${err.constructor.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
      opts.onFailure?.({ seed, iteration: it, target, message, inputHex: hex(input) });
      if (stats.failures >= maxFailures) {
        stats.iterations = it - from + 1;
        break;
      }
    }
    stats.iterations = it - from + 1;
    if ((stats.iterations & 1023) === 0) {
      if (performance.now() > deadline) break;
      if (opts.onProgress && stats.iterations % progressEvery < 1024) {
        stats.elapsedMs = performance.now() - started;
        opts.onProgress(stats);
      }
    }
  }
  stats.elapsedMs = performance.now() - started;
  return stats;
}

function encodeOptionsChecked(opts: TcpOptions, out: Uint8Array): number {
  // Through the header encoder, which is what callers use: options land at byte 20.
  const buf = new Uint8Array(20 + Math.max(out.length, 64));
  const n = encodeTcpHeader({ srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, urgentPointer: 0, options: opts }, buf) - 20;
  out.set(buf.subarray(20, 20 + Math.min(n, out.length)));
  return n;
}

function summarize(r: TcpPacket | DecodeFailure): string {
  if (!r.ok) return `${r.reason}: ${r.detail}`;
  return `${tcpPacketLine(r)} ${JSON.stringify(tcpPacketToJson(1, r))}`;
}
