/**
 * `synack demo [SCENARIO]`: run a scenario in the simulator and draw what happened; `synack ladder
 * FILE`: the same diagrams from a real capture, one per connection.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { CaptureTracer, renderJson, renderMermaid, renderSvg, renderText, SCENARIOS, findScenario, type CaptureTraces, type Lang, type Trace } from '../trace/index.js';
import { wrap } from '../trace/text.js';
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { readCaptureReporting, type Output } from './decode.js';
import { Progress } from './progress.js';
import { ROUND_TRIP_DEMOS, ROUND_TRIP_SUMMARY, runRoundTripDemo, type RoundTripDemo, type RoundTripResult } from '../workloads/round-trips.js';

export type Format = 'text' | 'mermaid' | 'svg' | 'json';
const FORMATS: readonly Format[] = ['text', 'mermaid', 'svg', 'json'];

export const demoUsage = `usage: synack demo [SCENARIO] [--format text|mermaid|svg|json] [--pcap FILE] [--seed N]
                   [--absolute] [--lang en|ko] [--width N] [--rtt MS]
       synack demo --list

Run SCENARIO (default: handshake) in the simulator, seeded, in virtual time, and draw what
happened as a ladder diagram: a column per host, an arrow per segment (flags, sequence and
acknowledgment numbers relative to each side's ISN, length, window, options on SYNs), each side's
state where it changes, retransmissions, drops (on links and inside hosts), fired timers and
congestion events marked. Every diagram is a real run, not a drawing.
  --format     text (default; colour on a terminal), mermaid (sequenceDiagram), svg, json
               ({"hosts": [...], "events": [...]}: segment, state, timer, cwnd, drop
               and note events)
  --pcap FILE  also write every packet put on a link (dropped ones included) as a pcap
  --seed N     the simulator's seed (default 1): ISNs, ports, and any random impairment
  --absolute   raw sequence and acknowledgment numbers instead of relative ones
  --lang       en (default) or ko: the language of the explanations
  --width N    columns for the text diagram (default 80)
  --rtt MS     the round-trip demos' RTT (default 100)
  --list       one line for each scenario

The round-trip demos (tcp, tls12, tls13, tls13-resume, tfo, tfo-tls13-resume) run Node's own tls
over synack sockets at a fixed RTT and count the round trips until the client has the first byte
of the server's response; TLS records are named on the arrows (what is encrypted says so).`;

export const ladderUsage = `usage: synack ladder FILE [--format text|mermaid|svg|json] [--absolute] [--width N]

Draw the TCP connections in a pcap or pcapng capture (tcpdump, Wireshark; Ethernet, Linux
cooked v1/v2, raw IP, BSD loopback) as ladder diagrams, one per connection, with each side's
state inferred per RFC 9293 from what it sent and received as seen at the capture point.
--format json prints an array with one {"hosts": [...], "events": [...]} per connection.

FILE '-' reads standard input. The capture is read as a stream (only the segments' headers are
kept), with a progress line on a terminal for a long read. Segments a snap length cut (tcpdump -s)
are drawn with their real length, from the IP header.`;

function formatOf(args: ParsedArgs): Format {
  const f = (args.flags.get('format') ?? 'text') as string;
  if (!FORMATS.includes(f as Format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return f as Format;
}

function widthOf(args: ParsedArgs): number {
  const w = args.flags.get('width');
  if (w === undefined) return 80;
  const n = Number(w);
  if (!Number.isInteger(n) || n < 60 || n > 400) throw new UsageError('--width must be a whole number from 60 to 400');
  return n;
}

function useColour(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

export function render(trace: Trace, format: Format, opts: { absolute?: boolean; width?: number; color?: boolean }): string {
  switch (format) {
    case 'text':
      return renderText(trace, opts);
    case 'mermaid':
      return renderMermaid(trace, opts);
    case 'svg':
      return renderSvg(trace, opts);
    case 'json':
      return renderJson(trace);
  }
}

export function runDemo(argv: string[], io: Output): number | Promise<number> {
  const args = parseArgs(argv, { valued: ['format', 'pcap', 'seed', 'lang', 'width', 'rtt'], boolean: ['absolute', 'list', 'help'] });
  if (args.flags.has('help')) {
    io.out(demoUsage);
    return 0;
  }
  const lang = (args.flags.get('lang') ?? 'en') as Lang;
  if (lang !== 'en' && lang !== 'ko') throw new UsageError('--lang must be en or ko');
  if (args.flags.has('list')) {
    const w = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS) io.out(`${s.name.padEnd(w)}  ${s.summary[lang]}`);
    for (const n of ROUND_TRIP_DEMOS) io.out(`${n.padEnd(w)}  ${ROUND_TRIP_SUMMARY[n]} (round trips to the first byte)`);
    return 0;
  }
  if (args.positionals.length > 1) throw new UsageError('demo takes at most one SCENARIO');
  const name = args.positionals[0] ?? 'handshake';
  if ((ROUND_TRIP_DEMOS as readonly string[]).includes(name)) return runRoundTripCommand(name as RoundTripDemo, args, io);
  const scenario = findScenario(name);
  if (!scenario) throw new UsageError(`unknown scenario '${name}' (synack demo --list)`);
  const format = formatOf(args);
  const seedText = args.flags.get('seed');
  const seed = seedText === undefined ? 1 : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError('--seed must be a whole number from 0 to 2^32-1');
  const pcap = args.flags.get('pcap') as string | undefined;
  const width = widthOf(args);
  // The capture's file is opened before the run, so a path that cannot be written fails before
  // anything is drawn.
  let pcapFd: number | undefined;
  if (pcap !== undefined) {
    try {
      pcapFd = openSync(pcap, 'w');
    } catch (e) {
      io.err(`synack demo: cannot write ${pcap}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 1;
    }
  }
  const result = scenario.run({ seed, lang, pcap: pcap !== undefined });
  const opts = { absolute: args.flags.has('absolute'), width, color: format === 'text' && useColour() };
  if (format === 'text') {
    for (const line of wrap(`synack demo ${scenario.name} (seed ${seed}): ${scenario.summary[lang]}`, width)) io.out(line);
    io.out('');
  }
  io.out(render(result.trace, format, opts));
  if (format === 'text') {
    io.out('');
    for (const line of wrap(scenario.notice[lang], width - 2)) io.out(line);
  }
  if (pcapFd !== undefined) {
    try {
      const bytes = result.pcap!;
      for (let at = 0; at < bytes.length; ) at += writeSync(pcapFd, bytes, at);
    } catch (e) {
      io.err(`synack demo: cannot write ${pcap}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 1;
    } finally {
      closeSync(pcapFd);
    }
  }
  return 0;
}

/** `synack demo tls13` and the other round-trip demos: async (Node's tls runs on the event loop). */
async function runRoundTripCommand(name: RoundTripDemo, args: ParsedArgs, io: Output): Promise<number> {
  if (args.flags.has('pcap')) throw new UsageError(`--pcap is not available for the round-trip demo ${name}`);
  const format = formatOf(args);
  const width = widthOf(args);
  const rttText = args.flags.get('rtt');
  const rttMs = rttText === undefined ? 100 : Number(rttText);
  if (!Number.isInteger(rttMs) || rttMs < 2 || rttMs > 10_000) throw new UsageError('--rtt must be a whole number of ms from 2 to 10000');
  const seedText = args.flags.get('seed');
  const seed = seedText === undefined ? 1 : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError('--seed must be a whole number from 0 to 2^32-1');
  const r = await runRoundTripDemo(name, { rttMs, seed });
  const opts = { absolute: args.flags.has('absolute'), width, color: format === 'text' && useColour() };
  if (format === 'text') {
    for (const line of wrap(`synack demo ${name} (RTT ${rttMs} ms): ${r.summary}`, width)) io.out(line);
    io.out('');
  }
  io.out(render(r.trace, format, opts));
  if (format === 'text') {
    io.out('');
    io.out(roundTripLine(r));
  }
  return 0;
}

/** "first byte of the response after 300 ms: 3 round trips" */
export function roundTripLine(r: RoundTripResult): string {
  const n = r.roundTrips;
  return `first byte of the response after ${r.firstByteMs} ms: ${Number.isInteger(n) ? n : n.toFixed(2)} round trip${n === 1 ? '' : 's'} of ${r.rttMs} ms`;
}

/**
 * The traces of a capture file ('-': standard input), read as a stream: only the segments' headers
 * are kept, never the file. Progress on a terminal while it reads. A number is the exit code of a
 * file that could not be read.
 */
export function ladderTracesOf(file: string, io: Output, opts: { chunkSize?: number; progress?: Progress } = {}): CaptureTraces | number {
  const tracer = new CaptureTracer();
  const result = readCaptureReporting('ladder', 'reading', file, io, opts.progress ?? new Progress(), opts.chunkSize, (record) => tracer.add(record));
  return result === undefined ? 1 : tracer.finish(result.damage);
}

export function runLadder(argv: string[], io: Output): number {
  const args = parseArgs(argv, { valued: ['format', 'width'], boolean: ['absolute', 'help'] });
  if (args.flags.has('help')) {
    io.out(ladderUsage);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('ladder takes exactly one FILE');
  const file = args.positionals[0];
  const format = formatOf(args);
  const width = widthOf(args);
  const r = ladderTracesOf(file, io, { progress: new Progress({ enabled: format !== 'json' && process.stderr.isTTY === true }) });
  if (typeof r === 'number') return r;
  const opts = { absolute: args.flags.has('absolute'), width, color: format === 'text' && useColour() };
  if (format === 'json') {
    io.out(JSON.stringify(r.traces.map((t) => ({ hosts: t.hosts, events: t.events })), null, 2));
  } else {
    r.traces.forEach((t, i) => {
      if (format === 'text') {
        const segments = t.events.filter((e) => e.kind === 'segment').length;
        io.out(`connection ${i + 1} of ${r.traces.length}: ${t.hosts[0].addresses[0]} -> ${t.hosts[1].addresses[0]} (${segments} segments)`);
        io.out('');
      }
      io.out(render(t, format, opts));
      if (i < r.traces.length - 1) io.out('');
    });
    if (r.traces.length === 0) io.err(`synack ladder: ${file}: no TCP segments (${r.skipped} other frames)`);
  }
  // A damaged capture is a failure, as in decode: the diagrams show only what was read before it.
  if (r.damage) {
    io.err(`synack ladder: ${file}: ${r.damage.reason}: ${r.damage.detail} (diagrams show what was read before it)`);
    return 1;
  }
  return 0;
}
