/**
 * The integrity matrix's link profiles (test/link/integrity.test.ts): every impairment a transfer
 * must survive byte-exact. Shared with the tests that run other features under the same matrix
 * (test/link/fast-open-integrity.test.ts, test/link/bbr-integrity.test.ts).
 */
import type { LinkProfile } from '../../src/link/sim.js';
import type { SimTransferSpec } from '../../src/workloads/scenario.js';
import type { Direction, TransferReport } from '../../src/workloads/transfer.js';

export const K = 1000;
export const M = 1_000_000;
export const DIRECTIONS: Direction[] = ['up', 'down', 'both'];

export interface Profile {
  name: string;
  link: Partial<LinkProfile>;
  hostMtu?: number;
  /** Host and application settings (buffers, options, a paced reader). */
  hosts?: Pick<SimTransferSpec, 'receiveBufferSize' | 'sendBufferSize' | 'timestamps' | 'windowScaling' | 'ackDelayMs' | 'readRateBps'>;
  /** Runs per profile (times SYNACK_MATRIX_SCALE). */
  runs: number;
  /** Sizes, cycled through (with the directions) run by run. */
  sizes: number[];
  /** Sizes given to exactly one run each (the large ones). */
  once?: Array<[number, Direction]>;
  directions?: Direction[];
  /** A per-run partition and user timeout. */
  partition?: (seed: number) => { userTimeoutMs: number; partition: { fromMs: number; toMs: number } };
  /** 'timeout': the partition outlasts the user timeout; both sides must end with ETIMEDOUT. */
  expect?: 'ok' | 'timeout';
  maxMs?: number;
}

const SMALL = [0, 1, 100, 1460, 4 * K, 10 * K, 65_536, 100 * K];
const MEDIUM = [...SMALL, 300 * K, 1 * M];

export const PROFILES: Profile[] = [
  { name: 'clean', link: {}, runs: 48, sizes: MEDIUM, once: [[10 * M, 'up'], [10 * M, 'down'], [5 * M, 'both']] },
  { name: '1% loss', link: { loss: 0.01, delayMs: 5 }, runs: 48, sizes: MEDIUM, once: [[10 * M, 'both']] },
  { name: '5% loss', link: { loss: 0.05, delayMs: 5 }, runs: 40, sizes: MEDIUM },
  { name: '20% loss', link: { loss: 0.2, delayMs: 5 }, runs: 40, sizes: SMALL, once: [[300 * K, 'both']] },
  { name: 'reordering', link: { reorder: 0.05, delayMs: 10 }, runs: 40, sizes: MEDIUM, once: [[10 * M, 'up']] },
  { name: 'duplication', link: { duplicate: 0.05, jitterMs: 1 }, runs: 40, sizes: MEDIUM },
  { name: '1% corruption', link: { corrupt: 0.01, delayMs: 5 }, runs: 40, sizes: MEDIUM },
  { name: '200 ms RTT, jitter', link: { delayMs: 100, jitterMs: 30 }, runs: 36, sizes: MEDIUM },
  { name: '64 kbit/s', link: { rateBps: 64_000, queueBytes: 16_000, delayMs: 20 }, runs: 24, sizes: [0, 1, 100, 1460, 4 * K, 10 * K, 30 * K] },
  { name: 'MTU 576', link: { mtu: 576 }, runs: 30, sizes: MEDIUM },
  { name: 'MTU 9000', link: { mtu: 9000, rateBps: 1e9 }, runs: 30, sizes: MEDIUM, once: [[10 * M, 'both']] },
  { name: 'PMTUD: hosts 1500, link 576', link: { mtu: 576, delayMs: 2 }, hostMtu: 1500, runs: 30, sizes: MEDIUM },
  {
    name: 'everything at once',
    link: { loss: 0.02, duplicate: 0.02, reorder: 0.03, corrupt: 0.01, delayMs: 15, jitterMs: 10, rateBps: 20e6, queueBytes: 200_000 },
    runs: 32,
    sizes: MEDIUM,
  },
  {
    // Windows that close: the persist timer, window updates, SWS avoidance, FINs waiting for room.
    name: 'slow readers, small buffers',
    link: { loss: 0.01, delayMs: 10, jitterMs: 2, duplicate: 0.01 },
    hosts: { receiveBufferSize: 4096, sendBufferSize: 8192, readRateBps: 800_000 },
    runs: 30,
    sizes: [0, 1, 1460, 4 * K, 10 * K, 65_536, 100 * K],
  },
  {
    name: 'no timestamps or window scaling, 200 ms delayed ACK',
    link: { loss: 0.02, reorder: 0.02, delayMs: 20 },
    hosts: { timestamps: false, windowScaling: false, ackDelayMs: 200 },
    runs: 30,
    sizes: MEDIUM,
  },
  {
    name: 'MTU 296 with PMTUD, 1000-byte buffers, 5% loss',
    link: { mtu: 296, loss: 0.05, delayMs: 5, jitterMs: 5 },
    hostMtu: 1500,
    hosts: { receiveBufferSize: 1000, sendBufferSize: 1000, ackDelayMs: 0 },
    runs: 30,
    sizes: SMALL,
  },
  {
    name: 'partition shorter than the user timeout',
    link: { rateBps: 10e6, delayMs: 10, queueBytes: 100_000 },
    runs: 16,
    sizes: [1 * M],
    directions: ['both', 'up', 'down'],
    partition: (seed) => ({ userTimeoutMs: 10_000, partition: { fromMs: 100 + (seed % 5) * 100, toMs: 100 + (seed % 5) * 100 + 4_000 } }),
  },
  {
    name: 'partition longer than the user timeout',
    link: { rateBps: 10e6, delayMs: 10, queueBytes: 100_000 },
    runs: 16,
    // Both sides have data in flight when the link goes down, so both have something to time out on.
    sizes: [1 * M],
    directions: ['both'],
    partition: (seed) => ({ userTimeoutMs: 5_000, partition: { fromMs: 100 + (seed % 5) * 80, toMs: 100 + (seed % 5) * 80 + 30_000 } }),
    expect: 'timeout',
  },
];


/** A transfer under `profile`: its link, hosts, time bound and partition (drawn from `partitionSeed`). */
export function profileSpec(profile: Profile, seed: number, bytes: number, direction: Direction, partitionSeed = seed): SimTransferSpec {
  return {
    seed,
    bytes,
    direction,
    link: profile.link,
    hostMtu: profile.hostMtu,
    ...profile.hosts,
    maxMs: profile.maxMs ?? 3_600_000,
    ...profile.partition?.(partitionSeed),
  };
}

/**
 * What is wrong with a transfer under `profile`, or undefined: a profile that expects a timeout ends
 * with ETIMEDOUT on both sides, both CLOSED; any other delivers every byte both ways (the digests
 * themselves checked, over the report's `ok`) and closes properly (one side through TIME-WAIT).
 */
export function transferVerdict(profile: Profile, r: TransferReport): string | undefined {
  if (profile.expect === 'timeout') {
    if (r.client.error?.code !== 'ETIMEDOUT' || r.server.error?.code !== 'ETIMEDOUT') {
      return `expected ETIMEDOUT on both sides, got client ${r.client.error?.code ?? 'no error'}, server ${r.server.error?.code ?? 'no error'} (${r.reason ?? 'ok'})`;
    }
    if (r.client.finalState !== 'CLOSED' || r.server.finalState !== 'CLOSED') return `ended in ${r.client.finalState}/${r.server.finalState}`;
    return undefined;
  }
  if (!r.ok) return r.reason;
  for (const s of [r.up, r.down]) {
    if (s.receivedSha256 !== s.sentSha256 || s.receivedBytes !== s.bytes) return `sha256 or length mismatch (${s.receivedBytes}/${s.bytes})`;
  }
  if (!r.client.states.includes('TIME-WAIT') && !r.server.states.includes('TIME-WAIT')) return 'closed without either side in TIME-WAIT';
  return undefined;
}
