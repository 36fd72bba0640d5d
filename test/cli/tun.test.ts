/**
 * `synack serve` and `synack connect` without a network: their usage errors (exit 2, the usage text),
 * and the typed error naming what is missing when TUN cannot be used (exit 1, ETUNUNAVAILABLE): run
 * as an unprivileged user when this test runs as root, otherwise as itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseCidr } from '../../src/link/tun.js';
import { parseHostPort } from '../../src/cli/connect.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (args: string[], prefix: string[] = []) => {
  const cmd = prefix.length ? prefix[0] : process.execPath;
  const argv = prefix.length ? [...prefix.slice(1), process.execPath, CLI, ...args] : [CLI, ...args];
  return spawnSync(cmd, argv, { encoding: 'utf8', timeout: 20_000 });
};

test('usage errors exit 2 and name the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['serve', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], /--tun is required/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '2001:db8::1'], /both be IPv4 or both IPv6/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/33', '--peer', '198.18.0.1'], /bad prefix length/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--app', 'gopher'], /--app must be one of http, echo, discard, chargen/],
    [['serve', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--syn-cookies', 'sometimes'], /--syn-cookies must be/],
    [['serve', '--tun', 'a-name-far-too-long', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], /at most 15 characters/],
    [['connect', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], /--to is required/],
    [['connect', '--tun', 'x', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--to', '198.18.0.1'], /--to must be HOST:PORT/],
  ];
  for (const [args, message] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /usage: synack (serve|connect)/);
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
  () => {
    // As root, drop to nobody; as anyone else, the process already lacks the right (or the addon).
    const prefix = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const r = run(['serve', '--tun', 'skunpriv0', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], prefix);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^synack serve: ETUNUNAVAILABLE \((permission|addon|device|platform)\): /);
    assert.equal(r.stdout, '', 'no listening line');
  },
);
