/**
 * nplab packetdrill's conditional lines (#ifdef, #ifndef, #else, #endif, nested as in C, with
 * #define and #undef), the symbols a run defines (the personality's platform, -D on the command
 * line), and FreeBSD's tcpdrop(8) beside sockstat. Expectations come from the C preprocessor's
 * rules and the tcpdrop(8) manual page: every line keeps its number; a left-out group's
 * directives only nest; "tcpdrop -s STATE" drops every connection in STATE, -a every connection,
 * -l lists the tcpdrop command for each instead; a dropped connection's peer gets a RST where it
 * holds state (RFC 9293 §3.10.5) and the socket reports ECONNABORTED (FreeBSD's tcp_drop).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript, preprocess, runScriptText, scriptDefines, parseDefine } from '../../src/packetdrill/index.js';
import { runShell, type SocketRow } from '../../src/packetdrill/shell.js';

const defs = (...names: string[]) => new Map(names.map((n) => [n, '1']));

function kept(src: string, ...names: string[]): string[] {
  const r = preprocess(src, defs(...names));
  if (!r.ok) assert.fail(`line ${r.line}: ${r.message}`);
  return r.text.split('\n');
}

test('#ifdef keeps its lines only when the symbol is defined; #else takes the other branch; line numbers stay', () => {
  const src = ['a', '#ifdef FreeBSD', 'b', '#else', 'c', '#endif', 'd'].join('\n');
  assert.deepEqual(kept(src, 'FreeBSD'), ['a', '', 'b', '', '', '', 'd']);
  assert.deepEqual(kept(src), ['a', '', '', '', 'c', '', 'd']);
  assert.deepEqual(kept(src, 'Linux'), ['a', '', '', '', 'c', '', 'd']);
});

test('#ifndef is the opposite of #ifdef', () => {
  const src = ['#ifndef STANDARD', 'x', '#else', 'y', '#endif'].join('\n');
  assert.deepEqual(kept(src), ['', 'x', '', '', '']);
  assert.deepEqual(kept(src, 'STANDARD'), ['', '', '', 'y', '']);
});

test('nested groups: an inner group inside a left-out branch is left out whatever its symbol', () => {
  const src = ['#ifdef A', '#ifdef B', 'ab', '#else', 'a-not-b', '#endif', '#else', '#ifdef B', 'b-not-a', '#endif', 'not-a', '#endif'].join('\n');
  const lines = (...names: string[]) => kept(src, ...names).filter((l) => l);
  assert.deepEqual(lines('A', 'B'), ['ab']);
  assert.deepEqual(lines('A'), ['a-not-b']);
  assert.deepEqual(lines('B'), ['b-not-a', 'not-a']);
  assert.deepEqual(lines(), ['not-a']);
  // #if with an expression, inside a left-out group, only nests (its #endif closes it, not ours).
  assert.deepEqual(kept(['#ifdef X', '#if FOO > 1', 'p', '#elif 1', 'q', '#endif', 'r', '#endif', 's'].join('\n')).filter((l) => l), ['s']);
});

test('#define and #undef change the symbols for the lines after them, only where lines are kept', () => {
  const src = ['#define V', '#ifdef V', 'v', '#endif', '#undef V', '#ifdef V', 'w', '#endif', '#ifdef NO', '#define W', '#endif', '#ifdef W', 'x', '#endif'].join('\n');
  assert.deepEqual(kept(src).filter((l) => l), ['v']);
});

test('directives may be indented and carry a comment; "#" in %{ }% code and in C comments is not a directive', () => {
  assert.deepEqual(kept('  #ifdef A // why\nx\n  #endif /* done */', 'A'), ['', 'x', '']);
  const code = '0 %{\n# a Python comment\nassert tcpi_state == 1\n}%';
  assert.deepEqual(kept(code), code.split('\n'));
  const comment = '/*\n#ifdef A\n*/\ny';
  assert.deepEqual(kept(comment), comment.split('\n'));
});

test('malformed groups are errors at the line that shows it', () => {
  const err = (src: string) => {
    const r = preprocess(src, defs());
    assert.equal(r.ok, false, src);
    return r as { ok: false; line: number; message: string };
  };
  assert.deepEqual(err('x\n#ifdef A\ny').line, 2);
  assert.match(err('x\n#ifdef A\ny').message, /#ifdef without #endif/);
  assert.deepEqual(err('#else').line, 1);
  assert.deepEqual(err('#endif').line, 1);
  assert.match(err('#ifdef A\n#else\n#else\n#endif').message, /second #else for the #ifdef of line 1/);
  assert.match(err('#ifdef\n#endif').message, /#ifdef needs one symbol name/);
  assert.match(err('#if defined(A)\n#endif').message, /#if \(synack reads #ifdef and #ifndef/);
  assert.match(err('#include "x.pkt"').message, /preprocessor directive #include/);
  // A directive synack does not read is harmless inside a left-out group.
  assert.equal(preprocess('#ifdef NO\n#include "x"\n#endif').ok, true);
});

test('parseScript resolves the groups first and reports errors after a left-out group at their own line', () => {
  const src = ['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3', '#ifdef FreeBSD', '+0 close(3) = 0', '#else', 'this is not packetdrill', '#endif', '+0 bogus'].join('\n');
  const r = parseScript(src, { defines: defs('FreeBSD') });
  assert.equal(r.ok, false);
  assert.equal((r as { ok: false; error: { line: number } }).error.line, 7);
  const ok = parseScript(src.replace('+0 bogus', ''), { defines: defs('FreeBSD') });
  assert.equal(ok.ok, true);
  if (ok.ok) assert.deepEqual(ok.script.events.map((e) => e.line), [1, 3]);
  assert.equal(parseScript(src.replace('+0 bogus', ''), { defines: defs() }).ok, false);
});

/** close() of an open socket returns 0; of a descriptor that is not open, -1 EBADF. */
const PLATFORM = ['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3', '#ifdef FreeBSD', '+0 close(3) = 0', '#else', '+0 close(4) = -1 EBADF (Bad file descriptor)', '#endif', ''].join('\n');

test('the personality defines its platform symbol: FreeBSD under freebsd, nothing under none', () => {
  assert.deepEqual([...scriptDefines({ personality: 'freebsd' })], [['FreeBSD', '']]);
  assert.deepEqual([...scriptDefines({ personality: 'none' })], []);
  const fb = runScriptText(PLATFORM, { personality: 'freebsd' });
  assert.equal(fb.result, 'PASS', fb.detail);
  const none = runScriptText(PLATFORM.replace('close(4) = -1 EBADF', 'close(4) = 0'), { personality: 'none' });
  assert.equal(none.result, 'FAIL');
  assert.match(none.detail, /^line 5: close\(\) returned -1 EBADF, expected 0/);
});

test('defines from the caller (-D) are seen beside the platform symbol', () => {
  const src = PLATFORM.replace('#ifdef FreeBSD', '#ifdef WANT');
  assert.equal(runScriptText(src, { personality: 'none', defines: { WANT: '1' } }).result, 'PASS');
  assert.equal(runScriptText(src, { personality: 'none' }).result, 'PASS'); // the #else branch: EBADF
  assert.equal(runScriptText(src.replace('close(4) = -1 EBADF', 'close(4) = 0'), { personality: 'none' }).result, 'FAIL');
  assert.deepEqual(parseDefine('X'), ['X', '']);
  assert.deepEqual(parseDefine('X=a=b'), ['X', 'a=b']);
  assert.throws(() => parseDefine('1X'), /not a symbol name/);
});

// ---------------------------------------------------------------------------------------------
// tcpdrop(8)

function rows(): SocketRow[] {
  const row = (lport: number, fport: number | undefined, state: string): SocketRow => ({
    fd: 4,
    family: 4,
    local: `192.168.0.1:${lport}`,
    localPort: lport,
    foreign: fport === undefined ? '*:*' : `192.0.2.1:${fport}`,
    foreignPort: fport,
    localHost: '192.168.0.1',
    foreignHost: fport === undefined ? undefined : '192.0.2.1',
    state,
  });
  return [row(8080, undefined, 'LISTEN'), row(8080, 40000, 'ESTABLISHED'), row(8080, 40001, 'CLOSE_WAIT'), row(8080, 40002, 'ESTABLISHED')];
}

function shell(cmd: string) {
  const dropped: string[] = [];
  const host = {
    sysctlWrite: () => undefined,
    sysctlRead: () => undefined,
    sockets: rows,
    drop: (r: SocketRow) => {
      dropped.push(`${r.foreignPort}`);
      return undefined;
    },
  };
  const r = runShell(cmd, host);
  if (!r.ok) assert.fail(r.unsupported);
  return { ...r, dropped };
}

test('tcpdrop -s STATE drops every connection in that state and prints each; -l only lists them', () => {
  const r = shell('tcpdrop -s ESTABLISHED');
  assert.equal(r.status, 0);
  assert.deepEqual(r.dropped, ['40000', '40002']);
  assert.deepEqual(r.output, ['192.168.0.1 8080 192.0.2.1 40000: dropped', '192.168.0.1 8080 192.0.2.1 40002: dropped']);
  const l = shell('tcpdrop -l -s CLOSE_WAIT');
  assert.deepEqual(l.dropped, []);
  assert.deepEqual(l.output, ['tcpdrop 192.168.0.1 8080 192.0.2.1 40001']);
  // No connection in the state: nothing to do, success.
  const none = shell('tcpdrop -s FIN_WAIT_2');
  assert.equal(none.status, 0);
  assert.deepEqual(none.dropped, []);
});

test('tcpdrop -a drops every connection but never a listener; the four-word and addr:port forms drop one', () => {
  assert.deepEqual(shell('tcpdrop -a').dropped, ['40000', '40001', '40002']);
  assert.deepEqual(shell('tcpdrop 192.168.0.1 8080 192.0.2.1 40001').dropped, ['40001']);
  assert.deepEqual(shell('tcpdrop 192.168.0.1:8080 192.0.2.1:40002').dropped, ['40002']);
  assert.deepEqual(shell('tcpdrop 192.168.0.1.8080 192.0.2.1.40000').dropped, ['40000']);
  const missing = shell('tcpdrop 192.168.0.1 8080 192.0.2.1 9');
  assert.equal(missing.status, 1);
  assert.deepEqual(missing.dropped, []);
});

test('tcpdrop: a state outside the manual page\'s list, or a bad option, fails; the exit status reaches the script', () => {
  assert.equal(shell('tcpdrop -s LISTEN').status, 1);
  assert.equal(shell('tcpdrop -s established').status, 1);
  assert.equal(shell('tcpdrop -x').status, 1);
  assert.equal(shell('tcpdrop -s ESTABLISHED | grep -c dropped | grep 2').status, 0);
  const r = runShell('tcpdrop -S rack -s ESTABLISHED', { sysctlWrite: () => undefined, sysctlRead: () => undefined, sockets: rows });
  assert.equal(r.ok, false);
  assert.match((r as { unsupported: string }).unsupported, /tcpdrop -S/);
});

/** An established connection that the script drops with tcpdrop -s ESTABLISHED. */
const DROP = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
+0.1 \`tcpdrop -s ESTABLISHED | grep -c dropped | grep 1\`
+0 > R 1:1(0)
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNABORTED], [4]) = 0
+0 \`sockstat -4 -c -s | grep -c ESTABLISHED | grep 0\`
+0 close(3) = 0
`;

test('tcpdrop in a script: the peer gets a RST (RFC 9293 §3.10.5 ABORT), the socket ECONNABORTED, the connection is gone', () => {
  const r = runScriptText(DROP, { personality: 'none' });
  assert.equal(r.result, 'PASS', r.detail);
  // The same script expecting no RST fails at the RST; expecting no error fails at SO_ERROR.
  const noRst = runScriptText(DROP.replace('+0 > R 1:1(0)\n', ''), { personality: 'none' });
  assert.equal(noRst.result, 'FAIL');
  assert.match(noRst.detail, /R/);
  const noErr = runScriptText(DROP.replace('[ECONNABORTED]', '[0]'), { personality: 'none' });
  assert.equal(noErr.result, 'FAIL');
  assert.match(noErr.detail, /SO_ERROR\) gave \[ECONNABORTED\], expected \[0\]/);
  // A state with no connection in it drops nothing: no RST, no error.
  const other = runScriptText(DROP.replace('-s ESTABLISHED | grep -c dropped | grep 1', '-s CLOSE_WAIT').replace('+0 > R 1:1(0)\n', '').replace('[ECONNABORTED]', '[0]').replace('grep -c ESTABLISHED | grep 0', 'grep -c ESTABLISHED | grep 1'), { personality: 'none' });
  assert.equal(other.result, 'PASS', other.detail);
});

test('a symbol defined with a value replaces the script word, as packetdrill\'s lexer does: a word, or a "string" / `command` when quoted', () => {
  const src = '0 < S 0:0(0) win 1000 <mss 1460,FO TFO_COOKIE,nop,nop>\n';
  const r = parseScript(src, { defines: new Map([['TFO_COOKIE', '3021b9d889017eeb']]) });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  if (!r.ok || r.script.events[0].type !== 'packet') return;
  assert.deepEqual(r.script.events[0].packet.options?.[1], { kind: 'FO', cookie: '3021b9d889017eeb' });
  // Without the definition the word stays itself (and is no hex cookie).
  assert.equal(parseScript(src).ok, false);
  // A symbol defined without a value (the platform's) substitutes nothing.
  const plain = parseScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n', { defines: new Map([['SOCK_STREAM', '']]) });
  assert.ok(plain.ok && plain.script.events[0].type === 'syscall' && plain.script.events[0].call.args[1].kind === 'word');
  const cmd = parseScript('0 CMD\n', { defines: new Map([['CMD', '`true`']]) });
  assert.ok(cmd.ok && cmd.script.events[0].type === 'command' && cmd.script.events[0].command === 'true');
  assert.equal(runScriptText('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n+0 CMD\n', { personality: 'none', defines: { CMD: '`false`' } }).result, 'FAIL');
});

test('a command after the last event with no time is the cleanup command: it runs when the script is over, and its failure fails the run', () => {
  const src = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n`true`\n';
  const r = parseScript(src);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual([r.script.events.length, r.script.cleanupCommand], [2, { line: 3, command: 'true' }]);
  assert.equal(runScriptText(src, { personality: 'none' }).result, 'PASS');
  const bad = runScriptText(src.replace('`true`', '`false`'), { personality: 'none' });
  assert.equal(bad.result, 'FAIL');
  assert.match(bad.detail, /^line 3: command `false` failed/);
  assert.match(runScriptText(src.replace('`true`', '`rm -f /tmp/x`'), { personality: 'none' }).detail, /^line 3: command 'rm'/);
});

test('a command of several lines runs each line in turn, as sh does; the status is the last one\'s', () => {
  const r = shell('tcpdrop -l -s CLOSE_WAIT\n  tcpdrop -s ESTABLISHED\n');
  assert.deepEqual(r.output, ['tcpdrop 192.168.0.1 8080 192.0.2.1 40001', '192.168.0.1 8080 192.0.2.1 40000: dropped', '192.168.0.1 8080 192.0.2.1 40002: dropped']);
  assert.equal(shell('tcpdrop -x\ntcpdrop -s ESTABLISHED').status, 0);
  assert.equal(shell('tcpdrop -s ESTABLISHED\ntcpdrop -x').status, 1);
});

test('a shell "# comment" inside a backtick command over several lines is no directive, and the shell skips it', () => {
  const src = '`true\n# Disable something: a comment\ntrue`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n';
  assert.deepEqual(kept(src), src.split('\n'));
  assert.deepEqual(kept('0 `echo "a \\" b`\n#ifdef X\nno\n#endif', 'Y').filter((l) => l), ['0 `echo "a \\" b`']);
  assert.equal(runScriptText(src, { personality: 'none' }).result, 'PASS');
  assert.deepEqual(shell('# a comment\ntcpdrop -l -s CLOSE_WAIT').output, ['tcpdrop 192.168.0.1 8080 192.0.2.1 40001']);
});

test('tcpdrop -s TIME_WAIT ends TIME-WAIT at once without a segment (tcp_twclose); the 4-tuple then takes a SYN as new', () => {
  const src = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 close(4) = 0
+0 > F. 1:1(0) ack 1
+.1 < F. 1:1(0) ack 2 win 65535
+0 > . 2:2(0) ack 2
+0 \`sockstat -4 -P tcp -s | grep -c TIME_WAIT | grep 1\`
+0 \`tcpdrop -s TIME_WAIT\`
+0 \`sockstat -4 -P tcp -s | grep -c TIME_WAIT | grep 0\`
+.1 < S 0:0(0) win 65535 <mss 1460>
`;
  // The script lists no answer to its last SYN, so what synack sent is left over at the end and named:
  // after the drop, a SYN-ACK of a new connection (from the listener)...
  const r = runScriptText(src, { personality: 'freebsd' });
  assert.equal(r.result, 'FAIL');
  assert.match(r.detail, /^line 17: synack sent an unexpected packet at 0\.300000 sec: > S\. /);
  // ...where, without it, TIME-WAIT answers the old SYN with an ACK (RFC 9293 §3.10.7.4).
  const kept = runScriptText(src.replace('+0 `tcpdrop -s TIME_WAIT`\n+0 `sockstat -4 -P tcp -s | grep -c TIME_WAIT | grep 0`\n', ''), { personality: 'freebsd' });
  assert.equal(kept.result, 'FAIL');
  assert.match(kept.detail, /synack sent an unexpected packet at 0\.300000 sec: > \. 2:2\(0\) ack 2 /);
});
