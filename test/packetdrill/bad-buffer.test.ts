/**
 * A NULL buffer in a script is memory the process cannot reach. read(2) and write(2) document EFAULT
 * for "buf is outside your accessible address space"; both kernels find it when they copy (Linux's
 * tcp_sendmsg_locked and tcp_recvmsg, FreeBSD's uiomove), so errors found before the copy come
 * first, nothing is sent, and what was queued for reading stays queued. A Fast Open send whose data
 * cannot be copied sends its SYN with a cookie request and no data (Linux's tcp_send_syn_data falls
 * back so), and fails: EINPROGRESS without waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText } from '../../src/packetdrill/index.js';

const HANDSHAKE = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`;

const BAD_BUFFERS = `${HANDSHAKE}+0 write(4, NULL, 100) = -1 EFAULT (Bad address)
+0 send(4, NULL, 100, 0) = -1 EFAULT (Bad address)
+0 write(4, NULL, 0) = 0
+0 < P. 1:11(10) ack 1 win 257
+0 > . 1:1(0) ack 11 <...>
+0 read(4, NULL, 100) = -1 EFAULT (Bad address)
+0 recv(4, NULL, 100, 0) = -1 EFAULT (Bad address)
+0 read(4, ..., 100) = 10
+0 write(4, ..., 100) = 100
+0 > P. 1:101(100) ack 11 <...>
`;

for (const personality of ['linux', 'freebsd'] as const) {
  test(`${personality}: write and read with a NULL buffer fail with EFAULT; nothing is sent and the data stays to be read`, () => {
    // Linux ACKs the first data at once (quick ACK); FreeBSD delays it, and it rides on our data.
    const src = personality === 'linux' ? BAD_BUFFERS : BAD_BUFFERS.replace('+0 > . 1:1(0) ack 11 <...>\n', '');
    const r = runScriptText(src, { personality });
    assert.equal(r.result, 'PASS', `${r.result} line ${r.line}: ${r.detail ?? ''}`);
  });
}

test('linux: an error found before the copy comes first (EPIPE after shutdown(SHUT_WR))', () => {
  const r = runScriptText(`${HANDSHAKE}+0 shutdown(4, SHUT_WR) = 0
+0 > F. 1:1(0) ack 1 <...>
+0 write(4, NULL, 100) = -1 EPIPE (Broken pipe)
`, { personality: 'linux' });
  assert.equal(r.result, 'PASS', `${r.result} line ${r.line}: ${r.detail ?? ''}`);
});

test('linux: a Fast Open send from a NULL buffer: a SYN asking for a cookie, no data, EINPROGRESS', () => {
  const r = runScriptText(`\`sysctl -q net.ipv4.tcp_timestamps=0\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 sendto(3, ..., 0, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS (Operation is now in progress)
   +0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO,nop,nop>
 +.01 < S. 123:123(0) ack 1 win 5840 <mss 1460,nop,nop,sackOK,nop,wscale 6,FO abcd1234,nop,nop>
   +0 > . 1:1(0) ack 1
  +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 sendto(4, NULL, 100, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS (Operation is now in progress)
   +0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO,nop,nop>
  +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5
   +0 setsockopt(5, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
   +0 connect(5, ..., ...) = 0
   +0...0.01 write(5, NULL, 100) = -1 EFAULT (Bad address)
   +0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO,nop,nop>
 +.01 < S. 77:77(0) ack 1 win 5840 <mss 1460,nop,nop,sackOK,nop,wscale 6,FO abcd1234,nop,nop>
   +0 > . 1:1(0) ack 1
`, { personality: 'linux' });
  assert.equal(r.result, 'PASS', `${r.result} line ${r.line}: ${r.detail ?? ''}`);
});
