/**
 * The browser build (synack/browser): esbuild bundles src/browser/index.ts as the build script does,
 * in memory, with every Node built-in left external so that an import of one shows up in the
 * metafile instead of stopping the build; then the checks:
 *
 * - every input is a source file of synack (src/): no dependency is bundled, no Node adapter;
 * - no input imports a Node built-in (`node:*` or a bare name such as `fs`), and the bundle holds
 *   no `require(` (a CommonJS leftover a browser cannot run);
 * - the README's figures for the bundle's size, minified and gzipped, are within 5% of today's;
 * - the bundle that ships (dist/browser/synack.js) runs every demo scenario to the same trace and
 *   the same pcap, byte for byte, as the modules Node runs (dist/src);
 * - the type declarations synack/browser ships compile for a page's code: DOM types, none of Node's.
 *
 * The type-level half of the check is src/browser/tsconfig.json (no Node types: `Buffer`, `process`
 * or `setImmediate` in a file the entry reaches does not compile); npm test runs it before this.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { SCENARIOS, renderJson } from '../../src/trace/index.js';
import { repoRoot } from '../checkout.js';

const BUNDLE = path.join(repoRoot, 'dist', 'browser', 'synack.js');

/** The build's options for the library (scripts/browser-options.mjs). */
async function libraryOptions(): Promise<BuildOptions> {
  const script = pathToFileURL(path.join(repoRoot, 'scripts', 'browser-options.mjs')).href;
  return ((await import(script)) as { libraryOptions: BuildOptions }).libraryOptions;
}

/** Node's built-in module names, bare and with the node: scheme. */
const BUILTINS = new Set(builtinModules.flatMap((m) => (m.startsWith('node:') ? [m] : [m, `node:${m}`])));
const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]);

let built: Promise<{ metafile: Metafile; code: string }> | undefined;
/** The browser entry bundled in memory, with Node's built-ins external (see the header). */
function bundle(): Promise<{ metafile: Metafile; code: string }> {
  built ??= (async () => {
    const opts = await libraryOptions();
    const r = await build({
      ...opts,
      outfile: path.join(repoRoot, 'dist', 'browser', 'check.js'),
      write: false,
      metafile: true,
      sourcemap: false,
      logLevel: 'silent',
      external: [...BUILTINS],
    });
    return { metafile: r.metafile!, code: r.outputFiles!.find((f) => f.path.endsWith('.js'))!.text };
  })();
  return built;
}

test('the browser build reads only synack sources (src/), and none imports a Node built-in', async () => {
  const { metafile } = await bundle();
  const inputs = Object.keys(metafile.inputs);
  assert.ok(inputs.includes('src/browser/index.ts') && inputs.includes('src/tcp/tcb.ts'), `the entry and the core are inputs: ${inputs.slice(0, 5).join(', ')}...`);
  const outside = inputs.filter((f) => !f.startsWith('src/') || f.startsWith('src/cli/'));
  assert.deepEqual(outside, [], 'inputs outside src/ (a dependency or a CLI file was bundled)');
  const nodeImports = Object.entries(metafile.inputs).flatMap(([file, input]) =>
    // A relative import esbuild reports as external is one TypeScript elides (used only as a type).
    input.imports.filter((i) => isBuiltin(i.path) || (i.external && !i.path.startsWith('.'))).map((i) => `${file} imports ${i.path}`),
  );
  assert.deepEqual(nodeImports, [], 'a file the browser build reaches imports a Node built-in');
});

test('the bundle holds no require( and no import of its own', async () => {
  const { code, metafile } = await bundle();
  assert.doesNotMatch(code, /\brequire\s*\(/, 'a require( in the in-memory bundle');
  const imports = Object.values(metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  assert.deepEqual(imports, [], 'the bundle imports other modules');
  assert.ok(existsSync(BUNDLE), `${BUNDLE} exists (node scripts/build-browser.mjs builds it)`);
  const shipped = readFileSync(BUNDLE, 'utf8');
  assert.doesNotMatch(shipped, /\brequire\s*\(/, 'a require( in dist/browser/synack.js');
});

test("the README's figures for the bundle's size are within 5% of today's", async () => {
  const { code } = await bundle();
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const m = /`dist\/browser\/synack\.js` is \*\*([\d.]+) KiB\*\* minified and \*\*([\d.]+) KiB\*\* gzipped/.exec(readme);
  assert.ok(m, 'the README states the size as "`dist/browser/synack.js` is **N KiB** minified and **N KiB** gzipped"');
  const minified = Buffer.byteLength(code) / 1024;
  const gzipped = gzipSync(code, { level: 9 }).length / 1024;
  const near = (stated: number, actual: number, what: string): void =>
    assert.ok(Math.abs(stated - actual) <= 0.05 * actual, `the README says ${stated} KiB ${what}; the bundle is ${actual.toFixed(1)} KiB`);
  near(Number(m[1]), minified, 'minified');
  near(Number(m[2]), gzipped, 'gzipped');
});

test('the shipped bundle runs every demo scenario to the same trace and pcap as Node runs from dist/src', async () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} exists (node scripts/build-browser.mjs builds it)`);
  const browser = (await import(pathToFileURL(BUNDLE).href)) as { SCENARIOS: typeof SCENARIOS; renderJson: typeof renderJson };
  assert.deepEqual(
    browser.SCENARIOS.map((s) => s.name),
    SCENARIOS.map((s) => s.name),
  );
  for (const [i, s] of SCENARIOS.entries()) {
    const seed = 1000 + i;
    const a = s.run({ seed, lang: 'en', pcap: true });
    const b = browser.SCENARIOS[i].run({ seed, lang: 'en', pcap: true });
    assert.equal(browser.renderJson(b.trace), renderJson(a.trace), `${s.name}, seed ${seed}: the traces differ`);
    assert.ok(a.pcap && b.pcap && a.pcap.length > 24, `${s.name}: a pcap`);
    assert.deepEqual(Buffer.from(b.pcap), Buffer.from(a.pcap), `${s.name}, seed ${seed}: the pcaps differ`);
  }
});

test("synack/browser's type declarations compile for a page: DOM types and none of Node's", () => {
  const types = path.join(repoRoot, 'dist', 'src', 'browser', 'index.d.ts');
  assert.ok(existsSync(types), `${types} exists (tsc -p . writes it)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-browser-types-'));
  try {
    const config = {
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false, // the declarations themselves are what is checked
        paths: { 'synack/browser': [types] },
      },
      files: ['page.ts'],
    };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
    writeFileSync(
      path.join(dir, 'page.ts'),
      [
        "import { SimNetwork, TcpStream, SCENARIOS, renderSvg } from 'synack/browser';",
        'const net = new SimNetwork(1);',
        "const host = net.addHost('client', { addresses: ['198.18.0.1'] });",
        "const s = new TcpStream(host, { remoteAddress: '198.18.0.2', remotePort: 80 });",
        'void s.opened.then(({ readable, writable }) => [readable.getReader(), writable.getWriter()]);',
        "document.body.innerHTML = renderSvg(SCENARIOS[0].run({ seed: 1, lang: 'en' }).trace);",
        '',
      ].join('\n'),
    );
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.status, 0, `tsc on a page importing synack/browser:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
