/**
 * The compact TIME-WAIT entry against the full TCB it replaced: the application's handle keeps its TCB
 * (in TIME-WAIT, no longer fed by the stack), so the same segments can be given to both, at the same
 * times, and what each sends compared field by field, with the 2*MSL deadline. Random segments around
 * the window's edges (seeded; the seed is printed on failure), with RFC 5961 on and off.
 */
import { test } from 'node:test';
import { Timer } from '../../src/tcp/timers.js';
import assert from 'node:assert/strict';
import { A4, B4, drainOut, FLAGS, serverClosesFirst, tcpOut } from './helpers.js';
import { listConnections } from '../../src/stack/listing.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { makeSegment, type Segment } from '../../src/tcp/segment.js';
import { encodeTcpPacket, parseIp, type TcpOptions } from '../../src/wire/index.js';
import type { TcpConfig } from '../../src/tcp/config.js';

const { SYN, ACK, RST, FIN, CWR } = FLAGS;
const PORT = 40002;

function setup(seed: number, tcp: Partial<TcpConfig>, clientTimestamps: boolean) {
  const { b, wire, listener: l, s } = serverClosesFirst({
    seeds: [seed, seed + 1000],
    client: { tcp: { timestamps: clientTimestamps } },
    server: { tcp: { challengeAckLimit: 1e9, ...tcp } },
    latency: 1,
    stepMs: 10,
    localPort: PORT,
    request: 'some data',
  });
  assert.equal(b.timeWaitCount, 1);
  b.closeListener(l, wire.now); // no new incarnation: every SYN meets TIME-WAIT itself
  return { b, tcb: s.tcb, now: wire.now };
}

function randomSegment(r: SeededRandom, rcvNxt: number, sndNxt: number, tsRecent: number): { seg: Segment; bytes: Uint8Array } {
  const seqs = [rcvNxt, rcvNxt - 1, rcvNxt + 1, rcvNxt - 10, rcvNxt + 100, rcvNxt + 65000, rcvNxt + 70000, rcvNxt - 70000, r.nextUint32()];
  const acks = [sndNxt, sndNxt - 1, sndNxt + 1, sndNxt - 1000, sndNxt - 200000, r.nextUint32()];
  const flagSets = [ACK, ACK, FIN | ACK, RST, RST | ACK, SYN, SYN | ACK, FIN, 0, ACK | CWR, SYN | FIN];
  const seq = r.pick(seqs) >>> 0;
  const flags = r.pick(flagSets);
  const options: TcpOptions = {};
  if (r.chance(0.8)) options.timestamp = { value: (tsRecent + r.pick([0, 1, -1, 1000, -1000, 0x7fffffff])) >>> 0, echo: r.nextUint32() };
  const payload = r.chance(0.3) ? new Uint8Array(r.pick([1, 5, 100])) : new Uint8Array(0);
  const seg = makeSegment({ srcPort: PORT, dstPort: 80, seq, ack: r.pick(acks) >>> 0, flags, window: 1000, options, payload, ipEcn: r.pick([0, 0, 3]) });
  const bytes = encodeTcpPacket({ ip: { version: 4, src: parseIp(A4) as number, dst: parseIp(B4) as number, ttl: 64, ecn: seg.ipEcn }, tcp: seg, payload });
  return { seg, bytes };
}

function shape(s: Segment) {
  return { seq: s.seq, ack: s.ack, flags: s.flags, window: s.window, ts: s.options.timestamp };
}

for (const [name, tcp] of [
  ['RFC 5961 on', {}],
  ['RFC 5961 off', { rfc5961: false }],
] as const) {
  for (const clientTimestamps of [true, false]) {
    test(`compact TIME-WAIT answers as the full TCB does (${name}, timestamps ${clientTimestamps ? 'on' : 'off'})`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const { b, tcb, now: t0 } = setup(seed, tcp, clientTimestamps);
        const r = new SeededRandom(seed);
        let now = t0;
        for (let i = 0; i < 30; i++) {
          now += r.pick([0, 1, 7, 1000, 20_000]);
          const closeAt = tcb.timerAt(Timer.Close);
          if (closeAt !== undefined && now >= closeAt) break;
          const { seg, bytes } = randomSegment(r, tcb.rcvNxt, tcb.sndNxt, tcb.tsRecent);
          tcb.handleSegment(seg, now);
          const full: ReturnType<typeof shape>[] = [];
          for (let o = tcb.pollTransmit(now); o; o = tcb.pollTransmit(now)) full.push(shape(o));
          b.handlePacket(bytes, now);
          const compact = drainOut(b, now).map((p) => shape(tcpOut(p).tcp as unknown as Segment));
          const where = `seed ${seed}, segment ${i}: ${JSON.stringify(shape(seg))} len ${seg.payload.length} ecn ${seg.ipEcn}`;
          assert.deepEqual(compact, full, where);
          if (tcb.state !== 'TIME-WAIT') {
            assert.equal(b.timeWaitCount, 0, `${where}: the entry ended with the TCB`);
            break;
          }
          const row = listConnections(b, now).find((x) => x.state === 'TIME-WAIT');
          assert.ok(row, where);
          assert.equal(now + row.expiresInMs!, tcb.timerAt(Timer.Close), `${where}: the same 2*MSL deadline`);
        }
      }
    });
  }
}

test('dropTimeWait ends a TIME-WAIT entry before 2*MSL without sending anything (tcpdrop, tcp_twclose); the held connection goes CLOSED', () => {
  const { b, wire, s } = serverClosesFirst({ seeds: [7, 1007], latency: 1, stepMs: 10, localPort: PORT, request: 'x' });
  assert.equal(b.timeWaitCount, 1);
  assert.equal(s.state, 'TIME-WAIT');
  drainOut(b, wire.now);
  const local = { address: parseIp(B4)!, port: 80 };
  assert.equal(b.dropTimeWait(local, { address: parseIp(A4)!, port: PORT + 1 }, wire.now), false, 'no such entry');
  assert.equal(b.dropTimeWait(local, { address: parseIp(A4)!, port: PORT }, wire.now), true);
  assert.equal(b.timeWaitCount, 0);
  assert.equal(s.state, 'CLOSED');
  assert.deepEqual(drainOut(b, wire.now), [], 'nothing sent');
  assert.equal(b.dropTimeWait(local, { address: parseIp(A4)!, port: PORT }, wire.now), false, 'gone');
});
