/**
 * Each demo scenario, run in the simulator and read back from its JSON: the segments and states
 * that define it. Expected values come from the RFCs, not from the code under test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ctx, F, is, runScenario, segments, stateSequence, type JsonSegment } from './helpers.js';

const add = (a: number, n: number): number => (a + n) >>> 0;

describe('demo scenarios (from their JSON)', () => {
  test('handshake: SYN, SYN+ACK, ACK related as in RFC 9293 Figure 6, data on the third segment', () => {
    const { json, result } = runScenario('handshake');
    const m = ctx('handshake');
    assert.deepEqual(json.hosts.map((h) => h.name), ['client', 'server'], m);
    const [syn, synAck, third] = segments(json);
    assert.ok(is(syn, F.SYN) && syn.from === 'client' && syn.to === 'server', m);
    assert.deepEqual(syn.flagNames, ['SYN'], m);
    assert.ok(is(synAck, F.SYN | F.ACK) && synAck.from === 'server', m);
    assert.deepEqual(synAck.flagNames, ['SYN', 'ACK'], m);
    // Figure 6: <SEQ=100><CTL=SYN>, <SEQ=300><ACK=101><CTL=SYN,ACK>, <SEQ=101><ACK=301><CTL=ACK>.
    assert.equal(synAck.ack, add(syn.seq, 1), m);
    assert.ok(third.flags & F.ACK && !(third.flags & F.SYN) && third.from === 'client', m);
    assert.equal(third.seq, add(syn.seq, 1), m);
    assert.equal(third.ack, add(synAck.seq, 1), m);
    assert.ok(third.len > 0, `the third segment carries data: ${m}`);
    assert.equal(typeof syn.options.mss, 'number', m);
    assert.equal(syn.dropped, false);
    assert.equal(syn.reason, null);
    assert.deepEqual(stateSequence(json, 'client'), ['CLOSED', 'SYN-SENT', 'ESTABLISHED'], m);
    assert.deepEqual(stateSequence(json, 'server'), ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED'], m);
    assert.equal(result.facts.serverRead, 'GET / HTTP/1.0\r\n\r\n', m);
    for (const e of json.events) assert.ok(typeof e.t === 'number' && typeof e.kind === 'string', m);
  });

  test('close: FIN, ACK, FIN, ACK; the closer goes through TIME-WAIT, the other through CLOSE-WAIT and LAST-ACK', () => {
    const { json } = runScenario('close');
    const m = ctx('close');
    const fins = segments(json).filter((s) => s.flags & F.FIN);
    assert.equal(fins.length, 2, m);
    assert.equal(fins[0].from, 'client', m);
    assert.equal(fins[1].from, 'server', m);
    const last = segments(json).at(-1)!;
    assert.ok(is(last, F.ACK) && last.from === 'client' && last.ack === add(fins[1].seq, 1), m);
    assert.deepEqual(stateSequence(json, 'client'), ['CLOSED', 'SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED'], m);
    assert.deepEqual(stateSequence(json, 'server'), ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED'], m);
    // TIME-WAIT lasts 2*MSL (MSL 30 s by default).
    const st = json.events.filter((e) => e.kind === 'state' && e.host === 'client');
    const tw = st.find((e) => e.to === 'TIME-WAIT')!;
    const closed = st.find((e) => e.from === 'TIME-WAIT')!;
    assert.equal(closed.t - tw.t, 60_000, m);
  });

  test('half-close: the server sends data after the client\'s FIN and the client acknowledges it in FIN-WAIT-2', () => {
    const { json, result } = runScenario('half-close');
    const m = ctx('half-close');
    const segs = segments(json);
    const clientFin = segs.findIndex((s) => s.from === 'client' && s.flags & F.FIN);
    const serverFin = segs.findIndex((s) => s.from === 'server' && s.flags & F.FIN);
    assert.ok(clientFin >= 0 && serverFin > clientFin, m);
    const between = segs.slice(clientFin + 1, serverFin).filter((s) => s.from === 'server' && s.len > 0);
    assert.ok(between.length >= 2, `server data after the client's FIN: ${m}`);
    assert.ok(stateSequence(json, 'client').join(' ').includes('FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT'), m);
    assert.ok(stateSequence(json, 'server').join(' ').includes('ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED'), m);
    assert.equal(result.facts.clientRead, 'answer part 1answer part 2', m);
  });

  test('simultaneous-open: two SYNs cross, both sides go SYN-SENT, SYN-RECEIVED, ESTABLISHED (Figure 7)', () => {
    const { json } = runScenario('simultaneous-open');
    const m = ctx('simultaneous-open');
    const segs = segments(json);
    assert.ok(is(segs[0], F.SYN) && is(segs[1], F.SYN) && segs[0].from !== segs[1].from, m);
    const synAcks = segs.filter((s) => is(s, F.SYN | F.ACK));
    assert.equal(synAcks.length, 2, m);
    for (const h of ['client', 'server']) assert.deepEqual(stateSequence(json, h), ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED'], `${h}: ${m}`);
    assert.ok(!synAcks.some((s) => s.retransmission), `a SYN+ACK after one's own SYN is not a retransmission: ${m}`);
  });

  test('simultaneous-close: both FINs cross; both go FIN-WAIT-1, CLOSING, TIME-WAIT (Figure 13)', () => {
    const { json } = runScenario('simultaneous-close');
    const m = ctx('simultaneous-close');
    for (const h of ['client', 'server']) assert.ok(stateSequence(json, h).join(' ').includes('ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT CLOSED'), `${h}: ${m}`);
  });

  test('refused: RST+ACK with ACK = SYN.seq + 1 from a port with no listener; ECONNREFUSED', () => {
    const { json, result } = runScenario('refused');
    const m = ctx('refused');
    const [syn, rst] = segments(json);
    assert.ok(is(syn, F.SYN), m);
    assert.ok(is(rst, F.RST | F.ACK) && rst.from === 'server', m);
    assert.equal(rst.seq, 0, m);
    assert.equal(rst.ack, add(syn.seq, 1), m);
    assert.deepEqual(stateSequence(json, 'client'), ['CLOSED', 'SYN-SENT', 'CLOSED'], m);
    assert.deepEqual(stateSequence(json, 'server'), [], `no connection on the server: ${m}`);
    assert.equal(result.facts.error, 'ECONNREFUSED', m);
  });

  test('lost-syn: the SYN is retransmitted after 1 s and then 2 s (RFC 6298 initial RTO, backoff)', () => {
    const { json } = runScenario('lost-syn');
    const m = ctx('lost-syn');
    const syns = segments(json).filter((s) => is(s, F.SYN));
    assert.equal(syns.length, 3, m);
    assert.ok(syns[0].dropped && syns[1].dropped && !syns[2].dropped, m);
    assert.ok(syns[0].reason && syns[1].reason, m);
    assert.ok(!syns[0].retransmission && syns[1].retransmission && syns[2].retransmission, m);
    assert.equal(syns[1].seq, syns[0].seq, m);
    assert.equal(syns[1].t - syns[0].t, 1000, m);
    assert.equal(syns[2].t - syns[1].t, 2000, m);
    assert.ok(json.events.some((e) => e.kind === 'timer' && e.host === 'client' && e.timer === 'retransmission'), m);
    assert.deepEqual(stateSequence(json, 'client'), ['CLOSED', 'SYN-SENT', 'ESTABLISHED'], m);
  });

  test('lost-fin: the FIN is dropped, the client stays FIN-WAIT-1 and retransmits it', () => {
    const { json } = runScenario('lost-fin');
    const m = ctx('lost-fin');
    const fins = segments(json).filter((s) => s.from === 'client' && s.flags & F.FIN);
    assert.ok(fins.length >= 2 && fins[0].dropped && !fins.at(-1)!.dropped && fins.at(-1)!.retransmission, m);
    assert.equal(fins.at(-1)!.seq, fins[0].seq, m);
    const client = stateSequence(json, 'client');
    assert.ok(client.join(' ').includes('ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT'), m);
    // The server learns of the close only from the retransmission.
    const cw = json.events.find((e) => e.kind === 'state' && e.host === 'server' && e.to === 'CLOSE-WAIT')!;
    assert.ok(cw.t > fins.at(-1)!.t, m);
  });

  test('time-wait: the delayed duplicate is re-acknowledged in TIME-WAIT; with TIME-WAIT too short it corrupts the next connection', () => {
    const { json, result } = runScenario('time-wait');
    const m = ctx('time-wait');
    const segs = segments(json);
    const dups = segs.filter((s) => s.label?.startsWith('delayed duplicate'));
    assert.equal(dups.length, 2, m);
    // Part 1: the duplicate arrives in TIME-WAIT and the client answers with an ACK (RFC 9293 §3.10.7.4).
    const after = segs[segs.indexOf(dups[0]) + 1];
    assert.ok(after.from === 'client' && is(after, F.ACK), m);
    assert.equal(result.facts.absorbedIn, 'TIME-WAIT', m);
    // Part 2: bytes of the old connection were read on the new one.
    assert.ok((result.facts.corruptedBytes as number) > 0, m);
    assert.equal(result.facts.corruptedBytes, dups[1].len, m);
  });

  test('half-open: Figure 10 (data to a crashed peer draws RST) and Figure 9 (a new SYN draws an ACK, reset by the client)', () => {
    const { json, result } = runScenario('half-open');
    const m = ctx('half-open');
    const segs = segments(json);
    const rsts = segs.filter((s) => s.from === 'client' && s.flags & F.RST);
    assert.equal(rsts.length, 2, m);
    // Figure 10: the RST answers the server's data.
    const data = segs[segs.indexOf(rsts[0]) - 1];
    assert.ok(data.from === 'server' && data.len > 0, m);
    // Figure 9: SYN, then the server's ACK (for the old connection), then RST with seq = that ACK.
    const ack = segs[segs.indexOf(rsts[1]) - 1];
    const syn = segs[segs.indexOf(rsts[1]) - 2];
    assert.ok(is(syn, F.SYN) && is(ack, F.ACK) && ack.from === 'server', m);
    assert.notEqual(ack.ack, add(syn.seq, 1), m);
    assert.equal(rsts[1].seq, ack.ack, m);
    assert.deepEqual(result.facts, { fig10Server: 'CLOSED', fig9OldServer: 'CLOSED', fig9New: 'ESTABLISHED' }, m);
  });

  test('old-duplicate-syn: the client resets the SYN+ACK for an old SYN; the server returns to LISTEN (Figure 8)', () => {
    const { json } = runScenario('old-duplicate-syn');
    const m = ctx('old-duplicate-syn');
    const segs = segments(json);
    const old = segs.find((s) => s.label?.startsWith('old duplicate SYN'))!;
    const i = segs.indexOf(old);
    const [synAck, rst] = [segs[i + 1], segs[i + 2]];
    assert.ok(is(synAck, F.SYN | F.ACK) && synAck.ack === add(old.seq, 1), m);
    assert.ok(is(rst, F.RST) && rst.from === 'client' && rst.seq === synAck.ack, m);
    const server = stateSequence(json, 'server');
    assert.deepEqual(server.slice(0, 3), ['LISTEN', 'SYN-RECEIVED', 'LISTEN'], m);
    assert.deepEqual(server.slice(3), ['SYN-RECEIVED', 'ESTABLISHED'], m);
    assert.deepEqual(stateSequence(json, 'client'), ['CLOSED', 'SYN-SENT', 'ESTABLISHED'], m);
  });

  test('syn-flood: without cookies the client times out unanswered; with cookies it is served', () => {
    const { json, result } = runScenario('syn-flood');
    const m = ctx('syn-flood');
    assert.deepEqual(json.hosts.map((h) => h.name), ['client', 'server', 'attacker'], m);
    const client = segments(json).filter((s) => s.from === 'client' || s.to === 'client');
    const firstSynAck = client.findIndex((s) => is(s, F.SYN | F.ACK));
    const before = client.slice(0, firstSynAck);
    assert.ok(before.filter((s) => is(s, F.SYN)).length >= 2, `SYNs unanswered without cookies: ${m}`);
    assert.equal(result.facts.withoutCookies, 'CLOSED', m);
    assert.equal(result.facts.withoutCookiesError, 'ETIMEDOUT', m);
    assert.equal(result.facts.withCookies, 'ESTABLISHED', m);
    assert.ok((result.facts.cookiesSent as number) > 0, m);
    assert.ok(segments(json).some((s) => s.from === 'attacker' && is(s, F.SYN)), m);
  });

  test('hijack: blind RST, SYN and data draw challenge ACKs to the client; exact numbers get through', () => {
    const { json, result } = runScenario('hijack');
    const m = ctx('hijack');
    const segs = segments(json);
    for (const label of ['blind RST, in window', 'blind SYN', 'blind data, ACK guessed wrong']) {
      const i = segs.findIndex((s) => s.label === label);
      assert.ok(i >= 0, `${label}: ${m}`);
      const answer = segs[i + 1];
      assert.ok(answer.from === 'server' && answer.to === 'client' && is(answer, F.ACK) && answer.len === 0, `${label} draws a challenge ACK: ${m}`);
    }
    assert.equal(result.facts.readAfterBlind, '', m);
    assert.equal(result.facts.stateAfterBlind, 'ESTABLISHED', m);
    assert.equal(result.facts.challengeAcks, 3, m);
    assert.equal(result.facts.injectedRead, 'rm -rf /', m);
    assert.equal(result.facts.finalServerState, 'CLOSED', m);
    assert.equal(stateSequence(json, 'server').at(-1), 'CLOSED', m);
  });

  test('close-wait-leak: the server stays in CLOSE-WAIT after the client gave up', () => {
    const { json, result } = runScenario('close-wait-leak');
    const m = ctx('close-wait-leak');
    assert.equal(result.facts.serverAfter90s, 'CLOSE-WAIT', m);
    assert.deepEqual(stateSequence(json, 'client').slice(-3), ['FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSED'], m);
    const server = json.events.filter((e) => e.kind === 'state' && e.host === 'server');
    const cw = server.find((e) => e.to === 'CLOSE-WAIT')!;
    const out = server.find((e) => e.from === 'CLOSE-WAIT')!;
    assert.ok(out.t - cw.t >= 90_000, m);
    assert.equal(out.to, 'CLOSED', m);
    assert.ok(!segments(json).some((s) => s.from === 'server' && s.flags & F.FIN), `the server never sends a FIN: ${m}`);
  });

  test('lossy-transfer: lost data segments are retransmitted and every byte arrives intact', () => {
    const { json, result } = runScenario('lossy-transfer');
    const m = ctx('lossy-transfer');
    const data = segments(json).filter((s) => s.from === 'client' && s.len > 0);
    const lost = data.filter((s) => s.dropped);
    assert.equal(lost.length, 2, m);
    for (const l of lost) {
      const again = data.find((s) => s.seq === l.seq && !s.dropped) as JsonSegment | undefined;
      assert.ok(again && again.retransmission && again.t > l.t, m);
    }
    assert.deepEqual([result.facts.received, result.facts.intact], [16_000, true], m);
  });

  test('the same seed gives the same trace, byte for byte', () => {
    const a = JSON.stringify(runScenario('lossy-transfer', 7).json);
    const b = JSON.stringify(runScenario('lossy-transfer', 7).json);
    assert.equal(a, b);
  });
});
