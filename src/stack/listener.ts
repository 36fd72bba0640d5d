/**
 * A listening port, with the two queues Linux keeps (DESIGN.md): the SYN queue of half-open
 * connections (SYN-RECEIVED) and the accept queue of established ones the application has not yet
 * accepted, bounded by listen's backlog.
 */
import type { IpAddress } from '../wire/index.js';
import type { Connection } from './connection.js';

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

  constructor(
    /** undefined: every address of the stack (of the family given by `family`, or both). */
    readonly address: IpAddress | undefined,
    readonly port: number,
    public backlog: number,
    public synQueueLimit: number,
  ) {}

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
