/** What `synack serve` and `synack connect` share: the TUN device, the stack at --addr, a pcap. */
import { TunLink, TunUnavailableError, parseCidr } from '../link/tun.js';
import { PcapFile } from '../link/pcap-file.js';
import { Stack, type SynCookieMode } from '../stack/stack.js';
import { BlockList, isIP } from 'node:net';
import { UsageError, type ParsedArgs } from './args.js';

export const TUNNEL_VALUED = ['tun', 'addr', 'peer', 'pcap', 'mtu', 'rcvbuf', 'sndbuf'];
export const TUNNEL_BOOLEAN = ['offload', 'no-offload'];
/** Whether segmentation offload is on when neither --offload nor --no-offload is given. */
export const OFFLOAD_DEFAULT = true;

export const TUNNEL_USAGE = `  --tun NAME        the TUN device to create (needs root or CAP_NET_ADMIN)
  --addr ADDR/PREFIX synack's address and a prefix length (required); the kernel routes PREFIX to
                    the device
  --peer PEER       the kernel side's address on the device: inside PREFIX, not ADDR itself
  --pcap FILE       write every packet in and out to FILE (pcap, raw IP; see synack decode)
  --mtu N           device MTU, 576..65535 (default 65535: fewer, larger packets)
  --rcvbuf BYTES    TCP receive buffer per connection (default 4194304)
  --sndbuf BYTES    TCP send buffer per connection (default 4194304)
  --offload, --no-offload
                    segmentation and checksum offload with the kernel (default on): the device
                    carries a virtio_net_hdr, synack writes TCP packets of up to 64 KB that the
                    kernel cuts to the MTU, and takes the kernel's 64 KB ones whole`;

export interface Tunnel {
  stack: Stack;
  link: TunLink;
  pcap: PcapFile | undefined;
  addr: string;
  /** Remove the device and finish the capture; says why the capture stopped early, if it did. */
  close(): string | undefined;
}

function intFlag(args: ParsedArgs, name: string, def: number, min: number, max: number): number {
  const v = args.flags.get(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function required(args: ParsedArgs, name: string): string {
  const v = args.flags.get(name);
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** IPv4 or IPv6, for messages. */
const family = (v: 4 | 6): string => `IPv${v}`;

/** Validate the shared options; nothing is created yet. */
export function tunnelSpec(args: ParsedArgs) {
  const tun = required(args, 'tun');
  if (tun.length > 15) throw new UsageError('--tun: an interface name has at most 15 characters');
  if (!/^[A-Za-z0-9_.-]+$/.test(tun) || tun === '.' || tun === '..') throw new UsageError(`--tun: '${tun}' is not an interface name (letters, digits, '_', '.', '-')`);
  const addrText = required(args, 'addr');
  if (!addrText.includes('/')) {
    throw new UsageError(
      `--addr needs a prefix length, ADDR/PREFIX (e.g. ${addrText.includes(':') ? '2001:db8::2/64' : '198.18.0.2/24'}): the kernel routes PREFIX to the device, and without it nothing reaches synack`,
    );
  }
  let cidr;
  try {
    cidr = parseCidr(addrText);
  } catch (e) {
    throw new UsageError(`--addr: ${(e as Error).message}`);
  }
  if (isIP(cidr.address) !== cidr.version) throw new UsageError(`--addr: '${cidr.address}' is not an IPv4 or IPv6 address`);
  const peer = required(args, 'peer');
  const peerVersion = isIP(peer);
  if (peerVersion === 0) throw new UsageError(`--peer: '${peer}' is not an IPv4 or IPv6 address`);
  if (peerVersion !== cidr.version) throw new UsageError(`--addr and --peer must both be IPv4 or both IPv6 (--addr is ${family(cidr.version)}, --peer ${family(peerVersion as 4 | 6)})`);
  const type = cidr.version === 4 ? 'ipv4' : 'ipv6';
  const same = new BlockList();
  same.addAddress(cidr.address, type);
  if (same.check(peer, type)) throw new UsageError(`--peer ${peer} is --addr's own address: the kernel side needs another address in ${addrText}`);
  const prefix = new BlockList();
  prefix.addSubnet(cidr.address, cidr.prefix, type);
  if (!prefix.check(peer, type)) throw new UsageError(`--peer ${peer} is outside --addr's prefix ${addrText}: the kernel could not reach synack; give a PEER inside it (or a shorter prefix)`);
  const pcap = args.flags.get('pcap');
  if (args.flags.has('offload') && args.flags.has('no-offload')) throw new UsageError('--offload and --no-offload: give one of them');
  return {
    tun,
    cidr,
    peer,
    pcap: typeof pcap === 'string' ? pcap : undefined,
    mtu: intFlag(args, 'mtu', 65535, 576, 65535),
    rcvbuf: intFlag(args, 'rcvbuf', 4 << 20, 1024, 1 << 30),
    sndbuf: intFlag(args, 'sndbuf', 4 << 20, 1024, 1 << 30),
    offload: args.flags.has('offload') || (OFFLOAD_DEFAULT && !args.flags.has('no-offload')),
  };
}

/** Open the device and start a stack on it. Throws TunUnavailableError when TUN cannot be used. */
export function openTunnel(spec: ReturnType<typeof tunnelSpec>, synCookies?: SynCookieMode): Tunnel {
  const stack = new Stack({
    addresses: [spec.cidr.address],
    synCookies,
    tcp: { mtu: spec.mtu, receiveBufferSize: spec.rcvbuf, sendBufferSize: spec.sndbuf },
    // With offload the device takes TCP packets of up to 64 KB and the kernel cuts them (TunDevice.sendOffloaded).
    gsoMaxSize: spec.offload ? 65535 : 0,
  });
  const pcap = spec.pcap === undefined ? undefined : new PcapFile(spec.pcap);
  let link: TunLink;
  try {
    link = new TunLink(stack, spec.tun, { peer: spec.peer, prefix: spec.cidr.prefix, mtu: spec.mtu, tap: pcap?.tap, offload: spec.offload });
  } catch (e) {
    pcap?.close();
    throw e;
  }
  return {
    stack,
    link,
    pcap,
    addr: spec.cidr.address,
    close() {
      link.close();
      if (pcap === undefined) return undefined;
      pcap.close();
      const e = pcap.error as NodeJS.ErrnoException | undefined;
      return e && `${spec.pcap}: capture stopped after ${pcap.packets} packets (${pcap.lost} not written): ${e.code ?? e.message}; the file holds those packets, whole`;
    },
  };
}

/**
 * The one-line message for a failure to open the tunnel, saying what to do. The kernel's own words
 * (TUNSETIFF's EINVAL, EBUSY; ip's "File exists") name no cause a user can act on.
 */
export function tunnelError(e: unknown, spec?: { tun: string; peer: string; cidr: { address: string; prefix: number } }): string {
  if (e instanceof TunUnavailableError) return `${e.code} (${e.missing}): ${e.message}`;
  const err = e as NodeJS.ErrnoException;
  const message = err?.message ?? String(e);
  if (spec && /TUNSETIFF/.test(message)) {
    if (err.code === 'EINVAL') {
      return `--tun ${spec.tun}: an interface of that name exists and is not a TUN device (ip link show ${spec.tun}): choose another name for synack's device`;
    }
    if (err.code === 'EBUSY') {
      return `--tun ${spec.tun}: a TUN device of that name is in use by another process (another synack serve or connect?): choose another name, or stop that process`;
    }
  }
  if (/TUNSETOFFLOAD|TUNSETVNETHDRSZ|TUNSETVNETLE|predates offload/.test(message)) {
    return `segmentation offload on the TUN device was refused (${message}): run with --no-offload`;
  }
  if (spec && /File exists/.test(message)) {
    return `the kernel already has ${spec.peer} or a route to ${spec.cidr.address}/${spec.cidr.prefix} on another interface (ip addr; ip route): choose addresses not in use (${message})`;
  }
  return message;
}

/** ADDR:PORT, with brackets for IPv6. */
export function hostPort(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** The stack's counters, one `Name value` line each (nstat style), non-zero ones only. */
export function counterLines(stack: Stack): string[] {
  const lines: string[] = [];
  for (const [group, obj] of [['Ip', stack.counters.ip], ['Icmp', stack.counters.icmp], ['Tcp', stack.counters.tcp]] as const) {
    for (const [k, v] of Object.entries(obj)) if (typeof v === 'number' && v !== 0) lines.push(`${group}${k} ${v}`);
  }
  return lines;
}

/** The stack's counters, then the device's (what serve prints on stdout and connect on stderr at the end). */
export function tunnelCounterLines(tunnel: Tunnel): string[] {
  const d = tunnel.link.driver.stats;
  const lines = [...counterLines(tunnel.stack), `LinkPacketsIn ${d.packetsIn}`, `LinkPacketsOut ${d.packetsOut}`, `LinkSendDrops ${d.sendDrops}`];
  const dev = tunnel.link.device;
  // With offload: super-packets (one read or write each) and reads dropped for their virtio_net_hdr.
  if (dev.offload) lines.push(`LinkGsoPacketsIn ${d.gsoPacketsIn}`, `LinkGsoPacketsOut ${d.gsoPacketsOut}`, `LinkBadVnetHeaders ${dev.badVnetHeaders}`);
  return lines;
}
