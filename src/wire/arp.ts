/**
 * ARP (RFC 826) for IPv4 over Ethernet, the only pairing synack resolves: hardware type 1 (Ethernet),
 * protocol type 0x0800, address lengths 6 and 4, so every packet is 28 bytes:
 *
 *   hrd(2) pro(2) hln(1) pln(1) op(2) sha(6) spa(4) tha(6) tpa(4)
 *
 * A gratuitous ARP (RFC 5227 §3's announcement, RFC 826's "update your table" trick) is a request
 * whose sender and target protocol addresses are both the sender's, the target hardware address zero.
 */
import { u16, u32, put16, put32 } from './bytes.js';
import { checkIpv4Address, checkObject, fieldError } from './checks.js';
import { fail, type DecodeFailure } from './errors.js';
import { checkMac, EtherType } from './ethernet.js';

export const ArpOperation = { REQUEST: 1, REPLY: 2 } as const;
export const ARP_LENGTH = 28;
const HRD_ETHERNET = 1;

export interface ArpPacket {
  readonly ok: true;
  /** 1 request, 2 reply (others are decoded and left to the caller to ignore). */
  operation: number;
  senderMac: Uint8Array;
  senderIp: number;
  targetMac: Uint8Array;
  targetIp: number;
  /** Sender and target protocol addresses are the same: an announcement of the sender's own binding. */
  gratuitous: boolean;
}

/** Decode an ARP packet (the payload of an Ethernet frame of type 0x0806). Trailing padding is ignored. */
export function decodeArp(bytes: Uint8Array, offset = 0, length = bytes.length - offset): ArpPacket | DecodeFailure {
  if (offset < 0 || length < 0 || offset + length > bytes.length) return fail('truncated', `ARP packet of ${length} bytes at ${offset} in a buffer of ${bytes.length}`);
  if (length < 8) return fail('truncated', `ARP packet of ${length} bytes`);
  const hrd = u16(bytes, offset);
  const pro = u16(bytes, offset + 2);
  const hln = bytes[offset + 4];
  const pln = bytes[offset + 5];
  if (hrd !== HRD_ETHERNET) return fail('bad-field', `ARP hardware type ${hrd} (only 1, Ethernet, is read)`);
  if (pro !== EtherType.IPV4) return fail('bad-field', `ARP protocol type 0x${pro.toString(16).padStart(4, '0')} (only IPv4 is read)`);
  if (hln !== 6 || pln !== 4) return fail('bad-field', `ARP address lengths ${hln} and ${pln} (Ethernet and IPv4 have 6 and 4)`);
  if (length < ARP_LENGTH) return fail('truncated', `ARP packet of ${length} bytes, needs ${ARP_LENGTH}`);
  const senderIp = u32(bytes, offset + 14);
  const targetIp = u32(bytes, offset + 24);
  return {
    ok: true,
    operation: u16(bytes, offset + 6),
    senderMac: bytes.slice(offset + 8, offset + 14),
    senderIp,
    targetMac: bytes.slice(offset + 18, offset + 24),
    targetIp,
    gratuitous: senderIp === targetIp,
  };
}

export interface ArpSpec {
  operation: number;
  senderMac: Uint8Array;
  senderIp: number;
  /** Zero when unknown (a request). */
  targetMac?: Uint8Array;
  targetIp: number;
}

/** The 28 bytes of an ARP packet. Every field is checked first (a TypeError or RangeError naming it). */
export function encodeArp(spec: ArpSpec): Uint8Array {
  const where = 'encodeArp';
  checkObject(spec, where, 'spec');
  if ((spec.operation & 0xffff) !== spec.operation) throw fieldError(where, 'operation', spec.operation, 'an integer in [0, 65535] (1 request, 2 reply)');
  checkMac(spec.senderMac, where, 'senderMac');
  checkIpv4Address(spec.senderIp, where, 'senderIp');
  if (spec.targetMac !== undefined) checkMac(spec.targetMac, where, 'targetMac');
  checkIpv4Address(spec.targetIp, where, 'targetIp');
  const out = new Uint8Array(ARP_LENGTH);
  put16(out, 0, HRD_ETHERNET);
  put16(out, 2, EtherType.IPV4);
  out[4] = 6;
  out[5] = 4;
  put16(out, 6, spec.operation);
  out.set(spec.senderMac, 8);
  put32(out, 14, spec.senderIp);
  if (spec.targetMac) out.set(spec.targetMac, 18);
  put32(out, 24, spec.targetIp);
  return out;
}

/** "Who has targetIp? Tell senderIp": sent to the broadcast address, target hardware address zero. */
export function arpRequest(senderMac: Uint8Array, senderIp: number, targetIp: number): Uint8Array {
  return encodeArp({ operation: ArpOperation.REQUEST, senderMac, senderIp, targetIp });
}

/** The reply to a decoded request for one of our addresses (RFC 826: swap sender and target, fill in our hardware address). */
export function arpReplyFor(request: ArpPacket, ourMac: Uint8Array): Uint8Array {
  return encodeArp({ operation: ArpOperation.REPLY, senderMac: ourMac, senderIp: request.targetIp, targetMac: request.senderMac, targetIp: request.senderIp });
}

/** A gratuitous ARP announcing `ip` at `mac` (RFC 5227 §2.3's announcement: a request, sender and target IP both `ip`). */
export function gratuitousArp(mac: Uint8Array, ip: number): Uint8Array {
  return encodeArp({ operation: ArpOperation.REQUEST, senderMac: mac, senderIp: ip, targetIp: ip });
}
