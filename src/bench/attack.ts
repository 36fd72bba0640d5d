/**
 * The attack suite: what each resource-exhaustion pattern TCP stacks have fallen to costs synack, as
 * CPU time per attacking packet beside the time per ordinary in-order data segment measured in the
 * same run (the ratio), and as heap growth per attacker byte, per SYN or per held connection. Where a
 * setting turns the defence off, the same attack is measured with it off too, so the table says what
 * the defence saves.
 *
 * No link and no simulator clock: a client stack and a server stack in one process, packets handed
 * from one's pollTransmit to the other's handlePacket. The attacker's packets are encoded before the
 * timing starts and given to the server's handlePacket; everything the server answers is pulled
 * (pollTransmit) and dropped, inside the timing. Time stands still during an attack (every packet at
 * the same `now`), as a flood at line rate looks to a stack. Each trial starts from fresh stacks; the
 * median of the trials is reported.
 *
 * Patterns: out-of-order flood (SegmentSmack), SACK abuse (SACK Slowness), zero-window hold
 * (sockstress), SYN flood, ACK flood and SYN-ACK flood at a listener, RST flood (challenge ACKs).
 */
import { encodeTcpPacket, TcpFlag, type TcpOptions } from '../wire/index.js';
import { SeededRandom } from '../tcp/random.js';
import { Stack, type StackLimits, type SynCookieMode } from '../stack/stack.js';
import type { Connection } from '../stack/connection.js';
import type { TcpConfig } from '../tcp/config.js';
import { spoofedSyn } from '../workloads/flood.js';
import { LegacyReceiveBuffer } from './legacy-receive-buffer.js';
import { ReceiveBuffer } from '../tcp/receive-buffer.js';
import { consume, forcedGc, type BenchCase, type BenchSuite, type MeasureOptions, type Row } from './harness.js';

const CLIENT = ((198 << 24) | (18 << 16) | 1) >>> 0;
const SERVER = ((198 << 24) | (18 << 16) | 2) >>> 0;
const PORT = 80;
/** The attacker's connection and every reference connection: no timestamps, so packets need no TSopt. */
const PLAIN: Partial<TcpConfig> = { timestamps: false };

interface World {
  client: Stack;
  server: Stack;
  now: number;
}

function world(seed: number, server: { tcp?: Partial<TcpConfig>; limits?: Partial<StackLimits>; synCookies?: SynCookieMode } = {}): World {
  const client = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(seed), tcp: PLAIN, limits: { ephemeralMin: 1024 } });
  const srv = new Stack({ addresses: ['198.18.0.2'], random: new SeededRandom(seed + 1), tcp: { ...PLAIN, ...server.tcp }, limits: server.limits, synCookies: server.synCookies });
  srv.listen(PORT, { backlog: 65_535 });
  return { client, server: srv, now: 0 };
}

/** Move packets both ways (and fire due timers) until both stacks are quiet or `ms` of virtual time passed. */
function pump(w: World, ms = 0): void {
  const until = w.now + ms;
  for (let i = 0; i < 1_000_000; i++) {
    let moved = false;
    for (const [from, to] of [[w.client, w.server], [w.server, w.client]] as const) {
      for (let p = from.pollTransmit(w.now); p; p = from.pollTransmit(w.now)) {
        to.handlePacket(p, w.now);
        moved = true;
      }
    }
    for (const s of [w.client, w.server]) for (let e = s.pollEvent(); e; e = s.pollEvent()) if (e.type === 'connection') while (e.listener.accept()) {}
    if (moved) continue;
    const t = Math.min(w.client.pollTimeout() ?? Infinity, w.server.pollTimeout() ?? Infinity);
    if (t > until) {
      w.now = Math.max(w.now, until);
      return;
    }
    w.now = Math.max(w.now, t);
    w.client.handleTimeout(w.now);
    w.server.handleTimeout(w.now);
  }
  throw new Error('attack bench: the stacks did not settle');
}

/** One connection, ESTABLISHED at both ends: [client side, server side]. */
function connect(w: World, clientTcp: Partial<TcpConfig> = {}): [Connection, Connection] {
  const c = w.client.connect({ address: '198.18.0.2', port: PORT }, w.now, { tcp: clientTcp });
  pump(w, 1);
  const key = c.key;
  for (const s of w.server.connections()) {
    if (s.remote.port === c.local.port && s.state === 'ESTABLISHED') return [c, s];
  }
  throw new Error(`attack bench: ${key} not established`);
}

/** A packet from the client's side of `s` (a server connection) to the server. */
function toServer(s: Connection, seq: number, ack: number, flags: number, payload?: Uint8Array, options: TcpOptions = {}, window = 65535): Uint8Array {
  return encodeTcpPacket({
    ip: { version: 4, src: CLIENT, dst: SERVER, ttl: 64, identification: 0 },
    tcp: { srcPort: s.remote.port, dstPort: PORT, seq: seq >>> 0, ack: ack >>> 0, flags, window, urgentPointer: 0, options },
    payload,
  });
}

/** Give `packets` to the server at one instant, pulling and dropping its answers; seconds taken. */
export function attack(w: World, packets: Uint8Array[], after?: () => void): number {
  const server = w.server;
  const now = w.now;
  let out = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < packets.length; i++) {
    server.handlePacket(packets[i], now);
    for (let p = server.pollTransmit(now); p; p = server.pollTransmit(now)) out += p.length;
    if (after) after();
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  consume(out);
  return s;
}

/** A shuffled copy (seeded Fisher-Yates). */
function shuffled<T>(xs: T[], r: SeededRandom): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const REFERENCE_SEGMENTS = 10_000;
const SEGMENT = 1460;

/** The reference: ns per ordinary in-order 1460-octet segment (read by the application as it comes, ACKed). */
export function ordinarySegmentNs(seed: number): number {
  const w = world(seed);
  const [, s] = connect(w);
  const payload = new Uint8Array(SEGMENT).fill(0x61);
  const seq0 = s.tcb.rcvNxt;
  const ack = s.tcb.sndNxt;
  const packets = Array.from({ length: REFERENCE_SEGMENTS }, (_, i) => toServer(s, seq0 + i * SEGMENT, ack, TcpFlag.ACK | TcpFlag.PSH, payload));
  const now = w.now;
  const read = (): void => {
    for (let d = s.read(undefined, now); d; d = s.read(undefined, now)) consume(d.length);
  };
  return (attack(w, packets, read) / packets.length) * 1e9;
}

interface Pattern {
  name: string;
  /** Build the attack on fresh stacks (untimed): the world and its packets. */
  setup(seed: number, defence: boolean): { w: World; packets: Uint8Array[]; after?: () => void };
  /** Whether a setting turns the defence off (a second row measures that). */
  hasOff: boolean;
}

const OFO_SEGMENTS = 20_000;
const SACK_CONNECTIONS = 10;

export const patterns: Pattern[] = [
  {
    name: 'ofo flood (1-octet segments, every other octet, random order)',
    hasOff: true,
    setup(seed, defence) {
      const w = world(seed, { tcp: defence ? {} : { maxOutOfOrderRanges: Infinity } });
      const [, s] = connect(w);
      const r = new SeededRandom(seed);
      const one = new Uint8Array([0x61]);
      const offsets = shuffled(Array.from({ length: OFO_SEGMENTS }, (_, i) => 2 + 2 * i), r);
      const nxt = s.tcb.rcvNxt;
      const ack = s.tcb.sndNxt;
      return { w, packets: offsets.map((o) => toServer(s, nxt + o, ack, TcpFlag.ACK, one)) };
    },
  },
  {
    name: 'SACK abuse (4 one-octet blocks per ACK, random order)',
    hasOff: true,
    setup(seed, defence) {
      const w = world(seed, { tcp: defence ? {} : { maxSackRanges: Infinity } });
      const r = new SeededRandom(seed);
      const packets: Uint8Array[] = [];
      // SACK_CONNECTIONS connections; on each the server sends and the client's side is the attacker:
      // nothing it sends reaches the server but the attack. The initial window (10 segments) is in flight.
      for (let c = 0; c < SACK_CONNECTIONS; c++) {
        const [, s] = connect(w);
        s.send(new Uint8Array(256 * 1024), w.now);
        for (let p = w.server.pollTransmit(w.now); p; p = w.server.pollTransmit(w.now)) consume(p.length);
        const una = s.tcb.sndUna;
        const flight = (s.tcb.sndMax - una) >>> 0;
        const lefts = shuffled(Array.from({ length: Math.floor(flight / 2) - 1 }, (_, i) => una + 2 * i + 1), r);
        for (let i = 0; i + 4 <= lefts.length; i += 4) {
          const sack: Array<[number, number]> = lefts.slice(i, i + 4).map((l) => [l >>> 0, (l + 1) >>> 0]);
          packets.push(toServer(s, s.tcb.rcvNxt, una, TcpFlag.ACK, undefined, { sack }));
        }
      }
      return { w, packets: shuffled(packets, r) };
    },
  },
  {
    name: 'zero-window hold (window-0 ACKs answering probes)',
    hasOff: false,
    setup(seed) {
      const w = world(seed);
      const [, s] = connect(w, { receiveBufferSize: 4096 });
      s.send(new Uint8Array(64 * 1024), w.now);
      pump(w, 5);
      const packets = Array.from({ length: 5000 }, () => toServer(s, s.tcb.rcvNxt, s.tcb.sndUna, TcpFlag.ACK, undefined, {}, 0));
      return { w, packets };
    },
  },
  {
    name: 'SYN flood (spoofed, SYN cookies on overflow)',
    hasOff: false,
    setup(seed) {
      const w = world(seed);
      const r = new SeededRandom(seed);
      return { w, packets: Array.from({ length: 20_000 }, () => spoofedSyn(r, SERVER, PORT)) };
    },
  },
  ...(['ACK', 'SYN-ACK'] as const).map(
    (kind): Pattern => ({
      name: `${kind} flood at a listener (spoofed; RSTs at most rstPerSecond)`,
      hasOff: true,
      setup(seed, defence) {
        const w = world(seed, { limits: defence ? {} : { rstPerSecond: 0 } });
        const r = new SeededRandom(seed);
        const flags = kind === 'ACK' ? TcpFlag.ACK : TcpFlag.SYN | TcpFlag.ACK;
        const packets = Array.from({ length: 20_000 }, () =>
          encodeTcpPacket({
            ip: { version: 4, src: ((198 << 24) | (19 << 16) | r.int(0x10000)) >>> 0, dst: SERVER, ttl: 64, identification: 0 },
            tcp: { srcPort: 1024 + r.int(64512), dstPort: PORT, seq: r.int(0x100000000), ack: r.int(0x100000000), flags, window: 64240, urgentPointer: 0, options: {} },
          }),
        );
        return { w, packets };
      },
    }),
  ),
  {
    name: 'RST flood (in-window, not at RCV.NXT: challenge ACKs)',
    hasOff: false,
    setup(seed) {
      const w = world(seed);
      const [, s] = connect(w);
      const r = new SeededRandom(seed);
      const nxt = s.tcb.rcvNxt;
      return { w, packets: Array.from({ length: 20_000 }, () => toServer(s, nxt + 1 + r.int(60_000), 0, TcpFlag.RST)) };
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

let referenceWarm = false;

/** ns per attacking packet and per ordinary segment, trials interleaved. */
function cpuRows(p: Pattern, o: MeasureOptions): Row[] {
  const trials = Math.max(3, Math.min(o.trials, 7));
  const on: number[] = [];
  const off: number[] = [];
  const ref: number[] = [];
  // The reference path needs several thousand segments' worth of running before the JIT settles
  // (its first runs are 5-10 times slower); then four untimed rounds of each pattern, for the same.
  if (!referenceWarm) {
    for (let k = 0; k < 10; k++) ordinarySegmentNs(100 + k);
    referenceWarm = true;
  }
  for (let k = -4; k < trials; k++) {
    const seed = 16 + k;
    const a = p.setup(seed, true);
    const ns = (attack(a.w, a.packets, a.after) / a.packets.length) * 1e9;
    const r = ordinarySegmentNs(seed);
    let nsOff = 0;
    if (p.hasOff) {
      const b = p.setup(seed, false);
      nsOff = (attack(b.w, b.packets, b.after) / b.packets.length) * 1e9;
    }
    if (k < 0) continue;
    on.push(ns);
    ref.push(r);
    off.push(nsOff);
  }
  const reference = median(ref);
  const rows: Row[] = [
    { name: `attack: ${p.name}`, value: median(on), unit: 'ns/pkt', reference: 'in-order 1460 B segment', referenceValue: reference, ratio: median(on) / reference, min: Math.min(...on), max: Math.max(...on) },
  ];
  if (p.hasOff) {
    rows.push({ name: `attack: ${p.name}, defence off`, value: median(off), unit: 'ns/pkt', reference: 'in-order 1460 B segment', referenceValue: reference, ratio: median(off) / reference, min: Math.min(...off), max: Math.max(...off) });
  }
  return rows;
}

function heap(): number {
  const gc = forcedGc();
  if (!gc) throw new Error('the attack suite needs a forced GC (node --expose-gc; npm run bench passes it)');
  gc();
  gc();
  // Payloads live in ArrayBuffers, outside the JavaScript heap proper: both count.
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Heap growth of an attack on fresh stacks, per `unit` (attacker octet, SYN, ...), defence on and off. */
function heapRow(name: string, unit: string, p: Pattern, units: (packets: Uint8Array[]) => number): Row {
  const grow = (defence: boolean): number => {
    const a = p.setup(99, defence);
    const before = heap();
    attack(a.w, a.packets, a.after);
    const after = heap();
    consume(a.w.server.reassemblyBytes);
    return Math.max(0, after - before) / units(a.packets);
  };
  grow(true); // warm
  const on = grow(true);
  const off = grow(false);
  return { name, value: on, unit, reference: 'the same, defence off', referenceValue: off, ratio: on / off };
}

/** Heap per connection held by a zero window (64 KiB queued behind it), beside an idle connection. */
function heldConnectionRow(): Row {
  const n = 200;
  const measure = (held: boolean): number => {
    const w = world(7);
    connect(w);
    const before = heap();
    for (let i = 0; i < n; i++) {
      const [, s] = connect(w, held ? { receiveBufferSize: 4096 } : {});
      if (held) s.send(new Uint8Array(64 * 1024), w.now);
    }
    pump(w, 5);
    const after = heap();
    consume(w.server.orphanCount);
    return (after - before) / n;
  };
  measure(true);
  const held = measure(true);
  const idle = measure(false);
  return { name: 'attack: zero-window hold, heap per held connection (both ends, 64 KiB queued)', value: held, unit: 'B/conn', reference: 'idle connection', referenceValue: idle, ratio: held / idle };
}

/** Virtual seconds an orphan behind a zero window is held: orphanRetries (8) beside never giving up (an hour's run). */
function orphanHoldRow(): Row {
  const held = (tcp: Partial<TcpConfig>): number => {
    const w = world(3, { tcp });
    const [, s] = connect(w, { receiveBufferSize: 4096 });
    s.send(new Uint8Array(64 * 1024), w.now);
    pump(w, 5);
    const t0 = w.now;
    s.close(w.now);
    const horizon = t0 + 3_600_000;
    while (s.state !== 'CLOSED' && w.now < horizon) pump(w, 10_000);
    return (Math.min(w.now, horizon) - t0) / 1000;
  };
  const on = held({});
  const off = held({ orphanRetries: 1_000_000 });
  return { name: 'attack: zero-window orphan (FIN-WAIT-1), time held', value: on, unit: 's (virtual)', reference: 'no orphanRetries (1 h run)', referenceValue: off, ratio: on / off };
}

/** The out-of-order insert itself: ns per tiny segment, today's ReceiveBuffer beside the one before the defence. */
function reassemblyRow(o: MeasureOptions): Row {
  const r = new SeededRandom(5);
  const offsets = shuffled(Array.from({ length: OFO_SEGMENTS }, (_, i) => 2 + 2 * i), r);
  const one = new Uint8Array([0x61]);
  const run = (legacy: boolean): number => {
    const rb = legacy ? new LegacyReceiveBuffer() : new ReceiveBuffer();
    const start = process.hrtime.bigint();
    for (const off of offsets) rb.insertOutOfOrder(off, one, Infinity);
    // Then the hole at 0..2 fills: everything drains.
    rb.pushInOrder(new Uint8Array(2));
    consume(rb.drainInOrder(2));
    return Number(process.hrtime.bigint() - start) / offsets.length;
  };
  const trials = Math.max(3, Math.min(o.trials, 5));
  run(false);
  run(true);
  const now: number[] = [];
  const old: number[] = [];
  for (let k = 0; k < trials; k++) {
    now.push(run(false));
    old.push(run(true));
  }
  return { name: `attack: ofo flood, ReceiveBuffer insert+drain of ${OFO_SEGMENTS.toLocaleString('en-US')} (no range bound)`, value: median(now), unit: 'ns/seg', reference: 'pre-defence buffer', referenceValue: median(old), ratio: median(now) / median(old), min: Math.min(...now), max: Math.max(...now) };
}

const ofo = patterns[0];
const sack = patterns[1];
const syn = patterns[3];

export const attackSuite: BenchSuite = {
  name: 'attacks',
  cases: [
    ...patterns.flatMap((p): BenchCase[] => {
      // Both rows of a pattern come from one interleaved measurement, made once.
      let rows: Row[] | undefined;
      const get = (o: MeasureOptions): Row[] => (rows ??= cpuRows(p, o));
      const on: BenchCase = { name: `attack: ${p.name}`, run: (o) => get(o)[0] };
      return p.hasOff ? [on, { name: `attack: ${p.name}, defence off`, run: (o) => get(o)[1] }] : [on];
    }),
    { name: 'attack: ofo flood, ReceiveBuffer', run: (o) => reassemblyRow(o) },
    { name: 'attack: ofo flood, heap', run: () => heapRow('attack: ofo flood, heap per attacker octet', 'B/octet', ofo, (ps) => ps.length) },
    { name: 'attack: SACK abuse, heap', run: () => heapRow('attack: SACK abuse, heap per attacking ACK', 'B/ACK', sack, (ps) => ps.length) },
    {
      name: 'attack: SYN flood, heap',
      run: () => {
        const row = heapRow('attack: SYN flood, heap per SYN', 'B/SYN', { ...syn, setup: (seed, defence) => (defence ? syn.setup(seed, true) : synNoDefence(seed)) }, (ps) => ps.length);
        row.reference = 'no cookies, unbounded SYN queue';
        return row;
      },
    },
    { name: 'attack: zero-window hold, heap', run: () => heldConnectionRow() },
    { name: 'attack: zero-window orphan', run: () => orphanHoldRow() },
  ],
};

/** The SYN flood against a listener with no SYN cookies and no bound on its SYN queue (what a stack without the defence keeps). */
function synNoDefence(seed: number): { w: World; packets: Uint8Array[] } {
  const w = world(seed, { synCookies: 'off', limits: { synQueueSize: 1_000_000 } });
  const r = new SeededRandom(seed);
  return { w, packets: Array.from({ length: 20_000 }, () => spoofedSyn(r, SERVER, PORT)) };
}
