/**
 * The Linux kernel as a TCP Fast Open peer (RFC 7413), through a TUN device in a namespace of its
 * own, with net.ipv4.tcp_fastopen=3 there (client and server):
 *
 * - curl --tcp-fastopen (the kernel's client) against `synack serve --fast-open`: the first
 *   connection's SYN asks for a cookie and synack's SYN-ACK grants one; the second connection's SYN
 *   carries the request, and synack's answer leaves before the kernel's third segment of the
 *   handshake reaches it: its application saw the request before the handshake completed. Checked in
 *   synack's capture.
 * - `synack connect --fast-open` against a kernel server with TCP_FASTOPEN set (a few lines of
 *   python3): synack asks for a cookie, then sends its data on the SYN, and the kernel accepts it (its
 *   TcpExtTCPFastOpenPassive counter, read in the namespace, moves by one).
 *
 * Skipped, with the reason, without root or TUN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeTcpPacket, locateIp, readCapture, TcpFlag, type TcpPacket } from '../../src/wire/index.js';
import { CLI, counters, finished, interopSkipReason, nsExec, nsSpawn, serve, uniqueName, withNetns } from './netns.js';

const skip = interopSkipReason(['curl', 'python3']) ?? false;

/** The TCP packets of a capture, in order. */
function packets(file: string): TcpPacket[] {
  const cap = readCapture(readFileSync(file));
  assert.ok(cap.ok, 'the capture reads');
  const out: TcpPacket[] = [];
  for (const r of cap.records) {
    const at = locateIp(r.linkType, r.data);
    if (!at.ok) continue;
    const p = decodeTcpPacket(r.data, at.offset);
    if (p.ok) out.push(p);
  }
  return out;
}

/** net.ipv4.tcp_fastopen=3 in `ns` (per namespace): the kernel's client and server both do Fast Open. */
function fastOpenSysctl(ns: string): void {
  const r = nsExec(ns, 'sh', ['-c', 'echo 3 > /proc/sys/net/ipv4/tcp_fastopen && cat /proc/sys/net/ipv4/tcp_fastopen']);
  assert.equal(r.stdout.trim(), '3', `net.ipv4.tcp_fastopen in the namespace: ${r.stderr}`);
}

const isSyn = (p: TcpPacket) => (p.tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;

/** The kernel's TcpExt counters in `ns` (/proc/net/netstat is per namespace). */
function tcpExt(ns: string): Map<string, number> {
  const r = nsExec(ns, 'cat', ['/proc/net/netstat']);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  return new Map(names.map((n, i) => [n, values[i]]));
}

test('curl --tcp-fastopen to synack serve --fast-open: a cookie, then the request on the SYN, answered before the handshake completes', { skip }, async () => {
  await withNetns(async (ns, dir) => {
    fastOpenSysctl(ns);
    const pcap = path.join(dir, 'serve.pcap');
    const s = await serve(ns, ['--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--fast-open', '--pcap', pcap]);
    let end;
    try {
      for (let i = 0; i < 2; i++) {
        const r = nsExec(ns, 'curl', ['-sS', '--max-time', '20', '--tcp-fastopen', '-o', '/dev/null', '-w', '%{http_code}', 'http://198.18.0.2/bytes/100'], { timeoutMs: 25_000 });
        assert.equal(r.status, 0, `curl ${i + 1}: ${r.stderr}`);
        assert.equal(r.stdout, '200');
      }
    } finally {
      end = await s.stop();
    }
    const c = counters(end.stdout);
    assert.equal(c.get('TcpTCPFastOpenCookieReqd'), 1, 'the first SYN asked for a cookie');
    assert.equal(c.get('TcpTCPFastOpenPassive'), 1, 'the second SYN carried data synack took');
    const all = packets(pcap);
    const syns = all.filter(isSyn);
    assert.equal(syns.length, 2);
    assert.equal(syns[0].tcp.options.fastOpenCookie?.length, 0, 'first SYN: a cookie request');
    assert.equal(syns[0].payloadLength, 0);
    assert.equal(syns[1].tcp.options.fastOpenCookie?.length, 8, 'second SYN: the cookie');
    assert.ok(syns[1].payloadLength > 0, 'second SYN: the request');
    assert.match(Buffer.from(syns[1].bytes.subarray(syns[1].payloadOffset, syns[1].payloadOffset + syns[1].payloadLength)).toString(), /^GET \/bytes\/100 HTTP/);
    // The second connection, from its SYN on: synack's answer (data from port 80) comes before the
    // kernel's first segment after the SYN (the handshake's third).
    const port = syns[1].tcp.srcPort;
    const conn = all.slice(all.indexOf(syns[1]) + 1).filter((p) => p.tcp.srcPort === port || p.tcp.dstPort === port);
    const firstAnswer = conn.findIndex((p) => p.tcp.srcPort === 80 && p.payloadLength > 0);
    const thirdSegment = conn.findIndex((p) => p.tcp.srcPort === port);
    assert.ok(firstAnswer >= 0 && thirdSegment >= 0, 'both are in the capture');
    assert.ok(firstAnswer < thirdSegment, `synack answered (packet ${firstAnswer}) before the handshake's third segment arrived (packet ${thirdSegment})`);
  });
});

/** A kernel server with TCP_FASTOPEN on its socket: prints what the one connection sends. */
const PY_SERVER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
s.bind(('0.0.0.0', 5005))
s.listen(16)
print('ready', flush=True)
for _ in range(2):
    c, _a = s.accept()
    data = b''
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
    c.close()
    sys.stdout.write(data.decode() + '|')
    sys.stdout.flush()
`;

test('synack connect --fast-open to a kernel server with TCP_FASTOPEN: the kernel accepts the data on synack\'s SYN', { skip }, async () => {
  await withNetns(async (ns, dir) => {
    fastOpenSysctl(ns);
    const script = path.join(dir, 'server.py');
    writeFileSync(script, PY_SERVER);
    const server = nsSpawn(ns, 'python3', [script], { timeoutMs: 30_000 });
    const result = finished(server, 35_000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the python server did not start in 10 s')), 10_000);
      server.stdout!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const before = tcpExt(ns).get('TCPFastOpenPassive') ?? 0;
    const pcap = path.join(dir, 'connect.pcap');
    const client = nsSpawn(ns, process.execPath, [CLI, 'connect', '--tun', uniqueName(), '--addr', '198.18.0.2/24', '--peer', '198.18.0.1', '--to', '198.18.0.1:5005', '--fast-open', '--pcap', pcap], { stdin: 'pipe', timeoutMs: 30_000 });
    client.stdin!.end('hello on the SYN');
    const c = await finished(client, 35_000);
    assert.equal(c.status, 0, `synack connect: ${c.stderr}`);
    const s = await result;
    assert.equal(s.stdout, 'ready\n|hello on the SYN|', 'the cookie connection sent nothing, the second the data');
    const after = tcpExt(ns).get('TCPFastOpenPassive') ?? 0;
    assert.equal(after - before, 1, 'the kernel took the data on the SYN (TcpExtTCPFastOpenPassive)');
    const syns = packets(pcap).filter(isSyn);
    assert.equal(syns.length, 2);
    assert.equal(syns[1].payloadLength, 16);
  });
});
