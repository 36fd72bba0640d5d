/**
 * `%{ }%` blocks as Python reads them (the language reference's expression grammar: `or` below
 * `and` below `not` below chained comparisons below `|` `^` `&` shifts, sums and products), over the
 * tcp_info fields of FreeBSD's and Linux's struct tcp_info (tcpi_options is a set of TCPI_OPT_* bits:
 * TIMESTAMPS 1, SACK 2, WSCALE 4, ECN 8), and the socket options that a socket inherits from the
 * system until it sets them: TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_KEEPINIT (FreeBSD's
 * tcp(4): net.inet.tcp.keepidle 7200 s, keepintvl 75 s, keepcnt 8, keepinit 75 s by default,
 * getsockopt answering in seconds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeScope, evaluateCode, type CodeResult } from '../../src/packetdrill/code.js';
import { runScriptText } from '../../src/packetdrill/index.js';

const INFO = { tcpi_state: 4, tcpi_options: 0x0f, tcpi_snd_wscale: 7, tcpi_rcv_wscale: 6, tcpi_snd_mss: 1460 };
const run = (code: string): CodeResult => evaluateCode(code, () => INFO);
const ok = (code: string) => assert.deepEqual(run(code), { ok: true }, code);
const fails = (code: string, re: RegExp) => {
  const r = run(code);
  assert.equal(r.ok, false, code);
  assert.match((r as { failed: string }).failed ?? '', re, code);
};
const unsupported = (code: string, re: RegExp) => {
  const r = run(code);
  assert.match((r as { unsupported?: string }).unsupported ?? '', re, code);
};

test('the | of TCPI_OPT_* constants, in parentheses, compared with tcpi_options', () => {
  ok('assert tcpi_options == (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE | TCPI_OPT_ECN)');
  ok('assert tcpi_options & TCPI_OPT_ECN != 0');
  ok('assert tcpi_options & TCPI_OPT_ECN');
  fails('assert tcpi_options == (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK)', /tcpi_options is 15 \(TCPI_OPT_TIMESTAMPS \| TCPI_OPT_SACK \| TCPI_OPT_WSCALE \| TCPI_OPT_ECN\)/);
  // Python's precedence: & binds tighter than ==, and | looser than &.
  ok('assert 1 | 2 & 0 == 1');
  fails('assert (1 | 2) & 0 == 1', /false/);
});

test('Python precedence and chained comparisons; and, or, not; arithmetic with floor division', () => {
  ok('assert 1 < tcpi_snd_wscale <= 7');
  fails('assert 1 < tcpi_snd_wscale < 7', /tcpi_snd_wscale is 7/);
  ok('assert tcpi_snd_wscale == 7 and tcpi_rcv_wscale == 6');
  ok('assert tcpi_snd_wscale == 0 or tcpi_rcv_wscale == 6');
  ok('assert not tcpi_state == TCPI_CLOSED');
  ok('assert tcpi_snd_mss * 2 // 3 == 973 and -7 // 2 == -4 and -7 % 2 == 1');
  ok('assert 1 << 4 >> 2 == 4 and 2 + 3 * 4 == 14 and (2 + 3) * 4 == 20 and 6 ^ 3 == 5 and ~0 == -1');
  ok('assert 0x10 == 16');
});

test('one statement per logical line: ";" and newlines, brackets continue a line, # comments, a message after the comma', () => {
  ok('assert tcpi_state == TCPI_ESTABLISHED; assert tcpi_snd_mss == 1460');
  ok('\n# the options\nassert tcpi_options == (TCPI_OPT_TIMESTAMPS |\n    TCPI_OPT_SACK | TCPI_OPT_WSCALE |\n    TCPI_OPT_ECN)  # all four\n');
  ok('assert tcpi_snd_mss == \\\n 1460');
  fails('assert tcpi_snd_mss == 1000, "the MSS the peer offered"', /\(the MSS the peer offered\): tcpi_snd_mss is 1460/);
  fails('assert tcpi_state == TCPI_LISTEN', /tcpi_state is TCPI_ESTABLISHED/);
});

test('what needs Python, or a field synack cannot know, is unsupported with its name', () => {
  unsupported('import os', /needs Python/);
  unsupported('for i in x: pass', /needs Python/);
  unsupported('print(tcpi_rtt)', /tcpi_rtt is not available/);
  unsupported('tcpi_snd_mss = 1', /an assignment to tcpi_snd_mss/);
  unsupported('assert tcpi_rtt > 0', /tcpi_rtt is not available/);
  unsupported('assert len(x) == 1', /the call len\(\)/);
  unsupported('assert tcpi_snd_mss > 1.5', /only integers/);
  unsupported('assert UNKNOWN == 1', /the name UNKNOWN/);
});

/** Linux's tcp_info as the linux personality's blocks see it: Linux's numbers and names. */
const LINUX_INFO = { tcpi_state: 1, tcpi_ca_state: 3, tcpi_options: 7, tcpi_snd_cwnd: 7, tcpi_snd_ssthresh: 0x7fffffff, tcpi_lost: 2 };
const linux = (code: string, scope = new CodeScope('linux')): CodeResult => evaluateCode(code, () => LINUX_INFO, scope);

test("under linux: Linux's TCP_* states, TCP_CA_* states, TCPI_OPT_* bits and TCP_INFINITE_SSTHRESH; FreeBSD's names are not Linux's", () => {
  // include/net/tcp_states.h: TCP_ESTABLISHED 1 ... TCP_CLOSING 11; enum tcp_ca_state: Open 0 .. Loss 4;
  // include/uapi/linux/tcp.h: TCPI_OPT_TIMESTAMPS 1, SACK 2, WSCALE 4, ECN 8, ECN_SEEN 16, SYN_DATA 32.
  assert.deepEqual(linux('assert tcpi_state == TCP_ESTABLISHED and TCP_SYN_SENT == 2 and TCP_CLOSE == 7 and TCP_LISTEN == 10 and TCP_CLOSING == 11'), { ok: true });
  assert.deepEqual(linux('assert tcpi_ca_state == TCP_CA_Recovery and TCP_CA_Open == 0 and TCP_CA_Disorder == 1 and TCP_CA_CWR == 2 and TCP_CA_Loss == 4'), { ok: true });
  assert.deepEqual(linux('assert (tcpi_options & TCPI_OPT_SYN_DATA) == 0 and TCPI_OPT_SYN_DATA == 32 and TCPI_OPT_ECN_SEEN == 16'), { ok: true });
  assert.deepEqual(linux('assert tcpi_snd_ssthresh == TCP_INFINITE_SSTHRESH'), { ok: true });
  assert.match((linux('assert TCPI_ESTABLISHED == 4') as { unsupported: string }).unsupported, /the name TCPI_ESTABLISHED/);
  assert.match((evaluateCode('assert TCP_CA_Open == 0', () => INFO) as { unsupported: string }).unsupported, /the name TCP_CA_Open/);
  const r = linux('assert tcpi_ca_state == TCP_CA_Open, tcpi_ca_state');
  assert.match((r as { failed: string }).failed, /\(3\): tcpi_ca_state is TCP_CA_Recovery/);
  assert.match((linux('assert tcpi_state == TCP_CLOSE') as { failed: string }).failed, /tcpi_state is TCP_ESTABLISHED/);
});

test('an assert message may be any expression, evaluated only when the assert fails (Python\'s AssertionError shows its value)', () => {
  assert.deepEqual(linux('assert tcpi_snd_cwnd == 7, tcpi_snd_cwnd'), { ok: true });
  assert.deepEqual(linux('assert tcpi_snd_cwnd == 7,tcpi_snd_cwnd  # no space after the comma'), { ok: true });
  // Python never evaluates the message of an assert that holds: a field synack lacks is no matter there.
  assert.deepEqual(linux('assert tcpi_snd_cwnd == 7, tcpi_rtt'), { ok: true });
  assert.match((linux('assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd') as { failed: string }).failed, /\(7\): tcpi_snd_cwnd is 7/);
  assert.match((linux('assert tcpi_lost == 1, tcpi_lost * 10 + 1') as { failed: string }).failed, /\(21\)/);
  // A tuple, shown as Python shows it.
  assert.match((linux('assert tcpi_lost == 1, (tcpi_lost, tcpi_snd_cwnd)') as { failed: string }).failed, /\(\(2, 7\)\)/);
  assert.match((linux('assert tcpi_lost == 1, (tcpi_lost + 1) * 2') as { failed: string }).failed, /\(6\)/);
  // Python's printf-style % on a string message.
  assert.deepEqual(linux("assert tcpi_snd_cwnd == 7, 'cwnd=%d' % tcpi_snd_cwnd"), { ok: true });
  assert.match((linux("assert tcpi_snd_cwnd == 12, 'cwnd=%d' % tcpi_snd_cwnd") as { failed: string }).failed, /\(cwnd=7\): tcpi_snd_cwnd is 7/);
  assert.match((linux("assert tcpi_lost == 1, 'lost %d of %03d (%x) 100%%' % (tcpi_lost, tcpi_snd_cwnd, 255)") as { failed: string }).failed, /\(lost 2 of 007 \(ff\) 100%\)/);
});

test('NAME = expression lasts for the later blocks of the run; print() goes to the trace', () => {
  const printed: string[] = [];
  const scope = new CodeScope('linux', (t) => printed.push(t));
  assert.deepEqual(linux('MY_SSTHRESH = 0x7fffffff', scope), { ok: true });
  assert.deepEqual(linux('assert tcpi_snd_ssthresh == MY_SSTHRESH', scope), { ok: true });
  // A script may define a constant the system already names: its own value wins from then on.
  assert.deepEqual(linux('TCP_INFINITE_SSTHRESH = 5; assert TCP_INFINITE_SSTHRESH == 5', scope), { ok: true });
  assert.deepEqual(linux('print(tcpi_snd_cwnd); print("cwnd", tcpi_snd_cwnd + 1); assert tcpi_snd_cwnd == 7, tcpi_snd_cwnd', scope), { ok: true });
  assert.deepEqual(printed, ['7', 'cwnd 8']);
  // A fresh scope (another run) knows nothing of it.
  assert.match((linux('assert MY_SSTHRESH == 1') as { unsupported: string }).unsupported, /the name MY_SSTHRESH/);
});

/** A passive open with ECN (the SYN carries ECE and CWR, RFC 3168 §6.1.1) and every option. */
const ECN_OPEN = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < SEW 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0 > SE. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 1000 <nop,nop,TS val 110 ecr 200>
+0 accept(3, ..., ...) = 4
+0 %{ assert tcpi_options == (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE | TCPI_OPT_ECN) }%
+0 getsockopt(4, IPPROTO_TCP, TCP_KEEPIDLE, [7200], [4]) = 0
+0 getsockopt(4, IPPROTO_TCP, TCP_KEEPINTVL, [75], [4]) = 0
+0 getsockopt(4, IPPROTO_TCP, TCP_KEEPCNT, [8], [4]) = 0
+0 getsockopt(4, IPPROTO_TCP, TCP_KEEPINIT, [75], [4]) = 0
+0 setsockopt(4, IPPROTO_TCP, TCP_KEEPCNT, [3], 4) = 0
+0 getsockopt(4, IPPROTO_TCP, TCP_KEEPCNT, [3], [4]) = 0
+0 close(4) = 0
+0 close(3) = 0
`;

test('under freebsd: tcpi_options has TCPI_OPT_ECN on an ECN connection; unset keep-alive options read FreeBSD\'s defaults in seconds', () => {
  const r = runScriptText(ECN_OPEN, { personality: 'freebsd' });
  assert.equal(r.result, 'PASS', r.detail);
  const noEcn = runScriptText(ECN_OPEN.replace(' | TCPI_OPT_ECN)', ')'), { personality: 'freebsd' });
  assert.equal(noEcn.result, 'FAIL');
  const wrongIdle = runScriptText(ECN_OPEN.replace('[7200]', '[7201]'), { personality: 'freebsd' });
  assert.match(wrongIdle.detail, /line 11: getsockopt\(TCP_KEEPIDLE\) gave \[7200\], expected \[7201\]/);
  assert.match(runScriptText(ECN_OPEN.replace('TCP_KEEPCNT, [8]', 'TCP_KEEPCNT, [9]'), { personality: 'freebsd' }).detail, /gave \[8\], expected \[9\]/);
});

test('the defaults follow the system setting when it changes (sysctl), until the socket sets its own', () => {
  const src = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 \`sysctl -w net.inet.tcp.keepidle=600000\`
+0 \`sysctl -w net.inet.tcp.keepintvl=10000\`
+0 \`sysctl -w net.inet.tcp.keepcnt=4\`
+0 \`sysctl -w net.inet.tcp.keepinit=30000\`
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [600], [4]) = 0
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [10], [4]) = 0
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [4], [4]) = 0
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [30], [4]) = 0
+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [60], 4) = 0
+0 \`sysctl -w net.inet.tcp.keepidle=900000\`
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [60], [4]) = 0
+0 close(3) = 0
`;
  const r = runScriptText(src, { personality: 'freebsd' });
  assert.equal(r.result, 'PASS', r.detail);
});

test('without a personality: synack\'s own defaults (7200 s, 75 s, 9 probes); no connection timeout, so TCP_KEEPINIT is unsupported', () => {
  const src = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [7200], [4]) = 0
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [75], [4]) = 0
+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [9], [4]) = 0
+0 close(3) = 0
`;
  assert.equal(runScriptText(src, { personality: 'none' }).result, 'PASS');
  const init = runScriptText(src.replace('+0 close', '+0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [75], [4]) = 0\n+0 close'), { personality: 'none' });
  assert.equal(init.result, 'UNSUPPORTED');
  assert.match(init.detail, /TCP_KEEPINIT before it is set/);
});
