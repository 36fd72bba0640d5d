/** UdpSocket (the browser-native UDP): readable and writable of datagrams, connected mode's errors, drops past the high-water mark. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpErrorEvent, UdpSocket, type UdpMessage } from '../../src/socket/web-udp.js';
import { pair, CLIENT_IP, SERVER_IP } from './helpers.js';

const SEED = 11;
const enc = new TextEncoder();
const dec = new TextDecoder();

test(`UdpSocket: an echo through the streams (seed ${SEED})`, async () => {
  const { net, client, server } = pair(SEED);
  const srv = new UdpSocket(server, { localPort: 7 });
  const { readable, writable, localPort } = await srv.opened;
  assert.equal(localPort, 7);
  // The echo: every datagram back to its sender.
  void readable.pipeTo(writable).catch(() => {});
  const c = new UdpSocket(client, { remoteAddress: SERVER_IP, remotePort: 7 });
  const info = await c.opened;
  assert.equal(info.remoteAddress, SERVER_IP);
  const w = info.writable.getWriter();
  await w.write({ data: enc.encode('one') });
  await w.write({ data: enc.encode('two') });
  const reader = info.readable.getReader();
  const got: UdpMessage[] = [];
  const reading = (async () => {
    for (let i = 0; i < 2; i++) got.push((await reader.read()).value!);
  })();
  await net.runAsync(() => got.length === 2);
  await reading;
  assert.deepEqual(got.map((m) => dec.decode(m.data)), ['one', 'two']);
  assert.deepEqual([got[0].remoteAddress, got[0].remotePort], [SERVER_IP, 7]);
  await c.close();
  await srv.close();
});

test('UdpSocket: a connected socket hears ECONNREFUSED as an error event; a slow reader loses datagrams, counted', async () => {
  const { net, client, server } = pair(SEED);
  server.enableUdp(); // a host carrying UDP answers for its closed ports
  const c = new UdpSocket(client, { remoteAddress: SERVER_IP, remotePort: 9 });
  const errors: UdpErrorEvent[] = [];
  c.addEventListener('error', (e) => errors.push(e as UdpErrorEvent));
  c.send({ data: enc.encode('x') });
  await net.runAsync(() => errors.length === 1);
  assert.equal((errors[0].error as { code?: string }).code, 'ECONNREFUSED');
  const slow = new UdpSocket(server, { localPort: 9, readableHighWaterMark: 2 });
  const b = new UdpSocket(client, {});
  let messages = 0;
  slow.addEventListener('message', () => messages++);
  for (let i = 0; i < 5; i++) b.send({ data: enc.encode(String(i)), remoteAddress: SERVER_IP, remotePort: 9 });
  await net.runAsync(() => messages === 5);
  assert.equal(slow.droppedMessages, 3);
  const r = (await slow.opened).readable.getReader();
  assert.equal(dec.decode((await r.read()).value!.data), '0');
  assert.throws(() => new UdpSocket(server, { localPort: 9 }), { code: 'EADDRINUSE' });
  void CLIENT_IP;
});

test('UdpSocket.send takes any view of bytes by its own window (a DataView into a larger buffer)', async () => {
  const { net, client, server } = pair(SEED);
  const srv = new UdpSocket(server, { localPort: 5 });
  const got: string[] = [];
  srv.addEventListener('message', (e) => got.push(dec.decode((e as unknown as { message: UdpMessage }).message.data)));
  const c = new UdpSocket(client, { remoteAddress: SERVER_IP, remotePort: 5 });
  const big = enc.encode('xxxxhelloyyyy');
  c.send({ data: new DataView(big.buffer, 4, 5) as unknown as Uint8Array });
  await net.runAsync(() => got.length === 1);
  assert.deepEqual(got, ['hello']);
});
