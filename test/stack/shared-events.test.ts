/**
 * A connection's events cost no allocation: those with no fields of their own ('connected',
 * 'readable', 'writable', 'end', 'closed') and the state changes are frozen objects shared by every
 * connection (tcp/events.ts). Two connections' events of the same kind are the same object, and
 * still say what they said (a state change its two states), in the order they happened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { B4, clientServerWire, connEvents, establish, stackEvents } from './helpers.js';
import type { Connection } from '../../src/stack/connection.js';
import type { TcpEvent } from '../../src/tcp/events.js';

const show = (e: TcpEvent): string => (e.type === 'state' ? `${e.from}>${e.to}` : e.type);

test('field-less events and state changes are shared frozen objects, one per kind', () => {
  const { a, b, wire } = clientServerWire([31, 32], { latency: 1 });
  const lives: TcpEvent[][] = [];
  for (let k = 0; k < 2; k++) {
    stackEvents(a);
    const { c, s } = establish(wire, a, b, { address: B4, port: 80 });
    const events = connEvents(stackEvents(a), c);
    s.send(new Uint8Array([0x52]), wire.now);
    s.close(wire.now);
    wire.run(wire.now + 20);
    assert.deepEqual(c.read(undefined, wire.now), new Uint8Array([0x52]));
    (c as Connection).close(wire.now);
    wire.run(wire.now + 20);
    events.push(...connEvents(stackEvents(a), c));
    lives.push(events);
  }
  const [one, two] = lives;
  assert.deepEqual(one.map(show), [
    'CLOSED>SYN-SENT',
    'SYN-SENT>ESTABLISHED',
    'connected',
    'readable',
    'end',
    'ESTABLISHED>CLOSE-WAIT',
    'CLOSE-WAIT>LAST-ACK',
    'LAST-ACK>CLOSED',
    'closed',
  ]);
  assert.deepEqual(two.map(show), one.map(show));
  for (let i = 0; i < one.length; i++) {
    assert.equal(one[i], two[i], `${show(one[i])}: one object for both connections`);
    assert.ok(Object.isFrozen(one[i]), `${show(one[i])} is frozen`);
  }
});
