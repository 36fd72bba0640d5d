/**
 * CaptureSession on a real capture (../shared/captures/v4-http.pcap, Linux talking to Linux): one
 * connection, drawn with its handshake, and each segment's packet kept for the inspector, whose
 * fields are checked against what tshark decoded from the same file (v4-http.tshark.tsv), an
 * independent reading of the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { encodePcap, inspectPacket, type SegmentEvent } from '../../src/browser/index.js';
import { CaptureSession } from '../../src/explorer/model/capture.js';
import { sharedDir } from '../checkout.js';

const captures = path.join(sharedDir, 'captures');
const skip = existsSync(captures) ? false : `no captures at ${captures} (set SYNACK_SHARED to the shared folder)`;

for (const [name, title] of [['v4-http', 'v4-http.pcap: 198.18.7.1:47658 > 198.18.7.2:8000'], ['v6-http', '']] as const) test(`${name}.pcap: one connection, its handshake, and every packet as tshark read it`, { skip }, () => {
  const r = CaptureSession.open(new Uint8Array(readFileSync(path.join(captures, `${name}.pcap`))), `${name}.pcap`);
  assert.ok(!('error' in r), JSON.stringify(r));
  assert.equal(r.sessions.length, 1);
  const s = r.sessions[0];
  assert.equal(s.kind, 'capture');
  assert.equal(s.finished, true);
  if (title) assert.equal(s.title, title);
  const segs = s.events.map((e, i) => [e, i] as const).filter((x): x is readonly [SegmentEvent, number] => x[0].kind === 'segment');
  assert.deepEqual(segs.slice(0, 3).map(([e]) => e.flagNames.join('+')), ['SYN', 'SYN+ACK', 'ACK']);
  const states = s.events.filter((e) => e.kind === 'state' && e.host === 'client').map((e) => (e.kind === 'state' ? e.to : ''));
  assert.deepEqual(states.slice(0, 2), ['SYN-SENT', 'ESTABLISHED']);
  const [head, ...rows] = readFileSync(path.join(captures, `${name}.tshark.tsv`), 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  assert.equal(segs.length, rows.length);
  rows.forEach((row, k) => {
    const want = Object.fromEntries(row.split('\t').map((v, i) => [cols[i], v]));
    const bytes = s.packet(segs[k][1]);
    assert.ok(bytes, `frame ${want['frame.number']}`);
    const got = inspectPacket(bytes);
    assert.ok(got.ok, `frame ${want['frame.number']}`);
    const v = (key: string): unknown => got.fields.find((f) => f.key === key)?.value;
    const m = `frame ${want['frame.number']}`;
    if (want['ip.version'] === '4') {
      assert.equal(v('ip.src'), want['ip.src'], m);
      assert.equal(v('ip.ttl'), Number(want['ip.ttl']), m);
      assert.equal(v('ip.ecn'), Number(want['ip.dsfield.ecn']), m);
    } else {
      assert.equal(v('ip.version'), 6, m);
      assert.equal(v('ip.src'), want['ipv6.src'], m);
      assert.equal(v('ip.hopLimit'), Number(want['ipv6.hlim']), m);
      assert.equal((v('ip.trafficClass') as number) & 3, Number(want['ipv6.tclass.ecn']), m);
    }
    assert.equal(v('tcp.srcPort'), Number(want['tcp.srcport']), m);
    assert.equal(v('tcp.seq'), Number(want['tcp.seq']), m);
    assert.equal(v('tcp.ack'), Number(want['tcp.ack']), m);
    assert.equal(v('tcp.flags'), Number(want['tcp.flags']) & 0xff, m);
    assert.equal(v('tcp.window'), Number(want['tcp.window_size_value']), m);
    assert.equal(v('tcp.checksum'), Number(want['tcp.checksum']), m);
    assert.equal(v('data') ?? 0, Number(want['tcp.len']), m);
    if (want['tcp.options.mss_val']) assert.equal(v('tcp.option.mss'), Number(want['tcp.options.mss_val']), m);
    if (want['tcp.options.wscale.shift']) assert.equal(v('tcp.option.wscale'), Number(want['tcp.options.wscale.shift']), m);
    if (want['tcp.options.timestamp.tsval']) assert.equal(v('tcp.option.timestamp.val'), Number(want['tcp.options.timestamp.tsval']), m);
    if (want['tcp.options.timestamp.tsecr']) assert.equal(v('tcp.option.timestamp.ecr'), Number(want['tcp.options.timestamp.tsecr']), m);
    // tshark's checksum status 1: good.
    assert.match(got.fields.find((f) => f.key === 'tcp.checksum')!.text, want['tcp.checksum.status'] === '1' ? /\(valid\)/ : /./, m);
  });
  // The session's pcap holds the same packets again.
  const again = CaptureSession.open(s.pcap(), 'again');
  assert.ok(!('error' in again));
  assert.equal(again.sessions[0].events.filter((e) => e.kind === 'segment').length, rows.length);
});

test('bytes that are no capture, and a capture with no TCP, are clear errors', () => {
  const a = CaptureSession.open(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), 'page.html');
  assert.ok('error' in a && a.error === 'not-a-capture', JSON.stringify(a));
  assert.match(a.message, /page\.html is not a pcap or pcapng capture/);
  const b = CaptureSession.open(encodePcap([]), 'empty.pcap');
  assert.ok('error' in b && b.error === 'no-tcp', JSON.stringify(b));
  const c = CaptureSession.open(new Uint8Array(0), 'nothing');
  assert.ok('error' in c && c.error === 'not-a-capture');
});
