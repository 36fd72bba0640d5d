/**
 * tshark, the independent dissector the wire tests compare synack's bytes against: which binary
 * (SYNACK_TSHARK or `tshark` on the PATH) and whether the tests run. Locally a missing tshark skips
 * them with the reason; in CI, which installs tshark, it fails them.
 */
import { spawnSync } from 'node:child_process';

export const TSHARK = process.env.SYNACK_TSHARK ?? 'tshark';

function tsharkMissingReason(): string | undefined {
  const r = spawnSync(TSHARK, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `tshark not found (${TSHARK}): ${r.error?.message ?? `exit ${r.status}`}`;
  return undefined;
}

/** Why tshark cannot run here, or undefined when it can. */
export const tsharkMissing = tsharkMissingReason();
/** The `skip` option of a tshark test: the reason without tshark, false when it runs. */
export const tsharkSkip: string | false = tsharkMissing && !process.env.CI ? tsharkMissing : false;

/** In a tshark test: under CI (where tshark is installed) a missing tshark fails the test. */
export function requireTshark(): void {
  if (tsharkMissing) throw new Error(`CI is set but ${tsharkMissing}`);
}
