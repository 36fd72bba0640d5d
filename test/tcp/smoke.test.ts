import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientServer, events, stateTrail } from './harness.js';

test('a connection opens, carries data both ways and closes', () => {
  const p = clientServer(100, 300);
  p.a.connect(0);
  p.run(10);
  assert.equal(p.a.state, 'ESTABLISHED');
  assert.equal(p.b.state, 'ESTABLISHED');
  const msg = new Uint8Array(100_000).map((_, i) => i % 251);
  let sent = 0;
  const got: number[] = [];
  for (let i = 0; i < 1000 && (sent < msg.length || got.length < msg.length); i++) {
    if (sent < msg.length) sent += p.a.send(msg.subarray(sent), p.now);
    p.run(p.now + 5);
    for (let d = p.b.read(); d; d = p.b.read()) got.push(...d);
  }
  assert.equal(got.length, msg.length);
  assert.deepEqual(Uint8Array.from(got), msg);
  p.a.close(p.now);
  p.run(p.now + 100);
  assert.equal(p.b.state, 'CLOSE-WAIT');
  p.b.close(p.now);
  p.run(p.now + 100);
  assert.equal(p.b.state, 'CLOSED');
  assert.equal(p.a.state, 'TIME-WAIT');
  p.run();
  assert.equal(p.a.state, 'CLOSED');
  assert.deepEqual(stateTrail(events(p.a)), ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  assert.equal(p.a.checkInvariants(), undefined);
});
