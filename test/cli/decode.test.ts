/**
 * The `synack` command as a user runs it: a child process on the built CLI, with capture files
 * built byte by byte here (pcap format, Ethernet, RFC 791/8200/9293 headers).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, runCli, type CliResult } from '../checkout.js';

const dir = mkdtempSync(path.join(tmpdir(), 'synack-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function synack(...args: string[]): CliResult {
  return runCli(args, { maxBuffer: 64 * 1024 * 1024 });
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

function file(name: string, content: Uint8Array | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

// ---- bytes, by hand --------------------------------------------------------------------------

const bytes = (...b: number[]): number[] => b;
const be16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const be32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** RFC 1071 checksum of the 16-bit big-endian words of `data` (odd byte padded with zero). */
function rfc1071(data: number[]): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i] << 8) | (data[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const SRC = [10, 0, 0, 1];
const DST = [10, 0, 0, 2];

/** An IPv4 header (RFC 791) with a correct checksum, followed by `payload`. */
function ipv4(protocol: number, payload: number[], o: { moreFragments?: boolean; fragmentOffset?: number; totalLength?: number; version?: number } = {}): number[] {
  const fragment = o.moreFragments || (o.fragmentOffset ?? 0) !== 0;
  // DF on whole packets; MF and the offset (in 8-byte units) on fragments.
  const flagsFrag = (fragment ? 0 : 0x4000) | (o.moreFragments ? 0x2000 : 0) | (o.fragmentOffset ?? 0);
  const h = [((o.version ?? 4) << 4) | 5, 0, ...be16(o.totalLength ?? 20 + payload.length), ...be16(0x1234), ...be16(flagsFrag), 64, protocol, 0, 0, ...SRC, ...DST];
  const c = rfc1071(h);
  h[10] = c >>> 8;
  h[11] = c & 0xff;
  return [...h, ...payload];
}

const MAC_A = [2, 0, 0, 0, 0, 1];
const MAC_B = [2, 0, 0, 0, 0, 2];
const ethernet = (etherType: number, payload: number[]): number[] => [...MAC_B, ...MAC_A, ...be16(etherType), ...payload];

/** A 20-byte TCP header; `dataOffset` in words. */
function tcpHeader(o: { dataOffset?: number; flags: number; checksum?: number }): number[] {
  return [...be16(1234), ...be16(80), ...be32(1), ...be32(2), ((o.dataOffset ?? 5) << 4), o.flags, ...be16(1000), ...be16(o.checksum ?? 0), ...be16(0)];
}

/** A whole IPv4 TCP segment with its checksum over the RFC 9293 §3.1 pseudo-header. */
function tcpSegment(payload: number[]): number[] {
  const seg = [...tcpHeader({ flags: 0x18 }), ...payload];
  const pseudo = [...SRC, ...DST, 0, 6, ...be16(seg.length)];
  const c = rfc1071([...pseudo, ...seg]);
  seg[16] = c >>> 8;
  seg[17] = c & 0xff;
  return seg;
}

/** A little-endian microsecond pcap of Ethernet frames (LINKTYPE_ETHERNET = 1). */
function pcap(frames: number[][], cut = 0): Uint8Array {
  const parts: number[] = [];
  const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const le16 = (v: number): number[] => [v & 0xff, v >>> 8];
  parts.push(...le32(0xa1b2c3d4), ...le16(2), ...le16(4), ...le32(0), ...le32(0), ...le32(65535), ...le32(1));
  frames.forEach((f, i) => parts.push(...le32(1_700_000_000 + i), ...le32(250_000 * i), ...le32(f.length), ...le32(f.length), ...f));
  return Uint8Array.from(parts.slice(0, parts.length - cut));
}

const ARP_REQUEST = bytes(0, 1, 8, 0, 6, 4, 0, 1, ...MAC_A, ...SRC, 0, 0, 0, 0, 0, 0, ...DST);
const UDP = bytes(...be16(5353), ...be16(5353), ...be16(12), 0, 0, 1, 2, 3, 4);

/**
 * Frames that are not TCP segments synack can decode, and the reason each must be given (in --json,
 * which holds TCP segments only). `line`: what the text output prints instead of the reason, for the
 * frames it has a tcpdump-like line for (UDP, ARP).
 */
const notDecodable: { frame: number[]; reason: string; why: string; line?: RegExp }[] = [
  { frame: ethernet(0x0800, ipv4(17, UDP)), reason: 'not-tcp', why: 'UDP', line: / IP 10\.0\.0\.1\.5353 > 10\.0\.0\.2\.5353: UDP, length 4$/ },
  { frame: ethernet(0x0800, ipv4(6, tcpHeader({ flags: 0x10 }), { moreFragments: true })), reason: 'fragment', why: 'first IPv4 fragment (MF)' },
  { frame: ethernet(0x0800, ipv4(6, [1, 2, 3, 4, 5, 6, 7, 8], { fragmentOffset: 185 })), reason: 'fragment', why: 'later IPv4 fragment (offset)' },
  { frame: ethernet(0x0806, ARP_REQUEST), reason: 'not-ip', why: 'ARP', line: / ARP, Request who-has 10\.0\.0\.2 tell 10\.0\.0\.1, length 28$/ },
  { frame: ethernet(0x0800, ipv4(6, tcpHeader({ flags: 0x10 }).slice(0, 10))), reason: 'truncated', why: 'a 10-byte TCP header' },
  { frame: ethernet(0x0800, ipv4(6, tcpHeader({ flags: 0x10, dataOffset: 3 }))), reason: 'bad-data-offset', why: 'data offset 3' },
  { frame: ethernet(0x0800, ipv4(6, tcpHeader({ flags: 0x10, dataOffset: 8 }))), reason: 'bad-data-offset', why: 'data offset past the segment' },
  { frame: ethernet(0x0800, ipv4(6, tcpHeader({ flags: 0x10 }), { totalLength: 60 })), reason: 'truncated', why: 'IPv4 total length past the frame' },
  { frame: ethernet(0x0800, ipv4(6, tcpHeader({ flags: 0x10 }), { version: 5 })), reason: 'bad-version', why: 'IP version 5' },
  { frame: MAC_A.slice(0, 5), reason: 'truncated', why: 'a 5-byte Ethernet frame' },
];

describe('synack decode: frames it cannot decode', () => {
  const good = ethernet(0x0800, ipv4(6, tcpSegment([0x68, 0x69, 0x0a])));
  const frames = [good, ...notDecodable.map((c) => c.frame), good];
  const capture = file('mixed.pcap', pcap(frames));

  test('--json: one {frame, error, detail} line per bad frame, with the reason; exit 0', () => {
    const r = synack('decode', '--json', capture);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(out.length, frames.length);
    notDecodable.forEach((c, i) => {
      const o = out[i + 1];
      assert.deepEqual(Object.keys(o).sort(), ['detail', 'error', 'frame'], `${c.why}: ${JSON.stringify(o)}`);
      assert.equal(o.frame, i + 2, c.why);
      assert.equal(o.error, c.reason, `${c.why}: ${JSON.stringify(o)}`);
      assert.equal(typeof o.detail, 'string');
      assert.ok((o.detail as string).length > 0, `${c.why}: a detail`);
    });
    assert.match(String(out[1].detail), /17/, 'the detail of not-tcp names the protocol');
  });

  test('--json: the TCP frames around them decode, checksum verified', () => {
    const out = lines(synack('decode', '--json', capture).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const i of [0, frames.length - 1]) {
      assert.deepEqual(out[i], {
        frame: i + 1,
        ipVersion: 4,
        src: '10.0.0.1',
        dst: '10.0.0.2',
        ttl: 64,
        ecn: 0,
        srcPort: 1234,
        dstPort: 80,
        seq: 1,
        ack: 2,
        flags: 0x18,
        window: 1000,
        payloadLength: 3,
        checksum: (good[14 + 20 + 16] << 8) | good[14 + 20 + 17],
        checksumValid: true,
        urgentPointer: 0,
        options: {},
      });
    }
  });

  test('text: one line per frame: the UDP and ARP ones as tcpdump prints them, the reason on the others; exit 0', () => {
    const r = synack('decode', capture);
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, frames.length);
    out.forEach((l, i) => assert.match(l, new RegExp(`^\\s*${i + 1} \\d+\\.\\d{6} `), l));
    assert.match(out[0], /^\s*1 0\.000000 IP 10\.0\.0\.1\.1234 > 10\.0\.0\.2\.80: Flags \[P\.\], seq 1:4, ack 2, win 1000, length 3$/);
    notDecodable.forEach((c, i) => {
      if (c.line) assert.match(out[i + 1], c.line, c.why);
      else assert.ok(out[i + 1].includes(`${c.reason}: `), `${c.why}: ${out[i + 1]}`);
    });
    // Times are relative to the first frame: frame 2 is 1.25 s after frame 1.
    assert.match(out[1], /^\s*2 1\.250000 /);
  });
});

describe('synack decode: files it cannot read', () => {
  const oneLine = (stderr: string): void => assert.equal(lines(stderr).length, 1, `one line on stderr: ${JSON.stringify(stderr)}`);

  test('a file that does not exist: non-zero exit, one line naming it', () => {
    const missing = path.join(dir, 'no-such.pcap');
    const r = synack('decode', missing);
    assert.notEqual(r.status, 0);
    oneLine(r.stderr);
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.equal(r.stdout, '');
  });

  test('a directory: non-zero exit, one line', () => {
    const r = synack('decode', '--json', dir);
    assert.notEqual(r.status, 0);
    oneLine(r.stderr);
  });

  test('a file that is not a capture: non-zero exit, one line', () => {
    for (const [name, content] of [
      ['notes.txt', 'these are not packets\n'],
      ['empty.pcap', ''],
      ['short.pcap', pcap([]).subarray(0, 20)],
    ] as const) {
      const r = synack('decode', file(name, content));
      assert.notEqual(r.status, 0, name);
      oneLine(r.stderr);
      assert.match(r.stderr, /bad-capture/, name);
      assert.equal(r.stdout, '', name);
    }
  });

  test('a capture cut off mid-record: the frames before it, then one line on stderr and a non-zero exit', () => {
    const good = ethernet(0x0800, ipv4(6, tcpSegment([1])));
    const r = synack('decode', '--json', file('cut.pcap', pcap([good, good, good], 5)));
    assert.notEqual(r.status, 0);
    assert.deepEqual(
      lines(r.stdout).map((l) => (JSON.parse(l) as { frame: number }).frame),
      [1, 2],
    );
    oneLine(r.stderr);
    assert.match(r.stderr, /truncated/);
  });
});

describe('synack: usage', () => {
  test('--help, help and no arguments print the commands and exit 0', () => {
    for (const args of [['--help'], ['-h'], ['help'], []]) {
      const r = synack(...args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /usage: synack COMMAND/);
      assert.match(r.stdout, /^\s+decode\s/m);
    }
  });

  test('decode --help prints its usage and exits 0', () => {
    const r = synack('decode', '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^usage: synack decode FILE \[--json\]/);
    assert.equal(r.stderr, '');
  });

  test('--version prints the version in package.json', () => {
    const r = synack('--version');
    assert.equal(r.status, 0);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test('an unknown option exits 2 and names it', () => {
    const capture = file('empty-ok.pcap', pcap([]));
    for (const args of [['decode', '--bogus', capture], ['decode', capture, '--json=yes'], ['decode', '--jsn', capture]]) {
      const r = synack(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /--(bogus|json|jsn)/);
      assert.equal(r.stdout, '');
    }
  });

  test('an unknown command, or decode without exactly one file, exits 2', () => {
    assert.equal(synack('frobnicate').status, 2);
    assert.equal(synack('--bogus').status, 2);
    assert.equal(synack('decode').status, 2);
    const capture = file('empty-two.pcap', pcap([]));
    assert.equal(synack('decode', capture, capture).status, 2);
  });

  test('a capture with no packets prints nothing and exits 0', () => {
    const r = synack('decode', '--json', file('none.pcap', pcap([])));
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
  });
});
