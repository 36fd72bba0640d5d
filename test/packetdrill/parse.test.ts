/**
 * The packetdrill parser on the lines that are easy to get wrong: blocking calls, ranges, options,
 * flag expressions, structures, notes, code blocks, comments, and errors with their line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript, type Script, type ScriptEvent } from '../../src/packetdrill/index.js';
import { TcpFlag } from '../../src/wire/index.js';
import { sharedDir } from '../checkout.js';

function parse(src: string): Script {
  const r = parseScript(src);
  if (!r.ok) assert.fail(`line ${r.error.line}: ${r.error.message}`);
  return r.script;
}

function one(line: string): ScriptEvent {
  const s = parse(line);
  assert.equal(s.events.length, 1, `one event in: ${line}`);
  return s.events[0];
}

function error(src: string): { line: number; message: string } {
  const r = parseScript(src);
  assert.equal(r.ok, false, `should not parse: ${src}`);
  return (r as { ok: false; error: { line: number; message: string } }).error;
}

test('header options and the init command', () => {
  const s = parse('--ip_version=ipv6\n--tolerance_usecs=50000\n--remote_ip=2001:db8::99\n`echo hi`\n0 close(3) = 0\n');
  assert.deepEqual(
    s.options.map((o) => [o.name, o.value, o.line]),
    [
      ['ip_version', 'ipv6', 1],
      ['tolerance_usecs', '50000', 2],
      ['remote_ip', '2001:db8::99', 3],
    ],
  );
  assert.deepEqual(s.initCommand, { line: 4, command: 'echo hi' });
  assert.equal(s.events.length, 1);
});

test('times: absolute, relative (with a space after +), any, and both kinds of range', () => {
  const s = parse('0.100 close(3) = 0\n+0.25 close(3) = 0\n+ 1 close(3) = 0\n* > S 0:0(0) <...>\n0.1~0.2 < . 1:1(0) ack 1 win 9\n+0~+0.1 < . 1:1(0) ack 1 win 9\n');
  assert.deepEqual(
    s.events.map((e) => e.time),
    [
      { kind: 'absolute', us: 100_000 },
      { kind: 'relative', us: 250_000 },
      { kind: 'relative', us: 1_000_000 },
      { kind: 'any' },
      { kind: 'absolute-range', us: 100_000, endUs: 200_000 },
      { kind: 'relative-range', us: 0, endUs: 100_000 },
    ],
  );
});

test('a blocking call: start...end, errno and note', () => {
  const e = one(' 1.00...6.00 connect(3, ..., ...) = -1 ETIMEDOUT (Operation timed out)');
  assert.equal(e.type, 'syscall');
  if (e.type !== 'syscall') return;
  assert.deepEqual(e.time, { kind: 'absolute', us: 1_000_000 });
  assert.equal(e.call.endUs, 6_000_000);
  assert.equal(e.call.name, 'connect');
  assert.deepEqual(e.call.args, [{ kind: 'int', value: 3, text: '3' }, { kind: 'ellipsis' }, { kind: 'ellipsis' }]);
  assert.deepEqual(e.call.result, { kind: 'int', value: -1, text: '-1' });
  assert.equal(e.call.errno, 'ETIMEDOUT');
  assert.equal(e.call.note, 'Operation timed out');
});

test('flag expressions, hex results and a note without errno', () => {
  const e = one('+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0');
  assert.ok(e.type === 'syscall');
  if (e.type !== 'syscall') return;
  assert.deepEqual(e.call.args[2], { kind: 'binary', op: '|', left: { kind: 'word', name: 'O_RDWR' }, right: { kind: 'word', name: 'O_NONBLOCK' } });
  const g = one('+0.00 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)');
  assert.ok(g.type === 'syscall');
  if (g.type !== 'syscall') return;
  assert.deepEqual(g.call.result, { kind: 'int', value: 2, text: '0x02' });
  assert.equal(g.call.errno, undefined);
  assert.equal(g.call.note, 'flags O_RDWR');
});

test('arrays, structures and function-like expressions in arguments', () => {
  const e = one('+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0');
  assert.ok(e.type === 'syscall');
  if (e.type !== 'syscall') return;
  assert.deepEqual(e.call.args[3], { kind: 'list', items: [{ kind: 'word', name: 'ECONNRESET' }] });
  const l = one('+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0');
  assert.ok(l.type === 'syscall');
  if (l.type !== 'syscall') return;
  assert.equal(l.call.args[3].kind, 'struct');
  const p = one('+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1');
  assert.ok(p.type === 'syscall');
  if (p.type !== 'syscall') return;
  const fds = p.call.args[0];
  assert.ok(fds.kind === 'list' && fds.items[0].kind === 'struct');
  if (fds.kind === 'list' && fds.items[0].kind === 'struct') {
    // `=` binds looser than `|`: events = (POLLIN | POLLOUT).
    assert.deepEqual(fds.items[0].items[1], {
      kind: 'binary',
      op: '=',
      left: { kind: 'word', name: 'events' },
      right: { kind: 'binary', op: '|', left: { kind: 'word', name: 'POLLIN' }, right: { kind: 'word', name: 'POLLOUT' } },
    });
  }
  const b = one('+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.168.0.1")}, 16) = 0');
  assert.ok(b.type === 'syscall');
  if (b.type !== 'syscall') return;
  const addr = b.call.args[1];
  assert.equal(addr.kind, 'struct');
  if (addr.kind === 'struct') assert.deepEqual(addr.items[1], { kind: 'binary', op: '=', left: { kind: 'word', name: 'sin_port' }, right: { kind: 'call', name: 'htons', args: [{ kind: 'int', value: 8080, text: '8080' }] } });
});

test('packets: ECN marks, flags with ECE and CWR, every option kind', () => {
  const e = one('+0 > [ect0] SEW 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>');
  assert.ok(e.type === 'packet');
  if (e.type !== 'packet') return;
  const p = e.packet;
  assert.equal(p.direction, 'out');
  assert.equal(p.ecn, 'ect0');
  assert.equal(p.flags, TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR);
  assert.equal(p.window, 65535);
  assert.deepEqual(p.options, [
    { kind: 'mss', value: 1460 },
    { kind: 'nop' },
    { kind: 'wscale', value: 6 },
    { kind: 'sackOK' },
    { kind: 'TS', val: 100, ecr: 0 },
  ]);
  const s = one('+0 < . 1:1(0) ack 4294967295 win 0 <nop,nop,sack 1001:2001 3001:4001>');
  assert.ok(s.type === 'packet');
  if (s.type !== 'packet') return;
  assert.equal(s.packet.ack, 4294967295);
  assert.equal(s.packet.window, 0);
  assert.deepEqual(s.packet.options?.[2], { kind: 'sack', blocks: [[1001, 2001], [3001, 4001]] });
  const u = one('+0 < PU. 1:11(10) ack 1 win 100 urg 5');
  assert.ok(u.type === 'packet');
  if (u.type === 'packet') {
    assert.equal(u.packet.flags, TcpFlag.PSH | TcpFlag.ACK | TcpFlag.URG);
    assert.equal(u.packet.urgentPointer, 5);
  }
  const f = one('+0 > S 0:0(0) <mss 1460,FO 0123456789abcdef,nop,nop>');
  assert.ok(f.type === 'packet');
  if (f.type === 'packet') assert.deepEqual(f.packet.options?.[1], { kind: 'FO', cookie: '0123456789abcdef' });
});

test('<...> means the options are not checked; no options at all means there must be none', () => {
  const any = one('* > S 0:0(0) win 65535 <...>');
  const none = one('+0 > . 1:1(0) ack 1');
  assert.ok(any.type === 'packet' && none.type === 'packet');
  if (any.type === 'packet' && none.type === 'packet') {
    assert.equal(any.packet.options, undefined);
    assert.deepEqual(none.packet.options, []);
    assert.equal(none.packet.window, undefined, 'an outbound window left out is not checked');
  }
  const noFlags = one('+0 < - 0:0(0) win 10');
  assert.ok(noFlags.type === 'packet' && noFlags.packet.flags === 0);
});

test('code blocks, commands, and comments keep line numbers', () => {
  const s = parse(
    [
      '// a comment',
      '/* a comment',
      '   over two lines */',
      '0 `sockstat -4 -P tcp -s | grep -c "SYN_RCVD" | grep 1`',
      '+0 %{',
      'assert tcpi_state == TCPI_LISTEN',
      '}%',
      '+0 close(3) = 0 // trailing comment',
    ].join('\n'),
  );
  assert.deepEqual(
    s.events.map((e) => [e.type, e.line]),
    [
      ['command', 4],
      ['code', 5],
      ['syscall', 8],
    ],
  );
  const c = s.events[0];
  assert.ok(c.type === 'command' && c.command === 'sockstat -4 -P tcp -s | grep -c "SYN_RCVD" | grep 1');
  const code = s.events[1];
  assert.ok(code.type === 'code' && code.code.includes('assert tcpi_state == TCPI_LISTEN'));
});

test('errors are reported with their line, never thrown', () => {
  assert.deepEqual(error('0 close(3) = 0\n+0 < S 0:0(0) <mss 1460>\n'), { line: 2, message: 'window must be specified for inbound packets' });
  assert.match(error('0 > S 0:0(0) <mss 1460,sackOK>\n').message, /not padded correctly/);
  assert.match(error('\n\n0 > X 0:0(0)\n').message, /invalid TCP flag 'X'/);
  assert.equal(error('\n\n0 > X 0:0(0)\n').line, 3);
  assert.match(error('0 < . 1:3(5) ack 1 win 10\n').message, /inconsistent TCP segment/);
  assert.match(error('0 `sysctl -w a=1\n').message, /unterminated backtick/);
  assert.match(error('0 close(3) = 0\n+0 ] \n').message, /expected a packet, system call/);
  assert.match(error('0 close(3 = 0\n').message, /expected/);
  assert.match(error('0 close(3) = 0\n--tolerance_usecs=1\n').message, /header option --tolerance_usecs after the first event/);
  assert.match(error('0 > S 0:0(0) <mss 99999>\n').message, /out of range/);
  assert.match(error('0 %{ assert 1\n').message, /unterminated %\{/);
  assert.match(error('0.2~0.1 close(3) = 0\n').message, /ends before it starts/);
  assert.match(error('0 udp(3) = 0\n+0 > udp (10)\n').message, /udp packets are not supported/);
});

test('every script of the FreeBSD suite parses', async (t) => {
  const { readdirSync, readFileSync, statSync, existsSync } = await import('node:fs');
  const path = await import('node:path');
  const root = path.join(sharedDir, 'conformance');
  if (!existsSync(root)) return t.skip(`${root} is missing (set SYNACK_SHARED to the shared folder)`);
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : f.endsWith('.pkt') ? [path.join(d, f)] : []));
  const files = walk(root);
  assert.ok(files.length > 300);
  for (const f of files) {
    const r = parseScript(readFileSync(f, 'utf8'));
    assert.ok(r.ok, `${f}: ${r.ok ? '' : `line ${r.error.line}: ${r.error.message}`}`);
  }
});
