/**
 * A Linux TAP device as an interface of synack's network layer: the kernel hands synack Ethernet
 * frames (IFF_TAP | IFF_NO_PI) and takes synack's, so the kernel is an Ethernet neighbour that
 * resolves synack's addresses by ARP and neighbour discovery, as a guest's NIC would. The frames go
 * to and from one `frames` interface of a NetStack; its timers run on the wall clock (one timer for
 * the earliest deadline). Uses the TUN addon (native/tun.c) with its TAP flag; throws
 * TunUnavailableError naming what is missing, as TunDevice does.
 */
import { DeadlineTimer } from './deadline-timer.js';
import { TunDevice, type TunOptions } from './tun.js';
import type { NetStack } from '../net/net-stack.js';

export interface TapLinkOptions extends Omit<TunOptions, 'ethernet'> {
  /** The clock (ms); default performance.now(). */
  clock?: () => number;
}

export class TapLink {
  readonly device: TunDevice;
  private readonly clock: () => number;
  private readonly timer: DeadlineTimer;
  private closed = false;
  /** Frames for interfaces other than this link's (another driver's): dropped, counted. */
  otherInterfaceDrops = 0;

  constructor(
    readonly net: NetStack,
    readonly ifIndex: number,
    name: string,
    opts: TapLinkOptions = {},
  ) {
    const iface = net.interface(ifIndex);
    if (iface.kind !== 'frames') throw new RangeError(`TapLink: interface ${iface.name} is of kind ${iface.kind}, not frames`);
    this.device = TunDevice.open(name, { ...opts, ethernet: true, mtu: opts.mtu ?? iface.mtu });
    this.clock = opts.clock ?? (() => performance.now());
    this.timer = new DeadlineTimer(() => this.service(), { unref: true });
  }

  /** The device's name (the kernel may have chosen it). */
  get name(): string {
    return this.device.name;
  }

  /** Start moving frames; call `kick` after calls that may have given the stack something to send. */
  start(): void {
    this.device.start(
      (frame) => this.net.handleFrame(this.ifIndex, frame, this.clock()),
      () => this.service(),
    );
    this.service();
  }

  /** Run what is due, send what is queued, re-arm the timer. */
  kick(): void {
    this.service();
  }

  private service(): void {
    if (this.closed) return;
    const now = this.clock();
    const due = this.net.pollTimeout();
    if (due !== undefined && due <= now) this.net.handleTimeout(now);
    for (let f = this.net.pollFrame(now); f; f = this.net.pollFrame(now)) {
      if (f.ifIndex === this.ifIndex) this.device.send(f.frame);
      else this.otherInterfaceDrops++;
    }
    const next = this.net.pollTimeout();
    this.timer.set(next, next === undefined ? 0 : next - this.clock());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer.cancel();
    this.device.close();
  }
}
