/**
 * synack against the kernel under stress, through a TUN device in a namespace of its own:
 * 2% loss each way (nftables drops every 50th packet each way, `numgen inc`, inside the namespace:
 * deterministic, where random loss could drop nothing in a short transfer) with transfers still
 * byte-exact both ways; a SYN flood from hping3 (bounded in count and time, from an address in the
 * device's prefix that never answers) against `--syn-cookies on-overflow` while curl keeps succeeding.
 * Skipped, with the reason, without root or TUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { counters, finished, interopSkipReason, isPattern, nsExec, nsSpawn, serve, tsharkComplaints, uniqueName, withNetns } from './netns.js';

const lossSkip = interopSkipReason(['curl', 'nft', 'tshark']) ?? false;
const floodSkip = interopSkipReason(['curl', 'hping3']) ?? false;

/** Drop 2% of packets each way on device `dev` (every 50th, the first included), counted (nftables, inside `ns`). */
function addLoss(ns: string, dev: string): void {
  const rules = `table inet synack_loss {
  chain input { type filter hook input priority 0; policy accept; iifname "${dev}" numgen inc mod 50 == 0 counter drop; }
  chain output { type filter hook output priority 0; policy accept; oifname "${dev}" numgen inc mod 50 == 0 counter drop; }
}
`;
  const r = nsExec(ns, 'nft', ['-f', '-'], { input: rules, timeoutMs: 10_000 });
  assert.equal(r.status, 0, `nft: ${r.stderr}`);
}

/** Packets the loss rules dropped so far. */
function lossDrops(ns: string): number {
  const r = nsExec(ns, 'nft', ['list', 'table', 'inet', 'synack_loss'], { timeoutMs: 10_000 });
  return [...r.stdout.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

test('2% loss each way: curl downloads 10 MB and uploads 2 MB byte-exact over IPv4; the pcap is clean', { skip: lossSkip }, async () => {
  await withNetns(async (ns, dir) => {
    const dev = uniqueName();
    addLoss(ns, dev);
    const pcap = path.join(dir, 'loss.pcap');
    const s = await serve(ns, ['--tun', dev, '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--pcap', pcap]);
    let stopped = false;
    try {
      const body = randomBytes(2_000_000);
      const bodyFile = path.join(dir, 'body');
      writeFileSync(bodyFile, body);
      const file = path.join(dir, 'down');
      const r = nsExec(ns, 'curl', ['-sS', '--max-time', '120', '-o', file, 'http://198.18.0.2/bytes/10000000'], { timeoutMs: 125_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(file).size, 10_000_000);
      assert.ok(isPattern(readFileSync(file)));
      const up = nsExec(ns, 'curl', ['-sS', '--max-time', '120', '--data-binary', `@${bodyFile}`, 'http://198.18.0.2/sha256'], { timeoutMs: 125_000 });
      assert.equal(up.status, 0, up.stderr);
      assert.equal(up.stdout.trim(), createHash('sha256').update(body).digest('hex'));
      const dropped = lossDrops(ns);
      const end = await s.stop();
      stopped = true;
      assert.equal(end.status, 0, end.stderr);
      assert.ok(dropped > 0, 'the loss rules dropped packets');
      assert.ok((counters(end.stdout).get('TcpRetransSegs') ?? 0) > 0, 'synack retransmitted');
      assert.deepEqual(tsharkComplaints(pcap).problems, []);
    } finally {
      if (!stopped) await s.stop();
    }
  });
});

test('2% loss each way over IPv6: curl downloads 10 MB byte-exact', { skip: lossSkip }, async () => {
  await withNetns(async (ns, dir) => {
    const dev = uniqueName();
    addLoss(ns, dev);
    const s = await serve(ns, ['--tun', dev, '--addr', '2001:db8::2/64', '--peer', '2001:db8::1']);
    try {
      const file = path.join(dir, 'down');
      const r = nsExec(ns, 'curl', ['-sS', '--max-time', '120', '-o', file, 'http://[2001:db8::2]/bytes/10000000'], { timeoutMs: 125_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(file).size, 10_000_000);
      assert.ok(isPattern(readFileSync(file)));
      assert.ok(lossDrops(ns) > 0, 'the loss rules dropped packets');
    } finally {
      const end = await s.stop();
      assert.equal(end.status, 0, end.stderr);
    }
  });
});

test('a SYN flood (hping3, 20,000 SYNs at most, 10 s at most) against --syn-cookies on-overflow: curl keeps succeeding', { skip: floodSkip }, async () => {
  await withNetns(async (ns, dir) => {
    const dev = uniqueName();
    const s = await serve(ns, ['--tun', dev, '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--syn-cookies', 'on-overflow']);
    let stopped = false;
    try {
      // From 198.18.0.99: in the device's prefix, owned by no one, so synack's SYN-ACKs go unanswered
      // (the namespace does not forward) and its SYN queue fills: then cookies.
      const flood = nsSpawn(ns, 'hping3', ['-q', '-S', '-p', '80', '-a', '198.18.0.99', '-i', 'u100', '-c', '20000', '198.18.0.2'], { timeoutMs: 10_000 });
      const floodDone = finished(flood, 15_000);
      let running = true;
      void floodDone.then(() => (running = false));
      let ok = 0;
      const failures: string[] = [];
      for (let i = 0; i < 40 && (running || ok === 0); i++) {
        const c = nsSpawn(ns, 'curl', ['-sS', '--max-time', '10', '-o', path.join(dir, 'b'), '-w', '%{http_code}', 'http://198.18.0.2/bytes/100000'], { timeoutMs: 15_000 });
        const r = await finished(c, 20_000);
        if (r.status === 0 && r.stdout === '200' && isPattern(readFileSync(path.join(dir, 'b')))) ok++;
        else failures.push(`curl ${i}: exit ${r.status} ${r.stderr.trim()}`);
      }
      await floodDone;
      const end = await s.stop();
      stopped = true;
      assert.equal(end.status, 0, end.stderr);
      const c = counters(end.stdout);
      assert.deepEqual(failures, []);
      assert.ok(ok >= 2, `${ok} curls succeeded during the flood`);
      assert.ok((c.get('TcpSyncookiesSent') ?? 0) > 0, `synack sent SYN cookies (counters: ${end.stdout})`);
    } finally {
      if (!stopped) await s.stop();
    }
  });
});
