/**
 * serve's shutdown line (src/cli/serve.ts shutdownLine): it says what happened and how long it took,
 * never the grace period as if it had been waited out. The interop tests (test/interop/apps.test.ts)
 * check the same line from a real serve, with a kernel client, as root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownLine } from '../../src/cli/serve.js';

test('nothing open: says so, with the time it took', () => {
  assert.equal(shutdownLine('SIGINT', 0, 0, 12, 3000), 'closed on SIGINT in 0.01 s: no connection was open');
});

test('every connection ended with a FIN exchange in 0.11 s: no "reset after 3000 ms"', () => {
  assert.equal(shutdownLine('SIGINT', 2, 0, 110, 3000), 'closed on SIGINT in 0.11 s: 2 connections open, all closed with FIN, none reset');
  assert.equal(shutdownLine('SIGTERM', 1, 0, 530, 3000), 'closed on SIGTERM in 0.53 s: 1 connection open, all closed with FIN, none reset');
});

test('some still open when the grace ran out: counted as reset, and the real time', () => {
  assert.equal(
    shutdownLine('SIGTERM', 3, 1, 3021, 3000),
    'closed on SIGTERM in 3.02 s: 3 connections open, 2 closed with FIN, 1 reset (still open after the 3 s grace)',
  );
});
