/**
 * Checksum offload (SimHostOptions.checksumOffload, StackOptions.checksumOffload): an offloading stack
 * sends a zero TCP checksum and verifies none, so two offloading hosts still move data intact; a
 * stack that does not offload keeps rejecting a bad checksum (RFC 9293 §3.1), including the zero one
 * an offloading peer sends; and a capture of an offloaded link holds valid checksums.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork } from '../../src/link/sim.js';
import { runTransfer } from '../../src/workloads/transfer.js';
import { decodeTcpPacket, readCapture, tcpChecksumValid } from '../../src/wire/index.js';

const SEED = 41;

function pair(clientOffload: boolean, serverOffload: boolean) {
  const net = new SimNetwork(SEED);
  const client = net.addHost('client', { addresses: ['198.18.0.1'], checksumOffload: clientOffload });
  const server = net.addHost('server', { addresses: ['198.18.0.2'], checksumOffload: serverOffload });
  const link = net.link(client, server, { delayMs: 2, mtu: 1500 });
  return { net, client, server, link };
}

test('two offloading hosts move data both ways intact, sending zero checksums', () => {
  const { net, client, server, link } = pair(true, true);
  let zero = 0;
  let packets = 0;
  link.tap((p) => {
    const d = decodeTcpPacket(p);
    assert.ok(d.ok, `seed ${SEED}: the link carries TCP/IP`);
    packets++;
    if (d.tcp.checksum === 0) zero++;
  });
  const report = runTransfer(net, { client, server, up: 300_000, down: 200_000, dataSeed: SEED });
  assert.ok(report.ok, `seed ${SEED}: ${report.reason}`);
  assert.ok(report.up.intact && report.down.intact, `seed ${SEED}`);
  assert.equal(report.checksumErrors, 0, `seed ${SEED}`);
  assert.ok(packets > 100, `seed ${SEED}: ${packets} packets`);
  assert.equal(zero, packets, `seed ${SEED}: every TCP checksum field is left zero`);
});

test('a stack that does not offload drops the zero-checksum segments of an offloading peer', () => {
  const { net, client, server } = pair(true, false);
  const report = runTransfer(net, { client, server, up: 1000, down: 0, dataSeed: SEED }, { maxMs: 5_000 });
  assert.equal(report.ok, false, `seed ${SEED}: no connection can be made`);
  assert.equal(report.server.finalState, 'NONE', `seed ${SEED}`);
  assert.ok(server.stack.counters.tcp.InCsumErrors >= 1, `seed ${SEED}: the SYN counts as a checksum error`);
  assert.equal(client.stack.counters.tcp.InCsumErrors, 0, `seed ${SEED}: nothing came back to verify`);
});

test('an offloading stack accepts a checksumming peer, whose stack rejects the zero checksums sent back', () => {
  const { net, client, server } = pair(false, true);
  const report = runTransfer(net, { client, server, up: 50_000, down: 50_000, dataSeed: SEED });
  assert.equal(report.ok, false, `seed ${SEED}: the server's zero checksums are rejected by the client`);
  assert.ok(client.stack.counters.tcp.InCsumErrors >= 1, `seed ${SEED}`);
  assert.equal(server.stack.counters.tcp.InCsumErrors, 0, `seed ${SEED}: the offloading server accepts the client's segments`);
});

test('a capture of an offloaded link holds valid TCP checksums', () => {
  const { net, client, server, link } = pair(true, true);
  const capture = link.capture();
  const report = runTransfer(net, { client, server, up: 20_000, down: 20_000, dataSeed: SEED });
  assert.ok(report.ok, `seed ${SEED}: ${report.reason}`);
  const cap = readCapture(capture());
  assert.ok(cap.ok, `seed ${SEED}`);
  assert.ok(cap.records.length > 10);
  for (const r of cap.records) {
    const p = decodeTcpPacket(r.data);
    assert.ok(p.ok, `seed ${SEED}: frame ${r.frame}`);
    assert.ok(tcpChecksumValid(p), `seed ${SEED}: frame ${r.frame} has a bad TCP checksum in the capture`);
  }
});
