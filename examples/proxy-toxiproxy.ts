/**
 * For toxiproxy users: synack's toxiproxy-compatible API driven by toxiproxy's own Node client
 * (toxiproxy-node-client, unchanged), in front of a real HTTP server. toxiproxy's `latency` toxic,
 * then synack's `loss` toxic, which a byte-stream proxy cannot have: TCP meets real loss on the path
 * and retransmits. The README's worked example. Run: `node dist/examples/proxy-toxiproxy.js`.
 */
import http from 'node:http';
import { once } from 'node:events';
import { Toxiproxy, type Latency, type ToxicType } from 'toxiproxy-node-client';
import { startApi } from '../src/workloads/index.js';

const server = http.createServer((req, res) => res.end('x'.repeat(300_000)));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const upstream = `127.0.0.1:${(server.address() as { port: number }).port}`;

// What `synack proxy --api 127.0.0.1:8474` runs; port 0 here picks a free one.
const api = await startApi({ listen: '127.0.0.1:0', defaults: { seed: 1 } });
const toxiproxy = new Toxiproxy(`http://127.0.0.1:${api.address!.port}`);
const app = await toxiproxy.createProxy({ name: 'app', listen: '127.0.0.1:0', upstream });
console.log(`proxy ${app.name}: ${app.listen} -> ${app.upstream}`);

/** GET / through the proxy, on a new connection: how long it took. */
async function get(what: string): Promise<void> {
  const started = performance.now();
  const bytes = await new Promise<number>((resolve, reject) => {
    http
      .get(`http://${app.listen}/`, { agent: false }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => resolve(n));
      })
      .on('error', reject);
  });
  console.log(`${what}: ${bytes} bytes in ${(performance.now() - started).toFixed(0)} ms`);
}

await get('no toxic');
// toxiproxy's latency toxic: 50 ms on the way back (downstream), on every packet of the path.
await app.addToxic<Latency>({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 50, jitter: 0 } });
await get('latency 50 ms');
// synack's own: 5% of the packets on the way back are lost, and TCP recovers them. (The client
// knows only toxiproxy's types, hence the cast.)
await app.addToxic({ name: 'lossy', type: 'loss' as string as ToxicType, stream: 'downstream', toxicity: 1, attributes: { probability: 0.05 } });
await get('latency 50 ms, 5% loss');

// Each connection as the path saw it (synack's route beside toxiproxy's).
const connections = (await fetch(`http://127.0.0.1:${api.address!.port}/proxies/app/connections`).then((r) => r.json())) as Array<{ id: number; retransmissions: number; rttMs: number }>;
for (const c of connections) console.log(`connection ${c.id}: rtt ${c.rttMs.toFixed(0)} ms, ${c.retransmissions} segments retransmitted`);

await toxiproxy.reset();
await api.close();
server.close();
