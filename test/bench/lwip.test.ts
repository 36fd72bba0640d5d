/**
 * The lwIP rows' harness (native/lwip/harness.c, built by src/bench/lwip.ts): it compiles against
 * each configuration, moves bytes and completes cycles in a tiny run with sane figures, and the
 * suite's rows come out as rows. Where liblwip-dev, Debian's lwIP source or a compiler is missing the
 * tests say why and skip; under CI, which installs them (.ci/run), a missing one fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildLwip, lwipSkipReason, makeLwipSuite, parseHarnessLine, runHarness, type LwipConfig } from '../../src/bench/lwip.js';
import { runSuites, type RunOptions } from '../../src/bench/harness.js';
import { connectionCyclesYielding, makePair } from '../../src/bench/sim-pair.js';

function skipFor(config: LwipConfig): string | false {
  const why = lwipSkipReason(config);
  return why && !process.env.CI ? why : false;
}

const BYTES = 4 * 2 ** 20;
const CYCLES = 300;

for (const [config, mtu, mss] of [
  ['debian', 1500, 1460],
  ['debian', 65535, 1460],
  ['nocsum', 1500, 1460],
  ['nocsum', 65535, 65495],
] as const) {
  test(`lwip ${config}: the harness moves ${BYTES} bytes at MTU ${mtu} with MSS ${mss}`, { skip: skipFor(config) }, () => {
    const why = lwipSkipReason(config);
    assert.equal(why, undefined, `CI installs what the lwIP rows need: ${why}`);
    const b = buildLwip(config, mtu);
    const r = runHarness(b, mtu, 'bulk', BYTES, 30);
    assert.equal(r.bytes, BYTES);
    assert.equal(r.mss, mss);
    assert.equal(r.dropped, 0);
    // Sane: more than 10 Mbit/s and less than a terabit.
    const gbps = (BYTES * 8) / r.seconds / 1e9;
    assert.ok(gbps > 0.01 && gbps < 1000, `${gbps} Gbit/s`);
  });
}

for (const config of ['debian', 'nocsum'] as const) {
  test(`lwip ${config}: the harness completes ${CYCLES} request/response cycles`, { skip: skipFor(config) }, () => {
    const b = buildLwip(config, 65535);
    const r = runHarness(b, 65535, 'cycles', CYCLES, 30);
    assert.equal(r.cycles, CYCLES);
    // The TIME-WAIT policy: the server closed first and holds every cycle's connection for 2*MSL.
    assert.equal(r.timeWaitServer, CYCLES);
    assert.equal(r.timeWaitClient, 0);
    const rate = CYCLES / r.seconds;
    assert.ok(rate > 100 && rate < 10_000_000, `${rate} cycles/s`);
  });
}

test("synack's side of the TIME-WAIT policy: after the connection-rate row's cycles the server holds each one's TIME-WAIT, the client none", async () => {
  // The pair simCycleRate (src/bench/connection-rate.ts) builds.
  const pair = makePair({ seed: 1, link: { delayMs: 0.001, mtu: 65535 }, tcp: { mtu: 65535 }, checksumOffload: true, ephemeralMin: 1024 });
  assert.equal(await connectionCyclesYielding(pair, CYCLES, 64), CYCLES);
  assert.equal([...pair.server.stack.timeWaitEntries()].length, CYCLES);
  assert.equal([...pair.client.stack.timeWaitEntries()].length, 0);
  assert.equal(pair.server.stack.counters.tcp.TimeWaitReused + pair.server.stack.counters.tcp.TCPTimeWaitOverflow, 0);
});

test('the harness line parses, and anything else is an error', () => {
  assert.deepEqual(parseHarnessLine('seconds=0.25 bytes=1048576 mss=1460 window=65535 dropped=0\n'), {
    seconds: 0.25,
    bytes: 1048576,
    cycles: undefined,
    mss: 1460,
    dropped: 0,
    timeWaitServer: undefined,
    timeWaitClient: undefined,
  });
  assert.throws(() => parseHarnessLine(''), /no positive seconds/);
  assert.throws(() => parseHarnessLine('lwip-harness: the wall-clock bound passed'), /unexpected harness output/);
  assert.throws(() => parseHarnessLine('seconds=0 cycles=10'), /no positive seconds/);
});

test('the lwip suite prints its six rows, each synack beside lwIP or skipped with the reason', async () => {
  const suite = makeLwipSuite({ synackBytes: 2 ** 20, lwipBytes: BYTES, cycles: CYCLES, trials: 1, synackWarmupMs: 1 });
  const lines: string[] = [];
  const opts: RunOptions = { json: true, check: false, measure: { warmupMs: 1, trialMs: 1, trials: 1 } };
  await runSuites([suite], opts, (l) => lines.push(l));
  const rows = lines.map((l) => JSON.parse(l) as { name: string; value: number | null; unit: string; reference: string; referenceValue: number | null; ratio: number | null });
  assert.deepEqual(
    rows.map((r) => r.name),
    [
      'lwip-debian-throughput-mtu1500',
      'lwip-debian-throughput-mtu65535',
      'lwip-debian-connection-rate',
      'lwip-nocsum-throughput-mtu1500',
      'lwip-nocsum-throughput-mtu65535',
      'lwip-nocsum-connection-rate',
    ],
  );
  for (const r of rows) {
    const config = r.name.split('-')[1] as LwipConfig;
    assert.equal(r.unit, r.name.includes('connection-rate') ? 'cycles/s' : 'Gbit/s');
    if (skipFor(config)) {
      assert.match(r.reference, /^skipped: /);
      continue;
    }
    assert.equal(r.reference, config === 'debian' ? 'lwIP Debian lib' : 'lwIP no-checksum');
    assert.ok(r.value! > 0 && r.referenceValue! > 0, `${r.name}: ${r.value} beside ${r.referenceValue}`);
    assert.ok(Math.abs(r.ratio! - r.value! / r.referenceValue!) < 1e-9 * r.ratio!, `${r.name}: ratio ${r.ratio}`);
  }
});
