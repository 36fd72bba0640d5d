/**
 * A transfer costs what it carries, not what it was asked to carry: the data is made as the send
 * buffer takes it and hashed as it passes, and checking what arrived regenerates only what arrived.
 * Counted, not timed: every data byte comes from SeededRandom.bytes, which the tests count.
 * And the streaming hashes still catch one corrupted byte that the TCP checksum let through.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { runTransfer } from '../../src/workloads/transfer.js';
import { simulateTransfer } from '../../src/workloads/scenario.js';
import { simSpecFromArgs } from '../../src/cli/sim.js';

const original = SeededRandom.prototype.bytes;
let counted = 0;
beforeEach(() => {
  counted = 0;
  SeededRandom.prototype.bytes = function (n: number) {
    counted += n;
    return original.call(this, n);
  };
});
afterEach(() => {
  SeededRandom.prototype.bytes = original;
});

// What a sender may have made beyond what arrived: its send buffer's most (4 MiB auto-tuned) and a chunk.
const SLACK = 4 * 2 ** 20 + 16 * 1024;

test('a gigabyte asked for, 300 ms of virtual time given: the bytes made follow what was carried', () => {
  const seed = 21;
  const r = simulateTransfer({ seed, bytes: 1_000_000_000, direction: 'up', link: { delayMs: 5, rateBps: 10e6 }, maxMs: 300 }).report;
  assert.equal(r.ok, false, `seed ${seed}`);
  assert.match(r.reason!, /virtual time limit/);
  const carried = r.up.receivedBytes;
  assert.ok(carried > 0 && carried < 1_000_000, `seed ${seed}: ${carried} bytes`);
  // Made by the sender, then made again to check the receiver's prefix: about twice what was carried.
  assert.ok(counted <= 2 * carried + SLACK, `seed ${seed}: ${counted} bytes generated for ${carried} carried`);
  // The report's own count: the data bytes among those counted (the stacks draw a few for secrets).
  assert.ok(r.generatedBytes >= carried && r.generatedBytes <= counted, `seed ${seed}: ${r.generatedBytes}`);
  assert.ok(r.up.prefixIntact, `seed ${seed}: what arrived is the stream's own`);
});

test('a timed run with no end to the stream (Infinity bytes, synack sim --time) is ok, its goodput over the time given', () => {
  const seed = 22;
  const { spec } = simSpecFromArgs(['--seed', String(seed), '--time', '2000', '--rate', '20M', '--delay', '10', '--loss', '0.001']);
  assert.equal(spec.bytes, Infinity);
  const r = simulateTransfer(spec).report;
  assert.ok(r.ok, `seed ${seed}: ${r.reason}`);
  assert.equal(r.timed, true);
  assert.equal(r.virtualMs, 2000);
  assert.ok(r.up.prefixIntact && !r.up.endSeen);
  assert.ok(Math.abs(r.goodputBps - (r.up.receivedBytes * 8000) / 2000) < 1e-6);
  assert.ok(r.goodputBps > 5e6 && r.goodputBps <= 20e6, `seed ${seed}: ${r.goodputBps} bit/s`);
  assert.ok(counted <= 2 * r.up.receivedBytes + SLACK, `seed ${seed}: ${counted} generated for ${r.up.receivedBytes}`);
  assert.equal(r.generatedBytes <= counted, true);
});

function corruptedRun(seed: number, corrupt: boolean) {
  const net = new SimNetwork(seed);
  // Hosts that trust the link's integrity: the TCP checksum does not stop the flipped byte, the hashes must.
  const client = net.addHost('client', { addresses: ['198.18.0.1'], trustChecksums: true });
  const server = net.addHost('server', { addresses: ['198.18.0.2'], trustChecksums: true });
  const link = net.link(client, server, { delayMs: 5, rateBps: 50e6 });
  let dataPackets = 0;
  link.tap((packet, _t, from) => {
    if (from !== client || packet.length < 1000) return;
    if (++dataPackets === 50 && corrupt) packet[packet.length - 100] ^= 0x01; // one bit of one payload byte
  });
  return runTransfer(net, { client, server, up: Infinity, down: 0, dataSeed: seed }, { timeMs: 500 });
}

test('the streaming hashes catch one flipped payload byte the checksum let through (a timed run)', () => {
  const seed = 23;
  const clean = corruptedRun(seed, false);
  assert.ok(clean.ok, `seed ${seed}: ${clean.reason}`);
  assert.ok(clean.up.receivedBytes > 100_000);
  const bad = corruptedRun(seed, true);
  assert.equal(bad.ok, false, `seed ${seed}`);
  assert.equal(bad.up.prefixIntact, false);
  assert.match(bad.reason!, /corrupted/);
  assert.equal(bad.goodputBps, 0);
});

test('and in a run to the end: a finished stream with one flipped byte is not intact', () => {
  const seed = 24;
  const net = new SimNetwork(seed);
  const client = net.addHost('client', { addresses: ['198.18.0.1'], trustChecksums: true });
  const server = net.addHost('server', { addresses: ['198.18.0.2'], trustChecksums: true });
  const link = net.link(client, server, { delayMs: 2 });
  let n = 0;
  link.tap((packet, _t, from) => {
    if (from === client && packet.length > 1000 && ++n === 10) packet[packet.length - 1] ^= 0x80;
  });
  const r = runTransfer(net, { client, server, up: 200_000, down: 0, dataSeed: seed });
  assert.equal(r.ok, false, `seed ${seed}`);
  assert.equal(r.up.receivedBytes, 200_000);
  assert.equal(r.up.intact, false);
  assert.notEqual(r.up.receivedSha256, r.up.sentSha256);
  assert.match(r.reason!, /corrupted/);
});
