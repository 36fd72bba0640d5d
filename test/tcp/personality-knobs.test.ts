/**
 * Two choices the RFCs leave to each stack, as FreeBSD makes them (the freebsd packetdrill
 * personality turns them on):
 *
 * - synOptionOrder 'freebsd': tcp_addoptions() writes MSS, then NOPs until the length is odd and the
 *   window scale (3 octets), NOPs until even and SACK-permitted (2), NOPs until 2 mod 4 and the
 *   timestamps (10), so the TSopt's values fall on 32-bit words. With all four: 4 + 1 + 3 + 2 + 10 = 20
 *   octets, `mss,nop,wscale,sackOK,TS`; without SACK-permitted: 4 + 1 + 3 + 2 NOPs + 10 = 20,
 *   `mss,nop,wscale,nop,nop,TS`; without window scale: `mss,sackOK,TS` (4 + 2 + 10 = 16).
 * - receiverSwsAvoidance off: tcp_output() advertises recwin = sbspace() in every segment it sends,
 *   never less than what was advertised, where RFC 9293 §3.8.6.2.2 keeps the right edge fixed until
 *   min(RCV.BUFF/2, Eff.snd.MSS) of space has opened.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bsdSynOptionKinds, optionKinds, TcpOptionKind as K } from '../../src/wire/tcp.js';
import { activeOpen, drain, seg, tcb } from './harness.js';

const TS = { value: 1, echo: 0 };

describe("synOptionOrder 'freebsd' (tcp_addoptions)", () => {
  test('the layouts worked out above', () => {
    assert.deepEqual(bsdSynOptionKinds({ mss: 1460, wscale: 6, sackPermitted: true, timestamp: TS }), [K.MSS, K.NOP, K.WSCALE, K.SACK_PERMITTED, K.TIMESTAMP]);
    assert.deepEqual(bsdSynOptionKinds({ mss: 1460, wscale: 6, timestamp: TS }), [K.MSS, K.NOP, K.WSCALE, K.NOP, K.NOP, K.TIMESTAMP]);
    assert.deepEqual(bsdSynOptionKinds({ mss: 1460, sackPermitted: true, timestamp: TS }), [K.MSS, K.SACK_PERMITTED, K.TIMESTAMP]);
    assert.deepEqual(bsdSynOptionKinds({ mss: 1460, wscale: 6, sackPermitted: true }), [K.MSS, K.NOP, K.WSCALE, K.SACK_PERMITTED]);
    assert.deepEqual(bsdSynOptionKinds({ mss: 1460 }), [K.MSS]);
  });

  test("a SYN under each order: the same options, FreeBSD's layout or Linux's", () => {
    for (const [order, kinds] of [
      ['freebsd', [K.MSS, K.NOP, K.WSCALE, K.SACK_PERMITTED, K.TIMESTAMP]],
      ['linux', [K.MSS, K.SACK_PERMITTED, K.TIMESTAMP, K.NOP, K.WSCALE]],
    ] as const) {
      const t = tcb({ iss: 100, config: { timestamps: true, windowScaling: true, sack: true, synOptionOrder: order } });
      t.connect(0);
      const [syn] = drain(t, 0);
      assert.deepEqual(optionKinds(syn.options), kinds, order);
      assert.equal(syn.options.mss !== undefined && syn.options.wscale !== undefined && syn.options.sackPermitted && syn.options.timestamp !== undefined, true);
    }
  });
});

describe('receiverSwsAvoidance', () => {
  // A receiver with a 4096-byte buffer, MSS 1000 both ways, no window scale: RCV.WND 4096 after the handshake.
  function receiver(sws: boolean) {
    const t = tcb({ iss: 100, config: { receiveBufferSize: 4096, receiverSwsAvoidance: sws, bufferAutoTuning: false, mss: 1000 } });
    activeOpen(t, seg('<SEQ=300><ACK=101><CTL=SYN,ACK>', { options: { mss: 1000 } }), 10);
    return t;
  }
  function windowAfter(t: ReturnType<typeof receiver>, seq: number, now: number): number {
    t.handleSegment(seg(`<SEQ=${seq}><ACK=101><DATA=100>`), now);
    const out = drain(t, now);
    assert.equal(out.length, 1);
    return out[0].window;
  }

  for (const sws of [true, false]) {
    test(`100 octets read, then 100 more arrive: window ${sws ? '3896 (the right edge stays until 1000 octets open)' : '3996 (all the free space)'}`, () => {
      const t = receiver(sws);
      assert.equal(windowAfter(t, 301, 20), 3996);
      assert.equal(t.read()?.length, 100);
      assert.deepEqual(drain(t, 21), [], 'no window update for 100 octets');
      assert.equal(windowAfter(t, 401, 22), sws ? 3896 : 3996);
    });
  }
});
