/**
 * Node's tls over synack sockets: tls.connect({ socket }) on the client, a tls.Server fed by a synack
 * Server (emit('connection')) on the server, with a throwaway P-256 certificate made by openssl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { SeededRandom } from '../../src/tcp/random.js';
import { connect, createServer } from '../../src/socket/index.js';
import { SERVER_IP, collect, pair, sha256 } from './helpers.js';

function makeCertificate(): { key: Buffer; cert: Buffer } | string {
  const dir = mkdtempSync(join(tmpdir(), 'synack-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=synack.test', '-addext', 'subjectAltName=DNS:synack.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch (e) {
    return `openssl failed: ${(e as Error).message}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const material = makeCertificate();
const skip = typeof material === 'string' && !process.env.CI ? material : false;

test('tls: a 400 KB echo through TLS 1.3 over synack sockets, byte-exact', { skip }, async () => {
  if (typeof material === 'string') throw new Error(material);
  const { key, cert } = material;
  const { net, client, server } = pair(21, { delayMs: 5, loss: 0.01 });

  const tlsServer = tls.createServer({ key, cert }, (s) => s.pipe(s));
  let serverError: Error | undefined;
  tlsServer.on('tlsClientError', (e) => (serverError = e));
  // The TLS layer ends the raw socket itself (close_notify, then FIN), so the raw sockets are half-open
  // capable: with allowHalfOpen off a raw socket would end its writable side on the peer's FIN, before
  // TLS has written the last records it still owes.
  createServer(server, { allowHalfOpen: true }, (s) => tlsServer.emit('connection', s)).listen(443);

  const data = Buffer.from(new SeededRandom(5).bytes(400_000));
  const raw = connect(client, { port: 443, host: SERVER_IP, allowHalfOpen: true });
  const secure = tls.connect({ socket: raw, ca: cert, servername: 'synack.test' });
  let secured = false;
  let protocol: string | null = null;
  secure.on('secureConnect', () => {
    secured = true;
    protocol = secure.getProtocol();
    // Write in pieces, as an application would.
    for (let off = 0; off < data.length; off += 16_384) secure.write(data.subarray(off, off + 16_384));
    secure.end();
  });
  let clientError: Error | undefined;
  secure.on('error', (e) => (clientError = e));
  const got = collect(secure);
  await net.runAsync(() => got.done || clientError !== undefined || serverError !== undefined, { maxMs: 600_000 });
  assert.equal(clientError, undefined);
  assert.equal(serverError, undefined);
  assert.ok(secured);
  assert.equal(secure.authorized, true);
  assert.equal(protocol, 'TLSv1.3');
  assert.equal(got.bytes().length, data.length);
  assert.equal(sha256(got.bytes()), sha256(data));
  assert.ok(raw.bytesRead > data.length, 'the raw socket carried the ciphertext');
});
