/**
 * Linux-only interfaces in the runner's emulation of a Linux host, each from its documentation:
 *
 * - MSG_ZEROCOPY (the kernel's Documentation/networking/msg_zerocopy.rst): with SO_ZEROCOPY set,
 *   each send that moves bytes takes the next 32-bit id (from 0); once the peer has acknowledged
 *   them, a notification waits on the error queue: recvmsg(MSG_ERRQUEUE) returns 0 bytes, msg_flags
 *   MSG_ERRQUEUE and an IP_RECVERR control message with a sock_extended_err of ee_errno 0, origin
 *   SO_EE_ORIGIN_ZEROCOPY, the range [ee_info, ee_data] of ids, and SO_EE_CODE_ZEROCOPY_COPIED when
 *   the kernel copied the data (as it does for a device that cannot send from user pages).
 *   Notifications for consecutive ids not yet read are one range; an empty queue gives EAGAIN;
 *   poll reports POLLERR while the queue holds something; without SO_ZEROCOPY the flag is ignored.
 * - epoll (man 7 epoll, man 2 epoll_ctl, man 2 epoll_wait): level-triggered items are reported as
 *   long as they are ready; EPOLLET ones once per change (new data, room made by an ACK, an error
 *   queued); EPOLLONESHOT ones once until EPOLL_CTL_MOD re-arms them; EPOLLERR and EPOLLHUP always;
 *   the errors epoll_ctl(2) lists (EEXIST, ENOENT, EINVAL for EPOLLEXCLUSIVE with MOD, EBADF).
 *
 * - MSG_EOR (man 2 send: "terminates a record"): no segment carries bytes of two records, and a
 *   record's short end goes although more data follows (test/tcp/records.test.ts has the rules).
 *
 * - IP_MTU_DISCOVER (man 7 ip): IP_PMTUDISC_DONT .. IP_PMTUDISC_OMIT, IP_PMTUDISC_WANT until set;
 *   IP_FREEBIND kept and read back.
 *
 * - sendfile (man 2 sendfile) from a file the script made with dd in the runner's virtual /tmp:
 *   from the given offset (the file position unchanged) or, with NULL, from the file position,
 *   which moves; 0 at the end of the file; open() of a missing file is ENOENT.
 *
 * - SO_TIMESTAMPING (Documentation/networking/timestamping.rst): for each send, the byte it ends
 *   with is timestamped: SCM_TSTAMP_SCHED and SCM_TSTAMP_SND when the segment holding it is sent,
 *   SCM_TSTAMP_ACK when the peer acknowledges it; each an error-queue entry (ee_errno ENOMSG,
 *   origin SO_EE_ORIGIN_TIMESTAMPING, ee_info the kind, ee_data with OPT_ID the byte's offset from
 *   SND.UNA when the option was set), after an SCM_TIMESTAMPING control message with the time when
 *   SOFTWARE is set; MSG_TRUNC since the entry holds the packet (unless OPT_TSONLY).
 *
 * - `--mss=N` (Google's packetdrill): an injected packet longer than N is a GSO packet of N-octet
 *   segments, taken whole by the receiver (GRO), whose segment size is what tcp_info's rcv_mss
 *   reports (Linux's tcp_measure_rcv_mss reads gso_size).
 * - An inbound ACK written without its number is number 0 of the script's space, mapped by our ISN
 *   like any other (packetdrill maps the ACK field whenever the ACK flag is set).
 *
 * The peer (the script) announces MSS 1000 without timestamps; its ACKs come at once.
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
+0 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`;

function run(src: string) {
  return runScriptText(src, { mode: 'lenient', personality: 'linux' });
}

function passes(src: string): void {
  const r = run(src);
  assert.equal(r.result, 'PASS', `line ${r.line}: ${r.detail}`);
}

function fails(src: string, line: number, detail: RegExp): void {
  const r = run(src);
  assert.equal(r.result, 'FAIL', `${r.result}: ${r.detail}`);
  assert.equal(r.line, line, r.detail);
  assert.match(r.detail, detail);
}

/** recvmsg(MSG_ERRQUEUE) expecting the zerocopy range [lo, hi]. */
const errq = (lo: number, hi: number) => `+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE,
  msg_control=[{cmsg_level=SOL_IP, cmsg_type=IP_RECVERR,
    cmsg_data={ee_errno=0, ee_origin=SO_EE_ORIGIN_ZEROCOPY, ee_type=0, ee_code=SO_EE_CODE_ZEROCOPY_COPIED, ee_info=${lo}, ee_data=${hi}}}]}, MSG_ERRQUEUE) = 0
`;
const EMPTY = `+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE, msg_control=[]}, MSG_ERRQUEUE) = -1 EAGAIN (Resource temporarily unavailable)
`;

describe('MSG_ZEROCOPY', () => {
  const ZC = HANDSHAKE.replace('+0 bind', '+0 setsockopt(3, SOL_SOCKET, SO_ZEROCOPY, [1], 4) = 0\n+0 bind');

  test('one notification per acknowledged send, ids from 0, none before the ACK', () => passes(`${ZC}+0 getsockopt(4, SOL_SOCKET, SO_ZEROCOPY, [1], [4]) = 0
+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1:1001(1000) ack 1
${EMPTY}+0 poll([{fd=4, events=POLLIN, revents=0}], 1, 0) = 0
+0 < . 1:1(0) ack 1001 win 257
+0 poll([{fd=4, events=POLLIN, revents=POLLERR}], 1, 0) = 1
${errq(0, 0)}${EMPTY}+0 poll([{fd=4, events=POLLIN, revents=0}], 1, 0) = 0
+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1001:2001(1000) ack 1
+0 < . 1:1(0) ack 2001 win 257
${errq(1, 1)}`));

  test('completions not yet read coalesce into one range; a partial ACK completes only what it covers', () => passes(`${ZC}+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1:1001(1000) ack 1
+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1001:2001(1000) ack 1
+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 2001:3001(1000) ack 1
+0 < . 1:1(0) ack 2001 win 257
${errq(0, 1)}${EMPTY}+0 < . 1:1(0) ack 3001 win 257
${errq(2, 2)}`));

  test('a plain send takes no id; without SO_ZEROCOPY the flag is ignored', () => {
    passes(`${ZC}+0 send(4, ..., 1000, 0) = 1000
+0 > P. 1:1001(1000) ack 1
+0 send(4, ..., 0, MSG_ZEROCOPY) = 0
+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1001:2001(1000) ack 1
+0 < . 1:1(0) ack 2001 win 257
${errq(0, 0)}`);
    passes(`${HANDSHAKE}+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1:1001(1000) ack 1
+0 < . 1:1(0) ack 1001 win 257
${EMPTY}`);
  });

  test('a wrong range or origin fails', () => {
    fails(`${ZC}+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1:1001(1000) ack 1
+0 < . 1:1(0) ack 1001 win 257
${errq(0, 1)}`, 13, /ee_data=0.*expected.*ee_data=1/s);
  });

  test('SO_ZEROCOPY takes 0 or 1', () => passes(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_ZEROCOPY, [2], 4) = -1 EINVAL (Invalid argument)
+0 getsockopt(3, SOL_SOCKET, SO_ZEROCOPY, [0], [4]) = 0
`));
});

describe('epoll', () => {
  const NB = `${HANDSHAKE}+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 epoll_create(1) = 5
`;

  test('edge-triggered: reported once per wakeup, with everything true at that time', () => passes(`${NB}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN|EPOLLOUT|EPOLLET, fd=4}) = 0
+0 epoll_wait(5, {events=EPOLLOUT, fd=4}, 1, 0) = 1
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 < P. 1:1001(1000) ack 1 win 257
+0 epoll_wait(5, {events=EPOLLIN|EPOLLOUT, fd=4}, 1, 0) = 1
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 read(4, ..., 500) = 500
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 < P. 1001:2001(1000) ack 1 win 257
+0 epoll_wait(5, {events=EPOLLIN|EPOLLOUT, fd=4}, 1, 0) = 1
`));

  test('level-triggered: reported as long as it is ready', () => passes(`${NB}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 < P. 1:1001(1000) ack 1 win 257
+0 epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
+0 epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
+0 read(4, ..., 1000) = 1000
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
`));

  test('EPOLLONESHOT: once, then nothing until EPOLL_CTL_MOD re-arms it', () => passes(`${NB}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN|EPOLLONESHOT, fd=4}) = 0
+0 < P. 1:1001(1000) ack 1 win 257
+0 epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 < P. 1001:2001(1000) ack 1 win 257
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 epoll_ctl(5, EPOLL_CTL_MOD, 4, {events=EPOLLIN|EPOLLONESHOT, fd=4}) = 0
+0 epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
`));

  test("the peer's FIN: EPOLLIN|EPOLLRDHUP; a reset: EPOLLERR|EPOLLHUP whatever was asked", () => passes(`${NB}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN|EPOLLRDHUP|EPOLLET, fd=4}) = 0
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 < F. 1:1(0) ack 1 win 257
+0 > . 1:1(0) ack 2
+0 epoll_wait(5, {events=EPOLLIN|EPOLLRDHUP, fd=4}, 1, 0) = 1
+0 epoll_ctl(5, EPOLL_CTL_MOD, 4, {events=EPOLLOUT|EPOLLET, fd=4}) = 0
+0 epoll_wait(5, {events=EPOLLOUT, fd=4}, 1, 0) = 1
+0 < R. 2:2(0) ack 1 win 257
+0 epoll_wait(5, {events=EPOLLOUT|EPOLLERR|EPOLLHUP, fd=4}, 1, 0) = 1
`));

  test('EPOLLOUT after a full send buffer: when an ACK makes room, not before', () => passes(`${NB}+0 setsockopt(4, SOL_SOCKET, SO_SNDBUF, [2500], 4) = 0
+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT|EPOLLET, fd=4}) = 0
+0 epoll_wait(5, {events=EPOLLOUT, fd=4}, 1, 0) = 1
+0 write(4, ..., 10000) = 10000
+0 write(4, ..., 1000) = -1 EAGAIN (Resource temporarily unavailable)
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
+0 > . 1:5001(5000) ack 1
+0 > P. 5001:10001(5000) ack 1
+0 < . 1:1(0) ack 10001 win 257
+0 epoll_wait(5, {events=EPOLLOUT, fd=4}, 1, 0) = 1
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
`));

  test('MSG_ZEROCOPY completions wake an edge-triggered EPOLLOUT item with EPOLLERR', () => passes(`${NB.replace('+0 bind', '+0 setsockopt(3, SOL_SOCKET, SO_ZEROCOPY, [1], 4) = 0\n+0 bind')}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT|EPOLLET|EPOLLEXCLUSIVE, fd=4}) = 0
+0 epoll_wait(5, {events=EPOLLOUT, fd=4}, 1, 0) = 1
+0 send(4, ..., 1000, MSG_ZEROCOPY) = 1000
+0 > P. 1:1001(1000) ack 1
+0 < . 1:1(0) ack 1001 win 257
+0 epoll_wait(5, {events=EPOLLOUT|EPOLLERR, fd=4}, 1, 0) = 1
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
${errq(0, 0)}`));

  test("epoll_ctl's errors", () => passes(`${NB}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0
+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = -1 EEXIST (File exists)
+0 epoll_ctl(5, EPOLL_CTL_MOD, 3, {events=EPOLLIN, fd=3}) = -1 ENOENT (No such file or directory)
+0 epoll_ctl(5, EPOLL_CTL_DEL, 4, ...) = 0
+0 epoll_ctl(5, EPOLL_CTL_DEL, 4, ...) = -1 ENOENT (No such file or directory)
+0 epoll_ctl(5, EPOLL_CTL_ADD, 9, {events=EPOLLIN, fd=9}) = -1 EBADF (Bad file descriptor)
+0 epoll_ctl(4, EPOLL_CTL_ADD, 3, {events=EPOLLIN, fd=3}) = -1 EINVAL (Invalid argument)
+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN|EPOLLEXCLUSIVE, fd=4}) = 0
+0 epoll_ctl(5, EPOLL_CTL_MOD, 4, {events=EPOLLIN, fd=4}) = -1 EINVAL (Invalid argument)
+0 epoll_ctl(5, EPOLL_CTL_ADD, 3, {events=EPOLLIN|EPOLLEXCLUSIVE|EPOLLONESHOT, fd=3}) = -1 EINVAL (Invalid argument)
+0 epoll_wait(5, {events=0, ptr=0}, 0, 0) = -1 EINVAL (Invalid argument)
+0 epoll_create(0) = -1 EINVAL (Invalid argument)
+0 close(5) = 0
+0 epoll_wait(5, {events=0, ptr=0}, 1, 0) = -1 EBADF (Bad file descriptor)
`));

  test('a blocking epoll_wait returns when data arrives, or at its timeout', () => passes(`${NB}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0
0...0.100 epoll_wait(5, {events=0, ptr=0}, 1, 100) = 0
0.100...0.150 epoll_wait(5, {events=EPOLLIN, fd=4}, 1, -1) = 1
0.150 < P. 1:1001(1000) ack 1 win 257
`));

  test('a wrong event set fails', () => fails(`${NB}+0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN|EPOLLOUT|EPOLLET, fd=4}) = 0
+0 epoll_wait(5, {events=EPOLLIN|EPOLLOUT, fd=4}, 1, 0) = 1
`, 12, /events EPOLLOUT, expected EPOLLIN\|EPOLLOUT/));
});

describe('MSG_EOR', () => {
  // The record 1501:1801 goes though a short segment (1001:1501) is unacknowledged, since data
  // follows it; the 200-octet tail waits for that acknowledgment (Minshall's Nagle, Linux's).
  test('records are never coalesced: 1500 + 300 (EOR) + 1200 go as 1000, 500 + 300, 1000, 200', () => passes(`${HANDSHAKE}+0 write(4, ..., 1500) = 1500
+0 send(4, ..., 300, MSG_EOR) = 300
+0 write(4, ..., 1200) = 1200
+0 > . 1:1001(1000) ack 1
+0 > P. 1001:1801(800) ack 1
+0 > . 1801:2801(1000) ack 1
+.01 < . 1:1(0) ack 2801 win 257
+0 > P. 2801:3001(200) ack 1
`));

  test('without MSG_EOR the same writes are one stream', () => fails(`${HANDSHAKE}+0 write(4, ..., 1500) = 1500
+0 send(4, ..., 300, 0) = 300
+0 write(4, ..., 1200) = 1200
+0 > . 1:1001(1000) ack 1
+0 > P. 1001:1801(800) ack 1
`, 13, /payload length expected 800/));
});

describe('IP-level options', () => {
  test('IP_MTU_DISCOVER: WANT until set, DONT to OMIT taken, others EINVAL; IP_FREEBIND read back', () => passes(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 getsockopt(3, SOL_IP, IP_MTU_DISCOVER, [IP_PMTUDISC_WANT], [4]) = 0
+0 setsockopt(3, SOL_IP, IP_MTU_DISCOVER, [IP_PMTUDISC_DONT], 1) = 0
+0 getsockopt(3, SOL_IP, IP_MTU_DISCOVER, [IP_PMTUDISC_DONT], [4]) = 0
+0 setsockopt(3, SOL_IP, IP_MTU_DISCOVER, [6], 4) = -1 EINVAL (Invalid argument)
+0 setsockopt(3, SOL_IP, IP_FREEBIND, [1], 4) = 0
+0 getsockopt(3, SOL_IP, IP_FREEBIND, [1], [4]) = 0
+0...0.010 connect(3, ..., ...) = 0
+0 > S 0:0(0) <...>
+.01 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
`));
});

describe('sendfile', () => {
  const FILE = '`/bin/rm -f /tmp/f\n/bin/dd bs=1 count=1500 if=/dev/zero of=/tmp/f status=none`\n';
  test('from an offset, then from the file position, then at the end of the file', () => passes(`${FILE}${HANDSHAKE}+0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
+0 open("/tmp/f", O_RDONLY) = 5
+0 sendfile(4, 5, [1000], 800) = 500
+0 > P. 1:501(500) ack 1
+0 sendfile(4, 5, NULL, 300) = 300
+0 > P. 501:801(300) ack 1
+0 sendfile(4, 5, NULL, 2000) = 1200
+0 > . 801:1801(1000) ack 1
+0 > P. 1801:2001(200) ack 1
+0 sendfile(4, 5, NULL, 10) = 0
+0 sendfile(5, 4, NULL, 10) = -1 EINVAL (Invalid argument)
+0 close(5) = 0
+0 sendfile(4, 5, NULL, 10) = -1 EBADF (Bad file descriptor)
+0 open("/tmp/nothing", O_RDONLY) = -1 ENOENT (No such file or directory)
`));
});

describe('SO_TIMESTAMPING', () => {
  const ts = (kind: string, key: number, ns: number, flags = 'MSG_ERRQUEUE|MSG_TRUNC') => `+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=${flags},
  msg_control=[{cmsg_level=SOL_SOCKET, cmsg_type=SCM_TIMESTAMPING, cmsg_data={scm_sec=0,scm_nsec=${ns}}},
    {cmsg_level=SOL_IP, cmsg_type=IP_RECVERR, cmsg_data={ee_errno=ENOMSG, ee_origin=SO_EE_ORIGIN_TIMESTAMPING, ee_type=0, ee_code=0, ee_info=${kind}, ee_data=${key}}}]}, MSG_ERRQUEUE) = 0
`;
  const ON = `+0 setsockopt(4, SOL_SOCKET, SO_TIMESTAMPING, [SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_ACK | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID], 4) = 0
`;

  test("each send's last byte: SCHED and SND when sent, ACK when acknowledged, keyed by offset", () => passes(`${HANDSHAKE}${ON}+0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
+.01 write(4, ..., 1500) = 1500
+0 > . 1:1001(1000) ack 1
+0 > P. 1001:1501(500) ack 1
+0 poll([{fd=4, events=POLLIN, revents=POLLERR}], 1, 0) = 1
+.01 < . 1:1(0) ack 1001 win 257
+.01 < . 1:1(0) ack 1501 win 257
+.01 write(4, ..., 100) = 100
+0 > P. 1501:1601(100) ack 1
+.01 < . 1:1(0) ack 1601 win 257
${ts('SCM_TSTAMP_SCHED', 1499, 10000000)}${ts('SCM_TSTAMP_SND', 1499, 10000000)}${ts('SCM_TSTAMP_ACK', 1499, 30000000)}${ts('SCM_TSTAMP_SCHED', 1599, 40000000)}${ts('SCM_TSTAMP_SND', 1599, 40000000)}${ts('SCM_TSTAMP_ACK', 1599, 50000000)}+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=0, msg_control=[]}, MSG_ERRQUEUE) = -1 EAGAIN (Resource temporarily unavailable)
`));

  test('a wrong time or key fails', () => {
    fails(`${HANDSHAKE}${ON}+.01 write(4, ..., 100) = 100
+0 > P. 1:101(100) ack 1
${ts('SCM_TSTAMP_SCHED', 99, 20000000)}`, 12, /recvmsg\(\) control messages/);
    fails(`${HANDSHAKE}${ON}+.01 write(4, ..., 100) = 100
+0 > P. 1:101(100) ack 1
${ts('SCM_TSTAMP_SCHED', 100, 10000000)}`, 12, /ee_data=99/);
  });

  test('OPT_ID on a listening socket is EINVAL; the flags read back', () => passes(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 setsockopt(3, SOL_SOCKET, SO_TIMESTAMPING, [SOF_TIMESTAMPING_OPT_ID], 4) = -1 EINVAL (Invalid argument)
+0 setsockopt(3, SOL_SOCKET, SO_TIMESTAMPING, [SOF_TIMESTAMPING_TX_ACK], 4) = 0
+0 getsockopt(3, SOL_SOCKET, SO_TIMESTAMPING, [SOF_TIMESTAMPING_TX_ACK], [4]) = 0
`));
});

describe('--mss: injected packets coalesced (GRO)', () => {
  const SRC = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1100,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>
+0 < . 1:1(0) ack 1 win 320
+0 accept(3, ..., ...) = 4
+0 < . 1:5001(5000) ack 1 win 320
+0 > . 1:1(0) ack 5001
`;
  test("the peer's segment size is the packet's segment size, not its length", () => passes(`--mss=1000\n${SRC}+0 %{ assert tcpi_rcv_mss == 1000, tcpi_rcv_mss }%\n`));
  test('without --mss the packet is one segment of its own length (up to our MSS)', () => fails(`${SRC}+0 %{ assert tcpi_rcv_mss == 1000, tcpi_rcv_mss }%\n`, 11, /tcpi_rcv_mss/));
  test('an ACK without its number is ACK 0 of the script (our ISN): an old duplicate, its data taken', () => passes(SRC.replace('< . 1:5001(5000) ack 1 win 320', '< . 1:5001(5000) win 320')));
});
