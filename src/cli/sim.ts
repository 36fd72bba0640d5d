/** `synack sim`: a bulk transfer between two simulated hosts over an impaired link, and what TCP did. */
import { randomInt } from 'node:crypto';
import { DEFAULT_LINK, type LinkProfile, type SimLink } from '../link/index.js';
import { PcapFile } from '../link/pcap-file.js';
import { withTcpChecksum } from '../wire/index.js';
import { SIM_CLIENT_ADDRESS, SIM_SERVER_ADDRESS, simCommand, simulateTransfer, type Direction, type SimTransferSpec } from '../workloads/index.js';
import { parseArgs, UsageError } from './args.js';
import type { Output } from './decode.js';
import { byteText, Progress } from './progress.js';

export const simUsage = `usage: synack sim [--seed N] [--bytes N] [--direction up|down|both] [--delay MS] [--jitter MS]
                  [--rate BITS_PER_S] [--queue BYTES] [--mtu N] [--host-mtu N] [--loss P]
                  [--duplicate P] [--reorder P] [--corrupt P] [--user-timeout MS]
                  [--partition FROM-TO] [--rcvbuf BYTES] [--sndbuf BYTES] [--ack-delay MS]
                  [--no-timestamps] [--no-window-scaling] [--no-sack] [--cc cubic|newreno|bbr]
                  [--read-rate BITS_PER_S] [--fast-open] [--time MS] [--max-ms MS] [--pcap FILE]
                  [--json]

Transfer random bytes between two simulated hosts, client ${SIM_CLIENT_ADDRESS} and server ${SIM_SERVER_ADDRESS}
(port 5001), on a virtual clock: the client connects, each side sends its bytes and then half-closes
(FIN), each reads until the other's FIN, and both connections must end CLOSED. Reports whether every
byte arrived intact and in order (sha256 at both ends), the virtual time taken, the goodput, and
what TCP did (retransmitted segments, retransmission timeouts, duplicate ACKs, checksum errors).

  --seed N          seeds the network and the data (default: random); same seed, same run. The
                    seed is printed before the run (with --json on stderr); on a terminal a run
                    over a second shows its progress on stderr
  --bytes N         bytes each way the direction sends (default 1M, or no end with --time);
                    suffixes k, M, G (x1000) and Ki, Mi, Gi (x1024). Bytes are made and hashed as
                    they are sent, so a large N costs nothing until it is carried
  --direction D     up: client to server (default); down: server to client; both: N bytes each way
  --delay MS        one-way propagation delay (default ${DEFAULT_LINK.delayMs}); the round trip is twice this
  --jitter MS       extra delay per packet, uniform in [0, MS) (packets may overtake each other)
  --rate BPS        bottleneck rate in bits per second (default: none); suffixes k, M, G
  --queue BYTES     the bottleneck's drop-tail queue (default ${DEFAULT_LINK.queueBytes})
  --mtu N           the link's MTU (default ${DEFAULT_LINK.mtu}); bigger packets get ICMP "too big"
  --host-mtu N      the MTU the hosts believe (their MSS comes from it; default: --mtu). A value
                    above --mtu exercises path MTU discovery
  --loss P, --duplicate P, --reorder P, --corrupt P
                    per-packet probabilities, as fractions (0.01 = 1%)
  --user-timeout MS RFC 5482 user timeout on both hosts
  --partition A-B   the link is down from A to B ms of virtual time
  --rcvbuf BYTES, --sndbuf BYTES
                    both hosts' receive and send buffers, fixed (as SO_RCVBUF fixes Linux's); by
                    default each starts at 131072 and auto-tuning grows it (receive: to 6 MiB
                    as the data read per round trip grows; send: to 4 MiB, twice cwnd)
  --ack-delay MS    both hosts' delayed-ACK time (default 40; 0 acknowledges every segment)
  --no-timestamps, --no-window-scaling
                    hosts do not offer those options (RFC 7323)
  --no-sack         hosts do not offer SACK (RFC 2018): loss recovery falls back to NewReno's
                    partial ACKs (RFC 6582) instead of the SACK scoreboard and RACK-TLP (RFC 8985)
  --cc NAME         both hosts' congestion controller: cubic (RFC 9438 with HyStart++, the
                    default, as Linux's), newreno (RFC 5681) or bbr (draft-ietf-ccwg-bbr, BBRv3:
                    model-based and paced; with SACK, else CUBIC)
  --read-rate BPS   the receiving applications read this many bits per second, every 10 ms
                    (default: everything at once); a slow reader closes the window
  --fast-open       TCP Fast Open (RFC 7413): the client holds the server's cookie (as from an
                    earlier connection), so its first data rides on the SYN
  --time MS         run this much virtual time and stop, as iperf -t (not a failure): ok when
                    each receiver read an intact prefix of its stream; goodput over MS
  --max-ms MS       give up after this much virtual time (default 24 h)
  --pcap FILE       write every packet sent on the link to FILE as the run goes (pcap; see
                    synack decode); if the disk stops it, the report still comes, then exit 1
  --json            one JSON object: ok, seed, bytes, direction, timeMs, sentSha256,
                    receivedSha256, virtualMs, goodputBps, retransmits, timeouts, dupAcks,
                    checksumErrors, generatedBytes, ...

The link's profile applies in both directions. Exit status: 0 when every byte arrived intact and
both sides closed cleanly, 1 when not, 2 for a usage error.`;

const SI: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** What a number option accepts, for its error message: "a whole number from 68 to 65535 (suffixes ...)". */
function allowed(o: { integer?: boolean; min?: number; max?: number; suffixes?: boolean }): string {
  const range =
    o.min !== undefined && o.max !== undefined ? ` from ${o.min} to ${o.max}` : o.min !== undefined ? ` of at least ${o.min}` : o.max !== undefined ? ` of at most ${o.max}` : '';
  return `${o.integer ? 'a whole number' : 'a number'}${range}${o.suffixes ? ' (suffixes k, M, G, Ki, Mi, Gi)' : ''}`;
}

function number(name: string, text: string, o: { integer?: boolean; min?: number; max?: number; suffixes?: boolean } = {}): number {
  const m = o.suffixes ? /^(\d+(?:\.\d+)?(?:e\d+)?)(k|K|M|G|Ki|Mi|Gi)?B?$/.exec(text) : /^-?\d+(?:\.\d+)?(?:e-?\d+)?$/.exec(text) ? [text, text, ''] : null;
  const v = m ? Number(m[1]) * SI[m[2] ?? ''] : NaN;
  const ok = Number.isFinite(v) && (!o.integer || Number.isSafeInteger(v)) && (o.min === undefined || v >= o.min) && (o.max === undefined || v <= o.max);
  if (!ok) throw new UsageError(`--${name}: ${allowed(o)}, not '${text}'`);
  return v;
}

const VALUED = ['seed', 'bytes', 'time', 'direction', 'delay', 'jitter', 'rate', 'queue', 'mtu', 'host-mtu', 'loss', 'duplicate', 'reorder', 'corrupt', 'user-timeout', 'partition', 'rcvbuf', 'sndbuf', 'ack-delay', 'read-rate', 'max-ms', 'pcap', 'cc'];

/** The spec a command line describes (exported for tests). */
export function simSpecFromArgs(argv: string[]): { spec: SimTransferSpec; json: boolean; pcap: string | undefined; help: boolean } {
  const args = parseArgs(argv, { valued: VALUED, boolean: ['json', 'help', 'no-timestamps', 'no-window-scaling', 'no-sack', 'fast-open'] });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const f = (k: string) => args.flags.get(k) as string | undefined;
  const opt = <T>(k: string, parse: (name: string, text: string) => T): T | undefined => {
    const v = f(k);
    return v === undefined ? undefined : parse(k, v);
  };
  const prob = (name: string, text: string) => number(name, text, { min: 0, max: 1 });
  const direction = (f('direction') ?? 'up') as Direction;
  if (direction !== 'up' && direction !== 'down' && direction !== 'both') throw new UsageError(`--direction: up, down or both, not '${direction}'`);
  const link: SimTransferSpec['link'] = {};
  const set = <K extends keyof NonNullable<SimTransferSpec['link']>>(key: K, v: number | undefined) => {
    if (v !== undefined) link[key] = v;
  };
  set('delayMs', opt('delay', (n, t) => number(n, t, { min: 0 })));
  set('jitterMs', opt('jitter', (n, t) => number(n, t, { min: 0 })));
  set('rateBps', opt('rate', (n, t) => number(n, t, { min: 1, suffixes: true })));
  set('queueBytes', opt('queue', (n, t) => number(n, t, { min: 0, integer: true, suffixes: true })));
  set('mtu', opt('mtu', (n, t) => number(n, t, { min: 68, max: 65535, integer: true })));
  set('loss', opt('loss', prob));
  set('duplicate', opt('duplicate', prob));
  set('reorder', opt('reorder', prob));
  set('corrupt', opt('corrupt', prob));
  let partition: SimTransferSpec['partition'];
  const p = f('partition');
  if (p !== undefined) {
    const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(p);
    if (!m || Number(m[2]) < Number(m[1])) throw new UsageError(`--partition: FROM-TO in ms with FROM <= TO, not '${p}'`);
    partition = { fromMs: Number(m[1]), toMs: Number(m[2]) };
  }
  const spec: SimTransferSpec = {
    seed: opt('seed', (n, t) => number(n, t, { min: 0, integer: true })) ?? randomInt(1, 2 ** 31),
    bytes: opt('bytes', (n, t) => number(n, t, { min: 0, integer: true, suffixes: true })) ?? (f('time') !== undefined ? Infinity : 1_000_000),
    timeMs: opt('time', (n, t) => number(n, t, { min: 1 })),
    direction,
    link,
    hostMtu: opt('host-mtu', (n, t) => number(n, t, { min: 68, max: 65535, integer: true })),
    userTimeoutMs: opt('user-timeout', (n, t) => number(n, t, { min: 1 })),
    partition,
    receiveBufferSize: opt('rcvbuf', (n, t) => number(n, t, { min: 1, integer: true, suffixes: true })),
    sendBufferSize: opt('sndbuf', (n, t) => number(n, t, { min: 1, integer: true, suffixes: true })),
    ackDelayMs: opt('ack-delay', (n, t) => number(n, t, { min: 0 })),
    readRateBps: opt('read-rate', (n, t) => number(n, t, { min: 8, suffixes: true })),
    timestamps: args.flags.has('no-timestamps') ? false : undefined,
    windowScaling: args.flags.has('no-window-scaling') ? false : undefined,
    sack: args.flags.has('no-sack') ? false : undefined,
    fastOpen: args.flags.has('fast-open') ? true : undefined,
    congestionControl: opt('cc', (n, t) => {
      if (t !== 'cubic' && t !== 'newreno' && t !== 'bbr') throw new UsageError(`--${n}: cubic, newreno or bbr, not '${t}'`);
      return t;
    }),
    maxMs: opt('max-ms', (n, t) => number(n, t, { min: 1 })),
  };
  return { spec, json: args.flags.has('json'), pcap: f('pcap'), help: args.flags.has('help') };
}

function rate(bps: number): string {
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(2)} kbit/s`;
  return `${bps.toFixed(0)} bit/s`;
}

export function runSim(argv: string[], io: Output): number {
  const { spec, json, pcap, help } = simSpecFromArgs(argv);
  if (help) {
    io.out(simUsage);
    return 0;
  }
  const profile: LinkProfile = { ...DEFAULT_LINK, ...spec.link };
  let capture: PcapFile | undefined;
  if (pcap !== undefined) {
    capture = openSimCapture(pcap, io);
    if (!capture) return 1;
  }
  // The seed before anything else, so a run stopped early (Ctrl-C) can still be replayed.
  if (json) io.err(`synack sim: seed ${spec.seed}`);
  else io.out(headerLine(spec, profile));
  (io as { flush?: () => void }).flush?.();
  const progress = new Progress({ enabled: !json && process.stderr.isTTY === true });
  const { report: r, link } = simulateTransfer(spec, (l, net) => {
    if (capture) captureLink(l, capture);
    if (progress.enabled) l.tap(() => progress.update(() => simProgressText(l, net.now, progress.elapsedSeconds())));
  });
  progress.clear();
  capture?.close();
  const status = json ? printJson(spec, r, link, profile, io) : printReport(r, link, io);
  // The report is out whatever happened to the capture; a capture that stopped short is a failure.
  if (capture?.error) {
    const e = capture.error as NodeJS.ErrnoException;
    io.err(`synack sim: ${pcap}: capture stopped after ${capture.packets} packets (${capture.lost} not written): ${e.code ?? e.message}; the file holds those packets, whole`);
    return 1;
  }
  if (pcap !== undefined && !json) io.out(`capture written to ${pcap} (${capture!.packets} packets)`);
  return status;
}

/**
 * The capture file, opened before the run: records are written as packets pass (never the whole
 * capture in memory). A file that cannot be created stops the command before the run.
 */
function openSimCapture(file: string, io: Output): PcapFile | undefined {
  // Past a file-size limit (ulimit -f) the kernel signals SIGXFSZ, which would end the process and
  // lose the report: ignored, the write fails with EFBIG instead and the capture stops cleanly.
  process.on('SIGXFSZ', () => {});
  try {
    const f = new PcapFile(file, 0);
    if (f.error) throw f.error;
    return f;
  } catch (e) {
    io.err(`synack sim: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return undefined;
  }
}

/** Every packet sent on the link into the file, timestamped in virtual time (0 = 1970-01-01). */
function captureLink(link: SimLink, file: PcapFile): void {
  // A host that offloads checksums sends zeros in the field: the capture gets them filled in.
  link.tap((data, timeMs, from) => file.write(from.stack.checksumOffload ? withTcpChecksum(data) : data, timeMs));
}

/** The progress line: what the link has carried, in how much virtual time, and how fast the run goes. */
function simProgressText(link: SimLink, virtualMs: number, wallSeconds: number): string {
  const bytes = link.stats.bytes;
  const virtualRate = virtualMs > 0 ? rate((bytes * 8000) / virtualMs) : '-';
  return `  ${byteText(bytes)}, ${link.stats.sent} packets on the link; ${(virtualMs / 1000).toFixed(3)} s virtual, ${virtualRate}; ${wallSeconds.toFixed(1)} s real`;
}

function headerLine(spec: SimTransferSpec, p: LinkProfile): string {
  const dirText = spec.direction === 'up' ? 'client -> server' : spec.direction === 'down' ? 'server -> client' : 'each way';
  const linkText = [
    `delay ${p.delayMs} ms one-way`,
    p.jitterMs ? `jitter ${p.jitterMs} ms` : '',
    Number.isFinite(p.rateBps) ? `rate ${rate(p.rateBps)}, queue ${p.queueBytes} B` : '',
    `mtu ${p.mtu}${spec.hostMtu !== undefined && spec.hostMtu !== p.mtu ? ` (hosts think ${spec.hostMtu})` : ''}`,
    p.loss ? `loss ${p.loss}` : '',
    p.duplicate ? `duplicate ${p.duplicate}` : '',
    p.reorder ? `reorder ${p.reorder}` : '',
    p.corrupt ? `corrupt ${p.corrupt}` : '',
    spec.partition ? `down ${spec.partition.fromMs}-${spec.partition.toMs} ms` : '',
    spec.userTimeoutMs !== undefined ? `user timeout ${spec.userTimeoutMs} ms` : '',
  ].filter(Boolean);
  const hostText = [
    spec.receiveBufferSize !== undefined ? `rcvbuf ${spec.receiveBufferSize}` : '',
    spec.sendBufferSize !== undefined ? `sndbuf ${spec.sendBufferSize}` : '',
    spec.ackDelayMs !== undefined ? `ack delay ${spec.ackDelayMs} ms` : '',
    spec.timestamps === false ? 'no timestamps' : '',
    spec.windowScaling === false ? 'no window scaling' : '',
    spec.sack === false ? 'no SACK' : '',
    spec.fastOpen ? 'Fast Open' : '',
    spec.congestionControl !== undefined ? spec.congestionControl : '',
    spec.readRateBps !== undefined ? `applications read ${rate(spec.readRateBps)}` : '',
  ].filter(Boolean);
  const amount = spec.bytes === Infinity ? 'endless bytes' : `${spec.bytes} bytes`;
  const timeText = spec.timeMs !== undefined ? ` for ${spec.timeMs} ms` : '';
  return `synack sim: seed ${spec.seed}, ${amount} ${dirText}${timeText}; link: ${linkText.join(', ')}${hostText.length ? `; hosts: ${hostText.join(', ')}` : ''}`;
}

type SimRun = ReturnType<typeof simulateTransfer>;

function printJson(spec: SimTransferSpec, r: SimRun['report'], link: SimLink, profile: LinkProfile, io: Output): number {
  // The stream the top-level digests describe: client to server, unless only the server sends.
  const main = spec.direction === 'down' ? r.down : r.up;
  io.out(
    JSON.stringify({
      ok: r.ok,
      reason: r.reason ?? null,
      seed: spec.seed,
      bytes: spec.bytes === Infinity ? null : spec.bytes,
      direction: spec.direction,
      timeMs: spec.timeMs ?? null,
      sentSha256: main.sentSha256,
      receivedSha256: main.receivedSha256,
      receivedBytes: main.receivedBytes,
      virtualMs: r.virtualMs,
      closedMs: r.closedMs ?? null,
      goodputBps: r.goodputBps,
      retransmits: r.retransmits,
      timeouts: r.timeouts,
      dupAcks: r.dupAcks,
      checksumErrors: r.checksumErrors,
      timed: r.timed,
      generatedBytes: r.generatedBytes,
      streams: { up: r.up, down: r.down },
      client: { ...r.client, error: r.client.error ?? null, pathMtu: r.client.pathMtu ?? null },
      server: { ...r.server, error: r.server.error ?? null, pathMtu: r.server.pathMtu ?? null },
      link: { ...link.stats },
      profile: { ...profile, rateBps: Number.isFinite(profile.rateBps) ? profile.rateBps : null },
      hostMtu: spec.hostMtu ?? profile.mtu,
      userTimeoutMs: spec.userTimeoutMs ?? null,
      partition: spec.partition ?? null,
      command: simCommand(spec),
    }),
  );
  return r.ok ? 0 : 1;
}

/** The text report after the header line. */
function printReport(r: SimRun['report'], link: SimLink, io: Output): number {
  for (const [name, s] of [
    ['client -> server', r.up],
    ['server -> client', r.down],
  ] as const) {
    if (s.bytes === 0 && s.intact) continue;
    if (r.timed && !s.endSeen) {
      io.out(`  ${name}: ${s.prefixIntact ? 'intact so far' : 'NOT INTACT'}: ${s.receivedBytes} bytes read of ${s.sentBytes} sent, sha256 of those read ${s.receivedSha256.slice(0, 16)}... ${s.prefixIntact ? 'matches' : 'differs from'} the stream's first ${s.receivedBytes}`);
      continue;
    }
    io.out(`  ${name}: ${s.intact ? 'intact' : 'NOT INTACT'}: ${s.receivedBytes} of ${s.bytes} bytes, sha256 sent ${s.sentSha256.slice(0, 16)}... received ${s.receivedSha256.slice(0, 16)}...${s.endSeen ? '' : ', no FIN'}`);
  }
  if (r.timed && r.closedMs === undefined) io.out(`  virtual time ${r.virtualMs.toFixed(3)} ms (stopped there, connections open), goodput ${rate(r.goodputBps)}`);
  else io.out(`  virtual time ${r.virtualMs.toFixed(3)} ms (closed after ${r.closedMs === undefined ? '-' : r.closedMs.toFixed(3)} ms, TIME-WAIT included), goodput ${rate(r.goodputBps)}`);
  io.out(`  retransmitted segments ${r.retransmits}, retransmission timeouts ${r.timeouts}, duplicate ACKs ${r.dupAcks}, checksum errors ${r.checksumErrors}`);
  const s = link.stats;
  io.out(`  link: ${s.sent} packets sent, ${s.delivered} delivered, ${s.lost} lost, ${s.duplicated} duplicated, ${s.reordered} reordered, ${s.corrupted} corrupted, ${s.queueDrops} queue drops, ${s.tooBig} too big, ${s.downDrops} dropped while down`);
  const side = (x: typeof r.client) => `${x.states.join(' -> ') || 'no connection'}${x.error ? ` (${x.error.code}: ${x.error.message})` : ''}`;
  io.out(`  client: ${side(r.client)}`);
  io.out(`  server: ${side(r.server)}`);
  io.out(r.ok ? 'ok' : `FAILED: ${r.reason}`);
  return r.ok ? 0 : 1;
}
