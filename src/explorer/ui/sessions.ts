/**
 * Where the page gets its sessions, from the model: a demo scenario run in the page, a recorded
 * round-trip demo (round-trips.json, written beside the page by the build), a capture's connections.
 */
import type { Lang } from '../../browser/index.js';
import { CaptureSession, RecordedSession, ScenarioSession, type Session } from '../model/index.js';

/** A demo scenario's run, or why it cannot be opened (an unknown name, a bad seed). */
export function scenarioSession(name: string, seed: number, lang: Lang): ScenarioSession | { error: string } {
  const s = ScenarioSession.open(name, seed, lang);
  return 'error' in s ? { error: s.message } : s;
}

export type CaptureResult = { ok: true; sessions: Session[]; skipped: number; damage?: string } | { ok: false; reason: string };

export function captureSessions(fileName: string, bytes: Uint8Array): CaptureResult {
  const r = CaptureSession.open(bytes, fileName);
  if ('error' in r) return { ok: false, reason: r.message };
  return { ok: true, ...r };
}

/**
 * The recorded round-trip demos, fetched from beside the page (same origin: it works offline from
 * a static host). An empty list, with the reason, when the build did not record them.
 */
export async function recordedSessions(): Promise<{ sessions: RecordedSession[]; error?: string }> {
  try {
    const res = await fetch('round-trips.json');
    if (!res.ok) return { sessions: [], error: `round-trips.json: HTTP ${res.status}` };
    const r = RecordedSession.fromJson(await res.json());
    return 'error' in r ? { sessions: [], error: r.message } : { sessions: r };
  } catch (err) {
    return { sessions: [], error: `round-trips.json: ${(err as Error).message}` };
  }
}
