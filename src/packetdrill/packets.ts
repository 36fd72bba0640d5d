/**
 * Script packets and synack's packets: building an inbound packet from a script line (mapping
 * sequence space as packetdrill does), and comparing an outbound packet with the script's
 * expectation, field by field, in strict or lenient mode.
 */
import { decodeTcpPacket, encodeTcpPacket, TcpFlag, TcpOptionKind, toHex, type IpAddress, type TcpOptions } from '../wire/index.js';
import type { EcnMark, PacketSpec, ScriptOption } from './ast.js';

/** The connection under test: its ports, and what maps script numbers to live ones. */
export interface Flow {
  family: 4 | 6;
  local: IpAddress;
  remote: IpAddress;
  localPort: number;
  remotePort: number;
  /** live local sequence number = script number + this (learnt from our first SYN or SYN-ACK). */
  isnOffset: number | undefined;
  /** Script TSval -> live TSval of our packets, to map the echo of inbound packets. */
  tsMap: Map<number, number>;
  firstTs: { script: number; live: number } | undefined;
  /**
   * The remote's ISN, from its first SYN (or SYN-ACK) in the script. As in Google's packetdrill, the
   * remote's sequence numbers are written as they are on a SYN and relative to this ISN elsewhere:
   * `< S 999000:999040(40)` then `< . 1:1(0)`, and our ACKs `ack 1` after `< S. 123:123(0)`.
   */
  remoteIsn: number | undefined;
}

export function newFlow(family: 4 | 6, local: IpAddress, remote: IpAddress, localPort: number, remotePort: number): Flow {
  return { family, local, remote, localPort, remotePort, isnOffset: undefined, tsMap: new Map(), firstTs: undefined, remoteIsn: undefined };
}

/** The live form of a remote sequence number written in the script (see Flow.remoteIsn). */
function remoteSeq(flow: Flow, scriptSeq: number, syn: boolean): number {
  return syn ? scriptSeq >>> 0 : (scriptSeq + (flow.remoteIsn ?? 0)) >>> 0;
}

const ECN_BITS: Record<EcnMark, number> = { noecn: 0, ect1: 1, ect0: 2, ect01: 2, ce: 3 };

/** The IP packet for an inbound script packet. */
export function buildInbound(spec: PacketSpec, flow: Flow, ipId: number): Uint8Array {
  const ackFlag = (spec.flags & TcpFlag.ACK) !== 0;
  if (spec.flags & TcpFlag.SYN && flow.remoteIsn === undefined) flow.remoteIsn = spec.start >>> 0;
  const off = flow.isnOffset ?? 0;
  // An ACK written without its number is number 0 of the script's space, mapped like any other
  // (packetdrill maps every inbound ACK field by our ISN when the ACK flag is set).
  const ack = ackFlag ? ((spec.ack ?? 0) + off) >>> 0 : (spec.ack ?? 0);
  const options: TcpOptions = {};
  const order: number[] = [];
  for (const o of spec.options ?? []) {
    switch (o.kind) {
      case 'nop':
        order.push(TcpOptionKind.NOP);
        break;
      case 'eol':
        order.push(TcpOptionKind.EOL);
        break;
      case 'mss':
        options.mss = o.value;
        order.push(TcpOptionKind.MSS);
        break;
      case 'wscale':
        options.wscale = o.value;
        order.push(TcpOptionKind.WSCALE);
        break;
      case 'sackOK':
        options.sackPermitted = true;
        order.push(TcpOptionKind.SACK_PERMITTED);
        break;
      case 'sack':
        options.sack = o.blocks.map(([l, r]) => [(l + off) >>> 0, (r + off) >>> 0]);
        order.push(TcpOptionKind.SACK);
        break;
      case 'TS': {
        let ecr = o.ecr;
        if (ackFlag) {
          // packetdrill: the echo names one of our TSvals in script space; map it to the live one.
          const mapped = flow.tsMap.get(o.ecr);
          if (mapped !== undefined) ecr = mapped;
          else if (flow.firstTs && o.ecr !== 0) ecr = (flow.firstTs.live + (o.ecr - flow.firstTs.script)) >>> 0;
        }
        options.timestamp = { value: o.val, echo: ecr };
        order.push(TcpOptionKind.TIMESTAMP);
        break;
      }
      case 'FO':
        options.fastOpenCookie = o.cookie ? hexBytes(o.cookie) : new Uint8Array(0);
        order.push(TcpOptionKind.FAST_OPEN);
        break;
      case 'FOEXP':
      case 'md5': {
        const w = scriptWire(o);
        (options.unknown ??= []).push(w);
        order.push(w.kind);
        break;
      }
    }
  }
  if (order.length) options.order = order;
  // The IP fields the line states (tos/class is the whole byte; dscp and an ECN mark its parts).
  const tos = spec.ip.tos ?? (((spec.ip.dscp ?? 0) << 2) | (spec.ecn ? ECN_BITS[spec.ecn] : 0));
  const dscp = tos >> 2;
  const ecn = tos & 3;
  const ttl = spec.ip.ttl ?? 64;
  return encodeTcpPacket({
    ip:
      flow.family === 4
        ? { version: 4, src: flow.remote as number, dst: flow.local as number, ttl, dscp, ecn, identification: ipId }
        : { version: 6, src: flow.remote as Uint8Array, dst: flow.local as Uint8Array, hopLimit: ttl, dscp, ecn, flowLabel: spec.ip.flowLabel ?? 0 },
    tcp: {
      srcPort: flow.remotePort,
      dstPort: flow.localPort,
      seq: remoteSeq(flow, spec.start, (spec.flags & TcpFlag.SYN) !== 0),
      ack,
      flags: spec.flags,
      window: spec.window ?? 0,
      urgentPointer: spec.urgentPointer,
      options: order.length ? options : undefined,
    },
    payload: new Uint8Array(spec.length),
  });
}

function hexBytes(hex: string): Uint8Array {
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** One option as it is on the wire. */
interface WireOption {
  kind: number;
  data: Uint8Array;
}

/** What the runner needs of a packet synack sent. */
export interface OutPacket {
  bytes: Uint8Array;
  ecn: number;
  /** The whole TOS / traffic class byte (DSCP and ECN). */
  tos: number;
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl: number;
  /** IPv6 flow label (0 for IPv4). */
  flowLabel: number;
  srcPort: number;
  dstPort: number;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  urgentPointer: number;
  payloadLength: number;
  /** Every option in wire order, NOP and EOL included (packetdrill's iterator). */
  options: WireOption[];
  tsVal: number | undefined;
  tsEcr: number | undefined;
}

export function decodeOutbound(bytes: Uint8Array): OutPacket | string {
  const p = decodeTcpPacket(bytes);
  if (!p.ok) return `synack sent an undecodable packet (${p.reason}: ${p.detail})`;
  const t = p.tcp;
  const options: WireOption[] = [];
  const start = p.segmentOffset + 20;
  const end = p.segmentOffset + t.headerLength;
  for (let i = start; i < end; ) {
    const kind = bytes[i];
    if (kind === 0 || kind === 1) {
      options.push({ kind, data: new Uint8Array(0) });
      i++;
      continue;
    }
    const len = bytes[i + 1];
    if (len < 2 || i + len > end) return 'synack sent a malformed TCP option';
    options.push({ kind, data: bytes.slice(i + 2, i + len) });
    i += len;
  }
  return {
    bytes,
    ecn: p.ip.ecn,
    tos: (p.ip.dscp << 2) | p.ip.ecn,
    ttl: p.ip.version === 4 ? p.ip.ttl : p.ip.hopLimit,
    flowLabel: p.ip.version === 6 ? p.ip.flowLabel : 0,
    srcPort: t.srcPort,
    dstPort: t.dstPort,
    flags: t.flags,
    seq: t.seq,
    ack: t.ack,
    window: t.window,
    urgentPointer: t.urgentPointer,
    payloadLength: p.payloadLength,
    options,
    tsVal: t.options.timestamp?.value,
    tsEcr: t.options.timestamp?.echo,
  };
}

const u16 = (d: Uint8Array, i: number) => (d[i] << 8) | d[i + 1];
const u32 = (d: Uint8Array, i: number) => ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;

/** Flags as packetdrill writes them: S, S., F., P., R., ., SEW, ... */
export function flagsText(flags: number): string {
  let s = '';
  if (flags & TcpFlag.FIN) s += 'F';
  if (flags & TcpFlag.SYN) s += 'S';
  if (flags & TcpFlag.RST) s += 'R';
  if (flags & TcpFlag.PSH) s += 'P';
  if (flags & TcpFlag.URG) s += 'U';
  if (flags & TcpFlag.ECE) s += 'E';
  if (flags & TcpFlag.CWR) s += 'W';
  if (flags & TcpFlag.AE) s += 'A';
  if (flags & TcpFlag.ACK) s += '.';
  return s || '-';
}

/** Our TSval in script space (packetdrill's mapping from the first one seen). */
function scriptTsVal(live: number, flow: Flow): number {
  return flow.firstTs ? (flow.firstTs.script + (live - flow.firstTs.live)) >>> 0 : live;
}

function optionText(o: WireOption, flow: Flow): string {
  const d = o.data;
  switch (o.kind) {
    case TcpOptionKind.EOL:
      return 'eol';
    case TcpOptionKind.NOP:
      return 'nop';
    case TcpOptionKind.MSS:
      return d.length === 2 ? `mss ${u16(d, 0)}` : `mss(len ${d.length + 2})`;
    case TcpOptionKind.WSCALE:
      return d.length === 1 ? `wscale ${d[0]}` : `wscale(len ${d.length + 2})`;
    case TcpOptionKind.SACK_PERMITTED:
      return 'sackOK';
    case TcpOptionKind.SACK: {
      const blocks: string[] = [];
      for (let i = 0; i + 8 <= d.length; i += 8) blocks.push(`${u32(d, i)}:${u32(d, i + 4)}`);
      return `sack ${blocks.join(' ')}`;
    }
    case TcpOptionKind.TIMESTAMP:
      return d.length === 8 ? `TS val ${scriptTsVal(u32(d, 0), flow)} ecr ${u32(d, 4)}` : 'TS(bad length)';
    case TcpOptionKind.FAST_OPEN:
      return d.length ? `FO ${toHex(d)}` : 'FO';
    case TcpOptionKind.EXPERIMENTAL:
      // Fast Open's experimental form (RFC 7413 §4.1.1): magic 0xF989, then the cookie.
      if (d.length >= 2 && u16(d, 0) === 0xf989) return d.length > 2 ? `FOEXP ${toHex(d.subarray(2))}` : 'FOEXP';
      return `opt${o.kind}(len ${d.length + 2})`;
    default:
      return `opt${o.kind}(len ${d.length + 2})`;
  }
}

/** An outbound packet in script space, written like a script line. */
export function outPacketText(p: OutPacket, flow: Flow): string {
  const seq = (p.seq - (flow.isnOffset ?? 0)) >>> 0;
  const parts = ['>'];
  const ecnNames = ['noecn', 'ect1', 'ect0', 'ce'];
  if (p.ecn) parts.push(`[${ecnNames[p.ecn]}]`);
  parts.push(flagsText(p.flags), `${seq}:${(seq + p.payloadLength) >>> 0}(${p.payloadLength})`);
  if (p.flags & TcpFlag.ACK || p.ack !== 0) parts.push(`ack ${p.flags & TcpFlag.SYN ? p.ack : (p.ack - (flow.remoteIsn ?? 0)) >>> 0}`);
  parts.push(`win ${p.window}`);
  if (p.urgentPointer) parts.push(`urg ${p.urgentPointer}`);
  if (p.options.length) parts.push('<' + p.options.map((o) => optionText(o, flow)).join(',') + '>');
  return parts.join(' ');
}

/** Script options as wire options (SACK blocks in live space: the peer's sequence space is unmapped). */
function scriptWire(o: ScriptOption): WireOption {
  const b = (...bytes: number[]) => new Uint8Array(bytes);
  switch (o.kind) {
    case 'nop':
      return { kind: 1, data: b() };
    case 'eol':
      return { kind: 0, data: b() };
    case 'mss':
      return { kind: 2, data: b(o.value >> 8, o.value & 0xff) };
    case 'wscale':
      return { kind: 3, data: b(o.value) };
    case 'sackOK':
      return { kind: 4, data: b() };
    case 'sack': {
      const d = new Uint8Array(8 * o.blocks.length);
      o.blocks.forEach(([l, r], i) => {
        new DataView(d.buffer).setUint32(8 * i, l >>> 0);
        new DataView(d.buffer).setUint32(8 * i + 4, r >>> 0);
      });
      return { kind: 5, data: d };
    }
    case 'TS': {
      const d = new Uint8Array(8);
      new DataView(d.buffer).setUint32(0, o.val >>> 0);
      new DataView(d.buffer).setUint32(4, o.ecr >>> 0);
      return { kind: 8, data: d };
    }
    case 'FO':
      return { kind: 34, data: o.cookie ? hexBytes(o.cookie) : b() };
    case 'FOEXP': {
      const cookie = o.cookie ? hexBytes(o.cookie) : b();
      const d = new Uint8Array(2 + cookie.length);
      d.set([0xf9, 0x89]);
      d.set(cookie, 2);
      return { kind: 254, data: d };
    }
    case 'md5': {
      const d = new Uint8Array(16);
      if (/^[0-9a-fA-F]{32}$/.test(o.digest)) d.set(hexBytes(o.digest));
      return { kind: 19, data: d };
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export type Mode = 'strict' | 'lenient';

/** What lenient mode may relax, named as the output reports them. */
export type Relaxation = 'window value' | 'option order and padding' | 'timestamp values' | 'window scale shift' | 'timer durations' | 'PSH bit' | 'packets after the last expected one';

export interface CompareContext {
  mode: Mode;
  /** packetdrill's --tcp_ts_tick_usecs: TSvals are compared only when set (its default is off). */
  tsTickUs: number;
  toleranceUs: number;
  /**
   * Lenient mode takes the PSH bit as the stack's choice (the linux personality: Linux places PSH by
   * its TSO and forced-push logic, which synack does not imitate).
   */
  pshFree?: boolean;
}

export type CompareResult = { ok: true; relaxed: Relaxation[] } | { ok: false; field: string; expected: string; actual: string };

/**
 * Compare an outbound packet with the script's expectation, as packetdrill's
 * verify_outbound_live_packet does (timing is the runner's). `flow.isnOffset` must be known,
 * except for our first SYN, which sets it.
 */
export function compareOutbound(spec: PacketSpec, p: OutPacket, flow: Flow, ctx: CompareContext): CompareResult {
  const relaxed: Relaxation[] = [];
  const miss = (field: string, expected: string | number, actual: string | number): CompareResult => ({ ok: false, field, expected: String(expected), actual: String(actual) });
  const FLAG_BITS = TcpFlag.FIN | TcpFlag.SYN | TcpFlag.RST | TcpFlag.PSH | TcpFlag.ACK | TcpFlag.URG | TcpFlag.ECE | TcpFlag.CWR | TcpFlag.AE;
  if ((p.flags & FLAG_BITS) !== spec.flags) {
    // RFC 1122 §4.2.2.2: a sender MUST set PSH on the segment that empties its send queue (synack
    // does) and is free to set it anywhere else, so where else it appears is the stack's choice.
    if (ctx.mode === 'strict' || !ctx.pshFree || ((p.flags ^ spec.flags) & FLAG_BITS) !== TcpFlag.PSH) return miss('flags', spec.flagsText, flagsText(p.flags));
    relaxed.push('PSH bit');
  }
  if (p.flags & TcpFlag.RESERVED) return miss('reserved bits', 0, (p.flags & TcpFlag.RESERVED) >> 9);
  if (p.srcPort !== flow.localPort || p.dstPort !== flow.remotePort) {
    return miss('ports', `${flow.localPort} > ${flow.remotePort}`, `${p.srcPort} > ${p.dstPort}`);
  }
  // Our ISN is learnt from our first SYN (or SYN-ACK): packetdrill maps it, it does not check it.
  // A SYN's sequence number in the script is that ISN (`> S. 1234:1234(0)`); every other one is
  // relative to it (`ack 1` answers it), as the remote's are to its own (Flow.remoteIsn).
  const syn = (spec.flags & TcpFlag.SYN) !== 0;
  const isn = flow.isnOffset ?? (syn ? p.seq : 0);
  const seq = (p.seq - isn) >>> 0;
  if (seq !== (syn ? 0 : spec.start >>> 0)) return miss('sequence number', spec.start, syn ? (spec.start + seq) >>> 0 : seq);
  if (p.payloadLength !== spec.length) return miss('payload length', spec.length, p.payloadLength);
  const ack = spec.ack ?? 0;
  // Only an ACK's acknowledgment number names the remote's sequence space (a bare RST's is 0).
  const liveAck = spec.flags & TcpFlag.ACK ? remoteSeq(flow, ack, (spec.flags & TcpFlag.SYN) !== 0) : ack >>> 0;
  if (p.ack !== liveAck) return miss('acknowledgment number', ack, (p.ack - (liveAck - (ack >>> 0))) >>> 0);
  if (spec.window !== undefined && p.window !== spec.window) {
    if (ctx.mode === 'strict') return miss('window', spec.window, p.window);
    relaxed.push('window value');
  }
  if (p.urgentPointer !== spec.urgentPointer) return miss('urgent pointer', spec.urgentPointer, p.urgentPointer);
  if (spec.ecn !== undefined) {
    const want = ECN_BITS[spec.ecn];
    const ok = spec.ecn === 'ect01' ? p.ecn === 1 || p.ecn === 2 : p.ecn === want;
    if (!ok) return miss('IP ECN field', spec.ecn, ['noecn', 'ect1', 'ect0', 'ce'][p.ecn]);
  }
  // IP fields the line states (nplab's ip_info): compared exactly; those it leaves out are not.
  const hex = (v: number) => `0x${v.toString(16)}`;
  const tosName = flow.family === 4 ? 'IP TOS' : 'IPv6 traffic class';
  if (spec.ip.tos !== undefined && p.tos !== spec.ip.tos) return miss(tosName, hex(spec.ip.tos), hex(p.tos));
  if (spec.ip.dscp !== undefined && p.tos >> 2 !== spec.ip.dscp) return miss('IP DSCP', hex(spec.ip.dscp), hex(p.tos >> 2));
  if (spec.ip.ttl !== undefined && p.ttl !== spec.ip.ttl) return miss(flow.family === 4 ? 'IP TTL' : 'IPv6 hop limit', spec.ip.ttl, p.ttl);
  if (spec.ip.flowLabel !== undefined && p.flowLabel !== spec.ip.flowLabel) return miss('IPv6 flow label', hex(spec.ip.flowLabel), hex(p.flowLabel));
  if (spec.options !== undefined) {
    const r = compareOptions(spec.options, p, flow, ctx, relaxed);
    if (r) return r;
  }
  return { ok: true, relaxed };
}

function compareOptions(want: ScriptOption[], p: OutPacket, flow: Flow, ctx: CompareContext, relaxed: Relaxation[]): CompareResult | undefined {
  const expectedText = want.length ? '<' + want.map((o) => optionText(scriptWire(o), { ...flow, firstTs: undefined })).join(',') + '>' : 'no options';
  const actualText = p.options.length ? '<' + p.options.map((o) => optionText(o, flow)).join(',') + '>' : 'no options';
  const miss = (field: string): CompareResult => ({ ok: false, field, expected: expectedText, actual: actualText });
  // Our SACK blocks name the remote's sequence space: relative to its ISN in the script.
  const rIsn = flow.remoteIsn ?? 0;
  const w = want.map((o) => scriptWire(o.kind === 'sack' && rIsn !== 0 ? { ...o, blocks: o.blocks.map(([l, r]): [number, number] => [(l + rIsn) >>> 0, (r + rIsn) >>> 0]) } : o));
  // The value checks packetdrill makes for a pair of options of the same kind.
  const valueMismatch = (s: WireOption, a: WireOption): string | undefined => {
    if (s.kind === TcpOptionKind.TIMESTAMP) {
      if (a.data.length !== 8) return 'TCP timestamp option length';
      const sv = u32(s.data, 0);
      const av = scriptTsVal(u32(a.data, 0), flow);
      if (ctx.tsTickUs && Math.abs(((av - sv) | 0) * ctx.tsTickUs) > ctx.toleranceUs) {
        if (ctx.mode === 'strict') return 'TCP timestamp value';
        relaxed.push('timestamp values');
      }
      return undefined;
    }
    if (s.kind === TcpOptionKind.WSCALE && ctx.mode === 'lenient' && a.data.length === 1 && !sameBytes(s.data, a.data)) {
      relaxed.push('window scale shift');
      return undefined;
    }
    if (s.data.length !== a.data.length) return `length of option ${kindName(s.kind)}`;
    if (!sameBytes(s.data, a.data)) return `value of option ${kindName(s.kind)}`;
    return undefined;
  };
  const sameSequence = w.length === p.options.length && w.every((o, i) => o.kind === p.options[i].kind);
  if (ctx.mode === 'strict' || sameSequence) {
    if (!sameSequence) return miss('TCP options (kinds and order)');
    for (let i = 0; i < w.length; i++) {
      const m = valueMismatch(w[i], p.options[i]);
      if (m) return miss(m);
    }
    return undefined;
  }
  // Lenient: the same options, in any order, with any NOP/EOL padding.
  const real = (list: WireOption[]) => list.filter((o) => o.kind !== TcpOptionKind.NOP && o.kind !== TcpOptionKind.EOL);
  const ws = real(w);
  const as = real(p.options);
  const kinds = (list: WireOption[]) => list.map((o) => o.kind).sort((a, b) => a - b).join(',');
  if (kinds(ws) !== kinds(as)) return miss('TCP options present');
  const used = new Set<number>();
  for (const s of ws) {
    const j = as.findIndex((a, k) => !used.has(k) && a.kind === s.kind);
    used.add(j);
    const m = valueMismatch(s, as[j]);
    if (m) return miss(m);
  }
  relaxed.push('option order and padding');
  return undefined;
}

/** Option kinds by packetdrill's names for them. */
const KIND_NAMES: Readonly<Record<number, string>> = {
  [TcpOptionKind.MSS]: 'mss',
  [TcpOptionKind.WSCALE]: 'wscale',
  [TcpOptionKind.SACK_PERMITTED]: 'sackOK',
  [TcpOptionKind.SACK]: 'sack',
  [TcpOptionKind.TIMESTAMP]: 'TS',
  [TcpOptionKind.FAST_OPEN]: 'FO',
};

function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

/** After a match: learn our ISN from a SYN, and our TSval mapping (for the echo of later inbound packets). */
export function learnFromOutbound(spec: PacketSpec, p: OutPacket, flow: Flow): void {
  if (flow.isnOffset === undefined && spec.flags & TcpFlag.SYN) flow.isnOffset = p.seq >>> 0;
  const ts = spec.options?.find((o): o is Extract<ScriptOption, { kind: 'TS' }> => o.kind === 'TS');
  if (ts && p.tsVal !== undefined) {
    flow.tsMap.set(ts.val, p.tsVal);
    flow.firstTs ??= { script: ts.val, live: p.tsVal };
  }
}

/**
 * Linux's TSO as packetdrill's tun device sees it: one expected segment longer than the MSS is what
 * the kernel handed the device at once. It matches the run of segments at the head of `queue` sent at
 * the same instant on the same connection, back to back in sequence, whose bytes add up to it exactly;
 * the run's flags are the union of its segments' (a FIN only on the last), its options and window the
 * last segment's. undefined when the expectation is not such a burst (one segment matches as ever).
 */
export function tsoBurst(queue: readonly { packet: OutPacket; timeUs: number }[], spec: PacketSpec): { packet: OutPacket; count: number } | undefined {
  if (spec.flags & (TcpFlag.SYN | TcpFlag.RST)) return undefined;
  const first = queue[0]?.packet;
  if (!first || first.payloadLength === 0 || first.payloadLength >= spec.length) return undefined;
  let bytes = 0;
  let flags = 0;
  let last = first;
  let count = 0;
  for (const q of queue) {
    const p = q.packet;
    const contiguous = count === 0 || (q.timeUs === queue[0].timeUs && p.srcPort === first.srcPort && p.dstPort === first.dstPort && p.seq === (last.seq + last.payloadLength) >>> 0 && !(last.flags & TcpFlag.FIN));
    if (!contiguous || p.payloadLength === 0 || p.flags & (TcpFlag.SYN | TcpFlag.RST)) break;
    bytes += p.payloadLength;
    flags |= p.flags;
    last = p;
    count++;
    if (bytes >= spec.length) break;
  }
  if (count < 2 || bytes !== spec.length) return undefined;
  return { packet: { ...last, seq: first.seq, flags, payloadLength: bytes }, count };
}
