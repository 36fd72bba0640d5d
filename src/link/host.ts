/**
 * A stack attached to something that runs it. The stack is sans-I/O; a driver gives it time, carries
 * its packets and wakes it: the simulator (virtual time), a real-time driver, a TUN device. Sockets
 * and other applications use a Host: they read its clock, and `kick` it after a call that may have
 * produced output.
 */
import type { Stack, StackEvent } from '../stack/stack.js';
import type { NetStack } from '../net/net-stack.js';

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

export class Host {
  private handler: ((e: StackEvent) => void) | undefined;
  /** Observers (a trace collector): see every event before the handler; none unless attached. */
  private observers: HostObserver[] | undefined;
  private dispatching = false;
  /** Whether the driver has this host in its service queue (the simulator's bookkeeping). */
  serviceQueued = false;
  /**
   * The host's network layer when it has interfaces of its own (a simulator node: Ethernet, ARP,
   * NDP, routes, forwarding); the driver then moves its frames and packets, and `stack` is the TCP
   * above it. Undefined for a host on today's point-to-point IP links.
   */
  net: NetStack | undefined;

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

  /** Where the stack's events go (the socket layer sets this once). */
  onEvent(handler: (e: StackEvent) => void): void {
    this.handler = handler;
  }

  /** Watch this host's stack events without taking them from the handler (tracing). */
  observe(o: HostObserver): void {
    (this.observers ??= []).push(o);
  }

  /** Hand pending stack events to the handler; drivers call this when they service the host. */
  dispatchEvents(): void {
    if (this.dispatching) return; // an event handler's own calls will be serviced on the next round
    this.dispatching = true;
    try {
      for (let e = this.stack.pollEvent(); e; e = this.stack.pollEvent()) {
        if (this.observers) for (const o of this.observers) o.event?.(e, this);
        this.handler?.(e);
      }
      if (this.observers) for (const o of this.observers) o.serviced?.(this);
    } finally {
      this.dispatching = false;
    }
  }
}
