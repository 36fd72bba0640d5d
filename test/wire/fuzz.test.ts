/**
 * CI's share of fuzzing: a million random and mutated byte strings through every wire/ decoder
 * (engine: test/fuzz/fuzz.ts; longer runs: `npm run fuzz`). No input may make a decoder throw or
 * break an invariant; a failure prints the seed, the iteration and the input as hex, and replays
 * alone with `npm run fuzz -- --seed S --from I --iterations 1`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECODE_REASONS, runFuzz, type FuzzFailure, type FuzzStats } from '../fuzz/fuzz.js';
import type { TcpPacket } from '../../src/wire/packet.js';

const SEED = 0x5eed_2024;
const ITERATIONS = 1_000_000;

function describeFailures(failures: FuzzFailure[]): string {
  return failures
    .map((f) => `seed ${f.seed} iteration ${f.iteration}\n  target: ${f.target}\n  ${f.message}\n  input: ${f.inputHex}\n  replay: npm run fuzz -- --seed ${f.seed} --from ${f.iteration} --iterations 1`)
    .join('\n\n');
}

function withoutTime(s: FuzzStats): Omit<FuzzStats, 'elapsedMs'> {
  const { elapsedMs: _, ...rest } = s;
  return rest;
}

test(`${ITERATIONS.toLocaleString('en-US')} random and mutated inputs: no decoder throws or breaks an invariant`, (t) => {
  const failures: FuzzFailure[] = [];
  const stats = runFuzz({ seed: SEED, iterations: ITERATIONS, maxFailures: 20, onFailure: (f) => failures.push(f) });
  const perSecond = Math.round(stats.iterations / (stats.elapsedMs / 1000));
  t.diagnostic(`seed ${SEED}: ${stats.iterations} iterations in ${(stats.elapsedMs / 1000).toFixed(1)} s (${perSecond}/s)`);
  t.diagnostic(`TCP packets decoded, checked and re-encoded: ${stats.tcpPackets} (${stats.checksumValid} with a valid checksum)`);
  t.diagnostic(`capture files read: ${stats.captures}, records: ${stats.captureRecords}`);
  t.diagnostic(`failure reasons: ${JSON.stringify(stats.reasons)}`);
  assert.equal(failures.length, 0, `\n${describeFailures(failures)}`);
  assert.equal(stats.iterations, ITERATIONS);
  // The fuzzer has to reach deep enough to mean something: many full TCP decodes, good and bad
  // checksums, capture records, and every reason a decoder can give.
  assert.ok(stats.tcpPackets >= ITERATIONS / 10, `only ${stats.tcpPackets} TCP packets decoded`);
  assert.ok(stats.checksumValid >= ITERATIONS / 50 && stats.checksumValid < stats.tcpPackets, `${stats.checksumValid} valid checksums`);
  assert.ok(stats.captureRecords >= ITERATIONS / 50, `only ${stats.captureRecords} capture records`);
  for (const reason of DECODE_REASONS) assert.ok((stats.reasons[reason] ?? 0) > 0, `no input failed with '${reason}'`);
});

test('the engine reports what a check throws, with an input that replays alone, deterministically', () => {
  // Plant a "bug": a check that rejects every decoded packet carrying three SACK blocks.
  const planted = (p: TcpPacket): void => {
    if (p.tcp.options.sack?.length === 3) throw new Error('planted: three SACK blocks');
  };
  const first: FuzzFailure[] = [];
  const stats = runFuzz({ seed: 7, iterations: 200_000, maxFailures: 1, extraCheck: planted, onFailure: (f) => first.push(f) });
  assert.equal(first.length, 1, 'the planted failure was not found');
  const f = first[0];
  assert.match(f.message, /planted: three SACK blocks/);
  assert.equal(stats.iterations, f.iteration + 1, 'stops at --max-failures');
  assert.ok(f.inputHex.length > 0);
  const input = Uint8Array.from(Buffer.from(f.inputHex, 'hex'));
  assert.equal(input.length * 2, f.inputHex.length);

  // The failing iteration replays alone, with the same input.
  const replay: FuzzFailure[] = [];
  runFuzz({ seed: 7, from: f.iteration, iterations: 1, extraCheck: planted, onFailure: (x) => replay.push(x) });
  const sansStack = (x: FuzzFailure) => ({ ...x, message: x.message.split('\n')[0] });
  assert.deepEqual(replay.map(sansStack), first.map(sansStack));

  // Same seed, same run; another seed, another run.
  const a = runFuzz({ seed: 11, iterations: 20_000 });
  const b = runFuzz({ seed: 11, iterations: 20_000 });
  const c = runFuzz({ seed: 12, iterations: 20_000 });
  assert.deepEqual(withoutTime(a), withoutTime(b));
  assert.notDeepEqual(withoutTime(a), withoutTime(c));
});
