/**
 * v86's network device on synack: v86 (the x86 emulator) moves its NIC's frames over its message
 * bus. A frame the guest sends arrives as a `net0-send` message (one Uint8Array, the whole Ethernet
 * frame); a frame for the guest goes back as a `net0-receive` message. `attachV86(emulator, options)`
 * registers for the first and sends the second, with synack as the gateway of that link (router,
 * DHCP server, DNS server, IPv6 router: see createGateway). The guest then runs its own DHCP client
 * and SLAAC, as on any network.
 *
 * Browser-safe: no Node built-in. Nothing is copied from v86; only its two message names and the
 * bus's register/send calls are relied on.
 */
import { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
import type { FrameEvent } from '../link/frame-host.js';

/** The part of v86's bus this adapter uses. */
export interface V86Bus {
  register(name: string, fn: (data: Uint8Array) => void, thisValue?: unknown): void;
  send(name: string, data: Uint8Array): void;
  unregister?(name: string, fn: (data: Uint8Array) => void): void;
}

/** A V86 emulator (its `bus`) or the bus itself. */
export type V86Like = { bus: V86Bus } | V86Bus;

export interface V86Options extends GatewayOptions {
  /** The NIC's bus prefix (default "net0"): messages `${nic}-send` and `${nic}-receive`. */
  nic?: string;
}

export interface V86Attachment extends Gateway {
  /** Stop: unregister from the bus, close the services and the host. */
  detach(): Promise<void>;
}

function busOf(x: V86Like): V86Bus {
  const b = (x as { bus?: V86Bus }).bus ?? (x as V86Bus);
  if (b === null || typeof b !== 'object' || typeof b.register !== 'function' || typeof b.send !== 'function') {
    throw new TypeError('attachV86: expected a V86 emulator or its bus (with register and send)');
  }
  return b;
}

export function attachV86(emulatorOrBus: V86Like, opts: V86Options = {}): V86Attachment {
  const bus = busOf(emulatorOrBus);
  const nic = opts.nic ?? 'net0';
  const gw = createGateway({ name: 'v86-gateway', ...opts });
  const fromGuest = (data: Uint8Array) => {
    if (data instanceof Uint8Array) gw.frames.receive(data);
  };
  const toGuest = (ev: Event) => bus.send(`${nic}-receive`, (ev as FrameEvent).frame);
  gw.frames.addEventListener('frame', toGuest);
  bus.register(`${nic}-send`, fromGuest);
  const detach = async () => {
    bus.unregister?.(`${nic}-send`, fromGuest);
    gw.frames.removeEventListener('frame', toGuest);
    await gw.close();
  };
  return { ...gw, detach, close: detach };
}
