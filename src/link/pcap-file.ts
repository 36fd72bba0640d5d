/**
 * A pcap file written as packets pass (a PacketTap for DeviceDriver): the header at once, records
 * buffered and written in large synchronous chunks, the rest on close. Timestamps are wall-clock.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { encodePcapHeader, encodePcapRecord, LinkType } from '../wire/index.js';
import type { PacketTap } from './device.js';

export class PcapFile {
  private fd: number | undefined;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Records written (or buffered). */
  packets = 0;

  constructor(
    readonly path: string,
    /** Driver time 0 in epoch ms (default: now). */
    private readonly epochAtZero = Date.now(),
  ) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, encodePcapHeader(LinkType.RAW));
  }

  /** The tap to give a DeviceDriver (its time origin is this file's epochAtZero). */
  readonly tap: PacketTap = (packet, _direction, timeMs) => this.write(packet, this.epochAtZero + timeMs);

  write(packet: Uint8Array, epochMs: number): void {
    if (this.fd === undefined) return;
    const r = encodePcapRecord(packet, epochMs);
    this.chunks.push(r);
    this.buffered += r.length;
    this.packets++;
    if (this.buffered >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.fd === undefined) return;
    for (const c of this.chunks) writeSync(this.fd, c);
    this.chunks = [];
    this.buffered = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }
}
