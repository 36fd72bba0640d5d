/**
 * RACK and segments sent at the same instant: RACK_sent_after (RFC 8985 §6.2) breaks a tie in send
 * time by sequence number, assuming a higher sequence was sent later. A retransmission sent just
 * after new data contradicts that, and in virtual time a burst goes out at one instant, so send
 * times must tell the send order apart: the retransmission counts as sent after the new data, and
 * the SACK of that new data does not make RACK mark the retransmission lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { decodeTcpPacket } from '../../src/wire/index.js';

test('two losses in one window: each lost segment is retransmitted once; a tie in send time broken by sequence number no longer marks the retransmissions lost and sends them a third time', () => {
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
