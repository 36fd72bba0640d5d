/**
 * The ACK storm of RFC 5961 §5: an attacker injects data into one endpoint (spoofed from its peer, at
 * exactly RCV.NXT), so the two disagree on the sequence space. The victim acknowledges data its peer
 * never sent: the peer finds SEG.ACK beyond SND.NXT and answers with an ACK (§3.10.7.4; a challenge
 * ACK under RFC 5961 §5.2, rate-limited); that ACK's SEG.SEQ lies behind the victim's RCV.NXT, which
 * answers with an ACK (§3.10.7.4), and so on. Both answers are rate-limited, the victim's by
 * `invalidAckRateLimitMs` (500 ms per connection, Linux's tcp_invalid_ratelimit), so the exchange
 * stops after a few segments, whichever side is injected into.
 *
 * a (ISS 1000) and b (ISS 5000) are connected, 10 ms apart, idle.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedPair } from './timer-helpers.js';
import { makeSegment } from '../../src/tcp/segment.js';
import { TcpFlag } from '../../src/wire/index.js';
import type { TcpConfig } from '../../src/tcp/config.js';

function storm(victim: 'a' | 'b', config: Partial<TcpConfig> = {}): { segments: number; lastAt: number; injectedAt: number; skipped: number } {
  const p = connectedPair({ latency: 10, a: config, b: config });
  p.run(1000);
  const v = victim === 'a' ? p.a : p.b;
  const from = victim === 'a' ? p.b : p.a;
  const injectedAt = p.now;
  // 100 octets "from" the peer at the victim's RCV.NXT: accepted, RCV.NXT moves 100 past the peer's SND.NXT.
  v.handleSegment(makeSegment({ srcPort: from.localPort, dstPort: v.localPort, seq: v.rcvNxt, ack: v.sndNxt, flags: TcpFlag.ACK | TcpFlag.PSH, window: 65535, payload: new Uint8Array(100) }), injectedAt);
  assert.equal(v.readableLength, 100, 'the injected data was accepted');
  p.run(injectedAt + 10_000);
  const after = p.log.filter((l) => l.t >= injectedAt);
  return { segments: after.length, lastAt: after.length ? after[after.length - 1].t : injectedAt, injectedAt, skipped: v.stats.TCPACKSkippedSeq };
}

describe('ACK storms between desynchronised endpoints (RFC 5961 §5)', () => {
  for (const victim of ['a', 'b'] as const) {
    test(`data injected into ${victim === 'a' ? 'the client' : 'the server'}: a few ACKs, then both sides stop`, () => {
      const r = storm(victim);
      assert.ok(r.segments <= 6, `${r.segments} segments in 10 s after the injection`);
      assert.ok(r.lastAt - r.injectedAt < 1000, `still exchanging ${r.lastAt - r.injectedAt} ms later`);
    });

    test(`data injected into ${victim === 'a' ? 'the client' : 'the server'}, the challenge-ACK limit out of the way: the victim's invalidAckRateLimitMs stops it`, () => {
      const r = storm(victim, { challengeAckLimit: 1e9 });
      assert.ok(r.segments <= 6, `${r.segments} segments in 10 s after the injection`);
      assert.ok(r.skipped >= 1, 'the victim left an answer unsent');
    });
  }

  test('with both limits out of the way the storm runs on: each limit is what ends it', () => {
    const r = storm('b', { invalidAckRateLimitMs: 0, challengeAckLimit: 1e9 });
    assert.ok(r.segments > 100, `${r.segments} segments`);
  });
});
