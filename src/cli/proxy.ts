/**
 * `synack proxy`: real TCP in and out, genuine TCP across a simulated impaired path in between
 * (src/workloads/proxy). Prints `listening HOST:PORT -> UPSTREAM` (and the API's address) when ready;
 * SIGINT or SIGTERM closes it: every connection is reset, the pcap is finished, ladders are printed.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_LINK, type LinkProfile } from '../link/index.js';
import { createProxy, PROFILES, type Proxy, type ConnectionStats, type LinkSettings, type ScheduleStep } from '../workloads/proxy/index.js';
import { startApi, type ToxiproxyApi } from '../workloads/proxy/api.js';
import { checkSchedule, parseSchedule, SETTING_KEYS } from '../workloads/proxy/schedule.js';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';

export const proxyUsage = `usage: synack proxy --listen HOST:PORT --upstream HOST:PORT [--profile NAME] [--seed N]
                    [--delay MS] [--jitter MS] [--rate BPS] [--queue BYTES] [--mtu N] [--loss P]
                    [--duplicate P] [--reorder P] [--corrupt P] [--burst-enter P] [--burst-exit P]
                    [--burst-loss P] [--good-loss P] [--schedule STEPS|FILE] [--user-timeout MS]
                    [--upstream-timeout MS] [--pcap FILE] [--stats [MS]] [--ladder] [--api HOST:PORT]
                    [--config FILE] [--list-profiles]

Accept TCP connections on HOST:PORT (loopback unless told) and carry each one across a simulated
path between two synack stacks, on the wall clock, to a connection to the upstream: the application
feels genuine TCP (retransmission, slow start, timeouts, backoff, head-of-line blocking) over the
impaired path, without root. A half-close crosses as a FIN, a reset as a RST; back-pressure holds
end to end. An upstream that refuses or does not answer resets the client, with one line on stderr.

  --listen HOST:PORT     where to listen (default 127.0.0.1:0: a port is picked and printed)
  --upstream HOST:PORT   where to connect for each client (required unless --api or --config)
  --profile NAME         start from a named path (see --list-profiles: 3G, EDGE, DSL, satellite,
                         lossy Wi-Fi, transatlantic...), each number with its source
  --seed N               seeds the path's random choices (default 1); same seed, same choices
  --delay MS, --jitter MS, --rate BPS, --queue BYTES, --mtu N, --loss P, --duplicate P,
  --reorder P, --corrupt P
                         the link, as synack sim's options, both directions; put up- or down-
                         after the dashes for one direction (up: client to upstream), e.g.
                         up-delay, down-rate
  --burst-enter P, --burst-exit P, --burst-loss P, --good-loss P
                         burst loss by the Gilbert-Elliott model, netem's gemodel p, r, 1-h, 1-k
  --schedule STEPS|FILE  settings over time: 'rate=10M@0s;rate=1M@5s;partition=2s@8s' (KEY=VALUE
                         with the options' names, up./down. for one direction, @TIME from the
                         start), or a JSON file of [{ atMs, link, upstreamLink, downstreamLink,
                         partitionMs }]
  --user-timeout MS      RFC 5482 user timeout of both synack stacks (a longer partition resets)
  --upstream-timeout MS  how long the upstream may take to accept (default 10000)
  --pcap FILE            write every packet on the simulated path to FILE as it goes
  --stats [MS]           print each open connection's state, RTT, cwnd, retransmissions and bytes
                         each way on stderr every MS (default 1000)
  --ladder               record the first 20 connections and print their ladder diagrams on exit
  --api HOST:PORT        serve a toxiproxy-compatible API there (127.0.0.1:8474 by toxiproxy's
                         custom): proxies, toxics, /reset, /version, and
                         /proxies/NAME/connections[/ID/ladder?format=text|json]
  --config FILE          toxiproxy's JSON list of proxies to start with (starts the API)
  --list-profiles        print the named profiles and where their numbers come from

Exit status: 0 after a clean shutdown (SIGINT, SIGTERM), 1 when listening fails, 2 for a usage error.`;

const LINK_FLAGS: Record<string, string> = {
  delay: 'delay',
  jitter: 'jitter',
  rate: 'rate',
  queue: 'queue',
  mtu: 'mtu',
  loss: 'loss',
  duplicate: 'duplicate',
  reorder: 'reorder',
  corrupt: 'corrupt',
  'burst-enter': 'burst-enter',
  'burst-exit': 'burst-exit',
  'burst-loss': 'burst-loss',
  'good-loss': 'good-loss',
};

const VALUED = [
  'listen',
  'upstream',
  'profile',
  'seed',
  'schedule',
  'user-timeout',
  'upstream-timeout',
  'pcap',
  'api',
  'config',
  ...Object.keys(LINK_FLAGS).flatMap((k) => [k, `up-${k}`, `down-${k}`]),
];

export interface ProxySpec {
  listen: string;
  upstream: string | undefined;
  profile: string | undefined;
  seed: number;
  link: LinkSettings;
  upstreamLink: LinkSettings;
  downstreamLink: LinkSettings;
  schedule: ScheduleStep[] | undefined;
  userTimeoutMs: number | undefined;
  upstreamTimeoutMs: number | undefined;
  pcap: string | undefined;
  statsMs: number | undefined;
  ladder: boolean;
  api: string | undefined;
  config: string | undefined;
  listProfiles: boolean;
}

function whole(name: string, text: string, min: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < min) throw new UsageError(`--${name}: a whole number of at least ${min}, not '${text}'`);
  return v;
}

/** The spec a command line describes (exported for tests). */
export function proxySpecFromArgs(argv: string[]): ProxySpec {
  // --stats takes an optional value: `--stats 500` or `--stats` alone.
  const args0 = [...argv];
  let statsMs: number | undefined;
  const si = args0.findIndex((a) => a === '--stats' || a.startsWith('--stats='));
  if (si >= 0) {
    const a = args0[si];
    const next = args0[si + 1];
    if (a.startsWith('--stats=')) {
      statsMs = whole('stats', a.slice(8), 10);
      args0.splice(si, 1);
    } else if (next !== undefined && /^\d+$/.test(next)) {
      statsMs = whole('stats', next, 10);
      args0.splice(si, 2);
    } else {
      statsMs = 1000;
      args0.splice(si, 1);
    }
  }
  const args = parseArgs(args0, { valued: VALUED, boolean: ['ladder', 'list-profiles', 'help'] });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const f = (k: string) => args.flags.get(k) as string | undefined;
  const link: LinkSettings = {};
  const upstreamLink: LinkSettings = {};
  const downstreamLink: LinkSettings = {};
  for (const [flag, key] of Object.entries(LINK_FLAGS)) {
    const setting = SETTING_KEYS[key];
    for (const [prefix, target] of [['', link], ['up-', upstreamLink], ['down-', downstreamLink]] as const) {
      const text = f(prefix + flag);
      if (text === undefined) continue;
      let v: number;
      try {
        v = setting.parse(text);
      } catch (e) {
        throw new UsageError(`--${prefix}${flag}: ${(e as Error).message}`);
      }
      (target as Record<string, number>)[setting.field] = v;
    }
  }
  let schedule: ScheduleStep[] | undefined;
  const s = f('schedule');
  if (s !== undefined) {
    try {
      schedule = s.includes('@') ? parseSchedule(s) : checkSchedule(JSON.parse(readFileSync(s, 'utf8')), `--schedule ${s}`);
    } catch (e) {
      throw new UsageError(`--schedule: ${(e as Error).message}`);
    }
  }
  const spec: ProxySpec = {
    listen: f('listen') ?? '127.0.0.1:0',
    upstream: f('upstream'),
    profile: f('profile'),
    seed: f('seed') === undefined ? 1 : whole('seed', f('seed')!, 0),
    link,
    upstreamLink,
    downstreamLink,
    schedule,
    userTimeoutMs: f('user-timeout') === undefined ? undefined : whole('user-timeout', f('user-timeout')!, 1),
    upstreamTimeoutMs: f('upstream-timeout') === undefined ? undefined : whole('upstream-timeout', f('upstream-timeout')!, 1),
    pcap: f('pcap'),
    statsMs,
    ladder: args.flags.has('ladder'),
    api: f('api'),
    config: f('config'),
    listProfiles: args.flags.has('list-profiles'),
  };
  if (spec.profile !== undefined && !PROFILES.some((p) => p.name === spec.profile)) {
    throw new UsageError(`--profile: unknown profile '${spec.profile}'; known: ${PROFILES.map((p) => p.name).join(', ')}`);
  }
  if (!spec.listProfiles && spec.upstream === undefined && spec.api === undefined && spec.config === undefined) {
    throw new UsageError('--upstream HOST:PORT is required (or --api / --config to create proxies through the API)');
  }
  return spec;
}

function describeLink(p: Partial<LinkProfile>): string {
  const parts: string[] = [];
  if (p.delayMs) parts.push(`delay ${p.delayMs} ms`);
  if (p.jitterMs) parts.push(`jitter ${p.jitterMs} ms`);
  if (p.rateBps !== undefined && p.rateBps !== Infinity) parts.push(`rate ${bits(p.rateBps)}`);
  if (p.queueBytes !== undefined && p.queueBytes !== DEFAULT_LINK.queueBytes && p.rateBps !== undefined && p.rateBps !== Infinity) parts.push(`queue ${p.queueBytes} B`);
  if (p.loss) parts.push(`loss ${pct(p.loss)}`);
  if (p.burstEnter) parts.push(`burst loss p ${pct(p.burstEnter)} r ${pct(p.burstExit ?? 1)}`);
  return parts.join(', ') || 'no impairment';
}

const pct = (x: number) => `${+(x * 100).toFixed(3)}%`;
const bits = (bps: number) => (bps >= 1e6 ? `${+(bps / 1e6).toFixed(3)} Mbit/s` : `${+(bps / 1e3).toFixed(3)} kbit/s`);

export function profilesText(): string {
  const lines: string[] = [];
  const width = Math.max(...PROFILES.map((p) => p.name.length));
  for (const p of PROFILES) {
    lines.push(`${p.name.padEnd(width)}  ${p.description}`);
    lines.push(`${''.padEnd(width)}  up: ${describeLink(p.upstream)}; down: ${describeLink(p.downstream)}`);
    lines.push(`${''.padEnd(width)}  source: ${p.source}`);
  }
  return lines.join('\n');
}

/** One line per connection for --stats. */
export function statsLine(s: ConnectionStats): string {
  const rtt = s.rttMs === undefined ? '-' : `${s.rttMs.toFixed(1)}ms`;
  return `#${s.id} ${s.client} ${s.state} rtt ${rtt} cwnd ${s.cwnd} retrans ${s.retransmissions} up ${s.bytesUp} B down ${s.bytesDown} B${s.closed ? ' (closed)' : ''}`;
}

export async function runProxy(argv: string[], io: Output & { flush?: () => void }): Promise<number> {
  const spec = proxySpecFromArgs(argv);
  if (spec.listProfiles) {
    io.out(profilesText());
    return 0;
  }
  const log = (line: string) => io.err(line);
  const defaults = {
    seed: spec.seed,
    profile: spec.profile,
    link: spec.link,
    upstreamLink: spec.upstreamLink,
    downstreamLink: spec.downstreamLink,
    schedule: spec.schedule,
    tcp: spec.userTimeoutMs === undefined ? undefined : { userTimeoutMs: spec.userTimeoutMs },
    upstreamTimeoutMs: spec.upstreamTimeoutMs,
    log,
    trace: spec.ladder ? 20 : false,
  };
  const proxies: Proxy[] = [];
  let api: ToxiproxyApi | undefined;
  try {
    if (spec.upstream !== undefined) {
      const p = await createProxy({ ...defaults, listen: spec.listen, upstream: spec.upstream, pcap: spec.pcap });
      proxies.push(p);
      io.out(`listening ${p.address!.host}:${p.address!.port} -> ${spec.upstream} (seed ${spec.seed}; up: ${describeLink(p.linkProfiles().upstream)}; down: ${describeLink(p.linkProfiles().downstream)})`);
    }
    if (spec.api !== undefined || spec.config !== undefined) {
      api = await startApi({ listen: spec.api ?? '127.0.0.1:8474', config: spec.config, defaults, version: version() });
      io.out(`api listening ${api.address!.host}:${api.address!.port}`);
      for (const p of api.proxies.values()) io.out(`listening ${p.address ? `${p.address.host}:${p.address.port}` : '(disabled)'} -> ${p.upstream.host}:${p.upstream.port} (${p.name})`);
    }
  } catch (e) {
    for (const p of proxies) await p.close();
    if (e instanceof TypeError || e instanceof RangeError) throw new UsageError((e as Error).message);
    io.err(`synack proxy: ${(e as Error).message}`);
    return 1;
  }
  io.flush?.();
  const all = () => [...proxies, ...(api ? api.proxies.values() : [])];
  const timer =
    spec.statsMs === undefined
      ? undefined
      : setInterval(() => {
          for (const p of all()) for (const s of p.stats()) if (!s.closed) io.err(`${p.name} ${statsLine(s)}`);
        }, spec.statsMs);
  const signal = await new Promise<string>((resolve) => {
    const on = (name: string) => () => resolve(name);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
  if (timer) clearInterval(timer);
  if (spec.ladder) {
    for (const p of all()) {
      for (const s of p.stats()) {
        const ladder = p.ladder(s.id, 'text');
        if (ladder !== undefined) io.out(`${p.name} connection ${s.id} (${s.client}):\n${ladder}`);
      }
    }
  }
  const open = all().reduce((n, p) => n + p.stats().filter((s) => !s.closed).length, 0);
  for (const p of proxies) await p.close();
  await api?.close();
  io.err(`closed on ${signal}: ${open} connection${open === 1 ? '' : 's'} open, reset`);
  return 0;
}

function version(): string {
  try {
    return `synack ${(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
  } catch {
    return 'synack';
  }
}

