/**
 * A control API compatible with toxiproxy's (HTTP and JSON, default 127.0.0.1:8474), so toxiproxy's
 * clients drive synack's proxies unchanged. Routes, bodies, status codes and error bodies follow
 * toxiproxy's server (its api.go and pkg/errors): errors are `{"error": MESSAGE, "status": CODE}`
 * with 400 for a bad body, a missing field or a bad toxic, 404 for no such proxy or toxic, 409 for a
 * name taken, 500 for a listen that fails.
 *
 *   GET    /proxies                              every proxy, by name, with its toxics
 *   POST   /proxies                              create {name, listen, upstream, enabled}: 201
 *   POST   /populate                             create or replace a list of proxies: 201 {proxies}
 *   GET    /proxies/{name}                       one proxy
 *   POST   /proxies/{name}  (or PATCH)           update listen, upstream, enabled (false cuts it)
 *   DELETE /proxies/{name}                       204
 *   GET    /proxies/{name}/toxics                its toxics
 *   POST   /proxies/{name}/toxics                add {name, type, stream, toxicity, attributes}
 *   GET    /proxies/{name}/toxics/{toxic}        one toxic
 *   POST   /proxies/{name}/toxics/{toxic}        update (or PATCH) its toxicity and attributes
 *   DELETE /proxies/{name}/toxics/{toxic}        204
 *   POST   /reset                                enable every proxy, remove every toxic: 204
 *   GET    /version                              {"version": ...}
 * synack's own, beyond toxiproxy's:
 *   GET    /proxies/{name}/connections           per connection: state, RTT, cwnd, retransmissions, bytes
 *   GET    /proxies/{name}/connections/{id}/ladder?format=text|json   a connection's ladder diagram
 */
import * as http from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { formatHostPort, parseHostPort, type HostPort } from './address.js';
import { Proxy, type ProxyOptions } from './proxy.js';
import { ToxicError } from './toxics.js';

/** The largest request body read (a populate of many proxies fits; a runaway upload does not). */
const MAX_BODY = 1 << 20;

export interface ApiOptions {
  /** HOST:PORT for the API (default 127.0.0.1:8474). */
  listen?: string;
  /** Options every proxy the API creates starts with (seed, link, profile, log, tcp...). */
  defaults?: Omit<ProxyOptions, 'listen' | 'upstream' | 'name' | 'enabled'>;
  /** The version string GET /version reports. */
  version?: string;
}

class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: unknown[];
}

export class ToxiproxyApi {
  readonly proxies = new Map<string, Proxy>();
  private server: http.Server | undefined;
  address: HostPort | undefined;
  private readonly listenAt: HostPort;
  /** Requests answered with an error status (each one's reason is in its body). */
  badRequests = 0;
  /** Names of proxies being created (listening): a second create of the name meanwhile is a 409. */
  private readonly creating = new Set<string>();
  /** Requests whose connection closes after the answer (a body too large to read). */
  private readonly closeAfter = new WeakSet<http.IncomingMessage>();

  constructor(private readonly opts: ApiOptions = {}) {
    this.listenAt = parseHostPort(opts.listen ?? '127.0.0.1:8474', 'api listen', true);
  }

  async listen(): Promise<HostPort> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => this.fail(res, e));
    });
    this.server = server;
    server.listen(this.listenAt.port, this.listenAt.host);
    await once(server, 'listening');
    const a = server.address() as { address: string; port: number };
    this.address = { host: a.address, port: a.port };
    return this.address;
  }

  /** Create a proxy (as POST /proxies does); throws an ApiError-like error with a status. */
  async create(body: unknown, replace = false): Promise<Proxy> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('bad request body: a proxy must be a JSON object', 400);
    const b = body as Record<string, unknown>;
    for (const key of ['name', 'upstream'] as const) {
      if (typeof b[key] !== 'string' || (b[key] as string).length < 1) throw new ApiError(`missing required field: ${key}`, 400);
    }
    if (b.listen !== undefined && typeof b.listen !== 'string') throw new ApiError('bad request body: listen must be a string HOST:PORT', 400);
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean') throw new ApiError('bad request body: enabled must be true or false', 400);
    const name = b.name as string;
    if (this.creating.has(name)) throw new ApiError('proxy already exists', 409);
    this.creating.add(name);
    try {
      return await this.make(name, b, replace);
    } finally {
      this.creating.delete(name);
    }
  }

  private async make(name: string, b: Record<string, unknown>, replace: boolean): Promise<Proxy> {
    const existing = this.proxies.get(name);
    if (existing) {
      if (!replace) throw new ApiError('proxy already exists', 409);
      await existing.close();
      this.proxies.delete(name);
    }
    let proxy: Proxy;
    try {
      proxy = new Proxy({ ...this.opts.defaults, name, listen: (b.listen as string | undefined) || '127.0.0.1:0', upstream: b.upstream as string, enabled: b.enabled !== false });
    } catch (e) {
      throw new ApiError(`bad request body: ${(e as Error).message}`, 400);
    }
    if (b.enabled !== false) {
      try {
        await proxy.listen();
      } catch (e) {
        await proxy.close();
        throw new ApiError(`listen ${String(b.listen)}: ${(e as Error).message}`, 500);
      }
    }
    this.proxies.set(name, proxy);
    return proxy;
  }

  /** toxiproxy's -config file: a JSON list of proxies. */
  async populateFromFile(path: string): Promise<Proxy[]> {
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`config ${path}: ${(e as Error).message}`);
    }
    try {
      return await this.populate(list);
    } catch (e) {
      throw new Error(`config ${path}: ${(e as Error).message}`);
    }
  }

  /**
   * Create or replace each proxy of the list, as toxiproxy's populate: one that exists with the same
   * upstream (and listen, if given) is kept with its connections. On an error, the proxies this call
   * created are removed again, and the error is answered.
   */
  async populate(list: unknown): Promise<Proxy[]> {
    if (!Array.isArray(list)) throw new ApiError('bad request body: expected a JSON array of proxies', 400);
    const made: Proxy[] = [];
    const created: Proxy[] = [];
    try {
      for (const p of list) {
        const b = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
        const old = typeof b.name === 'string' ? this.proxies.get(b.name) : undefined;
        const sameListen = b.listen === undefined || (old !== undefined && typeof b.listen === 'string' && (b.listen === formatHostPort(old.listenAt) || b.listen === formatHostPort(old.address ?? old.listenAt)));
        if (old && sameListen && b.upstream === formatHostPort(old.upstream)) {
          made.push(old);
          continue;
        }
        const proxy = await this.create(p, true);
        made.push(proxy);
        created.push(proxy);
      }
    } catch (e) {
      for (const p of created) {
        if (this.proxies.get(p.name) === p) this.proxies.delete(p.name);
        await p.close();
      }
      throw e;
    }
    return made;
  }

  async close(): Promise<void> {
    for (const p of this.proxies.values()) await p.close();
    this.proxies.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private json(p: Proxy): ProxyJson {
    return {
      name: p.name,
      listen: formatHostPort(p.address ?? p.listenAt),
      upstream: formatHostPort(p.upstream),
      enabled: p.enabled,
      toxics: p.toxics(),
    };
  }

  private send(res: http.ServerResponse, status: number, body?: unknown): void {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  }

  private fail(res: http.ServerResponse, e: unknown): void {
    this.badRequests++;
    const status = e instanceof ApiError || e instanceof ToxicError ? e.status : 500;
    const message = e instanceof Error ? e.message : String(e);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (this.closeAfter.delete(res.req)) res.shouldKeepAlive = false;
    this.send(res, status, { error: message, status });
  }

  private async body(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) {
        // The rest of the body is not read: the connection cannot carry another request.
        this.closeAfter.add(req);
        throw new ApiError(`bad request body: larger than ${MAX_BODY} bytes`, 413);
      }
      chunks.push(c);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ApiError(`bad request body: ${(e as Error).message}`, 400);
    }
  }

  private proxy(name: string): Proxy {
    const p = this.proxies.get(name);
    if (!p) throw new ApiError('proxy not found', 404);
    return p;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://api');
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      throw new ApiError(`bad request: the path ${url.pathname} is not valid percent-encoding`, 400);
    }
    const method = req.method ?? 'GET';
    const route = `${method} /${parts.map((p, i) => (i % 2 === 1 ? ':' : p)).join('/')}`;
    const update = method === 'POST' || method === 'PATCH';
    switch (true) {
      case route === 'GET /version':
        return this.send(res, 200, { version: this.opts.version ?? 'synack' });
      case route === 'POST /reset':
        for (const p of this.proxies.values()) {
          p.resetToxics();
          if (!p.enabled) await p.listen();
        }
        return this.send(res, 204);
      case route === 'GET /proxies':
        return this.send(res, 200, Object.fromEntries([...this.proxies].map(([n, p]) => [n, this.json(p)])));
      case route === 'POST /proxies': {
        const p = await this.create(await this.body(req));
        return this.send(res, 201, this.json(p));
      }
      case route === 'POST /populate': {
        const made = await this.populate(await this.body(req));
        return this.send(res, 201, { proxies: made.map((p) => this.json(p)) });
      }
      case route === 'GET /proxies/:':
        return this.send(res, 200, this.json(this.proxy(parts[1])));
      case update && route === `${method} /proxies/:`: {
        const p = this.proxy(parts[1]);
        const b = await this.body(req);
        if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new ApiError('bad request body: expected a JSON object', 400);
        const u = b as Record<string, unknown>;
        if (u.enabled !== undefined && typeof u.enabled !== 'boolean') throw new ApiError('bad request body: enabled must be true or false', 400);
        if (u.upstream !== undefined) {
          try {
            p.setUpstream(String(u.upstream));
          } catch (e) {
            throw new ApiError(`bad request body: ${(e as Error).message}`, 400);
          }
        }
        if (u.listen !== undefined && u.listen !== formatHostPort(p.address ?? p.listenAt)) {
          try {
            parseHostPort(u.listen, 'listen', true);
          } catch (e) {
            throw new ApiError(`bad request body: ${(e as Error).message}`, 400);
          }
          try {
            await p.setListen(u.listen as string);
          } catch (e) {
            throw new ApiError(`listen ${u.listen as string}: ${(e as Error).message}; the proxy stays on ${formatHostPort(p.address ?? p.listenAt)}`, 500);
          }
        }
        if (u.enabled === false && p.enabled) await p.disable();
        if (u.enabled === true && !p.enabled) {
          try {
            await p.listen();
          } catch (e) {
            throw new ApiError(`listen ${formatHostPort(p.listenAt)}: ${(e as Error).message}`, 500);
          }
        }
        return this.send(res, 200, this.json(p));
      }
      case route === 'DELETE /proxies/:': {
        const p = this.proxy(parts[1]);
        this.proxies.delete(p.name);
        await p.close();
        return this.send(res, 204);
      }
      case route === 'GET /proxies/:/toxics':
        return this.send(res, 200, this.proxy(parts[1]).toxics());
      case route === 'POST /proxies/:/toxics': {
        const p = this.proxy(parts[1]);
        return this.send(res, 200, p.addToxic(await this.body(req)));
      }
      case route === 'GET /proxies/:/toxics/:':
        return this.send(res, 200, this.proxy(parts[1]).getToxic(parts[3]));
      case update && route === `${method} /proxies/:/toxics/:`: {
        const p = this.proxy(parts[1]);
        return this.send(res, 200, p.updateToxic(parts[3], await this.body(req)));
      }
      case route === 'DELETE /proxies/:/toxics/:':
        this.proxy(parts[1]).removeToxic(parts[3]);
        return this.send(res, 204);
      case route === 'GET /proxies/:/connections':
        return this.send(res, 200, this.proxy(parts[1]).stats());
      case route === 'GET /proxies/:/connections/:/ladder': {
        const p = this.proxy(parts[1]);
        const format = url.searchParams.get('format') ?? 'text';
        if (format !== 'text' && format !== 'json') throw new ApiError(`bad request: format must be text or json, got '${format}'`, 400);
        const id = Number(parts[3]);
        const ladder = p.ladder(id, format);
        if (ladder === undefined) throw new ApiError(p.tracing ? 'connection not found' : 'no ladder: the proxy was started without tracing (--ladder, or trace: true)', 404);
        if (format === 'json') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(ladder);
        } else {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(ladder);
        }
        return;
      }
      default:
        // toxiproxy's router answers unknown routes with 404 (and 405 for a known path, another method).
        throw new ApiError(`no route: ${method} ${url.pathname}`, 404);
    }
  }
}

/** Start the API (and the config's proxies, if a file is given). */
export async function startApi(opts: ApiOptions & { config?: string } = {}): Promise<ToxiproxyApi> {
  const api = new ToxiproxyApi(opts);
  try {
    if (opts.config !== undefined) await api.populateFromFile(opts.config);
    await api.listen();
  } catch (e) {
    await api.close();
    throw e;
  }
  return api;
}
