/**
 * `synack ladder` on the real captures in ../shared/captures (Linux talking to Linux), checked
 * against tshark's own dissection beside each file (.tshark.tsv) and RFC 9293's state diagram.
 * And the CLI of `synack demo`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodePcap, readCapture } from '../../src/wire/pcap.js';
import { cliPath, repoRoot, runCli, sharedDir, type CliResult } from '../checkout.js';
import { F, type JsonSegment, type JsonTrace } from './helpers.js';

const captures = path.join(sharedDir, 'captures');

function synack(...args: string[]): CliResult {
  return runCli(args, { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
}

interface TsvRow {
  src: string;
  flags: number;
  seq: number;
  ack: number;
  len: number;
}

/** tshark's rows: the oracle. */
function tsv(name: string): TsvRow[] {
  const [head, ...lines] = readFileSync(path.join(captures, `${name}.tshark.tsv`), 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  const at = (c: string): number => cols.indexOf(c);
  return lines.map((l) => {
    const v = l.split('\t');
    const ip = v[at('ip.src')] || `[${v[at('ipv6.src')]}]`;
    return { src: `${ip}:${v[at('tcp.srcport')]}`, flags: parseInt(v[at('tcp.flags')], 16), seq: Number(v[at('tcp.seq')]), ack: Number(v[at('tcp.ack')]), len: Number(v[at('tcp.len')]) };
  });
}

function states(t: JsonTrace, host: string): string[] {
  const h = t.hosts.find((x) => x.name === host)!;
  return [h.initial!, ...t.events.filter((e) => e.kind === 'state' && e.host === host).map((e) => e.to as string)];
}

const skip = existsSync(captures) ? false : `no captures at ${captures} (set SYNACK_SHARED to the shared folder)`;

describe('synack ladder on real captures', { skip }, () => {
  for (const name of ['v4-http', 'v6-http', 'v4-lossy-bulk']) {
    test(`${name}: handshake, data and close with the states of RFC 9293`, () => {
      const r = synack('ladder', path.join(captures, `${name}.pcap`), '--format', 'json');
      assert.equal(r.status, 0, r.stderr);
      const traces = JSON.parse(r.stdout) as JsonTrace[];
      assert.equal(traces.length, 1, `one connection in ${name}`);
      const [t] = traces;
      const rows = tsv(name);
      const segs = t.events.filter((e) => e.kind === 'segment') as unknown as JsonSegment[];
      assert.equal(segs.length, rows.length);
      segs.forEach((s, i) => {
        assert.deepEqual([s.flags, s.seq, s.ack, s.len], [rows[i].flags, rows[i].seq, rows[i].ack, rows[i].len], `frame ${i + 1} of ${name}`);
      });
      // Who opened and who closed first, from tshark's rows alone.
      const opener = rows[0].src;
      assert.equal(rows[0].flags, F.SYN);
      const firstFin = rows.find((x) => x.flags & F.FIN)!.src;
      const client = t.hosts.find((h) => h.name === 'client')!;
      assert.equal(client.addresses[0], opener);
      const closer = firstFin === opener ? 'client' : 'server';
      const other = closer === 'client' ? 'server' : 'client';
      const open = { client: ['CLOSED', 'SYN-SENT', 'ESTABLISHED'], server: ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED'] };
      assert.deepEqual(states(t, closer), [...open[closer], 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT'], `${closer} of ${name}`);
      assert.deepEqual(states(t, other), [...open[other], 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED'], `${other} of ${name}`);
      const data = rows.reduce((n, x) => n + x.len, 0);
      assert.equal(segs.reduce((n, s) => n + s.len, 0), data);
      if (name === 'v4-lossy-bulk') assert.ok(segs.some((s) => s.retransmission), 'retransmissions are marked');
      else assert.ok(!segs.some((s) => s.retransmission), 'nothing is retransmitted');
    });
  }

  test('v4-refused: SYN answered by RST+ACK; the client goes back to CLOSED, the server never had a connection', () => {
    const r = synack('ladder', path.join(captures, 'v4-refused.pcap'), '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    const [t] = JSON.parse(r.stdout) as JsonTrace[];
    const segs = t.events.filter((e) => e.kind === 'segment') as unknown as JsonSegment[];
    assert.deepEqual(segs.map((s) => s.flags), [F.SYN, F.RST | F.ACK]);
    assert.equal(segs[1].ack, (segs[0].seq + 1) >>> 0);
    assert.deepEqual(states(t, 'client'), ['CLOSED', 'SYN-SENT', 'CLOSED']);
    assert.deepEqual(states(t, 'server'), ['CLOSED']);
  });

  test('a pcapng of the same packets (editcap -F pcapng) gives the same diagrams', (t) => {
    const editcap = spawnSync('editcap', ['--version'], { encoding: 'utf8' });
    if (editcap.error || editcap.status !== 0) {
      if (process.env.CI) assert.fail('editcap not found');
      t.skip('editcap not found');
      return;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'synack-ladder-'));
    try {
      for (const name of ['v4-http', 'v6-http', 'v4-refused']) {
        const ng = path.join(dir, `${name}.pcapng`);
        const conv = spawnSync('editcap', ['-F', 'pcapng', path.join(captures, `${name}.pcap`), ng], { encoding: 'utf8' });
        assert.equal(conv.status, 0, conv.stderr);
        assert.equal(readFileSync(ng).readUInt32BE(0), 0x0a0d0d0a, 'a pcapng section header');
        const a = synack('ladder', path.join(captures, `${name}.pcap`), '--format', 'json');
        const b = synack('ladder', ng, '--format', 'json');
        assert.equal(b.status, 0, b.stderr);
        assert.equal(b.stdout, a.stdout, name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the same packets framed as Linux cooked v1, v2 and raw IP give the same diagrams', () => {
    const cap = readCapture(readFileSync(path.join(captures, 'v4-http.pcap')));
    assert.ok(cap.ok);
    const ip = cap.records.map((r) => ({ data: r.data.subarray(14), timeMs: r.seconds * 1000 + r.nanoseconds / 1e6 }));
    // Linux cooked v1 (DLT 113): 16 bytes, the ethertype last; v2 (DLT 276): 20 bytes, the ethertype first.
    const sll = (d: Uint8Array): Uint8Array => Uint8Array.from([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00, ...d]);
    const sll2 = (d: Uint8Array): Uint8Array => Uint8Array.from([0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...d]);
    const want = synack('ladder', path.join(captures, 'v4-http.pcap'), '--format', 'json').stdout;
    const dir = mkdtempSync(path.join(tmpdir(), 'synack-ladder-'));
    try {
      for (const [name, type, frame] of [['raw', 101, (d: Uint8Array) => d], ['sll', 113, sll], ['sll2', 276, sll2]] as const) {
        const file = path.join(dir, `${name}.pcap`);
        writeFileSync(file, encodePcap(ip.map((p) => ({ data: frame(p.data), timeMs: p.timeMs })), type));
        const got = synack('ladder', file, '--format', 'json');
        assert.equal(got.status, 0, got.stderr);
        // pcap keeps microseconds: compare everything but the times.
        const strip = (s: string): unknown => (JSON.parse(s) as JsonTrace[]).map((t) => ({ ...t, events: t.events.map(({ t: _t, ...rest }) => rest) }));
        assert.deepEqual(strip(got.stdout), strip(want), name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the text ladder of every capture fits 80 columns and names the states', () => {
    for (const name of ['v4-http', 'v6-http', 'v4-refused', 'v4-lossy-bulk']) {
      const r = synack('ladder', path.join(captures, `${name}.pcap`));
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.includes('SYN-SENT'), name);
      for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `${name}: '${line}'`);
      const mermaid = synack('ladder', path.join(captures, `${name}.pcap`), '--format', 'mermaid');
      assert.ok(mermaid.stdout.startsWith('sequenceDiagram'), name);
    }
  });
});

describe('synack demo (CLI)', () => {
  test('--list: one line for each demo scenario', () => {
    const r = synack('demo', '--list');
    assert.equal(r.status, 0, r.stderr);
    const names = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(names, [
      'handshake', 'close', 'half-close', 'simultaneous-open', 'simultaneous-close', 'refused', 'lost-syn', 'lost-fin',
      'time-wait', 'half-open', 'old-duplicate-syn', 'syn-flood', 'hijack', 'close-wait-leak', 'lossy-transfer', 'arp', 'dhcp',
      // The round-trip demos (Node's tls over synack sockets).
      'tcp', 'tls12', 'tls13', 'tls13-resume', 'tfo', 'tfo-tls13-resume',
    ]);
  });

  test('the text ladder, --absolute, --lang ko, and bad arguments', () => {
    const r = synack('demo', 'handshake');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('SYN-SENT') && r.stdout.includes('SYN+ACK 0 ack 1'), r.stdout);
    const json = JSON.parse(synack('demo', 'handshake', '--format', 'json').stdout) as JsonTrace;
    const syn = json.events.find((e) => e.kind === 'segment')!;
    const abs = synack('demo', 'handshake', '--absolute');
    assert.ok(abs.stdout.includes(`SYN ${syn.seq} win`), 'absolute numbers');
    const ko = synack('demo', 'handshake', '--lang', 'ko');
    assert.ok(/[\uac00-\ud7a3]/.test(ko.stdout), 'Korean explanation');
    assert.equal(synack('demo', 'nonesuch').status, 2);
    assert.equal(synack('demo', 'handshake', '--format', 'png').status, 2);
    assert.equal(synack('demo', 'handshake', '--seed', 'x').status, 2);
    assert.equal(synack('ladder', '/nonexistent.pcap').status, 1);
  });

  test('the tour (synack tour) runs every scenario straight through when not on a terminal', () => {
    const r = spawnSync(process.execPath, [cliPath, 'tour'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    // Run as a script of its own (node dist/src/cli/tour.js), the same tour.
    const script = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'src', 'cli', 'tour.js')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(script.status, 0, script.stderr);
    // (up to the round-trip demos, whose TLS records vary in size from run to run)
    const scenarios = (out: string): string => out.slice(0, out.indexOf('== round trips 1/'));
    assert.ok(scenarios(r.stdout).includes('== 17/17: '));
    assert.equal(scenarios(script.stdout), scenarios(r.stdout));
    const heads = r.stdout.split('\n').filter((l) => /^== \d+\/17: /.test(l));
    assert.equal(heads.length, 17);
    // Then the round-trip demos (Node's tls over synack sockets), each with its count.
    assert.equal(r.stdout.split('\n').filter((l) => /^== round trips \d+\/6: /.test(l)).length, 6);
    assert.match(r.stdout, /first byte of the response after 200 ms: 2 round trips of 100 ms\n\(synack demo tfo-tls13-resume\)/);
    assert.ok(!r.stdout.includes('[Enter'), 'no pause without a terminal');
  });

  test('synack tour --lang ko: the tour explained in Korean', () => {
    const r = spawnSync(process.execPath, [cliPath, 'tour', '--lang', 'ko'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^synack 투어: /);
    assert.match(r.stdout, /^\(synack demo handshake --lang ko\)$/m);
    assert.equal(r.stdout.split('\n').filter((l) => /^== \d+\/17: /.test(l)).length, 17);
  });
});
