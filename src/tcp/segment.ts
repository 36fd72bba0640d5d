/**
 * A TCP segment as the connection sees it: the header fields and the data. The IP layer (stack/)
 * turns packets into segments and back.
 */
import { seqAdd, TcpFlag, type TcpHeaderFields, type TcpOptions } from '../wire/index.js';

export interface Segment extends TcpHeaderFields {
  options: TcpOptions;
  /** The data. Ownership passes with the segment: the receiver may keep this view without copying. */
  payload: Uint8Array;
  /**
   * The ECN field of the IP header that carries (or carried) the segment (RFC 3168 §5): 0 Not-ECT,
   * 2 ECT(0), 1 ECT(1), 3 CE. The stack fills it in on input and writes it on output; absent means 0.
   */
  ipEcn?: number;
  /**
   * Segmentation offload (as Linux's skb gso_size): this segment stands for several wire segments of
   * `gsoSize` data octets each, the last one possibly shorter. On output the device cuts it there
   * (TSO/GSO); on input it was merged from such segments before TCP (GRO). Absent or 0: one segment.
   */
  gsoSize?: number;
}

export const EMPTY_PAYLOAD = new Uint8Array(0);
const NO_OPTIONS: TcpOptions = Object.freeze({}) as TcpOptions;

/** SEG.LEN (RFC 9293 §3.4): data length plus one for SYN and one for FIN. */
export function segmentLength(seg: Segment): number {
  return seg.payload.length + (seg.flags & TcpFlag.SYN ? 1 : 0) + (seg.flags & TcpFlag.FIN ? 1 : 0);
}

/** How many segments on the wire `seg` stands for (1 unless offload made or merged it: Segment.gsoSize). */
export function wireSegments(seg: Segment): number {
  const g = seg.gsoSize;
  return g === undefined || g === 0 || seg.payload.length <= g ? 1 : Math.ceil(seg.payload.length / g);
}

export function makeSegment(fields: Partial<Segment> & Pick<Segment, 'srcPort' | 'dstPort'>): Segment {
  // Field by field rather than a spread: this runs for every segment sent, and every segment made
  // here has the same shape.
  const seg: Segment = {
    srcPort: fields.srcPort,
    dstPort: fields.dstPort,
    seq: fields.seq ?? 0,
    ack: fields.ack ?? 0,
    flags: fields.flags ?? 0,
    window: fields.window ?? 0,
    urgentPointer: fields.urgentPointer ?? 0,
    options: fields.options ?? NO_OPTIONS,
    payload: fields.payload ?? EMPTY_PAYLOAD,
  };
  if (fields.checksum !== undefined) seg.checksum = fields.checksum;
  if (fields.ipEcn !== undefined) seg.ipEcn = fields.ipEcn;
  return seg;
}

/**
 * The reset for a segment that reaches no connection (RFC 9293 §3.10.7.1, CLOSED state), or
 * undefined when none may be sent (never a RST in answer to a RST):
 *   ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
 *   ACK on:  <SEQ=SEG.ACK><CTL=RST>
 */
export function resetFor(seg: Segment): Segment | undefined {
  if (seg.flags & TcpFlag.RST) return undefined;
  if (seg.flags & TcpFlag.ACK) {
    return makeSegment({ srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, flags: TcpFlag.RST });
  }
  return makeSegment({
    srcPort: seg.dstPort,
    dstPort: seg.srcPort,
    seq: 0,
    ack: seqAdd(seg.seq, segmentLength(seg)),
    flags: TcpFlag.RST | TcpFlag.ACK,
  });
}
