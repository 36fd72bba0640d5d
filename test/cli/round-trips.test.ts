/**
 * The round-trip demos (src/workloads/round-trips.ts): Node's own tls over synack sockets at a fixed
 * RTT, counting round trips until the client has the first byte of the response. The counts are
 * worked out from the protocols, not from the code:
 *   tcp 2 (SYN/SYN-ACK, then request/response), tls12 4 (TCP 1, the full TLS 1.2 handshake 2, the
 *   request 1), tls13 3 (TCP 1, TLS 1.3 1, the request with the client Finished 1), tls13-resume 3
 *   (resumption saves computation, not a round trip, without early data), tfo 1 (the request on the
 *   SYN, answered with the SYN-ACK), tfo-tls13-resume 2 (the ClientHello on the SYN; the server's
 *   flight with the SYN-ACK; then the request).
 * And the README's table states what the runs measure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TcpFlag } from '../../src/wire/index.js';
import { ROUND_TRIP_DEMOS, runRoundTripDemo, type RoundTripDemo } from '../../src/workloads/round-trips.js';
import type { SegmentEvent } from '../../src/trace/model.js';

const EXPECTED: Record<RoundTripDemo, number> = { tcp: 2, tls12: 4, tls13: 3, 'tls13-resume': 3, tfo: 1, 'tfo-tls13-resume': 2 };
const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

for (const name of ROUND_TRIP_DEMOS) {
  test(`${name}: ${EXPECTED[name]} round trips to the first byte, at 100 ms and at 40 ms, and the README says so`, async () => {
    for (const rttMs of [100, 40]) {
      const r = await runRoundTripDemo(name, { rttMs });
      assert.equal(r.roundTrips, EXPECTED[name], `${name} at ${rttMs} ms: ${r.firstByteMs} ms`);
    }
    const r = await runRoundTripDemo(name, { rttMs: 100 });
    const row = new RegExp(`^\\| \`${name}\` \\| [^|]+ \\| ${r.roundTrips} \\| ${r.firstByteMs} ms \\|`, 'm');
    assert.match(README, row, `the README's round-trip table row for ${name}`);
    const segs = r.trace.events.filter((e): e is SegmentEvent => e.kind === 'segment');
    const syn = segs[0];
    assert.ok(syn.flags & TcpFlag.SYN);
    if (name === 'tfo-tls13-resume') assert.equal(syn.payload, 'ClientHello', 'the ClientHello rides on the SYN');
    if (name === 'tfo') assert.equal(syn.len, 18, 'the request rides on the SYN');
    if (name === 'tls13' || name === 'tls12') assert.ok(segs.some((s) => s.payload === 'ClientHello' && s.len > 0 && !(s.flags & TcpFlag.SYN)));
  });
}
