/**
 * DHCP on a synack host: `serveDhcp(host, server)` answers on UDP port 67; `runDhcpClient(host,
 * client)` runs a client on port 68 on the host's clock and, while it holds a lease, gives the host
 * the leased address (the stack then takes packets for it). Both use UdpSocket, so they run in a
 * browser as in Node.
 *
 * A reply the server would unicast to a client's hardware address (no B bit, no ciaddr) is broadcast
 * here: a host of IP links has no neighbour table to put the address in (RFC 2131 §4.1 allows it).
 */
import type { Host } from '../link/host.js';
import type { DhcpServer } from '../services/dhcp-server.js';
import type { DhcpClient, DhcpClientEvent, DhcpLeaseInfo } from '../services/dhcp-client.js';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from '../wire/dhcp.js';
import { ipToString, parseIp } from '../wire/address.js';
import { timerSourceFor } from './timers.js';
import { UdpSocket, type UdpMessageEvent } from './web-udp.js';

export interface DhcpService {
  close(): Promise<void>;
}

export function serveDhcp(host: Host, server: DhcpServer): DhcpService {
  const sock = new UdpSocket(host, { localPort: DHCP_SERVER_PORT, broadcast: true, dnsQueryType: 'ipv4' });
  sock.addEventListener('message', (ev) => {
    const m = (ev as UdpMessageEvent).message;
    const r = server.handleMessage(m.data, host.now());
    if (!r) return;
    const to = r.linkUnicast ? 0xffffffff : r.address;
    sock.send({ data: r.bytes, remoteAddress: ipToString(to), remotePort: r.port });
  });
  return { close: () => sock.close() };
}

/** A DHCP client's events, as DOM events: `type` is the client event's type, `detail` the event. */
export class DhcpClientEventTarget extends EventTarget {
  constructor(readonly client: DhcpClient) {
    super();
  }
}

export interface DhcpClientRun extends DhcpClientEventTarget {
  stop(): Promise<void>;
}

/** `ifIndex`: on a host with a network layer, the interface the lease goes on (default: the first frames one). */
export function runDhcpClient(host: Host, client: DhcpClient, opts: { ifIndex?: number } = {}): DhcpClientRun {
  const sock = new UdpSocket(host, { localPort: DHCP_CLIENT_PORT, broadcast: true, dnsQueryType: 'ipv4' });
  const timers = timerSourceFor(host);
  const target = new DhcpClientEventTarget(client) as DhcpClientRun;
  let stopped = false;
  let armed: number | undefined;
  const addresses = host.stack.addresses;
  let held: number | undefined;
  const net = host.net;
  // On a host with a network layer the lease goes on an interface (its subnet a connected route, its
  // first router the default route); on a host of IP links, into the stack's address list.
  const ifIndex = net === undefined ? 0 : (opts.ifIndex ?? net.interfaces.find((i) => i.kind === 'frames')?.index ?? 0);
  let heldText: string | undefined;
  const holdLease = (lease: DhcpLeaseInfo | undefined) => {
    if (net === undefined) return hold(lease === undefined ? undefined : (parseIp(lease.address) as number));
    if (lease !== undefined && heldText !== undefined && heldText.startsWith(`${lease.address}/`)) return; // a renewal
    if (heldText !== undefined) {
      net.removeAddress(ifIndex, heldText);
      net.routes.remove((r) => r.origin === 'static' && r.prefix === 0 && r.length === 0 && r.ifIndex === ifIndex);
      heldText = undefined;
    }
    if (lease === undefined) return;
    const mask = lease.subnetMask === undefined ? 0xffffff00 : (parseIp(lease.subnetMask) as number);
    let len = 0;
    while (len < 32 && (mask >>> (31 - len)) & 1) len++;
    heldText = `${lease.address}/${len}`;
    net.addAddress(ifIndex, heldText, host.now());
    if (lease.routers[0] !== undefined) net.addRoute({ to: 'default', via: lease.routers[0], ifIndex });
  };
  const hold = (a: number | undefined) => {
    if (held !== undefined) {
      const i = addresses.indexOf(held);
      if (i >= 0) addresses.splice(i, 1);
    }
    held = a;
    if (a !== undefined && !addresses.includes(a)) addresses.push(a);
  };
  const service = () => {
    if (stopped) return;
    const now = host.now();
    const due = client.pollTimeout();
    if (due !== undefined && due <= now) client.handleTimeout(now);
    for (let e: DhcpClientEvent | undefined = client.pollEvent(); e; e = client.pollEvent()) {
      if (e.type === 'bound') holdLease(e.lease);
      else if (e.type === 'lost' || e.type === 'expired') holdLease(undefined);
      target.dispatchEvent(Object.assign(new Event(e.type), { detail: e }));
    }
    for (let p = client.pollTransmit(now); p; p = client.pollTransmit(now)) {
      sock.send({ data: p.bytes, remoteAddress: ipToString(p.address), remotePort: p.port });
    }
    const next = client.pollTimeout();
    if (next !== undefined && next !== armed) {
      armed = next;
      timers.at(next, () => {
        if (armed === next) armed = undefined;
        service();
      });
    }
  };
  sock.addEventListener('message', (ev) => {
    client.handleMessage((ev as UdpMessageEvent).message.data, host.now());
    service();
  });
  target.stop = async () => {
    stopped = true;
    client.release(host.now());
    for (let p = client.pollTransmit(host.now()); p; p = client.pollTransmit(host.now())) sock.send({ data: p.bytes, remoteAddress: ipToString(p.address), remotePort: p.port });
    holdLease(undefined);
    await sock.close();
  };
  client.start(host.now());
  service();
  return target;
}
