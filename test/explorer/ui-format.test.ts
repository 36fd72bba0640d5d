/**
 * The explorer's DOM-free helpers for numbers and words: relative sequence numbers (RFC 9293 §3.4:
 * each side's ISN is its own; the ladder's data-seq counts from the sender's, data-ack from the
 * receiver's), flag words in bit order, times and sizes, timer countdowns.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { arrowWords, countdownFraction, eventWords, flagsText, formatBytes, formatMs, RelativeNumbering, segmentKind, seqMinus, type SegmentLike } from '../../src/explorer/ui/format.js';

const C = '198.18.0.1:50000';
const S = '198.18.0.2:80';
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;

function seg(src: string, dst: string, flags: number, seq: number, ack: number, len = 0, extra: Partial<SegmentLike> = {}): SegmentLike {
  return { src, dst, flags, seq, ack, len, dropped: false, retransmission: false, ...extra };
}

describe('RelativeNumbering', () => {
  test('a handshake with ISNs 1000 and 5000 reads SYN 0; SYN+ACK 0 ack 1; ACK 1 ack 1 (RFC 9293 §3.5)', () => {
    const r = new RelativeNumbering();
    assert.deepEqual(r.next(seg(C, S, SYN, 1000, 0)), { seq: 0, ack: 0 });
    assert.deepEqual(r.next(seg(S, C, SYN | ACK, 5000, 1001)), { seq: 0, ack: 1 });
    assert.deepEqual(r.next(seg(C, S, ACK, 1001, 5001, 18)), { seq: 1, ack: 1 });
    assert.deepEqual(r.next(seg(S, C, ACK, 5001, 1019)), { seq: 1, ack: 19 });
  });

  test('across the wrap: ISN 2^32 - 2, data 10 bytes later reads 10, not -4294967286', () => {
    const r = new RelativeNumbering();
    r.next(seg(C, S, SYN, 0xfffffffe, 0));
    r.next(seg(S, C, SYN | ACK, 7, 0xffffffff));
    assert.deepEqual(r.next(seg(C, S, ACK, 8, 8)), { seq: 10, ack: 1 });
  });

  test('ack is 0 when the ACK flag is off; a crafted segment never sets an ISN', () => {
    const r = new RelativeNumbering();
    r.next(seg(C, S, SYN, 1000, 0));
    r.next(seg(S, C, SYN | ACK, 5000, 1001));
    // An attacker's guessed RST from the client's address: relative to the real ISN, and it changes nothing.
    assert.deepEqual(r.next(seg(C, S, RST, 1500, 0, 0, { label: 'spoofed' })), { seq: 500, ack: 0 });
    assert.deepEqual(r.next(seg(C, S, SYN, 9000, 0, 0, { label: 'spoofed' })), { seq: 8000, ack: 0 });
    assert.deepEqual(r.next(seg(C, S, ACK | FIN, 1001, 5001)), { seq: 1, ack: 1 });
  });

  test('a capture that starts mid-connection counts from the first segment seen each way', () => {
    const r = new RelativeNumbering();
    assert.deepEqual(r.next(seg(C, S, ACK, 777, 999, 100)), { seq: 0, ack: 999 });
    assert.deepEqual(r.next(seg(S, C, ACK, 999, 877)), { seq: 0, ack: 100 });
  });

  test('seqMinus is serial arithmetic: 5 - (2^32 - 5) = 10, 1 - 2 = -1', () => {
    assert.equal(seqMinus(5, 0xfffffffb), 10);
    assert.equal(seqMinus(1, 2), -1);
  });
});

describe('words', () => {
  test('flag names joined by + in bit order; none for an empty field', () => {
    assert.equal(flagsText(['SYN', 'ACK']), 'SYN+ACK');
    assert.equal(flagsText([]), 'none');
  });

  test('arrow words as the text ladder writes them', () => {
    assert.equal(arrowWords(['SYN'], SYN, { seq: 0, ack: 0 }, 65535, 0), 'SYN 0 win 65535');
    assert.equal(arrowWords(['PSH', 'ACK'], 0x18, { seq: 1, ack: 1 }, 1024, 18), 'PSH+ACK 1 ack 1 win 1024 len 18');
    // ARP and UDP arrows (an Ethernet segment's scenarios) say what they are, not "none 0 win 0".
    const other = { flagNames: [], flags: 0, window: 0 };
    assert.equal(eventWords({ ...other, protocol: 'arp', payload: 'who-has 198.18.0.2 tell 198.18.0.1', len: 28 }, { seq: 0, ack: 0 }), 'ARP who-has 198.18.0.2 tell 198.18.0.1');
    assert.equal(eventWords({ ...other, protocol: 'udp', payload: 'BOOTP/DHCP, DHCP Discover', len: 254 }, { seq: 0, ack: 0 }), 'UDP len 254');
    assert.equal(eventWords({ flagNames: ['SYN'], flags: SYN, window: 65535, len: 0 }, { seq: 0, ack: 0 }), 'SYN 0 win 65535');
  });

  test('segment kinds follow the SVG renderer: lost before RST before retransmission before SYN before FIN', () => {
    assert.equal(segmentKind({ flags: RST, dropped: true, retransmission: false, len: 0 }), 'lost');
    assert.equal(segmentKind({ flags: RST | ACK, dropped: false, retransmission: true, len: 0 }), 'rst');
    assert.equal(segmentKind({ flags: SYN, dropped: false, retransmission: true, len: 0 }), 'retransmission');
    assert.equal(segmentKind({ flags: SYN | ACK, dropped: false, retransmission: false, len: 0 }), 'syn');
    assert.equal(segmentKind({ flags: FIN | ACK, dropped: false, retransmission: false, len: 0 }), 'fin');
    assert.equal(segmentKind({ flags: ACK, dropped: false, retransmission: false, len: 10 }), 'data');
    assert.equal(segmentKind({ flags: ACK, dropped: false, retransmission: false, len: 0 }), 'ack');
  });

  test('times and sizes', () => {
    assert.equal(formatMs(0), '0 ms');
    assert.equal(formatMs(1.2345), '1.235 ms');
    assert.equal(formatMs(250.04), '250 ms');
    assert.equal(formatMs(1000), '1 s');
    assert.equal(formatMs(60_000), '60 s');
    assert.equal(formatMs(125_000), '2 min 5 s');
    assert.equal(formatBytes(900), '900 B');
    assert.equal(formatBytes(14480), '14.1 KiB');
    assert.equal(formatBytes(1572864), '1.5 MiB');
  });

  test('a timer set at 0 for 1000 has half its time left at 500, none at or after 1000', () => {
    assert.equal(countdownFraction(0, 0, 1000), 1);
    assert.equal(countdownFraction(500, 0, 1000), 0.5);
    assert.equal(countdownFraction(1000, 0, 1000), 0);
    assert.equal(countdownFraction(2000, 0, 1000), 0);
    assert.equal(countdownFraction(5, 5, 5), 0);
  });
});
