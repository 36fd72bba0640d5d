#!/usr/bin/env node
/**
 * Builds synack's optional TUN addon (native/tun.c) with node-gyp during `npm install`. It never fails
 * the install: without a compiler, Python or Linux, synack installs all the same, and the TUN link
 * throws TunUnavailableError naming what was missing (kept in build/native-status.json).
 *
 * Which node-gyp: the one npm itself ships (npm sets npm_config_node_gyp for lifecycle scripts; npm
 * bundles node-gyp), so synack declares no build dependency. Which headers: the installed Node's own
 * include/node when present (no download), else node-gyp's default.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const statusFile = join(root, 'build', 'native-status.json');

function record(ok, reason) {
  mkdirSync(dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, JSON.stringify({ ok, reason, node: process.version, at: new Date().toISOString() }, null, 2) + '\n');
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c));
}

/** Is `name` an executable file in one of PATH's directories? */
function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => {
    if (!d) return false;
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The build tools node-gyp needs and PATH lacks. */
function missingTools() {
  const missing = [];
  if (!onPath('python3') && !onPath('python')) missing.push('python3');
  if (!onPath('make')) missing.push('make');
  if (!onPath('cc') && !onPath('gcc') && !onPath('clang')) missing.push('a C compiler (gcc or clang)');
  return missing;
}

function main() {
  if (process.platform !== 'linux') return record(false, `TUN devices are supported on Linux only (this is ${process.platform})`);
  const gyp = findNodeGyp();
  if (!gyp) return record(false, 'node-gyp not found (it comes with npm; reinstall npm or run `npx node-gyp rebuild`)');
  const args = [gyp, 'rebuild'];
  const nodeDir = join(dirname(process.execPath), '..');
  if (existsSync(join(nodeDir, 'include', 'node', 'node_api.h')) && existsSync(join(nodeDir, 'include', 'node', 'common.gypi'))) {
    args.push(`--nodedir=${nodeDir}`);
  }
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
  if (r.status === 0) return record(true, 'built');
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const missing = missingTools().join(', ');
  const tail = log.trim().split('\n').slice(-4).join(' | ');
  record(false, `node-gyp could not build native/tun.c${missing ? ` (missing: ${missing})` : ''}: ${r.error?.message ?? tail}`);
  console.warn(`synack: the optional TUN addon was not built; everything else works. ${missing ? `Missing: ${missing}. ` : ''}See build/native-status.json.`);
}

try {
  main();
} catch (e) {
  try {
    record(false, `build script failed: ${e?.message ?? e}`);
  } catch {}
}
process.exit(0);
