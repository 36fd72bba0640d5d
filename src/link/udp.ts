/**
 * IP packets in UDP datagrams: one datagram carries one IP packet, so two synack stacks in two
 * processes (or two sockets of one process) are joined by a link through the kernel's loopback.
 * The remote end is fixed when given, or learned from the first datagram received.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { DeviceDriver, type DeviceDriverOptions } from './device.js';
import type { Stack } from '../stack/stack.js';

/** The largest UDP payload over IPv4 (65535 - 20 - 8): the largest IP packet this link carries. */
export const UDP_LINK_MAX_PACKET = 65507;

export interface UdpLinkOptions extends DeviceDriverOptions {
  /** Local address to bind (default 127.0.0.1). */
  bindAddress?: string;
  /** Local port (default 0: any). */
  port?: number;
  /** The other end; when absent, the source of the first datagram received. */
  remote?: { address: string; port: number };
}

export class UdpLink {
  readonly driver: DeviceDriver;
  readonly socket: UdpSocket;
  private remote: { address: string; port: number } | undefined;
  /** Packets dropped for want of a remote, or larger than a datagram can carry. */
  drops = 0;
  private closed = false;

  private constructor(stack: Stack, socket: UdpSocket, opts: UdpLinkOptions) {
    this.socket = socket;
    this.remote = opts.remote;
    this.driver = new DeviceDriver(stack, this, opts);
    // A datagram the kernel refuses (ICMP port unreachable reported back, no buffer space) is a lost
    // packet, as on a wire: counted, never thrown.
    socket.on('error', () => this.drops++);
    socket.on('message', (msg, rinfo) => {
      this.remote ??= { address: rinfo.address, port: rinfo.port };
      // A fresh Buffer per datagram: the stack keeps views of payloads, so none is reused.
      this.driver.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
      this.driver.flush();
    });
  }

  /** Bind a UDP socket and run `stack` on it. */
  static open(stack: Stack, opts: UdpLinkOptions = {}): Promise<UdpLink> {
    const socket = createSocket({ type: opts.bindAddress?.includes(':') ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, opts.bindAddress ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new UdpLink(stack, socket, opts));
      });
    });
  }

  get host() {
    return this.driver.host;
  }

  /** The bound local address and port. */
  address(): { address: string; port: number } {
    return this.socket.address();
  }

  /** PacketSink: one datagram per IP packet. */
  send(packet: Uint8Array): boolean {
    if (this.closed || !this.remote || packet.length > UDP_LINK_MAX_PACKET) {
      this.drops++;
      return false;
    }
    // The stack does not touch a packet after handing it out, so no copy is needed.
    this.socket.send(packet, this.remote.port, this.remote.address, (err) => {
      if (err) this.drops++;
    });
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.driver.stop();
    this.socket.close();
  }
}
