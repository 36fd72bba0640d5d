/**
 * One bulk transfer in a simulated network (test/link's offload and train tests): the client sends
 * `data` to a listener on port 80 of `address` as fast as its window lets it, and the server's
 * application reads and hashes everything, until all of it has arrived (or 600 s of virtual time).
 */
import { createHash } from 'node:crypto';
import type { Host } from '../../src/link/host.js';
import type { SimNetwork } from '../../src/link/sim.js';
import type { Connection } from '../../src/stack/connection.js';

export interface BulkResult {
  /** sha256 of what the server's application read, in hex. */
  received: string;
  /** Octets it read. */
  bytes: number;
}

export function bulkTransfer(net: SimNetwork, client: Host, server: Host, address: string, data: Uint8Array): BulkResult {
  const hash = createHash('sha256');
  let got = 0;
  let sent = 0;
  let peer: Connection | undefined;
  const conn = client.stack.connect({ address, port: 80 }, net.now);
  client.onEvent(() => {
    while (sent < data.length) {
      const n = conn.send(data.subarray(sent), net.now);
      if (n === 0) return;
      sent += n;
    }
  });
  server.onEvent((e) => {
    if (e.type === 'connection') peer = e.listener.accept();
    if (peer === undefined) return;
    for (let d = peer.read(undefined, net.now); d; d = peer.read(undefined, net.now)) {
      hash.update(d);
      got += d.length;
    }
  });
  client.kick();
  net.runUntil(() => got >= data.length, 600_000);
  return { received: hash.digest('hex'), bytes: got };
}
