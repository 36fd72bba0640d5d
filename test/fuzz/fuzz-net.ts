/**
 * Fuzzing the network layer's input: NetStack.handleFrame (and handlePacket on an ip interface) fed
 * well-formed frames of every kind it reads (ARP, neighbour discovery, IPv4/IPv6 with TCP, UDP,
 * ICMP, for our addresses and for others), then mutated: bits flipped, cut short, grown, fields set
 * to extremes, bytes at random. Interleaved with timers and draining its output.
 *
 * Invariants: nothing throws; every frame it sends decodes as Ethernet and every packet as IP; the
 * neighbour caches stay within their bounds; every frame fed in is counted (InFrames) and, when it
 * was not deliverable, a drop counter moved. A failure names the seed and iteration, and replays alone
 * with { seed, from: iteration, iterations: 1 } (each iteration starts from a fresh stack).
 */
import { SeededRandom } from '../../src/tcp/random.js';
import { NetStack } from '../../src/net/net-stack.js';
import { Stack } from '../../src/stack/stack.js';
import { arpRequest, encodeArp, gratuitousArp } from '../../src/wire/arp.js';
import { decodeEthernet, encodeEthernet, EtherType } from '../../src/wire/ethernet.js';
import { encodeIcmpPacket } from '../../src/wire/icmp.js';
import { decodeIp, encodeIpv4Header, encodeIpv6Header } from '../../src/wire/ip.js';
import { encodeNdpPacket, ipv6MulticastMac, solicitedNodeAddress, ALL_NODES, ALL_ROUTERS } from '../../src/wire/ndp.js';
import { encodeUdpPacket } from '../../src/wire/udp.js';
import { encodeTcpPacket } from '../../src/wire/packet.js';
import { parseIp } from '../../src/wire/address.js';
import { parseMac } from '../../src/wire/ethernet.js';

export interface NetFuzzFailure {
  seed: number;
  iteration: number;
  message: string;
  inputHex: string;
}

export interface NetFuzzStats {
  iterations: number;
  frames: number;
  /** How many inputs each counter of interest moved for (depth of the run). */
  counted: Record<string, number>;
}

const MAC_US = parseMac('02:00:00:00:00:01')!;
const MAC_PEER = parseMac('02:00:00:00:00:02')!;
const US4 = parseIp('198.18.0.1') as number;
const PEER4 = parseIp('198.18.0.2') as number;
const FAR4 = parseIp('198.18.9.9') as number;
const US6 = parseIp('2001:db8::1') as Uint8Array;
const PEER6 = parseIp('2001:db8::2') as Uint8Array;
const LL_PEER = parseIp('fe80::2') as Uint8Array;
const FAR6 = parseIp('2001:db8:9::9') as Uint8Array;

function makeStack(rng: SeededRandom): { net: NetStack; eth: number; eth2: number; tun: number } {
  const net = new NetStack({ forwarding: rng.chance(0.5), random: new SeededRandom(rng.nextUint32(), 1) });
  const eth = net.addInterface({ kind: 'frames', mac: MAC_US, addresses: ['198.18.0.1/24', '2001:db8::1/64'], dadTransmits: 0, router: rng.chance(0.5), arp: { maxEntries: 16 }, nd: { maxEntries: 16 } }, 0).index;
  const eth2 = net.addInterface({ kind: 'frames', mac: '02:00:00:00:01:01', addresses: ['198.18.9.1/24', '2001:db8:9::1/64'], dadTransmits: 0 }, 0).index;
  const tun = net.addInterface({ kind: 'ip', addresses: ['198.18.5.1/24'], mtu: 1280 }, 0).index;
  const tcp = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(rng.nextUint32(), 2) });
  tcp.listen(80);
  net.addProtocol(6, tcp);
  return { net, eth, eth2, tun };
}

function eth(dst: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  return encodeEthernet({ dst, src: MAC_PEER, etherType: type, payload });
}

/** A well-formed frame of one of the kinds the stack reads. */
function validFrame(rng: SeededRandom): Uint8Array {
  const bcast = Uint8Array.of(255, 255, 255, 255, 255, 255);
  switch (rng.int(12)) {
    case 0:
      return eth(bcast, EtherType.ARP, arpRequest(MAC_PEER, PEER4, rng.chance(0.7) ? US4 : FAR4));
    case 1:
      return eth(MAC_US, EtherType.ARP, encodeArp({ operation: 2, senderMac: MAC_PEER, senderIp: rng.chance(0.5) ? PEER4 : rng.nextUint32(), targetMac: MAC_US, targetIp: US4 }));
    case 2:
      return eth(bcast, EtherType.ARP, gratuitousArp(MAC_PEER, rng.chance(0.3) ? US4 : PEER4));
    case 3: {
      const sn = solicitedNodeAddress(US6);
      return eth(ipv6MulticastMac(sn), EtherType.IPV6, encodeNdpPacket({ src: rng.chance(0.2) ? new Uint8Array(16) : PEER6, dst: sn, message: { type: 135, target: US6, options: rng.chance(0.8) ? { sourceLinkLayer: MAC_PEER } : {} } }));
    }
    case 4:
      return eth(MAC_US, EtherType.IPV6, encodeNdpPacket({ src: PEER6, dst: US6, message: { type: 136, router: rng.chance(0.5), solicited: rng.chance(0.5), override: rng.chance(0.5), target: PEER6, options: { targetLinkLayer: MAC_PEER } } }));
    case 5:
      return eth(ipv6MulticastMac(ALL_ROUTERS), EtherType.IPV6, encodeNdpPacket({ src: LL_PEER, dst: ALL_ROUTERS, message: { type: 133, options: { sourceLinkLayer: MAC_PEER } } }));
    case 6:
      return eth(ipv6MulticastMac(ALL_NODES), EtherType.IPV6, encodeNdpPacket({
        src: LL_PEER,
        dst: ALL_NODES,
        message: { type: 134, curHopLimit: 64, managed: false, other: false, routerLifetime: rng.int(3) * 900, reachableTime: rng.int(2) * 30000, retransTimer: rng.int(2) * 1000, options: { sourceLinkLayer: MAC_PEER, mtu: 1280 + rng.int(300), prefixes: [{ prefix: parseIp('2001:db8:7::') as Uint8Array, prefixLength: rng.chance(0.8) ? 64 : rng.int(129), onLink: true, autonomous: true, validLifetime: rng.int(1e6), preferredLifetime: rng.int(1e5) }] } },
      }));
    case 7: {
      const v6 = rng.chance(0.5);
      const p = v6
        ? encodeIcmpPacket({ src: PEER6, dst: rng.chance(0.7) ? US6 : FAR6, type: 128, code: 0, rest: rng.nextUint32(), body: rng.bytes(rng.int(64)), ttl: rng.int(3) })
        : encodeIcmpPacket({ src: PEER4, dst: rng.chance(0.7) ? US4 : FAR4, type: 8, code: 0, rest: rng.nextUint32(), body: rng.bytes(rng.int(64)), ttl: rng.int(3) });
      return eth(MAC_US, v6 ? EtherType.IPV6 : EtherType.IPV4, p);
    }
    case 8: {
      const p = encodeTcpPacket({ ip: { version: 4, src: PEER4, dst: rng.chance(0.8) ? US4 : FAR4, ttl: 1 + rng.int(64) }, tcp: { srcPort: 1000 + rng.int(10), dstPort: rng.chance(0.8) ? 80 : 81, seq: rng.nextUint32(), ack: rng.nextUint32(), flags: rng.int(256), window: rng.int(65536), urgentPointer: 0 }, payload: rng.bytes(rng.int(40)) });
      return eth(MAC_US, EtherType.IPV4, p);
    }
    case 9: {
      const p = encodeUdpPacket({ ip: rng.chance(0.5) ? { version: 4, src: PEER4, dst: rng.chance(0.5) ? US4 : 0xffffffff } : { version: 6, src: PEER6, dst: US6 }, udp: { srcPort: 68, dstPort: 67 }, payload: rng.bytes(rng.int(30)) });
      return eth(rng.chance(0.5) ? MAC_US : bcast, p[0] >>> 4 === 4 ? EtherType.IPV4 : EtherType.IPV6, p);
    }
    case 10: {
      // An ICMP error quoting a TCP packet of ours.
      const quoted = encodeTcpPacket({ ip: { version: 4, src: US4, dst: PEER4 }, tcp: { srcPort: 80, dstPort: 1000, seq: rng.nextUint32(), ack: 0, flags: 2, window: 100, urgentPointer: 0 } });
      return eth(MAC_US, EtherType.IPV4, encodeIcmpPacket({ src: PEER4, dst: US4, type: 3, code: rng.int(16), rest: rng.int(2000), body: quoted.subarray(0, 28 + rng.int(12)) }));
    }
    default: {
      // A big packet to forward (fragmentation, too big), or an unknown protocol.
      const size = 40 + rng.int(3000);
      const p = new Uint8Array(size);
      if (rng.chance(0.5)) encodeIpv4Header({ src: PEER4, dst: rng.chance(0.5) ? FAR4 : US4, dontFragment: rng.chance(0.5), ttl: rng.int(4), identification: rng.int(65536) }, size - 20, p, 0, rng.chance(0.5) ? 17 : 200);
      else encodeIpv6Header({ src: PEER6, dst: rng.chance(0.5) ? FAR6 : US6, hopLimit: rng.int(4) }, Math.min(size - 40, 65535), p, 0, rng.chance(0.5) ? 17 : 200);
      return eth(MAC_US, p[0] >>> 4 === 4 ? EtherType.IPV4 : EtherType.IPV6, p);
    }
  }
}

function mutate(rng: SeededRandom, f: Uint8Array): Uint8Array {
  switch (rng.int(7)) {
    case 0:
      return f;
    case 1: {
      const g = f.slice();
      for (let n = 1 + rng.int(4); n > 0; n--) {
        const bit = rng.int(g.length * 8);
        g[bit >>> 3] ^= 1 << (bit & 7);
      }
      return g;
    }
    case 2:
      return f.slice(0, rng.int(f.length + 1));
    case 3: {
      const g = new Uint8Array(f.length + 1 + rng.int(64));
      g.set(f);
      g.set(rng.bytes(g.length - f.length), f.length);
      return g;
    }
    case 4: {
      const g = f.slice();
      const at = rng.int(g.length);
      g[at] = rng.chance(0.5) ? 0 : 0xff;
      return g;
    }
    case 5:
      return rng.bytes(rng.int(100));
    default: {
      // Header bytes set at random (lengths, IHL, options, ND option lengths).
      const g = f.slice();
      for (let n = 0; n < 3; n++) g[14 + rng.int(Math.max(1, Math.min(80, g.length - 14)))] = rng.int(256);
      return g.length >= 14 ? g : f;
    }
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function runNetFuzz(opts: { seed: number; iterations: number; from?: number; framesPerIteration?: number; maxFailures?: number; onFailure: (f: NetFuzzFailure) => void; plant?: (net: NetStack) => void }): NetFuzzStats {
  const per = opts.framesPerIteration ?? 20;
  const stats: NetFuzzStats = { iterations: 0, frames: 0, counted: {} };
  let failures = 0;
  const from = opts.from ?? 0;
  for (let it = from; it < from + opts.iterations; it++) {
    stats.iterations++;
    const rng = new SeededRandom(opts.seed, it);
    const { net, eth: e1, eth2, tun } = makeStack(rng);
    opts.plant?.(net);
    let now = 0;
    let input: Uint8Array = new Uint8Array(0);
    try {
      for (let k = 0; k < per; k++) {
        input = mutate(rng, validFrame(rng));
        const before = { ...net.counters };
        const onTun = rng.chance(0.1);
        const ifIndex = onTun ? tun : rng.chance(0.9) ? e1 : eth2;
        if (onTun) net.handlePacket(ifIndex, input.subarray(Math.min(14, input.length)), now);
        else net.handleFrame(ifIndex, input, now);
        stats.frames++;
        const after = net.counters as unknown as Record<string, number>;
        for (const key of Object.keys(after)) if (after[key] !== (before as unknown as Record<string, number>)[key]) stats.counted[key] = (stats.counted[key] ?? 0) + 1;
        if (!onTun && after.InFrames !== (before as unknown as Record<string, number>).InFrames + 1) throw new Error('the frame was not counted');
        let out = 0;
        for (let f = net.pollFrame(now); f; f = net.pollFrame(now)) {
          if (++out > 10_000) throw new Error('pollFrame does not run dry');
          const d = decodeEthernet(f.frame);
          if (!d.ok) throw new Error(`sent a frame that does not decode: ${d.reason}`);
          if (d.etherType === EtherType.IPV4 || d.etherType === EtherType.IPV6) {
            const p = decodeIp(f.frame, 14);
            if (!p.ok) throw new Error(`sent a packet that does not decode: ${p.reason}`);
            const mtu = net.interface(f.ifIndex).mtu;
            if (f.frame.length - 14 > mtu) throw new Error(`sent ${f.frame.length - 14} bytes on an interface of MTU ${mtu}`);
          }
        }
        for (let p = net.pollPacket(now); p; p = net.pollPacket(now)) {
          if (++out > 20_000) throw new Error('pollPacket does not run dry');
          const d = decodeIp(p.packet);
          if (!d.ok) throw new Error(`sent a packet that does not decode: ${d.reason}`);
        }
        for (const i of net.interfaces) {
          for (const c of [i.arp, i.nd]) if (c && c.size > c.params.maxEntries) throw new Error(`neighbour cache of ${c.size} entries, bound ${c.params.maxEntries}`);
        }
        if (rng.chance(0.3)) {
          const due = net.pollTimeout();
          if (due !== undefined) {
            now = Math.max(now, due);
            net.handleTimeout(now);
          } else now += 1000;
        }
      }
    } catch (err) {
      failures++;
      opts.onFailure({ seed: opts.seed, iteration: it, message: err instanceof Error ? `${err.message}\n${err.stack}` : String(err), inputHex: hex(input) });
      if (failures >= (opts.maxFailures ?? 10)) break;
    }
  }
  return stats;
}
