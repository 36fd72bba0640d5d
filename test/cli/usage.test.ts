/**
 * Every command's --help opens with a synopsis (the `usage:` lines, up to the first blank line) that
 * lists every option the help goes on to describe, so a user reading only the first lines misses none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../checkout.js';

const options = (text: string): string[] => [...new Set(text.match(/--[a-z][a-z0-9-]*/g) ?? [])].filter((o) => o !== '--help').sort();

test("each command's usage synopsis names every option its --help describes", () => {
  const top = runCli(['--help']);
  assert.equal(top.status, 0, top.stderr);
  const commands = [...top.stdout.split('commands:')[1].matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
  assert.ok(commands.length >= 8, `commands found in synack --help: ${commands.join(', ')}`);
  for (const c of commands) {
    const r = runCli([c, '--help']);
    assert.equal(r.status, 0, `synack ${c} --help: ${r.stderr}`);
    const synopsis = r.stdout.slice(0, r.stdout.search(/\n\s*\n/) >>> 0);
    const missing = options(r.stdout).filter((o) => !options(synopsis).includes(o));
    assert.deepEqual(missing, [], `synack ${c} --help: options described but not in the synopsis`);
  }
});
