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
import { buildDumbbell, buildNs3, jainIndex, lossEpisodes, makeNs3Suite, ns3Args, ns3SkipReason, parseNs3Line, runNs3, runSynack, type Scenario } from '../../src/bench/ns3.js';
import { SimNetwork } from '../../src/link/sim.js';
import { TransferSession } from '../../src/workloads/transfer.js';
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
      assert.ok(r.runSeconds > 0 && r.cpuSeconds > 0 && r.events > 0 && r.heapBytes >= 0, where);
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
        if (s.kind === 'dumbbell') {
          // The same topology on both: 2n hosts, two routers, every data packet forwarded by both.
          assert.equal(r.hosts, 2 * s.flows + 2, where);
          assert.equal(r.forwarded?.length, 2, where);
          assert.ok(r.forwarded![0] * 1448 >= r.received.reduce((a, b) => a + b, 0) && r.forwarded![1] * 1448 >= r.received.reduce((a, b) => a + b, 0), `the routers forwarded at least the data read: ${where}`);
          assert.ok(r.drops !== undefined && r.drops.atBottleneck.every(([t, f]) => t >= 0 && t <= s.seconds * 1000 && f >= 0 && f < s.flows), where);
          const j = jainIndex(r.received);
          assert.ok(j > 1 / s.flows && j <= 1, where);
        }
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
    ['ns3-d-rr-speed', 'ns3-d-rr-cpu-speed', 'ns3-d-rr-setup', 'ns3-d-rr-events', 'ns3-d-rr-memory', 'ns3-d-rr-retransmits', 'ns3-d-rr-completed', 'ns3-d-rr-virtual-time'],
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
  const ok = parseNs3Line('{"scenario":"bulk","setupSeconds":0.01,"runSeconds":0.2,"cpuSeconds":0.19,"events":29183,"hosts":2,"heapBytes":245168,"virtualSeconds":60,"retransmits":61,"completed":0,"received":[7985720]}');
  assert.equal(ok.events, 29183);
  assert.deepEqual(ok.received, [7985720]);
  const c = parseNs3Line('{"scenario":"dumbbell","setupSeconds":0.02,"runSeconds":0.2,"cpuSeconds":0.19,"events":37560,"hosts":8,"heapBytes":1466208,"virtualSeconds":2,"retransmits":2,"completed":0,"received":[1853440,1737600,1183016],"drops":{"elsewhere":0,"atBottleneck":[[394.69,2],[394.7,0]]},"forwarded":[5267,5096]}');
  assert.deepEqual(c.drops, { elsewhere: 0, atBottleneck: [[394.69, 2], [394.7, 0]] });
  assert.deepEqual(c.forwarded, [5267, 5096]);
  assert.throws(() => parseNs3Line('{"setupSeconds":0,"runSeconds":0,"cpuSeconds":0,"events":0,"hosts":8,"heapBytes":0,"virtualSeconds":2,"retransmits":0,"completed":0,"received":[],"drops":{"atBottleneck":[[1]]}}'), /field drops/);
});

test('ns3: the program\'s arguments carry the scenario\'s settings; Jain\'s index from its definition', () => {
  assert.deepEqual(ns3Args(TINY.bulk, 7), ['--scenario=bulk', '--rate=10000000bps', '--delayMs=10', '--queue=262144', '--seed=7', '--loss=0.01', '--seconds=3']);
  assert.equal(jainIndex([5, 5, 5, 5]), 1);
  assert.equal(jainIndex([8, 0, 0, 0]), 0.25);
  assert.ok(Math.abs(jainIndex([1, 2]) - 9 / 10) < 1e-12);
});

test('ns3: synack\'s dumbbell is routed as ns-3\'s: each flow crosses its access links and both routers, TTL down by one per router', () => {
  const s = { kind: 'dumbbell' as const, flows: 3, rateBps: 20e6, delayMs: 5, queueBytes: 30_000, seconds: 10, staggerMs: 10 };
  const seed = 3;
  const net = new SimNetwork(seed);
  const d = buildDumbbell(net, s);
  assert.equal(net.hosts.length, 8);
  assert.equal(d.access.length, 6);
  const [r1, r2] = d.routers;
  // Data leaves a sender with TTL 64 and reaches its receiver with 62; ACKs the same way back.
  const ttls = new Map<string, Set<number>>();
  const seen = (where: string, ttl: number) => (ttls.get(where) ?? ttls.set(where, new Set()).get(where)!).add(ttl);
  d.access.forEach((l) => l.tap((p, _t, from) => seen(`${from.name} -> ${l.other(from).name}`, p[8])));
  const sessions = d.senders.map((c, i) => new TransferSession(net, { client: c, server: d.receivers[i], port: 5001, up: 300_000, down: 0, dataSeed: seed * 1000 + i }));
  net.runUntil(() => sessions.every((x) => x.dataDoneAt !== undefined), 60_000);
  net.runFor(1000); // the last ACKs and FINs land
  for (const [i, x] of sessions.entries()) {
    const r = x.report(0, undefined, true);
    assert.ok(r.ok, `flow ${i} (seed ${seed}): ${r.ok ? '' : r.reason}`);
  }
  for (let i = 0; i < 3; i++) {
    assert.deepEqual([...ttls.get(`sender${i} -> r1`)!], [64], `seed ${seed}`);
    assert.deepEqual([...ttls.get(`r2 -> receiver${i}`)!], [62], `seed ${seed}`);
    assert.deepEqual([...ttls.get(`receiver${i} -> r2`)!], [64], `seed ${seed}`);
    assert.deepEqual([...ttls.get(`r1 -> sender${i}`)!], [62], `seed ${seed}`);
  }
  // r1 forwards the data onto the bottleneck and the ACKs that came off it, r2 the data that came off
  // it and the ACKs onto it; the ACK direction loses nothing, so r1 forwarded what the bottleneck
  // was given and r2 what it delivered. The queue that drops is r1's egress.
  const fw = [r1.net!.counters.ForwDatagrams, r2.net!.counters.ForwDatagrams];
  assert.ok(fw[0] > 600 && fw[1] > 600, `both routers forwarded (${fw}), seed ${seed}`);
  assert.equal(fw[0], d.bottleneck.stats.sent, `seed ${seed}`);
  assert.equal(fw[1], d.bottleneck.stats.delivered, `seed ${seed}`);
  assert.ok(d.bottleneck.stats.queueDrops > 0, `a 30 kB queue at 20 Mbit/s overflows, seed ${seed}`);
  for (const l of d.access) assert.equal(l.stats.queueDrops, 0, `10 Gbit/s access links never queue, seed ${seed}`);
  assert.throws(() => buildDumbbell(new SimNetwork(1), { ...s, flows: 255 }), /flows must be an integer in \[1, 254\]/);
});

test('ns3: loss episodes group the bottleneck\'s drops a round trip apart and count the flows each one hits', () => {
  assert.deepEqual(lossEpisodes([], 50), { episodes: 0, flowsPerEpisode: 0 });
  // Two episodes: flows 1, 2, 2 within 50 ms of each other; then flow 3 alone, 100 ms later.
  assert.deepEqual(lossEpisodes([[10, 1], [40, 2], [80, 2], [180, 3]], 50), { episodes: 2, flowsPerEpisode: 1.5 });
  assert.deepEqual(lossEpisodes([[180, 3], [10, 1]], 50), { episodes: 2, flowsPerEpisode: 1 }, 'in time order whatever the input order');
});
