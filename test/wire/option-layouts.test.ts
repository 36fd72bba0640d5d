/**
 * The option layouts of the common segments are constants: what a SYN, SYN-ACK or ACK carries (MSS,
 * SACK-permitted, timestamps, window scale, in Linux's order: MSS; SACK-permitted, timestamps; NOP,
 * window scale) is laid out once, and a decoded header in a layout seen before shares one frozen
 * `order` array, instead of each segment making its own. The bytes are those of the general
 * encoder and decoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTcpOptions, encodeTcpOptions, optionKinds, TcpOptionKind, type TcpOptions } from '../../src/wire/tcp.js';

const { NOP, MSS, WSCALE, SACK_PERMITTED, TIMESTAMP, SACK } = TcpOptionKind;
const syn = (): TcpOptions => ({ mss: 1460, sackPermitted: true, timestamp: { value: 7, echo: 0 }, wscale: 7 });

test("a SYN's option kinds are one frozen array, Linux's layout, whatever the values", () => {
  const a = optionKinds(syn());
  const b = optionKinds({ ...syn(), mss: 536, wscale: 14, timestamp: { value: 1, echo: 2 } });
  assert.deepEqual(a, [MSS, SACK_PERMITTED, TIMESTAMP, NOP, WSCALE]);
  assert.equal(a, b, 'the same array');
  assert.ok(Object.isFrozen(a));
  assert.deepEqual(optionKinds({ mss: 1460, wscale: 7 }), [MSS, NOP, WSCALE]);
  assert.deepEqual(optionKinds({ timestamp: { value: 1, echo: 2 } }), [NOP, NOP, TIMESTAMP]);
  assert.deepEqual(optionKinds({ mss: 1460, sackPermitted: true }), [MSS, NOP, NOP, SACK_PERMITTED]);
});

function decode(bytes: Uint8Array): TcpOptions {
  const o = decodeTcpOptions(bytes, 0, bytes.length);
  assert.ok(!('reason' in o && typeof (o as { reason?: unknown }).reason === 'string'), 'decodes');
  return o as TcpOptions;
}

test('decoded headers in a layout seen before share one frozen order array, and re-encode to the same bytes', () => {
  const out = new Uint8Array(40);
  const n = encodeTcpOptions(syn(), out, 0);
  const first = decode(out.slice(0, n));
  const second = decode(out.slice(0, n));
  assert.deepEqual(first.order, [MSS, SACK_PERMITTED, TIMESTAMP, NOP, WSCALE]);
  assert.equal(first.order, second.order, 'one array for both');
  assert.ok(Object.isFrozen(first.order));
  // A layout that is not Linux's (FreeBSD's SYN: MSS, NOP, WSCALE, SACK-permitted, TS) is kept as it came.
  const bsd = new Uint8Array([2, 4, 5, 0xb4, 1, 3, 3, 6, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0]);
  const b1 = decode(bsd);
  const b2 = decode(bsd);
  assert.deepEqual(b1.order, [MSS, NOP, WSCALE, SACK_PERMITTED, TIMESTAMP]);
  assert.equal(b1.order, b2.order);
  const again = new Uint8Array(40);
  assert.deepEqual(again.subarray(0, encodeTcpOptions(b2, again, 0)), bsd);
  // SACK blocks after the timestamps: the same layout whatever the blocks say.
  const sackAck = (left: number): Uint8Array => {
    const o = new Uint8Array(40);
    return o.slice(0, encodeTcpOptions({ timestamp: { value: 1, echo: 2 }, sack: [[left, left + 100]] }, o, 0));
  };
  const s1 = decode(sackAck(1000));
  const s2 = decode(sackAck(5000));
  assert.deepEqual(s1.order, [NOP, NOP, TIMESTAMP, NOP, NOP, SACK]);
  assert.equal(s1.order, s2.order);
  assert.notDeepEqual(s1.sack, s2.sack);
});
