/**
 * NewReno: RFC 5681 §3.1 slow start and congestion avoidance (BasicCongestionControl), with fast
 * retransmit and fast recovery (RFC 5681 §3.2) as modified by RFC 6582 for a peer without SACK.
 *
 * `recover` is kept as SND.MAX, one past RFC 6582's "highest sequence number transmitted", so the
 * RFC's "covers more than recover" is SEG.ACK >= recover here, and a full ACK is SEG.ACK >= recover.
 */
import { seqGe } from '../wire/seq.js';
import { BasicCongestionControl, type CongestionControl, type FastRecovery } from './congestion.js';

export class NewRenoCongestionControl extends BasicCongestionControl implements CongestionControl, FastRecovery {
  readonly recovery: FastRecovery = this;
  inRecovery = false;
  /** RFC 6582 §3.2 step 1's `recover` (as SND.MAX, see above); undefined until the first loss. */
  recover: number | undefined;
  /** No partial ACK yet in this recovery (the first restarts the retransmission timer, RFC 6582 step 5). */
  private firstPartial = true;

  onDupAck(count: number, inFlight: number, sndUna: number, sndMax: number, _now: number): 'retransmit' | undefined {
    if (this.inRecovery) {
      // RFC 5681 §3.2 step 4: each further duplicate ACK inflates cwnd by one segment (one left the network).
      this.cwnd += this.mss;
      return undefined;
    }
    if (count !== 3) return undefined;
    // RFC 6582 §3.2 step 2 (and §4.1): no fast retransmit for duplicate ACKs of data sent before the
    // last recovery or timeout ended, unless the ACK covers more than `recover`.
    if (this.recover !== undefined && !seqGe(sndUna, this.recover)) return undefined;
    // RFC 5681 §3.2 steps 2 and 3 (eq. 4): halve, retransmit, inflate by the three segments that left.
    this.ssthresh = Math.max(inFlight / 2, 2 * this.mss);
    this.cwnd = this.ssthresh + 3 * this.mss;
    this.acc = 0;
    this.recover = sndMax;
    this.inRecovery = true;
    this.firstPartial = true;
    return 'retransmit';
  }

  onRecoveryAck(acked: number, inFlight: number, ack: number, _now: number): 'retransmit' | 'retransmit-restart' | undefined {
    if (this.recover === undefined || seqGe(ack, this.recover)) {
      // RFC 6582 §3.2 step 3 (full ACK): cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS), FlightSize
      // being what is still outstanding after this ACK (new data sent during recovery).
      const flight = Math.max(0, inFlight - acked);
      this.cwnd = Math.min(this.ssthresh, Math.max(flight, this.mss) + this.mss);
      this.inRecovery = false;
      this.acc = 0;
      return undefined;
    }
    // Step 5 (partial ACK): deflate by the amount acknowledged, add back one SMSS if at least one SMSS
    // was acknowledged (the retransmission about to go out), and retransmit the next hole.
    this.cwnd = Math.max(this.mss, this.cwnd - acked + (acked >= this.mss ? this.mss : 0));
    const first = this.firstPartial;
    this.firstPartial = false;
    return first ? 'retransmit-restart' : 'retransmit';
  }

  override onEcnEcho(inFlight: number, now: number): void {
    if (this.inRecovery) return; // already reduced for this window (RFC 3168 §6.1.2: at most once per window)
    super.onEcnEcho(inFlight, now);
  }

  override onRetransmitTimeout(inFlight: number, now: number, sndMax?: number): void {
    // An RTO ends recovery (the connection goes back N from SND.UNA). RFC 6582 §3.2 step 1 / §4.1:
    // `recover` = the highest sequence number sent, so the duplicate ACKs the go-back-N
    // retransmissions provoke start no fast retransmit.
    this.inRecovery = false;
    super.onRetransmitTimeout(inFlight, now);
    if (sndMax !== undefined) this.recover = sndMax;
  }
}
