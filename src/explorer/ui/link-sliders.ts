/**
 * The sandbox's link sliders as LinkSettings and back (DOM-free, tested from Node). The rate slider
 * moves through round bottleneck rates (0: no bottleneck); the others are the setting itself.
 */
import type { LinkSettings } from '../model/types.js';
import { formatBytes } from './format.js';

/** Bits per second at each step of the rate slider. */
export const RATE_STEPS = [0, 56_000, 256_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 50_000_000, 100_000_000, 1_000_000_000] as const;

export type SliderId = 'link-delay' | 'link-jitter' | 'link-loss' | 'link-rate' | 'link-queue' | 'link-mtu' | 'link-reorder' | 'link-duplicate';

export const SLIDERS: ReadonlyArray<{ id: SliderId; key: keyof LinkSettings }> = [
  { id: 'link-delay', key: 'delayMs' },
  { id: 'link-jitter', key: 'jitterMs' },
  { id: 'link-loss', key: 'loss' },
  { id: 'link-rate', key: 'rateBps' },
  { id: 'link-queue', key: 'queueBytes' },
  { id: 'link-mtu', key: 'mtu' },
  { id: 'link-reorder', key: 'reorder' },
  { id: 'link-duplicate', key: 'duplicate' },
];

/** The setting a slider's position stands for. */
export function sliderToSetting(id: SliderId, position: number): number {
  if (id === 'link-rate') return RATE_STEPS[Math.max(0, Math.min(RATE_STEPS.length - 1, Math.round(position)))]!;
  return position;
}

/** The slider position for a setting (the nearest rate step at or above it for the rate). */
export function settingToSlider(id: SliderId, value: number): number {
  if (id !== 'link-rate') return value;
  if (value <= 0) return 0;
  const i = RATE_STEPS.findIndex((r) => r >= value);
  return i < 0 ? RATE_STEPS.length - 1 : i;
}

export function rateText(bps: number, unlimited: string): string {
  if (bps <= 0) return unlimited;
  if (bps >= 1e9) return `${bps / 1e9} Gbit/s`;
  if (bps >= 1e6) return `${bps / 1e6} Mbit/s`;
  return `${bps / 1e3} kbit/s`;
}

/** What the slider's output says beside it. */
export function settingText(key: keyof LinkSettings, value: number, unlimited: string): string {
  switch (key) {
    case 'delayMs':
    case 'jitterMs':
      return `${value} ms`;
    case 'loss':
    case 'reorder':
    case 'duplicate':
      return `${Math.round(value * 100)} %`;
    case 'rateBps':
      return rateText(value, unlimited);
    case 'queueBytes':
      return formatBytes(value);
    case 'mtu':
      return `${value} B`;
  }
}
