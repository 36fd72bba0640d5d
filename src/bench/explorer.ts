/**
 * The explorer's model: what recording a demo scenario for playback costs (a snapshot of every TCB
 * per change, each packet and arrival), beside running the same scenario plainly for its trace; and
 * the heap a recorded session holds, beside the plain run's trace and pcap. Measured on the longest
 * scenarios, syn-flood and lossy-transfer. A page records a scenario once, when it is opened.
 */
import { findScenario } from '../trace/scenarios.js';
import { ScenarioSession } from '../explorer/model/scenario.js';
import { consume, forcedGc, measurePair, rowOf, type BenchSuite, type Row } from './harness.js';

const SCENARIOS = ['syn-flood', 'lossy-transfer'] as const;

function recordCase(name: (typeof SCENARIOS)[number]) {
  return {
    name: `explorer record ${name}`,
    run(o: Parameters<typeof measurePair>[2]): Row {
      const scenario = findScenario(name)!;
      let seed = 1;
      const recorded = (n: number): number => {
        let x = 0;
        for (let i = 0; i < n; i++) x += ScenarioSession.open(name, seed++ % 50, 'en') instanceof ScenarioSession ? 1 : 0;
        return x;
      };
      const plain = (n: number): number => {
        let x = 0;
        for (let i = 0; i < n; i++) x += scenario.run({ seed: seed++ % 50, lang: 'en' }).trace.events.length;
        return x;
      };
      const [s, r] = measurePair(recorded, plain, { warmupMs: 300, trialMs: 200, trials: 5, ...o });
      // Sessions per second beside plain runs per second: the ratio is the recording's overhead.
      return rowOf(`explorer: record ${name}`, 'runs/s', s, `plain ${name} run`, r, 1, undefined);
    },
  };
}

function heapCase(name: (typeof SCENARIOS)[number]) {
  return {
    name: `explorer heap ${name}`,
    run(): Row {
      const g = forcedGc();
      if (!g) throw new Error('explorer heap rows need a forced GC (node --expose-gc; npm run bench passes it)');
      const held: unknown[] = [];
      const heap = (make: () => unknown): number => {
        g();
        g();
        const before = process.memoryUsage().heapUsed;
        for (let i = 0; i < 10; i++) held.push(make());
        g();
        g();
        const after = process.memoryUsage().heapUsed;
        consume(held.length);
        held.length = 0;
        return (after - before) / 10 / 1024;
      };
      const scenario = findScenario(name)!;
      heap(() => ScenarioSession.open(name, 1, 'en')); // warm the code paths
      const session = heap(() => ScenarioSession.open(name, 1, 'en'));
      const plain = heap(() => scenario.run({ seed: 1, lang: 'en', pcap: true }));
      const m = (v: number) => ({ median: v, min: v, max: v, samples: [v] });
      return rowOf(`explorer: heap ${name}`, 'KiB', m(session), `plain run: trace, pcap`, m(plain), 1, undefined);
    },
  };
}

export const explorerSuite: BenchSuite = {
  name: 'explorer',
  cases: [...SCENARIOS.map(recordCase), ...SCENARIOS.map(heapCase)],
};
