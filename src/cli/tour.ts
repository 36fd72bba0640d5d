#!/usr/bin/env node
/**
 * The tour (`synack tour`): every demo scenario's ladder diagram in turn, each a real simulator run,
 * with what to notice. On a terminal it waits for Enter between scenarios (q quits); otherwise it
 * prints them straight through. `--lang ko` for the explanations in Korean; `--seed N` for another
 * run. Run directly (`node dist/src/cli/tour.js`) it is the same command.
 */
import { realpathSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Output } from './decode.js';
import { renderText, SCENARIOS, type Lang } from '../trace/index.js';
import { wrap } from '../trace/text.js';
import { parseArgs, UsageError } from './args.js';
import { roundTripLine } from './demo.js';
import { ROUND_TRIP_DEMOS, runRoundTripDemo } from '../workloads/round-trips.js';

const INTRO: Record<Lang, string> = {
  en: 'synack tour: TCP as the study notes draw it, but from real runs of the simulator. Each diagram has a column per host and an arrow per segment; numbers are relative to each side\'s initial sequence number; states are written beside the lane where they change.',
  ko: 'synack 투어: 학습 노트가 그리는 TCP를 시뮬레이터의 실제 실행으로 보여 준다. 호스트마다 열 하나, 세그먼트마다 화살표 하나; 번호는 각자의 초기 순서 번호 기준 상대값; 상태는 바뀌는 곳의 열 옆에 적힌다.',
};
const NEXT: Record<Lang, string> = { en: '[Enter: next, q: quit] ', ko: '[Enter: 다음, q: 끝내기] ' };

export function tourPages(lang: Lang, seed: number, width: number, color: boolean): string[] {
  return SCENARIOS.map((s, i) => {
    const r = s.run({ seed, lang });
    const lines = [
      `== ${i + 1}/${SCENARIOS.length}: ${s.name} ==`,
      ...wrap(s.summary[lang], width - 2),
      '',
      renderText(r.trace, { width, color }),
      '',
      ...wrap(s.notice[lang], width - 2),
      `(synack demo ${s.name}${lang === 'ko' ? ' --lang ko' : ''})`,
    ];
    return lines.join('\n');
  });
}

const ROUND_TRIP_INTRO: Record<Lang, string> = {
  en: 'How many round trips until the first byte of the answer? Node\'s own tls over synack sockets, at an RTT of 100 ms. TLS 1.3 early data (0-RTT) would save one more round trip on a resumed connection (tls13-resume: 2, tfo-tls13-resume: 1); Node\'s tls does not send early data, so it is not drawn.',
  ko: '응답의 첫 바이트까지 왕복 몇 번인가? synack 소켓 위의 Node tls, RTT 100 ms. TLS 1.3 early data(0-RTT)라면 재개된 연결에서 왕복 하나를 더 줄인다(tls13-resume: 2, tfo-tls13-resume: 1); Node의 tls는 early data를 보내지 않으므로 그리지 않는다.',
};

/** The round-trip demos' pages (tls12 ... tfo-tls13-resume), each a run of Node's tls in the simulator. */
export async function roundTripPages(lang: Lang, width: number, color: boolean): Promise<string[]> {
  const pages: string[] = [];
  for (const [i, name] of ROUND_TRIP_DEMOS.entries()) {
    const r = await runRoundTripDemo(name, { rttMs: 100 });
    const lines = [`== round trips ${i + 1}/${ROUND_TRIP_DEMOS.length}: ${name} ==`];
    if (i === 0) lines.push(...wrap(ROUND_TRIP_INTRO[lang], width - 2), '');
    lines.push(...wrap(r.summary, width - 2), '', renderText(r.trace, { width, color }), '', roundTripLine(r), `(synack demo ${name})`);
    pages.push(lines.join('\n'));
  }
  return pages;
}

export const tourUsage = `usage: synack tour [--lang en|ko] [--seed N]
       node dist/src/cli/tour.js [--lang en|ko] [--seed N]

The tour, in the terminal: every demo scenario's ladder diagram in turn (handshake, data, loss,
close, ...), each a real run of the simulator, with what to notice in it; then the round-trip demos
(TLS 1.2, TLS 1.3, resumption, Fast Open: round trips to the first byte of an answer). On a terminal
it waits for Enter between scenarios (q quits); on a pipe it prints them all. Each page names the
'synack demo' command that draws it again. (The same scenarios in a browser: synack explore.)

  --lang L    the language of the explanations: en (default) or ko
  --seed N    the simulator's seed (default 1): another run, other ISNs and ports
  -h, --help  this text`;

export async function runTour(argv: string[], io: Output & { flush?: () => void }): Promise<number> {
  const args = parseArgs(argv, { valued: ['lang', 'seed'], boolean: ['help'] });
  if (args.flags.has('help')) {
    io.out(tourUsage);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const l = args.flags.get('lang') ?? 'en';
  if (l !== 'en' && l !== 'ko') throw new UsageError('--lang must be en or ko');
  const lang: Lang = l;
  const seed = Number(args.flags.get('seed') ?? 1);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a whole number');
  const tty = process.stdout.isTTY === true && process.stdin.isTTY === true;
  const width = Math.max(80, Math.min(process.stdout.columns ?? 80, 100));
  const color = tty && !process.env.NO_COLOR;
  io.out(wrap(INTRO[lang], width - 2).join('\n') + '\n');
  const pages = [...tourPages(lang, seed, tty ? width : 80, color), ...(await roundTripPages(lang, tty ? width : 80, color))];
  const rl = tty ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  try {
    for (let i = 0; i < pages.length; i++) {
      io.out(pages[i] + '\n');
      if (rl && i < pages.length - 1) {
        io.flush?.();
        const answer = await new Promise<string>((resolve) => rl.question(NEXT[lang], resolve));
        if (answer.trim().toLowerCase() === 'q') break;
        io.out('');
      }
    }
  } finally {
    rl?.close();
  }
  return 0;
}

/** Run as a script (`node dist/src/cli/tour.js`): the same command as `synack tour`. */
async function script(argv: string[]): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const io = { out: (line: string) => void process.stdout.write(line + '\n'), err: (line: string) => void process.stderr.write(line + '\n') };
  // Help before anything else, even beside a bad option (as every synack command).
  if (argv.some((a) => a === '-h' || a === '--help')) {
    io.out(tourUsage);
    return 0;
  }
  try {
    return await runTour(argv, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`synack tour: ${e.message}`);
    io.err("see 'synack tour --help'");
    return 2;
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await script(process.argv.slice(2));
}
