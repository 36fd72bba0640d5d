/**
 * The stack's counters as Linux's nstat names them, for the `nstat` command of Linux's scripts (see
 * shell.ts): Ip* and Icmp* (RFC 4293), Tcp* for RFC 4022's TCP-MIB objects, TcpExt* for the rest of
 * synack's TcpStats, which carry Linux's own names.
 */
import type { StackCounters } from '../stack/counters.js';

/** RFC 4022's TCP-MIB objects, which nstat prints as Tcp*; Linux's other TCP counters are TcpExt*. */
const TCP_MIB: ReadonlySet<string> = new Set(['RtoAlgorithm', 'RtoMin', 'RtoMax', 'MaxConn', 'ActiveOpens', 'PassiveOpens', 'AttemptFails', 'EstabResets', 'CurrEstab', 'InSegs', 'OutSegs', 'RetransSegs', 'InErrs', 'OutRsts', 'InCsumErrors']);

/** Every counter by its nstat name; none before the stack exists. */
export function nstatCounters(c: StackCounters | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!c) return out;
  const put = (prefix: string, group: object, mib?: ReadonlySet<string>) => {
    for (const [k, v] of Object.entries(group)) {
      if (typeof v === 'number') out[(mib && !mib.has(k) ? 'TcpExt' : prefix) + k] = v;
    }
  };
  put('Ip', c.ip);
  put('Icmp', c.icmp);
  put('Tcp', c.tcp, TCP_MIB);
  return out;
}
