/** Running a demo scenario through its JSON form, and reading segments and states back out. */
import { renderJson } from '../../src/trace/json.js';
import { findScenario, type ScenarioResult } from '../../src/trace/scenarios.js';

export interface JsonSegment {
  t: number;
  kind: 'segment';
  from: string;
  to: string;
  flags: number;
  flagNames: string[];
  seq: number;
  ack: number;
  len: number;
  window: number;
  options: Record<string, unknown>;
  dropped: boolean;
  reason: string | null;
  retransmission: boolean;
  label?: string;
}
export interface JsonState {
  t: number;
  kind: 'state';
  host: string;
  conn: string;
  from: string;
  to: string;
}
export interface JsonTrace {
  hosts: Array<{ name: string; addresses: string[]; initial?: string }>;
  events: Array<{ t: number; kind: string } & Record<string, unknown>>;
}

export const SEED = 1;

/** Flag bits (RFC 9293 §3.1), written out rather than imported. */
export const F = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export function runScenario(name: string, seed = SEED, pcap = false): { json: JsonTrace; result: ScenarioResult } {
  const s = findScenario(name);
  if (!s) throw new Error(`no scenario ${name}`);
  const result = s.run({ seed, lang: 'en', pcap });
  return { json: JSON.parse(renderJson(result.trace)) as JsonTrace, result };
}

export function segments(j: JsonTrace): JsonSegment[] {
  return j.events.filter((e) => e.kind === 'segment') as unknown as JsonSegment[];
}

/** The sequence of states a host passed through: its first `from`, then every `to`. */
export function stateSequence(j: JsonTrace, host: string, conn?: string): string[] {
  const ss = (j.events.filter((e) => e.kind === 'state') as unknown as JsonState[]).filter((e) => e.host === host && (conn === undefined || e.conn === conn));
  if (ss.length === 0) return [];
  return [ss[0].from, ...ss.map((e) => e.to)];
}

/** Exactly these flags (ignoring PSH). */
export function is(s: JsonSegment, flags: number): boolean {
  return (s.flags & ~F.PSH) === flags;
}

export function ctx(name: string, seed = SEED): string {
  return `scenario ${name}, seed ${seed} (synack demo ${name} --seed ${seed} --format json)`;
}
