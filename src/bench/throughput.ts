/**
 * Throughput rows: one connection, two stacks in one process, a simulator link without impairment
 * (1 µs each way, no bottleneck, checksums offloaded as on the kernel's loopback, packets that arrive
 * together taken in batches of up to 64 as a NAPI poll takes them: LOOPBACK_RECEIVE_BATCH; segmentation
 * offload on both hosts, the simulator's default: 64 KB segments through TCP, cut to MTU-sized packets
 * at the link and merged per batch before the receiver's TCP, as Linux's GSO and GRO over loopback),
 * bulk data from a preallocated buffer, in Gbit/s of wall clock. Reference: Node's `net` between two sockets over
 * 127.0.0.1 in the same process, the same byte count, trials interleaved with the subject's.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { bulkTransfer, LOOPBACK_RECEIVE_BATCH, makePair, patternBuffer } from './sim-pair.js';
import type { BenchCase, BenchSuite, MeasureOptions, Row, Target } from './harness.js';

const BYTES = 256 * 2 ** 20;
const TRIALS = 5;
const BUFFER = 4 * 2 ** 20;
/** 1 MiB + 7: no segment size divides it, so a misplaced segment shows in the sampled bytes. */
const pattern = patternBuffer(2 ** 20 + 7);

/** Wall-clock seconds of one simulated transfer of `bytes` at `mtu`. */
export function simTransferSeconds(mtu: number, bytes: number, seed = 1): number {
  const pair = makePair({
    seed,
    link: { mtu, delayMs: 0.001 },
    tcp: { mtu, receiveBufferSize: BUFFER, sendBufferSize: BUFFER, ackDelayMs: 40 },
    checksumOffload: true,
    receiveBatch: LOOPBACK_RECEIVE_BATCH,
  });
  const start = process.hrtime.bigint();
  const r = bulkTransfer(pair, bytes, pattern);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.bytes !== bytes || r.mismatches !== 0) throw new Error(`throughput mtu ${mtu}: ${r.bytes} of ${bytes} bytes, ${r.mismatches} sampled bytes wrong (seed ${seed})`);
  return seconds;
}

/** Wall-clock seconds for Node's net to move `bytes` between two sockets over 127.0.0.1 (same process). */
export async function netTransferSeconds(bytes: number): Promise<number> {
  const chunk = pattern.subarray(0, 2 ** 20);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const received = new Promise<number>((resolve, reject) => {
      server.once('connection', (s: Socket) => {
        let n = 0;
        s.on('data', (d: Buffer) => {
          n += d.length;
          if (n >= bytes) resolve(Number(process.hrtime.bigint() - start) / 1e9);
        });
        s.on('error', reject);
      });
    });
    const start = process.hrtime.bigint();
    const c = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      c.once('connect', resolve);
      c.once('error', reject);
    });
    let sent = 0;
    const write = (): void => {
      while (sent < bytes) {
        const piece = Math.min(chunk.length, bytes - sent);
        sent += piece;
        if (!c.write(chunk.subarray(0, piece))) {
          c.once('drain', write);
          return;
        }
      }
      c.end();
    };
    write();
    const seconds = await received;
    c.destroy();
    return seconds;
  } finally {
    server.close();
  }
}

/**
 * Wall-clock time of simulated transfers before any trial counts. Each trial is a few thousand calls
 * of the per-segment functions, too few for V8 to have optimized them all: on a 2-core machine,
 * successive identical 128 MiB transfers at MTU 65535 speed up for about a second (from 3 Gbit/s to
 * a steady 50 to 60; at MTU 1500 from 0.9 to a steady 3). The warm-up must outlast that tiering, or
 * the trials measure the JIT rather than the stack.
 */
const WARMUP_MS = 2000;

async function throughputRow(name: string, mtu: number, target: Target, options: MeasureOptions): Promise<Row> {
  const warmUntil = Date.now() + Math.max(WARMUP_MS, options.warmupMs);
  for (let seed = 100; Date.now() < warmUntil; seed++) simTransferSeconds(mtu, BYTES / 8, seed);
  await netTransferSeconds(BYTES / 8);
  const subject: number[] = [];
  const reference: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    subject.push((BYTES * 8) / simTransferSeconds(mtu, BYTES, k + 1) / 1e9);
    reference.push((BYTES * 8) / (await netTransferSeconds(BYTES)) / 1e9);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const value = med(subject);
  const referenceValue = med(reference);
  return {
    name,
    value,
    unit: 'Gbit/s',
    reference: 'node:net 127.0.0.1',
    referenceValue,
    ratio: value / referenceValue,
    target,
    min: Math.min(...subject),
    max: Math.max(...subject),
  };
}



export const throughputSuite: BenchSuite = {
  name: 'throughput',
  cases: [
    {
      name: 'throughput-mtu65535',
      async run(options) {
        // Target: at least Node net's figure from the same run (ratio >= 1.0).
        const row = await throughputRow('throughput-mtu65535', 65535, {}, options);

        row.target = { atLeast: row.referenceValue };
        return row;
      },
    },
    {
      name: 'throughput-mtu1500',
      run: (options) => throughputRow('throughput-mtu1500', 1500, { atLeast: 5 }, options),
    },
  ] satisfies BenchCase[],
};

