/**
 * A connection's TCB and a packet's fields as plain data (src/trace's tcbView and inspectPacket, what
 * the explorer's panels show). Run: `node dist/examples/views.js`; test/readme/readme.test.ts checks
 * that the README shows this file and what it prints.
 */
import { SimNetwork } from '../src/link/index.js';
import { inspectPacket, tcbView } from '../src/trace/index.js';

const net = new SimNetwork(7);
const client = net.addHost('client', { addresses: ['198.18.0.1'] });
const server = net.addHost('server', { addresses: ['198.18.0.2'] });
const link = net.link(client, server, { delayMs: 10 });
let syn: Uint8Array | undefined;
link.tap((packet) => (syn ??= packet.slice()));         // the first packet: the SYN

server.stack.listen(80);
const c = client.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
client.kick();
net.runFor(100);
c.send(new Uint8Array(20_000), net.now);
client.kick();
net.runFor(0);

const v = tcbView('client', c, net.now);
console.log(v.state, `sent ${v.space.sent} of ${v.space.sent + v.space.unsent}, cwnd ${v.cwnd}, srtt ${v.srtt} ms, rto ${v.rto} ms`);
console.log(v.timers.map((t) => `${t.kind} at ${t.deadline} ms`).join(', '));
const fields = inspectPacket(syn!);
if (fields.ok) for (const f of fields.fields.filter((f) => f.key.startsWith('tcp.option'))) console.log(`${f.offset}+${f.length} ${f.name}${f.text ? `: ${f.text}` : ''}`);
