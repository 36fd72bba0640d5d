/**
 * The socket table under the linux personality (`os: 'linux'`): Linux's system-call semantics where
 * they differ from FreeBSD's, and the Linux socket options and calls its scripts use. Each script
 * states what Linux documents: man 7 tcp (TCP_CORK, TCP_NODELAY's flush, TCP_INQ / TCP_CM_INQ,
 * TCP_NOTSENT_LOWAT, TCP_USER_TIMEOUT, TCP_MAXSEG, SIOCINQ / SIOCOUTQ / SIOCOUTQNSD), man 2 send
 * (MSG_MORE), man 7 socket (SO_SNDBUF / SO_RCVBUF doubled), man 2 poll with tcp_poll's revents, man
 * 2 shutdown and man 2 write (EPIPE on a socket that is not connected).
 *
 * The peer (the script) announces MSS 1000 without timestamps, so segments carry 1000 octets; its
 * handshake ACK comes 10 ms after the SYN-ACK, so the RTO is its 200 ms floor.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runScriptText } from '../../src/packetdrill/index.js';

const HANDSHAKE = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`;

/** 'none' is synack's own TCP settings with FreeBSD's system calls (the socket table's default). */
function run(src: string, personality: 'linux' | 'freebsd' | 'none' = 'linux') {
  return runScriptText(src, { mode: 'lenient', personality });
}

function passes(src: string, personality: 'linux' | 'freebsd' | 'none' = 'linux'): void {
  const r = run(src, personality);
  assert.equal(r.result, 'PASS', `line ${r.line}: ${r.detail}`);
}

const CORK = `${HANDSHAKE}+0 setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0
+0 getsockopt(4, SOL_TCP, TCP_CORK, [1], [4]) = 0
+0 write(4, ..., 300) = 300
+.02 write(4, ..., 2500) = 2500
+0 > . 1:1001(1000) ack 1
+0 > . 1001:2001(1000) ack 1
+.01 < . 1:1(0) ack 2001 win 257
+.02 setsockopt(4, SOL_TCP, TCP_CORK, [0], 4) = 0
+0 > P. 2001:2801(800) ack 1
+.01 < . 1:1(0) ack 2801 win 257
+0 send(4, ..., 30, MSG_MORE) = 30
+.2~+.25 > P. 2801:2831(30) ack 1
+.01 < . 1:1(0) ack 2831 win 257
+0 setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0
+0 write(4, ..., 30) = 30
+.05 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
+0 > P. 2831:2861(30) ack 1
`;

const INQ = `${HANDSHAKE}+0 setsockopt(4, SOL_TCP, TCP_INQ, [1], 4) = 0
+0 getsockopt(4, SOL_TCP, TCP_INQ, [1], [4]) = 0
+0 < P. 1:301(300) ack 1 win 257
+0 > . 1:1(0) ack 301
+0 ioctl(4, SIOCINQ, [300]) = 0
+0 recvmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 50}, {..., 70}], msg_flags=0, msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=180}]}, 0) = 120
+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 5000}], msg_flags=0, msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=0}]}, 0) = 180
+0 < F. 301:401(100) ack 1 win 257
+0 > . 1:1(0) ack 402
+0 ioctl(4, FIONREAD, [100]) = 0
+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 40}], msg_flags=0, msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=61}]}, 0) = 40
+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 100}], msg_flags=0, msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=1}]}, 0) = 60
+0 read(4, ..., 100) = 0
+0 ioctl(4, SIOCOUTQ, [0]) = 0
+0 write(4, ..., 10) = 10
+0 > P. 1:11(10) ack 402
+0 ioctl(4, SIOCOUTQ, [10]) = 0
+0 ioctl(4, SIOCOUTQNSD, [0]) = 0
`;

const POLL = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 poll([{fd=3, events=POLLIN|POLLOUT|POLLRDHUP, revents=POLLOUT|POLLHUP}], 1, 0) = 1
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=0}], 1, 0) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 poll([{fd=3, events=POLLIN, revents=POLLIN}], 1, 0) = 1
+0 accept(3, ..., ...) = 4
+0 poll([{fd=4, events=POLLIN|POLLOUT|POLLRDHUP, revents=POLLOUT}], 1, 0) = 1
+0 < P. 1:11(10) ack 1 win 257
+0 > . 1:1(0) ack 11
+0 poll([{fd=4, events=POLLIN|POLLRDHUP, revents=POLLIN}], 1, 0) = 1
+0 < F. 11:11(0) ack 1 win 257
+0 > . 1:1(0) ack 12
+0 poll([{fd=4, events=POLLIN|POLLRDHUP, revents=POLLIN|POLLRDHUP}], 1, 0) = 1
+0 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 0) = 1
+0 read(4, ..., 100) = 10
+0 shutdown(4, SHUT_WR) = 0
+0 > F. 1:1(0) ack 12
+0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLIN|POLLOUT|POLLHUP}], 1, 0) = 1
+0 write(4, ..., 10) = -1 EPIPE (Broken pipe)
+0 < R. 12:12(0) ack 2 win 257
+0 poll([{fd=4, events=0, revents=POLLERR|POLLHUP}], 1, 0) = 1
`;

const SHUTRD = `${HANDSHAKE}+0 < P. 1:201(200) ack 1 win 257
+0 > . 1:1(0) ack 201
+0 shutdown(4, SHUT_RD) = 0
+0 poll([{fd=4, events=POLLIN|POLLRDHUP, revents=POLLIN|POLLRDHUP}], 1, 0) = 1
+0 read(4, ..., 150) = 150
+0 read(4, ..., 150) = 50
+0 read(4, ..., 150) = 0
+0 < P. 201:301(100) ack 1 win 257
+0 > . 1:1(0) ack 301
+0 read(4, ..., 150) = 100
+0 shutdown(4, 7) = -1 EINVAL (Invalid argument)
`;

const MAXSEG = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 setsockopt(3, SOL_TCP, TCP_MAXSEG, [50], 4) = -1 EINVAL (Invalid argument)
+0 setsockopt(3, SOL_TCP, TCP_MAXSEG, [1200], 4) = 0
+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1200], [4]) = 0
+0 < S 0:0(0) win 32792 <mss 1400,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1200,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 getsockopt(4, SOL_TCP, TCP_MAXSEG, [1200], [4]) = 0
+0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
+0 write(4, ..., 3000) = 3000
+0 > . 1:1201(1200) ack 1
+0 > . 1201:2401(1200) ack 1
+0 > P. 2401:3001(600) ack 1
`;

const LOWAT = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 40
+0 accept(3, ..., ...) = 4
+0 getsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [0], [4]) = 0
+0 setsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [2000], 4) = 0
+0 getsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [2000], [4]) = 0
+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 write(4, ..., 8000) = 8000
+0 > . 1:1001(1000) ack 1
+0 > . 1001:2001(1000) ack 1
+0 > . 2001:3001(1000) ack 1
+0 > . 3001:4001(1000) ack 1
+0 > . 4001:5001(1000) ack 1
+0...0.020 poll([{fd=4, events=POLLOUT, revents=POLLOUT}], 1, 1000) = 1
+.01 < . 1:1(0) ack 2001 win 40
+0 > . 5001:6001(1000) ack 1
+0 > . 6001:7001(1000) ack 1
+.01 < . 1:1(0) ack 4001 win 40
+0 > P. 7001:8001(1000) ack 1
`;

const ERRNOS = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 write(3, ..., 10) = -1 EPIPE (Broken pipe)
+0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [10000], 4) = 0
+0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [20000], [4]) = 0
+0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [1000], 4) = 0
+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [2304], [4]) = 0
+0 shutdown(3, SHUT_WR) = -1 ENOTCONN (Transport endpoint is not connected)
`;

describe('TCP_CORK, MSG_MORE and TCP_NODELAY (man 7 tcp, man 2 send)', () => {
  // Corked: 300 + 2500 octets send the two full segments only; uncorking sends the 800 left, pushed.
  // MSG_MORE with nothing in flight: the 30 octets wait for the 200 ms ceiling (one RTO). Corked
  // again, TCP_NODELAY flushes what waits.
  test('a cork holds partial segments until uncorked; MSG_MORE until the ceiling; TCP_NODELAY flushes', () => passes(CORK));
  test('under the freebsd personality TCP_CORK is no option', () => {
    const r = run(CORK, 'freebsd');
    assert.equal(r.result, 'UNSUPPORTED');
    assert.match(r.detail, /TCP_CORK/);
  });
});

describe('TCP_INQ, TCP_CM_INQ and the ioctl queue sizes', () => {
  // 300 octets in: SIOCINQ 300; a read of 120 (two iovecs) leaves 180; the rest, 0. 100 more with the
  // FIN: a read of 40 leaves 60, counted 61 with the FIN (tcp_inq_hint: RCV.NXT less what was read);
  // after the last 60, 1: "the end came". SIOCOUTQ: written and not acknowledged; SIOCOUTQNSD: not sent.
  test('recvmsg reports what is left to read; ioctl SIOCINQ, SIOCOUTQ, SIOCOUTQNSD', () => passes(INQ));
});

describe('poll with tcp_poll\'s revents (POLLHUP, POLLRDHUP, POLLERR)', () => {
  // A socket never connected: POLLOUT|POLLHUP. A listener: POLLIN once a connection waits. Data:
  // POLLIN; the peer's FIN: POLLRDHUP too; both sides shut: POLLHUP, and POLLOUT (a write fails at
  // once with EPIPE); a RST: POLLERR|POLLHUP even when nothing was asked for.
  test('revents follow the socket through its life', () => passes(POLL));
});

describe('shutdown', () => {
  // Linux's SHUT_RD marks the socket (RCV_SHUTDOWN): queued data and data that arrives later are
  // still read; read returns 0 only when nothing is left. A bad `how` is EINVAL.
  test('after SHUT_RD what is queued and what comes later can be read', () => passes(SHUTRD));
  test('FreeBSD throws what is queued away (sorflush): the same script fails there', () => {
    const r = run(SHUTRD.replace(/^.*poll.*\n/m, ''), 'none');
    assert.equal(r.result, 'FAIL');
    assert.match(r.detail, /read\(\) returned 0, expected 150/);
  });
});

describe('TCP_MAXSEG', () => {
  // Before connecting: TCP_MSS_DEFAULT (536). Set on the listener (88..32767, else EINVAL): the
  // SYN-ACK announces 1200 and, as the peer announced 1400, segments carry 1200 (RFC 9293 §3.7.1).
  test('set on a listening socket, it is the MSS announced and used', () => passes(MAXSEG));
});

describe('TCP_NOTSENT_LOWAT', () => {
  // 0 until set. 8000 octets into a 5120-octet window: 5000 go. poll waits for POLLOUT until fewer
  // than 2000 / 2 octets are unsent: not after the first ACK (1000 left), after the second (none).
  test('poll\'s POLLOUT waits until fewer than half the low-water mark are unsent', () => passes(LOWAT));
});

describe('Linux\'s errnos and buffer sizes', () => {
  // write on a socket never connected: EPIPE (sk_stream_wait_connect), where FreeBSD says ENOTCONN;
  // SO_SNDBUF 10000 reads back doubled; SO_RCVBUF 1000 reads back SOCK_MIN_RCVBUF (2304).
  test('EPIPE, doubled buffer sizes, ENOTCONN for shutdown of an unconnected socket', () => passes(ERRNOS));
  test('FreeBSD answers that write with ENOTCONN', () => {
    const r = run(ERRNOS, 'none');
    assert.equal(r.result, 'FAIL');
    assert.match(r.detail, /ENOTCONN, expected EPIPE/);
  });
});

describe('Linux-only interfaces are UNSUPPORTED, named', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['splice', '+0 pipe([5, 6]) = 0', /Linux-only interface: splice/],
  ];
  for (const [what, line, want] of cases) {
    test(what, () => {
      const r = run(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n${line}\n`);
      assert.equal(r.result, 'UNSUPPORTED');
      assert.match(r.detail, want);
    });
  }
});

describe('sendmsg', () => {
  test('the iovecs add up, empty ones included; an empty message sends nothing', () => passes(`${HANDSHAKE}+0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
+0 sendmsg(4, {msg_name(...)=..., msg_iov(3)=[{..., 0}, {..., 25}, {..., 15}], msg_flags=0}, 0) = 40
+0 > P. 1:41(40) ack 1
+0 sendmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 0}, {..., 0}], msg_flags=0}, 0) = 0
+.01 < . 1:1(0) ack 41 win 257
`));
  test('sendmsg with MSG_MORE holds the data like send', () => passes(`${HANDSHAKE}+0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
+0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 25}], msg_flags=0}, MSG_MORE) = 25
+.05 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 15}], msg_flags=0}, 0) = 15
+0 > P. 1:41(40) ack 1
`));
});

describe('descriptors are the script\'s names for its sockets (packetdrill maps them onto live ones)', () => {
  test('a first socket called 4 and an accepted one called 7 work under those numbers', () => {
    for (const personality of ['linux', 'none'] as const) {
      passes(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
+0 setsockopt(4, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(4, ..., ...) = 0
+0 listen(4, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+.01 < . 1:1(0) ack 1 win 257
+0 accept(4, ..., ...) = 7
+0 close(7) = 0
+0 > F. 1:1(0) ack 1
`, personality);
    }
  });
});
