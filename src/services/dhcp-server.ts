/**
 * A DHCPv4 server (RFC 2131, options of RFC 2132), sans-I/O: `handleMessage(bytes, now)` takes one
 * datagram sent to port 67 and returns the reply to send (bytes and where to), or undefined; time is
 * a parameter, so leases expire in virtual time as in real time. `leases(now)` lists them.
 *
 * - DISCOVER → OFFER of the client's current or last address if free, else the first free one of
 *   the pool (§4.3.1); the offer is held for `offerHoldMs`.
 * - REQUEST (§4.3.2), told apart by its fields:
 *   SELECTING (server identifier set): ours and the offered address → ACK; ours and another
 *   address → NAK; another server's → no reply, our offer is let go (the client chose that server).
 *   INIT-REBOOT (requested address, no ciaddr): an address off our subnet or not the client's lease
 *   → NAK; a client we have no record of → no reply (§4.3.2 "MUST remain silent").
 *   RENEWING / REBINDING (ciaddr set): the client's lease → ACK with a new lease time; an address
 *   that is not its lease here → NAK.
 * - DECLINE: the address is in use by someone else (§4.3.3): marked unusable for a lease time.
 * - RELEASE: the lease ends now (§4.3.4); the address returns to the pool.
 * - INFORM: the options without an address or lease (§4.3.5), to ciaddr.
 * An expired lease returns its address to the pool; a client is known by option 61 (client
 * identifier) when it sends one, else by its hardware address (§4.2).
 *
 * Where replies go (§4.1): to giaddr (port 67) via a relay; else to ciaddr when the client has one
 * (not for NAK); else broadcast when the client set the B bit (or for a NAK); else to yiaddr at the
 * client's hardware address (`linkUnicast`: a link without neighbour tables, like an IP-only one,
 * broadcasts it instead, as §4.1 allows "if unicasting is not possible").
 */
import { ipToString, parseIp } from '../wire/address.js';
import {
  BootpOp,
  decodeDhcp,
  DHCP_BROADCAST_FLAG,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DhcpMessageType,
  encodeDhcp,
  type DecodedDhcp,
  type DhcpOptions,
} from '../wire/dhcp.js';

export interface DhcpServerOptions {
  /** Our address: the server identifier (option 54) and the reply's source. */
  serverAddress: string;
  /** The pool, first to last address inclusive. */
  first: string;
  last: string;
  /** The subnet mask ("255.255.255.0") or prefix length. */
  subnetMask: string | number;
  routers?: string[];
  dnsServers?: string[];
  domainName?: string;
  mtu?: number;
  /** Seconds (default 3600). T1 and T2 are 0.5 and 0.875 of it (§4.4.5). */
  leaseTime?: number;
  /** How long an offer keeps its address from others (ms, default 60 s). */
  offerHoldMs?: number;
}

export interface DhcpLease {
  address: string;
  client: string;
  state: 'offered' | 'bound' | 'declined';
  /** When it ends (ms on the caller's clock). */
  expires: number;
}

export interface DhcpReply {
  bytes: Uint8Array;
  /** Where to send it: address and port (255.255.255.255 for a broadcast). */
  address: number;
  port: number;
  broadcast: boolean;
  /** To yiaddr at this hardware address: the client has no address yet (see the header). */
  linkUnicast?: Uint8Array;
}

export interface DhcpServerCounters {
  received: number;
  /** Messages that did not decode, were not requests, or lacked a message type. */
  dropped: number;
  offers: number;
  acks: number;
  naks: number;
  releases: number;
  declines: number;
  informs: number;
  /** DISCOVERs that found the pool empty. */
  exhausted: number;
}

interface Lease {
  address: number;
  client: string;
  state: 'offered' | 'bound' | 'declined';
  expires: number;
}

function addr(text: string, what: string): number {
  const a = parseIp(text);
  if (typeof a !== 'number') throw new RangeError(`DhcpServer: ${what} must be an IPv4 address, got ${String(text)}`);
  return a;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export class DhcpServer {
  readonly counters: DhcpServerCounters = { received: 0, dropped: 0, offers: 0, acks: 0, naks: 0, releases: 0, declines: 0, informs: 0, exhausted: 0 };
  readonly serverId: number;
  readonly mask: number;
  private readonly first: number;
  private readonly last: number;
  private readonly leaseTime: number;
  private readonly offerHoldMs: number;
  private readonly params: DhcpOptions;
  /** By address. */
  private readonly byAddress = new Map<number, Lease>();
  /** The address each client last had (kept after expiry, to offer it again: §4.3.1). */
  private readonly lastAddress = new Map<string, number>();

  constructor(opts: DhcpServerOptions) {
    this.serverId = addr(opts.serverAddress, 'serverAddress');
    this.first = addr(opts.first, 'first');
    this.last = addr(opts.last, 'last');
    if (this.first > this.last) throw new RangeError('DhcpServer: first must not be after last');
    if (typeof opts.subnetMask === 'number') {
      if (!Number.isInteger(opts.subnetMask) || opts.subnetMask < 0 || opts.subnetMask > 32) throw new RangeError('DhcpServer: a prefix length is 0 to 32');
      this.mask = opts.subnetMask === 0 ? 0 : (0xffffffff << (32 - opts.subnetMask)) >>> 0;
    } else this.mask = addr(opts.subnetMask, 'subnetMask');
    if (!this.onSubnet(this.first) || !this.onSubnet(this.last)) throw new RangeError('DhcpServer: the pool must lie in the server\'s subnet');
    this.leaseTime = opts.leaseTime ?? 3600;
    if (!Number.isInteger(this.leaseTime) || this.leaseTime < 1) throw new RangeError('DhcpServer: leaseTime is a whole number of seconds >= 1');
    this.offerHoldMs = opts.offerHoldMs ?? 60_000;
    this.params = {
      subnetMask: this.mask,
      routers: opts.routers?.map((r) => addr(r, 'routers')),
      dnsServers: opts.dnsServers?.map((r) => addr(r, 'dnsServers')),
      domainName: opts.domainName,
      mtu: opts.mtu,
    };
  }

  /** One datagram to port 67; the reply, or undefined (dropped, or silence is the answer). */
  handleMessage(bytes: Uint8Array, now: number): DhcpReply | undefined {
    const c = this.counters;
    c.received++;
    const m = decodeDhcp(bytes);
    if (!m.ok || m.op !== BootpOp.REQUEST || m.options.messageType === undefined) {
      c.dropped++;
      return undefined;
    }
    this.expire(now);
    const client = m.options.clientId ? 'id:' + hex(m.options.clientId) : 'hw:' + hex(m.chaddr);
    switch (m.options.messageType) {
      case DhcpMessageType.DISCOVER:
        return this.discover(m, client, now);
      case DhcpMessageType.REQUEST:
        return this.request(m, client, now);
      case DhcpMessageType.DECLINE: {
        if (m.options.serverId !== this.serverId || m.options.requestedIp === undefined) return this.drop();
        const l = this.byAddress.get(m.options.requestedIp);
        if (l && l.client === client) {
          c.declines++;
          l.state = 'declined';
          l.client = '';
          l.expires = now + this.leaseTime * 1000;
          this.lastAddress.delete(client);
        }
        return undefined;
      }
      case DhcpMessageType.RELEASE: {
        if (m.options.serverId !== undefined && m.options.serverId !== this.serverId) return this.drop();
        const l = this.byAddress.get(m.ciaddr);
        if (l && l.client === client) {
          c.releases++;
          this.byAddress.delete(m.ciaddr);
        }
        return undefined;
      }
      case DhcpMessageType.INFORM:
        c.informs++;
        // §4.3.5: no lease time, no yiaddr; to ciaddr (unicast).
        return this.reply(m, DhcpMessageType.ACK, 0, this.params, m.ciaddr);
      default:
        return this.drop();
    }
  }

  /** The earliest lease end, for a driver that wants to be woken (expiry is also checked on every message). */
  pollTimeout(): number | undefined {
    let t: number | undefined;
    for (const l of this.byAddress.values()) if (t === undefined || l.expires < t) t = l.expires;
    return t;
  }

  handleTimeout(now: number): void {
    this.expire(now);
  }

  /** The leases and offers still standing at `now`. */
  leases(now: number): DhcpLease[] {
    this.expire(now);
    return [...this.byAddress.values()].sort((a, b) => a.address - b.address).map((l) => ({ address: ipToString(l.address), client: l.client, state: l.state, expires: l.expires }));
  }

  private drop(): undefined {
    this.counters.dropped++;
    return undefined;
  }

  private expire(now: number): void {
    for (const [a, l] of this.byAddress) if (l.expires <= now) this.byAddress.delete(a);
  }

  private onSubnet(a: number): boolean {
    return ((a & this.mask) >>> 0) === ((this.serverId & this.mask) >>> 0);
  }

  private leaseOf(client: string): Lease | undefined {
    for (const l of this.byAddress.values()) if (l.client === client) return l;
    return undefined;
  }

  private free(a: number, client: string): boolean {
    if (a < this.first || a > this.last || a === this.serverId) return false;
    const l = this.byAddress.get(a);
    return l === undefined || l.client === client;
  }

  private discover(m: DecodedDhcp, client: string, now: number): DhcpReply | undefined {
    // §4.3.1: the client's current lease, else its previous address, else the address it asks for, else any free one.
    let chosen = this.leaseOf(client)?.address;
    if (chosen === undefined) {
      for (const a of [this.lastAddress.get(client), m.options.requestedIp]) {
        if (a !== undefined && this.free(a, client)) {
          chosen = a;
          break;
        }
      }
    }
    if (chosen === undefined) for (let a = this.first; a <= this.last; a++) if (this.free(a, client)) {
      chosen = a;
      break;
    }
    if (chosen === undefined) {
      this.counters.exhausted++;
      return undefined;
    }
    const existing = this.byAddress.get(chosen);
    if (!existing || existing.state !== 'bound') this.byAddress.set(chosen, { address: chosen, client, state: 'offered', expires: now + this.offerHoldMs });
    this.counters.offers++;
    return this.reply(m, DhcpMessageType.OFFER, chosen, this.leaseOptions());
  }

  private request(m: DecodedDhcp, client: string, now: number): DhcpReply | undefined {
    const o = m.options;
    if (o.serverId !== undefined) {
      // SELECTING.
      if (o.serverId !== this.serverId) {
        const l = this.leaseOf(client);
        if (l && l.state === 'offered') this.byAddress.delete(l.address);
        return undefined;
      }
      const want = o.requestedIp ?? m.ciaddr;
      const l = this.byAddress.get(want);
      if (!l || l.client !== client) return this.nak(m, 'requested address was not offered to this client');
      return this.ack(m, l, client, now);
    }
    if (o.requestedIp !== undefined && m.ciaddr === 0) {
      // INIT-REBOOT.
      if (!this.onSubnet(o.requestedIp)) return this.nak(m, 'requested address is not on this subnet');
      const mine = this.leaseOf(client);
      if (!mine) {
        const l = this.byAddress.get(o.requestedIp);
        if (l) return this.nak(m, 'requested address is leased to another client');
        return undefined;
      }
      if (mine.address !== o.requestedIp) return this.nak(m, 'requested address is not this client\'s lease');
      return this.ack(m, mine, client, now);
    }
    if (m.ciaddr !== 0) {
      // RENEWING (unicast) or REBINDING (broadcast).
      const l = this.byAddress.get(m.ciaddr);
      if (l && l.client === client) return this.ack(m, l, client, now);
      if (!this.onSubnet(m.ciaddr) || (l === undefined && m.giaddr === 0 && !this.inPool(m.ciaddr))) return undefined;
      return this.nak(m, 'no lease for this address and client');
    }
    return this.drop();
  }

  private inPool(a: number): boolean {
    return a >= this.first && a <= this.last;
  }

  private ack(m: DecodedDhcp, l: Lease, client: string, now: number): DhcpReply {
    l.state = 'bound';
    l.client = client;
    l.expires = now + this.leaseTime * 1000;
    this.lastAddress.set(client, l.address);
    this.counters.acks++;
    return this.reply(m, DhcpMessageType.ACK, l.address, this.leaseOptions());
  }

  private nak(m: DecodedDhcp, why: string): DhcpReply {
    this.counters.naks++;
    // §4.3.2: a NAK carries no address and no parameters; a message saying why is allowed (option 56).
    return this.reply(m, DhcpMessageType.NAK, 0, { message: why }, undefined, true);
  }

  private leaseOptions(): DhcpOptions {
    return { ...this.params, leaseTime: this.leaseTime, renewalTime: Math.floor(this.leaseTime * 0.5), rebindingTime: Math.floor(this.leaseTime * 0.875) };
  }

  private reply(m: DecodedDhcp, type: number, yiaddr: number, options: DhcpOptions, ciaddrTo?: number, nak = false): DhcpReply {
    const opts: DhcpOptions = { messageType: type, serverId: this.serverId, ...(nak ? {} : this.paramsFor(m, options)) };
    if (nak) opts.message = options.message;
    if (m.options.clientId && !nak) opts.clientId = m.options.clientId;
    const bytes = encodeDhcp({
      op: BootpOp.REPLY,
      xid: m.xid,
      htype: m.htype,
      hlen: m.hlen,
      chaddr: m.chaddr,
      flags: m.flags,
      giaddr: m.giaddr,
      // §4.3.1 table 3: ciaddr is the client's in an ACK to an INFORM or a renewal, else 0.
      ciaddr: type === DhcpMessageType.ACK && m.ciaddr !== 0 ? m.ciaddr : 0,
      yiaddr,
      siaddr: 0,
      options: opts,
    });
    // §4.1's order: a relay, the client's address (not for a NAK), the B bit (and every NAK), else the link.
    if (m.giaddr !== 0) return { bytes, address: m.giaddr, port: DHCP_SERVER_PORT, broadcast: false };
    const to = ciaddrTo ?? m.ciaddr;
    if (to !== 0 && !nak) return { bytes, address: to, port: DHCP_CLIENT_PORT, broadcast: false };
    if (nak || m.flags & DHCP_BROADCAST_FLAG || yiaddr === 0) return { bytes, address: 0xffffffff, port: DHCP_CLIENT_PORT, broadcast: true };
    return { bytes, address: yiaddr, port: DHCP_CLIENT_PORT, broadcast: false, linkUnicast: m.chaddr };
  }

  /** Every parameter we have (§4.3.1: those asked for by option 55 MUST be there, others MAY), unset ones left out. */
  private paramsFor(_m: DecodedDhcp, options: DhcpOptions): DhcpOptions {
    const out: DhcpOptions = {};
    for (const [k, v] of Object.entries(options) as [keyof DhcpOptions, unknown][]) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    return out;
  }
}
