/**
 * SeededRandom's bytes: word i of the sequence gives bytes 4i..4i+3, least significant first,
 * whatever the length, the offset into the buffer, or the path fill takes (whole words at once on a
 * little-endian machine, byte by byte otherwise); a (seed, stream) pair always gives the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/tcp/random.js';

function byDefinition(seed: number, stream: number, n: number): Uint8Array {
  const r = new SeededRandom(seed, stream);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = r.nextUint32();
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
  }
  return out;
}

test('fill: the sequence\'s words, least significant byte first, at any length and offset', () => {
  for (const n of [0, 1, 3, 4, 5, 63, 64, 65, 67, 1448, 16384, 16387]) {
    for (const offset of [0, 1, 4, 6]) {
      const buf = new Uint8Array(offset + n + 3).fill(0xaa);
      new SeededRandom(7, 2).fill(buf.subarray(offset, offset + n));
      assert.deepEqual(buf.subarray(offset, offset + n), byDefinition(7, 2, n), `n ${n} offset ${offset}`);
      assert.ok(buf.subarray(0, offset).every((b) => b === 0xaa) && buf.subarray(offset + n).every((b) => b === 0xaa), `n ${n} offset ${offset}: nothing outside the view written`);
    }
  }
  // Chunks of a multiple of 4 concatenate to one fill of the whole (the transfers make their bytes so).
  const r = new SeededRandom(9, 1);
  const parts = [r.bytes(16384), r.bytes(16384), r.bytes(100)];
  assert.deepEqual(Uint8Array.from(parts.flatMap((p) => [...p])), byDefinition(9, 1, 32868));
});
