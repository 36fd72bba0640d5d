import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpFlag } from '../../src/wire/index.js';
import { clientServer, events } from './harness.js';

function open(config = {}) {
  const p = clientServer(1000, 5000, config);
  p.a.connect(0);
  p.run(1);
  assert.equal(p.a.state, 'ESTABLISHED');
  events(p.a);
  events(p.b);
  return p;
}

function readAll(t: { read(): Uint8Array | undefined }): number[] {
  const out: number[] = [];
  for (let d = t.read(); d; d = t.read()) out.push(...d);
  return out;
}

describe('data transfer', () => {
  test('urgent data: URG with the pointer at the byte after the urgent data (RFC 6093)', () => {
    const p = open();
    p.a.send(new Uint8Array(10), p.now);
    p.a.sendUrgent(Uint8Array.of(1, 2, 3), p.now);
    p.run(p.now + 1);
    const dataSegs = p.log.filter((l) => l.from === 'a' && l.seg.payload.length > 0);
    assert.equal(dataSegs.length, 1);
    const s = dataSegs[0].seg;
    assert.ok(s.flags & TcpFlag.URG);
    // First data byte is ISS+1 = 1001; 13 bytes; the pointer is the offset of byte 1014 from SEG.SEQ.
    assert.equal(s.seq, 1001);
    assert.equal(s.urgentPointer, 13);
    const urgent = events(p.b).find((e) => e.type === 'urgent');
    assert.deepEqual(urgent, { type: 'urgent', pointer: 1014 });
    assert.equal(readAll(p.b).length, 13);
    // Once acknowledged, later segments are not urgent.
    p.a.send(new Uint8Array(5), p.now);
    p.run(p.now + 1);
    const later = p.log.filter((l) => l.from === 'a' && l.seg.payload.length === 5)[0].seg;
    assert.equal(later.flags & TcpFlag.URG, 0);
  });

  test('the receive window closes when the reader stops, and opens when it reads', () => {
    const p = open({ receiveBufferSize: 8192, sendBufferSize: 65536 });
    const total = 40_000;
    let sent = p.a.send(new Uint8Array(total).fill(7), p.now);
    p.run(p.now + 2000);
    // b never read: it advertised a zero window after taking at most its buffer.
    assert.ok(p.b.readableLength <= 8192, `buffered ${p.b.readableLength}`);
    const lastAck = p.log.filter((l) => l.from === 'b').at(-1)!.seg;
    assert.equal(lastAck.window, 0);
    assert.equal(p.a.state, 'ESTABLISHED'); // a zero window never kills a connection (§3.8.6.1)
    let got = 0;
    for (let i = 0; i < 200 && got < total; i++) {
      got += readAll(p.b).length;
      if (sent < total) sent += p.a.send(new Uint8Array(total - sent).fill(7), p.now);
      p.run(p.now + 500);
    }
    assert.equal(got, total);
  });

  test('half-close: the side that received FIN keeps sending in CLOSE-WAIT', () => {
    const p = open();
    p.a.shutdown(p.now);
    p.run(p.now + 1);
    assert.equal(p.a.state, 'FIN-WAIT-2');
    assert.equal(p.b.state, 'CLOSE-WAIT');
    assert.ok(events(p.b).some((e) => e.type === 'end'));
    p.b.send(new Uint8Array(3000).fill(9), p.now);
    p.run(p.now + 1);
    assert.equal(readAll(p.a).length, 3000);
    assert.throws(() => p.a.send(new Uint8Array(1), p.now), (e: Error & { code?: string }) => e.code === 'EPIPE');
    p.b.close(p.now);
    p.run(p.now + 1);
    assert.equal(p.a.state, 'TIME-WAIT');
    assert.equal(p.b.state, 'CLOSED');
  });
});
