/**
 * Segmentation offload on a real-time device driver (DeviceDriver, under TUN, TAP and UDP links): off
 * unless asked for; a stack made with `gsoMaxSize` has its large packets cut by the driver before the
 * device's `send`, and `gro: true` merges one read batch's segments before the stack.
 *
 * Two drivers joined back to back in memory (driver-pair.ts): what one sends is handed to the other as
 * one batch (`receive` for each, then `flush`) on the next turn of the event loop, as a TUN device's
 * readable event would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceDriver, type PacketSink } from '../../src/link/device.js';
import { Stack } from '../../src/stack/stack.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { driverTransfer } from './driver-pair.js';

class Wire implements PacketSink {
  peer: DeviceDriver | undefined;
  readonly sizes: number[] = [];
  private batch: Uint8Array[] = [];
  send(packet: Uint8Array): boolean {
    this.sizes.push(packet.length);
    if (this.batch.length === 0) {
      setImmediate(() => {
        const b = this.batch;
        this.batch = [];
        for (const p of b) this.peer!.receive(p.slice());
        this.peer!.flush();
      });
    }
    this.batch.push(packet);
    return true;
  }
}

async function run(offload: boolean): Promise<{ aWire: Wire; merges: number; received: Uint8Array; data: Uint8Array }> {
  const a = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(1), gsoMaxSize: offload ? 65535 : 0 });
  const b = new Stack({ addresses: ['198.18.0.2'], random: new SeededRandom(2) });
  const aWire = new Wire();
  const bWire = new Wire();
  const da = new DeviceDriver(a, aWire, { name: 'a' });
  const db = new DeviceDriver(b, bWire, { name: 'b', gro: offload });
  aWire.peer = db;
  bWire.peer = da;
  const data = new Uint8Array(1_000_000).map((_, i) => (i * 13 + (i >>> 9)) & 0xff);
  const { received } = await driverTransfer(a, da, b, db, data, ` (offload ${offload})`);
  return { aWire, merges: db.host.gro?.merges ?? 0, received, data };
}

test('a device driver cuts an offloading stack\'s packets to the MTU and merges a batch before the stack (gro: true)', async () => {
  const on = await run(true);
  assert.deepEqual(on.received, on.data, 'the bytes arrive whole and in order');
  assert.ok(on.aWire.sizes.every((n) => n <= 1500), `every packet the device got fits the MTU (largest ${Math.max(...on.aWire.sizes)})`);
  assert.ok(on.merges > 0, 'the receiver merged segments');
});

test('off by default: a driver hands a stack without gsoMaxSize\'s packets as they are, and merges nothing', async () => {
  const off = await run(false);
  assert.deepEqual(off.received, off.data);
  assert.equal(off.merges, 0);
  assert.ok(off.aWire.sizes.every((n) => n <= 1500));
});
