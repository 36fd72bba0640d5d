/**
 * A host over Ethernet frames on the wall clock, for embedders: a network layer (NetStack) with one
 * frames interface, the TCP Stack and UDP above it as protocol handlers, driven by one timer for the
 * earliest deadline. Frames come in by `writable` (a WritableStream of frames) or `receive(frame)`,
 * and go out by `readable` (a ReadableStream of frames) and as 'frame' events (FrameEvent), so an
 * emulator's network device (a NIC model, v86's bus, a WebSocket relay) plugs in either way. The host
 * (`frameHost.host`) is what synack's sockets take: createConnection/createServer and dgram's
 * createSocket in Node, TcpStream, TcpListener and UdpSocket in a page.
 *
 * Pure Uint8Array, no Node built-in: it runs in a browser as in Node.
 */
import { Host, type Driver } from './host.js';
import { soon } from './soon.js';
import { DeadlineTimer } from './deadline-timer.js';
import { NetStack, type NetEvent, type RouteOptions } from '../net/net-stack.js';
import type { NetInterface, RouterAdvertSettings } from '../net/interface.js';
import { linkLocalFor, parsePrefix } from '../net/prefix.js';
import { Stack } from '../stack/stack.js';
import type { TcpConfig } from '../tcp/config.js';
import { CryptoRandom, type RandomSource } from '../tcp/random.js';
import { parseMac } from '../wire/ethernet.js';
import type { IpAddress } from '../wire/address.js';

export interface FrameHostOptions {
  name?: string;
  /** Our MAC address ("02:53:59:4e:00:01" or 6 bytes); default a locally administered one from `random`. */
  mac?: string | Uint8Array;
  /** Our addresses with their prefix lengths ("198.18.0.1/24", "2001:db8::1/64"). */
  addresses?: string[];
  /** The largest IP packet the link carries (default 1500). */
  mtu?: number;
  /** IPv6 router mode on the interface: router advertisements with our /64 prefixes (SLAAC for guests). */
  router?: boolean | Partial<RouterAdvertSettings>;
  /** IPv6 host mode: SLAAC from router advertisements (default: not a router). */
  slaac?: boolean;
  /** Forward between interfaces (a gateway with more than this one): off by default. */
  forwarding?: boolean;
  routes?: RouteOptions[];
  /** The wall clock in ms (default performance.now). */
  clock?: () => number;
  /** Default: a cryptographic source. */
  random?: RandomSource;
  tcp?: Partial<TcpConfig>;
  /** Frames the readable side holds for a reader that does not read, before further ones are dropped (default 1024). */
  readableQueue?: number;
}

export interface FrameHostStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Frames out that the readable side had no room for (nobody reading). */
  readableDrops: number;
}

/** A frame the host sends (type 'frame'). */
export class FrameEvent extends Event {
  constructor(readonly frame: Uint8Array) {
    super('frame');
  }
}

/** A network-layer event (type 'net': an address became usable or a duplicate, a conflict, a router seen). */
export class NetStackEvent extends Event {
  constructor(readonly detail: NetEvent) {
    super('net');
  }
}

export class FrameHost extends EventTarget implements Driver {
  readonly host: Host;
  readonly net: NetStack;
  readonly stack: Stack;
  /** The frames interface (its index, MAC, addresses, neighbour caches). */
  readonly iface: NetInterface;
  readonly stats: FrameHostStats = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, readableDrops: 0 };
  private readonly clock: () => number;
  private readonly origin: number;
  private readonly timer = new DeadlineTimer(() => this.service());
  private readonly readableQueue: number;
  private immediate: (() => void) | undefined;
  private servicing = false;
  private again = false;
  private closed = false;
  private readableController: ReadableStreamDefaultController<Uint8Array> | undefined;
  private readableStream: ReadableStream<Uint8Array> | undefined;
  private writableStream: WritableStream<Uint8Array> | undefined;

  constructor(opts: FrameHostOptions = {}) {
    super();
    if (opts === null || typeof opts !== 'object') throw new TypeError('FrameHost: options must be an object');
    this.clock = opts.clock ?? (() => performance.now());
    this.origin = this.clock();
    const random = opts.random ?? new CryptoRandom();
    this.readableQueue = opts.readableQueue ?? 1024;
    let mac: Uint8Array;
    if (opts.mac === undefined) {
      mac = new Uint8Array(6);
      random.fill(mac);
      mac[0] = (mac[0] & 0xfc) | 0x02; // locally administered, unicast (IEEE 802 U/L and I/G bits)
    } else if (typeof opts.mac === 'string') {
      const m = parseMac(opts.mac);
      if (m === undefined) throw new RangeError(`FrameHost: not a MAC address: ${opts.mac}`);
      mac = m;
    } else mac = opts.mac;
    const addresses: IpAddress[] = [];
    for (const a of opts.addresses ?? []) {
      const p = parsePrefix(a);
      if (p === undefined) throw new RangeError(`FrameHost: "${a}" is not an address with a prefix length`);
      addresses.push(p.address);
    }
    if (addresses.length === 0) addresses.push(linkLocalFor(mac));
    this.net = new NetStack({ forwarding: opts.forwarding ?? false, random });
    this.stack = new Stack({ addresses, random, tcp: opts.tcp });
    this.host = new Host(opts.name ?? 'synack', this.stack, this);
    this.host.net = this.net;
    const now = this.currentTime();
    this.iface = this.net.addInterface({ kind: 'frames', name: 'eth0', mac, mtu: opts.mtu, addresses: opts.addresses, router: opts.router, slaac: opts.slaac }, now);
    this.net.addProtocol(6, this.stack);
    for (const r of opts.routes ?? []) this.net.addRoute(r);
    this.schedule(this.host);
  }

  /** Frames the host sends, as a stream (made on first use; a reader that stops reading loses frames beyond `readableQueue`, counted). */
  get readable(): ReadableStream<Uint8Array> {
    this.readableStream ??= new ReadableStream<Uint8Array>({
      start: (c) => {
        this.readableController = c;
        if (this.closed) c.close();
      },
      cancel: () => {
        this.readableController = undefined;
      },
    });
    return this.readableStream;
  }

  /** Frames for the host, as a stream (each chunk one whole Ethernet frame). */
  get writable(): WritableStream<Uint8Array> {
    this.writableStream ??= new WritableStream<Uint8Array>({
      write: (frame) => {
        if (!(frame instanceof Uint8Array)) throw new TypeError('FrameHost.writable: each chunk must be a Uint8Array (one Ethernet frame)');
        this.receive(frame);
      },
    });
    return this.writableStream;
  }

  currentTime(): number {
    return this.clock() - this.origin;
  }

  randomFor(): RandomSource {
    return new CryptoRandom();
  }

  schedule(_host: Host): void {
    if (this.closed) return;
    if (this.servicing) {
      this.again = true;
      return;
    }
    this.immediate ??= soon(() => {
      this.immediate = undefined;
      this.service();
    });
  }

  /** One Ethernet frame for the host; what it answers goes out on the next turn of the event loop. */
  receive(frame: Uint8Array): void {
    if (this.closed) return;
    if (!(frame instanceof Uint8Array)) throw new TypeError('FrameHost.receive: a frame is a Uint8Array');
    this.stats.framesIn++;
    this.stats.bytesIn += frame.length;
    // A copy: the sender may reuse its buffer (v86 does) and the stack keeps views of what it queues.
    this.net.handleFrame(this.iface.index, frame.slice(), this.currentTime());
    this.schedule(this.host);
  }

  /** Stop the timers and end the readable side; frames given after this are ignored. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer.cancel();
    this.immediate?.();
    this.immediate = undefined;
    try {
      this.readableController?.close();
    } catch {
      // already closed or cancelled by its reader
    }
  }

  private service(): void {
    if (this.closed) return;
    if (this.servicing) {
      this.again = true;
      return;
    }
    this.servicing = true;
    try {
      // Bounded: an application that produces output on every event cannot hold the event loop.
      for (let round = 0; round < 64; round++) {
        this.again = false;
        const now = this.currentTime();
        const due = this.net.pollTimeout();
        if (due !== undefined && due <= now) this.net.handleTimeout(now);
        this.host.dispatchEvents();
        for (let e = this.net.pollEvent(); e; e = this.net.pollEvent()) this.dispatchEvent(new NetStackEvent(e));
        for (let f = this.net.pollFrame(now); f; f = this.net.pollFrame(now)) this.emit(f.frame);
        if (!this.again) break;
      }
    } finally {
      this.servicing = false;
    }
    if (this.again) this.schedule(this.host);
    if (this.closed) return;
    const due = this.net.pollTimeout();
    this.timer.set(due, due === undefined ? 0 : due - this.currentTime());
  }

  private emit(frame: Uint8Array): void {
    this.stats.framesOut++;
    this.stats.bytesOut += frame.length;
    const c = this.readableController;
    if (c !== undefined) {
      if ((c.desiredSize ?? 0) > -this.readableQueue) c.enqueue(frame);
      else this.stats.readableDrops++;
    }
    this.dispatchEvent(new FrameEvent(frame));
  }
}
