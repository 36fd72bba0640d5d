/**
 * The applications `synack serve` runs on synack sockets: http (Node's own http module), echo
 * (RFC 862), discard (RFC 863) and chargen (RFC 864).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Socket } from '../socket/socket.js';

export type AppName = 'http' | 'echo' | 'discard' | 'chargen';
export const APPS: readonly AppName[] = ['http', 'echo', 'discard', 'chargen'];
export const DEFAULT_PORTS: Record<AppName, number> = { http: 80, echo: 7, discard: 9, chargen: 19 };

/** Byte i of /bytes/N is i % 251 (a prime, so a misplaced chunk shows). The pattern, in chunks of 251*k. */
const PATTERN = (() => {
  const b = Buffer.allocUnsafe(251 * 261); // 65511 bytes: whole periods, so every chunk starts at byte 0 of the pattern
  for (let i = 0; i < b.length; i++) b[i] = i % 251;
  return b;
})();

/** The `N` bytes of GET /bytes/N, written with backpressure. */
function sendBytes(res: http.ServerResponse, n: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
  let left = n;
  const pump = (): void => {
    while (left > 0) {
      const chunk = left >= PATTERN.length ? PATTERN : PATTERN.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** GET /: the connection as synack sees it. */
export function connectionReport(socket: Socket): string {
  const c = socket.connection;
  if (!c) return 'no connection\n';
  const t = c.tcb;
  const lines = [
    `local        ${socket.localAddress}:${socket.localPort}`,
    `remote       ${socket.remoteAddress}:${socket.remotePort}`,
    `state        ${t.state}`,
    `mss          send ${t.sendMss}, advertised ${t.advertisedMss}, peer ${t.peerMss}`,
    `window scale ${t.windowScaling ? `yes (send shift ${t.sndShift}, receive shift ${t.rcvShift})` : 'no'}`,
    `sack         ${t.sackPermitted ? 'yes' : 'no'}`,
    `timestamps   ${t.timestamps ? 'yes' : 'no'}`,
    `srtt         ${t.rtt.srtt === undefined ? 'not measured' : `${t.rtt.srtt.toFixed(3)} ms (rttvar ${t.rtt.rttvar.toFixed(3)} ms, rto ${t.rtt.rto.toFixed(0)} ms)`}`,
    `retransmits  ${t.recovery.totalRetransmits}`,
    `cwnd         ${t.congestion.cwnd} bytes`,
  ];
  return lines.join('\n') + '\n';
}

const ROUTES = 'GET /, GET /bytes/N, POST /sha256, POST /discard (HEAD wherever GET is)';

/** A short text/plain answer (a HEAD request gets its headers and no body: Node leaves the body out). */
function text(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * Node's http server with synack's routes. The route is the request target's path: a query string is
 * ignored (RFC 3986 §3.4: it is not part of the path). HEAD answers as GET would, headers only (RFC
 * 9110 §9.3.2). A known path with the wrong method is 405 with `Allow` (RFC 9110 §15.5.6).
 */
export function httpApp(): http.Server {
  return http.createServer((req, res) => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const method = req.method ?? 'GET';
    const get = method === 'GET' || method === 'HEAD';
    const bytes = /^\/bytes\/(\d{1,15})$/.exec(path);
    if (bytes || path === '/') {
      req.resume();
      if (!get) return text(res, 405, `method not allowed: ${path} takes GET or HEAD\n`, { allow: 'GET, HEAD' });
      if (path === '/') return text(res, 200, connectionReport(req.socket as unknown as Socket));
      const n = Number(bytes![1]);
      if (method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
        return res.end();
      }
      return sendBytes(res, n);
    }
    if (path === '/sha256' || path === '/discard') {
      const allowed = path === '/sha256' ? ['POST'] : ['POST', 'PUT'];
      if (!allowed.includes(method)) {
        req.resume();
        return text(res, 405, `method not allowed: ${path} takes ${allowed.join(' or ')}\n`, { allow: allowed.join(', ') });
      }
      if (path === '/sha256') {
        const h = createHash('sha256');
        req.on('data', (d: Buffer) => h.update(d));
        req.on('end', () => text(res, 200, h.digest('hex') + '\n'));
        return;
      }
      // For throughput runs: the body is counted, not hashed (hashing would share the one thread).
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => text(res, 200, `${n}\n`));
      return;
    }
    req.resume();
    text(res, 404, `not found: ${ROUTES}\n`);
  });
}

/** RFC 864 §"TCP Based Character Generator Service": 72-character lines, each starting one later. */
const CHARGEN = (() => {
  const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  const lines: string[] = [];
  for (let i = 0; i < 95; i++) lines.push((printable + printable).slice(i, i + 72) + '\r\n');
  return Buffer.from(lines.join('').repeat(8));
})();

/** Run a stream app (echo, discard, chargen) on one accepted socket. */
export function streamApp(app: Exclude<AppName, 'http'>, socket: Socket): void {
  socket.on('error', () => socket.destroy());
  if (app === 'echo') {
    // RFC 862: send back any data received; end when the peer ends. Not socket.pipe(socket): a pipe
    // stops reading when its destination finishes (our end() at shutdown), and then the peer's FIN
    // would never be read and the socket never close.
    socket.on('data', (d: Buffer) => {
      if (socket.writableEnded) return;
      if (!socket.write(d)) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('end', () => socket.end());
    return;
  }
  if (app === 'discard') {
    socket.resume(); // RFC 863: throw away any data received
    socket.on('end', () => socket.end());
    return;
  }
  // RFC 864: send data until the peer closes; what it sends is discarded.
  socket.resume();
  let open = true;
  socket.on('end', () => {
    open = false;
    socket.end();
  });
  socket.on('close', () => (open = false));
  const pump = (): void => {
    while (open && socket.write(CHARGEN));
    if (open) socket.once('drain', pump);
  };
  pump();
}
