/**
 * The standard two-host transfer scenario, built one way for everyone who runs it: `synack sim`, the
 * integrity matrix, and anyone reproducing a failure. Client 198.18.0.1 and server 198.18.0.2
 * (RFC 2544's benchmarking range) on one link whose profile applies in both directions; the network
 * and the data share the seed. `simCommand` prints the `synack sim` line that replays a spec.
 */
import type { TcpConfig } from '../tcp/config.js';
import { DEFAULT_LINK, SimNetwork, type LinkProfile, type SimLink } from '../link/sim.js';
import { bytesEachWay, runTransfer, type Direction, type TransferReport } from './transfer.js';

export const SIM_CLIENT_ADDRESS = '198.18.0.1';
export const SIM_SERVER_ADDRESS = '198.18.0.2';
export const SIM_PORT = 5001;

export interface SimTransferSpec {
  seed: number;
  /** Bytes each way the direction sends: up is client to server, both sends this many each way (Infinity: no end, with timeMs). */
  bytes: number;
  direction: Direction;
  /** The link, in both directions (unset fields: DEFAULT_LINK). */
  link?: Partial<LinkProfile>;
  /** The MTU the hosts believe in (their MSS comes from it); default: the link's MTU. */
  hostMtu?: number;
  /** RFC 5482 user timeout of both hosts (ms). */
  userTimeoutMs?: number;
  /** Take the link down from `fromMs` to `toMs` of virtual time (the transfer starts at 0). */
  partition?: { fromMs: number; toMs: number };
  /** Both hosts' receive and send buffers (bytes). */
  receiveBufferSize?: number;
  sendBufferSize?: number;
  /** Both hosts offer timestamps and window scaling (default true, as TcpConfig). */
  timestamps?: boolean;
  windowScaling?: boolean;
  /** Both hosts' congestion controller (default: TcpConfig's, CUBIC). */
  congestionControl?: TcpConfig['congestionControl'];
  /** Both hosts offer SACK (default true, as TcpConfig); false leaves loss recovery to NewReno's partial ACKs. */
  sack?: boolean;
  /** Both hosts' delayed-ACK time (ms; 0 acknowledges every segment at once). */
  ackDelayMs?: number;
  /** The receiving applications read this many bits per second (default: all at once). */
  readRateBps?: number;
  /** The receiving applications read nothing from `fromMs` to `toMs` of virtual time. */
  readPause?: { fromMs: number; toMs: number };
  /**
   * TCP Fast Open (RFC 7413), with a cookie from an earlier connection: the client's cache holds the
   * server's cookie (and MSS), so its first data rides on the SYN (`synack sim --fast-open`).
   */
  fastOpen?: boolean;
  /** Other TCP settings of both hosts (a spec with these has no exact `synack sim` equivalent). */
  tcp?: Partial<TcpConfig>;
  /** Run this much virtual time and stop (see runTransfer's timeMs). */
  timeMs?: number;
  /** Limits (see runTransfer). */
  maxMs?: number;
  maxSteps?: number;
}

export interface SimTransferRun {
  report: TransferReport;
  net: SimNetwork;
  link: SimLink;
  profile: LinkProfile;
}

/** Build the scenario and run it to the end. `prepare` sees the link before the run (to tap it). */
export function simulateTransfer(spec: SimTransferSpec, prepare?: (link: SimLink, net: SimNetwork) => void): SimTransferRun {
  const profile: LinkProfile = { ...DEFAULT_LINK, ...spec.link };
  const tcp: Partial<TcpConfig> = { mtu: spec.hostMtu ?? profile.mtu, ...spec.tcp };
  if (spec.userTimeoutMs !== undefined) tcp.userTimeoutMs = spec.userTimeoutMs;
  // A buffer size given is fixed, as SO_RCVBUF / SO_SNDBUF fix Linux's (resolveConfig's userBuffers).
  if (spec.receiveBufferSize !== undefined) tcp.receiveBufferSize = spec.receiveBufferSize;
  if (spec.sendBufferSize !== undefined) tcp.sendBufferSize = spec.sendBufferSize;
  if (spec.timestamps !== undefined) tcp.timestamps = spec.timestamps;
  if (spec.windowScaling !== undefined) tcp.windowScaling = spec.windowScaling;
  if (spec.congestionControl !== undefined) tcp.congestionControl = spec.congestionControl;
  if (spec.sack !== undefined) tcp.sack = spec.sack;
  if (spec.ackDelayMs !== undefined) tcp.ackDelayMs = spec.ackDelayMs;
  const net = new SimNetwork(spec.seed);
  const client = net.addHost('client', { addresses: [SIM_CLIENT_ADDRESS], tcp });
  const server = net.addHost('server', { addresses: [SIM_SERVER_ADDRESS], tcp });
  const link = net.link(client, server, profile);
  if (spec.partition) link.partition(spec.partition.fromMs, spec.partition.toMs);
  prepare?.(link, net);
  if (spec.fastOpen) {
    // What an earlier connection's SYN-ACK would have left in the client's cache.
    const mss = server.stack.config.mss ?? (tcp.mtu ?? profile.mtu) - 40;
    client.stack.fastOpenCache.learn(server.stack.addresses[0], server.stack.fastOpenCookie(SIM_CLIENT_ADDRESS, SIM_SERVER_ADDRESS), false, mss);
  }
  const { up, down } = bytesEachWay(spec.direction, spec.bytes);
  const report = runTransfer(
    net,
    { client, server, port: SIM_PORT, up, down, dataSeed: spec.seed, readRateBps: spec.readRateBps, readPause: spec.readPause, fastOpen: spec.fastOpen },
    { maxMs: spec.maxMs, maxSteps: spec.maxSteps, timeMs: spec.timeMs },
  );
  return { report, net, link, profile };
}

/**
 * The `synack sim` command line that replays `spec` (same seed, same run, byte for byte), or
 * undefined when the spec uses settings the command has no option for.
 */
export function simCommand(spec: SimTransferSpec): string | undefined {
  if (spec.tcp && Object.keys(spec.tcp).length > 0) return undefined;
  if (spec.readPause) return undefined;
  const p = spec.link ?? {};
  const args = ['synack', 'sim', '--seed', String(spec.seed)];
  if (spec.bytes !== Infinity) args.push('--bytes', String(spec.bytes));
  args.push('--direction', spec.direction);
  if (spec.timeMs !== undefined) args.push('--time', String(spec.timeMs));
  const opt = (name: string, v: number | undefined, dflt: number) => {
    if (v !== undefined && v !== dflt) args.push(`--${name}`, String(v));
  };
  opt('delay', p.delayMs, DEFAULT_LINK.delayMs);
  opt('jitter', p.jitterMs, DEFAULT_LINK.jitterMs);
  opt('rate', p.rateBps, DEFAULT_LINK.rateBps);
  opt('queue', p.queueBytes, DEFAULT_LINK.queueBytes);
  opt('mtu', p.mtu, DEFAULT_LINK.mtu);
  opt('host-mtu', spec.hostMtu, p.mtu ?? DEFAULT_LINK.mtu);
  opt('loss', p.loss, 0);
  opt('duplicate', p.duplicate, 0);
  opt('reorder', p.reorder, 0);
  opt('corrupt', p.corrupt, 0);
  opt('user-timeout', spec.userTimeoutMs, NaN);
  opt('rcvbuf', spec.receiveBufferSize, NaN);
  opt('sndbuf', spec.sendBufferSize, NaN);
  opt('ack-delay', spec.ackDelayMs, NaN);
  opt('read-rate', spec.readRateBps, NaN);
  if (spec.timestamps === false) args.push('--no-timestamps');
  if (spec.windowScaling === false) args.push('--no-window-scaling');
  if (spec.sack === false) args.push('--no-sack');
  if (spec.fastOpen) args.push('--fast-open');
  if (spec.congestionControl !== undefined) args.push('--cc', spec.congestionControl);
  if (spec.partition) args.push('--partition', `${spec.partition.fromMs}-${spec.partition.toMs}`);
  opt('max-ms', spec.maxMs, NaN);
  return args.join(' ');
}
