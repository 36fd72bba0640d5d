/**
 * What a driver feeds a host's IP packets to: the TCP Stack alone, or the Stack and UDP side by side,
 * joined by IP protocol number. It has the Stack's sans-I/O shape (handlePacket, pollTransmit,
 * pollTimeout, handleTimeout), so the simulator, the device driver and TUN carry either alike.
 *
 * UDP datagrams go to UDP; ICMP errors that quote a UDP datagram go to UDP (RFC 1122 §4.1.3.3); every
 * other packet (TCP, the rest of ICMP, unknown protocols) goes to the Stack, which counts what it
 * does not know. A small stand-in for a network layer: a host with interfaces and routes replaces it.
 */
import type { Stack } from '../stack/stack.js';
import { udpIcmpError, type Udp } from '../net/udp.js';
import { decodeIp, IpProtocol } from '../wire/ip.js';

const NO_PAYLOAD = new Uint8Array(0);

/** The sans-I/O face a driver needs of whatever handles a host's IP packets. */
export interface IpHandler {
  handlePacket(bytes: Uint8Array, now: number): void;
  /** TCP segments merged before the stack: see Stack.handleMerged. */
  handleMerged(bytes: Uint8Array, now: number, groSize: number): void;
  pollTransmit(now: number): Uint8Array | undefined;
  /** See Stack.transmitGsoSize: of the packet pollTransmit returned last, 0 unless the device must cut it. */
  readonly transmitGsoSize: number;
  /** See Stack.transmitGsoPayload: the data of that packet, held apart from its headers. */
  readonly transmitGsoPayload: Uint8Array;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
}

export class IpProtocols implements IpHandler {
  /** Whose turn it is to send first, so a busy TCP cannot starve UDP (or the reverse). */
  private udpFirst = false;
  transmitGsoSize = 0;
  transmitGsoPayload: Uint8Array = NO_PAYLOAD;

  constructor(
    readonly stack: Stack,
    readonly udp: Udp,
  ) {}

  handleMerged(bytes: Uint8Array, now: number, groSize: number): void {
    this.stack.handleMerged(bytes, now, groSize); // only TCP is merged
  }

  handlePacket(bytes: Uint8Array, now: number): void {
    const ipp = decodeIp(bytes);
    if (ipp.ok && !ipp.fragment && !(ipp.ip.version === 4 && !ipp.ip.checksumValid)) {
      if (ipp.protocol === IpProtocol.UDP) {
        this.udp.handlePacket(bytes, now);
        return;
      }
      if (ipp.protocol === (ipp.ip.version === 4 ? IpProtocol.ICMP : IpProtocol.ICMPV6) && udpIcmpError(this.udp, bytes, ipp)) return;
    }
    this.stack.handlePacket(bytes, now);
  }

  pollTransmit(now: number): Uint8Array | undefined {
    this.udpFirst = !this.udpFirst;
    this.transmitGsoSize = 0;
    this.transmitGsoPayload = NO_PAYLOAD;
    let p = this.udpFirst ? this.udp.pollTransmit(now) : undefined;
    if (p !== undefined) return p;
    p = this.stack.pollTransmit(now);
    if (p !== undefined) {
      this.transmitGsoSize = this.stack.transmitGsoSize;
      this.transmitGsoPayload = this.stack.transmitGsoPayload;
      return p;
    }
    return this.udpFirst ? undefined : this.udp.pollTransmit(now);
  }

  pollTimeout(): number | undefined {
    const a = this.stack.pollTimeout();
    const b = this.udp.pollTimeout();
    return a === undefined ? b : b === undefined || a <= b ? a : b;
  }

  handleTimeout(now: number): void {
    this.stack.handleTimeout(now);
    this.udp.handleTimeout(now);
  }
}
