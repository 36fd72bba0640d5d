/**
 * The end-to-end tests' harness: Debian's Chromium (never a downloaded browser) driven by
 * playwright-core, the explorer served in-process by `synack explore`'s own server on 127.0.0.1
 * port 0, and a page per test that fails on any console error or warning, any uncaught exception,
 * and any request that leaves the page's origin (each is blocked and listed).
 *
 * Without /usr/bin/chromium the tests report themselves skipped with the reason; under CI (the CI
 * variable set) a missing browser fails them instead, so CI cannot pass without running them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { BROWSER_BUILD_DIR, DEFAULT_EXPLORER_DIR, startExplorer, type ExplorerServer } from '../../src/cli/explore.js';
import { repoRoot } from '../checkout.js';

/* page.evaluate's functions run in the page: its globals, for them alone (no DOM library here). */
declare const document: any;
type HTMLElement = any;

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined. Under CI nothing is a reason: they run, or fail. */
export const skipReason: string | undefined = existsSync(CHROMIUM) || process.env.CI ? undefined : 'no /usr/bin/chromium: apt-get install chromium';

/** The flags for a quiet, offline, throwaway browser: nothing of its own reaches the network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOTS = path.join(repoRoot, 'test-output', 'screenshots');

export interface Harness {
  context: BrowserContext;
  server: ExplorerServer;
  /** The page's origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  close(): Promise<void>;
}

/** Start the server and the browser (a fresh temporary --user-data-dir, removed by close()). */
export async function startHarness(): Promise<Harness> {
  for (const [what, file] of [
    ['the explorer page', path.join(DEFAULT_EXPLORER_DIR, 'index.html')],
    ['the browser build', path.join(BROWSER_BUILD_DIR, 'synack.js')],
  ]) {
    assert.ok(existsSync(file), `${what} is not built (${file}): npm run build (npm test builds it)`);
  }
  const server = await startExplorer({ port: 0, host: '127.0.0.1' });
  const userData = mkdtempSync(path.join(tmpdir(), 'synack-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 720 },
      timeout: 60_000,
    });
  } catch (e) {
    await server.close();
    rmSync(userData, { recursive: true, force: true });
    throw e;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    server,
    origin: server.url.replace(/\/$/, ''),
    close: async () => {
      await context.close().catch(() => {});
      await server.close();
      rmSync(userData, { recursive: true, force: true });
    },
  };
}

/** What went wrong in a page: console errors and warnings, uncaught exceptions, requests off origin. */
export interface PageProblems {
  console: string[];
  errors: string[];
  offOrigin: string[];
}

/**
 * A new page with its problems collected; `fn` runs on it, the page is closed after (even when fn
 * throws), and then any problem fails the test.
 */
export async function withPage(h: Harness, fn: (page: Page) => Promise<void>, viewport?: { width: number; height: number }): Promise<void> {
  const page = await h.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  page.setDefaultTimeout(30_000);
  const problems: PageProblems = { console: [], errors: [], offOrigin: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.console.push(`${m.type()}: ${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  page.on('pageerror', (e) => problems.errors.push(e.stack ?? e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${h.origin}/`)) return route.continue();
    problems.offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
  try {
    await fn(page);
  } finally {
    await page.close().catch(() => {});
  }
  assert.deepEqual(problems, { console: [], errors: [], offOrigin: [] }, 'the page had problems');
}

/** Open a path of the explorer and wait until the page says its first run is drawn. */
export async function open(page: Page, h: Harness, pathAndQuery: string): Promise<void> {
  await page.goto(`${h.origin}${pathAndQuery}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, { timeout: 30_000 });
}

/** A segment arrow as the DOM contract describes it. */
export interface SegmentAttrs {
  index: number;
  flags: string;
  seq: number;
  ack: number;
  len: number;
  dropped: boolean;
  from: string;
  to: string;
  label: string | null;
}

/** Every `.segment` of the page, in event order. */
export async function segments(page: Page): Promise<SegmentAttrs[]> {
  const raw = await page.$$eval('.segment', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { index: d.index, flags: d.flags, seq: d.seq, ack: d.ack, len: d.len, dropped: d.dropped, from: d.from, to: d.to, label: d.label ?? null };
    }),
  );
  const out = raw.map((r) => ({
    index: Number(r.index),
    flags: String(r.flags),
    seq: Number(r.seq),
    ack: Number(r.ack),
    len: Number(r.len),
    dropped: r.dropped === 'true',
    from: String(r.from),
    to: String(r.to),
    label: r.label,
  }));
  return out.sort((a, b) => a.index - b.index);
}

/** Every `.state-change`, in document order. */
export async function stateChanges(page: Page): Promise<Array<{ host: string; state: string; from: string }>> {
  return page.$$eval('.state-change', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { host: String(d.host), state: String(d.state), from: String(d.from) };
    }),
  );
}

/** The session's virtual time, as the page writes it on <body data-now>. */
export async function now(page: Page): Promise<number> {
  return Number(await page.evaluate(() => document.body.dataset.now));
}

/**
 * Click #step until `until` holds in the page, at most `max` times: the page advances to its next
 * event per click, so this waits on virtual time, never on the wall clock.
 */
export async function stepUntil(page: Page, until: (arg: any) => boolean, arg: unknown, max: number, what: string): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(until, arg)) return;
    await page.click('#step');
  }
  assert.ok(await page.evaluate(until, arg), `${what}: not so after ${max} steps (virtual time ${await now(page)} ms)`);
}

/**
 * Skip when the browser is missing (outside CI), the reason being what the report shows; fail with
 * the reason when it could not be started.
 */
export function skipped(t: TestContext, startError: unknown): boolean {
  if (startError !== undefined) throw new Error(`the browser or the page's server did not start: ${(startError as Error)?.message ?? startError}`);
  if (skipReason === undefined) return false;
  t.skip(skipReason);
  return true;
}
