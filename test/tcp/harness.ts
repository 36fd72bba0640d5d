/**
 * Helpers that make connection tests read like RFC 9293's figures: segments are written and
 * compared in the RFC's notation, <SEQ=100><ACK=301><CTL=SYN,ACK>, and time is virtual.
 */
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/tcp/random.js';
import { makeSegment, type Segment } from '../../src/tcp/segment.js';
import { Tcb, type TcbOptions } from '../../src/tcp/tcb.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import type { TcpEvent } from '../../src/tcp/events.js';
import type { TcpState } from '../../src/tcp/state.js';
import { TcpFlag, type TcpOptions } from '../../src/wire/index.js';

/** Figures' connections carry no options, so the RFC's segments can be compared as printed. */
export const PLAIN: Partial<TcpConfig> = { timestamps: false, windowScaling: false, sack: false, ackDelayMs: 0 };

export const A_PORT = 40000;
export const B_PORT = 80;

export function tcb(opts: Partial<TcbOptions> & { iss: TcbOptions['iss'] }, seed = 1): Tcb {
  return new Tcb({ localPort: A_PORT, remotePort: B_PORT, random: new SeededRandom(seed), ...opts, config: { ...PLAIN, ...opts.config } });
}

const CTL_ORDER: Array<[number, string]> = [
  [TcpFlag.SYN, 'SYN'],
  [TcpFlag.FIN, 'FIN'],
  [TcpFlag.RST, 'RST'],
  [TcpFlag.PSH, 'PSH'],
  [TcpFlag.URG, 'URG'],
  [TcpFlag.ACK, 'ACK'],
];

/** The RFC's notation for a segment: <SEQ=s>[<ACK=a>]<CTL=...>[<DATA=n>]. ACK shows only with the ACK bit. */
export function fmt(s: Segment): string {
  let out = `<SEQ=${s.seq}>`;
  if (s.flags & TcpFlag.ACK) out += `<ACK=${s.ack}>`;
  const names = CTL_ORDER.filter(([bit]) => s.flags & bit).map(([, n]) => n);
  if (names.length) out += `<CTL=${names.join(',')}>`;
  if (s.payload.length) out += `<DATA=${s.payload.length}>`;
  return out;
}

/**
 * Parse the RFC notation into a segment from `srcPort` to `dstPort`:
 * "<SEQ=300><ACK=101><CTL=SYN,ACK>", with optional <WND=n>, <DATA=n> (n bytes of 'x') or <DATA="text">, <UP=n>.
 */
export function seg(text: string, opts: { srcPort?: number; dstPort?: number; options?: TcpOptions; window?: number } = {}): Segment {
  const fields = new Map<string, string>();
  for (const m of text.matchAll(/<([A-Z]+)=([^>]*)>/g)) fields.set(m[1], m[2]);
  let flags = 0;
  for (const name of (fields.get('CTL') ?? '').split(',').filter(Boolean)) {
    const bit = CTL_ORDER.find(([, n]) => n === name.trim());
    if (!bit) throw new Error(`unknown control ${name}`);
    flags |= bit[0];
  }
  if (fields.has('ACK')) flags |= TcpFlag.ACK;
  const data = fields.get('DATA');
  let payload = new Uint8Array(0);
  if (data !== undefined) {
    payload = data.startsWith('"') ? new TextEncoder().encode(data.slice(1, -1)) : new Uint8Array(Number(data)).fill(0x78);
  }
  return makeSegment({
    srcPort: opts.srcPort ?? B_PORT,
    dstPort: opts.dstPort ?? A_PORT,
    seq: Number(fields.get('SEQ') ?? 0) >>> 0,
    ack: Number(fields.get('ACK') ?? 0) >>> 0,
    flags,
    window: opts.window ?? Number(fields.get('WND') ?? 65535),
    urgentPointer: Number(fields.get('UP') ?? 0),
    options: opts.options ?? {},
    payload,
  });
}

/** Everything the TCB wants to send now. */
export function drain(t: Tcb, now: number): Segment[] {
  const out: Segment[] = [];
  for (let s = t.pollTransmit(now); s; s = t.pollTransmit(now)) {
    out.push(s);
    if (out.length > 10_000) throw new Error(`pollTransmit does not stop: ${t.state} cwnd=${t.congestion.cwnd} ssthresh=${t.congestion.ssthresh} inRecovery=${t.recovery.inRecovery} pipe=${t.pipe()} una=${t.sndUna} nxt=${t.sndNxt} max=${t.sndMax} wnd=${t.sndWnd} last: ${out.slice(-3).map(fmt).join(' ')}`);
  }
  return out;
}

/**
 * The active open of `t` against a peer written by hand: connect at 0 and send the SYN, then the
 * peer's `synAck` (or what `synAck` makes of our SYN) arrives at `at`: ESTABLISHED. Returns our SYN
 * and what we sent at `at` (the ACK).
 */
export function activeOpen(t: Tcb, synAck: Segment | ((syn: Segment) => Segment), at: number): { syn: Segment; out: Segment[] } {
  t.connect(0);
  const [syn] = drain(t, 0);
  t.handleSegment(typeof synAck === 'function' ? synAck(syn) : synAck, at);
  assert.equal(t.state, 'ESTABLISHED');
  return { syn, out: drain(t, at) };
}

export function events(t: Tcb): TcpEvent[] {
  const out: TcpEvent[] = [];
  for (let e = t.pollEvent(); e; e = t.pollEvent()) out.push(e);
  return out;
}

/** The state sequence a TCB went through, from its 'state' events. */
export function stateTrail(evs: TcpEvent[]): TcpState[] {
  return evs.flatMap((e) => (e.type === 'state' ? [e.to] : []));
}

/**
 * Two TCBs joined by a perfect wire in virtual time. `run` moves segments both ways and fires timers
 * until nothing is left to do or `until` is reached. `filter` may drop or rewrite a segment in flight.
 */
export class Pair {
  now = 0;
  readonly log: Array<{ t: number; from: 'a' | 'b'; seg: Segment }> = [];
  filter: (from: 'a' | 'b', s: Segment) => Segment | undefined = (_f, s) => s;
  latency = 0;
  /** Transmission time of one segment (ms): a burst leaves one segment after another, not all at once. */
  serialization = 0;
  private departs = { a: 0, b: 0 };
  private inFlight: Array<{ at: number; to: 'a' | 'b'; seg: Segment }> = [];

  constructor(
    readonly a: Tcb,
    readonly b: Tcb,
  ) {}

  private collect(): void {
    for (const [from, t, to] of [
      ['a', this.a, 'b'],
      ['b', this.b, 'a'],
    ] as const) {
      for (const s of drain(t, this.now)) {
        this.log.push({ t: this.now, from, seg: s });
        const f = this.filter(from, s);
        const depart = this.serialization > 0 ? Math.max(this.now, this.departs[from] + this.serialization) : this.now;
        this.departs[from] = depart;
        if (f) this.inFlight.push({ at: depart + this.latency, to, seg: f });
      }
    }
  }

  /** Advance until idle or `until`; returns the virtual time reached. Bounded in steps. */
  run(until = Infinity, maxSteps = 1_000_000): number {
    for (let step = 0; step < maxSteps; step++) {
      this.collect();
      const nextDelivery = this.inFlight.reduce((m, x) => Math.min(m, x.at), Infinity);
      const timers = [this.a.pollTimeout(), this.b.pollTimeout()].filter((x): x is number => x !== undefined);
      const nextTimer = timers.length ? Math.min(...timers) : Infinity;
      const next = Math.min(nextDelivery, nextTimer);
      if (next === Infinity || next > until) {
        if (until !== Infinity) this.now = Math.max(this.now, until);
        return this.now;
      }
      this.now = Math.max(this.now, next);
      const due = this.inFlight.filter((x) => x.at <= this.now);
      this.inFlight = this.inFlight.filter((x) => x.at > this.now);
      for (const d of due) (d.to === 'a' ? this.a : this.b).handleSegment(d.seg, this.now);
      for (const t of [this.a, this.b]) {
        const due2 = t.pollTimeout();
        if (due2 !== undefined && due2 <= this.now) t.handleTimeout(this.now);
      }
    }
    throw new Error(`Pair.run did not settle in ${maxSteps} steps`);
  }

  /** The RFC notation of the log, "a>" or "b>" first. */
  trace(): string[] {
    return this.log.map((l) => `${l.from}> ${fmt(l.seg)}`);
  }
}

/** A client (a) and a listening server (b) with the given ISNs. */
export function clientServer(issA: number, issB: number, config: Partial<TcpConfig> = {}): Pair {
  const a = tcb({ iss: issA, localPort: A_PORT, remotePort: B_PORT, config }, 1);
  const b = tcb({ iss: issB, localPort: B_PORT, remotePort: 0, config }, 2);
  b.listen(0);
  return new Pair(a, b);
}
