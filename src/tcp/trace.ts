/**
 * Optional trace hooks inside a TCB: timers set, fired and cancelled, congestion-window changes and
 * segments the TCB discards, told to a sink as they happen. Off by default and free when off: a TCB
 * holds no sink (the reference lives in its TcbRare, made only when tracing), and every site is one
 * `if (tcb.tracer !== undefined)`.
 *
 * Timers are deadlines in the timer table (timers.ts) that many code paths write, so rather than a
 * hook at every write the tracer compares the deadlines after each entry point (segment, timeout,
 * output) with those it saw last: a change is a timer set or cancelled, and a passed deadline of a
 * timer the timeout acted on is a timer fired.
 */

export type TcbTimerKind =
  | 'retransmission'
  | 'persist'
  | 'keepalive'
  | 'delayed-ack'
  | 'time-wait'
  | 'fin-wait-2'
  | 'user-timeout'
  | 'loss-probe'
  | 'reorder'
  | 'connect';

export type TcbTimerAction = 'set' | 'fired' | 'cancelled';
export type CwndReason = 'ack' | 'loss' | 'rto' | 'recovery-end' | 'undo' | 'ecn' | 'idle-restart';

export interface TcbTraceSink {
  timer(kind: TcbTimerKind, action: TcbTimerAction, deadline: number | undefined, now: number): void;
  /** On every congestion event and recovery end; on ACK growth only when cwnd moved by a quarter since the last report. */
  cwnd(cwnd: number, ssthresh: number, why: CwndReason, now: number): void;
  /** A segment the TCB discards (out of window, PAWS, missing timestamp, unacceptable ACK...), or answers with a challenge ACK. */
  drop(seq: number, len: number, why: string, now: number): void;
}

/** A TCB's tracing state: the sink and what it was last told. Made only when tracing. */
export class TcbTracer {
  /** The deadlines last reported, indexed by Timer (timers.ts). */
  private readonly seen: Array<number | undefined> = [];
  /** The kind each running timer was reported under (closeAt is TIME-WAIT's or FIN-WAIT-2's; lossTimerAt a probe or reorder). */
  private readonly kinds: TcbTimerKind[] = [];
  private lastCwnd = -1;
  private lastSsthresh = -1;

  constructor(readonly sink: TcbTraceSink) {}

  /**
   * Compare one deadline with the last seen. `firing`: the timeout just handled acted on this timer,
   * so a deadline that had passed and changed was it firing (then perhaps set again); any other change
   * is a cancellation.
   */
  timer(index: number, kind: TcbTimerKind, deadline: number | undefined, firing: boolean, now: number): void {
    const before = this.seen[index];
    // The same deadline under another kind (FIN-WAIT-2's timeout becoming TIME-WAIT's 2*MSL at the same instant) is a new timer.
    if (before === deadline && (deadline === undefined || this.kinds[index] === kind)) return;
    this.seen[index] = deadline;
    if (before !== undefined) {
      const fired = firing && before <= now;
      this.sink.timer(this.kinds[index]!, fired ? 'fired' : 'cancelled', before, now);
    }
    if (deadline !== undefined) {
      this.kinds[index] = kind;
      this.sink.timer(kind, 'set', deadline, now);
    }
  }

  /** A congestion event or recovery end: always told. */
  cwnd(cwnd: number, ssthresh: number, why: CwndReason, now: number): void {
    this.lastCwnd = cwnd;
    this.lastSsthresh = ssthresh;
    this.sink.cwnd(cwnd, ssthresh, why, now);
  }

  /** Growth on ACKs, sampled: told when cwnd moved by a quarter since the last report, or ssthresh changed. */
  cwndSample(cwnd: number, ssthresh: number, now: number): void {
    if (ssthresh === this.lastSsthresh && Math.abs(cwnd - this.lastCwnd) * 4 < this.lastCwnd) return;
    this.cwnd(cwnd, ssthresh, 'ack', now);
  }
}
