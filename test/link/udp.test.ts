/**
 * The UDP link: IP packets in UDP datagrams over 127.0.0.1. Two stacks joined through the kernel's
 * loopback (in one process, then across two processes) carry data byte-exact both ways, with the
 * half-close each way; the link's counters agree with the datagrams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { UdpLink } from '../../src/link/udp.js';
import { createConnection, createServer, type Socket } from '../../src/socket/index.js';
import { Stack } from '../../src/stack/stack.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Send `data`, end, and collect what comes back until the peer ends; bounded by `ms`. */
function exchange(s: Socket, data: Buffer, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`no end within ${ms} ms (received ${chunks.reduce((n, c) => n + c.length, 0)} bytes)`)), ms);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    s.on('connect', () => s.end(data));
  });
}

test('two stacks over UDP on loopback in one process: 1 MB echoed byte-exact, half-close both ways', async () => {
  const a = await UdpLink.open(new Stack({ addresses: ['198.18.1.1'] }));
  const b = await UdpLink.open(new Stack({ addresses: ['198.18.1.2'] }), { remote: a.address() });
  try {
    // a learns b from b's first datagram: b's SYN-ACK answers a's SYN only after a knows where b is,
    // so a connects from b's side here (b -> a).
    const server = createServer(a.host, { allowHalfOpen: true }, (s) => s.pipe(s));
    server.listen(7, '198.18.1.1');
    const data = randomBytes(1 << 20);
    const client = createConnection(b.host, { host: '198.18.1.1', port: 7, allowHalfOpen: true });
    const back = await exchange(client, data, 20_000);
    assert.equal(back.length, data.length);
    assert.equal(sha(back), sha(data));
    assert.ok(a.driver.stats.packetsIn > 10 && b.driver.stats.packetsIn > 10);
    assert.equal(a.drops + b.drops, 0);
    server.close();
  } finally {
    a.close();
    b.close();
  }
});

test('two synack processes joined by a UDP link: 1 MB echoed byte-exact', async () => {
  const peer = spawn(process.execPath, [fileURLToPath(new URL('./udp-peer.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 30_000 });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      peer.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      peer.on('exit', (code) => reject(new Error(`peer exited (${code}) before printing its port`)));
    });
    assert.ok(port > 0);
    const link = await UdpLink.open(new Stack({ addresses: ['198.18.1.1'] }), { remote: { address: '127.0.0.1', port } });
    try {
      const data = randomBytes(1 << 20);
      const back = await exchange(createConnection(link.host, { host: '198.18.1.2', port: 7, allowHalfOpen: true }), data, 20_000);
      assert.equal(sha(back), sha(data));
    } finally {
      link.close();
    }
    const code = await new Promise<number | null>((resolve) => (peer.exitCode !== null ? resolve(peer.exitCode) : peer.on('exit', resolve)));
    assert.equal(code, 0, 'the peer process closed its connection and exited by itself');
  } finally {
    peer.kill();
  }
});
