/**
 * `synack serve`'s other applications and its shutdown, against kernel clients in a namespace of its
 * own: echo returns what socat sends; chargen's stream is RFC 864's rotating lines; discard swallows
 * and closes when the client does; SIGTERM with a connection open ends it with a FIN (socat sees EOF)
 * and the device is gone afterwards. Skipped, with the reason, without root or TUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { counters, finished, interopSkipReason, nsExec, nsSpawn, serve, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['socat']) ?? false;

test('echo (RFC 862): 1 MB from socat comes back byte-exact', { skip }, async () => {
  await withNetns(async (ns, dir) => {
    const s = await serve(ns, ['--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--app', 'echo']);
    try {
      assert.equal(s.listening, '198.18.0.2:7');
      const data = randomBytes(1_000_000);
      const input = path.join(dir, 'in');
      writeFileSync(input, data);
      const r = nsSpawn(ns, 'socat', ['-t', '10', `OPEN:${input},rdonly!!CREATE:${path.join(dir, 'out')}`, 'TCP4:198.18.0.2:7'], { timeoutMs: 20_000 });
      const res = await finished(r, 25_000);
      assert.equal(res.status, 0, res.stderr);
      assert.ok(readFileSync(path.join(dir, 'out')).equals(data));
    } finally {
      await s.stop();
    }
  });
});

test("chargen (RFC 864): 72-character lines, each starting one character after the last one's start", { skip }, async () => {
  await withNetns(async (ns) => {
    const s = await serve(ns, ['--tun', uniqueName(), '--addr', '2001:db8::2/64', '--peer', '2001:db8::1', '--app', 'chargen']);
    try {
      assert.equal(s.listening, '[2001:db8::2]:19');
      const r = nsExec(ns, 'sh', ['-c', "socat -u TCP6:[2001:db8::2]:19 - | head -c 7400"], { timeoutMs: 15_000 });
      const lines = r.stdout.split('\r\n');
      assert.ok(lines.length >= 100, `got ${r.stdout.length} bytes`);
      for (let i = 0; i < 100; i++) {
        assert.equal(lines[i].length, 72, `line ${i}`);
        const first = lines[i].charCodeAt(0);
        assert.equal(first, 32 + (i % 95), `line ${i} starts at the next printable character`);
        for (let j = 1; j < 72; j++) assert.equal(lines[i].charCodeAt(j), 32 + ((first - 32 + j) % 95));
      }
    } finally {
      await s.stop();
    }
  });
});

test('discard (RFC 863): swallows 1 MB and closes when the client does', { skip }, async () => {
  await withNetns(async (ns, dir) => {
    const s = await serve(ns, ['--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--app', 'discard']);
    try {
      const input = path.join(dir, 'in');
      writeFileSync(input, randomBytes(1_000_000));
      const r = nsExec(ns, 'socat', ['-t', '10', `OPEN:${input},rdonly`, 'TCP4:198.18.0.2:9'], { timeoutMs: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '', 'discard sends nothing');
    } finally {
      const end = await s.stop();
      assert.ok((counters(end.stdout).get('TcpInSegs') ?? 0) > 10);
    }
  });
});

/** The first output of `child` (the echo of its line), or an error after 10 s. */
function firstData(child: { stdout: NodeJS.ReadableStream | null }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no echo within 10 s')), 10_000);
    child.stdout!.once('data', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

test('SIGTERM with a connection open: the client sees a FIN (EOF), serve prints its counters and the device is gone', { skip }, async () => {
  await withNetns(async (ns) => {
    const dev = uniqueName();
    const s = await serve(ns, ['--tun', dev, '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--app', 'echo']);
    // A client that sends one line and then waits for the server's end (stdin stays open).
    const client = nsSpawn(ns, 'socat', ['-', 'TCP4:198.18.0.2:7'], { stdin: 'pipe', timeoutMs: 20_000 });
    const done = finished(client, 25_000);
    client.stdin!.write('hello\n');
    await firstData(client);
    const end = await s.stop();
    assert.equal(end.status, 0, end.stderr);
    // The line tells what happened and how long it took: the FIN exchange, not the 3 s grace.
    const m = /^closed on SIGTERM in (\d+\.\d\d) s: 1 connection open, all closed with FIN, none reset$/m.exec(end.stdout);
    assert.ok(m, end.stdout);
    assert.ok(Number(m[1]) < 3, `closed in ${m[1]} s, before the grace ran out`);
    assert.equal(counters(end.stdout).get('TcpPassiveOpens'), 1);
    client.stdin!.end();
    const c = await done;
    assert.equal(c.status, 0, `socat saw a clean end: ${c.stderr}`);
    const link = nsExec(ns, 'ip', ['link', 'show', dev], { timeoutMs: 5000 });
    assert.notEqual(link.status, 0, `the device ${dev} was removed`);
  });
});

test('SIGTERM with nothing open: the shutdown line says so, and took well under the grace', { skip }, async () => {
  await withNetns(async (ns) => {
    const s = await serve(ns, ['--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1']);
    const end = await s.stop();
    assert.equal(end.status, 0, end.stderr);
    const m = /^closed on SIGTERM in (\d+\.\d\d) s: no connection was open$/m.exec(end.stdout);
    assert.ok(m, end.stdout);
    assert.ok(Number(m[1]) < 1, `closed in ${m[1]} s`);
  });
});

test('SIGTERM while a client keeps its side open past the grace: the line counts the reset and the 3 s it took', { skip }, async () => {
  await withNetns(async (ns) => {
    const s = await serve(ns, ['--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--app', 'echo']);
    // socat -t 20: after the server's FIN it keeps its own side open for 20 s, past serve's 3 s grace.
    const client = nsSpawn(ns, 'socat', ['-t', '20', '-', 'TCP4:198.18.0.2:7'], { stdin: 'pipe', timeoutMs: 30_000 });
    const done = finished(client, 35_000);
    client.stdin!.write('hello\n');
    await firstData(client);
    const end = await s.stop();
    assert.equal(end.status, 0, end.stderr);
    const m = /^closed on SIGTERM in (\d+\.\d\d) s: 1 connection open, 0 closed with FIN, 1 reset \(still open after the 3 s grace\)$/m.exec(end.stdout);
    assert.ok(m, end.stdout);
    assert.ok(Number(m[1]) >= 3 && Number(m[1]) < 10, `closed in ${m[1]} s`);
    client.kill('SIGKILL');
    await done;
  });
});
