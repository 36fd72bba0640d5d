/**
 * A stack attached to something that runs it. The stack is sans-I/O; a driver gives it time, carries
 * its packets and wakes it: the simulator (virtual time), a real-time driver, a TUN device. Sockets
 * and other applications use a Host: they read its clock, and `kick` it after a call that may have
 * produced output.
 */
import type { Stack, StackEvent } from '../stack/stack.js';
import { Udp, type UdpEvent, type UdpOptions } from '../net/udp.js';
import { CryptoRandom, type RandomSource } from '../tcp/random.js';
import { IpProtocols, type IpHandler } from './ip-protocols.js';

export interface Driver {
  /** The current time (ms) of this host's clock. */
  currentTime(): number;
  /** Service the host soon: deliver its events, send its packets, re-arm its timer. */
  schedule(host: Host): void;
  /** A random source for a protocol added to the host later (UDP's ports): seeded in the simulator. */
  randomFor?(host: Host): RandomSource;
}

/** A watcher of a host (a trace collector): its stack's events, and each time it was serviced. */
export interface HostObserver {
  event?(e: StackEvent, host: Host): void;
  /** A UDP event (a datagram delivered, an ICMP error) of a host with UDP. */
  udp?(e: UdpEvent, host: Host): void;
  /** After the host's pending events were dispatched, before its packets are sent. */
  serviced?(host: Host): void;
}

export class Host {
  private handler: ((e: StackEvent) => void) | undefined;
  /** Observers (a trace collector): see every event before the handler; none unless attached. */
  private observers: HostObserver[] | undefined;
  private dispatching = false;
  private udpHandler: ((e: UdpEvent) => void) | undefined;
  /**
   * What the driver hands IP packets to and polls: the stack, until `enableUdp` puts the stack and
   * UDP side by side (IpProtocols).
   */
  ip: IpHandler;
  /** The host's UDP, once `enableUdp` made it. */
  udp: Udp | undefined;
  /** Whether the driver has this host in its service queue (the simulator's bookkeeping). */
  serviceQueued = false;

  constructor(
    readonly name: string,
    readonly stack: Stack,
    public driver: Driver,
  ) {
    this.ip = stack;
  }

  /**
   * Give the host UDP beside its TCP stack (same addresses; ports chosen from the driver's random
   * source, a seeded one in the simulator). Idempotent: the second call returns the same Udp.
   */
  enableUdp(opts: Partial<Omit<UdpOptions, 'addresses'>> = {}): Udp {
    if (this.udp) return this.udp;
    const random = opts.random ?? this.driver.randomFor?.(this) ?? new CryptoRandom();
    this.udp = new Udp({ ...opts, addresses: this.stack.addresses, random });
    this.ip = new IpProtocols(this.stack, this.udp);
    return this.udp;
  }

  /** Where UDP's events go (the socket layer sets this once). */
  onUdpEvent(handler: (e: UdpEvent) => void): void {
    this.udpHandler = handler;
  }

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
      const udp = this.udp;
      if (udp) {
        for (let e = udp.pollEvent(); e; e = udp.pollEvent()) {
          if (this.observers) for (const o of this.observers) o.udp?.(e, this);
          if (e.type === 'message') udp.consumed(e.endpoint);
          this.udpHandler?.(e);
        }
      }
      if (this.observers) for (const o of this.observers) o.serviced?.(this);
    } finally {
      this.dispatching = false;
    }
  }
}
