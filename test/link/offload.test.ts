/**
 * Segmentation offload (link/offload.ts): the simulator's hosts hand their links 64 KB packets that are
 * cut into wire packets (GSO) and merge the wire packets of one receive batch before TCP (GRO).
 *
 * What must hold, and how each test sees it:
 *   - The wire is unchanged: the same transfer with offload on and off puts the same packets on the
 *     link, byte for byte (sequence numbers, flags, options, payloads, IPv4 IDs, checksums), for IPv4
 *     and IPv6, checksums computed or offloaded, the FIN on the last piece of the last super-segment.
 *   - Cutting: PSH and FIN only on the last piece, CWR only on the first; valid checksums; IDs count up.
 *   - Merging preserves the bytes and never crosses a gap, a flag other than ACK (PSH ends a merge), a
 *     change of options (timestamps), another flow, or a bad checksum; the flow's order is kept.
 *   - Loss of one wire packet of a super-segment is repaired as that one segment (SACK and RACK see
 *     wire segments), with the same retransmissions as without offload.
 * The transfers run on virtual time with a fixed seed (printed with any failure).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork, type LinkFilter } from '../../src/link/sim.js';
import { GroMerger, GsoSegmenter } from '../../src/link/offload.js';
import { encodeTcpPacket, decodeTcpPacket, tcpChecksumValid, tcpPayload, TcpFlag, type TcpOptions } from '../../src/wire/index.js';
import { parseIpv4 } from '../../src/wire/address.js';
import type { Connection } from '../../src/stack/connection.js';
import type { TcpConfig } from '../../src/tcp/config.js';

interface TransferOptions {
  seed?: number;
  gso: number;
  gro?: boolean;
  offload: boolean;
  v6?: boolean;
  receiveBatch?: number;
  bytes: number;
  mtu?: number;
  filter?: (net: SimNetwork) => LinkFilter;
  tcp?: Partial<TcpConfig>;
}

interface TransferResult {
  packets: Uint8Array[];
  received: Uint8Array;
  sent: Uint8Array;
  net: SimNetwork;
  clientConn: Connection;
}

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >>> 11) * 7 + 5) & 0xff;
  return b;
}

/** One connection moving `bytes` client to server, then closing; every packet on the link, copied. */
function transfer(o: TransferOptions): TransferResult {
  const seed = o.seed ?? 1;
  const net = new SimNetwork(seed);
  net.receiveBatch = o.receiveBatch ?? 64;
  const common = { checksumOffload: o.offload, gsoMaxSize: o.gso, gro: o.gro ?? true, tcp: o.tcp };
  const client = net.addHost('client', { addresses: [o.v6 ? '2001:db8::1' : '198.18.0.1'], ...common });
  const server = net.addHost('server', { addresses: [o.v6 ? '2001:db8::2' : '198.18.0.2'], ...common });
  const link = net.link(client, server, { delayMs: 1, mtu: o.mtu ?? 1500 });
  if (o.filter) link.filter = o.filter(net);
  const packets: Uint8Array[] = [];
  link.tap((p) => packets.push(p.slice()));
  const listener = server.stack.listen(80);
  const data = pattern(o.bytes);
  const parts: Uint8Array[] = [];
  let got = 0;
  let sent = 0;
  let peer: Connection | undefined;
  const conn = client.stack.connect({ address: o.v6 ? '2001:db8::2' : '198.18.0.2', port: 80 }, net.now);
  const pump = (): void => {
    while (sent < data.length) {
      const n = conn.send(data.subarray(sent), net.now);
      if (n === 0) return;
      sent += n;
      if (sent === data.length) conn.close(net.now);
    }
  };
  client.onEvent(() => pump());
  server.onEvent((e) => {
    if (e.type === 'connection') peer = e.listener.accept();
    if (peer === undefined) return;
    for (let d = peer.read(undefined, net.now); d; d = peer.read(undefined, net.now)) {
      parts.push(d.slice());
      got += d.length;
    }
  });
  client.kick();
  net.runUntil(() => got >= data.length && conn.state === 'FIN-WAIT-2', 60_000);
  const received = new Uint8Array(got);
  let at = 0;
  for (const p of parts) {
    received.set(p, at);
    at += p.length;
  }
  return { packets, received, sent: data, net, clientConn: conn };
}

function hex(p: Uint8Array): string {
  return Buffer.from(p).toString('hex');
}

// Two writers: one that fills a large send buffer (PSH rarely; a short last segment, then the FIN), and
// one whose send buffer holds 20 segments, so that most super-segments end where the queued data ends
// (PSH on their last piece) and the last one, a multiple of the MSS, carries the FIN.
// (The MSS's data: 1500 less IPv4's 20 or IPv6's 40, TCP's 20 and timestamps' 12.)
const WRITERS: Array<{ name: string; bytes: (mss: number) => number; tcp?: (mss: number) => Partial<TcpConfig> }> = [
  { name: 'a large buffer', bytes: () => 300_000 + 777 },
  { name: 'a 20-segment buffer', bytes: (mss) => mss * 207, tcp: (mss) => ({ sendBufferSize: mss * 20 }) },
];

for (const v6 of [false, true]) {
  for (const offload of [false, true]) {
    for (const w of WRITERS) test(`the wire is the same with segmentation offload as without (IPv${v6 ? 6 : 4}, checksums ${offload ? 'offloaded' : 'computed'}, ${w.name})`, () => {
      const mss = v6 ? 1428 : 1448;
      const bytes = w.bytes(mss);
      const tcp = w.tcp?.(mss);
      const off = transfer({ gso: 0, gro: false, offload, v6, bytes, tcp });
      const on = transfer({ gso: 65535, offload, v6, bytes, tcp });
      const stats = on.net.offloadStats();
      const why = `seed 1, v6 ${v6}, offload ${offload}, ${w.name}`;
      assert.ok(stats.gsoPackets >= 4, `offloaded packets were cut (${why}): ${JSON.stringify(stats)}`);
      assert.ok(stats.groMerges >= 4, `wire packets were merged (${why}): ${JSON.stringify(stats)}`);
      assert.deepEqual(on.received, on.sent, `bytes arrive whole and in order (${why})`);
      assert.equal(on.packets.length, off.packets.length, `as many wire packets (${why})`);
      for (let i = 0; i < on.packets.length; i++) {
        assert.ok(on.packets[i].length <= 1500, `packet ${i} fits the MTU (${why})`);
        assert.equal(hex(on.packets[i]), hex(off.packets[i]), `packet ${i} byte for byte (${why})`);
      }
      assert.equal(on.clientConn.tcb.stats.OutSegs, off.clientConn.tcb.stats.OutSegs, 'OutSegs counts wire segments');
    });
  }
}

test('a stack with offload hands over one packet per super-segment, with transmitGsoSize; without, none', () => {
  const on = transfer({ gso: 65535, offload: true, bytes: 200_000 });
  const off = transfer({ gso: 0, gro: false, offload: true, bytes: 200_000 });
  assert.equal(off.net.offloadStats().gsoPackets, 0);
  assert.equal(off.net.offloadStats().groMerges, 0);
  const s = on.net.offloadStats();
  // Each cut packet becomes several wire packets, all of them at most the MSS's data.
  assert.ok(s.gsoPieces >= 2 * s.gsoPackets, JSON.stringify(s));
});

/** An IPv4 TCP packet from 198.18.0.1:1000 to 198.18.0.2:80 carrying `payload` at `seq`. */
function packet(seq: number, payload: Uint8Array, flags: number = TcpFlag.ACK, options: TcpOptions = { timestamp: { value: 100, echo: 50 } }, id = 1, srcPort = 1000): Uint8Array {
  return encodeTcpPacket({
    ip: { version: 4, src: parseIpv4('198.18.0.1')!, dst: parseIpv4('198.18.0.2')!, ttl: 64, identification: id, dscp: 0, ecn: 0 },
    tcp: { srcPort, dstPort: 80, seq, ack: 5000, flags, window: 1000, urgentPointer: 0, options },
    payload,
  });
}

class Sink {
  readonly got: Array<{ bytes: Uint8Array; groSize: number }> = [];
  handlePacket(bytes: Uint8Array): void {
    this.got.push({ bytes: bytes.slice(), groSize: 0 });
  }

  handleMerged(bytes: Uint8Array, _now: number, groSize: number): void {
    this.got.push({ bytes: bytes.slice(), groSize });
  }
}

function payloadOf(p: Uint8Array): { seq: number; flags: number; data: Uint8Array } {
  const d = decodeTcpPacket(p);
  assert.ok(d.ok);
  return { seq: d.tcp.seq, flags: d.tcp.flags, data: tcpPayload(d) };
}

const chunk = (n: number, fill: number): Uint8Array => new Uint8Array(n).map((_, i) => (i + fill) & 0xff);

test('GRO: consecutive segments of a flow merge into one packet with their bytes in order; PSH ends the merge', () => {
  const sink = new Sink();
  const gro = new GroMerger(sink, true);
  const a = chunk(100, 1);
  const b = chunk(100, 2);
  const c = chunk(60, 3);
  gro.receive(packet(1000, a), 0);
  gro.receive(packet(1100, b), 0);
  gro.receive(packet(1200, c, TcpFlag.ACK | TcpFlag.PSH), 0); // shorter and PSH: the last piece
  assert.equal(sink.got.length, 1);
  const m = sink.got[0];
  assert.equal(m.groSize, 100);
  const d = decodeTcpPacket(m.bytes);
  assert.ok(d.ok && d.ip.version === 4 && d.ip.checksumValid, 'the merge has a valid IPv4 header');
  const p = payloadOf(m.bytes);
  assert.equal(p.seq, 1000);
  assert.equal(p.flags, TcpFlag.ACK | TcpFlag.PSH, 'the last piece\'s PSH on the merge');
  assert.deepEqual(p.data, Uint8Array.from([...a, ...b, ...c]));
  assert.equal(gro.holding, false);
});

test('GRO never merges across a gap, a flag change, other options, another flow or a bad checksum, and keeps the order', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['a gap', packet(1300, chunk(100, 2))],
    ['FIN', packet(1100, chunk(100, 2), TcpFlag.ACK | TcpFlag.FIN)],
    ['URG', packet(1100, chunk(100, 2), TcpFlag.ACK | TcpFlag.URG)],
    ['CWR', packet(1100, chunk(100, 2), TcpFlag.ACK | TcpFlag.CWR)],
    ['another TSval', packet(1100, chunk(100, 2), TcpFlag.ACK, { timestamp: { value: 101, echo: 50 } })],
    ['another port', packet(1100, chunk(100, 2), TcpFlag.ACK, undefined, 1, 1001)],
    ['a longer segment', packet(1100, chunk(120, 2))],
  ];
  for (const [why, second] of cases) {
    const sink = new Sink();
    const gro = new GroMerger(sink, true);
    const first = packet(1000, chunk(100, 1));
    gro.receive(first, 0);
    gro.receive(second, 0);
    gro.flush(0);
    assert.equal(sink.got.length, 2, why);
    assert.deepEqual(sink.got.map((g) => g.groSize), [0, 0], why);
    assert.equal(hex(sink.got[0].bytes), hex(first), `${why}: the first as it came, first`);
    assert.equal(hex(sink.got[1].bytes), hex(second), `${why}: then the second as it came`);
  }
  // A corrupt segment (one payload bit) is handed over alone, for the stack to count and drop.
  const sink = new Sink();
  const gro = new GroMerger(sink, true);
  const bad = packet(1100, chunk(100, 2));
  bad[bad.length - 1] ^= 1;
  gro.receive(packet(1000, chunk(100, 1)), 0);
  gro.receive(bad, 0);
  gro.flush(0);
  assert.equal(sink.got.length, 2);
  assert.equal(hex(sink.got[1].bytes), hex(bad));
});

test('GSO: pieces carry advancing sequence numbers and IDs, PSH and FIN on the last only, CWR on the first, valid checksums', () => {
  const data = chunk(3 * 1000 + 10, 9);
  const big = packet(0xffffff00, data, TcpFlag.ACK | TcpFlag.PSH | TcpFlag.FIN | TcpFlag.CWR, undefined, 0xfffe);
  const out: Uint8Array[] = [];
  new GsoSegmenter().cut(big, 1000, true, out);
  assert.equal(out.length, 4);
  for (let i = 0; i < 4; i++) {
    const d = decodeTcpPacket(out[i]);
    assert.ok(d.ok && d.ip.version === 4);
    assert.ok(d.ip.checksumValid, `piece ${i}: IPv4 header checksum`);
    assert.ok(tcpChecksumValid(d), `piece ${i}: TCP checksum`);
    assert.equal(d.ip.identification, (0xfffe + i) & 0xffff, `piece ${i}: ID`);
    assert.equal(d.tcp.seq, (0xffffff00 + 1000 * i) >>> 0, `piece ${i}: seq (across the wrap)`);
    const last = i === 3;
    assert.equal(d.tcp.flags, TcpFlag.ACK | (last ? TcpFlag.PSH | TcpFlag.FIN : 0) | (i === 0 ? TcpFlag.CWR : 0), `piece ${i}: flags`);
    assert.deepEqual(tcpPayload(d), data.subarray(1000 * i, Math.min(data.length, 1000 * (i + 1))), `piece ${i}: data`);
    assert.deepEqual(d.tcp.options.timestamp, { value: 100, echo: 50 }, `piece ${i}: options`);
  }
});

test('loss of one wire packet of a super-segment is repaired as that one segment, as without offload', () => {
  // Drop the 20th data packet the client sends (inside a super-segment), once.
  const dropTwentieth = (net: SimNetwork): LinkFilter => {
    let data = 0;
    return (p, _t, from) => {
      if (from.name !== 'client' || p.length < 1000) return undefined;
      return ++data === 20 ? 'drop' : undefined;
    };
  };
  const bytes = 1_000_000;
  const on = transfer({ gso: 65535, offload: true, bytes, filter: dropTwentieth });
  const off = transfer({ gso: 0, gro: false, offload: true, bytes, filter: dropTwentieth });
  assert.ok(on.net.offloadStats().gsoPackets > 0);
  assert.deepEqual(on.received, on.sent, 'the bytes arrive whole (seed 1)');
  const stats = on.clientConn.tcb.stats;
  assert.equal(stats.RetransSegs, 1, 'one segment sent again, not the super-segment');
  assert.equal(stats.RetransSegs, off.clientConn.tcb.stats.RetransSegs);
  assert.equal(on.packets.length, off.packets.length, 'the same packets on the wire');
  for (let i = 0; i < on.packets.length; i++) assert.equal(hex(on.packets[i]), hex(off.packets[i]), `packet ${i}`);
});

test('scatter-gather: an offloaded packet is its headers alone and its data a view of what the application wrote; the pieces are those of the whole packet', () => {
  const net = new SimNetwork(3);
  net.receiveBatch = 64;
  const client = net.addHost('client', { addresses: ['198.18.0.1'], checksumOffload: false });
  const server = net.addHost('server', { addresses: ['198.18.0.2'], checksumOffload: false });
  net.link(client, server, { delayMs: 1, mtu: 1500 });
  server.stack.listen(80);
  server.onEvent((e) => {
    if (e.type === 'connection') e.listener.accept();
  });
  const data = pattern(200_000);
  const seen: Array<{ headers: Uint8Array; payload: Uint8Array; size: number }> = [];
  const stack = client.stack;
  const poll = stack.pollTransmit.bind(stack);
  stack.pollTransmit = (now: number) => {
    const p = poll(now);
    if (p !== undefined && stack.transmitGsoSize > 0) seen.push({ headers: p.slice(), payload: stack.transmitGsoPayload, size: stack.transmitGsoSize });
    return p;
  };
  const conn = stack.connect({ address: '198.18.0.2', port: 80 }, net.now);
  let sent = 0;
  client.onEvent(() => {
    while (sent < data.length) {
      const n = conn.send(data.subarray(sent), net.now);
      if (n === 0) return;
      sent += n;
    }
  });
  client.kick();
  net.runFor(50);
  assert.ok(seen.length >= 2, `offloaded packets seen: ${seen.length}`);
  for (const [i, s] of seen.entries()) {
    assert.equal(s.headers.length, 20 + 32, `packet ${i}: IPv4 and TCP headers (with timestamps) alone`);
    assert.equal((s.headers[2] << 8) | s.headers[3], s.headers.length + s.payload.length, `packet ${i}: its IPv4 length counts the data`);
    assert.equal(s.payload.buffer, data.buffer, `packet ${i}: the data is a view of the application's buffer, not a copy`);
    const whole = new Uint8Array(s.headers.length + s.payload.length);
    whole.set(s.headers);
    whole.set(s.payload, s.headers.length);
    const apart: Uint8Array[] = [];
    const together: Uint8Array[] = [];
    const n = new GsoSegmenter().cut(s.headers, s.size, true, apart, s.payload);
    new GsoSegmenter().cut(whole, s.size, true, together);
    assert.ok(n >= 2);
    assert.deepEqual(apart.map(hex), together.map(hex), `packet ${i}: the same pieces`);
  }
});
