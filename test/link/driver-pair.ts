/**
 * Two device drivers back to back in memory (test/link's offload tests): a transfer of `data` from
 * stack `a` (198.18.0.1) to a listener on port 80 of stack `b` (198.18.0.2), each behind its driver.
 * It waits for the last byte (an event), bounded by a 20 s guard, and stops both drivers.
 */
import type { DeviceDriver } from '../../src/link/device.js';
import type { Connection } from '../../src/stack/connection.js';
import type { Stack } from '../../src/stack/stack.js';

export interface DriverTransfer {
  /** What b's application read, in order. */
  received: Uint8Array;
  /** a's connection and b's. */
  client: Connection;
  server: Connection;
}

export async function driverTransfer(a: Stack, da: DeviceDriver, b: Stack, db: DeviceDriver, data: Uint8Array, label = ''): Promise<DriverTransfer> {
  const parts: Uint8Array[] = [];
  let got = 0;
  const listener = b.listen(80);
  let server: Connection | undefined;
  let client: Connection | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`transfer incomplete after 20 s: ${got} of ${data.length}${label}`)), 20_000);
      db.host.onEvent((e) => {
        if (e.type === 'connection') server = listener.accept();
        if (server === undefined) return;
        for (let d = server.read(undefined, db.currentTime()); d; d = server.read(undefined, db.currentTime())) {
          parts.push(d.slice());
          got += d.length;
        }
        if (got >= data.length) {
          clearTimeout(guard);
          resolve();
        }
      });
      const c = a.connect({ address: '198.18.0.2', port: 80 }, da.currentTime());
      client = c;
      let sent = 0;
      const pump = (): void => {
        while (sent < data.length) {
          const n = c.send(data.subarray(sent), da.currentTime());
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
  return { received, client: client!, server: server! };
}
