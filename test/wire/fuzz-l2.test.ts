/**
 * CI's share of fuzzing the link-layer and UDP-borne decoders (engine: test/fuzz/fuzz-l2.ts; longer
 * runs: `npm run fuzz -- --l2`). No input may make a decoder throw or break an
 * invariant; a failure prints the seed, the iteration and the input as hex, and replays alone with
 * `npm run fuzz -- --l2 --seed S --from I --iterations 1`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runL2Fuzz, type L2FuzzFailure } from '../fuzz/fuzz-l2.js';
import type { DecodedDns } from '../../src/wire/dns.js';
import { L2_REASONS } from '../fuzz/fuzz.js';

const SEED = 0x12_2026;
const ITERATIONS = 50_000;

test(`${ITERATIONS.toLocaleString('en-US')} random and mutated frames: no link-layer, UDP, DHCP, DNS or ND decoder throws or breaks an invariant`, (t) => {
  const failures: L2FuzzFailure[] = [];
  const stats = runL2Fuzz({ seed: SEED, iterations: ITERATIONS, maxFailures: 20, onFailure: (f) => failures.push(f) });
  t.diagnostic(`seed ${SEED}: decoded ${JSON.stringify(stats.decoded)}`);
  t.diagnostic(`failure reasons: ${JSON.stringify(stats.reasons)}`);
  const text = failures.map((f) => `seed ${f.seed} iteration ${f.iteration}\n  target: ${f.target}\n  ${f.message}\n  input: ${f.inputHex}\n  replay: npm run fuzz -- --l2 --seed ${f.seed} --from ${f.iteration} --iterations 1`).join('\n\n');
  assert.equal(failures.length, 0, `\n${text}`);
  assert.equal(stats.iterations, ITERATIONS);
  // Deep enough to mean something: every decoder succeeds often, and each reason these decoders add comes up.
  for (const what of ['ethernet', 'arp', 'udp', 'ndp', 'dhcp', 'dns']) {
    assert.ok((stats.decoded[what] ?? 0) >= ITERATIONS / 100, `only ${stats.decoded[what] ?? 0} successful ${what} decodes`);
  }
  for (const reason of [...L2_REASONS, 'truncated', 'option-overrun']) assert.ok((stats.reasons[reason] ?? 0) > 0, `no input failed with '${reason}'`);
});

test('the engine reports what a check throws, with an input that replays alone', () => {
  // Plant a "bug": a check that rejects every DNS message with an AAAA answer.
  const planted = (d: DecodedDns) => {
    if (d.answers.some((a) => a.type === 28)) throw new Error('planted: an AAAA answer');
  };
  const first: L2FuzzFailure[] = [];
  const stats = runL2Fuzz({ seed: 7, iterations: 20_000, maxFailures: 1, extraDnsCheck: planted, onFailure: (f) => first.push(f) });
  assert.equal(first.length, 1, 'the planted failure was not found');
  const f = first[0];
  assert.match(f.message, /planted: an AAAA answer/);
  assert.match(f.target, /^decodeDns/);
  assert.equal(stats.iterations, f.iteration + 1, 'stops at maxFailures');
  const replay: L2FuzzFailure[] = [];
  runL2Fuzz({ seed: 7, from: f.iteration, iterations: 1, extraDnsCheck: planted, onFailure: (g) => replay.push(g) });
  assert.deepEqual(replay, [f]);
});
