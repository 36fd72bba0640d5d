/**
 * A Session over a finished trace (a capture's connection): events revealed as time passes. No
 * TCBs, counters or packet bytes: a capture only shows what crossed the wire.
 */
import type { Trace, TraceEvent, TraceHost } from '../../browser/index.js';
import type { CwndPoint, Session, Snapshot } from '../model/types.js';

export class TracePlayback implements Session {
  readonly kind: 'scenario' | 'capture';
  readonly hosts: readonly TraceHost[];
  now: number;
  private shown = 0;
  private view: TraceEvent[] = [];

  constructor(readonly title: string, private readonly full: Trace, kind: 'scenario' | 'capture' = 'capture') {
    this.kind = kind;
    this.hosts = full.hosts;
    this.now = full.events.length ? Math.min(0, full.events[0]!.t) : 0;
    this.reveal();
  }

  get events(): readonly TraceEvent[] {
    return this.view;
  }

  get finished(): boolean {
    return this.shown >= this.full.events.length;
  }

  snapshot(): Snapshot {
    return { t: this.now, tcbs: [], listeners: [], counters: {}, inFlight: [] };
  }

  cwndSeries(): Map<string, CwndPoint[]> {
    return new Map();
  }

  packet(): Uint8Array | undefined {
    return undefined;
  }

  arrival(): number | undefined {
    return undefined;
  }

  nextEventTime(): number | undefined {
    return this.full.events[this.shown]?.t;
  }

  advanceTo(t: number): void {
    if (t > this.now) this.now = t;
    this.reveal();
  }

  step(): void {
    const next = this.nextEventTime();
    if (next !== undefined) this.advanceTo(next);
  }

  pcap(): Uint8Array {
    return new Uint8Array(0);
  }

  trace(): Trace {
    return { hosts: [...this.hosts], events: [...this.events] };
  }

  private reveal(): void {
    const ev = this.full.events;
    while (this.shown < ev.length && ev[this.shown]!.t <= this.now) this.view.push(ev[this.shown++]!);
  }
}
