/**
 * Passes over a recorded trace that infer what the wire does not say outright: which segments are
 * retransmissions (sequence space the sender had already sent on the connection), and where a timer
 * must have fired (a retransmission after silence: the retransmission timer; TIME-WAIT ending).
 */
import { seqDiff, seqGt, TcpFlag } from '../wire/index.js';
import { isSegment, segmentLength, type SegmentEvent, type Trace, type TraceEvent } from './model.js';

/** Per direction of a connection: the highest sequence number sent so far (SND.MAX), and the ISN. */
interface FlowSend {
  isn: number;
  max: number;
  /** Flags of the SYNs sent (a SYN+ACK after our own SYN in a simultaneous open is no retransmission). */
  syns: number[];
}

/**
 * Mark every segment whose sequence space starts below what its sender had already sent in that
 * direction (a retransmission). A SYN with a new ISN starts the direction afresh (a new incarnation,
 * or an old duplicate). Dropped segments count as sent: their retransmission is one.
 */
export function markRetransmissions(events: TraceEvent[]): void {
  const m = new RetransmissionMarker();
  for (const e of events) m.mark(e);
}

/** markRetransmissions one event at a time, in order (for a trace that grows: the sandbox's). */
export class RetransmissionMarker {
  private readonly flows = new Map<string, FlowSend>();

  mark(e: TraceEvent): void {
    if (!isSegment(e) || e.label !== undefined || e.protocol !== undefined) return;
    const key = `${e.src}>${e.dst}`;
    const n = segmentLength(e);
    let f = this.flows.get(key);
    if (!f || (e.flags & TcpFlag.SYN && f.isn !== e.seq)) {
      f = { isn: e.seq, max: e.seq, syns: [] };
      this.flows.set(key, f);
    }
    const end = (e.seq + n) >>> 0;
    if (e.flags & TcpFlag.SYN && e.len === 0) {
      e.retransmission = f.syns.includes(e.flags & (TcpFlag.SYN | TcpFlag.ACK));
      f.syns.push(e.flags & (TcpFlag.SYN | TcpFlag.ACK));
    } else {
      e.retransmission = n > 0 && seqGt(f.max, e.seq) && !(e.flags & TcpFlag.RST);
    }
    if (seqGt(end, f.max)) f.max = end;
  }
}

/**
 * Insert inferred timer events: a retransmission that follows at least `quietMs` with nothing
 * received by its sender from its peer is the retransmission timer firing (RFC 6298 §5.4); a
 * connection leaving TIME-WAIT for CLOSED is the 2*MSL timer (RFC 9293 §3.6).
 */
export function inferTimers(trace: Trace, quietMs = 150): void {
  const out: TraceEvent[] = [];
  const lastHeard = new Map<string, number>();
  for (const e of trace.events) {
    if (isSegment(e)) {
      if (e.retransmission && !e.label) {
        const heard = lastHeard.get(e.from) ?? -Infinity;
        if (e.t - heard >= quietMs && !(e.flags & TcpFlag.RST)) out.push({ t: e.t, kind: 'timer', host: e.from, timer: 'retransmission', action: 'fired', deadline: null, inferred: true });
      }
      if (!e.dropped) lastHeard.set(e.to, e.t);
    } else if (e.kind === 'state' && e.from === 'TIME-WAIT' && e.to === 'CLOSED') {
      out.push({ t: e.t, kind: 'timer', host: e.host, timer: 'time-wait', action: 'fired', deadline: null, inferred: true });
    }
    out.push(e);
  }
  trace.events = out;
}

/**
 * Numbers relative to each sender's ISN (as Wireshark shows them): per direction, the ISN is the
 * sequence number of the latest SYN seen, else the first sequence number seen.
 */
export class RelativeNumbers {
  private readonly isn = new Map<string, number>();

  /** Call for each segment in order; returns the relative [seq, ack] (ack undefined without ACK). */
  next(e: SegmentEvent): [number, number | undefined] {
    const key = `${e.src}>${e.dst}`;
    const back = `${e.dst}>${e.src}`;
    if (e.label === undefined && (e.flags & TcpFlag.SYN || !this.isn.has(key))) this.isn.set(key, e.seq);
    const mine = this.isn.get(key) ?? e.seq;
    const seq = seqDiff(e.seq, mine);
    let ack: number | undefined;
    if (e.flags & TcpFlag.ACK) {
      const theirs = this.isn.get(back);
      ack = theirs === undefined ? e.ack : seqDiff(e.ack, theirs);
    }
    return [seq, ack];
  }
}
