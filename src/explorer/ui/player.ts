/**
 * How fast virtual time runs while the page plays (DOM-free, tested from Node). `speed` is virtual
 * milliseconds per real second. While a segment is on the wire time runs at that speed, so the
 * arrow visibly flies; across a quiet gap (a 1 s RTO, 2*MSL) it runs faster, so the gap takes about
 * GAP_SECONDS of real time and the timer's countdown is still seen to run out.
 */
export const GAP_SECONDS = 0.8;

export class Player {
  playing = false;
  /** Virtual ms per real second. */
  speed = 2;
  /** The rate chosen for the quiet gap being crossed, and where it ends. */
  private gap: { until: number; rate: number } | undefined;

  /**
   * Where virtual time should be after `realMs` of real time from `now`. `next` is the next event's
   * time (undefined: none), `busy` is true while a segment is on the wire.
   */
  advance(now: number, realMs: number, next: number | undefined, busy: boolean): number {
    let rate = this.speed;
    if (busy || next === undefined) {
      this.gap = undefined;
    } else {
      if (!this.gap || this.gap.until !== next) {
        const gapMs = next - now;
        this.gap = gapMs / this.speed > GAP_SECONDS ? { until: next, rate: gapMs / GAP_SECONDS } : undefined;
      }
      if (this.gap) rate = this.gap.rate;
    }
    let to = now + (rate * realMs) / 1000;
    // A gap ends exactly at its event, so what happens there is seen from its start.
    if (this.gap && to >= this.gap.until) {
      to = this.gap.until;
      this.gap = undefined;
    }
    return to;
  }

  reset(): void {
    this.gap = undefined;
  }
}
