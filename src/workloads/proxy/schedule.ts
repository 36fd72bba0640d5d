/**
 * Settings over time: a list of steps, each applied at its time (ms from the proxy's start) over the
 * settings before it. On the command line, `--schedule 'rate=10M@0s;rate=1M@5s;partition=2s@8s'`:
 * steps separated by ';', each `SETTINGS@TIME`, SETTINGS a comma-separated list of KEY=VALUE with the
 * impairment options' names (delay, jitter, rate, queue, mtu, loss, duplicate, reorder, corrupt,
 * burst-enter, burst-exit, burst-loss, good-loss; prefixed `up.` or `down.` for one direction) and
 * `partition=DURATION`; times and durations take ms (default) or s. A schedule may also be a JSON
 * file: an array of { atMs, link?, upstreamLink?, downstreamLink?, partitionMs? }.
 */
import type { LinkProfile } from '../../link/sim.js';
import { checkLinkProfile } from '../../link/sim-options.js';

export interface ScheduleStep {
  /** When, in ms from the proxy's start. */
  atMs: number;
  link?: Partial<LinkProfile>;
  upstreamLink?: Partial<LinkProfile>;
  downstreamLink?: Partial<LinkProfile>;
  /** Take the link down for this long (ms). */
  partitionMs?: number;
}

/** Throws a TypeError or RangeError for a step that is not one; returns the steps. */
export function checkSchedule(steps: unknown, where: string): ScheduleStep[] {
  if (!Array.isArray(steps)) throw new TypeError(`${where} must be an array of steps ({ atMs, link?, upstreamLink?, downstreamLink?, partitionMs? })`);
  steps.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) throw new TypeError(`${where}[${i}] must be an object`);
    const step = s as Record<string, unknown>;
    for (const k of Object.keys(step)) {
      if (!['atMs', 'link', 'upstreamLink', 'downstreamLink', 'partitionMs'].includes(k)) throw new TypeError(`${where}[${i}]: unknown key '${k}' (atMs, link, upstreamLink, downstreamLink, partitionMs)`);
    }
    if (typeof step.atMs !== 'number' || !(step.atMs >= 0) || !Number.isFinite(step.atMs)) throw new RangeError(`${where}[${i}].atMs must be a number of ms >= 0`);
    for (const k of ['link', 'upstreamLink', 'downstreamLink']) checkLinkProfile(step[k], where, `[${i}].${k}`);
    if (step.partitionMs !== undefined && (typeof step.partitionMs !== 'number' || !(step.partitionMs >= 0) || !Number.isFinite(step.partitionMs))) {
      throw new RangeError(`${where}[${i}].partitionMs must be a number of ms >= 0`);
    }
  });
  return steps as ScheduleStep[];
}

const SI: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** The impairment options' names and the LinkProfile field each sets, with its unit's parser. */
export const SETTING_KEYS: Record<string, { field: keyof LinkProfile; parse: (text: string) => number }> = {
  delay: { field: 'delayMs', parse: (t) => duration(t) },
  jitter: { field: 'jitterMs', parse: (t) => duration(t) },
  rate: { field: 'rateBps', parse: (t) => withSuffix(t) },
  queue: { field: 'queueBytes', parse: (t) => withSuffix(t) },
  mtu: { field: 'mtu', parse: (t) => plain(t) },
  loss: { field: 'loss', parse: (t) => fraction(t) },
  duplicate: { field: 'duplicate', parse: (t) => fraction(t) },
  reorder: { field: 'reorder', parse: (t) => fraction(t) },
  corrupt: { field: 'corrupt', parse: (t) => fraction(t) },
  'burst-enter': { field: 'burstEnter', parse: (t) => fraction(t) },
  'burst-exit': { field: 'burstExit', parse: (t) => fraction(t) },
  'burst-loss': { field: 'burstLoss', parse: (t) => fraction(t) },
  'good-loss': { field: 'goodLoss', parse: (t) => fraction(t) },
};

function plain(t: string): number {
  const v = /^-?\d+(?:\.\d+)?(?:e-?\d+)?$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v)) throw new TypeError(`not a number: '${t}'`);
  return v;
}

/** A count with an optional SI or binary suffix (10M, 64Ki). */
export function withSuffix(t: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)(k|K|M|G|Ki|Mi|Gi)?(?:B|bit|bps)?$/.exec(t);
  if (!m) throw new TypeError(`not a number (suffixes k, M, G, Ki, Mi, Gi): '${t}'`);
  return Number(m[1]) * SI[m[2] ?? ''];
}

/** A fraction (0.01) or a percentage (1%). */
export function fraction(t: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e-?\d+)?)(%)?$/.exec(t);
  if (!m) throw new TypeError(`not a fraction (0.01) or a percentage (1%): '${t}'`);
  return m[2] ? Number(m[1]) / 100 : Number(m[1]);
}

/** Milliseconds (default) or seconds: 250, 250ms, 1.5s. */
export function duration(t: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(t);
  if (!m) throw new TypeError(`not a duration (250, 250ms, 1.5s): '${t}'`);
  return m[2] === 's' ? Number(m[1]) * 1000 : Number(m[1]);
}

/** Parse the command line's schedule text; throws a TypeError naming the bad part. */
export function parseSchedule(text: string): ScheduleStep[] {
  const steps: ScheduleStep[] = [];
  for (const part of text.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const at = part.lastIndexOf('@');
    if (at < 0) throw new TypeError(`schedule step '${part}' needs @TIME (e.g. rate=1M@5s)`);
    const step: ScheduleStep = { atMs: duration(part.slice(at + 1)) };
    for (const kv of part.slice(0, at).split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const eq = kv.indexOf('=');
      if (eq < 0) throw new TypeError(`schedule setting '${kv}' must be KEY=VALUE`);
      const key = kv.slice(0, eq);
      const value = kv.slice(eq + 1);
      if (key === 'partition') {
        step.partitionMs = duration(value);
        continue;
      }
      const dot = key.indexOf('.');
      const scope = dot < 0 ? 'link' : key.slice(0, dot);
      const name = dot < 0 ? key : key.slice(dot + 1);
      const target = scope === 'link' ? 'link' : scope === 'up' ? 'upstreamLink' : scope === 'down' ? 'downstreamLink' : undefined;
      const setting = SETTING_KEYS[name];
      if (!target || !setting) throw new TypeError(`unknown schedule setting '${key}'; known: ${Object.keys(SETTING_KEYS).join(', ')}, partition (prefix up. or down. for one direction)`);
      (step[target] ??= {})[setting.field] = setting.parse(value);
    }
    steps.push(step);
  }
  return checkSchedule(steps, 'schedule');
}
