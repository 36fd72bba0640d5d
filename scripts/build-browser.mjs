#!/usr/bin/env node
// The browser build (dist/browser/synack.js: the core as one ES module with no Node built-in) and
// the explorer page (dist/explorer/: index.html, explorer.js, explorer.css), both by esbuild from
// the TypeScript sources. `node scripts/build-browser.mjs [--explorer-only|--lib-only]`.
//
// The library's build writes esbuild's metafile (dist/synack-browser.meta.json: every input and
// import, outside the shipped folder) and prints the bundle's size minified and gzipped, the
// figures the README states (test/browser/bundle.test.ts holds the two to each other).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { libraryOptions, root } from './browser-options.mjs';

const only = process.argv[2];

/** Bytes as "123.4 KiB". */
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (only !== '--explorer-only') {
  const out = join(root, 'dist/browser/synack.js');
  const result = await build({ ...libraryOptions, outfile: out, sourcemap: true, metafile: true });
  writeFileSync(join(root, 'dist/synack-browser.meta.json'), JSON.stringify(result.metafile));
  const code = readFileSync(out);
  console.log(`dist/browser/synack.js: ${kib(code.length)} minified, ${kib(gzipSync(code, { level: 9 }).length)} gzipped`);
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
