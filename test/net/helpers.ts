/**
 * Helpers for the network layer's tests: NetStacks driven by hand on virtual time, frames fed in and
 * taken out one by one, so a test reads like the RFC's exchange.
 */
import { SeededRandom } from '../../src/tcp/random.js';
import { NetStack, type InterfaceOptions, type NetStackOptions } from '../../src/net/net-stack.js';
import { decodeEthernet, ethernetPayload, parseMac, type EthernetFrame } from '../../src/wire/ethernet.js';
import { decodeArp, type ArpPacket } from '../../src/wire/arp.js';
import { decodeNdpPacket, type NdpPacket } from '../../src/wire/ndp.js';
import { decodeIp, type IpPacket } from '../../src/wire/ip.js';
import { parseIp, type IpAddress } from '../../src/wire/address.js';

export const mac = (s: string): Uint8Array => parseMac(s)!;
export const ip4 = (s: string): number => parseIp(s) as number;
export const ip6 = (s: string): Uint8Array => parseIp(s) as Uint8Array;

export function newNet(seed: number, opts: NetStackOptions = {}): NetStack {
  return new NetStack({ random: new SeededRandom(seed, 99), ...opts });
}

/** A NetStack with one frames interface (index 2: the loopback is 1); DAD off unless asked. */
export function ethHost(seed: number, m: string, addresses: string[], opts: Partial<InterfaceOptions> = {}, netOpts: NetStackOptions = {}): { net: NetStack; ifIndex: number } {
  const net = newNet(seed, netOpts);
  const iface = net.addInterface({ kind: 'frames', mac: m, addresses, dadTransmits: 0, slaac: false, linkLocal: false, ...opts }, 0);
  return { net, ifIndex: iface.index };
}

/** Every frame the stack has to send now. */
export function drain(net: NetStack, now: number): Array<{ ifIndex: number; frame: Uint8Array }> {
  const out: Array<{ ifIndex: number; frame: Uint8Array }> = [];
  for (let f = net.pollFrame(now); f; f = net.pollFrame(now)) out.push(f);
  return out;
}

export function drainPackets(net: NetStack, now: number): Array<{ ifIndex: number; packet: Uint8Array }> {
  const out: Array<{ ifIndex: number; packet: Uint8Array }> = [];
  for (let p = net.pollPacket(now); p; p = net.pollPacket(now)) out.push(p);
  return out;
}

export interface Decoded {
  eth: EthernetFrame;
  arp?: ArpPacket;
  nd?: NdpPacket;
  ip?: IpPacket;
  payload: Uint8Array;
}

export function decodeFrame(frame: Uint8Array): Decoded {
  const eth = decodeEthernet(frame);
  if (!eth.ok) throw new Error(`frame does not decode: ${eth.reason}`);
  const payload = ethernetPayload(frame, eth);
  const d: Decoded = { eth, payload };
  if (eth.etherType === 0x0806) {
    const a = decodeArp(payload);
    if (a.ok) d.arp = a;
  } else {
    const p = decodeIp(payload);
    if (p.ok) d.ip = p;
    const n = decodeNdpPacket(payload);
    if (n.ok) d.nd = n;
  }
  return d;
}

/** Run timers until `until` (virtual ms), collecting each frame sent with its time. */
export function runTimers(net: NetStack, from: number, until: number, maxSteps = 10_000): Array<{ t: number; frame: Uint8Array }> {
  const out: Array<{ t: number; frame: Uint8Array }> = [];
  let now = from;
  for (const f of drain(net, now)) out.push({ t: now, frame: f.frame });
  for (let i = 0; i < maxSteps; i++) {
    const due = net.pollTimeout();
    if (due === undefined || due > until) break;
    now = Math.max(now, due);
    net.handleTimeout(now);
    for (const f of drain(net, now)) out.push({ t: now, frame: f.frame });
  }
  return out;
}

/** A tiny IP protocol handler (a stand-in for UDP): records what it is given, sends what it is told. */
export class FakeHandler {
  readonly got: Array<{ bytes: Uint8Array; ifIndex: number | undefined }> = [];
  readonly icmp: Uint8Array[] = [];
  readonly toSend: Uint8Array[] = [];
  addresses: IpAddress[] = [];
  handlePacket(bytes: Uint8Array, _now: number, ifIndex?: number): void {
    this.got.push({ bytes: bytes.slice(), ifIndex });
  }
  handleIcmpError(bytes: Uint8Array): void {
    this.icmp.push(bytes.slice());
  }
  pollTransmit(): Uint8Array | undefined {
    return this.toSend.shift();
  }
  pollTimeout(): number | undefined {
    return undefined;
  }
  handleTimeout(): void {}
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
