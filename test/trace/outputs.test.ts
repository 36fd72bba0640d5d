/**
 * The other forms of every scenario: its --pcap opened by tshark (no malformed packets, no bad
 * checksums, the same segments as the JSON), its SVG well-formed XML with one arrow per segment, its
 * Mermaid a sequenceDiagram with one message per segment, its text ladder within 80 columns.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SCENARIOS } from '../../src/trace/scenarios.js';
import { renderSvg } from '../../src/trace/svg.js';
import { renderMermaid } from '../../src/trace/mermaid.js';
import { renderText } from '../../src/trace/text.js';
import { renderJson } from '../../src/trace/json.js';
import { checkXml } from './xml.js';
import { ctx, SEED, type JsonTrace } from './helpers.js';

const TSHARK = process.env.SYNACK_TSHARK ?? 'tshark';
const probe = spawnSync(TSHARK, ['--version'], { encoding: 'utf8' });
const missing = probe.error || probe.status !== 0 ? `tshark not found (${TSHARK})` : undefined;
/** Locally a missing tshark skips (with the reason); in CI, which installs it, the tests fail. */
const skip = missing && !process.env.CI ? missing : false;

describe('--pcap of every scenario, read by tshark', { skip }, () => {
  for (const s of SCENARIOS) {
    test(s.name, () => {
      if (missing) assert.fail(`CI is set but ${missing}`);
      const m = ctx(s.name);
      const r = s.run({ seed: SEED, lang: 'en', pcap: true });
      const json = JSON.parse(renderJson(r.trace)) as JsonTrace;
      const segs = json.events.filter((e) => e.kind === 'segment');
      const dir = mkdtempSync(path.join(tmpdir(), 'synack-trace-'));
      try {
        const file = path.join(dir, `${s.name}.pcap`);
        writeFileSync(file, r.pcap!);
        const fields = ['tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.window_size_value', 'tcp.checksum.status', '_ws.malformed', '_ws.expert.severity'];
        const out = spawnSync(TSHARK, ['-n', '-r', file, '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=\t', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
        assert.equal(out.status, 0, `tshark failed: ${out.stderr} ${m}`);
        const rows = out.stdout.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
        assert.equal(rows.length, segs.length, `one packet per segment event: ${m}`);
        rows.forEach((row, i) => {
          const e = segs[i] as Record<string, unknown>;
          const [flags, seq, ack, len, win, cks, malformed] = row;
          assert.equal(malformed ?? '', '', `frame ${i + 1} is not malformed: ${m}`);
          // An ARP or UDP arrow (an Ethernet segment's scenarios) is not TCP: tshark finds no TCP fields in it.
          if (e.protocol !== undefined) return assert.deepEqual([flags, seq, ack, len], ['', '', '', ''], `frame ${i + 1} (${String(e.protocol)}): ${m}`);
          assert.equal(Number(flags), e.flags, `frame ${i + 1} flags: ${m}`);
          assert.equal(Number(seq), e.seq, `frame ${i + 1} seq: ${m}`);
          assert.equal(Number(ack), e.ack, `frame ${i + 1} ack: ${m}`);
          assert.equal(Number(len), e.len, `frame ${i + 1} len: ${m}`);
          assert.equal(Number(win), e.window, `frame ${i + 1} window: ${m}`);
          assert.equal(cks, '1', `frame ${i + 1}: tshark's checksum status is good (1): ${m}`);
          assert.equal(malformed ?? '', '', `frame ${i + 1} is not malformed: ${m}`);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('renderings of every scenario', () => {
  for (const s of SCENARIOS) {
    test(s.name, () => {
      const m = ctx(s.name);
      const r = s.run({ seed: SEED, lang: 'en' });
      const segs = r.trace.events.filter((e) => e.kind === 'segment').length;
      const svg = renderSvg(r.trace);
      const root = checkXml(svg);
      assert.equal(root, 'svg', m);
      const arrows = svg.match(/<line class="segment[ "]/g) ?? [];
      assert.equal(arrows.length, segs, `one arrow per segment: ${m}`);
      const mermaid = renderMermaid(r.trace).split('\n');
      assert.equal(mermaid[0], 'sequenceDiagram', m);
      assert.equal(mermaid.filter((l) => /^ {4}H\d+(->>|-x)H\d+: /.test(l)).length, segs, `one message per segment: ${m}`);
      const text = renderText(r.trace, { width: 80 });
      for (const line of text.split('\n')) assert.ok(line.length <= 80, `'${line}' is ${line.length} columns: ${m}`);
      assert.ok(!text.includes('\x1b['), `no colour unless asked: ${m}`);
      assert.ok(renderText(r.trace, { color: true }).includes('\x1b['), m);
    });
  }
});

describe('the XML checker', () => {
  test('accepts well-formed documents and rejects broken ones', () => {
    assert.equal(checkXml('<?xml version="1.0"?>\n<a x="1"><b/>t &amp; <c>d</c></a>'), 'a');
    assert.throws(() => checkXml('<a><b></a>'));
    assert.throws(() => checkXml('<a x="1></a>'));
    assert.throws(() => checkXml('<a>&bogus;</a>'));
    assert.throws(() => checkXml('<a>1 < 2</a>'));
    assert.throws(() => checkXml('<a></a><b></b>'));
  });
});
