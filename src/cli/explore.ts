/**
 * `synack explore`: the explorer page (dist/explorer/, built by `npm run build:explorer`) served by a
 * small static file server on the loopback interface. The page runs synack itself; the server only
 * hands out files: GET and HEAD, no directory listings, nothing outside the page's folder.
 */
import { existsSync, realpathSync, statSync, createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';

export const exploreUsage = `usage: synack explore [--port N] [--host ADDR] [--dir DIR]

Serves the explorer, synack running in the browser: the demo scenarios played back, a sandbox to
drive TCP by hand, pcap files drawn as ladders. Prints the URL to open; Ctrl-C stops it. The page
works offline and needs nothing but these files ('npm run build:explorer' builds them into
dist/explorer/, ready for any static host).

  --port N     the TCP port (default 8080; 0 picks a free one)
  --host ADDR  the address to listen on (default 127.0.0.1, loopback only); any other address makes
               the page reachable from other machines, and says so
  --dir DIR    serve DIR instead of the built page (default: dist/explorer/ of this package)

Besides the page, /lib/synack.js is the browser build of synack (dist/browser/), for pages and tests
that import the library itself.

example:  npm start                     (the same as synack explore)
          synack explore --port 0       (any free port)`;

/** The built page and the browser build, found beside this module (dist/src/cli/), never by the cwd. */
export const DEFAULT_EXPLORER_DIR = fileURLToPath(new URL('../../explorer/', import.meta.url));
export const BROWSER_BUILD_DIR = fileURLToPath(new URL('../../browser/', import.meta.url));

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';

/** Content types by extension; anything else is application/octet-stream. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.pcap': 'application/vnd.tcpdump.pcap',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Whether ADDR is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host) || host === '::ffff:127.0.0.1';
  return false;
}

/** Where each URL prefix is served from: '/' the page, '/lib/' the browser build. */
export interface Roots {
  page: string;
  lib?: string;
}

/**
 * The file a URL path names under its root, or why there is none. The path is percent-decoded once;
 * a `..` segment, a backslash or a NUL byte is refused outright, and the resolved file (symbolic
 * links followed) must still lie inside the root.
 */
export function resolveRequest(roots: Roots, urlPath: string): { file: string } | { status: 400 | 403 | 404 } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..')) return { status: 403 };
  let root = roots.page;
  let rest = segments.slice(1);
  if (roots.lib && rest[0] === 'lib' && rest.length > 1) {
    root = roots.lib;
    rest = rest.slice(1);
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return { status: 404 };
  }
  let file = path.join(realRoot, ...rest);
  try {
    if (statSync(file).isDirectory()) file = path.join(file, 'index.html');
    file = realpathSync(file);
    if (!statSync(file).isFile()) return { status: 404 };
  } catch {
    return { status: 404 };
  }
  const rel = path.relative(realRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { status: 403 };
  return { file };
}

const REASONS: Record<number, string> = { 400: 'bad request', 403: 'forbidden', 404: 'not found', 405: 'method not allowed' };

function plain(res: ServerResponse, status: number, extra: Record<string, string> = {}, head = false): void {
  const body = `${status} ${REASONS[status] ?? ''}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache', ...extra });
  res.end(head ? undefined : body);
}

/** The request handler: GET and HEAD of files under the roots, every answer `Cache-Control: no-cache`. */
export function explorerHandler(roots: Roots): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return plain(res, 405, { Allow: 'GET, HEAD' });
    const target = req.url ?? '/';
    const q = target.search(/[?#]/);
    const found = resolveRequest(roots, q >= 0 ? target.slice(0, q) : target);
    if (!('file' in found)) return plain(res, found.status, {}, head);
    const size = statSync(found.file).size;
    res.writeHead(200, {
      'Content-Type': contentType(found.file),
      'Content-Length': size,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (head) return void res.end();
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}

export interface ExplorerServer {
  server: Server;
  /** The page's URL, e.g. http://127.0.0.1:8080/ */
  url: string;
  host: string;
  port: number;
  /** Stops listening and ends every open connection. */
  close(): Promise<void>;
}

/** Why the page cannot be served from DIR (no index.html), or undefined. */
export function missingPage(dir: string): string | undefined {
  if (existsSync(path.join(dir, 'index.html'))) return undefined;
  return `no explorer page in ${dir} (index.html is missing): build it with 'npm run build:explorer' (or 'npm run build')`;
}

/**
 * Start the server (the CLI's and the end-to-end tests' way in). Rejects with the listen error.
 * `lib: false` leaves out /lib/, as a plain static host would.
 */
export async function startExplorer(opts: { port?: number; host?: string; dir?: string; lib?: boolean } = {}): Promise<ExplorerServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const page = path.resolve(opts.dir ?? DEFAULT_EXPLORER_DIR);
  const missing = missingPage(page);
  if (missing) throw new Error(missing);
  const roots: Roots = { page, lib: opts.lib !== false && existsSync(BROWSER_BUILD_DIR) ? BROWSER_BUILD_DIR : undefined };
  const server = createServer(explorerHandler(roots));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? DEFAULT_PORT);
  const url = `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`;
  return {
    server,
    url,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A listen error as one line. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): string {
  if (e.code === 'EADDRINUSE') return `port ${port} on ${host} is taken (EADDRINUSE): stop what uses it, or choose another with --port N (0 picks a free one)`;
  if (e.code === 'EACCES') return `no permission to listen on port ${port} (EACCES): choose a port above 1023 with --port N`;
  if (e.code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine (EADDRNOTAVAIL)`;
  return `cannot listen on ${host} port ${port}: ${e.message}`;
}

export async function runExplore(argv: string[], io: Output & { flush?: () => void }, stop?: Promise<unknown>): Promise<number> {
  const args = parseArgs(argv, { valued: ['port', 'host', 'dir'], boolean: ['help'] });
  if (args.flags.has('help')) {
    io.out(exploreUsage);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const portText = args.flags.get('port');
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (typeof portText === 'string' && (!/^\d+$/.test(portText) || port > 65535)) throw new UsageError(`--port: a whole number from 0 to 65535, not '${portText}'`);
  const host = (args.flags.get('host') as string | undefined) ?? DEFAULT_HOST;
  if (host !== 'localhost' && isIP(host) === 0) throw new UsageError(`--host: an IPv4 or IPv6 address, not '${host}'`);
  const dir = args.flags.get('dir') as string | undefined;

  const page = path.resolve(dir ?? DEFAULT_EXPLORER_DIR);
  const missing = missingPage(page);
  if (missing) {
    io.err(`synack explore: ${missing}`);
    return 1;
  }
  if (!isLoopback(host)) io.err(`synack explore: warning: listening on ${host}, not loopback: other machines can reach the page`);
  let running: ExplorerServer;
  try {
    running = await startExplorer({ port, host, dir: page });
  } catch (e) {
    io.err(`synack explore: ${listenError(e as NodeJS.ErrnoException, host, port)}`);
    return 1;
  }
  io.out(`synack explorer: ${running.url}`);
  io.flush?.();
  const signal = await (stop ??
    new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    }));
  await running.close();
  io.err(`synack explore: stopped${typeof signal === 'string' ? ` (${signal})` : ''}`);
  return 0;
}
