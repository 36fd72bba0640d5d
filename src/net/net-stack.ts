/**
 * The network layer of a host or router, sans-I/O: interfaces (Ethernet frames with ARP and IPv6
 * neighbour discovery, bare IP packets, a loopback), their addresses, a routing table, optional
 * forwarding between interfaces, ICMP (echo, and the errors a network layer owes), and IP protocol
 * handlers above it (the TCP Stack for protocol 6, UDP for 17: anything in the Stack's shape).
 *
 * Frames and packets are pushed in (`handleFrame`, `handlePacket`) and pulled out (`pollFrame`,
 * `pollPacket`); `pollTimeout` / `handleTimeout` drive its timers (neighbour caches, DAD, router
 * advertisements and solicitations, lifetimes) and its handlers'. Nothing here reads a clock or does
 * I/O; randomness (RFC 4861's random delays) comes from the injected source.
 *
 * Weak host model (RFC 1122 §3.3.4.2): a packet to any of our addresses is ours whichever interface it
 * came in by. Not done (counted drops): IPv4 reassembly, IPv6 extension headers beyond walking them,
 * ICMP redirects (neither sent nor obeyed), VLAN-tagged frames.
 */
import { decodeArp, arpReplyFor, arpRequest, gratuitousArp, ArpOperation } from '../wire/arp.js';
import { BROADCAST_MAC, decodeEthernet, encodeEthernet, EtherType, isMulticastMac, parseMac } from '../wire/ethernet.js';
import { decodeIcmp, encodeIcmpPacket, echoReplyFor, Icmp4Type, Icmp6Type } from '../wire/icmp.js';
import { decodeIp, IpProtocol, type IpPacket } from '../wire/ip.js';
import { ALL_NODES, ALL_ROUTERS, decodeNdpPacket, encodeNdpPacket, ipv6MulticastMac, NDP_HOP_LIMIT, solicitedNodeAddress, type NdpPacket } from '../wire/ndp.js';
import { internetChecksum } from '../wire/checksum.js';
import { put16 } from '../wire/bytes.js';
import { CryptoRandom, type RandomSource } from '../tcp/random.js';
import { familyOf, ipToString, sameAddr, sameMac, type IpAddress } from './addr.js';
import { icmpErrorFor, IcmpRateLimit, mayAnswerWithError, type IcmpErrorKind } from './icmp-errors.js';
import { NetInterface, type InterfaceAddress, type InterfaceKind, type RouterAdvertSettings } from './interface.js';
import { NeighborCache, type NeighborEntry, type NeighborParams } from './neighbor.js';
import {
  broadcastOf,
  eui64InterfaceId,
  inPrefix,
  isLinkLocal6,
  isMulticast4,
  isMulticast6,
  isUnspecified6,
  LIMITED_BROADCAST,
  linkLocalFor,
  networkOf,
  parsePrefix,
  withInterfaceId,
} from './prefix.js';
import { RoutingTable, type Route } from './routes.js';

/** What sits above the network layer for one IP protocol: the TCP Stack's sans-I/O shape. */
export interface IpProtocolHandler {
  /** A whole IP packet for this protocol, addressed to us; `ifIndex` says which interface it came in by. */
  handlePacket(bytes: Uint8Array, now: number, ifIndex?: number): void;
  /** Whole IP packets to send (the network layer routes them). */
  pollTransmit(now: number): Uint8Array | undefined;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  /**
   * An ICMP error (the whole ICMP packet) quoting a packet of this protocol. Without it such errors go
   * to handlePacket (the TCP Stack takes them there).
   */
  handleIcmpError?(bytes: Uint8Array, now: number): void;
  /** When present, kept equal to the stack's usable addresses (the TCP Stack's and UDP's lists). */
  addresses?: IpAddress[];
}

/** RFC 4861 §10 and RFC 4862 constants (ms unless said). */
export const ND = Object.freeze({
  MAX_INITIAL_RTR_ADVERT_INTERVAL: 16_000,
  MAX_INITIAL_RTR_ADVERTISEMENTS: 3,
  MIN_DELAY_BETWEEN_RAS: 3000,
  MAX_RA_DELAY_TIME: 500,
  MAX_RTR_SOLICITATION_DELAY: 1000,
  RTR_SOLICITATION_INTERVAL: 4000,
  MAX_RTR_SOLICITATIONS: 3,
  /** RFC 4862 §5.5.3 (e): the two hours below which a received valid lifetime cannot shorten ours. */
  TWO_HOURS: 7_200_000,
});

/** RFC 5227 §1.1: ANNOUNCE_NUM 2, ANNOUNCE_INTERVAL 2 s, DEFEND_INTERVAL 10 s. */
export const ACD = Object.freeze({ ANNOUNCE_NUM: 2, ANNOUNCE_INTERVAL: 2000, DEFEND_INTERVAL: 10_000 });

/** RFC 4293's IP counters (ipSystemStats*), ICMP's, and the link layer's drops. */
export class NetCounters {
  InReceives = 0;
  InHdrErrors = 0;
  InAddrErrors = 0;
  InUnknownProtos = 0;
  InDelivers = 0;
  /** Packets we could not take: martians, fragments (no reassembly), tentative destinations. */
  InDiscards = 0;
  ReasmFails = 0;
  ForwDatagrams = 0;
  OutRequests = 0;
  OutNoRoutes = 0;
  OutDiscards = 0;
  FragOKs = 0;
  FragFails = 0;
  FragCreates = 0;
  InEchos = 0;
  OutEchoReps = 0;
  InEchoReps = 0;
  OutTimeExcds = 0;
  OutDestUnreachs = 0;
  OutPktTooBigs = 0;
  OutParmProbs = 0;
  /** ICMP errors the rate limit held back. */
  OutIcmpRateLimited = 0;
  /** ICMP messages dropped for a bad checksum or format, ND messages that failed RFC 4861's checks. */
  InIcmpErrors = 0;
  InNdInvalid = 0;
  InFrames = 0;
  OutFrames = 0;
  /** Frames that did not decode, tagged frames (no VLAN support), unknown EtherTypes, frames for another MAC. */
  InFrameErrors = 0;
  InVlanDrops = 0;
  InUnknownEtherTypes = 0;
  InFramesNotForUs = 0;
  InArpErrors = 0;
  /** A neighbour we sent to has one of our addresses (RFC 5227 conflict, RFC 4862 duplicate after DAD). */
  AddressConflicts = 0;
  DadFailures = 0;
}

export type NetEvent =
  | { type: 'address'; ifIndex: number; address: IpAddress; prefixLength: number; state: 'preferred' | 'duplicate' | 'removed' | 'deprecated' }
  | { type: 'conflict'; ifIndex: number; address: IpAddress; mac: Uint8Array }
  | { type: 'echo-reply'; from: IpAddress; identifier: number; sequence: number; data: Uint8Array }
  | { type: 'router'; ifIndex: number; router: IpAddress; lifetime: number };

export interface InterfaceOptions {
  kind: InterfaceKind;
  name?: string;
  /** Required for kind 'frames': 6 bytes or "02:00:00:00:00:01". */
  mac?: Uint8Array | string;
  /** Largest IP packet the link carries: default 1500 (65536 on the loopback). */
  mtu?: number;
  /** "198.18.0.1/24", "2001:db8::1/64" (an address without a length is a host route: /32, /128). */
  addresses?: string[];
  /** IPv6 on a frames interface: its fe80:: link-local address (EUI-64 of the MAC). Default true. */
  linkLocal?: boolean;
  /** IPv6 router mode: send router advertisements and answer solicitations (settings: RouterAdvertSettings). */
  router?: Partial<RouterAdvertSettings> | boolean;
  /** IPv6 host mode: solicit routers and configure addresses from their prefixes (SLAAC). Default: !router. */
  slaac?: boolean;
  /** RFC 4862 DupAddrDetectTransmits: 1 (0: no duplicate address detection). */
  dadTransmits?: number;
  arp?: Partial<NeighborParams>;
  nd?: Partial<NeighborParams>;
}

export interface RouteOptions {
  /** "198.18.1.0/24", "2001:db8:1::/48", or "default" / "default6". */
  to: string;
  /** Next hop; its interface is found by the connected routes unless `ifIndex` says. */
  via?: string;
  ifIndex?: number;
  metric?: number;
}

export interface NetStackOptions {
  /** Forward packets between interfaces (a router): off by default (RFC 1122 §3.3.1.1: a host does not). */
  forwarding?: boolean;
  /** Seeded in the simulator, cryptographic otherwise. */
  random?: RandomSource;
  /** ICMP error rate limit: a token bucket (default 1000 per second, bursts of 50). */
  icmpRate?: { perSecond: number; burst: number };
  /** Make the loopback interface (index 1, "lo", 127.0.0.1/8 and ::1). Default true. */
  loopback?: boolean;
}

export interface FrameOut {
  ifIndex: number;
  frame: Uint8Array;
}
export interface PacketOut {
  ifIndex: number;
  packet: Uint8Array;
}

const ALL_HOSTS_V4 = 0xe0000001;
/** Events kept for a caller that never polls them (a simulator node): the oldest go beyond this. */
const MAX_EVENTS = 1024;
/** Loops within one call (local delivery of our own packets) stop here; a handler answering itself forever cannot hang us. */
const MAX_LOCAL_ROUNDS = 10_000;
/**
 * A forwarded packet is a copy (the caller keeps the packet it handed in: a capture, a duplicate on
 * a simulated link may hold it), cut from a slab shared by every NetStack instead of an ArrayBuffer
 * per packet, which cost a router a fifth of its time in allocation and garbage collection. A
 * region is handed out once and never written again, so a copy kept long (a pcap, a queue) stays
 * intact; a slab lives while any of its copies does.
 */
const FORWARD_SLAB_BYTES = 64 * 1024;
let forwardSlab = new Uint8Array(0);
let forwardSlabUsed = 0;

function forwardCopy(bytes: Uint8Array): Uint8Array {
  const len = bytes.length;
  if (forwardSlabUsed + len > forwardSlab.length) {
    forwardSlab = new Uint8Array(Math.max(FORWARD_SLAB_BYTES, len));
    forwardSlabUsed = 0;
  }
  const out = forwardSlab.subarray(forwardSlabUsed, forwardSlabUsed + len);
  forwardSlabUsed += (len + 7) & ~7;
  out.set(bytes);
  return out;
}

export class NetStack {
  readonly interfaces: NetInterface[] = [];
  readonly routes = new RoutingTable();
  readonly counters = new NetCounters();
  forwarding: boolean;
  private readonly random: RandomSource;
  private readonly handlers = new Map<number, IpProtocolHandler>();
  private readonly handlerList: IpProtocolHandler[] = [];
  private handlerTurn = 0;
  private readonly icmpLimit: IcmpRateLimit;
  /** Packets for ourselves (the loopback, and anything routed to our own address), to be delivered. */
  private readonly local: Array<{ packet: Uint8Array; ifIndex: number }> = [];
  private readonly events: NetEvent[] = [];
  private ifTurn = 0;
  /**
   * Frames and packets waiting in the interfaces' queues, by kind: a poll that finds none returns at
   * once, instead of looking at every interface (a router of a hundred links is polled after every
   * packet it takes).
   */
  private queuedFrames = 0;
  private queuedPackets = 0;
  /** The interfaces that can have timers (pollTimeout): frames interfaces and routers. */
  private readonly timedInterfaces: NetInterface[] = [];
  /**
   * Our IPv4 addresses, each to its first holder in interface order (destinationKind reads the
   * state live); made again after an address comes or goes. A router looks up every packet here.
   */
  private ours4: Map<number, InterfaceAddress> | undefined;
  /** Whether a route's interface is up (made once: a route lookup per packet allocates nothing). */
  private readonly routeUsable = (r: Route): boolean => this.interfaces[r.ifIndex - 1]?.up === true;
  /** The last `now` any call brought: address changes made between calls act at this time. */
  private lastNow = 0;

  constructor(opts: NetStackOptions = {}) {
    this.forwarding = opts.forwarding ?? false;
    this.random = opts.random ?? new CryptoRandom();
    const r = opts.icmpRate ?? { perSecond: 1000, burst: 50 };
    this.icmpLimit = new IcmpRateLimit(r.perSecond, r.burst);
    if (opts.loopback ?? true) this.addInterface({ kind: 'loopback', name: 'lo', addresses: ['127.0.0.1/8', '::1/128'] });
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  /** Add an interface; returns it (its `index` names it in every other call). */
  addInterface(opts: InterfaceOptions, now = this.lastNow): NetInterface {
    if (opts === null || typeof opts !== 'object') throw new TypeError('addInterface: options must be an object');
    const kind = opts.kind;
    if (kind !== 'frames' && kind !== 'ip' && kind !== 'loopback') throw new TypeError(`addInterface: kind must be 'frames', 'ip' or 'loopback', got ${String(kind)}`);
    let mac: Uint8Array | undefined;
    if (kind === 'frames') {
      mac = typeof opts.mac === 'string' ? parseMac(opts.mac) : opts.mac;
      if (!(mac instanceof Uint8Array) || mac.length !== 6) throw new TypeError(`addInterface: a frames interface needs a MAC address (6 bytes or "02:00:00:00:00:01"), got ${String(opts.mac)}`);
      if (isMulticastMac(mac)) throw new RangeError('addInterface: the MAC address has the group bit set (a multicast address)');
      mac = mac.slice();
    }
    const mtu = opts.mtu ?? (kind === 'loopback' ? 65536 : 1500);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65536) throw new RangeError(`addInterface: mtu must be an integer in [68, 65536], got ${mtu}`);
    const index = this.interfaces.length + 1;
    const name = opts.name ?? `${kind === 'frames' ? 'eth' : kind === 'ip' ? 'tun' : 'lo'}${index - 1}`;
    const rnd = () => this.random.nextUint32() / 0x1_0000_0000;
    let arp: NeighborCache | undefined;
    let nd: NeighborCache | undefined;
    let iface: NetInterface;
    if (kind === 'frames') {
      arp = new NeighborCache({ solicit: (e, to, t) => this.arpSolicit(iface, e, to, t), flush: (e, p, t) => this.flushNeighbor(iface, e, p, t), failed: (e, p, t) => this.neighborFailed(iface, e, p, t) }, opts.arp, rnd);
      nd = new NeighborCache({ solicit: (e, to, t) => this.ndSolicit(iface, e, to, t), flush: (e, p, t) => this.flushNeighbor(iface, e, p, t), failed: (e, p, t) => this.neighborFailed(iface, e, p, t) }, opts.nd, rnd);
    }
    iface = new NetInterface(index, name, kind, mac, mtu, arp, nd);
    if (opts.router !== undefined && opts.router !== false) {
      const r = opts.router === true ? {} : opts.router;
      const maxInterval = r.maxInterval ?? 600;
      iface.router = { maxInterval, minInterval: r.minInterval ?? maxInterval / 3, lifetime: r.lifetime ?? 3 * maxInterval, mtu: r.mtu, curHopLimit: r.curHopLimit ?? 64, prefixes: r.prefixes };
    }
    iface.slaac = kind === 'frames' && (opts.slaac ?? iface.router === undefined);
    iface.dadTransmits = opts.dadTransmits ?? 1;
    this.interfaces.push(iface);
    if (kind === 'frames' || iface.router !== undefined) this.timedInterfaces.push(iface);
    if (kind === 'frames' && (opts.linkLocal ?? true)) this.addAddressTo(iface, linkLocalFor(mac!), 64, 'link-local', now, true);
    for (const a of opts.addresses ?? []) this.addAddress(index, a, now);
    if (kind === 'frames' && iface.slaac) iface.rsAt = now + this.randomMs(ND.MAX_RTR_SOLICITATION_DELAY);
    if (kind === 'frames' && iface.router) iface.raAt = now; // sent once the link-local address is preferred
    return iface;
  }

  interface(ifIndex: number): NetInterface {
    const iface = this.interfaces[ifIndex - 1];
    if (iface === undefined) throw new RangeError(`no interface ${ifIndex} (there are ${this.interfaces.length})`);
    return iface;
  }

  interfaceByName(name: string): NetInterface | undefined {
    return this.interfaces.find((i) => i.name === name);
  }

  /**
   * Add an address ("198.18.0.1/24") to an interface, with its connected route. IPv4: usable at once
   * and announced by gratuitous ARP (RFC 5227 §2.3, twice, 2 s apart). IPv6 on a frames interface:
   * tentative until duplicate address detection passes (RFC 4862 §5.4).
   */
  addAddress(ifIndex: number, text: string, now = this.lastNow): InterfaceAddress {
    const iface = this.interface(ifIndex);
    const p = parsePrefix(text);
    if (p === undefined) throw new RangeError(`addAddress: "${text}" is not an address with a prefix length (198.18.0.1/24, 2001:db8::1/64)`);
    return this.addAddressTo(iface, p.address, p.length, 'manual', now, false);
  }

  removeAddress(ifIndex: number, text: string): boolean {
    const iface = this.interface(ifIndex);
    const p = parsePrefix(text);
    if (p === undefined) throw new RangeError(`removeAddress: "${text}" is not an address`);
    const i = iface.addresses.findIndex((a) => sameAddr(a.address, p.address));
    if (i < 0) return false;
    this.dropAddress(iface, iface.addresses[i], 'removed');
    return true;
  }

  /** Add a route; throws when no interface can reach `via` and none was named. */
  addRoute(opts: RouteOptions): Route {
    const to = opts.to === 'default' ? '0.0.0.0/0' : opts.to === 'default6' ? '::/0' : opts.to;
    const p = parsePrefix(to);
    if (p === undefined) throw new RangeError(`addRoute: "${opts.to}" is not a prefix (198.18.1.0/24, 2001:db8::/32, default, default6)`);
    let via: IpAddress | undefined;
    if (opts.via !== undefined) {
      const v = parsePrefix(opts.via);
      if (v === undefined || v.length !== (typeof v.address === 'number' ? 32 : 128) || familyOf(v.address) !== familyOf(p.address)) {
        throw new RangeError(`addRoute: via "${opts.via}" is not an address of the route's family`);
      }
      via = v.address;
    }
    let ifIndex = opts.ifIndex;
    if (ifIndex === undefined) {
      if (via === undefined) throw new RangeError('addRoute: a route needs a next hop (via) or an interface (ifIndex)');
      const r = this.routes.lookup(via, (x) => x.origin === 'connected' && x.via === undefined);
      if (r === undefined) throw new RangeError(`addRoute: no interface is on the link of ${ipToString(via)}`);
      ifIndex = r.ifIndex;
    } else this.interface(ifIndex);
    return this.routes.add({ prefix: p.address, length: p.length, ifIndex, via, metric: opts.metric ?? 0, origin: 'static' });
  }

  /** Give IP protocol `protocol` (6 TCP, 17 UDP, ...) to a handler. */
  addProtocol(protocol: number, handler: IpProtocolHandler): void {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw new RangeError(`addProtocol: protocol must be an integer in [0, 255], got ${protocol}`);
    if (protocol === IpProtocol.ICMP || protocol === IpProtocol.ICMPV6) throw new RangeError('addProtocol: ICMP is the network layer\'s own');
    if (this.handlers.has(protocol)) throw new RangeError(`addProtocol: protocol ${protocol} has a handler already`);
    this.handlers.set(protocol, handler);
    if (!this.handlerList.includes(handler)) this.handlerList.push(handler);
    this.syncAddresses();
  }

  /** A neighbour set by hand (`ip neigh replace ADDR lladdr MAC nud permanent`). */
  setNeighbor(ifIndex: number, address: string | IpAddress, mac: Uint8Array | string, now = this.lastNow): void {
    const iface = this.interface(ifIndex);
    const a = typeof address === 'string' ? parsePrefix(address)?.address : address;
    const m = typeof mac === 'string' ? parseMac(mac) : mac;
    if (a === undefined) throw new RangeError(`setNeighbor: "${String(address)}" is not an address`);
    if (!(m instanceof Uint8Array) || m.length !== 6) throw new TypeError('setNeighbor: mac must be 6 bytes or "02:00:00:00:00:01"');
    const cache = typeof a === 'number' ? iface.arp : iface.nd;
    if (cache === undefined) throw new RangeError(`setNeighbor: interface ${iface.name} has no neighbours (kind ${iface.kind})`);
    cache.setPermanent(a, m, now);
  }

  /** Send an ICMP echo request (ping); the reply comes back as an 'echo-reply' event. */
  ping(dst: string | IpAddress, opts: { identifier?: number; sequence?: number; data?: Uint8Array; src?: IpAddress } = {}, now = this.lastNow): boolean {
    const d = typeof dst === 'string' ? parsePrefix(dst)?.address : dst;
    if (d === undefined) throw new RangeError(`ping: "${String(dst)}" is not an address`);
    const src = opts.src ?? this.sourceFor(d);
    if (src === undefined) return false;
    const v4 = typeof d === 'number';
    const packet = encodeIcmpPacket({
      src: src as never,
      dst: d as never,
      type: v4 ? Icmp4Type.ECHO_REQUEST : Icmp6Type.ECHO_REQUEST,
      code: 0,
      rest: (((opts.identifier ?? 0) << 16) | (opts.sequence ?? 0)) >>> 0,
      body: opts.data ?? new Uint8Array(0),
    });
    this.lastNow = now;
    this.output(packet, now);
    return true;
  }

  /** An address of ours to send to `dst` from: one on the interface the route uses, else any usable one. */
  sourceFor(dst: IpAddress): IpAddress | undefined {
    const fam = familyOf(dst);
    const r = this.routes.lookup(dst);
    const pick = (iface: NetInterface): IpAddress | undefined => {
      const list = iface.usable(fam);
      if (fam === 6 && !(typeof dst !== 'number' && isLinkLocal6(dst))) return (list.find((a) => !isLinkLocal6(a.address as Uint8Array)) ?? list[0])?.address;
      return (list.find((a) => inPrefix(dst, a.address, a.prefixLength)) ?? list[0])?.address;
    };
    if (r !== undefined) {
      const a = pick(this.interface(r.ifIndex));
      if (a !== undefined) return a;
    }
    // No route (the limited broadcast 255.255.255.255 has none): an address of an interface that
    // can carry the packet first, the loopback's last (its address never leaves the host).
    for (const iface of this.interfaces) {
      if (iface.kind === 'loopback') continue;
      const a = pick(iface);
      if (a !== undefined) return a;
    }
    for (const iface of this.interfaces) {
      const a = iface.kind === 'loopback' ? pick(iface) : undefined;
      if (a !== undefined) return a;
    }
    return undefined;
  }

  /** Whether `a` is one of our usable addresses (any interface: the weak host model). */
  isOurs(a: IpAddress): boolean {
    return this.ownerOf(a) !== undefined;
  }

  pollEvent(): NetEvent | undefined {
    return this.events.shift();
  }

  private emit(e: NetEvent): void {
    if (this.events.length >= MAX_EVENTS) this.events.shift();
    this.events.push(e);
  }

  /** `ip neigh`-style lines. */
  neighbors(): string[] {
    const out: string[] = [];
    for (const iface of this.interfaces) {
      for (const cache of [iface.arp, iface.nd]) {
        for (const e of cache?.list() ?? []) {
          const mac = e.mac ? ` lladdr ${[...e.mac].map((b) => b.toString(16).padStart(2, '0')).join(':')}` : '';
          out.push(`${ipToString(e.address)} dev ${iface.name}${mac}${e.isRouter ? ' router' : ''} ${e.state}`);
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  /** An Ethernet frame arrived on interface `ifIndex` (kind frames). Bad frames are counted and dropped. */
  handleFrame(ifIndex: number, frame: Uint8Array, now: number): void {
    this.lastNow = now;
    const iface = this.interfaces[ifIndex - 1];
    const c = this.counters;
    c.InFrames++;
    if (iface === undefined || iface.kind !== 'frames' || !iface.up || !(frame instanceof Uint8Array)) {
      c.InFrameErrors++;
      return;
    }
    const f = decodeEthernet(frame);
    if (!f.ok) {
      c.InFrameErrors++;
      return;
    }
    if (f.vlans.length > 0) {
      c.InVlanDrops++;
      return;
    }
    const linkBroadcast = isMulticastMac(f.dst);
    if (!linkBroadcast && !sameMac(f.dst, iface.mac!)) {
      c.InFramesNotForUs++;
      return;
    }
    if (linkBroadcast && !this.wantsGroup(iface, f.dst)) {
      c.InFramesNotForUs++;
      return;
    }
    if (sameMac(f.src, iface.mac!)) {
      // Our own frame back (a hub, a looped switch): never learn from it.
      c.InFramesNotForUs++;
      return;
    }
    const payload = frame.subarray(f.payloadOffset, f.payloadOffset + f.payloadLength);
    switch (f.etherType) {
      case EtherType.IPV4:
      case EtherType.IPV6:
        this.ipInput(iface, payload, now, linkBroadcast, f.src);
        break;
      case EtherType.ARP:
        this.arpInput(iface, payload, now);
        break;
      default:
        c.InUnknownEtherTypes++;
    }
    this.drainLocal(now);
  }

  /** An IP packet arrived on interface `ifIndex` (kind ip, or loopback). */
  handlePacket(ifIndex: number, packet: Uint8Array, now: number): void {
    this.lastNow = now;
    const iface = this.interfaces[ifIndex - 1];
    if (iface === undefined || iface.kind === 'frames' || !iface.up || !(packet instanceof Uint8Array)) {
      this.counters.InReceives++;
      this.counters.InDiscards++;
      return;
    }
    this.ipInput(iface, packet, now, false, undefined);
    this.drainLocal(now);
  }

  private wantsGroup(iface: NetInterface, mac: Uint8Array): boolean {
    if (sameMac(mac, BROADCAST_MAC)) return true;
    if (mac[0] === 0x33 && mac[1] === 0x33) {
      // ff02::1, ff02::2 for a router, and the solicited-node groups of our addresses (tentative ones too: DAD).
      if (mac[2] === 0 && mac[3] === 0 && mac[4] === 0 && (mac[5] === 1 || (mac[5] === 2 && iface.router !== undefined))) return true;
      if (mac[2] !== 0xff) return false;
      for (const a of iface.addresses) {
        if (typeof a.address === 'number') continue;
        if (a.address[13] === mac[3] && a.address[14] === mac[4] && a.address[15] === mac[5]) return true;
      }
      return false;
    }
    // 01:00:5e:00:00:01: 224.0.0.1, all hosts (RFC 1112).
    return mac[0] === 1 && mac[1] === 0 && mac[2] === 0x5e && mac[3] === 0 && mac[4] === 0 && mac[5] === 1;
  }

  private ipInput(iface: NetInterface, bytes: Uint8Array, now: number, linkBroadcast: boolean, srcMac: Uint8Array | undefined): void {
    const c = this.counters;
    c.InReceives++;
    const ipp = decodeIp(bytes);
    if (!ipp.ok || (ipp.ip.version === 4 && !ipp.ip.checksumValid)) {
      c.InHdrErrors++;
      return;
    }
    // Ethernet pads short frames: the packet ends where its IP length says.
    const end = ipp.ip.version === 4 ? ipp.ip.totalLength : 40 + ipp.ip.payloadLength;
    if (end < bytes.length) bytes = bytes.subarray(0, end);
    const ip = ipp.ip;
    if (ip.version === 4) {
      // RFC 1122 §3.2.1.3: 127/8 never on the wire; a multicast or broadcast source names no host.
      if (iface.kind !== 'loopback' && (ip.src >>> 24 === 127 || ip.dst >>> 24 === 127)) {
        c.InAddrErrors++;
        return;
      }
      if (isMulticast4(ip.src) || ip.src === LIMITED_BROADCAST) {
        c.InAddrErrors++;
        return;
      }
    } else {
      if (iface.kind !== 'loopback' && (isLoopback6(ip.src) || isLoopback6(ip.dst))) {
        c.InAddrErrors++;
        return;
      }
      if (isMulticast6(ip.src)) {
        c.InAddrErrors++;
        return;
      }
    }
    const to = this.destinationKind(iface, ip.dst);
    if (to === 'ours' || to === 'broadcast' || to === 'multicast') {
      this.deliver(iface, bytes, ipp, now, linkBroadcast || to !== 'ours', srcMac);
      return;
    }
    if (to === 'tentative') {
      // RFC 4862 §5.4: packets to a tentative address are silently discarded.
      c.InDiscards++;
      return;
    }
    if (!this.forwarding || linkBroadcast) {
      // RFC 4293 ipSystemStatsInAddrErrors: on a host, a packet for an address that is not ours.
      c.InAddrErrors++;
      return;
    }
    this.forward(iface, bytes, ipp, now);
  }

  /** What a destination address is to us, arriving on `iface`. */
  private destinationKind(iface: NetInterface, dst: IpAddress): 'ours' | 'tentative' | 'broadcast' | 'multicast' | 'other' {
    if (typeof dst === 'number') {
      if (dst === LIMITED_BROADCAST) return 'broadcast';
      if (dst === ALL_HOSTS_V4) return 'multicast';
      if (isMulticast4(dst)) return 'other';
      const a = (this.ours4 ??= this.indexOurs4()).get(dst);
      if (a !== undefined) return a.state === 'preferred' || a.state === 'deprecated' ? 'ours' : 'tentative';
      for (const x of iface.addresses) if (typeof x.address === 'number' && broadcastOf(x.address, x.prefixLength) === dst) return 'broadcast';
      return 'other';
    }
    if (isMulticast6(dst)) {
      if (sameAddr(dst, ALL_NODES) || (iface.router !== undefined && sameAddr(dst, ALL_ROUTERS))) return 'multicast';
      for (const a of iface.addresses) {
        if (typeof a.address !== 'number' && sameAddr(dst, solicitedNodeAddress(a.address))) return 'multicast';
      }
      return 'other';
    }
    for (const i of this.interfaces) {
      for (const a of i.addresses) {
        if (typeof a.address !== 'number' && sameAddr(a.address, dst)) {
          // A link-local address is ours only on its own link (RFC 4291 §2.5.6).
          if (isLinkLocal6(dst) && i !== iface && iface.kind !== 'loopback') continue;
          return a.state === 'preferred' || a.state === 'deprecated' ? 'ours' : 'tentative';
        }
      }
    }
    return 'other';
  }

  private indexOurs4(): Map<number, InterfaceAddress> {
    const m = new Map<number, InterfaceAddress>();
    for (const i of this.interfaces) for (const a of i.addresses) if (typeof a.address === 'number' && !m.has(a.address)) m.set(a.address, a);
    return m;
  }

  /** A packet for us (or a broadcast / multicast we take): ICMP here, the rest to its protocol's handler. */
  private deliver(iface: NetInterface, bytes: Uint8Array, ipp: IpPacket, now: number, broadcast: boolean, srcMac: Uint8Array | undefined): void {
    const c = this.counters;
    if (ipp.fragment) {
      c.ReasmFails++;
      return;
    }
    const icmpProto = ipp.ip.version === 4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
    if (ipp.protocol === icmpProto) {
      c.InDelivers++;
      this.icmpInput(iface, bytes, ipp, now, broadcast, srcMac);
      return;
    }
    // RFC 1122 §4.2.3.10: TCP has nothing to do with broadcast or multicast destinations.
    if (broadcast && ipp.protocol === IpProtocol.TCP) {
      c.InAddrErrors++;
      return;
    }
    const h = this.handlers.get(ipp.protocol);
    if (h === undefined) {
      c.InUnknownProtos++;
      this.sendError(bytes, ipp, 'protocol-unreachable', broadcast, now, iface);
      return;
    }
    c.InDelivers++;
    h.handlePacket(bytes, now, iface.index);
  }

  private icmpInput(iface: NetInterface, bytes: Uint8Array, ipp: IpPacket, now: number, broadcast: boolean, srcMac: Uint8Array | undefined): void {
    const c = this.counters;
    if (ipp.ip.version === 6 && ipp.payloadLength > 0) {
      const t = bytes[ipp.payloadOffset];
      if (t >= 133 && t <= 137) {
        if (iface.kind === 'frames') this.ndInput(iface, bytes, now, srcMac);
        return;
      }
    }
    const m = decodeIcmp(bytes, ipp);
    if (!m.ok || !m.checksumValid) {
      c.InIcmpErrors++;
      return;
    }
    const v4 = m.version === 4;
    if (m.type === (v4 ? Icmp4Type.ECHO_REQUEST : Icmp6Type.ECHO_REQUEST) && m.code === 0) {
      c.InEchos++;
      // Linux's icmp_echo_ignore_broadcasts (1): an IPv4 echo to a broadcast or multicast address goes unanswered.
      if (v4 && broadcast) return;
      let reply = echoReplyFor(bytes, ipp, m);
      if (!v4 && isMulticast6(ipp.ip.dst as Uint8Array)) {
        // RFC 4443 §4.2: the reply to a multicast echo comes from a unicast address of ours.
        const src = this.sourceFor(ipp.ip.src as Uint8Array);
        if (src === undefined) return;
        reply = encodeIcmpPacket({ src: src as Uint8Array, dst: ipp.ip.src as Uint8Array, type: Icmp6Type.ECHO_REPLY, code: 0, rest: ((m.identifier << 16) | m.sequence) >>> 0, body: bytes.subarray(m.offset + 8, m.offset + m.length) });
      }
      c.OutEchoReps++;
      this.output(reply, now);
      return;
    }
    if (m.type === (v4 ? Icmp4Type.ECHO_REPLY : Icmp6Type.ECHO_REPLY)) {
      c.InEchoReps++;
      this.emit({ type: 'echo-reply', from: ipp.ip.src instanceof Uint8Array ? ipp.ip.src.slice() : ipp.ip.src, identifier: m.identifier, sequence: m.sequence, data: bytes.slice(m.offset + 8, m.offset + m.length) });
      return;
    }
    // An error about a packet we sent: to the handler of the quoted packet's protocol (RFC 1122 §3.2.2).
    const q = m.quoted;
    if (m.error !== undefined && q !== undefined) {
      const h = this.handlers.get(q.protocol);
      if (h !== undefined) {
        if (h.handleIcmpError !== undefined) h.handleIcmpError(bytes, now);
        else h.handlePacket(bytes, now, iface.index);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Forwarding (RFC 1812 §5.2, RFC 8200 §3)

  private forward(inIface: NetInterface, bytes: Uint8Array, ipp: IpPacket, now: number): void {
    const c = this.counters;
    const ip = ipp.ip;
    if (ip.version === 4) {
      if (ip.src === 0 || isMulticast4(ip.dst)) {
        c.InAddrErrors++;
        return;
      }
    } else if (isLinkLocal6(ip.src) || isLinkLocal6(ip.dst) || isUnspecified6(ip.src) || isMulticast6(ip.dst)) {
      // RFC 4291 §2.5.6: routers must not forward packets with link-local source or destination.
      c.InAddrErrors++;
      return;
    }
    const ttl = ip.version === 4 ? ip.ttl : ip.hopLimit;
    if (ttl <= 1) {
      // RFC 1812 §5.3.1, RFC 8200 §3: a packet whose TTL / hop limit would reach zero is discarded, time exceeded sent.
      c.InHdrErrors++;
      this.sendError(bytes, ipp, 'time-exceeded', false, now, inIface);
      return;
    }
    const route = this.routes.lookup(ip.dst, this.routeUsable);
    if (route === undefined) {
      c.OutNoRoutes++;
      this.sendError(bytes, ipp, 'net-unreachable', false, now, inIface);
      return;
    }
    const out = this.interface(route.ifIndex);
    if (bytes.length > out.mtu) {
      if (ip.version === 6 || ip.dontFragment) {
        c.FragFails++;
        this.sendError(bytes, ipp, 'too-big', false, now, inIface, out.mtu);
        return;
      }
    }
    const packet = forwardCopy(bytes);
    if (ip.version === 4) {
      packet[8] = ttl - 1;
      put16(packet, 10, 0);
      put16(packet, 10, internetChecksum(packet, 0, ip.headerLength));
    } else packet[7] = ttl - 1;
    c.ForwDatagrams++;
    const nextHop = route.via ?? ip.dst;
    if (packet.length > out.mtu && ip.version === 4) {
      const pieces = fragmentIpv4(packet, ip.headerLength, out.mtu);
      if (pieces === undefined) {
        c.FragFails++;
        return;
      }
      c.FragOKs++;
      c.FragCreates += pieces.length;
      for (const p of pieces) this.transmit(out, nextHop, p, now);
      return;
    }
    this.transmit(out, nextHop, packet, now);
  }

  private sendError(bytes: Uint8Array, ipp: IpPacket, kind: IcmpErrorKind, broadcast: boolean, now: number, iface: NetInterface, mtu = 0): void {
    if (!mayAnswerWithError(bytes, ipp, kind, broadcast)) return;
    const c = this.counters;
    if (!this.icmpLimit.take(now)) {
      c.OutIcmpRateLimited++;
      return;
    }
    // From our address on the interface the packet came in by (RFC 1812 §4.3.2.4), else any of ours.
    const fam = ipp.ip.version;
    const list = iface.usable(fam);
    const dst = ipp.ip.src;
    const src = (list.find((a) => inPrefix(dst, a.address, a.prefixLength) && !(fam === 6 && isLinkLocal6(a.address as Uint8Array) && !isLinkLocal6(dst as Uint8Array))) ?? undefined)?.address ?? this.sourceFor(dst);
    if (src === undefined) return;
    if (kind === 'time-exceeded') c.OutTimeExcds++;
    else if (kind === 'too-big') {
      if (fam === 6) c.OutPktTooBigs++;
      else c.OutDestUnreachs++;
    } else if (kind === 'protocol-unreachable' && fam === 6) c.OutParmProbs++;
    else c.OutDestUnreachs++;
    this.output(icmpErrorFor(bytes, ipp, kind, src, mtu), now);
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  /**
   * Route a packet we originate (a handler's, an ICMP message of ours): to ourselves, or out of the
   * interface its route names, to the route's next hop.
   */
  private output(packet: Uint8Array, now: number): void {
    const c = this.counters;
    c.OutRequests++;
    const ipp = decodeIp(packet);
    if (!ipp.ok) {
      c.OutDiscards++;
      return;
    }
    const dst = ipp.ip.dst;
    const src = ipp.ip.src;
    if (this.ownerOf(dst) !== undefined) {
      this.local.push({ packet, ifIndex: this.loopbackIndex() });
      return;
    }
    if (typeof dst === 'number') {
      if (dst === LIMITED_BROADCAST || isMulticast4(dst)) {
        // The interface that owns the source, else every interface (a DHCP client sending from 0.0.0.0).
        const owner = this.ownerOf(src);
        const targets = owner ? [owner] : this.interfaces.filter((i) => i.kind !== 'loopback' && i.up);
        for (const i of targets) this.transmit(i, dst, packet, now);
        return;
      }
    } else if (isMulticast6(dst) || isLinkLocal6(dst)) {
      const owner = this.ownerOf(src, true) ?? this.interfaces.find((i) => i.kind === 'frames' && i.up);
      if (owner === undefined) {
        c.OutNoRoutes++;
        return;
      }
      this.transmit(owner, dst, packet, now);
      return;
    }
    const route = this.routes.lookup(dst, this.routeUsable);
    if (route === undefined) {
      c.OutNoRoutes++;
      return;
    }
    const out = this.interface(route.ifIndex);
    if (packet.length > out.mtu) {
      const ip4 = ipp.ip;
      if (ip4.version === 4 && !ip4.dontFragment) {
        const pieces = fragmentIpv4(packet, ip4.headerLength, out.mtu);
        if (pieces === undefined) {
          c.FragFails++;
          return;
        }
        c.FragOKs++;
        c.FragCreates += pieces.length;
        for (const p of pieces) this.transmit(out, route.via ?? dst, p, now);
        return;
      }
      // Our own packet is too big for the link: tell the sender at once, as a router on the path would.
      c.FragFails++;
      const err = icmpErrorFor(packet, ipp, 'too-big', src, out.mtu);
      this.local.push({ packet: err, ifIndex: this.loopbackIndex() });
      return;
    }
    this.transmit(out, route.via ?? dst, packet, now);
  }

  /** Put a packet on an interface toward `nextHop`: resolved to a MAC on a frames interface. */
  private transmit(iface: NetInterface, nextHop: IpAddress, packet: Uint8Array, now: number): void {
    if (iface.kind === 'loopback') {
      this.local.push({ packet, ifIndex: iface.index });
      return;
    }
    if (iface.kind === 'ip') {
      iface.out.push(packet);
      this.queuedPackets++;
      return;
    }
    let mac: Uint8Array | undefined;
    if (typeof nextHop === 'number') {
      if (nextHop === LIMITED_BROADCAST || iface.addresses.some((a) => typeof a.address === 'number' && broadcastOf(a.address, a.prefixLength) === nextHop)) mac = BROADCAST_MAC;
      else if (isMulticast4(nextHop)) mac = Uint8Array.of(1, 0, 0x5e, (nextHop >>> 16) & 0x7f, (nextHop >>> 8) & 0xff, nextHop & 0xff);
      else mac = iface.arp!.resolve(nextHop, packet, now);
    } else if (isMulticast6(nextHop)) mac = ipv6MulticastMac(nextHop);
    else mac = iface.nd!.resolve(nextHop, packet, now);
    if (mac !== undefined) this.sendFrame(iface, mac, typeof nextHop === 'number' ? EtherType.IPV4 : EtherType.IPV6, packet);
  }

  private sendFrame(iface: NetInterface, dst: Uint8Array, etherType: number, payload: Uint8Array): void {
    iface.out.push(encodeEthernet({ dst, src: iface.mac!, etherType, payload }));
    this.queuedFrames++;
  }

  /** Packets that waited for a neighbour's address, now known. */
  private flushNeighbor(iface: NetInterface, e: NeighborEntry, packets: Uint8Array[], _now: number): void {
    for (const p of packets) this.sendFrame(iface, e.mac!, typeof e.address === 'number' ? EtherType.IPV4 : EtherType.IPV6, p);
  }

  /** Resolution failed: each waiting packet's sender hears host unreachable (RFC 4861 §7.2.2; RFC 1812 §4.3.3.1). */
  private neighborFailed(iface: NetInterface, _e: NeighborEntry, packets: Uint8Array[], now: number): void {
    for (const p of packets) {
      const ipp = decodeIp(p);
      if (ipp.ok) this.sendError(p, ipp, 'host-unreachable', false, now, iface);
    }
  }

  /** The interface holding `a` as a usable (or, with `any`, tentative too) address. */
  private ownerOf(a: IpAddress, any = false): NetInterface | undefined {
    for (const i of this.interfaces) {
      for (const x of i.addresses) {
        if ((any || x.state === 'preferred' || x.state === 'deprecated') && sameAddr(x.address, a)) return i;
      }
    }
    return undefined;
  }

  private loopbackIndex(): number {
    return this.interfaces.find((i) => i.kind === 'loopback')?.index ?? 0;
  }

  /** Deliver packets we sent to ourselves (bounded: a handler answering itself cannot loop us forever). */
  private drainLocal(now: number): void {
    for (let n = 0; n < MAX_LOCAL_ROUNDS && this.local.length > 0; n++) {
      const { packet, ifIndex } = this.local.shift()!;
      const iface = this.interfaces[ifIndex - 1] ?? this.interfaces.find((i) => i.kind === 'loopback');
      if (iface === undefined) {
        // No loopback interface: deliver as if it had come by the first interface.
        const any = this.interfaces[0];
        if (any) this.ipInput(any, packet, now, false, undefined);
        continue;
      }
      this.ipInput(iface, packet, now, false, undefined);
    }
  }

  /** Pull every handler's output and route it (into interface queues, neighbour queues, or back to us). */
  private pump(now: number): void {
    this.lastNow = now;
    const list = this.handlerList;
    for (let rounds = 0; rounds < MAX_LOCAL_ROUNDS; rounds++) {
      let any = false;
      for (let k = 0; k < list.length; k++) {
        const h = list[(this.handlerTurn + k) % list.length];
        for (let p = h.pollTransmit(now); p !== undefined; p = h.pollTransmit(now)) {
          any = true;
          this.output(p, now);
        }
      }
      if (list.length > 0) this.handlerTurn = (this.handlerTurn + 1) % list.length;
      if (this.local.length > 0) {
        any = true;
        this.drainLocal(now);
      }
      if (!any) break;
    }
  }

  /** The next frame to send on a frames interface, or undefined. Call until undefined after any input or timeout. */
  pollFrame(now: number): FrameOut | undefined {
    this.pump(now);
    return this.pollQueue('frames', (ifIndex, frame) => {
      this.counters.OutFrames++;
      return { ifIndex, frame };
    });
  }

  /** The next packet to send on an ip interface, or undefined. */
  pollPacket(now: number): PacketOut | undefined {
    this.pump(now);
    return this.pollQueue('ip', (ifIndex, packet) => ({ ifIndex, packet }));
  }

  private pollQueue<T>(kind: InterfaceKind, make: (ifIndex: number, bytes: Uint8Array) => T): T | undefined {
    if ((kind === 'frames' ? this.queuedFrames : this.queuedPackets) === 0) return undefined;
    const n = this.interfaces.length;
    for (let k = 0; k < n; k++) {
      const iface = this.interfaces[(this.ifTurn + k) % n];
      if (iface.kind !== kind || iface.outHead >= iface.out.length) continue;
      const bytes = iface.out[iface.outHead++];
      if (iface.outHead === iface.out.length) {
        iface.out.length = 0;
        iface.outHead = 0;
      }
      if (kind === 'frames') this.queuedFrames--;
      else this.queuedPackets--;
      this.ifTurn = (this.ifTurn + k + 1) % n;
      return make(iface.index, bytes);
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  pollTimeout(): number | undefined {
    let t: number | undefined;
    const at = (d: number | undefined) => {
      if (d !== undefined && (t === undefined || d < t)) t = d;
    };
    for (const h of this.handlerList) at(h.pollTimeout());
    // Only frames interfaces and IPv6 routers keep timers (neighbour caches, DAD, RS and RA, SLAAC
    // lifetimes): a router of a hundred point-to-point links looks at none of them.
    for (const i of this.timedInterfaces) {
      at(i.arp?.pollTimeout());
      at(i.nd?.pollTimeout());
      at(i.rsAt);
      if (i.router) at(i.raAt);
      for (const a of i.addresses) {
        at(a.dadAt);
        at(a.announceAt);
        at(a.validUntil);
        if (a.state === 'preferred') at(a.preferredUntil);
      }
    }
    at(this.routes.nextExpiry());
    return t;
  }

  handleTimeout(now: number): void {
    this.lastNow = now;
    for (const h of this.handlerList) {
      const d = h.pollTimeout();
      if (d !== undefined && d <= now) h.handleTimeout(now);
    }
    for (const i of this.interfaces) {
      i.arp?.handleTimeout(now);
      i.nd?.handleTimeout(now);
      for (const a of [...i.addresses]) this.addressTimers(i, a, now);
      if (i.rsAt !== undefined && i.rsAt <= now) this.routerSolicit(i, now);
      if (i.router && i.raAt !== undefined && i.raAt <= now) this.routerAdvertise(i, now, false);
    }
    const expired = this.routes.remove((r) => r.expires !== undefined && r.expires <= now);
    if (expired > 0) this.syncAddresses();
    this.drainLocal(now);
  }

  // ---------------------------------------------------------------------------------------------
  // Addresses

  private addAddressTo(iface: NetInterface, address: IpAddress, prefixLength: number, origin: InterfaceAddress['origin'], now: number, initial: boolean, lifetimes?: { valid?: number; preferred?: number }): InterfaceAddress {
    if (iface.addresses.some((a) => sameAddr(a.address, address))) throw new RangeError(`${ipToString(address)} is already an address of ${iface.name}`);
    const v4 = typeof address === 'number';
    const dad = !v4 && iface.kind === 'frames' && iface.dadTransmits > 0;
    const a: InterfaceAddress = { address, prefixLength, state: dad ? 'tentative' : 'preferred', origin, dadSent: 0, announceLeft: 0 };
    if (lifetimes?.valid !== undefined) a.validUntil = now + lifetimes.valid;
    if (lifetimes?.preferred !== undefined) a.preferredUntil = now + lifetimes.preferred;
    iface.addresses.push(a);
    this.ours4 = undefined;
    // The connected route (not for a host prefix on the loopback, not twice for one prefix). A SLAAC
    // address implies no on-link prefix (RFC 5942 §4): that comes from the RA's L flag alone.
    const full = v4 ? 32 : 128;
    if ((prefixLength < full || iface.kind === 'ip') && origin !== 'slaac') {
      const net = networkOf(address, prefixLength);
      const have = this.routes.list().some((r) => r.origin === 'connected' && r.ifIndex === iface.index && r.length === prefixLength && sameAddr(r.prefix, net));
      if (!have && !(iface.kind === 'loopback' && prefixLength === full)) this.routes.add({ prefix: net, length: prefixLength, ifIndex: iface.index, metric: 0, origin: 'connected' });
    }
    if (dad) {
      // RFC 4862 §5.4.2: the first solicitation after a random delay when the interface starts, else at once.
      a.dadAt = now + (initial ? this.randomMs(ND.MAX_RTR_SOLICITATION_DELAY) : 0);
      if (!initial) this.addressTimers(iface, a, now);
    } else {
      this.addressReady(iface, a, now);
    }
    return a;
  }

  private addressReady(iface: NetInterface, a: InterfaceAddress, now: number): void {
    a.state = 'preferred';
    a.dadAt = undefined;
    if (typeof a.address === 'number' && iface.kind === 'frames') {
      // RFC 5227 §2.3: announce (gratuitous ARP), ANNOUNCE_NUM times, ANNOUNCE_INTERVAL apart.
      a.announceLeft = ACD.ANNOUNCE_NUM;
      this.announce(iface, a, now);
    }
    if (iface.kind !== 'loopback') this.emit({ type: 'address', ifIndex: iface.index, address: a.address, prefixLength: a.prefixLength, state: 'preferred' });
    this.syncAddresses();
    if (iface.router && !isLinkLocalAddr(a.address) && typeof a.address !== 'number') {
      // A new prefix to advertise: an RA soon.
      iface.raAt = Math.min(iface.raAt ?? Infinity, now);
    }
  }

  private announce(iface: NetInterface, a: InterfaceAddress, now: number): void {
    this.sendFrame(iface, BROADCAST_MAC, EtherType.ARP, gratuitousArp(iface.mac!, a.address as number));
    a.announceLeft--;
    a.announceAt = a.announceLeft > 0 ? now + ACD.ANNOUNCE_INTERVAL : undefined;
  }

  private dropAddress(iface: NetInterface, a: InterfaceAddress, why: 'removed' | 'duplicate'): void {
    const i = iface.addresses.indexOf(a);
    if (why === 'duplicate') {
      a.state = 'duplicate';
      a.dadAt = undefined;
    } else if (i >= 0) iface.addresses.splice(i, 1);
    this.ours4 = undefined;
    // The connected route goes with the last address of its prefix.
    const net = networkOf(a.address, a.prefixLength);
    const others = iface.addresses.some((x) => x !== a && x.state !== 'duplicate' && x.prefixLength === a.prefixLength && sameAddr(networkOf(x.address, x.prefixLength), net));
    if (!others) this.routes.remove((r) => r.origin === 'connected' && r.ifIndex === iface.index && r.length === a.prefixLength && sameAddr(r.prefix, net));
    this.emit({ type: 'address', ifIndex: iface.index, address: a.address, prefixLength: a.prefixLength, state: why });
    this.syncAddresses();
  }

  private addressTimers(iface: NetInterface, a: InterfaceAddress, now: number): void {
    if (a.validUntil !== undefined && a.validUntil <= now) {
      this.dropAddress(iface, a, 'removed');
      return;
    }
    if (a.state === 'preferred' && a.preferredUntil !== undefined && a.preferredUntil <= now) {
      a.state = 'deprecated';
      this.emit({ type: 'address', ifIndex: iface.index, address: a.address, prefixLength: a.prefixLength, state: 'deprecated' });
    }
    if (a.announceAt !== undefined && a.announceAt <= now) this.announce(iface, a, now);
    if (a.state === 'tentative' && a.dadAt !== undefined && a.dadAt <= now) {
      if (a.dadSent < iface.dadTransmits) {
        // RFC 4862 §5.4.2: NS from the unspecified address to the solicited-node group, target the tentative address, no SLLA.
        const addr = a.address as Uint8Array;
        const dst = solicitedNodeAddress(addr);
        this.sendFrame(iface, ipv6MulticastMac(dst), EtherType.IPV6, encodeNdpPacket({ src: new Uint8Array(16), dst, message: { type: 135, target: addr } }));
        a.dadSent++;
        a.dadAt = now + iface.nd!.params.retransTimer;
      } else {
        this.addressReady(iface, a, now);
      }
    }
  }

  /** RFC 4862 §5.4.5: another node has our tentative address; it is not used. */
  private dadFailed(iface: NetInterface, a: InterfaceAddress): void {
    this.counters.DadFailures++;
    this.dropAddress(iface, a, 'duplicate');
  }

  /** Keep every handler's address list equal to our usable addresses (global ones first, loopback last). */
  private syncAddresses(): void {
    const rank = (a: IpAddress, iface: NetInterface): number => (iface.kind === 'loopback' ? 3 : typeof a === 'number' ? 0 : isLinkLocal6(a) ? 2 : 1);
    const all: Array<{ a: IpAddress; r: number }> = [];
    for (const i of this.interfaces) for (const x of i.addresses) if (x.state === 'preferred' || x.state === 'deprecated') all.push({ a: x.address, r: rank(x.address, i) });
    all.sort((p, q) => p.r - q.r);
    const list = all.map((x) => x.a);
    for (const h of this.handlerList) {
      if (!Array.isArray(h.addresses)) continue;
      h.addresses.splice(0, h.addresses.length, ...list);
    }
  }

  private randomMs(max: number): number {
    return Math.floor((this.random.nextUint32() / 0x1_0000_0000) * max);
  }

  // ---------------------------------------------------------------------------------------------
  // ARP (RFC 826, RFC 5227)

  private arpInput(iface: NetInterface, bytes: Uint8Array, now: number): void {
    const c = this.counters;
    const p = decodeArp(bytes);
    if (!p.ok || (p.operation !== ArpOperation.REQUEST && p.operation !== ArpOperation.REPLY) || isMulticastMac(p.senderMac)) {
      c.InArpErrors++;
      return;
    }
    const cache = iface.arp!;
    // RFC 5227 §2.4: someone else claims one of our addresses.
    const mine = iface.addresses.find((a) => a.address === p.senderIp);
    if (mine !== undefined) {
      if (!sameMac(p.senderMac, iface.mac!)) {
        c.AddressConflicts++;
        this.emit({ type: 'conflict', ifIndex: iface.index, address: p.senderIp, mac: p.senderMac.slice() });
        if (mine.defendedAt === undefined || now - mine.defendedAt >= ACD.DEFEND_INTERVAL) {
          mine.defendedAt = now;
          this.sendFrame(iface, BROADCAST_MAC, EtherType.ARP, gratuitousArp(iface.mac!, p.senderIp));
        }
      }
      return;
    }
    if (p.senderIp === 0) return; // an RFC 5227 probe: nothing to learn
    const target = iface.addresses.find((a) => a.address === p.targetIp && a.state === 'preferred');
    // RFC 826: update the sender's entry if we have one; add it if we are the target.
    cache.learn(p.senderIp, p.senderMac, { solicited: p.operation === ArpOperation.REPLY && target !== undefined, override: true }, now, target !== undefined);
    if (target !== undefined && p.operation === ArpOperation.REQUEST) {
      this.sendFrame(iface, p.senderMac, EtherType.ARP, arpReplyFor(p, iface.mac!));
    }
  }

  private arpSolicit(iface: NetInterface, e: NeighborEntry, unicastTo: Uint8Array | undefined, _now: number): void {
    const target = e.address as number;
    const list = iface.usable(4);
    const src = list.find((a) => inPrefix(target, a.address, a.prefixLength)) ?? list[0];
    if (src === undefined) return;
    this.sendFrame(iface, unicastTo ?? BROADCAST_MAC, EtherType.ARP, arpRequest(iface.mac!, src.address as number, target));
  }

  // ---------------------------------------------------------------------------------------------
  // IPv6 neighbour discovery (RFC 4861) and SLAAC (RFC 4862)

  private ndSolicit(iface: NetInterface, e: NeighborEntry, unicastTo: Uint8Array | undefined, _now: number): void {
    const target = e.address as Uint8Array;
    const list = iface.usable(6);
    const src = (list.find((a) => inPrefix(target, a.address, a.prefixLength)) ?? list.find((a) => isLinkLocal6(a.address as Uint8Array)) ?? list[0])?.address as Uint8Array | undefined;
    if (src === undefined) return;
    const dst = unicastTo ? target : solicitedNodeAddress(target);
    const packet = encodeNdpPacket({ src, dst, message: { type: 135, target, options: { sourceLinkLayer: iface.mac } } });
    this.sendFrame(iface, unicastTo ?? ipv6MulticastMac(dst), EtherType.IPV6, packet);
  }

  private ndInput(iface: NetInterface, bytes: Uint8Array, now: number, srcMac: Uint8Array | undefined): void {
    const c = this.counters;
    const p = decodeNdpPacket(bytes);
    // RFC 4861 §6.1, §7.1: hop limit 255 (nobody off-link forged it), checksum, code 0.
    if (!p.ok || !p.checksumValid || p.ip.hopLimit !== NDP_HOP_LIMIT || p.message.code !== 0) {
      c.InNdInvalid++;
      return;
    }
    const m = p.message;
    const src = p.ip.src;
    const unspecified = isUnspecified6(src);
    switch (m.type) {
      case 135:
        if (isMulticast6(m.target) || (unspecified && (!isSolicitedNode(p.ip.dst) || m.options.sourceLinkLayer !== undefined))) {
          c.InNdInvalid++;
          return;
        }
        this.neighborSolicitation(iface, p, m.target, now);
        return;
      case 136:
        if (isMulticast6(m.target) || (isMulticast6(p.ip.dst) && m.solicited)) {
          c.InNdInvalid++;
          return;
        }
        this.neighborAdvertisement(iface, m.target, m.options.targetLinkLayer ?? srcMac, m.solicited, m.override, m.router, now, m.options.targetLinkLayer !== undefined);
        return;
      case 133:
        if (unspecified && m.options.sourceLinkLayer !== undefined) {
          c.InNdInvalid++;
          return;
        }
        if (iface.router === undefined) return; // §6.2.6: hosts ignore solicitations
        if (!unspecified && m.options.sourceLinkLayer) iface.nd!.learn(src, m.options.sourceLinkLayer, { solicited: false, override: true }, now, true);
        // §6.2.6: answer within MAX_RA_DELAY_TIME, but never sooner than MIN_DELAY_BETWEEN_RAS after the last multicast RA.
        {
          let at = now + this.randomMs(ND.MAX_RA_DELAY_TIME);
          if (iface.lastRaAt !== undefined) at = Math.max(at, iface.lastRaAt + ND.MIN_DELAY_BETWEEN_RAS);
          if (iface.raAt === undefined || at < iface.raAt) iface.raAt = at;
        }
        return;
      case 134:
        if (!isLinkLocal6(src)) {
          c.InNdInvalid++;
          return;
        }
        if (iface.router !== undefined || !iface.slaac) return;
        this.routerAdvertisement(iface, p, now);
        return;
      default:
        return; // redirects are not obeyed
    }
  }

  private neighborSolicitation(iface: NetInterface, p: NdpPacket, target: Uint8Array, now: number): void {
    const src = p.ip.src;
    const unspecified = isUnspecified6(src);
    const a = iface.addresses.find((x) => typeof x.address !== 'number' && sameAddr(x.address, target));
    if (a === undefined) return; // no proxy ND
    if (a.state === 'tentative') {
      // §5.4.3: someone else is doing DAD for the same address (their NS from ::): it is a duplicate.
      if (unspecified) this.dadFailed(iface, a);
      return;
    }
    if (a.state === 'duplicate') return;
    const sll = p.message.options.sourceLinkLayer;
    if (!unspecified && sll !== undefined) iface.nd!.learn(src, sll, { solicited: false, override: true }, now, true);
    // §7.2.4: solicited NA to the source, or to all-nodes (S clear) when the source was unspecified.
    const dst = unspecified ? ALL_NODES : src.slice();
    const na = encodeNdpPacket({
      src: target,
      dst,
      message: { type: 136, router: iface.router !== undefined, solicited: !unspecified, override: true, target, options: { targetLinkLayer: iface.mac } },
    });
    if (unspecified) this.sendFrame(iface, ipv6MulticastMac(ALL_NODES), EtherType.IPV6, na);
    else this.transmit(iface, dst, na, now);
  }

  private neighborAdvertisement(iface: NetInterface, target: Uint8Array, tll: Uint8Array | undefined, solicited: boolean, override: boolean, router: boolean, now: number, hadTll: boolean): void {
    const a = iface.addresses.find((x) => typeof x.address !== 'number' && sameAddr(x.address, target));
    if (a !== undefined) {
      // §5.4.4: an NA for our tentative address: a duplicate. For a preferred one: a conflict to report.
      if (a.state === 'tentative') this.dadFailed(iface, a);
      else if (tll !== undefined && !sameMac(tll, iface.mac!)) {
        this.counters.AddressConflicts++;
        this.emit({ type: 'conflict', ifIndex: iface.index, address: target.slice(), mac: tll.slice() });
      }
      return;
    }
    const cache = iface.nd!;
    const e = cache.get(target);
    if (e === undefined) return; // §7.2.5: no entry, silently discarded
    if (!hadTll && e.state === 'INCOMPLETE') return;
    const mac = hadTll ? tll : e.mac;
    if (mac === undefined) return;
    const wasRouter = e.isRouter;
    cache.learn(target, mac, { solicited, override, isRouter: router }, now, false);
    if (wasRouter && !router) {
      // §7.2.5: no longer a router: out of the default router list.
      this.routes.remove((r) => r.origin === 'ra' && r.via !== undefined && sameAddr(r.via, target));
    }
  }

  /** Host mode: RFC 4861 §6.3.4 (router list, parameters, MTU) and RFC 4862 §5.5.3 (SLAAC). */
  private routerAdvertisement(iface: NetInterface, p: NdpPacket, now: number): void {
    const m = p.message;
    if (m.type !== 134) return;
    const router = p.ip.src.slice();
    iface.rsAt = undefined; // §6.3.7: solicitations stop once an RA arrives
    const nd = iface.nd!;
    const sll = m.options.sourceLinkLayer;
    if (sll) nd.learn(router, sll, { solicited: false, override: true, isRouter: true }, now, true);
    else {
      const e = nd.get(router);
      if (e) e.isRouter = true;
    }
    if (m.reachableTime !== 0) nd.setBaseReachableTime(m.reachableTime);
    if (m.retransTimer !== 0) nd.params.retransTimer = m.retransTimer;
    // The default route through this router, for its lifetime (0: it is not a default router).
    this.routes.remove((r) => r.origin === 'ra' && r.length === 0 && r.ifIndex === iface.index && r.via !== undefined && sameAddr(r.via, router));
    if (m.routerLifetime > 0) {
      this.routes.add({ prefix: new Uint8Array(16), length: 0, ifIndex: iface.index, via: router, metric: 1024, origin: 'ra', expires: now + m.routerLifetime * 1000 });
    }
    this.emit({ type: 'router', ifIndex: iface.index, router, lifetime: m.routerLifetime });
    // §6.3.4: an MTU option within the link's limits becomes the interface's MTU.
    const mtu = m.options.mtu;
    if (mtu !== undefined && mtu >= 1280 && mtu <= iface.linkMtu) iface.mtu = mtu;
    for (const pi of m.options.prefixes ?? []) {
      if (isLinkLocal6(pi.prefix)) continue; // §6.3.4 and RFC 4862 §5.5.3 (b): the link-local prefix is ignored
      const valid = lifetimeMs(pi.validLifetime);
      if (pi.onLink) {
        this.routes.remove((r) => r.origin === 'ra' && r.length === pi.prefixLength && r.ifIndex === iface.index && r.via === undefined && sameAddr(r.prefix, networkOf(pi.prefix, pi.prefixLength)));
        if (pi.validLifetime > 0) this.routes.add({ prefix: pi.prefix, length: pi.prefixLength, ifIndex: iface.index, metric: 256, origin: 'ra', expires: valid === undefined ? undefined : now + valid });
      }
      // RFC 4862 §5.5.3: A set, preferred <= valid, and the prefix plus our 64-bit identifier make 128 bits.
      if (!pi.autonomous || pi.preferredLifetime > pi.validLifetime) continue;
      if (pi.prefixLength !== 64) continue;
      const address = withInterfaceId(pi.prefix, eui64InterfaceId(iface.mac!));
      const preferred = lifetimeMs(pi.preferredLifetime);
      const have = iface.addresses.find((x) => typeof x.address !== 'number' && sameAddr(x.address, address));
      if (have === undefined) {
        if (pi.validLifetime === 0) continue;
        this.addAddressTo(iface, address, 64, 'slaac', now, false, { valid, preferred });
        continue;
      }
      if (have.origin !== 'slaac' || have.state === 'duplicate') continue;
      have.preferredUntil = preferred === undefined ? undefined : now + preferred;
      if (have.state === 'deprecated' && (preferred === undefined || preferred > 0)) have.state = 'preferred';
      // §5.5.3 (e): the two-hour rule, so a forged RA cannot end an address's life at once.
      const remaining = have.validUntil === undefined ? Infinity : have.validUntil - now;
      if (valid === undefined || valid > ND.TWO_HOURS || valid > remaining) have.validUntil = valid === undefined ? undefined : now + valid;
      else if (remaining > ND.TWO_HOURS) have.validUntil = now + ND.TWO_HOURS;
    }
  }

  /** Host mode: RFC 4861 §6.3.7. */
  private routerSolicit(iface: NetInterface, now: number): void {
    if (iface.rsSent >= ND.MAX_RTR_SOLICITATIONS) {
      iface.rsAt = undefined;
      return;
    }
    const ll = iface.addresses.find((a) => a.origin === 'link-local' && a.state === 'preferred');
    // From the unspecified address (and without the source link-layer option) while the link-local is tentative.
    const src = (ll?.address as Uint8Array | undefined) ?? new Uint8Array(16);
    const packet = encodeNdpPacket({ src, dst: ALL_ROUTERS, message: { type: 133, options: ll ? { sourceLinkLayer: iface.mac } : {} } });
    this.sendFrame(iface, ipv6MulticastMac(ALL_ROUTERS), EtherType.IPV6, packet);
    iface.rsSent++;
    iface.rsAt = iface.rsSent < ND.MAX_RTR_SOLICITATIONS ? now + ND.RTR_SOLICITATION_INTERVAL : undefined;
  }

  /** Router mode: RFC 4861 §6.2.3 (contents) and §6.2.4 (when). */
  private routerAdvertise(iface: NetInterface, now: number, _solicited: boolean): void {
    const s: RouterAdvertSettings = iface.router!;
    const ll = iface.addresses.find((a) => a.origin === 'link-local' && a.state === 'preferred');
    if (ll === undefined) {
      // §6.2.2: RAs come from the link-local address: wait for DAD to finish.
      iface.raAt = now + 1000;
      return;
    }
    const prefixes = s.prefixes
      ? s.prefixes.map((x) => {
          const pp = parsePrefix(x.prefix);
          if (pp === undefined || typeof pp.address === 'number') throw new RangeError(`router prefix "${x.prefix}" is not an IPv6 prefix`);
          return { prefixLength: pp.length, onLink: x.onLink ?? true, autonomous: x.autonomous ?? pp.length === 64, validLifetime: x.validLifetime ?? 2_592_000, preferredLifetime: x.preferredLifetime ?? 604_800, prefix: networkOf(pp.address, pp.length) as Uint8Array };
        })
      : iface.addresses
          .filter((a) => typeof a.address !== 'number' && a.origin === 'manual' && !isLinkLocal6(a.address) && a.prefixLength < 128)
          .map((a) => ({ prefixLength: a.prefixLength, onLink: true, autonomous: a.prefixLength === 64, validLifetime: 2_592_000, preferredLifetime: 604_800, prefix: networkOf(a.address, a.prefixLength) as Uint8Array }));
    const mtu = s.mtu ?? iface.mtu;
    const ra = encodeNdpPacket({
      src: ll.address as Uint8Array,
      dst: ALL_NODES,
      message: {
        type: 134,
        curHopLimit: s.curHopLimit,
        managed: false,
        other: false,
        routerLifetime: Math.min(0xffff, Math.round(s.lifetime)),
        reachableTime: 0,
        retransTimer: 0,
        options: { sourceLinkLayer: iface.mac, prefixes, ...(mtu > 0 ? { mtu } : {}) },
      },
    });
    this.sendFrame(iface, ipv6MulticastMac(ALL_NODES), EtherType.IPV6, ra);
    iface.rasSent++;
    iface.lastRaAt = now;
    // §6.2.4: the next unsolicited one uniformly in [Min, Max]; no more than 16 s apart for the first three.
    let next = (s.minInterval + (this.random.nextUint32() / 0x1_0000_0000) * (s.maxInterval - s.minInterval)) * 1000;
    if (iface.rasSent < ND.MAX_INITIAL_RTR_ADVERTISEMENTS) next = Math.min(next, ND.MAX_INITIAL_RTR_ADVERT_INTERVAL);
    iface.raAt = now + next;
  }
}

/** A lifetime in seconds as ms; 0xffffffff is infinity (undefined). */
function lifetimeMs(s: number): number | undefined {
  return s === 0xffffffff ? undefined : s * 1000;
}

function isLoopback6(a: Uint8Array): boolean {
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

function isLinkLocalAddr(a: IpAddress): boolean {
  return typeof a !== 'number' && isLinkLocal6(a);
}

/** ff02::1:ffXX:XXXX (RFC 4291 §2.7.1). */
function isSolicitedNode(a: Uint8Array): boolean {
  return a[0] === 0xff && a[1] === 2 && a[11] === 1 && a[12] === 0xff && a.subarray(2, 11).every((b) => b === 0);
}

/**
 * Cut an IPv4 packet (DF clear) into fragments that fit `mtu` (RFC 791 §3.2, "An Example
 * Fragmentation Procedure"): data in multiples of 8 bytes, MF on all but the last, options whose copy
 * flag is set repeated in every fragment after the first. Undefined if the MTU leaves no room.
 */
export function fragmentIpv4(packet: Uint8Array, headerLength: number, mtu: number): Uint8Array[] | undefined {
  const total = (packet[2] << 8) | packet[3];
  const data = packet.subarray(headerLength, total);
  const flagsFrag = (packet[6] << 8) | packet[7];
  const origOffset = flagsFrag & 0x1fff;
  const origMf = (flagsFrag & 0x2000) !== 0;
  const options = packet.subarray(20, headerLength);
  const copied: number[] = [];
  for (let i = 0; i < options.length; ) {
    const t = options[i];
    if (t === 0) break;
    if (t === 1) {
      i++;
      continue;
    }
    const len = options[i + 1];
    if (len === undefined || len < 2 || i + len > options.length) break;
    if (t & 0x80) for (let k = 0; k < len; k++) copied.push(options[i + k]);
    i += len;
  }
  while (copied.length % 4 !== 0) copied.push(0);
  const pieces: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    const hl = at === 0 ? headerLength : 20 + copied.length;
    const room = Math.floor((mtu - hl) / 8) * 8;
    if (room <= 0) return undefined;
    const n = Math.min(room, data.length - at);
    const last = at + n >= data.length;
    const out = new Uint8Array(hl + n);
    out.set(packet.subarray(0, 20), 0);
    if (at === 0) out.set(options, 20);
    else out.set(copied, 20);
    out[0] = 0x40 | (hl >>> 2);
    put16(out, 2, hl + n);
    put16(out, 6, (flagsFrag & 0x8000) | (last && !origMf ? 0 : 0x2000) | ((origOffset + at / 8) & 0x1fff));
    put16(out, 10, 0);
    put16(out, 10, internetChecksum(out, 0, hl));
    out.set(data.subarray(at, at + n), hl);
    pieces.push(out);
    at += n;
  }
  return pieces;
}
