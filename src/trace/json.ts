/** The JSON form: `{"hosts": [...], "events": [...]}` (see model.ts for every field). */
import type { Trace } from './model.js';

export function renderJson(trace: Trace): string {
  return JSON.stringify({ hosts: trace.hosts, events: trace.events }, null, 2);
}
