/**
 * Where the ladder puts things (DOM-free, tested from Node): a lane per host, a row per event in
 * trace order (an arrow descends one row from its sender's lane to its receiver's), and how far a
 * segment has flown at a given time: from its send time to its arrival, stopping short (with a
 * cross) when it was dropped.
 */
export const ROW = 30;
export const OPTIONS_ROW = 16;
export const MARK_ROW = 19;
export const TOP = 64;
export const MARGIN_X = 112;
/** Where a dropped segment stops, as a fraction of the way across. */
export const DROP_AT = 0.7;

/**
 * Lane x for host i of n: a wide first gap, so the words of the client's and server's arrows fit
 * between them; narrower ones after (the attacker's lane).
 */
export function laneX(i: number, n: number): number {
  let x = MARGIN_X;
  for (let k = 0; k < i && k < n - 1; k++) x += laneGap(k);
  return x;
}

/** The gap after lane k. */
export function laneGap(k: number): number {
  return k === 0 ? 350 : 270;
}

export function ladderWidth(n: number): number {
  return laneX(Math.max(1, n - 1), Math.max(2, n)) + MARGIN_X;
}

/**
 * The hosts given lanes: the first two always, any other once an event has named it (the sandbox's
 * attacker gets a lane when it first acts). `named` is the set of host names seen in events.
 */
export function laneHosts<T extends { name: string }>(hosts: readonly T[], named: ReadonlySet<string>): T[] {
  return hosts.filter((h, i) => i < 2 || named.has(h.name));
}

/**
 * The fraction of its way a segment has flown at `now`: 0 before it is sent, 1 once it arrives (or
 * at once when its arrival is unknown); a dropped one ends at DROP_AT.
 */
export function flown(now: number, sentAt: number, arrival: number | undefined, dropped: boolean): number {
  const end = dropped ? DROP_AT : 1;
  if (now < sentAt) return 0;
  if (arrival === undefined || arrival <= sentAt) return end;
  return Math.min(1, (now - sentAt) / (arrival - sentAt)) * end;
}

/** The segment is on the wire at `now` (sent, not yet arrived or dropped). */
export function inFlight(now: number, sentAt: number, arrival: number | undefined): boolean {
  return arrival !== undefined && now >= sentAt && now < arrival;
}

export interface ArrowGeometry {
  x1: number;
  y1: number;
  /** Where the full arrow would end. */
  x2: number;
  y2: number;
  /** Where it ends now. */
  xNow: number;
  yNow: number;
}

export function arrowGeometry(row: number, fromLane: number, toLane: number, n: number, fraction: number): ArrowGeometry {
  const x1 = laneX(fromLane, n);
  const x2 = laneX(toLane, n);
  const y1 = row + 8;
  const y2 = row + ROW - 4;
  return { x1, y1, x2, y2, xNow: x1 + (x2 - x1) * fraction, yNow: y1 + (y2 - y1) * fraction };
}

/** Rows in trace order: call `place` for each drawn event, in order; it returns the event's y. */
export class RowCursor {
  y = TOP;

  place(kind: 'segment' | 'mark', withOptions = false): number {
    const at = this.y;
    this.y += kind === 'segment' ? ROW + (withOptions ? OPTIONS_ROW : 0) : MARK_ROW;
    return at;
  }
}
