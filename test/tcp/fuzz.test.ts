/**
 * Fuzzing the connection in every one of the eleven states. Each episode builds a TCB ("t") in the
 * state with a real peer ("q"), then takes random steps: crafted, mutated and replayed segments
 * (any flags, SYN+FIN+RST combinations included; sequence and acknowledgment numbers at the window
 * edges and anywhere; random windows, payloads, options with random timestamps; urgent pointers),
 * the peer's real segments delivered out of order, user calls (send, sendUrgent, read, shutdown,
 * close, abort, connect, listen) and timeouts at random times.
 *
 * After every step: nothing threw (user calls may throw TcpError, with a code, exactly when the
 * call is invalid in the state), checkInvariants() is undefined, the state is one of the eleven,
 * nothing runs in CLOSED, pollTransmit and pollEvent terminate, and handleTimeout leaves no deadline
 * in the past.
 *
 * FUZZ_SEED=n overrides the master seed; FUZZ_STEPS=n the steps per state. A failure prints
 * the seed, state, episode, step and the last actions.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/tcp/random.js';
import { Tcb, TcpError } from '../../src/tcp/tcb.js';
import { TCP_STATES, type TcpState } from '../../src/tcp/state.js';
import { makeSegment, type Segment } from '../../src/tcp/segment.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { TcpFlag, type TcpOptions } from '../../src/wire/index.js';
import { fmt } from './harness.js';

const MASTER_SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_7c9);
/** Steps per state taken with the TCB in that state. */
const TARGET_IN_STATE = Number(process.env.FUZZ_STEPS ?? 4000);
const MAX_STEPS = 300;
/** Steps after the TCB has left the state (it goes on being fuzzed there). */
const TAIL_STEPS = 15;
const T_PORT = 40000;
const Q_PORT = 80;
const ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EISCONN', 'EINVAL']);
const F = TcpFlag;

/** The fuzz's random choices: the project's seeded generator. */
class Rng extends SeededRandom {
  u32(): number {
    return this.nextUint32();
  }
  float(): number {
    return this.next();
  }
}

function randomConfig(r: Rng): Partial<TcpConfig> {
  const c: Partial<TcpConfig> = {
    timestamps: r.chance(0.5),
    windowScaling: r.chance(0.5),
    sack: r.chance(0.5),
    rfc5961: r.chance(0.7),
    requireTimestamps: r.chance(0.7),
    ackDelayMs: r.pick([0, 40, 200]),
    noDelay: r.chance(0.3),
  };
  if (r.chance(0.3)) c.receiveBufferSize = r.pick([1, 100, 2000, 70_000, 1 << 20]);
  if (r.chance(0.3)) c.sendBufferSize = r.pick([1, 100, 3000, 1 << 20]);
  if (r.chance(0.2)) c.windowScale = r.int(15);
  if (r.chance(0.3)) Object.assign(c, { keepAlive: true, keepAliveIdleMs: r.pick([1, 500, 10_000]), keepAliveIntervalMs: r.pick([1, 300]), keepAliveProbes: r.int(4) });
  if (r.chance(0.2)) c.userTimeoutMs = r.pick([1, 1000, 20_000]);
  if (r.chance(0.3)) c.mslMs = r.pick([1, 100, 30_000]);
  if (r.chance(0.3)) c.finWait2TimeoutMs = r.pick([1, 500]);
  if (r.chance(0.2)) Object.assign(c, { synRetries: r.int(3), synAckRetries: r.int(3), r1: r.int(3), r2: r.int(4) });
  if (r.chance(0.2)) c.mtu = r.pick([68, 576, 9000]);
  if (r.chance(0.1)) c.challengeAckLimit = r.int(3);
  // FreeBSD's choices (the packetdrill runner's FreeBSD personality).
  if (r.chance(0.3)) Object.assign(c, { receiveWindowFromBuffer: r.chance(0.7), finWithAck: r.chance(0.7), synDataDelayedAck: r.chance(0.5), noOptions: r.chance(0.2) });
  return c;
}

function isnNear(r: Rng): number {
  return r.pick([0xffff_ffff, 0xffff_fffe, 0x7fff_ffff, 0x8000_0000, 0, r.u32(), (0x1_0000_0000 - 1 - r.int(5000)) >>> 0]);
}

interface World {
  t: Tcb;
  q: Tcb;
  now: number;
  /** Segments t sent that q has not seen yet, and the other way. */
  toQ: Segment[];
  toT: Segment[];
  /** Every segment either side sent, for replays. */
  history: Segment[];
  r: Rng;
  actions: string[];
  /** The states as the 'state' events tell them. */
  tState: TcpState;
  qState: TcpState;
}

function newTcbs(r: Rng): { t: Tcb; q: Tcb } {
  const ipVersion = r.chance(0.2) ? 6 : 4;
  const t = new Tcb({ localPort: T_PORT, remotePort: Q_PORT, ipVersion, iss: isnNear(r), config: randomConfig(r), random: new SeededRandom(r.u32()) });
  const q = new Tcb({ localPort: Q_PORT, remotePort: T_PORT, ipVersion, iss: isnNear(r), config: randomConfig(r), random: new SeededRandom(r.u32()) });
  return { t, q };
}

/** Move t's output to q's queue and q's output to t's queue. */
function collect(w: World): void {
  for (const [from, to] of [
    [w.t, w.toQ],
    [w.q, w.toT],
  ] as const) {
    for (let i = 0; ; i++) {
      const s = from.pollTransmit(w.now);
      if (!s) break;
      if (i > 5000) throw new Error(`pollTransmit does not stop (${from === w.t ? 't' : 'q'} in ${from.state})`);
      checkOutput(from, s, from === w.t ? 't' : 'q');
      to.push(s);
      w.history.push(s);
      if (w.history.length > 400) w.history.splice(0, 200);
    }
  }
}

/** What any TCB may put on the wire, whatever it was fed. */
function checkOutput(x: Tcb, s: Segment, who: string): void {
  const where = `${who} in ${x.state} sent ${fmt(s)}`;
  for (const [name, v, max] of [
    ['seq', s.seq, 0xffff_ffff],
    ['ack', s.ack, 0xffff_ffff],
    ['window', s.window, 0xffff],
    ['urgent pointer', s.urgentPointer, 0xffff],
    ['srcPort', s.srcPort, 0xffff],
    ['dstPort', s.dstPort, 0xffff],
  ] as const) {
    assert.ok(Number.isInteger(v) && v >= 0 && v <= max, `${where}: ${name} ${v}`);
  }
  assert.ok(!(s.flags & F.SYN && s.flags & F.RST), `${where}: SYN and RST together`);
  assert.ok(!(s.flags & F.SYN && s.flags & F.FIN), `${where}: SYN and FIN together`);
  if (!(s.flags & F.RST)) {
    assert.equal(s.srcPort, x.localPort, where);
    assert.ok(s.payload.length <= Math.max(x.sendMss, 1), `${where}: ${s.payload.length} bytes, MSS ${x.sendMss}`);
    if (!(s.flags & F.SYN)) assert.ok(s.flags & F.ACK, `${where}: no ACK bit after the handshake`);
    if (s.flags & F.ACK) assert.equal(s.ack, x.rcvNxt, `${where}: ACK is not RCV.NXT ${x.rcvNxt}`);
    if (s.payload.length > 0) assert.ok(s.payload.length <= x.sendBuffer.length, `${where}: more data than buffered`);
    if (s.options.timestamp) assert.ok(x.timestamps || s.flags & F.SYN, `${where}: timestamp without negotiating it`);
  } else {
    assert.equal(s.payload.length, 0, `${where}: data on a RST`);
  }
}

/**
 * Hand a segment to t, then check RFC 9293's rules about answering a RST: never with a RST
 * (§3.10.7), and a RST outside the window (or anywhere in LISTEN and CLOSED) with nothing at all
 * ("drop the segment and return"; RFC 5961 challenge ACKs answer only in-window RSTs).
 */
function deliverToT(w: World, seg: Segment): void {
  const { t } = w;
  collect(w);
  const before = w.toQ.length;
  const state = t.state;
  let wnd = (t.rcvAdv - t.rcvNxt) | 0;
  // receiveWindowFromBuffer: RCV.WND is the free buffer space when larger (not in a passive
  // SYN-RECEIVED or TIME-WAIT, as FreeBSD's syncache and tcp_twcheck).
  if (t.config.receiveWindowFromBuffer && state !== 'TIME-WAIT' && !(state === 'SYN-RECEIVED' && t.passive)) {
    wnd = Math.max(wnd, t.receiveBufferSize - t.receiveBuffer.readable - t.receiveBuffer.outOfOrderBytes);
  }
  const rcvNxt = t.rcvNxt;
  t.handleSegment(seg, w.now);
  collect(w);
  if (!(seg.flags & F.RST)) return;
  const answers = w.toQ.slice(before);
  const where = `${state}: answer to ${fmt(seg)}: ${answers.map(fmt).join(' ')}`;
  assert.ok(!answers.some((a) => a.flags & F.RST), `a RST answered with a RST in ${where}`);
  const plain = seg.payload.length === 0 && !(seg.flags & (F.SYN | F.FIN));
  const inWindow = wnd <= 0 ? seg.seq === rcvNxt : ((seg.seq - rcvNxt) >>> 0) < wnd;
  const synchronized = state !== 'CLOSED' && state !== 'LISTEN' && state !== 'SYN-SENT';
  if (state === 'CLOSED' || state === 'LISTEN' || (synchronized && plain && !inWindow)) {
    assert.deepEqual(answers.map(fmt), [], `a RST that must be dropped was answered in ${where}`);
  }
}

/**
 * RFC 9293 §3.3.2 (Figure 5) transitions, with the user calls that reach CLOSED from anywhere
 * (ABORT, and the timeouts of §3.8.3 and §3.8.4), SYN-RECEIVED back to LISTEN (§3.10.7.4) and the
 * CLOSE of LISTEN.
 */
const TRANSITIONS: Record<TcpState, readonly TcpState[]> = {
  CLOSED: ['LISTEN', 'SYN-SENT'],
  LISTEN: ['SYN-RECEIVED', 'CLOSED'],
  'SYN-SENT': ['SYN-RECEIVED', 'ESTABLISHED', 'CLOSED'],
  'SYN-RECEIVED': ['ESTABLISHED', 'LISTEN', 'CLOSED', 'CLOSE-WAIT'],
  ESTABLISHED: ['FIN-WAIT-1', 'CLOSE-WAIT', 'CLOSED'],
  'FIN-WAIT-1': ['FIN-WAIT-2', 'CLOSING', 'TIME-WAIT', 'CLOSED'],
  'FIN-WAIT-2': ['TIME-WAIT', 'CLOSED'],
  'CLOSE-WAIT': ['LAST-ACK', 'CLOSED'],
  CLOSING: ['TIME-WAIT', 'CLOSED'],
  'LAST-ACK': ['CLOSED'],
  'TIME-WAIT': ['CLOSED'],
};

/** Deliver everything both ways until quiet (a perfect wire), `rounds` at most. */
function exchange(w: World, rounds = 50, dropToQ = false): void {
  for (let i = 0; i < rounds; i++) {
    collect(w);
    if (w.toQ.length === 0 && w.toT.length === 0) return;
    const toQ = w.toQ.splice(0);
    const toT = w.toT.splice(0);
    if (!dropToQ) for (const s of toQ) w.q.handleSegment(s, w.now);
    for (const s of toT) w.t.handleSegment(s, w.now);
  }
  collect(w);
}

function syncPeers(w: World): void {
  w.toQ.length = 0;
  w.toT.length = 0;
}

/** Build t in `state` (with a peer q); undefined when this episode's random setup cannot reach it. */
function build(state: TcpState, r: Rng): World | undefined {
  const { t, q } = newTcbs(r);
  const w: World = { t, q, now: 0, toQ: [], toT: [], history: [], r, actions: [], tState: 'CLOSED', qState: 'CLOSED' };
  const established = (): boolean => {
    q.listen(0);
    t.connect(0);
    exchange(w);
    if (t.state !== 'ESTABLISHED' || q.state !== 'ESTABLISHED') return false;
    // Some data both ways, some of it left unread or unacknowledged.
    w.now = 5;
    if (r.chance(0.7)) q.send(r.bytes(r.int(5000)), w.now);
    if (r.chance(0.7)) t.send(r.bytes(r.int(5000)), w.now);
    exchange(w, r.int(4));
    if (r.chance(0.5)) while (t.read(r.int(3000) + 1));
    if (r.chance(0.5)) while (q.read());
    return true;
  };
  switch (state) {
    case 'CLOSED':
      break;
    case 'LISTEN':
      t.listen(0);
      break;
    case 'SYN-SENT':
      t.connect(0);
      if (r.chance(0.3)) t.send(r.bytes(r.int(100)), 0);
      collect(w);
      break;
    case 'SYN-RECEIVED':
      if (r.chance(0.7)) {
        t.listen(0);
        q.connect(0);
      } else {
        // Simultaneous open (Figure 7).
        t.connect(0);
        q.connect(0);
      }
      collect(w);
      for (const s of w.toT.splice(0)) t.handleSegment(s, 0);
      collect(w);
      break;
    case 'ESTABLISHED':
      if (!established()) return undefined;
      break;
    case 'FIN-WAIT-1':
    case 'FIN-WAIT-2':
    case 'TIME-WAIT':
      if (!established()) return undefined;
      w.now = 10;
      if (r.chance(0.3)) t.close(w.now);
      else t.shutdown(w.now);
      if (state === 'FIN-WAIT-1') {
        collect(w);
        break;
      }
      exchange(w);
      if (state === 'TIME-WAIT') {
        q.shutdown(w.now);
        exchange(w);
      }
      break;
    case 'CLOSE-WAIT':
    case 'LAST-ACK':
      if (!established()) return undefined;
      w.now = 10;
      q.shutdown(w.now);
      exchange(w);
      if (state === 'LAST-ACK') {
        t.shutdown(w.now);
        collect(w);
      }
      break;
    case 'CLOSING':
      if (!established()) return undefined;
      w.now = 10;
      // Both FINs cross: each arrives at a side whose own FIN is not yet acknowledged.
      exchange(w);
      t.shutdown(w.now);
      q.shutdown(w.now);
      collect(w);
      for (const s of w.toT.splice(0)) t.handleSegment(s, w.now);
      collect(w);
      break;
  }
  syncPeers(w);
  while (t.pollEvent());
  while (q.pollEvent());
  w.tState = t.state;
  w.qState = q.state;
  return t.state === state ? w : undefined;
}

const FLAG_COMBOS = [
  F.ACK,
  F.ACK,
  F.ACK,
  F.ACK | F.PSH,
  F.ACK | F.PSH,
  F.FIN | F.ACK | F.PSH,
  F.SYN,
  F.SYN | F.ACK,
  F.FIN | F.ACK,
  F.RST,
  F.RST | F.ACK,
  F.SYN | F.FIN,
  F.SYN | F.RST,
  F.FIN | F.RST,
  F.SYN | F.FIN | F.RST,
  F.SYN | F.FIN | F.RST | F.ACK,
  F.SYN | F.FIN | F.ACK | F.PSH | F.URG,
  F.URG | F.ACK,
  F.FIN,
  0,
  0xfff,
];

function randomOptions(w: World): TcpOptions {
  const r = w.r;
  const o: TcpOptions = {};
  if (r.chance(0.3)) o.mss = r.pick([0, 1, 536, 1460, 65535, r.int(65536)]);
  if (r.chance(0.3)) o.wscale = r.int(20);
  if (r.chance(0.2)) o.sackPermitted = true;
  if (r.chance(0.2)) {
    const n = 1 + r.int(4);
    o.sack = Array.from({ length: n }, () => {
      const left = r.chance(0.7) ? (w.t.sndUna + r.int(20_000) - 2000) >>> 0 : r.u32();
      return [left, (left + r.int(5000)) >>> 0] as [number, number];
    });
  }
  if (r.chance(0.6)) {
    const value = r.pick([w.t.tsRecent, (w.t.tsRecent + 1) >>> 0, (w.t.tsRecent - 1) >>> 0, (w.t.tsRecent + 0x8000_0000) >>> 0, r.u32(), 0]);
    const echo = r.pick([0, r.u32(), (Math.floor(w.now) + r.int(10)) >>> 0]);
    o.timestamp = { value, echo };
  }
  if (r.chance(0.05)) o.unknown = [{ kind: 200 + r.int(50), data: r.bytes(r.int(10)) }];
  return o;
}

/** A segment aimed at t, built around its variables (window edges) or anywhere. */
function craft(w: World): Segment {
  const { t, r } = w;
  const wnd = Math.max(1, (t.rcvAdv - t.rcvNxt) >>> 0);
  const seq = r.pick([
    t.rcvNxt,
    t.rcvNxt,
    (t.rcvNxt - 1) >>> 0,
    (t.rcvNxt + 1) >>> 0,
    (t.rcvNxt + wnd - 1) >>> 0,
    (t.rcvNxt + wnd) >>> 0,
    (t.rcvNxt + wnd + 1) >>> 0,
    (t.rcvNxt - 70_000) >>> 0,
    (t.rcvNxt + r.int(wnd)) >>> 0,
    t.irs,
    (t.irs + 1) >>> 0,
    r.u32(),
  ]);
  const ack = r.pick([
    t.sndUna,
    t.sndNxt,
    t.sndMax,
    (t.sndMax + 1) >>> 0,
    (t.sndUna - 1) >>> 0,
    (t.sndUna + r.int(3000)) >>> 0,
    (t.sndUna - t.maxSndWnd - 1) >>> 0,
    (t.sndUna - t.maxSndWnd) >>> 0,
    t.iss,
    (t.iss + 1) >>> 0,
    r.u32(),
  ]);
  let flags = r.pick(FLAG_COMBOS);
  if (r.chance(0.1)) flags = r.int(0x1000);
  const len = r.pick([0, 0, 0, 1, r.int(100), r.int(1500), r.int(4000), r.chance(0.05) ? r.int(70_000) : 0]);
  return makeSegment({
    srcPort: r.chance(0.95) ? Q_PORT : r.int(65536),
    dstPort: T_PORT,
    seq,
    ack,
    flags,
    window: r.pick([0, 1, 100, 65535, r.int(65536)]),
    urgentPointer: r.chance(0.2) ? r.pick([0, 1, r.int(65536)]) : 0,
    options: r.chance(0.6) ? randomOptions(w) : {},
    payload: r.bytes(len),
  });
}

/** Change one or a few fields of a real segment. */
function mutate(w: World, s: Segment): Segment {
  const r = w.r;
  const m: Segment = { ...s };
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    switch (r.int(8)) {
      case 0:
        m.flags ^= 1 << r.int(12);
        break;
      case 1:
        m.seq = (m.seq + r.pick([-1, 1, -1460, 1460, 65535, -65536, r.u32()])) >>> 0;
        break;
      case 2:
        m.ack = (m.ack + r.pick([-1, 1, 1000, -1000, r.u32()])) >>> 0;
        break;
      case 3:
        m.window = r.pick([0, 1, 65535, r.int(65536)]);
        break;
      case 4:
        m.payload = r.chance(0.5) ? m.payload.subarray(0, r.int(m.payload.length + 1)) : r.bytes(r.int(3000));
        break;
      case 5:
        m.options = randomOptions(w);
        break;
      case 6:
        m.urgentPointer = r.int(65536);
        m.flags |= F.URG;
        break;
      default:
        m.flags = r.pick(FLAG_COMBOS);
    }
  }
  return m;
}

/** A user call on t, checking that it throws TcpError (with a code) exactly when it is invalid. */
function userCall(w: World): string {
  const { t, r } = w;
  const s = t.state;
  const call = r.pick(['send', 'send', 'send', 'sendUrgent', 'read', 'read', 'read', 'shutdown', 'close', 'abort', 'connect', 'listen'] as const);
  const expectThrow =
    call === 'send' || call === 'sendUrgent'
      ? t.closing.finRequested || !(s === 'SYN-SENT' || s === 'SYN-RECEIVED' || s === 'ESTABLISHED' || s === 'CLOSE-WAIT')
      : call === 'connect'
        ? s !== 'CLOSED' || t.wasOpened || t.remotePort === 0
        : call === 'listen'
          ? s !== 'CLOSED' || t.wasOpened
          : false;
  const finBefore = t.closing.finRequested;
  try {
    switch (call) {
      case 'send':
      case 'sendUrgent': {
        const data = r.bytes(r.pick([0, 1, 10, 1000, 5000, 70_000]));
        const n = call === 'send' ? t.send(data, w.now) : t.sendUrgent(data, w.now);
        assert.ok(n >= 0 && n <= data.length, `send returned ${n} for ${data.length}`);
        break;
      }
      case 'read':
        for (let i = 0; i < 1000; i++) {
          const d = t.read(r.pick([1, 100, Infinity]));
          if (!d) break;
          assert.ok(d.length > 0);
        }
        break;
      case 'shutdown':
        t.shutdown(w.now);
        break;
      case 'close':
        t.close(w.now);
        break;
      case 'abort':
        t.abort(w.now);
        assert.equal(t.state, 'CLOSED', 'abort leaves CLOSED');
        break;
      case 'connect':
        t.connect(w.now);
        break;
      case 'listen':
        t.listen(w.now);
        break;
    }
  } catch (e) {
    if (!(e instanceof TcpError)) throw e;
    assert.ok(ERROR_CODES.has(e.code), `TcpError with an unknown code ${e.code}`);
    assert.ok(expectThrow, `${call} in ${s} threw ${e.code}: ${e.message}`);
    return `${call} in ${s} -> ${e.code}`;
  }
  assert.ok(!expectThrow, `${call} in ${s} (finRequested ${finBefore}) should have thrown`);
  return `${call} in ${s}`;
}

/** A call on the peer, to make traffic. */
function peerCall(w: World): string {
  const { q, r } = w;
  try {
    switch (r.int(5)) {
      case 0:
      case 1:
        return `peer send ${q.send(r.bytes(r.int(4000)), w.now)}`;
      case 2:
        while (q.read());
        return 'peer read';
      case 3:
        q.shutdown(w.now);
        return 'peer shutdown';
      default:
        if (r.chance(0.1)) {
          q.abort(w.now);
          return 'peer abort';
        }
        return 'peer nothing';
    }
  } catch (e) {
    if (!(e instanceof TcpError)) throw e;
    return `peer call refused ${e.code}`;
  }
}

function step(w: World): string {
  const { t, q, r } = w;
  const k = r.int(100);
  if (k < 22) {
    // The peer's real segments, reordered, duplicated, or mutated.
    collect(w);
    if (w.toT.length === 0) return 'nothing from the peer';
    const i = r.int(w.toT.length);
    const s = r.chance(0.8) ? w.toT.splice(i, 1)[0] : w.toT[i];
    const seg = r.chance(0.25) ? mutate(w, s) : s;
    deliverToT(w, seg);
    return `peer segment ${fmt(seg)}`;
  }
  if (k < 34) {
    collect(w);
    if (w.toQ.length === 0) return 'nothing for the peer';
    const s = w.toQ.splice(r.int(w.toQ.length), 1)[0];
    if (r.chance(0.9)) q.handleSegment(s, w.now);
    return `to peer ${fmt(s)}`;
  }
  if (k < 58) {
    const seg = craft(w);
    deliverToT(w, seg);
    return `crafted ${fmt(seg)} wnd=${seg.window} up=${seg.urgentPointer} opts=${JSON.stringify(seg.options)} len=${seg.payload.length}`;
  }
  if (k < 66) {
    if (w.history.length === 0) return 'no history';
    const old = r.pick(w.history);
    // Replayed towards t: swap the ports of t's own segments.
    const s = old.dstPort === T_PORT ? old : { ...old, srcPort: old.dstPort, dstPort: old.srcPort };
    const seg = r.chance(0.5) ? mutate(w, s) : s;
    deliverToT(w, seg);
    return `replay ${fmt(seg)}`;
  }
  if (k < 76) return userCall(w);
  if (k < 82) return peerCall(w);
  if (k < 88) {
    // Time passes: a little, to the next deadline, or a lot.
    const d = t.pollTimeout();
    const dt = r.chance(0.05) ? r.pick([120_000, 7_200_000]) : r.pick([0, 1, 37, 250, 1000, 5000]);
    w.now = r.chance(0.5) && d !== undefined && d > w.now ? d : w.now + dt;
    return `time ${w.now}`;
  }
  if (k < 97) {
    // Timeouts: fire what is due (t, and the peer).
    const d = t.pollTimeout();
    if (d !== undefined && r.chance(0.7)) w.now = Math.max(w.now, d);
    t.handleTimeout(w.now);
    collect(w);
    const after = t.pollTimeout();
    assert.ok(after === undefined || after > w.now, `handleTimeout(${w.now}) left a deadline at ${after} (state ${t.state})`);
    const dq = q.pollTimeout();
    if (dq !== undefined && dq <= w.now) q.handleTimeout(w.now);
    return `timeout ${w.now}`;
  }
  // handleTimeout early (spurious call: must be harmless).
  t.handleTimeout(w.now);
  return `early timeout ${w.now}`;
}

function check(w: World, who: 't' | 'q'): void {
  const x = who === 't' ? w.t : w.q;
  const bad = x.checkInvariants();
  assert.equal(bad, undefined, `${who} invariant: ${bad}`);
  assert.ok(TCP_STATES.includes(x.state), `${who} state ${x.state}`);
  const d = x.pollTimeout();
  if (x.state === 'CLOSED') assert.equal(d, undefined, `${who} has a timer in CLOSED`);
  if (d !== undefined) assert.ok(Number.isFinite(d), `${who} deadline ${d}`);
  let i = 0;
  for (let e = x.pollEvent(); e; e = x.pollEvent()) {
    assert.ok(i++ < 10_000, `${who} pollEvent does not stop`);
    if (e.type === 'state') {
      const from = who === 't' ? w.tState : w.qState;
      assert.equal(e.from, from, `${who}: state event from ${e.from}, but it was in ${from}`);
      assert.ok(TRANSITIONS[e.from].includes(e.to), `${who}: ${e.from} -> ${e.to} is not a transition of RFC 9293`);
      if (who === 't') w.tState = e.to;
      else w.qState = e.to;
    }
    if (e.type === 'error') assert.ok(ERROR_CODES.has(e.code), `${who}: error event code ${e.code}`);
  }
  assert.equal(who === 't' ? w.tState : w.qState, x.state, `${who}: state events do not add up to the state`);
}

/**
 * Episodes for one state until TARGET_IN_STATE steps were taken with t in that state: each episode
 * builds the state and runs until t has been out of it for a few steps (or MAX_STEPS).
 */
function runState(state: TcpState): { steps: number; episodes: number; inState: number; visited: Set<TcpState>; errors: Map<string, number> } {
  let steps = 0;
  let inState = 0;
  let episodes = 0;
  const visited = new Set<TcpState>();
  const errors = new Map<string, number>();
  const stateSeed = (MASTER_SEED ^ (TCP_STATES.indexOf(state) * 0x9e37_79b9)) >>> 0;
  for (let e = 0; inState < TARGET_IN_STATE && e < 20_000; e++) {
    const seed = (stateSeed + e * 0x85eb_ca6b) >>> 0;
    const r = new Rng(seed);
    const w = build(state, r);
    if (!w) continue;
    episodes++;
    let outFor = 0;
    for (let i = 0; i < MAX_STEPS && outFor < TAIL_STEPS; i++) {
      let what = '';
      try {
        what = step(w);
        w.actions.push(what);
        if (w.actions.length > 12) w.actions.shift();
        collect(w);
        check(w, 't');
        check(w, 'q');
      } catch (err) {
        const msg = err instanceof Error ? err.stack ?? err.message : String(err);
        assert.fail(
          `fuzz failure: FUZZ_SEED=${MASTER_SEED} state=${state} episode=${e} (seed ${seed}) step=${i} t.state=${w.t.state}\n` +
            `last actions:\n  ${[...w.actions, `>> ${what}`].join('\n  ')}\n${msg}`,
        );
      }
      visited.add(w.t.state);
      if (w.t.state === state) inState++;
      else outFor++;
      steps++;
      if (what.includes('->')) {
        const code = what.split('-> ')[1];
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    }
  }
  return { steps, episodes, inState, visited, errors };
}

describe('fuzz: random segments, user calls and timeouts in every state', () => {
  const total = { steps: 0 };
  const visitedAll = new Set<TcpState>();
  for (const state of TCP_STATES) {
    test(`${state}`, (ctx) => {
      const res = runState(state);
      ctx.diagnostic(
        `${res.steps} steps in ${res.episodes} episodes, ${res.inState} of them in ${state}; visited ${[...res.visited].join(' ')}; ` +
          `TcpErrors ${JSON.stringify(Object.fromEntries(res.errors))}`,
      );
      assert.ok(res.inState >= TARGET_IN_STATE, `${state}: only ${res.inState} steps in the state (${res.episodes} episodes built)`);
      total.steps += res.steps;
      for (const s of res.visited) visitedAll.add(s);
    });
  }
  test('every state was visited during the fuzzing', () => {
    assert.deepEqual(
      TCP_STATES.filter((s) => !visitedAll.has(s)),
      [],
    );
    assert.ok(total.steps >= 11 * TARGET_IN_STATE, `${total.steps} steps`);
  });
});
