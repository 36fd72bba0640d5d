/**
 * Trains (SimNetwork.deliverAt): packets sent on a link at one instant that arrive at one instant
 * travel as one queue entry and are delivered one by one, in order, each counting towards the
 * receive batch. What must hold: nothing observable changes (the same packets arrive at the same
 * times in the same order, the same ACKs go back, the same bytes are read); only the simulator's work
 * per packet does (fewer steps, where a step may deliver several packets of one batch).
 *
 * How each test sees it: the same transfer is run twice, once with a delivery tap (which needs an id
 * per delivery, so no train forms) and once without; the receiver's view of every arrival (time,
 * order, bytes), the counters and the virtual time must be equal, and the untapped run must take
 * far fewer steps. Seeds are fixed and printed with any failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimNetwork, type LinkProfile } from '../../src/link/sim.js';
import { bulkTransfer } from './sim-bulk.js';

interface Outcome {
  steps: number;
  /** Every packet that reached the server's stack or merger: time and a hash of its bytes, in order. */
  arrivals: string;
  received: string;
  endMs: number;
  counters: string;
}

function run(seed: number, receiveBatch: number, tapped: boolean, profile: Partial<LinkProfile>): Outcome {
  const net = new SimNetwork(seed);
  net.receiveBatch = receiveBatch;
  const common = { checksumOffload: true, tcp: { receiveBufferSize: 1 << 20, sendBufferSize: 1 << 20 } };
  const client = net.addHost('client', { addresses: ['198.18.0.1'], ...common });
  const server = net.addHost('server', { addresses: ['198.18.0.2'], ...common });
  const link = net.link(client, server, { delayMs: 0.01, mtu: 1500, ...profile });
  if (tapped) link.tapDeliveries(() => {});
  // The server's side of every arrival, before GRO touches it (a merge in place spends its pieces).
  const arrivals = createHash('sha256');
  const gro = server.gro!;
  const receive = gro.receive.bind(gro);
  gro.receive = (packet, now, owned) => {
    arrivals.update(`${now}:${packet.length}:`).update(packet);
    receive(packet, now, owned);
  };
  const ip = server.ip;
  const handle = ip.handlePacket.bind(ip);
  ip.handlePacket = (packet, now) => {
    if (receiveBatch === 1) arrivals.update(`${now}:${packet.length}:`).update(packet);
    handle(packet, now);
  };
  let steps = 0;
  net.onStep = () => {
    steps++;
  };
  server.stack.listen(80);
  const data = new Uint8Array(2_000_000).map((_, i) => (i * 31 + (i >>> 9)) & 0xff);
  const { received } = bulkTransfer(net, client, server, '198.18.0.2', data);
  const c = client.stack.counters.tcp;
  const s = server.stack.counters.tcp;
  const counters = JSON.stringify({ clientIn: c.InSegs, clientOut: c.OutSegs, retrans: c.RetransSegs, serverIn: s.InSegs, serverOut: s.OutSegs, link: link.stats, merges: gro.merges, merged: gro.merged });
  return { steps, arrivals: arrivals.digest('hex'), received, endMs: net.now, counters };
}

test('a burst travels as one train: the same arrivals, ACKs and bytes as packet by packet, in far fewer steps', () => {
  const cases: Array<[string, number, Partial<LinkProfile>]> = [
    ['receive batch 64', 64, {}],
    ['receive batch 64, loss 1%', 64, { loss: 0.01 }],
    ['receive batch 64, reordering 2%', 64, { reorder: 0.02 }],
    ['receive batch 4', 4, {}],
    ['receive batch 1', 1, {}],
  ];
  for (const [name, batch, profile] of cases) {
    for (const seed of [1, 2]) {
      const why = `${name}, seed ${seed}`;
      const one = run(seed, batch, true, profile);
      const train = run(seed, batch, false, profile);
      assert.equal(train.received, one.received, `${why}: the same bytes`);
      assert.equal(train.arrivals, one.arrivals, `${why}: the same arrivals, at the same times, in the same order`);
      assert.equal(train.counters, one.counters, `${why}: the same segments each way and link counts`);
      assert.equal(train.endMs, one.endMs, `${why}: done at the same virtual time`);
      // (A packet reordered behind later ones leaves the link's queue of arrivals in order, and trains
      // form there only: with reordering, fewer or none.)
      if (batch >= 4 && !profile.reorder) assert.ok(train.steps * 2 < one.steps, `${why}: fewer steps (${train.steps} against ${one.steps})`);
      else if (batch === 1) assert.equal(train.steps, one.steps, `${why}: a batch of 1 takes a step per packet, as before`);
    }
  }
});
