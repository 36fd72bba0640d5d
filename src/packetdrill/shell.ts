/**
 * The backtick shell lines of packetdrill scripts, emulated against the synack host instead of run.
 * Nothing here runs a real process or touches a real file.
 *
 * - FreeBSD's suite: `sysctl` (read and -w), pipelines of `sockstat` into `grep` (the suite counts
 *   connections in a state with `sockstat ... | grep -c SYN_RCVD | grep 1`), and `tcpdrop`
 *   (tcpdrop(8)).
 * - Linux's tests: `../common/defaults.sh` (read from the script's tree and run line by line through
 *   this emulator), `sysctl -q name=value ...`, `common/set_sysctls.py /proc/sys/...=value ...` and
 *   the restore file it writes (`/tmp/sysctl_restore_${PPID}.sh`, kept in a virtual file system and
 *   run through this emulator), `echo value > /proc/sys/...`, `ip tcp_metrics flush`, `ip route change` (MTU, advmss, initcwnd), `tc qdisc`
 *   with a pfifo qdisc on tun0, and `ethtool -K tun0 tso off`. Sh's `\` line continuation, `#`
 *   comments, `$((arithmetic))`, `$PPID` and redirections to /dev/null are understood.
 *
 * The pipeline's exit status is its last command's, as in sh; a non-zero status fails the script as
 * packetdrill does. Any other command is unsupported, named.
 */

export interface SocketRow {
  /** Held by an open descriptor of the script (sockstat's USER/COMMAND/PID/FD columns), else "?". */
  fd: number | undefined;
  family: 4 | 6;
  local: string;
  localPort: number | undefined;
  foreign: string;
  foreignPort: number | undefined;
  /** The addresses alone (sockstat's columns join them with the port), for tcpdrop. */
  localHost?: string;
  foreignHost?: string;
  /** FreeBSD's state name (SYN_RCVD, TIME_WAIT, ...). */
  state: string;
}

export interface ShellHost {
  /** `sysctl -w name=value`: undefined when applied, else why it is unsupported. */
  sysctlWrite(name: string, value: string): string | undefined;
  /** `sysctl name`: its value, or undefined when unknown. */
  sysctlRead(name: string): string | undefined;
  /**
   * A file a command names: a script beside the packetdrill script (`../common/defaults.sh`,
   * resolved from the script's directory) or one this emulator wrote (the virtual /tmp). undefined
   * when there is none.
   */
  readFile?(path: string): string | undefined;
  /** Files written by the emulated commands (set_sysctls.py's restore file), by path. */
  files?: Map<string, string>;
  /** `ip tcp_metrics flush`: forget what the host cached per destination (Fast Open cookies). */
  flushMetrics?(): void;
  /**
   * `ip route change <dst> ... [advmss N] [mtu [lock] N] [initcwnd N]`: the route toward `dst` changes;
   * undefined when done, else what cannot be emulated.
   */
  changeRoute?(dst: string, route: RouteChange): string | undefined;
  /**
   * `tc qdisc ... root pfifo limit N` (N packets at most wait in the device's queue; undefined: no
   * limit, or `tc qdisc del`). synack's device sends each packet at once, so only a limit of 0 (every
   * packet dropped) changes anything.
   */
  setQdiscLimit?(limit: number | undefined): void;
  /** `ethtool -K tun0 tso off|on`: whether the device takes TSO bursts (see Personality.tso). */
  setTso?(on: boolean): void;
  /** The value of $PPID and $PACKETDRILL_PID in the scripts' commands. */
  pid?: number;
  /** The stack's counters by the names Linux's nstat prints (IpInReceives, TcpActiveOpens, TcpExtTCPLossProbes, ...). */
  counters?(): Record<string, number>;
  /** nstat's history: the values it printed last, which the next run subtracts. */
  nstatHistory?: Map<string, number>;
  sockets(): SocketRow[];
  /**
   * Drop one connection as tcpdrop(8) does through FreeBSD's net.inet.tcp.drop (tcp_drop: a RST
   * where the peer holds state, ECONNABORTED for the socket). undefined when dropped, else why
   * synack cannot (the script is then UNSUPPORTED).
   */
  drop?(row: SocketRow): string | undefined;
}

export type ShellResult = { ok: true; status: number; output: string[] } | { ok: false; unsupported: string };

class ShellUnsupported extends Error {}

/** A command's words, and where its standard output goes (`> FILE`; undefined: the pipeline). */
interface Words {
  argv: string[];
  stdout: string | undefined;
}

/**
 * Split a command line into words, honouring single and double quotes, and take out its
 * redirections: `> FILE`, `>> FILE`, `2> FILE`, `2>&1`, `&> FILE` (standard error is never produced
 * here, so only where standard output goes matters).
 */
function words(text: string): Words {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let stdout: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ShellUnsupported(`unterminated quote in: ${text}`);
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '>' || (c === '&' && text[i + 1] === '>')) {
      // The fd before it: `2>` redirects standard error, `>` and `1>` and `&>` standard output.
      let fd = 1;
      if (c === '&') i++;
      else if (inWord && /^\d$/.test(cur)) {
        fd = Number(cur);
        cur = '';
        inWord = false;
      }
      if (inWord) {
        out.push(cur);
        cur = '';
        inWord = false;
      }
      if (text[i + 1] === '>') i++;
      if (text[i + 1] === '&') {
        const m = /^&(\d)/.exec(text.slice(i + 1));
        if (!m) throw new ShellUnsupported(`shell syntax '>&' in: ${text}`);
        i += m[0].length;
        continue; // 2>&1 and the like: standard error follows standard output.
      }
      const m = /^\s*([^\s;&|<>]+)/.exec(text.slice(i + 1));
      if (!m) throw new ShellUnsupported(`a redirection without a file in: ${text}`);
      i += m[0].length;
      if (fd === 1) stdout = m[1];
      else if (fd !== 2) throw new ShellUnsupported(`redirection of fd ${fd} in: ${text}`);
    } else if ('$`\\<(){}[]~&;'.includes(c)) {
      // `*` and `?` are not here: with no files to match, sh leaves such a word as written.
      throw new ShellUnsupported(`shell syntax '${c}' in: ${text}`);
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return { argv: out, stdout };
}

/** Sh's arithmetic expansion for what scripts use: whole numbers, + - * / %, unary minus, parentheses. */
function arithmetic(expr: string): number {
  const tokens = expr.match(/\d+|[-+*/%()]|\S/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const primary = (): number => {
    const t = tokens[pos++];
    if (t === undefined) throw new ShellUnsupported(`arithmetic $((${expr})): unexpected end`);
    if (t === '(') {
      const v = sum();
      if (tokens[pos++] !== ')') throw new ShellUnsupported(`arithmetic $((${expr})): missing )`);
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (/^\d+$/.test(t)) return Number(t);
    throw new ShellUnsupported(`arithmetic $((${expr})): '${t}'`);
  };
  const product = (): number => {
    let v = primary();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = tokens[pos++];
      const r = primary();
      if (op !== '*' && r === 0) throw new ShellUnsupported(`arithmetic $((${expr})): division by zero`);
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = tokens[pos++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (pos !== tokens.length) throw new ShellUnsupported(`arithmetic $((${expr})): '${tokens[pos]}'`);
  return v;
}

/** Expand `$((...))`, `$PPID`, `${PPID}` (and PACKETDRILL_PID), outside single quotes. */
function expand(text: string, host: ShellHost): string {
  let out = '';
  let single = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") single = !single;
    if (c !== '$' || single) {
      out += c;
      continue;
    }
    if (text.startsWith('$((', i)) {
      let depth = 0;
      let j = i + 3;
      for (; j < text.length; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')') {
          if (depth === 0) break;
          depth--;
        }
      }
      if (text[j + 1] !== ')') throw new ShellUnsupported(`unterminated $(( in: ${text}`);
      out += String(arithmetic(text.slice(i + 3, j)));
      i = j + 1;
      continue;
    }
    const m = /^\$(?:\{(\w+)\}|(\w+))/.exec(text.slice(i));
    const name = m?.[1] ?? m?.[2];
    if (!m || (name !== 'PPID' && name !== 'PACKETDRILL_PID')) throw new ShellUnsupported(`shell expansion '${m?.[0] ?? '$'}' in: ${text}`);
    out += String(host.pid ?? 4242);
    i += m[0].length - 1;
  }
  return out;
}

/** Drop an unquoted `# comment` (a `#` that starts a word) from a line. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) return line.slice(0, i);
  }
  return line;
}

/** Split on a separator outside quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function runShell(command: string, host: ShellHost): ShellResult {
  try {
    return { ok: true, ...runLines(command, host, 0) };
  } catch (e) {
    if (e instanceof ShellUnsupported) return { ok: false, unsupported: e.message };
    throw e;
  }
}

/** How deep scripts may run scripts (defaults.sh running a restore file is two). */
const MAX_SCRIPT_DEPTH = 4;

function runLines(command: string, host: ShellHost, depth: number): { status: number; output: string[] } {
  {
    let status = 0;
    let output: string[] = [];
    // `a && b`, `a; b` and lines: run in order, && stops at the first failure. A backslash at the
    // end of a line joins it to the next; `#` starts a comment.
    const lines = splitOutsideQuotes(command.replace(/\\\r?\n/g, ' '), '\n').map(stripComment);
    for (const seq of lines.flatMap((l) => splitOutsideQuotes(expand(l, host), ';'))) {
      if (!seq.trim()) continue;
      for (const part of splitOutsideQuotes(seq, '&&')) {
        const r = pipeline(part, host, depth);
        status = r.status;
        output = output.concat(r.output);
        if (status !== 0) break;
      }
    }
    return { status, output };
  }
}

function pipeline(text: string, host: ShellHost, depth: number): { status: number; output: string[] } {
  const stages = splitOutsideQuotes(text, '|');
  if (stages.some((s) => s.trim() === '')) throw new ShellUnsupported(`shell syntax (|| or an empty stage) in: ${text}`);
  let input: string[] = [];
  let status = 0;
  for (const stage of stages) {
    const { argv, stdout } = words(stage.trim());
    const r = runCommand(argv, input, host, depth);
    input = r.output;
    status = r.status;
    if (stdout !== undefined) {
      redirect(stdout, r.output, host);
      input = [];
    }
  }
  return { status, output: input };
}

/** `/proc/sys/net/ipv4/tcp_rmem` -> `net.ipv4.tcp_rmem`; undefined for other paths. */
function procSysName(path: string): string | undefined {
  const m = /^\/proc\/sys\/([\w/.-]+)$/.exec(path);
  if (m) return m[1].replace(/\//g, '.');
  // A kernel module's parameters (/sys/module/tcp_cubic/parameters/hystart) go by the same table.
  const mod = /^\/sys\/module\/(\w+)\/parameters\/(\w+)$/.exec(path);
  return mod ? `module.${mod[1]}.${mod[2]}` : undefined;
}

/** Where a command's output goes: nowhere, a sysctl (a write to /proc/sys), or a file of the virtual /tmp. */
function redirect(path: string, lines: string[], host: ShellHost): void {
  if (path === '/dev/null') return;
  const sysctlName = procSysName(path);
  if (sysctlName) {
    const why = host.sysctlWrite(sysctlName, lines.join(' ').trim());
    if (why) throw new ShellUnsupported(why);
    return;
  }
  if (path.startsWith('/tmp/') && host.files) {
    host.files.set(path, lines.map((l) => l + '\n').join(''));
    return;
  }
  throw new ShellUnsupported(`writing ${path}${path.startsWith('/sys/module/') ? ' (a kernel module parameter synack has no equivalent for)' : ''}`);
}

/** A shell script a command runs: one the emulator wrote, or one beside the packetdrill script. */
function runScriptFile(path: string, args: string[], host: ShellHost, depth: number): { status: number; output: string[] } {
  if (depth >= MAX_SCRIPT_DEPTH) throw new ShellUnsupported(`${path}: scripts nested more than ${MAX_SCRIPT_DEPTH} deep`);
  if (args.length) throw new ShellUnsupported(`${path} with arguments`);
  const text = host.files?.get(path) ?? host.readFile?.(path);
  if (text === undefined) throw new ShellUnsupported(`command '${path}' (no such script beside the packetdrill script)`);
  return runLines(text, host, depth + 1);
}

/**
 * packetdrill's common/set_sysctls.py: for each `/proc/sys/...=value`, append a line restoring the
 * current value to /tmp/sysctl_restore_<pid>.sh, then set the new one.
 */
function setSysctls(args: string[], host: ShellHost): { status: number; output: string[] } {
  if (!host.files) throw new ShellUnsupported('set_sysctls.py (this host keeps no files)');
  const file = `/tmp/sysctl_restore_${host.pid ?? 4242}.sh`;
  let restore = host.files.get(file) ?? '#!/bin/bash\n';
  for (const a of args) {
    const eq = a.indexOf('=');
    const name = eq > 0 ? procSysName(a.slice(0, eq)) : undefined;
    if (!name) throw new ShellUnsupported(`set_sysctls.py argument ${a} (a /proc/sys/...=value is expected)`);
    const current = host.sysctlRead(name);
    if (current === undefined) throw new ShellUnsupported(`reading sysctl ${name}`);
    restore += `echo "${current}" > ${a.slice(0, eq)}\n`;
    const why = host.sysctlWrite(name, a.slice(eq + 1));
    if (why) throw new ShellUnsupported(why);
  }
  host.files.set(file, restore);
  return { status: 0, output: [] };
}

/** What `ip route change` sets on a route (iproute2's ip-route(8) attributes synack models). */
export interface RouteChange {
  /** `advmss N`: the MSS a SYN advertises toward the destination. */
  advmss?: number;
  /** `mtu [lock] N`: the path MTU toward it (`lock`: not to be changed by ICMP). */
  mtu?: number;
  mtuLock?: boolean;
  /** `initcwnd N`: the initial congestion window in segments. */
  initcwnd?: number;
}

/**
 * `ip tcp_metrics flush [all]`: the host forgets its per-destination cache. `ip [-4|-6] route
 * change|replace <dst> [via <gw>] [dev <if>] [advmss N] [mtu [lock] N] [initcwnd N]`.
 */
function ip(args: string[], host: ShellHost): { status: number; output: string[] } {
  if (args[0] === 'tcp_metrics' && args[1] === 'flush' && args.length <= 3) {
    host.flushMetrics?.();
    return { status: 0, output: [] };
  }
  const a = args[0] === '-4' || args[0] === '-6' ? args.slice(1) : args;
  if (a[0] === 'route' && (a[1] === 'change' || a[1] === 'replace') && a[2] !== undefined && host.changeRoute) {
    const route: RouteChange = {};
    const num = (v: string | undefined): number => {
      if (v === undefined || !/^\d+$/.test(v)) throw new ShellUnsupported(`ip ${args.join(' ')} (a number was expected)`);
      return Number(v);
    };
    for (let i = 3; i < a.length; i++) {
      const key = a[i];
      if (key === 'via' || key === 'dev') i++;
      else if (key === 'advmss') route.advmss = num(a[++i]);
      else if (key === 'initcwnd') route.initcwnd = num(a[++i]);
      else if (key === 'mtu') {
        if (a[i + 1] === 'lock') {
          route.mtuLock = true;
          i++;
        }
        route.mtu = num(a[++i]);
      } else throw new ShellUnsupported(`ip route attribute ${key}`);
    }
    const why = host.changeRoute(a[2], route);
    if (why) throw new ShellUnsupported(`ip ${args.join(' ')} (${why})`);
    return { status: 0, output: [] };
  }
  throw new ShellUnsupported(`ip ${args.join(' ')}`);
}

/**
 * `tc qdisc add|replace|change dev tun0 root pfifo [limit N]`: synack sends as a pfifo qdisc would (no
 * pacing); `limit N` bounds its queue (N = 0: a device that drops everything, until `tc qdisc del`).
 */
function tc(args: string[], host: ShellHost): { status: number; output: string[] } {
  const [obj, verb, dev, , where, kind, ...rest] = args;
  if (obj === 'qdisc' && (verb === 'del' || verb === 'delete') && dev === 'dev' && where === 'root' && kind === undefined) {
    host.setQdiscLimit?.(undefined);
    return { status: 0, output: [] };
  }
  if (obj === 'qdisc' && ['add', 'replace', 'change'].includes(verb) && dev === 'dev' && where === 'root') {
    const pfifo = kind === 'pfifo' || kind === 'pfifo_fast';
    if (kind === 'pfifo' && rest.length === 2 && rest[0] === 'limit' && /^\d+$/.test(rest[1]) && host.setQdiscLimit) {
      host.setQdiscLimit(Number(rest[1]));
      return { status: 0, output: [] };
    }
    if (rest.length) throw new ShellUnsupported(`tc qdisc ${kind} ${rest.join(' ')} (synack's device has no queue of its own to bound or drop from${pfifo ? '; only pfifo limit N is emulated' : ''})`);
    if (pfifo) {
      host.setQdiscLimit?.(undefined);
      return { status: 0, output: [] };
    }
    throw new ShellUnsupported(`tc qdisc ${kind ?? ''} (synack does not emulate ${kind === 'fq' ? "the fq qdisc's pacing" : 'that qdisc'})`);
  }
  throw new ShellUnsupported(`tc ${args.join(' ')}`);
}

/** `ethtool -K tun0 tso off gso off`: only TSO changes what the script sees; GSO and GRO are accepted. */
function ethtool(args: string[], host: ShellHost): { status: number; output: string[] } {
  if ((args[0] !== '-K' && args[0] !== '--features') || args.length < 4 || args.length % 2 !== 0) throw new ShellUnsupported(`ethtool ${args.join(' ')}`);
  for (let i = 2; i < args.length; i += 2) {
    const [feature, value] = [args[i], args[i + 1]];
    if (value !== 'on' && value !== 'off') throw new ShellUnsupported(`ethtool ${feature} ${value}`);
    if (feature === 'tso') {
      if (!host.setTso) throw new ShellUnsupported('ethtool tso (this host has no TSO setting)');
      host.setTso(value === 'on');
    } else if (feature !== 'gso' && feature !== 'gro') throw new ShellUnsupported(`ethtool feature ${feature}`);
  }
  return { status: 0, output: [] };
}

/**
 * iproute2's nstat: the counters that changed since its last run (its history), by Linux's names,
 * under a `#kernel` line. `-a` absolute values (the history not subtracted), `-z` zeros too, `-n`
 * print nothing (only update the history), `-s` leave the history as it was, `-r` reset it first;
 * names may be shell patterns (`TcpExt*`). The first run, with no history, shows every count so far.
 */
function nstat(args: string[], host: ShellHost): { status: number; output: string[] } {
  if (!host.counters || !host.nstatHistory) throw new ShellUnsupported('nstat (this host has no counters)');
  let absolute = false;
  let zeros = false;
  let quiet = false;
  let keep = false;
  const patterns: RegExp[] = [];
  for (const a of args) {
    if (a.startsWith('-') && a.length > 1 && !a.startsWith('--')) {
      for (const f of a.slice(1)) {
        if (f === 'a') absolute = true;
        else if (f === 'z') zeros = true;
        else if (f === 'n') quiet = true;
        else if (f === 's') keep = true;
        else if (f === 'r') host.nstatHistory.clear();
        else throw new ShellUnsupported(`nstat -${f}`);
      }
    } else if (/^[A-Za-z0-9_*?]+$/.test(a)) {
      patterns.push(new RegExp(`^${a.replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
    } else throw new ShellUnsupported(`nstat ${a}`);
  }
  const values = host.counters();
  const out: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const shown = absolute ? value : value - (host.nstatHistory.get(name) ?? 0);
    if ((shown !== 0 || zeros) && (patterns.length === 0 || patterns.some((p) => p.test(name)))) {
      out.push(`${name.padEnd(32)}${String(shown).padEnd(16)}0.0`);
    }
  }
  if (!keep) for (const [name, value] of Object.entries(values)) host.nstatHistory.set(name, value);
  return { status: 0, output: quiet ? [] : ['#kernel', ...out] };
}

/** `rm -f FILE...` of the virtual /tmp. */
function rm(args: string[], host: ShellHost): { status: number; output: string[] } {
  const files = args.filter((a) => a !== '-f');
  if (!host.files || files.some((f) => f.startsWith('-') || !f.startsWith('/tmp/'))) throw new ShellUnsupported(`rm ${args.join(' ')} (only files of the virtual /tmp)`);
  for (const f of files) host.files.delete(f);
  return { status: 0, output: [] };
}

/** `dd bs=N count=N if=/dev/zero of=/tmp/FILE [status=none]`: zeroes into a file of the virtual /tmp. */
function dd(args: string[], host: ShellHost): { status: number; output: string[] } {
  const o = new Map(args.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] as [string, string]));
  const bs = Number(o.get('bs') ?? 512);
  const count = Number(o.get('count'));
  const of = o.get('of');
  const known = [...o.keys()].every((k) => ['bs', 'count', 'if', 'of', 'status'].includes(k));
  if (!host.files || !known || o.get('if') !== '/dev/zero' || !of?.startsWith('/tmp/') || !Number.isInteger(bs) || !Number.isInteger(count) || bs * count > 1 << 24) {
    throw new ShellUnsupported(`dd ${args.join(' ')} (only zeroes from /dev/zero into the virtual /tmp)`);
  }
  host.files.set(of, '\0'.repeat(bs * count));
  return { status: 0, output: [] };
}

function runCommand(argv: string[], input: string[], host: ShellHost, depth: number): { status: number; output: string[] } {
  const [name, ...args] = argv;
  if (name === undefined) return { status: 0, output: [] };
  if (name.endsWith('.sh')) return runScriptFile(name, args, host, depth);
  if (name.endsWith('/set_sysctls.py') || name === 'set_sysctls.py') return setSysctls(args, host);
  switch (name) {
    case 'ip':
      return ip(args, host);
    case 'nstat':
      return nstat(args, host);
    case 'tc':
      return tc(args, host);
    case 'ethtool':
      return ethtool(args, host);
    case 'rm':
    case '/bin/rm':
      return rm(args, host);
    case 'dd':
    case '/bin/dd':
      return dd(args, host);
    case 'cat': {
      const out: string[] = [];
      for (const f of args) {
        const sysctlName = procSysName(f);
        const text = sysctlName ? host.sysctlRead(sysctlName) : host.files?.get(f);
        if (text === undefined) throw new ShellUnsupported(`cat ${f}`);
        out.push(...text.replace(/\n$/, '').split('\n'));
      }
      return { status: 0, output: out };
    }
    case 'sysctl':
      return sysctl(args, host);
    case 'sockstat':
      return { status: 0, output: sockstat(args, host) };
    case 'grep':
      return grep(args, input);
    case 'tcpdrop':
      return tcpdrop(args, host);
    case 'true':
      return { status: 0, output: [] };
    case 'false':
      return { status: 1, output: [] };
    case 'echo':
      return { status: 0, output: [args.join(' ')] };
    case 'wc':
      if (args.length === 1 && args[0] === '-l') return { status: 0, output: [String(input.length)] };
      throw new ShellUnsupported(`wc ${args.join(' ')}`);
    default:
      throw new ShellUnsupported(`command '${name}' (only sysctl, sockstat, tcpdrop, grep, nstat, ip tcp_metrics, ip route change, tc qdisc, ethtool, set_sysctls.py and shell scripts beside the packetdrill script are emulated)`);
  }
}

function sysctl(args: string[], host: ShellHost): { status: number; output: string[] } {
  let write = false;
  let bare = false;
  let quiet = false;
  const out: string[] = [];
  for (const a of args) {
    if (a === '-w') write = true;
    else if (a === '-n') bare = true;
    else if (a === '-q') quiet = true;
    else if (a.startsWith('-')) throw new ShellUnsupported(`sysctl option ${a}`);
    else if (a.includes('=')) {
      const [k, v] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
      const why = host.sysctlWrite(k, v);
      if (why) throw new ShellUnsupported(why);
      if (!quiet) out.push(`${k}: ${v}`);
    } else {
      const v = host.sysctlRead(a);
      if (v === undefined) throw new ShellUnsupported(`reading sysctl ${a}`);
      out.push(bare ? String(v) : `${a}: ${v}`);
    }
  }
  void write;
  return { status: 0, output: out };
}

/** FreeBSD's sockstat(1), for the TCP sockets of the synack host. */
function sockstat(args: string[], host: ShellHost): string[] {
  let v4 = false;
  let v6 = false;
  let ports: number[] | undefined;
  let states = false;
  let connected = false;
  let listening = false;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a.length < 2) throw new ShellUnsupported(`sockstat argument ${a}`);
    for (let j = 1; j < a.length; j++) {
      const f = a[j];
      if (f === '4') v4 = true;
      else if (f === '6') v6 = true;
      else if (f === 's') states = true;
      else if (f === 'c') connected = true;
      else if (f === 'l') listening = true;
      else if (f === 'q') quiet = true;
      else if (f === 'n' || f === 'w' || f === 'u') continue;
      else if (f === 'P' || f === 'p') {
        const value = a.slice(j + 1) || args[++i];
        if (value === undefined) throw new ShellUnsupported(`sockstat -${f} without a value`);
        if (f === 'P') {
          if (value.split(',').some((p) => p !== 'tcp')) throw new ShellUnsupported(`sockstat -P ${value} (only tcp)`);
        } else {
          ports = value.split(',').map((p) => {
            if (!/^\d+$/.test(p)) throw new ShellUnsupported(`sockstat -p ${value}`);
            return Number(p);
          });
        }
        break;
      } else throw new ShellUnsupported(`sockstat option -${f}`);
    }
  }
  if (!v4 && !v6) v4 = v6 = true;
  const out: string[] = [];
  if (!quiet) out.push(`USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS       ${states ? 'PATH STATE   CONN STATE' : ''}`.trimEnd());
  for (const r of host.sockets()) {
    if ((r.family === 4 && !v4) || (r.family === 6 && !v6)) continue;
    if (ports && !ports.some((p) => p === r.localPort || p === r.foreignPort)) continue;
    const isListen = r.state === 'LISTEN';
    if (connected && !listening && isListen) continue;
    if (listening && !connected && !isListen) continue;
    const owner = r.fd === undefined ? ['?', '?', '?', '?'] : ['root', 'packetdril', '4242', String(r.fd)];
    const cols = [owner[0].padEnd(8), owner[1].padEnd(10), owner[2].padEnd(5), owner[3].padEnd(3), `tcp${r.family}`.padEnd(6), r.local.padEnd(21), r.foreign.padEnd(21)];
    if (states) cols.push(r.state);
    out.push(cols.join(' ').trimEnd());
  }
  return out;
}

/** The states tcpdrop -s takes (tcpdrop(8): every TCP state but CLOSED and LISTEN). */
const TCPDROP_STATES = ['SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK', 'FIN_WAIT_2', 'TIME_WAIT'];

/**
 * FreeBSD's tcpdrop(8): `tcpdrop laddr lport faddr fport` (the pairs may also be written
 * `addr:port` or `addr.port`), `tcpdrop [-l] -a` (every connection), `tcpdrop [-l] -s STATE` (every
 * connection in STATE). `-l` lists the tcpdrop command for each connection instead of dropping it.
 * A listening socket is not a connection: no form drops it. Each drop prints
 * "laddr lport faddr fport: dropped"; exit status 0, or 1 when a named connection does not exist
 * or an argument is wrong. `-S stack` and `-C cc-algo` select by FreeBSD's pluggable stacks and
 * congestion controls, which synack does not have: unsupported.
 */
function tcpdrop(args: string[], host: ShellHost): { status: number; output: string[] } {
  let all = false;
  let list = false;
  let state: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a.length < 2) {
      positional.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const f = a[j];
      if (f === 'a') all = true;
      else if (f === 'l') list = true;
      else if (f === 's') {
        state = a.slice(j + 1) || args[++i];
        if (state === undefined) return { status: 1, output: ['tcpdrop: option requires an argument -- s'] };
        break;
      } else if (f === 'S' || f === 'C') throw new ShellUnsupported(`tcpdrop -${f} (synack has no ${f === 'S' ? 'alternate TCP stacks' : 'per-connection congestion control choice'} to select by)`);
      else return { status: 1, output: [`tcpdrop: illegal option -- ${f}`] };
    }
  }
  const byFilter = all || state !== undefined;
  if (state !== undefined && !TCPDROP_STATES.includes(state)) return { status: 1, output: [`tcpdrop: invalid state: ${state}`] };
  if (list && !byFilter) return { status: 1, output: ['tcpdrop: -l needs -a or -s'] };
  const hostOf = (r: SocketRow, side: 'local' | 'foreign') => r[side === 'local' ? 'localHost' : 'foreignHost'] ?? r[side].replace(/[.:][0-9*]+$/, '');
  const tuple = (r: SocketRow) => `${hostOf(r, 'local')} ${r.localPort} ${hostOf(r, 'foreign')} ${r.foreignPort}`;
  const connections = host.sockets().filter((r) => r.state !== 'LISTEN' && r.state !== 'CLOSED' && r.foreignPort !== undefined);
  let chosen: SocketRow[];
  if (byFilter) {
    if (positional.length) return { status: 1, output: ['tcpdrop: -a and -s take no addresses'] };
    chosen = connections.filter((r) => state === undefined || r.state === state);
  } else {
    const want = tcpdropTuple(positional);
    if (!want) return { status: 1, output: ['usage: tcpdrop local-address local-port foreign-address foreign-port'] };
    chosen = connections.filter((r) => hostOf(r, 'local') === want[0] && String(r.localPort) === want[1] && hostOf(r, 'foreign') === want[2] && String(r.foreignPort) === want[3]);
    if (chosen.length === 0) return { status: 1, output: [`tcpdrop: ${want.join(' ')}: No such process`] };
  }
  if (list) return { status: 0, output: chosen.map((r) => `tcpdrop ${tuple(r)}`) };
  const out: string[] = [];
  for (const r of chosen) {
    if (!host.drop) throw new ShellUnsupported('tcpdrop (this host cannot drop connections)');
    const why = host.drop(r);
    if (why) throw new ShellUnsupported(`tcpdrop of ${tuple(r)} in ${r.state}: ${why}`);
    out.push(`${tuple(r)}: dropped`);
  }
  return { status: 0, output: out };
}

/** The four words of a connection: `a p a p`, or `a:p a:p` / `a.p a.p` (the port after the last separator). */
function tcpdropTuple(words: string[]): [string, string, string, string] | undefined {
  if (words.length === 4) return [words[0], words[1], words[2], words[3]];
  if (words.length !== 2) return undefined;
  const split = (w: string) => {
    const m = /^(.*)[.:]([0-9]+)$/.exec(w);
    return m ? [m[1], m[2]] : undefined;
  };
  const l = split(words[0]);
  const f = split(words[1]);
  if (!l || !f) return undefined;
  return [l[0], l[1], f[0], f[1]];
}

function grep(args: string[], input: string[]): { status: number; output: string[] } {
  let count = false;
  let invert = false;
  let ignoreCase = false;
  let word = false;
  let quiet = false;
  let fixed = false;
  let pattern: string | undefined;
  for (const a of args) {
    if (pattern === undefined && a.startsWith('-') && a.length > 1) {
      for (const f of a.slice(1)) {
        if (f === 'c') count = true;
        else if (f === 'v') invert = true;
        else if (f === 'i') ignoreCase = true;
        else if (f === 'w') word = true;
        else if (f === 'q') quiet = true;
        else if (f === 'F') fixed = true;
        else if (f === 'E') continue;
        else throw new ShellUnsupported(`grep option -${f}`);
      }
    } else if (pattern === undefined) pattern = a;
    else throw new ShellUnsupported('grep with a file argument');
  }
  if (pattern === undefined) throw new ShellUnsupported('grep without a pattern');
  let source = fixed ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern;
  if (word) source = `(?<![A-Za-z0-9_])(?:${source})(?![A-Za-z0-9_])`;
  let re: RegExp;
  try {
    re = new RegExp(source, ignoreCase ? 'i' : '');
  } catch {
    throw new ShellUnsupported(`grep pattern ${pattern}`);
  }
  const selected = input.filter((l) => re.test(l) !== invert);
  const status = selected.length > 0 ? 0 : 1;
  if (quiet) return { status, output: [] };
  return { status, output: count ? [String(selected.length)] : selected };
}
