/** The words on an arrow: flags, sequence and acknowledgment numbers, length, window, options. */
import { TcpFlag } from '../wire/index.js';
import { RelativeNumbers } from './analyze.js';
import type { SegmentEvent, TcpOptionsJson } from './model.js';

export interface LabelOptions {
  /** Raw sequence numbers instead of relative to each ISN. */
  absolute?: boolean;
}

/** Options, short: "mss 1460,sackOK,TS,ws 7" on SYNs; SACK blocks on others. */
export function optionsText(o: TcpOptionsJson, syn: boolean, rel: (n: number) => number): string {
  const parts: string[] = [];
  if (syn) {
    if (o.mss !== undefined) parts.push(`mss ${o.mss}`);
    if (o.sackPermitted) parts.push('sackOK');
    if (o.timestamp) parts.push('TS');
    if (o.wscale !== undefined) parts.push(`ws ${o.wscale}`);
    if (o.fastOpenCookie !== undefined) parts.push('tfo');
  }
  if (o.sack && o.sack.length) parts.push(`sack ${o.sack.map(([l, r]) => `${rel(l)}-${rel(r)}`).join(' ')}`);
  return parts.join(',');
}

/** Labels for a whole trace, in order (numbering is stateful: each ISN is learnt from the SYNs). */
export class SegmentLabeler {
  private readonly rel = new RelativeNumbers();
  private readonly peerIsn = new Map<string, number>();

  constructor(private readonly opts: LabelOptions = {}) {}

  /** [main line, options line or ''] */
  label(e: SegmentEvent): [string, string] {
    if (e.protocol === 'arp') return [`ARP ${e.payload ?? ''}`.trimEnd(), ''];
    if (e.protocol === 'udp') return [`UDP len ${e.len}`, e.payload !== undefined ? `{${e.payload}}` : ''];
    const [rseq, rack] = this.rel.next(e);
    if (e.flags & TcpFlag.SYN && e.label === undefined) this.peerIsn.set(`${e.src}>${e.dst}`, e.seq);
    const abs = this.opts.absolute;
    const seq = abs ? e.seq : rseq;
    const names = e.flagNames.length ? e.flagNames.join('+') : 'none';
    let s = `${names} ${seq}`;
    if (e.flags & TcpFlag.ACK) s += ` ack ${abs ? e.ack : rack}`;
    s += ` win ${e.window}`;
    if (e.len > 0) s += ` len ${e.len}`;
    // SACK blocks name the other side's sequence space (the data this side received).
    const theirs = this.peerIsn.get(`${e.dst}>${e.src}`);
    const rel = (n: number): number => (abs || theirs === undefined ? n : (n - theirs) | 0);
    const opts = optionsText(e.options, (e.flags & TcpFlag.SYN) !== 0, rel);
    const second = [opts ? `<${opts}>` : '', e.payload !== undefined ? `{${e.payload}}` : ''].filter(Boolean).join(' ');
    return [s, second];
  }
}

/** Marks put before a label: a retransmission, a crafted segment. */
export function segmentTags(e: SegmentEvent): string {
  const tags: string[] = [];
  if (e.retransmission) tags.push('retx');
  return tags.length ? `[${tags.join(',')}] ` : '';
}
