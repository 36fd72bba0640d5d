/**
 * A neighbour cache: IP address -> link-layer address, with neighbour unreachability detection as
 * RFC 4861 §7.3 describes it. One machine serves both families, as Linux's does: IPv6 neighbour
 * discovery (its messages: NS and NA) and ARP (RFC 826; a request is the solicitation, a reply the
 * solicited advertisement). RFC 1122 §2.3.2.1 asks ARP for a cache with timeouts and at most one
 * request per second per destination; the NUD machine gives both.
 *
 *   INCOMPLETE  resolving: solicitations sent (multicast / broadcast) every retransTimer, packets queue
 *   REACHABLE   confirmed within reachableTime
 *   STALE       not confirmed lately; usable, nothing sent until a packet is
 *   DELAY       a packet was sent to a STALE entry: wait delayFirstProbe for an upper-layer hint
 *   PROBE       unicast solicitations every retransTimer, up to maxUnicastSolicit
 *   PERMANENT   set by hand (`ip neigh add ... nud permanent`): never probed, never expires
 *
 * Packets waiting for an INCOMPLETE entry are held in a small queue (queueLimit per entry; beyond it
 * the oldest is dropped and counted, as Linux's unres_qlen), and dropped (counted) when resolution
 * fails. The cache holds at most maxEntries; a new entry then takes the place of the oldest STALE
 * one, or is refused (counted).
 */
import { addrKey } from './prefix.js';
import { sameMac, type IpAddress } from './addr.js';

export type NudState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'PERMANENT';

export interface NeighborParams {
  /** RFC 4861 §10 RETRANS_TIMER: 1 s between solicitations (RFC 1122's one ARP request per second). */
  retransTimer: number;
  /** RFC 4861 §10 REACHABLE_TIME (30 s), before the random factor (§6.3.2: 0.5 to 1.5 times it). */
  baseReachableTime: number;
  /** RFC 4861 §10 DELAY_FIRST_PROBE_TIME: 5 s. */
  delayFirstProbe: number;
  /** RFC 4861 §10 MAX_MULTICAST_SOLICIT and MAX_UNICAST_SOLICIT: 3 each. */
  maxMulticastSolicit: number;
  maxUnicastSolicit: number;
  /** Packets held per unresolved neighbour (Linux's unres_qlen counts bytes; 3 packets as its old default). */
  queueLimit: number;
  /** Entries the cache holds at most (Linux's gc_thresh3 is 1024). */
  maxEntries: number;
}

export const DEFAULT_NEIGHBOR_PARAMS: Readonly<NeighborParams> = Object.freeze({
  retransTimer: 1000,
  baseReachableTime: 30_000,
  delayFirstProbe: 5000,
  maxMulticastSolicit: 3,
  maxUnicastSolicit: 3,
  queueLimit: 3,
  maxEntries: 1024,
});

export interface NeighborEntry {
  readonly address: IpAddress;
  mac: Uint8Array | undefined;
  state: NudState;
  /** Solicitations sent in this INCOMPLETE or PROBE phase. */
  probes: number;
  /** When the state's timer runs out (undefined: no timer: STALE, PERMANENT). */
  deadline: number | undefined;
  /** Packets waiting for resolution (IP packets; the owner frames them). */
  queue: Uint8Array[];
  /** Learnt from a router advertisement or an NA with R set. */
  isRouter: boolean;
  /** Last time the entry was created or updated (eviction picks the oldest STALE). */
  updated: number;
}

export class NeighborCounters {
  /** Solicitations sent (ARP requests, NS). */
  solicits = 0;
  /** Resolutions that failed (INCOMPLETE ran out of tries) and probes that went unanswered. */
  failures = 0;
  /** Packets dropped: queue full (oldest dropped), resolution failed, cache full. */
  queueDrops = 0;
  unresolvedDrops = 0;
  cacheFullDrops = 0;
}

/** What the cache asks of its owner. */
export interface NeighborHooks {
  /** Send a solicitation for `entry` (multicast/broadcast when `unicastTo` is undefined, else to that MAC). */
  solicit(entry: NeighborEntry, unicastTo: Uint8Array | undefined, now: number): void;
  /** Frame and send packets that waited for `entry` (now resolved). */
  flush(entry: NeighborEntry, packets: Uint8Array[], now: number): void;
  /** Resolution failed: these packets will not be sent (the owner may answer them with host unreachable). */
  failed?(entry: NeighborEntry, packets: Uint8Array[], now: number): void;
}

export interface LearnFlags {
  /** The link-layer address came in a solicited answer (ARP reply, NA with S). */
  solicited: boolean;
  /** It may replace a different address we hold (NA with O; ARP and NS/RS/RA always may). */
  override: boolean;
  isRouter?: boolean;
}

export class NeighborCache {
  readonly counters = new NeighborCounters();
  readonly params: NeighborParams;
  private readonly entries = new Map<string, NeighborEntry>();
  /** ReachableTime (RFC 4861 §6.3.2), drawn from baseReachableTime and recomputed when the base changes. */
  reachableTime: number;

  constructor(
    private readonly hooks: NeighborHooks,
    params: Partial<NeighborParams> = {},
    private readonly random: () => number = () => 0.5,
  ) {
    this.params = { ...DEFAULT_NEIGHBOR_PARAMS, ...params };
    this.reachableTime = this.drawReachableTime();
  }

  /** RFC 4861 §6.3.2: uniformly between MIN_RANDOM_FACTOR (0.5) and MAX_RANDOM_FACTOR (1.5) times the base. */
  drawReachableTime(): number {
    return Math.round(this.params.baseReachableTime * (0.5 + this.random()));
  }

  setBaseReachableTime(ms: number): void {
    if (ms === this.params.baseReachableTime) return;
    this.params.baseReachableTime = ms;
    this.reachableTime = this.drawReachableTime();
  }

  get(address: IpAddress): NeighborEntry | undefined {
    return this.entries.get(addrKey(address));
  }

  list(): NeighborEntry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The link-layer address to send `packet` to `address` with, or undefined when the packet was
   * queued (or dropped, counted) while the address is resolved (RFC 4861 §7.2.2, §7.3.3).
   */
  resolve(address: IpAddress, packet: Uint8Array, now: number): Uint8Array | undefined {
    let e = this.entries.get(addrKey(address));
    if (e === undefined) {
      e = this.create(address, undefined, 'INCOMPLETE', now);
      if (e === undefined) {
        this.counters.cacheFullDrops++;
        return undefined;
      }
      e.queue.push(packet);
      this.sendSolicit(e, undefined, now);
      e.deadline = now + this.params.retransTimer;
      return undefined;
    }
    switch (e.state) {
      case 'INCOMPLETE':
        if (e.queue.length >= this.params.queueLimit) {
          e.queue.shift();
          this.counters.queueDrops++;
        }
        e.queue.push(packet);
        return undefined;
      case 'STALE':
        // §7.3.3: the first packet to a STALE neighbour starts the DELAY timer.
        e.state = 'DELAY';
        e.deadline = now + this.params.delayFirstProbe;
        return e.mac;
      default:
        return e.mac;
    }
  }

  /**
   * A link-layer address for `address` arrived (RFC 4861 §7.2.5 for advertisements; §7.2.3, §6.3.4
   * for the source link-layer option of a solicitation or RA, which are `{solicited: false,
   * override: true}` and only make a new entry STALE). `create`: make an entry if there is none
   * (NS, RS, RA, an ARP request to us do; an unsolicited NA does not: §7.2.5 "silently discarded").
   */
  learn(address: IpAddress, mac: Uint8Array, flags: LearnFlags, now: number, create: boolean): void {
    const key = addrKey(address);
    let e = this.entries.get(key);
    if (e === undefined) {
      if (!create) return;
      e = this.create(address, mac.slice(), 'STALE', now);
      if (e === undefined) return;
      if (flags.isRouter !== undefined) e.isRouter = flags.isRouter;
      return;
    }
    if (e.state === 'PERMANENT') return;
    if (flags.isRouter !== undefined) e.isRouter = flags.isRouter;
    e.updated = now;
    if (e.state === 'INCOMPLETE') {
      e.mac = mac.slice();
      this.enter(e, flags.solicited ? 'REACHABLE' : 'STALE', now);
      const queued = e.queue;
      e.queue = [];
      if (queued.length > 0) this.hooks.flush(e, queued, now);
      return;
    }
    const differs = e.mac === undefined || !sameMac(e.mac, mac);
    if (!flags.override && differs) {
      // §7.2.5: a non-override advertisement with a different address only makes REACHABLE stale.
      if (e.state === 'REACHABLE') this.enter(e, 'STALE', now);
      return;
    }
    if (differs) e.mac = mac.slice();
    if (flags.solicited) this.enter(e, 'REACHABLE', now);
    else if (differs) this.enter(e, 'STALE', now);
  }

  /** Set an entry by hand (`ip neigh replace ... nud permanent`); packets waiting for it are sent. */
  setPermanent(address: IpAddress, mac: Uint8Array, now: number): void {
    let e = this.entries.get(addrKey(address));
    if (e === undefined) {
      e = this.create(address, mac.slice(), 'PERMANENT', now, true);
      if (e === undefined) return;
    }
    e.mac = mac.slice();
    this.enter(e, 'PERMANENT', now);
    const queued = e.queue;
    e.queue = [];
    if (queued.length > 0) this.hooks.flush(e, queued, now);
  }

  /** Forward progress seen by an upper layer (RFC 4861 §7.3.1): the entry is REACHABLE again. */
  confirm(address: IpAddress, now: number): void {
    const e = this.entries.get(addrKey(address));
    if (e !== undefined && e.mac !== undefined && e.state !== 'PERMANENT' && e.state !== 'INCOMPLETE') this.enter(e, 'REACHABLE', now);
  }

  delete(address: IpAddress): boolean {
    const e = this.entries.get(addrKey(address));
    if (e === undefined) return false;
    this.counters.unresolvedDrops += e.queue.length;
    return this.entries.delete(addrKey(address));
  }

  pollTimeout(): number | undefined {
    let t: number | undefined;
    for (const e of this.entries.values()) if (e.deadline !== undefined && (t === undefined || e.deadline < t)) t = e.deadline;
    return t;
  }

  handleTimeout(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.deadline === undefined || e.deadline > now) continue;
      switch (e.state) {
        case 'INCOMPLETE':
          if (e.probes >= this.params.maxMulticastSolicit) {
            // §7.3.3: resolution failed; the waiting packets are dropped (ICMP unreachable is the owner's to send).
            this.counters.failures++;
            this.counters.unresolvedDrops += e.queue.length;
            this.entries.delete(key);
            if (e.queue.length > 0) this.hooks.failed?.(e, e.queue, now);
            e.queue = [];
          } else {
            this.sendSolicit(e, undefined, now);
            e.deadline = now + this.params.retransTimer;
          }
          break;
        case 'REACHABLE':
          this.enter(e, 'STALE', now);
          break;
        case 'DELAY':
          this.enter(e, 'PROBE', now);
          this.sendSolicit(e, e.mac, now);
          e.deadline = now + this.params.retransTimer;
          break;
        case 'PROBE':
          if (e.probes >= this.params.maxUnicastSolicit) {
            this.counters.failures++;
            this.entries.delete(key);
          } else {
            this.sendSolicit(e, e.mac, now);
            e.deadline = now + this.params.retransTimer;
          }
          break;
        default:
          e.deadline = undefined;
      }
    }
  }

  private sendSolicit(e: NeighborEntry, unicastTo: Uint8Array | undefined, now: number): void {
    e.probes++;
    this.counters.solicits++;
    this.hooks.solicit(e, unicastTo, now);
  }

  private enter(e: NeighborEntry, state: NudState, now: number): void {
    e.state = state;
    e.probes = 0;
    e.deadline = state === 'REACHABLE' ? now + this.reachableTime : undefined;
  }

  private create(address: IpAddress, mac: Uint8Array | undefined, state: NudState, now: number, force = false): NeighborEntry | undefined {
    if (this.entries.size >= this.params.maxEntries) {
      let oldest: [string, NeighborEntry] | undefined;
      for (const kv of this.entries) if (kv[1].state === 'STALE' && (oldest === undefined || kv[1].updated < oldest[1].updated)) oldest = kv;
      if (oldest === undefined && !force) return undefined;
      if (oldest !== undefined) this.entries.delete(oldest[0]);
    }
    const e: NeighborEntry = { address, mac, state, probes: 0, deadline: undefined, queue: [], isRouter: false, updated: now };
    this.entries.set(addrKey(address), e);
    return e;
  }
}
