/**
 * One wall-clock timer for the earliest deadline of something driven in real time (a stack, a
 * simulated network): set again only when the deadline moves, so a driver may call `set` after every
 * burst of work without churning timers.
 *
 * `unref`: the timer does not by itself keep a Node process alive (the protocol's own timers, such
 * as TIME-WAIT's 2*MSL, are no reason for a program to stay; what the application holds is).
 */
/**
 * The longest wait a Node timer takes (a signed 32-bit count of ms, about 24.8 days): a longer one
 * fires after 1 ms instead, which would spin. A deadline further away fires early at this bound,
 * finds nothing due, and is set again.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class DeadlineTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due: number | undefined;

  constructor(
    private readonly fire: () => void,
    private readonly opts: { unref?: boolean } = {},
  ) {}

  /** Fire at deadline `due`, `waitMs` from now (a negative wait fires at once); undefined: not at all. */
  set(due: number | undefined, waitMs: number): void {
    if (due !== undefined && this.timer !== undefined && this.due === due) return;
    this.cancel();
    if (due === undefined) return;
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = this.due = undefined;
      this.fire();
    }, Math.min(MAX_TIMER_MS, Math.max(0, waitMs)));
    if (this.opts.unref) (this.timer as { unref?: () => void }).unref?.();
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = this.due = undefined;
  }
}
