/**
 * The handshake costs of TCP with TLS, measured in round trips: Node's own `tls` over synack sockets
 * on two simulated hosts at a fixed RTT, counting the time from the client's connect until its
 * application has the first byte of the server's response.
 *
 *   tcp                plain TCP: SYN, SYN-ACK, then the request and its answer (2 RTT)
 *   tls12              TCP, then a full TLS 1.2 handshake (2 RTT), then the request (4 RTT)
 *   tls13              TCP, then TLS 1.3 (1 RTT; the request goes with the client's Finished) (3 RTT)
 *   tls13-resume       TLS 1.3 resumed with a session ticket from an earlier connection: fewer
 *                      computations, the same round trips (3 RTT)
 *   tfo                TCP Fast Open with a cookie from an earlier connection: the request on the
 *                      SYN, answered with the SYN-ACK (1 RTT)
 *   tfo-tls13-resume   Fast Open carrying the resumed ClientHello on the SYN (2 RTT)
 *
 * True 0-RTT (TLS 1.3 early data, RFC 8446 §2.3) would put the request itself on the first flight:
 * tls13-resume would take 2 RTT and tfo-tls13-resume 1. Node's `tls` does not send early data, so
 * that is said, not drawn.
 *
 * Every demo's earlier connection (for the ticket, the Fast Open cookie) runs before the trace
 * starts, and the measured connection starts at t = 0 of the trace.
 */
import tls from 'node:tls';
import { SimNetwork } from '../link/sim.js';
import { createConnection, createServer, type Socket } from '../socket/index.js';
import { TraceCollector } from '../trace/collector.js';
import type { Trace } from '../trace/model.js';
import { tlsRecordDescriber } from '../trace/tls-records.js';
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from './demo-cert.js';

export const ROUND_TRIP_DEMOS = ['tcp', 'tls12', 'tls13', 'tls13-resume', 'tfo', 'tfo-tls13-resume'] as const;
export type RoundTripDemo = (typeof ROUND_TRIP_DEMOS)[number];

export interface RoundTripResult {
  name: RoundTripDemo;
  rttMs: number;
  /** From the measured connect until the client's application had the response's first byte (ms). */
  firstByteMs: number;
  /** firstByteMs in round trips. */
  roundTrips: number;
  /** The measured connection only, TLS records named on the arrows. */
  trace: Trace;
  /** What the demo shows, in one line. */
  summary: string;
}

export const ROUND_TRIP_SUMMARY: Record<RoundTripDemo, string> = {
  tcp: 'plain TCP: the handshake, then the request and the answer',
  tls12: 'TCP, then a full TLS 1.2 handshake, then the request',
  tls13: 'TCP, then TLS 1.3 (the request goes with the client Finished)',
  'tls13-resume': 'TLS 1.3 resumed with a session ticket from an earlier connection',
  tfo: 'TCP Fast Open: the request on the SYN (a cookie from an earlier connection)',
  'tfo-tls13-resume': 'Fast Open with the resumed TLS 1.3 ClientHello on the SYN',
};

const CLIENT = '198.18.0.1';
const SERVER = '198.18.0.2';
const PORT = 443;
const REQUEST = 'GET / HTTP/1.0\r\n\r\n';
const RESPONSE = 'HTTP/1.0 200 OK\r\n\r\nhello';

export async function runRoundTripDemo(name: RoundTripDemo, opts: { rttMs?: number; seed?: number } = {}): Promise<RoundTripResult> {
  const rttMs = opts.rttMs ?? 100;
  const usesTls = name !== 'tcp' && name !== 'tfo';
  const fastOpen = name === 'tfo' || name === 'tfo-tls13-resume';
  const resume = name === 'tls13-resume' || name === 'tfo-tls13-resume';
  const version: tls.SecureVersion = name === 'tls12' ? 'TLSv1.2' : 'TLSv1.3';
  const net = new SimNetwork(opts.seed ?? 1);
  const client = net.addHost('client', { addresses: [CLIENT] });
  const server = net.addHost('server', { addresses: [SERVER] });
  net.link(client, server, { delayMs: rttMs / 2 });

  const tlsServer = usesTls
    ? tls.createServer({ key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT, minVersion: version, maxVersion: version }, (s) => answer(s))
    : undefined;
  const tcpServer = createServer(server, { allowHalfOpen: usesTls }, (sock) => {
    if (tlsServer) tlsServer.emit('connection', sock);
    else answer(sock);
  });
  tcpServer.listen({ port: PORT, fastOpen: fastOpen ? 16 : undefined });
  await net.runAsync(() => tcpServer.listening);

  // The earlier connection: a session ticket, a Fast Open cookie.
  let session: Buffer | undefined;
  if (resume || fastOpen) {
    const warm = await request(net, client, { usesTls, fastOpen, version, session: undefined, waitTicket: resume });
    session = warm.session;
    // Let everything settle (TIME-WAIT included) so the trace holds the measured connection alone.
    await net.runAsync(() => false, { maxMs: 120_000 }).catch(() => undefined);
  }
  const collector = new TraceCollector(net, { describePayload: tlsRecordDescriber() }).attach();
  const start = net.currentTime();
  const measured = await request(net, client, { usesTls, fastOpen, version, session, waitTicket: false });
  const firstByteMs = measured.firstByteAt - start;
  const trace = shift(collector.trace(), start);
  tcpServer.close();
  return { name, rttMs, firstByteMs, roundTrips: firstByteMs / rttMs, trace, summary: ROUND_TRIP_SUMMARY[name] };
}

/** The server's application: answer the first data with the response, then end. */
function answer(s: { once(e: 'data', f: () => void): unknown; end(d: string): unknown }): void {
  s.once('data', () => s.end(RESPONSE));
}

async function request(
  net: SimNetwork,
  host: ReturnType<SimNetwork['addHost']>,
  o: { usesTls: boolean; fastOpen: boolean; version: tls.SecureVersion; session: Buffer | undefined; waitTicket: boolean },
): Promise<{ firstByteAt: number; session: Buffer | undefined }> {
  const raw: Socket = createConnection(host, { host: SERVER, port: PORT, fastOpen: o.fastOpen, allowHalfOpen: o.usesTls });
  let firstByteAt = -1;
  let session: Buffer | undefined;
  let closed = false;
  const onData = (): void => {
    if (firstByteAt < 0) firstByteAt = net.currentTime();
  };
  if (o.usesTls) {
    const t = tls.connect({ socket: raw as unknown as import('node:net').Socket, rejectUnauthorized: false, minVersion: o.version, maxVersion: o.version, session: o.session, servername: 'synack.test' });
    t.on('session', (s: Buffer) => (session = s));
    t.write(REQUEST);
    t.on('data', onData);
    t.on('end', () => t.end());
    t.on('close', () => (closed = true));
    t.on('error', () => (closed = true));
  } else {
    raw.write(REQUEST);
    raw.on('data', onData);
    raw.on('close', () => (closed = true));
  }
  await net.runAsync(() => closed && (!o.waitTicket || session !== undefined), { maxMs: 60_000 });
  return { firstByteAt, session };
}

/** The trace with its times from the measured connect. */
function shift(trace: Trace, start: number): Trace {
  return { ...trace, events: trace.events.map((e) => ({ ...e, t: Math.round((e.t - start) * 1000) / 1000 })) };
}
