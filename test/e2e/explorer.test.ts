/**
 * The explorer in a real browser (headless Debian Chromium through playwright-core), against the DOM
 * contract the page keeps (each `.segment` arrow with data-flags/seq/ack/len/dropped/from/to/index,
 * each `.state-change` with data-host/state, each `.tcb` panel with a `data-field` per variable and a
 * `.timer` per armed timer, `data-ready` on <html> and `data-now` on <body>, the controls' ids).
 *
 * What the issue asks to be seen working: the page loads clean; the handshake scenario; a dropped
 * data segment retransmitted with the RTO timer shown; a blind RST answered by a challenge ACK; a
 * dropped pcap drawn; a shared URL replaying the same run; Korean; the keyboard; a phone-sized
 * screen. And that the browser build computes, from the same seed, the same segments as Node.
 * Beside those: another seed's ISNs in the TCB panels, a partition, an exact RST, the run's pcap
 * read back, and the static build working from a folder of another server.
 *
 * Every page fails its test on a console error or warning, an uncaught exception or a request off
 * its origin (harness.ts). Screenshots of the main views go to test-output/screenshots/ (not
 * committed). Numbers are checked against runs of the same scenarios in Node, relative to each
 * side's initial sequence number as the contract says (the sender's ISN for seq, the receiver's for
 * ack, 0 when ACK is off).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCENARIOS, tracesFromCapture, type SegmentEvent, type TraceEvent } from '../../src/trace/index.js';
import { DEFAULT_EXPLORER_DIR, startExplorer } from '../../src/cli/explore.js';
import { runCli, sharedDir } from '../checkout.js';
import { now, open, SCREENSHOTS, segments, skipped, skipReason, startHarness, stateChanges, stepUntil, withPage, type Harness, type SegmentAttrs } from './harness.js';

/*
 * The functions given to page.evaluate run in the page, not in Node: these are the page's globals,
 * declared here for them alone (the tests' compilation has no DOM library, so nothing else sees them).
 */
declare const document: any, window: any, location: any;
declare const DataTransfer: any, DragEvent: any, File: any;
type HTMLElement = any;

const TIMEOUT = 120_000;
const CAPTURE = path.join(sharedDir, 'captures', 'v4-http.pcap');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 720 };

/** ACK's bit in the flags field. */
const ACK = 0x10;

/**
 * The segments of a trace as the contract numbers them: seq relative to the sending endpoint's ISN,
 * ack to the receiving endpoint's (each endpoint's ISN is the seq of the first SYN it sent).
 */
function relative(events: readonly TraceEvent[]): Array<Omit<SegmentAttrs, 'index' | 'label'>> {
  const segs = events.filter((e): e is SegmentEvent => e.kind === 'segment');
  const isn = new Map<string, number>();
  for (const s of segs) if (s.flagNames.includes('SYN') && !isn.has(s.src)) isn.set(s.src, s.seq);
  const rel = (n: number, base: number | undefined): number => (base === undefined ? n : (n - base) >>> 0);
  return segs.map((s) => ({
    flags: s.flagNames.join('+'),
    seq: rel(s.seq, isn.get(s.src)),
    ack: s.flags & ACK ? rel(s.ack, isn.get(s.dst)) : 0,
    len: s.len,
    dropped: s.dropped,
    from: s.from,
    to: s.to,
  }));
}

const strip = (list: SegmentAttrs[]): Array<Omit<SegmentAttrs, 'index' | 'label'>> =>
  list.map(({ flags, seq, ack, len, dropped, from, to }) => ({ flags, seq, ack, len, dropped, from, to }));

/** Both TCBs ESTABLISHED, as their panels say. */
const bothEstablished = (): boolean =>
  ['client', 'server'].every((h) => document.querySelector(`.tcb[data-host="${h}"] [data-field="state"]`)?.textContent?.includes('ESTABLISHED') === true);

/** In the sandbox: listen, connect, and step until both sides are ESTABLISHED. */
async function establish(page: Page): Promise<void> {
  await page.click('#server-listen');
  await page.click('#client-connect');
  await stepUntil(page, bothEstablished, undefined, 50, 'both sides ESTABLISHED');
}

/**
 * A real mouse click on an arrow: at a point of it that takes the click (the middle of its bounding
 * box may be empty space, as for a diagonal arrow with its time written at the lane's edge).
 */
async function clickArrow(page: Page, selector: string): Promise<void> {
  const at = await page.$eval(selector, (g: any) => {
    g.scrollIntoView({ block: 'center' });
    const r = g.getBoundingClientRect();
    for (let i = 1; i < 40; i++)
      for (let j = 1; j < 10; j++) {
        const x = r.x + (r.width * i) / 40;
        const y = r.y + (r.height * j) / 10;
        if (g.contains(document.elementFromPoint(x, y))) return { x, y };
      }
    return undefined;
  });
  assert.ok(at, `no point of ${selector} takes a click`);
  await page.mouse.click(at.x, at.y);
}

let h: Harness | undefined;
/** Why the browser or the server could not start (each test fails with it, rather than being cancelled). */
let startError: unknown;
before(
  async () => {
    if (skipReason === undefined) h = await startHarness().catch((e: unknown) => ((startError = e), undefined));
  },
  { timeout: TIMEOUT },
);
after(async () => h?.close(), { timeout: TIMEOUT });

describe('the explorer in headless Chromium', () => {
  test('the home page loads with no console error and lists every demo scenario', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/');
      const listed = await page.$$eval('#scenarios a[data-scenario]', (as) => as.map((a) => (a as HTMLElement).dataset.scenario));
      // Every scenario `synack demo --list` names (the round-trip demos too), in its order.
      const demos = runCli(['demo', '--list'], { timeout: 60_000 });
      assert.equal(demos.status, 0, demos.stderr);
      assert.deepEqual(listed, demos.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]));
      for (const s of SCENARIOS) assert.ok(listed.includes(s.name), s.name);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'home-1280x720.png') });
    });
  });

  test('?scenario=handshake&run=end draws SYN, SYN+ACK, ACK and each side\'s states', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?scenario=handshake&seed=1&run=end');
      const segs = await segments(page);
      // RFC 9293 §3.5: SYN 0, SYN+ACK 0 ack 1, then the client's ACK 1 ack 1 (here carrying its request).
      assert.deepEqual(
        segs.slice(0, 3).map((s) => [s.from, s.to, s.seq, s.ack]),
        [
          ['client', 'server', 0, 0],
          ['server', 'client', 0, 1],
          ['client', 'server', 1, 1],
        ],
      );
      assert.deepEqual(segs.slice(0, 2).map((s) => s.flags), ['SYN', 'SYN+ACK']);
      assert.ok(segs[2].flags.split('+').includes('ACK') && !segs[2].flags.includes('SYN'), `third: ${segs[2].flags}`);
      // The whole ladder is the Node run's, number for number.
      const run = SCENARIOS.find((s) => s.name === 'handshake')!.run({ seed: 1, lang: 'en' });
      assert.deepEqual(strip(segs), relative(run.trace.events));
      const states = await stateChanges(page);
      const of = (host: string) => states.filter((s) => s.host === host).map((s) => s.state);
      assert.deepEqual(of('client').slice(0, 2), ['SYN-SENT', 'ESTABLISHED']);
      assert.deepEqual(of('server').slice(0, 2), ['SYN-RECEIVED', 'ESTABLISHED']);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'scenario-handshake-1280x720.png') });
      // The inspector: a click on an arrow decodes it, fields and bytes.
      await clickArrow(page, '.segment[data-index]');
      await page.waitForSelector('#inspector [data-field]', { state: 'visible' });
      assert.ok((await page.$$('#inspector [data-offset]')).length >= 40, 'the packet\'s bytes in hex (40 at least: IP and TCP headers)');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'inspector-1280x720.png') });
    });
  });

  test('&seed=7 is another run: the TCB panels hold that run\'s ISNs, and the numbers RFC 9293 gives after the handshake', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      const field = async (host: string, name: string): Promise<string> =>
        ((await page.textContent(`.tcb[data-host="${host}"] [data-field="${name}"]`)) ?? '').replace(/\s+/g, ' ').trim();
      const isns: number[] = [];
      for (const seed of [7, 1]) {
        await open(page, h!, `/?scenario=handshake&seed=${seed}&run=end`);
        const run = SCENARIOS.find((s) => s.name === 'handshake')!.run({ seed, lang: 'en' });
        const [syn, synAck] = run.trace.events.filter((e): e is SegmentEvent => e.kind === 'segment');
        assert.ok((await field('client', 'iss')).endsWith(String(syn.seq)), `seed ${seed}: the client's ISS is its SYN's ${syn.seq}: ${await field('client', 'iss')}`);
        assert.ok((await field('client', 'irs')).endsWith(String(synAck.seq)), `seed ${seed}: the client's IRS is the SYN+ACK's ${synAck.seq}`);
        assert.ok((await field('server', 'iss')).endsWith(String(synAck.seq)), `seed ${seed}: the server's ISS`);
        isns.push(syn.seq);
        // The 18-byte request sent and acknowledged: SND.UNA = SND.NXT = ISS + 1 + 18 on the client,
        // RCV.NXT = IRS + 1 + 18 on the server, shown relative to the ISN.
        for (const [host, name, value] of [['client', 'snd.una', 19], ['client', 'snd.nxt', 19], ['client', 'rcv.nxt', 1], ['server', 'rcv.nxt', 19], ['server', 'snd.nxt', 1]] as const) {
          assert.match(await field(host, name), new RegExp(`(^|\\D)${value}$`), `seed ${seed}: ${host} ${name}`);
        }
        assert.match(await field('client', 'state'), /ESTABLISHED$/);
      }
      assert.notEqual(isns[0], isns[1], 'another seed, another ISN');
    });
  });

  test('sandbox: the client\'s first data segment dropped is retransmitted, the RTO timer shown before', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?sandbox&seed=1');
      await establish(page);
      await page.click('#drop-next-c2s');
      await page.fill('#send-bytes', '1000');
      await page.click('#client-send');
      const firstData = (): boolean => !!document.querySelector('.segment[data-from="client"][data-dropped="true"]:not([data-len="0"])');
      await stepUntil(page, firstData, undefined, 20, 'the first data segment drawn dropped');
      const dropped = (await segments(page)).find((s) => s.from === 'client' && s.dropped && s.len > 0)!;
      assert.equal(dropped.seq, 1, 'the first byte after the SYN');
      // Before the timer fires: the client's panel shows it armed, with a deadline ahead of now.
      await page.waitForSelector('.tcb[data-host="client"] .timer[data-timer="retransmission"]');
      const deadline = Number(await page.getAttribute('.tcb[data-host="client"] .timer[data-timer="retransmission"]', 'data-deadline'));
      assert.ok(deadline > (await now(page)), `the retransmission timer's deadline ${deadline} is ahead of now`);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'sandbox-rto-1280x720.png') });
      const retransmitted = (seq: number): boolean =>
        [...document.querySelectorAll('.segment[data-from="client"]')].some((e) => e.dataset.seq === String(seq) && e.dataset.dropped === 'false' && e.dataset.len !== '0');
      await stepUntil(page, retransmitted, dropped.seq, 50, 'a second arrow with the same data-seq');
      const again = (await segments(page)).find((s) => s.from === 'client' && !s.dropped && s.len > 0 && s.seq === dropped.seq)!;
      assert.ok(again.index > dropped.index, 'the retransmission comes after the drop');
      assert.ok((await now(page)) >= deadline, 'it went when the timer fired');
    });
  });

  test('sandbox: a partition drops what is sent until it heals; the data goes through after it', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?sandbox&seed=2');
      await establish(page);
      await page.fill('#partition-ms', '3000');
      const from = await now(page);
      await page.click('#partition');
      await page.fill('#send-bytes', '500');
      await page.click('#client-send');
      const data = (dropped: boolean): boolean =>
        [...document.querySelectorAll('.segment[data-from="client"]')].some((e: any) => e.dataset.len !== '0' && e.dataset.dropped === String(dropped));
      await stepUntil(page, data, true, 20, 'the data segment drawn dropped in the partition');
      await stepUntil(page, data, false, 100, 'the data delivered once the partition heals');
      const segs = await segments(page);
      const delivered = segs.find((s) => s.from === 'client' && s.len > 0 && !s.dropped)!;
      assert.ok(segs.filter((s) => s.from === 'client' && s.len > 0 && s.dropped).every((s) => s.seq === delivered.seq), 'the same bytes retransmitted');
      assert.ok((await now(page)) >= from + 3000, `delivered after the partition's 3000 ms (from ${from}, now ${await now(page)})`);
    });
  });

  test('sandbox: a blind RST in the window draws a challenge ACK (RFC 5961 §3.2); the connection stays ESTABLISHED', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?sandbox&seed=1');
      await establish(page);
      // Guessed numbers: in the window but not exactly RCV.NXT (exact would reset the connection).
      await page.setChecked('#attack-exact', false);
      await page.click('#attack-rst');
      const challenged = (): boolean => {
        const segs = [...document.querySelectorAll('.segment')].sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index));
        const rst = segs.findIndex((e) => e.dataset.from === 'attacker' && e.dataset.flags === 'RST');
        return rst >= 0 && segs.slice(rst + 1).some((e) => e.dataset.from === 'server' && e.dataset.to === 'client' && e.dataset.flags === 'ACK');
      };
      await stepUntil(page, challenged, undefined, 20, 'a challenge ACK after the spoofed RST');
      const segs = await segments(page);
      const rst = segs.findIndex((s) => s.from === 'attacker' && s.flags === 'RST');
      const next = segs.slice(rst + 1).find((s) => s.from === 'server');
      assert.equal(next?.flags, 'ACK', 'the server\'s next segment is the challenge ACK');
      assert.equal(next?.to, 'client', 'sent to the real client');
      assert.ok(await page.evaluate(bothEstablished), 'both sides still ESTABLISHED');
      assert.match(segs[rst].label ?? '', /spoofed/, 'the forged segment is labelled');
    });
  });

  test('sandbox: a spoofed RST with the exact number (RCV.NXT) resets the server\'s connection (RFC 5961 §3.2)', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?sandbox&seed=1');
      await establish(page);
      await page.setChecked('#attack-exact', true);
      await page.click('#attack-rst');
      const reset = (): boolean => [...document.querySelectorAll('.state-change[data-host="server"]')].some((e: any) => e.dataset.state === 'CLOSED' && e.dataset.from === 'ESTABLISHED');
      await stepUntil(page, reset, undefined, 20, 'the server\'s connection ESTABLISHED -> CLOSED');
      const segs = await segments(page);
      const rst = segs.findIndex((s) => s.from === 'attacker' && s.flags === 'RST');
      assert.ok(rst >= 0, 'the RST is drawn');
      assert.equal(segs.slice(rst + 1).find((s) => s.from === 'server')?.flags ?? 'nothing', 'nothing', 'no challenge ACK: the server sends nothing after it');
    });
  });

  for (const how of ['the file input', 'a drop on the page'] as const) {
    test(`a pcap given by ${how} draws its connection`, { timeout: TIMEOUT }, async (t) => {
      if (skipped(t, startError)) return;
      if (!existsSync(CAPTURE)) {
        if (process.env.CI) assert.fail(`${CAPTURE} is missing`);
        return t.skip(`${CAPTURE} is missing`);
      }
      await withPage(h!, async (page) => {
        await open(page, h!, '/');
        if (how === 'the file input') await page.setInputFiles('#pcap-file', CAPTURE);
        else {
          const b64 = readFileSync(CAPTURE).toString('base64');
          await page.evaluate(async (data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], 'v4-http.pcap', { type: 'application/vnd.tcpdump.pcap' }));
            for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
          }, b64);
        }
        const traces = tracesFromCapture(readFileSync(CAPTURE));
        assert.ok(traces.ok);
        const want = relative(traces.traces[0].events);
        await page.waitForFunction((n) => document.querySelectorAll('.segment').length >= n, want.length);
        const got = strip(await segments(page));
        assert.deepEqual(got.slice(0, 4).map((s) => [s.flags, s.seq, s.ack, s.len]), [
          ['SYN', 0, 0, 0],
          ['SYN+ACK', 0, 1, 0],
          ['ACK', 1, 1, 0],
          ['PSH+ACK', 1, 1, 82],
        ]);
        assert.deepEqual(got, want, 'every segment, as synack ladder draws them');
      });
    });
  }

  test('#pcap-download saves the run as a pcap that synack ladder reads back to the same arrows', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?scenario=lossy-transfer&seed=3&run=end');
      const drawn = strip(await segments(page));
      assert.ok(drawn.length > 10 && drawn.some((s) => s.dropped), `a transfer with losses: ${drawn.length} segments`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#pcap-download')]);
      const file = await download.path();
      const traces = tracesFromCapture(readFileSync(file));
      assert.ok(traces.ok, 'a capture synack reads');
      // Every packet put on a link is in the file, dropped ones too (a capture point before the loss):
      // the ladder of the file is the page's, less the notion of dropped.
      const fromFile = traces.traces.flatMap((tr) => relative(tr.events));
      assert.deepEqual(
        fromFile.map((s) => ({ ...s, dropped: false })),
        drawn.map((s) => ({ ...s, dropped: false })),
      );
    });
  });

  test('the shared URL opened in a fresh page reproduces the same ladder', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    let shared = '';
    let first: SegmentAttrs[] = [];
    let at = 0;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?sandbox&seed=5');
      await establish(page);
      await page.click('#drop-next-s2c');
      await page.fill('#send-bytes', '3000');
      await page.click('#client-send');
      await stepUntil(page, () => document.querySelectorAll('.segment[data-dropped="true"]').length > 0, undefined, 30, 'a dropped segment');
      await page.click('#attack-syn');
      for (let i = 0; i < 10; i++) await page.click('#step');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'sandbox-mid-run-1280x720.png') });
      await page.click('#share');
      shared = await page.evaluate(() => location.href);
      assert.match(shared, /[?&]sandbox\b/);
      assert.match(shared, /[?&]seed=5\b/);
      first = await segments(page);
      at = await now(page);
    });
    assert.ok(first.length > 5, 'a run worth comparing');
    await withPage(h!, async (page) => {
      await page.goto(shared);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      await stepUntil(page, (t0) => Number(document.body.dataset.now) >= t0, at, 200, `virtual time ${at} ms`);
      assert.equal(await now(page), at, 'the same event times');
      assert.deepEqual(await segments(page), first);
    });
  });

  test('?scenario=handshake&lang=ko shows the Korean explanation', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?scenario=handshake&lang=ko');
      const text = await page.textContent('#explanation[lang="ko"]');
      assert.match(text ?? '', /[\uac00-\ud7a3]/, 'Hangul in the explanation');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'scenario-handshake-ko-1280x720.png') });
    });
  });

  test('keyboard: Tab reaches the play button and Space plays', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(h!, async (page) => {
      await open(page, h!, '/?scenario=lossy-transfer');
      const start = await now(page);
      let reached = false;
      for (let i = 0; i < 80 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.id === 'play');
      }
      assert.ok(reached, '#play is reachable by Tab');
      await page.keyboard.press(' ');
      await page.waitForFunction((t0) => Number(document.body.dataset.now) > t0, start);
    });
  });

  test('a phone-sized screen (390x844) has no horizontal page overflow', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    await withPage(
      h!,
      async (page) => {
        for (const view of ['/', '/?scenario=handshake&run=end', '/?sandbox']) {
          await open(page, h!, view);
          const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
          assert.ok(scroll <= inner, `${view}: the page is ${scroll} px wide in a ${inner} px window`);
        }
        await page.screenshot({ path: path.join(SCREENSHOTS, 'sandbox-phone-390x844.png') });
        await open(page, h!, '/?scenario=handshake&run=end');
        await page.screenshot({ path: path.join(SCREENSHOTS, 'scenario-phone-390x844.png'), fullPage: true });
      },
      PHONE,
    );
  });
});

describe('the static build', () => {
  test('works from a folder of another static host: relative paths only, nothing else needed', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    const site = mkdtempSync(path.join(tmpdir(), 'synack-static-host-'));
    cpSync(DEFAULT_EXPLORER_DIR, path.join(site, 'tools', 'explorer'), { recursive: true });
    writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>another site</title>');
    // A plain file server over that folder: no /lib/, nothing of synack's but the copied files.
    const other = await startExplorer({ port: 0, dir: site, lib: false });
    try {
      const there: Harness = { ...h!, origin: other.url.replace(/\/$/, '') };
      await withPage(there, async (page) => {
        await open(page, there, '/tools/explorer/?scenario=handshake&run=end');
        assert.deepEqual((await segments(page)).slice(0, 2).map((s) => s.flags), ['SYN', 'SYN+ACK']);
      });
    } finally {
      await other.close();
      rmSync(site, { recursive: true, force: true });
    }
  });
});

describe('determinism: the browser build and Node agree', () => {
  test('every demo scenario at seed 7 gives the same segments in Chromium as in Node', { timeout: TIMEOUT }, async (t) => {
    if (skipped(t, startError)) return;
    const pick = (events: ReadonlyArray<Record<string, unknown>>) =>
      events.filter((e) => e.kind === 'segment').map((e) => ({ t: e.t, from: e.from, to: e.to, flags: e.flags, seq: e.seq, ack: e.ack, len: e.len, dropped: e.dropped }));
    const inNode = SCENARIOS.map((s) => ({ name: s.name, segments: pick(s.run({ seed: 7, lang: 'en' }).trace.events as unknown as Array<Record<string, unknown>>) }));
    await withPage(
      h!,
      async (page) => {
        // Any page of the origin will do: the library is imported as a page would, from /lib/.
        await page.goto(`${h!.origin}/lib/synack.js`);
        const inBrowser = await page.evaluate(async () => {
          const lib = (await import('/lib/synack.js' as string)) as {
            SCENARIOS: Array<{ name: string; run(o: { seed: number; lang: string }): { trace: { events: Array<Record<string, unknown>> } } }>;
          };
          return lib.SCENARIOS.map((s) => ({
            name: s.name,
            segments: s
              .run({ seed: 7, lang: 'en' })
              .trace.events.filter((e) => e.kind === 'segment')
              .map((e) => ({ t: e.t, from: e.from, to: e.to, flags: e.flags, seq: e.seq, ack: e.ack, len: e.len, dropped: e.dropped })),
          }));
        });
        assert.deepEqual(
          inBrowser.map((s) => s.name),
          inNode.map((s) => s.name),
        );
        for (const [i, s] of inNode.entries()) {
          assert.ok(s.segments.length > 0, `${s.name}: segments`);
          assert.deepEqual(inBrowser[i].segments, s.segments, `${s.name} (seed 7): Chromium and Node differ`);
        }
      },
      DESKTOP,
    );
  });
});
