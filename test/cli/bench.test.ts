/**
 * `synack bench` (throughput, goodput, connection rate, memory) as a user runs it, on a row that runs in virtual time: the JSON
 * line's shape and its reference, never timing. And the lean drivers the rows use: data arrives
 * intact (sampled bytes checked) and request/response cycles complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bulkTransfer, connectionCycles, makePair, patternBuffer } from '../../src/bench/sim-pair.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function synack(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, `could not run the CLI: ${r.error?.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bench --json --filter goodput-loss1pct: a line per row with exactly the row keys, CUBIC beside the Mathis bound, BBR beside CUBIC', () => {
  const r = synack('bench', '--json', '--filter', 'goodput-loss1pct');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout);
  const bbr = JSON.parse(lines[1]);
  assert.equal(bbr.name, 'goodput-loss1pct-rtt50ms-bbr');
  assert.equal(bbr.reference, 'CUBIC, same path');
  const row = JSON.parse(lines[0]);
  assert.equal(bbr.referenceValue, row.value, "BBR's reference is the CUBIC row's figure, from the same runs");
  assert.deepEqual(Object.keys(row), ['name', 'value', 'unit', 'reference', 'referenceValue', 'ratio']);
  assert.equal(row.name, 'goodput-loss1pct-rtt50ms');
  assert.equal(row.unit, 'Mbit/s');
  // MSS 1448 (1500 - 40 - 12 bytes of timestamps), RTT 50 ms, p = 0.01: 1448*8/0.05 * sqrt(1.5)/0.1 bit/s.
  assert.ok(Math.abs(row.referenceValue - 2.83749) < 1e-4, `Mathis bound ${row.referenceValue}`);
  assert.ok(row.value > 0 && row.value <= 100, `goodput ${row.value} within the link's 100 Mbit/s`);
  assert.ok(Math.abs(row.ratio - row.value / row.referenceValue) < 1e-12);
});

test('bench with an unknown benchmark is a usage error', () => {
  assert.equal(synack('bench', 'nope').status, 2);
});

test('the bulk driver delivers every byte in order; a wrong pattern at the receiver would be counted', () => {
  const pattern = patternBuffer(70_001);
  const pair = makePair({ seed: 5, link: { mtu: 1500, delayMs: 1, loss: 0.02 }, tcp: { mtu: 1500 }, checksumOffload: true });
  const r = bulkTransfer(pair, 1_000_000, pattern);
  assert.equal(r.bytes, 1_000_000, 'seed 5');
  assert.equal(r.mismatches, 0, 'seed 5');
  assert.ok(r.retransmits > 0, 'seed 5: the loss made TCP retransmit');
  assert.equal(r.mss, 1448);
});

test('connection cycles: every cycle completes, the server ends in TIME-WAIT and the client holds nothing', () => {
  const pair = makePair({ seed: 6, link: { delayMs: 1 }, tcp: {}, checksumOffload: true, ephemeralMin: 1024 });
  assert.equal(connectionCycles(pair, 500, 64), 500, 'seed 6');
  const client = [...pair.client.stack.connections()];
  const server = [...pair.server.stack.connections()];
  assert.equal(client.length, 0, 'seed 6: closed client connections are forgotten');
  assert.equal(server.length, 0, 'seed 6: the server holds no full connection');
  assert.equal(pair.server.stack.timeWaitCount, 500, 'seed 6: every cycle left a compact TIME-WAIT entry on the server');
});
