/**
 * Throughput through a TUN device against the Linux kernel's TCP, in network namespaces this suite
 * creates and removes (addresses from 198.18.0.0/15 only):
 *
 *   tun-kernel-to-synack  curl uploads 1 GB (POST /discard of a sparse file) to `synack serve`
 *   tun-synack-to-kernel  curl downloads 1 GB (GET /bytes/1000000000) from `synack serve`
 *
 * each beside the kernel talking to itself over a veth pair between two namespaces in the same run
 * (socat, 1 MB buffers, sending 1 GB from /dev/zero to socat writing /dev/null). One trial each (a
 * trial is seconds long), after a 200 MB warm-up transfer in the same synack process.
 *
 *   tun-mtu1500-kernel-to-synack, tun-mtu1500-synack-to-kernel   the same with the device at MTU
 *   1500 and segmentation offload on (`synack serve --offload`: IFF_VNET_HDR, TUNSETOFFLOAD), as
 *   the kernel over veth has its own: each read(2) or write(2) of the device may be a 64 KB
 *   super-packet, and each one pass through synack's stack, so the packet rate is the cost. The row
 *   gives Gbit/s beside the kernel over veth (MTU 1500, veth's default, with its offloads) and the
 *   packets per second through the TUN device (its rx + tx counters, which count what crossed the
 *   device: a super-packet once, as a read or write). Target: a tenth of the kernel's rate.
 *
 * Every row runs `synack serve` with its defaults otherwise (offload is on by default at MTU 65535
 * too, where the kernel's 64 KB segments need no cutting and only their checksums are vouched for).
 * Without root, TUN or the tools, each row says why it was skipped (value NaN).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tunUnavailableReason } from '../link/tun.js';
import type { BenchCase, BenchSuite, Row } from './harness.js';

const BYTES = 1_000_000_000;
const WARMUP_BYTES = 200_000_000;
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const TARGET_GBPS = 2;
/** At MTU 1500: at least this share of the kernel's own rate over veth (measured beside it). */
const TARGET_MTU1500_RATIO = 0.1;

function skipReason(): string | undefined {
  const tun = tunUnavailableReason();
  if (tun) return tun;
  if (!existsSync(CLI)) return `the built CLI is missing (${CLI})`;
  for (const [tool, arg] of [['curl', '--version'], ['socat', '-V']]) {
    if (spawnSync(tool, [arg], { stdio: 'ignore', timeout: 5000 }).error) return `${tool} is not installed`;
  }
  return undefined;
}

let counter = 0;
const nsName = () => `synack-b${process.pid}-${++counter}`;

function sh(args: string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw new Error(`${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(args: string[], timeoutMs?: number): string {
  const r = sh(args, timeoutMs);
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Gbit/s of the kernel to itself over a veth pair (MTU 1500, veth's default) between two fresh namespaces. */
async function vethReference(): Promise<number> {
  const a = nsName();
  const b = nsName();
  must(['ip', 'netns', 'add', a]);
  try {
    must(['ip', 'netns', 'add', b]);
    try {
      const va = `skva${process.pid % 10000}`;
      const vb = `skvb${process.pid % 10000}`;
      must(['ip', 'link', 'add', va, 'netns', a, 'type', 'veth', 'peer', 'name', vb, 'netns', b]);
      must(['ip', '-n', a, 'addr', 'add', '198.19.0.1/24', 'dev', va]);
      must(['ip', '-n', b, 'addr', 'add', '198.19.0.2/24', 'dev', vb]);
      must(['ip', '-n', a, 'link', 'set', va, 'up']);
      must(['ip', '-n', b, 'link', 'set', vb, 'up']);
      const server = spawn('ip', ['netns', 'exec', b, 'socat', '-u', '-b', '1048576', 'TCP4-LISTEN:5201,reuseaddr', 'OPEN:/dev/null'], { stdio: 'ignore', timeout: 120_000, killSignal: 'SIGKILL' });
      try {
        for (let i = 0; i < 200 && !must(['ip', 'netns', 'exec', b, 'ss', '-Htln', 'sport = :5201']).trim(); i++) await new Promise((r) => setTimeout(r, 10));
        const t0 = process.hrtime.bigint();
        must(['ip', 'netns', 'exec', a, 'socat', '-u', '-b', '1048576', `OPEN:/dev/zero,readbytes=${BYTES}`, 'TCP4:198.19.0.2:5201'], 120_000);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        return (BYTES * 8) / seconds / 1e9;
      } finally {
        server.kill('SIGKILL');
      }
    } finally {
      sh(['ip', 'netns', 'del', b]);
    }
  } finally {
    sh(['ip', 'netns', 'del', a]);
  }
}

interface TunRun {
  gbps: number;
  /** Packets per second through the device during the measured transfer, both directions (its counters: a super-packet counts once). */
  pps: number;
}

/** One curl transfer against `synack serve` (device MTU `mtu`) in a fresh namespace. */
async function throughTun(direction: 'upload' | 'download', mtu = 65535): Promise<TunRun> {
  // A sparse file: 1 GB of zeros that costs no disk and reads at memory speed.
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-bench-'));
  const upload = path.join(dir, 'zeros');
  const warmUpload = path.join(dir, 'warm');
  writeFileSync(upload, '');
  truncateSync(upload, BYTES);
  writeFileSync(warmUpload, '');
  truncateSync(warmUpload, WARMUP_BYTES);
  // Read them once, so the page cache holds them: a sparse file's first read allocates and zeroes
  // every page, which (measured) holds curl's upload near 1 Gbit/s.
  for (const f of [upload, warmUpload]) must(['sh', '-c', `cat '${f}' > /dev/null`], 60_000);
  const ns = nsName();
  try {
    must(['ip', 'netns', 'add', ns]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const dev = `skb${process.pid % 100000}`;
  const serve = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, 'serve', '--tun', dev, '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--mtu', String(mtu), ...(mtu === 65535 ? [] : ['--offload'])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 180_000,
    killSignal: 'SIGKILL',
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error('synack serve did not start within 10 s')), 10_000);
      serve.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('listening ')) {
          clearTimeout(t);
          resolve();
        }
      });
      serve.on('exit', (code) => reject(new Error(`synack serve exited (${code})`)));
    });
    const curl = (bytes: number) =>
      direction === 'download'
        ? `curl -sS --max-time 150 -o /dev/null -w '%{size_download} %{speed_download}' http://198.18.0.2/bytes/${bytes}`
        : `curl -sS --max-time 150 -X POST -T ${bytes === BYTES ? upload : warmUpload} -w '%{speed_upload}' http://198.18.0.2/discard`;
    // Download: curl's byte count; upload: the count synack's /discard answers.
    const transfer = (bytes: number): number[] => {
      const out = must(['ip', 'netns', 'exec', ns, 'sh', '-c', curl(bytes)], 160_000).trim().split(/\s+/).map(Number);
      if (out[0] !== bytes) throw new Error(`${direction}: ${out[0]} bytes arrived, not ${bytes}`);
      return out;
    };
    // Warm-up (the JIT, the kernel's and synack's windows), as the harness warms up every case.
    transfer(WARMUP_BYTES);
    const packets = (): number => {
      const out = must(['ip', 'netns', 'exec', ns, 'cat', `/sys/class/net/${dev}/statistics/rx_packets`, `/sys/class/net/${dev}/statistics/tx_packets`]);
      return out.trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0);
    };
    const before = packets();
    const out = transfer(BYTES);
    const moved = packets() - before;
    const speed = out[out.length - 1];
    return { gbps: (speed * 8) / 1e9, pps: moved / (BYTES / speed) };
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => (serve.exitCode !== null ? r(null) : serve.once('exit', r)));
    sh(['ip', 'netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function tunCase(name: string, direction: 'upload' | 'download', mtu = 65535): BenchCase {
  return {
    name,
    async run(): Promise<Row> {
      const why = skipReason();
      if (why) return { name, value: NaN, unit: 'Gbit/s', reference: `skipped: ${why}`, referenceValue: NaN, ratio: NaN };
      const run = await throughTun(direction, mtu);
      const ref = await vethReference();
      // At MTU 1500 the packet rate is the figure: the row says it beside the kernel's rate over veth.
      const reference = mtu === 65535 ? 'kernel to kernel over veth (socat, 1 GB)' : `kernel over veth, MTU 1500 (socat, 1 GB); TUN with offload ${(run.pps / 1000).toFixed(0)} kpkt/s (reads + writes)`;
      const target = mtu === 65535 ? TARGET_GBPS : TARGET_MTU1500_RATIO * ref;
      return { name, value: run.gbps, unit: 'Gbit/s', reference, referenceValue: ref, ratio: run.gbps / ref, target: { atLeast: target } };
    },
  };
}

export const tunSuite: BenchSuite = {
  name: 'tun',
  cases: [
    tunCase('tun-kernel-to-synack', 'upload'),
    tunCase('tun-synack-to-kernel', 'download'),
    tunCase('tun-mtu1500-kernel-to-synack', 'upload', 1500),
    tunCase('tun-mtu1500-synack-to-kernel', 'download', 1500),
  ],
};
