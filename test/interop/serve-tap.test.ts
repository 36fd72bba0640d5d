/**
 * The Linux kernel as synack's Ethernet neighbour over TAP, in a network namespace the test creates
 * and removes: `synack serve --tap` makes synack the link's router, DHCP server, DNS server and IPv6
 * router, and the kernel's side configures itself as a guest would. Checked: busybox udhcpc gets
 * address, router and DNS server from synack; dig resolves through synack's DNS; ARP and NDP entries
 * on both sides (ip neigh, and synack's own list at exit); SLAAC from synack's advertisements; ping
 * over IPv4 and IPv6; curl by name over IPv4 and IPv6 to synack's http app, 100 MB byte-exact; a UDP
 * echo with socat. 198.18.16.0/24 and 2001:db8:16::/64 only; every process has a time limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { CLI, finished, interopSkipReason, isPattern, nsExec, nsSpawn, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['curl', 'socat', 'dig', 'busybox']);
const MB100 = 100_000_000;

test('TAP: the kernel gets DHCP, DNS, SLAAC from synack; ping, curl 100 MB by name on v4 and v6, UDP echo', { skip, timeout: 240_000 }, async () => {
  await withNetns(async (ns, dir) => {
    const tap = uniqueName('tap');
    const child = nsSpawn(ns, process.execPath, [CLI, 'serve', '--tap', tap, '--addr', '198.18.16.1/24', '--addr', '2001:db8:16::1/64', '--dhcp', '198.18.16.50-198.18.16.60', '--dns', 'www.synack.test=198.18.16.1', '--dns', 'www.synack.test=2001:db8:16::1'], { timeoutMs: 200_000 });
    const result = finished(child, 205_000);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 'listening' line within 10 s: ${out}`)), 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (/^listening on /m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void result.then((r) => reject(new Error(`synack serve exited (${r.status}): ${r.stderr}`)));
    });
    const etcNetns = `/etc/netns/${ns}`;
    try {
      // busybox udhcpc with a script of ours: it configures the lease and prints what it got.
      const script = path.join(dir, 'udhcpc.sh');
      writeFileSync(script, '#!/bin/sh\ncase "$1" in bound|renew) ip addr add "$ip/$mask" dev "$interface"; ip route add default via "$router"; echo "BOUND ip=$ip mask=$mask router=$router dns=$dns";; esac\nexit 0\n');
      chmodSync(script, 0o755);
      const dhcp = nsExec(ns, 'busybox', ['udhcpc', '-i', tap, '-n', '-q', '-f', '-t', '5', '-s', script], { timeoutMs: 30_000 });
      assert.match(dhcp.stdout, /BOUND ip=198\.18\.16\.50 mask=24 router=198\.18\.16\.1 dns=198\.18\.16\.1/, dhcp.stdout + dhcp.stderr);

      // The kernel's resolver asks synack (ip netns exec mounts /etc/netns/NS/resolv.conf).
      mkdirSync(etcNetns, { recursive: true });
      writeFileSync(`${etcNetns}/resolv.conf`, 'nameserver 198.18.16.1\n');
      assert.equal(nsExec(ns, 'dig', ['+short', '+time=2', '+tries=2', '@198.18.16.1', 'www.synack.test', 'A']).stdout.trim(), '198.18.16.1');
      assert.equal(nsExec(ns, 'dig', ['+short', '+time=2', '+tries=2', '@198.18.16.1', 'www.synack.test', 'AAAA']).stdout.trim(), '2001:db8:16::1');
      assert.match(nsExec(ns, 'dig', ['+time=2', '+tries=2', '@198.18.16.1', 'elsewhere.example']).stdout, /status: REFUSED/);

      // SLAAC: a global address from synack's /64 (bounded wait: 40 checks, 250 ms apart).
      let v6 = '';
      for (let i = 0; i < 40 && !/inet6 2001:db8:16:/.test(v6); i++) {
        v6 = nsExec(ns, 'ip', ['-6', 'addr', 'show', 'dev', tap, 'scope', 'global']).stdout;
        if (!/inet6 2001:db8:16:.*\/64/.test(v6) || /tentative/.test(v6)) {
          v6 = '';
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      assert.match(v6, /inet6 2001:db8:16:[0-9a-f:]+\/64 scope global/, 'a SLAAC address');

      assert.equal(nsExec(ns, 'ping', ['-c', '2', '-W', '2', '198.18.16.1']).status, 0, 'ping 198.18.16.1');
      assert.equal(nsExec(ns, 'ping', ['-6', '-c', '2', '-W', '2', '2001:db8:16::1']).status, 0, 'ping 2001:db8:16::1');
      const neigh = nsExec(ns, 'ip', ['neigh', 'show', 'dev', tap]).stdout;
      assert.match(neigh, /198\.18\.16\.1 lladdr [0-9a-f:]{17} /, `kernel's ARP entry for synack: ${neigh}`);
      assert.match(neigh, /2001:db8:16::1 lladdr [0-9a-f:]{17} |fe80::[0-9a-f:]+ lladdr [0-9a-f:]{17} router/, `kernel's NDP entry for synack: ${neigh}`);

      // curl by name, 100 MB, byte-exact, over each family.
      for (const fam of ['-4', '-6']) {
        const file = path.join(dir, `body${fam}`);
        const c = nsExec(ns, 'curl', [fam, '-sS', '--max-time', '90', '-o', file, '-w', '%{http_code} %{size_download}', `http://www.synack.test/bytes/${MB100}`], { timeoutMs: 100_000 });
        assert.equal(c.stdout, `200 ${MB100}`, `curl ${fam}: ${c.stderr}`);
        const body = readFileSync(file);
        assert.equal(body.length, MB100);
        assert.ok(isPattern(body), `curl ${fam}: the body is the /bytes pattern, byte for byte`);
        rmSync(file);
      }

      // UDP echo on port 7.
      const echo = nsExec(ns, 'socat', ['-T', '3', '-', 'UDP:198.18.16.1:7'], { input: 'hello over udp\n', timeoutMs: 10_000 });
      assert.equal(echo.stdout, 'hello over udp\n', echo.stderr);
    } finally {
      rmSync(etcNetns, { recursive: true, force: true });
      child.kill('SIGTERM');
    }
    const r = await result;
    // synack's side learnt the kernel by ARP and by NDP.
    assert.match(r.stdout, /neighbors: .*198\.18\.16\.50 dev eth0 lladdr/, r.stdout);
    assert.match(r.stdout, /neighbors: .*(fe80|2001:db8:16):[0-9a-f:]+ dev eth0 lladdr/, r.stdout);
  });
});
