/**
 * IPv6 end to end through two stacks (RFC 8200; TCP over IPv6 per RFC 9293 §3.1 with the RFC 8200
 * §8.1 pseudo-header): handshake with an MSS for IPv6's 40-byte header (RFC 9293 §3.7.1), data both
 * ways byte-exact, orderly close, every packet on the wire IPv6 with a valid checksum; and the same
 * over an impaired link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { A6, B6, seededExchange, simHosts, tcpOut, connEvents, stackEvents } from './helpers.js';
import { ipToString, TcpFlag } from '../../src/wire/index.js';
import { formatConnections, listConnections } from '../../src/stack/listing.js';

test('IPv6: connect, transfer both ways, close; every packet IPv6 with valid checksums', () => {
  const SEED = 6;
  const { net, ha, hb, link } = simHosts(SEED, [A6], [B6], { delayMs: 3 });
  const packets: Array<{ from: string; bytes: Uint8Array }> = [];
  link.tap((p, _t, from) => packets.push({ from: from.name, bytes: p }));
  const { conn, ...r } = seededExchange(net, ha, hb, { address: B6, port: 8080 }, { seed: SEED, bytes: 300_000 }, { seed: SEED + 1, bytes: 100_000 }, `seed ${SEED}`);
  assert.equal(ipToString(r.server.remote.address), A6);
  assert.equal(r.server.remote.port, conn.local.port);
  const table = formatConnections(listConnections(hb.stack, net.now));
  assert.match(table, new RegExp(`\\[2001:db8::2\\]:8080\\s+\\[2001:db8::1\\]:${conn.local.port}`));
  r.server.close(net.now);
  conn.close(net.now);
  ha.kick();
  hb.kick();
  net.runFor(10);
  // Both sides half-closed after their data: whichever FIN crossed last, one side may sit in TIME-WAIT.
  for (const c of [r.server, conn]) assert.ok(c.state === 'TIME-WAIT' || c.state === 'CLOSED', c.state);
  net.runFor(2 * ha.stack.config.mslMs + 10);
  assert.equal([...ha.stack.connections()].length, 0);
  assert.equal([...hb.stack.connections()].length, 0);

  assert.ok(packets.length > 100);
  for (const p of packets) {
    const d = tcpOut(p.bytes); // decodes, checksum verified with the IPv6 pseudo-header
    assert.equal(d.ip.version, 6);
    const [src, dst] = p.from === 'a' ? [A6, B6] : [B6, A6];
    assert.equal(ipToString(d.ip.src), src);
    assert.equal(ipToString(d.ip.dst), dst);
    assert.ok(d.bytes.length <= 1500);
  }
  const syns = packets.map((p) => tcpOut(p.bytes)).filter((d) => d.tcp.flags & TcpFlag.SYN);
  assert.equal(syns.length, 2);
  for (const s of syns) assert.equal(s.tcp.options.mss, 1500 - 40 - 20, 'MSS for a 1500-byte MTU under a 40-byte IPv6 header');
  // Full-sized data segments fill the MTU exactly: 40 (IPv6) + 20 (TCP) + 12 (timestamps) + data.
  const biggest = Math.max(...packets.map((p) => p.bytes.length));
  assert.equal(biggest, 1500);
  assert.equal(ha.stack.counters.ip.InHdrErrors + hb.stack.counters.ip.InHdrErrors, 0);
  assert.equal(ha.stack.counters.tcp.InErrs + hb.stack.counters.tcp.InErrs, 0);
});

test('IPv6 over a lossy, reordering, duplicating, corrupting link: byte-exact both ways', () => {
  for (const SEED of [61, 62, 63]) {
    const { net, ha, hb } = simHosts(SEED, [A6], [B6], { delayMs: 10, jitterMs: 4, loss: 0.03, reorder: 0.05, duplicate: 0.02, corrupt: 0.01, rateBps: 20e6, queueBytes: 100_000 });
    const { conn } = seededExchange(net, ha, hb, { address: B6, port: 80 }, { seed: SEED, bytes: 200_000 }, { seed: SEED + 100, bytes: 80_000 }, `seed ${SEED}`);
    const corrupted = ha.stack.counters.tcp.InCsumErrors + hb.stack.counters.tcp.InCsumErrors + ha.stack.counters.ip.InHdrErrors + hb.stack.counters.ip.InHdrErrors;
    assert.ok(ha.stack.counters.tcp.RetransSegs + hb.stack.counters.tcp.RetransSegs > 0, `seed ${SEED}: losses were repaired`);
    assert.ok(corrupted >= 0);
    assert.ok(!connEvents(stackEvents(ha.stack), conn).some((e) => e.type === 'error'), `seed ${SEED}`);
  }
});
