/**
 * Each impairment of the simulated link, first on raw packets (what the link itself does, counted
 * and compared with the profile), then under a real TCP transfer (what the stacks make of it).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork, type LinkProfile, type SimLink } from '../../src/link/sim.js';
import type { Host } from '../../src/link/host.js';
import { simulateTransfer, type SimTransferSpec } from '../../src/workloads/scenario.js';
import { decodeIp } from '../../src/wire/index.js';

/** Two hosts on one link whose receiving side records arrivals instead of handing them to its stack. */
function rawPair(seed: number, profile: Partial<LinkProfile>) {
  const net = new SimNetwork(seed);
  const a = net.addHost('a', { addresses: ['198.18.0.1'] });
  const b = net.addHost('b', { addresses: ['198.18.0.2'] });
  const link = net.link(a, b, profile);
  const arrivals: Array<{ packet: Uint8Array; at: number }> = [];
  b.stack.handlePacket = (packet: Uint8Array, now: number) => {
    arrivals.push({ packet, at: now });
  };
  return { net, a, b, link, arrivals };
}

/** A packet whose first four bytes number it (the link never parses a packet that fits its MTU). */
function numbered(i: number, size = 100): Uint8Array {
  const p = new Uint8Array(size);
  new DataView(p.buffer).setUint32(0, i);
  for (let j = 4; j < size; j++) p[j] = (i * 31 + j) & 0xff;
  return p;
}
const indexOf = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset).getUint32(0);

function sendAll(net: SimNetwork, link: SimLink, from: Host, n: number, spacingMs = 0, size = 100): void {
  for (let i = 0; i < n; i++) net.at(i * spacingMs, () => link.send(from, numbered(i, size)));
  net.runUntilIdle();
}

/** A transfer that must succeed; also reports the largest packet sent into the link. */
function transfer(spec: Partial<SimTransferSpec> & { link: Partial<LinkProfile> }) {
  const full: SimTransferSpec = { seed: 1, bytes: 100_000, direction: 'up', ...spec };
  let largest = 0;
  const run = simulateTransfer(full, (l) => l.tap((p) => (largest = Math.max(largest, p.length))));
  assert.ok(run.report.ok, `seed ${full.seed}: ${run.report.reason}`);
  return { ...run, largest };
}

describe('loss', () => {
  test("drops close to the profile's rate over many packets, each packet at most once", () => {
    const n = 20_000;
    for (const p of [0.01, 0.05, 0.2]) {
      const { net, a, link, arrivals } = rawPair(7, { loss: p });
      sendAll(net, link, a, n);
      const lost = n - arrivals.length;
      assert.equal(lost, link.stats.lost);
      // 5 standard deviations of a binomial: a seeded run either passes always or never.
      const sd = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(lost - n * p) < 5 * sd, `loss ${p}: ${lost} of ${n} lost`);
      assert.equal(new Set(arrivals.map((x) => indexOf(x.packet))).size, arrivals.length, 'no packet arrives twice');
    }
  });

  test('a transfer over 5% loss is intact, with retransmissions', () => {
    const { report, link, net } = transfer({ link: { loss: 0.05 }, direction: 'both' });
    assert.ok(link.stats.lost > 0);
    assert.ok(report.retransmits > 0);
    // SACK is negotiated: RACK-TLP finds the losses (RFC 8985), fast recovery or a loss probe repairs them.
    const recoveries = net.hosts.reduce((s, h) => s + h.stack.counters.tcp.TCPSackRecovery, 0);
    assert.ok(recoveries > 0, 'SACK-based fast recovery');
  });
});

describe('duplication', () => {
  test("copies close to the profile's rate; each copy identical to its original", () => {
    const n = 20_000;
    const p = 0.1;
    const { net, a, link, arrivals } = rawPair(8, { duplicate: p, jitterMs: 2 });
    sendAll(net, link, a, n);
    assert.equal(arrivals.length - n, link.stats.duplicated);
    assert.ok(Math.abs(link.stats.duplicated - n * p) < 5 * Math.sqrt(n * p * (1 - p)), `${link.stats.duplicated} duplicated`);
    const seen = new Map<number, number>();
    for (const { packet } of arrivals) {
      const i = indexOf(packet);
      seen.set(i, (seen.get(i) ?? 0) + 1);
      assert.deepEqual(packet, numbered(i));
    }
    assert.equal(seen.size, n, 'every packet arrives');
    assert.ok([...seen.values()].every((c) => c <= 2));
  });

  test('a transfer over 10% duplication is intact and sees duplicate data and ACKs', () => {
    const { report, net } = transfer({ link: { duplicate: 0.1 }, direction: 'both', bytes: 300_000 });
    const dupData = net.hosts.reduce((s, h) => s + h.stack.counters.tcp.TCPDupData, 0);
    assert.ok(dupData > 0, 'duplicated data segments reached the receivers');
    // The receivers report the duplicates with D-SACK (RFC 2883), and the senders see them.
    const tcp = (k: 'TCPDSACKOldSent' | 'TCPDSACKRecv') => net.hosts.reduce((s, h) => s + h.stack.counters.tcp[k], 0);
    assert.ok(tcp('TCPDSACKOldSent') > 0 && tcp('TCPDSACKRecv') > 0);
    // With SACK a duplicate ACK must SACK something new (RFC 6675 §2): a duplicated ACK packet is no
    // loss signal, so nothing is retransmitted and no timer fires.
    assert.equal(report.retransmits, 0, 'duplication alone causes no retransmission');
    assert.equal(report.timeouts, 0, 'duplication alone never makes the retransmission timer fire');
  });

  test('without SACK, duplicated ACKs are duplicate ACKs (RFC 5681 §2), and never cause a timeout', () => {
    const { report, net } = transfer({ link: { duplicate: 0.1 }, direction: 'both', bytes: 300_000, tcp: { sack: false } });
    assert.ok(report.dupAcks > 0, 'duplicated ACKs counted as duplicate ACKs');
    assert.equal(report.timeouts, 0, 'duplication alone never makes the retransmission timer fire');
    const fast = net.hosts.reduce((s, h) => s + h.stack.counters.tcp.TCPFastRetrans, 0);
    assert.ok(report.retransmits === 0 || fast > 0, 'any retransmission comes from fast retransmit');
  });
});

describe('reordering', () => {
  test("packets held back arrive after later ones, in the profile's proportion", () => {
    const n = 10_000;
    const p = 0.05;
    const { net, a, link, arrivals } = rawPair(9, { reorder: p, delayMs: 10 });
    sendAll(net, link, a, n, 0.5);
    assert.equal(arrivals.length, n);
    let overtaken = 0;
    let highest = -1;
    for (const { packet } of arrivals) {
      const i = indexOf(packet);
      if (i < highest) overtaken++;
      highest = Math.max(highest, i);
    }
    assert.ok(overtaken > 0, 'the order changed');
    assert.ok(overtaken <= link.stats.reordered, 'only held-back packets arrive late');
    assert.ok(Math.abs(link.stats.reordered - n * p) < 5 * Math.sqrt(n * p * (1 - p)), `${link.stats.reordered} reordered`);
    // Held back by at most 2*delay + 1 ms.
    for (const { packet, at } of arrivals) assert.ok(at - indexOf(packet) * 0.5 <= 10 + 1 + 20 + 1e-9);
  });

  test('jitter delays each packet by [delay, delay + jitter)', () => {
    const { net, a, link, arrivals } = rawPair(10, { delayMs: 20, jitterMs: 15 });
    sendAll(net, link, a, 2000, 1);
    const extra = arrivals.map(({ packet, at }) => at - indexOf(packet) * 1 - 20);
    assert.ok(extra.every((e) => e >= 0 && e < 15));
    assert.ok(Math.max(...extra) > 14 && Math.min(...extra) < 1, 'the whole range is used');
  });

  test('a transfer over 5% reordering is intact, and the receiver queued segments out of order', () => {
    const { net, report } = transfer({ link: { reorder: 0.05, delayMs: 5 }, direction: 'both', bytes: 300_000 });
    const ofo = net.hosts.reduce((s, h) => s + h.stack.counters.tcp.TCPOFOQueue, 0);
    assert.ok(ofo > 0);
    assert.ok(report.dupAcks > 0);
  });
});

describe('corruption', () => {
  test("flips exactly one bit of the corrupted packets, in the profile's proportion", () => {
    const n = 20_000;
    const p = 0.05;
    const { net, a, link, arrivals } = rawPair(11, { corrupt: p });
    sendAll(net, link, a, n);
    // No delay differences: packets arrive in the order sent, so arrival k is packet k.
    assert.equal(arrivals.length, n);
    let flipped = 0;
    arrivals.forEach(({ packet }, k) => {
      const want = numbered(k);
      let bits = 0;
      for (let j = 0; j < packet.length; j++) bits += popcount(packet[j] ^ want[j]);
      assert.ok(bits <= 1, `packet ${k}: ${bits} bits changed`);
      flipped += bits;
    });
    assert.equal(flipped, link.stats.corrupted);
    assert.ok(Math.abs(flipped - n * p) < 5 * Math.sqrt(n * p * (1 - p)), `${flipped} corrupted`);
  });

  test("the sender's copy is never touched (a capture shows what was sent)", () => {
    const { net, a, link } = rawPair(12, { corrupt: 1 });
    const p = numbered(1);
    link.send(a, p);
    net.runUntilIdle();
    assert.deepEqual(p, numbered(1));
    assert.equal(link.stats.corrupted, 1);
  });

  test('a transfer over 2% corruption is intact; the receiving stacks count the checksum errors', () => {
    const { net, report, link } = transfer({ link: { corrupt: 0.02 }, direction: 'both', bytes: 300_000 });
    assert.ok(link.stats.corrupted > 0);
    const csum = net.hosts.reduce((s, h) => s + h.stack.counters.tcp.InCsumErrors, 0);
    const ipErrs = net.hosts.reduce((s, h) => s + h.stack.counters.ip.InHdrErrors, 0);
    assert.ok(csum > 0, 'TCP checksum errors counted');
    assert.equal(report.checksumErrors, csum);
    // Every corrupted packet was rejected by one checksum or the other: a one-bit flip always shows.
    assert.equal(csum + ipErrs, link.stats.corrupted);
  });
});

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

describe('bandwidth and queue', () => {
  test('packets leave the bottleneck one serialization time apart', () => {
    const { net, a, link, arrivals } = rawPair(13, { rateBps: 1e6, delayMs: 5, queueBytes: 1e6 });
    sendAll(net, link, a, 100, 0, 1000);
    assert.equal(arrivals.length, 100);
    arrivals.forEach(({ at }, k) => assert.ok(Math.abs(at - ((k + 1) * 8 + 5)) < 1e-9, `packet ${k} at ${at}`));
  });

  test('a transfer takes the time the rate says', () => {
    const bytes = 200_000;
    // A queue big enough for the whole window: nothing is dropped, the bottleneck is never idle.
    const { report, link } = transfer({ link: { rateBps: 1e6, delayMs: 5, queueBytes: 1e6 }, bytes });
    assert.equal(link.stats.queueDrops, 0);
    const ideal = ((bytes * 8) / 1e6) * 1000; // 1600 ms of payload alone
    assert.ok(report.virtualMs >= ideal, `${report.virtualMs} ms`);
    // Headers (52 of every 1500 bytes: 3.6%), the handshake and the FIN cost a little more.
    assert.ok(report.virtualMs < ideal * 1.06, `${report.virtualMs} ms for an ideal ${ideal} ms`);
    assert.ok(report.goodputBps > 0.94e6 && report.goodputBps <= 1e6, `goodput ${report.goodputBps}`);
    // Ten times the rate, a tenth of the time (within the fixed costs).
    const fast = transfer({ link: { rateBps: 10e6, delayMs: 5, queueBytes: 1e6 }, bytes }).report;
    assert.ok(fast.virtualMs < report.virtualMs / 8, `${fast.virtualMs} ms at 10 Mbit/s`);
  });

  test('a small queue drops the arrivals that do not fit (tail drop)', () => {
    const { net, a, link, arrivals } = rawPair(14, { rateBps: 1e6, queueBytes: 4000 });
    sendAll(net, link, a, 10, 0, 1000);
    // 4000 bytes fit: the one on the wire and three waiting behind it.
    assert.equal(arrivals.length, 4);
    assert.deepEqual(arrivals.map((x) => indexOf(x.packet)), [0, 1, 2, 3]);
    assert.equal(link.stats.queueDrops, 6);
  });

  test('a transfer through a small queue loses packets there and is still intact', () => {
    const { link, report } = transfer({ link: { rateBps: 2e6, delayMs: 10, queueBytes: 6000 }, bytes: 300_000 });
    assert.ok(link.stats.queueDrops > 0);
    assert.ok(report.retransmits > 0);
  });
});

describe('MTU', () => {
  test('a packet bigger than the MTU is dropped with an ICMP "too big" back to the sender', () => {
    const net = new SimNetwork(15);
    const a = net.addHost('a', { addresses: ['198.18.0.1'] });
    const b = net.addHost('b', { addresses: ['198.18.0.2'] });
    const link = net.link(a, b, { mtu: 576 });
    const c = a.stack.connect({ address: '198.18.0.2', port: 9 }, 0);
    void c;
    const icmp: Uint8Array[] = [];
    const original = a.stack.handlePacket.bind(a.stack);
    a.stack.handlePacket = (p: Uint8Array, now: number) => {
      const ip = decodeIp(p);
      if (ip.ok && ip.protocol === 1) icmp.push(p);
      original(p, now);
    };
    const big = new Uint8Array(1000);
    big.set([0x45, 0, 0x03, 0xe8, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2]);
    link.send(a, big);
    net.runUntilIdle();
    assert.equal(link.stats.tooBig, 1);
    assert.equal(icmp.length, 1);
    const m = decodeIp(icmp[0]);
    assert.ok(m.ok);
    // Type 3 code 4 (fragmentation needed, RFC 1191) with the next-hop MTU.
    const body = icmp[0].subarray(m.payloadOffset);
    assert.deepEqual([body[0], body[1], (body[6] << 8) | body[7]], [3, 4, 576]);
  });

  test('MTU 576 with hosts that know it: segments fill it exactly, nothing too big', () => {
    const { link, report, largest } = transfer({ link: { mtu: 576 }, direction: 'both' });
    assert.equal(link.stats.tooBig, 0);
    assert.equal(report.client.pathMtu, 576);
    assert.equal(largest, 576);
  });

  test('MTU 9000 (jumbo frames) with hosts that know it', () => {
    const { link, largest } = transfer({ link: { mtu: 9000 }, direction: 'both', bytes: 1_000_000 });
    assert.equal(link.stats.tooBig, 0);
    assert.equal(largest, 9000);
  });

  test('hosts that think 1500 on a 576 link: ICMP too big, the path MTU drops, the transfer completes (PMTUD)', () => {
    for (const direction of ['up', 'down', 'both'] as const) {
      let bigAfterIcmp = 0;
      let icmpSeen = false;
      const run = simulateTransfer({ seed: 1, bytes: 100_000, link: { mtu: 576 }, hostMtu: 1500, direction }, (l, n) => {
        for (const h of n.hosts) {
          const handle = h.stack.handlePacket.bind(h.stack);
          h.stack.handlePacket = (p: Uint8Array, now: number) => {
            if (p[9] === 1) icmpSeen = true; // IPv4 protocol 1: the ICMP "too big"
            handle(p, now);
          };
        }
        l.tap((p) => {
          if (icmpSeen && p.length > 576) bigAfterIcmp++;
        });
      });
      const { link, report, net } = run;
      assert.ok(report.ok, `${direction}: ${report.reason}`);
      assert.ok(link.stats.tooBig > 0, direction);
      // Only the first flight (sent before any ICMP could come back) was too big.
      assert.ok(bigAfterIcmp <= 10, `${bigAfterIcmp} too-big packets after the first ICMP`);
      const icmpIn = net.hosts.reduce((s, h) => s + h.stack.counters.icmp.InDestUnreachs, 0);
      assert.ok(icmpIn >= 1);
      if (direction !== 'down') assert.equal(report.client.pathMtu, 576, 'client lowered its path MTU');
      if (direction !== 'up') assert.equal(report.server.pathMtu, 576, 'server lowered its path MTU');
    }
  });
});

describe('partitions', () => {
  const base = { link: { rateBps: 10e6, delayMs: 10, queueBytes: 100_000 }, bytes: 1_000_000, direction: 'both' as const };

  test('a partition shorter than the user timeout: the transfer resumes and completes', () => {
    const { report, link } = transfer({ ...base, userTimeoutMs: 10_000, partition: { fromMs: 200, toMs: 3_200 } });
    assert.ok(link.stats.downDrops > 0);
    assert.ok(report.virtualMs > 3_200);
  });

  test('a partition of 30 s without a user timeout: RTO backoff rides it out (R2 is 15 retransmissions)', () => {
    const { report } = transfer({ ...base, partition: { fromMs: 200, toMs: 30_200 } });
    assert.ok(report.virtualMs > 30_200);
  });

  test('a partition longer than the user timeout: both sides end with ETIMEDOUT, and the run ends', () => {
    const spec: SimTransferSpec = { seed: 1, ...base, userTimeoutMs: 5_000, partition: { fromMs: 200, toMs: 20_200 } };
    const { report } = simulateTransfer(spec);
    assert.equal(report.ok, false);
    assert.equal(report.client.error?.code, 'ETIMEDOUT');
    assert.equal(report.server.error?.code, 'ETIMEDOUT');
    assert.equal(report.client.finalState, 'CLOSED');
    assert.equal(report.server.finalState, 'CLOSED');
    assert.ok(report.closedMs !== undefined && report.closedMs < 200 + 5_000 + 1_000, `closed at ${report.closedMs}`);
  });

  test('a half-closed receiver with nothing in flight has no timer: the run reports the stall instead of hanging', () => {
    // Direction up: the server sent its FIN at once and sits in FIN-WAIT-2 (no data to time out, no
    // keep-alive, and shutdown() is not close(), so no FIN-WAIT-2 timeout: RFC 9293 §3.10.7.4).
    const { report } = simulateTransfer({ seed: 1, ...base, direction: 'up', userTimeoutMs: 5_000, partition: { fromMs: 200, toMs: 20_200 } });
    assert.equal(report.client.error?.code, 'ETIMEDOUT');
    assert.equal(report.server.finalState, 'FIN-WAIT-2');
    assert.match(report.reason ?? '', /stalled/);
  });
});
