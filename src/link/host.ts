/**
 * A stack attached to something that runs it. The stack is sans-I/O; a driver gives it time, carries
 * its packets and wakes it: the simulator (virtual time), a real-time driver, a TUN device. Sockets
 * and other applications use a Host: they read its clock, and `kick` it after a call that may have
 * produced output.
 */
import type { Stack, StackEvent } from '../stack/stack.js';
import type { NetStack } from '../net/net-stack.js';
import { Udp, udpIcmpError, type UdpEvent, type UdpOptions } from '../net/udp.js';
import { CryptoRandom, type RandomSource } from '../tcp/random.js';
import { decodeIp } from '../wire/ip.js';
import { IpProtocols, type IpHandler } from './ip-protocols.js';
import type { GroMerger } from './offload.js';
import type { IpAddress } from '../wire/address.js';

function isLoopback(a: IpAddress): boolean {
  if (typeof a === 'number') return a >>> 24 === 127;
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

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
  private udpHandler: ((e: UdpEvent) => void) | undefined;
  /**
   * What the driver hands IP packets to and polls on a host without a network layer (today's
   * point-to-point IP links): the stack, until `enableUdp` puts the stack and UDP side by side
   * (IpProtocols). A host with `net` ignores it: its network layer carries both, by protocol number.
   */
  ip: IpHandler;
  /**
   * The receive offload a driver hands this host's packets through (link/offload.ts), when it merges
   * them; its packets go on to `ip`.
   */
  gro: GroMerger | undefined;
  /** The host's UDP, once `enableUdp` made it. */
  udp: Udp | undefined;
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
  ) {
    this.ip = stack;
  }

  /** An IP packet for the host, to its IP handler (`ip`): what a GroMerger hands its packets to. */
  handlePacket(bytes: Uint8Array, now: number): void {
    this.ip.handlePacket(bytes, now);
  }

  /** Merged TCP segments for the host (GroMerger), to its IP handler. */
  handleMerged(bytes: Uint8Array, now: number, groSize: number): void {
    this.ip.handleMerged(bytes, now, groSize);
  }

  /**
   * Give the host UDP beside its TCP stack (same addresses; ports chosen from the driver's random
   * source, a seeded one in the simulator). Idempotent: the second call returns the same Udp.
   */
  enableUdp(opts: Partial<Omit<UdpOptions, 'addresses'>> = {}): Udp {
    if (this.udp) return this.udp;
    const random = opts.random ?? this.driver.randomFor?.(this) ?? new CryptoRandom();
    const net = this.net;
    const selectSource =
      net === undefined
        ? undefined
        : (dst: IpAddress): IpAddress | undefined => {
            const a = net.sourceFor(dst);
            // A datagram that leaves the host never carries the loopback's address (RFC 1122 §3.2.1.3 (g)).
            return a !== undefined && isLoopback(a) && !isLoopback(dst) ? undefined : a;
          };
    const udp = new Udp({ ...opts, addresses: this.stack.addresses, random, selectSource });
    this.udp = udp;
    if (net !== undefined) {
      // One design for every host with a network layer: UDP is protocol 17's handler beside the TCP
      // Stack (protocol 6). ICMP errors quoting a UDP datagram come to it by handleIcmpError.
      net.addProtocol(17, {
        handlePacket: (bytes, now) => udp.handlePacket(bytes, now),
        pollTransmit: (now) => udp.pollTransmit(now),
        pollTimeout: () => udp.pollTimeout(),
        handleTimeout: (now) => udp.handleTimeout(now),
        handleIcmpError: (bytes) => {
          const ipp = decodeIp(bytes);
          if (ipp.ok) udpIcmpError(udp, bytes, ipp);
        },
      });
    } else this.ip = new IpProtocols(this.stack, udp);
    return udp;
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
