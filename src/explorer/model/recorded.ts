/**
 * The round-trip demos (TCP, TLS 1.2 and 1.3, resumption, Fast Open) run Node's own tls over synack
 * sockets, which a page does not have. The build runs them in Node and writes their traces to
 * round-trips.json beside the page (scripts/build-browser.mjs); a RecordedSession shows one of them
 * as a capture is shown, whole, and says plainly where it came from.
 */
import type { Trace } from '../../browser/index.js';
import { StaticSession } from './static.js';

export interface RecordedDemo {
  name: string;
  summary: string;
  rttMs: number;
  firstByteMs: number;
  roundTrips: number;
  trace: Trace;
}

export interface RecordedError {
  error: 'not-recorded';
  message: string;
}

/** What the page says about every recorded session. */
export const RECORDED_NOTE = {
  en: "Recorded in Node when this page was built, not run in your browser: this demo uses Node's own TLS over synack's sockets, which a page does not have. The segments are those of that run (seed 1); changing the seed does not run it again.",
  ko: '이 데모는 브라우저에서 실행한 것이 아니라 페이지를 빌드할 때 Node에서 기록한 것이다: synack 소켓 위에서 Node의 TLS를 쓰는데, 페이지에는 그것이 없다. 세그먼트는 그 실행(seed 1)의 것이며, seed를 바꿔도 다시 실행되지 않는다.',
} as const;

export class RecordedSession extends StaticSession {
  readonly kind = 'recorded' as const;
  readonly note = RECORDED_NOTE;

  constructor(readonly demo: RecordedDemo) {
    super(demo.name, demo.trace);
  }

  /** The sessions of round-trips.json's content (parsed JSON), or why it is not usable. */
  static fromJson(json: unknown): RecordedSession[] | RecordedError {
    const demos = (json as { demos?: unknown } | null)?.demos;
    if (!Array.isArray(demos)) return { error: 'not-recorded', message: 'round-trips.json holds no demos (was the page built with `npm run build`?)' };
    const out: RecordedSession[] = [];
    for (const d of demos as RecordedDemo[]) {
      const t = d?.trace;
      if (typeof d?.name !== 'string' || !Array.isArray(t?.hosts) || !Array.isArray(t?.events)) return { error: 'not-recorded', message: `round-trips.json: a demo without a name or a trace` };
      out.push(new RecordedSession(d));
    }
    return out;
  }
}
