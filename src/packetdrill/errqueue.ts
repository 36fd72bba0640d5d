/**
 * A socket's error queue (Linux's sk_error_queue, read with recvmsg(MSG_ERRQUEUE): man 7 ip,
 * IP_RECVERR) and MSG_ZEROCOPY's completion notifications on it (the kernel's
 * Documentation/networking/msg_zerocopy.rst).
 *
 * Each entry is a struct sock_extended_err. A MSG_ZEROCOPY send is given the next 32-bit id of its
 * socket (a send that fails, or moves no bytes, takes none); when the peer has acknowledged all of
 * its bytes (the kernel frees the buffers that held them) the completion is queued as the range
 * [ee_info, ee_data] = [id, id], origin SO_EE_ORIGIN_ZEROCOPY. A completion that continues the range
 * at the tail of the queue, not yet read, extends that range instead (skb_zerocopy_notify_extend):
 * two sends acknowledged before the reader looks are one notification [0, 1]. synack always copies
 * the bytes, as the kernel does for a device that cannot send from user pages (packetdrill's tun
 * device), so every notification carries SO_EE_CODE_ZEROCOPY_COPIED.
 */
import { seqGe } from '../wire/seq.js';

/** <linux/errqueue.h>. */
export const SO_EE = Object.freeze({
  SO_EE_ORIGIN_NONE: 0,
  SO_EE_ORIGIN_LOCAL: 1,
  SO_EE_ORIGIN_ICMP: 2,
  SO_EE_ORIGIN_ICMP6: 3,
  SO_EE_ORIGIN_TXSTATUS: 4,
  SO_EE_ORIGIN_TIMESTAMPING: 4,
  SO_EE_ORIGIN_ZEROCOPY: 5,
  SO_EE_CODE_ZEROCOPY_COPIED: 1,
});

/** struct sock_extended_err, by the names scripts give its fields. */
export interface ExtendedErr {
  ee_errno: number;
  ee_origin: number;
  ee_type: number;
  ee_code: number;
  ee_pad: number;
  ee_info: number;
  ee_data: number;
}

export class ErrorQueue {
  private readonly entries: ExtendedErr[] = [];

  get length(): number {
    return this.entries.length;
  }

  /** The next entry, removed (sock_dequeue_err_skb), or undefined. */
  shift(): ExtendedErr | undefined {
    return this.entries.shift();
  }

  /** Queue MSG_ZEROCOPY's completion of send `id`, extending the tail's range where it continues it. */
  zerocopyDone(id: number): void {
    const tail = this.entries[this.entries.length - 1];
    // The range's length must stay below 2^32 (sum_len in skb_zerocopy_notify_extend).
    if (tail && tail.ee_origin === SO_EE.SO_EE_ORIGIN_ZEROCOPY && id === ((tail.ee_data + 1) >>> 0) && ((tail.ee_data - tail.ee_info) >>> 0) < 0xfffffffe) {
      tail.ee_data = id;
      return;
    }
    this.entries.push({ ee_errno: 0, ee_origin: SO_EE.SO_EE_ORIGIN_ZEROCOPY, ee_type: 0, ee_code: SO_EE.SO_EE_CODE_ZEROCOPY_COPIED, ee_pad: 0, ee_info: id, ee_data: id });
  }
}

/**
 * The MSG_ZEROCOPY sends of one socket whose bytes are not all acknowledged yet: each id with the
 * sequence number just past its last byte.
 */
export class ZeroCopySends {
  /** sk_zckey: the id the next MSG_ZEROCOPY send takes. */
  private next = 0;
  private readonly pending: Array<{ id: number; end: number }> = [];

  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** A MSG_ZEROCOPY send moved bytes that end before sequence number `end`. */
  sent(end: number): void {
    this.pending.push({ id: this.next, end });
    this.next = (this.next + 1) >>> 0;
  }

  /** The last send (still waiting) moved more bytes, now ending before `end`. */
  extend(end: number): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.id === ((this.next - 1) >>> 0)) last.end = end;
  }

  /**
   * The ids now complete, in order: every send whose bytes SND.UNA has passed, or all of them when
   * `released` (the connection is gone and its buffers freed).
   */
  complete(sndUna: number, released: boolean): number[] {
    const done: number[] = [];
    while (this.pending.length > 0 && (released || seqGe(sndUna, this.pending[0].end))) done.push((this.pending.shift() as { id: number }).id);
    return done;
  }
}
