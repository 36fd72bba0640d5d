/**
 * The device driver's side of TUN offload (DeviceDriver with a sink that has `sendOffloaded`, and
 * `receiveOffloaded`), without a device: two drivers back to back in memory, each "device" doing
 * what the kernel does with IFF_VNET_HDR and TUNSETOFFLOAD. What one stack hands its device whole
 * (a 64 KB super-packet, Stack.transmitGsoSize) reaches the other whole, as the kernel's own TSO
 * packets reach synack; and every TCP packet arrives as NEEDS_CSUM leaves it, its checksum field
 * holding only the pseudo-header sum (not a valid checksum).
 *
 * What must hold:
 *   - The bytes arrive whole and in order, with no checksum error, though no packet's checksum
 *     verifies (the device vouches for them: Stack.handleChecksumVouched, Stack.handleMerged), while the
 *     same kind of packet handed over as a plain one is dropped as a checksum error.
 *   - A super-packet counts as the wire segments it holds (RFC 4022 / RFC 4293 counters, the TCB's
 *     InSegs, which the delayed ACK's every-second-segment rule counts too): the receiver counts
 *     exactly the segments the sender counted, and takes the sender's MSS, not 64 KB, as its segment
 *     size (tcp_info's rcv_mss, as Linux reads gso_size).
 * The transfer (driver-pair.ts) waits for its last byte (an event), bounded by a 20 s guard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceDriver, type PacketSink } from '../../src/link/device.js';
import { Stack } from '../../src/stack/stack.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { driverTransfer } from './driver-pair.js';
import { foldSum, onesSum, pseudoHeaderSumV4 } from '../../src/wire/checksum.js';

/** A copy of an IPv4 TCP packet with its checksum field as NEEDS_CSUM leaves it: the folded pseudo-header sum. */
function partial(p: Uint8Array): Uint8Array {
  const q = p.slice();
  const t = (q[0] & 0x0f) * 4;
  const u32 = (i: number) => ((q[i] << 24) | (q[i + 1] << 16) | (q[i + 2] << 8) | q[i + 3]) >>> 0;
  const sum = foldSum(pseudoHeaderSumV4(u32(12), u32(16), 6, q.length - t));
  q[t + 16] = sum >>> 8;
  q[t + 17] = sum & 0xff;
  return q;
}

function checksumValid(p: Uint8Array): boolean {
  const t = (p[0] & 0x0f) * 4;
  const u32 = (i: number) => ((p[i] << 24) | (p[i + 1] << 16) | (p[i + 2] << 8) | p[i + 3]) >>> 0;
  return foldSum(onesSum(p, t, p.length, pseudoHeaderSumV4(u32(12), u32(16), 6, p.length - t))) === 0xffff;
}

/** An offloading device joined to its peer's: one batch per turn of the event loop, as a readable event. */
class OffloadWire implements PacketSink {
  peer: DeviceDriver | undefined;
  superPackets = 0;
  largest = 0;
  validChecksums = 0;
  private batch: Array<{ p: Uint8Array; gso: number }> = [];
  send(packet: Uint8Array): boolean {
    return this.queue(packet, 0);
  }
  sendOffloaded(packet: Uint8Array, gsoSize: number): boolean {
    this.superPackets++;
    return this.queue(packet, gsoSize);
  }
  private queue(packet: Uint8Array, gso: number): boolean {
    this.largest = Math.max(this.largest, packet.length);
    const p = packet[9] === 6 ? partial(packet) : packet.slice();
    if (checksumValid(p)) this.validChecksums++;
    if (this.batch.length === 0) {
      setImmediate(() => {
        const b = this.batch;
        this.batch = [];
        for (const x of b) this.peer!.receiveOffloaded(x.p, x.gso, true);
        this.peer!.flush();
      });
    }
    this.batch.push({ p, gso });
    return true;
  }
}

test('offloading devices back to back: super-packets both ways, counted as their segments, partial checksums vouched for', async () => {
  const a = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(1), gsoMaxSize: 65535 });
  const b = new Stack({ addresses: ['198.18.0.2'], random: new SeededRandom(2), gsoMaxSize: 65535 });
  const aWire = new OffloadWire();
  const bWire = new OffloadWire();
  const da = new DeviceDriver(a, aWire, { name: 'a' });
  const db = new DeviceDriver(b, bWire, { name: 'b' });
  aWire.peer = db;
  bWire.peer = da;
  const data = new Uint8Array(2_000_000).map((_, i) => (i * 13 + (i >>> 9)) & 0xff);
  const { received, client: conn, server: peer } = await driverTransfer(a, da, b, db, data);
  assert.deepEqual(received, data, 'the bytes arrive whole and in order');
  assert.ok(aWire.superPackets > 0 && aWire.largest > 1500, `the sender handed its device super-packets (${aWire.superPackets}, largest ${aWire.largest})`);
  assert.equal(da.stats.gsoPacketsOut, aWire.superPackets);
  assert.equal(db.stats.gsoPacketsIn, aWire.superPackets, 'the receiver took them whole');
  assert.equal(aWire.validChecksums + bWire.validChecksums, 0, 'no TCP checksum on the way verified');
  assert.equal(b.counters.tcp.InCsumErrors, 0);
  assert.equal(a.counters.tcp.InCsumErrors, 0);
  // Counted as the wire segments they hold, on both sides of the link and in the TCBs.
  assert.equal(b.counters.ip.InReceives, a.counters.ip.OutRequests, 'IP: the receiver counts what the sender counted');
  assert.equal(peer.tcb.stats.InSegs, conn.tcb.stats.OutSegs, 'TCP: InSegs counts each segment of a super-packet');
  assert.ok(peer.tcb.stats.InSegs > db.stats.packetsIn, 'more segments than reads');
  const mss = conn.tcb.sendMss;
  assert.equal(peer.tcb.info?.rcvMss, mss, "the receiver's segment-size estimate is the sender's MSS (gso_size), not the super-packet");

  // The same kind of packet, handed over as a plain one: its partial checksum does not verify.
  const before = b.counters.tcp.InCsumErrors;
  const probe = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(3) });
  probe.connect({ address: '198.18.0.2', port: 81 }, 0);
  const syn = probe.pollTransmit(0)!;
  b.handlePacket(partial(syn), db.currentTime());
  assert.equal(b.counters.tcp.InCsumErrors, before + 1, 'a partial checksum not vouched for is a checksum error');
});
