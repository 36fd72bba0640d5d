/**
 * A small benchmark harness: warm-up, several timed trials, the median with its min/max spread,
 * and every figure printed beside a reference measured in the same run (DESIGN.md, Benchmarks).
 *
 * Absolute times on a shared machine drift with load and clock frequency, so the figure that
 * matters is the ratio to the reference. `measurePair` interleaves subject and reference trials so
 * that drift during the run touches both alike.
 *
 * A suite is a list of named cases; a case is only run when its name passes `--filter`, so a
 * filtered run costs only what it prints.
 */

import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

/** Lower or upper bound a figure should meet, in the row's unit. */
export interface Target {
  atLeast?: number;
  atMost?: number;
}

/** One line of the report. `referenceValue` is in the same unit as `value`, so `ratio` is value / referenceValue. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  /** What the reference is, e.g. "Buffer.copy 1460 B" or "node:net loopback". */
  reference: string;
  referenceValue: number;
  ratio: number;
  target?: Target;
  /** Spread of the subject's trials, in the row's unit. */
  min?: number;
  max?: number;
}

export interface BenchCase {
  name: string;
  run(options: MeasureOptions): Row | Promise<Row>;
}

export interface BenchSuite {
  name: string;
  cases: BenchCase[];
}

export interface MeasureOptions {
  /** Time spent running the body before any trial counts (lets the JIT settle). */
  warmupMs: number;
  /** Roughly how long one timed trial lasts. */
  trialMs: number;
  /** Timed trials; odd, so the median is a measured value. */
  trials: number;
}

export const DEFAULT_OPTIONS: MeasureOptions = { warmupMs: 250, trialMs: 60, trials: 9 };

/** Rates (operations per second) of each trial, and their median, min and max. */
export interface Measurement {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/**
 * A benchmark body performs `n` operations in a loop of its own (so the call overhead is paid once
 * per trial, not per operation) and returns a number derived from every result.
 */
export type Body = (n: number) => number;

/**
 * Results flow here so the compiler cannot prove them unused and delete the work: a store to a
 * module-level variable is a side effect V8 keeps, and `sinkCheck` can read it back.
 */
let sink = 0;

export function consume(x: number): void {
  sink = (sink + x) % 0x7fffffff;
}

/** A value that depends on every consumed result; printing it keeps the sink observable. */
export function sinkCheck(): number {
  return sink;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Seconds taken by one call of body(n); its result goes to the sink. */
function timeOnce(body: Body, n: number): number {
  const start = nowNs();
  const result = body(n);
  const elapsed = Number(nowNs() - start) / 1e9;
  consume(result);
  return elapsed;
}

/**
 * Run the body for `warmupMs` while calibrating: returns the operation count whose trial lasts
 * about `trialMs`, estimated from the last (warmest) runs.
 */
function warmUp(body: Body, o: MeasureOptions): number {
  const deadline = nowNs() + BigInt(Math.round(o.warmupMs * 1e6));
  let n = 1;
  for (;;) {
    const t = timeOnce(body, n);
    // Too short to time reliably: grow geometrically rather than trust a noisy estimate.
    if (t < 1e-3) n *= 4;
    else n = Math.max(1, Math.round((n * o.trialMs) / 1000 / t));
    if (nowNs() >= deadline && t >= 1e-3) return n;
  }
}

function summarize(samples: number[]): Measurement {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1], min: sorted[0], max: sorted[sorted.length - 1], samples };
}

/** Operations per second of `body`. */
export function measure(body: Body, options: Partial<MeasureOptions> = {}): Measurement {
  const o = { ...DEFAULT_OPTIONS, ...options };
  const n = warmUp(body, o);
  const rates: number[] = [];
  for (let k = 0; k < o.trials; k++) rates.push(n / timeOnce(body, n));
  return summarize(rates);
}

/** Operations per second of a subject and its reference, their trials interleaved. */
export function measurePair(subject: Body, reference: Body, options: Partial<MeasureOptions> = {}): [Measurement, Measurement] {
  const o = { ...DEFAULT_OPTIONS, ...options };
  const ns = warmUp(subject, o);
  const nr = warmUp(reference, o);
  const s: number[] = [];
  const r: number[] = [];
  for (let k = 0; k < o.trials; k++) {
    s.push(ns / timeOnce(subject, ns));
    r.push(nr / timeOnce(reference, nr));
  }
  return [summarize(s), summarize(r)];
}

/**
 * For benchmarks whose unit of work is a whole scenario (a bulk transfer, a burst of connections):
 * run `warmup` untimed trials, then `trials` timed ones; each trial returns its own figure (a rate,
 * a byte count) and the summary is over those.
 */
export async function repeatAsync(
  trial: () => Promise<number>,
  { warmup = 1, trials = DEFAULT_OPTIONS.trials }: { warmup?: number; trials?: number } = {},
): Promise<Measurement> {
  for (let k = 0; k < warmup; k++) consume(await trial());
  const figures: number[] = [];
  for (let k = 0; k < trials; k++) figures.push(await trial());
  return summarize(figures);
}

/** A row from a subject and reference measurement, both scaled from operations/s into the row's unit. */
export function rowOf(
  name: string,
  unit: string,
  subject: Measurement,
  reference: string,
  ref: Measurement,
  scale: number,
  target?: Target,
): Row {
  const value = subject.median * scale;
  const referenceValue = ref.median * scale;
  return {
    name,
    value,
    unit,
    reference,
    referenceValue,
    ratio: value / referenceValue,
    target,
    min: subject.min * scale,
    max: subject.max * scale,
  };
}

export function meetsTarget(row: Row): boolean | undefined {
  const t = row.target;
  if (!t) return undefined;
  return (t.atLeast === undefined || row.value >= t.atLeast) && (t.atMost === undefined || row.value <= t.atMost);
}

// ---------------------------------------------------------------------------------------------
// Command line and output

export interface RunOptions {
  json: boolean;
  filter?: string;
  /** Exit non-zero when a row misses its target. */
  check: boolean;
  measure: MeasureOptions;
}

const USAGE = `usage: npm run bench -- [--json] [--filter SUBSTRING] [--check] [--trials N] [--trial-ms MS] [--warmup-ms MS]

Every benchmark suite in src/bench (the rows of 'synack bench', then the wire layer's checksum and
decoding, the SYN flood and throughput over TUN), each row beside a reference measured in the same
run, with the ratio and whether its target is met; each row is printed as it is measured.

  --json          one JSON object per row: name, value, unit, reference, referenceValue, ratio
  --filter S      only the rows whose name contains S
  --check         exit 1 when a row misses its target
  --trials N      timed trials per micro-benchmark (default ${DEFAULT_OPTIONS.trials}; the median is reported)
  --trial-ms MS   roughly how long one timed trial lasts (default ${DEFAULT_OPTIONS.trialMs})
  --warmup-ms MS  untimed running before the trials, to let the JIT settle (default ${DEFAULT_OPTIONS.warmupMs})
  -h, --help      this text`;

const SEE_HELP = "see 'npm run bench -- --help'";

export function parseArgs(argv: string[]): RunOptions {
  const opts: RunOptions = { json: false, check: false, measure: { ...DEFAULT_OPTIONS } };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${SEE_HELP}`);
      return v;
    };
    const positive = (): number => {
      const v = Number(value());
      if (!(v > 0)) throw new Error(`${flag} needs a positive number\n${SEE_HELP}`);
      return v;
    };
    switch (flag) {
      case '--json':
        opts.json = true;
        break;
      case '--filter':
        opts.filter = value();
        break;
      case '--check':
        opts.check = true;
        break;
      case '--trials':
        opts.measure.trials = Math.round(positive());
        break;
      case '--trial-ms':
        opts.measure.trialMs = positive();
        break;
      case '--warmup-ms':
        opts.measure.warmupMs = positive();
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown argument ${argv[i]}\n${SEE_HELP}`);
    }
  }
  return opts;
}

/** Three significant digits, without exponent notation for the magnitudes benchmarks produce. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function formatTarget(row: Row): string {
  const t = row.target;
  if (!t) return '';
  const parts: string[] = [];
  if (t.atLeast !== undefined) parts.push(`>= ${formatNumber(t.atLeast)}`);
  if (t.atMost !== undefined) parts.push(`<= ${formatNumber(t.atMost)}`);
  return `${parts.join(', ')} ${meetsTarget(row) ? 'ok' : 'MISSED'}`;
}

const COLUMNS = ['benchmark', 'value', 'unit', 'min..max', 'reference', 'ref value', 'ratio', 'target'] as const;
/** Columns whose figures line up on the right. */
const NUMERIC = new Set<string>(['value', 'ref value', 'ratio']);

/**
 * Prints rows as they arrive (later benchmarks take seconds each), so widths are fixed up front:
 * wide enough for the longest case name and for typical figures.
 */
export class TablePrinter {
  private readonly widths: number[];

  constructor(names: string[], private readonly out: (line: string) => void = console.log) {
    const nameWidth = Math.max(COLUMNS[0].length, ...names.map((n) => n.length));
    this.widths = [nameWidth, 9, 8, 15, 22, 9, 7, 0];
  }

  private line(cells: string[]): string {
    return cells
      .map((c, i) => {
        const w = this.widths[i];
        return NUMERIC.has(COLUMNS[i]) ? c.padStart(w) : c.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  }

  header(): void {
    this.out(this.line([...COLUMNS]));
    this.out(this.line(this.widths.map((w, i) => '-'.repeat(w || COLUMNS[i].length))));
  }

  row(r: Row): void {
    const spread = r.min !== undefined && r.max !== undefined ? `${formatNumber(r.min)}..${formatNumber(r.max)}` : '';
    this.out(
      this.line([
        r.name,
        formatNumber(r.value),
        r.unit,
        spread,
        r.reference,
        formatNumber(r.referenceValue),
        `${r.ratio.toFixed(2)}x`,
        formatTarget(r),
      ]),
    );
  }
}

/** The machine-readable form: one object per line with exactly these keys. */
export function jsonLine(r: Row): string {
  return JSON.stringify({
    name: r.name,
    value: r.value,
    unit: r.unit,
    reference: r.reference,
    referenceValue: r.referenceValue,
    ratio: r.ratio,
  });
}

/** Run every case of every suite that passes the filter; print as table or JSON lines. Returns the rows. */
export async function runSuites(
  suites: BenchSuite[],
  opts: RunOptions,
  out: (line: string) => void = console.log,
  hooks: { before?: (name: string, index: number, total: number) => void } = {},
): Promise<Row[]> {
  const selected = suites.flatMap((s) => s.cases).filter((c) => opts.filter === undefined || c.name.includes(opts.filter));
  if (selected.length === 0) {
    console.error(`no benchmark matches ${JSON.stringify(opts.filter)}`);
    process.exitCode = 1;
    return [];
  }
  const table = opts.json ? undefined : new TablePrinter(selected.map((c) => c.name), out);
  if (table) {
    out(`node ${process.version}, ${process.platform}/${process.arch}; each figure the median of its trials, beside a reference from the same run`);
    table.header();
  }
  const rows: Row[] = [];
  for (const [i, c] of selected.entries()) {
    hooks.before?.(c.name, i, selected.length);
    const row = await c.run(opts.measure);
    rows.push(row);
    if (table) table.row(row);
    else out(jsonLine(row));
  }
  if (opts.check && rows.some((r) => meetsTarget(r) === false)) process.exitCode = 1;
  // Keeps every consumed result observable; on stderr so --json output stays clean.
  if (process.env.SYNACK_BENCH_SINK) console.error(`sink ${sinkCheck()}`);
  return rows;
}

/** A forced garbage collection: node's --expose-gc, else one exposed at run time; undefined if neither works. */
function findGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    return typeof f === 'function' ? (f as () => void) : undefined;
  } catch {
    return undefined;
  }
}

let gcFn: (() => void) | undefined | null = null;
export function forcedGc(): (() => void) | undefined {
  if (gcFn === null) gcFn = findGc();
  return gcFn;
}
