/**
 * RACK and segments sent at the same instant (RFC 8985 §6.2's RACK_sent_after): in virtual time a
 * burst goes out at one time, and a retransmission sent just after new data must count as sent
 * after it. When it did not (the tie broken by sequence number), the SACK of that new data made RACK
 * mark the retransmissions lost one RTT later, and they went a third time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { decodeTcpPacket } from '../../src/wire/index.js';

test('two losses in one window: each lost segment is retransmitted once, nothing is resent spuriously', () => {
  for (const seed of [1, 2, 3]) {
    const net = new SimNetwork(seed);
    const a = net.addHost('client', { addresses: ['198.18.0.1'] });
    const b = net.addHost('server', { addresses: ['198.18.0.2'] });
    const link = net.link(a, b, { delayMs: 0.5 });
    let n = 0;
    link.filter = (p, _t, from) => {
      if (from !== a) return undefined;
      const d = decodeTcpPacket(p);
      if (!d.ok || d.payloadLength === 0) return undefined;
      n++;
      return n === 3 || n === 8 ? 'drop' : undefined;
    };
    const l = b.stack.listen(80);
    const c = a.stack.connect({ address: '198.18.0.2', port: 80 }, 0);
    a.kick();
    net.runFor(3);
    const s = l.accept();
    assert.ok(s, `seed ${seed}`);
    c.send(new Uint8Array(16_000), net.now);
    a.kick();
    net.runFor(50);
    assert.equal(c.tcb.sndUna, c.tcb.sndMax, `seed ${seed}: all acknowledged`);
    assert.equal(s.tcb.readableLength, 16_000, `seed ${seed}`);
    assert.equal(c.tcb.stats.RetransSegs, 2, `seed ${seed}: the two lost segments, once each`);
    assert.equal(s.tcb.stats.TCPDSACKOldSent, 0, `seed ${seed}: no duplicate reached the receiver`);
  }
});
