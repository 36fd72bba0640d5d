/**
 * `synack sim` as a user runs it: the built CLI in a child process.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from '../checkout.js';
import { decodeTcpPacket, locateIp, readCapture, TcpFlag } from '../../src/wire/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'synack-sim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function synack(...args: string[]): CliResult {
  // A hang would be a bug: bound every run in wall time too.
  return runCli(args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
}

function json(...args: string[]): { status: number | null; out: Record<string, any> } {
  const r = synack('sim', '--json', ...args);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one JSON object: ${r.stdout}${r.stderr}`);
  return { status: r.status, out: JSON.parse(lines[0]) };
}

test('--json: one object with the integrity, timing and counters; exit 0 when ok', () => {
  const { status, out } = json('--seed', '1', '--bytes', '200000', '--loss', '0.02', '--delay', '5');
  assert.equal(status, 0);
  for (const key of ['ok', 'seed', 'bytes', 'direction', 'sentSha256', 'receivedSha256', 'virtualMs', 'goodputBps', 'retransmits', 'timeouts', 'dupAcks', 'checksumErrors', 'client', 'server', 'link', 'command']) {
    assert.ok(key in out, `key ${key}`);
  }
  assert.equal(out.ok, true);
  assert.equal(out.seed, 1);
  assert.equal(out.bytes, 200_000);
  assert.equal(out.direction, 'up');
  assert.match(out.sentSha256, /^[0-9a-f]{64}$/);
  assert.equal(out.receivedSha256, out.sentSha256);
  assert.ok(out.virtualMs > 0 && out.goodputBps > 0);
  assert.ok(out.retransmits > 0, 'a 2% lossy link makes TCP retransmit');
  assert.equal(out.client.finalState, 'CLOSED');
  assert.equal(out.server.finalState, 'CLOSED');
  assert.equal(out.client.error, null);
  assert.equal(out.reason, null);
});

test('the same seed gives the same run; the printed command replays it', () => {
  const a = json('--seed', '7', '--bytes', '100k', '--direction', 'both', '--loss', '0.05', '--jitter', '3', '--reorder', '0.02');
  const b = json('--seed', '7', '--bytes', '100k', '--direction', 'both', '--loss', '0.05', '--jitter', '3', '--reorder', '0.02');
  assert.deepEqual(b.out, a.out);
  const replay = json(...(a.out.command as string).split(' ').slice(2));
  assert.deepEqual(replay.out, a.out);
});

test('--cc and --no-sack choose the recovery: the command replays them, and they change the run', () => {
  const args = ['--seed', '4', '--bytes', '300k', '--loss', '0.03', '--delay', '5'];
  const cubic = json(...args);
  const newreno = json(...args, '--cc', 'newreno', '--no-sack');
  assert.equal(cubic.out.ok, true);
  assert.equal(newreno.out.ok, true);
  assert.match(newreno.out.command, / --no-sack --cc newreno$/);
  assert.doesNotMatch(cubic.out.command, /--cc|--no-sack/);
  const replay = json(...(newreno.out.command as string).split(' ').slice(2));
  assert.deepEqual(replay.out, newreno.out);
  // Same seed and link, other recovery: the loss pattern is the same, what TCP did is not.
  assert.notEqual(newreno.out.virtualMs, cubic.out.virtualMs);
});

test('--cc bbr: BBR on both hosts, byte-exact; the command replays it', () => {
  const args = ['--seed', '6', '--bytes', '2M', '--loss', '0.01', '--delay', '10', '--rate', '50M'];
  const bbr = json(...args, '--cc', 'bbr');
  assert.equal(bbr.out.ok, true);
  assert.match(bbr.out.command, / --cc bbr$/);
  const replay = json(...(bbr.out.command as string).split(' ').slice(2));
  assert.deepEqual(replay.out, bbr.out);
  assert.notEqual(bbr.out.virtualMs, json(...args).out.virtualMs);
});

test('--fast-open: the first data rides on the SYN (in the capture); the command replays it', () => {
  const args = ['--seed', '5', '--bytes', '1000', '--delay', '10'];
  const plain = json(...args);
  const pcap = path.join(dir, 'fo.pcap');
  const fo = json(...args, '--fast-open', '--pcap', pcap);
  assert.equal(fo.out.ok, true);
  assert.match(fo.out.command, / --fast-open$/);
  assert.equal(fo.out.receivedSha256, plain.out.receivedSha256);
  const cap = readCapture(readFileSync(pcap));
  assert.ok(cap.ok);
  const first = decodeTcpPacket(cap.records[0].data, locate(cap.records[0]));
  assert.ok(first.ok && first.tcp.flags & TcpFlag.SYN);
  assert.equal(first.payloadLength, 1000, 'the SYN carries the 1000 bytes');
  assert.equal(first.tcp.options.fastOpenCookie?.length, 8);
});

function locate(r: { linkType: number; data: Uint8Array }): number {
  const at = locateIp(r.linkType, r.data);
  assert.ok(at.ok);
  return at.offset;
}

test('--loss 1: nothing gets through; ok false, exit 1, and it ends (the SYN retries run out)', () => {
  const { status, out } = json('--seed', '3', '--loss', '1');
  assert.equal(status, 1);
  assert.equal(out.ok, false);
  assert.equal(out.client.error.code, 'ETIMEDOUT');
  assert.notEqual(out.receivedSha256, out.sentSha256);
  assert.equal(out.streams.up.receivedBytes, 0);
});

test('a partition longer than the user timeout: ETIMEDOUT on both sides, exit 1', () => {
  const { status, out } = json('--seed', '4', '--bytes', '1M', '--direction', 'both', '--rate', '10M', '--delay', '10', '--user-timeout', '5000', '--partition', '200-20200');
  assert.equal(status, 1);
  assert.equal(out.client.error.code, 'ETIMEDOUT');
  assert.equal(out.server.error.code, 'ETIMEDOUT');
});

test('path MTU discovery: hosts that think 1500 on a 576 link', () => {
  const { status, out } = json('--seed', '5', '--bytes', '50000', '--mtu', '576', '--host-mtu', '1500');
  assert.equal(status, 0);
  assert.ok(out.link.tooBig > 0);
  assert.equal(out.client.pathMtu, 576);
});

test('the text report: seed first, verdict last; a random seed is printed and replays', () => {
  const r = synack('sim', '--bytes', '20000', '--direction', 'down');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const m = /^synack sim: seed (\d+), 20000 bytes server -> client/.exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.equal(lines.at(-1), 'ok');
  assert.match(r.stdout, /server -> client: intact: 20000 of 20000 bytes/);
  assert.match(r.stdout, /retransmitted segments \d+, retransmission timeouts \d+, duplicate ACKs \d+/);
  const again = synack('sim', '--bytes', '20000', '--direction', 'down', '--seed', m[1]);
  assert.equal(again.stdout, r.stdout);
});

test('--pcap writes a capture that synack decode reads', () => {
  const file = path.join(dir, 'sim.pcap');
  const r = synack('sim', '--seed', '6', '--bytes', '10000', '--pcap', file);
  assert.equal(r.status, 0, r.stderr);
  const d = synack('decode', file);
  assert.equal(d.status, 0, d.stderr);
  const lines = d.stdout.trim().split('\n');
  assert.match(lines[0], /198\.18\.0\.1\.\d+ > 198\.18\.0\.2\.5001: Flags \[S\]/);
  assert.ok(lines.length > 10);
});

test('usage errors exit 2 with the usage', () => {
  for (const args of [
    ['--loss', '2'],
    ['--loss', 'lots'],
    ['--direction', 'sideways'],
    ['--bytes', '-1'],
    ['--bytes', '1.5'],
    ['--mtu', '20'],
    ['--partition', '5-1'],
    ['--cc', 'vegas'],
    ['--frobnicate'],
    ['extra'],
  ]) {
    const r = synack('sim', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^synack sim: .*\nsee 'synack sim --help'\n$/);
  }
});

test('--help', () => {
  const r = synack('sim', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--delay MS +one-way propagation delay/);
  assert.match(synack('--help').stdout, /sim +transfer bytes between two simulated hosts/);
});
