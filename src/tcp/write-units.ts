/**
 * How much a SEND takes under `writeAccounting: 'units'`, as Linux's tcp_sendmsg_locked does.
 *
 * Linux queues a write in units (skbs) of up to the size goal (tcp_xmit_size_goal: as large as the
 * device's segmentation offload allows, at most half the largest window the peer offered, in whole
 * MSS) and asks whether there is memory only before it starts a new unit (sk_stream_memory_free: the
 * queue below the send buffer's size, and with TCP_NOTSENT_LOWAT fewer unsent bytes than it). A unit
 * already started is filled to the size goal whatever the queue holds, so one write may carry the
 * queue past the buffer's size by less than a unit. A unit that fills while it is the first unsent
 * one is pushed at once (tcp_push_one): what the congestion and send windows let go now leaves it,
 * and the rest of it, smaller than a unit, is the unit the write goes on filling.
 *
 * RFC 9293 §3.9.1.2 leaves to the implementation how much of a SEND it accepts; this is that choice.
 * The state kept is where the unit being filled begins (`Tcb.writeUnitStart`); nothing else.
 */
import { seqAdd, seqDiff, seqGt } from '../wire/index.js';
import type { Tcb } from './tcb.js';

/** tcp_xmit_size_goal with GSO's 64 KiB less the largest TCP header Linux reserves (MAX_TCP_HEADER). */
const GSO_MAX = 65536 - 1 - 320;

export function sizeGoal(tcb: Tcb): number {
  const mss = tcb.sendMss;
  let goal = GSO_MAX;
  // tcp_bound_to_half_wnd: half the largest window offered, once it exceeds the default MSS.
  const half = tcb.maxSndWnd > 536 ? tcb.maxSndWnd >>> 1 : tcb.maxSndWnd;
  if (half > 0 && goal > half) goal = half;
  return Math.max(mss, Math.floor(goal / mss) * mss);
}

/** Bytes the windows let go now, in whole segments (what tcp_push_one would send). */
function sendableNow(tcb: Tcb): number {
  const mss = tcb.sendMss;
  const flight = seqDiff(tcb.sndNxt, tcb.sndUna);
  const room = Math.min(Math.floor(tcb.congestion.cwnd) - tcb.pipe(), tcb.sndWnd - flight);
  return room > 0 ? Math.floor(room / mss) * mss : 0;
}

/**
 * Of `n` bytes offered, how many the send queue takes now; records where the unit being filled
 * begins. `capacity` is the send buffer's size, `queued` what it holds, `unsent` what of that was
 * never sent.
 */
export function unitsTake(tcb: Tcb, n: number, capacity: number, queued: number, unsent: number): number {
  const goal = sizeGoal(tcb);
  const lowat = tcb.config.notSentLowat;
  const end = seqAdd(tcb.sndUna, queued);
  const start = tcb.writeUnitStart;
  // The unit being filled: unsent bytes since its start (sending cut off what left).
  let fill = 0;
  if (unsent > 0 && start !== undefined) {
    const from = seqGt(tcb.sndNxt, start) ? tcb.sndNxt : start;
    fill = Math.min(unsent, Math.max(0, seqDiff(end, from)));
  }
  let pushable = unsent === fill ? sendableNow(tcb) : 0;
  let take = 0;
  while (take < n) {
    if (fill === 0 || fill >= goal) {
      if (queued >= capacity || (lowat !== undefined && unsent >= lowat)) break;
      fill = 0;
    }
    const copy = Math.min(n - take, goal - fill);
    take += copy;
    fill += copy;
    queued += copy;
    unsent += copy;
    if (fill >= goal && unsent === fill && pushable > 0) {
      // tcp_push_one: the full unit at the head of the unsent data goes now, as far as the windows allow.
      const pushed = Math.min(fill, pushable);
      pushable -= pushed;
      fill -= pushed;
      unsent -= pushed;
    }
  }
  tcb.writeUnitStart = fill > 0 ? seqAdd(tcb.sndUna, queued - fill) : undefined;
  return take;
}
