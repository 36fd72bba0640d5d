/**
 * The explanation above the ladder: the scenario's summary and what to notice (its own words, in
 * the chosen language), then the run's notes as they happen, numbered as their marks in the ladder.
 */
import type { TraceEvent } from '../../browser/index.js';
import { h } from './dom.js';
import { formatMs } from './format.js';
import { t, type Lang } from './i18n.js';

export interface Explanation {
  title: string;
  summary: string;
  notice?: string;
}

export class ExplanationView {
  private notes: HTMLOListElement = h('ol', { class: 'notes' });
  private seen = 0;

  constructor(private readonly root: HTMLElement) {}

  show(ex: Explanation, lang: Lang): void {
    this.root.setAttribute('lang', lang);
    this.seen = 0;
    this.notes = h('ol', { class: 'notes' });
    const parts: HTMLElement[] = [h('h2', { class: 'title' }, ex.title), h('p', { class: 'summary' }, ex.summary)];
    // On a phone or a short window the notice starts folded, so the ladder is in sight.
    const roomy = typeof matchMedia !== 'function' || !matchMedia('(max-width: 760px), (max-height: 760px)').matches;
    if (ex.notice) parts.push(h('details', { class: 'notice', open: roomy }, h('summary', {}, t('notice', lang)), h('p', {}, ex.notice)));
    parts.push(this.notes);
    this.root.replaceChildren(...parts);
  }

  update(events: readonly TraceEvent[]): void {
    for (; this.seen < events.length; this.seen++) {
      const e = events[this.seen]!;
      if (e.kind !== 'note') continue;
      this.notes.append(h('li', { 'data-index': this.seen, 'data-t': e.t }, h('span', { class: 'note-time' }, formatMs(e.t)), ' ', e.text));
      // The newest note in sight (the list scrolls once it is long).
      this.notes.scrollTop = this.notes.scrollHeight;
    }
  }
}
