/**
 * SandboxSession: the live network the learner drives, in virtual time with a seed. What each action
 * must bring about comes from the RFCs: a lost data segment is sent again when the retransmission
 * timer fires (RFC 6298 §5.4); an in-window RST that is not exactly RCV.NXT draws a challenge ACK
 * (RFC 5961 §3.2) and an exact one resets; a receiver that stops reading closes its window and the
 * sender probes it (RFC 9293 §3.8.6.1).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson, TcpFlag, type SegmentEvent, type TraceEvent } from '../../src/browser/index.js';
import { SandboxSession } from '../../src/explorer/model/sandbox.js';
import { DEFAULT_LINK_SETTINGS } from '../../src/explorer/model/limits.js';
import type { Action, ActionResult } from '../../src/explorer/model/types.js';

const SEED = 4;
const ok = (r: ActionResult, what: string): void => assert.ok(r.ok, `${what}: ${r.ok ? '' : r.reason} (seed ${SEED})`);
const segs = (events: readonly TraceEvent[]): SegmentEvent[] => events.filter((e): e is SegmentEvent => e.kind === 'segment');
const data = (events: readonly TraceEvent[], from: string): SegmentEvent[] => segs(events).filter((e) => e.from === from && e.len > 0);

/** Listen, connect, run until ESTABLISHED, accept. */
function established(s = new SandboxSession(SEED)): SandboxSession {
  ok(s.act({ do: 'listen', backlog: 8 }), 'listen');
  ok(s.act({ do: 'connect' }), 'connect');
  s.advanceTo(s.now + 100);
  ok(s.act({ do: 'accept' }), 'accept');
  return s;
}

describe('SandboxSession', () => {
  test('listen, connect, accept, send: the handshake and the data, read by the server', () => {
    const fresh = new SandboxSession(SEED).status();
    assert.equal(fresh.client, undefined);
    assert.equal(fresh.listening, false);
    const s = established();
    assert.deepEqual({ ...s.status(), dropNext: undefined }, { client: 'ESTABLISHED', listening: true, backlog: 8, acceptable: 0, accepted: 1, reading: true, toSend: 0, dropNext: undefined, linkUp: true, synCookies: 'on-overflow' });
    assert.deepEqual(segs(s.events).slice(0, 3).map((e) => e.flagNames.join('+')), ['SYN', 'SYN+ACK', 'ACK']);
    ok(s.act({ do: 'send', bytes: 5000 }), 'send');
    s.advanceTo(s.now + 500);
    const sent = data(s.events, 'client').reduce((n, e) => n + e.len, 0);
    assert.equal(sent, 5000);
    const snap = s.snapshot();
    const server = snap.tcbs.find((t) => t.host === 'server')!;
    assert.equal(server.readable, 0, 'the server application read everything');
    assert.equal(server.rcvNxt, (server.irs + 1 + 5000) >>> 0);
    assert.equal(snap.counters.client['tcp.ActiveOpens'], 1);
    assert.deepEqual(snap.listeners.map((l) => [l.local, l.backlog]), [['*:80', 8]]);
  });

  test('drop-next client>server: the first data segment is lost, then sent again when the RTO fires, with the timer in the TCB', () => {
    const s = established();
    ok(s.act({ do: 'drop-next', dir: 'client>server' }), 'drop-next');
    ok(s.act({ do: 'send', bytes: 100 }), 'send');
    s.advanceTo(s.now + 1);
    const first = data(s.events, 'client');
    assert.equal(first.length, 1);
    assert.equal(first[0].dropped, true);
    const client = s.snapshot().tcbs.find((t) => t.host === 'client')!;
    const rto = client.timers.find((t) => t.kind === 'retransmission');
    assert.ok(rto, 'the retransmission timer is armed');
    s.advanceTo(rto.deadline + 50);
    const again = data(s.events, 'client');
    assert.ok(again.length >= 2, `seed ${SEED}: retransmitted`);
    assert.equal(again[again.length - 1].seq, first[0].seq, 'the same sequence number');
    assert.equal(again[again.length - 1].retransmission, true);
    assert.equal(again[again.length - 1].dropped, false);
  });

  test('drop-in-flight: a packet on the link is taken off, drawn as dropped, and sent again', () => {
    const s = established();
    ok(s.act({ do: 'send', bytes: 100 }), 'send');
    s.advanceTo(s.now + 1);
    const flying = s.snapshot().inFlight;
    assert.equal(flying.length, 1);
    const e = s.events[flying[0].event] as SegmentEvent;
    assert.equal(e.len, 100);
    assert.equal(s.arrival(flying[0].event), flying[0].arrivesAt);
    assert.equal(flying[0].arrivesAt - flying[0].sentAt, DEFAULT_LINK_SETTINGS.delayMs);
    ok(s.act({ do: 'drop-in-flight', id: flying[0].id }), 'drop-in-flight');
    assert.equal(e.dropped, true);
    assert.equal(e.reason, 'removed');
    assert.deepEqual(s.snapshot().inFlight, []);
    const again = s.act({ do: 'drop-in-flight', id: flying[0].id });
    assert.equal(again.ok === false && again.reason, 'not-in-flight');
    s.advanceTo(s.now + 2000);
    assert.ok(data(s.events, 'client').some((x) => x.seq === e.seq && !x.dropped), 'sent again and delivered');
  });

  test('a guessed in-window RST draws a challenge ACK (RFC 5961 §3.2); an exact one resets the connection', () => {
    const s = established();
    s.advanceTo(s.now + 10);
    const before = s.events.length;
    ok(s.act({ do: 'spoof-rst', exact: false }), 'spoof-rst guessed');
    s.advanceTo(s.now + 20);
    const after = segs(s.events.slice(before));
    const rst = after.find((e) => e.flags & TcpFlag.RST)!;
    assert.equal(rst.from, 'attacker');
    assert.equal(rst.to, 'server');
    assert.equal(rst.label, 'spoofed RST (guessed)');
    const challenge = after.find((e) => e.from === 'server' && e.to === 'client' && e.flags === TcpFlag.ACK);
    assert.ok(challenge, 'a challenge ACK to the real client');
    assert.equal(s.snapshot().tcbs.find((t) => t.host === 'server')!.state, 'ESTABLISHED');
    assert.equal(s.snapshot().counters.server['tcp.TCPChallengeACK'], 1);
    ok(s.act({ do: 'spoof-rst', exact: true }), 'spoof-rst exact');
    s.advanceTo(s.now + 20);
    assert.equal(s.snapshot().tcbs.some((t) => t.host === 'server'), false, 'the server connection is gone');
  });

  test('spoofed data: guessed numbers draw a challenge ACK (RFC 5961 §5); exact ones are taken as the client\'s, timestamps and all', () => {
    const s = established();
    s.advanceTo(s.now + 10);
    const server = () => s.snapshot().tcbs.find((t) => t.host === 'server')!;
    const rcvNxt = server().rcvNxt;
    let before = s.events.length;
    ok(s.act({ do: 'spoof-data', exact: false }), 'spoof-data guessed');
    s.advanceTo(s.now + 20);
    let after = segs(s.events.slice(before));
    assert.equal(after[0].label, 'spoofed data (guessed)');
    assert.ok(after.some((e) => e.from === 'server' && e.to === 'client' && e.flags === TcpFlag.ACK), 'a challenge ACK to the real client');
    assert.equal(server().rcvNxt, rcvNxt, 'nothing forged was taken');
    s.advanceTo(s.now + 600); // past the 500 ms a connection waits between challenge ACKs (§7)
    before = s.events.length;
    ok(s.act({ do: 'spoof-data', exact: true }), 'spoof-data exact');
    s.advanceTo(s.now + 20);
    after = segs(s.events.slice(before));
    assert.equal(after[0].label, 'spoofed data (exact)');
    assert.equal(server().rcvNxt, (rcvNxt + 'spoofed data'.length) >>> 0, 'the forged bytes were accepted (seed ' + SEED + ')');
  });

  test('the server stops reading: its window closes and the client probes it (persist timer)', () => {
    const s = established();
    ok(s.act({ do: 'read', on: false }), 'read off');
    ok(s.act({ do: 'send', bytes: 1 << 20 }), 'send 1 MiB');
    s.advanceTo(s.now + 5000);
    const snap = s.snapshot();
    const server = snap.tcbs.find((t) => t.host === 'server')!;
    const client = snap.tcbs.find((t) => t.host === 'client')!;
    assert.equal(server.rcvWnd, 0, 'the window is closed');
    assert.ok(server.readable > 0);
    assert.equal(client.sndWnd, 0);
    assert.ok(client.timers.some((t) => t.kind === 'persist'), `timers: ${JSON.stringify(client.timers)}`);
    ok(s.act({ do: 'read', on: true }), 'read on');
    s.advanceTo(s.now + 120_000);
    assert.equal(s.snapshot().tcbs.find((t) => t.host === 'client')!.space.acked, 1 << 20, 'every byte acknowledged once reading resumed');
  });

  test('a flood with cookies always: three SYNs drawn, the rest counted; the server answers with cookies', () => {
    const s = new SandboxSession(SEED);
    ok(s.act({ do: 'listen', backlog: 4 }), 'listen');
    ok(s.act({ do: 'flood', count: 200, cookies: 'always' }), 'flood');
    s.advanceTo(s.now + 10);
    const floods = segs(s.events).filter((e) => e.label === 'spoofed SYN (flood)');
    assert.equal(floods.length, 3);
    assert.ok(s.events.some((e) => e.kind === 'note' && e.text.includes('197')));
    assert.equal(s.snapshot().counters.server['tcp.SyncookiesSent'], 200);
    assert.ok(s.snapshot().tcbs.length <= 3, 'the undrawn sources have no panels');
    ok(s.act({ do: 'connect' }), 'connect');
    s.advanceTo(s.now + 100);
    assert.equal(s.snapshot().tcbs.find((t) => t.host === 'client')!.state, 'ESTABLISHED');
  });

  test('bad actions are refused with a reason in English and Korean, and change nothing', () => {
    const s = new SandboxSession(SEED);
    const refused = (a: Action): string => {
      const r = s.act(a);
      assert.equal(r.ok, false, JSON.stringify(a));
      if (r.ok) return '';
      assert.ok(r.text.en.length > 0 && r.text.ko.length > 0);
      return r.reason;
    };
    assert.equal(refused({ do: 'send', bytes: 10 }), 'not-connected');
    assert.equal(refused({ do: 'accept' }), 'not-listening');
    assert.equal(refused({ do: 'close', side: 'server' }), 'nothing-to-close');
    assert.equal(refused({ do: 'spoof-rst', exact: true }), 'no-target');
    assert.equal(refused({ do: 'send', bytes: 1e12 }), 'bad-value');
    assert.equal(refused({ do: 'flood', count: Number.NaN, cookies: 'off' }), 'bad-value');
    assert.equal(refused({ do: 'link', settings: { loss: 2 } }), 'bad-value');
    assert.equal(refused({ do: 'nonsense' } as unknown as Action), 'unknown-action');
    ok(s.act({ do: 'listen', backlog: 1 }), 'listen');
    assert.equal(refused({ do: 'accept' }), 'nothing-to-accept');
    assert.equal(refused({ do: 'listen', backlog: 1 }), 'already-listening');
    assert.equal(s.actions.length, 1, 'only the listen was kept');
  });

  test('each action leaves a note on the ladder, in the session\'s language', () => {
    const ko = new SandboxSession(SEED, DEFAULT_LINK_SETTINGS, 'ko');
    ok(ko.act({ do: 'listen', backlog: 2 }), 'listen');
    ok(ko.act({ do: 'connect' }), 'connect');
    const notes = ko.events.filter((e) => e.kind === 'note').map((e) => (e.kind === 'note' ? [e.host, e.text] : []));
    assert.deepEqual(notes, [['server', '서버 애플리케이션이 80번 포트에서 listen (backlog 2)'], ['client', '클라이언트 애플리케이션이 connect() 호출']]);
    const en = established();
    assert.ok(en.events.some((e) => e.kind === 'note' && e.text === 'the server application calls accept()'));
  });

  test('advanceTo across an idle gap: the clock moves and timers fire (TIME-WAIT ends after 2*MSL)', () => {
    const s = established();
    ok(s.act({ do: 'close', side: 'client' }), 'client close');
    s.advanceTo(s.now + 100);
    ok(s.act({ do: 'close', side: 'server' }), 'server close');
    s.advanceTo(s.now + 100);
    assert.equal(s.snapshot().tcbs.find((t) => t.host === 'client')?.state, 'TIME-WAIT');
    s.advanceTo(s.now + 61_000);
    assert.equal(s.snapshot().tcbs.length, 0);
    const end = s.now + 3_600_000;
    s.advanceTo(end);
    assert.equal(s.now, end);
    assert.equal(s.nextEventTime(), undefined);
  });

  test('replay: the same seed, link and timed actions give the same events and packets, byte for byte', () => {
    const link = { ...DEFAULT_LINK_SETTINGS, loss: 0.05, jitterMs: 3, reorder: 0.05, duplicate: 0.02 };
    const live = new SandboxSession(SEED, link);
    // The learner's page advances by odd amounts (frames); actions land on whole milliseconds.
    const script: Array<[number, Action]> = [
      [3.3, { do: 'listen', backlog: 4 }],
      [10.7, { do: 'connect' }],
      [120.2, { do: 'accept' }],
      [130.9, { do: 'send', bytes: 40_000 }],
      [140.1, { do: 'drop-next', dir: 'server>client' }],
      [300.5, { do: 'spoof-data', exact: false }],
      [800.4, { do: 'link', settings: { delayMs: 40 } }],
      [900, { do: 'partition', ms: 300 }],
      [1500.25, { do: 'shutdown' }],
      [4000, { do: 'close', side: 'server' }],
    ];
    let t = 0;
    for (const [at, a] of script) {
      while (t < at) live.advanceTo((t = Math.min(at, t + 2.59)));
      ok(live.act(a), a.do);
    }
    live.advanceTo(10_000);
    const { session: again, refused } = SandboxSession.replay(SEED, link, live.actions);
    assert.deepEqual(refused, []);
    again.advanceTo(10_000);
    assert.ok(live.events.length > 30);
    assert.equal(renderJson(again.trace()), renderJson(live.trace()), `seed ${SEED}`);
    assert.deepEqual(again.pcap(), live.pcap());
    assert.deepEqual(live.actions.map((a) => a.t), [4, 11, 121, 131, 141, 301, 801, 900, 1501, 4000]);
  });
});
