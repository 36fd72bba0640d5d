/**
 * Each host's RFC 9293 state diagram (Figure 5): the eleven states, the current one lit, every
 * transition the host's connections took marked (a transition outside the figure, a reset say,
 * drawn dashed once taken).
 */
import type { TraceEvent } from '../../browser/index.js';
import { h, s } from './dom.js';
import { t, type Lang } from './i18n.js';
import { DIAGRAM_H, DIAGRAM_W, edgeLine, node, NODE_H, NODE_W, NODES, nodeIds, transitionFor, TRANSITIONS, type StateName, type Transition } from './state-layout.js';

function edgeKey(from: string, to: string): string {
  return `${from}>${to}`;
}

class HostDiagram {
  readonly el: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly edges = new Map<string, SVGGElement>();
  private readonly nodes = new Map<string, SVGGElement>();
  private current: string | undefined;

  constructor(readonly host: string, initial: string | undefined) {
    this.svg = s('svg', { class: 'state-diagram', viewBox: `0 0 ${DIAGRAM_W} ${DIAGRAM_H}`, role: 'img', 'aria-label': `${host}: RFC 9293 state diagram` });
    this.svg.append(s('defs', {},
      s('marker', { id: `sd-head-${host}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'context-stroke' }))));
    for (const tr of TRANSITIONS) if (!tr.extra) this.edge(tr);
    for (const n of NODES) {
      const g = s('g', { class: 'state-node', 'data-state': n.state, 'data-node': n.id },
        s('rect', { x: n.x - NODE_W / 2, y: n.y - NODE_H / 2, width: NODE_W, height: NODE_H, rx: 5 }),
        s('text', { x: n.x, y: n.y + 4, 'text-anchor': 'middle' }, n.state));
      this.nodes.set(n.id, g);
      this.svg.append(g);
    }
    this.el = h('figure', { class: 'host-states', 'data-host': host }, h('figcaption', {}, host), this.svg);
    this.light(initial === undefined ? 'CLOSED' : nodeIds(initial as StateName, initial as StateName).to);
  }

  change(from: StateName, to: StateName): void {
    const tr = transitionFor(from, to);
    const g = this.edge(tr);
    g.classList.add('taken');
    const n = Number(g.getAttribute('data-count') ?? 0) + 1;
    g.setAttribute('data-count', String(n));
    this.light(tr.to);
  }

  private light(id: string): void {
    if (this.current) this.nodes.get(this.current)?.classList.remove('current');
    this.current = id;
    this.nodes.get(id)?.classList.add('current');
    this.svg.setAttribute('data-current', node(id).state);
  }

  private edge(tr: Transition): SVGGElement {
    const key = edgeKey(tr.from, tr.to);
    const have = this.edges.get(key);
    if (have) return have;
    const a = node(tr.from);
    const b = node(tr.to);
    let { x1, y1, x2, y2 } = edgeLine(a, b);
    // A pair drawn both ways (CLOSED and LISTEN) is split a little apart.
    if (TRANSITIONS.some((x) => x.from === tr.to && x.to === tr.from)) {
      const len = Math.hypot(x2 - x1, y2 - y1) || 1;
      const ox = ((y2 - y1) / len) * 5;
      const oy = (-(x2 - x1) / len) * 5;
      x1 += ox; x2 += ox; y1 += oy; y2 += oy;
    }
    const g = s('g', { class: `transition${tr.extra ? ' extra' : ''}`, 'data-from': a.state, 'data-to': b.state },
      s('line', { x1, y1, x2, y2, 'marker-end': `url(#sd-head-${this.host})` }),
      s('title', {}, `${a.state} → ${b.state}: ${tr.why}`));
    this.edges.set(key, g);
    // Edges go under the nodes.
    const firstNode = this.svg.querySelector('.state-node');
    this.svg.insertBefore(g, firstNode);
    return g;
  }
}

export class StatesView {
  private diagrams = new Map<string, HostDiagram>();
  private seen = 0;
  private readonly list: HTMLElement;

  constructor(container: HTMLElement) {
    this.list = h('div', { class: 'state-diagrams' });
    container.append(this.list);
  }

  reset(hosts: ReadonlyArray<{ name: string; initial?: string }>, lang: Lang): void {
    this.diagrams = new Map();
    this.seen = 0;
    this.list.replaceChildren();
    for (const host of hosts) {
      if (host.name === 'attacker') continue;
      const d = new HostDiagram(host.name, host.initial);
      this.diagrams.set(host.name, d);
      this.list.append(d.el);
    }
    this.list.setAttribute('aria-label', t('stateDiagram', lang));
  }

  update(events: readonly TraceEvent[]): void {
    for (; this.seen < events.length; this.seen++) {
      const e = events[this.seen]!;
      if (e.kind === 'state') this.diagrams.get(e.host)?.change(e.from as StateName, e.to as StateName);
    }
  }
}
