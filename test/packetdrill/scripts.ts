/**
 * Hand-written packetdrill scripts for synack's own defaults (not FreeBSD's): they pass as written,
 * and the runner and honesty tests change them to make each kind of mismatch.
 */

/** Active open, data both ways, a delayed ACK (an interactive exchange: no quick ACK), and an orderly close. */
export const ACTIVE = `// Active open, a write, a read and an orderly close, against synack's defaults.
--tolerance_usecs=10000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>
+0 > . 1:1(0) ack 1
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 write(3, ..., 100) = 100
+0 > P. 1:101(100) ack 1
+0.1 < . 1:1(0) ack 101 win 1000
+0 < P. 1:51(50) ack 101 win 1000
+0.04 > . 101:101(0) ack 51
+0 read(3, ..., 1000) = 50
+0 read(3, ..., 1000) = -1 EAGAIN (Resource temporarily unavailable)
+0 close(3) = 0
+0 > F. 101:101(0) ack 51
+0.1 < F. 51:51(0) ack 102 win 1000
+0 > . 102:102(0) ack 52
`;

/** Passive open over IPv6 with timestamps, accept, a RST, and what the socket reports after it. */
export const PASSIVE6 = `--ip_version=ipv6
--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 accept(3, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)
+0.1 < S 0:0(0) win 65535 <mss 1440,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1440,sackOK,TS val 200 ecr 100,nop,wscale 7>
+0 \`sockstat -6 -P tcp -s -p 8080 | grep -c SYN_RCVD | grep 1\`
+0.1 < . 1:1(0) ack 1 win 1000 <nop,nop,TS val 110 ecr 200>
+0 accept(3, ..., ...) = 4
+0 %{ assert tcpi_state == TCPI_ESTABLISHED }%
+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0.1 < R. 1:1(0) ack 1 win 1000
+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0
+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 write(4, ..., 10) = -1 EPIPE (Broken pipe)
+0 close(4) = 0
+0 close(3) = 0
`;

/** SYN retransmissions at synack's RTO (1 s, doubling), then the handshake. */
export const RETRANSMIT = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+1 > S 0:0(0) <...>
+2 > S 0:0(0) <...>
+0.5 < S. 0:0(0) ack 1 win 65535 <mss 1000>
+0 > . 1:1(0) ack 1
+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [132000], [4]) = 0
+0 close(3) = 0
+0 > F. 1:1(0) ack 1
`;

/** A blocking connect that the peer answers, and one that times out (TCP_KEEPINIT). */
export const BLOCKING = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0...0.1 connect(3, ..., ...) = 0
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
+0.1 close(3) = 0
+0 > F. 1:1(0) ack 1
+0.1 < F. 1:1(0) ack 2 win 1000
+0 > . 2:2(0) ack 2
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [2], 4) = 0
+0...2 connect(3, ..., ...) = -1 ETIMEDOUT (Operation timed out)
+0 > S 0:0(0) <...>
+1 > S 0:0(0) <...>
+1.5 close(3) = 0
`;

/** sysctls: no window scaling and timestamps (rfc1323=0), no SACK, and FreeBSD's window scale rule. */
export const SYSCTLS = `--tolerance_usecs=10000
0 \`sysctl -w net.inet.tcp.rfc1323=0\`
+0 \`sysctl -w net.inet.tcp.sack.enable=0\`
+0 \`sysctl -w net.inet.tcp.recvspace=65536\`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss 1460>
+0 close(3) = 0
+0 \`sysctl -w net.inet.tcp.rfc1323=1\`
+0 \`sysctl -w kern.ipc.maxsockbuf=73728\`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss 1460,nop,nop,TS val 100 ecr 0,nop,wscale 1>
+0 close(3) = 0
`;

/**
 * The socket table: poll, MSG_PEEK, a second connect, shutdown, TIME-WAIT in sockstat, SO_LINGER 0.
 * The first data of a connection that has sent none is acknowledged at once (quick ACKs).
 */
export const SOCKETS = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=0}], 1, 0) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 connect(3, ..., ...) = -1 EALREADY (Operation already in progress)
+0 write(3, ..., 10) = -1 ENOTCONN (Socket is not connected)
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
+0 connect(3, ..., ...) = -1 EISCONN (Socket is already connected)
+0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
+0 < P. 1:21(20) ack 1 win 1000
+0 > . 1:1(0) ack 21
+0 recv(3, ..., 100, MSG_PEEK) = 20
+0 poll([{fd=3, events=POLLIN, revents=POLLIN}], 1, 0) = 1
+0 recv(3, ..., 5, 0) = 5
+0 read(3, ..., 100) = 15
+0 shutdown(3, SHUT_WR) = 0
+0 > F. 1:1(0) ack 21
+0 write(3, ..., 10) = -1 EPIPE (Broken pipe)
+0.1 < F. 21:21(0) ack 2 win 1000
+0 > . 2:2(0) ack 22
+0 read(3, ..., 100) = 0
+0 \`sockstat -4 -s | grep packetdril | grep -c TIME_WAIT | grep 1\`
+0 close(3) = 0
+0 \`sockstat -4 -s | grep -c TIME_WAIT | grep 1\`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
+0 getsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, [8]) = 0
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
+0 close(3) = 0
+0 > R 1:1(0)
+0 close(3) = -1 EBADF (Bad file descriptor)
`;
