/**
 * FreeBSD's sysctl knobs (the suite's scripts set them with `sysctl -w`) mapped onto synack's
 * configuration. A knob synack has no equivalent for makes the script UNSUPPORTED, naming the knob,
 * unless it is set to a value that describes what synack does anyway (FreeBSD's default, which the
 * suite's scripts set to put the host in a known state, or synack's own fixed behaviour).
 */
import { DEFAULT_TCP_CONFIG, type TcpConfig } from '../tcp/config.js';
import { DEFAULT_STACK_LIMITS } from '../stack/stack.js';

/** What the knobs set so far: synack settings and the runner's own. */
export interface HostSettings {
  /** Overrides of synack's TcpConfig. */
  tcp: Partial<TcpConfig> & Record<string, unknown>;
  /** Overrides of the stack's limits. */
  limits: Record<string, unknown>;
  /** Other StackOptions (blackhole). */
  stack: Record<string, unknown>;
  /** FreeBSD's sb_max (kern.ipc.maxsockbuf): socket buffers never grow beyond it. */
  maxSockBuf: number;
  /** FreeBSD's net.inet.tcp.rexmit_slop (ms), added to every retransmission timeout there. */
  rexmitSlopMs: number;
  /** Knobs set, name -> value, for messages. */
  set: Map<string, number>;
}

/** A host before any sysctl: synack's defaults, or a personality's settings (`base`) over them. */
export function defaultHostSettings(base: Readonly<Partial<TcpConfig>> = {}): HostSettings {
  return { tcp: { ...base }, limits: {}, stack: {}, maxSockBuf: 2_097_152, rexmitSlopMs: 200, set: new Map() };
}

/** FreeBSD's window scale from sb_max (tcp_connect / syncache_add): the smallest shift that covers it. */
export function freebsdWindowScale(sbMax: number): number {
  let shift = 0;
  while (shift < 14 && 65535 * 2 ** shift < sbMax) shift++;
  return shift;
}

/** Does synack have this TcpConfig field (another engineer may be adding it)? */
export function hasTcpField(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(DEFAULT_TCP_CONFIG, name);
}

function hasLimitField(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(DEFAULT_STACK_LIMITS, name);
}

type Apply = (value: number, h: HostSettings) => string | undefined;

/**
 * A knob that maps onto a TcpConfig field that may not exist yet. While it does not, only values
 * in `acceptWhenMissing` run (FreeBSD's default and synack's fixed behaviour); anything else is
 * unsupported.
 */
function field(name: string, convert: (v: number) => unknown, acceptWhenMissing: number[]): Apply {
  return (v, h) => {
    if (hasTcpField(name)) {
      h.tcp[name] = convert(v);
      return undefined;
    }
    if (acceptWhenMissing.includes(v)) return undefined;
    return `synack has no tcp.${name} yet`;
  };
}

const nonNegative = (v: number) => {
  if (!Number.isInteger(v) || v < 0) throw new RangeError('must be a whole number >= 0');
  return v;
};

/** Every knob the runner knows. FreeBSD defaults from tcp(4), sysctl -d and the kernel sources. */
const KNOBS: Record<string, Apply> = {
  // RFC 7323: 0 none, 1 both, 2 window scaling only, 3 timestamps only (tcp_var.h TF_REQ_*).
  'net.inet.tcp.rfc1323': (v, h) => {
    if (v < 0 || v > 3) return 'values other than 0 to 3';
    h.tcp.windowScaling = v === 1 || v === 2;
    h.tcp.timestamps = v === 1 || v === 3;
    return undefined;
  },
  'net.inet.tcp.sack.enable': (v, h) => {
    h.tcp.sack = v !== 0;
    return undefined;
  },
  'net.inet.tcp.recvspace': (v, h) => {
    if (v < 1) return 'a receive buffer below 1 byte';
    h.tcp.receiveBufferSize = v;
    return undefined;
  },
  'net.inet.tcp.sendspace': (v, h) => {
    if (v < 1) return 'a send buffer below 1 byte';
    h.tcp.sendBufferSize = v;
    return undefined;
  },
  // FreeBSD asks for the shift that covers sb_max, whatever the buffer (tcp_connect, syncache_add).
  'kern.ipc.maxsockbuf': (v, h) => {
    h.maxSockBuf = v;
    h.tcp.windowScale = freebsdWindowScale(v);
    return undefined;
  },
  'net.inet.tcp.insecure_rst': field('rfc5961Rst', (v) => v === 0, [0]),
  'net.inet.tcp.insecure_syn': field('rfc5961Syn', (v) => v === 0, [0]),
  'net.inet.tcp.rexmit_initial': (v, h) => {
    h.tcp.initialRtoMs = nonNegative(v);
    return undefined;
  },
  'net.inet.tcp.rexmit_min': (v, h) => {
    h.tcp.minRtoMs = nonNegative(v);
    return undefined;
  },
  // Added to every retransmission timeout by FreeBSD (TCPT_RANGESET); synack has no such term, so
  // lenient mode allows timer-driven segments this much earlier or later (see runner).
  'net.inet.tcp.rexmit_slop': (v, h) => {
    h.rexmitSlopMs = nonNegative(v);
    return undefined;
  },
  // FreeBSD drops the options from the third SYN retransmission on (tcp_timer_rexmt, t_rxtshift == 3).
  'net.inet.tcp.rexmit_drop_options': field('synRetransmitDropOptions', (v) => (v !== 0 ? 3 : 0), [0]),
  'net.inet.tcp.ecn.enable': field('ecn', (v) => (v === 0 ? 'off' : v === 1 ? 'on' : 'passive'), [0, 2]),
  'net.inet.tcp.ecn.maxretries': field('ecnMaxSynRetries', (v) => v, [1]),
  'net.inet.tcp.keepinit': field('connectTimeoutMs', (v) => v, [75_000]),
  'net.inet.tcp.drop_synfin': field('dropSynFin', (v) => v !== 0, [0]),
  'net.inet.tcp.minmss': (v, h) => {
    if (!Number.isInteger(v) || v < 1 || v > 65535) return 'a minimum MSS outside 1..65535';
    h.tcp.minSendMss = v;
    return undefined;
  },
  // A StackOptions field (the runner checks that the stack took it).
  'net.inet.tcp.blackhole': (v, h) => {
    if (v !== 0 && v !== 1 && v !== 2) return 'values other than 0, 1 and 2';
    if (hasTcpField('blackhole')) h.tcp.blackhole = v;
    else if (hasLimitField('blackhole')) h.limits.blackhole = v;
    else h.stack.blackhole = v;
    return undefined;
  },
  'net.inet.tcp.tolerate_missing_ts': (v, h) => {
    h.tcp.requireTimestamps = v === 0;
    return undefined;
  },
  'net.inet.tcp.msl': (v, h) => {
    h.tcp.mslMs = nonNegative(v);
    return undefined;
  },
  'net.inet.tcp.delacktime': (v, h) => {
    h.tcp.ackDelayMs = nonNegative(v);
    return undefined;
  },
  'net.inet.tcp.delayed_ack': (v, h) => {
    if (v === 0) h.tcp.ackDelayMs = 0;
    return undefined;
  },
  'net.inet.tcp.finwait2_timeout': (v, h) => {
    h.tcp.finWait2TimeoutMs = nonNegative(v);
    return undefined;
  },
  'net.inet.tcp.keepidle': (v, h) => {
    h.tcp.keepAliveIdleMs = nonNegative(v);
    return undefined;
  },
  'net.inet.tcp.keepintvl': (v, h) => {
    h.tcp.keepAliveIntervalMs = nonNegative(v);
    return undefined;
  },
  'net.inet.tcp.keepcnt': (v, h) => {
    h.tcp.keepAliveProbes = nonNegative(v);
    return undefined;
  },
  // Flushing FreeBSD's host cache: synack keeps no per-host metrics, so there is nothing to flush.
  'net.inet.tcp.hostcache.purgenow': () => undefined,
  // StackOptions.synCookies: syncookies_only=1 is 'always' (FreeBSD then sends cookies for every SYN),
  // else syncookies=1 (FreeBSD's default) is 'on-overflow' (cookies once the syncache is full), 0 'off'.
  'net.inet.tcp.syncookies': (v, h) => {
    if (v !== 0 && v !== 1) return 'values other than 0 and 1';
    h.stack.synCookies = h.set.get('net.inet.tcp.syncookies_only') === 1 ? 'always' : v === 1 ? 'on-overflow' : 'off';
    return undefined;
  },
  'net.inet.tcp.syncookies_only': (v, h) => {
    if (v !== 0 && v !== 1) return 'values other than 0 and 1';
    h.stack.synCookies = v === 1 ? 'always' : h.set.get('net.inet.tcp.syncookies') === 0 ? 'off' : 'on-overflow';
    return undefined;
  },
};

/**
 * Apply `sysctl -w name=value`. Returns undefined when applied, else why the script is
 * unsupported.
 */
export function applySysctl(name: string, text: string, h: HostSettings): string | undefined {
  const knob = KNOBS[name];
  if (!knob) return `sysctl ${name} (no synack equivalent)`;
  if (!/^-?\d+$/.test(text)) return `sysctl ${name}=${text} (not a number)`;
  const value = Number(text);
  let why: string | undefined;
  try {
    why = knob(value, h);
  } catch (e) {
    why = (e as Error).message;
  }
  if (why) return `sysctl ${name}=${text}: ${why}`;
  h.set.set(name, value);
  return undefined;
}

/** The value `sysctl name` prints (for `sysctl name` without -w), when the runner knows it. */
export function readSysctl(name: string, h: HostSettings): number | undefined {
  return h.set.get(name);
}

