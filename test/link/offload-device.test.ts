/**
 * Segmentation offload on a real-time device driver (DeviceDriver, under TUN, TAP and UDP links): off
 * unless asked for; a stack made with `gsoMaxSize` has its large packets cut by the driver before the
 * device's `send`, and `gro: true` merges one read batch's segments before the stack.
 *
 * Two drivers joined back to back in memory: what one sends is handed to the other as one batch
 * (`receive` for each, then `flush`) on the next turn of the event loop, as a TUN device's readable
 * event would. The test waits for the transfer's last byte (an event), bounded by a 20 s guard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceDriver, type PacketSink } from '../../src/link/device.js';
import { Stack } from '../../src/stack/stack.js';
import { SeededRandom } from '../../src/tcp/random.js';
import type { Connection } from '../../src/stack/connection.js';

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
  const parts: Uint8Array[] = [];
  let got = 0;
  const listener = b.listen(80);
  let peer: Connection | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`transfer incomplete after 20 s: ${got} of ${data.length} (offload ${offload})`)), 20_000);
      db.host.onEvent((e) => {
        if (e.type === 'connection') peer = listener.accept();
        if (peer === undefined) return;
        for (let d = peer.read(undefined, db.currentTime()); d; d = peer.read(undefined, db.currentTime())) {
          parts.push(d.slice());
          got += d.length;
        }
        if (got >= data.length) {
          clearTimeout(guard);
          resolve();
        }
      });
      const conn = a.connect({ address: '198.18.0.2', port: 80 }, da.currentTime());
      let sent = 0;
      const pump = (): void => {
        while (sent < data.length) {
          const n = conn.send(data.subarray(sent), da.currentTime());
          if (n === 0) return;
          sent += n;
        }
      };
      da.host.onEvent(() => pump());
      da.host.kick();
    });
  } finally {
    da.stop();
    db.stop();
  }
  const received = new Uint8Array(got);
  let at = 0;
  for (const p of parts) {
    received.set(p, at);
    at += p.length;
  }
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
