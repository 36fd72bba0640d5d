/** Mermaid `sequenceDiagram` text: a participant per host, a message per segment, notes for states, fired timers, cwnd events and drops. */
import { SegmentLabeler, segmentTags, type LabelOptions } from './label.js';
import { markText, type Trace } from './model.js';

/** Mermaid treats ';' and '#' specially in message text; keep labels plain. */
function clean(s: string): string {
  return s.replace(/[;#]/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'));
}

export function renderMermaid(trace: Trace, opts: LabelOptions = {}): string {
  const id = new Map(trace.hosts.map((h, i) => [h.name, `H${i}`]));
  const labeler = new SegmentLabeler(opts);
  const out: string[] = ['sequenceDiagram'];
  for (const h of trace.hosts) out.push(`    participant ${id.get(h.name)} as ${clean(h.name)} ${h.addresses[0] ?? ''}`.trimEnd());
  for (const h of trace.hosts) if (h.initial) out.push(`    Note over ${id.get(h.name)}: ${h.initial}`);
  for (const e of trace.events) {
    switch (e.kind) {
      case 'segment': {
        const a = id.get(e.from);
        const b = id.get(e.to);
        if (!a || !b) break;
        const [main, options] = labeler.label(e);
        let text = segmentTags(e) + main + (options ? ` ${options}` : '');
        if (e.label) text = `(${e.label}) ${text}`;
        if (e.dropped) text += ` LOST (${e.reason})`;
        // -x: a message that does not arrive.
        out.push(`    ${a}${e.dropped ? '-x' : '->>'}${b}: t=${e.t} ${clean(text)}`);
        break;
      }
      case 'state':
        if (id.has(e.host)) out.push(`    Note over ${id.get(e.host)}: ${e.to}`);
        break;
      case 'timer':
      case 'cwnd':
      case 'drop': {
        // Fired timers, congestion events and drops inside a host; timers set or cancelled are in the JSON only.
        const text = markText(e);
        if (text !== undefined && id.has(e.host)) out.push(`    Note over ${id.get(e.host)}: t=${e.t} ${clean(text)}`);
        break;
      }
      case 'note': {
        const first = trace.hosts[0]?.name;
        const last = trace.hosts[trace.hosts.length - 1]?.name;
        const over = e.host !== undefined && id.has(e.host) ? id.get(e.host) : `${id.get(first!)},${id.get(last!)}`;
        out.push(`    Note over ${over}: ${clean(e.text)}`);
        break;
      }
    }
  }
  return out.join('\n');
}
