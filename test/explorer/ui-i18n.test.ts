/** The explorer's words: every one in English and Korean, and the language read from ?lang=. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLang, t, wordKeys } from '../../src/explorer/ui/i18n.js';

test('every word has an English and a Korean text, and they differ where the Korean uses Hangul', () => {
  for (const k of wordKeys()) {
    assert.ok(t(k, 'en').length > 0, `${k} en`);
    assert.ok(t(k, 'ko').length > 0, `${k} ko`);
  }
  assert.match(t('play', 'ko'), /[\uac00-\ud7a3]/);
  assert.match(t('sandboxIntro', 'ko'), /[\uac00-\ud7a3]/);
});

test('?lang=ko is Korean; anything else is English', () => {
  assert.equal(parseLang('ko'), 'ko');
  assert.equal(parseLang('en'), 'en');
  assert.equal(parseLang(null), 'en');
  assert.equal(parseLang('fr'), 'en');
});
