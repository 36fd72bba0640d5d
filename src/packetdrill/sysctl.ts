/**
 * The sysctl knobs scripts set, mapped onto synack's configuration: FreeBSD's `net.inet.*` (the
 * FreeBSD suite sets them with `sysctl -w`) and Linux's `net.ipv4.*` (Linux's scripts, through
 * `common/defaults.sh`, `sysctl -q` and `/proc/sys/net/ipv4/*`). A knob synack has no equivalent for
 * makes the script UNSUPPORTED, naming the knob, unless it is set to a value that describes what
 * synack does anyway (the system's default, which scripts set to put the host in a known state, or
 * synack's own fixed behaviour).
 */
import { DEFAULT_TCP_CONFIG, type TcpConfig } from '../tcp/config.js';
import { DEFAULT_STACK_LIMITS } from '../stack/stack.js';
import type { FastOpenSettings } from '../stack/fast-open.js';
import { fastOpenKeyBytes, fastOpenSettingsFor } from './fast-open.js';

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
  /** Knobs set, name -> value as written, for messages and `sysctl name`. */
  set: Map<string, string>;
  /** Whose system calls the socket table imitates (the personality's `os`). */
  os: 'freebsd' | 'linux';
  /** TCP Fast Open (net.ipv4.tcp_fastopen): the stack's settings. */
  fastOpen: Partial<FastOpenSettings>;
  /** net.ipv4.tcp_fastopen_key: the primary key and a backup, when set. */
  fastOpenKeys: Uint8Array[] | undefined;
}

/** A host before any sysctl: synack's defaults, or a personality's settings (`base`) over them. */
export function defaultHostSettings(base: Readonly<Partial<TcpConfig>> = {}, os: 'freebsd' | 'linux' = 'freebsd'): HostSettings {
  // sb_max: FreeBSD's kern.ipc.maxsockbuf (2 MiB); on Linux, the most SO_SNDBUF/SO_RCVBUF may ask
  // for is net.core.wmem_max/rmem_max (212992), which the kernel doubles.
  // Linux's tcp_fastopen before any sysctl is 1: the client only.
  const fastOpen = os === 'linux' ? (fastOpenSettingsFor(1) as Partial<FastOpenSettings>) : {};
  return { tcp: { ...base }, limits: {}, stack: {}, maxSockBuf: os === 'linux' ? 2 * LINUX_RMEM_MAX : 2_097_152, rexmitSlopMs: 200, set: new Map(), os, fastOpen, fastOpenKeys: undefined };
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
    h.stack.synCookies = h.set.get('net.inet.tcp.syncookies_only') === '1' ? 'always' : v === 1 ? 'on-overflow' : 'off';
    return undefined;
  },
  'net.inet.tcp.syncookies_only': (v, h) => {
    if (v !== 0 && v !== 1) return 'values other than 0 and 1';
    h.stack.synCookies = v === 1 ? 'always' : h.set.get('net.inet.tcp.syncookies') === '0' ? 'off' : 'on-overflow';
    return undefined;
  },
};

/** Linux's window scale (tcp_select_initial_window): from the largest of tcp_rmem[2] and rmem_max. */
export function linuxWindowScale(rmemMax: number): number {
  const space = Math.max(rmemMax, LINUX_RMEM_MAX);
  return Math.min(14, Math.max(0, Math.floor(Math.log2(space)) - 15));
}

/** net.core.rmem_max's default (212992), which tcp_select_initial_window also takes into account. */
const LINUX_RMEM_MAX = 212_992;

/** A Linux knob: its value with no script having set it (the kernel's default), and how it maps. */
interface LinuxKnob {
  /** What `sysctl name` prints on a Linux host that nothing has changed (ip-sysctl.rst). */
  default: string;
  apply: (text: string, h: HostSettings) => string | undefined;
}

/** A whole number (decimal, or hex as `0x...`, as the kernel's proc_dointvec takes). */
function integer(text: string): number | undefined {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t.slice(2), 16);
  return undefined;
}

/** Three whole numbers, as tcp_rmem and tcp_wmem take them. */
function triple(text: string): [number, number, number] | undefined {
  const parts = text.trim().split(/\s+/).map(integer);
  if (parts.length !== 3 || parts.some((p) => p === undefined || p < 1)) return undefined;
  return parts as [number, number, number];
}

/** A knob whose value maps onto settings: `convert` returns why not, or undefined when applied. */
function linuxInt(def: number, convert: (v: number, h: HostSettings) => string | undefined): LinuxKnob {
  return {
    default: String(def),
    apply: (text, h) => {
      const v = integer(text);
      if (v === undefined) return 'not a whole number';
      return convert(v, h);
    },
  };
}

/** A Linux mechanism synack does not have: only the values that describe synack (or Linux's default, which the personality states it does not model) run. */
function linuxAccept(def: number, values: number[], what: string): LinuxKnob {
  return linuxInt(def, (v) => (values.includes(v) ? undefined : `synack has no ${what}`));
}

const bool = (v: number) => (v === 0 || v === 1 ? undefined : 'values other than 0 and 1');

/**
 * Linux's knobs (Documentation/networking/ip-sysctl.rst; defaults as a kernel has them before
 * common/defaults.sh). Those that name a Linux mechanism synack does not have accept the values
 * that describe synack, and Linux's default where the personality states the difference (README:
 * the linux personality): a script that depends on the mechanism then FAILs rather than passes.
 */
const LINUX_KNOBS: Record<string, LinuxKnob> = {
  'net.ipv4.tcp_rmem': {
    default: '4096 131072 6291456',
    apply: (text, h) => {
      const t = triple(text);
      if (!t) return 'three sizes (min default max) are needed';
      h.tcp.receiveBufferSize = t[1];
      h.tcp.receiveBufferMax = Math.max(t[1], t[2]);
      h.tcp.windowScale = linuxWindowScale(t[2]);
      return undefined;
    },
  },
  'net.ipv4.tcp_wmem': {
    default: '4096 16384 4194304',
    apply: (text, h) => {
      const t = triple(text);
      if (!t) return 'three sizes (min default max) are needed';
      h.tcp.sendBufferSize = t[1];
      h.tcp.sendBufferMax = Math.max(t[1], t[2]);
      return undefined;
    },
  },
  // 1: timestamps with a per-connection random offset; 2: without the offset (synack always offsets).
  'net.ipv4.tcp_timestamps': linuxInt(1, (v, h) => {
    if (v !== 0 && v !== 1) return 'values other than 0 and 1 (2: timestamps without a random offset)';
    h.tcp.timestamps = v === 1;
    return undefined;
  }),
  'net.ipv4.tcp_window_scaling': linuxInt(1, (v, h) => bool(v) ?? void (h.tcp.windowScaling = v === 1)),
  'net.ipv4.tcp_sack': linuxInt(1, (v, h) => bool(v) ?? void (h.tcp.sack = v === 1)),
  // RFC 2883 D-SACK: synack always reports duplicates.
  'net.ipv4.tcp_dsack': linuxAccept(1, [1], 'setting to turn D-SACK off'),
  // FACK is gone from Linux (4.15; RACK replaced it) and synack never had it.
  'net.ipv4.tcp_fack': linuxAccept(0, [0], 'FACK (RACK replaces it, as in Linux since 4.15)'),
  // RFC 5681's DupThresh, which synack keeps at 3 (RACK adapts its own reordering window).
  'net.ipv4.tcp_reordering': linuxAccept(3, [3], 'setting for the duplicate-ACK threshold (fixed at 3)'),
  'net.ipv4.tcp_syn_retries': linuxInt(6, (v, h) => (v < 1 || v > 127 ? 'values outside 1 to 127' : void (h.tcp.synRetries = v))),
  'net.ipv4.tcp_synack_retries': linuxInt(5, (v, h) => (v < 0 || v > 255 ? 'values outside 0 to 255' : void (h.tcp.synAckRetries = v))),
  'net.ipv4.tcp_retries2': linuxInt(15, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.r2 = v))),
  'net.ipv4.tcp_retries1': linuxInt(3, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.r1 = v))),
  // RFC 5682 F-RTO: synack does not detect spurious timeouts (0); Linux's default is 2.
  'net.ipv4.tcp_frto': linuxAccept(2, [0, 2], 'F-RTO values other than 0 (off) and Linux\'s default 2, which synack does not model'),
  'net.ipv4.tcp_congestion_control': {
    default: 'cubic',
    apply: (text, h) => {
      const t = text.trim();
      if (t === 'cubic') h.tcp.congestionControl = 'cubic';
      else if (t === 'reno') h.tcp.congestionControl = 'newreno';
      else if (t === 'bbr') h.tcp.congestionControl = 'bbr';
      else return `congestion control '${t}' (synack has cubic, reno and bbr)`;
      return undefined;
    },
  },
  // RFC 5681 §4.1's restart window after an idle period: synack keeps cwnd (0).
  'net.ipv4.tcp_slow_start_after_idle': linuxInt(1, (v, h) => {
    if (hasTcpField('slowStartAfterIdle')) return bool(v) ?? void (h.tcp.slowStartAfterIdle = v === 1);
    return v === 0 ? undefined : 'restart after idle (RFC 5681 §4.1): synack keeps cwnd across idle periods';
  }),
  // Tail loss probes (RFC 8985 §7): 3 and 4 turn them on, 0 to 2 off.
  'net.ipv4.tcp_early_retrans': linuxInt(3, (v, h) => (v < 0 || v > 4 ? 'values outside 0 to 4' : void (h.tcp.tailLossProbe = v >= 3))),
  // RACK (RFC 8985), which synack always runs (bit 0x1); 0x2 (static reordering window) and 0x4 (no
  // DSACK-driven adaptation) are choices synack does not offer.
  'net.ipv4.tcp_recovery': linuxAccept(1, [1], 'RACK settings other than 1'),
  // TSO deferral: synack sends each segment as soon as the windows allow, whatever the divisor.
  'net.ipv4.tcp_tso_win_divisor': linuxInt(3, (v) => (v < 0 ? 'values below 0' : undefined)),
  'net.ipv4.tcp_min_tso_segs': linuxInt(2, (v) => (v < 1 ? 'values below 1' : undefined)),
  'net.ipv4.tcp_ecn': linuxInt(2, (v, h) => {
    if (v < 0 || v > 2) return 'values outside 0 to 2 (AccECN modes)';
    h.tcp.ecn = v === 0 ? 'off' : v === 1 ? 'on' : 'passive';
    return undefined;
  }),
  // The AccECN option is only sent when AccECN is negotiated (tcp_ecn 3 or more), which it never is here.
  'net.ipv4.tcp_ecn_option': linuxInt(2, (v) => (v < 0 || v > 2 ? 'values outside 0 to 2' : undefined)),
  // Pacing ratios apply where Linux paces (an fq qdisc, SO_MAX_PACING_RATE): the scripts' tun runs pfifo.
  'net.ipv4.tcp_pacing_ss_ratio': linuxInt(200, (v) => (v < 0 ? 'values below 0' : undefined)),
  'net.ipv4.tcp_pacing_ca_ratio': linuxInt(120, (v) => (v < 0 ? 'values below 0' : undefined)),
  'net.ipv4.tcp_notsent_lowat': linuxInt(4294967295, (v, h) => {
    if (v < 0 || v > 4294967295) return 'values outside 0 to 2^32-1';
    if (hasTcpField('notSentLowat')) {
      h.tcp.notSentLowat = v >= 4294967295 ? undefined : v;
      return undefined;
    }
    return v >= 4294967295 ? undefined : 'synack has no TCP_NOTSENT_LOWAT yet';
  }),
  // Fast Open (RFC 7413): the bits enable the client (0x1), the server (0x2) and their options.
  'net.ipv4.tcp_fastopen': linuxInt(1, (v, h) => {
    const s = fastOpenSettingsFor(v);
    if (typeof s === 'string') return s;
    h.fastOpen = s;
    return undefined;
  }),
  // The key (and a backup after a comma), four 32-bit hex words each (stack/fast-open.ts).
  'net.ipv4.tcp_fastopen_key': {
    default: '00000000-00000000-00000000-00000000',
    apply: (text, h) => {
      const keys = fastOpenKeyBytes(text);
      if (keys === undefined) return 'a key of four 8-digit hex words';
      h.fastOpenKeys = keys;
      return undefined;
    },
  },
  'net.ipv4.tcp_fastopen_blackhole_timeout_sec': linuxInt(0, (v) => (v < 0 ? 'values below 0' : undefined)),
  // 0 never, 1 when the SYN queue overflows, 2 always (StackOptions.synCookies).
  'net.ipv4.tcp_syncookies': linuxInt(1, (v, h) => {
    if (v < 0 || v > 2) return 'values outside 0 to 2';
    h.stack.synCookies = v === 0 ? 'off' : v === 1 ? 'on-overflow' : 'always';
    return undefined;
  }),
  'net.ipv4.tcp_moderate_rcvbuf': linuxInt(1, (v, h) => bool(v) ?? void (h.tcp.bufferAutoTuning = v === 1)),
  'net.ipv4.tcp_keepalive_time': linuxInt(7200, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.keepAliveIdleMs = v * 1000))),
  'net.ipv4.tcp_keepalive_intvl': linuxInt(75, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.keepAliveIntervalMs = v * 1000))),
  'net.ipv4.tcp_keepalive_probes': linuxInt(9, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.keepAliveProbes = v))),
  'net.ipv4.tcp_fin_timeout': linuxInt(60, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.finWait2TimeoutMs = v * 1000))),
  // RFC 1337: synack never lets a RST end TIME-WAIT (1).
  'net.ipv4.tcp_rfc1337': linuxAccept(0, [0, 1], 'RFC 1337 setting'),
  // Packetization-layer path MTU discovery (RFC 4821, src/tcp/mtu-probe.ts): 0 off, 1 after a
  // suspected black hole, 2 always.
  'net.ipv4.tcp_mtu_probing': linuxInt(0, (v, h) => (v < 0 || v > 2 ? 'values outside 0 to 2' : void (h.tcp.mtuProbing = v as 0 | 1 | 2))),
  'net.ipv4.tcp_base_mss': linuxInt(1024, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.mtuProbeBaseMss = v))),
  'net.ipv4.tcp_probe_threshold': linuxInt(8, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.mtuProbeThreshold = v))),
  'net.ipv4.tcp_probe_interval': linuxInt(600, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.mtuProbeIntervalMs = v * 1000))),
  'net.ipv4.tcp_mtu_probe_floor': linuxInt(48, (v, h) => (v < 1 ? 'values below 1' : void (h.tcp.mtuProbeFloorMss = v))),
  // tcp_cubic's module parameters (/sys/module/tcp_cubic/parameters/*): Linux's own HyStart.
  'module.tcp_cubic.hystart': linuxInt(1, (v, h) => bool(v) ?? void (h.tcp.slowStartExit = v === 1 ? 'hystart' : 'off')),
  'module.tcp_cubic.hystart_detect': linuxInt(3, (v, h) => (v < 0 || v > 3 ? 'values outside 0 to 3' : void (h.tcp.hystartDetect = v))),
  'module.tcp_cubic.hystart_low_window': linuxInt(16, (v, h) => (v < 2 ? 'values below 2' : void (h.tcp.hystartLowWindow = v))),
  'module.tcp_cubic.hystart_ack_delta_us': linuxInt(2000, (v, h) => (v < 0 ? 'values below 0' : void (h.tcp.hystartAckDeltaMs = v / 1000))),
  'net.ipv4.tcp_no_metrics_save': linuxAccept(0, [0, 1], 'per-destination metrics cache (it saves nothing, so either value describes it)'),
};

/**
 * Apply `sysctl -w name=value`. Returns undefined when applied, else why the script is
 * unsupported.
 */
export function applySysctl(name: string, text: string, h: HostSettings): string | undefined {
  const linux = LINUX_KNOBS[name];
  if (linux) {
    let why: string | undefined;
    try {
      why = linux.apply(text, h);
    } catch (e) {
      why = (e as Error).message;
    }
    if (why) return `sysctl ${name}=${text}: ${why}`;
    h.set.set(name, text.trim());
    return undefined;
  }
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
  h.set.set(name, text);
  return undefined;
}

/** The value `sysctl name` prints (for `sysctl name` without -w), when the runner knows it. */
export function readSysctl(name: string, h: HostSettings): string | undefined {
  return h.set.get(name) ?? LINUX_KNOBS[name]?.default;
}
