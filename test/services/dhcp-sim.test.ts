/**
 * DHCP over synack's UDP on a simulated pair: a host with no IPv4 address gets one from the server
 * (its DISCOVER from 0.0.0.0 to 255.255.255.255, port 68 to 67), then speaks TCP from it; the lease
 * renews at T1 by unicast, in virtual time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { DhcpServer } from '../../src/services/dhcp-server.js';
import { DhcpClient, type DhcpClientEvent } from '../../src/services/dhcp-client.js';
import { runDhcpClient, serveDhcp } from '../../src/socket/dhcp.js';
import { createConnection, createServer } from '../../src/socket/index.js';
import { decodeUdpPacket } from '../../src/wire/udp.js';
import { SeededRandom } from '../../src/tcp/random.js';

const SEED = 67;

test(`a host without an IPv4 address is configured by DHCP, then connects by TCP from it (seed ${SEED})`, async () => {
  const net = new SimNetwork(SEED);
  const router = net.addHost('router', { addresses: ['198.18.0.1'] });
  const guest = net.addHost('guest', { addresses: ['2001:db8::9'] });
  const link = net.link(router, guest, { delayMs: 2 });
  const wire: Uint8Array[] = [];
  link.tap((p) => wire.push(p));
  const svc = serveDhcp(router, new DhcpServer({ serverAddress: '198.18.0.1', first: '198.18.0.100', last: '198.18.0.150', subnetMask: 24, routers: ['198.18.0.1'], dnsServers: ['198.18.0.1'], leaseTime: 600 }));
  const run = runDhcpClient(guest, new DhcpClient({ chaddr: new Uint8Array([2, 0, 0, 0, 0, 9]), random: new SeededRandom(SEED) }));
  const events: DhcpClientEvent[] = [];
  for (const t of ['bound', 'lost', 'expired']) run.addEventListener(t, (e) => events.push((e as Event & { detail: DhcpClientEvent }).detail));
  await net.runAsync(() => events.length > 0);
  const bound = events[0];
  assert.equal(bound.type, 'bound');
  assert.equal(bound.type === 'bound' && bound.lease.address, '198.18.0.100');
  const first = decodeUdpPacket(wire[0]);
  assert.ok(first.ok);
  assert.deepEqual([first.ip.src, first.ip.dst, first.udp.srcPort, first.udp.dstPort], [0, 0xffffffff, 68, 67]);
  // The guest now has the address: TCP to the router from it.
  const srv = createServer(router, (c) => c.end('hello'));
  srv.listen(80);
  const sock = createConnection(guest, { host: '198.18.0.1', port: 80 });
  let from: string | undefined;
  sock.on('connect', () => (from = sock.localAddress));
  await net.runAsync(() => from !== undefined);
  assert.equal(from, '198.18.0.100');
  sock.destroy();
  srv.close();
  // T1 = 300 s: the renewal goes unicast from 198.18.0.100 to the server, and is ACKed.
  wire.length = 0;
  await net.runAsync(() => events.length === 2, { maxMs: 400_000 });
  const renewal = wire.map((p) => decodeUdpPacket(p)).find((p) => p.ok && p.udp.dstPort === 67);
  assert.ok(renewal && renewal.ok);
  assert.deepEqual([renewal.ip.src, renewal.ip.dst], [0xc6120064, 0xc6120001]);
  assert.equal(events[1].type, 'bound');
  assert.equal(run.client.state, 'BOUND');
  await run.stop();
  await svc.close();
  assert.equal(guest.stack.addresses.length, 1);
});
