/**
 * lwIP beside synack: the C stack a user would embed instead (tcpip.js compiles it to wasm), in two
 * configurations, each measured by a small C harness (native/lwip/harness.c) that this suite builds
 * with the system's compiler into build/lwip/ and runs as a child process, bounded in time:
 *
 *   debian  Debian's liblwip-dev 2.1.3 as shipped: checksums computed and checked, TCP_MSS 1460,
 *           a 64 KiB window, pools from malloc (no limit on connections or TIME-WAIT entries).
 *   nocsum  lwIP 2.1.3 compiled from Debian's source package with native/lwip/nocsum/lwipopts.h:
 *           no checksums (the match for synack's rows, which offload them), raw API on one thread,
 *           pools from malloc as Debian's, at the window measured best for each MSS (NOCSUM_BUILDS).
 *
 * The harness joins two lwIP stacks in one process (the library loaded twice with dlmopen, one
 * namespace each) by an in-memory link, and runs the workloads of synack's throughput and
 * connection-rate rows (src/bench/sim-pair.ts). Each row's value is synack's figure and its
 * reference lwIP's, trials interleaved in the same run, so the ratio is synack / lwIP.
 *
 * TIME-WAIT policy, the same on both sides: the server closes first and keeps every TIME-WAIT for its
 * full 2*MSL (synack 60 s, lwIP 120 s), none recycled early (synack's timeWaitMax of 262,144 is not
 * reached, lwIP's pools are unlimited), client ports taken in turn from 1024-65535 so no 4-tuple comes
 * round within a run. Where a compiler, liblwip-dev or the source package is missing, the rows say
 * so (value NaN) and the bench goes on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simCycleRate } from './connection-rate.js';
import { simTransferSeconds } from './throughput.js';
import type { BenchCase, BenchSuite, Row, Target } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NATIVE = path.join(ROOT, 'native', 'lwip');
const BUILD = path.join(ROOT, 'build', 'lwip');
const DEBIAN_HEADERS = '/usr/include/lwip';
const DEBIAN_LIBRARY = '/usr/lib/x86_64-linux-gnu/liblwip.so.0';

export type LwipConfig = 'debian' | 'nocsum';

/**
 * The checksum-free build's window for each MSS, the best of 32 KiB to 16 MiB measured on the 2-core
 * development machine (512 MiB transfers, 3 runs each): at MSS 1460, 32 to 128 KiB move 25 to 35
 * Gbit/s and larger windows less (256 KiB about 20, 1 MiB 6, 4 MiB 1.5: lwIP walks its unsent and
 * unacked segment lists on every write and ACK); at MSS 65495 the window must hold several segments,
 * and 4 MiB (130 to 175 Gbit/s) beat 256 KiB and 1 MiB (90 to 160) and 16 MiB (35 to 40).
 */
export const NOCSUM_BUILDS = {
  1500: { mss: 1460, window: 65_535 },
  65535: { mss: 65_495, window: 4 * 2 ** 20 },
} as const;

/** Where Debian's lwIP source is: $SYNACK_LWIP_SRC, else what `apt-get source lwip` unpacked in build/lwip/src (see .ci/run). */
export function lwipSourceDir(): string | undefined {
  const env = process.env.SYNACK_LWIP_SRC;
  if (env) return existsSync(path.join(env, 'src', 'core', 'tcp.c')) ? env : undefined;
  const parent = path.join(BUILD, 'src');
  if (!existsSync(parent)) return undefined;
  const dir = readdirSync(parent).find((d) => d.startsWith('lwip-2.1.3') && existsSync(path.join(parent, d, 'src', 'core', 'tcp.c')));
  return dir && path.join(parent, dir);
}

function hasCompiler(): boolean {
  const r = spawnSync('cc', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  return !r.error && r.status === 0;
}

/** Why `config` cannot be measured here, or undefined when it can. */
export function lwipSkipReason(config: LwipConfig): string | undefined {
  if (process.platform !== 'linux') return 'the lwIP harness needs Linux (dlmopen)';
  if (!hasCompiler()) return 'no C compiler (cc) is installed';
  if (config === 'debian') {
    if (!existsSync(path.join(DEBIAN_HEADERS, 'lwipopts.h')) || !existsSync(DEBIAN_LIBRARY)) return 'liblwip-dev is not installed';
    return undefined;
  }
  if (!lwipSourceDir()) return "Debian's lwIP source is not unpacked (apt-get source lwip into build/lwip/src, as .ci/run does, or set SYNACK_LWIP_SRC)";
  return undefined;
}

export interface LwipBuild {
  config: LwipConfig;
  harness: string;
  library: string;
  /** The build's largest MSS (Debian's: 1460, compiled in). */
  mss: number;
  window: number;
}

function newer(output: string, inputs: string[]): boolean {
  if (!existsSync(output)) return false;
  const t = statSync(output).mtimeMs;
  return inputs.every((i) => statSync(i).mtimeMs <= t);
}

function compile(args: string[], what: string): void {
  const r = spawnSync('cc', args, { encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
  if (r.error) throw new Error(`lwip: compiling ${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`lwip: compiling ${what} failed:\n${r.stderr}`);
}

function sourcesOf(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.c'))
    .map((f) => path.join(dir, f));
}

/** Compile the harness (and for nocsum the library) unless up to date; throws with the compiler's output on failure. */
export function buildLwip(config: LwipConfig, mtu: 1500 | 65535 = 1500): LwipBuild {
  mkdirSync(BUILD, { recursive: true });
  const harnessSource = path.join(NATIVE, 'harness.c');
  if (config === 'debian') {
    const harness = path.join(BUILD, 'harness-debian');
    if (!newer(harness, [harnessSource])) compile(['-O2', '-std=gnu11', `-I${DEBIAN_HEADERS}`, harnessSource, '-o', harness, '-ldl'], 'the harness');
    return { config, harness, library: DEBIAN_LIBRARY, mss: 1460, window: 65_535 };
  }
  const src = lwipSourceDir();
  if (!src) throw new Error(`lwip: ${lwipSkipReason('nocsum')}`);
  const { mss, window } = NOCSUM_BUILDS[mtu];
  let scale = 0;
  while (window >> scale > 0xffff) scale++;
  const defines = [`-DTCP_MSS=${mss}`, `-DTCP_WND=${window}`, `-DTCP_RCV_SCALE=${scale}`];
  const includes = [`-I${path.join(NATIVE, 'nocsum')}`, `-I${path.join(src, 'src', 'include')}`];
  const tag = `nocsum-${mss}-${window}`;
  const library = path.join(BUILD, `liblwip-${tag}.so`);
  const harness = path.join(BUILD, `harness-${tag}`);
  const options = [path.join(NATIVE, 'nocsum', 'lwipopts.h'), path.join(NATIVE, 'nocsum', 'arch', 'cc.h')];
  const libSources = [...sourcesOf(path.join(src, 'src', 'core')), ...sourcesOf(path.join(src, 'src', 'core', 'ipv4')), path.join(NATIVE, 'nocsum', 'sys_now.c')];
  if (!newer(library, [...libSources, ...options])) compile(['-O2', '-std=gnu11', '-fPIC', '-shared', '-w', ...includes, ...defines, ...libSources, '-o', library], `lwIP (${tag})`);
  if (!newer(harness, [harnessSource, ...options])) compile(['-O2', '-std=gnu11', ...includes, ...defines, harnessSource, '-o', harness, '-ldl'], 'the harness');
  return { config, harness, library, mss, window };
}

export interface HarnessResult {
  seconds: number;
  bytes?: number;
  cycles?: number;
  mss?: number;
  dropped: number;
  /** After cycles: the connections each side holds in TIME-WAIT (the policy says: every cycle's, at the server). */
  timeWaitServer?: number;
  timeWaitClient?: number;
}

/** Parse the harness's `key=value` line; throws on anything else. */
export function parseHarnessLine(line: string): HarnessResult {
  const fields = new Map<string, number>();
  for (const part of line.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z]+)=([0-9.]+)$/.exec(part);
    if (!m) throw new Error(`lwip: unexpected harness output ${JSON.stringify(line)}`);
    fields.set(m[1], Number(m[2]));
  }
  const seconds = fields.get('seconds');
  if (seconds === undefined || !(seconds > 0)) throw new Error(`lwip: no positive seconds in ${JSON.stringify(line)}`);
  return {
    seconds,
    bytes: fields.get('bytes'),
    cycles: fields.get('cycles'),
    mss: fields.get('mss'),
    dropped: fields.get('dropped') ?? 0,
    timeWaitServer: fields.get('timewaitserver'),
    timeWaitClient: fields.get('timewaitclient'),
  };
}

/** Run one workload in the harness, bounded by `timeoutS` seconds (the harness's own bound, and a kill a little later). */
export function runHarness(build: LwipBuild, mtu: number, workload: 'bulk' | 'cycles', count: number, timeoutS = 60): HarnessResult {
  const r = spawnSync(build.harness, [build.library, String(mtu), String(timeoutS), workload, String(count)], {
    encoding: 'utf8',
    timeout: (timeoutS + 10) * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.error) throw new Error(`lwip ${build.config} ${workload}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`lwip ${build.config} ${workload}: exit ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  const result = parseHarnessLine(r.stdout);
  const done = workload === 'bulk' ? result.bytes : result.cycles;
  if (done !== count) throw new Error(`lwip ${build.config} ${workload}: ${done} of ${count} done`);
  return result;
}

export interface LwipSuiteOptions {
  /** Bytes of one synack throughput trial (the throughput rows' 256 MiB). */
  synackBytes: number;
  /** Bytes of one lwIP trial (more, since lwIP is faster and a trial should last long enough to time). */
  lwipBytes: number;
  /** Cycles of one connection-rate trial, the same on both sides (the connection-rate row's 20,000). */
  cycles: number;
  trials: number;
  /** Wall clock spent warming synack's per-segment path before its trials (see throughput.ts). */
  synackWarmupMs: number;
}

export const LWIP_DEFAULTS: LwipSuiteOptions = { synackBytes: 256 * 2 ** 20, lwipBytes: 2 ** 30, cycles: 20_000, trials: 5, synackWarmupMs: 2000 };

interface Samples {
  synack: number[];
  lwip: Record<LwipConfig, number[] | string>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function measure(
  synackTrial: (k: number) => number | Promise<number>,
  lwipTrial: (b: LwipBuild) => number,
  builds: Record<LwipConfig, LwipBuild | string>,
  trials: number,
): Promise<Samples> {
  const s: Samples = { synack: [], lwip: { debian: [], nocsum: [] } };
  for (const config of ['debian', 'nocsum'] as const) {
    const b = builds[config];
    if (typeof b === 'string') s.lwip[config] = b;
    else lwipTrial(b); // warm-up: page faults, the library's first allocations
  }
  for (let k = 0; k < trials; k++) {
    s.synack.push(await synackTrial(k + 1));
    for (const config of ['debian', 'nocsum'] as const) {
      const b = builds[config];
      const out = s.lwip[config];
      if (typeof b !== 'string' && typeof out !== 'string') out.push(lwipTrial(b));
    }
  }
  return s;
}

function buildsFor(mtu: 1500 | 65535): Record<LwipConfig, LwipBuild | string> {
  const one = (config: LwipConfig): LwipBuild | string => lwipSkipReason(config) ?? buildLwip(config, mtu);
  return { debian: one('debian'), nocsum: one('nocsum') };
}

const LABEL: Record<LwipConfig, string> = { debian: 'lwIP Debian lib', nocsum: 'lwIP no-checksum' };

function rowFrom(name: string, unit: string, s: Samples, config: LwipConfig, target?: (ref: number) => Target): Row {
  const value = median(s.synack);
  const ref = s.lwip[config];
  if (typeof ref === 'string') return { name, value: NaN, unit, reference: `skipped: ${ref}`, referenceValue: NaN, ratio: NaN };
  const referenceValue = median(ref);
  return {
    name,
    value,
    unit,
    reference: LABEL[config],
    referenceValue,
    ratio: value / referenceValue,
    target: target?.(referenceValue),
    min: Math.min(...s.synack),
    max: Math.max(...s.synack),
  };
}

/** The suite with its sizes; `lwipSuite` is it at LWIP_DEFAULTS (the test runs it small). */
export function makeLwipSuite(options: Partial<LwipSuiteOptions> = {}): BenchSuite {
  const o = { ...LWIP_DEFAULTS, ...options };
  // One measurement per figure, shared by its two rows (Debian's and the checksum-free build's), so
  // the synack figure beside both is the same one, its trials interleaved with both lwIP builds'.
  const cache = new Map<string, Promise<Samples>>();
  const once = (key: string, f: () => Promise<Samples>) => {
    if (!cache.has(key)) cache.set(key, f());
    return cache.get(key)!;
  };

  const throughput = (mtu: 1500 | 65535) =>
    once(`throughput-${mtu}`, async () => {
      const builds = buildsFor(mtu);
      const warmUntil = Date.now() + o.synackWarmupMs;
      for (let seed = 100; Date.now() < warmUntil; seed++) simTransferSeconds(mtu, o.synackBytes / 8, seed);
      return measure(
        (k) => (o.synackBytes * 8) / simTransferSeconds(mtu, o.synackBytes, k) / 1e9,
        (b) => (o.lwipBytes * 8) / runHarness(b, mtu, 'bulk', o.lwipBytes).seconds / 1e9,
        builds,
        o.trials,
      );
    });

  const cycles = () =>
    once('cycles', async () => {
      const builds = buildsFor(65535);
      await simCycleRate(o.cycles / 4, 99); // warm-up
      return measure(
        (k) => simCycleRate(o.cycles, k),
        (b) => o.cycles / runHarness(b, 65535, 'cycles', o.cycles).seconds,
        builds,
        Math.max(1, Math.min(o.trials, 3)),
      );
    });

  const atLeastRef = (ref: number): Target => ({ atLeast: ref });
  const cases: BenchCase[] = [];
  for (const config of ['debian', 'nocsum'] as const) {
    // synack at least matches Debian's library (issue's target); beside the checksum-free build, the ratio is reported.
    const target = config === 'debian' ? atLeastRef : undefined;
    for (const mtu of [1500, 65535] as const) {
      const name = `lwip-${config}-throughput-mtu${mtu}`;
      cases.push({ name, run: async () => rowFrom(name, 'Gbit/s', await throughput(mtu), config, target) });
    }
    const name = `lwip-${config}-connection-rate`;
    cases.push({ name, run: async () => rowFrom(name, 'cycles/s', await cycles(), config, target) });
  }
  return { name: 'lwip', cases };
}

export const lwipSuite: BenchSuite = makeLwipSuite();
