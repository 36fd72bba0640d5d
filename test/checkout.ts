/**
 * Where the tests find what lies outside them: this checkout's root, its built `synack` command, and
 * the shared folder (captures, the FreeBSD conformance suite) beside the checkout or wherever
 * SYNACK_SHARED says.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/checkout.js -> the repository root is two levels up. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The built command line, dist/src/cli/main.js. */
export const cliPath = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** The shared folder: SYNACK_SHARED, else ../shared beside the checkout (it may be missing). */
export const sharedDir = process.env.SYNACK_SHARED ? path.resolve(process.env.SYNACK_SHARED) : path.resolve(repoRoot, '..', 'shared');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `synack ...args` with this node; the test fails if it could not be run (or ran out of `timeout` ms). */
export function runCli(args: string[], opts: { timeout?: number; maxBuffer?: number; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', ...opts });
  assert.equal(r.error, undefined, `could not run the CLI: ${r.error?.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
