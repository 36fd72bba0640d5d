#!/usr/bin/env node
// The browser build (dist/browser/synack.js: the core as one ES module with no Node built-in) and
// the explorer page (dist/explorer/: index.html, explorer.js, explorer.css), both by esbuild from
// the TypeScript sources. `node scripts/build-browser.mjs [--explorer-only|--lib-only]`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2];

if (only !== '--explorer-only') {
  await build({
    entryPoints: [join(root, 'src/browser/index.ts')],
    outfile: join(root, 'dist/browser/synack.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
}
if (only !== '--lib-only') {
  const out = join(root, 'dist/explorer');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'src/explorer/main.ts')],
    outfile: join(out, 'explorer.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'src/explorer/index.html'), join(out, 'index.html'));
  copyFileSync(join(root, 'src/explorer/explorer.css'), join(out, 'explorer.css'));

  // --- Recorded round-trip demos (explorer model's RecordedSession) ---------------------------------
  const { existsSync, writeFileSync } = await import('node:fs');
  const { pathToFileURL } = await import('node:url');
  // The TLS and Fast Open round-trip demos run Node's own tls over synack sockets, which a page does
  // not have: they are run here, in Node, from the tsc build in dist/src, and the page shows their
  // traces as recorded (dist/explorer/round-trips.json). About 0.2 s. Skipped, with a note, when
  // dist/src is not built (build:explorer alone): the page then says the recordings are missing.
  const roundTrips = join(root, 'dist/src/workloads/round-trips.js');
  if (existsSync(roundTrips)) {
    const { ROUND_TRIP_DEMOS, runRoundTripDemo } = await import(pathToFileURL(roundTrips).href);
    const rttMs = 100;
    const seed = 1;
    const demos = [];
    for (const name of ROUND_TRIP_DEMOS) {
      const r = await runRoundTripDemo(name, { rttMs, seed });
      demos.push({ name: r.name, summary: r.summary, rttMs: r.rttMs, firstByteMs: r.firstByteMs, roundTrips: r.roundTrips, trace: r.trace });
    }
    writeFileSync(join(out, 'round-trips.json'), JSON.stringify({ recorded: 'node', node: process.version, seed, demos }));
  } else {
    console.log('build-browser: dist/src not built (run tsc -p . first): round-trips.json not recorded');
  }
  // --- end of the recorded round-trip demos ---------------------------------------------------------
}
