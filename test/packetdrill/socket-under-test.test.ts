/**
 * Which packets an outbound line is compared with. Google's packetdrill (whose scripts the linux
 * personality runs) compares an outbound line only with packets of the socket under test, the last
 * one socket() made: its sniffer reads past packets of any other 4-tuple. So Linux's scripts leave
 * out the FIN of a socket they closed before opening the next. FreeBSD's suite lists every packet
 * its host sends, and the freebsd personality holds scripts to that.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText } from '../../src/packetdrill/index.js';

/** Socket 3 connects and closes (its FIN not listed), then socket 4 connects. */
const TWO_SOCKETS = `
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
   +0 > S 0:0(0) <...>
 +.01 < S. 0:0(0) ack 1 win 32767 <mss 1460>
   +0 > . 1:1(0) ack 1
   +0 close(3) = 0
  +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 connect(4, ..., ...) = -1 EINPROGRESS (Operation now in progress)
   +0 > S 0:0(0) <...>
 +.01 < S. 0:0(0) ack 1 win 32767 <mss 1460>
   +0 > . 1:1(0) ack 1
`;

test("linux: a packet of a socket other than the one under test is read past (the closed socket's FIN)", () => {
  const r = runScriptText(TWO_SOCKETS, { personality: 'linux' });
  assert.equal(r.result, 'PASS', `${r.result}: ${r.detail ?? ''}`);
});

test('linux: the socket under test still has every one of its own packets compared', () => {
  // Socket 4's ACK of the SYN-ACK left out: the next line meets it.
  const r = runScriptText(TWO_SOCKETS.replace(/   \+0 > \. 1:1\(0\) ack 1\n$/, '   +0 close(4) = 0\n   +0 > F. 1:1(0) ack 1\n'), { personality: 'linux' });
  assert.equal(r.result, 'FAIL');
  assert.match(r.detail ?? '', /line 15: expected outbound > F\. 1:1\(0\) ack 1 .*synack sent > \. 1:1\(0\) ack 1/);
});

test("freebsd: every packet is compared, so the unlisted FIN fails the script", () => {
  const r = runScriptText(TWO_SOCKETS, { personality: 'freebsd' });
  assert.equal(r.result, 'FAIL');
  assert.match(r.detail ?? '', /line 12: expected outbound > S 0:0\(0\).*synack sent > F\./);
});
