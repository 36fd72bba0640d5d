/**
 * The congestion controller a connection uses, by name (TcpConfig.congestionControl).
 */
import type { CongestionController, ControllerOptions } from './congestion.js';
import { CubicController } from './cubic.js';
import { NewRenoController } from './newreno.js';

export type CongestionControlName = 'cubic' | 'newreno';

export function createCongestionController(name: CongestionControlName, mss: number, options: Readonly<ControllerOptions> = {}): CongestionController {
  switch (name) {
    case 'cubic':
      return new CubicController(mss, options.initialWindow ?? 10, options);
    case 'newreno':
      return new NewRenoController(mss, options.initialWindow ?? 10, options);
    default:
      throw new RangeError(`unknown congestion controller '${String(name)}'`);
  }
}
