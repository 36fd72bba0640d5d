/**
 * Delivery-rate estimation (draft-ietf-ccwg-bbr §4.1's rate samples, after
 * draft-cheng-iccrg-delivery-rate-estimation): per ACK, how much was delivered over what interval,
 * from the connection's delivery counters recorded with each segment when it was sent.
 *
 * Made only for a controller that asks for it (CongestionController.rates): the segment records it
 * reads are RACK's (rack.ts, SACK connections), which keep this sampler's per-segment state in flat
 * arrays beside their own, index for index, so that a connection with CUBIC or NewReno keeps none of
 * it and does no work for it.
 *
 * Units: bytes and ms (fractional).
 */
import { moveToFront } from './rack.js';

/** What one ACK tells a model-based controller (one object per sampler, reused: copy what you keep). */
export interface RateSample {
  /** rs.delivery_rate, bytes/ms; 0 when the ACK gave no valid sample (see `valid`). */
  deliveryRate: number;
  /** The sample is usable: a delivered segment with send state, and an interval of at least min_rtt. */
  valid: boolean;
  /** rs.delivered: bytes delivered over the sample's interval. */
  delivered: number;
  /** rs.interval (ms). */
  interval: number;
  /** rs.prior_delivered: C.delivered when the segment the sample is from was sent (-1: none). */
  priorDelivered: number;
  /** rs.is_app_limited: that segment was sent while the application, not the network, limited sending. */
  isAppLimited: boolean;
  /** rs.tx_in_flight: bytes in flight just after that segment was sent. */
  txInFlight: number;
  /** rs.lost: bytes marked lost since that segment was sent. */
  lost: number;
  /** rs.newly_acked and rs.newly_lost: bytes this ACK delivered and marked lost. */
  newlyAcked: number;
  newlyLost: number;
  /** rs.rtt: the RTT of the most recently sent segment this ACK delivered, never retransmitted (ms), or -1. */
  rtt: number;
  /** C.delivered after this ACK (bytes, since the connection began). */
  totalDelivered: number;
  /** Bytes in flight after this ACK (RFC 6675's pipe). */
  inFlight: number;
  /** The sender filled cwnd when it last could send (within one segment). */
  cwndLimited: boolean;
  now: number;
}

export class DeliveryRateSampler {
  // Connection state (the draft's C.*).
  /** C.delivered: bytes delivered (cumulatively acknowledged or SACKed) so far. */
  delivered = 0;
  /** C.delivered_time: when C.delivered last grew. */
  deliveredTime = 0;
  /** C.first_sent_time: the send time of the segment most recently delivered (the send interval's start). */
  firstSentTime = 0;
  /** C.app_limited: C.delivered at which the current app-limited period ends, or 0 for none. */
  appLimited = 0;
  /** C.lost: bytes marked lost so far. */
  lost = 0;
  /** The pipe as the next send begins (beforeSend), growing with each record made for it. */
  private pipeAtSend = 0;

  // Per-segment send state, index for index with RACK's records (P.*). A delivered of -1: no state
  // (a segment recorded before the sampler was attached).
  private pDelivered: number[] = [];
  private pDeliveredTime: number[] = [];
  private pFirstSent: number[] = [];
  private pTxInFlight: number[] = [];
  private pLost: number[] = [];
  private pAppLimited: number[] = [];

  // The sample being made for the ACK in progress.
  private rsPriorDelivered = -1;
  private rsPriorTime = 0;
  private rsSentTime = -Infinity;
  private rsSendElapsed = 0;
  private rsAckElapsed = 0;
  private rsAppLimited = false;
  private rsTxInFlight = 0;
  private rsPriorLost = 0;
  private newlyAcked = 0;
  private newlyLost = 0;

  readonly sample: RateSample = {
    deliveryRate: 0, valid: false, delivered: 0, interval: 0, priorDelivered: -1, isAppLimited: false, txInFlight: 0, lost: 0,
    newlyAcked: 0, newlyLost: 0, rtt: -1, totalDelivered: 0, inFlight: 0, cwndLimited: false, now: 0,
  };

  /** Records made before this sampler existed: `n` entries without send state. */
  pad(n: number): void {
    for (let i = 0; i < n; i++) this.setEntry(i, -1, 0, 0, 0, 0, 0);
  }

  /**
   * A segment is about to go with `pipe` bytes in flight: with nothing in flight the send and ACK
   * intervals start afresh (the draft's "if (C.inflight == 0) C.first_sent_time = C.delivered_time = Now()").
   */
  beforeSend(pipe: number, now: number): void {
    if (pipe === 0) {
      this.firstSentTime = now;
      this.deliveredTime = now;
    }
    this.pipeAtSend = pipe;
  }

  /** A new record `i` of `len` bytes was made (RACK's onSendNew), after every other: its send state. */
  record(i: number, len: number): void {
    this.pipeAtSend += len;
    this.setEntry(i, this.delivered, this.deliveredTime, this.firstSentTime, this.pipeAtSend, this.lost, this.appLimited !== 0 ? 1 : 0);
  }

  /** Record `i` was sent again: its send state is the present one (the draft re-records on retransmission). */
  resent(i: number, len: number): void {
    this.pipeAtSend += len;
    this.pDelivered[i] = this.delivered;
    this.pDeliveredTime[i] = this.deliveredTime;
    this.pFirstSent[i] = this.firstSentTime;
    this.pTxInFlight[i] = this.pipeAtSend;
    this.pLost[i] = this.lost;
    this.pAppLimited[i] = this.appLimited !== 0 ? 1 : 0;
  }

  /** RACK split record i in two at index i + 1: the second half keeps the same send state. */
  split(i: number): void {
    this.pDelivered.splice(i + 1, 0, this.pDelivered[i]);
    this.pDeliveredTime.splice(i + 1, 0, this.pDeliveredTime[i]);
    this.pFirstSent.splice(i + 1, 0, this.pFirstSent[i]);
    this.pTxInFlight.splice(i + 1, 0, this.pTxInFlight[i]);
    this.pLost.splice(i + 1, 0, this.pLost[i]);
    this.pAppLimited.splice(i + 1, 0, this.pAppLimited[i]);
  }

  /** RACK moved its live records [head, records) to the front (the room after them is kept, as RACK's). */
  compact(head: number, records: number): void {
    moveToFront(this.pDelivered, head, records);
    moveToFront(this.pDeliveredTime, head, records);
    moveToFront(this.pFirstSent, head, records);
    moveToFront(this.pTxInFlight, head, records);
    moveToFront(this.pLost, head, records);
    moveToFront(this.pAppLimited, head, records);
  }

  /** RACK forgot every record. */
  clear(): void {
    this.pDelivered.length = 0;
    this.pDeliveredTime.length = 0;
    this.pFirstSent.length = 0;
    this.pTxInFlight.length = 0;
    this.pLost.length = 0;
    this.pAppLimited.length = 0;
  }

  /**
   * Record `i`, `bytes` long and last sent at `sentTime`, was delivered now (cumulatively or by
   * SACK, once): the draft's UpdateRateSample for one packet. The sample is taken from the most
   * recently sent of the segments an ACK delivers.
   */
  onDelivered(i: number, bytes: number, sentTime: number, now: number): void {
    this.delivered += bytes;
    this.deliveredTime = now;
    this.newlyAcked += bytes;
    const prior = this.pDelivered[i];
    if (prior < 0) return;
    if (sentTime >= this.rsSentTime) {
      this.rsSentTime = sentTime;
      this.rsPriorDelivered = prior;
      this.rsPriorTime = this.pDeliveredTime[i];
      this.rsAppLimited = this.pAppLimited[i] !== 0;
      this.rsTxInFlight = this.pTxInFlight[i];
      this.rsPriorLost = this.pLost[i];
      this.rsSendElapsed = sentTime - this.pFirstSent[i];
      this.rsAckElapsed = now - this.rsPriorTime;
      this.firstSentTime = sentTime;
    }
    // The app-limited period ends when what was in flight at its start has been delivered.
    if (this.appLimited !== 0 && this.delivered > this.appLimited) this.appLimited = 0;
  }

  /** Bytes newly marked lost. */
  onLost(bytes: number): void {
    this.lost += bytes;
    this.newlyLost += bytes;
  }

  /**
   * The application has nothing more to send while the window has room: samples from what is sent
   * now measure the application, not the path (the draft's C.app_limited = (C.delivered + inflight) or 1).
   */
  markAppLimited(pipe: number): void {
    this.appLimited = Math.max(this.delivered + pipe, 1);
  }

  /**
   * The ACK is processed: make its sample (the draft's GenerateRateSample), then start the next one.
   * An interval shorter than min_rtt is no sample: the ACKs of a burst compressed on the way back
   * would overstate the rate.
   */
  generate(minRtt: number | undefined, rtt: number | undefined, inFlight: number, cwndLimited: boolean, now: number): RateSample {
    const s = this.sample;
    s.newlyAcked = this.newlyAcked;
    s.newlyLost = this.newlyLost;
    s.totalDelivered = this.delivered;
    s.inFlight = inFlight;
    s.cwndLimited = cwndLimited;
    s.now = now;
    s.rtt = rtt ?? -1;
    s.priorDelivered = this.rsPriorDelivered;
    s.isAppLimited = this.rsAppLimited;
    s.txInFlight = this.rsTxInFlight;
    s.lost = this.rsPriorDelivered < 0 ? 0 : this.lost - this.rsPriorLost;
    s.valid = false;
    s.deliveryRate = 0;
    s.delivered = 0;
    s.interval = 0;
    if (this.rsPriorDelivered >= 0) {
      s.delivered = this.delivered - this.rsPriorDelivered;
      s.interval = Math.max(this.rsSendElapsed, this.rsAckElapsed);
      if (s.interval > 0 && (minRtt === undefined || s.interval >= minRtt)) {
        s.valid = true;
        s.deliveryRate = s.delivered / s.interval;
      }
    }
    this.newlyAcked = 0;
    this.newlyLost = 0;
    this.rsPriorDelivered = -1;
    this.rsSentTime = -Infinity;
    return s;
  }

  /** Entry `i`, at most one past the last (RACK's records are made in order). */
  private setEntry(i: number, delivered: number, deliveredTime: number, firstSent: number, txInFlight: number, lost: number, appLimited: number): void {
    this.pDelivered[i] = delivered;
    this.pDeliveredTime[i] = deliveredTime;
    this.pFirstSent[i] = firstSent;
    this.pTxInFlight[i] = txInFlight;
    this.pLost[i] = lost;
    this.pAppLimited[i] = appLimited;
  }
}
