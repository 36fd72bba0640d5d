/**
 * Interop on loopback, no root: the kernel's own DNS client, dig, asks synack's DNS server run over a
 * real node:dgram socket bound to 127.0.0.1. Skipped with the reason when dig is absent, failed under
 * CI (the CI variable set), so CI cannot pass without running it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { DnsServer } from '../../src/services/dns-server.js';
import { serveDnsOnNodeDgram } from '../../src/socket/dns-node.js';

const DIG = '/usr/bin/dig';
const skip = existsSync(DIG) || process.env.CI ? false : 'no /usr/bin/dig: apt-get install bind9-dnsutils';

function dig(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // +tries=1 +time=2: one try of two seconds, so a broken server fails the test fast.
    execFile(DIG, ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', ...args], { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

test('dig asks synack for A, AAAA, PTR, a missing name and a foreign one', { skip }, async () => {
  const server = new DnsServer({ zones: ['synack.test'], hosts: { 'www.synack.test': ['198.18.0.2', '2001:db8::2'] } });
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const stop = serveDnsOnNodeDgram(server, sock);
  const port = sock.address().port;
  try {
    assert.equal((await dig(port, '+short', 'www.synack.test', 'A')).trim(), '198.18.0.2');
    assert.equal((await dig(port, '+short', 'www.synack.test', 'AAAA')).trim(), '2001:db8::2');
    assert.equal((await dig(port, '+short', '-x', '198.18.0.2')).trim(), 'www.synack.test.');
    const nx = await dig(port, 'nope.synack.test');
    assert.match(nx, /status: NXDOMAIN/);
    assert.match(nx, /flags: qr aa rd;/);
    assert.match(nx, /synack\.test\.\s+\d+\s+IN\s+SOA/);
    assert.match(await dig(port, 'example.com'), /status: REFUSED/);
    // dig sends EDNS0 by default: the answer carries an OPT record back (dig prints the pseudosection).
    assert.match(await dig(port, 'www.synack.test'), /OPT PSEUDOSECTION/);
    assert.equal(server.counters.queries, 6);
  } finally {
    stop();
    sock.close();
  }
});
