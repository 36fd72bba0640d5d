/**
 * TCP Fast Open (RFC 7413) as Linux's packetdrill scripts configure it: the `net.ipv4.tcp_fastopen`
 * bits, the `tcp_fastopen_key` text and TCP_FASTOPEN_KEY's bytes, and the cookie the scripts name
 * `TFO_COOKIE` (Linux's packetdrill wrapper defines it for its addresses and defaults.sh's key; synack
 * works it out for the script's own addresses and the key in force, which is the same thing).
 */
import type { FastOpenSettings } from '../stack/fast-open.js';
import { FastOpenKeys } from '../stack/fast-open.js';
import type { IpAddress } from '../wire/index.js';

/** Linux's tcp_fastopen bits (include/net/tcp.h). */
export const TFO_CLIENT_ENABLE = 0x1;
export const TFO_SERVER_ENABLE = 0x2;
export const TFO_CLIENT_NO_COOKIE = 0x4;
export const TFO_SERVER_COOKIE_NOT_REQD = 0x200;
/** Every listener does Fast Open without setsockopt(TCP_FASTOPEN), its queue its listen backlog (inet_listen's fastopen_queue_tune). */
export const TFO_SERVER_WO_SOCKOPT1 = 0x400;

/** The bits Linux has that synack models; anything else makes the sysctl unsupported. */
const MODELLED = TFO_CLIENT_ENABLE | TFO_SERVER_ENABLE | TFO_CLIENT_NO_COOKIE | TFO_SERVER_COOKIE_NOT_REQD | TFO_SERVER_WO_SOCKOPT1;

/** The stack's Fast Open settings for a `net.ipv4.tcp_fastopen` value, or why it cannot be honoured. */
export function fastOpenSettingsFor(v: number): Partial<FastOpenSettings> | string {
  if (v < 0) return 'values below 0';
  const bits = v & 0xffff;
  if (bits & ~MODELLED) return `bits 0x${(bits & ~MODELLED).toString(16)} (synack models 0x1, 0x2, 0x4, 0x200 and 0x400)`;
  return {
    client: (bits & TFO_CLIENT_ENABLE) !== 0,
    clientNoCookie: (bits & TFO_CLIENT_NO_COOKIE) !== 0,
    server: (bits & TFO_SERVER_ENABLE) !== 0,
    cookieNotRequired: (bits & TFO_SERVER_COOKIE_NOT_REQD) !== 0,
    defaultQueue: bits & TFO_SERVER_WO_SOCKOPT1 ? 'backlog' : 0,
  };
}

/**
 * `tcp_fastopen_key`'s text, "a0bf63f7-ed803d81-cd641d30-cebc4a90" (and ",backup" in the same form):
 * four 32-bit words, each stored little-endian (Linux's proc_tcp_fastopen_key), which is the byte
 * order TCP_FASTOPEN_KEY takes the key in.
 */
export function fastOpenKeyBytes(text: string): Uint8Array[] | undefined {
  const keys = text.trim().split(',');
  const out: Uint8Array[] = [];
  for (const k of keys) {
    const words = k.split('-');
    if (words.length !== 4 || words.some((w) => !/^[0-9a-f]{1,8}$/i.test(w))) return undefined;
    const b = new Uint8Array(16);
    words.forEach((w, i) => {
      const n = parseInt(w, 16) >>> 0;
      b[4 * i] = n & 0xff;
      b[4 * i + 1] = (n >>> 8) & 0xff;
      b[4 * i + 2] = (n >>> 16) & 0xff;
      b[4 * i + 3] = n >>> 24;
    });
    out.push(b);
  }
  return out.length > 0 && out.length <= 2 ? out : undefined;
}

/** The cookie (hex) a listener under `key` grants `client` reaching it at `server`: TFO_COOKIE. */
export function cookieHex(key: Uint8Array, client: IpAddress, server: IpAddress): string {
  const c = new FastOpenKeys(key).cookie(client, server);
  let s = '';
  for (const b of c) s += b.toString(16).padStart(2, '0');
  return s;
}
