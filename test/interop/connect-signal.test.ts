/**
 * `synack connect` interrupted (SIGINT, SIGTERM) closes its connection as `synack serve` does: its FIN
 * first, a short grace for the kernel's, then a RST; the stack's counters on stderr. The kernel's side
 * must not stay ESTABLISHED (nor CLOSE-WAIT) after the device is gone. Over TUN in a namespace of its
 * own; skipped, with the reason, without root or TUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, finished, interopSkipReason, nsExec, nsSpawn, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['socat']) ?? false;

/** The kernel's TCP states of connections on local (or, with dport, remote) port `port` in `ns` (ss -tan, e.g. ESTAB, CLOSE-WAIT). */
function kernelStates(ns: string, port: number, side: 'sport' | 'dport' = 'sport'): string[] {
  const r = nsExec(ns, 'ss', ['-Htan', `${side} = :${port}`], { timeoutMs: 5000 });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/)[0])
    .filter((s) => s !== 'LISTEN');
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  for (let t = 0; t < ms; t += 20) {
    if (ok()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}

/**
 * A kernel-side server on `port`: with `closes`, it answers our FIN with its own at once (cat ends);
 * without, it keeps its side open for a minute (socat -t 60 waits that long after one side's EOF).
 */
function server(ns: string, port: number, closes: boolean) {
  const args = closes ? [`TCP4-LISTEN:${port},reuseaddr`, 'EXEC:cat'] : ['-t', '60', `TCP4-LISTEN:${port},reuseaddr`, 'EXEC:sleep 60'];
  return nsSpawn(ns, 'socat', args, { timeoutMs: 30_000 });
}

for (const c of [
  { signal: 'SIGINT', status: 130, closes: false },
  { signal: 'SIGTERM', status: 143, closes: true },
] as const) {
  test(`${c.signal} with the kernel's side ${c.closes ? 'answering our FIN' : 'never closing'}: ${c.closes ? 'FIN each way' : 'FIN, then RST after the grace'}; the kernel leaves ESTABLISHED; counters on stderr`, { skip }, async () => {
    await withNetns(async (ns) => {
      const port = 5000;
      server(ns, port, c.closes);
      await until('socat listens', () => nsExec(ns, 'ss', ['-Htln', `sport = :${port}`]).stdout.trim() !== '');
      // stdin stays open (a pipe nobody writes): only the signal ends the connection.
      const client = nsSpawn(ns, process.execPath, [CLI, 'connect', '--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--to', `198.18.0.1:${port}`], {
        stdin: 'pipe',
        timeoutMs: 30_000,
      });
      const result = finished(client, 30_000);
      await until('the kernel has the connection ESTABLISHED', () => kernelStates(ns, port).includes('ESTAB'));
      client.kill(c.signal);
      const r = await result;
      assert.equal(r.status, c.status, r.stderr);
      assert.match(r.stderr, new RegExp(`^synack connect: closed on ${c.signal} after [\\d.]+ s: ${c.closes ? 'FIN each way in \\d+ ms' : 'reset after \\d+ ms \\(no FIN from the peer within 2000 ms\\)'}\\n`));
      const counters = new Map(
        r.stderr
          .split('\n')
          .map((l) => /^([A-Za-z]+) (\d+)$/.exec(l))
          .filter((m) => m !== null)
          .map((m) => [m![1], Number(m![2])]),
      );
      assert.equal(counters.get('TcpActiveOpens'), 1, r.stderr);
      if (!c.closes) assert.ok((counters.get('TcpOutRsts') ?? 0) >= 1, `a RST was sent: ${r.stderr}`);
      assert.ok((counters.get('LinkPacketsOut') ?? 0) >= 3, r.stderr);
      // Nothing of the connection is left open on the kernel's side: no ESTABLISHED, no CLOSE-WAIT.
      const left = kernelStates(ns, port).filter((s) => s === 'ESTAB' || s === 'CLOSE-WAIT');
      assert.deepEqual(left, [], `kernel states left: ${kernelStates(ns, port).join(', ')}`);
    });
  });
}

test("serve on SIGTERM: FIN to a kernel client that never closes, then RST after the grace: the kernel's side leaves CLOSE-WAIT", { skip }, async () => {
  await withNetns(async (ns) => {
    const served = nsSpawn(ns, process.execPath, [CLI, 'serve', '--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--app', 'discard'], { timeoutMs: 30_000 });
    const result = finished(served, 30_000);
    let out = '';
    served.stdout!.on('data', (d: Buffer) => (out += d));
    await until('serve listens', () => out.includes('listening'));
    // A kernel-side client that keeps its side open for a minute after synack's FIN.
    nsSpawn(ns, 'socat', ['-t', '60', 'EXEC:sleep 60', 'TCP4:198.18.0.2:9'], { timeoutMs: 30_000 });
    await until('the kernel has the connection ESTABLISHED', () => kernelStates(ns, 9, 'dport').includes('ESTAB'));
    served.kill('SIGTERM');
    const r = await result;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /TcpOutRsts [1-9]/, r.stdout);
    const left = kernelStates(ns, 9, 'dport').filter((s) => s === 'ESTAB' || s === 'CLOSE-WAIT');
    assert.deepEqual(left, [], `kernel states left: ${kernelStates(ns, 9, 'dport').join(', ')}`);
  });
});
