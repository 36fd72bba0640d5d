/**
 * The simulator on the wall clock. A SimNetwork normally jumps from event to event as fast as the
 * CPU allows; applications that keep real timers (Node's http keep-alive timeouts, a socket's
 * setTimeout, a test that waits 50 ms) then see the network run far ahead of them. A RealtimeDriver
 * runs the *same* SimNetwork (links, impairments, seeds) with virtual time tied to the wall clock:
 * one real timer (setTimeout) is armed for the earliest pending event and fires at its due time;
 * a host kicked by the application is serviced on the next turn of the event loop (setImmediate).
 *
 * Why one network with two drivers rather than a second simulator: the packet path, impairments and
 * hosts stay in one place, and a scenario moves between virtual and real time by attaching or
 * detaching the driver. What is lost in real time is reproducibility: when the application's calls
 * land depends on the machine, so two runs with one seed may differ (the network's own random
 * choices still come from the seed, in the order packets arrive).
 *
 * Events are handled in order, each at its own due time, even when the timer fires late (a busy
 * event loop): the virtual clock never runs backwards and never skips an event. `speed` scales time:
 * 10 runs ten virtual milliseconds per wall millisecond.
 */
import type { SimNetwork } from './sim.js';
import { DeadlineTimer } from './deadline-timer.js';

export interface RealtimeOptions {
  /** Virtual milliseconds per wall millisecond (default 1: real time). */
  speed?: number;
  /** The wall clock in ms (default performance.now); injectable for tests. */
  clock?: () => number;
}

interface Waiter {
  done: () => boolean;
  resolve: (t: number) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RealtimeDriver {
  private readonly speed: number;
  private readonly clock: () => number;
  private wallStart = 0;
  private virtualStart = 0;
  private running = false;
  /** A timer may fire a little early (millisecond rounding): run() then handles nothing and re-arms. */
  private readonly timer = new DeadlineTimer(() => this.run());
  private immediate: (() => void) | undefined;
  private readonly waiters = new Set<Waiter>();
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly net: SimNetwork,
    opts: RealtimeOptions = {},
  ) {
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError('speed must be positive');
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** The virtual time the wall clock says it is. */
  virtualNow(): number {
    return this.virtualStart + (this.clock() - this.wallStart) * this.speed;
  }

  /** Tie the network's clock to the wall clock from now on (virtual time continues from net.now). */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.wallStart = this.clock();
    this.virtualStart = this.net.now;
    this.net.attachClock(
      () => this.virtualNow(),
      () => this.wake(),
    );
    this.wake();
    return this;
  }

  /** Detach: the network is back on virtual time, at the time it had reached. Pending waits are rejected. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.net.attachClock(undefined);
    this.timer.cancel();
    this.immediate?.();
    this.immediate = undefined;
    for (const w of this.waiters) this.settle(w, new Error(`realtime driver stopped at t=${this.net.now} ms`));
  }

  /**
   * Resolve (with the virtual time) once `done()` holds; checked after every run of the network and
   * every few milliseconds in between (for conditions the application changes by itself). Rejects
   * after `timeoutMs` of wall time.
   */
  until(done: () => boolean, timeoutMs = 30_000): Promise<number> {
    if (!this.running) this.start();
    if (done()) return Promise.resolve(this.net.now);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        done,
        resolve,
        reject,
        timer: setTimeout(() => this.settle(w, new Error(`realtime: condition not met within ${timeoutMs} ms of wall time (t=${this.net.now} ms)`)), timeoutMs),
      };
      this.waiters.add(w);
      this.poll ??= setInterval(() => this.checkWaiters(), 5);
    });
  }

  /** Run the network soon (a host was kicked or an event added from outside a run). */
  private wake(): void {
    if (!this.running || this.immediate) return;
    this.immediate = soon(() => {
      this.immediate = undefined;
      this.run();
    });
  }

  private run(): void {
    if (!this.running) return;
    this.net.advanceTo(this.virtualNow());
    this.arm();
    this.checkWaiters();
  }

  /** One timer, for the earliest pending event. */
  private arm(): void {
    const due = this.net.nextEventTime();
    this.timer.set(due, due === undefined ? 0 : (due - this.virtualNow()) / this.speed);
  }


  private checkWaiters(): void {
    for (const w of this.waiters) {
      let ok: boolean;
      try {
        ok = w.done();
      } catch (e) {
        this.settle(w, e as Error);
        continue;
      }
      if (ok) this.settle(w);
    }
  }

  private settle(w: Waiter, error?: Error): void {
    if (!this.waiters.delete(w)) return;
    clearTimeout(w.timer);
    if (this.waiters.size === 0 && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
    if (error) w.reject(error);
    else w.resolve(this.net.now);
  }
}

/** Run `fn` on the next turn of the event loop (setImmediate in Node, a zero timeout elsewhere); returns a cancel. */
function soon(fn: () => void): () => void {
  if (typeof setImmediate === 'function') {
    const h = setImmediate(fn);
    return () => clearImmediate(h);
  }
  const h = setTimeout(fn, 0);
  return () => clearTimeout(h);
}
