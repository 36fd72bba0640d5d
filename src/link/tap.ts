/**
 * A FrameHost on a TAP device: the Linux kernel becomes an Ethernet neighbour of synack. The device
 * (IFF_TAP through the TUN addon, native/tun.c) carries whole frames both ways; its link is brought up
 * with the MTU and no address: the kernel's side configures itself (its DHCP client, SLAAC) as a
 * guest would. Node only (the addon and iproute2).
 */
import { TunDevice, ipCommand, type TunOptions } from './tun.js';
import type { FrameEvent, FrameHost } from './frame-host.js';

export interface TapLinkOptions extends Omit<TunOptions, 'kind'> {
  /** Leave the link down (the caller brings it up). Default false: up at once. */
  noUp?: boolean;
}

export class TapLink {
  readonly device: TunDevice;
  private readonly onFrame: (ev: Event) => void;
  private closed = false;

  constructor(
    readonly frames: FrameHost,
    name: string,
    opts: TapLinkOptions = {},
  ) {
    this.device = TunDevice.open(name, { ...opts, kind: 'tap', mtu: opts.mtu ?? frames.iface.mtu });
    try {
      ipCommand(['link', 'set', 'dev', this.device.name, 'mtu', String(this.device.mtu)]);
      if (!opts.noUp) ipCommand(['link', 'set', 'dev', this.device.name, 'up']);
    } catch (e) {
      this.device.close();
      throw e;
    }
    this.onFrame = (ev) => this.device.send((ev as FrameEvent).frame);
    frames.addEventListener('frame', this.onFrame);
    this.device.start(
      (frame) => frames.receive(frame),
      () => undefined,
    );
  }

  /** Stop moving frames and remove the device (the FrameHost stays; close it yourself). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.frames.removeEventListener('frame', this.onFrame);
    this.device.close();
  }
}
