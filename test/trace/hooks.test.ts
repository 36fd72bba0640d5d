/**
 * The trace hooks inside the stack and TCB: timers set and fired with their real
 * deadlines, cwnd changes, drops with a reason, read back from the scenarios' JSON; and nothing made
 * when no collector is attached. Expected values come from the RFCs (RFC 6298's initial RTO and
 * back-off, RFC 9293's 2*MSL, RFC 6937's cwnd = ssthresh at recovery end), not from the code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Stack, type StackTraceSink } from '../../src/stack/stack.js';
import type { Connection } from '../../src/stack/connection.js';
import type { Tcb } from '../../src/tcp/tcb.js';
import { TcbTracer, type TcbTraceSink } from '../../src/tcp/trace.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { renderText } from '../../src/trace/text.js';
import { renderMermaid } from '../../src/trace/mermaid.js';
import { ctx, runScenario, SEED, type JsonTrace } from './helpers.js';
import { runStacks, tcpOut, tcpPacket } from '../stack/helpers.js';

type Ev = JsonTrace['events'][number];

function timers(j: JsonTrace, host: string, timer: string): Ev[] {
  return j.events.filter((e) => e.kind === 'timer' && e.host === host && e.timer === timer);
}

describe('trace hooks in the scenarios', () => {
  test('lost-syn: the retransmission timer is set for 1 s, fires, is set again for 2 s later (RFC 6298 §2.1, §5.5)', () => {
    const { json } = runScenario('lost-syn');
    const m = ctx('lost-syn');
    const rto = timers(json, 'client', 'retransmission').map((e) => [e.t, e.action, e.deadline]);
    // The SYN at 0 arms 1 s; it fires at 1 s and the back-off doubles it (deadline 3 s); that fires
    // and 4 s more are armed (deadline 7 s); the SYN-ACK cancels that.
    assert.deepEqual(rto.slice(0, 6), [
      [0, 'set', 1000],
      [1000, 'fired', 1000],
      [1000, 'set', 3000],
      [3000, 'fired', 3000],
      [3000, 'set', 7000],
      [rto[5]?.[0], 'cancelled', 7000],
    ], m);
    // No inferred timers any more: every timer event names its connection.
    for (const e of json.events) if (e.kind === 'timer') assert.ok(typeof e.conn === 'string' && e.inferred === undefined, m);
  });

  test('lossy-transfer: cwnd events for the loss and the recovery end (RFC 6937: cwnd = ssthresh at the end)', () => {
    const { json } = runScenario('lossy-transfer');
    const m = ctx('lossy-transfer');
    const cw = json.events.filter((e) => e.kind === 'cwnd' && e.host === 'client') as Array<Ev & { cwnd: number; ssthresh: number | null; why: string }>;
    const loss = cw.find((e) => e.why === 'loss');
    const end = cw.find((e) => e.why === 'recovery-end');
    assert.ok(loss && end, `loss and recovery-end: ${JSON.stringify(cw)} ${m}`);
    assert.ok(loss.ssthresh !== null && loss.ssthresh < loss.cwnd, `a multiplicative decrease: ${m}`);
    assert.ok(end.t >= loss.t, m);
    assert.equal(end.cwnd, end.ssthresh, m);
    assert.equal(end.ssthresh, loss.ssthresh, m);
    // The loss happened where the trace shows lost segments.
    const firstLost = json.events.find((e) => e.kind === 'segment' && e.dropped);
    assert.ok(firstLost && loss.t >= firstLost.t, m);
    // ACK growth is sampled, not told per ACK: fewer events than ACKs the client received.
    const acks = json.events.filter((e) => e.kind === 'segment' && e.from === 'server').length;
    assert.ok(cw.filter((e) => e.why === 'ack').length < acks / 2, m);
  });

  test('hijack: the blind RST, SYN and data are each dropped by the server TCB with a challenge ACK', () => {
    const { json } = runScenario('hijack');
    const m = ctx('hijack');
    const labels = ['blind RST, in window', 'blind SYN', 'blind data, ACK guessed wrong'];
    for (const label of labels) {
      const i = json.events.findIndex((e) => e.kind === 'segment' && e.label === label);
      assert.ok(i >= 0, `${label}: ${m}`);
      const forged = json.events[i];
      // The next event at the server is its drop of that segment, same sequence number.
      const drop = json.events.slice(i + 1).find((e) => e.host === 'server' || (e.kind === 'segment' && e.from === 'server'));
      assert.ok(drop && drop.kind === 'drop', `${label}: drop expected, got ${JSON.stringify(drop)} ${m}`);
      assert.equal(drop.seq, forged.seq, m);
      assert.equal(drop.len, forged.len, m);
      assert.match(String(drop.reason), /challenge ACK/, m);
      assert.match(String(drop.conn), /^198\.18\.0\.2:80>198\.18\.0\.1:\d+$/, m);
    }
  });

  test('time-wait: the 2*MSL timer is set on entering TIME-WAIT and fires 2*MSL later (RFC 9293 §3.6)', () => {
    const { json } = runScenario('time-wait');
    const m = ctx('time-wait');
    const tw = timers(json, 'client', 'time-wait');
    const set = tw.find((e) => e.action === 'set')!;
    const fired = tw.find((e) => e.action === 'fired')!;
    assert.ok(set && fired, m);
    const entered = json.events.find((e) => e.kind === 'state' && e.host === 'client' && e.to === 'TIME-WAIT')!;
    assert.equal(set.t, entered.t, m);
    // MSL is 30 s by default (Linux's 60 s TIME-WAIT).
    assert.equal(set.deadline, set.t + 60_000, m);
    assert.equal(fired.t, set.deadline, m);
    assert.equal(fired.deadline, set.deadline, m);
    const left = json.events.find((e) => e.kind === 'state' && e.host === 'client' && e.from === 'TIME-WAIT')!;
    assert.equal(left.t, fired.t, m);
  });

  test('syn-flood: the connection-establishment timer fires; the RTO due at the same instant is cancelled, not fired', () => {
    const { json } = runScenario('syn-flood');
    const m = ctx('syn-flood');
    const connect = timers(json, 'client', 'connect');
    const fired = connect.find((e) => e.action === 'fired');
    assert.ok(fired, m);
    const rtoThen = timers(json, 'client', 'retransmission').filter((e) => e.t === fired.t && e.action !== 'set');
    assert.deepEqual(rtoThen.map((e) => e.action), ['cancelled'], m);
    // Every part of the combined scenario is on one clock: a deadline set is never in the past.
    for (const e of json.events) if (e.kind === 'timer' && e.action === 'set') assert.ok((e.deadline as number) >= e.t, `${JSON.stringify(e)} ${m}`);
  });

  test('the text ladder marks RTO fired, TIME-WAIT ending and drops', () => {
    const text = (name: string): string => renderText(runScenario(name).result.trace);
    const lost = text('lost-syn');
    assert.equal(lost.match(/\(RTO fired\)/g)?.length, 2, lost);
    assert.match(text('close'), /\(TIME-WAIT ends \(2MSL\)\)/);
    assert.match(text('hijack'), /\(drop: RST not at RCV\.NXT: challenge ACK\)/);
    assert.match(renderMermaid(runScenario('lossy-transfer').result.trace), /Note over H0: t=[\d.]+ cwnd \d+ ssthresh \d+ \(recovery-end\)/);
  });
});

function run(a: Stack, b: Stack, start: number, until: number): number {
  return runStacks(a, b, start, until, `seed ${SEED}`);
}

function pair(trace?: StackTraceSink): { client: Stack; server: Stack; c: Connection; s: Connection } {
  const client = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(SEED) });
  const server = new Stack({ addresses: ['198.18.0.2'], random: new SeededRandom(SEED + 1), trace });
  const l = server.listen(80);
  const c = client.connect({ address: '198.18.0.2', port: 80 }, 0);
  run(client, server, 0, 10);
  const s = l.accept();
  assert.ok(s, `accepted (seed ${SEED})`);
  return { client, server, c, s };
}

/** The TCB's private TcbRare, which holds the tracer only while tracing. */
const rareOf = (t: Tcb): unknown => t.rareState;

describe('trace hooks off', () => {
  test('without a collector no stack or TCB holds a sink, and an idle established TCB keeps no TcbRare', () => {
    const { client, server, c, s } = pair();
    const m = `seed ${SEED}`;
    assert.equal(client.trace, undefined, m);
    assert.equal(server.trace, undefined, m);
    for (const conn of [c, s]) {
      assert.equal(conn.state, 'ESTABLISHED', m);
      assert.equal(conn.tcb.tracer, undefined, m);
      assert.equal(rareOf(conn.tcb), undefined, `an idle traced-off TCB has no TcbRare: ${m}`);
    }
  });

  test('a sink attached and detached: the TcbRare is kept only while tracing', () => {
    const { c } = pair();
    const seen: string[] = [];
    const sink: TcbTraceSink = { timer: (k, a) => seen.push(`${k} ${a}`), cwnd: () => {}, drop: () => {} };
    c.tcb.setTrace(sink);
    assert.ok(c.tcb.tracer !== undefined && rareOf(c.tcb) !== undefined);
    c.tcb.setTrace(undefined);
    assert.equal(c.tcb.tracer, undefined);
    assert.equal(rareOf(c.tcb), undefined, `detaching releases the TcbRare (seed ${SEED})`);
  });
});

describe('stack-level drops', () => {
  test('a SYN to a closed port, a bad checksum and the connection limit are reported with their reasons', () => {
    const drops: Array<{ why: string; seq: number; local: string | undefined }> = [];
    const sink: StackTraceSink = {
      connection: () => undefined,
      drop: (local, _remote, seq, _len, why) => drops.push({ why, seq, local: local === undefined ? undefined : String(local.port) }),
      timer: () => {},
    };
    const server = new Stack({ addresses: ['198.18.0.2'], random: new SeededRandom(SEED), trace: sink, limits: { maxConnections: 0 } });
    // RFC 9293 §3.10.7.1: no connection: a RST answers.
    server.handlePacket(tcpPacket({ src: '198.18.0.1', dst: '198.18.0.2', sport: 1234, dport: 81, seq: 5, flags: 0x02 }), 0);
    const bad = tcpPacket({ src: '198.18.0.1', dst: '198.18.0.2', sport: 1234, dport: 81, seq: 6, flags: 0x02 });
    bad[bad.length - 1] ^= 0xff; // a TCP header byte (the urgent pointer), so only the TCP checksum breaks
    server.handlePacket(bad, 0);
    server.listen(80);
    server.handlePacket(tcpPacket({ src: '198.18.0.1', dst: '198.18.0.2', sport: 1234, dport: 80, seq: 7, flags: 0x02 }), 0);
    assert.deepEqual(drops, [
      { why: 'no connection: answered with RST', seq: 5, local: '81' },
      { why: 'bad checksum', seq: 6, local: '81' },
      { why: 'connection limit', seq: 7, local: '80' },
    ], `seed ${SEED}`);
  });
});

describe('per-connection sinks from a stack', () => {
  test('SYN-SENT: a SYN-ACK whose ACK does not cover our SYN is dropped and answered with RST (§3.10.7.3)', () => {
    const log: string[] = [];
    const sink: StackTraceSink = {
      connection: (conn) => ({
        timer: (k, a, d) => log.push(`${conn.local.port} ${k} ${a} ${d}`),
        cwnd: () => {},
        drop: (seq, len, why) => log.push(`${conn.local.port} drop ${seq} ${len} ${why}`),
      }),
      drop: () => {},
      timer: () => {},
    };
    const client = new Stack({ addresses: ['198.18.0.1'], random: new SeededRandom(SEED), trace: sink });
    const c = client.connect({ address: '198.18.0.2', port: 80 }, 0);
    const syn = client.pollTransmit(0);
    assert.ok(syn, `a SYN (seed ${SEED})`);
    const iss = c.tcb.iss;
    // SEG.ACK = ISS: "SEG.ACK =< ISS" is unacceptable.
    client.handlePacket(tcpPacket({ src: '198.18.0.2', dst: '198.18.0.1', sport: 80, dport: c.local.port, seq: 900, ack: iss, flags: 0x12 }), 5);
    const p = c.local.port;
    // The initial RTO of 1 s (RFC 6298 §2.1) was set when the SYN went.
    assert.deepEqual(log, [`${p} retransmission set 1000`, `${p} drop 900 0 unacceptable ACK in SYN-SENT`], `seed ${SEED}`);
    assert.equal(c.state, 'SYN-SENT');
    // <SEQ=SEG.ACK><CTL=RST>
    const rst = tcpOut(client.pollTransmit(5)!);
    assert.equal(rst.tcp.flags, 0x04, `seed ${SEED}`);
    assert.equal(rst.tcp.seq, iss, `seed ${SEED}`);
  });
});

describe('TcbTracer', () => {
  function recorder(): { sink: TcbTraceSink; log: string[] } {
    const log: string[] = [];
    return {
      log,
      sink: {
        timer: (k, a, d, now) => log.push(`${now} ${k} ${a} ${d}`),
        cwnd: (c, s, why, now) => log.push(`${now} cwnd ${c} ${s} ${why}`),
        drop: (seq, len, why, now) => log.push(`${now} drop ${seq} ${len} ${why}`),
      },
    };
  }

  test('a deadline kept under another kind is a new timer; one passed during a timeout fired, else cancelled', () => {
    const { sink, log } = recorder();
    const t = new TcbTracer(sink);
    t.timer(4, 'fin-wait-2', 100, false, 0);
    t.timer(4, 'fin-wait-2', 100, false, 1); // unchanged: nothing
    t.timer(4, 'time-wait', 100, false, 2); // FIN-WAIT-2 ended by the FIN at the same deadline
    t.timer(4, 'time-wait', undefined, true, 100);
    t.timer(0, 'retransmission', 50, false, 10);
    t.timer(0, 'retransmission', undefined, false, 50); // cleared by an ACK at the deadline: not a timeout
    t.timer(0, 'retransmission', 80, false, 60);
    t.timer(0, 'retransmission', 200, true, 70); // restarted in a timeout before its deadline: cancelled
    assert.deepEqual(log, [
      '0 fin-wait-2 set 100',
      '2 fin-wait-2 cancelled 100',
      '2 time-wait set 100',
      '100 time-wait fired 100',
      '10 retransmission set 50',
      '50 retransmission cancelled 50',
      '60 retransmission set 80',
      '70 retransmission cancelled 80',
      '70 retransmission set 200',
    ]);
  });

  test('cwnd growth on ACKs is told when it moved by a quarter or ssthresh changed; congestion events always', () => {
    const { sink, log } = recorder();
    const t = new TcbTracer(sink);
    t.cwndSample(10_000, Infinity, 0);
    t.cwndSample(12_000, Infinity, 1); // +20%: quiet
    t.cwndSample(12_500, Infinity, 2); // +25%: told
    t.cwnd(8_000, 8_000, 'loss', 3);
    t.cwndSample(8_000, 8_000, 4); // no change
    t.cwndSample(8_000, 7_000, 5); // ssthresh changed
    assert.deepEqual(log, ['0 cwnd 10000 Infinity ack', '2 cwnd 12500 Infinity ack', '3 cwnd 8000 8000 loss', '5 cwnd 8000 7000 ack']);
  });
});
