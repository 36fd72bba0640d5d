/**
 * Many connections on one host: IP packets in and out, demultiplexing by 4-tuple, listeners with
 * their queues, ephemeral ports, RST for segments that reach no connection, ICMP, counters, and one
 * timer structure for all. Sans-I/O like the TCB: packets and time are pushed in (`handlePacket`,
 * `handleTimeout`); packets, the next deadline and events are pulled out (`pollTransmit`,
 * `pollTimeout`, `pollEvent`).
 */
import {
  decodeIcmp,
  decodeIp,
  newIpPacketScratch,
  decodeTcpHeaderInto,
  reusableTcpHeader,
  type ReusableTcpHeader,
  echoReplyFor,
  foldSum,
  ipToString,
  Icmp4Type,
  Icmp6Type,
  IpProtocol,
  onesSum,
  parseIp,
  seqGt,
  TcpFlag,
  tcpPseudoHeaderSum,
  type IpAddress,
  type IpPacket,
  tcpPacketLength,
  type TcpPacketSpec,
} from '../wire/index.js';
import { writeTcpPacket, writeTcpPacketHeaders } from '../wire/packet.js';
import { ChallengeAckBudget } from '../tcp/challenge-ack.js';
import { mssForMtu, offeredWindowScale, resolveConfig, shareConfig, userBuffers, type TcpConfig } from '../tcp/config.js';
import type { TcpEvent } from '../tcp/events.js';
import type { TcbTraceSink } from '../tcp/trace.js';
import { IsnGenerator } from '../tcp/isn.js';
import { CryptoRandom, type RandomSource } from '../tcp/random.js';
import { RstRateLimit } from './rst-rate-limit.js';
import { EMPTY_PAYLOAD, makeSegment, resetFor, type Segment } from '../tcp/segment.js';
import type { TcpState } from '../tcp/state.js';
import { isEcnSetupSyn } from '../tcp/ecn.js';
import { Tcb, TcpError } from '../tcp/tcb.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { StackCounters } from './counters.js';
import { ConnectionTable } from './connection-table.js';
import { addressKey, printableEndpoint, sameAddress, toAddress, type Endpoint } from './endpoint.js';
import { Listener } from './listener.js';
import { EphemeralPorts } from './ports.js';
import { encodeCookieTimestampBits, SynCookies } from './syn-cookies.js';
import { writeCookieSynAck, type CookieSynAckShape } from './cookie-syn-ack.js';
import { TimeWait, TimeWaitAnswer } from '../tcp/time-wait.js';
import { KeyedTimerHeap } from './timer-heap.js';
import { DEFAULT_FAST_OPEN, FastOpenCache, FastOpenKeys, type FastOpenSettings } from './fast-open.js';
import { setFastOpenClient, setFastOpenServer } from '../tcp/fast-open.js';

/**
 * SYN cookies (RFC 4987 §3.6): 'off' never; 'on-overflow' when a listener's SYN queue is full (Linux's
 * tcp_syncookies=1, FreeBSD's syncookies=1); 'always' for every SYN (tcp_syncookies=2, FreeBSD's
 * syncookies_only=1).
 */
export type SynCookieMode = 'off' | 'on-overflow' | 'always';

/**
 * The stack's resource bounds. Each is counted when it bites (counters in counters.ts) and documented
 * in README.md's "Limits".
 */
export interface StackLimits {
  /**
   * Connections of every state but TIME-WAIT (whose compact entries have their own bound,
   * `timeWaitMax`), listeners not counted. At the limit connect() throws TcpError ENOBUFS, and a SYN
   * that would create a connection (a SYN-queue entry) is dropped and counted (ListenDrops and
   * TCPConnectionLimitDrops): the client's SYN retransmission tries again, as for a full SYN queue with
   * cookies off. A SYN answered with a cookie (mode 'always', or 'on-overflow' with the SYN queue full)
   * keeps no state and is still answered; its completing ACK is then dropped while the stack is at the
   * limit (ListenOverflows, TCPConnectionLimitDrops) and the client's next segment tries again. Default
   * 1,000,000 (synack's own: Linux has no single bound; file limits and memory play this part).
   */
  maxConnections: number;
  /** listen()'s backlog when none is given (Node's default is 511). */
  defaultBacklog: number;
  /** Half-open connections per listener (Linux's tcp_max_syn_backlog default is 128 to 1024). */
  synQueueSize: number;
  /** Ephemeral ports (RFC 6056 recommends 1024-65535; IANA's range 49152-65535 is the default). */
  ephemeralMin: number;
  ephemeralMax: number;
  /**
   * Compact TIME-WAIT entries (time-wait.ts). At the limit the oldest is ended early to make room
   * (TCPTimeWaitOverflow). Default 262,144, Linux's tcp_max_tw_buckets on a machine of common size.
   */
  timeWaitMax: number;
  /**
   * Orphans: connections the application has closed that are not yet finished (FIN-WAIT-1, FIN-WAIT-2,
   * CLOSING, LAST-ACK after close()). A close() that would make one more than this resets the
   * connection instead (RST; TCPAbortOnMemory, as Linux's tcp_too_many_orphans()). An orphan in
   * FIN-WAIT-2 is given up after `tcp.finWait2TimeoutMs` (Linux's tcp_fin_timeout, 60 s). Default
   * 65,536: Linux's tcp_max_orphans on a machine of common size (it scales with memory, 4096 minimum).
   */
  maxOrphans: number;
  /**
   * Out-of-order bytes held across all connections (per connection they never exceed its receive
   * window). Beyond it, an out-of-order segment is dropped and counted (TCPOFODrop), never in-order
   * data. Default 64 MiB (synack's: Linux bounds it with tcp_mem and each socket's rcvbuf).
   */
  reassemblyBytes: number;
  /**
   * RSTs per second the stack itself sends for segments that reach no connection (ACK and SYN-ACK
   * floods at a listener or a closed port are reflected no further); the budget of each second is
   * drawn from [7/8, 1] of it, so it is no side channel (rst-rate-limit.ts). 0: no limit. Beyond it
   * the segment is dropped unanswered (OutRstsRateLimited). Default 1000 (Linux's icmp_msgs_per_sec;
   * FreeBSD's icmplim, which covers these RSTs, is 200).
   */
  rstPerSecond: number;
}

export const DEFAULT_STACK_LIMITS: Readonly<StackLimits> = Object.freeze({
  maxConnections: 1_000_000,
  defaultBacklog: 511,
  synQueueSize: 1024,
  ephemeralMin: 49152,
  ephemeralMax: 65535,
  timeWaitMax: 262_144,
  maxOrphans: 65_536,
  reassemblyBytes: 64 * 1024 * 1024,
  rstPerSecond: 1000,
});

/**
 * Trace hooks for a stack: packets it discards before any TCB, with the reason, the
 * compact TIME-WAIT entries' timer, and a per-connection TCB sink. Off by default; each site is one
 * `if (this.trace !== undefined)`.
 */
export interface StackTraceSink {
  /** The sink for a new connection's TCB, or undefined to leave it untraced. */
  connection(conn: Connection): TcbTraceSink | undefined;
  /** A packet dropped (or answered with a RST) by the stack itself; endpoints undefined when the header did not decode. */
  drop(local: Endpoint | undefined, remote: Endpoint | undefined, seq: number, len: number, why: string, now: number): void;
  /** A compact TIME-WAIT entry's 2*MSL timer (the TCB reports setting it; the entry restarts and ends it). */
  timer(local: Endpoint, remote: Endpoint, kind: 'time-wait', action: 'set' | 'fired', deadline: number, now: number): void;
}

export interface StackOptions {
  /** Trace hooks (see StackTraceSink); also settable later as `stack.trace`. Default none. */
  trace?: StackTraceSink;
  /** The host's addresses (text or values); packets to any other address are dropped. */
  addresses: Array<string | IpAddress>;
  /** Seeded in the simulator, cryptographic in real use (the default). */
  random?: RandomSource;
  /** TCP settings for every connection of this stack. */
  tcp?: Partial<TcpConfig>;
  /**
   * Resource bounds (StackLimits; defaults in DEFAULT_STACK_LIMITS): maxConnections (1,000,000),
   * timeWaitMax (262,144, Linux's tcp_max_tw_buckets; TCPTimeWaitOverflow), maxOrphans (65,536, Linux's
   * tcp_max_orphans; TCPAbortOnMemory), reassemblyBytes (64 MiB; TCPOFODrop), synQueueSize (1024),
   * defaultBacklog (511), ephemeral ports (49152-65535). See README.md's "Limits".
   */
  limits?: Partial<StackLimits>;
  /** TTL / hop limit of packets sent. */
  ttl?: number;
  /**
   * Skip verifying TCP checksums of packets received (a link that guarantees integrity, like the
   * kernel's loopback). Never for a real link.
   */
  trustChecksums?: boolean;
  /**
   * Checksum offload, as on the kernel's loopback: outgoing TCP checksums are not computed (the field
   * is sent as zero) and incoming ones are not verified (implies trustChecksums). Only for a link that
   * guarantees integrity between two offloading stacks (the simulator's, explicitly); never the
   * default, never a real link. RFC 9293 §3.1 requires the checksum on the wire; an offloaded stack has
   * no wire of its own.
   */
  checksumOffload?: boolean;
  /**
   * Segmentation offload, a capability of the device below (Linux's gso_max_size): the largest IP
   * packet, up to 65,535 octets, that the device takes and cuts into wire segments itself. New data
   * then leaves a connection as one segment of several full-sized ones (Segment.gsoSize), and
   * pollTransmit hands it out as one packet with `transmitGsoSize` set to the size of its pieces; the
   * driver must cut it (link/offload.ts) before it reaches a wire. 0 (the default): every packet is a
   * wire packet. The simulator turns it on for its hosts (its links are local); real devices only
   * when asked.
   */
  gsoMaxSize?: number;
  /**
   * Silence toward segments for closed ports (FreeBSD net.inet.tcp.blackhole, against port scans):
   * 0 answers them with RST as RFC 9293 §3.10.7.1 says (the default); 1 sends no RST in answer to a
   * segment with SYN set; 2 sends no RST for any segment to a closed port. A port with a listener is
   * not closed: its answers are unchanged, as are those of existing connections.
   */
  blackhole?: 0 | 1 | 2;
  /**
   * SYN cookies (RFC 4987 §3.6, in Linux's manner): 'on-overflow' (the default) answers a SYN with a
   * cookie SYN-ACK, keeping no state, when the listener's SYN queue is full; 'always' does so for every
   * SYN; 'off' drops SYNs beyond the SYN queue. The cookie ISN carries the MSS (from a table of four)
   * and, when the SYN had timestamps, our TSval's low six bits carry its window scale, SACK-permitted
   * and ECN; without timestamps the SYN-ACK offers neither window scaling nor SACK. A final ACK for no
   * connection is validated against the current and previous secrets and becomes an ESTABLISHED
   * connection; secrets rotate every two cookie periods. Counted as SyncookiesSent, SyncookiesRecv and
   * SyncookiesFailed.
   */
  synCookies?: SynCookieMode;
  /**
   * TCP Fast Open (RFC 7413; stack/fast-open.ts): the settings (client and server on, cookies
   * required, queue 0 for listeners that do not ask, kind 34, a one-hour blackhole mark) and the
   * server's cookie keys: `keys[0]` the primary, `keys[1]` a backup still accepted (16 bytes each;
   * default: a random primary). A connection uses it with `connect(..., { fastOpen: true })`, a
   * listener with `listen(port, { fastOpen: queueLength })`.
   */
  fastOpen?: Partial<FastOpenSettings> & { keys?: Uint8Array[] };
}

const NO_ADDRESS6 = new Uint8Array(16);
/** Size of the slabs packets are cut from (see Stack.packetSpace). */
const SLAB_BYTES = 256 * 1024;
/** Room for an offloaded packet's headers: the largest IPv4 header (60) or IPv6's (40), and TCP's (60). */
const GSO_HEADERS_MAX = 120;
/** Longest event or dirty-connection array kept between bursts (see Stack.events, Stack.dirty). */
const EVENTS_KEPT = 1024;
/** The longest cookie SYN-ACK: IPv6, TCP, MSS, timestamps and window scale. */
const COOKIE_SYN_ACK_MAX = 40 + 20 + 20;
const EMPTY_SEGMENT: Segment = makeSegment({ srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0 });

export type StackEvent =
  /** A connection reached a listener's accept queue: `listener.accept()` returns it. */
  | { type: 'connection'; listener: Listener }
  /** Something happened on a connection. */
  | { type: 'event'; connection: Connection; event: TcpEvent };

export class Stack implements ConnectionOwner {
  readonly addresses: IpAddress[];
  readonly counters = new StackCounters();
  /** The stack's settings (StackOptions.tcp resolved); read through `config`. */
  private readonly cfg: TcpConfig;
  /** A shared snapshot of cfg for new connections (see shareConfig); remade after `config` is handed out. */
  private sharedConfig: TcpConfig | undefined;
  readonly limits: StackLimits;
  private readonly random: RandomSource;
  private readonly isn: IsnGenerator;
  /** Keyed hash of the 4-tuple for each connection's timestamp offset (RFC 7323 §5.4), its own key. */
  private readonly tsOffsets: IsnGenerator;
  private readonly ports: EphemeralPorts;
  private readonly rstLimit: RstRateLimit;
  /** `challengeAckGlobalLimit`'s randomised host-wide bound, if set (each connection has its own limit). */
  private readonly challengeAckBudget: ChallengeAckBudget | undefined;
  private readonly ttl: number;
  /** StackOptions.trustChecksums (or checksumOffload): received TCP checksums are not verified. */
  readonly trustChecksums: boolean;
  /** StackOptions.checksumOffload. */
  readonly checksumOffload: boolean;
  /** StackOptions.gsoMaxSize (0: off). */
  readonly gsoMaxSize: number;
  /**
   * For the packet pollTransmit returned last: 0 for a wire packet, else the data octets of each wire
   * segment the device must cut it into (StackOptions.gsoMaxSize). That packet is then the headers
   * alone, their lengths counting the data, and the data is `transmitGsoPayload`, a view of the send
   * buffer, which the device gathers into each piece itself (as a NIC's TSO reads an skb's pages, so
   * each octet is copied once, into its wire packet). Its TCP checksum is not filled in (the cutter
   * computes each piece's, unless checksums are offloaded) and its IPv4 ID is the first piece's, the
   * next pieces' IDs following it. Both are the driver's only until the next pollTransmit (they are
   * cut at once, as Linux's segmentation consumes a GSO packet): the stack writes the next headers in
   * the same buffer.
   */
  transmitGsoSize = 0;
  /** The data of an offloaded packet (see transmitGsoSize); empty otherwise. */
  transmitGsoPayload: Uint8Array = EMPTY_PAYLOAD;
  /** Where offloaded packets' headers are written (see transmitGsoSize); made at the first. */
  private gsoHeaders: Uint8Array | undefined;
  /** StackOptions.blackhole. */
  readonly blackhole: 0 | 1 | 2;
  /** StackOptions.synCookies; `setSynCookies` changes it. */
  get synCookies(): SynCookieMode {
    return this.cookieMode;
  }
  private cookieMode: SynCookieMode;
  /** Made on first use, so a stack that never needs a cookie draws no secrets from its random source. */
  private cookies: SynCookies | undefined;
  private cookiesRotatedAt = 0;
  /** Reused by every cookie SYN-ACK (no allocation per SYN). */
  private readonly cookieShape: CookieSynAckShape = { mss: -1, timestamps: false, sackPermitted: false, wscale: -1 };
  /** Mixed into each connection's first IPv4 ID (see nextIpId). */
  private readonly ipIdSalt: number;
  /** Reused by encode(): see there. */
  private readonly ip4: { version: 4; src: number; dst: number; ttl: number; identification: number; dscp: number; ecn: number; dontFragment: boolean };
  private readonly ip6: { version: 6; src: Uint8Array; dst: Uint8Array; hopLimit: number; dscp: number; ecn: number };
  private readonly spec: TcpPacketSpec;
  private readonly ipScratch = newIpPacketScratch();
  /**
   * And the TCP header into this one (wire/tcp.ts ReusableTcpHeader): a connection keeps nothing of a
   * segment but its payload (Tcb.handleSegment), nor does a TIME-WAIT entry or a listener. Its
   * gsoSize is set here so that its shape never changes.
   */
  private readonly rx = reusableTcpHeaderWithGso();
  private slab = new Uint8Array(0);
  private slabUsed = 0;

  private readonly conns = new ConnectionTable();
  private readonly listeners = new Map<string, Listener>();
  /** The same listeners by port (every SYN looks one up: a number key, no string built). */
  private readonly listenersByPort = new Map<number, Listener[]>();
  /** Packets made by the stack itself (RSTs for strangers, ICMP replies). */
  private readonly out: Uint8Array[] = [];
  private outHead = 0;
  /**
   * Connections that may have something to send, in the order they became so (Connection.dirty says
   * whether one is in it; a cleared one is skipped): `dirty[dirtyHead..dirtyCount)`. An array walked
   * from `dirtyHead`, so polling allocates no iterator per packet, and kept (slots cleared) when
   * drained, so each round of input does not allocate its storage again.
   */
  private readonly dirty: (Connection | undefined)[] = [];
  private dirtyHead = 0;
  private dirtyCount = 0;
  private readonly timers = new KeyedTimerHeap<Connection>();
  /** Compact TIME-WAIT entries (time-wait.ts) by 4-tuple; timeWaitTimers orders them by age. */
  private readonly timeWait = new ConnectionTable<TimeWait<Endpoint, Connection>>();
  private readonly timeWaitTimers = new KeyedTimerHeap<TimeWait<Endpoint, Connection>>();
  /** Connections closed by the application and not yet finished (Linux's orphans; limits.maxOrphans): each has Connection.orphan set. */
  private orphans = 0;
  /** Out-of-order bytes held by every connection (limits.reassemblyBytes). */
  private reassemblyTotal = 0;
  /**
   * Events for the application: `events[eventHead..eventCount)`. The array is kept between bursts (a
   * popped slot is cleared, so it holds no connection) rather than emptied, which would make every
   * burst allocate its storage again; one left longer than EVENTS_KEPT by a large burst is let go.
   */
  private readonly events: (StackEvent | undefined)[] = [];
  private eventHead = 0;
  private eventCount = 0;
  /** Trace hooks (StackOptions.trace): set before connections are made to trace them. */
  trace: StackTraceSink | undefined;
  /** Fast Open settings (StackOptions.fastOpen), changeable at any time (a sysctl). */
  readonly fastOpen: FastOpenSettings;
  /** The client's Fast Open cookies, by server address. */
  readonly fastOpenCache: FastOpenCache;
  /** The server's Fast Open keys, drawn on first use unless given. */
  private foKeys: FastOpenKeys | undefined;
  /**
   * Fast Open children still in SYN-RECEIVED, each counted in its listener's pending queue until its
   * handshake completes or fails (kept here, not on every Connection: few connections are ever one).
   */
  private readonly fastOpenChildren = new Map<Connection, Listener>();

  constructor(opts: StackOptions) {
    this.addresses = opts.addresses.map(toAddress);
    if (this.addresses.length === 0) throw new RangeError('a stack needs at least one address');
    this.random = opts.random ?? new CryptoRandom();
    this.cfg = resolveConfig(opts.tcp);
    this.limits = { ...DEFAULT_STACK_LIMITS, ...opts.limits };
    this.trace = opts.trace;
    this.isn = new IsnGenerator(this.random);
    this.tsOffsets = new IsnGenerator(this.random);
    this.ports = new EphemeralPorts(this.random, this.limits.ephemeralMin, this.limits.ephemeralMax);
    if (!(Number.isInteger(this.limits.rstPerSecond) && this.limits.rstPerSecond >= 0)) throw new RangeError('rstPerSecond must be a whole number >= 0');
    this.rstLimit = new RstRateLimit(this.limits.rstPerSecond, this.random);
    const globalLimit = this.cfg.challengeAckGlobalLimit;
    this.challengeAckBudget = globalLimit === undefined ? undefined : new ChallengeAckBudget(globalLimit, this.random);
    this.ttl = opts.ttl ?? 64;
    this.checksumOffload = opts.checksumOffload ?? false;
    this.trustChecksums = (opts.trustChecksums ?? false) || this.checksumOffload;
    const gso = opts.gsoMaxSize ?? 0;
    if (!(Number.isInteger(gso) && (gso === 0 || (gso >= 1280 && gso <= 65535)))) throw new RangeError(`gsoMaxSize must be 0 (off) or a whole number of octets from 1280 to 65535, got ${String(gso)}`);
    this.gsoMaxSize = gso;
    this.blackhole = opts.blackhole ?? 0;
    if (this.blackhole !== 0 && this.blackhole !== 1 && this.blackhole !== 2) throw new RangeError('blackhole must be 0, 1 or 2');
    this.cookieMode = 'on-overflow';
    this.setSynCookies(opts.synCookies ?? 'on-overflow');
    const { keys, ...fastOpen } = opts.fastOpen ?? {};
    this.fastOpen = { ...DEFAULT_FAST_OPEN, ...fastOpen };
    if (keys !== undefined && keys.length > 0) this.foKeys = new FastOpenKeys(keys[0], keys[1]);
    this.fastOpenCache = new FastOpenCache(() => this.fastOpen.cacheSize);
    this.ipIdSalt = this.random.nextUint32() & 0xffff;
    this.ip4 = { version: 4, src: 0, dst: 0, ttl: this.ttl, identification: 0, dscp: 0, ecn: 0, dontFragment: true };
    this.ip6 = { version: 6, src: NO_ADDRESS6, dst: NO_ADDRESS6, hopLimit: this.ttl, dscp: 0, ecn: 0 };
    // A zero checksum field is what an offloading stack sends (the "hardware" fills it in).
    this.spec = { ip: this.ip4, tcp: EMPTY_SEGMENT, payload: undefined, tcpChecksum: this.checksumOffload ? 0 : undefined };
  }

  /**
   * TCP settings for connections made from now on. Whoever gets this object may change it (a late
   * sysctl), so the snapshot new connections share is remade on the next connection.
   */
  get config(): TcpConfig {
    this.sharedConfig = undefined;
    return this.cfg;
  }

  // ---------------------------------------------------------------------------------------------
  // The application's side

  /**
   * Listen on `port` (0: an ephemeral one) at `address` (default: every address). Throws TcpError
   * EADDRINUSE if that port is already listened on at an overlapping address.
   */
  /**
   * Use SYN cookies from now on as `mode` says (what Linux's net.ipv4.tcp_syncookies sysctl does on
   * a running host): SYNs already queued stay queued; turned off, ACKs of cookies sent before are
   * no longer checked (as with the sysctl at 0).
   */
  setSynCookies(mode: SynCookieMode): void {
    if (mode !== 'off' && mode !== 'on-overflow' && mode !== 'always') throw new RangeError(`synCookies must be 'off', 'on-overflow' or 'always'`);
    this.cookieMode = mode;
  }

  listen(port: number, opts: { address?: string | IpAddress; backlog?: number; tcp?: Partial<TcpConfig>; fastOpen?: number } = {}): Listener {
    const address = opts.address === undefined ? undefined : toAddress(opts.address);
    if (address !== undefined && !this.isLocal(address)) throw new TcpError('EINVAL', `not an address of this stack`);
    if (port === 0) {
      const p = this.ports.choose(address ?? this.addresses[0], 0, 0, (cand) => !this.portListened(cand, address));
      if (p === undefined) throw new TcpError('EADDRINUSE', 'no ephemeral port free');
      port = p;
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TcpError('EINVAL', `bad port ${port}`);
    if (this.portListened(port, address)) throw new TcpError('EADDRINUSE', `port ${port} is already in use`);
    const backlog = Math.max(1, opts.backlog ?? this.limits.defaultBacklog);
    const l = new Listener(address, port, backlog, this.limits.synQueueSize);
    l.tcp = opts.tcp;
    if (opts.fastOpen !== undefined) {
      if (!(Number.isInteger(opts.fastOpen) && opts.fastOpen >= 0)) throw new TcpError('EINVAL', `fastOpen must be a queue length >= 0, got ${opts.fastOpen}`);
      l.fastOpenQueue = opts.fastOpen;
    }
    this.listeners.set(this.listenerKey(address, port), l);
    const onPort = this.listenersByPort.get(port);
    if (onPort) onPort.push(l);
    else this.listenersByPort.set(port, [l]);
    return l;
  }

  /** Stop listening; connections not yet accepted are reset. */
  closeListener(l: Listener, now: number): void {
    if (l.closed) return;
    l.closed = true;
    this.listeners.delete(this.listenerKey(l.address, l.port));
    const onPort = this.listenersByPort.get(l.port);
    if (onPort) {
      const i = onPort.indexOf(l);
      if (i >= 0) onPort.splice(i, 1);
      if (onPort.length === 0) this.listenersByPort.delete(l.port);
    }
    for (const c of [...l.synQueue, ...l.acceptQueue]) c.abort(now);
    l.synQueue.clear();
    l.acceptQueue.length = 0;
  }

  /**
   * Open a connection (active OPEN). `fastOpen`: TCP Fast Open (RFC 7413) with the cached cookie for
   * the server, or a cookie request; with `deferSyn` too and a cookie cached, the SYN waits for the
   * first send so that it carries it (Linux's TCP_FASTOPEN_CONNECT). The local address defaults to the stack's first address of the
   * remote's family, the local port to an ephemeral one (RFC 6056). A local port given explicitly
   * whose 4-tuple is taken gives TcpError EADDRINUSE; no ephemeral port left, EADDRNOTAVAIL.
   */
  connect(
    remote: { address: string | IpAddress; port: number },
    now: number,
    opts: { localAddress?: string | IpAddress; localPort?: number; tcp?: Partial<TcpConfig>; fastOpen?: boolean; deferSyn?: boolean } = {},
  ): Connection {
    const raddr = toAddress(remote.address);
    if (!Number.isInteger(remote.port) || remote.port < 1 || remote.port > 65535) throw new TcpError('EINVAL', `bad port ${remote.port}`);
    const v4 = typeof raddr === 'number';
    const laddr = opts.localAddress !== undefined ? toAddress(opts.localAddress) : this.addresses.find((a) => (typeof a === 'number') === v4);
    if (laddr === undefined || (typeof laddr === 'number') !== v4) throw new TcpError('EINVAL', `no local IPv${v4 ? 4 : 6} address`);
    if (!this.isLocal(laddr)) throw new TcpError('EINVAL', 'local address is not an address of this stack');
    const remoteEp = printableEndpoint(raddr, remote.port);
    let lport = opts.localPort;
    if (lport === undefined || lport === 0) {
      lport = this.ports.choose(laddr, raddr, remote.port, (p) => !this.tupleInUse(laddr, p, raddr, remote.port) && !this.portListened(p, laddr));
      // Linux's connect(2) (and so Node) says EADDRNOTAVAIL when no ephemeral port is left.
      if (lport === undefined) throw new TcpError('EADDRNOTAVAIL', `no ephemeral port free for this destination (${this.ports.min}-${this.ports.max} all in use)`);
    } else if (this.tupleInUse(laddr, lport, raddr, remote.port)) {
      throw new TcpError('EADDRINUSE', `${lport} to that peer is already in use`);
    }
    if (this.conns.size >= this.limits.maxConnections) throw new TcpError('ENOBUFS', `connection limit reached (limits.maxConnections ${this.limits.maxConnections})`);
    const local = printableEndpoint(laddr, lport);
    const tcb = this.newTcb(local, remoteEp, now, opts.tcp);
    const conn = this.register(tcb, local, remoteEp, now);
    if (opts.fastOpen) this.fastOpenConnect(tcb, raddr, now, opts.deferSyn === true);
    tcb.connect(now);
    this.touched(conn, now);
    return conn;
  }

  /** The next event for the application, or undefined. */
  pollEvent(): StackEvent | undefined {
    const events = this.events;
    if (this.eventHead >= this.eventCount) {
      if (this.eventHead) {
        this.eventHead = 0;
        this.eventCount = 0;
        if (events.length > EVENTS_KEPT) events.length = 0;
      }
      return undefined;
    }
    const e = events[this.eventHead];
    events[this.eventHead++] = undefined;
    return e;
  }

  private pushEvent(e: StackEvent): void {
    this.events[this.eventCount++] = e;
  }

  /** Every connection, for listings (`ss -tan`), in no particular order. */
  connections(): IterableIterator<Connection> {
    return this.conns.values();
  }

  /**
   * The route toward `remote` now has MTU `mtu` (an administrator changed it): each connection to it
   * takes it once it sends again (Tcb.setRouteMtu); new connections use `config.mtu` as before.
   */
  setRouteMtu(remote: string | IpAddress, mtu: number): void {
    const addr = typeof remote === 'string' ? parseIp(remote) : remote;
    if (addr === undefined) throw new RangeError(`not an IP address: ${String(remote)}`);
    const text = ipToString(addr);
    for (const conn of this.conns.values()) if (ipToString(conn.remote.address) === text) conn.tcb.setRouteMtu(mtu);
  }

  listenersList(): IterableIterator<Listener> {
    return this.listeners.values();
  }

  // ---------------------------------------------------------------------------------------------
  // The network's side

  /** An IP packet arrived. Malformed or unwanted packets are counted and dropped; nothing throws. */
  handlePacket(bytes: Uint8Array, now: number): void {
    this.ipInput(bytes, now, 0);
  }

  /**
   * A packet of TCP segments merged before the stack (link/offload.ts's GroMerger), each of `groSize`
   * data octets (the last perhaps fewer), their checksums verified there: taken as the segments it
   * holds (counted as they are, its TCP checksum not summed again).
   */
  handleMerged(bytes: Uint8Array, now: number, groSize: number): void {
    this.ipInput(bytes, now, groSize, groSize > 0);
  }

  /**
   * An IP packet whose TCP checksum the device vouches for (a TUN device's virtio_net_hdr with
   * NEEDS_CSUM or DATA_VALID: Linux's CHECKSUM_PARTIAL or CHECKSUM_UNNECESSARY, the packet never left
   * the host): taken as handlePacket takes it, but its TCP checksum is not summed (a partial one
   * would not verify). Everything else about it is checked as usual.
   */
  handleChecksumVouched(bytes: Uint8Array, now: number): void {
    this.ipInput(bytes, now, 0, true);
  }

  private ipInput(bytes: Uint8Array, now: number, groSize: number, checksumVouched = false): void {
    const c = this.counters;
    c.ip.InReceives++;
    // Decoded into the stack's scratch (IPv4): nothing below keeps the IP header past this packet.
    const ipp = decodeIp(bytes, 0, bytes.length, this.ipScratch);
    if (!ipp.ok) {
      c.ip.InHdrErrors++;
      return;
    }
    if (ipp.ip.version === 4 && !ipp.ip.checksumValid) {
      c.ip.InHdrErrors++;
      return;
    }
    if (!this.isLocal(ipp.ip.dst)) {
      c.ip.InAddrErrors++;
      return;
    }
    if (ipp.fragment) {
      c.ip.ReasmFails++;
      return;
    }
    // RFC 4293 ipSystemStatsInDelivers: datagrams handed to a user protocol, ICMP included (the
    // protocol's own checks, such as the TCP checksum, come after and are counted by it).
    if (ipp.protocol === IpProtocol.TCP) {
      c.ip.InDelivers++;
      this.tcpInput(bytes, ipp, now, groSize, checksumVouched);
    } else if (ipp.protocol === (ipp.ip.version === 4 ? IpProtocol.ICMP : IpProtocol.ICMPV6)) {
      c.ip.InDelivers++;
      this.icmpInput(bytes, ipp, now);
    } else c.ip.InUnknownProtos++;
  }

  /**
   * A packet the device made of several TCP segments of `segmentSize` octets each (Linux's GRO, or
   * a GSO packet injected into a tun device): handled as the segments it holds (handleMerged), which
   * TCP also takes as the peer's segment size (tcp_measure_rcv_mss reads gso_size).
   */
  handleCoalescedPacket(bytes: Uint8Array, now: number, segmentSize: number): void {
    if (!Number.isInteger(segmentSize) || segmentSize < 1) throw new RangeError(`a segment size of at least 1 octet, got ${segmentSize}`);
    this.handleMerged(bytes, now, segmentSize);
  }

  private tcpInput(bytes: Uint8Array, ipp: IpPacket, now: number, groSize: number, checksumVouched: boolean): void {
    const c = this.counters;
    const h = decodeTcpHeaderInto(bytes, ipp.payloadOffset, ipp.payloadLength, this.rx);
    if (!h.ok) {
      c.tcp.InSegs++; // RFC 4022 tcpInSegs: "including those received in error"
      c.tcp.InErrs++;
      if (h.reason === 'bad-option-length' || h.reason === 'option-overrun') c.tcp.TCPBadOptionDrops++;
      if (this.trace !== undefined) this.trace.drop(undefined, undefined, 0, ipp.payloadLength, `bad TCP header: ${h.reason}`, now);
      return;
    }
    if (!this.trustChecksums && !checksumVouched) {
      const sum = onesSum(bytes, ipp.payloadOffset, ipp.payloadOffset + ipp.payloadLength, tcpPseudoHeaderSum(ipp.ip, ipp.payloadLength));
      if (foldSum(sum) !== 0xffff) {
        c.tcp.InSegs++;
        c.tcp.InErrs++;
        c.tcp.InCsumErrors++;
        if (this.trace !== undefined) this.traceDrop(ipp, h, 'bad checksum', now);
        return;
      }
    }
    const seg: Segment = h;
    seg.ipEcn = ipp.ip.ecn; // RFC 3168: a CE mark is the connection's to echo
    seg.gsoSize = groSize; // 0: one segment
    if (groSize > 0) {
      const more = Math.ceil((ipp.payloadLength - h.headerLength) / groSize) - 1;
      if (more > 0) {
        c.ip.InReceives += more;
        c.ip.InDelivers += more;
      }
    }
    let conn = this.conns.get(ipp.ip.dst, h.dstPort, ipp.ip.src, h.srcPort);
    const pureSyn = (h.flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === TcpFlag.SYN;
    if (conn && conn.state === 'TIME-WAIT' && pureSyn && this.findListener(conn.local) && this.timeWaitReusable(conn.tcb, seg)) {
      // RFC 6191 / RFC 9293 §3.10.7.4: a new SYN may end TIME-WAIT when it cannot be confused with the old
      // connection, and there is a listener to open the new one (else TIME-WAIT answers it, as Linux's TCP_TW_SYN).
      c.tcp.TimeWaitReused++;
      this.forget(conn);
      conn = undefined;
    }
    if (conn) {
      if (conn.state === 'SYN-RECEIVED' && conn.listener && conn.listener.acceptQueueFull && !this.fastOpenChildren.has(conn) && h.flags & TcpFlag.ACK && !(h.flags & TcpFlag.RST)) {
        // Linux: the handshake's last ACK is dropped while the accept queue is full; the client's
        // retransmission (or our SYN-ACK's) tries again later.
        c.tcp.InSegs++; // no TCB sees it, so it is counted here (RFC 4022 tcpInSegs)
        c.tcp.ListenOverflows++;
        c.tcp.ListenDrops++;
        if (this.trace !== undefined) this.traceDrop(ipp, h, 'accept queue full', now);
        return;
      }
      conn.tcb.handleSegment(this.reassemblyBound(conn, seg, now), now);
      this.touched(conn, now);
      return;
    }
    // No connection: the endpoints are made only on this path, the established one allocates none.
    // Made printable here: they become a new connection's endpoints as they are (Connection copies others).
    const local = printableEndpoint(ipp.ip.dst, h.dstPort);
    const remote = printableEndpoint(ipp.ip.src, h.srcPort);
    if (this.timeWait.size > 0) {
      const tw = this.timeWait.get(local.address, local.port, remote.address, remote.port);
      if (tw !== undefined && this.timeWaitInput(tw, seg, pureSyn, now)) return;
    }
    const listener = this.findListener(local);
    if (listener) {
      if (pureSyn) {
        this.listenerSyn(listener, seg, local, remote, now);
        return;
      }
      // An ACK that may complete a handshake answered with a cookie (RFC 4987 §3.6); if not, or if the
      // cookie does not validate, it is answered as for no connection, as Linux does.
      if ((h.flags & (TcpFlag.SYN | TcpFlag.RST | TcpFlag.ACK)) === TcpFlag.ACK && this.cookieAck(listener, seg, local, remote, now)) return;
      // §3.10.7.2 (LISTEN): a RST is ignored and an ACK is reset (below, as for no connection), but a
      // segment with neither SYN nor RST nor ACK is dropped, and so is a SYN+ACK unless listenSynAckReset.
      if (!(h.flags & (TcpFlag.RST | TcpFlag.ACK))) {
        c.tcp.InSegs++;
        if (this.trace !== undefined) this.traceDrop(ipp, h, 'LISTEN: neither SYN, RST nor ACK', now);
        return;
      }
      if ((h.flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST)) === (TcpFlag.SYN | TcpFlag.ACK) && !this.cfg.listenSynAckReset) {
        c.tcp.InSegs++;
        if (this.trace !== undefined) this.traceDrop(ipp, h, 'LISTEN: SYN+ACK dropped (listenSynAckReset off)', now);
        return;
      }
    }
    // No connection: §3.10.7.1 (never a RST for a RST).
    c.tcp.InSegs++;
    c.tcp.NoConnection++;
    // FreeBSD's blackhole: a closed port (no listener either) stays silent to SYNs (1) or to everything (2).
    const silent = !listener && (this.blackhole === 2 || (this.blackhole === 1 && (h.flags & TcpFlag.SYN) !== 0));
    if (this.trace !== undefined) this.traceDrop(ipp, h, silent ? 'no connection (blackhole)' : h.flags & TcpFlag.RST ? 'no connection' : 'no connection: answered with RST', now);
    if (silent) return;
    const rst = resetFor(seg);
    if (rst) {
      if (!this.rstLimit.allow(now)) {
        c.tcp.OutRstsRateLimited++;
        return;
      }
      this.queueSegment(local, remote, rst);
    }
  }

  /**
   * RFC 6191 §2. Old connection with timestamps: honor a SYN whose TSval is newer than TS.Recent, or
   * equal to it with SEG.SEQ beyond RCV.NXT, or (no timestamps for the new incarnation) whose SEG.SEQ
   * is beyond RCV.NXT. Old connection without: honor it when the new incarnation will use timestamps,
   * or SEG.SEQ is beyond RCV.NXT (RFC 1122 §4.2.2.13). Anything else is left to TIME-WAIT.
   */
  private timeWaitReusable(t: { rcvNxt: number; timestamps: boolean; tsRecent: number }, syn: Segment): boolean {
    const ts = syn.options.timestamp;
    const seqNewer = seqGt(syn.seq, t.rcvNxt);
    const newUsesTimestamps = ts !== undefined && this.cfg.timestamps;
    if (t.timestamps) {
      if (newUsesTimestamps) return seqGt(ts.value, t.tsRecent) || (ts.value === t.tsRecent && seqNewer);
      return seqNewer;
    }
    return newUsesTimestamps || seqNewer;
  }

  /**
   * A segment for a compact TIME-WAIT entry. A new incarnation's SYN ends it (RFC 6191, as above) and
   * returns false, for the listener to take; anything else is answered as TIME-WAIT answers.
   */
  private timeWaitInput(tw: TimeWait<Endpoint, Connection>, seg: Segment, pureSyn: boolean, now: number): boolean {
    const rcv = { rcvNxt: tw.rcvNxt, timestamps: tw.timestamps, tsRecent: tw.tsRecent };
    if (pureSyn && this.findListener(tw.local) && this.timeWaitReusable(rcv, seg)) {
      this.counters.tcp.TimeWaitReused++;
      this.endTimeWait(tw, now);
      return false;
    }
    const answer = tw.input(seg, now, this.counters.tcp, this.challengeAckBudget);
    if (answer === TimeWaitAnswer.Ack) this.queueSegment(tw.local, tw.remote, tw.ackSegment(now));
    else if (answer === TimeWaitAnswer.ResetAndClose) {
      this.queueSegment(tw.local, tw.remote, tw.resetSegment());
      this.endTimeWait(tw, now);
    } else if (tw.expiresAt !== this.timeWaitTimers.deadlineOf(tw)) {
      this.timeWaitTimers.schedule(tw.expiresAt, tw);
      if (this.trace !== undefined) this.trace.timer(tw.local, tw.remote, 'time-wait', 'set', tw.expiresAt, now);
    }
    return true;
  }

  /**
   * `limits.reassemblyBytes`: data that would be held out of order while the stack's total is at the
   * bound is dropped (TCPOFODrop, as Linux's tcp_data_queue_ofo when memory is short); the rest of the
   * segment (its ACK, window, RST, SYN) is processed. In-order data is never dropped here.
   */
  private reassemblyBound(conn: Connection, seg: Segment, now: number): Segment {
    const n = seg.payload.length;
    if (n === 0 || this.reassemblyTotal + n <= this.limits.reassemblyBytes) return seg;
    const st = conn.tcb.state;
    // Only where text is queued (§3.10.7.4 seventh step), and only ahead of RCV.NXT.
    if ((st !== 'ESTABLISHED' && st !== 'FIN-WAIT-1' && st !== 'FIN-WAIT-2') || !seqGt(seg.seq, conn.tcb.rcvNxt)) return seg;
    this.counters.tcp.TCPOFODrop++;
    if (this.trace !== undefined) this.trace.drop(conn.local, conn.remote, seg.seq, n, 'reassembly memory full (data only)', now);
    return { ...seg, payload: EMPTY_PAYLOAD, flags: seg.flags & ~TcpFlag.FIN };
  }

  private listenerSyn(l: Listener, syn: Segment, local: Endpoint, remote: Endpoint, now: number): void {
    const c = this.counters;
    const mode = this.synCookies;
    if (mode === 'always' || (mode === 'on-overflow' && l.synQueue.size >= l.synQueueLimit)) {
      this.cookieSynAck(l, syn, local, remote, now);
      return;
    }
    if (l.synQueue.size >= l.synQueueLimit || this.conns.size >= this.limits.maxConnections) {
      c.tcp.InSegs++;
      c.tcp.ListenDrops++;
      if (this.conns.size >= this.limits.maxConnections) c.tcp.TCPConnectionLimitDrops++;
      if (this.trace !== undefined) this.trace.drop(local, remote, syn.seq, syn.payload.length, this.conns.size >= this.limits.maxConnections ? 'connection limit' : 'SYN queue full', now);
      return;
    }
    const fo = this.fastOpenSyn(l, syn, local, remote);
    // A Fast Open SYN whose data is not taken: the data is ignored (the client sends it again after
    // the handshake, RFC 7413 §4.2.1), not held for ESTABLISHED as a plain SYN's would be.
    if (fo !== undefined && !fo.child && syn.payload.length > 0) syn = { ...syn, payload: EMPTY_PAYLOAD, flags: syn.flags & ~TcpFlag.FIN };
    const prepare = fo === undefined ? undefined : (t: Tcb) => setFastOpenServer(t, fo.child, fo.cookie, fo.exp);
    const tcb = Tcb.accept(this.tcbOptions(local, remote, now, l.tcp), syn, now, prepare);
    if (tcb.state !== 'SYN-RECEIVED') return;
    const conn = this.register(tcb, local, remote, now);
    conn.listener = l;
    if (fo?.child) {
      // RFC 7413 §4.2.2: the application gets the connection (and its data) now, before the handshake
      // completes, as Linux puts a Fast Open child straight into the accept queue.
      c.tcp.TCPFastOpenPassive++;
      this.fastOpenChildren.set(conn, l);
      l.fastOpenPending++;
      l.acceptQueue.push(conn);
      this.pushEvent({ type: 'connection', listener: l });
    } else l.synQueue.add(conn);
    this.touched(conn, now);
  }

  /**
   * A listener's answer to a SYN's Fast Open part (RFC 7413 §4.2.1, in the order of Linux's
   * tcp_try_fastopen): undefined when Fast Open is not in play (the listener has no queue, or the SYN
   * neither carries the option nor, with cookies not required, data); else whether the SYN's data is
   * taken (a child) and the cookie the SYN-ACK carries. A request is answered with a cookie; a valid
   * cookie under the primary key needs none back, under the backup key gets a fresh one; an invalid
   * one gets a fresh one and its data is ignored. With the pending queue full, neither.
   */
  private fastOpenSyn(l: Listener, syn: Segment, local: Endpoint, remote: Endpoint): { child: boolean; cookie: Uint8Array | undefined; exp: boolean } | undefined {
    const s = this.fastOpen;
    const queue = l.fastOpenQueue > 0 ? l.fastOpenQueue : s.defaultQueue === 'backlog' ? l.backlog : s.defaultQueue;
    if (!s.server || queue <= 0) return undefined;
    const c = this.counters.tcp;
    const asked = syn.options.fastOpenCookie;
    const exp = syn.options.fastOpenExp === true;
    const hasData = syn.payload.length > 0;
    if (asked !== undefined && asked.length === 0) c.TCPFastOpenCookieReqd++;
    if (asked === undefined && !(hasData && s.cookieNotRequired)) return undefined;
    if (l.fastOpenPending >= queue) {
      c.TCPFastOpenListenOverflow++;
      return { child: false, cookie: undefined, exp };
    }
    const keys = this.fastOpenKeysOf(l);
    const fresh = asked === undefined ? undefined : keys.cookie(remote.address, local.address);
    // The accept queue full: no child (the SYN-ACK still carries what a cookie request asked for).
    if (l.acceptQueueFull) return { child: false, cookie: fresh, exp };
    if (hasData && s.cookieNotRequired) return { child: true, cookie: undefined, exp };
    if (asked === undefined || asked.length === 0) return { child: false, cookie: fresh, exp };
    const valid = keys.check(asked, remote.address, local.address);
    if (valid === undefined) {
      c.TCPFastOpenPassiveFail++;
      return { child: false, cookie: fresh, exp };
    }
    return { child: true, cookie: valid === 'backup' ? fresh : undefined, exp };
  }

  /** The keys a listener's cookies are made under: its own (TCP_FASTOPEN_KEY), else the stack's. */
  private fastOpenKeysOf(l: Listener): FastOpenKeys {
    return l.fastOpenKeys ?? (this.foKeys ??= FastOpenKeys.random(this.random));
  }

  /**
   * The Fast Open cookie this stack's listeners (those without keys of their own) grant a client at
   * `client` that reaches it at `local`: what a SYN-ACK answering its cookie request carries.
   */
  fastOpenCookie(client: string | IpAddress, local: string | IpAddress): Uint8Array {
    return (this.foKeys ??= FastOpenKeys.random(this.random)).cookie(toAddress(client), toAddress(local));
  }

  /**
   * Set the server's Fast Open keys (Linux's tcp_fastopen_key): `primary` makes cookies from now on,
   * `backup` (if given) is still accepted. Without `backup`, the previous primary becomes the backup,
   * so cookies already handed out keep working through one rotation; `null`: no backup at all (as
   * writing Linux's tcp_fastopen_key with one key does).
   */
  setFastOpenKeys(primary: Uint8Array, backup?: Uint8Array | null): void {
    if (backup !== undefined || this.foKeys === undefined) this.foKeys = new FastOpenKeys(primary, backup ?? undefined);
    else this.foKeys.rotate(primary);
  }

  /**
   * Our connect with Fast Open (RFC 7413 §4.1): the SYN carries the cached cookie (and queued data),
   * or asks for one, or (clientNoCookie) carries the data without any option; nothing toward a
   * server whose path dropped a SYN with data not long ago.
   */
  private fastOpenConnect(tcb: Tcb, server: IpAddress, now: number, deferSyn: boolean): void {
    const s = this.fastOpen;
    if (!s.client) return;
    const e = this.fastOpenCache.get(server);
    if (e?.blackholeUntil !== undefined && now < e.blackholeUntil) return;
    const cookie = e?.cookie ?? new Uint8Array(0);
    // TFO_CLIENT_NO_COOKIE: without a cached cookie the SYN carries data and no option (§4.1.3).
    const noCookie = e?.cookie === undefined && s.clientNoCookie;
    setFastOpenClient(tcb, cookie, e?.cookie !== undefined ? e.exp : s.experimentalOption, e?.mss, deferSyn, noCookie);
  }

  /** A TCB's Fast Open report (a SYN-ACK's cookie and MSS, or a SYN with data lost) into the client's cache. */
  private fastOpenLearnt(conn: Connection, e: { cookie?: Uint8Array; exp?: boolean; mss?: number; synDataLost?: boolean }, now: number): void {
    const server = conn.remote.address;
    if (e.synDataLost) {
      this.counters.tcp.TCPFastOpenBlackhole++;
      this.fastOpenCache.markBlackhole(server, now + this.fastOpen.blackholeMs);
      return;
    }
    this.fastOpenCache.learn(server, e.cookie, e.exp === true, e.mss);
  }

  /** The cookie codec, its secrets rotated every maxAgePeriods periods (driven by `now`: no clock). */
  private cookiesAt(now: number): SynCookies {
    let k = this.cookies;
    if (k === undefined) {
      k = this.cookies = new SynCookies(this.random);
      this.cookiesRotatedAt = now;
    } else if (now - this.cookiesRotatedAt >= k.maxAgePeriods * k.periodMs) {
      // At most once per maxAgePeriods periods, so every cookie still young enough keeps its secret.
      k.rotate();
      this.cookiesRotatedAt = now;
    }
    return k;
  }

  /**
   * Answer a SYN with a cookie SYN-ACK and forget it (RFC 4987 §3.6). The options are those Tcb's
   * SYN-ACK would carry, except that without a timestamp to hold them back neither window scaling nor
   * SACK is offered (Linux: nothing could carry them back), and ECN only with timestamps too. Data
   * and FIN on the SYN are not kept: the client sends them again.
   */
  private cookieSynAck(l: Listener, syn: Segment, local: Endpoint, remote: Endpoint, now: number): void {
    const c = this.counters;
    const cfg = this.cfg;
    c.tcp.InSegs++; // no TCB sees it
    if (syn.flags & TcpFlag.FIN && cfg.dropSynFin) {
      c.tcp.TCPSynFinDrops++;
      return;
    }
    const v4 = typeof local.address === 'number';
    const o = syn.options;
    const clientMss = o.mss !== undefined && o.mss > 0 ? o.mss : undefined;
    const k = this.cookiesAt(now);
    const isn = k.encodeIsn(local.address, local.port, remote.address, remote.port, syn.seq, clientMss, now);
    if (k.lastMss > (clientMss ?? (v4 ? 536 : 1220))) {
      // Below the table's smallest entry: a cookie would make us send larger segments than the client takes.
      c.tcp.ListenDrops++;
      return;
    }
    // The SYN-ACK's bytes are written directly (cookie-syn-ack.ts): this runs once per flooding SYN.
    const shape = this.cookieShape;
    let flags = TcpFlag.SYN | TcpFlag.ACK;
    let tsval = 0;
    let tsecr = 0;
    shape.mss = -1;
    shape.timestamps = false;
    shape.sackPermitted = false;
    shape.wscale = -1;
    if (!cfg.noOptions) {
      shape.mss = l.tcp?.mss ?? cfg.mss ?? mssForMtu(cfg.mtu, v4 ? 4 : 6);
      const ts = o.timestamp;
      if (cfg.timestamps && ts) {
        const wscale = cfg.windowScaling && o.wscale !== undefined ? o.wscale : undefined;
        const sack = cfg.sack && o.sackPermitted === true;
        const ecn = cfg.ecn !== 'off' && isEcnSetupSyn(syn.flags);
        // The shared snapshot of cfg (as connections get): its window scale is worked out once.
        if (wscale !== undefined) shape.wscale = offeredWindowScale((this.sharedConfig ??= shareConfig(this.cfg)));
        shape.sackPermitted = sack;
        shape.timestamps = true;
        if (ecn) flags |= TcpFlag.ECE;
        const tsNow = (Math.floor(now) + this.tsOffsets.offset(local.address, local.port, remote.address, remote.port)) >>> 0;
        tsval = encodeCookieTimestampBits(tsNow, wscale, sack, ecn);
        tsecr = ts.value;
      }
    }
    l.cookieSentAt = now;
    c.tcp.SyncookiesSent++;
    c.tcp.OutSegs++;
    const id = 0; // a packet of no connection (see nextIpId)
    const window = Math.min(cfg.receiveBufferSize, 0xffff); // a SYN's window is never scaled
    // Cut from the packet slab (fresh slab bytes are zero, as the writer needs).
    const slab = this.packetSpace(COOKIE_SYN_ACK_MAX);
    const packet = writeCookieSynAck(local.address, local.port, remote.address, remote.port, this.ttl, id, isn, (syn.seq + 1) >>> 0, flags, window, shape, tsval, tsecr, slab, this.slabUsed);
    this.slabUsed += (packet.length + 7) & ~7;
    this.out.push(packet);
  }

  /**
   * An ACK for no connection at a listener: if cookies are in use there and it carries a valid one,
   * the connection it completes, straight to ESTABLISHED and the accept queue. Returns false when the
   * segment is to be answered as for no connection (no cookies in use, or SyncookiesFailed).
   */
  private cookieAck(l: Listener, seg: Segment, local: Endpoint, remote: Endpoint, now: number): boolean {
    const mode = this.synCookies;
    if (mode === 'off') return false;
    const k = this.cookiesAt(now);
    // 'on-overflow': only while a cookie sent by this listener could still be valid (Linux's
    // tcp_synq_no_recent_overflow), so a stray ACK costs no hash and counts no failure.
    if (mode === 'on-overflow' && (l.cookieSentAt === undefined || now - l.cookieSentAt >= k.maxAgePeriods * k.periodMs)) return false;
    const c = this.counters.tcp;
    const irs = (seg.seq - 1) >>> 0;
    const iss = (seg.ack - 1) >>> 0;
    const check = k.validate(local.address, local.port, remote.address, remote.port, irs, iss, now);
    if (!check.ok) {
      c.SyncookiesFailed++;
      return false;
    }
    const cfg = this.cfg;
    const ts = seg.options.timestamp;
    let wscale: number | undefined;
    let sackPermitted = false;
    let ecn = false;
    if (cfg.timestamps && !cfg.noOptions && ts) {
      const bits = k.decodeTimestamp(ts.echo, { windowScaling: cfg.windowScaling, sack: cfg.sack, ecn: cfg.ecn !== 'off' });
      if (bits === undefined) {
        c.SyncookiesFailed++; // claims an option our SYN-ACK could not have offered
        return false;
      }
      ({ wscale, sackPermitted, ecn } = bits);
    }
    c.SyncookiesRecv++;
    if (l.acceptQueueFull || this.conns.size >= this.limits.maxConnections) {
      // As for a normal handshake (Linux's tcp_v4_syn_recv_sock): dropped; the client's next segment,
      // carrying the same cookie, tries again.
      if (this.conns.size >= this.limits.maxConnections) c.TCPConnectionLimitDrops++;
      c.InSegs++;
      c.ListenOverflows++;
      c.ListenDrops++;
      return true;
    }
    const tcb = Tcb.fromCookie({ ...this.tcbOptions(local, remote, now, l.tcp), iss }, { irs, iss, mss: check.mss, wscale, sackPermitted, ecn }, seg, now);
    if (tcb.state === 'CLOSED' || tcb.state === 'SYN-RECEIVED') {
      // Not acceptable after all (e.g. a TSval failing PAWS): nothing to keep, and nothing it queued is sent.
      return true;
    }
    const conn = this.register(tcb, local, remote, now);
    conn.listener = l;
    l.synQueue.add(conn); // only for touched(): it moves to the accept queue on 'connected' at once
    this.touched(conn, now);
    return true;
  }

  private icmpInput(bytes: Uint8Array, ipp: IpPacket, now: number): void {
    const c = this.counters.icmp;
    c.InMsgs++;
    const m = decodeIcmp(bytes, ipp);
    if (!m.ok) {
      c.InErrors++;
      return;
    }
    if (!m.checksumValid) {
      c.InCsumErrors++;
      c.InErrors++;
      return;
    }
    const echo = m.version === 4 ? Icmp4Type.ECHO_REQUEST : Icmp6Type.ECHO_REQUEST;
    if (m.type === echo && m.code === 0) {
      c.InEchos++;
      c.OutEchoReps++;
      c.OutMsgs++;
      this.out.push(echoReplyFor(bytes, ipp, m));
      return;
    }
    if (!m.error) return;
    // Counted by type, as RFC 4293's icmpMsgStatsInPkts and netstat -s tell them apart.
    if (m.type === (m.version === 4 ? Icmp4Type.DEST_UNREACHABLE : Icmp6Type.DEST_UNREACHABLE)) c.InDestUnreachs++;
    else if (m.type === (m.version === 4 ? Icmp4Type.TIME_EXCEEDED : Icmp6Type.TIME_EXCEEDED)) c.InTimeExcds++;
    else if (m.version === 6 && m.type === Icmp6Type.PACKET_TOO_BIG) c.InPktTooBigs++;
    const q = m.quoted;
    // The quoted packet is one we sent: its source is us, its destination the peer.
    if (!q || q.protocol !== IpProtocol.TCP || !this.isLocal(q.src)) {
      c.InErrorsIgnored++;
      return;
    }
    const conn = this.conns.get(q.src, q.srcPort, q.dst, q.dstPort);
    if (!conn || !conn.tcb.icmpError(m.error, q.seq, m.mtu, now)) {
      c.InErrorsIgnored++;
      return;
    }
    this.touched(conn, now);
  }

  /** The next packet to send, or undefined. Call until undefined after any input, call or timeout. */
  pollTransmit(now: number): Uint8Array | undefined {
    this.transmitGsoSize = 0;
    this.transmitGsoPayload = EMPTY_PAYLOAD;
    const queued = this.outHead < this.out.length ? this.out[this.outHead++] : undefined;
    if (this.outHead === this.out.length && this.outHead > 0) {
      this.out.length = 0;
      this.outHead = 0;
    }
    if (queued) {
      this.counters.ip.OutRequests++;
      return queued;
    }
    const dirty = this.dirty;
    while (this.dirtyHead < this.dirtyCount) {
      const conn = dirty[this.dirtyHead]!;
      if (conn.dirty) {
        const seg = conn.tcb.pollTransmit(now);
        if (seg) {
          const gso = seg.gsoSize;
          if (gso !== undefined && gso > 0 && seg.payload.length > gso) return this.encodeOffloaded(conn, seg, gso);
          this.counters.ip.OutRequests++;
          return this.encode(conn.local, conn.remote, seg, conn.tcb.config, this.nextIpId(conn));
        }
        conn.dirty = false;
        this.settle(conn, now);
      }
      dirty[this.dirtyHead++] = undefined;
    }
    this.dirtyHead = 0;
    this.dirtyCount = 0;
    if (dirty.length > EVENTS_KEPT) dirty.length = 0;
    return undefined;
  }

  /** The earliest time `handleTimeout` has work to do, or undefined. */
  pollTimeout(): number | undefined {
    const a = this.timers.peekDeadline();
    const b = this.timeWaitTimers.peekDeadline();
    return a === undefined ? b : b === undefined || a <= b ? a : b;
  }

  handleTimeout(now: number): void {
    for (let tw = this.timeWaitTimers.popDue(now); tw; tw = this.timeWaitTimers.popDue(now)) {
      if (tw.expiresAt > now) this.timeWaitTimers.schedule(tw.expiresAt, tw); // 2*MSL restarted by a FIN
      else {
        if (this.trace !== undefined) this.trace.timer(tw.local, tw.remote, 'time-wait', 'fired', tw.expiresAt, now);
        this.endTimeWait(tw, now);
      }
    }
    for (let conn = this.timers.popDue(now); conn; conn = this.timers.popDue(now)) {
      if (!this.conns.holds(conn)) continue;
      const due = conn.tcb.pollTimeout();
      if (due !== undefined && due <= now) conn.tcb.handleTimeout(now);
      this.touched(conn, now);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bookkeeping

  /** A connection's TCB was given input or a user call: collect its events, output and timers. */
  touched(conn: Connection, now: number): void {
    const tcb = conn.tcb;
    for (let e = tcb.pollEvent(); e; e = tcb.pollEvent()) {
      if (e.type === 'fast-open') {
        this.fastOpenLearnt(conn, e, now);
        continue;
      }
      if (e.type === 'connected' && conn.listener) {
        // SYN queue -> accept queue (a Fast Open child is there already).
        const l = conn.listener;
        if (l.synQueue.delete(conn)) {
          l.acceptQueue.push(conn);
          this.pushEvent({ type: 'connection', listener: l });
        }
        continue;
      }
      if (conn.listener && conn.listener.synQueue.has(conn)) continue; // nobody holds it yet
      this.pushEvent({ type: 'event', connection: conn, event: e });
    }
    // A Fast Open child leaves its listener's pending queue when the handshake completes or fails.
    if (this.fastOpenChildren.size !== 0 && tcb.state !== 'SYN-RECEIVED') this.fastOpenDone(conn);
    if (conn.timeWait) return; // its 4-tuple is a compact TIME-WAIT entry now: the TCB sends nothing
    this.account(conn);
    if (!conn.dirty) {
      conn.dirty = true;
      this.dirty[this.dirtyCount++] = conn;
    }
    this.settle(conn, now);
  }

  /** File the connection's next deadline, or forget it once CLOSED with nothing left to send. */
  private settle(conn: Connection, now: number): void {
    const tcb = conn.tcb;
    if (tcb.state === 'CLOSED') {
      if (!conn.dirty) this.forget(conn);
      return;
    }
    if (tcb.state === 'TIME-WAIT' && !conn.dirty) {
      this.enterTimeWait(conn, now);
      return;
    }
    const due = tcb.pollTimeout();
    // One entry per connection, moved earlier in place; a later deadline leaves it (it wakes early).
    if (due !== undefined) this.timers.schedule(due, conn);
  }

  /** Keep the orphan set and the reassembly total in step with a TCB just given input or a call. */
  private account(conn: Connection): void {
    const tcb = conn.tcb;
    const ooo = tcb.receiveBuffer.outOfOrderBytes;
    if (ooo !== conn.oooBytes) {
      this.reassemblyTotal += ooo - conn.oooBytes;
      conn.oooBytes = ooo;
    }
    const orphan = tcb.closing.userClosed && isOrphanState(tcb.state);
    if (orphan !== conn.orphan) {
      conn.orphan = orphan;
      this.orphans += orphan ? 1 : -1;
    }
  }

  /**
   * The application's CLOSE (§3.10.4). One that would leave more than `limits.maxOrphans` connections
   * closed but unfinished resets this one instead (Linux's tcp_close() with tcp_check_oom(): an active
   * reset, TCPAbortOnMemory).
   */
  closeConnection(conn: Connection, now: number): void {
    const tcb = conn.tcb;
    if (!conn.timeWait && !conn.orphan && this.orphans >= this.limits.maxOrphans && wouldOrphan(tcb.state)) {
      this.counters.tcp.TCPAbortOnMemory++;
      tcb.abort(now);
    } else tcb.close(now);
    this.touched(conn, now);
  }

  /** How many orphans the stack holds (at most `limits.maxOrphans`). */
  get orphanCount(): number {
    return this.orphans;
  }

  /** Out-of-order bytes held across the stack's connections (at most about `limits.reassemblyBytes`). */
  get reassemblyBytes(): number {
    return this.reassemblyTotal;
  }

  private fastOpenDone(conn: Connection): void {
    const l = this.fastOpenChildren.get(conn);
    if (l === undefined) return;
    this.fastOpenChildren.delete(conn);
    l.fastOpenPending--;
  }

  private forget(conn: Connection): void {
    if (this.fastOpenChildren.size !== 0) this.fastOpenDone(conn);
    if (conn.orphan) {
      conn.orphan = false;
      this.orphans--;
    }
    this.reassemblyTotal -= conn.oooBytes;
    conn.oooBytes = 0;
    this.conns.delete(conn);
    conn.dirty = false;
    this.timers.remove(conn);
    const l = conn.listener;
    if (l) {
      l.synQueue.delete(conn);
      const i = l.acceptQueue.indexOf(conn);
      // acceptQueueKeepsClosed: a connection that ended there stays to be accepted (closed).
      if (i >= 0 && !(conn.tcb.config.acceptQueueKeepsClosed && conn.state === 'CLOSED' && !l.closed)) l.acceptQueue.splice(i, 1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Compact TIME-WAIT (time-wait.ts)

  /** Whether a 4-tuple is taken, by a connection or a TIME-WAIT entry. */
  private tupleInUse(laddr: IpAddress, lport: number, raddr: IpAddress, rport: number): boolean {
    if (this.conns.has(laddr, lport, raddr, rport)) return true;
    return this.timeWait.size > 0 && this.timeWait.has(laddr, lport, raddr, rport);
  }

  /** A connection reached TIME-WAIT with nothing left to send: its TCB gives way to a compact entry. */
  private enterTimeWait(conn: Connection, now: number): void {
    const tcb = conn.tcb;
    const tw: TimeWait<Endpoint, Connection> = new TimeWait(conn.local, conn.remote, tcb);
    this.forget(conn);
    conn.timeWait = true;
    tcb.releaseForTimeWait(tw);
    tw.owner = conn;
    if (this.timeWait.size >= this.limits.timeWaitMax) {
      // Linux's tcp_max_tw_buckets: beyond it the oldest entry is recycled (counted as TCPTimeWaitOverflow):
      // the first in the timer heap, which keeps each entry's first 2*MSL deadline (a FIN's restart is
      // filed when that deadline comes).
      const oldest = this.timeWaitTimers.peek();
      this.counters.tcp.TCPTimeWaitOverflow++;
      if (oldest !== undefined) this.endTimeWait(oldest, now);
      if (this.limits.timeWaitMax <= 0) {
        this.closeOwner(tw, now);
        return;
      }
    }
    this.timeWait.set(tw);
    this.timeWaitTimers.schedule(tw.expiresAt, tw);
  }

  /** TIME-WAIT over (2*MSL, a new incarnation, recycled, or reset): the 4-tuple is free. */
  private endTimeWait(tw: TimeWait<Endpoint, Connection>, now: number): void {
    this.timeWait.delete(tw);
    this.timeWaitTimers.remove(tw);
    this.closeOwner(tw, now);
  }

  /** The application's connection goes to CLOSED as its TCB's 2*MSL would take it. */
  private closeOwner(tw: TimeWait<Endpoint, Connection>, now: number): void {
    const conn = tw.owner;
    tw.owner = undefined;
    if (conn === undefined) return;
    conn.tcb.timeWaitRecord = undefined;
    if (conn.tcb.state !== 'TIME-WAIT') return;
    // TIME-WAIT's abort sends nothing (§3.10.5: "delete the TCB"); the 'closed' event reaches the application.
    conn.tcb.abort(now);
    this.touched(conn, now);
  }

  /**
   * End a TIME-WAIT entry before its 2*MSL, as an administrator's tool does (FreeBSD's tcpdrop,
   * tcp_twclose; Linux's `ss -K`): the 4-tuple is free again, nothing is sent, and a connection the
   * application still holds goes to CLOSED. Returns whether there was such an entry.
   */
  dropTimeWait(local: Endpoint, remote: Endpoint, now: number): boolean {
    const tw = this.timeWait.get(local.address, local.port, remote.address, remote.port);
    if (tw === undefined) return false;
    this.endTimeWait(tw, now);
    return true;
  }

  /** The compact TIME-WAIT entries, for listings (in no particular order). */
  timeWaitEntries(): IterableIterator<TimeWait<Endpoint, Connection>> {
    return this.timeWait.values();
  }

  /** How many TIME-WAIT entries the stack holds (at most `limits.timeWaitMax`). */
  get timeWaitCount(): number {
    return this.timeWait.size;
  }

  private register(tcb: Tcb, local: Endpoint, remote: Endpoint, now: number): Connection {
    const conn = new Connection(tcb, local, remote, this, now);
    tcb.gsoMaxSize = this.gsoMaxSize;
    this.conns.set(conn);
    if (this.trace !== undefined) tcb.setTrace(this.trace.connection(conn));
    return conn;
  }

  /** Tell the trace sink of a segment the stack discarded (only while tracing). */
  private traceDrop(ipp: IpPacket, h: { srcPort: number; dstPort: number; seq: number; headerLength: number }, why: string, now: number): void {
    const local: Endpoint = { address: ipp.ip.dst, port: h.dstPort };
    const remote: Endpoint = { address: ipp.ip.src, port: h.srcPort };
    this.trace!.drop(local, remote, h.seq, ipp.payloadLength - h.headerLength, why, now);
  }

  private tcbOptions(local: Endpoint, remote: Endpoint, now: number, tcp?: Partial<TcpConfig>) {
    return {
      localPort: local.port,
      remotePort: remote.port,
      ipVersion: (typeof local.address === 'number' ? 4 : 6) as 4 | 6,
      iss: this.isn.isn(local.address, local.port, remote.address, remote.port, now),
      tsOffset: this.tsOffsets.offset(local.address, local.port, remote.address, remote.port),
      config: tcp ? { ...this.cfg, ...userBuffers(tcp) } : (this.sharedConfig ??= shareConfig(this.cfg)),
      random: this.random,
      stats: this.counters.tcp,
      challengeAckBudget: this.challengeAckBudget,
    };
  }

  private newTcb(local: Endpoint, remote: Endpoint, now: number, tcp?: Partial<TcpConfig>): Tcb {
    return new Tcb(this.tcbOptions(local, remote, now, tcp));
  }

  /**
   * Build the IP packet for a segment. The spec objects are the stack's own, refilled per packet
   * (writeTcpPacket, encodeTcpPacket without its argument checks, keeps no reference to them), so
   * encoding allocates only the packet.
   */
  /** The IP packet of a segment; `cfg` is the connection's, for its TTL, TOS and DF bit (IP_TTL, IP_TOS, IP_MTU_DISCOVER). */
  private encode(local: Endpoint, remote: Endpoint, seg: Segment, cfg?: TcpConfig, id = 0): Uint8Array {
    const spec = this.fillSpec(local, remote, seg, cfg, id);
    const packet = writeTcpPacket(spec, this.packetSpace(tcpPacketLength(spec)), this.slabUsed);
    this.slabUsed += (packet.length + 7) & ~7;
    spec.tcp = EMPTY_SEGMENT; // hold no reference to the segment or its payload
    spec.payload = undefined;
    return packet;
  }

  /** The stack's packet spec, filled in for `seg` (encode's and encodeOffloaded's). */
  private fillSpec(local: Endpoint, remote: Endpoint, seg: Segment, cfg: TcpConfig | undefined, id: number): TcpPacketSpec {
    const spec = this.spec;
    const ttl = cfg?.ipTtl ?? this.ttl;
    const dscp = cfg === undefined ? 0 : cfg.ipTos >>> 2;
    if (typeof local.address === 'number') {
      const ip = this.ip4;
      ip.src = local.address;
      ip.dst = remote.address as number;
      ip.identification = id;
      ip.ttl = ttl;
      ip.dscp = dscp;
      ip.ecn = seg.ipEcn ?? 0;
      ip.dontFragment = cfg?.ipDontFragment ?? true;
      spec.ip = ip;
    } else {
      const ip = this.ip6;
      ip.src = local.address;
      ip.dst = remote.address as Uint8Array;
      ip.hopLimit = ttl;
      ip.dscp = dscp;
      ip.ecn = seg.ipEcn ?? 0;
      spec.ip = ip;
    }
    spec.tcp = seg;
    spec.payload = seg.payload;
    return spec;
  }

  /**
   * A segment the device will cut (Segment.gsoSize): one packet, its IPv4 ID the first piece's and the
   * connection's counter moved past every piece's, as if they had been sent one by one; its TCP
   * checksum left for the cutter, which computes each piece's (a sum over the whole would be wasted).
   */
  private encodeOffloaded(conn: Connection, seg: Segment, gso: number): Uint8Array {
    const pieces = Math.ceil(seg.payload.length / gso);
    this.counters.ip.OutRequests += pieces;
    const id = this.nextIpId(conn);
    conn.ipId = (id + pieces) & 0xffff;
    const spec = this.fillSpec(conn.local, conn.remote, seg, conn.tcb.config, id);
    const headers = writeTcpPacketHeaders(spec, (this.gsoHeaders ??= new Uint8Array(GSO_HEADERS_MAX)), 0);
    spec.tcp = EMPTY_SEGMENT;
    spec.payload = undefined;
    this.transmitGsoSize = gso;
    this.transmitGsoPayload = seg.payload;
    return headers;
  }

  /**
   * Room for a packet of `length` bytes at `slabUsed` of the returned slab. Packets are cut from
   * slabs (as Node pools small Buffers) rather than each getting an ArrayBuffer of its own, which
   * costs more than encoding it; a slab is never written again once used up, so packets handed out
   * stay as they were sent, and it is freed when no packet (or received payload view) holds it.
   */
  private packetSpace(length: number): Uint8Array {
    if (this.slabUsed + length > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, length));
      this.slabUsed = 0;
    }
    return this.slab;
  }

  /**
   * The IPv4 ID of a connection's next packet: a counter of its own, started from a keyed hash of its
   * 4-tuple (its timestamp offset) and the stack's salt. Never one counter for the stack: the IDs an
   * off-path attacker reads on its own connection would step once for every packet any other
   * connection sent, telling it whether a guessed connection answered a spoofed segment (the "mixed
   * IPID" side channel; Linux keeps a counter per socket). Every segment has DF set, an atomic
   * datagram, whose ID RFC 6864 §4.1 leaves to the source; packets of no connection (RSTs for
   * strangers, TIME-WAIT answers, cookie SYN-ACKs) carry 0, as Linux's do.
   */
  private nextIpId(conn: Connection): number {
    let id = conn.ipId;
    if (id < 0) id = ((conn.tcb.tsOffset32 >>> 16) ^ this.ipIdSalt) & 0xffff;
    conn.ipId = (id + 1) & 0xffff;
    return id;
  }

  private queueSegment(local: Endpoint, remote: Endpoint, seg: Segment): void {
    if (seg.flags & TcpFlag.RST) this.counters.tcp.OutRsts++;
    this.counters.tcp.OutSegs++;
    this.out.push(this.encode(local, remote, seg));
  }

  private isLocal(a: IpAddress): boolean {
    for (const mine of this.addresses) if (sameAddress(mine, a)) return true;
    return false;
  }

  private listenerKey(address: IpAddress | undefined, port: number): string {
    return address === undefined ? `*:${port}` : `${addressKey(address)}:${port}`;
  }

  /** Whether `port` is listened on at `address` or at the wildcard (or anywhere, for a wildcard). */
  private portListened(port: number, address: IpAddress | undefined): boolean {
    // By the port's own list (no key string made: a connect asks this of every port it tries).
    const onPort = this.listenersByPort.get(port);
    if (onPort === undefined) return false;
    if (address === undefined) return true;
    for (const l of onPort) if (l.address === undefined || sameAddress(l.address, address)) return true;
    return false;
  }

  /** The listener for a local endpoint: one bound to its address, else one on every address. */
  private findListener(local: Endpoint): Listener | undefined {
    const onPort = this.listenersByPort.get(local.port);
    if (onPort === undefined) return undefined;
    let wildcard: Listener | undefined;
    for (const l of onPort) {
      if (l.address === undefined) wildcard = l;
      else if (sameAddress(l.address, local.address)) return l;
    }
    return wildcard;
  }

  /** The stack's first address of a family. */
  addressOf(version: 4 | 6): IpAddress | undefined {
    return this.addresses.find((a) => (typeof a === 'number') === (version === 4));
  }
}

/** FIN-WAIT-1, FIN-WAIT-2, CLOSING, LAST-ACK: where a closed connection still finishes (an orphan, if closed). */
function isOrphanState(s: TcpState): boolean {
  return s === 'FIN-WAIT-1' || s === 'FIN-WAIT-2' || s === 'CLOSING' || s === 'LAST-ACK';
}

/** States from which CLOSE leaves an unfinished connection behind. */
function wouldOrphan(s: TcpState): boolean {
  return s === 'SYN-RECEIVED' || s === 'ESTABLISHED' || s === 'CLOSE-WAIT' || isOrphanState(s);
}

/** The stack's reusable TCP header (see Stack.rx), with the Segment's gsoSize among its fields from the start. */
function reusableTcpHeaderWithGso(): ReusableTcpHeader {
  const r = reusableTcpHeader();
  (r.header as Segment).gsoSize = 0;
  return r;
}
