/**
 * Wire-layer benchmarks: the Internet checksum and decoding a full-sized TCP/IPv4 packet, each
 * beside `Buffer.copy` of the same bytes, the cheapest thing one can do with a packet in Node.
 *
 * Inputs are rings of 64 distinct packets, each in its own ArrayBuffer as packets read from a
 * device or made by the simulator are, so the JIT cannot fold a constant input and no cache keyed
 * on a single buffer flatters the figure.
 */
import { Buffer } from 'node:buffer';
import { internetChecksum } from '../wire/checksum.js';
import { decodeTcpPacket, encodeTcpPacket, tcpChecksumValid, type TcpPacket } from '../wire/packet.js';
import { TcpFlag } from '../wire/tcp.js';
import { SeededRandom } from '../tcp/random.js';
import { measurePair, rowOf, type BenchSuite, type Body, type MeasureOptions } from './harness.js';

const RING = 64;
const MASK = RING - 1;
/** An Ethernet MTU's worth of TCP data with the timestamp option: 1500 - 20 (IPv4) - 32 (TCP). */
const MSS_TS = 1448;
/** 1460 bytes: the payload of a full segment without options, the usual checksum benchmark size. */
const PAYLOAD = 1460;
/** Where TCP data starts in an Ethernet frame: 14 (Ethernet) + 20 (IPv4) + 32 (TCP with timestamps). */
const FRAME_PAYLOAD_OFFSET = 66;

/** RING buffers of `offset + PAYLOAD` bytes, random throughout, each in its own ArrayBuffer. */
function payloadRing(offset: number): Uint8Array[] {
  // Seeded filler, so runs are comparable.
  const rand = new SeededRandom(0x5eed + offset);
  return Array.from({ length: RING }, () => rand.bytes(offset + PAYLOAD));
}

/** RING full-sized IPv4 TCP packets with timestamps (1500 bytes), each in its own ArrayBuffer. */
function packetRing(): Uint8Array[] {
  const rand = new SeededRandom(0x7cb);
  return Array.from({ length: RING }, (_, k) =>
    encodeTcpPacket({
      ip: { version: 4, src: 0x0a000001, dst: 0x0a000002 + (k & 7), identification: k * 97 },
      tcp: {
        srcPort: 49152 + k,
        dstPort: 443,
        seq: rand.nextUint32(),
        ack: rand.nextUint32(),
        flags: TcpFlag.ACK | (k & 1 ? TcpFlag.PSH : 0),
        window: 502 + k,
        urgentPointer: 0,
        options: { timestamp: { value: rand.nextUint32(), echo: rand.nextUint32() } },
      },
      payload: rand.bytes(MSS_TS),
    }),
  );
}

/** The reference body: copy bytes[start, end) of each ring entry into one destination. */
function copyBody(ring: Uint8Array[], start: number, end: number): Body {
  const sources = ring.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const dst = Buffer.alloc(2048);
  return (n) => {
    let acc = 0;
    for (let k = 0; k < n; k++) {
      acc += sources[k & MASK].copy(dst, 0, start, end);
      acc ^= dst[k & 1023];
    }
    return acc;
  };
}

function checksumBody(ring: Uint8Array[], start: number, end: number): Body {
  return (n) => {
    let acc = 0;
    for (let k = 0; k < n; k++) acc += internetChecksum(ring[k & MASK], start, end);
    return acc;
  };
}

function checksumCase(name: string, offset: number, what: string) {
  return {
    name,
    run(o: MeasureOptions) {
      const ring = payloadRing(offset);
      const end = offset + PAYLOAD;
      const [s, r] = measurePair(checksumBody(ring, offset, end), copyBody(ring, offset, end), o);
      return rowOf(name, 'GB/s', s, `Buffer.copy ${PAYLOAD} B${what}`, r, PAYLOAD / 1e9, { atLeast: 6 });
    },
  };
}

/** Folds what a receiver would look at into the sink; throws if a packet failed to decode. */
function used(p: TcpPacket | { ok: false }): number {
  if (!p.ok) throw new Error('benchmark packet failed to decode');
  return (p.tcp.seq ^ p.tcp.options.timestamp!.value ^ p.payloadLength) >>> 0;
}

function decodeCase(name: string, verify: boolean) {
  return {
    name,
    run(o: MeasureOptions) {
      const ring = packetRing();
      const decode: Body = verify
        ? (n) => {
            let acc = 0;
            for (let k = 0; k < n; k++) {
              const p = decodeTcpPacket(ring[k & MASK]);
              acc += used(p);
              if (!tcpChecksumValid(p as TcpPacket)) throw new Error('benchmark packet failed its checksum');
            }
            return acc;
          }
        : (n) => {
            let acc = 0;
            for (let k = 0; k < n; k++) acc += used(decodeTcpPacket(ring[k & MASK]));
            return acc;
          };
      const [s, r] = measurePair(decode, copyBody(ring, 0, 1500), o);
      // Verification sums all 1500 bytes, so the decode target does not apply to it.
      return rowOf(name, 'Mpkt/s', s, 'Buffer.copy 1500 B', r, 1e-6, verify ? undefined : { atLeast: 5 });
    },
  };
}

export const wireSuite: BenchSuite = {
  name: 'wire',
  cases: [
    checksumCase('checksum-1460', 0, ''),
    checksumCase('checksum-1460-unaligned', FRAME_PAYLOAD_OFFSET, ' @66'),
    decodeCase('decode-ipv4-tcp-ts', false),
    decodeCase('decode-verify-ipv4-tcp-ts', true),
  ],
};
