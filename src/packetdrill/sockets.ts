/**
 * A small socket table over a synack Stack, with FreeBSD's system call semantics (the suite's
 * scripts are FreeBSD's), or Linux's under the linux personality (`os: 'linux'`; each difference is
 * marked where it is made): file descriptors, non-blocking mode, pending socket errors, socket
 * buffer sizes as getsockopt reports them, shutdown, close with SO_LINGER, poll, ioctl's queue sizes.
 *
 * Each call returns its result at once, or (for a blocking socket that has to wait) a `retry`
 * function the runner calls after every step of the stack until the call completes.
 */
import type { Connection } from '../stack/connection.js';
import type { Listener } from '../stack/listener.js';
import type { Stack, StackEvent } from '../stack/stack.js';
import { DEFAULT_TCP_CONFIG, type TcpConfig } from '../tcp/config.js';
import { TcpError } from '../tcp/tcb.js';
import type { IpAddress } from '../wire/index.js';
import type { ControlMessage } from './msghdr.js';
import { CONSTANTS, ERRNO } from './symbols.js';
import { hasTcpField, type HostSettings } from './sysctl.js';
import { FastOpenKeys } from '../stack/fast-open.js';
import { requestCookieInstead, synDataRoom, synDeferred } from '../tcp/fast-open.js';
import { seqAdd, seqGt } from '../wire/seq.js';
import { badMaxEvents, EPOLL, EpollInstance, type EpollEvent } from './epoll.js';
import { ErrorQueue, SOF, ZeroCopySends } from './errqueue.js';

export interface SocketOptionValue {
  /** An integer option ([N] in the script). */
  int?: number;
  /** SO_LINGER's {onoff, linger}. */
  linger?: { onoff: number; linger: number };
  /** A string value's bytes (TCP_FASTOPEN_KEY). */
  bytes?: Uint8Array;
  /** setsockopt's optlen, when the script gives one. */
  length?: number;
}

export type CallResult =
  | { done: true; ret: number; errno?: string; value?: SocketOptionValue; revents?: number[]; control?: ControlMessage[]; msgFlags?: number; epollEvents?: EpollEvent[] }
  | { done: false; retry: (now: number) => CallResult | undefined; deadline?: number };

/** Thrown for a call or option synack cannot honestly emulate: the script is UNSUPPORTED. */
export class Unsupported extends Error {}

/**
 * Interfaces only Linux has, which synack does not emulate (a script that needs one is UNSUPPORTED,
 * naming it): system calls and socket options, with the interface each belongs to.
 */
const LINUX_ONLY: Record<string, string> = {
  splice: 'splice',
  pipe: 'splice (pipe() for it)',
  TCP_MD5SIG: 'TCP-MD5 (TCP_MD5SIG, RFC 2385)',
  TCP_MD5SIG_EXT: 'TCP-MD5 (TCP_MD5SIG_EXT, RFC 2385)',
};

/** The Linux-only interface a system call or option name belongs to, or undefined. */
export function linuxOnlyInterface(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(LINUX_ONLY, name) ? LINUX_ONLY[name] : undefined;
}

/** UNSUPPORTED for a Linux-only interface. */
export function linuxOnly(name: string): Unsupported {
  return new Unsupported(`Linux-only interface: ${linuxOnlyInterface(name) ?? name}`);
}

export interface SockAddrs {
  local: IpAddress;
  remote: IpAddress;
  family: 4 | 6;
  bindPort: number;
  connectPort: number;
}

interface Sock {
  fd: number;
  nonblocking: boolean;
  cloexec: boolean;
  boundPort: number | undefined;
  listener: Listener | undefined;
  conn: Connection | undefined;
  /** SS_ISCONNECTED: the handshake completed at some point. */
  connected: boolean;
  /** The connection failed or was reset (FreeBSD's soisdisconnected). */
  disconnected: boolean;
  /** so_error: set when the connection fails, returned once by SO_ERROR (and some calls). */
  soError: number;
  rcvbuf: number;
  sndbuf: number;
  /** SO_RCVBUF or SO_SNDBUF was set: the buffers are fixed (no auto-tuning), as on Linux. */
  buffersSet: boolean;
  buffersRounded: boolean;
  /** The peer's FIN has been read up to (SBS_CANTRCVMORE). */
  eof: boolean;
  shutRd: boolean;
  shutWr: boolean;
  options: Map<string, SocketOptionValue>;
  /** TcpConfig overrides from setsockopt, applied when the connection is made. */
  tcp: Partial<TcpConfig> & Record<string, unknown>;
  /** TCP_CORK (Linux), applied to the connection when it is made. */
  cork: boolean;
  /** TCP_INQ (Linux): recvmsg returns a TCP_CM_INQ control message. */
  inq: boolean;
  /** TCP Fast Open: TCP_FASTOPEN's queue length and TCP_FASTOPEN_KEY's key, for the listener to be. */
  fastOpenQueue?: number;
  fastOpenKey?: Uint8Array;
  /** TCP_FASTOPEN_CONNECT: connect() defers the SYN to the first write when a cookie is cached. */
  fastOpenConnect?: boolean;
  /**
   * Linux's defer_connect: connect() returned 0 under TCP_FASTOPEN_CONNECT and the SYN waits for the
   * first send, which opens the connection as sendto(MSG_FASTOPEN) would.
   */
  deferConnect?: boolean;
  /**
   * Linux's SOCK_NOSPACE: a write found no room, or poll found the socket not writable; the next
   * time an acknowledgment makes it writable, it wakes its waiters (sk_stream_write_space).
   */
  nospace: boolean;
  /** The error queue (MSG_ERRQUEUE), made when something is first queued. */
  errq?: ErrorQueue;
  /** MSG_ZEROCOPY sends not yet acknowledged (SO_ZEROCOPY). */
  zc?: ZeroCopySends;
  /** SO_TIMESTAMPING's flags, and the sequence number OPT_ID counts from (sk_tskey). */
  tsflags: number;
  tskey: number;
  /** Sends waiting for their transmit timestamps: the sequence number of each one's last byte. */
  tsPending?: Array<{ last: number; flags: number; sent: boolean }>;
}

/** TcpConfig fields a listening socket's options may set for the connections it makes (Listener.tcp). */
const LISTENER_FIELDS = new Set(['mss', 'ipDontFragment', 'noDelay', 'keepAlive', 'keepAliveIdleMs', 'keepAliveIntervalMs', 'keepAliveProbes', 'userTimeoutMs', 'notSentLowat']);

/**
 * The IP-level socket options a TCP socket may set (RFC 1122 §3.2.1.7 and §4.2.4.2 leave TTL and TOS
 * to the application): which TcpConfig field carries each to the packets, and the lowest value
 * (-1 asks for the system's default again, for the IPv6 ones as RFC 3493 §5.1 and RFC 3542 §6.5 say).
 */
const IP_OPTIONS: Record<string, { field: string; what: string; min: number }> = {
  IP_TTL: { field: 'ipTtl', what: 'the TTL', min: 0 },
  IP_TOS: { field: 'ipTos', what: 'the TOS byte', min: 0 },
  IPV6_UNICAST_HOPS: { field: 'ipTtl', what: 'the hop limit', min: -1 },
  IPV6_TCLASS: { field: 'ipTos', what: 'the traffic class', min: -1 },
};

const E = (name: string): CallResult => ({ done: true, ret: -1, errno: name });
const OK = (ret = 0): CallResult => ({ done: true, ret });

export class SocketTable {
  private readonly socks = new Map<number, Sock>();
  /** epoll instances (Linux), in the same descriptor space as the sockets. */
  private readonly epolls = new Map<number, EpollInstance<Sock>>();
  /** Regular files open for reading (the runner's virtual /tmp), for sendfile: their size and file position. */
  private readonly regularFiles = new Map<number, { size: number; pos: number }>();
  /** The most recent socket made by socket() or accept(): packetdrill's socket under test. */
  underTest: number | undefined;

  constructor(
    private readonly stack: () => Stack,
    private readonly addrs: SockAddrs,
    private readonly host: HostSettings,
  ) {}

  /** Linux's system call semantics (the personality's `os`, in the host settings), else FreeBSD's. */
  private get linux(): boolean {
    return this.host.os === 'linux';
  }

  private get(fd: number): Sock | undefined {
    return this.socks.get(fd);
  }

  /** The socket's connection, for tcp_info and the listings. */
  connectionOf(fd: number): { conn: Connection | undefined; listener: Listener | undefined } | undefined {
    const s = this.socks.get(fd);
    return s && { conn: s.conn, listener: s.listener };
  }

  /** Whether a connection or listener is held by an open descriptor (sockstat's owner column). */
  owns(x: Connection | Listener): boolean {
    for (const s of this.socks.values()) if (s.conn === x || s.listener === x) return true;
    return false;
  }

  openFds(): number[] {
    return [...this.socks.keys(), ...this.epolls.keys(), ...this.regularFiles.keys()];
  }

  /** The lowest free descriptor from 3 (0 to 2 are the process's standard streams). */
  private freeFd(): number {
    let fd = 3;
    while (this.socks.has(fd) || this.epolls.has(fd) || this.regularFiles.has(fd)) fd++;
    return fd;
  }

  /**
   * The socket wakes whoever waits on it, with a key of Linux poll bits (0: a state change, which
   * wakes everyone): sock_def_readable (EPOLLIN...), sk_stream_write_space (EPOLLOUT...),
   * sock_def_error_report (EPOLLERR), sock_def_wakeup. Only epoll keeps a record of wakeups;
   * poll and blocking calls look at the socket again after every step anyway.
   */
  private wake(s: Sock, key: number): void {
    for (const ep of this.epolls.values()) ep.wake(s, key);
  }

  /**
   * After each step of the stack: MSG_ZEROCOPY completions for what the peer has acknowledged, and
   * the write-space wakeup of a socket that was full (tcp_check_space after an ACK).
   */
  settle(nowUs: number): void {
    for (const s of this.socks.values()) {
      const conn = s.conn;
      if (!conn) continue;
      if (s.tsPending?.length) this.transmitTimestamps(s, conn, nowUs);
      if (s.zc?.waiting) {
        const released = s.disconnected || conn.state === 'CLOSED';
        const done = s.zc.complete(conn.tcb.sndUna, released);
        if (done.length > 0) {
          const q = (s.errq ??= new ErrorQueue());
          for (const id of done) q.zerocopyDone(id);
          this.wake(s, EPOLL.EPOLLERR);
        }
      }
      if (s.nospace && !s.disconnected && conn.tcb.sendWakeup) {
        s.nospace = false;
        this.wake(s, EPOLL.EPOLLOUT | EPOLL.EPOLLWRNORM | EPOLL.EPOLLWRBAND);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stack events

  /** The error of a connection that failed before any socket had it (in an accept queue), for accept(). */
  private readonly unacceptedErrors = new WeakMap<Connection, number>();

  onStackEvent(e: StackEvent): void {
    if (e.type !== 'event') {
      // A connection in the accept queue: the listener's sk_data_ready.
      const l = e.listener.user as Sock | undefined;
      if (l && l.listener === e.listener) this.wake(l, EPOLL.EPOLLIN | EPOLL.EPOLLRDNORM);
      return;
    }
    const s = e.connection.user as Sock | undefined;
    if (!s && e.event.type === 'error') this.unacceptedErrors.set(e.connection, ERRNO[e.event.code] ?? ERRNO.ECONNRESET);
    if (!s || s.conn !== e.connection) return;
    const ev = e.event;
    if (ev.type === 'readable') this.wake(s, EPOLL.EPOLLIN | EPOLL.EPOLLPRI | EPOLL.EPOLLRDNORM | EPOLL.EPOLLRDBAND);
    else if (ev.type === 'error') this.wake(s, EPOLL.EPOLLERR);
    // sk_state_change: the handshake done, the peer's FIN, our FIN acknowledged, the end.
    else if (ev.type === 'state' && ev.to !== 'SYN-SENT' && ev.to !== 'SYN-RECEIVED') this.wake(s, 0);
    switch (ev.type) {
      case 'connected':
        s.connected = true;
        this.roundBuffers(s);
        break;
      case 'state':
        // FreeBSD sizes the buffers (tcp_mss) when the peer's SYN arrives in SYN-SENT.
        if (ev.from === 'SYN-SENT' && ev.to === 'SYN-RECEIVED') this.roundBuffers(s);
        break;
      case 'error':
        s.soError = ERRNO[ev.code] ?? ERRNO.ECONNRESET;
        s.disconnected = true;
        break;
      case 'end':
        s.eof = true;
        break;
      case 'closed':
        s.disconnected = true;
        break;
      default:
        break;
    }
  }

  /** tcpdrop ended the connection: FreeBSD's tcp_drop(tp, ECONNABORTED) leaves that error on the socket. */
  connectionDropped(conn: Connection): void {
    for (const s of this.socks.values()) {
      if (s.conn !== conn) continue;
      s.soError = ERRNO.ECONNABORTED;
      s.disconnected = true;
    }
  }

  /**
   * FreeBSD's tcp_mss: once the MSS is known, each socket buffer larger than it is rounded up to a
   * multiple of it (at most sb_max); getsockopt then reports the new size (65536 -> 65700 for an
   * MSS of 1460).
   */
  private roundBuffers(s: Sock): void {
    if (s.buffersRounded || !s.conn || this.linux) return;
    s.buffersRounded = true;
    const t = s.conn.tcb;
    const mss = Math.min(t.peerMss, t.advertisedMss);
    const round = (size: number) => (size > mss ? Math.max(size, Math.min(Math.ceil(size / mss) * mss, this.host.maxSockBuf)) : size);
    // With receiveWindowFromBuffer the TCB rounds its own receive buffer (and uses it): report that.
    s.rcvbuf = t.config.receiveWindowFromBuffer ? t.receiveBufferSize : round(s.rcvbuf);
    s.sndbuf = round(s.sndbuf);
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  /**
   * `fd`: the descriptor the script names the new socket by, when it is free (packetdrill maps a
   * script's descriptors onto the live ones, so a script may call its first socket 4); else the
   * lowest free one from 3.
   */
  socket(domain: number | undefined, type: number, protocol: number | undefined, wantFd?: number): CallResult {
    if (domain !== undefined && domain !== (this.addrs.family === 4 ? CONSTANTS.AF_INET : CONSTANTS.AF_INET6)) {
      throw new Unsupported(`socket() in address family ${domain} (the script's ip_version is IPv${this.addrs.family})`);
    }
    if (type !== CONSTANTS.SOCK_STREAM) throw new Unsupported('socket types other than SOCK_STREAM');
    if (protocol !== undefined && protocol !== 0 && protocol !== CONSTANTS.IPPROTO_TCP) throw new Unsupported(`protocol ${protocol}`);
    let fd = this.freeFd();
    // packetdrill maps the descriptors a script names to the live ones: the script's number is taken
    // when it is free. Under linux a number the script gives again while its old socket is still open
    // names the new one from now on (the old one keeps running unnamed), as Linux's scripts reuse
    // numbers their runs did.
    if (wantFd !== undefined && Number.isInteger(wantFd) && wantFd >= 3) {
      const old = this.socks.get(wantFd);
      if (this.epolls.has(wantFd) || this.regularFiles.has(wantFd)) {
        // An epoll instance holds that number: the lowest free one.
      } else if (old === undefined) fd = wantFd;
      else if (this.host.os === 'linux') {
        let hidden = 1000;
        while (this.socks.has(hidden)) hidden++;
        this.socks.delete(wantFd);
        old.fd = hidden;
        this.socks.set(hidden, old);
        fd = wantFd;
      }
    }
    const tcp = this.stack().config;
    this.socks.set(fd, {
      fd,
      nonblocking: false,
      cloexec: false,
      boundPort: undefined,
      listener: undefined,
      conn: undefined,
      connected: false,
      disconnected: false,
      soError: 0,
      rcvbuf: tcp.receiveBufferSize,
      sndbuf: tcp.sendBufferSize,
      buffersSet: false,
      buffersRounded: false,
      eof: false,
      shutRd: false,
      shutWr: false,
      options: new Map(),
      tcp: {},
      cork: false,
      inq: false,
      nospace: false,
      tsflags: 0,
      tskey: 0,
    });
    this.underTest = fd;
    return OK(fd);
  }

  bind(fd: number, port: number | undefined): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (s.boundPort !== undefined || s.conn || s.listener) return E('EINVAL');
    const p = port ?? this.addrs.bindPort;
    for (const o of this.socks.values()) {
      if (o !== s && o.boundPort === p && !(s.options.get('SO_REUSEADDR')?.int && o.options.get('SO_REUSEADDR')?.int && !o.listener)) return E('EADDRINUSE');
    }
    s.boundPort = p;
    return OK();
  }

  listen(fd: number, backlog: number, now: number): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (s.conn) return E('EINVAL');
    if (s.listener) {
      s.listener.backlog = Math.max(1, backlog);
      return OK();
    }
    const others = Object.keys(s.tcp).filter((k) => !LISTENER_FIELDS.has(k));
    if (others.length > 0) {
      throw new Unsupported(`socket options (${others.join(', ')}) on a listening socket (synack's listeners take only ${[...LISTENER_FIELDS].join(', ')} of their own)`);
    }
    try {
      s.listener = this.stack().listen(s.boundPort ?? 0, { address: this.addrs.local, backlog: Math.max(1, backlog), tcp: Object.keys(s.tcp).length > 0 ? { ...s.tcp } : undefined });
    } catch (e) {
      if (e instanceof TcpError) return E(e.code === 'EADDRINUSE' ? 'EADDRINUSE' : 'EINVAL');
      throw e;
    }
    s.boundPort = s.listener.port;
    s.listener.user = s;
    if (s.fastOpenQueue !== undefined) s.listener.fastOpenQueue = s.fastOpenQueue;
    if (s.fastOpenKey !== undefined) s.listener.fastOpenKeys = new FastOpenKeys(s.fastOpenKey.subarray(0, 16), s.fastOpenKey.length === 32 ? s.fastOpenKey.subarray(16) : undefined);
    void now;
    return OK();
  }

  accept(fd: number, now: number, wantFd?: number): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (!s.listener) return E('EINVAL');
    const attempt = (t: number): CallResult | undefined => {
      const l = s.listener;
      if (!l || l.closed) return E('ECONNABORTED');
      const conn = l.accept();
      if (!conn) return undefined;
      const nfd = this.socket(undefined, CONSTANTS.SOCK_STREAM, undefined, wantFd);
      const ns = this.get((nfd as { ret: number }).ret) as Sock;
      ns.boundPort = conn.local.port;
      ns.rcvbuf = s.rcvbuf;
      ns.sndbuf = s.sndbuf;
      ns.options = new Map(s.options);
      // Linux's accepted socket inherits the listener's TCP options (the connection already has them).
      ns.tcp = { ...s.tcp };
      ns.cork = s.cork;
      this.attach(ns, conn, t);
      ns.connected = true;
      // syncache_socket runs tcp_mss for the new socket.
      this.roundBuffers(ns);
      if (conn.state === 'CLOSE-WAIT' || conn.state === 'LAST-ACK' || conn.state === 'CLOSING' || conn.state === 'TIME-WAIT') ns.eof = true;
      if (conn.state === 'CLOSED') {
        // Accepted after it ended in the queue (acceptQueueKeepsClosed): its error is pending.
        ns.disconnected = true;
        ns.soError = this.unacceptedErrors.get(conn) ?? 0;
      }
      return OK(ns.fd);
    };
    const r = attempt(now);
    if (r) return r;
    if (s.nonblocking) return E('EAGAIN');
    return { done: false, retry: (t) => attempt(t) };
  }

  private attach(s: Sock, conn: Connection, now: number): void {
    s.conn = conn;
    conn.user = s;
    const t = conn.tcb.ownConfig() as TcpConfig & Record<string, unknown>;
    // Options that take effect on a live connection (the socket layer does the same).
    for (const k of ['noDelay', 'keepAlive', 'keepAliveIdleMs', 'keepAliveIntervalMs', 'keepAliveProbes', 'userTimeoutMs', 'notSentLowat'] as const) {
      if (s.tcp[k] !== undefined) (t as Record<string, unknown>)[k] = s.tcp[k];
    }
    if (s.cork) conn.setCork(true, now / 1000);
  }

  connect(fd: number, now: number, port: number | undefined): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (s.listener) return E('EOPNOTSUPP');
    if (s.conn) {
      if (s.disconnected) {
        // FreeBSD's tcp_usr_connect on a dropped connection.
        if (s.soError) {
          const err = s.soError;
          s.soError = 0;
          return { done: true, ret: -1, errno: errnoFor(err) };
        }
        return E('ECONNREFUSED');
      }
      // Linux's __inet_stream_connect: a connect() deferred by TCP_FASTOPEN_CONNECT counts as done.
      if (s.connected || s.deferConnect) return E('EISCONN');
      return E('EALREADY');
    }
    // TCP_FASTOPEN_CONNECT: with a cookie cached (or TFO_CLIENT_NO_COOKIE) the SYN waits for the first
    // write, and connect() returns 0 at once (Linux's tcp_fastopen_defer_connect); else a cookie request goes now.
    const failed = this.open(s, now, port, s.fastOpenConnect === true, s.fastOpenConnect === true);
    if (failed) return failed;
    const conn = s.conn as unknown as Connection;
    if (synDeferred(conn.tcb)) {
      s.deferConnect = true;
      return OK();
    }
    if (s.nonblocking) return E('EINPROGRESS');
    const attempt = (): CallResult | undefined => {
      if (s.connected && !s.disconnected) return OK();
      if (s.disconnected || s.soError) {
        const err = s.soError || ERRNO.ECONNREFUSED;
        s.soError = 0;
        return { done: true, ret: -1, errno: errnoFor(err) };
      }
      return undefined;
    };
    return { done: false, retry: () => attempt() };
  }

  /** The active open of connect() and sendto(MSG_FASTOPEN); an error result, or undefined with s.conn set. */
  private open(s: Sock, now: number, port: number | undefined, fastOpen: boolean, deferSyn: boolean): CallResult | undefined {
    let conn: Connection;
    try {
      conn = this.stack().connect({ address: this.addrs.remote, port: port ?? this.addrs.connectPort }, now / 1000, {
        localAddress: this.addrs.local,
        localPort: s.boundPort,
        // Buffers a script never set keep the host's auto-tuning (userBuffers would fix them otherwise).
        tcp: { receiveBufferSize: s.rcvbuf, sendBufferSize: s.sndbuf, ...(s.buffersSet ? {} : { bufferAutoTuning: this.stack().config.bufferAutoTuning }), ...s.tcp },
        fastOpen,
        deferSyn,
      });
    } catch (e) {
      if (e instanceof TcpError) return E(e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EISCONN' ? e.code : 'EINVAL');
      throw e;
    }
    s.boundPort = conn.local.port;
    this.attach(s, conn, now);
    return undefined;
  }

  /**
   * Linux's tcp_sendmsg_fastopen: sendto(MSG_FASTOPEN) on a socket not yet connected, or the first
   * send after a connect() that TCP_FASTOPEN_CONNECT deferred, opens the connection with Fast Open
   * and puts on the SYN what it can carry (nothing without a cookie: the SYN asks for one).
   * Without waiting (O_NONBLOCK or MSG_DONTWAIT) it returns what the SYN took, or EINPROGRESS when
   * that is nothing. Blocking, it waits as connect() does (inet_wait_for_connect) and then writes
   * the rest as write() would; when the handshake fails (a RST, the SYN retries running out) the
   * call fails with the connection's error, whatever the SYN carried, since Linux drops the Fast
   * Open request with the connection (tcp_disconnect frees it) and reports nothing as copied.
   */
  private sendFastOpen(s: Sock, n: number, dontWait: boolean, now: number, port: number | undefined, badBuffer: boolean): CallResult {
    // TFO_CLIENT_ENABLE off: no Fast Open at all (tcp_sendmsg_fastopen's first test).
    if (!this.stack().fastOpen.client) return E('EOPNOTSUPP');
    if (!s.conn) {
      const failed = this.open(s, now, port, true, false);
      if (failed) return failed;
    }
    s.deferConnect = false;
    const conn = s.conn as Connection;
    if (badBuffer && n > 0) {
      // The data cannot be copied onto the SYN: Linux's tcp_send_syn_data falls back to a SYN with a
      // cookie request, and the send fails (EINPROGRESS, or EFAULT once connected when blocking).
      requestCookieInstead(conn.tcb);
      conn.send(new Uint8Array(0), now / 1000);
      if (s.nonblocking || dontWait) return E('EINPROGRESS');
      return { done: false, retry: () => this.handshakeDone(s) ?? (s.connected ? E('EFAULT') : undefined) };
    }
    const room = Math.min(n, synDataRoom(conn.tcb));
    if (s.nonblocking || dontWait) {
      const onSyn = conn.send(new Uint8Array(room), now / 1000);
      return onSyn > 0 ? OK(onSyn) : E('EINPROGRESS');
    }
    // Blocking: all of it is queued now (the SYN takes what it can), so what the SYN did not carry
    // goes with the handshake's ACK, as Linux holds that ACK back for a writer waiting to send.
    let written = conn.send(new Uint8Array(n), now / 1000);
    const attempt = (t: number): CallResult | undefined => {
      if (!s.connected) return this.handshakeDone(s);
      if (written < n && !s.disconnected) written += conn.send(new Uint8Array(n - written), t / 1000);
      return written >= n || s.disconnected ? OK(written) : undefined;
    };
    return { done: false, retry: (t) => attempt(t) };
  }

  /** A blocking Fast Open send's wait for the handshake: undefined while it lasts, or its error. */
  private handshakeDone(s: Sock): CallResult | undefined {
    if (s.connected || (!s.disconnected && !s.soError)) return undefined;
    const err = s.soError || ERRNO.ECONNABORTED;
    s.soError = 0;
    return { done: true, ret: -1, errno: errnoFor(err) };
  }

  /**
   * read() and its kin. `badBuffer`: the buffer is memory the process cannot write (`NULL` in the
   * script): with data to copy the call fails with EFAULT and the data stays queued (Linux's
   * tcp_recvmsg, FreeBSD's uiomove); without, it ends or waits as any read.
   */
  read(fd: number, n: number, flags: number, now: number, badBuffer = false): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (s.listener || !s.conn) return E('ENOTCONN');
    const peek = (flags & CONSTANTS.MSG_PEEK) !== 0;
    const dontWait = (flags & CONSTANTS.MSG_DONTWAIT) !== 0;
    // Linux's MSG_TRUNC on a TCP socket: the data is read and thrown away (tcp(7)).
    const known = CONSTANTS.MSG_PEEK | CONSTANTS.MSG_DONTWAIT | CONSTANTS.MSG_WAITALL | (this.linux ? CONSTANTS.MSG_TRUNC : 0);
    if (flags & ~known) throw new Unsupported(`recv flags 0x${flags.toString(16)}`);
    const attempt = (t: number): CallResult | undefined => {
      const conn = s.conn as Connection;
      // FreeBSD's SHUT_RD throws away what is buffered and what comes after; Linux's keeps queueing
      // and reading it (tcp_recvmsg only returns 0 once nothing is left).
      const avail = s.shutRd && !this.linux ? 0 : conn.tcb.readableLength;
      if (avail > 0 && n > 0) {
        if (badBuffer) return E('EFAULT');
        const take = Math.min(n, avail);
        if (peek) return OK(take);
        let got = 0;
        while (got < take) {
          const d = conn.read(take - got, t / 1000);
          if (!d) break;
          got += d.length;
        }
        return OK(got);
      }
      if (n === 0) return OK(0);
      if (s.soError) {
        const err = s.soError;
        s.soError = 0;
        return { done: true, ret: -1, errno: errnoFor(err) };
      }
      if (s.eof || s.shutRd || s.disconnected) return OK(0);
      return undefined;
    };
    const r = attempt(now);
    if (r) return r;
    if (s.nonblocking || dontWait) return E('EAGAIN');
    return { done: false, retry: (t) => attempt(t) };
  }

  /**
   * write() and its kin. `badBuffer`: the buffer is memory the process cannot read (`NULL` in the
   * script): once the call gets as far as copying data it fails with EFAULT, nothing sent (Linux's
   * tcp_sendmsg_locked, FreeBSD's uiomove); errors found before that (EPIPE, a pending error) come
   * first.
   */
  write(fd: number, n: number, flags: number, now: number, port?: number, badBuffer = false, unspecified = false): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (s.listener) return E(this.linux ? 'EPIPE' : 'ENOTCONN');
    // MSG_ZEROCOPY on a socket with SO_ZEROCOPY: each call that moves bytes takes an id, completed
    // once they are acknowledged (msg_zerocopy.rst); without SO_ZEROCOPY the flag is ignored.
    const zerocopy = this.linux && (flags & CONSTANTS.MSG_ZEROCOPY) !== 0 && s.options.get('SO_ZEROCOPY')?.int === 1;
    flags &= ~(this.linux ? CONSTANTS.MSG_ZEROCOPY : 0);
    if (flags & CONSTANTS.MSG_FASTOPEN || s.deferConnect) {
      if (!this.linux) throw new Unsupported('MSG_FASTOPEN under the freebsd personality');
      const fastOpen = (flags & CONSTANTS.MSG_FASTOPEN) !== 0;
      flags &= ~CONSTANTS.MSG_FASTOPEN;
      // tcp_sendmsg_fastopen: an AF_UNSPEC address (connect()'s way to disconnect) is EOPNOTSUPP.
      if (unspecified) return E('EOPNOTSUPP');
      if (!s.conn || s.deferConnect) {
        const r = this.sendFastOpen(s, n, (flags & CONSTANTS.MSG_DONTWAIT) !== 0, now, port, badBuffer);
        if (!zerocopy) return r;
        // The SYN's data holds the send's id too (tcp_send_syn_data); a failed call takes none.
        const note = (x: CallResult): CallResult => {
          if (x.done && x.ret > 0 && s.conn) (s.zc ??= new ZeroCopySends()).sent(sendQueueEnd(s.conn));
          return x;
        };
        if (r.done) return note(r);
        return { ...r, retry: (t: number) => {
          const x = r.retry(t);
          return x && note(x);
        } };
      }
      // MSG_FASTOPEN on a socket whose handshake is under way: __inet_stream_connect's EALREADY.
      if (fastOpen && !s.connected && !s.disconnected) return E('EALREADY');
    }
    const known = CONSTANTS.MSG_DONTWAIT | CONSTANTS.MSG_NOSIGNAL | CONSTANTS.MSG_EOR | (this.linux ? CONSTANTS.MSG_MORE | CONSTANTS.MSG_ZEROCOPY : 0);
    // Linux's MSG_EOR: once all of the call's data is queued, a record ends there (Tcb.endRecord);
    // a call that returns short ends none (tcp_sendmsg_locked marks eor only when nothing is left).
    const eor = this.linux && (flags & CONSTANTS.MSG_EOR) !== 0;
    if (flags & ~known) throw new Unsupported(`send flags 0x${flags.toString(16)}`);
    const dontWait = (flags & CONSTANTS.MSG_DONTWAIT) !== 0;
    // MSG_MORE: a SEND without PUSH; the data waits for more (Tcb.send's `more`).
    const more = this.linux && (flags & CONSTANTS.MSG_MORE) !== 0;
    let written = 0;
    const attempt = (t: number): CallResult | undefined => {
      // sosend_generic's order: can't send more (EPIPE), then so_error, then not connected; Linux's
      // tcp_sendmsg takes the pending error (sk_err) first.
      if (this.host.os === 'linux' && s.soError && written === 0) {
        const err = s.soError;
        s.soError = 0;
        return { done: true, ret: -1, errno: errnoFor(err) };
      }
      if (s.shutWr || (s.disconnected && s.connected)) return written > 0 ? OK(written) : E('EPIPE');
      if (s.soError) {
        const err = s.soError;
        s.soError = 0;
        return written > 0 ? OK(written) : { done: true, ret: -1, errno: errnoFor(err) };
      }
      // Linux's sk_stream_wait_connect: a write on a connecting socket waits for the handshake (EAGAIN
      // when non-blocking); FreeBSD's sosend refuses it (ENOTCONN).
      if (this.linux && s.conn && !s.connected && !s.disconnected) return s.nonblocking || dontWait ? E('EAGAIN') : undefined;
      if (!s.conn || !s.connected) return written > 0 ? OK(written) : E(s.disconnected ? 'EPIPE' : this.linux ? 'EPIPE' : 'ENOTCONN');
      const conn = s.conn;
      if (badBuffer && n > 0) return E('EFAULT');
      let took: number;
      try {
        took = n - written > 0 ? conn.send(new Uint8Array(n - written), t / 1000, more) : 0;
      } catch (e) {
        if (e instanceof TcpError) return written > 0 ? OK(written) : E('EPIPE');
        throw e;
      }
      if (took < n - written) s.nospace = true;
      if (took > 0 && zerocopy) {
        // One id for the call, however many times it waits for room (its buffer reference).
        const zc = (s.zc ??= new ZeroCopySends());
        if (written === 0) zc.sent(sendQueueEnd(conn));
        else zc.extend(sendQueueEnd(conn));
      }
      written += took;
      if (written >= n) {
        if (eor && n > 0) conn.endRecord();
        this.noteTimestamped(s, conn, written);
        return OK(written);
      }
      if (s.nonblocking || dontWait) {
        this.noteTimestamped(s, conn, written);
        return written > 0 ? OK(written) : E('EAGAIN');
      }
      return undefined;
    };
    const r = attempt(now);
    if (r) return r;
    return { done: false, retry: (t) => attempt(t) };
  }

  /** A send that queued bytes, on a socket asking for transmit timestamps: its last byte is marked. */
  private noteTimestamped(s: Sock, conn: Connection, written: number): void {
    const tx = SOF.SOF_TIMESTAMPING_TX_SCHED | SOF.SOF_TIMESTAMPING_TX_SOFTWARE | SOF.SOF_TIMESTAMPING_TX_ACK;
    if (written <= 0 || !(s.tsflags & tx)) return;
    (s.tsPending ??= []).push({ last: seqAdd(sendQueueEnd(conn), -1), flags: s.tsflags, sent: false });
  }

  shutdown(fd: number, how: number, now: number): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (how !== CONSTANTS.SHUT_RD && how !== CONSTANTS.SHUT_WR && how !== CONSTANTS.SHUT_RDWR) return E('EINVAL');
    // soshutdown: only a connected or connecting socket.
    if (!s.conn || s.disconnected) return E('ENOTCONN');
    if (how === CONSTANTS.SHUT_RD || how === CONSTANTS.SHUT_RDWR) {
      s.shutRd = true;
      // FreeBSD's sorflush: what is buffered is thrown away. Linux only marks the socket
      // (RCV_SHUTDOWN): what is queued and what still comes can be read.
      if (!this.linux) while (s.conn.tcb.readableLength > 0 && s.conn.read(Infinity, now / 1000));
    }
    if ((how === CONSTANTS.SHUT_WR || how === CONSTANTS.SHUT_RDWR) && !s.shutWr) {
      s.shutWr = true;
      s.conn.shutdown(now / 1000);
    }
    return OK();
  }

  close(fd: number, now: number): CallResult {
    if (this.epolls.delete(fd) || this.regularFiles.delete(fd)) return OK();
    const s = this.get(fd);
    if (!s) return E('EBADF');
    this.socks.delete(fd);
    for (const ep of this.epolls.values()) ep.forget(s);
    if (s.listener) {
      this.stack().closeListener(s.listener, now / 1000);
      s.listener.user = undefined;
    }
    if (s.conn) {
      const conn = s.conn;
      conn.user = undefined;
      const linger = s.options.get('SO_LINGER')?.linger;
      if (linger && linger.onoff && linger.linger === 0) conn.abort(now / 1000);
      else if (conn.state !== 'CLOSED') conn.close(now / 1000);
    }
    return OK();
  }

  fcntl(fd: number, cmd: number, arg: number | undefined): CallResult {
    const s = this.get(fd);
    if (!s) {
      if (this.epolls.has(fd)) throw new Unsupported('fcntl() on an epoll descriptor');
      return E('EBADF');
    }
    switch (cmd) {
      case CONSTANTS.F_GETFL:
        return OK(CONSTANTS.O_RDWR | (s.nonblocking ? CONSTANTS.O_NONBLOCK : 0));
      case CONSTANTS.F_SETFL:
        s.nonblocking = ((arg ?? 0) & CONSTANTS.O_NONBLOCK) !== 0;
        return OK();
      case CONSTANTS.F_GETFD:
        return OK(s.cloexec ? CONSTANTS.FD_CLOEXEC : 0);
      case CONSTANTS.F_SETFD:
        s.cloexec = ((arg ?? 0) & CONSTANTS.FD_CLOEXEC) !== 0;
        return OK();
      default:
        throw new Unsupported(`fcntl command ${cmd}`);
    }
  }

  getsockopt(fd: number, level: number, name: string): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    const int = (v: number): CallResult => ({ done: true, ret: 0, value: { int: v } });
    if (level === CONSTANTS.SOL_SOCKET) {
      switch (name) {
        case 'SO_ERROR': {
          const err = s.soError;
          s.soError = 0;
          return int(err);
        }
        case 'SO_RCVBUF':
          return int(s.rcvbuf);
        case 'SO_SNDBUF':
          return int(s.sndbuf);
        case 'SO_TYPE':
          return int(CONSTANTS.SOCK_STREAM);
        case 'SO_ACCEPTCONN':
          return int(s.listener ? 1 : 0);
        case 'SO_LINGER': {
          const l = s.options.get('SO_LINGER')?.linger ?? { onoff: 0, linger: 0 };
          return { done: true, ret: 0, value: { linger: l } };
        }
        case 'SO_REUSEADDR':
        case 'SO_REUSEPORT':
        case 'SO_KEEPALIVE':
        case 'SO_DEBUG':
        case 'SO_DONTROUTE':
        case 'SO_BROADCAST':
        case 'SO_OOBINLINE':
          // FreeBSD returns the option's flag bit itself when set.
          return int(s.options.get(name)?.int ? CONSTANTS[name] : 0);
        case 'SO_ZEROCOPY':
        case 'SO_MARK':
        case 'SO_TIMESTAMPING':
          if (!this.linux) throw new Unsupported(`getsockopt ${name} (a Linux option)`);
          return int(s.options.get(name)?.int ?? 0);
        default:
          throw new Unsupported(`getsockopt ${name}`);
      }
    }
    if (level === CONSTANTS.IPPROTO_TCP) {
      switch (name) {
        case 'TCP_NODELAY':
          return int(s.options.get(name)?.int ? 1 : 0);
        case 'TCP_MAXSEG':
          if (this.linux) {
            // Linux's do_tcp_getsockopt: the MSS a socket set (rx_opt.user_mss) while closed or
            // listening, else mss_cache: the current send MSS, TCP_MSS_DEFAULT (536) before any.
            if (s.tcp.mss !== undefined && (!s.conn || s.listener)) return int(s.tcp.mss);
            return int(s.conn ? s.conn.tcb.sendMss : 536);
          }
          // FreeBSD's t_maxseg: tcp_mssdflt until the connection knows better.
          return int(s.conn ? s.conn.tcb.sendMss : this.addrs.family === 4 ? 536 : 1220);
        case 'TCP_CORK':
        case 'TCP_INQ':
        case 'TCP_NOTSENT_LOWAT':
        case 'TCP_USER_TIMEOUT':
          if (!this.linux) throw new Unsupported(`getsockopt ${name} (a Linux option; this run imitates ${this.host.os})`);
          // What the socket set (0 when unset: for TCP_NOTSENT_LOWAT, the sysctl applies then).
          if (name === 'TCP_CORK') return int(s.cork ? 1 : 0);
          if (name === 'TCP_INQ') return int(s.inq ? 1 : 0);
          return int(s.options.get(name)?.int ?? 0);
        case 'TCP_KEEPINIT':
        case 'TCP_KEEPIDLE':
        case 'TCP_KEEPINTVL':
        case 'TCP_KEEPCNT':
          if (s.options.has(name)) return int(s.options.get(name)?.int ?? 0);
          return int(this.keepDefault(name));
        case 'TCP_SYNCNT':
          // Linux: the socket's icsk_syn_retries, else net.ipv4.tcp_syn_retries.
          if (!this.linux) throw new Unsupported(`getsockopt ${name} (a Linux option; this run imitates ${this.host.os})`);
          return int(s.options.get(name)?.int ?? this.stack().config.synRetries);
        default:
          throw new Unsupported(`getsockopt ${name}`);
      }
    }
    if (level === CONSTANTS.IPPROTO_IP || level === CONSTANTS.IPPROTO_IPV6) {
      const set = s.options.get(name);
      if (set?.int !== undefined && IP_OPTIONS[name]) return int(set.int);
      // Unset: the system's (IPv4's default TTL 64, RFC 1700 and both systems' ip_defttl; TOS 0).
      if (name === 'IP_TTL') return int(64);
      if (name === 'IP_TOS') return int(0);
      // Linux: IP_PMTUDISC_WANT unless set (net.ipv4.ip_no_pmtu_disc = 0); IP_FREEBIND off.
      if (this.linux && name === 'IP_MTU_DISCOVER') return int(set?.int ?? CONSTANTS.IP_PMTUDISC_WANT);
      if (this.linux && name === 'IP_FREEBIND') return int(set?.int ?? 0);
      throw new Unsupported(`getsockopt ${name}${IP_OPTIONS[name] ? ' before it is set' : ''}`);
    }
    throw new Unsupported(`getsockopt at level ${level}`);
  }

  /**
   * A keep-alive or connection-establishment time the socket has not set: the system's, as it is
   * when asked (FreeBSD's TP_KEEPIDLE() and the like read net.inet.tcp.keepidle, keepintvl, keepcnt,
   * keepinit at each call; Linux's keepalive_time_when() reads net.ipv4.tcp_keepalive_time and
   * the like), in seconds (the probe count as is).
   */
  private keepDefault(name: string): number {
    const c = { ...DEFAULT_TCP_CONFIG, ...this.host.tcp } as TcpConfig;
    switch (name) {
      case 'TCP_KEEPIDLE':
        return Math.floor(c.keepAliveIdleMs / 1000);
      case 'TCP_KEEPINTVL':
        return Math.floor(c.keepAliveIntervalMs / 1000);
      case 'TCP_KEEPCNT':
        return c.keepAliveProbes;
      default:
        if (c.connectTimeoutMs === undefined) throw new Unsupported(`getsockopt ${name} before it is set (these settings have no connection-establishment timeout, tcp.connectTimeoutMs)`);
        return Math.floor(c.connectTimeoutMs / 1000);
    }
  }

  setsockopt(fd: number, level: number, name: string, value: SocketOptionValue, now = 0): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    if (this.linux && linuxOnlyInterface(name)) throw linuxOnly(name);
    const v = value.int ?? 0;
    const beforeConnection = () => {
      if (s.conn || s.listener) throw new Unsupported(`setsockopt ${name} on a connected or listening socket (synack cannot change it on a live connection)`);
    };
    // A boolean option the connection reads as it goes: kept for getsockopt, for the connection to
    // be, and in the live connection's config.
    const setFlag = (field: 'keepAlive' | 'noDelay'): CallResult => {
      s.options.set(name, { int: v });
      s.tcp[field] = v !== 0;
      if (s.conn) s.conn.tcb.ownConfig()[field] = v !== 0;
      return OK();
    };
    if (level === CONSTANTS.SOL_SOCKET) {
      switch (name) {
        case 'SO_REUSEADDR':
        case 'SO_REUSEPORT':
        case 'SO_DEBUG':
        case 'SO_DONTROUTE':
        case 'SO_BROADCAST':
        case 'SO_OOBINLINE':
          s.options.set(name, { int: v });
          return OK();
        case 'SO_KEEPALIVE':
          return setFlag('keepAlive');
        case 'SO_ZEROCOPY':
          // Linux's sock_setsockopt: a TCP socket may ask for MSG_ZEROCOPY, 0 or 1.
          if (!this.linux) throw new Unsupported('setsockopt SO_ZEROCOPY (a Linux option)');
          if (v < 0 || v > 1) return E('EINVAL');
          s.options.set(name, { int: v });
          return OK();
        case 'SO_TIMESTAMPING': {
          // Documentation/networking/timestamping.rst. Transmit timestamps (TX_SCHED, TX_SOFTWARE,
          // TX_ACK) are generated; software ones reported (SOFTWARE); hardware ones never come (the
          // device has no clock). OPT_ID on TCP counts bytes from SND.UNA (OPT_ID_TCP: from the
          // queue's end), and is refused on a listening or closed socket.
          if (!this.linux) throw new Unsupported('setsockopt SO_TIMESTAMPING (a Linux option)');
          const unsupported = SOF.SOF_TIMESTAMPING_OPT_STATS | SOF.SOF_TIMESTAMPING_OPT_PKTINFO | SOF.SOF_TIMESTAMPING_BIND_PHC | SOF.SOF_TIMESTAMPING_OPT_CMSG | SOF.SOF_TIMESTAMPING_RX_SOFTWARE | SOF.SOF_TIMESTAMPING_RX_HARDWARE;
          if (v & unsupported) throw new Unsupported(`SO_TIMESTAMPING flags 0x${(v & unsupported).toString(16)} (receive timestamps, OPT_STATS, OPT_PKTINFO, OPT_CMSG, BIND_PHC)`);
          if (v < 0 || v >= SOF.SOF_TIMESTAMPING_OPT_ID_TCP << 1) return E('EINVAL');
          if (v & SOF.SOF_TIMESTAMPING_OPT_ID && !(s.tsflags & SOF.SOF_TIMESTAMPING_OPT_ID)) {
            const conn = s.conn;
            if (!conn || s.listener || conn.state === 'CLOSED') return E('EINVAL');
            const t = conn.tcb;
            s.tskey = v & SOF.SOF_TIMESTAMPING_OPT_ID_TCP ? sendQueueEnd(conn) : t.state === 'SYN-SENT' || t.state === 'SYN-RECEIVED' ? seqAdd(t.sndUna, 1) : t.sndUna;
          }
          s.tsflags = v;
          s.options.set(name, { int: v });
          return OK();
        }
        case 'SO_MARK':
          // The packets' mark (skb->mark) selects policy routes and filters; synack's host has one
          // route and no filter, so the mark is kept and reported but changes nothing.
          if (!this.linux) throw new Unsupported('setsockopt SO_MARK (a Linux option)');
          s.options.set(name, { int: v >>> 0 });
          return OK();
        case 'SO_LINGER':
          if (!value.linger) return E('EINVAL');
          s.options.set(name, { linger: value.linger });
          return OK();
        case 'SO_RCVBUF':
        case 'SO_SNDBUF': {
          // Linux takes any size, clamps it to wmem_max/rmem_max (212992) and doubles it for the
          // kernel's bookkeeping (sock_setsockopt); FreeBSD refuses one beyond sb_max.
          let size = v;
          if (this.linux) {
            if (v < 0) return E('EINVAL');
            size = Math.max(2 * Math.min(v, this.host.maxSockBuf / 2), name === 'SO_SNDBUF' ? 4608 : 2304);
          } else if (v <= 0 || v > this.host.maxSockBuf) return E('ENOBUFS');
          // The send buffer can change under a live connection (Linux and FreeBSD both allow it).
          if (name === 'SO_SNDBUF' && s.conn && !s.listener) s.conn.tcb.setSendBufferSize(size);
          else beforeConnection();
          if (name === 'SO_RCVBUF') s.rcvbuf = size;
          else s.sndbuf = size;
          s.buffersSet = true;
          return OK();
        }
        default:
          throw new Unsupported(`setsockopt ${name}`);
      }
    }
    if (level === CONSTANTS.IPPROTO_TCP) {
      if (this.linux) {
        const r = this.linuxTcpOption(s, name, v, now);
        if (r) return r;
      }
      switch (name) {
        case 'TCP_NODELAY':
          if (s.conn && this.linux) {
            // Linux: turning Nagle off pushes what is queued, even past a cork (man 7 tcp).
            s.options.set(name, { int: v });
            s.tcp.noDelay = v !== 0;
            s.conn.setNoDelay(v !== 0, now / 1000);
            return OK();
          }
          return setFlag('noDelay');
        case 'TCP_NOOPT':
          // FreeBSD's TF_NOOPT: SYN and SYN-ACK without any option (tcp.noOptions).
          beforeConnection();
          s.options.set(name, { int: v });
          s.tcp.noOptions = v !== 0;
          return OK();
        case 'TCP_FASTOPEN':
          // Linux: the listener's Fast Open queue (max_qlen), set before or after listen().
          if (this.host.os !== 'linux') throw new Unsupported('setsockopt TCP_FASTOPEN under the freebsd personality');
          if (v < 0) return E('EINVAL');
          s.options.set(name, { int: v });
          s.fastOpenQueue = v;
          if (s.listener) s.listener.fastOpenQueue = v;
          return OK();
        case 'TCP_FASTOPEN_CONNECT':
          if (this.host.os !== 'linux') throw new Unsupported('setsockopt TCP_FASTOPEN_CONNECT under the freebsd personality');
          // Linux's do_tcp_setsockopt: 0 or 1 only, EOPNOTSUPP while tcp_fastopen's client bit is off.
          if (v < 0 || v > 1) return E('EINVAL');
          if (!this.stack().fastOpen.client) return E('EOPNOTSUPP');
          if (s.conn) return E('EISCONN');
          s.options.set(name, { int: v });
          s.fastOpenConnect = v !== 0;
          return OK();
        case 'TCP_FASTOPEN_KEY': {
          // A 16-byte key (32: and a backup), the listener's own (Linux's per-socket key context).
          if (this.host.os !== 'linux') throw new Unsupported('setsockopt TCP_FASTOPEN_KEY under the freebsd personality');
          const len = value.length ?? value.bytes?.length ?? 0;
          if (!value.bytes || (len !== 16 && len !== 32) || value.bytes.length < len) return E('EINVAL');
          const key = value.bytes.slice(0, len);
          s.fastOpenKey = key;
          if (s.listener) s.listener.fastOpenKeys = new FastOpenKeys(key.subarray(0, 16), len === 32 ? key.subarray(16) : undefined);
          return OK();
        }
        case 'TCP_SYNCNT':
          // Linux (tcp(7)): the SYN retransmissions before connect() gives up, 1 to 127
          // (MAX_TCP_SYNCNT); it takes effect at once, also on a SYN already sent.
          if (!this.linux) throw new Unsupported(`setsockopt ${name} (a Linux option; this run imitates ${this.host.os})`);
          if (v < 1 || v > 127) return E('EINVAL');
          s.options.set(name, { int: v });
          s.tcp.synRetries = v;
          if (s.conn) s.conn.tcb.ownConfig().synRetries = v;
          return OK();
        case 'TCP_KEEPINIT':
          beforeConnection();
          if (!hasTcpField('connectTimeoutMs')) throw new Unsupported('TCP_KEEPINIT (synack has no tcp.connectTimeoutMs yet)');
          s.options.set(name, { int: v });
          s.tcp.connectTimeoutMs = v * 1000;
          return OK();
        case 'TCP_KEEPIDLE':
        case 'TCP_KEEPINTVL':
        case 'TCP_KEEPCNT': {
          s.options.set(name, { int: v });
          const key = name === 'TCP_KEEPIDLE' ? 'keepAliveIdleMs' : name === 'TCP_KEEPINTVL' ? 'keepAliveIntervalMs' : 'keepAliveProbes';
          const val = name === 'TCP_KEEPCNT' ? v : v * 1000;
          s.tcp[key] = val;
          if (s.conn) s.conn.tcb.ownConfig()[key] = val;
          return OK();
        }
        default:
          throw new Unsupported(`setsockopt ${name}`);
      }
    }
    if (level === CONSTANTS.IPPROTO_IP && this.linux && name === 'IP_MTU_DISCOVER') {
      // man 7 ip: IP_PMTUDISC_DONT (0) .. IP_PMTUDISC_OMIT (5). TCP's IPv4 packets carry DF for WANT
      // (Linux's default, with no route whose MTU is locked) and DO only (ip_dont_fragment).
      if (v < CONSTANTS.IP_PMTUDISC_DONT || v > CONSTANTS.IP_PMTUDISC_OMIT) return E('EINVAL');
      s.options.set(name, { int: v });
      const df = v === CONSTANTS.IP_PMTUDISC_WANT || v === CONSTANTS.IP_PMTUDISC_DO;
      s.tcp.ipDontFragment = df;
      if (s.conn) s.conn.tcb.ownConfig().ipDontFragment = df;
      if (s.listener) s.listener.tcp = { ...s.listener.tcp, ipDontFragment: df };
      return OK();
    }
    if (level === CONSTANTS.IPPROTO_IP && this.linux && name === 'IP_FREEBIND') {
      // Binding to an address not (yet) the host's: synack's sockets bind the script's local
      // address, which is the host's, so the flag is kept and read back and changes nothing else.
      s.options.set(name, { int: v !== 0 ? 1 : 0 });
      return OK();
    }
    if (level === CONSTANTS.IPPROTO_IP || level === CONSTANTS.IPPROTO_IPV6) {
      const o = IP_OPTIONS[name];
      if (!o) throw new Unsupported(`setsockopt ${name}`);
      if (v < o.min || v > 255) return E('EINVAL');
      // The value reaches the connection's packets through a TcpConfig field the stack reads.
      if (!hasTcpField(o.field)) throw new Unsupported(`setsockopt ${name}: synack's TcpConfig has no ${o.field} (${o.what} of a connection's packets) yet`);
      s.options.set(name, { int: v });
      // -1: the system's default again (the config's own).
      const value = v === -1 ? (DEFAULT_TCP_CONFIG as unknown as Record<string, unknown>)[o.field] : v;
      if (v === -1) delete s.tcp[o.field];
      else s.tcp[o.field] = value;
      if (s.conn) (s.conn.tcb.ownConfig() as unknown as Record<string, unknown>)[o.field] = value;
      return OK();
    }
    throw new Unsupported(`setsockopt at level ${level}`);
  }

  /**
   * Linux's TCP options that FreeBSD lacks or treats differently (do_tcp_setsockopt), or undefined
   * for the common ones.
   */
  private linuxTcpOption(s: Sock, name: string, v: number, now: number): CallResult | undefined {
    const live = s.conn && !s.disconnected ? s.conn : undefined;
    switch (name) {
      case 'TCP_CORK':
        s.cork = v !== 0;
        live?.setCork(v !== 0, now / 1000);
        return OK();
      case 'TCP_INQ':
        if (v < 0 || v > 1) return E('EINVAL');
        s.inq = v === 1;
        return OK();
      case 'TCP_NOTSENT_LOWAT': {
        // 0 means "the sysctl's" (tcp_notsent_lowat(): tp->notsent_lowat ?: sysctl); UINT_MAX, none.
        const lowat = v >>> 0;
        s.options.set(name, { int: lowat });
        const effective = lowat === 0 ? this.hostNotSentLowat() : lowat === 0xffffffff ? undefined : lowat;
        if (lowat === 0) delete s.tcp.notSentLowat;
        else s.tcp.notSentLowat = effective;
        if (s.conn) s.conn.tcb.ownConfig().notSentLowat = effective;
        if (s.listener) s.listener.tcp = { ...s.listener.tcp, notSentLowat: effective };
        return OK();
      }
      case 'TCP_USER_TIMEOUT':
        // RFC 5482's user timeout, in ms; 0: none (the retransmission count bounds the connection).
        if (v < 0) return E('EINVAL');
        s.options.set(name, { int: v });
        if (v === 0) delete s.tcp.userTimeoutMs;
        else s.tcp.userTimeoutMs = v;
        if (s.conn) s.conn.tcb.ownConfig().userTimeoutMs = v === 0 ? undefined : v;
        if (s.listener) s.listener.tcp = { ...s.listener.tcp, userTimeoutMs: v === 0 ? undefined : v };
        return OK();
      case 'TCP_MAXSEG':
        // rx_opt.user_mss: 0 clears it; otherwise TCP_MIN_MSS (88) to MAX_TCP_WINDOW (32767). It
        // clamps the MSS announced and used by connections made after it (RFC 9293 §3.7.1); a
        // connection already made keeps its MSS.
        if (v !== 0 && (v < 88 || v > 32767)) return E('EINVAL');
        if (v === 0) delete s.tcp.mss;
        else s.tcp.mss = v;
        if (s.listener) s.listener.tcp = { ...s.listener.tcp, mss: v === 0 ? undefined : v };
        return OK();
      default:
        return undefined;
    }
  }

  /** net.ipv4.tcp_notsent_lowat as the host has it (undefined: UINT_MAX, no limit). */
  private hostNotSentLowat(): number | undefined {
    return (this.host.tcp as Partial<TcpConfig>).notSentLowat ?? DEFAULT_TCP_CONFIG.notSentLowat;
  }

  /**
   * ioctl's queue sizes (Linux's tcp_ioctl): SIOCINQ (FIONREAD) the bytes waiting to be read,
   * SIOCOUTQ (TIOCOUTQ) the bytes queued and not yet acknowledged, SIOCOUTQNSD those not yet sent.
   * EINVAL on a listening socket, as Linux answers.
   */
  ioctl(fd: number, request: number): CallResult {
    const s = this.get(fd);
    if (!s) return E('EBADF');
    const C = CONSTANTS;
    if (request !== C.SIOCINQ && request !== C.SIOCOUTQ && request !== C.SIOCOUTQNSD) throw new Unsupported(`ioctl request 0x${request.toString(16)}`);
    if (s.listener) return E('EINVAL');
    const t = s.conn?.tcb;
    const value = (n: number): CallResult => ({ done: true, ret: 0, value: { int: n } });
    if (request === C.SIOCINQ) return value(t ? t.readableLength : 0);
    if (request === C.SIOCOUTQ) return value(t ? t.sendBuffer.length : 0);
    return value(t ? t.notSentBytes : 0);
  }

  /**
   * recvmsg: a read (see read) whose control messages say, with TCP_INQ, how many bytes are still
   * waiting (TCP_CM_INQ: Linux's tcp_inq_hint, RCV.NXT less what was read, so the peer's FIN counts
   * one: a reader can tell "nothing left, and the end came" from "nothing yet").
   */
  recvmsg(fd: number, n: number, flags: number, now: number): CallResult {
    const s = this.get(fd);
    if (s && this.linux && flags & CONSTANTS.MSG_ERRQUEUE) return this.readErrorQueue(s, flags, n);
    const r = this.read(fd, n, flags, now);
    if (!s || !s.inq) return r;
    const withInq = (res: CallResult): CallResult => {
      if (!res.done || res.ret < 0) return res;
      const t = s.conn?.tcb;
      const left = (t ? t.readableLength : 0) + (s.eof ? 1 : 0);
      return { ...res, control: [{ level: CONSTANTS.SOL_TCP, type: CONSTANTS.TCP_CM_INQ, data: left }], msgFlags: 0 };
    };
    if (r.done) return withInq(r);
    return { ...r, retry: (t: number) => {
      const x = r.retry(t);
      return x && withInq(x);
    } };
  }

  /**
   * SO_TIMESTAMPING's reports for a send (tcp_tx_timestamp marks the buffer holding the send's last
   * byte): TX_SCHED (entering the queue of the device) and TX_SOFTWARE (leaving the device), both
   * when the segment holding that byte is first sent, as synack's device queues nothing; TX_ACK when
   * the peer has acknowledged it. Nothing comes once the connection is gone.
   */
  private transmitTimestamps(s: Sock, conn: Connection, nowUs: number): void {
    const pending = s.tsPending as NonNullable<Sock['tsPending']>;
    if (s.disconnected || conn.state === 'CLOSED') {
      pending.length = 0;
      return;
    }
    const t = conn.tcb;
    const q = (s.errq ??= new ErrorQueue());
    const before = q.length;
    const withData = (s.tsflags & SOF.SOF_TIMESTAMPING_OPT_TSONLY) === 0;
    const key = (last: number, flags: number) => (flags & SOF.SOF_TIMESTAMPING_OPT_ID ? (last - s.tskey) >>> 0 : 0);
    while (pending.length > 0) {
      const p = pending[0];
      if (!p.sent && seqGt(t.sndMax, p.last)) {
        p.sent = true;
        if (p.flags & SOF.SOF_TIMESTAMPING_TX_SCHED) q.timestamp(SOF.SCM_TSTAMP_SCHED, key(p.last, p.flags), nowUs, ERRNO.ENOMSG, withData);
        if (p.flags & SOF.SOF_TIMESTAMPING_TX_SOFTWARE) q.timestamp(SOF.SCM_TSTAMP_SND, key(p.last, p.flags), nowUs, ERRNO.ENOMSG, withData);
      }
      if (!p.sent) break;
      if (p.flags & SOF.SOF_TIMESTAMPING_TX_ACK) {
        if (!seqGt(t.sndUna, p.last)) break;
        q.timestamp(SOF.SCM_TSTAMP_ACK, key(p.last, p.flags), nowUs, ERRNO.ENOMSG, withData);
      }
      pending.shift();
    }
    // A later send may be sent before an earlier one is acknowledged: its SCHED and SND come then.
    for (const p of pending) {
      if (p.sent || !seqGt(t.sndMax, p.last)) continue;
      p.sent = true;
      if (p.flags & SOF.SOF_TIMESTAMPING_TX_SCHED) q.timestamp(SOF.SCM_TSTAMP_SCHED, key(p.last, p.flags), nowUs, ERRNO.ENOMSG, withData);
      if (p.flags & SOF.SOF_TIMESTAMPING_TX_SOFTWARE) q.timestamp(SOF.SCM_TSTAMP_SND, key(p.last, p.flags), nowUs, ERRNO.ENOMSG, withData);
    }
    if (q.length > before) this.wake(s, EPOLL.EPOLLERR);
  }

  /**
   * recvmsg(MSG_ERRQUEUE) (ip_recv_error, ipv6_recv_error): the oldest entry of the error queue as
   * an IP_RECVERR (IPV6_RECVERR) control message holding its sock_extended_err, msg_flags
   * MSG_ERRQUEUE, and no data (a MSG_ZEROCOPY notification carries none); EAGAIN at once when the
   * queue is empty, blocking or not. An entry left behind wakes the socket's waiters again
   * (sock_dequeue_err_skb).
   */
  private readErrorQueue(s: Sock, flags: number, n: number): CallResult {
    const known = CONSTANTS.MSG_ERRQUEUE | CONSTANTS.MSG_DONTWAIT;
    if (flags & ~known) throw new Unsupported(`recvmsg(MSG_ERRQUEUE) with flags 0x${flags.toString(16)}`);
    const first = s.errq?.shift();
    if (!first) return E('EAGAIN');
    if (s.errq && s.errq.length > 0) this.wake(s, EPOLL.EPOLLERR);
    const { tstampUs, withData, ...ee } = first;
    const v6 = this.addrs.family === 6;
    const control: ControlMessage[] = [];
    // A software timestamp is reported (SCM_TIMESTAMPING's ts[0]) when SOF_TIMESTAMPING_SOFTWARE is set.
    if (tstampUs !== undefined && s.tsflags & SOF.SOF_TIMESTAMPING_SOFTWARE) {
      const ns = Math.round(tstampUs * 1000);
      control.push({ level: CONSTANTS.SOL_SOCKET, type: SOF.SCM_TIMESTAMPING, data: undefined, fields: { scm_sec: Math.floor(ns / 1e9), scm_nsec: ns % 1e9 } });
    }
    control.push({ level: v6 ? CONSTANTS.SOL_IPV6 : CONSTANTS.SOL_IP, type: v6 ? CONSTANTS.IPV6_RECVERR : CONSTANTS.IP_RECVERR, data: undefined, fields: { ...ee } });
    let msgFlags = CONSTANTS.MSG_ERRQUEUE;
    // A timestamp without OPT_TSONLY holds a copy of the packet: an empty buffer gets none of it.
    if (withData) {
      if (n > 0) throw new Unsupported('recvmsg(MSG_ERRQUEUE) of a timestamp with room for the copy of the packet it holds');
      msgFlags |= CONSTANTS.MSG_TRUNC;
    }
    return { done: true, ret: 0, control, msgFlags };
  }

  /** poll: the revents of each {fd, events}. */
  pollEvents(fd: number, events: number): number {
    const s = this.get(fd);
    if (!s) return CONSTANTS.POLLNVAL;
    if (this.linux) return this.linuxPollEvents(s, events);
    let r = 0;
    const IN = CONSTANTS.POLLIN | CONSTANTS.POLLRDNORM;
    const OUT = CONSTANTS.POLLOUT | CONSTANTS.POLLWRNORM;
    if (s.listener) {
      if (s.listener.acceptQueue.length > 0) r |= events & IN;
      return r;
    }
    if (!s.conn) return 0; // FreeBSD's sopoll: an unconnected TCP socket is neither readable nor writable
    const t = s.conn.tcb;
    if (t.readableLength > 0 || s.eof || s.shutRd || s.disconnected || s.soError) r |= events & IN;
    if (s.connected && !s.disconnected && !s.shutWr && t.writableLength > 0) r |= events & OUT;
    if (s.disconnected && s.connected) r |= events & OUT; // a write would not block (it fails)
    if (s.soError) r |= CONSTANTS.POLLERR;
    if (s.disconnected || (s.eof && s.shutWr)) r |= CONSTANTS.POLLHUP;
    return r;
  }

  /**
   * Linux's tcp_poll: POLLHUP once both directions are shut or the socket is closed (a socket never
   * connected too); POLLIN|POLLRDNORM|POLLRDHUP once the receive side is shut (the peer's FIN, a
   * reset, shutdown(SHUT_RD)); POLLIN for data; POLLOUT when not connecting and writable
   * (sk_stream_is_writeable: Tcb.sendWakeup, with TCP_NOTSENT_LOWAT), or when the send side is shut
   * (a write fails at once); POLLERR for a pending error. POLLERR and POLLHUP are reported whatever
   * was asked for; the others only when asked (POLLRDHUP included).
   */
  private linuxPollEvents(s: Sock, events: number): number {
    const C = CONSTANTS;
    const mask = this.linuxPollMask(s);
    const E = EPOLL;
    let r = 0;
    for (const [linux, here] of [[E.EPOLLIN, C.POLLIN], [E.EPOLLPRI, C.POLLPRI], [E.EPOLLOUT, C.POLLOUT], [E.EPOLLERR, C.POLLERR], [E.EPOLLHUP, C.POLLHUP], [E.EPOLLRDNORM, C.POLLRDNORM], [E.EPOLLRDBAND, C.POLLRDBAND], [E.EPOLLWRNORM, C.POLLWRNORM], [E.EPOLLWRBAND, C.POLLWRBAND], [E.EPOLLRDHUP, C.POLLRDHUP]]) {
      if (mask & linux) r |= here;
    }
    return r & (events | C.POLLERR | C.POLLHUP);
  }

  /**
   * tcp_poll's whole mask, in Linux's poll bits (the same as epoll's). A connected socket found not
   * writable is marked SOCK_NOSPACE, so that the acknowledgment that makes room wakes its waiters.
   */
  private linuxPollMask(s: Sock): number {
    const E = EPOLL;
    if (s.listener) return s.listener.acceptQueue.length > 0 ? E.EPOLLIN | E.EPOLLRDNORM : 0;
    const conn = s.conn;
    const closed = !conn || conn.state === 'CLOSED' || s.disconnected;
    const rcvShut = s.shutRd || s.eof || (s.disconnected && s.connected);
    const sndShut = s.shutWr || (s.disconnected && s.connected);
    let mask = 0;
    if ((rcvShut && sndShut) || closed) mask |= E.EPOLLHUP;
    if (rcvShut) mask |= E.EPOLLIN | E.EPOLLRDNORM | E.EPOLLRDHUP;
    const connecting = conn !== undefined && (conn.state === 'SYN-SENT' || conn.state === 'SYN-RECEIVED') && !s.disconnected;
    if (!connecting) {
      if (conn && conn.tcb.readableLength > 0) mask |= E.EPOLLIN | E.EPOLLRDNORM;
      if (sndShut || !conn || conn.tcb.sendWakeup) mask |= E.EPOLLOUT | E.EPOLLWRNORM;
      else s.nospace = true;
    } else if (s.deferConnect) {
      // A connect() deferred by TCP_FASTOPEN_CONNECT: writable, so that the SYN's data gets written.
      mask |= E.EPOLLOUT | E.EPOLLWRNORM;
    }
    // A pending error, or anything on the error queue (sock_poll's sk_err || sk_error_queue).
    if (s.soError || (s.errq && s.errq.length > 0)) mask |= E.EPOLLERR;
    return mask;
  }

  // ---------------------------------------------------------------------------------------------
  // Regular files and sendfile (Linux)

  /** open() of a file of `size` bytes for reading; `wantFd` as for socket(). */
  openFile(size: number, wantFd?: number): CallResult {
    const free = wantFd !== undefined && Number.isInteger(wantFd) && wantFd >= 3 && !this.socks.has(wantFd) && !this.epolls.has(wantFd) && !this.regularFiles.has(wantFd);
    const fd = free ? wantFd : this.freeFd();
    this.regularFiles.set(fd, { size, pos: 0 });
    return OK(fd);
  }

  /**
   * sendfile(out_fd, in_fd, offset, count) (man 2 sendfile): up to `count` bytes of the file from
   * `offset` (or from its file position, which then moves) written to the socket as write() would
   * (non-blocking: what fits, else EAGAIN; blocking: all of it); 0 at the end of the file. The
   * bytes are the file's: synack sends the same count of them.
   */
  sendfile(outFd: number, inFd: number, offset: number | undefined, count: number, now: number): CallResult {
    const f = this.regularFiles.get(inFd);
    if (!f) return E(this.socks.has(inFd) || this.epolls.has(inFd) ? 'EINVAL' : 'EBADF');
    if (!this.socks.has(outFd)) return E(this.regularFiles.has(outFd) || this.epolls.has(outFd) ? 'EINVAL' : 'EBADF');
    if (count < 0 || (offset !== undefined && offset < 0)) return E('EINVAL');
    const from = offset ?? f.pos;
    const n = Math.max(0, Math.min(count, f.size - from));
    if (n === 0) return OK(0);
    const advance = (r: CallResult): CallResult => {
      if (r.done && r.ret > 0 && offset === undefined) f.pos += r.ret;
      return r;
    };
    const r = this.write(outFd, n, 0, now);
    if (r.done) return advance(r);
    return { ...r, retry: (t: number) => {
      const x = r.retry(t);
      return x && advance(x);
    } };
  }

  // ---------------------------------------------------------------------------------------------
  // epoll (Linux): see epoll.ts

  /** `wantFd`: the number the script calls the instance by, taken when free (as socket() does). */
  epollCreate(size: number | undefined, flags: number, wantFd?: number): CallResult {
    if (!this.linux) throw new Unsupported('epoll under the freebsd personality');
    // epoll_create's size must be positive (it is otherwise ignored); epoll_create1 takes EPOLL_CLOEXEC only.
    if (size !== undefined && size <= 0) return E('EINVAL');
    if (flags & ~EPOLL.EPOLL_CLOEXEC) return E('EINVAL');
    const free = wantFd !== undefined && Number.isInteger(wantFd) && wantFd >= 3 && !this.socks.has(wantFd) && !this.epolls.has(wantFd) && !this.regularFiles.has(wantFd);
    const fd = free ? wantFd : this.freeFd();
    this.epolls.set(fd, new EpollInstance<Sock>((t) => this.linuxPollMask(t)));
    return OK(fd);
  }

  epollCtl(epfd: number, op: number, fd: number, ev: EpollEvent | undefined): CallResult {
    const ep = this.epolls.get(epfd);
    if (!ep && !this.socks.has(epfd)) return E('EBADF');
    if (this.epolls.has(fd)) throw new Unsupported('an epoll instance inside another');
    const target = this.socks.get(fd);
    if (!target) return E('EBADF');
    if (!ep) return E('EINVAL');
    const r = ep.ctl(op, fd, target, ev);
    return r === 0 ? OK() : E(r);
  }

  /** epoll_wait: blocks (timeout > 0 ms, or -1 for ever) until something is ready. */
  epollWait(epfd: number, maxEvents: number, timeoutMs: number, now: number): CallResult {
    const ep = this.epolls.get(epfd);
    if (!ep) return E(this.socks.has(epfd) ? 'EINVAL' : 'EBADF');
    if (badMaxEvents(maxEvents)) return E('EINVAL');
    const attempt = (t: number): CallResult | undefined => {
      const out = ep.collect(maxEvents);
      if (out.length > 0 || timeoutMs === 0 || (timeoutMs > 0 && t >= now + timeoutMs * 1000 - 1e-6)) return { done: true, ret: out.length, epollEvents: out };
      return undefined;
    };
    const r = attempt(now);
    if (r) return r;
    return { done: false, retry: attempt, deadline: timeoutMs > 0 ? now + timeoutMs * 1000 : undefined };
  }

}

/** The sequence number just past the last byte queued (the SYN, while unacknowledged, comes first). */
function sendQueueEnd(conn: Connection): number {
  const t = conn.tcb;
  const syn = t.state === 'SYN-SENT' || t.state === 'SYN-RECEIVED' ? 1 : 0;
  return seqAdd(t.sndUna, syn + t.sendBuffer.length);
}

function errnoFor(n: number): string {
  for (const [k, v] of Object.entries(ERRNO)) if (v === n) return k;
  return 'EIO';
}
