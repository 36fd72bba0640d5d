/**
 * The ns-3 rows' harness (native/ns3/scenarios.cc, built by src/bench/ns3.ts): it compiles against
 * libns3-dev, runs each scenario small in ns-3 and in synack's simulator with sane results, its
 * output parses (and bad output is refused), and the suite's rows come out as rows. Where
 * libns3-dev, pkg-config or g++ is missing the tests say why and skip; under CI, which installs
 * them (.ci/run), a missing one fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { buildNs3, jainIndex, makeNs3Suite, ns3Args, ns3SkipReason, parseNs3Line, runNs3, runSynack, type Scenario } from '../../src/bench/ns3.js';
import { runSuites, type Row, type RunOptions } from '../../src/bench/harness.js';

const why = ns3SkipReason();
const skip = why && !process.env.CI ? why : false;

const TINY: Record<string, Scenario> = {
  bulk: { kind: 'bulk', rateBps: 10e6, delayMs: 10, queueBytes: 2 ** 18, loss: 0.01, seconds: 3 },
  dumbbell: { kind: 'dumbbell', flows: 3, rateBps: 20e6, delayMs: 5, queueBytes: 2 ** 18, seconds: 2, staggerMs: 10 },
  rr: { kind: 'rr', clients: 5, perClient: 2, rateBps: 10e6, delayMs: 2, queueBytes: 2 ** 18, request: 100, response: 10_000, staggerMs: 1, maxSeconds: 10 },
};

test('ns3: the program builds and runs each scenario small; both simulators report what their TCPs did', { skip }, () => {
  assert.equal(why, undefined, `CI installs what the ns-3 rows need: ${why}`);
  const program = buildNs3();
  const seed = 1;
  for (const [name, s] of Object.entries(TINY)) {
    const n = runNs3(program, s, 120, seed);
    const k = runSynack(s, seed);
    for (const [who, r] of [
      ['ns-3', n],
      ['synack', k],
    ] as const) {
      const where = `${name} ${who} (seed ${seed}): ${JSON.stringify(r)}`;
      // (The heap figure of a run this small is noise for synack, whose heap is V8's: only its sign is checked.)
      assert.ok(r.runSeconds > 0 && r.events > 0 && r.heapBytes >= 0, where);
      if (who === 'ns-3') assert.ok(r.heapBytes > 0, where);
      if (s.kind === 'rr') {
        assert.equal(r.hosts, s.clients + 1, where);
        assert.equal(r.completed, s.clients * s.perClient, where);
        // At least: the handshake, the request and the response each take a round trip.
        assert.ok(r.virtualSeconds > (3 * 2 * s.delayMs) / 1000 && r.virtualSeconds < s.maxSeconds, where);
      } else {
        const flows = s.kind === 'bulk' ? 1 : s.flows;
        assert.equal(r.received.length, flows, where);
        const bits = r.received.reduce((a, b) => a + b, 0) * 8;
        // Something moved, and never more than the link carries.
        assert.ok(bits > 0.05 * s.rateBps * s.seconds && bits <= s.rateBps * s.seconds, where);
        if (s.kind === 'bulk') assert.ok(r.retransmits > 0, `1% loss brings retransmissions: ${where}`);
      }
    }
  }
});

test('ns3: the program refuses an unknown scenario', { skip }, () => {
  const program = buildNs3();
  const r = spawnSync(program, ['--scenario=nonsense'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown scenario 'nonsense'/);
});

test('ns3: the suite prints its rows with ns-3 as the reference and the ratio synack / ns-3', { skip }, async () => {
  const suite = makeNs3Suite({ d: TINY.rr });
  const rows: Row[] = [];
  const opts: RunOptions = { json: true, check: false, measure: { warmupMs: 0, trialMs: 1, trials: 1 } };
  await runSuites([suite], opts, (line) => rows.push(JSON.parse(line) as Row));
  assert.deepEqual(
    rows.map((r) => r.name),
    ['ns3-d-rr-speed', 'ns3-d-rr-events', 'ns3-d-rr-memory', 'ns3-d-rr-retransmits', 'ns3-d-rr-completed', 'ns3-d-rr-virtual-time'],
  );
  for (const r of rows) {
    assert.equal(r.reference, 'ns-3 3.37', r.name);
    if (r.name !== 'ns3-d-rr-retransmits') assert.ok(Math.abs(r.ratio - r.value / r.referenceValue) < 1e-9 && r.ratio > 0, JSON.stringify(r));
  }
  assert.equal(rows.find((r) => r.name === 'ns3-d-rr-completed')!.ratio, 1);
});

test('ns3: output that is not the program\'s JSON line is refused with a reason', () => {
  assert.throws(() => parseNs3Line('Segmentation fault'), /unexpected output/);
  assert.throws(() => parseNs3Line('{"runSeconds":-1}'), /not a non-negative number/);
  const ok = parseNs3Line('{"scenario":"bulk","setupSeconds":0.01,"runSeconds":0.2,"events":29183,"hosts":2,"heapBytes":245168,"virtualSeconds":60,"retransmits":61,"completed":0,"received":[7985720]}');
  assert.equal(ok.events, 29183);
  assert.deepEqual(ok.received, [7985720]);
});

test('ns3: the program\'s arguments carry the scenario\'s settings; Jain\'s index from its definition', () => {
  assert.deepEqual(ns3Args(TINY.bulk, 7), ['--scenario=bulk', '--rate=10000000bps', '--delayMs=10', '--queue=262144', '--seed=7', '--loss=0.01', '--seconds=3']);
  assert.equal(jainIndex([5, 5, 5, 5]), 1);
  assert.equal(jainIndex([8, 0, 0, 0]), 0.25);
  assert.ok(Math.abs(jainIndex([1, 2]) - 9 / 10) < 1e-12);
});
