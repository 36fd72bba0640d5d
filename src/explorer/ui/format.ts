/**
 * DOM-free helpers for the views: numbers relative to each side's ISN, flag words, times and sizes
 * as a learner reads them, and each segment's colour. Tested from Node (test/explorer/ui-format.test.ts).
 */
import { RelativeNumbers, type SegmentEvent } from '../../browser/index.js';

/** The flag bits in the order `flagNames` (src/trace/model.ts) gives them. */
export const FLAG_BITS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

/** The fields of a segment event these helpers read (a structural subset of SegmentEvent). */
export interface SegmentLike {
  src: string;
  dst: string;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  dropped: boolean;
  retransmission: boolean;
  label?: string;
}

/** a - b in sequence space (RFC 1982 serial arithmetic): signed, so a number just before the ISN reads -1. */
export function seqMinus(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Relative sequence and acknowledgment numbers for a trace's segments, in order, as the DOM contract
 * gives them: the trace's RelativeNumbers (each direction's ISN learnt from its SYN, or its first
 * segment in a capture that starts mid-connection; a crafted segment never sets one), with seq
 * relative to the sender's ISN, ack to the receiver's, and ack 0 when the ACK flag is off.
 */
export class RelativeNumbering {
  private readonly rel = new RelativeNumbers();

  next(e: SegmentLike): { seq: number; ack: number } {
    const [seq, ack] = this.rel.next(e as SegmentEvent);
    return { seq, ack: ack ?? 0 };
  }
}

/** The kind of arrow, for its colour and its words: the SVG renderer's rule (src/trace/svg.ts). */
export type SegmentKind = 'lost' | 'rst' | 'retransmission' | 'syn' | 'fin' | 'data' | 'ack';

export function segmentKind(e: Pick<SegmentLike, 'flags' | 'dropped' | 'retransmission' | 'len'>): SegmentKind {
  if (e.dropped) return 'lost';
  if (e.flags & FLAG_BITS.RST) return 'rst';
  if (e.retransmission) return 'retransmission';
  if (e.flags & FLAG_BITS.SYN) return 'syn';
  if (e.flags & FLAG_BITS.FIN) return 'fin';
  return e.len > 0 ? 'data' : 'ack';
}

/** Flag names joined by "+", as the DOM contract's data-flags (an empty field reads "none"). */
export function flagsText(names: readonly string[]): string {
  return names.length ? names.join('+') : 'none';
}

/** The words on an arrow: "SYN+ACK 0 ack 1 win 65535 len 18". */
export function arrowWords(names: readonly string[], flags: number, rel: { seq: number; ack: number }, window: number, len: number): string {
  let w = `${flagsText(names)} ${rel.seq}`;
  if (flags & FLAG_BITS.ACK) w += ` ack ${rel.ack}`;
  w += ` win ${window}`;
  if (len > 0) w += ` len ${len}`;
  return w;
}

/**
 * The words on any arrow: a TCP segment's (arrowWords), a UDP datagram's "UDP len N", an ARP
 * packet's "ARP who-has 198.18.0.2 tell 198.18.0.1" (as the trace's text ladder says them).
 */
export function eventWords(e: { protocol?: 'udp' | 'arp'; payload?: string; flagNames: readonly string[]; flags: number; window: number; len: number }, rel: { seq: number; ack: number }): string {
  if (e.protocol === 'arp') return `ARP ${e.payload ?? ''}`.trimEnd();
  if (e.protocol === 'udp') return `UDP len ${e.len}`;
  return arrowWords(e.flagNames, e.flags, rel, e.window, e.len);
}

/** Virtual time for a learner: "0 ms", "12.5 ms", "3.2 s", "2 min 0 s". */
export function formatMs(ms: number): string {
  const a = Math.abs(ms);
  if (a < 1000) return `${round(ms, a < 10 ? 3 : 1)} ms`;
  if (a < 120_000) return `${round(ms / 1000, 2)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`;
}

/** Bytes for a learner: "900 B", "14.1 KiB", "1.5 MiB". */
export function formatBytes(n: number): string {
  const a = Math.abs(n);
  if (a < 1024) return `${n} B`;
  if (a < 1024 * 1024) return `${round(n / 1024, 1)} KiB`;
  return `${round(n / (1024 * 1024), 1)} MiB`;
}

/** A number with thin grouping: 65535 -> "65,535". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** How far a timer has to run, as a fraction of the time from when it was set (0 done .. 1 full). */
export function countdownFraction(now: number, setAt: number, deadline: number): number {
  const total = deadline - setAt;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, (deadline - now) / total));
}
