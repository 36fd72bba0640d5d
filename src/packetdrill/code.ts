/**
 * `%{ ... }%` blocks. packetdrill hands them to Python with the socket's TCP_INFO; synack evaluates
 * only what the FreeBSD suite writes, `assert <tcpi field> <op> <constant>` statements, against the
 * connection's state. Anything else needs Python and makes the script UNSUPPORTED.
 */
import { TCPI_OPTIONS, TCPI_STATES } from './symbols.js';

export type CodeResult = { ok: true } | { ok: false; failed: string } | { ok: false; unsupported: string };

/** The tcp_info fields synack can give honestly. undefined: the socket has no TCP state to show. */
export type TcpInfo = Record<string, number>;

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

export function evaluateCode(code: string, info: () => TcpInfo | string): CodeResult {
  const statements = code
    .split(/[\n;]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
  for (const st of statements) {
    const m = /^assert\s+(.+?)\s*(==|!=|<=|>=|<|>)\s*(.+?)$/.exec(st);
    if (!m) return { ok: false, unsupported: `%{ ${st} }% (only "assert tcpi_<field> <op> <value>" is evaluated; the rest needs Python)` };
    const [, lhs, op, rhs] = m;
    const i = info();
    if (typeof i === 'string') return { ok: false, failed: `%{ ${st} }%: ${i}` };
    const value = (t: string): number | string => {
      if (/^-?\d+$/.test(t)) return Number(t);
      if (/^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t, 16);
      if (t in TCPI_STATES) return TCPI_STATES[t];
      if (t in TCPI_OPTIONS) return TCPI_OPTIONS[t];
      if (/^tcpi_[a-z_0-9]+$/.test(t)) {
        if (!(t in i)) return `unsupported:${t}`;
        return i[t];
      }
      return `unsupported:${t}`;
    };
    const a = value(lhs);
    const b = value(rhs);
    for (const v of [a, b]) if (typeof v === 'string') return { ok: false, unsupported: `%{ ${st} }% (${v.slice(12)} is not available)` };
    if (!OPS[op](a as number, b as number)) {
      return { ok: false, failed: `%{ ${st} }%: ${lhs} is ${describe(lhs, a as number)}` };
    }
  }
  return { ok: true };
}

function describe(name: string, v: number): string {
  if (name === 'tcpi_state') {
    for (const [k, n] of Object.entries(TCPI_STATES)) if (n === v) return k;
  }
  return String(v);
}
