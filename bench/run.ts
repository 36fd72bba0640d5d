/**
 * `npm run bench`: every benchmark suite, as a table (or JSON lines with --json): the issue-6 rows
 * (src/bench: throughput, goodput, connection rate, heap per connection), then the wire-layer and
 * SYN-flood suites.
 */
import { ISSUE6_SUITES } from '../src/bench/index.js';
import { parseArgs, runSuites, type BenchSuite } from '../src/bench/harness.js';
import { floodSuite } from './flood.js';
import { wireSuite } from './wire.js';
import { tunSuite } from './tun.js';

const suites: BenchSuite[] = [...ISSUE6_SUITES, wireSuite, floodSuite, tunSuite];

try {
  await runSuites(suites, parseArgs(process.argv.slice(2)));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
}
