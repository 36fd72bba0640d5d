/**
 * `synack packetdrill` as a user runs it: the built CLI in a child process, on scripts written to a
 * temporary directory.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from '../checkout.js';
import { ACTIVE, RETRANSMIT } from './scripts.js';

const dir = mkdtempSync(path.join(tmpdir(), 'synack-packetdrill-'));
after(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(path.join(dir, 'a'));
mkdirSync(path.join(dir, 'b'));
const pass = path.join(dir, 'a', 'pass.pkt');
const fail = path.join(dir, 'a', 'fail.pkt');
const unsupported = path.join(dir, 'b', 'unsupported.pkt');
const rtx = path.join(dir, 'b', 'rtx.pkt');
writeFileSync(pass, ACTIVE);
writeFileSync(fail, ACTIVE.replace('+0 > . 1:1(0) ack 1\n', '+0 > . 1:1(0) ack 2\n'));
writeFileSync(unsupported, '0 `sysctl -w net.inet.tcp.syncookies=2`\n');
writeFileSync(rtx, RETRANSMIT);
writeFileSync(path.join(dir, 'b', 'notes.txt'), 'not a script\n');

function run(...args: string[]): CliResult {
  return runCli(['packetdrill', ...args], { timeout: 60_000 });
}

/** The hand-written scripts are written for synack's own defaults: `--personality none`. */
function synack(...args: string[]): CliResult {
  return run('--personality', 'none', ...args);
}

const NONE = "personality: none (synack's own defaults)";

test('a passing script: PASS and the closing line; exit 0', () => {
  const r = synack(pass);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${NONE}\nPASS        ${pass}\n1 passed, 0 failed, 0 unsupported\n`);
});

test('a directory: every .pkt below it, the first mismatch of a FAIL, what UNSUPPORTED lacks; exit 1', () => {
  const r = synack(dir);
  assert.equal(r.status, 1);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    NONE,
    `FAIL        ${fail}`,
    `            line 9: expected outbound > . 1:1(0) ack 2 at 0.100000 sec; synack sent > . 1:1(0) ack 1 win 1024 at 0.100000 sec: acknowledgment number expected 2, got 1`,
    `PASS        ${pass}`,
    `PASS        ${rtx}`,
    `UNSUPPORTED ${unsupported}`,
    `            line 1: sysctl net.inet.tcp.syncookies=2: values other than 0 and 1`,
    '2 passed, 1 failed, 1 unsupported',
  ]);
});

test('--json: one object per script, then the totals', () => {
  const r = synack('--json', path.join(dir, 'a'), unsupported);
  assert.equal(r.status, 1);
  const objs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(Object.keys(objs[0]), ['script', 'result', 'detail', 'personality']);
  assert.ok(objs.slice(0, 3).every((o) => o.personality === 'none'));
  assert.deepEqual(
    objs.map((o) => [o.script, o.result]),
    [
      [fail, 'FAIL'],
      [pass, 'PASS'],
      [unsupported, 'UNSUPPORTED'],
      [undefined, undefined],
    ],
  );
  assert.match(String(objs[0].detail), /^line 9: .*acknowledgment number expected 2, got 1$/);
  assert.deepEqual(objs[3], { passed: 1, failed: 1, unsupported: 1, personality: 'none' });
});

test('--strict compares option order and the window', () => {
  const r = synack('--strict', '--json', rtx);
  const first = JSON.parse(r.stdout.split('\n')[0]) as { result: string; detail: string };
  assert.equal(first.result, 'PASS', first.detail);
  const strictFail = path.join(dir, 'order.pkt');
  writeFileSync(strictFail, ACTIVE.replace('<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>', '<mss 1460,nop,wscale 7,sackOK,TS val 100 ecr 0>'));
  assert.equal(synack(strictFail).status, 0);
  const s = synack('--strict', strictFail);
  assert.equal(s.status, 1);
  assert.match(s.stdout, /TCP options \(kinds and order\)/);
  rmSync(strictFail);
});

test('--verbose prints every event of the script', () => {
  const r = synack('--verbose', pass);
  assert.match(r.stdout, /synack sent > P\. 1:101\(100\) ack 1/);
  assert.match(r.stdout, /inject < F\. 51:51\(0\) ack 102 win 1000 {2}\(line 20\)/);
});

test('--summary: a table by directory and what did not pass; --baseline gates on the number passing', () => {
  const base = path.join(dir, 'baseline.json');
  writeFileSync(base, '{ "passed": 2 }\n');
  const r = synack('--summary', '--baseline', base, dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^synack packetdrill \(lenient, personality none\): 4 scripts in /m);
  assert.match(r.stdout, /^directory\s+passed\s+failed\s+unsupported\s+total$/m);
  assert.match(r.stdout, /^a\s+1\s+1\s+0\s+2$/m);
  assert.match(r.stdout, /^b\s+1\s+0\s+1\s+2$/m);
  assert.match(r.stdout, /^total\s+2\s+1\s+1\s+4$/m);
  assert.match(r.stdout, /^FAIL {8}.*fail\.pkt\n {12}line 9: /m);
  assert.match(r.stdout, /2 passed, 1 failed, 1 unsupported\n$/);
  writeFileSync(base, '{ "passed": 3 }\n');
  const below = synack('--summary', '--baseline', base, dir);
  assert.equal(below.status, 1);
  assert.match(below.stderr, /2 scripts passed, fewer than the baseline of 3/);
  writeFileSync(base, '{ "passed": 1 }\n');
  const above = synack('--summary', '--baseline', base, dir);
  assert.equal(above.status, 0);
  assert.match(above.stdout, /raise "passed" in .*baseline\.json to 2/);
});

test('usage errors exit 2; unreadable paths exit 1', () => {
  assert.equal(synack().status, 2);
  assert.equal(synack('--strict', '--lenient', pass).status, 2);
  assert.equal(synack('--bogus', pass).status, 2);
  assert.equal(synack('--baseline', 'x.json', pass).status, 2);
  assert.equal(run('--personality', 'solaris', pass).status, 2);
  const missing = synack(path.join(dir, 'nope.pkt'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read .*nope\.pkt: ENOENT/);
  const help = synack('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: synack packetdrill/);
});

/** FreeBSD's form of an ACK while its FIN is unacknowledged: the FIN again (finWithAck). */
const CLOSING = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 32767 <mss 1460>
+0 > . 1:1(0) ack 1
+0.1 shutdown(3, SHUT_WR) = 0
+0 > F. 1:1(0) ack 1
+0.1 < F. 1:1(0) ack 1 win 32767
+0 > F. 1:1(0) ack 2
+0.05 < . 2:2(0) ack 2 win 32767
+0 close(3) = 0
`;

test('--personality: freebsd by default, named in the output and in --json; none runs synack as it ships', () => {
  const closing = path.join(dir, 'closing.pkt');
  writeFileSync(closing, CLOSING);
  try {
    const d = run(closing);
    assert.equal(d.status, 0, d.stdout);
    assert.match(d.stdout, /^personality: freebsd \(FreeBSD's choices where the RFCs leave one: receiveWindowFromBuffer, finWithAck, .*maxRtoMs=64000.*\)\nPASS /);
    assert.equal(run('--personality', 'freebsd', closing).stdout, d.stdout);
    const j = run('--json', closing);
    const objs = j.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(objs[0].personality, 'freebsd');
    assert.equal(objs[1].personality, 'freebsd');
    const n = synack(closing);
    assert.equal(n.status, 1);
    assert.match(n.stdout, /^personality: none \(synack's own defaults\)\nFAIL /);
    assert.match(n.stdout, /line 11: expected outbound > F\. 1:1\(0\) ack 2 at 0\.300000 sec; synack sent > \. 2:2\(0\) ack 2 .*flags expected F\., got \./);
  } finally {
    rmSync(closing);
  }
});

test('-D NAME, -DNAME, --define NAME=VALUE and --define=NAME define symbols for #ifdef; a malformed one is a usage error', () => {
  const cond = path.join(dir, 'cond.pkt');
  // close() of a descriptor that is not open fails with EBADF: the script passes only when WANT is defined.
  writeFileSync(cond, ['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3', '#ifdef WANT', '+0 close(3) = 0', '#else', '+0 close(3) = -1 EBADF', '#endif', ''].join('\n'));
  try {
    assert.equal(synack(cond).status, 1);
    assert.equal(synack('-D', 'WANT', cond).status, 0);
    assert.equal(synack('-DWANT', cond).status, 0);
    assert.equal(synack('--define', 'WANT=2', cond).status, 0);
    assert.equal(synack('--define=WANT', cond).status, 0);
    assert.equal(synack('-D', 'OTHER', cond).status, 1);
    assert.equal(synack('-D', '9X', cond).status, 2);
    assert.equal(synack(cond, '-D').status, 2);
    assert.match(synack('--help').stdout, /-D NAME\[=VALUE\], --define NAME\[=VALUE\]/);
  } finally {
    rmSync(cond);
  }
});

test('nothing to run is an error: a directory with no *.pkt exits 1 and runs nothing; an empty or comment-only script FAILs', () => {
  const none = mkdtempSync(path.join(tmpdir(), 'synack-packetdrill-none-'));
  try {
    writeFileSync(path.join(none, 'readme.txt'), 'no scripts here\n');
    const r = synack(none);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `synack packetdrill: ${none}: no *.pkt script in it or below it: nothing to run\n`);
    // One empty directory among good targets still fails before anything runs.
    assert.equal(synack(pass, none).status, 1);
    const empty = path.join(none, 'empty.pkt');
    const comments = path.join(none, 'comments.pkt');
    writeFileSync(empty, '');
    writeFileSync(comments, '// only a comment\n/* and a block\n   comment */\n\n');
    const e = synack(none);
    assert.equal(e.status, 1);
    assert.deepEqual(e.stdout.trimEnd().split('\n'), [
      NONE,
      `FAIL        ${comments}`,
      '            empty script: no events, nothing to run',
      `FAIL        ${empty}`,
      '            empty script: no events, nothing to run',
      '0 passed, 2 failed, 0 unsupported',
    ]);
  } finally {
    rmSync(none, { recursive: true, force: true });
  }
});

test('the conformance run shows its progress on a terminal (forced here), never on a pipe or with --json', () => {
  const env = { ...process.env };
  delete env.SYNACK_PROGRESS;
  const piped = runCli(['packetdrill', '--personality', 'none', '--summary', dir], { timeout: 60_000, env });
  assert.equal(piped.stderr, '');
  const tty = runCli(['packetdrill', '--personality', 'none', '--summary', dir], { timeout: 60_000, env: { ...env, SYNACK_PROGRESS: '1' } });
  assert.equal(tty.status, piped.status);
  // The first script's line is always shown (later ones at most every 100 ms), then erased.
  assert.match(tty.stderr, /^\r\x1b\[K\[1\/4\] 0 passed.*\/fail\.pkt\r/);
  assert.ok(tty.stderr.endsWith('\r\x1b[K'));
  assert.equal(tty.stdout.replace(/in [\d.]+ s/, ''), piped.stdout.replace(/in [\d.]+ s/, ''), 'stdout carries no progress');
  const json = runCli(['packetdrill', '--personality', 'none', '--json', dir], { timeout: 60_000, env: { ...env, SYNACK_PROGRESS: '1' } });
  assert.equal(json.stderr, '');
});
