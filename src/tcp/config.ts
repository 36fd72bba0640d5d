/**
 * Every protocol default in one place, each with where it comes from. Override per stack or per
 * connection with a partial object (`resolveConfig`).
 */
export interface TcpConfig {
  /** Our MTU toward the peer; the MSS we advertise is derived from it (RFC 9293 §3.7.1, RFC 6691). */
  mtu: number;
  /** Overrides the derived MSS option value when set. */
  mss: number | undefined;
  /** Receive buffer (bytes): bounds the window we advertise. Linux's initial tcp_rmem is 128 KiB. */
  receiveBufferSize: number;
  /** Send buffer (bytes): how much unacknowledged plus unsent data `send` accepts. */
  sendBufferSize: number;
  /** Offer window scaling (RFC 7323 §2). */
  windowScaling: boolean;
  /** Our shift count; 'auto' picks the smallest that lets receiveBufferSize be advertised (max 14). */
  windowScale: number | 'auto';
  /** Offer timestamps (RFC 7323 §3). */
  timestamps: boolean;
  /** Offer SACK (RFC 2018). */
  sack: boolean;
  /** RFC 7323 §3.2: once timestamps are in use, drop non-RST segments that lack them (a SHOULD). */
  requireTimestamps: boolean;
  /** RFC 6298 §2.1: 1 s. */
  initialRtoMs: number;
  /** RFC 6298 §2.4 says 1 s; Linux uses 200 ms (TCP_RTO_MIN) and so do we, as RFC 6298 allows. */
  minRtoMs: number;
  /** RFC 6298 §2.5 allows a maximum of at least 60 s; Linux uses 120 s (TCP_RTO_MAX). */
  maxRtoMs: number;
  /** RFC 6298's clock granularity G (ms). */
  clockGranularityMs: number;
  /**
   * SYN retransmissions before connect fails with ETIMEDOUT. RFC 9293 §3.8.3: R2 for a SYN MUST cover
   * at least 3 minutes; 7 retries from a 1 s RTO give up after 247 s (1+2+...+64 s, then the eighth
   * wait is capped at maxRtoMs, 120 s); Linux's 6 give up at 127 s.
   */
  synRetries: number;
  /** SYN-ACK retransmissions in SYN-RECEIVED (Linux tcp_synack_retries: 5). */
  synAckRetries: number;
  /** RFC 9293 §3.8.3: R1, retransmissions after which the IP layer is advised (at least 3). */
  r1: number;
  /** R2 as a count of retransmissions before the connection is aborted (Linux tcp_retries2: 15, ~15 min). */
  r2: number;
  /** RFC 5482 / RFC 9293 §3.8.3 user timeout (ms): abort when sent data stays unacknowledged this long. */
  userTimeoutMs: number | undefined;
  /** Maximum segment lifetime. TIME-WAIT lasts 2*MSL: 60 s like Linux (RFC 9293's MSL of 2 min is a historical upper bound). */
  mslMs: number;
  /** How long a connection the application has closed may wait in FIN-WAIT-2 (Linux tcp_fin_timeout: 60 s). */
  finWait2TimeoutMs: number;
  /** RFC 9293 §3.8.4: keep-alives MUST default to off. */
  keepAlive: boolean;
  /** Idle time before the first keep-alive probe: MUST be no less than 2 hours by default. */
  keepAliveIdleMs: number;
  /** Between unanswered probes (Linux tcp_keepalive_intvl: 75 s). */
  keepAliveIntervalMs: number;
  /** Unanswered probes before the connection is aborted (Linux tcp_keepalive_probes: 9). */
  keepAliveProbes: number;
  /** Maximum ACK delay (RFC 9293 §3.8.6.3: under 0.5 s; Linux's minimum delayed-ACK is 40 ms). 0 acks at once. */
  ackDelayMs: number;
  /** Disable Nagle's algorithm (RFC 9293 §3.7.4); like TCP_NODELAY. */
  noDelay: boolean;
  /** RFC 5961 checks for RST, SYN and ACK. Off is like FreeBSD's net.inet.tcp.insecure_rst=1 (and insecure_syn). */
  rfc5961: boolean;
  /** RFC 5961 §7 challenge-ACK rate limit: at most this many per window (Linux's historical limit: 1000/s). */
  challengeAckLimit: number;
  challengeAckWindowMs: number;
  /** Zero-window probe interval bounds (persist timer), backing off exponentially (RFC 9293 §3.8.6.1). */
  persistMinMs: number;
  persistMaxMs: number;
}

export const DEFAULT_TCP_CONFIG: Readonly<TcpConfig> = Object.freeze({
  mtu: 1500,
  mss: undefined,
  receiveBufferSize: 131072,
  sendBufferSize: 131072,
  windowScaling: true,
  windowScale: 'auto',
  timestamps: true,
  sack: true,
  requireTimestamps: true,
  initialRtoMs: 1000,
  minRtoMs: 200,
  maxRtoMs: 120_000,
  clockGranularityMs: 1,
  synRetries: 7,
  synAckRetries: 5,
  r1: 3,
  r2: 15,
  userTimeoutMs: undefined,
  mslMs: 30_000,
  finWait2TimeoutMs: 60_000,
  keepAlive: false,
  keepAliveIdleMs: 7_200_000,
  keepAliveIntervalMs: 75_000,
  keepAliveProbes: 9,
  ackDelayMs: 40,
  noDelay: false,
  rfc5961: true,
  challengeAckLimit: 1000,
  challengeAckWindowMs: 1000,
  persistMinMs: 200,
  persistMaxMs: 60_000,
});

export function resolveConfig(overrides?: Partial<TcpConfig>): TcpConfig {
  const c = { ...DEFAULT_TCP_CONFIG, ...overrides };
  if (c.minRtoMs > c.maxRtoMs) throw new RangeError('minRtoMs exceeds maxRtoMs');
  if (c.receiveBufferSize < 1 || c.sendBufferSize < 1) throw new RangeError('buffer sizes must be positive');
  if (typeof c.windowScale === 'number' && (c.windowScale < 0 || c.windowScale > 14)) {
    throw new RangeError('windowScale must be 0..14 (RFC 7323 §2.3)');
  }
  return c;
}

/** The MSS option value for an MTU: MTU minus fixed IP and TCP headers (RFC 9293 §3.7.1, RFC 6691). */
export function mssForMtu(mtu: number, ipVersion: 4 | 6): number {
  return Math.max(mtu - (ipVersion === 4 ? 40 : 60), 64);
}

/** RFC 9293 §3.7.1: without an MSS option, assume 536 (IPv4) or 1220 (IPv6). */
export function defaultSendMss(ipVersion: 4 | 6): number {
  return ipVersion === 4 ? 536 : 1220;
}

/** The smallest shift that lets `bytes` be advertised in the 16-bit window field, at most 14 (RFC 7323 §2.3). */
export function windowScaleFor(bytes: number): number {
  let shift = 0;
  while (shift < 14 && bytes >>> shift > 0xffff) shift++;
  return shift;
}
