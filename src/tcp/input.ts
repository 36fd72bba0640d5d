/**
 * Segment arrival (RFC 9293 §3.10.7, "SEGMENT ARRIVES"), in the RFC's order: CLOSED, LISTEN and
 * SYN-SENT each have their own step list; every synchronized state goes through
 * `synchronizedInput`: PAWS, the sequence check (acceptance.ts), RST, SYN, the ACK (with SACK and the
 * hand-off to loss recovery), URG, the text and the FIN. The receiver's side of SACK reporting
 * (which blocks and D-SACKs the next ACK carries) is noted here as segments arrive. ICMP errors about
 * the connection arrive here too (`icmpErrorArrives`).
 */
import { ackDelay, dataWaitsForConnect, noteDataArrival } from './ack-timeout.js';
import { TcpFlag, type TcpOptions, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/index.js';
import { acceptable, ackInRange, pawsReject, timeWaitAnswersAck, trimToWindow, updatesTsRecent } from './acceptance.js';
import { ReceiveSpaceTuner } from './autotune.js';
import { ChallengeAckLimiter } from './challenge-ack.js';
import { rfc5961RstChecks, rfc5961SynChecks } from './config.js';
import { CE, isEcnSetupSyn, isEcnSetupSynAck } from './ecn.js';
import { CONNECTED_EVENT, END_EVENT, READABLE_EVENT, WRITABLE_EVENT } from './events.js';
import { acceptSynData, consumeSent, fastOpenSynAck, synDataTooBig } from './fast-open.js';
import { applyMtu, initMtuProbe, probeAcked } from './mtu-probe.js';
import { queueControl, queueRst, queueRstAck, tsNow } from './output.js';
import { lossRecoveryOnAck, undoReduction } from './recovery.js';
import { SackBlockKind, SackScoreboard } from './scoreboard.js';
import { EMPTY_PAYLOAD, type Segment, resetFor, segmentLength, wireSegments } from './segment.js';
import { keepSpareSendBuffer } from './spare-buffers.js';
import { isSynchronized } from './state.js';
import type { Tcb } from './tcb.js';
import { Timer, armTimers, setTimer, startTimer, stopTimer, timerAt, traceTimers } from './timers.js';
import { acceptWindow, freeReceiveSpace, growOffer, sizeReceiveBuffer } from './window.js';

/** At most one answer per this many ms to bare ACKs one octet behind RCV.NXT (Linux's tcp_invalid_ratelimit). */
const BEHIND_ACK_REPLY_MS = 500;
const MAX_SACK_BLOCKS = 4;

/** A segment discarded (or answered only with an ACK) at a check of §3.10.7.4 or RFC 5961/7323. */
export function traceDrop(tcb: Tcb, seg: Segment, why: string, now: number): void {
  tcb.tracer!.sink.drop(seg.seq, seg.payload.length, why, now);
}

export function segmentArrives(tcb: Tcb, seg: Segment, now: number): void {
  // Segments merged before TCP (GRO: Segment.gsoSize) count as the wire segments they were.
  const n = wireSegments(seg);
  tcb.stats.InSegs += n;
  for (let i = 0; i < n; i++) tcb.countSegmentIn(now);
  if (seg.payload.length > 0 && tcb.state !== 'LISTEN' && tcb.state !== 'CLOSED') tcb.ownInfo(now).dataSegsIn += n;
  switch (tcb.state) {
    case 'CLOSED':
      closedInput(tcb, seg);
      break;
    case 'LISTEN':
      listenInput(tcb, seg, now);
      break;
    case 'SYN-SENT':
      synSentInput(tcb, seg, now);
      break;
    default:
      synchronizedInput(tcb, seg, now);
  }
  armTimers(tcb, now);
  if (tcb.tracer !== undefined) traceTimers(tcb, 0, now);
}

/** §3.10.7.1: everything is answered with a RST, except a RST. */
export function closedInput(tcb: Tcb, seg: Segment): void {
  const rst = resetFor(seg);
  if (rst) queueControl(tcb, rst);
}

/** §3.10.7.2 */
export function listenInput(tcb: Tcb, seg: Segment, now: number): void {
  const f = seg.flags;
  if (f & TcpFlag.RST) return; // first: an incoming RST is ignored
  if (f & TcpFlag.ACK) {
    // second: any acknowledgment is bad here: <SEQ=SEG.ACK><CTL=RST> (a SYN+ACK only with listenSynAckReset)
    if (!(f & TcpFlag.SYN) || tcb.config.listenSynAckReset) queueRst(tcb, seg.ack, seg.srcPort);
    return;
  }
  if (!(f & TcpFlag.SYN)) return; // fifth: drop anything else
  if (f & TcpFlag.FIN && tcb.config.dropSynFin) {
    // SYN+FIN is no opening a real client sends; scanners use it to get past filters (dropSynFin).
    tcb.stats.TCPSynFinDrops++;
    if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'SYN+FIN', now);
    return;
  }
  // third: security (no compartments in synack); fourth: the SYN.
  tcb.remotePort = seg.srcPort;
  tcb.irs = seg.seq;
  tcb.rcvNxt = seqAdd(seg.seq, 1);
  tcb.iss = tcb.chooseIss(now);
  tcb.sndUna = tcb.iss;
  tcb.sndNxt = tcb.iss;
  tcb.sndMax = tcb.iss;
  negotiate(tcb, seg.options, now);
  // RFC 3168 §6.1.1: an ECN-setup SYN (ECE and CWR) is answered with an ECN-setup SYN-ACK if we do ECN.
  tcb.ecnEnabled = tcb.config.ecn !== 'off' && isEcnSetupSyn(f);
  tcb.startConnectTimer(now);
  sendWindowFromSyn(tcb, seg, tcb.iss);
  tcb.passive = true;
  tcb.synNeeded = true;
  tcb.stats.PassiveOpens++;
  tcb.setState('SYN-RECEIVED', now);
  // RFC 7413 §4.2.2: a Fast Open child hands the SYN's data to the application now, and its SYN-ACK
  // acknowledges it. Otherwise data or FIN on the SYN are processed once ESTABLISHED (§3.10.7.2):
  // held in the queue.
  if (tcb.rare.fastOpen?.child) acceptSynData(tcb, seg);
  else if (tcb.config.queueSynData) holdSynText(tcb, seg);
}

/** Data and FIN that came with a SYN wait in the reassembly queue until the connection is established. */
export function holdSynText(tcb: Tcb, seg: Segment): void {
  const dataSeq = seqAdd(seg.seq, 1);
  // Only what fits in the window our SYN-ACK offers is kept (§3.10.7.4 trims to the window); the
  // peer sends the rest again, and a FIN behind dropped data is dropped with it.
  // (With receiveWindowFromBuffer, the buffer's free space: FreeBSD trims SYN data to rcv_wnd.)
  const room = tcb.config.receiveWindowFromBuffer ? freeReceiveSpace(tcb) : Math.min(tcb.receiveBufferSize, 0xffff);
  const kept = seg.payload.length > room ? seg.payload.subarray(0, room) : seg.payload;
  if (kept.length > 0) tcb.receiveBufferToFill().insertOutOfOrder(dataSeq, kept);
  if (seg.flags & TcpFlag.FIN && kept.length === seg.payload.length) tcb.ownClosing().peerFinSeq = seqAdd(dataSeq, kept.length);
}

/**
 * `synDataDelayedAck`: data held from the SYN is in order now that the connection is established.
 * It is acknowledged like any in-order data, with a delayed ACK (§3.8.6.3, RFC 5681 §4.2): nothing
 * arrived out of order, so there is no hole whose filling must be reported at once.
 */
export function deliverSynText(tcb: Tcb, now: number): void {
  if (tcb.receiveBuffer.outOfOrderBytes === 0) return;
  const before = tcb.rcvNxt;
  tcb.rcvNxt = tcb.receiveBuffer.drainInOrder(tcb.rcvNxt);
  if (tcb.rcvNxt === before) return;
  tcb.emit(READABLE_EVENT);
  if (tcb.config.ackDelayMs === 0) tcb.ackNow = true;
  else startTimer(tcb, Timer.DelayedAck, now + ackDelay(tcb));
}

/** Options from the peer's SYN or SYN-ACK (RFC 9293 §3.7.1, RFC 7323 §2.2 and §3.2, RFC 2018). */
export function negotiate(tcb: Tcb, o: TcpOptions, now: number): void {
  if (o.mss !== undefined && o.mss > 0) {
    // An MSS below the floor would make us send tiny segments (CVE-2019-11479): raise it, as Linux's
    // tcp_min_snd_mss and FreeBSD's minmss do.
    const floor = tcb.config.minSendMss;
    if (o.mss < floor) tcb.stats.TCPMssFloored++;
    tcb.peerMss = Math.max(o.mss, floor);
  }
  // Options our SYN stopped offering (synRetransmitDropOptions), or never offered (noOptions), are
  // not negotiated either.
  const offered = !tcb.rare.synOptionsDropped && !tcb.config.noOptions;
  // Window scaling is in effect only when both SYNs carry it (RFC 7323 §2.2).
  if (tcb.config.windowScaling && offered && o.wscale !== undefined) {
    tcb.windowScaling = true;
    // §2.3: a shift above 14 is taken as 14 (and counted, as Linux logs it).
    if (o.wscale > 14) tcb.stats.TCPWscaleClamped++;
    tcb.sndShift = Math.min(o.wscale, 14);
    tcb.rcvShift = tcb.offeredShift;
  } else {
    tcb.windowScaling = false;
    tcb.sndShift = 0;
    tcb.rcvShift = 0;
  }
  if (tcb.config.timestamps && offered && o.timestamp) {
    tcb.timestamps = true;
    tcb.tsRecent = o.timestamp.value;
    tcb.tsRecentTime = now;
  } else {
    tcb.timestamps = false;
  }
  tcb.sackPermitted = tcb.config.sack && offered && o.sackPermitted === true;
}

/** §3.10.7.3 */
export function synSentInput(tcb: Tcb, seg: Segment, now: number): void {
  const f = seg.flags;
  let ackAcceptable = false;
  if (f & TcpFlag.ACK) {
    // first: SEG.ACK =< ISS or SEG.ACK > SND.NXT is unacceptable: RST (unless a RST), drop.
    if (seqLe(seg.ack, tcb.iss) || seqGt(seg.ack, tcb.sndMax)) {
      if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'unacceptable ACK in SYN-SENT', now);
      if (!(f & TcpFlag.RST)) queueRst(tcb, seg.ack);
      return;
    }
    ackAcceptable = seqLt(tcb.sndUna, seg.ack) && seqLe(seg.ack, tcb.sndMax);
  }
  if (f & TcpFlag.RST) {
    // second: a RST counts only with an acceptable ACK (RFC 5961 §3.2 keeps tcb for SYN-SENT).
    if (ackAcceptable) tcb.fail('ECONNREFUSED', 'connection refused: RST in answer to our SYN', now);
    return;
  }
  // third: security, none. fourth: SYN.
  if (!(f & TcpFlag.SYN)) return; // fifth: neither SYN nor RST: drop
  if (f & TcpFlag.FIN && tcb.config.dropSynFin === true) {
    tcb.stats.TCPSynFinDrops++;
    if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'SYN+FIN', now);
    return;
  }
  tcb.irs = seg.seq;
  tcb.rcvNxt = seqAdd(seg.seq, 1);
  negotiate(tcb, seg.options, now);
  sizeReceiveBuffer(tcb);
  if (f & TcpFlag.ACK) tcb.sndUna = seg.ack;
  if (seqGt(tcb.sndUna, tcb.iss) && tcb.rare.fastOpen !== undefined) fastOpenSynAck(tcb, seg, now);
  if (seqGt(tcb.sndUna, tcb.iss)) {
    // Our SYN is acknowledged: ESTABLISHED. RFC 3168 §6.1.1: ECN if we asked for it and the SYN-ACK
    // is an ECN-setup SYN-ACK (ECE without CWR).
    tcb.ecnEnabled = tcb.ecn.requested && isEcnSetupSynAck(f);
    sendWindowFromSyn(tcb, seg, seg.ack);
    tcb.sndNxt = seqGe(tcb.sndNxt, tcb.sndUna) ? tcb.sndNxt : tcb.sndUna;
    handshakeRtt(tcb, now);
    tcb.ackNow = true;
    establish(tcb, now);
    if (tcb.notSentBytes > 0) dataWaitsForConnect(tcb);
    if (seg.payload.length > 0 || f & (TcpFlag.FIN | TcpFlag.URG)) {
      // §3.10.7.3: continue at the sixth step (URG), with the SYN itself trimmed off.
      const rest: Segment = { ...seg, seq: tcb.rcvNxt, flags: f & ~TcpFlag.SYN };
      // §3.10.7.4 processes only what lies inside the window (our SYN's): trim data and FIN beyond it.
      urgentTextFin(tcb, trimToWindow(rest, tcb.rcvNxt, acceptWindow(tcb)), now);
    }
    return;
  }
  // Simultaneous open (Figure 7): SYN-RECEIVED, and our SYN goes again with an ACK, an ECN-setup
  // SYN-ACK when the peer's SYN was an ECN-setup SYN and we do ECN at all (as FreeBSD, even passively).
  tcb.ecnEnabled = tcb.config.ecn !== 'off' && isEcnSetupSyn(f);
  sendWindowFromSyn(tcb, seg, seg.ack);
  tcb.sndNxt = tcb.iss;
  tcb.synNeeded = true;
  tcb.setState('SYN-RECEIVED', now);
  holdSynText(tcb, seg);
}

/** SND.WND, SND.WL1 and SND.WL2 from the peer's SYN or SYN-ACK, whose window is never scaled (RFC 7323 §2.2). */
function sendWindowFromSyn(tcb: Tcb, seg: Segment, wl2: number): void {
  tcb.sndWnd = seg.window;
  tcb.maxSndWnd = seg.window;
  tcb.sndWl1 = seg.seq;
  tcb.sndWl2 = wl2;
}

/** RTT from the handshake, unless the SYN was retransmitted (Karn; RFC 6298 §5.7). */
export function handshakeRtt(tcb: Tcb, now: number): void {
  if (tcb.rare.handshakeUntimed && tcb.rareState) tcb.rareState.handshakeUntimed = false;
  else if (tcb.retransmits === 0) rttSample(tcb, now - tcb.synSentAt);
  else tcb.rtt.resetAfterHandshakeTimeout();
  tcb.retransmits = 0;
  tcb.synSentAt = 0; // a small integer again: the field holds no boxed number for the connection's life
  stopTimer(tcb, Timer.Retransmission);
}

export function establish(tcb: Tcb, now: number): void {
  stopTimer(tcb, Timer.Connect);
  tcb.cc?.setMss(tcb.sendMss);
  tcb.setState('ESTABLISHED', now);
  if (tcb.config.mtuProbing !== 0) initMtuProbe(tcb, now);
  tcb.quickAcksLeft = tcb.config.quickAckSegments;
  tcb.lastHeardAt = Math.floor(now); // as Linux's tcp_finish_connect sets lrcvtime (whole ms: no boxed number)
  tcb.lastDataAt = tcb.lastHeardAt;
  tcb.rcvAdv = seqAdd(tcb.rcvNxt, Math.min(freeReceiveSpace(tcb), 0xffff));
  tcb.emit(CONNECTED_EVENT);
  if (tcb.closing.finRequested) tcb.setState('FIN-WAIT-1', now);
  tcb.releaseIdleState();
}

/** §3.10.7.4: SYN-RECEIVED and every state after it. */
export function synchronizedInput(tcb: Tcb, seg: Segment, now: number): void {
  const f = seg.flags;
  const rst = (f & TcpFlag.RST) !== 0;
  const ts = seg.options.timestamp;

  // RFC 7323 §3.2 and §5.3 (R1): timestamps, checked before the sequence number.
  if (tcb.timestamps && !rst) {
    const reject = pawsReject(ts, tcb.tsRecent, tcb.tsRecentTime, now, tcb.config.requireTimestamps, tcb.stats);
    if (reject !== undefined) {
      if (tcb.tracer !== undefined) traceDrop(tcb, seg, reject === 'old' ? 'PAWS: old timestamp' : 'missing timestamp', now);
      if (reject === 'old') tcb.ackNow = true;
      return;
    }
  }

  // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again (as Linux and FreeBSD do).
  if (tcb.state === 'SYN-RECEIVED' && f & TcpFlag.SYN && !(f & (TcpFlag.ACK | TcpFlag.RST)) && seg.seq === tcb.irs) {
    tcb.synNeeded = true;
    tcb.sndNxt = tcb.iss;
    return;
  }

  // Simultaneous open (Figure 7, line 6): the peer's SYN-ACK repeats the SYN we already hold. Trim the
  // SYN off first, as §3.10.7.4 allows ("trimming off any portions that lie outside the window
  // (including SYN and FIN)"), so that its ACK completes the handshake (Linux does the same).
  if (tcb.state === 'SYN-RECEIVED' && !tcb.passive && f & TcpFlag.SYN && f & TcpFlag.ACK && !rst && seg.seq === tcb.irs) {
    // Its ECE/CWR were ECN negotiation (RFC 3168 §6.1.1), not a congestion echo: trimmed off with the SYN.
    seg = { ...seg, seq: seqAdd(seg.seq, 1), flags: f & ~(TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR) };
  }

  // first: the sequence number.
  const len = segmentLength(seg);
  const wnd = acceptWindow(tcb);
  if (!acceptable(seg.seq, len, tcb.rcvNxt, wnd)) {
    // Zero window: still take the ACK, URG and RST of a segment at RCV.NXT (§3.10.7.4).
    if (!(wnd === 0 && seg.seq === tcb.rcvNxt)) {
      if (tcb.tracer !== undefined) traceDrop(tcb, seg, rst ? 'RST out of window' : 'out of window', now);
      if (!rst) {
        tcb.stats.TCPOutOfWindowAcks++;
        if (seg.payload.length > 0 && seqLe(seqAdd(seg.seq, seg.payload.length), tcb.rcvNxt)) {
          tcb.stats.TCPDupData++;
          noteDuplicate(tcb, seg.seq, seqAdd(seg.seq, seg.payload.length), true);
        }
        // A bare ACK one octet behind RCV.NXT comes from a peer in zero-window probing whose probe
        // octet we accepted (its ACKs carry SEQ = SND.NXT, the probe's octet: it cannot know the probe
        // got in), or one whose data reached the edge of our window (see dataSegment). Its
        // acknowledgment and window are current, so take them (§3.10.7.4's "special allowance ... to
        // accept valid ACKs"; RFC 9293 Appendix A.2; BSD keeps processing the ACK of any old segment,
        // Stevens vol. 2 p. 960): two peers whose probes crossed and were both accepted must each learn
        // from the other's ACKs that the window opened. The answer §3.10.7.4 asks for still goes, at
        // most every BEHIND_ACK_REPLY_MS (Linux's tcp_invalid_ratelimit), so that two such peers
        // cannot keep answering each other's answers. A keep-alive probe (SEG.SEQ =
        // SND.NXT - 1) has the same shape; its ACK is current too, and it is answered. Segments with
        // data, or further behind, are dropped whole as §3.10.7.4 says.
        const behind = len === 0 && (f & TcpFlag.ACK) !== 0 && seqAdd(seg.seq, 1) === tcb.rcvNxt && tcb.state !== 'TIME-WAIT' && tcb.state !== 'SYN-RECEIVED';
        // Any other bare ACK that fails the check is answered at most every invalidAckRateLimitMs
        // (Linux's tcp_oow_rate_limited): two endpoints that disagree on the sequence space (data
        // injected into one of them) would otherwise answer each other's answers for ever, the ACK
        // storm of RFC 5961 §5 (whose challenge ACKs limit the other direction). TIME-WAIT answers as
        // its compact entry does (time-wait.ts), each one.
        const limitMs = behind ? BEHIND_ACK_REPLY_MS : len === 0 && tcb.state !== 'TIME-WAIT' ? tcb.config.invalidAckRateLimitMs : 0;
        if (limitMs === 0 || now - tcb.rare.behindAckReplyAt >= limitMs) {
          tcb.ackNow = true;
          if (limitMs > 0) tcb.ownRare().behindAckReplyAt = now;
        } else {
          tcb.stats.TCPACKSkippedSeq++;
        }
        // finWithAck: a SYN is answered with a bare ACK (FreeBSD's challenge ACK through tcp_respond()).
        if (f & TcpFlag.SYN) tcb.bareAck = true;
        // TIME-WAIT: a retransmitted FIN is re-acknowledged and restarts the 2*MSL timer.
        if (tcb.state === 'TIME-WAIT' && f & TcpFlag.FIN && seqAdd(seg.seq, seg.payload.length + 1) === tcb.rcvNxt) {
          setTimer(tcb, Timer.Close, now + 2 * tcb.config.mslMs);
        }
        // finWithAck: the peer's FIN again, as a peer like us sends its ACKs while its own FIN is
        // unacknowledged: its ACK field is current, so take it (BSD processes the ACK of an old
        // segment, Stevens vol. 2 p. 960). Two such peers in CLOSING would otherwise answer each
        // other's FIN with their own FIN forever, neither learning that its FIN got through.
        const finAgain =
          tcb.config.finWithAck &&
          (f & (TcpFlag.ACK | TcpFlag.FIN | TcpFlag.SYN)) === (TcpFlag.ACK | TcpFlag.FIN) &&
          seg.payload.length === 0 &&
          tcb.closing.peerFinSeq === seg.seq &&
          seqAdd(seg.seq, 1) === tcb.rcvNxt &&
          tcb.state !== 'TIME-WAIT';
        if (behind || finAgain) ackInput(tcb, seg, now);
      }
      return;
    }
    // Keep the SYN: RFC 5961 §4.2 challenges it "irrespective of the sequence number" and drops the
    // segment, so its ACK must not be taken.
    seg = { ...seg, payload: EMPTY_PAYLOAD, flags: f & ~TcpFlag.FIN };
    tcb.ackNow = true;
    if (f & TcpFlag.SYN) tcb.bareAck = true;
  }
  // Data partly below RCV.NXT: its old part arrived twice (RFC 2883 §4).
  if (seg.payload.length > 0 && seqLt(seg.seq, tcb.rcvNxt) && !(seg.flags & TcpFlag.SYN)) noteDuplicate(tcb, seg.seq, tcb.rcvNxt, true);
  seg = trimToWindow(seg, tcb.rcvNxt, wnd);
  heardFromPeer(tcb, now);

  // RFC 7323 §4.3: TS.Recent follows the segment that covers Last.ACK.sent.
  if (tcb.timestamps && updatesTsRecent(ts, tcb.tsRecent, seg.seq, tcb.lastAckSent)) {
    tcb.tsRecent = ts.value;
    tcb.tsRecentTime = now;
  }

  // second: RST (with RFC 5961 §3.2).
  if (seg.flags & TcpFlag.RST) {
    rstInput(tcb, seg, now);
    return;
  }
  // third: security and precedence: no compartments in synack.
  // fourth: SYN (RFC 5961 §4).
  if (seg.flags & TcpFlag.SYN) {
    if (tcb.state === 'SYN-RECEIVED' && tcb.passive) {
      attemptFailed(tcb, now, 'SYN in window during SYN-RECEIVED');
      return;
    }
    if (tcb.tracer !== undefined) traceDrop(tcb, seg, rfc5961SynChecks(tcb.config) ? 'SYN in window: challenge ACK' : 'SYN in window', now);
    if (rfc5961SynChecks(tcb.config)) challengeAck(tcb, now);
    else if (wnd > 0) {
      // RFC 793 behaviour (FreeBSD insecure_syn=1): a SYN in the window is an error: reset. A SYN that
      // survived the sequence check and trimming lies at or after RCV.NXT, so inside the window. The
      // reset is FreeBSD's (tcp_drop() sends from CLOSED): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, window 0.
      queueRstAck(tcb);
      tcb.fail('ECONNRESET', 'connection reset: SYN in window', now);
    } else {
      // Zero window: SEG.SEQ = RCV.NXT is not inside an empty window, so it is not the RFC 793 error: ACK.
      tcb.ackNow = true;
      tcb.bareAck = true;
    }
    return;
  }
  // RFC 3168 §6.1.3: echo a CE mark with ECE on our ACKs until the peer says CWR (a CE on the CWR
  // segment itself is new congestion).
  if (tcb.ecnEnabled) {
    if (seg.flags & TcpFlag.CWR && tcb.ecnState) tcb.ecnState.echo = false;
    if (seg.ipEcn === CE) tcb.ownEcn().echo = true;
    if (seg.ipEcn) tcb.ecnSeen = true;
  }
  // fifth: ACK.
  if (!(seg.flags & TcpFlag.ACK)) return;
  if (!ackInput(tcb, seg, now)) return;
  urgentTextFin(tcb, seg, now);
}

export function rstInput(tcb: Tcb, seg: Segment, now: number): void {
  // RFC 5961 §3.2: only a RST at exactly RCV.NXT resets; one elsewhere in the window gets a challenge
  // ACK. With those checks off (FreeBSD insecure_rst=1) any RST in the window resets (RFC 793).
  if (rfc5961RstChecks(tcb.config) && seg.seq !== tcb.rcvNxt) {
    if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'RST not at RCV.NXT: challenge ACK', now);
    challengeAck(tcb, now);
    return;
  }
  switch (tcb.state) {
    case 'SYN-RECEIVED':
      // A Fast Open child is the application's already (RFC 7413 §4.2.2): reset like a connection.
      if (tcb.rare.fastOpen?.child) tcb.fail('ECONNRESET', 'connection reset by peer', now);
      else if (tcb.passive) attemptFailed(tcb, now, 'RST in SYN-RECEIVED');
      else tcb.fail('ECONNREFUSED', 'connection refused', now);
      return;
    case 'ESTABLISHED':
    case 'CLOSE-WAIT':
    case 'FIN-WAIT-1':
    case 'FIN-WAIT-2':
    case 'CLOSING':
    case 'LAST-ACK':
      // In CLOSING and LAST-ACK §3.10.7.4 closes without a word to the user; BSD (tcp_input's
      // so_error) and Linux (tcp_reset) report ECONNRESET there too, to an application that still
      // holds the socket, once.
      tcb.fail('ECONNRESET', 'connection reset by peer', now);
      return;
    case 'TIME-WAIT':
      // RFC 1337: a RST must not cut TIME-WAIT short (TIME-WAIT assassination).
      return;
    default:
      return;
  }
}

/** A passively opened connection that did not complete: back to LISTEN, or gone (a stack's child). */
export function attemptFailed(tcb: Tcb, now: number, why: string): void {
  tcb.stats.AttemptFails++;
  if (tcb.rare.returnsToListen) {
    resetToListen(tcb, now);
    return;
  }
  void why;
  tcb.enterClosed(now);
}

export function resetToListen(tcb: Tcb, now: number): void {
  tcb.sndBuf = undefined;
  tcb.rcvBuf = undefined;
  tcb.remotePort = 0;
  tcb.synNeeded = false;
  tcb.ackNow = false;
  if (tcb.rareState) tcb.rareState.control = undefined;
  stopTimer(tcb, Timer.Retransmission);
  tcb.retransmits = 0;
  if (tcb.closeState) tcb.closeState.peerFinSeq = undefined;
  if (tcb.closeState) tcb.closeState.finSeq = undefined;
  if (tcb.closeState) tcb.closeState.finRequested = false;
  tcb.passive = false;
  tcb.timestamps = false;
  tcb.windowScaling = false;
  tcb.sackPermitted = false;
  tcb.sndShift = 0;
  tcb.rcvShift = 0;
  tcb.ecnEnabled = false;
  if (tcb.ecnState) tcb.ecnState.echo = false;
  if (tcb.ecnState) tcb.ecnState.cwrPending = false;
  if (tcb.ecnState) tcb.ecnState.recover = undefined;
  stopTimer(tcb, Timer.Connect);
  tcb.setState('LISTEN', now);
}

/** Fifth step. Returns false when the segment is finished with. */
export function ackInput(tcb: Tcb, seg: Segment, now: number): boolean {
  const ack = seg.ack;
  if (tcb.state === 'SYN-RECEIVED') {
    if (!(seqLt(tcb.sndUna, ack) && seqLe(ack, tcb.sndMax))) {
      if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'unacceptable ACK in SYN-RECEIVED', now);
      queueRst(tcb, ack); // <SEQ=SEG.ACK><CTL=RST>
      return false;
    }
    handshakeRtt(tcb, now);
    tcb.sndWnd = seg.window << tcb.sndShift;
    tcb.maxSndWnd = Math.max(tcb.maxSndWnd, tcb.sndWnd);
    tcb.sndWl1 = seg.seq;
    tcb.sndWl2 = ack;
    // A Fast Open child's data sent before this ACK (RFC 7413 §4.2.2) may be acknowledged by it.
    const childAcked = seqDiff(ack, seqAdd(tcb.iss, 1));
    if (childAcked > 0) consumeSent(tcb, childAcked);
    tcb.sndUna = ack;
    if (seqLt(tcb.sndNxt, ack)) tcb.sndNxt = ack;
    if (tcb.sndUna !== tcb.sndMax) setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
    tcb.synNeeded = false;
    if (tcb.passive) sizeReceiveBuffer(tcb);
    establish(tcb, now);
    if (tcb.config.synDataDelayedAck) deliverSynText(tcb, now);
    // Fall through to the ESTABLISHED processing of the same ACK (it may acknowledge data too).
  }
  // RFC 5961 §5.2: SEG.ACK must lie in [SND.UNA - MAX.SND.WND, SND.NXT].
  if (tcb.config.rfc5961 && !ackInRange(ack, tcb.sndUna, tcb.sndMax, tcb.maxSndWnd)) {
    if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'ACK outside the window: challenge ACK', now);
    challengeAck(tcb, now);
    return false;
  }
  if (seqGt(ack, tcb.sndMax)) {
    // Acknowledges something not yet sent: ACK, drop.
    if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'ACK of unsent data', now);
    tcb.ackNow = true;
    return false;
  }
  if (tcb.ecnEnabled && seg.flags & TcpFlag.ECE) ecnEchoed(tcb, ack, now);
  const unaBefore = tcb.sndUna;
  const sackedBefore = tcb.sackPermitted ? (tcb.sacksState?.sackedBytes ?? 0) : tcb.recovery.renoSacked;
  let newlySacked = 0;
  if (tcb.sackPermitted) tcb.rackState?.beginAck();
  if (tcb.sackPermitted && seg.options.sack && tcb.state !== 'SYN-RECEIVED') newlySacked = sackInput(tcb, seg.options.sack, ack, now);
  if (seqLt(tcb.sndUna, ack)) newAck(tcb, seg, now);
  else if (ack === tcb.sndUna && tcb.sndMax !== tcb.sndUna && isDuplicateAck(tcb, seg, newlySacked)) {
    tcb.stats.DupAcks++;
    dupAck(tcb);
  }
  if (isSynchronized(tcb.state)) lossRecoveryOnAck(tcb, seg, unaBefore, sackedBefore, now);
  if (seqLe(tcb.sndUna, ack)) {
    // Window update (§3.10.7.4): only from a segment at least as new as the last one used.
    if (seqLt(tcb.sndWl1, seg.seq) || (tcb.sndWl1 === seg.seq && seqLe(tcb.sndWl2, ack))) {
      tcb.sndWnd = seg.window << tcb.sndShift;
      tcb.sndWl1 = seg.seq;
      tcb.sndWl2 = ack;
      if (tcb.sndWnd > tcb.maxSndWnd) tcb.maxSndWnd = tcb.sndWnd;
      if (tcb.sndWnd > 0) {
        stopTimer(tcb, Timer.Persist);
        if (tcb.probeState) tcb.probeState.persistBackoff = 0;
      }
    }
    // §3.8.6.1 (MUST-38): a peer that answers zero-window probes keeps the connection open. The user
    // timeout (RFC 5482) stops here and starts again with the next probe (dataSegment arms it).
    if (tcb.sndWnd === 0) stopTimer(tcb, Timer.UserTimeout);
  }
  const finAcked = tcb.closing.finSeq !== undefined && seqGt(tcb.sndUna, tcb.closing.finSeq);
  switch (tcb.state) {
    case 'FIN-WAIT-1':
      if (finAcked) {
        tcb.setState('FIN-WAIT-2', now);
        if (tcb.closing.userClosed) setTimer(tcb, Timer.Close, now + tcb.config.finWait2TimeoutMs);
      }
      return true;
    case 'CLOSING':
      if (finAcked) enterTimeWait(tcb, now);
      return false; // otherwise ignore the segment
    case 'LAST-ACK':
      if (finAcked) tcb.enterClosed(now);
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
export function isDuplicateAck(tcb: Tcb, seg: Segment, newlySacked: number): boolean {
  if (tcb.sackPermitted) return newlySacked > 0;
  return seg.payload.length === 0 && !(seg.flags & (TcpFlag.SYN | TcpFlag.FIN)) && seg.window << tcb.sndShift === tcb.sndWnd;
}

/**
 * A duplicate ACK. Without SACK it stands for one segment that left the network (RFC 6675's
 * DupAck, Linux's reno sacked_out); limited transmit (RFC 3042) lets the first two send new data.
 */
export function dupAck(tcb: Tcb): void {
  tcb.dupAckCount++;
  if (!tcb.sackPermitted) {
    const flight = seqDiff(tcb.sndMax, tcb.sndUna);
    tcb.ownRecovery().renoSacked = Math.min(tcb.recovery.renoSacked + tcb.sendMss, Math.max(0, flight - tcb.sendMss));
  }
}

/**
 * The peer's SACK blocks (RFC 2018 §4): validated (RFC 2883 §4: D-SACK; blocks outside
 * SND.UNA..SND.MAX ignored), recorded in the scoreboard and RACK. Returns the octets newly SACKed.
 */
export function sackInput(tcb: Tcb, blocks: ReadonlyArray<readonly [number, number]>, ack: number, now: number): number {
  let newly = 0;
  // RFC 2018 §3: 40 octets of options hold at most four blocks; a segment made otherwise gets no more used.
  const n = blocks.length > MAX_SACK_BLOCKS ? MAX_SACK_BLOCKS : blocks.length;
  if (n < blocks.length) tcb.stats.TCPSACKDiscard += blocks.length - n;
  for (let i = 0; i < n; i++) {
    const kind = SackScoreboard.classify(blocks, i, ack, tcb.sndUna, tcb.sndMax);
    if (kind === SackBlockKind.Invalid) {
      tcb.stats.TCPSACKDiscard++;
      continue;
    }
    let [l, r] = blocks[i];
    if (kind === SackBlockKind.Duplicate) {
      dsackInput(tcb, l, r, now);
      continue;
    }
    if (tcb.config.sackGranularity === 'segment') {
      // Only the segments a block covers whole are SACKed (Linux's tcp_match_skb_to_sack). A block
      // covers data only: one that reaches our FIN covers the segment that carried it.
      const finSeq = tcb.closing.finSeq;
      const atFin = finSeq !== undefined && r === finSeq;
      const whole = tcb.rack.wholeSegments(l, atFin ? seqAdd(r, 1) : r);
      if (whole === undefined) continue;
      l = whole[0];
      r = atFin && whole[1] === seqAdd(finSeq, 1) ? finSeq : whole[1];
    }
    const sacks = tcb.sacks;
    const added = sacks.add(l, r, tcb.config.maxSackRanges);
    if (added < 0) {
      // One range beyond maxSackRanges: ignored (SACK only guides retransmission, RFC 2018 §8).
      tcb.stats.TCPSACKDiscardRanges++;
      continue;
    }
    newly += added;
    // A SACK block covers data only: a segment that also carried our FIN is delivered all the same.
    const fin = tcb.closing.finSeq;
    const rangeRight = fin !== undefined && sacks.mergedRight === fin ? seqAdd(fin, 1) : sacks.mergedRight;
    for (let k = 0; k < sacks.newCount; k++) {
      const nr = sacks.newRight(k);
      tcb.rack.onSack(sacks.newLeft(k), fin !== undefined && nr === fin ? seqAdd(nr, 1) : nr, sacks.mergedLeft, rangeRight, now, tcb.minRtt);
    }
  }
  return newly;
}

/** A D-SACK (RFC 2883): the peer got [l, r) twice. */
export function dsackInput(tcb: Tcb, l: number, r: number, now: number): void {
  tcb.stats.TCPDSACKRecv++;
  // tcp_info's dsack_dups: segments the peer reports receiving twice.
  tcb.ownInfo(now).dsackDups += Math.max(1, Math.ceil(seqDiff(r, l) / tcb.sendMss));
  tcb.rack.onDsack(tcb.sndUna, tcb.sndMax);
  // A D-SACK for the loss probe: the probe was a duplicate, there was no loss (RFC 8985 §7.4.1).
  // The probe stays outstanding until SND.UNA passes it: one probe per episode, so that probes
  // cannot keep pushing the retransmission timer away.
  if (tcb.recovery.tlpHighSeq !== undefined && tcb.recovery.tlpRetrans && seqLt(l, tcb.recovery.tlpHighSeq) && tcb.recoveryState) tcb.recoveryState.tlpRetrans = false;
  // RFC 3708: each retransmission of the episode the peer reports as a duplicate was unnecessary;
  // when all of them were, so was the reduction.
  if (tcb.recovery.undoRetrans > 0 && tcb.recovery.recover !== undefined && seqLt(l, tcb.recovery.recover)) {
    tcb.ownRecovery().undoRetrans -= Math.max(1, Math.ceil(seqDiff(r, l) / tcb.sendMss));
    if (tcb.recovery.undoRetrans <= 0) {
      if (tcb.recoveryState) tcb.recoveryState.undoRetrans = -1;
      tcb.stats.TCPDSACKUndo++;
      undoReduction(tcb, now);
    }
  }
}

/** SND.UNA < SEG.ACK: data (and perhaps our FIN) acknowledged. */
export function newAck(tcb: Tcb, seg: Segment, now: number): void {
  const ack = seg.ack;
  const acked = seqDiff(ack, tcb.sndUna);
  const finCovered = tcb.closing.finSeq !== undefined && seqGt(ack, tcb.closing.finSeq) ? 1 : 0;
  const sendBuffer = tcb.sndBuf;
  if (sendBuffer !== undefined) {
    sendBuffer.consume(acked - finCovered);
    if (sendBuffer.length === 0) {
      keepSpareSendBuffer(sendBuffer);
      tcb.sndBuf = undefined;
    }
  }
  tcb.dupAckCount = 0;
  let restartTimer = true;
  if (tcb.sackPermitted) {
    // Neither is made for this: an empty scoreboard and a RACK with no records have nothing to advance.
    tcb.sacksState?.advance(ack);
    tcb.rackState?.onCumulativeAck(ack, now, tcb.minRtt);
  } else {
    // The cumulative ACK covers the hole and the segments the duplicate ACKs stood for (Linux's
    // tcp_remove_reno_sacks: all but one acknowledged segment had been counted already).
    tcb.ownRecovery().renoSacked = Math.max(0, tcb.recovery.renoSacked - Math.max(0, acked - tcb.sendMss));
    if (tcb.recovery.inRecovery && tcb.recovery.recover !== undefined && seqLt(ack, tcb.recovery.recover)) {
      // RFC 6582 §3.2 step 5 (partial ACK): retransmit the next unacknowledged segment; only the
      // first partial ACK restarts the retransmission timer ("Impatient" variant).
      tcb.ownRecovery().fastRetransmitPending = true;
      if (tcb.ownRecovery().partialAcks++ > 0) restartTimer = false;
    }
  }
  tcb.sndUna = ack;
  if (seqLt(tcb.sndNxt, ack)) tcb.sndNxt = ack;
  if (tcb.rare.mtuProbe !== undefined) probeAcked(tcb, now);
  if (tcb.rare.urgentPending && seqGe(ack, tcb.rare.sndUp) && tcb.rareState) tcb.rareState.urgentPending = false;
  // RTT: from the echoed timestamp (RFC 7323 §4.1), else the timed segment (Karn's rule).
  const ts = seg.options.timestamp;
  if (tcb.timestamps && ts && ts.echo !== 0) {
    // RFC 6298 §3 (Karn): a sample from retransmitted data is allowed only because the timestamp
    // says which transmission the ACK answers. It does not when the echo predates our latest
    // retransmission: that retransmission was a duplicate at the receiver (its original arrived and
    // the ACK was lost), and RFC 7323 §5.3 rejects it (R2) before it can update TS.Recent (R3), so
    // the receiver echoes the older TSval and the "RTT" includes our own backed-off timeout. Taking
    // it would inflate SRTT and the RTO, whose next timeout inflates the next sample, a spiral to
    // the maximum RTO under heavy loss. No sample, as Karn would have it.
    if (tcb.recovery.retransmitTsval === undefined || seqGe(ts.echo, tcb.recovery.retransmitTsval)) rttSample(tcb, seqDiff(tsNow(tcb, now), ts.echo));
  } else if (tcb.recovery.rttSeq !== undefined && seqGt(ack, tcb.recovery.rttSeq)) {
    rttSample(tcb, now - tcb.recovery.rttStart);
    if (tcb.recoveryState) tcb.recoveryState.rttSeq = undefined;
  }
  if (tcb.recovery.retransmitTsval !== undefined && seqGe(tcb.sndUna, tcb.recovery.retransmitHigh) && tcb.recoveryState) tcb.recoveryState.retransmitTsval = undefined;
  tcb.retransmits = 0;
  // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
  if (tcb.sndUna === tcb.sndMax) stopTimer(tcb, Timer.Retransmission);
  else if (restartTimer || timerAt(tcb, Timer.Retransmission) === undefined) setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
  if (tcb.sndUna === tcb.sndMax) {
    if (tcb.recoveryState) tcb.recoveryState.fastRetransmitPending = false;
    if (tcb.rareState) tcb.rareState.pacingNextAt = undefined; // nothing in flight: the next flight starts unpaced (its pace starts from now)
  }
  setTimer(tcb, Timer.UserTimeout, tcb.sndUna === tcb.sndMax || tcb.config.userTimeoutMs === undefined ? undefined : now + tcb.config.userTimeoutMs);
  expandSendBuffer(tcb);
  // An acknowledgment releases a tail held for more (Tcb.send's `more`): from here on Nagle's rule
  // decides, as Linux's MSG_MORE holds data only for the push at the end of its own send call.
  if (tcb.rareState) tcb.rareState.moreHeld = false;
  if (tcb.rare.sendRefused && tcb.writableLength > 0) {
    if (tcb.rareState) tcb.rareState.sendRefused = false;
    tcb.emit(WRITABLE_EVENT);
  }
  if (tcb.sndUna === tcb.sndMax) tcb.releaseIdleState();
}

/**
 * Send-buffer growth with auto-tuning (Linux's tcp_sndbuf_expand): room for twice cwnd, up to
 * sendBufferMax. The size is the TCB's (Tcb.sndBufGrown; a buffer made later takes it from there).
 */
function expandSendBuffer(tcb: Tcb): void {
  if (!tcb.config.bufferAutoTuning) return;
  const want = Math.min(tcb.config.sendBufferMax, 2 * Math.floor(tcb.congestion.cwnd));
  if (want > tcb.config.sendBufferSize && want > tcb.sndBufGrown) {
    tcb.sndBufGrown = want;
    if (tcb.sndBuf) tcb.sndBuf.capacity = want;
  }
}

export function rttSample(tcb: Tcb, ms: number): void {
  tcb.rtt.sample(ms);
  tcb.lastRttSample = ms;
  if (tcb.minRtt === undefined || ms < tcb.minRtt) tcb.minRtt = ms;
}

/** Sixth to eighth steps: URG, text, FIN. */
export function urgentTextFin(tcb: Tcb, seg: Segment, now: number): void {
  const receiving = tcb.state === 'ESTABLISHED' || tcb.state === 'FIN-WAIT-1' || tcb.state === 'FIN-WAIT-2';
  // sixth: URG (RFC 6093: the pointer is the sequence number of the byte after the urgent data).
  if (seg.flags & TcpFlag.URG && receiving) {
    const up = seqAdd(seg.seq, seg.urgentPointer);
    if (seqGt(up, tcb.rare.rcvUp) || tcb.rare.rcvUp === 0) {
      tcb.ownRare().rcvUp = up;
      if (seqGt(up, tcb.rcvNxt)) tcb.emit({ type: 'urgent', pointer: up });
    }
  }
  // seventh: text.
  if (receiving) {
    if (seg.payload.length > 0) {
      if (tcb.closing.userClosed) {
        // Nobody will read it: tell the peer its data was lost (§3.6).
        tcb.abort(now);
        return;
      }
      receiveText(tcb, seg, now);
    } else if (tcb.receiveBuffer.outOfOrderBytes > 0) {
      advanceInOrder(tcb);
    }
  }
  // eighth: FIN.
  if (seg.flags & TcpFlag.FIN && tcb.state !== 'TIME-WAIT') {
    const finSeq = seqAdd(seg.seq, seg.payload.length);
    // A held FIN that in-order data has since passed was never a real end of stream: by the time it
    // would be processed it is an old segment (§3.10.7.4), so this FIN replaces it.
    if (tcb.closing.peerFinSeq === undefined || (!tcb.closing.endSignalled && seqLt(tcb.closing.peerFinSeq, tcb.rcvNxt))) tcb.ownClosing().peerFinSeq = finSeq;
    // A FIN ahead of RCV.NXT is an out-of-order segment: duplicate ACK at once (RFC 5681 §4.2), as for data.
    if (seqGt(finSeq, tcb.rcvNxt)) tcb.ackNow = true;
  } else if (tcb.state === 'TIME-WAIT') {
    if (seg.flags & TcpFlag.FIN) {
      // The peer's FIN again: re-acknowledge and restart 2*MSL.
      tcb.ackNow = true;
      setTimer(tcb, Timer.Close, now + 2 * tcb.config.mslMs);
    } else if (timeWaitAnswersAck(seg, tcb.rcvNxt, tcb.sndMax, tcb.config.timeWaitAckOldAcks)) {
      tcb.ackNow = true;
    }
    return;
  }
  if (tcb.closing.peerFinSeq !== undefined && tcb.closing.peerFinSeq === tcb.rcvNxt) peerFin(tcb, now);
}

export function receiveText(tcb: Tcb, seg: Segment, now: number): void {
  const hadHoles = tcb.receiveBuffer.outOfOrderBytes > 0;
  const parts = wireSegments(seg);
  noteDataReceived(tcb, parts > 1 ? seg.gsoSize! : seg.payload.length, now);
  if (seg.seq === tcb.rcvNxt) {
    tcb.receiveBufferToFill().pushInOrder(seg.payload);
    tcb.rcvNxt = seqAdd(tcb.rcvNxt, seg.payload.length);
    advanceInOrder(tcb);
    // Its end repeated octets held out of order: they are below RCV.NXT now (RFC 2883 §4).
    const rb = tcb.receiveBuffer;
    if (rb.duplicateLeft !== rb.duplicateRight) noteDuplicate(tcb, rb.duplicateLeft, rb.duplicateRight, true);
    tcb.emit(READABLE_EVENT);
    // A merged segment (GRO) counts as its parts, here too.
    tcb.unackedSegments += parts;
    if (tcb.config.bufferAutoTuning) tuneReceiveBuffer(tcb, seg, now);
    growOffer(tcb, seg.payload.length);
    noteDataArrival(tcb, now);
    // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: ACK at least every second full-sized segment, at once when a
    // hole fills, and each of the first `quickAckSegments` (Linux's quickack mode).
    // Not in an interactive exchange, where the answer carries the ACK (Linux: no quick ACKs in pingpong mode).
    const quick = tcb.quickAcksLeft > 0 && !tcb.pingpong;
    if (quick) tcb.quickAcksLeft = Math.max(0, tcb.quickAcksLeft - parts);
    // A D-SACK goes at once: it reports the segment that just arrived (RFC 2883 §4).
    if (hadHoles || quick || tcb.config.ackDelayMs === 0 || tcb.unackedSegments >= 2 || tcb.rare.dsackLeft !== undefined) tcb.ackNow = true;
    else if (timerAt(tcb, Timer.DelayedAck) === undefined) setTimer(tcb, Timer.DelayedAck, now + ackDelay(tcb));
  } else {
    // Ahead of RCV.NXT: hold it, and ACK at once so the sender sees the gap (RFC 5681 §4.2).
    const rb = tcb.receiveBufferToFill();
    if (rb.insertOutOfOrder(seg.seq, seg.payload, tcb.config.maxOutOfOrderRanges) < 0) {
      // A new range beyond maxOutOfOrderRanges: dropped (the peer sends it again); the ACK still goes.
      if (tcb.tracer !== undefined) traceDrop(tcb, seg, 'out-of-order ranges at maxOutOfOrderRanges', now);
      tcb.stats.TCPOFODropRanges++;
      tcb.ackNow = true;
      return;
    }
    // Octets held already (all of the segment or part of it): the D-SACK first, then the block that
    // holds them, which is the segment's own (RFC 2883 §4).
    if (rb.duplicateLeft !== rb.duplicateRight) noteDuplicate(tcb, rb.duplicateLeft, rb.duplicateRight, false);
    if (tcb.sackPermitted) noteSackBlock(tcb, seg.seq);
    tcb.stats.TCPOFOQueue++;
    tcb.ownInfo(now).rcvOooPackets++;
    tcb.ackNow = true;
  }
}

/**
 * tcp_info's receive side: when data last arrived, and the peer's segment size as the largest
 * segment seen, never above the MSS we advertised (less our options).
 */
function noteDataReceived(tcb: Tcb, len: number, now: number): void {
  const info = tcb.ownInfo(now);
  info.lastDataRecvAt = Math.floor(now);
  if (len >= info.rcvMss) info.rcvMss = Math.min(len, tcb.advertisedMss - (tcb.timestamps ? 12 : 0));
}

/**
 * Receive-buffer auto-tuning (autotune.ts), as in-order data arrives. The round trip comes from the
 * timestamp this segment echoes, else from our own sending's SRTT; what counts is what the
 * application read (see read()), so a buffer nobody reads never grows.
 */
export function tuneReceiveBuffer(tcb: Tcb, seg: Segment, now: number): void {
  const tuner = (tcb.rcvTuner ??= new ReceiveSpaceTuner(tcb.rcvBufSize / 2, now));
  const ts = seg.options.timestamp;
  if (tcb.timestamps && ts !== undefined && ts.echo !== 0) tuner.rttSample(seqDiff(tsNow(tcb, now), ts.echo));
  const size = tuner.adjust(now, tuner.rcvRttMs ?? tcb.rtt.srtt, tcb.advertisedMss, tcb.rcvBufSize, tcb.config.receiveBufferMax);
  if (size > tcb.rcvBufSize) {
    tcb.rcvBufSize = size;
    tcb.stats.TCPRcvBufGrown++;
  }
}

export function advanceInOrder(tcb: Tcb): void {
  const before = tcb.rcvNxt;
  tcb.rcvNxt = tcb.receiveBuffer.drainInOrder(tcb.rcvNxt);
  if (tcb.rcvNxt !== before) {
    tcb.emit(READABLE_EVENT);
    tcb.ackNow = true;
  }
}

/** The peer's FIN, now in order (§3.10.7.4 eighth step). */
export function peerFin(tcb: Tcb, now: number): void {
  tcb.rcvNxt = seqAdd(tcb.rcvNxt, 1);
  tcb.ackNow = true;
  if (!tcb.closing.endSignalled) {
    tcb.ownClosing().endSignalled = true;
    tcb.emit(END_EVENT);
  }
  switch (tcb.state) {
    case 'SYN-RECEIVED':
    case 'ESTABLISHED':
      tcb.setState('CLOSE-WAIT', now);
      break;
    case 'FIN-WAIT-1':
      if (tcb.closing.finSeq !== undefined && seqGt(tcb.sndUna, tcb.closing.finSeq)) enterTimeWait(tcb, now);
      else tcb.setState('CLOSING', now);
      break;
    case 'FIN-WAIT-2':
      enterTimeWait(tcb, now);
      break;
    default:
      break;
  }
}

export function enterTimeWait(tcb: Tcb, now: number): void {
  tcb.setState('TIME-WAIT', now);
  // Every other timer stops; 2*MSL starts (§3.10.7.4).
  stopTimer(tcb, Timer.Retransmission);
  stopTimer(tcb, Timer.Loss);
  stopTimer(tcb, Timer.Persist);
  stopTimer(tcb, Timer.KeepAlive);
  stopTimer(tcb, Timer.UserTimeout);
  setTimer(tcb, Timer.Close, now + 2 * tcb.config.mslMs);
}

/**
 * RFC 3168 §6.1.2: an ACK with ECE reports congestion on our data: reduce the window as for a loss,
 * at most once per window of data (until what was in flight then is acknowledged), and say so with
 * CWR on the next new data segment.
 */
export function ecnEchoed(tcb: Tcb, ack: number, now: number): void {
  if (tcb.ecn.recover !== undefined && !seqGt(ack, tcb.ecn.recover)) return;
  const ecn = tcb.ownEcn();
  ecn.recover = tcb.sndMax;
  ecn.cwrPending = true;
  if (tcb.recovery.inRecovery) return; // already reduced for tcb window of data
  if (ecn.cwr) return;
  // §6.1.2: halve the window as for a loss (RFC 5681 eq. 4), with no retransmission.
  const flight = seqDiff(tcb.sndMax, tcb.sndUna);
  tcb.congestion.onCongestionEvent(flight, now);
  if (tcb.config.ecnReduction === 'prr') {
    // RFC 6937 / Linux's CWR state: PRR brings cwnd down, from this ACK on (recovery.ts).
    tcb.prr.start(flight);
    ecn.cwr = true;
    if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'ecn', now);
    return;
  }
  tcb.congestion.cwnd = tcb.congestion.ssthresh;
  tcb.congestion.onRecoveryEnd(now);
  if (tcb.tracer !== undefined) tcb.tracer.cwnd(tcb.congestion.cwnd, tcb.congestion.ssthresh, 'ecn', now);
}

/** RFC 5961 §7: the connection's own limit first, then the stack's bound if it has one (challenge-ack.ts). */
export function challengeAck(tcb: Tcb, now: number): void {
  const own = (tcb.challengeAcks ??= new ChallengeAckLimiter(tcb.config.challengeAckLimit, tcb.config.challengeAckWindowMs));
  if (own.allow(now) && (tcb.challengeAckBudget === undefined || tcb.challengeAckBudget.take(now))) {
    tcb.stats.TCPChallengeACK++;
    tcb.ackNow = true;
    tcb.bareAck = true;
  } else {
    tcb.stats.TCPChallengeACKSuppressed++;
  }
}

/** Anything heard from the peer proves it alive. */
export function heardFromPeer(tcb: Tcb, now: number): void {
  tcb.lastHeardAt = Math.floor(now);
  if (tcb.config.keepAlive) {
    if (tcb.probeState) tcb.probeState.keepAliveProbesSent = 0;
    stopTimer(tcb, Timer.KeepAlive);
    armTimers(tcb, now);
  }
}

/**
 * An ICMP error about a segment of this connection. RFC 5927 §4.1: believed only when the quoted
 * sequence number is one we have sent and not had acknowledged (SND.UNA =< SEG.SEQ < SND.NXT).
 * Hard errors end a connection still in SYN-SENT (ECONNREFUSED, as Linux does); every other error
 * is soft (RFC 5461) and only remembered. Packet too big lowers the path MTU and sends again at
 * once with smaller segments, without a congestion response (RFC 1191 §6.5, RFC 8201 §5.4).
 * Returns whether the error was accepted.
 */
export function icmpErrorArrives(tcb: Tcb, kind: 'unreachable-hard' | 'unreachable-soft' | 'packet-too-big', seq: number, mtu: number, now: number): boolean {
  if (tcb.state === 'CLOSED' || tcb.state === 'LISTEN' || tcb.state === 'TIME-WAIT') return false;
  if (!(seqGe(seq, tcb.sndUna) && seqLt(seq, tcb.sndMax))) {
    tcb.stats.OutOfWindowIcmps++;
    return false;
  }
  if (kind === 'packet-too-big') {
    const floor = tcb.ipVersion === 4 ? 68 : 1280; // RFC 791 and RFC 8200 minimum MTUs
    const next = Math.max(floor, mtu || floor);
    if (next >= tcb.pathMtu) return false;
    tcb.pathMtu = next;
    applyMtu(tcb);
    if (isSynchronized(tcb.state) && tcb.state !== 'SYN-RECEIVED') tcb.sndNxt = tcb.sndUna;
    else if (tcb.state === 'SYN-SENT') synDataTooBig(tcb);
    return true;
  }
  // RFC 1122 §4.2.3.9: a hard error (port or protocol unreachable) SHOULD abort the connection; RFC
  // 5461 limits that to a connection not yet synchronized with its peer. Linux's choice
  // (handshakeIcmpAbort 'linux') goes further for the soft ones; see the knob.
  if (tcb.state === 'SYN-SENT' || tcb.state === 'SYN-RECEIVED') {
    const hard = kind === 'unreachable-hard';
    const halfOpen = tcb.state === 'SYN-RECEIVED' && tcb.passive && tcb.rare.fastOpen?.child !== true;
    const abort = tcb.config.handshakeIcmpAbort === 'linux' ? (halfOpen ? !hard : true) : hard;
    if (abort) {
      if (halfOpen) attemptFailed(tcb, now, 'ICMP unreachable in SYN-RECEIVED');
      else if (hard) tcb.fail('ECONNREFUSED', 'connection refused (ICMP unreachable)', now);
      else tcb.fail('EHOSTUNREACH', 'no route to host (ICMP unreachable or time exceeded)', now);
      return true;
    }
  }
  tcb.ownRare().softError = kind;
  return true;
}

/** A segment arrived out of order at `seq`: its block is the most recent (RFC 2018 §4). */
export function noteSackBlock(tcb: Tcb, seq: number): void {
  const recent = (tcb.ownRare().sackRecent ??= []);
  recent.unshift(seq);
  if (recent.length > 8) recent.length = 8;
}

/**
 * RFC 2883 §4: report [l, r), received twice, first in the next ACK. One D-SACK block per
 * ACK, for the segment that just arrived: a second duplicate range of the same segment extends the
 * first when they adjoin, else the first is kept (as Linux's tcp_dsack_extend).
 */
export function noteDuplicate(tcb: Tcb, l: number, r: number, old: boolean): void {
  if (!tcb.sackPermitted) return;
  const pending = tcb.rare.dsackLeft;
  if (pending !== undefined) {
    if (tcb.rare.dsackRight === l) tcb.ownRare().dsackRight = r;
    else if (r === pending) tcb.ownRare().dsackLeft = l;
    return;
  }
  const rare = tcb.ownRare();
  rare.dsackLeft = l;
  rare.dsackRight = r;
  if (old) tcb.stats.TCPDSACKOldSent++;
  else tcb.stats.TCPDSACKOfoSent++;
}
