/**
 * Two stacks over IPv6, packets carried by hand: the README's example of Stack (src/stack).
 * Run: `node dist/examples/stack.js`; test/readme/readme.test.ts checks that
 * the README shows this file and what it prints.
 */
import { Stack, endpointToString, formatConnections, listConnections } from '../src/stack/index.js';

// Two hosts' TCP/IP, sans-I/O: IP packets in, IP packets out; we carry them across (1 ms) and keep the time.
const server = new Stack({ addresses: ['198.18.0.2', '2001:db8::2'] });
const client = new Stack({ addresses: ['198.18.0.1', '2001:db8::1'] });
const listener = server.listen(80, { backlog: 128 });
let now = 0;
const conn = client.connect({ address: '2001:db8::2', port: 80 }, now);   // IPv4 or IPv6
conn.send(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'), now);
const inFlight: Array<{ to: Stack; packet: Uint8Array; at: number }> = [];

let request = '';
while (!request.endsWith('\r\n\r\n') && now < 60_000) {
  for (const [stack, peer] of [[client, server], [server, client]] as const) {
    for (let p; (p = stack.pollTransmit(now)); ) inFlight.push({ to: peer, packet: p, at: now + 1 });
  }
  for (let e; (e = server.pollEvent()); ) {
    if (e.type === 'connection') {
      const c = listener.accept()!;                        // an established connection
      console.log(`${now} ms accepted ${endpointToString(c.remote)}`);
    } else if (e.event.type === 'readable') {
      request += new TextDecoder().decode(e.connection.read(undefined, now));
      console.log(`${now} ms ${endpointToString(e.connection.remote)} sent ${JSON.stringify(request)}`);
    } else console.log(`${now} ms ${endpointToString(e.connection.remote)} ${e.event.type}`);
  }
  while (client.pollEvent());
  now = Math.min(inFlight[0]?.at ?? Infinity, client.pollTimeout() ?? Infinity, server.pollTimeout() ?? Infinity);
  while (inFlight[0]?.at === now) inFlight[0].to.handlePacket(inFlight.shift()!.packet, now);
  for (const s of [client, server]) if ((s.pollTimeout() ?? Infinity) <= now) s.handleTimeout(now); // when pollTimeout() says
}
console.log(formatConnections(listConnections(server, now)));       // like `ss -tan`
