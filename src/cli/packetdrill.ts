/**
 * `synack packetdrill [--strict|--lenient] [--json] [--verbose] SCRIPT_OR_DIR...`: run packetdrill
 * scripts against a fresh synack stack each, in virtual time, and say PASS, FAIL or UNSUPPORTED.
 * `--summary` and `--baseline FILE` make it the conformance run (`npm run conformance`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDefine, runScriptText, wrapperIpVersion, type ScriptResult } from '../packetdrill/index.js';
import { isPersonalityName, PERSONALITIES, PERSONALITY_NAMES, type PersonalityName } from '../packetdrill/personality.js';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';
import { progress } from './progress.js';

export const packetdrillUsage = `usage: synack packetdrill [--strict|--lenient] [--json] [--verbose] [--summary]
                          [--baseline FILE] [--seed N] [--personality freebsd|linux|none]
                          [-D|--define NAME[=VALUE]]... SCRIPT_OR_DIR...

Run packetdrill scripts (github.com/google/packetdrill) against synack: each script gets a fresh
synack stack (192.168.0.1 talking to 192.0.2.1, or fd3d:fa7b:d17d::0 to 2001:db8::1, as packetdrill
sets them up) in virtual time, so nothing touches a real network and a script with a 60 s timer runs
in milliseconds. Inbound packets are built and handed to the stack; outbound ones are compared with
the script; system calls run on a FreeBSD-like socket table over the stack; sysctl lines configure
synack where it has the knob. A directory runs every *.pkt file below it.

  --lenient     the default: ignore only what the RFCs leave to each stack (the advertised window's
                value, the order and padding of TCP options, timestamp values, the window-scale shift,
                and retransmission timeouts up to FreeBSD's rexmit_slop early, since FreeBSD adds it
                to every RTO and synack does not); each PASS says what it relaxed. Flags, sequence
                and acknowledgment numbers, which options are present and their fixed values, the
                order and presence of segments, and every system call result are always compared.
  --strict      compare everything packetdrill compares
  --json        one JSON object per script (script, result, detail), then the totals
  --verbose     also print every event and packet of each script
  --summary     a table by directory and the scripts that did not pass, instead of a line per script
  --baseline F  with --summary: fail (exit 1) when fewer scripts pass than F's {"passed": N}
  --seed N      seed synack's randomness (ISNs, ports, timestamp clocks); default 1
  --personality P  the settings synack starts from, before each script's sysctls: 'freebsd' (the
                default: FreeBSD's choices where the RFCs leave one, through synack's documented
                knobs, for FreeBSD's test suite), 'linux' (Linux's choices, net.ipv4.* sysctls,
                Linux's tcp_info, and TSO bursts, for Linux's own packetdrill tests) or 'none'
                (synack's own defaults). The output's first line names it (--json: a
                "personality" field on every object)
  -D NAME[=VALUE], --define NAME[=VALUE]
                define a symbol for the scripts' #ifdef / #ifndef / #else / #endif lines (nplab's
                packetdrill preprocessor), as often as needed; the personality's platform symbol
                is defined too (FreeBSD under freebsd, Linux under linux), as packetdrill defines its host's

Each script prints PASS, FAIL (with its first mismatch: the script line, what was expected and what
synack did) or UNSUPPORTED (with what synack lacks: a sysctl knob, a socket option, Python code),
then a closing line "N passed, N failed, N unsupported". Exit status: 0 when nothing failed (with
--baseline: when at least the baseline passed), 1 otherwise, 2 for a usage error.`;

/** Every .pkt file under the arguments, in a stable order. */
function scriptsOf(target: string): string[] {
  const st = statSync(target);
  if (!st.isDirectory()) return [target];
  const out: string[] = [];
  for (const name of readdirSync(target).sort()) {
    const p = path.join(target, name);
    if (statSync(p).isDirectory()) out.push(...scriptsOf(p));
    else if (name.endsWith('.pkt')) out.push(p);
  }
  return out;
}

/** Nothing but blanks and comments: a script that tests nothing must not pass. */
export function isEmptyScript(text: string): boolean {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').trim() === '';
}

/**
 * A shell script a packetdrill script's command names (`../common/defaults.sh`), read relative to the
 * packetdrill script's directory; never run, only read for the shell emulator. A checkout without
 * symbolic links holds a link as a file whose whole text is its target: that is followed (twice at most).
 */
function readBeside(script: string, name: string): string | undefined {
  if (path.isAbsolute(name)) return undefined;
  let file = path.resolve(path.dirname(script), name);
  for (let hops = 0; hops < 3; hops++) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const target = text.trim();
    if (hops === 2 || text.includes('\n') || !target || target.length > 256 || path.isAbsolute(target)) return text;
    const next = path.resolve(path.dirname(file), target);
    try {
      if (!statSync(next).isFile()) return text;
    } catch {
      return text;
    }
    file = next;
  }
  return undefined;
}

function emptyResult(personality: PersonalityName): ScriptResult {
  return { result: 'FAIL', detail: 'empty script: no events, nothing to run', line: undefined, relaxed: [], log: [], virtualSeconds: 0, personality };
}

interface Entry {
  script: string;
  /** The directory it is counted under in --summary. */
  group: string;
  r: ScriptResult;
}

/** Take `-D NAME[=VALUE]`, `-DNAME`, `--define NAME[=VALUE]` and `--define=...` out of the arguments. */
function takeDefines(argv: string[]): { rest: string[]; defines: Record<string, string> } {
  const rest: string[] = [];
  const defines: Record<string, string> = {};
  const add = (opt: string, text: string | undefined) => {
    if (text === undefined || text === '') throw new UsageError(`${opt} needs NAME or NAME=VALUE`);
    try {
      const [k, v] = parseDefine(text);
      defines[k] = v;
    } catch (e) {
      throw new UsageError(`${opt}: ${(e as Error).message}`);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '-D' || a === '--define') add(a, argv[++i]);
    else if (a.startsWith('--define=')) add('--define', a.slice('--define='.length));
    else if (a.startsWith('-D')) add('-D', a.slice(2));
    else rest.push(a);
  }
  return { rest, defines };
}

export function runPacketdrill(argvIn: string[], io: Output & { flush?: () => void }): number {
  const { rest: argv, defines } = takeDefines(argvIn);
  const args = parseArgs(argv, { boolean: ['strict', 'lenient', 'json', 'verbose', 'summary', 'help'], valued: ['baseline', 'seed', 'personality'] });
  if (args.flags.has('help')) {
    io.out(packetdrillUsage);
    return 0;
  }
  if (args.flags.has('strict') && args.flags.has('lenient')) throw new UsageError('--strict and --lenient are exclusive');
  if (args.positionals.length === 0) throw new UsageError('give at least one SCRIPT or DIRECTORY');
  const mode = args.flags.has('strict') ? 'strict' : 'lenient';
  const json = args.flags.has('json');
  const verbose = args.flags.has('verbose');
  const summary = args.flags.has('summary');
  const baselineFile = args.flags.get('baseline') as string | undefined;
  if (baselineFile && !summary) throw new UsageError('--baseline goes with --summary');
  const seedText = args.flags.get('seed') as string | undefined;
  if (seedText !== undefined && !/^\d+$/.test(seedText)) throw new UsageError(`--seed: not a whole number: ${seedText}`);
  const seed = seedText === undefined ? undefined : Number(seedText);
  const personalityText = (args.flags.get('personality') as string | undefined) ?? 'freebsd';
  if (!isPersonalityName(personalityText)) throw new UsageError(`--personality: one of ${PERSONALITY_NAMES.join(', ')}, not '${personalityText}'`);
  const personality: PersonalityName = personalityText;

  let baseline: number | undefined;
  if (baselineFile) {
    try {
      const b = JSON.parse(readFileSync(baselineFile, 'utf8')) as { passed?: unknown };
      if (typeof b.passed !== 'number') throw new Error('no "passed" number');
      baseline = b.passed;
    } catch (e) {
      io.err(`synack packetdrill: cannot read the baseline ${baselineFile}: ${(e as Error).message}`);
      return 1;
    }
  }

  // Every script is found before any runs: a target with nothing to run is an error, not a pass.
  const work: Array<{ script: string; root: string }> = [];
  for (const target of args.positionals) {
    let files: string[];
    let root: string;
    try {
      files = scriptsOf(target);
      root = statSync(target).isDirectory() ? target : path.dirname(target);
    } catch (e) {
      io.err(`synack packetdrill: cannot read ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 1;
    }
    if (files.length === 0) {
      io.err(`synack packetdrill: ${target}: no *.pkt script in it or below it: nothing to run`);
      return 1;
    }
    for (const script of files) work.push({ script, root });
  }

  const started = Date.now();
  const entries: Entry[] = [];
  const bar = progress(json);
  const out = (line: string): void => {
    bar.clear();
    io.out(line);
    if (bar.enabled) io.flush?.();
  };
  const counts = { PASS: 0, FAIL: 0, UNSUPPORTED: 0 };
  // Which settings synack runs with comes first, so no result is read without them.
  if (!json) out(`personality: ${personality} (${PERSONALITIES[personality].summary})`);
  for (const [i, { script, root }] of work.entries()) {
    bar.update(`[${i + 1}/${work.length}] ${counts.PASS} passed, ${counts.FAIL} failed, ${counts.UNSUPPORTED} unsupported; ${script}`);
    let text: string;
    try {
      text = readFileSync(script, 'utf8');
    } catch (e) {
      bar.clear();
      io.err(`synack packetdrill: cannot read ${script}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 1;
    }
    const readFile = (name: string) => readBeside(script, name);
    const r = isEmptyScript(text) ? emptyResult(personality) : runScriptText(text, { mode, verbose, seed, personality, defines, readFile, ipVersion: wrapperIpVersion(script, personality) });
    counts[r.result]++;
    const group = path.relative(root, path.dirname(script)) || '.';
    const entry = { script, group, r };
    entries.push(entry);
    if (!summary) report(entry, { out, err: io.err }, json, verbose);
  }
  bar.clear();
  const passed = entries.filter((e) => e.r.result === 'PASS').length;
  const failed = entries.filter((e) => e.r.result === 'FAIL').length;
  const unsupported = entries.filter((e) => e.r.result === 'UNSUPPORTED').length;
  if (summary) printSummary(entries, io, json, `${mode}, personality ${personality}`, Date.now() - started);
  if (baseline !== undefined && passed > baseline && !json) {
    io.out(`${passed - baseline} more than the baseline of ${baseline}: raise "passed" in ${baselineFile} to ${passed}`);
  }
  // The closing line comes last.
  if (json) io.out(JSON.stringify({ passed, failed, unsupported, personality }));
  else io.out(`${passed} passed, ${failed} failed, ${unsupported} unsupported`);
  if (baseline !== undefined) {
    if (passed < baseline) {
      io.err(`synack packetdrill: ${passed} scripts passed, fewer than the baseline of ${baseline} (${baselineFile})`);
      return 1;
    }
    return 0;
  }
  return failed > 0 ? 1 : 0;
}

function report(e: Entry, io: Output, json: boolean, verbose: boolean): void {
  if (json) {
    io.out(JSON.stringify({ script: e.script, result: e.r.result, detail: e.r.detail, personality: e.r.personality }));
    return;
  }
  const head = `${e.r.result.padEnd(11)} ${e.script}`;
  if (e.r.result === 'PASS') io.out(e.r.detail ? `${head}  (${e.r.detail})` : head);
  else io.out(`${head}\n            ${e.r.detail}`);
  if (verbose) for (const l of e.r.log) io.out(`            ${l}`);
}

function printSummary(entries: Entry[], io: Output, json: boolean, mode: string, ms: number): void {
  const groups = new Map<string, { pass: number; fail: number; unsupported: number }>();
  for (const e of entries) {
    const g = groups.get(e.group) ?? { pass: 0, fail: 0, unsupported: 0 };
    if (e.r.result === 'PASS') g.pass++;
    else if (e.r.result === 'FAIL') g.fail++;
    else g.unsupported++;
    groups.set(e.group, g);
  }
  if (json) {
    for (const e of entries) io.out(JSON.stringify({ script: e.script, result: e.r.result, detail: e.r.detail, personality: e.r.personality }));
    return;
  }
  const width = Math.max(9, ...[...groups.keys()].map((k) => k.length));
  const row = (name: string, p: number, f: number, u: number) =>
    `${name.padEnd(width)}  ${String(p).padStart(6)}  ${String(f).padStart(6)}  ${String(u).padStart(11)}  ${String(p + f + u).padStart(6)}`;
  io.out(`synack packetdrill (${mode}): ${entries.length} scripts in ${(ms / 1000).toFixed(1)} s`);
  io.out('');
  io.out(`${'directory'.padEnd(width)}  ${'passed'.padStart(6)}  ${'failed'.padStart(6)}  ${'unsupported'.padStart(11)}  ${'total'.padStart(6)}`);
  let p = 0;
  let f = 0;
  let u = 0;
  for (const [name, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    io.out(row(name, g.pass, g.fail, g.unsupported));
    p += g.pass;
    f += g.fail;
    u += g.unsupported;
  }
  io.out(row('total', p, f, u));
  const notPassed = entries.filter((e) => e.r.result !== 'PASS');
  if (notPassed.length) {
    io.out('');
    for (const e of notPassed) io.out(`${e.r.result.padEnd(11)} ${e.script}\n            ${e.r.detail}`);
  }
  io.out('');
}
