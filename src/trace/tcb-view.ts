/**
 * Views of a host's TCP state as plain data, for the explorer's panels (and anything else that
 * shows a connection without reaching into the Tcb): one connection's RFC 9293 variables, its
 * congestion and RTT state, its armed timers and its sequence space; a listener's queues; a host's
 * counters. Reading a view never changes the connection: state made on first use (the congestion
 * controller, the scoreboard, RACK's records) is read only where it exists already.
 */
import { ipToString, seqDiff } from '../wire/index.js';
import { INITIAL_WINDOW_SEGMENTS } from '../tcp/congestion.js';
import { armedTimers } from '../tcp/timers.js';
import { receiveWindow } from '../tcp/window.js';
import type { Tcb } from '../tcp/tcb.js';
import type { TcbTimerKind } from '../tcp/trace.js';
import type { TcpState } from '../tcp/state.js';
import type { Connection } from '../stack/connection.js';
import type { Listener } from '../stack/listener.js';
import type { Stack } from '../stack/stack.js';
import type { Endpoint } from '../stack/endpoint.js';
import { endpointText } from './model.js';

/** One connection's Transmission Control Block at one moment (absolute sequence numbers, bytes, ms). */
export interface TcbView {
  host: string;
  /** "local>remote", as trace events name connections. */
  conn: string;
  state: TcpState;
  iss: number;
  irs: number;
  sndUna: number;
  sndNxt: number;
  /** The highest sequence number sent (beyond sndNxt after a retransmission rewinds it). */
  sndMax: number;
  /** The peer's window, scaled (bytes). */
  sndWnd: number;
  rcvNxt: number;
  /** RCV.WND: what remains of the window last advertised (bytes). */
  rcvWnd: number;
  /** Bytes; 0 before the connection made its congestion controller (before it sent data). */
  cwnd: number;
  /** Bytes; null while unbounded. */
  ssthresh: number | null;
  /** ms; null before the first sample. */
  srtt: number | null;
  rttvar: number | null;
  rto: number;
  /** Data per segment now (the peer's MSS less option bytes). */
  mss: number;
  /** RFC 6675's pipe: bytes sent and not acknowledged, less what is SACKed and marked lost. */
  flight: number;
  /** Each armed timer with its deadline (ms), earliest first. */
  timers: Array<{ kind: TcbTimerKind; deadline: number }>;
  /**
   * The sequence space from ISS + 1, in bytes relative to it: [0, acked) acknowledged, [acked, sent)
   * sent and unacknowledged (of which the `sacked` and `lost` ranges), [sent, sent + unsent) queued.
   */
  space: { acked: number; sent: number; unsent: number; sacked: Array<[number, number]>; lost: Array<[number, number]> };
  /** Bytes received in order and not read by the application. */
  readable: number;
}

export interface ListenerView {
  host: string;
  /** "address:port" ("*:80" for every address). */
  local: string;
  backlog: number;
  synQueue: number;
  acceptQueue: number;
  /** The stack's SYN cookie mode: off, on-overflow or always. */
  synCookies: string;
}

function endText(e: Endpoint): string {
  return endpointText(ipToString(e.address), e.port);
}

/** "local>remote" of a connection, as trace events name it. */
export function connectionName(c: { local: Endpoint; remote: Endpoint }): string {
  return `${endText(c.local)}>${endText(c.remote)}`;
}

/** Relative position of `seq` after ISS + 1, never below 0 (the SYN itself is not in the bar). */
function rel(tcb: Tcb, seq: number): number {
  return Math.max(0, seqDiff(seq, (tcb.iss + 1) >>> 0));
}

/** The view of one connection of host `host` (a name) at `now`. */
export function tcbView(host: string, c: Connection, now: number): TcbView {
  void now; // Every figure is the TCB's own; `now` is in the signature so that a view may age timers later.
  const tcb = c.tcb;
  const cc = tcb.cc;
  const sacked: Array<[number, number]> = [];
  const board = tcb.sacksState;
  if (board !== undefined) for (let i = 0; i < board.rangeCount; i++) sacked.push([rel(tcb, board.left(i)), rel(tcb, board.right(i))]);
  const lost = (tcb.rackState?.lostRanges() ?? []).map(([l, r]): [number, number] => [rel(tcb, l), rel(tcb, r)]);
  const synced = tcb.state !== 'CLOSED' && tcb.state !== 'LISTEN' && tcb.state !== 'SYN-SENT';
  const timers = armedTimers(tcb).sort((a, b) => a.deadline - b.deadline);
  return {
    host,
    conn: connectionName(c),
    state: c.state,
    iss: tcb.iss,
    irs: synced ? tcb.irs : 0,
    sndUna: tcb.sndUna,
    sndNxt: tcb.sndNxt,
    sndMax: tcb.sndMax,
    sndWnd: tcb.sndWnd,
    rcvNxt: tcb.rcvNxt,
    rcvWnd: receiveWindow(tcb),
    // Before its first send the controller is not made yet (made on first use): its window is then
    // the initial one it will start from (RFC 6928's ten segments).
    cwnd: cc === undefined ? INITIAL_WINDOW_SEGMENTS * tcb.sendMss : Math.round(cc.cwnd),
    ssthresh: cc === undefined || !Number.isFinite(cc.ssthresh) ? null : Math.round(cc.ssthresh),
    srtt: tcb.rtt.srtt ?? null,
    rttvar: tcb.rtt.srtt === undefined ? null : tcb.rtt.rttvar,
    rto: tcb.rtt.rto,
    mss: tcb.sendMss,
    flight: tcb.state === 'CLOSED' ? 0 : tcb.pipe(),
    timers,
    space: { acked: rel(tcb, tcb.sndUna), sent: rel(tcb, tcb.sndMax), unsent: tcb.notSentBytes, sacked, lost },
    readable: tcb.rcvBuf?.readable ?? 0,
  };
}

export function listenerView(host: string, stack: Stack, l: Listener): ListenerView {
  return { host, local: l.local, backlog: l.backlog, synQueue: l.synQueue.size, acceptQueue: l.acceptQueue.length, synCookies: stack.synCookies };
}

/** A host's counters that are not zero, by "group.Name" ("tcp.ActiveOpens", "ip.InReceives"). */
export function countersView(stack: Stack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [group, counters] of Object.entries(stack.counters) as Array<[string, object]>) {
    for (const [name, v] of Object.entries(counters)) if (typeof v === 'number' && v !== 0) out[`${group}.${name}`] = v;
  }
  return out;
}

/**
 * Every connection of a stack as views: the ones it lists, then those held as compact TIME-WAIT
 * records (from the TCB the record was made from, with the record's 2*MSL deadline).
 */
export function stackViews(host: string, stack: Stack, now: number): { tcbs: TcbView[]; listeners: ListenerView[]; counters: Record<string, number> } {
  const tcbs: TcbView[] = [];
  for (const c of stack.connections()) tcbs.push(tcbView(host, c, now));
  for (const tw of stack.timeWaitEntries()) {
    const owner = tw.owner;
    const base = owner !== undefined ? tcbView(host, owner, now) : undefined;
    tcbs.push({
      ...(base ?? emptyView(host, `${endText(tw.local)}>${endText(tw.remote)}`)),
      state: 'TIME-WAIT',
      sndNxt: tw.sndNxt,
      rcvNxt: tw.rcvNxt,
      rcvWnd: tw.rcvWnd,
      flight: 0,
      timers: [{ kind: 'time-wait', deadline: tw.expiresAt }],
    });
  }
  const listeners: ListenerView[] = [];
  for (const l of stack.listenersList()) listeners.push(listenerView(host, stack, l));
  return { tcbs, listeners, counters: countersView(stack) };
}

function emptyView(host: string, conn: string): TcbView {
  return {
    host, conn, state: 'TIME-WAIT', iss: 0, irs: 0, sndUna: 0, sndNxt: 0, sndMax: 0, sndWnd: 0, rcvNxt: 0, rcvWnd: 0, cwnd: 0, ssthresh: null,
    srtt: null, rttvar: null, rto: 0, mss: 0, flight: 0, timers: [], space: { acked: 0, sent: 0, unsent: 0, sacked: [], lost: [] }, readable: 0,
  };
}
