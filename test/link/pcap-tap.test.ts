/**
 * The pcap tap: a capture of a simulated transfer opens with readCapture, every packet decodes with
 * good checksums, and tshark (the independent oracle) opens it with no malformed packet and no bad
 * checksum. Locally a missing tshark skips that part with the reason; in CI it fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simulateTransfer } from '../../src/workloads/scenario.js';
import { decodeIcmp, decodeIp, decodeTcpPacket, LinkType, locateIp, readCapture, tcpChecksumValid } from '../../src/wire/index.js';

const TSHARK = process.env.SYNACK_TSHARK ?? 'tshark';
const probe = spawnSync(TSHARK, ['--version'], { encoding: 'utf8' });
const missing = probe.error || probe.status !== 0 ? `tshark not found (${TSHARK}): ${probe.error?.message ?? `exit ${probe.status}`}` : undefined;
const skip = missing && !process.env.CI ? missing : false;

/** A lossy, reordering transfer both ways, with path MTU discovery (so ICMP-provoking packets too). */
function capturedTransfer(): { file: Uint8Array; sent: number } {
  let capture!: () => Uint8Array;
  const { report, link } = simulateTransfer(
    { seed: 21, bytes: 60_000, direction: 'both', link: { loss: 0.03, reorder: 0.05, delayMs: 3, mtu: 1000 }, hostMtu: 1500 },
    (l) => (capture = l.capture()),
  );
  assert.ok(report.ok, report.reason);
  assert.ok(link.stats.tooBig > 0 && link.stats.lost > 0);
  return { file: capture(), sent: link.stats.sent };
}

test('a capture of a transfer opens with readCapture and every packet decodes with good checksums', () => {
  const { file, sent } = capturedTransfer();
  const cap = readCapture(file);
  assert.ok(cap.ok, cap.ok ? '' : cap.detail);
  assert.equal(cap.damage, undefined);
  assert.equal(cap.records.length, sent, 'every packet sent into the link is in the capture');
  assert.equal(cap.records[0].linkType, LinkType.RAW);
  let syns = 0;
  let fins = 0;
  let previous = -Infinity;
  for (const r of cap.records) {
    const at = locateIp(r.linkType, r.data);
    assert.ok(at.ok);
    const p = decodeTcpPacket(r.data, at.offset, at.length);
    if (!p.ok) {
      // The only other thing on the link would be ICMP; the simulator's ICMP goes straight to the sender.
      const ip = decodeIp(r.data);
      assert.ok(ip.ok && (ip.protocol === 1 ? decodeIcmp(r.data, ip).ok : false), `frame ${r.frame}: ${p.reason}`);
      continue;
    }
    assert.ok(tcpChecksumValid(p), `frame ${r.frame}: bad checksum`);
    if (p.tcp.flags & 0x02) syns++;
    if (p.tcp.flags & 0x01) fins++;
    const t = r.seconds * 1000 + r.nanoseconds / 1e6;
    assert.ok(t >= previous, 'timestamps never go back');
    previous = t;
  }
  assert.equal(syns, 2);
  assert.ok(fins >= 2);
});

test('tshark opens the capture with no malformed packet and every checksum good', { skip }, () => {
  if (missing) assert.fail(`CI is set but ${missing}`);
  const { file, sent } = capturedTransfer();
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-tap-'));
  try {
    const f = path.join(dir, 'transfer.pcap');
    writeFileSync(f, file);
    const r = spawnSync(
      TSHARK,
      ['-r', f, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=,', '-e', 'frame.number', '-e', '_ws.malformed', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', '_ws.expert.severity'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter(Boolean);
    assert.equal(rows.length, sent);
    for (const row of rows) {
      const [frame, malformed, ipStatus, tcpStatus] = row.split(',');
      assert.equal(malformed, '', `frame ${frame} is malformed: ${row}`);
      assert.equal(ipStatus, '1', `frame ${frame}: IPv4 checksum status ${ipStatus}`);
      assert.equal(tcpStatus, '1', `frame ${frame}: TCP checksum status ${tcpStatus}`);
    }
    const malformed = spawnSync(TSHARK, ['-r', f, '-Y', '_ws.malformed'], { encoding: 'utf8' });
    assert.equal(malformed.stdout.trim(), '', 'no malformed packets');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
