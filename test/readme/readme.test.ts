/**
 * The README's examples, run: a README that drifts from the code fails here.
 *
 * Every fenced block in README.md is preceded by a marker comment that says how it is checked:
 *
 *   <!-- readme-test: transcript exact|shape|excerpt -->  `$ command` lines, each followed by its
 *       output; each command is run (`npx synack` / `synack` is the built CLI, in the checkout's root,
 *       stderr with stdout as a terminal shows them) and its output compared: exactly; by shape
 *       (numbers and long hex digits may differ, spacing may differ); or as an excerpt (the README's
 *       lines appear, in a row, in the output).
 *   <!-- readme-test: commands -->  shell lines that must run and exit 0.
 *   <!-- readme-test: usage CMD -->  a usage synopsis: the same options as `synack CMD --help`.
 *   <!-- readme-test: json-excerpt ARGS -->  every JSON object on a line of the block equals, in order,
 *       a host or event of `synack ARGS`'s JSON output.
 *   <!-- readme-test: example FILE -->  a program: FILE (examples/*.ts) verbatim, its header comment
 *       left out, with `synack` and `synack/LAYER` for the imports of ../src/index.js and
 *       ../src/LAYER/index.js.
 *   <!-- readme-test: output FILE exact|shape|excerpt -->  what `node dist/FILE.js` prints.
 *   <!-- readme-test: layout -->  a file listing: every path named exists.
 *   <!-- readme-test: root serve -->  the serve walk-through, run as root in a namespace of its own by
 *       test/interop/readme.test.ts (skipped there without root or TUN).
 *   <!-- readme-test: not run: REASON -->  cannot run here (root, TUN, a whole install); REASON says why
 *       and what checks it instead.
 *
 * A block without a marker fails the test, so a new example has to say how it is checked.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PERSONALITIES } from '../../src/packetdrill/index.js';
import { SCENARIOS } from '../../src/trace/index.js';
import { cliPath, repoRoot, runCli, sharedDir } from '../checkout.js';

const README = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  body: string[];
  marker: string | undefined;
}

/** The fenced blocks, each with the readme-test marker on the line just before its fence (if any). */
function fencedBlocks(md: string): Block[] {
  const lines = md.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const m = /^<!-- readme-test: (.*?) -->\s*$/.exec(lines[start - 1] ?? '');
    out.push({ line: start + 1, lang: open[1], body, marker: m?.[1] });
  }
  return out;
}

const BLOCKS = fencedBlocks(README);
const shared = existsSync(path.join(sharedDir, 'captures')) ? undefined : `the shared folder is missing (${sharedDir})`;

/** A README command line as it runs here: the built CLI for `npx synack`. */
function localCommand(cmd: string): string {
  const node = JSON.stringify(process.execPath);
  return cmd
    .replace(/(^|[|;&]\s*)(?:npx )?synack\b/g, `$1${node} ${JSON.stringify(cliPath)}`)
    .replaceAll('../shared/', `${sharedDir}/`);
}

function sh(cmd: string, timeout = 120_000): { status: number | null; output: string } {
  const r = spawnSync('sh', ['-c', `{ ${cmd}\n} 2>&1`], { cwd: repoRoot, encoding: 'utf8', timeout, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.error, undefined, `${cmd}: ${r.error?.message}`);
  return { status: r.status, output: r.stdout };
}

const trimLines = (s: string | string[]): string[] => {
  const lines = (typeof s === 'string' ? s.split('\n') : s).map((l) => l.trimEnd());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
};

/** A line's shape: numbers, and runs of eight or more hex digits, stand for any; spacing is free. */
const shape = (l: string): string =>
  l
    .replace(/\b[0-9a-f]{8,}\b/g, 'H')
    .replace(/\d+(\.\d+)?/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();

function compare(mode: string, expected: string[], actualText: string, what: string): void {
  const want = trimLines(expected);
  const got = trimLines(actualText.replaceAll(`${sharedDir}/`, '../shared/'));
  if (mode === 'exact') return assert.deepEqual(got, want, `${what}: the output differs from the README`);
  if (mode === 'shape') return assert.deepEqual(got.map(shape), want.map(shape), `${what}: the output's shape differs from the README`);
  if (mode === 'excerpt') {
    const at = got.findIndex((_, i) => want.every((w, j) => got[i + j] === w));
    return assert.notEqual(at, -1, `${what}: the README's lines do not appear in a row in the output:\n${got.join('\n')}`);
  }
  assert.fail(`unknown comparison '${mode}'`);
}

/** A `$ command` transcript: the commands and the output that follows each. */
function transcript(body: string[]): Array<{ cmd: string; output: string[] }> {
  const steps: Array<{ cmd: string; output: string[] }> = [];
  for (const l of body) {
    if (l.startsWith('$ ')) steps.push({ cmd: l.slice(2).replace(/\s+#.*$/, ''), output: [] });
    else {
      assert.ok(steps.length, `output before any command: ${l}`);
      steps[steps.length - 1].output.push(l);
    }
  }
  return steps;
}

/** An example file as the README shows it: no header comment, imports through the package's names. */
function asShown(file: string): string[] {
  let text = readFileSync(path.join(repoRoot, file), 'utf8');
  text = text.replace(/^\/\*\*[\s\S]*?\*\/\n\s*/, '');
  text = text.replace(/'\.\.\/src\/index\.js'/g, "'synack'").replace(/'\.\.\/src\/([a-z]+)\/index\.js'/g, "'synack/$1'");
  const inner = /'\.\.\/src\/[^']*'/.exec(text);
  assert.equal(inner, null, `${file} imports ${inner?.[0]}: a README example imports only what the package exports`);
  return trimLines(text);
}

const where = (b: Block): string => `README.md:${b.line}`;

test('every fenced block in the README says how it is checked (a readme-test marker)', () => {
  const unmarked = BLOCKS.filter((b) => b.marker === undefined).map(where);
  assert.deepEqual(unmarked, [], 'blocks without <!-- readme-test: ... --> before their fence');
  for (const b of BLOCKS) {
    const kind = b.marker!.split(/[\s:]/)[0];
    assert.ok(['transcript', 'commands', 'usage', 'json-excerpt', 'example', 'output', 'layout', 'root', 'not'].includes(kind), `${where(b)}: unknown marker '${b.marker}'`);
    if (kind === 'not') assert.match(b.marker!, /^not run: \S.{10,}/, `${where(b)}: 'not run:' needs a reason`);
  }
});

test('the checked blocks outnumber the ones that cannot run here', () => {
  const notRun = BLOCKS.filter((b) => b.marker?.startsWith('not run')).length;
  assert.ok(BLOCKS.length - notRun > 2 * notRun, `${notRun} of ${BLOCKS.length} blocks are not run`);
});

describe('transcripts: each command run, its output compared', () => {
  for (const b of BLOCKS.filter((x) => x.marker?.startsWith('transcript'))) {
    const mode = b.marker!.split(' ')[1];
    const steps = transcript(b.body);
    const needsShared = steps.some((s) => s.cmd.includes('../shared/'));
    test(`${where(b)}: ${steps.map((s) => s.cmd).join('; ')}`, { skip: needsShared ? shared ?? false : false }, () => {
      assert.ok(steps.length > 0, 'a transcript has at least one command');
      for (const s of steps) compare(mode, s.output, sh(localCommand(s.cmd)).output, s.cmd);
    });
  }
});

describe('command blocks: every line runs and exits 0', () => {
  for (const b of BLOCKS.filter((x) => x.marker === 'commands')) {
    const cmds = b.body.map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l && !l.startsWith('#'));
    test(`${where(b)}: ${cmds.join('; ')}`, () => {
      for (const c of cmds) {
        const r = sh(localCommand(c));
        assert.equal(r.status, 0, `${c}: ${r.output.slice(-2000)}`);
        assert.ok(r.output.trim().length > 0, `${c} printed something`);
      }
    });
  }
});

describe('usage synopses list exactly the options of the command\'s --help', () => {
  const options = (text: string): string[] => [...new Set(text.match(/--[a-z][a-z0-9-]*/g) ?? [])].filter((o) => o !== '--help').sort();
  for (const b of BLOCKS.filter((x) => x.marker?.startsWith('usage '))) {
    const cmd = b.marker!.split(' ')[1];
    test(`${where(b)}: synack ${cmd}`, () => {
      const r = runCli([cmd, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(options(b.body.join('\n')), options(r.stdout), `README's synopsis of synack ${cmd} against its --help`);
    });
  }
});

describe('JSON excerpts equal the real output', () => {
  for (const b of BLOCKS.filter((x) => x.marker?.startsWith('json-excerpt '))) {
    const args = b.marker!.split(' ').slice(1);
    test(`${where(b)}: synack ${args.join(' ')}`, () => {
      const r = runCli(args);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { hosts: unknown[]; events: unknown[] };
      const all = [...out.hosts, ...out.events];
      const shown: unknown[] = [];
      for (const line of b.body) {
        let s = line.slice(Math.max(0, line.indexOf('{')));
        for (; s.startsWith('{') && s.length; s = s.slice(0, -1)) {
          try {
            shown.push(JSON.parse(s));
            break;
          } catch {
            // not yet: trailing ',', ']', '}' or '...'
          }
        }
      }
      assert.ok(shown.length >= 3, `the excerpt shows at least three objects (${shown.length})`);
      let at = 0;
      for (const o of shown) {
        const i = all.findIndex((x, k) => k >= at && JSON.stringify(x) === JSON.stringify(o));
        assert.notEqual(i, -1, `not in the output (in order): ${JSON.stringify(o)}`);
        at = i + 1;
      }
    });
  }
});

describe('library examples: the README shows the file, and prints what it prints', () => {
  for (const b of BLOCKS.filter((x) => x.marker?.startsWith('example '))) {
    const file = b.marker!.split(' ')[1];
    test(`${where(b)}: ${file} verbatim`, () => {
      assert.deepEqual(trimLines(b.body), asShown(file), `README.md:${b.line} against ${file}`);
    });
  }
  for (const b of BLOCKS.filter((x) => x.marker?.startsWith('output '))) {
    const [, file, mode] = b.marker!.split(' ');
    test(`${where(b)}: node dist/${file.replace(/\.ts$/, '.js')} prints it (${mode})`, () => {
      const js = path.join(repoRoot, 'dist', file.replace(/\.ts$/, '.js'));
      const r = spawnSync(process.execPath, [js], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal(r.status, 0, r.stderr);
      compare(mode, b.body, r.stdout, file);
    });
  }
});

test('the layout lists paths that exist', () => {
  for (const b of BLOCKS.filter((x) => x.marker === 'layout')) {
    let dir = '';
    for (const line of b.body) {
      const top = /^(\S+\/|\S+\.ts)\s/.exec(line + ' ');
      if (top) {
        dir = top[1].endsWith('/') ? top[1] : '';
        assert.ok(existsSync(path.join(repoRoot, top[1])), `README.md:${b.line}: ${top[1]} does not exist`);
        continue;
      }
      const file = /^\s+([a-z0-9-]+\.ts)\s/.exec(line);
      if (file && dir) assert.ok(existsSync(path.join(repoRoot, dir, file[1])), `README.md:${b.line}: ${dir}${file[1]} does not exist`);
    }
  }
});

test("the packetdrill personality table names every setting of the freebsd personality", () => {
  const from = README.indexOf('`freebsd` sets:');
  const to = README.indexOf("FreeBSD's other timer defaults", from);
  assert.ok(from > 0 && to > from, 'the personality table is where the README had it');
  const table = README.slice(from, to);
  for (const key of Object.keys(PERSONALITIES.freebsd.tcp)) assert.ok(table.includes(`\`${key}\``), `the table lacks \`${key}\``);
});

test('the scenario table lists every demo scenario, in the order of synack demo --list, and the count in words is right', () => {
  const rows = [...README.matchAll(/^\| `([a-z-]+)` \| /gm)].map((m) => m[1]).filter((n) => SCENARIOS.some((s) => s.name === n));
  assert.deepEqual(rows, SCENARIOS.map((s) => s.name));
  const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'];
  assert.match(README, new RegExp(`walks through ${words[SCENARIOS.length]} such runs`));
});

test("the conformance figures the README states are today's (lenient, --personality none, --strict)", { skip: shared ?? false }, () => {
  const totals = (...args: string[]): { passed: number; failed: number; unsupported: number } => {
    const r = runCli(['packetdrill', '--json', ...args, path.join(sharedDir, 'conformance')], { maxBuffer: 64 << 20 });
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };
  const lenient = totals();
  const all = lenient.passed + lenient.failed + lenient.unsupported;
  assert.match(README, new RegExp(`packetdrill conformance \\(${lenient.passed} of the\\s+FreeBSD suite's ${all} scripts\\)`), 'the Status line');
  const pct = ((100 * lenient.passed) / all).toFixed(1);
  assert.match(
    README,
    new RegExp(`\\*\\*${lenient.passed} of the ${all} pass in lenient mode\\*\\* \\(${pct}%; ${lenient.failed} fail, ${lenient.unsupported} unsupported\\)`),
  );
  assert.match(README, new RegExp(`none\`, synack's own defaults, ${totals('--personality', 'none').passed} do`));
  assert.match(README, new RegExp(`\`--strict\` passes ${totals('--strict').passed}:`));
});

test("the Linux figures the README states are today's (the linux personality over ../shared/linux-gtests)", { skip: shared ?? false }, () => {
  const r = runCli(['packetdrill', '--json', '--personality', 'linux', path.join(sharedDir, 'linux-gtests')], { maxBuffer: 64 << 20 });
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { script?: string; result?: string; passed?: number; failed?: number; unsupported?: number });
  const t = lines.pop()!;
  const all = t.passed! + t.failed! + t.unsupported!;
  assert.match(README, new RegExp(`\\*\\*${t.passed} of the ${all} pass\\*\\* under \`--personality linux\` \\(${t.failed} fail, ${t.unsupported} unsupported\\)`));
  // The table by directory: each row as the run counts it.
  const byDir = new Map<string, [number, number, number]>();
  for (const l of lines) {
    const dir = l.script!.split('net/tcp/')[1].replace(/\/[^/]*$/, '');
    const row = byDir.get(dir) ?? [0, 0, 0];
    row[l.result === 'PASS' ? 0 : l.result === 'FAIL' ? 1 : 2]++;
    byDir.set(dir, row);
  }
  for (const [dir, [p, f, u]] of byDir) {
    assert.match(README, new RegExp(`^\\| \`${dir}\` \\| ${p} \\| ${f} \\| ${u} \\| ${p + f + u} \\|$`, 'm'), `the row of ${dir}`);
  }
});
