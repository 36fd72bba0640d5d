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
 *
 * What keeps a Node process alive is what the application holds, as with node:net: an open Socket
 * or a listening Server (each until closed, or until unref'd) takes a hold on the event loop
 * (`holdEventLoop`), and the driver keeps the loop alive while any hold on its network remains. Its
 * own timer is unref'd: the stack's timers (TIME-WAIT's 60 s, an orphaned FIN-WAIT-2, a retransmission
 * of a connection nobody holds) keep running while the process lives, and never hold it open. A
 * pending `until()` holds the loop as well, since the application awaits it.
 */
import { soon } from './soon.js';
import type { SimNetwork } from './sim.js';
import { DeadlineTimer } from './deadline-timer.js';

export interface RealtimeOptions {
  /** Virtual milliseconds per wall millisecond (default 1: real time). */
  speed?: number;
  /** The wall clock in ms (default performance.now); injectable for tests. */
  clock?: () => number;
}

/** The application's holds on the event loop for one network (keyed by the hosts' driver). */
class LoopHolds {
  count = 0;
  readonly drivers = new Set<RealtimeDriver>();
}

const holdsByDriver = new WeakMap<object, LoopHolds>();

function holdsOf(driver: object): LoopHolds {
  let h = holdsByDriver.get(driver);
  if (!h) {
    h = new LoopHolds();
    holdsByDriver.set(driver, h);
  }
  return h;
}

/**
 * Keep the event loop alive on behalf of an application handle (a socket, a server) of a host whose
 * driver is `driver` (host.driver), while a RealtimeDriver runs that network; returns the release
 * (idempotent). Under virtual time, or another driver, a hold changes nothing.
 */
export function holdEventLoop(driver: object): () => void {
  const h = holdsOf(driver);
  h.count++;
  for (const d of h.drivers) d.refreshHold();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    h.count--;
    for (const d of h.drivers) d.refreshHold();
  };
}

/** The longest delay a Node timer takes; the keeper never needs to fire. */
const KEEPER_MS = 2 ** 31 - 1;

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
  private readonly timer = new DeadlineTimer(() => this.run(), { unref: true });
  /** A ref'd interval that never fires, present while the application holds the loop. */
  private keeper: ReturnType<typeof setInterval> | undefined;
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
    holdsOf(this.net).drivers.add(this);
    this.refreshHold();
    this.wake();
    return this;
  }

  /** Detach: the network is back on virtual time, at the time it had reached. Pending waits are rejected. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.net.attachClock(undefined);
    holdsOf(this.net).drivers.delete(this);
    this.refreshHold();
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

  /** Keep the loop alive exactly while running with holds on the network (see holdEventLoop). */
  refreshHold(): void {
    const want = this.running && holdsOf(this.net).count > 0;
    if (want && this.keeper === undefined) {
      this.keeper = setInterval(() => undefined, KEEPER_MS);
    } else if (!want && this.keeper !== undefined) {
      clearInterval(this.keeper);
      this.keeper = undefined;
    }
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

