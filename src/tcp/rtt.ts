/**
 * The retransmission timer's value (RFC 6298): SRTT and RTTVAR from RTT samples, RTO with its
 * bounds, and exponential backoff. Karn's algorithm (no samples from retransmitted segments) is the
 * caller's part: it only feeds samples that are unambiguous.
 */
export class RttEstimator {
  /** Smoothed RTT (ms); undefined until the first sample. */
  srtt: number | undefined;
  rttvar = 0;
  /** The current RTO (ms), backoff included. */
  rto: number;
  /** Consecutive backoffs since the last sample or reset. */
  backoffs = 0;
  samples = 0;

  /** The configured bounds, one object shared by every estimator with the same four values. */
  private readonly bounds: RtoBounds;

  constructor(initialRto: number, minRto: number, maxRto: number, granularity: number) {
    this.bounds = rtoBounds(initialRto, minRto, maxRto, granularity);
    this.rto = this.clamp(initialRto);
  }

  private clamp(rto: number): number {
    return Math.min(this.bounds.maxRto, Math.max(this.bounds.minRto, rto));
  }

  /** Feed one RTT measurement R (ms): RFC 6298 §2.2 (first) and §2.3 (later). */
  sample(r: number): void {
    if (!(r >= 0)) return;
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      // alpha = 1/8, beta = 1/4; RTTVAR first, with the old SRTT.
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.samples++;
    this.backoffs = 0;
    this.rto = this.clamp(this.srtt + Math.max(this.bounds.granularity, 4 * this.rttvar));
  }

  /** RFC 6298 §5.5: double the RTO on expiry (bounded by the maximum). */
  backoff(): void {
    this.backoffs++;
    this.rto = this.clamp(this.rto * 2);
  }

  /**
   * RFC 6298 §5.7: when the SYN (or SYN-ACK) was retransmitted and no sample was taken, the RTO
   * used for data starts at 3 s.
   */
  resetAfterHandshakeTimeout(): void {
    if (this.srtt === undefined) this.rto = this.clamp(Math.max(3000, this.bounds.initialRto));
    this.backoffs = 0;
  }
}

interface RtoBounds {
  readonly initialRto: number;
  readonly minRto: number;
  readonly maxRto: number;
  readonly granularity: number;
}

/** The bounds most recently asked for: connections of one stack share one config, so one object serves them all. */
let lastBounds: RtoBounds = { initialRto: NaN, minRto: NaN, maxRto: NaN, granularity: NaN };

function rtoBounds(initialRto: number, minRto: number, maxRto: number, granularity: number): RtoBounds {
  const b = lastBounds;
  if (b.initialRto === initialRto && b.minRto === minRto && b.maxRto === maxRto && b.granularity === granularity) return b;
  lastBounds = { initialRto, minRto, maxRto, granularity };
  return lastBounds;
}
