/**
 * A FrameHost on a TAP device (TapLink, in tap.ts, is the same for a bare NetStack with its own
 * timer; a FrameHost drives its NetStack itself, so this only moves frames): the Linux kernel becomes
 * an Ethernet neighbour of synack. The device
 * (IFF_TAP through the TUN addon, native/tun.c) carries whole frames both ways; its link is brought up
 * with the MTU and no address: the kernel's side configures itself (its DHCP client, SLAAC) as a
 * guest would. Node only (the addon and iproute2).
 */
import { TunDevice, ip, type TunOptions } from './tun.js';
import type { FrameEvent, FrameHost } from './frame-host.js';

export interface FrameTapLinkOptions extends Omit<TunOptions, 'ethernet'> {
  /** Leave the link down (the caller brings it up). Default false: up at once. */
  noUp?: boolean;
}

export class FrameTapLink {
  readonly device: TunDevice;
  private readonly onFrame: (ev: Event) => void;
  private closed = false;

  constructor(
    readonly frames: FrameHost,
    name: string,
    opts: FrameTapLinkOptions = {},
  ) {
    this.device = TunDevice.open(name, { ...opts, ethernet: true, mtu: opts.mtu ?? frames.iface.mtu });
    try {
      ip(['link', 'set', 'dev', this.device.name, 'mtu', String(this.device.mtu)]);
      if (!opts.noUp) ip(['link', 'set', 'dev', this.device.name, 'up']);
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
