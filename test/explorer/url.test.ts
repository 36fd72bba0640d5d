/**
 * The page's state in its URL: every state round-trips exactly (so a shared link replays the same
 * run), and hostile input (huge counts, unknown actions, NaN, exponents, too many actions, times
 * going back) is answered with an error that names the problem, never a throw.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderJson } from '../../src/browser/index.js';
import { decodePageState, encodePageState } from '../../src/explorer/model/url.js';
import { DEFAULT_LINK_SETTINGS, LIMITS } from '../../src/explorer/model/limits.js';
import { SandboxSession } from '../../src/explorer/model/sandbox.js';
import type { Action, PageState } from '../../src/explorer/model/types.js';

const EVERY_ACTION: Action[] = [
  { do: 'listen', backlog: 8 },
  { do: 'connect' },
  { do: 'accept' },
  { do: 'send', bytes: 2000 },
  { do: 'read', on: false },
  { do: 'read', on: true },
  { do: 'drop-next', dir: 'client>server' },
  { do: 'drop-next', dir: 'server>client' },
  { do: 'drop-in-flight', id: 17 },
  { do: 'partition', ms: 500 },
  { do: 'link', settings: { delayMs: 40, loss: 0.1 } },
  { do: 'spoof-rst', exact: true },
  { do: 'spoof-syn', exact: false },
  { do: 'spoof-data', exact: true },
  { do: 'flood', count: 200, cookies: 'overflow' },
  { do: 'shutdown' },
  { do: 'close', side: 'client' },
  { do: 'close', side: 'server' },
  { do: 'abort' },
];

function roundTrip(s: PageState): void {
  const text = encodePageState(s);
  assert.match(text, /^\?[A-Za-z0-9.\-_:,=&]*$/, 'only characters a query holds unescaped');
  assert.deepEqual(decodePageState(text), s, text);
}

function error(search: string): string {
  const r = decodePageState(search);
  assert.ok('error' in r, `${search} should be refused, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('URL state', () => {
  test('a scenario, with and without seed, language and run=end', () => {
    roundTrip({ view: 'scenario', scenario: 'handshake', seed: 1, lang: 'en', runToEnd: false });
    roundTrip({ view: 'scenario', scenario: 'syn-flood', seed: -42, lang: 'ko', runToEnd: true });
    assert.equal(encodePageState({ view: 'scenario', scenario: 'handshake', seed: 3, lang: 'ko', runToEnd: true }), '?scenario=handshake&seed=3&lang=ko&run=end');
    assert.deepEqual(decodePageState('?scenario=close'), { view: 'scenario', scenario: 'close', seed: 1, lang: 'en', runToEnd: false });
    assert.deepEqual(decodePageState(''), { view: 'home', lang: 'en' });
    roundTrip({ view: 'home', lang: 'ko' });
  });

  test('the sandbox with every action and changed link settings', () => {
    const actions = EVERY_ACTION.map((action, i) => ({ t: i * 100 + (i % 3) * 0.5, action }));
    const s: PageState = { view: 'sandbox', seed: 3, lang: 'en', link: { ...DEFAULT_LINK_SETTINGS, delayMs: 12.5, loss: 0.05, rateBps: 1_000_000 }, actions, runToEnd: false };
    roundTrip(s);
    const text = encodePageState({ view: 'sandbox', seed: 3, lang: 'en', link: { ...DEFAULT_LINK_SETTINGS }, actions: actions.slice(0, 4), runToEnd: false });
    assert.equal(text, '?sandbox&seed=3&a=0:listen_8,100.5:connect,201:accept,300:send_2000');
  });

  test('property: any state within bounds round-trips', () => {
    const action: fc.Arbitrary<Action> = fc.oneof(
      fc.constantFrom(...EVERY_ACTION),
      fc.integer({ min: 1, max: LIMITS.sendBytes }).map((bytes): Action => ({ do: 'send', bytes })),
      fc.record({ delayMs: fc.double({ min: 0, max: 10_000, noNaN: true }), loss: fc.double({ min: 0, max: 1, noNaN: true }) }).map(({ delayMs, loss }): Action => ({ do: 'link', settings: { delayMs: delayMs + 0, loss: loss + 0 } })),
      fc.integer({ min: 1, max: LIMITS.floodCount }).map((count): Action => ({ do: 'flood', count, cookies: 'always' })),
    );
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 100_000 }), action), { maxLength: 20 }), fc.boolean(), (seed, list, ko) => {
        let t = 0;
        const actions = list.map(([dt, a]) => ({ t: (t += dt), action: a }));
        const s: PageState = { view: 'sandbox', seed, lang: ko ? 'ko' : 'en', link: { ...DEFAULT_LINK_SETTINGS, jitterMs: 0.3 }, actions, runToEnd: ko };
        assert.deepEqual(decodePageState(encodePageState(s)), s);
      }),
      { seed: 17, numRuns: 200 },
    );
  });

  test('hostile input: clear errors, never a throw', () => {
    assert.match(error('?sandbox&a=0:flood_999999999_off'), /count must be an integer in \[1, 2000\]/);
    assert.match(error('?sandbox&a=0:send_1e9'), /bytes/);
    assert.match(error('?sandbox&a=0:send_NaN'), /bytes/);
    assert.match(error('?sandbox&a=0:send_-5'), /bytes/);
    assert.match(error('?sandbox&a=0:rm-rf'), /unknown action "rm-rf"/);
    assert.match(error('?sandbox&a=NaN:connect'), /time/);
    assert.match(error('?sandbox&a=Infinity:connect'), /time/);
    assert.match(error('?sandbox&a=1e3:connect'), /time/);
    assert.match(error('?sandbox&a=1e%2B3:connect'), /time/);
    assert.match(error('?sandbox&a=99999999999:connect'), /time/);
    assert.match(error('?sandbox&a=10:connect,5:accept'), /comes before/);
    assert.match(error('?sandbox&a=connect'), /TIME:NAME/);
    assert.match(error('?sandbox&a=0:connect_now'), /takes 0 arguments/);
    assert.match(error('?sandbox&a=0:partition_99999999'), /ms must be/);
    assert.match(error('?sandbox&a=0:link_warp9'), /unknown link setting/);
    assert.match(error('?sandbox&link=loss2'), /loss must be in \[0, 1\]/);
    assert.match(error('?sandbox&link=mtu10'), /mtu/);
    assert.match(error(`?sandbox&a=${Array.from({ length: LIMITS.actions + 1 }, () => '0:connect').join(',')}`), /at most 500 actions/);
    assert.match(error('?scenario=handshake&sandbox'), /not both/);
    assert.match(error('?scenario=../../etc'), /scenario/);
    assert.match(error('?scenario=handshake&seed=1.5'), /seed/);
    assert.match(error('?scenario=handshake&seed=99999999999999999'), /seed/);
    assert.match(error('?scenario=handshake&lang=fr'), /lang/);
    assert.match(error('?scenario=handshake&run=forever'), /run/);
    assert.match(error(`?sandbox&a=${'x'.repeat(200_000)}`), /at most 100000/);
    assert.match(error('?sandbox&a=0:flood_10_maybe'), /cookies/);
    // Whatever the bytes, decoding returns (fast-check, fixed seed).
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void decodePageState(s)), { seed: 5, numRuns: 500 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void decodePageState(`?sandbox&a=${s}`)), { seed: 6, numRuns: 500 });
  });

  test('a sandbox run through its URL: decoded and replayed, the same events', () => {
    const live = new SandboxSession(9, { ...DEFAULT_LINK_SETTINGS, loss: 0.1 });
    for (const a of [{ do: 'listen', backlog: 4 }, { do: 'connect' }] as Action[]) live.act(a);
    live.advanceTo(150.5);
    live.act({ do: 'accept' });
    live.act({ do: 'send', bytes: 30_000 });
    live.advanceTo(3000);
    const url = encodePageState({ view: 'sandbox', seed: live.seed, lang: 'en', link: live.link, actions: live.actions, runToEnd: false });
    const state = decodePageState(url);
    assert.ok(!('error' in state) && state.view === 'sandbox', url);
    const { session } = SandboxSession.replay(state.seed, state.link, state.actions);
    session.advanceTo(3000);
    assert.equal(renderJson(session.trace()), renderJson(live.trace()), url);
  });
});
