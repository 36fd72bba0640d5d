/**
 * A connection that ends while it waits in the accept queue (here: the peer's RST, RFC 9293
 * §3.10.7.4, which closes an ESTABLISHED connection with "connection reset"). RFC 9293 has no accept
 * queue, so what the application then sees is the stack's choice, `acceptQueueKeepsClosed`:
 * - on (Linux: inet_csk_accept hands over the queue's head whatever its state): accept() returns
 *   the connection, CLOSED, and the data that arrived before the RST is still readable;
 * - off (synack's default): it leaves the queue, and accept() has nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, bytesOf, newStack, textOf, Wire } from './helpers.js';

function resetBeforeAccept(keep: boolean) {
  const a = newStack([A4], 1);
  const b = newStack([B4], 2, { tcp: { acceptQueueKeepsClosed: keep } });
  const wire = new Wire([a, b]);
  wire.latency = 5;
  const l = b.listen(80, { backlog: 4 });
  const client = a.connect({ address: B4, port: 80 }, 0);
  wire.run(100);
  assert.equal(l.acceptQueue.length, 1);
  client.send(bytesOf('before the reset'), wire.now);
  wire.run(200);
  client.abort(wire.now);
  wire.run(300);
  return { l, now: wire.now };
}

test('acceptQueueKeepsClosed on: a connection reset before accept() is accepted CLOSED, its data readable', () => {
  const { l, now } = resetBeforeAccept(true);
  const c = l.accept();
  assert.ok(c, 'accept() returns the reset connection');
  assert.equal(c.state, 'CLOSED');
  assert.equal(textOf(c.read(undefined, now)), 'before the reset');
  assert.equal(l.accept(), undefined);
});

test('acceptQueueKeepsClosed off: a connection reset before accept() leaves the queue', () => {
  const { l } = resetBeforeAccept(false);
  assert.equal(l.acceptQueue.length, 0);
  assert.equal(l.accept(), undefined);
});
