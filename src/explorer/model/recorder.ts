/**
 * Snapshots of a simulated network's hosts as a run goes: after each step of the simulator, the
 * views of every TCB, listener and counter, kept only when something changed (a run of unchanged
 * steps shares one snapshot), and per connection the points of its cwnd plot, kept only on change.
 */
import { stackViews, type Host, type TcbView } from '../../browser/index.js';
import type { CwndPoint, ListenerView, Snapshot } from './types.js';

interface Kept {
  t: number;
  /** How many events the trace held when it was taken. */
  events: number;
  snap: Snapshot;
}

export class SnapshotRecorder {
  private readonly kept: Kept[] = [];
  private readonly series = new Map<string, CwndPoint[]>();
  private lastKey = '';

  /** How many snapshots are kept (each a change). */
  get size(): number {
    return this.kept.length;
  }

  /**
   * Look at the hosts at network time `now`; the session's clock is `offset` ahead of the network's
   * (a scenario's later part), and its trace holds `events` events.
   */
  record(hosts: readonly Host[], now: number, offset: number, events: number, keep?: (v: TcbView) => boolean): void {
    const tcbs: TcbView[] = [];
    const listeners: ListenerView[] = [];
    const counters: Record<string, Record<string, number>> = {};
    for (const h of hosts) {
      const v = stackViews(h.name, h.stack, now);
      for (const tcb of v.tcbs) if (keep === undefined || keep(tcb)) tcbs.push(offset === 0 ? tcb : { ...tcb, timers: tcb.timers.map((x) => ({ kind: x.kind, deadline: x.deadline + offset })) });
      listeners.push(...v.listeners);
      if (Object.keys(v.counters).length > 0) counters[h.name] = v.counters;
    }
    const t = now + offset;
    for (const tcb of tcbs) this.point(`${tcb.host} ${tcb.conn}`, t, tcb);
    const key = JSON.stringify([tcbs, listeners, counters]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    const last = this.kept[this.kept.length - 1];
    const snap: Snapshot = { t, tcbs, listeners, counters, inFlight: [] };
    // Several steps at one moment: the last one stands for it.
    if (last !== undefined && last.t === t && last.events === events) last.snap = snap;
    else this.kept.push({ t, events, snap });
  }

  private point(key: string, t: number, v: TcbView): void {
    if (v.cwnd === 0) return;
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = []));
    const last = s[s.length - 1];
    if (last !== undefined && last.cwnd === v.cwnd && last.flight === v.flight && last.ssthresh === v.ssthresh) return;
    if (last !== undefined && last.t === t) s.pop();
    s.push({ t, cwnd: v.cwnd, flight: v.flight, ssthresh: v.ssthresh });
  }

  /** The last snapshot taken at or before `t` with at most `events` events in the trace; undefined before the first. */
  at(t: number, events: number): Snapshot | undefined {
    const k = this.kept;
    let lo = 0;
    let hi = k.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (k[mid].t <= t) lo = mid + 1;
      else hi = mid;
    }
    let i = lo - 1;
    while (i >= 0 && k[i].events > events) i--;
    return i >= 0 ? k[i].snap : undefined;
  }

  /** Per connection ("host conn"), the cwnd points up to `t`. */
  cwndSeries(t: number): Map<string, CwndPoint[]> {
    const out = new Map<string, CwndPoint[]>();
    for (const [key, points] of this.series) {
      let n = points.length;
      while (n > 0 && points[n - 1].t > t) n--;
      if (n > 0) out.set(key, points.slice(0, n));
    }
    return out;
  }
}

/** The snapshot of nothing yet (before the first step). */
export function emptySnapshot(t: number): Snapshot {
  return { t, tcbs: [], listeners: [], counters: {}, inFlight: [] };
}
