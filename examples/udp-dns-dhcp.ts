/**
 * UDP, DHCP and DNS on two simulated hosts: the README's example of src/net/udp.ts and src/services.
 * Run: `node dist/examples/udp-dns-dhcp.js`; test/readme/readme.test.ts checks that the README shows
 * this file and what it prints.
 */
import { SimNetwork, createSocket, serveDhcp, runDhcpClient, serveDns, hostResolver, DhcpServer, DhcpClient, DnsServer, SeededRandom } from '../src/index.js';

const net = new SimNetwork(7);
let done = false;
const router = net.addHost('router', { addresses: ['198.18.0.1'] });
const guest = net.addHost('guest', { addresses: ['2001:db8::9'] }); // no IPv4 address yet
net.link(router, guest, { delayMs: 1 });

// The router: DHCP for 198.18.0.100-150, DNS for synack.test, a UDP echo on port 7.
serveDhcp(router, new DhcpServer({ serverAddress: '198.18.0.1', first: '198.18.0.100', last: '198.18.0.150', subnetMask: 24, routers: ['198.18.0.1'], dnsServers: ['198.18.0.1'], leaseTime: 3600 }));
serveDns(router, new DnsServer({ zones: ['synack.test'], hosts: { 'echo.synack.test': ['198.18.0.1'] } }));
const echo = createSocket(router, 'udp4').bind(7);
echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));

// The guest asks for an address, then resolves a name and talks to it over UDP.
const dhcp = runDhcpClient(guest, new DhcpClient({ chaddr: new Uint8Array([2, 0, 0, 0, 0, 9]), random: new SeededRandom(1) }));
dhcp.addEventListener('bound', async (e) => {
  const { lease } = (e as Event & { detail: { lease: { address: string; dnsServers: string[]; leaseTime: number } } }).detail;
  console.log(`lease: ${lease.address} for ${lease.leaseTime} s, DNS ${lease.dnsServers.join(', ')}`);
  const resolver = hostResolver(guest, { servers: lease.dnsServers });
  const [address] = await resolver.resolve4('echo.synack.test');
  console.log(`echo.synack.test is ${address}`);
  const sock = createSocket(guest, { type: 'udp4', lookup: resolver.lookup });
  sock.on('message', (msg, rinfo) => {
    console.log(`echo from ${rinfo.address}:${rinfo.port}: ${msg}`);
    sock.close();
    echo.close();
    done = true;
  });
  sock.send('hello over UDP', 7, 'echo.synack.test');
});

await net.runAsync(() => done);
const c = guest.udp!.counters;
console.log(`guest UDP: ${c.OutDatagrams} datagrams out, ${c.InDatagrams} in, at t=${net.now} ms`);
