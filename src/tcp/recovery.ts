/**
 * Loss recovery, the sender's side: RACK-TLP with SACK (RFC 8985), NewReno without (RFC 6582), PRR
 * in both (RFC 6937), and undoing a reduction that proved spurious (RFC 3522 Eifel, RFC 3708 D-SACK).
 * Driven by every ACK (`lossRecoveryOnAck`) and by the loss timer (`lossTimeout`); the segments it
 * asks for are built by output.ts.
 */
import { TcpFlag, seqDiff, seqGe, seqLt } from '../wire/index.js';
import type { AckSample, CongestionController } from './congestion.js';
import type { DeliveryRateSampler } from './rate-sample.js';
import { probeLost } from './mtu-probe.js';
import { tsNow, unsentBytes } from './output.js';
import type { Segment } from './segment.js';
import type { Tcb } from './tcb.js';
import { Timer, setTimer, stopTimer, timerAt } from './timers.js';

/** RFC 8985 §7.2 WCDelAckT: the worst-case delayed ACK a probe timeout allows for with one segment in flight. */
const WC_DEL_ACK_MS = 200;
/**
 * One ACK sample object shared by every connection (no allocation per ACK, none per connection): it
 * is filled and handed to a controller within one call, and a controller copies what it keeps.
 */
const ACK_SAMPLE: AckSample = { delivered: 0, inFlight: 0, ack: 0, sndNxt: 0, rttMs: undefined, deliveredRttMs: undefined, minRttMs: undefined, cwndLimited: true, now: 0 };

// (RFC 6937), and undoing a reduction that proved spurious (RFC 3522, RFC 3708).

/** The duplicate-ACK threshold (RFC 5681 §3.2), Linux's default net.ipv4.tcp_reordering. */
const DUP_THRESH = 3;

/** Reordering of more than DUP_THRESH segments has been seen on this connection (RACK's furthest). */
function reorderingBeyondDupThresh(tcb: Tcb): boolean {
  const distance = tcb.rackState?.reorderDistance ?? 0;
  return Math.ceil(distance / tcb.sendMss) > DUP_THRESH;
}

/** RFC 6928 / Linux's TCP_INIT_CWND: the initial window, in segments (the restart window's bound). */
const INITIAL_WINDOW_SEGMENTS = 10;

/**
 * Restart after idle (RFC 5681 §4.1, RFC 2861 §3, as Linux's tcp_cwnd_restart), with
 * `slowStartAfterIdle`: before new data goes out with nothing in flight, when no data was sent for
 * longer than the RTO, ssthresh = max(ssthresh, 3/4 cwnd) and cwnd halves for every RTO of the idle
 * time while above the restart window RW = min(IW, cwnd), and is never set below RW.
 */
export function restartAfterIdle(tcb: Tcb, now: number): void {
  const info = tcb.infoState;
  if (info === undefined || tcb.sndUna !== tcb.sndMax || tcb.recovery.inRecovery) return;
  let idle = now - info.lastDataSentAt;
  const rto = tcb.rtt.rto;
  if (!(idle > rto)) return;
  const cc = tcb.congestion;
  const restartWindow = Math.min(INITIAL_WINDOW_SEGMENTS * tcb.sendMss, cc.cwnd);
  cc.ssthresh = Math.max(cc.ssthresh, 0.75 * cc.cwnd);
  let cwnd = cc.cwnd;
  while ((idle -= rto) > 0 && cwnd > restartWindow) cwnd /= 2;
  cc.cwnd = Math.max(cwnd, restartWindow);
  // The idle time counts once: the next send opportunity is not idle.
  info.lastDataSentAt = Math.floor(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(cc.cwnd, cc.ssthresh, 'idle-restart', now);
}

/** After the ACK fields of a segment were processed: detect loss, run recovery, grow the window. */
export function lossRecoveryOnAck(tcb: Tcb, seg: Segment, unaBefore: number, sackedBefore: number, now: number): void {
  const advanced = seqDiff(tcb.sndUna, unaBefore);
  const sacked = tcb.sackPermitted ? (tcb.sacksState?.sackedBytes ?? 0) : tcb.recovery.renoSacked;
  // RFC 6937 §3 DeliveredData: the change in SND.UNA plus the change in SACKed octets.
  const delivered = Math.max(0, advanced + sacked - sackedBefore);
  if (advanced > 0) detectSpurious(tcb, seg, now);
  if (tcb.recovery.tlpHighSeq !== undefined && seqGe(tcb.sndUna, tcb.recovery.tlpHighSeq)) tlpAcked(tcb, now);
  const rack = tcb.rackState;
  if (rack !== undefined && rack.reorderedSegments > 0) {
    tcb.stats.TCPSACKReorder++;
    if (tcb.infoState !== undefined) tcb.infoState.reordSeen++;
    rack.reorderedSegments = 0;
  }
  // tcp_info's delivered, in segments (the ACK of our SYN is counted by the reader).
  if (delivered > 0 && tcb.infoState !== undefined) {
    const data = unaBefore === tcb.iss ? delivered - 1 : delivered;
    if (data > 0) {
      const segments = Math.ceil(data / tcb.sendMss);
      tcb.infoState.delivered += segments;
      // ... and of them, those an ACK with ECE reported (RFC 3168 §6.1.3: the receiver saw CE).
      if (tcb.ecnEnabled && (seg.flags & TcpFlag.ECE) !== 0) tcb.infoState.deliveredCe += segments;
    }
  }
  let newlyLost = 0;
  if (tcb.sackPermitted) {
    // RFC 8985 §6.2: RACK on every ACK that delivered something.
    if (delivered > 0 || tcb.recovery.inRecovery) newlyLost = rackDetect(tcb, now);
  } else if (!tcb.recovery.inRecovery && tcb.dupAckCount === 3 && advanced === 0 && (tcb.recovery.recover === undefined || seqGe(tcb.sndUna, tcb.recovery.recover))) {
    // RFC 6582 §3.2 step 2 (RFC 5681 §3.2): the third duplicate ACK, not of data sent before the
    // last recovery or timeout: fast retransmit.
    enterRecovery(tcb, now);
    tcb.ownRecovery().fastRetransmitPending = true;
  }
  // A controller that asks for delivery-rate samples (BBR) hears of every ACK, in recovery too,
  // before PRR works out this ACK's share from the ssthresh it sets.
  const cc = tcb.cc;
  if (cc !== undefined && cc.rates !== undefined) rateSampleOnAck(tcb, cc, cc.rates, seqDiff(tcb.sndMax, unaBefore), now);
  if (tcb.recovery.inRecovery) {
    if (tcb.recovery.recover !== undefined && seqGe(tcb.sndUna, tcb.recovery.recover)) exitRecovery(tcb, now);
    else tcb.congestion.cwnd = tcb.prr.onAck(delivered, tcb.pipe(), tcb.congestion.ssthresh, tcb.sendMss, advanced > 0 && newlyLost === 0);
  } else if (tcb.ecnState !== undefined && tcb.ecnState.cwr) {
    // ecnReduction 'prr' (Linux's CWR state): PRR until what was in flight at the echo is
    // acknowledged, with no slow-start bonus (no retransmission is acknowledged in it).
    if (tcb.ecnState.recover === undefined || seqGe(tcb.sndUna, tcb.ecnState.recover)) endCwr(tcb, now);
    else if (delivered > 0) {
      const pipe = tcb.pipe();
      tcb.prr.onAck(delivered, pipe, tcb.congestion.ssthresh, tcb.sendMss, false);
      // sndcnt in whole segments, rounded up, as recovery's sending rounds it (and Linux counts packets).
      tcb.congestion.cwnd = pipe + Math.ceil(tcb.prr.sndcnt / tcb.sendMss) * tcb.sendMss;
    }
  } else if (advanced > 0 || (delivered > 0 && tcb.config.sackGrowsCwndAfterReordering && reorderingBeyondDupThresh(tcb))) {
    const sample = ACK_SAMPLE;
    sample.delivered = delivered;
    sample.inFlight = seqDiff(tcb.sndMax, unaBefore);
    sample.ack = tcb.sndUna;
    sample.sndNxt = tcb.sndMax;
    sample.rttMs = tcb.lastRttSample;
    sample.deliveredRttMs = tcb.rackState?.ackRtt;
    sample.minRttMs = tcb.minRtt;
    sample.cwndLimited = sample.inFlight + tcb.sendMss >= tcb.congestion.cwnd;
    sample.now = now;
    tcb.congestion.onAck(sample);
  }
  tcb.lastRttSample = undefined;
  if (!tcb.recovery.inRecovery && advanced > 0 && tcb.recoveryState) tcb.recoveryState.renoSacked = 0;
  // RFC 8985 §7.2: the probe timer restarts on an ACK that cumulatively acknowledges new data; a
  // duplicate ACK or a SACK alone leaves a running one where it is (else every ACK of a stalled
  // flight would push the probe back until the RTO came first).
  if (advanced > 0 || tcb.recovery.inRecovery || timerAt(tcb, Timer.Loss) === undefined) armLossProbe(tcb, now);
}

/**
 * The ACK's delivery-rate sample (draft-ietf-ccwg-bbr §4.1) to the controller, when it delivered or
 * marked lost anything. Afterwards, with nothing queued and room in the window, the connection is
 * app-limited: what it sends next measures the application, not the path.
 */
function rateSampleOnAck(tcb: Tcb, cc: CongestionController, rates: DeliveryRateSampler, flightBefore: number, now: number): void {
  const pipe = tcb.pipe();
  const rs = rates.generate(tcb.minRtt, tcb.rackState?.ackRtt ?? tcb.lastRttSample, pipe, flightBefore + tcb.sendMss >= cc.cwnd, now);
  if ((rs.newlyAcked > 0 || rs.newlyLost > 0) && cc.onRateSample !== undefined) cc.onRateSample(rs, tcb.recovery.inRecovery);
  if (unsentBytes(tcb) === 0 && pipe < cc.cwnd && (tcb.rackState?.lostBytes() ?? 0) === 0) rates.markAppLimited(pipe);
}

/**
 * RFC 8985 §6.2 step 5 and §6.3: mark lost what RACK says is, arm the reorder timer, start recovery.
 * Returns how many segments it newly marked lost.
 */
export function rackDetect(tcb: Tcb, now: number): number {
  const reoWnd = tcb.rack.reoWnd(tcb.recovery.inRecovery, tcb.minRtt, tcb.rtt.srtt);
  const lost = tcb.rack.detectLoss(now, reoWnd);
  if (tcb.rack.reorderTimeout > 0) {
    setTimer(tcb, Timer.Loss, now + tcb.rack.reorderTimeout);
    tcb.ownRecovery().lossTimerKind = 'reorder';
  } else if (tcb.recovery.lossTimerKind === 'reorder') {
    stopTimer(tcb, Timer.Loss);
  }
  if (lost > 0 && !tcb.recovery.inRecovery && seqLt(tcb.sndNxt, tcb.sndMax) === false && (tcb.recovery.recover === undefined || seqGe(tcb.sndUna, tcb.recovery.recover))) {
    if (tcb.recovery.tlpHighSeq !== undefined) tcb.stats.TCPLossProbeRecovery++;
    enterRecovery(tcb, now);
  }
  return lost;
}

/** The end of an ECN window reduction spread by PRR: cwnd = ssthresh (as RFC 6937 ends a recovery). */
export function endCwr(tcb: Tcb, now: number): void {
  if (tcb.ecnState !== undefined) tcb.ecnState.cwr = false;
  tcb.congestion.cwnd = tcb.congestion.ssthresh;
  tcb.congestion.onRecoveryEnd(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'recovery-end', now);
}

/** RFC 6675 §5 / RFC 6582 §3.2 step 2: a loss detected: one reduction for this window, by PRR. */
export function enterRecovery(tcb: Tcb, now: number): void {
  // A path MTU probe at SND.UNA was too big (RFC 4821 §7.6.2); what follows retransmits it smaller.
  if (tcb.rare.mtuProbe !== undefined) probeLost(tcb);
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  // A loss during an ECN reduction (Linux: CWR to Recovery) is not reduced for twice: the window is
  // already coming down to ssthresh; PRR starts again from here.
  if (tcb.ecnState !== undefined && tcb.ecnState.cwr) tcb.ecnState.cwr = false;
  else tcb.congestion.onCongestionEvent(flight, now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'loss', now);
  tcb.prr.start(flight);
  const rec = tcb.ownRecovery();
  rec.inRecovery = true;
  rec.recover = tcb.sndMax;
  if (tcb.recoveryState) tcb.recoveryState.partialAcks = 0;
  tcb.stats.TCPFastRetrans++;
  if (tcb.sackPermitted) tcb.stats.TCPSackRecovery++;
  else tcb.stats.TCPRenoRecovery++;
  // RFC 3168 §6.1.2: a window reduction "for any reason" is announced with CWR on the next new data.
  if (tcb.ecnEnabled) tcb.ownEcn().cwrPending = true;
  startUndo(tcb, false);
  if (tcb.recovery.lossTimerKind === 'probe') stopTimer(tcb, Timer.Loss);
}

/** Everything outstanding at the start acknowledged: RFC 6937 ends with cwnd = ssthresh. */
export function exitRecovery(tcb: Tcb, now: number): void {
  if (tcb.recoveryState) tcb.recoveryState.inRecovery = false;
  tcb.congestion.cwnd = tcb.congestion.ssthresh;
  tcb.congestion.onRecoveryEnd(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'recovery-end', now);
  tcb.rack.onRecoveryEnd();
  if (tcb.recoveryState) tcb.recoveryState.renoSacked = 0;
  if (tcb.recoveryState) tcb.recoveryState.fastRetransmitPending = false;
}

/**
 * RFC 6675 §4's pipe: octets believed in the network. With SACK: outstanding less SACKed less
 * marked lost (a lost segment sent again counts again); without, FlightSize less one SMSS for each
 * duplicate ACK, less the segment at SND.UNA while its fast retransmission waits.
 */
export function pipe(tcb: Tcb): number {
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  if (tcb.sackPermitted) return Math.max(0, flight - (tcb.sacksState?.sackedBytes ?? 0) - (tcb.rackState?.lostBytes() ?? 0));
  const head = tcb.recovery.fastRetransmitPending ? Math.min(tcb.sendMss, flight) : 0;
  return Math.max(0, flight - tcb.recovery.renoSacked - head);
}

/** A new reduction: arm the detection of its being spurious (timestamps, D-SACK). */
export function startUndo(tcb: Tcb, afterRto: boolean): void {
  tcb.ownRecovery().undoArmed = tcb.timestamps;
  if (tcb.recoveryState) tcb.recoveryState.undoTsval = undefined;
  const rec = tcb.ownRecovery();
  rec.undoRetrans = tcb.sackPermitted ? 0 : -1;
  rec.undoAfterRto = afterRto;
}

/** A retransmission went: the first one's TSval is Eifel's reference (RFC 3522 §2). */
export function noteRetransmission(tcb: Tcb, now: number): void {
  if (tcb.recovery.undoArmed) {
    if (tcb.recoveryState) tcb.recoveryState.undoArmed = false;
    tcb.ownRecovery().undoTsval = tsNow(tcb, now);
  }
  if (tcb.recovery.undoRetrans >= 0) tcb.ownRecovery().undoRetrans++;
}

/**
 * RFC 3522 (Eifel detection): the first ACK of new data after the first retransmission echoes a
 * TSval older than that retransmission's: the original arrived, the retransmission was spurious.
 */
export function detectSpurious(tcb: Tcb, seg: Segment, now: number): void {
  if (tcb.recovery.undoTsval === undefined) return;
  const ts = seg.options.timestamp;
  const reference = tcb.recovery.undoTsval;
  if (tcb.recoveryState) tcb.recoveryState.undoTsval = undefined;
  if (!tcb.timestamps || !ts || ts.echo === 0 || !seqLt(ts.echo, reference)) return;
  if (tcb.recovery.undoAfterRto) tcb.stats.TCPSpuriousRTOs++;
  else tcb.stats.TCPFullUndo++;
  undoReduction(tcb, now);
}

/** The last reduction was spurious: the controller restores its window (RFC 4015 §3.2's response). */
export function undoReduction(tcb: Tcb, now: number): void {
  if (tcb.recoveryState) tcb.recoveryState.undoRetrans = -1;
  if (tcb.recoveryState) tcb.recoveryState.undoTsval = undefined;
  if (tcb.recoveryState) tcb.recoveryState.undoArmed = false;
  tcb.congestion.undo(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'undo', now);
  tcb.rack.clearLost();
  if (tcb.recovery.inRecovery) {
    if (tcb.recoveryState) tcb.recoveryState.inRecovery = false;
    tcb.congestion.onRecoveryEnd(now);
    if (tcb.recoveryState) tcb.recoveryState.fastRetransmitPending = false;
  }
  // RFC 4015 §3.2: after a spurious timeout, go on with new data rather than going back N.
  if (tcb.recovery.undoAfterRto && seqLt(tcb.sndNxt, tcb.sndMax)) tcb.sndNxt = tcb.sndMax;
  if (tcb.recoveryState) tcb.recoveryState.recover = undefined;
  tcb.stats.TCPLossUndo++;
}

/**
 * RFC 8985 §7.2: arm the probe timeout when SACK is in use, nothing is in recovery, data is
 * outstanding and no probe is out: PTO = 2*SRTT, plus the worst-case delayed ACK when one segment
 * is in flight, and never later than the RTO.
 */
export function armLossProbe(tcb: Tcb, now: number): void {
  if (tcb.recovery.lossTimerKind === 'reorder' && timerAt(tcb, Timer.Loss) !== undefined) return;
  const srtt = tcb.rtt.srtt;
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  if (!tcb.sackPermitted || !tcb.config.tailLossProbe || tcb.recovery.inRecovery || tcb.recovery.tlpHighSeq !== undefined || srtt === undefined || flight === 0 || seqLt(tcb.sndNxt, tcb.sndMax) || tcb.retransmits > 0) {
    if (tcb.recovery.lossTimerKind === 'probe') stopTimer(tcb, Timer.Loss);
    return;
  }
  let pto = 2 * srtt;
  if (flight <= tcb.sendMss) pto += WC_DEL_ACK_MS;
  pto = Math.max(pto, tcb.config.clockGranularityMs);
  let at = now + pto;
  // §7.2: PTO = min(PTO, RTO): when the RTO would come first, the probe goes in its place (and the
  // dispatch runs it rather than the RTO; lossTimeout then re-arms the RTO).
  const rto = timerAt(tcb, Timer.Retransmission);
  if (rto !== undefined && at > rto) at = rto;
  setTimer(tcb, Timer.Loss, at);
  if (tcb.recoveryState) tcb.recoveryState.lossTimerKind = 'probe';
}

/** RACK's reorder timer or TLP's probe timer fired. */
export function lossTimeout(tcb: Tcb, now: number): void {
  stopTimer(tcb, Timer.Loss);
  if (tcb.recovery.lossTimerKind === 'reorder') {
    if (tcb.recoveryState) tcb.recoveryState.lossTimerKind = 'probe';
    rackDetect(tcb, now);
    if (tcb.recovery.inRecovery) tcb.congestion.cwnd = tcb.prr.onAck(0, tcb.pipe(), tcb.congestion.ssthresh, tcb.sendMss);
    return;
  }
  // RFC 8985 §7.3: send a probe at the next pollTransmit, and re-arm the RTO (not the PTO) whether
  // or not a probe can go.
  tcb.ownRecovery().tlpPending = true;
  setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
}

/**
 * RFC 8985 §7.4: SND.UNA passed the probe. A retransmitted probe not reported as a duplicate
 * repaired a loss: respond to it as to any loss (one reduction).
 */
export function tlpAcked(tcb: Tcb, now: number): void {
  const retrans = tcb.recovery.tlpRetrans;
  if (tcb.recoveryState) tcb.recoveryState.tlpHighSeq = undefined;
  if (!retrans || tcb.recovery.inRecovery) return;
  tcb.stats.TCPLossProbeRecovery++;
  tcb.congestion.onCongestionEvent(seqDiff(tcb.sndMax, tcb.sndUna) + tcb.sendMss, now);
  tcb.congestion.cwnd = tcb.congestion.ssthresh;
  tcb.congestion.onRecoveryEnd(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'loss', now);
  if (tcb.ecnEnabled) tcb.ownEcn().cwrPending = true;
}
