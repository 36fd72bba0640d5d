/**
 * `synack demo` as a user runs it (the built CLI in a child process): `--pcap` to a path that cannot
 * be written fails before anything is drawn; every scenario's text output, header included, fits the
 * width it was given (80 columns by default, as the README says), in English and Korean.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDemo } from '../../src/cli/demo.js';
import { SCENARIOS } from '../../src/trace/index.js';
import { displayWidth } from '../../src/trace/text.js';
import { runCli } from '../checkout.js';

const dir = mkdtempSync(path.join(tmpdir(), 'synack-demo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('demo --pcap into a missing directory: exit 1, one line on stderr, nothing drawn', () => {
  const r = runCli(['demo', 'handshake', '--pcap', path.join(dir, 'missing', 'x.pcap')]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '', 'no diagram before the failure');
  assert.match(r.stderr, /^synack demo: cannot write .*missing\/x\.pcap: ENOENT\n$/);
});

test('demo --pcap FILE: the diagram and a pcap file (magic a1b23c4d or d4c3b2a1, nanosecond or microsecond)', () => {
  const file = path.join(dir, 'handshake.pcap');
  const r = runCli(['demo', 'handshake', '--pcap', file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /SYN-SENT/);
  const magic = readFileSync(file).readUInt32LE(0);
  assert.ok([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(magic), `pcap magic ${magic.toString(16)}`);
});

for (const lang of ['en', 'ko']) {
  test(`every scenario's text output (${lang}) fits 80 columns, header included`, () => {
    for (const s of SCENARIOS) {
      const out: string[] = [];
      const code = runDemo([s.name, '--lang', lang], { out: (l) => out.push(...l.split('\n')), err: (l) => assert.fail(l) });
      assert.equal(code, 0);
      for (const line of out) assert.ok(displayWidth(line) <= 80, `demo ${s.name} --lang ${lang}: ${displayWidth(line)} columns: ${line}`);
    }
  });
}
