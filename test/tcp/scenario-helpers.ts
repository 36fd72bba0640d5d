/**
 * Scenario tests in the style of smoltcp: build a connection in a given state by driving a real
 * handshake (and close) against hand-made segments, feed it ONE segment, and compare what it emits
 * (in RFC notation), its new state and the events the user sees.
 *
 * Fixed numbers, so the expected segments can be worked out by hand from the RFC:
 *   our ISS = 1000, the peer's ISS (our IRS) = 5000,
 *   our receive buffer = 4096 bytes (so RCV.WND = 4096 after the handshake),
 *   the peer advertises 8192 on every segment (so MAX.SND.WND = 8192),
 *   PLAIN config: no options, ACKs not delayed.
 *
 * The sequence variables a scenario returns are written down by hand per state below and checked
 * against the TCB when the state is built; RCV.WND is what our last segment advertised on the wire
 * (that is the window the peer holds us to).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tcb } from '../../src/tcp/tcb.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import type { TcpEvent } from '../../src/tcp/events.js';
import type { Segment } from '../../src/tcp/segment.js';
import type { TcpState } from '../../src/tcp/state.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { seqAdd, TcpFlag, type TcpOptions } from '../../src/wire/index.js';
import { A_PORT, B_PORT, drain, fmt, PLAIN, seg, tcb } from './harness.js';

export const ISS = 1000;
export const IRS = 5000;
export const RCV_BUF = 4096;
export const PEER_WND = 8192;
/** When the scenario's single segment arrives (setup happens at t = 0). */
export const T = 100;

/** The states a scenario can be built in. 'SYN-RECEIVED*' is SYN-RECEIVED reached by simultaneous open. */
export type ScenarioState = TcpState | 'SYN-RECEIVED*';

export interface ScenarioOptions {
  config?: Partial<TcpConfig>;
  /** Bytes of ours sent and not yet acknowledged when the state is reached (ESTABLISHED, CLOSE-WAIT, and states after FIN). */
  inFlight?: number;
  /** Reach FIN-WAIT-* / LAST-ACK through close() (the application reads no more) rather than shutdown(). */
  closed?: boolean;
  /** ESTABLISHED etc. through a passive open (listen) rather than connect. */
  passive?: boolean;
  /** SYN-RECEIVED as a stack's child TCB (Tcb.accept), which does not return to LISTEN. */
  child?: boolean;
  /** ESTABLISHED only: fill our receive window (RCV.WND = 0) with one 4096-byte segment. */
  zeroWindow?: boolean;
  /**
   * Active open with the Timestamps option on both SYNs (RFC 7323 §3.2): the peer's TSval is
   * PEER_TSVAL on the SYN-ACK, so TS.Recent = PEER_TSVAL. Later setup segments carry it too.
   */
  timestamps?: boolean;
}

export const PEER_TSVAL = 700;

export interface Outcome {
  /** Segments emitted, in RFC notation. */
  out: string[];
  state: TcpState;
  /** The events a user acts on: 'connected', 'end', 'error:CODE', 'closed'. */
  events: string[];
}

export class Scenario {
  ISS = ISS;
  IRS = IRS;
  SND_UNA = 0;
  SND_NXT = 0;
  RCV_NXT = 0;
  RCV_WND = 0;
  MAX_SND_WND = 0;
  /** Every segment the TCB emitted while the scenario was built. */
  readonly setupLog: string[] = [];
  /** The last segment emitted during setup. */
  lastOut: Segment | undefined;
  /** Segments emitted by the last `feed`. */
  lastFed: Segment[] = [];
  /** Options the peer's setup segments carry (timestamps). */
  setupOptions: TcpOptions | undefined;

  constructor(readonly t: Tcb) {}

  /** The RFC's empty acknowledgment of the current state: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
  get ACK(): string {
    return `<SEQ=${this.SND_NXT}><ACK=${this.RCV_NXT}><CTL=ACK>`;
  }

  /** RCV.NXT + RCV.WND: the first sequence number beyond our window. */
  get RCV_END(): number {
    return seqAdd(this.RCV_NXT, this.RCV_WND);
  }

  /** Feed one segment from the peer (RFC notation; WND defaults to the peer's 8192) and report. */
  feed(text: string, o: { at?: number; options?: TcpOptions } = {}): Outcome {
    const s = peerSeg(text, o.options);
    this.t.handleSegment(s, o.at ?? T);
    this.lastFed = drain(this.t, o.at ?? T);
    return { out: this.lastFed.map(fmt), state: this.t.state, events: keyEvents(this.t) };
  }
}

/** A segment from the peer: B_PORT -> A_PORT, window PEER_WND unless the text says otherwise. */
export function peerSeg(text: string, options?: TcpOptions): Segment {
  const o: Parameters<typeof seg>[1] = { srcPort: B_PORT, dstPort: A_PORT };
  if (!/<WND=/.test(text)) o.window = PEER_WND;
  if (options) o.options = options;
  return seg(text, o);
}

/** The events a user acts on, in order, as short strings. */
export function keyEvents(t: Tcb): string[] {
  const out: string[] = [];
  for (let e: TcpEvent | undefined = t.pollEvent(); e; e = t.pollEvent()) {
    if (e.type === 'connected' || e.type === 'end' || e.type === 'closed') out.push(e.type);
    else if (e.type === 'error') out.push(`error:${e.code}`);
  }
  return out;
}

function step(c: Scenario, text: string, expected: string[], options?: TcpOptions): void {
  c.t.handleSegment(peerSeg(text, options ?? c.setupOptions), 0);
  emitted(c, expected, `after ${text}`);
}

function emitted(c: Scenario, expected: string[], what: string): void {
  const out = drain(c.t, 0);
  assert.deepEqual(out.map(fmt), expected, `setup: ${what}`);
  for (const s of out) c.setupLog.push(fmt(s));
  if (out.length) c.lastOut = out[out.length - 1];
}

function expectState(c: Scenario, state: TcpState): void {
  assert.equal(c.t.state, state, 'setup: state');
}

/**
 * A TCB in `state`, reached through real segments. Setup runs at t = 0; feed the scenario's segment
 * at T (100 ms). Events from setup are discarded.
 */
export function inState(state: ScenarioState, opts: ScenarioOptions = {}): Scenario {
  const config: Partial<TcpConfig> = { ...PLAIN, receiveBufferSize: RCV_BUF, ...(opts.timestamps ? { timestamps: true } : {}), ...opts.config };
  const inFlight = opts.inFlight ?? 0;
  let c: Scenario;

  if (state === 'CLOSED') {
    c = new Scenario(tcb({ iss: ISS, config }));
  } else if (state === 'LISTEN') {
    c = new Scenario(tcb({ iss: ISS, config, remotePort: 0 }));
    c.t.listen(0);
  } else if (state === 'SYN-SENT') {
    c = new Scenario(tcb({ iss: ISS, config }));
    c.t.connect(0);
    emitted(c, ['<SEQ=1000><CTL=SYN>'], 'connect');
    c.SND_UNA = ISS; // §3.10.1 OPEN: SND.UNA = ISS, SND.NXT = ISS + 1 once the SYN is out
    c.SND_NXT = ISS + 1;
  } else if (state === 'SYN-RECEIVED' || state === 'SYN-RECEIVED*') {
    if (state === 'SYN-RECEIVED') {
      if (opts.child) {
        const t = Tcb.accept({ localPort: A_PORT, iss: ISS, config, random: new SeededRandom(1) }, peerSeg('<SEQ=5000><CTL=SYN>'), 0);
        c = new Scenario(t);
      } else {
        c = new Scenario(tcb({ iss: ISS, config, remotePort: 0 }));
        c.t.listen(0);
        c.t.handleSegment(peerSeg('<SEQ=5000><CTL=SYN>'), 0);
      }
    } else {
      // Figure 7: our SYN crosses the peer's SYN.
      c = new Scenario(tcb({ iss: ISS, config }));
      c.t.connect(0);
      emitted(c, ['<SEQ=1000><CTL=SYN>'], 'connect');
      c.t.handleSegment(peerSeg('<SEQ=5000><CTL=SYN>'), 0);
    }
    // §3.10.7.2 / §3.10.7.3: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
    emitted(c, ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>'], 'SYN-ACK');
    expectState(c, 'SYN-RECEIVED');
    c.SND_UNA = ISS;
    c.SND_NXT = ISS + 1;
    c.RCV_NXT = IRS + 1;
    c.MAX_SND_WND = PEER_WND;
  } else {
    // Every synchronized state starts from ESTABLISHED.
    if (opts.passive) {
      c = new Scenario(tcb({ iss: ISS, config, remotePort: 0 }));
      c.t.listen(0);
      step(c, '<SEQ=5000><CTL=SYN>', ['<SEQ=1000><ACK=5001><CTL=SYN,ACK>']);
      step(c, '<SEQ=5001><ACK=1001><CTL=ACK>', []);
    } else {
      c = new Scenario(tcb({ iss: ISS, config }));
      c.t.connect(0);
      emitted(c, ['<SEQ=1000><CTL=SYN>'], 'connect');
      if (opts.timestamps) {
        const ours = c.lastOut?.options.timestamp;
        assert.ok(ours, 'setup: our SYN offers timestamps');
        c.setupOptions = { timestamp: { value: PEER_TSVAL, echo: ours.value } };
      }
      step(c, '<SEQ=5000><ACK=1001><CTL=SYN,ACK>', ['<SEQ=1001><ACK=5001><CTL=ACK>']);
      if (opts.timestamps) assert.equal(c.t.tsRecent, PEER_TSVAL, 'setup: TS.Recent');
    }
    expectState(c, 'ESTABLISHED');
    c.SND_UNA = ISS + 1;
    c.SND_NXT = ISS + 1;
    c.RCV_NXT = IRS + 1;
    c.MAX_SND_WND = PEER_WND;
    if (inFlight > 0) {
      assert.equal(c.t.send(new Uint8Array(inFlight).fill(0x61), 0), inFlight);
      emitted(c, [`<SEQ=1001><ACK=5001><CTL=PSH,ACK><DATA=${inFlight}>`], 'send');
      c.SND_NXT += inFlight;
    }
    if (opts.zeroWindow) {
      assert.equal(state, 'ESTABLISHED', 'zeroWindow is for ESTABLISHED');
      step(c, `<SEQ=5001><ACK=${c.SND_UNA}><CTL=ACK><DATA=${RCV_BUF}>`, [`<SEQ=${c.SND_NXT}><ACK=${5001 + RCV_BUF}><CTL=ACK>`]);
      c.RCV_NXT += RCV_BUF;
      assert.equal(c.lastOut?.window, 0, 'setup: the window is full');
    }
    const close = (): void => (opts.closed ? c.t.close(0) : c.t.shutdown(0));
    const fin = (): string => `<SEQ=${c.SND_NXT}><ACK=${c.RCV_NXT}><CTL=FIN,ACK>`;
    switch (state) {
      case 'ESTABLISHED':
        break;
      case 'FIN-WAIT-1':
      case 'FIN-WAIT-2':
      case 'CLOSING':
      case 'TIME-WAIT':
        close();
        emitted(c, [fin()], 'close');
        c.SND_NXT += 1;
        if (state === 'FIN-WAIT-1') break;
        if (state === 'CLOSING') {
          // Figure 13: the peer's FIN crosses ours (it does not acknowledge our FIN).
          step(c, `<SEQ=5001><ACK=${c.SND_UNA}><CTL=FIN,ACK>`, [`<SEQ=${c.SND_NXT}><ACK=5002><CTL=ACK>`]);
          c.RCV_NXT += 1;
          break;
        }
        step(c, `<SEQ=5001><ACK=${c.SND_NXT}><CTL=ACK>`, []);
        c.SND_UNA = c.SND_NXT;
        if (state === 'FIN-WAIT-2') break;
        step(c, `<SEQ=5001><ACK=${c.SND_NXT}><CTL=FIN,ACK>`, [`<SEQ=${c.SND_NXT}><ACK=5002><CTL=ACK>`]);
        c.RCV_NXT += 1;
        break;
      case 'CLOSE-WAIT':
      case 'LAST-ACK':
        step(c, `<SEQ=5001><ACK=${c.SND_UNA}><CTL=FIN,ACK>`, [`<SEQ=${c.SND_NXT}><ACK=5002><CTL=ACK>`]);
        c.RCV_NXT += 1;
        if (state === 'CLOSE-WAIT') break;
        close();
        emitted(c, [fin()], 'close');
        c.SND_NXT += 1;
        break;
      default:
        throw new Error(`no scenario for ${state}`);
    }
  }

  const want = state === 'SYN-RECEIVED*' ? 'SYN-RECEIVED' : state;
  expectState(c, want);
  if (state !== 'CLOSED' && state !== 'LISTEN') {
    assert.equal(c.t.sndUna, c.SND_UNA, 'setup: SND.UNA');
    assert.equal(c.t.sndNxt, c.SND_NXT, 'setup: SND.NXT');
  }
  if (state !== 'CLOSED' && state !== 'LISTEN' && state !== 'SYN-SENT') {
    assert.equal(c.t.rcvNxt, c.RCV_NXT, 'setup: RCV.NXT');
    assert.equal(c.t.maxSndWnd, c.MAX_SND_WND, 'setup: MAX.SND.WND');
    // RCV.WND: what our last segment advertised (PLAIN: no window scaling).
    assert.ok(c.lastOut && c.lastOut.flags & TcpFlag.ACK);
    c.RCV_WND = c.lastOut.window;
    // §3.10.7.4 seventh step: "The total of RCV.NXT and RCV.WND should not be reduced": the right
    // edge stays where the handshake put it, RCV.NXT(5001) + 4096.
    if (!opts.zeroWindow) assert.equal(c.RCV_END, 5001 + RCV_BUF, 'setup: right edge of the receive window');
  }
  keyEvents(c.t);
  return c;
}

/** A sequence number n before/after x, modulo 2^32. */
export function s(x: number, n = 0): number {
  return seqAdd(x, n);
}

/** All RST variants a peer might send into a connection: exact, in window, outside, with and without ACK. */
export function rstVariants(c: Scenario): string[] {
  const seqs = c.RCV_NXT === 0 ? [IRS, IRS + 1, 0] : [c.RCV_NXT, s(c.RCV_NXT, 1), s(c.RCV_END, -1), c.RCV_END, s(c.RCV_NXT, -1), s(c.RCV_NXT, 0x40000000)];
  const acks = [c.SND_UNA, c.SND_NXT, s(c.SND_NXT, 1), s(c.SND_UNA, -1), s(c.SND_UNA, -PEER_WND - 1), 0];
  const out: string[] = [];
  for (const q of seqs) {
    out.push(`<SEQ=${q}><CTL=RST>`);
    out.push(`<SEQ=${q}><CTL=RST><DATA=3>`);
    out.push(`<SEQ=${q}><CTL=SYN,RST>`);
    out.push(`<SEQ=${q}><CTL=FIN,RST>`);
    for (const a of acks) out.push(`<SEQ=${q}><ACK=${a}><CTL=RST>`);
  }
  return out;
}

/**
 * §3.5.2 / §3.10.7: a RST is never sent in answer to a RST, whatever the state and whatever the
 * RST's sequence and acknowledgment numbers.
 */
export function assertNeverRstForRst(state: ScenarioState, opts: ScenarioOptions = {}): void {
  for (const cfg of [{}, { rfc5961: false }]) {
    const probe = inState(state, { ...opts, config: { ...opts.config, ...cfg } });
    for (const text of rstVariants(probe)) {
      const c = inState(state, { ...opts, config: { ...opts.config, ...cfg } });
      const r = c.feed(text);
      assert.ok(!c.lastFed.some((x) => x.flags & TcpFlag.RST), `${state} ${JSON.stringify(cfg)}: ${text} answered with ${r.out.join(' ')}`);
    }
  }
}

/**
 * The edges of §3.10.7.4's acceptability test (Table 6) and of RFC 5961 §5.2's ACK range, for a
 * synchronized state after ESTABLISHED, with segments that leave the state as it is:
 *   an empty ACK (SEG.ACK = SND.UNA) at RCV.NXT and RCV.NXT + RCV.WND - 1 is acceptable and needs no
 *   answer; at RCV.NXT - 1 and RCV.NXT + RCV.WND it is not: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>;
 *   SEG.ACK = SND.UNA - 1 and SND.UNA - MAX.SND.WND are old duplicates inside the range, ignored;
 *   SEG.ACK = SND.UNA - MAX.SND.WND - 1 and SND.NXT + 1 are outside it: "discarded and an ACK sent back".
 */
export function edgeTests(state: TcpState, opts: ScenarioOptions = {}): void {
  const cases: Array<[string, (c: Scenario) => string, (c: Scenario) => string[]]> = [
    ['empty ACK at RCV.NXT: acceptable, nothing to answer', (c) => `<SEQ=${c.RCV_NXT}><ACK=${c.SND_UNA}><CTL=ACK>`, () => []],
    ['empty ACK at RCV.NXT - 1: not acceptable: ACK', (c) => `<SEQ=${s(c.RCV_NXT, -1)}><ACK=${c.SND_UNA}><CTL=ACK>`, (c) => [c.ACK]],
    // TIME-WAIT acknowledges whatever arrives that is not the peer's last ACK again (§3.10.7.4).
    ['empty ACK at RCV.NXT + RCV.WND - 1: acceptable, nothing to answer (in TIME-WAIT: an ACK)', (c) => `<SEQ=${s(c.RCV_END, -1)}><ACK=${c.SND_UNA}><CTL=ACK>`, (c) => (state === 'TIME-WAIT' ? [c.ACK] : [])],
    ['empty ACK at RCV.NXT + RCV.WND: not acceptable: ACK', (c) => `<SEQ=${c.RCV_END}><ACK=${c.SND_UNA}><CTL=ACK>`, (c) => [c.ACK]],
    ['SEG.ACK = SND.UNA - 1: old duplicate, ignored', (c) => `<SEQ=${c.RCV_NXT}><ACK=${s(c.SND_UNA, -1)}><CTL=ACK>`, () => []],
    ['SEG.ACK = SND.UNA - MAX.SND.WND: lowest acceptable, ignored', (c) => `<SEQ=${c.RCV_NXT}><ACK=${s(c.SND_UNA, -c.MAX_SND_WND)}><CTL=ACK>`, () => []],
    ['SEG.ACK = SND.UNA - MAX.SND.WND - 1: challenge ACK', (c) => `<SEQ=${c.RCV_NXT}><ACK=${s(c.SND_UNA, -c.MAX_SND_WND - 1)}><CTL=ACK>`, (c) => [c.ACK]],
    ['SEG.ACK = SND.NXT + 1: challenge ACK', (c) => `<SEQ=${c.RCV_NXT}><ACK=${s(c.SND_NXT, 1)}><CTL=ACK>`, (c) => [c.ACK]],
  ];
  describe('window and ACK-range edges', () => {
    for (const [name, segment, expected] of cases) {
      test(name, () => {
        const c = inState(state, opts);
        const before = [c.t.sndUna, c.t.rcvNxt];
        assert.deepEqual(c.feed(segment(c)), { out: expected(c), state, events: [] });
        assert.deepEqual([c.t.sndUna, c.t.rcvNxt], before);
      });
    }
  });
}
