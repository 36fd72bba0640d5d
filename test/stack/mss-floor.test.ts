/**
 * A tiny peer MSS (the CVE-2019-11479 pattern): a SYN announcing MSS 1 would make a 2,000-byte answer
 * cost 2,000 segments. `minSendMss` raises the peer's option to a floor (Linux's tcp_min_snd_mss, 48;
 * FreeBSD's net.inet.tcp.minmss, 216, in the freebsd personality). The peer here is written by hand:
 * it sends the SYN, acknowledges everything it receives at once, and counts the segments.
 *
 * Worked out: without timestamps a segment holds min(floor, 1460) octets of data, so 2000 octets go in
 * ceil(2000 / 48) = 42 segments (41 of 48, one of 32); with the FreeBSD floor ceil(2000 / 216) = 10.
 * With timestamps the 12 octets of the option come out of the MSS (RFC 6691, as Linux counts it):
 * 36 octets of data a segment, ceil(2000 / 36) = 56 segments.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A4, B4, drainOut, FLAGS, newStack, tcpOut, tcpPacket } from './helpers.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { resolveConfig } from '../../src/tcp/config.js';
import { PERSONALITIES } from '../../src/packetdrill/personality.js';
import { applySysctl, defaultHostSettings } from '../../src/packetdrill/sysctl.js';
import type { TcpOptions } from '../../src/wire/index.js';

const { SYN, ACK } = FLAGS;
const ANSWER = 2000;

/** The data segments a 2,000-octet answer takes when the client's SYN says `mss`. */
function answerSegments(mss: number, tcp: Partial<TcpConfig> = {}, timestamps = false): { sizes: number[]; floored: number } {
  const b = newStack([B4], 7, { tcp });
  const l = b.listen(80);
  const ts = (v: number): TcpOptions => (timestamps ? { timestamp: { value: v, echo: 0 } } : {});
  let now = 0;
  b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 100, flags: SYN, options: { mss, ...ts(1) } }), now);
  const synAck = tcpOut(drainOut(b, now)[0]);
  assert.equal(synAck.tcp.flags, SYN | ACK);
  const echo = () => (timestamps ? { timestamp: { value: 2, echo: synAck.tcp.options.timestamp!.value } } : {});
  let ack = (synAck.tcp.seq + 1) >>> 0;
  b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 101, ack, flags: ACK, options: echo() }), now);
  const conn = l.accept();
  assert.ok(conn, 'established');
  conn.send(new Uint8Array(ANSWER).fill(0x61), now);
  const sizes: number[] = [];
  for (let round = 0; round < 10_000 && sizes.reduce((a, n) => a + n, 0) < ANSWER; round++) {
    now += 1;
    if ((b.pollTimeout() ?? Infinity) <= now) b.handleTimeout(now);
    for (const p of drainOut(b, now).map(tcpOut)) {
      if (p.tcp.payload.length === 0) continue;
      sizes.push(p.tcp.payload.length);
      ack = (p.tcp.seq + p.tcp.payload.length) >>> 0;
      b.handlePacket(tcpPacket({ src: A4, dst: B4, sport: 40000, dport: 80, seq: 101, ack, flags: ACK, options: echo() }), now);
    }
  }
  assert.equal(sizes.reduce((a, n) => a + n, 0), ANSWER, 'the whole answer went');
  return { sizes, floored: b.counters.tcp.TCPMssFloored };
}

describe('minSendMss: a tiny peer MSS is raised to a floor (CVE-2019-11479)', () => {
  test("the default floor is Linux's tcp_min_snd_mss, 48; the freebsd personality's is minmss, 216", () => {
    assert.equal(resolveConfig().minSendMss, 48);
    assert.equal(PERSONALITIES.freebsd.tcp.minSendMss, 216);
  });

  test('MSS 1: 2,000 octets go in 42 segments of at most 48 octets (41 of 48), not 2,000 of one', () => {
    const { sizes, floored } = answerSegments(1);
    assert.equal(sizes.length, 42, `segment sizes ${sizes.join(',')}`);
    assert.ok(sizes.every((n) => n <= 48));
    assert.equal(sizes.filter((n) => n === 48).length, 41);
    assert.equal(floored, 1, 'TCPMssFloored counts the SYN');
  });

  test('MSS 1 with timestamps: each segment is the floor with its 12 octets of options (36 of data)', () => {
    const { sizes } = answerSegments(1, {}, true);
    assert.equal(sizes.length, Math.ceil(ANSWER / 36));
    assert.ok(sizes.slice(0, -1).every((n) => n + 12 === 48), `segment sizes ${sizes.join(',')}`);
  });

  test("the freebsd personality's floor: MSS 1 gives segments of 216 octets", () => {
    const { sizes } = answerSegments(1, PERSONALITIES.freebsd.tcp);
    assert.equal(sizes.length, Math.ceil(ANSWER / 216));
    assert.ok(sizes.slice(0, -1).every((n) => n === 216), `segment sizes ${sizes.join(',')}`);
  });

  test('an MSS at or above the floor is taken as it is, and not counted', () => {
    const { sizes, floored } = answerSegments(100);
    assert.ok(sizes.slice(0, -1).every((n) => n === 100));
    assert.equal(floored, 0);
  });

  test('a floor of 1 is allowed (the old behaviour, for a test bed), and out-of-range floors are refused', () => {
    assert.equal(answerSegments(1, { minSendMss: 1 }).sizes.length, ANSWER);
    assert.throws(() => resolveConfig({ minSendMss: 0 }), RangeError);
    assert.throws(() => resolveConfig({ minSendMss: 1.5 }), RangeError);
  });

  test("packetdrill's net.inet.tcp.minmss sets it", () => {
    const h = defaultHostSettings();
    assert.equal(applySysctl('net.inet.tcp.minmss', '536', h), undefined);
    assert.equal(h.tcp.minSendMss, 536);
    assert.match(applySysctl('net.inet.tcp.minmss', '0', h) ?? '', /outside/);
  });
});
