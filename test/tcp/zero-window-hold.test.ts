/**
 * Connections held open by a zero window (sockstress): the peer takes data until its buffer is full,
 * then keeps its window at zero and answers every probe, pinning our send buffer.
 *
 * - An open connection keeps probing while the probes are answered (RFC 9293 §3.8.6.1, MUST-38: the
 *   connection must stay open), with the probe interval backing off to persistMaxMs (60 s); the
 *   application decides when to give up, or sets `zeroWindowTimeoutMs` (RFC 6429), which ends the
 *   connection with ETIMEDOUT at the first probe due after it.
 * - An orphan (the application closed it; its data and FIN wait behind the zero window, FIN-WAIT-1)
 *   has nobody to decide for it: after `orphanRetries` probes (8, Linux's tcp_orphan_retries = 0),
 *   answered or not, it is reset (TCPAbortOnPersist).
 *
 * a sends 20,000 octets to b, whose 4,000-octet buffer is never read. RTT 20 ms, so the RTO is
 * 200 ms (minRtoMs) and the probes go 200, 400, 800, ... ms apart.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedPair, eventsOf, sent } from './timer-helpers.js';
import type { Pair } from './harness.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { DEFAULT_TCP_CONFIG as D } from '../../src/tcp/config.js';

function held(a: Partial<TcpConfig> = {}): { p: Pair; t0: number } {
  const p = connectedPair({ latency: 10, a, b: { receiveBufferSize: 4000 } });
  p.run(1000);
  assert.equal(p.a.send(new Uint8Array(20_000), 1000), 20_000);
  while (p.a.sndWnd !== 0) {
    assert.ok(p.now < 2000, 'the window never closed');
    p.run(p.now + 1);
  }
  return { p, t0: p.now };
}

function errors(p: Pair): string[] {
  return eventsOf(p, 'a').flatMap((e) => (e.type === 'error' ? [e.code] : []));
}

describe('zero-window holds (sockstress)', () => {
  test('an orphan in FIN-WAIT-1 behind a zero window is reset after orphanRetries probes, though every probe is answered', () => {
    const { p, t0 } = held();
    p.a.close(t0);
    assert.equal(p.a.state, 'FIN-WAIT-1');
    p.run(t0 + 3_600_000);
    assert.equal(p.a.state, 'CLOSED');
    assert.equal(p.a.stats.TCPAbortOnPersist, 1);
    const probes = sent(p, 'a', t0).filter(([, s]) => s.endsWith('<DATA=1>'));
    assert.equal(probes.length, D.orphanRetries);
    // Probes at t0 + 200, +400, +800, ... (backing off from the RTO); the reset when the next is due.
    let t = t0;
    for (let k = 0; k <= D.orphanRetries; k++) t += Math.min(D.persistMaxMs, 200 * 2 ** k);
    const rst = sent(p, 'a', t0).find(([, s]) => s.includes('RST'));
    assert.ok(rst, 'the orphan sends a RST');
    assert.equal(rst[0], t);
    assert.equal(p.b.state, 'CLOSED', 'and the peer learns of it');
  });

  test('orphanRetries: 2 gives up after two probes', () => {
    const { p, t0 } = held({ orphanRetries: 2 });
    p.a.close(t0);
    p.run(t0 + 60_000);
    assert.equal(p.a.state, 'CLOSED');
    assert.equal(sent(p, 'a', t0).filter(([, s]) => s.endsWith('<DATA=1>')).length, 2);
  });

  test('an open connection stays while its probes are answered (MUST-38); zeroWindowTimeoutMs ends it with ETIMEDOUT', () => {
    const open = held();
    open.p.run(open.t0 + 3_600_000);
    assert.equal(open.p.a.state, 'ESTABLISHED');
    assert.equal(open.p.a.stats.TCPAbortOnPersist, 0);

    const { p, t0 } = held({ zeroWindowTimeoutMs: 600_000 });
    p.run(t0 + 600_000);
    assert.equal(p.a.state, 'ESTABLISHED', 'not before the timeout');
    p.run(t0 + 600_000 + D.persistMaxMs + 200);
    assert.equal(p.a.state, 'CLOSED');
    assert.deepEqual(errors(p), ['ETIMEDOUT']);
    assert.equal(p.a.stats.TCPAbortOnPersist, 1);
  });
});
