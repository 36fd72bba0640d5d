/**
 * Ethernet segments in traces: the collector taps a segment, so ARP (RFC 826) becomes arrows
 * (protocol 'arp') beside the IP packets it carries, and the `arp` and `dhcp` demo scenarios hold
 * the exchanges RFC 826 and RFC 2131 §3.1 describe. Expected orders come from the RFCs: a host
 * must learn the peer's hardware address before its first IP packet to it, the target of a request
 * merges the sender's pair so it never asks back, a cached entry needs no new request; DHCP is
 * DISCOVER, OFFER, REQUEST, ACK with one xid, all broadcast while the client has no address.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { TraceCollector } from '../../src/trace/collector.js';
import { renderText } from '../../src/trace/text.js';
import { renderMermaid } from '../../src/trace/mermaid.js';
import { renderSvg } from '../../src/trace/svg.js';
import { readCapture, LinkType } from '../../src/wire/pcap.js';
import type { SegmentEvent } from '../../src/trace/model.js';
import { ctx, F, runScenario, type JsonTrace } from './helpers.js';

interface Arrow {
  t: number;
  kind: 'segment';
  from: string;
  to: string;
  src: string;
  dst: string;
  flags: number;
  len: number;
  protocol?: string;
  payload?: string;
}

const arrows = (j: JsonTrace): Arrow[] => j.events.filter((e) => e.kind === 'segment') as unknown as Arrow[];
const isArp = (a: Arrow): boolean => a.protocol === 'arp';
const isTcp = (a: Arrow): boolean => a.protocol === undefined;
/** An ARP request that is not a host announcing itself (RFC 5227's "who-has X tell X"). */
const isQuery = (a: Arrow): boolean => isArp(a) && /^who-has (\S+) tell (\S+)$/.test(a.payload!) && RegExp.$1 !== RegExp.$2;

const SEED = 3;

describe('ARP arrows from an Ethernet segment', () => {
  test(`a collector on a segment draws ARP request (broadcast, to every other host) and reply (seed ${SEED})`, () => {
    const net = new SimNetwork(SEED);
    const lan = net.addSegment('lan', { delayMs: 1 });
    const iface = (a: string) => ({ segment: lan, addresses: [a], linkLocal: false, slaac: false });
    const a = net.addNode('a', { interfaces: [iface('198.18.0.1/24')] });
    net.addNode('b', { interfaces: [iface('198.18.0.2/24')] });
    net.addNode('c', { interfaces: [iface('198.18.0.3/24')] });
    net.runFor(10); // the hosts' own announcements
    const collector = new TraceCollector(net, { keepPackets: true }).attach();
    const pcap = lan.capture();
    a.stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
    a.kick();
    net.runFor(20);
    const trace = collector.trace();
    const segs = trace.events.filter((e): e is SegmentEvent => e.kind === 'segment');
    // The broadcast request reaches b and c: one arrow to each; the reply is b's alone, to a.
    assert.deepEqual(segs.slice(0, 3).map((e) => [e.protocol, e.from, e.to, e.payload]), [
      ['arp', 'a', 'b', 'who-has 198.18.0.2 tell 198.18.0.1'],
      ['arp', 'a', 'c', 'who-has 198.18.0.2 tell 198.18.0.1'],
      ['arp', 'b', 'a', '198.18.0.2 is-at 02:00:00:00:02:01'],
    ]);
    assert.equal(segs[0].dst, 'ff:ff:ff:ff:ff:ff');
    // Then the SYN (no listener: b answers RST), unicast to b only, as on a link.
    assert.equal(segs[3].protocol, undefined);
    assert.deepEqual([segs[3].from, segs[3].to, segs[3].flagNames], ['a', 'b', ['SYN']]);
    assert.ok(segs.every((e) => !e.retransmission));
    const text = renderText(trace, { color: false });
    assert.match(text, /ARP who-has 198\.18\.0\.2 tell 198\.18\.0\.1/);
    assert.match(text, /ARP 198\.18\.0\.2 is-at 02:00:00:00:02:01/);
    for (const out of [renderMermaid(trace), renderSvg(trace)]) {
      assert.match(out, /ARP who-has 198\.18\.0\.2 tell 198\.18\.0\.1/);
      assert.match(out, /ARP 198\.18\.0\.2 is-at 02:00:00:00:02:01/);
    }
    // The collector's pcap is Ethernet, each frame once (the broadcast too), as the segment's own capture.
    const mine = readCapture(collector.pcap());
    const theirs = readCapture(pcap());
    assert.ok(mine.ok && theirs.ok);
    assert.ok(mine.records.length > 0 && mine.records.every((r) => r.linkType === LinkType.ETHERNET));
    assert.deepEqual(mine.records.map((r) => Array.from(r.data)), theirs.records.map((r) => Array.from(r.data)));
  });
});

describe('the arp and dhcp demo scenarios', () => {
  test('arp: a broadcast request and its reply before the first SYN; the second connection needs no ARP', () => {
    const { json, result } = runScenario('arp', SEED);
    const m = ctx('arp', SEED);
    const all = arrows(json);
    const syns = all.map((a, i) => [a, i] as const).filter(([a]) => isTcp(a) && a.flags === F.SYN && a.from === 'client');
    assert.equal(syns.length, 2, m);
    const [first, second] = syns.map(([, i]) => i);
    const before = all.slice(0, first);
    const req = before.findIndex((a) => isQuery(a) && a.payload === 'who-has 198.18.0.2 tell 198.18.0.1');
    assert.ok(req >= 0, `an ARP request for the server before the first SYN: ${m}`);
    assert.equal(all[req].dst, 'ff:ff:ff:ff:ff:ff', m);
    assert.deepEqual([all[req].from, all[req].to], ['client', 'server'], m);
    const rep = before.findIndex((a, i) => i > req && isArp(a) && a.payload!.startsWith('198.18.0.2 is-at '));
    assert.ok(rep > req, `the reply after it, still before the SYN: ${m}`);
    assert.deepEqual([all[rep].from, all[rep].to, all[rep].dst], ['server', 'client', all[req].src], m);
    // RFC 826: the server merged the client's pair from the request; nobody asks again.
    assert.equal(all.filter(isQuery).length, 1, m);
    assert.ok(all.slice(first).every((a) => !isArp(a)), `no ARP after the first SYN: ${m}`);
    assert.ok(second > first, m);
    assert.deepEqual(result.facts.first, { read: 'GET /1', answer: 'OK' }, m);
    assert.deepEqual(result.facts.second, { read: 'GET /2', answer: 'OK' }, m);
  });

  test('dhcp: DISCOVER, OFFER, REQUEST, ACK (one xid, broadcast), then ARP and a SYN from the leased address', () => {
    const { json, result } = runScenario('dhcp', SEED);
    const m = ctx('dhcp', SEED);
    assert.equal(json.hosts[0].addresses[0], '0.0.0.0', m);
    const all = arrows(json);
    const dhcp = all.filter((a) => a.protocol === 'udp' && /^BOOTP\/DHCP, DHCP /.test(a.payload!));
    const kinds = dhcp.map((a) => /DHCP (\w+) /.exec(a.payload!)![1]);
    assert.deepEqual(kinds, ['Discover', 'Offer', 'Request', 'ACK'], m);
    assert.deepEqual(dhcp.map((a) => a.from), ['client', 'server', 'client', 'server'], m);
    const xids = new Set(dhcp.map((a) => /xid (0x[0-9a-f]+)/.exec(a.payload!)![1]));
    assert.equal(xids.size, 1, m);
    assert.deepEqual(dhcp.map((a) => [a.src, a.dst]), [
      ['0.0.0.0:68', '255.255.255.255:67'],
      ['198.18.0.2:67', '255.255.255.255:68'],
      ['0.0.0.0:68', '255.255.255.255:67'],
      ['198.18.0.2:67', '255.255.255.255:68'],
    ], m);
    const leased = result.facts.leased as string;
    assert.match(dhcp[1].payload!, new RegExp(`your-ip ${leased.replace(/\./g, '\\.')}`), m);
    assert.match(dhcp[2].payload!, new RegExp(`requested-ip ${leased.replace(/\./g, '\\.')}`), m);
    const ack = all.indexOf(dhcp[3]);
    const syn = all.findIndex((a) => isTcp(a) && a.flags === F.SYN);
    assert.ok(syn > ack, m);
    assert.equal(all[syn].src.split(':')[0], leased, `the SYN comes from the leased address: ${m}`);
    const query = all.findIndex((a) => isQuery(a) && a.payload === `who-has 198.18.0.2 tell ${leased}`);
    assert.ok(query > ack && query < syn, `the client ARPs for the server between the ACK and the SYN: ${m}`);
    assert.equal(result.facts.read, 'hello', m);
  });

  test('both are deterministic: the same seed gives the same trace', () => {
    for (const name of ['arp', 'dhcp']) assert.equal(JSON.stringify(runScenario(name, 7).json), JSON.stringify(runScenario(name, 7).json), name);
  });
});
