/**
 * Where the page gets its sessions: a demo scenario run in the page, a capture's connections. The
 * only module that knows how sessions are made.
 */
import { tracesFromCapture, type Lang } from '../../browser/index.js';
import { ScenarioSession } from '../model/scenario.js';
import type { Session } from '../model/types.js';
import { TracePlayback } from './playback.js';

/** A demo scenario's run, or why it cannot be opened (an unknown name, a bad seed). */
export function scenarioSession(name: string, seed: number, lang: Lang): Session | { error: string } {
  const s = ScenarioSession.open(name, seed, lang);
  return 'error' in s ? { error: s.message } : s;
}

export type CaptureResult = { ok: true; sessions: Session[]; skipped: number } | { ok: false; reason: string };

export function captureSessions(fileName: string, bytes: Uint8Array): CaptureResult {
  const r = tracesFromCapture(bytes);
  if (!r.ok) return { ok: false, reason: `${r.reason}${'detail' in r && r.detail ? `: ${r.detail}` : ''}` };
  const sessions = r.traces.map((tr, i) => new TracePlayback(`${fileName} #${i + 1}: ${tr.hosts.map((h) => h.name).join(' ⇄ ')}`, tr, 'capture'));
  return { ok: true, sessions, skipped: r.skipped };
}
