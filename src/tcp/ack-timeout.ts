/**
 * How long an ACK may wait (RFC 9293 §3.8.6.3: "an ACK should not be excessively delayed; in
 * particular, the delay MUST be less than 0.5 seconds"), and whether an exchange is interactive, so
 * that our answer will carry the ACK and quick ACKs would be wasted.
 *
 * With `ackTimeout: 'fixed'` the delay is `ackDelayMs` and data we send within `ackDelayMs` of
 * hearing from the peer makes the exchange interactive. With 'ato' both follow an estimate of the
 * gap between the peer's data segments, as Linux's icsk_ack.ato does (tcp_event_data_recv,
 * tcp_event_data_sent, tcp_send_delayed_ack, tcp_delack_timer_handler):
 *
 * - no estimate exists until the first data arrives, or until the connection is established with our
 *   data waiting to go; it then starts at `ackDelayMs` (TCP_ATO_MIN);
 * - a gap of half that or less pulls it toward `ackDelayMs`, a gap shorter than the estimate pulls it
 *   toward the gap (never above the RTO), and a gap longer than the RTO means the peer was idle:
 *   acknowledge at once again (quick ACKs, as at the start);
 * - data we send within the estimate of the peer's last data is an answer: the exchange is interactive;
 * - an ACK waits the estimate, bounded by the smoothed RTT (at least `ackDelayMs`), by 200 ms in an
 *   interactive exchange (TCP_DELACK_MAX) and by 500 ms otherwise;
 * - a delayed ACK that had to fire doubles the estimate (up to the RTO), or, in an interactive
 *   exchange whose answer did not come in time, ends it and starts the estimate again.
 */
import type { Tcb } from './tcb.js';

/** In-order data arrived (Linux's tcp_event_data_recv). */
export function noteDataArrival(tcb: Tcb, now: number): void {
  if (tcb.config.ackTimeout !== 'ato') return;
  const at = Math.floor(now);
  const min = tcb.config.ackDelayMs;
  if (tcb.ato === 0) {
    tcb.ato = min;
  } else {
    const gap = at - tcb.lastDataAt;
    if (gap <= min / 2) tcb.ato = Math.floor(tcb.ato / 2) + Math.floor(min / 2);
    else if (gap < tcb.ato) tcb.ato = Math.min(Math.floor(tcb.ato / 2) + gap, tcb.rtt.rto);
    else if (gap > tcb.rtt.rto) tcb.quickAcksLeft = Math.max(tcb.quickAcksLeft, tcb.config.quickAckSegments);
  }
  tcb.lastDataAt = at;
}

/**
 * The connection is established with data of ours waiting to go (a writer was waiting for it): the
 * data about to leave is an answer, so the estimate starts now (Linux's tcp_rcv_synsent_state_process
 * enters quickack mode, which sets ato to TCP_ATO_MIN, when sk_write_pending).
 */
export function dataWaitsForConnect(tcb: Tcb): void {
  if (tcb.config.ackTimeout === 'ato' && tcb.ato === 0) tcb.ato = tcb.config.ackDelayMs;
}

/** New data we send now answers the peer: the exchange is interactive (Linux's pingpong mode). */
export function answersPeer(tcb: Tcb, now: number): boolean {
  if (tcb.config.ackTimeout === 'ato') return now - tcb.lastDataAt < tcb.ato;
  return now - tcb.lastHeardAt < tcb.config.ackDelayMs;
}

/** How long an ACK held now may wait. */
export function ackDelay(tcb: Tcb): number {
  const min = tcb.config.ackDelayMs;
  if (tcb.config.ackTimeout !== 'ato' || tcb.ato <= min) return min;
  let max = tcb.pingpong ? 200 : 500;
  const srtt = tcb.rtt.srtt;
  if (srtt !== undefined) max = Math.min(max, Math.max(Math.floor(srtt), min));
  return Math.min(tcb.ato, max);
}

/** A delayed ACK had to fire: no answer carried it. */
export function delayedAckFired(tcb: Tcb): void {
  if (tcb.config.ackTimeout === 'ato') {
    if (tcb.pingpong) tcb.ato = tcb.config.ackDelayMs;
    else tcb.ato = Math.min(2 * tcb.ato, tcb.rtt.rto);
  }
  tcb.pingpong = false;
}
