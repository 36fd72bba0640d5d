/**
 * RecordedSession: the round-trip demos, recorded in Node (they need Node's tls) and shown whole.
 * A TLS 1.3 run's trace opens with the three-way handshake (the ClientHello on the third segment) and says where it came from; the file
 * the build writes (dist/explorer/round-trips.json, when built) holds every demo.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUND_TRIP_DEMOS, runRoundTripDemo } from '../../src/workloads/round-trips.js';
import { RecordedSession } from '../../src/explorer/model/recorded.js';
import { repoRoot } from '../checkout.js';

test('a recorded TLS 1.3 demo: shown whole, its third handshake segment carrying the ClientHello, and saying it was recorded in Node', async () => {
  const r = await runRoundTripDemo('tls13', { rttMs: 100, seed: 1 });
  const sessions = RecordedSession.fromJson(JSON.parse(JSON.stringify({ recorded: 'node', demos: [r] })));
  assert.ok(Array.isArray(sessions), JSON.stringify(sessions));
  const s = sessions[0];
  assert.equal(s.kind, 'recorded');
  assert.equal(s.finished, true);
  assert.equal(s.title, 'tls13');
  assert.match(s.note.en, /Recorded in Node when this page was built/);
  assert.ok(s.note.ko.length > 0);
  const segs = s.events.filter((e) => e.kind === 'segment');
  const flags = segs.slice(0, 3).map((e) => (e.kind === 'segment' ? e.flagNames.join('+') : ''));
  // The third segment of the handshake carries the ClientHello (PSH as Linux and synack set it on data).
  assert.deepEqual(flags, ['SYN', 'SYN+ACK', 'PSH+ACK']);
  assert.match(segs[2].kind === 'segment' ? segs[2].payload ?? '' : '', /ClientHello/);
  assert.deepEqual(s.snapshot().tcbs, []);
  assert.equal(s.demo.roundTrips, 3, 'TLS 1.3: TCP (1 RTT), TLS (1 RTT), the request (1 RTT)');
});

test('round-trips.json that is not one is a clear error', () => {
  for (const bad of [null, {}, { demos: 'x' }, { demos: [{ name: 1 }] }]) {
    const r = RecordedSession.fromJson(bad);
    assert.ok(!Array.isArray(r) && r.error === 'not-recorded', JSON.stringify(bad));
  }
});

const built = path.join(repoRoot, 'dist', 'explorer', 'round-trips.json');
test('the build recorded every round-trip demo', { skip: existsSync(built) ? false : `${built} not built (npm run build)` }, () => {
  const sessions = RecordedSession.fromJson(JSON.parse(readFileSync(built, 'utf8')));
  assert.ok(Array.isArray(sessions));
  assert.deepEqual(sessions.map((s) => s.title), [...ROUND_TRIP_DEMOS]);
});
