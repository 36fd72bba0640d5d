/**
 * `synack serve`: a synack stack on a new TUN device, serving one application (http, echo, discard,
 * chargen) to the kernel side. Prints `listening ADDR:PORT` when ready; on SIGINT or SIGTERM closes its
 * connections, prints its counters and removes the device.
 */
import type { Server as HttpServer } from 'node:http';
import { settled } from '../link/device.js';
import { synackNet } from '../socket/net.js';
import type { Socket } from '../socket/socket.js';
import type { SynCookieMode } from '../stack/stack.js';
import { APPS, DEFAULT_PORTS, httpApp, streamApp, type AppName } from './apps.js';
import { parseArgs, UsageError } from './args.js';
import { runServeTap, serveTapUsage } from './serve-tap.js';
import type { Output } from './decode.js';
import { tunnelCounterLines, hostPort, openTunnel, TUNNEL_USAGE, TUNNEL_BOOLEAN, TUNNEL_VALUED, tunnelError, tunnelSpec } from './tunnel.js';

export const serveUsage = `usage: synack serve --tun NAME --addr ADDR/PREFIX --peer PEER [--port N]
                    [--app http|echo|discard|chargen] [--pcap FILE] [--mtu N]
                    [--rcvbuf BYTES] [--sndbuf BYTES] [--syn-cookies off|on-overflow|always]
                    [--fast-open] [--offload|--no-offload]
       synack serve --tap NAME --addr ADDR/PREFIX [--addr ADDR6/64] [--dhcp [FIRST-LAST]]
                    [--dns NAME=ADDR ...] [--app APP] [--port N] [--mtu N]

Creates the TUN device NAME, gives the kernel side the address PEER, runs a synack stack at ADDR and
serves one application on it. Prints 'listening ADDR:PORT' when ready. SIGINT or SIGTERM closes the
connections, prints the stack's counters and removes the device. IPv4 or IPv6.

  --app APP         http (default): GET /bytes/N (N bytes, byte i = i % 251), POST /sha256 (hex
                    SHA-256 of the body), POST /discard (the body's length), GET / (this
                    connection as synack sees it);
                    echo (RFC 862), discard (RFC 863), chargen (RFC 864)
  --port N          default 80 http, 7 echo, 9 discard, 19 chargen
  --syn-cookies M   off, on-overflow (default) or always
  --fast-open       TCP Fast Open (RFC 7413): cookie requests are answered, and a SYN with a valid
                    cookie has its data handed to the application at once (a queue of 16)
${TUNNEL_USAGE}

example (as root):  synack serve --tun synack0 --addr 198.18.0.2/24 --peer 198.18.0.1
                    curl http://198.18.0.2/bytes/1000 | wc -c

With --tap: ${serveTapUsage.slice(serveTapUsage.indexOf('\n\n') + 2)}`;

const GRACE_MS = 3000;
/** `--fast-open`'s queue of connections waiting for their handshake's last ACK (a common TCP_FASTOPEN value). */
const FAST_OPEN_QUEUE = 16;

/**
 * What serve's shutdown did, in one line: how long it took from the signal until the device could
 * go, how many connections were open, how many ended with a FIN exchange and how many were reset
 * because they were still open when the grace period ran out.
 */
export function shutdownLine(signal: string, open: number, reset: number, elapsedMs: number, graceMs: number): string {
  const took = `closed on ${signal} in ${(elapsedMs / 1000).toFixed(2)} s`;
  if (open === 0) return `${took}: no connection was open`;
  const conns = open === 1 ? '1 connection' : `${open} connections`;
  const clean = open - reset;
  if (reset === 0) return `${took}: ${conns} open, all closed with FIN, none reset`;
  return `${took}: ${conns} open, ${clean} closed with FIN, ${reset} reset (still open after the ${graceMs / 1000} s grace)`;
}

export async function runServe(argv: string[], io: Output & { flush?: () => void }): Promise<number> {
  if (argv.includes('--tap')) return runServeTap(argv, io);
  const args = parseArgs(argv, { valued: [...TUNNEL_VALUED, 'port', 'app', 'syn-cookies'], boolean: ['help', 'fast-open', ...TUNNEL_BOOLEAN] });
  if (args.flags.has('help')) {
    io.out(serveUsage);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const spec = tunnelSpec(args);
  const app = (args.flags.get('app') ?? 'http') as AppName;
  if (!APPS.includes(app)) throw new UsageError(`--app must be one of ${APPS.join(', ')}`);
  const portText = args.flags.get('port');
  const port = portText === undefined ? DEFAULT_PORTS[app] : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port must be 1..65535');
  const cookies = (args.flags.get('syn-cookies') ?? 'on-overflow') as SynCookieMode;
  if (!['off', 'on-overflow', 'always'].includes(cookies)) throw new UsageError('--syn-cookies must be off, on-overflow or always');

  let tunnel;
  try {
    tunnel = openTunnel(spec, cookies);
  } catch (e) {
    io.err(`synack serve: ${tunnelError(e, spec)}`);
    return 1;
  }
  const net = synackNet(tunnel.link.host);
  const sockets = new Set<Socket>();
  let http: HttpServer | undefined;
  if (app === 'http') http = httpApp();
  const server = net.createServer({ allowHalfOpen: app === 'echo' }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    if (http) http.emit('connection', s);
    else streamApp(app as Exclude<AppName, 'http'>, s);
  });
  const stop = new Promise<string>((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: tunnel.addr, fastOpen: args.flags.has('fast-open') ? FAST_OPEN_QUEUE : undefined }, () => resolve());
  });
  try {
    await listening;
  } catch (e) {
    io.err(`synack serve: ${(e as Error).message}`);
    tunnel.close();
    return 1;
  }
  io.out(`listening ${hostPort(tunnel.addr, port)}`);
  io.flush?.();

  const signal = await stop;
  const stopAt = Date.now();
  const open = sockets.size;
  // Clean close: no new connections, each open one ended with a FIN, then a grace period for them to
  // finish before the rest are reset.
  server.close();
  http?.closeIdleConnections();
  for (const s of sockets) s.end();
  const deadline = Date.now() + GRACE_MS;
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (sockets.size === 0 || Date.now() >= deadline) return resolve();
      setTimeout(check, 20);
    };
    check();
  });
  const forced = sockets.size;
  // A RST (RFC 9293 §3.10.5 ABORT): destroy() is close(), which leaves FIN-WAIT-2 waiting on a peer
  // that never closes, and the kernel's side in CLOSE-WAIT once the device is gone.
  for (const s of sockets) s.resetAndDestroy();
  await settled(tunnel.stack, 1000); // FINs and RSTs queued above reach the kernel before the device goes
  await new Promise((resolve) => setTimeout(resolve, 20)); // they leave on the driver's next turn
  io.out(shutdownLine(signal, open, forced, Date.now() - stopAt, GRACE_MS));
  for (const line of tunnelCounterLines(tunnel)) io.out(line);
  const captureProblem = tunnel.close();
  if (captureProblem === undefined) return 0;
  io.err(`synack serve: ${captureProblem}`);
  return 1;
}
