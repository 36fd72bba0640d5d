/**
 * A connection as the stack's user holds it: the TCB, its 4-tuple, and user calls that tell the stack
 * there may be something to send.
 */
import type { Tcb } from '../tcp/tcb.js';
import type { TcpState } from '../tcp/state.js';
import { asPrintable, endpointToString, inspectCustom, type Endpoint } from './endpoint.js';
import type { Listener } from './listener.js';

/** What the stack needs back from a connection's user calls. */
export interface ConnectionOwner {
  touched(conn: Connection, now: number): void;
  /** The application's CLOSE: the owner applies its orphan bound (see StackLimits.maxOrphans). */
  closeConnection(conn: Connection, now: number): void;
}

export class Connection {
  /** The socket layer's handle for this connection (the stack never looks at it). */
  user: unknown;
  /** The listener this connection arrived on, until the application accepts it. */
  listener: Listener | undefined;
  /** Its position in the stack's timer heap (KeyedTimerHeap), -1 when not filed. */
  heapIndex = -1;
  /** In the stack's list of connections that may have something to send. */
  dirty = false;
  readonly createdAt: number;
  /**
   * Its 4-tuple passed to a compact TIME-WAIT entry (time-wait.ts): the stack no longer feeds or polls
   * this TCB; the application may still read what it holds, and sees CLOSED when the entry ends.
   */
  timeWait = false;
  /** Closed by the application and not yet finished: counted among the stack's orphans (`limits.maxOrphans`). */
  orphan = false;
  /** Out-of-order bytes of this TCB the stack has counted toward `limits.reassemblyBytes`. */
  oooBytes = 0;
  /** The IPv4 ID of its next packet, its own counter (see Stack.nextIpId); -1 before the first. */
  ipId = -1;
  /** The endpoints, printing their addresses as text (see printableEndpoint). */
  readonly local: Endpoint;
  readonly remote: Endpoint;

  constructor(
    readonly tcb: Tcb,
    local: Endpoint,
    remote: Endpoint,
    private readonly owner: ConnectionOwner,
    now: number,
  ) {
    this.local = asPrintable(local);
    this.remote = asPrintable(remote);
    this.createdAt = now;
  }

  /** The 4-tuple as text, remote>local: "198.18.0.1:50000>198.18.0.2:80" (the stack's lookups do not use it). */
  get key(): string {
    return `${endpointToString(this.remote)}>${endpointToString(this.local)}`;
  }

  /** "198.18.0.1:50000 -> 198.18.0.2:80 ESTABLISHED": local, remote, state. */
  toString(): string {
    return `${endpointToString(this.local)} -> ${endpointToString(this.remote)} ${this.state}`;
  }

  toJSON(): { local: string; remote: string; state: TcpState } {
    return { local: endpointToString(this.local), remote: endpointToString(this.remote), state: this.state };
  }

  /** console.log shows the connection in one line, not its whole TCB. */
  [inspectCustom](): string {
    return `Connection <${this.toString()}>`;
  }

  get state(): TcpState {
    return this.tcb.state;
  }

  /**
   * Queue data; returns how many bytes were taken (see Tcb.send). `more`: more data follows soon, so
   * the data is not pushed and a short last segment waits for it (Linux's MSG_MORE).
   */
  send(data: Uint8Array, now: number, more = false): number {
    const n = this.tcb.send(data, now, more);
    this.owner.touched(this, now);
    return n;
  }

  /** End a record at the end of what is queued (Linux's MSG_EOR; see Tcb.endRecord). */
  endRecord(): void {
    this.tcb.endRecord();
  }

  /** Cork or uncork (Linux's TCP_CORK; see Tcb.setCork). */
  setCork(on: boolean, now: number): void {
    this.tcb.setCork(on, now);
    this.owner.touched(this, now);
  }

  /** Turn Nagle's algorithm off (true) or on; turning it off pushes what is queued (Linux's TCP_NODELAY). */
  setNoDelay(noDelay: boolean, now: number): void {
    this.tcb.ownConfig().noDelay = noDelay;
    if (noDelay) this.tcb.push(now);
    this.owner.touched(this, now);
  }

  /** Push what is queued now, whatever a cork or Nagle's algorithm would hold (see Tcb.push). */
  push(now: number): void {
    this.tcb.push(now);
    this.owner.touched(this, now);
  }

  read(max: number | undefined, now: number): Uint8Array | undefined {
    const d = this.tcb.read(max);
    if (d) this.owner.touched(this, now);
    return d;
  }

  shutdown(now: number): void {
    this.tcb.shutdown(now);
    this.owner.touched(this, now);
  }

  close(now: number): void {
    this.owner.closeConnection(this, now);
  }

  abort(now: number): void {
    this.tcb.abort(now);
    this.owner.touched(this, now);
  }
}
