/**
 * The linux personality's base: the shell lines Linux's packetdrill tests run (common/defaults.sh,
 * `sysctl -q net.ipv4.*`, set_sysctls.py and its restore file, ip/tc/ethtool), the net.ipv4 knobs
 * mapped onto synack's settings (ip-sysctl.rst's meanings), and TSO bursts: one expected segment
 * longer than the MSS is the run of segments synack sends at the same instant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText, type RunOptions, type ScriptResult } from '../../src/packetdrill/index.js';
import { runShell, type ShellHost } from '../../src/packetdrill/shell.js';
import { applySysctl, defaultHostSettings, linuxWindowScale, readSysctl } from '../../src/packetdrill/sysctl.js';
import { PERSONALITIES } from '../../src/packetdrill/personality.js';

/** A host whose sysctls are synack's Linux knobs, with files beside the script. */
function linuxHost(files: Record<string, string> = {}) {
  const h = defaultHostSettings(PERSONALITIES.linux.tcp);
  const calls: string[] = [];
  let tso = true;
  const host: ShellHost = {
    sysctlWrite: (name, value) => applySysctl(name, value, h),
    sysctlRead: (name) => readSysctl(name, h),
    sockets: () => [],
    readFile: (p) => files[p],
    files: new Map(),
    flushMetrics: () => void calls.push('flush'),
    setTso: (on) => void (tso = on),
    pid: 777,
  };
  return { h, host, calls, tso: () => tso };
}

const DEFAULTS_SH = `#!/bin/bash
# Production values.
ip tcp_metrics flush all > /dev/null 2>&1
sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"
sysctl -q net.ipv4.tcp_wmem="4096 $((256*1024)) 4194304"
sysctl -q net.ipv4.tcp_syn_retries=5
sysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1
sysctl -q net.ipv4.tcp_ecn=0   # never ask, never answer
sysctl -q net.ipv4.tcp_syncookies=2
tc qdisc add dev tun0 root pfifo
`;

test('a defaults script beside the packetdrill script runs line by line: arithmetic, comments, quotes, several knobs per sysctl', () => {
  const { h, host, calls } = linuxHost({ '../common/defaults.sh': DEFAULTS_SH });
  const r = runShell('../common/defaults.sh\nsysctl -q net.ipv4.tcp_tso_win_divisor=100', host);
  assert.deepEqual(r, { ok: true, status: 0, output: [] });
  assert.deepEqual(calls, ['flush']);
  // tcp_rmem: the default is the buffer, the maximum bounds auto-tuning and sets the window scale
  // (ilog2(15 MiB) - 15 = 8, tcp_select_initial_window).
  assert.equal(h.tcp.receiveBufferSize, 540_000);
  assert.equal(h.tcp.receiveBufferMax, 15 * 1024 * 1024);
  assert.equal(h.tcp.windowScale, 8);
  assert.equal(h.tcp.sendBufferSize, 256 * 1024);
  assert.equal(h.tcp.sendBufferMax, 4_194_304);
  assert.equal(h.tcp.synRetries, 5);
  assert.equal(h.tcp.tailLossProbe, true);
  assert.equal(h.tcp.ecn, 'off');
  assert.equal(h.stack.synCookies, 'always');
  assert.equal(readSysctl('net.ipv4.tcp_rmem', h), '4096 540000 15728640');
});

test("net.ipv4.tcp_congestion_control: cubic, reno (synack's newreno) and bbr", () => {
  for (const [name, cc] of [['reno', 'newreno'], ['bbr', 'bbr'], ['cubic', 'cubic']] as const) {
    const { h, host } = linuxHost();
    assert.deepEqual(runShell(`sysctl -q net.ipv4.tcp_congestion_control=${name}`, host), { ok: true, status: 0, output: [] });
    assert.equal(h.tcp.congestionControl, cc);
  }
});

test('a missing script, an unknown command or knob, and values synack cannot honour are UNSUPPORTED, named', () => {
  const { host } = linuxHost();
  const cases: [string, RegExp][] = [
    ['../common/defaults.sh', /defaults\.sh.*no such script/],
    ['/usr/bin/install -d /tmp/x', /command '\/usr\/bin\/install'/],
    ['sysctl -q net.ipv4.tcp_no_such_knob=1', /net\.ipv4\.tcp_no_such_knob \(no synack equivalent\)/],
    ['sysctl -q net.ipv4.tcp_congestion_control=vegas', /congestion control 'vegas'/],
    ['sysctl -q net.ipv4.tcp_mtu_probing=3', /values outside 0 to 2/],
    ['sysctl -q net.ipv4.tcp_rmem="4096 1000"', /three sizes/],
    ['tc qdisc replace dev tun0 root fq', /fq qdisc's pacing/],
    ['echo 0.7 > /sys/module/tcp_cubic/parameters/beta', /module\.tcp_cubic\.beta \(no synack equivalent\)/],
    ['echo 4 > /sys/module/tcp_cubic/parameters/hystart_detect', /values outside 0 to 3/],
    ['sysctl -q net.ipv4.tcp_rmem=$(cat x)', /shell expansion '\$'/],
    ['echo $HOME', /shell expansion '\$HOME'/],
  ];
  for (const [cmd, why] of cases) {
    const r = runShell(cmd, host);
    assert.equal(r.ok, false, cmd);
    if (!r.ok) assert.match(r.unsupported, why, cmd);
  }
});

test('set_sysctls.py sets /proc/sys knobs and writes a restore file that, run, puts the old values back', () => {
  const { h, host } = linuxHost();
  assert.equal(runShell('sysctl -q net.ipv4.tcp_timestamps=1', host).ok, true);
  const r = runShell('../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0 \\\n   /proc/sys/net/ipv4/tcp_wmem="4096 50000 4194304"', host);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(h.tcp.timestamps, false);
  assert.equal(h.tcp.sendBufferSize, 50_000);
  const restore = host.files?.get('/tmp/sysctl_restore_777.sh');
  assert.ok(restore?.includes('echo "1" > /proc/sys/net/ipv4/tcp_timestamps'), restore);
  // The knob never set reads as Linux's default (ip-sysctl.rst), and that is what comes back.
  assert.ok(restore?.includes('echo "4096 16384 4194304" > /proc/sys/net/ipv4/tcp_wmem'), restore);
  assert.equal(runShell('/tmp/sysctl_restore_${PPID}.sh', host).ok, true);
  assert.equal(h.tcp.timestamps, true);
  assert.equal(h.tcp.sendBufferSize, 16_384);
  assert.deepEqual(runShell('cat /proc/sys/net/ipv4/tcp_wmem', host), { ok: true, status: 0, output: ['4096 16384 4194304'] });
});

test('ethtool -K tun0 tso off turns TSO matching off; other features and arguments are checked', () => {
  const { host, tso } = linuxHost();
  assert.equal(runShell('ethtool -K tun0 tso off gso off', host).ok, true);
  assert.equal(tso(), false);
  assert.equal(runShell('ethtool -K tun0 tso on', host).ok, true);
  assert.equal(tso(), true);
  assert.equal(runShell('ethtool -K tun0 lro off', host).ok, false);
  assert.equal(runShell('ethtool -K tun0 tso maybe', host).ok, false);
});

test("Linux's window scale: from the larger of tcp_rmem[2] and rmem_max, ilog2 - 15, within 0..14", () => {
  assert.equal(linuxWindowScale(6_291_456), 7);
  assert.equal(linuxWindowScale(15 * 1024 * 1024), 8);
  assert.equal(linuxWindowScale(4096), 2); // rmem_max's 212992 still counts
  assert.equal(linuxWindowScale(2 ** 31), 14);
});

function linux(src: string, extra: RunOptions = {}): ScriptResult {
  return runScriptText(src, { personality: 'linux', ...extra });
}

/** A listener that accepts a peer's SYN with MSS 1000 and window scale 7, without timestamps. */
const LISTEN_MSS_1000 = `--tolerance_usecs=5000
\`sysctl -q net.ipv4.tcp_timestamps=0\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+.1 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
`;

/** A server connection with MSS 1000 and a 12000-byte write: synack sends cwnd's ten segments at once. */
const BURST = `${LISTEN_MSS_1000}+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 7>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 12000) = 12000
+0 > . 1:10001(10000) ack 1
+.1 < . 1:1(0) ack 10001 win 257
+0 > P. 10001:12001(2000) ack 1
`;

test('TSO: one expected segment of 10 MSS matches the ten segments synack sent at that instant', () => {
  const r = linux(BURST);
  assert.equal(r.result, 'PASS', r.detail);
  // Without TSO (the freebsd personality, or ethtool tso off) the same line is a mismatch.
  const off = linux(BURST.replace('tcp_timestamps=0`', 'tcp_timestamps=0\nethtool -K tun0 tso off`'));
  assert.equal(off.result, 'FAIL');
  assert.match(off.detail, /line 13: .*payload length expected 10000, got 1000/);
});

test('TSO: a burst whose bytes do not add up to the expected segment fails', () => {
  const short = linux(BURST.replace('> . 1:10001(10000)', '> . 1:9501(9500)'));
  assert.equal(short.result, 'FAIL');
  assert.match(short.detail, /line 12: .*payload length expected 9500, got 1000/);
  const long = linux(BURST.replace('> . 1:10001(10000)', '> . 1:11001(11000)'));
  assert.equal(long.result, 'FAIL');
  assert.match(long.detail, /line 12: /);
});

test('under linux, lenient mode takes PSH as the stack’s choice (reported); strict mode compares it', () => {
  const src = BURST.replace('> . 1:10001(10000)', '> P. 1:10001(10000)');
  const lenient = linux(src);
  assert.equal(lenient.result, 'PASS', lenient.detail);
  assert.ok(lenient.relaxed.includes('PSH bit'));
  const strict = linux(src, { mode: 'strict' });
  assert.equal(strict.result, 'FAIL');
  assert.match(strict.detail, /flags expected P\., got \./);
  // Any other flag is compared as ever.
  const fin = linux(BURST.replace('> . 1:10001(10000)', '> F. 1:10001(10000)'));
  assert.equal(fin.result, 'FAIL');
  assert.match(fin.detail, /flags expected F\., got \./);
});

test('the platform symbol Linux is defined under linux, FreeBSD under freebsd', () => {
  const src = `#ifdef Linux
0 \`false\`
#endif
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
`;
  assert.equal(linux(src).result, 'FAIL');
  assert.equal(runScriptText(src, { personality: 'freebsd' }).result, 'PASS');
});

/** Four segments sent at once; the peer SACKs the last byte only, 100 ms later. */
const TLP_AFTER_SACK = `${LISTEN_MSS_1000}+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 320
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 4000) = 4000
+0 > P. 1:4001(4000) ack 1
+.1 < . 1:1(0) ack 1 win 320 <sack 4000:4001,nop,nop>
+.1 > P. 3001:4001(1000) ack 1
`;

test('RFC 8985 §7.2: an ACK that only SACKs leaves the probe timer where new data put it (2*SRTT after the send)', () => {
  const r = linux(TLP_AFTER_SACK);
  assert.equal(r.result, 'PASS', r.detail);
});

test('SO_SNDBUF on a live connection: Linux doubles it (up to twice wmem_max) and the buffer takes it at once', () => {
  const src = BURST.replace('+0 write(4, ..., 12000) = 12000\n+0 > . 1:10001(10000) ack 1\n+.1 < . 1:1(0) ack 10001 win 257\n+0 > P. 10001:12001(2000) ack 1\n', `+0 setsockopt(4, SOL_SOCKET, SO_SNDBUF, [100000], 4) = 0
+0 getsockopt(4, SOL_SOCKET, SO_SNDBUF, [200000], [4]) = 0
+0 setsockopt(4, SOL_SOCKET, SO_SNDBUF, [1000000], 4) = 0
+0 getsockopt(4, SOL_SOCKET, SO_SNDBUF, [425984], [4]) = 0
+0 write(4, ..., 300000) = 300000
+0 > . 1:10001(10000) ack 1
`);
  const r = linux(src);
  assert.equal(r.result, 'PASS', r.detail);
  // The default 16 KiB buffer would take only part of the write (a non-blocking write returns less;
  // a blocking one blocks): without the live resize the script fails.
  const without = linux(src.replace(/\+0 setsockopt\(4[^\n]*\n\+0 getsockopt\(4[^\n]*\n\+0 setsockopt\(4[^\n]*\n\+0 getsockopt\(4[^\n]*\n/, ''));
  assert.equal(without.result, 'FAIL');
});

test("what synack sends after the script's last expected packet: not read under linux in lenient mode (as packetdrill never reads it), a failure otherwise", () => {
  const src = BURST.replace('+0 > P. 10001:12001(2000) ack 1\n', '');
  const lenient = linux(src);
  assert.equal(lenient.result, 'PASS', lenient.detail);
  assert.ok(lenient.relaxed.includes('packets after the last expected one'));
  const strict = linux(src, { mode: 'strict' });
  assert.equal(strict.result, 'FAIL');
  assert.match(strict.detail, /synack sent an unexpected packet at 0\.300000 sec: > \. 10001:11001\(1000\) ack 1 win \d+ \(and 1 more\)/);
  // A packet before an expected one is read, and fails, as ever.
  const early = linux(BURST.replace('+0 > P. 10001:12001(2000) ack 1\n', '+0 > P. 11001:12001(1000) ack 1\n'));
  assert.equal(early.result, 'FAIL');
  assert.match(early.detail, /sequence number expected 11001, got 10001/);
});

test('rm and dd work on the virtual /tmp only; tc qdisc delete is accepted, a bounded or dropping qdisc is not', () => {
  const { host } = linuxHost();
  assert.equal(runShell('/bin/rm -f /tmp/testfile\n/bin/dd bs=1 count=5 if=/dev/zero of=/tmp/testfile status=none', host).ok, true);
  assert.equal(host.files?.get('/tmp/testfile'), '\0'.repeat(5));
  assert.equal(runShell('rm -f /tmp/testfile', host).ok, true);
  assert.equal(host.files?.has('/tmp/testfile'), false);
  for (const cmd of ['rm -f /etc/passwd', 'dd if=/dev/urandom of=/tmp/x bs=1 count=1', 'dd if=/dev/zero of=/home/x bs=1 count=1', 'tc qdisc add dev tun0 root pfifo limit 0']) {
    assert.equal(runShell(cmd, host).ok, false, cmd);
  }
  assert.equal(runShell('tc qdisc delete dev tun0 root 2>/dev/null ; tc qdisc add dev tun0 root pfifo', host).ok, true);
});

test('tc qdisc pfifo limit N sets the device queue limit (0: drop everything); tc qdisc del, or pfifo without a limit, clears it', () => {
  const limits: Array<number | undefined> = [];
  const { host } = linuxHost();
  host.setQdiscLimit = (n) => void limits.push(n);
  for (const cmd of ['tc qdisc replace dev tun0 root pfifo limit 0', 'tc qdisc del dev tun0 root', 'tc qdisc add dev tun0 root pfifo limit 100', 'tc qdisc add dev tun0 root pfifo']) {
    assert.equal(runShell(cmd, host).ok, true, cmd);
  }
  assert.deepEqual(limits, [0, undefined, 100, undefined]);
  for (const cmd of ['tc qdisc add dev tun0 root pfifo limit x', 'tc qdisc add dev tun0 root pfifo limit 0 extra', 'tc qdisc add dev tun0 root pfifo_fast limit 0']) {
    assert.equal(runShell(cmd, host).ok, false, cmd);
  }
});

test('a dropping qdisc (pfifo limit 0): nothing dropped while no packet leaves; a dropped segment is UNSUPPORTED, naming Linux\'s local-drop semantics', () => {
  // The limit is set and taken away between two packets: the run goes on as if it never was.
  const BETWEEN = BURST.replace('+.1 < . 1:1(0) ack 10001 win 257', '+0 `tc qdisc replace dev tun0 root pfifo limit 0`\n+.05 `tc qdisc del dev tun0 root`\n+.05 < . 1:1(0) ack 10001 win 257');
  const ok = linux(BETWEEN);
  assert.equal(ok.result, 'PASS', ok.detail);
  // While it is in force, the next segment (10001:12001 after the ACK) is dropped by the device:
  // Linux's TCP takes that as not sent (a 500 ms resource probe, no back-off), synack has no such feedback.
  const dropped = linux(BURST.replace('+.1 < . 1:1(0) ack 10001 win 257', '+0 `tc qdisc replace dev tun0 root pfifo limit 0`\n+.1 < . 1:1(0) ack 10001 win 257'));
  assert.equal(dropped.result, 'UNSUPPORTED');
  assert.match(dropped.detail, /dropped by the local qdisc.*TCP_RESOURCE_PROBE_INTERVAL/);
});

test('--strict_segments turns TSO matching off (each segment compared as sent); --mss (GRO of what is injected) leaves outbound matching alone', () => {
  const strict = linux(`--strict_segments\n${BURST}`);
  assert.equal(strict.result, 'FAIL');
  assert.match(strict.detail, /payload length expected 10000, got 1000/);
  const gro = linux(`--mss=1000\n${BURST}`);
  assert.equal(gro.result, 'PASS', gro.detail);
});

test("nstat: the counters that moved since its last run, by Linux's names; -a absolute, -z zeros, -n history only, -s keeps it, patterns", () => {
  const counters: Record<string, number> = { IpInReceives: 5, TcpActiveOpens: 1, TcpExtTCPLossProbes: 0 };
  const { host } = linuxHost();
  host.counters = () => ({ ...counters });
  host.nstatHistory = new Map();
  const lines = (cmd: string) => {
    const r = runShell(cmd, host);
    assert.ok(r.ok, cmd);
    return r.ok ? r.output.map((l) => l.split(/\s+/).slice(0, 2).join(' ')) : [];
  };
  assert.deepEqual(lines('nstat'), ['#kernel', 'IpInReceives 5', 'TcpActiveOpens 1']);
  counters.IpInReceives = 8;
  counters.TcpExtTCPLossProbes = 2;
  assert.deepEqual(lines('nstat -s'), ['#kernel', 'IpInReceives 3', 'TcpExtTCPLossProbes 2']);
  assert.deepEqual(lines('nstat TcpExt*'), ['#kernel', 'TcpExtTCPLossProbes 2']);
  assert.deepEqual(lines('nstat'), ['#kernel'], 'the pattern run updated the history of every counter, as nstat writes its whole table');
  assert.deepEqual(lines('nstat -az TcpActiveOpens'), ['#kernel', 'TcpActiveOpens 1']);
  assert.deepEqual(lines('nstat -n'), []);
  assert.deepEqual(runShell('nstat | grep TcpExtTCPLossProbes', host), { ok: true, status: 1, output: [] }, 'nothing moved: grep finds nothing');
  assert.equal(runShell('nstat -x', host).ok, false);
});

test('nstat in a script: an ICMP error quoting data outside SND.UNA..SND.NXT is ignored and counted as TcpExtOutOfWindowIcmps (RFC 5927 §4.1)', () => {
  const src = `${LISTEN_MSS_1000}+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 1000) = 1000
+0 > P. 1:1001(1000) ack 1
+0 \`nstat > /dev/null\`
+0 < icmp unreachable port_unreachable [5000:6000(1000)]
+0 \`nstat | grep TcpExtOutOfWindowIcmps\`
`;
  const r = linux(src);
  assert.equal(r.result, 'PASS', r.detail);
  // In the window, the error is taken (a soft error on an established connection), not counted.
  const inWindow = linux(src.replace('[5000:6000(1000)]', '[1:1001(1000)]'));
  assert.equal(inWindow.result, 'FAIL');
  assert.match(inWindow.detail, /nstat \| grep TcpExtOutOfWindowIcmps.*failed/);
});

test('ip route change: advmss, mtu [lock] and initcwnd reach the host; other attributes are UNSUPPORTED, named; the tcp_mtu_probing knobs map', () => {
  const { h, host } = linuxHost();
  const routes: [string, unknown][] = [];
  host.changeRoute = (dst, route) => void routes.push([dst, route]);
  const r = runShell('ip route change 192.0.2.1 via 192.168.0.2 dev tun0 advmss 600 mtu lock 640 initcwnd 11', host);
  assert.equal(r.ok, true);
  assert.deepEqual(routes, [['192.0.2.1', { advmss: 600, mtuLock: true, mtu: 640, initcwnd: 11 }]]);
  assert.equal(runShell('ip -6 route change 2001:DB8::1 via fd3d:fa7b:d17d:8888::0 dev tun0 mtu 1520', host).ok, true);
  assert.deepEqual(routes[1], ['2001:DB8::1', { mtu: 1520 }]);
  const bad = runShell('ip route change 192.0.2.1 dev tun0 rtt 10', host);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.unsupported, /ip route attribute rtt/);
  assert.equal(runShell('sysctl -q net.ipv4.tcp_mtu_probing=2 net.ipv4.tcp_base_mss=512 net.ipv4.tcp_probe_threshold=16 net.ipv4.tcp_probe_interval=60 net.ipv4.tcp_mtu_probe_floor=64', host).ok, true);
  assert.deepEqual([h.tcp.mtuProbing, h.tcp.mtuProbeBaseMss, h.tcp.mtuProbeThreshold, h.tcp.mtuProbeIntervalMs, h.tcp.mtuProbeFloorMss], [2, 512, 16, 60_000, 64]);
});

test("tcp_cubic's module parameters map onto Linux's HyStart: hystart, hystart_detect, hystart_low_window, hystart_ack_delta_us", () => {
  const { h, host } = linuxHost();
  assert.equal(h.tcp.slowStartExit, 'hystart', "the linux personality's CUBIC leaves slow start by Linux's HyStart");
  for (const cmd of ['echo 2 > /sys/module/tcp_cubic/parameters/hystart_detect', 'echo 8 > /sys/module/tcp_cubic/parameters/hystart_low_window', 'echo 1500 > /sys/module/tcp_cubic/parameters/hystart_ack_delta_us']) {
    assert.equal(runShell(cmd, host).ok, true, cmd);
  }
  assert.deepEqual([h.tcp.hystartDetect, h.tcp.hystartLowWindow, h.tcp.hystartAckDeltaMs], [2, 8, 1.5]);
  assert.equal(runShell('echo 0 > /sys/module/tcp_cubic/parameters/hystart', host).ok, true);
  assert.equal(h.tcp.slowStartExit, 'off');
});
