import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stack } from '../../src/stack/stack.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { listConnections, formatConnections } from '../../src/stack/listing.js';
import { runStacks } from './helpers.js';


test('two stacks: connect, accept, transfer, close; RST for a closed port', () => {
  const client = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(1) });
  const server = new Stack({ addresses: ['198.18.0.2'], random: new SeededRandom(2) });
  const l = server.listen(80);
  const c = client.connect({ address: '198.18.0.2', port: 80 }, 0);
  assert.ok(c.local.port >= 49152 && c.local.port <= 65535);
  runStacks(client, server, 0, 10);
  assert.equal(c.state, 'ESTABLISHED');
  const s = l.accept();
  assert.ok(s);
  assert.equal(s.state, 'ESTABLISHED');
  c.send(new TextEncoder().encode('hello'), 10);
  runStacks(client, server, 10, 20);
  assert.equal(new TextDecoder().decode(s.read(undefined, 20)), 'hello');
  const table = formatConnections(listConnections(server, 20));
  assert.match(table, /LISTEN/);
  assert.match(table, /ESTABLISHED\s+0\s+0\s+198\.18\.0\.2:80\s+198\.18\.0\.1:\d+/);
  c.close(20);
  runStacks(client, server, 20, 30);
  s.close(30);
  runStacks(client, server, 30, 40);
  assert.equal(s.state, 'CLOSED');
  assert.equal(c.state, 'TIME-WAIT');
  // A closed port answers with RST: ECONNREFUSED.
  const refused = client.connect({ address: '198.18.0.2', port: 81 }, 50);
  runStacks(client, server, 50, 60);
  assert.equal(refused.state, 'CLOSED');
  const evs: string[] = [];
  for (let e = client.pollEvent(); e; e = client.pollEvent()) if (e.type === 'event' && e.connection === refused && e.event.type === 'error') evs.push(e.event.code);
  assert.deepEqual(evs, ['ECONNREFUSED']);
  assert.equal(server.counters.tcp.OutRsts, 1);
});
