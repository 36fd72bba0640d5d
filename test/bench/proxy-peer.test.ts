/**
 * The proxy benchmarks' client and server (src/bench/proxy-peer.ts), in this process over
 * 127.0.0.1: a bulk upload is counted to the byte by the server, a time bound stops it early and
 * what was sent is still what is counted, request/response gives one sample per round trip, and
 * percentile is the nearest rank (worked by hand below).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { bulk, connectRequestResponse, percentile, requestResponse, serve } from '../../src/bench/proxy-peer.js';

async function withServer(fn: (port: number) => Promise<void>): Promise<void> {
  const server = await serve('127.0.0.1', 0);
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

test('bulk: the server counts every byte of an upload that is not a multiple of the write size', async () => {
  await withServer(async (port) => {
    const bytes = 3 * 65536 + 12345;
    const r = await bulk('127.0.0.1', port, bytes, 30);
    assert.equal(r.bytes, bytes);
    assert.ok(r.seconds > 0);
  });
});

test('bulk: a zero-second bound sends nothing and the server counts 0', async () => {
  await withServer(async (port) => {
    const r = await bulk('127.0.0.1', port, 1 << 30, 0);
    assert.equal(r.bytes, 0);
  });
});

test('request/response: one sample per round trip, on one connection and on fresh ones', async () => {
  await withServer(async (port) => {
    const one = await requestResponse('127.0.0.1', port, 50);
    assert.equal(one.length, 50);
    assert.ok(one.every((ms) => ms > 0));
    const fresh = await connectRequestResponse('127.0.0.1', port, 5);
    assert.equal(fresh.length, 5);
  });
});

test('percentile: nearest rank, ceil(p * n)-th smallest', () => {
  const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]; // sorted: 1..10
  assert.equal(percentile(xs, 0.5), 5); // ceil(5) = 5th
  assert.equal(percentile(xs, 0.99), 10); // ceil(9.9) = 10th
  assert.equal(percentile(xs, 0.1), 1);
  assert.equal(percentile([7], 0.99), 7);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});
