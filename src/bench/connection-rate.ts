/**
 * The connection-rate row: full request/response cycles per second of wall clock with 64 in flight:
 * connect, a 1-byte request, a 1-byte response, close both ways (the server closes after responding,
 * the client on the end of stream; a cycle counts when the client's connection is CLOSED). Subject:
 * two stacks in one process on a simulator link like loopback (1 µs each way, checksums offloaded,
 * same-instant arrivals taken in batches of up to 64: LOOPBACK_RECEIVE_BATCH).
 * Reference: the same cycles with Node's `net` over 127.0.0.1 in the same process.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { connectionCyclesYielding, LOOPBACK_RECEIVE_BATCH, makePair } from './sim-pair.js';
import type { BenchSuite, Row } from './harness.js';

const IN_FLIGHT = 64;
const SIM_CYCLES = 20_000;
const NET_CYCLES = 3_000;
const TRIALS = 3;

/** Cycles per wall-clock second in the simulator. */
export async function simCycleRate(cycles: number, seed: number): Promise<number> {
  // 64k client ports (RFC 6056 allows 1024-65535), so no 4-tuple comes round again within a run
  // while the server still holds it in TIME-WAIT.
  const pair = makePair({ seed, link: { delayMs: 0.001, mtu: 65535 }, tcp: { mtu: 65535 }, checksumOffload: true, ephemeralMin: 1024, receiveBatch: LOOPBACK_RECEIVE_BATCH });
  const start = process.hrtime.bigint();
  const done = await connectionCyclesYielding(pair, cycles, IN_FLIGHT);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (done !== cycles) throw new Error(`connection-rate: ${done} of ${cycles} cycles (seed ${seed})`);
  return done / seconds;
}

/** Cycles per wall-clock second with Node's net over 127.0.0.1. */
export async function netCycleRate(cycles: number): Promise<number> {
  const server = createServer((s: Socket) => {
    s.once('data', () => s.end(RESPONSE));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const start = process.hrtime.bigint();
    let started = 0;
    let completed = 0;
    let failed = 0;
    await new Promise<void>((resolve, reject) => {
      const open = (): void => {
        started++;
        const c = connect(port, '127.0.0.1');
        c.once('connect', () => c.write(REQUEST));
        c.on('data', () => {});
        c.on('end', () => c.end());
        c.on('error', () => failed++);
        c.once('close', () => {
          completed++;
          if (failed > 0) reject(new Error(`connection-rate reference: ${failed} connections failed`));
          else if (completed === cycles) resolve();
          else if (started < cycles) open();
        });
      };
      for (let k = 0; k < IN_FLIGHT && started < cycles; k++) open();
    });
    return cycles / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    server.close();
  }
}

const REQUEST = Buffer.from([0x51]);
const RESPONSE = Buffer.from([0x52]);

async function connectionRateRow(): Promise<Row> {
  await simCycleRate(SIM_CYCLES / 4, 99); // warm-up
  await netCycleRate(NET_CYCLES / 4);
  const subject: number[] = [];
  const reference: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    subject.push(await simCycleRate(SIM_CYCLES, k + 1));
    reference.push(await netCycleRate(NET_CYCLES));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const value = med(subject);
  const referenceValue = med(reference);
  return {
    name: 'connection-rate',
    value,
    unit: 'cycles/s',
    reference: 'node:net 127.0.0.1',
    referenceValue,
    ratio: value / referenceValue,
    target: { atLeast: 10 * referenceValue },
    min: Math.min(...subject),
    max: Math.max(...subject),
  };
}

export const connectionRateSuite: BenchSuite = {
  name: 'connection-rate',
  cases: [{ name: 'connection-rate', run: connectionRateRow }],
};
