/**
 * A program using synack sockets on a RealtimeDriver exits as a node:net program does: once the
 * application holds no open socket or server, nothing keeps the event loop alive, even though the
 * stack still keeps TIME-WAIT entries (60 s) on timers. An open server (or socket) keeps it alive,
 * as a node:net handle does, unless unref'd.
 *
 * Each case runs a small program in a child process and measures, with a bounded wait (never a
 * sleep), how long the child takes to exit after it printed that everything is closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../src/', import.meta.url));

const PRELUDE = `
import { SimNetwork } from '${dist}link/sim.js';
import { RealtimeDriver } from '${dist}link/realtime.js';
import { createServer, connect, TcpListener, TcpStream } from '${dist}socket/index.js';
const net = new SimNetwork(7);
const client = net.addHost('client', { addresses: ['198.18.0.1'] });
const server = net.addHost('server', { addresses: ['198.18.0.2'] });
net.link(client, server, { delayMs: 2 });
const rt = new RealtimeDriver(net).start();
`;

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  /** Wall ms from the line "closed" on stdout to the child's exit. */
  exitAfterClosedMs: number | undefined;
}

function runChild(body: string, limitMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PRELUDE + body], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let closedAt: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (closedAt === undefined && /^closed/m.test(stdout)) closedAt = performance.now();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ stdout, stderr, code, exitAfterClosedMs: closedAt === undefined ? undefined : performance.now() - closedAt });
    });
  });
}

test('every socket and the server closed: the process exits at once while TIME-WAIT entries remain', async () => {
  const r = await runChild(`
let closes = 0;
const srv = createServer(server, (s) => { s.on('close', () => closes++); s.pipe(s); });
srv.listen(7, () => {
  const c = connect(client, { port: 7, host: '198.18.0.2' }, () => c.end('hello'));
  c.resume();
  c.on('close', () => {
    srv.close(() => {
      const tw = client.stack.timeWaitCount + server.stack.timeWaitCount;
      console.log('closed time-wait=' + tw + ' server-closes=' + closes);
    });
  });
});
`);
  assert.equal(r.code, 0, `exit code ${r.code}; stderr: ${r.stderr}`);
  const m = /closed time-wait=(\d+) server-closes=(\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  assert.ok(Number(m[1]) >= 1, 'a TIME-WAIT entry remains when the application is done');
  assert.equal(m[2], '1');
  assert.ok(r.exitAfterClosedMs !== undefined && r.exitAfterClosedMs < 2_000, `exited ${r.exitAfterClosedMs} ms after closing (TIME-WAIT is 60 s)`);
});

test("a listening server keeps the process alive (an unref'd timer still fires), then lets it go once closed", async () => {
  const r = await runChild(`
const srv = createServer(server, () => {});
srv.listen(7, () => {
  const t = setTimeout(() => { console.log('still alive'); srv.close(() => console.log('closed')); }, 300);
  t.unref();
});
`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /still alive/, 'the listening server must hold the event loop as a node:net server does');
  assert.ok(r.exitAfterClosedMs !== undefined && r.exitAfterClosedMs < 2_000, `${r.exitAfterClosedMs}`);
});

test('an open connection keeps the process alive; server.unref() and socket.unref() let it go', async () => {
  const held = await runChild(`
const srv = createServer(server, (s) => {
  srv.close();
  const t = setTimeout(() => { console.log('still alive'); s.destroy(); c.destroy(); c.on('close', () => console.log('closed')); }, 300);
  t.unref();
});
let c;
srv.listen(7, () => { c = connect(client, { port: 7, host: '198.18.0.2' }); });
`);
  assert.equal(held.code, 0, held.stderr);
  assert.match(held.stdout, /still alive/, 'an idle established socket must hold the event loop');
  const released = await runChild(`
const srv = createServer(server, (s) => s.unref());
srv.listen(7, () => {
  srv.unref();
  const c = connect(client, { port: 7, host: '198.18.0.2' }, () => { c.unref(); console.log('closed'); });
  const t = setTimeout(() => console.log('held'), 3_000);
  t.unref();
});
`);
  assert.equal(released.code, 0, released.stderr);
  assert.doesNotMatch(released.stdout, /held/);
  assert.ok(released.exitAfterClosedMs !== undefined && released.exitAfterClosedMs < 2_000, `${released.exitAfterClosedMs}`);
});

test('a TcpStream and a TcpListener hold the process while open, as node:net handles do, and let it go once closed', async () => {
  const r = await runChild(`
const l = new TcpListener(server, { localPort: 7, autoAccept: true });
l.addEventListener('connection', async (e) => {
  const { readable, writable } = await e.stream.opened;
  await readable.pipeTo(writable);
});
const s = new TcpStream(client, { remoteAddress: '198.18.0.2', remotePort: 7 });
const { readable, writable } = await s.opened;
const t = setTimeout(async () => {
  console.log('still alive');
  const w = writable.getWriter();
  await w.write(new TextEncoder().encode('hi'));
  await w.close();
  let echoed = '';
  for await (const chunk of readable) echoed += new TextDecoder().decode(chunk);
  await s.closed;
  await l.close();
  console.log('closed echoed=' + echoed + ' time-wait=' + (client.stack.timeWaitCount + server.stack.timeWaitCount));
}, 300);
t.unref();
`);
  assert.equal(r.code, 0, `exit code ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stdout, /still alive/, 'an open TcpStream and TcpListener must hold the event loop');
  const m = /closed echoed=(\S*) time-wait=(\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  assert.equal(m[1], 'hi');
  assert.ok(Number(m[2]) >= 1, 'a TIME-WAIT entry remains when the application is done');
  assert.ok(r.exitAfterClosedMs !== undefined && r.exitAfterClosedMs < 2_000, `exited ${r.exitAfterClosedMs} ms after closing (TIME-WAIT is 60 s)`);
});
