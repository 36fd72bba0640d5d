/**
 * A demo scenario in the page: the scenario runs once, for real (the simulator, seeded, in virtual
 * time), while a recorder keeps what the trace does not hold (snapshots of every TCB after each
 * step, the packets' bytes, each segment's arrival); then the session plays that run back, revealing
 * events as its clock passes them. Its events are the scenario's trace, the same as
 * `synack demo NAME --format json` prints for the same seed.
 */
import { encodePcap, findScenario, LinkType, PART_GAP_MS, SCENARIOS, type Lang, type Scenario, type ScenarioLab, type Trace, type TraceEvent, type TraceHost } from '../../browser/index.js';
import { emptySnapshot, SnapshotRecorder } from './recorder.js';
import type { CwndPoint, InFlightView, Session, Snapshot } from './types.js';

/** Why a scenario could not be opened. */
export interface ScenarioError {
  error: 'unknown-scenario' | 'bad-seed';
  message: string;
}

export class ScenarioSession implements Session {
  readonly kind = 'scenario' as const;
  readonly title: string;
  readonly hosts: readonly TraceHost[];
  /** What the scenario's run found (what the application read, counters), for the explanation. */
  readonly facts: Record<string, unknown>;
  /** When the run ended (the time of its last event). */
  readonly endTime: number;
  private readonly all: TraceEvent[];
  private readonly shown: TraceEvent[] = [];
  private readonly packets: Array<Uint8Array | undefined> = [];
  /** Per segment event from an Ethernet segment: the frame it crossed in (the pcap is then Ethernet). */
  private readonly frames: Array<Uint8Array | undefined> = [];
  private readonly arrivals: Array<number | undefined> = [];
  private readonly recorder = new SnapshotRecorder();
  private clock = 0;
  /** "host conn" of every connection the trace speaks of: a flood's undrawn half-open connections get no panel. */
  private readonly traced = new Set<string>();

  /** Open a scenario by name; a clear error for an unknown name or a seed that is not a safe integer. */
  static open(name: string, seed: number, lang: Lang): ScenarioSession | ScenarioError {
    const s = findScenario(name);
    if (s === undefined) return { error: 'unknown-scenario', message: `no scenario named ${JSON.stringify(name)}; there are: ${SCENARIOS.map((x) => x.name).join(', ')}` };
    if (!Number.isSafeInteger(seed)) return { error: 'bad-seed', message: `a seed is an integer, got ${String(seed)}` };
    return new ScenarioSession(s, seed, lang);
  }

  constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    readonly lang: Lang,
  ) {
    this.title = scenario.name;
    const labs: Array<{ lab: ScenarioLab; offset: number; events: number }> = [];
    const onLab = (lab: ScenarioLab): void => {
      const prev = labs[labs.length - 1];
      // A scenario in parts: each later part's clock starts PART_GAP_MS after the previous ended (scenarios.ts, combine).
      const offset = prev === undefined ? 0 : prev.offset + prev.lab.now + PART_GAP_MS;
      const events = prev === undefined ? 0 : prev.events + prev.lab.trace.recorded.length;
      labs.push({ lab, offset, events });
      const hosts = lab.net.hosts;
      lab.net.onStep = () => this.recorder.record(hosts, lab.net.now, offset, events + lab.trace.recorded.length);
    };
    const result = scenario.run({ seed, lang, pcap: true, arrivals: true, onLab });
    for (const { lab } of labs) lab.net.onStep = undefined;
    this.all = result.trace.events;
    this.hosts = result.trace.hosts;
    this.facts = result.facts;
    this.endTime = this.all.length > 0 ? this.all[this.all.length - 1].t : 0;
    for (const e of this.all) if ((e.kind === 'state' || e.kind === 'timer' || e.kind === 'cwnd') && e.conn) this.traced.add(`${e.host} ${e.conn}`);
    // Packets and arrivals by event index: each lab kept one packet per segment event, in order.
    for (const { lab, offset, events } of labs) {
      const kept = lab.trace.packets();
      let k = 0;
      const n = lab.trace.recorded.length;
      for (let j = 0; j < n; j++) {
        if (this.all[events + j]?.kind !== 'segment') continue;
        const frame = kept[k]?.frame;
        if (frame !== undefined) this.frames[events + j] = frame;
        this.packets[events + j] = kept[k++]?.data;
        const a = lab.trace.arrival(j);
        if (a !== undefined) this.arrivals[events + j] = round(a + offset);
      }
    }
  }

  get now(): number {
    return this.clock;
  }

  get events(): readonly TraceEvent[] {
    return this.shown;
  }

  get finished(): boolean {
    return this.shown.length === this.all.length;
  }

  /** How many snapshots the recording kept (each one a change). */
  get snapshotCount(): number {
    return this.recorder.size;
  }

  snapshot(): Snapshot {
    const s = this.recorder.at(this.clock, this.shown.length) ?? emptySnapshot(this.clock);
    return { ...s, t: this.clock, tcbs: s.tcbs.filter((v) => this.traced.has(`${v.host} ${v.conn}`)), inFlight: this.inFlight() };
  }

  /** Segments shown, sent and not yet arrived (ids are their event indices). */
  private inFlight(): InFlightView[] {
    const out: InFlightView[] = [];
    for (let i = this.shown.length - 1; i >= 0; i--) {
      const e = this.shown[i];
      if (e.kind !== 'segment' || e.dropped) continue;
      const at = this.arrivals[i];
      if (at === undefined || at <= this.clock) continue;
      out.push({ id: i, event: i, from: e.from, to: e.to, sentAt: e.t, arrivesAt: at });
    }
    return out.reverse();
  }

  cwndSeries(): Map<string, CwndPoint[]> {
    const all = this.recorder.cwndSeries(this.clock);
    for (const key of all.keys()) if (!this.traced.has(key)) all.delete(key);
    return all;
  }

  packet(index: number): Uint8Array | undefined {
    return index < this.shown.length ? this.packets[index] : undefined;
  }

  arrival(index: number): number | undefined {
    return index < this.shown.length ? this.arrivals[index] : undefined;
  }

  nextEventTime(): number | undefined {
    return this.all[this.shown.length]?.t;
  }

  advanceTo(t: number): void {
    if (!(t >= this.clock)) return; // never back; NaN is no time
    this.clock = t;
    while (this.shown.length < this.all.length && this.all[this.shown.length].t <= t) this.shown.push(this.all[this.shown.length]);
  }

  step(): void {
    const t = this.nextEventTime();
    if (t !== undefined) this.advanceTo(t);
  }

  /** Play the whole run at once. */
  toEnd(): void {
    this.advanceTo(Math.max(this.clock, this.endTime));
  }

  pcap(): Uint8Array {
    const out: Array<{ data: Uint8Array; timeMs: number }> = [];
    if (this.frames.length > 0) {
      // A broadcast drawn to several hosts is one frame: in the file once.
      let last: Uint8Array | undefined;
      for (let i = 0; i < this.shown.length; i++) {
        const f = this.frames[i];
        if (f !== undefined && f !== last) out.push({ data: f, timeMs: this.shown[i].t });
        last = f;
      }
      return encodePcap(out, LinkType.ETHERNET);
    }
    for (let i = 0; i < this.shown.length; i++) {
      const p = this.packets[i];
      if (p !== undefined) out.push({ data: p, timeMs: this.shown[i].t });
    }
    return encodePcap(out);
  }

  trace(): Trace {
    return { hosts: this.hosts.map((h) => ({ ...h })), events: this.shown.map((e) => ({ ...e })) };
  }
}

function round(t: number): number {
  return Math.round(t * 1000) / 1000;
}
