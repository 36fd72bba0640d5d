/**
 * ICMP lines of packetdrill scripts: the type and code names packetdrill's grammar takes (its
 * icmp_packet.c tables: RFC 792 and RFC 1812 for ICMP, RFC 4443 for ICMPv6), and the inbound
 * error message the runner injects. As packetdrill builds it, the message quotes an IP header of a
 * packet synack sent (from the local address to the remote one, carrying TCP) and the first eight
 * bytes of its TCP header: the connection's ports and the sequence number the script names in
 * synack's own (outbound) sequence space.
 */
import { checksumFinish, encodeIpv4Header, encodeIpv6Header, IpProtocol, onesSum, pseudoHeaderSumV6, type IpAddress } from '../wire/index.js';
import type { IcmpSpec } from './ast.js';
import type { Flow } from './packets.js';

type Table = Record<string, { type: number; codes?: Record<string, number> }>;

const ICMP4: Table = {
  echo_reply: { type: 0 },
  unreachable: {
    type: 3,
    codes: {
      net_unreachable: 0,
      host_unreachable: 1,
      protocol_unreachable: 2,
      port_unreachable: 3,
      frag_needed: 4,
      source_route_failed: 5,
      net_unknown: 6,
      host_unknown: 7,
      source_host_isolated: 8,
      net_prohibited: 9,
      host_prohibited: 10,
      net_unreachable_for_tos: 11,
      host_unreachable_for_tos: 12,
      packet_filtered: 13,
      precedence_violation: 14,
      precedence_cutoff: 15,
    },
  },
  source_quench: { type: 4 },
  redirect: { type: 5 },
  echo_request: { type: 8 },
  time_exceeded: { type: 11, codes: { ttl_exceeded_in_transit: 0, frag_reass_exceeded: 1 } },
  parameter_problem: { type: 12 },
  timestamp_request: { type: 13 },
  timestamp_reply: { type: 14 },
  information_request: { type: 15 },
  information_reply: { type: 16 },
  address_mask_request: { type: 17 },
  address_mask_reply: { type: 18 },
};

const ICMP6: Table = {
  unreachable: { type: 1, codes: { net_unreachable: 0, no_route: 0, admin_prohibited: 1, not_neighbour: 2, beyond_scope: 2, address_unreachable: 3, port_unreachable: 4 } },
  packet_too_big: { type: 2 },
  time_exceeded: { type: 3, codes: { exceeded_hop_limit: 0, exceeded_frag_time: 1 } },
  parameter_problem: { type: 4, codes: { header_field: 0, unknown_next_header: 1, unknown_option: 2 } },
  echo_request: { type: 128 },
  echo_reply: { type: 129 },
};

/** The type number for a name (or packetdrill's `type_N`), undefined when unknown. */
export function icmpType(family: 4 | 6, name: string): number | undefined {
  const n = /^type_([0-9]+)$/.exec(name);
  if (n) return Number(n[1]) <= 255 ? Number(n[1]) : undefined;
  return (family === 4 ? ICMP4 : ICMP6)[name]?.type;
}

/** The code number for a name under a type (or `code_N`), undefined when unknown. */
export function icmpCode(family: 4 | 6, type: number, name: string): number | undefined {
  const n = /^code_([0-9]+)$/.exec(name);
  if (n) return Number(n[1]) <= 255 ? Number(n[1]) : undefined;
  const entry = Object.values(family === 4 ? ICMP4 : ICMP6).find((e) => e.type === type);
  return entry?.codes?.[name];
}

/** Why an MTU cannot go with this message, or undefined (RFC 1191 §4; RFC 4443 §3.2). */
export function mtuAllowed(family: 4 | 6, type: number, code: number, mtu: number): string | undefined {
  if (family === 4) {
    if (type !== 3 || code !== 4) return 'an ICMP MTU is only valid for unreachable frag_needed';
    if (mtu > 0xffff) return 'the ICMP MTU is out of its 16-bit range';
  } else if (type !== 2 || code !== 0) return 'an ICMPv6 MTU is only valid for packet_too_big';
  return undefined;
}

const TCP_HEADER = 20;

/**
 * The IP packet for an inbound ICMP line, from the remote address to the local one, quoting the
 * IP header and first eight TCP bytes of a segment synack sent on `flow`.
 */
export function buildInboundIcmp(spec: IcmpSpec, flow: Flow, ipId: number): Uint8Array {
  if (spec.echoed.protocol !== 'tcp') throw new RangeError('only a quoted TCP segment is built');
  const v6 = flow.family === 6;
  const ipLen = v6 ? 40 : 20;
  const quotedLen = ipLen + 8;
  const icmpLen = 8 + quotedLen;
  const out = new Uint8Array(ipLen + icmpLen);
  const tos = spec.ip.tos ?? (((spec.ip.dscp ?? 0) << 2) | ecnBits(spec.ecn));
  const ip = (src: IpAddress, dst: IpAddress, protocol: number, payload: number, at: number, outer: boolean) => {
    const fields = { dscp: outer ? tos >> 2 : 0, ecn: outer ? tos & 3 : 0 };
    if (v6) {
      encodeIpv6Header({ src: src as Uint8Array, dst: dst as Uint8Array, protocol, hopLimit: outer ? (spec.ip.ttl ?? 64) : 64, flowLabel: outer ? spec.ip.flowLabel : 0, ...fields }, payload, out, at);
    } else {
      encodeIpv4Header({ src: src as number, dst: dst as number, protocol, ttl: outer ? (spec.ip.ttl ?? 64) : 64, identification: outer ? ipId : 0, ...fields }, payload, out, at);
    }
  };
  ip(flow.remote, flow.local, v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP, icmpLen, 0, true);
  const at = ipLen;
  out[at] = spec.type;
  out[at + 1] = spec.code;
  const view = new DataView(out.buffer, out.byteOffset);
  if (spec.mtu !== undefined) {
    if (v6) view.setUint32(at + 4, spec.mtu >>> 0);
    else view.setUint16(at + 6, spec.mtu);
  } else if (spec.echoId !== undefined) view.setUint16(at + 4, spec.echoId);
  // The quoted packet: what synack sent, as long as it was (header plus payload), cut after 8 TCP bytes.
  const q = at + 8;
  ip(flow.local, flow.remote, IpProtocol.TCP, TCP_HEADER + spec.echoed.length, q, false);
  view.setUint16(q + ipLen, flow.localPort);
  view.setUint16(q + ipLen + 2, flow.remotePort);
  view.setUint32(q + ipLen + 4, (spec.echoed.start + (flow.isnOffset ?? 0)) >>> 0);
  const pseudo = v6 ? pseudoHeaderSumV6(flow.remote as Uint8Array, flow.local as Uint8Array, IpProtocol.ICMPV6, icmpLen) : 0;
  view.setUint16(at + 2, checksumFinish(onesSum(out, at, at + icmpLen, pseudo)));
  return out;
}

function ecnBits(ecn: IcmpSpec['ecn']): number {
  return ecn === 'ect1' ? 1 : ecn === 'ect0' ? 2 : ecn === 'ce' ? 3 : 0;
}
