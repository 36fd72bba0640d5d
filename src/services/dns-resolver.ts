/**
 * A stub resolver (RFC 1035 §7, RFC 1123 §6.1.3): asks its servers for A, AAAA or PTR records over
 * UDP, with a timeout per try that doubles, and the next server on each retry (as resolv.conf's
 * `timeout` and `attempts`); answers are matched by ID, server address and port, and question (RFC
 * 5452 §9.1), so a stray or forged datagram is counted and ignored. Transport-free: the owner gives it
 * `send(bytes, server)` and a timer on its clock, and hands it every datagram from port 53 with
 * `handleResponse`. `lookup` has dns.lookup's signature, so a socket's `lookup` option can take it.
 *
 * Errors carry Node's dns codes: ENOTFOUND (NXDOMAIN), ENODATA (the name has no record of the type),
 * ETIMEOUT (no server answered), ESERVFAIL, EREFUSED, EFORMERR, EBADRESP (a truncated answer and no
 * `queryTcp` to ask again with). A truncated answer is asked again over TCP when `queryTcp` is given.
 */
import { ipToString, parseIp } from '../wire/address.js';
import { decodeDns, DnsClass, DnsRcode, DnsType, encodeDns, reverseName, type DecodedDns } from '../wire/dns.js';
import type { RandomSource } from '../tcp/random.js';

export interface DnsServerAddress {
  address: string;
  port: number;
}

export interface DnsResolverOptions {
  /** "198.18.0.1", "198.18.0.1:5353", "[2001:db8::1]:53" or { address, port }. */
  servers: Array<string | DnsServerAddress>;
  send: (query: Uint8Array, server: DnsServerAddress) => void;
  /** The owner's clock: `now()` in ms, and `at(time, fn)` to be called back at (or after) a time. */
  clock: { now(): number; at(time: number, fn: () => void): void };
  random: RandomSource;
  /** The first try's timeout (ms, default 1000); each retry doubles it. */
  timeoutMs?: number;
  /** Tries per question (default 3), spread over the servers in turn. */
  attempts?: number;
  /**
   * Ask again over TCP when an answer comes back truncated (TC, RFC 1035 §4.2.1, RFC 7766 §5): one
   * query to the same server, resolving to its answer's bytes. Without it a truncated answer with no
   * records is EBADRESP.
   */
  queryTcp?: (query: Uint8Array, server: DnsServerAddress) => Promise<Uint8Array>;
}

export interface DnsResolverCounters {
  queries: number;
  retries: number;
  timeouts: number;
  answers: number;
  /** Truncated answers asked again over TCP. */
  tcpRetries: number;
  /** Datagrams that matched no outstanding question (wrong ID, server or question). */
  mismatched: number;
}

export class DnsLookupError extends Error {
  constructor(
    readonly code: 'ENOTFOUND' | 'ENODATA' | 'ETIMEOUT' | 'ESERVFAIL' | 'EREFUSED' | 'EFORMERR' | 'EBADRESP',
    readonly hostname: string,
    readonly syscall = 'queryA',
  ) {
    super(`${syscall} ${code} ${hostname}`);
    this.name = 'DnsLookupError';
  }
}

interface Pending {
  id: number;
  name: string;
  type: number;
  attempt: number;
  server: DnsServerAddress;
  resolve: (v: string[]) => void;
  reject: (e: Error) => void;
}

function parseServer(s: string | DnsServerAddress): DnsServerAddress {
  if (typeof s !== 'string') return s;
  const m6 = /^\[(.+)\]:(\d+)$/.exec(s);
  if (m6) return { address: m6[1], port: Number(m6[2]) };
  const m4 = /^([\d.]+):(\d+)$/.exec(s);
  if (m4) return { address: m4[1], port: Number(m4[2]) };
  return { address: s, port: 53 };
}

/** dns.lookup's callback: an address and its family, or an error (then the address is undefined). */
export type LookupCallback = (err: Error | null, address: string, family?: number) => void;

export class DnsResolver {
  readonly counters: DnsResolverCounters = { queries: 0, retries: 0, timeouts: 0, answers: 0, tcpRetries: 0, mismatched: 0 };
  readonly servers: DnsServerAddress[];
  private readonly pending = new Map<number, Pending>();
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(private readonly opts: DnsResolverOptions) {
    this.servers = opts.servers.map(parseServer);
    if (this.servers.length === 0) throw new RangeError('DnsResolver: at least one server');
    for (const s of this.servers) if (parseIp(s.address) === undefined || !(s.port >= 1 && s.port <= 65535)) throw new RangeError(`DnsResolver: bad server ${s.address}:${s.port}`);
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.attempts = opts.attempts ?? 3;
  }

  resolve4(name: string): Promise<string[]> {
    return this.query(name, DnsType.A);
  }

  resolve6(name: string): Promise<string[]> {
    return this.query(name, DnsType.AAAA);
  }

  /** The names of an address (PTR). */
  reverse(address: string): Promise<string[]> {
    const a = parseIp(address);
    if (a === undefined) return Promise.reject(new RangeError(`DnsResolver.reverse: not an IP address: ${address}`));
    return this.query(reverseName(a), DnsType.PTR);
  }

  /** dns.lookup's shape: (hostname, [options | family], callback(err, address, family)). Family 0 tries A, then AAAA. */
  readonly lookup = (hostname: string, options: number | { family?: number | string } | LookupCallback, callback?: LookupCallback): void => {
    if (typeof options === 'function') [callback, options] = [options, {}];
    const raw = typeof options === 'number' ? options : options?.family;
    const family = raw === 'IPv4' ? 4 : raw === 'IPv6' ? 6 : Number(raw ?? 0);
    const cb = callback!;
    const literal = parseIp(hostname);
    if (literal !== undefined) return queueMicrotask(() => cb(null, hostname, typeof literal === 'number' ? 4 : 6));
    const v4 = () => this.resolve4(hostname).then((a) => cb(null, a[0], 4));
    const v6 = () => this.resolve6(hostname).then((a) => cb(null, a[0], 6));
    const fail = (e: Error) => (cb as (e: Error) => void)(e);
    if (family === 6) v6().catch(fail);
    else if (family === 4) v4().catch(fail);
    else v4().catch((e: DnsLookupError) => (e.code === 'ENODATA' ? v6() : Promise.reject(e))).catch(fail);
  };

  /** A datagram from a server. Returns whether it answered an outstanding question. */
  handleResponse(data: Uint8Array, from: DnsServerAddress): boolean {
    const m = decodeDns(data);
    const p = m.ok ? this.pending.get(m.id) : undefined;
    const fromAddr = parseIp(from.address);
    const serverAddr = p ? parseIp(p.server.address) : undefined;
    if (
      !m.ok ||
      !p ||
      !m.response ||
      fromAddr === undefined ||
      serverAddr === undefined ||
      ipToString(fromAddr) !== ipToString(serverAddr) ||
      from.port !== p.server.port ||
      m.questions.length !== 1 ||
      m.questions[0].type !== p.type ||
      m.questions[0].name.toLowerCase() !== p.name.toLowerCase()
    ) {
      this.counters.mismatched++;
      return false;
    }
    this.counters.answers++;
    const queryTcp = this.opts.queryTcp;
    if (m.truncated && queryTcp) {
      // The UDP timers stop (they check the attempt); the TCP answer settles the question.
      p.attempt = -1;
      this.counters.tcpRetries++;
      const query = encodeDns({ id: p.id, recursionDesired: true, questions: [{ name: p.name, type: p.type, class: DnsClass.IN }] });
      queryTcp(query, p.server).then(
        (bytes) => {
          const t = decodeDns(bytes);
          if (this.pending.get(p.id) !== p) return;
          this.pending.delete(p.id);
          if (!t.ok || t.id !== p.id || !t.response) p.reject(new DnsLookupError('EBADRESP', p.name));
          else this.settle(p, t);
        },
        () => {
          if (this.pending.get(p.id) !== p) return;
          this.pending.delete(p.id);
          p.reject(new DnsLookupError('ETIMEOUT', p.name));
        },
      );
      return true;
    }
    this.pending.delete(p.id);
    this.settle(p, m);
    return true;
  }

  private settle(p: Pending, m: DecodedDns): void {
    const syscall = p.type === DnsType.A ? 'queryA' : p.type === DnsType.AAAA ? 'queryAaaa' : 'getHostByAddr';
    const fail = (code: DnsLookupError['code']) => p.reject(new DnsLookupError(code, p.name, syscall));
    if (m.rcode === DnsRcode.NXDOMAIN) fail('ENOTFOUND');
    else if (m.rcode === DnsRcode.SERVFAIL) fail('ESERVFAIL');
    else if (m.rcode === DnsRcode.REFUSED) fail('EREFUSED');
    else if (m.rcode !== DnsRcode.NOERROR) fail('EFORMERR');
    else {
      const out: string[] = [];
      for (const r of m.answers) {
        if (r.type !== p.type) continue;
        if (r.data.kind === 'A' || r.data.kind === 'AAAA') out.push(ipToString(r.data.address));
        else if (r.data.kind === 'PTR') out.push(r.data.name);
      }
      if (out.length > 0) p.resolve(out);
      else fail(m.truncated ? 'EBADRESP' : 'ENODATA');
    }
  }

  /** Questions still waiting for an answer. */
  get outstanding(): number {
    return this.pending.size;
  }

  private query(name: string, type: number): Promise<string[]> {
    return new Promise((resolve, reject) => {
      let id: number;
      do id = this.opts.random.nextUint32() & 0xffff;
      while (this.pending.has(id));
      const p: Pending = { id, name: name.replace(/\.$/, ''), type, attempt: 0, server: this.servers[0], resolve, reject };
      this.pending.set(id, p);
      this.counters.queries++;
      this.transmit(p);
    });
  }

  private transmit(p: Pending): void {
    p.server = this.servers[p.attempt % this.servers.length];
    const bytes = encodeDns({ id: p.id, recursionDesired: true, questions: [{ name: p.name, type: p.type, class: DnsClass.IN }] });
    const attempt = p.attempt;
    const clock = this.opts.clock;
    clock.at(clock.now() + this.timeoutMs * 2 ** attempt, () => this.expire(p, attempt));
    this.opts.send(bytes, p.server);
  }

  private expire(p: Pending, attempt: number): void {
    if (this.pending.get(p.id) !== p || p.attempt !== attempt) return;
    if (++p.attempt >= this.attempts) {
      this.pending.delete(p.id);
      this.counters.timeouts++;
      p.reject(new DnsLookupError('ETIMEOUT', p.name, p.type === DnsType.A ? 'queryA' : p.type === DnsType.AAAA ? 'queryAaaa' : 'getHostByAddr'));
      return;
    }
    this.counters.retries++;
    this.transmit(p);
  }
}
