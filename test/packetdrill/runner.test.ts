/**
 * The runner on hand-written scripts: they pass as written, and each kind of mismatch fails with
 * the script line, what was expected and what synack did. Unsupported features say so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText, type ScriptResult } from '../../src/packetdrill/index.js';
import { ACTIVE, BLOCKING, PASSIVE6, RETRANSMIT, SOCKETS, SYSCTLS } from './scripts.js';

/** The hand-written scripts are written for synack's own defaults: the 'none' personality. */
function run(src: string, mode: 'strict' | 'lenient' = 'lenient'): ScriptResult {
  return runScriptText(src, { mode, personality: 'none' });
}

/** The script with one exact piece of text replaced (it must occur once). */
function edit(src: string, from: string, to: string): string {
  assert.equal(src.split(from).length, 2, `exactly one '${from}' in the script`);
  return src.replace(from, to);
}

function fails(src: string, line: number, pattern: RegExp, mode: 'strict' | 'lenient' = 'lenient'): void {
  const r = run(src, mode);
  assert.equal(r.result, 'FAIL', `should fail: ${r.result} ${r.detail}`);
  assert.equal(r.line, line, `line of: ${r.detail}`);
  assert.match(r.detail, pattern);
}

test('the hand-written scripts pass in both modes', () => {
  for (const [name, src] of Object.entries({ ACTIVE, PASSIVE6, RETRANSMIT, BLOCKING, SYSCTLS, SOCKETS })) {
    for (const mode of ['lenient', 'strict'] as const) {
      const r = run(src, mode);
      assert.equal(r.result, 'PASS', `${name} (${mode}): ${r.detail}`);
    }
  }
});

test('runs are deterministic, and --verbose logs every packet', () => {
  const a = runScriptText(ACTIVE, { verbose: true, personality: 'none' });
  const b = runScriptText(ACTIVE, { verbose: true, personality: 'none' });
  assert.deepEqual(a.log, b.log);
  assert.ok(a.log.some((l) => l.includes('synack sent > P. 1:101(100) ack 1')));
  assert.ok(a.log.some((l) => l.includes('matched line 21')));
});

test('flags: a different flag fails', () => {
  fails(edit(ACTIVE, '+0 > . 1:1(0) ack 1\n', '+0 > P. 1:1(0) ack 1\n'), 9, /expected outbound > P\. 1:1\(0\) ack 1 at 0\.100000 sec; synack sent > \. 1:1\(0\) ack 1 win \d+ at 0\.100000 sec: flags expected P\., got \./);
});

test('sequence number, payload length and acknowledgment number', () => {
  fails(edit(ACTIVE, '> P. 1:101(100) ack 1', '> P. 2:102(100) ack 1'), 12, /sequence number expected 2, got 1/);
  fails(edit(ACTIVE, '> P. 1:101(100) ack 1', '> P. 1:51(50) ack 1'), 12, /payload length expected 50, got 100/);
  fails(edit(ACTIVE, '+0 > . 1:1(0) ack 1\n', '+0 > . 1:1(0) ack 2\n'), 9, /acknowledgment number expected 2, got 1/);
});

test('the window: compared in strict mode, relaxed (and reported) in lenient mode', () => {
  const src = edit(ACTIVE, '+0 > . 1:1(0) ack 1\n', '+0 > . 1:1(0) ack 1 win 1\n');
  fails(src, 9, /window expected 1, got \d+/, 'strict');
  const r = run(src);
  assert.equal(r.result, 'PASS');
  assert.deepEqual(r.relaxed, ['window value']);
  assert.equal(r.detail, 'lenient: relaxed window value');
});

test('options: order relaxed in lenient mode only; presence and fixed values never', () => {
  const reordered = edit(ACTIVE, '<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>', '<mss 1460,nop,wscale 7,sackOK,TS val 100 ecr 0>');
  fails(reordered, 7, /TCP options \(kinds and order\) expected <mss 1460,nop,wscale 7,sackOK,TS val 100 ecr 0>, got <mss 1460,sackOK,TS val \d+ ecr 0,nop,wscale 7>/, 'strict');
  const r = run(reordered);
  assert.equal(r.result, 'PASS', r.detail);
  assert.deepEqual(r.relaxed, ['option order and padding']);
  fails(edit(ACTIVE, '<mss 1460,sackOK,TS', '<mss 1400,sackOK,TS'), 7, /value of option mss/);
  fails(edit(ACTIVE, '<mss 1460,sackOK,TS', '<mss 1460,nop,nop,TS'), 7, /TCP options present/);
  fails(edit(ACTIVE, '+0 > . 1:1(0) ack 1\n', '+0 > . 1:1(0) ack 1 <nop,nop,sack 1:2>\n'), 9, /TCP options/);
  // The window scale shift is the implementation's choice: relaxed in lenient mode.
  const ws = edit(ACTIVE, 'ecr 0,nop,wscale 7>', 'ecr 0,nop,wscale 9>');
  fails(ws, 7, /value of option wscale/, 'strict');
  assert.deepEqual(run(ws).relaxed, ['window scale shift']);
});

test('a missing packet, an extra one, and one left over at the end', () => {
  fails(edit(ACTIVE, '+0 > . 1:1(0) ack 1\n', '+0 > . 1:1(0) ack 1\n+0 > . 1:1(0) ack 1\n'), 10, /expected outbound > \. 1:1\(0\) ack 1 at 0\.100000 sec, but synack sent nothing by 0\.110000 sec/);
  fails(edit(ACTIVE, '+0 > . 1:1(0) ack 1\n', ''), 11, /expected outbound > P\. 1:101\(100\) ack 1 .*synack sent > \. 1:1\(0\) ack 1 .*flags expected P\., got \..*extra packet first/);
  fails(edit(ACTIVE, '+0 > . 102:102(0) ack 52\n', ''), 20, /synack sent an unexpected packet at 0\.340000 sec: > \. 102:102\(0\) ack 52/);
});

test('timing: a packet outside the tolerance fails; only retransmissions may come early by FreeBSD rexmit_slop, in lenient mode', () => {
  fails(edit(ACTIVE, '+0.04 > . 101:101(0) ack 51', '+0.1 > . 101:101(0) ack 51'), 15, /timing error: expected outbound > \. 101:101\(0\) ack 51 at 0\.300000 sec but synack sent it at 0\.240000 sec; tolerance 0\.010000 sec$/);
  fails(edit(ACTIVE, '+0.04 > . 101:101(0) ack 51', '+0.2 > . 101:101(0) ack 51'), 15, /timing error/);
  // A SYN retransmission 150 ms off: within FreeBSD's 200 ms slop in lenient mode, not in strict mode.
  const late = edit(RETRANSMIT, '+1 > S 0:0(0) <...>', '+1.15 > S 0:0(0) <...>');
  fails(late, 6, /timing error: expected outbound > S 0:0\(0\) <\.\.\.> at 1\.150000 sec but synack sent it at 1\.000000 sec/, 'strict');
  const r = run(late);
  assert.equal(r.result, 'PASS', r.detail);
  assert.deepEqual(r.relaxed, ['timer durations']);
  fails(edit(RETRANSMIT, '+1 > S 0:0(0) <...>', '+1.5 > S 0:0(0) <...>'), 6, /timing error.*\(retransmissions may also come up to 0\.200000 sec early: FreeBSD's rexmit_slop\)/);
  // Never later: FreeBSD's timeouts are synack's plus the slop, not less.
  fails(edit(RETRANSMIT, '+1 > S 0:0(0) <...>', '+0.85 > S 0:0(0) <...>'), 6, /expected outbound > S 0:0\(0\) <\.\.\.> at 0\.850000 sec, but synack sent nothing by 0\.860000 sec \(its next timer is due at 1\.000000 sec\)/);
});

test('system calls: return value, errno and the values a call fills in', () => {
  fails(edit(ACTIVE, 'write(3, ..., 100) = 100', 'write(3, ..., 100) = 99'), 11, /write\(\) returned 100, expected 99/);
  fails(edit(ACTIVE, '= -1 EAGAIN (Resource temporarily unavailable)', '= -1 ECONNRESET (Connection reset by peer)'), 17, /read\(\) failed with EAGAIN, expected ECONNRESET/);
  fails(edit(ACTIVE, 'connect(3, ..., ...) = -1 EINPROGRESS', 'connect(3, ..., ...) = 0'), 6, /connect\(\) returned -1 EINPROGRESS, expected 0/);
  fails(edit(ACTIVE, 'SO_ERROR, [0], [4]', 'SO_ERROR, [ECONNRESET], [4]'), 10, /getsockopt\(SO_ERROR\) gave \[0\], expected \[ECONNRESET\]/);
  fails(edit(ACTIVE, 'SO_ERROR, [0], [4]', 'SO_ERROR, [0], [8]'), 10, /length 4, expected 8/);
  fails(edit(RETRANSMIT, '[132000]', '[131072]'), 10, /SO_RCVBUF\) gave \[132000\], expected \[131072\]/);
  fails(edit(PASSIVE6, 'accept(3, ..., ...) = 4', 'accept(3, ..., ...) = 5'), 13, /accept\(\) returned 4, expected 5/);
});

test('blocking calls: the return time is checked, and an unmarked blocking call fails', () => {
  fails(edit(BLOCKING, '0...0.1 connect', '0...0.5 connect'), 3, /timing error: expected connect\(\) to return at 0\.500000 sec but it returned at 0\.100000 sec/);
  fails(edit(BLOCKING, '+0...2 connect', '+0...3 connect'), 13, /connect\(\) to return at 3\.300000 sec but it returned at 2\.300000 sec/);
  fails(edit(BLOCKING, '0...0.1 connect(3, ..., ...) = 0', '0 connect(3, ..., ...) = 0'), 3, /connect\(\) returned -1 ETIMEDOUT, expected 0 \(it blocked for 247\.000000 sec; a blocking call is written start\.\.\.end\)/);
  fails(edit(BLOCKING, '= -1 ETIMEDOUT', '= -1 ECONNREFUSED'), 13, /connect\(\) failed with ETIMEDOUT, expected ECONNREFUSED/);
});

test('the socket table: poll revents, MSG_PEEK, connect and write errors, SO_LINGER', () => {
  fails(edit(SOCKETS, 'revents=POLLOUT}], 1, 0) = 1', 'revents=POLLIN|POLLOUT}], 1, 0) = 1'), 12, /poll\(\) revents for fd 3: 0x4, expected 0x5/);
  fails(edit(SOCKETS, 'recv(3, ..., 5, 0) = 5\n+0 read(3, ..., 100) = 15', 'recv(3, ..., 5, 0) = 5\n+0 read(3, ..., 100) = 20'), 18, /read\(\) returned 15, expected 20/);
  fails(edit(SOCKETS, '= -1 EALREADY (Operation already in progress)', '= -1 EISCONN (x)'), 6, /failed with EALREADY, expected EISCONN/);
  fails(edit(SOCKETS, 'write(3, ..., 10) = -1 ENOTCONN', 'write(3, ..., 10) = -1 EAGAIN'), 7, /failed with ENOTCONN, expected EAGAIN/);
  fails(edit(SOCKETS, '{onoff=1, linger=0}, [8]', '{onoff=0, linger=0}, [8]'), 30, /SO_LINGER\) gave \{onoff=1, linger=0\}/);
  fails(edit(SOCKETS, 'grep packetdril | grep -c TIME_WAIT | grep 1', 'grep packetdril | grep -c FIN_WAIT_2 | grep 1'), 25, /failed \(exit status 1\)/);
});

test('shell commands and code blocks are checked', () => {
  fails(edit(PASSIVE6, 'grep -c SYN_RCVD | grep 1', 'grep -c SYN_RCVD | grep 2'), 11, /command `sockstat .*grep 2` failed \(exit status 1\)$/);
  fails(edit(PASSIVE6, 'TCPI_ESTABLISHED', 'TCPI_SYN_RECEIVED'), 14, /tcpi_state is TCPI_ESTABLISHED/);
  fails(edit(SYSCTLS, 'nop,wscale 1>', 'nop,wscale 6>'), 16, /value of option wscale/, 'strict');
});

test('what synack lacks is UNSUPPORTED, naming it, never a pass', () => {
  const unsupported = (src: string, pattern: RegExp) => {
    const r = run(src);
    assert.equal(r.result, 'UNSUPPORTED', `${r.result}: ${r.detail}`);
    assert.match(r.detail, pattern);
  };
  unsupported(`0 \`sysctl -w net.inet.tcp.syncookies=2\`\n`, /sysctl net\.inet\.tcp\.syncookies=2: values other than 0 and 1/);
  unsupported(`0 \`sysctl -w net.inet.tcp.no_such_knob=1\`\n`, /no_such_knob \(no synack equivalent\)/);
  unsupported(`0 \`ifconfig tun0 mtu 1280\`\n`, /command 'ifconfig'/);
  unsupported(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, IPPROTO_TCP, TCP_MD5SIG, [1], 4) = 0\n`, /setsockopt TCP_MD5SIG/);
  unsupported(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ import os }%\n`, /needs Python/);
  unsupported(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ assert tcpi_rtt > 0 }%\n`, /tcpi_rtt is not available/);
  unsupported(`0 epoll_create(1) = 4\n`, /system call epoll_create\(\)/);
  unsupported(`--ip_version=ipv4-mapped-ipv6\n0 close(3) = -1 EBADF (Bad file descriptor)\n`, /ip_version=ipv4-mapped-ipv6/);
  // Setting a knob to the value that describes what synack does is fine.
  assert.equal(run(`0 \`sysctl -w net.inet.tcp.rexmit_drop_options=0\`\n+0 \`sysctl -w net.inet.tcp.hostcache.purgenow=1\`\n`).result, 'PASS');
});

test('a parse error is a FAIL with its line', () => {
  const r = run('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0)\n');
  assert.equal(r.result, 'FAIL');
  assert.equal(r.line, 2);
  assert.match(r.detail, /^line 2: parse error: window must be specified for inbound packets$/);
  assert.match(run('+1 close(3) = 0\n').detail, /first event should be at time 0/);
  assert.match(run('0 close(3) = -1 EBADF (Bad file descriptor)\n2 close(3) = -1 EBADF (x)\n1 close(3) = -1 EBADF (x)\n').detail, /time goes backward/);
});

test('the FIN a trailing close() sends is not judged, but anything before it is', () => {
  // Like many FreeBSD scripts: the last line closes the socket and the FIN it causes is not listed.
  const r = run(edit(RETRANSMIT, '+0 > F. 1:1(0) ack 1\n', ''));
  assert.equal(r.result, 'PASS', r.detail);
  // A packet sent before the trailing close() that nobody expected still fails the script.
  fails(edit(edit(RETRANSMIT, '+0 > F. 1:1(0) ack 1\n', ''), '+0 > . 1:1(0) ack 1\n', ''), 10, /unexpected packet at 3\.500000 sec: > \. 1:1\(0\) ack 1/);
});

test('personality: freebsd unless told; its settings come before the sysctls, which override them', () => {
  assert.equal(runScriptText(ACTIVE).personality, 'freebsd');
  assert.equal(run(ACTIVE).personality, 'none');
  // receiveWindowFromBuffer: the TCB rounds its buffer (65536 -> 65700 for an MSS of 1460) and
  // getsockopt(SO_RCVBUF) reports the TCB's size.
  const rcvbuf = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 32767 <mss 1460>
+0 > . 1:1(0) ack 1 win 65535
+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65700], [4]) = 0
+0 %{ assert tcpi_state == TCPI_ESTABLISHED }%
`;
  const r = runScriptText(rcvbuf, { mode: 'strict' });
  assert.equal(r.result, 'PASS', r.detail);
  // A sysctl overrides the personality: recvspace 131072 rounds to 131400.
  const bigger = runScriptText(
    rcvbuf.replace('0 socket', '0 `sysctl -w net.inet.tcp.recvspace=131072`\n+0 socket').replace('[65536]', '[131072]').replace('[65700]', '[131400]'),
    { mode: 'strict' },
  );
  assert.equal(bigger.result, 'PASS', bigger.detail);
});

test('TCP_NOOPT: a SYN without any option; the peer MSS still counts, nothing else is negotiated', () => {
  for (const personality of ['none', 'freebsd'] as const) {
    const r = runScriptText(
      `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 setsockopt(3, IPPROTO_TCP, TCP_NOOPT, [1], 4) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0)
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK,TS val 1 ecr 0,nop,wscale 7>
+0 > . 1:1(0) ack 1
+0 getsockopt(3, IPPROTO_TCP, TCP_MAXSEG, [1000], [4]) = 0
+0 %{ assert tcpi_options == 0 }%
`,
      { mode: 'strict', personality },
    );
    assert.equal(r.result, 'PASS', `${personality}: ${r.detail}`);
  }
  // On a connected socket it cannot change what the SYN carried.
  const late = run(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 setsockopt(3, IPPROTO_TCP, TCP_NOOPT, [1], 4) = 0
`);
  assert.equal(late.result, 'UNSUPPORTED');
});
