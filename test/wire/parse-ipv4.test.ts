/**
 * parseIpv4 reads a dotted quad a character at a time (no split, no regular expression: a connect()
 * parses its address). It accepts exactly what the rule says, four decimal octets of 0 to 255
 * without leading zeros, checked here against that rule written as a regular expression, over fixed
 * cases and seeded random strings of digits and dots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../src/wire/index.js';
import { SeededRandom } from '../../src/tcp/random.js';

function byRule(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let addr = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    addr = addr * 256 + Number(p);
  }
  return addr;
}

test('fixed cases', () => {
  assert.equal(parseIpv4('198.18.0.2'), 0xc6120002);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIpv4('0.0.0.0'), 0);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '1.2.3.4.', '.1.2.3', '256.0.0.1', '1000.1.1.1', '1.2.3.a', ' 1.2.3.4', '1.2.3.4 ', '0.0.0.00', '+1.2.3.4', '1.2.3.-4']) {
    assert.equal(parseIpv4(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(parseIpv4(7 as unknown as string), undefined);
});

test('random strings of digits and dots parse as the rule says (seed 4)', () => {
  const rnd = new SeededRandom(4);
  const alphabet = '0123456789.....25x';
  for (let k = 0; k < 20_000; k++) {
    const len = 1 + rnd.int(16);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[rnd.int(alphabet.length)];
    assert.equal(parseIpv4(s), byRule(s), `${JSON.stringify(s)} (seed 4, case ${k})`);
  }
});
