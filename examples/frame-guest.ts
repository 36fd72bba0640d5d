/**
 * A guest on synack's network, in Node: synack is the gateway of an Ethernet link (createGateway:
 * router, DHCP server, DNS server, IPv6 router, and a web server on its host), and the guest is a
 * second synack host on frames standing in for a VM's NIC. The two are joined by their WebStreams of
 * frames, as an embedder joins synack to an emulator. Run: `node dist/examples/frame-guest.js`;
 * test/readme/readme.test.ts checks that the README shows this file and what it prints.
 */
import { createGateway, createServer, createConnection, runDhcpClient, hostResolver, FrameHost, DhcpClient, SeededRandom } from '../src/index.js';

const gw = createGateway({ addresses: ['198.18.16.1/24', '2001:db8:16::1/64'], dns: { hosts: { 'www.synack.test': ['198.18.16.1'] } } });
createServer(gw.host, (s) => s.end('hello from synack\n')).listen(80);

// The guest's NIC: frames out of one are frames into the other.
const guest = new FrameHost({ name: 'guest', slaac: true });
void guest.readable.pipeTo(gw.frames.writable);
void gw.frames.readable.pipeTo(guest.writable);
guest.host.enableUdp();

const dhcp = runDhcpClient(guest.host, new DhcpClient({ chaddr: guest.iface.mac!, random: new SeededRandom(1) }));
dhcp.addEventListener('bound', (ev) => {
  const { lease } = (ev as Event & { detail: { lease: { address: string; routers: string[]; dnsServers: string[] } } }).detail;
  console.log(`leased ${lease.address}, router ${lease.routers[0]}, DNS ${lease.dnsServers[0]}`);
  const resolver = hostResolver(guest.host, { servers: lease.dnsServers });
  const sock = createConnection(guest.host, { host: 'www.synack.test', port: 80, lookup: resolver.lookup });
  sock.on('connect', () => console.log(`connected to ${sock.remoteAddress}:${sock.remotePort} from ${sock.localAddress}`));
  sock.on('data', (d) => process.stdout.write(`got: ${d}`));
  sock.on('close', async () => {
    await dhcp.stop();
    await gw.close();
    guest.close();
  });
});
