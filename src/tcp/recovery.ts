// Loss recovery
import { seqDiff, seqGe, seqLt } from '../wire/index.js';
import { tsNow } from './output.js';
import type { Segment } from './segment.js';
import { ACK_SAMPLE, Tcb, WC_DEL_ACK_MS } from './tcb.js';


// ---------------------------------------------------------------------------------------------
// Loss recovery (sender): RACK-TLP with SACK (RFC 8985), NewReno without (RFC 6582), PRR in both
// (RFC 6937), and undoing a reduction that proved spurious (RFC 3522, RFC 3708).

/** After the ACK fields of a segment were processed: detect loss, run recovery, grow the window. */
export function lossRecoveryOnAck(tcb: Tcb, seg: Segment, unaBefore: number, sackedBefore: number, now: number): void {
  const advanced = seqDiff(tcb.sndUna, unaBefore);
  const sacked = tcb.sackPermitted ? (tcb.sacksState?.sackedBytes ?? 0) : tcb.renoSacked;
  // RFC 6937 §3 DeliveredData: the change in SND.UNA plus the change in SACKed octets.
  const delivered = Math.max(0, advanced + sacked - sackedBefore);
  if (advanced > 0) detectSpurious(tcb, seg, now);
  if (tcb.tlpHighSeq !== undefined && seqGe(tcb.sndUna, tcb.tlpHighSeq)) tlpAcked(tcb, now);
  const rack = tcb.rackState;
  if (rack !== undefined && rack.reorderedSegments > 0) {
    tcb.stats.TCPSACKReorder++;
    rack.reorderedSegments = 0;
  }
  if (tcb.sackPermitted) {
    // RFC 8985 §6.2: RACK on every ACK that delivered something.
    if (delivered > 0 || tcb.inRecovery) rackDetect(tcb, now);
  } else if (!tcb.inRecovery && tcb.dupAckCount === 3 && advanced === 0 && (tcb.recover === undefined || seqGe(tcb.sndUna, tcb.recover))) {
    // RFC 6582 §3.2 step 2 (RFC 5681 §3.2): the third duplicate ACK, not of data sent before the
    // last recovery or timeout: fast retransmit.
    enterRecovery(tcb, now);
    tcb.fastRetransmitPending = true;
  }
  if (tcb.inRecovery) {
    if (tcb.recover !== undefined && seqGe(tcb.sndUna, tcb.recover)) exitRecovery(tcb, now);
    else tcb.congestion.cwnd = tcb.prr.onAck(delivered, tcb.pipe(), tcb.congestion.ssthresh, tcb.sendMss);
  } else if (advanced > 0) {
    const sample = ACK_SAMPLE;
    sample.delivered = delivered;
    sample.inFlight = seqDiff(tcb.sndMax, unaBefore);
    sample.ack = tcb.sndUna;
    sample.sndNxt = tcb.sndMax;
    sample.rttMs = tcb.lastRttSample;
    sample.minRttMs = tcb.minRtt;
    sample.cwndLimited = sample.inFlight + tcb.sendMss >= tcb.congestion.cwnd;
    sample.now = now;
    tcb.congestion.onAck(sample);
  }
  tcb.lastRttSample = undefined;
  if (!tcb.inRecovery && advanced > 0) tcb.renoSacked = 0;
  armLossProbe(tcb, now);
}


/** RFC 8985 §6.2 step 5 and §6.3: mark lost what RACK says is, arm the reorder timer, start recovery. */
export function rackDetect(tcb: Tcb, now: number): void {
  const reoWnd = tcb.rack.reoWnd(tcb.inRecovery, tcb.minRtt, tcb.rtt.srtt);
  const lost = tcb.rack.detectLoss(now, reoWnd);
  if (tcb.rack.reorderTimeout > 0) {
    tcb.lossTimerAt = now + tcb.rack.reorderTimeout;
    tcb.lossTimerKind = 'reorder';
  } else if (tcb.lossTimerKind === 'reorder') {
    tcb.lossTimerAt = undefined;
  }
  if (lost > 0 && !tcb.inRecovery && seqLt(tcb.sndNxt, tcb.sndMax) === false && (tcb.recover === undefined || seqGe(tcb.sndUna, tcb.recover))) {
    if (tcb.tlpHighSeq !== undefined) tcb.stats.TCPLossProbeRecovery++;
    enterRecovery(tcb, now);
  }
}


/** RFC 6675 §5 / RFC 6582 §3.2 step 2: a loss detected: one reduction for this window, by PRR. */
export function enterRecovery(tcb: Tcb, now: number): void {
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  tcb.congestion.onCongestionEvent(flight, now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'loss', now);
  tcb.prr.start(flight);
  tcb.inRecovery = true;
  tcb.recover = tcb.sndMax;
  tcb.partialAcks = 0;
  tcb.stats.TCPFastRetrans++;
  if (tcb.sackPermitted) tcb.stats.TCPSackRecovery++;
  else tcb.stats.TCPRenoRecovery++;
  // RFC 3168 §6.1.2: a window reduction "for any reason" is announced with CWR on the next new data.
  if (tcb.ecnEnabled) tcb.ecnCwrPending = true;
  startUndo(tcb, false);
  if (tcb.lossTimerKind === 'probe') tcb.lossTimerAt = undefined;
}


/** Everything outstanding at the start acknowledged: RFC 6937 ends with cwnd = ssthresh. */
export function exitRecovery(tcb: Tcb, now: number): void {
  tcb.inRecovery = false;
  tcb.congestion.cwnd = tcb.congestion.ssthresh;
  tcb.congestion.onRecoveryEnd(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'recovery-end', now);
  tcb.rack.onRecoveryEnd();
  tcb.renoSacked = 0;
  tcb.fastRetransmitPending = false;
}


/**
 * RFC 6675 §4's pipe: octets believed in the network. With SACK: outstanding less SACKed less
 * marked lost (a lost segment sent again counts again); without, FlightSize less one SMSS for each
 * duplicate ACK, less the segment at SND.UNA while its fast retransmission waits.
 */
export function pipe(tcb: Tcb): number {
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  if (tcb.sackPermitted) return Math.max(0, flight - (tcb.sacksState?.sackedBytes ?? 0) - (tcb.rackState?.lostBytes() ?? 0));
  const head = tcb.fastRetransmitPending ? Math.min(tcb.sendMss, flight) : 0;
  return Math.max(0, flight - tcb.renoSacked - head);
}


/** A new reduction: arm the detection of its being spurious (timestamps, D-SACK). */
export function startUndo(tcb: Tcb, afterRto: boolean): void {
  tcb.undoArmed = tcb.timestamps;
  tcb.undoTsval = undefined;
  tcb.undoRetrans = tcb.sackPermitted ? 0 : -1;
  tcb.undoAfterRto = afterRto;
}


/** A retransmission went: the first one's TSval is Eifel's reference (RFC 3522 §2). */
export function noteRetransmission(tcb: Tcb, now: number): void {
  if (tcb.undoArmed) {
    tcb.undoArmed = false;
    tcb.undoTsval = tsNow(tcb, now);
  }
  if (tcb.undoRetrans >= 0) tcb.undoRetrans++;
}


/**
 * RFC 3522 (Eifel detection): the first ACK of new data after the first retransmission echoes a
 * TSval older than that retransmission's: the original arrived, the retransmission was spurious.
 */
export function detectSpurious(tcb: Tcb, seg: Segment, now: number): void {
  if (tcb.undoTsval === undefined) return;
  const ts = seg.options.timestamp;
  const reference = tcb.undoTsval;
  tcb.undoTsval = undefined;
  if (!tcb.timestamps || !ts || ts.echo === 0 || !seqLt(ts.echo, reference)) return;
  if (tcb.undoAfterRto) tcb.stats.TCPSpuriousRTOs++;
  else tcb.stats.TCPFullUndo++;
  undoReduction(tcb, now);
}


/** The last reduction was spurious: the controller restores its window (RFC 4015 §3.2's response). */
export function undoReduction(tcb: Tcb, now: number): void {
  tcb.undoRetrans = -1;
  tcb.undoTsval = undefined;
  tcb.undoArmed = false;
  tcb.congestion.undo(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'undo', now);
  tcb.rack.clearLost();
  if (tcb.inRecovery) {
    tcb.inRecovery = false;
    tcb.congestion.onRecoveryEnd(now);
    tcb.fastRetransmitPending = false;
  }
  // RFC 4015 §3.2: after a spurious timeout, go on with new data rather than going back N.
  if (tcb.undoAfterRto && seqLt(tcb.sndNxt, tcb.sndMax)) tcb.sndNxt = tcb.sndMax;
  tcb.recover = undefined;
  tcb.stats.TCPLossUndo++;
}


/**
 * RFC 8985 §7.2: arm the probe timeout when SACK is in use, nothing is in recovery, data is
 * outstanding and no probe is out: PTO = 2*SRTT, plus the worst-case delayed ACK when one segment
 * is in flight, and never later than the RTO.
 */
export function armLossProbe(tcb: Tcb, now: number): void {
  if (tcb.lossTimerKind === 'reorder' && tcb.lossTimerAt !== undefined) return;
  const srtt = tcb.rtt.srtt;
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  if (!tcb.sackPermitted || !tcb.config.tailLossProbe || tcb.inRecovery || tcb.tlpHighSeq !== undefined || srtt === undefined || flight === 0 || seqLt(tcb.sndNxt, tcb.sndMax) || tcb.retransmits > 0) {
    if (tcb.lossTimerKind === 'probe') tcb.lossTimerAt = undefined;
    return;
  }
  let pto = 2 * srtt;
  if (flight <= tcb.sendMss) pto += WC_DEL_ACK_MS;
  pto = Math.max(pto, tcb.config.clockGranularityMs);
  const at = now + pto;
  if (tcb.retransmitAt !== undefined && at >= tcb.retransmitAt) {
    tcb.lossTimerAt = undefined;
    return;
  }
  tcb.lossTimerAt = at;
  tcb.lossTimerKind = 'probe';
}


/** RACK's reorder timer or TLP's probe timer fired. */
export function lossTimeout(tcb: Tcb, now: number): void {
  tcb.lossTimerAt = undefined;
  if (tcb.lossTimerKind === 'reorder') {
    tcb.lossTimerKind = 'probe';
    rackDetect(tcb, now);
    if (tcb.inRecovery) tcb.congestion.cwnd = tcb.prr.onAck(0, tcb.pipe(), tcb.congestion.ssthresh, tcb.sendMss);
    return;
  }
  // RFC 8985 §7.3: send a probe at the next pollTransmit.
  tcb.tlpPending = true;
}


/**
 * RFC 8985 §7.4: SND.UNA passed the probe. A retransmitted probe not reported as a duplicate
 * repaired a loss: respond to it as to any loss (one reduction).
 */
export function tlpAcked(tcb: Tcb, now: number): void {
  const retrans = tcb.tlpRetrans;
  tcb.tlpHighSeq = undefined;
  if (!retrans || tcb.inRecovery) return;
  tcb.stats.TCPLossProbeRecovery++;
  tcb.congestion.onCongestionEvent(seqDiff(tcb.sndMax, tcb.sndUna) + tcb.sendMss, now);
  tcb.congestion.cwnd = tcb.congestion.ssthresh;
  tcb.congestion.onRecoveryEnd(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'loss', now);
  if (tcb.ecnEnabled) tcb.ecnCwrPending = true;
}
