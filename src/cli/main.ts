#!/usr/bin/env node
/** The `synack` command. */
import { readFileSync, writeSync } from 'node:fs';
import { UsageError } from './args.js';
import { benchUsage, floodUsage, runBench } from './bench.js';
import { decodeUsage, runDecode, type Output } from './decode.js';
import { demoUsage, ladderUsage, runDemo, runLadder } from './demo.js';
import { packetdrillUsage, runPacketdrill } from './packetdrill.js';
import { connectUsage, runConnect } from './connect.js';
import { runServe, serveUsage } from './serve.js';
import { runSim, simUsage } from './sim.js';
import { exploreUsage, runExplore } from './explore.js';
import { runTour, tourUsage } from './tour.js';
import { proxyUsage, runProxy } from './proxy.js';

type CliOutput = Output & { flush?: () => void };

interface Command {
  summary: string;
  usage: string;
  run: (argv: string[], io: CliOutput) => number | Promise<number>;
  /** Subcommands with usage of their own (`synack bench flood --help`). */
  subcommands?: Record<string, { usage: string }>;
}

const commands: Record<string, Command> = {
  explore: { summary: 'serve the explorer: synack in the browser, scenarios, a sandbox and captures drawn live (npm start)', usage: exploreUsage, run: runExplore },
  decode: { summary: 'decode a pcap/pcapng capture: a tcpdump-like line or a JSON object per packet', usage: decodeUsage, run: runDecode },
  sim: { summary: 'transfer bytes between two simulated hosts over an impaired link; report integrity and what TCP did', usage: simUsage, run: runSim },
  bench: {
    summary: 'benchmarks beside same-run references: throughput, goodput, connection rate, heap per connection; flood (a SYN flood per SYN-cookie mode)',
    usage: benchUsage,
    run: runBench,
    subcommands: { flood: { usage: floodUsage } },
  },
  demo: { summary: 'run a scenario (handshake, close, syn-flood, ...; --list) in the simulator and draw its ladder diagram', usage: demoUsage, run: runDemo },
  tour: { summary: "every demo scenario's ladder diagram in turn in the terminal, with what to notice (--lang ko)", usage: tourUsage, run: runTour },
  ladder: { summary: 'draw ladder diagrams of the TCP connections in a pcap/pcapng capture', usage: ladderUsage, run: runLadder },
  serve: { summary: 'serve http, echo, discard or chargen from a synack stack on a new TUN device (root)', usage: serveUsage, run: runServe },
  connect: { summary: 'connect through a new TUN device to a kernel-side server, stdin and stdout like nc (root)', usage: connectUsage, run: runConnect },
  proxy: {
    summary: 'carry real TCP connections across a simulated impaired path (loss, delay, rate, profiles, toxiproxy API), no root',
    usage: proxyUsage,
    run: runProxy,
  },
  packetdrill: { summary: 'run packetdrill scripts against synack in virtual time: PASS, FAIL or UNSUPPORTED each', usage: packetdrillUsage, run: runPacketdrill },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = [
    'synack: a TCP/IP stack in TypeScript, and tools to see TCP happen',
    '',
    'usage: synack COMMAND [OPTIONS]',
    '       synack help COMMAND',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'synack COMMAND --help' (or -h) for a command's options. Exit status: 0 success, 1 failure,",
    '2 usage error.',
  ];
  return lines.join('\n');
}

/** Whether -h or --help stands among the options (before any `--`). */
function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '-h' || a === '--help') return true;
  }
  return false;
}

/** The usage of `synack NAME [SUB]`, and the words that name it. */
function usageOf(name: string, rest: string[]): { usage: string; words: string } {
  const command = commands[name];
  const sub = rest[0] !== undefined ? command.subcommands?.[rest[0]] : undefined;
  return sub ? { usage: sub.usage, words: `${name} ${rest[0]}` } : { usage: command.usage, words: name };
}

/** A usage error: the one-line reason and where the options are, on stderr; exit status 2. */
function usageError(io: CliOutput, words: string, message: string): number {
  io.err(`synack${words ? ` ${words}` : ''}: ${message}`);
  io.err(`see 'synack ${words ? `${words} ` : ''}--help'`);
  return 2;
}

export function main(argv: string[], io: CliOutput): number | Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.out(help());
    return 0;
  }
  if (name === 'help') {
    if (rest.length === 0) {
      io.out(help());
      return 0;
    }
    if (!commands[rest[0]]) return usageError(io, '', `no command '${rest[0]}' to explain`);
    io.out(usageOf(rest[0], rest.slice(1)).usage);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return 0;
  }
  const command = commands[name];
  if (!command) return usageError(io, '', name.startsWith('-') ? `unknown option ${name}` : `unknown command '${name}'`);
  const { usage, words } = usageOf(name, rest);
  if (wantsHelp(rest)) {
    io.out(usage);
    return 0;
  }
  const onError = (e: unknown): number => {
    if (e instanceof UsageError) return usageError(io, words, e.message);
    throw e;
  };
  try {
    const r = command.run(rest, io);
    return typeof r === 'number' ? r : r.catch(onError);
  } catch (e) {
    return onError(e);
  }
}

/** Standard output, written in large chunks (a capture can be millions of lines). */
let pending: string[] = [];
let pendingChars = 0;
function flush(): void {
  if (pending.length) writeStdout(pending.join(''));
  pending = [];
  pendingChars = 0;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * Write to stdout before going on. A pipe's reader can be slower than a synchronous command (decode
 * of a big capture): process.stdout.write would queue what the pipe cannot take yet, in memory, for
 * the whole output. Here the command waits for the reader instead, so memory stays flat. Anything
 * already queued by process.stdout goes first, in order.
 */
function writeStdout(text: string): void {
  if (process.stdout.writableLength > 0) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at, bytes.length - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw e;
    }
  }
}
// A reader that goes away (`synack decode big.pcap | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const io: CliOutput = {
  flush,
  out: (line) => {
    pending.push(line, '\n');
    pendingChars += line.length + 1;
    if (pendingChars > 1 << 16) flush();
  },
  err: (line) => {
    flush();
    process.stderr.write(line + '\n');
  },
};
const result = main(process.argv.slice(2), io);
if (typeof result === 'number') {
  process.exitCode = result;
  flush();
} else {
  // A long-running command (serve, connect) ends the process when it is done: its device, sockets and
  // timers are closed, but stdin may still hold the loop open.
  result.then(
    (code) => {
      flush();
      process.exit(code);
    },
    (e: unknown) => {
      flush();
      process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
      process.exit(1);
    },
  );
}
