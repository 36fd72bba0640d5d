/**
 * SimNetwork.receiveBatch: how many packets that arrive at the same instant a host takes before it
 * acts. The scene: a connection over a link of 1 ms each way with no bandwidth (so a burst arrives all
 * at once), MSS 1460 with timestamps (1448 data octets a segment), the client's initial window of 10
 * segments (RFC 6928) sent in one go as 14,480 octets. What the server sends back for that burst:
 *
 *   receiveBatch 1 (default)   an ACK for every segment: the connection's first 16 segments are
 *                              acknowledged at once (quickAckSegments, Linux's quickack mode):
 *                              10 ACKs, for 1, 2, ... 10 segments
 *   receiveBatch 64            the burst taken at once: one ACK for all 10
 *   receiveBatch 4             batches of 4, 4 and 2: ACKs for 4, 8 and 10 segments
 *
 * The bytes arrive whole and in order every time (the 10 segments' pattern is checked at the server).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { decodeIp } from '../../src/wire/ip.js';
import { decodeTcpHeader } from '../../src/wire/tcp.js';

const SEG = 1448;
const BURST = 10 * SEG;

/** The ACK numbers (relative to the first data octet) of the server's segments answering the burst. */
function acksForBurst(receiveBatch: number | undefined, seed = 1): { acks: number[]; received: Uint8Array } {
  const net = new SimNetwork(seed);
  if (receiveBatch !== undefined) net.receiveBatch = receiveBatch;
  const client = net.addHost('client', { addresses: ['198.18.0.1'], checksumOffload: true });
  const server = net.addHost('server', { addresses: ['198.18.0.2'], checksumOffload: true });
  const link = net.link(client, server, { delayMs: 1 });
  const listener = server.stack.listen(80);
  const conn = client.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  client.kick();
  net.runUntil(() => conn.state === 'ESTABLISHED' && listener.acceptQueue.length > 0, 1000);
  const peer = listener.accept()!;
  net.runFor(10); // the handshake's last ACK has arrived, nothing is in flight
  const firstData = conn.tcb.sndNxt;
  const acks: number[] = [];
  link.tap((packet, _t, from) => {
    if (from !== server) return;
    const ip = decodeIp(packet);
    if (!('payloadOffset' in ip)) return;
    const tcp = decodeTcpHeader(packet, ip.payloadOffset, packet.length - ip.payloadOffset);
    if ('ack' in tcp) acks.push((tcp.ack - firstData) >>> 0);
  });
  const data = new Uint8Array(BURST).map((_, i) => (i * 7 + 3) & 0xff);
  assert.equal(conn.send(data, net.now), BURST);
  client.kick();
  net.runFor(1.5); // the burst has arrived (1 ms) and been answered; the ACKs are on their way back
  const received = peer.read(undefined, net.now) ?? new Uint8Array(0);
  const parts = [received];
  for (let d = peer.read(undefined, net.now); d; d = peer.read(undefined, net.now)) parts.push(d);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return { acks, received: all };
}

test('receiveBatch 1 (the default): the receiver acts on every packet of a burst, acknowledging each (quick-ACK start)', () => {
  const { acks, received } = acksForBurst(undefined);
  assert.deepEqual(acks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => n * SEG));
  assert.equal(received.length, BURST);
});

test('receiveBatch 64: a burst that arrives at one instant is taken at once and acknowledged once', () => {
  const { acks, received } = acksForBurst(64);
  assert.deepEqual(acks, [BURST]);
  assert.equal(received.length, BURST);
  assert.ok(received.every((b, i) => b === ((i * 7 + 3) & 0xff)), 'the bytes arrive whole and in order');
});

test('receiveBatch 4: the host acts after every 4 packets at most', () => {
  const { acks } = acksForBurst(4);
  assert.deepEqual(acks, [4 * SEG, 8 * SEG, BURST]);
});
