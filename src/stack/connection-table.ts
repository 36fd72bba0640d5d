/**
 * Connections (or anything else filed by 4-tuple: compact TIME-WAIT entries) by 4-tuple. The
 * demultiplexer runs for every segment received, so an IPv4 lookup is numeric and allocates nothing:
 * the ports and a hash of the remote address make one 30-bit integer, which V8 keeps unboxed (a
 * small integer, hashed and compared about three times faster as a Map key than a larger number),
 * and the few connections that share it are told apart by comparing the whole tuple. IPv6 tuples use
 * a string key.
 */
import type { IpAddress } from '../wire/index.js';
import type { Connection } from './connection.js';
import { connectionKey, sameAddress, type Endpoint } from './endpoint.js';

/** What a table files: its two ends. */
export interface Tupled {
  readonly local: Endpoint;
  readonly remote: Endpoint;
}

/**
 * The numeric key of an IPv4 4-tuple, below 2^30 (a small integer in every V8 build). Not unique,
 * but two tuples that differ only in one port, the remote or the local (a client's connections to
 * one server, a server's from one client), never share a key: the remote port fills bits 14 to 29,
 * the local port bits 0 to 15, and the remote address, mixed by a multiplication (Fibonacci
 * hashing), is spread over all 30.
 */
export function key4(localPort: number, remoteAddress: number, remotePort: number): number {
  return ((remotePort << 14) ^ localPort ^ (Math.imul(remoteAddress, 0x9e3779b1) >>> 2)) & 0x3fffffff;
}

function matches(c: Tupled, localAddress: IpAddress, localPort: number, remoteAddress: IpAddress, remotePort: number): boolean {
  const l = c.local;
  const r = c.remote;
  return l.port === localPort && r.port === remotePort && sameAddress(r.address, remoteAddress) && sameAddress(l.address, localAddress);
}

export class ConnectionTable<T extends Tupled = Connection> {
  /** IPv4: one connection, or an array of those sharing a key. */
  private readonly v4 = new Map<number, T | T[]>();
  private readonly v6 = new Map<string, T>();
  size = 0;

  get(localAddress: IpAddress, localPort: number, remoteAddress: IpAddress, remotePort: number): T | undefined {
    if (typeof remoteAddress !== 'number') {
      return this.v6.get(connectionKey({ address: localAddress, port: localPort }, { address: remoteAddress, port: remotePort }));
    }
    const e = this.v4.get(key4(localPort, remoteAddress, remotePort));
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return matches(e, localAddress, localPort, remoteAddress, remotePort) ? e : undefined;
    for (const c of e) if (matches(c, localAddress, localPort, remoteAddress, remotePort)) return c;
    return undefined;
  }

  has(localAddress: IpAddress, localPort: number, remoteAddress: IpAddress, remotePort: number): boolean {
    return this.get(localAddress, localPort, remoteAddress, remotePort) !== undefined;
  }

  /** Whether this very connection is the one filed under its tuple. */
  holds(c: T): boolean {
    return this.get(c.local.address, c.local.port, c.remote.address, c.remote.port) === c;
  }

  /** File a connection; one already filed under the same tuple is replaced. */
  set(c: T): void {
    const ra = c.remote.address;
    if (typeof ra !== 'number') {
      const k = connectionKey(c.local, c.remote);
      if (!this.v6.has(k)) this.size++;
      this.v6.set(k, c);
      return;
    }
    const k = key4(c.local.port, ra, c.remote.port);
    const e = this.v4.get(k);
    if (e === undefined) {
      this.v4.set(k, c);
      this.size++;
      return;
    }
    const list = Array.isArray(e) ? e : [e];
    const i = list.findIndex((o) => matches(o, c.local.address, c.local.port, ra, c.remote.port));
    if (i >= 0) list[i] = c;
    else {
      list.push(c);
      this.size++;
    }
    this.v4.set(k, list.length === 1 ? list[0] : list);
  }

  /** Remove this connection if it is the one filed under its tuple. */
  delete(c: T): void {
    const ra = c.remote.address;
    if (typeof ra !== 'number') {
      const k = connectionKey(c.local, c.remote);
      if (this.v6.get(k) === c) {
        this.v6.delete(k);
        this.size--;
      }
      return;
    }
    const k = key4(c.local.port, ra, c.remote.port);
    const e = this.v4.get(k);
    if (e === c) {
      this.v4.delete(k);
      this.size--;
    } else if (Array.isArray(e)) {
      const i = e.indexOf(c);
      if (i < 0) return;
      e.splice(i, 1);
      this.size--;
      this.v4.set(k, e.length === 1 ? e[0] : e);
    }
  }

  *values(): IterableIterator<T> {
    for (const e of this.v4.values()) {
      if (Array.isArray(e)) yield* e;
      else yield e;
    }
    yield* this.v6.values();
  }
}
