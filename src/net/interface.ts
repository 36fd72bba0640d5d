/**
 * A network interface: its kind, link-layer address, MTU, addresses (each with its RFC 4862 state),
 * the neighbour caches of a frames interface (ARP for IPv4, neighbour discovery for IPv6), and the
 * frames or packets waiting to leave by it.
 */
import type { IpAddress } from './addr.js';
import { NeighborCache } from './neighbor.js';

/**
 * frames: Ethernet II with a MAC address, ARP and neighbour discovery (a TAP device, a VM's NIC, a
 * simulated switch port). ip: bare IP packets, no link-layer address (a TUN device, a point-to-point
 * link). loopback: what is sent by it comes back in.
 */
export type InterfaceKind = 'frames' | 'ip' | 'loopback';

/**
 * RFC 4862 §5.4: an address is tentative until duplicate address detection passes, then preferred;
 * deprecated once its preferred lifetime ran out (still used for what already uses it); duplicate
 * when DAD found another node with it (never used). IPv4 addresses are preferred at once.
 */
export type AddressState = 'tentative' | 'preferred' | 'deprecated' | 'duplicate';
export type AddressOrigin = 'manual' | 'link-local' | 'slaac';

export interface InterfaceAddress {
  address: IpAddress;
  prefixLength: number;
  state: AddressState;
  origin: AddressOrigin;
  /** SLAAC lifetimes (ms, the stack's clock); undefined: infinite. */
  validUntil?: number;
  preferredUntil?: number;
  /** DAD: solicitations sent so far, and when the next step is due. */
  dadSent: number;
  dadAt?: number;
  /** RFC 5227: announcements still to send and when; the last time we defended the address. */
  announceLeft: number;
  announceAt?: number;
  defendedAt?: number;
}

/** Router advertisement settings (RFC 4861 §6.2.1's AdvXxx variables). */
export interface RouterAdvertSettings {
  /** MaxRtrAdvInterval (s): 600. MinRtrAdvInterval: a third of it. */
  maxInterval: number;
  minInterval: number;
  /** AdvDefaultLifetime (s): 3 * MaxRtrAdvInterval; 0 advertises no default route. */
  lifetime: number;
  /** AdvLinkMTU: the MTU option's value; default the interface's MTU, 0 for none. */
  mtu?: number;
  /** AdvCurHopLimit: 64. */
  curHopLimit: number;
  /** Prefixes; default every non-link-local IPv6 prefix of the interface (A set for /64 ones). */
  prefixes?: Array<{ prefix: string; onLink?: boolean; autonomous?: boolean; validLifetime?: number; preferredLifetime?: number }>;
}

export class NetInterface {
  readonly addresses: InterfaceAddress[] = [];
  up = true;
  /** Frames (kind frames) or packets (kind ip) to send, oldest first. */
  readonly out: Uint8Array[] = [];
  outHead = 0;
  /** The MTU the link allows; `mtu` may be lowered below it by a router advertisement's MTU option. */
  readonly linkMtu: number;
  mtu: number;
  /** IPv6 router mode (sends RAs, answers RSs) or host mode (SLAAC from RAs); undefined on a router-less link. */
  router: RouterAdvertSettings | undefined;
  /** Host mode: accept router advertisements and configure addresses by SLAAC. */
  slaac = false;
  /** DupAddrDetectTransmits (RFC 4862 §5.1): 1; 0 turns DAD off. */
  dadTransmits = 1;
  /** Router mode: when the next unsolicited RA is due, how many were sent, when the last went. */
  raAt: number | undefined;
  rasSent = 0;
  lastRaAt: number | undefined;
  /** Host mode: router solicitations sent and when the next is due (none once an RA came). */
  rsAt: number | undefined;
  rsSent = 0;

  constructor(
    readonly index: number,
    readonly name: string,
    readonly kind: InterfaceKind,
    readonly mac: Uint8Array | undefined,
    mtu: number,
    readonly arp: NeighborCache | undefined,
    readonly nd: NeighborCache | undefined,
  ) {
    this.linkMtu = mtu;
    this.mtu = mtu;
  }

  /** Addresses that may be used as a source and are accepted as a destination (preferred or deprecated). */
  usable(family: 4 | 6): InterfaceAddress[] {
    return this.addresses.filter((a) => (typeof a.address === 'number') === (family === 4) && (a.state === 'preferred' || a.state === 'deprecated'));
  }
}
