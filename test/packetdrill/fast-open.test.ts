/**
 * TCP Fast Open in the packetdrill runner under the linux personality, with scripts written the way
 * Linux's own are (net/tcp/fastopen): sendto(MSG_FASTOPEN), TCP_FASTOPEN_CONNECT, TCP_FASTOPEN and
 * TCP_FASTOPEN_KEY, the tcp_fastopen sysctls, FO/FOEXP options and TFO_COOKIE, and the remote's
 * sequence numbers relative to its ISN except on SYNs.
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

test('client: sendto(MSG_FASTOPEN) asks for a cookie, then carries data on the SYN; a SYN-ACK of the SYN alone makes the data go again', () => {
  passes(`
\`sysctl -q net.ipv4.tcp_timestamps=0\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 sendto(3, ..., 0, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS (Operation is now in progress)
   +0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO,nop,nop>
 +.01 < S. 123:123(0) ack 1 win 5840 <mss 1040,nop,nop,sackOK,nop,wscale 6,FO 1234abcd,nop,nop>
   +0 > . 1:1(0) ack 1
   +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 sendto(4, ..., 5000, MSG_FASTOPEN, ..., ...) = 1000
   +0 > S 0:1000(1000) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO 1234abcd,nop,nop>
 +.01 < S. 0:0(0) ack 1 win 5840 <mss 1040,nop,nop,sackOK,nop,wscale 6>
   +0 > P. 1:1001(1000) ack 1
   +0 %{ assert (tcpi_options & TCPI_OPT_SYN_DATA) == 0, tcpi_options }%
`);
});

test('client: TCP_FASTOPEN_CONNECT: with a cookie, connect() returns 0 and the SYN waits for the first write', () => {
  passes(`
\`sysctl -q net.ipv4.tcp_timestamps=0\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
   +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation is now in progress)
   +0 > S 0:0(0) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO,nop,nop>
 +.01 < S. 123:123(0) ack 1 win 14600 <mss 1460,nop,nop,sackOK,nop,wscale 6,FO abcd1234,nop,nop>
   +0 > . 1:1(0) ack 1
   +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 setsockopt(4, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
 +.01 connect(4, ..., ...) = 0
 +.01 write(4, ..., 1000) = 1000
   +0 > S 0:1000(1000) <mss 1460,nop,nop,sackOK,nop,wscale 7,FO abcd1234,nop,nop>
 +.01 < S. 1234:1234(0) ack 1001 win 14600 <mss 1460,nop,nop,sackOK,nop,wscale 6>
   +0 > . 1001:1001(0) ack 1
   +0 %{ assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0, tcpi_options }%
   +0 < P. 1:501(500) ack 1001 win 257
   +0 > . 1001:1001(0) ack 501
   +0 read(4, ..., 4096) = 500
`);
});

test('client: tcp_fastopen bit 0x4 (TFO_CLIENT_NO_COOKIE): sendto(MSG_FASTOPEN) puts data on a SYN with no Fast Open option', () => {
  // Linux's tcp_fastopen_cookie_check with TFO_CLIENT_NO_COOKIE: no cookie and no option, data sized
  // by our MSS less 40 option bytes (1460 - 40 = 1420 of 5000); without the bit the SYN asks for a cookie.
  const script = (bits: string) => `
\`sysctl -q net.ipv4.tcp_timestamps=0
sysctl -q net.ipv4.tcp_fastopen=${bits}\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 sendto(3, ..., 5000, MSG_FASTOPEN, ..., ...) = 1420
   +0 > S 0:1420(1420) <mss 1460,nop,nop,sackOK,nop,wscale 7>
 +.01 < S. 123:123(0) ack 1421 win 5840 <mss 1460,nop,nop,sackOK,nop,wscale 6>
   +0 > . 1421:1421(0) ack 1
   +0 %{ assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0, tcpi_options }%
`;
  passes(script('0x5'));
  const off = linux(script('0x1'));
  assert.equal(off.result, 'FAIL', `without 0x4: ${off.result} ${off.detail ?? ''}`);
  // The server bits with 0x4 (zerocopy/fastopen-server's 0x207) are no longer unsupported.
  passes(`
\`sysctl -q net.ipv4.tcp_fastopen=0x207\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [2], 4) = 0
  +.1 < S 0:1000(1000) win 32792 <mss 1460,sackOK,nop,nop>
   +0 > S. 0:0(0) ack 1001 <mss 1460,nop,nop,sackOK>
`);
});

test('client: TCP_FASTOPEN_CONNECT with bit 0x4 and no cookie: connect() returns 0, the first write goes on a SYN without option', () => {
  // tcp_fastopen_defer_connect defers whenever tcp_fastopen_cookie_check says yes, which
  // TFO_CLIENT_NO_COOKIE does without a cookie; with 0x1 alone a cookie request would go at once.
  passes(`
\`sysctl -q net.ipv4.tcp_timestamps=0
sysctl -q net.ipv4.tcp_fastopen=0x5\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
   +0 connect(3, ..., ...) = 0
 +.01 write(3, ..., 100) = 100
   +0 > S 0:100(100) <mss 1460,nop,nop,sackOK,nop,wscale 7>
 +.01 < S. 0:0(0) ack 101 win 14600 <mss 1460,nop,nop,sackOK,nop,wscale 6>
   +0 > . 101:101(0) ack 1
`);
});

test('server: tcp_fastopen and tcp_fastopen_key sysctls; a cookie request answered with TFO_COOKIE, a valid one takes the data', () => {
  passes(`
\`sysctl -q net.ipv4.tcp_fastopen=0x70403 net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 999000:999000(0) win 32792 <mss 1460,sackOK,nop,nop,FOEXP>
   +0 > S. 0:0(0) ack 999001 <mss 1460,nop,nop,sackOK,FOEXP TFO_COOKIE>
   +0 < . 1:1(0) ack 1 win 32792
   +0 accept(3, ..., ...) = 4
   +0 close(4) = 0
   +0 > F. 1:1(0) ack 1
   +0 close(3) = 0
  +.1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 5000:5010(10) win 32792 <mss 1460,sackOK,nop,nop,FO TFO_COOKIE,nop,nop>
   +0 > S. 0:0(0) ack 5011 <mss 1460,nop,nop,sackOK>
   +0 accept(3, ..., ...) = 5
   +0 %{ assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0, tcpi_options }%
   +0 read(5, ..., 512) = 10
`);
});

test('server: TCP_FASTOPEN_KEY takes the key as bytes (\\\\x escapes); a key of the wrong length is EINVAL', () => {
  passes(`
--local_ip=192.168.0.2
--remote_ip=10.248.0.2
\`sysctl -q net.ipv4.tcp_fastopen=3\`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "\\xf7\\x63\\xbf\\xa0\\x81\\x3d\\x80\\xed\\x30\\x1d\\x64\\xcd\\x90\\x4a\\xbc\\xce", 16) = 0
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_KEY, "", 3) = -1 EINVAL (Invalid Argument)
   +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [4], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 1428932:1428932(0) win 10000 <mss 1012,FOEXP,sackOK,TS val 1 ecr 0,nop,wscale 7>
   +0 > S. 0:0(0) ack 1428933 <mss 1460,sackOK,TS val 10000 ecr 1,nop,wscale 7,FOEXP 00abaaabe8e954c2>
`);
});

test("without Fast Open on the listener, a plain SYN's data is not kept (Linux), and the remote's numbers after its SYN are relative to its ISN", () => {
  passes(`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 999000:999040(40) win 32792 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 6>
   +0 > S. 1234:1234(0) ack 999001 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 7>
   +0 < . 1:1(0) ack 1 win 100
   +0 accept(3, ..., ...) = 4
   +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
   +0 read(4, ..., 512) = -1 EAGAIN (Resource temporarily unavailable)
`);
});
