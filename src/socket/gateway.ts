/**
 * synack as the gateway of a guest's Ethernet link (an emulator's NIC, a TAP device): a FrameHost
 * (the network layer with ARP and NDP, TCP and UDP, on the wall clock) that is also the link's
 * router, DHCP server (RFC 2131: the guest's address, router, DNS server, MTU), DNS server (the names
 * given and its own) and IPv6 router (RFC 4861 advertisements of its /64 prefixes, so the guest
 * configures itself by SLAAC). Applications on `gateway.host` (synack's sockets) are what the guest
 * reaches. Browser-safe: no Node built-in.
 */
import { FrameHost, type FrameHostOptions } from '../link/frame-host.js';
import type { Host } from '../link/host.js';
import { parsePrefix, networkOf, broadcastOf } from '../net/prefix.js';
import { DhcpServer } from '../services/dhcp-server.js';
import { DnsServer, type DnsCallback } from '../services/dns-server.js';
import { ipToString } from '../wire/address.js';
import { serveDhcp, type DhcpService } from './dhcp.js';
import { serveDns, type DnsService } from './dns.js';

export interface GatewayOptions extends FrameHostOptions {
  /**
   * The DHCP server: true (a pool of the subnet's .100 to .199, or what fits), a range "FIRST-LAST",
   * or false (none). Default true when there is an IPv4 address.
   */
  dhcp?: boolean | string | { first: string; last: string; leaseTime?: number; domainName?: string };
  /** The DNS server: names and their addresses, zones, a callback; false: none. Default: on, with our own name. */
  dns?: false | { hosts?: Record<string, string[]>; zones?: string[]; callback?: DnsCallback };
  /** Our own name in the DNS (default "synack"), answered with our addresses. */
  dnsName?: string;
}

export interface Gateway {
  frames: FrameHost;
  host: Host;
  dhcp: DhcpServer | undefined;
  dns: DnsServer | undefined;
  close(): Promise<void>;
}

export function createGateway(opts: GatewayOptions = {}): Gateway {
  const addrs = (opts.addresses ?? []).map((a) => {
    const p = parsePrefix(a);
    if (p === undefined) throw new RangeError(`createGateway: "${a}" is not an address with a prefix length`);
    return { text: a, ...p };
  });
  const v4 = addrs.find((a) => typeof a.address === 'number');
  const has6 = addrs.some((a) => typeof a.address !== 'number');
  const frames = new FrameHost({ ...opts, router: opts.router ?? has6, slaac: opts.slaac ?? false });
  const host = frames.host;
  host.enableUdp();
  const services: Array<DhcpService | DnsService> = [];

  let dns: DnsServer | undefined;
  if (opts.dns !== false) {
    const own = opts.dnsName ?? 'synack';
    const hosts: Record<string, string[]> = { [own]: addrs.map((a) => ipToString(a.address)), ...(opts.dns?.hosts ?? {}) };
    // Each name given is a zone of its own: its other types get NODATA, and names outside all of them REFUSED.
    dns = new DnsServer({ hosts, zones: [...Object.keys(hosts), ...(opts.dns?.zones ?? [])], callback: opts.dns?.callback });
    services.push(serveDns(host, dns, { ipv6: has6 }));
  }

  let dhcp: DhcpServer | undefined;
  const want = opts.dhcp ?? v4 !== undefined;
  if (want !== false) {
    if (v4 === undefined) throw new RangeError('createGateway: a DHCP server needs an IPv4 address of ours (addresses)');
    const me = v4.address as number;
    let first: string;
    let last: string;
    let extra: { leaseTime?: number; domainName?: string } = {};
    if (typeof want === 'string') {
      const m = /^([^-]+)-([^-]+)$/.exec(want);
      if (m === null) throw new RangeError(`createGateway: dhcp range must be FIRST-LAST, got "${want}"`);
      [first, last] = [m[1], m[2]];
    } else if (typeof want === 'object') {
      ({ first, last } = want);
      extra = want;
    } else {
      const net = networkOf(me, v4.length) as number;
      const bcast = broadcastOf(me, v4.length) ?? net + 1;
      const lo = net + 100;
      const hi = Math.min(net + 199, bcast - 1);
      if (lo > hi) throw new RangeError(`createGateway: the subnet of ${v4.text} is too small for the default pool (.100 to .199): give dhcp: "FIRST-LAST"`);
      first = ipToString(lo >>> 0);
      last = ipToString(hi >>> 0);
    }
    dhcp = new DhcpServer({
      serverAddress: ipToString(me),
      first,
      last,
      subnetMask: v4.length,
      routers: [ipToString(me)],
      dnsServers: dns ? [ipToString(me)] : undefined,
      mtu: opts.mtu,
      leaseTime: extra.leaseTime,
      domainName: extra.domainName,
    });
    services.push(serveDhcp(host, dhcp));
  }

  return {
    frames,
    host,
    dhcp,
    dns,
    async close() {
      for (const s of services) await s.close();
      frames.close();
    },
  };
}
