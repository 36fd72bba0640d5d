/**
 * The SYN flood (src/link/flood.ts, `synack bench flood`) in `npm run bench`, at a reduced size so
 * the whole run stays short: 200,000 spoofed SYNs per cookie mode. Each mode's scenario runs once
 * and feeds several rows; references are from the same run (a run with no flood, and a plain
 * decodeTcpPacket of the same SYNs).
 */
import { decodeSynReference, floodBaseline, FLOOD_TARGETS, runFlood, type FloodReport } from '../src/bench/syn-flood.js';
import type { SynCookieMode } from '../src/stack/stack.js';
import type { BenchCase, BenchSuite, Row, Target } from '../src/bench/harness.js';

const SPOOFED = 200_000;
const RATE = 100_000;
const CLIENTS = 100;
const SEED = 1;

const runs = new Map<string, FloodReport>();
function report(mode: SynCookieMode | 'baseline'): FloodReport {
  let r = runs.get(mode);
  if (!r) {
    r = mode === 'baseline' ? floodBaseline(CLIENTS, SEED) : runFlood({ mode, spoofed: SPOOFED, rate: RATE, clients: CLIENTS, seed: SEED });
    runs.set(mode, r);
  }
  return r;
}
let decodeRate: number | undefined;

function row(name: string, value: number, unit: string, reference: string, referenceValue: number, target?: Target): Row {
  return { name, value, unit, reference, referenceValue, ratio: value / referenceValue, target };
}

function synRate(mode: SynCookieMode, target?: Target): BenchCase {
  return {
    name: `flood-${mode}-syn-rate`,
    run() {
      decodeRate ??= decodeSynReference(SEED);
      return row(`flood-${mode}-syn-rate`, report(mode).synPerSecond / 1e3, 'kSYN/s', 'decodeTcpPacket SYN', decodeRate / 1e3, target);
    },
  };
}

function success(mode: SynCookieMode, target?: Target): BenchCase {
  return {
    name: `flood-${mode}-legit-success`,
    run: () => row(`flood-${mode}-legit-success`, report(mode).legitSuccessPct, '%', 'no flood', report('baseline').legitSuccessPct, target),
  };
}

export const floodSuite: BenchSuite = {
  name: 'flood',
  cases: [
    success('off'),
    success('on-overflow', { atLeast: FLOOD_TARGETS.legitSuccessPct }),
    success('always'),
    synRate('off'),
    synRate('on-overflow', { atLeast: FLOOD_TARGETS.synPerSecond / 1e3 }),
    synRate('always'),
    {
      name: 'flood-on-overflow-heap',
      run() {
        const r = report('on-overflow');
        const b = report('baseline');
        if (r.heapGrowthBytes === null || b.heapGrowthBytes === null) throw new Error('flood-on-overflow-heap needs a forced GC (node --expose-gc)');
        return row('flood-on-overflow-heap', r.heapGrowthBytes / 2 ** 20, 'MiB', 'no flood', b.heapGrowthBytes / 2 ** 20, { atMost: FLOOD_TARGETS.heapGrowthBytes / 2 ** 20 });
      },
    },
  ],
};
