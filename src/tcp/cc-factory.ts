/**
 * The congestion controller a connection uses, by name (TcpConfig.congestionControl).
 */
import type { CongestionController, ControllerOptions } from './congestion.js';
import { BbrController } from './bbr.js';
import { CubicController } from './cubic.js';
import { NewRenoController } from './newreno.js';

export type CongestionControlName = 'cubic' | 'newreno' | 'bbr';

/** What a controller may learn of its connection when it is made. */
export interface ControllerStart {
  /** Seeds the controller's own randomness, where it has any (BBR's probing times). */
  seed?: number;
  /** The smoothed RTT so far (ms), from the handshake (BBR's initial pacing rate). */
  srttMs?: number | undefined;
}

export function createCongestionController(name: CongestionControlName, mss: number, options: Readonly<ControllerOptions> = {}, start: ControllerStart = {}): CongestionController {
  switch (name) {
    case 'cubic':
      return new CubicController(mss, options.initialWindow ?? 10, options);
    case 'newreno':
      return new NewRenoController(mss, options.initialWindow ?? 10, options);
    case 'bbr':
      return new BbrController(mss, options.initialWindow ?? 10, start.seed ?? 0, start.srttMs);
    default:
      throw new RangeError(`unknown congestion controller '${String(name)}'`);
  }
}
