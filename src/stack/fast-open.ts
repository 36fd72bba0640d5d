/**
 * TCP Fast Open (RFC 7413), the host's half: the server's cookies and keys, the client's cookie cache
 * per server, and the settings (Linux's net.ipv4.tcp_fastopen bits and tcp_fastopen_key).
 *
 * Server cookies (§4.1.2): a keyed function of the client's IP address, so that a cookie proves the
 * client can receive at that address and costs the server no state. The function is Linux's:
 * SipHash-2-4 of the SYN's source and destination addresses (in that order, network byte order)
 * under a 128-bit key, the 64-bit result written little-endian as an 8-byte cookie. A primary key makes
 * cookies; a backup key is still accepted, so keys rotate without failing every cached cookie at once
 * (a cookie under the backup key is accepted and answered with a fresh one under the primary).
 *
 * Client cache (§4.1.3): per server address, the last well-formed cookie and the MSS learnt with it
 * (so the next SYN's data fits), and a mark when a SYN with data to that server went unanswered, after
 * which Fast Open is not tried toward it for `blackholeMs` (Linux's active blackhole detection, made
 * per path): a middlebox that drops such SYNs costs one timeout, not every connection.
 */
import type { IpAddress } from '../wire/index.js';
import type { RandomSource } from '../tcp/random.js';
import { SipKey, sipHash24Bytes } from '../tcp/siphash.js';
import { addressKey } from './endpoint.js';

export interface FastOpenSettings {
  /** Our connect()s with `fastOpen` may use it (Linux's tcp_fastopen bit 0x1; on). */
  client: boolean;
  /**
   * With no cookie cached, our Fast Open SYNs carry data and no option at all (bit 0x4, Linux's
   * TFO_CLIENT_NO_COOKIE; off): RFC 7413 §4.1.3 lets a client so configured send without a cookie.
   */
  clientNoCookie: boolean;
  /** Listeners with a Fast Open queue accept data on SYNs (bit 0x2; on). */
  server: boolean;
  /** Accept a SYN's data without a cookie (bit 0x200, TFO_SERVER_COOKIE_NOT_REQD; off). */
  cookieNotRequired: boolean;
  /**
   * Fast Open queue of listeners that did not ask for one: a length, 'backlog' (the listen backlog, as
   * Linux's bit 0x400 gives every listener), or 0 (none).
   */
  defaultQueue: number | 'backlog';
  /** Our SYNs' cookie requests use the experimental option (kind 254, magic 0xF989); off: kind 34. */
  experimentalOption: boolean;
  /** How long a path stays without Fast Open after a SYN with data timed out (ms; Linux's first back-off is an hour). */
  blackholeMs: number;
  /** Entries in the client's cookie cache (Linux keeps cookies in its TCP metrics cache, similar in size). */
  cacheSize: number;
}

export const DEFAULT_FAST_OPEN: Readonly<FastOpenSettings> = Object.freeze({
  client: true,
  clientNoCookie: false,
  server: true,
  cookieNotRequired: false,
  defaultQueue: 0,
  experimentalOption: false,
  blackholeMs: 3_600_000,
  cacheSize: 1024,
});

/** Cookie length: 8 bytes, as Linux's TCP_FASTOPEN_COOKIE_SIZE (RFC 7413 allows 4 to 16). */
export const FAST_OPEN_COOKIE_BYTES = 8;

/** A server's keys: the primary makes cookies, the backup is still accepted. */
export class FastOpenKeys {
  private primary: SipKey;
  private backup: SipKey | undefined;
  private readonly scratch = new Uint8Array(32);

  /** Keys are 16 bytes each, as TCP_FASTOPEN_KEY takes them (or the sysctl's four words, little-endian each). */
  constructor(primary: Uint8Array, backup?: Uint8Array) {
    this.primary = new SipKey(primary);
    this.backup = backup === undefined ? undefined : new SipKey(backup);
  }

  static random(random: RandomSource): FastOpenKeys {
    const k = new Uint8Array(16);
    random.fill(k);
    return new FastOpenKeys(k);
  }

  /** A new primary key; the old one becomes the backup (rotation). */
  rotate(primary: Uint8Array): void {
    this.backup = this.primary;
    this.primary = new SipKey(primary);
  }

  /** The cookie for a client at `client` reaching us at `server`, under the primary key. */
  cookie(client: IpAddress, server: IpAddress): Uint8Array {
    return this.cookieUnder(this.primary, client, server);
  }

  /** 'primary', 'backup' or undefined (not a valid cookie for this client). */
  check(cookie: Uint8Array, client: IpAddress, server: IpAddress): 'primary' | 'backup' | undefined {
    if (cookie.length !== FAST_OPEN_COOKIE_BYTES) return undefined;
    if (sameBytes(cookie, this.cookieUnder(this.primary, client, server))) return 'primary';
    if (this.backup !== undefined && sameBytes(cookie, this.cookieUnder(this.backup, client, server))) return 'backup';
    return undefined;
  }

  private cookieUnder(key: SipKey, client: IpAddress, server: IpAddress): Uint8Array {
    const s = this.scratch;
    const n = putAddress(s, putAddress(s, 0, client), server);
    return sipHash24Bytes(key, s.subarray(0, n));
  }
}

function putAddress(out: Uint8Array, i: number, a: IpAddress): number {
  if (typeof a === 'number') {
    out[i] = a >>> 24;
    out[i + 1] = a >>> 16;
    out[i + 2] = a >>> 8;
    out[i + 3] = a;
    return i + 4;
  }
  out.set(a, i);
  return i + 16;
}

/** Compared in full whatever the bytes (no early exit a timing side channel could measure). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** What the client knows of one server. */
export interface FastOpenCacheEntry {
  /** A well-formed cookie from the server's last SYN-ACK that carried one. */
  cookie: Uint8Array | undefined;
  /** The cookie came in the experimental option: ask and send in that form too. */
  exp: boolean;
  /** The server's MSS from its last SYN-ACK. */
  mss: number | undefined;
  /** A SYN with data to this server timed out: no Fast Open toward it before this time (ms). */
  blackholeUntil: number | undefined;
}

/** The client's cache, by server address, oldest entry out first when full. */
export class FastOpenCache {
  private readonly entries = new Map<string, FastOpenCacheEntry>();

  constructor(private readonly size: () => number) {}

  get(server: IpAddress): FastOpenCacheEntry | undefined {
    return this.entries.get(addressKey(server));
  }

  private entry(server: IpAddress): FastOpenCacheEntry {
    const key = addressKey(server);
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.size()) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      e = { cookie: undefined, exp: false, mss: undefined, blackholeUntil: undefined };
      this.entries.set(key, e);
    }
    return e;
  }

  /** A SYN-ACK answered our Fast Open SYN: keep its MSS, and its cookie when it carried one. */
  learn(server: IpAddress, cookie: Uint8Array | undefined, exp: boolean, mss: number | undefined): void {
    const e = this.entry(server);
    if (mss !== undefined && mss > 0) e.mss = mss;
    if (cookie !== undefined) {
      e.cookie = cookie;
      e.exp = exp;
    }
  }

  /** A SYN with data to `server` went unanswered: mark the path until `until`. */
  markBlackhole(server: IpAddress, until: number): void {
    this.entry(server).blackholeUntil = until;
  }

  /** Forget everything (tests, and the packetdrill runner between scripts). */
  clear(): void {
    this.entries.clear();
  }

  get count(): number {
    return this.entries.size;
  }
}
