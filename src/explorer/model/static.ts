/**
 * A session over a trace that is already whole (a capture's connection, a run recorded at build
 * time): everything is shown at once, there are no TCBs to look into, and the packets' bytes are
 * there for the inspector when the source kept them.
 */
import { encodePcap, type Trace, type TraceEvent, type TraceHost } from '../../browser/index.js';
import { emptySnapshot } from './recorder.js';
import type { CwndPoint, Session, Snapshot } from './types.js';

export abstract class StaticSession implements Session {
  abstract readonly kind: 'capture' | 'recorded';
  readonly hosts: readonly TraceHost[];
  readonly events: readonly TraceEvent[];
  private clock: number;

  constructor(
    readonly title: string,
    trace: Trace,
    private readonly packets: ReadonlyArray<Uint8Array | undefined> = [],
  ) {
    this.hosts = trace.hosts;
    this.events = trace.events;
    this.clock = trace.events.length > 0 ? trace.events[trace.events.length - 1].t : 0;
  }

  get now(): number {
    return this.clock;
  }

  readonly finished = true;

  snapshot(): Snapshot {
    return emptySnapshot(this.clock);
  }

  cwndSeries(): Map<string, CwndPoint[]> {
    return new Map();
  }

  packet(index: number): Uint8Array | undefined {
    return this.packets[index];
  }

  arrival(_index: number): number | undefined {
    return undefined;
  }

  nextEventTime(): number | undefined {
    return undefined;
  }

  advanceTo(t: number): void {
    if (t > this.clock) this.clock = t;
  }

  step(): void {}

  pcap(): Uint8Array {
    const out: Array<{ data: Uint8Array; timeMs: number }> = [];
    this.events.forEach((e, i) => {
      const p = this.packets[i];
      if (p !== undefined) out.push({ data: p, timeMs: e.t });
    });
    return encodePcap(out);
  }

  trace(): Trace {
    return { hosts: this.hosts.map((h) => ({ ...h })), events: this.events.map((e) => ({ ...e })) };
  }
}
