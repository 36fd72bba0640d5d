// Timers
import { TcpFlag, seqAdd, seqDiff, seqLe } from '../wire/index.js';
import { attemptFailed } from './input.js';
import { queueControl, queueRst, tsNow, unsentBytes } from './output.js';
import { lossTimeout, startUndo } from './recovery.js';
import { makeSegment } from './segment.js';
import { isSynchronized } from './state.js';
import { NO_OPTIONS, Tcb, earlier } from './tcb.js';
import { windowField } from './window.js';

/**
 * Tell the tracer of timers changed since it last looked (and sampled cwnd growth). `fired`: a bit
 * per timer (TRACED_TIMERS' order) that handleTimeout acted on.
 */
export function traceTimers(tcb: Tcb, fired: number, now: number): void {
  const t = tcb.tracer!;
  t.timer(0, 'retransmission', tcb.retransmitAt, (fired & 1) !== 0, now);
  t.timer(1, 'persist', tcb.persistAt, (fired & 2) !== 0, now);
  t.timer(2, 'keepalive', tcb.keepAliveAt, (fired & 4) !== 0, now);
  t.timer(3, 'delayed-ack', tcb.delayedAckAt, (fired & 8) !== 0, now);
  t.timer(4, tcb.state === 'TIME-WAIT' ? 'time-wait' : 'fin-wait-2', tcb.closeAt, (fired & 16) !== 0, now);
  t.timer(5, 'user-timeout', tcb.userTimeoutAt, (fired & 32) !== 0, now);
  t.timer(6, tcb.lossTimerKind === 'reorder' ? 'reorder' : 'loss-probe', tcb.lossTimerAt, (fired & 64) !== 0, now);
  t.timer(7, 'connect', tcb.connectTimeoutAt, (fired & 128) !== 0, now);
  if (tcb.cc !== undefined && !tcb.inRecovery) t.cwndSample(tcb.cc.cwnd, tcb.cc.ssthresh, now);
}

/** The timers handleTimeout will act on at `now`, as bits of traceTimers' `fired` (mirrors its order). */
export function dueTimers(tcb: Tcb, now: number): number {
  const due = (at: number | undefined): boolean => at !== undefined && now >= at;
  if (due(tcb.closeAt)) return 16;
  if (due(tcb.userTimeoutAt)) return 32;
  if (due(tcb.connectTimeoutAt)) return 128;
  let bits = due(tcb.retransmitAt) ? 1 : due(tcb.lossTimerAt) ? 64 : 0;
  if (due(tcb.persistAt)) bits |= 2;
  if (due(tcb.keepAliveAt)) bits |= 4;
  if (due(tcb.delayedAckAt)) bits |= 8;
  return bits;
}


// ---------------------------------------------------------------------------------------------
// Timers

/** The earliest deadline of any running timer, or undefined. */
export function nextDeadline(tcb: Tcb): number | undefined {
  // Called after every segment: no array, no closure.
  let t = earlier(tcb.retransmitAt, tcb.persistAt);
  t = earlier(t, tcb.keepAliveAt);
  t = earlier(t, tcb.delayedAckAt);
  t = earlier(t, tcb.closeAt);
  t = earlier(t, tcb.userTimeoutAt);
  t = earlier(t, tcb.lossTimerAt);
  t = earlier(t, tcb.pacingAt);
  return earlier(t, tcb.connectTimeoutAt);
}


export function timeoutExpires(tcb: Tcb, now: number): void {
  const due = tcb.tracer !== undefined ? dueTimers(tcb, now) : 0;
  timeout(tcb, now);
  if (tcb.tracer !== undefined) traceTimers(tcb, due, now);
}


export function timeout(tcb: Tcb, now: number): void {
  if (tcb.pacingAt !== undefined && now >= tcb.pacingAt) tcb.pacingAt = undefined; // the paced data may go now
  if (tcb.closeAt !== undefined && now >= tcb.closeAt) {
    // TIME-WAIT over, or FIN-WAIT-2 given up on.
    tcb.closeAt = undefined;
    tcb.enterClosed(now);
    return;
  }
  if (tcb.userTimeoutAt !== undefined && now >= tcb.userTimeoutAt) {
    timedOut(tcb, now, 'user timeout: data unacknowledged (RFC 5482)');
    return;
  }
  if (tcb.connectTimeoutAt !== undefined && now >= tcb.connectTimeoutAt) {
    // FreeBSD's keepinit (tcp_timer_keep: still before ESTABLISHED: tcp_drop(ETIMEDOUT)).
    tcb.connectTimeoutAt = undefined;
    if (tcb.state === 'SYN-RECEIVED' && tcb.passive) attemptFailed(tcb, now, 'connection-establishment timer expired');
    else timedOut(tcb, now, 'connect timed out: connection-establishment timer (connectTimeoutMs)');
    return;
  }
  if (tcb.retransmitAt !== undefined && now >= tcb.retransmitAt) retransmitTimeout(tcb, now);
  else if (tcb.lossTimerAt !== undefined && now >= tcb.lossTimerAt) lossTimeout(tcb, now);
  if (tcb.persistAt !== undefined && now >= tcb.persistAt) persistTimeout(tcb);
  if (tcb.keepAliveAt !== undefined && now >= tcb.keepAliveAt) keepAliveTimeout(tcb, now);
  if (tcb.delayedAckAt !== undefined && now >= tcb.delayedAckAt) {
    tcb.delayedAckAt = undefined;
    tcb.stats.DelayedACKs++;
    tcb.ackNow = true;
    // No answer came in time to carry the ACK: not an interactive exchange after all (Linux leaves
    // pingpong mode when its delayed-ACK timer fires).
    tcb.pingpong = false;
  }
  armTimers(tcb, now);
}


export function retransmitTimeout(tcb: Tcb, now: number): void {
  tcb.retransmitAt = undefined;
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
  tcb.rtt.backoff();
  tcb.rttSeq = undefined; // Karn: no sample from a retransmitted segment
  tcb.totalRetransmits++;
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
    tcb.inRecovery = false;
    tcb.recover = tcb.sndMax;
    tcb.renoSacked = 0;
    tcb.rack.clearLost();
    if (tcb.retransmits >= 2 && tcb.sacks.rangeCount > 0) {
      // A second timeout with nothing acknowledged: the peer may have reneged on what it SACKed
      // (RFC 2018 §8 allows it to discard that data), so send that again too (as Linux does on
      // reneging). Until then the scoreboard is kept (RFC 6675 §5.1).
      tcb.sacks.clear();
      tcb.rack.clearSacked();
    }
    tcb.lossTimerAt = undefined;
    tcb.tlpHighSeq = undefined;
    tcb.tlpPending = false;
    tcb.dupAckCount = 0;
    tcb.fastRetransmitPending = false;
    // RFC 3168 §6.1.2: a window reduction "for any reason" is announced with CWR on the next new data.
    if (tcb.ecnEnabled) tcb.ecnCwrPending = true;
    tcb.sndNxt = tcb.sndUna;
    if (tcb.sndWnd === 0) {
      // Nothing may be sent into a zero window: the persist timer takes over (as BSD's tcp_output does).
      tcb.retransmits = 0;
      return;
    }
  }
  tcb.retransmitAt = now + tcb.rtt.rto;
}


export function persistTimeout(tcb: Tcb): void {
  tcb.persistAt = undefined;
  if (tcb.sndWnd === 0) {
    tcb.persistBackoff++;
    // The probe is the first unacknowledged byte, sent again until the window opens.
    tcb.sndNxt = tcb.sndUna;
    tcb.stats.TCPWindowProbes++;
  }
  tcb.forceProbe = true;
}



export function keepAliveTimeout(tcb: Tcb, now: number): void {
  tcb.keepAliveAt = undefined;
  if (tcb.keepAliveProbesSent >= tcb.config.keepAliveProbes) {
    timedOut(tcb, now, 'connection timed out: keep-alive probes unanswered');
    return;
  }
  tcb.keepAliveProbesSent++;
  tcb.stats.TCPKeepAliveProbes++;
  // §3.8.4: a segment with SEG.SEQ = SND.NXT-1 (already acknowledged), which the peer must ACK.
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
  tcb.keepAliveAt = now + tcb.config.keepAliveIntervalMs;
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
    tcb.persistAt = undefined;
    tcb.keepAliveAt = undefined;
    return;
  }
  // Persist: data waiting behind a zero window and no retransmission timer to bring an ACK (§3.8.6.1).
  // The same timer is sender-side SWS avoidance's override timeout (§3.8.6.2.1): nothing in flight and
  // a window too small for what is queued.
  const unsent = unsentBytes(tcb);
  // A FIN waiting for room in the window is probed for like data (see dataSegment).
  const finUnsent = tcb.finRequested && (s === 'FIN-WAIT-1' || s === 'LAST-ACK' || s === 'CLOSING') && (tcb.finSeq === undefined || seqLe(tcb.sndNxt, tcb.finSeq));
  const waiting = (tcb.sendBuffer.length > 0 && (unsent > 0 || tcb.sndMax !== tcb.sndUna)) || finUnsent;
  const stalled =
    tcb.sndWnd === 0
      ? waiting && tcb.retransmitAt === undefined
      : tcb.sndMax === tcb.sndUna && unsent > 0 && tcb.sndWnd < Math.min(tcb.sendMss, unsent);
  if (isSynchronized(s) && s !== 'SYN-RECEIVED' && stalled) {
    if (tcb.persistAt === undefined && !tcb.forceProbe) {
      const base = Math.max(tcb.rtt.rto, tcb.config.persistMinMs);
      tcb.persistAt = now + Math.min(tcb.config.persistMaxMs, base * 2 ** tcb.persistBackoff);
    }
  } else {
    tcb.persistAt = undefined;
  }
  // Keep-alive: only when idle in a synchronized state (§3.8.4).
  if (tcb.config.keepAlive && (s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-2') && tcb.sndMax === tcb.sndUna) {
    if (tcb.keepAliveAt === undefined) tcb.keepAliveAt = now + (tcb.keepAliveProbesSent > 0 ? tcb.config.keepAliveIntervalMs : tcb.config.keepAliveIdleMs);
  } else if (tcb.keepAliveProbesSent === 0) {
    tcb.keepAliveAt = undefined;
  }
}
