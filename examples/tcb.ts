/**
 * Two TCBs back to back, driven by hand: the README's example of the sans-I/O connection (src/tcp).
 * Run: `node dist/examples/tcb.js`; test/readme/readme.test.ts checks that
 * the README shows this file and what it prints.
 */
import { Tcb, Timer, type Segment } from '../src/tcp/index.js';

// Two TCBs back to back: a segment one sends is handed to the other after 5 ms; time is our number.
const client = new Tcb({ localPort: 49152, remotePort: 80, iss: 1000 });
const server = new Tcb({ localPort: 80, iss: 5000 });
const name = new Map([[client, 'client'], [server, 'server']]);
const inFlight: Array<{ to: Tcb; seg: Segment; at: number }> = [];
let now = 0;

server.listen(now);                                        // LISTEN
client.connect(now);                                       // SYN-SENT
client.send(new TextEncoder().encode('hello'), now);       // queued until ESTABLISHED
client.shutdown(now);                                      // and a FIN after it

function drain(): void {
  for (const [tcb, peer] of [[client, server], [server, client]] as const) {
    for (let s; (s = tcb.pollTransmit(now)); ) inFlight.push({ to: peer, seg: s, at: now + 5 });
    for (let e; (e = tcb.pollEvent()); ) {
      if (e.type === 'state') console.log(`${now} ms ${name.get(tcb)}: ${e.from} -> ${e.to}`);
      if (e.type === 'readable') console.log(`${now} ms ${name.get(tcb)} reads "${new TextDecoder().decode(tcb.read())}"`);
      if (e.type === 'end') tcb.close(now);                // the peer's FIN: close our side too
    }
  }
}

while (client.state !== 'TIME-WAIT' || server.state !== 'CLOSED') {
  drain();
  const next = Math.min(inFlight[0]?.at ?? Infinity, client.pollTimeout() ?? Infinity, server.pollTimeout() ?? Infinity);
  now = next;
  while (inFlight[0]?.at === now) {
    const { to, seg } = inFlight.shift()!;
    to.handleSegment(seg, now);                            // push input in...
  }
  for (const tcb of [client, server]) if ((tcb.pollTimeout() ?? Infinity) <= now) tcb.handleTimeout(now); // ...and timeouts
}
drain();
console.log(`${now} ms client: TIME-WAIT until ${client.timerAt(Timer.Close)} ms (2*MSL)`); // one timer's deadline, or undefined
