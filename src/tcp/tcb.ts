/**
 * One TCP connection: the Transmission Control Block and RFC 9293's state machine, sans-I/O.
 *
 * Input is pushed in (`handleSegment`, `handleTimeout`, and the user calls `connect`, `send`,
 * `read`, `shutdown`, `close`, `abort`); output is pulled out (`pollTransmit`, `pollTimeout`,
 * `pollEvent`). Time is the `now` argument, in milliseconds from any origin; nothing here reads a
 * clock, arms a timer or draws unseeded randomness.
 *
 * Sequence numbers are compared only through wire/seq.ts (serial arithmetic modulo 2^32).
 */
import {
  seqAdd,
  seqDiff,
  seqDistance,
  seqGe,
  seqGt,
  seqLe,
  seqLt,
  TcpFlag,
  type TcpOptions,
} from '../wire/index.js';
import { ChallengeAckLimiter } from './challenge-ack.js';
import type { AckSample, CongestionController } from './congestion.js';
import { ReceiveSpaceTuner } from './autotune.js';
import { createCongestionController } from './cc-factory.js';
import { Prr } from './prr.js';
import { Rack } from './rack.js';
import { SackBlockKind, SackScoreboard } from './scoreboard.js';
import { defaultSendMss, isSharedConfig, mssForMtu, resolveConfig, offeredWindowScale, rfc5961RstChecks, rfc5961SynChecks, type TcpConfig } from './config.js';
import type { TcpErrorCode, TcpEvent } from './events.js';
import { CryptoRandom, type RandomSource } from './random.js';
import { ReceiveBuffer } from './receive-buffer.js';
import { RttEstimator } from './rtt.js';
import { EMPTY_PAYLOAD, makeSegment, resetFor, segmentLength, type Segment } from './segment.js';
import { SendBuffer } from './send-buffer.js';
import { isSynchronized, type TcpState } from './state.js';
import { TcpStats } from './stats.js';
import { RARE_DEFAULTS, TcbRare } from './tcb-rare.js';
import { TcbTracer, type TcbTraceSink } from './trace.js';

/** Misuse of the API that the user can act on (sending after shutdown, connecting twice). */
export class TcpError extends Error {
  override name = 'TcpError';
  constructor(
    readonly code: TcpErrorCode | 'EISCONN' | 'EINVAL' | 'EADDRINUSE' | 'ENOBUFS',
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
  challengeAcks?: ChallengeAckLimiter;
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

/** RFC 3168 §6.1.1: an ECN-setup SYN has both ECE and CWR set. */
export function isEcnSetupSyn(flags: number): boolean {
  return (flags & (TcpFlag.ECE | TcpFlag.CWR)) === (TcpFlag.ECE | TcpFlag.CWR);
}

/** RFC 3168 §6.1.1: an ECN-setup SYN-ACK has ECE set and CWR clear. */
function isEcnSetupSynAck(flags: number): boolean {
  return (flags & (TcpFlag.ECE | TcpFlag.CWR)) === TcpFlag.ECE;
}

/** RFC 3168 §5: the IP ECN codepoints. */
const ECT0 = 2;
const CE = 3;

/** 24 days in ms: TS.Recent older than this is no longer valid for PAWS (RFC 7323 §5.5). */
const PAWS_IDLE_MS = 24 * 24 * 3600 * 1000;
/** At most one answer per this many ms to bare ACKs one octet behind RCV.NXT (Linux's tcp_invalid_ratelimit). */
const BEHIND_ACK_REPLY_MS = 500;
/** RFC 8985 §7.2 WCDelAckT: the worst-case delayed ACK a probe timeout allows for with one segment in flight. */
const WC_DEL_ACK_MS = 200;
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

/** TSopt with its two NOPs, as every segment after the handshake carries it. */
const TS_OPTION_BYTES = 12;

export class Tcb {
  state: TcpState = 'CLOSED';
  readonly config: TcpConfig;
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
  get sndUp(): number {
    return (this.rare ?? RARE_DEFAULTS).sndUp;
  }
  set sndUp(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.sndUp) this.rareState().sndUp = v;
  }
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
  get rcvUp(): number {
    return (this.rare ?? RARE_DEFAULTS).rcvUp;
  }
  set rcvUp(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.rcvUp) this.rareState().rcvUp = v;
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
  readonly offeredShift: number;
  get tsRecent(): number {
    return this.tsRecent32 >>> 0;
  }
  set tsRecent(v: number) {
    this.tsRecent32 = v | 0;
  }
  tsRecentTime = 0;
  get lastAckSent(): number {
    return this.lastAckSent32 >>> 0;
  }
  set lastAckSent(v: number) {
    this.lastAckSent32 = v | 0;
  }
  /** Our timestamp clock's offset (RFC 7323 §5.4), as a signed 32-bit integer. */
  private readonly tsOffset32: number;


  /** Whether connect() or listen() has been called (a TCB cannot be opened twice). */
  get wasOpened(): boolean {
    return this.opened;
  }
  /** The ISS, or the function of the time that chooses it (no closure per connection for a number). */
  private readonly issSource: number | ((now: number) => number);


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
  private sndBuf: SendBuffer | undefined;
  private rcvBuf: ReceiveBuffer | undefined;
  private sendBufferToFill(): SendBuffer {
    return (this.sndBuf ??= takeSpareSendBuffer(this.config.sendBufferSize));
  }
  private receiveBufferToFill(): ReceiveBuffer {
    return (this.rcvBuf ??= takeSpareReceiveBuffer());
  }
  /**
   * The receive buffer's size: `receiveBufferSize`, rounded up to a multiple of the MSS once the MSS
   * is known when `receiveWindowFromBuffer` is on (FreeBSD's tcp_mss()).
   */
  get receiveBufferSize(): number {
    return this.rcvBufSize;
  }
  private rcvBufSize: number;
  /** Receive-buffer auto-tuning's state, made with the first in-order data (`bufferAutoTuning`). */
  private rcvTuner: ReceiveSpaceTuner | undefined;
  /** In-order data segments still to be acknowledged at once (`quickAckSegments`). */
  private quickAcksLeft = 0;
  /** When the peer's last segment arrived. */
  private lastHeardAt = 0;

  // Timers: each a deadline in ms, or undefined when not running. pollTimeout() is their minimum.
  retransmitAt: number | undefined;
  delayedAckAt: number | undefined;

  readonly rtt: RttEstimator;
  /** Made on first use (the first data sent or acknowledged): an idle connection holds none. */
  private cc: CongestionController | undefined;
  get congestion(): CongestionController {
    return (this.cc ??= createCongestionController(this.config.congestionControl, this.sendMss));
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
    return (this.rackState ??= new Rack());
  }
  get prr(): Prr {
    return (this.prrState ??= new Prr());
  }
  /** Made on first use (data sent, a SACK, a loss): an idle connection holds none of them. */
  private sacksState: SackScoreboard | undefined;
  private rackState: Rack | undefined;
  private prrState: Prr | undefined;
  /** Smallest RTT sample (ms), for RACK and the controller. */
  minRtt: number | undefined;
  /** The last RTT sample this ACK gave, for the AckSample. */
  private lastRttSample: number | undefined;

  // Receiver side of SACK (RFC 2018 §4, RFC 2883).
  private get dsackRight(): number {
    return (this.rare ?? RARE_DEFAULTS).dsackRight;
  }
  private set dsackRight(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.dsackRight) this.rareState().dsackRight = v;
  }
  private get retransmitHigh(): number {
    return (this.rare ?? RARE_DEFAULTS).retransmitHigh;
  }
  private set retransmitHigh(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.retransmitHigh) this.rareState().retransmitHigh = v;
  }

  private unackedSegments = 0;
  /** Events not yet polled: undefined when none, one event alone, or an array from the second on. */
  private events: TcpEvent | TcpEvent[] | undefined;
  private eventHead = 0;
  private readonly challengeAcks: ChallengeAckLimiter;
  /** When this connection last entered its current state (for listings). */
  stateSince = 0;

  // State an idle ESTABLISHED connection does not use (recovery, urgent data, ECN, keep-alive, persist,
  // timers seldom running...): held in a TcbRare made on the first change from its default and
  // dropped when all of it is back to the defaults at establishment, so the Tcb itself stays small.
  // The accessors keep the RFC names.
  private rare: TcbRare | undefined;
  private rareState(): TcbRare {
    return (this.rare ??= new TcbRare());
  }
  /** Trace hooks (trace.ts), held in the TcbRare: undefined unless a sink was given. */
  get tracer(): TcbTracer | undefined {
    return this.rare?.tracer;
  }
  /** Attach or detach a trace sink (a stack attaches one per connection when tracing). */
  setTrace(sink: TcbTraceSink | undefined): void {
    if (sink !== undefined) this.rareState().tracer = new TcbTracer(sink);
    else if (this.rare !== undefined) {
      this.rare.tracer = undefined;
      this.releaseRare();
    }
  }
  /**
   * Tell the tracer of timers changed since it last looked (and sampled cwnd growth). `fired`: a bit
   * per timer (TRACED_TIMERS' order) that handleTimeout acted on.
   */
  private traceTimers(fired: number, now: number): void {
    const t = this.tracer!;
    t.timer(0, 'retransmission', this.retransmitAt, (fired & 1) !== 0, now);
    t.timer(1, 'persist', this.persistAt, (fired & 2) !== 0, now);
    t.timer(2, 'keepalive', this.keepAliveAt, (fired & 4) !== 0, now);
    t.timer(3, 'delayed-ack', this.delayedAckAt, (fired & 8) !== 0, now);
    t.timer(4, this.state === 'TIME-WAIT' ? 'time-wait' : 'fin-wait-2', this.closeAt, (fired & 16) !== 0, now);
    t.timer(5, 'user-timeout', this.userTimeoutAt, (fired & 32) !== 0, now);
    t.timer(6, this.lossTimerKind === 'reorder' ? 'reorder' : 'loss-probe', this.lossTimerAt, (fired & 64) !== 0, now);
    t.timer(7, 'connect', this.connectTimeoutAt, (fired & 128) !== 0, now);
    if (this.cc !== undefined && !this.inRecovery) t.cwndSample(this.cc.cwnd, this.cc.ssthresh, now);
  }
  /** The timers handleTimeout will act on at `now`, as bits of traceTimers' `fired` (mirrors its order). */
  private dueTimers(now: number): number {
    const due = (at: number | undefined): boolean => at !== undefined && now >= at;
    if (due(this.closeAt)) return 16;
    if (due(this.userTimeoutAt)) return 32;
    if (due(this.connectTimeoutAt)) return 128;
    let bits = due(this.retransmitAt) ? 1 : due(this.lossTimerAt) ? 64 : 0;
    if (due(this.persistAt)) bits |= 2;
    if (due(this.keepAliveAt)) bits |= 4;
    if (due(this.delayedAckAt)) bits |= 8;
    return bits;
  }
  /** A segment discarded (or answered only with an ACK) at a check of §3.10.7.4 or RFC 5961/7323. */
  private traceDrop(seg: Segment, why: string, now: number): void {
    this.tracer!.sink.drop(seg.seq, seg.payload.length, why, now);
  }
  /** Drop the TcbRare when nothing in it differs from the defaults (established, or all acknowledged). */
  private releaseRare(): void {
    if (this.rare?.isIdle()) this.rare = undefined;
  }
  get softError(): string | undefined {
    return (this.rare ?? RARE_DEFAULTS).softError;
  }
  set softError(v: string | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.softError) this.rareState().softError = v;
  }
  private get ecnRequested(): boolean {
    return (this.rare ?? RARE_DEFAULTS).ecnRequested;
  }
  private set ecnRequested(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.ecnRequested) this.rareState().ecnRequested = v;
  }
  private get ecnEcho(): boolean {
    return (this.rare ?? RARE_DEFAULTS).ecnEcho;
  }
  private set ecnEcho(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.ecnEcho) this.rareState().ecnEcho = v;
  }
  private get ecnCwrPending(): boolean {
    return (this.rare ?? RARE_DEFAULTS).ecnCwrPending;
  }
  private set ecnCwrPending(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.ecnCwrPending) this.rareState().ecnCwrPending = v;
  }
  private get ecnRecover(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).ecnRecover;
  }
  private set ecnRecover(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.ecnRecover) this.rareState().ecnRecover = v;
  }
  private get synOptionsDropped(): boolean {
    return (this.rare ?? RARE_DEFAULTS).synOptionsDropped;
  }
  private set synOptionsDropped(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.synOptionsDropped) this.rareState().synOptionsDropped = v;
  }
  private get returnsToListen(): boolean {
    return (this.rare ?? RARE_DEFAULTS).returnsToListen;
  }
  private set returnsToListen(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.returnsToListen) this.rareState().returnsToListen = v;
  }
  get persistAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).persistAt;
  }
  set persistAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.persistAt) this.rareState().persistAt = v;
  }
  get keepAliveAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).keepAliveAt;
  }
  set keepAliveAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.keepAliveAt) this.rareState().keepAliveAt = v;
  }
  get closeAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).closeAt;
  }
  set closeAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.closeAt) this.rareState().closeAt = v;
  }
  get userTimeoutAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).userTimeoutAt;
  }
  set userTimeoutAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.userTimeoutAt) this.rareState().userTimeoutAt = v;
  }
  get connectTimeoutAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).connectTimeoutAt;
  }
  set connectTimeoutAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.connectTimeoutAt) this.rareState().connectTimeoutAt = v;
  }
  private get fastRetransmitPending(): boolean {
    return (this.rare ?? RARE_DEFAULTS).fastRetransmitPending;
  }
  private set fastRetransmitPending(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.fastRetransmitPending) this.rareState().fastRetransmitPending = v;
  }
  get inRecovery(): boolean {
    return (this.rare ?? RARE_DEFAULTS).inRecovery;
  }
  set inRecovery(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.inRecovery) this.rareState().inRecovery = v;
  }
  get recover(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).recover;
  }
  set recover(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.recover) this.rareState().recover = v;
  }
  private get renoSacked(): number {
    return (this.rare ?? RARE_DEFAULTS).renoSacked;
  }
  private set renoSacked(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.renoSacked) this.rareState().renoSacked = v;
  }
  private get partialAcks(): number {
    return (this.rare ?? RARE_DEFAULTS).partialAcks;
  }
  private set partialAcks(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.partialAcks) this.rareState().partialAcks = v;
  }
  private get lossTimerKind(): 'reorder' | 'probe' {
    return (this.rare ?? RARE_DEFAULTS).lossTimerKind;
  }
  private set lossTimerKind(v: 'reorder' | 'probe') {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.lossTimerKind) this.rareState().lossTimerKind = v;
  }
  private get tlpHighSeq(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).tlpHighSeq;
  }
  private set tlpHighSeq(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.tlpHighSeq) this.rareState().tlpHighSeq = v;
  }
  private get tlpRetrans(): boolean {
    return (this.rare ?? RARE_DEFAULTS).tlpRetrans;
  }
  private set tlpRetrans(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.tlpRetrans) this.rareState().tlpRetrans = v;
  }
  private get tlpPending(): boolean {
    return (this.rare ?? RARE_DEFAULTS).tlpPending;
  }
  private set tlpPending(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.tlpPending) this.rareState().tlpPending = v;
  }
  private get undoTsval(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).undoTsval;
  }
  private set undoTsval(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.undoTsval) this.rareState().undoTsval = v;
  }
  private get undoArmed(): boolean {
    return (this.rare ?? RARE_DEFAULTS).undoArmed;
  }
  private set undoArmed(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.undoArmed) this.rareState().undoArmed = v;
  }
  private get undoRetrans(): number {
    return (this.rare ?? RARE_DEFAULTS).undoRetrans;
  }
  private set undoRetrans(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.undoRetrans) this.rareState().undoRetrans = v;
  }
  private get undoAfterRto(): boolean {
    return (this.rare ?? RARE_DEFAULTS).undoAfterRto;
  }
  private set undoAfterRto(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.undoAfterRto) this.rareState().undoAfterRto = v;
  }
  private get dsackLeft(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).dsackLeft;
  }
  private set dsackLeft(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.dsackLeft) this.rareState().dsackLeft = v;
  }
  get totalRetransmits(): number {
    return (this.rare ?? RARE_DEFAULTS).totalRetransmits;
  }
  set totalRetransmits(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.totalRetransmits) this.rareState().totalRetransmits = v;
  }
  private get persistBackoff(): number {
    return (this.rare ?? RARE_DEFAULTS).persistBackoff;
  }
  private set persistBackoff(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.persistBackoff) this.rareState().persistBackoff = v;
  }
  private get keepAliveProbesSent(): number {
    return (this.rare ?? RARE_DEFAULTS).keepAliveProbesSent;
  }
  private set keepAliveProbesSent(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.keepAliveProbesSent) this.rareState().keepAliveProbesSent = v;
  }
  private get behindAckReplyAt(): number {
    return (this.rare ?? RARE_DEFAULTS).behindAckReplyAt;
  }
  private set behindAckReplyAt(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.behindAckReplyAt) this.rareState().behindAckReplyAt = v;
  }
  private get rttSeq(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).rttSeq;
  }
  private set rttSeq(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.rttSeq) this.rareState().rttSeq = v;
  }
  private get rttStart(): number {
    return (this.rare ?? RARE_DEFAULTS).rttStart;
  }
  private set rttStart(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.rttStart) this.rareState().rttStart = v;
  }
  private get retransmitTsval(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).retransmitTsval;
  }
  private set retransmitTsval(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.retransmitTsval) this.rareState().retransmitTsval = v;
  }
  private get synSentAt(): number {
    return (this.rare ?? RARE_DEFAULTS).synSentAt;
  }
  private set synSentAt(v: number) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.synSentAt) this.rareState().synSentAt = v;
  }
  private get handshakeUntimed(): boolean {
    return (this.rare ?? RARE_DEFAULTS).handshakeUntimed;
  }
  private set handshakeUntimed(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.handshakeUntimed) this.rareState().handshakeUntimed = v;
  }
  private get sendRefused(): boolean {
    return (this.rare ?? RARE_DEFAULTS).sendRefused;
  }
  private set sendRefused(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.sendRefused) this.rareState().sendRefused = v;
  }
  private get endSignalled(): boolean {
    return (this.rare ?? RARE_DEFAULTS).endSignalled;
  }
  private set endSignalled(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.endSignalled) this.rareState().endSignalled = v;
  }
  private get urgentPending(): boolean {
    return (this.rare ?? RARE_DEFAULTS).urgentPending;
  }
  private set urgentPending(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.urgentPending) this.rareState().urgentPending = v;
  }
  private get forceProbe(): boolean {
    return (this.rare ?? RARE_DEFAULTS).forceProbe;
  }
  private set forceProbe(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.forceProbe) this.rareState().forceProbe = v;
  }

  get finRequested(): boolean {
    return (this.rare ?? RARE_DEFAULTS).finRequested;
  }
  set finRequested(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.finRequested) this.rareState().finRequested = v;
  }
  get finSeq(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).finSeq;
  }
  set finSeq(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.finSeq) this.rareState().finSeq = v;
  }
  get peerFinSeq(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).peerFinSeq;
  }
  set peerFinSeq(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.peerFinSeq) this.rareState().peerFinSeq = v;
  }
  get userClosed(): boolean {
    return (this.rare ?? RARE_DEFAULTS).userClosed;
  }
  set userClosed(v: boolean) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.userClosed) this.rareState().userClosed = v;
  }
  /** Pacing (`pacing`): the earliest time the next data segment may go, and the timer waiting for it. */
  get pacingNextAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).pacingNextAt;
  }
  set pacingNextAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.pacingNextAt) this.rareState().pacingNextAt = v;
  }
  get pacingAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).pacingAt;
  }
  set pacingAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.pacingAt) this.rareState().pacingAt = v;
  }
  get lossTimerAt(): number | undefined {
    return (this.rare ?? RARE_DEFAULTS).lossTimerAt;
  }
  set lossTimerAt(v: number | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.lossTimerAt) this.rareState().lossTimerAt = v;
  }
  private get sackRecent(): number[] | undefined {
    return (this.rare ?? RARE_DEFAULTS).sackRecent;
  }
  private set sackRecent(v: number[] | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.sackRecent) this.rareState().sackRecent = v;
  }
  private get control(): Segment[] | undefined {
    return (this.rare ?? RARE_DEFAULTS).control;
  }
  private set control(v: Segment[] | undefined) {
    if (this.rare !== undefined || v !== RARE_DEFAULTS.control) this.rareState().control = v;
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
  /** connect() or listen() was called: a TCB holds one connection's state and is not reopened. */
  private get opened(): boolean {
    return (this.flagBits & FLAG_OPENED) !== 0;
  }
  private set opened(v: boolean) {
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
  private get bareAck(): boolean {
    return (this.flagBits & FLAG_BARE_ACK) !== 0;
  }
  private set bareAck(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_BARE_ACK : this.flagBits & ~FLAG_BARE_ACK;
  }
  /**
   * Interactive exchange (Linux's pingpong mode): we sent new data within `ackDelayMs` of hearing from
   * the peer, so its next data is likely answered and the answer carries the ACK: no quick ACKs.
   */
  private get pingpong(): boolean {
    return (this.flagBits & FLAG_PINGPONG) !== 0;
  }
  private set pingpong(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_PINGPONG : this.flagBits & ~FLAG_PINGPONG;
  }
  /** Send an ACK at the next pollTransmit. */
  private get ackNow(): boolean {
    return (this.flagBits & FLAG_ACK_NOW) !== 0;
  }
  private set ackNow(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_ACK_NOW : this.flagBits & ~FLAG_ACK_NOW;
  }
  /** (Re)send our SYN or SYN-ACK at the next pollTransmit. */
  private get synNeeded(): boolean {
    return (this.flagBits & FLAG_SYN_NEEDED) !== 0;
  }
  private set synNeeded(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_SYN_NEEDED : this.flagBits & ~FLAG_SYN_NEEDED;
  }
  /** The segment nextSegment just made carries nothing but octets sent before. */
  private get onlyRetransmitted(): boolean {
    return (this.flagBits & FLAG_ONLY_RETRANSMITTED) !== 0;
  }
  private set onlyRetransmitted(v: boolean) {
    this.flagBits = v ? this.flagBits | FLAG_ONLY_RETRANSMITTED : this.flagBits & ~FLAG_ONLY_RETRANSMITTED;
  }

  // The signed 32-bit backing fields of the accessors above.
  private iss32 = 0;
  private sndUna32 = 0;
  private sndNxt32 = 0;
  private sndWl132 = 0;
  private sndWl232 = 0;
  private sndMax32 = 0;
  private irs32 = 0;
  private rcvNxt32 = 0;
  private rcvAdv32 = 0;
  private tsRecent32 = 0;
  private lastAckSent32 = 0;
  /** The booleans above, FLAG_* bits. */
  private flagBits = 0;

  constructor(opts: TcbOptions) {
    this.config = resolveConfig(opts.config);
    this.stats = opts.stats ?? new TcpStats();
    this.challengeAcks = opts.challengeAcks ?? new ChallengeAckLimiter(this.config.challengeAckLimit, this.config.challengeAckWindowMs);
    this.localPort = opts.localPort | 0; // a small integer, never a boxed number
    this.remotePort = (opts.remotePort ?? 0) | 0;
    this.ipVersion = opts.ipVersion ?? 4;
    this.issSource = typeof opts.iss === 'number' ? opts.iss | 0 : opts.iss;
    this.advertisedMss = this.config.mss ?? mssForMtu(this.config.mtu, this.ipVersion);
    this.peerMss = defaultSendMss(this.ipVersion);
    this.pathMtu = this.config.mtu;
    // A fresh view of a shared config offers what the shared one does (worked out once for it).
    this.offeredShift = offeredWindowScale(isSharedConfig(opts.config) ? opts.config : this.config);
    this.tsOffset32 = (opts.tsOffset ?? (opts.random ?? new CryptoRandom()).nextUint32()) | 0;
    this.rcvBufSize = this.config.receiveBufferSize;
    this.rtt = new RttEstimator(this.config.initialRtoMs, this.config.minRtoMs, this.config.maxRtoMs, this.config.clockGranularityMs);
    // A controller the caller supplies is made at once (it may watch every call); the default one lazily.
    if (opts.congestion) this.cc = opts.congestion(this.sendMss);
    if (opts.trace !== undefined) this.setTrace(opts.trace);
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
  private startConnectTimer(now: number): void {
    if (this.config.connectTimeoutMs !== undefined) this.connectTimeoutAt ??= now + this.config.connectTimeoutMs;
  }

  private chooseIss(now: number): number {
    const source = this.issSource;
    return (typeof source === 'number' ? source : source(now)) >>> 0;
  }

  /** Passive OPEN: wait for a SYN; a failed attempt returns here (§3.10.7.4, Figure 11). */
  listen(now: number): void {
    if (this.state !== 'CLOSED') throw new TcpError('EISCONN', `listen in state ${this.state}`);
    if (this.opened) throw new TcpError('EINVAL', 'a Tcb serves one connection: make a new one');
    this.opened = true;
    this.returnsToListen = true;
    this.setState('LISTEN', now);
  }

  /**
   * A TCB for a SYN that reached a listener (the stack's way in): it answers the SYN and is in
   * SYN-RECEIVED, or CLOSED if the segment was not an acceptable SYN.
   */
  static accept(opts: TcbOptions, syn: Segment, now: number): Tcb {
    const tcb = new Tcb({ ...opts, remotePort: syn.srcPort });
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
    tcb.negotiate({ mss: fields.mss, wscale: fields.wscale, sackPermitted: fields.sackPermitted, timestamp: ts ? { value: ts.value, echo: 0 } : undefined }, now);
    tcb.ecnEnabled = fields.ecn && tcb.config.ecn !== 'off';
    // What our SYN-ACK advertised (its window is never scaled, RFC 7323 §2.2).
    tcb.lastAckSent = tcb.rcvNxt;
    tcb.rcvAdv = seqAdd(tcb.rcvNxt, Math.min(tcb.freeReceiveSpace(), 0xffff));
    // Linux gives a cookie handshake no RTT sample (snt_synack is unknown): the estimator keeps its initial RTO.
    tcb.handshakeUntimed = true;
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
  send(data: Uint8Array, now: number): number {
    if (this.finRequested || this.state === 'CLOSED' || this.state === 'LISTEN' || !this.canSendInState()) {
      throw new TcpError('EPIPE', `cannot send in state ${this.state}${this.finRequested ? ' after shutdown' : ''}`);
    }
    const n = this.sendBufferToFill().push(data);
    if (n < data.length) this.sendRefused = true;
    this.armTimers(now);
    return n;
  }

  /**
   * SEND with the URGENT flag (§3.10.2, RFC 6093): queue data and mark it urgent. Segments sent
   * until the peer acknowledges it carry URG, with the pointer at the byte after the urgent data.
   */
  sendUrgent(data: Uint8Array, now: number): number {
    const n = this.send(data, now);
    const bufferStart = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED' ? seqAdd(this.iss, 1) : this.sndUna;
    this.sndUp = seqAdd(bufferStart, this.sendBuffer.length);
    this.urgentPending = true;
    return n;
  }


  private canSendInState(): boolean {
    const s = this.state;
    return s === 'SYN-SENT' || s === 'SYN-RECEIVED' || s === 'ESTABLISHED' || s === 'CLOSE-WAIT';
  }

  /** Bytes `send` would accept now. */
  get writableLength(): number {
    return this.sndBuf ? this.sndBuf.free : this.config.sendBufferSize;
  }

  /**
   * RECEIVE (§3.10.3): up to `max` bytes of in-order data, or undefined when there are none. Reading
   * makes room, which may open the window; an ACK announcing it goes out when it matters.
   */
  read(max = Infinity): Uint8Array | undefined {
    const before = this.windowToAdvertise(false);
    const data = this.receiveBuffer.read(max);
    if (data) this.rcvTuner?.read(data.length);
    const rb = this.rcvBuf;
    if (rb !== undefined && rb.readable === 0 && rb.outOfOrderBytes === 0) {
      spareReceiveBuffer ??= rb;
      this.rcvBuf = undefined;
    }
    if (data && isSynchronized(this.state)) {
      const after = this.windowToAdvertise(false);
      const grew = after - before;
      // Window update when the window opens from (near) zero or by at least two segments, or half the buffer.
      if (grew > 0 && (before < this.advertisedMss || grew >= Math.min(2 * this.advertisedMss, this.receiveBufferSize / 2))) {
        this.ackNow = true;
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
        this.finRequested = true;
        return;
      case 'ESTABLISHED':
        this.finRequested = true;
        this.setState('FIN-WAIT-1', now);
        break;
      case 'CLOSE-WAIT':
        this.finRequested = true;
        this.setState('LAST-ACK', now);
        break;
      default:
        // Already closing.
        return;
    }
    this.armTimers(now);
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
    this.userClosed = true;
    if (this.receiveBuffer.readable > 0 && isSynchronized(this.state)) {
      this.abort(now);
      return;
    }
    this.shutdown(now);
    if (this.state === 'FIN-WAIT-2') this.closeAt = now + this.config.finWait2TimeoutMs;
  }

  /** ABORT (§3.10.5): RST where the peer holds state for us, then CLOSED. */
  abort(now: number): void {
    switch (this.state) {
      case 'SYN-RECEIVED':
      case 'ESTABLISHED':
      case 'FIN-WAIT-1':
      case 'FIN-WAIT-2':
      case 'CLOSE-WAIT':
        this.queueRst(this.sndMax);
        break;
      default:
        break;
    }
    this.sndBuf = undefined;
    this.enterClosed(now);
  }

  // ---------------------------------------------------------------------------------------------
  // Segment arrival (RFC 9293 §3.10.7)

  handleSegment(seg: Segment, now: number): void {
    this.stats.InSegs++;
    switch (this.state) {
      case 'CLOSED':
        this.closedInput(seg);
        break;
      case 'LISTEN':
        this.listenInput(seg, now);
        break;
      case 'SYN-SENT':
        this.synSentInput(seg, now);
        break;
      default:
        this.synchronizedInput(seg, now);
    }
    this.armTimers(now);
    if (this.tracer !== undefined) this.traceTimers(0, now);
  }

  /** §3.10.7.1: everything is answered with a RST, except a RST. */
  private closedInput(seg: Segment): void {
    const rst = resetFor(seg);
    if (rst) this.queueControl(rst);
  }

  /** §3.10.7.2 */
  private listenInput(seg: Segment, now: number): void {
    const f = seg.flags;
    if (f & TcpFlag.RST) return; // first: an incoming RST is ignored
    if (f & TcpFlag.ACK) {
      // second: any acknowledgment is bad here: <SEQ=SEG.ACK><CTL=RST>
      this.queueRst(seg.ack, seg.srcPort);
      return;
    }
    if (!(f & TcpFlag.SYN)) return; // fifth: drop anything else
    if (f & TcpFlag.FIN && this.config.dropSynFin) return; // FreeBSD drop_synfin: SYN+FIN unanswered
    // third: security (no compartments in synack); fourth: the SYN.
    this.remotePort = seg.srcPort;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.iss = this.chooseIss(now);
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.negotiate(seg.options, now);
    // RFC 3168 §6.1.1: an ECN-setup SYN (ECE and CWR) is answered with an ECN-setup SYN-ACK if we do ECN.
    this.ecnEnabled = this.config.ecn !== 'off' && isEcnSetupSyn(f);
    this.startConnectTimer(now);
    // The SYN's window is never scaled (RFC 7323 §2.2).
    this.sndWnd = seg.window;
    this.maxSndWnd = seg.window;
    this.sndWl1 = seg.seq;
    this.sndWl2 = this.iss;
    this.passive = true;
    this.synNeeded = true;
    this.stats.PassiveOpens++;
    this.setState('SYN-RECEIVED', now);
    // Data or FIN on the SYN are processed once ESTABLISHED (§3.10.7.2): held in the queue.
    this.holdSynText(seg);
  }

  /** Data and FIN that came with a SYN wait in the reassembly queue until the connection is established. */
  private holdSynText(seg: Segment): void {
    const dataSeq = seqAdd(seg.seq, 1);
    // Only what fits in the window our SYN-ACK offers is kept (§3.10.7.4 trims to the window); the
    // peer sends the rest again, and a FIN behind dropped data is dropped with it.
    // (With receiveWindowFromBuffer, the buffer's free space: FreeBSD trims SYN data to rcv_wnd.)
    const room = this.config.receiveWindowFromBuffer ? this.freeReceiveSpace() : Math.min(this.receiveBufferSize, 0xffff);
    const kept = seg.payload.length > room ? seg.payload.subarray(0, room) : seg.payload;
    if (kept.length > 0) this.receiveBufferToFill().insertOutOfOrder(dataSeq, kept);
    if (seg.flags & TcpFlag.FIN && kept.length === seg.payload.length) this.peerFinSeq = seqAdd(dataSeq, kept.length);
  }

  /**
   * `synDataDelayedAck`: data held from the SYN is in order now that the connection is established.
   * It is acknowledged like any in-order data, with a delayed ACK (§3.8.6.3, RFC 5681 §4.2): nothing
   * arrived out of order, so there is no hole whose filling must be reported at once.
   */
  private deliverSynText(now: number): void {
    if (this.receiveBuffer.outOfOrderBytes === 0) return;
    const before = this.rcvNxt;
    this.rcvNxt = this.receiveBuffer.drainInOrder(this.rcvNxt);
    if (this.rcvNxt === before) return;
    this.emit({ type: 'readable' });
    if (this.config.ackDelayMs === 0) this.ackNow = true;
    else this.delayedAckAt ??= now + this.config.ackDelayMs;
  }

  /** Options from the peer's SYN or SYN-ACK (RFC 9293 §3.7.1, RFC 7323 §2.2 and §3.2, RFC 2018). */
  private negotiate(o: TcpOptions, now: number): void {
    if (o.mss !== undefined && o.mss > 0) this.peerMss = o.mss;
    // Options our SYN stopped offering (synRetransmitDropOptions), or never offered (noOptions), are
    // not negotiated either.
    const offered = !this.synOptionsDropped && !this.config.noOptions;
    // Window scaling is in effect only when both SYNs carry it (RFC 7323 §2.2).
    if (this.config.windowScaling && offered && o.wscale !== undefined) {
      this.windowScaling = true;
      this.sndShift = Math.min(o.wscale, 14); // §2.3: a shift above 14 is taken as 14
      this.rcvShift = this.offeredShift;
    } else {
      this.windowScaling = false;
      this.sndShift = 0;
      this.rcvShift = 0;
    }
    if (this.config.timestamps && offered && o.timestamp) {
      this.timestamps = true;
      this.tsRecent = o.timestamp.value;
      this.tsRecentTime = now;
    } else {
      this.timestamps = false;
    }
    this.sackPermitted = this.config.sack && offered && o.sackPermitted === true;
  }

  /** §3.10.7.3 */
  private synSentInput(seg: Segment, now: number): void {
    const f = seg.flags;
    let ackAcceptable = false;
    if (f & TcpFlag.ACK) {
      // first: SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable: RST (unless a RST), drop.
      if (seqLe(seg.ack, this.iss) || seqGt(seg.ack, this.sndMax)) {
        if (this.tracer !== undefined) this.traceDrop(seg, 'unacceptable ACK in SYN-SENT', now);
        if (!(f & TcpFlag.RST)) this.queueRst(seg.ack);
        return;
      }
      ackAcceptable = seqLt(this.sndUna, seg.ack) && seqLe(seg.ack, this.sndMax);
    }
    if (f & TcpFlag.RST) {
      // second: a RST counts only with an acceptable ACK (RFC 5961 §3.2 keeps this for SYN-SENT).
      if (ackAcceptable) this.fail('ECONNREFUSED', 'connection refused: RST in answer to our SYN', now);
      return;
    }
    // third: security, none. fourth: SYN.
    if (!(f & TcpFlag.SYN)) return; // fifth: neither SYN nor RST: drop
    if (f & TcpFlag.FIN && this.config.dropSynFin) return; // FreeBSD drop_synfin: SYN+FIN unanswered
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.negotiate(seg.options, now);
    this.sizeReceiveBuffer();
    if (f & TcpFlag.ACK) this.sndUna = seg.ack;
    if (seqGt(this.sndUna, this.iss)) {
      // Our SYN is acknowledged: ESTABLISHED. RFC 3168 §6.1.1: ECN if we asked for it and the SYN-ACK
      // is an ECN-setup SYN-ACK (ECE without CWR).
      this.ecnEnabled = this.ecnRequested && isEcnSetupSynAck(f);
      this.sndWnd = seg.window; // a SYN's window is not scaled
      this.maxSndWnd = seg.window;
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.sndNxt = seqGe(this.sndNxt, this.sndUna) ? this.sndNxt : this.sndUna;
      this.handshakeRtt(now);
      this.ackNow = true;
      this.establish(now);
      if (seg.payload.length > 0 || f & (TcpFlag.FIN | TcpFlag.URG)) {
        // §3.10.7.3: continue at the sixth step (URG), with the SYN itself trimmed off.
        const rest: Segment = { ...seg, seq: this.rcvNxt, flags: f & ~TcpFlag.SYN };
        // §3.10.7.4 processes only what lies inside the window (our SYN's): trim data and FIN beyond it.
        this.urgentTextFin(this.trimToWindow(rest, this.acceptWindow()), now);
      }
      return;
    }
    // Simultaneous open (Figure 7): SYN-RECEIVED, and our SYN goes again with an ACK, an ECN-setup
    // SYN-ACK when the peer's SYN was an ECN-setup SYN and we do ECN at all (as FreeBSD, even passively).
    this.ecnEnabled = this.config.ecn !== 'off' && isEcnSetupSyn(f);
    this.sndWnd = seg.window;
    this.maxSndWnd = seg.window;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    this.sndNxt = this.iss;
    this.synNeeded = true;
    this.setState('SYN-RECEIVED', now);
    this.holdSynText(seg);
  }

  /** RTT from the handshake, unless the SYN was retransmitted (Karn; RFC 6298 §5.7). */
  private handshakeRtt(now: number): void {
    if (this.handshakeUntimed) this.handshakeUntimed = false;
    else if (this.retransmits === 0) this.rttSample(now - this.synSentAt);
    else this.rtt.resetAfterHandshakeTimeout();
    this.retransmits = 0;
    this.retransmitAt = undefined;
  }

  private establish(now: number): void {
    this.connectTimeoutAt = undefined;
    this.cc?.setMss(this.sendMss);
    this.setState('ESTABLISHED', now);
    this.quickAcksLeft = this.config.quickAckSegments;
    this.lastHeardAt = Math.floor(now); // as Linux's tcp_finish_connect sets lrcvtime (whole ms: no boxed number)
    this.rcvAdv = seqAdd(this.rcvNxt, Math.min(this.freeReceiveSpace(), 0xffff));
    this.emit({ type: 'connected' });
    if (this.finRequested) this.setState('FIN-WAIT-1', now);
    this.releaseRare();
  }

  /** §3.10.7.4: SYN-RECEIVED and every state after it. */
  private synchronizedInput(seg: Segment, now: number): void {
    const f = seg.flags;
    const rst = (f & TcpFlag.RST) !== 0;
    const ts = seg.options.timestamp;

    // RFC 7323 §3.2 and §5.3 (R1): timestamps, checked before the sequence number.
    if (this.timestamps && !rst) {
      if (!ts) {
        if (this.config.requireTimestamps) {
          this.stats.TCPMissingTimestampDrops++;
          if (this.tracer !== undefined) this.traceDrop(seg, 'missing timestamp', now);
          return;
        }
      } else if (now - this.tsRecentTime <= PAWS_IDLE_MS && seqLt(ts.value, this.tsRecent)) {
        this.stats.PAWSEstab++;
        if (this.tracer !== undefined) this.traceDrop(seg, 'PAWS: old timestamp', now);
        this.ackNow = true;
        return;
      }
    }

    // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again (as Linux and FreeBSD do).
    if (this.state === 'SYN-RECEIVED' && f & TcpFlag.SYN && !(f & (TcpFlag.ACK | TcpFlag.RST)) && seg.seq === this.irs) {
      this.synNeeded = true;
      this.sndNxt = this.iss;
      return;
    }

    // Simultaneous open (Figure 7, line 6): the peer's SYN-ACK repeats the SYN we already hold. Trim the
    // SYN off first, as §3.10.7.4 allows ("trimming off any portions that lie outside the window
    // (including SYN and FIN)"), so that its ACK completes the handshake (Linux does the same).
    if (this.state === 'SYN-RECEIVED' && !this.passive && f & TcpFlag.SYN && f & TcpFlag.ACK && !rst && seg.seq === this.irs) {
      // Its ECE/CWR were ECN negotiation (RFC 3168 §6.1.1), not a congestion echo: trimmed off with the SYN.
      seg = { ...seg, seq: seqAdd(seg.seq, 1), flags: f & ~(TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR) };
    }

    // first: the sequence number.
    const len = segmentLength(seg);
    const wnd = this.acceptWindow();
    if (!this.acceptable(seg.seq, len, wnd)) {
      // Zero window: still take the ACK, URG and RST of a segment at RCV.NXT (§3.10.7.4).
      if (!(wnd === 0 && seg.seq === this.rcvNxt)) {
        if (this.tracer !== undefined) this.traceDrop(seg, rst ? 'RST out of window' : 'out of window', now);
        if (!rst) {
          this.stats.TCPOutOfWindowAcks++;
          if (seg.payload.length > 0 && seqLe(seqAdd(seg.seq, seg.payload.length), this.rcvNxt)) {
            this.stats.TCPDupData++;
            this.noteDuplicate(seg.seq, seqAdd(seg.seq, seg.payload.length), true);
          }
          // A bare ACK one octet behind RCV.NXT comes from a peer in zero-window probing whose probe
          // octet we accepted (its ACKs carry SEQ = SND.NXT, the probe's octet: it cannot know the probe
          // got in), or one whose data reached the edge of our window (see dataSegment). Its
          // acknowledgment and window are current, so take them (§3.10.7.4's "special allowance ... to
          // accept valid ACKs"; RFC 9293 Appendix A.2; BSD keeps processing the ACK of any old segment,
          // Stevens vol. 2 p. 960). Dropping them deadlocked two peers whose probes crossed and were
          // both accepted: each found the other's ACKs old and answered with an ACK old in turn, an ACK
          // war in which neither learnt that the window had opened. The answer §3.10.7.4 asks for
          // still goes, at most every BEHIND_ACK_REPLY_MS (Linux's tcp_invalid_ratelimit), so that two
          // such peers cannot keep answering each other's answers. A keep-alive probe (SEG.SEQ =
          // SND.NXT - 1) has the same shape; its ACK is current too, and it is answered. Segments with
          // data, or further behind, are dropped whole as §3.10.7.4 says.
          const behind = len === 0 && (f & TcpFlag.ACK) !== 0 && seqAdd(seg.seq, 1) === this.rcvNxt && this.state !== 'TIME-WAIT' && this.state !== 'SYN-RECEIVED';
          if (!behind || now - this.behindAckReplyAt >= BEHIND_ACK_REPLY_MS) {
            this.ackNow = true;
            if (behind) this.behindAckReplyAt = now;
          }
          // finWithAck: a SYN is answered with a bare ACK (FreeBSD's challenge ACK through tcp_respond()).
          if (f & TcpFlag.SYN) this.bareAck = true;
          // TIME-WAIT: a retransmitted FIN is re-acknowledged and restarts the 2*MSL timer.
          if (this.state === 'TIME-WAIT' && f & TcpFlag.FIN && seqAdd(seg.seq, seg.payload.length + 1) === this.rcvNxt) {
            this.closeAt = now + 2 * this.config.mslMs;
          }
          // finWithAck: the peer's FIN again, as a peer like us sends its ACKs while its own FIN is
          // unacknowledged: its ACK field is current, so take it (BSD processes the ACK of an old
          // segment, Stevens vol. 2 p. 960). Two such peers in CLOSING would otherwise answer each
          // other's FIN with their own FIN forever, neither learning that its FIN got through.
          const finAgain =
            this.config.finWithAck &&
            (f & (TcpFlag.ACK | TcpFlag.FIN | TcpFlag.SYN)) === (TcpFlag.ACK | TcpFlag.FIN) &&
            seg.payload.length === 0 &&
            this.peerFinSeq === seg.seq &&
            seqAdd(seg.seq, 1) === this.rcvNxt &&
            this.state !== 'TIME-WAIT';
          if (behind || finAgain) this.ackInput(seg, now);
        }
        return;
      }
      // Keep the SYN: RFC 5961 §4.2 challenges it "irrespective of the sequence number" and drops the
      // segment, so its ACK must not be taken.
      seg = { ...seg, payload: EMPTY_PAYLOAD, flags: f & ~TcpFlag.FIN };
      this.ackNow = true;
      if (f & TcpFlag.SYN) this.bareAck = true;
    }
    // Data partly below RCV.NXT: its old part arrived twice (RFC 2883 §4).
    if (seg.payload.length > 0 && seqLt(seg.seq, this.rcvNxt) && !(seg.flags & TcpFlag.SYN)) this.noteDuplicate(seg.seq, this.rcvNxt, true);
    seg = this.trimToWindow(seg, wnd);
    this.heardFromPeer(now);

    // RFC 7323 §4.3: TS.Recent follows the segment that covers Last.ACK.sent.
    if (this.timestamps && ts && seqGe(ts.value, this.tsRecent) && seqLe(seg.seq, this.lastAckSent)) {
      this.tsRecent = ts.value;
      this.tsRecentTime = now;
    }

    // second: RST (with RFC 5961 §3.2).
    if (seg.flags & TcpFlag.RST) {
      this.rstInput(seg, now);
      return;
    }
    // third: security and precedence: no compartments in synack.
    // fourth: SYN (RFC 5961 §4).
    if (seg.flags & TcpFlag.SYN) {
      if (this.state === 'SYN-RECEIVED' && this.passive) {
        this.attemptFailed(now, 'SYN in window during SYN-RECEIVED');
        return;
      }
      if (this.tracer !== undefined) this.traceDrop(seg, rfc5961SynChecks(this.config) ? 'SYN in window: challenge ACK' : 'SYN in window', now);
      if (rfc5961SynChecks(this.config)) this.challengeAck(now);
      else if (wnd > 0) {
        // RFC 793 behaviour (FreeBSD insecure_syn=1): a SYN in the window is an error: reset. A SYN that
        // survived the sequence check and trimming lies at or after RCV.NXT, so inside the window. The
        // reset is FreeBSD's (tcp_drop() sends from CLOSED): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, window 0.
        this.queueControl(
          makeSegment({ srcPort: this.localPort, dstPort: this.remotePort, seq: this.sndMax, ack: this.rcvNxt, flags: TcpFlag.RST | TcpFlag.ACK }),
        );
        this.fail('ECONNRESET', 'connection reset: SYN in window', now);
      } else {
        // Zero window: SEG.SEQ = RCV.NXT is not inside an empty window, so it is not the RFC 793 error: ACK.
        this.ackNow = true;
        this.bareAck = true;
      }
      return;
    }
    // RFC 3168 §6.1.3: echo a CE mark with ECE on our ACKs until the peer says CWR (a CE on the CWR
    // segment itself is new congestion).
    if (this.ecnEnabled) {
      if (seg.flags & TcpFlag.CWR) this.ecnEcho = false;
      if (seg.ipEcn === CE) this.ecnEcho = true;
    }
    // fifth: ACK.
    if (!(seg.flags & TcpFlag.ACK)) return;
    if (!this.ackInput(seg, now)) return;
    this.urgentTextFin(seg, now);
  }

  /** The four cases of §3.10.7.4's acceptability table. */
  private acceptable(seq: number, len: number, wnd: number): boolean {
    const nxt = this.rcvNxt;
    if (len === 0) {
      return wnd === 0 ? seq === nxt : seqDistance(nxt, seq) < wnd;
    }
    if (wnd === 0) return false;
    const last = seqAdd(seq, len - 1);
    return seqDistance(nxt, seq) < wnd || seqDistance(nxt, last) < wnd;
  }

  /** Keep only the part of the segment inside [RCV.NXT, RCV.NXT + RCV.WND): "only the new parts are processed". */
  private trimToWindow(seg: Segment, wnd: number): Segment {
    let { seq, payload, flags } = seg;
    let changed = false;
    if (seqLt(seq, this.rcvNxt)) {
      let cut = seqDiff(this.rcvNxt, seq);
      if (flags & TcpFlag.SYN) {
        flags &= ~TcpFlag.SYN;
        cut--;
      }
      if (cut >= payload.length) {
        if (cut > payload.length) flags &= ~TcpFlag.FIN; // the FIN was old too
        cut = payload.length;
      }
      payload = payload.subarray(cut);
      seq = this.rcvNxt;
      changed = true;
    }
    const room = wnd - seqDiff(seq, this.rcvNxt);
    if (payload.length > room) {
      payload = payload.subarray(0, Math.max(0, room));
      flags &= ~TcpFlag.FIN; // a FIN beyond the window is not accepted
      changed = true;
    } else if (payload.length === room && flags & TcpFlag.FIN) {
      // §3.10.7.4: the FIN would sit at RCV.NXT + RCV.WND, just outside the window: trimmed off.
      flags &= ~TcpFlag.FIN;
      changed = true;
    }
    return changed ? { ...seg, seq, payload, flags } : seg;
  }

  private rstInput(seg: Segment, now: number): void {
    // RFC 5961 §3.2: only a RST at exactly RCV.NXT resets; one elsewhere in the window gets a challenge
    // ACK. With those checks off (FreeBSD insecure_rst=1) any RST in the window resets (RFC 793).
    if (rfc5961RstChecks(this.config) && seg.seq !== this.rcvNxt) {
      if (this.tracer !== undefined) this.traceDrop(seg, 'RST not at RCV.NXT: challenge ACK', now);
      this.challengeAck(now);
      return;
    }
    switch (this.state) {
      case 'SYN-RECEIVED':
        if (this.passive) this.attemptFailed(now, 'RST in SYN-RECEIVED');
        else this.fail('ECONNREFUSED', 'connection refused', now);
        return;
      case 'ESTABLISHED':
      case 'CLOSE-WAIT':
        this.fail('ECONNRESET', 'connection reset by peer', now);
        return;
      case 'FIN-WAIT-1':
      case 'FIN-WAIT-2':
        this.fail('ECONNRESET', 'connection reset by peer', now);
        return;
      case 'CLOSING':
      case 'LAST-ACK':
        this.enterClosed(now);
        return;
      case 'TIME-WAIT':
        // RFC 1337: a RST must not cut TIME-WAIT short (TIME-WAIT assassination).
        return;
      default:
        return;
    }
  }

  /** A passively opened connection that did not complete: back to LISTEN, or gone (a stack's child). */
  private attemptFailed(now: number, why: string): void {
    this.stats.AttemptFails++;
    if (this.returnsToListen) {
      this.resetToListen(now);
      return;
    }
    void why;
    this.enterClosed(now);
  }

  private resetToListen(now: number): void {
    this.sndBuf = undefined;
    this.rcvBuf = undefined;
    this.remotePort = 0;
    this.synNeeded = false;
    this.ackNow = false;
    this.control = undefined;
    this.retransmitAt = undefined;
    this.retransmits = 0;
    this.peerFinSeq = undefined;
    this.finSeq = undefined;
    this.finRequested = false;
    this.passive = false;
    this.timestamps = false;
    this.windowScaling = false;
    this.sackPermitted = false;
    this.sndShift = 0;
    this.rcvShift = 0;
    this.ecnEnabled = false;
    this.ecnEcho = false;
    this.ecnCwrPending = false;
    this.ecnRecover = undefined;
    this.connectTimeoutAt = undefined;
    this.setState('LISTEN', now);
  }

  /** Fifth step. Returns false when the segment is finished with. */
  private ackInput(seg: Segment, now: number): boolean {
    const ack = seg.ack;
    if (this.state === 'SYN-RECEIVED') {
      if (!(seqLt(this.sndUna, ack) && seqLe(ack, this.sndMax))) {
        if (this.tracer !== undefined) this.traceDrop(seg, 'unacceptable ACK in SYN-RECEIVED', now);
        this.queueRst(ack); // <SEQ=SEG.ACK><CTL=RST>
        return false;
      }
      this.handshakeRtt(now);
      this.sndWnd = seg.window << this.sndShift;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      this.sndUna = ack;
      if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
      this.synNeeded = false;
      if (this.passive) this.sizeReceiveBuffer();
      this.establish(now);
      if (this.config.synDataDelayedAck) this.deliverSynText(now);
      // Fall through to the ESTABLISHED processing of the same ACK (it may acknowledge data too).
    }
    // RFC 5961 §5.2: SEG.ACK must lie in [SND.UNA - MAX.SND.WND, SND.NXT].
    if (this.config.rfc5961 && !(seqGe(ack, seqAdd(this.sndUna, -this.maxSndWnd)) && seqLe(ack, this.sndMax))) {
      if (this.tracer !== undefined) this.traceDrop(seg, 'ACK outside the window: challenge ACK', now);
      this.challengeAck(now);
      return false;
    }
    if (seqGt(ack, this.sndMax)) {
      // Acknowledges something not yet sent: ACK, drop.
      if (this.tracer !== undefined) this.traceDrop(seg, 'ACK of unsent data', now);
      this.ackNow = true;
      return false;
    }
    if (this.ecnEnabled && seg.flags & TcpFlag.ECE) this.ecnEchoed(ack, now);
    const unaBefore = this.sndUna;
    const sackedBefore = this.sackPermitted ? (this.sacksState?.sackedBytes ?? 0) : this.renoSacked;
    let newlySacked = 0;
    if (this.sackPermitted) this.rackState?.beginAck();
    if (this.sackPermitted && seg.options.sack && this.state !== 'SYN-RECEIVED') newlySacked = this.sackInput(seg.options.sack, ack, now);
    if (seqLt(this.sndUna, ack)) this.newAck(seg, now);
    else if (ack === this.sndUna && this.sndMax !== this.sndUna && this.isDuplicateAck(seg, newlySacked)) {
      this.stats.DupAcks++;
      this.dupAck();
    }
    if (isSynchronized(this.state)) this.lossRecoveryOnAck(seg, unaBefore, sackedBefore, now);
    if (seqLe(this.sndUna, ack)) {
      // Window update (§3.10.7.4): only from a segment at least as new as the last one used.
      if (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, ack))) {
        this.sndWnd = seg.window << this.sndShift;
        this.sndWl1 = seg.seq;
        this.sndWl2 = ack;
        if (this.sndWnd > this.maxSndWnd) this.maxSndWnd = this.sndWnd;
        if (this.sndWnd > 0) {
          this.persistAt = undefined;
          this.persistBackoff = 0;
        }
      }
      // §3.8.6.1 (MUST-38): a peer that answers zero-window probes keeps the connection open. The user
      // timeout (RFC 5482) stops here and starts again with the next probe (dataSegment arms it).
      if (this.sndWnd === 0) this.userTimeoutAt = undefined;
    }
    const finAcked = this.finSeq !== undefined && seqGt(this.sndUna, this.finSeq);
    switch (this.state) {
      case 'FIN-WAIT-1':
        if (finAcked) {
          this.setState('FIN-WAIT-2', now);
          if (this.userClosed) this.closeAt = now + this.config.finWait2TimeoutMs;
        }
        return true;
      case 'CLOSING':
        if (finAcked) this.enterTimeWait(now);
        return false; // otherwise ignore the segment
      case 'LAST-ACK':
        if (finAcked) this.enterClosed(now);
        return false;
      case 'TIME-WAIT':
        // Only a retransmitted FIN can arrive: handled with the FIN below.
        return true;
      default:
        return true;
    }
  }

  /**
   * RFC 5681 §2's duplicate ACK: data outstanding, no data, no SYN or FIN, SEG.ACK = SND.UNA and the
   * same window. With SACK, RFC 6675 §2's: it must SACK octets not SACKed before, which also keeps
   * a duplicated ACK packet (same SACK blocks) from counting twice.
   */
  private isDuplicateAck(seg: Segment, newlySacked: number): boolean {
    if (this.sackPermitted) return newlySacked > 0;
    return seg.payload.length === 0 && !(seg.flags & (TcpFlag.SYN | TcpFlag.FIN)) && seg.window << this.sndShift === this.sndWnd;
  }

  /**
   * A duplicate ACK. Without SACK it stands for one segment that left the network (RFC 6675's
   * DupAck, Linux's reno sacked_out); limited transmit (RFC 3042) lets the first two send new data.
   */
  private dupAck(): void {
    this.dupAckCount++;
    if (!this.sackPermitted) {
      const flight = seqDiff(this.sndMax, this.sndUna);
      this.renoSacked = Math.min(this.renoSacked + this.sendMss, Math.max(0, flight - this.sendMss));
    }
  }

  /**
   * The peer's SACK blocks (RFC 2018 §4): validated (RFC 2883 §4: D-SACK; blocks outside
   * SND.UNA..SND.MAX ignored), recorded in the scoreboard and RACK. Returns the octets newly SACKed.
   */
  private sackInput(blocks: ReadonlyArray<readonly [number, number]>, ack: number, now: number): number {
    let newly = 0;
    for (let i = 0; i < blocks.length; i++) {
      const kind = SackScoreboard.classify(blocks, i, ack, this.sndUna, this.sndMax);
      if (kind === SackBlockKind.Invalid) {
        this.stats.TCPSACKDiscard++;
        continue;
      }
      const [l, r] = blocks[i];
      if (kind === SackBlockKind.Duplicate) {
        this.dsackInput(l, r, now);
        continue;
      }
      newly += this.sacks.add(l, r);
      // A SACK block covers data only: a segment that also carried our FIN is delivered all the same.
      this.rack.onSack(l, this.finSeq !== undefined && r === this.finSeq ? seqAdd(r, 1) : r, now, this.minRtt);
    }
    return newly;
  }

  /** A D-SACK (RFC 2883): the peer got [l, r) twice. */
  private dsackInput(l: number, r: number, now: number): void {
    this.stats.TCPDSACKRecv++;
    this.rack.onDsack(this.sndUna, this.sndMax);
    // A D-SACK for the loss probe: the probe was a duplicate, there was no loss (RFC 8985 §7.4.1).
    // The probe stays outstanding until SND.UNA passes it: one probe per episode, so that probes
    // cannot keep pushing the retransmission timer away.
    if (this.tlpHighSeq !== undefined && this.tlpRetrans && seqLt(l, this.tlpHighSeq)) this.tlpRetrans = false;
    // RFC 3708: each retransmission of the episode the peer reports as a duplicate was unnecessary;
    // when all of them were, so was the reduction.
    if (this.undoRetrans > 0 && this.recover !== undefined && seqLt(l, this.recover)) {
      this.undoRetrans -= Math.max(1, Math.ceil(seqDiff(r, l) / this.sendMss));
      if (this.undoRetrans <= 0) {
        this.undoRetrans = -1;
        this.stats.TCPDSACKUndo++;
        this.undoReduction(now);
      }
    }
  }

  /** SND.UNA < SEG.ACK: data (and perhaps our FIN) acknowledged. */
  private newAck(seg: Segment, now: number): void {
    const ack = seg.ack;
    const acked = seqDiff(ack, this.sndUna);
    const finCovered = this.finSeq !== undefined && seqGt(ack, this.finSeq) ? 1 : 0;
    const sendBuffer = this.sndBuf;
    if (sendBuffer !== undefined) {
      sendBuffer.consume(acked - finCovered);
      if (sendBuffer.length === 0) {
        spareSendBuffer ??= sendBuffer;
        this.sndBuf = undefined;
      }
    }
    this.dupAckCount = 0;
    let restartTimer = true;
    if (this.sackPermitted) {
      this.sacks.advance(ack);
      this.rack.onCumulativeAck(ack, now, this.minRtt);
    } else {
      // The cumulative ACK covers the hole and the segments the duplicate ACKs stood for (Linux's
      // tcp_remove_reno_sacks: all but one acknowledged segment had been counted already).
      this.renoSacked = Math.max(0, this.renoSacked - Math.max(0, acked - this.sendMss));
      if (this.inRecovery && this.recover !== undefined && seqLt(ack, this.recover)) {
        // RFC 6582 §3.2 step 5 (partial ACK): retransmit the next unacknowledged segment; only the
        // first partial ACK restarts the retransmission timer ("Impatient" variant).
        this.fastRetransmitPending = true;
        if (this.partialAcks++ > 0) restartTimer = false;
      }
    }
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
    if (this.urgentPending && seqGe(ack, this.sndUp)) this.urgentPending = false;
    // RTT: from the echoed timestamp (RFC 7323 §4.1), else the timed segment (Karn's rule).
    const ts = seg.options.timestamp;
    if (this.timestamps && ts && ts.echo !== 0) {
      // RFC 6298 §3 (Karn): a sample from retransmitted data is allowed only because the timestamp
      // says which transmission the ACK answers. It does not when the echo predates our latest
      // retransmission: that retransmission was a duplicate at the receiver (its original arrived and
      // the ACK was lost), and RFC 7323 §5.3 rejects it (R2) before it can update TS.Recent (R3), so
      // the receiver echoes the older TSval and the "RTT" includes our own backed-off timeout. Taking
      // it inflates SRTT and the RTO, whose next timeout inflates the next sample: under heavy loss
      // the RTO climbed to its 120 s maximum on a 2 ms path. No sample, as Karn would have it.
      if (this.retransmitTsval === undefined || seqGe(ts.echo, this.retransmitTsval)) this.rttSample(seqDiff(this.tsNow(now), ts.echo));
    } else if (this.rttSeq !== undefined && seqGt(ack, this.rttSeq)) {
      this.rttSample(now - this.rttStart);
      this.rttSeq = undefined;
    }
    if (this.retransmitTsval !== undefined && seqGe(this.sndUna, this.retransmitHigh)) this.retransmitTsval = undefined;
    this.retransmits = 0;
    // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
    if (this.sndUna === this.sndMax) this.retransmitAt = undefined;
    else if (restartTimer || this.retransmitAt === undefined) this.retransmitAt = now + this.rtt.rto;
    if (this.sndUna === this.sndMax) {
      this.fastRetransmitPending = false;
      this.pacingNextAt = undefined; // nothing in flight: the next flight starts unpaced (its pace starts from now)
    }
    this.userTimeoutAt = this.sndUna === this.sndMax || this.config.userTimeoutMs === undefined ? undefined : now + this.config.userTimeoutMs;
    if (this.config.bufferAutoTuning) {
      // Send-buffer growth (Linux's tcp_sndbuf_expand): room for twice cwnd, up to sendBufferMax. The
      // size is the connection's own config (a buffer made later takes it from there).
      const want = Math.min(this.config.sendBufferMax, 2 * Math.floor(this.congestion.cwnd));
      if (want > this.config.sendBufferSize) {
        this.config.sendBufferSize = want;
        if (this.sndBuf) this.sndBuf.capacity = want;
      }
    }
    if (this.sendRefused && this.writableLength > 0) {
      this.sendRefused = false;
      this.emit({ type: 'writable' });
    }
    if (this.sndUna === this.sndMax) this.releaseRare();
  }


  private rttSample(ms: number): void {
    this.rtt.sample(ms);
    this.lastRttSample = ms;
    if (this.minRtt === undefined || ms < this.minRtt) this.minRtt = ms;
  }

  // ---------------------------------------------------------------------------------------------
  // Loss recovery (sender): RACK-TLP with SACK (RFC 8985), NewReno without (RFC 6582), PRR in both
  // (RFC 6937), and undoing a reduction that proved spurious (RFC 3522, RFC 3708).

  /** After the ACK fields of a segment were processed: detect loss, run recovery, grow the window. */
  private lossRecoveryOnAck(seg: Segment, unaBefore: number, sackedBefore: number, now: number): void {
    const advanced = seqDiff(this.sndUna, unaBefore);
    const sacked = this.sackPermitted ? (this.sacksState?.sackedBytes ?? 0) : this.renoSacked;
    // RFC 6937 §3 DeliveredData: the change in SND.UNA plus the change in SACKed octets.
    const delivered = Math.max(0, advanced + sacked - sackedBefore);
    if (advanced > 0) this.detectSpurious(seg, now);
    if (this.tlpHighSeq !== undefined && seqGe(this.sndUna, this.tlpHighSeq)) this.tlpAcked(now);
    const rack = this.rackState;
    if (rack !== undefined && rack.reorderedSegments > 0) {
      this.stats.TCPSACKReorder++;
      rack.reorderedSegments = 0;
    }
    if (this.sackPermitted) {
      // RFC 8985 §6.2: RACK on every ACK that delivered something.
      if (delivered > 0 || this.inRecovery) this.rackDetect(now);
    } else if (!this.inRecovery && this.dupAckCount === 3 && advanced === 0 && (this.recover === undefined || seqGe(this.sndUna, this.recover))) {
      // RFC 6582 §3.2 step 2 (RFC 5681 §3.2): the third duplicate ACK, not of data sent before the
      // last recovery or timeout: fast retransmit.
      this.enterRecovery(now);
      this.fastRetransmitPending = true;
    }
    if (this.inRecovery) {
      if (this.recover !== undefined && seqGe(this.sndUna, this.recover)) this.exitRecovery(now);
      else this.congestion.cwnd = this.prr.onAck(delivered, this.pipe(), this.congestion.ssthresh, this.sendMss);
    } else if (advanced > 0) {
      const sample = ACK_SAMPLE;
      sample.delivered = delivered;
      sample.inFlight = seqDiff(this.sndMax, unaBefore);
      sample.ack = this.sndUna;
      sample.sndNxt = this.sndMax;
      sample.rttMs = this.lastRttSample;
      sample.minRttMs = this.minRtt;
      sample.cwndLimited = sample.inFlight + this.sendMss >= this.congestion.cwnd;
      sample.now = now;
      this.congestion.onAck(sample);
    }
    this.lastRttSample = undefined;
    if (!this.inRecovery && advanced > 0) this.renoSacked = 0;
    this.armLossProbe(now);
  }

  /** RFC 8985 §6.2 step 5 and §6.3: mark lost what RACK says is, arm the reorder timer, start recovery. */
  private rackDetect(now: number): void {
    const reoWnd = this.rack.reoWnd(this.inRecovery, this.minRtt, this.rtt.srtt);
    const lost = this.rack.detectLoss(now, reoWnd);
    if (this.rack.reorderTimeout > 0) {
      this.lossTimerAt = now + this.rack.reorderTimeout;
      this.lossTimerKind = 'reorder';
    } else if (this.lossTimerKind === 'reorder') {
      this.lossTimerAt = undefined;
    }
    if (lost > 0 && !this.inRecovery && seqLt(this.sndNxt, this.sndMax) === false && (this.recover === undefined || seqGe(this.sndUna, this.recover))) {
      if (this.tlpHighSeq !== undefined) this.stats.TCPLossProbeRecovery++;
      this.enterRecovery(now);
    }
  }

  /** RFC 6675 §5 / RFC 6582 §3.2 step 2: a loss detected: one reduction for this window, by PRR. */
  private enterRecovery(now: number): void {
    const flight = seqDiff(this.sndMax, this.sndUna);
    this.congestion.onCongestionEvent(flight, now);
    if (this.tracer !== undefined) this.tracer.cwnd(this.congestion.cwnd, this.congestion.ssthresh, 'loss', now);
    this.prr.start(flight);
    this.inRecovery = true;
    this.recover = this.sndMax;
    this.partialAcks = 0;
    this.stats.TCPFastRetrans++;
    if (this.sackPermitted) this.stats.TCPSackRecovery++;
    else this.stats.TCPRenoRecovery++;
    // RFC 3168 §6.1.2: a window reduction "for any reason" is announced with CWR on the next new data.
    if (this.ecnEnabled) this.ecnCwrPending = true;
    this.startUndo(false);
    if (this.lossTimerKind === 'probe') this.lossTimerAt = undefined;
  }

  /** Everything outstanding at the start acknowledged: RFC 6937 ends with cwnd = ssthresh. */
  private exitRecovery(now: number): void {
    this.inRecovery = false;
    this.congestion.cwnd = this.congestion.ssthresh;
    this.congestion.onRecoveryEnd(now);
    if (this.tracer !== undefined) this.tracer.cwnd(this.congestion.cwnd, this.congestion.ssthresh, 'recovery-end', now);
    this.rack.onRecoveryEnd();
    this.renoSacked = 0;
    this.fastRetransmitPending = false;
  }

  /**
   * RFC 6675 §4's pipe: octets believed in the network. With SACK: outstanding less SACKed less
   * marked lost (a lost segment sent again counts again); without, FlightSize less one SMSS for each
   * duplicate ACK, less the segment at SND.UNA while its fast retransmission waits.
   */
  pipe(): number {
    const flight = seqDiff(this.sndMax, this.sndUna);
    if (this.sackPermitted) return Math.max(0, flight - (this.sacksState?.sackedBytes ?? 0) - (this.rackState?.lostBytes() ?? 0));
    const head = this.fastRetransmitPending ? Math.min(this.sendMss, flight) : 0;
    return Math.max(0, flight - this.renoSacked - head);
  }

  /** A new reduction: arm the detection of its being spurious (timestamps, D-SACK). */
  private startUndo(afterRto: boolean): void {
    this.undoArmed = this.timestamps;
    this.undoTsval = undefined;
    this.undoRetrans = this.sackPermitted ? 0 : -1;
    this.undoAfterRto = afterRto;
  }

  /** A retransmission went: the first one's TSval is Eifel's reference (RFC 3522 §2). */
  private noteRetransmission(now: number): void {
    if (this.undoArmed) {
      this.undoArmed = false;
      this.undoTsval = this.tsNow(now);
    }
    if (this.undoRetrans >= 0) this.undoRetrans++;
  }

  /**
   * RFC 3522 (Eifel detection): the first ACK of new data after the first retransmission echoes a
   * TSval older than that retransmission's: the original arrived, the retransmission was spurious.
   */
  private detectSpurious(seg: Segment, now: number): void {
    if (this.undoTsval === undefined) return;
    const ts = seg.options.timestamp;
    const reference = this.undoTsval;
    this.undoTsval = undefined;
    if (!this.timestamps || !ts || ts.echo === 0 || !seqLt(ts.echo, reference)) return;
    if (this.undoAfterRto) this.stats.TCPSpuriousRTOs++;
    else this.stats.TCPFullUndo++;
    this.undoReduction(now);
  }

  /** The last reduction was spurious: the controller restores its window (RFC 4015 §3.2's response). */
  private undoReduction(now: number): void {
    this.undoRetrans = -1;
    this.undoTsval = undefined;
    this.undoArmed = false;
    this.congestion.undo(now);
    if (this.tracer !== undefined) this.tracer.cwnd(this.congestion.cwnd, this.congestion.ssthresh, 'undo', now);
    this.rack.clearLost();
    if (this.inRecovery) {
      this.inRecovery = false;
      this.congestion.onRecoveryEnd(now);
      this.fastRetransmitPending = false;
    }
    // RFC 4015 §3.2: after a spurious timeout, go on with new data rather than going back N.
    if (this.undoAfterRto && seqLt(this.sndNxt, this.sndMax)) this.sndNxt = this.sndMax;
    this.recover = undefined;
    this.stats.TCPLossUndo++;
  }

  /**
   * RFC 8985 §7.2: arm the probe timeout when SACK is in use, nothing is in recovery, data is
   * outstanding and no probe is out: PTO = 2*SRTT, plus the worst-case delayed ACK when one segment
   * is in flight, and never later than the RTO.
   */
  private armLossProbe(now: number): void {
    if (this.lossTimerKind === 'reorder' && this.lossTimerAt !== undefined) return;
    const srtt = this.rtt.srtt;
    const flight = seqDiff(this.sndMax, this.sndUna);
    if (!this.sackPermitted || !this.config.tailLossProbe || this.inRecovery || this.tlpHighSeq !== undefined || srtt === undefined || flight === 0 || seqLt(this.sndNxt, this.sndMax) || this.retransmits > 0) {
      if (this.lossTimerKind === 'probe') this.lossTimerAt = undefined;
      return;
    }
    let pto = 2 * srtt;
    if (flight <= this.sendMss) pto += WC_DEL_ACK_MS;
    pto = Math.max(pto, this.config.clockGranularityMs);
    const at = now + pto;
    if (this.retransmitAt !== undefined && at >= this.retransmitAt) {
      this.lossTimerAt = undefined;
      return;
    }
    this.lossTimerAt = at;
    this.lossTimerKind = 'probe';
  }

  /** RACK's reorder timer or TLP's probe timer fired. */
  private lossTimeout(now: number): void {
    this.lossTimerAt = undefined;
    if (this.lossTimerKind === 'reorder') {
      this.lossTimerKind = 'probe';
      this.rackDetect(now);
      if (this.inRecovery) this.congestion.cwnd = this.prr.onAck(0, this.pipe(), this.congestion.ssthresh, this.sendMss);
      return;
    }
    // RFC 8985 §7.3: send a probe at the next pollTransmit.
    this.tlpPending = true;
  }

  /**
   * RFC 8985 §7.4: SND.UNA passed the probe. A retransmitted probe not reported as a duplicate
   * repaired a loss: respond to it as to any loss (one reduction).
   */
  private tlpAcked(now: number): void {
    const retrans = this.tlpRetrans;
    this.tlpHighSeq = undefined;
    if (!retrans || this.inRecovery) return;
    this.stats.TCPLossProbeRecovery++;
    this.congestion.onCongestionEvent(seqDiff(this.sndMax, this.sndUna) + this.sendMss, now);
    this.congestion.cwnd = this.congestion.ssthresh;
    this.congestion.onRecoveryEnd(now);
    if (this.tracer !== undefined) this.tracer.cwnd(this.congestion.cwnd, this.congestion.ssthresh, 'loss', now);
    if (this.ecnEnabled) this.ecnCwrPending = true;
  }

  /** Sixth to eighth steps: URG, text, FIN. */
  private urgentTextFin(seg: Segment, now: number): void {
    const receiving = this.state === 'ESTABLISHED' || this.state === 'FIN-WAIT-1' || this.state === 'FIN-WAIT-2';
    // sixth: URG (RFC 6093: the pointer is the sequence number of the byte after the urgent data).
    if (seg.flags & TcpFlag.URG && receiving) {
      const up = seqAdd(seg.seq, seg.urgentPointer);
      if (seqGt(up, this.rcvUp) || this.rcvUp === 0) {
        this.rcvUp = up;
        if (seqGt(up, this.rcvNxt)) this.emit({ type: 'urgent', pointer: up });
      }
    }
    // seventh: text.
    if (receiving) {
      if (seg.payload.length > 0) {
        if (this.userClosed) {
          // Nobody will read it: tell the peer its data was lost (§3.6).
          this.abort(now);
          return;
        }
        this.receiveText(seg, now);
      } else if (this.receiveBuffer.outOfOrderBytes > 0) {
        this.advanceInOrder();
      }
    }
    // eighth: FIN.
    if (seg.flags & TcpFlag.FIN && this.state !== 'TIME-WAIT') {
      const finSeq = seqAdd(seg.seq, seg.payload.length);
      // A held FIN that in-order data has since passed was never a real end of stream: by the time it
      // would be processed it is an old segment (§3.10.7.4), so this FIN replaces it.
      if (this.peerFinSeq === undefined || (!this.endSignalled && seqLt(this.peerFinSeq, this.rcvNxt))) this.peerFinSeq = finSeq;
      // A FIN ahead of RCV.NXT is an out-of-order segment: duplicate ACK at once (RFC 5681 §4.2), as for data.
      if (seqGt(finSeq, this.rcvNxt)) this.ackNow = true;
    } else if (seg.flags & TcpFlag.FIN && this.state === 'TIME-WAIT') {
      // The peer's FIN again: re-acknowledge and restart 2*MSL.
      this.ackNow = true;
      this.closeAt = now + 2 * this.config.mslMs;
      return;
    }
    if (this.peerFinSeq !== undefined && this.peerFinSeq === this.rcvNxt) this.peerFin(now);
  }

  private receiveText(seg: Segment, now: number): void {
    const hadHoles = this.receiveBuffer.outOfOrderBytes > 0;
    if (seg.seq === this.rcvNxt) {
      this.receiveBufferToFill().pushInOrder(seg.payload);
      this.rcvNxt = seqAdd(this.rcvNxt, seg.payload.length);
      this.advanceInOrder();
      this.emit({ type: 'readable' });
      this.unackedSegments++;
      if (this.config.bufferAutoTuning) this.tuneReceiveBuffer(seg, now);
      // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: ACK at least every second full-sized segment, at once when a
      // hole fills, and each of the first `quickAckSegments` (Linux's quickack mode).
      // Not in an interactive exchange, where the answer carries the ACK (Linux: no quick ACKs in pingpong mode).
      const quick = this.quickAcksLeft > 0 && !this.pingpong;
      if (quick) this.quickAcksLeft--;
      if (hadHoles || quick || this.config.ackDelayMs === 0 || this.unackedSegments >= 2) this.ackNow = true;
      else if (this.delayedAckAt === undefined) this.delayedAckAt = now + this.config.ackDelayMs;
    } else {
      // Ahead of RCV.NXT: hold it, and ACK at once so the sender sees the gap (RFC 5681 §4.2).
      const added = this.receiveBufferToFill().insertOutOfOrder(seg.seq, seg.payload);
      // Held already, all of it: a duplicate (RFC 2883 §4: the D-SACK first, then its block).
      if (added === 0) this.noteDuplicate(seg.seq, seqAdd(seg.seq, seg.payload.length), false);
      if (this.sackPermitted) this.noteSackBlock(seg.seq);
      this.stats.TCPOFOQueue++;
      this.ackNow = true;
    }
  }

  /**
   * Receive-buffer auto-tuning (autotune.ts), as in-order data arrives. The round trip comes from the
   * timestamp this segment echoes, else from our own sending's SRTT; what counts is what the
   * application read (see read()), so a buffer nobody reads never grows.
   */
  private tuneReceiveBuffer(seg: Segment, now: number): void {
    const tuner = (this.rcvTuner ??= new ReceiveSpaceTuner(this.rcvBufSize / 2, now));
    const ts = seg.options.timestamp;
    if (this.timestamps && ts !== undefined && ts.echo !== 0) tuner.rttSample(seqDiff(this.tsNow(now), ts.echo));
    const size = tuner.adjust(now, tuner.rcvRttMs ?? this.rtt.srtt, this.advertisedMss, this.rcvBufSize, this.config.receiveBufferMax);
    if (size > this.rcvBufSize) {
      this.rcvBufSize = size;
      this.stats.TCPRcvBufGrown++;
    }
  }

  private advanceInOrder(): void {
    const before = this.rcvNxt;
    this.rcvNxt = this.receiveBuffer.drainInOrder(this.rcvNxt);
    if (this.rcvNxt !== before) {
      this.emit({ type: 'readable' });
      this.ackNow = true;
    }
  }

  /** The peer's FIN, now in order (§3.10.7.4 eighth step). */
  private peerFin(now: number): void {
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.ackNow = true;
    if (!this.endSignalled) {
      this.endSignalled = true;
      this.emit({ type: 'end' });
    }
    switch (this.state) {
      case 'SYN-RECEIVED':
      case 'ESTABLISHED':
        this.setState('CLOSE-WAIT', now);
        break;
      case 'FIN-WAIT-1':
        if (this.finSeq !== undefined && seqGt(this.sndUna, this.finSeq)) this.enterTimeWait(now);
        else this.setState('CLOSING', now);
        break;
      case 'FIN-WAIT-2':
        this.enterTimeWait(now);
        break;
      default:
        break;
    }
  }

  private enterTimeWait(now: number): void {
    this.setState('TIME-WAIT', now);
    // Every other timer stops; 2*MSL starts (§3.10.7.4).
    this.retransmitAt = undefined;
    this.lossTimerAt = undefined;
    this.persistAt = undefined;
    this.keepAliveAt = undefined;
    this.userTimeoutAt = undefined;
    this.closeAt = now + 2 * this.config.mslMs;
  }

  /**
   * RFC 3168 §6.1.2: an ACK with ECE reports congestion on our data: reduce the window as for a loss,
   * at most once per window of data (until what was in flight then is acknowledged), and say so with
   * CWR on the next new data segment.
   */
  private ecnEchoed(ack: number, now: number): void {
    if (this.ecnRecover !== undefined && !seqGt(ack, this.ecnRecover)) return;
    this.ecnRecover = this.sndMax;
    this.ecnCwrPending = true;
    if (this.inRecovery) return; // already reduced for this window of data
    // §6.1.2: halve the window as for a loss (RFC 5681 eq. 4), with no retransmission.
    this.congestion.onCongestionEvent(seqDiff(this.sndMax, this.sndUna), now);
    this.congestion.cwnd = this.congestion.ssthresh;
    this.congestion.onRecoveryEnd(now);
    if (this.tracer !== undefined) this.tracer.cwnd(this.congestion.cwnd, this.congestion.ssthresh, 'ecn', now);
  }

  private challengeAck(now: number): void {
    if (this.challengeAcks.allow(now)) {
      this.stats.TCPChallengeACK++;
      this.ackNow = true;
      this.bareAck = true;
    } else {
      this.stats.TCPChallengeACKSuppressed++;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  /** The earliest deadline of any running timer, or undefined. */
  pollTimeout(): number | undefined {
    // Called after every segment: no array, no closure.
    let t = earlier(this.retransmitAt, this.persistAt);
    t = earlier(t, this.keepAliveAt);
    t = earlier(t, this.delayedAckAt);
    t = earlier(t, this.closeAt);
    t = earlier(t, this.userTimeoutAt);
    t = earlier(t, this.lossTimerAt);
    t = earlier(t, this.pacingAt);
    return earlier(t, this.connectTimeoutAt);
  }

  handleTimeout(now: number): void {
    const due = this.tracer !== undefined ? this.dueTimers(now) : 0;
    this.timeout(now);
    if (this.tracer !== undefined) this.traceTimers(due, now);
  }

  private timeout(now: number): void {
    if (this.pacingAt !== undefined && now >= this.pacingAt) this.pacingAt = undefined; // the paced data may go now
    if (this.closeAt !== undefined && now >= this.closeAt) {
      // TIME-WAIT over, or FIN-WAIT-2 given up on.
      this.closeAt = undefined;
      this.enterClosed(now);
      return;
    }
    if (this.userTimeoutAt !== undefined && now >= this.userTimeoutAt) {
      this.timedOut(now, 'user timeout: data unacknowledged (RFC 5482)');
      return;
    }
    if (this.connectTimeoutAt !== undefined && now >= this.connectTimeoutAt) {
      // FreeBSD's keepinit (tcp_timer_keep: still before ESTABLISHED: tcp_drop(ETIMEDOUT)).
      this.connectTimeoutAt = undefined;
      if (this.state === 'SYN-RECEIVED' && this.passive) this.attemptFailed(now, 'connection-establishment timer expired');
      else this.timedOut(now, 'connect timed out: connection-establishment timer (connectTimeoutMs)');
      return;
    }
    if (this.retransmitAt !== undefined && now >= this.retransmitAt) this.retransmitTimeout(now);
    else if (this.lossTimerAt !== undefined && now >= this.lossTimerAt) this.lossTimeout(now);
    if (this.persistAt !== undefined && now >= this.persistAt) this.persistTimeout();
    if (this.keepAliveAt !== undefined && now >= this.keepAliveAt) this.keepAliveTimeout(now);
    if (this.delayedAckAt !== undefined && now >= this.delayedAckAt) {
      this.delayedAckAt = undefined;
      this.stats.DelayedACKs++;
      this.ackNow = true;
      // No answer came in time to carry the ACK: not an interactive exchange after all (Linux leaves
      // pingpong mode when its delayed-ACK timer fires).
      this.pingpong = false;
    }
    this.armTimers(now);
  }

  private retransmitTimeout(now: number): void {
    this.retransmitAt = undefined;
    this.retransmits++;
    const handshake = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED';
    const limit = this.state === 'SYN-SENT' ? this.config.synRetries : this.state === 'SYN-RECEIVED' ? this.config.synAckRetries : this.config.r2;
    if (this.retransmits > limit) {
      if (this.state === 'SYN-RECEIVED' && this.passive) {
        this.attemptFailed(now, 'SYN-ACK retransmissions exhausted');
        return;
      }
      this.timedOut(now, handshake ? 'connect timed out: no answer to SYN' : 'connection timed out: retransmissions exhausted (R2)');
      return;
    }
    if (!handshake && this.retransmits === this.config.r1) {
      this.emit({ type: 'retransmit-threshold', retransmissions: this.retransmits });
    }
    this.rtt.backoff();
    this.rttSeq = undefined; // Karn: no sample from a retransmitted segment
    this.totalRetransmits++;
    if (handshake) {
      this.synNeeded = true;
      this.sndNxt = this.iss;
    } else {
      // Go back to SND.UNA and send again from there, from a window of one segment (RFC 5681 §3.1),
      // skipping what the peer SACKed (RFC 6675 §5.1; the scoreboard is kept, RFC 2018 §8). An RTO
      // ends fast recovery too (RFC 6582 §3.2's `recover` becomes SND.MAX, as in RFC 6675 §5.1).
      this.congestion.onRetransmitTimeout(seqDiff(this.sndMax, this.sndUna), now);
      if (this.tracer !== undefined) this.tracer.cwnd(this.congestion.cwnd, this.congestion.ssthresh, 'rto', now);
      if (this.retransmits === 1) this.startUndo(true);
      this.inRecovery = false;
      this.recover = this.sndMax;
      this.renoSacked = 0;
      this.rack.clearLost();
      if (this.retransmits >= 2 && this.sacks.rangeCount > 0) {
        // A second timeout with nothing acknowledged: the peer may have reneged on what it SACKed
        // (RFC 2018 §8 allows it to discard that data), so send that again too (as Linux does on
        // reneging). Until then the scoreboard is kept (RFC 6675 §5.1).
        this.sacks.clear();
        this.rack.clearSacked();
      }
      this.lossTimerAt = undefined;
      this.tlpHighSeq = undefined;
      this.tlpPending = false;
      this.dupAckCount = 0;
      this.fastRetransmitPending = false;
      // RFC 3168 §6.1.2: a window reduction "for any reason" is announced with CWR on the next new data.
      if (this.ecnEnabled) this.ecnCwrPending = true;
      this.sndNxt = this.sndUna;
      if (this.sndWnd === 0) {
        // Nothing may be sent into a zero window: the persist timer takes over (as BSD's tcp_output does).
        this.retransmits = 0;
        return;
      }
    }
    this.retransmitAt = now + this.rtt.rto;
  }

  private persistTimeout(): void {
    this.persistAt = undefined;
    if (this.sndWnd === 0) {
      this.persistBackoff++;
      // The probe is the first unacknowledged byte, sent again until the window opens.
      this.sndNxt = this.sndUna;
      this.stats.TCPWindowProbes++;
    }
    this.forceProbe = true;
  }


  private keepAliveTimeout(now: number): void {
    this.keepAliveAt = undefined;
    if (this.keepAliveProbesSent >= this.config.keepAliveProbes) {
      this.timedOut(now, 'connection timed out: keep-alive probes unanswered');
      return;
    }
    this.keepAliveProbesSent++;
    this.stats.TCPKeepAliveProbes++;
    // §3.8.4: a segment with SEG.SEQ = SND.NXT-1 (already acknowledged), which the peer must ACK.
    this.queueControl(
      makeSegment({
        srcPort: this.localPort,
        dstPort: this.remotePort,
        seq: seqAdd(this.sndUna, -1),
        ack: this.rcvNxt,
        flags: TcpFlag.ACK,
        window: this.windowField(),
        options: this.timestamps ? { timestamp: { value: this.tsNow(now), echo: this.tsRecent } } : NO_OPTIONS,
      }),
    );
    this.keepAliveAt = now + this.config.keepAliveIntervalMs;
  }

  private timedOut(now: number, message: string): void {
    this.stats.TCPTimeouts++;
    if (isSynchronized(this.state)) this.queueRst(this.sndMax);
    this.fail('ETIMEDOUT', message, now);
  }

  /** Start or stop the persist and keep-alive timers to match the connection's condition. */
  private armTimers(now: number): void {
    const s = this.state;
    if (s === 'CLOSED' || s === 'LISTEN' || s === 'TIME-WAIT') {
      this.persistAt = undefined;
      this.keepAliveAt = undefined;
      return;
    }
    // Persist: data waiting behind a zero window and no retransmission timer to bring an ACK (§3.8.6.1).
    // The same timer is sender-side SWS avoidance's override timeout (§3.8.6.2.1): nothing in flight and
    // a window too small for what is queued.
    const unsent = this.unsentBytes();
    // A FIN waiting for room in the window is probed for like data (see dataSegment).
    const finUnsent = this.finRequested && (s === 'FIN-WAIT-1' || s === 'LAST-ACK' || s === 'CLOSING') && (this.finSeq === undefined || seqLe(this.sndNxt, this.finSeq));
    const waiting = (this.sendBuffer.length > 0 && (unsent > 0 || this.sndMax !== this.sndUna)) || finUnsent;
    const stalled =
      this.sndWnd === 0
        ? waiting && this.retransmitAt === undefined
        : this.sndMax === this.sndUna && unsent > 0 && this.sndWnd < Math.min(this.sendMss, unsent);
    if (isSynchronized(s) && s !== 'SYN-RECEIVED' && stalled) {
      if (this.persistAt === undefined && !this.forceProbe) {
        const base = Math.max(this.rtt.rto, this.config.persistMinMs);
        this.persistAt = now + Math.min(this.config.persistMaxMs, base * 2 ** this.persistBackoff);
      }
    } else {
      this.persistAt = undefined;
    }
    // Keep-alive: only when idle in a synchronized state (§3.8.4).
    if (this.config.keepAlive && (s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-2') && this.sndMax === this.sndUna) {
      if (this.keepAliveAt === undefined) this.keepAliveAt = now + (this.keepAliveProbesSent > 0 ? this.config.keepAliveIntervalMs : this.config.keepAliveIdleMs);
    } else if (this.keepAliveProbesSent === 0) {
      this.keepAliveAt = undefined;
    }
  }

  /** Anything heard from the peer proves it alive. */
  private heardFromPeer(now: number): void {
    this.lastHeardAt = Math.floor(now);
    if (this.config.keepAlive) {
      this.keepAliveProbesSent = 0;
      this.keepAliveAt = undefined;
      this.armTimers(now);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /** The next segment to send, or undefined. Call until undefined after any input or timeout. */
  pollTransmit(now: number): Segment | undefined {
    this.onlyRetransmitted = false;
    const seg = this.nextSegment(now);
    if (this.tracer !== undefined) this.traceTimers(0, now);
    if (seg) {
      // RFC 4022 tcpOutSegs: "excluding those containing only retransmitted octets".
      if (!this.onlyRetransmitted) this.stats.OutSegs++;
      if (seg.flags & TcpFlag.RST) this.stats.OutRsts++;
    }
    return seg;
  }


  private nextSegment(now: number): Segment | undefined {
    const control = this.control;
    if (control !== undefined) {
      const seg = control.shift();
      if (control.length === 0) this.control = undefined;
      return seg;
    }
    switch (this.state) {
      case 'CLOSED':
      case 'LISTEN':
        return undefined;
      case 'SYN-SENT':
        return this.synNeeded ? this.synSegment(now, false) : undefined;
      case 'SYN-RECEIVED':
        if (this.synNeeded) return this.synSegment(now, true);
        return this.ackNow ? this.ackSegment(now, this.sndNxt, 0, EMPTY_PAYLOAD) : undefined;
      default:
        return this.dataSegment(now);
    }
  }

  private synSegment(now: number, withAck: boolean): Segment {
    this.synNeeded = false;
    // noOptions (FreeBSD TCP_NOOPT): no options at all, not even the MSS (RFC 9293 §3.7.1 allows it);
    // nothing was negotiated either, so a SYN-ACK adds none below.
    const o: TcpOptions = this.config.noOptions ? {} : { mss: this.advertisedMss };
    if (withAck) {
      // SYN-ACK: only options the peer's SYN offered (RFC 7323 §2.2, §3.2; RFC 2018 §2).
      if (this.windowScaling) o.wscale = this.rcvShift;
      if (this.sackPermitted) o.sackPermitted = true;
      if (this.timestamps) o.timestamp = { value: this.tsNow(now), echo: this.tsRecent };
    } else {
      // synRetransmitDropOptions: from the Nth retransmission on, only the MSS (FreeBSD rexmit_drop_options).
      const n = this.config.synRetransmitDropOptions;
      if (n > 0 && this.retransmits >= n) this.synOptionsDropped = true;
      if (!this.synOptionsDropped && !this.config.noOptions) {
        if (this.config.windowScaling) o.wscale = this.offeredShift;
        if (this.config.sack) o.sackPermitted = true;
        if (this.config.timestamps) o.timestamp = { value: this.tsNow(now), echo: 0 };
      }
      this.synSentAt = now;
    }
    if (this.retransmits === 0 && withAck) this.synSentAt = now;
    let flags = withAck ? TcpFlag.SYN | TcpFlag.ACK : TcpFlag.SYN;
    // RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR, an ECN-setup SYN-ACK ECE alone; neither is
    // ECT in IP. §6.1.1.1: after ecnMaxSynRetries retransmissions the SYN goes without them.
    if (withAck) {
      if (this.ecnEnabled) flags |= TcpFlag.ECE;
    } else if (this.config.ecn === 'on' && this.retransmits <= this.config.ecnMaxSynRetries) {
      flags |= TcpFlag.ECE | TcpFlag.CWR;
      this.ecnRequested = true;
    }
    this.sndNxt = seqAdd(this.iss, 1);
    if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
    if (this.retransmits > 0) {
      this.stats.RetransSegs++;
      this.onlyRetransmitted = true;
    }
    this.retransmitAt ??= now + this.rtt.rto;
    const window = Math.min(this.freeReceiveSpace(), 0xffff); // never scaled on a SYN
    if (withAck) {
      this.lastAckSent = this.rcvNxt;
      this.rcvAdv = seqAdd(this.rcvNxt, window);
    }
    return makeSegment({
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: this.iss,
      ack: withAck ? this.rcvNxt : 0,
      flags,
      window,
      options: o,
    });
  }

  /** Bytes in the send buffer not yet sent (from SND.NXT). */
  private unsentBytes(): number {
    const sentData = seqDiff(this.sndNxt, this.sndUna) - (this.finSeq !== undefined && seqGt(this.sndNxt, this.finSeq) ? 1 : 0);
    return Math.max(0, this.sendBuffer.length - Math.max(0, sentData));
  }

  /** Data octets in [SND.NXT, SND.MAX): sent before and about to be sent again (go-back-N). */
  private sentBeyondNxt(): number {
    if (!seqLt(this.sndNxt, this.sndMax)) return 0;
    const finInside = this.finSeq !== undefined && seqGe(this.finSeq, this.sndNxt) && seqLt(this.finSeq, this.sndMax);
    return seqDiff(this.sndMax, this.sndNxt) - (finInside ? 1 : 0);
  }

  /**
   * Data in the next segment: sendMss less the SACK blocks it will carry (RFC 6691: the MSS leaves
   * options out; Linux's tcp_current_mss does the same), so that the packet still fits the path MTU.
   */
  private dataMss(): number {
    if (!this.sackPermitted) return this.sendMss;
    let blocks = this.receiveBuffer.outOfOrderBytes > 0 ? this.receiveBuffer.blockCount() : 0;
    if (this.dsackLeft !== undefined) blocks++;
    if (blocks === 0) return this.sendMss;
    blocks = Math.min(blocks, this.timestamps ? 3 : 4);
    return Math.max(1, this.sendMss - (4 + 8 * blocks));
  }

  /** Data per segment: the peer's MSS less our option bytes (RFC 6691), at most our own. */
  get sendMss(): number {
    const mss = Math.min(this.peerMss, this.advertisedMss, mssForMtu(this.pathMtu, this.ipVersion));
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
    if (this.state === 'CLOSED' || this.state === 'LISTEN' || this.state === 'TIME-WAIT') return false;
    if (!(seqGe(seq, this.sndUna) && seqLt(seq, this.sndMax))) return false;
    if (kind === 'packet-too-big') {
      const floor = this.ipVersion === 4 ? 68 : 1280; // RFC 791 and RFC 8200 minimum MTUs
      const next = Math.max(floor, mtu || floor);
      if (next >= this.pathMtu) return false;
      this.pathMtu = next;
      this.cc?.setMss(this.sendMss);
      if (isSynchronized(this.state) && this.state !== 'SYN-RECEIVED') this.sndNxt = this.sndUna;
      return true;
    }
    if (kind === 'unreachable-hard' && this.state === 'SYN-SENT') {
      this.fail('ECONNREFUSED', 'connection refused (ICMP unreachable)', now);
      return true;
    }
    this.softError = kind;
    return true;
  }

  private dataSegment(now: number): Segment | undefined {
    const s = this.state;
    let canSendData = s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-1' || s === 'LAST-ACK' || s === 'CLOSING';
    if (canSendData && this.config.pacing) {
      // Pacing: no data before the time the last segment's pace allows; a timer says when.
      const next = this.pacingNextAt;
      if (next !== undefined && now < next) {
        canSendData = false;
        this.pacingAt = next;
      }
    }
    let tlpNewData = false;
    if (canSendData) {
      const seg = this.lossRetransmission(now);
      if (seg) return seg;
      if (this.tlpPending) {
        this.tlpPending = false;
        const probe = this.lossProbe(now);
        if (probe) return probe;
        tlpNewData = this.tlpHighSeq === undefined && this.unsentBytes() > 0;
      }
    }
    if (canSendData) {
      // Going back N after a timeout: skip what the peer has SACKed (RFC 6675 §5.1).
      if (this.sackPermitted && seqLt(this.sndNxt, this.sndMax) && this.sacks.rangeCount > 0 && this.persistAt === undefined && !this.forceProbe) {
        const next = this.sacks.skipSacked(this.sndNxt);
        this.sndNxt = seqLt(next, this.sndMax) ? next : this.sndMax;
      }
      const offset = Math.max(0, seqDiff(this.sndNxt, this.sndUna));
      const unsent = Math.max(0, this.sendBuffer.length - offset);
      const inFlight = seqDiff(this.sndNxt, this.sndUna);
      // RFC 3042 limited transmit: the first and second duplicate ACKs each let one new segment go
      // beyond cwnd (FlightSize <= cwnd + 2*SMSS), the receiver's window permitting; cwnd is unchanged.
      const limited = this.dupAckCount > 0 && this.dupAckCount < 3 && this.sndNxt === this.sndMax && !this.inRecovery ? this.dupAckCount * this.sendMss : 0;
      // In recovery PRR says how much may go (RFC 6937: sndcnt), the peer's window permitting; whole
      // segments, one more while sndcnt is positive (as Linux rounds sndcnt up to segments).
      // Nothing unsent: no window to work out (nor a congestion controller to make for it).
      let usable = unsent === 0 ? 0 : this.inRecovery
        ? this.prr.sndcnt > 0 ? Math.max(0, Math.min(this.sndWnd - inFlight, this.sendMss)) : 0
        : Math.max(0, Math.min(this.sndWnd, Math.floor(this.congestion.cwnd) + limited) - inFlight); // a controller's cwnd may be fractional (CUBIC): octets are whole
      // RFC 8985 §7.3: a loss probe is new data when there is some the window allows, whatever cwnd says.
      if (tlpNewData) usable = Math.max(usable, Math.min(this.sndWnd - inFlight, this.sendMss));
      const probing = this.forceProbe;
      const windowProbe = probing && this.sndWnd === 0;
      if (probing) {
        // Zero-window probe: one byte beyond the window (§3.8.6.1); or, with a small window, the
        // override timeout: send what fits (§3.8.6.2.1).
        this.forceProbe = false;
        usable = Math.max(usable, 1);
      }
      const mss = this.dataMss();
      let len = Math.min(unsent, usable, mss);
      if (this.sackPermitted && seqLt(this.sndNxt, this.sndMax)) {
        const holeEnd = this.sacks.holeEnd(this.sndNxt, this.sndMax);
        if (seqLt(holeEnd, this.sndMax)) len = Math.min(len, seqDiff(holeEnd, this.sndNxt));
      }
      const finPending = this.finRequested && (this.finSeq === undefined || seqLe(this.sndNxt, this.finSeq));
      // The FIN occupies a sequence number, so it must fit in the send window like an octet of data
      // (RFC 9293 §3.8.6: nothing beyond SND.UNA + SND.WND), unless it is itself the zero-window probe.
      // A FIN beyond the window is trimmed by the receiver (§3.10.7.4), yet it would move SND.MAX past
      // the peer's RCV.NXT: our ACKs, <SEQ=SND.MAX>, then fall outside the peer's zero window, each is
      // answered with an ACK, and two peers in that state exchange ACKs forever.
      const finFits = probing || seqLt(seqAdd(this.sndNxt, len), seqAdd(this.sndUna, this.sndWnd));
      const fin = finPending && finFits && offset + len === this.sendBuffer.length && (s === 'FIN-WAIT-1' || s === 'LAST-ACK' || s === 'CLOSING');
      if (len > 0 && len < mss && !probing && !fin) {
        // Nagle (§3.7.4) and sender-side SWS avoidance (§3.8.6.2.1): a short segment goes only when it
        // carries all queued data and nothing is in flight (or Nagle is off), or fills half the largest window.
        const allQueued = len === unsent;
        const nagleOk = this.config.noDelay || inFlight === 0;
        // Both hold back new data only. Octets already sent (below SND.MAX) go again however short the
        // segment: RFC 6298 §5.4 retransmits the earliest unacknowledged segment when the timer fires.
        // Holding them back too left a short segment sent into a small window (the SWS override) never
        // retransmitted when lost: every RTO sent nothing, until R2 aborted the connection.
        if (!(allQueued && nagleOk) && len < this.maxSndWnd / 2) len = Math.min(len, this.sentBeyondNxt());
      }
      if (len > 0 || fin) {
        const payload = len > 0 ? this.sendBuffer.slice(offset, len) : EMPTY_PAYLOAD;
        const retransmission = seqLt(this.sndNxt, this.sndMax);
        let flags = TcpFlag.ACK;
        if (len > 0 && offset + len === this.sendBuffer.length) flags |= TcpFlag.PSH;
        if (fin) flags |= TcpFlag.FIN;
        const seq = this.sndNxt;
        let urgentPointer = 0;
        if (this.urgentPending && seqGt(this.sndUp, seq)) {
          flags |= TcpFlag.URG;
          urgentPointer = Math.min(0xffff, seqDiff(this.sndUp, seq));
        }
        // RFC 3168: new data is ECT(0) (§6.1.2), the first after a window reduction says CWR; never a
        // retransmission (§6.1.5) or a window probe, and a bare FIN carries no data.
        const ect = this.ecnEnabled && len > 0 && !retransmission && !windowProbe;
        if (ect && this.ecnCwrPending) {
          flags |= TcpFlag.CWR;
          this.ecnCwrPending = false;
        }
        const seg = this.ackSegment(now, seq, flags, payload, urgentPointer);
        if (ect) seg.ipEcn = ECT0;
        const end = seqAdd(seq, len + (fin ? 1 : 0));
        // A window probe moves SND.MAX but not SND.NXT (BSD's persist state does the same): a receiver
        // at zero window drops the probe's byte, so sending resumes with it when the window opens,
        // not after it (which would leave a hole for the retransmission timer to fill).
        this.sndNxt = windowProbe ? seq : end;
        if (fin) this.finSeq = seqAdd(seq, len);
        this.onlyRetransmitted = retransmission && seqLe(end, this.sndMax);
        this.recordSend(seq, end, now);
        if (seqGt(end, this.sndMax)) this.sndMax = end;
        if (this.inRecovery) this.prr.onSend(seqDiff(end, seq));
        if (len > 0 && !retransmission && now - this.lastHeardAt < this.config.ackDelayMs) this.pingpong = true;
        if (tlpNewData) {
          // RFC 8985 §7.3: the probe is out; the RTO is rearmed behind it.
          this.stats.TCPLossProbes++;
          this.tlpHighSeq = this.sndMax;
          this.tlpRetrans = false;
          this.retransmitAt = now + this.rtt.rto;
        }
        if (retransmission) {
          this.noteRetransmission(now);
          this.stats.RetransSegs++;
          if (this.timestamps) {
            this.retransmitTsval = this.tsNow(now);
            this.retransmitHigh = this.sndMax;
          }
        } else if (!this.timestamps && this.rttSeq === undefined && !windowProbe) {
          this.rttSeq = seq;
          this.rttStart = now;
        }
        // A window probe is not retransmitted on the RTO: the persist timer repeats it.
        if (this.retransmitAt === undefined && !windowProbe) this.retransmitAt = now + this.rtt.rto;
        // §3.8.6.1: the next probe is due one backed-off interval after this one, answered or not (a
        // lost probe or a lost answer must not stop the probing).
        if (windowProbe) {
          this.persistAt = now + Math.min(this.config.persistMaxMs, Math.max(this.rtt.rto, this.config.persistMinMs) * 2 ** this.persistBackoff);
        }
        if (this.userTimeoutAt === undefined && this.config.userTimeoutMs !== undefined) this.userTimeoutAt = now + this.config.userTimeoutMs;
        // RFC 8985 §7.2: new data sent (re)arms the probe timeout.
        if (!retransmission && this.lossTimerAt === undefined) this.armLossProbe(now);
        return seg;
      }
    }
    if (this.ackNow && this.config.finWithAck && !this.bareAck && this.finSeq !== undefined && (s === 'FIN-WAIT-1' || s === 'CLOSING' || s === 'LAST-ACK')) {
      // finWithAck: the ACK goes as the FIN again, at the FIN's own sequence number (FreeBSD's
      // tcp_output: "if resending a FIN, be sure not to use a new sequence number"). Only when nothing
      // before the FIN is being sent again (a go-back-N retransmission carries the FIN at its end), and
      // only a FIN that went out: it is the last sequence number sent, so SND.MAX = FIN + 1.
      if (seqAdd(this.finSeq, 1) === this.sndMax && seqGe(this.sndNxt, this.finSeq)) {
        const seg = this.ackSegment(now, this.finSeq, TcpFlag.FIN, EMPTY_PAYLOAD);
        this.sndNxt = seqAdd(this.finSeq, 1);
        this.onlyRetransmitted = true;
        this.stats.RetransSegs++;
        if (this.retransmitAt === undefined) this.retransmitAt = now + this.rtt.rto;
        return seg;
      }
    }
    if (this.ackNow) {
      // An ACK carries <SEQ=SND.NXT> (§3.10.7.4) in the RFC's sense: the next new octet, our SND.MAX,
      // not the rewound SND.NXT of a retransmission, which a peer that already has those octets finds
      // unacceptable (it would drop the ACK and answer, an endless exchange). During zero-window
      // probing SND.MAX counts the probe's octet the peer dropped, so SND.NXT then (as BSD's tcp_output).
      let seq = this.persistAt !== undefined || this.forceProbe ? this.sndNxt : this.sndMax;
      // Table 6 accepts a bare ACK only below RCV.NXT + RCV.WND. When we have sent up to the very edge
      // of the peer's window and it is missing some of it, SND.MAX is that edge: a strict peer drops
      // the ACK unread (RFC 9293 Appendix A.2 notes that validation can keep ACK fields from being
      // processed). Two peers in that state (both windows filled, both with losses) never learn of each
      // other's acknowledgments and retransmit octets the other already holds until R2 aborts. One
      // octet lower is inside the window whenever the peer is missing data; when it is not, the ACK is
      // one behind its RCV.NXT, which synack takes (see the sequence check) and a strict peer answers.
      if (seq === this.sndMax && this.sndMax !== this.sndUna && seqAdd(this.sndUna, this.sndWnd) === this.sndMax) seq = seqAdd(seq, -1);
      return this.ackSegment(now, seq, TcpFlag.ACK, EMPTY_PAYLOAD);
    }
    return undefined;
  }

  /** RACK's record of what was sent (SACK connections only): new data, or data sent again. */
  private recordSend(seq: number, end: number, now: number): void {
    if (this.config.pacing && seq !== end) this.pace(seqDiff(end, seq), now);
    if (!this.sackPermitted || seq === end) return;
    const max = this.sndMax;
    if (seqLt(seq, max)) this.rack.onRetransmit(seq, seqLt(end, max) ? end : max, now);
    if (seqGt(end, max)) this.rack.onSendNew(seqGt(seq, max) ? seq : max, end, now);
  }

  /**
   * Pacing (`pacing`, as Linux's internal TCP pacing): `len` octets just went, so the next data may go
   * len / rate later, the rate being cwnd per smoothed RTT, times 2 in slow start (below half of
   * ssthresh) and 1.2 after (Linux's tcp_pacing_ss_ratio and tcp_pacing_ca_ratio). No pacing before
   * the first RTT sample.
   */
  private pace(len: number, now: number): void {
    const srtt = this.rtt.srtt;
    if (srtt === undefined) return;
    const cc = this.congestion;
    const ratio = cc.cwnd < cc.ssthresh / 2 ? 2 : 1.2;
    const bytesPerMs = (ratio * cc.cwnd) / Math.max(srtt, 0.001);
    const base = this.pacingNextAt !== undefined && this.pacingNextAt > now ? this.pacingNextAt : now;
    this.pacingNextAt = base + len / bytesPerMs;
  }

  /**
   * A retransmission chosen by loss recovery, before any new data: NewReno's fast retransmit or a
   * partial ACK's (RFC 6582 §3.2), or the first segment RACK marked lost (RFC 6675 §4 NextSeg rule
   * 1, with RACK's marks, RFC 8985 §6.2). While PRR's sndcnt (in recovery) or cwnd - pipe (outside
   * it) is positive.
   * Not while going back N after a timeout (that resends everything anyway).
   */
  private lossRetransmission(now: number): Segment | undefined {
    if (seqLt(this.sndNxt, this.sndMax) || !seqLt(this.sndUna, this.sndMax)) return undefined;
    const budget = this.inRecovery ? this.prr.sndcnt : this.congestion.cwnd - this.pipe();
    if (this.fastRetransmitPending) {
      if (budget <= 0) return undefined;
      this.fastRetransmitPending = false;
      return this.retransmitRange(now, this.sndUna, this.sendMss);
    }
    if (!this.sackPermitted) return undefined;
    const i = this.rack.firstLost();
    if (i < 0) return undefined;
    const start = this.rack.startOf(i);
    const len = Math.min(this.sendMss, seqDiff(this.rack.endOf(i), start));
    if (budget <= 0) return undefined;
    return this.retransmitRange(now, seqLt(start, this.sndUna) ? this.sndUna : start, len);
  }

  /**
   * RFC 8985 §7.3: the probe timer fired. New data goes as the probe if the window allows some
   * (dataSegment sends it); otherwise the last segment sent goes again.
   */
  private lossProbe(now: number): Segment | undefined {
    const unsent = this.unsentBytes();
    const inFlight = seqDiff(this.sndNxt, this.sndUna);
    if (unsent > 0 && this.sndWnd - inFlight >= Math.min(unsent, this.sendMss)) return undefined;
    const i = this.rack.last();
    if (i < 0) return undefined;
    const end = this.rack.endOf(i);
    let start = this.rack.startOf(i);
    if (seqLt(start, this.sndUna)) start = this.sndUna;
    if (!seqLt(start, end)) return undefined;
    const seg = this.retransmitRange(now, start, seqDiff(end, start));
    if (seg) {
      this.stats.TCPLossProbes++;
      this.tlpHighSeq = this.sndMax;
      this.tlpRetrans = true;
      this.retransmitAt = now + this.rtt.rto;
    }
    return seg;
  }

  /**
   * Octets from `seq` (below SND.MAX) sent again on their own, at most `maxLen` of data (and the FIN
   * if it follows them). SND.NXT stays where it is (not go-back-N).
   */
  private retransmitRange(now: number, seq: number, maxLen: number): Segment | undefined {
    const finSent = this.finSeq !== undefined && seqLt(this.finSeq, this.sndMax);
    const offset = seqDiff(seq, this.sndUna);
    const sentData = Math.min(this.sendBuffer.length, seqDiff(this.sndMax, this.sndUna) - (finSent ? 1 : 0));
    const len = Math.max(0, Math.min(maxLen, this.dataMss(), sentData - offset));
    const fin = finSent && this.finSeq === seqAdd(seq, len);
    if (len === 0 && !fin) return undefined;
    let flags = TcpFlag.ACK;
    if (len > 0 && offset + len === this.sendBuffer.length) flags |= TcpFlag.PSH;
    if (fin) flags |= TcpFlag.FIN;
    let urgentPointer = 0;
    if (this.urgentPending && seqGt(this.sndUp, seq)) {
      flags |= TcpFlag.URG;
      urgentPointer = Math.min(0xffff, seqDiff(this.sndUp, seq));
    }
    const payload = len > 0 ? this.sendBuffer.slice(offset, len) : EMPTY_PAYLOAD;
    const seg = this.ackSegment(now, seq, flags, payload, urgentPointer);
    const end = seqAdd(seq, len + (fin ? 1 : 0));
    this.onlyRetransmitted = true;
    this.stats.RetransSegs++;
    this.recordSend(seq, end, now);
    if (this.inRecovery) this.prr.onSend(len);
    this.noteRetransmission(now);
    if (this.timestamps) {
      this.retransmitTsval = this.tsNow(now);
      this.retransmitHigh = this.sndMax;
    }
    // Karn: the timed segment may be the one sent again.
    if (this.rttSeq !== undefined && seqLt(this.rttSeq, end)) this.rttSeq = undefined;
    if (this.retransmitAt === undefined) this.retransmitAt = now + this.rtt.rto;
    return seg;
  }

  /** A segment carrying the current acknowledgment and window (everything after the handshake does). */
  private ackSegment(now: number, seq: number, flags: number, payload: Uint8Array, urgentPointer = 0): Segment {
    this.ackNow = false;
    this.bareAck = false;
    this.delayedAckAt = undefined;
    this.unackedSegments = 0;
    this.lastAckSent = this.rcvNxt;
    return makeSegment({
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq,
      ack: this.rcvNxt,
      // RFC 3168 §6.1.3: ECE on every ACK while a CE mark waits for the peer's CWR.
      flags: flags | TcpFlag.ACK | (this.ecnEcho ? TcpFlag.ECE : 0),
      window: this.windowField(),
      urgentPointer,
      options: this.ackOptions(now),
      payload,
    });
  }

  /** Options on a segment after the handshake: timestamps, and SACK blocks when there is something to report. */
  private ackOptions(now: number): TcpOptions {
    const sack = this.sackPermitted && (this.dsackLeft !== undefined || this.receiveBuffer.outOfOrderBytes > 0) ? this.sackBlocks() : undefined;
    if (!this.timestamps) return sack ? { sack } : NO_OPTIONS;
    const o: TcpOptions = { timestamp: { value: this.tsNow(now), echo: this.tsRecent } };
    if (sack) o.sack = sack;
    return o;
  }

  /**
   * RFC 2018 §4: the first block holds the most recently received segment, then the most recently
   * reported other blocks; a D-SACK block (RFC 2883 §4) goes first, once. At most 4 blocks, 3 beside
   * timestamps (40 octets of options).
   */
  private sackBlocks(): Array<[number, number]> | undefined {
    const max = this.timestamps ? 3 : 4;
    const blocks: Array<[number, number]> = [];
    const rb = this.receiveBuffer;
    if (this.dsackLeft !== undefined) {
      blocks.push([this.dsackLeft, this.dsackRight]);
      this.dsackLeft = undefined;
    }
    const recent = this.sackRecent ?? NO_SEQS;
    let kept = 0;
    for (let i = 0; i < recent.length; i++) {
      if (!rb.blockContaining(recent[i])) continue; // delivered in order since, or merged
      const l = rb.blockLeft;
      const r = rb.blockRight;
      if (blocks.some((b, j) => j >= blocks.length - kept && b[0] === l)) continue;
      recent[kept++] = recent[i];
      if (blocks.length < max) blocks.push([l, r]);
    }
    if (kept > 0) recent.length = kept;
    else this.sackRecent = undefined; // released when empty (an idle connection holds no array)
    // Blocks never reported as the newest (after a renumbering merge): highest first.
    for (let n = rb.outOfOrderBytes > 0 ? rb.blockCount() - 1 : -1; n >= 0 && blocks.length < max; n--) {
      if (!rb.blockAt(n)) continue;
      const l = rb.blockLeft;
      if (!blocks.some((b) => b[0] === l)) blocks.push([l, rb.blockRight]);
    }
    if (blocks.length === 0) return undefined;
    this.stats.TCPSackBlocksSent += blocks.length;
    return blocks;
  }

  /** A segment arrived out of order at `seq`: its block is the most recent (RFC 2018 §4). */
  private noteSackBlock(seq: number): void {
    const recent = (this.sackRecent ??= []);
    recent.unshift(seq);
    if (recent.length > 8) recent.length = 8;
  }

  /** RFC 2883 §4: report [l, r), received twice, first in the next ACK. */
  private noteDuplicate(l: number, r: number, old: boolean): void {
    if (!this.sackPermitted) return;
    this.dsackLeft = l;
    this.dsackRight = r;
    if (old) this.stats.TCPDSACKOldSent++;
    else this.stats.TCPDSACKOfoSent++;
  }

  private freeReceiveSpace(): number {
    return Math.max(0, this.receiveBufferSize - this.receiveBuffer.readable - this.receiveBuffer.outOfOrderBytes);
  }

  /** RCV.WND: what remains of the window last advertised. */
  private receiveWindow(): number {
    const w = seqDiff(this.rcvAdv, this.rcvNxt);
    return w > 0 ? w : 0;
  }

  /**
   * The window incoming segments are tested and trimmed against (§3.10.7.4): what remains of the one
   * advertised, or with `receiveWindowFromBuffer` the free buffer space if that is larger (FreeBSD's
   * rcv_wnd = max(sbspace, rcv_adv - rcv_nxt)); the right edge never moves left either way. Not in
   * the SYN-RECEIVED of a passive open, where FreeBSD's syncache entry has no socket buffer yet and
   * holds the peer to the window its SYN-ACK advertised, nor in TIME-WAIT, where FreeBSD's
   * tcp_twcheck() consults no buffer.
   */
  private acceptWindow(): number {
    const advertised = this.receiveWindow();
    if (!this.config.receiveWindowFromBuffer || this.state === 'TIME-WAIT' || (this.state === 'SYN-RECEIVED' && this.passive)) return advertised;
    return Math.max(advertised, this.freeReceiveSpace());
  }

  /**
   * `receiveWindowFromBuffer`: once the MSS is known, a buffer larger than it grows to a multiple of
   * it (FreeBSD's tcp_mss(): roundup(sb_hiwat, t_maxseg) and sbreserve(); it never shrinks). FreeBSD
   * does this when the peer's SYN reaches a connecting socket, and for a passive open when the
   * handshake completes and the syncache entry becomes a socket (syncache_socket()).
   */
  private sizeReceiveBuffer(): void {
    if (!this.config.receiveWindowFromBuffer) return;
    const mss = Math.min(this.peerMss, this.advertisedMss);
    if (this.rcvBufSize > mss) this.rcvBufSize = Math.ceil(this.rcvBufSize / mss) * mss;
  }

  /**
   * The window to advertise now, in bytes: the free buffer space, but the right edge never moves left
   * (§3.8.6.2.2) and moves right only by at least min(buffer/2, MSS) (receiver-side SWS avoidance).
   */
  private windowToAdvertise(commit: boolean): number {
    const current = this.receiveWindow();
    const free = this.freeReceiveSpace();
    let wnd = free - current >= Math.min(this.receiveBufferSize / 2, this.advertisedMss) ? free : current;
    wnd = Math.max(wnd, current);
    const max = 0xffff << this.rcvShift;
    if (wnd > max) wnd = max;
    let field = wnd >>> this.rcvShift;
    if (field << this.rcvShift < current) field = Math.min(0xffff, Math.ceil(current / 2 ** this.rcvShift));
    if (commit) this.rcvAdv = seqAdd(this.rcvNxt, field << this.rcvShift);
    return field << this.rcvShift;
  }

  /** The window field for an outgoing segment (scaled), recording the new right edge. */
  private windowField(): number {
    return this.windowToAdvertise(true) >>> this.rcvShift;
  }

  /** Our TSval clock: 1 ms ticks from a random per-connection offset (RFC 7323 §5.4). */
  private tsNow(now: number): number {
    return (Math.floor(now) + this.tsOffset32) >>> 0;
  }

  private queueRst(seq: number, dstPort = this.remotePort): void {
    this.queueControl(makeSegment({ srcPort: this.localPort, dstPort, seq, flags: TcpFlag.RST }));
  }

  private queueControl(seg: Segment): void {
    (this.control ??= []).push(seg);
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

  private emit(e: TcpEvent): void {
    const events = this.events;
    if (events === undefined) this.events = e; // the usual single event needs no array
    else if (Array.isArray(events)) events.push(e);
    else this.events = [events, e];
  }

  private setState(to: TcpState, now: number): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.stateSince = now;
    this.emit({ type: 'state', from, to });
  }

  private fail(code: TcpErrorCode, message: string, now: number): void {
    if (code === 'ECONNREFUSED' || this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED') this.stats.AttemptFails++;
    this.emit({ type: 'error', code, message });
    this.enterClosed(now);
  }

  private enterClosed(now: number): void {
    this.retransmitAt = undefined;
    this.lossTimerAt = undefined;
    this.persistAt = undefined;
    this.keepAliveAt = undefined;
    this.delayedAckAt = undefined;
    this.closeAt = undefined;
    this.userTimeoutAt = undefined;
    this.connectTimeoutAt = undefined;
    this.synNeeded = false;
    this.ackNow = false;
    if (this.state === 'CLOSED') return;
    // RFC 4022 tcpEstabResets: "direct transition to the CLOSED state from either the ESTABLISHED
    // state or the CLOSE-WAIT state" (a RST either way, an abort, a timeout).
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE-WAIT') this.stats.EstabResets++;
    this.setState('CLOSED', now);
    this.emit({ type: 'closed' });
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
      if (this.closeAt === undefined) return 'TIME-WAIT without its timer';
      if (this.retransmitAt !== undefined || this.persistAt !== undefined) return 'retransmission timers running in TIME-WAIT';
    }
    if (this.closeAt !== undefined && this.state !== 'TIME-WAIT' && this.state !== 'FIN-WAIT-2') return `close timer in ${this.state}`;
    return undefined;
  }
}

const NO_OPTIONS: TcpOptions = Object.freeze({}) as TcpOptions;
/** What an empty buffer reads as (never written: see Tcb.sendBuffer). */
const NO_SEND_BUFFER = new SendBuffer(0);
const NO_RECEIVE_BUFFER = new ReceiveBuffer();
/**
 * One buffer of each kind that a connection emptied, for the next connection that needs one: a
 * transfer that drains its buffers on every segment would otherwise make a buffer per segment. A
 * spare holds no data (only emptied buffers are kept), so nothing passes between connections.
 */
let spareSendBuffer: SendBuffer | undefined;
let spareReceiveBuffer: ReceiveBuffer | undefined;

function takeSpareSendBuffer(capacity: number): SendBuffer {
  const b = spareSendBuffer;
  if (b === undefined) return new SendBuffer(capacity);
  spareSendBuffer = undefined;
  b.capacity = capacity;
  return b;
}

function takeSpareReceiveBuffer(): ReceiveBuffer {
  const b = spareReceiveBuffer;
  if (b === undefined) return new ReceiveBuffer();
  spareReceiveBuffer = undefined;
  return b;
}
/** Stands for an absent list of sequence numbers (never written: kept is 0 when it is read). */
const NO_SEQS: number[] = [];

/**
 * One ACK sample object shared by every connection (no allocation per ACK, none per connection): it
 * is filled and handed to a controller within one call, and a controller copies what it keeps.
 */
const ACK_SAMPLE: AckSample = { delivered: 0, inFlight: 0, ack: 0, sndNxt: 0, rttMs: undefined, minRttMs: undefined, cwndLimited: true, now: 0 };

/** The earlier of two optional deadlines. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined || a <= b ? a : b;
}
