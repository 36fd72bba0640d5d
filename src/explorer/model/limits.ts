/**
 * What the sandbox (and so a URL) may ask for. A shared URL is input from anyone: these bounds keep
 * a page that opens one from freezing on a huge transfer, a flood of millions or years of virtual
 * time, and say the same thing to the learner's own clicks.
 */
import type { LinkSettings } from './types.js';

export const LIMITS = {
  /** Bytes one send may ask for (1 MiB). */
  sendBytes: 1 << 20,
  /** SYNs one flood may send. */
  floodCount: 2000,
  /** Actions one run (one URL) may hold. */
  actions: 500,
  /** The longest partition (10 minutes). */
  partitionMs: 600_000,
  /** listen's backlog. */
  backlog: 1024,
  /** The latest time an action may be taken at (one day of virtual time). */
  actionTimeMs: 86_400_000,
  /** The largest capture file the page reads (64 MiB). */
  captureBytes: 64 << 20,
  /** Simulator steps one advance may take before it stops (a bound on any loop). */
  stepsPerAdvance: 2_000_000,
} as const;

/** Each slider's range: [min, max], and whether it is an integer. */
export const LINK_RANGES: Record<keyof LinkSettings, [number, number, boolean]> = {
  delayMs: [0, 10_000, false],
  jitterMs: [0, 10_000, false],
  loss: [0, 1, false],
  rateBps: [0, 10_000_000_000, true],
  queueBytes: [1500, 1 << 26, true],
  mtu: [576, 65535, true],
  reorder: [0, 1, false],
  duplicate: [0, 1, false],
};

export const DEFAULT_LINK_SETTINGS: Readonly<LinkSettings> = Object.freeze({
  delayMs: 20,
  jitterMs: 0,
  loss: 0,
  rateBps: 0,
  queueBytes: 65536,
  mtu: 1500,
  reorder: 0,
  duplicate: 0,
});

/** The first setting out of its range (or not a number), in words; undefined when all are good. */
export function checkLinkSettings(s: Partial<LinkSettings>): string | undefined {
  for (const [key, v] of Object.entries(s) as Array<[keyof LinkSettings, unknown]>) {
    const range = LINK_RANGES[key];
    if (range === undefined) return `unknown link setting ${JSON.stringify(key)}`;
    if (v === undefined) continue;
    const [min, max, integer] = range;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      return `${key} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(v)}`;
    }
  }
  return undefined;
}
