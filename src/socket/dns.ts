/**
 * DNS on a synack host: `serveDns(host, server)` puts a DnsServer on UDP and TCP port 53 (or the port
 * given), and `hostResolver(host, { servers })` makes a DnsResolver that asks over the host's UDP on
 * the host's clock (virtual time in the simulator). Both use the web-stream sockets (UdpSocket,
 * TcpListener), so they run in a browser as in Node.
 */
import type { Host } from '../link/host.js';
import { DnsServer, DnsTcpFramer } from '../services/dns-server.js';
import { DnsResolver, type DnsResolverOptions } from '../services/dns-resolver.js';
import { CryptoRandom } from '../tcp/random.js';
import { timerSourceFor } from './timers.js';
import { TcpListener, TcpConnectionEvent, TcpStream } from './web.js';
import { UdpSocket, UdpMessageEvent } from './web-udp.js';

export interface ServeDnsOptions {
  /** Default 53. */
  port?: number;
  /** Default every address of the host. */
  address?: string;
  /** Also 'udp6' for IPv6 (default: both when the host has an IPv6 address). */
  ipv6?: boolean;
  /** Serve TCP too (default true). */
  tcp?: boolean;
}

export interface DnsService {
  readonly server: DnsServer;
  close(): Promise<void>;
}

/** Answer DNS on the host's UDP (both families) and TCP port. */
export function serveDns(host: Host, server: DnsServer, opts: ServeDnsOptions = {}): DnsService {
  const port = opts.port ?? 53;
  const v6 = opts.ipv6 ?? host.stack.addressOf(6) !== undefined;
  const sockets: UdpSocket[] = [new UdpSocket(host, { localPort: port, localAddress: opts.address, dnsQueryType: 'ipv4' })];
  if (v6 && opts.address === undefined) sockets.push(new UdpSocket(host, { localPort: port, dnsQueryType: 'ipv6' }));
  for (const s of sockets) {
    s.addEventListener('message', (ev) => {
      const m = (ev as UdpMessageEvent).message;
      void server.respond(m.data, 'udp', { address: m.remoteAddress, port: m.remotePort }).then((reply) => {
        if (reply) {
          try {
            s.send({ data: reply, remoteAddress: m.remoteAddress, remotePort: m.remotePort });
          } catch {
            // Closed meanwhile: the answer has nowhere to go.
          }
        }
      });
    });
  }
  let listener: TcpListener | undefined;
  if (opts.tcp ?? true) {
    listener = new TcpListener(host, { localPort: port, localAddress: opts.address, autoAccept: true });
    listener.addEventListener('connection', (ev) => void serveTcpConnection(server, (ev as TcpConnectionEvent).stream));
  }
  return {
    server,
    async close() {
      await Promise.all([...sockets.map((s) => s.close()), listener?.close()]);
    },
  };
}

/** One DNS-over-TCP connection: length-framed queries in, framed answers out, in order (RFC 7766 §6.2.1.1 allows either). */
async function serveTcpConnection(server: DnsServer, stream: TcpStream): Promise<void> {
  try {
    const { readable, writable } = await stream.opened;
    const framer = new DnsTcpFramer();
    const writer = writable.getWriter();
    const reader = readable.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const q of framer.push(value)) {
        const reply = await server.respond(q, 'tcp');
        if (reply) await writer.write(DnsTcpFramer.frame(reply));
      }
    }
    await writer.close();
  } catch {
    // The peer reset or went away: nothing to answer.
  }
}

/** One query over a new TCP connection (RFC 7766): the framed answer's bytes, or a rejection after `timeoutMs`. */
function tcpQuery(host: Host, query: Uint8Array, server: { address: string; port: number }, timeoutMs: number, timers: ReturnType<typeof timerSourceFor>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const s = new TcpStream(host, { remoteAddress: server.address, remotePort: server.port });
    let done = false;
    const finish = (err: Error | undefined, answer?: Uint8Array) => {
      if (done) return;
      done = true;
      void s.close().catch(() => {});
      if (err) reject(err);
      else resolve(answer!);
    };
    timers.at(host.now() + timeoutMs, () => finish(new Error(`DNS over TCP to ${server.address}:${server.port}: no answer in ${timeoutMs} ms`)));
    void (async () => {
      try {
        const { readable, writable } = await s.opened;
        const w = writable.getWriter();
        void w.write(DnsTcpFramer.frame(query)).catch(() => {});
        const framer = new DnsTcpFramer();
        const reader = readable.getReader();
        for (;;) {
          const { value, done: ended } = await reader.read();
          if (ended) return finish(new Error('DNS over TCP: the server closed without an answer'));
          const [answer] = framer.push(value);
          if (answer) return finish(undefined, answer);
        }
      } catch (e) {
        finish(e as Error);
      }
    })();
  });
}

/** A stub resolver on the host: queries over its UDP from one ephemeral port, timeouts on its clock. */
export function hostResolver(host: Host, opts: Omit<DnsResolverOptions, 'send' | 'clock' | 'random'> & { random?: DnsResolverOptions['random'] }): DnsResolver {
  const timers = timerSourceFor(host);
  const sockets = new Map<4 | 6, UdpSocket>();
  let resolver: DnsResolver;
  const socketFor = (family: 4 | 6): UdpSocket => {
    let s = sockets.get(family);
    if (!s) {
      s = new UdpSocket(host, { dnsQueryType: family === 4 ? 'ipv4' : 'ipv6' });
      s.addEventListener('message', (ev) => {
        const m = (ev as UdpMessageEvent).message;
        resolver.handleResponse(m.data, { address: m.remoteAddress, port: m.remotePort });
      });
      sockets.set(family, s);
    }
    return s;
  };
  resolver = new DnsResolver({
    ...opts,
    random: opts.random ?? host.driver.randomFor?.(host) ?? new CryptoRandom(),
    clock: { now: () => host.now(), at: (t, fn) => timers.at(t, fn) },
    send: (q, server) => socketFor(server.address.includes(':') ? 6 : 4).send({ data: q, remoteAddress: server.address, remotePort: server.port }),
    queryTcp: (q, server) => tcpQuery(host, q, server, (opts.timeoutMs ?? 1000) * 4, timers),
  });
  return resolver;
}
