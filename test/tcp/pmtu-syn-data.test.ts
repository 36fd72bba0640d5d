/**
 * Path MTU news about a Fast Open SYN that carried data. Our ISS = 1000, the peer's 5000; IPv4, our
 * MTU 1500 (MSS 1460); no options but MSS and Fast Open; ACKs not delayed.
 *
 * Worked out by hand:
 * - With a cookie and 1000 bytes queued the SYN is <SEQ=1000><CTL=SYN><DATA=1000> (RFC 7413 §4.1.2),
 *   an IP packet of 20 + 20 + 12 (MSS and the cookie's option) + 1000 octets.
 * - A router whose next hop has an MTU of 800 drops it and says so: ICMP "fragmentation needed" with
 *   MTU 800 (RFC 1191 §4), quoting SEQ=1000. RFC 5927 §4.1: believable, since SND.UNA =< 1000 <
 *   SND.NXT (1000 =< 1000 < 2001). RFC 1191 §6.5 / RFC 8201 §5.4: what was too big goes again at
 *   once, smaller: the SYN again, bare (<SEQ=1000><CTL=SYN>), at the instant the ICMP arrived, its
 *   timer neither restarted nor backed off (RFC 6298 §5.1), the path not marked as one that drops SYNs
 *   with data (RFC 7413 §4.1.3 is about timeouts).
 * - The SYN-ACK <SEQ=5000><ACK=1001><CTL=SYN,ACK> with MSS 1040 acknowledges only the SYN: the 1000
 *   bytes go again, in segments of at most min(1040, 800 - 40) = 760: 760 then 240.
 * - Under Linux's choice (synMssFollowsPathMtu) the bare SYN's MSS option is 800 - 40 = 760; by
 *   default it stays 1460, what we can receive (RFC 1191 §3.1).
 * - IPv6: packet too big with MTU 1400 (RFC 4443 §3.2) gives 1400 - 60 = 1340.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tcb } from '../../src/tcp/tcb.js';
import { setFastOpenClient } from '../../src/tcp/fast-open.js';
import type { TcpConfig } from '../../src/tcp/config.js';
import { drain, events, fmt, seg, tcb } from './harness.js';

const COOKIE = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function client(queued: number, config: Partial<TcpConfig> = {}, ipVersion: 4 | 6 = 4): Tcb {
  const t = tcb({ iss: 1000, ipVersion, config });
  setFastOpenClient(t, COOKIE, false, 1460);
  t.connect(0);
  if (queued > 0) t.send(new Uint8Array(queued).fill(0x61), 0);
  return t;
}

test('fragmentation needed for the SYN with data: the SYN goes again at once without it, then the data in segments the new MTU allows', () => {
  const t = client(1000);
  const [syn] = drain(t, 0);
  assert.equal(fmt(syn), '<SEQ=1000><CTL=SYN><DATA=1000>');
  assert.equal(t.icmpError('packet-too-big', 1000, 800, 60), true);
  const again = drain(t, 60);
  assert.deepEqual(again.map(fmt), ['<SEQ=1000><CTL=SYN>']);
  assert.equal(again[0].options.fastOpenCookie, undefined, 'the SYN goes without the option, as after a timeout');
  assert.equal(again[0].options.mss, 1460, 'by default the option says what we can receive');
  assert.equal(t.pollTimeout(), 1000, 'the timer runs on as it was, not backed off (RFC 6298 §5.1: running, it is not restarted)');
  assert.equal(t.stats.RetransSegs, 1);
  assert.ok(!events(t).some((e) => e.type === 'fast-open' && e.synDataLost === true), 'the path is not marked');
  t.handleSegment(seg('<SEQ=5000><ACK=1001><CTL=SYN,ACK>', { options: { mss: 1040 } }), 80);
  assert.equal(t.state, 'ESTABLISHED');
  assert.deepEqual(drain(t, 80).map(fmt), ['<SEQ=1001><ACK=5001><CTL=ACK><DATA=760>', '<SEQ=1761><ACK=5001><CTL=PSH,ACK><DATA=240>']);
  assert.equal(t.stats.TCPFastOpenActiveFail, 1);
});

test("under Linux's choice the bare SYN's MSS option follows the path MTU: 800 - 40, and 1400 - 60 over IPv6", () => {
  const v4 = client(1000, { synMssFollowsPathMtu: true });
  drain(v4, 0);
  v4.icmpError('packet-too-big', 1000, 800, 60);
  assert.equal(drain(v4, 60)[0].options.mss, 760);
  const v6 = client(1000, { synMssFollowsPathMtu: true }, 6);
  const [syn6] = drain(v6, 0);
  assert.equal(syn6.options.mss, 1440);
  v6.icmpError('packet-too-big', 1000, 1400, 60);
  const again = drain(v6, 60);
  assert.deepEqual(again.map(fmt), ['<SEQ=1000><CTL=SYN>']);
  assert.equal(again[0].options.mss, 1340);
});

test('RFC 5927 §4.1: an ICMP quoting a sequence number we have not sent is ignored; the SYN is not sent again', () => {
  const t = client(1000);
  drain(t, 0);
  assert.equal(t.icmpError('packet-too-big', 2001, 800, 60), false, 'SND.NXT itself is outside');
  assert.equal(t.icmpError('packet-too-big', 999, 800, 60), false);
  assert.deepEqual(drain(t, 60), []);
  assert.equal(t.stats.OutOfWindowIcmps, 2);
  assert.equal(t.pathMtu, 1500);
});

test('a SYN without data is not sent again on packet too big (it was not the one too big); the MTU is still learnt', () => {
  const t = client(0);
  drain(t, 0);
  assert.equal(t.icmpError('packet-too-big', 1000, 800, 60), true);
  assert.deepEqual(drain(t, 60), []);
  assert.equal(t.pathMtu, 800);
  assert.equal(t.pollTimeout(), 1000);
});

test('a second packet too big for the same SYN (a smaller MTU further on) sends no second bare SYN at once', () => {
  const t = client(1000);
  drain(t, 0);
  t.icmpError('packet-too-big', 1000, 1200, 60);
  assert.equal(drain(t, 60).length, 1);
  t.icmpError('packet-too-big', 1000, 800, 61);
  assert.deepEqual(drain(t, 61), []);
  assert.equal(t.pathMtu, 800);
  // A timeout later still retransmits the bare SYN, without marking the path.
  t.handleTimeout(1000);
  assert.deepEqual(drain(t, 1000).map(fmt), ['<SEQ=1000><CTL=SYN>']);
  assert.ok(!events(t).some((e) => e.type === 'fast-open' && e.synDataLost === true));
});
