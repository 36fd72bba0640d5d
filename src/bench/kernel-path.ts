/**
 * An impaired path for the Linux kernel's own TCP, between two network namespaces this module makes
 * and removes (a client's and a server's, addressed in 198.18.0.0/15), for bench/proxy.ts to put
 * beside the same path through `synack proxy`.
 *
 * Where the kernel has netem (CONFIG_NET_SCH_NETEM), the namespaces are joined by a veth pair with a
 * netem qdisc on each end, as people run it: `netem delay D loss P` and, for a bottleneck,
 * `rate R limit N` (N packets of queue). Where it has not (some VM kernels, this CI's among them),
 * the same path is built from what is there: a TUN device in each namespace, joined by a delay line
 * in this process (a FIFO holding each packet D ms, and Bernoulli loss from a seeded generator, as
 * netem's `delay` and `loss`), and for a bottleneck a tbf qdisc on each TUN device (`rate R`, a
 * `limit` of the queue's bytes, a burst of two packets). Either way the queue sits at the sender's
 * egress, as netem's does; `describe` says which was used.
 *
 * The kernel's congestion control in both namespaces is CUBIC (synack's default, and Linux's
 * default build), whatever the host's default is (BBR on this CI's); `describe` names the one used.
 */
import { spawnSync } from 'node:child_process';
import { TunDevice, tunUnavailableReason } from '../link/tun.js';
import { SeededRandom } from '../tcp/random.js';

export interface PathSettings {
  /** One-way delay, each direction (ms). */
  delayMs: number;
  /** Random loss, each direction, as a fraction. */
  loss: number;
  /** Bottleneck rate (bit/s) each direction; undefined for none. */
  rateBps?: number;
  /** Bytes the bottleneck's queue holds, the packet being sent included. */
  queueBytes?: number;
  /**
   * Where the bottleneck's queue is: 'sender', a qdisc on each namespace's own device, as netem and
   * tbf are run (the sending kernel sees its queue: TCP Small Queues and local drops); 'path', in
   * the delay line, out of both kernels' sight, as a router's queue is (and as synack's simulated
   * link's is). Default 'sender'.
   */
  queueAt?: 'sender' | 'path';
  /** Seed of the delay line's loss (the netem path draws from the kernel's generator). */
  seed: number;
}

export interface KernelPath {
  /** Run a command inside the client's namespace. */
  clientNs: string;
  serverNs: string;
  serverAddress: string;
  /** How the impairment was made, for the row's reference column. */
  describe: string;
  /** Packets the delay line dropped / carried (zero with netem). */
  stats(): { dropped: number; queueDrops: number; carried: number };
  close(): void;
}

const PREFIX = 'synack-pb';
const CLIENT_ADDR = '198.18.200.1';
const SERVER_ADDR = '198.18.200.2';

function sh(args: string[], timeoutMs = 20_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw new Error(`${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(args: string[]): string {
  const r = sh(args);
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Why the kernel path cannot be built here, or undefined. */
export function kernelPathUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux's (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces and qdiscs need root';
  for (const [tool, arg] of [['ip', '-V'], ['tc', '-V']]) {
    try {
      if (sh([tool, arg], 5000).status !== 0) return `${tool} does not run (install iproute2)`;
    } catch {
      return `${tool} is not installed (iproute2)`;
    }
  }
  return undefined;
}

/** Remove namespaces an earlier run of this module left behind (its process is gone). */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const line of sh(['ip', 'netns', 'list']).stdout.split('\n')) {
    const name = line.split(' ')[0];
    const m = /^synack-pb(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) {
      sh(['ip', 'netns', 'del', name]);
      removed.push(name);
    }
  }
  return removed;
}

/** Whether this kernel has the netem qdisc (tried on a scratch namespace's loopback). */
export function hasNetem(): boolean {
  const ns = `${PREFIX}${process.pid}-probe`;
  must(['ip', 'netns', 'add', ns]);
  try {
    return sh(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).status === 0;
  } finally {
    sh(['ip', 'netns', 'del', ns]);
  }
}

let made = 0;

function sysctl(ns: string | undefined, key: string): string {
  return must([...(ns ? ['ip', 'netns', 'exec', ns] : []), 'sysctl', '-n', key]).trim();
}

/**
 * Make CUBIC the namespaces' congestion control (per namespace since Linux 4.15). Outside the initial
 * namespace Linux only lets an algorithm of net.ipv4.tcp_allowed_congestion_control be the default,
 * so where CUBIC is built but not allowed it is allowed for the moment the setting takes, and the
 * host's list put back at once. Returns the algorithm the namespaces use.
 */
function useCubic(namespaces: string[]): string {
  const set = () => namespaces.every((ns) => sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.tcp_congestion_control=cubic']).status === 0);
  if (!set()) {
    const available = sysctl(undefined, 'net.ipv4.tcp_available_congestion_control').split(/\s+/);
    if (available.includes('cubic')) {
      const allowed = sysctl(undefined, 'net.ipv4.tcp_allowed_congestion_control');
      try {
        must(['sysctl', '-qw', `net.ipv4.tcp_allowed_congestion_control=${allowed} cubic`]);
        set();
      } finally {
        must(['sysctl', '-qw', `net.ipv4.tcp_allowed_congestion_control=${allowed}`]);
      }
    }
  }
  const used = namespaces.map((ns) => sysctl(ns, 'net.ipv4.tcp_congestion_control'));
  return used.every((u) => u === used[0]) ? used[0] : used.join('/');
}

/**
 * Packets from one TUN device to the other after `delayMs`, losing each with probability `loss`,
 * and where `rateBps` is given, first through a drop-tail queue of `queueBytes` (the packet being
 * sent included) drained at that rate. Every packet waits a constant delay after its turn on the
 * bottleneck, so each direction is a FIFO with one timer for its head.
 */
class DelayLine {
  dropped = 0;
  queueDrops = 0;
  carried = 0;
  private readonly timers: (NodeJS.Timeout | undefined)[] = [undefined, undefined];
  private readonly queues: { due: number; packet: Uint8Array }[][] = [[], []];
  /** Per direction: when each queued packet has been sent, and its length; when the last one will be. */
  private readonly bottleneck = [
    { sending: [] as { done: number; length: number }[], bytes: 0, busyUntil: 0 },
    { sending: [] as { done: number; length: number }[], bytes: 0, busyUntil: 0 },
  ];
  private readonly rand: SeededRandom;

  constructor(
    private readonly ends: [TunDevice, TunDevice],
    private readonly delayMs: number,
    private readonly loss: number,
    seed: number,
    private readonly rateBps?: number,
    private readonly queueBytes = Infinity,
  ) {
    this.rand = new SeededRandom(seed);
    ends[0].start((p) => this.arrive(0, p), () => {});
    ends[1].start((p) => this.arrive(1, p), () => {});
  }

  private arrive(from: 0 | 1, packet: Uint8Array): void {
    if (this.loss > 0 && this.rand.next() < this.loss) {
      this.dropped++;
      return;
    }
    const now = performance.now();
    let sent = now;
    if (this.rateBps !== undefined) {
      const b = this.bottleneck[from];
      while (b.sending.length > 0 && b.sending[0].done <= now) b.bytes -= b.sending.shift()!.length;
      if (b.bytes + packet.length > this.queueBytes) {
        this.queueDrops++;
        return;
      }
      sent = b.busyUntil = Math.max(now, b.busyUntil) + (packet.length * 8 * 1000) / this.rateBps;
      b.sending.push({ done: sent, length: packet.length });
      b.bytes += packet.length;
    }
    const q = this.queues[from];
    q.push({ due: sent + this.delayMs, packet });
    if (q.length === 1) this.arm(from);
  }

  private arm(from: 0 | 1): void {
    const q = this.queues[from];
    if (q.length === 0 || this.timers[from]) return;
    this.timers[from] = setTimeout(() => this.release(from), Math.max(0, q[0].due - performance.now()));
  }

  private release(from: 0 | 1): void {
    this.timers[from] = undefined;
    const q = this.queues[from];
    const now = performance.now();
    let n = 0;
    while (n < q.length && q[n].due <= now + 0.5) {
      this.ends[1 - from].send(q[n].packet);
      n++;
    }
    this.carried += n;
    q.splice(0, n);
    this.arm(from);
  }

  close(): void {
    for (const t of this.timers) if (t) clearTimeout(t);
    this.ends[0].close();
    this.ends[1].close();
  }
}

/** Make the two namespaces and the impaired path between them. Throws (having removed what it made) on failure. */
export function makeKernelPath(settings: PathSettings, { preferNetem = settings.queueAt !== 'path' && hasNetem() }: { preferNetem?: boolean } = {}): KernelPath {
  const id = `${process.pid}-${++made}`;
  const clientNs = `${PREFIX}${id}-c`;
  const serverNs = `${PREFIX}${id}-s`;
  const cleanups: (() => void)[] = [];
  const cleanup = () => {
    for (const f of cleanups.reverse()) {
      try {
        f();
      } catch {
        /* keep removing the rest */
      }
    }
    cleanups.length = 0;
  };
  try {
    for (const ns of [clientNs, serverNs]) {
      must(['ip', 'netns', 'add', ns]);
      cleanups.push(() => sh(['ip', 'netns', 'del', ns]));
      must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const congestionControl = useCubic([clientNs, serverNs]);
    const tag = `${process.pid % 100000}${made}`;
    const devC = `skpc${tag}`.slice(0, 15);
    const devS = `skps${tag}`.slice(0, 15);
    let line: DelayLine | undefined;
    let describe: string;
    // A queue in the path needs the delay line: netem's and tbf's sit on the sender's device.
    if (preferNetem && settings.queueAt !== 'path') {
      must(['ip', 'link', 'add', devC, 'netns', clientNs, 'type', 'veth', 'peer', 'name', devS, 'netns', serverNs]);
      const netem = ['netem', 'delay', `${settings.delayMs}ms`];
      if (settings.loss > 0) netem.push('loss', `${settings.loss * 100}%`);
      if (settings.rateBps !== undefined) {
        // netem's limit counts packets: the queue's bytes in full-size frames.
        netem.push('rate', `${settings.rateBps / 1e6}mbit`, 'limit', String(Math.max(1, Math.round((settings.queueBytes ?? 125_000) / 1514))));
      }
      for (const [ns, dev] of [[clientNs, devC], [serverNs, devS]]) must(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', ...netem]);
      describe = `${congestionControl}, tc ${netem.join(' ')}`;
    } else {
      const why = tunUnavailableReason();
      if (why) throw new Error(`this kernel has no netem, and the delay line needs TUN: ${why}`);
      // Opened here, then moved: a TUN device keeps its file descriptor across namespaces.
      const c = TunDevice.open(devC, { mtu: 1500 });
      cleanups.push(() => c.close());
      const s = TunDevice.open(devS, { mtu: 1500 });
      cleanups.push(() => s.close());
      must(['ip', 'link', 'set', 'dev', c.name, 'netns', clientNs]);
      must(['ip', 'link', 'set', 'dev', s.name, 'netns', serverNs]);
      describe = `${congestionControl}, delay line ${settings.delayMs} ms${settings.loss > 0 ? `, loss ${settings.loss * 100}%` : ''} (no netem here)`;
      const pathQueue = settings.rateBps !== undefined && settings.queueAt === 'path';
      if (pathQueue) describe += ` + queue in the line: ${settings.rateBps! / 1e6} Mbit/s, ${settings.queueBytes ?? 125_000} B`;
      else if (settings.rateBps !== undefined) {
        for (const [ns, dev] of [[clientNs, devC], [serverNs, devS]]) {
          must(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', `${settings.rateBps / 1e6}mbit`, 'burst', '3028', 'limit', String(settings.queueBytes ?? 125_000)]);
        }
        describe += ` + tbf ${settings.rateBps / 1e6}mbit limit ${settings.queueBytes ?? 125_000}`;
      }
      line = new DelayLine([c, s], settings.delayMs, settings.loss, settings.seed, pathQueue ? settings.rateBps : undefined, settings.queueBytes ?? 125_000);
      cleanups.pop();
      cleanups.pop();
      cleanups.push(() => line!.close());
    }
    for (const [ns, dev, addr] of [[clientNs, devC, CLIENT_ADDR], [serverNs, devS, SERVER_ADDR]]) {
      must(['ip', '-n', ns, 'link', 'set', 'dev', dev, 'mtu', '1500']);
      must(['ip', '-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
      must(['ip', '-n', ns, 'link', 'set', 'dev', dev, 'up']);
    }
    return {
      clientNs,
      serverNs,
      serverAddress: SERVER_ADDR,
      describe,
      stats: () => ({ dropped: line?.dropped ?? 0, queueDrops: line?.queueDrops ?? 0, carried: line?.carried ?? 0 }),
      close: cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
