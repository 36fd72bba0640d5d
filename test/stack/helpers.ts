/**
 * Helpers for stack tests: a wire that joins stacks in virtual time, packets built by hand (a peer
 * we script byte by byte), and checks of what a stack emits that do not trust the code under test:
 * checksums are verified here with a byte-at-a-time RFC 1071 sum over an RFC 9293 / RFC 8200
 * pseudo-header written out field by field.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Stack, type StackEvent, type StackOptions } from '../../src/stack/stack.js';
import type { Connection } from '../../src/stack/connection.js';
import type { Listener } from '../../src/stack/listener.js';
import { SimNetwork, type LinkProfile } from '../../src/link/sim.js';
import type { Host } from '../../src/link/host.js';
import { SeededRandom } from '../../src/tcp/random.js';
import type { TcpEvent } from '../../src/tcp/events.js';
import {
  concatBytes,
  decodeIcmp,
  decodeIp,
  decodeTcpPacket,
  encodeIcmpPacket,
  encodeTcpPacket,
  parseIp,
  TcpFlag,
  type IpAddress,
  type TcpOptions,
  type TcpPacket,
} from '../../src/wire/index.js';

export const A4 = '198.18.0.1';
export const B4 = '198.18.0.2';
export const C4 = '198.18.0.3';
export const A6 = '2001:db8::1';
export const B6 = '2001:db8::2';
export const C6 = '2001:db8::3';

export function addr(text: string): IpAddress {
  const a = parseIp(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

export function newStack(addresses: string[], seed: number, extra: Partial<StackOptions> = {}): Stack {
  return new Stack({ addresses, random: new SeededRandom(seed), ...extra });
}

// ---------------------------------------------------------------------------------------------
// Checksums, from RFC 1071 and the pseudo-headers of RFC 9293 §3.1 and RFC 8200 §8.1, byte by byte.

function sum16(bytes: Uint8Array, start: number, end: number, init = 0): number {
  let s = init;
  for (let i = start; i < end; i += 2) s += (bytes[i] << 8) | (i + 1 < end ? bytes[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function addrWords(a: IpAddress): number {
  if (typeof a === 'number') return (a >>> 16) + (a & 0xffff);
  let s = 0;
  for (let i = 0; i < 16; i += 2) s += (a[i] << 8) | a[i + 1];
  return s;
}

/** True when the upper-layer checksum over the pseudo-header and bytes[start, end) verifies. */
export function upperChecksumOk(src: IpAddress, dst: IpAddress, protocol: number, bytes: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  const pseudo = addrWords(src) + addrWords(dst) + protocol + (len >>> 16) + (len & 0xffff);
  return sum16(bytes, start, end, pseudo) === 0xffff;
}

/** Decode a TCP/IP packet a stack emitted; assert both checksums verify. */
export function tcpOut(bytes: Uint8Array): TcpPacket {
  const p = decodeTcpPacket(bytes);
  assert.ok(p.ok, `emitted packet does not decode: ${p.ok ? '' : p.detail}`);
  if (p.ip.version === 4) assert.equal(sum16(bytes, 0, p.ip.headerLength), 0xffff, 'IPv4 header checksum');
  assert.ok(upperChecksumOk(p.ip.src, p.ip.dst, 6, bytes, p.segmentOffset, p.segmentOffset + p.segmentLength), 'TCP checksum');
  return p;
}

/** Decode an ICMP/ICMPv6 packet a stack emitted; assert its checksums verify (ICMPv6 with its pseudo-header). */
export function icmpOut(bytes: Uint8Array) {
  const ipp = decodeIp(bytes);
  assert.ok(ipp.ok);
  const at = ipp.payloadOffset;
  const end = at + ipp.payloadLength;
  if (ipp.ip.version === 4) {
    assert.equal(ipp.protocol, 1);
    assert.equal(sum16(bytes, 0, ipp.ip.headerLength), 0xffff, 'IPv4 header checksum');
    assert.equal(sum16(bytes, at, end), 0xffff, 'ICMP checksum (no pseudo-header, RFC 792)');
  } else {
    assert.equal(ipp.protocol, 58);
    assert.ok(upperChecksumOk(ipp.ip.src, ipp.ip.dst, 58, bytes, at, end), 'ICMPv6 checksum with pseudo-header (RFC 4443 §2.3)');
  }
  const m = decodeIcmp(bytes, ipp);
  assert.ok(m.ok);
  return { ipp, m, body: bytes.subarray(at + 8, end) };
}

// ---------------------------------------------------------------------------------------------
// Packets built by hand.

export interface SegSpec {
  src: string | IpAddress;
  dst: string | IpAddress;
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags: number;
  window?: number;
  options?: TcpOptions;
  payload?: Uint8Array;
}

const asAddr = (a: string | IpAddress): IpAddress => (typeof a === 'string' ? addr(a) : a);

export function tcpPacket(s: SegSpec): Uint8Array {
  const src = asAddr(s.src);
  const dst = asAddr(s.dst);
  return encodeTcpPacket({
    ip: typeof src === 'number' ? { version: 4, src, dst: dst as number, ttl: 64 } : { version: 6, src, dst: dst as Uint8Array, hopLimit: 64 },
    tcp: {
      srcPort: s.sport,
      dstPort: s.dport,
      seq: (s.seq ?? 0) >>> 0,
      ack: (s.ack ?? 0) >>> 0,
      flags: s.flags,
      window: s.window ?? 65535,
      urgentPointer: 0,
      options: s.options ?? {},
    },
    payload: s.payload,
  });
}

/** An ICMP error from `from` (a router or the peer) to the host that sent `offending`, quoting it. */
export function icmpErrorFor(offending: Uint8Array, from: string | IpAddress, type: number, code: number, rest = 0, quoteBytes?: number): Uint8Array {
  const v4 = offending[0] >>> 4 === 4;
  const ipp = decodeIp(offending);
  assert.ok(ipp.ok);
  const quote = offending.subarray(0, Math.min(offending.length, quoteBytes ?? (v4 ? 28 : 1232)));
  return encodeIcmpPacket({ src: asAddr(from), dst: ipp.ip.src, type, code, rest, body: quote });
}

// ---------------------------------------------------------------------------------------------
// Running stacks.

export function drainOut(stack: Stack, now: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = stack.pollTransmit(now); p; p = stack.pollTransmit(now)) {
    out.push(p);
    if (out.length > 1_000_000) throw new Error('pollTransmit does not stop');
  }
  return out;
}

export function stackEvents(stack: Stack): StackEvent[] {
  const out: StackEvent[] = [];
  for (let e = stack.pollEvent(); e; e = stack.pollEvent()) out.push(e);
  return out;
}

/** The TCP events of one connection among a stack's events. */
export function connEvents(evs: StackEvent[], conn: Connection): TcpEvent[] {
  return evs.flatMap((e) => (e.type === 'event' && e.connection === conn ? [e.event] : []));
}

export interface LogEntry {
  t: number;
  from: Stack;
  bytes: Uint8Array;
}

/**
 * Stacks joined by a perfect wire (one-way `latency` ms) in virtual time. Packets are routed by
 * destination address; `drop` may discard one in flight. Every packet sent is logged.
 */
export class Wire {
  now = 0;
  latency = 0;
  readonly log: LogEntry[] = [];
  keepLog = true;
  drop: (from: Stack, bytes: Uint8Array) => boolean = () => false;
  /** Packets whose destination is no stack on the wire. */
  readonly unrouted: Uint8Array[] = [];
  private inFlight: Array<{ at: number; to: Stack; bytes: Uint8Array }> = [];

  constructor(readonly stacks: Stack[]) {}

  route(bytes: Uint8Array): Stack | undefined {
    const ipp = decodeIp(bytes);
    if (!ipp.ok) return undefined;
    const dst = ipp.ip.dst;
    return this.stacks.find((s) =>
      s.addresses.some((a) => (typeof a === 'number' ? a === dst : typeof dst !== 'number' && a.every((b, i) => b === dst[i]))),
    );
  }

  /** Collect what every stack wants to send, into the wire. */
  collect(): void {
    for (const s of this.stacks) {
      for (let p = s.pollTransmit(this.now); p; p = s.pollTransmit(this.now)) {
        if (this.keepLog) this.log.push({ t: this.now, from: s, bytes: p });
        if (this.drop(s, p)) continue;
        const to = this.route(p);
        if (!to) this.unrouted.push(p);
        else this.inFlight.push({ at: this.now + this.latency, to, bytes: p });
      }
    }
  }

  /** Put a packet on the wire as if some host sent it (delivered after `latency`). */
  inject(bytes: Uint8Array, to?: Stack): void {
    const dest = to ?? this.route(bytes);
    if (!dest) throw new Error('inject: no route');
    this.inFlight.push({ at: this.now + this.latency, to: dest, bytes });
  }

  /** Advance until idle or `until` (absolute); returns the time reached. */
  run(until = Infinity, maxSteps = 10_000_000): number {
    for (let step = 0; step < maxSteps; step++) {
      this.collect();
      let next = Infinity;
      for (const f of this.inFlight) if (f.at < next) next = f.at;
      for (const s of this.stacks) {
        const t = s.pollTimeout();
        if (t !== undefined && t < next) next = t;
      }
      if (next === Infinity || next > until) {
        if (until !== Infinity) this.now = Math.max(this.now, until);
        return this.now;
      }
      this.now = Math.max(this.now, next);
      const now = this.now;
      const due = this.inFlight.filter((f) => f.at <= now);
      if (due.length) this.inFlight = this.inFlight.filter((f) => f.at > now);
      for (const d of due) d.to.handlePacket(d.bytes, now);
      for (const s of this.stacks) {
        const t = s.pollTimeout();
        if (t !== undefined && t <= now) s.handleTimeout(now);
      }
    }
    throw new Error(`Wire.run: no end after ${maxSteps} steps (t=${this.now})`);
  }

  /** Logged packets sent by `from`, decoded as TCP (non-TCP skipped). */
  tcpFrom(from: Stack, since = 0): TcpPacket[] {
    const out: TcpPacket[] = [];
    for (const l of this.log) {
      if (l.from !== from || l.t < since) continue;
      const p = decodeTcpPacket(l.bytes);
      if (p.ok) out.push(p);
    }
    return out;
  }
}

/** Connect `client` to `server`:`port` and run the handshake; returns both ends (the server's accepted). */
export function establish(
  wire: Wire,
  client: Stack,
  server: Stack,
  remote: { address: string; port: number },
  opts: Parameters<Stack['connect']>[2] = {},
): { c: Connection; s: Connection } {
  const l = [...server.listenersList()].find((x) => x.port === remote.port);
  assert.ok(l, 'no listener');
  const c = client.connect(remote, wire.now, opts);
  wire.run(wire.now + 10 * wire.latency + 1);
  assert.equal(c.state, 'ESTABLISHED');
  const s = l.accept();
  assert.ok(s, 'nothing to accept');
  assert.equal(s.state, 'ESTABLISHED');
  return { c, s };
}

/** `first` closes, then, `stepMs` later, `second` does; then `stepMs` more pass. */
export function closeInTurn(wire: Wire, first: Connection, second: Connection, stepMs: number): void {
  first.close(wire.now);
  wire.run(wire.now + stepMs);
  second.close(wire.now);
  wire.run(wire.now + stepMs);
}

/** Stacks a (the client, A4) and b (the server, B4, listening on port 80) on a Wire with `latency`. */
export function clientServerWire(seeds: [number, number], o: { client?: Partial<StackOptions>; server?: Partial<StackOptions>; latency?: number } = {}) {
  const a = newStack([A4], seeds[0], o.client);
  const b = newStack([B4], seeds[1], o.server);
  const wire = new Wire([a, b]);
  if (o.latency !== undefined) wire.latency = o.latency;
  const listener = b.listen(80);
  return { a, b, wire, listener };
}

/**
 * Stacks a (the client, A4) and b (the server, B4, listening on port 80) on a Wire with `latency`:
 * the client connects from `localPort` and sends `request`, which the server reads; the server
 * closes first (after sending `response`, which the client reads, when there is one), then the
 * client: b's connection ends in TIME-WAIT. Every step runs `stepMs`.
 */
export function serverClosesFirst(o: {
  seeds: [number, number];
  client?: Partial<StackOptions>;
  server?: Partial<StackOptions>;
  latency: number;
  stepMs: number;
  localPort: number;
  request: string;
  response?: string;
}) {
  const { a, b, wire, listener } = clientServerWire(o.seeds, o);
  const { c, s } = establish(wire, a, b, { address: B4, port: 80 }, { localPort: o.localPort });
  c.send(bytesOf(o.request), wire.now);
  wire.run(wire.now + o.stepMs);
  assert.equal(textOf(s.read(undefined, wire.now)), o.request);
  if (o.response !== undefined) s.send(bytesOf(o.response), wire.now);
  s.close(wire.now);
  wire.run(wire.now + o.stepMs);
  if (o.response !== undefined) assert.equal(textOf(c.read(undefined, wire.now)), o.response);
  c.close(wire.now);
  wire.run(wire.now + o.stepMs);
  assert.equal(s.state, 'TIME-WAIT');
  return { a, b, wire, listener, c, s };
}

export const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
export const textOf = (b: Uint8Array | undefined): string => (b ? new TextDecoder().decode(b) : '');

/** Every counter of a stack, flattened ("tcp.InSegs" -> n). */
export function counterSnapshot(stack: Stack): Map<string, number> {
  const m = new Map<string, number>();
  for (const [group, obj] of Object.entries(stack.counters)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) if (typeof v === 'number') m.set(`${group}.${k}`, v);
  }
  return m;
}

export const FLAGS = TcpFlag;

/**
 * Recompute the IPv4 header checksum and the TCP / ICMP / ICMPv6 checksum of a (possibly mangled)
 * packet in place, wherever the fields are there to be written: a mutation then reaches the code
 * behind the checksum checks.
 */
export function fixChecksums(b: Uint8Array): void {
  if (b.length < 1) return;
  const version = b[0] >>> 4;
  let start: number;
  let end: number;
  let proto: number;
  let src: IpAddress;
  let dst: IpAddress;
  if (version === 4) {
    if (b.length < 20) return;
    const ihl = (b[0] & 15) * 4;
    if (ihl < 20 || ihl > b.length) return;
    b[10] = b[11] = 0;
    const c = ~sum16(b, 0, ihl) & 0xffff;
    b[10] = c >>> 8;
    b[11] = c & 0xff;
    const total = (b[2] << 8) | b[3];
    start = ihl;
    end = Math.min(total, b.length);
    proto = b[9];
    src = ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0;
    dst = ((b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19]) >>> 0;
  } else if (version === 6) {
    if (b.length < 40) return;
    start = 40;
    end = Math.min(40 + ((b[4] << 8) | b[5]), b.length);
    proto = b[6];
    src = b.slice(8, 24);
    dst = b.slice(24, 40);
  } else {
    return;
  }
  if (end <= start) return;
  const at = proto === 6 ? start + 16 : proto === 1 || proto === 58 ? start + 2 : -1;
  if (at < 0 || at + 2 > end) return;
  b[at] = b[at + 1] = 0;
  const len = end - start;
  const pseudo = proto === 1 ? 0 : addrWords(src) + addrWords(dst) + proto + (len >>> 16) + (len & 0xffff);
  const c = ~sum16(b, start, end, pseudo) & 0xffff;
  b[at] = c >>> 8;
  b[at + 1] = c & 0xff;
}

// ---------------------------------------------------------------------------------------------
// A two-way exchange over the simulator (SimNetwork): each side sends its bytes, half-closes, and
// reads everything the other sends. The application is polled after every simulator step.

export interface Exchange {
  server: Connection;
  gotUp: Uint8Array;
  gotDown: Uint8Array;
  t: number;
}

export function simExchange(
  net: SimNetwork,
  client: Host,
  server: Host,
  listener: Listener,
  conn: Connection,
  up: Uint8Array,
  down: Uint8Array,
  maxMs = 600_000,
): Exchange {
  interface Side {
    host: Host;
    conn: Connection | undefined;
    data: Uint8Array;
    sent: number;
    shut: boolean;
    got: Uint8Array[];
    gotBytes: number;
  }
  const cs: Side = { host: client, conn, data: up, sent: 0, shut: false, got: [], gotBytes: 0 };
  const ss: Side = { host: server, conn: undefined, data: down, sent: 0, shut: false, got: [], gotBytes: 0 };
  const serve = (x: Side): void => {
    const c = x.conn;
    if (!c) return;
    let active = false;
    if (!x.shut && (c.state === 'ESTABLISHED' || c.state === 'CLOSE-WAIT')) {
      if (x.sent < x.data.length) {
        const n = c.send(x.data.subarray(x.sent), net.now);
        x.sent += n;
        active ||= n > 0;
      }
      if (x.sent === x.data.length) {
        c.shutdown(net.now);
        x.shut = true;
        active = true;
      }
    }
    for (let d = c.read(undefined, net.now); d; d = c.read(undefined, net.now)) {
      x.got.push(d.slice());
      x.gotBytes += d.length;
      active = true;
    }
    if (active) x.host.kick(); // only after real activity, or virtual time never advances
  };
  net.runUntil(
    () => {
      ss.conn ??= listener.accept();
      serve(cs);
      serve(ss);
      return cs.gotBytes === down.length && ss.gotBytes === up.length && cs.shut && ss.shut;
    },
    maxMs,
  );
  return { server: ss.conn!, gotUp: concatBytes(ss.got), gotDown: concatBytes(cs.got), t: net.now };
}

/** Hosts 'a' and 'b' with the given addresses, joined by one simulated link. */
export function simHosts(seed: number, a: string[], b: string[], profile: Partial<LinkProfile> = {}) {
  const net = new SimNetwork(seed);
  const ha = net.addHost('a', { addresses: a });
  const hb = net.addHost('b', { addresses: b });
  const link = net.link(ha, hb, profile);
  return { net, ha, hb, link };
}

export const sha256 = (x: Uint8Array): string => createHash('sha256').update(x).digest('hex');

/**
 * `client` connects to `server`'s new listener on `to`, and they exchange seeded bytes (simExchange):
 * `up.bytes` of SeededRandom(up.seed) and `down.bytes` of SeededRandom(down.seed); both must arrive
 * byte-exact (sha256). `what` names the run in a failure (its seed).
 */
export function seededExchange(
  net: SimNetwork,
  client: Host,
  server: Host,
  to: { address: string; port: number },
  up: { seed: number; bytes: number },
  down: { seed: number; bytes: number },
  what: string,
): Exchange & { conn: Connection; listener: Listener; up: Uint8Array; down: Uint8Array } {
  const listener = server.stack.listen(to.port);
  const conn = client.stack.connect(to, net.now);
  client.kick();
  const upBytes = new SeededRandom(up.seed).bytes(up.bytes);
  const downBytes = new SeededRandom(down.seed).bytes(down.bytes);
  const r = simExchange(net, client, server, listener, conn, upBytes, downBytes);
  assert.equal(sha256(r.gotUp), sha256(upBytes), what);
  assert.equal(sha256(r.gotDown), sha256(downBytes), what);
  return { ...r, conn, listener, up: upBytes, down: downBytes };
}

/**
 * Move every packet between two stacks and fire timers, in virtual time, from `start` until nothing
 * is left before `until`; returns the time reached. Throws (naming `what`) if it makes no progress.
 */
export function runStacks(a: Stack, b: Stack, start: number, until = Infinity, what = 'two stacks'): number {
  let now = start;
  for (let i = 0; i < 100_000; i++) {
    let moved = false;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      for (let p = from.pollTransmit(now); p; p = from.pollTransmit(now)) {
        to.handlePacket(p, now);
        moved = true;
      }
    }
    if (moved) continue;
    const t = Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity);
    if (t === Infinity || t > until) return now;
    now = Math.max(now, t);
    a.handleTimeout(now);
    b.handleTimeout(now);
  }
  throw new Error(`no progress (${what})`);
}
