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
}
