/**
 * The TCB panels: one per connection, every RFC 9293 variable of the contract (relative to ISS or
 * IRS, with the absolute number on hover), each armed timer as a countdown bar, and the sequence
 * space as a bar. Listeners (backlog, SYN and accept queues) below them.
 */
import type { TraceEvent } from '../../browser/index.js';
import type { ListenerView, Snapshot, TcbView } from '../model/types.js';
import { h } from './dom.js';
import { countdownFraction, formatBytes, formatInt, formatMs, seqMinus } from './format.js';
import { t, type Lang, type WordKey } from './i18n.js';
import { spacePieces } from './seqbar-layout.js';

/** A field: its data-field name, the words beside it, its value (text) and absolute value (title). */
type Field = [field: string, label: string, value: string, absolute?: string];

function fieldsOf(v: TcbView): Field[] {
  const rs = (n: number): string => String(seqMinus(n, v.iss));
  const rr = (n: number): string => String(seqMinus(n, v.irs));
  return [
    ['state', 'state', v.state],
    ['snd.una', 'SND.UNA', rs(v.sndUna), String(v.sndUna >>> 0)],
    ['snd.nxt', 'SND.NXT', rs(v.sndNxt), String(v.sndNxt >>> 0)],
    ['snd.wnd', 'SND.WND', formatInt(v.sndWnd)],
    ['rcv.nxt', 'RCV.NXT', rr(v.rcvNxt), String(v.rcvNxt >>> 0)],
    ['rcv.wnd', 'RCV.WND', formatInt(v.rcvWnd)],
    ['iss', 'ISS', String(v.iss >>> 0)],
    ['irs', 'IRS', String(v.irs >>> 0)],
    ['cwnd', 'cwnd', formatInt(v.cwnd)],
    ['ssthresh', 'ssthresh', v.ssthresh === null ? '∞' : formatInt(v.ssthresh)],
    ['srtt', 'SRTT', v.srtt === null ? '–' : formatMs(v.srtt)],
    ['rto', 'RTO', formatMs(v.rto)],
    ['flight', 'flight', formatInt(v.flight)],
  ];
}

const MAX_PANELS = 6;

const SPACE_WORDS: Record<string, WordKey> = { acked: 'acked', 'in-flight': 'inFlight', sacked: 'sacked', lost: 'lost', unsent: 'unsent' };

export class TcbPanels {
  private readonly list: HTMLElement;
  private readonly listeners: HTMLElement;
  /** When each timer was set (host conn kind deadline -> t), from the trace's timer events. */
  private readonly setAt = new Map<string, number>();
  private seen = 0;
  private panels = new Map<string, HTMLElement>();

  constructor(container: HTMLElement, private lang: Lang) {
    this.list = h('div', { class: 'tcbs' });
    this.listeners = h('div', { class: 'listeners' });
    container.append(this.list, this.listeners);
  }

  reset(lang: Lang): void {
    this.lang = lang;
    this.setAt.clear();
    this.seen = 0;
    this.panels = new Map();
    this.list.replaceChildren();
    this.listeners.replaceChildren();
  }

  update(snap: Snapshot, events: readonly TraceEvent[]): void {
    for (; this.seen < events.length; this.seen++) {
      const e = events[this.seen]!;
      if (e.kind === 'timer' && e.action === 'set' && e.deadline !== null) this.setAt.set(`${e.host} ${e.conn} ${e.timer} ${e.deadline}`, e.t);
    }
    const keep = new Set<string>();
    // A flood makes hundreds of half-open TCBs: draw the first few, and say how many more.
    const shown = snap.tcbs.slice(0, MAX_PANELS);
    for (const v of shown) {
      const key = `${v.host} ${v.conn}`;
      keep.add(key);
      let panel = this.panels.get(key);
      if (!panel) {
        panel = this.makePanel(v);
        this.panels.set(key, panel);
        this.list.append(panel);
      }
      this.fill(panel, v, snap.t);
    }
    for (const [key, panel] of this.panels) {
      const gone = !keep.has(key);
      panel.classList.toggle('gone', gone);
      if (gone) {
        const state = panel.querySelector('[data-field="state"] .value');
        if (state && state.textContent !== 'CLOSED') state.textContent = 'CLOSED';
        panel.querySelector('.timers')?.replaceChildren(h('li', { class: 'none' }, t('noTimers', this.lang)));
      }
    }
    const more = snap.tcbs.length - shown.length;
    let moreEl = this.list.querySelector('.more');
    if (more > 0) {
      if (!moreEl) this.list.append((moreEl = h('p', { class: 'more' })));
      moreEl.textContent = `+ ${more}`;
    } else moreEl?.remove();
    if (snap.tcbs.length === 0 && this.panels.size === 0) {
      if (!this.list.querySelector('.empty')) this.list.replaceChildren(h('p', { class: 'empty' }, t('noTcb', this.lang)));
    } else this.list.querySelector('.empty')?.remove();
    this.drawListeners(snap.listeners);
  }

  private makePanel(v: TcbView): HTMLElement {
    const dl = h('dl', { class: 'fields' });
    for (const [field, label] of fieldsOf(v)) {
      dl.append(h('div', { class: 'field', 'data-field': field }, h('dt', {}, label), h('dd', { class: 'value' })));
    }
    const [local, remote] = v.conn.split('>');
    return h('section', { class: 'tcb', 'data-host': v.host, 'data-conn': v.conn, 'aria-label': `TCB ${v.host} ${v.conn}` },
      h('h3', {}, h('span', { class: 'tcb-host' }, v.host), ' ', h('span', { class: 'tcb-conn' }, `${local ?? ''} → ${remote ?? ''}`)),
      dl,
      h('div', { class: 'space', 'aria-label': t('seqSpace', this.lang) }),
      h('ul', { class: 'timers', 'aria-label': t('timers', this.lang) }));
  }

  private fill(panel: HTMLElement, v: TcbView, now: number): void {
    panel.setAttribute('data-state', v.state);
    for (const [field, , value, abs] of fieldsOf(v)) {
      const el = panel.querySelector<HTMLElement>(`[data-field="${field}"]`);
      if (!el) continue;
      const dd = el.querySelector('.value')!;
      if (dd.textContent !== value) {
        dd.textContent = value;
        el.classList.remove('changed');
        void el.offsetWidth;
        el.classList.add('changed');
      }
      if (abs !== undefined) el.title = `${abs} (${t('relHint', this.lang)})`;
      el.setAttribute('data-value', value);
    }
    this.drawSpace(panel.querySelector('.space')!, v);
    this.drawTimers(panel.querySelector('.timers')!, v, now);
  }

  private drawSpace(box: Element, v: TcbView): void {
    const pieces = spacePieces(v.space);
    const bar = h('div', { class: 'space-bar', role: 'img', 'aria-label': `${t('seqSpace', this.lang)}: ${pieces.map((p) => `${t(SPACE_WORDS[p.kind]!, this.lang)} ${p.start}–${p.end}`).join(', ') || '0'}` });
    for (const p of pieces) {
      bar.append(h('span', { class: `piece ${p.kind}`, 'data-kind': p.kind, style: `left:${(p.x * 100).toFixed(2)}%;width:${Math.max(0.4, p.w * 100).toFixed(2)}%`, title: `${t(SPACE_WORDS[p.kind]!, this.lang)}: ${p.start}–${p.end} (${formatBytes(p.end - p.start)})` }));
    }
    const legend = h('div', { class: 'space-legend' },
      h('span', { class: 'key acked' }, `${t('acked', this.lang)} ${formatInt(v.space.acked)}`),
      h('span', { class: 'key in-flight' }, `${t('inFlight', this.lang)} ${formatInt(v.space.sent - v.space.acked)}`),
      h('span', { class: 'key unsent' }, `${t('unsent', this.lang)} ${formatInt(v.space.unsent)}`));
    if (v.space.sacked.length) legend.append(h('span', { class: 'key sacked' }, t('sacked', this.lang)));
    if (v.space.lost.length) legend.append(h('span', { class: 'key lost' }, t('lost', this.lang)));
    box.replaceChildren(bar, legend);
  }

  private drawTimers(ul: Element, v: TcbView, now: number): void {
    const items: HTMLElement[] = [];
    for (const tm of v.timers) {
      const from = this.setAt.get(`${v.host} ${v.conn} ${tm.kind} ${tm.deadline}`) ?? now;
      const frac = countdownFraction(now, Math.min(from, now), tm.deadline);
      items.push(h('li', { class: 'timer', 'data-timer': tm.kind, 'data-deadline': tm.deadline },
        h('span', { class: 'timer-name' }, tm.kind),
        h('span', { class: 'timer-bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(frac * 100) }, h('span', { style: `width:${(frac * 100).toFixed(1)}%` })),
        h('span', { class: 'timer-left' }, formatMs(Math.max(0, tm.deadline - now)))));
    }
    if (!items.length) items.push(h('li', { class: 'none' }, t('noTimers', this.lang)));
    ul.replaceChildren(...items);
  }

  private drawListeners(ls: ListenerView[]): void {
    if (!ls.length) {
      this.listeners.replaceChildren();
      return;
    }
    this.listeners.replaceChildren(h('h3', {}, t('listeners', this.lang)),
      ...ls.map((l) => h('div', { class: 'listener', 'data-host': l.host, 'data-local': l.local },
        h('span', { class: 'listener-name' }, `${l.host} ${l.local} LISTEN`),
        h('span', { 'data-field': 'backlog' }, `backlog ${l.backlog}`),
        h('span', { 'data-field': 'syn-queue' }, `SYN queue ${l.synQueue}`),
        h('span', { 'data-field': 'accept-queue' }, `accept queue ${l.acceptQueue}`),
        h('span', { 'data-field': 'syn-cookies' }, `cookies ${l.synCookies}`))));
  }
}
