/**
 * Every benchmark suite, each named for what it measures, every row beside a reference measured in
 * the same run (DESIGN.md, Benchmarks).
 *
 * STACK_SUITES are what `synack bench` runs: throughput at MTU 65535 and 1500 beside Node's net over
 * 127.0.0.1, goodput under loss beside the Mathis bound and the link capacity, connection rate beside
 * Node's net, heap per idle connection beside Linux's tcp_sock. ALL_SUITES, what `npm run bench`
 * runs, adds the wire layer's checksum and decoding, what the web streams cost beside stream.Duplex,
 * UDP's echo rate beside Node's dgram over the kernel's loopback,
 * the SYN flood, the attack suite (bench/attack.ts), the explorer's recording of a scenario
 * (bench/explorer.ts), throughput over TUN, lwIP beside synack (bench/lwip.ts), `synack proxy`
 * (bench/proxy.ts: its overhead beside loopback, and an impaired path through it beside the same
 * path through the Linux kernel) and ns-3 beside synack's simulator (bench/ns3.ts).
 */
import type { BenchSuite } from './harness.js';
import { attackSuite } from './attack.js';
import { connectionRateSuite } from './connection-rate.js';
import { explorerSuite } from './explorer.js';
import { goodputSuite } from './goodput.js';
import { lwipSuite } from './lwip.js';
import { memorySuite } from './memory.js';
import { ns3Suite } from './ns3.js';
import { proxySuite } from './proxy.js';
import { synFloodSuite } from './syn-flood.js';
import { throughputSuite } from './throughput.js';
import { tunSuite } from './tun.js';
import { udpSuite } from './udp.js';
import { webStreamsSuite } from './web-streams.js';
import { wireSuite } from './wire.js';

export const STACK_SUITES: BenchSuite[] = [throughputSuite, goodputSuite, connectionRateSuite, memorySuite];
export const ALL_SUITES: BenchSuite[] = [...STACK_SUITES, wireSuite, webStreamsSuite, udpSuite, synFloodSuite, attackSuite, explorerSuite, tunSuite, lwipSuite, proxySuite, ns3Suite];
export { attackSuite, connectionRateSuite, explorerSuite, goodputSuite, lwipSuite, memorySuite, ns3Suite, proxySuite, synFloodSuite, throughputSuite, tunSuite, udpSuite, webStreamsSuite, wireSuite };
export { runSuites, parseArgs, forcedGc, DEFAULT_OPTIONS, type Row, type BenchSuite, type BenchCase, type RunOptions, type Target } from './harness.js';
