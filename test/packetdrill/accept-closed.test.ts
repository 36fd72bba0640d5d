/**
 * accept() of a connection the peer reset while it waited in the accept queue, under the linux
 * personality (acceptQueueKeepsClosed, Linux's inet_csk_accept): the socket comes back closed
 * (tcpi_state TCP_CLOSE), the reset's ECONNRESET is pending and is what the first call that takes
 * errors returns (write: Linux's tcp_sendmsg checks sk_err first), then the data that came before the
 * RST is read, then end of file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText } from '../../src/packetdrill/index.js';

test('linux: a connection reset before accept() is accepted closed, ECONNRESET pending, its data readable', () => {
  const r = runScriptText(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.01 < . 1:1(0) ack 1 win 257
+0 < P. 1:21(20) ack 1 win 257
+0 > . 1:1(0) ack 21 <...>
+.01 < R. 21:21(0) win 257
+0 accept(3, ..., ...) = 4
+0 %{ assert tcpi_state == TCP_CLOSE, tcpi_state }%
+0 write(4, ..., 100) = -1 ECONNRESET (Connection reset by peer)
+0 read(4, ..., 100) = 20
+0 read(4, ..., 100) = 0
`, { personality: 'linux' });
  assert.equal(r.result, 'PASS', `${r.result} line ${r.line}: ${r.detail ?? ''}`);
});

test('linux: host unreachable ends a Fast Open child before accept(): accepted closed, its SYN data read, then EHOSTUNREACH, then EPIPE', () => {
  const r = runScriptText(`\`sysctl -q net.ipv4.tcp_fastopen=0x603 net.ipv4.tcp_timestamps=0\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:10(10) win 32792 <mss 1460,sackOK,nop,nop>
+0 > S. 0:0(0) ack 11 <...>
+.1 < icmp unreachable host_unreachable [0:10(10)]
+0 accept(3, ..., ...) = 4
+0 read(4, ..., 512) = 10
+0 read(4, ..., 512) = -1 EHOSTUNREACH (No route to host)
+0 write(4, ..., 100) = -1 EPIPE (Broken pipe)
+.1 < . 1:1(0) ack 1 win 32792
+0 > R 1:1(0)
`, { personality: 'linux' });
  assert.equal(r.result, 'PASS', `${r.result} line ${r.line}: ${r.detail ?? ''}`);
});
