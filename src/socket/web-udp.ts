/**
 * UDP for the browser-native API, shaped like the Direct Sockets API's UDPSocket beside TcpStream:
 *
 *   const s = new UdpSocket(host, { localPort: 5353 });                 // bound: any peer
 *   const s = new UdpSocket(host, { remoteAddress: '198.18.0.2', remotePort: 53 }); // connected
 *   const { readable, writable } = await s.opened;
 *
 * `readable` is a ReadableStream of UdpMessage ({ data, remoteAddress, remotePort }); `writable` a
 * WritableStream of the same (a connected socket leaves out the address and port). Datagrams are
 * not a stream: when the reader falls behind by `readableHighWaterMark` datagrams, further ones are
 * dropped and counted (`droppedMessages`), as a kernel drops past SO_RCVBUF. `send(message)` is the
 * writable's write without a writer. Events: `message` (a UdpMessageEvent, for every datagram, read
 * or not), `error` (a UdpErrorEvent: ECONNREFUSED when a connected socket's peer port is closed),
 * `close`. Pure web platform: no Node built-in.
 */
import type { Host } from '../link/host.js';
import { UdpError, type Udp, type UdpEndpoint, type UdpEvent } from '../net/udp.js';
import { ipToString, parseIp, type IpAddress } from '../wire/address.js';
import { kUdpEvent, socketHost, type UdpEventSink } from './dispatcher.js';

export interface UdpMessage {
  data: Uint8Array;
  remoteAddress?: string;
  remotePort?: number;
}

export interface UdpSocketOptions {
  /** Connected mode: the only peer. */
  remoteAddress?: string;
  remotePort?: number;
  /** Bound mode (or the local end of a connected socket): default the wildcard and an ephemeral port. */
  localAddress?: string;
  localPort?: number;
  /** 'ipv4' or 'ipv6' (default: the family of the address given, else IPv4). */
  dnsQueryType?: 'ipv4' | 'ipv6';
  /** SO_BROADCAST. */
  broadcast?: boolean;
  /** Datagrams the readable holds for a slow reader before dropping (default 64). */
  readableHighWaterMark?: number;
}

export interface UdpSocketOpenInfo {
  readable: ReadableStream<UdpMessage>;
  writable: WritableStream<UdpMessage>;
  localAddress: string;
  localPort: number;
  remoteAddress?: string;
  remotePort?: number;
}

export class UdpMessageEvent extends Event {
  constructor(readonly message: Required<UdpMessage>) {
    super('message');
  }
}

export class UdpErrorEvent extends Event {
  constructor(readonly error: UdpError | Error & { code?: string }) {
    super('error');
  }
}

function parse(text: string, what: string): IpAddress {
  const a = parseIp(text);
  if (a === undefined) throw new TypeError(`UdpSocket: ${what} must be an IP address, got ${String(text)}`);
  return a;
}

export class UdpSocket extends EventTarget implements UdpEventSink {
  readonly opened: Promise<UdpSocketOpenInfo>;
  readonly closed: Promise<void>;
  /** Datagrams dropped because the reader was `readableHighWaterMark` behind. */
  droppedMessages = 0;
  private readonly udp: Udp;
  private readonly endpoint: UdpEndpoint;
  private controller: ReadableStreamDefaultController<UdpMessage> | undefined;
  private done = false;
  private resolveClosed!: () => void;

  constructor(
    readonly host: Host,
    options: UdpSocketOptions = {},
  ) {
    super();
    const remote = options.remoteAddress === undefined ? undefined : parse(options.remoteAddress, 'remoteAddress');
    const local = options.localAddress === undefined ? undefined : parse(options.localAddress, 'localAddress');
    const family: 4 | 6 = (remote ?? local) !== undefined ? (typeof (remote ?? local) === 'number' ? 4 : 6) : options.dnsQueryType === 'ipv6' ? 6 : 4;
    if (remote !== undefined && (options.remotePort === undefined || !Number.isInteger(options.remotePort) || options.remotePort < 1 || options.remotePort > 65535)) {
      throw new RangeError(`UdpSocket: remotePort must be a port (1-65535), got ${String(options.remotePort)}`);
    }
    const hwm = options.readableHighWaterMark ?? 64;
    if (!Number.isInteger(hwm) || hwm < 1) throw new RangeError(`UdpSocket: readableHighWaterMark must be a whole number >= 1, got ${String(hwm)}`);
    this.udp = host.enableUdp();
    socketHost(host);
    // Binding errors (EADDRINUSE) throw here, as the constructor of the Direct Sockets API rejects `opened`.
    this.endpoint = this.udp.bind({ family, address: local, port: options.localPort ?? 0 });
    this.endpoint.user = this;
    this.endpoint.broadcast = options.broadcast ?? false;
    if (remote !== undefined) this.udp.connect(this.endpoint, { address: remote, port: options.remotePort! });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const readable = new ReadableStream<UdpMessage>(
      {
        start: (c) => {
          this.controller = c;
        },
        cancel: () => this.finish(),
      },
      { highWaterMark: hwm },
    );
    const writable = new WritableStream<UdpMessage>({
      write: (m) => this.send(m),
      close: () => this.finish(),
      abort: () => this.finish(),
    });
    const ep = this.endpoint;
    this.opened = Promise.resolve({
      readable,
      writable,
      localAddress: ep.address === undefined ? (family === 4 ? '0.0.0.0' : '::') : ipToString(ep.address),
      localPort: ep.port,
      remoteAddress: ep.remote ? ipToString(ep.remote.address) : undefined,
      remotePort: ep.remote?.port,
    });
  }

  /** Send one datagram now (throws a UdpError: EACCES for broadcast without the flag, EMSGSIZE, ...). */
  send(m: UdpMessage): void {
    if (this.done) throw new UdpError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'UdpSocket: closed');
    const v = m?.data as unknown;
    const data = v instanceof Uint8Array ? v : ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v instanceof ArrayBuffer ? new Uint8Array(v) : undefined;
    if (!data) throw new TypeError('UdpSocket: a message needs data as bytes');
    const to = m.remoteAddress === undefined ? undefined : { address: parse(m.remoteAddress, 'remoteAddress'), port: m.remotePort ?? 0 };
    this.udp.send(this.endpoint, data.slice(), to);
    this.host.kick();
  }

  /** Unbind; the readable ends. */
  close(): Promise<void> {
    this.finish();
    return this.closed;
  }

  [kUdpEvent](e: UdpEvent): void {
    if (this.done) return;
    if (e.type === 'error') {
      const err = Object.assign(new Error(`UdpSocket: ${e.code} from ${ipToString(e.remote.address)}:${e.remote.port}`), { code: e.code });
      this.dispatchEvent(new UdpErrorEvent(err));
      return;
    }
    const message = { data: e.data, remoteAddress: ipToString(e.from.address), remotePort: e.from.port };
    const c = this.controller!;
    if ((c.desiredSize ?? 1) > 0) c.enqueue(message);
    else this.droppedMessages++;
    this.dispatchEvent(new UdpMessageEvent(message));
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.udp.close(this.endpoint);
    try {
      this.controller?.close();
    } catch {
      // Cancelled by its reader already.
    }
    this.resolveClosed();
    this.dispatchEvent(new Event('close'));
  }
}
