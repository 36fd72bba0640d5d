/**
 * Two simulated hosts, Node's own http server on one and http.get on the other, over synack: the
 * README's example. Run: `node dist/examples/http-sim.js`.
 */
import http from 'node:http';
import { SimNetwork, createServer, createConnection, listConnections, formatConnections } from '../src/index.js';

const net = new SimNetwork(1);
const client = net.addHost('client', { addresses: ['198.18.0.1'] });
const server = net.addHost('server', { addresses: ['198.18.0.2'] });
net.link(client, server, { delayMs: 10, rateBps: 100e6 }); // 20 ms RTT, 100 Mbit/s

const web = http.createServer((req, res) => res.end(`hello from synack: you asked for ${req.url}\n`));
createServer(server, (socket) => web.emit('connection', socket)).listen(80);

let body = '';
let status = 0;
const req = http.get(
  { host: '198.18.0.2', port: 80, path: '/index.html', createConnection: () => createConnection(client, { host: '198.18.0.2', port: 80 }) },
  (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d));
  },
);
req.end();

await net.runAsync(() => body.length > 0 && status > 0);
console.log(`HTTP ${status} after ${net.now.toFixed(1)} ms of virtual time: ${body.trim()}`);
console.log('\nThe server, like `ss -tan`:');
console.log(formatConnections(listConnections(server.stack, net.now)));
web.close();
