/**
 * The heap a TIME-WAIT entry keeps for its 2*MSL (src/bench/memory.ts, the heap-per-time-wait-entry
 * row): the bare record, and the connection it holds for the application ('closed' at 2*MSL, its
 * state, counters and unread bytes). 10,000 entries, a forced GC before each reading.
 *
 * The bound on the connection's share, 1,200 B an entry: what the connection needs after the
 * hand-off (Tcb.releaseForTimeWait) is the Tcb itself (536 B in V8's heap snapshot), its counters
 * for tcp_info (TcbInfo, 184), the Connection (128), the RTT estimator (72), the close state (64),
 * the settled congestion figures (48) and about a dozen boxed 32-bit or fractional fields (16
 * each): about 1,150 B. The timer table (about 120 B with its array) goes at the hand-off: the record
 * keeps the 2*MSL deadline, which timerAt(Timer.Close) reads from it; with it the share was about
 * 1,270 B. Before the congestion controller's state and the receive-space tuner were released it
 * was about 1,700 B (CUBIC alone 344 B).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heapPerTimeWaitEntry } from '../../src/bench/memory.js';

const ENTRIES = 10_000;
const CONNECTION_SHARE_MAX = 1_200;

test('a TIME-WAIT entry and the connection it keeps hold at most 1,200 B beyond the bare record', () => {
  const seed = 1;
  const { perEntry, bareRecord } = heapPerTimeWaitEntry(ENTRIES, seed);
  const share = perEntry - bareRecord;
  assert.ok(bareRecord > 0 && bareRecord < perEntry, `bare record ${bareRecord.toFixed(0)} B, entry ${perEntry.toFixed(0)} B (seed ${seed})`);
  assert.ok(share <= CONNECTION_SHARE_MAX, `the connection keeps ${share.toFixed(0)} B an entry, above ${CONNECTION_SHARE_MAX} (entry ${perEntry.toFixed(0)}, bare ${bareRecord.toFixed(0)}; seed ${seed})`);
});
