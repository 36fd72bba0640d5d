/**
 * Named path profiles for `synack proxy --profile NAME`, each with where its numbers come from.
 *
 * How a source's figures become a path's settings:
 * - Chrome DevTools' presets give a target round trip and a throughput each way, then scale them
 *   for DevTools' request-level emulation (Slow 3G: latency x5, throughput x0.8; Fast 3G, now
 *   "Slow 4G": latency x3.75, throughput x0.9). A packet-level path takes the targets they aim at,
 *   before the scaling. RTT/2 is each direction's delay.
 * - comcast's presets (github.com/tylertreat/comcast, its README's table) add latency, a bandwidth
 *   cap and loss on one interface's egress, so a round trip gains the latency once: here each
 *   direction gets half the latency, the cap and the loss.
 * - RFC 2488 (TCP over satellite channels) §2: a geostationary hop is about 279 ms one way, 558 ms
 *   round trip.
 * - netem's man page (tc-netem(8), EXAMPLES): `delay 100ms 10ms` and `loss 0.1%` (netem's jitter is
 *   ± around the delay; the simulator's is uniform in [0, jitter), so the mean delay is 5 ms higher).
 * Queue sizes are not in any of these sources: each is the bandwidth-delay product of the profile's
 * rate and 100 ms (at least 16 KB), a common rule of thumb for a bottleneck's buffer.
 */
import type { LinkProfile } from '../../link/sim.js';

export interface PathProfile {
  name: string;
  description: string;
  /** Where the numbers come from. */
  source: string;
  /** Client to upstream. */
  upstream: Partial<LinkProfile>;
  /** Upstream to client. */
  downstream: Partial<LinkProfile>;
}

/** A queue holding 100 ms at `rateBps` (at least 16 KB). */
function queueFor(rateBps: number): number {
  return Math.max(16_384, Math.round((rateBps * 0.1) / 8));
}

/** A comcast preset: RTT `latencyMs`, `kbps` each way, `lossPercent` each way. */
function comcast(name: string, label: string, latencyMs: number, kbps: number, lossPercent: number): PathProfile {
  const rateBps = kbps * 1000;
  const dir = { delayMs: latencyMs / 2, rateBps, queueBytes: queueFor(rateBps), loss: lossPercent / 100 };
  return {
    name,
    description: `${label}: ${latencyMs} ms RTT, ${kbps} kbit/s, ${lossPercent}% loss each way`,
    source: `comcast's "${label}" preset (latency ${latencyMs} ms, bandwidth ${kbps} kbit/s, packet loss ${lossPercent}%)`,
    upstream: dir,
    downstream: { ...dir },
  };
}

/** A DevTools preset: RTT `rttMs`, `downKbps` and `upKbps`. */
function devtools(name: string, label: string, rttMs: number, downKbps: number, upKbps: number): PathProfile {
  const up = upKbps * 1000;
  const down = downKbps * 1000;
  return {
    name,
    description: `${label}: ${rttMs} ms RTT, ${downKbps} kbit/s down, ${upKbps} kbit/s up`,
    source: `Chrome DevTools' "${label}" throttling preset (front_end/core/sdk/NetworkManager.ts: target RTT ${rttMs} ms, ~${downKbps} kbit/s down, ~${upKbps} kbit/s up)`,
    upstream: { delayMs: rttMs / 2, rateBps: up, queueBytes: queueFor(up) },
    downstream: { delayMs: rttMs / 2, rateBps: down, queueBytes: queueFor(down) },
  };
}

export const PROFILES: readonly PathProfile[] = Object.freeze([
  devtools('slow-3g', 'Slow 3G', 400, 500, 500),
  devtools('3g', 'Slow 4G (formerly Fast 3G)', 150, 1600, 750),
  comcast('gprs', 'GPRS (good)', 500, 50, 2),
  comcast('edge', 'EDGE (good)', 300, 250, 1.5),
  comcast('hsdpa', '3G/HSDPA (good)', 250, 750, 1.5),
  comcast('dial-up', 'DIAL-UP (good)', 185, 40, 2),
  comcast('dsl-poor', 'DSL (poor)', 70, 2000, 2),
  comcast('dsl', 'DSL (good)', 40, 8000, 0.5),
  comcast('wifi', 'WIFI (good)', 40, 30000, 0.2),
  {
    name: 'lossy-wifi',
    description: 'Wi-Fi with burst loss: 40 ms RTT, 30 Mbit/s, Gilbert-Elliott bursts (about 3.8% loss in bursts of 4 packets on average) each way',
    source:
      "comcast's \"WIFI (good)\" latency and bandwidth; the burst loss is synack's illustration of netem's gemodel (p 1%, r 25%, 1-h 100%, 1-k 0%: loss p/(p+r), mean burst 1/r), not a measurement",
    upstream: { delayMs: 20, rateBps: 30e6, queueBytes: queueFor(30e6), burstEnter: 0.01, burstExit: 0.25 },
    downstream: { delayMs: 20, rateBps: 30e6, queueBytes: queueFor(30e6), burstEnter: 0.01, burstExit: 0.25 },
  },
  {
    name: 'satellite',
    description: 'a geostationary satellite hop: 558 ms RTT, 10 Mbit/s down, 1 Mbit/s up',
    source: 'RFC 2488 §2 (about 279 ms one way through a GEO satellite); the rates are synack\'s choice of a typical consumer link, not from the RFC',
    upstream: { delayMs: 279, rateBps: 1e6, queueBytes: queueFor(1e6) },
    downstream: { delayMs: 279, rateBps: 10e6, queueBytes: queueFor(10e6) },
  },
  {
    name: 'transatlantic',
    description: 'London to New York: 70 ms RTT, no bottleneck',
    source: 'the round trip public ping tables show between London and New York (about 70 ms); no loss or bottleneck is assumed',
    upstream: { delayMs: 35 },
    downstream: { delayMs: 35 },
  },
  {
    name: 'netem-example',
    description: "netem's man page examples: 100 ms delay with 10 ms jitter, 0.1% loss each way",
    source: 'tc-netem(8), EXAMPLES: "delay 100ms 10ms" and "loss 0.1%"',
    upstream: { delayMs: 100, jitterMs: 10, loss: 0.001 },
    downstream: { delayMs: 100, jitterMs: 10, loss: 0.001 },
  },
]);

/** The profile of that name; throws a RangeError listing the names otherwise. */
export function findProfile(name: string): PathProfile {
  const p = PROFILES.find((x) => x.name === name);
  if (!p) throw new RangeError(`unknown profile '${name}'; known profiles: ${PROFILES.map((x) => x.name).join(', ')}`);
  return p;
}
