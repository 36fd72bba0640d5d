/**
 * The sandbox's controls (DOM-free parts): which buttons make sense in which state (RFC 9293: an
 * application sends and closes only while its connection may still send), the link sliders' values,
 * and the attacker's lane in the ladder.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { enabledButtons } from '../../src/explorer/ui/sandbox-state.js';
import { RATE_STEPS, settingText, settingToSlider, sliderToSetting } from '../../src/explorer/ui/link-sliders.js';
import { laneHosts, laneX, ladderWidth } from '../../src/explorer/ui/ladder-layout.js';
import type { SandboxStatus } from '../../src/explorer/model/index.js';

describe('sandbox controls', () => {
  const status = (s: Partial<SandboxStatus> = {}): SandboxStatus => ({
    client: undefined, listening: false, backlog: undefined, acceptable: 0, accepted: 0, reading: true, toSend: 0,
    dropNext: { 'client>server': 0, 'server>client': 0 }, linkUp: true, synCookies: 'on-overflow', ...s,
  });

  test('at the start: connect and listen, the network\'s buttons, a spoofed SYN; nothing that needs a connection', () => {
    const on = enabledButtons(status());
    for (const id of ['client-connect', 'server-listen', 'drop-next-c2s', 'drop-next-s2c', 'partition', 'attack-syn'] as const) assert.ok(on.has(id), id);
    for (const id of ['client-send', 'client-close', 'client-abort', 'server-accept', 'server-close', 'attack-rst', 'attack-data', 'attack-flood'] as const) assert.ok(!on.has(id), id);
  });

  test('established with a connection waiting to be accepted: send, shut down, close, abort, accept, attacks', () => {
    const on = enabledButtons(status({ client: 'ESTABLISHED', listening: true, backlog: 8, acceptable: 1 }));
    for (const id of ['client-send', 'client-shutdown', 'client-close', 'client-abort', 'server-accept', 'server-read', 'server-close', 'attack-rst', 'attack-data', 'attack-flood'] as const) assert.ok(on.has(id), id);
    assert.ok(!on.has('client-connect'));
    assert.ok(!on.has('server-listen'));
  });

  test('in FIN-WAIT-2 the client cannot send or close again, but may abort', () => {
    const on = enabledButtons(status({ client: 'FIN-WAIT-2' }));
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
