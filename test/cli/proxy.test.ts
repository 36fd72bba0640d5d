/**
 * `synack proxy` as a user runs it: a child process on loopback, its "listening" line read from
 * stdout, traffic through it, then SIGINT, and what it printed. Also the option parsing (usage errors
 * exit 2) and the profile list. Every wait is on the child's output or exit, with a bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import * as net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath, runCli } from '../checkout.js';
import { proxySpecFromArgs } from '../../src/cli/proxy.js';
import { PROFILES } from '../../src/workloads/proxy/index.js';
import { decodeTcpPacket, locateIp, readCapture, TcpFlag } from '../../src/wire/index.js';
import { closeServer, loopbackServer, within } from '../workloads/proxy-helpers.js';

/** Start the CLI; resolves with the child and a way to wait for a stdout line matching a pattern. */
function start(args: string[]) {
  const child = spawn(process.execPath, [cliPath, 'proxy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void; from: string[] }> = [];
  const feed = (list: string[]) => (line: string) => {
    list.push(line);
    for (const w of [...waiters]) {
      if (w.from !== list) continue;
      const m = w.re.exec(line);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', feed(out));
  createInterface({ input: child.stderr! }).on('line', feed(err));
  const line = (re: RegExp, from: 'out' | 'err' = 'out') => {
    const list = from === 'out' ? out : err;
    for (const l of list) {
      const m = re.exec(l);
      if (m) return Promise.resolve(m);
    }
    return within(new Promise<RegExpMatchArray>((resolve) => waiters.push({ re, resolve, from: list })), 15_000, `a line like ${re} (stdout: ${out.join(' | ')}; stderr: ${err.join(' | ')})`);
  };
  return { child, out, err, line };
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGINT');
  const [code] = (await within(once(child, 'exit'), 15_000, 'the proxy exits on SIGINT')) as [number | null];
  return code;
}

async function echoThrough(port: number, text: string): Promise<string> {
  const c = net.connect({ host: '127.0.0.1', port });
  let got = '';
  await within(
    new Promise<void>((resolve, reject) => {
      c.on('connect', () => c.write(text));
      c.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.length >= text.length) resolve();
      });
      c.on('error', reject);
    }),
    15_000,
    'an echo through the proxy',
  );
  c.destroy();
  return got;
}

test('synack proxy: listens, carries bytes with loss, prints stats and ladders, closes on SIGINT', async () => {
  const { server, port } = await loopbackServer((s) => s.pipe(s));
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-proxy-cli-'));
  const pcap = path.join(dir, 'path.pcap');
  const p = start(['--upstream', `127.0.0.1:${port}`, '--delay', '5', '--loss', '1%', '--seed', '7', '--pcap', pcap, '--stats', '50', '--ladder']);
  try {
    const m = await p.line(/^listening 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:\d+ \(seed 7; up: delay 5 ms, loss 1%; down: delay 5 ms, loss 1%\)$/);
    const proxyPort = Number(m[1]);
    const c = net.connect({ host: '127.0.0.1', port: proxyPort });
    await once(c, 'connect');
    c.write('hello through the path');
    const [d] = (await within(once(c, 'data'), 15_000, 'echo')) as [Buffer];
    assert.equal(d.toString(), 'hello through the path');
    await p.line(/^synack #1 127\.0\.0\.1:\d+ ESTABLISHED rtt [\d.]+ms cwnd \d+ retrans \d+ up 22 B down 22 B$/, 'err');
    c.end();
    c.resume();
    await within(once(c, 'close'), 15_000, 'the connection closes with FINs both ways');
    assert.equal(await stop(p.child), 0);
    assert.ok(p.err.some((l) => /^closed on SIGINT: \d+ connections? open, reset$/.test(l)), p.err.join('\n'));
    assert.ok(p.out.some((l) => /^synack connection 1 \(127\.0\.0\.1:\d+\):$/.test(l)), 'a ladder heading');
    assert.ok(p.out.some((l) => l.includes('SYN')), `the ladder shows the handshake:\n${p.out.join('\n')}`);
    const capture = readFileSync(pcap);
    assert.ok([0xa1b2c3d4, 0xa1b23c4d].includes(capture.readUInt32LE(0)), 'a pcap file (micro- or nanosecond)');
    // The simulated path's packets: the near stack (198.18.0.1) to the far one (198.18.0.2:80) and back.
    const cap = readCapture(capture);
    assert.ok(cap.ok, 'the pcap reads');
    const segments = cap.records.flatMap((r) => {
      const at = locateIp(r.linkType, r.data);
      const p = at.ok ? decodeTcpPacket(r.data, at.offset) : undefined;
      return p?.ok ? [p] : [];
    });
    assert.equal(segments.length, cap.records.length, 'every record is a TCP/IP packet');
    const v4 = (a: number) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
    const [syn] = segments;
    assert.ok((syn.tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN, 'the capture starts with the SYN');
    assert.equal(`${v4(syn.ip.src as number)} > ${v4(syn.ip.dst as number)}:${syn.tcp.dstPort}`, '198.18.0.1 > 198.18.0.2:80');
    const data = segments.filter((p) => p.tcp.payload.length > 0).map((p) => Buffer.from(p.tcp.payload).toString());
    assert.ok(data.filter((d) => d === 'hello through the path').length >= 2, `the bytes cross each way: ${JSON.stringify(data)}`);
    assert.ok(segments.some((p) => p.tcp.flags & TcpFlag.FIN), 'and the FINs');
  } finally {
    p.child.kill('SIGKILL');
    await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('synack proxy --api: a toxiproxy-compatible API creates a proxy, a toxic acts, bad requests are answered', async () => {
  const { server, port } = await loopbackServer((s) => s.pipe(s));
  const p = start(['--api', '127.0.0.1:0']);
  try {
    const m = await p.line(/^api listening 127\.0\.0\.1:(\d+)$/);
    const base = `http://127.0.0.1:${m[1]}`;
    const created = await fetch(`${base}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${port}` }) });
    assert.equal(created.status, 201);
    const proxy = (await created.json()) as { listen: string };
    const proxyPort = Number(proxy.listen.split(':').pop());
    assert.equal(await echoThrough(proxyPort, 'one'), 'one');
    const bad = await fetch(`${base}/proxies/echo/toxics`, { method: 'POST', body: '{"type":"nonsense"}' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /invalid toxic type/);
    const toxic = await fetch(`${base}/proxies/echo/toxics`, { method: 'POST', body: JSON.stringify({ type: 'loss', stream: 'upstream', attributes: { probability: 0.05 } }) });
    assert.equal(toxic.status, 200);
    assert.equal(await echoThrough(proxyPort, 'two, with 5% loss upstream'), 'two, with 5% loss upstream');
    const conns = (await fetch(`${base}/proxies/echo/connections`).then((r) => r.json())) as Array<{ bytesUp: number }>;
    assert.ok(conns.length >= 2 && conns.every((c) => c.bytesUp > 0), JSON.stringify(conns));
    assert.equal(await stop(p.child), 0);
  } finally {
    p.child.kill('SIGKILL');
    await closeServer(server);
  }
});

test('synack proxy --list-profiles: every profile with its source', () => {
  const r = runCli(['proxy', '--list-profiles']);
  assert.equal(r.status, 0, r.stderr);
  for (const p of PROFILES) {
    assert.ok(r.stdout.includes(p.name), p.name);
    assert.ok(r.stdout.includes(`source: ${p.source}`), `${p.name}'s source`);
  }
});

test('synack proxy: options parse to the link, per direction, and a schedule', () => {
  const spec = proxySpecFromArgs(['--upstream', '127.0.0.1:80', '--delay', '25', '--rate', '10M', '--down-loss', '1%', '--up-jitter', '3', '--schedule', 'rate=1M@5s;down.loss=0.1,partition=2s@8s']);
  assert.deepEqual(spec.link, { delayMs: 25, rateBps: 10e6 });
  assert.deepEqual(spec.downstreamLink, { loss: 0.01 });
  assert.deepEqual(spec.upstreamLink, { jitterMs: 3 });
  assert.deepEqual(spec.schedule, [
    { atMs: 5000, link: { rateBps: 1e6 } },
    { atMs: 8000, downstreamLink: { loss: 0.1 }, partitionMs: 2000 },
  ]);
  const burst = proxySpecFromArgs(['--upstream', '127.0.0.1:80', '--up-burst-enter', '1%', '--up-burst-exit', '25%', '--burst-loss', '0.5', '--good-loss', '0.005']);
  assert.deepEqual(burst.link, { burstLoss: 0.5, goodLoss: 0.005 });
  assert.deepEqual(burst.upstreamLink, { burstEnter: 0.01, burstExit: 0.25 });
  assert.deepEqual(burst.downstreamLink, {});
});

test('synack proxy: bad options are usage errors (exit 2) naming the option', () => {
  for (const [args, message] of [
    [[], /--upstream HOST:PORT is required/],
    [['--upstream', '127.0.0.1:80', '--loss', 'lots'], /--loss: not a fraction/],
    [['--upstream', '127.0.0.1:80', '--profile', 'moon'], /--profile: unknown profile 'moon'; known: slow-3g/],
    [['--upstream', '127.0.0.1:80', '--schedule', 'rate=1M'], /--schedule: .*either|--schedule:/],
    [['--upstream', '127.0.0.1:80', '--schedule', 'warp=9@1s'], /--schedule: unknown schedule setting 'warp'/],
    [['--upstream', 'nowhere'], /upstream must be HOST:PORT/],
    [['--upstream', '127.0.0.1:80', '--seed', '-1'], /--seed: a whole number/],
    [['--upstream', '127.0.0.1:80', '--bogus'], /unknown option --bogus/],
  ] as const) {
    const r = runCli(['proxy', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});
