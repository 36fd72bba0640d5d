/**
 * `synack explore`, the explorer's static server, on loopback with `--port 0`: what it serves and with
 * which content type, what it refuses (paths outside its folder however spelled, methods other than
 * GET and HEAD), and how the command starts and stops (the URL line, Ctrl-C, a taken port, a missing
 * build). The server itself is started in-process for the request tests; the command runs in a child.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BROWSER_BUILD_DIR, DEFAULT_EXPLORER_DIR, isLoopback, startExplorer, type ExplorerServer } from '../../src/cli/explore.js';
import { cliPath, repoRoot, runCli } from '../checkout.js';

const work = mkdtempSync(path.join(tmpdir(), 'synack-explore-'));
const site = path.join(work, 'site');
const SECRET = 'not for the web: outside the served folder';
const FILES: Record<string, string> = {
  'index.html': '<!doctype html><title>explorer</title>',
  'explorer.js': 'export {};',
  'explorer.css': 'body{}',
  'explorer.js.map': '{"version":3}',
  'data.json': '{}',
  'shot.png': 'png',
  'icon.svg': '<svg/>',
  'mod.wasm': 'wasm',
  'blob.bin': 'bytes',
  'sub/index.html': '<p>sub</p>',
};
mkdirSync(path.join(site, 'sub'), { recursive: true });
for (const [name, body] of Object.entries(FILES)) writeFileSync(path.join(site, name), body);
writeFileSync(path.join(work, 'secret.txt'), SECRET);
symlinkSync(path.join(work, 'secret.txt'), path.join(site, 'link-out.txt'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request, its path sent exactly as given (fetch would normalise `..` away). */
function raw(port: number, method: string, rawPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: rawPath, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${rawPath}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('the static server', () => {
  let ex: ExplorerServer;
  before(async () => {
    ex = await startExplorer({ port: 0, dir: site });
  });
  after(() => ex.close());

  test('listens on 127.0.0.1 by default and names its URL', () => {
    assert.equal(ex.host, '127.0.0.1');
    assert.notEqual(ex.port, 0);
    assert.equal(ex.url, `http://127.0.0.1:${ex.port}/`);
  });

  test('serves each file with its content type and Cache-Control: no-cache', async () => {
    const types: Array<[string, string]> = [
      ['/', 'text/html; charset=utf-8'],
      ['/index.html', 'text/html; charset=utf-8'],
      ['/?scenario=handshake&lang=ko', 'text/html; charset=utf-8'],
      ['/explorer.js', 'text/javascript; charset=utf-8'],
      ['/explorer.css', 'text/css; charset=utf-8'],
      ['/explorer.js.map', 'application/json; charset=utf-8'],
      ['/data.json', 'application/json; charset=utf-8'],
      ['/shot.png', 'image/png'],
      ['/icon.svg', 'image/svg+xml'],
      ['/mod.wasm', 'application/wasm'],
      ['/blob.bin', 'application/octet-stream'],
      ['/sub/', 'text/html; charset=utf-8'],
    ];
    for (const [p, type] of types) {
      const r = await raw(ex.port, 'GET', p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], type, p);
      assert.equal(r.headers['cache-control'], 'no-cache', p);
      const file = p.startsWith('/?') || p === '/' ? 'index.html' : p === '/sub/' ? 'sub/index.html' : p.slice(1);
      assert.equal(r.body, FILES[file], p);
      assert.equal(r.headers['content-length'], String(Buffer.byteLength(FILES[file])), p);
    }
  });

  test('HEAD answers the headers without the body', async () => {
    const r = await raw(ex.port, 'HEAD', '/explorer.js');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers['content-length'], String(FILES['explorer.js'].length));
    assert.equal(r.body, '');
  });

  test('any other method is 405 with Allow: GET, HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await raw(ex.port, method, '/index.html');
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD', method);
    }
  });

  test('what is not there is 404', async () => {
    for (const p of ['/nonesuch.js', '/sub/nonesuch', '/explorer.js/x']) {
      const r = await raw(ex.port, 'GET', p);
      assert.equal(r.status, 404, p);
      assert.equal(r.headers['cache-control'], 'no-cache', p);
    }
  });

  test('nothing outside the folder is served, however the path is spelled', async () => {
    const attempts = [
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/link-out.txt',
      `/${encodeURIComponent(path.join(work, 'secret.txt'))}`,
      '//' + path.join(work, 'secret.txt').slice(1),
      '/secret.txt%00.html',
      '/%zz',
    ];
    for (const p of attempts) {
      const r = await raw(ex.port, 'GET', p);
      assert.ok([400, 403, 404].includes(r.status), `${p}: ${r.status}`);
      assert.ok(!r.body.includes(SECRET), `${p} leaked the file outside`);
    }
  });

  test('/lib/ is the browser build, beside the page', async () => {
    // The package's own build, when it has been built (npm test builds it first).
    const r = await raw(ex.port, 'HEAD', '/lib/synack.js');
    assert.equal(path.basename(BROWSER_BUILD_DIR), 'browser');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
  });

  test('loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
    for (const h of ['0.0.0.0', '::', '198.18.0.1', '2001:db8::1']) assert.equal(isLoopback(h), false, h);
  });
});

/** A child `synack explore ARGS`, its first stdout line (the URL) awaited, and a way to stop it. */
function spawnExplore(args: string[], cwd?: string) {
  const child = spawn(process.execPath, [cliPath, 'explore', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  exited.finally(() => clearTimeout(kill));
  const url = new Promise<string>((resolve, reject) => {
    const look = (): void => {
      const m = /^synack explorer: (http:\/\/\S+)$/m.exec(stdout);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', look);
    exited.then((code) => reject(new Error(`synack explore exited (${code}) before printing its URL: ${stderr}`)));
  });
  return { child, url, exited, out: () => stdout, err: () => stderr };
}

describe('the command', () => {
  test('prints its URL, serves the built page found beside the module (not the cwd), and stops on Ctrl-C', async () => {
    const run = spawnExplore(['--port', '0'], tmpdir());
    const url = await run.url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), readFileSync(path.join(DEFAULT_EXPLORER_DIR, 'index.html'), 'utf8'));
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, run.err());
    assert.equal(run.err(), 'synack explore: stopped (SIGINT)\n');
    assert.equal(run.out(), `synack explorer: ${url}\n`);
  });

  test('a port already taken: one line and exit 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = spawnExplore(['--port', String(port), '--dir', site]);
      run.url.catch(() => {});
      assert.equal(await run.exited, 1);
      assert.equal(run.err(), `synack explore: port ${port} on 127.0.0.1 is taken (EADDRINUSE): stop what uses it, or choose another with --port N (0 picks a free one)\n`);
      assert.equal(run.out(), '');
    } finally {
      taken.close();
    }
  });

  test('a folder without the built page: how to build it, exit 1', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'synack-explore-empty-'));
    try {
      const r = runCli(['explore', '--port', '0', '--dir', empty], { timeout: 30_000 });
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^synack explore: no explorer page in .*index\.html is missing.*npm run build:explorer/);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('a host not on loopback is warned about (here one the machine lacks, so nothing listens)', () => {
    const r = runCli(['explore', '--port', '0', '--host', '198.18.0.1', '--dir', site], { timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      'synack explore: warning: listening on 198.18.0.1, not loopback: other machines can reach the page\n' +
        'synack explore: 198.18.0.1 is not an address of this machine (EADDRNOTAVAIL)\n',
    );
  });

  test('bad options are usage errors', () => {
    for (const args of [['--port', 'x'], ['--port', '70000'], ['--host', 'not an address'], ['extra']]) {
      const r = runCli(['explore', ...args], { timeout: 30_000 });
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^synack explore: .*\nsee 'synack explore --help'\n$/, args.join(' '));
    }
  });

  test('the package ships the built page, so an installed synack explore has it', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
    for (const f of ['dist/explorer/index.html', 'dist/explorer/explorer.js', 'dist/explorer/explorer.css', 'dist/src/cli/explore.js']) assert.ok(files.includes(f), `${f} in the package`);
  });

  test('npm start runs the explorer', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.start, 'node dist/src/cli/main.js explore');
  });
});
