/**
 * The progress line (src/cli/progress.ts) on a clock and a terminal made here: nothing before the
 * delay, at most one line per interval, erased at the end, nothing at all when stderr is not a
 * terminal. And decode and ladder feed it as they read a file in chunks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Progress } from '../../src/cli/progress.js';
import { decodeFile } from '../../src/cli/decode.js';
import { ladderTracesOf } from '../../src/cli/demo.js';
import { sharedDir } from '../checkout.js';

function terminal(isTTY = true) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (s: string) => writes.push(s) } };
}

describe('Progress', () => {
  test('silent for the first second; then at most every 200 ms; cut to the width; erased by clear()', () => {
    let now = 1000;
    const t = terminal();
    const p = new Progress({ stream: t.stream, now: () => now });
    p.update('early');
    now += 999;
    p.update('still early');
    assert.deepEqual(t.writes, []);
    now += 1;
    p.update('one');
    now += 100;
    p.update('too soon');
    now += 100;
    p.update(() => 'x'.repeat(100));
    assert.deepEqual(t.writes, ['\r\x1b[Kone', `\r\x1b[K${'x'.repeat(28)}...${'x'.repeat(28)}`]);
    p.clear();
    assert.equal(t.writes.at(-1), '\r\x1b[K');
    p.clear();
    assert.equal(t.writes.length, 3, 'a second clear writes nothing');
  });

  test('not a terminal, or turned off: never writes, never builds the text', () => {
    for (const p of [new Progress({ stream: terminal(false).stream, now: () => 1e9, delayMs: 0 }), new Progress({ stream: terminal().stream, enabled: false, delayMs: 0 })]) {
      p.update(() => assert.fail('built the text'));
      p.clear();
    }
  });
});

const bulk = path.join(sharedDir, 'captures', 'v4-lossy-bulk.pcap');
describe('decode and ladder report progress while they read', { skip: existsSync(bulk) ? undefined : `no ${bulk}` }, () => {
  const quiet = { out: () => {}, err: (l: string) => assert.fail(l) };
  test('decode: "decoding FILE: read of total (percent), packets", growing to 100%', () => {
    const t = terminal();
    t.stream.columns = 200;
    assert.equal(decodeFile(bulk, false, quiet, { chunkSize: 256 * 1024, progress: new Progress({ stream: t.stream, delayMs: 0, everyMs: 0 }) }), 0);
    assert.ok(t.writes.length >= 8, `${t.writes.length} updates`);
    assert.match(t.writes[0], /^\r\x1b\[Kdecoding .*v4-lossy-bulk\.pcap: 262\.1 kB of 2\.3 MB \(11%\), \d+ packets$/);
    assert.match(t.writes.at(-2)!, /2\.3 MB of 2\.3 MB \(100%\), 2513 packets$/);
    assert.equal(t.writes.at(-1), '\r\x1b[K', 'erased at the end');
  });
  test('ladder: the same while it reads', () => {
    const t = terminal();
    t.stream.columns = 200;
    const r = ladderTracesOf(bulk, quiet, { chunkSize: 512 * 1024, progress: new Progress({ stream: t.stream, delayMs: 0, everyMs: 0 }) });
    assert.ok(typeof r !== 'number' && r.traces.length === 1);
    assert.match(t.writes.at(-2)!, /^\r\x1b\[Kreading .*: 2\.3 MB of 2\.3 MB \(100%\), 2513 packets$/);
    assert.equal(t.writes.at(-1), '\r\x1b[K');
  });
});
