/**
 * The deterministic network simulator: hosts (each a Stack) joined by point-to-point links with
 * delay, jitter, a bandwidth bottleneck with a finite queue, an MTU, loss, duplication, reordering,
 * corruption and partitions. Everything runs on one virtual clock and every random choice comes from
 * one seed, so a run is reproducible byte for byte: "advance to the next event, deliver, repeat".
 */
import { turn } from './soon.js';
import { encodeIcmpPacket, encodePcap, ipToString, withTcpChecksum, ICMP4_FRAG_NEEDED, Icmp4Type, Icmp6Type, type IpAddress } from '../wire/index.js';
import { u32 } from '../wire/bytes.js';
import { showValue } from '../wire/checks.js';
import { SeededRandom } from '../tcp/random.js';
import type { TcpConfig } from '../tcp/config.js';
import { sameAddress } from '../stack/endpoint.js';
import { Stack, type StackLimits, type SynCookieMode } from '../stack/stack.js';
import { DeliveryFifo, EventQueue } from './event-queue.js';
import { Host, type Driver } from './host.js';
import { checkHostOptions, checkLinkProfile } from './sim-options.js';
import { NetStack, type InterfaceOptions, type RouteOptions } from '../net/net-stack.js';
import { linkLocalFor, parsePrefix } from '../net/prefix.js';
import { parseMac } from '../wire/ethernet.js';
import { SimSegment, checkSegmentName, type SegmentPort } from './segment.js';
import { GroMerger, GsoSegmenter } from './offload.js';

export interface LinkProfile {
  /** One-way propagation delay (ms). */
  delayMs: number;
  /** Extra delay per packet, uniform in [0, jitterMs). Packets may overtake each other. */
  jitterMs: number;
  /** Bottleneck rate (bits per second); Infinity for none. */
  rateBps: number;
  /**
   * Bytes the bottleneck holds, the packet being sent included, before it drops arrivals (tail drop,
   * as Linux's bfifo: a packet bigger than the whole queue is always dropped).
   */
  queueBytes: number;
  /** Largest IP packet the link carries; bigger ones are dropped with an ICMP "too big" to the sender. */
  mtu: number;
  /** Probabilities, as fractions (0.01 = 1%). */
  loss: number;
  duplicate: number;
  /** Chance that a packet is held back by an extra delay of up to 2*delayMs + 1 ms, arriving after later ones. */
  reorder: number;
  /** Chance that one random bit of the packet is flipped. */
  corrupt: number;
  /**
   * Burst loss by the Gilbert-Elliott model (netem's `loss gemodel p r 1-h 1-k`): the direction is in
   * a good or a bad state; each packet is lost with `goodLoss` (1-k) in the good state and `burstLoss`
   * (1-h) in the bad one, then the state moves good to bad with `burstEnter` (p) and bad to good with
   * `burstExit` (r). Off while burstEnter is 0. In the long run the bad state holds p/(p+r) of the
   * packets, a stay in it lasts 1/r packets on average, and the loss rate is
   * (r*(1-k) + p*(1-h))/(p+r). Independent of `loss`, which applies as well.
   */
  burstEnter: number;
  burstExit: number;
  burstLoss: number;
  goodLoss: number;
}

export const DEFAULT_LINK: Readonly<LinkProfile> = Object.freeze({
  delayMs: 1,
  jitterMs: 0,
  rateBps: Infinity,
  queueBytes: 1 << 20,
  mtu: 1500,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  corrupt: 0,
  burstEnter: 0,
  burstExit: 1,
  burstLoss: 1,
  goodLoss: 0,
});

export class LinkStats {
  sent = 0;
  delivered = 0;
  lost = 0;
  /** Of `lost`, those the Gilbert-Elliott model lost (see LinkProfile.burstEnter). */
  burstLost = 0;
  duplicated = 0;
  reordered = 0;
  corrupted = 0;
  queueDrops = 0;
  tooBig = 0;
  downDrops = 0;
  bytes = 0;
}

export type LinkTap = (packet: Uint8Array, timeMs: number, from: Host) => void;

/** Why a link dropped a packet it was given. */
export type LinkDropReason = 'loss' | 'queue' | 'corrupt' | 'partition' | 'too-big' | 'removed';
/** Called after the tap, for a packet the link will not deliver (or delivers corrupted: 'corrupt'). */
export type LinkDropTap = (packet: Uint8Array, timeMs: number, from: Host, reason: LinkDropReason) => void;
/**
 * Called when the link schedules a packet's delivery (a duplicate is a second delivery of the same
 * packet): `id` names that delivery for `SimLink.cancel` while it is in flight.
 */
export type LinkDeliveryTap = (packet: Uint8Array, sentAt: number, arrivesAt: number, from: Host, id: number) => void;

/** A packet on a link, not yet delivered (kept only while the link's deliveries are tapped). */
export interface PendingDelivery {
  id: number;
  packet: Uint8Array;
  from: Host;
  to: Host;
  sentAt: number;
  arrivesAt: number;
}

/**
 * A deterministic impairment chosen by the caller, per packet (for tests that must lose or delay one
 * particular segment): 'drop' loses it (counted in `lost`), a number delays it by that many ms more
 * (it may be overtaken), undefined lets the profile decide.
 */
export type LinkFilter = (packet: Uint8Array, timeMs: number, from: Host) => 'drop' | number | undefined;

/** A point-to-point link between two hosts; each direction has its own profile and queue. */
export class SimLink {
  up = true;
  readonly stats = new LinkStats();
  private readonly taps: LinkTap[] = [];
  private dropTaps: LinkDropTap[] | undefined;
  private deliveryTaps: LinkDeliveryTap[] | undefined;
  /** Deliveries scheduled and not yet made, by id, in the order they were scheduled (while tapped). */
  private pending: Map<number, { view: PendingDelivery; event: SimEvent }> | undefined;
  /** See LinkFilter; applied after the taps, before the profile's impairments. */
  filter: LinkFilter | undefined;
  /** When each direction's bottleneck finishes sending what it holds. */
  private readonly busyUntil = [0, 0];
  /** Each direction's Gilbert-Elliott state: in the bad state (a loss burst)? */
  private readonly burstBad = [false, false];
  /** Packets in flight towards b (0) and towards a (1), in arrival order (see SimNetwork.deliverAt). */
  readonly inFlight: [DeliveryFifo<SimEvent>, DeliveryFifo<SimEvent>] = [new DeliveryFifo(), new DeliveryFifo()];
  /** Between two nodes' ip interfaces (SimNetwork.connect): the interface index at a and at b. */
  ends: [number, number] | undefined;

  constructor(
    readonly net: SimNetwork,
    readonly a: Host,
    readonly b: Host,
    readonly profiles: [LinkProfile, LinkProfile],
  ) {}

  /** Observe every packet sent into the link (as a capture on the sender's interface would). */
  tap(t: LinkTap): void {
    this.taps.push(t);
  }

  /**
   * Observe every packet this link drops, with the reason (a trace's "lost" arrow). A corrupted
   * packet is still delivered (the receiver's checksum drops it): it is reported as 'corrupt'.
   */
  tapDrops(t: LinkDropTap): void {
    (this.dropTaps ??= []).push(t);
  }

  /**
   * Observe every delivery the link schedules, with its arrival time; from then on the link keeps
   * the packets in flight (`inFlightPackets`) and any of them can be taken off it (`cancel`).
   */
  tapDeliveries(t: LinkDeliveryTap): void {
    (this.deliveryTaps ??= []).push(t);
    this.pending ??= new Map();
  }

  /** The packets on the link now, in the order they were sent (needs tapDeliveries). */
  inFlightPackets(): PendingDelivery[] {
    return this.pending === undefined ? [] : [...this.pending.values()].map((p) => p.view);
  }

  /**
   * Take a packet in flight off the link (a learner's click, a test's precise loss): it is never
   * delivered, counted as lost, and the drop taps see it with reason 'removed'. Returns false when
   * no such delivery is in flight (delivered already, or never tapped).
   */
  cancel(id: number): boolean {
    const p = this.pending?.get(id);
    if (p === undefined) return false;
    this.pending!.delete(id);
    p.event.cancelled = true;
    this.stats.lost++;
    this.dropped(p.view.packet, this.net.now, p.view.from, 'removed');
    return true;
  }

  /** A delivery was made: it is no longer in flight. */
  delivered(id: number): void {
    this.pending?.delete(id);
  }

  private dropped(packet: Uint8Array, now: number, from: Host, reason: LinkDropReason): void {
    if (this.dropTaps) for (const t of this.dropTaps) t(packet, now, from, reason);
  }

  /** Collect a pcap of everything sent on this link: call the returned function for the file's bytes. */
  capture(): () => Uint8Array {
    const packets: Array<{ data: Uint8Array; timeMs: number }> = [];
    // A host that offloads checksums sends zeros in the field: the capture gets them filled in.
    this.tap((data, timeMs, from) => packets.push({ data: from.stack.checksumOffload ? withTcpChecksum(data) : data, timeMs }));
    return () => encodePcap(packets);
  }

  /** Take the link down (a partition) from `fromMs` until `toMs` (virtual time). */
  partition(fromMs: number, toMs: number): void {
    checkTime(fromMs, 'SimLink.partition', 'fromMs');
    checkTime(toMs, 'SimLink.partition', 'toMs');
    if (!Number.isFinite(fromMs)) throw new RangeError(`SimLink.partition: fromMs must be finite, got ${fromMs}`);
    if (toMs < fromMs) throw new RangeError(`SimLink.partition: toMs must be >= fromMs, got ${fromMs}..${toMs}`);
    this.net.at(fromMs, () => (this.up = false));
    this.net.at(toMs, () => (this.up = true));
  }

  /** The Gilbert-Elliott model's verdict for one packet of direction `dir`: loss in the current state, then the state's move. */
  private burstLost(dir: number, p: LinkProfile): boolean {
    const r = this.net.random;
    const bad = this.burstBad[dir];
    const lossHere = bad ? p.burstLoss : p.goodLoss;
    const lost = lossHere > 0 && r.chance(lossHere);
    this.burstBad[dir] = bad ? !r.chance(p.burstExit) : r.chance(p.burstEnter);
    return lost;
  }

  /**
   * Change one direction's settings from now on (0: a to b, 1: b to a); keys left out keep their
   * values. Packets already in flight keep the delays they were given. Checked as SimNetwork.link's.
   */
  setProfile(dir: 0 | 1, profile: Partial<LinkProfile>): void {
    if (dir !== 0 && dir !== 1) throw new RangeError(`SimLink.setProfile: dir must be 0 (a to b) or 1 (b to a), got ${showValue(dir)}`);
    checkLinkProfile(profile, 'SimLink.setProfile', 'profile');
    this.profiles[dir] = withDefaults(this.profiles[dir], profile);
    if (this.profiles[dir].burstEnter === 0) this.burstBad[dir] = false;
  }

  other(h: Host): Host {
    return h === this.a ? this.b : this.a;
  }

  /**
   * Carry `packet` from `from` to the other end, as the profile says. `owned`: no one but this link
   * holds the packet (a piece the simulator cut, SimNetwork's service); it stays the receiver's alone
   * (GroMerger may write it: see link/offload.ts) only while nothing else can see it: no tap or
   * capture, no delivery tap (the explorer's packets in flight), no filter, and not delivered twice.
   */
  send(from: Host, packet: Uint8Array, owned = false): void {
    const net = this.net;
    const r = net.random;
    const dir = from === this.a ? 0 : 1;
    const p = this.profiles[dir];
    const to = dir === 0 ? this.b : this.a;
    const now = net.now;
    this.stats.sent++;
    this.stats.bytes += packet.length;
    for (const t of this.taps) t(packet, now, from);
    if (!this.up) {
      this.stats.downDrops++;
      this.dropped(packet, now, from, 'partition');
      return;
    }
    const verdict = this.filter?.(packet, now, from);
    if (verdict === 'drop') {
      this.stats.lost++;
      this.dropped(packet, now, from, 'loss');
      return;
    }
    if (packet.length > p.mtu) {
      this.stats.tooBig++;
      this.dropped(packet, now, from, 'too-big');
      net.tooBig(from, to, packet, p.mtu);
      return;
    }
    if (p.burstEnter > 0 && this.burstLost(dir, p)) {
      this.stats.lost++;
      this.stats.burstLost++;
      this.dropped(packet, now, from, 'loss');
      return;
    }
    if (p.loss > 0 && r.chance(p.loss)) {
      this.stats.lost++;
      this.dropped(packet, now, from, 'loss');
      return;
    }
    let departure = now;
    if (p.rateBps !== Infinity) {
      const start = Math.max(now, this.busyUntil[dir]);
      const queued = ((start - now) * p.rateBps) / 8000;
      if (queued + packet.length > p.queueBytes) {
        this.stats.queueDrops++;
        this.dropped(packet, now, from, 'queue');
        return;
      }
      departure = this.busyUntil[dir] = start + (packet.length * 8000) / p.rateBps;
    }
    let arrival = departure + p.delayMs + (p.jitterMs > 0 ? r.next() * p.jitterMs : 0) + (verdict ?? 0);
    if (p.reorder > 0 && r.chance(p.reorder)) {
      this.stats.reordered++;
      arrival += 1 + r.next() * 2 * p.delayMs;
    }
    let data = packet;
    let exclusive = owned && this.taps.length === 0 && this.deliveryTaps === undefined && this.filter === undefined;
    if (p.corrupt > 0 && r.chance(p.corrupt)) {
      this.stats.corrupted++;
      exclusive = false; // a copy, alone in its memory (and the drop taps have seen the original)
      data = packet.slice();
      const bit = r.int(data.length * 8);
      data[bit >>> 3] ^= 1 << (bit & 7);
      this.dropped(packet, now, from, 'corrupt');
    }
    // (Drawn before the delivery is scheduled, which draws nothing: the seed's sequence is as it was.)
    const duplicated = p.duplicate > 0 && r.chance(p.duplicate);
    // A delivery may join the one sent just before it (SimNetwork.deliverAt's trains) unless each
    // needs an id of its own (delivery taps, cancel) or it goes twice.
    const tapped = this.deliveryTaps !== undefined;
    const delivery = net.deliverAt(arrival, to, data, this, exclusive && !duplicated, !tapped && !duplicated);
    if (tapped) this.scheduled(delivery, data, now, arrival, from, to);
    if (duplicated) {
      this.stats.duplicated++;
      const again = arrival + r.next() * (p.jitterMs + 1);
      const second = net.deliverAt(again, to, data, this);
      if (tapped) this.scheduled(second, data, now, again, from, to);
    }
  }

  private scheduled(event: SimEvent, packet: Uint8Array, sentAt: number, arrivesAt: number, from: Host, to: Host): void {
    const taps = this.deliveryTaps;
    if (taps === undefined) return;
    const id = event.id;
    this.pending!.set(id, { view: { id, packet, from, to, sentAt, arrivesAt }, event });
    for (const t of taps) t(packet, sentAt, arrivesAt, from, id);
  }
}

export interface SimHostOptions {
  addresses: Array<string | IpAddress>;
  tcp?: Partial<TcpConfig>;
  limits?: Partial<StackLimits>;
  /** See StackOptions.trustChecksums (explicit, simulator links only). */
  trustChecksums?: boolean;
  /**
   * See StackOptions.checksumOffload: the host neither computes outgoing TCP checksums nor verifies
   * incoming ones (as on the kernel's loopback). Default false. Captures (SimLink.capture) still hold
   * valid checksums: they are filled in as the packet is captured.
   */
  checksumOffload?: boolean;
  /** See StackOptions.synCookies (default 'on-overflow'). */
  synCookies?: SynCookieMode;
  /**
   * Segmentation offload at the sender (StackOptions.gsoMaxSize): the largest packet the host's stack
   * hands its links, which the simulator cuts into wire packets before the link sees them
   * (link/offload.ts), so links, taps, captures and filters see only what a stack without offload
   * sends. Default SIM_GSO_MAX_SIZE (65,535: the simulator's links are local, as a loopback or a
   * virtual device is); 0 turns it off.
   */
  gsoMaxSize?: number;
  /**
   * Receive offload (GRO, link/offload.ts): packets of one TCP flow taken in one receive batch
   * (SimNetwork.receiveBatch above 1) that continue each other are merged before the stack. Default
   * true; nothing merges while receiveBatch is 1.
   */
  gro?: boolean;
}

/** SimHostOptions.gsoMaxSize's default: the largest IP packet (Linux's GSO_MAX_SIZE is 65,536). */
export const SIM_GSO_MAX_SIZE = 65535;

/**
 * One entry of the event queue. A single shape for every kind (fields a kind does not use are left
 * empty), so that delivered entries can go back to a free list and be reused: a packet delivery, the
 * most common event, then allocates nothing.
 */
interface SimEvent {
  kind: 'deliver' | 'timer' | 'call' | 'frame';
  host: Host | undefined;
  packet: Uint8Array | undefined;
  link: SimLink | undefined;
  at: number;
  fn: (() => void) | undefined;
  /** The link direction's queue this delivery heads (its successor enters the heap after it). */
  fifo: DeliveryFifo<SimEvent> | undefined;
  /** A delivery's id (SimLink.cancel); 0 for other kinds. */
  id: number;
  /** Taken off the link before it arrived: popped, and not delivered. */
  cancelled: boolean;
  /** A frame's interface at the receiving node. */
  ifIndex: number;
  /** A delivery whose packet the receiver owns outright (SimLink.send's `owned`; GroMerger may write it). */
  owned: boolean;
  /** The delivery's insertion number in the queue (its place among equal times). */
  seq: number;
  /** A delivery that later packets of the same instant may join (see deliverAt's trains). */
  trainable: boolean;
  /** Packets that joined it, delivered after `packet` in order; `trainAt` of them and `packet` delivered so far (0: none). */
  train: Uint8Array[] | undefined;
  trainAt: number;
}

const NO_STEP_LIMIT = Infinity;

export interface RunLimits {
  /** Stop at this virtual time (absolute, ms). */
  untilMs?: number;
  /** Fail (throw) after this many events, so that no run can hang. */
  maxSteps?: number;
}

export class SimNetwork implements Driver {
  /** Virtual time (ms). */
  now = 0;
  readonly random: SeededRandom;
  readonly hosts: Host[] = [];
  readonly links: SimLink[] = [];
  /** Ethernet segments (addSegment). */
  readonly segments: SimSegment[] = [];
  /** Per node: the segment port of each frames interface, the link of each ip interface, by ifIndex. */
  private readonly ports = new Map<Host, Map<number, SegmentPort | SimLink>>();
  /** Packets no link could carry (no route). */
  noRoute = 0;
  private readonly queue = new EventQueue<SimEvent>();
  /** Handled entries, for reuse (see SimEvent). */
  private readonly freeEvents: SimEvent[] = [];
  /**
   * Hosts waiting for service, each once (Host.serviceQueued), in the order they asked; `serving` is
   * the list being serviced (the two swap, so a step allocates nothing, not even an iterator).
   */
  private needService: Host[] = [];
  private serving: Host[] = [];
  /** Per sending host: the link to each IPv4 destination, once found (cleared when links change). */
  private readonly routes4 = new Map<Host, Map<number, SimLink>>();
  private readonly timerAt = new Map<Host, number>();
  private steps = 0;
  /**
   * How many packets arriving at the same instant are delivered before the hosts that got them act
   * (their applications' events, their output). 1 (the default): a host acts after every packet, so
   * a receiver acknowledges a burst every second segment, as RFC 9293 §3.8.6.3 describes. Above 1, a
   * host takes up to that many at once, as synack's TUN driver takes a read batch and a Linux driver
   * a NAPI poll (64 packets): a burst is read and acknowledged once per batch (the ACK covers all of
   * it, as Linux's acknowledgment of a GRO aggregate does). Only same-instant arrivals batch: a link
   * with a bandwidth spaces its packets out, and nothing changes there.
   */
  receiveBatch = 1;
  /** Packets delivered since hosts were last serviced (see receiveBatch). */
  private batched = 0;
  /** Cuts offloaded packets (SimHostOptions.gsoMaxSize) into wire packets; the pieces of the last one. */
  private readonly gso = new GsoSegmenter();
  private readonly gsoPieces: Uint8Array[] = [];
  /** Hosts whose GroMerger holds packets (SimHostOptions.gro): handed over before anything else happens. */
  private readonly groHolding: Host[] = [];
  /** Ids of deliveries (SimLink.cancel), counting from 1. */
  private deliveries = 0;
  /** Called after each piece of work a step did (an observer's hook, as the explorer's snapshots). */
  onStep: (() => void) | undefined;
  /**
   * Set by a RealtimeDriver: the virtual time the wall clock says it is, and a call that asks the
   * driver for a run soon (after an application's call from outside the simulation).
   */
  private clock: (() => number) | undefined;
  private wake: (() => void) | undefined;
  /** Inside step(): time stands still while an event is handled. */
  private processing = false;

  constructor(readonly seed: number) {
    // Every random choice comes from the seed: one that is not an integer would make runs that look
    // different (seed NaN, seed 1.5) the same run, and a report's seed could not reproduce it.
    if (!Number.isSafeInteger(seed)) {
      throw new (typeof seed === 'number' ? RangeError : TypeError)(`SimNetwork: seed must be an integer in [-(2^53 - 1), 2^53 - 1], got ${showValue(seed)}`);
    }
    this.random = new SeededRandom(seed, 0);
  }

  /** A host with its TCP stack, its random source the seed's stream `stream`, added to the network. */
  private newHost(name: string, addresses: SimHostOptions['addresses'], stream: number, opts: Pick<SimHostOptions, 'tcp' | 'limits' | 'trustChecksums' | 'checksumOffload' | 'synCookies' | 'gsoMaxSize' | 'gro'>): Host {
    const stack = new Stack({
      addresses,
      random: new SeededRandom(this.seed, stream),
      tcp: opts.tcp,
      limits: opts.limits,
      trustChecksums: opts.trustChecksums,
      checksumOffload: opts.checksumOffload,
      synCookies: opts.synCookies,
      gsoMaxSize: opts.gsoMaxSize ?? SIM_GSO_MAX_SIZE,
    });
    const host = new Host(name, stack, this);
    if (opts.gro ?? true) host.gro = new GroMerger(host, !stack.trustChecksums);
    this.hosts.push(host);
    return host;
  }

  /**
   * Add a host. Throws a TypeError for an option that is not one (a misspelt key names the known
   * ones) and a RangeError for an address that is not one, or a name or address another host has.
   */
  addHost(name: string, opts: SimHostOptions): Host {
    const addresses = checkHostOptions(name, opts, 'SimNetwork.addHost');
    this.checkUnique(name, addresses);
    return this.newHost(name, opts.addresses, this.hosts.length + 1, opts);
  }

  /**
   * Join two hosts of this network; `reverse` is b->a's profile when it differs from a->b's. A key
   * left out (or undefined) takes DEFAULT_LINK's value. Throws a TypeError for an unknown key (naming
   * the known ones) or a value that is not a number, a RangeError for a value out of its range (see
   * LinkProfile), and for a host linked to itself.
   */
  link(a: Host, b: Host, profile: Partial<LinkProfile> = {}, reverse?: Partial<LinkProfile>): SimLink {
    for (const [end, h] of [['a', a], ['b', b]] as const) {
      if (!(h instanceof Host) || !this.hosts.includes(h)) throw new TypeError(`SimNetwork.link: ${end} must be a host added to this network with addHost, got ${showValue(h)}`);
    }
    if (a === b) throw new RangeError(`SimNetwork.link: a host cannot be linked to itself ("${a.name}")`);
    checkLinkProfile(profile, 'SimNetwork.link', 'profile');
    checkLinkProfile(reverse, 'SimNetwork.link', 'reverse');
    const ab = withDefaults(DEFAULT_LINK, profile);
    const ba = withDefaults(ab, reverse);
    const l = new SimLink(this, a, b, [ab, ba]);
    this.links.push(l);
    this.routes4.clear();
    return l;
  }

  /** An Ethernet segment: a learning switch that nodes' frames interfaces plug into (see SimSegment). */
  addSegment(name: string, profile: Partial<LinkProfile> = {}): SimSegment {
    checkSegmentName(name);
    if (this.segments.some((s) => s.name === name)) throw new RangeError(`SimNetwork.addSegment: a segment named "${name}" exists already`);
    checkLinkProfile(profile, 'SimNetwork.addSegment', 'profile');
    const seg = new SimSegment(this, name, withDefaults(DEFAULT_LINK, profile));
    this.segments.push(seg);
    return seg;
  }

  /**
   * A node: a host with a network layer of its own (src/net: interfaces, ARP, NDP, routes, optional
   * forwarding) under its TCP stack. Each frames interface names the segment it plugs into; ip
   * interfaces are joined later by `connect`. MACs default to 02:00:00:00:NN:II (node, interface).
   */
  addNode(name: string, opts: SimNodeOptions): Host {
    if (opts === null || typeof opts !== 'object' || !Array.isArray(opts.interfaces)) throw new TypeError('SimNetwork.addNode: options must be an object with an interfaces array');
    for (const h of this.hosts) if (h.name === name) throw new RangeError(`SimNetwork.addNode: a host named "${name}" exists already`);
    const n = this.hosts.length + 1;
    const net = new NetStack({ forwarding: opts.forwarding ?? false, random: new SeededRandom(this.seed, 0x4e00 + n) });
    const specs = opts.interfaces.map((spec, i) => {
      const kind = spec.kind ?? 'frames';
      const mac = kind === 'frames' ? (spec.mac ?? `02:00:00:00:${(n & 0xff).toString(16).padStart(2, '0')}:${(i + 1).toString(16).padStart(2, '0')}`) : undefined;
      return { spec, kind, mac };
    });
    // The TCP stack starts with the static addresses (the network layer keeps its list from then on).
    const addresses: IpAddress[] = [];
    for (const { spec } of specs) for (const a of spec.addresses ?? []) {
      const p = parsePrefix(a);
      if (p === undefined) throw new RangeError(`SimNetwork.addNode: "${a}" is not an address with a prefix length`);
      addresses.push(p.address);
    }
    if (addresses.length === 0) {
      const first = specs.find((x) => x.kind === 'frames');
      if (first === undefined) throw new RangeError(`SimNetwork.addNode: node "${name}" has no address and no frames interface to make a link-local one on`);
      addresses.push(linkLocalFor(typeof first.mac === 'string' ? parseMac(first.mac)! : first.mac!));
    }
    // No segmentation offload on a node: its packets go through the network layer (frames,
    // neighbours, forwarding), which carries wire packets only.
    const host = this.newHost(name, addresses, n, { ...opts, gsoMaxSize: 0, gro: false });
    host.net = net;
    const ports = new Map<number, SegmentPort | SimLink>();
    this.ports.set(host, ports);
    for (const { spec, kind, mac } of specs) {
      const { segment, profile, ...rest } = spec;
      const iface = net.addInterface({ ...rest, kind, mac, mtu: spec.mtu ?? (segment ? segment.profile.mtu : undefined) } as InterfaceOptions, this.now);
      if (segment !== undefined) {
        if (kind !== 'frames') throw new RangeError(`SimNetwork.addNode: interface ${iface.name} of "${name}" is of kind ${kind}: only frames interfaces plug into a segment`);
        ports.set(iface.index, segment.attach(host, iface.index, profile));
      }
    }
    net.addProtocol(6, host.stack);
    for (const r of opts.routes ?? []) net.addRoute(r);
    this.needsService(host);
    return host;
  }

  /** Join two nodes' ip interfaces (by name or index) with a point-to-point link (a SimLink: every LinkProfile impairment). */
  connect(a: Host, aIf: string | number, b: Host, bIf: string | number, profile: Partial<LinkProfile> = {}, reverse?: Partial<LinkProfile>): SimLink {
    const end = (h: Host, i: string | number): number => {
      if (!(h instanceof Host) || h.net === undefined || !this.hosts.includes(h)) throw new TypeError(`SimNetwork.connect: ${showValue(h)} is not a node of this network (addNode)`);
      const iface = typeof i === 'number' ? h.net.interface(i) : h.net.interfaceByName(i);
      if (iface === undefined || iface.kind !== 'ip') throw new RangeError(`SimNetwork.connect: ${h.name} has no ip interface ${String(i)}`);
      if (this.ports.get(h)!.has(iface.index)) throw new RangeError(`SimNetwork.connect: ${h.name} interface ${iface.name} is connected already`);
      return iface.index;
    };
    const ea = end(a, aIf);
    const eb = end(b, bIf);
    if (a === b) throw new RangeError('SimNetwork.connect: a node cannot be connected to itself');
    checkLinkProfile(profile, 'SimNetwork.connect', 'profile');
    checkLinkProfile(reverse, 'SimNetwork.connect', 'reverse');
    const ab = withDefaults(DEFAULT_LINK, profile);
    const l = new SimLink(this, a, b, [ab, withDefaults(ab, reverse)]);
    l.ends = [ea, eb];
    this.links.push(l);
    this.ports.get(a)!.set(ea, l);
    this.ports.get(b)!.set(eb, l);
    return l;
  }

  /** A frame's arrival at a segment port's host at `t` (SimSegment's egress calls this). */
  deliverFrameAt(t: number, port: SegmentPort, frame: Uint8Array): void {
    const e = this.event('frame', port.host, frame, undefined, 0, undefined);
    e.ifIndex = port.ifIndex;
    this.queue.push(Math.max(t, this.now), e);
    this.poke();
  }

  /** Throws a RangeError when another host has this name or one of these addresses (or one repeats). */
  private checkUnique(name: string, addresses: IpAddress[]): void {
    for (const h of this.hosts) {
      if (h.name === name) throw new RangeError(`SimNetwork.addHost: a host named "${name}" exists already`);
    }
    addresses.forEach((addr, i) => {
      for (let j = 0; j < i; j++) {
        if (sameAddress(addresses[j], addr)) throw new RangeError(`SimNetwork.addHost: address ${ipToString(addr)} is listed twice for "${name}"`);
      }
      for (const h of this.hosts) {
        if (h.stack.addresses.some((x) => sameAddress(x, addr))) {
          throw new RangeError(`SimNetwork.addHost: address ${ipToString(addr)} of "${name}" belongs to host "${h.name}" already`);
        }
      }
    });
  }

  // Driver
  currentTime(): number {
    // Real-time mode: an application calling from outside the simulation lives at the wall clock's time.
    if (this.clock && !this.processing) this.now = Math.max(this.now, this.clock());
    return this.now;
  }

  /** UDP's ports on a host come from the seed too (Host.enableUdp). */
  randomFor(host: Host): SeededRandom {
    return new SeededRandom(this.seed, 1000 + this.hosts.indexOf(host));
  }

  schedule(host: Host): void {
    this.needsService(host);
    this.poke();
  }

  private needsService(host: Host): void {
    if (host.serviceQueued) return;
    host.serviceQueued = true;
    this.needService.push(host);
  }

  /** Run `fn` at virtual time `t` (for partitions and scripted actions). */
  at(t: number, fn: () => void): void {
    checkTime(t, 'SimNetwork.at', 't');
    if (typeof fn !== 'function') throw new TypeError(`SimNetwork.at: fn must be a function, got ${showValue(fn)}`);
    this.queue.push(Math.max(t, this.now), this.event('call', undefined, undefined, undefined, 0, fn));
    this.poke();
  }

  /**
   * Schedule a packet's arrival at `host` over `link` at `t`; returns the queue's entry (its `id` names
   * the delivery). `owned`: see SimLink.send. `trainable`: the packet may travel with the one
   * scheduled just before it on this link when it arrives at the same instant and nothing else was
   * scheduled in between (a cut's pieces): one entry for the burst, its packets delivered one by one
   * in order, each counting towards the receive batch as before, so what arrives, when and in which
   * order is unchanged; only the queue's work is done once per burst. Such a packet has no id of
   * its own (SimLink.send asks for none while delivery taps need ids).
   */
  deliverAt(t: number, host: Host, packet: Uint8Array, link: SimLink, owned = false, trainable = false): SimEvent {
    const fifo = link.inFlight[host === link.b ? 0 : 1];
    if (trainable && fifo.length > 0 && t === fifo.lastTime) {
      const tail = fifo.tailItem();
      if (tail.trainable && tail.owned === owned && tail.seq === this.queue.lastSeq) {
        (tail.train ??= []).push(packet);
        return tail;
      }
    }
    const e = this.event('deliver', host, packet, link, 0, undefined);
    e.id = ++this.deliveries;
    e.owned = owned;
    e.trainable = trainable;
    const seq = this.queue.takeSeq();
    e.seq = seq;
    if (fifo.length === 0) {
      // Heads its direction: in the heap, and the next one in order follows it there when it is popped.
      fifo.append(t, seq, e);
      e.fifo = fifo;
      this.queue.push(t, e, seq);
    } else if (t >= fifo.lastTime) {
      fifo.append(t, seq, e);
      e.fifo = fifo;
    } else {
      // Overtakes a packet in flight (jitter, reordering, a filter's delay): straight into the heap.
      this.queue.push(t, e, seq);
    }
    this.poke();
    return e;
  }

  private event(kind: SimEvent['kind'], host: Host | undefined, packet: Uint8Array | undefined, link: SimLink | undefined, at: number, fn: (() => void) | undefined): SimEvent {
    const e = this.freeEvents.pop();
    if (e === undefined) return { kind, host, packet, link, at, fn, fifo: undefined, id: 0, cancelled: false, ifIndex: 0, owned: false, seq: 0, trainable: false, train: undefined, trainAt: 0 };
    e.kind = kind;
    e.host = host;
    e.packet = packet;
    e.link = link;
    e.at = at;
    e.fn = fn;
    e.id = 0;
    e.cancelled = false;
    e.owned = false;
    e.trainable = false;
    return e;
  }

  /** Work was added from outside a run: a real-time driver must look again. */
  private poke(): void {
    if (this.wake && !this.processing) this.wake();
  }

  /**
   * Hand the clock to a real-time driver (see RealtimeDriver): `clock` gives the virtual time now,
   * `wake` is called when work is added from outside a run. `undefined` returns to virtual time.
   */
  attachClock(clock: (() => number) | undefined, wake?: () => void): void {
    this.clock = clock;
    this.wake = clock ? wake : undefined;
  }

  /** When the next piece of work is due: now if a host waits for service, else the earliest event. */
  nextEventTime(): number | undefined {
    if (this.needService.length > 0) return this.now;
    return this.queue.peekTime();
  }

  /**
   * Handle every event due by virtual time `t`, each at its own time, then move the clock to `t`
   * (never back). This is how a real-time driver catches up with the wall clock.
   */
  advanceTo(t: number, maxSteps = 50_000_000): number {
    this.steps = 0;
    while (this.stepWithin(t, maxSteps));
    this.now = Math.max(this.now, t);
    return this.now;
  }

  /** What a router does with a packet too big for the next link: ICMP back to the sender (RFC 1191, RFC 4443). */
  tooBig(from: Host, to: Host, packet: Uint8Array, mtu: number): void {
    // A node's network layer keeps to its interfaces' MTUs and routers send their own ICMP.
    if (from.net !== undefined) return;
    const v4 = packet[0] >>> 4 === 4;
    const src = to.stack.addressOf(v4 ? 4 : 6);
    const dst = v4 ? u32(packet, 12) : packet.slice(8, 24);
    if (src === undefined) return;
    const quoted = packet.subarray(0, v4 ? Math.min(packet.length, 28) : Math.min(packet.length, 1232));
    const icmp = encodeIcmpPacket({
      src,
      dst,
      type: v4 ? Icmp4Type.DEST_UNREACHABLE : Icmp6Type.PACKET_TOO_BIG,
      code: v4 ? ICMP4_FRAG_NEEDED : 0,
      rest: v4 ? mtu & 0xffff : mtu,
      body: quoted,
    });
    this.queue.push(this.now, this.event('deliver', from, icmp, undefined, 0, undefined));
  }

  /** The link that reaches a destination address from `from`. */
  route(from: Host, packet: Uint8Array): SimLink | undefined {
    const v4 = packet[0] >>> 4 === 4;
    if (!v4 && packet.length < 40) return undefined;
    if (v4 && packet.length < 20) return undefined;
    if (v4) {
      const dst = u32(packet, 16);
      // The limited broadcast (255.255.255.255, DHCP's): every host on a point-to-point link is its
      // other end, so it goes out on the sender's link when it has only one.
      if (dst === 0xffffffff) return this.onlyLink(from);
      let known = this.routes4.get(from);
      if (known === undefined) this.routes4.set(from, (known = new Map()));
      const hit = known.get(dst);
      if (hit !== undefined) return hit;
      // Only routes found are kept: a flood's answers to random spoofed sources would fill the map.
      const l = this.findRoute(from, dst);
      if (l !== undefined) known.set(dst, l);
      return l;
    }
    return this.findRoute(from, packet.subarray(24, 40));
  }

  private onlyLink(from: Host): SimLink | undefined {
    let found: SimLink | undefined;
    for (const l of this.links) {
      if (l.a !== from && l.b !== from) continue;
      if (found) return undefined;
      found = l;
    }
    return found;
  }

  private findRoute(from: Host, dst: IpAddress): SimLink | undefined {
    for (const l of this.links) {
      if (l.a !== from && l.b !== from) continue;
      const peer = l.other(from);
      for (const a of peer.stack.addresses) if (sameAddress(a, dst)) return l;
    }
    return undefined;
  }

  private service(host: Host): void {
    if (host.net !== undefined) {
      this.serviceNode(host, host.net);
      return;
    }
    host.dispatchEvents();
    const stack = host.ip;
    for (let p = stack.pollTransmit(this.now); p; p = stack.pollTransmit(this.now)) {
      const l = this.route(host, p);
      if (!l) this.noRoute++;
      else if (stack.transmitGsoSize === 0) l.send(host, p);
      else {
        // Segmentation offload: the link carries the wire packets the stack's one packet stands for.
        // The pieces are fresh memory no one else has seen: the receiver's, unless the link shares them.
        const pieces = this.gsoPieces;
        const owned = this.gso.cut(p, stack.transmitGsoSize, !host.stack.checksumOffload, pieces, stack.transmitGsoPayload) > 0;
        for (let i = 0; i < pieces.length; i++) l.send(host, pieces[i], owned);
        pieces.length = 0;
      }
    }
    const due = stack.pollTimeout();
    const filed = this.timerAt.get(host);
    if (due !== undefined && (filed === undefined || due < filed)) {
      this.timerAt.set(host, due);
      this.queue.push(Math.max(due, this.now), this.event('timer', host, undefined, undefined, due, undefined));
    }
  }

  private serviceNode(host: Host, net: NetStack): void {
    host.dispatchEvents();
    const ports = this.ports.get(host)!;
    for (let f = net.pollFrame(this.now); f; f = net.pollFrame(this.now)) {
      const port = ports.get(f.ifIndex);
      if (port instanceof SimLink || port === undefined) this.noRoute++;
      else port.segment.send(port, f.frame);
    }
    for (let p = net.pollPacket(this.now); p; p = net.pollPacket(this.now)) {
      const l = ports.get(p.ifIndex);
      if (l instanceof SimLink) l.send(host, p.packet);
      else this.noRoute++;
    }
    const due = net.pollTimeout();
    const filed = this.timerAt.get(host);
    if (due !== undefined && (filed === undefined || due < filed)) {
      this.timerAt.set(host, due);
      this.queue.push(Math.max(due, this.now), this.event('timer', host, undefined, undefined, due, undefined));
    }
  }

  /**
   * Do the next piece of work: service hosts that asked for it at the current time, else advance
   * to the next event and handle it (a train's packets, as many as the receive batch still takes:
   * see deliverAt). Returns false when there is nothing left to do.
   */
  step(limits: RunLimits = {}): boolean {
    return this.stepWithin(limits.untilMs ?? Infinity, limits.maxSteps ?? NO_STEP_LIMIT);
  }

  /** step() with its limits as numbers (the run loops call this, so a step allocates nothing). */
  private stepWithin(untilMs: number, maxSteps: number): boolean {
    if (++this.steps > maxSteps) throw new Error(`simulation exceeded ${maxSteps} steps (seed ${this.seed})`);
    const outer = this.processing;
    this.processing = true;
    try {
      const did = this.stepInner(untilMs);
      if (did && this.onStep !== undefined) this.onStep();
      return did;
    } finally {
      this.processing = outer;
    }
  }

  private stepInner(untilMs: number): boolean {
    // With receiveBatch > 1, packets that have all arrived by now are delivered together before the
    // hosts act on them (see receiveBatch).
    if (this.needService.length > 0 && !(this.batched < this.receiveBatch && this.queue.peekTime() === this.now && this.arrivalNext())) {
      this.batched = 0;
      if (this.groHolding.length > 0) this.flushGro();
      const hosts = this.needService;
      this.needService = this.serving;
      this.serving = hosts;
      // All leave the queue first: one serviced earlier in this round may queue another of them again.
      for (let i = 0; i < hosts.length; i++) hosts[i].serviceQueued = false;
      for (let i = 0; i < hosts.length; i++) this.service(hosts[i]);
      hosts.length = 0;
      return true;
    }
    const t = this.queue.peekTime();
    if (t === undefined) return false;
    if (t > untilMs) return false;
    const e = this.queue.pop()!;
    this.now = Math.max(this.now, t);
    const fifo = e.fifo;
    if (fifo !== undefined) {
      fifo.shift();
      if (fifo.length > 0) this.queue.push(fifo.headTime(), fifo.headItem(), fifo.headSeq());
    }
    const host = e.host!;
    switch (e.kind) {
      case 'deliver': {
        if (e.cancelled) {
          this.recycle(e);
          break;
        }
        const link = e.link;
        const owned = e.owned;
        const train = e.train;
        if (train === undefined) {
          const packet = e.packet!;
          if (link) {
            link.stats.delivered++;
            link.delivered(e.id);
          }
          this.recycle(e);
          this.arrive(host, link, packet, owned);
          break;
        }
        // A train: its packets arrive one after another while the batch has room; the rest wait at
        // the head of the queue (in their place: the entry keeps its insertion number) for the next.
        let i = e.trainAt;
        do {
          const packet = i === 0 ? e.packet! : train[i - 1];
          if (link) {
            link.stats.delivered++;
            if (i === 0) link.delivered(e.id);
          }
          i++;
          this.arrive(host, link, packet, owned);
        } while (i <= train.length && this.batched < this.receiveBatch);
        if (i <= train.length) {
          e.trainAt = i;
          e.fifo = undefined;
          this.queue.push(this.now, e, e.seq);
        } else this.recycle(e);
        break;
      }
      case 'frame': {
        const frame = e.packet!;
        const ifIndex = e.ifIndex;
        this.recycle(e);
        host.net!.handleFrame(ifIndex, frame, this.now);
        this.needsService(host);
        this.batched++;
        break;
      }
      case 'timer':
        if (this.groHolding.length > 0) this.flushGro();
        if (this.timerAt.get(host) === e.at) this.timerAt.delete(host);
        this.recycle(e);
        if (host.net !== undefined) host.net.handleTimeout(this.now);
        else host.ip.handleTimeout(this.now);
        this.needsService(host);
        break;
      case 'call': {
        if (this.groHolding.length > 0) this.flushGro();
        const fn = e.fn!;
        this.recycle(e);
        fn();
        break;
      }
    }
    return true;
  }

  /** A packet arrives at `host` (a delivery, or one packet of a train). */
  private arrive(host: Host, link: SimLink | undefined, packet: Uint8Array, owned: boolean): void {
    if (host.net !== undefined) {
      if (link?.ends !== undefined) host.net.handlePacket(link.a === host ? link.ends[0] : link.ends[1], packet, this.now);
    } else if (host.gro !== undefined && this.receiveBatch > 1) {
      const was = host.gro.holding;
      host.gro.receive(packet, this.now, owned);
      if (!was && host.gro.holding) this.groHolding.push(host);
    } else host.ip.handlePacket(packet, this.now);
    this.needsService(host);
    this.batched++;
  }

  /**
   * Segmentation offload's work so far: packets the hosts' stacks handed over for cutting and the wire
   * packets cut from them (SimHostOptions.gsoMaxSize); merges handed to stacks and the wire packets
   * they held (SimHostOptions.gro).
   */
  offloadStats(): { gsoPackets: number; gsoPieces: number; groMerges: number; groMerged: number } {
    let groMerges = 0;
    let groMerged = 0;
    for (const h of this.hosts) {
      if (h.gro === undefined) continue;
      groMerges += h.gro.merges;
      groMerged += h.gro.merged;
    }
    return { gsoPackets: this.gso.packetsIn, gsoPieces: this.gso.piecesOut, groMerges, groMerged };
  }

  /** Hand every host's held packets (GRO) to its stack: a batch ends, or something else happens. */
  private flushGro(): void {
    const hosts = this.groHolding;
    for (let i = 0; i < hosts.length; i++) hosts[i].gro!.flush(this.now);
    hosts.length = 0;
  }

  /** Whether the next event is a packet or frame arriving at a host (what receiveBatch batches). */
  private arrivalNext(): boolean {
    const kind = this.queue.peek()!.kind;
    return kind === 'deliver' || kind === 'frame';
  }

  private recycle(e: SimEvent): void {
    e.host = undefined;
    e.packet = undefined;
    e.train = undefined;
    e.trainAt = 0;
    e.link = undefined;
    e.fn = undefined;
    e.fifo = undefined;
    if (this.freeEvents.length < 4096) this.freeEvents.push(e);
  }

  /** Run until nothing is left to do (or the limits); returns the virtual time reached. */
  runUntilIdle(limits: RunLimits = { maxSteps: 50_000_000 }): number {
    this.steps = 0;
    const until = limits.untilMs ?? Infinity;
    const maxSteps = limits.maxSteps ?? NO_STEP_LIMIT;
    while (this.stepWithin(until, maxSteps));
    return this.now;
  }

  /** Run for `ms` of virtual time. */
  runFor(ms: number, maxSteps = 50_000_000): number {
    if (typeof ms !== 'number' || !(ms >= 0 && ms < Infinity)) {
      throw new (typeof ms === 'number' ? RangeError : TypeError)(`SimNetwork.runFor: ms must be a finite number of milliseconds >= 0, got ${showValue(ms)}`);
    }
    const until = this.now + ms;
    this.steps = 0;
    while (this.stepWithin(until, maxSteps));
    this.now = Math.max(this.now, until);
    return this.now;
  }

  /**
   * Run until `done()` holds; throws if it does not by `maxMs` of virtual time from now. Synchronous:
   * for applications that react on later ticks (sockets, http, tls) use runAsync, as the error says.
   */
  runUntil(done: () => boolean, maxMs = 3_600_000, maxSteps = 50_000_000): number {
    const until = this.now + maxMs;
    this.steps = 0;
    while (!done()) {
      if (!this.stepWithin(until, maxSteps)) {
        if (done()) break;
        throw new Error(
          `runUntil: condition not met by t=${this.now} ms (seed ${this.seed}). runUntil never lets the event loop turn: ` +
            'if the condition waits on asynchronous code (sockets, whose events arrive on later ticks; http; tls; promises), ' +
            'use `await net.runAsync(done)` instead',
        );
      }
    }
    return this.now;
  }

  /**
   * Run alongside real asynchronous code (Node's http and tls over synack sockets): after each piece
   * of simulated work, let the event loop run so the application can react, and advance virtual time
   * only when the application has nothing left to do at the current time. Throws when `done()` does
   * not hold by `maxMs` of virtual time, or when nothing at all is left to happen.
   */
  async runAsync(done: () => boolean, opts: { maxMs?: number; maxSteps?: number; idleTurns?: number } = {}): Promise<number> {
    const until = this.now + (opts.maxMs ?? 3_600_000);
    const maxSteps = opts.maxSteps ?? 50_000_000;
    const idleTurns = opts.idleTurns ?? 20;
    this.steps = 0;
    let idle = 0;
    while (!done()) {
      await turn();
      if (done()) break;
      if (this.needService.length > 0) {
        idle = 0;
        this.step({ maxSteps });
        continue;
      }
      const t = this.queue.peekTime();
      if (t === undefined) {
        // The application may still be working (crypto, a real timer): give it a few turns.
        if (++idle > idleTurns) throw new Error(`runAsync: nothing left to happen at t=${this.now} ms (seed ${this.seed})`);
        continue;
      }
      idle = 0;
      if (t > until) throw new Error(`runAsync: condition not met by t=${until} ms (seed ${this.seed})`);
      this.step({ maxSteps });
    }
    return this.now;
  }
}

/** One interface of a simulator node (SimNetwork.addNode): the network layer's options, where it plugs in. */
export interface SimNodeInterface extends Omit<InterfaceOptions, 'kind'> {
  /** 'frames' (the default: Ethernet, ARP, NDP) or 'ip' (a point-to-point link, joined by SimNetwork.connect). */
  kind?: 'frames' | 'ip';
  /** The segment a frames interface plugs into (its MTU is the interface's unless `mtu` says). */
  segment?: SimSegment;
  /** This port's profile on the segment (the way from the switch to this node). */
  profile?: Partial<LinkProfile>;
}

export interface SimNodeOptions {
  interfaces: SimNodeInterface[];
  /** Static routes ("default" via a gateway, prefixes via next hops). */
  routes?: RouteOptions[];
  /** A router: forward between interfaces. */
  forwarding?: boolean;
  tcp?: Partial<TcpConfig>;
  limits?: Partial<StackLimits>;
  trustChecksums?: boolean;
  checksumOffload?: boolean;
  synCookies?: SynCookieMode;
}

/** Throws unless `t` is a time: a number of milliseconds, not NaN (one in the past means now; Infinity, never). */
function checkTime(t: number, where: string, name: string): void {
  if (typeof t !== 'number') throw new TypeError(`${where}: ${name} must be a number of milliseconds, got ${showValue(t)}`);
  if (Number.isNaN(t)) throw new RangeError(`${where}: ${name} must be a number of milliseconds, got NaN`);
}

/** `base` with the profile's keys that are set (an undefined key keeps the base value). */
function withDefaults(base: Readonly<LinkProfile>, profile: Partial<LinkProfile> | undefined): LinkProfile {
  const out = { ...base };
  if (profile) {
    for (const key of Object.keys(profile) as Array<keyof LinkProfile>) {
      const v = profile[key];
      if (v !== undefined) out[key] = v;
    }
  }
  return out;
}

