/**
 * The explorer's URLs (DOM-free): what the address bar holds reproduces the run. A scenario URL
 * names the scenario, the seed, the language and whether to play to the end; a sandbox URL holds
 * the seed, the link settings that differ from the defaults, every action at its virtual time and
 * the time reached. Anything unreadable is skipped and reported, never thrown.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LINK_SETTINGS } from '../../src/explorer/model/limits.js';
import type { Action, PageState, TimedAction } from '../../src/explorer/model/types.js';
import { actionText, pageQuery, parseAction, parsePage } from '../../src/explorer/ui/page-url.js';
import { enabledButtons } from '../../src/explorer/ui/sandbox-state.js';
import { RATE_STEPS, settingText, settingToSlider, sliderToSetting } from '../../src/explorer/ui/link-sliders.js';
import { laneHosts, laneX, ladderWidth } from '../../src/explorer/ui/ladder-layout.js';
import type { Snapshot, TcbView } from '../../src/explorer/model/types.js';

const D = DEFAULT_LINK_SETTINGS;

describe('page URLs', () => {
  test('the issue\'s URLs: ?scenario=NAME&seed=N&lang=ko&run=end and ?sandbox', () => {
    assert.deepEqual(parsePage('?scenario=handshake', D).state, { view: 'scenario', scenario: 'handshake', seed: 1, lang: 'en', runToEnd: false });
    assert.deepEqual(parsePage('?scenario=lost-syn&seed=7&lang=ko&run=end', D).state, { view: 'scenario', scenario: 'lost-syn', seed: 7, lang: 'ko', runToEnd: true });
    assert.deepEqual(parsePage('?sandbox', D).state, { view: 'sandbox', seed: 1, lang: 'en', link: { ...D }, actions: [], runToEnd: false });
    assert.deepEqual(parsePage('', D).state, { view: 'home', lang: 'en' });
  });

  const every: Action[] = [
    { do: 'connect' }, { do: 'send', bytes: 3000 }, { do: 'shutdown' }, { do: 'close', side: 'client' }, { do: 'close', side: 'server' },
    { do: 'abort' }, { do: 'listen', backlog: 8 }, { do: 'accept' }, { do: 'read', on: false }, { do: 'read', on: true },
    { do: 'drop-next', dir: 'client>server' }, { do: 'drop-next', dir: 'server>client' }, { do: 'drop-in-flight', id: 17 },
    { do: 'partition', ms: 3000 }, { do: 'link', settings: { loss: 0.05, delayMs: 12.5 } },
    { do: 'spoof-rst', exact: true }, { do: 'spoof-syn', exact: false }, { do: 'spoof-data', exact: true },
    { do: 'flood', count: 200, cookies: 'overflow' },
  ];

  test('every kind of action survives the round trip through its text', () => {
    every.forEach((action, i) => {
      const text = `${i * 10}.${actionText(action)}`;
      assert.deepEqual(parseAction(text), { t: i * 10, action }, text);
    });
  });

  test('a sandbox run: seed, changed link settings, actions and time make the URL, and it reads back the same', () => {
    const actions: TimedAction[] = every.map((action, i) => ({ t: i * 10, action }));
    const st: PageState = { view: 'sandbox', seed: 3, lang: 'ko', link: { ...D, loss: 0.1, mtu: 1280 }, actions, runToEnd: false };
    const q = pageQuery(st, D, 1234.5678);
    assert.match(q, /^\?sandbox&seed=3&link=/);
    assert.equal(new URLSearchParams(q).get('link'), 'loss=0.1,mtu=1280', 'default settings are left out of link=');
    const back = parsePage(q, D);
    assert.deepEqual(back.state, st);
    assert.equal(back.until, 1234.5678);
    assert.deepEqual(back.skipped, []);
  });

  test('unreadable parts are skipped and named; the rest still opens', () => {
    const r = parsePage('?sandbox&seed=x&link=nope=1&a=5.connect&a=zz&a=7.send.-3&a=9.flood.10.maybe&t=-1', D);
    assert.equal(r.state.view, 'sandbox');
    assert.deepEqual(r.state.view === 'sandbox' && r.state.actions, [{ t: 5, action: { do: 'connect' } }]);
    assert.deepEqual(r.skipped, ['seed=x', 'link=nope=1', 'a=zz', 'a=7.send.-3', 'a=9.flood.10.maybe', 't=-1']);
    assert.equal(r.state.view === 'sandbox' && r.state.seed, 1);
  });
});

describe('sandbox controls', () => {
  const tcb = (host: string, state: TcbView['state']): TcbView => ({
    host, conn: `${host}>peer`, state, iss: 0, irs: 0, sndUna: 0, sndNxt: 0, sndMax: 0, sndWnd: 0, rcvNxt: 0, rcvWnd: 0,
    cwnd: 0, ssthresh: null, srtt: null, rttvar: null, rto: 1000, mss: 1460, flight: 0, timers: [],
    space: { acked: 0, sent: 0, unsent: 0, sacked: [], lost: [] }, readable: 0,
  });
  const snap = (tcbs: TcbView[], listen?: { acceptQueue: number }): Snapshot => ({
    t: 0, tcbs, counters: {}, inFlight: [],
    listeners: listen ? [{ host: 'server', local: '*:80', backlog: 8, synQueue: 0, acceptQueue: listen.acceptQueue, synCookies: 'on-overflow' }] : [],
  });

  test('at the start: connect and listen, the network\'s buttons, a spoofed SYN; nothing that needs a connection', () => {
    const on = enabledButtons(snap([]));
    for (const id of ['client-connect', 'server-listen', 'drop-next-c2s', 'drop-next-s2c', 'partition', 'attack-syn'] as const) assert.ok(on.has(id), id);
    for (const id of ['client-send', 'client-close', 'client-abort', 'server-accept', 'server-close', 'attack-rst', 'attack-data', 'attack-flood'] as const) assert.ok(!on.has(id), id);
  });

  test('established with a connection waiting to be accepted: send, shut down, close, abort, accept, attacks', () => {
    const on = enabledButtons(snap([tcb('client', 'ESTABLISHED'), tcb('server', 'ESTABLISHED')], { acceptQueue: 1 }));
    for (const id of ['client-send', 'client-shutdown', 'client-close', 'client-abort', 'server-accept', 'server-read', 'server-close', 'attack-rst', 'attack-data', 'attack-flood'] as const) assert.ok(on.has(id), id);
    assert.ok(!on.has('client-connect'));
    assert.ok(!on.has('server-listen'));
  });

  test('in FIN-WAIT-2 the client cannot send or close again, but may abort', () => {
    const on = enabledButtons(snap([tcb('client', 'FIN-WAIT-2')]));
    assert.ok(!on.has('client-send'));
    assert.ok(!on.has('client-close'));
    assert.ok(on.has('client-abort'));
  });

  test('the rate slider steps through round rates; the others are the setting itself', () => {
    assert.equal(sliderToSetting('link-rate', 0), 0);
    assert.equal(sliderToSetting('link-rate', 3), 1_000_000);
    assert.equal(sliderToSetting('link-rate', 99), RATE_STEPS[RATE_STEPS.length - 1]);
    assert.equal(settingToSlider('link-rate', 1_000_000), 3);
    assert.equal(settingToSlider('link-rate', 1_500_000), 4);
    assert.equal(sliderToSetting('link-delay', 20), 20);
    assert.equal(settingText('rateBps', 0, 'unlimited'), 'unlimited');
    assert.equal(settingText('rateBps', 56_000, 'unlimited'), '56 kbit/s');
    assert.equal(settingText('loss', 0.05, ''), '5 %');
    assert.equal(settingText('queueBytes', 65536, ''), '64 KiB');
  });

  test('the attacker gets a lane only once an event names it, to the right of the server', () => {
    const hosts = [{ name: 'client' }, { name: 'server' }, { name: 'attacker' }];
    assert.deepEqual(laneHosts(hosts, new Set(['client', 'server'])).map((h) => h.name), ['client', 'server']);
    assert.deepEqual(laneHosts(hosts, new Set(['attacker'])).map((h) => h.name), ['client', 'server', 'attacker']);
    assert.ok(laneX(2, 3) > laneX(1, 3));
    assert.ok(ladderWidth(3) > ladderWidth(2));
  });
});
