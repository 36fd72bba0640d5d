/**
 * The attack suite's scenarios (src/bench/attack.ts) play the attacks they claim to: each builds its
 * packets, the server takes them, and the defence the row is about is what bites (with it on), or
 * does not (with it off). Figures are not checked here: they are the benchmark's.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { attack, patterns } from '../../src/bench/attack.js';

function run(name: string, defence: boolean) {
  const p = patterns.find((x) => x.name.startsWith(name));
  assert.ok(p, name);
  const a = p.setup(1, defence);
  assert.ok(a.packets.length > 1000, `${name}: ${a.packets.length} packets`);
  attack(a.w, a.packets, a.after);
  return a.w.server;
}

describe('attack suite scenarios', () => {
  test('ofo flood: the range bound bites with the defence, not without', () => {
    assert.ok(run('ofo flood', true).counters.tcp.TCPOFODropRanges > 0);
    assert.equal(run('ofo flood', false).counters.tcp.TCPOFODropRanges, 0);
  });

  test('SACK abuse: the scoreboard bound bites with the defence, not without', () => {
    assert.ok(run('SACK abuse', true).counters.tcp.TCPSACKDiscardRanges > 0);
    assert.equal(run('SACK abuse', false).counters.tcp.TCPSACKDiscardRanges, 0);
  });

  test('ACK and SYN-ACK floods: RSTs rate-limited with the defence, each answered without', () => {
    for (const kind of ['ACK flood', 'SYN-ACK flood']) {
      const on = run(kind, true);
      assert.ok(on.counters.tcp.OutRstsRateLimited > 0 && on.counters.tcp.OutRsts <= 1000, kind);
      const off = run(kind, false);
      assert.equal(off.counters.tcp.OutRstsRateLimited, 0, kind);
      assert.equal(off.counters.tcp.OutRsts, 20_000, kind);
    }
  });

  test('SYN flood: cookies once the SYN queue is full; RST flood: challenge ACKs, rate-limited', () => {
    assert.ok(run('SYN flood', true).counters.tcp.SyncookiesSent > 0);
    const rst = run('RST flood', true).counters.tcp;
    assert.ok(rst.TCPChallengeACK > 0 && rst.TCPChallengeACKSuppressed > 0);
  });

  test('zero-window hold: the ACKs are taken, the connection stays', () => {
    const server = run('zero-window hold', true);
    assert.equal([...server.connections()].filter((c) => c.state === 'ESTABLISHED').length, 1);
  });
});
