/**
 * Acceptance: a pcap written by synack opens in tshark with zero malformed packets and every
 * checksum good (`tshark -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE`), and tshark reads
 * back the header fields and options that were encoded.
 *
 * The independent oracle is tshark; the expected values come from the packet specs written here
 * (not from synack's decoder). With checksum checking on, tshark 4.x prints `*.checksum.status` in
 * `-T fields` as a number: 0 = Bad, 1 = Good, 2 = Unverified; only 1 is accepted for TCP and IPv4.
 * A negative control (wrong checksums, a bogus data offset) proves the checks can fail.
 */
import { toHex as hex } from '../../src/wire/bytes.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeTcpPacket, type TcpPacketSpec } from '../../src/wire/packet.js';
import { encodePcap } from '../../src/wire/pcap.js';
import { requireTshark, TSHARK, tsharkSkip } from './tshark.js';

const skip = tsharkSkip;

// ---- addresses, written out by hand (bytes and RFC 5952 text) --------------------------------

interface V4 {
  text: string;
  num: number;
}
function v4(a: number, b: number, c: number, d: number): V4 {
  return { text: `${a}.${b}.${c}.${d}`, num: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0 };
}
interface V6 {
  text: string;
  bytes: Uint8Array;
}
const A4 = v4(192, 0, 2, 1);
const B4 = v4(198, 51, 100, 200);
/** 2001:db8::1 and 2001:db8:0:1::2 (RFC 3849 documentation prefix). */
const A6: V6 = { text: '2001:db8::1', bytes: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) };
const B6: V6 = { text: '2001:db8:0:1::2', bytes: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]) };

// RFC 9293 §3.1 flag bits, written out here rather than imported.
const FIN = 0x001,
  SYN = 0x002,
  RST = 0x004,
  PSH = 0x008,
  ACK = 0x010,
  URG = 0x020,
  ECE = 0x040,
  CWR = 0x080,
  AE = 0x100;

function payload(n: number, seed = 0): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 7 + seed * 13 + 3) & 0xff;
  return p;
}



interface Case {
  name: string;
  spec: TcpPacketSpec;
  /** Addresses as tshark prints them. */
  src: string;
  dst: string;
}

let port = 40000;
/** A case between A and B of the given family; each case gets its own port pair so streams stay apart. */
interface IpExtra {
  ttl?: number;
  hopLimit?: number;
  dscp?: number;
  ecn?: number;
  flowLabel?: number;
  options?: Uint8Array;
  extensionHeaders?: Uint8Array;
  nextHeader?: number;
}
interface Extra {
  ip?: IpExtra;
  payload?: Uint8Array;
  tcpChecksum?: number;
}
function mk(name: string, family: 4 | 6, tcp: Partial<TcpPacketSpec['tcp']>, extra: Extra = {}): Case {
  const srcPort = port++;
  const ip: TcpPacketSpec['ip'] =
    family === 4 ? { version: 4, src: A4.num, dst: B4.num, ...extra.ip } : { version: 6, src: A6.bytes, dst: B6.bytes, ...extra.ip };
  return {
    name,
    src: family === 4 ? A4.text : A6.text,
    dst: family === 4 ? B4.text : B6.text,
    spec: {
      ip,
      tcp: { srcPort, dstPort: 50000 + (srcPort % 1000), seq: 1000, ack: 0, flags: ACK, window: 512, urgentPointer: 0, ...tcp },
      ...(extra.payload ? { payload: extra.payload } : {}),
      ...(extra.tcpChecksum !== undefined ? { tcpChecksum: extra.tcpChecksum } : {}),
    },
  };
}

const TS = { value: 0x01020304, echo: 0xfedcba98 };
/** An 8-byte hop-by-hop or destination-options header: next header, length 0, PadN of 4 (RFC 8200 §4.2). */
const extHeader = (next: number): number[] => [next, 0, 1, 4, 0, 0, 0, 0];

function cases(): Case[] {
  port = 40000;
  const c: Case[] = [];
  // Handshake, both families; sequence numbers near the wrap.
  c.push(mk('v4 SYN mss+sackOK+ts+wscale', 4, { flags: SYN, seq: 0xfffffff0, window: 64240, options: { mss: 1460, sackPermitted: true, timestamp: TS, wscale: 7 } }));
  c.push(
    mk('v4 SYN-ACK', 4, { flags: SYN | ACK, seq: 0x7fffffff, ack: 0xfffffff1, window: 65160, options: { mss: 1400, sackPermitted: true, timestamp: { value: 7, echo: 0x01020304 }, wscale: 14 } }, { ip: { ttl: 255 } }),
  );
  c.push(mk('v4 pure ACK, window 0, ts', 4, { flags: ACK, seq: 0xfffffff1, ack: 0x80000000, window: 0, options: { timestamp: { value: 0xffffffff, echo: 0 } } }));
  c.push(mk('v6 SYN all options', 6, { flags: SYN, seq: 0, window: 65535, options: { mss: 1440, sackPermitted: true, timestamp: TS, wscale: 0 } }, { ip: { hopLimit: 255, flowLabel: 0xabcde } }));
  c.push(mk('v6 SYN-ACK no options', 6, { flags: SYN | ACK, seq: 0xffffffff, ack: 1 }));
  // Data with PSH: empty, odd, even and near-MSS payloads.
  [0, 1, 3, 2, 517, 1399, 1400].forEach((n, i) => c.push(mk(`v4 PSH+ACK ${n} bytes`, 4, { flags: PSH | ACK, seq: 0xffffff00 + i, ack: 12345 }, { payload: payload(n, i) })));
  [0, 1, 1001, 1400].forEach((n, i) => c.push(mk(`v6 PSH+ACK ${n} bytes`, 6, { flags: PSH | ACK, seq: 77 + i, ack: 0xdeadbeef, options: { timestamp: TS } }, { payload: payload(n, i + 10) })));
  // Closing and aborting.
  c.push(mk('v4 FIN+ACK', 4, { flags: FIN | ACK, seq: 5000, ack: 6000 }));
  c.push(mk('v4 FIN alone', 4, { flags: FIN, seq: 5001 }));
  c.push(mk('v4 RST', 4, { flags: RST, seq: 0x12345678, window: 0 }));
  c.push(mk('v4 RST+ACK', 4, { flags: RST | ACK, seq: 0, ack: 0x12345679, window: 0 }));
  c.push(mk('v6 RST+ACK', 6, { flags: RST | ACK, seq: 0, ack: 42, window: 0 }));
  c.push(mk('v6 FIN+PSH+ACK with data', 6, { flags: FIN | PSH | ACK, seq: 9, ack: 10 }, { payload: payload(33) }));
  // SACK: 1..3 blocks beside timestamps (40 bytes of option space), 4 blocks without.
  const ack = 0x10000000;
  const blocks: [number, number][] = [
    [ack + 1000, ack + 2000],
    [ack + 3000, ack + 4500],
    [ack + 6000, ack + 6001],
    [ack + 0x7000, 0x00000010], // right edge past the wrap
  ];
  for (let n = 1; n <= 3; n++) c.push(mk(`v4 ACK ${n} SACK blocks + ts`, 4, { flags: ACK, seq: 1, ack, options: { timestamp: TS, sack: blocks.slice(0, n) } }));
  c.push(mk('v4 ACK 4 SACK blocks', 4, { flags: ACK, seq: 1, ack, options: { sack: blocks.slice(0, 4) } }));
  c.push(mk('v6 ACK 3 SACK blocks + ts', 6, { flags: ACK, seq: 1, ack, options: { timestamp: TS, sack: blocks.slice(0, 3) } }));
  c.push(mk('v6 ACK 4 SACK blocks', 6, { flags: ACK, seq: 1, ack, options: { sack: blocks.slice(0, 4) } }));
  // TCP Fast Open (RFC 7413): cookies of 4, 8 and 16 bytes, and the cookie request.
  c.push(mk('v4 SYN TFO cookie request', 4, { flags: SYN, options: { mss: 1460, fastOpenCookie: new Uint8Array(0) } }));
  c.push(mk('v4 SYN TFO 8-byte cookie + data', 4, { flags: SYN, options: { mss: 1460, fastOpenCookie: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0xf8]) } }, { payload: payload(100) }));
  c.push(mk('v6 SYN TFO 4-byte cookie', 6, { flags: SYN, options: { mss: 1440, fastOpenCookie: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) } }));
  c.push(mk('v4 SYN-ACK TFO 16-byte cookie', 4, { flags: SYN | ACK, ack: 1, options: { mss: 1460, fastOpenCookie: payload(16, 99) } }));
  // An option kind nobody implements (RFC 9293 §3.1: kept and ignored).
  c.push(mk('v4 unknown option kind 200', 4, { flags: ACK, options: { unknown: [{ kind: 200, data: Uint8Array.from([9, 8, 7, 6]) }] } }));
  c.push(mk('v6 unknown option kind 201 empty + ts', 6, { flags: PSH | ACK, options: { timestamp: TS, unknown: [{ kind: 201, data: new Uint8Array(0) }] } }, { payload: payload(7) }));
  // Urgent data, ECN.
  c.push(mk('v4 URG+PSH+ACK urgent pointer 5', 4, { flags: URG | PSH | ACK, ack: 3, urgentPointer: 5 }, { payload: payload(10) }));
  c.push(mk('v4 SYN+ECE+CWR (ECN setup)', 4, { flags: SYN | ECE | CWR, options: { mss: 536 } }));
  c.push(mk('v4 SYN-ACK+ECE', 4, { flags: SYN | ACK | ECE, ack: 1, options: { mss: 536 } }));
  c.push(mk('v4 CWR+PSH+ACK data ECT(0), DSCP 46', 4, { flags: CWR | PSH | ACK, ack: 1 }, { payload: payload(20), ip: { ecn: 2, dscp: 46 } }));
  c.push(mk('v4 ECE+ACK CE-marked', 4, { flags: ECE | ACK, ack: 1 }, { ip: { ecn: 3 } }));
  c.push(mk('v6 AE+ACK ECT(1), DSCP 10', 6, { flags: AE | ACK, ack: 1 }, { ip: { ecn: 1, dscp: 10 } }));
  // IPv4 options; IPv6 extension headers.
  c.push(mk('v4 options NOP,NOP,NOP,EOL', 4, { flags: PSH | ACK, ack: 1 }, { payload: payload(9), ip: { options: Uint8Array.from([1, 1, 1, 0]) } }));
  c.push(mk('v4 options Router Alert', 4, { flags: ACK, ack: 1 }, { ip: { options: Uint8Array.from([0x94, 0x04, 0, 0]) } }));
  c.push(
    mk('v6 hop-by-hop + destination options', 6, { flags: PSH | ACK, ack: 1, options: { timestamp: TS } }, { payload: payload(5), ip: { nextHeader: 0, extensionHeaders: Uint8Array.from([...extHeader(60), ...extHeader(6)]) } }),
  );
  c.push(mk('v6 destination options only, SYN', 6, { flags: SYN, options: { mss: 1220 } }, { ip: { nextHeader: 60, extensionHeaders: Uint8Array.from(extHeader(6)) } }));
  return c;
}

// ---- running tshark --------------------------------------------------------------------------

const FIELDS = [
  'frame.number',
  '_ws.malformed',
  '_ws.expert.severity',
  '_ws.expert.group',
  '_ws.expert.message',
  'ip.version',
  'ip.src',
  'ip.dst',
  'ip.ttl',
  'ip.hdr_len',
  'ip.dsfield.dscp',
  'ip.dsfield.ecn',
  'ip.checksum.status',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.hlim',
  'ipv6.flow',
  'ipv6.tclass.dscp',
  'ipv6.tclass.ecn',
  'ipv6.nxt',
  'ipv6.hopopts.nxt',
  'ipv6.dstopts.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.window_size_value',
  'tcp.len',
  'tcp.urgent_pointer',
  'tcp.checksum.status',
  'tcp.option_kind',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.sack_le',
  'tcp.options.sack_re',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.options.tfo.cookie',
  'tcp.options.tfo.request',
  'tcp.payload',
];

type Row = Record<string, string>;

const list = (cell: string): string[] => (cell === '' ? [] : cell.split(' '));

/** Dissect `file` with checksum verification on; one row per frame, keyed by field name. */
function dissect(file: string): Row[] {
  const args = [
    '-r', file,
    '-n',
    '-o', 'tcp.check_checksum:TRUE',
    '-o', 'ip.check_checksum:TRUE',
    '-o', 'tcp.relative_sequence_numbers:FALSE',
    // The packets are unrelated one-offs: sequence analysis would only add noise about gaps.
    '-o', 'tcp.analyze_sequence_numbers:FALSE',
    '-T', 'fields',
    '-E', 'header=y',
    '-E', 'separator=/t',
    '-E', 'occurrence=a',
    '-E', 'aggregator=/s',
    ...FIELDS.flatMap((f) => ['-e', f]),
  ];
  const r = spawnSync(TSHARK, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.error, undefined, `tshark failed to run: ${r.error?.message}`);
  assert.equal(r.status, 0, `tshark exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const header = lines[0].split('\t');
  assert.deepEqual(header, FIELDS, 'tshark printed the header it was asked for');
  return lines.slice(1).map((line, i) => {
    const cells = line.split('\t');
    assert.equal(cells.length, FIELDS.length, `row ${i + 1} has ${cells.length} cells: ${JSON.stringify(line)}`);
    return Object.fromEntries(FIELDS.map((f, j) => [f, cells[j]]));
  });
}

/** Expert-info severities and groups (epan/proto.h). */
const PI_WARN = 0x00600000;
const PI_ERROR = 0x00800000;
const PI_SEQUENCE = 0x02000000;
const PI_MALFORMED = 0x07000000;

/**
 * What tshark found wrong with a frame: a malformed mark, a malformed-group item, an error, or a
 * warning about the protocol. Sequence-group warnings are commentary on the conversation (tshark
 * warns "Connection reset (RST)" on every RST), not on the packet's form, so they are allowed.
 */
function problems(row: Row): string[] {
  const out: string[] = [];
  if (row['_ws.malformed'] !== '') out.push(`malformed: ${row['_ws.malformed']}`);
  const sev = list(row['_ws.expert.severity']).map(Number);
  const grp = list(row['_ws.expert.group']).map(Number);
  assert.equal(sev.length, grp.length, 'one group per expert item');
  sev.forEach((s, i) => {
    const g = grp[i];
    if (g === PI_MALFORMED || s >= PI_ERROR || (s >= PI_WARN && g !== PI_SEQUENCE)) {
      out.push(`expert item (severity 0x${s.toString(16)}, group 0x${g.toString(16)}) among: ${row['_ws.expert.message']}`);
    }
  });
  return out;
}

function withPcap<T>(packets: Uint8Array[], fn: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-pcap-tshark-'));
  try {
    const file = path.join(dir, 'out.pcap');
    writeFileSync(file, encodePcap(packets.map((data, i) => ({ data, timeMs: 1_700_000_000_000 + i * 1.5 }))));
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The field values tshark must show for a case, derived from its spec alone. */
function expected(c: Case): Row {
  const { ip, tcp } = c.spec;
  const o = tcp.options ?? {};
  const e: Row = {};
  e['ip.version'] = String(ip.version);
  if (ip.version === 4) {
    e['ip.src'] = c.src;
    e['ip.dst'] = c.dst;
    e['ip.ttl'] = String(ip.ttl ?? 64);
    e['ip.hdr_len'] = String(20 + (ip.options?.length ?? 0));
    e['ip.dsfield.dscp'] = String(ip.dscp ?? 0);
    e['ip.dsfield.ecn'] = String(ip.ecn ?? 0);
    e['ip.checksum.status'] = '1';
    e['ipv6.src'] = '';
  } else {
    e['ipv6.src'] = c.src;
    e['ipv6.dst'] = c.dst;
    e['ipv6.hlim'] = String(ip.hopLimit ?? 64);
    e['ipv6.flow'] = String(ip.flowLabel ?? 0);
    e['ipv6.tclass.dscp'] = String(ip.dscp ?? 0);
    e['ipv6.tclass.ecn'] = String(ip.ecn ?? 0);
    e['ipv6.nxt'] = String(ip.extensionHeaders?.length ? ip.nextHeader : 6);
    e['ip.src'] = '';
    e['ip.checksum.status'] = '';
  }
  e['tcp.srcport'] = String(tcp.srcPort);
  e['tcp.dstport'] = String(tcp.dstPort);
  e['tcp.seq_raw'] = String(tcp.seq);
  e['tcp.ack_raw'] = String(tcp.ack);
  e['tcp.flags'] = String(tcp.flags);
  e['tcp.window_size_value'] = String(tcp.window);
  e['tcp.len'] = String(c.spec.payload?.length ?? 0);
  e['tcp.urgent_pointer'] = String(tcp.urgentPointer);
  e['tcp.checksum.status'] = '1';
  e['tcp.options.mss_val'] = o.mss !== undefined ? String(o.mss) : '';
  e['tcp.options.wscale.shift'] = o.wscale !== undefined ? String(o.wscale) : '';
  e['tcp.options.sack_perm'] = o.sackPermitted ? 'present' : '';
  e['tcp.options.sack_le'] = o.sack ? o.sack.map((b) => b[0]).join(' ') : '';
  e['tcp.options.sack_re'] = o.sack ? o.sack.map((b) => b[1]).join(' ') : '';
  e['tcp.options.timestamp.tsval'] = o.timestamp ? String(o.timestamp.value) : '';
  e['tcp.options.timestamp.tsecr'] = o.timestamp ? String(o.timestamp.echo) : '';
  e['tcp.options.tfo.cookie'] = o.fastOpenCookie?.length ? hex(o.fastOpenCookie) : '';
  e['tcp.options.tfo.request'] = o.fastOpenCookie && o.fastOpenCookie.length === 0 ? '1' : '';
  // The kinds present, NOP and EOL padding aside (their number depends on the layout chosen).
  const kinds: number[] = [];
  if (o.mss !== undefined) kinds.push(2);
  if (o.wscale !== undefined) kinds.push(3);
  if (o.sackPermitted) kinds.push(4);
  if (o.sack) kinds.push(5);
  if (o.timestamp) kinds.push(8);
  if (o.fastOpenCookie) kinds.push(34);
  for (const u of o.unknown ?? []) kinds.push(u.kind);
  e['tcp.option_kind'] = kinds.sort((a, b) => a - b).join(' ');
  e['tcp.payload'] = c.spec.payload?.length ? hex(c.spec.payload) : '';
  return e;
}

/** The row as `expected` renders it: option kinds sorted without NOP/EOL, hex fields as decimal, presence-only fields as 'present'. */
function observed(row: Row, keys: string[]): Row {
  const o: Row = {};
  for (const k of keys) {
    let v = row[k];
    if (k === 'tcp.option_kind') {
      v = list(v)
        .map(Number)
        .filter((kind) => kind > 1)
        .sort((a, b) => a - b)
        .join(' ');
    } else if ((k === 'tcp.flags' || k === 'ipv6.flow') && /^0x[0-9a-f]+$/i.test(v)) {
      // Printed in hex ("0x0012", "0x0abcde"); compared as numbers.
      v = String(parseInt(v, 16));
    } else if (k === 'tcp.options.sack_perm') {
      v = v === '' ? '' : 'present';
    } else if (k === 'tcp.payload') {
      v = v.replace(/:/g, '').toLowerCase();
    } else if (k === 'tcp.options.tfo.cookie') {
      v = v.replace(/:/g, '').toLowerCase();
    }
    o[k] = v;
  }
  return o;
}

test('a pcap written by synack opens in tshark: no malformed packets, every checksum good, every field as encoded', { skip }, () => {
  requireTshark();
  const all = cases();
  const packets = all.map((c) => encodeTcpPacket(c.spec));
  const rows = withPcap(packets, dissect);
  assert.equal(rows.length, all.length, 'tshark sees as many frames as were written');
  rows.forEach((row, i) => {
    const c = all[i];
    const where = `frame ${i + 1} (${c.name})`;
    assert.equal(row['frame.number'], String(i + 1), where);
    assert.deepEqual(problems(row), [], `${where}: tshark reports problems`);
    const e = expected(c);
    const keys = Object.keys(e);
    const got = observed(row, keys);
    for (const k of keys) assert.equal(got[k], e[k], `${where}: ${k}`);
  });
});

test('tshark checksum statuses: Good is 1 for every TCP and IPv4 checksum, and unverified is not accepted', { skip }, () => {
  requireTshark();
  const all = cases();
  const rows = withPcap(
    all.map((c) => encodeTcpPacket(c.spec)),
    dissect,
  );
  const statuses = new Set(rows.flatMap((r) => [r['tcp.checksum.status'], ...(r['ip.version'] === '4' ? [r['ip.checksum.status']] : [])]));
  assert.deepEqual([...statuses], ['1']);
});

test('negative control: tshark reports a wrong TCP checksum, a wrong IPv4 header checksum and a bogus data offset', { skip }, () => {
  requireTshark();
  const good4 = mk('v4', 4, { flags: PSH | ACK, ack: 1 }, { payload: payload(11) });
  const good6 = mk('v6', 6, { flags: PSH | ACK, ack: 1 }, { payload: payload(11) });
  // The correct checksum, from encoding without an override; XOR 0x5555 can never be congruent to it.
  const correct = (c: Case): number => {
    const p = encodeTcpPacket(c.spec);
    const at = (c.spec.ip.version === 4 ? 20 : 40) + 16;
    return (p[at] << 8) | p[at + 1];
  };
  const bad4 = encodeTcpPacket({ ...good4.spec, tcpChecksum: correct(good4) ^ 0x5555 });
  const bad6 = encodeTcpPacket({ ...good6.spec, tcpChecksum: correct(good6) ^ 0x5555 });
  const badIp = encodeTcpPacket(good4.spec).slice();
  badIp[10] ^= 0x01; // IPv4 header checksum field
  const badOffset = encodeTcpPacket(mk('v4 no payload', 4, { flags: ACK }).spec).slice();
  badOffset[20 + 12] = 0xf0; // data offset 15 words in a 20-byte segment
  const rows = withPcap([bad4, bad6, badIp, badOffset, encodeTcpPacket(good4.spec)], dissect);
  assert.equal(rows.length, 5);
  assert.equal(rows[0]['tcp.checksum.status'], '0', 'IPv4 TCP checksum reported Bad');
  assert.equal(rows[0]['ip.checksum.status'], '1');
  assert.equal(rows[1]['tcp.checksum.status'], '0', 'IPv6 TCP checksum reported Bad');
  assert.equal(rows[2]['ip.checksum.status'], '0', 'IPv4 header checksum reported Bad');
  assert.notDeepEqual(problems(rows[0]), [], 'a bad checksum is an expert error');
  assert.ok(
    problems(rows[3]).some((p) => p.startsWith('malformed')),
    `a data offset past the segment is malformed: ${JSON.stringify(problems(rows[3]))}`,
  );
  // And the well-formed copy beside them is clean, so the checks distinguish.
  assert.deepEqual(problems(rows[4]), []);
  assert.equal(rows[4]['tcp.checksum.status'], '1');
  assert.equal(rows[4]['ip.checksum.status'], '1');
});
