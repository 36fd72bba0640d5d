import { EPOLL } from './epoll.js';
import { SO_EE, SOF } from './errqueue.js';

/**
 * The symbolic names packetdrill scripts use in system calls, with FreeBSD's values (the suite's
 * scripts are FreeBSD's: <sys/errno.h>, <sys/socket.h>, <netinet/tcp.h>, <fcntl.h>, <poll.h>).
 */

/** FreeBSD errno values (EAGAIN and EWOULDBLOCK are the same number there). */
export const ERRNO: Readonly<Record<string, number>> = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  EPIPE: 32,
  EAGAIN: 35,
  EWOULDBLOCK: 35,
  EINPROGRESS: 36,
  EALREADY: 37,
  ENOTSOCK: 38,
  EDESTADDRREQ: 39,
  EMSGSIZE: 40,
  EPROTOTYPE: 41,
  ENOPROTOOPT: 42,
  EPROTONOSUPPORT: 43,
  EOPNOTSUPP: 45,
  ENOTSUP: 45,
  EAFNOSUPPORT: 47,
  EADDRINUSE: 48,
  EADDRNOTAVAIL: 49,
  ENETDOWN: 50,
  ENETUNREACH: 51,
  ENETRESET: 52,
  ECONNABORTED: 53,
  ECONNRESET: 54,
  ENOBUFS: 55,
  EISCONN: 56,
  ENOTCONN: 57,
  ESHUTDOWN: 58,
  ETIMEDOUT: 60,
  ECONNREFUSED: 61,
  EHOSTDOWN: 64,
  EHOSTUNREACH: 65,
  ENOMSG: 83,
});

/** The usual name for an errno value, for messages. */
export function errnoName(n: number): string {
  if (n === 35) return 'EAGAIN';
  if (n === 45) return 'EOPNOTSUPP';
  for (const [k, v] of Object.entries(ERRNO)) if (v === n) return k;
  return String(n);
}

/**
 * Names only Linux's scripts use (<linux/tcp.h>, <linux/socket.h>, <linux/sockios.h>,
 * <sys/epoll.h>), with Linux's values. None collides with a FreeBSD name above, so the table keeps
 * one value per name; a FreeBSD script never meets them.
 */
function LINUX_SOCKET_NAMES(): Record<string, number> {
  return {
    SOL_IP: 0,
    // TCP options.
    TCP_CORK: 3,
    TCP_SYNCNT: 7,
    TCP_USER_TIMEOUT: 18,
    TCP_NOTSENT_LOWAT: 25,
    TCP_INQ: 36,
    TCP_CM_INQ: 36,
    TCP_MD5SIG_EXT: 32,
    // Socket options.
    SO_TIMESTAMPING: 37,
    SO_ZEROCOPY: 60,
    // send/recv flags.
    MSG_ERRQUEUE: 0x2000,
    MSG_MORE: 0x8000,
    MSG_ZEROCOPY: 0x4000000,
    // ioctl: bytes waiting to be read (SIOCINQ, also FIONREAD), queued unacknowledged (SIOCOUTQ,
    // also TIOCOUTQ), queued unsent (SIOCOUTQNSD).
    SIOCINQ: 0x541b,
    FIONREAD: 0x541b,
    SIOCOUTQ: 0x5411,
    TIOCOUTQ: 0x5411,
    SIOCOUTQNSD: 0x894b,
    SO_MARK: 36,
    // IP-level options (<linux/in.h>): path MTU discovery's modes, binding a foreign address.
    IP_MTU_DISCOVER: 10,
    IP_PMTUDISC_DONT: 0,
    IP_PMTUDISC_WANT: 1,
    IP_PMTUDISC_DO: 2,
    IP_PMTUDISC_PROBE: 3,
    IP_PMTUDISC_INTERFACE: 4,
    IP_PMTUDISC_OMIT: 5,
    IP_FREEBIND: 15,
    // The error queue: IP_RECVERR / IPV6_RECVERR control messages and struct sock_extended_err.
    SOL_IPV6: 41,
    IP_RECVERR: 11,
    IPV6_RECVERR: 25,
    ...SO_EE,
    ...SOF,
    // <sys/epoll.h>.
    ...EPOLL,
  };
}

/** Every other constant a script may name. */
export const CONSTANTS: Readonly<Record<string, number>> = Object.freeze({
  ...ERRNO,
  // Address families, socket types, protocols.
  AF_UNSPEC: 0,
  AF_INET: 2,
  AF_INET6: 28,
  PF_INET: 2,
  PF_INET6: 28,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_RAW: 3,
  IPPROTO_IP: 0,
  IPPROTO_ICMP: 1,
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  IPPROTO_IPV6: 41,
  IPPROTO_SCTP: 132,
  // Socket options.
  SOL_SOCKET: 0xffff,
  SO_DEBUG: 0x0001,
  SO_ACCEPTCONN: 0x0002,
  SO_REUSEADDR: 0x0004,
  SO_KEEPALIVE: 0x0008,
  SO_DONTROUTE: 0x0010,
  SO_BROADCAST: 0x0020,
  SO_LINGER: 0x0080,
  SO_OOBINLINE: 0x0100,
  SO_REUSEPORT: 0x0200,
  SO_TIMESTAMP: 0x0400,
  SO_NOSIGPIPE: 0x0800,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  SO_SNDLOWAT: 0x1003,
  SO_RCVLOWAT: 0x1004,
  SO_SNDTIMEO: 0x1005,
  SO_RCVTIMEO: 0x1006,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  // TCP options (<netinet/tcp.h>).
  SOL_TCP: 6,
  TCP_NODELAY: 0x01,
  TCP_MAXSEG: 0x02,
  TCP_NOPUSH: 0x04,
  TCP_NOOPT: 0x08,
  TCP_MD5SIG: 0x10,
  TCP_INFO: 0x20,
  TCP_CONGESTION: 0x40,
  TCP_CCALGOOPT: 0x41,
  TCP_MAXUNACKTIME: 0x44,
  TCP_MAXPEAKRATE: 0x45,
  TCP_IDLE_REDUCE: 0x46,
  TCP_REMOTE_UDP_ENCAPS_PORT: 0x47,
  TCP_DELACK: 0x48,
  TCP_FIN_IS_RST: 0x49,
  TCP_LOG_LIMIT: 0x4a,
  TCP_SHARED_CWND_ALLOWED: 0x4b,
  TCP_PROC_ACCOUNTING: 0x4c,
  TCP_USE_CMP_ACKS: 0x4d,
  TCP_PERF_INFO: 0x4e,
  TCP_KEEPINIT: 0x80,
  TCP_KEEPIDLE: 0x100,
  TCP_KEEPINTVL: 0x200,
  TCP_KEEPCNT: 0x400,
  TCP_FASTOPEN: 0x401,
  // Linux's Fast Open socket options (include/uapi/linux/tcp.h; FreeBSD has neither).
  TCP_FASTOPEN_CONNECT: 30,
  TCP_FASTOPEN_KEY: 33,
  TCP_PCAP_OUT: 0x800,
  TCP_PCAP_IN: 0x1000,
  TCP_FUNCTION_BLK: 0x2000,
  TCP_RXTLS_ENABLE: 0x29,
  TCP_TXTLS_ENABLE: 0x27,
  TCP_MAXRXTSHIFT: 0x4f,
  // IPv4/IPv6 options scripts sometimes set.
  IP_TOS: 3,
  IP_TTL: 4,
  IPV6_UNICAST_HOPS: 4,
  IPV6_TCLASS: 61,
  IPV6_V6ONLY: 27,
  // fcntl.
  F_DUPFD: 0,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_RDONLY: 0x0000,
  O_CLOEXEC: 0x100000,
  O_WRONLY: 0x0001,
  O_RDWR: 0x0002,
  O_NONBLOCK: 0x0004,
  O_APPEND: 0x0008,
  // send/recv flags.
  MSG_OOB: 0x1,
  MSG_PEEK: 0x2,
  MSG_DONTROUTE: 0x4,
  MSG_EOR: 0x8,
  MSG_TRUNC: 0x10,
  MSG_CTRUNC: 0x20,
  MSG_WAITALL: 0x40,
  MSG_DONTWAIT: 0x80,
  MSG_EOF: 0x100,
  MSG_NOSIGNAL: 0x20000,
  // Linux's (FreeBSD has none): sendto() connects with TCP Fast Open, the data on the SYN.
  MSG_FASTOPEN: 0x20000000,
  // shutdown.
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  // poll.
  POLLIN: 0x0001,
  POLLPRI: 0x0002,
  POLLOUT: 0x0004,
  POLLERR: 0x0008,
  POLLHUP: 0x0010,
  POLLNVAL: 0x0020,
  POLLRDNORM: 0x0040,
  POLLWRNORM: 0x0004,
  POLLRDBAND: 0x0080,
  POLLWRBAND: 0x0100,
  POLLRDHUP: 0x4000,
  ...LINUX_SOCKET_NAMES(),
});

/** FreeBSD's TCP states as TCP_INFO's tcpi_state and packetdrill's TCPI_* names give them. */
export const TCPI_STATES: Readonly<Record<string, number>> = Object.freeze({
  TCPI_CLOSED: 0,
  TCPI_LISTEN: 1,
  TCPI_SYN_SENT: 2,
  TCPI_SYN_RECEIVED: 3,
  TCPI_ESTABLISHED: 4,
  TCPI_CLOSE_WAIT: 5,
  TCPI_FIN_WAIT_1: 6,
  TCPI_CLOSING: 7,
  TCPI_LAST_ACK: 8,
  TCPI_FIN_WAIT_2: 9,
  TCPI_TIME_WAIT: 10,
});

/** FreeBSD's tcpstates[] names (sockstat, netstat), indexed like TCPI_STATES. */
export const FREEBSD_STATE_NAMES = ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK', 'FIN_WAIT_2', 'TIME_WAIT'];

/** synack's state names to FreeBSD's state numbers. */
export const STATE_NUMBER: Readonly<Record<string, number>> = Object.freeze({
  CLOSED: 0,
  LISTEN: 1,
  'SYN-SENT': 2,
  'SYN-RECEIVED': 3,
  ESTABLISHED: 4,
  'CLOSE-WAIT': 5,
  'FIN-WAIT-1': 6,
  CLOSING: 7,
  'LAST-ACK': 8,
  'FIN-WAIT-2': 9,
  'TIME-WAIT': 10,
});

/** FreeBSD's tcp_info tcpi_options bits. */
export const TCPI_OPTIONS: Readonly<Record<string, number>> = Object.freeze({
  TCPI_OPT_TIMESTAMPS: 0x01,
  TCPI_OPT_SACK: 0x02,
  TCPI_OPT_WSCALE: 0x04,
  TCPI_OPT_ECN: 0x08,
  TCPI_OPT_TOE: 0x10,
  TCPI_OPT_TFO: 0x20,
});

// ---------------------------------------------------------------------------------------------
// Linux's tcp_info (the `linux` personality): the names packetdrill defines for `%{ }%` blocks on
// Linux and the numbers of Linux's struct tcp_info. FreeBSD's tables above stay FreeBSD's.

/** Linux's TCP states (include/net/tcp_states.h), by the names packetdrill gives `%{ }%` blocks. */
export const LINUX_TCP_STATES: Readonly<Record<string, number>> = Object.freeze({
  TCP_ESTABLISHED: 1,
  TCP_SYN_SENT: 2,
  TCP_SYN_RECV: 3,
  TCP_FIN_WAIT1: 4,
  TCP_FIN_WAIT2: 5,
  TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7,
  TCP_CLOSE_WAIT: 8,
  TCP_LAST_ACK: 9,
  TCP_LISTEN: 10,
  TCP_CLOSING: 11,
});

/** synack's state names to Linux's tcpi_state numbers. */
export const LINUX_STATE_NUMBER: Readonly<Record<string, number>> = Object.freeze({
  ESTABLISHED: 1,
  'SYN-SENT': 2,
  'SYN-RECEIVED': 3,
  'FIN-WAIT-1': 4,
  'FIN-WAIT-2': 5,
  'TIME-WAIT': 6,
  CLOSED: 7,
  'CLOSE-WAIT': 8,
  'LAST-ACK': 9,
  LISTEN: 10,
  CLOSING: 11,
});

/** Linux's congestion-avoidance states, tcpi_ca_state (include/net/tcp.h enum tcp_ca_state). */
export const LINUX_CA_STATES: Readonly<Record<string, number>> = Object.freeze({
  TCP_CA_Open: 0,
  TCP_CA_Disorder: 1,
  TCP_CA_CWR: 2,
  TCP_CA_Recovery: 3,
  TCP_CA_Loss: 4,
});

/** Linux's tcpi_options bits (include/uapi/linux/tcp.h). */
export const LINUX_TCPI_OPTIONS: Readonly<Record<string, number>> = Object.freeze({
  TCPI_OPT_TIMESTAMPS: 1,
  TCPI_OPT_SACK: 2,
  TCPI_OPT_WSCALE: 4,
  TCPI_OPT_ECN: 8,
  TCPI_OPT_ECN_SEEN: 16,
  TCPI_OPT_SYN_DATA: 32,
});

/** tcpi_snd_ssthresh before the first reduction (include/net/tcp.h TCP_INFINITE_SSTHRESH). */
export const LINUX_TCP_INFINITE_SSTHRESH = 0x7fffffff;
