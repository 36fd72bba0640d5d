/**
 * A listening port, with the two queues Linux keeps (DESIGN.md): the SYN queue of half-open
 * connections (SYN-RECEIVED) and the accept queue of established ones the application has not yet
 * accepted, bounded by listen's backlog.
 */
import type { TcpConfig } from '../tcp/config.js';
import type { IpAddress } from '../wire/index.js';
import type { Connection } from './connection.js';
import type { FastOpenKeys } from './fast-open.js';
import { endpointToString, inspectCustom } from './endpoint.js';

export class Listener {
  /** The socket layer's handle (the stack never looks at it). */
  user: unknown;
  readonly synQueue = new Set<Connection>();
  readonly acceptQueue: Connection[] = [];
  closed = false;
  /**
   * When this listener last answered a SYN with a cookie (virtual ms): in 'on-overflow' mode, ACKs
   * are checked for a cookie only while one sent since could still be valid (Linux's synq_overflow_ts).
   */
  cookieSentAt: number | undefined;
  /**
   * Settings of the connections this listener makes from now on, over the stack's (as a socket
   * option set on a listening socket is inherited by the connections it accepts: Linux's TCP_MAXSEG
   * there sets the MSS the SYN-ACK announces). A SYN answered with a cookie takes `mss` from here.
   */
  tcp: Partial<TcpConfig> | undefined;
  /**
   * TCP Fast Open (RFC 7413): how many Fast Open children may wait in SYN-RECEIVED at once (Linux's
   * max_qlen, listen's `fastOpen`); 0: this listener takes no data on SYNs. Beyond it, SYN data is
   * ignored and the handshake proceeds as usual (TCPFastOpenListenOverflow).
   */
  fastOpenQueue = 0;
  /** Fast Open children in SYN-RECEIVED now. */
  fastOpenPending = 0;
  /** This listener's own cookie keys (TCP_FASTOPEN_KEY), else the stack's. */
  fastOpenKeys: FastOpenKeys | undefined;

  constructor(
    /** undefined: every address of the stack (of the family given by `family`, or both). */
    readonly address: IpAddress | undefined,
    readonly port: number,
    public backlog: number,
    public synQueueLimit: number,
  ) {}

  /** "*:80" (every address) or "198.18.0.2:80", as ss shows a listening socket. */
  get local(): string {
    return this.address === undefined ? `*:${this.port}` : endpointToString({ address: this.address, port: this.port });
  }

  /** "LISTEN *:80". */
  toString(): string {
    return `LISTEN ${this.local}`;
  }

  toJSON(): { state: 'LISTEN'; local: string; backlog: number; synQueue: number; acceptQueue: number } {
    return { state: 'LISTEN', local: this.local, backlog: this.backlog, synQueue: this.synQueue.size, acceptQueue: this.acceptQueue.length };
  }

  /** console.log shows the listener in one line, its address as text. */
  [inspectCustom](): string {
    return `Listener <LISTEN ${this.local} backlog ${this.backlog}, ${this.synQueue.size} half-open, ${this.acceptQueue.length} to accept>`;
  }

  /** The next established connection, or undefined. */
  accept(): Connection | undefined {
    const c = this.acceptQueue.shift();
    if (c) c.listener = undefined;
    return c;
  }

  get acceptQueueFull(): boolean {
    return this.acceptQueue.length >= this.backlog;
  }
}
