/**
 * Goodput rows, in virtual time: one bulk transfer over a 100 Mbit/s bottleneck with 50 ms RTT
 * (25 ms each way) and random loss in both directions, MTU 1500, buffers well above the
 * bandwidth-delay product (625 kB) and a 1 MiB bottleneck queue. Goodput is the bytes the receiver
 * read over the virtual time from connect to the last byte; the median of three seeds.
 *
 * References: at 1% loss, the Mathis et al. bound for the connection's MSS, RTT and loss rate,
 * MSS/RTT * C/sqrt(p) with C = sqrt(3/2); at 0.01% loss, the link's capacity.
 */
import { bulkTransfer, makePair, patternBuffer } from './sim-pair.js';
import type { BenchSuite, Row } from './harness.js';

const RATE_BPS = 100e6;
const RTT_MS = 50;
const SEEDS = [1, 2, 3];
const BUFFER = 4 * 2 ** 20;
const pattern = patternBuffer(2 ** 20 + 7);

interface Goodput {
  mbps: number;
  mss: number;
}

function goodput(loss: number, bytes: number, seed: number): Goodput {
  const pair = makePair({
    seed,
    link: { mtu: 1500, delayMs: RTT_MS / 2, rateBps: RATE_BPS, queueBytes: 2 ** 20, loss },
    tcp: { mtu: 1500, receiveBufferSize: BUFFER, sendBufferSize: BUFFER },
    checksumOffload: true,
  });
  const r = bulkTransfer(pair, bytes, pattern, 3_600_000);
  if (r.bytes !== bytes || r.mismatches !== 0) throw new Error(`goodput loss ${loss}: ${r.bytes} of ${bytes} bytes, ${r.mismatches} sampled bytes wrong (seed ${seed})`);
  return { mbps: (bytes * 8) / (r.virtualMs / 1000) / 1e6, mss: r.mss };
}

function median<T>(xs: T[], by: (x: T) => number): T {
  return [...xs].sort((a, b) => by(a) - by(b))[xs.length >> 1];
}

/** The Mathis et al. (1997) bound in Mbit/s: MSS/RTT * C/sqrt(p), C = sqrt(3/2). */
export function mathisMbps(mss: number, rttMs: number, loss: number): number {
  return ((mss * 8) / (rttMs / 1000)) * (Math.sqrt(1.5) / Math.sqrt(loss)) / 1e6;
}

function row(name: string, loss: number, bytes: number, reference: 'mathis' | 'capacity'): Row {
  const runs = SEEDS.map((s) => goodput(loss, bytes, s));
  const m = median(runs, (r) => r.mbps);
  const value = m.mbps;
  const capacity = RATE_BPS / 1e6;
  const referenceValue = reference === 'mathis' ? mathisMbps(m.mss, RTT_MS, loss) : capacity;
  return {
    name,
    value,
    unit: 'Mbit/s',
    reference: reference === 'mathis' ? `Mathis (MSS ${m.mss})` : 'link capacity',
    referenceValue,
    ratio: value / referenceValue,
    target: { atLeast: reference === 'mathis' ? referenceValue : 0.9 * capacity },
    min: Math.min(...runs.map((r) => r.mbps)),
    max: Math.max(...runs.map((r) => r.mbps)),
  };
}

export const goodputSuite: BenchSuite = {
  name: 'goodput',
  cases: [
    { name: 'goodput-loss1pct-rtt50ms', run: () => row('goodput-loss1pct-rtt50ms', 0.01, 8 * 2 ** 20, 'mathis') },
    { name: 'goodput-loss0.01pct-rtt50ms', run: () => row('goodput-loss0.01pct-rtt50ms', 0.0001, 64 * 2 ** 20, 'capacity') },
  ],
};
