/**
 * The TAP link (src/link/tap.ts): the Linux kernel as an Ethernet neighbour of synack's network
 * layer. The test opens a TAP device, moves it into a network namespace of its own (the open
 * descriptor stays synack's), gives the kernel's side 198.18.16.2/24 and brings it up; synack's side
 * is 198.18.16.1/24 and 2001:db8:16::1/64 in router mode. Then: the kernel pings synack (it resolves
 * synack by ARP), synack pings the kernel (synack resolves it by ARP), both neighbour tables hold the
 * other, and the kernel configures 2001:db8:16::/64 by SLAAC from synack's router advertisements and
 * pings synack over IPv6. The namespace and the device are removed afterwards. Skipped, with the
 * reason, without root, TUN/TAP or ping.
 *
 * Waiting here is on the kernel (a real peer on the wall clock), bounded: each wait gives up after
 * a few seconds with what it saw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { finished, interopSkipReason, nsExec, nsSpawn, uniqueName, withNetns } from './netns.js';
import { NetStack } from '../../src/net/net-stack.js';
import { TapLink } from '../../src/link/tap.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { ipToString } from '../../src/wire/address.js';

const skip = interopSkipReason(['ping']) ?? false;

/** Wait (bounded) for `cond`, checking every 20 ms. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 20) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

test('TAP: the kernel and synack resolve each other by ARP and ping both ways; the kernel takes synack\'s /64 by SLAAC and pings it over IPv6', { skip, timeout: 60_000 }, async () => {
  await withNetns(async (ns) => {
    const name = uniqueName('tap');
    const net = new NetStack({ random: new SeededRandom(16) });
    const eth = net.addInterface({ kind: 'frames', mac: '02:00:00:00:10:01', addresses: ['198.18.16.1/24', '2001:db8:16::1/64'], router: { maxInterval: 4, minInterval: 3 } });
    const link = new TapLink(net, eth.index, name);
    try {
      const move = spawnSync('ip', ['link', 'set', link.name, 'netns', ns], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(move.status, 0, move.stderr);
      nsExec(ns, 'ip', ['addr', 'add', '198.18.16.2/24', 'dev', link.name]);
      nsExec(ns, 'ip', ['link', 'set', link.name, 'up']);
      link.start();

      // The kernel pings synack: its ARP request is answered, its echo requests too.
      const p4 = await finished(nsSpawn(ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '198.18.16.1'], { timeoutMs: 15_000 }), 20_000);
      assert.equal(p4.status, 0, p4.stdout + p4.stderr);
      assert.match(p4.stdout, /3 packets transmitted, 3 received/);
      const neigh = nsExec(ns, 'ip', ['neigh', 'show', 'dev', link.name]).stdout;
      assert.match(neigh, /198\.18\.16\.1 lladdr 02:00:00:00:10:01/, neigh);

      // synack pings the kernel.
      net.ping('198.18.16.2', { identifier: 7, sequence: 1 });
      link.kick();
      const replies: string[] = [];
      const drainEvents = () => {
        for (let e = net.pollEvent(); e; e = net.pollEvent()) if (e.type === 'echo-reply') replies.push(`${ipToString(e.from)} ${e.sequence}`);
        return replies.length > 0;
      };
      assert.ok(await until(drainEvents, 5000), `no echo reply from the kernel; synack's neighbours: ${net.neighbors().join('; ')}`);
      assert.deepEqual(replies, ['198.18.16.2 1']);
      assert.ok(net.neighbors().some((l) => l.startsWith('198.18.16.2 dev')), net.neighbors().join('\n'));

      // IPv6: the kernel forms 2001:db8:16::/64 + its EUI-64 from synack's RA, then pings synack's address
      // once its duplicate address detection is over (a tentative address cannot be a ping's source).
      const formed = (): boolean =>
        nsExec(ns, 'ip', ['-6', 'addr', 'show', 'dev', link.name])
          .stdout.split('\n')
          .some((line) => line.includes('inet6 2001:db8:16:') && !line.includes('tentative'));
      const slaac = await until(formed, 15_000);
      assert.ok(slaac, `the kernel took no address (or none past DAD) from synack's RAs: ${nsExec(ns, 'ip', ['-6', 'addr', 'show', 'dev', link.name]).stdout}`);
      const p6 = await finished(nsSpawn(ns, 'ping', ['-6', '-c', '3', '-i', '0.2', '-W', '2', '2001:db8:16::1'], { timeoutMs: 15_000 }), 20_000);
      assert.equal(p6.status, 0, p6.stdout + p6.stderr);
      const route = nsExec(ns, 'ip', ['-6', 'route', 'show', 'default']).stdout;
      assert.match(route, /default via fe80::ff:fe00:1001/, `synack is the kernel's default router: ${route}`);
    } finally {
      link.close();
    }
  });
});
