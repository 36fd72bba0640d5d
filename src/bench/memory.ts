/**
 * The heap-per-idle-connection row: JavaScript heap per idle ESTABLISHED connection with 100,000
 * connections open between two simulated stacks in one process. Both ends are counted, so the heap
 * delta (after a forced GC, before and after opening them) is divided by 200,000 TCBs. The client
 * uses two addresses so that 100,000 connections to one server port fit in its ephemeral ports.
 * Reference: Linux's struct tcp_sock, 2664 bytes, a constant (not measured in this run).
 *
 * The heap-per-time-wait-entry row: JavaScript heap per TIME-WAIT entry at the server after
 * 10,000 request/response cycles (connectionCycles: the server closes first, so each cycle leaves
 * one entry for 2*MSL), with the connection the entry keeps for the application (its 'closed' at
 * 2*MSL, its state, counters and unread bytes). Reference, measured in the same run: the bare
 * record, the same heap once every entry has let go of its connection (what Linux's model, CLOSED
 * at once, would keep).
 */
import { forcedGc } from './harness.js';
import { CLIENT_ADDRESS, connectionCycles, LOOPBACK_RECEIVE_BATCH, makePair, SERVER_ADDRESS } from './sim-pair.js';
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

const TIME_WAIT_ENTRIES = 10_000;

/**
 * Bytes of heap per TIME-WAIT entry with `entries` of them (after a forced GC, against the heap
 * before the cycles): `perEntry` with the connections the entries keep, `bareRecord` once every
 * entry has let go of its connection.
 */
export function heapPerTimeWaitEntry(entries: number, seed = 1): { perEntry: number; bareRecord: number } {
  const pair = makePair({ seed, link: { delayMs: 0.001, mtu: 65535 }, tcp: { mtu: 65535 }, checksumOffload: true, ephemeralMin: 1024, receiveBatch: LOOPBACK_RECEIVE_BATCH });
  const stack = pair.server.stack;
  // Warm the code paths, then let the warm-up's entries end (2*MSL is 60 s of virtual time).
  connectionCycles(pair, 200, 64);
  pair.net.runFor(130_000);
  if (stack.timeWaitCount !== 0) throw new Error(`heap-per-time-wait-entry: ${stack.timeWaitCount} entries left after warm-up (seed ${seed})`);
  gc();
  const before = process.memoryUsage().heapUsed;
  const done = connectionCycles(pair, entries, 64);
  gc();
  const held = process.memoryUsage().heapUsed;
  const n = stack.timeWaitCount;
  if (done !== entries || n !== entries) throw new Error(`heap-per-time-wait-entry: ${done} cycles, ${n} entries, expected ${entries} (seed ${seed})`);
  for (const tw of stack.timeWaitEntries()) tw.owner = undefined;
  gc();
  const bare = process.memoryUsage().heapUsed;
  if (stack.timeWaitCount !== n) throw new Error('heap-per-time-wait-entry: entries ended during the measurement');
  return { perEntry: (held - before) / n, bareRecord: (bare - before) / n };
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
    {
      name: 'heap-per-time-wait-entry',
      run(): Row {
        const { perEntry, bareRecord } = heapPerTimeWaitEntry(TIME_WAIT_ENTRIES);
        return {
          name: 'heap-per-time-wait-entry',
          value: perEntry,
          unit: 'B/entry',
          reference: 'the bare TIME-WAIT record',
          referenceValue: bareRecord,
          ratio: perEntry / bareRecord,
          target: { atMost: 2048 },
        };
      },
    },
  ],
};
