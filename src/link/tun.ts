/**
 * A Linux TUN device as a synack link: the kernel hands synack bare IP packets (IFF_TUN | IFF_NO_PI)
 * and takes synack's, so the kernel's own TCP (curl, socat) is the peer. Node has no TUN API; a small
 * N-API addon (native/tun.c, built by `npm install` when it can be) opens the device and watches it
 * with libuv's poll, so reads never block the event loop. Addresses, MTU and link state are set with
 * iproute2 (`ip`). A device synack creates is not persistent: it disappears when synack closes it.
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

/** The addon's functions (native/tun.c). */
interface TunAddon {
  open(name: string, multiQueue: boolean, tap?: boolean): { fd: number; name: string };
  readBatch(fd: number, buf: Uint8Array, offset: number, maxLength: number, lengths: Int32Array): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number): number;
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

  private constructor(
    private readonly lib: TunAddon,
    readonly name: string,
    fd: number,
    opts: TunOptions,
  ) {
    this.fd = fd;
    this.mtu = opts.mtu ?? 65535;
    this.lengths = new Int32Array(opts.batch ?? 256);
    this.readMax = this.mtu + (opts.ethernet ? 22 : 0);
    this.pool = new Uint8Array(this.poolSize());
  }

  /** Create (or attach to) the TUN device `name`. Throws TunUnavailableError naming what is missing. */
  static open(name: string, opts: TunOptions = {}): TunDevice {
    const lib = loadTunAddon();
    let r: { fd: number; name: string };
    try {
      r = opts.ethernet ? lib.open(name, false, true) : lib.open(name, false);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENODEV') throw new TunUnavailableError('device', `cannot open /dev/net/tun (${(e as Error).message}); load the tun module (modprobe tun)`);
      if (code === 'EPERM' || code === 'EACCES') throw new TunUnavailableError('permission', `creating TUN device ${name} needs root or CAP_NET_ADMIN (${(e as Error).message})`);
      throw e;
    }
    return new TunDevice(lib, r.name, r.fd, opts);
  }

  private poolSize(): number {
    return Math.max(1 << 20, (this.mtu + 22) * 8);
  }

  /** Start delivering packets: `onPacket` for each, `onBatchEnd` after each readable event's batch. */
  start(onPacket: (packet: Uint8Array) => void, onBatchEnd: () => void): void {
    if (this.watchHandle || this.closed) return;
    this.watchHandle = this.lib.watch(this.fd, () => this.readable(onPacket, onBatchEnd));
  }

  private readable(onPacket: (packet: Uint8Array) => void, onBatchEnd: () => void): void {
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
        onPacket(this.pool.subarray(this.poolAt, this.poolAt + len));
        this.poolAt += (len + 7) & ~7;
      }
      if (n === 0) break;
      onBatchEnd();
      if (n < this.lengths.length) break;
    }
  }

  /** Write one IP packet; false when the device queue was full (the packet is dropped). */
  send(packet: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.lib.write(this.fd, packet, 0, packet.length) < 0) {
      this.writeDrops++;
      return false;
    }
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
    try {
      configureTun(this.device.name, { peer: opts.peer, prefix: opts.prefix, mtu: this.device.mtu });
    } catch (e) {
      this.device.close();
      throw e;
    }
    this.driver = new DeviceDriver(stack, this.device, { name: this.device.name, clock: opts.clock, tap: opts.tap, gro: opts.gro });
    this.device.start(
      (p) => this.driver.receive(p),
      () => this.driver.flush(),
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
