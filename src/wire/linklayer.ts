/**
 * Link-layer framing of captured packets: find the IP packet inside a frame of a given link type.
 */
import { u16, u32 } from './bytes.js';
import { fail, type DecodeFailure } from './errors.js';
import { LinkType } from './pcap.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ) and the older 0x9100 double-tag TPID. */
const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);

/** BSD AF_INET6 differs by system: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS); Linux uses 10. */
const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]);

export interface IpLocation {
  readonly ok: true;
  /** Where the IP packet starts in the frame, and how many captured bytes follow. */
  offset: number;
  length: number;
}

function located(data: Uint8Array, offset: number): IpLocation | DecodeFailure {
  if (offset > data.length) return fail('truncated', `link header of ${offset} bytes, frame has ${data.length}`);
  return { ok: true, offset, length: data.length - offset };
}

function byEtherType(data: Uint8Array, etherType: number, offset: number): IpLocation | DecodeFailure {
  if (etherType === ETHERTYPE_IPV4 || etherType === ETHERTYPE_IPV6) return located(data, offset);
  return fail('not-ip', `ethertype 0x${etherType.toString(16).padStart(4, '0')}`);
}

/** Locate the IP packet in a captured frame. */
export function locateIp(linkType: number, data: Uint8Array): IpLocation | DecodeFailure {
  switch (linkType) {
    case LinkType.ETHERNET: {
      if (data.length < 14) return fail('truncated', `Ethernet frame of ${data.length} bytes`);
      let at = 12;
      let etherType = u16(data, at);
      // Walk any stack of VLAN tags (each: TPID, then a 2-byte TCI).
      while (VLAN_TPIDS.has(etherType)) {
        at += 4;
        if (at + 2 > data.length) return fail('truncated', 'VLAN tag cut off');
        etherType = u16(data, at);
      }
      return byEtherType(data, etherType, at + 2);
    }
    case LinkType.RAW:
    case 12: // DLT_RAW on most BSDs
    case 14: // DLT_RAW on OpenBSD
    case LinkType.IPV4:
    case LinkType.IPV6:
      return located(data, 0);
    case LinkType.LINUX_SLL:
      // 16-byte header; protocol (an ethertype) in its last two bytes.
      if (data.length < 16) return fail('truncated', `Linux cooked (v1) header of ${data.length} bytes`);
      return byEtherType(data, u16(data, 14), 16);
    case LinkType.LINUX_SLL2:
      // 20-byte header; protocol first.
      if (data.length < 20) return fail('truncated', `Linux cooked (v2) header of ${data.length} bytes`);
      return byEtherType(data, u16(data, 0), 20);
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (data.length < 4) return fail('truncated', 'loopback header cut off');
      // NULL: the family in the capturing host's byte order; LOOP: in network order.
      const be = u32(data, 0);
      const le = ((data[3] << 24) | (data[2] << 16) | (data[1] << 8) | data[0]) >>> 0;
      const family = linkType === LinkType.LOOP ? be : Math.min(be, le);
      if (family === AF_INET || AF_INET6.has(family)) return located(data, 4);
      return fail('not-ip', `address family ${family}`);
    }
    default:
      return fail('unsupported-link-type', `link type ${linkType}`);
  }
}
