/** Each host's counters that are not zero, by their MIB names (netstat -s). */
import { h } from './dom.js';
import { t, type Lang } from './i18n.js';

export class CountersView {
  private readonly box: HTMLElement;
  private last = '';

  constructor(container: HTMLElement, private lang: Lang) {
    this.box = h('div', { class: 'counters' });
    container.append(this.box);
  }

  reset(lang: Lang): void {
    this.lang = lang;
    this.last = '';
    this.box.replaceChildren();
  }

  update(counters: Record<string, Record<string, number>>): void {
    const key = JSON.stringify(counters);
    if (key === this.last) return;
    this.last = key;
    const hosts = Object.entries(counters).filter(([, c]) => Object.keys(c).length > 0);
    if (!hosts.length) {
      this.box.replaceChildren(h('p', { class: 'empty' }, t('noCounters', this.lang)));
      return;
    }
    this.box.replaceChildren(...hosts.map(([host, c]) => {
      const rows = Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
      return h('table', { class: 'counter-table', 'data-host': host },
        h('caption', {}, host),
        h('tbody', {}, ...rows.map(([name, v]) => h('tr', { 'data-counter': name }, h('th', { scope: 'row' }, name), h('td', {}, String(v))))));
    }));
  }
}
