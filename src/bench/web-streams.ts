/**
 * What the web streams cost: one bulk transfer through TcpStream and TcpListener (WHATWG streams,
 * socket/web.ts) beside the same transfer through synack's Node-style Socket and Server
 * (stream.Duplex), on the same simulated pair (the throughput suite's: MTU 65535, 1 µs each way,
 * checksums offloaded), in Gbit/s of wall clock, trials interleaved. Both run under `runAsync`, so
 * the row compares the two APIs over one stack, not the stack with anything else.
 */
import { createServer, connect } from '../socket/index.js';
import { TcpListener, TcpStream, type TcpConnectionEvent } from '../socket/web.js';
import type { BenchSuite, MeasureOptions, Row } from './harness.js';
import { makePair, patternBuffer, SERVER_ADDRESS, type Pair } from './sim-pair.js';

const BYTES = 256 * 2 ** 20;
const TRIALS = 5;
const BUFFER = 4 * 2 ** 20;
const PORT = 5001;
/** 1 MiB + 7: no segment size divides it, so a misplaced chunk shows in the sampled bytes. */
const pattern = patternBuffer(2 ** 20 + 7);
const WARMUP_MS = 1500;

function pair(seed: number): Pair {
  return makePair({
    seed,
    link: { mtu: 65535, delayMs: 0.001 },
    tcp: { mtu: 65535, receiveBufferSize: BUFFER, sendBufferSize: BUFFER, ackDelayMs: 40 },
    checksumOffload: true,
  });
}

/** Counts what arrives and checks each chunk's first byte against the pattern. */
class Receiver {
  bytes = 0;
  mismatches = 0;
  take(d: Uint8Array): void {
    if (d.length > 0 && d[0] !== pattern[this.bytes % pattern.length]) this.mismatches++;
    this.bytes += d.length;
  }
  check(what: string, bytes: number, seed: number): void {
    if (this.bytes !== bytes || this.mismatches !== 0) throw new Error(`${what}: ${this.bytes} of ${bytes} bytes, ${this.mismatches} chunks misplaced (seed ${seed})`);
  }
}

/** Wall-clock seconds to move `bytes` from a TcpStream to a TcpListener's connection. */
export async function webStreamSeconds(bytes: number, seed: number): Promise<number> {
  const { net, client, server } = pair(seed);
  const rx = new Receiver();
  const listener = new TcpListener(server, { localPort: PORT, autoAccept: true, readableHighWaterMark: 2 ** 20 });
  listener.addEventListener('connection', (e) => {
    void (async () => {
      const { readable } = await (e as TcpConnectionEvent).stream.opened;
      const reader = readable.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) rx.take(r.value);
    })();
  });
  const start = process.hrtime.bigint();
  const s = new TcpStream(client, { remoteAddress: SERVER_ADDRESS, remotePort: PORT, writableHighWaterMark: 2 ** 20 });
  void (async () => {
    const { writable } = await s.opened;
    const w = writable.getWriter();
    for (let sent = 0; sent < bytes; ) {
      const piece = pattern.subarray(sent % pattern.length, Math.min(pattern.length, (sent % pattern.length) + bytes - sent));
      sent += piece.length;
      await w.ready;
      void w.write(piece);
    }
    await w.close();
  })();
  await net.runAsync(() => rx.bytes >= bytes, { maxMs: 1e9 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rx.check('web-streams', bytes, seed);
  await s.close();
  await listener.close();
  return seconds;
}

/** Wall-clock seconds for the same transfer through synack's Node-style Socket and Server. */
export async function duplexSeconds(bytes: number, seed: number): Promise<number> {
  const { net, client, server } = pair(seed);
  const rx = new Receiver();
  const srv = createServer(server, (sock) => sock.on('data', (d: Uint8Array) => rx.take(d))).listen(PORT);
  const start = process.hrtime.bigint();
  const c = connect(client, PORT, SERVER_ADDRESS);
  let sent = 0;
  const write = (): void => {
    while (sent < bytes) {
      const piece = pattern.subarray(sent % pattern.length, Math.min(pattern.length, (sent % pattern.length) + bytes - sent));
      sent += piece.length;
      if (!c.write(piece)) {
        c.once('drain', write);
        return;
      }
    }
    c.end();
  };
  c.once('connect', write);
  await net.runAsync(() => rx.bytes >= bytes, { maxMs: 1e9 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rx.check('stream.Duplex', bytes, seed);
  c.destroy();
  srv.close();
  return seconds;
}

async function webStreamsRow(options: MeasureOptions): Promise<Row> {
  const warmUntil = Date.now() + Math.max(WARMUP_MS, options.warmupMs);
  for (let seed = 100; Date.now() < warmUntil; seed++) {
    await webStreamSeconds(BYTES / 8, seed);
    await duplexSeconds(BYTES / 8, seed);
  }
  const subject: number[] = [];
  const reference: number[] = [];
  for (let k = 0; k < TRIALS; k++) {
    subject.push((BYTES * 8) / (await webStreamSeconds(BYTES, k + 1)) / 1e9);
    reference.push((BYTES * 8) / (await duplexSeconds(BYTES, k + 1)) / 1e9);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const value = med(subject);
  const referenceValue = med(reference);
  return {
    name: 'web-streams-throughput',
    value,
    unit: 'Gbit/s',
    reference: 'synack Socket (stream.Duplex)',
    referenceValue,
    ratio: value / referenceValue,
    // Target: WHATWG streams cost at most half of the Node-style API's speed over the same stack.
    target: { atLeast: 0.5 * referenceValue },
    min: Math.min(...subject),
    max: Math.max(...subject),
  };
}

export const webStreamsSuite: BenchSuite = {
  name: 'web-streams',
  cases: [{ name: 'web-streams-throughput', run: webStreamsRow }],
};
