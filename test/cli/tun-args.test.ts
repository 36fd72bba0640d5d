/**
 * `synack serve` and `synack connect` refuse what cannot work, with a message saying why, before any
 * device is made (exit 2, the reason and `see 'synack CMD --help'`); and when the kernel refuses the
 * device name, the message says what to do instead of quoting the ioctl (exit 1). The device tests
 * need root and TUN (skipped, with the reason, otherwise); every device they make is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { tunUnavailableReason } from '../../src/link/tun.js';
import { cliPath, runCli } from '../checkout.js';
import { parseArgs } from '../../src/cli/args.js';
import { TUNNEL_BOOLEAN, TUNNEL_VALUED, tunnelError, tunnelSpec } from '../../src/cli/tunnel.js';

const BASE = ['--tun', 'skargs0', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'];

function usageError(args: string[], reason: RegExp): void {
  const r = runCli(args, { timeout: 20_000 });
  assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  const [first, second, ...rest] = r.stderr.split('\n');
  assert.match(first, reason, args.join(' '));
  assert.equal(second, `see 'synack ${args[0]} --help'`);
  assert.deepEqual(rest, ['']);
  assert.equal(r.stdout, '');
}

test('--addr without a prefix is refused: the kernel would get a /32 with no route to synack', () => {
  for (const cmd of ['serve', 'connect']) {
    usageError([cmd, '--tun', 'skargs0', '--addr', '198.18.0.2', '--peer', '198.18.0.1', ...(cmd === 'connect' ? ['--to', '198.18.0.1:80'] : [])], /^synack (serve|connect): --addr needs a prefix length, ADDR\/PREFIX \(e\.g\. 198\.18\.0\.2\/24\)/);
  }
  usageError(['serve', '--tun', 'skargs0', '--addr', '2001:db8::2', '--peer', '2001:db8::1'], /--addr needs a prefix length, ADDR\/PREFIX \(e\.g\. 2001:db8::2\/64\)/);
});

test('--addr and --peer must be addresses, --peer another address inside the prefix', () => {
  usageError(['serve', '--tun', 'skargs0', '--addr', 'hello/24', '--peer', '198.18.0.1'], /^synack serve: --addr: 'hello' is not an IPv4 or IPv6 address$/);
  usageError(['serve', '--tun', 'skargs0', '--addr', '300.1.1.1/24', '--peer', '198.18.0.1'], /--addr: '300\.1\.1\.1' is not an IPv4 or IPv6 address$/);
  usageError(['serve', '--tun', 'skargs0', '--addr', '198.18.0.2/24', '--peer', 'gateway'], /--peer: 'gateway' is not an IPv4 or IPv6 address$/);
  usageError(['serve', '--tun', 'skargs0', '--addr', '198.18.0.2/24', '--peer', '198.18.0.2'], /--peer 198\.18\.0\.2 is --addr's own address/);
  usageError(['serve', '--tun', 'skargs0', '--addr', '2001:db8::2/64', '--peer', '2001:db8:0::0002'], /--peer 2001:db8:0::0002 is --addr's own address/);
  usageError(['serve', '--tun', 'skargs0', '--addr', '198.18.0.2/24', '--peer', '198.18.1.1'], /--peer 198\.18\.1\.1 is outside --addr's prefix 198\.18\.0\.2\/24/);
  usageError(['connect', '--tun', 'skargs0', '--addr', '2001:db8::2/64', '--peer', '2001:db8:1::1', '--to', '[2001:db8:1::1]:80'], /--peer 2001:db8:1::1 is outside --addr's prefix 2001:db8::2\/64/);
  usageError(['serve', '--tun', 'skargs0', '--addr', '198.18.0.2/24', '--peer', '2001:db8::1'], /both be IPv4 or both IPv6 \(--addr is IPv4, --peer IPv6\)/);
  usageError(['serve', '--tun', 'sk/args', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], /--tun: 'sk\/args' is not an interface name/);
});

test('connect --to: the family mismatch is named; a name is refused clearly (names are not looked up)', () => {
  usageError(['connect', ...BASE, '--to', '[2001:db8::1]:80'], /^synack connect: --to 2001:db8::1 is IPv6 but --addr 198\.18\.0\.2\/24 is IPv4/);
  usageError(['connect', '--tun', 'skargs0', '--addr', '2001:db8::2/64', '--peer', '2001:db8::1', '--to', '198.18.0.1:80'], /--to 198\.18\.0\.1 is IPv4 but --addr 2001:db8::2\/64 is IPv6/);
  usageError(['connect', ...BASE, '--to', 'localhost:5000'], /^synack connect: --to takes an IP address, not a name \('localhost'\): names are not looked up; give the kernel side's address \(e\.g\. 198\.18\.0\.1:5000\)$/);
  usageError(['connect', ...BASE, '--to', '198.18.0.1:70000'], /--to must be ADDR:PORT or \[V6ADDR\]:PORT with PORT 1\.\.65535, not '198\.18\.0\.1:70000'/);
  assert.match(runCli(['connect', '--help']).stdout, /names\s+are not looked up/);
});

test('numeric options name the range allowed', () => {
  usageError(['serve', ...BASE, '--mtu', '100'], /--mtu must be an integer from 576 to 65535/);
  usageError(['serve', ...BASE, '--port', '0'], /--port must be 1\.\.65535/);
  usageError(['connect', ...BASE, '--to', '198.18.0.1:80', '--timeout', '-5'], /--timeout must be a positive integer \(ms\)/);
});

test('--offload and --no-offload: one or the other; on by default; a kernel that refuses offload is told to use --no-offload', () => {
  usageError(['serve', ...BASE, '--offload', '--no-offload'], /^synack serve: --offload and --no-offload: give one of them$/);
  usageError(['connect', ...BASE, '--to', '198.18.0.1:80', '--no-offload', '--offload'], /^synack connect: --offload and --no-offload: give one of them$/);
  usageError(['serve', ...BASE, '--offload=yes'], /--offload takes no value/);
  const spec = (extra: string[]) => tunnelSpec(parseArgs([...BASE, ...extra], { valued: TUNNEL_VALUED, boolean: TUNNEL_BOOLEAN }));
  assert.equal(spec([]).offload, true);
  assert.equal(spec(['--offload']).offload, true);
  assert.equal(spec(['--no-offload']).offload, false);
  for (const cmd of ['serve', 'connect']) assert.match(runCli([cmd, '--help']).stdout, /--offload, --no-offload\n\s+segmentation and checksum offload with the kernel \(default on\)/);
  const refused = Object.assign(new Error('ioctl TUNSETOFFLOAD: Invalid argument'), { code: 'EINVAL' });
  assert.equal(tunnelError(refused), 'segmentation offload on the TUN device was refused (ioctl TUNSETOFFLOAD: Invalid argument): run with --no-offload');
});

const skip = tunUnavailableReason() ?? false;

test("a device name that is not a TUN device ('lo') or is in use: what to do, exit 1", { skip }, async () => {
  const lo = runCli(['serve', '--tun', 'lo', '--addr', '198.18.0.2/24', '--peer', '198.18.0.1'], { timeout: 20_000 });
  assert.equal(lo.status, 1, lo.stderr);
  assert.equal(lo.stderr, "synack serve: --tun lo: an interface of that name exists and is not a TUN device (ip link show lo): choose another name for synack's device\n");
  // A device held by a running synack: a second one on the same name is told it is in use.
  const name = `skbusy${process.pid % 10000}`;
  const first = spawn(process.execPath, [cliPath, 'serve', '--tun', name, '--addr', '198.18.250.2/24', '--peer', '198.18.250.1'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      first.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('listening')) resolve();
      });
      first.on('exit', (code) => reject(new Error(`the first serve exited ${code}`)));
    });
    const busy = runCli(['connect', '--tun', name, '--addr', '198.18.251.2/24', '--peer', '198.18.251.1', '--to', '198.18.251.1:9'], { timeout: 20_000 });
    assert.equal(busy.status, 1, busy.stderr);
    assert.equal(busy.stderr, `synack connect: --tun ${name}: a TUN device of that name is in use by another process (another synack serve or connect?): choose another name, or stop that process\n`);
  } finally {
    first.kill('SIGTERM');
    await new Promise((resolve) => (first.exitCode !== null ? resolve(null) : first.on('exit', resolve)));
    spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  }
});
