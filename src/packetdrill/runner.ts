/**
 * Runs a packetdrill script against a fresh synack Stack in virtual time. Nothing touches a real
 * network or clock: inbound packets are built and fed to `stack.handlePacket`, outbound ones are
 * pulled from `stack.pollTransmit` and compared with the script, and between events the clock moves
 * from one of the stack's timer deadlines to the next (`pollTimeout` / `handleTimeout`), so
 * retransmissions and other timers fire at synack's own times.
 *
 * Timing follows packetdrill (run.c): a relative time counts from when the previous event finished
 * (for two inbound packets in a row, from the previous one's scheduled time); an outbound packet must
 * come within the tolerance of its time; a syscall written `start...end` blocks while later events
 * run, and must return within the tolerance of `end`.
 */
import { Stack } from '../stack/stack.js';
import { SeededRandom } from '../tcp/random.js';
import { ipToString, parseIp, TcpFlag, type IpAddress } from '../wire/index.js';
import { mssForMtu } from '../tcp/config.js';
import type { Expr, Script, ScriptEvent, SyscallSpec } from './ast.js';
import { CodeScope, evaluateCode, type TcpInfo } from './code.js';
import { linuxClosedInfo, linuxListenerInfo, linuxTcpInfo } from './tcp-info.js';
import {
  buildInbound,
  compareOutbound,
  decodeOutbound,
  learnFromOutbound,
  newFlow,
  outPacketText,
  tsoBurst,
  type CompareContext,
  type Flow,
  type Mode,
  type OutPacket,
  type Relaxation,
} from './packets.js';
import { icmpSpecText, packetSpecText, parseScript } from './parse.js';
import { buildInboundIcmp } from './icmp.js';
import { runShell, type RouteChange, type SocketRow } from './shell.js';
import { nstatCounters } from './nstat.js';
import { parseMsgHdr, type ControlMessage } from './msghdr.js';
import { EPOLL, type EpollEvent } from './epoll.js';
import { SocketTable, Unsupported, linuxOnly, linuxOnlyInterface, type CallResult, type SocketOptionValue } from './sockets.js';
import { CONSTANTS, ERRNO, errnoName, FREEBSD_STATE_NAMES, STATE_NUMBER, TCPI_OPTIONS } from './symbols.js';
import { applySysctl, defaultHostSettings, readSysctl, type HostSettings } from './sysctl.js';
import { PERSONALITIES, type PersonalityName } from './personality.js';
import { cookieHex, fastOpenKeyBytes } from './fast-open.js';

export type Verdict = 'PASS' | 'FAIL' | 'UNSUPPORTED';

export interface ScriptResult {
  result: Verdict;
  /** For a FAIL, the first mismatch; for UNSUPPORTED, what synack lacks; for a PASS, what lenient mode relaxed. */
  detail: string;
  /** The script line the detail is about. */
  line: number | undefined;
  /** What lenient mode relaxed to let the script pass. */
  relaxed: Relaxation[];
  /** With `verbose`: every event and packet, in order. */
  log: string[];
  /** Virtual time the script took, in seconds. */
  virtualSeconds: number;
  /** The personality synack ran with (see personality.ts). */
  personality: PersonalityName;
}

export interface RunOptions {
  mode?: Mode;
  verbose?: boolean;
  /** Seeds synack's randomness (ISNs, ports, timestamps); the same seed gives the same run. */
  seed?: number;
  /** The settings synack starts from before the script's sysctls: 'freebsd' (the default) or 'none'. */
  personality?: PersonalityName;
  /**
   * Symbols for the script's `#ifdef` lines (`-D NAME[=VALUE]` on the command line), defined beside
   * the personality's platform symbol (`FreeBSD` under freebsd).
   */
  defines?: Readonly<Record<string, string>>;
  /**
   * Reads a shell script a command names (`../common/defaults.sh`), relative to the packetdrill
   * script's directory; undefined when there is none. Without it such commands are UNSUPPORTED.
   */
  readFile?: (path: string) => string | undefined;
  /**
   * The IP version given on packetdrill's command line (`--ip_version`), which a script's own header
   * option overrides; 4 when absent. See `wrapperIpVersion` for the one Linux's wrapper picks.
   */
  ipVersion?: 4 | 6;
}

/**
 * The IP version Linux's packetdrill wrapper (run_all.py) runs a script under, by its file name: a
 * script whose name ends in `v6.pkt` runs under IPv6 only (it is skipped for IPv4 and IPv4-mapped
 * IPv6), every other one under IPv4 first. Other personalities: undefined (the script's header says).
 */
export function wrapperIpVersion(fileName: string, personality: PersonalityName | undefined): 4 | 6 | undefined {
  if (personality !== 'linux') return undefined;
  return fileName.endsWith('v6.pkt') ? 6 : 4;
}

/** The symbols a script's `#ifdef` sees: the personality's platform, then the caller's. */
export function scriptDefines(opts: RunOptions): Map<string, string> {
  const d = new Map<string, string>();
  const platform = PERSONALITIES[opts.personality ?? 'freebsd']?.platformSymbol;
  if (platform) d.set(platform, '');
  if (opts.personality === 'linux') for (const [k, v] of Object.entries(opts.ipVersion === 6 ? LINUX_WRAPPER_DEFINES_V6 : LINUX_WRAPPER_DEFINES)) d.set(k, v);
  for (const [k, v] of Object.entries(opts.defines ?? {})) d.set(k, v);
  return d;
}

/**
 * What Linux's packetdrill wrapper (run_all.py, the kernel's ksft_runner.sh) defines for its IPv4
 * runs with `-D`: the Fast Open cookies a listener at 192.168.0.1 grants 192.0.2.1 under
 * common/defaults.sh's tcp_fastopen_key and under the all-zero key (worked out here, with Linux's
 * cookie function, rather than copied), and the ICMP code and cmsg names some scripts use.
 */
const LINUX_WRAPPER_DEFINES: Readonly<Record<string, string>> = Object.freeze({
  TFO_COOKIE: cookieHex(fastOpenKeyBytes('a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4')![0], parseIp('192.0.2.1')!, parseIp('192.168.0.1')!),
  TFO_COOKIE_ZERO: cookieHex(new Uint8Array(16), parseIp('192.0.2.1')!, parseIp('192.168.0.1')!),
  CODE: 'host_unreachable',
  CMSG_LEVEL_IP: 'SOL_IP',
  CMSG_TYPE_RECVERR: 'IP_RECVERR',
});

/** The same for the wrapper's IPv6 runs: cookies for 2001:db8::1 at fd3d:fa7b:d17d::0, IPv6's cmsg names. */
const LINUX_WRAPPER_DEFINES_V6: Readonly<Record<string, string>> = Object.freeze({
  TFO_COOKIE: cookieHex(fastOpenKeyBytes('a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4')![0], parseIp('2001:db8::1')!, parseIp('fd3d:fa7b:d17d::0')!),
  TFO_COOKIE_ZERO: cookieHex(new Uint8Array(16), parseIp('2001:db8::1')!, parseIp('fd3d:fa7b:d17d::0')!),
  CMSG_LEVEL_IP: 'SOL_IPV6',
  CMSG_TYPE_RECVERR: 'IPV6_RECVERR',
});

/** packetdrill's defaults (config.c). */
const DEFAULTS = {
  toleranceUs: 4000,
  v4: { local: '192.168.0.1', remote: '192.0.2.1' },
  v6: { local: 'fd3d:fa7b:d17d::0', remote: '2001:db8::1' },
  bindPort: 8080,
  connectPort: 8080,
  mtu: 1500,
};

/** The remote peer's port for connections the script opens toward a listener. */
const REMOTE_PORT = 40_000;
/** How far a `*` packet, or a call that blocks without `...`, may wait before it counts as missing. */
const HORIZON_US = 4 * 3600e6;
/** packetdrill waits at most this long (wall time there) for a blocking call to finish before the next. */
const AWAIT_IDLE_US = 1e6;

class Failure extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a packet the local qdisc drops (`pfifo limit 0`) ends the run: Linux's TCP is told
 * (tcp_transmit_skb returns NET_XMIT_DROP) and takes the segment as not sent, so new data waits for
 * its resource probe every 500 ms (TCP_RESOURCE_PROBE_INTERVAL, no back-off, counted in tcpi_probes)
 * and a failed retransmission is not counted (tcpi_retrans); that is not what a lost packet causes,
 * and synack's TCP, committed to a segment once it is pulled, has no such feedback from its device.
 */
const LOCAL_DROP =
  "a segment dropped by the local qdisc (tc qdisc ... pfifo limit 0): Linux's TCP takes it as not sent (new data retried every 500 ms by the resource probe, TCP_RESOURCE_PROBE_INTERVAL, without back-off; a failed retransmission not counted in tcpi_retrans); synack's TCP has no transmit-failed feedback from its device";

class NotSupported extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

interface Emitted {
  packet: OutPacket;
  timeUs: number;
  /** Sent when a timer fired (not in answer to a packet or a call). */
  timer: boolean;
  /** Carries sequence space sent before (a retransmitted SYN, FIN or data). */
  retransmission: boolean;
  /** Sent after the script's trailing close()/shutdown() (not judged at the end; see finish()). */
  teardown: boolean;
}

interface Pending {
  event: ScriptEvent & { type: 'syscall' };
  retry: (now: number) => CallResult | undefined;
  startUs: number;
  endUs: number;
  deadline: number | undefined;
}

const secs = (us: number) => (us / 1e6).toFixed(6);

export function runScriptText(text: string, opts: RunOptions = {}): ScriptResult {
  const parsed = parseScript(text, { defines: scriptDefines(opts), ipVersion: opts.ipVersion });
  if (!parsed.ok) {
    return {
      result: 'FAIL',
      detail: `line ${parsed.error.line}: parse error: ${parsed.error.message}`,
      line: parsed.error.line,
      relaxed: [],
      log: [],
      virtualSeconds: 0,
      personality: opts.personality ?? 'freebsd',
    };
  }
  return runScript(parsed.script, opts);
}

export function runScript(script: Script, opts: RunOptions = {}): ScriptResult {
  return new Runner(script, opts).run();
}

class Runner {
  private readonly mode: Mode;
  private readonly log: string[] = [];
  private readonly relaxed = new Set<Relaxation>();
  private readonly host: HostSettings;
  private readonly personality: PersonalityName;
  private family: 4 | 6 = 4;
  private toleranceUs = DEFAULTS.toleranceUs;
  private tolerancePercent = 0;
  private tsTickUs = 0;
  private mtu = DEFAULTS.mtu;
  private localText = DEFAULTS.v4.local;
  private remoteText = DEFAULTS.v4.remote;
  private local!: IpAddress;
  private remote!: IpAddress;
  private bindPort = DEFAULTS.bindPort;
  private connectPort = DEFAULTS.connectPort;

  private stackInstance: Stack | undefined;
  private table!: SocketTable;
  private flow!: Flow;
  /**
   * packetdrill's socket under test has no 4-tuple yet: socket() made a new one, and no connect(),
   * sendto(MSG_FASTOPEN) or listen() has given it one (see `skipForeign`).
   */
  private flowUnset = false;
  private remotePorts = 0;
  private nowUs = 0;
  private ipId = 1;
  private readonly queue: Emitted[] = [];
  private pending: Pending | undefined;
  private teardown = false;
  private lastPacketIndex = -1;
  /** Whether TSO bursts are matched (the personality's, until `ethtool -K tun0 tso off`). */
  private tso: boolean;
  /** `tc qdisc ... pfifo limit 0` in force: the device drops every packet it is handed. */
  private qdiscDropsAll = false;
  /** `--mss=N`: inbound packets longer than N are GSO packets of N-octet segments (see header()). */
  private groMss: number | undefined;
  /** The virtual files the scripts' commands write (set_sysctls.py's restore file). */
  private readonly files = new Map<string, string>();

  constructor(
    private readonly script: Script,
    private readonly opts: RunOptions,
  ) {
    this.mode = opts.mode ?? 'lenient';
    this.personality = opts.personality ?? 'freebsd';
    const p = PERSONALITIES[this.personality];
    if (!p) throw new RangeError(`no personality ${String(this.personality)}`);
    this.host = defaultHostSettings(p.tcp, p.os);
    this.tso = p.tso;
    this.family = opts.ipVersion ?? 4;
  }

  run(): ScriptResult {
    try {
      this.header();
      this.table = new SocketTable(() => this.stack(), { local: this.local, remote: this.remote, family: this.family, bindPort: this.bindPort, connectPort: this.connectPort }, this.host);
      this.flow = newFlow(this.family, this.local, this.remote, this.bindPort, this.nextRemotePort());
      this.events();
      this.finish();
      // packetdrill's cleanup command runs once the script is over.
      const cleanup = this.script.cleanupCommand;
      if (cleanup) this.command(cleanup.command, cleanup.line);
      const relaxed = [...this.relaxed];
      return {
        result: 'PASS',
        detail: relaxed.length ? `lenient: relaxed ${relaxed.join(', ')}` : '',
        line: undefined,
        relaxed,
        log: this.log,
        virtualSeconds: this.nowUs / 1e6,
        personality: this.personality,
      };
    } catch (e) {
      const base = { relaxed: [...this.relaxed], log: this.log, virtualSeconds: this.nowUs / 1e6, personality: this.personality };
      if (e instanceof Failure) return { result: 'FAIL', detail: e.line ? `line ${e.line}: ${e.message}` : e.message, line: e.line, ...base };
      if (e instanceof NotSupported) return { result: 'UNSUPPORTED', detail: e.line ? `line ${e.line}: ${e.message}` : e.message, line: e.line, ...base };
      // synack (or the runner) threw: that is a failure of the run, reported, not a crash of the tool.
      return { result: 'FAIL', detail: `internal error: ${(e as Error).stack ?? String(e)}`, line: undefined, ...base };
    }
  }

  private trace(s: string): void {
    if (this.opts.verbose) this.log.push(`${secs(this.nowUs).padStart(12)} ${s}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Setup

  private header(): void {
    for (const o of this.script.options) {
      const num = () => {
        if (!/^\d+$/.test(o.value)) throw new Failure(o.line, `--${o.name} needs a whole number, not '${o.value}'`);
        return Number(o.value);
      };
      switch (o.name) {
        case 'ip_version':
          if (o.value === 'ipv4') this.family = 4;
          else if (o.value === 'ipv6') this.family = 6;
          else throw new NotSupported(o.line, `--ip_version=${o.value} (ipv4 and ipv6 are supported)`);
          break;
        case 'tolerance_usecs':
          this.toleranceUs = num();
          break;
        case 'tolerance_percent':
          this.tolerancePercent = num();
          break;
        case 'tcp_ts_tick_usecs':
          this.tsTickUs = num();
          break;
        case 'mtu':
          this.mtu = num();
          break;
        case 'local_ip':
          this.localText = o.value;
          break;
        case 'remote_ip':
          this.remoteText = o.value;
          break;
        case 'bind_port':
          this.bindPort = num();
          break;
        case 'connect_port':
          this.connectPort = num();
          break;
        case 'strict_segments':
          // Google's packetdrill: each outbound segment is compared as sent, no TSO burst taken as one.
          this.tso = false;
          break;
        case 'mss':
          // Google's packetdrill injects a longer packet as a GSO packet of segments this size, which
          // the kernel takes whole (GRO): Stack.handleCoalescedPacket.
          if (this.personality !== 'linux') throw new NotSupported(o.line, `header option --mss=${o.value} (GRO/GSO of injected packets: a Linux interface)`);
          this.groMss = num();
          if (!(this.groMss > 0)) throw new NotSupported(o.line, `header option --mss=${o.value}`);
          break;
        case 'verbose':
        case 'non_fatal':
        case 'speed':
        case 'gateway_ip':
        case 'netmask_ip':
          break;
        default:
          throw new NotSupported(o.line, `header option --${o.name}`);
      }
    }
    const defaults = this.family === 4 ? DEFAULTS.v4 : DEFAULTS.v6;
    if (!this.script.options.some((o) => o.name === 'local_ip')) this.localText = defaults.local;
    if (!this.script.options.some((o) => o.name === 'remote_ip')) this.remoteText = defaults.remote;
    const l = parseIp(this.localText);
    const r = parseIp(this.remoteText);
    if (l === undefined || r === undefined || typeof l !== typeof r || (typeof l === 'number') !== (this.family === 4)) {
      throw new Failure(undefined, `addresses ${this.localText} and ${this.remoteText} do not fit --ip_version=ipv${this.family}`);
    }
    this.local = l;
    this.remote = r;
  }

  private nextRemotePort(): number {
    return REMOTE_PORT + this.remotePorts++;
  }

  /** The stack, made on first use with the configuration the sysctls so far describe. */
  private stack(): Stack {
    if (!this.stackInstance) {
      this.stackInstance = new Stack({
        addresses: [this.local],
        random: new SeededRandom(this.opts.seed ?? 1),
        tcp: { ...this.host.tcp, mtu: this.mtu },
        limits: this.host.limits as never,
        ...(this.host.stack as object),
        fastOpen: { ...this.host.fastOpen, keys: this.host.fastOpenKeys },
      });
      const why = this.checkStackOptions(this.stackInstance);
      if (why) throw new NotSupported(undefined, why);
      this.trace(`stack created: ${JSON.stringify({ ...this.host.tcp, mtu: this.mtu })}`);
    }
    return this.stackInstance;
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  private tolerance(lastUs: number | undefined, eventUs: number): number {
    if (lastUs === undefined || !this.tolerancePercent) return this.toleranceUs;
    return Math.max(this.toleranceUs, (this.tolerancePercent / 100) * (eventUs - lastUs));
  }

  /** Drain the stack: events to the socket table, packets to the queue; then retry a blocked call. */
  private pump(timer: boolean): void {
    const st = this.stackInstance;
    if (!st) return;
    for (let guard = 0; guard < 100_000; guard++) {
      let any = false;
      for (let e = st.pollEvent(); e; e = st.pollEvent()) {
        any = true;
        this.table.onStackEvent(e);
      }
      for (let b = st.pollTransmit(this.nowUs / 1000); b; b = st.pollTransmit(this.nowUs / 1000)) {
        any = true;
        const p = decodeOutbound(b);
        if (typeof p === 'string') throw new Failure(undefined, p);
        if (this.qdiscDropsAll) throw new NotSupported(undefined, LOCAL_DROP);
        const retransmission = this.sent(p);
        this.queue.push({ packet: p, timeUs: this.nowUs, timer, retransmission, teardown: this.teardown });
        const isnUnknown = this.flow.isnOffset === undefined && (p.flags & TcpFlag.SYN) !== 0;
        const shown = isnUnknown ? outPacketText(p, { ...this.flow, isnOffset: p.seq }) + ` [ISN ${p.seq}]` : outPacketText(p, this.flow);
        this.trace(`synack sent ${shown}${timer ? (retransmission ? ' (retransmission timer)' : ' (timer)') : ''}`);
      }
      this.table.settle(this.nowUs);
      if (this.pending && this.tryPending()) any = true;
      if (!any) return;
    }
    throw new Failure(undefined, 'synack keeps producing packets or events without time passing');
  }

  /** The end of the sequence space sent so far on each 4-tuple (live numbers). */
  private readonly sentEnd = new Map<string, number>();

  /** Record a packet's sequence space; true when all of it was sent before (a retransmission). */
  private sent(p: OutPacket): boolean {
    const len = p.payloadLength + (p.flags & TcpFlag.SYN ? 1 : 0) + (p.flags & TcpFlag.FIN ? 1 : 0);
    if (len === 0) return false;
    const key = `${p.srcPort}>${p.dstPort}`;
    const end = (p.seq + len) >>> 0;
    const max = this.sentEnd.get(key);
    if (max !== undefined && ((end - max) | 0) <= 0) return true;
    this.sentEnd.set(key, end);
    return false;
  }

  /** The next time something is due: a stack timer, or a blocked call's own timeout (poll). */
  private nextDeadlineUs(): number | undefined {
    const d = this.stackInstance?.pollTimeout();
    let t = d === undefined ? undefined : Math.max(this.nowUs, d * 1000);
    const pd = this.pending?.deadline;
    if (pd !== undefined && (t === undefined || pd < t)) t = Math.max(this.nowUs, pd);
    return t;
  }

  /** Fire everything due before `untilUs` (or at it, with `inclusive`), then stand at `untilUs`. */
  private advanceTo(untilUs: number, inclusive = false): void {
    for (;;) {
      const d = this.nextDeadlineUs();
      if (d === undefined || d > untilUs + 1e-6 || (!inclusive && d > untilUs - 1e-6)) break;
      this.fireAt(d);
    }
    if (untilUs > this.nowUs) this.nowUs = untilUs;
  }

  private sameTimeFires = 0;

  private fireAt(us: number): void {
    if (us > this.nowUs) {
      this.nowUs = us;
      this.sameTimeFires = 0;
    } else if (++this.sameTimeFires > 10_000) {
      throw new Failure(undefined, `synack's timers keep coming due at ${secs(this.nowUs)} sec without time passing`);
    }
    this.stackInstance?.handleTimeout(this.nowUs / 1000);
    this.pump(true);
    if (this.pending) this.tryPending();
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  private events(): void {
    const events = this.script.events;
    events.forEach((e, i) => {
      if (e.type === 'packet' || e.type === 'icmp') this.lastPacketIndex = i;
    });
    if (this.script.initCommand) this.command(this.script.initCommand.command, this.script.initCommand.line);
    let last: { event: ScriptEvent; us: number } | undefined;
    let lastAbsoluteUs = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      // When the event is due (adjust_relative_event_times).
      let offset = 0;
      const relative = e.time.kind === 'relative' || e.time.kind === 'relative-range' || e.time.kind === 'any';
      if (relative) offset = last && isInbound(last.event) && isInbound(e) ? last.us : this.nowUs;
      const us = e.time.kind === 'any' ? this.nowUs : e.time.us + offset;
      const endUs = e.time.kind === 'absolute-range' || e.time.kind === 'relative-range' ? e.time.endUs + offset : us;
      if (i === 0 && us !== 0) throw new Failure(e.line, 'first event should be at time 0');
      if (e.time.kind === 'absolute' || e.time.kind === 'absolute-range') {
        if (us < lastAbsoluteUs) throw new Failure(e.line, `time goes backward in script from ${secs(lastAbsoluteUs)} to ${secs(us)}`);
        lastAbsoluteUs = us;
      }
      const tol = this.tolerance(last?.us, us);
      switch (e.type) {
        case 'packet':
          if (e.packet.direction === 'in') this.inbound(e, us, tol);
          else this.outbound(e, us, endUs, tol);
          break;
        case 'icmp':
          this.icmp(e, us, tol);
          break;
        case 'syscall':
          this.syscallEvent(e, us, tol, relative ? offset : 0, i);
          break;
        case 'command':
          this.startEvent(e, us, tol);
          this.command(e.command, e.line);
          break;
        case 'code':
          this.startEvent(e, us, tol);
          this.code(e);
          break;
      }
      last = { event: e, us };
    }
  }

  /**
   * Wait for an event's time, firing the timers due by then (a timer due at the very time of an
   * event has expired when the event happens), and check the event is not late.
   */
  private startEvent(e: ScriptEvent, us: number, tol: number): void {
    if (e.time.kind === 'any') return;
    this.advanceTo(us, true);
    const endUs = e.time.kind === 'absolute-range' || e.time.kind === 'relative-range' ? us + (e.time.endUs - e.time.us) : us;
    if (this.nowUs > endUs + tol) {
      throw new Failure(e.line, `timing error: expected ${eventName(e)} at ${secs(us)} sec but it could only start at ${secs(this.nowUs)} sec (a blocking call ran late); tolerance ${secs(tol)} sec`);
    }
  }

  /** TCP MD5 signatures (RFC 2385) are not in synack: a line with the option cannot be honoured. */
  private checkMd5(e: ScriptEvent & { type: 'packet' }): void {
    if (e.packet.options?.some((o) => o.kind === 'md5')) throw new NotSupported(e.line, 'the TCP MD5 signature option (RFC 2385, TCP_MD5SIG): synack does not sign or check segments');
  }

  private inbound(e: ScriptEvent & { type: 'packet' }, us: number, tol: number): void {
    this.checkMd5(e);
    this.startEvent(e, us, tol);
    const bytes = buildInbound(e.packet, this.flow, this.ipId++ & 0xffff);
    this.trace(`inject ${packetSpecText(e.packet)}  (line ${e.line})`);
    const st = this.stack();
    const c = st.counters;
    const dropped = () => c.ip.InHdrErrors + c.ip.InAddrErrors + c.tcp.InCsumErrors + c.tcp.InErrs;
    const before = dropped();
    if (this.groMss !== undefined && e.packet.length > this.groMss) st.handleCoalescedPacket(bytes, this.nowUs / 1000, this.groMss);
    else st.handlePacket(bytes, this.nowUs / 1000);
    // The runner's own packets must reach TCP: one dropped for its header or checksum would make
    // a script that expects "no answer" pass without testing anything.
    if (dropped() !== before) throw new Failure(e.line, 'internal error: synack dropped the injected packet as malformed (a runner bug)');
    this.pump(false);
  }

  /**
   * An ICMP line. Inbound: the error is built quoting a segment synack sent on the connection
   * under test and handed to the stack's ICMP input, which decides what it means for the
   * connection (RFC 1122 §4.2.3.9, RFC 5461). Outbound ICMP is not compared: synack's TCP answers
   * strangers with RST, and no TCP test here expects it to send ICMP.
   */
  private icmp(e: ScriptEvent & { type: 'icmp' }, us: number, tol: number): void {
    const spec = e.icmp;
    if (spec.direction === 'out') throw new NotSupported(e.line, `an outbound ICMP line (${icmpSpecText(spec)}): the runner compares only TCP segments synack sends`);
    if (spec.echoed.protocol !== 'tcp') throw new NotSupported(e.line, `an ICMP error quoting ${spec.echoed.protocol.toUpperCase()} (synack runs TCP scripts)`);
    this.startEvent(e, us, tol);
    const st = this.stack();
    const bytes = buildInboundIcmp(spec, this.flow, this.ipId++ & 0xffff);
    this.trace(`inject ${icmpSpecText(spec)}  (line ${e.line})`);
    const c = st.counters;
    const dropped = () => c.ip.InHdrErrors + c.ip.InAddrErrors + c.icmp.InErrors;
    const before = dropped();
    st.handlePacket(bytes, this.nowUs / 1000);
    if (dropped() !== before) throw new Failure(e.line, 'internal error: synack dropped the injected ICMP message as malformed (a runner bug)');
    this.pump(false);
  }

  private compareContext(): CompareContext {
    return { mode: this.mode, tsTickUs: this.tsTickUs, toleranceUs: this.toleranceUs, pshFree: PERSONALITIES[this.personality].tso };
  }

  private outbound(e: ScriptEvent & { type: 'packet' }, us: number, endUs: number, tol: number): void {
    this.checkMd5(e);
    const spec = e.packet;
    const any = e.time.kind === 'any';
    const slack = this.mode === 'lenient' ? this.host.rexmitSlopMs * 1000 : 0;
    // (A retransmission may come `slack` early in lenient mode; see below.)
    const lo = us - tol;
    const hi = endUs + tol;
    const limit = any ? this.nowUs + HORIZON_US : hi;
    this.stack();
    this.skipForeign();
    while (this.queue.length === 0) {
      const d = this.nextDeadlineUs();
      if (d === undefined || d > limit) {
        const next = d === undefined ? '' : ` (its next timer is due at ${secs(d)} sec)`;
        const by = any ? 'while anything was left to happen' : `by ${secs(hi)} sec${next}`;
        throw new Failure(e.line, `expected outbound ${packetSpecText(spec)} at ${when(e, us, endUs)}, but synack sent nothing ${by}${this.pendingNote()}`);
      }
      this.fireAt(d);
      this.skipForeign();
    }
    const burst = this.tso ? tsoBurst(this.queue, spec) : undefined;
    const got = burst ? { ...this.queue[0], packet: burst.packet } : this.queue[0];
    const r = compareOutbound(spec, got.packet, this.flow, this.compareContext());
    if (!r.ok) {
      const actual = outPacketText(got.packet, { ...this.flow, isnOffset: this.flow.isnOffset ?? (spec.flags & TcpFlag.SYN ? got.packet.seq >>> 0 : undefined) });
      let hint = '';
      const later = this.queue.slice(1).findIndex((q) => compareOutbound(spec, q.packet, this.flow, this.compareContext()).ok);
      if (later >= 0) hint = ` (the expected packet came after it: synack sent an extra packet first)`;
      throw new Failure(
        e.line,
        `expected outbound ${packetSpecText(spec)} at ${when(e, us, endUs)}; synack sent ${actual} at ${secs(got.timeUs)} sec: ${r.field} expected ${r.expected}, got ${r.actual}${hint}`,
      );
    }
    if (!any) {
      const t = got.timeUs;
      if (t < lo - 1e-6 || t > hi + 1e-6) {
        // FreeBSD adds rexmit_slop to every retransmission timeout (TCPT_RANGESET) and synack adds
        // nothing, so a retransmission may come that much earlier than FreeBSD's (never later).
        if (slack && got.timer && got.retransmission && t >= lo - slack - 1e-6 && t < lo) {
          this.relaxed.add('timer durations');
        } else {
          throw new Failure(
            e.line,
            `timing error: expected outbound ${packetSpecText(spec)} at ${when(e, us, endUs)} but synack sent it at ${secs(t)} sec; tolerance ${secs(tol)} sec${got.timer && got.retransmission && slack ? ` (retransmissions may also come up to ${secs(slack)} sec early: FreeBSD's rexmit_slop)` : ''}`,
          );
        }
      }
    }
    for (const x of r.relaxed) this.relaxed.add(x);
    learnFromOutbound(spec, got.packet, this.flow);
    this.queue.splice(0, burst ? burst.count : 1);
    if (got.timeUs > this.nowUs) this.nowUs = got.timeUs;
    this.trace(`matched line ${e.line}: ${packetSpecText(spec)}`);
  }

  /**
   * Under a personality whose scripts come from Google's packetdrill (`otherSocketsSkipped`), an
   * outbound line is compared only with packets of the socket under test (the last one socket()
   * made): packets of another 4-tuple, such as the FIN of a socket the script closed before opening
   * the next, and every packet while the socket under test has no 4-tuple yet, are read past.
   */
  private skipForeign(): void {
    if (!PERSONALITIES[this.personality].otherSocketsSkipped) return;
    const f = this.flow;
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i].packet;
      if (!this.flowUnset && p.srcPort === f.localPort && p.dstPort === f.remotePort) {
        i++;
        continue;
      }
      this.trace(`skipped (not the socket under test's): ${outPacketText(p, f)}`);
      this.queue.splice(i, 1);
    }
  }

  /** The socket under test has a new 4-tuple. */
  private setFlow(localPort: number, remotePort: number): void {
    this.flow = newFlow(this.family, this.local, this.remote, localPort, remotePort);
    this.flowUnset = false;
  }

  /**
   * A send that may open the connection (sendto or sendmsg with MSG_FASTOPEN on a socket not yet
   * connected): the packets the script writes from then on belong to the new connection.
   */
  private sendOpening(fd: number, len: number, flags: number, now: number, port: number | undefined, badBuffer = false, unspecified = false): CallResult {
    const t = this.table;
    const before = t.connectionOf(fd)?.conn;
    const r = t.write(fd, len, flags, now, port, badBuffer, unspecified);
    const conn = t.connectionOf(fd)?.conn;
    if (conn && conn !== before) this.setFlow(conn.local.port, conn.remote.port);
    return r;
  }

  private pendingNote(): string {
    return this.pending ? ` (a blocking ${this.pending.event.call.name}() from line ${this.pending.event.line} is still waiting)` : '';
  }

  // ---------------------------------------------------------------------------------------------
  // System calls

  private syscallEvent(e: ScriptEvent & { type: 'syscall' }, us: number, tol: number, offset: number, index: number): void {
    const call = e.call;
    // await_idle_thread: a call still blocked must finish first (packetdrill waits up to 1 s).
    if (this.pending) {
      const limit = Math.max(us, this.nowUs) + AWAIT_IDLE_US;
      while (this.pending) {
        const d = this.nextDeadlineUs();
        if (d === undefined || d > limit) {
          throw new Failure(e.line, `system call while the blocking ${this.pending.event.call.name}() of line ${this.pending.event.line} is still in progress`);
        }
        this.fireAt(d);
      }
    }
    this.startEvent(e, us, tol);
    if (index > this.lastPacketIndex && (call.name === 'close' || call.name === 'shutdown')) this.teardown = true;
    const endUs = call.endUs === undefined ? undefined : call.endUs + offset;
    let res: CallResult;
    try {
      res = this.invoke(call, e.line);
    } catch (err) {
      if (err instanceof Unsupported) throw new NotSupported(e.line, err.message);
      throw err;
    }
    this.trace(`${call.name}() line ${e.line}${res.done ? ` = ${res.ret}${res.errno ? ' ' + res.errno : ''}` : ' blocks'}`);
    this.pump(false);
    if (res.done) {
      this.checkResult(e, res);
      if (endUs !== undefined && this.nowUs < endUs - tol) {
        throw new Failure(e.line, `timing error: expected ${call.name}() to block until ${secs(endUs)} sec but it returned at ${secs(this.nowUs)} sec; tolerance ${secs(tol)} sec`);
      }
      return;
    }
    if (endUs === undefined) {
      // packetdrill runs a call written without `...` on its main thread: nothing else happens
      // until it returns.
      const limit = this.nowUs + HORIZON_US;
      const p: Pending = { event: e, retry: res.retry, startUs: this.nowUs, endUs: this.nowUs, deadline: res.deadline };
      for (;;) {
        const r = res.retry(this.nowUs);
        if (r) {
          this.pump(false);
          const blocked = this.nowUs - p.startUs;
          this.checkResult(e, r, blocked > 0 ? ` (it blocked for ${secs(blocked)} sec; a blocking call is written start...end)` : '');
          return;
        }
        const d = this.nextDeadlineUsFor(p);
        if (d === undefined || d > limit) throw new Failure(e.line, `${call.name}() blocked (the script expects it to return at once; a blocking call is written start...end)`);
        this.fireAt(d);
      }
    }
    this.pending = { event: e, retry: res.retry, startUs: this.nowUs, endUs, deadline: res.deadline };
  }

  private nextDeadlineUsFor(p: Pending): number | undefined {
    const d = this.nextDeadlineUs();
    if (p.deadline !== undefined && (d === undefined || p.deadline < d)) return Math.max(this.nowUs, p.deadline);
    return d;
  }

  /** Retry the blocked call; true when it finished. */
  private tryPending(): boolean {
    const p = this.pending;
    if (!p) return false;
    const r = p.retry(this.nowUs);
    if (!r) return false;
    this.pending = undefined;
    this.trace(`${p.event.call.name}() of line ${p.event.line} returned${r.done ? ` ${r.ret}${r.errno ? ' ' + r.errno : ''}` : ''}`);
    this.checkResult(p.event, r);
    const tol = this.toleranceUs;
    if (this.nowUs < p.endUs - tol - 1e-6 || this.nowUs > p.endUs + tol + 1e-6) {
      throw new Failure(p.event.line, `timing error: expected ${p.event.call.name}() to return at ${secs(p.endUs)} sec but it returned at ${secs(this.nowUs)} sec; tolerance ${secs(tol)} sec`);
    }
    return true;
  }

  private value(x: Expr, line: number): number {
    switch (x.kind) {
      case 'int':
        return x.value;
      case 'word': {
        const v = CONSTANTS[x.name];
        if (v === undefined) throw new NotSupported(line, `symbol ${x.name}`);
        return v;
      }
      case 'binary':
        if (x.op === '|') return (this.value(x.left, line) | this.value(x.right, line)) >>> 0;
        break;
      case 'list':
        if (x.items.length === 1) return this.value(x.items[0], line);
        break;
      case 'call':
        if ((x.name === 'htons' || x.name === 'htonl' || x.name === 'ntohs' || x.name === 'ntohl') && x.args.length === 1) return this.value(x.args[0], line);
        break;
      default:
        break;
    }
    throw new NotSupported(line, `expression ${exprText(x)} where a number is needed`);
  }

  private optValue(x: Expr | undefined, line: number): number | undefined {
    return x === undefined || x.kind === 'ellipsis' ? undefined : this.value(x, line);
  }

  /** The port a sockaddr argument names, or undefined for `...`. */
  private sockaddrPort(x: Expr | undefined, line: number): number | undefined {
    if (!x || x.kind === 'ellipsis') return undefined;
    if (x.kind === 'struct') {
      for (const it of x.items) {
        if (it.kind === 'binary' && it.op === '=' && it.left.kind === 'word' && (it.left.name === 'sin_port' || it.left.name === 'sin6_port')) return this.value(it.right, line);
      }
      return undefined;
    }
    throw new NotSupported(line, `socket address ${exprText(x)}`);
  }

  private optionName(level: number, x: Expr, line: number): string {
    if (x.kind === 'word') return x.name;
    const v = this.value(x, line);
    const prefix = level === CONSTANTS.SOL_SOCKET ? 'SO_' : 'TCP_';
    for (const [k, n] of Object.entries(CONSTANTS)) if (k.startsWith(prefix) && n === v) return k;
    return `option ${v}`;
  }

  private invoke(call: SyscallSpec, line: number): CallResult {
    const a = call.args;
    const n = (i: number) => {
      const x = a[i];
      if (x === undefined) throw new Unsupported(`${call.name}() with ${a.length} arguments`);
      return this.value(x, line);
    };
    const now = this.nowUs;
    const t = this.table;
    const arity = (k: number) => {
      if (a.length !== k) throw new Unsupported(`${call.name}() with ${a.length} arguments (expected ${k})`);
    };
    switch (call.name) {
      case 'socket': {
        arity(3);
        const r = t.socket(this.optValue(a[0], line), n(1), this.optValue(a[2], line), this.scriptFd(call, line));
        // packetdrill's run_syscall_socket: later packets belong to this socket.
        if (r.done && r.ret >= 0) this.flowUnset = true;
        return r;
      }
      case 'bind': {
        arity(3);
        const r = t.bind(n(0), this.sockaddrPort(a[1], line));
        if (r.done && r.ret === 0 && this.flow.isnOffset === undefined) this.flow.localPort = this.sockaddrPort(a[1], line) ?? this.bindPort;
        return r;
      }
      case 'listen': {
        arity(2);
        const r = t.listen(n(0), n(1), now);
        if (r.done && r.ret === 0) {
          const l = t.connectionOf(n(0))?.listener;
          this.setFlow(l?.port ?? this.bindPort, this.nextRemotePort());
        }
        return r;
      }
      case 'accept':
        arity(3);
        return t.accept(n(0), now, this.scriptFd(call, line));
      case 'connect': {
        arity(3);
        const fd = n(0);
        const before = t.connectionOf(fd)?.conn;
        const r = t.connect(fd, now, this.sockaddrPort(a[1], line));
        const conn = t.connectionOf(fd)?.conn;
        if (conn && conn !== before) this.setFlow(conn.local.port, conn.remote.port);
        return r;
      }
      // A NULL buffer is user memory the call cannot reach (EFAULT once it copies; see the table).
      case 'read':
        arity(3);
        return t.read(n(0), n(2), 0, now, isNull(a[1]));
      case 'recv':
        arity(4);
        return t.read(n(0), n(2), n(3), now, isNull(a[1]));
      case 'recvfrom':
        arity(6);
        return t.read(n(0), n(2), n(3), now, isNull(a[1]));
      case 'write':
        arity(3);
        return t.write(n(0), n(2), 0, now, undefined, isNull(a[1]));
      case 'send':
        arity(4);
        return t.write(n(0), n(2), n(3), now, undefined, isNull(a[1]));
      case 'sendto': {
        arity(6);
        // With MSG_FASTOPEN on a socket not yet connected, sendto() opens the connection (Fast Open).
        // An AF_UNSPEC address (a bare family, as the scripts write it) names no peer.
        const unspecified = a[4] !== undefined && a[4].kind === 'word' && a[4].name === 'AF_UNSPEC';
        return this.sendOpening(n(0), n(2), n(3), now, unspecified ? undefined : this.sockaddrPort(a[4], line), isNull(a[1]), unspecified);
      }
      case 'shutdown':
        arity(2);
        return t.shutdown(n(0), n(1), now);
      case 'close':
        arity(1);
        return t.close(n(0), now);
      case 'fcntl':
        if (a.length !== 2 && a.length !== 3) throw new Unsupported(`fcntl() with ${a.length} arguments`);
        return t.fcntl(n(0), n(1), a.length === 3 ? n(2) : undefined);
      case 'getsockopt': {
        arity(5);
        const level = n(1);
        return t.getsockopt(n(0), level, this.optionName(level, a[2], line));
      }
      case 'setsockopt': {
        arity(5);
        const level = n(1);
        const name = this.optionName(level, a[2], line);
        // A Linux-only option is named before its value is read.
        if (this.linuxCalls && linuxOnlyInterface(name)) throw linuxOnly(name);
        return t.setsockopt(n(0), level, name, { ...this.optionInput(a[3], line), length: n(4) }, now);
      }
      case 'poll':
        arity(3);
        return this.poll(call, n(2), line);
      case 'sendmsg': {
        arity(3);
        const m = parseMsgHdr(a[1], (x) => this.value(x, line), 'sendmsg');
        if (m.control && m.control.length > 0) throw new Unsupported('sendmsg() with ancillary data (msg_control)');
        return this.sendOpening(n(0), m.iov.reduce((x, y) => x + y, 0), n(2), now, undefined);
      }
      case 'recvmsg': {
        arity(3);
        const flags = n(2);
        const m = parseMsgHdr(a[1], (x) => this.value(x, line), 'recvmsg');
        return t.recvmsg(n(0), m.iov.reduce((x, y) => x + y, 0), flags, now);
      }
      case 'ioctl':
        arity(3);
        return t.ioctl(n(0), n(1));
      case 'open': {
        // A file of the runner's virtual /tmp (made by the script's dd), opened to read (for sendfile).
        if (!this.linuxCalls) throw new Unsupported('open() (files exist here only for Linux\'s sendfile)');
        if (a.length !== 2 && a.length !== 3) throw new Unsupported(`open() with ${a.length} arguments`);
        if (a[0].kind !== 'string') throw new Unsupported(`open() of ${exprText(a[0])}`);
        const flags = n(1);
        if ((flags & ~CONSTANTS.O_CLOEXEC) !== CONSTANTS.O_RDONLY) throw new Unsupported('open() other than O_RDONLY (files here are only read, by sendfile)');
        const text = this.files.get(a[0].value);
        if (text === undefined) return { done: true, ret: -1, errno: 'ENOENT' };
        return t.openFile(text.length, this.scriptFd(call, line));
      }
      case 'sendfile': {
        if (!this.linuxCalls) throw new Unsupported('sendfile() (a Linux call; this run imitates FreeBSD)');
        arity(4);
        const off = a[2];
        // NULL: from the file position; [N]: from N (the caller's copy of it is not read back).
        const offset = isNull(off) ? undefined : this.value(off, line);
        return t.sendfile(n(0), n(1), offset, n(3), now);
      }
      case 'epoll_create':
        if (!this.linuxCalls) throw new Unsupported(`system call ${call.name}() (Linux's epoll; this run imitates ${this.host.os})`);
        arity(1);
        return t.epollCreate(n(0), 0, this.scriptFd(call, line));
      case 'epoll_create1':
        arity(1);
        return t.epollCreate(undefined, n(0), this.scriptFd(call, line));
      case 'epoll_ctl': {
        arity(4);
        const op = n(1);
        return t.epollCtl(n(0), op, n(2), op === CONSTANTS.EPOLL_CTL_DEL ? undefined : this.epollEvent(a[3], line));
      }
      case 'epoll_wait':
      case 'epoll_pwait':
        // epoll_pwait's signal mask changes nothing here: no signals are delivered.
        arity(call.name === 'epoll_wait' ? 4 : 5);
        return t.epollWait(n(0), n(2), n(3), now);
      default:
        if (this.linuxCalls && linuxOnlyInterface(call.name)) throw linuxOnly(call.name);
        throw new Unsupported(`system call ${call.name}()`);
    }
  }

  /** The descriptor a script expects socket() or accept() to return (its name for the socket), if any. */
  private scriptFd(call: SyscallSpec, line: number): number | undefined {
    const r = call.result;
    return r.kind === 'int' ? this.value(r, line) : undefined;
  }

  /** The socket table imitates Linux's system calls (the personality's `os`). */
  private get linuxCalls(): boolean {
    return this.host.os === 'linux';
  }

  private optionInput(x: Expr, line: number): SocketOptionValue {
    if (x.kind === 'struct') {
      const f = structFields(x);
      if (f.onoff !== undefined && f.linger !== undefined) return { linger: { onoff: this.value(f.onoff, line), linger: this.value(f.linger, line) } };
      throw new Unsupported(`option value ${exprText(x)}`);
    }
    // A string is the option's bytes (TCP_FASTOPEN_KEY), one per character as the lexer decoded them.
    if (x.kind === 'string') return { bytes: Uint8Array.from(x.value, (ch) => ch.charCodeAt(0) & 0xff) };
    return { int: this.value(x, line) };
  }

  /** An epoll_event as scripts write it: `{events=EPOLLIN|EPOLLET, fd=4}` (or u32, u64, ptr for the data). */
  private epollEvent(x: Expr | undefined, line: number): EpollEvent | undefined {
    if (!x || x.kind === 'ellipsis' || isNull(x)) return undefined;
    if (x.kind !== 'struct') throw new Unsupported(`epoll_event ${exprText(x)}`);
    const f = structFields(x);
    if (!f.events) throw new Unsupported('epoll_event without events');
    const d = f.fd ?? f.u32 ?? f.u64 ?? f.ptr ?? f.data;
    return { events: this.value(f.events, line), data: d === undefined || d.kind === 'ellipsis' ? 0 : this.value(d, line) };
  }

  private pollFds(call: SyscallSpec, line: number): Array<{ fd: number; events: number; revents: Expr | undefined }> {
    const list = call.args[0];
    if (list.kind !== 'list') throw new Unsupported('poll() without a [{fd=..., events=...}] list');
    return list.items.map((it) => {
      if (it.kind !== 'struct') throw new Unsupported('poll() entry that is not {fd=..., events=...}');
      const f = structFields(it);
      if (!f.fd || !f.events) throw new Unsupported('poll() entry without fd and events');
      return { fd: this.value(f.fd, line), events: this.value(f.events, line), revents: f.revents };
    });
  }

  private poll(call: SyscallSpec, timeoutMs: number, line: number): CallResult {
    const fds = this.pollFds(call, line);
    const startUs = this.nowUs;
    const attempt = (now: number): CallResult | undefined => {
      const revents = fds.map((p) => this.table.pollEvents(p.fd, p.events));
      const ready = revents.filter((r) => r !== 0).length;
      if (ready > 0 || timeoutMs === 0 || (timeoutMs > 0 && now >= startUs + timeoutMs * 1000 - 1e-6)) return { done: true, ret: ready, revents };
      return undefined;
    };
    const r = attempt(startUs);
    if (r) return r;
    return { done: false, retry: attempt, deadline: timeoutMs > 0 ? startUs + timeoutMs * 1000 : undefined };
  }

  private checkResult(e: ScriptEvent & { type: 'syscall' }, r: CallResult, note = ''): void {
    if (!r.done) return;
    const call = e.call;
    const want = this.value(call.result, e.line);
    const got = r.ret;
    const show = (ret: number, errno: string | undefined) => (ret === -1 && errno ? `-1 ${errno}` : String(ret));
    if (want !== got) {
      throw new Failure(e.line, `${call.name}() returned ${show(got, r.errno)}, expected ${show(want, call.errno)}${note}`);
    }
    if (got === -1 && call.errno !== undefined) {
      const wantErr = ERRNO[call.errno];
      if (wantErr === undefined) throw new NotSupported(e.line, `errno ${call.errno}`);
      if (ERRNO[r.errno ?? ''] !== wantErr) throw new Failure(e.line, `${call.name}() failed with ${r.errno}, expected ${call.errno}${note}`);
    }
    // Values the call fills in: getsockopt's option and length, poll's revents.
    if (call.name === 'getsockopt' && r.value) {
      const optArg = call.args[3];
      const lenArg = call.args[4];
      if (r.value.int !== undefined && optArg.kind !== 'ellipsis') {
        const expected = this.value(optArg, e.line);
        if (expected !== r.value.int) {
          throw new Failure(e.line, `getsockopt(${exprText(call.args[2])}) gave ${describeValue(call.args[2], r.value.int)}, expected ${describeValue(call.args[2], expected)}`);
        }
      }
      if (r.value.linger && optArg.kind === 'struct') {
        const f = structFields(optArg);
        const on = f.onoff ? this.value(f.onoff, e.line) : undefined;
        const lg = f.linger ? this.value(f.linger, e.line) : undefined;
        if ((on !== undefined && on !== r.value.linger.onoff) || (lg !== undefined && lg !== r.value.linger.linger)) {
          throw new Failure(e.line, `getsockopt(SO_LINGER) gave {onoff=${r.value.linger.onoff}, linger=${r.value.linger.linger}}, expected ${exprText(optArg)}`);
        }
      }
      if (lenArg.kind !== 'ellipsis') {
        const len = this.value(lenArg, e.line);
        const actual = r.value.linger ? 8 : 4;
        if (len !== actual) throw new Failure(e.line, `getsockopt() length ${actual}, expected ${len}`);
      }
    }
    if (call.name === 'ioctl' && r.value?.int !== undefined && call.args[2].kind !== 'ellipsis') {
      const expected = this.value(call.args[2], e.line);
      if (expected !== r.value.int) throw new Failure(e.line, `ioctl(${exprText(call.args[1])}) gave ${r.value.int}, expected ${expected}`);
    }
    if (call.name === 'recvmsg' && got >= 0) {
      const m = parseMsgHdr(call.args[1], (x) => this.value(x, e.line), 'recvmsg');
      const got = r.control ?? [];
      if (m.control !== undefined) {
        // A timestamp (scm_timestamping's scm_sec, scm_nsec) matches within the script's tolerance.
        const tol = this.toleranceUs;
        const sameTime = (want: Record<string, number | undefined>, have: Record<string, number | undefined>) =>
          want.scm_sec === undefined || want.scm_nsec === undefined || have.scm_sec === undefined || have.scm_nsec === undefined ||
          Math.abs((want.scm_sec - have.scm_sec) * 1e6 + (want.scm_nsec - have.scm_nsec) / 1000) <= tol;
        const sameFields = (want: ControlMessage['fields'], have: ControlMessage['fields']) =>
          want === undefined ||
          (have !== undefined && sameTime(want, have) && Object.entries(want).every(([k, v]) => v === undefined || k === 'scm_sec' || k === 'scm_nsec' || (k in have && have[k] === v)));
        const same = m.control.length === got.length && m.control.every((c, i) => c.level === got[i].level && c.type === got[i].type && (c.data === undefined || c.data === got[i].data) && sameFields(c.fields, got[i].fields));
        if (!same) {
          const fieldsText = (f: ControlMessage['fields']) => (f ? ` {${Object.entries(f).map(([k, v]) => `${k}=${v ?? '...'}`).join(', ')}}` : '');
          const show = (c: ControlMessage[]) => `[${c.map((x) => `{level ${x.level}, type ${x.type}, data ${x.data ?? '...'}${fieldsText(x.fields)}}`).join(', ')}]`;
          throw new Failure(e.line, `recvmsg() control messages ${show(got)}, expected ${show(m.control)}`);
        }
      }
      if (m.flags !== undefined && m.flags !== (r.msgFlags ?? 0)) throw new Failure(e.line, `recvmsg() msg_flags 0x${(r.msgFlags ?? 0).toString(16)}, expected 0x${m.flags.toString(16)}`);
    }
    if ((call.name === 'epoll_wait' || call.name === 'epoll_pwait') && r.epollEvents) {
      const x = call.args[1];
      const want = x.kind === 'list' ? x.items : x.kind === 'struct' ? [x] : [];
      r.epollEvents.forEach((ev, i) => {
        const w = want[i] ? this.epollEvent(want[i], e.line) : undefined;
        if (!w) return;
        if (w.events !== ev.events) throw new Failure(e.line, `${call.name}() event ${i}: events ${epollText(ev.events)}, expected ${epollText(w.events)}`);
        const f = structFields(want[i] as Extract<Expr, { kind: 'struct' }>);
        const d = f.fd ?? f.u32 ?? f.u64 ?? f.ptr ?? f.data;
        if (d && d.kind !== 'ellipsis' && w.data !== ev.data) throw new Failure(e.line, `${call.name}() event ${i}: data ${ev.data}, expected ${w.data}`);
      });
    }
    if (call.name === 'poll' && r.revents) {
      const fds = this.pollFds(call, e.line);
      fds.forEach((p, i) => {
        if (p.revents && p.revents.kind !== 'ellipsis') {
          const want = this.value(p.revents, e.line);
          if (want !== r.revents?.[i]) throw new Failure(e.line, `poll() revents for fd ${p.fd}: 0x${(r.revents?.[i] ?? 0).toString(16)}, expected 0x${want.toString(16)}`);
        }
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Commands and code

  private command(cmd: string, line: number): void {
    const r = runShell(cmd, {
      sysctlWrite: (name, value) => {
        const why = applySysctl(name, value, this.host);
        if (!why && this.stackInstance) return this.lateSysctl();
        return why;
      },
      sysctlRead: (name) => readSysctl(name, this.host),
      sockets: () => this.sockets(),
      drop: (row) => this.drop(row),
      readFile: this.opts.readFile,
      files: this.files,
      flushMetrics: () => undefined,
      changeRoute: (dst, route) => this.changeRoute(dst, route),
      setTso: (on) => {
        this.tso = on && PERSONALITIES[this.personality].tso;
      },
      setQdiscLimit: (limit) => {
        this.qdiscDropsAll = limit === 0;
      },
      pid: 4242,
      counters: () => nstatCounters(this.stackInstance?.counters),
      nstatHistory: this.nstatHistory,
    });
    if (!r.ok) throw new NotSupported(line, r.unsupported);
    this.trace(`\`${cmd}\` exit ${r.status}${r.output.length ? ': ' + r.output.join(' | ') : ''}`);
    if (r.status !== 0) throw new Failure(line, `command \`${cmd}\` failed (exit status ${r.status})${r.output.length ? '; output: ' + r.output.join(' / ') : ''}`);
  }

  /**
   * `ip route change` toward the remote peer: its MTU for the connections to come and, once they send
   * again, for those open (Stack.setRouteMtu); `advmss` (the MSS option) and `initcwnd` for the
   * connections to come. `mtu lock` (no
   * change by ICMP) is taken as given: no script here sends ICMP on a locked route.
   */
  private changeRoute(dst: string, route: RouteChange): string | undefined {
    const addr = parseIp(dst);
    if (addr === undefined || ipToString(addr) !== ipToString(this.remote)) return `a route toward ${dst}, not toward the remote peer ${this.remoteText}`;
    const mtu = route.mtu ?? this.mtu;
    this.mtu = mtu;
    // A route's advmss is the MSS option; without one, the MTU's (ipv4_default_advmss).
    this.host.tcp.advmss = route.advmss !== undefined && route.advmss !== mssForMtu(mtu, this.family) ? route.advmss : undefined;
    if (route.initcwnd !== undefined) this.host.tcp.initialWindow = route.initcwnd;
    const st = this.stackInstance;
    if (st !== undefined) {
      Object.assign(st.config, { mtu, advmss: this.host.tcp.advmss, initialWindow: this.host.tcp.initialWindow ?? st.config.initialWindow });
      if (route.mtu !== undefined) st.setRouteMtu(this.remote, route.mtu);
    }
    return undefined;
  }

  /** nstat's history for the script's `nstat` commands. */
  private readonly nstatHistory = new Map<string, number>();

  /** A sysctl after the stack exists applies to the connections made after it, as in FreeBSD. */
  private lateSysctl(): string | undefined {
    const st = this.stack();
    Object.assign(st.config, this.host.tcp);
    Object.assign(st.limits, this.host.limits);
    Object.assign(st.fastOpen, this.host.fastOpen);
    const keys = this.host.fastOpenKeys;
    if (keys !== undefined) st.setFastOpenKeys(keys[0], keys[1] ?? null);
    return this.checkStackOptions(st);
  }

  /** Stack-wide options (blackhole) are fixed when the stack is made: check the stack took them. */
  private checkStackOptions(st: Stack): string | undefined {
    for (const [k, v] of Object.entries(this.host.stack)) {
      // 0 is what a stack without the option does anyway (blackhole 0: answer with RST).
      if (!(k in st) && v === 0) continue;
      if ((st as unknown as Record<string, unknown>)[k] !== v) {
        return k in st ? `changing ${k} to ${String(v)} after the stack is made (it is fixed for the stack's life)` : `${k}=${String(v)} (synack's stack has no ${k} option)`;
      }
    }
    return undefined;
  }

  /** What each row of the last listing stands for, for tcpdrop. */
  private readonly rowTargets = new WeakMap<SocketRow, object>();

  /**
   * tcpdrop of one connection: FreeBSD's tcp_drop, an ABORT (RFC 9293 §3.10.5: a RST where the peer
   * holds state for us) whose error the socket reports as ECONNABORTED.
   */
  private drop(row: SocketRow): string | undefined {
    const target = this.rowTargets.get(row);
    const st = this.stackInstance;
    const conn = st && target ? [...st.connections()].find((c) => c === target) : undefined;
    // A TIME-WAIT entry goes without a word (tcp_twclose); a connection still in TIME-WAIT on its way
    // to the compact entry is made one first by the stack's own pass.
    const tw = st && target ? [...st.timeWaitEntries()].find((t) => t === target) : undefined;
    if (st && (tw || conn?.state === 'TIME-WAIT')) {
      const ends = tw ?? conn!;
      if (!st.dropTimeWait(ends.local, ends.remote, this.nowUs / 1000)) return 'the TIME-WAIT connection is not in the stack\'s TIME-WAIT table yet';
      this.pump(false);
      if (conn) this.table.connectionDropped(conn);
      return undefined;
    }
    if (!conn) return 'no such connection in the stack';
    conn.abort(this.nowUs / 1000);
    this.pump(false);
    this.table.connectionDropped(conn);
    return undefined;
  }

  private sockets(): SocketRow[] {
    const rows: SocketRow[] = [];
    const st = this.stackInstance;
    const addr = (a: IpAddress, port: number | undefined) => {
      const text = ipToString(a);
      return typeof a === 'number' ? `${text}:${port ?? '*'}` : `${text}.${port ?? '*'}`;
    };
    const fdOf = (x: unknown) => {
      for (const fd of this.table.openFds()) {
        const c = this.table.connectionOf(fd);
        if (c && (c.conn === x || c.listener === x)) return fd;
      }
      return undefined;
    };
    const seen = new Set<unknown>();
    if (st) {
      for (const l of st.listenersList()) {
        seen.add(l);
        rows.push({ fd: fdOf(l), family: this.family, local: addr(l.address ?? this.local, l.port), localPort: l.port, foreign: '*:*', foreignPort: undefined, state: 'LISTEN' });
        this.rowTargets.set(rows[rows.length - 1], l);
      }
      for (const c of st.connections()) {
        seen.add(c);
        rows.push({
          fd: fdOf(c),
          family: typeof c.local.address === 'number' ? 4 : 6,
          local: addr(c.local.address, c.local.port),
          localPort: c.local.port,
          foreign: addr(c.remote.address, c.remote.port),
          foreignPort: c.remote.port,
          localHost: ipToString(c.local.address),
          foreignHost: ipToString(c.remote.address),
          state: FREEBSD_STATE_NAMES[STATE_NUMBER[c.state]],
        });
        this.rowTargets.set(rows[rows.length - 1], c);
      }
      // Compact TIME-WAIT entries; the descriptor column from the connection, if the script still holds it.
      for (const tw of st.timeWaitEntries()) {
        const owner = tw.owner;
        if (owner) seen.add(owner);
        rows.push({
          fd: owner ? fdOf(owner) : undefined,
          family: typeof tw.local.address === 'number' ? 4 : 6,
          local: addr(tw.local.address, tw.local.port),
          localPort: tw.local.port,
          foreign: addr(tw.remote.address, tw.remote.port),
          foreignPort: tw.remote.port,
          localHost: ipToString(tw.local.address),
          foreignHost: ipToString(tw.remote.address),
          state: FREEBSD_STATE_NAMES[STATE_NUMBER['TIME-WAIT']],
        });
        this.rowTargets.set(rows[rows.length - 1], tw);
      }
    }
    for (const fd of this.table.openFds()) {
      const c = this.table.connectionOf(fd);
      if (!c || seen.has(c.conn ?? c.listener ?? {})) continue;
      if (c.listener && seen.has(c.listener)) continue;
      const conn = c.conn;
      rows.push({
        fd,
        family: this.family,
        local: conn ? addr(conn.local.address, conn.local.port) : '*:*',
        localPort: conn?.local.port,
        foreign: conn ? addr(conn.remote.address, conn.remote.port) : '*:*',
        foreignPort: conn?.remote.port,
        state: 'CLOSED',
      });
    }
    return rows;
  }

  /** What one `%{ }%` block leaves for the next (packetdrill runs them as one Python program). */
  private codeScopeInstance: CodeScope | undefined;

  private code(e: ScriptEvent & { type: 'code' }): void {
    this.trace(`%{${e.code.trim()}}% (line ${e.line})`);
    this.codeScopeInstance ??= new CodeScope(PERSONALITIES[this.personality].os, (text) => this.trace(`print: ${text}`));
    const r = evaluateCode(e.code, () => this.tcpInfo(), this.codeScopeInstance);
    if (r.ok) return;
    if ('unsupported' in r) throw new NotSupported(e.line, r.unsupported);
    throw new Failure(e.line, r.failed);
  }

  /** TCP_INFO of packetdrill's socket under test: the last socket made by socket() or accept(). */
  private tcpInfo(): TcpInfo | string {
    const fd = this.table.underTest;
    if (fd === undefined) return 'no socket to read TCP_INFO from';
    const c = this.table.connectionOf(fd);
    if (!c) return `socket ${fd} is closed`;
    if (PERSONALITIES[this.personality].os === 'linux') {
      // Linux's struct tcp_info (tcp-info.ts has the table of which field is which quantity).
      if (c.listener) return linuxListenerInfo(c.listener);
      if (!c.conn) return linuxClosedInfo();
      return linuxTcpInfo(c.conn, this.nowUs / 1000);
    }
    if (c.listener) return { tcpi_state: STATE_NUMBER.LISTEN, tcpi_options: 0 };
    if (!c.conn) return { tcpi_state: STATE_NUMBER.CLOSED, tcpi_options: 0 };
    const t = c.conn.tcb;
    return {
      tcpi_state: STATE_NUMBER[c.conn.state],
      tcpi_options: (t.timestamps ? TCPI_OPTIONS.TCPI_OPT_TIMESTAMPS : 0) | (t.sackPermitted ? TCPI_OPTIONS.TCPI_OPT_SACK : 0) | (t.windowScaling ? TCPI_OPTIONS.TCPI_OPT_WSCALE : 0) | (t.ecnEnabled ? TCPI_OPTIONS.TCPI_OPT_ECN : 0),
      tcpi_snd_wscale: t.sndShift,
      tcpi_rcv_wscale: t.rcvShift,
      tcpi_snd_mss: t.sendMss,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The end

  /**
   * After the last event: a blocked call must finish (packetdrill waits up to a second), and
   * nothing synack sent may be left unexpected, including what it sends within the tolerance after
   * the last event. Packets a trailing close() or shutdown() causes (the FIN or RST of tearing the
   * connection down, after the script's last packet) are not judged: packetdrill never looks at
   * them, and FreeBSD sends them too.
   */
  private finish(): void {
    const lastLine = this.script.events.at(-1)?.line;
    if (this.pending) {
      const p = this.pending;
      const limit = Math.max(this.nowUs + AWAIT_IDLE_US, p.endUs + this.toleranceUs);
      while (this.pending) {
        const d = this.nextDeadlineUs();
        if (d === undefined || d > limit) throw new Failure(p.event.line, `the script ended while ${p.event.call.name}() was still blocked${this.pending ? '' : ''}`);
        this.fireAt(d);
      }
    }
    this.advanceTo(this.nowUs + this.toleranceUs, true);
    const judged = this.queue.filter((q) => !q.teardown);
    for (const q of this.queue) if (q.teardown) this.trace(`not judged (after the script's final close/shutdown): ${outPacketText(q.packet, this.flow)}`);
    if (judged.length) {
      const q = judged[0];
      const text = `at ${secs(q.timeUs)} sec: ${outPacketText(q.packet, this.flow)}${judged.length > 1 ? ` (and ${judged.length - 1} more)` : ''}`;
      // Google's packetdrill reads what the stack sent only when a line expects a packet, and never
      // after the last event, so Linux's scripts leave out what follows their last outbound line (a
      // comment often names it). Under linux, lenient mode does as packetdrill does, and says so.
      if (this.mode === 'lenient' && PERSONALITIES[this.personality].os === 'linux') {
        this.relaxed.add('packets after the last expected one');
        this.trace(`not read (packetdrill reads no packet after the last expected one): sent ${text}`);
        return;
      }
      throw new Failure(lastLine, `synack sent an unexpected packet ${text}`);
    }
  }
}

function isInbound(e: ScriptEvent): boolean {
  return (e.type === 'packet' && e.packet.direction === 'in') || (e.type === 'icmp' && e.icmp.direction === 'in');
}

function eventName(e: ScriptEvent): string {
  switch (e.type) {
    case 'packet':
      return `${e.packet.direction === 'in' ? 'inbound' : 'outbound'} packet`;
    case 'icmp':
      return `${e.icmp.direction === 'in' ? 'inbound' : 'outbound'} ICMP message`;
    case 'syscall':
      return `${e.call.name}()`;
    case 'command':
      return 'command';
    case 'code':
      return 'code';
  }
}

function when(e: ScriptEvent, us: number, endUs: number): string {
  if (e.time.kind === 'any') return 'any time';
  if (endUs !== us) return `${secs(us)}~${secs(endUs)} sec`;
  return `${secs(us)} sec`;
}

function structFields(x: Extract<Expr, { kind: 'struct' }>): Record<string, Expr> {
  const f: Record<string, Expr> = {};
  for (const it of x.items) if (it.kind === 'binary' && it.op === '=' && it.left.kind === 'word') f[it.left.name] = it.right;
  return f;
}

export function exprText(x: Expr): string {
  switch (x.kind) {
    case 'ellipsis':
      return '...';
    case 'int':
      return x.text;
    case 'word':
      return x.name;
    case 'string':
      return JSON.stringify(x.value);
    case 'list':
      return `[${x.items.map(exprText).join(', ')}]`;
    case 'struct':
      return `{${x.items.map(exprText).join(', ')}}`;
    case 'binary':
      return x.op === '=' ? `${exprText(x.left)}=${exprText(x.right)}` : `${exprText(x.left)} | ${exprText(x.right)}`;
    case 'call':
      return `${x.name}(${x.args.map(exprText).join(', ')})`;
  }
}

/** An option value for messages: errno names for SO_ERROR. */
/** epoll event bits by name, for messages. */
function epollText(bits: number): string {
  const names = Object.entries(EPOLL).filter(([k, v]) => k.startsWith('EPOLL') && !k.startsWith('EPOLL_') && v !== 0 && (bits & v) >>> 0 === v >>> 0 && !['EPOLLEXCLUSIVE', 'EPOLLWAKEUP', 'EPOLLONESHOT', 'EPOLLET'].includes(k)).map(([k]) => k);
  return names.length ? names.join('|') : String(bits);
}

function describeValue(name: Expr, v: number): string {
  if (name.kind === 'word' && name.name === 'SO_ERROR') return v === 0 ? '[0]' : `[${errnoName(v)}]`;
  return `[${v}]`;
}

/** A call's buffer argument written `NULL`. */
function isNull(e: Expr | undefined): boolean {
  return e !== undefined && e.kind === 'word' && e.name === 'NULL';
}
