/**
 * The honesty test: scripts that pass are mutated (an expected packet's acknowledgment number,
 * flags, option value or time; an expected packet deleted or an unexpected one added; a system
 * call's expected result or output), and every mutant must FAIL. A runner that let a mutant pass
 * would be passing scripts it does not check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { runScriptText, type PersonalityName } from '../../src/packetdrill/index.js';
import { mutants, type Mutant, type MutationKind } from './mutate.js';
import { ACTIVE, BLOCKING, PASSIVE6, RETRANSMIT, SOCKETS, SYSCTLS } from './scripts.js';
import { sharedDir } from '../checkout.js';

const KINDS: MutationKind[] = ['ack', 'flags', 'option', 'time', 'delete', 'insert', 'result', 'optval'];

/** Run the mutants; return the ones that did not fail as they should, described. */
function survivors(name: string, list: Mutant[], personality: PersonalityName): string[] {
  const bad: string[] = [];
  for (const m of list) {
    const r = runScriptText(m.text, { personality });
    const wrong =
      r.result !== 'FAIL'
        ? `${r.result}${r.detail ? ': ' + r.detail : ''}`
        : r.detail.includes('parse error')
          ? `failed to parse: ${r.detail}`
          : r.line !== undefined && r.line < m.line - 1
            ? `failed before the mutated line: ${r.detail}`
            : undefined;
    if (wrong) bad.push(`${name} line ${m.line} (${m.kind}: ${m.description}) -> ${wrong}`);
  }
  return bad;
}

// The hand-written scripts are written for synack's own defaults (personality 'none'), FreeBSD's
// for FreeBSD's choices (the default personality, 'freebsd').
test('every mutant of the hand-written scripts fails', () => {
  const counts = new Map<MutationKind, number>();
  const bad: string[] = [];
  for (const [name, src] of Object.entries({ ACTIVE, PASSIVE6, RETRANSMIT, BLOCKING, SYSCTLS, SOCKETS })) {
    assert.equal(runScriptText(src, { personality: 'none' }).result, 'PASS', `${name} passes unmutated`);
    const list = mutants(src);
    for (const m of list) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
    bad.push(...survivors(name, list, 'none'));
  }
  for (const k of KINDS) assert.ok((counts.get(k) ?? 0) > 0, `some ${k} mutants`);
  assert.deepEqual(bad, []);
});

test('every mutant of the FreeBSD scripts that pass fails', (t) => {
  const root = path.join(sharedDir, 'conformance');
  if (!existsSync(root)) {
    // CI always has ../shared beside the clone: there, a missing suite is a failure, not a skip.
    if (process.env.CI) assert.fail(`${root} is missing`);
    t.skip(`${root} is missing (set SYNACK_SHARED to the shared folder)`);
    return;
  }
  const walk = (d: string): string[] =>
    readdirSync(d)
      .sort()
      .flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : f.endsWith('.pkt') ? [path.join(d, f)] : []));
  let scripts = 0;
  let total = 0;
  const counts = new Map<MutationKind, number>();
  const bad: string[] = [];
  walk(root).forEach((file, index) => {
    const src = readFileSync(file, 'utf8');
    if (runScriptText(src, { personality: 'freebsd' }).result !== 'PASS') return;
    scripts++;
    // One mutant of each kind per script, a different one for each script, so that the whole
    // suite runs in a few seconds and every line gets its turn across the suite.
    const all = mutants(src);
    const chosen: Mutant[] = [];
    for (const k of KINDS) {
      const of = all.filter((m) => m.kind === k);
      if (of.length) chosen.push(of[index % of.length]);
    }
    for (const m of chosen) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
    total += chosen.length;
    bad.push(...survivors(path.relative(root, file), chosen, 'freebsd'));
  });
  assert.ok(scripts > 200, `${scripts} scripts pass`);
  for (const k of KINDS) assert.ok((counts.get(k) ?? 0) > 0, `some ${k} mutants`);
  t.diagnostic(`${total} mutants of ${scripts} passing scripts: ${KINDS.map((k) => `${k} ${counts.get(k) ?? 0}`).join(', ')}`);
  assert.deepEqual(bad, []);
});
