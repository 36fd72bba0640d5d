/**
 * The heap-per-idle-connection row: JavaScript heap per idle ESTABLISHED connection with 100,000
 * connections open between two simulated stacks in one process. Both ends are counted, so the heap
 * delta (after a forced GC, before and after opening them) is divided by 200,000 TCBs. The client
 * uses two addresses so that 100,000 connections to one server port fit in its ephemeral ports.
 * Reference: Linux's struct tcp_sock, 2664 bytes, a constant (not measured in this run).
 */
import { forcedGc } from './harness.js';
import { CLIENT_ADDRESS, makePair, SERVER_ADDRESS } from './sim-pair.js';
import type { BenchSuite, Row } from './harness.js';

const CONNECTIONS = 100_000;
const BATCH = 1_000;
const PORT = 5001;
const LINUX_TCP_SOCK = 2664;
const SECOND_CLIENT_ADDRESS = '198.18.0.3';

function gc(): void {
  const g = forcedGc();
  if (!g) throw new Error('heap-per-idle-connection needs a forced GC (node --expose-gc; npm run bench passes it)');
  g();
  g();
}

/** Bytes of heap per TCB with `connections` idle ESTABLISHED connections (2 TCBs each). */
export function heapPerIdleTcb(connections: number, seed = 1): { bytesPerTcb: number; established: number } {
  const pair = makePair({
    seed,
    link: { delayMs: 1, mtu: 1500 },
    tcp: {},
    checksumOffload: true,
    ephemeralMin: 1024,
    clientAddresses: [CLIENT_ADDRESS, SECOND_CLIENT_ADDRESS],
  });
  const { net, client, server } = pair;
  const listener = server.stack.listen(PORT, { backlog: BATCH * 2 });
  let accepted = 0;
  let established = 0;
  server.onEvent((e) => {
    if (e.type === 'connection') for (let c = e.listener.accept(); c; c = e.listener.accept()) accepted++;
  });
  client.onEvent((e) => {
    if (e.type === 'event' && e.event.type === 'connected') established++;
  });
  // Warm the code paths, so compiled code and inline caches are not counted as per-connection heap.
  net.runFor(1);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let opened = 0; opened < connections; ) {
    const now = net.currentTime();
    const n = Math.min(BATCH, connections - opened);
    for (let k = 0; k < n; k++, opened++) {
      client.stack.connect({ address: SERVER_ADDRESS, port: PORT }, now, { localAddress: opened % 2 ? SECOND_CLIENT_ADDRESS : CLIENT_ADDRESS });
    }
    client.kick();
    net.runUntil(() => accepted >= opened && established >= opened, 60_000);
  }
  // Idle: let delayed ACKs and any other timers of the handshake run out.
  net.runFor(1_000);
  gc();
  const after = process.memoryUsage().heapUsed;
  let open = 0;
  for (const h of [client, server]) for (const c of h.stack.connections()) if (c.state === 'ESTABLISHED') open++;
  if (open !== 2 * connections) throw new Error(`heap-per-idle-connection: ${open} ESTABLISHED TCBs, expected ${2 * connections} (seed ${seed})`);
  // Keep the network reachable until after the measurement.
  if (listener.closed) throw new Error('listener closed');
  return { bytesPerTcb: (after - before) / (2 * connections), established: open };
}

export const memorySuite: BenchSuite = {
  name: 'memory',
  cases: [
    {
      name: 'heap-per-idle-connection',
      run(): Row {
        const { bytesPerTcb } = heapPerIdleTcb(CONNECTIONS);
        return {
          name: 'heap-per-idle-connection',
          value: bytesPerTcb,
          unit: 'B/TCB',
          reference: 'Linux tcp_sock (const)',
          referenceValue: LINUX_TCP_SOCK,
          ratio: bytesPerTcb / LINUX_TCP_SOCK,
          target: { atMost: 1024 },
        };
      },
    },
  ],
};
