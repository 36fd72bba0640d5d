/**
 * A seeded fuzzer for the link-layer and UDP-borne decoders: Ethernet, ARP, UDP, neighbour
 * discovery, DHCP, DNS, and the lines frameLine prints for them. It throws random bytes and mutated
 * valid frames at each, and checks, beyond "no exception":
 *
 * - a failure is `{ ok: false, reason, detail }` with a reason from DecodeReason;
 * - a success keeps its offsets inside the buffer, and what it decoded encodes again: an Ethernet
 *   frame or ARP packet to the same bytes; a DHCP message, DNS message or ND message to bytes that
 *   decode to the same values (the encoders choose option order and compression, so not the same bytes).
 *
 * DNS inputs get compression pointers planted at random (to every offset, loops included): a name
 * must come back as a value or a `bad-name`, in bounded work, never a hang.
 *
 * Each iteration draws from its own generator, seeded by (seed, iteration), so any one replays alone.
 */
import { toHexString } from '../wire/l2-helpers.js';
import { decodeEthernet, encodeEthernet, BROADCAST_MAC, EtherType } from '../../src/wire/ethernet.js';
import { decodeArp, encodeArp } from '../../src/wire/arp.js';
import { decodeUdpPacket, encodeUdpPacket } from '../../src/wire/udp.js';
import { decodeNdpOptions, decodeNdpPacket, encodeNdpPacket, type NdpMessage } from '../../src/wire/ndp.js';
import { decodeDhcp, encodeDhcp, type DecodedDhcp } from '../../src/wire/dhcp.js';
import { decodeDns, encodeDns, type DecodedDns } from '../../src/wire/dns.js';
import { frameLine } from '../../src/wire/frame-summary.js';
import { LinkType } from '../../src/wire/pcap.js';
import type { DecodeFailure } from '../../src/wire/errors.js';
import { ALL_DECODE_REASONS, Rng } from './fuzz.js';
import { isDeepStrictEqual } from 'node:util';

const REASONS = new Set<string>(ALL_DECODE_REASONS);

export interface L2FuzzFailure {
  seed: number;
  iteration: number;
  target: string;
  message: string;
  inputHex: string;
}

export interface L2FuzzStats {
  iterations: number;
  failures: number;
  /** Successful decodes per decoder. */
  decoded: Record<string, number>;
  /** How often each failure reason came back, over all decoders. */
  reasons: Record<string, number>;
}

export interface L2FuzzOptions {
  seed: number;
  iterations: number;
  from?: number;
  maxFailures?: number;
  onFailure?: (f: L2FuzzFailure) => void;
  /** One more check on every DNS message decoded (to prove the engine reports what a check throws). */
  extraDnsCheck?: (d: DecodedDns) => void;
}

class Violation extends Error {}
function violated(what: string): never {
  throw new Violation(what);
}

// ---- a corpus of valid inputs, built from random fields -----------------------------------

function mac(r: Rng): Uint8Array {
  return r.bytes(6);
}
function ip4(r: Rng): number {
  return r.nextUint32();
}
const LABELS = ['a', 'www', 'host', 'test', 'example', 'in-addr', 'arpa', 'x'];
function name(r: Rng): string {
  const n = r.int(4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.pick(LABELS));
  return out.join('.');
}

function dhcp(r: Rng): Uint8Array {
  return encodeDhcp({
    op: r.range(1, 2),
    xid: r.nextUint32(),
    flags: r.chance(0.5) ? 0x8000 : 0,
    yiaddr: ip4(r),
    chaddr: mac(r),
    sname: r.chance(0.2) ? 'server' : '',
    options: {
      messageType: r.range(1, 8),
      ...(r.chance(0.5) ? { serverId: ip4(r), leaseTime: r.nextUint32() } : {}),
      ...(r.chance(0.5) ? { routers: [ip4(r)], dnsServers: [ip4(r), ip4(r)], subnetMask: 0xffffff00, domainName: 'test', mtu: 1500 } : {}),
      ...(r.chance(0.5) ? { parameterRequestList: [1, 3, 6, 15, 26], hostname: 'guest', clientId: Uint8Array.of(1, ...mac(r)) } : {}),
      ...(r.chance(0.3) ? { unknown: [{ code: 82, data: r.bytes(r.int(20)) }] } : {}),
    },
  });
}

function dns(r: Rng): Uint8Array {
  const q = { name: name(r), type: r.pick([1, 28, 12, 255]), class: 1 };
  const answers = [];
  for (let i = r.int(4); i > 0; i--) {
    const k = r.int(6);
    if (k === 0) answers.push({ name: q.name, type: 1, class: 1, ttl: r.nextUint32(), data: { kind: 'A' as const, address: ip4(r) } });
    else if (k === 1) answers.push({ name: q.name, type: 28, class: 1, ttl: 60, data: { kind: 'AAAA' as const, address: r.bytes(16) } });
    else if (k === 2) answers.push({ name: q.name, type: 12, class: 1, ttl: 60, data: { kind: 'PTR' as const, name: name(r) } });
    else if (k === 3) answers.push({ name: q.name, type: 15, class: 1, ttl: 60, data: { kind: 'MX' as const, preference: 10, exchange: name(r) } });
    else if (k === 4) answers.push({ name: q.name, type: 16, class: 1, ttl: 60, data: { kind: 'TXT' as const, strings: ['v', 'x'.repeat(r.int(40))] } });
    else answers.push({ name: 'test', type: 6, class: 1, ttl: 60, data: { kind: 'SOA' as const, mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } });
  }
  return encodeDns({ id: r.int(0x10000), response: answers.length > 0, rcode: r.int(6), recursionDesired: r.chance(0.5), questions: [q], answers }, r.chance(0.8));
}

function ndp(r: Rng): Uint8Array {
  const src = r.bytes(16);
  const dst = r.bytes(16);
  const opts = { ...(r.chance(0.7) ? { sourceLinkLayer: mac(r) } : {}), ...(r.chance(0.3) ? { mtu: 1500 } : {}) };
  const k = r.int(5);
  const message: NdpMessage =
    k === 0 ? { type: 133, options: opts }
    : k === 1 ? { type: 134, curHopLimit: 64, managed: r.chance(0.5), other: r.chance(0.5), routerLifetime: 1800, reachableTime: 0, retransTimer: 0, options: { ...opts, prefixes: [{ prefixLength: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400, prefix: r.bytes(16) }] } }
    : k === 2 ? { type: 135, target: r.bytes(16), options: opts }
    : k === 3 ? { type: 136, router: r.chance(0.5), solicited: r.chance(0.5), override: r.chance(0.5), target: r.bytes(16), options: { targetLinkLayer: mac(r) } }
    : { type: 137, target: r.bytes(16), destination: r.bytes(16), options: { redirectedHeader: r.bytes(8 * r.int(4)) } };
  return encodeNdpPacket({ src, dst, message });
}

function udpOf(r: Rng, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const v6 = r.chance(0.3);
  return encodeUdpPacket({ ip: v6 ? { version: 6, src: r.bytes(16), dst: r.bytes(16) } : { version: 4, src: ip4(r), dst: ip4(r) }, udp: { srcPort, dstPort }, payload, udpChecksum: r.chance(0.1) ? 0 : undefined });
}

/** A valid input: an Ethernet frame of some kind, or a bare DHCP or DNS message. */
function seedInput(r: Rng): Uint8Array {
  const vlans = r.chance(0.2) ? [{ vid: r.int(4096) }] : [];
  const frame = (etherType: number, payload: Uint8Array) => encodeEthernet({ dst: r.chance(0.5) ? BROADCAST_MAC : mac(r), src: mac(r), etherType, vlans, payload });
  switch (r.int(8)) {
    case 0:
      return frame(EtherType.ARP, encodeArp({ operation: r.range(1, 2), senderMac: mac(r), senderIp: ip4(r), targetMac: mac(r), targetIp: ip4(r) }));
    case 1:
      return frame(EtherType.IPV4, udpOf(r, r.chance(0.5) ? 68 : 67, r.chance(0.5) ? 67 : 68, dhcp(r)));
    case 2:
      return frame(EtherType.IPV4, udpOf(r, r.int(65536), 53, dns(r)));
    case 3:
      return frame(EtherType.IPV6, ndp(r));
    case 4:
      return frame(EtherType.IPV4, udpOf(r, r.int(65536), r.int(65536), r.bytes(r.int(40))));
    case 5:
      return dhcp(r);
    case 6:
      return dns(r);
    default:
      return ndp(r);
  }
}

// ---- mutation ----------------------------------------------------------------------------

const INTERESTING8 = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x02, 0x03, 0x04, 0x06, 0x08, 0x3f, 0x40, 0xc0, 0x35, 0x63];
const INTERESTING16 = [0x0000, 0xffff, 0x0001, 0x0800, 0x0806, 0x86dd, 0x8100, 0x0600, 0x05ff, 0xc00c, 0xc000, 0x0035, 0x0043];

function mutate(b: Uint8Array, r: Rng): Uint8Array {
  const n = b.length;
  const pos = n ? r.int(n) : 0;
  switch (r.int(8)) {
    case 0:
      if (n) b[pos] ^= 1 << r.int(8);
      return b;
    case 1:
      if (n) b[pos] = r.pick(INTERESTING8);
      return b;
    case 2:
      if (n) b[pos] = r.int(256);
      return b;
    case 3:
      if (n > 1) {
        const v = r.pick(INTERESTING16);
        b[Math.min(pos, n - 2)] = v >>> 8;
        b[Math.min(pos, n - 2) + 1] = v & 0xff;
      }
      return b;
    case 4: // a compression pointer to anywhere (DNS names: loops, forward pointers, chains)
      if (n > 1) {
        const at = Math.min(pos, n - 2);
        const target = r.int(Math.max(1, n));
        b[at] = 0xc0 | ((target >>> 8) & 0x3f);
        b[at + 1] = target & 0xff;
      }
      return b;
    case 5:
      return b.slice(0, r.int(n + 1));
    case 6: {
      const extra = r.bytes(r.int(16));
      const out = new Uint8Array(n + extra.length);
      out.set(b);
      out.set(extra, n);
      return out;
    }
    default: {
      // Copy a run of the input over another place (repeats labels, options, headers).
      if (n < 4) return b;
      const from = r.int(n);
      const len = r.int(Math.min(32, n - from)) + 1;
      b.copyWithin(r.int(n), from, from + len);
      return b;
    }
  }
}

// ---- checks ------------------------------------------------------------------------------

function isResult(r: unknown): r is { ok: boolean } {
  return typeof r === 'object' && r !== null && typeof (r as { ok: unknown }).ok === 'boolean';
}

export function runL2Fuzz(opts: L2FuzzOptions): L2FuzzStats {
  const stats: L2FuzzStats = { iterations: 0, failures: 0, decoded: {}, reasons: {} };
  const maxFailures = opts.maxFailures ?? 10;
  const from = opts.from ?? 0;
  const r = new Rng();
  let target = '';
  let input: Uint8Array = new Uint8Array(0);
  const ok = (what: string) => (stats.decoded[what] = (stats.decoded[what] ?? 0) + 1);
  const failed = (f: DecodeFailure) => {
    if (f.ok !== false) violated(`${target}: a failure without ok: false`);
    if (!REASONS.has(f.reason)) violated(`${target}: reason ${JSON.stringify(f.reason)} is not a DecodeReason`);
    if (typeof f.detail !== 'string' || f.detail.length === 0) violated(`${target}: a failure without detail`);
    stats.reasons[f.reason] = (stats.reasons[f.reason] ?? 0) + 1;
  };
  const inside = (offset: number, length: number, n: number) => {
    if (!(offset >= 0 && length >= 0 && offset + length <= n)) violated(`${target}: [${offset}, ${offset + length}) outside ${n} bytes`);
  };

  const check = (b: Uint8Array, at: number): void => {
    const len = b.length - at;
    target = `decodeEthernet(bytes, ${at})`;
    const e = decodeEthernet(b, at, len);
    if (!isResult(e)) violated(`${target}: not a result`);
    if (e.ok) {
      ok('ethernet');
      inside(e.payloadOffset, e.payloadLength, b.length);
      const again = encodeEthernet({ dst: e.dst, src: e.src, etherType: e.etherType, vlans: e.vlans, payload: b.subarray(e.payloadOffset, e.payloadOffset + e.payloadLength) });
      if (toHexString(again) !== toHexString(b.subarray(at))) violated(`${target}: re-encodes to ${toHexString(again)}`);
    } else failed(e);

    target = `decodeArp(bytes, ${at})`;
    const a = decodeArp(b, at, len);
    if (!isResult(a)) violated(`${target}: not a result`);
    if (a.ok) {
      ok('arp');
      const again = encodeArp(a);
      if (toHexString(again) !== toHexString(b.subarray(at, at + 28))) violated(`${target}: re-encodes to ${toHexString(again)}`);
    } else failed(a);

    target = `decodeUdpPacket(bytes, ${at})`;
    const u = decodeUdpPacket(b, at, len);
    if (!isResult(u)) violated(`${target}: not a result`);
    if (u.ok) {
      ok('udp');
      inside(u.payloadOffset, u.payloadLength, b.length);
      if (!['good', 'bad', 'none'].includes(u.checksumStatus)) violated(`${target}: checksum status ${u.checksumStatus}`);
      checkDhcp(b, u.payloadOffset, u.payloadLength);
      checkDns(b, u.payloadOffset, u.payloadLength);
    } else failed(u);

    target = `decodeNdpPacket(bytes, ${at})`;
    const n = decodeNdpPacket(b, at, len);
    if (!isResult(n)) violated(`${target}: not a result`);
    if (n.ok) {
      ok('ndp');
      const again = decodeNdpPacket(encodeNdpPacket({ src: n.ip.src, dst: n.ip.dst, hopLimit: n.ip.hopLimit, message: n.message }));
      if (!again.ok || !again.checksumValid || !isDeepStrictEqual(again.message, n.message)) violated(`${target}: re-encoded message decodes differently`);
    } else failed(n);

    target = `decodeNdpOptions(bytes, ${at}, ${b.length})`;
    const o = decodeNdpOptions(b, at, b.length);
    if ('ok' in o) failed(o as DecodeFailure);
    else ok('ndp-options');

    checkDhcp(b, at, len);
    checkDns(b, at, len);
  };

  const checkDhcp = (b: Uint8Array, at: number, len: number): void => {
    target = `decodeDhcp(bytes, ${at}, ${len})`;
    const d = decodeDhcp(b, at, len);
    if (!isResult(d)) violated(`${target}: not a result`);
    if (!d.ok) return failed(d);
    ok('dhcp');
    const { ok: _ok, hlen: _hlen, ...spec } = d as DecodedDhcp;
    const again = decodeDhcp(encodeDhcp({ ...spec, hlen: d.hlen }));
    if (!isDeepStrictEqual(again, d)) violated(`${target}: re-encoded message decodes differently`);
  };

  const checkDns = (b: Uint8Array, at: number, len: number): void => {
    target = `decodeDns(bytes, ${at}, ${len})`;
    const d = decodeDns(b, at, len);
    if (!isResult(d)) violated(`${target}: not a result`);
    if (!d.ok) return failed(d);
    ok('dns');
    opts.extraDnsCheck?.(d);
    const { ok: _ok, ...spec } = d as DecodedDns;
    for (const compress of [true, false]) {
      const again = decodeDns(encodeDns(spec, compress));
      if (!isDeepStrictEqual(again, d)) violated(`${target}: re-encoded (compress ${compress}) message decodes differently`);
    }
  };

  for (let i = from; i < from + opts.iterations; i++) {
    stats.iterations++;
    r.reseed(opts.seed, i);
    try {
      target = 'generate';
      if (r.chance(0.1)) input = r.bytes(r.int(400));
      else {
        input = seedInput(r);
        for (let k = r.range(1, 4); k > 0; k--) input = mutate(input, r);
      }
      check(input, 0);
      if (input.length >= 14) check(input, 14);
      for (const lt of [LinkType.ETHERNET, LinkType.RAW]) {
        target = `frameLine(${lt}, bytes)`;
        const line = frameLine(lt, input);
        if (line !== undefined && (typeof line !== 'string' || line.length === 0)) violated(`${target}: ${String(line)}`);
      }
    } catch (e) {
      stats.failures++;
      const message = e instanceof Violation ? e.message : `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      opts.onFailure?.({ seed: opts.seed, iteration: i, target, message, inputHex: toHexString(input) });
      if (stats.failures >= maxFailures) break;
    }
  }
  return stats;
}
