/**
 * `synack bench flood` as a user runs it (the built CLI in a child process), at a small size:
 * correctness of what it reports, never timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function synack(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  assert.equal(r.error, undefined, `could not run the CLI: ${r.error?.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--json: one object per cookie mode; cookies keep every legitimate client in, off does not once the SYN queue is full', () => {
  const r = synack('bench', 'flood', '--json', '--spoofed', '20000', '--clients', '50', '--seed', '3');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 3, r.stdout);
  const byMode = new Map(lines.map((l) => JSON.parse(l) as Record<string, any>).map((o) => [o.mode, o]));
  assert.deepEqual([...byMode.keys()], ['off', 'on-overflow', 'always']);
  for (const o of byMode.values()) {
    for (const key of ['mode', 'spoofedSyns', 'legitAttempted', 'legitSucceeded', 'legitSuccessPct', 'synPerSecond', 'heapGrowthBytes', 'connectP50Ms', 'connectP99Ms', 'synQueueMax', 'synQueueFinal']) {
      assert.ok(key in o, `${o.mode}: key ${key}`);
    }
    assert.equal(o.spoofedSyns, 20_000);
    assert.equal(o.legitAttempted, 50);
    assert.ok(o.synPerSecond > 0);
    assert.ok(o.heapGrowthBytes === null || typeof o.heapGrowthBytes === 'number');
    assert.equal(o.legitSuccessPct, (100 * o.legitSucceeded) / o.legitAttempted);
  }
  const off = byMode.get('off')!;
  const overflow = byMode.get('on-overflow')!;
  const always = byMode.get('always')!;
  assert.equal(overflow.legitSucceeded, 50, 'on-overflow: every legitimate connection succeeds');
  assert.equal(always.legitSucceeded, 50, 'always: every legitimate connection succeeds');
  assert.equal(overflow.synQueueMax, overflow.synQueueLimit, 'on-overflow: the spoofed SYNs fill the SYN queue, cookies answer the rest');
  assert.ok(overflow.syncookiesSent > 0 && overflow.syncookiesRecv > 0);
  assert.equal(always.synQueueMax, 0, 'always: no SYN ever takes a queue slot');
  assert.equal(off.synQueueFinal, off.synQueueLimit, 'off: the SYN queue is full');
  assert.ok(off.legitSucceeded < off.legitAttempted, 'off: legitimate clients fail once the SYN queue is full');
  assert.ok(off.listenDrops > 0);
  assert.equal(off.syncookiesSent, 0);
});

test('the table: every mode beside its references, and the targets', () => {
  const r = synack('bench', 'flood', '--spoofed', '5000', '--clients', '10');
  assert.equal(r.status, 0, r.stderr);
  for (const mode of ['off', 'on-overflow', 'always']) {
    assert.match(r.stdout, new RegExp(`^${mode} legit success .* no flood`, 'm'));
    assert.match(r.stdout, new RegExp(`^${mode} SYNs processed .* decodeTcpPacket SYN`, 'm'));
  }
  assert.match(r.stdout, /^on-overflow legit success .*>= 100 ok$/m);
});

test('usage errors exit 2', () => {
  assert.equal(synack('bench', 'flood', '--spoofed', 'lots').status, 2);
  assert.equal(synack('bench', 'nope').status, 2);
  assert.equal(synack('bench', 'flood', '--bogus').status, 2);
});
