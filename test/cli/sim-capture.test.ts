/**
 * `synack sim` on long runs and big captures: the seed comes first (before the run, so a run cut
 * short can be replayed), a progress line appears on a terminal and never on a pipe or in --json,
 * and --pcap writes as it goes: a capture the disk stops (here a file-size limit, `ulimit -f`) never
 * costs the report, and the file holds every packet before the stop, whole.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCapture } from '../../src/wire/index.js';
import { cliPath, runCli } from '../checkout.js';

const dir = mkdtempSync(path.join(tmpdir(), 'synack-simcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('a capture stopped by a file-size limit: the whole report, the reason on stderr, exit 1, a valid file', () => {
  const file = path.join(dir, 'limited.pcap');
  // 200 blocks of 512 bytes (sh's ulimit -f unit): 100 KiB, for a capture of about 1.1 MB.
  const r = spawnSync('sh', ['-c', `ulimit -f 200 && exec ${sh(process.execPath)} ${sh(cliPath)} sim --seed 7 --bytes 1M --pcap ${sh(file)}`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^synack sim: seed 7, 1000000 bytes client -> server/);
  assert.equal(lines.at(-1), 'ok', 'the transfer itself succeeded and its report is all there');
  assert.match(r.stdout, /client -> server: intact: 1000000 of 1000000 bytes/);
  const m = /synack sim: .*limited\.pcap: capture stopped after (\d+) packets \((\d+) not written\): EFBIG/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const cap = readCapture(new Uint8Array(readFileSync(file)));
  assert.ok(cap.ok);
  assert.equal(cap.damage, undefined, 'the file ends on a whole record');
  assert.equal(cap.records.length, Number(m[1]));
  assert.ok(cap.records.length > 50 && Number(m[2]) > 0);
  const t = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  if (!t.error) {
    assert.equal(t.status, 0, t.stderr);
    assert.equal(t.stdout.split('\n').filter(Boolean).length, cap.records.length);
    assert.doesNotMatch(t.stderr, /cut short|damaged/);
  } else if (process.env.CI) assert.fail(`tshark: ${t.error.message}`);
});

test('the same with --json: one JSON object on stdout, then the capture error', () => {
  const file = path.join(dir, 'limited2.pcap');
  const r = spawnSync('sh', ['-c', `ulimit -f 200 && exec ${sh(process.execPath)} ${sh(cliPath)} sim --json --seed 7 --bytes 1M --pcap ${sh(file)}`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1);
  const out = JSON.parse(r.stdout) as { ok: boolean; seed: number };
  assert.equal(out.ok, true);
  assert.match(r.stderr, /^synack sim: seed 7\n/);
  assert.match(r.stderr, /capture stopped after \d+ packets/);
});

test('a capture file that cannot be created: exit 1 before the run', () => {
  const r = runCli(['sim', '--seed', '1', '--bytes', '1000', '--pcap', path.join(dir, 'no', 'such', 'dir.pcap')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot write .*dir\.pcap: ENOENT/);
  assert.equal(r.stdout, '');
});

test('the seed is out before the run ends: a run killed midway has printed it', async () => {
  // A run of minutes; killed as soon as its first line is out.
  const child = spawn(process.execPath, [cliPath, 'sim', '--bytes', '5G', '--seed', '4242'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no first line in 30 s: ${out}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]);
      }
    });
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGINT');
  await exited;
  assert.match(first, /^synack sim: seed 4242, 5000000000 bytes client -> server/);
  assert.doesNotMatch(out, /\nok\n/, 'the run had not finished');
});

/** Run a command on a pseudo-terminal (util-linux script); its output as the terminal saw it. */
function onTerminal(args: string[]): { status: number | null; output: string } | undefined {
  const cmd = [process.execPath, cliPath, ...args].map(sh).join(' ');
  // Progress from the first packet (not after a second), so that the test does not depend on how
  // fast this machine runs the simulation; the one-second rule itself is progress.test.ts's.
  const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SYNACK_PROGRESS_AFTER_MS: '0' } });
  if (r.error) return undefined;
  return { status: r.status, output: r.stdout };
}

test('on a terminal, a run shows progress (bytes, virtual time, rate) and erases it before the report', (t) => {
  const r = onTerminal(['sim', '--seed', '1', '--bytes', '5M']);
  if (!r) {
    if (process.env.CI) assert.fail('script(1) is needed to give the CLI a terminal');
    t.skip('no script(1)');
    return;
  }
  assert.equal(r.status, 0, r.output);
  const progress = r.output.split('\r\x1b[K').filter((s) => /^  [\d.]+ [kMG]?B, \d+ packets on the link; [\d.]+ s virtual, (-|[\d.]+ [kMG]?bit\/s); [\d.]+ s real$/.test(s));
  assert.ok(progress.length > 0, `no progress line in: ${JSON.stringify(r.output.slice(0, 400))}`);
  // The seed line came first; the report after the last erase, complete.
  assert.match(r.output, /^synack sim: seed 1, 5000000 bytes/);
  const after = r.output.slice(r.output.lastIndexOf('\r\x1b[K') + 4);
  assert.match(after, /client -> server: intact: 5000000 of 5000000 bytes[\s\S]*\nok\r?\n$/);
});

test('never on a pipe, never in --json: the same run piped has no progress and no terminal codes', () => {
  const piped = runCli(['sim', '--seed', '1', '--bytes', '5M'], { timeout: 120_000, env: { ...process.env, SYNACK_PROGRESS_AFTER_MS: '0' } });
  assert.equal(piped.status, 0, piped.stderr);
  assert.doesNotMatch(piped.stdout + piped.stderr, /\r|\x1b|packets on the link/);
  const r = onTerminal(['sim', '--json', '--seed', '1', '--bytes', '5M']);
  if (r) assert.doesNotMatch(r.output, /\x1b\[K|packets on the link/, '--json on a terminal: no progress either');
});
