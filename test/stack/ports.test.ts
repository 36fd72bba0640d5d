/**
 * Ephemeral ports, RFC 6056 §3.3.3 (Algorithm 3, Simple Hash-Based Port Selection):
 *
 *   offset = F(local_IP, remote_IP, remote_port, secret_key)
 *   port = min_ephemeral + (next_ephemeral + offset) % num_ephemeral; next_ephemeral++
 *
 * so ports for one destination advance in sequence from a point chosen by a keyed hash of the
 * destination, and different destinations start at unrelated points (an observer of one
 * connection's port learns nothing about another destination's). A port is free when its 4-tuple
 * is (a pair of sockets names a connection, RFC 9293 §2.7), so the range is exhausted per
 * destination, and a 4-tuple in TIME-WAIT is not handed out again.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, C4, clientServerWire, drainOut, newStack } from './helpers.js';
import { TcpError } from '../../src/tcp/tcb.js';

const MIN = 49152;
const N = 65536 - MIN;
const step = (from: number, to: number, min = MIN, n = N) => (((to - min - (from - min)) % n) + n) % n;
const inUse = (e: unknown) => e instanceof TcpError && e.code === 'EADDRINUSE';
/** No ephemeral port left: EADDRNOTAVAIL, as Linux's connect(2). */
const noPort = (e: unknown) => e instanceof TcpError && e.code === 'EADDRNOTAVAIL';

describe('RFC 6056 Algorithm 3', () => {
  test('every port is in 49152..65535 (IANA dynamic range)', () => {
    const a = newStack([A4], 1);
    for (let i = 0; i < 500; i++) {
      const c = a.connect({ address: `198.18.${1 + (i % 7)}.${1 + (i % 250)}`, port: 1 + (i % 1000) }, 0);
      assert.ok(c.local.port >= 49152 && c.local.port <= 65535, `port ${c.local.port}`);
    }
  });

  test('for one destination, ports advance in sequence (wrapping within the range)', () => {
    const a = newStack([A4], 2);
    const ports = Array.from({ length: 200 }, () => a.connect({ address: B4, port: 80 }, 0).local.port);
    for (let i = 1; i < ports.length; i++) assert.equal(step(ports[i - 1], ports[i]), 1, `ports ${ports[i - 1]} -> ${ports[i]}`);
  });

  test('ports advance in sequence across the top of the range', () => {
    // A range of 8 ports: one destination takes all 8 in sequence, wrapping from 50007 to 50000.
    const a = newStack([A4], 3, { limits: { ephemeralMin: 50000, ephemeralMax: 50007 } });
    const ports = Array.from({ length: 8 }, () => a.connect({ address: B4, port: 80 }, 0).local.port);
    assert.deepEqual([...ports].sort((x, y) => x - y), [50000, 50001, 50002, 50003, 50004, 50005, 50006, 50007]);
    for (let i = 1; i < 8; i++) assert.equal(step(ports[i - 1], ports[i], 50000, 8), 1);
  });

  test('different destinations start at hash-chosen offsets, not from one global counter', () => {
    const a = newStack([A4], 4);
    // One connection to each of 40 destinations in turn (remote address or remote port differs).
    const dests = Array.from({ length: 40 }, (_, i) => (i % 2 ? { address: `198.18.0.${10 + i}`, port: 80 } : { address: B4, port: 1000 + i }));
    const ports = dests.map((d) => a.connect(d, 0).local.port);
    let consecutive = 0;
    for (let i = 1; i < ports.length; i++) if (step(ports[i - 1], ports[i]) === 1) consecutive++;
    // A global counter would make all 39 steps 1; a hash offset makes a step of 1 a 1-in-16384 chance.
    assert.ok(consecutive <= 1, `${consecutive} of 39 steps were +1: ${ports.join(' ')}`);
    // The steps are spread over the range, not clustered.
    const steps = ports.slice(1).map((p, i) => step(ports[i], p));
    assert.ok(new Set(steps).size >= 35, 'steps differ from destination to destination');
  });

  test('interleaving another destination does not derail one destination\'s sequence', () => {
    const a = newStack([A4], 5);
    const x1 = a.connect({ address: B4, port: 80 }, 0).local.port;
    const y1 = a.connect({ address: C4, port: 80 }, 0).local.port;
    const x2 = a.connect({ address: B4, port: 80 }, 0).local.port;
    const y2 = a.connect({ address: C4, port: 80 }, 0).local.port;
    // next_ephemeral moved by one for each selection in between: x and y each advance by 2.
    assert.equal(step(x1, x2), 2);
    assert.equal(step(y1, y2), 2);
    assert.notEqual(step(x1, y1), 1);
  });

  test('another secret key gives another offset for the same destination', () => {
    const firsts = new Set<number>();
    for (let seed = 10; seed < 30; seed++) firsts.add(newStack([A4], seed).connect({ address: B4, port: 80 }, 0).local.port);
    assert.ok(firsts.size >= 18, 'first ports from 20 keys');
  });
});

describe('exhaustion (EADDRNOTAVAIL) and EADDRINUSE', () => {
  test('the range is exhausted per destination: the fifth connection of four ports fails, another destination still works', () => {
    const a = newStack([A4], 6, { limits: { ephemeralMin: 50000, ephemeralMax: 50003 } });
    const used = Array.from({ length: 4 }, () => a.connect({ address: B4, port: 80 }, 0).local.port);
    assert.deepEqual([...used].sort(), [50000, 50001, 50002, 50003]);
    assert.throws(() => a.connect({ address: B4, port: 80 }, 0), noPort);
    // The same four ports toward another destination are other 4-tuples.
    const other = Array.from({ length: 4 }, () => a.connect({ address: B4, port: 81 }, 0).local.port);
    assert.deepEqual([...other].sort(), [50000, 50001, 50002, 50003]);
    assert.throws(() => a.connect({ address: B4, port: 81 }, 0), noPort);
    // One connection to B4:80 goes away: its port is the one handed out next.
    const gone = [...a.connections()].find((c) => c.remote.port === 80)!;
    gone.abort(1);
    drainOut(a, 1);
    assert.equal(a.connect({ address: B4, port: 80 }, 2).local.port, gone.local.port);
  });

  test('a 4-tuple in TIME-WAIT is not handed out again', () => {
    const { a, b, wire, listener: l } = clientServerWire([7, 8], { client: { limits: { ephemeralMin: 50000, ephemeralMax: 50001 } } });
    const conns = [a.connect({ address: B4, port: 80 }, 0), a.connect({ address: B4, port: 80 }, 0)];
    wire.run(5);
    for (const c of conns) c.close(wire.now);
    wire.run(10);
    for (let s = l.accept(); s; s = l.accept()) s.close(wire.now);
    wire.run(20);
    assert.deepEqual(conns.map((c) => c.state), ['TIME-WAIT', 'TIME-WAIT']);
    assert.throws(() => a.connect({ address: B4, port: 80 }, wire.now), noPort);
    // After 2*MSL the ports are free again.
    wire.run(wire.now + 2 * a.config.mslMs + 1);
    assert.equal([...a.connections()].length, 0);
    const again = a.connect({ address: B4, port: 80 }, wire.now);
    assert.ok(again.local.port === 50000 || again.local.port === 50001);
  });

  test('an explicit local port whose 4-tuple is taken: EADDRINUSE; toward another peer it is fine', () => {
    const a = newStack([A4], 9);
    a.connect({ address: B4, port: 80 }, 0, { localPort: 40000 });
    assert.throws(() => a.connect({ address: B4, port: 80 }, 0, { localPort: 40000 }), inUse);
    assert.equal(a.connect({ address: B4, port: 81 }, 0, { localPort: 40000 }).local.port, 40000);
    assert.equal(a.connect({ address: C4, port: 80 }, 0, { localPort: 40000 }).local.port, 40000);
  });

  test('ports being listened on are not handed out as ephemeral ports', () => {
    const a = newStack([A4], 10, { limits: { ephemeralMin: 50000, ephemeralMax: 50003 } });
    a.listen(50000);
    a.listen(50001);
    a.listen(50003);
    for (let i = 0; i < 3; i++) {
      const c = a.connect({ address: B4, port: 80 + i }, 0);
      assert.equal(c.local.port, 50002);
    }
  });

  test('a listener bound to another address of the stack leaves its port free for connections from this one', () => {
    const a = newStack([A4, C4], 11, { limits: { ephemeralMin: 50000, ephemeralMax: 50001 } });
    a.listen(50000, { address: C4 }); // C4's port 50000: not A4's
    a.listen(50001, { address: A4 });
    const ports = new Set<number>();
    for (let i = 0; i < 2; i++) ports.add(a.connect({ address: B4, port: 80 + i }, 0).local.port);
    assert.deepEqual([...ports], [50000], 'A4:50001 is listened on, A4:50000 is not');
    // From C4, 50000 is taken by its listener and 50001 is free.
    assert.equal(a.connect({ address: B4, port: 90 }, 0, { localAddress: C4 }).local.port, 50001);
    // Listening on every address at a port bound on one address is refused, and the other way round.
    assert.throws(() => a.listen(50000), /already in use/);
    a.listen(50002);
    assert.throws(() => a.listen(50002, { address: C4 }), /already in use/);
  });
});
