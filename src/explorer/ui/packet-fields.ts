/**
 * A packet's header fields with where they sit in its bytes (DOM-free, tested from Node), for the
 * inspector: IPv4 (RFC 791) or IPv6 (RFC 8200), then TCP (RFC 9293 §3.1) and its options (kinds 0,
 * 1, 2 MSS, 3 window scale, 4 SACK-permitted, 5 SACK, 8 timestamps, 34 Fast Open), then the data.
 * It reads the bytes itself so every field has an offset; damaged input ends the list early with
 * an "error" field, never an exception.
 */
export interface PacketField {
  /** Stable name for data-field: "ip.ttl", "tcp.seq", "tcp.opt.mss". */
  id: string;
  /** The layer's heading: "IPv4", "IPv6", "TCP", "TCP options", "data". */
  layer: string;
  name: string;
  value: string;
  offset: number;
  length: number;
}

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}

function ipv6Text(b: Uint8Array, o: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(u16(b, o + i).toString(16));
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function tcpFlagWords(flags: number): string {
  const names = FLAG_NAMES.filter((_, i) => flags & (1 << i));
  return names.length ? names.join('+') : 'none';
}

export function packetFields(b: Uint8Array): PacketField[] {
  const out: PacketField[] = [];
  const add = (id: string, layer: string, name: string, value: string, offset: number, length: number): void => {
    out.push({ id, layer, name, value, offset, length });
  };
  const fail = (why: string, offset: number): PacketField[] => {
    add('error', 'error', 'error', why, offset, Math.max(0, b.length - offset));
    return out;
  };
  if (b.length < 1) return fail('empty packet', 0);
  const version = b[0]! >> 4;
  let tcpAt: number;
  let tcpEnd: number;
  if (version === 4) {
    if (b.length < 20) return fail('truncated IPv4 header', 0);
    const ihl = (b[0]! & 0x0f) * 4;
    const L = 'IPv4';
    add('ip.version', L, 'version / header length', `4 / ${ihl} bytes`, 0, 1);
    add('ip.tos', L, 'DSCP / ECN', `${b[1]! >> 2} / ${b[1]! & 3}`, 1, 1);
    add('ip.length', L, 'total length', String(u16(b, 2)), 2, 2);
    add('ip.id', L, 'identification', String(u16(b, 4)), 4, 2);
    const ff = u16(b, 6);
    add('ip.frag', L, 'flags / fragment offset', `${ff & 0x4000 ? 'DF' : ''}${ff & 0x2000 ? ' MF' : ''} / ${ff & 0x1fff}`.trim(), 6, 2);
    add('ip.ttl', L, 'TTL', String(b[8]), 8, 1);
    add('ip.protocol', L, 'protocol', b[9] === 6 ? '6 (TCP)' : String(b[9]), 9, 1);
    add('ip.checksum', L, 'header checksum', hex(u16(b, 10), 4), 10, 2);
    add('ip.src', L, 'source', `${b[12]}.${b[13]}.${b[14]}.${b[15]}`, 12, 4);
    add('ip.dst', L, 'destination', `${b[16]}.${b[17]}.${b[18]}.${b[19]}`, 16, 4);
    if (ihl < 20 || ihl > b.length) return fail('bad IPv4 header length', 0);
    if (ihl > 20) add('ip.options', L, 'options', `${ihl - 20} bytes`, 20, ihl - 20);
    if (b[9] !== 6) return fail('not TCP', ihl);
    tcpAt = ihl;
    tcpEnd = Math.min(b.length, u16(b, 2));
  } else if (version === 6) {
    if (b.length < 40) return fail('truncated IPv6 header', 0);
    const L = 'IPv6';
    const w = u32(b, 0);
    add('ip.version', L, 'version / traffic class / flow label', `6 / ${(w >>> 20) & 0xff} / ${w & 0xfffff}`, 0, 4);
    add('ip.length', L, 'payload length', String(u16(b, 4)), 4, 2);
    add('ip.protocol', L, 'next header', b[6] === 6 ? '6 (TCP)' : String(b[6]), 6, 1);
    add('ip.ttl', L, 'hop limit', String(b[7]), 7, 1);
    add('ip.src', L, 'source', ipv6Text(b, 8), 8, 16);
    add('ip.dst', L, 'destination', ipv6Text(b, 24), 24, 16);
    if (b[6] !== 6) return fail('not TCP (extension headers are not decoded here)', 40);
    tcpAt = 40;
    tcpEnd = Math.min(b.length, 40 + u16(b, 4));
  } else {
    return fail(`IP version ${version}`, 0);
  }
  if (tcpEnd - tcpAt < 20) return fail('truncated TCP header', tcpAt);
  const T = 'TCP';
  const o = tcpAt;
  const dataOffset = (b[o + 12]! >> 4) * 4;
  const flags = u16(b, o + 12) & 0x1ff;
  add('tcp.srcport', T, 'source port', String(u16(b, o)), o, 2);
  add('tcp.dstport', T, 'destination port', String(u16(b, o + 2)), o + 2, 2);
  add('tcp.seq', T, 'sequence number', String(u32(b, o + 4)), o + 4, 4);
  add('tcp.ack', T, 'acknowledgment number', String(u32(b, o + 8)), o + 8, 4);
  add('tcp.offset', T, 'data offset', `${dataOffset} bytes`, o + 12, 1);
  add('tcp.flags', T, 'flags', `${tcpFlagWords(flags)} (${hex(flags, 3)})`, o + 12, 2);
  add('tcp.window', T, 'window', String(u16(b, o + 14)), o + 14, 2);
  add('tcp.checksum', T, 'checksum', hex(u16(b, o + 16), 4), o + 16, 2);
  add('tcp.urgent', T, 'urgent pointer', String(u16(b, o + 18)), o + 18, 2);
  if (dataOffset < 20 || o + dataOffset > tcpEnd) return fail('bad TCP data offset', o + 12);
  const O = 'TCP options';
  let p = o + 20;
  const end = o + dataOffset;
  while (p < end) {
    const kind = b[p]!;
    if (kind === 0) {
      add('tcp.opt.eol', O, 'end of options', '', p, end - p);
      break;
    }
    if (kind === 1) {
      add('tcp.opt.nop', O, 'no-operation', '', p, 1);
      p++;
      continue;
    }
    if (p + 1 >= end) return fail('option length missing', p);
    const len = b[p + 1]!;
    if (len < 2 || p + len > end) return fail(`bad length ${len} for option ${kind}`, p);
    const v = p + 2;
    switch (kind) {
      case 2: add('tcp.opt.mss', O, 'maximum segment size', String(len === 4 ? u16(b, v) : '?'), p, len); break;
      case 3: add('tcp.opt.wscale', O, 'window scale', len === 3 ? `${b[v]} (×${2 ** Math.min(14, b[v]!)})` : '?', p, len); break;
      case 4: add('tcp.opt.sackok', O, 'SACK permitted', '', p, len); break;
      case 5: {
        const blocks: string[] = [];
        for (let q = v; q + 8 <= p + len; q += 8) blocks.push(`${u32(b, q)}-${u32(b, q + 4)}`);
        add('tcp.opt.sack', O, 'SACK blocks', blocks.join(' '), p, len);
        break;
      }
      case 8: add('tcp.opt.timestamp', O, 'timestamps', len === 10 ? `TSval ${u32(b, v)} TSecr ${u32(b, v + 4)}` : '?', p, len); break;
      case 34: add('tcp.opt.fastopen', O, 'Fast Open cookie', [...b.subarray(v, p + len)].map((x) => x.toString(16).padStart(2, '0')).join(''), p, len); break;
      default: add(`tcp.opt.${kind}`, O, `option ${kind}`, `${len - 2} bytes`, p, len);
    }
    p += len;
  }
  if (tcpEnd > end) add('data', 'data', 'data', `${tcpEnd - end} bytes`, end, tcpEnd - end);
  return out;
}
