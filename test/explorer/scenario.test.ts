/**
 * ScenarioSession: a demo scenario run in the page's model and played back. Its events are the
 * scenario's own trace (what `synack demo NAME --format json` prints for the seed); the snapshots
 * show each TCB as RFC 9293 says it must be at that point of the run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTcpPacket, renderJson, SCENARIOS, TcpFlag } from '../../src/browser/index.js';
import { decodeUdpPacket } from '../../src/wire/udp.js';
import { ScenarioSession } from '../../src/explorer/model/scenario.js';
import type { SegmentEvent } from '../../src/browser/index.js';

const SEEDS = [1, 7];

function open(name: string, seed = 1, lang: 'en' | 'ko' = 'en'): ScenarioSession {
  const s = ScenarioSession.open(name, seed, lang);
  if (!(s instanceof ScenarioSession)) throw new Error(`${name}: ${s.message}`);
  return s;
}

describe('ScenarioSession', () => {
  for (const sc of SCENARIOS) {
    test(`${sc.name}: played to its end, the same events as the scenario's own run (seeds ${SEEDS.join(', ')})`, () => {
      for (const seed of SEEDS) {
        const s = open(sc.name, seed);
        s.toEnd();
        assert.ok(s.finished, `seed ${seed}`);
        const direct = sc.run({ seed, lang: 'en' });
        assert.equal(renderJson(s.trace()), renderJson(direct.trace), `${sc.name}, seed ${seed}`);
        // One packet per segment, the very one the event describes.
        s.events.forEach((e, i) => {
          if (e.kind !== 'segment') return assert.equal(s.packet(i), undefined);
          // An ARP arrow's bytes are its Ethernet frame (type 0x0806); a datagram's its UDP packet.
          if (e.protocol === 'arp') return assert.deepEqual([...s.packet(i)!.subarray(12, 14)], [0x08, 0x06], `${sc.name} seed ${seed} event ${i}`);
          if (e.protocol === 'udp') return assert.ok(decodeUdpPacket(s.packet(i)!).ok, `${sc.name} seed ${seed} event ${i}`);
          const p = decodeTcpPacket(s.packet(i)!);
          assert.ok(p.ok, `${sc.name} seed ${seed} event ${i}`);
          assert.equal(p.tcp.seq, e.seq, `${sc.name} seed ${seed} event ${i}`);
          assert.equal(p.tcp.flags, e.flags, `${sc.name} seed ${seed} event ${i}`);
        });
      }
    });
  }

  test('handshake, step by step: SYN then SYN-SENT with the retransmission timer armed, arrivals one link delay (1 ms) later', () => {
    const s = open('handshake', 3);
    assert.equal(s.events.length, 0);
    assert.equal(s.snapshot().tcbs.length, 0);
    s.step();
    const syn = s.events.find((e): e is SegmentEvent => e.kind === 'segment')!;
    assert.ok(syn.flags & TcpFlag.SYN, 'seed 3');
    const i = s.events.indexOf(syn);
    assert.equal(s.arrival(i), syn.t + 1);
    const client = s.snapshot().tcbs.find((t) => t.host === 'client')!;
    assert.equal(client.state, 'SYN-SENT');
    assert.equal(client.sndNxt, (syn.seq + 1) >>> 0, 'the SYN uses one sequence number');
    // RFC 6298 §2.1: before any RTT sample, RTO is 1 s; the SYN's timer runs to now + RTO.
    assert.equal(client.rto, 1000);
    assert.deepEqual(client.timers.filter((t) => t.kind === 'retransmission').map((t) => t.deadline), [syn.t + 1000]);
    assert.equal(s.snapshot().inFlight.length, 1, 'the SYN is on the link');
    assert.equal(s.snapshot().inFlight[0].event, i);
    s.toEnd();
    const snap = s.snapshot();
    assert.deepEqual(snap.tcbs.map((t) => [t.host, t.state]).sort(), [['client', 'ESTABLISHED'], ['server', 'ESTABLISHED']]);
    assert.equal(snap.counters.client['tcp.ActiveOpens'], 1);
    assert.equal(snap.counters.server['tcp.PassiveOpens'], 1);
    assert.deepEqual(snap.inFlight, []);
  });

  test('lossy-transfer: SACKed and lost ranges appear in the sequence space, cwnd is plotted, memory bounded', () => {
    const s = open('lossy-transfer', 1);
    let sawSack = false;
    while (!s.finished) {
      s.step();
      for (const t of s.snapshot().tcbs) if (t.host === 'client' && t.space.sacked.length > 0) sawSack = true;
    }
    assert.ok(sawSack, 'seed 1: the client saw SACK blocks above a hole');
    const series = [...s.cwndSeries().entries()].find(([k]) => k.startsWith('client '));
    assert.ok(series && series[1].length > 1, 'seed 1: the client has cwnd points');
    assert.ok(s.snapshotCount < 2000, `seed 1: ${s.snapshotCount} snapshots`);
  });

  test('syn-flood: the parts are joined as the scenario joins them, and the recording stays small', () => {
    const s = open('syn-flood', 1);
    s.toEnd();
    assert.ok(s.snapshotCount < 5000, `seed 1: ${s.snapshotCount} snapshots`);
    const bytes = JSON.stringify(s.snapshot()).length;
    assert.ok(bytes < 100_000, `seed 1: last snapshot ${bytes} bytes`);
    // Panels only for the connections the trace speaks of, not the flood's undrawn half-open ones.
    let most = 0;
    const panels = new Set<string>();
    const t = new ScenarioSession(s.scenario, 1, 'en');
    while (!t.finished) {
      t.step();
      most = Math.max(most, t.snapshot().tcbs.length);
      for (const v of t.snapshot().tcbs) panels.add(`${v.host} ${v.conn}`);
    }
    for (const p of panels) assert.ok(t.events.some((e) => e.kind === 'state' && `${e.host} ${e.conn}` === p), `seed 1: a panel for ${p}, which the trace never speaks of`);
    assert.ok(most >= 2 && most <= 6, `seed 1: at most ${most} panels at once`);
    // The listener's SYN queue filled by the flood (16 half-open connections, cookies off in part 1).
    const t2 = new ScenarioSession(s.scenario, 1, 'en');
    let fullest = 0;
    while (!t2.finished) {
      t2.step();
      for (const l of t2.snapshot().listeners) fullest = Math.max(fullest, l.synQueue);
    }
    assert.equal(fullest, 16);
  });

  test('an unknown scenario or a seed that is no integer is a clear error, not a throw', () => {
    const a = ScenarioSession.open('no-such', 1, 'en');
    assert.ok(!(a instanceof ScenarioSession) && a.error === 'unknown-scenario' && a.message.includes('handshake'));
    const b = ScenarioSession.open('handshake', 1.5, 'en');
    assert.ok(!(b instanceof ScenarioSession) && b.error === 'bad-seed');
  });

  test('advanceTo never goes back, and ignores NaN', () => {
    const s = open('handshake', 1);
    s.advanceTo(10);
    const n = s.events.length;
    s.advanceTo(5);
    s.advanceTo(Number.NaN);
    assert.equal(s.now, 10);
    assert.equal(s.events.length, n);
  });
});
