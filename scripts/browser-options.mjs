// esbuild's options for the library bundle (dist/browser/synack.js), shared by the build
// (scripts/build-browser.mjs) and the bundle test (test/browser/bundle.test.ts), which rebundles
// with them to check what the build reaches.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const libraryOptions = {
  absWorkingDir: root,
  entryPoints: ['src/browser/index.ts'],
  bundle: true,
  format: 'esm',
  // Neutral: no Node resolution and no Node globals assumed, so a `node:` import fails the build.
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
};
