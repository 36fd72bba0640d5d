/**
 * The receive window (RFC 9293 §3.8.6.2): what we advertise (the right edge never moves left, and
 * moves right only by enough to avoid silly windows) and what arriving segments are tested against.
 */
import { seqAdd, seqDiff } from '../wire/index.js';
import type { Tcb } from './tcb.js';

export function freeReceiveSpace(tcb: Tcb): number {
  return Math.max(0, tcb.receiveBufferSize - tcb.receiveBuffer.readable - tcb.receiveBuffer.outOfOrderBytes);
}

/** RCV.WND: what remains of the window last advertised. */
export function receiveWindow(tcb: Tcb): number {
  const w = seqDiff(tcb.rcvAdv, tcb.rcvNxt);
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
export function acceptWindow(tcb: Tcb): number {
  const advertised = receiveWindow(tcb);
  if (!tcb.config.receiveWindowFromBuffer || tcb.state === 'TIME-WAIT' || (tcb.state === 'SYN-RECEIVED' && tcb.passive)) return advertised;
  return Math.max(advertised, freeReceiveSpace(tcb));
}

/**
 * `receiveWindowFromBuffer`: once the MSS is known, a buffer larger than it grows to a multiple of
 * it (FreeBSD's tcp_mss(): roundup(sb_hiwat, t_maxseg) and sbreserve(); it never shrinks). FreeBSD
 * does this when the peer's SYN reaches a connecting socket, and for a passive open when the
 * handshake completes and the syncache entry becomes a socket (syncache_socket()).
 */
export function sizeReceiveBuffer(tcb: Tcb): void {
  if (!tcb.config.receiveWindowFromBuffer) return;
  const mss = Math.min(tcb.peerMss, tcb.advertisedMss);
  if (tcb.rcvBufSize > mss) tcb.rcvBufSize = Math.ceil(tcb.rcvBufSize / mss) * mss;
}

/**
 * The window to advertise now, in bytes: the free buffer space, but the right edge never moves left
 * (§3.8.6.2.2) and, with `receiverSwsAvoidance`, moves right only by at least min(buffer/2, MSS)
 * (§3.8.6.2.2's receiver-side SWS avoidance); without it, by any amount in a segment sent anyway.
 */
export function windowToAdvertise(tcb: Tcb, commit: boolean): number {
  const current = receiveWindow(tcb);
  let free = freeReceiveSpace(tcb);
  if (tcb.config.receiveWindowGrowth === 'ramp') free = Math.min(free, offerLimit(tcb));
  let wnd: number;
  if (tcb.config.receiverSwsAvoidance) {
    wnd = free - current >= Math.min(tcb.receiveBufferSize / 2, tcb.advertisedMss) ? free : current;
  } else {
    // FreeBSD's tcp_output: recwin = sbspace, 0 when below a quarter of the buffer and one MSS.
    wnd = free < tcb.receiveBufferSize / 4 && free < tcb.advertisedMss ? 0 : free;
  }
  wnd = Math.max(wnd, current);
  const max = 0xffff << tcb.rcvShift;
  if (wnd > max) wnd = max;
  let field = wnd >>> tcb.rcvShift;
  if (field << tcb.rcvShift < current) field = Math.min(0xffff, Math.ceil(current / 2 ** tcb.rcvShift));
  if (commit) tcb.rcvAdv = seqAdd(tcb.rcvNxt, field << tcb.rcvShift);
  return field << tcb.rcvShift;
}

/**
 * `receiveWindowGrowth` 'ramp': the most the window may offer now (Linux's rcv_ssthresh). It starts
 * as tcp_select_initial_window's offer: the buffer rounded down to a multiple of the MSS, at most
 * 65535 bytes (the largest unscaled window).
 */
export function offerLimit(tcb: Tcb): number {
  if (tcb.rcvSsthresh === 0) {
    const buffer = tcb.receiveBufferSize;
    const mss = tcb.advertisedMss;
    tcb.rcvSsthresh = Math.max(1, Math.min(0xffff, buffer > mss ? buffer - (buffer % mss) : buffer));
  }
  return tcb.rcvSsthresh;
}

/**
 * `receiveWindowGrowth` 'ramp': in-order data of `len` bytes arrived (Linux's tcp_grow_window, for
 * segments of 128 bytes or more): the offer may grow by twice the segment, at least two MSS, up to
 * the free space.
 */
export function growOffer(tcb: Tcb, len: number): void {
  if (tcb.config.receiveWindowGrowth !== 'ramp' || len < 128) return;
  const room = Math.min(tcb.receiveBufferSize, freeReceiveSpace(tcb)) - offerLimit(tcb);
  if (room > 0) tcb.rcvSsthresh += Math.min(room, Math.max(2 * tcb.advertisedMss, 2 * len));
}

/** The window field for an outgoing segment (scaled), recording the new right edge. */
export function windowField(tcb: Tcb): number {
  return windowToAdvertise(tcb, true) >>> tcb.rcvShift;
}
