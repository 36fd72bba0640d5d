/**
 * `npm run bench`: every benchmark suite, as a table (or JSON lines with --json): throughput,
 * goodput, connection rate and heap per connection, then the wire-layer, SYN-flood and TUN suites.
 */
import { ALL_SUITES } from './index.js';
import { parseArgs, runSuites } from './harness.js';

try {
  await runSuites(ALL_SUITES, parseArgs(process.argv.slice(2)));
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 2;
}
