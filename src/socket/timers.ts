/**
 * Socket-layer timers on the host's clock (a Socket's idle `setTimeout`). The stack's own timers
 * (retransmission, keep-alive, TIME-WAIT) live in the stack and its driver; these are the few the
 * Node API adds on top.
 *
 * The clock is the host's (`host.now()`), never the wall clock: in the simulator virtual time only
 * moves when the simulation runs, so a Node `setTimeout` would fire at the wrong moment (or never).
 * One HostTimers per host keeps every deadline in one heap and asks a TimerSource for a single wake-up
 * at the earliest. The source comes from the host's driver:
 *
 * - a driver that can run a call at a time on its own clock (`at(time, fn)`, as SimNetwork offers,
 *   under virtual time or a RealtimeDriver alike) runs it there, so an idle timeout fires at the right
 *   virtual instant and keeps `runAsync` from declaring the network idle while one is pending;
 * - any other driver runs on real time, so an unref'd Node timer for `time - host.now()` does (Node's
 *   socket timeouts are unref'd too: they never keep a process alive).
 *
 * Entries are lazy, as in the stack's KeyedTimerHeap (one per target, the earliest asked for): a
 * target whose deadline moved later is woken early, finds it is not due, and files itself again. Wake-ups are never cancelled; a stale one finds nothing
 * due and re-arms for the real earliest deadline.
 */
import type { Host } from '../link/host.js';
import { type HeapItem, KeyedTimerHeap } from '../stack/timer-heap.js';

/** Runs `fn` once at (or soon after) `time` on the host's clock. */
export interface TimerSource {
  at(time: number, fn: () => void): void;
}

/** Something woken by a HostTimers; it re-files itself if it is not due yet. Its `heapIndex` starts at -1. */
export interface TimerTarget extends HeapItem {
  onTimer(now: number): void;
}

/** A driver that can run calls on its own clock (SimNetwork). */
interface SchedulingDriver {
  at(time: number, fn: () => void): void;
}

function canSchedule(d: unknown): d is SchedulingDriver {
  return typeof (d as Partial<SchedulingDriver> | undefined)?.at === 'function';
}

/** The timer source for a host: its driver's own scheduler when it has one, else Node timers. */
export function timerSourceFor(host: Host): TimerSource {
  return {
    at(time, fn) {
      const d = host.driver;
      if (canSchedule(d)) {
        d.at(time, fn);
        return;
      }
      const t = setTimeout(fn, Math.max(0, time - host.now()));
      (t as { unref?: () => void }).unref?.();
    },
  };
}

export class HostTimers {
  private readonly heap = new KeyedTimerHeap<TimerTarget>();
  /** The earliest wake-up requested and not yet run. */
  private wakeAt: number | undefined;

  constructor(
    private readonly host: Host,
    public source: TimerSource = timerSourceFor(host),
  ) {}

  /** Wake `target` at `deadline` (host clock, ms). */
  file(deadline: number, target: TimerTarget): void {
    this.heap.schedule(deadline, target);
    this.arm();
  }

  /** Targets filed and not yet run. */
  get size(): number {
    return this.heap.size;
  }

  private arm(): void {
    const due = this.heap.peekDeadline();
    if (due === undefined || (this.wakeAt !== undefined && this.wakeAt <= due)) return;
    this.wakeAt = due;
    this.source.at(due, () => this.fire(due));
  }

  private fire(at: number): void {
    if (this.wakeAt === at) this.wakeAt = undefined;
    const now = this.host.now();
    for (let t = this.heap.popDue(now); t; t = this.heap.popDue(now)) t.onTimer(now);
    this.arm();
  }
}
