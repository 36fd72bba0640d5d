/**
 * The page's static parts (src/explorer/index.html and explorer.css), read as text: every control
 * the DOM contract names is there once, every word the page marks for translation exists in both
 * languages, and nothing is fetched from elsewhere (the page works offline).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { t, wordKeys, type WordKey } from '../../src/explorer/ui/i18n.js';

const root = fileURLToPath(new URL('../../../src/explorer/', import.meta.url));
const html = readFileSync(`${root}index.html`, 'utf8');
const css = readFileSync(`${root}explorer.css`, 'utf8');

const CONTRACT_IDS = [
  'play', 'pause', 'step', 'speed', 'to-end', 'seed', 'lang', 'share',
  'client-connect', 'client-send', 'send-bytes', 'client-shutdown', 'client-close', 'client-abort',
  'server-listen', 'backlog', 'server-accept', 'server-read', 'server-close',
  'drop-next-c2s', 'drop-next-s2c', 'partition', 'partition-ms',
  'attack-rst', 'attack-syn', 'attack-data', 'attack-exact', 'attack-flood', 'flood-count', 'flood-cookies',
  'link-delay', 'link-jitter', 'link-loss', 'link-rate', 'link-queue', 'link-mtu', 'link-reorder', 'link-duplicate',
  'pcap-download', 'pcap-file', 'inspector', 'explanation', 'scenarios',
];

test('every control of the DOM contract has its id, once', () => {
  for (const id of CONTRACT_IDS) {
    const n = html.split(`id="${id}"`).length - 1;
    assert.equal(n, 1, `#${id} appears ${n} times`);
  }
  assert.match(html, /id="lang"[^>]*>[\s\S]*data-lang="en"[\s\S]*data-lang="ko"/, '#lang holds buttons with data-lang');
  assert.match(html, /<input id="pcap-file" type="file"/);
  for (const id of ['link-delay', 'link-jitter', 'link-loss', 'link-rate', 'link-queue', 'link-mtu', 'link-reorder', 'link-duplicate']) {
    assert.match(html, new RegExp(`<input id="${id}" type="range"`), `#${id} is a slider`);
    assert.match(html, new RegExp(`<label for="${id}"`), `#${id} has a label`);
  }
});

test('every word the page marks (data-i18n) exists in English and Korean', () => {
  const keys = new Set<string>(wordKeys());
  const marked = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(marked.length > 40, `${marked.length} marked words`);
  for (const k of marked) {
    assert.ok(keys.has(k), `data-i18n="${k}" has no words`);
    assert.ok(t(k as WordKey, 'ko').length > 0);
  }
});

test('nothing is fetched from elsewhere: no absolute URL, web font or @import', () => {
  for (const [name, text] of [['index.html', html], ['explorer.css', css]] as const) {
    assert.doesNotMatch(text, /(src|href)="(https?:)?\/\//, `${name}: an external reference`);
    assert.doesNotMatch(text, /url\(\s*['"]?(https?:)?\/\//, `${name}: an external url()`);
    assert.doesNotMatch(text, /@import|@font-face/, `${name}: @import or a web font`);
  }
  assert.match(html, /<html lang="en">/);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(html, /<script type="module" src="explorer.js"><\/script>/);
});
