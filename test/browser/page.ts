/**
 * A page in Debian's headless Chromium (driven by playwright-core; no browser is ever downloaded)
 * that can import the browser build from ORIGIN/synack.js, served by request interception: nothing
 * goes on a network. Shared by the browser tests.
 *
 * Skipped, with the reason, where Chromium is not installed; under CI (which installs it) that fails.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '../checkout.js';

export const CHROMIUM = process.env.SYNACK_CHROMIUM ?? '/usr/bin/chromium';
export const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set SYNACK_CHROMIUM)`;
/** The `skip` option of a browser test: the reason without Chromium (outside CI), else false. */
export const skip: string | false = missing && !process.env.CI ? missing : false;
/** Where the page is (request interception answers it); the bundle is ORIGIN/synack.js. */
export const ORIGIN = 'http://synack.invalid';

/** Run `fn` in a fresh page that can import the bundle from ORIGIN/synack.js; page errors fail the test. */
export async function inPage<T>(fn: () => Promise<T>): Promise<T> {
  if (missing) assert.fail(missing);
  const bundle = readFileSync(path.join(repoRoot, 'dist', 'browser', 'synack.js'), 'utf8');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 60_000 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.route(`${ORIGIN}/**`, (route) =>
      route.request().url().endsWith('/synack.js')
        ? route.fulfill({ contentType: 'text/javascript', body: bundle })
        : route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>synack</title>' }),
    );
    await page.goto(`${ORIGIN}/`);
    const result = (await page.evaluate(fn)) as T;
    assert.deepEqual(errors, [], 'errors in the page');
    return result;
  } finally {
    await browser?.close();
  }
}
