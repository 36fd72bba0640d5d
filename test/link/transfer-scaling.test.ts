/**
 * A transfer costs what it carries, not what it was asked to carry: the data is made as the send
 * buffer takes it, the receiver compares what it reads with the stream made again alongside, and the
 * report makes it again once more, as far as the sender made it, to hash it. Counted, not timed:
 * every data byte comes from SeededRandom.fill, which the tests count. And the check as bytes are
 * read still catches one corrupted byte that the TCP checksum let through.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimNetwork } from '../../src/link/sim.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { runTransfer } from '../../src/workloads/transfer.js';
import { simulateTransfer } from '../../src/workloads/scenario.js';
import { simSpecFromArgs } from '../../src/cli/sim.js';

const original = SeededRandom.prototype.fill;
let counted = 0;
beforeEach(() => {
  counted = 0;
  SeededRandom.prototype.fill = function (out: Uint8Array) {
    counted += out.length;
    original.call(this, out);
  };
});
afterEach(() => {
  SeededRandom.prototype.fill = original;
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
  // Made by the sender, made again by the receiver to compare, and by the report to hash what the
  // sender made: about three times what was carried.
  assert.ok(counted <= 3 * carried + 2 * SLACK, `seed ${seed}: ${counted} bytes generated for ${carried} carried`);
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
  assert.ok(counted <= 3 * r.up.receivedBytes + 2 * SLACK, `seed ${seed}: ${counted} generated for ${r.up.receivedBytes}`);
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

test('the check as bytes are read catches one flipped payload byte the checksum let through (a timed run)', () => {
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
  let isn = 0;
  let flipped = -1; // the stream offset of the byte flipped
  link.tap((packet, _t, from) => {
    if (from !== client) return;
    const tcp = (packet[0] & 0x0f) * 4;
    const seq = new DataView(packet.buffer, packet.byteOffset).getUint32(tcp + 4);
    if (packet[tcp + 13] & 0x02) isn = seq; // SYN
    if (packet.length > 1000 && ++n === 10) {
      packet[packet.length - 1] ^= 0x80;
      flipped = seq - isn - 1 + packet.length - 1 - (tcp + (packet[tcp + 12] >>> 4) * 4);
    }
  });
  const r = runTransfer(net, { client, server, up: 200_000, down: 0, dataSeed: seed });
  assert.equal(r.ok, false, `seed ${seed}`);
  assert.equal(r.up.receivedBytes, 200_000);
  assert.equal(r.up.intact, false);
  assert.notEqual(r.up.receivedSha256, r.up.sentSha256);
  assert.match(r.reason!, /corrupted/);
  // The receiver's sha256 is that of the bytes as read: the stream with that one byte flipped.
  const read = new SeededRandom(seed, 1).bytes(200_000);
  assert.ok(flipped > 0 && flipped < 200_000, `offset ${flipped}`);
  read[flipped] ^= 0x80;
  assert.equal(r.up.receivedSha256, createHash('sha256').update(read).digest('hex'));
  assert.equal(r.up.sentSha256, createHash('sha256').update(new SeededRandom(seed, 1).bytes(200_000)).digest('hex'));
});
