/** `synack bench`: benchmarks that need the simulator; `flood` is the SYN flood of issue 7. */
import { CONNECT_DEADLINE_MS, decodeSynReference, floodBaseline, FLOOD_MODES, FLOOD_SYN_QUEUE, FLOOD_TARGETS, forcedGc, runFlood, type FloodReport } from '../link/flood.js';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';

export const benchUsage = `usage: synack bench flood [--json] [--spoofed N] [--rate SYN_PER_S] [--clients N] [--seed N]

flood: a SYN flood in the simulator, once per SYN-cookie mode (off, on-overflow, always). An attacker
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

Targets (issue 7, on-overflow): 100% legitimate success, heap growth <= 16 MB, >= 500,000 SYN/s.`;

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

/** The table in bench/harness.ts's columns: each figure beside its same-run reference, as a ratio. */
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

export function runBench(argv: string[], io: Output): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(benchUsage);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'flood') throw new UsageError(`unknown benchmark '${sub}' (only 'flood')`);
  const args = parseArgs(rest, { valued: ['spoofed', 'rate', 'clients', 'seed'], boolean: ['json', 'help'] });
  if (args.flags.has('help')) {
    io.out(benchUsage);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const f = (k: string) => args.flags.get(k) as string | undefined;
  const spoofed = count('spoofed', f('spoofed'), 1_000_000, 0);
  const rate = count('rate', f('rate'), 100_000, 1);
  const clients = count('clients', f('clients'), 100, 1);
  const seed = count('seed', f('seed'), 1, 0);
  const json = args.flags.has('json');

  const baseline = floodBaseline(clients, seed);
  const reports = FLOOD_MODES.map((mode) => runFlood({ mode, spoofed, rate, clients, seed }));
  if (json) {
    for (const r of reports) io.out(JSON.stringify(r));
    return 0;
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
  return 0;
}
