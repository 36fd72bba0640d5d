/**
 * The connection listing, like `ss -tani`: state, queues, addresses, and the TCP internals ss shows
 * (RTT, RTO, retransmissions, congestion window), plus each connection's age in its state.
 * States are written as everywhere in synack, RFC 9293's way (SYN-RECEIVED, not SYN-RECV).
 */
import type { TcpState } from '../tcp/state.js';
import { endpointToString } from './endpoint.js';
import type { Stack } from './stack.js';

export interface ConnectionRow {
  state: TcpState;
  /** Bytes received and not yet read by the application (Recv-Q); for a listener, its accept queue. */
  recvQ: number;
  /** Bytes sent and not acknowledged, plus bytes not yet sent (Send-Q); for a listener, its backlog. */
  sendQ: number;
  local: string;
  peer: string;
  /** Smoothed RTT and RTT variation (ms), when measured. */
  rttMs?: number;
  rttVarMs?: number;
  rtoMs?: number;
  retransmits?: number;
  cwnd?: number;
  /** How long the connection has been in its state (ms). */
  stateAgeMs: number;
  /** TIME-WAIT: how long until 2*MSL ends it (ms), as ss's timer:(timewait,...). */
  expiresInMs?: number;
  /**
   * TCP Fast Open: for a connection, what it did (cookie-req, cookie, syn-data, syn-data-acked,
   * syn-data-lost; child for a server's connection that took its SYN's data; cookie-sent); for a
   * listener with a Fast Open queue, "pending/queue".
   */
  fastOpen?: string;
}

export function listConnections(stack: Stack, now: number): ConnectionRow[] {
  const rows: ConnectionRow[] = [];
  for (const l of stack.listenersList()) {
    const row: ConnectionRow = { state: 'LISTEN', recvQ: l.acceptQueue.length, sendQ: l.backlog, local: l.local, peer: '*:*', stateAgeMs: 0 };
    if (l.fastOpenQueue > 0) row.fastOpen = `${l.fastOpenPending}/${l.fastOpenQueue}`;
    rows.push(row);
  }
  for (const c of stack.connections()) {
    const t = c.tcb;
    const row: ConnectionRow = {
      state: t.state,
      recvQ: t.readableLength,
      sendQ: t.sendBuffer.length,
      local: endpointToString(c.local),
      peer: endpointToString(c.remote),
      stateAgeMs: now - t.stateSince,
    };
    if (t.rtt.srtt !== undefined) {
      row.rttMs = t.rtt.srtt;
      row.rttVarMs = t.rtt.rttvar;
    }
    row.rtoMs = t.rtt.rto;
    row.retransmits = t.recovery.totalRetransmits;
    row.cwnd = Math.round(t.congestion.cwnd / Math.max(1, t.sendMss));
    const fo = t.rare.fastOpen;
    if (fo !== undefined) row.fastOpen = fo.describe();
    rows.push(row);
  }
  // Compact TIME-WAIT entries: nothing queued, no RTT state left; their age and 2*MSL deadline.
  for (const tw of stack.timeWaitEntries()) {
    rows.push({
      state: 'TIME-WAIT',
      recvQ: 0,
      sendQ: 0,
      local: endpointToString(tw.local),
      peer: endpointToString(tw.remote),
      stateAgeMs: now - tw.since,
      expiresInMs: tw.expiresAt - now,
    });
  }
  return rows;
}

/** `ss -tan`-style text. */
export function formatConnections(rows: ConnectionRow[]): string {
  const head = ['State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port', 'Info'];
  const body = rows.map((r) => {
    const extra: string[] = [];
    if (r.rttMs !== undefined) extra.push(`rtt:${r.rttMs.toFixed(3)}/${(r.rttVarMs ?? 0).toFixed(3)}`);
    if (r.rtoMs !== undefined && r.state !== 'LISTEN') extra.push(`rto:${Math.round(r.rtoMs)}`);
    if (r.retransmits) extra.push(`retrans:${r.retransmits}`);
    if (r.cwnd !== undefined) extra.push(`cwnd:${r.cwnd}`);
    if (r.fastOpen !== undefined) extra.push(`fastopen:${r.fastOpen}`);
    if (r.expiresInMs !== undefined) extra.push(`timer:(timewait,${(r.expiresInMs / 1000).toFixed(1)}s)`);
    if (r.state !== 'LISTEN') extra.push(`age:${(r.stateAgeMs / 1000).toFixed(1)}s`);
    return [r.state, String(r.recvQ), String(r.sendQ), r.local, r.peer, extra.join(' ')];
  });
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Connections left in CLOSE-WAIT longer than `olderThanMs`: an application that never closes (the notes' leak). */
export function staleCloseWait(stack: Stack, now: number, olderThanMs: number): ConnectionRow[] {
  return listConnections(stack, now).filter((r) => r.state === 'CLOSE-WAIT' && r.stateAgeMs > olderThanMs);
}
