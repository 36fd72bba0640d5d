/**
 * A real HTTP client and server (Node's own, on loopback) with synack's proxy between them: each
 * request crosses a simulated 50 ms path that loses 2% of its packets, and TCP deals with it. The
 * README's example. Run: `node dist/examples/proxy-http.js`.
 */
import http from 'node:http';
import { once } from 'node:events';
import { createProxy } from '../src/workloads/index.js';

const server = http.createServer((req, res) => res.end(`hello from the far side: you asked for ${req.url}\n`.repeat(1000)));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };

// 25 ms each way, 2% loss each way, 20 Mbit/s: a poor path, with the same seed, the same losses.
const proxy = await createProxy({ upstream: `127.0.0.1:${port}`, seed: 1, link: { delayMs: 25, loss: 0.02, rateBps: 20e6 } });

const started = performance.now();
const body = await new Promise<string>((resolve, reject) => {
  http
    .get({ host: '127.0.0.1', port: proxy.address!.port, path: '/index.html' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    })
    .on('error', reject);
});
const ms = performance.now() - started;
const [c] = proxy.stats();
console.log(`GET /index.html through the proxy: ${body.length} bytes in ${ms.toFixed(0)} ms`);
console.log(`first line: ${body.split('\n')[0]}`);
console.log(`the path: rtt ${c.rttMs?.toFixed(1)} ms; packets lost ${proxy.link.stats.lost}, segments retransmitted ${c.retransmissions}; bytes up ${c.bytesUp}, down ${c.bytesDown}`);

await proxy.close();
server.close();
