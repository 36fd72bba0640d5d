/**
 * The stack's counters, named as the MIBs and `netstat -s` / nstat name them (RFC 4293 for IP and
 * ICMP; TCP's are the TcpStats every connection shares).
 */
import { TcpStats } from '../tcp/stats.js';

export class IpCounters {
  InReceives = 0;
  /** Bad header, bad header checksum, bad length. */
  InHdrErrors = 0;
  /** Not addressed to us. */
  InAddrErrors = 0;
  InUnknownProtos = 0;
  InDelivers = 0;
  OutRequests = 0;
  /** Fragments: synack does not reassemble. */
  ReasmFails = 0;
}

export class IcmpCounters {
  InMsgs = 0;
  InErrors = 0;
  InCsumErrors = 0;
  InEchos = 0;
  /** Destination unreachable (ICMPv4 fragmentation-needed included: it is type 3). */
  InDestUnreachs = 0;
  /** Time exceeded (RFC 2011 icmpInTimeExcds). */
  InTimeExcds = 0;
  /** ICMPv6 packet too big (RFC 2466 ipv6IfIcmpInPktTooBigs; netstat's Icmp6InPktTooBigs). */
  InPktTooBigs = 0;
  /** Errors about a connection that failed RFC 5927's sequence check, or about no connection. */
  InErrorsIgnored = 0;
  OutMsgs = 0;
  OutEchoReps = 0;
}

export class StackTcpStats extends TcpStats {
  /** TCP checksum failures. */
  InCsumErrors = 0;
  /** Final ACKs dropped because the listener's accept queue was full (Linux: ListenOverflows). */
  ListenOverflows = 0;
  /** SYNs or ACKs a listener dropped for any reason (Linux: ListenDrops, which includes overflows). */
  ListenDrops = 0;
  /** Segments that reached no connection and were answered with a RST (or dropped, if a RST). */
  NoConnection = 0;
  /** RSTs for segments that reached no connection left unsent by `limits.rstPerSecond`. */
  OutRstsRateLimited = 0;
  /** TIME-WAIT connections ended early by a new SYN for the same 4-tuple (RFC 6191). */
  TimeWaitReused = 0;
  /** TIME-WAIT entries recycled early because `limits.timeWaitMax` was reached (Linux: TCPTimeWaitOverflow). */
  TCPTimeWaitOverflow = 0;
  /** close() calls that reset the connection because `limits.maxOrphans` was reached (Linux: TCPAbortOnMemory). */
  TCPAbortOnMemory = 0;
  /** Out-of-order data dropped because `limits.reassemblyBytes` was reached (Linux: TCPOFODrop). */
  TCPOFODrop = 0;
  /** SYNs dropped because `limits.maxConnections` was reached (also counted in ListenDrops). */
  TCPConnectionLimitDrops = 0;
  /** SYNs answered with a SYN cookie, no state kept (Linux: SyncookiesSent). */
  SyncookiesSent = 0;
  /** Final ACKs whose cookie validated (Linux: SyncookiesRecv). */
  SyncookiesRecv = 0;
  /** ACKs checked for a cookie that failed (forged, expired, another 4-tuple): answered with RST (Linux: SyncookiesFailed). */
  SyncookiesFailed = 0;
}

export class StackCounters {
  readonly ip = new IpCounters();
  readonly icmp = new IcmpCounters();
  readonly tcp = new StackTcpStats();
}
