/**
 * Goodput rows, in virtual time: one bulk transfer over a 100 Mbit/s bottleneck with 50 ms RTT
 * (25 ms each way) and random loss in both directions, MTU 1500, buffers well above the
 * bandwidth-delay product (625 kB) and a 1 MiB bottleneck queue. Goodput is the bytes the receiver
 * read over the virtual time from connect to the last byte; the median of three seeds. CUBIC (the
 * default) and BBR (congestionControl 'bbr') each have their rows. At 0.01% loss a 64 MiB transfer
 * lasts about 6 s, of which the handshake and slow start (or BBR's Startup) take about 0.3; the
 * `-700mib` row moves 700 MiB (about a minute at capacity) to measure what the controller holds once
 * started: BBR there; CUBIC's long-run figure on this path is bound by its response function (RFC 9438
 * §5.1: tens of Mbit/s, see the ns-3 scenario (b)).
 *
 * References: at 1% loss, the Mathis et al. bound for the connection's MSS, RTT and loss rate,
 * MSS/RTT * C/sqrt(p) with C = sqrt(3/2), for CUBIC; CUBIC's own figure on the same path, measured
 * in the same run, for BBR; at 0.01% loss, the link's capacity.
 */
import { bulkTransfer, makePair, patternBuffer } from './sim-pair.js';
import type { BenchSuite, Row } from './harness.js';
import type { TcpConfig } from '../tcp/config.js';

const RATE_BPS = 100e6;
const RTT_MS = 50;
const SEEDS = [1, 2, 3];
const BUFFER = 4 * 2 ** 20;
const pattern = patternBuffer(2 ** 20 + 7);

interface Goodput {
  mbps: number;
  mss: number;
}

type Controller = TcpConfig['congestionControl'];

/** Runs of this bench process, by controller, loss, size and seed: a row and its reference share them. */
const measured = new Map<string, Goodput>();

function goodput(loss: number, bytes: number, seed: number, cc: Controller = 'cubic'): Goodput {
  const key = `${cc} ${loss} ${bytes} ${seed}`;
  const known = measured.get(key);
  if (known !== undefined) return known;
  const pair = makePair({
    seed,
    link: { mtu: 1500, delayMs: RTT_MS / 2, rateBps: RATE_BPS, queueBytes: 2 ** 20, loss },
    tcp: { mtu: 1500, receiveBufferSize: BUFFER, sendBufferSize: BUFFER, congestionControl: cc },
    checksumOffload: true,
  });
  const r = bulkTransfer(pair, bytes, pattern, 3_600_000);
  if (r.bytes !== bytes || r.mismatches !== 0) throw new Error(`goodput ${cc} loss ${loss}: ${r.bytes} of ${bytes} bytes, ${r.mismatches} sampled bytes wrong (seed ${seed})`);
  const g = { mbps: (bytes * 8) / (r.virtualMs / 1000) / 1e6, mss: r.mss };
  measured.set(key, g);
  return g;
}

function median<T>(xs: T[], by: (x: T) => number): T {
  return [...xs].sort((a, b) => by(a) - by(b))[xs.length >> 1];
}

/** The Mathis et al. (1997) bound in Mbit/s: MSS/RTT * C/sqrt(p), C = sqrt(3/2). */
export function mathisMbps(mss: number, rttMs: number, loss: number): number {
  return ((mss * 8) / (rttMs / 1000)) * (Math.sqrt(1.5) / Math.sqrt(loss)) / 1e6;
}

function row(name: string, loss: number, bytes: number, reference: 'mathis' | 'capacity' | 'cubic', cc: Controller = 'cubic'): Row {
  const runs = SEEDS.map((s) => goodput(loss, bytes, s, cc));
  const m = median(runs, (r) => r.mbps);
  const value = m.mbps;
  const capacity = RATE_BPS / 1e6;
  let referenceValue: number;
  let referenceName: string;
  let atLeast: number;
  if (reference === 'mathis') {
    referenceValue = mathisMbps(m.mss, RTT_MS, loss);
    referenceName = `Mathis (MSS ${m.mss})`;
    atLeast = referenceValue;
  } else if (reference === 'cubic') {
    // The same path and seeds with CUBIC, the default controller.
    referenceValue = median(SEEDS.map((s) => goodput(loss, bytes, s, 'cubic')), (r) => r.mbps).mbps;
    referenceName = 'CUBIC, same path';
    atLeast = referenceValue;
  } else {
    referenceValue = capacity;
    referenceName = 'link capacity';
    atLeast = 0.9 * capacity;
  }
  return {
    name,
    value,
    unit: 'Mbit/s',
    reference: referenceName,
    referenceValue,
    ratio: value / referenceValue,
    target: { atLeast },
    min: Math.min(...runs.map((r) => r.mbps)),
    max: Math.max(...runs.map((r) => r.mbps)),
  };
}

export const goodputSuite: BenchSuite = {
  name: 'goodput',
  cases: [
    { name: 'goodput-loss1pct-rtt50ms', run: () => row('goodput-loss1pct-rtt50ms', 0.01, 8 * 2 ** 20, 'mathis') },
    { name: 'goodput-loss0.01pct-rtt50ms', run: () => row('goodput-loss0.01pct-rtt50ms', 0.0001, 64 * 2 ** 20, 'capacity') },
    { name: 'goodput-loss1pct-rtt50ms-bbr', run: () => row('goodput-loss1pct-rtt50ms-bbr', 0.01, 8 * 2 ** 20, 'cubic', 'bbr') },
    { name: 'goodput-loss0.01pct-rtt50ms-bbr', run: () => row('goodput-loss0.01pct-rtt50ms-bbr', 0.0001, 64 * 2 ** 20, 'capacity', 'bbr') },
    { name: 'goodput-loss0.01pct-rtt50ms-bbr-700mib', run: () => row('goodput-loss0.01pct-rtt50ms-bbr-700mib', 0.0001, 700 * 2 ** 20, 'capacity', 'bbr') },
  ],
};
