/**
 * The congestion controller a connection uses, by name (TcpConfig.congestionControl).
 */
import type { CongestionController } from './congestion.js';
import { CubicController } from './cubic.js';
import { NewRenoController } from './newreno.js';

export type CongestionControlName = 'cubic' | 'newreno';

export function createCongestionController(name: CongestionControlName, mss: number): CongestionController {
  switch (name) {
    case 'cubic':
      return new CubicController(mss);
    case 'newreno':
      return new NewRenoController(mss);
    default:
      throw new RangeError(`unknown congestion controller '${String(name)}'`);
  }
}
