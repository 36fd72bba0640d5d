/**
 * The README's `synack serve` walk-through, run as written, as root, in a namespace of its own: the
 * block marked `<!-- readme-test: root serve -->`, line by line, with `sudo` left out, the namespace,
 * device and /tmp file names made unique, and `npx synack` the built CLI. The background `serve`
 * must print what the README's `# prints:` line says before the next line runs; each curl must
 * answer as the README's comments promise (the connection report, 1000000 bytes, a SHA-256 on its
 * own line that equals sha256sum's); `kill -INT %1` must end serve with its shutdown line and
 * counters. Skipped, with the reason, without root or TUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../checkout.js';
import { CLI, finished, interopSkipReason, nsExec, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['curl']) ?? false;

/** The lines of the README block after `<!-- readme-test: root NAME -->`, continuation lines joined. */
function rootBlock(name: string): string[] {
  const md = readFileSync(path.join(repoRoot, 'README.md'), 'utf8').split('\n');
  const at = md.indexOf(`<!-- readme-test: root ${name} -->`);
  assert.ok(at >= 0, `the README has the ${name} walk-through, marked`);
  assert.match(md[at + 1], /^```sh$/);
  const end = md.indexOf('```', at + 2);
  return md
    .slice(at + 2, end)
    .join('\n')
    .replace(/\\\n\s*/g, '')
    .split('\n');
}

/** The README's names made local: no sudo, this test's namespace, device and directory, the built CLI. */
function localizer(readmeNs: string, ns: string, devices: Map<string, string>, dir: string): (l: string) => string {
  return (l) => {
    let out = l
      .replace(/\s+#.*$/, '')
      .replace(/\bsudo /g, '')
      .replaceAll(readmeNs, ns)
      .replaceAll('/tmp/', `${dir}/`)
      .replace(/\bnpx synack\b/g, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`);
    for (const [from, to] of devices) out = out.replace(new RegExp(`\\b${from}\\b`, 'g'), to);
    return out;
  };
}

test("the README's serve walk-through, run as written in a fresh namespace", { skip }, async () => {
  const lines = rootBlock('serve');
  assert.match(lines[0], /^sudo ip netns add (\S+)$/, 'it starts by making its namespace');
  assert.match(lines[lines.length - 1], /^sudo ip netns del (\S+)$/, 'and ends by removing it');
  const readmeNs = /^sudo ip netns add (\S+)$/.exec(lines[0])![1];
  await withNetns(async (ns, dir) => {
    const dev = uniqueName();
    const local = localizer(readmeNs, ns, new Map([['synack0', dev]]), dir);
    let served: ReturnType<typeof spawn> | undefined;
    let servedOut = '';
    let servedDone: ReturnType<typeof finished> | undefined;
    const outputs: Array<{ line: string; output: string }> = [];
    for (const line of lines.slice(1, -1)) {
      const printed = /^# prints: (.*)$/.exec(line);
      if (printed) {
        assert.ok(served, '# prints: follows a command put in the background');
        // Wait (bounded) for the background command to print the README's line.
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no '${printed[1]}' within 10 s: ${servedOut}`)), 10_000);
          const check = (): void => {
            if (servedOut.split('\n').includes(printed[1])) {
              clearTimeout(timer);
              resolve();
            }
          };
          served!.stdout!.on('data', (d: Buffer) => {
            servedOut += d;
            check();
          });
          check();
        });
        continue;
      }
      const cmd = local(line);
      if (/&$/.test(cmd)) {
        served = spawn('sh', ['-c', `exec ${cmd.replace(/\s*&$/, '')}`], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
        servedDone = finished(served, 125_000);
        continue;
      }
      if (/^kill -INT %1$/.test(cmd)) {
        assert.ok(served && servedDone, 'kill %1 ends the command put in the background');
        served.kill('SIGINT');
        const end = await servedDone;
        assert.equal(end.status, 0, end.stderr);
        assert.match(end.stdout, /^closed on SIGINT in \d+\.\d\d s: /m, 'the shutdown line');
        assert.match(end.stdout, /^TcpPassiveOpens \d+$/m, 'the counters');
        assert.notEqual(nsExec(ns, 'ip', ['link', 'show', dev]).status, 0, `${dev} was removed`);
        served = undefined;
        continue;
      }
      const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `${line}: ${r.stderr}`);
      outputs.push({ line, output: r.stdout });
    }
    assert.equal(served, undefined, 'the background serve was stopped by the walk-through');
    const report = outputs.find((o) => /curl http:\/\/198\.18\.0\.2\/\s/.test(o.line + ' '));
    assert.ok(report, 'the walk-through asks for GET /');
    assert.match(report.output, /^local {8}198\.18\.0\.2:80\nremote {7}198\.18\.0\.1:\d+\nstate {8}ESTABLISHED\n/);
    const count = outputs.find((o) => o.line.includes('/bytes/1000000'));
    assert.equal(count?.output.trim(), '1000000');
    const hashes = outputs.find((o) => o.line.includes('/sha256'));
    assert.ok(hashes, 'the walk-through posts to /sha256');
    const [ours, theirs, ...rest] = hashes.output.split('\n');
    assert.match(ours, /^[0-9a-f]{64}$/, "synack's digest is a line of its own (the answer ends with a newline)");
    assert.equal(theirs.split(/\s+/)[0], ours, "sha256sum's digest on the next line is the same");
    assert.deepEqual(rest, ['']);
  });
});

test("the README's connect example, run as written in a fresh namespace: socat prints what synack sent", { skip: interopSkipReason(['socat']) ?? false }, async () => {
  const lines = rootBlock('connect');
  assert.match(lines[0], /^sudo ip netns add (\S+)$/, 'it starts by making its namespace');
  assert.match(lines[lines.length - 1], /^sudo ip netns del (\S+)$/, 'and ends by removing it');
  const readmeNs = /^sudo ip netns add (\S+)$/.exec(lines[0])![1];
  await withNetns(async (ns, dir) => {
    const local = localizer(readmeNs, ns, new Map([['synack1', uniqueName()]]), dir);
    let server: ReturnType<typeof finished> | undefined;
    let ran = 0;
    for (const line of lines.slice(1, -1)) {
      const printed = /^# socat prints: (.*)$/.exec(line);
      if (printed) {
        assert.ok(server, '# socat prints: follows socat put in the background');
        const r = await server;
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `${printed[1]}\n`);
        server = undefined;
        continue;
      }
      const cmd = local(line);
      if (/&$/.test(cmd)) {
        const child = spawn('sh', ['-c', `exec ${cmd.replace(/\s*&$/, '')}`], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' });
        server = finished(child, 65_000);
        // A person types the next line after socat is up; here, wait (bounded) until it listens.
        for (let i = 0; i < 100 && !nsExec(ns, 'ss', ['-Hltn']).stdout.trim(); i++) await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `${line}: ${r.stderr}`);
      ran++;
    }
    assert.equal(server, undefined, 'what socat printed was checked');
    assert.equal(ran, 1, 'one synack connect ran');
  });
});
