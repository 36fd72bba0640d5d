/**
 * UDP in traces: a DNS question and answer on a simulated pair become two arrows of the ladder
 * ("UDP len N" and what the datagram carries, as synack decode says it), not retransmissions; the
 * same datagrams read back from the pcap make one UDP flow's trace; Mermaid and SVG draw them too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { TraceCollector } from '../../src/trace/collector.js';
import { renderText } from '../../src/trace/text.js';
import { renderMermaid } from '../../src/trace/mermaid.js';
import { renderSvg } from '../../src/trace/svg.js';
import { tracesFromCapture } from '../../src/trace/capture.js';
import { DnsServer } from '../../src/services/dns-server.js';
import { hostResolver, serveDns } from '../../src/socket/dns.js';
import type { SegmentEvent } from '../../src/trace/model.js';

const SEED = 5;

test(`a DNS exchange over UDP is drawn as two arrows, in the simulator and from its pcap (seed ${SEED})`, async () => {
  const net = new SimNetwork(SEED);
  const client = net.addHost('client', { addresses: ['198.18.0.1'] });
  const server = net.addHost('server', { addresses: ['198.18.0.2'] });
  net.link(client, server, { delayMs: 5 });
  const collector = new TraceCollector(net, { keepPackets: true }).attach();
  serveDns(server, new DnsServer({ zones: ['synack.test'], hosts: { 'www.synack.test': ['198.18.0.2'] } }), { tcp: false });
  const r = hostResolver(client, { servers: ['198.18.0.2'] });
  let got: string[] | undefined;
  void r.resolve4('www.synack.test').then((a) => (got = a));
  await net.runAsync(() => got !== undefined);
  for (let i = 0; i < 2; i++) {
    void r.resolve4('www.synack.test');
    await net.runAsync(() => r.outstanding === 0);
  }
  const trace = collector.trace();
  const arrows = trace.events.filter((e): e is SegmentEvent => e.kind === 'segment');
  assert.equal(arrows.length, 6);
  assert.deepEqual(arrows.slice(0, 2).map((e) => [e.from, e.to, e.protocol, e.retransmission]), [['client', 'server', 'udp', false], ['server', 'client', 'udp', false]]);
  assert.match(arrows[0].payload!, /^\d+\+ A\? www\.synack\.test\. \(33\)$/);
  assert.match(arrows[1].payload!, /^\d+\* -? ?1\/1\/0 A 198\.18\.0\.2 \(\d+\)$|^\d+\*- A\? www\.synack\.test\. 1\/0\/0 A 198\.18\.0\.2 \(\d+\)$/);
  assert.ok(arrows.every((e) => !e.retransmission), 'datagrams are never retransmissions');
  const text = renderText(trace, { color: false });
  assert.match(text, /UDP len 33/);
  assert.match(text, /A\? www\.synack\.test\./);
  assert.match(renderMermaid(trace), /UDP len 33/);
  assert.match(renderSvg(trace), /UDP len 33/);
  const fromPcap = tracesFromCapture(collector.pcap());
  assert.ok(fromPcap.ok);
  assert.equal(fromPcap.skipped, 0);
  assert.equal(fromPcap.traces.length, 1);
  const flow = fromPcap.traces[0];
  assert.equal(flow.events.length, 6);
  assert.deepEqual(flow.hosts.map((h) => h.addresses[0]), [arrows[0].src, '198.18.0.2:53']);
  assert.ok(flow.events.every((e) => e.kind === 'segment' && e.protocol === 'udp' && !e.retransmission));
});
