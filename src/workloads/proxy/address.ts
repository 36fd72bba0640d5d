/** HOST:PORT as the proxy's options and command line write them ("127.0.0.1:8080", "[::1]:80", "localhost:0"). */

export interface HostPort {
  host: string;
  port: number;
}

/** Parse HOST:PORT; throws a TypeError naming the option and what it wants. Port 0 is allowed when `allowZero`. */
export function parseHostPort(text: unknown, what: string, allowZero = false): HostPort {
  if (typeof text !== 'string') throw new TypeError(`${what} must be HOST:PORT, got ${typeof text}`);
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([^:\s]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535 || (port === 0 && !allowZero)) {
    throw new TypeError(`${what} must be HOST:PORT with a port from ${allowZero ? 0 : 1} to 65535 (e.g. 127.0.0.1:8080, [::1]:8080), got '${text}'`);
  }
  return { host: m[1], port };
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
