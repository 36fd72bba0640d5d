/**
 * Mutations of a packetdrill script that a stack passing the original must fail: an expected
 * packet's acknowledgment number, flags, option value, time; an expected packet deleted or an
 * unexpected one added; a system call's expected result or output changed.
 */
import { parseScript, type ScriptEvent } from '../../src/packetdrill/index.js';

export type MutationKind = 'ack' | 'flags' | 'option' | 'time' | 'delete' | 'insert' | 'result' | 'optval';

export interface Mutant {
  kind: MutationKind;
  /** 1-based line of the script the mutation is about. */
  line: number;
  description: string;
  text: string;
}

const isOutbound = (e: ScriptEvent): e is ScriptEvent & { type: 'packet' } => e.type === 'packet' && e.packet.direction === 'out';

/** Every mutant of the script (events are one line each in the scripts this is used on). */
export function mutants(src: string): Mutant[] {
  const parsed = parseScript(src);
  if (!parsed.ok) throw new Error(`cannot parse the script to mutate: line ${parsed.error.line}: ${parsed.error.message}`);
  const events = parsed.script.events;
  const lines = src.split('\n');
  const out: Mutant[] = [];
  const withLine = (line: number, text: string | undefined): string | undefined => {
    if (text === undefined || text === lines[line - 1]) return undefined;
    const copy = lines.slice();
    copy[line - 1] = text;
    return copy.join('\n');
  };
  const add = (kind: MutationKind, line: number, description: string, text: string | undefined) => {
    if (text !== undefined) out.push({ kind, line, description, text });
  };
  const lastPacket = (evs: ScriptEvent[]) => evs.reduce((k, e, i) => (e.type === 'packet' ? i : k), -1);

  events.forEach((e, i) => {
    const l = lines[e.line - 1];
    if (isOutbound(e)) {
      add('ack', e.line, 'ack + 1', withLine(e.line, l.replace(/\back (\d+)/, (_m, n: string) => `ack ${(Number(n) + 1) % 2 ** 32}`)));
      const m = /^(\s*\S+\s+>\s*(?:\[[a-z0-9]+\]\s*)?)(\S+)(\s)/.exec(l);
      if (m) {
        const f = m[2];
        const nf = f === '.' ? 'P.' : f === '-' ? '.' : f.includes('.') ? f.replace('.', '') : `${f}.`;
        add('flags', e.line, `flags ${f} -> ${nf}`, withLine(e.line, m[1] + nf + m[3] + l.slice(m[0].length)));
      }
      if (/\bmss \d+/.test(l)) add('option', e.line, 'mss + 1', withLine(e.line, l.replace(/\bmss (\d+)/, (_m, n: string) => `mss ${Number(n) + 1}`)));
      else if (/\bsackOK\b/.test(l)) add('option', e.line, 'sackOK removed', withLine(e.line, l.replace(/\bsackOK\b/, 'nop,nop')));
      if (e.time.kind !== 'any') {
        add('time', e.line, 'one second later', withLine(e.line, l.replace(/^(\s*\+?\s*)(\d*\.?\d+)/, (_m, pre: string, t: string) => `${pre}${(Number(t) + 1).toFixed(3)}`)));
        // Deleting a packet that only a trailing close()/shutdown() would send is not detectable
        // (packetdrill never looks at what follows a script's last packet): skip those.
        const rest = events.filter((_, k) => k !== i);
        const lp = lastPacket(rest);
        const tailTeardown = rest.slice(lp + 1, i).some((x) => x.type === 'syscall' && (x.call.name === 'close' || x.call.name === 'shutdown'));
        if (!tailTeardown) {
          // The events after it keep their times: a relative delay of the deleted line moves to the next event.
          const copy = lines.slice();
          const next = events[i + 1];
          if (next && next.time.kind === 'relative' && (e.time.kind === 'relative' || e.time.kind === 'absolute')) {
            const sum = ((next.time.us + e.time.us) / 1e6).toFixed(6);
            const nl = copy[next.line - 1];
            copy[next.line - 1] = nl.replace(/^(\s*)\+\s*(\d*\.?\d+)/, (_m, pre: string) => (e.time.kind === 'absolute' ? `${pre}${sum}` : `${pre}+${sum}`));
          }
          copy.splice(e.line - 1, 1);
          add('delete', e.line, 'expected packet deleted', copy.join('\n'));
        }
        const copy = lines.slice();
        copy.splice(e.line, 0, l.replace(/^\s*\+?\s*\d*\.?\d+(~\+?\d*\.?\d+)?/, '+0'));
        add('insert', e.line + 1, 'extra expected packet', copy.join('\n'));
      }
    }
    if (e.type === 'syscall') {
      const all = [...l.matchAll(/\)\s*=\s*(0x[0-9a-fA-F]+|-?\d+)(\s+(E[A-Z]+))?/g)];
      const r = all.at(-1);
      if (r && r.index !== undefined) {
        const head = l.slice(0, r.index);
        const tail = l.slice(r.index);
        const next = r[3]
          ? tail.replace(r[3], r[3] === 'EINPROGRESS' ? 'EALREADY' : r[3] === 'EBADF' ? 'EINVAL' : 'EBADF')
          : tail.replace(/=\s*(0x[0-9a-fA-F]+|-?\d+)/, (_m, v: string) => `= ${Number(v) + 1}`);
        add('result', e.line, 'expected result changed', withLine(e.line, head + next));
      }
      if (e.call.name === 'getsockopt') {
        const opt = /, \[([A-Z0-9_]+)\], \[/.exec(l);
        if (opt) {
          const v = opt[1];
          const nv = v === '0' ? 'ECONNRESET' : /^\d+$/.test(v) ? String(Number(v) + 1) : '0';
          add('optval', e.line, `option value ${v} -> ${nv}`, withLine(e.line, l.replace(`, [${v}], [`, `, [${nv}], [`)));
        }
      }
    }
  });
  return out;
}
