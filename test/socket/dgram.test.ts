/**
 * node:dgram's surface over synack's UDP, on a simulated pair in virtual time: bind and 'listening',
 * an echo with rinfo, implicit bind on send, connect and ECONNREFUSED from a closed port, address(),
 * EADDRINUSE as an 'error', broadcast needing setBroadcast, close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo } from '../../src/socket/dgram.js';
import { pair, CLIENT_IP, SERVER_IP } from './helpers.js';

const SEED = 7;

test(`dgram: an echo server and a client, with rinfo and address() (seed ${SEED})`, async () => {
  const { net, client, server } = pair(SEED);
  const srv = createSocket(server, 'udp4');
  let listening = false;
  srv.on('message', (msg, rinfo) => srv.send(msg, rinfo.port, rinfo.address));
  srv.bind(7, () => (listening = true));
  await net.runAsync(() => listening);
  assert.deepEqual(srv.address(), { address: '0.0.0.0', family: 'IPv4', port: 7 });
  const c = createSocket(client, 'udp4');
  const got: Array<[string, RemoteInfo]> = [];
  c.on('message', (m, r) => got.push([m.toString(), r]));
  let sent = -1;
  c.send('hello', 7, SERVER_IP, (err: Error | null, n: number) => {
    assert.equal(err, null);
    sent = n;
  });
  await net.runAsync(() => got.length === 1);
  assert.equal(sent, 5);
  assert.equal(got[0][0], 'hello');
  assert.deepEqual(got[0][1], { address: SERVER_IP, family: 'IPv4', port: 7, size: 5 });
  // send(msg, offset, length, port, address): a slice of the message.
  c.send(Buffer.from('xxhixx'), 2, 2, 7, SERVER_IP);
  await net.runAsync(() => got.length === 2);
  assert.equal(got[1][0], 'hi');
  const port = c.address().port;
  assert.ok(port >= 49152, `an ephemeral port from the implicit bind, got ${port}`);
  let closed = 0;
  c.close(() => closed++);
  srv.close(() => closed++);
  await net.runAsync(() => closed === 2);
  assert.throws(() => c.address(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
});

test('dgram: a connected socket gets ECONNREFUSED (syscall recvmsg) from a closed port', async () => {
  const { net, client, server } = pair(SEED);
  server.enableUdp(); // a host carrying UDP answers for its closed ports
  const c = createSocket(client, 'udp4');
  let connected = false;
  c.connect(9999, SERVER_IP, () => (connected = true));
  await net.runAsync(() => connected);
  assert.deepEqual(c.remoteAddress(), { address: SERVER_IP, family: 'IPv4', port: 9999 });
  assert.throws(() => c.connect(1, SERVER_IP), { code: 'ERR_SOCKET_DGRAM_IS_CONNECTED' });
  const errors: Array<Error & { code?: string; syscall?: string }> = [];
  c.on('error', (e) => errors.push(e));
  c.send('anyone?');
  await net.runAsync(() => errors.length === 1);
  assert.equal(errors[0].code, 'ECONNREFUSED');
  assert.equal(errors[0].syscall, 'recvmsg');
  c.disconnect();
  assert.throws(() => c.remoteAddress(), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
  c.close();
});

test('dgram: EADDRINUSE is an error event; broadcast needs setBroadcast (EACCES)', async () => {
  const { net, client } = pair(SEED);
  const a = createSocket(client, 'udp4').bind(5000);
  const b = createSocket(client, 'udp4');
  const errs: Array<Error & { code?: string; syscall?: string }> = [];
  b.on('error', (e) => errs.push(e));
  b.bind(5000);
  await net.runAsync(() => errs.length === 1);
  assert.equal(errs[0].code, 'EADDRINUSE');
  assert.equal(errs[0].syscall, 'bind');
  let err: (Error & { code?: string }) | null | undefined;
  a.send('x', 67, '255.255.255.255', (e: Error | null) => (err = e));
  await net.runAsync(() => err !== undefined);
  assert.equal(err?.code, 'EACCES');
  a.setBroadcast(true);
  err = undefined;
  a.send('x', 67, '255.255.255.255', (e: Error | null) => (err = e));
  await net.runAsync(() => err !== undefined);
  assert.equal(err, null);
  assert.equal(client.udp!.counters.OutDatagrams, 1);
  a.close();
  b.close();
});

test('dgram: udp6 and a bad socket type', async () => {
  assert.throws(() => createSocket(pair(SEED).client, 'udp5' as 'udp4'), { code: 'ERR_SOCKET_BAD_TYPE' });
  const { net, client, server } = pair(SEED, {}, { client: { addresses: [CLIENT_IP, '2001:db8::1'] }, server: { addresses: [SERVER_IP, '2001:db8::2'] } });
  const srv = createSocket(server, 'udp6').bind(53);
  const got: RemoteInfo[] = [];
  srv.on('message', (_m, r) => got.push(r));
  createSocket(client, 'udp6').send('q', 53, '2001:db8::2');
  await net.runAsync(() => got.length === 1);
  assert.equal(got[0].address, '2001:db8::1');
  assert.equal(got[0].family, 'IPv6');
});
