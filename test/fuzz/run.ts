/**
 * `npm run fuzz`: a long fuzzing run of the wire/ decoders.
 *
 *   npm run fuzz                                   20,000,000 iterations, a fresh seed (printed)
 *   npm run fuzz -- --seconds 300                  as many as fit in five minutes
 *   npm run fuzz -- --seed 7 --iterations 1e6      a given seed
 *   npm run fuzz -- --seed 7 --from 123 --iterations 1   replay one iteration
 *
 * Prints progress and a summary; exits 1 when any input made a decoder throw or broke an invariant.
 */
import { runFuzz, type FuzzFailure, type FuzzStats } from './fuzz.js';
import { runL2Fuzz } from './fuzz-l2.js';

interface Args {
  seed: number;
  iterations: number;
  from: number;
  seconds?: number;
  maxFailures: number;
  /** Fuzz the link-layer and UDP-borne decoders (fuzz-l2.ts) instead of IP, TCP and captures. */
  l2: boolean;
}

const USAGE = `usage: npm run fuzz -- [--l2] [--seed N] [--iterations N] [--seconds N] [--from N] [--max-failures N]

Feeds random and mutated bytes to every wire/ decoder (IP, TCP, link layers, pcap and pcapng
captures) and checks that none throws, that every failure is a typed reason, and that a decoded TCP
packet encodes back to the same bytes. Prints its seed
first, progress every million iterations, then a summary; each failure with the command that
replays it. Exit status: 0 no failure, 1 a failure, 2 a usage error.

  --seed N          the generator's seed (default: a fresh one, printed)
  --iterations N    how many inputs (default 20,000,000; 1e6 notation allowed)
  --seconds N       stop after N seconds of wall clock (alone: as many iterations as fit)
  --from N          start at iteration N of the seed's sequence (with --iterations 1: replay one)
  --max-failures N  stop after N failures (default 10)
  --l2              fuzz the Ethernet, ARP, UDP, neighbour discovery, DHCP and DNS decoders
                    instead (--seconds does not apply; replay with --l2 as well)
  -h, --help        this text`;

function usage(message?: string): never {
  if (message) {
    console.error(`fuzz: ${message}`);
    console.error("see 'npm run fuzz -- --help'");
    process.exit(2);
  }
  console.log(USAGE);
  process.exit(0);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seed: (Date.now() ^ (process.pid << 16)) >>> 0, iterations: 20_000_000, from: 0, maxFailures: 10, l2: false };
  let iterationsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') usage();
    if (flag === '--l2') {
      args.l2 = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) usage(`${flag} ${value}: not a non-negative number`);
    switch (flag) {
      case '--seed':
        args.seed = n >>> 0;
        break;
      case '--iterations':
        args.iterations = Math.floor(n);
        iterationsGiven = true;
        break;
      case '--seconds':
        args.seconds = n;
        break;
      case '--from':
        args.from = Math.floor(n);
        break;
      case '--max-failures':
        args.maxFailures = Math.max(1, Math.floor(n));
        break;
      default:
        usage(`unknown option ${flag}`);
    }
  }
  // --seconds alone means "for that long", not "for that long or 20M iterations".
  if (args.seconds !== undefined && !iterationsGiven) args.iterations = Number.MAX_SAFE_INTEGER - args.from;
  return args;
}

function rate(s: FuzzStats): string {
  return `${Math.round(s.iterations / (s.elapsedMs / 1000)).toLocaleString('en-US')}/s`;
}

const args = parseArgs(process.argv.slice(2));
if (args.l2) {
  const iterations = Math.min(args.iterations, 1e9);
  console.log(`fuzzing the link-layer and UDP-borne decoders: seed ${args.seed}, ${iterations.toLocaleString('en-US')} iterations${args.from ? ` from iteration ${args.from}` : ''}`);
  const s = runL2Fuzz({
    seed: args.seed,
    iterations,
    from: args.from,
    maxFailures: args.maxFailures,
    onFailure: (f) => {
      console.log(`\nFAILURE at seed ${f.seed} iteration ${f.iteration}\n  target: ${f.target}\n  ${f.message}\n  input (${f.inputHex.length / 2} bytes): ${f.inputHex}`);
      console.log(`  replay: npm run fuzz -- --l2 --seed ${f.seed} --from ${f.iteration} --iterations 1\n`);
    },
  });
  console.log(`\n${s.iterations.toLocaleString('en-US')} iterations, seed ${args.seed}; decoded ${JSON.stringify(s.decoded)}`);
  console.log(`  failure reasons: ${JSON.stringify(s.reasons)}`);
  if (s.failures) {
    console.log(`\n${s.failures} FAILURE(S)`);
    process.exit(1);
  }
  console.log('  no failures');
  process.exit(0);
}
console.log(
  `fuzzing wire/ decoders: seed ${args.seed}, ` +
    (args.seconds !== undefined ? `${args.seconds} s` : '') +
    (args.seconds !== undefined && args.iterations < Number.MAX_SAFE_INTEGER - args.from ? ' or ' : '') +
    (args.iterations < Number.MAX_SAFE_INTEGER - args.from ? `${args.iterations.toLocaleString('en-US')} iterations` : '') +
    (args.from ? ` from iteration ${args.from}` : ''),
);

const failures: FuzzFailure[] = [];
const stats = runFuzz({
  seed: args.seed,
  iterations: args.iterations,
  from: args.from,
  timeLimitMs: args.seconds !== undefined ? args.seconds * 1000 : undefined,
  maxFailures: args.maxFailures,
  progressEvery: 1_000_000,
  onProgress: (s) => console.log(`  ${s.iterations.toLocaleString('en-US')} iterations, ${rate(s)}, ${s.tcpPackets.toLocaleString('en-US')} TCP packets decoded, ${s.failures} failures`),
  onFailure: (f) => {
    failures.push(f);
    console.log(`\nFAILURE at seed ${f.seed} iteration ${f.iteration}\n  target: ${f.target}\n  ${f.message.replace(/\n/g, '\n  ')}\n  input (${f.inputHex.length / 2} bytes): ${f.inputHex}`);
    console.log(`  replay: npm run fuzz -- --seed ${f.seed} --from ${f.iteration} --iterations 1\n`);
  },
});

console.log(`\n${stats.iterations.toLocaleString('en-US')} iterations in ${(stats.elapsedMs / 1000).toFixed(1)} s (${rate(stats)}), seed ${args.seed}`);
console.log(`  TCP packets decoded and checked: ${stats.tcpPackets.toLocaleString('en-US')} (${stats.checksumValid.toLocaleString('en-US')} with a valid checksum)`);
console.log(`  capture files read: ${stats.captures.toLocaleString('en-US')}, records: ${stats.captureRecords.toLocaleString('en-US')}`);
console.log(
  '  failure reasons: ' +
    Object.entries(stats.reasons)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', '),
);
if (failures.length) {
  console.log(`\n${stats.failures} FAILURE(S)${stats.failures >= args.maxFailures ? ' (stopped at --max-failures)' : ''}`);
  process.exit(1);
}
console.log('  no failures');
