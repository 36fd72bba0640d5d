/**
 * The explorer page: reads the URL, opens a session (a demo scenario, the sandbox, a capture), and
 * draws it as virtual time advances: the ladder, each host's state diagram, the TCBs, the cwnd
 * plot, the counters and the explanation. Play, pause, step, speed and the keyboard drive the clock.
 */
import { SCENARIOS, type SegmentEvent } from '../browser/index.js';
import {
  decodePageState,
  DEFAULT_LINK_SETTINGS,
  encodePageState,
  RecordedSession,
  SandboxSession,
  type Action,
  type ActionResult,
  type LinkSettings,
  type PageState,
  type Session,
  type TimedAction,
} from './model/index.js';
import { SandboxControls } from './ui/sandbox.js';
import { byId, h } from './ui/dom.js';
import { ExplanationView } from './ui/explain.js';
import { eventWords, formatMs, RelativeNumbering } from './ui/format.js';
import { parseLang, t, type Lang, type WordKey } from './ui/i18n.js';
import { InspectorView } from './ui/inspector.js';
import { LadderView } from './ui/ladder.js';
import { inFlight } from './ui/ladder-layout.js';
import { Player } from './ui/player.js';
import { PlotView } from './ui/plot.js';
import { captureSessions, recordedSessions, scenarioSession } from './ui/sessions.js';
import { StatesView } from './ui/states.js';
import { TcbPanels } from './ui/tcb.js';
import { CountersView } from './ui/counters.js';
import { bindCaptureInput, download } from './ui/files.js';
import { bindKeys } from './ui/keys.js';

/** What the page shows, as its URL says. */
type View = { view: 'scenario'; scenario: string; seed: number } | { view: 'sandbox'; seed: number; link: LinkSettings } | { view: 'capture'; title: string } | { view: 'home' };

/** Bounds on "to the end", so a session that never ends cannot hang the page. */
const MAX_STEPS = 200_000;
/** "To the end" in the sandbox runs until nothing is pending, for at most this much virtual time. */
const SANDBOX_HORIZON_MS = 15 * 60_000;

class Explorer {
  lang: Lang;
  view: View = { view: 'home' };
  session: Session | undefined;
  readonly player = new Player();
  private readonly ladder: LadderView;
  private readonly states: StatesView;
  private readonly tcbs: TcbPanels;
  private readonly plot: PlotView;
  private readonly counters: CountersView;
  private readonly explanation: ExplanationView;
  private readonly inspector: InspectorView;
  private readonly sandbox = new SandboxControls();
  private frame: number | undefined;
  private lastFrame = 0;
  private inspected: number | undefined;
  /** The round-trip demos recorded by the build (empty until loaded, or when not recorded). */
  private recorded: RecordedSession[] = [];

  constructor() {
    const page = decodePageState(location.search);
    this.lang = 'error' in page ? parseLang(new URLSearchParams(location.search).get('lang')) : page.lang;
    this.ladder = new LadderView(byId('ladder'), { inspect: (i) => this.inspect(i), dropInFlight: (i) => this.dropInFlight(i) });
    this.states = new StatesView(byId('states'));
    this.tcbs = new TcbPanels(byId('tcbs'), this.lang);
    this.plot = new PlotView(byId('plot'), this.lang);
    this.counters = new CountersView(byId('counters'), this.lang);
    this.explanation = new ExplanationView(byId('explanation'));
    this.inspector = new InspectorView(byId('inspector'), () => this.closeInspector());
    this.buildScenarioList();
    this.bindControls();
    this.applyLang();
    void this.start(page);
  }

  private async start(page: PageState | { error: string }): Promise<void> {
    const rec = await recordedSessions();
    this.recorded = rec.sessions;
    this.buildScenarioList();
    this.route(page);
    document.documentElement.dataset.ready = 'true';
  }

  // ---- opening sessions -------------------------------------------------------------------

  private route(st: PageState | { error: string }): void {
    if ('error' in st) {
      this.openHome();
      this.status(`${t('urlSkipped', this.lang)}: ${st.error}`);
      return;
    }
    if (st.view === 'sandbox') {
      // How far the shared run had gone (t=, beside the model's state): play to there. Read before
      // opening, which writes the address bar.
      const until = Number(new URLSearchParams(location.search).get('t'));
      this.openSandbox(st.seed, st.link, st.actions);
      if (until > 0 && Number.isFinite(until)) {
        this.session?.advanceTo(until);
        this.draw();
        this.syncUrl();
      }
      if (st.runToEnd) this.toEnd();
    } else if (st.view === 'scenario') {
      this.openScenario(st.scenario, st.seed);
      if (st.runToEnd) {
        this.toEnd();
        // Played at once: the learner reads it from the top.
        byId('ladder').scrollTop = 0;
      }
    } else {
      this.openHome();
    }
  }

  private openHome(): void {
    this.view = { view: 'home' };
    this.openScenario(SCENARIOS[0]!.name, 1, true);
  }

  openScenario(name: string, seed: number, home = false): void {
    const recorded = this.recorded.find((r) => r.demo.name === name);
    if (recorded) return this.openRecorded(recorded);
    const session = scenarioSession(name, seed, this.lang);
    if ('error' in session) {
      // An unknown name (or a bad seed): the home page, with what was wrong.
      this.openHome();
      this.explanation.show({ title: `${t('unknownScenario', this.lang)}: ${name}`, summary: session.error }, this.lang);
      return;
    }
    this.view = { view: 'scenario', scenario: name, seed };
    (byId<HTMLInputElement>('seed')).value = String(seed);
    this.setSession(session);
    const sc = SCENARIOS.find((s) => s.name === name)!;
    this.explanation.show({ title: name, summary: sc.summary[this.lang], notice: sc.notice[this.lang] }, this.lang);
    if (home) {
      this.view = { view: 'home' };
      document.body.dataset.view = 'home';
      this.explanation.show({ title: t('title', this.lang), summary: t('home', this.lang) }, this.lang);
    }
    this.markScenario(name);
    if (!home) this.syncUrl();
    this.draw();
  }

  /** A round-trip demo recorded by the build: drawn whole, and it says so. */
  private openRecorded(r: RecordedSession): void {
    this.view = { view: 'scenario', scenario: r.demo.name, seed: 1 };
    this.setSession(r);
    const d = r.demo;
    this.explanation.show({ title: d.name, summary: `${d.summary} (RTT ${d.rttMs} ms: ${d.roundTrips} round trips, first byte at ${d.firstByteMs} ms)`, notice: r.note[this.lang] }, this.lang);
    byId<HTMLInputElement>('seed').disabled = true;
    byId<HTMLButtonElement>('run-again').disabled = true;
    this.markScenario(d.name);
    this.syncUrl();
    this.draw();
  }

  /** The sandbox, replaying the actions a URL holds (each at its time). */
  openSandbox(seed: number, link: LinkSettings, actions: readonly TimedAction[]): void {
    let session: SandboxSession;
    let refused: string[] = [];
    try {
      const r = SandboxSession.replay(seed, link, actions, this.lang);
      session = r.session;
      refused = r.refused.map((x) => `#${x.index + 1}: ${x.result.ok ? '' : x.result.text[this.lang]}`);
    } catch (err) {
      session = new SandboxSession(seed, DEFAULT_LINK_SETTINGS, this.lang);
      refused = [String((err as Error).message)];
    }
    this.view = { view: 'sandbox', seed, link: { ...link } };
    byId<HTMLInputElement>('seed').value = String(seed);
    this.setSession(session);
    this.sandbox.attach({ act: (a) => this.act(a), lang: this.lang }, session.link);
    this.explanation.show({ title: t('sandbox', this.lang), summary: t('sandboxIntro', this.lang) }, this.lang);
    if (refused.length) byId('refusal').textContent = `${t('refused', this.lang)}: ${refused.join('; ')}`;
    this.markScenario(undefined);
    this.syncUrl();
    this.draw();
  }

  /** A learner's action in the sandbox, at the session's now. */
  private act(a: Action): ActionResult {
    const s = this.session;
    if (!(s instanceof SandboxSession)) return { ok: false, reason: 'not-sandbox', text: { en: 'not in the sandbox', ko: '샌드박스가 아니다' } };
    const r = s.act(a);
    if (r.ok) {
      this.syncUrl();
      this.draw();
    }
    return r;
  }

  /** Clicking a segment on the wire in the sandbox drops it. */
  private dropInFlight(index: number): boolean {
    const s = this.session;
    if (!(s instanceof SandboxSession)) return false;
    const p = s.snapshot().inFlight.find((x) => x.event === index);
    if (!p) return false;
    return this.act({ do: 'drop-in-flight', id: p.id }).ok;
  }

  openCapture(fileName: string, bytes: Uint8Array): void {
    const r = captureSessions(fileName, bytes);
    const picker = byId('capture-picker');
    if (!r.ok) {
      this.status(`${t('captureError', this.lang)}: ${r.reason}`);
      return;
    }
    if (!r.sessions.length) {
      this.status(t('captureNone', this.lang));
      return;
    }
    const open = (i: number): void => {
      const session = r.sessions[i]!;
      this.view = { view: 'capture', title: session.title };
      this.setSession(session);
      this.explanation.show({ title: `${t('captureTitle', this.lang)}: ${fileName}`, summary: session.title }, this.lang);
      this.markScenario(undefined);
      history.replaceState(null, '', location.pathname);
      this.toEnd();
      for (const b of picker.querySelectorAll('button')) b.setAttribute('aria-pressed', String(Number(b.dataset.conn) === i));
    };
    picker.hidden = r.sessions.length < 2;
    picker.replaceChildren(...(r.sessions.length > 1
      ? [h('span', {}, `${t('connection', this.lang)}:`), ...r.sessions.map((s, i) => {
          const b = h('button', { type: 'button', 'data-conn': i, 'aria-pressed': 'false' }, s.title.replace(/^.*?: /, ''));
          b.addEventListener('click', () => open(i));
          return b;
        })]
      : []));
    open(0);
  }

  private setSession(session: Session | undefined): void {
    this.pause();
    this.player.reset();
    this.session = session;
    this.closeInspector();
    if (!(session instanceof SandboxSession)) this.sandbox.attach(undefined);
    const hosts = session?.hosts ?? [];
    if (session) this.ladder.reset(session);
    this.states.reset(hosts, this.lang);
    this.tcbs.reset(this.lang);
    this.plot.reset(this.lang);
    this.counters.reset(this.lang);
    const kind = session?.kind ?? 'scenario';
    byId('ladder-hint').textContent = t('ladderHelp', this.lang) + (kind === 'sandbox' ? ` ${t('ladderHelpSandbox', this.lang)}` : '');
    document.body.dataset.view = this.view.view;
    document.body.dataset.kind = kind;
    byId('capture-note').textContent = kind === 'recorded' ? t('recordedNote', this.lang) : kind === 'capture' ? t('captureNote', this.lang) : '';
    const seeded = this.view.view === 'scenario' || this.view.view === 'sandbox';
    byId<HTMLInputElement>('seed').disabled = !seeded;
    byId<HTMLButtonElement>('run-again').disabled = !seeded;
  }

  // ---- drawing ----------------------------------------------------------------------------

  draw(): void {
    const s = this.session;
    if (!s) return;
    this.ladder.update();
    const events = s.events;
    this.states.update(events);
    this.explanation.update(events);
    const snap = s.snapshot();
    this.tcbs.update(snap, events);
    this.plot.update(s.cwndSeries(), s.now);
    this.counters.update(snap.counters);
    if (s instanceof SandboxSession) this.sandbox.update(s.status());
    document.body.dataset.now = String(s.now);
    byId<HTMLOutputElement>('now').value = formatMs(s.now);
    const done = s.finished;
    byId<HTMLButtonElement>('play').disabled = done || this.player.playing;
    byId<HTMLButtonElement>('pause').disabled = !this.player.playing;
    byId<HTMLButtonElement>('step').disabled = done;
    byId<HTMLButtonElement>('to-end').disabled = done;
    document.body.dataset.finished = String(done);
  }

  /** Keep the newest arrow in view while playing, unless the learner scrolled away. */
  private follow(): void {
    const box = byId('ladder');
    if (box.scrollHeight - box.scrollTop - box.clientHeight < 120) box.scrollTop = box.scrollHeight;
  }

  // ---- the clock --------------------------------------------------------------------------

  play(): void {
    if (!this.session || this.session.finished || this.player.playing) return;
    this.player.playing = true;
    this.lastFrame = performance.now();
    this.frame = requestAnimationFrame((ts) => this.tick(ts));
    this.draw();
  }

  pause(): void {
    const was = this.player.playing;
    this.player.playing = false;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    if (this.session) this.draw();
    if (was && this.view.view === 'sandbox') this.syncUrl();
  }

  private tick(ts: number): void {
    const s = this.session;
    if (!s || !this.player.playing) return;
    const real = Math.min(100, ts - this.lastFrame);
    this.lastFrame = ts;
    const to = this.player.advance(s.now, real, s.nextEventTime(), this.busy());
    s.advanceTo(to);
    this.draw();
    this.follow();
    if (s.finished && !this.busy()) {
      this.pause();
      this.syncUrl();
      return;
    }
    this.frame = requestAnimationFrame((t2) => this.tick(t2));
  }

  /** A segment is on the wire now. */
  private busy(): boolean {
    const s = this.session!;
    const ev = s.events;
    for (let i = ev.length - 1, seen = 0; i >= 0 && seen < 64; i--) {
      const e = ev[i]!;
      if (e.kind !== 'segment') continue;
      seen++;
      if (inFlight(s.now, e.t, s.arrival(i))) return true;
    }
    return false;
  }

  step(): void {
    const s = this.session;
    if (!s || s.finished) return;
    this.pause();
    s.step();
    this.draw();
    this.follow();
    if (this.view.view === 'sandbox') this.syncUrl();
  }

  toEnd(): void {
    const s = this.session;
    if (!s) return;
    this.pause();
    const horizon = s.now + SANDBOX_HORIZON_MS;
    for (let i = 0; i < MAX_STEPS && !s.finished; i++) {
      const next = s.nextEventTime();
      if (next === undefined || (s.kind === 'sandbox' && next > horizon)) break;
      s.step();
    }
    // Let the last arrows land.
    let last = s.now;
    s.events.forEach((e, i) => {
      if (e.kind === 'segment') last = Math.max(last, s.arrival(i) ?? e.t);
    });
    s.advanceTo(last);
    this.draw();
    this.follow();
    if (this.view.view === 'sandbox') this.syncUrl();
  }

  // ---- the inspector ----------------------------------------------------------------------

  inspect(index: number): void {
    const s = this.session;
    const e = s?.events[index];
    if (!s || !e || e.kind !== 'segment') return;
    const rel = new RelativeNumbering();
    let r = { seq: 0, ack: 0 };
    for (let i = 0; i <= index; i++) {
      const x = s.events[i]!;
      if (x.kind === 'segment') r = rel.next(x);
    }
    this.inspected = index;
    this.inspector.setLang(this.lang);
    this.inspector.show(index, e as SegmentEvent, eventWords(e as SegmentEvent, r), s.packet(index));
    this.ladder.select(index);
    byId('inspector').querySelector<HTMLElement>('.close')?.focus();
  }

  closeInspector(): void {
    const was = this.inspected;
    this.inspector.clear();
    this.ladder.select(undefined);
    this.inspected = undefined;
    if (was !== undefined) this.ladder.focus(was);
  }

  // ---- URL, language, controls ------------------------------------------------------------

  pageUrl(): string {
    const v = this.view;
    const s = this.session;
    let q = '';
    if (v.view === 'scenario') q = encodePageState({ view: 'scenario', scenario: v.scenario, seed: v.seed, lang: this.lang, runToEnd: false });
    // The sandbox's link also says how far the run had gone (t=, full precision: a rounded time
    // could fall either side of an event), so that opening it draws the same ladder.
    else if (v.view === 'sandbox' && s instanceof SandboxSession) q = `${encodePageState({ view: 'sandbox', seed: v.seed, lang: this.lang, link: v.link, actions: s.actions, runToEnd: false })}${s.now > 0 ? `&t=${s.now}` : ''}`;
    else q = encodePageState({ view: 'home', lang: this.lang });
    return `${location.pathname}${q === '?' ? '' : q}`;
  }

  syncUrl(): void {
    if (this.view.view === 'capture') return;
    history.replaceState(null, '', this.pageUrl());
  }

  private status(text: string): void {
    const el = byId('share-status');
    el.textContent = text;
  }

  setLang(lang: Lang): void {
    if (lang === this.lang) return;
    this.lang = lang;
    this.applyLang();
    // A scenario's notes are written by its run, in its language: run it again and return to now.
    const now = this.session?.now ?? 0;
    if (this.view.view === 'scenario') {
      this.openScenario(this.view.scenario, this.view.seed);
      this.session?.advanceTo(now);
      this.draw();
    } else if (this.view.view === 'home') {
      this.openHome();
    } else if (this.view.view === 'sandbox' && this.session instanceof SandboxSession) {
      this.openSandbox(this.view.seed, this.view.link, this.session.actions);
      this.session?.advanceTo(now);
      this.draw();
    }
    this.syncUrl();
  }

  private applyLang(): void {
    document.documentElement.lang = this.lang;
    for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as WordKey, this.lang);
    for (const b of document.querySelectorAll<HTMLButtonElement>('#lang [data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === this.lang));
    document.title = t('title', this.lang);
  }

  private buildScenarioList(): void {
    const item = (name: string, title: string): HTMLElement => {
      const a = h('a', { href: `?scenario=${encodeURIComponent(name)}`, 'data-scenario': name, title }, name);
      a.addEventListener('click', (ev) => {
        if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
        ev.preventDefault();
        this.openScenario(name, Number(byId<HTMLInputElement>('seed').value) || 1);
      });
      return h('li', {}, a);
    };
    const items = SCENARIOS.map((sc) => item(sc.name, sc.summary[this.lang]));
    if (this.recorded.length) {
      items.push(h('li', { class: 'group-title', 'data-i18n': 'roundTrips' }, t('roundTrips', this.lang)));
      for (const r of this.recorded) items.push(item(r.demo.name, r.demo.summary));
    }
    byId('scenarios').replaceChildren(...items);
  }

  private markScenario(name: string | undefined): void {
    for (const a of document.querySelectorAll<HTMLAnchorElement>('#scenarios a')) {
      if (a.dataset.scenario === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
      const sc = SCENARIOS.find((x) => x.name === a.dataset.scenario);
      if (sc) a.title = sc.summary[this.lang];
    }
  }

  private bindControls(): void {
    const click = (id: string, f: () => void): void => byId(id).addEventListener('click', f);
    click('play', () => this.play());
    click('pause', () => this.pause());
    click('step', () => this.step());
    click('to-end', () => this.toEnd());
    byId<HTMLSelectElement>('speed').addEventListener('change', (ev) => {
      this.player.speed = Number((ev.target as HTMLSelectElement).value);
      this.player.reset();
    });
    click('run-again', () => {
      const seed = Math.max(0, Math.floor(Number(byId<HTMLInputElement>('seed').value) || 0));
      if (this.view.view === 'scenario') this.openScenario(this.view.scenario, seed);
      else if (this.view.view === 'home') this.openScenario(SCENARIOS[0]!.name, seed);
      else if (this.view.view === 'sandbox' && this.session instanceof SandboxSession) this.openSandbox(seed, this.view.link, this.session.actions);
    });
    byId('open-sandbox').addEventListener('click', (ev) => {
      if (ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
      ev.preventDefault();
      this.openSandbox(Number(byId<HTMLInputElement>('seed').value) || 1, DEFAULT_LINK_SETTINGS, []);
    });
    click('share', () => this.share());
    click('pcap-download', () => this.downloadPcap());
    for (const b of document.querySelectorAll<HTMLButtonElement>('#lang [data-lang]')) b.addEventListener('click', () => this.setLang(parseLang(b.dataset.lang)));
    bindCaptureInput((name, bytes) => this.openCapture(name, bytes));
    const help = byId('help');
    bindKeys({
      playPause: () => (this.player.playing ? this.pause() : this.play()),
      step: () => this.step(),
      toEnd: () => this.toEnd(),
      help: () => byId('help-button').click(),
      escape: () => {
        if (!help.hidden) byId('help-close').click();
        else if (this.inspected !== undefined) this.closeInspector();
        else return false;
        return true;
      },
    });
    click('help-button', () => {
      help.hidden = false;
      byId('help-close').focus();
    });
    click('help-close', () => {
      help.hidden = true;
      byId('help-button').focus();
    });
  }

  private share(): void {
    const url = new URL(this.pageUrl(), location.href).href;
    history.replaceState(null, '', url);
    const done = (copied: boolean): void => this.status(t(copied ? 'shareCopied' : 'shareReady', this.lang));
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(url).then(() => done(true), () => done(false));
    else done(false);
  }

  private downloadPcap(): void {
    const s = this.session;
    if (!s) return;
    download(s.pcap(), `synack-${this.view.view === 'scenario' ? this.view.scenario : this.view.view}.pcap`, 'application/vnd.tcpdump.pcap');
  }
}

new Explorer();
