/**
 * `npm run bench`: every benchmark suite, as a table (or JSON lines with --json).
 * Suites for throughput, connection rate and memory join the list as they are written.
 */
import { parseArgs, runSuites, type BenchSuite } from './harness.js';
import { floodSuite } from './flood.js';
import { wireSuite } from './wire.js';
import { tunSuite } from './tun.js';

const suites: BenchSuite[] = [wireSuite, floodSuite, tunSuite];

try {
  await runSuites(suites, parseArgs(process.argv.slice(2)));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
}
