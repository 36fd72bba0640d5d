/**
 * A stack on a real packet device (a TUN device, a UDP socket, anything that moves IP packets) on the
 * wall clock. The DeviceDriver is the Host's driver: it feeds received packets to the stack, writes the
 * stack's output to the device, and keeps one timer armed for the stack's earliest deadline.
 *
 * Received packets are handed to the stack as they come (a batch from one readable event), and the
 * host is serviced once after the batch: events go to the sockets, output goes to the device. A
 * user call (`host.kick()`) is serviced on the next turn of the event loop.
 *
 * Segmentation offload (link/offload.ts) is off unless asked for: a stack made with `gsoMaxSize` has
 * its large packets cut here into wire packets before the device sees them, and `gro: true` merges
 * the packets of one batch that continue each other before the stack. A device that does the
 * offload itself (PacketSink.sendOffloaded, `receiveOffloaded`: a TUN device with IFF_VNET_HDR) takes
 * the large packets whole and hands over its own.
 */
import { soon } from './soon.js';
import { Host, type Driver } from './host.js';
import type { Stack } from '../stack/stack.js';
import { DeadlineTimer } from './deadline-timer.js';
import { GroMerger, GsoSegmenter } from './offload.js';
import { withTcpChecksum } from '../wire/packet.js';

/** Where the driver sends packets: one IP packet per call. Returns false when the packet was dropped. */
export interface PacketSink {
  send(packet: Uint8Array): boolean;
  /**
   * A device that cuts TCP super-packets itself (a TUN device with offload): takes the stack's
   * offloaded packet (Stack.transmitGsoSize) whole, with the size of its pieces. Without it, the
   * driver cuts them (GsoSegmenter) and sends the pieces.
   */
  sendOffloaded?(packet: Uint8Array, gsoSize: number): boolean;
}

/** Called for every packet in ('in') and out ('out'), e.g. a pcap writer. */
export type PacketTap = (packet: Uint8Array, direction: 'in' | 'out', timeMs: number) => void;

export interface DeviceDriverOptions {
  /** Host name (for listings and messages). */
  name?: string;
  /** The wall clock in ms (default performance.now). */
  clock?: () => number;
  tap?: PacketTap;
  /**
   * Receive offload: merge the TCP segments of one batch (`receive` calls before a `flush`) that
   * continue each other before the stack (GroMerger). Default false.
   */
  gro?: boolean;
}

export interface DeviceDriverStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Packets the device would not take (it was full). */
  sendDrops: number;
  /** Super-packets handed to the device whole (sendOffloaded) and taken from it (receiveOffloaded). */
  gsoPacketsOut: number;
  gsoPacketsIn: number;
}

export class DeviceDriver implements Driver {
  readonly host: Host;
  readonly stats: DeviceDriverStats = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, sendDrops: 0, gsoPacketsOut: 0, gsoPacketsIn: 0 };
  private readonly clock: () => number;
  private readonly origin: number;
  private readonly tap: PacketTap | undefined;
  private readonly timer = new DeadlineTimer(() => this.service());
  private immediate: (() => void) | undefined;
  private servicing = false;
  private again = false;
  private stopped = false;
  private readonly gso = new GsoSegmenter();
  private readonly pieces: Uint8Array[] = [];
  /** Where an offloaded packet is gathered for a device that cuts it itself (see gather). */
  private gathered: Uint8Array | undefined;

  constructor(
    readonly stack: Stack,
    private readonly sink: PacketSink,
    opts: DeviceDriverOptions = {},
  ) {
    this.clock = opts.clock ?? (() => performance.now());
    this.origin = this.clock();
    this.tap = opts.tap;
    this.host = new Host(opts.name ?? 'synack', stack, this);
    if (opts.gro === true) this.host.gro = new GroMerger(this.host, !stack.trustChecksums);
  }

  currentTime(): number {
    return this.clock() - this.origin;
  }

  schedule(_host: Host): void {
    if (this.stopped) return;
    if (this.servicing) {
      this.again = true;
      return;
    }
    this.immediate ??= soon(() => {
      this.immediate = undefined;
      this.service();
    });
  }

  /** Hand one received IP packet to the stack (call `flush` after a batch). */
  receive(packet: Uint8Array): void {
    if (this.stopped) return;
    const now = this.currentTime();
    this.stats.packetsIn++;
    this.stats.bytesIn += packet.length;
    this.tap?.(packet, 'in', now);
    const gro = this.host.gro;
    if (gro !== undefined) gro.receive(packet, now);
    else this.host.ip.handlePacket(packet, now);
  }

  /**
   * Hand the stack a packet the device says more of (a TUN device with offload): `gsoSize` > 0, a
   * super-packet of TCP segments of that size, taken as the segments it holds (Stack.handleMerged,
   * as a GRO merge: each part counts, for delayed ACKs too); `checksumVouched`, its TCP checksum is
   * not summed (Stack.handleChecksumVouched). The capture (tap) gets a copy with the TCP checksum
   * filled in, so it reads as valid where the kernel left a partial sum.
   */
  receiveOffloaded(packet: Uint8Array, gsoSize: number, checksumVouched: boolean): void {
    if (this.stopped) return;
    const now = this.currentTime();
    this.stats.packetsIn++;
    this.stats.bytesIn += packet.length;
    if (this.tap !== undefined) this.tap(checksumVouched ? withTcpChecksum(packet) : packet, 'in', now);
    // What a merger holds comes first: a flow's packets keep their order.
    this.host.gro?.flush(now);
    if (gsoSize > 0) {
      this.stats.gsoPacketsIn++;
      this.stack.handleMerged(packet, now, gsoSize);
    } else if (checksumVouched) this.stack.handleChecksumVouched(packet, now);
    else this.host.ip.handlePacket(packet, now);
  }

  /** After a batch of `receive`s: deliver events and send what the stack has to send, now. */
  flush(): void {
    if (this.stopped) return;
    this.host.gro?.flush(this.currentTime());
    this.service();
  }

  /** Stop the clock and the timers; packets received after this are ignored. */
  stop(): void {
    this.stopped = true;
    this.timer.cancel();
    this.immediate?.();
    this.immediate = undefined;
  }

  private service(): void {
    if (this.servicing) {
      this.again = true;
      return;
    }
    this.servicing = true;
    try {
      // Bounded: an application that keeps producing output on every event cannot hold the loop.
      for (let round = 0; round < 64; round++) {
        this.again = false;
        const now = this.currentTime();
        const due = this.host.ip.pollTimeout();
        if (due !== undefined && due <= now) this.host.ip.handleTimeout(now);
        this.host.dispatchEvents();
        this.transmit();
        if (!this.again) break;
      }
    } finally {
      this.servicing = false;
    }
    if (this.again) this.schedule(this.host);
    this.arm();
  }

  private transmit(): void {
    const now = this.currentTime();
    const ip = this.host.ip;
    for (let p = ip.pollTransmit(now); p; p = ip.pollTransmit(now)) {
      if (ip.transmitGsoSize === 0) {
        this.send(p, now);
        continue;
      }
      if (this.sink.sendOffloaded !== undefined) {
        this.sendOffloaded(this.gather(p, ip.transmitGsoPayload), ip.transmitGsoSize, now);
        continue;
      }
      const pieces = this.pieces;
      this.gso.cut(p, ip.transmitGsoSize, !this.stack.checksumOffload, pieces, ip.transmitGsoPayload);
      for (let i = 0; i < pieces.length; i++) this.send(pieces[i], now);
      pieces.length = 0;
    }
  }

  private send(p: Uint8Array, now: number): void {
    this.tap?.(p, 'out', now);
    if (this.sink.send(p)) {
      this.stats.packetsOut++;
      this.stats.bytesOut += p.length;
    } else this.stats.sendDrops++;
  }

  /**
   * An offloaded packet whole: the stack hands over its headers and a view of the send buffer
   * (Stack.transmitGsoPayload), and a device that cuts it itself takes one packet. Written into one
   * buffer the driver keeps, which the device has consumed when sendOffloaded returns.
   */
  private gather(headers: Uint8Array, payload: Uint8Array): Uint8Array {
    const length = headers.length + payload.length;
    if (this.gathered === undefined || this.gathered.length < length) this.gathered = new Uint8Array(Math.max(length, 0x10000));
    const packet = this.gathered.subarray(0, length);
    packet.set(headers, 0);
    packet.set(payload, headers.length);
    return packet;
  }

  private sendOffloaded(p: Uint8Array, gsoSize: number, now: number): void {
    // The capture shows the super-packet as handed to the device, its TCP checksum complete (the
    // device is given only the pseudo-header sum).
    if (this.tap !== undefined) this.tap(withTcpChecksum(p), 'out', now);
    if (this.sink.sendOffloaded!(p, gsoSize)) {
      this.stats.packetsOut++;
      this.stats.gsoPacketsOut++;
      this.stats.bytesOut += p.length;
    } else this.stats.sendDrops++;
  }

  /** One timer, for the stack's earliest deadline. */
  private arm(): void {
    if (this.stopped) return;
    const due = this.host.ip.pollTimeout();
    this.timer.set(due, due === undefined ? 0 : due - this.currentTime());
  }

}

/**
 * Resolves once every connection of `stack` is done sending (none left, or only TIME-WAIT), or after
 * `maxMs`. A socket closes when its FIN is queued; the stack still has to deliver the tail and the FIN,
 * so a program closes its link only after this.
 */
export function settled(stack: Stack, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  const done = (): boolean => {
    for (const c of stack.connections()) if (c.state !== 'TIME-WAIT' && c.state !== 'CLOSED') return false;
    return true;
  };
  return new Promise((resolve) => {
    const check = (): void => {
      if (done()) resolve(true);
      else if (Date.now() >= deadline) resolve(false);
      else setTimeout(check, 10);
    };
    check();
  });
}
