/**
 * Buffer auto-tuning (autotune.ts): the receive buffer follows what the application reads per round
 * trip (Linux's tcp_rcv_space_adjust), the send buffer twice cwnd; a buffer size given fixes both
 * (SO_RCVBUF); the window scale offered covers the maximum without making a small buffer unadvertisable.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiveSpaceTuner } from '../../src/tcp/autotune.js';
import { DEFAULT_TCP_CONFIG, offeredWindowScale, resolveConfig, userBuffers } from '../../src/tcp/config.js';
import { simulateTransfer } from '../../src/workloads/scenario.js';
import { inState, T } from './scenario-helpers.js';

describe('ReceiveSpaceTuner', () => {
  test('grows only once a round has passed and only when more was read than in any round before', () => {
    const t = new ReceiveSpaceTuner(10_000, 0);
    t.read(30_000);
    assert.equal(t.adjust(40, 50, 1000, 64_000, 1e7), 64_000, 'the round (50 ms) is not over');
    // 60 ms: a round. copied 30000 > space 10000: rcvwin = 2*30000 + 16*1000 = 76000; grow =
    // 76000 * (30000 - 10000) / 10000 = 152000; rcvwin += 2 * 152000 = 380000.
    assert.equal(t.adjust(60, 50, 1000, 64_000, 1e7), 380_000);
    t.read(20_000);
    assert.equal(t.adjust(120, 50, 1000, 380_000, 1e7), 380_000, 'less than the best round: no change');
    t.read(40_000);
    // space 30000, copied 40000: 2*40000 + 16000 = 96000; grow = 96000 * 10000 / 30000 = 32000; + 64000.
    assert.equal(t.adjust(180, 50, 1000, 100_000, 1e7), 160_000);
    t.read(1e6);
    assert.equal(t.adjust(240, 50, 1000, 160_000, 500_000), 500_000, 'capped at the maximum');
  });

  test('without an RTT nothing changes; a smaller RTT sample is taken at once, a larger one by 1/8', () => {
    const t = new ReceiveSpaceTuner(1000, 0);
    t.read(1e6);
    assert.equal(t.adjust(1e6, undefined, 1000, 5000, 1e7), 5000);
    t.rttSample(80);
    assert.equal(t.rcvRttMs, 80);
    t.rttSample(40);
    assert.equal(t.rcvRttMs, 40);
    t.rttSample(120);
    assert.equal(t.rcvRttMs, 50);
  });
});

describe('configuration', () => {
  test('a buffer size given turns auto-tuning off unless it is given too (SO_RCVBUF)', () => {
    assert.equal(resolveConfig({}).bufferAutoTuning, true);
    assert.equal(resolveConfig({ receiveBufferSize: 4096 }).bufferAutoTuning, false);
    assert.equal(resolveConfig({ sendBufferSize: 4096 }).bufferAutoTuning, false);
    assert.equal(resolveConfig({ receiveBufferSize: 4096, bufferAutoTuning: true }).bufferAutoTuning, true);
    assert.deepEqual(userBuffers({ noDelay: true }), { noDelay: true });
  });

  test("'auto' window scale: the maximum's shift (Linux: 7 for 6 MiB), the buffer's when fixed, never too coarse for a tiny buffer", () => {
    assert.equal(offeredWindowScale(resolveConfig({})), 7, '6 MiB needs 7');
    assert.equal(offeredWindowScale(resolveConfig({ receiveBufferSize: 131072 })), 2, 'fixed 128 KiB needs 2');
    // A 100-byte buffer with tuning on: 2^2 * 16 = 64 <= 100 < 2^3 * 16, so 2, not 7 (7 would advertise 0).
    assert.equal(offeredWindowScale(resolveConfig({ receiveBufferSize: 100, bufferAutoTuning: true })), 2);
    assert.equal(offeredWindowScale(resolveConfig({ windowScale: 5 })), 5);
  });
});

describe('in a transfer', () => {
  // 1 Gbit/s, 40 ms RTT: the bandwidth-delay product (5 MB) is far above the 128 KiB starting buffer.
  const spec = { seed: 11, bytes: 30_000_000, direction: 'up' as const, link: { rateBps: 1e9, delayMs: 20, queueBytes: 8_000_000 } };

  test('the receive and send buffers grow with the path, and the transfer is much faster than with fixed buffers', () => {
    let grownTo = 0;
    const tuned = simulateTransfer(spec, (_link, net) => {
      const server = net.hosts[1];
      for (let t = 0; t < 2000; t += 20) {
        net.at(t, () => {
          for (const c of server.stack.connections()) grownTo = Math.max(grownTo, c.tcb.receiveBufferSize);
        });
      }
    });
    assert.equal(tuned.report.ok, true, `seed ${spec.seed}: ${tuned.report.reason}`);
    assert.ok(grownTo > 4 * DEFAULT_TCP_CONFIG.receiveBufferSize, `seed ${spec.seed}: receive buffer ${grownTo}`);
    assert.ok(grownTo <= DEFAULT_TCP_CONFIG.receiveBufferMax);
    const fixed = simulateTransfer({ ...spec, receiveBufferSize: DEFAULT_TCP_CONFIG.receiveBufferSize, sendBufferSize: DEFAULT_TCP_CONFIG.sendBufferSize });
    assert.equal(fixed.report.ok, true);
    assert.ok(tuned.report.virtualMs * 3 < fixed.report.virtualMs, `seed ${spec.seed}: tuned ${tuned.report.virtualMs} ms, fixed ${fixed.report.virtualMs} ms`);
  });

  test('a receiver that does not read does not grow its buffer', () => {
    let size = 0;
    const run = simulateTransfer({ ...spec, bytes: 2_000_000, readPause: { fromMs: 0, toMs: 3000 } }, (_link, net) => {
      net.at(2900, () => {
        for (const c of net.hosts[1].stack.connections()) size = c.tcb.receiveBufferSize;
      });
    });
    assert.equal(run.report.ok, true, `seed ${spec.seed}: ${run.report.reason}`);
    assert.equal(size, DEFAULT_TCP_CONFIG.receiveBufferSize, `seed ${spec.seed}`);
  });
});

describe('the send buffer at establishment (Linux tcp_init_buffer_space -> tcp_sndbuf_expand)', () => {
  // The peer's SYN carries no MSS option: 536 (RFC 9293 §3.7.1); IW = 10 segments (RFC 6928) = 5360
  // octets; twice that is 10720.
  test('with auto-tuning, a connection just established takes twice the initial window at once', () => {
    const c = inState('ESTABLISHED', { passive: true, config: { bufferAutoTuning: true, sendBufferSize: 4096 } });
    assert.equal(c.t.send(new Uint8Array(25_000), T), 10_720);
  });
  test('with fixed buffers (SO_SNDBUF), the configured size holds', () => {
    const c = inState('ESTABLISHED', { passive: true, config: { sendBufferSize: 4096 } });
    assert.equal(c.t.send(new Uint8Array(25_000), T), 4096);
  });
});
