/**
 * The live ladder diagram (SVG): a lane per host, an arrow per segment that grows from its send
 * time to its arrival (a dropped one stops short with a cross), each state change in a box beside
 * its lane, fired timers, drops and congestion events as marks. Drawn incrementally: each advance
 * adds the new events and moves the arrows still in flight. The DOM contract (data-flags, data-seq,
 * ...) is what the end-to-end tests read.
 */
import type { SegmentEvent, TraceEvent, TraceHost } from '../../browser/index.js';
import type { Session } from '../model/types.js';
import { h, s } from './dom.js';
import { eventWords, flagsText, formatMs, RelativeNumbering, segmentKind } from './format.js';
import { arrowGeometry, flown, inFlight, ladderWidth, laneHosts, laneX, ROW, RowCursor, TOP } from './ladder-layout.js';

export interface LadderCallbacks {
  /** The learner picked a segment (click, or Enter on a focused arrow). */
  inspect(index: number): void;
  /** The learner clicked a segment still in flight; return true if it was dropped. */
  dropInFlight?(index: number): boolean;
}

interface Arrow {
  index: number;
  g: SVGGElement;
  line: SVGLineElement;
  /** Made when a dropped segment stops (a hidden element would still widen the arrow's box). */
  cross: SVGTextElement | undefined;
  row: number;
  from: number;
  to: number;
  done: boolean;
}

/** Words beside a lane for a timer, a drop or a congestion event; undefined: not drawn. */
function markWords(e: TraceEvent): string | undefined {
  if (e.kind === 'drop') return `drop: ${e.reason}`;
  if (e.kind === 'cwnd') return e.why === 'ack' ? undefined : `cwnd ${e.cwnd}${e.ssthresh === null ? '' : ` ssthresh ${e.ssthresh}`} (${e.why})`;
  if (e.kind === 'timer' && e.action === 'fired') return `${e.timer === 'retransmission' ? 'RTO' : e.timer} fired`;
  return undefined;
}

function optionsWords(e: SegmentEvent): string {
  const o = e.options;
  const parts: string[] = [];
  if (o.mss !== undefined) parts.push(`mss ${o.mss}`);
  if (o.sackPermitted) parts.push('sackOK');
  if (o.timestamp) parts.push('TS');
  if (o.wscale !== undefined) parts.push(`ws ${o.wscale}`);
  if (o.sack && o.sack.length) parts.push(`sack ×${o.sack.length}`);
  if (o.fastOpenCookie !== undefined) parts.push('tfo');
  return parts.join(',');
}

export class LadderView {
  readonly svg: SVGSVGElement;
  /** The host names, kept in sight above the ladder while it scrolls (HTML: SVG cannot stick). */
  private readonly heads: HTMLElement;
  private readonly lanes: SVGLineElement[] = [];
  private readonly body: SVGGElement;
  private arrows: Arrow[] = [];
  private growing: Arrow[] = [];
  private drawn = 0;
  private cursor = new RowCursor();
  private numbering = new RelativeNumbering();
  private hostIndex = new Map<string, number>();
  /** The hosts with a lane, and every host name the events named so far. */
  private lanesFor: TraceHost[] = [];
  private named = new Set<string>();
  private session: Session | undefined;
  private selected: number | undefined;
  private noteCount = 0;

  constructor(private readonly container: HTMLElement, private readonly cb: LadderCallbacks) {
    this.svg = s('svg', { class: 'ladder', role: 'group', 'aria-label': 'ladder diagram' });
    this.body = s('g', { class: 'events' });
    this.heads = h('div', { class: 'lane-heads', 'aria-hidden': 'true' });
    container.append(this.heads, this.svg);
    this.svg.addEventListener('click', (ev) => this.onPick(ev));
    this.svg.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter' && ev.key !== ' ') return;
      const g = (ev.target as Element).closest?.('.segment');
      if (!g) return;
      ev.preventDefault();
      ev.stopPropagation();
      this.cb.inspect(Number(g.getAttribute('data-index')));
    });
  }

  /** Start over for a new session. */
  reset(session: Session): void {
    this.session = session;
    this.named = new Set();
    this.layout();
  }

  /** Draw the lanes again (a new session, or a host that has just appeared) and every event on them. */
  private layout(): void {
    const session = this.session!;
    this.lanesFor = laneHosts(session.hosts, this.named);
    this.arrows = [];
    this.growing = [];
    this.drawn = 0;
    this.noteCount = 0;
    this.cursor = new RowCursor();
    this.numbering = new RelativeNumbering();
    this.selected = undefined;
    this.hostIndex = new Map(this.lanesFor.map((h, i) => [h.name, i]));
    this.svg.replaceChildren();
    this.body.replaceChildren();
    this.lanes.length = 0;
    const n = this.lanesFor.length;
    const defs = s('defs', {},
      s('marker', { id: 'head', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'context-stroke' })));
    this.svg.append(defs);
    this.lanesFor.forEach((host, i) => {
      const x = laneX(i, n);
      const left = i === 0 && n > 1;
      const head = s('g', { class: 'host', 'data-host': host.name },
        s('text', { class: 'host-address', x, y: 36, 'text-anchor': 'middle' }, host.addresses[0] ?? ''));
      if (host.initial) head.append(s('text', { class: 'initial-state', x: left ? x - 8 : x + 8, y: TOP - 8, 'text-anchor': left ? 'end' : 'start' }, host.initial));
      const lane = s('line', { class: 'lane', x1: x, y1: TOP - 20, x2: x, y2: TOP });
      this.lanes.push(lane);
      this.svg.append(head, lane);
    });
    this.svg.append(this.body);
    const w = ladderWidth(n);
    this.heads.replaceChildren(...this.lanesFor.map((host, i) => h('span', { style: `left:${((laneX(i, n) / w) * 100).toFixed(2)}%` }, host.name)));
    this.resize();
  }

  /** Draw what happened up to the session's now. */
  update(): void {
    const session = this.session;
    if (!session) return;
    const events = session.events;
    let grow = false;
    for (let i = this.drawn; i < events.length; i++) {
      const e = events[i]!;
      for (const name of e.kind === 'segment' ? [e.from, e.to] : 'host' in e && e.host ? [e.host] : []) {
        if (this.named.has(name)) continue;
        this.named.add(name);
        if (!this.hostIndex.has(name) && session.hosts.some((h) => h.name === name)) grow = true;
      }
    }
    if (grow) this.layout();
    for (; this.drawn < events.length; this.drawn++) this.add(events[this.drawn]!, this.drawn);
    const now = session.now;
    this.growing = this.growing.filter((a) => this.fly(a, now));
    this.resize();
  }

  /** The index of the segment selected for the inspector, drawn highlighted. */
  select(index: number | undefined): void {
    if (this.selected !== undefined) this.arrowAt(this.selected)?.g.classList.remove('selected');
    this.selected = index;
    if (index !== undefined) this.arrowAt(index)?.g.classList.add('selected');
  }

  /** Focus a segment's arrow (keyboard users move through the ladder with Tab). */
  focus(index: number): void {
    this.arrowAt(index)?.g.focus();
  }

  private arrowAt(index: number): Arrow | undefined {
    return this.arrows.find((a) => a.index === index);
  }

  private onPick(ev: MouseEvent): void {
    const g = (ev.target as Element).closest?.('.segment');
    if (!g) return;
    const index = Number(g.getAttribute('data-index'));
    const a = this.arrowAt(index);
    if (a && !a.done && this.cb.dropInFlight && this.cb.dropInFlight(index)) return;
    this.cb.inspect(index);
  }

  private resize(): void {
    const n = Math.max(2, this.lanesFor.length);
    const w = ladderWidth(n);
    const hgt = this.cursor.y + 24;
    this.svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    this.svg.setAttribute('width', String(w));
    this.svg.setAttribute('height', String(hgt));
    // The ladder shrinks to fit its box, but not below three quarters of its size (then it
    // scrolls); on a phone down to 0.62, so both lanes of a connection are in sight.
    const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 760px)').matches;
    this.svg.style.minWidth = `${Math.round(w * (narrow ? 0.62 : 0.75))}px`;
    this.heads.style.minWidth = this.svg.style.minWidth;
    for (const lane of this.lanes) lane.setAttribute('y2', String(hgt - 8));
  }

  private add(e: TraceEvent, index: number): void {
    if (e.kind === 'segment') return this.addSegment(e, index);
    const n = this.lanesFor.length;
    if (e.kind === 'state') {
      const h = this.hostIndex.get(e.host);
      if (h === undefined) return;
      const y = this.cursor.place('mark');
      const left = h === 0 && n > 1;
      const x = left ? laneX(h, n) - 8 : laneX(h, n) + 8;
      const width = e.to.length * 7.4 + 10;
      const g = s('g', { class: 'state-change', 'data-host': e.host, 'data-state': e.to, 'data-from': e.from, 'data-conn': e.conn, 'data-index': index, 'data-t': e.t },
        s('rect', { x: left ? x - width : x, y: y + 1, width, height: 16, rx: 3 }),
        s('text', { x: left ? x - 5 : x + 5, y: y + 13, 'text-anchor': left ? 'end' : 'start' }, e.to),
        s('title', {}, `${e.host}: ${e.from} → ${e.to} (${formatMs(e.t)})`));
      this.body.append(g);
      return;
    }
    if (e.kind === 'note') {
      this.noteCount++;
      const y = this.cursor.place('mark');
      const g = s('g', { class: 'note-mark', 'data-index': index, 'data-note': this.noteCount },
        s('circle', { cx: 16, cy: y + 9, r: 8 }),
        s('text', { x: 16, y: y + 13, 'text-anchor': 'middle' }, String(this.noteCount)),
        s('title', {}, e.text));
      this.body.append(g);
      return;
    }
    const words = markWords(e);
    if (words === undefined || !('host' in e) || e.host === undefined) return;
    const h = this.hostIndex.get(e.host);
    if (h === undefined) return;
    const y = this.cursor.place('mark');
    const x = laneX(h, n) + 8;
    const cls = e.kind === 'timer' ? `mark timer-fired` : `mark ${e.kind}`;
    this.body.append(s('text', { class: cls, x, y: y + 13, 'data-host': e.host, 'data-index': index }, words));
  }

  private addSegment(e: SegmentEvent, index: number): void {
    const from = this.hostIndex.get(e.from);
    const to = this.hostIndex.get(e.to);
    if (from === undefined || to === undefined) return;
    const n = this.lanesFor.length;
    const rel = this.numbering.next(e);
    const optWords = e.flags & 0x02 ? optionsWords(e) : '';
    // The second line: SYN options, and what the data is when the trace was told (TLS records).
    const opts = [optWords ? `<${optWords}>` : '', e.payload !== undefined && e.protocol !== 'arp' ? `{${e.payload}}` : ''].filter(Boolean).join(' ');
    const row = this.cursor.place('segment', opts !== '');
    const kind = segmentKind(e);
    let words = eventWords(e, rel);
    if (e.retransmission) words = `[retx] ${words}`;
    if (e.label) words = `(${e.label}) ${words}`;
    const geo = arrowGeometry(row, from, to, n, 0);
    const mid = (geo.x1 + geo.x2) / 2;
    const line = s('line', { class: 'arrow', x1: geo.x1, y1: geo.y1, x2: geo.x1, y2: geo.y1 });
    const hit = s('line', { class: 'hit', x1: geo.x1, y1: geo.y1, x2: geo.x2, y2: geo.y2 });
    // The whole row answers a click (a pointer at the arrow's middle lands on it, not the background).
    const area = s('rect', { class: 'area', x: Math.min(geo.x1, geo.x2), y: row - 8, width: Math.abs(geo.x2 - geo.x1), height: geo.y2 - row + 8 + (opts ? 10 : 0) });
    const label = s('text', { class: 'label', x: mid, y: row + 4, 'text-anchor': 'middle' }, words);
    const g = s('g', {
      class: `segment kind-${kind}${e.retransmission ? ' retransmission' : ''}`,
      tabindex: 0,
      role: 'button',
      'aria-label': `${formatMs(e.t)}: ${e.from} → ${e.to}: ${words}${e.dropped ? ` (lost: ${e.reason})` : ''}`,
      'data-index': index,
      'data-flags': flagsText(e.flagNames),
      'data-seq': rel.seq,
      'data-ack': rel.ack,
      'data-len': e.len,
      'data-dropped': String(e.dropped),
      'data-from': e.from,
      'data-to': e.to,
      'data-t': e.t,
      'data-label': e.label,
    }, area, hit, line, label);
    if (opts) g.append(s('text', { class: 'options', x: mid, y: row + ROW + 6, 'text-anchor': 'middle' }, opts));
    this.body.append(s('text', { class: 'time', x: 4, y: row + 14, 'data-index': index }, formatMs(e.t)));
    const arrow: Arrow = { index, g, line, cross: undefined, row, from, to, done: false };
    this.arrows.push(arrow);
    this.body.append(g);
    if (this.fly(arrow, this.session!.now)) this.growing.push(arrow);
  }

  /** Move an arrow to where it is at `now`; false once it has arrived (or stopped, dropped). */
  private fly(a: Arrow, now: number): boolean {
    const session = this.session!;
    const e = session.events[a.index] as SegmentEvent;
    const arrival = session.arrival(a.index);
    const frac = flown(now, e.t, arrival, e.dropped);
    const geo = arrowGeometry(a.row, a.from, a.to, this.lanesFor.length, frac);
    a.line.setAttribute('x2', geo.xNow.toFixed(1));
    a.line.setAttribute('y2', geo.yNow.toFixed(1));
    const flying = inFlight(now, e.t, arrival);
    a.g.setAttribute('data-dropped', String(e.dropped));
    a.g.classList.toggle('in-flight', flying);
    a.g.classList.toggle('kind-lost', e.dropped);
    if (e.dropped && !flying) {
      a.line.removeAttribute('marker-end');
      a.cross ??= a.g.appendChild(s('text', { class: 'cross', 'text-anchor': 'middle' }, '×'));
      a.cross.setAttribute('x', geo.xNow.toFixed(1));
      a.cross.setAttribute('y', (geo.yNow + 5).toFixed(1));
      const label = a.g.querySelector('.label');
      if (label && !a.g.classList.contains('lost-shown')) {
        a.g.classList.add('lost-shown');
        label.textContent += ` lost (${e.reason ?? 'dropped'})`;
      }
    } else {
      a.line.setAttribute('marker-end', 'url(#head)');
    }
    a.done = !flying;
    return flying;
  }
}
