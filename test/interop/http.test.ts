/**
 * curl (the kernel's TCP) against `synack serve --app http` through a TUN device in a namespace of
 * its own: /bytes/N from 1 byte to 100 MB over IPv4 and IPv6, checked byte by byte; POST /sha256 of a
 * random body against node:crypto's digest; GET / reports what synack negotiated; the capture opens in
 * tshark with no malformed packet and no bad checksum. Skipped, with the reason, without root or TUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { counters, interopSkipReason, isPattern, nsExec, serve, tsharkComplaints, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['curl', 'tshark']) ?? false;

const FAMILIES = [
  { name: 'IPv4', addr: '198.18.0.2/24', peer: '198.18.0.1', url: 'http://198.18.0.2' },
  { name: 'IPv6', addr: '2001:db8::2/64', peer: '2001:db8::1', url: 'http://[2001:db8::2]' },
] as const;

function curl(ns: string, args: string[], timeoutMs = 60_000) {
  return nsExec(ns, 'curl', ['-sS', '--max-time', String(Math.ceil(timeoutMs / 1000)), ...args], { timeoutMs: timeoutMs + 5000 });
}

for (const fam of FAMILIES) {
  test(`curl over ${fam.name}: /bytes/N for N = 1, 1000, 100000, 10 MB, POST /sha256, GET /; the pcap is clean`, { skip }, async () => {
    await withNetns(async (ns, dir) => {
      const pcap = path.join(dir, 'serve.pcap');
      const s = await serve(ns, ['--tun', uniqueName(), '--addr', fam.addr, '--peer', fam.peer, '--pcap', pcap]);
      let stopped = false;
      try {
        assert.equal(s.listening, fam.name === 'IPv4' ? '198.18.0.2:80' : '[2001:db8::2]:80');
        for (const n of [1, 1000, 100_000, 10_000_000]) {
          const file = path.join(dir, `bytes-${n}`);
          const r = curl(ns, ['-o', file, '-w', '%{http_code}', `${fam.url}/bytes/${n}`]);
          assert.equal(r.status, 0, `curl /bytes/${n}: ${r.stderr}`);
          assert.equal(r.stdout, '200');
          assert.equal(statSync(file).size, n, `/bytes/${n} length`);
          assert.ok(isPattern(readFileSync(file)), `/bytes/${n}: byte i is i % 251`);
        }
        const body = randomBytes(1_000_003);
        const bodyFile = path.join(dir, 'body');
        writeFileSync(bodyFile, body);
        const up = curl(ns, ['--data-binary', `@${bodyFile}`, '-H', 'content-type: application/octet-stream', `${fam.url}/sha256`]);
        assert.equal(up.status, 0, up.stderr);
        assert.equal(up.stdout.trim(), createHash('sha256').update(body).digest('hex'));

        const report = curl(ns, [`${fam.url}/`]);
        assert.equal(report.status, 0, report.stderr);
        assert.match(report.stdout, /state\s+ESTABLISHED/);
        assert.match(report.stdout, new RegExp(`remote\\s+${fam.peer.replace(/\./g, '\\.')}:\\d+`));
        assert.match(report.stdout, /sack\s+yes/, 'Linux offers SACK, so it is negotiated');
        assert.match(report.stdout, /timestamps\s+yes/);
        assert.match(report.stdout, /window scale\s+yes/);

        const end = await s.stop();
        stopped = true;
        assert.equal(end.status, 0, end.stderr);
        const c = counters(end.stdout);
        assert.equal(c.get('TcpPassiveOpens'), 6, 'six curl connections accepted');
        assert.equal(c.get('TcpInCsumErrors') ?? 0, 0);
        const check = tsharkComplaints(pcap);
        assert.deepEqual(check.problems, []);
        assert.ok(check.packets > 100, `capture has ${check.packets} packets`);
      } finally {
        if (!stopped) await s.stop();
      }
    });
  });

  test(`curl over ${fam.name}: 100 MB from /bytes/100000000, byte-exact`, { skip }, async () => {
    await withNetns(async (ns, dir) => {
      const s = await serve(ns, ['--tun', uniqueName(), '--addr', fam.addr, '--peer', fam.peer]);
      try {
        const file = path.join(dir, 'big');
        const r = curl(ns, ['-o', file, `${fam.url}/bytes/100000000`], 120_000);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(statSync(file).size, 100_000_000);
        assert.ok(isPattern(readFileSync(file)));
      } finally {
        const end = await s.stop();
        assert.equal(end.status, 0, end.stderr);
      }
    });
  });
}

test('a closed synack port: curl reports the connection refused (synack answers the SYN with RST)', { skip }, async () => {
  await withNetns(async (ns, dir) => {
    const pcap = path.join(dir, 'refused.pcap');
    const s = await serve(ns, ['--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--pcap', pcap]);
    let stopped = false;
    try {
      const r = curl(ns, ['http://198.18.0.2:81/'], 10_000);
      assert.equal(r.status, 7, `curl exits 7 (could not connect): ${r.stderr}`);
      // curl 7.88 words ECONNREFUSED as "Couldn't connect to server"; older ones "Connection refused".
      assert.match(r.stderr, /Connection refused|Couldn't connect to server/);
      const end = await s.stop();
      stopped = true;
      assert.equal(counters(end.stdout).get('TcpOutRsts'), 1, 'one RST, for the one SYN');
      assert.deepEqual(tsharkComplaints(pcap).problems, []);
    } finally {
      if (!stopped) await s.stop();
    }
  });
});
