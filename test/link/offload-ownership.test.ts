/**
 * Who may write a packet (link/offload.ts's header): a merge is made in place, over the pieces' own
 * memory, only from pieces the receiver owns outright (cut by the simulator, carried by a link nobody
 * taps, filters or duplicates on); anything else is copied, and a packet someone else may hold is never
 * written again.
 *
 * What must hold, and how each test sees it:
 *   - GroMerger: owned pieces of one cut merge in place (the merge is a view of their memory); the same
 *     pieces not owned merge by copy and stay byte for byte as they were; an in-place merge that meets
 *     a piece it may not move (not owned, or not right after the last) goes on as a copy, bytes intact.
 *   - The simulator: a transfer over an untapped link merges in place and delivers its bytes whole, over
 *     loss, reordering, duplication and corruption (seeded, the seed printed with any failure).
 *   - A tap, a delivery tap (the explorer's packets in flight) or a filter that keeps the packets it
 *     sees finds them, at the end, as they were when it saw them; nothing merges in place then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimNetwork, type LinkProfile, type SimLink } from '../../src/link/sim.js';
import { GroMerger, GsoSegmenter } from '../../src/link/offload.js';
import { encodeTcpPacket, decodeTcpPacket, tcpPayload, TcpFlag } from '../../src/wire/index.js';
import { parseIpv4 } from '../../src/wire/address.js';
import { SeededRandom } from '../../src/tcp/random.js';
import { bulkTransfer } from './sim-bulk.js';

/** An IPv4 TCP packet from 198.18.0.1:1000 to 198.18.0.2:80 carrying `payload` at `seq`. */
function packet(seq: number, payload: Uint8Array, srcPort = 1000): Uint8Array {
  return encodeTcpPacket({
    ip: { version: 4, src: parseIpv4('198.18.0.1')!, dst: parseIpv4('198.18.0.2')!, ttl: 64, identification: 1, dscp: 0, ecn: 0 },
    tcp: { srcPort, dstPort: 80, seq, ack: 5000, flags: TcpFlag.ACK, window: 1000, urgentPointer: 0, options: { timestamp: { value: 100, echo: 50 } } },
    payload,
  });
}

const chunk = (n: number, fill: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 7 + fill) & 0xff);

/** What a merger handed over: the packets themselves (not copies), and their groSize. */
class Sink {
  readonly got: Array<{ bytes: Uint8Array; groSize: number }> = [];
  handlePacket(bytes: Uint8Array): void {
    this.got.push({ bytes, groSize: 0 });
  }

  handleMerged(bytes: Uint8Array, _now: number, groSize: number): void {
    this.got.push({ bytes, groSize });
  }
}

/** The pieces of one 64 KB-style packet of `data` at `seq`, cut at `size` (fresh memory, the cutter's). */
function cut(seq: number, data: Uint8Array, size: number, srcPort = 1000): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = new GsoSegmenter().cut(packet(seq, data, srcPort), size, false, out);
  assert.equal(n, out.length, 'cut says how many fresh pieces it made');
  return out;
}

function mergedData(m: Uint8Array): Uint8Array {
  const d = decodeTcpPacket(m);
  assert.ok(d.ok && d.ip.version === 4 && d.ip.checksumValid, 'the merge is a valid IPv4 packet');
  return tcpPayload(d);
}

test('GRO: owned pieces of one cut merge in place, over their own memory, with their bytes in order', () => {
  const data = chunk(5 * 1000, 1);
  const pieces = cut(1000, data, 1000);
  const sink = new Sink();
  const gro = new GroMerger(sink, false);
  for (const p of pieces) gro.receive(p, 0, true);
  gro.flush(0);
  assert.equal(sink.got.length, 1);
  const m = sink.got[0];
  assert.equal(m.groSize, 1000);
  assert.deepEqual(mergedData(m.bytes), data);
  assert.equal(m.bytes.buffer, pieces[0].buffer, 'the merge is a view of the pieces\' memory');
  assert.equal(m.bytes.byteOffset, pieces[0].byteOffset);
  assert.equal(gro.mergesInPlace, 1);
});

test('GRO: pieces that are not owned merge by copy, and stay byte for byte as they came', () => {
  const data = chunk(5 * 1000, 2);
  const pieces = cut(1000, data, 1000);
  const before = pieces.map((p) => p.slice());
  const sink = new Sink();
  const gro = new GroMerger(sink, false);
  for (const p of pieces) gro.receive(p, 0);
  gro.flush(0);
  assert.equal(sink.got.length, 1);
  assert.deepEqual(mergedData(sink.got[0].bytes), data);
  assert.notEqual(sink.got[0].bytes.buffer, pieces[0].buffer, 'a copy, in the merger\'s memory');
  assert.equal(gro.mergesInPlace, 0);
  pieces.forEach((p, i) => assert.deepEqual(p, before[i], `piece ${i} untouched`));
});

test('GRO: an in-place merge that meets a piece it may not move goes on as a copy, bytes intact', () => {
  const data = chunk(6 * 1000, 3);
  // Pieces 0-2 owned, in one cut; piece 3 not owned; pieces 4-5 owned but from another cut (not
  // right after the last), so each switch is seen.
  const a = cut(1000, data.subarray(0, 4000), 1000);
  const b = cut(5000, data.subarray(4000), 1000);
  const shared = a[3].slice();
  const sink = new Sink();
  const gro = new GroMerger(sink, false);
  gro.receive(a[0], 0, true);
  gro.receive(a[1], 0, true);
  gro.receive(a[2], 0, true);
  gro.receive(a[3], 0, false);
  gro.receive(b[0], 0, true);
  gro.receive(b[1], 0, true);
  gro.flush(0);
  assert.equal(sink.got.length, 1);
  assert.deepEqual(mergedData(sink.got[0].bytes), data);
  assert.deepEqual(a[3], shared, 'the piece that was not owned is untouched');
  assert.equal(gro.mergesInPlace, 0, 'finished as a copy');

  // The other way round: owned pieces of one cut after one that is not owned merge by copy too.
  const c = cut(1000, data.subarray(0, 3000), 1000);
  const sink2 = new Sink();
  const gro2 = new GroMerger(sink2, false);
  gro2.receive(c[0], 0, false);
  const first = c[0].slice();
  gro2.receive(c[1], 0, true);
  gro2.receive(c[2], 0, true);
  gro2.flush(0);
  assert.deepEqual(mergedData(sink2.got[0].bytes), data.subarray(0, 3000));
  assert.deepEqual(c[0], first, 'the first, not owned, is untouched');
  assert.equal(gro2.mergesInPlace, 0);
});

interface Run {
  net: SimNetwork;
  link: SimLink;
  sent: string;
  received: string;
  bytes: number;
  inPlace: number;
  merges: number;
  /** Packets the receiver found malformed (a spent piece delivered again would be one). */
  malformed: number;
}

/** `bytes` from client to server (seeded data, hashed at both ends), with `setup` applied to the link first. */
function transfer(seed: number, bytes: number, profile: Partial<LinkProfile>, opts: { checksumOffload?: boolean; v6?: boolean; setup?: (link: SimLink) => void } = {}): Run {
  const net = new SimNetwork(seed);
  net.receiveBatch = 64;
  const common = { checksumOffload: opts.checksumOffload ?? true, tcp: { receiveBufferSize: 1 << 20, sendBufferSize: 1 << 20 } };
  const client = net.addHost('client', { addresses: [opts.v6 ? '2001:db8::1' : '198.18.0.1'], ...common });
  const server = net.addHost('server', { addresses: [opts.v6 ? '2001:db8::2' : '198.18.0.2'], ...common });
  const link = net.link(client, server, { delayMs: 0.05, mtu: 1500, ...profile });
  opts.setup?.(link);
  server.stack.listen(80);
  const data = new Uint8Array(bytes);
  new SeededRandom(seed).fill(data);
  const { received, bytes: got } = bulkTransfer(net, client, server, opts.v6 ? '2001:db8::2' : '198.18.0.2', data);
  const inPlace = server.gro!.mergesInPlace;
  const c = server.stack.counters;
  const malformed = c.ip.InHdrErrors + c.ip.InAddrErrors + c.tcp.InErrs;
  return { net, link, sent: createHash('sha256').update(data).digest('hex'), received, bytes: got, inPlace, merges: server.gro!.merges, malformed };
}

test('an untapped link: merges are made in place and the bytes arrive whole (IPv4 and IPv6)', () => {
  for (const v6 of [false, true]) {
    const seed = 11;
    const r = transfer(seed, 8_000_000, {}, { v6 });
    assert.equal(r.received, r.sent, `bytes whole (seed ${seed}, v6 ${v6})`);
    assert.equal(r.malformed, 0, `no malformed packet arrived (seed ${seed}, v6 ${v6})`);
    // Nearly all: a merge is copied only where its pieces straddle two of the cutter's slabs, or its
    // first packet was not cut (a lone segment from the stack's own memory).
    assert.ok(r.inPlace >= 0.92 * r.merges, `merges in place (seed ${seed}, v6 ${v6}): ${r.inPlace} of ${r.merges}`);
  }
});

test('merging in place keeps the bytes whole over loss, reordering, duplication and corruption', () => {
  const profiles: Array<[string, Partial<LinkProfile>, boolean]> = [
    ['loss 1%', { loss: 0.01 }, true],
    ['reordering 2%', { reorder: 0.02 }, true],
    ['duplication 2%', { duplicate: 0.02 }, true],
    ['loss, reordering and duplication', { loss: 0.005, reorder: 0.01, duplicate: 0.01 }, true],
    // Corruption needs checksums (an offloading host would take a flipped bit as data).
    ['corruption 0.5%', { corrupt: 0.005 }, false],
  ];
  for (const [name, profile, checksumOffload] of profiles) {
    for (const seed of [1, 2, 3]) {
      const r = transfer(seed, 1_500_000, profile, { checksumOffload });
      assert.equal(r.received, r.sent, `${name}: bytes whole (seed ${seed})`);
      assert.ok(r.inPlace > 0, `${name}: some merges in place (seed ${seed})`);
      // A piece merged in place is spent: delivered again (a duplicate) it would arrive as garbage.
      if (!profile.corrupt) assert.equal(r.malformed, 0, `${name}: no malformed packet arrived (seed ${seed})`);
    }
  }
});

/** Every packet an observer kept (by reference), and a copy of each taken when it was seen. */
function keeper(): { kept: Uint8Array[]; copies: Uint8Array[]; see: (p: Uint8Array) => void } {
  const kept: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  return { kept, copies, see: (p) => { kept.push(p); copies.push(p.slice()); } };
}

function assertKeptIntact(k: { kept: Uint8Array[]; copies: Uint8Array[] }, why: string): void {
  assert.ok(k.kept.length > 100, `${why}: packets seen`);
  for (let i = 0; i < k.kept.length; i++) {
    if (Buffer.compare(k.kept[i], k.copies[i]) !== 0) assert.fail(`${why}: packet ${i} of ${k.kept.length} changed after it was seen`);
  }
}

test('a tap, a delivery tap or a filter that keeps packets finds them as they were; nothing merges in place', () => {
  const seed = 5;
  const observers: Array<[string, (link: SimLink, see: (p: Uint8Array) => void) => void]> = [
    ['a tap', (link, see) => link.tap((p) => see(p))],
    ['a delivery tap', (link, see) => link.tapDeliveries((p) => see(p))],
    ['a filter', (link, see) => (link.filter = (p) => { see(p); return undefined; })],
  ];
  for (const [name, attach] of observers) {
    const k = keeper();
    const r = transfer(seed, 1_000_000, {}, { setup: (link) => attach(link, k.see) });
    assert.equal(r.received, r.sent, `${name}: bytes whole (seed ${seed})`);
    assert.equal(r.inPlace, 0, `${name}: no merge in place`);
    assertKeptIntact(k, name);
  }
  // A capture (pcap) taken before and after the merges: the same bytes as the tap's copies.
  const k = keeper();
  let pcap: (() => Uint8Array) | undefined;
  const r = transfer(seed, 500_000, {}, { checksumOffload: false, setup: (link) => { pcap = link.capture(); link.tap((p) => k.see(p)); } });
  assert.equal(r.received, r.sent);
  assertKeptIntact(k, 'a capture beside a tap');
  const file = pcap!();
  let at = 24;
  for (let i = 0; i < k.copies.length; i++) {
    const len = new DataView(file.buffer, file.byteOffset).getUint32(at + 8, true);
    assert.deepEqual(file.subarray(at + 16, at + 16 + len), k.copies[i], `capture record ${i}`);
    at += 16 + len;
  }
});
