/**
 * UDP on a simulator node: the network layer carries the TCP Stack (protocol 6) and UDP (protocol
 * 17) side by side. A guest on an Ethernet segment with no IPv4 address gets one from a DHCP server
 * on the router (DISCOVER from 0.0.0.0 to 255.255.255.255 goes out on every interface, the reply is
 * broadcast), the lease goes on its interface with a default route, and then UDP and TCP both run
 * from the leased address; a datagram to a closed port comes back as ECONNREFUSED through the
 * network layer's ICMP demultiplexing. Virtual time, seed in every message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { DhcpServer } from '../../src/services/dhcp-server.js';
import { DhcpClient, type DhcpClientEvent } from '../../src/services/dhcp-client.js';
import { runDhcpClient, serveDhcp } from '../../src/socket/dhcp.js';
import { createSocket } from '../../src/socket/dgram.js';
import { createConnection, createServer } from '../../src/socket/index.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { ipToString } from '../../src/wire/address.js';

const SEED = 2131;

test(`a node on a segment gets its address by DHCP, then speaks UDP and TCP from it (seed ${SEED})`, async () => {
  const net = new SimNetwork(SEED);
  const lan = net.addSegment('lan', { delayMs: 1 });
  const router = net.addNode('router', { interfaces: [{ segment: lan, addresses: ['198.18.0.1/24'], linkLocal: false, slaac: false }] });
  const guest = net.addNode('guest', { interfaces: [{ segment: lan, linkLocal: true, slaac: false }] });
  const svc = serveDhcp(router, new DhcpServer({ serverAddress: '198.18.0.1', first: '198.18.0.100', last: '198.18.0.110', subnetMask: 24, routers: ['198.18.0.1'], dnsServers: ['198.18.0.1'], leaseTime: 600 }));
  const run = runDhcpClient(guest, new DhcpClient({ chaddr: guest.net!.interfaces[1].mac!, random: new SeededRandom(SEED) }));
  const events: DhcpClientEvent[] = [];
  run.addEventListener('bound', (e) => events.push((e as Event & { detail: DhcpClientEvent }).detail));
  await net.runAsync(() => events.length > 0, { maxMs: 60_000 });
  assert.equal(events[0].type === 'bound' && events[0].lease.address, '198.18.0.100', `seed ${SEED}`);
  const iface = guest.net!.interfaces[1];
  await net.runAsync(() => iface.addresses.some((a) => a.address === 0xc6120064 && a.state === 'preferred'), { maxMs: 10_000 });
  assert.ok(guest.net!.routes.lookup(0x08080808) !== undefined, `a default route via the lease's router (seed ${SEED})`);

  // UDP echo from the leased address.
  const echo = createSocket(router, 'udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  echo.bind(7);
  const c = createSocket(guest, 'udp4');
  const got: Array<{ text: string; from: string }> = [];
  c.on('message', (m, r) => got.push({ text: new TextDecoder().decode(m), from: r.address }));
  c.send(new TextEncoder().encode('ping over udp'), 7, '198.18.0.1');
  await net.runAsync(() => got.length > 0, { maxMs: 10_000 });
  assert.deepEqual(got, [{ text: 'ping over udp', from: '198.18.0.1' }], `seed ${SEED}`);

  // A closed port: ICMP port unreachable, handed to UDP by the network layer, seen as ECONNREFUSED.
  const lonely = createSocket(guest, 'udp4');
  let err: NodeJS.ErrnoException | undefined;
  lonely.on('error', (e) => (err = e));
  lonely.connect(9999, '198.18.0.1', () => lonely.send(new Uint8Array([1])));
  await net.runAsync(() => err !== undefined, { maxMs: 10_000 });
  assert.equal(err?.code, 'ECONNREFUSED', `seed ${SEED}`);

  // TCP from the leased address too.
  const srv = createServer(router, (s) => s.end('hello'));
  srv.listen(80);
  const sock = createConnection(guest, { host: '198.18.0.1', port: 80 });
  let text = '';
  let ended = false;
  let from: string | undefined;
  sock.on('connect', () => (from = sock.localAddress));
  sock.on('data', (d) => (text += d.toString()));
  sock.on('end', () => (ended = true));
  await net.runAsync(() => ended, { maxMs: 10_000 });
  assert.equal(text, 'hello');
  assert.equal(from, ipToString(0xc6120064), `seed ${SEED}`);
  sock.destroy();
  srv.close();
  c.close();
  echo.close();
  lonely.close();
  await run.stop();
  await svc.close();
  assert.ok(!iface.addresses.some((a) => a.address === 0xc6120064), 'the released lease leaves the interface');
});
