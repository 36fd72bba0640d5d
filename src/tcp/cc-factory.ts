/**
 * The congestion controller a connection uses, by name (TcpConfig.congestionControl).
 */
import type { CongestionController } from './congestion.js';
import { CubicController } from './cubic.js';

export type CongestionControlName = 'cubic' | 'newreno';

export function createCongestionController(name: CongestionControlName, mss: number): CongestionController {
  switch (name) {
    case 'cubic':
      return new CubicController(mss);
    case 'newreno':
      // MERGE: return new NewRenoController(mss) (import { NewRenoController } from './newreno.js'),
      // once the branch rewriting newreno.ts onto CongestionController is merged.
      // TODO: CUBIC stands in until then.
      return new CubicController(mss);
    default:
      throw new RangeError(`unknown congestion controller '${String(name)}'`);
  }
}
