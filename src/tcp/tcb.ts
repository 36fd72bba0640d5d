/**
 * One TCP connection: the Transmission Control Block and RFC 9293's state machine, sans-I/O.
 *
 * Input is pushed in (`handleSegment`, `handleTimeout`, and the user calls `connect`, `send`,
 * `read`, `shutdown`, `close`, `abort`); output is pulled out (`pollTransmit`, `pollTimeout`,
 * `pollEvent`). Time is the `now` argument, in milliseconds from any origin; nothing here reads a
 * clock, arms a timer or draws unseeded randomness.
 *
 * Sequence numbers are compared only through wire/seq.ts (serial arithmetic modulo 2^32).
 *
 * This file holds the control block and the user calls (RFC 9293 §3.10.1 to §3.10.6); the rest of
 * the connection is module functions over the same object, one file a direction, as Linux splits
 * tcp_input.c, tcp_output.c and tcp_timer.c: segment arrival in input.ts (§3.10.7), loss recovery in
 * recovery.ts, timers in timers.ts, what is sent in output.ts, the receive window in window.ts, the
 * acceptance tests shared with TIME-WAIT in acceptance.ts. State an idle connection does not use is
 * grouped by concern in tcb-state.ts.
 */
import { seqAdd, seqDiff, seqGt } from '../wire/index.js';
import { ReceiveSpaceTuner } from './autotune.js';
import { createCongestionController } from './cc-factory.js';
import type { ChallengeAckBudget, ChallengeAckLimiter } from './challenge-ack.js';
import { type TcpConfig, defaultSendMss, isSharedConfig, mssForMtu, offeredWindowScale, resolveConfig } from './config.js';
import { INITIAL_WINDOW_SEGMENTS, SettledCongestion, type CongestionController } from './congestion.js';
import { CLOSED_EVENT, WRITABLE_EVENT, stateEvent, type TcpErrorCode, type TcpEvent } from './events.js';
import { releaseDeferredSyn } from './fast-open.js';
import { icmpErrorArrives, negotiate, segmentArrives } from './input.js';
import { probeMssCap, routeMtuChanged, takeRouteMtu } from './mtu-probe.js';
import { queueRst, queueRstAck, transmit } from './output.js';
import { Prr } from './prr.js';
import { Rack } from './rack.js';
import { CryptoRandom, type RandomSource } from './random.js';
import { ReceiveBuffer } from './receive-buffer.js';
import { pipe } from './recovery.js';
import { RttEstimator } from './rtt.js';
import { SackScoreboard } from './scoreboard.js';
import type { Segment } from './segment.js';
import { SendBuffer } from './send-buffer.js';
import { RecordBoundaries } from './records.js';
import { NO_RECEIVE_BUFFER, NO_SEND_BUFFER, keepSpareReceiveBuffer, keepSpareSendBuffer, takeSpareReceiveBuffer, takeSpareSendBuffer } from './spare-buffers.js';
import { type TcpState, isSynchronized } from './state.js';
import { unitsTake } from './write-units.js';
import { TcpStats } from './stats.js';
import { CLOSING_IDLE, CloseState, ECN_IDLE, EcnState, PROBES_IDLE, ProbeState, RARE_IDLE, RECOVERY_IDLE, RecoveryState, TcbInfo, TcbRare } from './tcb-state.js';
import { Timer, allTimersOff, armTimers, nextDeadline, setTimer, startTimer, stopTimer, timeoutExpires, timerAt } from './timers.js';
import { type TcbTraceSink, TcbTracer } from './trace.js';
import { freeReceiveSpace, receiveWindow, windowToAdvertise } from './window.js';

/** What a TCB handed to a TIME-WAIT record (time-wait.ts) reads of it: the 2*MSL deadline. */
export interface TimeWaitDeadline {
  readonly expiresAt: number;
}

/** Misuse of the API that the user can act on (sending after shutdown, connecting twice). */
export class TcpError extends Error {
  override name = 'TcpError';
  constructor(
    readonly code: TcpErrorCode | 'EISCONN' | 'EINVAL' | 'EADDRINUSE' | 'EADDRNOTAVAIL' | 'ENOBUFS',
    message: string,
  ) {
    super(message);
  }
}

export interface TcbOptions {
  localPort: number;
  /** The peer's port; for a LISTEN TCB it is learnt from the SYN. */
  remotePort?: number;
  /** Selects the default MSS (RFC 9293 §3.7.1) and the header sizes. */
  ipVersion?: 4 | 6;
  /** The initial send sequence number, or a function of the time that chooses one (RFC 6528: see IsnGenerator). */
  iss: number | ((now: number) => number);
  config?: Partial<TcpConfig>;
  /** For the timestamp clock's random offset (RFC 7323 §5.4). Default: the platform's crypto generator. */
  random?: RandomSource;
  /**
   * The offset of our timestamp clock (RFC 7323 §5.4). A stack passes a keyed hash of the 4-tuple, so a
   * new connection on the same 4-tuple continues the old one's clock (which RFC 6191's TIME-WAIT reuse
   * relies on); default: random.
   */
  tsOffset?: number;
  /** Shared with the stack; a TCB on its own gets its own. */
  stats?: TcpStats;
  /** The stack's host-wide challenge-ACK bound (`challengeAckGlobalLimit`), if it has one. */
  challengeAckBudget?: ChallengeAckBudget;
  /**
   * Congestion control (the window arithmetic only; loss detection and recovery are the TCB's).
   * Default NewReno (RFC 5681).
   */
  congestion?: (mss: number) => CongestionController;
  /** Trace hooks (trace.ts): timers, cwnd and discarded segments as they happen. Default none. */
  trace?: TcbTraceSink;
}

/** What a SYN cookie and its timestamp carried back (see `Tcb.fromCookie`). */
export interface CookieFields {
  /** The client's ISN: the ACK's SEG.SEQ - 1. */
  irs: number;
  /** Ours, the cookie: the ACK's SEG.ACK - 1. */
  iss: number;
  /** The MSS the cookie granted. */
  mss: number;
  /** The client's window scale shift, or undefined (none offered, or no timestamps to carry it). */
  wscale: number | undefined;
  sackPermitted: boolean;
  ecn: boolean;
}

// Bits of Tcb.flagBits.
const FLAG_WINDOW_SCALING = 1 << 0;
const FLAG_TIMESTAMPS = 1 << 1;
const FLAG_SACK_PERMITTED = 1 << 2;
const FLAG_ECN_ENABLED = 1 << 3;
const FLAG_OPENED = 1 << 4;
const FLAG_PASSIVE = 1 << 5;
const FLAG_BARE_ACK = 1 << 6;
const FLAG_ACK_NOW = 1 << 7;
const FLAG_SYN_NEEDED = 1 << 8;
const FLAG_ONLY_RETRANSMITTED = 1 << 9;
const FLAG_PINGPONG = 1 << 10;
const FLAG_ECN_SEEN = 1 << 11;

/** Tcb.segCounts: each count's bits, and its largest value. */
const SEG_COUNT_BITS = 15;
const SEG_COUNT_MAX = (1 << SEG_COUNT_BITS) - 1;

/** TSopt with its two NOPs, as every segment after the handshake carries it. */
const TS_OPTION_BYTES = 12;

export class Tcb {
  state: TcpState = 'CLOSED';
  /**
   * The connection's settings, to read. A TCB of a stack reads the stack's shared config (shareConfig,
   * frozen) until something changes a setting for this connection alone: writers go through
   * ownConfig(), which gives it a view of its own first. So a connection whose settings nobody changes
   * makes no config object (and keeps none through TIME-WAIT).
   */
  readonly config: Readonly<TcpConfig>;
  readonly stats: TcpStats;
  readonly localPort: number;
  remotePort: number;
  readonly ipVersion: 4 | 6;

  // Sequence numbers and other 32-bit values are held as signed 32-bit integers, which V8 keeps in
  // the object itself (a value of 2^31 or more would be a separate boxed number, 16 bytes each per
  // connection), and read back unsigned through accessors under the RFC names.

  // RFC 9293 §3.3.1, send sequence variables.
  get iss(): number {
    return this.iss32 >>> 0;
  }
  set iss(v: number) {
    this.iss32 = v | 0;
  }

  get sndUna(): number {
    return this.sndUna32 >>> 0;
  }
  set sndUna(v: number) {
    this.sndUna32 = v | 0;
  }

  get sndNxt(): number {
    return this.sndNxt32 >>> 0;
  }
  set sndNxt(v: number) {
    this.sndNxt32 = v | 0;
  }

  sndWnd = 0;

  get sndWl1(): number {
    return this.sndWl132 >>> 0;
  }
  set sndWl1(v: number) {
    this.sndWl132 = v | 0;
  }

  get sndWl2(): number {
    return this.sndWl232 >>> 0;
  }
  set sndWl2(v: number) {
    this.sndWl232 = v | 0;
  }

  /** One past the highest sequence number sent (BSD's snd_max): SND.NXT goes back for a retransmission, this does not. */
  get sndMax(): number {
    return this.sndMax32 >>> 0;
  }
  set sndMax(v: number) {
    this.sndMax32 = v | 0;
  }

  /** The largest window the peer has offered (RFC 5961 §5.2 MAX.SND.WND). */
  maxSndWnd = 0;

  // Receive sequence variables.
  get irs(): number {
    return this.irs32 >>> 0;
  }
  set irs(v: number) {
    this.irs32 = v | 0;
  }

  get rcvNxt(): number {
    return this.rcvNxt32 >>> 0;
  }
  set rcvNxt(v: number) {
    this.rcvNxt32 = v | 0;
  }

  /** The right edge of the window we last advertised: RCV.NXT + RCV.WND. Never moves left (§3.8.6.2.2). */
  get rcvAdv(): number {
    return this.rcvAdv32 >>> 0;
  }
  set rcvAdv(v: number) {
    this.rcvAdv32 = v | 0;
  }

  // Negotiated on the SYNs.
  /** The MSS option value we send. */
  readonly advertisedMss: number;
  /** The peer's MSS option (or the RFC default); data per segment is this less our option bytes (RFC 6691). */
  peerMss: number;
  /** Path MTU toward the peer: the configured MTU, lowered by ICMP packet-too-big (RFC 1191, RFC 8201). */
  pathMtu: number;
  /** Shift for windows the peer sends (its WS option), and for windows we send (ours): RFC 7323 §2. */
  sndShift = 0;
  rcvShift = 0;
  /** `receiveWindowGrowth` 'ramp': the most the window may offer (Linux's rcv_ssthresh); 0 until first used. */
  rcvSsthresh = 0;
  readonly offeredShift: number;

  get tsRecent(): number {
    return this.tsRecent32 >>> 0;
  }
  set tsRecent(v: number) {
    this.tsRecent32 = v | 0;
  }

  tsRecentTime = 0;
  /**
   * When our SYN (or, not retransmitted, our SYN-ACK) went, for the handshake's RTT sample; 0 after
   * the handshake. A field of its own, not in the TcbRare: every connection's handshake uses it.
   */
  synSentAt = 0;

  get lastAckSent(): number {
    return this.lastAckSent32 >>> 0;
  }
  set lastAckSent(v: number) {
    this.lastAckSent32 = v | 0;
  }

  /** Our timestamp clock's offset (RFC 7323 §5.4), as a signed 32-bit integer. */
  readonly tsOffset32: number;
  /** Whether connect() or listen() has been called (a TCB cannot be opened twice). */
  get wasOpened(): boolean {
    return this.opened;
  }

  /** The ISS, or the function of the time that chooses it (no closure per connection for a number). */
  readonly issSource: number | ((now: number) => number);
  /**
   * The buffers exist only while they hold data: an empty one is a shared empty buffer that is never
   * written (writers go through sendBufferToFill and receiveBufferToFill), and is dropped when it empties.
   */
  get sendBuffer(): SendBuffer {
    return this.sndBuf ?? NO_SEND_BUFFER;
  }

  get receiveBuffer(): ReceiveBuffer {
    return this.rcvBuf ?? NO_RECEIVE_BUFFER;
  }

  sndBuf: SendBuffer | undefined;
  rcvBuf: ReceiveBuffer | undefined;
  /**
   * The send buffer's size as auto-tuning grew it (input.ts, Linux's tcp_sndbuf_expand), or 0 while
   * it has not: a field of the TCB, so growing it changes no setting (the connection keeps reading
   * the stack's shared config, see `config`).
   */
  sndBufGrown = 0;

  sendBufferToFill(): SendBuffer {
    return (this.sndBuf ??= takeSpareSendBuffer(this.initialSendBufferSize()));
  }

  /**
   * The send buffer's size before auto-tuning has grown it: `sendBufferSize`, or with auto-tuning
   * at least room for the initial window twice over (Linux's tcp_init_buffer_space, via
   * tcp_sndbuf_expand), so a first write is not held to a small configured size. Worked out when
   * asked, so an idle connection keeps nothing for it.
   */
  private initialSendBufferSize(): number {
    const c = this.config;
    const size = Math.max(c.sendBufferSize, this.sndBufGrown);
    if (!c.bufferAutoTuning || !isSynchronized(this.state)) return size;
    return Math.max(size, Math.min(c.sendBufferMax, 2 * INITIAL_WINDOW_SEGMENTS * this.sendMss));
  }

  receiveBufferToFill(): ReceiveBuffer {
    return (this.rcvBuf ??= takeSpareReceiveBuffer());
  }

  /**
   * The receive buffer's size: `receiveBufferSize`, rounded up to a multiple of the MSS once the MSS
   * is known when `receiveWindowFromBuffer` is on (FreeBSD's tcp_mss()).
   */
  get receiveBufferSize(): number {
    return this.rcvBufSize;
  }

  rcvBufSize: number;
  /** Receive-buffer auto-tuning's state, made with the first in-order data (`bufferAutoTuning`). */
  rcvTuner: ReceiveSpaceTuner | undefined;
  /** In-order data segments still to be acknowledged at once (`quickAckSegments`). */
  quickAcksLeft = 0;
  /** When the peer's last segment arrived. */
  lastHeardAt = 0;
  /** `writeAccounting` 'units': where the unit a write is filling begins (write-units.ts). */
  writeUnitStart: number | undefined = undefined;
  /** `ackTimeout` 'ato': when the peer's last in-order data arrived (Linux's lrcvtime), whole ms. */
  lastDataAt = 0;
  /** `ackTimeout` 'ato': the estimated gap between the peer's data segments, ms; 0 before the first. */
  ato = 0;
  readonly rtt: RttEstimator;
  /** Made on first use (the first data sent or acknowledged): an idle connection holds none. */
  cc: CongestionController | undefined;

  get congestion(): CongestionController {
    return (this.cc ??= this.makeController());
  }

  private makeController(): CongestionController {
    // BBR's rate samples come with RACK's per-segment records, which only a SACK connection keeps.
    const name = this.config.congestionControl === 'bbr' && !this.sackPermitted ? 'cubic' : this.config.congestionControl;
    // The ISS seeds a controller's own randomness (BBR's probing times): seeded runs stay reproducible.
    const cc = createCongestionController(name, this.sendMss, this.config, { seed: this.iss, srttMs: this.rtt.srtt });
    if (cc.rates !== undefined) this.rackState?.attachRate(cc.rates);
    return cc;
  }

  /** Consecutive retransmission timeouts without progress. */
  retransmits = 0;
  /** Consecutive RFC 5681 §2 duplicate ACKs of SND.UNA (reset by an ACK of new data or a timeout). */
  dupAckCount = 0;

  // Loss recovery (RFC 6675, RFC 8985, RFC 6582, RFC 6937).
  /** The peer's SACK blocks (RFC 2018, RFC 6675 §3's scoreboard). */
  get sacks(): SackScoreboard {
    return (this.sacksState ??= new SackScoreboard());
  }

  /** RACK (RFC 8985): per-segment send times, time-based loss detection. Used when SACK is negotiated. */
  get rack(): Rack {
    if (this.rackState === undefined) {
      this.rackState = new Rack();
      const rates = this.cc?.rates;
      if (rates !== undefined) this.rackState.attachRate(rates);
    }
    return this.rackState;
  }

  get prr(): Prr {
    return (this.prrState ??= new Prr());
  }

  /** Made on first use (data sent, a SACK, a loss): an idle connection holds none of them. */
  sacksState: SackScoreboard | undefined;
  rackState: Rack | undefined;
  prrState: Prr | undefined;
  /** Smallest RTT sample (ms), for RACK and the controller. */
  minRtt: number | undefined;
  /** The last RTT sample this ACK gave, for the AckSample. */
  lastRttSample: number | undefined;
  unackedSegments = 0;
  /**
   * The largest IP packet the device below takes for segmentation offload (Linux's gso_max_size; the
   * stack sets it from its own option): new data may then leave as one segment of several full-sized
   * ones (Segment.gsoSize), cut to wire segments by the device. 0 (the default): every segment is a
   * wire segment.
   */
  gsoMaxSize = 0;
  /** Events not yet polled: undefined when none, one event alone, or an array from the second on. */
  events: TcpEvent | TcpEvent[] | undefined;
  eventHead = 0;
  /** This connection's challenge-ACK limit (RFC 5961 §7), made at its first challenge ACK. */
  challengeAcks: ChallengeAckLimiter | undefined;
  readonly challengeAckBudget: ChallengeAckBudget | undefined;
  /** When this connection last entered its current state (for listings). */
  stateSince = 0;

  // State grouped by concern (tcb-state.ts), each made on first use and dropped when idle again:
  // read through the getter (the shared defaults while the connection holds none), written through
  // own*(), which makes it.
  recoveryState: RecoveryState | undefined;
  ecnState: EcnState | undefined;
  probeState: ProbeState | undefined;
  closeState: CloseState | undefined;
  rareState: TcbRare | undefined;
  /** Per-connection statistics for tcp_info, made with the first data sent or received (never released). */
  infoState: TcbInfo | undefined;
  /**
   * Segments received and sent before the TcbInfo exists (a handshake's few), packed into one small
   * integer: received in the low 15 bits, sent in the next 15. ownInfo moves them into the TcbInfo.
   */
  segCounts = 0;
  /** The timer table (timers.ts: deadlines indexed by Timer), made when a timer first runs. */
  deadlines: number[] | undefined;

  get recovery(): Readonly<RecoveryState> {
    return this.recoveryState ?? RECOVERY_IDLE;
  }
  ownRecovery(): RecoveryState {
    return (this.recoveryState ??= new RecoveryState());
  }
  get ecn(): Readonly<EcnState> {
    return this.ecnState ?? ECN_IDLE;
  }
  ownEcn(): EcnState {
    return (this.ecnState ??= new EcnState());
  }
  get probes(): Readonly<ProbeState> {
    return this.probeState ?? PROBES_IDLE;
  }
  ownProbes(): ProbeState {
    return (this.probeState ??= new ProbeState());
  }
  get closing(): Readonly<CloseState> {
    return this.closeState ?? CLOSING_IDLE;
  }
  ownClosing(): CloseState {
    return (this.closeState ??= new CloseState());
  }
  get rare(): Readonly<TcbRare> {
    return this.rareState ?? RARE_IDLE;
  }
  ownRare(): TcbRare {
    return (this.rareState ??= new TcbRare());
  }

  /** The connection's statistics (tcp_info), or undefined before any data moved. */
  get info(): Readonly<TcbInfo> | undefined {
    return this.infoState;
  }
  ownInfo(now: number): TcbInfo {
    let info = this.infoState;
    if (info === undefined) {
      info = this.infoState = new TcbInfo(now, this.state === 'ESTABLISHED' ? this.stateSince : now, this.initialRcvMss());
      info.segsIn = this.segCounts & SEG_COUNT_MAX;
      info.segsOut = this.segCounts >>> SEG_COUNT_BITS;
      this.segCounts = 0;
    }
    return info;
  }

  /** Segments received so far (tcp_info's segs_in). */
  get segsIn(): number {
    return this.infoState?.segsIn ?? this.segCounts & SEG_COUNT_MAX;
  }

  /** Segments sent so far (segs_out). */
  get segsOut(): number {
    return this.infoState?.segsOut ?? this.segCounts >>> SEG_COUNT_BITS;
  }

  /** A segment arrived for this connection. */
  countSegmentIn(now: number): void {
    const info = this.infoState;
    if (info !== undefined) info.segsIn++;
    else if ((this.segCounts & SEG_COUNT_MAX) === SEG_COUNT_MAX) this.ownInfo(now).segsIn++;
    else this.segCounts++;
  }

  /** A segment went out from this connection. */
  countSegmentOut(now: number): void {
    const info = this.infoState;
    if (info !== undefined) info.segsOut++;
    else if (this.segCounts >>> SEG_COUNT_BITS === SEG_COUNT_MAX) this.ownInfo(now).segsOut++;
    else this.segCounts += 1 << SEG_COUNT_BITS;
  }

  /**
   * The size of the peer's segments before any arrived: the MSS we advertised less our option
   * bytes, no more than half the first window, nor than RFC 9293's default 536 (Linux's
   * tcp_initialize_rcv_mss), nor below 88 (TCP_MIN_MSS).
   */
  initialRcvMss(): number {
    const advmss = this.advertisedMss - (this.timestamps ? TS_OPTION_BYTES : 0);
    return Math.max(88, Math.min(advmss, this.sendMss, Math.floor(this.rcvBufSize / 2), 536));
  }

  /**
   * A stack has given this connection's TIME-WAIT to a compact record (time-wait.ts), which answers
   * the peer from now on: the TCB stays only as the application's view of the connection (its state,
   * counters and tcp_info, bytes not yet read) until the record ends at 2*MSL. What only sending and
   * receiving use goes: the SACK scoreboard, PRR, RACK (unless it saw reordering, which tcp_info
   * reports), an emptied send buffer and the groups back at their defaults; the receive-space tuner
   * (only receiving grows the buffer); and the congestion controller's own state, of which only the
   * name, cwnd and ssthresh stay (SettledCongestion). Given the record that answers for it, the timer
   * table goes too: the record keeps the 2*MSL deadline (and moves it when the peer's FIN comes
   * again), and timerAt(Timer.Close) tells the record's.
   */
  releaseForTimeWait(record?: TimeWaitDeadline): void {
    if (record !== undefined) {
      this.timeWaitRecord = record;
      this.deadlines = undefined;
    }
    this.sacksState = undefined;
    this.prrState = undefined;
    this.rcvTuner = undefined;
    if (this.cc !== undefined && !(this.cc instanceof SettledCongestion)) this.cc = new SettledCongestion(this.cc);
    if (this.rackState?.reorderDistance === 0) this.rackState = undefined;
    const sb = this.sndBuf;
    if (sb !== undefined && sb.length === 0) {
      keepSpareSendBuffer(sb);
      this.sndBuf = undefined;
    }
    this.releaseIdleState();
  }

  /** Drop each group that is all back to its defaults, and the timer table when no timer runs. */
  releaseIdleState(): void {
    if (this.recoveryState?.isIdle()) this.recoveryState = undefined;
    if (this.ecnState?.isIdle()) this.ecnState = undefined;
    if (this.probeState?.isIdle()) this.probeState = undefined;
    if (this.closeState?.isIdle()) this.closeState = undefined;
    if (this.rareState?.isIdle()) this.rareState = undefined;
    if (this.deadlines !== undefined && allTimersOff(this.deadlines)) this.deadlines = undefined;
  }

  /** A timer's deadline (timers.ts), or undefined when it is off. */
  timerAt(t: Timer): number | undefined {
    if (t === Timer.Close && this.timeWaitRecord !== undefined) return this.timeWaitRecord.expiresAt;
    return timerAt(this, t);
  }

  /**
   * The compact TIME-WAIT record that answers for this TCB after the hand-off (releaseForTimeWait),
   * until it ends: its deadline is this TCB's 2*MSL timer.
   */
  timeWaitRecord: TimeWaitDeadline | undefined = undefined;

  /** Trace hooks (trace.ts), held in the TcbRare: undefined unless a sink was given. */
  get tracer(): TcbTracer | undefined {
    return this.rareState?.tracer;
  }

  /** Attach or detach a trace sink (a stack attaches one per connection when tracing). */
  setTrace(sink: TcbTraceSink | undefined): void {
    if (sink !== undefined) this.ownRare().tracer = new TcbTracer(sink);
    else if (this.rareState !== undefined) {
      this.rareState.tracer = undefined;
      this.releaseIdleState();
    }
  }

  // Boolean state, one bit each in flagBits (a field per boolean costs 8 bytes per connection).
  get windowScaling(): boolean {
    return (this.flagBits & FLAG_WINDOW_SCALING) !== 0;
  }
  set windowScaling(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_WINDOW_SCALING : this.flagBits & ~FLAG_WINDOW_SCALING;
  }

  get timestamps(): boolean {
    return (this.flagBits & FLAG_TIMESTAMPS) !== 0;
  }
  set timestamps(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_TIMESTAMPS : this.flagBits & ~FLAG_TIMESTAMPS;
  }

  get sackPermitted(): boolean {
    return (this.flagBits & FLAG_SACK_PERMITTED) !== 0;
  }
  set sackPermitted(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_SACK_PERMITTED : this.flagBits & ~FLAG_SACK_PERMITTED;
  }

  /** ECN is in use on this connection (RFC 3168 §6.1.1): both SYNs agreed to it. */
  get ecnEnabled(): boolean {
    return (this.flagBits & FLAG_ECN_ENABLED) !== 0;
  }
  set ecnEnabled(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_ECN_ENABLED : this.flagBits & ~FLAG_ECN_ENABLED;
  }

  /** An ECN-capable or CE-marked segment arrived on this ECN connection (Linux's TCP_ECN_SEEN, tcp_info's TCPI_OPT_ECN_SEEN). */
  get ecnSeen(): boolean {
    return (this.flagBits & FLAG_ECN_SEEN) !== 0;
  }
  set ecnSeen(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_ECN_SEEN : this.flagBits & ~FLAG_ECN_SEEN;
  }

  /** connect() or listen() was called: a TCB holds one connection's state and is not reopened. */
  get opened(): boolean {
    return (this.flagBits & FLAG_OPENED) !== 0;
  }
  set opened(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_OPENED : this.flagBits & ~FLAG_OPENED;
  }

  /** Opened from LISTEN (passive) rather than by connect (active). */
  get passive(): boolean {
    return (this.flagBits & FLAG_PASSIVE) !== 0;
  }
  set passive(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_PASSIVE : this.flagBits & ~FLAG_PASSIVE;
  }

  /** Our next ACK must be a bare ACK, never the FIN again (`finWithAck`): a challenge ACK or an answer to a SYN. */
  get bareAck(): boolean {
    return (this.flagBits & FLAG_BARE_ACK) !== 0;
  }
  set bareAck(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_BARE_ACK : this.flagBits & ~FLAG_BARE_ACK;
  }

  /**
   * Interactive exchange (Linux's pingpong mode): we sent new data within `ackDelayMs` of hearing from
   * the peer, so its next data is likely answered and the answer carries the ACK: no quick ACKs.
   */
  get pingpong(): boolean {
    return (this.flagBits & FLAG_PINGPONG) !== 0;
  }
  set pingpong(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_PINGPONG : this.flagBits & ~FLAG_PINGPONG;
  }

  /** Send an ACK at the next pollTransmit. */
  get ackNow(): boolean {
    return (this.flagBits & FLAG_ACK_NOW) !== 0;
  }
  set ackNow(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_ACK_NOW : this.flagBits & ~FLAG_ACK_NOW;
  }

  /** (Re)send our SYN or SYN-ACK at the next pollTransmit. */
  get synNeeded(): boolean {
    return (this.flagBits & FLAG_SYN_NEEDED) !== 0;
  }
  set synNeeded(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_SYN_NEEDED : this.flagBits & ~FLAG_SYN_NEEDED;
  }

  /** The segment nextSegment just made carries nothing but octets sent before. */
  get onlyRetransmitted(): boolean {
    return (this.flagBits & FLAG_ONLY_RETRANSMITTED) !== 0;
  }
  set onlyRetransmitted(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_ONLY_RETRANSMITTED : this.flagBits & ~FLAG_ONLY_RETRANSMITTED;
  }

  // The signed 32-bit backing fields of the accessors above.
  iss32 = 0;
  sndUna32 = 0;
  sndNxt32 = 0;
  sndWl132 = 0;
  sndWl232 = 0;
  sndMax32 = 0;
  irs32 = 0;
  rcvNxt32 = 0;
  rcvAdv32 = 0;
  tsRecent32 = 0;
  lastAckSent32 = 0;
  /** The booleans above, FLAG_* bits. */
  flagBits = 0;

  constructor(opts: TcbOptions) {
    this.config = isSharedConfig(opts.config) ? opts.config : resolveConfig(opts.config);
    this.stats = opts.stats ?? new TcpStats();
    this.challengeAckBudget = opts.challengeAckBudget;
    this.localPort = opts.localPort | 0; // a small integer, never a boxed number
    this.remotePort = (opts.remotePort ?? 0) | 0;
    this.ipVersion = opts.ipVersion ?? 4;
    this.issSource = typeof opts.iss === 'number' ? opts.iss | 0 : opts.iss;
    this.advertisedMss = this.config.mss ?? this.config.advmss ?? mssForMtu(this.config.mtu, this.ipVersion);
    this.peerMss = defaultSendMss(this.ipVersion);
    this.pathMtu = this.config.mtu;
    // A fresh view of a shared config offers what the shared one does (worked out once for it).
    this.offeredShift = offeredWindowScale(isSharedConfig(opts.config) ? opts.config : this.config);
    this.tsOffset32 = (opts.tsOffset ?? (opts.random ?? new CryptoRandom()).nextUint32()) | 0;
    this.rcvBufSize = this.config.receiveBufferSize;
    // Linux's RTO (rtoMinOnVariance) is RFC 6298's with the minimum folded into the variance term's
    // floor G: SRTT + max(G, 4*RTTVAR) with G = max(G, minRtoMs).
    const c = this.config;
    this.rtt = new RttEstimator(c.initialRtoMs, c.minRtoMs, c.maxRtoMs, c.rtoMinOnVariance ? Math.max(c.clockGranularityMs, c.minRtoMs) : c.clockGranularityMs);
    // A controller the caller supplies is made at once (it may watch every call); the default one lazily.
    if (opts.congestion) this.cc = opts.congestion(this.sendMss);
    if (opts.trace !== undefined) this.setTrace(opts.trace);
  }

  /**
   * The connection's config to change (a socket option on this connection alone): a shared config
   * is first replaced by a view of it that keeps its own changes (resolveConfig of a shared config).
   */
  ownConfig(): TcpConfig {
    const c = this.config;
    if (!isSharedConfig(c)) return c as TcpConfig;
    const own = resolveConfig(c);
    (this as { config: TcpConfig }).config = own;
    return own;
  }

  // ---------------------------------------------------------------------------------------------
  // User calls (RFC 9293 §3.10.1 to §3.10.6)

  /** Active OPEN: send a SYN (§3.10.1). */
  connect(now: number): void {
    if (this.state !== 'CLOSED') throw new TcpError('EISCONN', `connect in state ${this.state}`);
    if (this.opened) throw new TcpError('EINVAL', 'a Tcb serves one connection: make a new one');
    if (this.remotePort === 0) throw new TcpError('EINVAL', 'connect needs a remote port');
    this.opened = true;
    this.iss = this.chooseIss(now);
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.synNeeded = true;
    this.stats.ActiveOpens++;
    this.startConnectTimer(now);
    this.setState('SYN-SENT', now);
  }

  /** FreeBSD's keepinit: the attempt has `connectTimeoutMs` from its first SYN (sent or received). */
  startConnectTimer(now: number): void {
    if (this.config.connectTimeoutMs !== undefined) startTimer(this, Timer.Connect, now + this.config.connectTimeoutMs);
  }

  chooseIss(now: number): number {
    const source = this.issSource;
    return (typeof source === 'number' ? source : source(now)) >>> 0;
  }

  /** Passive OPEN: wait for a SYN; a failed attempt returns here (§3.10.7.4, Figure 11). */
  listen(now: number): void {
    if (this.state !== 'CLOSED') throw new TcpError('EISCONN', `listen in state ${this.state}`);
    if (this.opened) throw new TcpError('EINVAL', 'a Tcb serves one connection: make a new one');
    this.opened = true;
    this.ownRare().returnsToListen = true;
    this.setState('LISTEN', now);
  }

  /**
   * A TCB for a SYN that reached a listener (the stack's way in): it answers the SYN and is in
   * SYN-RECEIVED, or CLOSED if the segment was not an acceptable SYN. `prepare` sees the TCB before
   * the SYN does (a Fast Open listener's decision about the SYN's data, fast-open.ts).
   */
  static accept(opts: TcbOptions, syn: Segment, now: number, prepare?: (tcb: Tcb) => void): Tcb {
    const tcb = new Tcb({ ...opts, remotePort: syn.srcPort });
    prepare?.(tcb);
    tcb.state = 'LISTEN';
    tcb.stateSince = now;
    tcb.handleSegment(syn, now);
    if (tcb.state === 'LISTEN') tcb.state = 'CLOSED';
    return tcb;
  }

  /**
   * A connection from the final ACK of a handshake our listener answered with a SYN cookie (RFC 4987
   * §3.6): nothing was kept of the SYN, so what it negotiated comes back in `fields` (the MSS from the
   * cookie, window scale, SACK-permitted and ECN from the TSecr's low bits). The TCB is put in
   * SYN-RECEIVED as if it had sent the SYN-ACK, then handed the ACK, which establishes it (and whose
   * data and FIN are processed as usual). CLOSED or SYN-RECEIVED afterwards means the ACK was not
   * acceptable after all: the caller drops the TCB.
   */
  static fromCookie(opts: TcbOptions, fields: CookieFields, ack: Segment, now: number): Tcb {
    const tcb = new Tcb({ ...opts, remotePort: ack.srcPort, iss: fields.iss });
    tcb.opened = true;
    tcb.passive = true;
    tcb.irs = fields.irs >>> 0;
    tcb.rcvNxt = seqAdd(tcb.irs, 1);
    tcb.iss = fields.iss >>> 0;
    tcb.sndUna = tcb.iss;
    tcb.sndNxt = seqAdd(tcb.iss, 1);
    tcb.sndMax = tcb.sndNxt;
    tcb.sndWl1 = tcb.irs;
    tcb.sndWl2 = tcb.iss;
    const ts = ack.options.timestamp;
    negotiate(tcb, { mss: fields.mss, wscale: fields.wscale, sackPermitted: fields.sackPermitted, timestamp: ts ? { value: ts.value, echo: 0 } : undefined }, now);
    tcb.ecnEnabled = fields.ecn && tcb.config.ecn !== 'off';
    // What our SYN-ACK advertised (its window is never scaled, RFC 7323 §2.2).
    tcb.lastAckSent = tcb.rcvNxt;
    tcb.rcvAdv = seqAdd(tcb.rcvNxt, Math.min(freeReceiveSpace(tcb), 0xffff));
    // Linux gives a cookie handshake no RTT sample (snt_synack is unknown): the estimator keeps its initial RTO.
    tcb.ownRare().handshakeUntimed = true;
    tcb.stats.PassiveOpens++;
    tcb.state = 'SYN-RECEIVED';
    tcb.stateSince = now;
    tcb.handleSegment(ack, now);
    return tcb;
  }

  /**
   * SEND (§3.10.2): queue data; returns how many bytes the send buffer took (the rest must be
   * offered again after a 'writable' event). Throws EPIPE after shutdown or close.
   */
  send(data: Uint8Array, now: number, more = false): number {
    if (this.closing.finRequested || this.state === 'CLOSED' || this.state === 'LISTEN' || !this.canSendInState()) {
      throw new TcpError('EPIPE', `cannot send in state ${this.state}${this.closing.finRequested ? ' after shutdown' : ''}`);
    }
    const buffer = this.sendBufferToFill();
    const n =
      this.config.writeAccounting === 'units' && isSynchronized(this.state)
        ? buffer.push(data, unitsTake(this, data.length, buffer.capacity, buffer.length, this.notSentBytes))
        : buffer.push(data);
    if (n < data.length) this.ownRare().sendRefused = true;
    if (n > 0) {
      // A SEND without the PUSH flag (RFC 9293 §3.9.1.2; Linux's MSG_MORE): its data is not pushed,
      // and a short segment at the tail waits for more (see `more` in the README's Connection API).
      if (more) {
        const rare = this.ownRare();
        rare.moreToCome = true;
        rare.moreHeld = true;
      } else if (this.rareState) {
        this.rareState.moreToCome = false;
        this.rareState.moreHeld = false;
      }
    }
    if (this.rareState?.fastOpen !== undefined) releaseDeferredSyn(this);
    armTimers(this, now);
    return n;
  }

  /**
   * End a record at the end of what is queued now (Linux's MSG_EOR: a send with it "terminates a
   * record"): no segment, new or retransmitted, will carry octets from both sides of this point
   * (records.ts).
   */
  endRecord(): void {
    if (this.sendBuffer.length === 0) return;
    const start = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED' ? seqAdd(this.iss, 1) : this.sndUna;
    (this.ownRare().records ??= new RecordBoundaries()).add(seqAdd(start, this.sendBuffer.length));
  }

  /**
   * Cork (Linux's TCP_CORK, man 7 tcp): while corked only full-sized segments go; a short segment at
   * the tail of the queue waits until the cork is removed, or, when nothing is in flight whose
   * acknowledgment could release it, until the persist timer fires (one RTO, at least
   * `persistMinMs`: the 200 ms ceiling man 7 tcp describes). Removing the cork lets the queue go by
   * the usual rules (Nagle's, unless `noDelay`, in which case what is queued is pushed).
   */
  setCork(on: boolean, now: number): void {
    if (on) this.ownRare().corked = true;
    else if (this.rareState && this.rareState.corked) {
      this.rareState.corked = false;
      if (this.config.noDelay) this.push(now);
    }
    armTimers(this, now);
  }

  /** Whether the connection is corked (setCork). */
  get corked(): boolean {
    return this.rare.corked;
  }

  /**
   * Push what is queued now (RFC 9293 §3.9.1.2's PUSH as a call of its own): it goes as soon as the
   * windows allow, in short segments if need be, whatever the cork, `more` or Nagle's algorithm
   * would hold back. Linux does this when TCP_NODELAY is set, even while corked (man 7 tcp).
   */
  push(now: number): void {
    if (this.sendBuffer.length > 0) {
      const start = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED' ? seqAdd(this.iss, 1) : this.sndUna;
      this.ownRare().pushUpTo = seqAdd(start, this.sendBuffer.length);
    }
    armTimers(this, now);
  }

  /**
   * Queued octets not yet sent even once (SND.MAX to the end of the queue; Linux's
   * tcp_notsent_bytes, write_seq - snd_nxt).
   */
  get notSentBytes(): number {
    if (this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED') return this.sendBuffer.length;
    const finSent = this.closing.finSeq !== undefined && seqGt(this.sndMax, this.closing.finSeq) ? 1 : 0;
    return Math.max(0, this.sendBuffer.length - Math.max(0, seqDiff(this.sndMax, this.sndUna) - finSent));
  }

  /**
   * Whether a writer waiting for room should be woken (Linux's sk_stream_is_writeable for poll's
   * POLLOUT): free space in the send buffer at least half what is queued, and, with
   * `notSentLowat`, fewer than half that many octets not yet sent (tcp_stream_memory_free with
   * wake = 1: the writer is woken with room to write a useful amount).
   */
  get sendWakeup(): boolean {
    const free = this.writableLength;
    if (free <= 0 || free < this.sendBuffer.length / 2) return false;
    const lowat = this.config.notSentLowat;
    return lowat === undefined || this.notSentBytes * 2 < lowat;
  }

  /**
   * SEND with the URGENT flag (§3.10.2, RFC 6093): queue data and mark it urgent. Segments sent
   * until the peer acknowledges it carry URG, with the pointer at the byte after the urgent data.
   */
  sendUrgent(data: Uint8Array, now: number): number {
    const n = this.send(data, now);
    const bufferStart = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED' ? seqAdd(this.iss, 1) : this.sndUna;
    const rare = this.ownRare();
    rare.sndUp = seqAdd(bufferStart, this.sendBuffer.length);
    rare.urgentPending = true;
    return n;
  }

  canSendInState(): boolean {
    const s = this.state;
    return s === 'SYN-SENT' || s === 'SYN-RECEIVED' || s === 'ESTABLISHED' || s === 'CLOSE-WAIT';
  }

  /**
   * Change the send buffer's size on a live connection (SO_SNDBUF after connect): it holds at least
   * what is queued, and auto-tuning no longer grows it past `bytes` (a size the application chose,
   * as Linux's SOCK_SNDBUF_LOCK). More room wakes a writer that was refused.
   */
  setSendBufferSize(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 1) throw new RangeError('a send buffer of at least 1 byte');
    const size = Math.max(bytes, this.sndBuf?.length ?? 0);
    const own = this.ownConfig();
    own.sendBufferSize = size;
    own.sendBufferMax = size;
    this.sndBufGrown = 0;
    const before = this.writableLength;
    if (this.sndBuf) this.sndBuf.capacity = size;
    if (this.writableLength > before && this.rare.sendRefused) {
      if (this.rareState) this.rareState.sendRefused = false;
      this.emit(WRITABLE_EVENT);
    }
  }

  /** Bytes `send` would accept now. */
  get writableLength(): number {
    return this.sndBuf ? this.sndBuf.free : this.initialSendBufferSize();
  }

  /**
   * RECEIVE (§3.10.3): up to `max` bytes of in-order data, or undefined when there are none. Reading
   * makes room, which may open the window; an ACK announcing it goes out when it matters.
   */
  read(max = Infinity): Uint8Array | undefined {
    const before = windowToAdvertise(this, false);
    const openNow = receiveWindow(this);
    const data = this.receiveBuffer.read(max);
    if (data) this.rcvTuner?.read(data.length);
    const rb = this.rcvBuf;
    if (rb !== undefined && rb.readable === 0 && rb.outOfOrderBytes === 0) {
      keepSpareReceiveBuffer(rb);
      this.rcvBuf = undefined;
    }
    if (data && isSynchronized(this.state)) {
      const after = windowToAdvertise(this, false);
      if (this.config.windowUpdateOnRead === 'doubled') {
        // Linux's tcp_cleanup_rbuf: the window still open to the peer is half the buffer or less,
        // and the new one at least doubles it.
        if (after > 0 && 2 * openNow <= this.receiveBufferSize && after >= 2 * openNow) this.ackNow = true;
      } else {
        const grew = after - before;
        // Window update when the window opens from (near) zero or by at least two segments, or half the buffer.
        if (grew > 0 && (before < this.advertisedMss || grew >= Math.min(2 * this.advertisedMss, this.receiveBufferSize / 2))) {
          this.ackNow = true;
        }
      }
    }
    return data;
  }

  /** Bytes waiting to be read. */
  get readableLength(): number {
    return this.receiveBuffer.readable;
  }

  /** Half-close (§3.10.4 CLOSE, as `shutdown(SHUT_WR)`): send a FIN after the queued data, keep receiving. */
  shutdown(now: number): void {
    switch (this.state) {
      case 'CLOSED':
      case 'LISTEN':
        this.setState('CLOSED', now);
        return;
      case 'SYN-SENT':
      case 'SYN-RECEIVED':
        // Queued until ESTABLISHED (§3.10.4).
        this.ownClosing().finRequested = true;
        return;
      case 'ESTABLISHED':
        this.ownClosing().finRequested = true;
        this.setState('FIN-WAIT-1', now);
        break;
      case 'CLOSE-WAIT':
        this.ownClosing().finRequested = true;
        this.setState('LAST-ACK', now);
        break;
      default:
        // Already closing.
        return;
    }
    armTimers(this, now);
  }

  /**
   * CLOSE (§3.10.4): shutdown, and the application will read no more. Unread data, or data that
   * arrives later, aborts the connection with a RST so the peer learns it was lost (§3.6, RFC 2525 §2.17).
   */
  close(now: number): void {
    if (this.state === 'SYN-SENT' || this.state === 'LISTEN') {
      // §3.10.4: delete the TCB; nothing has been synchronized, so no RST.
      this.enterClosed(now);
      return;
    }
    this.ownClosing().userClosed = true;
    if (this.receiveBuffer.readable > 0 && isSynchronized(this.state)) {
      this.abort(now);
      return;
    }
    this.shutdown(now);
    if (this.state === 'FIN-WAIT-2') setTimer(this, Timer.Close, now + this.config.finWait2TimeoutMs);
  }

  /** ABORT (§3.10.5): RST where the peer holds state for us, then CLOSED. */
  abort(now: number): void {
    switch (this.state) {
      case 'SYN-RECEIVED':
      case 'ESTABLISHED':
      case 'FIN-WAIT-1':
      case 'FIN-WAIT-2':
      case 'CLOSE-WAIT':
        if (this.config.abortRstAck) queueRstAck(this);
        else queueRst(this, this.sndMax);
        break;
      default:
        break;
    }
    this.sndBuf = undefined;
    this.enterClosed(now);
  }

  /**
   * A segment arrived (§3.10.7). The TCB keeps nothing of it but its payload (a view it may hold
   * without copying): the caller may reuse the segment object, its options and their timestamp for
   * the next one, as a stack's receive path does (wire/tcp.ts decodeTcpHeaderInto).
   */
  handleSegment(seg: Segment, now: number): void {
    segmentArrives(this, seg, now);
  }

  /**
   * RFC 6675 §4's pipe: octets believed in the network. With SACK: outstanding less SACKed less
   * marked lost (a lost segment sent again counts again); without, FlightSize less one SMSS for each
   * duplicate ACK, less the segment at SND.UNA while its fast retransmission waits.
   */
  pipe(): number {
    return pipe(this);
  }

  /** The earliest deadline of any running timer, or undefined. */
  pollTimeout(): number | undefined {
    return nextDeadline(this);
  }

  handleTimeout(now: number): void {
    timeoutExpires(this, now);
  }

  /** The next segment to send, or undefined. Call until undefined after any input or timeout. */
  pollTransmit(now: number): Segment | undefined {
    const seg = transmit(this, now);
    if (this.rareState?.routeMtuPending !== undefined) {
      if (seg !== undefined) this.rareState.routeMtuSent = true;
      else if (this.rareState.routeMtuSent) {
        this.rareState.routeMtuSent = false;
        takeRouteMtu(this);
      }
    }
    return seg;
  }

  /**
   * The route toward the peer now has MTU `mtu` (changed by its administrator, not learnt from ICMP):
   * taken once this connection has sent again, as Linux checks its cached route on output.
   */
  setRouteMtu(mtu: number): void {
    routeMtuChanged(this, mtu);
  }

  /**
   * Data per segment: the peer's MSS less our option bytes (RFC 6691), at most what the path MTU
   * carries (RFC 9293 §3.7.1's MMS_S) and what TCP_MAXSEG (`config.mss`) allows.
   */
  get sendMss(): number {
    let mss = Math.min(this.peerMss, this.config.mss ?? Infinity, mssForMtu(this.pathMtu, this.ipVersion));
    if (this.rareState?.mtuProbe !== undefined) mss = Math.min(mss, probeMssCap(this) ?? mss);
    return Math.max(1, mss - (this.timestamps ? TS_OPTION_BYTES : 0));
  }

  /**
   * An ICMP error about a segment of this connection. RFC 5927 §4.1: believed only when the quoted
   * sequence number is one we have sent and not had acknowledged (SND.UNA =< SEG.SEQ < SND.NXT).
   * Hard errors end a connection still in SYN-SENT (ECONNREFUSED, as Linux does); every other error
   * is soft (RFC 5461) and only remembered. Packet too big lowers the path MTU and sends again at
   * once with smaller segments, without a congestion response (RFC 1191 §6.5, RFC 8201 §5.4).
   * Returns whether the error was accepted.
   */
  icmpError(kind: 'unreachable-hard' | 'unreachable-soft' | 'packet-too-big', seq: number, mtu: number, now: number): boolean {
    return icmpErrorArrives(this, kind, seq, mtu, now);
  }

  // ---------------------------------------------------------------------------------------------
  // Events and state

  pollEvent(): TcpEvent | undefined {
    const events = this.events;
    if (events === undefined) return undefined;
    if (!Array.isArray(events)) {
      this.events = undefined;
      return events;
    }
    if (this.eventHead >= events.length) {
      // Released when empty: an idle connection holds no event array.
      this.events = undefined;
      this.eventHead = 0;
      return undefined;
    }
    return events[this.eventHead++];
  }

  emit(e: TcpEvent): void {
    const events = this.events;
    if (events === undefined) this.events = e; // the usual single event needs no array
    else if (Array.isArray(events)) events.push(e);
    else this.events = [events, e];
  }

  setState(to: TcpState, now: number): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.stateSince = now;
    this.emit(stateEvent(from, to));
  }

  fail(code: TcpErrorCode, message: string, now: number): void {
    if (code === 'ECONNREFUSED' || this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED') this.stats.AttemptFails++;
    this.emit({ type: 'error', code, message });
    this.enterClosed(now);
  }

  enterClosed(now: number): void {
    stopTimer(this, Timer.Retransmission);
    stopTimer(this, Timer.Loss);
    stopTimer(this, Timer.Persist);
    stopTimer(this, Timer.KeepAlive);
    stopTimer(this, Timer.DelayedAck);
    stopTimer(this, Timer.Close);
    stopTimer(this, Timer.UserTimeout);
    stopTimer(this, Timer.Connect);
    this.synNeeded = false;
    this.ackNow = false;
    if (this.state === 'CLOSED') return;
    // RFC 4022 tcpEstabResets: "direct transition to the CLOSED state from either the ESTABLISHED
    // state or the CLOSE-WAIT state" (a RST either way, an abort, a timeout).
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE-WAIT') this.stats.EstabResets++;
    this.setState('CLOSED', now);
    this.emit(CLOSED_EVENT);
  }

  /**
   * Internal consistency, for tests and fuzzing: undefined when sound, else what is wrong.
   * SND.UNA <= SND.NXT <= SND.MAX, buffers within bounds, timers consistent with the state.
   */
  checkInvariants(): string | undefined {
    if (isSynchronized(this.state) && this.state !== 'CLOSED') {
      if (seqGt(this.sndUna, this.sndNxt)) return `SND.UNA ${this.sndUna} > SND.NXT ${this.sndNxt}`;
      if (seqGt(this.sndNxt, this.sndMax)) return `SND.NXT ${this.sndNxt} > SND.MAX ${this.sndMax}`;
      if (seqDiff(this.sndMax, this.sndUna) > this.sendBuffer.length + 2) {
        return `in flight ${seqDiff(this.sndMax, this.sndUna)} exceeds buffered ${this.sendBuffer.length} + SYN + FIN`;
      }
    }
    if (this.sendBuffer.length > this.sendBuffer.capacity) return `send buffer ${this.sendBuffer.length} over ${this.sendBuffer.capacity}`;
    if (this.receiveBuffer.readable + this.receiveBuffer.outOfOrderBytes > this.receiveBufferSize + (0xffff << this.rcvShift)) {
      return 'receive buffer beyond any window advertised';
    }
    if (this.state === 'CLOSED' || this.state === 'LISTEN') {
      if (this.pollTimeout() !== undefined) return `timer running in ${this.state}`;
    }
    if (this.state === 'TIME-WAIT') {
      if (timerAt(this, Timer.Close) === undefined) return 'TIME-WAIT without its timer';
      if (timerAt(this, Timer.Retransmission) !== undefined || timerAt(this, Timer.Persist) !== undefined) return 'retransmission timers running in TIME-WAIT';
    }
    if (timerAt(this, Timer.Close) !== undefined && this.state !== 'TIME-WAIT' && this.state !== 'FIN-WAIT-2') return `close timer in ${this.state}`;
    return undefined;
  }

}
