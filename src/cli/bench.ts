/**
 * `synack bench`: argument parsing and printing only; the suites live in src/bench. With no
 * subcommand, the stack's rows (throughput, goodput, connection rate, heap per connection) as a
 * table or JSON lines; `flood` is the SYN flood, once per SYN-cookie mode.
 */
import { DEFAULT_OPTIONS, STACK_SUITES, runSuites } from '../bench/index.js';
import { meetsTarget } from '../bench/harness.js';
import { forcedGc } from '../bench/harness.js';
import { CONNECT_DEADLINE_MS, decodeSynReference, floodBaseline, FLOOD_MODES, FLOOD_SYN_QUEUE, FLOOD_TARGETS, runFlood, type FloodReport } from '../bench/syn-flood.js';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';
import { progress } from './progress.js';

export const benchUsage = `usage: synack bench [--json] [--filter SUBSTRING] [--check]
       synack bench flood [OPTIONS]   (see 'synack bench flood --help')

Measures the stack, each row beside a reference measured in the same run on the same machine, with
the ratio and whether the row's target is met. Each row is printed as soon as it is measured (on a
terminal, the row being measured is shown on stderr meanwhile); the eleven rows take about 2 minutes
on an idle 2-core machine:

  throughput-mtu65535          one connection, two stacks in one process, simulator link without
                               impairment (checksums offloaded, as on loopback), MTU 65535, Gbit/s
                               of wall clock; reference Node net over 127.0.0.1 in this process;
                               target >= 1.0x the reference
  throughput-mtu1500           the same at MTU 1500; target >= 5 Gbit/s
  goodput-loss1pct-rtt50ms     100 Mbit/s bottleneck, 50 ms RTT, 1% random loss, Mbit/s of virtual
                               time; reference the Mathis bound MSS/RTT * sqrt(3/2)/sqrt(p); target >= it
  goodput-loss0.01pct-rtt50ms  the same link at 0.01% loss; reference the link's capacity; target >= 90%
  goodput-loss1pct-rtt50ms-bbr, goodput-loss0.01pct-rtt50ms-bbr
                               the same two with BBR (congestionControl 'bbr'); references: at 1%,
                               CUBIC on the same path in the same run (target >= it); at 0.01%, the
                               link's capacity (target >= 90%)
  goodput-loss0.01pct-rtt50ms-bbr-700mib
                               BBR at 0.01% loss over 700 MiB (about a minute at capacity) instead
                               of 64 MiB (about 6 s, 0.3 of them the handshake and Startup); reference
                               the link's capacity; target >= 90%
  connection-rate              cycles per second (connect, 1-byte request, 1-byte response, close both
                               ways) with 64 in flight; reference Node net over 127.0.0.1; target >= 10x
  heap-per-idle-connection     heap bytes per idle ESTABLISHED TCB with 100,000 connections open (both
                               ends counted: delta / 200,000 after a forced GC); reference Linux's
                               struct tcp_sock, 2664 bytes (a constant); target <= 1024 B
  heap-per-time-wait-entry     heap bytes per TIME-WAIT entry, with the connection it keeps for the
                               application until 2*MSL; reference the bare TIME-WAIT record measured
                               in the same run; target <= 2048 B

  --json            one JSON object per line: name, value, unit, reference, referenceValue, ratio
  --filter S        only the rows whose name contains S
  --check           exit 1 when a row misses its target (each one named on stderr), as
                    'npm run bench -- --check' does

flood: a SYN flood in the simulator, once per SYN-cookie mode ('synack bench flood --help').
Exit status: 0 when every row was measured (with --check: and met its target), 1 otherwise, 2 for
a usage error.`;

export const floodUsage = `usage: synack bench flood [--json] [--check] [--spoofed N] [--rate SYN_PER_S] [--clients N] [--seed N]

A SYN flood in the simulator, once per SYN-cookie mode (off, on-overflow, always). An attacker
hands the server N spoofed SYNs (198.19.x.y, random ports and ISNs) at SYN_PER_S of virtual time while
a legitimate client opens --clients connections, evenly spread over the flood, to the same listener
(SYN queue ${FLOOD_SYN_QUEUE}): connect, a 1-byte request, a 1-byte response, close; a handshake not complete
after ${CONNECT_DEADLINE_MS} virtual ms fails. Reports legitimate success, connect latency p50/p99 (virtual ms),
spoofed SYNs processed per wall-clock second (handlePacket and the SYN-ACK out of pollTransmit),
heap growth over the flood (after a forced GC) and SYN queue occupancy, each beside a reference
measured in the same run: a run with no flood, and decodeTcpPacket of the same SYNs.

  --spoofed N       spoofed SYNs per mode (default 1,000,000; suffixes k, M)
  --rate R          spoofed SYNs per second of virtual time (default 100k)
  --clients N       legitimate connections per mode (default 100)
  --seed N          seeds the attacker and the network (default 1)
  --json            one JSON object per mode: mode, spoofedSyns, legitAttempted, legitSucceeded,
                    legitSuccessPct, connectP50Ms, connectP99Ms, synPerSecond, heapGrowthBytes,
                    synQueueMax, synQueueFinal, ...
  --check           exit 1 when on-overflow misses a target (named on stderr)

Targets (on-overflow): 100% legitimate success, heap growth <= 16 MB, >= 500,000 SYN/s.`;

function count(name: string, text: string | undefined, dflt: number, min: number): number {
  if (text === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)(k|K|M)?$/.exec(text);
  const v = m ? Number(m[1]) * (m[2] === 'M' ? 1e6 : m[2] ? 1e3 : 1) : NaN;
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`--${name}: a whole number of at least ${min}, not '${text}'`);
  return v;
}

function fmt(x: number | null, digits = 0): string {
  if (x === null || !Number.isFinite(x)) return '-';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
}

interface Line {
  name: string;
  value: string;
  unit: string;
  reference: string;
  refValue: string;
  ratio: string;
  target: string;
}

/** The table in the bench harness's columns: each figure beside its same-run reference, as a ratio. */
export function floodTable(reports: FloodReport[], baseline: FloodReport, decodeRate: number): string[] {
  const lines: Line[] = [];
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || !b ? '-' : `${(a / b).toFixed(2)}x`);
  const target = (ok: boolean, text: string) => `${text} ${ok ? 'ok' : 'MISSED'}`;
  for (const r of reports) {
    const main = r.mode === 'on-overflow';
    lines.push({
      name: `${r.mode} legit success`,
      value: fmt(r.legitSuccessPct, 1),
      unit: '%',
      reference: 'no flood',
      refValue: fmt(baseline.legitSuccessPct, 1),
      ratio: ratio(r.legitSuccessPct, baseline.legitSuccessPct),
      target: main ? target(r.legitSuccessPct >= FLOOD_TARGETS.legitSuccessPct, '>= 100') : '',
    });
    lines.push({ name: `${r.mode} connect p50`, value: fmt(r.connectP50Ms, 1), unit: 'ms', reference: 'no flood', refValue: fmt(baseline.connectP50Ms, 1), ratio: ratio(r.connectP50Ms, baseline.connectP50Ms), target: '' });
    lines.push({ name: `${r.mode} connect p99`, value: fmt(r.connectP99Ms, 1), unit: 'ms', reference: 'no flood', refValue: fmt(baseline.connectP99Ms, 1), ratio: ratio(r.connectP99Ms, baseline.connectP99Ms), target: '' });
    lines.push({
      name: `${r.mode} SYNs processed`,
      value: fmt(r.synPerSecond),
      unit: 'SYN/s',
      reference: 'decodeTcpPacket SYN',
      refValue: fmt(decodeRate),
      ratio: ratio(r.synPerSecond, decodeRate),
      target: main ? target(r.synPerSecond >= FLOOD_TARGETS.synPerSecond, '>= 500,000') : '',
    });
    lines.push({
      name: `${r.mode} heap growth`,
      value: r.heapGrowthBytes === null ? 'n/a' : (r.heapGrowthBytes / 2 ** 20).toFixed(2),
      unit: 'MiB',
      reference: 'no flood',
      refValue: baseline.heapGrowthBytes === null ? 'n/a' : (baseline.heapGrowthBytes / 2 ** 20).toFixed(2),
      ratio: ratio(r.heapGrowthBytes, baseline.heapGrowthBytes),
      target: main && r.heapGrowthBytes !== null ? target(r.heapGrowthBytes <= FLOOD_TARGETS.heapGrowthBytes, '<= 16') : '',
    });
    lines.push({ name: `${r.mode} SYN queue max/final`, value: `${r.synQueueMax}/${r.synQueueFinal}`, unit: 'conns', reference: 'synQueueSize', refValue: String(r.synQueueLimit), ratio: ratio(r.synQueueMax, r.synQueueLimit), target: '' });
  }
  const cols: Array<[keyof Line, string, boolean]> = [
    ['name', 'benchmark', false],
    ['value', 'value', true],
    ['unit', 'unit', false],
    ['reference', 'reference', false],
    ['refValue', 'ref value', true],
    ['ratio', 'ratio', true],
    ['target', 'target', false],
  ];
  const widths = cols.map(([k, h]) => Math.max(h.length, ...lines.map((l) => l[k].length)));
  const row = (cells: string[]) => cells.map((c, i) => (cols[i][2] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [row(cols.map((c) => c[1])), row(widths.map((w) => '-'.repeat(w))), ...lines.map((l) => row(cols.map(([k]) => l[k])))];
}

/** `synack bench [--json] [--filter S] [--check]`: the stack's rows, each printed as it is measured. */
async function runStackSuites(argv: string[], io: Output & { flush?: () => void }): Promise<number> {
  const args = parseArgs(argv, { valued: ['filter'], boolean: ['json', 'check', 'help'] });
  if (args.positionals.length > 0) throw new UsageError(`unknown benchmark '${args.positionals[0]}' (only 'flood', or none for the throughput, goodput, connection-rate and memory rows)`);
  const filter = args.flags.get('filter') as string | undefined;
  const names = STACK_SUITES.flatMap((s) => s.cases.map((c) => c.name));
  const selected = names.filter((n) => filter === undefined || n.includes(filter));
  if (selected.length === 0) throw new UsageError(`--filter '${filter}' matches no row (rows: ${names.join(', ')})`);
  const json = args.flags.has('json');
  const check = args.flags.has('check');
  if (!forcedGc() && selected.includes('heap-per-idle-connection')) io.err('synack bench: no GC could be forced; heap-per-idle-connection will fail (run node with --expose-gc)');
  const bar = progress(json);
  const started = Date.now();
  const out = (line: string): void => {
    bar.clear();
    io.out(line);
    io.flush?.();
  };
  const rows = await runSuites(STACK_SUITES, { json, filter, check: false, measure: { ...DEFAULT_OPTIONS } }, out, {
    before: (name, i, n) => bar.update(`measuring ${name} (${i + 1} of ${n}, ${((Date.now() - started) / 1000).toFixed(0)} s so far)...`, true),
  });
  bar.clear();
  if (rows.length < selected.length) return 1;
  const missed = rows.filter((r) => meetsTarget(r) === false);
  if (check && missed.length) {
    for (const r of missed) io.err(`synack bench: ${r.name} missed its target: ${r.value.toPrecision(4)} ${r.unit}`);
    return 1;
  }
  return 0;
}

export function runBench(argv: string[], io: Output & { flush?: () => void }): number | Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help' || (argv.includes('--help') && sub !== 'flood')) {
    io.out(benchUsage);
    return 0;
  }
  if (sub === undefined || sub.startsWith('-')) return runStackSuites(argv, io);
  if (sub !== 'flood') throw new UsageError(`unknown benchmark '${sub}' (only 'flood', or none for the throughput, goodput, connection-rate and memory rows)`);
  const args = parseArgs(rest, { valued: ['spoofed', 'rate', 'clients', 'seed'], boolean: ['json', 'check', 'help'] });
  if (args.flags.has('help')) {
    io.out(floodUsage);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const f = (k: string) => args.flags.get(k) as string | undefined;
  const spoofed = count('spoofed', f('spoofed'), 1_000_000, 0);
  const rate = count('rate', f('rate'), 100_000, 1);
  const clients = count('clients', f('clients'), 100, 1);
  const seed = count('seed', f('seed'), 1, 0);
  const json = args.flags.has('json');

  const bar = progress(json);
  bar.update('measuring the run with no flood...', true);
  const baseline = floodBaseline(clients, seed);
  const reports = FLOOD_MODES.map((mode, i) => {
    bar.update(`flooding with SYN cookies ${mode} (${i + 1} of ${FLOOD_MODES.length})...`, true);
    return runFlood({ mode, spoofed, rate, clients, seed });
  });
  bar.clear();
  const main = reports.find((r) => r.mode === 'on-overflow');
  const missed = !main
    ? []
    : [
        main.legitSuccessPct < FLOOD_TARGETS.legitSuccessPct ? `legitimate success ${main.legitSuccessPct}% < ${FLOOD_TARGETS.legitSuccessPct}%` : '',
        main.synPerSecond < FLOOD_TARGETS.synPerSecond ? `${Math.round(main.synPerSecond)} SYN/s < ${FLOOD_TARGETS.synPerSecond}` : '',
        main.heapGrowthBytes !== null && main.heapGrowthBytes > FLOOD_TARGETS.heapGrowthBytes ? `heap growth ${main.heapGrowthBytes} B > ${FLOOD_TARGETS.heapGrowthBytes}` : '',
      ].filter(Boolean);
  const status = (): number => {
    if (!args.flags.has('check') || missed.length === 0) return 0;
    for (const m of missed) io.err(`synack bench flood: on-overflow missed its target: ${m}`);
    return 1;
  };
  if (json) {
    for (const r of reports) io.out(JSON.stringify(r));
    return status();
  }
  const decodeRate = decodeSynReference(seed);
  io.out(`node ${process.version}, ${process.platform}/${process.arch}; seed ${seed}`);
  io.out(
    `${fmt(spoofed)} spoofed SYNs per mode at ${fmt(rate)}/s of virtual time (${fmt(reports[0]?.floodMs ?? 0)} ms); ` +
      `${clients} legitimate connections per mode; SYN queue ${FLOOD_SYN_QUEUE}` +
      (forcedGc() ? '' : '; no GC could be forced, so heap growth is not measured'),
  );
  io.out('');
  for (const line of floodTable(reports, baseline, decodeRate)) io.out(line);
  io.out('');
  for (const r of reports) {
    io.out(
      `${r.mode}: ${r.legitSucceeded}/${r.legitAttempted} legitimate connections; SyncookiesSent ${r.syncookiesSent}, ` +
        `SyncookiesRecv ${r.syncookiesRecv}, SyncookiesFailed ${r.syncookiesFailed}, ListenDrops ${r.listenDrops}`,
    );
  }
  return status();
}
