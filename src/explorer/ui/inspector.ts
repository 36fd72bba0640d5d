/**
 * The segment inspector: every header field and option of the packet, and its bytes in hex with
 * the chosen field's bytes marked. Fields are buttons: choosing one (click, or focus) marks its bytes.
 */
import { inspectPacket, type PacketField, type SegmentEvent } from '../../browser/index.js';
import { h } from './dom.js';
import { formatMs } from './format.js';
import { t, type Lang } from './i18n.js';

/** The heading a field goes under, from its key ("ip.ttl", "tcp.option.mss", "data"). */
function layerOf(key: string, version: number): string {
  if (key.startsWith('ip.')) return `IPv${version}`;
  if (key.startsWith('tcp.option')) return 'TCP options';
  if (key.startsWith('tcp.')) return 'TCP';
  return 'data';
}

export class InspectorView {
  private readonly body: HTMLElement;
  private readonly heading: HTMLElement;
  private lang: Lang = 'en';

  constructor(private readonly root: HTMLElement, private readonly onClose: () => void) {
    this.heading = h('h2', { id: 'inspector-title' });
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
    close.addEventListener('click', () => this.onClose());
    this.body = h('div', { class: 'inspector-body' });
    root.setAttribute('aria-labelledby', 'inspector-title');
    root.append(h('div', { class: 'inspector-head' }, this.heading, close), this.body);
    root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.stopPropagation();
        this.onClose();
      }
    });
  }

  setLang(lang: Lang): void {
    this.lang = lang;
  }

  clear(): void {
    this.root.hidden = true;
    this.root.removeAttribute('data-index');
    this.body.replaceChildren();
  }

  show(index: number, e: SegmentEvent, words: string, bytes: Uint8Array | undefined): void {
    this.root.hidden = false;
    this.root.setAttribute('data-index', String(index));
    this.heading.textContent = `${t('inspector', this.lang)} #${index}`;
    const summary = h('p', { class: 'summary' }, `${formatMs(e.t)} · ${e.from} → ${e.to} · ${words}${e.dropped ? ` · ${t('lostWord', this.lang)} (${e.reason})` : ''}${e.retransmission ? ` · ${t('retx', this.lang)}` : ''}${e.label ? ` · ${e.label}` : ''}`);
    if (!bytes) {
      this.body.replaceChildren(summary, h('p', { class: 'empty' }, t('noBytes', this.lang)), this.eventTable(e));
      return;
    }
    const ins = inspectPacket(bytes);
    const hex = this.hexDump(bytes);
    const parts: HTMLElement[] = [summary];
    if (!ins.ok) parts.push(h('p', { class: 'error', 'data-field': 'error' }, `${ins.reason}: ${ins.detail}`));
    const version = ins.ok ? ins.version : bytes[0]! >> 4;
    parts.push(h('table', { class: 'fields-table' }, h('tbody', {}, ...this.rows(ins.fields, version, hex))), hex);
    this.body.replaceChildren(...parts);
  }

  /** Without bytes (a capture that kept only headers): the event's own fields. */
  private eventTable(e: SegmentEvent): HTMLElement {
    const rows: Array<[string, string, string]> = [
      ['tcp.srcport', 'source', e.src],
      ['tcp.dstport', 'destination', e.dst],
      ['tcp.seq', 'sequence number', String(e.seq)],
      ['tcp.ack', 'acknowledgment number', String(e.ack)],
      ['tcp.flags', 'flags', e.flagNames.join('+') || 'none'],
      ['tcp.window', 'window', String(e.window)],
      ['data', 'data', `${e.len} bytes`],
      ['tcp.options', 'options', JSON.stringify(e.options)],
    ];
    return h('table', { class: 'fields-table' }, h('tbody', {}, ...rows.map(([id, name, v]) => h('tr', { 'data-field': id }, h('th', { scope: 'row' }, name), h('td', {}, v)))));
  }

  private rows(fields: PacketField[], version: number, hex: HTMLElement): HTMLElement[] {
    const out: HTMLElement[] = [];
    let layer = '';
    for (const f of fields) {
      const fl = layerOf(f.key, version);
      if (fl !== layer) {
        layer = fl;
        out.push(h('tr', { class: 'layer' }, h('th', { colspan: 3, scope: 'colgroup' }, layer)));
      }
      const btn = h('button', { type: 'button', class: 'field-name' }, f.name);
      const where = f.bits !== undefined ? `@${f.offset} bits ${f.bit}..${(f.bit ?? 0) + f.bits - 1}` : `@${f.offset}+${f.length}`;
      const row = h('tr', { 'data-field': f.key, 'data-offset': f.offset, 'data-length': f.length },
        h('th', { scope: 'row' }, btn),
        h('td', { class: 'field-value' }, f.text),
        h('td', { class: 'field-where' }, where));
      const mark = (): void => {
        for (const r of row.parentElement?.querySelectorAll('tr.selected') ?? []) r.classList.remove('selected');
        row.classList.add('selected');
        for (const b of hex.querySelectorAll<HTMLElement>('.byte')) {
          const off = Number(b.dataset.offset);
          b.classList.toggle('marked', off >= f.offset && off < f.offset + f.length);
        }
      };
      btn.addEventListener('click', mark);
      btn.addEventListener('focus', mark);
      row.addEventListener('mouseenter', mark);
      out.push(row);
    }
    return out;
  }

  private hexDump(bytes: Uint8Array): HTMLElement {
    const pre = h('div', { class: 'hex', role: 'table', 'aria-label': 'bytes' });
    for (let row = 0; row < bytes.length; row += 16) {
      const line = h('div', { class: 'hex-row', role: 'row' }, h('span', { class: 'hex-offset' }, row.toString(16).padStart(4, '0')));
      let ascii = '';
      for (let i = row; i < Math.min(bytes.length, row + 16); i++) {
        const v = bytes[i]!;
        line.append(h('span', { class: 'byte', 'data-offset': i }, v.toString(16).padStart(2, '0')));
        ascii += v >= 0x20 && v < 0x7f ? String.fromCharCode(v) : '.';
      }
      line.append(h('span', { class: 'hex-ascii' }, ascii));
      pre.append(line);
    }
    return pre;
  }
}
