/**
 * The system calls of a Fast Open client under the linux personality, as Linux documents them
 * (tcp(7): TCP_FASTOPEN_CONNECT, MSG_FASTOPEN; connect(2) and send(2) errors) and implements them in
 * tcp_sendmsg_fastopen and __inet_stream_connect:
 *
 * - The send that opens the connection (sendto(MSG_FASTOPEN), or the first send after a connect()
 *   that TCP_FASTOPEN_CONNECT deferred) is connect() and write() in one call. Blocking, it waits
 *   for the handshake as connect() does, and fails with connect()'s error (ECONNREFUSED on a RST,
 *   ETIMEDOUT when the SYN retries run out) even though the SYN carried data: nothing of it was
 *   delivered, so nothing is reported as written.
 * - Without waiting it returns what the SYN took, or EINPROGRESS when the SYN took nothing.
 * - While the handshake is under way, another sendto(MSG_FASTOPEN) or connect() is EALREADY; a
 *   connect() after a deferred one is EISCONN (connect(2)'s "already connected": it returned 0).
 * - A deferred connect is writable in poll() (so that the application writes the SYN's data).
 * - TCP_FASTOPEN_CONNECT is EOPNOTSUPP while net.ipv4.tcp_fastopen has no client bit, EINVAL for a
 *   value other than 0 or 1. TCP_SYNCNT (tcp(7)) sets the SYN retries, 1 to 127.
 *
 * Times: with timestamps off, linux's initial RTO is 1 s (RFC 6298 §2.1), so a SYN sent at t and
 * retried once gives up at t + 1 + 2 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText, type ScriptResult } from '../../src/packetdrill/index.js';

function linux(src: string): ScriptResult {
  return runScriptText(src, { personality: 'linux' });
}

function passes(src: string): void {
  const r = linux(src);
  assert.equal(r.result, 'PASS', `${r.result}: ${r.detail ?? ''}`);
}

/** Socket 3 asks for a cookie and gets abcd1234; the cookie is then in the client's cache. */
const WARM_UP = `
\`sysctl -q net.ipv4.tcp_timestamps=0\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 sendto(3, ..., 0, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS (Operation is now in progress)
   +0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO,nop,nop>
 +.01 < S. 123:123(0) ack 1 win 5840 <mss 1460,nop,nop,sackOK,nop,wscale 6,FO abcd1234,nop,nop>
   +0 > . 1:1(0) ack 1
   +0 close(3) = 0
   +0 > F. 1:1(0) ack 1
`;

test('blocking sendto(MSG_FASTOPEN) answered by a RST fails with ECONNREFUSED, though the SYN carried data', () => {
  passes(`${WARM_UP}
 +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0...0.02 sendto(4, ..., 500, MSG_FASTOPEN, ..., ...) = -1 ECONNREFUSED (Connection refused)
   +0 > S 0:500(500) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO abcd1234,nop,nop>
 +.02 < R. 0:0(0) ack 1 win 0
`);
});

test('blocking write after a deferred connect: ETIMEDOUT when the SYN retries (TCP_SYNCNT) run out', () => {
  passes(`${WARM_UP}
 +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0 setsockopt(4, IPPROTO_TCP, TCP_SYNCNT, [1], 4) = 0
   +0 getsockopt(4, IPPROTO_TCP, TCP_SYNCNT, [1], [4]) = 0
   +0 setsockopt(4, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
   +0 connect(4, ..., ...) = 0
   +0...3 write(4, ..., 500) = -1 ETIMEDOUT (Connection timed out)
   +0 > S 0:500(500) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO abcd1234,nop,nop>
   +1 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 7>
`);
});

test('blocking write after a deferred connect waits for the handshake; the deferred socket is writable and connect() again is EISCONN', () => {
  passes(`${WARM_UP}
 +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0 setsockopt(4, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
   +0 connect(4, ..., ...) = 0
   +0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
   +0 connect(4, ..., ...) = -1 EISCONN (Transport endpoint is already connected)
   +0...0.03 write(4, ..., 1000) = 1000
   +0 > S 0:1000(1000) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO abcd1234,nop,nop>
 +.03 < S. 1234:1234(0) ack 1001 win 5840 <mss 1460,nop,nop,sackOK,nop,wscale 6>
   +0 > . 1001:1001(0) ack 1
`);
});

test('non-blocking: the SYN takes what it can; during the handshake sendto(MSG_FASTOPEN) and connect() are EALREADY, write() EAGAIN', () => {
  passes(`${WARM_UP}
 +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 setsockopt(4, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
   +0 connect(4, ..., ...) = 0
   +0 write(4, ..., 3000) = 1420
   +0 > S 0:1420(1420) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO abcd1234,nop,nop>
   +0 sendto(4, ..., 100, MSG_FASTOPEN, ..., ...) = -1 EALREADY (Operation already in progress)
   +0 connect(4, ..., ...) = -1 EALREADY (Operation already in progress)
   +0 write(4, ..., 100) = -1 EAGAIN (Resource temporarily unavailable)
 +.02 < R. 0:0(0) ack 1 win 0
   +0 write(4, ..., 100) = -1 ECONNREFUSED (Connection refused)
`);
});

test('TCP_FASTOPEN_CONNECT: EOPNOTSUPP without the client bit of net.ipv4.tcp_fastopen, EINVAL beyond 1; TCP_SYNCNT 0 is EINVAL', () => {
  passes(`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 \`sysctl -q net.ipv4.tcp_fastopen=0\`
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = -1 EOPNOTSUPP (Operation not supported)
   +0 sendto(3, ..., 100, MSG_FASTOPEN, ..., ...) = -1 EOPNOTSUPP (Operation not supported)
   +0 \`sysctl -q net.ipv4.tcp_fastopen=1\`
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_CONNECT, [2], 4) = -1 EINVAL (Invalid argument)
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
   +0 setsockopt(3, IPPROTO_TCP, TCP_SYNCNT, [0], 4) = -1 EINVAL (Invalid argument)
`);
});

test('sendto(MSG_FASTOPEN) to an AF_UNSPEC address is EOPNOTSUPP (tcp_sendmsg_fastopen), and nothing is sent', () => {
  passes(`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 sendto(3, ..., 0, MSG_FASTOPEN, AF_UNSPEC, ...) = -1 EOPNOTSUPP (Operation not supported)
   +0 sendto(3, ..., 100, MSG_FASTOPEN, AF_UNSPEC, ...) = -1 EOPNOTSUPP (Operation not supported)
   +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
   +0 > S 0:0(0) <...>
`);
});
