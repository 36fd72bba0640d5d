/**
 * A DHCPv4 client (RFC 2131 §4.4), sans-I/O: the states of figure 5 that a client which starts
 * without an address goes through, INIT → SELECTING → REQUESTING → BOUND → RENEWING → REBINDING, and
 * back to INIT on a NAK or an expired lease. `start(now)`, `handleMessage(bytes, now)` for each
 * datagram to port 68, `pollTransmit(now)` for what to send (and where), `pollTimeout()` /
 * `handleTimeout(now)` for its timers, `pollEvent()` for the lease: 'bound' (address, mask, router,
 * DNS, MTU, times), 'lost' (NAK), 'expired'.
 *
 * Timers, from §4.1 and §4.4.5:
 * - A DISCOVER or a REQUEST in REQUESTING is sent again after 4 s, then 8, 16, 32, 64 s, each moved
 *   by a random amount in [-1, +1] s. DISCOVERs go on at 64 s; a REQUEST unanswered after the 64 s
 *   wait sends the client back to INIT.
 * - The lease runs from when the REQUEST that won it was sent (§4.4.1). At T1 (option 58, default half
 *   the lease) RENEWING: a REQUEST unicast to the server; at T2 (option 59, default 7/8) REBINDING: a
 *   broadcast one. Each is sent again after half the time left until T2 (RENEWING) or until the
 *   lease ends (REBINDING), but not sooner than 60 s.
 * Replies are taken only with our transaction ID and hardware address. The B bit is set, because a
 * client without an address cannot receive unicast on a link without neighbour tables (§4.1).
 */
import { ipToString } from '../wire/address.js';
import { BootpOp, decodeDhcp, DHCP_BROADCAST_FLAG, DHCP_SERVER_PORT, DhcpMessageType, DhcpOption, encodeDhcp, type DhcpOptions } from '../wire/dhcp.js';
import type { RandomSource } from '../tcp/random.js';

export type DhcpClientState = 'INIT' | 'SELECTING' | 'REQUESTING' | 'BOUND' | 'RENEWING' | 'REBINDING';

export interface DhcpLeaseInfo {
  address: string;
  subnetMask?: string;
  routers: string[];
  dnsServers: string[];
  domainName?: string;
  mtu?: number;
  server: string;
  /** Seconds. */
  leaseTime: number;
  /** When (ms, the caller's clock) the client renews, rebinds, and the lease ends. */
  t1: number;
  t2: number;
  expires: number;
}

export type DhcpClientEvent =
  | { type: 'bound'; lease: DhcpLeaseInfo }
  | { type: 'lost'; reason: string }
  | { type: 'expired'; address: string }
  | { type: 'state'; from: DhcpClientState; to: DhcpClientState };

export interface DhcpOutgoing {
  bytes: Uint8Array;
  address: number;
  port: number;
  broadcast: boolean;
}

export interface DhcpClientOptions {
  /** The hardware address (6 bytes for Ethernet). */
  chaddr: Uint8Array;
  random: RandomSource;
  /** Option 61, when the interface is known by something other than its hardware address. */
  clientId?: Uint8Array;
  hostname?: string;
}

const MINUTE = 60_000;
const MAX_BACKOFF = 64_000;

export class DhcpClient {
  state: DhcpClientState = 'INIT';
  lease: DhcpLeaseInfo | undefined;
  private xid = 0;
  /** The retransmission timer, or a lease timer (T1, T2, expiry) in BOUND. */
  private deadline: number | undefined;
  private backoff = 4000;
  private offered: { address: number; server: number } | undefined;
  private requestSentAt = 0;
  private leaseAddress = 0;
  private leaseServer = 0;
  private readonly out: DhcpOutgoing[] = [];
  private readonly events: DhcpClientEvent[] = [];

  constructor(private readonly opts: DhcpClientOptions) {
    if (!(opts.chaddr instanceof Uint8Array) || opts.chaddr.length === 0 || opts.chaddr.length > 16) throw new RangeError('DhcpClient: chaddr must be 1 to 16 bytes');
  }

  /** INIT: send the first DISCOVER now. */
  start(now: number): void {
    this.init(now);
  }

  /** Give the lease back (§4.4.6: a RELEASE unicast to the server) and stop. */
  release(now: number): void {
    if (this.lease && (this.state === 'BOUND' || this.state === 'RENEWING' || this.state === 'REBINDING')) {
      this.xid = this.opts.random.nextUint32();
      this.send(DhcpMessageType.RELEASE, { ciaddr: this.leaseAddress, serverId: this.leaseServer, to: this.leaseServer });
    }
    this.lease = undefined;
    this.deadline = undefined;
    this.go('INIT');
    void now;
  }

  handleMessage(bytes: Uint8Array, now: number): void {
    const m = decodeDhcp(bytes);
    if (!m.ok || m.op !== BootpOp.REPLY || m.xid !== this.xid || !sameBytes(m.chaddr, this.opts.chaddr)) return;
    const type = m.options.messageType;
    if (this.state === 'SELECTING' && type === DhcpMessageType.OFFER && m.options.serverId !== undefined && m.yiaddr !== 0) {
      // The first offer is taken (§4.4.1 allows waiting for more; one server is the common case).
      this.offered = { address: m.yiaddr, server: m.options.serverId };
      this.go('REQUESTING');
      this.backoff = 4000;
      this.requestSentAt = now;
      this.sendRequest(now);
      return;
    }
    if (this.state !== 'REQUESTING' && this.state !== 'RENEWING' && this.state !== 'REBINDING') return;
    if (type === DhcpMessageType.NAK) {
      this.events.push({ type: 'lost', reason: m.options.message ?? 'NAK' });
      this.lease = undefined;
      this.init(now);
      return;
    }
    if (type !== DhcpMessageType.ACK || m.yiaddr === 0) return;
    this.bind(m.yiaddr, m.options, now);
  }

  pollTransmit(_now: number): DhcpOutgoing | undefined {
    return this.out.shift();
  }

  pollTimeout(): number | undefined {
    return this.deadline;
  }

  pollEvent(): DhcpClientEvent | undefined {
    return this.events.shift();
  }

  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    switch (this.state) {
      case 'SELECTING':
        this.xid = this.opts.random.nextUint32();
        this.sendDiscover(now);
        return;
      case 'REQUESTING':
        if (this.backoff > MAX_BACKOFF) {
          this.init(now);
          return;
        }
        this.sendRequest(now);
        return;
      case 'BOUND':
      case 'RENEWING':
      case 'REBINDING': {
        const l = this.lease!;
        if (now >= l.expires) {
          this.events.push({ type: 'expired', address: l.address });
          this.lease = undefined;
          this.init(now);
          return;
        }
        if (now >= l.t2) {
          if (this.state !== 'REBINDING') this.go('REBINDING');
          this.requestSentAt = now;
          this.xid = this.opts.random.nextUint32();
          this.send(DhcpMessageType.REQUEST, { ciaddr: this.leaseAddress });
          this.deadline = Math.min(l.expires, now + Math.max(MINUTE, (l.expires - now) / 2));
          return;
        }
        if (now >= l.t1) {
          if (this.state !== 'RENEWING') this.go('RENEWING');
          this.requestSentAt = now;
          this.xid = this.opts.random.nextUint32();
          this.send(DhcpMessageType.REQUEST, { ciaddr: this.leaseAddress, to: this.leaseServer });
          this.deadline = Math.min(l.t2, now + Math.max(MINUTE, (l.t2 - now) / 2));
          return;
        }
        this.deadline = l.t1;
        return;
      }
      case 'INIT':
        this.init(now);
    }
  }

  // ---- inside ---------------------------------------------------------------------------------

  private init(now: number): void {
    this.go('INIT');
    this.offered = undefined;
    this.xid = this.opts.random.nextUint32();
    this.backoff = 4000;
    this.go('SELECTING');
    this.sendDiscover(now);
  }

  private go(to: DhcpClientState): void {
    if (to === this.state) return;
    this.events.push({ type: 'state', from: this.state, to });
    this.state = to;
  }

  private bind(address: number, o: DhcpOptions, now: number): void {
    const leaseTime = o.leaseTime ?? 3600;
    const start = this.requestSentAt;
    // §4.4.5: T1 and T2 default to 0.5 and 0.875 of the lease; a server's own values are kept if in order.
    let t1 = o.renewalTime ?? leaseTime * 0.5;
    let t2 = o.rebindingTime ?? leaseTime * 0.875;
    if (!(t1 < t2 && t2 < leaseTime)) [t1, t2] = [leaseTime * 0.5, leaseTime * 0.875];
    const server = o.serverId ?? this.offered?.server ?? this.leaseServer;
    this.leaseAddress = address;
    this.leaseServer = server;
    this.lease = {
      address: ipToString(address),
      subnetMask: o.subnetMask === undefined ? undefined : ipToString(o.subnetMask),
      routers: (o.routers ?? []).map((r) => ipToString(r)),
      dnsServers: (o.dnsServers ?? []).map((r) => ipToString(r)),
      domainName: o.domainName,
      mtu: o.mtu,
      server: ipToString(server),
      leaseTime,
      t1: start + t1 * 1000,
      t2: start + t2 * 1000,
      expires: start + leaseTime * 1000,
    };
    this.go('BOUND');
    this.deadline = this.lease.t1;
    this.events.push({ type: 'bound', lease: this.lease });
    void now;
  }

  private sendDiscover(now: number): void {
    this.send(DhcpMessageType.DISCOVER, {});
    this.armBackoff(now);
  }

  private sendRequest(now: number): void {
    const o = this.offered!;
    this.send(DhcpMessageType.REQUEST, { requestedIp: o.address, serverId: o.server });
    this.armBackoff(now);
  }

  /** §4.1: 4 s, 8, 16, 32, 64 s (then 64 s again), each moved by a random amount in [-1, +1] s. */
  private armBackoff(now: number): void {
    const jitter = (this.opts.random.nextUint32() / 0x1_0000_0000) * 2000 - 1000;
    this.deadline = now + Math.min(this.backoff, MAX_BACKOFF) + jitter;
    if (this.state === 'SELECTING') this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
    else this.backoff *= 2;
  }

  private send(type: number, f: { ciaddr?: number; requestedIp?: number; serverId?: number; to?: number }): void {
    const options: DhcpOptions = {
      messageType: type,
      requestedIp: f.requestedIp,
      serverId: f.serverId,
      clientId: this.opts.clientId,
      hostname: this.opts.hostname,
    };
    if (type === DhcpMessageType.DISCOVER || type === DhcpMessageType.REQUEST) {
      options.parameterRequestList = [DhcpOption.SUBNET_MASK, DhcpOption.ROUTER, DhcpOption.DNS_SERVER, DhcpOption.DOMAIN_NAME, DhcpOption.INTERFACE_MTU, DhcpOption.LEASE_TIME, DhcpOption.RENEWAL_TIME, DhcpOption.REBINDING_TIME];
    }
    for (const k of Object.keys(options) as (keyof DhcpOptions)[]) if (options[k] === undefined) delete options[k];
    const unicast = f.to !== undefined;
    const bytes = encodeDhcp({
      op: BootpOp.REQUEST,
      xid: this.xid,
      chaddr: this.opts.chaddr,
      ciaddr: f.ciaddr ?? 0,
      // A client with an address (renewing) can take unicast; one without asks for broadcast.
      flags: f.ciaddr ? 0 : DHCP_BROADCAST_FLAG,
      options,
    });
    this.out.push({ bytes, address: unicast ? f.to! : 0xffffffff, port: DHCP_SERVER_PORT, broadcast: !unicast });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
