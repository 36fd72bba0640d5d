/**
 * The explorer's model and its views meet here. A Session is one run the page shows: a demo
 * scenario (run in the page, then played back), the sandbox (a live simulator the learner drives),
 * or a capture (a dropped pcap). The views read a Session and never touch the simulator; the model
 * never touches the DOM. Everything here is plain data, so the model is tested in Node.
 */
import type { Lang, ListenerView, TcbView, Trace, TraceEvent, TraceHost } from '../../browser/index.js';

export type { Lang };

/**
 * One connection's TCB as the TCB panel shows it (TcbView), and a listener's queues (ListenerView):
 * built in the trace layer (src/trace/tcb-view.ts), so that the browser build carries them.
 */
export type { ListenerView, TcbView };

/** A packet on a link, not yet delivered (the sandbox draws it moving and lets the learner drop it). */
export interface InFlightView {
  /** Stable for the packet's life; what `dropInFlight` takes. */
  id: number;
  /** Index of its segment event in `events`. */
  event: number;
  from: string;
  to: string;
  sentAt: number;
  arrivesAt: number;
}

export interface Snapshot {
  t: number;
  tcbs: TcbView[];
  listeners: ListenerView[];
  /** Per host, the counters that are not zero, by their names ("tcp.ActiveOpens", "ip.InReceives"). */
  counters: Record<string, Record<string, number>>;
  inFlight: InFlightView[];
}

/** One point of a connection's cwnd plot. */
export interface CwndPoint {
  t: number;
  cwnd: number;
  flight: number;
  ssthresh: number | null;
}

export interface Session {
  /** 'recorded': a run recorded in Node when the page was built (the TLS round-trip demos), shown as a capture is. */
  readonly kind: 'scenario' | 'sandbox' | 'capture' | 'recorded';
  /** For a scenario: its name. For a capture: the file's name and connection. */
  readonly title: string;
  readonly hosts: readonly TraceHost[];
  /** Virtual time now (ms). */
  readonly now: number;
  /** Every event up to `now`, in order; indices are stable (the views key on them). */
  readonly events: readonly TraceEvent[];
  /** The state at `now` (a capture has no TCBs: empty lists). */
  snapshot(): Snapshot;
  /** Per connection ("host conn"), points up to now. */
  cwndSeries(): Map<string, CwndPoint[]>;
  /** The bytes of the packet of segment event `index` (IP header first), for the inspector. */
  packet(index: number): Uint8Array | undefined;
  /** When the segment of event `index` arrives (or would have, when dropped); undefined if unknown. */
  arrival(index: number): number | undefined;
  /** Time of the next event after now; undefined when nothing more will happen. */
  nextEventTime(): number | undefined;
  /** Move now forward to t (never back), revealing (scenario) or running (sandbox) what happens. */
  advanceTo(t: number): void;
  /** Move to the next event's time. */
  step(): void;
  /** Nothing more will happen (a scenario played out; a sandbox never is). */
  readonly finished: boolean;
  /** Every packet up to now as a pcap (raw IP). */
  pcap(): Uint8Array;
  /** The whole trace up to now (for the existing renderers). */
  trace(): Trace;
}

export type Side = 'client' | 'server';
export type Direction = 'client>server' | 'server>client';
export type CookieMode = 'off' | 'overflow' | 'always';

/** What the learner does in the sandbox: serialisable, so a URL can replay the same run. */
export type Action =
  | { do: 'connect' }
  | { do: 'send'; bytes: number }
  | { do: 'shutdown' }
  | { do: 'close'; side: Side }
  | { do: 'abort' }
  | { do: 'listen'; backlog: number }
  | { do: 'accept' }
  | { do: 'read'; on: boolean }
  | { do: 'drop-next'; dir: Direction }
  | { do: 'drop-in-flight'; id: number }
  | { do: 'partition'; ms: number }
  | { do: 'link'; settings: Partial<LinkSettings> }
  | { do: 'spoof-rst'; exact: boolean }
  | { do: 'spoof-syn'; exact: boolean }
  | { do: 'spoof-data'; exact: boolean }
  | { do: 'flood'; count: number; cookies: CookieMode };

/** An action at the virtual time it was taken. */
export interface TimedAction {
  t: number;
  action: Action;
}

/** The sandbox link's sliders (both directions alike). */
export interface LinkSettings {
  delayMs: number;
  jitterMs: number;
  /** 0 to 1. */
  loss: number;
  /** Bits per second; 0 for unlimited. */
  rateBps: number;
  queueBytes: number;
  mtu: number;
  reorder: number;
  duplicate: number;
}

/** What a URL holds: everything needed to reproduce the run. */
export type PageState =
  | { view: 'scenario'; scenario: string; seed: number; lang: Lang; runToEnd: boolean }
  | { view: 'sandbox'; seed: number; lang: Lang; link: LinkSettings; actions: TimedAction[]; runToEnd: boolean }
  | { view: 'home'; lang: Lang };

/** Why the sandbox refused an action, in words for the page (English and Korean). */
export interface ActionRefusal {
  ok: false;
  /** A stable name ("not-connected", "nothing-to-accept", ...). */
  reason: string;
  text: { en: string; ko: string };
}

/** What `SandboxSession.act` returns: done, or refused with a reason (never a throw). */
export type ActionResult = { ok: true } | ActionRefusal;
