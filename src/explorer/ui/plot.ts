/** The cwnd and flight-size plot over virtual time (SVG), one per connection that sent data. */
import type { CwndPoint } from '../model/types.js';
import { h, s } from './dom.js';
import { formatBytes, formatMs } from './format.js';
import { t, type Lang } from './i18n.js';
import { scales, stepPath, type PlotBox } from './plot-layout.js';

const BOX: PlotBox = { width: 360, height: 150, left: 54, right: 10, top: 10, bottom: 24 };

export class PlotView {
  private readonly box: HTMLElement;

  constructor(container: HTMLElement, private lang: Lang) {
    this.box = h('div', { class: 'plots' });
    container.append(this.box);
  }

  reset(lang: Lang): void {
    this.lang = lang;
    this.box.replaceChildren();
  }

  update(series: Map<string, CwndPoint[]>, now: number): void {
    const items = [...series].filter(([, pts]) => pts.length > 0);
    if (!items.length) {
      if (!this.box.querySelector('.empty')) this.box.replaceChildren(h('p', { class: 'empty' }, t('noPlot', this.lang)));
      return;
    }
    const figs: HTMLElement[] = [];
    for (const [conn, pts] of items.slice(0, 3)) {
      const sc = scales([pts], now, BOX);
      const svg = s('svg', { class: 'plot', viewBox: `0 0 ${BOX.width} ${BOX.height}`, role: 'img', 'aria-label': `${t('cwndPlot', this.lang)}: ${conn}` });
      const y0 = BOX.height - BOX.bottom;
      svg.append(
        s('line', { class: 'axis', x1: BOX.left, y1: BOX.top, x2: BOX.left, y2: y0 }),
        s('line', { class: 'axis', x1: BOX.left, y1: y0, x2: BOX.width - BOX.right, y2: y0 }),
        s('text', { class: 'tick', x: BOX.left - 4, y: BOX.top + 8, 'text-anchor': 'end' }, formatBytes(sc.yMax)),
        s('text', { class: 'tick', x: BOX.left - 4, y: y0, 'text-anchor': 'end' }, '0'),
        s('text', { class: 'tick', x: BOX.left, y: BOX.height - 6 }, formatMs(sc.t0)),
        s('text', { class: 'tick', x: BOX.width - BOX.right, y: BOX.height - 6, 'text-anchor': 'end' }, formatMs(sc.t1)),
        s('path', { class: 'series ssthresh', d: stepPath(pts, (p) => p.ssthresh, sc, now) }),
        s('path', { class: 'series flight', d: stepPath(pts, (p) => p.flight, sc, now) }),
        s('path', { class: 'series cwnd', d: stepPath(pts, (p) => p.cwnd, sc, now) }),
      );
      const last = pts[pts.length - 1]!;
      figs.push(h('figure', { class: 'plot-figure', 'data-conn': conn },
        h('figcaption', {}, conn),
        svg,
        h('div', { class: 'plot-legend' },
          h('span', { class: 'key cwnd' }, `cwnd ${formatBytes(last.cwnd)}`),
          h('span', { class: 'key flight' }, `flight ${formatBytes(last.flight)}`),
          h('span', { class: 'key ssthresh' }, `ssthresh ${last.ssthresh === null ? '∞' : formatBytes(last.ssthresh)}`))));
    }
    this.box.replaceChildren(...figs);
  }
}
