/**
 * Proportional Rate Reduction (RFC 6937), with the slow-start reduction bound (PRR-SSRB). During a
 * fast recovery it spreads the window reduction over the round trip: while the pipe exceeds
 * ssthresh, data goes out in proportion ssthresh / RecoverFS to the data delivered; below it, the
 * pipe grows back toward ssthresh by at most one segment more than was delivered.
 */
export class Prr {
  /** RFC 6937 §3: total bytes delivered to the receiver since the start of recovery. */
  prrDelivered = 0;
  /** Total bytes sent (new data and retransmissions) since the start of recovery. */
  prrOut = 0;
  /** FlightSize at the start of recovery. */
  recoverFs = 0;
  /** Bytes that may be sent in answer to the latest ACK, less what has been sent since. */
  sndcnt = 0;

  /** Initialization on entering recovery (RFC 6937 §3). */
  start(flightSize: number): void {
    this.prrDelivered = 0;
    this.prrOut = 0;
    this.recoverFs = Math.max(1, flightSize);
    this.sndcnt = 0;
  }

  /**
   * On every ACK in recovery (RFC 6937 §3): `delivered` is DeliveredData, `pipe` RFC 6675's pipe
   * after the ACK, `safeAck` whether it advanced SND.UNA without revealing a new loss. Returns the
   * new cwnd, pipe + sndcnt.
   */
  onAck(delivered: number, pipe: number, ssthresh: number, mss: number, safeAck = true): number {
    // An ACK that delivers nothing (a window update) changes nothing (RFC 6937's revision: "if
    // DeliveredData is 0, return").
    if (delivered === 0 && !safeAck && this.prrOut > 0) return pipe + this.sndcnt;
    this.prrDelivered += delivered;
    let sndcnt: number;
    if (pipe > ssthresh) {
      // Proportional rate reduction.
      sndcnt = Math.ceil((this.prrDelivered * ssthresh) / this.recoverFs) - this.prrOut;
    } else {
      // PRR-SSRB: limit = MAX(prr_delivered - prr_out, DeliveredData), plus one MSS only on a "safe"
      // ACK, one that advances SND.UNA and shows no further loss (RFC 6937's revision,
      // draft-ietf-tcpm-prr-rfc6937bis; Linux's tcp_cwnd_reduction): an ACK that reveals more loss
      // must not grow the pipe beyond what it delivered.
      const limit = Math.max(this.prrDelivered - this.prrOut, delivered) + (safeAck ? mss : 0);
      sndcnt = Math.min(ssthresh - pipe, limit);
    }
    // The fast retransmit goes whatever the proportion says (RFC 6937 §3's note on the first
    // retransmission; Linux's tcp_cwnd_reduction forces one segment while prr_out is 0).
    if (this.prrOut === 0 && sndcnt < mss) sndcnt = mss;
    this.sndcnt = Math.max(0, sndcnt);
    return pipe + this.sndcnt;
  }

  /** Data sent during recovery (RFC 6937 §3: prr_out += data sent). */
  onSend(bytes: number): void {
    this.prrOut += bytes;
    this.sndcnt = Math.max(0, this.sndcnt - bytes);
  }
}
