/**
 * An Ethernet segment in the simulator: a learning switch (IEEE 802.1D §7.7-7.8: learn each frame's
 * source address on the port it came in by, forward a frame for a known unicast address to that port
 * only, flood broadcasts, multicasts and unknown addresses to every other port, age entries out after
 * 300 s) joining the frames interfaces of several hosts' network stacks.
 *
 * Each port has a profile for the way from the switch to its host: a one-way delay, a rate with a
 * finite egress queue (tail drop), an MTU (the largest payload a frame may carry: bigger frames are
 * dropped, counted) and a loss rate. A two-port segment with a slow port profile is a bottleneck link
 * between two routers. Everything runs on the simulator's clock and seed.
 */
import { encodePcap, LinkType } from '../wire/pcap.js';
import { ETHERNET_HEADER } from '../wire/ethernet.js';
import { showValue } from '../wire/checks.js';
import type { Host } from './host.js';
import { checkLinkProfile } from './sim-options.js';
import { LinkStats, type LinkProfile, type SimNetwork } from './sim.js';

/** IEEE 802.1D's default ageing time: 300 s. */
export const SWITCH_AGEING_MS = 300_000;

export interface SegmentPort {
  readonly segment: SimSegment;
  readonly host: Host;
  readonly ifIndex: number;
  readonly profile: LinkProfile;
  readonly stats: LinkStats;
  /** When this port's egress finishes sending what it holds. */
  busyUntil: number;
}

export type SegmentTap = (frame: Uint8Array, timeMs: number, from: Host) => void;

export class SimSegment {
  readonly ports: SegmentPort[] = [];
  /** Frames sent into the segment (each counted once, however many ports it went to). */
  readonly stats = new LinkStats();
  private readonly table = new Map<string, { port: SegmentPort; at: number }>();
  private readonly taps: SegmentTap[] = [];

  constructor(
    readonly net: SimNetwork,
    readonly name: string,
    readonly profile: LinkProfile,
  ) {}

  /** Plug a host's frames interface in; `profile` overrides the segment's for this port. */
  attach(host: Host, ifIndex: number, profile: Partial<LinkProfile> = {}): SegmentPort {
    checkLinkProfile(profile, 'SimSegment.attach', 'profile');
    if (this.ports.some((p) => p.host === host && p.ifIndex === ifIndex)) throw new RangeError(`SimSegment.attach: ${host.name} interface ${ifIndex} is on segment "${this.name}" already`);
    const merged = { ...this.profile };
    for (const [k, v] of Object.entries(profile) as Array<[keyof LinkProfile, number | undefined]>) if (v !== undefined) merged[k] = v;
    const port: SegmentPort = { segment: this, host, ifIndex, profile: merged, stats: new LinkStats(), busyUntil: 0 };
    this.ports.push(port);
    return port;
  }

  /** Observe every frame sent into the segment. */
  tap(t: SegmentTap): void {
    this.taps.push(t);
  }

  /** A pcap (LinkType ETHERNET) of every frame sent into the segment: call the returned function for the file. */
  capture(): () => Uint8Array {
    const frames: Array<{ data: Uint8Array; timeMs: number }> = [];
    this.tap((data, timeMs) => frames.push({ data, timeMs }));
    return () => encodePcap(frames, LinkType.ETHERNET);
  }

  /** The switch's address table, as `bridge fdb` shows it: MAC -> host name and interface. */
  fdb(): Array<{ mac: string; host: string; ifIndex: number }> {
    return [...this.table].map(([mac, e]) => ({ mac, host: e.port.host.name, ifIndex: e.port.ifIndex }));
  }

  send(from: SegmentPort, frame: Uint8Array): void {
    const now = this.net.now;
    this.stats.sent++;
    this.stats.bytes += frame.length;
    for (const t of this.taps) t(frame, now, from.host);
    if (frame.length < ETHERNET_HEADER) {
      this.stats.lost++;
      return;
    }
    const src = macKey(frame, 6);
    if ((frame[6] & 1) === 0) this.table.set(src, { port: from, at: now });
    if ((frame[0] & 1) === 0) {
      const known = this.table.get(macKey(frame, 0));
      if (known !== undefined && now - known.at < SWITCH_AGEING_MS) {
        if (known.port !== from) this.egress(known.port, from, frame, now);
        return;
      }
    }
    for (const p of this.ports) if (p !== from) this.egress(p, from, frame, now);
  }

  private egress(to: SegmentPort, from: SegmentPort, frame: Uint8Array, now: number): void {
    const p = to.profile;
    const s = to.stats;
    s.sent++;
    s.bytes += frame.length;
    if (frame.length - ETHERNET_HEADER > p.mtu) {
      s.tooBig++;
      return;
    }
    if (p.loss > 0 && this.net.random.chance(p.loss)) {
      s.lost++;
      return;
    }
    let departure = now;
    if (p.rateBps !== Infinity) {
      const start = Math.max(now, to.busyUntil);
      const queued = ((start - now) * p.rateBps) / 8000;
      if (queued + frame.length > p.queueBytes) {
        s.queueDrops++;
        return;
      }
      departure = to.busyUntil = start + (frame.length * 8000) / p.rateBps;
    }
    void from;
    this.net.deliverFrameAt(departure + p.delayMs, to, frame);
  }
}

function macKey(frame: Uint8Array, at: number): string {
  let s = '';
  for (let i = at; i < at + 6; i++) s += (i > at ? ':' : '') + frame[i].toString(16).padStart(2, '0');
  return s;
}

export function checkSegmentName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new TypeError(`SimNetwork.addSegment: name must be a non-empty string, got ${showValue(name)}`);
  return name;
}

