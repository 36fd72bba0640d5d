/**
 * Shared set-up of the interop tests: network namespaces they create and remove, `synack serve` and
 * `synack connect` run inside them through the built CLI, kernel-side tools (curl, socat, hping3, nft)
 * beside them, tshark's verdict on captures. Addresses only from 198.18.0.0/15 and 2001:db8::/32.
 * Every child process has a time limit; every namespace is removed in a finally.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tunUnavailableReason } from '../../src/link/tun.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function has(tool: string, args = ['--version']): boolean {
  const r = spawnSync(tool, args, { stdio: 'ignore', timeout: 5000 });
  return !r.error;
}

/** Why the interop tests cannot run here (undefined when they can). */
export function interopSkipReason(tools: string[] = []): string | undefined {
  const tun = tunUnavailableReason();
  if (tun) return tun;
  const probe = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore', timeout: 5000 });
  if (probe.error || probe.status !== 0) return 'ip netns is not usable here (iproute2 with network namespace support, as root)';
  if (!existsSync(CLI)) return `the built CLI is missing (${CLI}): run npm run build`;
  // CI installs every tool (.ci/run): there a missing one is a failure (the test runs and cannot
  // spawn it), not a skip. Root and TUN stay reasons to skip anywhere.
  if (process.env.CI) return undefined;
  for (const t of tools) if (!has(t, t === 'socat' ? ['-V'] : ['--version'])) return `${t} is not installed (apt-get install ${t === 'nft' ? 'nftables' : t})`;
  return undefined;
}

let counter = 0;
/** A name unique to this test run: synack-t<pid>-<n> (at most 15 characters for devices). */
export function uniqueName(prefix = 't'): string {
  return `sk${prefix}${process.pid % 100000}${++counter}`.slice(0, 15);
}

/** Run `fn` in a fresh network namespace (loopback up) and a temporary directory; both removed after. */
export async function withNetns<T>(fn: (ns: string, dir: string) => Promise<T>): Promise<T> {
  const ns = `synack-t${process.pid}-${++counter}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8', timeout: 10_000 });
  if (add.status !== 0) throw new Error(`ip netns add ${ns}: ${add.stderr}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'synack-interop-'));
  const children = new Set<ChildProcess>();
  active.set(ns, children);
  try {
    nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    return await fn(ns, dir);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    active.delete(ns);
    spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

const active = new Map<string, Set<ChildProcess>>();

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command inside `ns` to completion (bounded by timeoutMs). */
export function nsExec(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number; input?: string | Buffer } = {}): Result {
  const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    input: opts.input,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')} in ${ns}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start a command inside `ns` in the background (killed after timeoutMs, and when the namespace goes). */
export function nsSpawn(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number; stdin?: 'pipe' | 'ignore' | number } = {}): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL' });
  active.get(ns)?.add(child);
  return child;
}

/** Everything a child writes, and its exit, bounded by timeoutMs. */
export function finished(child: ChildProcess, timeoutMs = 60_000): Promise<Result & { stdoutBytes: Buffer }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not exit within ${timeoutMs} ms; stderr: ${Buffer.concat(err).toString()}`));
    }, timeoutMs);
    const done = (status: number | null): void => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ status, stdout: stdoutBytes.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes });
    };
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.on('close', done);
  });
}

export interface Served {
  child: ChildProcess;
  /** The line synack printed when ready, e.g. 198.18.0.2:80. */
  listening: string;
  /** SIGTERM, then its exit and everything it printed (counters included). */
  stop(): Promise<Result>;
}

/** Start `synack serve ARGS` in `ns`; resolves when it prints `listening ...`. */
export async function serve(ns: string, args: string[], timeoutMs = 120_000): Promise<Served> {
  const child = nsSpawn(ns, process.execPath, [CLI, 'serve', ...args], { timeoutMs });
  const result = finished(child, timeoutMs + 5000);
  let out = '';
  const listening = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`synack serve printed no 'listening' line within 10 s: ${out}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /^listening (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void result.then((r) => {
      clearTimeout(timer);
      reject(new Error(`synack serve exited (${r.status}) before listening: ${r.stderr}`));
    });
  });
  return {
    child,
    listening,
    async stop() {
      child.kill('SIGTERM');
      return result;
    },
  };
}

/** Counters printed by serve at exit, as a map. */
export function counters(stdout: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const r = /^([A-Za-z]+) (\d+)$/.exec(line);
    if (r) m.set(r[1], Number(r[2]));
  }
  return m;
}

/**
 * tshark's complaints about a capture: malformed packets and bad checksums (empty when clean).
 *
 * A TCP checksum of 0xffff where tshark computes 0x0000 is not a complaint: it is the same sum (one's
 * complement has two zeros; a receiver's check of the segment comes out the same), and it is what
 * Linux writes when it sums a segment in software and the sum is zero (skb_checksum_help writes
 * CSUM_MANGLED_0), as it does on a device without checksum offload (a TUN device without it, a veth
 * with `ethtool -K tx off`): one segment in 65,536, which tshark reports as bad (RFC 1624).
 *
 * `tcpReassembly: false` reads the capture without tshark's TCP reassembly (for a capture taken where
 * packets are later dropped, see tcpResends): each packet is still dissected, its headers and checksums
 * checked.
 */
export function tsharkComplaints(file: string, opts: { tcpReassembly?: boolean } = {}): { packets: number; problems: string[] } {
  const reassembly = opts.tcpReassembly === false ? ['-o', 'tcp.desegment_tcp_streams:FALSE'] : [];
  const r = spawnSync(
    'tshark',
    ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...reassembly, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', '_ws.malformed', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'tcp.checksum', '-e', 'tcp.checksum_calculated'],
    { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 },
  );
  if (r.error || r.status !== 0) return { packets: 0, problems: [`tshark failed: ${r.error?.message ?? r.stderr}`] };
  const problems: string[] = [];
  const rows = r.stdout.split('\n').filter(Boolean);
  for (const row of rows) {
    // Tab-separated: the malformed field's text may hold commas.
    const [frame, malformed, ipStatus, tcpStatus, tcpSum, tcpSumCalculated] = row.split('\t');
    if (malformed !== '') problems.push(`frame ${frame} malformed: ${malformed}`);
    // IPv6 has no header checksum (empty status); 1 is good, 0 bad, 2 unverified.
    if (ipStatus !== '' && ipStatus !== '1') problems.push(`frame ${frame}: IPv4 checksum status ${ipStatus}`);
    const negativeZero = tcpSum === '0xffff' && tcpSumCalculated === '0x0000';
    if (tcpStatus !== '' && tcpStatus !== '1' && !negativeZero) problems.push(`frame ${frame}: TCP checksum status ${tcpStatus}`);
  }
  return { packets: rows.length, problems };
}

/** What tcpResends finds in a capture. */
export interface TcpResends {
  /** TCP segments with data. */
  segments: number;
  /** Octets the capture holds more than once (retransmissions, repacketised or not). */
  resent: number;
  /** Every resent range whose octets differ from the ones first seen for the same sequence numbers. */
  conflicts: string[];
  /** IPv4 or IPv6 fragments. */
  fragments: number;
}

/**
 * TCP data a capture holds more than once, compared octet by octet with what it held first for the
 * same sequence numbers, flow by flow (sequence numbers counted from each flow's SYN). A retransmission
 * repeats its original; a resend that differs is corrupt data, whatever tshark says of it. For a
 * capture of a path that drops packets after the capture point (a sender's retransmission then
 * follows an original the capture already holds), where tshark's TCP reassembly, having completed a
 * PDU, reports a resend of it as malformed ("New fragment overlaps old data (retransmission?)")
 * without comparing the bytes.
 */
export function tcpResends(file: string): TcpResends {
  const r = spawnSync(
    'tshark',
    ['-r', file, '-o', 'tcp.desegment_tcp_streams:FALSE', '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'tcp.dstport', '-e', 'tcp.flags.syn', '-e', 'tcp.seq_raw', '-e', 'tcp.payload', '-e', 'ip.flags.mf', '-e', 'ip.frag_offset', '-e', 'ipv6.fraghdr.offset'],
    { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000 },
  );
  if (r.error || r.status !== 0) throw new Error(`tshark failed: ${r.error?.message ?? r.stderr}`);
  // Per flow: the octets by offset from the first sequence number, and the frame each was first seen in (0: not yet).
  const flows = new Map<string, { base: number; data: Uint8Array; firstFrame: Int32Array }>();
  const out: TcpResends = { segments: 0, resent: 0, conflicts: [], fragments: 0 };
  for (const row of r.stdout.split('\n')) {
    if (row === '') continue;
    const [frame, src4, src6, sport, dst4, dst6, dport, syn, seqText, payload, mf, fragOffset, frag6] = row.split('\t');
    if (mf === '1' || mf === 'True' || (fragOffset !== undefined && fragOffset !== '' && fragOffset !== '0') || (frag6 !== undefined && frag6 !== '')) out.fragments++;
    if (sport === '' || seqText === '') continue;
    const key = `${src4 || src6} ${sport} ${dst4 || dst6} ${dport}`;
    const seq = Number(seqText);
    let flow = flows.get(key);
    const isSyn = syn === '1' || syn === 'True';
    if (flow === undefined) {
      flow = { base: isSyn ? (seq + 1) >>> 0 : seq, data: new Uint8Array(1 << 16), firstFrame: new Int32Array(1 << 16) };
      flows.set(key, flow);
    }
    if (payload === undefined || payload === '') continue;
    out.segments++;
    const bytes = Buffer.from(payload, 'hex');
    const at = (seq + (isSyn ? 1 : 0) - flow.base) >>> 0;
    if (at >= 2 ** 31) {
      out.conflicts.push(`frame ${frame}: ${bytes.length} octets before the first sequence number seen on ${key}`);
      continue;
    }
    if (at + bytes.length > flow.data.length) {
      let size = flow.data.length;
      while (size < at + bytes.length) size *= 2;
      const data = new Uint8Array(size);
      const firstFrame = new Int32Array(size);
      data.set(flow.data);
      firstFrame.set(flow.firstFrame);
      flow.data = data;
      flow.firstFrame = firstFrame;
    }
    let differ = -1;
    for (let i = 0; i < bytes.length; i++) {
      const o = at + i;
      if (flow.firstFrame[o] !== 0) {
        out.resent++;
        if (flow.data[o] !== bytes[i] && differ < 0) differ = i;
      } else {
        flow.data[o] = bytes[i];
        flow.firstFrame[o] = Number(frame);
      }
    }
    if (differ >= 0) out.conflicts.push(`frame ${frame}: octet ${at + differ} of ${key} differs from frame ${flow.firstFrame[at + differ]}'s`);
  }
  return out;
}

/** True when byte i of `b` is i % 251 for every i (the /bytes/N pattern). */
export function isPattern(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== i % 251) return false;
  return true;
}
