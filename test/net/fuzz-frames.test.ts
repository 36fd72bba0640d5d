/**
 * CI's share of fuzzing NetStack.handleFrame (engine: test/fuzz/fuzz-net.ts): well-formed and mutated
 * ARP, neighbour discovery and IP frames, interleaved with timers. No input may throw, make the stack
 * send a frame or packet that does not decode or exceeds its MTU, or grow a neighbour cache past its
 * bound; every frame is counted. A failure prints the seed and iteration that replay it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNetFuzz, type NetFuzzFailure } from '../fuzz/fuzz-net.js';
import type { NetStack } from '../../src/net/net-stack.js';

const SEED = 0x20_2026;
const ITERATIONS = 1500;

test(`${ITERATIONS} fresh stacks x 20 random and mutated frames each: no crash, well-formed output, bounded caches, every drop counted`, (t) => {
  const failures: NetFuzzFailure[] = [];
  const stats = runNetFuzz({ seed: SEED, iterations: ITERATIONS, onFailure: (f) => failures.push(f) });
  t.diagnostic(`seed ${SEED}: counters moved ${JSON.stringify(stats.counted)}`);
  const text = failures.map((f) => `seed ${f.seed} iteration ${f.iteration}: ${f.message}\n  last input: ${f.inputHex}\n  replay: runNetFuzz({ seed: ${f.seed}, from: ${f.iteration}, iterations: 1 })`).join('\n\n');
  assert.equal(failures.length, 0, `\n${text}`);
  assert.equal(stats.frames, ITERATIONS * 20);
  // Deep enough to mean something: the drops and the deliveries each come up.
  for (const key of ['InFrameErrors', 'InHdrErrors', 'InArpErrors', 'InNdInvalid', 'InDelivers', 'ForwDatagrams', 'OutTimeExcds', 'InAddrErrors', 'InUnknownProtos', 'InEchos', 'FragCreates']) {
    assert.ok((stats.counted[key] ?? 0) > 0, `no input moved ${key}`);
  }
});

test('the engine reports a throwing stack with the seed and iteration, and the same range replays the same way', () => {
  // Plant a bug: the stack throws on any ARP frame it is given.
  const plant = (net: NetStack) => {
    const real = net.handleFrame.bind(net);
    net.handleFrame = (i, frame, now) => {
      if (frame.length >= 14 && frame[12] === 8 && frame[13] === 6) throw new Error('planted: an ARP frame');
      real(i, frame, now);
    };
  };
  const first: NetFuzzFailure[] = [];
  runNetFuzz({ seed: 5, iterations: 50, maxFailures: 1, plant, onFailure: (f) => first.push(f) });
  assert.equal(first.length, 1, 'the planted failure was not found');
  assert.match(first[0].message, /planted: an ARP frame/);
  const replay: NetFuzzFailure[] = [];
  runNetFuzz({ seed: 5, from: first[0].iteration, iterations: 1, plant, onFailure: (f) => replay.push(f) });
  const key = (f: NetFuzzFailure) => [f.seed, f.iteration, f.inputHex, f.message.split('\n')[0]];
  assert.deepEqual(replay.map(key), first.map(key));
  const s1 = runNetFuzz({ seed: 5, iterations: 3, from: 10, onFailure: () => {} });
  const s2 = runNetFuzz({ seed: 5, iterations: 3, from: 10, onFailure: () => {} });
  assert.deepEqual(s1, s2, 'same seed and range, same run');
});
