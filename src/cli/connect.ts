/**
 * `synack connect`: a synack stack on a new TUN device connects to a server on the kernel side,
 * like `nc`: stdin to the connection (half-closing when stdin ends), the connection to stdout. Exits 0
 * after a clean close, 1 with the error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT) on stderr.
 */
import { settled } from '../link/device.js';
import { synackNet } from '../socket/net.js';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';
import { isIP } from 'node:net';
import { tunnelCounterLines, hostPort, openTunnel, TUNNEL_USAGE, TUNNEL_BOOLEAN, TUNNEL_VALUED, tunnelError, tunnelSpec } from './tunnel.js';

export const connectUsage = `usage: synack connect --tun NAME --addr ADDR/PREFIX --peer PEER --to ADDR:PORT [--timeout MS]
                      [--fast-open] [--pcap FILE] [--mtu N] [--rcvbuf BYTES] [--sndbuf BYTES]
                      [--offload|--no-offload]

Creates the TUN device NAME, runs a synack stack at ADDR and connects to ADDR:PORT on the kernel side
(usually PEER). Copies stdin to the connection and half-closes it when stdin ends; copies what arrives
to stdout. SIGINT or SIGTERM closes the connection as serve does (FIN, up to 2 s for the peer's,
then RST), prints the stack's counters on stderr and exits 130 or 143. Exit status 0 after a clean
close; 1 with the error code on stderr (ECONNREFUSED, ECONNRESET, ETIMEDOUT); 2 for bad usage.

  --to ADDR:PORT    the server: an IP address of --addr's family ([V6ADDR]:PORT for IPv6); names
                    are not looked up (the system's resolver answers for the kernel's own
                    interfaces, not for synack's device)
  --timeout MS      give up connecting after MS (ETIMEDOUT; default: SYN retries decide)
  --fast-open       TCP Fast Open (RFC 7413): a first connection asks the server for a cookie and
                    closes; the second carries stdin's first chunk on its SYN (waits for it)
${TUNNEL_USAGE}`;

/** How long, after our FIN on SIGINT or SIGTERM, the peer has to send its own before a RST. */
const CLOSE_GRACE_MS = 2000;

export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`--to must be ADDR:PORT or [V6ADDR]:PORT with PORT 1..65535, not '${text}'`);
  return { host: m[1], port };
}

/** The first chunk stdin gives (null at once-empty input), leaving the rest to be piped. */
function firstInput(stdin: NodeJS.ReadStream): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const take = (): void => {
      const chunk = stdin.read() as Buffer | null;
      if (chunk === null && !stdin.readableEnded) return; // not yet
      stdin.off('readable', take);
      stdin.off('end', ended);
      resolve(chunk);
    };
    const ended = (): void => {
      stdin.off('readable', take);
      resolve(null);
    };
    stdin.on('readable', take);
    stdin.once('end', ended);
  });
}

/** A connection that only asks for a Fast Open cookie (RFC 7413 §4.1.1), closed once established. */
function cookieRequest(net: ReturnType<typeof synackNet>, to: { host: string; port: number }, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: to.host, port: to.port, fastOpen: true });
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on('connect', () => s.end());
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function runConnect(argv: string[], io: Output & { flush?: () => void }): Promise<number> {
  const args = parseArgs(argv, { valued: [...TUNNEL_VALUED, 'to', 'timeout'], boolean: ['help', 'fast-open', ...TUNNEL_BOOLEAN] });
  if (args.flags.has('help')) {
    io.out(connectUsage);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const spec = tunnelSpec(args);
  const toText = args.flags.get('to');
  if (typeof toText !== 'string') throw new UsageError('--to is required');
  const to = parseHostPort(toText);
  const toVersion = isIP(to.host);
  if (toVersion === 0) {
    throw new UsageError(`--to takes an IP address, not a name ('${to.host}'): names are not looked up; give the kernel side's address (e.g. ${hostPort(spec.peer, to.port)})`);
  }
  if (toVersion !== spec.cidr.version) {
    throw new UsageError(`--to ${to.host} is IPv${toVersion} but --addr ${spec.cidr.address}/${spec.cidr.prefix} is IPv${spec.cidr.version}: synack's stack has only that family here; connect to an IPv${spec.cidr.version} address`);
  }
  const timeoutText = args.flags.get('timeout');
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new UsageError('--timeout must be a positive integer (ms)');

  let tunnel;
  try {
    tunnel = openTunnel(spec);
  } catch (e) {
    io.err(`synack connect: ${tunnelError(e, spec)}`);
    return 1;
  }
  const net = synackNet(tunnel.link.host);
  io.flush?.();
  const fastOpen = args.flags.has('fast-open');
  // Fast Open: the first data must be in hand before the SYN goes, and a cookie in the cache (the
  // stack is new with each run, so a first connection asks for one).
  let firstChunk: Buffer | null = null;
  if (fastOpen) {
    firstChunk = await firstInput(process.stdin);
    await cookieRequest(net, to, timeoutMs ?? 10_000);
  }
  const started = Date.now();
  let interrupted: { signal: NodeJS.Signals; at: number; reset: boolean; took?: number } | undefined;
  const code = await new Promise<number>((resolve) => {
    const socket = net.createConnection({ host: to.host, port: to.port, allowHalfOpen: true, fastOpen });
    if (firstChunk !== null) socket.write(firstChunk); // before 'connect': onto the SYN
    let failed: NodeJS.ErrnoException | undefined;
    let grace: NodeJS.Timeout | undefined;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      if (socket.connecting) socket.destroy(Object.assign(new Error(`connect ETIMEDOUT ${toText}`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    // SIGINT or SIGTERM closes as serve does: our FIN, a short grace for the peer's, then RST, so the
    // kernel's side never stays ESTABLISHED (or CLOSE-WAIT) talking to a device that is gone.
    const onSignal = (signal: NodeJS.Signals): void => {
      if (interrupted) return;
      interrupted = { signal, at: Date.now(), reset: false };
      process.stdin.unpipe(socket);
      process.stdin.pause();
      const abort = (): void => {
        interrupted!.reset = true;
        socket.resetAndDestroy(); // RST (RFC 9293 §3.10.5 ABORT), not close(): FIN-WAIT-2 would just wait

      };
      if (socket.connecting) return abort();
      socket.end();
      socket.resume(); // read (and drop) what still arrives, so the peer's FIN is seen
      grace = setTimeout(abort, CLOSE_GRACE_MS);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    socket.on('connect', () => {
      if (timer) clearTimeout(timer);
      if (interrupted) return;
      if (process.stdin.readableEnded) socket.end(); // all of stdin went on the SYN (--fast-open)
      else process.stdin.pipe(socket); // ends the socket (our FIN) when stdin ends
    });
    socket.on('data', (d: Buffer) => {
      if (interrupted) return;
      if (!process.stdout.write(d)) {
        socket.pause();
        process.stdout.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (failed = e));
    socket.on('close', () => {
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stdin.unpipe(socket);
      process.stdin.pause();
      if (interrupted) {
        interrupted.took = Date.now() - interrupted.at;
        resolve(interrupted.signal === 'SIGINT' ? 130 : 143);
      }
      else if (failed) {
        io.err(`synack connect: ${failed.code ?? 'ERROR'}: ${failed.message}`);
        resolve(1);
      } else resolve(0);
    });
  });
  // The socket closed when our FIN was queued: let the stack deliver it (bounded) before the device goes.
  await settled(tunnel.stack, 5000);
  // A RST (or last ACK) the close queued goes out on the driver's next turn: give it one.
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (interrupted) {
    const took = interrupted.took ?? Date.now() - interrupted.at;
    io.err(
      `synack connect: closed on ${interrupted.signal} after ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
        (interrupted.reset ? `reset after ${took} ms (no FIN from the peer within ${CLOSE_GRACE_MS} ms)` : `FIN each way in ${took} ms`),
    );
    for (const line of tunnelCounterLines(tunnel)) io.err(line);
  }
  const captureProblem = tunnel.close();
  if (captureProblem === undefined) return code;
  io.err(`synack connect: ${captureProblem}`);
  return code === 0 ? 1 : code;
}
