/**
 * Capture files on disk as streams: readCaptureFile reads in chunks (never the whole file: records
 * come out while the rest is still unread), and PcapFile writes records as they come and, when the
 * disk or a limit stops it, leaves a valid capture of every record before that point.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PcapFile, readCaptureFile } from '../../src/link/pcap-file.js';
import { readCapture, type CaptureRecord } from '../../src/wire/index.js';
import { sharedDir } from '../checkout.js';

const dir = mkdtempSync(path.join(tmpdir(), 'synack-pcapfile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bulk = path.join(sharedDir, 'captures', 'v4-lossy-bulk.pcap');
const missing = statSync(bulk, { throwIfNoEntry: false }) ? undefined : `no ${bulk}`;

describe('readCaptureFile: a capture read in chunks', { skip: missing }, () => {
  test('reads chunk by chunk: records come out after the first chunk, with the rest of the file unread', () => {
    const size = statSync(bulk).size;
    const chunkSize = 64 * 1024;
    const reads: number[] = [];
    let recordsAfterFirstRead = -1;
    const records: CaptureRecord[] = [];
    const r = readCaptureFile(
      bulk,
      (rec) => records.push({ ...rec, data: rec.data.slice() }),
      {
        chunkSize,
        onRead: (read, total) => {
          assert.equal(total, size);
          reads.push(read);
          if (reads.length === 1) recordsAfterFirstRead = records.length;
        },
      },
    );
    assert.equal(r.failure, undefined);
    assert.equal(r.damage, undefined);
    assert.equal(reads.length, Math.ceil(size / chunkSize), 'one read per chunk');
    reads.forEach((n, i) => assert.ok(n - (reads[i - 1] ?? 0) <= chunkSize, `read ${i} asked for at most a chunk`));
    assert.ok(recordsAfterFirstRead > 0 && recordsAfterFirstRead < records.length, `records handed out after one chunk: ${recordsAfterFirstRead}`);
    const whole = readCapture(new Uint8Array(readFileSync(bulk)));
    assert.ok(whole.ok);
    assert.equal(records.length, whole.records.length);
    assert.deepEqual(records.at(-1)!.data, whole.records.at(-1)!.data);
    assert.equal(r.reader.bytesHeld, 0);
  });

  test('a file cut mid-record: the records before it and the damage', () => {
    const cut = path.join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(bulk).subarray(0, 100_000));
    let n = 0;
    const r = readCaptureFile(cut, () => n++, { chunkSize: 4096 });
    assert.equal(r.damage?.reason, 'truncated');
    assert.equal(n, r.reader.frames);
    assert.ok(n > 10);
  });

  test('a file that cannot be opened throws the system error', () => {
    assert.throws(() => readCaptureFile(path.join(dir, 'nope.pcap'), () => {}), { code: 'ENOENT' });
    assert.throws(() => readCaptureFile(dir, () => {}), { code: 'EISDIR' });
    assert.throws(() => readCaptureFile(bulk, () => {}, { chunkSize: 0 }), RangeError);
  });
});

/** What tshark makes of a file: the frame count, or its complaint. */
function tsharkFrames(file: string): { frames: number; stderr: string } | undefined {
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return { frames: r.stdout.split('\n').filter(Boolean).length, stderr: r.stderr };
}

describe('PcapFile: a capture written as a stream', () => {
  const packet = (i: number) => Uint8Array.from({ length: 60 + (i % 40) }, (_, j) => (i + j) & 0xff);

  test('a size limit: writing stops at a record boundary, the file stays a valid capture, the rest is counted', () => {
    const file = path.join(dir, 'limited.pcap');
    const pcap = new PcapFile(file, 0, { maxBytes: 5000, bufferBytes: 700 });
    for (let i = 0; i < 200; i++) pcap.write(packet(i), i);
    pcap.close();
    assert.match(String(pcap.error), /capture limit of 5000 bytes/);
    assert.equal(pcap.packets + pcap.lost, 200);
    const bytes = new Uint8Array(readFileSync(file));
    assert.ok(bytes.length <= 5000 && bytes.length > 4000, `${bytes.length} bytes`);
    const cap = readCapture(bytes);
    assert.ok(cap.ok);
    assert.equal(cap.damage, undefined, 'no cut-off record at the end');
    assert.equal(cap.records.length, pcap.packets);
    cap.records.forEach((r, i) => assert.deepEqual(r.data, packet(i)));
    const ts = tsharkFrames(file);
    if (ts || process.env.CI) {
      assert.ok(ts, 'tshark runs');
      assert.equal(ts.frames, pcap.packets, ts.stderr);
      assert.doesNotMatch(ts.stderr, /cut short|appears to be damaged/);
    }
  });

  test('a write error (disk full): no exception into the packet path; the error and the lost packets are kept', () => {
    const pcap = new PcapFile('/dev/full', 0, { bufferBytes: 1000 });
    assert.equal(pcap.error && (pcap.error as NodeJS.ErrnoException).code, 'ENOSPC');
    for (let i = 0; i < 50; i++) pcap.write(packet(i), i);
    pcap.close();
    assert.equal(pcap.lost, 50);
    assert.equal(pcap.packets, 0);
  });

  test('a write error after some records: the file is cut back to its last whole record', () => {
    // RLIMIT_FSIZE in a child (the shell's ulimit -f, in 512-byte blocks for sh): writes past 4 KiB fail with EFBIG.
    const file = path.join(dir, 'fsize.pcap');
    const script = `
      import { PcapFile } from ${JSON.stringify(new URL('../../src/link/pcap-file.js', import.meta.url).href)};
      process.on('SIGXFSZ', () => {});
      const pcap = new PcapFile(${JSON.stringify(file)}, 0, { bufferBytes: 3000 });
      for (let i = 0; i < 300; i++) pcap.write(Uint8Array.from({ length: 60 + (i % 40) }, (_, j) => (i + j) & 0xff), i);
      pcap.close();
      console.log(JSON.stringify({ packets: pcap.packets, lost: pcap.lost, code: pcap.error?.code }));`;
    const r = spawnSync('sh', ['-c', `ulimit -f 8 && exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { packets: number; lost: number; code: string };
    assert.equal(out.code, 'EFBIG');
    assert.equal(out.packets + out.lost, 300);
    const cap = readCapture(new Uint8Array(readFileSync(file)));
    assert.ok(cap.ok);
    assert.equal(cap.damage, undefined, 'the file ends on a whole record');
    assert.equal(cap.records.length, out.packets);
    assert.ok(out.packets > 20 && out.lost > 0, JSON.stringify(out));
  });
});
