/**
 * A stack attached to something that runs it. The stack is sans-I/O; a driver gives it time, carries
 * its packets and wakes it: the simulator (virtual time), a real-time driver, a TUN device. Sockets
 * and other applications use a Host: they read its clock, and `kick` it after a call that may have
 * produced output.
 */
import type { Stack, StackEvent } from '../stack/stack.js';

export interface Driver {
  /** The current time (ms) of this host's clock. */
  currentTime(): number;
  /** Service the host soon: deliver its events, send its packets, re-arm its timer. */
  schedule(host: Host): void;
}

/** A watcher of a host (a trace collector): its stack's events, and each time it was serviced. */
export interface HostObserver {
  event?(e: StackEvent, host: Host): void;
  /** After the host's pending events were dispatched, before its packets are sent. */
  serviced?(host: Host): void;
}

export type HostEventListener = (e: StackEvent) => void;

export class Host {
  /**
   * Who hears the stack's events, in the order they were added. Replaced, never changed in place, so
   * a listener added or removed during a dispatch takes effect from the next event and the loop in
   * progress walks the array it started with.
   */
  private listeners: readonly HostEventListener[] = [];
  /** Observers (a trace collector): see every event before the listeners; none unless attached. */
  private observers: HostObserver[] | undefined;
  private dispatching = false;
  /** Whether the driver has this host in its service queue (the simulator's bookkeeping). */
  serviceQueued = false;

  constructor(
    readonly name: string,
    readonly stack: Stack,
    public driver: Driver,
  ) {}

  now(): number {
    return this.driver.currentTime();
  }

  /** Ask the driver for service (after a user call that may have produced output). */
  kick(): void {
    this.driver.schedule(this);
  }

  /**
   * Hear the stack's events: every listener hears every event, in the order listeners were added
   * (the socket layer adds one per host; applications driving the stack directly add their own).
   * Adding the same function twice adds it once. Returns a function that removes the listener.
   */
  onEvent(listener: HostEventListener): () => void {
    if (!this.listeners.includes(listener)) this.listeners = [...this.listeners, listener];
    return () => this.offEvent(listener);
  }

  /** Stop `listener` hearing events (no-op when it is not listening). */
  offEvent(listener: HostEventListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners = [...this.listeners.slice(0, i), ...this.listeners.slice(i + 1)];
  }

  /** How many listeners hear this host's events. */
  get eventListenerCount(): number {
    return this.listeners.length;
  }

  /** Watch this host's stack events before the listeners hear them, and each service round (tracing). */
  observe(o: HostObserver): void {
    (this.observers ??= []).push(o);
  }

  /** Hand pending stack events to the listeners; drivers call this when they service the host. */
  dispatchEvents(): void {
    if (this.dispatching) return; // an event handler's own calls will be serviced on the next round
    this.dispatching = true;
    try {
      for (let e = this.stack.pollEvent(); e; e = this.stack.pollEvent()) {
        if (this.observers) for (const o of this.observers) o.event?.(e, this);
        const ls = this.listeners;
        for (let i = 0; i < ls.length; i++) ls[i](e);
      }
      if (this.observers) for (const o of this.observers) o.serviced?.(this);
    } finally {
      this.dispatching = false;
    }
  }
}
