/**
 * The two ends the proxy benchmarks measure with (bench/proxy.ts): a server and a client over Node's
 * `net`, in processes of their own, so the same code measures every path: loopback direct, loopback
 * through `synack proxy`, and the Linux kernel's TCP between two network namespaces (where only a
 * child process can run: `ip netns exec`).
 *
 * The first byte a client sends picks the exchange:
 *
 *   'B'  bulk: the client writes up to `bytes` (stopping early at `seconds`), then ends; the server
 *        counts what arrives and, at the client's end, answers the count as 8 bytes and ends.
 *        Goodput is that count over the time from connect to the count's arrival.
 *   'R'  request/response: each REQUEST_BYTES the server reads is answered with RESPONSE_BYTES.
 *
 * Commands (one JSON line on stdout each):
 *
 *   server HOST PORT                          {"listening":PORT}, then serves until killed
 *   bulk HOST PORT BYTES SECONDS              {"bytes":N,"seconds":S}
 *   rr HOST PORT COUNT                        {"ms":[...]} COUNT round trips on one connection
 *   connect-rr HOST PORT COUNT                {"ms":[...]} COUNT connections, one round trip each,
 *                                             timed from connect() to the whole response
 *
 * Every client command gives up with exit 1 and a message on stderr after its own deadline.
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const REQUEST_BYTES = 100;
export const RESPONSE_BYTES = 1024;
const CHUNK = 64 * 1024;

/** Serve both exchanges on HOST:PORT (port 0 picks one); resolves to the server once listening. */
export function serve(host: string, port: number): Promise<net.Server> {
  const response = Buffer.alloc(RESPONSE_BYTES, 0x52);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    let mode = 0;
    let count = 0;
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (mode === 0) {
        mode = data[0];
        data = data.subarray(1);
      }
      count += data.length;
      if (mode === 0x52 /* R */) {
        for (; count >= REQUEST_BYTES; count -= REQUEST_BYTES) socket.write(response);
      }
    });
    socket.on('end', () => {
      if (mode === 0x42 /* B */) {
        const answer = Buffer.alloc(8);
        answer.writeBigUInt64BE(BigInt(count));
        socket.end(answer);
      } else socket.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function withDeadline<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** A bulk transfer: bytes the server counted and seconds from connect to its answer. */
export async function bulk(host: string, port: number, bytes: number, seconds: number): Promise<{ bytes: number; seconds: number }> {
  const socket = await connect(host, port);
  try {
    const start = process.hrtime.bigint();
    const stopAt = start + BigInt(Math.round(seconds * 1e9));
    const chunk = Buffer.alloc(CHUNK, 0x62);
    const answer = new Promise<number>((resolve, reject) => {
      const parts: Buffer[] = [];
      socket.on('data', (d: Buffer) => parts.push(d));
      socket.once('end', () => {
        const all = Buffer.concat(parts);
        if (all.length !== 8) reject(new Error(`bulk: the server answered ${all.length} bytes, not 8`));
        else resolve(Number(all.readBigUInt64BE()));
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('bulk: the connection closed before the server answered')));
    });
    answer.catch(() => {});
    socket.write('B');
    let sent = 0;
    while (sent < bytes && process.hrtime.bigint() < stopAt) {
      const n = Math.min(CHUNK, bytes - sent);
      sent += n;
      if (!socket.write(n === CHUNK ? chunk : chunk.subarray(0, n))) {
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          socket.once('error', onError);
          socket.once('drain', () => {
            socket.off('error', onError);
            resolve();
          });
        });
      }
    }
    socket.end();
    const counted = await answer;
    if (counted !== sent) throw new Error(`bulk: ${sent} bytes sent, the server counted ${counted}`);
    return { bytes: counted, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
  } finally {
    socket.destroy();
  }
}

/** Milliseconds of `count` request/response round trips on one connection. */
export async function requestResponse(host: string, port: number, count: number): Promise<number[]> {
  const socket = await connect(host, port);
  try {
    const request = Buffer.alloc(REQUEST_BYTES, 0x71);
    const ms: number[] = [];
    let pending: (() => void) | undefined;
    let failed: Error | undefined;
    let got = 0;
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= RESPONSE_BYTES && pending) pending();
    });
    const fail = (e: Error) => {
      failed = e;
      pending?.();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('rr: the connection closed')));
    socket.write('R');
    for (let i = 0; i < count; i++) {
      const t0 = process.hrtime.bigint();
      const done = new Promise<void>((resolve) => (pending = resolve));
      socket.write(request);
      await done;
      if (failed) throw failed;
      pending = undefined;
      got -= RESPONSE_BYTES;
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return ms;
  } finally {
    socket.destroy();
  }
}

/** Milliseconds of `count` fresh connections, each timed from connect() to its whole response. */
export async function connectRequestResponse(host: string, port: number, count: number): Promise<number[]> {
  const request = Buffer.alloc(1 + REQUEST_BYTES, 0x71);
  request[0] = 0x52;
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host, port, noDelay: true });
      let got = 0;
      s.on('connect', () => s.write(request));
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= RESPONSE_BYTES) {
          s.destroy();
          resolve();
        }
      });
      s.on('error', reject);
      s.on('close', () => reject(new Error(`connect-rr: connection ${i} closed after ${got} bytes`)));
    });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

/** The value below which `p` (0..1) of the samples lie (nearest rank). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

async function main(argv: string[]): Promise<void> {
  const [command, host, portText, a, b] = argv;
  const port = Number(portText);
  const deadlineMs = Number(process.env.SYNACK_PEER_DEADLINE_MS ?? 120_000);
  const print = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
  switch (command) {
    case 'server': {
      const server = await serve(host, port);
      print({ listening: (server.address() as net.AddressInfo).port });
      process.on('SIGTERM', () => process.exit(0));
      return;
    }
    case 'bulk':
      print(await withDeadline('bulk', deadlineMs, bulk(host, port, Number(a), Number(b))));
      break;
    case 'rr':
      print({ ms: await withDeadline('rr', deadlineMs, requestResponse(host, port, Number(a))) });
      break;
    case 'connect-rr':
      print({ ms: await withDeadline('connect-rr', deadlineMs, connectRequestResponse(host, port, Number(a))) });
      break;
    default:
      throw new Error(`proxy-peer: unknown command ${command}`);
  }
  process.exit(0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`proxy-peer: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
