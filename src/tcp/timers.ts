/**
 * The connection's timers (RFC 9293 §3.8, §3.10.8): one table of deadlines indexed by `Timer`, the
 * timeout dispatch, what each timer does when it fires (retransmission, persist, keep-alive, delayed
 * ACK, TIME-WAIT and FIN-WAIT-2, user timeout, establishment), and `armTimers`, which starts or stops
 * persist and keep-alive to match the connection's condition.
 */
import { delayedAckFired } from './ack-timeout.js';
import { TcpFlag, seqAdd, seqDiff, seqLe } from '../wire/index.js';
import { attemptFailed } from './input.js';
import { blackHoleSuspected, probeLost } from './mtu-probe.js';
import { NO_OPTIONS, queueControl, queueRst, tsNow, unsentBytes } from './output.js';
import { lossTimeout, startUndo } from './recovery.js';
import { makeSegment } from './segment.js';
import { isSynchronized } from './state.js';
import type { Tcb } from './tcb.js';
import type { TcbTimerKind } from './trace.js';
import { windowField } from './window.js';

/**
 * The connection's timers, one table (smoltcp's `Timer`, quinn's `TimerTable`): each kind indexes a
 * deadline in ms, or is off. `nextDeadline` (pollTimeout), the timeout dispatch and the tracer all
 * read this one table.
 */
export const Timer = {
  /** RFC 6298: the retransmission timeout (and the SYN's and SYN-ACK's). */
  Retransmission: 0,
  /** RFC 9293 §3.8.6.1: zero-window probes, and sender SWS avoidance's override (§3.8.6.2.1). */
  Persist: 1,
  /** RFC 9293 §3.8.4 (RFC 1122 §4.2.3.6). */
  KeepAlive: 2,
  /** RFC 9293 §3.8.6.3, RFC 5681 §4.2. */
  DelayedAck: 3,
  /** TIME-WAIT's 2*MSL (§3.10.7.4), or the FIN-WAIT-2 timeout of a closed connection. */
  Close: 4,
  /** RFC 5482 / RFC 9293 §3.10.8's USER TIMEOUT. */
  UserTimeout: 5,
  /** RACK's reorder timer or TLP's probe timeout (RFC 8985 §6.3, §7.2): `recovery.lossTimerKind` says which. */
  Loss: 6,
  /** The connection-establishment timer (`connectTimeoutMs`, FreeBSD's keepinit). */
  Connect: 7,
  /** Pacing: when paced data may go again (not a protocol timer: never traced). */
  Pacing: 8,
} as const;
export type Timer = (typeof Timer)[keyof typeof Timer];

const TIMER_COUNT = 9;
/** A timer that is off. The table holds only numbers, so V8 keeps it as unboxed doubles. */
const OFF = Infinity;
/** The timers reported to a tracer: all but pacing. */
const TRACED_COUNT = Timer.Pacing;

/** What a Tcb without a table of its own reads: every timer off (never written). */
const NO_DEADLINES: readonly number[] = new Array<number>(TIMER_COUNT).fill(OFF);

/** A timer's deadline, or undefined when it is off. */
export function timerAt(tcb: Tcb, t: Timer): number | undefined {
  const at = (tcb.deadlines ?? NO_DEADLINES)[t];
  return at === OFF ? undefined : at;
}

/** Run the timer to `at`, or stop it when `at` is undefined. */
export function setTimer(tcb: Tcb, t: Timer, at: number | undefined): void {
  if (at === undefined) stopTimer(tcb, t);
  else (tcb.deadlines ??= NO_DEADLINES.slice())[t] = at;
}

/** Run the timer to `at` unless it is running already. */
export function startTimer(tcb: Tcb, t: Timer, at: number): void {
  const d = (tcb.deadlines ??= NO_DEADLINES.slice());
  if (d[t] === OFF) d[t] = at;
}

export function stopTimer(tcb: Tcb, t: Timer): void {
  const d = tcb.deadlines;
  if (d !== undefined) d[t] = OFF;
}

/** Whether the timer is running and its deadline has come. */
function due(tcb: Tcb, t: Timer, now: number): boolean {
  const d = tcb.deadlines;
  return d !== undefined && now >= d[t];
}

/** Every timer off: the table can go (Tcb.releaseIdleState). */
export function allTimersOff(deadlines: readonly number[]): boolean {
  for (let i = 0; i < TIMER_COUNT; i++) if (deadlines[i] !== OFF) return false;
  return true;
}

/** The earliest deadline of any running timer, or undefined (pollTimeout). */
export function nextDeadline(tcb: Tcb): number | undefined {
  const d = tcb.deadlines;
  if (d === undefined) return undefined;
  let t = OFF;
  for (let i = 0; i < TIMER_COUNT; i++) if (d[i] < t) t = d[i];
  return t === OFF ? undefined : t;
}

/** The tracer's names of the timers, by Timer; Close and Loss are named by what they are for now. */
const TRACED_NAMES: readonly TcbTimerKind[] = ['retransmission', 'persist', 'keepalive', 'delayed-ack', 'time-wait', 'user-timeout', 'loss-probe', 'connect'];

function tracedKind(tcb: Tcb, t: Timer): TcbTimerKind {
  if (t === Timer.Close) return tcb.state === 'TIME-WAIT' ? 'time-wait' : 'fin-wait-2';
  if (t === Timer.Loss) return tcb.recovery.lossTimerKind === 'reorder' ? 'reorder' : 'loss-probe';
  return TRACED_NAMES[t];
}

/** Every running timer but pacing, by the tracer's names, with its deadline (what a TCB view lists). */
export function armedTimers(tcb: Tcb): Array<{ kind: TcbTimerKind; deadline: number }> {
  const out: Array<{ kind: TcbTimerKind; deadline: number }> = [];
  for (let t = 0 as Timer; t < TRACED_COUNT; t++) {
    const at = timerAt(tcb, t);
    if (at !== undefined) out.push({ kind: tracedKind(tcb, t), deadline: at });
  }
  return out;
}

/**
 * Tell the tracer of timers changed since it last looked (and sample cwnd growth). `fired`: a bit
 * per Timer that the timeout acted on.
 */
export function traceTimers(tcb: Tcb, fired: number, now: number): void {
  const tracer = tcb.tracer!;
  for (let t = 0 as Timer; t < TRACED_COUNT; t++) tracer.timer(t, tracedKind(tcb, t), timerAt(tcb, t), (fired & (1 << t)) !== 0, now);
  if (tcb.cc !== undefined && !tcb.recovery.inRecovery) tracer.cwndSample(tcb.cc.cwnd, tcb.cc.ssthresh, now);
}

/** handleTimeout: act on every timer due at `now`. */
export function timeoutExpires(tcb: Tcb, now: number): void {
  const fired = runDueTimers(tcb, now);
  if (tcb.tracer !== undefined) traceTimers(tcb, fired, now);
}

/**
 * The timers due at `now`, in order: a connection that ends (close, user timeout, establishment
 * timeout) does nothing else; retransmission before the loss timer (an RTO supersedes a probe or
 * reorder timeout); then persist, keep-alive and the delayed ACK. Returns the timers acted on, a bit
 * per Timer.
 */
function runDueTimers(tcb: Tcb, now: number): number {
  if (due(tcb, Timer.Pacing, now)) stopTimer(tcb, Timer.Pacing); // the paced data may go now
  if (due(tcb, Timer.Close, now)) {
    // TIME-WAIT over, or FIN-WAIT-2 given up on.
    stopTimer(tcb, Timer.Close);
    tcb.enterClosed(now);
    return 1 << Timer.Close;
  }
  if (due(tcb, Timer.UserTimeout, now)) {
    timedOut(tcb, now, 'user timeout: data unacknowledged (RFC 5482)');
    return 1 << Timer.UserTimeout;
  }
  if (due(tcb, Timer.Connect, now)) {
    // FreeBSD's keepinit (tcp_timer_keep: still before ESTABLISHED: tcp_drop(ETIMEDOUT)).
    stopTimer(tcb, Timer.Connect);
    if (tcb.state === 'SYN-RECEIVED' && tcb.passive) attemptFailed(tcb, now, 'connection-establishment timer expired');
    else timedOut(tcb, now, 'connect timed out: connection-establishment timer (connectTimeoutMs)');
    return 1 << Timer.Connect;
  }
  let fired = 0;
  // A loss probe scheduled in the RTO's place (RFC 8985 §7.2) runs instead of it.
  const probeFirst = tcb.recovery.lossTimerKind === 'probe' && due(tcb, Timer.Loss, now) && timerAt(tcb, Timer.Loss)! <= (timerAt(tcb, Timer.Retransmission) ?? Infinity);
  if (!probeFirst && due(tcb, Timer.Retransmission, now)) {
    fired |= 1 << Timer.Retransmission;
    retransmitTimeout(tcb, now);
  } else if (due(tcb, Timer.Loss, now)) {
    fired |= 1 << Timer.Loss;
    lossTimeout(tcb, now);
  }
  if (due(tcb, Timer.Persist, now)) {
    fired |= 1 << Timer.Persist;
    persistTimeout(tcb, now);
  }
  if (due(tcb, Timer.KeepAlive, now)) {
    fired |= 1 << Timer.KeepAlive;
    keepAliveTimeout(tcb, now);
  }
  if (due(tcb, Timer.DelayedAck, now)) {
    fired |= 1 << Timer.DelayedAck;
    stopTimer(tcb, Timer.DelayedAck);
    tcb.stats.DelayedACKs++;
    tcb.ackNow = true;
    // No answer came in time to carry the ACK: not an interactive exchange after all (Linux leaves
    // pingpong mode when its delayed-ACK timer fires).
    delayedAckFired(tcb);
  }
  armTimers(tcb, now);
  return fired;
}

export function retransmitTimeout(tcb: Tcb, now: number): void {
  stopTimer(tcb, Timer.Retransmission);
  tcb.retransmits++;
  const handshake = tcb.state === 'SYN-SENT' || tcb.state === 'SYN-RECEIVED';
  const limit = tcb.state === 'SYN-SENT' ? tcb.config.synRetries : tcb.state === 'SYN-RECEIVED' ? tcb.config.synAckRetries : tcb.config.r2;
  if (tcb.retransmits > limit) {
    if (tcb.state === 'SYN-RECEIVED' && tcb.passive) {
      attemptFailed(tcb, now, 'SYN-ACK retransmissions exhausted');
      return;
    }
    timedOut(tcb, now, handshake ? 'connect timed out: no answer to SYN' : 'connection timed out: retransmissions exhausted (R2)');
    return;
  }
  if (!handshake && tcb.retransmits === tcb.config.r1) {
    tcb.emit({ type: 'retransmit-threshold', retransmissions: tcb.retransmits });
  }
  if (!handshake && tcb.rare.mtuProbe !== undefined) {
    // A probe still unacknowledged was too big (RFC 4821 §7.6.2); from r1 timeouts on, the path may
    // be a black hole for our packet size (RFC 4821 §7.7; Linux's tcp_write_timeout).
    probeLost(tcb);
    if (tcb.retransmits >= tcb.config.r1) blackHoleSuspected(tcb);
  }
  tcb.rtt.backoff();
  if (tcb.recoveryState) tcb.recoveryState.rttSeq = undefined; // Karn: no sample from a retransmitted segment
  tcb.ownRecovery().totalRetransmits++;
  if (handshake) {
    tcb.synNeeded = true;
    tcb.sndNxt = tcb.iss;
  } else {
    // Go back to SND.UNA and send again from there, from a window of one segment (RFC 5681 §3.1),
    // skipping what the peer SACKed (RFC 6675 §5.1; the scoreboard is kept, RFC 2018 §8). An RTO
    // ends fast recovery too (RFC 6582 §3.2's `recover` becomes SND.MAX, as in RFC 6675 §5.1).
    tcb.congestion.onRetransmitTimeout(seqDiff(tcb.sndMax, tcb.sndUna), now);
    if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'rto', now);
    if (tcb.retransmits === 1) startUndo(tcb, true);
    if (tcb.recoveryState) tcb.recoveryState.inRecovery = false;
    if (tcb.ecnState) tcb.ecnState.cwr = false; // an ECN reduction by PRR ends too
    tcb.ownRecovery().recover = tcb.sndMax;
    if (tcb.recoveryState) tcb.recoveryState.renoSacked = 0;
    tcb.rack.clearLost();
    if (tcb.retransmits >= 2 && tcb.sacks.rangeCount > 0) {
      // A second timeout with nothing acknowledged: the peer may have reneged on what it SACKed
      // (RFC 2018 §8 allows it to discard that data), so send that again too (as Linux does on
      // reneging). Until then the scoreboard is kept (RFC 6675 §5.1).
      tcb.sacks.clear();
      tcb.rack.clearSacked();
    }
    stopTimer(tcb, Timer.Loss);
    if (tcb.recoveryState) tcb.recoveryState.tlpHighSeq = undefined;
    if (tcb.recoveryState) tcb.recoveryState.tlpPending = false;
    tcb.dupAckCount = 0;
    if (tcb.recoveryState) tcb.recoveryState.fastRetransmitPending = false;
    // RFC 3168 §6.1.2: a window reduction "for any reason" is announced with CWR on the next new data.
    if (tcb.ecnEnabled) tcb.ownEcn().cwrPending = true;
    tcb.sndNxt = tcb.sndUna;
    if (tcb.sndWnd === 0) {
      // Nothing may be sent into a zero window: the persist timer takes over (as BSD's tcp_output does).
      tcb.retransmits = 0;
      return;
    }
  }
  setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
}

export function persistTimeout(tcb: Tcb, now: number): void {
  stopTimer(tcb, Timer.Persist);
  if (tcb.sndWnd === 0) {
    const probes = tcb.probes;
    // Bounds on a zero window held against us (sockstress): an orphan gives up after orphanRetries
    // probes, answered or not (Linux's tcp_orphan_retries); any connection after zeroWindowTimeoutMs,
    // when set (RFC 6429). Otherwise probes go on while answered (§3.8.6.1, MUST-38).
    const orphan = tcb.closing.userClosed;
    if ((orphan && probes.persistBackoff >= tcb.config.orphanRetries) || (tcb.config.zeroWindowTimeoutMs !== undefined && probes.persistBackoff > 0 && now - probes.persistSince >= tcb.config.zeroWindowTimeoutMs)) {
      tcb.stats.TCPAbortOnPersist++;
      tcb.stats.TCPTimeouts++;
      // The RST goes at SND.UNA: the probe octets beyond it were refused, so only it is in the peer's
      // (empty) window, where RFC 5961 §3.2 takes a RST (Linux's tcp_acceptable_seq: the window's edge).
      queueRst(tcb, tcb.sndUna);
      tcb.fail('ETIMEDOUT', orphan ? 'closed connection given up: the peer kept its window shut (orphanRetries)' : 'connection timed out: zero window for zeroWindowTimeoutMs', now);
      return;
    }
    if (probes.persistBackoff === 0) tcb.ownProbes().persistSince = now;
    tcb.ownProbes().persistBackoff++;
    tcb.stats.TCPWindowProbes++;
    if (tcb.config.zeroWindowProbe === 'ack') {
      // Linux's tcp_write_wakeup -> tcp_xmit_probe_skb: an empty segment the peer has acknowledged
      // already (SEG.SEQ = SND.UNA-1), which it must answer with an ACK carrying its window.
      queueProbeAck(tcb, now);
      setTimer(tcb, Timer.Persist, now + Math.min(tcb.config.persistMaxMs, Math.max(tcb.rtt.rto, tcb.config.persistMinMs) * 2 ** tcb.probes.persistBackoff));
      return;
    }
    // The probe is the first unacknowledged byte, sent again until the window opens.
    tcb.sndNxt = tcb.sndUna;
  }
  tcb.ownProbes().forceProbe = true;
}

/** A segment with SEG.SEQ = SND.UNA-1 and no data: already acknowledged, so the peer must answer it with an ACK. */
function queueProbeAck(tcb: Tcb, now: number): void {
  queueControl(tcb,
    makeSegment({
      srcPort: tcb.localPort,
      dstPort: tcb.remotePort,
      seq: seqAdd(tcb.sndUna, -1),
      ack: tcb.rcvNxt,
      flags: TcpFlag.ACK,
      window: windowField(tcb),
      options: tcb.timestamps ? { timestamp: { value: tsNow(tcb, now), echo: tcb.tsRecent } } : NO_OPTIONS,
    }),
  );
}

export function keepAliveTimeout(tcb: Tcb, now: number): void {
  stopTimer(tcb, Timer.KeepAlive);
  if (tcb.probes.keepAliveProbesSent >= tcb.config.keepAliveProbes) {
    timedOut(tcb, now, 'connection timed out: keep-alive probes unanswered');
    return;
  }
  tcb.ownProbes().keepAliveProbesSent++;
  tcb.stats.TCPKeepAliveProbes++;
  // §3.8.4: a segment with SEG.SEQ = SND.NXT-1 (already acknowledged), which the peer must ACK.
  queueProbeAck(tcb, now);
  setTimer(tcb, Timer.KeepAlive, now + tcb.config.keepAliveIntervalMs);
}

export function timedOut(tcb: Tcb, now: number, message: string): void {
  tcb.stats.TCPTimeouts++;
  if (isSynchronized(tcb.state)) queueRst(tcb, tcb.sndMax);
  tcb.fail('ETIMEDOUT', message, now);
}

/** Start or stop the persist and keep-alive timers to match the connection's condition. */
export function armTimers(tcb: Tcb, now: number): void {
  const s = tcb.state;
  if (s === 'CLOSED' || s === 'LISTEN' || s === 'TIME-WAIT') {
    stopTimer(tcb, Timer.Persist);
    stopTimer(tcb, Timer.KeepAlive);
    return;
  }
  // Persist: data waiting behind a zero window and no retransmission timer to bring an ACK (§3.8.6.1).
  // The same timer is sender-side SWS avoidance's override timeout (§3.8.6.2.1): nothing in flight and
  // a window too small for what is queued; and the ceiling on how long a cork (or a SEND that said
  // more is coming) holds a short segment when nothing is in flight (Tcb.setCork).
  const unsent = unsentBytes(tcb);
  // A FIN waiting for room in the window is probed for like data (see dataSegment).
  const finUnsent = tcb.closing.finRequested && (s === 'FIN-WAIT-1' || s === 'LAST-ACK' || s === 'CLOSING') && (tcb.closing.finSeq === undefined || seqLe(tcb.sndNxt, tcb.closing.finSeq));
  const waiting = (tcb.sendBuffer.length > 0 && (unsent > 0 || tcb.sndMax !== tcb.sndUna)) || finUnsent;
  const stalled =
    tcb.sndWnd === 0
      ? waiting && timerAt(tcb, Timer.Retransmission) === undefined
      : tcb.sndMax === tcb.sndUna && unsent > 0 && (tcb.sndWnd < Math.min(tcb.sendMss, unsent) || (unsent < tcb.sendMss && (tcb.rare.corked || tcb.rare.moreHeld)));
  if (isSynchronized(s) && s !== 'SYN-RECEIVED' && stalled) {
    if (timerAt(tcb, Timer.Persist) === undefined && !tcb.probes.forceProbe) {
      const base = Math.max(tcb.rtt.rto, tcb.config.persistMinMs);
      setTimer(tcb, Timer.Persist, now + Math.min(tcb.config.persistMaxMs, base * 2 ** tcb.probes.persistBackoff));
    }
  } else {
    stopTimer(tcb, Timer.Persist);
  }
  // Keep-alive: only when idle in a synchronized state (§3.8.4).
  if (tcb.config.keepAlive && (s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-2') && tcb.sndMax === tcb.sndUna) {
    if (timerAt(tcb, Timer.KeepAlive) === undefined) setTimer(tcb, Timer.KeepAlive, now + (tcb.probes.keepAliveProbesSent > 0 ? tcb.config.keepAliveIntervalMs : tcb.config.keepAliveIdleMs));
  } else if (tcb.probes.keepAliveProbesSent === 0) {
    stopTimer(tcb, Timer.KeepAlive);
  }
}
