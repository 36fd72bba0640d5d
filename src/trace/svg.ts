/**
 * A standalone SVG ladder diagram: a lane per host, one <line class="segment"> arrow per segment
 * (slanted from send time to arrival, or stopping short with a cross when dropped), its words
 * beside it, and states in boxes beside the lanes. Valid XML with no external references.
 */
import { TcpFlag } from '../wire/index.js';
import { SegmentLabeler, segmentTags, type LabelOptions } from './label.js';
import { markText, type Trace } from './model.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const ROW = 22;
const LANE_GAP = 360;
const MARGIN_X = 150;
const TOP = 70;

function colour(flags: number, dropped: boolean, retx: boolean): string {
  if (dropped || flags & TcpFlag.RST) return '#c0392b';
  if (retx) return '#8e44ad';
  if (flags & TcpFlag.SYN) return '#1e8449';
  if (flags & TcpFlag.FIN) return '#b9770e';
  return '#2c3e50';
}

export function renderSvg(trace: Trace, opts: LabelOptions = {}): string {
  const index = new Map(trace.hosts.map((h, i) => [h.name, i]));
  const laneX = (i: number): number => MARGIN_X + i * LANE_GAP;
  const width = MARGIN_X * 2 + Math.max(1, trace.hosts.length - 1) * LANE_GAP;
  const labeler = new SegmentLabeler(opts);
  const body: string[] = [];
  let y = TOP;
  for (const e of trace.events) {
    if (e.kind === 'segment') {
      const a = index.get(e.from);
      const b = index.get(e.to);
      if (a === undefined || b === undefined) continue;
      const [main, options] = labeler.label(e);
      const x1 = laneX(a);
      let x2 = laneX(b);
      const y1 = y + 6;
      let y2 = y + ROW - 2;
      if (e.dropped) {
        x2 = x1 + (x2 - x1) * 0.7;
        y2 = y1 + (y2 - y1) * 0.7;
      }
      const c = colour(e.flags, e.dropped, e.retransmission);
      const cls = `segment${e.dropped ? ' dropped' : ''}${e.retransmission ? ' retransmission' : ''}`;
      body.push(
        `<line class="${cls}" data-t="${e.t}" data-flags="${e.flags}" data-seq="${e.seq}" data-ack="${e.ack}" data-len="${e.len}" x1="${x1}" y1="${y1}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${c}" stroke-width="1.6"${e.dropped ? '' : ' marker-end="url(#head)"'}/>`,
      );
      if (e.dropped) body.push(`<text class="cross" x="${x2.toFixed(1)}" y="${(y2 + 5).toFixed(1)}" fill="${c}" text-anchor="middle" font-size="16">×</text>`);
      let words = segmentTags(e) + main;
      if (e.label) words = `(${e.label}) ${words}`;
      if (e.dropped) words += ` lost (${e.reason})`;
      const mx = (laneX(a) + laneX(b)) / 2;
      body.push(`<text class="label" x="${mx}" y="${y + 4}" text-anchor="middle" fill="${c}">${esc(words)}</text>`);
      y += ROW;
      if (options) {
        body.push(`<text class="options" x="${mx}" y="${y + 2}" text-anchor="middle" fill="#7f8c8d" font-size="10">${esc(options)}</text>`);
        y += 12;
      }
      body.push(`<text class="time" x="8" y="${y - ROW / 2}" fill="#7f8c8d" font-size="10">${e.t} ms</text>`);
    } else if (e.kind === 'state' || e.kind === 'timer' || e.kind === 'cwnd' || e.kind === 'drop') {
      const h = index.get(e.host);
      if (h === undefined) continue;
      const text = e.kind === 'state' ? e.to : markText(e);
      if (text === undefined) continue;
      // States beside the first lane on its left; the longer marks to the right of every lane.
      const left = h === 0 && trace.hosts.length > 1 && e.kind === 'state';
      const x = left ? laneX(h) - 8 : laneX(h) + 8;
      body.push(`<text class="${e.kind}" x="${x}" y="${y + 12}" text-anchor="${left ? 'end' : 'start'}" fill="${e.kind === 'state' ? '#117a8b' : e.kind === 'drop' ? '#c0392b' : '#2e86c1'}" font-weight="bold">${esc(text)}</text>`);
      y += ROW - 4;
    } else if (e.kind === 'note') {
      body.push(`<text class="note" x="${MARGIN_X - 40}" y="${y + 12}" fill="#555" font-style="italic">${esc(e.text)}</text>`);
      y += ROW - 4;
    }
  }
  const height = y + 30;
  const head: string[] = [];
  trace.hosts.forEach((h, i) => {
    head.push(`<text class="host" x="${laneX(i)}" y="24" text-anchor="middle" font-weight="bold">${esc(h.name)}</text>`);
    head.push(`<text class="address" x="${laneX(i)}" y="40" text-anchor="middle" fill="#7f8c8d" font-size="11">${esc(h.addresses[0] ?? '')}</text>`);
    if (h.initial) head.push(`<text class="state" x="${laneX(i) + (i === 0 && trace.hosts.length > 1 ? -8 : 8)}" y="${TOP - 6}" text-anchor="${i === 0 && trace.hosts.length > 1 ? 'end' : 'start'}" fill="#117a8b" font-weight="bold">${esc(h.initial)}</text>`);
    head.push(`<line class="lane" x1="${laneX(i)}" y1="${TOP - 20}" x2="${laneX(i)}" y2="${height - 10}" stroke="#bbb" stroke-width="1"/>`);
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12">`,
    '<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...head,
    ...body,
    '</svg>',
  ].join('\n');
}
