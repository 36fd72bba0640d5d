/**
 * Captures cut by a snap length (`tcpdump -s 96`), made here from the shared captures by cutting
 * every record to its first N bytes and keeping its original length, as tcpdump writes them: decode
 * prints the headers that were captured with the packet's real length and marks the cut; ladder
 * draws every segment with its real length. The oracles: the same capture uncut (what synack
 * printed for it, which captures.test.ts checks against tshark), and tshark on the cut file.
 * Also: `decode -` and `ladder -` read standard input, and give what the file gives.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath, runCli, sharedDir } from '../checkout.js';

const capturesDir = path.join(sharedDir, 'captures');
const missing = existsSync(path.join(capturesDir, 'v4-http.pcap')) ? undefined : `no captures in ${capturesDir}`;
const dir = mkdtempSync(path.join(tmpdir(), 'synack-snaplen-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of a little- or big-endian pcap with every record cut to `snaplen` bytes (caplen), origlen kept. */
function snap(pcap: Uint8Array, snaplen: number): Uint8Array {
  const v = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const le = v.getUint32(0, true) === 0xa1b2c3d4 || v.getUint32(0, true) === 0xa1b23c4d;
  const out: number[] = [...pcap.subarray(0, 24)];
  const ov = (at: number, value: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, le);
    out.splice(at, 4, ...b);
  };
  ov(16, snaplen);
  for (let at = 24; at + 16 <= pcap.length; ) {
    const caplen = v.getUint32(at + 8, le);
    const keep = Math.min(caplen, snaplen);
    const start = out.length;
    out.push(...pcap.subarray(at, at + 16), ...pcap.subarray(at + 16, at + 16 + keep));
    ov(start + 8, keep);
    at += 16 + caplen;
  }
  return Uint8Array.from(out);
}

function cutFile(name: string, snaplen: number): string {
  const file = path.join(dir, `${name.replace(/\.pcap$/, '')}-s${snaplen}.pcap`);
  writeFileSync(file, snap(new Uint8Array(readFileSync(path.join(capturesDir, name))), snaplen));
  return file;
}

function jsonLines(r: { stdout: string }): Array<Record<string, unknown>> {
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('decode: a capture cut by a snap length', { skip: missing }, () => {
  for (const name of ['v4-http.pcap', 'v6-http.pcap', 'v4-lossy-bulk.pcap']) {
    test(`${name} at -s 96: every header decoded, real lengths, the cut marked; checksum not judged`, () => {
      const whole = jsonLines(runCli(['decode', '--json', path.join(capturesDir, name)], { maxBuffer: 1 << 28 }));
      const cut = runCli(['decode', '--json', cutFile(name, 96)], { maxBuffer: 1 << 28 });
      assert.equal(cut.status, 0, cut.stderr);
      const got = jsonLines(cut);
      assert.equal(got.length, whole.length);
      let marked = 0;
      got.forEach((g, i) => {
        const w = whole[i];
        assert.equal(g.error, undefined, `frame ${i + 1}: ${g.detail}`);
        if (g.capturedLength !== undefined) {
          marked++;
          assert.equal(g.capturedLength, 96);
          assert.ok((g.originalLength as number) > 96);
          assert.equal(g.checksumValid, null);
        }
        const { capturedLength: _c, originalLength: _o, checksumValid: _v, ...rest } = g;
        const { checksumValid: _w, ...wrest } = w;
        assert.deepEqual(rest, wrest, `frame ${i + 1}`);
      });
      assert.ok(marked > 3, `${marked} frames were cut`);
    });
  }

  test('text: the tcpdump line with the real length, ending in [captured 96 of N bytes]', () => {
    const whole = runCli(['decode', path.join(capturesDir, 'v4-http.pcap')]).stdout.split('\n').filter(Boolean);
    const cut = runCli(['decode', cutFile('v4-http.pcap', 96)]).stdout.split('\n').filter(Boolean);
    assert.equal(cut.length, whole.length);
    const data = cut.findIndex((l) => /length [1-9]\d{2,}/.test(l));
    assert.ok(data >= 0, 'a data segment');
    const m = /^(.*) \[captured 96 of (\d+) bytes\]$/.exec(cut[data]);
    assert.ok(m, cut[data]);
    assert.equal(m[1], whole[data]);
    assert.doesNotMatch(cut.join('\n'), /bad tcp cksum|truncated/);
  });

  test('-s 54 cuts the TCP options: the fixed header decoded, "options [|tcp]", the real length', () => {
    const whole = runCli(['decode', path.join(capturesDir, 'v4-http.pcap')]).stdout.split('\n').filter(Boolean);
    const r = runCli(['decode', cutFile('v4-http.pcap', 54)]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, whole.length);
    let cut = 0;
    lines.forEach((l, i) => {
      if (!l.includes('options [|tcp]')) return;
      cut++;
      // The same line as the whole capture's but for the options, and marked.
      const m = /^(.*), options \[\|tcp\], (length \d+) \[captured 54 of (\d+) bytes\]$/.exec(l);
      assert.ok(m, l);
      assert.equal(`${m[1]}, ${m[2]}`, whole[i].replace(/, options \[[^\]]*\]/, ''));
    });
    assert.ok(cut > 5, `${cut} lines with their options cut`);
    const json = jsonLines(runCli(['decode', '--json', cutFile('v4-http.pcap', 54)]));
    const j = json.find((o) => o.optionsCut === true);
    assert.ok(j);
    assert.deepEqual(j.options, {});
  });

  test('-s 40 cuts the TCP header itself: the addresses and ports, "[|tcp]", as tcpdump prints', () => {
    const r = runCli(['decode', cutFile('v4-http.pcap', 40)]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.ok(lines.length > 5);
    for (const l of lines) assert.match(l, /truncated: IP 198\.18\.7\.\d\.\d+ > 198\.18\.7\.\d\.\d+: \[\|tcp\] \(captured 40 of \d+ bytes\)$/);
  });

  test('tshark agrees on the cut file: sequence numbers and segment lengths, frame by frame', (t) => {
    const file = cutFile('v4-lossy-bulk.pcap', 96);
    const ts = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'tcp.seq_raw', '-e', 'tcp.len', '-o', 'tcp.relative_sequence_numbers:FALSE'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (ts.error) {
      if (process.env.CI) assert.fail(`tshark: ${ts.error.message}`);
      t.skip('tshark not installed');
      return;
    }
    const theirs = ts.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').map(Number));
    const ours = jsonLines(runCli(['decode', '--json', file], { maxBuffer: 1 << 28 })).map((j) => [j.seq, j.payloadLength]);
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(ours, theirs);
  });
});

describe('ladder: a capture cut by a snap length', { skip: missing }, () => {
  test('draws every segment, data included, with its real length', () => {
    const segs = (file: string) => {
      const r = runCli(['ladder', '--format', 'json', file], { maxBuffer: 1 << 28 });
      assert.equal(r.status, 0, r.stderr);
      const traces = JSON.parse(r.stdout) as Array<{ events: Array<{ kind: string; len?: number; seq?: number }> }>;
      return traces.map((t) => t.events.filter((e) => e.kind === 'segment').map((e) => [e.seq, e.len]));
    };
    for (const name of ['v4-http.pcap', 'v6-http.pcap']) {
      const whole = segs(path.join(capturesDir, name));
      assert.ok(whole.flat().some(([, len]) => (len as number) > 96));
      assert.deepEqual(segs(cutFile(name, 96)), whole, name);
      // With the options cut too (-s 54 on IPv4, 74 on IPv6: Ethernet, IP and the fixed TCP header).
      assert.deepEqual(segs(cutFile(name, name.startsWith('v6') ? 74 : 54)), whole, `${name}, options cut`);
    }
  });
});

describe('decode - and ladder -: standard input', { skip: missing }, () => {
  const run = (args: string[], input: Uint8Array) => spawnSync(process.execPath, [cliPath, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  test('give what the file gives', () => {
    const file = path.join(capturesDir, 'v4-lossy-bulk.pcap');
    const bytes = readFileSync(file);
    for (const args of [['decode'], ['decode', '--json'], ['ladder']]) {
      const fromFile = runCli([...args, file], { maxBuffer: 1 << 28 });
      const fromStdin = run([...args, '-'], bytes);
      assert.equal(fromStdin.status, fromFile.status, fromStdin.stderr);
      assert.equal(fromStdin.stdout, fromFile.stdout, args.join(' '));
      assert.ok(fromFile.stdout.length > 1000);
    }
  });
  test('a cut-off stream: the packets before it, and the reason', () => {
    const bytes = readFileSync(path.join(capturesDir, 'v4-http.pcap')).subarray(0, 1000);
    const r = run(['decode', '-'], bytes);
    assert.equal(r.status, 1);
    assert.ok(r.stdout.split('\n').filter(Boolean).length > 2);
    assert.match(r.stderr, /synack decode: -: truncated: record \d+ claims/);
  });
});
