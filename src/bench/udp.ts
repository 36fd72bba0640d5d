/**
 * What a datagram costs: an echo of 20,000 datagrams of 512 bytes (a DNS-sized payload), one in flight
 * at a time, through synack's node:dgram sockets on a simulated pair (1 µs each way, so wall clock is
 * all stack and sockets), beside the same echo through Node's own dgram over the kernel's 127.0.0.1,
 * in round trips per second of wall clock, trials interleaved.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { SimNetwork } from '../link/sim.js';
import { createSocket } from '../socket/dgram.js';
import type { BenchSuite, MeasureOptions, Row } from './harness.js';

const COUNT = 20_000;
const TRIALS = 5;
const PAYLOAD = new Uint8Array(512).fill(0x5a);
const WARMUP_MS = 1000;

/** Wall-clock seconds for `count` echoes through synack. */
export async function synackEchoSeconds(count: number, seed: number): Promise<number> {
  const net = new SimNetwork(seed);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  net.link(a, b, { delayMs: 0.001 });
  const echo = createSocket(b, 'udp4').bind(7);
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  const c = createSocket(a, 'udp4');
  let got = 0;
  c.on('message', () => {
    if (++got < count) c.send(PAYLOAD, 7, '198.18.0.2');
  });
  const start = process.hrtime.bigint();
  c.send(PAYLOAD, 7, '198.18.0.2');
  await net.runAsync(() => got >= count, { maxMs: 1e9 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  c.close();
  echo.close();
  return seconds;
}

/** Wall-clock seconds for `count` echoes through Node's dgram on the kernel's loopback. */
export async function nodeEchoSeconds(count: number): Promise<number> {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  echo.bind(0, '127.0.0.1');
  await once(echo, 'listening');
  const port = echo.address().port;
  const c = dgram.createSocket('udp4');
  let got = 0;
  const done = new Promise<void>((resolve) => {
    c.on('message', () => {
      if (++got < count) c.send(PAYLOAD, port, '127.0.0.1');
      else resolve();
    });
  });
  const start = process.hrtime.bigint();
  c.send(PAYLOAD, port, '127.0.0.1');
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  c.close();
  echo.close();
  return seconds;
}

async function udpEchoRow(options: MeasureOptions): Promise<Row> {
  const warmUntil = Date.now() + Math.max(WARMUP_MS, options.warmupMs);
  for (let seed = 100; Date.now() < warmUntil; seed++) {
    await synackEchoSeconds(COUNT / 10, seed);
    await nodeEchoSeconds(COUNT / 10);
  }
  const subject: number[] = [];
  const reference: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    subject.push(COUNT / (await synackEchoSeconds(COUNT, k + 1)));
    reference.push(COUNT / (await nodeEchoSeconds(COUNT)));
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  const value = med(subject);
  const referenceValue = med(reference);
  return {
    name: 'udp-echo-rate',
    value,
    unit: 'round trips/s',
    reference: 'node:dgram over 127.0.0.1 (the kernel)',
    referenceValue,
    ratio: value / referenceValue,
    // Target: both ends of the exchange in one process cost no more than half the kernel's rate.
    target: { atLeast: 0.5 * referenceValue },
    min: Math.min(...subject),
    max: Math.max(...subject),
  };
}

export const udpSuite: BenchSuite = {
  name: 'udp',
  cases: [{ name: 'udp-echo-rate', run: udpEchoRow }],
};
