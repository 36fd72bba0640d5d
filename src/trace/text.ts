/**
 * The terminal ladder diagram: a column (lane) per host, one arrow per segment with its flags,
 * numbers, length, window and SYN options; each host's state written beside its lane where it
 * changes; timers, retransmissions and drops marked. Colour only when asked (on a TTY). Fits the
 * width given (80 columns by default) for two or three hosts.
 */
import { TcpFlag } from '../wire/index.js';
import { SegmentLabeler, segmentTags, type LabelOptions } from './label.js';
import { markText, type SegmentEvent, type Trace, type TraceEvent } from './model.js';

export interface TextOptions extends LabelOptions {
  color?: boolean;
  width?: number;
  /** Hide the timer marks. */
  noTimers?: boolean;
  /** Hide the drops inside hosts and the congestion-window marks. */
  noMarks?: boolean;
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;
type Colour = keyof typeof ANSI;

const TIME_W = 9;
const SIDE_W = 13;

interface Layout {
  lanes: number[];
  width: number;
}

/**
 * Where the lanes go: the first after the time and its states, the last before its states (or at
 * the edge for a host that has none, an attacker); a third host between them gets the smaller gap.
 */
function layout(hosts: number, width: number, lastHasStates: boolean): Layout {
  const first = TIME_W + SIDE_W;
  const last = width - (lastHasStates ? SIDE_W + 1 : 3);
  if (hosts <= 1) return { lanes: [first], width };
  if (hosts === 3) return { lanes: [first, Math.round(first + (last - first) * 0.6), last], width };
  const step = (last - first) / (hosts - 1);
  return { lanes: Array.from({ length: hosts }, (_, i) => Math.round(first + i * step)), width };
}

/** A line being drawn: characters and, per character, a colour. */
class Row {
  readonly chars: string[];
  readonly colours: Array<Colour | undefined>;
  constructor(width: number) {
    this.chars = new Array<string>(width).fill(' ');
    this.colours = new Array<Colour | undefined>(width).fill(undefined);
  }
  put(at: number, text: string, colour?: Colour): void {
    for (let i = 0; i < text.length; i++) {
      const x = at + i;
      if (x < 0) continue;
      while (x >= this.chars.length) {
        this.chars.push(' ');
        this.colours.push(undefined);
      }
      this.chars[x] = text[i];
      this.colours[x] = colour;
    }
  }
  render(color: boolean): string {
    let out = '';
    let current: Colour | undefined;
    for (let i = 0; i < this.chars.length; i++) {
      const c = color ? this.colours[i] : undefined;
      if (c !== current) {
        if (current !== undefined) out += '\x1b[0m';
        if (c !== undefined) out += `\x1b[${ANSI[c]}m`;
        current = c;
      }
      out += this.chars[i];
    }
    if (current !== undefined) out += '\x1b[0m';
    return out.replace(/\s+$/, '');
  }
}

function fmtTime(t: number): string {
  const s = Number.isInteger(t) ? String(t) : t.toFixed(3).replace(/0+$/, '');
  return s.padStart(TIME_W - 1);
}

function segmentColour(e: SegmentEvent): Colour | undefined {
  if (e.dropped) return 'red';
  if (e.flags & TcpFlag.RST) return 'red';
  if (e.label !== undefined) return 'magenta';
  if (e.retransmission) return 'magenta';
  if (e.flags & TcpFlag.SYN) return 'green';
  if (e.flags & TcpFlag.FIN) return 'yellow';
  return undefined;
}

/** Draw a trace as a ladder diagram. */
export function renderText(trace: Trace, opts: TextOptions = {}): string {
  const width = Math.max(60, opts.width ?? 80);
  const color = opts.color ?? false;
  const names = trace.hosts.map((h) => h.name);
  const index = new Map(names.map((n, i) => [n, i]));
  const lastName = names[names.length - 1];
  const lastHasStates = trace.hosts[names.length - 1]?.initial !== undefined || trace.events.some((e) => e.kind === 'state' && e.host === lastName);
  const { lanes } = layout(names.length, width, lastHasStates);
  const labeler = new SegmentLabeler(opts);
  const lines: string[] = [];

  const blank = (): Row => {
    const r = new Row(width);
    for (const x of lanes) r.put(x, '|', 'dim');
    return r;
  };
  const emit = (r: Row): void => {
    lines.push(r.render(color));
  };
  /** Text beside a host's lane: left of the first lane, right of every other. */
  const beside = (r: Row, host: number, text: string, colour: Colour): void => {
    if (host === 0 && lanes.length > 1) r.put(lanes[0] - 1 - text.length, text, colour);
    else r.put(lanes[host] + 2, text, colour);
  };
  /** A longer mark (a timer fired, a drop): right of the lane, or left of it where the right has no room. */
  const mark = (r: Row, host: number, text: string, colour: Colour): void => {
    const right = lanes[host] + 2;
    r.put(right + text.length <= width || host === 0 ? right : Math.max(TIME_W, lanes[host] - 1 - text.length), text, colour);
  };

  // Header: names over the lanes, then addresses, then the states each host starts in.
  const head = new Row(width);
  const addr = new Row(width);
  trace.hosts.forEach((h, i) => {
    const centre = (s: string): number => Math.max(0, Math.min(lanes[i] - Math.floor(s.length / 2), width - s.length));
    head.put(centre(h.name), h.name, 'bold');
    const a = h.addresses[0] ?? '';
    addr.put(centre(a), a, 'dim');
  });
  head.put(0, 't (ms)'.padStart(TIME_W - 1), 'dim');
  emit(head);
  emit(addr);
  const start = blank();
  trace.hosts.forEach((h, i) => {
    if (h.initial) beside(start, i, h.initial, 'cyan');
  });
  emit(start);

  for (const e of trace.events) drawEvent(e);
  emit(blank());
  return lines.join('\n');

  function drawEvent(e: TraceEvent): void {
    switch (e.kind) {
      case 'segment': {
        const a = index.get(e.from);
        const b = index.get(e.to);
        if (a === undefined || b === undefined) return;
        drawSegment(e, a, b);
        return;
      }
      case 'state': {
        const h = index.get(e.host);
        if (h === undefined) return;
        const r = blank();
        r.put(0, fmtTime(e.t), 'dim');
        beside(r, h, e.to, 'cyan');
        emit(r);
        return;
      }
      case 'timer':
      case 'cwnd':
      case 'drop': {
        if (e.kind === 'timer' ? opts.noTimers : opts.noMarks) return;
        const h = index.get(e.host);
        const text = markText(e);
        if (h === undefined || text === undefined) return;
        const r = blank();
        r.put(0, fmtTime(e.t), 'dim');
        mark(r, h, `(${text})`, e.kind === 'drop' ? 'red' : e.kind === 'cwnd' ? 'yellow' : 'blue');
        emit(r);
        return;
      }
      case 'note': {
        for (const line of wrap(e.text, width - TIME_W - 2)) {
          const r = new Row(width);
          r.put(TIME_W - 1, `# ${line}`, 'dim');
          emit(r);
        }
        return;
      }
    }
  }

  function drawSegment(e: SegmentEvent, a: number, b: number): void {
    const [main, options] = labeler.label(e);
    const colour = segmentColour(e);
    const right = b > a;
    const x0 = Math.min(lanes[a], lanes[b]);
    const x1 = Math.max(lanes[a], lanes[b]);
    const span = x1 - x0 - 1;
    let text = segmentTags(e) + main;
    if (e.label !== undefined) {
      const lr = blank();
      const tag = `(${e.label})`;
      lr.put(Math.max(0, Math.min(x0 + 2, width - 1 - tag.length)), tag, 'magenta');
      lr.put(0, fmtTime(e.t), 'dim');
      emit(lr);
    }
    if (e.dropped) text += ` (lost: ${e.reason})`;
    // The arrow: "|-- text -->|"; a drop stops short of the receiver: "|-- text --X   |".
    const body = span;
    const room = body - (e.dropped ? 12 : 4);
    let piece = text;
    if (text.length > room) {
      // Too long for the arrow: the words go on a line of their own above it.
      const r = blank();
      r.put(0, fmtTime(e.t), 'dim');
      const at = Math.max(0, Math.min(x0 + 2, width - 1 - text.length));
      r.put(at, text, colour);
      emit(r);
      piece = '';
    }
    const r = blank();
    if (!piece) {
      // the time was printed with the words
    } else r.put(0, fmtTime(e.t), 'dim');
    const dashes = Math.max(2, body - piece.length - (piece ? 2 : 0));
    const lead = Math.floor(dashes / 2);
    const tail = dashes - lead;
    const mid = piece ? ' ' + piece + ' ' : '';
    let arrow = right ? '-'.repeat(lead) + mid + '-'.repeat(tail - 1) + '>' : '<' + '-'.repeat(lead - 1) + mid + '-'.repeat(tail);
    if (e.dropped) arrow = right ? arrow.slice(0, arrow.length - 4) + 'X   ' : '   X' + arrow.slice(4);
    r.put(x0 + 1, arrow.slice(0, span), colour);
    emit(r);
    // The second line; one too wide for the diagram (a DHCP message's words) wraps, after the time column.
    for (const line of options.length > width - TIME_W - 2 ? wrap(options, width - TIME_W - 2) : options ? [options] : []) {
      const r = blank();
      let at = right ? x0 + 2 : Math.max(x0 + 2, x1 - 1 - line.length);
      at = Math.max(TIME_W, Math.min(at, width - 1 - line.length));
      r.put(at, line, 'dim');
      emit(r);
    }
  }
}

/** Wrap prose at `width` columns (on spaces; a word longer than the line stands alone). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let cur = '';
    for (const w of para.split(/\s+/).filter(Boolean)) {
      if (cur && displayWidth(cur) + 1 + displayWidth(w) > width) {
        out.push(cur);
        cur = w;
      } else cur = cur ? `${cur} ${w}` : w;
    }
    out.push(cur);
  }
  return out;
}

/** Columns a string takes on a terminal: Hangul and other wide characters take two. */
export function displayWidth(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xff60) ? 2 : 1;
  }
  return n;
}
