/**
 * The transfer helper: what it sends, how it reports, and that it always ends (limits, stalls).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimNetwork } from '../../src/link/sim.js';
import { bytesEachWay, runTransfer, streamSha256, TransferSession } from '../../src/workloads/transfer.js';
import { simCommand, simulateTransfer } from '../../src/workloads/scenario.js';
import { SeededRandom } from '../../src/tcp/random.js';

function pair(seed: number) {
  const net = new SimNetwork(seed);
  const client = net.addHost('client', { addresses: ['198.18.0.1'] });
  const server = net.addHost('server', { addresses: ['198.18.0.2'] });
  const link = net.link(client, server, { delayMs: 5 });
  return { net, client, server, link };
}

describe('runTransfer', () => {
  test('sends the seeded bytes: the digests are those of SeededRandom(seed, 1 and 2).bytes(n)', () => {
    const { net, client, server } = pair(3);
    const r = runTransfer(net, { client, server, up: 100_003, down: 77_777, dataSeed: 42 });
    assert.ok(r.ok, r.reason);
    const sha = (stream: number, n: number) => createHash('sha256').update(new SeededRandom(42, stream).bytes(n)).digest('hex');
    assert.equal(r.up.sentSha256, sha(1, 100_003));
    assert.equal(r.up.receivedSha256, sha(1, 100_003));
    assert.equal(r.down.receivedSha256, sha(2, 77_777));
    assert.equal(streamSha256(42, 2, 77_777), sha(2, 77_777));
    assert.equal(r.up.receivedBytes, 100_003);
    assert.ok(r.up.intact && r.down.intact && r.up.endSeen && r.down.endSeen);
  });

  test('0 bytes each way: connect, FIN both ways, both CLOSED, one side through TIME-WAIT', () => {
    const { net, client, server } = pair(4);
    const r = runTransfer(net, { client, server, up: 0, down: 0, dataSeed: 1 });
    assert.ok(r.ok, r.reason);
    assert.equal(r.client.finalState, 'CLOSED');
    assert.equal(r.server.finalState, 'CLOSED');
    assert.ok(r.client.states.includes('TIME-WAIT') || r.server.states.includes('TIME-WAIT'));
    assert.equal(r.up.sentSha256, createHash('sha256').digest('hex'));
    assert.ok(r.closedMs! >= 60_000, 'TIME-WAIT (2*MSL = 60 s) is part of closing');
    assert.ok(r.virtualMs < 100);
  });

  test('half-close: the side that finishes first sends its FIN and keeps receiving', () => {
    const { net, client, server } = pair(5);
    const r = runTransfer(net, { client, server, up: 1000, down: 500_000, dataSeed: 1 });
    assert.ok(r.ok, r.reason);
    // The client sent 1000 bytes and its FIN long before the server finished: FIN-WAIT-2 while receiving.
    assert.deepEqual(r.client.states, ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
    assert.deepEqual(r.server.states, ['SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  });

  test('the same seed gives the same report, byte for byte; another seed another run', () => {
    const once = (seed: number) => simulateTransfer({ seed, bytes: 200_000, direction: 'both', link: { loss: 0.03, jitterMs: 3, delayMs: 4 } }).report;
    const a = once(11);
    assert.deepEqual(once(11), a);
    const b = once(12);
    assert.notEqual(b.up.sentSha256, a.up.sentSha256);
    assert.notDeepEqual(b, a);
  });

  test('reports goodput, counters and the path MTU', () => {
    const r = simulateTransfer({ seed: 1, bytes: 300_000, direction: 'up', link: { loss: 0.02, rateBps: 10e6, delayMs: 5 } }).report;
    assert.ok(r.ok, r.reason);
    assert.ok(r.goodputBps > 0 && r.goodputBps < 10e6);
    assert.ok(Math.abs(r.goodputBps - (300_000 * 8 * 1000) / r.virtualMs) < 1e-6);
    // 2% loss at 10 Mbit/s: recovered by fast retransmit on duplicate ACKs (NewReno), not by timeouts.
    assert.ok(r.retransmits > 0 && r.dupAcks > 0 && r.timeouts >= 0 && r.timeouts < r.retransmits, JSON.stringify([r.retransmits, r.timeouts, r.dupAcks]));
    assert.equal(r.client.pathMtu, 1500);
  });

  test('a step limit ends the run with a reason instead of hanging or throwing', () => {
    const { net, client, server } = pair(6);
    const r = runTransfer(net, { client, server, up: 1_000_000, down: 0, dataSeed: 1 }, { maxSteps: 50 });
    assert.equal(r.ok, false);
    assert.match(r.reason!, /gave up after 50 simulator steps/);
    assert.equal(r.steps, 51);
  });

  test('a virtual-time limit ends the run with a reason', () => {
    const { net, client, server } = pair(7);
    const r = runTransfer(net, { client, server, up: 1_000_000, down: 0, dataSeed: 1 }, { maxMs: 10 });
    assert.equal(r.ok, false);
    assert.match(r.reason!, /virtual time limit/);
    assert.ok(net.now <= 10);
  });

  test('no route to the server: the connect times out (SYN retries), the report says ETIMEDOUT', () => {
    const net = new SimNetwork(8);
    const client = net.addHost('client', { addresses: ['198.18.0.1'] });
    const server = net.addHost('server', { addresses: ['198.18.0.2'] });
    const r = runTransfer(net, { client, server, up: 10, down: 0, dataSeed: 1 });
    assert.equal(r.ok, false);
    assert.equal(r.client.error?.code, 'ETIMEDOUT');
    assert.equal(r.server.finalState, 'NONE');
    assert.equal(net.noRoute, 8, 'the SYN and its 7 retransmissions');
  });

  test('a paced reader (readRateBps) closes the window: zero-window probes, and still intact', () => {
    const r = simulateTransfer({ seed: 9, bytes: 200_000, direction: 'up', receiveBufferSize: 8192, readRateBps: 400_000 }).report;
    assert.ok(r.ok, r.reason);
    // 200 kB at 50 kB/s: about 4 s, set by the reader, not the link.
    assert.ok(r.virtualMs > 3_900 && r.virtualMs < 4_500, `${r.virtualMs} ms`);
  });

  test('IPv6, with path MTU discovery by ICMPv6 packet too big (RFC 8201) under loss', () => {
    const net = new SimNetwork(12);
    const client = net.addHost('client', { addresses: ['2001:db8::1'] });
    const server = net.addHost('server', { addresses: ['2001:db8::2'] });
    const link = net.link(client, server, { mtu: 1280, loss: 0.03, reorder: 0.03, delayMs: 3 });
    const r = runTransfer(net, { client, server, up: 150_000, down: 30_000, dataSeed: 12 });
    assert.ok(r.ok, r.reason);
    assert.ok(link.stats.tooBig > 0);
    assert.equal(r.client.pathMtu, 1280);
    assert.equal(r.server.pathMtu, 1280);
  });

  test('a TransferSession can be driven step by step', () => {
    const { net, client, server } = pair(10);
    const s = new TransferSession(net, { client, server, up: 5000, down: 5000, dataSeed: 3 });
    while (!s.finished) assert.ok(net.step(), 'something left to do');
    assert.ok(s.dataDoneAt !== undefined && s.closedAt !== undefined && s.closedAt >= s.dataDoneAt);
    assert.ok(s.report().ok);
  });

  test('bytesEachWay', () => {
    assert.deepEqual(bytesEachWay('up', 5), { up: 5, down: 0 });
    assert.deepEqual(bytesEachWay('down', 5), { up: 0, down: 5 });
    assert.deepEqual(bytesEachWay('both', 5), { up: 5, down: 5 });
  });
});

describe('simCommand', () => {
  test('prints only what differs from the defaults, and nothing for settings the command lacks', () => {
    assert.equal(simCommand({ seed: 1, bytes: 10, direction: 'up' }), 'synack sim --seed 1 --bytes 10 --direction up');
    assert.equal(
      simCommand({ seed: 2, bytes: 0, direction: 'both', link: { mtu: 576, loss: 0.01, delayMs: 1 }, hostMtu: 1500, userTimeoutMs: 5000, partition: { fromMs: 1, toMs: 2 }, readRateBps: 8000, timestamps: false }),
      'synack sim --seed 2 --bytes 0 --direction both --mtu 576 --host-mtu 1500 --loss 0.01 --user-timeout 5000 --read-rate 8000 --no-timestamps --partition 1-2',
    );
    assert.equal(simCommand({ seed: 1, bytes: 1, direction: 'up', tcp: { noDelay: true } }), undefined);
  });
});
