/**
 * A network layer for an embedder: synack's NetStack as the router of an Ethernet link, a guest on
 * the other side (here a second NetStack, standing in for a VM's NIC). The README's example of
 * src/net. Run: `node dist/examples/net-guest.js`; test/readme/readme.test.ts checks that the README
 * shows this file and what it prints.
 */
import { NetStack } from '../src/net/index.js';
import { Stack } from '../src/stack/index.js';
import { SeededRandom } from '../src/tcp/index.js';

// synack's side: an Ethernet interface, IPv4 and IPv6, advertising its /64 (RFC 4861 router mode).
const host = new NetStack({ random: new SeededRandom(1) });
const eth0 = host.addInterface({ kind: 'frames', mac: '02:00:00:00:00:01', addresses: ['198.18.16.1/24', '2001:db8:16::1/64'], router: true });
const tcp = new Stack({ addresses: ['198.18.16.1'] });
host.addProtocol(6, tcp);                             // TCP: the Stack keeps its own ICMP error handling
tcp.listen(80);

// The guest: an address of its own, a default route, and SLAAC (host mode is the default).
const guest = new NetStack({ random: new SeededRandom(2) });
const nic = guest.addInterface({ kind: 'frames', mac: '02:00:00:00:00:02', addresses: ['198.18.16.2/24'] });
guest.addRoute({ to: 'default', via: '198.18.16.1' });

// The wire between them: frames out of one are frames into the other. Timers run on virtual time.
let now = 0;
function run(untilMs: number): void {
  for (let steps = 0; steps < 100_000; steps++) {
    let moved = false;
    for (let f = host.pollFrame(now); f; f = host.pollFrame(now), moved = true) guest.handleFrame(nic.index, f.frame, now);
    for (let f = guest.pollFrame(now); f; f = guest.pollFrame(now), moved = true) host.handleFrame(eth0.index, f.frame, now);
    if (moved) continue;
    const due = Math.min(host.pollTimeout() ?? Infinity, guest.pollTimeout() ?? Infinity);
    if (due > untilMs) break;
    now = Math.max(now, due);
    host.handleTimeout(now);
    guest.handleTimeout(now);
  }
  now = Math.max(now, untilMs);
}

run(10_000);                                          // DAD, router advertisements, SLAAC
guest.ping('198.18.16.1', { identifier: 1, sequence: 1 }, now);
guest.ping('2001:db8:16::1', { identifier: 1, sequence: 2 }, now);
run(11_000);
for (let e = guest.pollEvent(); e; e = guest.pollEvent()) if (e.type === 'echo-reply') console.log(`echo reply ${e.sequence}`);
console.log(guest.routes.format((i) => guest.interface(i).name).join('\n'));
console.log(host.neighbors().join('\n'));
