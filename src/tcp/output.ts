/**
 * What the connection sends (`transmit`, behind Tcb.pollTransmit): queued control segments, the SYN
 * or SYN-ACK, then data as the windows, Nagle and SWS avoidance allow (RFC 9293 §3.7.4, §3.8.6),
 * retransmissions loss recovery chose, loss probes, window probes, FINs and ACKs, with their options
 * (timestamps, SACK blocks).
 */
import { answersPeer } from './ack-timeout.js';
import { TcpFlag, type TcpOptions, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/index.js';
import { bsdSynOptionKinds } from '../wire/tcp.js';
import { ECT0 } from './ecn.js';
import { mssForMtu } from './config.js';
import { probeLength, probeSent } from './mtu-probe.js';
import { childDataSegment, fastOpenSyn, sendsBeforeEstablished, synDeferred, synSentAgainAtOnce } from './fast-open.js';
import { armLossProbe, noteRetransmission, restartAfterIdle } from './recovery.js';
import { EMPTY_PAYLOAD, type Segment, makeSegment, wireSegments } from './segment.js';
import type { DeliveryRateSampler } from './rate-sample.js';
import type { Tcb } from './tcb.js';
import { Chrono } from './tcb-state.js';
import { Timer, setTimer, startTimer, stopTimer, timerAt, traceTimers } from './timers.js';
import { freeReceiveSpace, windowField } from './window.js';

/** Options of a segment that carries none (never written). */
export const NO_OPTIONS: TcpOptions = Object.freeze({}) as TcpOptions;
/** Room left for headers in an offloaded segment's packet (Tcb.gsoMaxSize): IPv6's 40 octets and the longest TCP header, 60. */
const GSO_HEADER_ROOM = 100;
/** Stands for an absent list of sequence numbers (never written: kept is 0 when it is read). */
const NO_SEQS: number[] = [];

/** The next segment to send, or undefined. Call until undefined after any input or timeout. */
export function transmit(tcb: Tcb, now: number): Segment | undefined {
  tcb.onlyRetransmitted = false;
  const retransBefore = tcb.stats.RetransSegs;
  const seg = nextSegment(tcb, now);
  if (tcb.tracer !== undefined) traceTimers(tcb, 0, now);
  if (seg) {
    // RFC 4022 tcpOutSegs: "excluding those containing only retransmitted octets".
    // An offloaded segment counts as the wire segments it stands for (Segment.gsoSize).
    const n = wireSegments(seg);
    if (!tcb.onlyRetransmitted) tcb.stats.OutSegs += n;
    if (seg.flags & TcpFlag.RST) tcb.stats.OutRsts++;
    for (let i = 0; i < n; i++) tcb.countSegmentOut(now);
    const len = seg.payload.length;
    // tcp_info's send side (the stats object is the stack's, but nothing else runs in between).
    const retransmitted = tcb.stats.RetransSegs !== retransBefore;
    if (len > 0 || (retransmitted && tcb.infoState !== undefined)) {
      const info = tcb.ownInfo(now);
      if (retransmitted) info.totalRetrans++;
      if (len > 0) {
        info.dataSegsOut += n;
        info.bytesSent += len;
        info.lastDataSentAt = Math.floor(now);
        if (retransmitted) info.bytesRetrans += len;
      }
    }
  } else if ((tcb.sndBuf !== undefined && tcb.state !== 'SYN-SENT' && tcb.state !== 'SYN-RECEIVED') || (tcb.infoState !== undefined && tcb.infoState.chrono !== Chrono.Idle)) {
    // Nothing more to send now: which of tcp_info's chronographs runs (see chronoNow).
    tcb.ownInfo(now).setChrono(chronoNow(tcb), now);
  }
  return seg;
}

/**
 * After a send opportunity that sent nothing more: Idle with nothing queued or outstanding;
 * SndbufLimited while a write waits for room and all the buffer holds has been sent; RwndLimited
 * when new data waits and the next segment would go past the peer's window while cwnd has room
 * (Linux checks cwnd first); else Busy.
 */
export function chronoNow(tcb: Tcb): Chrono {
  if (tcb.sendBuffer.length === 0 && tcb.sndMax === tcb.sndUna) return Chrono.Idle;
  const unsent = unsentBytes(tcb);
  if (tcb.rare.sendRefused && unsent === 0) return Chrono.SndbufLimited;
  if (unsent > 0) {
    const inFlight = seqDiff(tcb.sndNxt, tcb.sndUna);
    const next = Math.min(unsent, tcb.sendMss);
    if (inFlight + next > tcb.sndWnd && inFlight < Math.floor(tcb.congestion.cwnd)) return Chrono.RwndLimited;
  }
  return Chrono.Busy;
}

export function nextSegment(tcb: Tcb, now: number): Segment | undefined {
  const control = tcb.rare.control;
  if (control !== undefined) {
    const seg = control.shift();
    if (control.length === 0 && tcb.rareState) tcb.rareState.control = undefined;
    return seg;
  }
  switch (tcb.state) {
    case 'CLOSED':
    case 'LISTEN':
      return undefined;
    case 'SYN-SENT':
      return tcb.synNeeded && !synDeferred(tcb) ? synSegment(tcb, now, false) : undefined;
    case 'SYN-RECEIVED':
      if (tcb.synNeeded) return synSegment(tcb, now, true);
      if (sendsBeforeEstablished(tcb)) return childDataSegment(tcb, now);
      return tcb.ackNow ? ackSegment(tcb, now, tcb.sndNxt, 0, EMPTY_PAYLOAD) : undefined;
    default:
      return dataSegment(tcb, now);
  }
}

/** The MSS option of our SYN or SYN-ACK: our own MSS, or less after the path MTU fell (synMssFollowsPathMtu). */
function synMss(tcb: Tcb): number {
  if (!tcb.config.synMssFollowsPathMtu || tcb.pathMtu >= tcb.config.mtu) return tcb.advertisedMss;
  return Math.min(tcb.advertisedMss, mssForMtu(tcb.pathMtu, tcb.ipVersion));
}

export function synSegment(tcb: Tcb, now: number, withAck: boolean): Segment {
  tcb.synNeeded = false;
  // noOptions (FreeBSD TCP_NOOPT): no options at all, not even the MSS (RFC 9293 §3.7.1 allows it);
  // nothing was negotiated either, so a SYN-ACK adds none below.
  const o: TcpOptions = tcb.config.noOptions ? {} : { mss: synMss(tcb) };
  let payload: Uint8Array = EMPTY_PAYLOAD;
  if (withAck) {
    // SYN-ACK: only options the peer's SYN offered (RFC 7323 §2.2, §3.2; RFC 2018 §2).
    if (tcb.windowScaling) o.wscale = tcb.rcvShift;
    if (tcb.sackPermitted) o.sackPermitted = true;
    if (tcb.timestamps) o.timestamp = { value: tsNow(tcb, now), echo: tcb.tsRecent };
    // RFC 7413 §4.1.2: a Fast Open listener's cookie (answering a request, an invalid or an old cookie).
    const fo = tcb.rare.fastOpen;
    if (fo?.synAckCookie !== undefined) {
      o.fastOpenCookie = fo.synAckCookie;
      if (fo.exp) o.fastOpenExp = true;
    }
  } else {
    // synRetransmitDropOptions: from the Nth retransmission on, only the MSS (FreeBSD rexmit_drop_options).
    const n = tcb.config.synRetransmitDropOptions;
    if (n > 0 && tcb.retransmits >= n) tcb.ownRare().synOptionsDropped = true;
    if (!tcb.rare.synOptionsDropped && !tcb.config.noOptions) {
      if (tcb.config.windowScaling) o.wscale = tcb.offeredShift;
      if (tcb.config.sack) o.sackPermitted = true;
      if (tcb.config.timestamps) o.timestamp = { value: tsNow(tcb, now), echo: 0 };
    }
    if (tcb.rare.fastOpen !== undefined) payload = fastOpenSyn(tcb, o);
    tcb.synSentAt = now;
  }
  if (tcb.retransmits === 0 && withAck) tcb.synSentAt = now;
  if (tcb.config.synOptionOrder === 'freebsd') o.order = bsdSynOptionKinds(o);
  let flags = withAck ? TcpFlag.SYN | TcpFlag.ACK : TcpFlag.SYN;
  // RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR, an ECN-setup SYN-ACK ECE alone; neither is
  // ECT in IP. §6.1.1.1: after ecnMaxSynRetries retransmissions the SYN goes without them.
  if (withAck) {
    if (tcb.ecnEnabled) flags |= TcpFlag.ECE;
  } else if (tcb.config.ecn === 'on' && tcb.retransmits <= tcb.config.ecnMaxSynRetries) {
    flags |= TcpFlag.ECE | TcpFlag.CWR;
    tcb.ownEcn().requested = true;
  }
  tcb.sndNxt = seqAdd(tcb.iss, 1 + payload.length);
  if (seqGt(tcb.sndNxt, tcb.sndMax)) tcb.sndMax = tcb.sndNxt;
  if (tcb.retransmits > 0 || synSentAgainAtOnce(tcb)) {
    tcb.stats.RetransSegs++;
    tcb.onlyRetransmitted = true;
  }
  startTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
  const window = Math.min(freeReceiveSpace(tcb), 0xffff); // never scaled on a SYN
  if (withAck) {
    tcb.lastAckSent = tcb.rcvNxt;
    tcb.rcvAdv = seqAdd(tcb.rcvNxt, window);
  }
  return makeSegment({
    srcPort: tcb.localPort,
    dstPort: tcb.remotePort,
    seq: tcb.iss,
    ack: withAck ? tcb.rcvNxt : 0,
    flags,
    window,
    options: o,
    payload,
  });
}

/** Bytes in the send buffer not yet sent (from SND.NXT). */
export function unsentBytes(tcb: Tcb): number {
  const sentData = seqDiff(tcb.sndNxt, tcb.sndUna) - (tcb.closing.finSeq !== undefined && seqGt(tcb.sndNxt, tcb.closing.finSeq) ? 1 : 0);
  return Math.max(0, tcb.sendBuffer.length - Math.max(0, sentData));
}

/** Data octets in [SND.NXT, SND.MAX): sent before and about to be sent again (go-back-N). */
export function sentBeyondNxt(tcb: Tcb): number {
  if (!seqLt(tcb.sndNxt, tcb.sndMax)) return 0;
  const finInside = tcb.closing.finSeq !== undefined && seqGe(tcb.closing.finSeq, tcb.sndNxt) && seqLt(tcb.closing.finSeq, tcb.sndMax);
  return seqDiff(tcb.sndMax, tcb.sndNxt) - (finInside ? 1 : 0);
}

/**
 * Data in the next segment: sendMss less the SACK blocks it will carry (RFC 6691: the MSS leaves
 * options out; Linux's tcp_current_mss does the same), so that the packet still fits the path MTU.
 */
export function dataMss(tcb: Tcb): number {
  if (!tcb.sackPermitted) return tcb.sendMss;
  let blocks = tcb.receiveBuffer.outOfOrderBytes > 0 ? tcb.receiveBuffer.blockCount() : 0;
  if (tcb.rare.dsackLeft !== undefined) blocks++;
  if (blocks === 0) return tcb.sendMss;
  blocks = Math.min(blocks, tcb.timestamps ? 3 : 4);
  return Math.max(1, tcb.sendMss - (4 + 8 * blocks));
}

export function dataSegment(tcb: Tcb, now: number): Segment | undefined {
  const s = tcb.state;
  let canSendData = s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || s === 'FIN-WAIT-1' || s === 'LAST-ACK' || s === 'CLOSING';
  if (canSendData && (tcb.config.pacing || tcb.cc?.pacingRate !== undefined)) {
    // Pacing (the knob, or a controller that sets the rate): no data before the time the last
    // segment's pace allows; a timer says when.
    const next = tcb.rare.pacingNextAt;
    if (next !== undefined && now < next) {
      canSendData = false;
      setTimer(tcb, Timer.Pacing, next);
    }
  }
  let tlpNewData = false;
  if (canSendData) {
    const seg = lossRetransmission(tcb, now);
    if (seg) return seg;
    if (tcb.recovery.tlpPending) {
      if (tcb.recoveryState) tcb.recoveryState.tlpPending = false;
      const probe = lossProbe(tcb, now);
      if (probe) return probe;
      tlpNewData = tcb.recovery.tlpHighSeq === undefined && unsentBytes(tcb) > 0;
    }
  }
  if (canSendData) {
    // Going back N after a timeout: skip what the peer has SACKed (RFC 6675 §5.1).
    if (tcb.sackPermitted && seqLt(tcb.sndNxt, tcb.sndMax) && tcb.sacks.rangeCount > 0 && timerAt(tcb, Timer.Persist) === undefined && !tcb.probes.forceProbe) {
      const next = tcb.sacks.skipSacked(tcb.sndNxt);
      tcb.sndNxt = seqLt(next, tcb.sndMax) ? next : tcb.sndMax;
    }
    const offset = Math.max(0, seqDiff(tcb.sndNxt, tcb.sndUna));
    const unsent = Math.max(0, tcb.sendBuffer.length - offset);
    // RFC 5681 §4.1: new data after an idle period starts from the restart window (a knob), when
    // transmission begins: not while a zero window holds the data back (a window probe is no start).
    if (unsent > 0 && tcb.config.slowStartAfterIdle && tcb.sndUna === tcb.sndMax && tcb.sndWnd > 0) restartAfterIdle(tcb, now);
    const inFlight = seqDiff(tcb.sndNxt, tcb.sndUna);
    // RFC 3042 limited transmit: the first and second duplicate ACKs each let one new segment go
    // beyond cwnd (FlightSize <= cwnd + 2*SMSS), the receiver's window permitting; cwnd is unchanged.
    const limited = tcb.dupAckCount > 0 && tcb.dupAckCount < 3 && tcb.sndNxt === tcb.sndMax && !tcb.recovery.inRecovery ? tcb.dupAckCount * tcb.sendMss : 0;
    // In recovery PRR says how much may go (RFC 6937: sndcnt), the peer's window permitting; whole
    // segments, one more while sndcnt is positive (as Linux rounds sndcnt up to segments).
    // Nothing unsent: no window to work out (nor a congestion controller to make for it).
    let usable = unsent === 0 ? 0 : tcb.recovery.inRecovery
      ? tcb.prr.sndcnt > 0 ? Math.max(0, Math.min(tcb.sndWnd - inFlight, tcb.sendMss)) : 0
      : Math.max(0, Math.min(tcb.sndWnd, Math.floor(tcb.congestion.cwnd) + limited) - inFlight); // a controller's cwnd may be fractional (CUBIC): octets are whole
    // RFC 8985 §7.3: a loss probe is new data when there is some the window allows, whatever cwnd says.
    if (tlpNewData) usable = Math.max(usable, Math.min(tcb.sndWnd - inFlight, tcb.sendMss));
    const probing = tcb.probes.forceProbe;
    const windowProbe = probing && tcb.sndWnd === 0;
    if (probing) {
      // Zero-window probe: one byte beyond the window (§3.8.6.1); or, with a small window, the
      // override timeout: send what fits (§3.8.6.2.1).
      if (tcb.probeState) tcb.probeState.forceProbe = false;
      usable = Math.max(usable, 1);
    }
    const mss = dataMss(tcb);
    // RFC 4821 §7.4: a path MTU probe, larger than the MSS, built from the data queued.
    const probe = tcb.rare.mtuProbe !== undefined && !probing && !tlpNewData && !tcb.recovery.inRecovery ? probeLength(tcb, unsent, inFlight, now) : 0;
    let len = probe > 0 ? probe : Math.min(unsent, usable, mss);
    // retransmitStopsAtSndMax: what goes again is only what went before; new data starts at SND.MAX.
    if (tcb.config.retransmitStopsAtSndMax && !probing) {
      const old = sentBeyondNxt(tcb);
      if (old > 0) len = Math.min(len, old);
    }
    if (tcb.sackPermitted && seqLt(tcb.sndNxt, tcb.sndMax)) {
      const holeEnd = tcb.sacks.holeEnd(tcb.sndNxt, tcb.sndMax);
      if (seqLt(holeEnd, tcb.sndMax)) len = Math.min(len, seqDiff(holeEnd, tcb.sndNxt));
    }
    // A record ends inside: the segment stops there, and counts as complete if data follows (records.ts).
    const records = tcb.rare.records;
    let recordEnd = false;
    if (records !== undefined) {
      records.acknowledged(tcb.sndUna);
      if (records.size === 0 && tcb.rareState) tcb.rareState.records = undefined;
      len = records.limit(tcb.sndNxt, len);
      recordEnd = len > 0 && len < unsent && records.endsAt(seqAdd(tcb.sndNxt, len));
    }
    // Segmentation offload (Tcb.gsoMaxSize): new data worth two full segments or more goes as one
    // segment of whole full-sized ones, for the device to cut into the very wire segments this function
    // would have made one call at a time (same numbers, same options, PSH and FIN on the last only).
    // Only where those calls would all be alike: no retransmission or probe (window or path MTU), no
    // recovery or ECN window reduction (PRR counts each send), no pacing, no urgent data or CWR (one
    // segment's flags), no SACK blocks (a D-SACK goes on one segment only, and blocks shorten the
    // segment: dataMss), no record boundaries (MSG_EOR: each record's end is its own segment's).
    let gsoSize = 0;
    if (tcb.gsoMaxSize > 0 && len === mss && mss === tcb.sendMss && tcb.sndNxt === tcb.sndMax && !probing && probe === 0 && !tlpNewData && !tcb.recovery.inRecovery &&
        !tcb.ecn.cwr && !tcb.ecn.cwrPending && !tcb.config.pacing && !tcb.rare.urgentPending && tcb.rare.records === undefined) {
      let n = Math.floor(Math.min(unsent, usable, tcb.gsoMaxSize - GSO_HEADER_ROOM) / mss);
      // A controller that paces (BBR) sends a burst of at most its send quantum: what its rate
      // carries in 1 ms, at least two segments (draft-ietf-ccwg-bbr's BBRSetSendQuantum).
      const rate = tcb.cc?.pacingRate;
      if (rate !== undefined) n = Math.min(n, Math.max(2, Math.floor(rate / mss)));
      if (n > 1) {
        len = n * mss;
        gsoSize = mss;
      }
    }
    const finPending = tcb.closing.finRequested && (tcb.closing.finSeq === undefined || seqLe(tcb.sndNxt, tcb.closing.finSeq));
    // The FIN occupies a sequence number, so it must fit in the send window like an octet of data
    // (RFC 9293 §3.8.6: nothing beyond SND.UNA + SND.WND), unless it is itself the zero-window probe.
    // A FIN beyond the window is trimmed by the receiver (§3.10.7.4), yet it would move SND.MAX past
    // the peer's RCV.NXT: our ACKs, <SEQ=SND.MAX>, then fall outside the peer's zero window, each is
    // answered with an ACK, and two peers in that state exchange ACKs forever.
    const finFits = probing || seqLt(seqAdd(tcb.sndNxt, len), seqAdd(tcb.sndUna, tcb.sndWnd));
    const fin = finPending && finFits && offset + len === tcb.sendBuffer.length && (s === 'FIN-WAIT-1' || s === 'LAST-ACK' || s === 'CLOSING');
    if (len > 0 && len < mss && !probing && !fin && !recordEnd) {
      // Nagle (§3.7.4) and sender-side SWS avoidance (§3.8.6.2.1): a short segment goes only when it
      // carries all queued data and nothing is in flight (or Nagle is off), or fills half the largest window.
      const allQueued = len === unsent;
      const nagleOk = tcb.config.noDelay || inFlight === 0 || (tcb.config.nagle === 'minshall' && !shortSegmentOut(tcb));
      // An explicit push (Tcb.push) sends what it covers whatever holds it back; a cork, or a SEND
      // that said more is coming, holds the short tail of the queue (Tcb.setCork, Tcb.send).
      const pushUpTo = tcb.rare.pushUpTo;
      const pushed = pushUpTo !== undefined && seqLe(seqAdd(tcb.sndNxt, len), pushUpTo);
      const held = allQueued && (tcb.rare.corked || tcb.rare.moreHeld);
      // All of these hold back new data only. Octets already sent (below SND.MAX) go again however short the
      // segment: RFC 6298 §5.4 retransmits the earliest unacknowledged segment when the timer fires,
      // including a short one the SWS override sent into a small window.
      if (!pushed && (held || (!(allQueued && nagleOk) && len < tcb.maxSndWnd / 2))) len = Math.min(len, sentBeyondNxt(tcb));
    }
    if (len > 0 || fin) {
      const payload = len > 0 ? tcb.sendBuffer.slice(offset, len) : EMPTY_PAYLOAD;
      const retransmission = seqLt(tcb.sndNxt, tcb.sndMax);
      let flags = TcpFlag.ACK;
      // PSH at the end of what the application has queued, unless it said more is coming (a probe
      // sent for held data pushes it, as Linux's tcp_write_wakeup does).
      if (len > 0 && offset + len === tcb.sendBuffer.length && (!tcb.rare.moreToCome || probing)) flags |= TcpFlag.PSH;
      // ...and at the end of a record: the SEND that ended it was pushed when it was made.
      if (recordEnd) flags |= TcpFlag.PSH;
      if (fin) flags |= TcpFlag.FIN;
      const seq = tcb.sndNxt;
      let urgentPointer = 0;
      if (tcb.rare.urgentPending && seqGt(tcb.rare.sndUp, seq)) {
        flags |= TcpFlag.URG;
        urgentPointer = Math.min(0xffff, seqDiff(tcb.rare.sndUp, seq));
      }
      // RFC 3168: new data is ECT(0) (§6.1.2), the first after a window reduction says CWR; never a
      // retransmission (§6.1.5) or a window probe, and a bare FIN carries no data.
      const ect = tcb.ecnEnabled && len > 0 && !retransmission && !windowProbe;
      if (ect && tcb.ecn.cwrPending) {
        flags |= TcpFlag.CWR;
        if (tcb.ecnState) tcb.ecnState.cwrPending = false;
      }
      const seg = ackSegment(tcb, now, seq, flags, payload, urgentPointer);
      if (ect) seg.ipEcn = ECT0;
      if (gsoSize > 0) seg.gsoSize = gsoSize;
      const end = seqAdd(seq, len + (fin ? 1 : 0));
      // A window probe moves SND.MAX but not SND.NXT (BSD's persist state does the same): a receiver
      // at zero window drops the probe's byte, so sending resumes with it when the window opens,
      // not after it (which would leave a hole for the retransmission timer to fill).
      tcb.sndNxt = windowProbe ? seq : end;
      if (tcb.rare.pushUpTo !== undefined && seqGe(end, tcb.rare.pushUpTo) && tcb.rareState) tcb.rareState.pushUpTo = undefined;
      if (fin) tcb.ownClosing().finSeq = seqAdd(seq, len);
      tcb.onlyRetransmitted = retransmission && seqLe(end, tcb.sndMax);
      if (probe > 0) probeSent(tcb, seq, len);
      recordSend(tcb, seq, end, now, gsoSize);
      if (seqGt(end, tcb.sndMax)) tcb.sndMax = end;
      if (tcb.recovery.inRecovery || tcb.ecn.cwr) tcb.prr.onSend(seqDiff(end, seq));
      if (len > 0 && !retransmission && answersPeer(tcb, now)) tcb.pingpong = true;
      if (len > 0 && len < mss && !retransmission && tcb.config.nagle === 'minshall') tcb.ownRare().shortSentEnd = end;
      if (tlpNewData) {
        // RFC 8985 §7.3: the probe is out; the RTO is rearmed behind it.
        tcb.stats.TCPLossProbes++;
        tcb.ownRecovery().tlpHighSeq = tcb.sndMax;
        if (tcb.recoveryState) tcb.recoveryState.tlpRetrans = false;
        setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
      }
      if (retransmission) {
        noteRetransmission(tcb, now);
        tcb.stats.RetransSegs++;
        if (tcb.timestamps) {
          const rec = tcb.ownRecovery();
          rec.retransmitTsval = tsNow(tcb, now);
          rec.retransmitHigh = tcb.sndMax;
        }
      } else if (!tcb.timestamps && tcb.recovery.rttSeq === undefined && !windowProbe) {
        const rec = tcb.ownRecovery();
        rec.rttSeq = seq;
        rec.rttStart = now;
      }
      // A window probe is not retransmitted on the RTO: the persist timer repeats it.
      if (timerAt(tcb, Timer.Retransmission) === undefined && !windowProbe) setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
      // §3.8.6.1: the next probe is due one backed-off interval after tcb one, answered or not (a
      // lost probe or a lost answer must not stop the probing).
      if (windowProbe) {
        setTimer(tcb, Timer.Persist, now + Math.min(tcb.config.persistMaxMs, Math.max(tcb.rtt.rto, tcb.config.persistMinMs) * 2 ** tcb.probes.persistBackoff));
      }
      if (timerAt(tcb, Timer.UserTimeout) === undefined && tcb.config.userTimeoutMs !== undefined) setTimer(tcb, Timer.UserTimeout, now + tcb.config.userTimeoutMs);
      // RFC 8985 §7.2: new data sent restarts the probe timeout (so a burst's PTO is the one its
      // last segment gives: one segment in flight adds the delayed-ACK allowance, four do not).
      if (!retransmission) armLossProbe(tcb, now);
      return seg;
    }
  }
  if (tcb.ackNow && tcb.config.finWithAck && !tcb.bareAck && tcb.closing.finSeq !== undefined && (s === 'FIN-WAIT-1' || s === 'CLOSING' || s === 'LAST-ACK')) {
    // finWithAck: the ACK goes as the FIN again, at the FIN's own sequence number (FreeBSD's
    // tcp_output: "if resending a FIN, be sure not to use a new sequence number"). Only when nothing
    // before the FIN is being sent again (a go-back-N retransmission carries the FIN at its end), and
    // only a FIN that went out: it is the last sequence number sent, so SND.MAX = FIN + 1.
    if (seqAdd(tcb.closing.finSeq, 1) === tcb.sndMax && seqGe(tcb.sndNxt, tcb.closing.finSeq)) {
      const seg = ackSegment(tcb, now, tcb.closing.finSeq, TcpFlag.FIN, EMPTY_PAYLOAD);
      tcb.sndNxt = seqAdd(tcb.closing.finSeq, 1);
      tcb.onlyRetransmitted = true;
      tcb.stats.RetransSegs++;
      if (timerAt(tcb, Timer.Retransmission) === undefined) setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
      return seg;
    }
  }
  if (tcb.ackNow) {
    // An ACK carries <SEQ=SND.NXT> (§3.10.7.4) in the RFC's sense: the next new octet, our SND.MAX,
    // not the rewound SND.NXT of a retransmission, which a peer that already has those octets finds
    // unacceptable (it would drop the ACK and answer, an endless exchange). During zero-window
    // probing SND.MAX counts the probe's octet the peer dropped, so SND.NXT then (as BSD's tcp_output).
    let seq = timerAt(tcb, Timer.Persist) !== undefined || tcb.probes.forceProbe ? tcb.sndNxt : tcb.sndMax;
    // Table 6 accepts a bare ACK only below RCV.NXT + RCV.WND. When we have sent up to the very edge
    // of the peer's window and it is missing some of it, SND.MAX is that edge: a strict peer drops
    // the ACK unread (RFC 9293 Appendix A.2 notes that validation can keep ACK fields from being
    // processed). Two peers in that state (both windows filled, both with losses) never learn of each
    // other's acknowledgments and retransmit octets the other already holds until R2 aborts. One
    // octet lower is inside the window whenever the peer is missing data; when it is not, the ACK is
    // one behind its RCV.NXT, which synack takes (see the sequence check) and a strict peer answers.
    if (seq === tcb.sndMax && tcb.sndMax !== tcb.sndUna && seqAdd(tcb.sndUna, tcb.sndWnd) === tcb.sndMax) seq = seqAdd(seq, -1);
    return ackSegment(tcb, now, seq, TcpFlag.ACK, EMPTY_PAYLOAD);
  }
  return undefined;
}

/**
 * RACK's record of what was sent (SACK connections only): new data, or data sent again. An offloaded
 * segment (new data only) is recorded as the wire segments it stands for, `gsoSize` octets each, so
 * that loss of one of them is detected and repaired as that one segment.
 */
export function recordSend(tcb: Tcb, seq: number, end: number, now: number, gsoSize = 0): void {
  const cc = tcb.cc;
  if ((tcb.config.pacing || cc?.pacingRate !== undefined) && seq !== end) pace(tcb, seqDiff(end, seq), now);
  if (!tcb.sackPermitted || seq === end) return;
  // Delivery-rate sampling (a controller that asks for it): the send state goes with RACK's records.
  if (cc?.rates !== undefined) ratesOnSend(tcb, cc.rates, seq, end, now);
  const max = tcb.sndMax;
  if (seqLt(seq, max)) tcb.rack.onRetransmit(seq, seqLt(end, max) ? end : max, now);
  if (seqGt(end, max)) {
    const from = seqGt(seq, max) ? seq : max;
    if (gsoSize > 0) tcb.rack.onSendNewSegments(from, end, gsoSize, now);
    else tcb.rack.onSendNew(from, end, now);
  }
}

/**
 * Pacing (`pacing`, as Linux's internal TCP pacing): `len` octets just went, so the next data may go
 * len / rate later, the rate being cwnd per smoothed RTT, times 2 in slow start (below half of
 * ssthresh) and 1.2 after (Linux's tcp_pacing_ss_ratio and tcp_pacing_ca_ratio). No pacing before
 * the first RTT sample.
 */
export function pace(tcb: Tcb, len: number, now: number): void {
  const cc = tcb.congestion;
  let bytesPerMs = cc.pacingRate;
  if (bytesPerMs === undefined) {
    const srtt = tcb.rtt.srtt;
    if (srtt === undefined) return;
    const ratio = cc.cwnd < cc.ssthresh / 2 ? 2 : 1.2;
    bytesPerMs = (ratio * cc.cwnd) / Math.max(srtt, 0.001);
  } else if (!(bytesPerMs > 0)) return;
  const base = tcb.rare.pacingNextAt !== undefined && tcb.rare.pacingNextAt > now ? tcb.rare.pacingNextAt : now;
  tcb.ownRare().pacingNextAt = base + len / bytesPerMs;
}

/**
 * A segment ending at `end` is about to be recorded: the sampler notes the flight it joins; and when
 * it leaves nothing more queued with room in the window, what goes from now on is app-limited
 * (draft-ietf-ccwg-bbr §4.1.2.4, C.app_limited).
 */
function ratesOnSend(tcb: Tcb, rates: DeliveryRateSampler, seq: number, end: number, now: number): void {
  const pipe = tcb.pipe();
  rates.beforeSend(pipe, now);
  if (seqGe(end, tcb.sndMax) && unsentBytes(tcb) === 0 && pipe + seqDiff(end, seq) < tcb.congestion.cwnd) rates.markAppLimited(pipe);
}

/**
 * A retransmission chosen by loss recovery, before any new data: NewReno's fast retransmit or a
 * partial ACK's (RFC 6582 §3.2), or the first segment RACK marked lost (RFC 6675 §4 NextSeg rule
 * 1, with RACK's marks, RFC 8985 §6.2). While PRR's sndcnt (in recovery) or cwnd - pipe (outside
 * it) is positive.
 * Not while going back N after a timeout (that resends everything anyway).
 */
export function lossRetransmission(tcb: Tcb, now: number): Segment | undefined {
  if (seqLt(tcb.sndNxt, tcb.sndMax) || !seqLt(tcb.sndUna, tcb.sndMax)) return undefined;
  const budget = tcb.recovery.inRecovery ? tcb.prr.sndcnt : tcb.congestion.cwnd - tcb.pipe();
  if (tcb.recovery.fastRetransmitPending) {
    if (budget <= 0) return undefined;
    if (tcb.recoveryState) tcb.recoveryState.fastRetransmitPending = false;
    return retransmitRange(tcb, now, tcb.sndUna, tcb.sendMss);
  }
  if (!tcb.sackPermitted) return undefined;
  const i = tcb.rack.firstLost();
  if (i < 0) return undefined;
  const start = tcb.rack.startOf(i);
  const len = Math.min(tcb.sendMss, seqDiff(tcb.rack.endOf(i), start));
  if (budget <= 0) return undefined;
  return retransmitRange(tcb, now, seqLt(start, tcb.sndUna) ? tcb.sndUna : start, len);
}

/**
 * RFC 8985 §7.3: the probe timer fired. New data goes as the probe if the window allows some
 * (dataSegment sends it); otherwise the last segment sent goes again.
 */
export function lossProbe(tcb: Tcb, now: number): Segment | undefined {
  const unsent = unsentBytes(tcb);
  const inFlight = seqDiff(tcb.sndNxt, tcb.sndUna);
  if (unsent > 0 && tcb.sndWnd - inFlight >= Math.min(unsent, tcb.sendMss)) return undefined;
  const i = tcb.rack.last();
  if (i < 0) return undefined;
  const end = tcb.rack.endOf(i);
  let start = tcb.rack.startOf(i);
  if (seqLt(start, tcb.sndUna)) start = tcb.sndUna;
  if (!seqLt(start, end)) return undefined;
  const seg = retransmitRange(tcb, now, start, seqDiff(end, start));
  if (seg) {
    tcb.stats.TCPLossProbes++;
    const rec = tcb.ownRecovery();
    rec.tlpHighSeq = tcb.sndMax;
    rec.tlpRetrans = true;
    setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
  }
  return seg;
}

/**
 * Octets from `seq` (below SND.MAX) sent again on their own, at most `maxLen` of data (and the FIN
 * if it follows them). SND.NXT stays where it is (not go-back-N).
 */
export function retransmitRange(tcb: Tcb, now: number, seq: number, maxLen: number): Segment | undefined {
  const finSent = tcb.closing.finSeq !== undefined && seqLt(tcb.closing.finSeq, tcb.sndMax);
  const offset = seqDiff(seq, tcb.sndUna);
  const sentData = Math.min(tcb.sendBuffer.length, seqDiff(tcb.sndMax, tcb.sndUna) - (finSent ? 1 : 0));
  let len = Math.max(0, Math.min(maxLen, dataMss(tcb), sentData - offset));
  // Never joins two records (records.ts), as Linux's retransmission never collapses across MSG_EOR.
  const records = tcb.rare.records;
  if (records !== undefined) len = records.limit(seq, len);
  const fin = finSent && tcb.closing.finSeq === seqAdd(seq, len);
  if (len === 0 && !fin) return undefined;
  let flags = TcpFlag.ACK;
  if (len > 0 && (offset + len === tcb.sendBuffer.length || records?.endsAt(seqAdd(seq, len)))) flags |= TcpFlag.PSH;
  if (fin) flags |= TcpFlag.FIN;
  let urgentPointer = 0;
  if (tcb.rare.urgentPending && seqGt(tcb.rare.sndUp, seq)) {
    flags |= TcpFlag.URG;
    urgentPointer = Math.min(0xffff, seqDiff(tcb.rare.sndUp, seq));
  }
  const payload = len > 0 ? tcb.sendBuffer.slice(offset, len) : EMPTY_PAYLOAD;
  const seg = ackSegment(tcb, now, seq, flags, payload, urgentPointer);
  const end = seqAdd(seq, len + (fin ? 1 : 0));
  tcb.onlyRetransmitted = true;
  tcb.stats.RetransSegs++;
  recordSend(tcb, seq, end, now);
  if (tcb.recovery.inRecovery || tcb.ecn.cwr) tcb.prr.onSend(len);
  noteRetransmission(tcb, now);
  if (tcb.timestamps) {
    const rec = tcb.ownRecovery();
    rec.retransmitTsval = tsNow(tcb, now);
    rec.retransmitHigh = tcb.sndMax;
  }
  // Karn: the timed segment may be the one sent again.
  if (tcb.recovery.rttSeq !== undefined && seqLt(tcb.recovery.rttSeq, end) && tcb.recoveryState) tcb.recoveryState.rttSeq = undefined;
  if (timerAt(tcb, Timer.Retransmission) === undefined) setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
  return seg;
}

/** A segment carrying the current acknowledgment and window (everything after the handshake does). */
export function ackSegment(tcb: Tcb, now: number, seq: number, flags: number, payload: Uint8Array, urgentPointer = 0): Segment {
  tcb.ackNow = false;
  tcb.bareAck = false;
  stopTimer(tcb, Timer.DelayedAck);
  tcb.unackedSegments = 0;
  tcb.lastAckSent = tcb.rcvNxt;
  return makeSegment({
    srcPort: tcb.localPort,
    dstPort: tcb.remotePort,
    seq,
    ack: tcb.rcvNxt,
    // RFC 3168 §6.1.3: ECE on every ACK while a CE mark waits for the peer's CWR.
    flags: flags | TcpFlag.ACK | (tcb.ecn.echo ? TcpFlag.ECE : 0),
    window: windowField(tcb),
    urgentPointer,
    options: ackOptions(tcb, now),
    payload,
  });
}

/** Options on a segment after the handshake: timestamps, and SACK blocks when there is something to report. */
export function ackOptions(tcb: Tcb, now: number): TcpOptions {
  const sack = tcb.sackPermitted && (tcb.rare.dsackLeft !== undefined || tcb.receiveBuffer.outOfOrderBytes > 0) ? sackBlocks(tcb) : undefined;
  if (!tcb.timestamps) return sack ? { sack } : NO_OPTIONS;
  const o: TcpOptions = { timestamp: { value: tsNow(tcb, now), echo: tcb.tsRecent } };
  if (sack) o.sack = sack;
  return o;
}

/**
 * RFC 2018 §4: the first block holds the most recently received segment, then the most recently
 * reported other blocks; a D-SACK block (RFC 2883 §4) goes first, once. At most 4 blocks, 3 beside
 * timestamps (40 octets of options).
 */
export function sackBlocks(tcb: Tcb): Array<[number, number]> | undefined {
  const max = tcb.timestamps ? 3 : 4;
  const blocks: Array<[number, number]> = [];
  const rb = tcb.receiveBuffer;
  if (tcb.rare.dsackLeft !== undefined) {
    blocks.push([tcb.rare.dsackLeft, tcb.rare.dsackRight]);
    if (tcb.rareState) tcb.rareState.dsackLeft = undefined;
  }
  const recent = tcb.rare.sackRecent ?? NO_SEQS;
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
  else if (tcb.rareState) tcb.rareState.sackRecent = undefined; // released when empty (an idle connection holds no array)
  // Blocks never reported as the newest (after a renumbering merge): highest first.
  for (let n = rb.outOfOrderBytes > 0 ? rb.blockCount() - 1 : -1; n >= 0 && blocks.length < max; n--) {
    if (!rb.blockAt(n)) continue;
    const l = rb.blockLeft;
    if (!blocks.some((b) => b[0] === l)) blocks.push([l, rb.blockRight]);
  }
  if (blocks.length === 0) return undefined;
  tcb.stats.TCPSackBlocksSent += blocks.length;
  return blocks;
}

/** Our TSval clock: 1 ms ticks from a random per-connection offset (RFC 7323 §5.4). */
export function tsNow(tcb: Tcb, now: number): number {
  return (Math.floor(now) + tcb.tsOffset32) >>> 0;
}

export function queueRst(tcb: Tcb, seq: number, dstPort = tcb.remotePort): void {
  queueControl(tcb, makeSegment({ srcPort: tcb.localPort, dstPort, seq, flags: TcpFlag.RST }));
}

/**
 * The reset FreeBSD's tcp_drop() and Linux's tcp_send_active_reset send from a synchronized state:
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> (window 0).
 */
export function queueRstAck(tcb: Tcb): void {
  queueControl(tcb, makeSegment({ srcPort: tcb.localPort, dstPort: tcb.remotePort, seq: tcb.sndMax, ack: tcb.rcvNxt, flags: TcpFlag.RST | TcpFlag.ACK }));
}

export function queueControl(tcb: Tcb, seg: Segment): void {
  (tcb.ownRare().control ??= []).push(seg);
}

/** Minshall's test (nagle 'minshall'): a short segment of new data sent earlier is still unacknowledged. */
function shortSegmentOut(tcb: Tcb): boolean {
  const e = tcb.rare.shortSentEnd;
  if (e === undefined) return false;
  if (seqLe(e, tcb.sndUna)) {
    if (tcb.rareState) tcb.rareState.shortSentEnd = undefined;
    return false;
  }
  return seqLe(e, tcb.sndNxt);
}
