/**
 * A megabyte over a lossy simulated link, captured: the README's example of SimNetwork (src/link).
 * Run: `node dist/examples/sim-link.js`; test/readme/readme.test.ts checks that
 * the README shows this file and what it prints.
 */
import { SimNetwork, createConnection, createServer } from '../src/index.js';

const net = new SimNetwork(42);                       // the seed
const a = net.addHost('client', { addresses: ['198.18.0.1'] });
const b = net.addHost('server', { addresses: ['198.18.0.2'] });
const link = net.link(a, b, { delayMs: 25, jitterMs: 5, rateBps: 10e6, loss: 0.01, mtu: 1500 });
const pcap = link.capture();                          // a function: call it for the pcap file's bytes so far

let received = 0;
createServer(b, (socket) => socket.on('data', (d: Uint8Array) => (received += d.length))).listen(5001);
createConnection(a, { host: '198.18.0.2', port: 5001 }).end(new Uint8Array(1_000_000));
await net.runAsync(() => received === 1_000_000);     // sockets need runAsync; runFor(ms), runUntilIdle(), runUntil(cond) for the rest
console.log(`1000000 bytes in ${net.now.toFixed(1)} ms of virtual time; the capture: ${pcap().length} bytes of pcap`);
