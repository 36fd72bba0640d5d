/**
 * runUntil never lets the event loop turn, so a condition that waits on asynchronous code (node:net
 * style sockets, whose 'data' and 'end' arrive on later ticks; http; tls) can never hold under it.
 * Its error says so and names runAsync, instead of only "condition not met by t=...".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { connect, createServer } from '../../src/socket/index.js';

test('runUntil over sockets fails with an error that points to runAsync', () => {
  const seed = 5;
  const net = new SimNetwork(seed);
  const client = net.addHost('client', { addresses: ['198.18.0.1'] });
  const server = net.addHost('server', { addresses: ['198.18.0.2'] });
  net.link(client, server, {});
  createServer(server, (s) => s.pipe(s)).listen(7);
  let got = '';
  const c = connect(client, { port: 7, host: '198.18.0.2' });
  c.on('data', (d: Buffer) => (got += d.toString()));
  c.write('hello');
  assert.throws(
    () => net.runUntil(() => got === 'hello', 60_000),
    (e: Error) => {
      assert.match(e.message, /condition not met by t=\d+ ms \(seed 5\)/);
      assert.match(e.message, /runAsync/, e.message);
      assert.match(e.message, /event loop/, e.message);
      return true;
    },
  );
  c.destroy();
});
