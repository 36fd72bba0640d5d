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

/** An entry of the queue: the error, and for a timestamp its time (µs) and whether it holds the packet's bytes. */
export interface ErrorQueueEntry extends ExtendedErr {
  tstampUs?: number;
  withData?: boolean;
}

/** SO_TIMESTAMPING's flags (<linux/net_tstamp.h>) and the kinds of report (ee_info). */
export const SOF = Object.freeze({
  SOF_TIMESTAMPING_TX_HARDWARE: 1 << 0,
  SOF_TIMESTAMPING_TX_SOFTWARE: 1 << 1,
  SOF_TIMESTAMPING_RX_HARDWARE: 1 << 2,
  SOF_TIMESTAMPING_RX_SOFTWARE: 1 << 3,
  SOF_TIMESTAMPING_SOFTWARE: 1 << 4,
  SOF_TIMESTAMPING_SYS_HARDWARE: 1 << 5,
  SOF_TIMESTAMPING_RAW_HARDWARE: 1 << 6,
  SOF_TIMESTAMPING_OPT_ID: 1 << 7,
  SOF_TIMESTAMPING_TX_SCHED: 1 << 8,
  SOF_TIMESTAMPING_TX_ACK: 1 << 9,
  SOF_TIMESTAMPING_OPT_CMSG: 1 << 10,
  SOF_TIMESTAMPING_OPT_TSONLY: 1 << 11,
  SOF_TIMESTAMPING_OPT_STATS: 1 << 12,
  SOF_TIMESTAMPING_OPT_PKTINFO: 1 << 13,
  SOF_TIMESTAMPING_OPT_TX_SWHW: 1 << 14,
  SOF_TIMESTAMPING_BIND_PHC: 1 << 15,
  SOF_TIMESTAMPING_OPT_ID_TCP: 1 << 16,
  SCM_TSTAMP_SND: 0,
  SCM_TSTAMP_SCHED: 1,
  SCM_TSTAMP_ACK: 2,
  SCM_TIMESTAMPING: 37,
});

export class ErrorQueue {
  private readonly entries: ErrorQueueEntry[] = [];

  get length(): number {
    return this.entries.length;
  }

  /** The next entry, removed (sock_dequeue_err_skb), or undefined. */
  shift(): ErrorQueueEntry | undefined {
    return this.entries.shift();
  }

  /**
   * A transmit timestamp (Documentation/networking/timestamping.rst): ee_errno ENOMSG, origin
   * SO_EE_ORIGIN_TIMESTAMPING, ee_info the kind (SCM_TSTAMP_SCHED, _SND, _ACK), ee_data the key
   * (with SOF_TIMESTAMPING_OPT_ID, the last byte's offset from where the count began). Each is its
   * own entry: only zerocopy notifications merge.
   */
  timestamp(kind: number, key: number, tstampUs: number, enomsg: number, withData: boolean): void {
    this.entries.push({ ee_errno: enomsg, ee_origin: SO_EE.SO_EE_ORIGIN_TIMESTAMPING, ee_type: 0, ee_code: 0, ee_pad: 0, ee_info: kind, ee_data: key >>> 0, tstampUs, withData });
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
