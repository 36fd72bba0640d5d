/**
 * `synack serve` and `synack connect` without a network: their usage errors (exit 2, the usage text),
 * and the typed error naming what is missing when TUN cannot be used (exit 1, ETUNUNAVAILABLE): run
 * as an unprivileged user when this test runs as root, otherwise as itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCidr } from '../../src/link/tun.js';
import { parseHostPort } from '../../src/cli/connect.js';
import { repoRoot } from '../checkout.js';

const run = (args: string[], prefix: string[] = [], root = repoRoot) => {
  const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
  const cmd = prefix.length ? prefix[0] : process.execPath;
  const argv = prefix.length ? [...prefix.slice(1), process.execPath, cli, ...args] : [cli, ...args];
  return spawnSync(cmd, argv, { encoding: 'utf8', timeout: 20_000, cwd: root });
};

/**
 * What the CLI needs to run, copied into a fresh world-readable directory, so that another user can
 * run it wherever the checkout lives (a clone under a 0700 folder is closed to everyone else): the
 * built dist/src, package.json (it makes the .js files ES modules; the CLI reads its version there)
 * and the TUN addon with its build status (build/), so the error is the one this user would get
 * from an installed synack. No node_modules: the CLI has no runtime dependencies.
 */
function worldReadableCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-tun-'));
  cpSync(path.join(repoRoot, 'dist', 'src'), path.join(dir, 'dist', 'src'), { recursive: true });
  cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  for (const f of ['build/Release/synack_tun.node', 'build/native-status.json']) {
    if (existsSync(path.join(repoRoot, f))) cpSync(path.join(repoRoot, f), path.join(dir, f));
  }
  // Copies keep the checkout's modes (0600 under a umask of 077): open them to everyone.
  const open = (p: string): void => {
    if (statSync(p).isDirectory()) {
      chmodSync(p, 0o755);
      for (const e of readdirSync(p)) open(path.join(p, e));
    } else chmodSync(p, p.endsWith('.node') ? 0o755 : 0o644);
  };
  open(dir);
  return dir;
}

/** The first directory above `dir` that other users cannot enter, if any. */
function closedAncestor(dir: string): string | undefined {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return d;
    if (d === path.dirname(d)) return undefined;
  }
}

test('usage errors exit 2 and name the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['serve', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], /--tun is required/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '2001:db8::1'], /both be IPv4 or both IPv6/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/33', '--peer', '198.18.0.1'], /bad prefix length/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--app', 'gopher'], /--app must be one of http, echo, discard, chargen/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--syn-cookies', 'sometimes'], /--syn-cookies must be/],
    [['serve', '--tun', 'a-name-far-too-long', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], /at most 15 characters/],
    [['connect', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], /--to is required/],
    [['connect', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--to', '198.18.0.1'], /--to must be ADDR:PORT/],
  ];
  for (const [args, message] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /\nsee 'synack (serve|connect) --help'\n$/);
  }
});

test('--help prints the usage and exits 0', () => {
  for (const c of ['serve', 'connect']) {
    const r = run([c, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`^usage: synack ${c} --tun NAME`));
  }
});

test('addresses: ADDR/PREFIX and HOST:PORT', () => {
  assert.deepEqual(parseCidr('198.18.0.2/24'), { address: '198.18.0.2', prefix: 24, version: 4 });
  assert.deepEqual(parseCidr('2001:db8::2/64'), { address: '2001:db8::2', prefix: 64, version: 6 });
  assert.deepEqual(parseCidr('198.18.0.2'), { address: '198.18.0.2', prefix: 32, version: 4 });
  assert.throws(() => parseCidr('2001:db8::2/129'), RangeError);
  assert.deepEqual(parseHostPort('[2001:db8::1]:80'), { host: '2001:db8::1', port: 80 });
  assert.deepEqual(parseHostPort('198.18.0.1:7'), { host: '198.18.0.1', port: 7 });
  assert.throws(() => parseHostPort('198.18.0.1:0'));
});

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const setpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' });
test(
  'without the right to create a TUN device: exit 1 and ETUNUNAVAILABLE naming what is missing',
  { skip: root && setpriv.error ? 'running as root and setpriv (util-linux) is missing to drop privileges' : false },
  (t) => {
    // As root, drop to nobody, running a copy nobody can read; as anyone else, the process already
    // lacks the right (or the addon).
    const prefix = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const copy = root ? worldReadableCopy() : undefined;
    try {
      if (copy) {
        const closed = closedAncestor(copy);
        if (closed) return t.skip(`uid 65534 cannot enter ${closed}, where the temporary directory ${copy} is (set TMPDIR elsewhere)`);
        const node = spawnSync(prefix[0], [...prefix.slice(1), process.execPath, '-e', ''], { cwd: copy, encoding: 'utf8' });
        if (node.status !== 0) return t.skip(`uid 65534 cannot run ${process.execPath}: ${node.error?.message ?? node.stderr}`);
      }
      const r = run(['serve', '--tun', 'skunpriv0', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], prefix, copy);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^synack serve: ETUNUNAVAILABLE \((permission|addon|device|platform)\): /);
      assert.equal(r.stdout, '', 'no listening line');
    } finally {
      if (copy) rmSync(copy, { recursive: true, force: true });
    }
  },
);
