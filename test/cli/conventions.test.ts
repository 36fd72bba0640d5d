/**
 * The conventions every `synack` command shares, checked on the built CLI in a child process:
 *
 * - `-h` and `--help` on every command and subcommand print that command's own usage on stdout and
 *   exit 0, and `synack help CMD` prints the same. The commands are read from `synack --help`, so a
 *   command added without help fails here.
 * - Exit status 0 success, 1 failure, 2 usage error. A usage error prints two lines on stderr, the
 *   reason and `see 'synack CMD --help'`, and nothing on stdout.
 * - Progress lines (bench, packetdrill) go to stderr on a terminal only: SYNACK_PROGRESS=1 stands in
 *   for the terminal here; on a pipe, or with --json, stderr stays empty.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, runCli, type CliResult } from '../checkout.js';

const dir = mkdtempSync(path.join(tmpdir(), 'synack-conventions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function synack(...args: string[]): CliResult {
  return runCli(args, { timeout: 60_000 });
}

/** The command names in `synack --help`'s "commands:" list. */
function listedCommands(): string[] {
  const r = synack('--help');
  assert.equal(r.status, 0);
  const section = r.stdout.split('\ncommands:\n')[1];
  assert.ok(section, `no commands: section in\n${r.stdout}`);
  const names: string[] = [];
  for (const line of section.split('\n')) {
    const m = /^  (\S+)  /.exec(line);
    if (!m) break;
    names.push(m[1]);
  }
  return names;
}

const COMMANDS = listedCommands();
/** Subcommands with their own usage. */
const SUBCOMMANDS = [['bench', 'flood']];

describe('every command answers -h and --help with its own usage', () => {
  test('the list is the one users see', () => {
    for (const c of ['decode', 'sim', 'bench', 'demo', 'ladder', 'serve', 'connect', 'packetdrill']) assert.ok(COMMANDS.includes(c), `${c} in ${COMMANDS}`);
  });
  for (const words of [...COMMANDS.map((c) => [c]), ...SUBCOMMANDS]) {
    test(`synack ${words.join(' ')}`, () => {
      const expected = new RegExp(`^usage: synack ${words.join(' ')}\\b`);
      const outputs: string[] = [];
      for (const args of [[...words, '-h'], [...words, '--help'], ['help', ...words]]) {
        const r = synack(...args);
        assert.equal(r.status, 0, `synack ${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stdout, expected, `synack ${args.join(' ')}`);
        assert.equal(r.stderr, '', `synack ${args.join(' ')}`);
        outputs.push(r.stdout);
      }
      assert.equal(outputs[1], outputs[0], '-h and --help print the same');
      assert.equal(outputs[2], outputs[0], 'help CMD prints the command help');
      // Help comes before anything else: with other (even bad) options beside it, still help.
      const r = synack(...words, '--no-such-option', '-h');
      assert.equal(r.status, 0);
      assert.match(r.stdout, expected);
    });
  }
  test('synack help with an unknown command is a usage error', () => {
    const r = synack('help', 'frobnicate');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "synack: no command 'frobnicate' to explain\nsee 'synack --help'\n");
  });
  test('the tour run as a script, npm run fuzz and npm run bench answer --help with descriptions', () => {
    for (const [file, first] of [
      ['dist/src/cli/tour.js', /^usage: synack tour /],
      ['dist/test/fuzz/run.js', /^usage: npm run fuzz -- /],
      ['dist/src/bench/run.js', /^usage: npm run bench -- /],
    ] as const) {
      for (const flag of ['--help', '-h']) {
        const r = spawnSync(process.execPath, [path.join(repoRoot, file), flag], { encoding: 'utf8', timeout: 30_000 });
        assert.equal(r.status, 0, `${file} ${flag}: ${r.stderr}`);
        assert.match(r.stdout, first);
        assert.match(r.stdout, /^  --\S+( \S+)? +\S/m, 'each option is described');
        assert.doesNotMatch(r.stdout, /^  --\S+( [A-Z_]+)?$/m, 'no option without a description');
      }
      const bad = spawnSync(process.execPath, [path.join(repoRoot, file), '--no-such-option', '1'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(bad.status, 2, `${file}: ${bad.stderr}`);
      assert.match(bad.stderr, /^[^\n]+\nsee '(synack tour|npm run fuzz --|npm run bench --) --help'\n$/);
    }
  });
});

describe('a usage error: the reason and a pointer to --help, exit 2', () => {
  for (const words of [...COMMANDS.map((c) => [c]), ...SUBCOMMANDS]) {
    test(`synack ${words.join(' ')} --no-such-option`, () => {
      const r = synack(...words, '--no-such-option');
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, `synack ${words.join(' ')}: unknown option --no-such-option\nsee 'synack ${words.join(' ')} --help'\n`);
      assert.equal(r.stdout, '');
    });
  }
  test('an unknown command or top-level option', () => {
    assert.deepEqual(synack('frobnicate'), { status: 2, stdout: '', stderr: "synack: unknown command 'frobnicate'\nsee 'synack --help'\n" });
    assert.deepEqual(synack('--frobnicate'), { status: 2, stdout: '', stderr: "synack: unknown option --frobnicate\nsee 'synack --help'\n" });
  });
  test('a number out of range names the range allowed', () => {
    const r = synack('sim', '--bytes', '-1');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^synack sim: --bytes: a whole number of at least 0 \(suffixes [^)]*\), not '-1'\n/);
    assert.match(synack('sim', '--mtu', '20').stderr, /--mtu: a whole number from 68 to 65535, not '20'/);
    assert.match(synack('sim', '--loss', '2').stderr, /--loss: a number from 0 to 1, not '2'/);
  });
  test('bench --filter matching no row is a usage error naming the rows', () => {
    const r = synack('bench', '--filter', 'no-such-row');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--filter 'no-such-row' matches no row \(rows: throughput-mtu65535, /);
  });
});

describe('failures exit 1', () => {
  test('ladder of a damaged (cut short) capture exits 1, as decode does, after drawing what it read', () => {
    const capture = path.join(dir, 'handshake.pcap');
    assert.equal(synack('demo', 'handshake', '--pcap', capture).status, 0);
    const whole = readFileSync(capture);
    const cut = path.join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const ladder = synack('ladder', cut);
    assert.equal(ladder.status, 1, ladder.stderr);
    assert.match(ladder.stdout, /connection 1 of 1/);
    assert.match(ladder.stderr, /^synack ladder: .*cut\.pcap: truncated/);
    assert.equal(synack('decode', cut).status, 1);
    assert.equal(synack('ladder', capture).status, 0);
  });
});

describe('bench --check and progress', () => {
  // goodput-loss1pct runs in virtual time: its value, and so whether it meets its target, is fixed.
  test('synack bench --check: exit 1 exactly when a row misses its target; --json stays clean with progress forced', () => {
    const r = runCli(['bench', '--check', '--json', '--filter', 'goodput-loss1pct'], { timeout: 120_000, env: { ...process.env, SYNACK_PROGRESS: '1' } });
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { value: number; referenceValue: number });
    assert.equal(rows.length, 2, 'CUBIC and BBR');
    const met = rows.every((row) => row.value >= row.referenceValue);
    assert.equal(r.status, met ? 0 : 1, r.stderr);
    assert.equal(r.stderr, met ? '' : r.stderr, 'no progress with --json');
    assert.doesNotMatch(r.stderr, /measuring/);
  });
  test('the row being measured is shown on a terminal (forced), never on a pipe; each row printed as it completes', () => {
    const env = { ...process.env };
    delete env.SYNACK_PROGRESS;
    const piped = runCli(['bench', '--filter', 'goodput-loss1pct'], { timeout: 120_000, env });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stderr, '', 'nothing on stderr on a pipe');
    assert.match(piped.stdout, /^goodput-loss1pct-rtt50ms +\S/m);
    const tty = runCli(['bench', '--filter', 'goodput-loss1pct'], { timeout: 120_000, env: { ...env, SYNACK_PROGRESS: '1' } });
    assert.equal(tty.status, 0, tty.stderr);
    assert.match(tty.stderr, /^\r\x1b\[Kmeasuring goodput-loss1pct-rtt50ms \(1 of 2, /);
    assert.match(tty.stderr, /\r\x1b\[Kmeasuring goodput-loss1pct-rtt50ms-bbr \(2 of 2, /);
    assert.ok(tty.stderr.endsWith('\r\x1b[K'), 'the progress line is erased at the end');
    assert.equal(tty.stdout, piped.stdout, 'stdout is the same with progress (virtual time: the same figures)');
    assert.doesNotMatch(tty.stdout, /\x1b/);
  });
});

