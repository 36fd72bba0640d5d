/**
 * `synack serve --tap NAME`: synack as the router, DHCP server, DNS server and IPv6 router of a new
 * TAP device's link (createGateway on a TapLink), serving one application to whatever the kernel's
 * side becomes. The kernel gets no address from this command: it runs its own DHCP client and SLAAC.
 */
import type { Server as HttpServer } from 'node:http';
import { FrameTapLink } from '../link/frame-tap.js';
import { TunUnavailableError } from '../link/tun.js';
import { createGateway } from '../socket/gateway.js';
import { createSocket } from '../socket/dgram.js';
import { synackNet } from '../socket/net.js';
import type { Socket } from '../socket/socket.js';
import { APPS, DEFAULT_PORTS, httpApp, streamApp, type AppName } from './apps.js';
import { UsageError } from './args.js';
import type { Output } from './decode.js';

export const serveTapUsage = `usage: synack serve --tap NAME --addr ADDR/PREFIX [--addr ADDR6/64] [--dhcp [FIRST-LAST]]
                    [--dns NAME=ADDR ...] [--app http|echo|discard|chargen] [--port N] [--mtu N]

Creates the TAP device NAME (an Ethernet link to the kernel) and brings it up; synack is the link's
router (ARP, NDP), DHCP server (--dhcp: the pool FIRST-LAST, default .100 to .199 of the subnet;
router and DNS server are synack), DNS server (its own name "synack" and each --dns NAME=ADDR;
other names are refused), IPv6 router (router advertisements of each /64 given, for SLAAC) and
serves APP on every address, with a UDP echo on port 7. SIGINT or SIGTERM removes the device.`;

interface TapArgs {
  tap: string;
  addrs: string[];
  dhcp: boolean | string;
  dns: Record<string, string[]>;
  app: AppName;
  port: number;
  mtu: number;
}

function parseTapArgs(argv: string[]): TapArgs {
  const out: TapArgs = { tap: '', addrs: [], dhcp: false, dns: {}, app: 'http', port: 0, mtu: 1500 };
  let port: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--tap') out.tap = value();
    else if (a === '--addr') out.addrs.push(value());
    else if (a === '--dhcp') out.dhcp = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : true;
    else if (a === '--dns') {
      const v = value();
      const eq = v.indexOf('=');
      if (eq <= 0) throw new UsageError(`--dns takes NAME=ADDR, got "${v}"`);
      (out.dns[v.slice(0, eq)] ??= []).push(v.slice(eq + 1));
    } else if (a === '--app') {
      const v = value() as AppName;
      if (!APPS.includes(v)) throw new UsageError(`--app must be one of ${APPS.join(', ')}`);
      out.app = v;
    } else if (a === '--port') port = Number(value());
    else if (a === '--mtu') out.mtu = Number(value());
    else throw new UsageError(`unknown option ${a} (with --tap: --addr, --dhcp, --dns, --app, --port, --mtu)`);
  }
  if (out.tap === '') throw new UsageError('--tap needs a device name');
  if (out.addrs.length === 0) throw new UsageError('--tap needs at least one --addr ADDR/PREFIX');
  out.port = port ?? DEFAULT_PORTS[out.app];
  if (!Number.isInteger(out.port) || out.port < 1 || out.port > 65535) throw new UsageError('--port must be 1..65535');
  if (!Number.isInteger(out.mtu) || out.mtu < 1280 || out.mtu > 9000) throw new UsageError('--mtu must be 1280..9000 on a TAP link');
  return out;
}

export async function runServeTap(argv: string[], io: Output & { flush?: () => void }): Promise<number> {
  if (argv.includes('--help')) {
    io.out(serveTapUsage);
    return 0;
  }
  const a = parseTapArgs(argv);
  let gw;
  try {
    gw = createGateway({ name: a.tap, addresses: a.addrs, mtu: a.mtu, dhcp: a.dhcp, dns: { hosts: a.dns } });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  let link: FrameTapLink;
  try {
    link = new FrameTapLink(gw.frames, a.tap, { mtu: a.mtu });
  } catch (e) {
    await gw.close();
    io.err(`synack serve: ${e instanceof TunUnavailableError ? e.message : (e as Error).message}`);
    return 1;
  }
  const net = synackNet(gw.host);
  const sockets = new Set<Socket>();
  let http: HttpServer | undefined;
  if (a.app === 'http') http = httpApp();
  const server = net.createServer({ allowHalfOpen: a.app === 'echo' }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    if (http) http.emit('connection', s);
    else streamApp(a.app as Exclude<AppName, 'http'>, s);
  });
  // A UDP echo (RFC 862) on port 7, both families, beside the TCP application.
  const echoes = (['udp4', 'udp6'] as const).map((type) => {
    const sock = createSocket(gw.host, type);
    sock.on('message', (m, r) => sock.send(m, r.port, r.address));
    sock.bind(7);
    return sock;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: a.port }, () => resolve());
  });
  const stop = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const pool = gw.dhcp ? ` DHCP on;` : "";
  io.out(`listening on ${link.device.name} (${a.addrs.join(', ')}) port ${a.port};${pool} DNS ${['synack', ...Object.keys(a.dns)].join(' ')}`);
  io.flush?.();
  const signal = await stop;
  server.close();
  for (const e of echoes) e.close();
  for (const s of sockets) s.resetAndDestroy();
  await new Promise((r) => setTimeout(r, 50));
  const c = gw.frames.net.counters;
  io.out(`closed on ${signal}: frames in ${c.InFrames}, out ${c.OutFrames}; DHCP leases ${gw.dhcp?.leases(gw.host.now()).length ?? 0}; DNS queries ${gw.dns?.counters.queries ?? 0}`);
  io.out(`neighbors: ${gw.frames.net.neighbors().join('; ')}`);
  link.close();
  await gw.close();
  return 0;
}
