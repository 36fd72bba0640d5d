/**
 * The issue-6 benchmark rows, shared by `npm run bench` and `synack bench`: throughput at MTU 65535
 * and 1500 beside Node's net over 127.0.0.1, goodput under loss beside the Mathis bound and the link
 * capacity, connection rate beside Node's net, heap per idle connection beside Linux's tcp_sock.
 */
import type { BenchSuite } from './harness.js';
import { connectionsSuite } from './connections.js';
import { goodputSuite } from './goodput.js';
import { memorySuite } from './memory.js';
import { throughputSuite } from './throughput.js';

export const ISSUE6_SUITES: BenchSuite[] = [throughputSuite, goodputSuite, connectionsSuite, memorySuite];
export { runSuites, DEFAULT_OPTIONS, type Row, type BenchSuite } from './harness.js';
