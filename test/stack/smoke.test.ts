import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stack } from '../../src/stack/stack.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { listConnections, formatConnections } from '../../src/stack/listing.js';

/** Move every packet between two stacks and fire timers, in virtual time, until idle. */
function run(a: Stack, b: Stack, start: number, until = Infinity): number {
  let now = start;
  for (let i = 0; i < 100_000; i++) {
    let moved = false;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      for (let p = from.pollTransmit(now); p; p = from.pollTransmit(now)) {
        to.handlePacket(p, now);
        moved = true;
      }
    }
    if (moved) continue;
    const t = Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity);
    if (t === Infinity || t > until) return now;
    now = Math.max(now, t);
    a.handleTimeout(now);
    b.handleTimeout(now);
  }
  throw new Error('no progress');
}

test('two stacks: connect, accept, transfer, close; RST for a closed port', () => {
  const client = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(1) });
  const server = new Stack({ addresses: ['198.18.0.2'], random: new SeededRandom(2) });
  const l = server.listen(80);
  const c = client.connect({ address: '198.18.0.2', port: 80 }, 0);
  assert.ok(c.local.port >= 49152 && c.local.port <= 65535);
  run(client, server, 0, 10);
  assert.equal(c.state, 'ESTABLISHED');
  const s = l.accept();
  assert.ok(s);
  assert.equal(s.state, 'ESTABLISHED');
  c.send(new TextEncoder().encode('hello'), 10);
  run(client, server, 10, 20);
  assert.equal(new TextDecoder().decode(s.read(undefined, 20)), 'hello');
  const table = formatConnections(listConnections(server, 20));
  assert.match(table, /LISTEN/);
  assert.match(table, /ESTABLISHED\s+0\s+0\s+198\.18\.0\.2:80\s+198\.18\.0\.1:\d+/);
  c.close(20);
  run(client, server, 20, 30);
  s.close(30);
  run(client, server, 30, 40);
  assert.equal(s.state, 'CLOSED');
  assert.equal(c.state, 'TIME-WAIT');
  // A closed port answers with RST: ECONNREFUSED.
  const refused = client.connect({ address: '198.18.0.2', port: 81 }, 50);
  run(client, server, 50, 60);
  assert.equal(refused.state, 'CLOSED');
  const evs: string[] = [];
  for (let e = client.pollEvent(); e; e = client.pollEvent()) if (e.type === 'event' && e.connection === refused && e.event.type === 'error') evs.push(e.event.code);
  assert.deepEqual(evs, ['ECONNREFUSED']);
  assert.equal(server.counters.tcp.OutRsts, 1);
});
