/**
 * A Linux TUN device as a synack link: the kernel hands synack bare IP packets (IFF_TUN | IFF_NO_PI)
 * and takes synack's, so the kernel's own TCP (curl, socat) is the peer. Node has no TUN API; a small
 * N-API addon (native/tun.c, built by `npm install` when it can be) opens the device and watches it
 * with libuv's poll, so reads never block the event loop. Addresses, MTU and link state are set with
 * iproute2 (`ip`). A device synack creates is not persistent: it disappears when synack closes it.
 *
 * Segmentation offload (`offload: true`, the CLI's --offload): the device is opened with
 * IFF_VNET_HDR and TUNSETOFFLOAD (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), so every read and write
 * starts with a virtio_net_hdr (include/uapi/linux/virtio_net.h). The kernel then hands synack its
 * TCP super-packets (up to 64 KB, gso_size the MSS of their parts) with a partial checksum
 * (NEEDS_CSUM: the TCP checksum field holds the pseudo-header sum), which the stack takes as the
 * segments they hold (Stack.handleMerged) without summing them, the kernel vouching for their bytes
 * as it does for its own GRO packets; and synack writes its stack's offloaded packets
 * (Stack.transmitGsoSize) whole, with gso_type TCPV4 or TCPV6, gso_size, hdr_len and NEEDS_CSUM, for
 * the kernel to cut into MTU-sized segments where they leave the host (or take whole, as GRO would
 * have made them, when they are for the host itself). Plain packets carry a zeroed header
 * (GSO_NONE). A read whose header is short or makes no sense is a counted drop (badVnetHeaders).
 *
 * When the addon is missing (no compiler at install time, not Linux) or the user lacks the rights,
 * `TunDevice.open` throws a TunUnavailableError that names what is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DeviceDriver, type DeviceDriverOptions } from './device.js';
import type { Stack } from '../stack/stack.js';
import { checksumFinish, foldSum, onesSum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from '../wire/checksum.js';

/** The addon's functions (native/tun.c). */
export interface TunAddon {
  open(name: string, multiQueue: boolean, tap?: boolean, offload?: boolean): { fd: number; name: string; vnetHdrLen?: number };
  readBatch(fd: number, buf: Uint8Array, offset: number, maxLength: number, lengths: Int32Array): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number, header?: Uint8Array): number;
  watch(fd: number, callback: (status: number) => void): unknown;
  unwatch(handle: unknown): void;
  close(fd: number): void;
}

/** Why a TUN device cannot be used here: `missing` names the thing (the addon, root, /dev/net/tun, ip). */
export class TunUnavailableError extends Error {
  override name = 'TunUnavailableError';
  readonly code = 'ETUNUNAVAILABLE';
  constructor(
    readonly missing: 'addon' | 'permission' | 'device' | 'iproute2' | 'platform',
    message: string,
  ) {
    super(message);
  }
}

const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
let addon: TunAddon | undefined;

/** The addon, or a TunUnavailableError saying why it is not there. */
export function loadTunAddon(): TunAddon {
  if (addon) return addon;
  if (process.platform !== 'linux') throw new TunUnavailableError('platform', `TUN devices are supported on Linux only (this is ${process.platform})`);
  const file = `${packageRoot}build/Release/synack_tun.node`;
  if (!existsSync(file)) {
    let why = 'it was not built';
    try {
      const status = JSON.parse(readFileSync(`${packageRoot}build/native-status.json`, 'utf8')) as { reason?: string };
      if (status.reason) why = status.reason;
    } catch {
      /* no status: the install script did not run */
    }
    throw new TunUnavailableError(
      'addon',
      `synack's TUN addon (build/Release/synack_tun.node) is missing: ${why}. ` +
        'It needs python3, make and a C compiler at install time; install them and run `npm rebuild synack` (or `node scripts/build-native.mjs`).',
    );
  }
  addon = createRequire(import.meta.url)(file) as TunAddon;
  return addon;
}

/** Why TUN cannot be used by this process, or undefined when it can (for tests and benches to skip). */
export function tunUnavailableReason(): string | undefined {
  try {
    loadTunAddon();
  } catch (e) {
    return (e as Error).message;
  }
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun does not exist (load the tun module: modprobe tun)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'creating a TUN device needs root (or CAP_NET_ADMIN)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (the ip command) is not installed';
  }
  return undefined;
}

export interface TunOptions {
  /** Device MTU (default 65535: large packets mean few of them, which is what bounds throughput here). */
  mtu?: number;
  /** Packets read per readable event at most (default 256). */
  batch?: number;
  /** A TAP device (IFF_TAP): Ethernet frames in and out instead of IP packets (TapLink uses it). */
  ethernet?: boolean;
  /**
   * Segmentation and checksum offload with the kernel (IFF_VNET_HDR, TUNSETOFFLOAD; see the file's
   * header). A TUN device only: TapLink's frames go through a NetStack, which has no offload path.
   */
  offload?: boolean;
}

/** The virtio_net_hdr (include/uapi/linux/virtio_net.h): its size and the values synack uses. */
export const VNET_HDR_LEN = 10;
export const VNET_F_NEEDS_CSUM = 1;
export const VNET_F_DATA_VALID = 2;
export const VNET_GSO_NONE = 0;
export const VNET_GSO_TCPV4 = 1;
export const VNET_GSO_TCPV6 = 4;
export const VNET_GSO_ECN = 0x80;
/** The largest read with offload: a 64 KB super-packet (IPv6: payload length plus its header) and the header before it. */
const OFFLOAD_READ_MAX = 65535 + 40 + VNET_HDR_LEN;

/**
 * What the device says of a packet it hands over (offload only): `gsoSize` > 0 when it stands for
 * several TCP segments of that many data octets; `checksumVouched` when its TCP checksum is not to be
 * summed (partial, or valid by the kernel's word).
 */
export type TunPacketHandler = (packet: Uint8Array, gsoSize: number, checksumVouched: boolean) => void;

/** Where a packet's TCP header starts, if it is an IPv4 or IPv6 TCP packet with no extension header; -1 otherwise. */
function tcpStart(p: Uint8Array): number {
  if (p.length < 20) return -1;
  const v = p[0] >>> 4;
  if (v === 4) {
    const ihl = (p[0] & 0x0f) * 4;
    return p[9] === 6 && ihl >= 20 && p.length >= ihl + 20 ? ihl : -1;
  }
  if (v === 6) return p.length >= 60 && p[6] === 6 ? 40 : -1;
  return -1;
}

/** Why a read's virtio_net_hdr was refused (TunDevice.badVnetHeaders counts them). */
export type VnetHeaderError =
  | 'truncated' // shorter than the header
  | 'unknown-flags' // a flag other than NEEDS_CSUM and DATA_VALID (none other was negotiated)
  | 'bad-checksum-offsets' // csum_start + csum_offset outside the packet
  | 'bad-gso-type' // not NONE, TCPV4 or TCPV6 (UDP offload was not negotiated)
  | 'gso-not-tcp' // TCPV4 or TCPV6 on a packet that is not TCP over that IP version
  | 'gso-size-zero'
  | 'gso-checksum-unvouched'; // a super-packet without NEEDS_CSUM or DATA_VALID: nothing says its checksum covers the parts

/** A read the header made sense of: the packet (a view after the header) and what the kernel said of it. */
export interface VnetRead {
  packet: Uint8Array;
  gsoSize: number;
  checksumVouched: boolean;
}

/**
 * Take the virtio_net_hdr off one read of an offloading TUN device (little-endian fields: flags,
 * gso_type, hdr_len, gso_size, csum_start, csum_offset). NEEDS_CSUM at a TCP packet's checksum field
 * (csum_start at the TCP header, csum_offset 16) makes `checksumVouched` (the stack will not sum it:
 * the field holds only the pseudo-header sum); NEEDS_CSUM anywhere else (UDP, another place) is
 * completed here, in the packet, as the kernel's skb_checksum_help would, for the stack to verify as
 * usual. DATA_VALID on TCP vouches as well. hdr_len is a hint for the kernel's buffers and is not
 * relied on. Never throws: a header that makes no sense is a VnetHeaderError.
 */
export function decodeVnetRead(read: Uint8Array): VnetRead | VnetHeaderError {
  if (read.length < VNET_HDR_LEN) return 'truncated';
  const flags = read[0];
  const gsoType = read[1] & ~VNET_GSO_ECN;
  const gsoSize = read[4] | (read[5] << 8);
  const csumStart = read[6] | (read[7] << 8);
  const csumOffset = read[8] | (read[9] << 8);
  const p = read.subarray(VNET_HDR_LEN);
  if (flags & ~(VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID)) return 'unknown-flags';
  if (gsoType !== VNET_GSO_NONE && gsoType !== VNET_GSO_TCPV4 && gsoType !== VNET_GSO_TCPV6) return 'bad-gso-type';
  const t = tcpStart(p);
  let vouched = false;
  if (flags & VNET_F_NEEDS_CSUM) {
    if (csumStart + csumOffset + 2 > p.length) return 'bad-checksum-offsets';
    if (t > 0 && csumStart === t && csumOffset === 16) vouched = true;
    else if (gsoType === VNET_GSO_NONE) {
      let sum = checksumFinish(onesSum(p, csumStart, p.length));
      if (sum === 0 && p[p[0] >>> 4 === 4 ? 9 : 6] === 17) sum = 0xffff; // UDP: zero means "no checksum" (RFC 768)
      p[csumStart + csumOffset] = sum >>> 8;
      p[csumStart + csumOffset + 1] = sum & 0xff;
    }
  } else if (flags & VNET_F_DATA_VALID) vouched = t > 0;
  if (gsoType === VNET_GSO_NONE) return { packet: p, gsoSize: 0, checksumVouched: vouched };
  // A super-packet: TCP over the IP version its type says, a segment size, a checksum vouched for.
  const version = p.length > 0 ? p[0] >>> 4 : 0;
  if (t < 0 || (gsoType === VNET_GSO_TCPV4 ? version !== 4 : version !== 6)) return 'gso-not-tcp';
  if (gsoSize === 0) return 'gso-size-zero';
  if (!vouched) return 'gso-checksum-unvouched';
  return { packet: p, gsoSize, checksumVouched: true };
}

/** The folded pseudo-header sum of the TCP segment at `t` (what NEEDS_CSUM wants in its checksum field). */
function pseudoSum(p: Uint8Array, t: number): number {
  const len = p.length - t;
  const sum = t === 40 && p[0] >>> 4 === 6
    ? pseudoHeaderSumV6(p.subarray(8, 24), p.subarray(24, 40), 6, len)
    : pseudoHeaderSumV4(((p[12] << 24) | (p[13] << 16) | (p[14] << 8) | p[15]) >>> 0, ((p[16] << 24) | (p[17] << 16) | (p[18] << 8) | p[19]) >>> 0, 6, len);
  return foldSum(sum);
}

/** An open TUN device: packets in through `onPacket`, out through `send`. */
export class TunDevice {
  readonly mtu: number;
  private readonly fd: number;
  private readonly lengths: Int32Array;
  /** The longest read: the MTU, plus an Ethernet header and two VLAN tags on a TAP device. */
  private readonly readMax: number;
  private pool: Uint8Array;
  private poolAt = 0;
  private watchHandle: unknown;
  private closed = false;
  /** Writes the device refused (its queue was full): the packet is lost, as on a wire. */
  writeDrops = 0;
  /** Offload is on: every read and write carries a virtio_net_hdr. */
  readonly offload: boolean;
  /** Reads whose virtio_net_hdr was short or made no sense (dropped), offload only. */
  badVnetHeaders = 0;
  /** Why the last of them was refused. */
  lastBadVnetHeader: VnetHeaderError | undefined;
  /** Super-packets (gso_type TCPV4 or TCPV6) read from and written to the device, offload only. */
  gsoPacketsIn = 0;
  gsoPacketsOut = 0;
  /** The header written before plain packets (all zero: GSO_NONE, no checksum request). */
  private readonly plainHeader = new Uint8Array(VNET_HDR_LEN);
  /** The header written before a super-packet, filled in for each. */
  private readonly gsoHeader = new Uint8Array(VNET_HDR_LEN);

  private constructor(
    private readonly lib: TunAddon,
    readonly name: string,
    fd: number,
    opts: TunOptions,
    vnetHdrLen: number,
  ) {
    this.fd = fd;
    this.mtu = opts.mtu ?? 65535;
    this.lengths = new Int32Array(opts.batch ?? 256);
    this.offload = vnetHdrLen > 0;
    if (this.offload && vnetHdrLen !== VNET_HDR_LEN) throw new Error(`the TUN addon set a ${vnetHdrLen}-octet virtio_net_hdr, not ${VNET_HDR_LEN}`);
    // With offload a read may be a super-packet of up to 64 KB whatever the MTU.
    this.readMax = this.offload ? OFFLOAD_READ_MAX : this.mtu + (opts.ethernet ? 22 : 0);
    this.pool = new Uint8Array(this.poolSize());
  }

  /** Create (or attach to) the TUN device `name`. Throws TunUnavailableError naming what is missing. */
  static open(name: string, opts: TunOptions = {}): TunDevice {
    const lib = loadTunAddon();
    if (opts.offload && opts.ethernet) throw new RangeError('offload is for TUN devices only (a TAP link has no offload path)');
    let r: { fd: number; name: string; vnetHdrLen?: number };
    try {
      r = opts.ethernet ? lib.open(name, false, true) : opts.offload ? lib.open(name, false, false, true) : lib.open(name, false);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENODEV') throw new TunUnavailableError('device', `cannot open /dev/net/tun (${(e as Error).message}); load the tun module (modprobe tun)`);
      if (code === 'EPERM' || code === 'EACCES') throw new TunUnavailableError('permission', `creating TUN device ${name} needs root or CAP_NET_ADMIN (${(e as Error).message})`);
      throw e;
    }
    if (opts.offload && !r.vnetHdrLen) {
      lib.close(r.fd);
      throw new TunUnavailableError('addon', `synack's TUN addon (build/Release/synack_tun.node) predates offload: rebuild it (node scripts/build-native.mjs), or run without offload (--no-offload)`);
    }
    return new TunDevice(lib, r.name, r.fd, opts, opts.offload ? r.vnetHdrLen ?? 0 : 0);
  }

  /**
   * A device over a given addon and descriptor, as `open` makes one: for tests that feed the device
   * reads of their own (a header the kernel would never write). `vnetHdrLen` as the addon's open
   * reports it (10 with offload, else 0).
   */
  static withAddon(lib: TunAddon, name: string, fd: number, opts: TunOptions, vnetHdrLen: number): TunDevice {
    return new TunDevice(lib, name, fd, opts, vnetHdrLen);
  }

  private poolSize(): number {
    return Math.max(this.offload ? 4 << 20 : 1 << 20, (this.readMax + 8) * 8);
  }

  /**
   * Start delivering packets: `onPacket` for each, `onBatchEnd` after each readable event's batch.
   * With offload, `onPacket` also gets what the device said of the packet (TunPacketHandler).
   */
  start(onPacket: TunPacketHandler, onBatchEnd: () => void): void {
    if (this.watchHandle || this.closed) return;
    this.watchHandle = this.lib.watch(this.fd, () => this.readable(onPacket, onBatchEnd));
  }

  private readable(onPacket: TunPacketHandler, onBatchEnd: () => void): void {
    // Bounded: a few batches per readable event, then back to the event loop (timers, other I/O).
    for (let round = 0; round < 4 && !this.closed; round++) {
      if (this.pool.length - this.poolAt < this.readMax) {
        this.pool = new Uint8Array(this.poolSize());
        this.poolAt = 0;
      }
      const n = this.lib.readBatch(this.fd, this.pool, this.poolAt, this.readMax, this.lengths);
      // Packets are views into the pool: the stack keeps payload views, so a pool is never reused,
      // only replaced, and is freed when the last view of it goes.
      for (let i = 0; i < n; i++) {
        const len = this.lengths[i];
        const at = this.poolAt;
        this.poolAt += (len + 7) & ~7;
        if (this.offload) this.vnetPacket(this.pool.subarray(at, at + len), onPacket);
        else onPacket(this.pool.subarray(at, at + len), 0, false);
      }
      if (n === 0) break;
      onBatchEnd();
      if (n < this.lengths.length) break;
    }
  }

  /** One read with offload: the virtio_net_hdr checked and taken off (decodeVnetRead), or a counted drop. */
  private vnetPacket(read: Uint8Array, onPacket: TunPacketHandler): void {
    const r = decodeVnetRead(read);
    if (typeof r === 'string') {
      this.badVnetHeaders++;
      this.lastBadVnetHeader = r;
      return;
    }
    if (r.gsoSize > 0) this.gsoPacketsIn++;
    onPacket(r.packet, r.gsoSize, r.checksumVouched);
  }

  /** Write one IP packet; false when the device queue was full (the packet is dropped). */
  send(packet: Uint8Array): boolean {
    if (this.closed) return false;
    const r = this.offload ? this.lib.write(this.fd, packet, 0, packet.length, this.plainHeader) : this.lib.write(this.fd, packet, 0, packet.length);
    if (r < 0) {
      this.writeDrops++;
      return false;
    }
    return true;
  }

  /**
   * Write one TCP/IP super-packet (offload only) for the kernel to cut into segments of `gsoSize`
   * data octets: gso_type by IP version, hdr_len the IP and TCP headers, NEEDS_CSUM with the
   * pseudo-header sum written into the TCP checksum field (the kernel sums each segment's data). The
   * packet's checksum field is changed. False when the device refused it (dropped).
   */
  sendOffloaded(packet: Uint8Array, gsoSize: number): boolean {
    if (!this.offload) throw new Error(`sendOffloaded on ${this.name}, a TUN device opened without offload: its driver must cut the packet`);
    if (this.closed) return false;
    const t = tcpStart(packet);
    if (t < 0) return this.send(packet);
    const hdrLen = t + (packet[t + 12] >>> 4) * 4;
    const sum = pseudoSum(packet, t);
    packet[t + 16] = sum >>> 8;
    packet[t + 17] = sum & 0xff;
    const h = this.gsoHeader;
    h[0] = VNET_F_NEEDS_CSUM;
    // ECN: the super-packet has CWR set (the kernel clears it on every segment after the first).
    h[1] = (packet[0] >>> 4 === 4 ? VNET_GSO_TCPV4 : VNET_GSO_TCPV6) | (packet[t + 13] & 0x80 ? VNET_GSO_ECN : 0);
    h[2] = hdrLen & 0xff;
    h[3] = hdrLen >>> 8;
    h[4] = gsoSize & 0xff;
    h[5] = gsoSize >>> 8;
    h[6] = t;
    h[7] = 0;
    h[8] = 16;
    h[9] = 0;
    if (this.lib.write(this.fd, packet, 0, packet.length, h) < 0) {
      this.writeDrops++;
      return false;
    }
    this.gsoPacketsOut++;
    return true;
  }

  /** Close the device (a non-persistent device is removed by the kernel). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchHandle) this.lib.unwatch(this.watchHandle);
    this.watchHandle = undefined;
    this.lib.close(this.fd);
  }
}

/** An address with its prefix length, as `ip addr` takes it. */
export interface Cidr {
  address: string;
  prefix: number;
  version: 4 | 6;
}

export function parseCidr(text: string): Cidr {
  const slash = text.lastIndexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = address.includes(':') ? 6 : 4;
  const prefix = slash < 0 ? (version === 4 ? 32 : 128) : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128)) throw new RangeError(`bad prefix length in ${text}`);
  return { address, prefix, version };
}

export function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new TunUnavailableError('iproute2', 'the ip command (iproute2) is not installed');
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.toString().trim() || err.message}`);
  }
}

/**
 * Configure the kernel's side of the device: the peer address (the kernel's own, in synack's prefix,
 * so the kernel routes synack's prefix to the device), the MTU, and the link up. IPv6 skips duplicate
 * address detection so the address is usable at once.
 */
export function configureTun(name: string, opts: { peer: string; prefix: number; mtu: number }): void {
  const v6 = opts.peer.includes(':');
  ip(['link', 'set', 'dev', name, 'mtu', String(opts.mtu)]);
  if (v6) ip(['-6', 'addr', 'add', `${opts.peer}/${opts.prefix}`, 'dev', name, 'nodad']);
  else ip(['addr', 'add', `${opts.peer}/${opts.prefix}`, 'dev', name]);
  ip(['link', 'set', 'dev', name, 'up']);
}

export interface TunLinkOptions extends TunOptions, Omit<DeviceDriverOptions, 'name'> {
  /** The kernel side's address (given to the device); synack's addresses are the stack's. */
  peer: string;
  /** Prefix length of the device's address (the kernel routes that prefix to synack). */
  prefix: number;
}

/** A stack joined to the kernel through a new TUN device: open, configure, run. */
export class TunLink {
  readonly device: TunDevice;
  readonly driver: DeviceDriver;

  constructor(stack: Stack, name: string, opts: TunLinkOptions) {
    this.device = TunDevice.open(name, opts);
    const device = this.device;
    try {
      configureTun(this.device.name, { peer: opts.peer, prefix: opts.prefix, mtu: this.device.mtu });
    } catch (e) {
      this.device.close();
      throw e;
    }
    // Without offload the sink has no sendOffloaded: the driver cuts a gsoMaxSize stack's packets itself.
    const sink = device.offload ? { send: (p: Uint8Array) => device.send(p), sendOffloaded: (p: Uint8Array, gso: number) => device.sendOffloaded(p, gso) } : { send: (p: Uint8Array) => device.send(p) };
    this.driver = new DeviceDriver(stack, sink, {
      name: device.name,
      clock: opts.clock,
      tap: opts.tap,
      gro: opts.gro,
    });
    const driver = this.driver;
    device.start(
      (p, gso, vouched) => (gso > 0 || vouched ? driver.receiveOffloaded(p, gso, vouched) : driver.receive(p)),
      () => driver.flush(),
    );
  }

  get host() {
    return this.driver.host;
  }

  /** Stop the driver and remove the device. */
  close(): void {
    this.driver.stop();
    this.device.close();
  }
}
