/**
 * The sandbox: a live simulated network the learner drives (a client and a server on one link, an
 * attacker linked to the server, as the demo scenarios' Lab builds them). Each action is applied at
 * the session's virtual time (rounded up to the next whole millisecond, so that a URL can hold it
 * exactly) and kept as a TimedAction; replaying the same seed, link settings and actions gives the
 * same events, byte for byte. Time moves only when the page asks (advanceTo, step): the simulator
 * runs step by step, and between steps the hosts' applications do what the learner set them to do
 * (the server reads, or stops reading; the client writes what it was asked to send as room appears).
 */
import {
  decodeTcpPacket,
  endpointText,
  ipToString,
  Lab,
  RetransmissionMarker,
  SeededRandom,
  seqDiff,
  spoofedSyn,
  TcpFlag,
  type Connection,
  type LinkProfile,
  type Listener,
  type SimLink,
  type SynCookieMode,
  type TcbView,
  type Lang,
  type Text,
  type Trace,
  type TraceEvent,
  type TraceHost,
} from '../../browser/index.js';
import { checkLinkSettings, DEFAULT_LINK_SETTINGS, LIMITS } from './limits.js';
import { emptySnapshot, SnapshotRecorder } from './recorder.js';
import type { Action, ActionResult, CwndPoint, InFlightView, LinkSettings, Session, Snapshot, TimedAction } from './types.js';

const CLIENT = '198.18.0.1';
const SERVER = '198.18.0.2';
const PORT = 80;
/** The flood's first SYNs drawn on the ladder; the rest are counted, not drawn (as the syn-flood scenario does). */
const FLOOD_DRAWN = 3;

export interface SandboxStatus {
  /** The client connection's state; undefined before connect and once closed. */
  client: string | undefined;
  listening: boolean;
  backlog: number | undefined;
  /** Connections waiting in the accept queue. */
  acceptable: number;
  /** Accepted connections not yet closed. */
  accepted: number;
  reading: boolean;
  /** Bytes the client's application still has to write. */
  toSend: number;
  dropNext: Record<'client>server' | 'server>client', number>;
  linkUp: boolean;
  synCookies: string;
}

function refuse(reason: string, en: string, ko: string): ActionResult {
  return { ok: false, reason, text: { en, ko } };
}

/** The simulator's profile for the sliders' settings (rate 0: no bottleneck). */
export function linkProfile(s: LinkSettings): Partial<LinkProfile> {
  return {
    delayMs: s.delayMs,
    jitterMs: s.jitterMs,
    loss: s.loss,
    rateBps: s.rateBps === 0 ? Infinity : s.rateBps,
    queueBytes: s.queueBytes,
    mtu: s.mtu,
    reorder: s.reorder,
    duplicate: s.duplicate,
  };
}

export class SandboxSession implements Session {
  readonly kind = 'sandbox' as const;
  readonly title = 'sandbox';
  readonly lab: Lab;
  /** The actions taken, each at its time (what a URL holds). */
  readonly actions: TimedAction[] = [];
  readonly link: LinkSettings;
  private readonly recorder = new SnapshotRecorder();
  private readonly marker = new RetransmissionMarker();
  private marked = 0;
  /** Spoofed sources of the flood's undrawn SYNs ("addr:port"): their segments and connections are not traced. */
  private readonly hidden = new Set<string>();
  /** For the attacker's guesses and the flood's sources: its own stream, so the network's draws are the same with or without an attack. */
  private readonly guess: SeededRandom;
  private client: Connection | undefined;
  private listener: Listener | undefined;
  private readonly accepted: Connection[] = [];
  private reading = true;
  /** Bytes the client's application still has to write (it writes as the send buffer takes them). */
  private toSend = 0;
  private sentBytes = 0;
  private readonly dropNext = [0, 0];
  /** Per event index, its packet's index among those kept (one per segment event, in order). */
  private readonly packetOf: Array<number | undefined> = [];
  private segments = 0;

  constructor(
    readonly seed: number,
    link: LinkSettings = DEFAULT_LINK_SETTINGS,
    /** The language of the notes the session writes into its trace (what each action did). */
    readonly lang: Lang = 'en',
  ) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`SandboxSession: seed must be an integer, got ${String(seed)}`);
    const bad = checkLinkSettings(link);
    if (bad !== undefined) throw new RangeError(`SandboxSession: ${bad}`);
    this.link = { ...link };
    this.guess = new SeededRandom(seed, 98);
    this.lab = new Lab({
      seed,
      lang,
      keepPackets: true,
      arrivals: true,
      attacker: true,
      link: linkProfile(this.link),
      initial: { client: 'CLOSED', server: 'CLOSED' },
      watch: (src, dst) => !this.hidden.has(src) && !this.hidden.has(dst),
    });
    const l = this.lab.link;
    l.filter = (_p, _t, from) => {
      const dir = from === l.a ? 0 : 1;
      if (this.dropNext[dir] === 0) return undefined;
      this.dropNext[dir]--;
      return 'drop';
    };
    const net = this.lab.net;
    net.onStep = () => this.record();
    this.record();
  }

  /** What the applications and the network are set to do now (for the page's buttons). */
  status(): SandboxStatus {
    const c = this.clientOpen();
    const l = this.listener && !this.listener.closed ? this.listener : undefined;
    return {
      client: c?.state,
      listening: l !== undefined,
      backlog: l?.backlog,
      acceptable: l?.acceptQueue.length ?? 0,
      accepted: this.accepted.filter((x) => x.state !== 'CLOSED').length,
      reading: this.reading,
      toSend: this.toSend,
      dropNext: { 'client>server': this.dropNext[0], 'server>client': this.dropNext[1] },
      linkUp: this.lab.link.up,
      synCookies: this.lab.server.stack.synCookies,
    };
  }

  /** A session that applies each action at its time: the same inputs give the same run. */
  static replay(seed: number, link: LinkSettings, actions: readonly TimedAction[], lang: Lang = 'en'): { session: SandboxSession; refused: Array<{ index: number; result: ActionResult }> } {
    const session = new SandboxSession(seed, link, lang);
    const refused: Array<{ index: number; result: ActionResult }> = [];
    actions.forEach((a, index) => {
      session.advanceTo(a.t);
      const result = session.act(a.action);
      if (!result.ok) refused.push({ index, result });
    });
    return { session, refused };
  }

  get hosts(): readonly TraceHost[] {
    return this.lab.trace.traceHosts;
  }

  get now(): number {
    return this.lab.net.now;
  }

  get events(): readonly TraceEvent[] {
    this.markNew();
    return this.lab.trace.recorded;
  }

  readonly finished = false;

  private markNew(): void {
    const rec = this.lab.trace.recorded;
    for (; this.marked < rec.length; this.marked++) {
      const e = rec[this.marked];
      this.marker.mark(e);
      if (e.kind === 'segment') this.packetOf[this.marked] = this.segments++;
    }
  }

  private record(): void {
    const net = this.lab.net;
    this.recorder.record(net.hosts, net.now, 0, this.lab.trace.recorded.length, (v) => this.shown(v));
  }

  private shown(v: TcbView): boolean {
    const remote = v.conn.slice(v.conn.indexOf('>') + 1);
    return !this.hidden.has(remote);
  }

  snapshot(): Snapshot {
    const s = this.recorder.at(this.now, Infinity) ?? emptySnapshot(this.now);
    return { ...s, t: this.now, inFlight: this.inFlight() };
  }

  private inFlight(): InFlightView[] {
    const out: InFlightView[] = [];
    for (const l of [this.lab.link, this.lab.attackLink!]) {
      for (const p of l.inFlightPackets()) {
        const event = this.lab.trace.deliveryIndex(p.id);
        if (event === undefined) continue;
        out.push({ id: p.id, event, from: p.from.name, to: p.to.name, sentAt: p.sentAt, arrivesAt: p.arrivesAt });
      }
    }
    return out.sort((a, b) => a.sentAt - b.sentAt || a.id - b.id);
  }

  cwndSeries(): Map<string, CwndPoint[]> {
    return this.recorder.cwndSeries(this.now);
  }

  packet(index: number): Uint8Array | undefined {
    this.markNew();
    const k = this.packetOf[index];
    return k === undefined ? undefined : this.lab.trace.packets()[k]?.data;
  }

  arrival(index: number): number | undefined {
    return this.lab.trace.arrival(index);
  }

  nextEventTime(): number | undefined {
    return this.lab.net.nextEventTime();
  }

  /**
   * Run the network to virtual time t (never back): every event due by then, each at its own time,
   * with the applications acting between steps; then the clock stands at t, even if nothing happened.
   */
  advanceTo(t: number): void {
    const net = this.lab.net;
    if (!(t >= net.now) || !Number.isFinite(t)) return;
    for (let steps = 0; ; steps++) {
      const next = net.nextEventTime();
      if (next === undefined || next > t) break;
      // A bound on any one advance: the clock stays where the work stopped, and the next advance goes on.
      if (steps === LIMITS.stepsPerAdvance) return this.record();
      net.step({ untilMs: t });
      this.applications();
    }
    net.advanceTo(t);
    this.record();
  }

  step(): void {
    const t = this.nextEventTime();
    if (t !== undefined) this.advanceTo(t);
  }

  pcap(): Uint8Array {
    return this.lab.trace.pcap();
  }

  trace(): Trace {
    return this.lab.trace.trace();
  }

  /** What the applications do between steps: the client reads and writes what is left to send; the server reads if told to. */
  private applications(): void {
    const now = this.now;
    const c = this.client;
    if (c !== undefined) {
      if (this.toSend > 0 && (c.state === 'ESTABLISHED' || c.state === 'CLOSE-WAIT')) this.write(c, now);
      this.lab.read(this.lab.client, c);
    }
    if (this.reading) for (const s of this.accepted) if (s.state !== 'CLOSED') this.lab.read(this.lab.server, s);
  }

  private write(c: Connection, now: number): void {
    const chunk = new Uint8Array(Math.min(this.toSend, 65536));
    for (let i = 0; i < chunk.length; i++) chunk[i] = (this.sentBytes + i) & 0xff;
    let n = 0;
    try {
      n = c.send(chunk, now);
    } catch {
      this.toSend = 0;
      return;
    }
    this.toSend -= n;
    this.sentBytes += n;
    if (n > 0) this.lab.client.kick();
  }

  /**
   * Apply one action now (at the next whole millisecond). A refused action changes nothing and is
   * not kept; its reason comes back in English and Korean.
   */
  act(action: Action): ActionResult {
    const check = this.check(action);
    if (check !== undefined) return check;
    const t = Math.ceil(this.now);
    if (t > LIMITS.actionTimeMs) return refuse('too-late', `actions stop at ${LIMITS.actionTimeMs} ms of virtual time`, `동작은 가상 시간 ${LIMITS.actionTimeMs} ms까지만 가능하다`);
    if (this.actions.length >= LIMITS.actions) return refuse('too-many', `a run holds at most ${LIMITS.actions} actions`, `한 실행에는 동작이 최대 ${LIMITS.actions}개까지다`);
    this.advanceTo(t);
    const r = this.apply(action);
    if (r.ok) {
      const said = saying(action);
      if (said !== undefined) this.lab.say(said.text, said.host);
      this.actions.push({ t, action: structuredCloneAction(action) });
      this.applications();
      this.record();
    }
    return r;
  }

  /** An action's values in their ranges (a URL's or a click's). */
  private check(a: Action): ActionResult | undefined {
    const intIn = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
    switch (a.do) {
      case 'send':
        return intIn(a.bytes, 1, LIMITS.sendBytes) ? undefined : refuse('bad-value', `send 1 to ${LIMITS.sendBytes} bytes`, `1에서 ${LIMITS.sendBytes} 바이트까지 보낼 수 있다`);
      case 'listen':
        return intIn(a.backlog, 0, LIMITS.backlog) ? undefined : refuse('bad-value', `the backlog is 0 to ${LIMITS.backlog}`, `backlog는 0에서 ${LIMITS.backlog}까지다`);
      case 'partition':
        return intIn(a.ms, 1, LIMITS.partitionMs) ? undefined : refuse('bad-value', `a partition lasts 1 to ${LIMITS.partitionMs} ms`, `단절은 1에서 ${LIMITS.partitionMs} ms까지다`);
      case 'flood':
        if (!intIn(a.count, 1, LIMITS.floodCount)) return refuse('bad-value', `a flood is 1 to ${LIMITS.floodCount} SYNs`, `SYN flood는 1에서 ${LIMITS.floodCount}개까지다`);
        return a.cookies === 'off' || a.cookies === 'overflow' || a.cookies === 'always' ? undefined : refuse('bad-value', 'SYN cookies: off, overflow or always', 'SYN 쿠키: off, overflow, always 중 하나');
      case 'link': {
        const bad = checkLinkSettings(a.settings ?? {});
        return bad === undefined ? undefined : refuse('bad-value', bad, `링크 설정 오류: ${bad}`);
      }
      case 'drop-in-flight':
        return intIn(a.id, 1, Number.MAX_SAFE_INTEGER) ? undefined : refuse('not-in-flight', 'no such packet on the link', '링크에 그런 패킷이 없다');
      case 'drop-next':
        return a.dir === 'client>server' || a.dir === 'server>client' ? undefined : refuse('bad-value', 'a direction is client>server or server>client', '방향은 client>server 또는 server>client');
      case 'close':
        return a.side === 'client' || a.side === 'server' ? undefined : refuse('bad-value', 'close the client or the server', '클라이언트 또는 서버를 닫는다');
      case 'read':
      case 'spoof-rst':
      case 'spoof-syn':
      case 'spoof-data':
      case 'connect':
      case 'shutdown':
      case 'abort':
      case 'accept':
        return undefined;
      default:
        return refuse('unknown-action', `unknown action ${JSON.stringify((a as { do?: unknown }).do)}`, `알 수 없는 동작 ${JSON.stringify((a as { do?: unknown }).do)}`);
    }
  }

  private clientOpen(): Connection | undefined {
    const c = this.client;
    return c !== undefined && c.state !== 'CLOSED' ? c : undefined;
  }

  private apply(a: Action): ActionResult {
    const lab = this.lab;
    const now = this.now;
    switch (a.do) {
      case 'connect': {
        if (this.clientOpen()) return refuse('already-connected', 'the client has a connection already', '클라이언트에 이미 연결이 있다');
        this.client = lab.connect(PORT);
        this.toSend = 0;
        this.sentBytes = 0;
        return { ok: true };
      }
      case 'send': {
        const c = this.clientOpen();
        if (!c) return refuse('not-connected', 'the client has no connection: connect first', '클라이언트에 연결이 없다: 먼저 connect');
        if (!(c.state === 'ESTABLISHED' || c.state === 'CLOSE-WAIT' || c.state === 'SYN-SENT')) return refuse('cannot-send', `the client cannot send in ${c.state}`, `클라이언트는 ${c.state} 상태에서 보낼 수 없다`);
        this.toSend += a.bytes;
        if (c.state !== 'SYN-SENT') this.write(c, now);
        return { ok: true };
      }
      case 'shutdown': {
        const c = this.clientOpen();
        if (!c) return refuse('not-connected', 'the client has no connection', '클라이언트에 연결이 없다');
        lab.shutdown(lab.client, c);
        return { ok: true };
      }
      case 'close': {
        if (a.side === 'client') {
          const c = this.clientOpen();
          if (!c) return refuse('not-connected', 'the client has no connection', '클라이언트에 연결이 없다');
          lab.close(lab.client, c);
          return { ok: true };
        }
        const s = [...this.accepted].reverse().find((x) => x.state !== 'CLOSED');
        if (s) {
          lab.close(lab.server, s);
          return { ok: true };
        }
        if (this.listener && !this.listener.closed) {
          lab.server.stack.closeListener(this.listener, now);
          lab.server.kick();
          this.listener = undefined;
          return { ok: true };
        }
        return refuse('nothing-to-close', 'the server has no connection and does not listen', '서버에 연결도 리스너도 없다');
      }
      case 'abort': {
        const c = this.clientOpen();
        if (!c) return refuse('not-connected', 'the client has no connection', '클라이언트에 연결이 없다');
        c.abort(now);
        lab.client.kick();
        return { ok: true };
      }
      case 'listen': {
        if (this.listener && !this.listener.closed) return refuse('already-listening', 'the server listens already', '서버가 이미 listen 중이다');
        this.listener = lab.listen(PORT, a.backlog);
        return { ok: true };
      }
      case 'accept': {
        const l = this.listener;
        if (!l || l.closed) return refuse('not-listening', 'the server does not listen: listen first', '서버가 listen하지 않는다: 먼저 listen');
        const s = l.accept();
        if (!s) return refuse('nothing-to-accept', 'no connection waits in the accept queue', 'accept 큐에 기다리는 연결이 없다');
        this.accepted.push(s);
        return { ok: true };
      }
      case 'read':
        this.reading = a.on;
        return { ok: true };
      case 'drop-next':
        this.dropNext[a.dir === 'client>server' ? 0 : 1]++;
        return { ok: true };
      case 'drop-in-flight': {
        for (const l of [lab.link, lab.attackLink!]) if (l.cancel(a.id)) return { ok: true };
        return refuse('not-in-flight', 'that packet is no longer on the link', '그 패킷은 이미 링크에 없다');
      }
      case 'partition':
        lab.linkDown(a.ms);
        return { ok: true };
      case 'link': {
        Object.assign(this.link, a.settings);
        const p = linkProfile(this.link);
        for (const profile of lab.link.profiles) Object.assign(profile, p);
        return { ok: true };
      }
      case 'spoof-rst':
      case 'spoof-syn':
      case 'spoof-data':
        return this.spoof(a.do, a.exact);
      case 'flood':
        return this.flood(a.count, a.cookies);
    }
  }

  /** The server's connection with the client's port: what a spoofed segment aims at. */
  private target(): Connection | undefined {
    const c = this.clientOpen() ?? this.client;
    if (c === undefined) return undefined;
    const port = c.local.port;
    for (const s of this.lab.server.stack.connections()) if (s.remote.port === port && ipToString(s.remote.address) === CLIENT) return s;
    return undefined;
  }

  /**
   * A segment from the attacker with the client's address and port. Exact: the numbers the server
   * expects (RCV.NXT, and SND.NXT as the ACK), as an attacker who could predict ISNs would have them:
   * an exact RST resets the connection (RFC 5961 §3.2), exact data is accepted. Guessed: a lucky
   * guess inside the receive window but not RCV.NXT, and an ACK the server never sent: the RST, the
   * SYN (RFC 5961 §4) and the data (§5) each draw a challenge ACK to the real client.
   */
  private spoof(kind: 'spoof-rst' | 'spoof-syn' | 'spoof-data', exact: boolean): ActionResult {
    const s = this.target();
    const c = this.client;
    if (!s || !c) return refuse('no-target', 'the server has no connection from the client to attack', '공격할 클라이언트-서버 연결이 없다');
    const tcb = s.tcb;
    const wnd = Math.max(2, seqDiff(tcb.rcvAdv, tcb.rcvNxt));
    const inWindow = (tcb.rcvNxt + 1 + this.guess.int(wnd - 1)) >>> 0;
    const seq = exact ? tcb.rcvNxt : inWindow;
    const how = exact ? 'exact' : 'guessed';
    const base = { src: CLIENT, dst: SERVER, srcPort: c.local.port, dstPort: PORT, window: 502 };
    if (kind === 'spoof-rst') this.lab.inject(this.lab.attacker!, { ...base, seq, flags: TcpFlag.RST }, `spoofed RST (${how})`);
    else if (kind === 'spoof-syn') this.lab.inject(this.lab.attacker!, { ...base, seq, flags: TcpFlag.SYN, options: { mss: 1460 } }, `spoofed SYN (${how})`);
    else {
      const ack = exact ? tcb.sndNxt : (tcb.sndNxt + 0x40000000 + this.guess.int(0x10000)) >>> 0;
      // With timestamps in use, a segment without one is dropped (RFC 7323 §3.2) and one older than
      // TS.Recent fails PAWS (§5): the attacker carries the client's latest TSval, so that only the
      // sequence and acknowledgment numbers decide, as this action is about.
      const options = tcb.timestamps ? { timestamp: { value: tcb.tsRecent, echo: 0 } } : {};
      this.lab.inject(this.lab.attacker!, { ...base, seq, ack, flags: TcpFlag.ACK | TcpFlag.PSH, options, payload: new TextEncoder().encode('spoofed data') }, `spoofed data (${how})`);
    }
    return { ok: true };
  }

  /** `count` SYNs from spoofed sources (RFC 4987), the first few drawn, with the server's SYN cookies set to `cookies`. */
  private flood(count: number, cookies: 'off' | 'overflow' | 'always'): ActionResult {
    const mode: SynCookieMode = cookies === 'overflow' ? 'on-overflow' : cookies;
    const lab = this.lab;
    lab.server.stack.setSynCookies(mode);
    // Said before the SYNs go (they are on the link at once).
    lab.say({ en: `the attacker floods ${count} SYNs; the server's SYN cookies: ${cookies}`, ko: `공격자가 SYN ${count}개를 보낸다; 서버의 SYN 쿠키: ${cookies}` }, 'attacker');
    const dst = 0xc6120002; // 198.18.0.2
    const link: SimLink = lab.attackLink!;
    for (let i = 0; i < count; i++) {
      const syn = spoofedSyn(this.guess, dst, PORT);
      if (i >= FLOOD_DRAWN) {
        const p = decodeTcpPacket(syn);
        if (p.ok) this.hidden.add(endpointText(ipToString(p.ip.src), p.tcp.srcPort));
      } else lab.trace.label('spoofed SYN (flood)');
      link.send(lab.attacker!, syn);
    }
    if (count > FLOOD_DRAWN) lab.say({ en: `${count - FLOOD_DRAWN} more spoofed SYNs, not drawn`, ko: `위조 SYN ${count - FLOOD_DRAWN}개 더 (그리지 않음)` }, 'attacker');
    return { ok: true };
  }
}

/**
 * The note an action leaves on the ladder (what the learner did), in both languages. Spoofed
 * segments carry labels instead, and the flood says its own (before its SYNs).
 */
function saying(a: Action): { text: Text; host?: string } | undefined {
  switch (a.do) {
    case 'connect':
      return { text: { en: 'the client application calls connect()', ko: '클라이언트 애플리케이션이 connect() 호출' }, host: 'client' };
    case 'send':
      return { text: { en: `the client application writes ${a.bytes} bytes`, ko: `클라이언트 애플리케이션이 ${a.bytes}바이트를 쓴다` }, host: 'client' };
    case 'shutdown':
      return { text: { en: 'the client application calls shutdown(SHUT_WR)', ko: '클라이언트 애플리케이션이 shutdown(SHUT_WR) 호출' }, host: 'client' };
    case 'close':
      return { text: { en: `the ${a.side} application calls close()`, ko: `${a.side === 'client' ? '클라이언트' : '서버'} 애플리케이션이 close() 호출` }, host: a.side };
    case 'abort':
      return { text: { en: 'the client application aborts (RST)', ko: '클라이언트 애플리케이션이 연결을 중단한다(RST)' }, host: 'client' };
    case 'listen':
      return { text: { en: `the server application listens on port 80 (backlog ${a.backlog})`, ko: `서버 애플리케이션이 80번 포트에서 listen (backlog ${a.backlog})` }, host: 'server' };
    case 'accept':
      return { text: { en: 'the server application calls accept()', ko: '서버 애플리케이션이 accept() 호출' }, host: 'server' };
    case 'read':
      return a.on
        ? { text: { en: 'the server application reads again', ko: '서버 애플리케이션이 다시 읽는다' }, host: 'server' }
        : { text: { en: 'the server application stops reading', ko: '서버 애플리케이션이 읽기를 멈춘다' }, host: 'server' };
    case 'drop-next':
      return { text: { en: `the link will drop the next segment ${a.dir}`, ko: `링크가 다음 ${a.dir} 세그먼트를 버린다` } };
    case 'partition':
      return { text: { en: `the link goes down for ${a.ms} ms`, ko: `링크가 ${a.ms} ms 동안 끊긴다` } };
    case 'link':
      return { text: { en: 'the link settings change', ko: '링크 설정이 바뀐다' } };
    default:
      return undefined;
  }
}

/** A copy of an action with only its own fields (what the URL encodes), so later changes to the caller's object do not leak in. */
function structuredCloneAction(a: Action): Action {
  return JSON.parse(JSON.stringify(a)) as Action;
}
