/**
 * A connection as WHATWG streams (TcpStream, TcpListener) on two simulated hosts: the README's
 * example of synack/browser. Nothing in it needs Node: the same code runs in a page. Run:
 * `node dist/examples/web-streams.js`.
 */
import { SimNetwork, TcpListener, TcpStream, type TcpConnectionEvent } from '../src/browser/index.js';

const net = new SimNetwork(1);
const client = net.addHost('client', { addresses: ['198.18.0.1'] });
const server = net.addHost('server', { addresses: ['198.18.0.2'] });
net.link(client, server, { delayMs: 10 }); // 20 ms RTT

// An echo server: each connection's readable piped into its own writable (its FIN answers ours).
const listener = new TcpListener(server, { localPort: 7, autoAccept: true });
listener.addEventListener('connection', async (event) => {
  const { readable, writable } = await (event as TcpConnectionEvent).stream.opened;
  await readable.pipeTo(writable);
});

const at = (what: string): void => console.log(`${net.now.toFixed(1).padStart(5)} ms  ${what}`);
const socket = new TcpStream(client, { remoteAddress: '198.18.0.2', remotePort: 7 });
socket.addEventListener('end', () => at("the server's FIN"));
socket.addEventListener('close', () => at(`closed, ${socket.tcpState}`));

const talk = async (): Promise<void> => {
  const { readable, writable, localAddress, localPort } = await socket.opened;
  at(`connected from ${localAddress}:${localPort}`);
  const writer = writable.getWriter();
  await writer.write(new TextEncoder().encode('hello, browser'));
  await writer.close(); // half-close: our FIN follows the data
  const reader = readable.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) at(`echoed "${new TextDecoder().decode(r.value)}"`);
};

let done = false;
void talk().then(() => (done = true));
await net.runAsync(() => done); // virtual time: runs as fast as the CPU allows
