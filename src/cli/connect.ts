/**
 * `synack connect`: a synack stack on a new TUN device connects to a server on the kernel side,
 * like `nc`: stdin to the connection (half-closing when stdin ends), the connection to stdout. Exits 0
 * after a clean close, 1 with the error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT) on stderr.
 */
import { settled } from '../link/device.js';
import { synackNet } from '../socket/net.js';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';
import { openTunnel, TUNNEL_USAGE, TUNNEL_VALUED, tunnelError, tunnelSpec } from './tunnel.js';

export const connectUsage = `usage: synack connect --tun NAME --addr ADDR/PREFIX --peer PEER --to HOST:PORT [--pcap FILE]
                      [--timeout MS] [--mtu N] [--rcvbuf BYTES] [--sndbuf BYTES]

Creates the TUN device NAME, runs a synack stack at ADDR and connects to HOST:PORT on the kernel side
(usually PEER). Copies stdin to the connection and half-closes it when stdin ends; copies what arrives
to stdout. Exit status 0 after a clean close; 1 with the error code on stderr (ECONNREFUSED,
ECONNRESET, ETIMEDOUT); 2 for bad usage.

  --to HOST:PORT    the server ([v6addr]:port for IPv6)
  --timeout MS      give up connecting after MS (ETIMEDOUT; default: SYN retries decide)
${TUNNEL_USAGE}`;

export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`--to must be HOST:PORT or [V6ADDR]:PORT, not '${text}'`);
  return { host: m[1], port };
}

export async function runConnect(argv: string[], io: Output & { flush?: () => void }): Promise<number> {
  const args = parseArgs(argv, { valued: [...TUNNEL_VALUED, 'to', 'timeout'], boolean: ['help'] });
  if (args.flags.has('help')) {
    io.out(connectUsage);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const spec = tunnelSpec(args);
  const toText = args.flags.get('to');
  if (typeof toText !== 'string') throw new UsageError('--to is required');
  const to = parseHostPort(toText);
  const timeoutText = args.flags.get('timeout');
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new UsageError('--timeout must be a positive integer (ms)');

  let tunnel;
  try {
    tunnel = openTunnel(spec);
  } catch (e) {
    io.err(`synack connect: ${tunnelError(e)}`);
    return 1;
  }
  const net = synackNet(tunnel.link.host);
  io.flush?.();
  const code = await new Promise<number>((resolve) => {
    const socket = net.createConnection({ host: to.host, port: to.port, allowHalfOpen: true });
    let failed: NodeJS.ErrnoException | undefined;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      if (socket.connecting) socket.destroy(Object.assign(new Error(`connect ETIMEDOUT ${toText}`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.on('connect', () => {
      if (timer) clearTimeout(timer);
      process.stdin.pipe(socket); // ends the socket (our FIN) when stdin ends
    });
    socket.on('data', (d: Buffer) => {
      if (!process.stdout.write(d)) {
        socket.pause();
        process.stdout.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (failed = e));
    socket.on('close', () => {
      if (timer) clearTimeout(timer);
      process.stdin.unpipe(socket);
      process.stdin.pause();
      if (failed) {
        io.err(`synack connect: ${failed.code ?? 'ERROR'}: ${failed.message}`);
        resolve(1);
      } else resolve(0);
    });
  });
  // The socket closed when our FIN was queued: let the stack deliver it (bounded) before the device goes.
  await settled(tunnel.stack, 5000);
  tunnel.close();
  return code;
}
