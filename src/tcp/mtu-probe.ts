/**
 * Packetization-layer path MTU discovery (RFC 4821), TCP's half: the search range, the probe, and
 * what its fate tells. ICMP-based discovery (RFC 1191, RFC 8201) only ever lowers the path MTU, and
 * only when routers say so; a path that has grown, or one whose routers are silent, is found only by
 * sending something larger and seeing whether it arrives.
 *
 * The search (RFC 4821 §7.2, §7.3): `searchLow` is the largest packet size known to get through,
 * `searchHigh` the smallest not known to fail. A probe is a segment of about their midpoint built
 * from data queued to send (§7.4: real data, so nothing is wasted when it arrives), sent when enough
 * data follows it for its loss to be found by duplicate ACKs rather than a timeout. Its ACK raises
 * `searchLow` to its size (§7.6.1) and the MSS follows; its loss lowers `searchHigh` below it (§7.6.2)
 * and the data goes again at the current MSS; the search ends when the range is narrower than the
 * threshold, and starts over after `mtuProbeIntervalMs` (§7.7: the path may have changed).
 *
 * Where RFC 4821 leaves a choice, this follows Linux's tcp_mtu_probe (net.ipv4.tcp_mtu_probing,
 * tcp_base_mss, tcp_probe_threshold, tcp_probe_interval, tcp_mtu_probe_floor): the range starts from
 * the base MSS and the peer's MSS, sizes are whole packets (MSS plus TCP header and options plus IP
 * header), a probe needs a congestion window of 11 segments and room for the probe and four MSS-sized
 * segments after it (the duplicate-ACK threshold of 3, plus one), never goes while recovering, SACKing
 * or retransmitting, and `searchLow` bounds the MSS once the range is first applied. Sizes are IP
 * packet sizes (MTUs).
 */
import { seqAdd, seqGe, seqGt } from '../wire/index.js';
import { mssForMtu } from './config.js';
import type { Tcb } from './tcb.js';

/** Linux's tcp_mtu_probe: the congestion window (segments) a probe needs. */
const PROBE_MIN_CWND_SEGMENTS = 11;
/** RFC 5681's duplicate-ACK threshold (net.ipv4.tcp_reordering), which sizes the data after a probe. */
const DUP_THRESH = 3;

export class MtuProbeState {
  /** Probing is on (mtuProbing 2, or 1 once a black hole was suspected). */
  enabled: boolean;
  /** The largest packet known to get through (RFC 4821 §7.2 search_low). */
  searchLow: number;
  /** The smallest packet not known to fail (search_high). */
  searchHigh: number;
  /** The size of the probe in flight (a packet size), 0 when none. */
  probeMtu = 0;
  /** The probe's sequence range. */
  probeStart = 0;
  probeEnd = 0;
  /** When the current search began (for the reprobe interval). */
  searchStartedAt: number;
  /**
   * The packet size that bounds the MSS (searchLow when last applied), or undefined before the range
   * was first applied: as Linux, which sets the range up once the connection is established, after the
   * MSS was worked out (tcp_init_transfer -> tcp_mtup_init), and applies it at the next change of path
   * MTU or probe result (tcp_sync_mss).
   */
  capMtu: number | undefined;

  constructor(enabled: boolean, searchLow: number, searchHigh: number, now: number) {
    this.enabled = enabled;
    this.searchLow = searchLow;
    this.searchHigh = searchHigh;
    this.searchStartedAt = now;
  }
}

/** TCP and IP header octets around the data of a segment (options included, SACK blocks not). */
function headerBytes(tcb: Tcb): number {
  return mssOverhead(tcb) + (tcb.ipVersion === 4 ? 40 : 60);
}

function mssOverhead(tcb: Tcb): number {
  return tcb.timestamps ? 12 : 0;
}

/** Data octets a packet of `mtu` carries (Linux's tcp_mtu_to_mss): at most the peer's MSS. */
export function dataForMtu(tcb: Tcb, mtu: number): number {
  return Math.max(1, Math.min(mssForMtu(mtu, tcb.ipVersion), tcb.peerMss) - mssOverhead(tcb));
}

/** The packet size that carries `data` octets (Linux's tcp_mss_to_mtu). */
function mtuForData(tcb: Tcb, data: number): number {
  return data + headerBytes(tcb);
}

/** The range as a new search starts it: from the base MSS up to what the peer's MSS allows. */
function searchRange(tcb: Tcb): [number, number] {
  return [mtuForData(tcb, tcb.config.mtuProbeBaseMss), tcb.peerMss + (tcb.ipVersion === 4 ? 40 : 60)];
}

/** The connection is established: the search range is set up (Linux's tcp_mtup_init). */
export function initMtuProbe(tcb: Tcb, now: number): void {
  if (tcb.config.mtuProbing === 0) return;
  const [low, high] = searchRange(tcb);
  tcb.ownRare().mtuProbe = new MtuProbeState(tcb.config.mtuProbing === 2, low, high, now);
}

/**
 * The path MTU, or the search, changed: the range's top comes down to the path MTU, and once
 * probing is on the MSS is bounded by searchLow too (Linux's tcp_sync_mss).
 */
export function applyMtu(tcb: Tcb): void {
  const p = tcb.rare.mtuProbe;
  if (p !== undefined) {
    if (p.searchHigh > tcb.pathMtu) p.searchHigh = tcb.pathMtu;
    if (p.enabled) p.capMtu = p.searchLow;
  }
  tcb.cc?.setMss(tcb.sendMss);
}

/** The MSS bound the search sets (see MtuProbeState.capMtu), or undefined. */
export function probeMssCap(tcb: Tcb): number | undefined {
  const cap = tcb.rare.mtuProbe?.capMtu;
  return cap === undefined ? undefined : Math.min(mssForMtu(cap, tcb.ipVersion), tcb.peerMss);
}

/**
 * The length of a probe to send now from SND.NXT, or 0 (Linux's tcp_mtu_probe). `unsent`: octets
 * queued and never sent; `inFlight`: octets outstanding.
 */
export function probeLength(tcb: Tcb, unsent: number, inFlight: number, now: number): number {
  const p = tcb.rare.mtuProbe;
  if (p === undefined || !p.enabled || p.probeMtu !== 0) return 0;
  // Not while recovering or going back N, nor while our ACKs carry SACK blocks (their room would
  // come out of the probe), nor with a window too small to detect its loss by duplicate ACKs.
  if (tcb.recovery.inRecovery || tcb.dupAckCount > 0 || tcb.sndNxt !== tcb.sndMax) return 0;
  if (tcb.sackPermitted && (tcb.receiveBuffer.outOfOrderBytes > 0 || tcb.rare.dsackLeft !== undefined)) return 0;
  const mss = tcb.sendMss;
  if (Math.floor(tcb.congestion.cwnd / mss) < PROBE_MIN_CWND_SEGMENTS) return 0;
  const probe = dataForMtu(tcb, (p.searchHigh + p.searchLow) >> 1);
  // RFC 4821 §7.3: the search is over when the range is narrower than the threshold; after the
  // interval it starts again from the top (the path may offer more now).
  if (probe > dataForMtu(tcb, p.searchHigh) || p.searchHigh - p.searchLow < tcb.config.mtuProbeThreshold || probe <= mss) {
    if (now - p.searchStartedAt >= tcb.config.mtuProbeIntervalMs) {
      const [, high] = searchRange(tcb);
      p.searchHigh = Math.min(high, tcb.pathMtu);
      p.searchStartedAt = now;
    }
    return 0;
  }
  // RFC 4821 §7.4: enough data after the probe that its loss shows as duplicate ACKs.
  const needed = probe + (DUP_THRESH + 1) * mss;
  if (unsent < needed || tcb.sndWnd < needed || inFlight + needed > tcb.sndWnd) return 0;
  if (inFlight + needed > Math.floor(tcb.congestion.cwnd)) return 0;
  return probe;
}

/** A probe of `len` octets went at SND.NXT. */
export function probeSent(tcb: Tcb, seq: number, len: number): void {
  const p = tcb.rare.mtuProbe;
  if (p === undefined) return;
  p.probeMtu = mtuForData(tcb, len);
  p.probeStart = seq;
  p.probeEnd = seqAdd(seq, len);
}

/** SND.UNA moved: a probe wholly acknowledged got through (RFC 4821 §7.6.1). */
export function probeAcked(tcb: Tcb, now: number): void {
  const p = tcb.rare.mtuProbe;
  if (p === undefined || p.probeMtu === 0 || !seqGe(tcb.sndUna, p.probeEnd)) return;
  p.searchLow = p.probeMtu;
  p.probeMtu = 0;
  p.searchStartedAt = now;
  tcb.stats.TCPMTUPSuccess++;
  applyMtu(tcb);
}

/**
 * Loss was detected with the probe still outstanding at SND.UNA (duplicate ACKs or a timeout): the
 * probe was too big (RFC 4821 §7.6.2); the range's top comes below it, and the MSS stays what it was
 * (Linux's tcp_mtup_probe_failed). The loss is then recovered from as any other. Returns whether it
 * was the probe.
 */
export function probeLost(tcb: Tcb): boolean {
  const p = tcb.rare.mtuProbe;
  if (p === undefined || p.probeMtu === 0 || seqGt(tcb.sndUna, p.probeStart)) return false;
  p.searchHigh = p.probeMtu - 1;
  p.probeMtu = 0;
  tcb.stats.TCPMTUPFail++;
  return true;
}

/**
 * Consecutive retransmission timeouts (as many as `r1`) on an established connection: the path may
 * be a black hole for packets of this size (RFC 4821 §7.7, RFC 2923 §2.1). Probing turns on (when
 * mtuProbing is 1) and searchLow falls to half the MSS it allows, at most the base MSS and at least
 * the floor, so the data goes again in smaller segments (Linux's tcp_mtu_probing, tcp_timer.c).
 */
export function blackHoleSuspected(tcb: Tcb): void {
  const p = tcb.rare.mtuProbe;
  if (p === undefined) return;
  if (!p.enabled) p.enabled = true;
  else {
    let data = dataForMtu(tcb, p.searchLow) >> 1;
    data = Math.min(tcb.config.mtuProbeBaseMss, data);
    data = Math.max(data, tcb.config.mtuProbeFloorMss, tcb.config.minSendMss);
    p.searchLow = mtuForData(tcb, data);
  }
  p.probeMtu = 0;
  applyMtu(tcb);
}

/**
 * The route toward the peer now has MTU `mtu` (an administrator changed it). As Linux: the
 * connection sees it once its cached route is checked again, when it next sends (ip_queue_xmit), so
 * a burst under way keeps its MSS and the next one follows the new MTU.
 */
export function routeMtuChanged(tcb: Tcb, mtu: number): void {
  tcb.ownRare().routeMtuPending = mtu;
}

/** Something was sent since the route changed: the new MTU applies from here (see routeMtuChanged). */
export function takeRouteMtu(tcb: Tcb): void {
  const mtu = tcb.rare.routeMtuPending;
  if (mtu === undefined) return;
  if (tcb.rareState) tcb.rareState.routeMtuPending = undefined;
  tcb.pathMtu = mtu;
  applyMtu(tcb);
}
