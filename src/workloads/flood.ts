/**
 * A SYN-flood attacker (RFC 4987): spoofed SYNs from random sources in 198.19.0.0/16 (RFC 2544's
 * benchmarking range), shaped as a Linux client's, with random ports, ISNs and timestamps drawn
 * from a seeded generator so that a flood is reproducible. The SYN-flood benchmark and the
 * syn-flood demo scenario both send these.
 */
import { encodeTcpPacket, TcpFlag } from '../wire/index.js';
import type { SeededRandom } from '../tcp/random.js';

/** A spoofed SYN as a Linux client sends it (MSS, SACK-permitted, timestamps, window scale), from a random source. */
export function spoofedSyn(r: SeededRandom, dst: number, dstPort: number): Uint8Array {
  const src = ((198 << 24) | (19 << 16) | r.int(0x10000)) >>> 0;
  return encodeTcpPacket({
    ip: { version: 4, src, dst, ttl: 64, identification: r.int(0x10000) },
    tcp: {
      srcPort: 1024 + r.int(64512),
      dstPort,
      seq: r.int(0x100000000),
      ack: 0,
      flags: TcpFlag.SYN,
      window: 64240,
      urgentPointer: 0,
      options: { mss: 1460, sackPermitted: true, timestamp: { value: r.int(0x100000000), echo: 0 }, wscale: 7 },
    },
  });
}
