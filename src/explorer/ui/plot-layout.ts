/**
 * The cwnd plot's scales and paths (DOM-free, tested from Node): time across, bytes up, a step line
 * per series (cwnd and flight change at events, and hold between them).
 */
export interface PlotPoint {
  t: number;
  cwnd: number;
  flight: number;
  ssthresh: number | null;
}

export interface PlotBox {
  width: number;
  height: number;
  left: number;
  bottom: number;
  top: number;
  right: number;
}

export interface Scales {
  t0: number;
  t1: number;
  yMax: number;
  x(t: number): number;
  y(v: number): number;
}

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten, at least `v`. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function scales(series: ReadonlyArray<readonly PlotPoint[]>, now: number, box: PlotBox): Scales {
  let t0 = Infinity;
  let yMax = 0;
  for (const pts of series) {
    for (const p of pts) {
      t0 = Math.min(t0, p.t);
      yMax = Math.max(yMax, p.cwnd, p.flight, p.ssthresh ?? 0);
    }
  }
  if (!Number.isFinite(t0)) t0 = 0;
  const t1 = Math.max(now, t0 + 1);
  yMax = niceMax(yMax);
  const w = box.width - box.left - box.right;
  const hgt = box.height - box.top - box.bottom;
  return {
    t0,
    t1,
    yMax,
    x: (t) => box.left + ((t - t0) / (t1 - t0)) * w,
    y: (v) => box.top + hgt - (v / yMax) * hgt,
  };
}

/** An SVG path: a step line through the points, held to `now`. Empty when no point has a value. */
export function stepPath(points: readonly PlotPoint[], value: (p: PlotPoint) => number | null, sc: Scales, now: number): string {
  let d = '';
  let last: number | null = null;
  for (const p of points) {
    const v = value(p);
    if (v === null) {
      last = null;
      continue;
    }
    const x = sc.x(p.t).toFixed(1);
    const y = sc.y(v).toFixed(1);
    d += last === null ? `M${x},${y}` : `H${x}V${y}`;
    last = v;
  }
  if (last !== null && d) d += `H${sc.x(now).toFixed(1)}`;
  return d;
}
