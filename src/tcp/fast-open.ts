/**
 * TCP Fast Open (RFC 7413), the connection's half: what a client's SYN carries (a cookie request,
 * or a cookie and data), what its SYN-ACK tells it (a cookie to cache, how much of the data got in),
 * the fallback to a plain SYN when the SYN with data times out (§4.1.3), and a server's child
 * connection that took data from the SYN and may answer before the handshake completes (§4.2.2).
 *
 * The cookies themselves (keys, the keyed function, the client's cache per server) are the stack's
 * (stack/fast-open.ts): a TCB is handed the cookie to send, or told that its SYN's data was accepted,
 * and reports what it learnt as a 'fast-open' event.
 */
import { TcpFlag, type TcpOptions, seqAdd, seqDiff, seqGt, seqLt } from '../wire/index.js';
import { defaultSendMss } from './config.js';
import { READABLE_EVENT } from './events.js';
import { ackSegment, recordSend } from './output.js';
import { EMPTY_PAYLOAD, type Segment } from './segment.js';
import { keepSpareSendBuffer } from './spare-buffers.js';
import type { Tcb } from './tcb.js';
import { Timer, setTimer, timerAt } from './timers.js';

/** RFC 7413 §4.1.1: a cookie is 4 to 16 bytes; Linux also requires an even length. */
export function cacheableCookie(c: Uint8Array | undefined): c is Uint8Array {
  return c !== undefined && c.length >= 4 && c.length <= 16 && (c.length & 1) === 0;
}

/**
 * MAX_TCP_OPTION_SPACE: the SYN's data is the cached MSS less the largest option space, so the SYN
 * fits whatever options it carries (Linux's tcp_send_syn_data).
 */
const SYN_OPTION_SPACE = 40;

/** A connection's Fast Open state (kept in its TcbRare while it has one). */
export class FastOpenState {
  /** Client: the cookie our SYN carries; empty asks for one (§4.1.1). Undefined on a server's child. */
  cookie: Uint8Array | undefined;
  /** Send the option in its experimental form (kind 254, magic 0xF989). */
  exp = false;
  /** Client: the MSS learnt with the cookie (sizes the SYN's data), if any. */
  mss: number | undefined;
  /** Client: data octets our first SYN carried; server child: data octets its SYN brought. */
  synData = 0;
  /** Client: the SYN with data timed out and went again without it (§4.1.3). */
  synDataLost = false;
  /**
   * Client: a packet-too-big quoted our SYN with data, and the SYN went again at once without it
   * (`synDataTooBig`).
   */
  synDataTooBig = false;
  /** Client: the SYN-ACK acknowledged our SYN's data (all or part of it). */
  synDataAcked = false;
  /**
   * Client without a cookie configured to send data anyway (Linux's TFO_CLIENT_NO_COOKIE, RFC 7413
   * §4.1.3): the SYN carries data and no Fast Open option, and a cookie in the SYN-ACK, which it did
   * not ask for, is not cached (Linux ignores it as unsolicited: syn_fastopen stays 0).
   */
  noCookie = false;
  /** Client: the SYN waits for the first send (Linux's TCP_FASTOPEN_CONNECT connect() with a cookie). */
  deferSyn = false;
  /** Server: this connection took the SYN's data (a valid cookie, or none required). */
  child = false;
  /** Server: the cookie our SYN-ACK carries (a request, an invalid cookie or one under the backup key). */
  synAckCookie: Uint8Array | undefined;

  /** For listings (`ss`): what Fast Open did on this connection. */
  describe(): string {
    if (this.child) return 'child';
    if (this.cookie === undefined) return this.synAckCookie ? 'cookie-sent' : 'none';
    if (this.synDataAcked) return 'syn-data-acked';
    if (this.synDataLost) return 'syn-data-lost';
    if (this.synData > 0) return 'syn-data';
    if (this.noCookie) return 'no-cookie';
    return this.cookie.length === 0 ? 'cookie-req' : 'cookie';
  }
}

/**
 * Client side of connect(): our SYN carries `cookie` (empty: a request) and, with a cookie, queued
 * data; `noCookie`: data and no option. `deferSyn` (with a cookie or noCookie): the SYN waits for
 * the first send, so that it carries it (Linux's tcp_fastopen_defer_connect).
 */
export function setFastOpenClient(tcb: Tcb, cookie: Uint8Array, exp: boolean, mss: number | undefined, deferSyn = false, noCookie = false): void {
  const fo = new FastOpenState();
  fo.cookie = cookie;
  fo.exp = exp;
  fo.mss = mss;
  fo.noCookie = noCookie;
  fo.deferSyn = deferSyn && (cookie.length > 0 || noCookie);
  tcb.ownRare().fastOpen = fo;
}

/** Whether our SYN waits for the first send (setFastOpenClient's deferSyn). */
export function synDeferred(tcb: Tcb): boolean {
  return tcb.rare.fastOpen?.deferSyn === true;
}

/** The first send: a deferred SYN may go now. */
export function releaseDeferredSyn(tcb: Tcb): void {
  const fo = tcb.rare.fastOpen;
  if (fo !== undefined) fo.deferSyn = false;
}

/**
 * Our SYN asks for a cookie rather than carrying the cached one (Linux's tcp_send_syn_data falls back
 * so when the SYN's data cannot be had): a SYN with a cookie and no data would only spend the cookie.
 */
export function requestCookieInstead(tcb: Tcb): void {
  const fo = tcb.rare.fastOpen;
  if (fo === undefined || fo.cookie === undefined) return;
  // Without a cookie (noCookie) there is nothing to ask with: the fallback is a plain SYN.
  if (fo.noCookie) {
    fo.cookie = undefined;
    fo.noCookie = false;
  } else fo.cookie = new Uint8Array(0);
}

/** Data octets our SYN would carry (with a cookie): the cached MSS less the option space, at most our own MSS. */
export function synDataRoom(tcb: Tcb): number {
  const fo = tcb.rare.fastOpen;
  if (fo === undefined || fo.cookie === undefined || (fo.cookie.length === 0 && !fo.noCookie)) return 0;
  // Without an MSS learnt, a SYN without a cookie sizes its data by our own MSS (Linux's
  // tcp_send_syn_data starts from advmss); a cookie from a SYN-ACK without MSS, by the default.
  const mss = Math.min(fo.mss ?? (fo.noCookie ? tcb.advertisedMss : defaultSendMss(tcb.ipVersion)), tcb.advertisedMss);
  return Math.max(0, mss - SYN_OPTION_SPACE);
}

/**
 * Our active SYN's Fast Open part: the option and, with a cookie, the data (from the send buffer, up
 * to the cached MSS less the option space). A retransmitted SYN goes without data or option (§4.1.3:
 * a middlebox may drop SYNs with data; the event tells the stack to mark the path). Returns the data.
 */
export function fastOpenSyn(tcb: Tcb, o: TcpOptions): Uint8Array {
  const fo = tcb.rare.fastOpen;
  if (fo === undefined || fo.cookie === undefined) return EMPTY_PAYLOAD;
  if (tcb.retransmits > 0 || fo.synDataTooBig) {
    if (fo.synData > 0 && !fo.synDataLost && !fo.synDataTooBig) {
      fo.synDataLost = true;
      tcb.stats.TCPFastOpenActiveFail++;
      tcb.emit({ type: 'fast-open', synDataLost: true });
    }
    return EMPTY_PAYLOAD;
  }
  if (tcb.rare.synOptionsDropped || tcb.config.noOptions) return EMPTY_PAYLOAD;
  if (fo.noCookie) return synData(tcb, fo);
  o.fastOpenCookie = fo.cookie;
  if (fo.exp) o.fastOpenExp = true;
  if (fo.cookie.length === 0) return EMPTY_PAYLOAD;
  return synData(tcb, fo);
}

/** The SYN's data: the send buffer's first octets, as many as synDataRoom allows. */
function synData(tcb: Tcb, fo: FastOpenState): Uint8Array {
  const len = Math.min(tcb.sendBuffer.length, synDataRoom(tcb));
  fo.synData = len;
  return len > 0 ? tcb.sendBuffer.slice(0, len) : EMPTY_PAYLOAD;
}

/**
 * An ICMP packet-too-big (or fragmentation needed) quoting our SYN that carried data: a router
 * dropped the SYN for its size (RFC 1191 §6.5, RFC 8201 §5.4: what is too big is sent again at once,
 * smaller). The SYN goes again now without the data, which follows the handshake in segments the new
 * path MTU allows, as Linux's tcp_simple_retransmit does for a Fast Open SYN. No timer expired: the
 * RTO does not back off, and the path is not marked as one that drops SYNs with data (§4.1.3).
 * Returns whether the SYN is to go again.
 */
export function synDataTooBig(tcb: Tcb): boolean {
  const fo = tcb.rare.fastOpen;
  if (fo === undefined || fo.synData === 0 || fo.synDataLost || fo.synDataTooBig) return false;
  fo.synDataTooBig = true;
  tcb.synNeeded = true;
  return true;
}

/** Whether our next SYN repeats one sent without a timeout between (synDataTooBig): a retransmission all the same. */
export function synSentAgainAtOnce(tcb: Tcb): boolean {
  return tcb.rare.fastOpen?.synDataTooBig === true;
}

/**
 * The SYN-ACK reached a client that sent a Fast Open option (§4.1.2, §4.2.1): the data it
 * acknowledges leaves the send buffer; what it does not goes again at once, after the handshake's
 * ACK (SND.NXT back to SND.UNA). The cookie (when well formed) and the MSS go to the stack's cache.
 */
export function fastOpenSynAck(tcb: Tcb, seg: Segment, now: number): void {
  const fo = tcb.rare.fastOpen;
  if (fo === undefined || fo.cookie === undefined) return;
  const acked = seqDiff(seg.ack, seqAdd(tcb.iss, 1));
  if (acked > 0) consumeSent(tcb, acked);
  // Fast Open worked when the SYN-ACK acknowledges all the SYN's data (as Linux's syn_data_acked);
  // part of it, or none, is a failure whose rest goes again.
  if (fo.synData > 0 && !fo.synDataLost) {
    if (acked >= fo.synData) {
      fo.synDataAcked = true;
      tcb.stats.TCPFastOpenActive++;
    } else tcb.stats.TCPFastOpenActiveFail++;
  }
  // Whatever the SYN carried beyond SEG.ACK is sent again now (Linux's tcp_rcv_fastopen_synack).
  if (seqLt(seg.ack, tcb.sndMax)) {
    tcb.sndNxt = seg.ack;
    // What the SYN carried and the SYN-ACK left is outstanding data like any other: one segment, as
    // it was sent, which the retransmission now marks as retransmitted (as Linux's
    // tcp_rcv_fastopen_synack marks it lost and retransmits it: tcp_info counts it in unacked and
    // retrans) and which SACK and RACK then see.
    if (tcb.sackPermitted) tcb.rack.onSendNew(seg.ack, tcb.sndMax, now);
  }
  const c = seg.options.fastOpenCookie;
  // A cookie we did not ask for (our SYN had no option) is not cached.
  const cookie = cacheableCookie(c) && !fo.noCookie ? c : undefined;
  tcb.emit({ type: 'fast-open', cookie, exp: cookie !== undefined && seg.options.fastOpenExp === true, mss: seg.options.mss });
}

/** `n` octets of data sent with or before the handshake were acknowledged: they leave the send buffer. */
export function consumeSent(tcb: Tcb, n: number): void {
  const sb = tcb.sndBuf;
  if (sb === undefined) return;
  sb.consume(Math.min(n, sb.length));
  if (sb.length === 0) {
    keepSpareSendBuffer(sb);
    tcb.sndBuf = undefined;
  }
}

/** Server: the child accepted the SYN's data; the SYN-ACK carries `synAckCookie` if given. */
export function setFastOpenServer(tcb: Tcb, child: boolean, synAckCookie: Uint8Array | undefined, exp: boolean): void {
  const fo = new FastOpenState();
  fo.child = child;
  fo.synAckCookie = synAckCookie;
  fo.exp = exp;
  tcb.ownRare().fastOpen = fo;
}

/**
 * The child's SYN data (§4.2.2): delivered to the application at once, in order, and acknowledged
 * by the SYN-ACK (RCV.NXT moves past it). What does not fit the window is dropped for the client to
 * send again; a FIN with it is held until the handshake completes.
 */
export function acceptSynData(tcb: Tcb, seg: Segment): void {
  const room = Math.min(tcb.receiveBufferSize, 0xffff);
  const data = seg.payload.length > room ? seg.payload.subarray(0, room) : seg.payload;
  const fo = tcb.rare.fastOpen;
  if (fo !== undefined) fo.synData = data.length;
  if (data.length > 0) {
    tcb.receiveBufferToFill().pushInOrder(data);
    tcb.rcvNxt = seqAdd(tcb.rcvNxt, data.length);
    tcb.emit(READABLE_EVENT);
  }
  if (seg.flags & TcpFlag.FIN && data.length === seg.payload.length) tcb.ownClosing().peerFinSeq = tcb.rcvNxt;
}

/** Whether this SYN-RECEIVED connection may send data before the handshake's last ACK (a Fast Open child). */
export function sendsBeforeEstablished(tcb: Tcb): boolean {
  return tcb.rare.fastOpen?.child === true;
}

/**
 * Data from a Fast Open child in SYN-RECEIVED, after its SYN-ACK (§4.2.2: the server may send data
 * before the handshake completes): new data from the send buffer as the peer's window and our initial
 * window allow, a segment at a time. A timeout sends the SYN-ACK again and then this data from its
 * start; once ESTABLISHED the usual machinery takes over.
 */
export function childDataSegment(tcb: Tcb, now: number): Segment | undefined {
  const base = seqAdd(tcb.iss, 1);
  const offset = seqDiff(tcb.sndNxt, base);
  const unsent = tcb.sendBuffer.length - offset;
  if (unsent > 0 && offset >= 0) {
    const inFlight = offset;
    const usable = Math.min(tcb.sndWnd, Math.floor(tcb.congestion.cwnd)) - inFlight;
    const len = Math.min(unsent, usable, tcb.sendMss);
    if (len > 0) {
      const seq = tcb.sndNxt;
      const end = seqAdd(seq, len);
      const retransmission = seqLt(seq, tcb.sndMax);
      const onlyOld = !seqGt(end, tcb.sndMax);
      const flags = TcpFlag.ACK | (offset + len === tcb.sendBuffer.length ? TcpFlag.PSH : 0);
      const seg = ackSegment(tcb, now, seq, flags, tcb.sendBuffer.slice(offset, len));
      recordSend(tcb, seq, end, now);
      tcb.sndNxt = end;
      if (seqGt(end, tcb.sndMax)) tcb.sndMax = end;
      if (retransmission) {
        tcb.onlyRetransmitted = onlyOld;
        tcb.stats.RetransSegs++;
      }
      if (timerAt(tcb, Timer.Retransmission) === undefined) setTimer(tcb, Timer.Retransmission, now + tcb.rtt.rto);
      return seg;
    }
  }
  return tcb.ackNow ? ackSegment(tcb, now, tcb.sndMax, TcpFlag.ACK, EMPTY_PAYLOAD) : undefined;
}
