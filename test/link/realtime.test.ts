/**
 * The simulator on the wall clock (RealtimeDriver). These tests necessarily take wall time (that is
 * the point), so they are short: a few hundred milliseconds, with generous tolerances for a busy CI
 * machine. The ordering properties are exact: the network's clock never runs ahead of the wall
 * clock and never backwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RealtimeDriver } from '../../src/link/realtime.js';
import { SimNetwork } from '../../src/link/sim.js';
import { TransferSession } from '../../src/workloads/transfer.js';

function network(seed: number, delayMs: number) {
  const net = new SimNetwork(seed);
  const client = net.addHost('client', { addresses: ['198.18.0.1'] });
  const server = net.addHost('server', { addresses: ['198.18.0.2'] });
  const link = net.link(client, server, { delayMs });
  return { net, client, server, link };
}

test('a transfer over a 20 ms link takes its virtual time in wall time', async () => {
  const { net, client, server } = network(1, 20);
  const rt = new RealtimeDriver(net).start();
  const wall0 = performance.now();
  try {
    const session = new TransferSession(net, { client, server, up: 30_000, down: 30_000, dataSeed: 1 });
    await rt.until(() => session.dataDoneAt !== undefined, 5_000);
    const wall = performance.now() - wall0;
    const r = session.report();
    assert.ok(r.up.intact && r.down.intact, r.reason);
    // Handshake, data and FINs: a few round trips of 40 ms.
    assert.ok(r.virtualMs >= 80, `${r.virtualMs} virtual ms`);
    assert.ok(wall >= r.virtualMs - 5, `wall ${wall} ms vs virtual ${r.virtualMs} ms: virtual time may not run ahead`);
    assert.ok(wall < r.virtualMs + 1_000, `wall ${wall} ms vs virtual ${r.virtualMs} ms`);
  } finally {
    rt.stop();
  }
});

test('an application with a real timer sees the network at the same time', async () => {
  const { net, client, server } = network(2, 10);
  const listener = server.stack.listen(7);
  const rt = new RealtimeDriver(net).start();
  try {
    const c = client.stack.connect({ address: '198.18.0.2', port: 7 }, client.now());
    client.kick();
    await rt.until(() => c.state === 'ESTABLISHED', 2_000);
    const accepted = await rt.until(() => listener.acceptQueue.length > 0, 2_000).then(() => listener.accept()!);
    // The application waits 100 ms of real time, then sends.
    await sleep(100);
    const sentAt = client.now();
    c.send(new TextEncoder().encode('hello'), sentAt);
    client.kick();
    let arrivedAt = 0;
    await rt.until(() => {
      if (accepted.tcb.readableLength > 0) arrivedAt = net.now;
      return arrivedAt > 0;
    }, 2_000);
    const text = new TextDecoder().decode(accepted.read(undefined, server.now()));
    assert.equal(text, 'hello');
    // One-way delay 10 ms after the send, as the wall clock counts it.
    assert.ok(arrivedAt - sentAt >= 10 - 1e-9 && arrivedAt - sentAt < 250, `arrived ${arrivedAt - sentAt} ms after sending`);
    assert.ok(sentAt >= 100, `the send happened at virtual ${sentAt} ms, after a real 100 ms wait`);
  } finally {
    rt.stop();
  }
});

test('speed: ten virtual milliseconds per wall millisecond', async () => {
  const { net, client, server } = network(3, 100);
  const rt = new RealtimeDriver(net, { speed: 10 }).start();
  const wall0 = performance.now();
  try {
    const session = new TransferSession(net, { client, server, up: 1000, down: 0, dataSeed: 1 });
    await rt.until(() => session.dataDoneAt !== undefined, 5_000);
    const wall = performance.now() - wall0;
    const virtual = session.dataDoneAt! - session.startedAt;
    assert.ok(virtual >= 400, `${virtual} virtual ms (two round trips of 200 ms)`);
    assert.ok(wall >= virtual / 10 - 5 && wall < virtual / 10 + 1_000, `wall ${wall} ms for ${virtual} virtual ms`);
  } finally {
    rt.stop();
  }
});

test('an injected clock drives it exactly; stop() returns the network to virtual time', async () => {
  const { net, client, server } = network(4, 50);
  let wall = 1_000;
  const rt = new RealtimeDriver(net, { clock: () => wall }).start();
  const session = new TransferSession(net, { client, server, up: 100, down: 0, dataSeed: 1 });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(net.now, 0, 'no wall time has passed: nothing beyond t = 0 happened');
  assert.equal(server.stack.counters.ip.InReceives, 0, 'the SYN is still on the wire');
  wall += 50;
  // The driver's timer for the SYN's arrival fires (its delay is computed from the injected clock).
  await rt.until(() => server.stack.counters.ip.InReceives > 0, 2_000);
  assert.equal(net.now, 50);
  rt.stop();
  // Back on virtual time: the rest runs as fast as the CPU allows.
  net.runUntil(() => session.finished, 600_000);
  assert.ok(session.report().ok);
});

test('until() rejects when the condition does not hold in time', async () => {
  const { net } = network(5, 1);
  const rt = new RealtimeDriver(net).start();
  try {
    await assert.rejects(rt.until(() => false, 30), /not met within 30 ms/);
  } finally {
    rt.stop();
  }
});
